"""Annotation parsers on real public files in ../shared/data (skipped when absent)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from taleforge.errors import UnknownNameError
from taleforge.genome.annotation import Annotation, load_annotation, load_builtin_mito
from taleforge.model.interval import reverse_complement

pytestmark = pytest.mark.shared

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _need(rel: str) -> Path:
    p = DATA / rel
    if not p.exists():
        pytest.skip(f"shared data file {rel} not available at {DATA}")
    return p


def _translate_mito(cds: str) -> str:
    """Table-2 translation as GenBank /translation shows it: alternative start codons read
    as M, trailing incomplete (polyA-completed) stop and the stop itself dropped."""
    from Bio.Data import CodonTable
    from Bio.Seq import Seq

    table = CodonTable.unambiguous_dna_by_id[2]
    n = len(cds) // 3 * 3
    prot = str(Seq(cds[:n]).translate(table=2))
    if cds[:3] in table.start_codons:
        prot = "M" + prot[1:]
    return prot.rstrip("*")


def _mito_fasta() -> str:
    from Bio import SeqIO

    res = files("taleforge") / "data" / "hg38-chrM.fa"
    with res.open("r") as fh:
        return str(next(SeqIO.parse(fh, "fasta")).seq).upper()


def test_builtin_mito_translations_match_genbank() -> None:
    from Bio import SeqIO

    gb = SeqIO.read(str(_need("mito/NC_012920.1.gb")), "genbank")
    expected = {
        f.qualifiers["gene"][0]: f.qualifiers["translation"][0]
        for f in gb.features
        if f.type == "CDS"
    }
    seq = _mito_fasta()

    def fetch(contig: str, start: int, end: int, strand: str) -> str:
        assert contig == "chrM"
        s = seq[start:end]
        return s if strand == "+" else reverse_complement(s)

    ann = load_builtin_mito()
    coding = [t for t in ann.transcripts if t.is_coding]
    assert len(coding) == 13
    incomplete = set()
    for t in coding:
        gene = ann.find_gene(t.gene_id)
        alias = next(a for a in gene.aliases if a in expected)
        cds = t.cds_sequence(fetch)
        assert _translate_mito(cds) == expected[alias], gene.name
        if t.cds_length % 3:
            incomplete.add(gene.name)
            # polyA-completed stop: the transl_except TERM covers the trailing T / TA
            assert [te.aa for te in t.transl_except] == ["TERM"]
            assert t.transl_except[0].location.end == t.cds[-1].end
    assert incomplete == {"MT-ND1", "MT-ND2", "MT-CO3", "MT-ND3", "MT-ND4", "MT-CYB"}


def test_builtin_matches_genbank_reader() -> None:
    gb = load_annotation(_need("mito/NC_012920.1.gb"), contig_alias={"NC_012920.1": "chrM"})
    builtin = load_builtin_mito()
    assert sorted(g.name for g in gb.genes) == sorted(g.name for g in builtin.genes)
    for g in gb.genes:
        b = builtin.find_gene(g.name)
        assert (g.start, g.end, g.strand) == (b.start, b.end, b.strand)
        assert gb.canonical_transcript(g).cds == builtin.canonical_transcript(b).cds
    counts: dict[str, int] = {}
    for t in gb.transcripts:
        counts[t.biotype] = counts.get(t.biotype, 0) + 1
    assert counts == {"protein_coding": 13, "tRNA": 22, "rRNA": 2}


@pytest.fixture(scope="module")
def ecoli() -> Annotation:
    return load_annotation(_need("ecoli/GCF_000005845.2_ASM584v2_genomic.gff.gz"))


def test_ecoli_gff(ecoli: Annotation) -> None:
    coding = [g for g in ecoli.genes if g.biotype == "protein_coding"]
    assert len(coding) > 4000
    thrl = ecoli.find_gene("thrL")
    assert (thrl.start + 1, thrl.end, thrl.strand) == (190, 255, "+")
    t = ecoli.canonical_transcript(thrl)
    assert t.cds_length == 66 and t.transl_table == 11 and t.id == "NP_414542.1"
    assert ecoli.find_gene("b0001") is thrl  # locus_tag alias
    assert ecoli.locate("NC_000913.3", 200) == "exon:thrL"


def test_ecoli_translation_thrl(ecoli: Annotation) -> None:
    import gzip

    from Bio import SeqIO
    from Bio.Seq import Seq

    with gzip.open(_need("ecoli/GCF_000005845.2_ASM584v2_genomic.fna.gz"), "rt") as fh:
        seq = str(next(SeqIO.parse(fh, "fasta")).seq).upper()

    def fetch(contig: str, start: int, end: int, strand: str) -> str:
        s = seq[start:end]
        return s if strand == "+" else reverse_complement(s)

    for name in ("thrL", "thrA", "yaaA"):  # yaaA is on the minus strand
        t = ecoli.canonical_transcript(name)
        prot = str(Seq(t.cds_sequence(fetch)).translate(table=11, cds=True))
        assert prot.startswith("M") and len(prot) * 3 + 3 == t.cds_length


def test_target_loci_gencode_gff3() -> None:
    ann = load_annotation(_need("human-grch38-annotation/target_loci_GRCh38_gencode.gff3"))
    trac = ann.find_gene("trac")
    assert trac.name == "TRAC" and trac.contig == "chr14" and trac.start == 22547505
    cd52 = ann.find_gene("Cd52")
    assert cd52.contig == "chr1" and cd52.biotype == "protein_coding"
    t = ann.canonical_transcript(cd52)
    assert t.is_coding and t.cds_length % 3 == 0
    assert ann.find_gene("HBB").strand == "-"
    with pytest.raises(UnknownNameError) as ei:
        ann.find_gene("TRCA")
    assert ei.value.hint is not None and "TRAC" in ei.value.hint


def test_hbb_mane_genbank() -> None:
    from Bio import SeqIO
    from Bio.Seq import Seq

    path = _need("human-hbb/NM_000518.5_HBB_MANE.gb")
    ann = load_annotation(path)
    g = ann.find_gene("hbb")
    t = ann.canonical_transcript(g)
    assert t.id == "NM_000518.5" and "MANE_Select" in t.tags
    assert len(t.exons) == 3 and t.cds_length == 444
    rec = SeqIO.read(str(path), "genbank")
    seq = str(rec.seq).upper()

    def fetch(contig: str, start: int, end: int, strand: str) -> str:
        return seq[start:end]

    cds = t.cds_sequence(fetch)
    expected = next(f for f in rec.features if f.type == "CDS").qualifiers["translation"][0]
    assert str(Seq(cds).translate(cds=True)) == expected
    # sickle-cell base c.20 (0-based offset 19) lies in exon 1
    assert t.exon_number(t.genomic_pos(19)) == 1

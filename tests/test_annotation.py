"""Unit tests for the annotation model and the GTF/GFF3/GenBank parsers (no shared data)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taleforge.errors import FormatError, RegionError, UnknownNameError
from taleforge.genome.annotation import (
    Annotation,
    Transcript,
    build_gene,
    build_transcript,
    canonical_of,
    load_annotation,
    load_builtin_mito,
)
from taleforge.model.interval import Interval, reverse_complement

# ----------------------------------------------------------------------------- fixtures
# Genome: contig "c1". G1 (+): T1 exons 101-200, 301-400, 501-600 (1-based), CDS 151..547
# plus stop 548-550. G2 (-): exons 1001-1100, 1201-1300, CDS 1051..1250 with stop 1048-1050.

_G1 = 'gene_id "ENSG01.3"; gene_name "ALPHA"; gene_type "protein_coding";'
_T1 = (
    _G1 + ' transcript_id "ENST01.2"; transcript_type "protein_coding"; tag "basic"; '
    'tag "MANE_Select"; tag "Ensembl_canonical";'
)
_T2 = _G1 + ' transcript_id "ENST02.1"; transcript_type "protein_coding"; tag "basic";'
_G2 = 'gene_id "ENSG02.1"; gene_name "BETA"; gene_type "protein_coding";'
_T3 = _G2 + ' transcript_id "ENST03.1"; transcript_type "protein_coding";'
_T4 = _G2 + ' transcript_id "ENST04.1"; transcript_type "retained_intron";'


def _row(*cols: object) -> str:
    return "\t".join(str(c) for c in cols) + "\n"


GTF = (
    "##description: tiny test\n"
    + _row("c1", "HAVANA", "gene", 101, 600, ".", "+", ".", _G1)
    + _row("c1", "HAVANA", "transcript", 101, 600, ".", "+", ".", _T1)
    + _row("c1", "HAVANA", "exon", 101, 200, ".", "+", ".", _T1)
    + _row("c1", "HAVANA", "exon", 301, 400, ".", "+", ".", _T1)
    + _row("c1", "HAVANA", "exon", 501, 600, ".", "+", ".", _T1)
    + _row("c1", "HAVANA", "CDS", 151, 200, ".", "+", "0", _T1)
    + _row("c1", "HAVANA", "CDS", 301, 400, ".", "+", "1", _T1)
    + _row("c1", "HAVANA", "CDS", 501, 547, ".", "+", "0", _T1)
    + _row("c1", "HAVANA", "stop_codon", 548, 550, ".", "+", "0", _T1)
    + _row("c1", "HAVANA", "UTR", 101, 150, ".", "+", ".", _T1)
    + _row("c1", "HAVANA", "transcript", 101, 700, ".", "+", ".", _T2)
    + _row("c1", "HAVANA", "exon", 101, 200, ".", "+", ".", _T2)
    + _row("c1", "HAVANA", "exon", 501, 700, ".", "+", ".", _T2)
    + _row("c1", "HAVANA", "CDS", 151, 200, ".", "+", "0", _T2)
    + _row("c1", "HAVANA", "CDS", 501, 600, ".", "+", "0", _T2)
    + _row("c1", "HAVANA", "gene", 1001, 1300, ".", "-", ".", _G2)
    + _row("c1", "HAVANA", "transcript", 1001, 1300, ".", "-", ".", _T3)
    + _row("c1", "HAVANA", "exon", 1201, 1300, ".", "-", ".", _T3)
    + _row("c1", "HAVANA", "exon", 1001, 1100, ".", "-", ".", _T3)
    + _row("c1", "HAVANA", "CDS", 1201, 1250, ".", "-", "0", _T3)
    + _row("c1", "HAVANA", "CDS", 1051, 1100, ".", "-", "1", _T3)
    + _row("c1", "HAVANA", "stop_codon", 1048, 1050, ".", "-", "0", _T3)
    + _row("c1", "HAVANA", "transcript", 1001, 1300, ".", "-", ".", _T4)
    + _row("c1", "HAVANA", "exon", 1001, 1300, ".", "-", ".", _T4)
)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    if name.endswith(".gz"):
        with gzip.open(p, "wt") as fh:
            fh.write(text)
    else:
        p.write_text(text)
    return p


@pytest.fixture
def gtf_ann(tmp_path: Path) -> Annotation:
    return load_annotation(_write(tmp_path, "tiny.gtf", GTF))


# ----------------------------------------------------------------------------- GTF
def test_gtf_basic_structure(gtf_ann: Annotation) -> None:
    assert [g.name for g in gtf_ann.genes] == ["ALPHA", "BETA"]
    t1 = gtf_ann.find_transcript("ENST01")
    assert t1.exons == (
        Interval("c1", 100, 200, "+"),
        Interval("c1", 300, 400, "+"),
        Interval("c1", 500, 600, "+"),
    )
    # stop codon merged into the last CDS piece
    assert t1.cds[-1] == Interval("c1", 500, 550, "+")
    assert t1.cds_length == 50 + 100 + 50
    assert t1.tags == {"basic", "MANE_Select", "Ensembl_canonical"}
    assert t1.biotype == "protein_coding"
    assert t1.transl_table == 1
    assert (t1.start, t1.end) == (100, 600)
    assert t1.gene_name == "ALPHA" and t1.gene_id == "ENSG01.3"


def test_gtf_minus_strand(gtf_ann: Annotation) -> None:
    t3 = gtf_ann.find_transcript("enst03.1")
    assert t3.strand == "-"
    assert t3.exons[0] == Interval("c1", 1000, 1100, "-")  # sorted by genomic start
    assert t3.cds[0] == Interval("c1", 1047, 1100, "-")  # stop (1048-1050) merged
    assert t3.exons_in_order()[0] == Interval("c1", 1200, 1300, "-")
    assert t3.exon_number(1250) == 1
    assert t3.exon_number(1050) == 2
    assert t3.exon_number(1150) is None
    assert t3.introns_in_order() == (Interval("c1", 1100, 1200, "-"),)
    # first CDS base is the highest coordinate of the 5'-most piece
    assert t3.cds_offset(1249) == 0
    assert t3.cds_offset(1200) == 49
    assert t3.cds_offset(1099) == 50
    assert t3.cds_offset(1047) == 102
    assert t3.genomic_pos(0) == 1249
    assert t3.genomic_pos(102) == 1047
    assert t3.region(1260) == "utr5"
    assert t3.region(1010) == "utr3"
    assert t3.region(1150) == "intron"
    assert t3.region(1400) == "upstream"
    assert t3.region(900) == "downstream"


def test_exon_numbers_plus(gtf_ann: Annotation) -> None:
    t1 = gtf_ann.find_transcript("ENST01.2")
    assert [t1.exon_number(p) for p in (100, 199, 200, 300, 599)] == [1, 1, None, 2, 3]
    assert t1.introns_in_order() == (
        Interval("c1", 200, 300, "+"),
        Interval("c1", 400, 500, "+"),
    )
    assert t1.region(120) == "utr5"
    assert t1.region(160) == "cds"
    assert t1.region(560) == "utr3"
    assert t1.region(50) == "upstream"
    assert t1.region(700) == "downstream"


def test_noncoding_region(gtf_ann: Annotation) -> None:
    t4 = gtf_ann.find_transcript("ENST04")
    assert not t4.is_coding and t4.cds_length == 0
    assert t4.region(1100) == "exon"
    assert t4.cds_offset(1100) is None
    with pytest.raises(RegionError):
        t4.genomic_pos(0)


def test_cds_sequence_minus() -> None:
    genome = "".join("ACGT"[(i * 7 + i // 3) % 4] for i in range(400))

    def fetch(contig: str, start: int, end: int, strand: str) -> str:
        s = genome[start:end]
        return s if strand == "+" else reverse_complement(s)

    t = build_transcript(
        id="t", gene_id="g", gene_name="G", contig="x", strand="-",
        exons=[(10, 60), (100, 200)], cds=[(30, 60), (100, 130)],
    )
    expected = reverse_complement(genome[30:60] + genome[100:130])
    assert t.cds_sequence(fetch) == expected
    for k in range(len(expected)):
        assert genome[t.genomic_pos(k)] == reverse_complement(expected[k])


def test_find_gene_variants(gtf_ann: Annotation) -> None:
    assert gtf_ann.find_gene("alpha").name == "ALPHA"
    assert gtf_ann.find_gene("ENSG01").name == "ALPHA"
    assert gtf_ann.find_gene("ENSG01.3").name == "ALPHA"
    assert gtf_ann.find_gene("ensg01.99").name == "ALPHA"  # any version
    assert gtf_ann.find_gene("ENST03.1").name == "BETA"  # transcript -> gene


def test_unknown_gene_hint(gtf_ann: Annotation) -> None:
    with pytest.raises(UnknownNameError) as ei:
        gtf_ann.find_gene("ALPAH")
    assert str(ei.value) == "unknown gene 'ALPAH'"
    assert ei.value.hint is not None and ei.value.hint.startswith("closest matches: ALPHA")
    with pytest.raises(UnknownNameError):
        gtf_ann.find_transcript("ENST99")


def test_canonical_rules(gtf_ann: Annotation) -> None:
    assert gtf_ann.canonical_transcript("ALPHA").id == "ENST01.2"  # MANE
    assert gtf_ann.canonical_transcript("BETA").id == "ENST03.1"  # coding beats longer nc

    def tx(i: str, cds: int, tags: tuple[str, ...] = (), ex: int = 0) -> Transcript:
        return build_transcript(
            id=i, gene_id="g", gene_name="G", contig="x", strand="+",
            exons=[(0, max(cds, 1) + ex)], cds=[(0, cds)] if cds else [], tags=tags,
        )

    ens, mane = ("Ensembl_canonical",), ("MANE_Select",)
    assert canonical_of([tx("b", 30), tx("a", 90, ex=5), tx("c", 60, ens)]).id == "c"
    assert canonical_of([tx("b", 30, ens), tx("z", 3, mane)]).id == "z"
    assert canonical_of([tx("b", 90), tx("a", 90)]).id == "a"  # tie -> id
    assert canonical_of([tx("b", 0, ex=10), tx("a", 0, ex=5)]).id == "b"  # longest transcript


def test_overlap_queries(gtf_ann: Annotation) -> None:
    assert [t.id for t in gtf_ann.transcripts_overlapping("c1", 550, 551)] == [
        "ENST01.2", "ENST02.1",
    ]
    assert [t.id for t in gtf_ann.transcripts_overlapping("c1", 650, 1001)] == [
        "ENST02.1", "ENST03.1", "ENST04.1",
    ]
    assert gtf_ann.transcripts_overlapping("c2", 0, 10) == []
    assert [g.name for g in gtf_ann.genes_overlapping("c1", 0, 5000)] == ["ALPHA", "BETA"]
    assert gtf_ann.genes_overlapping("c1", 700, 1000) == []  # gene ALPHA ends at 700
    assert gtf_ann.nearest_gene("c1", 150) == (gtf_ann.find_gene("ALPHA"), 0)
    g, d = gtf_ann.nearest_gene("c1", 750) or (None, -1)
    assert g is not None and g.name == "ALPHA" and d == 51  # last base 699
    g, d = gtf_ann.nearest_gene("c1", 990) or (None, -1)
    assert g is not None and g.name == "BETA" and d == 10
    assert gtf_ann.nearest_gene("nope", 5) is None


def test_locate(gtf_ann: Annotation) -> None:
    assert gtf_ann.locate("c1", 150) == "exon:ALPHA"
    assert gtf_ann.locate("c1", 250) == "intron:ALPHA"
    assert gtf_ann.locate("c1", 650) == "exon:ALPHA"  # ENST02 exon 501-700
    assert gtf_ann.locate("c1", 800) == "intergenic"
    assert gtf_ann.locate("c1", 1150) == "exon:BETA"  # retained intron transcript
    assert gtf_ann.locate("c1", 5) == "intergenic"
    assert gtf_ann.locate("c9", 5) == "intergenic"


def test_gtf_gz_and_no_transcript_rows(tmp_path: Path) -> None:
    lines = [ln for ln in GTF.splitlines(keepends=True) if "\ttranscript\t" not in ln]
    ann = load_annotation(_write(tmp_path, "x.gtf.gz", "".join(lines)))
    t1 = ann.find_transcript("ENST01")
    assert t1.cds_length == 200 and t1.tags == {"basic", "MANE_Select", "Ensembl_canonical"}


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("c1\tX\texon\t10\t20\t.\t+\n", "expected 9"),
        ('c1\tX\texon\t30\t20\t.\t+\t.\ttranscript_id "t";\n', "end 20 < start 30"),
        ('c1\tX\texon\tten\t20\t.\t+\t.\ttranscript_id "t";\n', "not integers"),
        ('c1\tX\texon\t10\t20\t.\tx\t.\ttranscript_id "t";\n', "bad strand"),
    ],
)
def test_gtf_malformed(tmp_path: Path, line: str, needle: str) -> None:
    p = _write(tmp_path, "bad.gtf", GTF + line)
    with pytest.raises(FormatError) as ei:
        load_annotation(p)
    n = GTF.count("\n") + 1
    assert f"line {n}" in str(ei.value) and needle in str(ei.value)
    assert ei.value.hint


@pytest.mark.parametrize("name", ["empty.gtf", "empty.gff3", "empty.gb"])
def test_empty_files(tmp_path: Path, name: str) -> None:
    with pytest.raises(FormatError):
        load_annotation(_write(tmp_path, name, ""))
    with pytest.raises(FormatError):
        load_annotation(_write(tmp_path, "c" + name, "# only a comment\n"))


def test_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(FormatError):
        load_annotation(_write(tmp_path, "x.txt", "hello world\n"))
    with pytest.raises(FormatError):
        load_annotation(tmp_path / "missing.gtf")


# ----------------------------------------------------------------------------- GFF3
GFF3 = (
    "##gff-version 3\n"
    + _row("NC_1.1", "RefSeq", "region", 1, 5000, ".", "+", ".", "ID=NC_1.1:1..5000")
    + _row("NC_1.1", "RefSeq", "gene", 101, 600, ".", "+", ".",
           "ID=gene-ALPHA;Name=ALPHA;gene=ALPHA;gene_biotype=protein_coding;"
           "description=alpha%2C beta%3B gamma")
    + _row("NC_1.1", "RefSeq", "mRNA", 101, 600, ".", "+", ".",
           "ID=rna-NM_1.1;Parent=gene-ALPHA;transcript_id=NM_1.1;tag=MANE Select")
    + _row("NC_1.1", "RefSeq", "exon", 101, 200, ".", "+", ".", "ID=e1;Parent=rna-NM_1.1")
    + _row("NC_1.1", "RefSeq", "exon", 301, 600, ".", "+", ".", "ID=e2;Parent=rna-NM_1.1")
    + _row("NC_1.1", "RefSeq", "CDS", 151, 200, ".", "+", "0", "ID=cds-NP_1.1;Parent=rna-NM_1.1")
    + _row("NC_1.1", "RefSeq", "CDS", 301, 450, ".", "+", "1", "ID=cds-NP_1.1;Parent=rna-NM_1.1")
    + _row("NC_1.1", "RefSeq", "mRNA", 101, 600, ".", "+", ".",
           "ID=rna-NM_2.1;Parent=gene-ALPHA;transcript_id=NM_2.1")
    + _row("NC_1.1", "RefSeq", "exon", 101, 600, ".", "+", ".", "ID=e3;Parent=rna-NM_2.1")
    + _row("NC_1.1", "RefSeq", "CDS", 151, 600, ".", "+", "0", "ID=cds-NP_2.1;Parent=rna-NM_2.1")
    + _row("NC_1.1", "RefSeq", "gene", 1001, 1200, ".", "-", ".",
           "ID=gene-GAMMA;Name=GAMMA;gene_biotype=protein_coding")
    + _row("NC_1.1", "RefSeq", "CDS", 1001, 1200, ".", "-", "0",
           "ID=cds-WP_9.1;Parent=gene-GAMMA;protein_id=WP_9.1;transl_table=11")
    + _row("NC_1.1", "RefSeq", "gene", 2001, 2100, ".", "+", ".",
           "ID=gene-TRNA1;Name=trnA;gene_biotype=tRNA")
    + _row("NC_1.1", "RefSeq", "tRNA", 2001, 2100, ".", "+", ".",
           "ID=rna-TRNA1;Parent=gene-TRNA1")
    + _row("NC_1.1", "RefSeq", "exon", 2001, 2100, ".", "+", ".", "ID=e9;Parent=rna-TRNA1")
    + _row("chrM", "RefSeq", "gene", 10, 30, ".", "+", ".", "ID=gene-M1;Name=MT-X")
    + _row("chrM", "RefSeq", "mRNA", 10, 30, ".", "+", ".", "ID=rna-M1;Parent=gene-M1")
    + _row("chrM", "RefSeq", "CDS", 10, 30, ".", "+", "0",
           "ID=cds-M1;Parent=rna-M1;transl_except=(pos:30%2Caa:TERM)")
    + "##FASTA\n>NC_1.1\nACGT\n"
)


@pytest.fixture
def gff_ann(tmp_path: Path) -> Annotation:
    return load_annotation(_write(tmp_path, "tiny.gff3", GFF3))


def test_gff3_refseq_style(gff_ann: Annotation) -> None:
    g = gff_ann.find_gene("alpha")
    assert g.id == "ALPHA" and g.biotype == "protein_coding"
    t = gff_ann.canonical_transcript(g)
    assert t.id == "NM_1.1" and "MANE_Select" in t.tags
    assert t.cds == (Interval("NC_1.1", 150, 200, "+"), Interval("NC_1.1", 300, 450, "+"))
    assert t.biotype == "mRNA"
    assert gff_ann.find_gene("NM_2").name == "ALPHA"
    assert gff_ann.find_gene("gene-ALPHA").name == "ALPHA"


def test_gff3_prokaryotic_cds_and_trna(gff_ann: Annotation) -> None:
    g = gff_ann.find_gene("GAMMA")
    (t,) = g.transcripts
    assert t.id == "WP_9.1" and t.exons == t.cds and t.transl_table == 11 and t.strand == "-"
    trna = gff_ann.find_gene("trnA").transcripts[0]
    assert trna.biotype == "tRNA" and not trna.is_coding


def test_gff3_mito_default_table(gff_ann: Annotation) -> None:
    t = gff_ann.find_transcript("M1")
    assert t.transl_table == 2  # chrM default
    assert len(t.transl_except) == 1 and t.transl_except[0].aa == "TERM"
    assert t.transl_except[0].location == Interval("chrM", 29, 30, "+")
    assert gff_ann.find_transcript("NM_1.1").transl_table == 1


def test_gff3_contig_alias(tmp_path: Path) -> None:
    from taleforge.genome.gff3 import read_gff3

    genes = read_gff3(_write(tmp_path, "a.gff3", GFF3), contig_alias={"NC_1.1": "chr1"})
    assert {g.contig for g in genes} == {"chr1", "chrM"}


def test_gff3_attribute_unescape() -> None:
    from taleforge.genome.gff3 import parse_gff3_attributes

    a = parse_gff3_attributes("ID=x;tag=MANE Select,basic;note=a%2Cb%3Bc%3D")
    assert a == {"ID": ["x"], "tag": ["MANE Select", "basic"], "note": ["a,b;c="]}


def test_gff3_merged_isoforms_and_missing_parent(tmp_path: Path) -> None:
    text = (
        "##gff-version 3\n"
        + _row("c", "s", "gene", 1, 100, ".", "+", ".", "ID=gene:G;Name=G")
        + _row("c", "s", "transcript", 1, 100, ".", "+", ".", "ID=transcript:G:1;Parent=gene:G")
        + _row("c", "s", "exon", 1, 20, ".", "+", ".", "ID=exon:G:1;Parent=gene:G")
        + _row("c", "s", "exon", 10, 30, ".", "+", ".", "ID=exon:G:2;Parent=gene:G")
        + _row("c", "s", "exon", 60, 100, ".", "+", ".", "ID=exon:G:3;Parent=gene:G")
    )
    ann = load_annotation(_write(tmp_path, "m.gff3", text))
    (t,) = ann.find_gene("G").transcripts
    assert t.id == "G:merged" and t.exons == (
        Interval("c", 0, 30, "+"),
        Interval("c", 59, 100, "+"),
    )
    bad = text + _row("c", "s", "exon", 5, 9, ".", "+", ".", "Parent=nothere")
    with pytest.raises(FormatError, match="line 7"):
        load_annotation(_write(tmp_path, "b.gff3", bad))


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("c\ts\tgene\t1\t10\t.\t+\n", "expected 9"),
        ("c\ts\tgene\t10\t1\t.\t+\t.\tID=x\n", "end 1 < start 10"),
        ("c\ts\tgene\t1\t10\t.\tplus\t.\tID=x\n", "bad strand"),
        ("c\ts\tgene\t0\t10\t.\t+\t.\tID=x\n", "start 0 < 1"),
    ],
)
def test_gff3_malformed(tmp_path: Path, line: str, needle: str) -> None:
    p = _write(tmp_path, "bad.gff3", "##gff-version 3\n" + line)
    with pytest.raises(FormatError) as ei:
        load_annotation(p)
    assert "line 2" in str(ei.value) and needle in str(ei.value)


# ----------------------------------------------------------------------------- GenBank
GENBANK = """\
LOCUS       TEST0001                 300 bp    DNA     linear   SYN 01-JAN-2000
DEFINITION  test record.
ACCESSION   TEST0001
VERSION     TEST0001.1
KEYWORDS    .
SOURCE      synthetic
  ORGANISM  synthetic
            other.
FEATURES             Location/Qualifiers
     source          1..300
                     /organism="synthetic"
     gene            10..200
                     /gene="abcA"
                     /locus_tag="T_0001"
     mRNA            join(10..50,100..200)
                     /gene="abcA"
                     /locus_tag="T_0001"
                     /transcript_id="XM_1.1"
     CDS             join(20..50,100..150)
                     /gene="abcA"
                     /locus_tag="T_0001"
                     /codon_start=1
                     /transl_table=11
                     /protein_id="XP_1.1"
     gene            complement(210..290)
                     /gene="abcB"
     CDS             complement(210..290)
                     /gene="abcB"
                     /protein_id="XP_2.1"
                     /transl_except=(pos:complement(210..211),aa:TERM)
     tRNA            complement(295..299)
                     /gene="trnX"
ORIGIN
"""


def _genbank_text() -> str:
    seq = "".join("acgt"[(i * 5 + i // 7) % 4] for i in range(300))
    body = []
    for i in range(0, 300, 60):
        chunk = seq[i:i + 60]
        groups = " ".join(chunk[j:j + 10] for j in range(0, len(chunk), 10))
        body.append(f"{i + 1:>9} {groups}")
    return GENBANK + "\n".join(body) + "\n//\n"


def test_genbank_parse(tmp_path: Path) -> None:
    ann = load_annotation(_write(tmp_path, "t.gb", _genbank_text()),)
    g = ann.find_gene("abcA")
    assert g.contig == "TEST0001.1" and g.id == "T_0001"
    (t,) = g.transcripts
    assert t.id == "XM_1.1" and t.transl_table == 11
    assert t.exons == (Interval("TEST0001.1", 9, 50, "+"), Interval("TEST0001.1", 99, 200, "+"))
    assert t.cds == (Interval("TEST0001.1", 19, 50, "+"), Interval("TEST0001.1", 99, 150, "+"))
    b = ann.canonical_transcript("abcB")
    assert b.strand == "-" and b.id == "XP_2.1" and b.exons == b.cds
    assert b.transl_except[0].location == Interval("TEST0001.1", 209, 211, "-")
    assert ann.find_gene("trnX").transcripts[0].biotype == "tRNA"
    assert ann.find_gene("T_0001") is g


def test_genbank_alias(tmp_path: Path) -> None:
    p = _write(tmp_path, "t.gbk", _genbank_text())
    ann = load_annotation(p, contig_alias={"TEST0001.1": "chrT"})
    assert ann.contigs == ("chrT",)


def test_genbank_garbage(tmp_path: Path) -> None:
    with pytest.raises(FormatError):
        load_annotation(_write(tmp_path, "t.gb", "LOCUS  broken\nFEATURES\n  nonsense\n"))


# ----------------------------------------------------------------------------- builtin
def test_builtin_mito_loads() -> None:
    ann = load_builtin_mito()
    assert ann.source == "builtin:hg38-chrM"
    assert len(ann.genes) == 37
    coding = [t for t in ann.transcripts if t.is_coding]
    assert len(coding) == 13 and all(t.transl_table == 2 for t in coding)
    assert ann.find_gene("nd4").name == "MT-ND4"  # GenBank /gene alias
    assert ann.find_gene("MT-ND4").contig == "chrM"
    nd6 = ann.canonical_transcript("MT-ND6")
    assert nd6.strand == "-" and nd6.cds[0].start == 14148
    assert ann.find_gene("MT-ND1").transcripts[0].cds_length == 956  # incomplete stop kept
    assert ann.locate("chrM", 3306) == "exon:MT-ND1"
    assert ann.locate("chrM", 16300) == "intergenic"  # D-loop
    assert load_annotation("builtin:hg38-chrM") is ann


# ----------------------------------------------------------------------------- properties
@st.composite
def transcripts(draw: st.DrawFn) -> Transcript:
    n = draw(st.integers(1, 5))
    cuts = sorted(draw(st.sets(st.integers(0, 400), min_size=2 * n, max_size=2 * n)))
    exons = [(cuts[2 * i], cuts[2 * i + 1]) for i in range(n)]
    strand = draw(st.sampled_from(["+", "-"]))
    # CDS: a contiguous sub-range of the spliced exons
    spliced = [p for s, e in exons for p in range(s, e)]
    a = draw(st.integers(0, len(spliced) - 1))
    b = draw(st.integers(a + 1, len(spliced)))
    cds_pos = spliced[a:b]
    cds: list[tuple[int, int]] = []
    for p in cds_pos:
        if cds and cds[-1][1] == p and any(s <= p - 1 and p < e for s, e in exons):
            cds[-1] = (cds[-1][0], p + 1)
        else:
            cds.append((p, p + 1))
    return build_transcript(
        id="t", gene_id="g", gene_name="G", contig="x", strand=strand, exons=exons, cds=cds
    )


@settings(max_examples=60, deadline=None)
@given(transcripts())
def test_cds_offset_round_trip(t: Transcript) -> None:
    positions = [p for iv in t.cds for p in range(iv.start, iv.end)]
    offsets = [t.cds_offset(p) for p in positions]
    assert sorted(o for o in offsets if o is not None) == list(range(t.cds_length))
    for p, o in zip(positions, offsets, strict=True):
        assert o is not None and t.genomic_pos(o) == p
        assert t.region(p) == "cds"
    # transcript orientation: offsets increase 5'->3'
    ordered = [t.genomic_pos(k) for k in range(t.cds_length)]
    if t.strand == "+":
        assert ordered == sorted(ordered)
    else:
        assert ordered == sorted(ordered, reverse=True)
    for p in range(t.start - 2, t.end + 2):
        if t.cds_offset(p) is None:
            assert t.region(p) != "cds"
        en = t.exon_number(p)
        assert (en is not None) == any(iv.contains(p) for iv in t.exons)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 300), st.integers(1, 60)), min_size=1, max_size=12),
       st.integers(0, 400), st.integers(1, 50))
def test_overlap_matches_brute_force(spans: list[tuple[int, int]], q: int, w: int) -> None:
    genes = []
    for i, (s, ln) in enumerate(spans):
        t = build_transcript(id=f"t{i}", gene_id=f"g{i}", gene_name=f"G{i}", contig="x",
                             strand="+", exons=[(s, s + ln)])
        genes.append(build_gene(id=f"g{i}", name=f"G{i}", contig="x", strand="+",
                                biotype="", transcripts=[t]))
    ann = Annotation(genes, source="mem")
    got = {t.id for t in ann.transcripts_overlapping("x", q, q + w)}
    want = {f"t{i}" for i, (s, ln) in enumerate(spans) if s < q + w and q < s + ln}
    assert got == want
    loc = ann.locate("x", q)
    inside = sorted(f"G{i}" for i, (s, ln) in enumerate(spans) if s <= q < s + ln)
    assert loc == ("exon:" + ",".join(inside) if inside else "intergenic")
    ng = ann.nearest_gene("x", q)
    assert ng is not None
    best = min(max(s - q, q - (s + ln - 1), 0) for s, ln in spans)
    assert ng[1] == best


def _to_gtf(t: Transcript) -> str:
    attrs = f'gene_id "g1"; gene_name "G"; transcript_id "{t.id}";'
    rows = [_row(t.contig, "s", "transcript", t.start + 1, t.end, ".", t.strand, ".", attrs)]
    rows += [_row(t.contig, "s", "exon", iv.start + 1, iv.end, ".", t.strand, ".", attrs)
             for iv in t.exons_in_order()]
    rows += [_row(t.contig, "s", "CDS", iv.start + 1, iv.end, ".", t.strand, "0", attrs)
             for iv in t.cds_in_order()]
    return "".join(rows)


def _to_gff3(t: Transcript) -> str:
    rows = [_row(t.contig, "s", "gene", t.start + 1, t.end, ".", t.strand, ".", "ID=g1;Name=G")]
    rows.append(_row(t.contig, "s", "mRNA", t.start + 1, t.end, ".", t.strand, ".",
                     f"ID={t.id};Parent=g1"))
    rows += [_row(t.contig, "s", "exon", iv.start + 1, iv.end, ".", t.strand, ".",
                  f"Parent={t.id}") for iv in t.exons]
    rows += [_row(t.contig, "s", "CDS", iv.start + 1, iv.end, ".", t.strand, "0",
                  f"ID=cds1;Parent={t.id}") for iv in t.cds]
    return "##gff-version 3\n" + "".join(rows)


@settings(max_examples=25, deadline=None)
@given(transcripts())
def test_parsers_round_trip(t: Transcript) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        for name, text in (("r.gtf", _to_gtf(t)), ("r.gff3", _to_gff3(t))):
            ann = load_annotation(_write(Path(d), name, text))
            got = ann.find_transcript(t.id)
            assert got.exons == t.exons and got.cds == t.cds and got.strand == t.strand
            assert ann.find_gene("G").transcripts == (got,)


def test_genbank_duplicate_gene_names(tmp_path: Path) -> None:
    text = _genbank_text().replace(
        '     tRNA            complement(295..299)\n                     /gene="trnX"\n',
        '     gene            complement(295..299)\n                     /gene="abcB"\n'
        '     tRNA            complement(295..299)\n                     /gene="abcB"\n',
    )
    ann = load_annotation(_write(tmp_path, "d.gb", text))
    hits = ann.find_genes("abcB")
    assert [(g.id, g.start) for g in hits] == [("abcB", 209), ("abcB_2", 294)]
    assert hits[1].transcripts[0].biotype == "tRNA"

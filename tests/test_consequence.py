"""Substitution consequences (design/consequence.py).

Unit tests on synthetic transcripts (both strands, an intron, table 1 vs table 2), and a
reference check against Biopython: every base of every human mtDNA CDS (NC_012920.1, genetic
code table 2), every alternative base, compared with Biopython's translation of the mutated
CDS.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from Bio import SeqIO
from Bio.Data import CodonTable
from Bio.Seq import Seq

from taleforge.design.consequence import ConsequenceCaller, genetic_code, worst
from taleforge.errors import InputError
from taleforge.genome.annotation import Annotation, Gene, Transcript
from taleforge.model.interval import Interval, reverse_complement

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _fetch_from(seqs: dict[str, str]):  # type: ignore[no-untyped-def]
    def fetch(contig: str, start: int, end: int, strand: str = "+") -> str:
        s = seqs[contig][start:end]
        return s if strand == "+" else reverse_complement(s)

    return fetch


def _ann(txs: list[Transcript]) -> Annotation:
    genes = []
    for t in txs:
        genes.append(Gene(t.gene_id, t.gene_name, t.contig, t.start, t.end, t.strand,
                          "protein_coding" if t.cds else "misc", (t,)))
    return Annotation(genes, source="test")


# A + strand gene: exon1 [10,25) (CDS from 13), intron [25,45), exon2 [45,70) (CDS to 60)
#           0         1         2         3         4         5         6         7
#           0123456789012345678901234567890123456789012345678901234567890123456789012
PLUS = ("CCCCCCCCCCAAAATGCAGTGGCGAGTAAGTCCCCCCCCCCCCAGGTTTGGATCCAAATAAAAAAAAAAAAAA")


def _plus_tx(table: int = 1) -> Transcript:
    return Transcript(
        "T1", "G1", "GENE1", "c", "+",
        (Interval("c", 10, 25, "+"), Interval("c", 45, 70, "+")),
        (Interval("c", 13, 25, "+"), Interval("c", 45, 60, "+")),
        transl_table=table,
    )


def test_plus_strand_calls() -> None:
    tx = _plus_tx()
    seqs = {"c": PLUS}
    cc = ConsequenceCaller(_ann([tx]), _fetch_from(seqs))
    cds = tx.cds_sequence(_fetch_from(seqs))
    assert cds.startswith("ATGCAGTGGCGA")
    # codon 2 CAG: C>T -> TAG stop
    (c,) = cc.call("c", 16, "C", "T")
    assert c.kind == "stop_gained" and c.protein_pos == 2 and c.hgvs_p == "p.Gln2Ter"
    # codon 3 TGG: G>A at 2nd G -> TGA stop in table 1
    (c,) = cc.call("c", 21, "G", "A")
    assert c.kind == "stop_gained" and c.codon_alt == "TGA"
    # start codon ATG -> ATA: start lost in table 1
    (c,) = cc.call("c", 15, "G", "A")
    assert c.kind == "start_lost"
    # synonymous: CGA (Arg) -> CGG (Arg)
    (c,) = cc.call("c", 24, "A", "G")
    assert c.kind == "synonymous"
    # splice donor (intron +1 G of GT) and acceptor (AG)
    (c,) = cc.call("c", 25, "G", "A")
    assert c.kind == "splice_donor" and c.intron == 1 and c.severity == "high"
    (c,) = cc.call("c", 44, "G", "A")
    assert c.kind == "splice_acceptor"
    (c,) = cc.call("c", 30, "C", "T")
    assert c.kind == "splice_region"
    (c,) = cc.call("c", 35, "C", "T")
    assert c.kind == "intron" and c.severity == "modifier"
    (c,) = cc.call("c", 11, "A", "G")
    assert c.kind == "utr5"
    (c,) = cc.call("c", 65, "A", "G")
    assert c.kind == "utr3"
    assert cc.call("c", 2, "C", "T")[0].kind == "intergenic"
    assert cc.call("c", 2, "C", "C")[0].kind == "no_change"


def test_table2_differs_from_table1() -> None:
    tx = _plus_tx(table=2)
    cc = ConsequenceCaller(_ann([tx]), _fetch_from({"c": PLUS}))
    # TGG -> TGA is Trp in table 2 (synonymous), a stop in table 1
    (c,) = cc.call("c", 21, "G", "A")
    assert c.kind == "synonymous" and c.aa_alt == "W"
    # ATG -> ATA keeps Met (ATA is a start / Met in table 2)
    (c,) = cc.call("c", 15, "G", "A")
    assert c.kind == "start_retained"
    assert "AGA" in genetic_code(2).stops and "TGA" not in genetic_code(2).stops
    with pytest.raises(InputError):
        genetic_code(999)


def test_minus_strand_mirrors_plus() -> None:
    rc = reverse_complement(PLUS)
    n = len(PLUS)
    tx = _plus_tx()

    def mirror(iv: Interval) -> Interval:
        return Interval("c", n - iv.end, n - iv.start, "-")

    mtx = Transcript("T1", "G1", "GENE1", "c", "-",
                     tuple(sorted(mirror(i) for i in tx.exons)),
                     tuple(sorted(mirror(i) for i in tx.cds)))
    a = ConsequenceCaller(_ann([tx]), _fetch_from({"c": PLUS}))
    b = ConsequenceCaller(_ann([mtx]), _fetch_from({"c": rc}))
    comp = {"A": "T", "C": "G", "G": "C", "T": "A"}
    for pos in range(n):
        ref = PLUS[pos]
        for alt in "ACGT":
            if alt == ref:
                continue
            ca = a.call("c", pos, ref, alt)[0]
            cb = b.call("c", n - 1 - pos, comp[ref], comp[alt])[0]
            assert (ca.kind, ca.aa_ref, ca.aa_alt, ca.protein_pos, ca.intron) == \
                (cb.kind, cb.aa_ref, cb.aa_alt, cb.protein_pos, cb.intron), pos


def mito_annotation(gb: Path) -> tuple[Annotation, str]:
    """Transcripts built straight from the GenBank record with Biopython (independent of
    taleforge's annotation parsers)."""
    rec = SeqIO.read(gb, "genbank")
    seq = str(rec.seq).upper()
    genes = []
    for f in rec.features:
        if f.type not in ("CDS", "tRNA", "rRNA"):
            continue
        name = f.qualifiers.get("gene", ["?"])[0]
        s, e = int(f.location.start), int(f.location.end)
        strand = "+" if f.location.strand == 1 else "-"
        iv = Interval("chrM", s, e, strand)  # type: ignore[arg-type]
        tx = Transcript(f"{name}-{f.type}", name, "MT-" + name, "chrM", strand,  # type: ignore[arg-type]
                        (iv,), (iv,) if f.type == "CDS" else (),
                        biotype=f.type, transl_table=2)
        genes.append(Gene(tx.gene_id + f.type, tx.gene_name, "chrM", s, e, strand,  # type: ignore[arg-type]
                          f.type, (tx,)))
    return Annotation(genes, source=str(gb)), seq


@functools.cache
def _bio_aa(codon: str) -> str:
    """Biopython's table-2 translation of one codon (memoised: 64 codons)."""
    return str(Seq(codon).translate(table=2))


def _expected(codon: str, new: str, first: bool) -> str:
    t = CodonTable.unambiguous_dna_by_id[2]
    a0 = _bio_aa(codon)
    a1 = _bio_aa(new)
    if first and codon in t.start_codons:
        return "start_retained" if new in t.start_codons else "start_lost"
    if a0 == "*" and a1 == "*":
        return "stop_retained"
    if a0 == "*":
        return "stop_lost"
    if a1 == "*":
        return "stop_gained"
    return "synonymous" if a0 == a1 else "missense"


@pytest.mark.shared
def test_every_mtdna_cds_base_matches_biopython_table2() -> None:
    gb = SHARED / "mito" / "NC_012920.1.gb"
    if not gb.exists():
        pytest.skip(f"shared data not available: {gb}")
    ann, seq = mito_annotation(gb)
    fetch = _fetch_from({"chrM": seq})
    cc = ConsequenceCaller(ann, fetch)
    rec = SeqIO.read(gb, "genbank")
    translations = {f.qualifiers["gene"][0]: f.qualifiers["translation"][0]
                    for f in rec.features if f.type == "CDS"}
    n_checked = 0
    total_cds = 0
    for t in ann.transcripts:
        if not t.is_coding:
            continue
        cds = t.cds_sequence(fetch)
        total_cds += len(cds)
        padded = cds + "A" * (-len(cds) % 3)  # stop completed by polyadenylation
        prot = str(Seq(padded).translate(table=2))
        assert "M" + prot[1:].rstrip("*") == translations[t.gene_id], t.gene_id
        for off in range(len(cds)):
            gpos = t.genomic_pos(off)
            ref_t = cds[off]
            for alt_t in "ACGT":
                if alt_t == ref_t:
                    continue
                new = padded[:off] + alt_t + padded[off + 1:]
                ci = off // 3
                want = _expected(padded[3 * ci: 3 * ci + 3], new[3 * ci: 3 * ci + 3], ci == 0)
                ref_p = ref_t if t.strand == "+" else reverse_complement(ref_t)
                alt_p = alt_t if t.strand == "+" else reverse_complement(alt_t)
                calls = [c for c in cc.call("chrM", gpos, ref_p, alt_p)
                         if c.transcript_id == t.id]
                assert len(calls) == 1
                c = calls[0]
                assert c.kind == want, (t.gene_id, off, ref_t, alt_t, c.kind, want)
                assert c.protein_pos == ci + 1
                if ci > 0:
                    assert c.aa_alt == _bio_aa(new[3 * ci: 3 * ci + 3])
                n_checked += 1
    assert len(translations) == 13
    assert n_checked == 3 * total_cds == 3 * 11395  # 3 alternatives x every CDS base


@pytest.mark.shared
def test_known_mito_variants() -> None:
    gb = SHARED / "mito" / "NC_012920.1.gb"
    if not gb.exists():
        pytest.skip(f"shared data not available: {gb}")
    ann, seq = mito_annotation(gb)
    cc = ConsequenceCaller(ann, _fetch_from({"chrM": seq}))
    # m.13513G>A: MT-ND5 p.Asp393Asn (Leigh/MELAS); m.8993T>G: MT-ATP6 p.Leu156Arg (NARP)
    assert worst(cc.call("chrM", 13512, "G", "A")).hgvs_p == "p.Asp393Asn"
    assert worst(cc.call("chrM", 8992, "T", "G")).hgvs_p == "p.Leu156Arg"
    # m.3243A>G lies in tRNA-Leu(UUR)
    assert worst(cc.call("chrM", 3242, "A", "G")).kind == "noncoding_exon"
    # overlapping ATP8/ATP6: one call per transcript
    genes = {c.gene for c in cc.call("chrM", 8550, seq[8550], "A" if seq[8550] != "A" else "G")}
    assert {"MT-ATP8", "MT-ATP6"} <= genes
    # ND6 on the minus strand: a G>A on the + strand is C>T on the coding strand
    c = [x for x in cc.call("chrM", 14600, seq[14600], "T" if seq[14600] != "T" else "C")
         if x.gene == "MT-ND6"]
    assert c and c[0].strand == "-"


@pytest.mark.shared
def test_hbb_sickle_codon_table1() -> None:
    fa = SHARED / "human-hbb" / "HBB_locus_U01317.1_GRCh38_chr11_5224964-5227571_minus.fa"
    if not fa.exists():
        pytest.skip(f"shared data not available: {fa}")
    seq = str(SeqIO.read(fa, "fasta").seq).upper()
    # local 1-based: exons 501-642, 773-995, 1846-2108; CDS 551..1974
    exons = (Interval("h", 500, 642), Interval("h", 772, 995), Interval("h", 1845, 2108))
    cds = (Interval("h", 550, 642), Interval("h", 772, 995), Interval("h", 1845, 1974))
    tx = Transcript("HBB-201", "HBB", "HBB", "h", "+", exons, cds)
    cc = ConsequenceCaller(_ann([tx]), _fetch_from({"h": seq}))
    assert str(Seq(tx.cds_sequence(_fetch_from({"h": seq}))).translate()).endswith("H*")
    (c,) = cc.call("h", 569, "A", "T")  # c.20A>T
    assert c.hgvs_p == "p.Glu7Val" and c.cds_pos == 20 and c.kind == "missense"
    (d,) = cc.call("h", 642, seq[642], "A" if seq[642] != "A" else "C")
    assert d.kind == "splice_donor"

"""Knock-in donors: arms equal the reference, in-frame translation through the junctions,
intronic cassettes, cargo readers and the error messages of issue 5."""

from __future__ import annotations

from pathlib import Path

import pytest
from Bio.Seq import Seq

from taleforge.design.cargo import (
    DONOR_ELEMENTS,
    TWO_A_NAMES,
    Cargo,
    cargo_from_sequence,
    read_cargo,
    two_a_peptide,
    two_a_sequence,
)
from taleforge.design.donor import DONOR_PARAMS, knockin_genbank, knockin_window
from taleforge.errors import FormatError, NoResultError, RegionError, SequenceError
from taleforge.model.interval import reverse_complement
from tests.test_donor_synthetic import make_gene

EGFP = (
    "MVSKGEELFTGVVPILVELDGDVNGHKFSVSGEGEGDATYGKLTLKFICTTGKLPVPWPTLVTTLTYGVQCFSRYPDHMKQHDFFKSA"
    "MPEGYVQERTIFFKDDGNYKTRAEVKFEGDTLVNRIELKGIDFKEDGNILGHKLEYNYNSHNVYIMADKQKNGIKVNFKIRHNIEDGS"
    "VQLADHYQQNTPIGDGPVLLPDNHYLSTQSALSKDPNEKRDHMVLLEFVTAAGITLGMDELYK"
)
CODON = dict(A="GCC", R="CGC", N="AAC", D="GAC", C="TGC", Q="CAG", E="GAG", G="GGC", H="CAC",
             I="ATC", L="CTG", K="AAG", M="ATG", F="TTC", P="CCC", S="AGC", T="ACC", W="TGG",
             Y="TAC", V="GTG")


def egfp_like() -> Cargo:
    """An EGFP-like ORF: the EGFP protein back-translated with one codon per amino acid."""
    return cargo_from_sequence("".join(CODON[a] for a in EGFP) + "TAA", "EGFPlike")


def test_two_a_library_translates() -> None:
    for name in TWO_A_NAMES:
        dna = two_a_sequence(name)
        assert str(Seq(dna).translate()) == "GSG" + two_a_peptide(name)
        assert DONOR_ELEMENTS.get(name).source


def check_donor(seq: str, tx, res, *, arms: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    for d in res.designs:
        c = d.insertion
        la, ra = (arms if tx.strand == "+" else arms[::-1])
        # arms equal the reference on both sides of the insertion point
        assert d.donor_plus[:la] == seq[c - la : c]
        assert d.donor_plus[-ra:] == seq[c : c + ra]
        ins = d.donor_plus[la:-ra]
        assert ins == (d.insert_seq if tx.strand == "+" else reverse_complement(d.insert_seq))
        assert (d.left_arm, d.right_arm) == ((c - la, c), (c, c + ra))
        # the insert splits the TALEN site: no re-cut after integration
        assert d.cleavable_before >= 1 and not d.cleavable_after
        assert d.pair.spacer.start < c < d.pair.spacer.end


@pytest.mark.parametrize("strand", ["+", "-"])
@pytest.mark.parametrize("layout", ["2a-cargo-polya", "2a-cargo-2a"])
def test_in_frame_knockin_translates_through_junctions(strand: str, layout: str) -> None:
    seq, tx = make_gene(31, strand)
    cargo = egfp_like()
    res = knockin_window(seq, tx, cargo, exon=2, layout=layout, arm_nt=400, model="tale-nt")
    assert res.designs
    check_donor(seq, tx, res, arms=(400, 400))
    from tests.test_donor_synthetic import fetch_from

    host = str(Seq(tx.cds_sequence(fetch_from(seq))).translate())
    for d in res.designs:
        integrated = seq[: d.insertion] + d.donor_plus[400:-400] + seq[d.insertion :]
        # edited CDS in transcript orientation: upstream CDS + insert (+ downstream CDS)
        k = len(tx.cds_sequence(fetch_from(seq)))
        edited_tx_cds_len = k + len(d.insert_seq)
        from dataclasses import replace

        from taleforge.model.interval import Interval

        # rebuild the transcript on the integrated allele by shifting CDS pieces
        pieces = []
        for iv in tx.cds:
            if iv.end <= d.insertion:
                pieces.append(iv)
            elif iv.start >= d.insertion:
                pieces.append(Interval(iv.contig, iv.start + len(d.insert_seq), iv.end + len(d.insert_seq)))
            else:
                pieces.append(Interval(iv.contig, iv.start, iv.end + len(d.insert_seq)))
        tx2 = replace(tx, cds=tuple(pieces))
        cds2 = tx2.cds_sequence(fetch_from(integrated))
        assert len(cds2) == edited_tx_cds_len
        prot = str(Seq(cds2[: len(cds2) // 3 * 3]).translate())
        first_stop = prot.index("*")
        assert first_stop + 1 == d.intended_stop_aa
        assert prot[: first_stop + 1] == d.protein_preview
        assert "GSGATNFSLLKQAGDVEENPGP" in prot[:first_stop]
        assert EGFP in prot[: first_stop + 1]
        if layout == "2a-cargo-polya":
            assert prot[first_stop - len(EGFP) : first_stop] == EGFP
            assert d.frame_phase is not None
            # the host protein up to the insertion is intact
            up = (d.insertion if strand == "+" else 0)
            assert prot.startswith(host[:10]) and up >= 0
        else:
            # host protein continues after the second 2A, to its own stop
            assert prot.endswith(host[-20:])
        # junction PCR: primers match the integrated allele; one lies outside the donor
        assert d.junction_primers
        la = 400
        donor_span = (d.insertion - la, d.insertion + len(d.insert_seq) + la)
        for _name, pp in d.junction_primers:
            assert integrated[pp.left_start : pp.left_start + len(pp.left_seq)] == pp.left_seq
            assert integrated[pp.right_end - len(pp.right_seq) : pp.right_end] == (
                reverse_complement(pp.right_seq))
            assert pp.left_start < donor_span[0] or pp.right_end > donor_span[1]
        gb = knockin_genbank(res, d)
        assert "GSGATNFSLLKQAGDVEENPGP" in gb.replace("\n", "").replace(" ", "")


def test_knockin_deterministic() -> None:
    seq, tx = make_gene(31)
    a = knockin_window(seq, tx, egfp_like(), exon=2, model="tale-nt", arm_nt=300)
    b = knockin_window(seq, tx, egfp_like(), exon=2, model="tale-nt", arm_nt=300)
    assert a.as_dict() == b.as_dict()
    assert knockin_genbank(a, a.designs[0]) == knockin_genbank(b, b.designs[0])


@pytest.mark.parametrize("strand", ["+", "-"])
def test_intronic_insertion(strand: str) -> None:
    seq, tx = make_gene(41, strand)
    res = knockin_window(seq, tx, egfp_like(), intron=2, arm_nt=300, model="tale-nt")
    check_donor(seq, tx, res, arms=(300, 300))
    intr = tx.introns_in_order()[1]
    for d in res.designs:
        assert intr.start + 70 <= d.insertion <= intr.end - 70
        kinds = [f.kind for f in d.features]
        assert {"splice_acceptor", "2A", "cargo", "polyA", "homology_arm"} <= set(kinds)
        assert d.protein_preview.endswith("*")
        assert EGFP + "*" in d.protein_preview
    assert any("splice donor" in k or "acceptor" in k for k in res.rejections)


def test_intron_index_out_of_range() -> None:
    seq, tx = make_gene(41)
    with pytest.raises(RegionError) as ei:
        knockin_window(seq, tx, egfp_like(), intron=5, model="tale-nt")
    assert "has 2 introns" in ei.value.message


def test_frame_impossible() -> None:
    seq, tx = make_gene(41)
    with pytest.raises(NoResultError) as ei:
        knockin_window(seq, tx, cargo_from_sequence("ATGGCCGCCA"), exon=2, model="tale-nt")
    assert "frame impossible" in ei.value.message
    with pytest.raises(NoResultError):
        knockin_window(seq, tx, cargo_from_sequence("ATGTAAGCC"), exon=2, model="tale-nt")


def test_aav_warning() -> None:
    seq, tx = make_gene(31)
    big = cargo_from_sequence("ATG" + "GCC" * 1200 + "TAA", "big")
    res = knockin_window(seq, tx, big, exon=2, arm_nt=500, model="tale-nt", n_designs=1,
                         params=DONOR_PARAMS)
    assert any("AAV" in w for w in res.designs[0].warnings)


def test_cargo_readers(tmp_path: Path) -> None:
    fa = tmp_path / "c.fa"
    fa.write_text(">egfp\nATGGCC\nTAA\n")
    assert read_cargo(fa).seq == "ATGGCCTAA"
    gb = tmp_path / "c.gb"
    from Bio import SeqIO
    from Bio.SeqFeature import FeatureLocation, SeqFeature
    from Bio.SeqRecord import SeqRecord

    rec = SeqRecord(Seq("CCCATGGCCTAAGGG"), id="x", name="x")
    rec.annotations["molecule_type"] = "DNA"
    rec.features.append(SeqFeature(FeatureLocation(3, 12, strand=1), type="CDS"))
    SeqIO.write(rec, gb, "genbank")
    c = read_cargo(gb)
    assert c.orf == (3, 12) and c.seq == "CCCATGGCCTAAGGG"
    prot = tmp_path / "p.fa"
    prot.write_text(">prot\nMVSKGEELFTGVV\n")
    with pytest.raises(SequenceError) as ei:
        read_cargo(prot)
    assert "not DNA" in ei.value.message
    junk = tmp_path / "j.txt"
    junk.write_text("hello")
    with pytest.raises(FormatError):
        read_cargo(junk)
    with pytest.raises(FormatError):
        read_cargo(tmp_path / "missing.gb")
    binary = tmp_path / "b.gb"
    binary.write_bytes(b"\xff\xfe\x00LOCUS")
    with pytest.raises(FormatError):
        read_cargo(binary)

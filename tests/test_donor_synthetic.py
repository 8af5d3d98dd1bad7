"""Synthetic genes for the repair-template tests (helpers + point-correction unit tests).

Genes are built from random non-stop codons so that translations are meaningful; the
minus-strand version is the exact reverse complement with mirrored coordinates."""

from __future__ import annotations

import random

import pytest
from Bio.Seq import Seq

from taleforge.design.blocking import Change, apply_changes, protein_changes, score_half_sites
from taleforge.design.donor import correct_window
from taleforge.errors import InputError, NoResultError, RegionError
from taleforge.genome.annotation import Transcript
from taleforge.model.interval import Interval, reverse_complement

STOPS = {"TAA", "TAG", "TGA"}
SENSE = sorted(a + b + c for a in "ACGT" for b in "ACGT" for c in "ACGT" if a + b + c not in STOPS)
CONTIG = "syn"


def make_gene(seed: int, strand: str = "+") -> tuple[str, Transcript]:
    """A 3-exon coding gene (~2.9 kb window). + strand layout: 600 bp flank, exon1 (60 bp UTR
    + 150 bp CDS), 400 bp intron, exon2 (300 bp CDS), 500 bp intron, exon3 (147 bp CDS incl.
    stop + 100 bp UTR), 600 bp flank."""
    rng = random.Random(seed)

    def rnd(n: int) -> str:
        return "".join(rng.choice("ACGT") for _ in range(n))

    def intron(n: int) -> str:
        return "GTAAGT" + rnd(n - 6 - 20) + "TTTTCCTTTTCTTTTCCCAG"

    cds_codons = ["ATG"] + [rng.choice(SENSE) for _ in range(197)] + ["TAA"]
    cds = "".join(cds_codons)  # 597 bp
    e1c, e2c, e3c = cds[:150], cds[150:450], cds[450:]
    parts = [rnd(600), rnd(60), e1c, intron(400), e2c, intron(500), e3c, rnd(100), rnd(600)]
    seq = "".join(parts)
    x1 = 600
    e1 = (x1, x1 + 60 + 150)
    e2 = (e1[1] + 400, e1[1] + 400 + 300)
    e3 = (e2[1] + 500, e2[1] + 500 + 147 + 100)
    cds_iv = [(x1 + 60, e1[1]), e2, (e3[0], e3[0] + 147)]
    exons = [e1, e2, e3]
    n = len(seq)
    if strand == "-":
        seq = reverse_complement(seq)
        exons = [(n - b, n - a) for a, b in exons][::-1]
        cds_iv = [(n - b, n - a) for a, b in cds_iv][::-1]
    tx = Transcript(
        f"TX{seed}{'m' if strand == '-' else 'p'}", "G1", "SYN1", CONTIG, strand,  # type: ignore[arg-type]
        tuple(Interval(CONTIG, a, b) for a, b in exons),
        tuple(Interval(CONTIG, a, b) for a, b in cds_iv),
    )
    return seq, tx


def fetch_from(seq: str):  # type: ignore[no-untyped-def]
    def f(c: str, s: int, e: int, strand: str = "+") -> str:
        out = seq[s:e].upper()
        return reverse_complement(out) if strand == "-" else out

    return f


def protein_of(seq: str, tx: Transcript) -> str:
    return str(Seq(tx.cds_sequence(fetch_from(seq))).translate())


def test_gene_builder_is_coding() -> None:
    for strand in "+-":
        seq, tx = make_gene(3, strand)
        p = protein_of(seq, tx)
        assert p.startswith("M") and p.endswith("*") and p.count("*") == 1


def _codon_pos(tx: Transcript, codon: int) -> int:
    return tx.genomic_pos((codon - 1) * 3 + 1)  # middle base of the codon


@pytest.mark.parametrize("strand", ["+", "-"])
@pytest.mark.parametrize("model", ["tale-nt", "positional"])
def test_correction_blocking_is_silent_and_blocks(strand: str, model: str) -> None:
    ref, tx = make_gene(11, strand)
    pos = _codon_pos(tx, 80)  # an exon-2 codon
    cur_base = ref[pos]
    mut_base = {"A": "C", "C": "A", "G": "T", "T": "G"}[cur_base]
    current = ref[:pos] + mut_base + ref[pos + 1 :]
    res = correct_window(current, pos, cur_base, contig=CONTIG, transcripts=[tx], model=model,
                            n_designs=2)
    assert res.designs
    ref_protein = protein_of(ref, tx)
    for d in res.designs:
        p = d.pair
        assert d.distance_bp <= 10
        # edit restored; corrected allele = reference + blocking only
        assert d.corrected_seq[pos] == cur_base
        blk = [m.change for m in d.blocking.mutations]
        assert len(blk) >= 2
        assert apply_changes(ref, 0, blk) == d.corrected_seq
        # every blocking mutation is silent (independent check by translation) ...
        assert protein_of(d.corrected_seq, tx) == ref_protein
        for ch in blk:
            single = apply_changes(ref, 0, [ch])
            assert protein_of(single, tx) == ref_protein
            # ... and lies inside a half-site's bound bases
            assert p.left.bound.contains(ch.pos) or p.right.bound.contains(ch.pos)
        # the pair cuts the current allele but not the repaired one
        lb, rb = score_half_sites(current, 0, p, _model(model))
        assert lb.passes and rb.passes
        la, ra = score_half_sites(d.corrected_seq, 0, p, _model(model))
        assert not (la.passes and ra.passes)
        assert d.blocking.cleavable_after == 0 and d.blocking.cleavable_before >= 1
        # ssODNs: both strands, reverse complements, carry every change
        top, bot = d.ssodns
        assert bot.seq == reverse_complement(top.seq)
        assert 100 <= len(top.seq) <= 140
        assert top.seq == d.corrected_seq[top.start : top.end]
        pcs = [c for c in d.consequences if c.positions == (pos,)]
        assert pcs and not pcs[0].synonymous


def _model(name: str):  # type: ignore[no-untyped-def]
    from taleforge.scoring.base import get_model

    return get_model(name)


def test_correction_is_deterministic() -> None:
    ref, tx = make_gene(5)
    pos = _codon_pos(tx, 30)
    cur = "A" if ref[pos] != "A" else "C"
    current = ref[:pos] + cur + ref[pos + 1 :]
    a = correct_window(current, pos, ref[pos], contig=CONTIG, transcripts=[tx], model="tale-nt")
    b = correct_window(current, pos, ref[pos], contig=CONTIG, transcripts=[tx], model="tale-nt")
    assert a.as_dict() == b.as_dict()


def test_edit_too_far_from_any_talen() -> None:
    # a sequence with no T at all has no position-0 T: no pair anywhere
    seq = "ACGGCA" * 100
    with pytest.raises(NoResultError) as ei:
        correct_window(seq, 300, "T", model="tale-nt")
    assert "wider spacer" in ei.value.one_line()
    # planted single site far from the edit: error names the nearest distance
    rng = random.Random(2)
    core = "T" + "".join(rng.choice("ACG") for _ in range(16)) + "ACGGACGCAGGACGC" + "".join(
        rng.choice("CGT") for _ in range(16)) + "A"
    seq = "GCGGCC" * 20 + core + "GCGGCC" * 60
    with pytest.raises(NoResultError) as ei:
        correct_window(seq, 400, "T", model="tale-nt", max_cut_distance_bp=10)
    assert "nearest cut is" in ei.value.message


def test_bad_inputs() -> None:
    ref, tx = make_gene(5)
    with pytest.raises(InputError):
        correct_window(ref, 700, ref[700], transcripts=[tx])
    with pytest.raises(RegionError):
        correct_window(ref, len(ref) + 5, "A")
    with pytest.raises(InputError):
        correct_window(ref, 700, "X")


def test_protein_change_notation() -> None:
    ref, tx = make_gene(7)
    pos = tx.genomic_pos(0)
    pcs = protein_changes(ref, 0, [Change(pos, ref[pos], "C")], [tx])
    assert pcs[0].hgvs_p == "p.Met1Leu" and pcs[0].c_notation == "c.1A>C"

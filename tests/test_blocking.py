"""Blocking-mutation rules: silence by translation, splice neutrality, half-site placement,
and the binding-model re-cut scan."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from taleforge.design.blocking import (
    Change,
    apply_changes,
    blocking_candidates,
    c_position,
    cleavable_sites,
    silence_problems,
)
from taleforge.design.pairs import enumerate_pairs
from taleforge.model.scaffold import get_scaffold
from taleforge.scoring.base import get_model
from tests.test_donor_synthetic import make_gene, protein_of


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), strand=st.sampled_from("+-"), which=st.integers(0, 10_000))
def test_every_candidate_is_silent_and_in_a_half_site(seed: int, strand: str, which: int) -> None:
    ref, tx = make_gene(seed, strand)
    sc = get_scaffold("tale-nt")
    # pairs cutting in the CDS of exon 2
    ex2 = tx.exons_in_order()[1]
    c = enumerate_pairs(ref, sc, contig="syn", cut_window=(ex2.start + 20, ex2.end - 20))
    if len(c) == 0:
        return
    pair = c.materialize(which % len(c))
    model = get_model("tale-nt")
    prot = protein_of(ref, tx)
    cands = blocking_candidates(ref, 0, pair, model, [tx])
    for m in cands:
        ch = m.change
        assert pair.left.bound.contains(ch.pos) or pair.right.bound.contains(ch.pos)
        assert protein_of(apply_changes(ref, 0, [ch]), tx) == prot
        reg = tx.region(ch.pos)
        assert reg in ("cds", "intron", "utr5", "utr3")
        if reg == "intron":  # never the splice sites
            cpos = c_position(tx, ch.pos)
            assert cpos is not None
            dist = int(cpos.replace("+", "-").split("-")[-1])
            assert dist > 8 or "+" not in cpos


def test_splice_site_and_nonsynonymous_are_rejected() -> None:
    ref, tx = make_gene(21)
    intr = tx.introns_in_order()[0]
    # the G of the GT donor
    g = intr.start
    assert ref[g : g + 2] == "GT"
    probs = silence_problems(ref, 0, [Change(g, "G", "A")], [tx])
    assert any("splice-donor" in p for p in probs)
    # the first base of codon 10 changed to something non-synonymous
    pos = tx.genomic_pos(27)
    codon = ref[pos : pos + 3]
    alt = next(b for b in "ACGT" if b != ref[pos] and protein_of(
        apply_changes(ref, 0, [Change(pos, ref[pos], b)]), tx) != protein_of(ref, tx))
    probs = silence_problems(ref, 0, [Change(pos, ref[pos], alt)], [tx])
    assert probs and "not synonymous" in probs[0], codon


def test_overlapping_transcripts_all_checked() -> None:
    """A change synonymous in one frame but not in an overlapping transcript read in
    another frame is rejected."""
    from dataclasses import replace

    from taleforge.model.interval import Interval

    ref, tx = make_gene(8)
    cds2 = tuple(Interval(iv.contig, iv.start + 1, iv.end + 1) for iv in tx.cds)
    tx2 = replace(tx, id="TX_shifted", cds=cds2)
    found_conflict = False
    for codon in range(2, 40):
        pos = tx.genomic_pos(codon * 3 - 1)  # wobble base in tx
        for b in "ACGT":
            if b == ref[pos]:
                continue
            ch = Change(pos, ref[pos], b)
            p1 = silence_problems(ref, 0, [ch], [tx])
            p2 = silence_problems(ref, 0, [ch], [tx, tx2])
            assert set(p1) <= set(p2)
            if not p1 and p2:
                assert any("TX_shifted" in p for p in p2)
                found_conflict = True
    assert found_conflict


def test_cleavable_scan_finds_the_designed_pair_and_homodimers() -> None:
    ref, _tx = make_gene(4)
    sc = get_scaffold("tale-nt")
    c = enumerate_pairs(ref, sc, contig="syn", cut_window=(1000, 1100))
    pair = c.materialize(0)
    model = get_model("tale-nt")
    hits = cleavable_sites(ref, 0, pair, model, sc)
    keys = {(h.plus_start, h.minus_end, h.plus_tale, h.minus_tale) for h in hits}
    assert (pair.left.bound.start, pair.right.bound.end, "left", "right") in keys
    # a palindromic arrangement (left site + its reverse complement) is a left/left homodimer
    from taleforge.model.interval import reverse_complement

    site = "T" + pair.left.seq
    pal = "G" * 30 + site + "C" * 18 + reverse_complement(site) + "G" * 30
    hits = cleavable_sites(pal, 0, pair, model, sc)
    assert any(h.plus_tale == "left" and h.minus_tale == "left" for h in hits)


def test_c_positions_in_utr_and_introns() -> None:
    _ref, tx = make_gene(1)
    assert c_position(tx, tx.genomic_pos(0)) == "1"
    assert c_position(tx, tx.genomic_pos(0) - 5) == "-5"
    intr = tx.introns_in_order()[0]
    assert c_position(tx, intr.start) == "150+1"
    assert c_position(tx, intr.end - 1) == "151-1"

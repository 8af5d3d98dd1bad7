"""The specificity service (design/specificity.py): cross-pair pairings for sets delivered
together (multiplex: L1 with R2), on planted random genomes."""

from __future__ import annotations

import numpy as np

from taleforge.design.specificity import specificity_for_pairs
from taleforge.genome.packed import PackedGenome
from taleforge.model.interval import Interval, reverse_complement
from taleforge.model.rvd import rvds_for_sequence
from taleforge.model.talen import HalfSite, TalenPair


def _rand(rng: np.random.Generator, n: int) -> str:
    return "".join(rng.choice(list("ACGT"), n))


def _site(up: str, down: str, spacer: str) -> str:
    return "T" + up + spacer + reverse_complement(down) + "A"


def _talen(contig: str, pos0: int, lseq: str, sp: int, rseq: str) -> TalenPair:
    ls = pos0 + 1
    left = HalfSite(Interval(contig, ls, ls + len(lseq), "+"), lseq, pos0, "T", rvds_for_sequence(lseq))
    rs = ls + len(lseq) + sp
    right = HalfSite(Interval(contig, rs, rs + len(rseq), "-"), rseq, rs + len(rseq), "T",
                     rvds_for_sequence(rseq))
    return TalenPair(left, right, Interval(contig, ls + len(lseq), rs, "+"))


def _genome() -> tuple[PackedGenome, TalenPair, TalenPair]:
    rng = np.random.default_rng(11)
    L1, R1, L2, R2 = (_rand(rng, 16) for _ in range(4))
    c = list(_rand(rng, 6000))

    def plant(pos: int, s: str) -> None:
        c[pos : pos + len(s)] = list(s)

    plant(500, _site(L1, R1, _rand(rng, 15)))
    plant(2000, _site(L2, R2, _rand(rng, 15)))
    plant(4000, _site(L1, R2, _rand(rng, 17)))  # the cross pairing L1 / R2
    pk = PackedGenome.from_sequences({"c": "".join(c)})
    return pk, _talen("c", 500, L1, 15, R1), _talen("c", 2000, L2, 15, R2)


def test_cross_pairs_counted_once_for_the_upstream_pair() -> None:
    pk, p1, p2 = _genome()
    alone = specificity_for_pairs(pk, [p1, p2], scaffold="tale-nt", max_mismatches=1)
    assert all(s.ontarget_found for s in alone)
    assert [sum(s.pair_counts[:1]) for s in alone] == [0, 0]  # no 0-mm off-target pair
    both = specificity_for_pairs(pk, [p1, p2], scaffold="tale-nt", max_mismatches=1,
                                 cross_pairs=True)
    assert all(s.ontarget_found for s in both)
    # L1 (pair 1, upstream) with R2 (pair 2): counted for pair 1 only
    assert both[0].pair_counts[0] == 1
    assert sum(both[1].pair_counts[:1]) == 0
    # single half-site counts do not depend on the pairings
    assert [s.left_site_counts for s in both] == [s.left_site_counts for s in alone]
    # score-defined search (the default) finds the same cross pair
    scored = specificity_for_pairs(pk, [p1, p2], scaffold="tale-nt", model="tale-nt",
                                   cross_pairs=True)
    assert scored[0].n_offtarget_pairs >= 1
    assert scored[0].n_offtarget_pairs > specificity_for_pairs(
        pk, [p1, p2], scaffold="tale-nt", model="tale-nt")[0].n_offtarget_pairs

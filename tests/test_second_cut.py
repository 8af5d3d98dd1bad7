"""Second cuts (design/second_cut.py) and the specificity summaries' best off-target pairs
(``SpecificitySummary.top_pairs``), on planted random genomes."""

from __future__ import annotations

import numpy as np
import pytest

from taleforge.design.second_cut import (
    DELETION,
    REARRANGEMENT,
    SECOND_CUT_PARAMS,
    TRANSLOCATION,
    consequence,
    offtarget_breakdown,
    second_cut_warnings,
)
from taleforge.design.specificity import specificity_for_pairs
from taleforge.genome.packed import PackedGenome
from taleforge.model.interval import Interval, reverse_complement
from taleforge.model.rvd import rvds_for_sequence
from taleforge.model.talen import HalfSite, TalenPair


def _rand(rng: np.random.Generator, n: int) -> str:
    return "".join(rng.choice(list("ACGT"), n))


def _talen(contig: str, pos0: int, lseq: str, sp: int, rseq: str) -> TalenPair:
    ls = pos0 + 1
    left = HalfSite(Interval(contig, ls, ls + len(lseq), "+"), lseq, pos0, "T",
                    rvds_for_sequence(lseq))
    rs = ls + len(lseq) + sp
    right = HalfSite(Interval(contig, rs, rs + len(rseq), "-"), rseq, rs + len(rseq), "T",
                     rvds_for_sequence(rseq))
    return TalenPair(left, right, Interval(contig, ls + len(lseq), rs, "+"))


def _mutate(s: str, i: int) -> str:
    return s[:i] + {"A": "C", "C": "G", "G": "T", "T": "A"}[s[i]] + s[i + 1:]


def _planted() -> tuple[PackedGenome, TalenPair, dict[str, int]]:
    """Target pair on c1 at 1000; an exact copy on c1 at 7000 (L/R), a copy with one
    mismatch in the right site on c2 at 3000, and an L/L homodimer site on c2 at 6000."""
    rng = np.random.default_rng(7)
    L, R = _rand(rng, 16), _rand(rng, 16)
    sp = _rand(rng, 15)
    c1, c2 = list(_rand(rng, 10000)), list(_rand(rng, 8000))

    def plant(c: list[str], pos: int, s: str) -> None:
        c[pos: pos + len(s)] = list(s)

    site = "T" + L + sp + reverse_complement(R) + "A"
    plant(c1, 1000, site)
    plant(c1, 7000, site)
    plant(c2, 3000, "T" + L + sp + reverse_complement(_mutate(R, 8)) + "A")
    plant(c2, 6000, "T" + L + _rand(rng, 16) + reverse_complement(L) + "A")
    pk = PackedGenome.from_sequences({"c1": "".join(c1), "c2": "".join(c2)})
    return pk, _talen("c1", 1000, L, 15, R), {"same": 7000, "other": 3000, "homo": 6000}


@pytest.mark.parametrize("mm", [None, 2])
def test_top_pairs_locate_planted_copies(mm: int | None) -> None:
    pk, pair, at = _planted()
    (s,) = specificity_for_pairs(pk, [pair], scaffold="tale-nt", max_mismatches=mm,
                                 model="tale-nt", top_pairs=5)
    assert s.ontarget_found
    got = {(p.contig, p.start, p.orientation, p.up.mismatches, p.down.mismatches)
           for p in s.top_pairs}
    assert ("c1", at["same"], "L/R", 0, 0) in got
    assert ("c2", at["other"], "L/R", 0, 1) in got
    assert ("c2", at["homo"], "L/L", 0, 0) in got
    assert all(p.contig != "c1" or p.start != 1000 for p in s.top_pairs)  # on-target excluded
    assert len(s.top_pairs) <= min(5, s.n_offtarget_pairs)
    assert [p.cost for p in s.top_pairs] == sorted(p.cost for p in s.top_pairs)
    best = s.top_pairs[0]
    assert best.total_mismatches == 0 and best.spacer in (15, 16)
    d = s.as_dict()["top_pairs"][0]
    assert d["up"]["start"] == best.up.start + 1 and d["down"]["end"] == best.down.end
    assert d["mismatches"] == [best.up.mismatches, best.down.mismatches]


def test_top_pairs_zero_keeps_none_and_counts_unchanged() -> None:
    pk, pair, _ = _planted()
    (a,) = specificity_for_pairs(pk, [pair], scaffold="tale-nt", model="tale-nt", top_pairs=0)
    (b,) = specificity_for_pairs(pk, [pair], scaffold="tale-nt", model="tale-nt", top_pairs=1)
    assert a.top_pairs == () and len(b.top_pairs) == 1
    assert a.pair_counts == b.pair_counts


def test_second_cut_warning_consequences() -> None:
    pk, pair, at = _planted()
    (s,) = specificity_for_pairs(pk, [pair], scaffold="tale-nt", model="tale-nt")
    ws = second_cut_warnings(s, design_id="#1", target_contig="c1", target_cut=pair.cut)
    assert len(ws) == 1
    w = ws[0]
    assert w.code == "second-cut" and w.severity == "warning" and w.design == "#1"
    det = dict(w.details or {})
    assert det["n_pairs"] == s.n_offtarget_pairs >= 3
    closest = s.top_pairs[0]
    if closest.contig == "c1":
        assert det["distance_bp"] == closest.cut - pair.cut == at["same"] - 1000
        assert det["consequence"] == DELETION
    else:
        assert det["distance_bp"] is None and det["consequence"] == TRANSLOCATION
    assert det["mismatches"]["up"] == closest.up.mismatches
    assert "second cut" in w.message
    # a design without off-target pairs gets no warning
    (clean,) = specificity_for_pairs(pk, [pair], scaffold="tale-nt", model="tale-nt",
                                     max_mismatches=0, spacer_min=30, spacer_max=30)
    assert clean.n_offtarget_pairs == 0
    assert second_cut_warnings(clean, design_id="x", target_contig="c1", target_cut=0) == []


def test_consequence_classes_and_threshold() -> None:
    assert consequence("c1", 100, "c1", 5100) == (5000, DELETION)
    assert consequence("c1", 5100, "c1", 100) == (-5000, DELETION)
    assert consequence("c1", 100, "c2", 100) == (None, TRANSLOCATION)
    far = int(SECOND_CUT_PARAMS["deletion_max_bp"]) + 1
    assert consequence("c1", 0, "c1", far) == (far, REARRANGEMENT)
    tight = SECOND_CUT_PARAMS.override({"deletion_max_bp": 10})
    assert consequence("c1", 0, "c1", 11, tight)[1] == REARRANGEMENT
    assert consequence("c1", 0, "c1", 10, tight)[1] == DELETION


def test_offtarget_breakdown_classes() -> None:
    pk, pair, _ = _planted()
    (s,) = specificity_for_pairs(pk, [pair], scaffold="tale-nt", model="tale-nt")
    b = offtarget_breakdown(s, target_contig="c1", target_cut=pair.cut)
    assert b["n_pairs"] == s.n_offtarget_pairs
    assert sum(c["count"] for c in b["pairs_by_mismatches"]) == s.n_offtarget_pairs
    assert all(c["count"] > 0 for c in b["pairs_by_mismatches"])
    assert b["n_sites"] == sum(s.left_site_counts) + sum(s.right_site_counts)
    cp = b["closest_pair"]
    assert cp is not None and cp["contig"] == s.top_pairs[0].contig
    assert cp["start"] == s.top_pairs[0].start + 1 and "consequence" in cp
    assert b["search"] == "score-defined"

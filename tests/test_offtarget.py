"""find_offtargets / specificity_for_pairs / site_to_rvds on planted random genomes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from taleforge.design.offtarget import (
    find_offtargets,
    site_to_rvds,
    specificity_for_pairs,
)
from taleforge.errors import InputError, ParameterError, SequenceError
from taleforge.genome.packed import PackedGenome
from taleforge.model.interval import Interval, reverse_complement
from taleforge.model.rvd import rvds_for_sequence
from taleforge.model.talen import HalfSite, TalenPair

LSEQ = "GACATCCCGATGGTGC"  # 16 RVDs
RSEQ = "TCGTTGAACAAACGAC"  # 16 RVDs (as the right TALE reads it)


def _rand(rng: np.random.Generator, n: int) -> str:
    return "".join(rng.choice(list("ACGT"), n))


def _pair_site(up: str, down: str, spacer: str) -> str:
    """Top-strand T + up + spacer + revcomp(down) + A."""
    return "T" + up + spacer + reverse_complement(down) + "A"


def _mut(seq: str, i: int) -> str:
    b = seq[i]
    return seq[:i] + {"A": "C", "C": "A", "G": "C", "T": "A"}[b] + seq[i + 1 :]


@pytest.fixture(scope="module")
def planted() -> tuple[PackedGenome, dict[str, int]]:
    rng = np.random.default_rng(7)
    c1 = list(_rand(rng, 4000))
    c2 = list(_rand(rng, 4000))
    where: dict[str, int] = {}

    def plant(contig: list[str], pos: int, s: str) -> None:
        contig[pos : pos + len(s)] = list(s)

    on = _pair_site(LSEQ, RSEQ, _rand(rng, 15))
    plant(c1, 500, on)
    where["on"] = 500
    plant(c1, 1500, _pair_site(LSEQ, LSEQ, _rand(rng, 20)))  # L/L homodimer
    where["LL"] = 1500
    plant(c2, 700, _pair_site(RSEQ, _mut(LSEQ, 14), _rand(rng, 18)))  # R/L, 1 mismatch (C-term)
    where["RL"] = 700
    plant(c2, 2500, _pair_site(_mut(RSEQ, 1), RSEQ, _rand(rng, 16)))  # R/R, 1 mismatch
    where["RR"] = 2500
    plant(c2, 3500, "T" + _mut(LSEQ, 3) + "A")  # a lone left site with 1 mismatch
    pk = PackedGenome.from_sequences({"c1": "".join(c1), "c2": "".join(c2)})
    return pk, where


def test_planted_pairs_found(planted: tuple[PackedGenome, dict[str, int]]) -> None:
    pk, where = planted
    L, R = rvds_for_sequence(LSEQ), rvds_for_sequence(RSEQ)
    res = find_offtargets(pk, L, R, max_mismatches=2, scaffold="tale-nt")
    on = res.ontarget_pairs
    assert len(on) == 1
    p = on[0]
    assert (p.contig, p.start, p.orientation, p.upstream, p.spacer) == (
        "c1", where["on"], "L/R", "L", 15
    )
    assert p.total_mismatches == 0 and p.passes
    assert p.up.seq == LSEQ and p.down.seq == RSEQ
    assert p.up.pos0_base == "T" and p.down.pos0_base == "T"
    got = {(q.contig, q.start, q.orientation, q.upstream, q.spacer, q.total_mismatches)
           for q in res.offtarget_pairs}
    assert ("c1", where["LL"], "L/L", "L", 20, 0) in got
    assert ("c2", where["RL"], "R/L", "R", 18, 1) in got  # orientation = upstream/downstream role
    assert ("c2", where["RR"], "R/R", "R", 16, 1) in got
    rl = next(q for q in res.offtarget_pairs if q.start == where["RL"])
    assert rl.down.mismatches_by_third == (0, 0, 1)
    assert res.pairs[0].is_ontarget  # on-target listed first
    # single sites: the lone left site with one mismatch (in the first third)
    lone = [s for s in res.sites if s.contig == "c2" and s.start == 3501]
    assert len(lone) == 1 and lone[0].mismatches == 1 and lone[0].mismatches_by_third == (1, 0, 0)
    assert sum(s.is_ontarget for s in res.sites) == 2
    # outputs
    tsv = res.to_tsv()
    assert "ontarget_pair" in tsv and "\tsite\t" not in tsv.split("\n")[0]
    rows = [ln.split("\t") for ln in tsv.splitlines() if not ln.startswith("#")]
    hdr = rows[0]
    onrow = next(r for r in rows if r[0] == "ontarget_pair")
    assert int(onrow[hdr.index("start")]) == where["on"] + 1  # 1-based
    js = json.loads(res.to_json())
    assert js["provenance"]["model"]["name"] == "positional"
    assert js["summary"]["ontarget_pairs"] == 1
    bed = res.to_bed().splitlines()
    assert bed[1].split("\t")[:3] == ["c1", str(where["on"]), str(where["on"] + 49)]
    # deterministic
    assert find_offtargets(pk, L, R, max_mismatches=2).to_tsv() == tsv


def test_tale_nt_model_and_pos0_off(planted: tuple[PackedGenome, dict[str, int]]) -> None:
    pk, _ = planted
    L, R = rvds_for_sequence(LSEQ), rvds_for_sequence(RSEQ)
    a = find_offtargets(pk, L, R, max_mismatches=2, model="tale-nt")
    assert a.ontarget_pairs[0].up_score.model == "tale-nt"
    b = find_offtargets(pk, L, R, max_mismatches=2, pos0_bases=None)
    assert len(b.sites) >= len(a.sites)
    c = find_offtargets(pk, L, None, max_mismatches=2)
    assert {p.orientation for p in c.pairs} == {"L/L"}


def _talen(pk: PackedGenome, contig: str, pos0: int, lseq: str, sp: int, rseq: str) -> TalenPair:
    ls = pos0 + 1
    left = HalfSite(Interval(contig, ls, ls + len(lseq), "+"), lseq, pos0, "T",
                    rvds_for_sequence(lseq))
    rs = ls + len(lseq) + sp
    right = HalfSite(Interval(contig, rs, rs + len(rseq), "-"), rseq, rs + len(rseq), "T",
                     rvds_for_sequence(rseq))
    return TalenPair(left, right, Interval(contig, ls + len(lseq), rs, "+"))


def test_specificity_for_pairs(planted: tuple[PackedGenome, dict[str, int]]) -> None:
    pk, where = planted
    on = _talen(pk, "c1", where["on"], LSEQ, 15, RSEQ)
    rng = np.random.default_rng(3)
    other = _talen(pk, "c1", 3000, _rand(rng, 16), 15, _rand(rng, 16))
    sums = specificity_for_pairs(pk, [on, other], scaffold="tale-nt", max_mismatches=2,
                                 batch_size=1)
    s = sums[0]
    assert s.ontarget_found
    # L/L (0 mm), R/L (1 mm), R/R (1 mm)
    assert (*s.pair_counts, 0, 0, 0)[:3] == (1, 2, 0)  # counts are no longer capped in length
    assert s.left_site_counts[0] == 2  # the L/L homodimer's two left sites
    ev = {e.rule: e for e in s.rule_evals()}
    assert ev["specificity_pairs"].kind == "score" and not ev["specificity_pairs"].passed
    assert ev["specificity_pairs"].score < 0
    assert not sums[1].ontarget_found  # not planted
    # a pair without off-targets scores 0 (best); batching does not change results
    assert sums[1].score >= s.score
    again = specificity_for_pairs(pk, [on, other], scaffold="tale-nt", max_mismatches=2)
    assert [x.as_dict() for x in again] == [x.as_dict() for x in sums]


def test_site_to_rvds() -> None:
    site = _pair_site(LSEQ, RSEQ, "ACGTACGTACGTACG")
    assert len(site) == 49
    sp = site_to_rvds(site)
    left, right = sp
    assert left == rvds_for_sequence(LSEQ) and right == rvds_for_sequence(RSEQ)
    assert sp.spacer_bp == 15 and not sp.notes
    sp2 = site_to_rvds(site, left_len=15, right_len=17)
    assert sp2.spacer_bp == 15 and len(sp2.left) == 15 and len(sp2.right) == 17
    assert site_to_rvds(site, spacer=15).left == left
    assert site_to_rvds("G" + site[1:]).notes
    with pytest.raises(SequenceError, match="position 3"):
        site_to_rvds("TTXA" + site[4:])
    with pytest.raises(ParameterError):
        site_to_rvds(site, left_len=16, right_len=16, spacer=10)


def test_input_errors(planted: tuple[PackedGenome, dict[str, int]]) -> None:
    pk, _ = planted
    with pytest.raises(InputError, match="repeat 3"):
        find_offtargets(pk, "NN HD XY NG NN HD NI NG NG", None)
    with pytest.raises(InputError, match="left half-site"):
        find_offtargets(pk, "NN HD NI", None)
    with pytest.raises(ParameterError):
        find_offtargets(pk, rvds_for_sequence(LSEQ), None, max_mismatches=9)
    with pytest.raises(ParameterError):
        find_offtargets(pk, rvds_for_sequence(LSEQ), None, spacer_min=20, spacer_max=10)


# ----------------------------------------------------------------------------- properties

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

ROLES = {"L": 0, "R": 1}


@settings(max_examples=25, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from([("L", "R"), ("R", "L"), ("L", "L"), ("R", "R")]),
    st.integers(15, 30),
    st.integers(1, 1900),
)
def test_planted_pair_always_found(
    seed: int, roles: tuple[str, str], spacer: int, pos: int
) -> None:
    rng = np.random.default_rng(seed)
    arms = [_rand(rng, 15), _rand(rng, 17)]
    genome = list(_rand(rng, 2000))
    site = _pair_site(arms[ROLES[roles[0]]], arms[ROLES[roles[1]]], _rand(rng, spacer))
    pos = min(pos, len(genome) - len(site))
    genome[pos : pos + len(site)] = list(site)
    pk = PackedGenome.from_sequences({"g": "".join(genome)})
    res = find_offtargets(pk, rvds_for_sequence(arms[0]), rvds_for_sequence(arms[1]),
                          max_mismatches=0)
    want = f"{roles[0]}/{roles[1]}"  # orientation = upstream role / downstream role
    got = {(p.start, p.orientation, p.upstream, p.spacer) for p in res.pairs}
    assert (pos, want, roles[0], spacer) in got
    if roles == ("L", "R"):
        assert any(p.is_ontarget and p.start == pos for p in res.pairs)


def test_reverse_complement_mirrors(planted: tuple[PackedGenome, dict[str, int]]) -> None:
    pk, _ = planted
    L, R = rvds_for_sequence(LSEQ), rvds_for_sequence(RSEQ)
    rc = PackedGenome.from_sequences(
        {n: reverse_complement(pk.fetch(n, 0, int(pk.lengths[i])))
         for i, n in enumerate(pk.names)}
    )
    a = find_offtargets(pk, L, R, max_mismatches=2)
    b = find_offtargets(rc, L, R, max_mismatches=2)
    flip = {"L": "R", "R": "L"}

    def key(p: object, mirror: bool) -> tuple[object, ...]:
        from taleforge.design.offtarget import OffTargetPair

        assert isinstance(p, OffTargetPair)
        n = int(pk.lengths[pk.names.index(p.contig)])
        start = n - p.end if mirror else p.start
        hetero = p.orientation in ("L/R", "R/L")
        up = (flip[p.upstream] if hetero else p.upstream) if mirror else p.upstream
        orient = p.orientation[::-1] if mirror and hetero else p.orientation
        return (p.contig, start, orient, up, p.spacer, p.total_mismatches)

    assert sorted(key(p, True) for p in b.pairs) == sorted(key(p, False) for p in a.pairs)
    assert a.site_counts("L") == b.site_counts("L") and a.site_counts("R") == b.site_counts("R")

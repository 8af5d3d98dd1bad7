"""Random genomes and random arrays through taleforge and through the prebuilt TALE-NT 2.0
binaries (``../shared/peers/talent``: ``pairedtalesf``, ``talesf``, run as external comparators
in temp folders with ``-n 1``): identical hit sets (and scores to 0.006), every example.

Genomes: 1-4 contigs of 60-3,000 bp (pairedtalesf underflows on contigs shorter than an array),
with N runs, lower-case runs, and planted near-sites of the arrays (pairs in all four
orientations, single sites on both strands, 0-7 mismatches, sometimes at a contig's ends so the
T0 is the first base or the downstream A0 the last one, sometimes with an N in a spacer or a
bound base). Arrays: 8-20 RVDs, canonical, NN-rich or with rarer RVDs (NS, NK, HG, NH, N*).
Cutoffs 3.0, 3.5, 4.0 or any value in [2.5, 4.5]; random spacer ranges. The run asserts a
minimum number of hits so it cannot pass vacuously.
"""

from __future__ import annotations

import random
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from . import talent_ref as tr

pytestmark = pytest.mark.shared

TOL = 0.006
CANONICAL = ("NI", "HD", "NG", "NN")
RARE = ("NS", "NK", "HG", "NH", "N*")
BACKENDS = ("numba", "reference")
COMP = {"A": "T", "C": "G", "G": "C", "T": "A", "N": "N"}


def _binaries() -> None:
    for name in ("pairedtalesf", "talesf"):
        if tr.peer_binary(name) is None:
            pytest.skip(f"prebuilt TALE-NT binary not available: {tr.PEERS / name}")


def _revcomp(s: str) -> str:
    return "".join(COMP[b.upper()] if b.isupper() else COMP[b.upper()].lower() for b in reversed(s))


def _ideal(rvds: tuple[str, ...]) -> str:
    """The best-scoring base for each RVD (TALE-NT costs), in TALE order."""
    m = tr.talent_matrix(rvds)[:, :4]
    return "".join("ACGT"[int(i)] for i in m.argmin(axis=1))


def _mutate(site: str, rvds: tuple[str, ...], k: int, rng: random.Random) -> str:
    """``k`` mismatches: at random positions, the cheapest wrong base or a random one."""
    m = tr.talent_matrix(rvds)[:, :4]
    s = list(site)
    for i in rng.sample(range(len(s)), min(k, len(s))):
        order = [int(j) for j in np.argsort(m[i]) if "ACGT"[int(j)] != s[i]]
        s[i] = "ACGT"[order[0]] if rng.random() < 0.6 else "ACGT"[rng.choice(order)]
    return "".join(s)


@dataclass
class Case:
    contigs: dict[str, str]
    left: tuple[str, ...]
    right: tuple[str, ...]
    cutoff: float
    spacer_min: int
    spacer_max: int

    def __repr__(self) -> str:
        lens = {k: len(v) for k, v in self.contigs.items()}
        return (f"Case(left={' '.join(self.left)!r}, right={' '.join(self.right)!r}, "
                f"cutoff={self.cutoff}, spacer={self.spacer_min}-{self.spacer_max}, contigs={lens})")


def _array(draw: st.DrawFn, kind: str) -> tuple[str, ...]:
    n = draw(st.integers(8, 20))
    if kind == "canonical":
        alphabet = st.sampled_from(CANONICAL)
    elif kind == "nn_rich":
        alphabet = st.sampled_from(("NN", "NN", "NN", "NI", "HD", "NG"))
    else:
        alphabet = st.sampled_from(CANONICAL * 3 + RARE)
    return tuple(draw(st.lists(alphabet, min_size=n, max_size=n)))


@st.composite
def cases(draw: st.DrawFn) -> Case:
    kinds = ("canonical", "nn_rich", "rare")
    left = _array(draw, draw(st.sampled_from(kinds)))
    right = _array(draw, draw(st.sampled_from(kinds)))
    assume(right != left)  # identical arrays: test_identical_arrays_give_all_four_roles
    cutoff = draw(st.one_of(st.sampled_from((3.0, 3.5, 4.0)),
                            st.floats(2.5, 4.5).map(lambda x: round(x, 3))))
    smin = draw(st.integers(5, 25))
    smax = smin + draw(st.integers(0, 20))
    seed = draw(st.integers(0, 2**32 - 1))
    n_contigs = draw(st.integers(1, 4))
    lengths = [draw(st.integers(60, 3000)) for _ in range(n_contigs)]
    n_pairs = draw(st.integers(1, 4))
    n_singles = draw(st.integers(0, 4))
    rng = random.Random(seed)
    arrays = {"L": left, "R": right}
    seqs: dict[str, list[str]] = {}
    for i, n in enumerate(lengths):
        seqs[f"ctg{i}"] = [rng.choice("ACGT") for _ in range(n)]

    def put(s: list[str], at: int, text: str) -> None:
        for j, b in enumerate(text):
            if 0 <= at + j < len(s):
                s[at + j] = b

    for _ in range(n_pairs):  # T + up + spacer + revcomp(down) + A, on the top strand
        ur, dr = rng.choice("LR"), rng.choice("LR")
        up = _mutate(_ideal(arrays[ur]), arrays[ur], rng.choice((0, 0, 0, 1, 1, 2, 3, 5, 7)), rng)
        dn = _mutate(_ideal(arrays[dr]), arrays[dr], rng.choice((0, 0, 0, 1, 1, 2, 3, 5, 7)), rng)
        sp_len = rng.choice((smin, smax, *(rng.randint(smin, smax) for _ in range(4)), smin - 1, smax + 1))
        spacer = "".join(rng.choice("ACGT") for _ in range(max(0, sp_len)))
        if spacer and rng.random() < 0.15:
            spacer = spacer[:1] + "N" + spacer[2:]  # an N in a spacer is allowed
        construct = "T" + up + spacer + _revcomp(dn) + "A"
        if rng.random() < 0.1:  # an N in a bound base fails that half-site
            j = rng.randrange(1, 1 + len(up))
            construct = construct[:j] + "N" + construct[j + 1 :]
        fits = [k for k, v in seqs.items() if len(v) >= len(construct)]
        if not fits:
            continue
        s = seqs[rng.choice(fits)]
        where = rng.random()
        if where < 0.15:
            at = 0  # T0 is the contig's first base
        elif where < 0.3:
            at = len(s) - len(construct) - rng.choice((0, 0, 1))  # A0 last (skipped) or next-to-last
        else:
            at = rng.randrange(0, max(1, len(s) - len(construct)))
        put(s, max(0, at), construct)
    for _ in range(n_singles):
        r = rng.choice("LR")
        site = _mutate(_ideal(arrays[r]), arrays[r], rng.choice((0, 1, 2, 4, 6)), rng)
        text = "T" + site if rng.random() < 0.5 else _revcomp(site) + "A"
        s = seqs[rng.choice(list(seqs))]
        at = rng.choice((0, len(s) - len(text), rng.randrange(0, max(1, len(s) - len(text)))))
        put(s, max(0, at), text)
    for s in seqs.values():  # N runs and lower-case runs
        for _ in range(rng.randint(0, 3)):
            a = rng.randrange(len(s))
            for j in range(a, min(len(s), a + rng.randint(1, 40))):
                s[j] = "N"
        for _ in range(rng.randint(0, 3)):
            a = rng.randrange(len(s))
            for j in range(a, min(len(s), a + rng.randint(1, 300))):
                s[j] = s[j].lower()
    return Case({k: "".join(v) for k, v in seqs.items()}, left, right, cutoff, smin, smax)


def _taleforge_genome(contigs: dict[str, str]) -> object:
    from taleforge.genome.packed import PackedGenome

    return PackedGenome.from_sequences(contigs)


def _compare(ours: dict, theirs: dict, what: str, case: Case) -> None:  # type: ignore[type-arg]
    assert set(ours) == set(theirs), f"{what} differ for {case!r}\n" + tr.diff_report(ours, theirs)
    bad = tr.score_diffs(ours, theirs, TOL)
    assert not bad, f"{what}: scores differ for {case!r}: {bad[:5]}"


def test_pairs_and_sites_equal_talent_binaries() -> None:
    _binaries()
    stats: Counter[str] = Counter()

    @settings(max_examples=25, deadline=None, database=None)
    @given(case=cases())
    def check(case: Case) -> None:
        assume(all(len(s) >= 60 for s in case.contigs.values()))
        with tempfile.TemporaryDirectory(prefix="tf-talent-peer-") as d:
            work = Path(d)
            fa = tr.write_fasta(work / "g.fa", case.contigs, width=60)
            theirs_p = tr.run_pairedtalesf(fa, case.left, case.right, cutoff=case.cutoff,
                                           spacer_min=case.spacer_min, spacer_max=case.spacer_max,
                                           workdir=work)
            theirs_s = tr.run_talesf(fa, case.left, cutoff=case.cutoff, workdir=work)
        g = _taleforge_genome(case.contigs)
        for backend in BACKENDS:  # the fast kernel and the slow reference, both against TALE-NT
            res = tr.taleforge_talent(g, case.left, case.right, case.cutoff,
                                      case.spacer_min, case.spacer_max, backend=backend)
            tr.check_pair_geometry(res, case.left, case.right)
            _compare(tr.pair_keys(res), theirs_p.hits, f"pairs ({backend})", case)
            single = tr.taleforge_talent(g, case.left, None, case.cutoff, backend=backend)
            _compare(tr.site_keys(single), theirs_s.hits, f"single sites ({backend})", case)
        stats["examples"] += 1
        stats["pairs"] += len(theirs_p.hits)
        stats["sites"] += len(theirs_s.hits)
        stats["examples_with_pairs"] += bool(theirs_p.hits)
        stats["homodimer_pairs"] += sum(k[1] == k[3] for k in theirs_p.hits)
        stats["minus_sites"] += sum(k[1] == -1 for k in theirs_s.hits)
        ends = sum(k[2] == 1 for k in theirs_p.hits)
        stats["pairs_at_contig_start"] += ends
        event(f"pairs: {'0' if not theirs_p.hits else '1-9' if len(theirs_p.hits) < 10 else '10+'}")
        event(f"sites: {'0' if not theirs_s.hits else '1-99' if len(theirs_s.hits) < 100 else '100+'}")

    check()
    # not vacuous: examples with pairs, homodimers, sites on both strands. Over 60 seeds of 25
    # examples: 7-22 (median 16) examples with pairs, >= 102 pairs (median 3,645), >= 231 sites;
    # the bounds below leave room for Hypothesis's variance
    assert stats["examples"] >= 15, stats
    assert stats["examples_with_pairs"] >= 4, stats
    assert stats["pairs"] >= 10 and stats["sites"] >= 50, stats
    assert stats["homodimer_pairs"] >= 1 and stats["minus_sites"] >= 10, stats


def test_identical_arrays_report_each_physical_pair_once() -> None:
    """When the left and right arrays are the same, Paired Target Finder reports each pair
    under all four role combinations (L/R, R/L, L/L, R/R: it pairs every site list with
    every other). The roles are indistinguishable then, so taleforge reports each physical
    pair once (orientation L/R) — a documented difference; the physical pairs (contig, TAL 1
    start, TAL 2 start) and scores are identical."""
    _binaries()
    arr = ("NN", "HD", "NI", "NG", "NN", "HD", "HD", "NI", "NG", "NG", "HD", "NI")
    rng = random.Random(5)
    flank = "".join(rng.choice("ACGT") for _ in range(40))
    core = "T" + _ideal(arr) + "GATTACAGATTACAGA" + _revcomp(_mutate(_ideal(arr), arr, 1, rng)) + "A"
    contigs = {"c": flank + core + flank}
    with tempfile.TemporaryDirectory(prefix="tf-talent-peer-") as d:
        work = Path(d)
        fa = tr.write_fasta(work / "g.fa", contigs)
        p = tr.run_pairedtalesf(fa, arr, arr, cutoff=3.0, spacer_min=10, spacer_max=20, workdir=work)
    assert {(k[1], k[3]) for k in p.hits} == {("L", "R"), ("R", "L"), ("L", "L"), ("R", "R")}
    physical = {(k[0], k[2], k[4]) for k in p.hits}
    assert len(physical) == 1
    res = tr.taleforge_talent(_taleforge_genome(contigs), arr, arr, 3.0, 10, 20)
    keys = tr.pair_keys(res)
    assert {(k[1], k[3]) for k in keys} == {("L", "R")}
    assert {(k[0], k[2], k[4]) for k in keys} == physical
    assert len(keys) == len(physical)


def test_brute_force_helper_matches_binaries() -> None:
    """The brute-force scorer in tests/talent_ref.py (used to read the reference files) agrees
    with the binaries too, including the skipped pair whose downstream A0 is a contig's last
    base and a talesf minus-strand site at the same place (not skipped)."""
    _binaries()
    left = ("NI", "HD", "NG", "NI", "NI", "HD", "HD", "NG", "NI", "HD")
    right = ("HD", "HD", "NI", "NG", "NI", "NG", "HD", "NI", "HD", "NG")
    core = "T" + _ideal(left) + "GATTACAGATTACAGA" + _revcomp(_ideal(right)) + "A"
    contigs = {"end": "G" * 30 + core, "end1": "G" * 30 + core + "C", "mid": "C" * 30 + core + "C" * 30}
    with tempfile.TemporaryDirectory(prefix="tf-talent-peer-") as d:
        work = Path(d)
        fa = tr.write_fasta(work / "g.fa", contigs)
        p = tr.run_pairedtalesf(fa, left, right, cutoff=3.0, spacer_min=10, spacer_max=20, workdir=work)
        s = tr.run_talesf(fa, right, cutoff=3.0, workdir=work)
    assert {k[0] for k in p.hits} == {"end1", "mid"}  # "end": A0 is the last base -> skipped
    assert ("end", -1, len(contigs["end"]) - 1 - len(right)) in s.hits
    assert set(tr.brute_pairs(contigs, left, right, 3.0, 10, 20)) == set(p.hits)
    brute = {(c, st_, q): v for c, seq in contigs.items()
             for (st_, q), v in tr.brute_sites(seq, right, 3.0).items()}
    assert set(brute) == set(s.hits)
    # and taleforge reproduces the edge case
    for backend in BACKENDS:
        res = tr.taleforge_talent(_taleforge_genome(contigs), left, right, 3.0, 10, 20, backend=backend)
        assert set(tr.pair_keys(res)) == set(p.hits), backend
        res1 = tr.taleforge_talent(_taleforge_genome(contigs), right, None, 3.0, backend=backend)
        assert set(tr.site_keys(res1)) == set(s.hits), backend

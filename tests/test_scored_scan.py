"""Score-bounded scan: the numba kernel equals the numpy reference (the exact definition)
on random genomes and arrays, including NN-rich arrays, N runs, contig ends, both strands,
position-0 filters and soft position-0 terms; and the definition itself matches a
hand-written TALE-NT scorer."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from taleforge.engine.scored import scan_scored
from taleforge.genome.packed import PackedGenome
from taleforge.model.costs import exact_costs
from taleforge.scoring.base import get_model
from taleforge.scoring.talent import TALENT_COUNTS

RVDS = ["HD", "NI", "NG", "NN", "NS", "NK", "HG", "NH", "N*"]
RVD_P = [0.22, 0.2, 0.2, 0.26, 0.03, 0.03, 0.02, 0.02, 0.02]
COMP = str.maketrans("ACGTN", "TGCAN")


def _genome(rng: np.random.Generator, n_contigs: int, plant: tuple[str, ...] | None) -> dict[str, str]:
    seqs: dict[str, str] = {}
    for i in range(n_contigs):
        n = int(rng.integers(5, 900))
        s = list(rng.choice(list("ACGT"), size=n))
        if rng.random() < 0.5 and n > 20:  # an N run
            a = int(rng.integers(0, n - 10))
            s[a : a + int(rng.integers(1, 10))] = ["N"] * 1
        if rng.random() < 0.3:
            s = [c.lower() if rng.random() < 0.3 else c for c in s]
        seqs[f"c{i}"] = "".join(s)
    if plant is not None:  # a near-site on each strand so most examples have hits
        site = "".join(plant)
        k = f"c{int(rng.integers(0, n_contigs))}"
        s = seqs[k]
        seqs[k] = s[: len(s) // 2] + "T" + site + "A" + s[len(s) // 2 :]
        seqs[k] += "T" + site.translate(COMP)[::-1]
    return seqs


def _best_bases(rvds: tuple[str, ...], rng: np.random.Generator, n_mut: int) -> tuple[str, ...]:
    out = []
    for r in rvds:
        c = TALENT_COUNTS.get(r, (1, 1, 1, 1))
        out.append("ACGT"[int(np.argmax(c))])
    for _ in range(n_mut):
        out[int(rng.integers(0, len(out)))] = "ACGT"[int(rng.integers(0, 4))]
    return tuple(out)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from(["tale-nt", "positional"]),
    st.sampled_from(["T", None, "TC", "model"]),
    st.floats(2.5, 4.5),
    st.sampled_from(["both", "+", "-"]),
    st.sampled_from([1, 10**9]),
)
def test_kernel_equals_reference(seed: int, model: str, pos0: str | None, k: float,
                                 strands: str, anchored_min_rows: int) -> None:
    """Both kernels (anchored: rows with a position-0 filter over the compacted windows,
    forced with ``anchored_min_rows`` = 1; plain: never) equal the reference."""
    import taleforge.engine.scored as scored

    base = scored.SCORED_SCAN_PARAMS
    scored.SCORED_SCAN_PARAMS = base.override({"anchored_min_rows": anchored_min_rows})
    try:
        _kernel_equals_reference(seed, model, pos0, k, strands)
    finally:
        scored.SCORED_SCAN_PARAMS = base


def _kernel_equals_reference(seed: int, model: str, pos0: str | None, k: float,
                             strands: str) -> None:
    rng = np.random.default_rng(seed)
    m = get_model(model)
    if model == "tale-nt":
        m = m.with_cutoff(round(k, 3))  # type: ignore[attr-defined]
    nq = int(rng.integers(1, 4))
    arrays = [tuple(rng.choice(RVDS, p=RVD_P, size=int(rng.integers(8, 21)))) for _ in range(nq)]
    pk = PackedGenome.from_sequences(
        _genome(rng, int(rng.integers(1, 5)), _best_bases(arrays[0], rng, int(rng.integers(0, 4))))
    )
    qs = [m.score_query(a, pos0) for a in arrays]
    a = scan_scored(pk, qs, backend="numba", strands=strands)  # type: ignore[arg-type]
    b = scan_scored(pk, qs, backend="reference", strands=strands)  # type: ignore[arg-type]
    event(f"hits: {'none' if len(b) == 0 else 'some'}")
    assert a.hits.equals(b.hits)
    assert np.array_equal(a.cost, b.cost)
    # serial kernel and a sub-region give the same answer
    c = scan_scored(pk, qs, backend="numba", strands=strands, workers=1)  # type: ignore[arg-type]
    assert c.hits.equals(b.hits)


def test_planted_sites_found_with_many_mismatches() -> None:
    """NN-rich arrays: sites with 6+ mismatches pass TALE-NT's 3*B and are found (a
    mismatch cap would lose them)."""
    rvds = tuple("NN NN NG NN NI NI NN HD NI HD HD NG NN HD NG NN NI NN".split())
    m = get_model("tale-nt")
    best = "GGTGAAGCACCTGCTGAG"
    site = list(best)
    for i, r in enumerate(rvds):  # NN -> A (weak) at every NN
        if r == "NN":
            site[i] = "A"
    site_s = "".join(site)
    mm = sum(1 for a, b in zip(site_s, best, strict=True) if a != b)
    assert mm >= 6
    rng = np.random.default_rng(5)
    bg = "".join(rng.choice(list("ACGT"), size=3000))
    seq = bg[:1000] + "T" + site_s + bg[1000:2000] + "T" + best + bg[2000:]
    pk = PackedGenome.from_sequences({"g": seq})
    h = scan_scored(pk, [m.score_query(rvds)], backend="numba")
    plus = {int(g) for g, s in zip(h.hits.gpos, h.hits.strand, strict=True) if s == 1}
    assert {1001, 2020} <= plus


def _talent_scorer(rvds: tuple[str, ...], seq: str, k: float) -> bool:
    """TALE-NT 2.0's rule written out by hand (running sum against the lookahead bound)."""
    def s(r: str, b: str) -> float:
        c = TALENT_COUNTS.get(r, (1, 1, 1, 1))
        tot = sum(c)
        return -1.0 * math.log(0.9 * c["ACGT".index(b)] / tot + (1.0 - 0.9) / 4.0)

    mins = [min(s(r, b) for b in "ACGT") for r in rvds]
    best = 0.0
    for v in mins:
        best += v
    look = [0.0] * len(rvds)
    look[-1] = k * best
    for i in range(len(rvds) - 2, -1, -1):
        look[i] = look[i + 1] - mins[i + 1]
    tot = 0.0
    for j, (r, b) in enumerate(zip(rvds, seq, strict=True)):
        if b not in "ACGT":
            return False
        tot += s(r, b)
        if tot > look[j]:
            return False
    return True


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([3.0, 3.5, 4.0]))
def test_talent_definition_matches_hand_scorer(seed: int, k: float) -> None:
    rng = np.random.default_rng(seed)
    rvds = tuple(rng.choice(RVDS, p=RVD_P, size=int(rng.integers(8, 25))))
    m = get_model("tale-nt").with_cutoff(k)  # type: ignore[attr-defined]
    sq = m.score_query(rvds)
    seqs = ["".join(rng.choice(list("ACGT"), size=len(rvds))) for _ in range(200)]
    seqs.append("".join(_best_bases(rvds, rng, 3)))
    codes = np.array([["ACGT".index(c) for c in s] for s in seqs], dtype=np.uint8)
    hit, _ = exact_costs(sq, codes, np.full(len(seqs), 3, np.uint8))
    want = [_talent_scorer(rvds, s, k) for s in seqs]
    assert hit.tolist() == want


def test_score_query_validates() -> None:
    m = get_model("tale-nt")
    sq = m.score_query(("HD",) * 10)
    assert sq.final_bound == pytest.approx(3.0 * m.best_score(("HD",) * 10))
    with pytest.raises(ValueError):
        type(sq)(np.zeros((3, 3)), np.zeros(3), np.zeros(5), 1.0, np.zeros(3, np.uint8))


def test_backend_choice_is_explicit() -> None:
    from taleforge.errors import BackendError, InputError

    pk = PackedGenome.from_sequences({"g": "ACGT" * 200})
    sq = get_model("tale-nt").score_query(("HD", "NI", "NG", "NN") * 3)
    for bad in ("seedtable", "dask"):
        with pytest.raises(BackendError, match="mismatch mode only"):
            scan_scored(pk, [sq], backend=bad)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="unknown scan backend"):
        scan_scored(pk, [sq], backend="gpu")  # type: ignore[arg-type]
    a = scan_scored(pk, [sq], backend="bitparallel")
    assert a.hits.equals(scan_scored(pk, [sq], backend="reference").hits)


def test_runaway_query_is_refused_up_front() -> None:
    from taleforge.engine.scored import expected_hit_fraction
    from taleforge.errors import ParameterError

    sq = get_model("tale-nt").score_query(("NN",) * 8)  # every T-preceded window passes
    assert expected_hit_fraction(sq) == pytest.approx(0.25, abs=0.01)
    # a genome bigger than one streamed block (planes only: nothing is scanned)
    n_words = (1 << 19) + 2048
    z = np.zeros(n_words, dtype=np.uint64)
    big = PackedGenome(("g",), np.array([n_words * 64 - 64]), np.array([0]), z, z, z, z)
    with pytest.raises(ParameterError, match=r"would pass about 2[45]\.[0-9]% of all windows"):
        scan_scored(big, [sq], backend="reference")
    small = PackedGenome.from_sequences({"g": "ACGT" * 500})  # a small genome is fine
    assert len(scan_scored(small, [sq], backend="reference")) > 0
    # the estimate is an upper bound of what a random genome shows
    rng = np.random.default_rng(1)
    rnd = PackedGenome.from_sequences({"g": "".join(rng.choice(list("ACGT"), size=200_000))})
    sq2 = get_model("tale-nt").with_cutoff(3.5).score_query(  # type: ignore[attr-defined]
        tuple("NN NG NG HD NN NN NG NI NN NN HD NG HD NG NN NN HD NG".split()))
    seen = len(scan_scored(rnd, [sq2], backend="numba", strands="+")) / 200_000
    assert 0.5 * expected_hit_fraction(sq2) < seen <= 1.2 * expected_hit_fraction(sq2)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([1, 2]))
def test_anchored_long_arrays_and_mixed_filters(seed: int, min_rows: int) -> None:
    """Arrays of 25-45 repeats (the 64-bit stretch path beyond 31), queries with different
    position-0 rules in one call (some rows anchored, others plain): equal to the reference."""
    import taleforge.engine.scored as scored

    rng = np.random.default_rng(seed)
    m = get_model("tale-nt").with_cutoff(4.5)  # type: ignore[attr-defined]
    arrays = [tuple(rng.choice(RVDS[:4], size=int(rng.integers(25, 46)))) for _ in range(3)]
    seqs = _genome(rng, int(rng.integers(1, 4)), _best_bases(arrays[0], rng, 2))
    pk = PackedGenome.from_sequences(seqs)
    qs = [m.score_query(a, p0) for a, p0 in zip(arrays, ("T", "TC", None), strict=True)]
    qs.append(m.score_query(arrays[1], "T"))
    base = scored.SCORED_SCAN_PARAMS
    # a 2-hit result buffer: overflowing chunks are rerun with room for all their hits
    scored.SCORED_SCAN_PARAMS = base.override({"anchored_min_rows": min_rows,
                                               "buffer_hits_per_chunk": 2,
                                               "buffer_expected_factor": 0.0})
    try:
        a = scan_scored(pk, qs, backend="numba")
        c = scan_scored(pk, qs, backend="numba", workers=1)
    finally:
        scored.SCORED_SCAN_PARAMS = base
    b = scan_scored(pk, qs, backend="reference")
    event(f"hits: {'none' if len(b) == 0 else 'some'}")
    assert a.hits.equals(b.hits) and np.array_equal(a.cost, b.cost)
    assert c.hits.equals(b.hits)

"""Half-site scan: numba kernel vs. numpy reference, planted sites, validation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from taleforge.engine.scan import (
    HitTable,
    expected_hits,
    query_masks,
    scan_halfsites,
)
from taleforge.errors import InputError, ParameterError, RegionError
from taleforge.genome.packed import PackedGenome
from taleforge.model.interval import reverse_complement
from taleforge.model.rvd import RVD_MATCHES, rvds_for_sequence

RVDS = sorted(RVD_MATCHES)
SINGLE = {"A": "NI", "C": "HD", "G": "NH", "T": "NG"}


def _site_of(q: tuple[str, ...], pos0: str | None) -> str:
    """A + strand site that ``q`` binds with no mismatch, behind an allowed position 0."""
    return (pos0 or "T")[0] + "".join(RVD_MATCHES[r][0] for r in q)


def _genome(seqs: dict[str, str]) -> PackedGenome:
    return PackedGenome.from_sequences(seqs)


def _both(packed: PackedGenome, queries, ks, **kw) -> tuple[HitTable, HitTable]:  # type: ignore[no-untyped-def]
    b = scan_halfsites(packed, queries, ks, backend="reference", **kw)
    a = scan_halfsites(packed, queries, ks, backend="numba", **kw)
    for mode in ("bitparallel", "seedtable"):  # each numba path alone
        c = scan_halfsites(packed, queries, ks, backend=mode, **kw)
        assert c.equals(b), mode
    return a, b


contig = st.text(alphabet="ACGTNacgt", min_size=0, max_size=260)
genomes = st.lists(contig, min_size=1, max_size=4)
# bias towards single-base RVDs (as designs use) but include the degenerate ones
rvd = st.one_of(st.sampled_from(["NI", "HD", "NG", "NH"]), st.sampled_from(RVDS))
query = st.lists(rvd, min_size=8, max_size=24).map(tuple)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    genomes,
    st.lists(query, min_size=1, max_size=3),
    st.data(),
    st.sampled_from([None, "T", "CT", "ACGT"]),
    st.sampled_from(["both", "+", "-"]),
)
def test_kernel_matches_reference(seqs, queries, data, pos0, strands) -> None:  # type: ignore[no-untyped-def]
    plant = data.draw(st.booleans())
    if plant:  # not vacuous: half the examples carry a site of query 0 (found on "+")
        site = _site_of(queries[0], pos0)
        seqs = [seqs[0][:50] + site + seqs[0][50:], *seqs[1:]]
    packed = _genome({f"c{i}": s for i, s in enumerate(seqs)})
    ks = [data.draw(st.integers(0, min(5, (len(q) - 1) // 2))) for q in queries]
    a, b = _both(packed, queries, ks, pos0_bases=pos0, strands=strands)
    assert a.equals(b)
    if plant and strands != "-":
        assert len(b) > 0
    event(f"hits: {'0' if len(b) == 0 else '1+'}")


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([None, "T"]))
def test_kernel_matches_reference_repetitive(seed: int, pos0: str | None) -> None:
    """Low-complexity genomes give many hits per word (and per chunk)."""
    rng = np.random.default_rng(seed)
    unit = "".join(rng.choice(list("ACGT"), size=int(rng.integers(1, 5))))
    seqs = {
        "rep": (unit * 400)[:1500],
        "rnd": "".join(rng.choice(list("ACGTN"), p=[0.3, 0.2, 0.2, 0.25, 0.05], size=700)),
    }
    site = (unit * 10)[:12]
    q = [rvds_for_sequence(site), rvds_for_sequence(reverse_complement(site), g_rvd="NN")]
    a, b = _both(_genome(seqs), q, [2, 3], pos0_bases=pos0)
    assert a.equals(b)
    if pos0 is None:
        assert len(a) > 0


def test_chunk_overflow_retry() -> None:
    """A chunk with far more hits than its buffer is rerun, nothing is lost."""
    packed = _genome({"a": "A" * 5000, "b": "ACGT" * 50})
    q = [("NI",) * 10]
    a, b = _both(packed, q, 0)
    assert a.equals(b)
    assert int((a.strand == 1).sum()) == 5000 - 10 + 1


def _plant(rng: np.random.Generator, L: int, n_mm: int) -> tuple[str, str]:
    site = "".join(rng.choice(list("ACGT"), size=L))
    seq = list(site)
    for i in rng.choice(L, size=n_mm, replace=False):
        seq[i] = rng.choice([b for b in "ACGT" if b != seq[i]])
    return site, "".join(seq)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(8, 40), st.integers(0, 4), st.booleans())
def test_planted_site_found(seed: int, L: int, n_mm: int, minus: bool) -> None:
    rng = np.random.default_rng(seed)
    n_mm = min(n_mm, (L - 1) // 2)
    site, planted = _plant(rng, L, n_mm)
    pos0 = "T"
    bound = "T" + planted
    top = reverse_complement(bound) if minus else bound
    left = "".join(rng.choice(list("ACGT"), size=int(rng.integers(0, 150))))
    right = "".join(rng.choice(list("ACGT"), size=int(rng.integers(0, 150))))
    packed = _genome({"x": "ACGT" * 3, "y": left + top + right})
    q = rvds_for_sequence(site, g_rvd="NH")
    hits = scan_halfsites(packed, [q], n_mm, pos0_bases=pos0, backend="numba")
    off = int(packed.offsets[1])
    gpos = off + len(left) + (0 if minus else 1)
    strand = -1 if minus else 1
    sel = (hits.gpos == gpos) & (hits.strand == strand)
    assert sel.sum() == 1
    assert int(hits.mismatches[sel][0]) == n_mm


@settings(max_examples=30, deadline=None)
@given(genomes, query, st.integers(0, 3), st.sampled_from([None, "T", "AC"]))
def test_reverse_complement_mirrors_hits(seqs, q, k, pos0) -> None:  # type: ignore[no-untyped-def]
    k = min(k, (len(q) - 1) // 2)
    seqs = [s.upper() for s in seqs]
    seqs[0] = seqs[0][:30] + _site_of(q, pos0) + seqs[0][30:]  # never two empty hit sets
    fwd = _genome({f"c{i}": s for i, s in enumerate(seqs)})
    rev = _genome({f"c{i}": reverse_complement(s) for i, s in enumerate(seqs)})
    a = scan_halfsites(fwd, [q], k, pos0_bases=pos0, backend="numba")
    b = scan_halfsites(rev, [q], k, pos0_bases=pos0, backend="numba")
    ci, local = fwd.to_local(a.gpos)
    L = len(q)
    mirrored = fwd.offsets[ci] + fwd.lengths[ci] - local - L
    m = HitTable.from_arrays(a.query, mirrored, -a.strand, a.mismatches)
    assert len(a) > 0
    assert m.equals(b)


@pytest.mark.parametrize("mode", ["auto", "bitparallel", "seedtable"])
def test_regions_partition_the_scan(mode: str) -> None:
    rng = np.random.default_rng(7)
    seqs = {f"c{i}": "".join(rng.choice(list("ACGT"), size=n)) for i, n in enumerate([900, 40, 700])}
    packed = _genome(seqs)
    q = [rvds_for_sequence("ACGTACGTAC"), ("NI", "NN", "HD", "NG") * 3]
    fast = "numba" if mode == "auto" else mode
    full = scan_halfsites(packed, q, [3, 4], backend=mode)  # type: ignore[arg-type]
    cuts = [0, 64, 100, 1000, 1025, packed.total_bits]
    parts = [
        scan_halfsites(packed, q, [3, 4], region=(a, b), backend=be)  # type: ignore[arg-type]
        for (a, b), be in zip(
            itertools.pairwise(cuts), [fast, "reference"] * 2 + [fast], strict=True
        )
    ]
    assert HitTable.concat(parts).equals(full)
    assert full.equals(scan_halfsites(packed, q, [3, 4], backend="reference"))
    assert len(full) > 0


@pytest.mark.parametrize("mode", ["bitparallel", "seedtable"])
def test_workers_and_determinism(mode: str) -> None:
    rng = np.random.default_rng(3)
    packed = _genome({"c": "".join(rng.choice(list("ACGT"), size=200_000))})
    q = [rvds_for_sequence("".join(rng.choice(list("ACGT"), size=12))) for _ in range(3)]
    a = scan_halfsites(packed, q, 3, workers=1, backend=mode)  # type: ignore[arg-type]
    b = scan_halfsites(packed, q, 3, workers=2, backend=mode)  # type: ignore[arg-type]
    assert a.equals(b)
    assert len(a) > 0
    assert np.all(np.diff(a.query) >= 0)
    assert a.equals(scan_halfsites(packed, q, 3, backend="reference"))


def test_query_masks() -> None:
    m = query_masks(("NI", "HD", "NN", "NG", "NH", "N*"))
    assert m.tolist() == [1, 2, 5, 8, 4, 10]


def test_hittable_concat_sorts_and_dedups() -> None:
    a = HitTable.from_arrays(np.array([1, 0]), np.array([5, 9]), np.array([1, -1]), np.array([0, 1]))
    b = HitTable.from_arrays(np.array([0]), np.array([9]), np.array([-1]), np.array([1]))
    c = HitTable.concat([a, b])
    assert c.query.tolist() == [0, 1]
    assert c.gpos.tolist() == [9, 5]
    assert len(HitTable.concat([])) == 0


def test_expected_hits_formula() -> None:
    m = query_masks(("NI",) * 10)
    assert expected_hits(m, 0, 4**10, n_strands=1) == pytest.approx(1.0)


def test_validation_errors() -> None:
    packed = _genome({"c": "ACGT" * 100})
    good = ("NI",) * 10
    with pytest.raises(InputError, match="RVD"):
        scan_halfsites(packed, [("NI", "XX") * 5], 1)
    with pytest.raises(InputError, match="allowed"):
        scan_halfsites(packed, [("NI",) * 7], 1)
    with pytest.raises(InputError, match="allowed"):
        scan_halfsites(packed, [("NI",) * 41], 1)
    with pytest.raises(ParameterError, match="too permissive"):
        scan_halfsites(packed, [good], 5)
    with pytest.raises(ParameterError):
        scan_halfsites(packed, [good, good], [1])
    with pytest.raises(InputError, match="position-0"):
        scan_halfsites(packed, [good], 1, pos0_bases="X")
    with pytest.raises(RegionError):
        scan_halfsites(packed, [good], 1, region=(10, 5))
    with pytest.raises(InputError):
        scan_halfsites(packed, [], 1)
    with pytest.raises(ParameterError):
        scan_halfsites(packed, [good], 1, workers=0)


def test_refuses_whole_genome_scans() -> None:
    big = PackedGenome(
        ("c",),
        np.array([3_000_000_000]),
        np.array([0]),
        np.zeros(1, np.uint64),
        np.zeros(1, np.uint64),
        np.zeros(1, np.uint64),
        np.zeros(1, np.uint64),
    )
    with pytest.raises(ParameterError, match="random hits") as exc:
        scan_halfsites(big, [("NI",) * 12], 5)
    assert exc.value.hint is not None and "max_mismatches <=" in exc.value.hint


def test_progress_reported() -> None:
    calls: list[tuple[str, int, int | None]] = []
    packed = _genome({"c": "ACGT" * 100})
    scan_halfsites(packed, [("NI",) * 10], 1, progress=lambda t, d, n: calls.append((t, d, n)))
    assert calls and calls[-1][1] == calls[-1][2]

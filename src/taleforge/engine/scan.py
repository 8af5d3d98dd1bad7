"""Exhaustive genome-wide half-site scan (TALE array vs. every window, both strands).

Every window start of the packed genome is tested against every query on the requested
strands; a window is a hit when at most ``k`` bound positions hold a base the RVD does not
match (degenerate matching from :data:`taleforge.model.rvd.RVD_MATCHES`). No seeds, no
heuristics: the fast kernel is bit-parallel and exact.

Fast kernel (numba)
    The genome is cut into chunks of ``CHUNK_WORDS`` 64-bit words (parallel ``prange``).
    For each chunk, one bit-plane per used base mask ("this position holds a base in mask
    m", N excluded) is built once and stays in cache while *all* queries run over it. For a
    query and a word, the 64 lanes are the 64 window starts ``64*w .. 64*w+63``; query
    position ``j`` needs the plane shifted by ``j`` (a funnel shift of two words). Mismatch
    counts are kept as a unary bit-sliced saturating counter ``G[e]`` = "lanes with >= e
    mismatches" (``e = 1..k+1``); a word is abandoned as soon as ``G[k+1]`` is all ones,
    which for random sequence happens after ~8-14 positions. Positions are visited most
    specific mask first. The reverse strand is the reverse-complemented query run against
    the same planes. Survivors are checked for N in the window and written to per-chunk
    buffers; chunks that overflow are rerun with a larger buffer.

Seed-table path (numba), for batches: a lossless pigeonhole filter (see the section
"pigeonhole path" below); each candidate window is verified in full.

Reference (numpy): :mod:`taleforge.engine.scan_reference`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from taleforge.errors import BackendError, InputError, ParameterError, RegionError
from taleforge.genome.packed import WORD_BITS, PackedGenome
from taleforge.model.params import Param, ParamTable, register_table
from taleforge.model.rvd import RVD_MATCHES, check_array_length, parse_rvds
from taleforge.progress import ProgressCallback, report

from .hits import HitTable
from .kernel_util import (
    _NUMBA_ERROR,
    _raw_concat,
    _renamed,
    _select,
    _sh,
    fill_mask_planes,
    numba,
    numba_available,
)
from .scan_reference import COMP_MASK, RawHits, reference_scan
from .seedtable import _pigeon_plan, _pigeon_run

if numba is not None:
    from numba import njit, prange

__all__ = [
    "SCAN_PARAMS",
    "HitTable",
    "expected_hits",
    "numba_available",
    "query_masks",
    "scan_halfsites",
]

SCAN_PARAMS = register_table(
    ParamTable(
        name="halfsite_scan",
        version="1",
        params=(
            Param(
                "max_expected_hits",
                1e7,
                "hits per genome",
                "engine memory/time guard (issue 3)",
                "U",
                "refuse a scan expected to return more random hits than this",
            ),
            Param(
                "max_mismatch_fraction",
                0.5,
                "fraction of RVDs",
                "engine guard (issue 3)",
                "U",
                "refuse max_mismatches >= this fraction of the array length",
            ),
            Param(
                "auto_reference_max_work",
                2e6,
                "genome bp x queries",
                "measured: numpy reference ~250 ns per bp-query vs a one-off numba "
                "compile of 20-150 s",
                "U",
                "backend='auto' uses the numpy reference for scans at most this large "
                "(e.g. the built-in 16.6-kb chrM), so small jobs never wait for a compile",
            ),
            Param(
                "chunk_words",
                1024,
                "64-bit words",
                "cache-size tuning (benchmarks/bench_scan_synthetic.py)",
                "U",
                "genome words per parallel work item (64 Kbp)",
            ),
            Param(
                "call_words",
                1 << 19,
                "64-bit words",
                "progress granularity (32 Mbp per kernel call)",
                "U",
                "genome words per kernel call (one progress step)",
            ),
        ),
    )
)

BASE_BIT = {"A": 1, "C": 2, "G": 4, "T": 8}
#: mismatch-mode backends: "auto" (cost model picks bit-parallel and/or the seed table; the
#: numpy reference for tiny scans), "bitparallel", "seedtable" (every eligible query in the
#: seed table), "reference" (numpy), "numba" (= "auto" on the numba kernels); "dask" is
#: :func:`taleforge.engine.distributed.scan_distributed`
Backend = Literal["auto", "numba", "bitparallel", "seedtable", "reference"]
MISMATCH_BACKENDS = ("auto", "numba", "bitparallel", "seedtable", "reference")
StrandSel = Literal["both", "+", "-"]


# --------------------------------------------------------------------------- validation


def query_masks(rvds: tuple[str, ...]) -> NDArray[np.uint8]:
    """Per-position 4-bit mask of the bases each RVD matches (A=1, C=2, G=4, T=8)."""
    out = np.zeros(len(rvds), dtype=np.uint8)
    for i, r in enumerate(rvds):
        try:
            bases = RVD_MATCHES[r]
        except KeyError:
            raise InputError(
                f"invalid RVD {r!r} at repeat {i + 1}",
                hint="valid RVDs: " + ", ".join(RVD_MATCHES),
            ) from None
        for b in bases:
            out[i] |= BASE_BIT[b]
    return out


def _parse_query(q: Sequence[str] | str, idx: int) -> tuple[str, ...]:
    if isinstance(q, str):
        rvds = parse_rvds(q)
    else:
        rvds = tuple(str(r).upper() for r in q)
        for i, r in enumerate(rvds, start=1):
            if r not in RVD_MATCHES:
                raise InputError(
                    f"invalid RVD {r!r} at repeat {i} of query {idx + 1}",
                    hint="valid RVDs: " + ", ".join(RVD_MATCHES),
                )
    check_array_length(rvds)
    return rvds


def _pos0_mask(pos0_bases: str | None) -> int:
    if pos0_bases is None:
        return 0
    s = pos0_bases.strip().upper()
    if not s or any(b not in BASE_BIT for b in s):
        raise InputError(
            f"invalid position-0 bases {pos0_bases!r}",
            hint="give a non-empty set of A/C/G/T, e.g. 'T' or 'CT' (or None for no filter)",
        )
    m = 0
    for b in s:
        m |= BASE_BIT[b]
    return m


def _p_at_most(match_p: NDArray[np.float64], k: int) -> float:
    """P(at most k mismatches) for independent positions with match probabilities ``match_p``."""
    dist = np.zeros(k + 2)
    dist[0] = 1.0
    for p in match_p:
        new = dist * p
        new[1:] += dist[:-1] * (1 - p)
        new[-1] += dist[-1] * (1 - p)  # saturate
        dist = new
    return float(dist[: k + 1].sum())


def expected_hits(
    masks: NDArray[np.uint8], k: int, genome_bp: int, *, n_strands: int = 2, pos0_mask: int = 0
) -> float:
    """Expected random hits of one query on a uniform random genome of ``genome_bp`` bases."""
    pop = np.array([bin(int(m)).count("1") for m in masks], dtype=np.float64) / 4.0
    p0 = bin(pos0_mask).count("1") / 4.0 if pos0_mask else 1.0
    return genome_bp * n_strands * p0 * _p_at_most(pop, k)


def _validate(
    packed: PackedGenome,
    queries: Sequence[Sequence[str] | str],
    max_mismatches: int | Sequence[int],
    pos0_mask: int,
    n_strands: int,
) -> tuple[list[NDArray[np.uint8]], list[int], float]:
    if len(queries) == 0:
        raise InputError("no queries to scan", hint="give at least one RVD array")
    rvds = [_parse_query(q, i) for i, q in enumerate(queries)]
    masks = [query_masks(r) for r in rvds]
    if isinstance(max_mismatches, int | np.integer):
        ks = [int(max_mismatches)] * len(masks)
    else:
        ks = [int(k) for k in max_mismatches]
        if len(ks) != len(masks):
            raise ParameterError(
                f"{len(ks)} mismatch limits for {len(masks)} queries",
                hint="give one max_mismatches per query, or a single int for all",
            )
    frac = float(SCAN_PARAMS["max_mismatch_fraction"])
    limit = float(SCAN_PARAMS["max_expected_hits"])
    total = 0.0
    for i, (m, k) in enumerate(zip(masks, ks, strict=True)):
        L = int(m.size)
        if k < 0:
            raise ParameterError(
                f"max_mismatches {k} for query {i + 1} is negative", hint="use 0 or more"
            )
        if k >= frac * L:
            raise ParameterError(
                f"max_mismatches {k} is too permissive for a {L}-RVD array (query {i + 1})",
                hint=f"use max_mismatches < {math.ceil(frac * L)} for {L} RVDs",
            )
        e = expected_hits(m, k, packed.genome_size, n_strands=n_strands, pos0_mask=pos0_mask)
        if e > limit:
            ok = max(
                (kk for kk in range(k) if expected_hits(
                    m, kk, packed.genome_size, n_strands=n_strands, pos0_mask=pos0_mask
                ) <= limit),
                default=None,
            )
            raise ParameterError(
                f"max_mismatches {k} for query {i + 1} ({L} RVDs) would return about "
                f"{e:.3g} random hits on this {packed.genome_size:,}-bp genome",
                hint=(f"use max_mismatches <= {ok}" if ok is not None else "use a longer array")
                + f" (limit {limit:.0e} expected hits)",
            )
        total += e
    return masks, ks, total


# --------------------------------------------------------------------------- numba kernel

VEC4 = 8  # scan 8 (then 4) words at a time (independent chains; SIMD-friendly)
NMASK_ROW = 16  # plane row holding the N mask (rows 1..15 are base-mask planes)





if numba is not None:
    _ONES = np.uint64(0xFFFFFFFFFFFFFFFF)

    @njit(nogil=True, cache=True, inline="always")
    def _bits(v: int, b: int) -> Any:  # pragma: no cover - compiled
        return np.uint64(0xFFFFFFFFFFFFFFFF) if (v >> b) & 1 else np.uint64(0)

    @njit(nogil=True, cache=True)
    def _word3(  # pragma: no cover - compiled
        P: Any, t: int, pj: Any, pm: Any, off: int, L: int, init: int, dead: Any
    ) -> Any:
        """3-bit bit-sliced mismatch counters (k <= 6) for the 64 lanes of word ``t``.

        Counters start at ``init = 8 - (k+1)``; a carry out of the top bit means more than
        ``k`` mismatches and marks the lane dead."""
        ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
        c0 = _bits(init, 0)
        c1 = _bits(init, 1)
        c2 = _bits(init, 2)
        for i in range(L):
            x = _sh(P, pm[off + i], t, pj[off + i])
            y = c0 & x
            c0 ^= x
            z = c1 & y
            c1 ^= y
            dead |= c2 & z
            c2 ^= z
            if dead == ONES:
                break
        return dead, c0, c1, c2, np.uint64(0), np.uint64(0)

    @njit(nogil=True, cache=True, inline="always")
    def _shp(P: Any, m: int, t: int, uj: Any) -> Any:  # pragma: no cover - compiled
        """As :func:`_sh` for a non-negative shift ``uj`` (uint64), branch-free."""
        return (P[m, t] >> uj) | ((P[m, t + 1] << np.uint64(1)) << (np.uint64(63) - uj))

    @njit(nogil=True, cache=True)
    def _word3x4(  # pragma: no cover - compiled
        P: Any, t: int, pj: Any, pm: Any, off: int, L: int, init: int,
        d0: Any, d1: Any, d2: Any, d3: Any,
    ) -> Any:
        """:func:`_word3` for 4 consecutive words at once (independent chains, SIMD-able)."""
        ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
        a0 = _bits(init, 0)
        a1 = _bits(init, 1)
        a2 = _bits(init, 2)
        b0, b1, b2 = a0, a1, a2
        c0, c1, c2 = a0, a1, a2
        e0, e1, e2 = a0, a1, a2
        for i in range(L):
            m = pm[off + i]
            uj = np.uint64(pj[off + i])
            x = _shp(P, m, t, uj)
            y = a0 & x
            a0 ^= x
            z = a1 & y
            a1 ^= y
            d0 |= a2 & z
            a2 ^= z
            x = _shp(P, m, t + 1, uj)
            y = b0 & x
            b0 ^= x
            z = b1 & y
            b1 ^= y
            d1 |= b2 & z
            b2 ^= z
            x = _shp(P, m, t + 2, uj)
            y = c0 & x
            c0 ^= x
            z = c1 & y
            c1 ^= y
            d2 |= c2 & z
            c2 ^= z
            x = _shp(P, m, t + 3, uj)
            y = e0 & x
            e0 ^= x
            z = e1 & y
            e1 ^= y
            d3 |= e2 & z
            e2 ^= z
            if (d0 & d1 & d2 & d3) == ONES:
                break
        return d0, d1, d2, d3, a0, a1, a2, b0, b1, b2, c0, c1, c2, e0, e1, e2

    @njit(nogil=True, cache=True)
    def _word3x8(  # pragma: no cover - compiled
        P: Any, t: int, pj: Any, pm: Any, off: int, L: int, init: int,
        d0: Any, d1: Any, d2: Any, d3: Any, d4: Any, d5: Any, d6: Any, d7: Any,
    ) -> Any:
        """:func:`_word3` for 8 consecutive words at once (independent chains, SIMD-able)."""
        ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
        i0 = _bits(init, 0)
        i1 = _bits(init, 1)
        i2 = _bits(init, 2)
        a0, b0, c0 = i0, i1, i2
        a1, b1, c1 = i0, i1, i2
        a2, b2, c2 = i0, i1, i2
        a3, b3, c3 = i0, i1, i2
        a4, b4, c4 = i0, i1, i2
        a5, b5, c5 = i0, i1, i2
        a6, b6, c6 = i0, i1, i2
        a7, b7, c7 = i0, i1, i2
        for i in range(L):
            m = pm[off + i]
            uj = np.uint64(pj[off + i])
            x = _shp(P, m, t + 0, uj)
            y = a0 & x
            a0 ^= x
            z = b0 & y
            b0 ^= y
            d0 |= c0 & z
            c0 ^= z
            x = _shp(P, m, t + 1, uj)
            y = a1 & x
            a1 ^= x
            z = b1 & y
            b1 ^= y
            d1 |= c1 & z
            c1 ^= z
            x = _shp(P, m, t + 2, uj)
            y = a2 & x
            a2 ^= x
            z = b2 & y
            b2 ^= y
            d2 |= c2 & z
            c2 ^= z
            x = _shp(P, m, t + 3, uj)
            y = a3 & x
            a3 ^= x
            z = b3 & y
            b3 ^= y
            d3 |= c3 & z
            c3 ^= z
            x = _shp(P, m, t + 4, uj)
            y = a4 & x
            a4 ^= x
            z = b4 & y
            b4 ^= y
            d4 |= c4 & z
            c4 ^= z
            x = _shp(P, m, t + 5, uj)
            y = a5 & x
            a5 ^= x
            z = b5 & y
            b5 ^= y
            d5 |= c5 & z
            c5 ^= z
            x = _shp(P, m, t + 6, uj)
            y = a6 & x
            a6 ^= x
            z = b6 & y
            b6 ^= y
            d6 |= c6 & z
            c6 ^= z
            x = _shp(P, m, t + 7, uj)
            y = a7 & x
            a7 ^= x
            z = b7 & y
            b7 ^= y
            d7 |= c7 & z
            c7 ^= z
            if (d0 & d1 & d2 & d3 & d4 & d5 & d6 & d7) == ONES:
                break
        return (
            d0, d1, d2, d3, d4, d5, d6, d7,
            a0, b0, c0,
            a1, b1, c1,
            a2, b2, c2,
            a3, b3, c3,
            a4, b4, c4,
            a5, b5, c5,
            a6, b6, c6,
            a7, b7, c7,
        )

    @njit(nogil=True, cache=True)
    def _word5(  # pragma: no cover - compiled
        P: Any, t: int, pj: Any, pm: Any, off: int, L: int, init: int, dead: Any
    ) -> Any:
        """As :func:`_word3` with 5-bit counters (k <= 30)."""
        ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
        c0 = _bits(init, 0)
        c1 = _bits(init, 1)
        c2 = _bits(init, 2)
        c3 = _bits(init, 3)
        c4 = _bits(init, 4)
        for i in range(L):
            x = _sh(P, pm[off + i], t, pj[off + i])
            y = c0 & x
            c0 ^= x
            z = c1 & y
            c1 ^= y
            y = c2 & z
            c2 ^= z
            z = c3 & y
            c3 ^= y
            dead |= c4 & z
            c4 ^= z
            if dead == ONES:
                break
        return dead, c0, c1, c2, c3, c4

    @njit(nogil=True, cache=True, inline="always")
    def _dead0(  # pragma: no cover - compiled
        P: Any, t: int, w0: int, rstart: int, rend: int, p0m: int, p0o: int
    ) -> Any:
        """Lanes of word ``t`` excluded before scanning: outside the region, or failing the
        position-0 filter."""
        ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
        gw = (w0 - 1 + t) * 64
        dead = np.uint64(0)
        if gw < rstart:
            dead = ONES >> np.uint64(64 - (rstart - gw))
        if gw + 64 > rend:
            d = rend - gw
            if d <= 0:
                dead = ONES
            else:
                dead |= ONES << np.uint64(d)
        if p0m != 0:
            dead |= _sh(P, p0m, t, p0o)
        return dead

    @njit(nogil=True, cache=True)
    def _emit(  # pragma: no cover - compiled
        P: Any, t: int, w0: int, L: int, dead: Any,
        c0: Any, c1: Any, c2: Any, c3: Any, c4: Any, init: int,
        cap: int, base: int, cnt: int, q: int, strand: int,
        out_q: Any, out_p: Any, out_s: Any, out_m: Any,
    ) -> int:
        """Write the surviving lanes of word ``t`` (no N in the window); returns the count."""
        alive = ~dead
        nwin = np.uint64(0)
        for j in range(L):
            nwin |= _sh(P, NMASK_ROW, t, j)
        alive &= ~nwin
        if alive == np.uint64(0):
            return cnt
        gw = (w0 - 1 + t) * 64
        one = np.uint64(1)
        for b in range(64):
            ub = np.uint64(b)
            if (alive >> ub) & one:
                if cnt < cap:
                    val = (
                        np.int64((c0 >> ub) & one)
                        + 2 * np.int64((c1 >> ub) & one)
                        + 4 * np.int64((c2 >> ub) & one)
                        + 8 * np.int64((c3 >> ub) & one)
                        + 16 * np.int64((c4 >> ub) & one)
                    )
                    out_q[base + cnt] = q
                    out_p[base + cnt] = gw + b
                    out_s[base + cnt] = strand
                    out_m[base + cnt] = val - init
                cnt += 1
        return cnt

    @njit(parallel=True, nogil=True, cache=True)
    def _scan_chunks(  # pragma: no cover - compiled
        lo: Any, hi: Any, nm: Any,
        chunk_w0: Any, chunk_nw: Any, rstart: int, rend: int,
        oq_off: Any, oq_len: Any, oq_k: Any, oq_p0mask: Any, oq_p0off: Any,
        oq_strand: Any, oq_query: Any, pj: Any, pm: Any, used_masks: Any,
        cap: int, out_q: Any, out_p: Any, out_s: Any, out_m: Any, counts: Any, vec4: int,
    ) -> None:
        """Scan chunks (parallel). Plane rows 1..15 hold *mismatch* bits per base mask
        (1 = the base is not in the mask, or N, or outside the genome); row 16 the N mask."""
        ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
        ZERO = np.uint64(0)
        nchunks = chunk_w0.size
        noq = oq_off.size
        for ci in prange(nchunks):
            w0 = chunk_w0[ci]
            nw = chunk_nw[ci]
            P = np.empty((NMASK_ROW + 1, nw + 2), dtype=np.uint64)
            # rows 1..15: mismatch planes (negated base masks); row 16: the N mask
            fill_mask_planes(lo, hi, nm, w0, nw, used_masks, P, True)
            cnt = 0
            base = ci * cap
            for o in range(noq):
                k = oq_k[o]
                off = oq_off[o]
                L = oq_len[o]
                p0m = oq_p0mask[o]
                p0o = oq_p0off[o]
                nbits = 3 if k <= 6 else 5
                init = (1 << nbits) - (k + 1)
                oq_q = oq_query[o]
                oq_s = oq_strand[o]
                t = 1
                while t <= nw:
                    if vec4 >= 8 and nbits == 3 and t + 7 <= nw:
                        d0 = _dead0(P, t + 0, w0, rstart, rend, p0m, p0o)
                        d1 = _dead0(P, t + 1, w0, rstart, rend, p0m, p0o)
                        d2 = _dead0(P, t + 2, w0, rstart, rend, p0m, p0o)
                        d3 = _dead0(P, t + 3, w0, rstart, rend, p0m, p0o)
                        d4 = _dead0(P, t + 4, w0, rstart, rend, p0m, p0o)
                        d5 = _dead0(P, t + 5, w0, rstart, rend, p0m, p0o)
                        d6 = _dead0(P, t + 6, w0, rstart, rend, p0m, p0o)
                        d7 = _dead0(P, t + 7, w0, rstart, rend, p0m, p0o)
                        if (d0 & d1 & d2 & d3 & d4 & d5 & d6 & d7) != ONES:
                            r = _word3x8(P, t, pj, pm, off, L, init, d0, d1, d2, d3, d4, d5, d6, d7)
                            if r[0] != ONES:
                                cnt = _emit(P, t + 0, w0, L, r[0], r[8], r[9], r[10],
                                            ZERO, ZERO, init, cap, base, cnt, oq_q, oq_s,
                                            out_q, out_p, out_s, out_m)  # fmt: skip
                            if r[1] != ONES:
                                cnt = _emit(P, t + 1, w0, L, r[1], r[11], r[12], r[13],
                                            ZERO, ZERO, init, cap, base, cnt, oq_q, oq_s,
                                            out_q, out_p, out_s, out_m)  # fmt: skip
                            if r[2] != ONES:
                                cnt = _emit(P, t + 2, w0, L, r[2], r[14], r[15], r[16],
                                            ZERO, ZERO, init, cap, base, cnt, oq_q, oq_s,
                                            out_q, out_p, out_s, out_m)  # fmt: skip
                            if r[3] != ONES:
                                cnt = _emit(P, t + 3, w0, L, r[3], r[17], r[18], r[19],
                                            ZERO, ZERO, init, cap, base, cnt, oq_q, oq_s,
                                            out_q, out_p, out_s, out_m)  # fmt: skip
                            if r[4] != ONES:
                                cnt = _emit(P, t + 4, w0, L, r[4], r[20], r[21], r[22],
                                            ZERO, ZERO, init, cap, base, cnt, oq_q, oq_s,
                                            out_q, out_p, out_s, out_m)  # fmt: skip
                            if r[5] != ONES:
                                cnt = _emit(P, t + 5, w0, L, r[5], r[23], r[24], r[25],
                                            ZERO, ZERO, init, cap, base, cnt, oq_q, oq_s,
                                            out_q, out_p, out_s, out_m)  # fmt: skip
                            if r[6] != ONES:
                                cnt = _emit(P, t + 6, w0, L, r[6], r[26], r[27], r[28],
                                            ZERO, ZERO, init, cap, base, cnt, oq_q, oq_s,
                                            out_q, out_p, out_s, out_m)  # fmt: skip
                            if r[7] != ONES:
                                cnt = _emit(P, t + 7, w0, L, r[7], r[29], r[30], r[31],
                                            ZERO, ZERO, init, cap, base, cnt, oq_q, oq_s,
                                            out_q, out_p, out_s, out_m)  # fmt: skip
                        t += 8
                        continue
                    if vec4 >= 4 and nbits == 3 and t + 3 <= nw:
                        d0 = _dead0(P, t, w0, rstart, rend, p0m, p0o)
                        d1 = _dead0(P, t + 1, w0, rstart, rend, p0m, p0o)
                        d2 = _dead0(P, t + 2, w0, rstart, rend, p0m, p0o)
                        d3 = _dead0(P, t + 3, w0, rstart, rend, p0m, p0o)
                        if (d0 & d1 & d2 & d3) != ONES:
                            (d0, d1, d2, d3, a0, a1, a2, b0, b1, b2,
                             c0, c1, c2, e0, e1, e2) = _word3x4(
                                P, t, pj, pm, off, L, init, d0, d1, d2, d3
                            )  # fmt: skip
                            if d0 != ONES:
                                cnt = _emit(P, t, w0, L, d0, a0, a1, a2, ZERO, ZERO, init,
                                            cap, base, cnt, oq_q, oq_s,
                                            out_q, out_p, out_s, out_m)  # fmt: skip
                            if d1 != ONES:
                                cnt = _emit(P, t + 1, w0, L, d1, b0, b1, b2, ZERO, ZERO, init,
                                            cap, base, cnt, oq_q, oq_s,
                                            out_q, out_p, out_s, out_m)  # fmt: skip
                            if d2 != ONES:
                                cnt = _emit(P, t + 2, w0, L, d2, c0, c1, c2, ZERO, ZERO, init,
                                            cap, base, cnt, oq_q, oq_s,
                                            out_q, out_p, out_s, out_m)  # fmt: skip
                            if d3 != ONES:
                                cnt = _emit(P, t + 3, w0, L, d3, e0, e1, e2, ZERO, ZERO, init,
                                            cap, base, cnt, oq_q, oq_s,
                                            out_q, out_p, out_s, out_m)  # fmt: skip
                        t += 4
                        continue
                    dead = _dead0(P, t, w0, rstart, rend, p0m, p0o)
                    if dead != ONES:
                        if nbits == 3:
                            dead, c0, c1, c2, c3, c4 = _word3(P, t, pj, pm, off, L, init, dead)
                        else:
                            dead, c0, c1, c2, c3, c4 = _word5(P, t, pj, pm, off, L, init, dead)
                        if dead != ONES:
                            cnt = _emit(P, t, w0, L, dead, c0, c1, c2, c3, c4, init,
                                        cap, base, cnt, oq_q, oq_s,
                                        out_q, out_p, out_s, out_m)  # fmt: skip
                    t += 1
            counts[ci] = cnt

    #: the same kernel compiled without threads (``workers=1``; safe to call concurrently
    #: from several Python threads, e.g. dask workers in one process)
    _scan_chunks_serial = njit(nogil=True, cache=True)(
        _renamed(_scan_chunks.py_func, "_scan_chunks_serial")
    )


def _popcount4(m: int) -> int:
    return bin(int(m)).count("1")


def _oriented_queries(
    masks: Sequence[NDArray[np.uint8]],
    ks: Sequence[int],
    pos0_mask: int,
    pairs: Sequence[tuple[int, int]],
) -> dict[str, NDArray[np.int64]]:
    """Flatten (query, strand) pairs into kernel arrays; positions most specific first."""
    rows: dict[str, list[int]] = {k: [] for k in ("off", "len", "k", "p0m", "p0o", "s", "q")}
    pj: list[int] = []
    pm: list[int] = []
    for q, s in pairs:
        m, k = masks[q], ks[q]
        L = int(m.size)
        if True:
            if s == 1:
                pmask = m.astype(np.int64)
                p0m, p0o = pos0_mask, -1
            else:
                pmask = COMP_MASK[m[::-1]].astype(np.int64)
                p0m, p0o = (int(COMP_MASK[pos0_mask]) if pos0_mask else 0), L
            pops = np.array([_popcount4(x) for x in pmask])
            order = np.argsort(pops, kind="stable")
            rows["off"].append(len(pj))
            rows["len"].append(L)
            rows["k"].append(int(k))
            rows["p0m"].append(p0m)
            rows["p0o"].append(p0o)
            rows["s"].append(int(s))
            rows["q"].append(q)
            pj.extend(int(x) for x in order)
            pm.extend(int(x) for x in pmask[order])
    out = {k: np.asarray(v, dtype=np.int64) for k, v in rows.items()}
    out["pj"] = np.asarray(pj, dtype=np.int64)
    out["pm"] = np.asarray(pm, dtype=np.int64)
    used = sorted(set(pm) | ({int(x) for x in out["p0m"]} - {0}) | {NMASK_ROW})
    out["used"] = np.asarray(used, dtype=np.int64)
    return out


def _scan_numba(
    packed: PackedGenome,
    masks: Sequence[NDArray[np.uint8]],
    ks: Sequence[int],
    pos0_mask: int,
    strands: Sequence[int],
    region: tuple[int, int],
    expected: float,
    progress: ProgressCallback | None,
    serial: bool,
    table: Literal["auto", "off", "force"] = "auto",
) -> HitTable:
    pairs = [(q, s) for q in range(len(masks)) for s in strands]
    parts: list[RawHits] = []
    plan = (None if table == "off"
            else _pigeon_plan(masks, ks, pos0_mask, pairs, force=table == "force"))
    r0, r1 = region
    if plan is not None:
        parts.append(_pigeon_run(packed, plan, region, progress, serial, int(SCAN_PARAMS["call_words"])))
        pairs = [pq for pq in pairs if pq not in plan.pairs]
        if not pairs:
            return _table(parts)
    oq = _oriented_queries(masks, ks, pos0_mask, pairs)
    w_lo, w_hi = r0 // WORD_BITS, -(-r1 // WORD_BITS)
    cw = int(SCAN_PARAMS["chunk_words"])
    call_words = max(cw, int(SCAN_PARAMS["call_words"]) // cw * cw)
    lo, hi, nm = packed.lo, packed.hi, packed.nmask
    frac = cw * WORD_BITS / max(1, packed.total_bits)
    cap = int(min(1 << 16, 8 * expected * frac + 256))
    total = w_hi - w_lo
    report(progress, "scan half-sites", 0, total * WORD_BITS)
    for c0 in range(w_lo, w_hi, call_words):
        c1 = min(w_hi, c0 + call_words)
        chunk_w0 = np.arange(c0, c1, cw, dtype=np.int64)
        chunk_nw = np.minimum(cw, c1 - chunk_w0).astype(np.int64)
        parts.append(_run_chunks(lo, hi, nm, chunk_w0, chunk_nw, r0, r1, oq, cap, serial))
        report(progress, "scan half-sites", (c1 - w_lo) * WORD_BITS, total * WORD_BITS)
    return _table(parts)


def _table(parts: Sequence[RawHits]) -> HitTable:
    """One sorted table from unsorted raw kernel parts (a single sort at the very end).

    The kernels never emit a (query, gpos, strand) twice, so the whole hit fits one int64
    key (query | gpos | strand | mismatches) and a plain ``np.sort`` of the keys gives the
    order of :meth:`HitTable.from_arrays`; otherwise fall back to it."""
    if not parts:
        return HitTable.empty()
    q, p, s, m = _raw_concat(parts)
    if q.size == 0:
        return HitTable.empty()
    if not (
        int(q.min()) >= 0
        and int(q.max()) < (1 << 21)
        and int(p.min()) >= 0
        and int(p.max()) < (1 << 36)
        and int(m.min()) >= 0
        and int(m.max()) < 32
        and bool(np.all((s == 1) | (s == -1)))
    ):
        return HitTable.from_arrays(q, p, s, m)
    key = (
        (q.astype(np.int64) << 42)
        | (p << 6)
        | ((s == 1).astype(np.int64) << 5)
        | m.astype(np.int64)
    )
    key.sort()
    qk = (key >> 42).astype(np.int32)
    pk = (key >> 6) & ((1 << 36) - 1)
    sk = (((key >> 5) & 1) * 2 - 1).astype(np.int8)
    mk = (key & 31).astype(np.int8)
    if key.size > 1:
        dup = (key[1:] >> 5) == (key[:-1] >> 5)
        if dup.any():  # pragma: no cover - the kernels emit each hit once
            return HitTable.from_arrays(q, p, s, m)
    return HitTable(qk, pk, sk, mk)


def _run_chunks(
    lo: NDArray[np.uint64],
    hi: NDArray[np.uint64],
    nm: NDArray[np.uint64],
    chunk_w0: NDArray[np.int64],
    chunk_nw: NDArray[np.int64],
    r0: int,
    r1: int,
    oq: dict[str, NDArray[np.int64]],
    cap: int,
    serial: bool,
) -> RawHits:
    n = chunk_w0.size
    out_q = np.empty(n * cap, np.int32)
    out_p = np.empty(n * cap, np.int64)
    out_s = np.empty(n * cap, np.int8)
    out_m = np.empty(n * cap, np.int8)
    counts = np.zeros(n, np.int64)
    kernel = _scan_chunks_serial if serial else _scan_chunks
    kernel(
        lo, hi, nm, chunk_w0, chunk_nw, r0, r1,
        oq["off"], oq["len"], oq["k"], oq["p0m"], oq["p0o"], oq["s"], oq["q"],
        oq["pj"], oq["pm"], oq["used"], cap, out_q, out_p, out_s, out_m, counts, VEC4,
    )  # fmt: skip
    raw, over = _select(counts, cap, out_q, out_p, out_s, out_m)
    parts = [raw]
    if over.any():  # rerun overflowing chunks with room for all their hits
        parts.append(
            _run_chunks(
                lo, hi, nm, chunk_w0[over], chunk_nw[over], r0, r1, oq, int(counts.max()), serial
            )
        )
    return _raw_concat(parts)


# --------------------------------------------------------------------------- public entry


def _strand_list(strands: str) -> tuple[int, ...]:
    if strands == "both":
        return (1, -1)
    if strands == "+":
        return (1,)
    if strands == "-":
        return (-1,)
    raise InputError(f"invalid strands {strands!r}", hint="use 'both', '+' or '-'")


def scan_halfsites(
    packed: PackedGenome,
    queries: Sequence[tuple[str, ...]],
    max_mismatches: int | Sequence[int],
    *,
    pos0_bases: str | None = None,
    strands: StrandSel = "both",
    backend: Backend = "auto",
    workers: int | None = None,
    region: tuple[int, int] | None = None,
    progress: ProgressCallback | None = None,
) -> HitTable:
    """Every window of ``packed`` matching a query with at most ``max_mismatches`` mismatches.

    ``queries``: RVD tuples (8-40 RVDs each); ``max_mismatches``: one limit, or one per query.
    ``pos0_bases``: allowed position-0 bases on the TALE's strand (None = no filter; an N at
    position 0 fails the filter). ``region``: global ``[start, end)`` range of window starts
    (``gpos``) to report. ``workers``: numba threads (default: all). Returns a
    :class:`HitTable` sorted by (query, gpos, strand)."""
    strand_list = _strand_list(strands)
    p0 = _pos0_mask(pos0_bases)
    masks, ks, expected = _validate(packed, queries, max_mismatches, p0, len(strand_list))
    if region is None:
        r0, r1 = 0, packed.total_bits
    else:
        r0, r1 = int(region[0]), int(region[1])
        if r0 < 0 or r1 > packed.total_bits or r0 >= r1:
            raise RegionError(
                f"scan region [{r0}, {r1}) is outside the packed genome [0, {packed.total_bits})",
                hint="give a non-empty global range within the genome",
            )
    if backend not in MISMATCH_BACKENDS:
        raise InputError(
            f"unknown scan backend {backend!r}", hint="use one of " + ", ".join(MISMATCH_BACKENDS)
        )
    small = (r1 - r0) * len(masks) <= float(SCAN_PARAMS["auto_reference_max_work"])
    use_numba = backend in ("numba", "bitparallel", "seedtable") or (
        backend == "auto" and numba is not None and not small)
    table: Literal["auto", "off", "force"] = (
        "off" if backend == "bitparallel" else "force" if backend == "seedtable" else "auto")
    if use_numba and numba is None:
        raise BackendError(
            f"the numba scan backend is not available ({_NUMBA_ERROR})",
            hint="pip install numba, or use backend='reference'",
        )
    if workers is not None and workers < 1:
        raise ParameterError(f"workers must be >= 1, got {workers}", hint="use workers=1 or more")
    if not use_numba:
        report(progress, "scan half-sites", 0, r1 - r0)
        raw = reference_scan(
            packed, masks, ks, pos0_mask=p0, strands=strand_list, region=(r0, r1)
        )
        report(progress, "scan half-sites", r1 - r0, r1 - r0)
        return HitTable.from_arrays(*raw)
    if workers == 1:
        return _scan_numba(
            packed, masks, ks, p0, strand_list, (r0, r1), expected, progress, True, table
        )
    if numba is None:  # pragma: no cover - guarded above
        raise BackendError("numba is not available", hint="use backend='reference'")
    old = numba.get_num_threads()
    if workers is not None:
        limit = int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]
        numba.set_num_threads(max(1, min(int(workers), limit)))
    try:
        return _scan_numba(
            packed, masks, ks, p0, strand_list, (r0, r1), expected, progress, False, table
        )
    finally:
        numba.set_num_threads(old)

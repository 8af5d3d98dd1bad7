"""Score-bounded exhaustive half-site scan: every window whose binding score passes.

A binding model hands the engine one :class:`~taleforge.model.costs.ScoreQuery` per TALE
(per-repeat costs, running-sum bounds, a position-0 row and a final bound; the exact hit
definition is in :mod:`taleforge.model.costs`). This module finds every window start of
the packed genome, on both strands, that is a hit under that definition — whatever its
number of mismatches. There is no mismatch cap: NN (G or A) and other degenerate repeats
make mismatches cheap, and TALE-NT 2.0 hits routinely carry 5-9 of them.

Kernel (numba, two stages per 64 window starts)
    1. *Quantised filter.* Each repeat's excess cost over its best base, ``raw - min``, is
       scaled so that the query's budget (final bound minus the best possible total) maps to
       ``Q = 126`` units and rounded **down** (a lower bound: no hit can be lost). The 64
       lanes of a machine word (64 consecutive window starts) carry bit-sliced 7-bit counters
       started at ``127 - Q``; for each repeat the lanes' weights come from 7 base-mask
       planes (bit ``i`` of the weight = "the base at this offset is one whose weight has
       bit ``i`` set", one funnel shift each) and are added with a ripple-carry adder; a
       carry out of the top bit marks a lane whose lower-bound cost already exceeds the
       budget. N (and contig padding) weighs ``Q + 1``: an N kills the window. Repeats are
       visited most expensive first; a word is abandoned once all 64 lanes are dead
       (typically after 6-14 repeats). Position 0 is a filter plane (allowed bases) and,
       when the model scores it softly, one more weighted position.
    2. *Exact re-score.* Every surviving lane is re-scored with the exact definition
       (double precision, repeat by repeat, running-sum bounds), so the reported hit set is
       exactly the model's, and the emitted cost is the exact cost.
    Quantisation error is at most one unit per visited position; the filter therefore
    passes every hit plus windows up to ``(L+1)/126`` of the budget beyond it, which the
    exact stage removes.

Reference: :mod:`taleforge.engine.scored_reference` (numpy, every window through the exact
definition). The tests compare both on random genomes and arrays.

Output: :class:`ScoredHits` (``HitTable`` columns plus ``cost``), sorted by
(query, gpos, strand). Coordinates as in :class:`taleforge.engine.scan.HitTable`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from taleforge.errors import BackendError, InputError, ParameterError, RegionError
from taleforge.genome.packed import WORD_BITS, PackedGenome
from taleforge.model.costs import ScoreQuery
from taleforge.model.params import Param, ParamTable, register_table
from taleforge.progress import ProgressCallback, report

from .hits import HitTable
from .kernel_util import _NUMBA_ERROR, _renamed, _sh, fill_mask_planes, numba
from .scan import SCAN_PARAMS
from .scored_reference import reference_scored_scan

__all__ = [
    "SCORED_SCAN_PARAMS",
    "ScoredHits",
    "iter_scored",
    "scan_scored",
]

SCORED_SCAN_PARAMS = register_table(
    ParamTable(
        name="scored_scan",
        version="1",
        params=(
            Param("counter_bits", 7, "bits", "kernel design (this module)", "K",
                  "bit-sliced lane counters; the budget maps to 2**bits - 2 units"),
            Param("chunk_words", 1024, "64-bit words", "cache-size tuning", "U",
                  "genome words per parallel work item (64 Kbp)"),
            Param("call_words", 1 << 19, "64-bit words", "progress/streaming granularity", "U",
                  "genome words per kernel call (32 Mbp): one progress step, one block of "
                  "hits handed to the caller"),
            Param("dense_until_alive_fraction_inv", 4, "1/fraction", "kernel tuning", "U",
                  "repeats are added to every word of a chunk (vectorised) until fewer than "
                  "1/this of the words have a live lane; the rest continue word by word"),
            Param("max_hits_per_block", 6.4e6, "hits", "engine budget (issue 8)", "U",
                  "refuse a query expected to return more hits than this in one streamed "
                  "block of call_words (32 Mbp, both strands; ~170 MB), i.e. to pass ~10% "
                  "of all windows (uniform bases, estimated from the kernel's lower-bound "
                  "costs); TALE-NT's NN1 pair at k = 3.5 passes ~2.3%"),
            Param("buffer_hits_per_chunk", 4096, "hits", "kernel tuning", "U",
                  "initial per-chunk result buffer; overflowing chunks are rerun larger"),
        ),
    )
)

#: score-mode backends: "auto" (numba; the numpy reference for tiny scans), "bitparallel"
#: (= "numba"), "reference" (numpy). A seed table needs a mismatch budget and Dask is used for
#: mismatch-mode scans only: both are refused with a precise error.
Backend = Literal["auto", "numba", "bitparallel", "reference"]
SCORE_BACKENDS = ("auto", "numba", "bitparallel", "reference")
COUNTER_BITS = 7
NPLANES = 32  # 5-bit masks over A, C, G, T, N
NBIT = 16  # mask bit of N


@dataclass(frozen=True)
class ScoredHits:
    """Hits of a score-bounded scan: a :class:`HitTable` plus the exact ``cost``."""

    hits: HitTable
    cost: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.hits)

    @classmethod
    def empty(cls) -> ScoredHits:
        return cls(HitTable.empty(), np.zeros(0, np.float64))

    @classmethod
    def from_raw(cls, parts: Sequence[tuple[NDArray[Any], ...]]) -> ScoredHits:
        """Sorted (query, gpos, strand) table from unsorted raw parts."""
        parts = [p for p in parts if p[0].size]
        if not parts:
            return cls.empty()
        q = np.concatenate([p[0] for p in parts]).astype(np.int32, copy=False)
        g = np.concatenate([p[1] for p in parts]).astype(np.int64, copy=False)
        s = np.concatenate([p[2] for p in parts]).astype(np.int8, copy=False)
        m = np.concatenate([p[3] for p in parts]).astype(np.int8, copy=False)
        c = np.concatenate([p[4] for p in parts]).astype(np.float64, copy=False)
        order = np.lexsort((s, g, q))
        return cls(HitTable(q[order], g[order], s[order], m[order]), c[order])

    @staticmethod
    def concat(parts: Sequence[ScoredHits]) -> ScoredHits:
        return ScoredHits.from_raw([
            (p.hits.query, p.hits.gpos, p.hits.strand, p.hits.mismatches, p.cost) for p in parts
        ])

    def select(self, keep: NDArray[np.bool_]) -> ScoredHits:
        return ScoredHits(self.hits.select(keep), self.cost[keep])


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class _Plan:
    """Flattened kernel inputs for a list of (query, strand)."""

    oq: dict[str, NDArray[np.int64]]
    pos_off: NDArray[np.int64]
    pos_m: NDArray[np.int64]  # (positions, COUNTER_BITS) plane mask per weight bit
    q_len: NDArray[np.int64]
    q_raw: NDArray[np.float64]
    q_pb: NDArray[np.float64]
    q_p0: NDArray[np.float64]
    q_final: NDArray[np.float64]
    q_masks: NDArray[np.int64]
    used: NDArray[np.int64]
    lens: NDArray[np.int64]  # distinct array lengths (one N-window plane each)


def _bit_masks(w: NDArray[np.int64]) -> list[int]:
    """Per weight bit, the 5-bit mask of genome bases (A, C, G, T, N) whose weight has it."""
    return [sum(((int(w[g]) >> i) & 1) << g for g in range(5)) for i in range(COUNTER_BITS)]


def _plan(queries: Sequence[ScoreQuery], pairs: Sequence[tuple[int, int]]) -> _Plan:
    qmax = (1 << COUNTER_BITS) - 2
    kill = qmax + 1
    rows: dict[str, list[int]] = {k: [] for k in ("q", "s", "poff", "npos", "init", "p0m", "p0o")}
    pos_off: list[int] = []
    pos_m: list[list[int]] = []
    for q, s in pairs:
        sq = queries[q]
        L = sq.length
        mins = sq.raw.min(axis=1)
        finite0 = np.isfinite(sq.pos0[:4])
        if not finite0.any():
            continue  # no position-0 base allowed: nothing can hit
        p0min = float(sq.pos0[:4][finite0].min())
        budget = sq.final_bound - float(mins.sum()) - p0min
        slack = 1e-9 * (abs(sq.final_bound) + float(np.abs(mins).sum()) + abs(p0min) + 1.0)
        if budget + slack < 0:
            continue  # even the best site fails
        B = max(budget + slack, slack)
        scale = qmax / B
        exc = (sq.raw - mins[:, None]) * scale * (1.0 - 1e-12)
        qw = np.minimum(np.floor(exc), kill).astype(np.int64)  # (L, 4) TALE-strand bases
        entries: list[tuple[float, int, list[int]]] = []
        for j in range(L):
            if s == 1:
                off, wg = j, qw[j]
            else:  # TALE base b reads genome base 3-b at offset L-1-j
                off, wg = L - 1 - j, qw[j][::-1]
            w5 = np.concatenate([wg, [0]])  # N: killed by the chunk's N-window plane
            entries.append((float(w5[:4].mean()), off, _bit_masks(w5)))
        # position 0: filter plane for allowed bases; soft costs as one more position
        allowed = [b for b in range(4) if finite0[b]]
        gallowed = allowed if s == 1 else [3 - b for b in allowed]
        p0m = 0 if len(allowed) == 4 else sum(1 << g for g in gallowed)
        p0o = -1 if s == 1 else L
        exc0 = np.where(np.isfinite(sq.pos0), sq.pos0 - p0min, 0.0) * scale * (1.0 - 1e-12)
        q0 = np.minimum(np.floor(np.maximum(exc0, 0.0)), kill).astype(np.int64)  # A C G T N
        if not np.isfinite(sq.pos0[4]):
            q0[4] = kill
        w0 = q0[[0, 1, 2, 3, 4]] if s == 1 else q0[[3, 2, 1, 0, 4]]
        if p0m:
            w0[4] = 0  # N fails the filter plane already
        if w0.any():  # soft position-0 costs (skipping a position only loosens the bound)
            entries.append((float(w0[:4].mean()), p0o, _bit_masks(w0)))
        entries = [e for e in entries if any(e[2])]
        entries.sort(key=lambda e: -e[0])
        rows["q"].append(q)
        rows["s"].append(s)
        rows["poff"].append(len(pos_off))
        rows["npos"].append(len(entries))
        rows["init"].append((1 << COUNTER_BITS) - 1 - qmax)
        rows["p0m"].append(p0m)
        rows["p0o"].append(p0o)
        for _, off, ms in entries:
            pos_off.append(off)
            pos_m.append(ms)
    nq = len(queries)
    Lmax = max((sq.length for sq in queries), default=1)
    q_raw = np.zeros((nq, Lmax, 4))
    q_pb = np.zeros((nq, Lmax))
    q_masks = np.zeros((nq, Lmax), dtype=np.int64)
    for i, sq in enumerate(queries):
        q_raw[i, : sq.length] = sq.raw
        q_pb[i, : sq.length] = sq.prefix_bound
        q_masks[i, : sq.length] = sq.masks
    used = sorted({m for ms in pos_m for m in ms if m} | {m for m in rows["p0m"] if m} | {16})
    lens = sorted({queries[q].length for q in rows["q"]})
    rows["lrow"] = [lens.index(queries[q].length) for q in rows["q"]]
    return _Plan(
        oq={k: np.asarray(v, dtype=np.int64) for k, v in rows.items()},
        pos_off=np.asarray(pos_off, dtype=np.int64),
        pos_m=np.asarray(pos_m, dtype=np.int64).reshape(-1, COUNTER_BITS),
        q_len=np.asarray([sq.length for sq in queries], dtype=np.int64),
        q_raw=q_raw,
        q_pb=q_pb,
        q_p0=np.stack([sq.pos0 for sq in queries]) if nq else np.zeros((0, 5)),
        q_final=np.asarray([sq.final_bound for sq in queries], dtype=np.float64),
        q_masks=q_masks,
        used=np.asarray(used, dtype=np.int64),
        lens=np.asarray(lens or [1], dtype=np.int64),
    )


# --------------------------------------------------------------------------- numba kernel

if numba is not None:
    from numba import njit, prange


if numba is not None:

    @njit(nogil=True, cache=True, inline="always")
    def _code_at(lo: Any, hi: Any, nm: Any, p: int) -> Any:  # pragma: no cover - compiled
        """Base code (0..3, 4 = N or outside the genome) at global position ``p``."""
        if p < 0 or p >= lo.size * 64:
            return np.int64(4)
        w = p >> 6
        b = np.uint64(p & 63)
        one = np.uint64(1)
        if (nm[w] >> b) & one:
            return np.int64(4)
        return np.int64((lo[w] >> b) & one) | (np.int64((hi[w] >> b) & one) << np.int64(1))

    @njit(nogil=True, cache=True)
    def _exact(  # pragma: no cover - compiled
        lo: Any, hi: Any, nm: Any, g: int, strand: int, q: int,
        q_L: Any, q_raw: Any, q_pb: Any, q_p0: Any, q_final: Any, q_masks: Any,
    ) -> Any:
        """Exact cost of window ``g`` (see taleforge.model.costs); (hit, cost, mismatches)."""
        L = q_L[q]
        s = 0.0
        mm = 0
        for j in range(L):
            if strand == 1:
                c = _code_at(lo, hi, nm, g + j)
            else:
                c = _code_at(lo, hi, nm, g + L - 1 - j)
                if c < 4:
                    c = 3 - c
            if c == 4:
                return False, 0.0, 0
            s = s + q_raw[q, j, c]
            if s > q_pb[q, j]:
                return False, 0.0, 0
            if not ((q_masks[q, j] >> c) & 1):
                mm += 1
        if strand == 1:
            c0 = _code_at(lo, hi, nm, g - 1)
        else:
            c0 = _code_at(lo, hi, nm, g + L)
            if c0 < 4:
                c0 = 3 - c0
        p = q_p0[q, c0]
        if p == np.inf:
            return False, 0.0, 0
        t = s + p
        if t > q_final[q]:
            return False, 0.0, 0
        return True, t, mm

    # dense phase: one repeat over every word of a chunk, written as short single-purpose
    # loops over 1-D rows (few arrays per loop, so LLVM vectorises each one: ~3x faster
    # than one fused loop, which touches too many arrays for its alias checks)

    @njit(nogil=True, cache=True, inline="always")
    def _shift_row(src: Any, dst: Any, base: int, nw: int, uj: Any, uk: Any) -> None:  # pragma: no cover
        one = np.uint64(1)
        for i in range(nw):
            dst[i] = (src[base + i] >> uj) | ((src[base + i + 1] << one) << uk)

    @njit(nogil=True, cache=True, inline="always")
    def _add_bit0(c: Any, x: Any, cy: Any, nw: int) -> None:  # pragma: no cover - compiled
        for i in range(nw):
            v = c[i]
            cy[i] = v & x[i]
            c[i] = v ^ x[i]

    @njit(nogil=True, cache=True, inline="always")
    def _add_bit(c: Any, x: Any, cy: Any, nw: int) -> None:  # pragma: no cover - compiled
        for i in range(nw):
            v = c[i]
            xi = x[i]
            ci = cy[i]
            u = v ^ xi
            cy[i] = (v & xi) | (ci & u)
            c[i] = u ^ ci

    @njit(nogil=True, cache=True, inline="always")
    def _carry_bit(c: Any, cy: Any, nw: int) -> None:  # pragma: no cover - compiled
        for i in range(nw):
            v = c[i]
            ci = cy[i]
            cy[i] = v & ci
            c[i] = v ^ ci

    @njit(nogil=True, cache=True, inline="always")
    def _or_shift_row(src: Any, dst: Any, nw: int, uj: Any, uk: Any) -> None:  # pragma: no cover
        one = np.uint64(1)
        for i in range(nw):
            dst[i] |= (src[1 + i] >> uj) | ((src[2 + i] << one) << uk)

    @njit(nogil=True, cache=True, inline="always")
    def _or_into(d: Any, cy: Any, nw: int) -> None:  # pragma: no cover - compiled
        for i in range(nw):
            d[i] |= cy[i]

    @njit(nogil=True, cache=True)
    def _dense_step(  # pragma: no cover - compiled
        P: Any, C: Any, D: Any, X: Any, CY: Any, nw: int, off: int, mrow: Any, k: int
    ) -> None:
        """Add repeat ``k``'s weights to the counters of every word of the chunk. ``C[b, i]``
        / ``D[i]`` belong to chunk word ``t = i + 1`` (``P`` keeps one guard word each side)."""
        if off < 0:  # position 0 on the + strand: the base before the window
            j = 63
            base = 0
        else:
            j = off
            base = 1
        uj = np.uint64(j)
        uk = np.uint64(63 - j)
        carry = False  # is CY live (a lower bit of this weight was non-zero somewhere)?
        for b in range(7):
            m = mrow[k, b]
            if m != 0:
                _shift_row(P[m], X[b], base, nw, uj, uk)
                if carry:
                    _add_bit(C[b], X[b], CY, nw)
                else:
                    _add_bit0(C[b], X[b], CY, nw)
                    carry = True
            elif carry:
                _carry_bit(C[b], CY, nw)
        if carry:
            _or_into(D, CY, nw)

    @njit(parallel=True, nogil=True, cache=True)
    def _scored_chunks(  # pragma: no cover - compiled
        lo: Any, hi: Any, nm: Any, chunk_w0: Any, chunk_nw: Any, rstart: int, rend: int,
        oq_q: Any, oq_s: Any, oq_poff: Any, oq_npos: Any, oq_init: Any, oq_p0m: Any,
        oq_p0o: Any, pos_off: Any, pos_m: Any,
        q_L: Any, q_raw: Any, q_pb: Any, q_p0: Any, q_final: Any, q_masks: Any, used: Any,
        cap: int, out_q: Any, out_p: Any, out_s: Any, out_m: Any, out_c: Any, counts: Any,
        dense_div: int, lens: Any, oq_lrow: Any,
    ) -> None:
        ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
        ZERO = np.uint64(0)
        one = np.uint64(1)
        nchunks = chunk_w0.size
        noq = oq_q.size
        for ci in prange(nchunks):
            w0 = chunk_w0[ci]
            nw = chunk_nw[ci]
            # planes: row m = "the base here is in 5-bit mask m" (bit 4 = N / padding)
            P = np.zeros((32, nw + 2), dtype=np.uint64)
            fill_mask_planes(lo, hi, nm, w0, nw, used, P, False)
            # N-window planes: bit = "the window of length L starting here holds an N" for
            # each distinct array length (N and contig padding never bind)
            NW = np.zeros((lens.size, nw), dtype=np.uint64)
            for li in range(lens.size):
                for j in range(lens[li]):
                    _or_shift_row(P[16], NW[li], nw, np.uint64(j), np.uint64(63 - j))
            C = np.empty((7, nw), dtype=np.uint64)
            D = np.empty(nw, dtype=np.uint64)
            X = np.empty((7, nw), dtype=np.uint64)
            CY = np.empty(nw, dtype=np.uint64)
            cnt = 0
            base = ci * cap
            for o in range(noq):
                q = oq_q[o]
                strand = oq_s[o]
                p0 = oq_p0m[o]
                p0o = oq_p0o[o]
                poff = oq_poff[o]
                npos = oq_npos[o]
                init = oq_init[o]
                # dense phase: repeat by repeat over all words while most words live
                for t in range(1, nw + 1):
                    gw = (w0 - 1 + t) * 64
                    dead = ZERO
                    if gw < rstart:
                        dead = ONES >> np.uint64(64 - (rstart - gw)) if rstart - gw < 64 else ONES
                    if gw + 64 > rend:
                        d = rend - gw
                        if d <= 0:
                            dead = ONES
                        else:
                            dead |= ONES << np.uint64(d)
                    if p0 != 0:
                        dead |= ~_sh(P, p0, t, p0o)
                    D[t - 1] = dead | NW[oq_lrow[o], t - 1]
                    C[0, t - 1] = ONES if init & 1 else ZERO
                    C[1, t - 1] = ONES if init & 2 else ZERO
                    C[2, t - 1] = ONES if init & 4 else ZERO
                    C[3, t - 1] = ONES if init & 8 else ZERO
                    C[4, t - 1] = ONES if init & 16 else ZERO
                    C[5, t - 1] = ONES if init & 32 else ZERO
                    C[6, t - 1] = ONES if init & 64 else ZERO
                k0 = poff
                while k0 < poff + npos:
                    _dense_step(P, C, D, X, CY, nw, pos_off[k0], pos_m, k0)
                    k0 += 1
                    n_alive = 0
                    for i in range(nw):
                        n_alive += D[i] != ONES
                    if n_alive * dense_div < nw:
                        break
                # sparse phase: the surviving words one by one, then the exact re-score
                for t in range(1, nw + 1):
                    dead = D[t - 1]
                    if dead == ONES:
                        continue
                    gw = (w0 - 1 + t) * 64
                    c0 = C[0, t - 1]
                    c1 = C[1, t - 1]
                    c2 = C[2, t - 1]
                    c3 = C[3, t - 1]
                    c4 = C[4, t - 1]
                    c5 = C[5, t - 1]
                    c6 = C[6, t - 1]
                    for k in range(k0, poff + npos):
                        off = pos_off[k]
                        m = pos_m[k, 0]
                        x = _sh(P, m, t, off) if m else ZERO
                        cy = c0 & x
                        c0 ^= x
                        m = pos_m[k, 1]
                        x = _sh(P, m, t, off) if m else ZERO
                        u = c1 ^ x
                        cy2 = (c1 & x) | (cy & u)
                        c1 = u ^ cy
                        m = pos_m[k, 2]
                        x = _sh(P, m, t, off) if m else ZERO
                        u = c2 ^ x
                        cy = (c2 & x) | (cy2 & u)
                        c2 = u ^ cy2
                        m = pos_m[k, 3]
                        x = _sh(P, m, t, off) if m else ZERO
                        u = c3 ^ x
                        cy2 = (c3 & x) | (cy & u)
                        c3 = u ^ cy
                        m = pos_m[k, 4]
                        x = _sh(P, m, t, off) if m else ZERO
                        u = c4 ^ x
                        cy = (c4 & x) | (cy2 & u)
                        c4 = u ^ cy2
                        m = pos_m[k, 5]
                        x = _sh(P, m, t, off) if m else ZERO
                        u = c5 ^ x
                        cy2 = (c5 & x) | (cy & u)
                        c5 = u ^ cy
                        m = pos_m[k, 6]
                        x = _sh(P, m, t, off) if m else ZERO
                        u = c6 ^ x
                        cy = (c6 & x) | (cy2 & u)
                        c6 = u ^ cy2
                        dead |= cy
                        if dead == ONES:
                            break
                    if dead == ONES:
                        continue
                    alive = ~dead
                    for b in range(64):
                        if (alive >> np.uint64(b)) & one:
                            g = gw + b
                            ok, cost, mm = _exact(lo, hi, nm, g, strand, q, q_L, q_raw, q_pb,
                                                  q_p0, q_final, q_masks)
                            if ok:
                                if cnt < cap:
                                    out_q[base + cnt] = q
                                    out_p[base + cnt] = g
                                    out_s[base + cnt] = strand
                                    out_m[base + cnt] = mm
                                    out_c[base + cnt] = cost
                                cnt += 1
            counts[ci] = cnt

    _scored_chunks_serial = njit(nogil=True, cache=True)(
        _renamed(_scored_chunks.py_func, "_scored_chunks_serial")
    )


def _run(
    packed: PackedGenome, plan: _Plan, chunk_w0: NDArray[np.int64], chunk_nw: NDArray[np.int64],
    r0: int, r1: int, cap: int, serial: bool,
) -> list[tuple[NDArray[Any], ...]]:
    n = chunk_w0.size
    out_q = np.empty(n * cap, np.int32)
    out_p = np.empty(n * cap, np.int64)
    out_s = np.empty(n * cap, np.int8)
    out_m = np.empty(n * cap, np.int8)
    out_c = np.empty(n * cap, np.float64)
    counts = np.zeros(n, np.int64)
    kernel = _scored_chunks_serial if serial else _scored_chunks
    oq = plan.oq
    kernel(
        packed.lo, packed.hi, packed.nmask, chunk_w0, chunk_nw, r0, r1,
        oq["q"], oq["s"], oq["poff"], oq["npos"], oq["init"], oq["p0m"], oq["p0o"],
        plan.pos_off, plan.pos_m, plan.q_len, plan.q_raw, plan.q_pb, plan.q_p0, plan.q_final,
        plan.q_masks, plan.used, cap, out_q, out_p, out_s, out_m, out_c, counts,
        int(SCORED_SCAN_PARAMS["dense_until_alive_fraction_inv"]), plan.lens, oq["lrow"],
    )  # fmt: skip
    over = counts > cap
    keep = np.where(over, 0, counts)
    ends = np.cumsum(keep)
    shift = np.arange(n, dtype=np.int64) * cap - (ends - keep)
    idx = np.arange(int(ends[-1]) if n else 0, dtype=np.int64) + np.repeat(shift, keep)
    parts: list[tuple[NDArray[Any], ...]] = [
        (out_q[idx], out_p[idx], out_s[idx], out_m[idx], out_c[idx])
    ]
    if over.any():  # rerun overflowing chunks with room for all their hits
        parts += _run(packed, plan, chunk_w0[over], chunk_nw[over], r0, r1,
                      int(counts.max()), serial)
    return parts


# --------------------------------------------------------------------------- public entry

_COMPILED = False


def expected_hit_fraction(sq: ScoreQuery) -> float:
    """Upper estimate of the fraction of uniform random windows (one strand) that pass
    ``sq``: the distribution of the quantised lower-bound cost (the kernel's filter), by
    dynamic programming over repeats and position 0."""
    qmax = (1 << COUNTER_BITS) - 2
    mins = sq.raw.min(axis=1)
    finite0 = np.isfinite(sq.pos0[:4])
    if not finite0.any():
        return 0.0
    p0min = float(sq.pos0[:4][finite0].min())
    budget = sq.final_bound - float(mins.sum()) - p0min
    if budget < 0:
        return 0.0
    scale = qmax / max(budget, 1e-300)
    dist = np.zeros(qmax + 2)
    dist[0] = 1.0
    rows = [np.minimum(np.floor((sq.raw[j] - mins[j]) * scale), qmax + 1).astype(np.int64)
            for j in range(sq.length)]
    exc0 = np.where(finite0, sq.pos0[:4] - p0min, np.inf) * scale
    rows.append(np.where(np.isfinite(exc0), np.minimum(np.floor(np.nan_to_num(exc0, posinf=0)),
                                                        qmax + 1), qmax + 1).astype(np.int64))
    for w in rows:
        new = np.zeros_like(dist)
        for b in range(4):
            sh = int(w[b])
            if sh <= qmax + 1:
                new[sh:] += 0.25 * dist[: dist.size - sh]
        dist = new
    return float(dist[: qmax + 1].sum())


def _strands(strands: str) -> tuple[int, ...]:
    table = {"both": (1, -1), "+": (1,), "-": (-1,)}
    if strands not in table:
        raise InputError(f"invalid strands {strands!r}", hint="use 'both', '+' or '-'")
    return table[strands]


def _check(
    packed: PackedGenome, queries: Sequence[ScoreQuery], region: tuple[int, int] | None,
    backend: str, workers: int | None,
) -> tuple[int, int]:
    if not queries:
        raise InputError("no queries to scan", hint="give at least one TALE array")
    for i, sq in enumerate(queries):
        if not isinstance(sq, ScoreQuery):
            raise InputError(f"query {i + 1} is not a ScoreQuery",
                             hint="build queries with model.score_query(rvds)")
        if sq.length > 62:
            raise InputError(f"query {i + 1} has {sq.length} repeats",
                             hint="arrays of at most 62 repeats can be scanned")
        frac = expected_hit_fraction(sq)
        block_bp = min(packed.genome_size, int(SCORED_SCAN_PARAMS["call_words"]) * WORD_BITS)
        limit = float(SCORED_SCAN_PARAMS["max_hits_per_block"])
        if frac * 2 * block_bp > limit:
            raise ParameterError(
                f"query {i + 1} ({sq.length} repeats) would pass about {frac:.1%} of all "
                f"windows (~{frac * 2 * packed.genome_size:.3g} hits on this "
                f"{packed.genome_size:,}-bp genome); the budget is {limit:.3g} hits per "
                f"{block_bp:,}-bp block",
                hint="use a longer array, a stricter threshold (e.g. --cutoff 3.0), or "
                     "--max-mismatches N",
            )
    if backend in ("seedtable", "dask"):
        raise BackendError(
            f"backend {backend!r} supports mismatch mode only: "
            + ("a lossless seed table needs a mismatch budget, and a score-defined search "
               "has none" if backend == "seedtable" else
               "the score-defined search runs on this machine's cores"),
            hint="use backend 'auto', 'bitparallel' or 'reference', or give --max-mismatches N",
        )
    if backend not in SCORE_BACKENDS:
        raise InputError(f"unknown scan backend {backend!r}",
                         hint="use one of " + ", ".join(SCORE_BACKENDS))
    if backend in ("numba", "bitparallel") and numba is None:
        raise BackendError(f"the numba scan backend is not available ({_NUMBA_ERROR})",
                           hint="pip install numba, or use backend='reference'")
    if workers is not None and workers < 1:
        raise ParameterError(f"workers must be >= 1, got {workers}", hint="use workers=1 or more")
    if region is None:
        return 0, packed.total_bits
    r0, r1 = int(region[0]), int(region[1])
    if r0 < 0 or r1 > packed.total_bits or r0 >= r1:
        raise RegionError(
            f"scan region [{r0}, {r1}) is outside the packed genome [0, {packed.total_bits})",
            hint="give a non-empty global range within the genome",
        )
    return r0, r1


def iter_scored(
    packed: PackedGenome,
    queries: Sequence[ScoreQuery],
    *,
    strands: Literal["both", "+", "-"] = "both",
    backend: Backend = "auto",
    workers: int | None = None,
    region: tuple[int, int] | None = None,
    progress: ProgressCallback | None = None,
) -> Iterator[tuple[tuple[int, int], ScoredHits]]:
    """Scan block by block (``call_words`` genome words each, in genome order); yields
    ``((start, end), hits)`` where ``hits`` holds the windows starting in ``[start, end)``,
    sorted. Callers that stream (bounded memory) consume blocks as they come."""
    global _COMPILED
    r0, r1 = _check(packed, queries, region, backend, workers)
    strand_list = _strands(strands)
    small = (r1 - r0) * len(queries) <= float(SCAN_PARAMS["auto_reference_max_work"])
    use_numba = backend in ("numba", "bitparallel") or (
        backend == "auto" and numba is not None and not small)
    if not use_numba:
        report(progress, "scan half-sites", 0, r1 - r0)
        raw = reference_scored_scan(packed, queries, strands=strand_list, region=(r0, r1))
        report(progress, "scan half-sites", r1 - r0, r1 - r0)
        yield (r0, r1), ScoredHits.from_raw([raw])
        return
    pairs = [(q, s) for q in range(len(queries)) for s in strand_list]
    plan = _plan(queries, pairs)
    cw = int(SCORED_SCAN_PARAMS["chunk_words"])
    call_words = max(cw, int(SCORED_SCAN_PARAMS["call_words"]) // cw * cw)
    cap = int(SCORED_SCAN_PARAMS["buffer_hits_per_chunk"])
    w_lo, w_hi = r0 // WORD_BITS, -(-r1 // WORD_BITS)
    total = (w_hi - w_lo) * WORD_BITS
    serial = workers == 1
    if not _COMPILED:
        report(progress, "compiling scan kernels (first run only; cached afterwards)", 0, None)
    report(progress, "scan half-sites", 0, total)
    old = numba.get_num_threads() if numba is not None else 1
    if workers is not None and not serial and numba is not None:
        numba.set_num_threads(
            max(1, min(int(workers), int(numba.config.NUMBA_NUM_THREADS)))  # type: ignore[attr-defined]
        )
    try:
        for c0 in range(w_lo, w_hi, call_words):
            c1 = min(w_hi, c0 + call_words)
            chunk_w0 = np.arange(c0, c1, cw, dtype=np.int64)
            chunk_nw = np.minimum(cw, c1 - chunk_w0).astype(np.int64)
            b0, b1 = max(r0, c0 * WORD_BITS), min(r1, c1 * WORD_BITS)
            if plan.oq["q"].size == 0:
                parts: list[tuple[NDArray[Any], ...]] = []
            else:
                parts = _run(packed, plan, chunk_w0, chunk_nw, b0, b1, cap, serial)
            _COMPILED = True
            report(progress, "scan half-sites", (c1 - w_lo) * WORD_BITS, total)
            yield (b0, b1), ScoredHits.from_raw(parts)
    finally:
        if numba is not None and workers is not None and not serial:
            numba.set_num_threads(old)


def scan_scored(
    packed: PackedGenome,
    queries: Sequence[ScoreQuery],
    *,
    strands: Literal["both", "+", "-"] = "both",
    backend: Backend = "auto",
    workers: int | None = None,
    region: tuple[int, int] | None = None,
    progress: ProgressCallback | None = None,
) -> ScoredHits:
    """Every window of ``packed`` whose exact cost passes its query (all blocks at once)."""
    return ScoredHits.concat([
        h for _, h in iter_scored(packed, queries, strands=strands, backend=backend,
                                  workers=workers, region=region, progress=progress)
    ])



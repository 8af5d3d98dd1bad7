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

Anchored kernel (rows with a position-0 filter, e.g. TALE-NT's T rule)
    Only windows whose position-0 base is allowed can hit (~1/4 of all starts under a T-only
    rule), yet the kernel above adds every repeat to all 64 lanes of a word. For groups of
    at least ``anchored_min_rows`` (query, strand) rows sharing a strand and a filter, each
    chunk's allowed windows ("anchors") are compacted once: a 32- (or 64-) bp stretch of the
    lo / hi / N planes is cut out around each anchor and 64 anchors at a time are
    bit-transposed (Warren, Hacker's Delight, 7-3), so that row ``k`` of the compacted planes
    holds base ``k`` of 64 consecutive anchors' stretches. Every row of the group then runs
    the same two stages on ~4x fewer words; compacted mask planes are made on first use and
    shared by all rows. Measured on 0.2 Gb, one strand, one thread: ~0.08 s per row plus
    ~0.6 s of compaction, against ~0.25 s per row for the plain kernel
    (benchmarks/results/anchored.md).

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
                  "smallest per-chunk result buffer (see buffer_expected_factor); "
                  "overflowing chunks are rerun larger"),
            Param("buffer_expected_factor", 1.25, "x expected hits", "kernel tuning", "U",
                  "per-chunk result buffers hold this times the hits expected in a chunk "
                  "(the filter's pass fraction of every query and strand, an upper estimate), "
                  "so pooled passes of many queries do not overflow and rerun"),
            Param("anchored_min_rows", 4, "(query, strand) rows", "kernel tuning "
                  "(benchmarks/results/anchored.md: pays off from ~4 rows)", "U",
                  "rows with a position-0 filter (e.g. TALE-NT's T rule) are scanned over only "
                  "the windows whose position-0 base is allowed, compacted once per chunk and "
                  "shared by every row of the same strand and filter, when at least this many "
                  "rows share it"),
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


def _sorted_hits(
    q: NDArray[np.int32], g: NDArray[np.int64], s: NDArray[np.int8], m: NDArray[np.int8],
    c: NDArray[np.float64],
) -> tuple[HitTable, NDArray[np.float64]]:
    """Hits in (query, gpos, strand) order, as ``np.lexsort((s, g, q))`` would put them.

    (query, gpos - min gpos, strand, row index) are packed into one int64 key and sorted by
    value (numpy's SIMD sort; the row comes back from the low bits): ~5x faster than an
    argsort and ~15x faster than the three-key lexsort on the millions of hits of a pooled
    pass. (query, gpos, strand) is unique per hit, so the order is the same. When the fields
    do not fit in 63 bits, one argsort of (query, gpos, strand) or the lexsort is used."""
    n = q.size
    if n == 0:
        order = np.zeros(0, np.int64)
    else:
        g0 = int(g.min())
        qmin = int(q.min())
        bq = int(q.max()).bit_length()
        bg = (int(g.max()) - g0).bit_length()
        bi = (n - 1).bit_length()
        if qmin >= 0 and bq + bg + 1 + bi <= 63:
            key = q.astype(np.int64) << np.int64(bg + 1 + bi)
            key |= (g - g0) << np.int64(1 + bi)
            key |= (s > 0).astype(np.int64) << np.int64(bi)
            key |= np.arange(n, dtype=np.int64)
            key.sort()
            order = key & np.int64((1 << bi) - 1)
        elif qmin >= 0 and g0 >= 0 and bq + (int(g.max())).bit_length() + 1 <= 63:
            bg = int(g.max()).bit_length()
            key = (q.astype(np.int64) << np.int64(bg + 1)) | (g << np.int64(1)) | (s > 0)
            order = np.argsort(key)
        else:
            order = np.lexsort((s, g, q))
    return HitTable(q[order], g[order], s[order], m[order]), c[order]


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
        return cls(*_sorted_hits(q, g, s, m, c))

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


@dataclass(frozen=True)
class _Anchored:
    """Kernel inputs of the anchored kernel: the (query, strand) rows of ``_Plan.oq`` with a
    position-0 filter, grouped by (strand, allowed position-0 bases)."""

    g_rows: NDArray[np.int64]  # oq rows, group by group
    g_start: NDArray[np.int64]
    g_end: NDArray[np.int64]
    g_strand: NDArray[np.int64]
    g_amask: NDArray[np.int64]  # allowed position-0 bases (genome orientation, bits A C G T)
    g_dmin: NDArray[np.int64]  # anchor = window start + d: d = -1 (+ strand), L (- strand)
    g_dmax: NDArray[np.int64]
    g_nu: NDArray[np.int64]  # compacted mask planes per group
    g_lens: NDArray[np.int64]  # array lengths per group (flat; g_loff, g_nlens)
    g_loff: NDArray[np.int64]
    g_nlens: NDArray[np.int64]
    row_li: NDArray[np.int64]  # per g_rows entry: index of its length within its group
    g_width: NDArray[np.int64]  # stretch bits per anchor: 32 when every array has <= 31 repeats
    pos_k: NDArray[np.int64]  # per entry: row of the compacted planes (bit of the stretch)
    pos_u: NDArray[np.int64]  # per entry, per weight bit: compacted plane id in the group
    pos_t: NDArray[np.uint64]  # per entry, per weight bit: its truth table's ANF (``_anf``)


def _anf_table(pos_m: NDArray[np.int64]) -> NDArray[np.uint64]:
    """Per entry and weight bit, the algebraic normal form of "the base's weight has this bit"
    over the two code bits (A=00, C=01, G=10, T=11 as lo | hi << 1): coefficients of 1, lo,
    hi and lo*hi, as 0 or all-ones words (see ``_anf``)."""
    m = pos_m.astype(np.int64)
    a, c, g, t = (m >> 0) & 1, (m >> 1) & 1, (m >> 2) & 1, (m >> 3) & 1
    coef = np.stack([a, a ^ c, a ^ g, a ^ c ^ g ^ t], axis=-1)
    return np.where(coef.astype(bool), np.uint64(0xFFFFFFFFFFFFFFFF), np.uint64(0))


def _anchor_split(plan: _Plan, min_rows: int) -> tuple[_Anchored | None, NDArray[np.int64]]:
    """(anchored groups, the other oq rows): rows with a position-0 filter join a group of
    their (strand, filter) when it has at least ``min_rows`` rows."""
    oq = plan.oq
    groups: dict[tuple[int, int], list[int]] = {}
    rest: list[int] = []
    for o in range(oq["q"].size):
        if oq["p0m"][o]:
            groups.setdefault((int(oq["s"][o]), int(oq["p0m"][o])), []).append(o)
        else:
            rest.append(o)
    for key in [k for k, v in groups.items() if len(v) < min_rows]:
        rest += groups.pop(key)
    if not groups:
        return None, np.asarray(sorted(rest), dtype=np.int64)
    n_ent = plan.pos_off.size
    pos_k = np.zeros(n_ent, dtype=np.int64)
    pos_u = np.full((n_ent, COUNTER_BITS), -1, dtype=np.int64)
    cols: dict[str, list[int]] = {k: [] for k in (
        "rows", "start", "end", "strand", "amask", "dmin", "dmax", "nu", "lens", "loff",
        "nlens", "li", "width")}
    for (s, am), rows in sorted(groups.items()):
        lens = sorted({int(plan.q_len[oq["q"][o]]) for o in rows})
        cols["start"].append(len(cols["rows"]))
        cols["strand"].append(s)
        cols["amask"].append(am)
        cols["dmin"].append(-1 if s == 1 else lens[0])
        cols["dmax"].append(-1 if s == 1 else lens[-1])
        cols["loff"].append(len(cols["lens"]))
        cols["nlens"].append(len(lens))
        cols["lens"] += lens
        width = 32 if lens[-1] <= 31 else 64
        cols["width"].append(width)
        uid: dict[tuple[int, int], int] = {}
        for o in rows:
            L = int(plan.q_len[oq["q"][o]])
            cols["rows"].append(o)
            cols["li"].append(lens.index(L))
            for k in range(int(oq["poff"][o]), int(oq["poff"][o] + oq["npos"][o])):
                off = int(plan.pos_off[k])
                kk = off + 1 if s == 1 else width - 1 - L + off
                pos_k[k] = kk
                for b in range(COUNTER_BITS):
                    m = int(plan.pos_m[k, b])
                    if m:
                        pos_u[k, b] = uid.setdefault((m, kk), len(uid))
        cols["end"].append(len(cols["rows"]))
        cols["nu"].append(max(len(uid), 1))
    a = {k: np.asarray(v, dtype=np.int64) for k, v in cols.items()}
    return _Anchored(a["rows"], a["start"], a["end"], a["strand"], a["amask"], a["dmin"],
                     a["dmax"], a["nu"], a["lens"], a["loff"], a["nlens"], a["li"], a["width"],
                     pos_k, pos_u, _anf_table(plan.pos_m)), np.asarray(sorted(rest), dtype=np.int64)


# --------------------------------------------------------------------------- numba kernel

if numba is not None:
    from llvmlite import ir as llvm_ir
    from numba import njit, prange, types
    from numba.core.extending import intrinsic


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

    @njit(nogil=True, cache=True, inline="always")
    def _step(  # pragma: no cover - compiled
        s: float, mm: int, q: int, j: int, c: Any, q_raw: Any, q_pb: Any, q_masks: Any
    ) -> Any:
        """Repeat ``j`` reads base ``c``: (within the running bound, new sum, mismatches)."""
        s = s + q_raw[q, j, c]
        if s > q_pb[q, j]:
            return False, s, mm
        if not ((q_masks[q, j] >> c) & 1):
            mm += 1
        return True, s, mm

    @njit(nogil=True, cache=True, inline="always")
    def _close(  # pragma: no cover - compiled
        s: float, mm: int, c0: Any, q: int, q_p0: Any, q_final: Any
    ) -> Any:
        """Add the position-0 term for base ``c0`` and apply the final bound."""
        p = q_p0[q, c0]
        if p == np.inf:
            return False, 0.0, 0
        t = s + p
        if t > q_final[q]:
            return False, 0.0, 0
        return True, t, mm

    @njit(nogil=True, cache=True)
    def _exact_slow(  # pragma: no cover - compiled
        lo: Any, hi: Any, nm: Any, g: int, strand: int, q: int,
        q_L: Any, q_raw: Any, q_pb: Any, q_p0: Any, q_final: Any, q_masks: Any,
    ) -> Any:
        """As :func:`_exact`, base by base: windows near an N or the genome ends."""
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
            ok, s, mm = _step(s, mm, q, j, c, q_raw, q_pb, q_masks)
            if not ok:
                return False, 0.0, 0
        if strand == 1:
            c0 = _code_at(lo, hi, nm, g - 1)
        else:
            c0 = _code_at(lo, hi, nm, g + L)
            if c0 < 4:
                c0 = 3 - c0
        return _close(s, mm, c0, q, q_p0, q_final)

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

    @njit(nogil=True, cache=True, inline="always")
    def _add_plane(c: Any, x: Any, cy: Any, nw: int, carry: bool) -> bool:  # pragma: no cover
        """Add weight-bit plane ``x`` into counter bit row ``c`` (``carry``: CY is live)."""
        if carry:
            _add_bit(c, x, cy, nw)
        else:
            _add_bit0(c, x, cy, nw)
        return True

    @njit(nogil=True, cache=True, inline="always")
    def _set_counters(C: Any, i: int, init: int) -> None:  # pragma: no cover - compiled
        """Counters of word ``i`` start at ``init`` in every lane."""
        ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
        ZERO = np.uint64(0)
        for b in range(7):
            C[b, i] = ONES if (init >> b) & 1 else ZERO

    @njit(nogil=True, cache=True, inline="always")
    def _ripple7(  # pragma: no cover - compiled
        c0: Any, c1: Any, c2: Any, c3: Any, c4: Any, c5: Any, c6: Any,
        x0: Any, x1: Any, x2: Any, x3: Any, x4: Any, x5: Any, x6: Any,
    ) -> Any:
        """One word's 7-bit counters plus a weight (bit planes ``x0..x6``), ripple carry;
        returns the new counters and the carry out of bit 6 (lanes now dead)."""
        cy = c0 & x0
        c0 ^= x0
        u = c1 ^ x1
        cy2 = (c1 & x1) | (cy & u)
        c1 = u ^ cy
        u = c2 ^ x2
        cy = (c2 & x2) | (cy2 & u)
        c2 = u ^ cy2
        u = c3 ^ x3
        cy2 = (c3 & x3) | (cy & u)
        c3 = u ^ cy
        u = c4 ^ x4
        cy = (c4 & x4) | (cy2 & u)
        c4 = u ^ cy2
        u = c5 ^ x5
        cy2 = (c5 & x5) | (cy & u)
        c5 = u ^ cy
        u = c6 ^ x6
        cy = (c6 & x6) | (cy2 & u)
        c6 = u ^ cy2
        return c0, c1, c2, c3, c4, c5, c6, cy

    @njit(nogil=True, cache=True, inline="always")
    def _emit(  # pragma: no cover - compiled
        lo: Any, hi: Any, nm: Any, g: int, strand: int, q: int, q_L: Any, q_raw: Any,
        q_pb: Any, q_p0: Any, q_final: Any, q_masks: Any, cap: int, base: int, cnt: int,
        out_q: Any, out_p: Any, out_s: Any, out_m: Any, out_c: Any,
    ) -> int:
        """Exact re-score of a surviving window; a hit goes to the chunk's buffer (counted
        beyond ``cap`` so that the chunk can be rerun larger). Returns the new count."""
        ok, cost, mm = _exact(lo, hi, nm, g, strand, q, q_L, q_raw, q_pb, q_p0, q_final,
                              q_masks)
        if ok:
            if cnt < cap:
                out_q[base + cnt] = q
                out_p[base + cnt] = g
                out_s[base + cnt] = strand
                out_m[base + cnt] = mm
                out_c[base + cnt] = cost
            cnt += 1
        return cnt

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
                carry = _add_plane(C[b], X[b], CY, nw, carry)
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
                    _set_counters(C, t - 1, init)
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
                        x0 = _sh(P, m, t, off) if m else ZERO
                        m = pos_m[k, 1]
                        x1 = _sh(P, m, t, off) if m else ZERO
                        m = pos_m[k, 2]
                        x2 = _sh(P, m, t, off) if m else ZERO
                        m = pos_m[k, 3]
                        x3 = _sh(P, m, t, off) if m else ZERO
                        m = pos_m[k, 4]
                        x4 = _sh(P, m, t, off) if m else ZERO
                        m = pos_m[k, 5]
                        x5 = _sh(P, m, t, off) if m else ZERO
                        m = pos_m[k, 6]
                        x6 = _sh(P, m, t, off) if m else ZERO
                        c0, c1, c2, c3, c4, c5, c6, cy = _ripple7(
                            c0, c1, c2, c3, c4, c5, c6, x0, x1, x2, x3, x4, x5, x6)
                        dead |= cy
                        if dead == ONES:
                            break
                    if dead == ONES:
                        continue
                    alive = ~dead
                    while alive != ZERO:  # survivors in lane order
                        b = np.int64(_cttz64(alive))  # type: ignore[call-arg]
                        alive &= alive - one
                        cnt = _emit(lo, hi, nm, gw + b, strand, q, q_L, q_raw, q_pb, q_p0,
                                    q_final, q_masks, cap, base, cnt, out_q, out_p, out_s,
                                    out_m, out_c)
            counts[ci] = cnt

    _scored_chunks_serial = njit(nogil=True, cache=True)(
        _renamed(_scored_chunks.py_func, "_scored_chunks_serial")
    )

    # ----------------------------------------------------------------- anchored kernel
    # Position-0 filters (TALE-NT's T rule: 'T' before the + strand window, 'A' after the
    # - strand one) leave ~1/4 of all window starts as candidates, yet the kernel above adds
    # every repeat to all 64 lanes of each word. The anchored kernel first compacts the
    # windows whose position-0 base is allowed ("anchors"): for each anchor a 64-bit stretch
    # of the lo / hi / N planes around it is cut out (one funnel shift each) and 64 anchors at
    # a time are bit-transposed, so that row k of the compacted planes holds, for 64
    # consecutive anchors, the base k positions into their stretch. Every query of the group
    # (same strand, same position-0 rule) then runs the same two stages over ~4x fewer words;
    # the compaction (about one transpose per 64 anchors per plane) is shared by all of them.

    @intrinsic
    def _cttz64(typingctx: Any, x: Any) -> Any:  # pragma: no cover - compiled
        """Index of the lowest set bit (LLVM cttz; ``x`` must be non-zero)."""
        sig = types.uint64(types.uint64)

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            return builder.cttz(args[0], llvm_ir.Constant(llvm_ir.IntType(1), 1))

        return sig, codegen

    @njit(nogil=True, cache=True, inline="always")
    def _transpose64(A: Any) -> None:  # pragma: no cover - compiled
        """In place: afterwards bit ``i`` of ``A[k]`` is bit ``k`` of the original ``A[i]``
        (the recursive block swap of Warren, Hacker's Delight, 2nd ed., 7-3)."""
        j = 32
        m = np.uint64(0x00000000FFFFFFFF)
        while j != 0:
            uj = np.uint64(j)
            k = 0
            while k < 64:
                t = ((A[k] >> uj) ^ A[k + j]) & m
                A[k] ^= t << uj
                A[k + j] ^= t
                k = (k + j + 1) & ~j
            j >>= 1
            m ^= m << np.uint64(j)

    @njit(nogil=True, cache=True, inline="always")
    def _stretch(X: Any, st: int, fill: Any) -> Any:  # pragma: no cover - compiled
        """Bits of plane ``X`` for global positions ``st .. st + 63`` (``fill`` outside)."""
        n = X.size
        w = st >> 6
        b = st & 63
        lo_w = X[w] if 0 <= w < n else fill
        if b == 0:
            return lo_w
        hi_w = X[w + 1] if 0 <= w + 1 < n else fill
        ub = np.uint64(b)
        return (lo_w >> ub) | (hi_w << (np.uint64(64) - ub))

    @njit(nogil=True, cache=True, inline="always")
    def _exact(  # pragma: no cover - compiled
        lo: Any, hi: Any, nm: Any, g: int, strand: int, q: int,
        q_L: Any, q_raw: Any, q_pb: Any, q_p0: Any, q_final: Any, q_masks: Any,
    ) -> Any:
        """Exact cost of window ``g`` (see taleforge.model.costs); (hit, cost, mismatches).
        The window and its position-0 base are cut out of the 2-bit planes once (one funnel
        shift per plane); windows touching an N or the genome ends go base by base."""
        L = q_L[q]
        st = g - 1 if strand == 1 else g  # first genome position of the L + 1 bases read
        if L >= 64 or st < 0 or st + L + 1 > lo.size * 64:
            return _exact_slow(lo, hi, nm, g, strand, q, q_L, q_raw, q_pb, q_p0, q_final,
                               q_masks)
        one = np.uint64(1)
        ZERO = np.uint64(0)
        yn = _stretch(nm, st, ~ZERO)
        if (yn & ((one << np.uint64(L + 1)) - one)) != ZERO:
            return _exact_slow(lo, hi, nm, g, strand, q, q_L, q_raw, q_pb, q_p0, q_final,
                               q_masks)
        yl = _stretch(lo, st, ZERO)
        yh = _stretch(hi, st, ZERO)
        s = 0.0
        mm = 0
        for j in range(L):
            ub = np.uint64(j + 1) if strand == 1 else np.uint64(L - 1 - j)
            c = np.int64((yl >> ub) & one) | (np.int64((yh >> ub) & one) << np.int64(1))
            if strand != 1:
                c = 3 - c
            ok, s, mm = _step(s, mm, q, j, c, q_raw, q_pb, q_masks)
            if not ok:
                return False, 0.0, 0
        ub = np.uint64(0) if strand == 1 else np.uint64(L)
        c0 = np.int64((yl >> ub) & one) | (np.int64((yh >> ub) & one) << np.int64(1))
        if strand != 1:
            c0 = 3 - c0
        return _close(s, mm, c0, q, q_p0, q_final)

    @njit(nogil=True, cache=True, inline="always")
    def _anf(T: Any, k: int, b: int, lw: Any, hw: Any, lh: Any) -> Any:  # pragma: no cover
        """Weight bit ``b`` of entry ``k`` for 64 lanes without branches: the algebraic
        normal form of its truth table over the base's two code bits (``T[k, b]``:
        constant, lo, hi and lo-and-hi coefficients, each 0 or all ones). Lanes with an N
        are dead already and get an arbitrary value."""
        return T[k, b, 0] ^ (lw & T[k, b, 1]) ^ (hw & T[k, b, 2]) ^ (lh & T[k, b, 3])

    @njit(nogil=True, cache=True, inline="always")
    def _mask_plane(m: int, lw: Any, hw: Any, nn: Any) -> Any:  # pragma: no cover - compiled
        """"The base is in the 5-bit mask ``m``" from compacted lo / hi / N words."""
        good = ~nn
        v = np.uint64(0)
        if m & 1:
            v |= ~lw & ~hw & good
        if m & 2:
            v |= lw & ~hw & good
        if m & 4:
            v |= ~lw & hw & good
        if m & 8:
            v |= lw & hw & good
        if m & 16:
            v |= nn
        return v

    @njit(nogil=True, cache=True)
    def _fill_plane(  # pragma: no cover - compiled
        S: Any, u: int, m: int, kk: int, LOc: Any, HIc: Any, NNc: Any, nwc: int
    ) -> None:
        for t in range(nwc):
            S[u, t] = _mask_plane(m, LOc[kk, t], HIc[kk, t], NNc[kk, t])

    @njit(nogil=True, cache=True)
    def _dense_step_anchored(  # pragma: no cover - compiled
        S: Any, have: Any, C: Any, D: Any, CY: Any, nwc: int, k: int, pos_m: Any, pos_k: Any,
        pos_u: Any, LOc: Any, HIc: Any, NNc: Any,
    ) -> None:
        """As :func:`_dense_step`, on compacted planes made on first use (``have``)."""
        carry = False
        for b in range(7):
            u = pos_u[k, b]
            if u >= 0:
                if not have[u]:
                    _fill_plane(S, u, pos_m[k, b], pos_k[k], LOc, HIc, NNc, nwc)
                    have[u] = True
                carry = _add_plane(C[b], S[u], CY, nwc, carry)
            elif carry:
                _carry_bit(C[b], CY, nwc)
        if carry:
            _or_into(D, CY, nwc)

    @njit(parallel=True, nogil=True, cache=True)
    def _anchored_chunks(  # pragma: no cover - compiled
        lo: Any, hi: Any, nm: Any, chunk_w0: Any, chunk_nw: Any, rstart: int, rend: int,
        g_rows: Any, g_start: Any, g_end: Any, g_strand: Any, g_amask: Any, g_dmin: Any,
        g_dmax: Any, g_nu: Any, g_lens: Any, g_loff: Any, g_nlens: Any, row_li: Any,
        g_width: Any, oq_q: Any, oq_poff: Any, oq_npos: Any, oq_init: Any,
        pos_m: Any, pos_k: Any, pos_u: Any, pos_t: Any,
        q_L: Any, q_raw: Any, q_pb: Any, q_p0: Any, q_final: Any, q_masks: Any,
        cap: int, out_q: Any, out_p: Any, out_s: Any, out_m: Any, out_c: Any, counts: Any,
        dense_div: int,
    ) -> None:
        ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
        ZERO = np.uint64(0)
        one = np.uint64(1)
        nwords = lo.size
        for ci in prange(chunk_w0.size):
            w0 = chunk_w0[ci]
            nw = chunk_nw[ci]
            G0 = max(w0 * 64, rstart)
            G1 = min((w0 + nw) * 64, rend)
            cnt = 0
            base = ci * cap
            for gi in range(g_start.size):
                if G1 <= G0:
                    break
                strand = g_strand[gi]
                am = g_amask[gi]
                A0 = max(G0 + g_dmin[gi], 0)
                A1 = min(G1 + g_dmax[gi], nwords * 64)
                if A1 <= A0:
                    continue
                anchors = np.empty(A1 - A0, dtype=np.int64)
                na = 0
                for w in range(A0 >> 6, ((A1 - 1) >> 6) + 1):
                    v = _mask_plane(am, lo[w], hi[w], nm[w])
                    if w * 64 < A0:
                        v &= ONES << np.uint64(A0 - w * 64)
                    if (w + 1) * 64 > A1:
                        v &= ONES >> np.uint64((w + 1) * 64 - A1)
                    while v != ZERO:
                        anchors[na] = w * 64 + np.int64(_cttz64(v))  # type: ignore[call-arg]
                        na += 1
                        v &= v - one
                if na == 0:
                    continue
                nwc = (na + 63) // 64
                width = g_width[gi]  # 32: lo and hi stretches share one transposed row
                top = width - 1
                LOc = np.empty((width, nwc), dtype=np.uint64)
                HIc = np.empty((width, nwc), dtype=np.uint64)
                NNc = np.empty((width, nwc), dtype=np.uint64)
                blo = np.empty(64, dtype=np.uint64)
                bhi = np.empty(64, dtype=np.uint64)
                bnn = np.empty(64, dtype=np.uint64)
                LOW = np.uint64(0xFFFFFFFF)
                half = width == 32
                for t in range(nwc):
                    anyn = ZERO
                    for i in range(64):
                        li = t * 64 + i
                        if li < na:
                            st = anchors[li] if strand == 1 else anchors[li] - top
                            w = st >> 6
                            if 0 <= w and w + 1 < nwords:  # interior: one funnel shift each
                                ub = np.uint64(st & 63)
                                if ub == ZERO:
                                    yl = lo[w]
                                    yh = hi[w]
                                    yn = nm[w]
                                else:
                                    vb = np.uint64(64) - ub
                                    yl = (lo[w] >> ub) | (lo[w + 1] << vb)
                                    yh = (hi[w] >> ub) | (hi[w + 1] << vb)
                                    yn = (nm[w] >> ub) | (nm[w + 1] << vb)
                            else:
                                yl = _stretch(lo, st, ZERO)
                                yh = _stretch(hi, st, ZERO)
                                yn = _stretch(nm, st, ONES)
                        else:
                            yl = ZERO
                            yh = ZERO
                            yn = ONES
                        if half:
                            blo[i] = (yl & LOW) | (yh << np.uint64(32))
                            yn &= LOW
                        else:
                            blo[i] = yl
                            bhi[i] = yh
                        bnn[i] = yn
                        anyn |= yn
                    _transpose64(blo)
                    if half:
                        for k in range(32):
                            LOc[k, t] = blo[k]
                            HIc[k, t] = blo[32 + k]
                    else:
                        _transpose64(bhi)
                        for k in range(64):
                            LOc[k, t] = blo[k]
                            HIc[k, t] = bhi[k]
                    if anyn != ZERO:  # N / padding is rare: most blocks skip this transpose
                        _transpose64(bnn)
                        for k in range(width):
                            NNc[k, t] = bnn[k]
                    else:
                        for k in range(width):
                            NNc[k, t] = ZERO
                # N-window planes, one per array length of the group
                nl = g_nlens[gi]
                NW = np.zeros((nl, nwc), dtype=np.uint64)
                for li in range(nl):
                    L = g_lens[g_loff[gi] + li]
                    k0w = 1 if strand == 1 else top - L
                    for o in range(L):
                        kk = k0w + o
                        for t in range(nwc):
                            NW[li, t] |= NNc[kk, t]
                S = np.empty((g_nu[gi], nwc), dtype=np.uint64)
                have = np.zeros(g_nu[gi], dtype=np.bool_)
                C = np.empty((7, nwc), dtype=np.uint64)
                D = np.empty(nwc, dtype=np.uint64)
                CY = np.empty(nwc, dtype=np.uint64)
                for ri in range(g_start[gi], g_end[gi]):
                    o = g_rows[ri]
                    q = oq_q[o]
                    L = q_L[q]
                    d = -1 if strand == 1 else L
                    # lanes whose window start g = anchor - d lies in [G0, G1)
                    i0 = np.searchsorted(anchors[:na], G0 + d)
                    i1 = np.searchsorted(anchors[:na], G1 + d)
                    if i1 <= i0:
                        continue
                    init = oq_init[o]
                    lrow = row_li[ri]
                    for t in range(nwc):
                        lane0 = t * 64
                        dead = NW[lrow, t]
                        if lane0 < i0:
                            dead |= ONES if i0 - lane0 >= 64 else ~(ONES << np.uint64(i0 - lane0))
                        if lane0 + 64 > i1:
                            dead |= ONES if i1 <= lane0 else ONES << np.uint64(i1 - lane0)
                        D[t] = dead
                        _set_counters(C, t, init)
                    poff = oq_poff[o]
                    npos = oq_npos[o]
                    k0 = poff
                    while k0 < poff + npos:
                        _dense_step_anchored(S, have, C, D, CY, nwc, k0, pos_m, pos_k, pos_u,
                                             LOc, HIc, NNc)
                        k0 += 1
                        n_alive = 0
                        for i in range(nwc):
                            n_alive += D[i] != ONES
                        if n_alive * dense_div < nwc:
                            break
                    for t in range(nwc):
                        dead = D[t]
                        if dead == ONES:
                            continue
                        c0 = C[0, t]
                        c1 = C[1, t]
                        c2 = C[2, t]
                        c3 = C[3, t]
                        c4 = C[4, t]
                        c5 = C[5, t]
                        c6 = C[6, t]
                        for k in range(k0, poff + npos):
                            kk = pos_k[k]
                            lw = LOc[kk, t]
                            hw = HIc[kk, t]
                            lh = lw & hw
                            x0 = _anf(pos_t, k, 0, lw, hw, lh)
                            x1 = _anf(pos_t, k, 1, lw, hw, lh)
                            x2 = _anf(pos_t, k, 2, lw, hw, lh)
                            x3 = _anf(pos_t, k, 3, lw, hw, lh)
                            x4 = _anf(pos_t, k, 4, lw, hw, lh)
                            x5 = _anf(pos_t, k, 5, lw, hw, lh)
                            x6 = _anf(pos_t, k, 6, lw, hw, lh)
                            c0, c1, c2, c3, c4, c5, c6, cy = _ripple7(
                                c0, c1, c2, c3, c4, c5, c6, x0, x1, x2, x3, x4, x5, x6)
                            dead |= cy
                            if dead == ONES:
                                break
                        if dead == ONES:
                            continue
                        alive = ~dead
                        while alive != ZERO:  # survivors in lane order
                            b = np.int64(_cttz64(alive))  # type: ignore[call-arg]
                            alive &= alive - one
                            cnt = _emit(lo, hi, nm, anchors[t * 64 + b] - d, strand, q,
                                        q_L, q_raw, q_pb, q_p0, q_final, q_masks, cap,
                                        base, cnt, out_q, out_p, out_s, out_m, out_c)
            counts[ci] = cnt

    _anchored_chunks_serial = njit(nogil=True, cache=True)(
        _renamed(_anchored_chunks.py_func, "_anchored_chunks_serial")
    )


def _run(
    packed: PackedGenome, plan: _Plan, chunk_w0: NDArray[np.int64], chunk_nw: NDArray[np.int64],
    r0: int, r1: int, cap: int, serial: bool,
    split: tuple[_Anchored | None, NDArray[np.int64]] | None = None,
) -> list[tuple[NDArray[Any], ...]]:
    """Hits of the chunks: rows with a position-0 filter in groups of at least
    ``anchored_min_rows`` through the anchored kernel, the others through the plain one."""
    anch, rest = split if split is not None else (None, np.arange(plan.oq["q"].size))
    dense_div = int(SCORED_SCAN_PARAMS["dense_until_alive_fraction_inv"])
    parts: list[tuple[NDArray[Any], ...]] = []
    if rest.size:
        plain: Any = _scored_chunks_serial if serial else _scored_chunks
        sub = {k: np.ascontiguousarray(v[rest]) for k, v in plan.oq.items()}

        def run_plain(w0: NDArray[np.int64], nw: NDArray[np.int64], cp: int,
                      outs: tuple[NDArray[Any], ...]) -> None:
            plain(
                packed.lo, packed.hi, packed.nmask, w0, nw, r0, r1,
                sub["q"], sub["s"], sub["poff"], sub["npos"], sub["init"], sub["p0m"],
                sub["p0o"], plan.pos_off, plan.pos_m, plan.q_len, plan.q_raw, plan.q_pb,
                plan.q_p0, plan.q_final, plan.q_masks, plan.used, cp, *outs, dense_div,
                plan.lens, sub["lrow"],
            )

        parts += _collect(run_plain, chunk_w0, chunk_nw, cap)
    if anch is not None:
        anchored: Any = _anchored_chunks_serial if serial else _anchored_chunks
        oq = plan.oq

        def run_anchored(w0: NDArray[np.int64], nw: NDArray[np.int64], cp: int,
                         outs: tuple[NDArray[Any], ...]) -> None:
            anchored(
                packed.lo, packed.hi, packed.nmask, w0, nw, r0, r1,
                anch.g_rows, anch.g_start, anch.g_end, anch.g_strand, anch.g_amask,
                anch.g_dmin, anch.g_dmax, anch.g_nu, anch.g_lens, anch.g_loff, anch.g_nlens,
                anch.row_li, anch.g_width, oq["q"], oq["poff"], oq["npos"], oq["init"],
                plan.pos_m, anch.pos_k, anch.pos_u, anch.pos_t, plan.q_len, plan.q_raw, plan.q_pb,
                plan.q_p0, plan.q_final, plan.q_masks, cp, *outs, dense_div,
            )

        parts += _collect(run_anchored, chunk_w0, chunk_nw, cap)
    return parts


def _collect(
    call: Any, chunk_w0: NDArray[np.int64], chunk_nw: NDArray[np.int64], cap: int
) -> list[tuple[NDArray[Any], ...]]:
    """Run ``call`` (a kernel over chunks with per-chunk buffers of ``cap`` hits), keep the
    filled part of each buffer, and rerun overflowing chunks with room for all their hits."""
    n = chunk_w0.size
    outs = (np.empty(n * cap, np.int32), np.empty(n * cap, np.int64), np.empty(n * cap, np.int8),
            np.empty(n * cap, np.int8), np.empty(n * cap, np.float64), np.zeros(n, np.int64))
    call(chunk_w0, chunk_nw, cap, outs)
    counts = outs[5]
    over = counts > cap
    keep = np.where(over, 0, counts)
    ends = np.cumsum(keep)
    shift = np.arange(n, dtype=np.int64) * cap - (ends - keep)
    idx = np.arange(int(ends[-1]) if n else 0, dtype=np.int64) + np.repeat(shift, keep)
    parts: list[tuple[NDArray[Any], ...]] = [tuple(o[idx] for o in outs[:5])]
    if over.any():
        parts += _collect(call, chunk_w0[over], chunk_nw[over], int(counts.max()))
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
    split = _anchor_split(plan, int(SCORED_SCAN_PARAMS["anchored_min_rows"]))
    cw = int(SCORED_SCAN_PARAMS["chunk_words"])
    call_words = max(cw, int(SCORED_SCAN_PARAMS["call_words"]) // cw * cw)
    # per-chunk result buffers sized from the expected hits (the filter's pass fraction, an
    # upper estimate): a pooled pass of many queries would otherwise overflow every chunk's
    # buffer and run the whole kernel twice
    expect = sum(expected_hit_fraction(sq) for sq in queries) * len(strand_list) * cw * WORD_BITS
    cap = max(int(SCORED_SCAN_PARAMS["buffer_hits_per_chunk"]),
              int(float(SCORED_SCAN_PARAMS["buffer_expected_factor"]) * expect))
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
                parts = _run(packed, plan, chunk_w0, chunk_nw, b0, b1, cap, serial, split)
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



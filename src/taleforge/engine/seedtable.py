"""Lossless pigeonhole seed table for batches of mismatch-mode queries (backend
``"seedtable"``, or chosen by the cost model under ``"auto"``). See engine/README.md."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from taleforge.genome.packed import WORD_BITS, PackedGenome
from taleforge.progress import ProgressCallback, report

from .kernel_util import _raw_concat, _renamed, _select, numba
from .scan_reference import COMP_MASK, RawHits

if numba is not None:
    from numba import njit, prange


def _popcount4(m: int) -> int:
    return bin(int(m)).count("1")


#
# For batches of queries a lossless pigeonhole filter beats the per-query bit-parallel scan:
# cut each (query, strand) window into P pieces; a window with <= k mismatches has a piece
# with <= e = k // P mismatches (else the total would be >= P*(e+1) > k). The first h bases
# of every piece ("seed") are expanded into all h-mers within e mismatches of the RVD masks
# and put into one table; a single pass over the genome looks up the h-mer at every
# position and verifies each candidate window completely (all L positions, N, position 0).
# A window is reported only from the first piece whose seed has <= e mismatches, so each
# hit appears once. Nothing can be missed: the filter is exact, not heuristic.

PIGEON_MIN_SEED = 5  # shortest seed (bp) worth a table
PIGEON_MAX_SEED = 10  # 4**10 buckets
PIGEON_MAX_VARIANTS = 4096  # h-mers per seed
PIGEON_MIN_PAIRS = 6  # (query, strand) pairs before the table pays off
PIGEON_CHUNK_BP = 1 << 16
#: costs in units of "one (query, strand) pair scanned bit-parallel over one bp"
#: (~0.65 ns/bp wall on 2 cores for k = 4; benchmarks/bench_scan_batch.py): the seed-table
#: pass over the genome costs ~30 of them, each verified candidate ~110
PIGEON_PASS_COST = 30.0
PIGEON_CAND_COST = 110.0
#: a (query, strand) joins the table when its candidates cost less than scanning it
#: bit-parallel (PIGEON_CAND_COST * candidates per bp < 1)
PIGEON_MAX_CAND_PER_BP = 1.0 / PIGEON_CAND_COST


def _subcube(m: int) -> tuple[int, int] | None:
    """(care, value) with {codes in m} == {c : c & care == value}, or None."""
    codes = [c for c in range(4) if (m >> c) & 1]
    if not codes:
        return None
    for care in (3, 1, 2, 0):
        val = codes[0] & care
        if {c for c in range(4) if c & care == val} == set(codes):
            return care, val
    return None


def _n_variants(seed: Sequence[int], e: int) -> int:
    """Number of h-mers with <= e positions outside the seed masks."""
    dist = [1] + [0] * e
    for m in seed:
        inside = _popcount4(m)
        new = [0] * (e + 1)
        for j in range(e + 1):
            new[j] += dist[j] * inside
            if j + 1 <= e:
                new[j + 1] += dist[j] * (4 - inside)
        dist = new
    return sum(dist)


def _variants(seed: Sequence[int], e: int) -> NDArray[np.int64]:
    """All h-mers with <= e positions outside the masks, as planar keys: the low bit of
    base i at bit i, its high bit at bit h+i (h = len(seed))."""
    h = len(seed)
    codes = np.zeros(1, dtype=np.int64)
    budget = np.full(1, e, dtype=np.int64)
    c4 = np.arange(4, dtype=np.int64)
    for i, m in enumerate(seed):
        cost = np.array([0 if (m >> c) & 1 else 1 for c in range(4)], dtype=np.int64)
        planar = ((c4 & 1) << i) | ((c4 >> 1) << (h + i))
        nc = (codes[:, None] | planar[None, :]).ravel()
        nb = (budget[:, None] - cost[None, :]).ravel()
        keep = nb >= 0
        codes, budget = nc[keep], nb[keep]
    return codes


def _pieces(L: int, P: int) -> list[int]:
    """Start offsets of P near-equal pieces of a length-L window."""
    base, extra = divmod(L, P)
    starts, pos = [], 0
    for i in range(P):
        starts.append(pos)
        pos += base + (1 if i < extra else 0)
    return starts


@dataclass(frozen=True)
class _PigeonPlan:
    h: int
    pairs: frozenset[tuple[int, int]]
    arrays: dict[str, NDArray[Any]]
    cand_per_bp: float


def _genome_order_masks(m: NDArray[np.uint8], s: int) -> NDArray[np.int64]:
    return (m if s == 1 else COMP_MASK[m[::-1]]).astype(np.int64)


def _best_piece_plan(gm: NDArray[np.int64], k: int, h: int) -> tuple[int, int, float] | None:
    """(P, e, candidates per genome position) of the cheapest plan with seed length h."""
    L = int(gm.size)
    best: tuple[int, int, float] | None = None
    for P in range(1, k + 2):
        if L // P < h:
            break
        e = k // P
        cand = 0.0
        ok = True
        for st in _pieces(L, P):
            nv = _n_variants([int(x) for x in gm[st : st + h]], e)
            if nv > PIGEON_MAX_VARIANTS:
                ok = False
                break
            cand += nv / 4.0**h
        if ok and (best is None or cand < best[2]):
            best = (P, e, cand)
    return best


def _pigeon_plan(
    masks: Sequence[NDArray[np.uint8]],
    ks: Sequence[int],
    pos0_mask: int,
    pairs: Sequence[tuple[int, int]],
    force: bool = False,
) -> _PigeonPlan | None:
    """Seed table for the (query, strand) pairs that profit from it, or None. ``force``
    (backend ``"seedtable"``): every eligible pair, whatever its expected candidates."""
    min_pairs = 1 if force else PIGEON_MIN_PAIRS
    max_cand = math.inf if force else PIGEON_MAX_CAND_PER_BP
    if len(pairs) < min_pairs:
        return None
    eligible = []
    for q, s in pairs:
        gm = _genome_order_masks(masks[q], s)
        if all(_subcube(int(x)) is not None for x in gm):
            eligible.append((q, s, gm))
    if len(eligible) < min_pairs:
        return None
    # pick the seed length with the fewest expected candidates (+ a fixed per-bp cost)
    best_h, best_cost, best_sel = 0, float("inf"), []
    for h in range(PIGEON_MAX_SEED, PIGEON_MIN_SEED - 1, -1):
        sel = []
        cand = 0.0
        for q, s, gm in eligible:
            pl = _best_piece_plan(gm, ks[q], h)
            # a pair joins the table when its candidates cost less than scanning it
            # bit-parallel (~1 ns/bp vs ~25 ns per verified candidate)
            if pl is not None and pl[2] < max_cand:
                sel.append((q, s, gm, pl))
                cand += pl[2]
        if len(sel) < min_pairs:
            continue
        # the table pays off only when it is cheaper than the bit-parallel scans it replaces
        cost = PIGEON_PASS_COST + PIGEON_CAND_COST * cand - 1.0 * len(sel)
        if force:
            cost = -float(len(sel)) * 1e12 + cand  # most pairs in the table, then fewest candidates
        if cost < 0 and cost < best_cost:
            best_h, best_cost, best_sel = h, cost, sel
    if not best_sel:
        return None
    h = best_h
    codes: list[NDArray[np.int64]] = []
    ents: list[NDArray[np.int64]] = []
    cols: dict[str, list[int]] = {
        k_: [] for k_ in ("L", "k", "p0m", "p0o", "s", "q", "qlo", "qhi", "clo", "chi",
                          "pc_off", "pc_n", "e")
    }  # fmt: skip
    pc_mask: list[int] = []
    total_cand = 0.0
    for o, (q, s, gm, (P, e, cand)) in enumerate(best_sel):
        L = int(gm.size)
        total_cand += cand
        qlo = qhi = clo = chi = 0
        for i, m in enumerate(gm):
            sc = _subcube(int(m))
            if sc is None:  # pragma: no cover - filtered above
                raise RuntimeError("non-subcube mask in pigeon plan")
            care, val = sc
            clo |= (care & 1) << i
            chi |= ((care >> 1) & 1) << i
            qlo |= (val & 1) << i
            qhi |= ((val >> 1) & 1) << i
        starts = _pieces(L, P)
        cols["pc_off"].append(len(pc_mask))
        cols["pc_n"].append(P)
        for pi, st in enumerate(starts):
            pc_mask.append(((1 << h) - 1) << st)
            var = _variants([int(x) for x in gm[st : st + h]], e)
            codes.append(var)
            # entry = oriented query << 16 | piece start << 8 | piece index (one load each)
            ents.append(np.full(var.size, (o << 16) | (st << 8) | pi, dtype=np.int64))
        p0m = pos0_mask if s == 1 else (int(COMP_MASK[pos0_mask]) if pos0_mask else 0)
        for key, v in (("L", L), ("k", ks[q]), ("p0m", p0m), ("p0o", -1 if s == 1 else L),
                       ("s", s), ("q", q), ("qlo", qlo), ("qhi", qhi), ("clo", clo),
                       ("chi", chi), ("e", e)):  # fmt: skip
            cols[key].append(v)
    all_codes = np.concatenate(codes)
    order = np.argsort(all_codes, kind="stable")
    code_arr = all_codes[order]
    bstart = np.searchsorted(code_arr, np.arange(4**h + 1, dtype=np.int64)).astype(np.int32)
    occupied = np.zeros(4**h, dtype=np.bool_)
    occupied[code_arr] = True
    arrays: dict[str, NDArray[Any]] = {
        "bstart": bstart,
        "bitmap": np.packbits(occupied, bitorder="little").view("<u8").astype(np.uint64),
        "entry": np.concatenate(ents)[order],
        "pc_mask": np.asarray(pc_mask, dtype=np.uint64),
    }
    for key, vals in cols.items():
        dt = np.uint64 if key in ("qlo", "qhi", "clo", "chi") else np.int64
        arrays[key] = np.asarray(vals, dtype=dt)
    return _PigeonPlan(h, frozenset((q, s) for q, s, _, _ in best_sel), arrays, total_cand)


if numba is not None:

    @njit(nogil=True, cache=True, inline="always")
    def _popc(x: Any) -> Any:  # pragma: no cover - compiled
        x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
        x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
        x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
        return np.int64((x * np.uint64(0x0101010101010101)) >> np.uint64(56))

    @njit(nogil=True, cache=True, inline="always")
    def _bits_at(X: Any, pos: int, fill: Any) -> Any:  # pragma: no cover - compiled
        """64 bits of plane X from global position ``pos`` (``fill`` beyond the ends)."""
        nwords = X.size
        wi = pos >> 6
        sh = np.uint64(pos & 63)
        a = X[wi] if 0 <= wi < nwords else fill
        b = X[wi + 1] if 0 <= wi + 1 < nwords else fill
        return (a >> sh) | ((b << np.uint64(1)) << (np.uint64(63) - sh))

    @njit(parallel=True, nogil=True, cache=True)
    def _pigeon_chunks(  # pragma: no cover - compiled
        lo: Any, hi: Any, nm: Any, chunk_a: Any, chunk_b: Any, h: int, Lmax: int,
        bstart: Any, bitmap: Any, entry: Any, pc_mask: Any,
        o_L: Any, o_k: Any, o_p0m: Any, o_p0o: Any, o_s: Any, o_q: Any,
        o_qlo: Any, o_qhi: Any, o_clo: Any, o_chi: Any, o_pcoff: Any, o_pcn: Any, o_e: Any,
        cap: int, out_q: Any, out_p: Any, out_s: Any, out_m: Any, counts: Any,
    ) -> None:
        """Seed lookup at every position of each chunk of window starts [a, b)."""
        ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
        ZERO = np.uint64(0)
        one = np.uint64(1)
        nwords = lo.size
        total = nwords * 64
        for ci in prange(chunk_a.size):
            a = chunk_a[ci]
            b = chunk_b[ci]
            cnt = 0
            base = ci * cap
            # seeds start in [a, b + Lmax)
            p_end = min(b + Lmax, total - h + 1)
            hm1 = ONES >> np.uint64(64 - h)
            s63 = np.uint64(63)
            uh = np.uint64(h)
            for w in range(a >> 6, ((p_end - 1) >> 6) + 1):
                l0 = lo[w]
                h0 = hi[w]
                n0 = nm[w]
                if w + 1 < nwords:
                    l1 = lo[w + 1]
                    h1 = hi[w + 1]
                    n1 = nm[w + 1]
                else:
                    l1 = ZERO
                    h1 = ZERO
                    n1 = ONES
                jlo = max(0, a - w * 64)
                jhi = min(64, p_end - w * 64)
                for jj in range(jlo, jhi):
                    uj = np.uint64(jj)
                    if ((n0 >> uj) | ((n1 << one) << (s63 - uj))) & hm1:
                        continue
                    key = np.int64(
                        (((l0 >> uj) | ((l1 << one) << (s63 - uj))) & hm1)
                        | ((((h0 >> uj) | ((h1 << one) << (s63 - uj))) & hm1) << uh)
                    )
                    if not (bitmap[key >> 6] >> np.uint64(key & 63)) & one:
                        continue
                    p = w * 64 + jj
                    j0 = bstart[key]
                    j1 = bstart[key + 1]
                    for j in range(j0, j1):
                        ent = entry[j]
                        o = ent >> 16
                        ws = p - ((ent >> 8) & 255)
                        if ws < a or ws >= b:
                            continue
                        L = o_L[o]
                        lmask = (ONES >> np.uint64(64 - L))
                        nb = _bits_at(nm, ws, ONES) & lmask
                        if nb != ZERO:
                            continue
                        lb = _bits_at(lo, ws, ZERO)
                        hb = _bits_at(hi, ws, ZERO)
                        mmb = (((lb ^ o_qlo[o]) & o_clo[o]) | ((hb ^ o_qhi[o]) & o_chi[o])) & lmask
                        e = o_e[o]
                        first = -1
                        po = o_pcoff[o]
                        for pi in range(o_pcn[o]):
                            if _popc(mmb & pc_mask[po + pi]) <= e:
                                first = pi
                                break
                        if first != (ent & 255):
                            continue
                        mm = _popc(mmb)
                        if mm > o_k[o]:
                            continue
                        p0m = o_p0m[o]
                        if p0m != 0:
                            pp = ws + o_p0o[o]
                            if pp < 0 or pp >= total:
                                continue
                            if (_bits_at(nm, pp, ONES) & one) != ZERO:
                                continue
                            c0 = np.int64(_bits_at(lo, pp, ZERO) & one) | (
                                np.int64(_bits_at(hi, pp, ZERO) & one) << 1
                            )
                            if not (p0m >> c0) & 1:
                                continue
                        if cnt < cap:
                            out_q[base + cnt] = o_q[o]
                            out_p[base + cnt] = ws
                            out_s[base + cnt] = o_s[o]
                            out_m[base + cnt] = mm
                        cnt += 1
            counts[ci] = cnt

    _pigeon_chunks_serial = njit(nogil=True, cache=True)(
        _renamed(_pigeon_chunks.py_func, "_pigeon_chunks_serial")
    )


def _pigeon_run(
    packed: PackedGenome,
    plan: _PigeonPlan,
    region: tuple[int, int],
    progress: ProgressCallback | None,
    serial: bool,
    call_words: int,
) -> RawHits:
    r0, r1 = region
    A = plan.arrays
    Lmax = int(A["L"].max())
    step = int(call_words) * WORD_BITS
    cap = int(min(1 << 16, 8 * plan.cand_per_bp * PIGEON_CHUNK_BP + 256))
    parts: list[RawHits] = []
    report(progress, "scan half-sites (seed table)", 0, r1 - r0)
    for c0 in range(r0, r1, step):
        c1 = min(r1, c0 + step)
        chunk_a = np.arange(c0, c1, PIGEON_CHUNK_BP, dtype=np.int64)
        chunk_b = np.minimum(chunk_a + PIGEON_CHUNK_BP, c1).astype(np.int64)
        parts.append(_pigeon_call(packed, plan, chunk_a, chunk_b, Lmax, cap, serial))
        report(progress, "scan half-sites (seed table)", c1 - r0, r1 - r0)
    return _raw_concat(parts)


def _pigeon_call(
    packed: PackedGenome,
    plan: _PigeonPlan,
    chunk_a: NDArray[np.int64],
    chunk_b: NDArray[np.int64],
    Lmax: int,
    cap: int,
    serial: bool,
) -> RawHits:
    A = plan.arrays
    n = chunk_a.size
    out_q = np.empty(n * cap, np.int32)
    out_p = np.empty(n * cap, np.int64)
    out_s = np.empty(n * cap, np.int8)
    out_m = np.empty(n * cap, np.int8)
    counts = np.zeros(n, np.int64)
    kernel = _pigeon_chunks_serial if serial else _pigeon_chunks
    kernel(
        packed.lo, packed.hi, packed.nmask, chunk_a, chunk_b, plan.h, Lmax,
        A["bstart"], A["bitmap"], A["entry"], A["pc_mask"],
        A["L"], A["k"], A["p0m"], A["p0o"], A["s"], A["q"],
        A["qlo"], A["qhi"], A["clo"], A["chi"], A["pc_off"], A["pc_n"], A["e"],
        cap, out_q, out_p, out_s, out_m, counts,
    )  # fmt: skip
    raw, over = _select(counts, cap, out_q, out_p, out_s, out_m)
    parts = [raw]
    if over.any():
        parts.append(
            _pigeon_call(packed, plan, chunk_a[over], chunk_b[over], Lmax, int(counts.max()), serial)
        )
    return _raw_concat(parts)



"""Slow, obviously-correct reference for the score-bounded scan (numpy only).

For every contig, every window start and both strands it reads the bound bases in TALE
order and the position-0 base, and applies the exact definition of
:func:`taleforge.model.costs.exact_costs` to each window. Coordinates are those of
:class:`taleforge.engine.scan.HitTable` (``gpos`` = leftmost bound base on the + strand;
strand -1 reads the reverse complement; position 0 is ``gpos-1`` on + and the complement
of ``gpos+L`` on -; outside the contig it is N).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from taleforge.genome.packed import N_CODE, PackedGenome
from taleforge.model.costs import ScoreQuery, exact_costs, mismatch_counts

#: complement of a base code (N stays N)
COMP_CODE = np.array([3, 2, 1, 0, 4], dtype=np.uint8)

ScoredRaw = tuple[
    NDArray[np.int32], NDArray[np.int64], NDArray[np.int8], NDArray[np.int8], NDArray[np.float64]
]


def reference_scored_scan(
    packed: PackedGenome,
    queries: Sequence[ScoreQuery],
    *,
    strands: Sequence[int] = (1, -1),
    region: tuple[int, int] | None = None,
) -> ScoredRaw:
    """Every hit as (query, gpos, strand, mismatches, cost) arrays, unsorted."""
    out: list[ScoredRaw] = []
    r0, r1 = region if region is not None else (0, packed.total_bits)
    for ci, name in enumerate(packed.names):
        n = int(packed.lengths[ci])
        off = int(packed.offsets[ci])
        if n == 0:
            continue
        for q, sq in enumerate(queries):
            L = sq.length
            # window starts of this contig inside the region
            w_lo, w_hi = max(0, r0 - off), min(n - L + 1, r1 - off)
            if w_hi <= w_lo:
                continue
            nwin = w_hi - w_lo
            codes = packed.codes(name, w_lo, w_hi + L - 1)
            before = packed.codes(name, w_lo - 1, w_lo) if w_lo > 0 else np.array([N_CODE])
            after = (packed.codes(name, w_hi + L - 1, w_hi + L) if w_hi + L <= n
                     else np.array([N_CODE]))
            ext = np.concatenate([before, codes, after]).astype(np.uint8)
            win = sliding_window_view(codes, L)  # (nwin, L), genome order
            for strand in strands:
                if strand == 1:
                    tale = win
                    p0 = ext[0:nwin]  # base at start-1
                else:
                    tale = COMP_CODE[win[:, ::-1]]
                    p0 = COMP_CODE[ext[L + 1 : L + 1 + nwin]]  # complement of start+L
                ok, cost = exact_costs(sq, tale, p0)
                starts = np.flatnonzero(ok)
                gpos = starts.astype(np.int64) + off + w_lo
                mm = mismatch_counts(sq.masks, tale[starts]).astype(np.int8)
                out.append((
                    np.full(gpos.size, q, dtype=np.int32), gpos,
                    np.full(gpos.size, strand, dtype=np.int8), mm, cost[starts],
                ))
    if not out:
        return (np.zeros(0, np.int32), np.zeros(0, np.int64), np.zeros(0, np.int8),
                np.zeros(0, np.int8), np.zeros(0, np.float64))
    return (
        np.concatenate([o[0] for o in out]),
        np.concatenate([o[1] for o in out]),
        np.concatenate([o[2] for o in out]),
        np.concatenate([o[3] for o in out]),
        np.concatenate([o[4] for o in out]),
    )

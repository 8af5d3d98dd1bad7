"""Slow, obviously-correct reference for the half-site scan (numpy only).

Decodes each contig to base codes (0..3, 4 = N), slides every query over every window
start and counts mismatches position by position. Used by the tests to check the numba
kernel in :mod:`taleforge.engine.scan`, and as ``backend="reference"``.

Conventions (identical to :func:`taleforge.engine.scan.scan_halfsites`):

* a window is identified by ``gpos``, the global coordinate of its leftmost bound base on
  the + strand; it covers ``gpos .. gpos+L-1``;
* strand +1: RVD ``i`` reads the base at ``gpos+i``; position 0 is the base at ``gpos-1``;
* strand -1: RVD ``i`` reads the complement of the base at ``gpos+L-1-i``; position 0 is
  the complement of the base at ``gpos+L``;
* any N (nmask) among the bound bases -> no hit; an N (or contig end) at position 0 fails
  the position-0 filter.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from taleforge.genome.packed import N_CODE, PackedGenome

#: mask of the complementary bases: A(1)<->T(8), C(2)<->G(4)
COMP_MASK = np.array(
    [((m & 1) << 3) | ((m & 2) << 1) | ((m & 4) >> 1) | ((m & 8) >> 3) for m in range(16)],
    dtype=np.uint8,
)

RawHits = tuple[NDArray[np.int32], NDArray[np.int64], NDArray[np.int8], NDArray[np.int8]]


def _matches(mask: int, codes: NDArray[np.uint8]) -> NDArray[np.bool_]:
    """True where ``codes`` (0..4) is a base allowed by the 4-bit ``mask`` (N never is)."""
    table = np.array([(mask >> c) & 1 for c in range(4)] + [0], dtype=np.bool_)
    return table[codes]


def reference_scan(
    packed: PackedGenome,
    masks: Sequence[NDArray[np.uint8]],
    max_mismatches: Sequence[int],
    *,
    pos0_mask: int = 0,
    strands: Sequence[int] = (1, -1),
    region: tuple[int, int] | None = None,
) -> RawHits:
    """All hits as (query, gpos, strand, mismatches) arrays, unsorted.

    ``masks[q]`` is the per-position base mask of query ``q`` (see ``query_masks``);
    ``pos0_mask`` is the 4-bit mask of allowed position-0 bases (0 = no filter)."""
    out_q: list[NDArray[np.int32]] = []
    out_p: list[NDArray[np.int64]] = []
    out_s: list[NDArray[np.int8]] = []
    out_m: list[NDArray[np.int8]] = []
    r0, r1 = region if region is not None else (0, packed.total_bits)
    for ci, name in enumerate(packed.names):
        n = int(packed.lengths[ci])
        off = int(packed.offsets[ci])
        if n == 0:
            continue
        codes = packed.codes(name, 0, n)
        # one N beyond each end stands for the guard padding (position 0 may fall there)
        ext = np.concatenate([[N_CODE], codes, [N_CODE]]).astype(np.uint8)
        for q, (m, k) in enumerate(zip(masks, max_mismatches, strict=True)):
            L = int(m.size)
            nwin = n - L + 1
            if nwin <= 0:
                continue
            for strand in strands:
                mm = np.zeros(nwin, dtype=np.int64)
                has_n = np.zeros(nwin, dtype=np.bool_)
                for i in range(L):
                    # genome offset of RVD i inside the window, and its allowed bases
                    if strand == 1:
                        j, mk = i, int(m[i])
                    else:
                        j, mk = L - 1 - i, int(COMP_MASK[m[i]])
                    win = codes[j : j + nwin]
                    mm += ~_matches(mk, win)
                    has_n |= win == N_CODE
                ok = (~has_n) & (mm <= k)
                if pos0_mask:
                    if strand == 1:
                        p0 = ext[0:nwin]  # base at s-1
                        ok &= _matches(pos0_mask, p0)
                    else:
                        p0 = ext[L + 1 : L + 1 + nwin]  # base at s+L
                        ok &= _matches(int(COMP_MASK[pos0_mask]), p0)
                starts = np.nonzero(ok)[0]
                gpos = starts.astype(np.int64) + off
                keep = (gpos >= r0) & (gpos < r1)
                gpos = gpos[keep]
                out_q.append(np.full(gpos.size, q, dtype=np.int32))
                out_p.append(gpos)
                out_s.append(np.full(gpos.size, strand, dtype=np.int8))
                out_m.append(mm[starts[keep]].astype(np.int8))
    if not out_q:
        return (
            np.zeros(0, np.int32),
            np.zeros(0, np.int64),
            np.zeros(0, np.int8),
            np.zeros(0, np.int8),
        )
    return (
        np.concatenate(out_q),
        np.concatenate(out_p),
        np.concatenate(out_s),
        np.concatenate(out_m),
    )

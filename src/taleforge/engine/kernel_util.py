"""Small helpers shared by the numba kernels: the optional numba import, a renamed copy of
a kernel for its thread-free build, and raw per-chunk result buffers."""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .scan_reference import RawHits

try:
    import numba

    _NUMBA_ERROR: str | None = None
except ImportError as _exc:  # pragma: no cover - numba is a hard dependency
    numba = None  # type: ignore[assignment]
    _NUMBA_ERROR = str(_exc)

def _renamed(func: Any, name: str) -> Any:
    """A copy of ``func`` under another name (its own numba cache file: the thread-free
    compilation of a parallel kernel must not share the parallel one's cache entry)."""
    g = types.FunctionType(
        func.__code__.replace(co_name=name, co_qualname=name),
        func.__globals__,
        name,
        func.__defaults__,
        func.__closure__,
    )
    g.__qualname__ = name
    return g



def numba_available() -> bool:
    return numba is not None


def _raw_concat(parts: Sequence[RawHits]) -> RawHits:
    """Concatenate unsorted raw hit arrays."""
    if len(parts) == 1:
        return parts[0]
    return (
        np.concatenate([x[0] for x in parts]).astype(np.int32, copy=False),
        np.concatenate([x[1] for x in parts]).astype(np.int64, copy=False),
        np.concatenate([x[2] for x in parts]).astype(np.int8, copy=False),
        np.concatenate([x[3] for x in parts]).astype(np.int8, copy=False),
    )


def _select(
    counts: NDArray[np.int64],
    cap: int,
    out_q: NDArray[np.int32],
    out_p: NDArray[np.int64],
    out_s: NDArray[np.int8],
    out_m: NDArray[np.int8],
) -> tuple[RawHits, NDArray[np.bool_]]:
    """The filled part of per-chunk result buffers, and the mask of chunks that overflowed."""
    over = counts > cap
    keep = np.where(over, 0, np.minimum(counts, cap)).astype(np.int64)
    ends = np.cumsum(keep)
    # indices base_i + 0 .. base_i + keep_i - 1 of every chunk i, in chunk order
    shift = np.arange(keep.size, dtype=np.int64) * cap - (ends - keep)
    idx = np.arange(int(ends[-1]) if keep.size else 0, dtype=np.int64) + np.repeat(shift, keep)
    return (out_q[idx], out_p[idx], out_s[idx], out_m[idx]), over


if numba is not None:

    @numba.njit(nogil=True, cache=True, inline="always")
    def _sh(P: Any, m: int, t: int, j: int) -> Any:  # pragma: no cover - compiled
        """Bits of plane ``m`` for positions ``64*w + lane + j``, word ``t`` of a chunk
        (a funnel shift of two words; ``j = -1`` reads the word before)."""
        if j >= 0:
            uj = np.uint64(j)
            return (P[m, t] >> uj) | ((P[m, t + 1] << np.uint64(1)) << (np.uint64(63) - uj))
        return (P[m, t] << np.uint64(1)) | (P[m, t - 1] >> np.uint64(63))

    @numba.njit(nogil=True, cache=True, inline="always")
    def fill_mask_planes(  # pragma: no cover - compiled
        lo: Any, hi: Any, nm: Any, w0: int, nw: int, used: Any, P: Any, negate: bool
    ) -> None:
        """Row ``m`` of ``P`` (for each ``m`` in ``used``), word ``t`` = chunk word
        ``w0 - 1 + t``: "the base here is in the 5-bit mask ``m``" (bits A, C, G, T, N; N
        includes contig padding and words outside the genome). ``negate``: rows of base-only
        masks (< 16) hold the complement ("mismatch" planes of the mismatch kernel)."""
        ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
        ZERO = np.uint64(0)
        nwords = lo.size
        for t in range(nw + 2):
            w = w0 - 1 + t
            if w >= 0 and w < nwords:
                lw = lo[w]
                hw = hi[w]
                nn = nm[w]
            else:
                lw = ZERO
                hw = ZERO
                nn = ONES
            good = ~nn
            ba = ~lw & ~hw & good
            bc = lw & ~hw & good
            bg = ~lw & hw & good
            bt = lw & hw & good
            for ui in range(used.size):
                m = used[ui]
                v = ZERO
                if m & 1:
                    v |= ba
                if m & 2:
                    v |= bc
                if m & 4:
                    v |= bg
                if m & 8:
                    v |= bt
                if m & 16:
                    v |= nn
                P[m, t] = ~v if (negate and m < 16) else v

"""A TALE as a score-bounded search query (what a binding model hands the engine).

Every binding model turns an RVD array into a :class:`ScoreQuery`: per-repeat costs
(lower is better), running-sum bounds and a final bound. The engine finds *every* window
whose exact cost passes; no mismatch cap is involved.

Exact hit definition (sequential double-precision arithmetic, as TALE-NT 2.0 sums)::

    s = 0
    for j in 0 .. L-1:                      # repeat j (N-terminal first) reads base b_j
        if b_j is N: no hit                 # an N in a bound base fails the site
        s = s + raw[j, b_j]
        if s > prefix_bound[j]: no hit      # TALE-NT's "lookahead" early exit
    p = pos0[b_0']                          # position-0 base (N outside the contig)
    if p == +inf: no hit                    # position-0 filter
    t = s + p
    hit iff t <= final_bound                # t is the site's cost

:func:`exact_costs` is that definition in numpy (the reference every kernel is tested
against). Higher-is-better models negate their per-repeat scores; see
:mod:`taleforge.scoring`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

N_CODE = 4


@dataclass(frozen=True, eq=False)
class ScoreQuery:
    """One TALE array as costs. ``raw``: (L, 4) cost of bases A, C, G, T at each repeat, on
    the strand the TALE reads; ``prefix_bound``: (L,) running-sum bounds; ``pos0``: (5,) cost
    of position-0 base A, C, G, T, N (+inf = not allowed); ``final_bound``: hit when the
    total is <= this; ``masks``: (L,) 4-bit masks of matched bases (mismatch counts only)."""

    raw: NDArray[np.float64]
    prefix_bound: NDArray[np.float64]
    pos0: NDArray[np.float64]
    final_bound: float
    masks: NDArray[np.uint8]

    def __post_init__(self) -> None:
        raw = np.ascontiguousarray(self.raw, dtype=np.float64)
        if raw.ndim != 2 or raw.shape[1] != 4 or raw.shape[0] < 1:
            raise ValueError(f"raw costs must be (L, 4), got {raw.shape}")
        if not np.all(np.isfinite(raw)):
            raise ValueError("raw costs must be finite (use the pos0 row or N for filters)")
        pb = np.ascontiguousarray(self.prefix_bound, dtype=np.float64)
        if pb.shape != (raw.shape[0],):
            raise ValueError("prefix_bound must have one entry per repeat")
        p0 = np.ascontiguousarray(self.pos0, dtype=np.float64)
        if p0.shape != (5,) or np.isnan(p0).any():
            raise ValueError("pos0 must be 5 costs (A, C, G, T, N)")
        object.__setattr__(self, "raw", raw)
        object.__setattr__(self, "prefix_bound", pb)
        object.__setattr__(self, "pos0", p0)
        object.__setattr__(self, "final_bound", float(self.final_bound))
        object.__setattr__(self, "masks", np.ascontiguousarray(self.masks, dtype=np.uint8))

    @property
    def length(self) -> int:
        return int(self.raw.shape[0])

    def min_total(self) -> float:
        """The lowest possible cost (every repeat and position 0 at their best base)."""
        return float(self.raw.min(axis=1).sum() + self.pos0[:4].min())


def exact_costs(
    sq: ScoreQuery, codes: NDArray[np.uint8], pos0: NDArray[np.uint8]
) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
    """(hit, cost) for each row of ``codes`` ((n, L) base codes 0..4 in TALE order) and its
    position-0 code; the definition in the module docstring, vectorised over rows only (the
    sum runs repeat by repeat, so the arithmetic is that of the kernels and of TALE-NT)."""
    c = np.asarray(codes, dtype=np.intp)
    n = c.shape[0]
    ok = np.ones(n, dtype=np.bool_)
    s = np.zeros(n, dtype=np.float64)
    for j in range(sq.length):
        col = c[:, j]
        ok &= col < N_CODE
        s = s + sq.raw[j, np.minimum(col, 3)]
        ok &= s <= sq.prefix_bound[j]
    p = sq.pos0[np.minimum(np.asarray(pos0, dtype=np.intp), N_CODE)]
    ok &= np.isfinite(p)
    t = s + np.where(np.isfinite(p), p, 0.0)
    ok &= t <= sq.final_bound
    return ok, t


def mismatch_counts(masks: NDArray[np.uint8], codes: NDArray[np.uint8]) -> NDArray[np.int64]:
    """Bound positions whose base the RVD does not match (N never matches)."""
    c = np.asarray(codes, dtype=np.int64)
    ok = ((masks[None, :].astype(np.int64) >> np.minimum(c, 3)) & 1) == 1
    ok &= c < N_CODE
    return (~ok).sum(axis=1).astype(np.int64)

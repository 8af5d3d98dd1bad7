"""Half-site hit table shared by every scan path (mismatch mode and score mode)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class HitTable:
    """Half-site hits, sorted by (query, gpos, strand).

    ``gpos`` is the global packed coordinate of the leftmost bound base on the + strand.
    ``strand`` +1: the TALE reads the top strand (bound bases ``gpos..gpos+L-1`` 5'->3',
    position 0 at ``gpos-1``); -1: it reads the bottom strand (bound bases are the reverse
    complement of ``gpos..gpos+L-1``; position 0 is the complement of ``gpos+L``).
    ``mismatches``: bound positions whose base the RVD does not match."""

    query: NDArray[np.int32]
    gpos: NDArray[np.int64]
    strand: NDArray[np.int8]
    mismatches: NDArray[np.int8]

    def __len__(self) -> int:
        return int(self.gpos.size)

    @classmethod
    def empty(cls) -> HitTable:
        return cls(
            np.zeros(0, np.int32), np.zeros(0, np.int64), np.zeros(0, np.int8), np.zeros(0, np.int8)
        )

    @classmethod
    def from_arrays(
        cls,
        query: NDArray[Any],
        gpos: NDArray[Any],
        strand: NDArray[Any],
        mismatches: NDArray[Any],
    ) -> HitTable:
        """Build a table from unsorted arrays (sorts deterministically, drops duplicates)."""
        q = np.asarray(query, dtype=np.int32)
        p = np.asarray(gpos, dtype=np.int64)
        s = np.asarray(strand, dtype=np.int8)
        m = np.asarray(mismatches, dtype=np.int8)
        order = _sort_order(q, p, s)
        q, p, s, m = q[order], p[order], s[order], m[order]
        if q.size > 1:
            dup = (q[1:] == q[:-1]) & (p[1:] == p[:-1]) & (s[1:] == s[:-1])
            if dup.any():
                keep = np.concatenate([[True], ~dup])
                q, p, s, m = q[keep], p[keep], s[keep], m[keep]
        return cls(q, p, s, m)

    @staticmethod
    def concat(tables: Sequence[HitTable]) -> HitTable:
        """Concatenate (and re-sort) tables whose ``query`` indices share one numbering."""
        if not tables:
            return HitTable.empty()
        return HitTable.from_arrays(
            np.concatenate([t.query for t in tables]),
            np.concatenate([t.gpos for t in tables]),
            np.concatenate([t.strand for t in tables]),
            np.concatenate([t.mismatches for t in tables]),
        )

    def select(self, keep: NDArray[np.bool_]) -> HitTable:
        return HitTable(self.query[keep], self.gpos[keep], self.strand[keep], self.mismatches[keep])

    def equals(self, other: HitTable) -> bool:
        return (
            np.array_equal(self.query, other.query)
            and np.array_equal(self.gpos, other.gpos)
            and np.array_equal(self.strand, other.strand)
            and np.array_equal(self.mismatches, other.mismatches)
        )


def _sort_order(
    q: NDArray[np.int32], p: NDArray[np.int64], s: NDArray[np.int8]
) -> NDArray[np.intp]:
    """``np.lexsort((s, p, q))`` (stable), via one int64 key when the values fit in it
    (query < 2**21, 0 <= gpos < 2**41, strand +-1): one stable argsort instead of three."""
    if q.size == 0:
        return np.zeros(0, dtype=np.intp)
    if (
        int(q.min()) >= 0
        and int(q.max()) < (1 << 21)
        and int(p.min()) >= 0
        and int(p.max()) < (1 << 41)
        and bool(np.all((s == 1) | (s == -1)))
    ):
        key = (q.astype(np.int64) << 42) | (p << 1) | (s == 1).astype(np.int64)
        return np.argsort(key, kind="stable")
    return np.lexsort((s, p, q))



"""One ranking for every job: :func:`rank` (and :class:`Ranking` for jobs that accept a
candidate only after further checks).

A job puts its candidates in a columnar table (one array per column, aligned) and names
the sort keys in priority order; ``"-col"`` sorts a numeric column descending. The sort is
stable, so the candidate's row index is the last, explicit tie-break: rows must be
enumerated in a deterministic order (they are: by position, then lengths). Cut-spacing
diversity: walking in rank order, a row whose cut lies less than ``min_cut_spacing_bp``
from an already kept row's cut on the same contig is skipped (near-duplicates that differ
by a repeat or two). ``unique``: a row whose values in these columns repeat a kept row's
are skipped (e.g. one design per editor window geometry).

Used by knockout (score, contig, cut, arm and spacer lengths; spacing), base-edit (score,
P(clean), efficiency, bystanders, editor, edit, arm lengths; one per window geometry),
correction (edit in spacer, cut distance, specificity, pair quality, position, lengths) and
knock-in (pair quality, cut in transcript order, position, lengths; spacing).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

Table = Mapping[str, ArrayLike]


def sort_order(table: Table, keys: Sequence[str]) -> NDArray[np.intp]:
    """Row indices sorted by ``keys`` (first key first; ``-col`` = descending, numeric
    columns only), ties broken by row index."""
    cols: list[NDArray[Any]] = []
    n: int | None = None
    for k in keys:
        desc = k.startswith("-")
        a = np.asarray(table[k[1:] if desc else k])
        if desc:
            if a.dtype.kind == "b":
                a = ~a
            elif a.dtype.kind in "iuf":
                a = -a
            else:
                raise TypeError(f"descending sort key {k!r} is not numeric")
        if n is None:
            n = a.shape[0]
        elif a.shape[0] != n:
            raise ValueError(f"column {k!r} has {a.shape[0]} rows, expected {n}")
        cols.append(a)
    if not cols:
        return np.arange(0, dtype=np.intp)
    return np.lexsort(tuple(reversed(cols))).astype(np.intp)


class Ranking:
    """Rows in rank order with cut-spacing diversity against the rows the caller keeps.

    ``walk()`` yields row indices in rank order, skipping rows too close to (or repeating
    the ``unique`` columns of) a row already passed to :meth:`keep`."""

    def __init__(
        self,
        table: Table,
        keys: Sequence[str],
        *,
        min_cut_spacing_bp: int = 0,
        contig: str = "contig",
        cut: str = "cut",
        unique: Sequence[str] = (),
    ) -> None:
        self.order = sort_order(table, keys)
        self.spacing = int(min_cut_spacing_bp)
        self._ctg = np.asarray(table[contig]) if self.spacing > 0 else None
        self._cut = np.asarray(table[cut]) if self.spacing > 0 else None
        self._uniq = [np.asarray(table[u]) for u in unique]
        self._cuts: dict[Any, list[int]] = {}
        self._seen: set[tuple[Any, ...]] = set()
        self.kept: list[int] = []

    def _blocked(self, i: int) -> bool:
        if self._uniq and tuple(u[i].item() for u in self._uniq) in self._seen:
            return True
        if self._ctg is not None and self._cut is not None:
            c = int(self._cut[i])
            return any(abs(c - x) < self.spacing for x in self._cuts.get(self._ctg[i].item(), ()))
        return False

    def walk(self) -> Iterator[int]:
        for i in self.order.tolist():
            if not self._blocked(i):
                yield i

    def keep(self, i: int) -> None:
        self.kept.append(i)
        if self._uniq:
            self._seen.add(tuple(u[i].item() for u in self._uniq))
        if self._ctg is not None and self._cut is not None:
            self._cuts.setdefault(self._ctg[i].item(), []).append(int(self._cut[i]))


def rank(
    table: Table,
    keys: Sequence[str],
    *,
    min_cut_spacing_bp: int = 0,
    limit: int | None = None,
    contig: str = "contig",
    cut: str = "cut",
    unique: Sequence[str] = (),
) -> list[int]:
    """Row indices of the kept candidates, best first (see the module docstring)."""
    r = Ranking(table, keys, min_cut_spacing_bp=min_cut_spacing_bp, contig=contig, cut=cut,
                unique=unique)
    for i in r.walk():
        r.keep(i)
        if limit is not None and len(r.kept) >= limit:
            break
    return r.kept


__all__ = ["Ranking", "rank", "sort_order"]

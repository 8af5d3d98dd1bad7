"""Block-by-block off-target search: half-sites and the pairs they form, in bounded memory.

:func:`stream_pairs` runs the score-bounded scan (:func:`taleforge.engine.scored.iter_scored`)
one genome block at a time and assembles tail-to-tail pairs as it goes. Each yielded
:class:`Block` holds the hits of the windows starting in the block (``new``) plus a carry of
upstream (+ strand) hits from the end of the previous block that can still pair with them,
and the pairs whose *downstream* site starts in the block; so every hit and every pair is
yielded exactly once, whatever the block size, and memory is bounded by one block plus the
carry (``max array length + spacer_max`` bp), not by the genome or the number of hits.
Callers keep counts for everything and the best N records (see
:mod:`taleforge.design.offtarget`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from taleforge.genome.packed import PackedGenome
from taleforge.model.costs import ScoreQuery
from taleforge.progress import ProgressCallback

from .pairs import PairIndex, assemble_pairs, contig_of
from .scored import Backend, ScoredHits, iter_scored


@dataclass(frozen=True)
class Block:
    """One block of a streamed search. ``table`` = carry + new hits (sorted); ``new`` marks
    the rows that belong to this block; ``pairs`` index ``table`` (downstream rows are new)."""

    region: tuple[int, int]
    table: ScoredHits
    new: NDArray[np.bool_]
    pairs: PairIndex


def stream_pairs(
    packed: PackedGenome,
    queries: Sequence[ScoreQuery],
    combos: Sequence[tuple[int, int]],
    spacer_min: int,
    spacer_max: int,
    *,
    backend: Backend = "auto",
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    skip_down_pos0_at_contig_end: bool = False,
) -> Iterator[Block]:
    """Yield :class:`Block` s in genome order. ``combos``: (upstream query, downstream query)
    index pairs, as for :func:`taleforge.engine.pairs.assemble_pairs`.

    ``skip_down_pos0_at_contig_end``: drop pairs whose downstream position-0 base is the
    contig's last base (TALE-NT 2.0 Paired Target Finder skips them: its loop requires
    ``j < len - 2`` for the last bound base ``j``)."""
    lengths = np.array([q.length for q in queries], dtype=np.int64)
    span = int(lengths.max()) + int(spacer_max) + 1
    carry = ScoredHits.empty()
    for (b0, b1), h in iter_scored(packed, queries, backend=backend, workers=workers,
                                   progress=progress):
        n_carry = len(carry)
        table = ScoredHits.concat([carry, h]) if n_carry else h
        new = table.hits.gpos >= b0
        pix = PairIndex.empty()
        if combos and len(table):
            pix = assemble_pairs(table.hits, lengths, combos, spacer_min, spacer_max,
                                 packed.offsets)
            if len(pix):
                keep = new[pix.down]
                if skip_down_pos0_at_contig_end and keep.any():
                    dg = table.hits.gpos[pix.down]
                    ci = contig_of(packed.offsets, dg)
                    p0 = dg + lengths[table.hits.query[pix.down]]
                    last = packed.offsets[ci] + packed.lengths[ci] - 1
                    keep &= p0 != last
                if not keep.all():
                    pix = PairIndex(pix.combo[keep], pix.up[keep], pix.down[keep],
                                    pix.spacer[keep])
        yield Block((b0, b1), table, new, pix)
        tail = (table.hits.strand == 1) & (table.hits.gpos >= b1 - span)
        carry = table.select(tail)

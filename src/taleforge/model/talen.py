"""TALE half-sites and TALEN pairs in genome coordinates (0-based half-open)."""

from __future__ import annotations

from dataclasses import dataclass

from taleforge.model.interval import Interval


@dataclass(frozen=True, slots=True)
class HalfSite:
    """A TALE binding site.

    ``bound`` is the interval of the repeat-bound bases on the genome (+ strand coordinates);
    ``bound.strand`` is the strand the TALE reads (left TALE '+', right TALE '-').
    ``seq`` is the bound sequence 5'->3' as the TALE reads it (reverse complement of the
    top strand for '-'). ``pos0`` is the genome coordinate of the position-0 base and
    ``pos0_base`` that base on the TALE's strand (normally T).
    """

    bound: Interval
    seq: str
    pos0: int
    pos0_base: str
    rvds: tuple[str, ...]

    @property
    def length(self) -> int:
        return len(self.seq)

    @property
    def footprint(self) -> Interval:
        """Bound bases plus position 0."""
        b = self.bound
        if b.strand == "+":
            return Interval(b.contig, b.start - 1, b.end, b.strand)
        return Interval(b.contig, b.start, b.end + 1, b.strand)

    def rvd_string(self) -> str:
        return " ".join(self.rvds)


@dataclass(frozen=True, slots=True)
class TalenPair:
    """Left TALE on the top strand, right TALE on the bottom strand, tail to tail."""

    left: HalfSite
    right: HalfSite
    spacer: Interval

    @property
    def contig(self) -> str:
        return self.spacer.contig

    @property
    def cut(self) -> int:
        """0-based position of the spacer centre: the cut falls between ``cut-1`` and
        ``cut`` (for odd spacers, the centre base is at ``cut``)."""
        return self.spacer.start + len(self.spacer) // 2

    @property
    def site(self) -> Interval:
        """Whole site: left position 0 through right position 0."""
        return Interval(self.contig, self.left.pos0, self.right.pos0 + 1, "+")

    @property
    def key(self) -> tuple[str, int, int, int, int]:
        return (self.contig, self.left.pos0, self.left.length, len(self.spacer), self.right.length)

    def pair_id(self) -> str:
        return (
            f"{self.contig}:{self.left.pos0 + 1}:L{self.left.length}"
            f"S{len(self.spacer)}R{self.right.length}"
        )

"""The one interval type. Internally 0-based, half-open; converted to 1-based inclusive
only at I/O (TSV/GFF3/VCF/HGVS text). BED output is 0-based half-open like this type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from taleforge.model.dna import (
    reverse_complement as reverse_complement,  # re-exported: the one DNA helper module
)

Strand = Literal["+", "-"]


@dataclass(frozen=True, order=True, slots=True)
class Interval:
    contig: str
    start: int  # 0-based inclusive
    end: int  # 0-based exclusive
    strand: Strand = "+"

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"bad interval {self.contig}:{self.start}-{self.end}")

    def __len__(self) -> int:
        return self.end - self.start

    @property
    def start1(self) -> int:
        """1-based inclusive start (for user-facing text)."""
        return self.start + 1

    @property
    def end1(self) -> int:
        """1-based inclusive end (for user-facing text)."""
        return self.end

    def overlaps(self, other: Interval) -> bool:
        return self.contig == other.contig and self.start < other.end and other.start < self.end

    def contains(self, pos: int) -> bool:
        return self.start <= pos < self.end

    def to_1based_str(self) -> str:
        return f"{self.contig}:{self.start + 1}-{self.end}"

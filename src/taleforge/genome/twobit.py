"""Streaming UCSC 2bit reader (via py2bit) with the same interface as :class:`FastaReader`.

Yields ``(contig_name, class-code chunk)`` pairs in file order; see ``fasta.py`` for the
class codes. Soft-masked blocks become lower case, N blocks become N.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from taleforge.errors import FormatError, InputError
from taleforge.genome.fasta import CLASS_LUT, file_sha256
from taleforge.progress import ProgressCallback, report

TWOBIT_MAGICS = (b"\x43\x27\x41\x1a", b"\x1a\x41\x27\x43")
DEFAULT_CHUNK_BP = 32 * 1024 * 1024


def is_twobit(path: str | os.PathLike[str]) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4) in TWOBIT_MAGICS


class TwoBitReader:
    """Iterate over ``(name, class-code chunk)`` of a 2bit file."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        chunk_bp: int = DEFAULT_CHUNK_BP,
        progress: ProgressCallback | None = None,
        task: str | None = None,
        raw: bool = False,
    ) -> None:
        self.path = Path(path)
        self.chunk_bp = chunk_bp
        self.progress = progress
        self.task = task or f"reading {self.path.name}"
        self.raw = raw
        self.sha256: str | None = None
        self.names: list[str] = []
        self.lengths: list[int] = []

    def __iter__(self) -> Iterator[tuple[str, NDArray[np.uint8]]]:
        import py2bit

        if not self.path.exists():
            raise InputError(f"2bit file not found: {self.path}", hint="check the path")
        size = self.path.stat().st_size
        try:
            tb = py2bit.open(str(self.path), True)
        except RuntimeError as exc:
            raise FormatError(
                f"{self.path}: cannot read 2bit file ({exc})",
                hint="the file is truncated or not a UCSC 2bit file",
            ) from exc
        try:
            chroms = tb.chroms()
            total = int(sum(chroms.values())) or 1
            done = 0
            for name, length in chroms.items():
                if length == 0:
                    raise FormatError(
                        f"{self.path}: record {name!r} has no sequence",
                        hint="remove the empty record from the 2bit file",
                    )
                for start in range(0, length, self.chunk_bp):
                    end = min(length, start + self.chunk_bp)
                    seq = tb.sequence(name, start, end).encode("ascii")
                    arr = np.frombuffer(seq, dtype=np.uint8)
                    yield name, (arr if self.raw else CLASS_LUT[arr])
                    done += end - start
                    # progress in source bytes (2bit stores ~4 bases per byte)
                    report(self.progress, self.task, int(size * done / total), size)
                self.names.append(name)
                self.lengths.append(int(length))
        finally:
            tb.close()
        self.sha256 = file_sha256(self.path)

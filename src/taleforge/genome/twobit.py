"""Streaming UCSC 2bit reader (via py2bit) with the same interface as :class:`FastaReader`.

Yields ``(contig_name, class-code chunk)`` pairs in file order; see ``fasta.py`` for the
class codes. Soft-masked blocks become lower case, N blocks become N.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def _truncated(path: Path, what: str, need: int, size: int) -> FormatError:
    return FormatError(
        f"{path}: the 2bit file is truncated ({what} needs {need:,} bytes, the file has "
        f"{size:,})",
        hint="the download or copy was cut short; fetch the 2bit file again",
    )


def _corrupt(path: Path, what: str) -> FormatError:
    return FormatError(f"{path}: corrupt 2bit file ({what})", hint="fetch the 2bit file again")


def check_twobit_layout(path: str | os.PathLike[str]) -> dict[str, int]:
    """Check a 2bit file's header, index and every record against the file length.

    py2bit does no bounds checks: a truncated file reads its missing tail as T. This walks
    the header, the index and each record's header (N blocks, mask blocks) and checks that
    the packed bases each record declares lie inside the file and that every block lies
    inside its record. Returns ``{name: declared length}``; raises :class:`FormatError`."""
    p = Path(path)
    size = p.stat().st_size
    with open(p, "rb") as fh:
        head = fh.read(16)
        if len(head) < 16 or head[:4] not in TWOBIT_MAGICS:
            raise _truncated(p, "the header", 16, size)
        bo = "<" if head[:4] == TWOBIT_MAGICS[0] else ">"
        version, count, _ = struct.unpack(bo + "III", head[4:16])
        if version not in (0, 1):
            raise FormatError(
                f"{p}: unknown 2bit version {version}", hint="use a UCSC 2bit file (version 0 or 1)"
            )
        off_fmt = bo + ("Q" if version == 1 else "I")
        off_size = struct.calcsize(off_fmt)

        def read_exact(n: int, what: str) -> bytes:
            at = fh.tell()
            if at + n > size:  # before reading: a corrupt count must not allocate gigabytes
                raise _truncated(p, what, at + n, size)
            data = fh.read(n)
            if len(data) != n:
                raise _truncated(p, what, at + n, size)
            return data

        entries: list[tuple[str, int]] = []
        for _ in range(count):
            (nlen,) = read_exact(1, "the sequence index")
            raw_name = read_exact(nlen, "the sequence index")
            (offset,) = struct.unpack(off_fmt, read_exact(off_size, "the sequence index"))
            name = raw_name.decode("ascii", errors="replace")
            if not raw_name.isascii() or not name.isprintable() or not name.strip():
                raise _corrupt(p, f"sequence name {name!r} is not printable ASCII")
            if any(name == e for e, _ in entries):
                raise _corrupt(p, f"duplicate sequence name {name!r}")
            entries.append((name, offset))
        index_end = fh.tell()
        lengths: dict[str, int] = {}
        for name, offset in entries:
            if offset < index_end:
                raise _corrupt(p, f"record {name!r} starts inside the header ({offset:,})")
            if offset + 8 > size:
                raise _truncated(p, f"record {name!r}", offset + 8, size)
            fh.seek(offset)
            dna_size, n_blocks = struct.unpack(bo + "II", read_exact(8, f"record {name!r}"))
            for kind in ("N", "mask"):
                if kind == "mask":
                    (n_blocks,) = struct.unpack(bo + "I", read_exact(4, f"record {name!r}"))
                raw = read_exact(8 * n_blocks, f"record {name!r}")
                if n_blocks:
                    arr = np.frombuffer(raw, dtype=np.dtype(bo + "u4")).astype(np.int64)
                    ends = arr[:n_blocks] + arr[n_blocks:]
                    if int(ends.max()) > dna_size:
                        raise FormatError(
                            f"{p}: record {name!r} has a {kind} block ending at "
                            f"{int(ends.max()):,}, past its length {dna_size:,}",
                            hint="the 2bit file is corrupt; fetch it again",
                        )
            read_exact(4, f"record {name!r}")  # reserved
            need = fh.tell() + (dna_size + 3) // 4
            if need > size:
                raise _truncated(p, f"record {name!r} ({dna_size:,} bp)", need, size)
            lengths[name] = dna_size
    return lengths


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
        check_twobit_layout(self.path)  # py2bit reads past the end of a truncated file as T
        try:
            tb = py2bit.open(str(self.path), True)
        except RuntimeError as exc:
            raise FormatError(
                f"{self.path}: cannot read 2bit file ({exc})",
                hint="the file is truncated or not a UCSC 2bit file",
            ) from exc
        try:
            yield from self._records(tb, size)
        except FormatError:
            raise
        except (RuntimeError, SystemError, ValueError, UnicodeError) as exc:
            raise _corrupt(self.path, f"py2bit: {exc}") from exc
        finally:
            tb.close()
        self.sha256 = file_sha256(self.path)

    def _records(self, tb: Any, size: int) -> Iterator[tuple[str, NDArray[np.uint8]]]:
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

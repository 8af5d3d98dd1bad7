"""Minimal VCF reader (standard library only): sites, not genotypes.

* plain or gzip/bgzip-compressed (detected by magic bytes);
* ``pos`` is converted to 0-based; ``ref``/``alt`` are upper-cased;
* multi-allelic records are split into one :class:`Variant` per ALT allele;
* symbolic/breakend/missing ALTs (``<DEL>``, ``*``, ``.``, ``A[chr2:1[``) are skipped;
* malformed lines raise :class:`~taleforge.errors.FormatError` with the line number.

Variants are returned in file order (no sorting, no normalisation/left-alignment).
"""

from __future__ import annotations

import gzip
import io
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from taleforge.errors import FormatError
from taleforge.progress import ProgressCallback, report

__all__ = ["Variant", "iter_vcf", "read_vcf"]

_BASES_RE = re.compile(r"^[ACGTNacgtn]+$")
_REF_RE = re.compile(r"^[ACGTNRYKMSWBDHVacgtnrykmswbdhv]+$")  # GRCh38 has a few IUPAC bases
_PROGRESS_EVERY = 100_000


@dataclass(frozen=True, order=True, slots=True)
class Variant:
    contig: str
    pos: int  # 0-based position of the first REF base
    ref: str
    alt: str
    id: str = "."

    @property
    def pos1(self) -> int:
        """1-based position (as written in VCF)."""
        return self.pos + 1

    @property
    def end(self) -> int:
        """0-based exclusive end of the REF allele."""
        return self.pos + len(self.ref)

    @property
    def is_snv(self) -> bool:
        return len(self.ref) == 1 and len(self.alt) == 1

    @property
    def is_indel(self) -> bool:
        return len(self.ref) != len(self.alt)

    def __str__(self) -> str:
        return f"{self.contig}:{self.pos + 1}{self.ref}>{self.alt}"


def _open(path: Path) -> io.TextIOBase:
    try:
        with open(path, "rb") as fh:
            magic = fh.read(2)
    except OSError as exc:
        raise FormatError(f"cannot read VCF {path}: {exc}", hint="check the path") from exc
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def _lines(fh: io.TextIOBase, path: Path) -> Iterator[str]:
    """The file's lines; a truncated or corrupt gzip stream becomes a :class:`FormatError`."""
    try:
        yield from fh
    except (EOFError, OSError, zlib.error) as exc:
        raise FormatError(
            f"{path}: cannot decompress ({exc})",
            hint="the gzip file is truncated or corrupt; fetch it again",
        ) from exc


def iter_vcf(
    path: str | os.PathLike[str],
    *,
    progress: ProgressCallback | None = None,
) -> Iterator[Variant]:
    """Yield variants from a VCF (see module docstring)."""
    p = Path(path)
    seen_data = False
    seen_header = False
    with _open(p) as fh:
        for lineno, line in enumerate(_lines(fh, p), 1):
            if lineno % _PROGRESS_EVERY == 0:
                report(progress, "reading VCF", lineno, None)
            if line.startswith("##"):
                seen_header = True
                continue
            if line.startswith("#"):
                seen_header = True
                continue
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            cols = line.split("\t")
            if len(cols) < 5:
                raise FormatError(
                    f"{p}: line {lineno}: expected at least 5 tab-separated columns "
                    f"(CHROM POS ID REF ALT), found {len(cols)}",
                    hint="VCF data lines are tab-separated; check the file is a VCF",
                )
            seen_data = True
            contig, pos_s, vid, ref, alts = cols[0], cols[1], cols[2], cols[3], cols[4]
            try:
                pos1 = int(pos_s)
            except ValueError:
                raise FormatError(
                    f"{p}: line {lineno}: POS {pos_s!r} is not an integer",
                    hint="column 2 must be the 1-based position",
                ) from None
            if pos1 < 1:
                raise FormatError(
                    f"{p}: line {lineno}: POS {pos1} < 1",
                    hint="VCF positions are 1-based (telomere records at 0 are not supported)",
                )
            if not _REF_RE.match(ref):
                raise FormatError(
                    f"{p}: line {lineno}: REF {ref!r} is not a DNA sequence",
                    hint="REF must consist of A, C, G, T, N (or IUPAC codes)",
                )
            for alt in alts.split(","):
                if alt in (".", "*", "") or alt.startswith("<") or "[" in alt or "]" in alt:
                    continue  # symbolic, breakend, missing or overlapping-deletion allele
                if alt.startswith(".") or alt.endswith("."):
                    continue  # single breakend
                if not _BASES_RE.match(alt):
                    raise FormatError(
                        f"{p}: line {lineno}: ALT {alt!r} is not a DNA sequence",
                        hint="ALT alleles must be A/C/G/T/N strings or symbolic (<...>)",
                    )
                yield Variant(contig, pos1 - 1, ref.upper(), alt.upper(), vid)
    if not seen_data and not seen_header:
        raise FormatError(f"{p}: empty VCF file", hint="give a VCF with a header and records")


def read_vcf(
    path: str | os.PathLike[str],
    *,
    progress: ProgressCallback | None = None,
) -> list[Variant]:
    """All variants of a VCF as a list (see :func:`iter_vcf`)."""
    return list(iter_vcf(path, progress=progress))

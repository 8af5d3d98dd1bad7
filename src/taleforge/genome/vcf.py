"""Minimal VCF reader (standard library only): sites, not genotypes.

* plain or gzip/bgzip-compressed (detected by magic bytes);
* ``pos`` is converted to 0-based; ``ref``/``alt`` are upper-cased;
* multi-allelic records are split into one :class:`Variant` per ALT allele;
* symbolic/breakend/missing ALTs (``<DEL>``, ``*``, ``.``, ``A[chr2:1[``) are skipped (and
  counted per reason when a ``skipped`` counter is given);
* malformed lines raise :class:`~taleforge.errors.FormatError` with the line number.

Variants are returned in file order (no sorting, no normalisation/left-alignment).

:func:`load_vcf` reads a VCF *for a genome*: contig names are matched through the one alias
table (:mod:`taleforge.genome.aliases`: ``MT``/``chrM``, ``1``/``chr1``, ``NC_012920.1``...),
and records that do not match the genome are skipped and counted per reason
(``unknown-contig``, ``past-contig-end``, ``ref-mismatch``, plus the allele reasons above);
:meth:`VcfLoad.warning` turns the counts into one ``input-mismatch`` warning.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import zlib
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from taleforge.errors import FormatError
from taleforge.progress import ProgressCallback, report

if TYPE_CHECKING:
    from taleforge.genome.index import Genome

__all__ = ["SKIP_REASONS", "Variant", "VcfLoad", "iter_vcf", "load_vcf", "read_vcf"]

#: Why a VCF record (one ALT allele) was not used, in report order.
SKIP_REASONS: dict[str, str] = {
    "unknown-contig": "contig not in the genome (no alias matches)",
    "past-contig-end": "REF runs past the end of the contig",
    "ref-mismatch": "REF differs from the genome (another assembly or a normalisation error)",
    "symbolic-allele": "symbolic ALT such as <DEL> or <INV> (no sequence)",
    "star-allele": "ALT * (allele missing because of an overlapping deletion)",
    "breakend": "breakend ALT (structural variant join)",
    "no-alt": "ALT . (reference-only record)",
}

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
    skipped: Counter[str] | None = None,
) -> Iterator[Variant]:
    """Yield variants from a VCF (see module docstring). ``skipped`` counts the ALT alleles
    left out, by reason (keys of :data:`SKIP_REASONS`)."""
    tally: Counter[str] = skipped if skipped is not None else Counter()
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
                why = _allele_skip(alt)
                if why is not None:
                    tally[why] += 1
                    continue
                if not _BASES_RE.match(alt):
                    raise FormatError(
                        f"{p}: line {lineno}: ALT {alt!r} is not a DNA sequence",
                        hint="ALT alleles must be A/C/G/T/N strings or symbolic (<...>)",
                    )
                yield Variant(contig, pos1 - 1, ref.upper(), alt.upper(), vid)
    if not seen_data and not seen_header:
        raise FormatError(f"{p}: empty VCF file", hint="give a VCF with a header and records")


def _allele_skip(alt: str) -> str | None:
    """Why an ALT allele carries no usable sequence (a :data:`SKIP_REASONS` key), or None."""
    if alt in (".", ""):
        return "no-alt"
    if alt == "*":
        return "star-allele"
    if alt.startswith("<"):
        return "symbolic-allele"
    if "[" in alt or "]" in alt or (len(alt) > 1 and (alt.startswith(".") or alt.endswith("."))):
        return "breakend"
    return None


def read_vcf(
    path: str | os.PathLike[str],
    *,
    progress: ProgressCallback | None = None,
) -> list[Variant]:
    """All variants of a VCF as a list (see :func:`iter_vcf`)."""
    return list(iter_vcf(path, progress=progress))


_WILD = frozenset("NRYKMSWBDHV")


def _ref_matches(ref: str, genome_seq: str) -> bool:
    """REF equals the genome, an N or IUPAC code on either side matching anything."""
    if ref == genome_seq:
        return True
    return all(a == b or a in _WILD or b in _WILD for a, b in zip(ref, genome_seq, strict=True))


@dataclass(frozen=True)
class VcfLoad:
    """A VCF read for one genome: the usable variants (contigs renamed to the genome's
    names), what was skipped (ALT alleles, by reason) and the names matched through aliases."""

    source: str
    variants: tuple[Variant, ...]
    skipped: Mapping[str, int] = field(default_factory=dict)
    renamed: Mapping[str, str] = field(default_factory=dict)
    n_records: int = 0  # ALT alleles read (used + skipped)

    @property
    def n_skipped(self) -> int:
        return sum(self.skipped.values())

    def message(self) -> str | None:
        """One sentence on the skipped records and aliased names, or None when all matched."""
        bits = []
        if self.n_skipped:
            per = ", ".join(f"{k} {v:,}" for k, v in self.skipped.items())
            bits.append(f"{self.n_skipped:,} of {self.n_records:,} VCF alleles in "
                        f"{Path(self.source).name} were skipped ({per})")
        if self.renamed:
            names = ", ".join(f"{a}->{b}" for a, b in self.renamed.items())
            bits.append(f"VCF contigs matched to the genome by alias: {names}")
        return "; ".join(bits) or None

    def warning(self) -> Any:
        """An ``input-mismatch`` :class:`~taleforge.design.result.DesignWarning` (severity
        "warning" when records were skipped for a mismatch, "note" when names were only
        aliased or the only skipped records are reference-only ``ALT .``), or None."""
        msg = self.message()
        if msg is None:
            return None
        from taleforge.design.result import DesignWarning

        loud = any(k != "no-alt" for k in self.skipped)
        return DesignWarning(
            "input-mismatch", msg, "warning" if loud else "note", None,
            {"file": Path(self.source).name, "skipped": dict(self.skipped),
             "renamed": dict(self.renamed), "records": self.n_records},
        )


def load_vcf(
    path: str | os.PathLike[str],
    genome: Genome,
    *,
    progress: ProgressCallback | None = None,
) -> VcfLoad:
    """Read a VCF for ``genome`` (see the module docstring): contigs matched through the
    alias table, records on unknown contigs, past a contig end or whose REF differs from
    the genome skipped and counted. All records unmatched is not an error (the warning
    says so); a malformed file still raises :class:`FormatError`."""
    from taleforge.genome.aliases import ContigMatcher

    matcher = ContigMatcher.for_names(genome.contig_names)
    tally: Counter[str] = Counter()
    names: dict[str, str | None] = {}
    used: list[Variant] = []
    n = 0
    for v in iter_vcf(path, progress=progress, skipped=tally):
        n += 1
        if v.contig not in names:
            names[v.contig] = matcher.resolve(v.contig)
        canon = names[v.contig]
        if canon is None:
            tally["unknown-contig"] += 1
            continue
        if v.end > genome.contig_length(canon):
            tally["past-contig-end"] += 1
            continue
        if not _ref_matches(v.ref, genome.fetch(canon, v.pos, v.end)):
            tally["ref-mismatch"] += 1
            continue
        used.append(v if canon == v.contig else Variant(canon, v.pos, v.ref, v.alt, v.id))
    n += sum(tally[k] for k in ("symbolic-allele", "star-allele", "breakend", "no-alt"))
    skipped = {k: tally[k] for k in SKIP_REASONS if tally[k]}
    renamed = {a: b for a, b in sorted(names.items()) if b is not None and a != b}
    return VcfLoad(os.fspath(path), tuple(used), skipped, renamed, n)

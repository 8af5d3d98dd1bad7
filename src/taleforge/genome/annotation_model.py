"""The gene/transcript model (:class:`Transcript`, :class:`Gene`) and the builder helpers the
GTF/GFF3/GenBank parsers share.

This module imports no parser and no query layer: the parsers
(:mod:`taleforge.genome.gtf`, :mod:`taleforge.genome.gff3`, :mod:`taleforge.genome.genbank`)
import it, and :mod:`taleforge.genome.annotation` (the query layer and
:func:`~taleforge.genome.annotation.load_annotation`) imports both, so there is no import
cycle. Every name here is re-exported by :mod:`taleforge.genome.annotation`.

Coordinates are 0-based half-open (:class:`~taleforge.model.interval.Interval`).
"""

from __future__ import annotations

import gc
import gzip
import io
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

from taleforge.errors import FormatError, RegionError
from taleforge.model.interval import Interval, Strand, reverse_complement
from taleforge.model.params import Param, ParamTable, register_table

Region = Literal["cds", "utr5", "utr3", "exon", "intron", "upstream", "downstream"]
"""Where a base lies relative to a transcript. ``"exon"`` is only used for exonic bases of
non-coding transcripts (coding transcripts report ``cds``/``utr5``/``utr3``)."""

GenomeFetch = Callable[[str, int, int, str], str]
"""``fetch(contig, start, end, strand) -> sequence`` (0-based half-open; ``-`` = reverse
complement)."""

ANNOTATION_PARAMS = register_table(
    ParamTable(
        name="annotation",
        version="1",
        params=(
            Param("default_transl_table", 1, "NCBI genetic code id",
                  "NCBI Genetic Codes (standard code)", "K",
                  "used when the file gives no transl_table"),
            Param("mito_transl_table", 2, "NCBI genetic code id",
                  "NCBI Genetic Codes: 2 = vertebrate mitochondrial; NC_012920.1 /transl_table=2",
                  "V", "default on the contigs in mito_contigs when the file gives none"),
            Param("mito_contigs", ("chrM", "MT", "chrMT", "M", "NC_012920.1", "J01415.2"),
                  "contig names (case-insensitive)", "UCSC hg38 / Ensembl / RefSeq naming", "K",
                  "contigs treated as vertebrate mitochondrial"),
            Param("canonical_priority",
                  ("MANE_Select", "Ensembl_canonical", "longest_cds", "longest_transcript", "id"),
                  "ordered rules", "MANE (Morales 2022); Ensembl canonical definition", "K",
                  "canonical_transcript() picks by these rules in order"),
        ),
    )
)

MITO_CONTIGS: frozenset[str] = frozenset(
    c.lower() for c in ANNOTATION_PARAMS["mito_contigs"]
)
"""Lower-cased contig names treated as vertebrate mitochondrial (default transl_table 2)."""


def is_mito_contig(contig: str) -> bool:
    """True for a known mitochondrial contig name (:data:`MITO_CONTIGS`, case-insensitive):
    the one list every module uses."""
    return contig.lower() in MITO_CONTIGS


def default_transl_table(contig: str) -> int:
    """2 (vertebrate mitochondrial code) on known mito contig names, else 1 (standard)."""
    if is_mito_contig(contig):
        return int(ANNOTATION_PARAMS["mito_transl_table"])
    return int(ANNOTATION_PARAMS["default_transl_table"])


@dataclass(frozen=True, slots=True)
class TranslExcept:
    """A translation exception (GenBank ``/transl_except``): codon location and amino acid.

    ``location`` may be shorter than 3 bases for stop codons completed by polyadenylation
    (``aa == "TERM"``)."""

    location: Interval
    aa: str


@dataclass(frozen=True)
class Transcript:
    """One transcript. ``exons``/``cds`` are 0-based half-open pieces sorted by genomic
    start (whatever the strand); the CDS includes the stop codon. ``tags`` holds normalised
    tags (``MANE_Select``, ``Ensembl_canonical``, ``basic``, ``merged_isoforms``,
    ``gene_span_only``...). ``transl_except`` carries GenBank/RefSeq translation exceptions
    (e.g. polyA-completed mito stops)."""

    id: str
    gene_id: str
    gene_name: str
    contig: str
    strand: Strand
    exons: tuple[Interval, ...]
    cds: tuple[Interval, ...]
    biotype: str = ""
    tags: frozenset[str] = frozenset()
    transl_table: int = 1
    transl_except: tuple[TranslExcept, ...] = ()

    # ------------------------------------------------------------------ basic geometry
    @cached_property
    def start(self) -> int:
        """Genomic start (0-based) of the transcript span."""
        starts = [iv.start for iv in self.exons[:1]] + [iv.start for iv in self.cds[:1]]
        return min(starts) if starts else 0

    @cached_property
    def end(self) -> int:
        """Genomic end (0-based exclusive) of the transcript span."""
        ends = [iv.end for iv in self.exons] + [iv.end for iv in self.cds]
        return max(ends) if ends else 0

    @property
    def span(self) -> Interval:
        return Interval(self.contig, self.start, self.end, self.strand)

    @property
    def is_coding(self) -> bool:
        return bool(self.cds)

    @property
    def cds_length(self) -> int:
        return sum(len(iv) for iv in self.cds)

    @property
    def length(self) -> int:
        """Spliced (mature transcript) length."""
        return sum(len(iv) for iv in self.exons)

    @property
    def cds_start(self) -> int | None:
        """Genomic start (lowest coordinate) of the CDS, or None if non-coding."""
        return self.cds[0].start if self.cds else None

    @property
    def cds_end(self) -> int | None:
        """Genomic end (exclusive, highest coordinate) of the CDS, or None if non-coding."""
        return self.cds[-1].end if self.cds else None

    def exons_in_order(self) -> tuple[Interval, ...]:
        return self.exons if self.strand == "+" else tuple(reversed(self.exons))

    def cds_in_order(self) -> tuple[Interval, ...]:
        return self.cds if self.strand == "+" else tuple(reversed(self.cds))

    def introns_in_order(self) -> tuple[Interval, ...]:
        introns = [
            Interval(self.contig, a.end, b.start, self.strand)
            for a, b in zip(self.exons, self.exons[1:], strict=False)
            if b.start > a.end
        ]
        return tuple(introns) if self.strand == "+" else tuple(reversed(introns))

    # ------------------------------------------------------------------ coordinates
    def exon_number(self, pos: int) -> int | None:
        """1-based exon number (transcript order) containing genomic ``pos``, else None."""
        i = _find_piece(self._exon_starts, self.exons, pos)
        if i is None:
            return None
        return i + 1 if self.strand == "+" else len(self.exons) - i

    def cds_offset(self, pos: int) -> int | None:
        """0-based offset of genomic base ``pos`` within the spliced CDS (5'->3'), or None."""
        i = _find_piece(self._cds_starts, self.cds, pos)
        if i is None:
            return None
        piece = self.cds[i]
        if self.strand == "+":
            return self._cds_cum[i] + (pos - piece.start)
        return self._cds_cum[i] + (piece.end - 1 - pos)

    def genomic_pos(self, cds_offset: int) -> int:
        """Genomic base for a 0-based CDS offset (inverse of :meth:`cds_offset`)."""
        total = self.cds_length
        if not 0 <= cds_offset < total:
            raise RegionError(
                f"CDS offset {cds_offset} outside transcript {self.id} (CDS length {total})",
                hint=f"use an offset between 0 and {max(total - 1, 0)}",
            )
        cum = self._cds_cum_tx
        i = bisect_right(cum, cds_offset) - 1
        piece = self.cds[i] if self.strand == "+" else self.cds[len(self.cds) - 1 - i]
        within = cds_offset - cum[i]
        if self.strand == "+":
            return piece.start + within
        return piece.end - 1 - within

    def cds_sequence(self, genome_fetch: GenomeFetch) -> str:
        """Spliced CDS 5'->3' (including the stop codon as annotated)."""
        parts = [genome_fetch(self.contig, iv.start, iv.end, "+") for iv in self.cds]
        seq = "".join(parts)
        return seq if self.strand == "+" else reverse_complement(seq)

    def spliced_sequence(self, genome_fetch: GenomeFetch) -> str:
        """Mature transcript (all exons) 5'->3'."""
        seq = "".join(genome_fetch(self.contig, iv.start, iv.end, "+") for iv in self.exons)
        return seq if self.strand == "+" else reverse_complement(seq)

    def region(self, pos: int) -> Region:
        """Classify genomic ``pos`` relative to this transcript (transcript orientation)."""
        plus = self.strand == "+"
        if pos < self.start:
            return "upstream" if plus else "downstream"
        if pos >= self.end:
            return "downstream" if plus else "upstream"
        if _find_piece(self._exon_starts, self.exons, pos) is None:
            if self.cds and _find_piece(self._cds_starts, self.cds, pos) is not None:
                return "cds"  # CDS outside any exon (malformed input); still report CDS
            return "intron"
        if not self.cds:
            return "exon"
        if _find_piece(self._cds_starts, self.cds, pos) is not None:
            return "cds"
        before_cds = pos < self.cds[0].start
        if plus:
            return "utr5" if before_cds else "utr3"
        return "utr3" if before_cds else "utr5"

    # ------------------------------------------------------------------ cached helpers
    @cached_property
    def _exon_starts(self) -> list[int]:
        return [iv.start for iv in self.exons]

    @cached_property
    def _cds_starts(self) -> list[int]:
        return [iv.start for iv in self.cds]

    @cached_property
    def _cds_cum_tx(self) -> list[int]:
        """Cumulative CDS length before each piece, pieces in transcript order."""
        cum: list[int] = []
        acc = 0
        for iv in self.cds_in_order():
            cum.append(acc)
            acc += len(iv)
        return cum

    @cached_property
    def _cds_cum(self) -> list[int]:
        """Cumulative CDS length (transcript orientation) before each piece, indexed like
        ``self.cds`` (genomic order)."""
        cum = self._cds_cum_tx
        return cum if self.strand == "+" else cum[::-1]

    def __hash__(self) -> int:
        return hash((self.id, self.contig, self.start, self.end))


def _find_piece(starts: list[int], pieces: tuple[Interval, ...], pos: int) -> int | None:
    i = bisect_right(starts, pos) - 1
    if i >= 0 and pos < pieces[i].end:
        return i
    return None


@dataclass(frozen=True)
class Gene:
    """A gene: span (0-based half-open), its transcripts sorted by (start, end, id), and
    extra names (``aliases``: GenBank /gene, GFF3 Alias, locus_tag, raw IDs) that
    :meth:`Annotation.find_gene` also accepts."""

    id: str
    name: str
    contig: str
    start: int
    end: int
    strand: Strand
    biotype: str
    transcripts: tuple[Transcript, ...]
    aliases: tuple[str, ...] = ()

    @property
    def span(self) -> Interval:
        return Interval(self.contig, self.start, self.end, self.strand)

    @property
    def label(self) -> str:
        return self.name or self.id

    def __hash__(self) -> int:
        return hash((self.id, self.contig, self.start, self.end))


# ---------------------------------------------------------------------- builder helpers
# Shared by the GTF/GFF3/GenBank parsers (not public API).


IntervalCache = dict[tuple[str, str], dict[tuple[int, int], Interval]]
"""Shared Interval objects (identical exons of sibling transcripts are one object)."""


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building millions of small acyclic
    objects (a full GENCODE load is ~2x faster); restores the previous state."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _merge(pieces: Iterable[tuple[int, int]], *, touching: bool) -> list[tuple[int, int]]:
    lst = sorted(pieces)
    ok = True
    for i in range(1, len(lst)):
        if lst[i][0] < lst[i - 1][1] or (touching and lst[i][0] == lst[i - 1][1]):
            ok = False
            break
    if ok:
        return lst  # common case: already disjoint
    out: list[list[int]] = []
    for s, e in sorted(set(lst)):
        if out and (s < out[-1][1] or (touching and s == out[-1][1])):
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def build_transcript(
    *,
    id: str,
    gene_id: str,
    gene_name: str,
    contig: str,
    strand: Strand,
    exons: Iterable[tuple[int, int]],
    cds: Iterable[tuple[int, int]] = (),
    biotype: str = "",
    tags: Iterable[str] = (),
    transl_table: int | None = None,
    transl_except: Iterable[TranslExcept] = (),
    icache: IntervalCache | None = None,
) -> Transcript:
    """Normalise raw 0-based pieces into a :class:`Transcript`: exons sorted and
    overlapping ones merged; CDS (with any stop-codon pieces already appended) sorted and
    touching pieces merged; a transcript with CDS but no exons gets exons = CDS."""
    cds_m = _merge(cds, touching=True)
    ex_m = _merge(exons, touching=False) or list(cds_m)
    if icache is None:
        ex_iv = tuple(Interval(contig, s, e, strand) for s, e in ex_m)
        cds_iv = tuple(Interval(contig, s, e, strand) for s, e in cds_m)
    else:
        sub = icache.get((contig, strand))
        if sub is None:
            sub = icache[(contig, strand)] = {}
        ex_iv = _intervals(sub, contig, strand, ex_m)
        cds_iv = _intervals(sub, contig, strand, cds_m)
    return Transcript(
        id=id,
        gene_id=gene_id,
        gene_name=gene_name,
        contig=contig,
        strand=strand,
        exons=ex_iv,
        cds=cds_iv,
        biotype=biotype,
        tags=frozenset(tags),
        transl_table=transl_table if transl_table is not None else default_transl_table(contig),
        transl_except=tuple(transl_except),
    )


def _intervals(
    sub: dict[tuple[int, int], Interval], contig: str, strand: Strand,
    pairs: list[tuple[int, int]],
) -> tuple[Interval, ...]:
    out: list[Interval] = []
    get = sub.get
    for pair in pairs:
        iv = get(pair)
        if iv is None:
            iv = sub[pair] = Interval(contig, pair[0], pair[1], strand)
        out.append(iv)
    return tuple(out)


def build_gene(
    *,
    id: str,
    name: str,
    contig: str,
    strand: Strand,
    biotype: str,
    transcripts: Iterable[Transcript],
    start: int | None = None,
    end: int | None = None,
    aliases: Iterable[str] = (),
) -> Gene:
    """A :class:`Gene`; span = given span widened to cover all transcripts."""
    txs = tuple(sorted(transcripts, key=lambda t: (t.start, t.end, t.id)))
    starts = [t.start for t in txs] + ([start] if start is not None else [])
    ends = [t.end for t in txs] + ([end] if end is not None else [])
    al = tuple(dict.fromkeys(a for a in aliases if a and a != name and a != id))
    return Gene(
        id=id,
        name=name,
        contig=contig,
        start=min(starts) if starts else 0,
        end=max(ends) if ends else 0,
        strand=strand,
        biotype=biotype,
        transcripts=txs,
        aliases=al,
    )


def normalise_tag(tag: str) -> str:
    """``"MANE Select"`` -> ``"MANE_Select"`` (RefSeq spells tags with spaces)."""
    return "_".join(tag.strip().split())


_TE_RE = re.compile(
    r"pos:\s*(complement\()?\s*(?:[\w.]+:)?(\d+)(?:\.\.(\d+))?\)?\s*,\s*aa:\s*(\w+)"
)


def parse_transl_except(text: str, contig: str) -> list[TranslExcept]:
    """Parse every ``(pos:4261..4262,aa:TERM)`` / ``(pos:complement(5511),aa:TERM)``
    (GenBank syntax, 1-based) in ``text``."""
    out: list[TranslExcept] = []
    for m in _TE_RE.finditer(text):
        comp, a, b, aa = m.groups()
        s = int(a)
        e = int(b) if b else s
        if e < s:
            s, e = e, s
        out.append(TranslExcept(Interval(contig, s - 1, e, "-" if comp else "+"), aa))
    return out


def open_text(path: Path) -> io.TextIOWrapper:
    """Open plain or gzipped text (by magic bytes)."""
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def format_error(path: Path, lineno: int, what: str, hint: str) -> FormatError:
    """A FormatError naming the file and line (shared by the GTF and GFF3 readers)."""
    return FormatError(f"{path}: line {lineno}: {what}", hint=hint)


def row_interval(path: Path, lineno: int, cols: list[str], fmt: str) -> tuple[int, int]:
    """0-based half-open (start, end) from columns 4-5 of a GTF/GFF3 row, validated."""
    try:
        start = int(cols[3]) - 1
        end = int(cols[4])
    except ValueError:
        raise format_error(
            path, lineno, f"start/end not integers: {cols[3]!r}, {cols[4]!r}",
            "columns 4 and 5 must be 1-based integer coordinates",
        ) from None
    if end <= start:
        raise format_error(path, lineno, f"end {cols[4]} < start {cols[3]}",
                           f"{fmt} coordinates are 1-based inclusive with start <= end")
    if start < 0:
        raise format_error(path, lineno, f"start {cols[3]} < 1", f"{fmt} coordinates are 1-based")
    return start, end

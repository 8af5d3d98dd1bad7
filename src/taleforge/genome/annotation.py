"""Gene/transcript model and the query layer over a loaded annotation.

Coordinates are 0-based half-open (:class:`~taleforge.model.interval.Interval`) everywhere in
this module. Parsers live in :mod:`taleforge.genome.gtf`, :mod:`taleforge.genome.gff3` and
:mod:`taleforge.genome.genbank`; :func:`load_annotation` dispatches between them.

Conventions
-----------
* ``Transcript.exons`` and ``Transcript.cds`` are sorted by genomic start whatever the strand;
  use :meth:`Transcript.exons_in_order` for 5'->3' (transcript) order.
* The CDS includes the stop codon (GTF ``stop_codon`` rows are merged into it). Vertebrate
  mitochondrial CDSs whose stop codon is completed by polyadenylation (ending in ``T`` or
  ``TA``) are kept exactly as given, so ``cds_length`` need not be a multiple of 3.
* ``transl_table`` is 1 unless the file says otherwise, or the contig is a known vertebrate
  mitochondrial name (``chrM``, ``MT``, ``NC_012920.1``; see :data:`MITO_CONTIGS`), where it
  defaults to 2 (table ``annotation`` in the parameter registry).

Queries (:class:`Annotation`)
-----------------------------
* ``find_gene`` accepts a symbol, alias, gene ID or transcript ID, case-insensitively, with
  or without a ``.N`` version; unknown names raise ``UnknownNameError`` whose hint lists the
  closest names (difflib).
* ``locate(contig, pos)`` returns ``"exon:GENE"``, ``"intron:GENE"`` or ``"intergenic"``
  (overlapping genes comma-joined, sorted; "exon" if any transcript of any gene has an exon
  there, "intron" if inside a gene span only). One bisect per query after a per-contig
  segment map is built on first use.
* ``nearest_gene`` returns ``(gene, distance)``; distance 0 inside a gene (the shortest
  containing gene wins), else bases to the nearest gene end.
"""

from __future__ import annotations

import difflib
import gc
import gzip
import io
import os
import re
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from taleforge.errors import FormatError, RegionError, UnknownNameError
from taleforge.model.interval import Interval, Strand, reverse_complement
from taleforge.model.params import Param, ParamTable, register_table
from taleforge.progress import ProgressCallback

__all__ = [
    "ANNOTATION_PARAMS",
    "MITO_CONTIGS",
    "Annotation",
    "Gene",
    "Region",
    "Transcript",
    "TranslExcept",
    "default_transl_table",
    "is_mito_contig",
    "load_annotation",
]

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


_VERSION_RE = re.compile(r"\.\d+$")
_ID_LIKE_RE = re.compile(r"^(ENS[A-Z]*[GT]\d|[NX][MRCG]_\d|gene[-:])", re.IGNORECASE)


def _strip_version(s: str) -> str:
    return _VERSION_RE.sub("", s)


@dataclass
class _ContigIndex:
    tx: list[Transcript] = field(default_factory=list)
    tx_starts: list[int] = field(default_factory=list)
    tx_maxend: list[int] = field(default_factory=list)
    genes: list[Gene] = field(default_factory=list)
    gene_starts: list[int] = field(default_factory=list)
    gene_maxend: list[int] = field(default_factory=list)
    genes_by_end: list[Gene] = field(default_factory=list)
    gene_ends: list[int] = field(default_factory=list)
    seg_bounds: list[int] | None = None
    seg_labels: list[str] | None = None


def _prefix_max(values: Iterable[int]) -> list[int]:
    out: list[int] = []
    m = -1
    for v in values:
        m = max(m, v)
        out.append(m)
    return out


class Annotation:
    """A loaded annotation: genes with their transcripts, plus lookup/overlap queries."""

    def __init__(self, genes: Iterable[Gene], source: str) -> None:
        with no_gc():
            self._init(genes, source)

    def _init(self, genes: Iterable[Gene], source: str) -> None:
        self.source = source
        self.genes: tuple[Gene, ...] = tuple(
            sorted(genes, key=lambda g: (g.contig, g.start, g.end, g.id))
        )
        self._contigs: dict[str, _ContigIndex] = {}
        self._gene_keys: dict[str, list[Gene]] | None = None
        self._tx_keys: dict[str, list[Transcript]] | None = None
        self._gene_by_idc: dict[tuple[str, str], Gene] = {}
        self._all_tx: tuple[Transcript, ...] | None = None
        self._build_overlap_index()

    def __repr__(self) -> str:
        return f"Annotation(source={self.source!r}, genes={len(self.genes)})"

    def __len__(self) -> int:
        return len(self.genes)

    @property
    def contigs(self) -> tuple[str, ...]:
        return tuple(sorted(self._contigs))

    @property
    def transcripts(self) -> tuple[Transcript, ...]:
        """All transcripts, in gene order."""
        if self._all_tx is None:
            self._all_tx = tuple(t for g in self.genes for t in g.transcripts)
        return self._all_tx

    # ------------------------------------------------------------------ index building
    def _build_overlap_index(self) -> None:
        by_contig: dict[str, _ContigIndex] = {}
        for g in self.genes:
            ci = by_contig.setdefault(g.contig, _ContigIndex())
            ci.genes.append(g)
            ci.tx.extend(g.transcripts)
        for ci in by_contig.values():
            ci.genes.sort(key=lambda g: (g.start, g.end, g.id))
            ci.gene_starts = [g.start for g in ci.genes]
            ci.gene_maxend = _prefix_max(g.end for g in ci.genes)
            ci.genes_by_end = sorted(ci.genes, key=lambda g: (g.end, g.start, g.id))
            ci.gene_ends = [g.end for g in ci.genes_by_end]
            ci.tx.sort(key=lambda t: (t.start, t.end, t.id))
            ci.tx_starts = [t.start for t in ci.tx]
            ci.tx_maxend = _prefix_max(t.end for t in ci.tx)
        self._contigs = by_contig

    def _build_name_index(self) -> None:
        with no_gc():
            self._build_name_index_inner()

    def _build_name_index_inner(self) -> None:
        gk: dict[str, list[Gene]] = {}
        tk: dict[str, list[Transcript]] = {}

        def add(d: dict[str, list[Gene]], key: str, val: Gene) -> None:
            if key:
                lst = d.setdefault(key.lower(), [])
                if not any(x is val for x in lst):
                    lst.append(val)

        def addt(d: dict[str, list[Transcript]], key: str, val: Transcript) -> None:
            if key:
                lst = d.setdefault(key.lower(), [])
                if not any(x is val for x in lst):
                    lst.append(val)

        for g in self.genes:
            add(gk, g.name, g)
            add(gk, g.id, g)
            add(gk, _strip_version(g.id), g)
            for a in g.aliases:
                add(gk, a, g)
            for t in g.transcripts:
                addt(tk, t.id, t)
                addt(tk, _strip_version(t.id), t)
        self._gene_keys = gk
        self._tx_keys = tk
        self._gene_by_idc = {(g.id, g.contig): g for g in self.genes}

    # ------------------------------------------------------------------ name lookup
    def find_genes(self, query: str) -> list[Gene]:
        """All genes matching ``query`` (symbol, alias, gene ID or transcript ID); may be
        empty. Sorted: primary-assembly/non-PAR first, then by contig, start, id."""
        if self._gene_keys is None or self._tx_keys is None:
            self._build_name_index()
        assert self._gene_keys is not None and self._tx_keys is not None
        q = query.strip().lower()
        hits: list[Gene] = []
        for key in (q, _strip_version(q)):
            if key in self._gene_keys:
                hits = list(self._gene_keys[key])
                break
            if key in self._tx_keys:
                by_idc = self._gene_by_idc
                hits = [
                    by_idc[(t.gene_id, t.contig)]
                    for t in self._tx_keys[key]
                    if (t.gene_id, t.contig) in by_idc
                ]
                break
        uniq = list({id(g): g for g in hits}.values())
        return sorted(uniq, key=_gene_preference)

    def find_gene(self, query: str) -> Gene:
        hits = self.find_genes(query)
        if hits:
            return hits[0]
        raise UnknownNameError(
            f"unknown gene {query!r}",
            hint=self._closest_hint(query, genes=True),
        )

    def find_transcript(self, query: str) -> Transcript:
        """Transcript by ID (version optional, case-insensitive)."""
        if self._tx_keys is None:
            self._build_name_index()
        assert self._tx_keys is not None
        q = query.strip().lower()
        for key in (q, _strip_version(q)):
            if key in self._tx_keys:
                return sorted(self._tx_keys[key], key=lambda t: (t.contig, t.start, t.id))[0]
        raise UnknownNameError(
            f"unknown transcript {query!r}",
            hint=self._closest_hint(query, genes=False),
        )

    def _closest_hint(self, query: str, *, genes: bool) -> str:
        assert self._gene_keys is not None and self._tx_keys is not None
        display: dict[str, str] = {}
        id_like = _ID_LIKE_RE.match(query.strip()) is not None
        if genes:
            for g in self.genes:
                cands = (g.id,) if id_like else (g.name, *g.aliases)
                for s in cands:
                    if s:
                        display.setdefault(s.lower(), s)
            if not display:  # e.g. an annotation without gene names
                for g in self.genes:
                    display.setdefault(g.id.lower(), g.id)
        else:
            for g in self.genes:
                for t in g.transcripts:
                    display.setdefault(t.id.lower(), t.id)
        matches = difflib.get_close_matches(query.strip().lower(), list(display), n=5, cutoff=0.6)
        what = "gene symbol, gene ID or transcript ID" if genes else "transcript ID"
        if matches:
            return "closest matches: " + ", ".join(display[m] for m in matches)
        return f"no similar names in {self.source}; give a {what} present in the annotation"

    # ------------------------------------------------------------------ canonical
    def canonical_transcript(self, gene: Gene | str) -> Transcript:
        """MANE_Select, else Ensembl_canonical, else longest CDS, else longest transcript;
        remaining ties broken by transcript id."""
        g = self.find_gene(gene) if isinstance(gene, str) else gene
        if not g.transcripts:
            raise UnknownNameError(
                f"gene {g.label!r} has no transcripts",
                hint="choose a gene with annotated transcripts or give coordinates",
            )
        return canonical_of(g.transcripts)

    # ------------------------------------------------------------------ overlap
    def transcripts_overlapping(self, contig: str, start: int, end: int) -> list[Transcript]:
        """Transcripts whose span overlaps [start, end); sorted by (start, end, id)."""
        ci = self._contigs.get(contig)
        if ci is None:
            return []
        return _overlapping(ci.tx_starts, ci.tx_maxend, ci.tx, start, end)

    def genes_overlapping(self, contig: str, start: int, end: int) -> list[Gene]:
        """Genes whose span overlaps [start, end); sorted by (start, end, id)."""
        ci = self._contigs.get(contig)
        if ci is None:
            return []
        return _overlapping(ci.gene_starts, ci.gene_maxend, ci.genes, start, end)

    def nearest_gene(self, contig: str, pos: int) -> tuple[Gene, int] | None:
        """Closest gene to ``pos`` and its distance in bases (0 if inside); None if the
        contig has no genes. Ties: the upstream (lower-coordinate) gene first, then by id."""
        inside = self.genes_overlapping(contig, pos, pos + 1)
        if inside:
            return sorted(inside, key=lambda g: (g.end - g.start, g.start, g.id))[0], 0
        ci = self._contigs.get(contig)
        if ci is None or not ci.genes:
            return None
        best: tuple[int, int, str, Gene] | None = None
        j = bisect_right(ci.gene_ends, pos) - 1  # genes ending at or before pos
        if j >= 0:
            d = pos - ci.gene_ends[j] + 1
            # all genes with this same end
            for g in ci.genes_by_end[: j + 1][::-1]:
                if g.end != ci.gene_ends[j]:
                    break
                cand = (d, g.start, g.id, g)
                if best is None or cand[:3] < best[:3]:
                    best = cand
        k = bisect_right(ci.gene_starts, pos)  # genes starting after pos
        if k < len(ci.genes):
            s = ci.gene_starts[k]
            for g in ci.genes[k:]:
                if g.start != s:
                    break
                cand = (s - pos, g.start, g.id, g)
                if best is None or cand[:3] < best[:3]:
                    best = cand
        return None if best is None else (best[3], best[0])

    def locate(self, contig: str, pos: int) -> str:
        """``"exon:GENE"``, ``"intron:GENE"`` or ``"intergenic"`` for a base (several genes
        are comma-joined, sorted). Exon wins over intron. Uses a per-contig segment map
        built on first use, so each later query is one bisect."""
        ci = self._contigs.get(contig)
        if ci is None:
            return "intergenic"
        if ci.seg_bounds is None:
            with no_gc():
                self._build_segments(ci)
        assert ci.seg_bounds is not None and ci.seg_labels is not None
        i = bisect_right(ci.seg_bounds, pos) - 1
        if i < 0:
            return "intergenic"
        return ci.seg_labels[i]

    @staticmethod
    def _build_segments(ci: _ContigIndex) -> None:
        # events: (position, kind, delta, name); kind 0 = exon, 1 = gene span
        events: list[tuple[int, int, int, str]] = []
        for g in ci.genes:
            name = g.label
            events.append((g.start, 1, 1, name))
            events.append((g.end, 1, -1, name))
            merged: list[list[int]] = []
            for iv in sorted({(iv.start, iv.end) for t in g.transcripts for iv in t.exons}):
                if merged and iv[0] <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], iv[1])
                else:
                    merged.append([iv[0], iv[1]])
            for s, e in merged:
                events.append((s, 0, 1, name))
                events.append((e, 0, -1, name))
        events.sort()
        exon_active: dict[str, int] = {}
        span_active: dict[str, int] = {}
        bounds: list[int] = []
        labels: list[str] = []
        intern: dict[str, str] = {}
        i = 0
        n = len(events)
        while i < n:
            p = events[i][0]
            while i < n and events[i][0] == p:
                _, kind, delta, name = events[i]
                d = exon_active if kind == 0 else span_active
                c = d.get(name, 0) + delta
                if c:
                    d[name] = c
                else:
                    d.pop(name, None)
                i += 1
            if exon_active:
                label = "exon:" + ",".join(sorted(exon_active))
            elif span_active:
                label = "intron:" + ",".join(sorted(span_active))
            else:
                label = "intergenic"
            label = intern.setdefault(label, label)
            if labels and labels[-1] == label:
                continue
            bounds.append(p)
            labels.append(label)
        ci.seg_bounds = bounds
        ci.seg_labels = labels


def _gene_preference(g: Gene) -> tuple[int, int, str, int, str]:
    par = 1 if g.id.endswith("_PAR_Y") else 0
    alt = 0 if ("_" not in g.contig and "." not in g.contig) or g.contig.startswith("NC_") else 1
    return (par, alt, g.contig, g.start, g.id)


def canonical_of(transcripts: Iterable[Transcript]) -> Transcript:
    """The canonical transcript of a collection (see :meth:`Annotation.canonical_transcript`)."""

    def key(t: Transcript) -> tuple[int, int, int, int, str]:
        return (
            0 if "MANE_Select" in t.tags else 1,
            0 if "Ensembl_canonical" in t.tags else 1,
            -t.cds_length,
            -t.length,
            t.id,
        )

    return min(transcripts, key=key)


# ---------------------------------------------------------------------- loading
_GTF_EXT = (".gtf",)
_GFF_EXT = (".gff", ".gff3")
_GB_EXT = (".gb", ".gbk", ".genbank", ".gbff")


def _sniff(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    for ext in _GTF_EXT:
        if name.endswith(ext):
            return "gtf"
    for ext in _GFF_EXT:
        if name.endswith(ext):
            return "gff3"
    for ext in _GB_EXT:
        if name.endswith(ext):
            return "genbank"
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
            head = fh.read(65536)
    except OSError as exc:
        raise FormatError(
            f"cannot read annotation {path}: {exc}", hint="check the path and permissions"
        ) from exc
    if head.lstrip().startswith("LOCUS"):
        return "genbank"
    if "##gff-version" in head or "ID=" in head or "Parent=" in head:
        return "gff3"
    if 'gene_id "' in head or "transcript_id \"" in head:
        return "gtf"
    raise FormatError(
        f"cannot tell the format of annotation {path}",
        hint="use a .gtf, .gff3 or .gb file (optionally .gz)",
    )


def load_annotation(
    path: str | os.PathLike[str],
    *,
    contig_alias: dict[str, str] | None = None,
    progress: ProgressCallback | None = None,
) -> Annotation:
    """Load a GTF, GFF3 or GenBank annotation (optionally gzipped); format from the file
    extension, else sniffed from the content. ``contig_alias`` renames contigs (e.g.
    ``{"NC_012920.1": "chrM"}``). ``progress`` is a :data:`taleforge.progress.ProgressCallback`."""
    text = os.fspath(path)
    if text.lower() in _BUILTIN_NAMES:
        return load_builtin_mito()
    p = Path(path)
    if not p.exists():
        raise FormatError(
            f"annotation file not found: {p}",
            hint="check the path (or use builtin:hg38-chrM for the packaged chrM annotation)",
        )
    if p.resolve() == _builtin_mito_path().resolve() and not contig_alias:
        return load_builtin_mito()
    try:
        genes = _read_any(p, contig_alias, progress)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise FormatError(
            f"{p}: cannot decompress ({exc})",
            hint="the gzip file is truncated or corrupt; fetch it again",
        ) from exc
    return Annotation(genes, source=str(path))


def _read_any(
    p: Path, contig_alias: dict[str, str] | None, prog: ProgressCallback | None
) -> list[Gene]:
    kind = _sniff(p)
    if kind == "gtf":
        from taleforge.genome.gtf import read_gtf

        return read_gtf(p, contig_alias=contig_alias, progress=prog)
    if kind == "gff3":
        from taleforge.genome.gff3 import read_gff3

        return read_gff3(p, contig_alias=contig_alias, progress=prog)
    from taleforge.genome.genbank import read_genbank

    return read_genbank(p, contig_alias=contig_alias, progress=prog)


_BUILTIN_NAMES = frozenset(
    {"builtin:hg38-chrm", "builtin-mito", "builtin:mito", "builtin:rcrs", "builtin"}
)
_BUILTIN_CACHE: list[Annotation] = []


def _builtin_mito_path() -> Path:
    return Path(__file__).resolve().parents[1] / "data" / "hg38-chrM.gff3"


def load_builtin_mito() -> Annotation:
    """The packaged hg38 chrM annotation (37 genes from NCBI RefSeq NC_012920.1; see
    ``taleforge/data/PROVENANCE.md``), source ``"builtin:hg38-chrM"``. Loaded once and
    cached (the object is read-only)."""
    if _BUILTIN_CACHE:
        return _BUILTIN_CACHE[0]
    from taleforge.genome.gff3 import read_gff3

    ann = Annotation(read_gff3(_builtin_mito_path()), source="builtin:hg38-chrM")
    _BUILTIN_CACHE.append(ann)
    return ann


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


def _overlapping(starts: list[int], maxend: list[int], items: Sequence[Any], start: int,
                 end: int) -> list[Any]:
    """Items (sorted by start, with prefix-max ends) whose span overlaps [start, end)."""
    hi = bisect_left(starts, max(end, start + 1))
    out: list[Any] = []
    i = hi - 1
    while i >= 0 and maxend[i] > start:
        if items[i].end > start:
            out.append(items[i])
        i -= 1
    out.reverse()
    return out

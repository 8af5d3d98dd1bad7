"""Gene/transcript model and the query layer over a loaded annotation.

Coordinates are 0-based half-open (:class:`~taleforge.model.interval.Interval`) everywhere in
this module. The model (:class:`Transcript`, :class:`Gene`) and the parsers' builder helpers
live in :mod:`taleforge.genome.annotation_model` (re-exported here); the parsers
(:mod:`taleforge.genome.gtf`, :mod:`taleforge.genome.gff3`, :mod:`taleforge.genome.genbank`)
import that module, not this one, so there is no import cycle; :func:`load_annotation`
dispatches between them.

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
import gzip
import os
import re
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from taleforge.genome.index import Genome

from taleforge.errors import FormatError, InputError, UnknownNameError
from taleforge.genome.annotation_model import (
    ANNOTATION_PARAMS,
    MITO_CONTIGS,
    Gene,
    GenomeFetch,
    IntervalCache,
    Region,
    Transcript,
    TranslExcept,
    build_gene,
    build_transcript,
    default_transl_table,
    format_error,
    is_mito_contig,
    no_gc,
    normalise_tag,
    open_text,
    parse_transl_except,
    row_interval,
)
from taleforge.model.interval import Interval
from taleforge.progress import ProgressCallback

__all__ = [  # the model lives in taleforge.genome.annotation_model; re-exported here
    "ANNOTATION_PARAMS",
    "MITO_CONTIGS",
    "Annotation",
    "AnnotationMatch",
    "Gene",
    "GenomeFetch",
    "IntervalCache",
    "Region",
    "Transcript",
    "TranslExcept",
    "build_gene",
    "build_transcript",
    "default_transl_table",
    "format_error",
    "is_mito_contig",
    "load_annotation",
    "match_annotation",
    "no_gc",
    "normalise_tag",
    "open_text",
    "parse_transl_except",
    "row_interval",
]

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
        #: set by ``load_annotation(..., genome=)`` when records were renamed or dropped
        self.input_match: AnnotationMatch | None = None
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
    genome: Genome | None = None,
) -> Annotation:
    """Load a GTF, GFF3 or GenBank annotation (optionally gzipped); format from the file
    extension, else sniffed from the content. ``contig_alias`` renames contigs (e.g.
    ``{"NC_012920.1": "chrM"}``). ``progress`` is a :data:`taleforge.progress.ProgressCallback`.
    With ``genome``, the result is matched to it (:func:`match_annotation`: alias renaming,
    genes that do not fit dropped, one error when nothing fits); the match is kept as the
    annotation's ``input_match`` attribute (None when nothing needed changing)."""
    ann = _load_annotation(path, contig_alias=contig_alias, progress=progress)
    if genome is None:
        return ann
    m = match_annotation(ann, genome)
    if m.annotation is ann:
        return ann
    m.annotation.input_match = m
    return m.annotation


def _load_annotation(
    path: str | os.PathLike[str],
    *,
    contig_alias: dict[str, str] | None,
    progress: ProgressCallback | None,
) -> Annotation:
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


@dataclass(frozen=True)
class AnnotationMatch:
    """An annotation matched to one genome: contigs renamed to the genome's names through
    the alias table (:mod:`taleforge.genome.aliases`), genes that do not fit skipped and
    counted (``unknown-contig``, ``past-contig-end``)."""

    annotation: Annotation
    skipped: dict[str, int]
    renamed: dict[str, str]
    unknown_contigs: tuple[str, ...] = ()

    def message(self) -> str | None:
        name = Path(str(self.annotation.source)).name
        bits = []
        if self.skipped:
            per = ", ".join(f"{k} {v:,}" for k, v in self.skipped.items())
            extra = (" (contigs " + ", ".join(self.unknown_contigs[:5])
                     + (" ..." if len(self.unknown_contigs) > 5 else "") + ")"
                     if self.unknown_contigs else "")
            bits.append(f"{sum(self.skipped.values()):,} genes of annotation {name} do not fit "
                        f"the genome and were skipped ({per}){extra}")
        if self.renamed:
            bits.append("annotation contigs matched to the genome by alias: "
                        + ", ".join(f"{a}->{b}" for a, b in self.renamed.items()))
        return "; ".join(bits) or None

    def warning(self) -> Any:
        """An ``input-mismatch`` :class:`~taleforge.design.result.DesignWarning` (severity
        "warning" when genes were skipped, "note" when names were only aliased), or None."""
        msg = self.message()
        if msg is None:
            return None
        from taleforge.design.result import DesignWarning

        return DesignWarning(
            "input-mismatch", msg, "warning" if self.skipped else "note", None,
            {"file": Path(str(self.annotation.source)).name, "skipped": dict(self.skipped),
             "renamed": dict(self.renamed), "unknown_contigs": list(self.unknown_contigs)},
        )


def _rename_iv(iv: Interval, contig: str) -> Interval:
    return Interval(contig, iv.start, iv.end, iv.strand)


def _rename_gene(g: Gene, contig: str) -> Gene:
    from dataclasses import replace

    txs = tuple(
        replace(
            t, contig=contig, exons=tuple(_rename_iv(iv, contig) for iv in t.exons),
            cds=tuple(_rename_iv(iv, contig) for iv in t.cds),
            transl_except=tuple(replace(te, location=_rename_iv(te.location, contig))
                                for te in t.transl_except),
        )
        for t in g.transcripts
    )
    return replace(g, contig=contig, transcripts=txs)


def match_annotation(
    annotation: Annotation, genome: Genome, *, genome_label: str | None = None
) -> AnnotationMatch:
    """Match ``annotation`` to ``genome`` (see :class:`AnnotationMatch`). When no gene lies
    on a contig of the genome, raise one :class:`InputError` naming both files (typically
    ``--genome`` was forgotten and the built-in chrM was used). Returns the annotation
    itself (not a copy) when every contig name is the genome's and every gene fits."""
    from taleforge.genome.aliases import ContigMatcher

    matcher = ContigMatcher.for_names(genome.contig_names)
    names = matcher.mapping(annotation.contigs)
    lengths = {c: genome.contig_length(c) for c in set(names.values()) if c is not None}
    kept: list[Gene] = []
    skipped: dict[str, int] = {}
    for g in annotation.genes:
        canon = names.get(g.contig)
        if canon is None:
            skipped["unknown-contig"] = skipped.get("unknown-contig", 0) + 1
            continue
        if g.end > lengths[canon]:
            skipped["past-contig-end"] = skipped.get("past-contig-end", 0) + 1
            continue
        kept.append(g if canon == g.contig else _rename_gene(g, canon))
    unknown = tuple(c for c, v in names.items() if v is None)
    if not kept and annotation.genes:
        ann_name = Path(str(annotation.source)).name
        gname = str(genome_label or getattr(genome, "name", None) or "the genome")
        shown = ", ".join(annotation.contigs[:4]) + (" ..." if len(annotation.contigs) > 4 else "")
        gshown = ", ".join(genome.contig_names[:4]) + (
            " ..." if len(genome.contig_names) > 4 else "")
        why = ("none of its contigs (" + shown + ") is in genome " + gname + " (" + gshown + ")"
               if unknown else "every gene runs past the end of its contig in genome " + gname)
        raise InputError(
            f"annotation {ann_name} does not fit genome {gname}: {why}",
            hint="pass the genome the annotation belongs to with --genome (a FASTA, 2bit or "
                 "registered name), or an annotation of this genome",
        )
    renamed = {a: b for a, b in names.items() if b is not None and a != b}
    order = ("unknown-contig", "past-contig-end")
    skipped = {k: skipped[k] for k in order if k in skipped}
    if not skipped and not renamed:
        return AnnotationMatch(annotation, {}, {}, ())
    return AnnotationMatch(Annotation(kept, source=annotation.source), skipped, renamed, unknown)


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

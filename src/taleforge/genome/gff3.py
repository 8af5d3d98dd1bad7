"""GFF3 reader (NCBI RefSeq, GENCODE, Ensembl, prokaryotic), standard library only.

Hierarchy handling
------------------
* Parts are ``exon``, ``CDS`` and ``stop_codon`` rows (``stop_codon`` is merged into the
  CDS); UTR/start_codon and other sub-features are ignored.
* A part's ``Parent`` (several comma-separated parents allowed) is its transcript; a
  transcript's ``Parent`` is its gene. Transcript types are whatever sits between
  (mRNA, transcript, tRNA, rRNA, ncRNA, lnc_RNA, primary_transcript, ...).
* Parts parented directly by a gene:
  - CDS only (prokaryotes, e.g. E. coli RefSeq): one transcript per CDS ``ID`` (RefSeq
    splits multi-piece CDSs over several rows with the same ID); exons = CDS.
  - exons (with or without CDS): one merged transcript ``<gene id>:merged`` built from
    the union of those exons/CDS (files that collapse isoforms); the gene's own
    childless transcript rows are then dropped (noted in ``notes``).
* A transcript without exon rows is one exon spanning the transcript (GFF3 convention);
  if it has CDS rows, exons = CDS.
* Transcripts or parts whose parent is missing get a synthesised gene.

Attributes
----------
Values are split on unescaped ``,`` and then URL-unescaped (``%2C`` -> ``,``).
Gene name: ``gene_name`` > ``Name`` > ``gene``; ``Alias`` and a differing ``gene`` are
kept as aliases. IDs: ``gene_id``/``transcript_id`` attributes if present, else ``ID`` with
an Ensembl ``gene:``/``transcript:`` prefix removed. Biotype: ``gene_type`` /
``gene_biotype`` / ``biotype``; transcript biotype: ``transcript_type`` /
``transcript_biotype`` or the feature type. Tags: ``tag`` values with spaces normalised
(``MANE Select`` -> ``MANE_Select``). ``transl_table`` from CDS/transcript/gene rows; when
absent it is 2 on known vertebrate mitochondrial contigs (chrM/MT/NC_012920.1) and 1
elsewhere. ``transl_except`` values (GenBank syntax) are parsed from CDS rows.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from taleforge.errors import FormatError
from taleforge.genome.annotation_model import (
    Gene,
    Transcript,
    TranslExcept,
    build_gene,
    build_transcript,
    format_error,
    no_gc,
    normalise_tag,
    open_text,
    parse_transl_except,
    row_interval,
)
from taleforge.model.interval import Strand
from taleforge.progress import ProgressCallback, report

__all__ = ["parse_gff3_attributes", "read_gff3"]

_PARTS = frozenset({"exon", "CDS", "stop_codon"})
_GENE_TYPES = frozenset(
    {
        "gene",
        "pseudogene",
        "ncRNA_gene",
        "protein_coding_gene",
        "transposable_element_gene",
        "rRNA_gene",
        "tRNA_gene",
        "snRNA_gene",
        "snoRNA_gene",
        "miRNA_gene",
        "lincRNA_gene",
    }
)
_SKIP_TYPES = frozenset(
    {
        "region",
        "chromosome",
        "contig",
        "supercontig",
        "scaffold",
        "sequence_feature",
        "origin_of_replication",
        "repeat_region",
        "five_prime_UTR",
        "three_prime_UTR",
        "start_codon",
        "Selenocysteine",
        "D_loop",
        "D-loop",
        "biological_region",
        "STS",
    }
)
_GENE_PREFIXES = ("gene:", "gene-")  # Ensembl, RefSeq
_TX_PREFIXES = ("transcript:", "rna-")
_CDS_PREFIXES = ("cds-", "CDS:", "cds:")
_KEEP = (
    "ID", "Parent", "gene_id", "transcript_id", "gene_name", "Name", "gene", "Alias",
    "locus_tag", "gene_type", "gene_biotype", "biotype", "transcript_type",
    "transcript_biotype", "tag", "transl_table",
)


def parse_gff3_attributes(text: str) -> dict[str, list[str]]:
    """``ID=a;tag=x,y%2Cz`` -> ``{"ID": ["a"], "tag": ["x", "y,z"]}``."""
    out: dict[str, list[str]] = {}
    for part in text.strip().split(";"):
        if not part:
            continue
        key, eq, val = part.partition("=")
        key = key.strip()
        if not eq or not key:
            continue
        vals = [unquote(v) if "%" in v else v for v in val.split(",")]
        out.setdefault(key, []).extend(vals)
    return out


def _quick(text: str, key: str) -> str:
    """Raw (still escaped) value of ``key=`` in a GFF3 attribute column, "" if absent."""
    k = key + "="
    i = text.find(k)
    while i > 0 and text[i - 1] != ";" and text[i - 1] != " ":
        i = text.find(k, i + 1)
    if i < 0:
        return ""
    j = i + len(k)
    e = text.find(";", j)
    return text[j:] if e < 0 else text[j:e]


def _unq(v: str) -> str:
    return unquote(v) if "%" in v else v


def _first(a: dict[str, list[str]], *keys: str, default: str = "") -> str:
    for k in keys:
        v = a.get(k)
        if v and v[0]:
            return v[0]
    return default


@dataclass(slots=True)
class _Feat:
    ftype: str
    contig: str
    start: int
    end: int
    strand: str
    attrs: dict[str, list[str]]
    lineno: int
    children: list[str] = field(default_factory=list)  # feature keys
    parts: list[_Part] = field(default_factory=list)


@dataclass(slots=True)
class _Part:
    ftype: str
    start: int
    end: int
    pid: str  # ID attribute of the part ("" if none)
    protein_id: str
    transl_table: str
    transl_except: str


_bad = format_error


def _strip_prefix(s: str, prefixes: tuple[str, ...]) -> str:
    for pre in prefixes:
        if s.startswith(pre):
            return s[len(pre):]
    return s


def read_gff3(
    path: str | Path,
    *,
    contig_alias: dict[str, str] | None = None,
    progress: ProgressCallback | None = None,
    notes: list[str] | None = None,
) -> list[Gene]:
    """Parse a GFF3 (plain or .gz) into genes. ``notes`` (if given) collects remarks about
    dropped or synthesised features. Raises :class:`FormatError` for malformed lines
    (with line numbers) or files without usable features."""
    with no_gc():
        return _read_gff3(path, contig_alias=contig_alias, progress=progress, notes=notes)


def _read_gff3(
    path: str | Path,
    *,
    contig_alias: dict[str, str] | None,
    progress: ProgressCallback | None,
    notes: list[str] | None,
) -> list[Gene]:
    p = Path(path)
    alias = contig_alias or {}
    intern = sys.intern
    feats: dict[str, _Feat] = {}  # key -> feature (non-part rows with an ID)
    orphan_parts: list[tuple[str, str, _Part, int]] = []  # (contig, strand, part, lineno)
    pending: list[tuple[str, str, _Part, int]] = []  # parts whose parent is not yet seen
    pending_children: list[tuple[str, str, int]] = []  # (child key, parent id, lineno)
    anon = 0
    n_data = 0
    lineno = 0
    contig_cache: dict[str, str] = {}
    with open_text(p) as fh:
        lineno = 0
        for line in fh:
            lineno += 1
            if not lineno & 0x3FFFF:
                report(progress, "reading GFF3", lineno, None)
            c0 = line[0]
            if c0 == "#":
                if line.startswith("##FASTA"):
                    break
                continue
            if c0 == ">":
                break  # FASTA section without the directive
            cols = line.split("\t")
            if len(cols) != 9:
                if not line.strip():
                    continue
                raise _bad(
                    p, lineno, f"expected 9 tab-separated columns, found {len(cols)}",
                    "GFF3 rows are: seqid source type start end score strand phase "
                    "attributes (tab-separated)",
                )
            n_data += 1
            ftype = cols[2]
            if ftype in _SKIP_TYPES:
                continue
            start, end = row_interval(p, lineno, cols, "GFF3")
            strand = cols[6]
            if strand not in ("+", "-", ".", "?"):
                raise _bad(p, lineno, f"bad strand {strand!r}",
                           "column 7 must be '+', '-', '.' or '?'")
            raw_contig = cols[0]
            contig = contig_cache.get(raw_contig)
            if contig is None:
                contig = intern(unquote(alias.get(raw_contig, raw_contig)))
                contig_cache[raw_contig] = contig
            attr_text = cols[8].rstrip("\r\n")
            if ftype in _PARTS:
                # fast path: parts need only a few attributes
                par_raw = _quick(attr_text, "Parent")
                if not par_raw:
                    parents = []
                elif "," in par_raw or "%" in par_raw:
                    parents = [_unq(x) for x in par_raw.split(",")]
                else:
                    parents = [par_raw]
                if "transl" in attr_text:
                    tt = _quick(attr_text, "transl_table")
                    te = _unq(_quick(attr_text, "transl_except"))
                else:
                    tt = te = ""
                if ftype == "exon":
                    pid = prot = ""
                else:
                    pid = _unq(_quick(attr_text, "ID"))
                    prot = _unq(_quick(attr_text, "protein_id"))
                part = _Part(
                    ftype=ftype,
                    start=start,
                    end=end,
                    pid=pid,
                    protein_id=prot,
                    transl_table=tt,
                    transl_except=te,
                )
                if not parents:
                    orphan_parts.append((contig, strand, part, lineno))
                for par in parents:
                    f = feats.get(par)
                    if f is None:
                        pending.append((par, strand, part, lineno))
                    else:
                        f.parts.append(part)
                continue
            a_full = parse_gff3_attributes(attr_text)
            a = {k: a_full[k] for k in _KEEP if k in a_full}  # lean: GENCODE rows have ~20
            parents = a.get("Parent", [])
            fid = _first(a, "ID")
            if not fid:
                anon += 1
                fid = f"__anon{anon}"
            key = fid
            if key in feats:
                old = feats[key]
                # same ID on several lines (e.g. multi-line features): widen the span
                old.start = min(old.start, start)
                old.end = max(old.end, end)
                continue
            feats[key] = _Feat(ftype, contig, start, end, strand, a, lineno)
            for par in parents:
                pending_children.append((key, par, lineno))
    n_lines = lineno
    report(progress, "reading GFF3", n_lines, n_lines)
    if n_data == 0:
        raise FormatError(
            f"{p}: no GFF3 feature rows found ({n_lines} lines)",
            hint="the file is empty or holds only comments; give a GFF3 annotation",
        )
    for par, _s, part, lineno in pending:
        f = feats.get(par)
        if f is None:
            raise _bad(p, lineno, f"Parent {par!r} is not defined in the file",
                       "every Parent=... must name the ID of another feature")
        f.parts.append(part)
    parent_of: dict[str, str] = {}
    for child, par, lineno in pending_children:
        f = feats.get(par)
        if f is None:
            raise _bad(p, lineno, f"Parent {par!r} is not defined in the file",
                       "every Parent=... must name the ID of another feature")
        f.children.append(child)
        parent_of.setdefault(child, par)
    return _assemble(p, feats, parent_of, orphan_parts, notes)


def _is_gene(f: _Feat, parent_of: dict[str, str], key: str) -> bool:
    if f.ftype in _GENE_TYPES:
        return True
    # a top-level feature with transcript children counts as a gene
    return key not in parent_of and bool(f.children) and not f.parts


def _assemble(
    p: Path,
    feats: dict[str, _Feat],
    parent_of: dict[str, str],
    orphan_parts: list[tuple[str, str, _Part, int]],
    notes: list[str] | None,
) -> list[Gene]:
    note = notes.append if notes is not None else (lambda _s: None)
    genes: list[Gene] = []
    used_tx: set[str] = set()
    for key, f in feats.items():
        if not _is_gene(f, parent_of, key):
            continue
        genes.append(_gene_from(key, f, feats, used_tx, note))
    # transcripts not under a gene (orphan mRNA etc. with parts)
    for key, f in feats.items():
        if key in used_tx or _is_gene(f, parent_of, key) or not f.parts:
            continue
        par = parent_of.get(key)
        if par is not None and par in feats and _is_gene(feats[par], parent_of, par):
            continue
        gid = _tx_id(key, f)
        t = _transcript_from(key, f, gid, _first(f.attrs, "gene_name", "gene"), note)
        genes.append(build_gene(id=gid, name=t.gene_name, contig=f.contig,
                                strand=t.strand, biotype=_biotype(f.attrs),
                                transcripts=[t]))
        note(f"{f.ftype} {key} has no gene parent: made a gene for it")
    # parts without any parent
    for contig, strand, part, _lineno in orphan_parts:
        pid = part.pid or f"{contig}:{part.start + 1}-{part.end}"
        t = build_transcript(
            id=pid, gene_id=pid, gene_name="", contig=contig, strand=_strand(strand),
            exons=[(part.start, part.end)],
            cds=[(part.start, part.end)] if part.ftype != "exon" else [],
            transl_table=_tt(part.transl_table),
        )
        genes.append(build_gene(id=pid, name="", contig=contig, strand=t.strand,
                                biotype="", transcripts=[t]))
    if not genes:
        raise FormatError(
            f"{p}: no genes, transcripts, exons or CDS found",
            hint="give a GFF3 with gene/mRNA/exon/CDS features",
        )
    return genes


def _gene_name(a: dict[str, list[str]]) -> str:
    return _first(a, "gene_name", "Name", "gene")


def _biotype(a: dict[str, list[str]]) -> str:
    return _first(a, "gene_type", "gene_biotype", "biotype")


def _tt(s: str) -> int | None:
    try:
        return int(s) if s else None
    except ValueError:
        return None


def _tx_id(key: str, f: _Feat) -> str:
    return _first(f.attrs, "transcript_id") or _strip_prefix(key, _TX_PREFIXES)


def _gene_from(
    key: str,
    f: _Feat,
    feats: dict[str, _Feat],
    used_tx: set[str],
    note: object,
) -> Gene:
    a = f.attrs
    gid = _first(a, "gene_id") or _strip_prefix(key, _GENE_PREFIXES)
    name = _gene_name(a)
    aliases = [*a.get("Alias", []), _first(a, "gene"), _first(a, "locus_tag")]
    if gid != key:
        aliases.append(key)
    strand = _strand(f.strand)
    txs: list[Transcript] = []
    direct_exons = [pt for pt in f.parts if pt.ftype == "exon"]
    if direct_exons:
        t = build_transcript(
            id=f"{gid}:merged",
            gene_id=gid,
            gene_name=name,
            contig=f.contig,
            strand=strand,
            exons=[(pt.start, pt.end) for pt in direct_exons],
            cds=[(pt.start, pt.end) for pt in f.parts if pt.ftype != "exon"],
            biotype=_biotype(a),
            tags=("merged_isoforms",),
            transl_table=_part_tt(f.parts, a),
            transl_except=_part_te(f.parts, f.contig),
        )
        txs.append(t)
        dropped = [c for c in f.children if not feats[c].parts and not feats[c].children]
        if dropped and callable(note):
            note(
                f"gene {gid}: exons are attached to the gene; made one merged transcript and "
                f"ignored {len(dropped)} transcript rows without exons"
            )
        used_tx.update(dropped)
    elif f.parts:
        # prokaryotic style: CDS parented by the gene -> one transcript per CDS ID
        groups: dict[str, list[_Part]] = {}
        for pt in f.parts:
            groups.setdefault(pt.pid or gid, []).append(pt)
        for pid, pts in groups.items():
            tid = pts[0].protein_id or _strip_prefix(pid, _CDS_PREFIXES)
            txs.append(
                build_transcript(
                    id=tid,
                    gene_id=gid,
                    gene_name=name,
                    contig=f.contig,
                    strand=strand,
                    exons=[],
                    cds=[(pt.start, pt.end) for pt in pts],
                    biotype=_biotype(a) or "protein_coding",
                    transl_table=_part_tt(pts, a),
                    transl_except=_part_te(pts, f.contig),
                )
            )
    stack = list(reversed(f.children))
    while stack:
        c = stack.pop()
        cf = feats[c]
        if c in used_tx:
            continue
        used_tx.add(c)
        if cf.ftype in _GENE_TYPES:
            continue  # a gene nested in a gene: handled as its own gene
        if cf.children:
            stack.extend(reversed(cf.children))  # e.g. primary_transcript -> miRNA
            if not cf.parts:
                continue
        txs.append(_transcript_from(c, cf, gid, name, note, gene_attrs=a))
    if not txs:
        # a gene without children is its own single exon (GFF3 convention), e.g. RefSeq
        # prokaryotic pseudogenes
        txs.append(
            build_transcript(
                id=gid, gene_id=gid, gene_name=name, contig=f.contig, strand=strand,
                exons=[(f.start, f.end)], biotype=_biotype(a) or f.ftype,
                tags=("gene_span_only",), transl_table=_part_tt([], a),
            )
        )
    return build_gene(
        id=gid, name=name, contig=f.contig, strand=strand, biotype=_biotype(a),
        transcripts=txs, start=f.start, end=f.end, aliases=aliases,
    )


def _part_tt(parts: list[_Part], *attr_sets: dict[str, list[str]]) -> int | None:
    for pt in parts:
        tt = _tt(pt.transl_table)
        if tt is not None:
            return tt
    for a in attr_sets:
        tt = _tt(_first(a, "transl_table"))
        if tt is not None:
            return tt
    return None


def _part_te(parts: list[_Part], contig: str) -> list[TranslExcept]:
    out: list[TranslExcept] = []
    for pt in parts:
        if pt.transl_except:
            for te in parse_transl_except(pt.transl_except, contig):
                if te not in out:
                    out.append(te)
    return out


def _transcript_from(
    key: str,
    f: _Feat,
    gid: str,
    gene_name: str,
    note: object,
    gene_attrs: dict[str, list[str]] | None = None,
) -> Transcript:
    a = f.attrs
    exons = [(pt.start, pt.end) for pt in f.parts if pt.ftype == "exon"]
    cds = [(pt.start, pt.end) for pt in f.parts if pt.ftype != "exon"]
    if not exons and not cds:
        exons = [(f.start, f.end)]
    tags = [normalise_tag(t) for t in a.get("tag", []) if t]
    return build_transcript(
        id=_tx_id(key, f),
        gene_id=gid,
        gene_name=gene_name or _gene_name(a),
        contig=f.contig,
        strand=_strand(f.strand),
        exons=exons,
        cds=cds,
        biotype=_first(a, "transcript_type", "transcript_biotype", default=f.ftype),
        tags=tags,
        transl_table=_part_tt(f.parts, a, *( [gene_attrs] if gene_attrs else [])),
        transl_except=_part_te(f.parts, f.contig),
    )


def _strand(s: str) -> Strand:
    return "-" if s == "-" else "+"

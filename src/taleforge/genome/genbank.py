"""GenBank flat-file reader (uses Biopython ``Bio.SeqIO``; the other parsers are pure
standard library).

Features used: ``gene``, ``CDS``, ``mRNA``, ``tRNA``, ``rRNA``, ``ncRNA``, ``misc_RNA``,
``precursor_RNA`` and ``exon``. Compound locations (``join``, ``complement(join(...))``)
become exon/CDS pieces. Grouping is by ``/locus_tag``, else ``/gene``, else identical
location.

* Each RNA feature is a transcript (exons = its location parts). Each CDS is paired with
  the first unpaired mRNA of its gene whose exons contain every CDS piece; an unpaired CDS
  becomes its own transcript whose exons are the gene's ``exon`` features if they contain
  the CDS (mRNA records such as NM_000518.5), else the CDS pieces.
* ``/transl_table`` and ``/transl_except`` are kept; without ``/transl_table`` the table is
  2 on known vertebrate mito contigs, else 1.
* Gene name: the HGNC "Official Symbol" from ``/nomenclature`` if present (``MT-ND4``),
  else ``/gene``, else ``/locus_tag``; ``/gene`` and ``/locus_tag`` are kept as aliases.
* Contig = record ``id`` (accession.version), renamed through ``contig_alias``.
* Record keywords ``MANE Select`` / ``RefSeq Select`` become transcript tags on the
  record's transcripts when the record is itself an mRNA.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taleforge.errors import FormatError
from taleforge.genome.annotation_model import (
    Gene,
    Transcript,
    TranslExcept,
    build_gene,
    build_transcript,
    normalise_tag,
    open_text,
    parse_transl_except,
)
from taleforge.model.interval import Strand
from taleforge.progress import ProgressCallback, report

__all__ = ["read_genbank"]

_RNA_TYPES = ("mRNA", "tRNA", "rRNA", "ncRNA", "misc_RNA", "precursor_RNA", "tmRNA")
_OFFICIAL_RE = re.compile(r"Official Symbol:\s*([^\s|]+)")


@dataclass
class _GeneAcc:
    key: str
    strand: str = "+"
    start: int | None = None
    end: int | None = None
    name: str = ""
    gene_sym: str = ""
    locus_tag: str = ""
    biotype: str = ""
    pseudo: bool = False
    rnas: list[tuple[str, Any]] = field(default_factory=list)
    cdss: list[Any] = field(default_factory=list)
    exons: list[tuple[int, int]] = field(default_factory=list)


def _q(feat: Any, key: str) -> str:
    v = feat.qualifiers.get(key)
    return str(v[0]) if v else ""


def _pieces(feat: Any) -> tuple[list[tuple[int, int]], str]:
    loc = feat.location
    parts = [(int(p.start), int(p.end)) for p in loc.parts]
    strands = {p.strand for p in loc.parts}
    strand = "-" if strands == {-1} else "+"
    return sorted(parts), strand


def _gene_key(feat: Any) -> str:
    lt = _q(feat, "locus_tag")
    if lt:
        return "lt:" + lt
    g = _q(feat, "gene")
    if g:
        return "g:" + g
    return f"loc:{int(feat.location.start)}-{int(feat.location.end)}"


def read_genbank(
    path: str | Path,
    *,
    contig_alias: dict[str, str] | None = None,
    progress: ProgressCallback | None = None,
) -> list[Gene]:
    """Parse a GenBank file (plain or .gz, one or more records) into genes."""
    from Bio import BiopythonParserWarning, SeqIO  # Biopython does the flat-file parsing

    p = Path(path)
    alias = contig_alias or {}
    out: list[Gene] = []
    n_records = 0
    with open_text(p) as fh:
        head = fh.read(1)
        if not head.strip() and not fh.read(1024).strip():
            raise FormatError(f"{p}: empty GenBank file", hint="give a GenBank (.gb) record")
        fh.seek(0)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", BiopythonParserWarning)
                for rec in SeqIO.parse(fh, "genbank"):  # streamed: one record at a time
                    n_records += 1
                    report(progress, "reading GenBank", n_records, None)
                    out.extend(_record_genes(rec, alias.get(rec.id, rec.id)))
        except (ValueError, AssertionError, IndexError, KeyError) as exc:
            # Biopython's scanner asserts on some malformed feature tables (fuzz suite)
            raise FormatError(
                f"{p}: not a valid GenBank file ({type(exc).__name__}: {exc})",
                hint="give a GenBank flat file starting with a LOCUS line",
            ) from exc
    if n_records == 0:
        raise FormatError(f"{p}: no GenBank records found",
                          hint="give a GenBank flat file starting with a LOCUS line")
    if not out:
        raise FormatError(
            f"{p}: no gene, CDS or RNA features found",
            hint="give a GenBank record with gene/CDS/mRNA/tRNA/rRNA features",
        )
    return out


def _record_genes(rec: Any, contig: str) -> list[Gene]:
    accs: dict[str, _GeneAcc] = {}  # key -> latest accumulator with that key
    order: list[_GeneAcc] = []

    def acc(feat: Any, *, new_gene: bool = False) -> _GeneAcc:
        k = _gene_key(feat)
        a = accs.get(k)
        if a is None or (new_gene and a.start is not None):
            # a second gene feature with the same name/locus tag starts a new gene
            a = _GeneAcc(key=k)
            accs[k] = a
            order.append(a)
        if not a.gene_sym:
            a.gene_sym = _q(feat, "gene")
        if not a.locus_tag:
            a.locus_tag = _q(feat, "locus_tag")
        return a

    for feat in rec.features:
        t = feat.type
        if feat.location is None:  # Biopython could not parse it (and only warned)
            raise ValueError(f"record {rec.id}: a {t} feature has an unreadable location")
        if t == "gene":
            a = acc(feat, new_gene=True)
            pieces, strand = _pieces(feat)
            a.start = pieces[0][0]
            a.end = max(e for _, e in pieces)
            a.strand = strand
            m = _OFFICIAL_RE.search(" ".join(feat.qualifiers.get("nomenclature", [])))
            if m:
                a.name = m.group(1)
            a.pseudo = "pseudo" in feat.qualifiers or "pseudogene" in feat.qualifiers
        elif t == "CDS":
            acc(feat).cdss.append(feat)
        elif t in _RNA_TYPES:
            acc(feat).rnas.append((t, feat))
        elif t == "exon":
            pieces, _s = _pieces(feat)
            acc(feat).exons.extend(pieces)

    mol = str(rec.annotations.get("molecule_type", ""))
    record_tags = [
        normalise_tag(k) for k in rec.annotations.get("keywords", []) if k.endswith("Select")
    ]
    genes: list[Gene] = []
    seen_ids: dict[str, int] = {}
    for a in order:
        k = a.key
        name = a.name or a.gene_sym or a.locus_tag or k.split(":", 1)[1]
        gid = a.locus_tag or a.gene_sym or name
        n_same = seen_ids.get(gid, 0)
        seen_ids[gid] = n_same + 1
        if n_same:
            gid = f"{gid}_{n_same + 1}"  # same name at another locus of this record
        txs: list[Transcript] = []
        rna_tx: list[tuple[str, Any, list[tuple[int, int]], str]] = []
        for rtype, f in a.rnas:
            pieces, strand = _pieces(f)
            rna_tx.append((rtype, f, pieces, strand))
        paired: set[int] = set()
        cds_for_rna: dict[int, Any] = {}
        lonely: list[Any] = []
        for cf in a.cdss:
            cp, _cs = _pieces(cf)
            for i, (rtype, _f, rp, _rs) in enumerate(rna_tx):
                if rtype == "mRNA" and i not in paired and _contained(cp, rp):
                    paired.add(i)
                    cds_for_rna[i] = cf
                    break
            else:
                lonely.append(cf)
        for i, (rtype, f, rp, rs) in enumerate(rna_tx):
            cf = cds_for_rna.get(i)
            cds_pieces = _pieces(cf)[0] if cf is not None else []
            tid = _q(f, "transcript_id") or (
                rec.id if mol == "mRNA" and len(rna_tx) == 1 else f"{gid}-{rtype}{i + 1}"
            )
            txs.append(
                _tx(tid, gid, name, contig, rs, rp, cds_pieces, rtype, cf,
                    record_tags if mol == "mRNA" else [])
            )
        for j, cf in enumerate(lonely):
            cp, cs = _pieces(cf)
            exons = a.exons if a.exons and _contained(cp, _merge_simple(a.exons)) else cp
            if mol == "mRNA" and not rna_tx and len(lonely) == 1:
                tid = rec.id
            else:
                tid = _q(cf, "protein_id") or (f"{gid}-CDS{j + 1}" if len(lonely) > 1 else gid)
            txs.append(
                _tx(tid, gid, name, contig, cs, exons, cp, "protein_coding", cf,
                    record_tags if mol == "mRNA" else [])
            )
        if not txs:
            if a.start is None or a.end is None:
                continue
            txs.append(
                build_transcript(
                    id=gid, gene_id=gid, gene_name=name, contig=contig,
                    strand=_strand(a.strand), exons=a.exons or [(a.start, a.end)],
                    biotype="pseudogene" if a.pseudo else "gene",
                    tags=("gene_span_only",),
                )
            )
        if a.start is None:
            a.strand = txs[0].strand
        biotype = a.biotype or _biotype(txs, a.pseudo)
        genes.append(
            build_gene(
                id=gid, name=name, contig=contig, strand=_strand(a.strand), biotype=biotype,
                transcripts=txs, start=a.start, end=a.end,
                aliases=[a.gene_sym, a.locus_tag],
            )
        )
    return genes


def _biotype(txs: list[Transcript], pseudo: bool) -> str:
    if pseudo:
        return "pseudogene"
    if any(t.is_coding for t in txs):
        return "protein_coding"
    return txs[0].biotype if txs else ""


def _merge_simple(pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for s, e in sorted(set(pieces)):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def _contained(inner: list[tuple[int, int]], outer: list[tuple[int, int]]) -> bool:
    merged = _merge_simple(outer)
    return all(any(s >= os_ and e <= oe for os_, oe in merged) for s, e in inner)


def _tx(
    tid: str,
    gid: str,
    name: str,
    contig: str,
    strand: str,
    exons: list[tuple[int, int]],
    cds: list[tuple[int, int]],
    biotype: str,
    cds_feat: Any,
    tags: list[str],
) -> Transcript:
    tt: int | None = None
    te: list[TranslExcept] = []
    if cds_feat is not None:
        raw = _q(cds_feat, "transl_table")
        tt = int(raw) if raw.isdigit() else None
        for s in cds_feat.qualifiers.get("transl_except", []):
            te.extend(parse_transl_except(str(s), contig))
    return build_transcript(
        id=tid, gene_id=gid, gene_name=name, contig=contig, strand=_strand(strand),
        exons=exons, cds=cds, biotype=biotype, tags=tags, transl_table=tt, transl_except=te,
    )


def _strand(s: str) -> Strand:
    return "-" if s == "-" else "+"

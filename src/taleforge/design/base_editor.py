"""TALE base-editor designer (DdCBE, DddA11, TALED): ``design_base_edit(...) -> BaseEditResult``.

Flow (a pure function; same inputs -> same output):

1. Resolve the requested edit(s): ``position``+``to`` (1-based), ``variant``
   ("chr:pos:REF>ALT"), or ``knockout_gene`` (C->T / G->A / A->G edits that create an early stop
   codon or destroy a constitutive splice donor/acceptor of the canonical transcript).
2. For every editor (model/editors.py): is the substitution the editor's (C->T on either strand,
   or A->G for TALED)? is the base in the editor's context on its strand? Then enumerate every
   TALE pair (design/pairs.py, a custom scaffold with the editor's array/spacer ranges and
   position-0 rule) and keep those whose window table row puts the target in the window.
3. Per design: target efficiency (window table), every bystander in the window on both strands
   with its probability and consequence (design/consequence.py), P(target and no harmful
   bystander) assuming independent edits [U].
4. Off-target: every half-site alone and every tail-to-tail pairing of the design's TALEs,
   genome-wide (engine/scan.py), also in a user nuclear genome for mtDNA designs.
5. Rank: score = P(clean edit) - off-target penalties (weights in ``base_edit_ranking``);
   ties: P(clean), efficiency, fewer bystanders, editor order, position, arm/spacer lengths.

Coordinates are 0-based half-open internally; ``position`` and ``variant`` are 1-based.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from taleforge.design.consequence import (
    Consequence,
    ConsequenceCaller,
    genetic_code,
    summarize,
    worst,
)
from taleforge.design.pairs import enumerate_pairs, make_pair
from taleforge.design.ranking import rank
from taleforge.design.result import DesignResult, Job, Provenance
from taleforge.errors import InputError, NoResultError, ParameterError, RegionError
from taleforge.genome.variants import parse_variant
from taleforge.model.dna import complement
from taleforge.model.editors import (
    EDITOR_PARAMS,
    EDITORS,
    EditorSpec,
    WindowTable,
    load_window_table,
    resolve_editors,
)
from taleforge.model.params import Param, ParamTable, register_table
from taleforge.model.rules import RuleEval
from taleforge.model.rvd import GRvd
from taleforge.model.scaffold import custom_scaffold
from taleforge.model.talen import TalenPair
from taleforge.progress import ProgressCallback, report

if TYPE_CHECKING:
    from taleforge.genome.annotation import Annotation, Transcript
    from taleforge.genome.index import Genome

RANKING = register_table(
    ParamTable(
        name="base_edit_ranking",
        version="1",
        params=(
            Param("w_halfsite_hit", 0.02, "score per hit", "placeholder; single TALE binding "
                  "drives off-target editing (Lei 2022, Wei 2022; DOMAIN §6)", "U",
                  "penalty per genome-wide half-site hit (either TALE, <= max mismatches)"),
            Param("w_pair_hit", 0.15, "score per hit", "placeholder (DOMAIN §5.2, §6)", "U",
                  "penalty per tail-to-tail pairing of the design's TALEs off target"),
            Param("w_nuclear_halfsite_hit", 0.01, "score per hit", "placeholder; mito DdCBEs "
                  "edit the nuclear genome (Lei 2022, Wei 2022)", "U",
                  "penalty per half-site hit in the user nuclear genome"),
            Param("w_nuclear_pair_hit", 0.1, "score per hit", "placeholder", "U",
                  "penalty per pairing in the user nuclear genome"),
            Param("w_cds_fraction", 0.2, "score per unit", "earlier stops truncate more "
                  "protein (DOMAIN §4, knockout practice)", "K",
                  "knockout mode: penalty times fraction of the CDS before the edit"),
            Param("w_noncanonical_stop", 0.15, "score", "Temperley 2010 Science 327:301: "
                  "mitochondrial AGA/AGG terminate via -1 frameshift", "U",
                  "knockout mode: penalty for a created AGA/AGG stop (prefer TAA/TAG)"),
            Param("w_pos0_c", 0.05, "score per TALE", "Lamb 2013: without position-0 T "
                  "activity drops up to 10-fold (DOMAIN §3)", "U",
                  "penalty per TALE whose position 0 is not T (allowed only as a fallback "
                  "or when asked)"),
            Param("default_max_mismatches", 3, "mismatches", "placeholder; Juillerat 2014: "
                  "64% of TALENs needed >= 4 mismatches for any off-site", "U",
                  "half-site off-target scan mismatch limit"),
            Param("knockout_max_cds_fraction", 0.6, "fraction", "placeholder", "U",
                  "knockout mode: only stops in the first part of the CDS"),
            Param("knockout_max_edits", 12, "edits", "placeholder", "U",
                  "knockout mode: design editors for at most this many candidate edits"),
            Param("offtarget_max_designs", 150, "designs", "runtime guard", "U",
                  "off-target checks only for this many best designs per run"),
        ),
    )
)

Mode = Literal["position", "variant", "knockout"]
_HARMFUL = frozenset({"high", "moderate"})


def _comp(b: str) -> str:
    return complement(b) if b in "ACGT" else "N"


# --------------------------------------------------------------------------- data classes


@dataclass(frozen=True)
class EditRequest:
    """A single-base substitution on the + strand (0-based ``pos``)."""

    contig: str
    pos: int
    ref: str
    alt: str
    reason: str = "requested"
    consequences: tuple[Consequence, ...] = ()
    cds_fraction: float | None = None  # knockout mode: fraction of the CDS before the edit
    noncanonical_stop: bool = False  # knockout: creates AGA/AGG (mtDNA; -1 frameshift stop)

    @property
    def label(self) -> str:
        return f"{self.contig}:{self.pos + 1}{self.ref}>{self.alt}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "contig": self.contig,
            "position": self.pos + 1,
            "ref": self.ref,
            "alt": self.alt,
            "label": self.label,
            "reason": self.reason,
            "cds_fraction": None if self.cds_fraction is None else round(self.cds_fraction, 4),
            "noncanonical_stop": self.noncanonical_stop,
            "consequences": [c.as_dict() for c in self.consequences],
        }


@dataclass(frozen=True)
class Bystander:
    """Another editable base in the window. ``strand`` is the edited strand ('+' = top =
    the left TALE's strand); ``ref``/``alt`` are + strand bases."""

    pos: int
    strand: str
    ref: str
    alt: str
    context: str
    window_position: int
    probability: float
    consequences: tuple[Consequence, ...]
    harmful: bool

    @property
    def label(self) -> str:
        return f"{self.pos + 1}{self.ref}>{self.alt}"

    def summary(self) -> str:
        return f"{self.label}({self.strand};{self.context};p={self.probability:.3f};" \
               f"{summarize(self.consequences)})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "position": self.pos + 1,
            "edited_strand": self.strand,
            "ref": self.ref,
            "alt": self.alt,
            "context": self.context,
            "window_position": self.window_position,
            "probability": round(self.probability, 4),
            "harmful": self.harmful,
            "consequence": summarize(self.consequences),
            "consequences": [c.as_dict() for c in self.consequences],
        }


@dataclass(frozen=True)
class OffTargetSummary:
    checked: bool
    halfsite_hits: int = 0  # off-target half-site hits (both TALEs, both strands)
    pair_hits: int = 0  # off-target tail-to-tail pairings within the spacer range
    nuclear_checked: bool = False
    nuclear_halfsite_hits: int = 0
    nuclear_pair_hits: int = 0
    max_mismatches: int | None = None  # None: score-defined search
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "max_mismatches": self.max_mismatches,
            "halfsite_hits": self.halfsite_hits,
            "pair_hits": self.pair_hits,
            "nuclear_checked": self.nuclear_checked,
            "nuclear_halfsite_hits": self.nuclear_halfsite_hits,
            "nuclear_pair_hits": self.nuclear_pair_hits,
            "note": self.note,
        }


@dataclass(frozen=True)
class BaseEditDesign:
    rank: int
    editor: EditorSpec
    pair: TalenPair
    edit: EditRequest
    edited_strand: str  # '+' (top) or '-' (bottom)
    window_position: int  # 1-based from the left end of the spacer
    context: str
    efficiency: float
    efficiency_source: str
    bystanders: tuple[Bystander, ...]
    p_harmful_bystander: float
    p_clean: float
    offtarget: OffTargetSummary
    score: float
    rules: tuple[RuleEval, ...]
    window_top: tuple[int, ...] = ()  # window positions (from the left end) on the top strand
    window_bottom: tuple[int, ...] = ()

    @property
    def design_id(self) -> str:
        return f"{self.editor.name}|{self.pair.pair_id()}|{self.edit.label}"

    @property
    def spacer_bp(self) -> int:
        return len(self.pair.spacer)

    @property
    def n_harmful(self) -> int:
        return sum(1 for b in self.bystanders if b.harmful)

    def explain(self) -> str:
        lines = [f"#{self.rank} {self.design_id} score {self.score:.4f}"]
        for r in self.rules:
            tag = f"{r.score:+.4f}" if r.kind == "score" else r.kind
            lines.append(f"  {tag:>8}  {r.rule}: {r.reason}")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        p = self.pair
        return {
            "rank": self.rank,
            "design_id": self.design_id,
            "editor": self.editor.name,
            "family": self.editor.family,
            "split": self.editor.split,
            "orientation": self.editor.orientation,
            "edit": self.edit.label,
            "edited_strand": self.edited_strand,
            "window_position": self.window_position,
            "context": self.context,
            "efficiency": round(self.efficiency, 4),
            "efficiency_source": self.efficiency_source,
            "p_harmful_bystander": round(self.p_harmful_bystander, 4),
            "p_clean": round(self.p_clean, 4),
            "score": round(self.score, 6),
            "left": {
                "start": p.left.bound.start + 1, "end": p.left.bound.end,
                "pos0": p.left.pos0 + 1, "pos0_base": p.left.pos0_base,
                "seq": p.left.seq, "rvds": p.left.rvd_string(), "length": p.left.length,
            },
            "right": {
                "start": p.right.bound.start + 1, "end": p.right.bound.end,
                "pos0": p.right.pos0 + 1, "pos0_base": p.right.pos0_base,
                "seq": p.right.seq, "rvds": p.right.rvd_string(), "length": p.right.length,
            },
            "spacer": {"start": p.spacer.start + 1, "end": p.spacer.end,
                       "length": len(p.spacer)},
            "window_top": list(self.window_top),
            "window_bottom": list(self.window_bottom),
            "bystanders": [b.as_dict() for b in self.bystanders],
            "offtarget": self.offtarget.as_dict(),
            "rules": [r.as_dict() for r in self.rules],
        }


@dataclass(frozen=True)
class EditorRejection:
    edit: str
    editor: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"edit": self.edit, "editor": self.editor, "reason": self.reason}


@dataclass(frozen=True)
class BaseEditTarget:
    """What to edit: exactly one of ``position`` (1-based, with ``to`` and, for
    multi-contig genomes, ``contig``), ``variant`` ("contig:pos:REF>ALT", 1-based) or
    ``knockout_gene`` (needs an annotation). A string target given to
    :func:`design_base_edit` is a variant when it parses as one, else a gene to knock out."""

    position: int | None = None
    to: str | None = None
    contig: str | None = None
    variant: str | None = None
    knockout_gene: str | None = None

    @classmethod
    def parse(cls, text: str) -> BaseEditTarget:
        t = text.strip()
        if ">" in t and ":" in t:
            return cls(variant=t)
        return cls(knockout_gene=t)


@dataclass(frozen=True)
class BaseEditParams:
    """Options of the base-edit designer (what the CLI, a web app or a batch runner fill).
    ``None`` means the default: every editor, the ``tale_base_editors`` array range,
    position-0 T (with a C fallback when no T design exists, unless ``pos0_bases`` is
    given). ``resolved()`` is the copy with every default filled in (the result's ``params``)."""

    editors: tuple[str, ...] | None = None
    window_table: str | WindowTable = "mitoedit"
    arm_min_rvds: int | None = None
    arm_max_rvds: int | None = None
    pos0_bases: str | None = None
    g_rvd: GRvd = "NN"
    max_designs: int = 50
    offtarget: bool = True
    max_mismatches: int | None = None  # None: score-defined off-target search
    knockout_max_cds_fraction: float = float(RANKING["knockout_max_cds_fraction"])
    knockout_max_edits: int = int(RANKING["knockout_max_edits"])
    collapse_arms: bool = True

    def resolved(self) -> BaseEditParams:
        """Every default filled in and validated (editor names expanded, window table by
        name, position-0 rule upper case)."""
        eds = resolve_editors(list(self.editors) if self.editors is not None else None)
        table = self.window_table
        out = dataclasses.replace(
            self,
            editors=tuple(e.name for e in eds),
            window_table=table.name if isinstance(table, WindowTable) else table,
            arm_min_rvds=int(EDITOR_PARAMS["arm_min_rvds"]) if self.arm_min_rvds is None
            else self.arm_min_rvds,
            arm_max_rvds=int(EDITOR_PARAMS["arm_max_rvds"]) if self.arm_max_rvds is None
            else self.arm_max_rvds,
            pos0_bases=(self.pos0_bases or str(EDITOR_PARAMS["pos0_bases"])).upper(),
        )
        if out.max_designs < 1:
            raise ParameterError("max designs must be >= 1", hint="use --max-designs 1 or more")
        if out.max_mismatches is not None and out.max_mismatches < 0:
            raise ParameterError("max mismatches must be >= 0", hint="use 0-4")
        if out.g_rvd not in ("NN", "NH", "NK"):
            raise ParameterError(f"G RVD {out.g_rvd!r} invalid", hint="use NN, NH or NK")
        custom_scaffold("tale-nt", arm_min_rvds=out.arm_min_rvds,
                        arm_max_rvds=out.arm_max_rvds, pos0_bases=out.pos0_bases)  # validate
        return out

    def as_dict(self) -> dict[str, Any]:
        wt = self.window_table
        return {
            "editors": list(self.editors) if self.editors is not None else list(EDITORS),
            "window_table": wt.name if isinstance(wt, WindowTable) else wt,
            "arm_min_rvds": self.arm_min_rvds,
            "arm_max_rvds": self.arm_max_rvds,
            "pos0_bases": self.pos0_bases,
            "g_rvd": self.g_rvd,
            "max_designs": self.max_designs,
            "offtarget": self.offtarget,
            "max_mismatches": self.max_mismatches,
            "knockout_max_cds_fraction": self.knockout_max_cds_fraction,
            "knockout_max_edits": self.knockout_max_edits,
            "collapse_arms": self.collapse_arms,
        }


@dataclass(frozen=True)
class BaseEditResult(DesignResult):
    mode: Mode
    edits: tuple[EditRequest, ...]
    designs: tuple[BaseEditDesign, ...]
    n_candidates: int
    rejections: tuple[EditorRejection, ...]
    window_table: WindowTable
    params: BaseEditParams
    provenance: dict[str, Any]
    notes: tuple[str, ...] = ()
    rejection_counts: dict[str, int] = field(default_factory=dict)
    candidate_edits: tuple[EditRequest, ...] = ()  # knockout: every candidate edit examined
    record: Provenance | None = None

    JOB: ClassVar[Job] = "base-edit"

    def as_dict(self, command: str | None = None) -> dict[str, Any]:
        ng = self.provenance.get("nuclear_genome")
        return {
            **(self.json_header(command) if self.record is not None else {}),
            "mode": self.mode,
            "nuclear_genome": {"name": ng["name"], "sha256": ng["sha256"]} if ng else None,
            "parameters": self.params.as_dict(),
            "window_table": {"name": self.window_table.name,
                             "version": self.window_table.version,
                             "source": self.window_table.source,
                             "rows": len(self.window_table.rows)},
            "edits": [e.as_dict() for e in self.edits],
            "candidate_edits": [
                {**e.as_dict(), "designed": e in self.edits} for e in self.candidate_edits
            ],
            "n_candidates": self.n_candidates,
            "rejection_counts": self.rejection_counts,
            "rejections": [r.as_dict() for r in self.rejections],
            "notes": list(self.notes),
            "designs": [d.as_dict() for d in self.designs],
        }


# --------------------------------------------------------------------------- edit resolution

def _check_edit(genome: Genome, contig: str, pos: int, to: str,
                given_ref: str | None = None) -> tuple[str, str]:
    n = genome.contig_length(contig)
    canon = genome.packed.names[genome.packed.contig_index(contig)]
    if not 0 <= pos < n:
        raise RegionError(
            f"position {pos + 1} is outside {canon} (1-{n:,})",
            hint=f"give a 1-based position between 1 and {n}",
        )
    to = to.upper()
    if to not in ("A", "C", "G", "T"):
        raise InputError(f"target base {to!r} is not A, C, G or T", hint="use --to A|C|G|T")
    ref = genome.fetch(canon, pos, pos + 1).upper()
    if ref not in "ACGT":
        raise InputError(
            f"the reference base at {canon}:{pos + 1} is {ref!r} (unknown)",
            hint="choose a position with a defined A/C/G/T reference base",
        )
    if given_ref is not None and given_ref != ref:
        raise InputError(
            f"variant says {given_ref} at {canon}:{pos + 1} but the reference has {ref}",
            hint="check the genome build and the coordinate (1-based, + strand)",
        )
    if ref == to:
        raise InputError(
            f"the requested base {to} equals the reference at {canon}:{pos + 1}",
            hint="give the base you want after editing (--to), different from the reference",
        )
    return canon, ref


# --------------------------------------------------------------------------- core


@dataclass(frozen=True)
class _Ctx:
    genome: Genome
    table: WindowTable
    editors: tuple[EditorSpec, ...]
    params: BaseEditParams
    caller: ConsequenceCaller
    knockout_gene: frozenset[str] | None  # upper-case name and id of the knocked-out gene


def _strand_view(seq: str, i: int, strand: str) -> tuple[str, str, str, str]:
    """(base, 5' neighbour, 3' neighbour, 2nd base 5') of local index ``i`` read on
    ``strand`` ('+' or '-'); out-of-range neighbours are N."""
    def at(k: int) -> str:
        return seq[k].upper() if 0 <= k < len(seq) else "N"
    if strand == "+":
        return at(i), at(i - 1), at(i + 1), at(i - 2)
    return _comp(at(i)), _comp(at(i + 1)), _comp(at(i - 1)), _comp(at(i + 2))


def _edited_strand(editor: EditorSpec, ref: str, alt: str) -> str | None:
    if ref == editor.ref_base and alt == editor.alt_base:
        return "+"
    if ref == _comp(editor.ref_base) and alt == _comp(editor.alt_base):
        return "-"
    return None


def _substitution_text(editor: EditorSpec) -> str:
    r, a = editor.ref_base, editor.alt_base
    return f"{r}>{a} (top) or {_comp(r)}>{_comp(a)} (via a {r} on the bottom strand)"


def _is_harmful(cs: Sequence[Consequence], knockout_gene: frozenset[str] | None) -> bool:
    for c in cs:
        if c.severity not in _HARMFUL:
            continue
        if knockout_gene is not None and c.gene.upper() in knockout_gene:
            continue  # the gene is being knocked out anyway
        return True
    return False


def _designs_for_edit(
    ctx: _Ctx, edit: EditRequest, rejections: list[EditorRejection], counts: dict[str, int]
) -> list[dict[str, Any]]:
    """Raw (unranked) designs for one edit, as dicts of fields."""
    g = ctx.genome
    n = g.contig_length(edit.contig)
    p = ctx.params
    usable: list[tuple[EditorSpec, str, str]] = []  # (editor, strand, context label)
    span = max(int(p.arm_max_rvds or 0) + 1, 1)
    smax = max((max(ctx.table.spacers(e), default=0) for e in ctx.editors), default=0)
    flank = span + smax + 2
    lo = max(0, edit.pos - flank)
    hi = min(n, edit.pos + flank + 1)
    seq = g.fetch(edit.contig, lo, hi).upper()
    tl = edit.pos - lo
    for e in ctx.editors:
        strand = _edited_strand(e, edit.ref, edit.alt)
        if strand is None:
            rejections.append(EditorRejection(
                edit.label, e.name,
                f"wrong substitution: {e.name} makes {_substitution_text(e)} only"))
            counts["wrong_substitution"] = counts.get("wrong_substitution", 0) + 1
            continue
        base, five, three, five2 = _strand_view(seq, tl, strand)
        if not e.primary_context(five, three):
            where = "top" if strand == "+" else "bottom"
            rejections.append(EditorRejection(
                edit.label, e.name,
                f"wrong context: the {base} is 5'-{five}{base}-3' ({base}{three} 3') on the "
                f"{where} strand; {e.name} needs {e.context_text()}"))
            counts["wrong_context"] = counts.get("wrong_context", 0) + 1
            continue
        label = e.context_label(five, base, three, five2) or base
        if label == "tcC":  # a target in 5'-TC context is labelled by its own 5' T
            label = "tC"
        usable.append((e, strand, label))
    if not usable:
        return []
    spacers = sorted({s for e, _, _ in usable for s in ctx.table.spacers(e)})
    if not spacers:
        for e, _, _ in usable:
            rejections.append(EditorRejection(
                edit.label, e.name, f"window table {ctx.table.name} has no rows for {e.name}"))
        return []
    scaffold = custom_scaffold(
        "tale-nt", arm_min_rvds=p.arm_min_rvds, arm_max_rvds=p.arm_max_rvds,
        spacer_min_bp=spacers[0], spacer_max_bp=spacers[-1], pos0_bases=p.pos0_bases,
    )
    cands = enumerate_pairs(seq, scaffold, contig=edit.contig, offset=lo,
                            cut_window=(tl - spacers[-1], tl + spacers[-1] + 1))
    ss = cands.p + 1 + cands.left_len
    jpos = tl - ss  # 0-based index of the target in the spacer
    inside = (jpos >= 0) & (jpos < cands.spacer_len)
    cands = cands.subset(inside)
    jpos = jpos[inside]
    out: list[dict[str, Any]] = []
    for e, strand, label in usable:
        wstrand = "top" if strand == "+" else "bottom"
        keep: list[int] = []
        rows = []
        for i in range(len(cands)):
            S = int(cands.spacer_len[i])
            row = ctx.table.lookup(e, S, wstrand, int(jpos[i]) + 1, label)  # type: ignore[arg-type]
            if row is not None and row.efficiency > 0:
                keep.append(i)
                rows.append(row)
        if not keep:
            why = (
                f"no TALE pair puts the target in its window: arrays "
                f"{p.arm_min_rvds}-{p.arm_max_rvds} RVDs with position-0 {p.pos0_bases}, "
                f"spacer {min(ctx.table.spacers(e), default=0)}-"
                f"{max(ctx.table.spacers(e), default=0)} bp "
                f"({len(cands)} pairs have the target in the spacer, none in the window"
                + (f" for context {label}" if label not in ("tC", "A") else "") + ")"
            )
            rejections.append(EditorRejection(edit.label, e.name, why))
            counts["no_tale_site_in_window"] = counts.get("no_tale_site_in_window", 0) + 1
            continue
        for i, row in zip(keep, rows, strict=True):
            out.append({
                "editor": e, "strand": strand, "label": label, "row": row,
                "p": int(cands.p[i]), "L": int(cands.left_len[i]),
                "S": int(cands.spacer_len[i]), "R": int(cands.right_len[i]),
                "seq": seq, "lo": lo,
            })
    return out


def _bystanders(ctx: _Ctx, d: dict[str, Any], edit: EditRequest,
                cache: dict[tuple[int, str], tuple[Consequence, ...]]) -> list[Bystander]:
    e: EditorSpec = d["editor"]
    seq: str = d["seq"]
    lo: int = d["lo"]
    S: int = d["S"]
    ss_local = d["p"] + 1 + d["L"]
    out: list[Bystander] = []
    for wstrand, strand in (("top", "+"), ("bottom", "-")):
        for wp in ctx.table.positions(e, S, wstrand):  # type: ignore[arg-type]
            i = ss_local + wp - 1
            gpos = lo + i
            base, five, three, five2 = _strand_view(seq, i, strand)
            if gpos == edit.pos and strand == d["strand"]:
                continue
            label = e.context_label(five, base, three, five2)
            if label is None:
                continue
            if not (e.primary_context(five, three) or label == "tcC"):
                continue
            row = ctx.table.lookup(e, S, wstrand, wp, label)  # type: ignore[arg-type]
            if row is None or row.efficiency <= 0:
                continue
            ref_p = base if strand == "+" else _comp(base)
            alt_p = e.alt_base if strand == "+" else _comp(e.alt_base)
            key = (gpos, alt_p)
            if key not in cache:
                cache[key] = ctx.caller.call(edit.contig, gpos, ref_p, alt_p)
            cs = cache[key]
            out.append(Bystander(gpos, strand, ref_p, alt_p, label, wp, float(row.efficiency),
                                 cs, _is_harmful(cs, ctx.knockout_gene)))
    out.sort(key=lambda b: (b.pos, b.strand))
    return out


# --------------------------------------------------------------------------- off-target


def _offtarget(
    designs: list[dict[str, Any]], genome: Genome, nuclear: Genome | None, k: int | None,
    notes: list[str], progress: ProgressCallback | None, backend: str = "auto",
) -> None:
    """Fill d['ot'] (OffTargetSummary) for every design dict: each half-site alone and every
    tail-to-tail pairing (L/R, R/L, L/L, R/R) with a spacer in the editor's range, without a
    position-0 filter (binding alone can drive deamination), via the shared specificity
    service :func:`taleforge.design.specificity.specificity_for_pairs` (score-defined search
    unless ``k`` asks for mismatch mode)."""
    from taleforge.design.specificity import specificity_for_pairs

    if not designs:
        return
    targets: list[tuple[str, Genome]] = [("genome", genome)]
    if nuclear is not None:
        targets.append(("nuclear", nuclear))
    results: dict[str, list[tuple[int, int, str]]] = {}
    for ti, (tag, gen) in enumerate(targets):
        report(progress, "off-target scan", ti, len(targets))
        results[tag] = _spec_engine(designs, gen, k, specificity_for_pairs, backend)
    report(progress, "off-target scan", len(targets), len(targets))
    for i, d in enumerate(designs):
        half, pairs, top = results["genome"][i]
        nh = npair = 0
        if "nuclear" in results:
            nh, npair, ntop = results["nuclear"][i]
            top = "; ".join(x for x in (top, ("nuclear: " + ntop) if ntop else "") if x)
        d["ot"] = OffTargetSummary(True, half, pairs, "nuclear" in results, nh, npair, k,
                                   note=top)


def _spec_engine(designs: list[dict[str, Any]], gen: Genome, k: int | None,
                 fn: Any, backend: str = "auto") -> list[tuple[int, int, str]]:
    """(half-site hits, pair hits, closest sites text) per design via the off-target
    module, grouped by the editor's spacer range."""
    out: list[tuple[int, int, str] | None] = [None] * len(designs)
    groups: dict[tuple[int, int], list[int]] = {}
    for i, d in enumerate(designs):
        groups.setdefault((d["spacers"][0], d["spacers"][-1]), []).append(i)
    for (smin, smax), idx in sorted(groups.items()):
        scaf = custom_scaffold("tale-nt", spacer_min_bp=smin, spacer_max_bp=smax,
                               arm_min_rvds=8, arm_max_rvds=40, pos0_bases="ACGT")
        sums = fn(gen, [designs[i]["pair"] for i in idx], scaffold=scaf, max_mismatches=k,
                  spacer_min=smin, spacer_max=smax, pos0_bases=None, backend=backend)
        for i, sm in zip(idx, sums, strict=True):
            half = int(sum(sm.left_site_counts) + sum(sm.right_site_counts))
            top = ", ".join(f"{t.label()} ({t.mismatches} mm)" for t in sm.top_sites[:3])
            out[i] = (half, int(sm.n_offtarget_pairs), top)
    return [x if x is not None else (0, 0, "") for x in out]


def _constitutive_boundaries(transcripts: Sequence[Transcript]) -> set[int]:
    """Intron boundary coordinates shared by every coding transcript."""
    sets: list[set[int]] = []
    for t in transcripts:
        s: set[int] = set()
        for iv in t.introns_in_order():
            s.add(iv.start)
            s.add(iv.end)
        sets.append(s)
    if not sets:
        return set()
    out = sets[0]
    for s in sets[1:]:
        out = out & s
    return out


def knockout_edits(
    genome: Genome, annotation: Annotation, gene_name: str, editors: Sequence[EditorSpec],
    caller: ConsequenceCaller, *, max_cds_fraction: float,
) -> list[EditRequest]:
    """Candidate knockout edits of a gene's canonical transcript, earliest first:
    stop-creating substitutions the editors can make, and splice donor/acceptor kills of
    constitutive introns."""
    gene = annotation.find_gene(gene_name)
    coding = [t for t in gene.transcripts if t.is_coding]
    if not coding:
        raise InputError(f"gene {gene.label} has no coding transcript",
                         hint="knockout by base editing needs a CDS; give a coding gene")
    tx = annotation.canonical_transcript(gene)
    if not tx.is_coding:
        tx = sorted(coding, key=lambda t: (-t.cds_length, t.id))[0]
    subs: set[tuple[str, str]] = set()
    for e in editors:
        subs.add((e.ref_base, e.alt_base))
        subs.add((_comp(e.ref_base), _comp(e.alt_base)))
    code = genetic_code(tx.transl_table)
    cds = caller.cds_seq(tx)
    L = len(cds)
    edits: dict[tuple[int, str], EditRequest] = {}
    limit = math.floor(max_cds_fraction * L)
    for off in range(3, min(limit, L - 3)):
        ci, k = divmod(off, 3)
        codon = cds[3 * ci: 3 * ci + 3]
        if len(codon) < 3 or code.aa(codon) == "*":
            continue
        b = codon[k]
        for ref_t, alt_t in sorted(subs):
            if ref_t != b:
                continue
            new = codon[:k] + alt_t + codon[k + 1:]
            if code.aa(new) != "*":
                continue
            gpos = tx.genomic_pos(off)
            ref_p = ref_t if tx.strand == "+" else _comp(ref_t)
            alt_p = alt_t if tx.strand == "+" else _comp(alt_t)
            nonc = new in ("AGA", "AGG")
            reason = (f"stop_gained {tx.gene_name or tx.id} codon {ci + 1} "
                      f"{codon}>{new} (table {tx.transl_table})"
                      + ("; AGA/AGG ends translation only by a -1 frameshift in human "
                         "mitochondria (Temperley 2010) [K]" if nonc else ""))
            edits[(gpos, alt_p)] = EditRequest(
                tx.contig, gpos, ref_p, alt_p, reason,
                caller.call(tx.contig, gpos, ref_p, alt_p), off / L, nonc)
    const = _constitutive_boundaries(coding)
    for n_intron, iv in enumerate(tx.introns_in_order(), start=1):
        if len(iv) < 4 or iv.start not in const or iv.end not in const:
            continue
        plus = tx.strand == "+"
        donor = (iv.start, iv.start + 1) if plus else (iv.end - 1, iv.end - 2)
        acceptor = (iv.end - 2, iv.end - 1) if plus else (iv.start + 1, iv.start)
        # CDS fraction of the exon boundary
        ex_pos = iv.start - 1 if plus else iv.end
        off_b = tx.cds_offset(ex_pos)
        frac = (off_b / L) if off_b is not None else (0.0 if _before_cds(tx, iv) else 1.0)
        if frac > max_cds_fraction:
            continue
        for kind, poss in (("donor", donor), ("acceptor", acceptor)):
            for gp in poss:
                ref_p = genome.fetch(tx.contig, gp, gp + 1).upper()
                for ref_t, alt_t in sorted(subs):
                    if ref_t != ref_p:
                        continue
                    key = (gp, alt_t)
                    if key in edits:
                        continue
                    edits[key] = EditRequest(
                        tx.contig, gp, ref_p, alt_t,
                        f"splice_{kind} kill {tx.gene_name or tx.id} intron {n_intron}",
                        caller.call(tx.contig, gp, ref_p, alt_t), frac)
    return sorted(edits.values(), key=lambda r: (r.cds_fraction or 0.0, r.pos, r.alt))


def _before_cds(tx: Transcript, iv: Any) -> bool:
    if tx.cds_start is None or tx.cds_end is None:
        return False
    return bool(iv.end <= tx.cds_start) if tx.strand == "+" else bool(iv.start >= tx.cds_end)


# --------------------------------------------------------------------------- entry point


def design_base_edit(
    target: BaseEditTarget | str,
    params: BaseEditParams | None = None,
    *,
    genome: Genome | str | os.PathLike[str] = "builtin:hg38-chrM",
    annotation: Annotation | str | os.PathLike[str] | None = None,
    progress: ProgressCallback | None = None,
    backend: str = "auto",
    nuclear_genome: Genome | str | os.PathLike[str] | None = None,
) -> BaseEditResult:
    """Design TALE base editors for one substitution or a base-editing knockout.

    ``target``: a :class:`BaseEditTarget` (position + to, variant, or knockout gene), or a
    string (a variant ``contig:pos:REF>ALT`` when it parses as one, else a gene to knock
    out). ``genome``/``nuclear_genome``: a :class:`Genome`, a path or a builtin name; the
    off-target scan runs with the engine ``backend``. Raises :class:`NoResultError` (with
    each editor's reason) when no editor can make the edit."""
    from taleforge.genome.index import open_genome

    tg = BaseEditTarget.parse(target) if isinstance(target, str) else target
    position, to, contig = tg.position, tg.to, tg.contig
    variant, knockout_gene = tg.variant, tg.knockout_gene
    modes = [x is not None for x in (position, variant, knockout_gene)]
    if sum(modes) != 1:
        raise ParameterError(
            "give exactly one of position (+ to), variant or knockout gene",
            hint="e.g. --position 3243 --to G, --variant chr11:5227002:T>A or --knockout PDCD1",
        )
    given = params or BaseEditParams()
    wt = given.window_table
    table = wt if isinstance(wt, WindowTable) else load_window_table(wt)
    params = given.resolved()
    eds = resolve_editors(list(params.editors or ()))
    pos0_bases = given.pos0_bases
    g_rvd = params.g_rvd
    if isinstance(genome, (str, os.PathLike)):
        genome = open_genome(genome, progress=progress)
    if isinstance(nuclear_genome, (str, os.PathLike)):
        nuclear_genome = open_genome(nuclear_genome, progress=progress)
    if isinstance(annotation, (str, os.PathLike)):
        from taleforge.genome.annotation import load_annotation

        annotation = load_annotation(annotation)
    if annotation is None and genome.default_annotation is not None:
        from taleforge.genome.annotation import load_annotation

        annotation = load_annotation(genome.default_annotation)
    caller = ConsequenceCaller(annotation, lambda c, s, e, st: genome.fetch(c, s, e, st))
    notes: list[str] = []
    mode: Mode
    if knockout_gene is not None:
        mode = "knockout"
        if annotation is None:
            raise ParameterError(
                "knockout mode needs a gene annotation",
                hint="pass --annotation genes.gtf (or use a built-in genome with one)",
            )
        edits = knockout_edits(genome, annotation, knockout_gene, eds, caller,
                               max_cds_fraction=params.knockout_max_cds_fraction)
        if not edits:
            raise NoResultError(
                f"no base edit the selected editors can make creates an early stop codon or "
                f"kills a constitutive splice site in {knockout_gene}",
                hint="add editors (e.g. --editor TALED) or raise the CDS fraction",
            )
    else:
        if variant is not None:
            mode = "variant"
            c, pos, ref_given, alt = parse_variant(variant)
            c, ref = _check_edit(genome, c, pos, alt, ref_given)
        else:
            mode = "position"
            if to is None:
                raise ParameterError("--position needs --to", hint="e.g. --to G")
            if contig is None:
                if len(genome.contig_names) != 1:
                    raise ParameterError(
                        "the genome has several contigs; say which one",
                        hint="pass --contig NAME or use --variant contig:pos:REF>ALT",
                    )
                contig = genome.contig_names[0]
            if position is None:  # pragma: no cover - guarded by the mode check
                raise ParameterError("--position is missing", hint="give --position N")
            pos = position - 1
            alt = to.upper()
            c, ref = _check_edit(genome, contig, pos, alt)
        edits = [EditRequest(c, pos, ref, alt, "requested",
                             caller.call(c, pos, ref, alt))]
    if annotation is None:
        notes.append("no annotation: bystander consequences are 'intergenic' (unknown)")
    ko_names: frozenset[str] | None = None
    if mode == "knockout" and annotation is not None and knockout_gene is not None:
        kg = annotation.find_gene(knockout_gene)
        ko_names = frozenset(x.upper() for x in (kg.name, kg.id, knockout_gene) if x)
    ctx = _Ctx(genome, table, eds, params, caller, ko_names)
    rejections: list[EditorRejection] = []
    counts: dict[str, int] = {}
    raw: list[dict[str, Any]] = []
    used_edits: list[EditRequest] = []
    cache: dict[tuple[int, str], tuple[Consequence, ...]] = {}
    total = len(edits)
    # position 0: T by default; when no design exists with T, retry allowing C (a TALE-NT
    # option; ranked below T designs by w_pos0_c) unless the user fixed the rule.
    pos0_rule = str(params.pos0_bases)
    relax = pos0_bases is None and "C" not in pos0_rule
    ctx_relaxed = dataclasses.replace(
        ctx, params=dataclasses.replace(params, pos0_bases=pos0_rule + "C"))
    relaxed_edits: list[str] = []
    for i, ed in enumerate(edits):
        report(progress, "base-edit: designing", i, total)
        rej: list[EditorRejection] = []
        cnt: dict[str, int] = {}
        ds = _designs_for_edit(ctx, ed, rej, cnt)
        if not ds and relax and cnt.get("no_tale_site_in_window"):
            rej2: list[EditorRejection] = []
            cnt2: dict[str, int] = {}
            ds = _designs_for_edit(ctx_relaxed, ed, rej2, cnt2)
            if ds:
                rej, cnt = rej2, cnt2
                relaxed_edits.append(ed.label)
        rejections.extend(rej)
        for k_, v_ in cnt.items():
            counts[k_] = counts.get(k_, 0) + v_
        if ds:
            for d in ds:
                d["edit"] = ed
            raw.extend(ds)
            used_edits.append(ed)
            if mode == "knockout" and len(used_edits) >= params.knockout_max_edits:
                break
    report(progress, "base-edit: designing", total, total)
    if relaxed_edits:
        notes.append(
            "no TALE pair with position-0 T puts the target in a window for "
            + ", ".join(relaxed_edits[:5]) + ("..." if len(relaxed_edits) > 5 else "")
            + f"; position-0 {params.pos0_bases}C allowed there (TALE-NT option; without T, "
            "activity may drop up to 10-fold, Lamb 2013); pass --pos0 T to forbid")
    if not raw:
        reasons = group_rejections(rejections)
        raise NoResultError(
            f"no registered editor can make {edits[0].label if len(edits) == 1 else 'any candidate edit'}"
            f" ({reasons})",
            hint="try other editors (--editor DddA11 for 5'-HC, TALED for A>G), position-0 C "
            "as TALE-NT allows (--pos0 TC), a wider array range (--arm-min/--arm-max) or "
            "--window-table qiu2024",
        )
    # materialise and evaluate
    for d in raw:
        e: EditorSpec = d["editor"]
        d["pair"] = make_pair(d["seq"], d["p"], d["L"], d["S"], d["R"],
                              contig=d["edit"].contig, offset=d["lo"], g_rvd=g_rvd)
        d["spacers"] = table.spacers(e)
        bys = _bystanders(ctx, d, d["edit"], cache)
        d["bys"] = bys
        p_ok = 1.0
        for b in bys:
            if b.harmful:
                p_ok *= 1.0 - b.probability
        d["p_harm"] = 1.0 - p_ok
        d["eff"] = float(d["row"].efficiency)
        d["p_clean"] = d["eff"] * p_ok
    order_idx = {name: i for i, name in enumerate(EDITORS)}

    def pre_score(d: dict[str, Any]) -> float:
        ed: EditRequest = d["edit"]
        frac = ed.cds_fraction or 0.0
        pen = (RANKING["w_cds_fraction"] * frac
               + (RANKING["w_noncanonical_stop"] if ed.noncanonical_stop else 0.0)
               if mode == "knockout" else 0.0)
        return float(d["p_clean"] - pen)

    # on-target order (design.ranking.rank): P(clean) less knockout penalties, efficiency,
    # fewer bystanders, editor order, edit position and base, pair position and lengths
    pre = rank({
        "score": [pre_score(d) for d in raw],
        "eff": [d["eff"] for d in raw],
        "n_bystanders": [len(d["bys"]) for d in raw],
        "editor": [order_idx[d["editor"].name] for d in raw],
        "pos": [d["edit"].pos for d in raw],
        "alt": [d["edit"].alt for d in raw],
        "p": [d["p"] for d in raw], "L": [d["L"] for d in raw],
        "S": [d["S"] for d in raw], "R": [d["R"] for d in raw],
    }, PRE_RANK_KEYS)
    raw = [raw[i] for i in pre]
    n_ot = int(RANKING["offtarget_max_designs"])
    ot_set = raw[: max(n_ot, params.max_designs)]
    if params.offtarget:
        _offtarget(ot_set, genome, nuclear_genome, params.max_mismatches, notes, progress,
                   backend)
        if len(raw) > len(ot_set):
            notes.append(f"off-target checked for the best {len(ot_set)} of {len(raw)} "
                         "designs (by on-target score)")
    else:
        notes.append("off-target scan disabled")
    for d in raw:
        if "ot" not in d:
            d["ot"] = OffTargetSummary(False, note="not checked")
    scored = [_finish(d, mode, genome) for d in raw]
    # final order: the full score, then P(clean), efficiency, bystanders, editor, edit,
    # longer arms (Guilinger 2014), position and lengths; with collapse_arms one design per
    # (editor, edit, spacer interval): the best-scoring arm lengths
    final = rank({
        "score": [round(t[2], 9) for t in scored],
        "p_clean": [round(t[0]["p_clean"], 9) for t in scored],
        "eff": [t[0]["eff"] for t in scored],
        "n_bystanders": [len(t[0]["bys"]) for t in scored],
        "editor": [order_idx[t[0]["editor"].name] for t in scored],
        "pos": [t[0]["edit"].pos for t in scored],
        "alt": [t[0]["edit"].alt for t in scored],
        "arms": [t[0]["L"] + t[0]["R"] for t in scored],
        "start": [t[0]["p"] + t[0]["lo"] for t in scored],
        "L": [t[0]["L"] for t in scored], "S": [t[0]["S"] for t in scored],
        "R": [t[0]["R"] for t in scored],
        "spacer_start": [t[0]["pair"].spacer.start for t in scored],
    }, FINAL_RANK_KEYS, limit=params.max_designs,
        unique=("editor", "pos", "alt", "spacer_start", "S") if params.collapse_arms else ())
    designs = []
    for rank_, (d, rules, score) in enumerate((scored[i] for i in final), start=1):
        designs.append(BaseEditDesign(
            rank_, d["editor"], d["pair"], d["edit"], d["strand"],
            int(d["edit"].pos - d["pair"].spacer.start + 1), d["label"], d["eff"],
            f"{table.name}: {d['row'].source}", tuple(d["bys"]), d["p_harm"], d["p_clean"],
            d["ot"], score, rules,
            tuple(table.positions(d["editor"], d["S"], "top")),
            tuple(table.positions(d["editor"], d["S"], "bottom")),
        ))
    prov: dict[str, Any] = {
        "genome": genome.provenance(),
        "nuclear_genome": nuclear_genome.provenance() if nuclear_genome is not None else None,
        "annotation": getattr(annotation, "source", None),
        "window_table": {"name": table.name, "version": table.version,
                         "source": table.source},
        "tool": "taleforge base-edit",
    }
    from taleforge.design.result import make_provenance

    record = make_provenance(
        genome=genome, annotation=annotation, model="positional" if params.offtarget else None,
        tables=("base_edit_ranking", "tale_base_editors", "rvd_code",
                *(("offtarget_specificity", "scored_scan", "halfsite_scan")
                  if params.offtarget else ())),
        extra_records=({"name": f"editor_windows.{table.name}", "version": table.version,
                        "values": {"source": table.source, "rows": len(table.rows)}},),
    )
    return BaseEditResult(
        mode, tuple(edits if mode != "knockout" else used_edits), tuple(designs), len(raw),
        tuple(rejections), table, params, prov, tuple(notes), dict(sorted(counts.items())),
        tuple(edits), record,
    )


def _finish(d: dict[str, Any], mode: Mode, genome: Genome
            ) -> tuple[dict[str, Any], tuple[RuleEval, ...], float]:
    e: EditorSpec = d["editor"]
    ed: EditRequest = d["edit"]
    pr: TalenPair = d["pair"]
    ot: OffTargetSummary = d["ot"]
    S = d["S"]
    wp = ed.pos - pr.spacer.start + 1
    strand_name = "top" if d["strand"] == "+" else "bottom"
    from5 = wp if d["strand"] == "+" else S - wp + 1
    rules: list[RuleEval] = [
        RuleEval("target_in_window", "filter", True, wp,
                 0.0, f"target {e.ref_base} on the {strand_name} strand at spacer position "
                 f"{wp}/{S} from the left TALE ({from5} from the 5' end of its strand), "
                 f"context {d['label']}, in the {e.name} window"),
        RuleEval("target_efficiency", "flag", True, round(d["eff"], 4), 0.0,
                 f"predicted editing {d['eff']:.3f} from window table ({d['row'].source}; "
                 f"evidence {d['row'].evidence})"),
    ]
    harmful = [b for b in d["bys"] if b.harmful]
    rules.append(RuleEval(
        "bystanders", "flag", not harmful, len(d["bys"]), 0.0,
        (f"{len(d['bys'])} bystander(s), {len(harmful)} harmful: "
         + ", ".join(b.summary() for b in d["bys"])) if d["bys"] else "no bystanders in window"))
    rules.append(RuleEval(
        "clean_edit", "score", True, round(d["p_clean"], 4), d["p_clean"],
        f"P(target edited) {d['eff']:.3f} x P(no harmful bystander) {1 - d['p_harm']:.3f} = "
        f"{d['p_clean']:.3f} (independent edits assumed [U])"))
    score = d["p_clean"]
    if mode == "knockout":
        frac = ed.cds_fraction or 0.0
        pen = RANKING["w_cds_fraction"] * frac
        score -= pen
        rules.append(RuleEval("early_in_cds", "score", True, round(frac, 4), -pen,
                              f"{ed.reason}; {frac:.1%} of the CDS precedes the edit"))
        if ed.noncanonical_stop:
            pn = RANKING["w_noncanonical_stop"]
            score -= pn
            rules.append(RuleEval("noncanonical_stop", "score", False, "AGA/AGG", -pn,
                                  "created stop is AGA/AGG (mitochondrial -1 frameshift stop)"))
    n_c = sum(1 for hs in (pr.left, pr.right) if hs.pos0_base != "T")
    if n_c:
        pc = RANKING["w_pos0_c"] * n_c
        score -= pc
        rules.append(RuleEval("pos0_not_t", "score", False, n_c, -pc,
                              f"{n_c} TALE(s) with position-0 "
                              f"{'/'.join(hs.pos0_base for hs in (pr.left, pr.right))} "
                              "(T preferred; up to 10-fold less activity, Lamb 2013)"))
    if ot.checked:
        ph = RANKING["w_halfsite_hit"] * ot.halfsite_hits
        pp = RANKING["w_pair_hit"] * ot.pair_hits
        score -= ph + pp
        rules.append(RuleEval("offtarget_halfsites", "score", ot.halfsite_hits == 0,
                              ot.halfsite_hits, -ph,
                              f"{ot.halfsite_hits} off-target half-site hit(s) with "
                              + (f"<= {ot.max_mismatches} mismatches" if ot.max_mismatches
                                 is not None else "a score passing the binding model's threshold")
                              + f" ({genome.name}, both TALEs "
                              "alone, both strands)"
                              + (f"; closest: {ot.note}" if ot.note else "")))
        rules.append(RuleEval("offtarget_pairs", "score", ot.pair_hits == 0, ot.pair_hits, -pp,
                              f"{ot.pair_hits} off-target tail-to-tail pairing(s) (left/right, "
                              "left/left, right/right) with spacer in the editor range"))
        if ot.nuclear_checked:
            nh = RANKING["w_nuclear_halfsite_hit"] * ot.nuclear_halfsite_hits
            npp = RANKING["w_nuclear_pair_hit"] * ot.nuclear_pair_hits
            score -= nh + npp
            rules.append(RuleEval("nuclear_offtarget", "score",
                                  ot.nuclear_pair_hits == 0, ot.nuclear_halfsite_hits,
                                  -(nh + npp),
                                  f"nuclear genome: {ot.nuclear_halfsite_hits} half-site hit(s), "
                                  f"{ot.nuclear_pair_hits} pairing(s)"))
    else:
        rules.append(RuleEval("offtarget", "flag", True, None, 0.0,
                              f"off-target not checked ({ot.note})"))
    from taleforge.genome.annotation import is_mito_contig

    is_mito = is_mito_contig(pr.contig)
    if not is_mito:
        cpg = sum(hs.seq.count("CG") for hs in (pr.left, pr.right))
        if cpg:
            rules.append(RuleEval("cpg_in_halfsites", "flag", False, cpg, 0.0,
                                  f"{cpg} CpG(s) in the half-sites: HD is blocked by 5-methyl-C"))
    return d, tuple(rules), score


#: design.ranking.rank keys (``-`` = descending) of the on-target pre-ranking and the final
#: ranking; the row index (enumeration order) breaks remaining ties
PRE_RANK_KEYS = ("-score", "-eff", "n_bystanders", "editor", "pos", "alt", "p", "L", "S", "R")
FINAL_RANK_KEYS = ("-score", "-p_clean", "-eff", "n_bystanders", "editor", "pos", "alt",
                   "-arms", "start", "L", "S", "R")


def group_rejections(rejections: Sequence[EditorRejection]) -> str:
    """Rejections grouped by reason: ``DdCBE-G1333-NL, DdCBE-G1333-NR: wrong substitution
    ...``; the editor's own name inside a reason is written as 'it'."""
    groups: dict[tuple[str, str], list[str]] = {}
    for r in rejections:
        groups.setdefault((r.edit, r.reason.replace(r.editor, "it")), []).append(r.editor)
    multi = len({r.edit for r in rejections}) > 1
    parts = []
    for (edit, reason), names in groups.items():
        parts.append((f"{edit} " if multi else "") + ", ".join(names) + ": " + reason)
    return "; ".join(parts)


def consequence_label(cs: Sequence[Consequence]) -> str:
    """Worst call text for tables (``intergenic`` when there is none)."""
    return worst(cs).short() if cs else "intergenic"

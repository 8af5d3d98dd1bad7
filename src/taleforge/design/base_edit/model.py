"""The base-edit records: requested edits, bystanders, off-target summaries, designs,
rejections and :class:`BaseEditResult`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from taleforge.design.base_edit.params import BaseEditParams, Mode
from taleforge.design.consequence import (
    Consequence,
    summarize,
)
from taleforge.design.result import DesignResult, DesignWarning, Job, Provenance
from taleforge.model.dna import complement
from taleforge.model.editors import (
    EditorSpec,
    WindowTable,
)
from taleforge.model.rules import RuleEval
from taleforge.model.talen import TalenPair


def _comp(b: str) -> str:
    return complement(b) if b in "ACGT" else "N"


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
class OffTargetEdit:
    """A place off target where the design's TALEs may drive deamination (no DSB): a passing
    off-target pair (``kind="pair"``) or a strong single half-site (``kind="halfsite"``), with
    the bases in that site's editing window that would change. ``start``/``end`` are 1-based
    inclusive (the bound bases); ``mismatches`` per half-site (upstream, downstream for a
    pair); ``bases`` as ``contig:posREF>ALT(strand,context)`` on the + strand."""

    kind: str  # "pair" | "halfsite"
    genome: str  # "genome" | "nuclear" (the scanned genome it was found in)
    contig: str
    start: int
    end: int
    orientation: str  # pair: L/R, R/L, L/L, R/R; half-site: role and strand, e.g. "L+"
    spacer: int | None
    mismatches: tuple[int, ...]
    location: str
    nearest_gene: str
    bases: tuple[str, ...]
    note: str = ""

    def label(self) -> str:
        mm = "/".join(str(m) for m in self.mismatches)
        where = f"{self.contig}:{self.start}-{self.end}"
        what = (f"pair {self.orientation} {where} spacer {self.spacer} ({mm} mm)"
                if self.kind == "pair" else f"half-site {self.orientation} {where} ({mm} mm)")
        return ("nuclear " if self.genome == "nuclear" else "") + what

    def summary(self, max_bases: int = 4) -> str:
        b = ", ".join(self.bases[:max_bases]) + (
            f" +{len(self.bases) - max_bases} more" if len(self.bases) > max_bases else "")
        gene = f" near {self.nearest_gene}" if self.nearest_gene else ""
        return f"{self.label()}{gene}: " + (b if b else "no editable base in its window")

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "genome": self.genome, "contig": self.contig,
            "start": self.start, "end": self.end, "orientation": self.orientation,
            "spacer": self.spacer, "mismatches": list(self.mismatches),
            "location": self.location, "nearest_gene": self.nearest_gene,
            "consequence": "off-target deamination (no double-strand break)",
            "bases": list(self.bases), "note": self.note,
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
    strong_halfsites: int = 0  # half-site hits with <= strong_halfsite_max_mismatches
    nuclear_strong_halfsites: int = 0
    edits: tuple[OffTargetEdit, ...] = ()  # where off-target editing may happen
    #: per-genome breakdown (second_cut.offtarget_breakdown): pairs and half-sites by
    #: mismatches with counts, the closest pair with its location
    breakdown: dict[str, Any] | None = None
    nuclear_breakdown: dict[str, Any] | None = None

    @property
    def status(self) -> str:
        """``clean`` (checked, no passing off-target pair), ``not checked`` or
        ``off-target pair`` (checked, at least one passing pair in a scanned genome)."""
        if not self.checked:
            return "not checked"
        return "off-target pair" if self.pair_hits or self.nuclear_pair_hits else "clean"

    def as_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "status": self.status,
            "max_mismatches": self.max_mismatches,
            "halfsite_hits": self.halfsite_hits,
            "strong_halfsites": self.strong_halfsites,
            "pair_hits": self.pair_hits,
            "nuclear_checked": self.nuclear_checked,
            "nuclear_halfsite_hits": self.nuclear_halfsite_hits,
            "nuclear_strong_halfsites": self.nuclear_strong_halfsites,
            "nuclear_pair_hits": self.nuclear_pair_hits,
            "note": self.note,
            "offtarget_editing": [e.as_dict() for e in self.edits],
            "breakdown": self.breakdown,
            "nuclear_breakdown": self.nuclear_breakdown,
        }


@dataclass(slots=True)
class Candidate:
    """One base-edit design in the making: the editor, strand and context of the target, the
    window-table row and the pair geometry (``p``, ``L``, ``S``, ``R`` in the fetched window
    ``seq`` starting at genome position ``lo``); the job fills the rest in stages (pair,
    bystanders, probabilities, off-target) and :func:`~.ranking._finish` scores it."""

    editor: EditorSpec
    strand: str  # edited strand, '+' (top) or '-'
    label: str  # context label of the target
    row: Any  # the window-table row (efficiency, source, evidence)
    p: int
    L: int
    S: int
    R: int
    seq: str
    lo: int
    edit: EditRequest
    pair: TalenPair = field(init=False)
    spacers: list[int] = field(default_factory=list)
    bys: list[Bystander] = field(default_factory=list)
    p_harm: float = 0.0
    eff: float = 0.0
    p_clean: float = 0.0
    ot: OffTargetSummary = field(default_factory=lambda: OffTargetSummary(False, note="not checked"))


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
    calibrated: bool = False  # efficiency/p_clean are probabilities (measured window table)

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
            "numbers": "probability" if self.calibrated else "relative [U]",
            "score": round(self.score, 6),
            "offtarget_status": self.offtarget.status,
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
    warnings: tuple[DesignWarning, ...] = ()  # typed: offtarget-editing, uncalibrated, ...

    JOB: ClassVar[Job] = "base-edit"

    @property
    def calibrated(self) -> bool:
        """Whether efficiencies and P(clean) are probabilities (a measured window table) or
        relative scores from placeholder window shapes [U]."""
        return self.window_table.calibrated

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
                             "rows": len(self.window_table.rows),
                             "calibrated": self.window_table.calibrated},
            "numbers": ("efficiency and p_clean are probabilities (measured window table)"
                        if self.calibrated else
                        "efficiency, p_clean and score are relative scores from placeholder "
                        "window shapes [U], not probabilities"),
            "warnings": [w.as_dict() for w in self.typed_warnings()],
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

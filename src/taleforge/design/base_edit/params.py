"""The base-edit job's inputs: the ``base_edit_ranking`` table, :class:`BaseEditTarget`
(what to edit) and :class:`BaseEditParams` (the options the CLI fills)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from taleforge.errors import ParameterError
from taleforge.model.editors import (
    EDITOR_PARAMS,
    EDITORS,
    WindowTable,
    resolve_editors,
)
from taleforge.model.params import Param, ParamTable, register_table
from taleforge.model.rvd import GRvd
from taleforge.model.scaffold import custom_scaffold

if TYPE_CHECKING:
    pass


RANKING = register_table(
    ParamTable(
        name="base_edit_ranking",
        version="2",
        params=(
            Param("w_halfsite_hit", 0.02, "score per hit", "placeholder; single TALE binding "
                  "drives off-target editing (Lei 2022 Nature; Wei 2022 Cell Discov)", "U",
                  "penalty per genome-wide half-site hit (either TALE, <= max mismatches)"),
            Param("w_pair_hit", 0.15, "score per hit", "placeholder; pairs as in the off-target search", "U",
                  "penalty per tail-to-tail pairing of the design's TALEs off target"),
            Param("w_nuclear_halfsite_hit", 0.01, "score per hit", "placeholder; mito DdCBEs "
                  "edit the nuclear genome (Lei 2022, Wei 2022)", "U",
                  "penalty per half-site hit in the user nuclear genome"),
            Param("w_nuclear_pair_hit", 0.1, "score per hit", "placeholder", "U",
                  "penalty per pairing in the user nuclear genome"),
            Param("w_cds_fraction", 0.2, "score per unit", "earlier stops truncate more "
                  "protein (knockout practice: CHOPCHOP, Labun 2019)", "K",
                  "knockout mode: penalty times fraction of the CDS before the edit"),
            Param("w_noncanonical_stop", 0.15, "score", "Temperley 2010 Science 327:301: "
                  "mitochondrial AGA/AGG terminate via -1 frameshift", "U",
                  "knockout mode: penalty for a created AGA/AGG stop (prefer TAA/TAG)"),
            Param("w_pos0_c", 0.05, "score per TALE", "Lamb 2013: without position-0 T "
                  "activity drops up to 10-fold", "U",
                  "penalty per TALE whose position 0 is not T (allowed only as a fallback "
                  "or when asked)"),
            Param("knockout_max_cds_fraction", 0.6, "fraction", "placeholder", "U",
                  "knockout mode: only stops in the first part of the CDS"),
            Param("knockout_max_edits", 12, "edits", "placeholder", "U",
                  "knockout mode: design editors for at most this many candidate edits"),
            Param("offtarget_max_designs", 150, "designs", "runtime guard", "U",
                  "off-target check round: this many best designs (by on-target score; in "
                  "knockout mode the best design of each edit first)"),
            Param("offtarget_budget", 600, "designs", "runtime guard", "U",
                  "further rounds while no checked design is clean, up to this many designs "
                  "in all (independent of --top, so #1 does not change with --top)"),
            Param("strong_halfsite_max_mismatches", 1, "mismatches",
                  "placeholder; single TALE binding drives off-target deamination (Lei 2022 "
                  "Nature 606:804; Wei 2022 Cell Discov 8:27) but no mismatch limit is "
                  "published; 0-1 mismatches keeps near-cognate sites only", "U",
                  "a passing off-target half-site with at most this many mismatches is "
                  "'strong': flagged for off-target editing with the bases in its window"),
            Param("offtarget_edit_sites", 5, "sites", "report size", "U",
                  "strong half-sites listed per design and genome (all are counted)"),
        ),
    )
)


Mode = Literal["position", "variant", "knockout"]


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

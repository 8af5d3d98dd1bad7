"""The base-edit job's typed warnings (:class:`taleforge.design.result.DesignWarning`):
off-target editing per reported design, uncalibrated numbers, designs not checked, no genome
scanned, and NUMTs not checked for mtDNA targets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from taleforge.design.base_edit.model import BaseEditDesign
from taleforge.design.base_edit.params import RANKING
from taleforge.design.result import DesignWarning
from taleforge.model.editors import WindowTable

if TYPE_CHECKING:
    from taleforge.genome.index import Genome


def offtarget_editing_warning(d: BaseEditDesign) -> DesignWarning | None:
    """``offtarget-editing`` for a design whose TALEs form a passing off-target pair or bind a
    strong single half-site in a scanned genome: where, and which bases would change."""
    ot = d.offtarget
    if not ot.checked:
        return None
    n_pairs = ot.pair_hits + ot.nuclear_pair_hits
    n_half = ot.strong_halfsites + ot.nuclear_strong_halfsites
    if n_pairs == 0 and n_half == 0:
        return None
    thr = int(RANKING["strong_halfsite_max_mismatches"])
    sites = "; ".join(e.summary(3) for e in ot.edits[:3])
    more = len(ot.edits) - 3
    msg = (f"#{d.rank} {d.editor.name} may deaminate off target (no double-strand break): "
           f"{n_pairs} passing off-target pair(s), {n_half} strong half-site(s) "
           f"(<= {thr} mismatches; single TALE binding can drive editing, Lei 2022, Wei 2022)"
           + (f": {sites}" if sites else "") + (f"; +{more} more in the JSON" if more > 0 else ""))
    details = {
        "pair_hits": ot.pair_hits, "nuclear_pair_hits": ot.nuclear_pair_hits,
        "strong_halfsites": ot.strong_halfsites,
        "nuclear_strong_halfsites": ot.nuclear_strong_halfsites,
        "strong_halfsite_max_mismatches": thr,
        "consequence": f"off-target {d.editor.ref_base}>{d.editor.alt_base} deamination "
                       "(no deletion, inversion or translocation: no DSB)",
        "sites": [e.as_dict() for e in ot.edits],
    }
    return DesignWarning("offtarget-editing", msg, "warning", d.design_id, details)


def job_warnings(
    designs: Sequence[BaseEditDesign], table: WindowTable, *, genome: Genome,
    nuclear: Genome | None, offtarget: bool, n_checked: int, n_total: int,
    contigs: Sequence[str],
) -> tuple[DesignWarning, ...]:
    """Every typed warning of one base-edit run, in a fixed order."""
    from taleforge.genome.annotation import is_mito_contig

    out: list[DesignWarning] = []
    for d in designs:
        w = offtarget_editing_warning(d)
        if w is not None:
            out.append(w)
    if designs and all(d.offtarget.status == "off-target pair" for d in designs):
        out.append(DesignWarning(
            "no-clean-design",
            "every reported design has a passing off-target pair in a scanned genome; the "
            "best available are shown (a duplicated region?)", "warning", None,
            {"checked": n_checked, "candidates": n_total}))
    if not table.calibrated:
        out.append(DesignWarning(
            "uncalibrated",
            f"efficiency, p_clean and score come from placeholder window shapes (window table "
            f"{table.name} [U]): they are relative ranking scores, not probabilities; load "
            "measured efficiencies with --window-table FILE.tsv", "warning", None,
            {"window_table": table.name, "columns": ["efficiency", "p_harmful_bystander",
                                                     "p_clean", "score"]}))
    else:
        out.append(DesignWarning(
            "uncalibrated",
            f"efficiency and p_clean are probabilities from the measured table {table.name}; "
            "score also subtracts placeholder [U] off-target/knockout weights "
            "(base_edit_ranking)", "note", None,
            {"window_table": table.name, "columns": ["score"]}))
    unchecked = [d for d in designs if not d.offtarget.checked]
    if unchecked:
        out.append(DesignWarning(
            "not-checked",
            f"{len(unchecked)} of {len(designs)} reported design(s) were not checked for "
            "off-targets genome-wide (ranked after the checked clean designs; marked "
            "'not checked')", "warning", None,
            {"designs": [d.design_id for d in unchecked], "checked_in_run": n_checked,
             "candidates": n_total}))
    if not offtarget:
        out.append(DesignWarning(
            "no-genome-scanned",
            "no genome was scanned for off-targets (--no-offtarget): off-target editing at "
            "pairs and single half-sites is unknown", "warning", None,
            {"genome": genome.name}))
    mito = [c for c in contigs if is_mito_contig(c)]
    if mito and nuclear is None:
        out.append(DesignWarning(
            "numt-not-checked",
            "mtDNA target without --nuclear-genome: nuclear copies of mtDNA (NUMTs) and the "
            "nuclear off-target editing reported for mitochondrial DdCBEs (Lei 2022, Wei "
            "2022) were not checked; pass --nuclear-genome GENOME", "warning", None,
            {"contigs": mito}))
    return tuple(out)

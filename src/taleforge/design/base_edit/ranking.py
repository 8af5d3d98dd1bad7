"""Scoring and ranking of base-edit designs: the rule-by-rule evaluation (:func:`_finish`)
and the :func:`taleforge.design.ranking.rank` keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taleforge.design.base_edit.model import Candidate, EditRequest, OffTargetSummary
from taleforge.design.base_edit.params import RANKING, Mode
from taleforge.model.editors import (
    EditorSpec,
)
from taleforge.model.rules import RuleEval
from taleforge.model.talen import TalenPair

if TYPE_CHECKING:
    from taleforge.genome.index import Genome


def _finish(d: Candidate, mode: Mode, genome: Genome, table_calibrated: bool = False
            ) -> tuple[Candidate, tuple[RuleEval, ...], float]:
    e: EditorSpec = d.editor
    ed: EditRequest = d.edit
    pr: TalenPair = d.pair
    ot: OffTargetSummary = d.ot
    S = d.S
    cal = table_calibrated
    wp = ed.pos - pr.spacer.start + 1
    strand_name = "top" if d.strand == "+" else "bottom"
    from5 = wp if d.strand == "+" else S - wp + 1
    rules: list[RuleEval] = [
        RuleEval("target_in_window", "filter", True, wp,
                 0.0, f"target {e.ref_base} on the {strand_name} strand at spacer position "
                 f"{wp}/{S} from the left TALE ({from5} from the 5' end of its strand), "
                 f"context {d.label}, in the {e.name} window"),
        RuleEval("target_efficiency", "flag", True, round(d.eff, 4), 0.0,
                 (f"predicted editing probability {d.eff:.3f} from the measured window table "
                  if cal else f"relative efficiency {d.eff:.3f} [U] (a placeholder window "
                  "shape, not a probability) from window table ")
                 + f"({d.row.source}; evidence {d.row.evidence})"),
    ]
    harmful = [b for b in d.bys if b.harmful]
    rules.append(RuleEval(
        "bystanders", "flag", not harmful, len(d.bys), 0.0,
        (f"{len(d.bys)} bystander(s), {len(harmful)} harmful: "
         + ", ".join(b.summary() for b in d.bys)) if d.bys else "no bystanders in window"))
    rules.append(RuleEval(
        "clean_edit", "score", True, round(d.p_clean, 4), d.p_clean,
        (f"P(target edited) {d.eff:.3f} x P(no harmful bystander) {1 - d.p_harm:.3f} = "
         f"{d.p_clean:.3f} (independent edits assumed [U])") if cal else
        (f"relative clean-edit score [U] = relative efficiency {d.eff:.3f} x (1 - relative "
         f"bystander risk {d.p_harm:.3f}) = {d.p_clean:.3f} (placeholder window shapes, "
         "independent edits assumed; a ranking score, not a probability)")))
    score = d.p_clean
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
        n_sites = ot.pair_hits + ot.nuclear_pair_hits + ot.strong_halfsites \
            + ot.nuclear_strong_halfsites
        rules.append(RuleEval(
            "offtarget_editing", "flag", n_sites == 0, n_sites, 0.0,
            (f"may deaminate off target (no DSB) at {ot.pair_hits + ot.nuclear_pair_hits} "
             f"passing pair(s) and {ot.strong_halfsites + ot.nuclear_strong_halfsites} strong "
             f"half-site(s) (<= {int(RANKING['strong_halfsite_max_mismatches'])} mismatches)"
             + ("; " + "; ".join(x.summary(3) for x in ot.edits[:3]) if ot.edits else ""))
            if n_sites else "no passing off-target pair and no strong half-site"))
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
        rules.append(RuleEval("offtarget", "flag", False, None, 0.0,
                              f"off-target NOT checked ({ot.note}): ranked after the checked "
                              "designs without a passing off-target pair"))
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


#: the final order starts with the off-target tier: checked designs without a passing
#: off-target pair (0), not checked (1), known to have one (2); then, within a tier, the best
#: design of each edit comes before further designs of the same edit (job.py)
FINAL_RANK_KEYS = ("tier", "-score", "-p_clean", "-eff", "n_bystanders", "editor", "pos", "alt",
                   "-arms", "start", "L", "S", "R")

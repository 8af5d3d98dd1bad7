"""Off-target summaries of base-edit designs through the shared specificity service
(each half-site alone and every tail-to-tail pairing, also in a nuclear genome)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taleforge.design.base_edit.model import Candidate, OffTargetSummary
from taleforge.model.scaffold import custom_scaffold
from taleforge.progress import ProgressCallback, report

if TYPE_CHECKING:
    from taleforge.genome.index import Genome


def _offtarget(
    designs: list[Candidate], genome: Genome, nuclear: Genome | None, k: int | None,
    notes: list[str], progress: ProgressCallback | None, backend: str = "auto",
) -> None:
    """Fill d.ot (OffTargetSummary) for every design dict: each half-site alone and every
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
        d.ot = OffTargetSummary(True, half, pairs, "nuclear" in results, nh, npair, k,
                                   note=top)


def _spec_engine(designs: list[Candidate], gen: Genome, k: int | None,
                 fn: Any, backend: str = "auto") -> list[tuple[int, int, str]]:
    """(half-site hits, pair hits, closest sites text) per design via the off-target
    module, grouped by the editor's spacer range."""
    out: list[tuple[int, int, str] | None] = [None] * len(designs)
    groups: dict[tuple[int, int], list[int]] = {}
    for i, d in enumerate(designs):
        groups.setdefault((d.spacers[0], d.spacers[-1]), []).append(i)
    for (smin, smax), idx in sorted(groups.items()):
        scaf = custom_scaffold("tale-nt", spacer_min_bp=smin, spacer_max_bp=smax,
                               arm_min_rvds=8, arm_max_rvds=40, pos0_bases="ACGT")
        sums = fn(gen, [designs[i].pair for i in idx], scaffold=scaf, max_mismatches=k,
                  spacer_min=smin, spacer_max=smax, pos0_bases=None, backend=backend)
        for i, sm in zip(idx, sums, strict=True):
            half = int(sum(sm.left_site_counts) + sum(sm.right_site_counts))
            top = ", ".join(f"{t.label()} ({t.mismatches} mm)" for t in sm.top_sites[:3])
            out[i] = (half, int(sm.n_offtarget_pairs), top)
    return [x if x is not None else (0, 0, "") for x in out]

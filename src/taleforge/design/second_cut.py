"""Second cuts: where a nuclease design's TALENs form another passing pair in the genome.

A TALEN pair that also binds a paralogue, a segmental duplication or a pseudogene as a
passing tail-to-tail pair makes a second double-strand break. Two breaks on one chromosome
can delete or invert the segment between them (ZFN/TALEN pairs: deletions up to ~15 Mb,
Lee 2010 Genome Res 20:81; inversions and duplications, Lee 2012 Genome Res 22:539); breaks
on two chromosomes can be joined as a translocation (Piganeau 2013 Genome Res 23:1182).

:func:`second_cut_warnings` turns a :class:`~taleforge.design.specificity.SpecificitySummary`
into one typed ``second-cut`` :class:`~taleforge.design.result.DesignWarning` per design (the
closest pair = the best-scoring passing off-target pair, and how many there are);
:func:`offtarget_breakdown` is the per-design off-target breakdown every nuclease job reports
(pairs and single half-sites by mismatch class, the closest pair with its location).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from taleforge.design.result import DesignWarning
from taleforge.model.params import Param, ParamTable, register_table

if TYPE_CHECKING:
    from taleforge.design.specificity import SpecificitySummary, SpecPair
    from taleforge.genome.annotation import Annotation

SECOND_CUT_PARAMS = register_table(
    ParamTable(
        name="second_cut",
        version="2",
        params=(
            Param("max_mismatches", 4, "mismatches (both half-sites)",
                  "taleforge choice; off-target pairs passing the permissive default model "
                  "in random sequence carry >= 6 mismatches (benchmarks/results/"
                  "campaign_25.md), copies such as paralogues and pseudogenes far fewer", "U",
                  "an off-target pair passing the binding model is a second cut (warning, "
                  "ranking tier 'known', not clean) when its total mismatches are <= this; "
                  "pairs with more are counted in the breakdown (n_pairs, "
                  "pairs_by_mismatches) but do not demote the design"),
            Param("deletion_max_bp", 5_000_000, "bp",
                  "taleforge; deletions between two nuclease cuts up to ~15 Mb were made "
                  "(Lee 2010 Genome Res 20:81), frequency falls with distance", "U",
                  "a second cut on the same contig within this distance of the target cut "
                  "is reported as 'deletion or inversion between the two cuts'; farther on "
                  "the same contig as 'large rearrangement'; on another contig as "
                  "'translocation' (Piganeau 2013). The threshold is a placeholder [U]"),
        ),
    )
)

DELETION = "deletion or inversion between the two cuts"
REARRANGEMENT = "large rearrangement"
TRANSLOCATION = "translocation"


def consequence(target_contig: str, target_cut: int, contig: str, cut: int,
                params: ParamTable = SECOND_CUT_PARAMS) -> tuple[int | None, str]:
    """(signed distance of the second cut to the target cut in bp, or None on another
    contig; the consequence of cutting both)."""
    if contig != target_contig:
        return None, TRANSLOCATION
    d = int(cut) - int(target_cut)
    return d, DELETION if abs(d) <= int(params["deletion_max_bp"]) else REARRANGEMENT


def _gene_context(ann: Annotation | None, contig: str, pos: int) -> dict[str, Any]:
    if ann is None:
        return {"nearest_gene": None, "gene_distance": None, "location": None}
    ng = ann.nearest_gene(contig, pos)
    return {
        "nearest_gene": (ng[0].name or ng[0].id) if ng else None,
        "gene_distance": int(ng[1]) if ng else None,
        "location": ann.locate(contig, pos),
    }


def pair_details(p: SpecPair, *, target_contig: str | None = None,
                 target_cut: int | None = None, annotation: Annotation | None = None,
                 params: ParamTable = SECOND_CUT_PARAMS) -> dict[str, Any]:
    """JSON-ready facts of one off-target pair (1-based inclusive coordinates): location,
    orientation, mismatches per half-site, nearest gene, distance to the target cut and
    the consequence (when the target is given)."""
    out: dict[str, Any] = {
        "contig": p.contig,
        "start": p.start + 1,
        "end": p.end,
        "cut": p.cut + 1,
        "orientation": p.orientation,
        "spacer": p.spacer,
        "mismatches": {"up": p.up.mismatches, "down": p.down.mismatches,
                       "up_role": p.up.role, "down_role": p.down.role},
        "up": {"start": p.up.start + 1, "end": p.up.end, "strand": p.up.strand},
        "down": {"start": p.down.start + 1, "end": p.down.end, "strand": p.down.strand},
        "score": round(p.score, 6),
        **_gene_context(annotation, p.contig, p.cut),
    }
    if target_contig is not None and target_cut is not None:
        dist, cons = consequence(target_contig, target_cut, p.contig, p.cut, params)
        out["distance_bp"] = dist
        out["consequence"] = cons
    return out


def second_cut_warnings(
    summary: SpecificitySummary,
    *,
    design_id: str,
    target_contig: str,
    target_cut: int,
    annotation: Annotation | None = None,
    params: ParamTable = SECOND_CUT_PARAMS,
) -> list[DesignWarning]:
    """One ``second-cut`` warning when the design forms passing off-target pairs (none
    otherwise): the closest pair (best combined score) with its location, orientation,
    nearest gene, mismatches per half-site, distance to the target cut (0-based
    ``target_cut``; None on another contig) and consequence, plus the number of pairs."""
    n = summary.n_second_cut_pairs
    if n == 0:
        return []
    close = [p for p in summary.top_pairs
             if p.up.mismatches + p.down.mismatches <= int(params["max_mismatches"])]
    if not close:
        return [DesignWarning(
            "second-cut",
            f"{n} passing off-target pair(s) elsewhere in the genome: a second "
            "double-strand break (locations not kept; raise top_pairs)",
            design=design_id, details={"n_pairs": n},
        )]
    p = close[0]
    det = pair_details(p, target_contig=target_contig, target_cut=target_cut,
                       annotation=annotation, params=params)
    det["n_pairs"] = n
    det["n_pairs_any_mismatches"] = summary.n_offtarget_pairs
    dist = det["distance_bp"]
    where = (f"{abs(dist):,} bp {'downstream' if dist > 0 else 'upstream'} of the target cut"
             if dist is not None else "on another contig")
    gene = f" near {det['nearest_gene']}" if det["nearest_gene"] else ""
    more = f" (and {n - 1} more)" if n > 1 else ""
    msg = (f"TALENs also form a passing pair at {p.contig}:{p.start + 1}-{p.end}{gene} "
           f"({p.orientation}, {p.up.mismatches}+{p.down.mismatches} mismatches), "
           f"{where}{more}: a second cut there risks {det['consequence']}")
    return [DesignWarning("second-cut", msg, design=design_id, details=det)]


def _classes(counts: Sequence[int]) -> list[dict[str, int]]:
    return [{"mismatches": m, "count": int(c)} for m, c in enumerate(counts) if c]


def offtarget_breakdown(
    summary: SpecificitySummary,
    *,
    target_contig: str | None = None,
    target_cut: int | None = None,
    annotation: Annotation | None = None,
    params: ParamTable = SECOND_CUT_PARAMS,
) -> dict[str, Any]:
    """Per-design off-target breakdown (JSON-ready): passing off-target pairs by total
    mismatches (class) with counts, single half-sites by mismatches for each arm, the
    closest pair with its location (None when there is none) and the search mode."""
    closest = None
    if summary.top_pairs:
        closest = pair_details(summary.top_pairs[0], target_contig=target_contig,
                               target_cut=target_cut, annotation=annotation, params=params)
    return {
        "search": ("score-defined" if summary.max_mismatches is None
                   else f"<= {summary.max_mismatches} mismatches"),
        "n_pairs": summary.n_offtarget_pairs,
        "n_second_cut_pairs": summary.n_second_cut_pairs,
        "second_cut_max_mismatches": int(params["max_mismatches"]),
        "pairs_by_mismatches": _classes(summary.pair_counts),
        "n_sites": int(sum(summary.left_site_counts) + sum(summary.right_site_counts)),
        "left_sites_by_mismatches": _classes(summary.left_site_counts),
        "right_sites_by_mismatches": _classes(summary.right_site_counts),
        "closest_pair": closest,
    }


__all__ = [
    "DELETION",
    "REARRANGEMENT",
    "SECOND_CUT_PARAMS",
    "TRANSLOCATION",
    "consequence",
    "offtarget_breakdown",
    "pair_details",
    "second_cut_warnings",
]

"""Writers of the off-target job (:class:`~taleforge.design.offtarget.OffTargetResult`):
TSV, JSON and BED6, registered as ``("offtarget", fmt)`` in :mod:`taleforge.io.registry`.
``OffTargetResult.to_tsv`` & co. call these.

Coordinates: TSV/JSON 1-based inclusive; BED 0-based half-open.
"""

from __future__ import annotations

from typing import Any

from taleforge.design.offtarget import TSV_COLUMNS, OffTargetResult
from taleforge.io.registry import register
from taleforge.io.tables import to_json, to_tsv


@register("offtarget", "tsv", ext=(".tsv", ".txt"))
def offtarget_tsv(res: OffTargetResult, **_: Any) -> str:
    """One row per pair and per site (TSV_COLUMNS), # header lines."""
    return to_tsv(res.rows(), TSV_COLUMNS, header=res.header_lines())


@register("offtarget", "json", ext=(".json",))
def offtarget_json(res: OffTargetResult, *, command: str | None = None, **_: Any) -> str:
    """Provenance header, parameters, counts, summary, rows and pair scores."""
    return to_json(
        {
            **(res.json_header(command) if res.record is not None else {}),
            "parameters": res.parameters,
            "left": " ".join(res.left),
            "right": " ".join(res.right) if res.right else None,
            "counts": res.counts,
            "summary": {
                "ontarget_pairs": len(res.ontarget_pairs),
                "offtarget_pairs_by_mismatches": res.pair_counts(),
                "left_sites_by_mismatches": res.site_counts("L"),
                "right_sites_by_mismatches": res.site_counts("R") if res.right else None,
            },
            "notes": list(res.notes),
            "rows": res.rows(),
            "pair_scores": [
                {"id": p.pair_id(), "site1": p.up_score.as_dict(),
                 "site2": p.down_score.as_dict()}
                for p in res.pairs
            ],
        }
    )


@register("offtarget", "bed", ext=(".bed",))
def offtarget_bed(res: OffTargetResult, **_: Any) -> str:
    """BED6, 0-based half-open footprints (position 0 included); pairs then sites."""
    lines = ['track name="taleforge-offtarget" description="TALEN off-targets" useScore=1']
    for p in res.pairs:
        name = f"{'ON' if p.is_ontarget else 'pair'}:{p.orientation}:mm{p.total_mismatches}"
        sc = max(0, 1000 - 100 * p.total_mismatches)
        lines.append(f"{p.contig}\t{p.start}\t{p.end}\t{name}\t{sc}\t.")
    for s in res.sites:
        fs, fe = s.footprint
        name = f"{'ON' if s.is_ontarget else 'site'}:{s.role}:mm{s.mismatches}"
        sc = max(0, 1000 - 200 * s.mismatches)
        lines.append(f"{s.contig}\t{fs}\t{fe}\t{name}\t{sc}\t{s.strand}")
    return "\n".join(lines) + "\n"

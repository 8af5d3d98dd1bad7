"""Render a :class:`~taleforge.design.knockout.KnockoutResult` as TSV, JSON, BED and GFF3.

The writers are registered as ``("knockout", fmt)`` in :mod:`taleforge.io.registry`;
``to_tsv_text`` & co. are the same writers under their old names."""

from __future__ import annotations

from typing import Any

from taleforge import __version__
from taleforge.design.knockout import Design, KnockoutResult
from taleforge.io.registry import register, render
from taleforge.io.tables import pair_bed12, pair_columns, pair_gff3, to_json, to_tsv

COLUMNS = (
    "rank", "pair_id", "score", "contig",
    "left_start", "left_end", "left_pos0", "left_site", "left_rvds", "left_len",
    "spacer_start", "spacer_end", "spacer_len", "spacer_seq",
    "right_start", "right_end", "right_pos0", "right_site", "right_rvds", "right_len",
    "cut", "transcript", "exon", "codon", "cds_pct", "all_isoforms",
    "enzymes", "repeat_fraction", "cpg_left", "cpg_right", "variants", "strong_rvd_pct",
    "checked", "offtarget_pairs", "offtarget_sites", "closest_offtarget_pair", "second_cut",
    "specificity", "genotyping", "why",
)


def design_row(d: Design) -> dict[str, Any]:
    pr = d.pair
    a = d.annotations
    spec = {r.rule: r for r in d.rules if r.rule.startswith("specificity")}
    terms = sorted((r for r in d.rules if r.kind == "score" and r.score), key=lambda r: -abs(r.score))
    why = "; ".join(f"{r.rule} {r.score:+.2f}" for r in terms[:4])
    return {
        "rank": d.rank,
        "pair_id": pr.pair_id(),
        "score": round(d.score, 4),
        **pair_columns(pr, a.get("spacer_seq")),
        "transcript": a.get("transcript"),
        "exon": a.get("exon"),
        "codon": a.get("codon"),
        "cds_pct": a.get("cds_pct"),
        "all_isoforms": a.get("all_isoforms"),
        "enzymes": a.get("enzymes"),
        "repeat_fraction": a.get("repeat_fraction"),
        "cpg_left": a.get("cpg_left"),
        "cpg_right": a.get("cpg_right"),
        "variants": a.get("variants"),
        # TALE-NT 2.0's "% RVDs HD or NN/NH", pooled over both arrays (the strong_rvds term)
        "strong_rvd_pct": next((r.value for r in d.rules if r.rule == "strong_rvds"), None),
        "checked": bool(a.get("checked", False)),
        "offtarget_pairs": _value(spec.get("specificity_pairs")),
        "offtarget_sites": _value(spec.get("specificity_sites")),
        "closest_offtarget_pair": _closest(a),
        "second_cut": a.get("second_cut"),
        "specificity": _score(spec),
        "genotyping": a.get("genotyping_summary"),  # Sanger / NGS primers (design/genotyping.py)
        "why": why,
    }


def _closest(a: dict[str, Any]) -> str | None:
    """``contig:start-end orientation up+down mm [near gene]`` of the closest off-target
    pair (1-based), or None."""
    cp = (a.get("offtarget") or {}).get("closest_pair")
    if cp is None:
        cp = (a.get("offtarget_nuclear") or {}).get("closest_pair")
        if cp is None:
            return None
    mm = cp["mismatches"]
    near = f" near {cp['nearest_gene']}" if cp.get("nearest_gene") else ""
    return (f"{cp['contig']}:{cp['start']}-{cp['end']} {cp['orientation']} "
            f"{mm['up']}+{mm['down']}mm{near}")


def _value(r: Any) -> Any:
    return None if r is None else r.value


def _score(spec: dict[str, Any]) -> float | None:
    if not spec:
        return None
    return round(sum(r.score for r in spec.values()), 4)


def header_lines(res: KnockoutResult) -> list[str]:
    g = res.provenance.get("genome", {})
    t = res.target
    return [
        f"taleforge {__version__} knockout design",
        f"genome: {g.get('name')} sha256:{str(g.get('sha256', ''))[:16]}",
        f"target: {t.kind} {t.label}" + (f" transcript {t.transcript.id}" if t.transcript else ""),
        "coordinates: 1-based inclusive; cut = spacer centre",
        f"candidates: {res.n_candidates} enumerated, {res.n_passing} passed filters, "
        f"{len(res.designs)} reported",
        *(f"note: {n}" for n in res.notes),
        *(f"warning ({w.code}): {w.message}" for w in res.typed if w.severity == "warning"
          and w.design is None),
    ]


@register("knockout", "tsv", ext=(".tsv", ".txt"))
def knockout_tsv(res: KnockoutResult, **_: Any) -> str:
    """One row per design (the COLUMNS), # header lines."""
    return to_tsv([design_row(d) for d in res.designs], COLUMNS, header_lines(res))


@register("knockout", "json", ext=(".json",))
def knockout_json(res: KnockoutResult, *, command: str | None = None, **_: Any) -> str:
    """Provenance header, counts, rejections and every design with its rules."""
    return to_json(
        {
            **res.json_header(command),
            "target": res.provenance.get("target"),
            "parameters": res.provenance.get("parameters"),
            "n_candidates": res.n_candidates,
            "n_passing_filters": res.n_passing,
            "rejections": res.rejections,
            "notes": list(res.notes),
            "warnings": [w.as_dict() for w in res.typed_warnings()],
            "empty_reason": res.empty_reason() or None,
            "designs": [
                {
                    **design_row(d),
                    "rules": [r.as_dict() for r in d.rules],
                    "offtarget": d.annotations.get("offtarget"),
                    **({"offtarget_nuclear": d.annotations["offtarget_nuclear"]}
                       if "offtarget_nuclear" in d.annotations else {}),
                    "offtarget_top_sites": d.annotations.get("offtarget_top_sites", []),
                    "genotyping": d.annotations.get("genotyping"),
                    "reference_note": d.annotations.get("reference_note"),
                    "explanation": d.explain(),
                }
                for d in res.designs
            ],
        }
    )


@register("knockout", "bed", ext=(".bed",))
def knockout_bed(res: KnockoutResult, **_: Any) -> str:
    """BED12 track: one line per pair (two footprints, thick = spacer)."""
    mx = max((d.score for d in res.designs), default=1.0) or 1.0
    items = [
        (f"{d.rank}_{d.pair.pair_id()}", d.pair, 1000 * max(d.score, 0) / mx if mx > 0 else 0)
        for d in res.designs
    ]
    return pair_bed12(items, f"taleforge {res.target.label}")


@register("knockout", "gff3", ext=(".gff3", ".gff"))
def knockout_gff3(res: KnockoutResult, **_: Any) -> str:
    """GFF3: engineered_region per pair, binding_site and spacer children."""
    items = [
        (f"{d.rank}_{d.pair.pair_id()}", d.pair, d.score, {"rank": d.rank, "cut": d.pair.cut + 1})
        for d in res.designs
    ]
    return pair_gff3(items)


# old names (kept for callers): thin wrappers over the registry
def to_tsv_text(res: KnockoutResult) -> str:
    return render("knockout", "tsv", res)


def to_json_text(res: KnockoutResult, *, command: str | None = None) -> str:
    return render("knockout", "json", res, command=command)


def to_bed_text(res: KnockoutResult) -> str:
    return render("knockout", "bed", res)


def to_gff3_text(res: KnockoutResult) -> str:
    return render("knockout", "gff3", res)

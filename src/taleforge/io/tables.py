"""Text writers shared by the designers: TSV, JSON, BED and GFF3 (writers only; the BED
round-trip reader the tests use lives in tests/test_knockout_golden.py).

Coordinates: TSV/JSON/GFF3 are 1-based inclusive; BED is 0-based half-open (as the BED
format defines). Every writer returns a string; callers write it atomically
(:mod:`taleforge.io.atomic`). Output is deterministic: fixed column order, sorted keys,
no timestamps.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from taleforge.model.talen import TalenPair


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        return f"{v:.6g}"
    if isinstance(v, (list, tuple)):
        return ",".join(_cell(x) for x in v)
    return str(v).replace("\t", " ").replace("\n", " ")


def to_tsv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], header: Sequence[str] = ()) -> str:
    """Rows as TSV; ``header`` lines are written first, each prefixed with ``#``."""
    out = [f"# {h}" for h in header]
    out.append("\t".join(columns))
    for r in rows:
        out.append("\t".join(_cell(r.get(c)) for c in columns))
    return "\n".join(out) + "\n"


def _jsonable(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if hasattr(v, "item") and callable(v.item):  # numpy scalars
        return v.item()
    return v


def to_json(obj: Mapping[str, Any]) -> str:
    return json.dumps(_jsonable(dict(obj)), indent=2, sort_keys=True) + "\n"


def pair_columns(pr: TalenPair, spacer_seq: str | None = None) -> dict[str, Any]:
    """The TSV/JSON columns describing a TALEN pair (1-based inclusive coordinates)."""
    return {
        "contig": pr.contig,
        "left_start": pr.left.bound.start + 1,
        "left_end": pr.left.bound.end,
        "left_pos0": pr.left.pos0 + 1,
        "left_site": pr.left.pos0_base + pr.left.seq,
        "left_rvds": pr.left.rvd_string(),
        "left_len": pr.left.length,
        "spacer_start": pr.spacer.start + 1,
        "spacer_end": pr.spacer.end,
        "spacer_len": len(pr.spacer),
        "spacer_seq": spacer_seq,
        "right_start": pr.right.bound.start + 1,
        "right_end": pr.right.bound.end,
        "right_pos0": pr.right.pos0 + 1,
        "right_site": pr.right.pos0_base + pr.right.seq,
        "right_rvds": pr.right.rvd_string(),
        "right_len": pr.right.length,
        "cut": pr.cut + 1,
    }


def pair_bed12(pairs: Sequence[tuple[str, TalenPair, float]], track_name: str) -> str:
    """One BED12 line per pair: two blocks (left and right footprints incl. position 0),
    thick part = spacer. Name, score (0-1000) from the caller."""
    lines = [f'track name="{track_name}" description="taleforge TALEN pairs" useScore=1']
    for name, pr, score in pairs:
        lf = pr.left.footprint
        rf = pr.right.footprint
        start, end = lf.start, rf.end
        sizes = f"{len(lf)},{len(rf)},"
        starts = f"0,{rf.start - start},"
        sc = max(0, min(1000, round(score)))
        lines.append(
            "\t".join(
                str(x)
                for x in (
                    pr.contig, start, end, name, sc, ".", pr.spacer.start, pr.spacer.end,
                    "0,0,0", 2, sizes, starts,
                )
            )
        )
    return "\n".join(lines) + "\n"


_GFF_ESCAPE = {c: f"%{ord(c):02X}" for c in "\t\n\r%;=&,"}


def gff3_escape(text: str) -> str:
    """Escape the characters GFF3 reserves in attribute values (spec: tab, newline, CR,
    % ; = & , and control characters)."""
    return "".join(_GFF_ESCAPE.get(ch, ch) if ord(ch) >= 32 else f"%{ord(ch):02X}" for ch in text)


def _gff_attr(d: Mapping[str, Any]) -> str:
    parts = []
    for k, v in d.items():
        if v is None or v == "":
            continue
        items = v if isinstance(v, (list, tuple)) else [v]
        val = ",".join(gff3_escape(_cell(x)) for x in items)
        parts.append(f"{k}={val}")
    return ";".join(parts)


def pair_gff3(
    pairs: Sequence[tuple[str, TalenPair, float, Mapping[str, Any]]], source: str = "taleforge"
) -> str:
    """GFF3: one ``engineered_region`` per pair with children ``binding_site`` (left '+',
    right '-', incl. position 0) and a spacer ``region``."""
    lines = ["##gff-version 3"]
    for name, pr, score, extra in pairs:
        site = pr.site
        pid = name
        lines.append(
            "\t".join(
                [pr.contig, source, "engineered_region", str(site.start + 1), str(site.end),
                 f"{score:.4g}", ".", ".", _gff_attr({"ID": pid, "Name": name, **extra})]
            )
        )
        for tag, hs in (("left", pr.left), ("right", pr.right)):
            fp = hs.footprint
            lines.append(
                "\t".join(
                    [pr.contig, source, "binding_site", str(fp.start + 1), str(fp.end), ".",
                     fp.strand, ".",
                     _gff_attr({"ID": f"{pid}.{tag}", "Parent": pid, "Name": f"{name} {tag} TALE",
                                "rvds": hs.rvd_string(), "site": hs.pos0_base + hs.seq})]
                )
            )
        lines.append(
            "\t".join(
                [pr.contig, source, "region", str(pr.spacer.start + 1), str(pr.spacer.end), ".",
                 ".", ".", _gff_attr({"ID": f"{pid}.spacer", "Parent": pid, "Name": "spacer",
                                      "cut": pr.cut + 1})]
            )
        )
    return "\n".join(lines) + "\n"

"""Render a :class:`~taleforge.design.base_edit.BaseEditResult`: TSV, JSON, BED12, GFF3
and a text / HTML view of each design's editing window on both strands.

Coordinates: TSV/JSON/GFF3 and the views are 1-based inclusive; BED is 0-based half-open.
Window marks: ``^`` target, ``*`` bystander (editable base in the window and in context),
``-`` other window positions, on the strand that is edited.

Registered as ``("base-edit", fmt)`` writers in :mod:`taleforge.io.registry` (tsv, json, bed,
gff3, html, text, windows); the functions below keep their names.
"""

from __future__ import annotations

import html
from typing import Any

from taleforge import __version__
from taleforge.design.base_edit import BaseEditDesign, BaseEditResult
from taleforge.io.registry import register
from taleforge.io.tables import _gff_attr, pair_bed12, pair_columns, to_json, to_tsv
from taleforge.model.dna import complement

COLUMNS = (
    "rank", "design_id", "edit", "edit_reason", "editor", "family", "split", "orientation",
    "edited_strand", "spacer_len", "window_pos", "context", "efficiency",
    "n_bystanders", "n_harmful", "p_harmful_bystander", "p_clean", "score",
    "offtarget_status", "offtarget_halfsite_hits", "offtarget_pair_hits",
    "strong_halfsites", "nuclear_halfsite_hits", "nuclear_pair_hits",
    "nuclear_strong_halfsites", "offtarget_editing", "contig",
    "left_start", "left_end", "left_pos0", "left_site", "left_rvds", "left_len",
    "spacer_start", "spacer_end", "spacer_seq",
    "right_start", "right_end", "right_pos0", "right_site", "right_rvds", "right_len",
    "target_consequence", "bystanders", "why",
)


#: Column headers of numbers from placeholder [U] window shapes (a built-in window table):
#: relative scores, not probabilities. ``score`` also carries [U] ranking weights.
UNCALIBRATED_HEADERS = {
    "efficiency": "efficiency_rel[U]",
    "p_harmful_bystander": "bystander_risk_rel[U]",
    "p_clean": "clean_score_rel[U]",
    "score": "score[U]",
}
CALIBRATED_HEADERS = {"score": "score[U]"}


def headers_for(res: BaseEditResult) -> dict[str, str]:
    """Column -> header: relative/[U] names unless a measured window table was loaded."""
    return CALIBRATED_HEADERS if res.calibrated else UNCALIBRATED_HEADERS


def design_row(d: BaseEditDesign, genome_fetch: Any | None = None) -> dict[str, Any]:
    pr = d.pair
    ot = d.offtarget
    terms = sorted((r for r in d.rules if r.kind == "score" and r.score),
                   key=lambda r: (-abs(r.score), r.rule))
    why = "; ".join(f"{r.rule} {r.score:+.3f}" for r in terms[:4])
    spacer_seq = genome_fetch(pr.contig, pr.spacer.start, pr.spacer.end, "+") \
        if genome_fetch is not None else ""
    return {
        "rank": d.rank,
        "design_id": d.design_id,
        "edit": d.edit.label,
        "edit_reason": d.edit.reason,
        "editor": d.editor.name,
        "family": d.editor.family,
        "split": d.editor.split,
        "orientation": d.editor.orientation,
        "edited_strand": "top" if d.edited_strand == "+" else "bottom",
        "spacer_len": d.spacer_bp,
        "window_pos": d.window_position,
        "context": d.context,
        "efficiency": round(d.efficiency, 4),
        "n_bystanders": len(d.bystanders),
        "n_harmful": d.n_harmful,
        "p_harmful_bystander": round(d.p_harmful_bystander, 4),
        "p_clean": round(d.p_clean, 4),
        "score": round(d.score, 4),
        "offtarget_status": ot.status,
        "offtarget_halfsite_hits": ot.halfsite_hits if ot.checked else None,
        "offtarget_pair_hits": ot.pair_hits if ot.checked else None,
        "strong_halfsites": ot.strong_halfsites if ot.checked else None,
        "nuclear_halfsite_hits": ot.nuclear_halfsite_hits if ot.nuclear_checked else None,
        "nuclear_pair_hits": ot.nuclear_pair_hits if ot.nuclear_checked else None,
        "nuclear_strong_halfsites": ot.nuclear_strong_halfsites if ot.nuclear_checked else None,
        "offtarget_editing": (" | ".join(e.summary() for e in ot.edits) if ot.edits
                              else ("none" if ot.checked else "not checked")),
        **pair_columns(pr, spacer_seq),
        "target_consequence": ";".join(c.short() for c in d.edit.consequences),
        "bystanders": " ".join(b.summary() for b in d.bystanders),
        "why": why,
    }


def header_lines(res: BaseEditResult) -> list[str]:
    g = res.provenance.get("genome") or {}
    ng = res.provenance.get("nuclear_genome") or {}
    lines = [
        f"taleforge {__version__} base-edit design ({res.mode})",
        f"genome: {g.get('name')} sha256:{str(g.get('sha256', ''))[:16]}",
    ]
    if ng:
        lines.append(f"nuclear genome: {ng.get('name')} sha256:{str(ng.get('sha256', ''))[:16]}")
    lines += [
        f"annotation: {res.provenance.get('annotation')}",
        f"window table: {res.window_table.name} v{res.window_table.version} "
        f"({res.window_table.source})",
        "edits: " + ", ".join(e.label for e in res.edits),
        "coordinates: 1-based inclusive; window_pos counted from the left-TALE end of the spacer",
        f"candidates: {res.n_candidates}; reported: {len(res.designs)}",
        ("numbers: efficiency and p_clean are probabilities (measured window table); "
         "score[U] adds placeholder ranking weights" if res.calibrated else
         "numbers: efficiency_rel[U], bystander_risk_rel[U], clean_score_rel[U] and score[U] "
         "are relative scores from placeholder window shapes, not probabilities"),
        "order: checked designs without a passing off-target pair (offtarget_status clean), "
        "then not checked, then with one; within each, the best design of each edit first",
        *(f"warning ({w.code}): {w.message}" for w in res.warnings if w.severity == "warning"),
        *(f"note: {n}" for n in res.notes),
    ]
    return lines


def _fetch_of(res: BaseEditResult, genome: Any | None) -> Any | None:
    if genome is None:
        return None
    return lambda c, s, e, st: genome.fetch(c, s, e, st)


def to_tsv_text(res: BaseEditResult, genome: Any | None = None) -> str:
    f = _fetch_of(res, genome)
    h = headers_for(res)
    rows = [{h.get(k, k): v for k, v in design_row(d, f).items()} for d in res.designs]
    return to_tsv(rows, tuple(h.get(c, c) for c in COLUMNS), header_lines(res))


def to_json_text(res: BaseEditResult, *, genome: Any | None = None,
                 command: str | None = None) -> str:
    f = _fetch_of(res, genome)
    body = res.as_dict(command)
    body["designs"] = [
        {**d.as_dict(), "row": design_row(d, f), "explanation": d.explain()}
        for d in res.designs
    ]
    return to_json(body)


def to_bed_text(res: BaseEditResult) -> str:
    items = [(f"{d.rank}_{d.editor.name}_{d.edit.label}", d.pair, 1000 * max(d.p_clean, 0.0))
             for d in res.designs]
    label = ",".join(e.label for e in res.edits[:3]) + ("..." if len(res.edits) > 3 else "")
    return pair_bed12(items, f"taleforge base-edit {label}")


def to_gff3_text(res: BaseEditResult, source: str = "taleforge") -> str:
    """Per design: an ``engineered_region`` with left/right ``binding_site`` children, the
    spacer ``region``, the target ``SNV`` and one ``SNV`` per bystander."""
    lines = ["##gff-version 3"]
    for d in res.designs:
        pr = d.pair
        pid = f"d{d.rank}"
        site = pr.site
        lines.append("\t".join([
            pr.contig, source, "engineered_region", str(site.start + 1), str(site.end),
            f"{d.score:.4g}", ".", ".",
            _gff_attr({"ID": pid, "Name": d.design_id, "rank": d.rank, "editor": d.editor.name,
                       "edit": d.edit.label, "efficiency": round(d.efficiency, 4),
                       "p_clean": round(d.p_clean, 4),
                       "numbers": "probability" if d.calibrated else "relative [U]",
                       "offtarget_status": d.offtarget.status}),
        ]))
        for tag, hs in (("left", pr.left), ("right", pr.right)):
            fp = hs.footprint
            lines.append("\t".join([
                pr.contig, source, "binding_site", str(fp.start + 1), str(fp.end), ".",
                fp.strand, ".",
                _gff_attr({"ID": f"{pid}.{tag}", "Parent": pid, "Name": f"{tag} TALE",
                           "rvds": hs.rvd_string(), "site": hs.pos0_base + hs.seq}),
            ]))
        lines.append("\t".join([
            pr.contig, source, "region", str(pr.spacer.start + 1), str(pr.spacer.end), ".",
            ".", ".", _gff_attr({"ID": f"{pid}.spacer", "Parent": pid, "Name": "spacer"}),
        ]))
        lines.append("\t".join([
            pr.contig, source, "SNV", str(d.edit.pos + 1), str(d.edit.pos + 1),
            f"{d.efficiency:.4g}", d.edited_strand, ".",
            _gff_attr({"ID": f"{pid}.target", "Parent": pid, "Name": d.edit.label,
                       "role": "target", "context": d.context,
                       "consequence": ";".join(c.short() for c in d.edit.consequences)}),
        ]))
        for i, b in enumerate(d.bystanders, start=1):
            lines.append("\t".join([
                pr.contig, source, "SNV", str(b.pos + 1), str(b.pos + 1),
                f"{b.probability:.4g}", b.strand, ".",
                _gff_attr({"ID": f"{pid}.bystander{i}", "Parent": pid, "Name": b.label,
                           "role": "bystander", "context": b.context,
                           "harmful": b.harmful,
                           "consequence": ";".join(c.short() for c in b.consequences)}),
            ]))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- window views


def _layout(d: BaseEditDesign, genome: Any) -> dict[str, Any]:
    """Per-column data of the site: base (top), role per strand."""
    pr = d.pair
    start, end = pr.left.pos0, pr.right.pos0 + 1
    top = genome.fetch(pr.contig, start, end, "+").upper()
    segs = [
        ("pos0", start, start + 1),
        ("left", pr.left.bound.start, pr.left.bound.end),
        ("spacer", pr.spacer.start, pr.spacer.end),
        ("right", pr.right.bound.start, pr.right.bound.end),
        ("pos0", pr.right.pos0, pr.right.pos0 + 1),
    ]
    win_top: set[int] = set()
    win_bot: set[int] = set()
    roles_top: dict[int, str] = {}
    roles_bot: dict[int, str] = {}
    for b in d.bystanders:
        (roles_top if b.strand == "+" else roles_bot)[b.pos] = "*"
    (roles_top if d.edited_strand == "+" else roles_bot)[d.edit.pos] = "^"
    for wp in d.window_top:
        win_top.add(pr.spacer.start + wp - 1)
    for wp in d.window_bottom:
        win_bot.add(pr.spacer.start + wp - 1)
    return {"top": top, "start": start, "segs": segs, "roles_top": roles_top,
            "roles_bot": roles_bot, "win_top": win_top, "win_bot": win_bot}


def _mark_line(lay: dict[str, Any], roles: dict[int, str], win: set[int]) -> list[str]:
    out: list[str] = []
    for k, (_, a, b) in enumerate(lay["segs"]):
        if k:
            out.append(" ")
        for g in range(a, b):
            out.append(roles.get(g, "-" if g in win else " "))
    return out


def _seq_line(lay: dict[str, Any], comp: bool) -> list[str]:
    top: str = lay["top"]
    s0: int = lay["start"]
    out: list[str] = []
    for k, (name, a, b) in enumerate(lay["segs"]):
        if k:
            out.append(" ")
        chunk = top[a - s0: b - s0]
        if comp:
            chunk = complement(chunk)
        out.extend(chunk.lower() if name == "spacer" else chunk)
    return out


def design_header(d: BaseEditDesign) -> str:
    pr = d.pair
    strand = "top" if d.edited_strand == "+" else "bottom"
    base = d.editor.ref_base
    return (
        f"#{d.rank} {d.editor.name}  {d.edit.label} ({base} on the {strand} strand, context "
        f"{d.context}, window position {d.window_position}/{d.spacer_bp})  "
        + (f"efficiency {d.efficiency:.3f}  P(clean) {d.p_clean:.3f}" if d.calibrated else
           f"relative efficiency {d.efficiency:.3f} [U]  clean score {d.p_clean:.3f} [U]")
        + f"  score {d.score:.3f} [U]  off-target: {d.offtarget.status}\n"
        f"   left TALE {pr.left.bound.to_1based_str()} ({pr.left.length} RVDs: "
        f"{pr.left.rvd_string()})\n"
        f"   right TALE {pr.right.bound.to_1based_str()} ({pr.right.length} RVDs: "
        f"{pr.right.rvd_string()})\n"
        f"   spacer {pr.spacer.to_1based_str()} ({d.spacer_bp} bp)"
    )


def design_text(d: BaseEditDesign, genome: Any) -> str:
    """Plain-text window of one design (both strands, marks under each)."""
    lay = _layout(d, genome)
    pad = "           "
    lines = [
        design_header(d),
        "top     5'-" + "".join(_seq_line(lay, False)) + "-3'",
        "edits   " + "   " + "".join(_mark_line(lay, lay["roles_top"], lay["win_top"])).rstrip(),
        "bottom  3'-" + "".join(_seq_line(lay, True)) + "-5'",
        "edits   " + "   " + "".join(_mark_line(lay, lay["roles_bot"], lay["win_bot"])).rstrip(),
        pad + "(pos0 left-TALE SPACER right-TALE pos0; ^ target, * bystander, - window)",
    ]
    lines.append(f"   target: {d.edit.label} " + (
        ";".join(c.short() for c in d.edit.consequences) or "intergenic"))
    for b in d.bystanders:
        lines.append(f"   bystander: {b.summary()}" + ("  HARMFUL" if b.harmful else ""))
    if not d.bystanders:
        lines.append("   bystanders: none")
    return "\n".join(lines)


def to_text_view(res: BaseEditResult, genome: Any, *, top: int | None = None) -> str:
    ds = res.designs[: top if top is not None else len(res.designs)]
    parts = ["\n".join(f"# {h}" for h in header_lines(res))]
    parts += [design_text(d, genome) for d in ds]
    return "\n\n".join(parts) + "\n"


_CSS = """
body{font-family:sans-serif;margin:1.5em}
pre{font-family:monospace;font-size:14px;line-height:1.35}
.tale{color:#1f4e9e;font-weight:bold}.sp{color:#333}
.win{background:#fff3b0}.tgt{background:#e0302a;color:#fff;font-weight:bold}
.bys{background:#f5a623;color:#000}.harm{outline:2px solid #a00}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}
"""


def _html_strand(lay: dict[str, Any], comp: bool, roles: dict[int, str], win: set[int],
                 harmful: set[int]) -> str:
    top: str = lay["top"]
    s0: int = lay["start"]
    out: list[str] = []
    for k, (name, a, b) in enumerate(lay["segs"]):
        if k:
            out.append(" ")
        for g in range(a, b):
            ch = top[g - s0]
            if comp:
                ch = complement(ch)
            cls = []
            if name in ("left", "right"):
                cls.append("tale")
            if g in win:
                cls.append("win")
            r = roles.get(g)
            if r == "^":
                cls.append("tgt")
            elif r == "*":
                cls.append("bys")
                if g in harmful:
                    cls.append("harm")
            ch = html.escape(ch.lower() if name == "spacer" else ch)
            out.append(f'<span class="{" ".join(cls)}">{ch}</span>' if cls else ch)
    return "".join(out)


def design_html(d: BaseEditDesign, genome: Any) -> str:
    lay = _layout(d, genome)
    harm_top = {b.pos for b in d.bystanders if b.harmful and b.strand == "+"}
    harm_bot = {b.pos for b in d.bystanders if b.harmful and b.strand == "-"}
    rows = "".join(
        f"<tr><td>{html.escape(b.label)}</td><td>{'top' if b.strand == '+' else 'bottom'}</td>"
        f"<td>{html.escape(b.context)}</td><td>{b.probability:.3f}</td>"
        f"<td>{'yes' if b.harmful else 'no'}</td>"
        f"<td>{html.escape(';'.join(c.short() for c in b.consequences))}</td></tr>"
        for b in d.bystanders
    )
    table = (
        "<table><tr><th>bystander</th><th>strand</th><th>context</th><th>p</th>"
        f"<th>harmful</th><th>consequence</th></tr>{rows}</table>" if rows
        else "<p>No bystanders in the window.</p>"
    )
    return (
        f"<section><h3>{html.escape(design_header(d).splitlines()[0])}</h3>"
        f"<pre>{html.escape(chr(10).join(design_header(d).splitlines()[1:]))}\n\n"
        "top    5'-" + _html_strand(lay, False, lay["roles_top"], lay["win_top"], harm_top)
        + "-3'\nbottom 3'-"
        + _html_strand(lay, True, lay["roles_bot"], lay["win_bot"], harm_bot) + "-5'</pre>"
        f"<p>Target: {html.escape(';'.join(c.short() for c in d.edit.consequences))}</p>"
        f"{table}</section>"
    )


def to_html_view(res: BaseEditResult, genome: Any, *, top: int | None = None) -> str:
    ds = res.designs[: top if top is not None else len(res.designs)]
    head = "<br>".join(html.escape(h) for h in header_lines(res))
    legend = ('<p>Legend: <span class="tale">TALE-bound</span> bases, '
              '<span class="win">editing window</span> (per strand), '
              '<span class="tgt">target</span>, <span class="bys">bystander</span>, '
              '<span class="bys harm">harmful bystander</span>; spacer in lower case.</p>')
    body = "\n".join(design_html(d, genome) for d in ds)
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        "<title>taleforge base-edit</title>"
        f"<style>{_CSS}</style></head><body><h2>taleforge base-edit</h2><p>{head}</p>"
        f"{legend}\n{body}\n</body></html>\n"
    )


# --------------------------------------------------------------------------- registry
# context keywords: genome (for sequences and views), command (JSON provenance)


@register("base-edit", "tsv", ext=(".tsv", ".txt"))
def _reg_tsv(res: BaseEditResult, *, genome: Any | None = None, **_: Any) -> str:
    """One row per design (the COLUMNS), # header lines."""
    return to_tsv_text(res, genome)


@register("base-edit", "json", ext=(".json",))
def _reg_json(res: BaseEditResult, *, genome: Any | None = None, command: str | None = None,
              **_: Any) -> str:
    """Provenance header, edits, and every design with its row and explanation."""
    return to_json_text(res, genome=genome, command=command)


@register("base-edit", "bed", ext=(".bed",))
def _reg_bed(res: BaseEditResult, **_: Any) -> str:
    """BED12 track: one line per pair."""
    return to_bed_text(res)


@register("base-edit", "gff3", ext=(".gff3", ".gff"))
def _reg_gff3(res: BaseEditResult, **_: Any) -> str:
    """GFF3: pairs, spacer, target SNV and bystander SNVs."""
    return to_gff3_text(res)


@register("base-edit", "html", ext=(".html",))
def _reg_html(res: BaseEditResult, *, genome: Any, **_: Any) -> str:
    """HTML view of each design's editing window."""
    return to_html_view(res, genome)


@register("base-edit", "text")
def _reg_text(res: BaseEditResult, *, genome: Any, **_: Any) -> str:
    """Text view of each design's editing window (--view)."""
    return to_text_view(res, genome)


@register("base-edit", "windows")
def _reg_windows(res: BaseEditResult, **_: Any) -> str:
    """The editor window table the run used (TSV)."""
    return str(res.window_table.to_tsv())

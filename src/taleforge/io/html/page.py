"""The page around the drawings: one self-contained HTML file (inline CSS and a few lines
of inline JS, nothing loaded from anywhere), with the warnings banner, the ranked table,
each design's rule-by-rule explanation, the off-target breakdown and the provenance block.

Everything is built from the job's JSON (the same dict ``--json`` writes), so the report
shows exactly what the files say; output is deterministic (no dates, no random ids)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from taleforge.io.html.svg import bar_chart, esc

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1100px;
padding:1em 1.5em;color:#1b1f24;line-height:1.4}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;border-bottom:1px solid #ddd;margin-top:1.6em}
h3{font-size:1.05em;margin:1.2em 0 .4em}
table{border-collapse:collapse;font-size:.85em;margin:.4em 0}
th,td{border:1px solid #d0d7de;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#f3f5f7;cursor:pointer}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.pass td.v{color:#1a7f37}tr.fail td.v{color:#cf222e}
.banner{border:1px solid #d4a72c;background:#fff8c5;padding:.5em 1em;border-radius:4px;margin:.6em 0}
.banner.warn{border-color:#cf222e;background:#ffebe9}.banner ul{margin:.2em 0;padding-left:1.2em}
.meta{color:#57606a;font-size:.9em}
pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.8em;overflow-x:auto}
details{margin:.3em 0}summary{cursor:pointer;font-weight:600}
.design{border:1px solid #d0d7de;border-radius:6px;padding:.4em 1em;margin:1em 0}
svg{max-width:100%;height:auto;font-family:system-ui,sans-serif}
svg text{font-size:10px;fill:#1b1f24}svg .ltitle{font-size:12px;font-weight:600}
svg .tick,svg .rlab,svg .clab,svg .cval{font-size:9px;fill:#57606a}
svg .ruler{stroke:#8c959f}svg .intron{stroke:#0969da;stroke-width:1.5}
svg .chev{fill:#fff;font-size:10px;font-weight:700}svg .exon{fill:#b6d4fe}svg .cds{fill:#0969da}
svg .arm.left{fill:#2da44e}svg .arm.right{fill:#8250df}svg .spacer{fill:#d0d7de}
svg .cut{stroke:#cf222e;stroke-width:2}svg .bar{fill:#0969da}svg .ctitle{font-weight:600}
svg .mk{fill:#57606a}svg .mk.variant{fill:#bf8700}svg .mk.target,svg .mk.edit{fill:#cf222e}
svg .mk.bystander{fill:#fb8500}svg .mk.blocking{fill:#1f6feb}svg .mk.enzyme{fill:#6e7781}
svg .mk.primer{fill:#1a7f37}svg .mk.amplicon{fill:#aceebb}
svg .mk.homology_arm{fill:#54aeff}svg .mk.cargo{fill:#2da44e}svg .mk.twoa{fill:#bf8700}
svg .mk.tale_site{fill:#1a7f37}svg .col{fill:#8c959f}svg .col.tgt{fill:#cf222e}
svg .col.bys{fill:#fb8500}svg .mk.polya{fill:#8250df}
.zoom pre{line-height:1.5}.zl{background:#aceebb}.zl0,.zr0{background:#ffd8b5;font-weight:700}
.zr{background:#d8b9ff}.zs{color:#57606a}.zcut{color:#cf222e;font-weight:700}
.zm{text-decoration:underline 2px #cf222e}
.legend span{padding:0 4px;margin-right:6px;border-radius:2px}
.charts{display:flex;flex-wrap:wrap;gap:1em}
.tale{background:#e6f4ea}.win{background:#fff2cc}.tgt{background:#ff9999;font-weight:bold}
.bys{background:#ffd966}.harm{outline:1px solid #c00}
"""

JS = """
document.querySelectorAll('table.sortable th').forEach(function(th){
th.addEventListener('click',function(){var t=th.closest('table'),b=t.tBodies[0],i=th.cellIndex;
var rows=Array.from(b.rows),asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';
rows.sort(function(a,c){var x=a.cells[i].textContent,y=c.cells[i].textContent;
var p=parseFloat(x),q=parseFloat(y);var r=(!isNaN(p)&&!isNaN(q))?p-q:x.localeCompare(y);
return asc?r:-r;});rows.forEach(function(r){b.appendChild(r);});});});
"""

_NUM = re.compile(r"^-?\d+(\.\d+)?([eE]-?\d+)?$")


def cell(v: Any) -> str:
    if v is None:
        return "<td></td>"
    if isinstance(v, bool):
        return f"<td>{'yes' if v else 'no'}</td>"
    if isinstance(v, float):
        return f'<td class="n">{esc(f"{v:.4g}")}</td>'
    if isinstance(v, int):
        return f'<td class="n">{v}</td>'
    if isinstance(v, (list, tuple)):
        return f"<td>{esc(', '.join(_short(x) for x in v))}</td>"
    if isinstance(v, Mapping):
        return f"<td>{esc(_short(v))}</td>"
    s = str(v)
    return f'<td class="n">{esc(s)}</td>' if _NUM.match(s) else f"<td>{esc(s)}</td>"


def _short(v: Any) -> str:
    if isinstance(v, Mapping):
        return "; ".join(f"{k}={_short(x)}" for k, x in v.items() if not isinstance(x, (list, Mapping)))
    return "" if v is None else str(v)


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, cls: str = "sortable",
          headers: Sequence[str] | None = None) -> str:
    head = "".join(f"<th>{esc(c)}</th>" for c in (headers or columns))
    body = "".join("<tr>" + "".join(cell(v) for v in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def dict_table(rows: Sequence[Mapping[str, Any]], *, limit: int = 50) -> str:
    if not rows:
        return ""
    cols: list[str] = []
    for r in rows[:limit]:
        cols += [k for k, v in r.items() if k not in cols and not isinstance(v, Mapping)]
    return table(cols, [[r.get(c) for c in cols] for r in rows[:limit]])


def banner(doc: Mapping[str, Any]) -> str:
    """Warnings (red) and notes (yellow) of the run and of each design."""
    warns: list[str] = []
    notes: list[str] = []
    for w in doc.get("warnings") or ():
        if isinstance(w, Mapping):
            (notes if w.get("code") == "note" else warns).append(str(w.get("message", "")))
        else:
            warns.append(str(w))
    for n in doc.get("notes") or ():
        if str(n) not in notes:
            notes.append(str(n))
    for d in doc.get("designs") or ():
        if isinstance(d, Mapping):
            for w in d.get("warnings") or ():
                msg = w.get("message", "") if isinstance(w, Mapping) else w
                warns.append(f"#{d.get('rank', '?')}: {msg}")
    out = ""
    if warns:
        out += ('<div class="banner warn" id="warnings"><b>Warnings</b><ul>'
                + "".join(f"<li>{esc(w)}</li>" for w in warns) + "</ul></div>")
    if notes:
        out += ('<div class="banner" id="notes"><b>Notes</b><ul>'
                + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul></div>")
    return out


def rules_table(rules: Sequence[Mapping[str, Any]]) -> str:
    """One design's rule-by-rule explanation (every RuleEval of the JSON design)."""
    rows = []
    for r in rules:
        ok = r.get("passed")
        cls = "pass" if ok else "fail" if ok is False else ""
        rows.append(
            f'<tr class="{cls} rule" data-rule="{esc(r.get("rule"))}"><td>{esc(r.get("rule"))}</td>'
            f"<td>{esc(r.get('kind'))}</td>"
            f"<td class=\"v\">{'pass' if ok else 'FAIL' if ok is False else ''}</td>"
            f"{cell(r.get('value'))}{cell(r.get('score'))}<td>{esc(r.get('reason'))}</td></tr>")
    return ('<table class="rules"><thead><tr><th>rule</th><th>kind</th><th>result</th>'
            "<th>value</th><th>score</th><th>reason</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def _counts(v: Any, default: str) -> list[tuple[str, float]]:
    """``"L:0;R:2"`` / ``"3"`` / ``{"L/R": 1}`` / ``{"L": [1, 0]}`` -> bars."""
    out: list[tuple[str, float]] = []
    if isinstance(v, Mapping):
        for k, x in v.items():
            if isinstance(x, bool):
                continue
            if isinstance(x, (int, float)):
                out.append((str(k), float(x)))
            elif isinstance(x, list) and all(isinstance(i, (int, float)) for i in x):
                out.append((str(k), float(sum(x))))
        return out
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return [(default, float(v))]
    if isinstance(v, str):
        for part in v.split(";"):
            k, _, x = part.rpartition(":")
            try:
                out.append((k or default, float(x)))
            except ValueError:
                continue
    return out


def offtarget_block(d: Mapping[str, Any], doc: Mapping[str, Any] | None = None) -> str:
    """Pairs and sites by class as small bar charts, and the closest sites (location, gene)."""
    charts: list[str] = []
    ot = d.get("offtarget")
    closest = ""
    bd = ot.get("breakdown") if isinstance(ot, Mapping) else None
    bd = bd if isinstance(bd, Mapping) else ot
    if isinstance(bd, Mapping) and "pairs_by_mismatches" in bd:
        # the per-design breakdown (design/second_cut.py): pairs by class, the closest pair
        pbm = [(f"{c.get('mismatches')} mm", float(c.get("count", 0)))
               for c in bd.get("pairs_by_mismatches") or ()]
        if pbm:
            charts.append(bar_chart("off-target pairs by total mismatches", pbm))
        cp = bd.get("closest_pair")
        if isinstance(cp, Mapping):
            mm = cp.get("mismatches") or {}
            gene = f" near {cp['nearest_gene']}" if cp.get("nearest_gene") else ""
            cons = f"; a second cut there risks {cp['consequence']}" if cp.get("consequence") else ""
            closest = (f'<p class="meta closest-pair">closest off-target pair: '
                       f"{esc(cp.get('contig'))}:{esc(cp.get('start'))}-{esc(cp.get('end'))} "
                       f"({esc(cp.get('orientation'))}, {esc(mm.get('up'))}+{esc(mm.get('down'))} "
                       f"mismatches){esc(gene)}{esc(cons)}; {esc(bd.get('n_second_cut_pairs', '?'))}"
                       f" second-cut pair(s) of {esc(bd.get('n_pairs'))} passing</p>")
    if isinstance(ot, Mapping):
        pairs = [(k.removesuffix("_hits").replace("_", " "), float(v)) for k, v in ot.items()
                 if k.endswith("_hits") and isinstance(v, (int, float)) and not isinstance(v, bool)]
        if pairs:
            charts.append(bar_chart("off-target hits", pairs))
    if "offtarget_pairs" in d:
        charts.append(bar_chart("off-target pairs", _counts(d.get("offtarget_pairs"), "pairs")))
    if "offtarget_sites" in d:
        charts.append(bar_chart("off-target sites by arm", _counts(d.get("offtarget_sites"), "sites")))
    top = d.get("offtarget_top_sites") or []
    if top:
        by_mm: dict[str, float] = {}
        for s in top:
            k = f"{s.get('role', '?')} {s.get('mismatches', '?')} mm"
            by_mm[k] = by_mm.get(k, 0) + 1
        charts.append(bar_chart("closest sites by arm and mismatches", sorted(by_mm.items())))
    if doc is not None:
        c = doc.get("counts") or {}
        for key, title in (("pairs_by_orientation", "pairs by orientation"),
                           ("sites_by_role", "sites by arm"),
                           ("pairs_by_mismatches", "pairs by class (all mismatches)"),
                           ("sites_by_mismatches", "sites by class (all mismatches)")):
            if key in c:
                charts.append(bar_chart(title, _counts(c[key], key)))
    if not charts and not top and not closest:
        spec = d.get("specificity")
        return ("" if spec is None else
                f'<p class="meta">specificity score {esc(spec)} (no site list in this job\'s output)</p>')
    out = '<div class="charts offtarget">' + "".join(charts) + "</div>" + closest
    if top:
        out += "<p>Closest off-target sites (location and gene from the annotation):</p>"
        out += dict_table([_site_row(s) for s in top])
    return out


def _site_row(s: Mapping[str, Any]) -> dict[str, Any]:
    row = dict(s)
    loc = row.pop("location", None)
    row["location"] = f"{s.get('contig')}:{s.get('start')}-{s.get('end')}({s.get('strand')})"
    if isinstance(loc, Mapping):
        row["gene"] = loc.get("gene") or loc.get("gene_name") or ""
        row["region"] = loc.get("region") or loc.get("kind") or ""
    elif loc is not None:
        row["gene"] = str(loc)
    return row


def provenance_block(doc: Mapping[str, Any]) -> str:
    p = doc.get("provenance") or {}
    rows = [("taleforge version", p.get("taleforge_version")), ("command", p.get("command"))]
    for key in ("genome", "annotation", "model"):
        v = p.get(key)
        if isinstance(v, Mapping):
            rows.append((key, " ".join(f"{k} {x}" for k, x in v.items())))
        else:
            rows.append((key, v))
    head = "".join(f"<tr><th>{esc(k)}</th><td><code>{esc(v)}</code></td></tr>" for k, v in rows)
    tables = "".join(
        f"<details><summary>{esc(t.get('name'))} v{esc(t.get('version'))}</summary>"
        + table(["parameter", "value"], [[k, v] for k, v in (t.get("values") or {}).items()], cls="params")
        + "</details>"
        for t in p.get("parameter_tables") or ())
    params = doc.get("parameters")
    ptab = ""
    if isinstance(params, Mapping):
        ptab = ("<details><summary>job parameters</summary>"
                + table(["parameter", "value"], [[k, json.dumps(v) if isinstance(v, (list, Mapping)) else v]
                                                 for k, v in params.items()], cls="params")
                + "</details>")
    return (f'<section id="provenance"><h2>Provenance</h2><table class="prov">{head}</table>'
            f"<h3>Parameter tables</h3>{tables}{ptab}</section>")


def page(title: str, subtitle: str, body: Sequence[str], *, extra_css: str = "") -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}{extra_css}</style></head>\n<body>"
        f'<h1>{esc(title)}</h1><p class="meta">{esc(subtitle)}</p>\n'
        + "\n".join(body)
        + f"\n<script>{JS}</script>\n</body></html>\n"
    )

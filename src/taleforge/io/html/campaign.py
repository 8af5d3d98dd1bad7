"""The campaign's ``index.html``: one self-contained page (the report CSS/JS inline, nothing
loaded from anywhere) with one row per target - status, best candidates, warnings, the
error of a failed row - linking to each target's own report (``targets/<id>/report.html``)
and files. Built from the same rows as ``summary.json``, so it says what the summary says;
deterministic (no dates, no timings: those are in ``campaign.log``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from taleforge.io.html.page import cell, page
from taleforge.io.html.svg import esc

EXTRA_CSS = """
td.st-done{color:#1a7f37;font-weight:600}td.st-failed{color:#cf222e;font-weight:600}
td.st-pending{color:#57606a}td ul{margin:0;padding-left:1.1em}td.err{color:#cf222e}
.counts span{margin-right:1.2em}
"""

COLUMNS = ("id", "job", "target", "status", "designs", "best candidates", "warnings", "files")


def _link(href: str, text: str) -> str:
    return f'<a href="{esc(quote(href))}">{esc(text)}</a>'


def _best_item(b: Mapping[str, Any]) -> str:
    where = b.get("cut") if b.get("cut") is not None else b.get("pair_id", b.get("left_start", ""))
    score = b.get("score")
    s = f"{score:.4g}" if isinstance(score, float) else ("" if score is None else str(score))
    return f"#{esc(b.get('rank', ''))} score {esc(s)} at {esc(where)}"


def _ul(items: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>" if items else ""


def index_html(srows: Sequence[Mapping[str, Any]], files: Mapping[str, Sequence[str]],
               facts: Mapping[str, Any], *, title: str = "Campaign") -> str:
    """The page: ``srows`` are the summary rows (``summary.json`` targets), ``files`` the
    file names of each finished target's folder (a ``report.html`` among them is linked
    from the id), ``facts`` the provenance shown under the title (taleforge version, genome
    name and sha256, annotation sha256, targets file)."""
    counts = {k: sum(1 for s in srows if s.get("status") == k) for k in ("done", "failed", "pending")}
    rows = []
    for s in srows:
        rid = str(s["id"])
        names = sorted(files.get(rid, ()))
        base = f"targets/{rid}/"
        ident = _link(base + "report.html", rid) if "report.html" in names else esc(rid)
        status = str(s.get("status", "pending"))
        best = _ul([_best_item(b) for b in s.get("best") or []])
        warns = [esc(w) for w in s.get("warnings") or []]
        if s.get("error"):
            warns.insert(0, f'<span class="err">{esc(s["error"])}</span>')
        links = ", ".join(_link(base + n, n) for n in names if n != "report.html")
        rows.append(
            f'<tr class="{esc(status)}"><td>{ident}</td><td>{esc(s.get("job", ""))}</td>'
            f'<td>{esc(s.get("target", ""))}</td><td class="st-{esc(status)}">{esc(status)}</td>'
            f'{cell(s.get("n_designs"))}<td>{best}</td><td>{_ul(warns)}</td><td>{links}</td></tr>')
    head = "".join(f"<th>{esc(c)}</th>" for c in COLUMNS)
    tab = (f'<table class="sortable" id="targets"><thead><tr>{head}</tr></thead>'
           f'<tbody>{"".join(rows)}</tbody></table>')
    cnt = ('<p class="counts">' + "".join(f"<span><b>{counts[k]}</b> {k}</span>" for k in counts)
           + f"<span>of <b>{len(srows)}</b> targets</span></p>")
    summary = ('<p class="meta">Files: ' + ", ".join(_link(n, n) for n in
               ("summary.tsv", "summary.json", "manifest.json")) + "</p>")
    prov = [("taleforge version", facts.get("taleforge_version")),
            ("targets file", facts.get("targets_file")),
            ("genome", f"{facts.get('genome_name')} sha256 {facts.get('genome_sha256')}"),
            ("annotation", f"{facts.get('annotation')} sha256 {facts.get('annotation_sha256')}")]
    prov_html = ('<section id="provenance"><h2>Provenance</h2><table class="prov">'
                 + "".join(f"<tr><th>{esc(k)}</th><td><code>{esc(v)}</code></td></tr>" for k, v in prov)
                 + "</table></section>")
    subtitle = (f"{len(srows)} targets on {facts.get('genome_name')}; each id links to the "
                "target's report")
    return page(title, subtitle, [cnt, tab, summary, prov_html], extra_css=EXTRA_CSS)

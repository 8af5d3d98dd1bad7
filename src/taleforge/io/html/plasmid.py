"""The assembly report (``report.html`` in a ``taleforge assemble`` folder): per TALEN an ORF
map (every part of the protein at its bp position, repeats labelled with their RVD, parts
with evidence [U] outlined, BsaI/BsmBI sites marked), for the kit route the circular
simulated product (the ORF's share of the product's bp) and the Golden Gate plan drawn as its
two steps, then the parts with their sources and the provenance.

Built from the ``assembly.json`` document (what the folder's files say); deterministic bytes,
SVG from :mod:`taleforge.io.html.svg`, nothing loaded from the network."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from taleforge.io.html.page import banner, page, provenance_block, table
from taleforge.io.html.svg import arrow_box, attrs, esc, line, num, rect, svg, text

WIDTH = 1000.0
KIND_CLASS = {"start": "p-start", "NLS": "p-nls", "tag": "p-tag", "N-term": "p-ntd", "repeat": "p-rep",
              "half-repeat": "p-rep half", "C-term": "p-ctd", "linker": "p-link", "FokI": "p-fok"}

PLASMID_CSS = """
svg .p-start{fill:#57606a}svg .p-nls{fill:#bf8700}svg .p-tag{fill:#fb8500}svg .p-ntd{fill:#54aeff}
svg .p-rep{fill:#2da44e}svg .p-rep.half{fill:#82cfa0}svg .p-ctd{fill:#8250df}svg .p-link{fill:#d0d7de}
svg .p-fok{fill:#cf222e}svg .unsourced{stroke:#1b1f24;stroke-width:1.5;stroke-dasharray:3 2}
svg .rvd{font-size:8px;fill:#fff;font-weight:600}svg .orf{fill:#eaeef2;stroke:#8c959f}
svg .site{stroke:#cf222e;stroke-width:2}svg .ring{fill:none;stroke:#d0d7de;stroke-width:14}
svg .ring-orf{fill:none;stroke:#0969da;stroke-width:14}svg .rxn{fill:#f6f8fa;stroke:#8c959f}
svg .rxn2{fill:#ddf4ff;stroke:#0969da}svg .flow{stroke:#8c959f;stroke-width:1.5}
"""


def _scale(n_bp: int, left: float = 20.0, right: float = 20.0) -> Any:
    span = WIDTH - left - right

    def x(bp: float) -> float:
        return left + span * bp / max(n_bp, 1)

    return x


def orf_map(c: Mapping[str, Any]) -> str:
    """Linear map of one construct's ORF: parts at their bp, RVD labels, Type IIS sites."""
    n = int(c["orf_bp"])
    x = _scale(n)
    body = [text(20, 14, f"{c['name']}: ORF {n:,} bp, {c['protein_aa']} aa, {c['n_rvds']} RVDs, {c['fok1']}",
                 cls="ltitle")]
    # ruler every 500 bp
    body.append(line(x(0), 30, x(n), 30, cls="ruler"))
    for bp in range(0, n + 1, 500):
        body.append(line(x(bp), 27, x(bp), 33, cls="ruler"))
        body.append(text(x(bp), 24, f"{bp:,}", cls="tick", anchor="middle"))
    body.append(arrow_box(x(0), x(n), 40, 12, "+", cls="orf", title=f"ORF 1-{n} ({c['orf_source']})"))
    y = 60.0
    for s in c["segments"]:
        a, b = 3 * (int(s["aa_start"]) - 1), 3 * int(s["aa_end"])
        cls = KIND_CLASS.get(s["kind"], "p-link") + (" unsourced" if s["evidence"] == "U" else "")
        body.append(rect(x(a), y, x(b) - x(a), 22, cls=cls,
                         title=f"{s['label']} [{s['evidence']}]: aa {s['aa_start']}-{s['aa_end']}, "
                               f"bp {a + 1}-{b}"))
        if s["kind"] in ("repeat", "half-repeat"):
            rvd = str(s["label"]).split()[-1]
            body.append(text((x(a) + x(b)) / 2, y + 14, rvd, cls="rvd", anchor="middle"))
    # part-kind labels under the track (first occurrence of each kind)
    seen: set[str] = set()
    for s in c["segments"]:
        if s["kind"] in seen or s["kind"] in ("start", "linker"):
            continue
        seen.add(s["kind"])
        a = 3 * (int(s["aa_start"]) - 1)
        row = (len(seen) - 1) % 2  # alternate rows so neighbouring short parts stay readable
        body.append(line(x(a), y + 22, x(a), y + 27 + 12 * row, cls="ruler"))
        body.append(text(x(a), y + 35 + 12 * row, s["kind"], cls="rlab"))
    for site in c.get("type_iis_sites") or ():
        name, pos = str(site[0]), int(site[1])
        body.append(line(x(pos), 36, x(pos), 56, cls="site"))
        body.append(text(x(pos), 120, name, cls="tick", anchor="middle"))
    return svg(WIDTH, 124, body, cls="orfmap", label=f"ORF map of {c['name']}")


def _arc(cx: float, cy: float, r: float, f0: float, f1: float) -> str:
    """An SVG arc path from fraction f0 to f1 of the circle (clockwise from the top)."""
    def pt(f: float) -> tuple[float, float]:
        t = 2 * math.pi * f - math.pi / 2
        return cx + r * math.cos(t), cy + r * math.sin(t)

    (x0, y0), (x1, y1) = pt(f0), pt(min(f1, f0 + 0.99999))
    large = 1 if f1 - f0 > 0.5 else 0
    return f"M {num(x0)} {num(y0)} A {num(r)} {num(r)} 0 {large} 1 {num(x1)} {num(y1)}"


def product_map(c: Mapping[str, Any], backbone: str) -> str:
    """The simulated circular product: its size and the ORF's share of it (drawn from the top,
    clockwise); the rest is the kit backbone as the in-silico model builds it."""
    sim = c["simulation"]
    total, orf = int(sim["product_bp"]), int(c["orf_bp"])
    cx, cy, r = 130.0, 130.0, 90.0
    body = [f'<circle {attrs(cx=num(cx), cy=num(cy), r=num(r), class_="ring")}><title>'
            f"{esc(backbone)} (in-silico backbone [U])</title></circle>",
            f'<path {attrs(d=_arc(cx, cy, r, 0.0, orf / total), class_="ring-orf")}><title>'
            f"TALEN ORF {orf:,} bp</title></path>",
            text(cx, cy - 6, f"{total:,} bp", anchor="middle", cls="ltitle"),
            text(cx, cy + 10, "simulated product", anchor="middle", cls="tick"),
            text(cx, cy + 24, "matches design" if sim["matches_design"] else "DOES NOT match design",
                 anchor="middle", cls="tick"),
            text(270, 40, f"ORF {orf:,} bp ({100 * orf / total:.0f} %)", cls="rlab"),
            text(270, 56, f"backbone: {backbone}", cls="rlab"),
            text(270, 72, "(the kit's real plasmid sequences are not shipped:", cls="tick"),
            text(270, 86, "in-silico plasmids following the kit's logic [U])", cls="tick")]
    return svg(560, 260, body, cls="plasmid", label=f"simulated product of {c['name']}")


def plan_map(c: Mapping[str, Any]) -> str:
    """The Golden Gate plan: step-1 array reactions feeding the step-2 reaction."""
    plan = list(c.get("plan") or ())
    sim = (c.get("simulation") or {}).get("array_fragments_bp") or {}
    s1 = [p for p in plan if p["step"] == 1]
    s2 = [p for p in plan if p["step"] == 2]
    w, h, gap = 220.0, 54.0, 16.0
    body = []
    for i, p in enumerate(s1):
        y = 10 + i * (h + gap)
        body.append(rect(10, y, w, h, cls="rxn", title=", ".join(p["parts"])))
        body.append(text(18, y + 16, f"step 1 · {p['reaction']} · {p['enzyme']}", cls="ltitle"))
        body.append(text(18, y + 32, f"repeats {p['repeats'][0]}-{p['repeats'][1]}: "
                                     f"{len(p['parts'])} modules", cls="rlab"))
        fb = sim.get(p["reaction"])
        body.append(text(18, y + 46, f"array {p['array_bp']:,} bp" + (f", simulated {fb:,} bp" if fb else ""),
                         cls="tick"))
        body.append(line(10 + w, y + h / 2, 300, 10 + h / 2, cls="flow"))
    for p in s2:
        y = 10.0
        body.append(rect(300, y, 390, h + 16, cls="rxn2", title=", ".join(p["parts"])))
        body.append(text(308, y + 16, f"step 2 · {p['enzyme']} · {p['reaction']}"[:60], cls="ltitle"))
        body.append(text(308, y + 32, "parts: " + ", ".join(p["parts"]), cls="rlab"))
        body.append(text(308, y + 48, f"repeats {p['repeats'][0]}-{p['repeats'][1]}, "
                                      f"array {p['array_bp']:,} bp; "
                                      f"product {c['simulation']['product_bp']:,} bp", cls="tick"))
    height = max(len(s1), 1) * (h + gap) + 10
    return svg(700, height, body, cls="plan", label=f"Golden Gate plan of {c['name']}")


def _segments_table(c: Mapping[str, Any]) -> str:
    rows = [[s["kind"], s["label"], f"{s['aa_start']}-{s['aa_end']}",
             f"{3 * (int(s['aa_start']) - 1) + 1}-{3 * int(s['aa_end'])}", s["evidence"]]
            for s in c["segments"]]
    return table(["kind", "part", "aa", "ORF bp", "evidence"], rows)


def assembly_report(doc: Mapping[str, Any]) -> str:
    """The whole report page of an assembly folder."""
    kit = doc.get("kit") or {}
    sub = (f"{doc['route']} · scaffold {doc['scaffold']} · FokI {doc['fok1']} · codons {doc['codons']} · "
           f"report written by taleforge {doc.get('taleforge_version', '')}")
    body: list[str] = [banner(doc)]
    if kit:
        body.append(f"<p><b>Kit</b>: {esc(kit.get('title'))} ({esc(kit.get('catalogue'))}); "
                    f"{esc(kit.get('source'))}</p>")
    backbone = "kit backbone"
    for c in doc["constructs"]:
        for p in c.get("plan") or ():
            if p["step"] == 2:
                backbone = str(p["reaction"])
    for c in doc["constructs"]:
        parts: list[str] = [f'<section class="design" id="construct-{esc(c["side"])}">'
                            f"<h2>{esc(c['side'])} TALEN: {esc(c['name'])}</h2>"
                            f"<p class=\"meta\">RVDs <code>{esc(c['rvds'])}</code></p>",
                            "<h3>ORF map</h3>", orf_map(c)]
        if c.get("simulation"):
            parts += ["<h3>Plasmid (simulated product)</h3>", product_map(c, backbone),
                      "<h3>Golden Gate plan</h3>", plan_map(c)]
        parts += ["<details><summary>parts in order</summary>", _segments_table(c), "</details></section>"]
        body.append("".join(parts))
    body.append("<h2>Parts and sources</h2>" + table(
        ["key", "kind", "label", "aa", "evidence", "source"],
        [[p["key"], p["kind"], p["label"], p["length_aa"], p["evidence"], p["source"]]
         for p in doc["parts"]]))
    body.append(provenance_block(doc))
    return page(f"taleforge assembly: {doc['name']}", sub, body, extra_css=PLASMID_CSS)

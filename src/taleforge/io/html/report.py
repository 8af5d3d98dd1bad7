"""Per-job sections of the HTML report and the one entry :func:`report_html`.

``report_html(job, result, doc)`` takes the job's JSON dict (``doc``, exactly what
``--json`` writes) and the result object (for what the JSON does not carry, such as the
gene model of a knockout or the base editor's window view)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from taleforge.io.html.locus import (
    Mark,
    PairGeometry,
    locus_svg,
    pair_geometry,
    with_marks,
    zoom_html,
)
from taleforge.io.html.page import (
    banner,
    dict_table,
    offtarget_block,
    page,
    provenance_block,
    rules_table,
    table,
)
from taleforge.io.html.svg import column_chart, esc, rect, svg, text

#: designs drawn in full (locus, zoom, rules, off-targets); the table lists them all
MAX_DRAWN = 20

TITLES = {"knockout": "TALEN knockout design", "offtarget": "Off-target analysis",
          "base-edit": "TALE base editors", "correction": "Point correction (TALEN + ssODN)",
          "knockin": "Knock-in donor design", "multiplex": "Multiplex TALEN set"}

_TABLE_SKIP = {"rules", "explanation", "row", "left", "right", "offtarget", "bystanders",
               "features", "blocking", "changes", "edited_sequence", "protein_consequences",
               "ssodn", "restriction_sites", "primers", "junction_primers", "warnings",
               "offtarget_top_sites", "left_rvds", "right_rvds", "spacer_seq", "left_site",
               "right_site", "protein_preview", "consequences", "candidate_edits"}


# ------------------------------------------------------------------ marks per job
def gene_marks(result: Any, annotation: Any = None, g: PairGeometry | None = None,
               names: Sequence[str] = ()) -> list[Mark]:
    """Exons and CDS (1-based inclusive) of the result's transcript, else of the
    annotation's transcript at the pair (one named in ``names`` first, then a coding one)."""
    target = getattr(result, "target", None)
    tx = getattr(target, "transcript", None) or getattr(result, "transcript", None)
    if not getattr(tx, "exons", None):
        tx = _annotated_transcript(annotation, g, names)
    exons = getattr(tx, "exons", None)
    if not exons:
        return []
    label = f"{getattr(tx, 'gene_name', '') or getattr(tx, 'id', '')} {getattr(tx, 'id', '')}"
    strand = str(getattr(tx, "strand", "+"))
    out = [Mark("exon", e.start + 1, e.end, f"{label} exon {i + 1}", strand)
           for i, e in enumerate(exons)]
    out += [Mark("cds", c.start + 1, c.end, f"{label} CDS", strand) for c in getattr(tx, "cds", ())]
    return out


def _annotated_transcript(annotation: Any, g: PairGeometry | None, names: Sequence[str]) -> Any:
    find = getattr(annotation, "transcripts_overlapping", None)
    if find is None or g is None:
        return None
    txs = find(g.contig, g.left_start - 1, g.right_end)
    mid = g.cut if g.cut is not None else (g.left_end + g.right_start) // 2
    at_cut = [t for t in txs if t.start < mid <= t.end]
    for pick in ([t for t in txs if t.id in names], [t for t in at_cut if t.cds], at_cut,
                 [t for t in txs if t.cds], txs):
        if pick:
            return pick[0]
    return None


def load_report_annotation(annotation: Any, doc: Mapping[str, Any]) -> Any:
    """The annotation to draw gene models from: an Annotation, a path, else the built-in
    genome's packaged one when the provenance names it; None when there is none."""
    if hasattr(annotation, "transcripts_overlapping"):
        return annotation
    from taleforge.genome.annotation import load_annotation

    if annotation is not None:
        return load_annotation(annotation)
    rec = (doc.get("provenance") or {}).get("annotation") or {}
    name = rec.get("name") if isinstance(rec, Mapping) else None
    if isinstance(name, str) and name.startswith("builtin:"):
        from taleforge.genome.index import BUILTIN_GENOMES

        b = BUILTIN_GENOMES.get(name)
        if b is not None and b.annotation.is_file():
            return load_annotation(b.annotation)
    return None


def _variant_marks(d: Mapping[str, Any]) -> list[Mark]:
    out = []
    for v in d.get("variants") or ():
        if isinstance(v, Mapping) and v.get("position") is not None:
            p = int(v["position"])
            out.append(Mark("variant", p, p, str(v.get("id") or v.get("label") or "")))
        elif isinstance(v, str):
            parts = v.split(":")
            if len(parts) >= 2 and parts[1].isdigit():
                out.append(Mark("variant", int(parts[1]), int(parts[1]), v))
    return out


def _primer_marks(d: Mapping[str, Any]) -> list[Mark]:
    out = []
    for p in d.get("primers") or ():
        s, e = p.get("amplicon_start"), p.get("amplicon_end")
        if s is not None and e is not None:
            s, e = int(s), int(e)
            fw, rv = len(p.get("forward") or ""), len(p.get("reverse") or "")
            out.append(Mark("amplicon", s, e, f"amplicon {p.get('product_bp', e - s + 1)} bp"))
            if fw:
                out.append(Mark("primer", s, s + fw - 1, f"forward {p.get('forward')}"))
            if rv:
                out.append(Mark("primer", e - rv + 1, e, f"reverse {p.get('reverse')}", "-"))
    return out


def marks_for(job: str, d: Mapping[str, Any]) -> list[Mark]:
    m = _variant_marks(d) + _primer_marks(d)
    if job == "base-edit":
        row = d.get("row") or {}
        edit = str(d.get("edit") or row.get("edit") or "")
        for e in (d.get("target"), ):
            if isinstance(e, Mapping) and e.get("position"):
                m.append(Mark("target", int(e["position"]), int(e["position"]), edit))
        if not any(x.kind == "target" for x in m):
            pos = _edit_pos(edit)
            if pos is not None:
                m.append(Mark("target", pos, pos, edit))
        for b in d.get("bystanders") or ():
            p = int(b["position"])
            m.append(Mark("bystander", p, p, f"{b.get('ref')}>{b.get('alt')} p={b.get('probability')}"
                          + (" harmful" if b.get("harmful") else "")))
    if job == "correction":
        for c in d.get("changes") or ():
            p = int(c["position"])
            kind = "edit" if c.get("kind") == "edit" else "blocking"
            m.append(Mark(kind, p, p, f"{c.get('from')}>{c.get('to')} ({c.get('kind')})"))
    if job == "knockin":
        for key, lab in (("left_arm", "left homology arm"), ("right_arm", "right homology arm")):
            a = d.get(key)
            if isinstance(a, Sequence) and len(a) == 2:
                m.append(Mark("amplicon", int(a[0]), int(a[1]), lab))
    return m


def enzyme_marks(d: Mapping[str, Any], g: PairGeometry, limit: int = 8) -> list[Mark]:
    """Where the design's genotyping enzymes (knockout ``enzymes``, correction
    ``restriction_sites``) recognise the drawn sequence (left position 0 .. right position 0)."""
    names = [str(e) for e in d.get("enzymes") or () if isinstance(e, str)]
    names += [str(r.get("enzyme")) for r in d.get("restriction_sites") or () if isinstance(r, Mapping)]
    if not names or not g.top_seq:
        return []
    from taleforge.design.restriction import _enzymes, _overlapping

    known = {n: (pat, size) for n, pat, size in _enzymes("all")}
    out: list[Mark] = []
    for name in dict.fromkeys(names):
        if name not in known or len(out) >= limit:
            continue
        pat, size = known[name]
        for m in _overlapping(pat, g.top_seq):
            s = g.left_start + m.start()
            out.append(Mark("enzyme", s, s + size - 1, name))
    return out


def _edit_pos(label: str) -> int | None:
    # chrM:3243A>G
    try:
        tail = label.split(":")[1]
    except IndexError:
        return None
    digits = "".join(ch for ch in tail if ch.isdigit() or ch == ",").replace(",", "")
    return int(digits) if digits else None


# ------------------------------------------------------------------ donor map / ssODN
def donor_map_svg(features: Sequence[Mapping[str, Any]], total: int, title: str) -> str:
    """The donor as written: arms, TALE sites, 2A, cargo, polyA, primers; one row per kind."""
    width, margin = 900.0, 90.0
    total = max(total, max([int(f.get("end", 0)) for f in features] + [1]))
    scale = (width - 2 * margin) / total
    kinds: list[str] = []
    for f in features:
        k = str(f.get("kind"))
        if k not in kinds:
            kinds.append(k)
    b = [text(margin, 14, title, cls="ltitle"),
         rect(margin, 24, total * scale, 4, cls="spacer", title=f"donor {total} bp"),
         text(margin + total * scale, 20, f"{total:,} bp", anchor="end", cls="tick")]
    for f in features:
        i = kinds.index(str(f.get("kind")))
        s, e = int(f.get("start", 1)), int(f.get("end", 1))
        y = 36 + 18 * i
        kind = str(f.get("kind")).lower().replace(" ", "_")
        cls = "mk " + ("twoa" if kind == "2a" else kind)
        b.append(rect(margin + (s - 1) * scale, y, (e - s + 1) * scale, 12, cls=cls,
                      title=f"{f.get('label')} {s}-{e} {f.get('note') or ''}".strip()))
    for i, k in enumerate(kinds):
        b.append(text(margin - 4, 46 + 18 * i, k, cls="rlab", anchor="end"))
    return svg(width, 44 + 18 * len(kinds), b, cls="donor", label=title)


def ssodn_block(ss: Sequence[Mapping[str, Any]]) -> str:
    if not ss:
        return ""
    rows = "".join(
        f"<h4>{esc(o.get('name'))} ({esc(o.get('strand'))}, {esc(o.get('length_nt'))} nt, "
        f"{esc(o.get('note'))})</h4><pre class=\"ssodn\">{esc(o.get('sequence'))}</pre>"
        f"<p class=\"meta\">order as (IDT, * = phosphorothioate):</p><pre>{esc(o.get('idt'))}</pre>"
        for o in ss)
    return f"<h4>ssODN</h4>{rows}"


# ------------------------------------------------------------------ the report
def design_label(d: Mapping[str, Any]) -> str:
    return str(d.get("design_id") or d.get("pair_id") or d.get("locus") or "")


def _table_columns(designs: Sequence[Mapping[str, Any]]) -> list[str]:
    cols: list[str] = []
    for d in designs:
        for k, v in d.items():
            if k not in cols and k not in _TABLE_SKIP and not isinstance(v, (Mapping, list)):
                cols.append(k)
    # rank first, then the evidence a scientist orders on (checked genome-wide, second cut)
    for k in ("second_cut", "checked", "rank"):
        if k in cols:
            cols.remove(k)
            cols.insert(0, k)
    return cols[:16]


def design_section(job: str, i: int, d: Mapping[str, Any], result: Any, doc: Mapping[str, Any],
                   *, genome: Any = None, annotation: Any = None,
                   extra: Callable[[int, Mapping[str, Any]], str] | None = None) -> str:
    rank = d.get("rank", d.get("design", i + 1))
    parts = [f'<section class="design" id="design-{i + 1}"><h3>#{esc(rank)} {esc(design_label(d))}</h3>']
    if d.get("why"):
        parts.append(f'<p class="meta">{esc(d["why"])}</p>')
    g = pair_geometry(d)
    if g is not None:
        genes = gene_marks(result, annotation, g, _tx_names(doc))
        g = with_marks(g, [*genes, *marks_for(job, d)], _top_seq(g, d, genome))
        g = with_marks(g, enzyme_marks(d, g))
        parts.append(locus_svg(g, title=f"{g.contig}:{g.left_start:,}-{g.right_end:,}"))
        parts.append(_legend())
        z = zoom_html(g)
        if z:
            parts.append("<h4>Base-level zoom</h4>" + z)
    if d.get("left_rvds") or d.get("right_rvds"):
        parts.append(table(["arm", "RVDs"], [["left", d.get("left_rvds")], ["right", d.get("right_rvds")]],
                           cls="rvds"))
    if d.get("rules"):
        parts.append("<h4>Rule by rule</h4>" + rules_table(d["rules"]))
    ot = offtarget_block(d)
    if ot:
        parts.append("<h4>Off-targets</h4>" + ot)
    if extra is not None:
        parts.append(extra(i, d))
    parts.append("</section>")
    return "".join(parts)


def _tx_names(doc: Mapping[str, Any]) -> tuple[str, ...]:
    names = doc.get("transcripts") or ()
    one = doc.get("transcript")
    return (*(str(n) for n in names), *((str(one),) if isinstance(one, str) else ()))


def _top_seq(g: PairGeometry, d: Mapping[str, Any], genome: Any) -> str:
    if g.top_seq:
        return ""
    es = d.get("edited_sequence")
    if isinstance(es, Mapping) and es.get("strand") == "+":
        s0 = int(es["start"])
        seq = str(es["sequence"]).upper()
        a, b = g.left_start - s0, g.right_end - s0 + 1
        if 0 <= a < b <= len(seq):
            return seq[a:b]
    fetch = getattr(genome, "fetch", None)
    if fetch is not None and g.contig:
        try:
            return str(fetch(g.contig, g.left_start - 1, g.right_end)).upper()
        except Exception:
            return ""
    return ""


def _legend() -> str:
    return ('<p class="legend meta"><span class="zl">left TALE</span><span class="zr">right TALE</span>'
            '<span class="zl0">position 0</span><span class="zs">spacer</span>'
            '<span class="zcut">| cut</span><span class="zm">marked base (hover for details)</span></p>')


def overview_svg(job: str, designs: Sequence[Mapping[str, Any]], result: Any,
                 annotation: Any = None, names: Sequence[str] = ()) -> str:
    """The gene (or the span of all designs) with every design on it; #1 drawn as arms."""
    geoms = [(d, pair_geometry(d)) for d in designs]
    geoms = [(d, g) for d, g in geoms if g is not None]
    if not geoms:
        return ""
    first = geoms[0][1]
    assert first is not None
    genes = gene_marks(result, annotation, first, names)
    if len(geoms) < 2 and not genes:
        return ""
    same = [(d, g) for d, g in geoms if g is not None and g.contig == first.contig]
    marks = [Mark("design", g.left_start, g.right_end, f"#{d.get('rank', '')} {design_label(d)}")
             for d, g in same if g is not None]
    lo = min([m.start for m in marks + genes])
    hi = max([m.end for m in marks + genes])
    pad = max(20, (hi - lo) // 50)
    g0 = with_marks(first, [*genes, *marks])
    return locus_svg(g0, title=f"{first.contig}:{lo:,}-{hi:,} ({len(marks)} designs; #1 as arms)",
                     view=(lo - pad, hi + pad))


def summary_block(job: str, doc: Mapping[str, Any]) -> str:
    rows: list[list[Any]] = []
    tgt = doc.get("target")
    if isinstance(tgt, Mapping):
        rows += [[k, v] for k, v in tgt.items()]
    for k in ("contig", "position", "correction", "gene", "transcript", "strand", "mode",
              "n_candidates", "n_passing_filters", "n_candidate_pairs", "n_sets_searched",
              "empty_reason", "left", "right", "coordinates"):
        v = doc.get(k)
        if v is not None and not isinstance(v, Mapping):
            rows.append([k, v])
    if isinstance(doc.get("target"), str):
        rows.insert(0, ["target", doc["target"]])
    rej = doc.get("rejection_counts") or doc.get("rejections") or {}
    out = table(["", ""], rows, cls="summary", headers=["field", "value"])
    if isinstance(rej, Mapping) and rej:
        out += "<h3>Candidates removed, by rule</h3>" + table(
            ["rule", "removed"], [[k, v] for k, v in rej.items() if not isinstance(v, Mapping)])
    return f'<section id="summary"><h2>Summary</h2>{out}</section>'


def report_html(job: str, result: Any, doc: Mapping[str, Any], *, genome: Any = None,
                annotation: Any = None) -> str:
    designs = [d for d in doc.get("designs") or () if isinstance(d, Mapping)]
    if job == "multiplex":
        designs = _multiplex_designs(designs, result)
    title = f"taleforge {job}"
    label = ""
    tgt = doc.get("target")
    if isinstance(tgt, Mapping):
        label = str(tgt.get("label") or "")
    elif isinstance(tgt, str):
        label = tgt
    label = label or str(doc.get("gene") or doc.get("correction") or "")
    if job == "base-edit":
        label = ", ".join(str(e.get("label")) for e in doc.get("candidate_edits") or () if e.get("designed"))
    body = [f"<p><b>{esc(TITLES.get(job, job))}</b>{': ' + esc(label) if label else ''}</p>",
            banner(doc), summary_block(job, doc)]
    extra: Callable[[int, Mapping[str, Any]], str] | None = None
    css = ""
    if job == "base-edit":
        extra, css = _base_edit_extra(result, genome)
    elif job == "correction":
        extra = _correction_extra
    elif job == "knockin":
        extra = _knockin_extra
    ann = load_report_annotation(annotation, doc)
    ov = overview_svg(job, designs, result, ann, _tx_names(doc))
    if ov:
        body.append(f'<section id="overview"><h2>Locus overview</h2>{ov}</section>')
    if designs:
        cols = _table_columns(designs)
        links = [[*(d.get(c) for c in cols)] for d in designs]
        body.append(f'<section id="designs"><h2>Ranked designs ({len(designs)})</h2>'
                    + table(cols, links) + "</section>")
        body.append('<section id="details"><h2>Each design</h2>')
        body += [design_section(job, i, d, result, doc, genome=genome, annotation=ann, extra=extra)
                 for i, d in enumerate(designs[:MAX_DRAWN])]
        if len(designs) > MAX_DRAWN:
            body.append(f'<p class="meta">{len(designs) - MAX_DRAWN} more designs in the table '
                        "and the JSON.</p>")
        body.append("</section>")
    if job == "offtarget":
        body.append(_offtarget_job(doc))
    if job == "multiplex":
        body.append(_multiplex_extra(doc))
    body.append(provenance_block(doc))
    return page(title + (f": {label}" if label else ""), "report written by taleforge "
                + str((doc.get("provenance") or {}).get("taleforge_version", "")), body,
                extra_css=css)


def _base_edit_extra(result: Any, genome: Any) -> tuple[Callable[[int, Mapping[str, Any]], str], str]:
    from taleforge.io import window_view as wv

    ds = list(getattr(result, "designs", ()))

    def extra(i: int, d: Mapping[str, Any]) -> str:
        if genome is None or i >= len(ds):
            return ""
        eff = d.get("efficiency")
        # probabilities only with a measured window table; placeholder shapes are relative [U]
        cal = bool(getattr(result, "calibrated", False))
        pc, ph = ("P(clean)", "P(harmful bystander)") if cal else (
            "clean score (relative [U])", "bystander risk (relative [U])")
        return ("<h4>Editing window (target and bystanders)</h4>"
                + efficiency_profile(ds[i], getattr(result, "window_table", None), d)
                + f'<p class="meta">efficiency{"" if cal else " (relative [U])"} {esc(eff)} '
                f'({esc(d.get("efficiency_source"))}); '
                f"{pc} {esc(d.get('p_clean'))}; "
                f"{ph} {esc(d.get('p_harmful_bystander'))}</p>"
                + wv.design_html(ds[i], genome)
                + (dict_table(list(d.get("bystanders") or ())) if d.get("bystanders") else ""))

    return extra, ""


def efficiency_profile(design: Any, table: Any, d: Mapping[str, Any]) -> str:
    """The editor's window on the edited strand as a column chart (efficiency per spacer
    position, from the run's window table; the target red, bystanders orange)."""
    rows = getattr(table, "rows", None)
    e = getattr(design, "editor", None)
    if not rows or e is None:
        return ""
    strand = "top" if getattr(design, "edited_strand", "+") == "+" else "bottom"
    spacer = len(design.pair.spacer)
    best: dict[int, float] = {}
    for r in rows:
        if (r.family, r.split, r.spacer_bp, r.strand) == (e.family, e.split, spacer, strand) \
                and r.orientation in (e.orientation, "*") and r.context in (design.context, "*"):
            best[r.position] = max(best.get(r.position, 0.0), float(r.efficiency))
    if not best:
        return ""
    byst = {int(b.get("window_position") or 0) for b in d.get("bystanders") or ()
            if b.get("edited_strand") == design.edited_strand}
    cols = [(p, best.get(p, 0.0),
             "tgt" if p == design.window_position else "bys" if p in byst else "")
            for p in range(1, spacer + 1)]
    return column_chart(f"{e.name} efficiency by spacer position ({strand} strand, "
                        f"{spacer}-bp spacer)", cols, width=520)


def _correction_extra(i: int, d: Mapping[str, Any]) -> str:
    out = []
    if d.get("changes"):
        out.append("<h4>Edit and blocking mutations</h4>" + dict_table(list(d["changes"])))
    bl = d.get("blocking") or {}
    if bl.get("mutations"):
        out.append(dict_table(list(bl["mutations"])))
    out.append(ssodn_block(list(d.get("ssodn") or ())))
    if d.get("protein_consequences"):
        out.append("<h4>Protein consequences</h4>" + dict_table(
            [c if isinstance(c, Mapping) else {"consequence": c} for c in d["protein_consequences"]]))
    if d.get("restriction_sites"):
        out.append("<h4>Restriction sites (genotyping)</h4>" + dict_table(list(d["restriction_sites"])))
    if d.get("primers"):
        out.append("<h4>Primers</h4>" + dict_table(list(d["primers"])))
    return "".join(out)


def _knockin_extra(i: int, d: Mapping[str, Any]) -> str:
    out = []
    feats = list(d.get("features") or ())
    if feats:
        out.append("<h4>Donor map</h4>" + donor_map_svg(feats, int(d.get("donor_bp") or 0),
                                                         f"donor {d.get('donor_bp')} bp")
                   + dict_table(feats))
    bl = d.get("blocking") or {}
    if bl:
        out.append("<h4>Blocking</h4>" + table(
            ["", ""], [[k, v] for k, v in bl.items() if not isinstance(v, Mapping)],
            headers=["field", "value"]))
    if d.get("protein_preview"):
        out.append(f"<h4>Protein preview</h4><pre>{esc(d['protein_preview'])}</pre>")
    for key, t in (("primers", "Genotyping primers"), ("junction_primers", "Junction primers")):
        if d.get(key):
            out.append(f"<h4>{t}</h4>" + dict_table(list(d[key])))
    return "".join(out)


def _offtarget_job(doc: Mapping[str, Any]) -> str:
    out = ['<section id="offtargets"><h2>Off-target sites</h2>', offtarget_block({}, doc)]
    if doc.get("pair_scores"):
        out.append("<h3>On-target scores</h3>" + dict_table(
            [{"id": p.get("id"), **{f"{s}_{k}": v for s in ("site1", "site2")
                                    for k, v in (p.get(s) or {}).items()}} for p in doc["pair_scores"]]))
    rows = doc.get("rows") or []
    if rows:
        out.append(f"<h3>Closest sites ({len(rows)} records; first 50)</h3>" + dict_table(list(rows)))
    else:
        out.append('<p class="meta">No off-target record.</p>')
    out.append("</section>")
    return "".join(out)


def _multiplex_designs(rows: Sequence[Mapping[str, Any]], result: Any) -> list[Mapping[str, Any]]:
    """The JSON rows of a multiplex set with each locus design's rules (its knockout rules
    and its specificity terms from the set's search), taken from the result."""
    cands = list(getattr(result, "designs", ()))
    out: list[Mapping[str, Any]] = []
    for i, row in enumerate(rows):
        c = cands[i] if i < len(cands) else None
        rules = [*(getattr(getattr(c, "design", None), "rules", None) or ()),
                 *(getattr(c, "spec_rules", None) or ())]
        out.append({**row, "rules": [r.as_dict() for r in rules]} if rules else row)
    return out


def _multiplex_extra(doc: Mapping[str, Any]) -> str:
    out = ['<section id="set"><h2>The set</h2>']
    ch = doc.get("chosen")
    if isinstance(ch, Mapping):
        out.append(table(["", ""], [[k, v] for k, v in ch.items() if not isinstance(v, (Mapping, list))],
                         headers=["field", "value"]))
        if ch.get("rules"):
            out.append("<h3>Set score, rule by rule</h3>" + rules_table(list(ch["rules"])))
    if doc.get("tales"):
        out.append("<h3>TALEs</h3>" + dict_table(list(doc["tales"])))
    cp = doc.get("cross_pairs") or []
    out.append(f"<h3>Cross-talk pairs ({len(cp)})</h3>" + (dict_table(list(cp)) if cp else
                                                          '<p class="meta">none</p>'))
    if doc.get("assays"):
        out.append("<h3>Junction assays</h3>" + dict_table(list(doc["assays"])))
    out.append("</section>")
    return "".join(out)

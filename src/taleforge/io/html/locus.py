"""The drawn locus of one design: gene model (exons, CDS, strand), both TALE arms, spacer
and cut, variants, primers, restriction sites, blocking mutations and bystanders; and the
base-level zoom (the sequence with the half-sites marked).

Every job's JSON design is first brought to one :class:`PairGeometry` (1-based inclusive,
+ strand of the genome), whatever the job's key names."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from taleforge.io.html.svg import arrow_box, esc, line, rect, svg, text

_SITE = re.compile(r"^(?P<contig>\S+):(?P<s>\d+)-(?P<e>\d+)\((?P<strand>[+-])\)\s+(?P<seq>[ACGTNacgtn]+)$")
_COMP = str.maketrans("ACGTNacgtn", "TGCANtgcan")


def revcomp(s: str) -> str:
    return s.translate(_COMP)[::-1]


@dataclass(frozen=True)
class Mark:
    """A feature drawn on the locus: ``kind`` picks the track and colour."""

    kind: str  # exon, cds, variant, primer, amplicon, enzyme, blocking, bystander, target, edit
    start: int
    end: int
    label: str = ""
    strand: str = "+"


@dataclass(frozen=True)
class PairGeometry:
    """One TALEN pair on the genome, 1-based inclusive: footprints include position 0."""

    contig: str
    left_start: int  # position 0 of the left half-site
    left_end: int
    right_start: int
    right_end: int  # position 0 of the right half-site
    cut: int | None
    top_seq: str = ""  # + strand sequence from left_start to right_end ("" if unknown)
    marks: tuple[Mark, ...] = field(default_factory=tuple)

    @property
    def spacer(self) -> tuple[int, int]:
        return self.left_end + 1, self.right_start - 1


def _int(v: Any) -> int | None:
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def pair_geometry(d: Mapping[str, Any]) -> PairGeometry | None:
    """The pair of a JSON design row of any job (None when the row has no pair)."""
    row: Mapping[str, Any] = d.get("row") if isinstance(d.get("row"), Mapping) else d  # type: ignore[assignment]
    if _int(row.get("left_start")) is not None and _int(row.get("right_end")) is not None:
        ls = _int(row.get("left_pos0")) or int(row["left_start"]) - 1
        re_ = _int(row.get("right_pos0")) or int(row["right_end"]) + 1
        le, rs = int(row["left_end"]), int(row["right_start"])
        seq = ""
        lsite, rsite, sp = row.get("left_site"), row.get("right_site"), row.get("spacer_seq")
        if isinstance(lsite, str) and isinstance(rsite, str) and isinstance(sp, str):
            cand = lsite + sp + revcomp(rsite)
            if len(cand) == re_ - ls + 1:
                seq = cand.upper()
        cut = _int(row.get("cut"))
        return PairGeometry(str(row.get("contig", "")), ls, le, rs, re_, cut, seq)
    lsite, rsite = d.get("left_site"), d.get("right_site")
    if isinstance(lsite, str) and isinstance(rsite, str):
        ml, mr = _SITE.match(lsite.strip()), _SITE.match(rsite.strip())
        if ml and mr:
            between = d.get("cut_between") or d.get("insertion_between")
            cut = int(between[0]) if isinstance(between, Sequence) and between else None
            return PairGeometry(ml["contig"], int(ml["s"]) - 1, int(ml["e"]), int(mr["s"]),
                                int(mr["e"]) + 1, cut)
    return None


def with_marks(g: PairGeometry, marks: Sequence[Mark], top_seq: str = "") -> PairGeometry:
    return PairGeometry(g.contig, g.left_start, g.left_end, g.right_start, g.right_end, g.cut,
                        top_seq or g.top_seq, (*g.marks, *marks))


# ------------------------------------------------------------------ drawing
WIDTH = 900.0
MARGIN = 70.0
_TRACK_Y = {"gene": 56.0, "tale": 90.0, "marks": 132.0}
_MARK_ROWS = ("design", "variant", "target", "edit", "bystander", "blocking", "enzyme", "primer", "amplicon")


def locus_svg(g: PairGeometry, *, title: str, view: tuple[int, int] | None = None) -> str:
    """The locus: a ruler, the gene model, both arms (arrows), spacer and cut, and one row
    per kind of mark. ``view`` (1-based inclusive) defaults to the pair ± 60 bp and every
    mark."""
    lo, hi = view or (g.left_start - 60, g.right_end + 60)
    for m in g.marks:
        if m.kind not in ("exon", "cds"):
            lo, hi = min(lo, m.start), max(hi, m.end)
    lo = max(1, lo)
    span = max(1, hi - lo + 1)
    scale = (WIDTH - 2 * MARGIN) / span

    def x(pos: float) -> float:  # left edge of base ``pos``
        return MARGIN + (pos - lo) * scale

    kinds = [k for k in _MARK_ROWS if any(m.kind == k for m in g.marks)]
    height = _TRACK_Y["marks"] + 18 * len(kinds) + 24
    b: list[str] = [text(MARGIN, 14, title, cls="ltitle")]
    # ruler
    b.append(line(x(lo), 38, x(hi + 1), 38, cls="ruler"))
    step = _nice_step(span)
    first = ((lo + step - 1) // step) * step
    for p in range(first, hi + 1, step):
        b.append(line(x(p), 35, x(p), 41, cls="ruler"))
        b.append(text(x(p), 32, f"{p:,}", cls="tick", anchor="middle"))
    # gene model
    exons = [m for m in g.marks if m.kind == "exon"]
    cds = [m for m in g.marks if m.kind == "cds"]
    gy = _TRACK_Y["gene"]
    if exons:
        s0, e0 = max(lo, min(m.start for m in exons)), min(hi, max(m.end for m in exons))
        b.append(line(x(s0), gy + 8, x(e0 + 1), gy + 8, cls="intron"))
        strand = exons[0].strand
        for m in exons:
            if m.end >= lo and m.start <= hi:
                b.append(rect(x(max(m.start, lo)), gy + 3, (min(m.end, hi) - max(m.start, lo) + 1) * scale,
                              10, cls="exon", title=m.label))
        for m in cds:
            if m.end >= lo and m.start <= hi:
                b.append(rect(x(max(m.start, lo)), gy, (min(m.end, hi) - max(m.start, lo) + 1) * scale,
                              16, cls="cds", title=m.label))
        for p in range(s0 + step // 2, e0, max(step, 1)):
            b.append(text(x(p), gy + 12, ">" if strand == "+" else "<", cls="chev",
                          anchor="middle"))
        arrow = "\u2192" if strand == "+" else "\u2190"
        b.append(text(x(s0), gy - 3, f"{exons[0].label.rsplit(' exon', 1)[0]} ({strand} strand {arrow})",
                      cls="glab"))
    # TALE arms, spacer, cut
    ty = _TRACK_Y["tale"]
    ls, le, rs, re_ = g.left_start, g.left_end, g.right_start, g.right_end
    b.append(arrow_box(x(ls), x(le + 1), ty, 16, "+", cls="arm left",
                       title=f"left TALE {ls}-{le}", data_start=ls, data_end=le))
    if rs > le + 1:
        b.append(rect(x(le + 1), ty + 5, (rs - le - 1) * scale, 6, cls="spacer",
                      title=f"spacer {le + 1}-{rs - 1} ({rs - le - 1} bp)"))
    b.append(arrow_box(x(rs), x(re_ + 1), ty, 16, "-", cls="arm right",
                       title=f"right TALE {rs}-{re_}", data_start=rs, data_end=re_))
    if g.cut is not None:
        b.append(line(x(g.cut + 1), ty - 6, x(g.cut + 1), ty + 22, cls="cut"))
        b.append(text(x(g.cut + 1), ty + 32, f"cut {g.cut}|{g.cut + 1}", cls="tick",
                      anchor="middle"))
    # marks
    for i, k in enumerate(kinds):
        y = _TRACK_Y["marks"] + 18 * i
        b.append(text(MARGIN - 4, y + 10, k, cls="rlab", anchor="end"))
        for m in (m for m in g.marks if m.kind == k):
            w = max((m.end - m.start + 1) * scale, 2.0)
            b.append(rect(x(m.start), y, w, 12, cls=f"mk {k}",
                          title=f"{m.label} {m.start}" + (f"-{m.end}" if m.end != m.start else "")))
    return svg(WIDTH, height, b, cls="locus", label=title)


def _nice_step(span: int) -> int:
    for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000):
        if span / s <= 10:
            return s
    return 100000


def zoom_html(g: PairGeometry) -> str:
    """The base-level zoom: the + strand from left position 0 to right position 0, the
    half-sites marked (upper case, coloured), the spacer in lower case, the cut as ``|``
    and point marks (variants, blocking mutations, bystanders, the target) underlined."""
    if not g.top_seq:
        return ""
    points = {m.start: m for m in g.marks if m.start == m.end and m.kind not in ("exon", "cds")}
    out: list[str] = []
    for i, ch in enumerate(g.top_seq):
        pos = g.left_start + i
        if pos <= g.left_end:
            cls = "zl0" if pos == g.left_start else "zl"
        elif pos >= g.right_start:
            cls = "zr0" if pos == g.right_end else "zr"
        else:
            cls = "zs"
            ch = ch.lower()
        m = points.get(pos)
        title = f' title="{esc(f"{pos} {m.kind} {m.label}")}"' if m else f' title="{pos}"'
        extra = f" zm {m.kind}" if m else ""
        out.append(f'<span class="{cls}{extra}"{title}>{esc(ch)}</span>')
        if g.cut is not None and pos == g.cut:
            out.append('<span class="zcut">|</span>')
    bottom = esc(g.top_seq.translate(_COMP))
    return (f'<div class="zoom"><div class="zpos">{esc(g.contig)}:{g.left_start:,}</div>'
            f"<pre>5' {''.join(out)} 3'\n3' {bottom} 5'</pre></div>")

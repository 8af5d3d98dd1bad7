"""SVG primitives for the HTML reports: escaped text, rectangles, arrows, a fixed number
format, so the same drawing always gives the same bytes (no ids from counters or clocks)."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence


def esc(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def num(x: float) -> str:
    """A coordinate with at most 2 decimals and no trailing zeros (deterministic)."""
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def attrs(**kw: object) -> str:
    out = []
    for k, v in kw.items():
        if v is None:
            continue
        name = k.rstrip("_").replace("_", "-")
        val = num(v) if isinstance(v, float) else str(v)
        out.append(f'{name}="{esc(val)}"')
    return " ".join(out)


def rect(x: float, y: float, w: float, h: float, *, cls: str = "", title: str = "",
         **kw: object) -> str:
    a = attrs(x=float(x), y=float(y), width=float(max(w, 0.5)), height=float(h),
              class_=cls or None, **kw)
    if title:
        return f"<rect {a}><title>{esc(title)}</title></rect>"
    return f"<rect {a}/>"


def line(x1: float, y1: float, x2: float, y2: float, *, cls: str = "", **kw: object) -> str:
    a = attrs(x1=float(x1), y1=float(y1), x2=float(x2), y2=float(y2), class_=cls or None, **kw)
    return f"<line {a}/>"


def text(x: float, y: float, s: object, *, cls: str = "", anchor: str = "start",
         **kw: object) -> str:
    return (f"<text {attrs(x=float(x), y=float(y), class_=cls or None, text_anchor=anchor, **kw)}>"
            f"{esc(s)}</text>")


def polygon(points: Iterable[tuple[float, float]], *, cls: str = "", title: str = "",
            **kw: object) -> str:
    pts = " ".join(f"{num(x)},{num(y)}" for x, y in points)
    a = attrs(points=pts, class_=cls or None, **kw)
    if title:
        return f"<polygon {a}><title>{esc(title)}</title></polygon>"
    return f"<polygon {a}/>"


def arrow_box(x0: float, x1: float, y: float, h: float, strand: str, *, cls: str,
              title: str = "", **kw: object) -> str:
    """A box from x0 to x1 with a point on its 3' end (strand ``+``: right, ``-``: left)."""
    x0, x1 = min(x0, x1), max(x0, x1)
    tip = min(h / 2, (x1 - x0) / 2)
    if strand == "-":
        pts = [(x0, y + h / 2), (x0 + tip, y), (x1, y), (x1, y + h), (x0 + tip, y + h)]
    else:
        pts = [(x0, y), (x1 - tip, y), (x1, y + h / 2), (x1 - tip, y + h), (x0, y + h)]
    return polygon(pts, cls=cls, title=title, **kw)


def svg(width: float, height: float, body: Sequence[str], *, cls: str = "", label: str = "",
        **kw: object) -> str:
    a = attrs(width=float(width), height=float(height),
              viewBox=f"0 0 {num(width)} {num(height)}", class_=cls or None, role="img",
              aria_label=label or None, **kw)
    return f"<svg {a}>" + "".join(body) + "</svg>"


def bar_chart(title: str, bars: Sequence[tuple[str, float]], *, width: float = 260,
              cls: str = "bars") -> str:
    """A small horizontal bar chart: one bar per (label, value)."""
    bh, gap, lw = 14.0, 4.0, 90.0
    h = 18 + len(bars) * (bh + gap)
    top = max([v for _, v in bars] + [1.0])
    body = [text(0, 12, title, cls="ctitle")]
    for i, (lab, v) in enumerate(bars):
        y = 18 + i * (bh + gap)
        w = (width - lw - 40) * (v / top)
        body.append(text(lw - 4, y + bh - 3, lab, anchor="end", cls="clab"))
        body.append(rect(lw, y, w if v else 0.5, bh, cls="bar", title=f"{lab}: {v:g}"))
        body.append(text(lw + w + 4, y + bh - 3, f"{v:g}", cls="cval"))
    return svg(width, h, body, cls=cls, label=title)


def column_chart(title: str, cols: Sequence[tuple[int, float, str]], *, width: float = 420,
                 height: float = 120, cls: str = "profile") -> str:
    """A small column chart: one column per (x label, value 0..1, extra class)."""
    n = max(len(cols), 1)
    left, bottom, top = 30.0, 18.0, 18.0
    cw = (width - left - 4) / n
    ph = height - bottom - top
    body = [text(0, 12, title, cls="ctitle"), line(left, top + ph, width - 4, top + ph, cls="ruler"),
            text(left - 3, top + 8, "1", anchor="end", cls="tick"),
            text(left - 3, top + ph, "0", anchor="end", cls="tick")]
    for i, (lab, v, extra) in enumerate(cols):
        h = ph * max(0.0, min(1.0, v))
        x = left + i * cw
        body.append(rect(x + 1, top + ph - h, cw - 2, h, cls=("col " + extra).strip(),
                         title=f"position {lab}: {v:.3g}"))
        body.append(text(x + cw / 2, height - 5, lab, anchor="middle", cls="tick"))
    return svg(width, height, body, cls=cls, label=title)

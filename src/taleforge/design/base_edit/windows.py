"""Editing windows: which editor can make an edit on which strand and context, every TALE
pair that puts the target in a window (window table lookup), and the bystanders in it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from taleforge.design.base_edit.model import Bystander, Candidate, EditorRejection, EditRequest, _comp
from taleforge.design.base_edit.params import BaseEditParams
from taleforge.design.consequence import (
    Consequence,
    ConsequenceCaller,
)
from taleforge.design.pairs import enumerate_pairs
from taleforge.errors import InputError, RegionError
from taleforge.model.editors import (
    EditorSpec,
    WindowTable,
)
from taleforge.model.scaffold import custom_scaffold

if TYPE_CHECKING:
    from taleforge.genome.index import Genome

_HARMFUL = frozenset({"high", "moderate"})


def _check_edit(genome: Genome, contig: str, pos: int, to: str,
                given_ref: str | None = None) -> tuple[str, str]:
    n = genome.contig_length(contig)
    canon = genome.packed.names[genome.packed.contig_index(contig)]
    if not 0 <= pos < n:
        raise RegionError(
            f"position {pos + 1} is outside {canon} (1-{n:,})",
            hint=f"give a 1-based position between 1 and {n}",
        )
    to = to.upper()
    if to not in ("A", "C", "G", "T"):
        raise InputError(f"target base {to!r} is not A, C, G or T", hint="use --to A|C|G|T")
    ref = genome.fetch(canon, pos, pos + 1).upper()
    if ref not in "ACGT":
        raise InputError(
            f"the reference base at {canon}:{pos + 1} is {ref!r} (unknown)",
            hint="choose a position with a defined A/C/G/T reference base",
        )
    if given_ref is not None and given_ref != ref:
        raise InputError(
            f"variant says {given_ref} at {canon}:{pos + 1} but the reference has {ref}",
            hint="check the genome build and the coordinate (1-based, + strand)",
        )
    if ref == to:
        raise InputError(
            f"the requested base {to} equals the reference at {canon}:{pos + 1}",
            hint="give the base you want after editing (--to), different from the reference",
        )
    return canon, ref


@dataclass(frozen=True)
class _Ctx:
    genome: Genome
    table: WindowTable
    editors: tuple[EditorSpec, ...]
    params: BaseEditParams
    caller: ConsequenceCaller
    knockout_gene: frozenset[str] | None  # upper-case name and id of the knocked-out gene


def _strand_view(seq: str, i: int, strand: str) -> tuple[str, str, str, str]:
    """(base, 5' neighbour, 3' neighbour, 2nd base 5') of local index ``i`` read on
    ``strand`` ('+' or '-'); out-of-range neighbours are N."""
    def at(k: int) -> str:
        return seq[k].upper() if 0 <= k < len(seq) else "N"
    if strand == "+":
        return at(i), at(i - 1), at(i + 1), at(i - 2)
    return _comp(at(i)), _comp(at(i + 1)), _comp(at(i - 1)), _comp(at(i + 2))


def _edited_strand(editor: EditorSpec, ref: str, alt: str) -> str | None:
    if ref == editor.ref_base and alt == editor.alt_base:
        return "+"
    if ref == _comp(editor.ref_base) and alt == _comp(editor.alt_base):
        return "-"
    return None


def _substitution_text(editor: EditorSpec) -> str:
    r, a = editor.ref_base, editor.alt_base
    return f"{r}>{a} (top) or {_comp(r)}>{_comp(a)} (via a {r} on the bottom strand)"


def _is_harmful(cs: Sequence[Consequence], knockout_gene: frozenset[str] | None) -> bool:
    for c in cs:
        if c.severity not in _HARMFUL:
            continue
        if knockout_gene is not None and c.gene.upper() in knockout_gene:
            continue  # the gene is being knocked out anyway
        return True
    return False


def _designs_for_edit(
    ctx: _Ctx, edit: EditRequest, rejections: list[EditorRejection], counts: dict[str, int]
) -> list[Candidate]:
    """Raw (unranked) designs for one edit, as dicts of fields."""
    g = ctx.genome
    n = g.contig_length(edit.contig)
    p = ctx.params
    usable: list[tuple[EditorSpec, str, str]] = []  # (editor, strand, context label)
    span = max(int(p.arm_max_rvds or 0) + 1, 1)
    smax = max((max(ctx.table.spacers(e), default=0) for e in ctx.editors), default=0)
    flank = span + smax + 2
    lo = max(0, edit.pos - flank)
    hi = min(n, edit.pos + flank + 1)
    seq = g.fetch(edit.contig, lo, hi).upper()
    tl = edit.pos - lo
    for e in ctx.editors:
        strand = _edited_strand(e, edit.ref, edit.alt)
        if strand is None:
            rejections.append(EditorRejection(
                edit.label, e.name,
                f"wrong substitution: {e.name} makes {_substitution_text(e)} only"))
            counts["wrong_substitution"] = counts.get("wrong_substitution", 0) + 1
            continue
        base, five, three, five2 = _strand_view(seq, tl, strand)
        if not e.primary_context(five, three):
            where = "top" if strand == "+" else "bottom"
            rejections.append(EditorRejection(
                edit.label, e.name,
                f"wrong context: the {base} is 5'-{five}{base}-3' ({base}{three} 3') on the "
                f"{where} strand; {e.name} needs {e.context_text()}"))
            counts["wrong_context"] = counts.get("wrong_context", 0) + 1
            continue
        label = e.context_label(five, base, three, five2) or base
        if label == "tcC":  # a target in 5'-TC context is labelled by its own 5' T
            label = "tC"
        usable.append((e, strand, label))
    if not usable:
        return []
    spacers = sorted({s for e, _, _ in usable for s in ctx.table.spacers(e)})
    if not spacers:
        for e, _, _ in usable:
            rejections.append(EditorRejection(
                edit.label, e.name, f"window table {ctx.table.name} has no rows for {e.name}"))
        return []
    scaffold = custom_scaffold(
        "tale-nt", arm_min_rvds=p.arm_min_rvds, arm_max_rvds=p.arm_max_rvds,
        spacer_min_bp=spacers[0], spacer_max_bp=spacers[-1], pos0_bases=p.pos0_bases,
    )
    cands = enumerate_pairs(seq, scaffold, contig=edit.contig, offset=lo,
                            cut_window=(tl - spacers[-1], tl + spacers[-1] + 1))
    ss = cands.p + 1 + cands.left_len
    jpos = tl - ss  # 0-based index of the target in the spacer
    inside = (jpos >= 0) & (jpos < cands.spacer_len)
    cands = cands.subset(inside)
    jpos = jpos[inside]
    out: list[Candidate] = []
    for e, strand, label in usable:
        wstrand = "top" if strand == "+" else "bottom"
        keep: list[int] = []
        rows = []
        for i in range(len(cands)):
            S = int(cands.spacer_len[i])
            row = ctx.table.lookup(e, S, wstrand, int(jpos[i]) + 1, label)  # type: ignore[arg-type]
            if row is not None and row.efficiency > 0:
                keep.append(i)
                rows.append(row)
        if not keep:
            why = (
                f"no TALE pair puts the target in its window: arrays "
                f"{p.arm_min_rvds}-{p.arm_max_rvds} RVDs with position-0 {p.pos0_bases}, "
                f"spacer {min(ctx.table.spacers(e), default=0)}-"
                f"{max(ctx.table.spacers(e), default=0)} bp "
                f"({len(cands)} pairs have the target in the spacer, none in the window"
                + (f" for context {label}" if label not in ("tC", "A") else "") + ")"
            )
            rejections.append(EditorRejection(edit.label, e.name, why))
            counts["no_tale_site_in_window"] = counts.get("no_tale_site_in_window", 0) + 1
            continue
        for i, row in zip(keep, rows, strict=True):
            out.append(Candidate(
                e, strand, label, row, int(cands.p[i]), int(cands.left_len[i]),
                int(cands.spacer_len[i]), int(cands.right_len[i]), seq, lo, edit,
            ))
    return out


@dataclass(frozen=True)
class EditableBase:
    """A base the editor would change in a window: local index ``i`` in the fetched
    sequence, the edited ``strand`` ('+' top / '-' bottom), + strand ``ref``/``alt``, the
    context label, the window position (from the left end of the spacer) and the table's
    efficiency."""

    i: int
    strand: str
    ref: str
    alt: str
    context: str
    window_position: int
    efficiency: float


def editable_bases(table: WindowTable, e: EditorSpec, seq: str, ss_local: int,
                   S: int) -> list[EditableBase]:
    """Every base in ``e``'s window (both strands) of a spacer of ``S`` bp starting at local
    index ``ss_local`` of ``seq`` that is in the editor's context and has a window-table row
    with a non-zero efficiency (the target and its bystanders, or what an off-target site
    would change)."""
    out: list[EditableBase] = []
    for wstrand, strand in (("top", "+"), ("bottom", "-")):
        for wp in table.positions(e, S, wstrand):  # type: ignore[arg-type]
            i = ss_local + wp - 1
            if not 0 <= i < len(seq):
                continue
            base, five, three, five2 = _strand_view(seq, i, strand)
            label = e.context_label(five, base, three, five2)
            if label is None:
                continue
            if not (e.primary_context(five, three) or label == "tcC"):
                continue
            row = table.lookup(e, S, wstrand, wp, label)  # type: ignore[arg-type]
            if row is None or row.efficiency <= 0:
                continue
            ref_p = base if strand == "+" else _comp(base)
            alt_p = e.alt_base if strand == "+" else _comp(e.alt_base)
            out.append(EditableBase(i, strand, ref_p, alt_p, label, wp, float(row.efficiency)))
    return out


def _bystanders(ctx: _Ctx, d: Candidate, edit: EditRequest,
                cache: dict[tuple[int, str], tuple[Consequence, ...]]) -> list[Bystander]:
    out: list[Bystander] = []
    for eb in editable_bases(ctx.table, d.editor, d.seq, d.p + 1 + d.L, d.S):
        gpos = d.lo + eb.i
        if gpos == edit.pos and eb.strand == d.strand:
            continue
        key = (gpos, eb.alt)
        if key not in cache:
            cache[key] = ctx.caller.call(edit.contig, gpos, eb.ref, eb.alt)
        cs = cache[key]
        out.append(Bystander(gpos, eb.strand, eb.ref, eb.alt, eb.context, eb.window_position,
                             eb.efficiency, cs, _is_harmful(cs, ctx.knockout_gene)))
    out.sort(key=lambda b: (b.pos, b.strand))
    return out


def group_rejections(rejections: Sequence[EditorRejection]) -> str:
    """Rejections grouped by reason: ``DdCBE-G1333-NL, DdCBE-G1333-NR: wrong substitution
    ...``; the editor's own name inside a reason is written as 'it'."""
    groups: dict[tuple[str, str], list[str]] = {}
    for r in rejections:
        groups.setdefault((r.edit, r.reason.replace(r.editor, "it")), []).append(r.editor)
    multi = len({r.edit for r in rejections}) > 1
    parts = []
    for (edit, reason), names in groups.items():
        parts.append((f"{edit} " if multi else "") + ", ".join(names) + ": " + reason)
    return "; ".join(parts)

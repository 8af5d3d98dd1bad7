"""Single-stranded oligo donors (ssODN) for point corrections (Renaud 2016 Cell Rep;
Paquet 2016 Nature; docs/science.md §5).

Arm lengths are reported from the edited base (the change of kind ``"edit"``), as published
ssODN designs give them (e.g. "36 nt 5' / 91 nt 3' of the edit", Richardson 2016 Nat
Biotechnol): the left arm is the oligo 5' (on the + strand) of the edited base, the right arm
3' of it. The default layout is symmetric around the changed block (edit + blocking
mutations), so that the outermost change keeps 40-60 nt of homology on its side
(``homology_beyond_changes_nt``); user arms (``left_arm_nt``/``right_arm_nt``) are counted
from the edited base and must cover every change. Both strand versions are returned;
phosphorothioate bonds use IDT notation (``*`` between two bases joined by a PS bond).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from taleforge.design.blocking import Change, apply_changes
from taleforge.errors import ParameterError, RegionError
from taleforge.model.interval import reverse_complement
from taleforge.model.params import Param, ParamTable, register_table

SSODN_PARAMS = register_table(
    ParamTable(
        name="ssodn",
        version="1",
        params=(
            Param("arm_min_nt", 40, "nt",
                  "symmetric 40-60 nt for TALEN (Renaud 2016 Cell Rep; no Cas9-like asymmetry, "
                  "Richardson 2016 Nat Biotechnol)", "K"),
            Param("arm_max_nt", 60, "nt", "Renaud 2016 Cell Rep", "K"),
            Param("total_min_nt", 100, "nt", "issue 5 default (typical 60-120 nt [V])", "K"),
            Param("total_max_nt", 140, "nt", "issue 5 default; IDT Ultramer-free length", "K"),
            Param("ps_bonds", 2, "bonds per end", "2-3 PS bonds per end (Renaud 2016 Cell Rep)", "V"),
        ),
    )
)


@dataclass(frozen=True)
class Ssodn:
    name: str
    strand: str  # "+" (top strand of the reference) or "-"
    seq: str  # 5'->3'
    idt: str  # with phosphorothioate bonds as '*'
    start: int  # genome interval covered (0-based, half-open, + strand coordinates)
    end: int
    left_arm_nt: int  # + strand left arm: oligo bases 5' of the edited base
    right_arm_nt: int  # oligo bases 3' of the edited base
    note: str
    flank_nt: tuple[int, int] = (0, 0)  # unchanged bases beyond the first / last change

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "strand": self.strand,
            "length_nt": len(self.seq),
            "sequence": self.seq,
            "idt": self.idt,
            "start": self.start + 1,
            "end": self.end,
            "arms_nt": [self.left_arm_nt, self.right_arm_nt],
            "arms_from": "the edited base (+ strand 5' arm, 3' arm)",
            "homology_beyond_changes_nt": list(self.flank_nt),
            "note": self.note,
        }


def idt_phosphorothioate(seq: str, bonds: int) -> str:
    """``ACGTACGT`` with 2 bonds per end -> ``A*C*GTAC*G*T``."""
    if bonds <= 0:
        return seq
    if len(seq) < 2 * bonds + 2:
        raise ParameterError(
            f"oligo of {len(seq)} nt is too short for {bonds} PS bonds per end",
            hint="use fewer phosphorothioate bonds",
        )
    head = "*".join(seq[: bonds + 1])
    tail = "*".join(seq[-bonds - 1 :])
    return head + seq[bonds + 1 : -bonds - 1] + tail


def choose_arms(
    span: int,
    *,
    arm_min_nt: int,
    arm_max_nt: int,
    total_min_nt: int,
    total_max_nt: int,
) -> int:
    """Longest symmetric arm within [arm_min, arm_max] keeping the total within
    [total_min, total_max]."""
    if arm_min_nt > arm_max_nt or total_min_nt > total_max_nt:
        raise ParameterError(
            "ssODN arm or total length range is empty", hint="give min <= max for arms and total"
        )
    for a in range(arm_max_nt, arm_min_nt - 1, -1):
        tot = 2 * a + span
        if total_min_nt <= tot <= total_max_nt:
            return a
    raise ParameterError(
        f"no symmetric ssODN fits: changes span {span} bp, arms {arm_min_nt}-{arm_max_nt} nt, "
        f"total {total_min_nt}-{total_max_nt} nt",
        hint="widen --ssodn-total-max / --ssodn-arm range, or give asymmetric arms",
    )


def design_ssodn(
    target: str,
    offset: int,
    changes: Sequence[Change],
    *,
    left_arm_nt: int | None = None,
    right_arm_nt: int | None = None,
    params: ParamTable = SSODN_PARAMS,
    gene_strand: str | None = None,
) -> tuple[Ssodn, Ssodn]:
    """Both strand versions of the ssODN carrying ``changes`` (applied to ``target``, a
    + strand window starting at genome ``offset``). Symmetric around the changed block
    unless both ``left_arm_nt`` and ``right_arm_nt`` are given (asymmetric arms counted from
    the edited base, + strand sense). Reported arms are always from the edited base (the
    change of kind "edit"; the first change when none is)."""
    if not changes:
        raise ParameterError("an ssODN needs at least one change", hint="give the edit")
    first = min(c.pos for c in changes)
    last = max(c.pos for c in changes)
    span = last - first + 1
    edit = next((c.pos for c in sorted(changes) if c.kind == "edit"), first)
    if left_arm_nt is None or right_arm_nt is None:
        if (left_arm_nt is None) != (right_arm_nt is None):
            raise ParameterError(
                "asymmetric ssODN arms need both lengths", hint="give both arm lengths or neither"
            )
        a = choose_arms(
            span,
            arm_min_nt=int(params["arm_min_nt"]),
            arm_max_nt=int(params["arm_max_nt"]),
            total_min_nt=int(params["total_min_nt"]),
            total_max_nt=int(params["total_max_nt"]),
        )
        start, end = first - a, last + 1 + a
    else:
        la, ra = left_arm_nt, right_arm_nt
        if la < 1 or ra < 1:
            raise ParameterError("ssODN arms must be >= 1 nt", hint="use 30-90 nt arms")
        start, end = edit - la, edit + 1 + ra
        if first < start or last >= end:
            far = first if first < start else last
            raise ParameterError(
                f"ssODN arms {la},{ra} (from the edited base {edit + 1}) leave the change at "
                f"{far + 1} outside the oligo",
                hint=f"lengthen the {'left' if far < edit else 'right'} arm to at least "
                f"{abs(far - edit) + 1} nt",
            )
    if start < offset or end > offset + len(target):
        raise RegionError(
            f"ssODN {start + 1}-{end} runs off the available sequence "
            f"({offset + 1}-{offset + len(target)})",
            hint="give a longer sequence around the edit or shorter arms",
        )
    edited = apply_changes(target, offset, changes)
    top = edited[start - offset : end - offset].upper()
    bonds = int(params["ps_bonds"])
    sense_note = {"+": ("sense (coding)", "antisense (template)"),
                  "-": ("antisense (template)", "sense (coding)")}.get(gene_strand or "", ("", ""))
    la, ra = edit - start, end - 1 - edit
    flank = (first - start, end - 1 - last)
    plus = Ssodn("ssODN_top", "+", top, idt_phosphorothioate(top, bonds), start, end, la, ra,
                 sense_note[0], flank)
    bot = reverse_complement(top)
    minus = Ssodn("ssODN_bottom", "-", bot, idt_phosphorothioate(bot, bonds), start, end, la, ra,
                  sense_note[1], flank)
    return plus, minus

"""ssODN layout: arms, lengths, both strands, IDT phosphorothioate notation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taleforge.design.blocking import Change
from taleforge.design.ssodn import SSODN_PARAMS, choose_arms, design_ssodn, idt_phosphorothioate
from taleforge.errors import ParameterError, RegionError
from taleforge.model.interval import reverse_complement


def test_idt_notation() -> None:
    assert idt_phosphorothioate("ACGTACGTAC", 2) == "A*C*GTACGT*A*C"
    s = idt_phosphorothioate("ACGTACGTACGT", 3)
    assert s.startswith("A*C*G*T") and s.endswith("A*C*G*T") and s.count("*") == 6
    assert idt_phosphorothioate("ACGT", 0) == "ACGT"


@settings(max_examples=30, deadline=None)
@given(span=st.integers(1, 40))
def test_symmetric_arms_within_bounds(span: int) -> None:
    a = choose_arms(span, arm_min_nt=40, arm_max_nt=60, total_min_nt=100, total_max_nt=140)
    assert 40 <= a <= 60 and 100 <= 2 * a + span <= 140


def test_arms_impossible() -> None:
    with pytest.raises(ParameterError):
        choose_arms(70, arm_min_nt=40, arm_max_nt=60, total_min_nt=100, total_max_nt=140)


def test_design_both_strands_and_changes() -> None:
    seq = ("ACGTTGCA" * 40)
    changes = [Change(150, seq[150], "G" if seq[150] != "G" else "A"),
               Change(160, seq[160], "C" if seq[160] != "C" else "A", "blocking")]
    top, bot = design_ssodn(seq, 0, changes, gene_strand="+")
    assert bot.seq == reverse_complement(top.seq)
    # the default layout is symmetric around the changed block ...
    assert top.flank_nt[0] == top.flank_nt[1]
    assert len(top.seq) == 2 * top.flank_nt[0] + 11
    # ... and the arms are reported from the edited base (150), not from the block
    assert top.left_arm_nt == 150 - top.start and top.right_arm_nt == top.end - 1 - 150
    assert top.right_arm_nt == top.left_arm_nt + 10
    assert top.seq[top.left_arm_nt] == changes[0].alt
    assert top.seq[top.left_arm_nt + 10] == changes[1].alt
    assert top.as_dict()["arms_nt"] == [top.left_arm_nt, top.right_arm_nt]
    assert top.idt.count("*") == 2 * int(SSODN_PARAMS["ps_bonds"])
    assert top.note.startswith("sense")
    # asymmetric arms are counted from the edited base too
    a, _b = design_ssodn(seq, 0, changes, left_arm_nt=30, right_arm_nt=70)
    assert (a.left_arm_nt, a.right_arm_nt) == (30, 70) and len(a.seq) == 101
    assert a.start == 120 and a.flank_nt == (30, 60)
    with pytest.raises(RegionError):
        design_ssodn(seq, 0, [Change(5, seq[5], "A" if seq[5] != "A" else "C")])


def test_user_arms_must_cover_every_change() -> None:
    seq = ("ACGTTGCA" * 40)
    changes = [Change(150, seq[150], "G" if seq[150] != "G" else "A"),
               Change(160, seq[160], "C" if seq[160] != "C" else "A", "blocking")]
    with pytest.raises(ParameterError) as ei:
        design_ssodn(seq, 0, changes, left_arm_nt=40, right_arm_nt=8)
    assert "161 outside the oligo" in ei.value.message and "at least 11" in (ei.value.hint or "")


@settings(max_examples=30, deadline=None)
@given(edit=st.integers(100, 200), blk=st.integers(-30, 30))
def test_arms_are_measured_from_the_edit(edit: int, blk: int) -> None:
    seq = ("ACGTTGCAAGT" * 40)
    flip = {"A": "C", "C": "G", "G": "T", "T": "A"}
    ch = [Change(edit, seq[edit], flip[seq[edit]], "edit")]
    if blk:
        ch.append(Change(edit + blk, seq[edit + blk], flip[seq[edit + blk]], "blocking"))
    top, _ = design_ssodn(seq, 0, ch)
    assert top.start + top.left_arm_nt == edit
    assert top.end - 1 - top.right_arm_nt == edit
    assert top.seq[top.left_arm_nt] == ch[0].alt

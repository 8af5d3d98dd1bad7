"""Editor registry and editing-window tables (model/editors.py).

The MitoEdit expectations below are written from MitoEdit's documented pipeline rules
(docs: "Editing Pipelines": Mok2020 G1333 / G1397, Mok2022 DddA11, Cho sTALEDs), not by
running MitoEdit:

* G1333: editable C at positions 4-10 from the 5' end *of the strand carrying the C*;
* G1397 and DddA11: positions 4-7 from the 3' end of the C's strand;
* sTALED: A at positions 5-12 from the end to which the deaminase is tethered (both strands);
* spacer (window) 14-18 bp.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from taleforge.errors import FormatError, UnknownNameError
from taleforge.model.editors import (
    EDITOR_PARAMS,
    EDITORS,
    build_mitoedit_table,
    build_qiu_table,
    get_editor,
    load_window_table,
    resolve_editors,
)
from taleforge.model.params import all_tables


def mitoedit_rule(family: str, split: str, ori: str, S: int, strand: str, pos: int) -> bool:
    """Independent restatement of MitoEdit's documented rule. ``pos`` is 1-based from the
    left (top 5') end of the spacer."""
    if strand == "top":
        from5, from3 = pos, S - pos + 1
    else:
        from5, from3 = S - pos + 1, pos
    if family == "TALED":
        from_ad = pos if ori == "ADL" else S - pos + 1
        return 5 <= from_ad <= 12
    if family == "DdCBE" and split == "G1333":
        return 4 <= from5 <= 10
    if family == "DddA11" and split == "G1333":
        return 4 <= from5 <= 10  # extrapolation (MitoEdit documents DddA11 for G1397 only)
    return 4 <= from3 <= 7


def test_registry_has_all_editor_architectures() -> None:
    names = set(EDITORS)
    for split in ("G1333", "G1397"):
        for ori in ("NL", "NR"):
            assert f"DdCBE-{split}-{ori}" in names
    assert {"DddA11-G1397-NL", "DddA11-G1397-NR", "TALED-ADL", "TALED-ADR"} <= names
    assert "tale_base_editors" in all_tables()
    for p in EDITOR_PARAMS:
        assert p.source and p.evidence in ("V", "K", "U")


def test_mitoedit_table_reproduces_documented_rules_exactly() -> None:
    t = build_mitoedit_table()
    for e in EDITORS.values():
        assert t.spacers(e) == [14, 15, 16, 17, 18]
        for S in range(14, 19):
            for strand in ("top", "bottom"):
                got = set(t.positions(e, S, strand))  # type: ignore[arg-type]
                want = {p for p in range(1, S + 1)
                        if mitoedit_rule(e.family, e.split, e.orientation, S, strand, p)}
                assert got == want, (e.name, S, strand)


def test_window_efficiencies_within_documented_range() -> None:
    t = build_mitoedit_table()
    for r in t:
        assert 0.0 < r.efficiency <= 0.49
    e = get_editor("DdCBE-G1333-NL")
    # tC at the window centre gets the maximum placeholder, edges the minimum
    S = 16
    c = t.lookup(e, S, "top", 7, "tC")
    edge = t.lookup(e, S, "top", 4, "tC")
    assert c is not None and edge is not None
    assert c.efficiency == pytest.approx(0.49)
    assert edge.efficiency == pytest.approx(0.046)
    # aC is not a DdCBE context; the 2nd C of a TCC is (MitoEdit step 7)
    assert t.lookup(e, S, "top", 7, "aC") is None
    assert t.lookup(e, S, "top", 7, "tcC") is not None


def test_qiu_windows() -> None:
    t = build_qiu_table()
    g1333 = get_editor("DddA11-G1333-NL")
    g1397 = get_editor("DddA11-G1397-NL")

    def window(e: object, ctx: str, strand: str = "top") -> list[int]:
        return [p for p in range(1, 17)
                if t.lookup(e, 16, strand, p, ctx) is not None]  # type: ignore[arg-type]

    assert window(g1333, "aC") == list(range(8, 12))
    assert window(g1397, "aC") == list(range(10, 14))
    assert window(g1333, "tC") == list(range(4, 14))
    assert window(g1397, "tC") == list(range(5, 15))
    # bottom strand: the same positions counted from the bottom strand's 5' end
    assert window(g1397, "aC", "bottom") == [17 - p for p in range(13, 9, -1)]
    # G1397 aC C10-13 from 5' == MitoEdit's 4-7 from the 3' end for a 16-bp spacer
    assert [17 - p for p in range(10, 14)] == [7, 6, 5, 4]
    # other spacer lengths keep the MitoEdit rules
    m = build_mitoedit_table()
    assert t.positions(g1397, 15, "top") == m.positions(g1397, 15, "top")


def test_resolve_editors_families_and_errors() -> None:
    assert [e.name for e in resolve_editors(["TALED"])] == ["TALED-ADL", "TALED-ADR"]
    assert len(resolve_editors(["DdCBE-G1333"])) == 2
    assert len(resolve_editors(["ddcbe,taled"])) == 6
    assert len(resolve_editors(None)) == len(EDITORS)
    with pytest.raises(UnknownNameError) as ei:
        resolve_editors(["CBE4max"])
    assert "DdCBE-G1333-NL" in (ei.value.hint or "")
    with pytest.raises(UnknownNameError):
        get_editor("nope")


def test_context_rules() -> None:
    dd = get_editor("DdCBE-G1397-NL")
    assert dd.primary_context("T", "A") and not dd.primary_context("A", "A")
    d11 = get_editor("DddA11-G1397-NL")
    assert all(d11.primary_context(b, "A") for b in "ACT") and not d11.primary_context("G", "A")
    taled = get_editor("TALED-ADL")
    assert taled.primary_context("G", "T") and taled.primary_context("T", "C")
    assert not taled.primary_context("A", "T")
    assert dd.context_label("C", "C", "A", "T") == "tcC"
    assert d11.context_label("C", "C", "A", "T") == "cC"


def test_window_table_tsv_roundtrip_and_errors(tmp_path: Path) -> None:
    t = build_mitoedit_table()
    p = tmp_path / "w.tsv"
    p.write_text(t.to_tsv())
    u = load_window_table(p)
    assert sorted((r.family, r.split, r.orientation, r.spacer_bp, r.strand, r.position,
                   r.context, r.efficiency) for r in u) == \
        sorted((r.family, r.split, r.orientation, r.spacer_bp, r.strand, r.position,
                r.context, round(r.efficiency, 4)) for r in t)
    bad = tmp_path / "bad.tsv"
    bad.write_text("family\tsplit\n")
    with pytest.raises(FormatError):
        load_window_table(bad)
    bad.write_text("family\tsplit\torientation\tspacer_bp\tstrand\tposition\tcontext\t"
                   "efficiency\nDdCBE\tG1333\t*\t16\tleft\t5\ttC\t0.3\n")
    with pytest.raises(FormatError, match="strand"):
        load_window_table(bad)
    with pytest.raises(UnknownNameError):
        load_window_table("no-such-table")


def test_shipped_window_tables_match_generated() -> None:
    from importlib.resources import files

    d = files("taleforge") / "data" / "editor_windows"
    assert (d / "mitoedit.tsv").read_text(encoding="utf-8") == build_mitoedit_table().to_tsv()
    assert (d / "qiu2024.tsv").read_text(encoding="utf-8") == build_qiu_table().to_tsv()


def test_mitoedit_defaults_are_attributed_correctly() -> None:
    """MitoEdit's own defaults (its TALE-NT call: spacer 14-18, arrays 14-18 RVDs, upstream T)
    vs taleforge's choices (arrays 15-20, TALE-NT's defaults; placeholder efficiencies)."""
    src = {p.name: p.source for p in EDITOR_PARAMS}
    val = {p.name: p.value for p in EDITOR_PARAMS}
    assert (val["spacer_min_bp"], val["spacer_max_bp"]) == (14, 18)
    assert "MitoEdit" in src["spacer_min_bp"] and "MitoEdit" in src["spacer_max_bp"]
    assert (val["arm_min_rvds"], val["arm_max_rvds"]) == (15, 20)
    for k in ("arm_min_rvds", "arm_max_rvds"):
        assert src[k].startswith("taleforge's choice") and "TALE-NT" in src[k]
    assert "14" in src["arm_min_rvds"] and "ARR_MIN" in src["arm_min_rvds"]
    for k in ("eff_max", "eff_min", "ctx_factor_aC", "ctx_factor_cC", "ctx_factor_tcC"):
        assert "taleforge" in src[k] and next(p for p in EDITOR_PARAMS if p.name == k).evidence == "U"
    # the built-in tables' efficiencies are placeholders: evidence U, not calibrated
    for t in (build_mitoedit_table(), build_qiu_table()):
        assert not t.calibrated
        assert {r.evidence for r in t.rows} == {"U"}
        assert all("efficiency: taleforge placeholder [U]" in r.source for r in t.rows)

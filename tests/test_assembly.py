"""Construct assembly without the codon optimiser: parts and FokI variants, TALEN proteins
(RVDs at residues 12-13 for random 12-31-RVD arrays), Golden Gate kit plans and their pydna
simulation, GenBank output."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from Bio import SeqIO
from hypothesis import given, settings
from hypothesis import strategies as st

from taleforge.assembly.build import assemble
from taleforge.assembly.dna import find_sites
from taleforge.assembly.kit import load_kit, plan_kit
from taleforge.assembly.parts import apply_substitution, builtin_parts, load_parts
from taleforge.assembly.protein import build_talen, rvds_of
from taleforge.assembly.simulate import simulate_plan
from taleforge.assembly.writers import genbank_text
from taleforge.errors import FormatError, InputError

KIT_RVDS = ("NI", "HD", "NN", "NG")
arrays = st.lists(st.sampled_from(KIT_RVDS), min_size=12, max_size=31).map(tuple)
any_arrays = st.lists(st.sampled_from(("NI", "HD", "NN", "NG", "NH", "NK", "NS", "HG")), min_size=12,
                      max_size=31).map(tuple)

PARTS = builtin_parts()
KIT = load_kit("golden-gate")

# Documented FokI substitutions (P14870 numbering): Doyon 2011 ELD/KKR, Guo 2010 Sharkey.
DOCUMENTED = {
    "ELD": {486: ("Q", "E"), 499: ("I", "L"), 496: ("N", "D")},
    "KKR": {490: ("E", "K"), 538: ("I", "K"), 537: ("H", "R")},
    "Sharkey": {418: ("S", "P"), 441: ("K", "E")},
}


def test_fok1_wild_type_residues_sit_at_documented_numbers() -> None:
    wt = PARTS["fok1_wt"]
    assert wt.first_residue == 384 and len(wt.protein) == 196  # P14870 384-579
    for subs in DOCUMENTED.values():
        for pos, (old, _) in subs.items():
            assert wt.protein[pos - 384] == old, pos


@pytest.mark.parametrize("name", ["ELD", "KKR", "Sharkey", "Sharkey+ELD", "Sharkey+KKR"])
def test_fok1_variants_are_the_documented_point_mutations(name: str) -> None:
    wt = PARTS["fok1_wt"].protein
    seq, _, _ = PARTS.fok1(name)
    want: dict[int, tuple[str, str]] = {}
    for n in name.split("+"):
        want.update(DOCUMENTED[n])
    diffs = {i + 384: (a, b) for i, (a, b) in enumerate(zip(wt, seq, strict=True)) if a != b}
    assert diffs == want


def test_tale_domains_have_the_documented_lengths() -> None:
    # +136 (delta152) N-terminal and +63 C-terminal domains (Miller 2011); 34/20-residue repeats
    assert len(PARTS["ntd_plus136"].protein) == 136 and len(PARTS["ctd_plus63"].protein) == 63
    assert len(PARTS["repeat"].protein) == 34 and len(PARTS["half_repeat"].protein) == 20
    assert all(PARTS[k].protein[11:13] == "XX" for k in ("repeat", "half_repeat"))
    assert all(p.source and p.evidence in "VKU" for p in PARTS.parts.values())


def test_deletion_rvd_is_refused_in_one_line() -> None:
    with pytest.raises(InputError, match="residue 13"):
        build_talen(("NI",) * 11 + ("N*",), PARTS)


def test_substitution_with_wrong_wild_type_is_refused() -> None:
    with pytest.raises(FormatError, match="residue 486"):
        apply_substitution(list(PARTS["fok1_wt"].protein), "A486E", 384)


def test_pair_gets_eld_left_and_kkr_right() -> None:
    rv = ("NI",) * 15
    left = build_talen(rv, PARTS, fok1="eld-kkr", side="left")
    right = build_talen(rv, PARTS, fok1="ELD-KKR", side="right")
    fl = next(s for s in left.segments if s.kind == "FokI")
    fr = next(s for s in right.segments if s.kind == "FokI")
    assert left.protein[fl.start + 486 - 384] == "E" and right.protein[fr.start + 490 - 384] == "K"


@given(left=any_arrays, right=any_arrays)
def test_rvds_at_residues_12_13_of_each_repeat(left: tuple[str, ...], right: tuple[str, ...]) -> None:
    for side, rv in (("left", left), ("right", right)):
        t = build_talen(rv, PARTS, fok1="Sharkey-ELD-KKR", side=side, tags=["HA"])
        reps = t.repeat_segments()
        assert [s.end - s.start for s in reps] == [34] * (len(rv) - 1) + [20]
        assert tuple(t.protein[s.start + 11 : s.start + 13] for s in reps) == rv
        assert rvds_of(t.protein, t.segments) == rv
        assert "".join(t.protein[s.start : s.end] for s in t.segments) == t.protein


@settings(max_examples=15)
@given(left=arrays, right=arrays)
def test_simulated_kit_assembly_yields_the_array(left: tuple[str, ...], right: tuple[str, ...]) -> None:
    for side, rv in (("left", left), ("right", right)):
        t = build_talen(rv, PARTS, fok1="ELD-KKR", side=side)
        plan = plan_kit(rv, KIT)
        sim = simulate_plan(plan, t, KIT)
        assert sim.matches_design
        assert sim.protein == t.protein
        assert sim.rvds == rv
        assert not find_sites(sim.orf)  # no BsaI / BsmBI site left in the assembled ORF
        assert sim.orf.startswith("ATG") and sim.orf[-3:] in ("TAA", "TAG", "TGA")


@pytest.mark.parametrize("n", [12, 21, 22, 31])
def test_plan_layout_follows_the_kit(n: int) -> None:
    rv = tuple(KIT_RVDS[i % 4] for i in range(n))
    plan = plan_kit(rv, KIT)
    step1 = [r for r in plan.reactions if r.step == 1]
    assert sum(len(r.rvds) for r in step1) == n - 1
    assert step1[0].parts[0] == f"p{rv[0]}1" and step1[0].enzyme == "BsaI"
    if n <= 21:
        assert [r.reaction for r in step1] == ["pFUS_A", f"pFUS_B{n - 11}"]
    else:
        assert [r.reaction for r in step1] == ["pFUS_A30A", "pFUS_A30B", f"pFUS_B{n - 21}"]
    last = plan.reactions[-1]
    assert last.step == 2 and last.enzyme == "Esp3I" and last.parts[-1] == f"pLR-{rv[-1]}"


@pytest.mark.parametrize("n", [11, 32])
def test_out_of_range_array_is_a_one_line_error_naming_the_range(n: int) -> None:
    with pytest.raises(InputError) as exc:
        plan_kit(("NI",) * n, KIT, name="t")
    msg = exc.value.one_line()
    assert "12-31" in msg and "\n" not in msg


def test_rvd_without_module_is_a_one_line_error() -> None:
    with pytest.raises(InputError, match="no module for RVD NH"):
        plan_kit(("NI",) * 5 + ("NH",) + ("NI",) * 8, KIT)


def test_genbank_parses_and_features_translate() -> None:
    res = assemble(("NI", "HD", "NN", "NG") * 4, ("NG", "HD") * 7, name="gb", kit="golden-gate")
    for c in res.constructs:
        rec = SeqIO.read(io.StringIO(genbank_text(c)), "genbank")
        assert str(rec.seq) == c.orf
        labels = []
        for f in rec.features:
            assert 0 <= f.location.start < f.location.end <= len(rec.seq)
            prot = str(f.location.extract(rec.seq).translate())
            if f.type == "CDS":
                assert prot == c.talen.protein + "*"
                assert f.qualifiers["translation"] == [c.talen.protein]
            else:
                seg = next(s for s in c.talen.segments if s.label == f.qualifiers["label"][0])
                assert prot == c.talen.protein[seg.start : seg.end]
                labels.append(f.qualifiers["label"][0])
        assert sum(1 for x in labels if x.startswith("repeat ")) == len(c.talen.rvds) - 1
        assert f"repeat 1 {c.talen.rvds[0]}" in labels


def test_user_parts_replace_builtin_and_carry_their_evidence(tmp_path: Path) -> None:
    f = tmp_path / "parts.json"
    f.write_text(json.dumps({"name": "lab", "parts": {
        "linker_ctd_fok1": {"kind": "linker", "protein": "GSGS", "source": "our lab", "evidence": "V"}}}))
    ps = load_parts(f)
    assert ps["linker_ctd_fok1"].protein == "GSGS" and ps["linker_ctd_fok1"].evidence == "V"
    t = build_talen(("NI",) * 12, ps)
    assert not t.unverified()

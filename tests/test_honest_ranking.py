"""Honest knockout ranking (issue 10): every term sourced or a bounded tie-break, the
17-15-17 layout not pushed down by array length, methylation contexts per organism, TALE-NT's
pooled "% RVDs HD or NN/NH", and the scaffold presets' proven layouts."""

from __future__ import annotations

import dataclasses
import json
import random
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from taleforge.cli import main
from taleforge.design.knockout import (
    RANKING,
    TIE_BREAKS,
    Design,
    KnockoutParams,
    Target,
    _candidates_for_window,
    _score_window,
    check_tie_breaks,
    design_knockout,
    smallest_sourced_step,
)
from taleforge.design.methylation import methylated_c_masks, resolve_methylation
from taleforge.design.pairs import seq_codes
from taleforge.errors import ParameterError
from taleforge.genome.index import genome_from_sequence, open_genome
from taleforge.io import knockout_out as ko
from taleforge.model.interval import Interval
from taleforge.model.params import load_all_tables
from taleforge.model.rules import RuleEval
from taleforge.model.scaffold import SCAFFOLDS, get_scaffold

from .conftest import shared
from .test_cli_errors import assert_clean_error, run

BG_GC = 0.41  # human genome GC fraction: the background of the planted cases


def _background(rng: random.Random, n: int) -> str:
    w = [(1 - BG_GC) / 2, BG_GC / 2, BG_GC / 2, (1 - BG_GC) / 2]
    return "".join(rng.choices("ACGT", weights=w, k=n))


def _half(rng: random.Random) -> str:
    """16 bound bases, 8 of them C/G (50 % strong RVDs), no CpG, no A/T run of 6."""
    while True:
        h = "".join(rng.sample("CCCCGGGGAAAATTTT", 16))
        if "CG" not in h and "AAAAAA" not in h.replace("T", "A"):
            return h


def _planted_17_15_17(seed: int) -> tuple[str, int]:
    """A 17-15-17 TALEN site (16-RVD arrays, 15-bp spacer) in 41 %-GC random sequence;
    returns the sequence and the planted pair's cut (0-based spacer centre)."""
    rng = random.Random(seed)
    seq = (_background(rng, 60) + "T" + _half(rng) + _background(rng, 15) + _half(rng) + "A"
           + _background(rng, 60))
    return seq, 60 + 1 + 16 + 15 // 2


def _rank_of_plant(seq: str, cut: int, methylation: str = "auto",
                   old_length_weight: float | None = None) -> tuple[int, int]:
    """(rank, number of candidates) of the planted 16/15/16 pair among every passing
    candidate of ``seq`` by on-target score (ties counted against the plant).
    ``old_length_weight``: replace the array-length tie-break by the old flat bonus per RVD
    above 15 (to show what the old ranking did)."""
    p = KnockoutParams(specificity=False, methylation=methylation)
    sc_ = p.resolved_scaffold()
    g = genome_from_sequence(seq)
    name = g.packed.names[0]
    tgt = Target("sequence", name, (Interval(name, 0, len(seq), "+"),))
    sc = _score_window(g, _candidates_for_window(g, tgt.windows[0], sc_), tgt, None, [], p, sc_)
    sub = sc.cand.subset(sc.keep)
    total = np.sum(list(sc.terms.values()), axis=0)
    if old_length_weight is not None:
        total = (total - sc.terms["array_length"]
                 + old_length_weight * (sub.left_len + sub.right_len - 30))
    at = np.flatnonzero((sub.left_len == 16) & (sub.spacer_len == 15) & (sub.right_len == 16)
                        & (sub.cut_local + sub.offset == cut))
    assert at.size == 1 and len(sub) > 1000
    return int((total >= total[at[0]]).sum()) - 1, len(sub)


@pytest.mark.parametrize("seed", [0, 1, 4])
def test_17_15_17_layout_ranks_in_the_top_half_by_default(seed: int) -> None:
    seq, cut = _planted_17_15_17(seed)
    k, n = _rank_of_plant(seq, cut)
    assert k < n / 2, (k, n)
    # array length alone (no methylation term): the tie-break keeps the pair in the top half,
    # the old +0.05 per RVD above 15 put it in the bottom half
    k, n = _rank_of_plant(seq, cut, "none")
    assert k < n / 2, (k, n)
    k, n = _rank_of_plant(seq, cut, "none", old_length_weight=0.05)
    assert k > n / 2, (k, n)


def test_tie_breaks_are_bounded_and_below_every_sourced_step() -> None:
    res = design_knockout("MT-ND4", params=KnockoutParams(top=30, specificity=False))
    budget = float(RANKING["tie_break_budget"])
    assert sum(float(RANKING[n]) for n in TIE_BREAKS) <= budget
    for sc in SCAFFOLDS.values():
        assert budget < smallest_sourced_step(RANKING, sc)
    for d in res.designs:
        tb = [r.score for r in d.rules if r.rule in ("array_length", "layout", "restriction_site")]
        assert sum(abs(x) for x in tb) <= budget + 1e-9
        assert all("tie-break" in r.reason for r in d.rules if r.rule in ("array_length", "layout"))
    # an override that lets array length dominate again is refused, naming the fix
    with pytest.raises(ParameterError, match="tie-break"):
        check_tie_breaks(RANKING.override({"w_array_length": 0.5}), get_scaffold("tale-nt"))


# ------------------------------------------------------------------ methylation


def test_methylation_masks_by_hand() -> None:
    #        0123456789
    seq = "ACCAGGTACGTT"
    top, bot = methylated_c_masks(seq_codes(seq), "dcm")
    assert np.flatnonzero(top).tolist() == [2]  # CCAGG: the internal C on +
    assert np.flatnonzero(bot).tolist() == [4]  # CCTGG on -: its internal C pairs with + G at 4
    top, bot = methylated_c_masks(seq_codes(seq), "cpg")
    assert np.flatnonzero(top).tolist() == [8] and np.flatnonzero(bot).tolist() == [9]
    top, bot = methylated_c_masks(seq_codes(seq), "none")
    assert not top.any() and not bot.any()


@given(st.text(alphabet="ACGT", min_size=0, max_size=60))
def test_methylation_masks_are_strand_symmetric(seq: str) -> None:
    rc = seq[::-1].translate(str.maketrans("ACGT", "TGCA"))
    for ctx in ("cpg", "dcm"):
        top, bot = methylated_c_masks(seq_codes(seq), ctx)
        rtop, rbot = methylated_c_masks(seq_codes(rc), ctx)
        assert np.array_equal(top, rbot[::-1]) and np.array_equal(bot, rtop[::-1])
        assert all(seq[i] == "C" for i in np.flatnonzero(top))
        assert all(seq[i] == "G" for i in np.flatnonzero(bot))


def _site(left: str, right_bound: str) -> str:
    """One TALEN site: T + left bound + 15-bp spacer + right bound (+ strand) + A."""
    return "T" + left + "ACTGATCATGACTGA" + right_bound + "A"


def _methyl_rule(seq: str, methylation: str) -> tuple[int, float, str]:
    p = KnockoutParams(top=1, specificity=False, arm_min_rvds=16, arm_max_rvds=16,
                       spacer_min_bp=15, spacer_max_bp=15, methylation=methylation,
                       enzymes="none")
    res = design_knockout(None, params=p, sequence=seq)
    (d,) = res.designs
    r = next(r for r in d.rules if r.rule == "methylation")
    assert isinstance(r.value, int) and r.score is not None
    return r.value, r.score, r.reason


def test_ccwgg_is_penalised_under_dcm_not_under_none_or_cpg() -> None:
    # left half-site reads CCAGG on + (its internal C is read by HD); right half-site reads,
    # on -, the C of CCTGG paired with the + G at the motif's 4th base, so both TALEs count 1
    seq = _site("TGACCAGGATCTGTCA", "TGACCTGGAACTGTCA")
    n, score, why = _methyl_rule(seq, "dcm")
    assert n == 2 and score == pytest.approx(-2 * float(RANKING["w_methylated_c"]))
    assert "dcm" in why and "CCWGG" in why
    assert _methyl_rule(seq, "none")[:2] == (0, 0.0)
    assert _methyl_rule(seq, "cpg")[0] == 0  # no CpG in the site


def test_cpg_is_penalised_under_cpg_only() -> None:
    seq = _site("TGACGTACATCTGTCA", "TGACATGTCACTGTCA")
    n, score, why = _methyl_rule(seq, "cpg")
    assert n == 1 and score < 0 and "CpG" in why
    assert _methyl_rule(seq, "dcm")[0] == 0 and _methyl_rule(seq, "none")[0] == 0
    # auto on a bare sequence assumes vertebrate nuclear DNA and says how to change it
    n, _, why = _methyl_rule(seq, "auto")
    assert n == 1 and "assumed vertebrate nuclear DNA" in why and "--methylation" in why


def test_auto_decides_from_the_genome() -> None:
    class _G:
        def __init__(self, *names: str) -> None:
            self.packed = type("P", (), {"names": list(names)})()

    assert resolve_methylation("auto", _G("NC_000913.3"), "NC_000913.3").context == "dcm"  # type: ignore[arg-type]
    yeast = _G("ref|NC_001133|", "ref|NC_001136|", "ref|NC_001224|")
    assert resolve_methylation("auto", yeast, "ref|NC_001136|").context == "none"  # type: ignore[arg-type]
    assert resolve_methylation("auto", _G("chrI", "chrIV", "chrM"), "chrIV").context == "none"  # type: ignore[arg-type]
    human = _G("chr1", "chrX", "chrM")
    assert resolve_methylation("auto", human, "chrM").context == "none"  # type: ignore[arg-type]
    call = resolve_methylation("auto", human, "chr1")  # type: ignore[arg-type]
    assert call.context == "cpg" and call.assumed
    assert resolve_methylation("none", human, "chr1").context == "none"  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="methylation"):
        resolve_methylation("5mc", human, "chr1")  # type: ignore[arg-type]


def test_builtin_mtdna_is_unmethylated_and_says_why() -> None:
    res = design_knockout("MT-ND4", params=KnockoutParams(top=3, specificity=False))
    for d in res.designs:
        r = next(r for r in d.rules if r.rule == "methylation")
        assert r.value == 0 and "mitochondrial" in r.reason
    assert res.provenance["parameters"]["methylation"] == "auto"


@pytest.mark.shared
def test_ecoli_auto_is_dcm_on_real_data() -> None:
    fa = shared("ecoli", "GCF_000005845.2_ASM584v2_genomic.fna.gz")
    g = open_genome(fa)
    def hand_count(d: Design) -> int:
        """Internal Cs of CCWGG on each TALE's own strand, in its bound bases."""
        ctx, nl, nr = 4, len(d.pair.left.rvds), len(d.pair.right.rvds)
        s0 = d.pair.left.footprint.start - ctx
        top = g.fetch(d.pair.contig, s0, d.pair.right.footprint.end + ctx).upper()
        q = ctx + 1 + nl + (d.pair.spacer.end - d.pair.spacer.start)
        n = 0
        for m in re.finditer(r"(?=CC[AT]GG)", top):
            n += ctx + 1 <= m.start() + 1 < ctx + 1 + nl  # + strand C, left TALE
            n += q <= m.start() + 3 < q + nr  # - strand C (a + strand G), right TALE
        return n

    def rule(d: Design) -> RuleEval:
        return next(r for r in d.rules if r.rule == "methylation")

    region = "NC_000913.3:365001-366300"  # lacZ
    p = KnockoutParams(top=100, specificity=False, min_cut_spacing_bp=0, enzymes="none")
    res = design_knockout(None, genome=g, region=region, params=p)
    for d in res.designs:
        assert "dcm" in rule(d).reason and "E. coli K-12" in rule(d).reason
        assert rule(d).value == hand_count(d)
    # a design that reads Dcm sites when methylation is ignored, re-designed alone under auto
    near = "NC_000913.3:365790-365835"  # around the CCAGG at 365,813
    free = design_knockout(None, genome=g, region=near,
                           params=dataclasses.replace(p, methylation="none"))
    d0 = next(d for d in free.designs if hand_count(d) > 0)
    sp = d0.pair.spacer.end - d0.pair.spacer.start
    one = KnockoutParams(top=1, specificity=False, enzymes="none", spacer_min_bp=sp,
                         spacer_max_bp=sp, arm_min_rvds=len(d0.pair.left.rvds),
                         arm_max_rvds=len(d0.pair.left.rvds))
    if len(d0.pair.right.rvds) != len(d0.pair.left.rvds):
        one = dataclasses.replace(one, arm_min_rvds=min(len(d0.pair.left.rvds),
                                                        len(d0.pair.right.rvds)),
                                  arm_max_rvds=max(len(d0.pair.left.rvds),
                                                   len(d0.pair.right.rvds)))
    at = f"NC_000913.3:{d0.pair.cut + 1}-{d0.pair.cut + 1}"
    res = design_knockout(None, genome=g, region=at, params=dataclasses.replace(one, top=50))
    d1 = next(d for d in res.designs if d.pair.pair_id() == d0.pair.pair_id())
    assert rule(d1).value == hand_count(d0) > 0
    assert rule(d0).value == 0 and rule(d0).score == 0.0
    assert rule(d1).score == pytest.approx(-float(RANKING["w_methylated_c"]) * hand_count(d0))


# ------------------------------------------------------------------ strong RVDs


def _strong(rvds: tuple[str, ...]) -> int:
    return sum(1 for r in rvds if r in ("HD", "NN", "NH"))


@pytest.mark.parametrize("g_rvd", ["NN", "NK"])
def test_pooled_strong_rvd_pct_equals_a_hand_computation(g_rvd: str) -> None:
    res = design_knockout("MT-ND4", params=KnockoutParams(top=20, specificity=False,
                                                          g_rvd=g_rvd))  # type: ignore[arg-type]
    differs = 0
    for d in res.designs:
        lr, rr = d.pair.left.rvds, d.pair.right.rvds
        # TALE-NT 2.0: HD, NN, NH are strong; NK (the weak G RVD) is not
        want = round(100 * (_strong(lr) + _strong(rr)) / (len(lr) + len(rr)), 2)
        assert ko.design_row(d)["strong_rvd_pct"] == want
        r = next(r for r in d.rules if r.rule == "strong_rvds")
        assert r.value == want
        assert r.score == pytest.approx(float(RANKING["w_strong_rvd"]) * want / 100, abs=1e-4)
        mean = round(50 * (_strong(lr) / len(lr) + _strong(rr) / len(rr)), 2)
        differs += mean != want
    if g_rvd == "NK":
        assert any("NK" in d.pair.left.rvds + d.pair.right.rvds for d in res.designs)
    assert differs, "unequal array lengths: pooled and mean-of-two should differ somewhere"
    header = next(ln for ln in ko.to_tsv_text(res).splitlines() if ln.startswith("rank\t"))
    assert "strong_rvd_pct" in header.split("\t")


# ------------------------------------------------------------------ scaffold layouts


def test_presets_carry_their_layouts_with_sources() -> None:
    cl = get_scaffold("cellectis-like")
    assert cl.layout == (16, 15, 16) and cl.layout_text() == "16/15/16"
    assert "17-15-17" in cl.layout_source and "Poirot" in cl.layout_source
    tab = load_all_tables()["scaffold_presets"]
    for sc in SCAFFOLDS.values():
        p = tab.get(f"{sc.name}.layout")
        assert p.value == sc.layout_text() and p.source
        assert tab.get(f"{sc.name}.ranges").source == sc.source


def test_cellectis_layout_is_preferred_only_as_a_tie_break() -> None:
    seq, _ = _planted_17_15_17(1)
    p = KnockoutParams(scaffold="cellectis-like", top=10**6, specificity=False,
                       min_cut_spacing_bp=0)
    res = design_knockout(None, params=p, sequence=seq)
    w = float(RANKING["w_layout"])
    for d in res.designs:
        r = next(r for r in d.rules if r.rule == "layout")
        assert r.value == abs(d.pair.spacer.end - d.pair.spacer.start - 15)
        assert -w - 1e-9 <= r.score <= 0.0 and (r.score == 0.0) == (r.value == 0)
    # the tale-nt preset has no layout, so no layout term
    res = design_knockout(None, params=KnockoutParams(top=3, specificity=False), sequence=seq)
    assert all(r.rule != "layout" for d in res.designs for r in d.rules)


def test_cli_methylation_option(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "x.tsv"
    code, _, err = run(["design", "MT-ND4", "--no-specificity", "--methylation", "5mc",
                        "--out", str(out)], capsys)
    assert_clean_error(code, err, "methylation", "auto, cpg, dcm or none")
    assert not out.exists()
    try:
        main(["design", "MT-ND4", "--no-specificity", "--top", "2", "--methylation", "cpg",
              "--json", str(tmp_path / "x.json"), "--out", str(out)])
    except SystemExit as exc:
        assert exc.code in (0, None), capsys.readouterr().err
    doc = json.loads((tmp_path / "x.json").read_text())
    assert "methylation context cpg" in json.dumps(doc)

"""Knockout designer: constraints, strand symmetry, planted pairs, pair enumeration
completeness against a brute-force reference.

The property tests cannot pass on empty results: each random sequence carries a planted
pair (or pair geometry) that must be reported, and ``hypothesis.event`` records how many
designs each example had (``pytest --hypothesis-show-statistics``)."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import event, given, settings
from hypothesis import strategies as st

from taleforge.design.knockout import KnockoutParams, design_knockout
from taleforge.design.pairs import enumerate_pairs
from taleforge.model.interval import reverse_complement
from taleforge.model.rvd import rvds_for_sequence
from taleforge.model.scaffold import custom_scaffold, get_scaffold

SMALL = custom_scaffold("tale-nt", arm_min_rvds=12, arm_max_rvds=14, spacer_min_bp=12, spacer_max_bp=16)


def _params(**kw: object) -> KnockoutParams:
    base = dict(scaffold=SMALL, top=60, min_cut_spacing_bp=0, specificity=False)
    base.update(kw)
    return KnockoutParams(**base)  # type: ignore[arg-type]


dna = st.text(alphabet="ACGT", min_size=60, max_size=220)

#: half-sites (5'->3' as each TALE reads them, 13 bp) that pass every TALE-NT and Cermak
#: composition rule: not T then not A at the start, T last, G <= 25 %, C >= 11 %, 1-5 T
PLANT_LEFT = "CCACAGCTCACTT"
PLANT_RIGHT = "GCACTCAGCACCT"


@st.composite
def planted(draw: st.DrawFn) -> tuple[str, int]:
    """(sequence, position 0 of the planted left TALE): random flanks around
    T + left + 14-bp random spacer + revcomp(right) + A (a pair every rule accepts)."""
    pre = draw(st.text(alphabet="ACGT", max_size=100))
    spacer = draw(st.text(alphabet="ACGT", min_size=14, max_size=14))
    post = draw(st.text(alphabet="ACGT", max_size=100))
    site = "T" + PLANT_LEFT + spacer + reverse_complement(PLANT_RIGHT) + "A"
    return pre + site + post, len(pre)


def _is_plant(pr: object, p0: int) -> bool:
    return (pr.left.pos0 == p0 and pr.left.length == 13  # type: ignore[attr-defined]
            and pr.right.length == 13 and len(pr.spacer) == 14)  # type: ignore[attr-defined]


def _brute_pairs(seq: str, sc: object) -> set[tuple[int, int, int, int]]:
    out = set()
    n = len(seq)
    for L in range(sc.arm_min_rvds, sc.arm_max_rvds + 1):  # type: ignore[attr-defined]
        for S in range(sc.spacer_min_bp, sc.spacer_max_bp + 1):  # type: ignore[attr-defined]
            for R in range(sc.arm_min_rvds, sc.arm_max_rvds + 1):  # type: ignore[attr-defined]
                for p in range(n):
                    end = p + L + S + R + 1
                    if end >= n:
                        break
                    # N fails in position 0 and the bound bases; an N in the spacer is allowed
                    # (as in TALE-NT 2.0)
                    bound = seq[p : p + L + 1] + seq[p + L + S + 1 : end + 1]
                    if "N" in bound:
                        continue
                    if seq[p] in sc.pos0_bases and reverse_complement(seq[end]) in sc.pos0_bases:  # type: ignore[attr-defined]
                        out.add((p, L, S, R))
    return out


@given(st.text(alphabet="ACGTN", min_size=0, max_size=60),
       st.text(alphabet="ACGT", min_size=12 + 12 + 12, max_size=14 + 16 + 14),
       st.text(alphabet="ACGTN", min_size=0, max_size=60))
@settings(max_examples=30)
def test_enumeration_matches_brute_force(pre: str, middle: str, post: str) -> None:
    # T + N-free middle (between the shortest and longest pair) + A: at least one geometry
    seq = pre + "T" + middle + "A" + post
    c = enumerate_pairs(seq, SMALL)
    got = set(zip(c.p.tolist(), c.left_len.tolist(), c.spacer_len.tolist(), c.right_len.tolist(), strict=True))
    want = _brute_pairs(seq, SMALL)
    assert got == want
    assert any(p == len(pre) for p, *_ in want)  # the planted geometry is there
    event(f"geometries: {'<10' if len(want) < 10 else '10+'}")


def _at_run(s: str) -> int:
    best = run = 0
    for ch in s:
        run = run + 1 if ch in "AT" else 0
        best = max(best, run)
    return best


@given(planted())
def test_every_reported_pair_satisfies_every_constraint(plant: tuple[str, int]) -> None:
    seq, p0 = plant
    res = design_knockout(sequence=seq, params=_params(cermak=True, top=100000))
    assert any(_is_plant(d.pair, p0) for d in res.designs), res.empty_reason()
    event(f"designs: {min(len(res.designs), 5)}{'+' if len(res.designs) >= 5 else ''}")
    sc = SMALL
    for d in res.designs:
        pr = d.pair
        assert pr.left.pos0_base in sc.pos0_bases and pr.right.pos0_base in sc.pos0_bases
        assert seq[pr.left.pos0] == "T" and seq[pr.right.pos0] == "A"
        assert sc.arm_min_rvds <= pr.left.length <= sc.arm_max_rvds
        assert sc.arm_min_rvds <= pr.right.length <= sc.arm_max_rvds
        assert sc.spacer_min_bp <= len(pr.spacer) <= sc.spacer_max_bp
        assert pr.left.seq == seq[pr.left.bound.start : pr.left.bound.end]
        assert pr.right.seq == reverse_complement(seq[pr.right.bound.start : pr.right.bound.end])
        assert pr.left.bound.end == pr.spacer.start and pr.spacer.end == pr.right.bound.start
        for hs in (pr.left, pr.right):
            assert hs.rvds == rvds_for_sequence(hs.seq)
            gc = (hs.seq.count("G") + hs.seq.count("C")) / hs.length
            assert gc >= 0.25
            assert _at_run(hs.seq) <= 5
            assert hs.seq[0] != "T" and hs.seq[1] != "A" and hs.seq[-1] == "T"
            for base, (mean, sd) in {"A": (31, 16), "C": (37, 13), "G": (9, 8), "T": (22, 10)}.items():
                pct = 100 * hs.seq.count(base) / hs.length
                assert mean - 2 * sd <= pct <= mean + 2 * sd
        assert all(r.passed for r in d.rules if r.kind == "filter")


def _key(pr: object, n: int, mirror: bool) -> tuple[int, int, int, int]:
    left, right, spacer = pr.left, pr.right, pr.spacer  # type: ignore[attr-defined]
    if not mirror:
        return (left.pos0, left.length, len(spacer), right.length)
    # on the reverse complement the right TALE becomes the left one
    return (n - 1 - right.pos0, right.length, len(spacer), left.length)


@given(planted(), dna)
def test_reverse_complement_mirrors_pairs(plant: tuple[str, int], tail: str) -> None:
    seq = plant[0] + tail
    fwd = design_knockout(sequence=seq, params=_params(top=100000, enzymes="none"))
    rev = design_knockout(sequence=reverse_complement(seq), params=_params(top=100000, enzymes="none"))
    assert any(_is_plant(d.pair, plant[1]) for d in fwd.designs)  # never two empty sets
    event(f"designs: {'<10' if len(fwd.designs) < 10 else '10+'}")
    n = len(seq)
    a = {(_key(d.pair, n, False), round(d.score, 6)) for d in fwd.designs}
    b = {(_key(d.pair, n, True), round(d.score, 6)) for d in rev.designs}
    assert a == b
    # RVDs swap sides
    fl = {(d.pair.left.rvds, d.pair.right.rvds) for d in fwd.designs}
    rl = {(d.pair.right.rvds, d.pair.left.rvds) for d in rev.designs}
    assert fl == rl


def test_planted_pair_found_with_exact_rvds_and_coordinates() -> None:
    rng = random.Random(7)
    bg = "".join(rng.choice("AATTTTTTAA") for _ in range(400))  # AT-rich: few natural pairs
    left = "CACAGCCCTCGACTCC"  # 16 bp bound by the left TALE
    spacer = "ATCTACATATTTACC"  # 15 bp
    right = "GGGCTCACTCACCCAC"  # bound by the right TALE (bottom strand, 5'->3')
    site = "T" + left + spacer + reverse_complement(right) + "A"
    seq = bg[:200] + site + bg[200:]
    res = design_knockout(
        sequence=seq, params=_params(scaffold="cellectis-like", cermak=False, top=100000, enzymes="none")
    )
    hits = [d for d in res.designs if d.pair.left.pos0 == 200 and len(d.pair.spacer) == 15]
    assert len(hits) == 1
    pr = hits[0].pair
    assert pr.left.rvd_string() == "HD NI HD NI NN HD HD HD NG HD NN NI HD NG HD HD"
    assert pr.right.rvd_string() == "NN NN NN HD NG HD NI HD NG HD NI HD HD HD NI HD"
    assert (pr.left.bound.start, pr.left.bound.end) == (201, 217)
    assert (pr.spacer.start, pr.spacer.end) == (217, 232)
    assert (pr.right.bound.start, pr.right.bound.end) == (232, 248)
    assert pr.right.pos0 == 248 and pr.cut == 217 + 7


def test_ranking_is_deterministic() -> None:
    rng = np.random.default_rng(3)
    seq = "".join("ACGT"[i] for i in rng.integers(0, 4, 600))
    a = design_knockout(sequence=seq, params=_params(top=50, min_cut_spacing_bp=5))
    b = design_knockout(sequence=seq, params=_params(top=50, min_cut_spacing_bp=5))
    assert [(d.pair.key, d.score) for d in a.designs] == [(d.pair.key, d.score) for d in b.designs]
    scores = [d.score for d in a.designs]
    assert scores == sorted(scores, reverse=True)
    cuts = [d.pair.cut for d in a.designs]
    assert all(abs(x - y) >= 5 for i, x in enumerate(cuts) for y in cuts[:i])


def test_all_presets_validate() -> None:
    for name in ("tale-nt", "cellectis-like", "goldy", "plus63", "evolved-ntd"):
        assert get_scaffold(name).validate().name == name


def test_vcf_variants_in_half_sites_are_penalised(tmp_path: object) -> None:
    from pathlib import Path

    from taleforge.genome.vcf import Variant

    rng = np.random.default_rng(11)
    seq = "".join("ACGT"[i] for i in rng.integers(0, 4, 300))
    base = design_knockout(sequence=seq, params=_params(top=5, enzymes="none"))
    best = base.designs[0].pair
    # a SNP inside the best design's left half-site
    pos = best.left.bound.start + 3
    var = [Variant(best.contig, pos, seq[pos], "A" if seq[pos] != "A" else "C", "rsTest")]
    res = design_knockout(sequence=seq, variants=var, params=_params(top=100000, enzymes="none"))
    hit = [d for d in res.designs if d.pair.key == best.key]
    assert hit, "the design is still reported, ranked lower"
    assert hit[0].annotations.get("variants") == 1
    assert any(r.rule == "variants" and r.score < 0 for r in hit[0].rules)
    assert hit[0].score < base.designs[0].score
    # and through a VCF file
    vcf = Path(str(tmp_path)) / "v.vcf"
    vcf.write_text(
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
        f"{best.contig}\t{pos + 1}\trsTest\t{seq[pos]}\t{var[0].alt}\t.\t.\t.\n"
    )
    res2 = design_knockout(sequence=seq, variants=vcf, params=_params(top=100000, enzymes="none"))
    assert [d.score for d in res2.designs] == [d.score for d in res.designs]

"""Allele-specific TALENs (issue 16): a synthetic gene with a planted dominant mutation.

Every number the designer reports is recomputed here from the binding model directly
(``score_site`` on both alleles), so the tests check the designer, not its own arithmetic."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from taleforge.cli import main
from taleforge.design.allele_specific import (
    AlleleSpecificParams,
    AlleleTarget,
    allele_specific_correction,
    design_allele_specific,
)
from taleforge.design.donor import CorrectionParams, SequenceEdit
from taleforge.errors import NoResultError
from taleforge.model.interval import reverse_complement
from taleforge.model.scaffold import get_scaffold
from taleforge.model.talen import TalenPair
from taleforge.scoring.base import get_model, normalised_margin
from tests.test_donor_synthetic import CONTIG, make_gene

OTHER = {"A": "C", "C": "G", "G": "T", "T": "A"}


def _margin(pair: TalenPair, allele: str, offset: int, model: str) -> tuple[float, bool]:
    """Independent pair binding margin and cut call on ``allele`` (+ strand window)."""
    md = get_model(model)
    sc = get_scaffold("tale-nt")
    up = allele.upper()
    lb, rb = pair.left.bound, pair.right.bound
    left = md.score_site(pair.left.rvds, up[lb.start - offset: lb.end - offset],
                         up[pair.left.pos0 - offset])
    right = md.score_site(pair.right.rvds,
                          reverse_complement(up[rb.start - offset: rb.end - offset]),
                          reverse_complement(up[pair.right.pos0 - offset]))
    cuts = all(s.passes and s.pos0_base is not None and s.pos0_base in sc.pos0_bases
               for s in (left, right))
    return min(normalised_margin(md, left), normalised_margin(md, right)), cuts


def _placed(pair: TalenPair, v: int) -> bool:
    lft, rgt = pair.left, pair.right
    return lft.pos0 <= v < lft.bound.end or rgt.bound.start <= v <= rgt.pos0


def _alleles(seq: str, v: int, alt: str, cis: tuple[tuple[int, str], ...] = ()) -> str:
    mut = list(seq)
    mut[v] = alt
    for q, b in cis:
        mut[q] = b
    return "".join(mut)


@pytest.mark.parametrize("model", ["positional", "tale-nt"])
def test_variant_in_half_site_and_margin_as_reported(model: str) -> None:
    seq, tx = make_gene(11, "+")
    v = tx.genomic_pos(80 * 3 - 2)
    alt = OTHER[seq[v]]
    res = design_allele_specific(
        AlleleTarget(seq, v, alt, CONTIG, 0, transcripts=(tx,)),
        AlleleSpecificParams(model=model, n_designs=5, specificity=False))
    assert res.designs, res.rejections
    mut = _alleles(seq, v, alt)
    margins = []
    for d in res.designs:
        assert _placed(d.pair, v)
        m_mut, cut_mut = _margin(d.pair, mut, 0, model)
        m_wt, cut_wt = _margin(d.pair, seq, 0, model)
        # the mutant allele scores better than the wild type, or the wild type fails outright
        # (position 0, which tale-nt does not score)
        assert cut_mut and (m_mut > m_wt or not cut_wt)
        assert d.scores.margin == pytest.approx(m_mut - m_wt, abs=1e-9)
        assert d.as_dict()["allele_margin"] == pytest.approx(m_mut - m_wt, abs=1e-6)
        assert d.wt_fails == (not cut_wt)
        margins.append((not cut_wt, d.scores.margin))
    assert margins == sorted(margins, reverse=True)  # ranked: wild type fails, then margin
    codes = [w.code for w in res.typed_warnings()]
    if not any(d.wt_fails for d in res.designs):  # honest: says the best only prefers
        assert "allele-specificity" in codes
        assert all(d.verdict == "prefers mutant" and d.warnings for d in res.designs)


def _random(seed: int, n: int = 400) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice("ACGT") for _ in range(n))


@pytest.mark.parametrize("model", ["positional", "tale-nt"])
def test_position_zero_makes_wild_type_fail(model: str) -> None:
    seq = _random(5)
    v = 150
    seq = seq[:v] + "C" + seq[v + 1:]  # wild type C, mutant T at a left position 0
    res = design_allele_specific(AlleleTarget(seq, v, "T"),
                                 AlleleSpecificParams(model=model, n_designs=3,
                                                      specificity=False))
    best = res.designs[0]
    assert best.variant_repeat == 0 and best.variant_tale == "left"
    assert best.pair.left.pos0 == v
    _, cut_wt = _margin(best.pair, seq, 0, model)
    assert not cut_wt and best.wt_fails and best.verdict == "wild type fails"
    rule = next(r for r in best.rules if r.rule == "wild_type_fails")
    assert rule.passed and "position 0 is C" in rule.reason
    assert not any(w.code == "allele-specificity" and w.severity == "warning"
                   for w in res.typed_warnings())


def test_cis_snp_in_other_half_site_makes_wild_type_fail() -> None:
    seq = _random(8)
    c, v = 120, 164  # cis SNP G>T makes a left position 0; the variant sits in the right arm
    seq = seq[:c] + "G" + seq[c + 1:]
    seq = seq[:v] + "A" + seq[v + 1:]
    target = AlleleTarget(seq, v, "C", cis=((c, "T"),))
    res = design_allele_specific(target, AlleleSpecificParams(n_designs=3, specificity=False))
    best = res.designs[0]
    assert best.variant_tale == "right" and best.pair.left.pos0 == c
    assert best.cis_in_other == (c,)
    mut = _alleles(seq, v, "C", ((c, "T"),))
    assert _margin(best.pair, mut, 0, "positional")[1]
    assert not _margin(best.pair, seq, 0, "positional")[1]
    assert best.verdict == "wild type fails"
    # without the cis SNP no pair can use that position 0 (the mutant allele has G there)
    plain = design_allele_specific(AlleleTarget(seq, v, "C"),
                                   AlleleSpecificParams(n_designs=3, specificity=False))
    assert all(d.pair.left.pos0 != c for d in plain.designs)


def test_cis_variants_from_strings_are_checked_against_the_reference() -> None:
    seq = _random(8)
    c, v = 120, 164
    seq = seq[:c] + "G" + seq[c + 1:]
    from taleforge.errors import InputError

    with pytest.raises(InputError, match="the reference has G"):
        design_allele_specific(AlleleTarget(seq, v, OTHER[seq[v]]), AlleleSpecificParams(
            cis_variants=[f"seq:{c + 1}:A>T"], specificity=False))
    res = design_allele_specific(AlleleTarget(seq, v, OTHER[seq[v]]), AlleleSpecificParams(
        cis_variants=[f"seq:{c + 1}:G>T"], specificity=False, n_designs=1))
    assert res.designs


def test_variant_outside_any_half_site_says_why() -> None:
    core = _random(3, 30)
    seq = "N" * 100 + core + "N" * 100
    v = 115
    with pytest.raises(NoResultError) as exc:
        design_allele_specific(AlleleTarget(seq, v, OTHER[seq[v]]),
                               AlleleSpecificParams(specificity=False))
    msg = exc.value.one_line()
    assert "no allele-specific design" in msg and "N base" in msg and "\n" not in msg


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), v=st.integers(80, 220))
def test_property_every_design_places_the_variant(seed: int, v: int) -> None:
    seq = _random(seed, 300)
    alt = OTHER[seq[v]]
    res = design_allele_specific(AlleleTarget(seq, v, alt),
                                 AlleleSpecificParams(n_designs=3, specificity=False))
    event(f"designs={len(res.designs)}")
    assert res.designs  # a random 300-bp window always has a pair over an interior base
    mut = _alleles(seq, v, alt)
    for d in res.designs:
        assert _placed(d.pair, v)
        m_mut, _ = _margin(d.pair, mut, 0, "positional")
        m_wt, _ = _margin(d.pair, seq, 0, "positional")
        assert d.scores.margin == pytest.approx(m_mut - m_wt, abs=1e-9)


def test_deterministic_json() -> None:
    seq = _random(5)
    t = AlleleTarget(seq, 150, OTHER[seq[150]])
    p = AlleleSpecificParams(n_designs=3, specificity=False)
    a = design_allele_specific(t, p).to_json("x")
    b = design_allele_specific(t, p).to_json("x")
    assert a == b
    data = json.loads(a)
    assert data["job"] == "knockout" and data["kind"] == "allele_specific_knockout"
    assert {t["name"] for t in data["provenance"]["parameter_tables"]} >= {"allele_specific"}


def test_correction_cut_is_allele_specific() -> None:
    seq, tx = make_gene(11, "+")
    v = tx.genomic_pos(80 * 3 - 2)
    ref = seq[v]
    alt = OTHER[ref]
    mut = _alleles(seq, v, alt)
    res = allele_specific_correction(
        SequenceEdit(mut, v, ref, CONTIG, 0, (tx,)),
        CorrectionParams(model="tale-nt", specificity=False, n_designs=2))
    assert res.designs
    for d in res.designs:
        assert _placed(d.pair, v) and not d.edit_in_spacer
        rules = {r.rule: r for r in d.rules}
        m_mut, _ = _margin(d.pair, mut, 0, "tale-nt")
        m_wt, _ = _margin(d.pair, seq, 0, "tale-nt")
        assert rules["allele_margin"].value == pytest.approx(m_mut - m_wt, abs=1e-6)
        assert "silent_blocking" in rules  # still a full correction design (ssODN, blocking)
    margins = [r.value for d in res.designs for r in d.rules if r.rule == "allele_margin"]
    assert margins == sorted(margins, reverse=True)


def _fasta(tmp_path: Path, name: str, seq: str) -> Path:
    p = tmp_path / f"{name}.fa"
    p.write_text(f">{name}\n{seq}\n")
    return p


def _run(args: list[str]) -> int:
    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_design_cli_allele_specific(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seq = _random(5)
    fa = _fasta(tmp_path, "loc", seq)
    out = tmp_path / "as.tsv"
    js = tmp_path / "as.json"
    var = f"loc:151:{seq[150]}>{OTHER[seq[150]]}"
    rc = _run(["design", "--sequence", str(fa), "--variant", var, "--allele-specific",
               "--no-specificity", "--top", "3", "-o", str(out), "--json", str(js)])
    assert rc == 0, capsys.readouterr().err
    data = json.loads(js.read_text())
    assert data["variant"] == var and len(data["designs"]) == 3
    header = next(ln for ln in out.read_text().splitlines() if not ln.startswith("#"))
    assert "allele_margin" in header.split("\t")
    # the reason, on one line, exit 2, nothing written
    nseq = "N" * 100 + _random(3, 30) + "N" * 100
    fa2 = _fasta(tmp_path, "nn", nseq)
    out2 = tmp_path / "none.tsv"
    rc = _run(["design", "--sequence", str(fa2), "--variant", f"nn:116:{nseq[115]}>"
               f"{OTHER[nseq[115]]}", "--allele-specific", "--no-specificity", "-o", str(out2)])
    err = capsys.readouterr().err
    assert rc == 2 and "no allele-specific design" in err and "Traceback" not in err
    assert not out2.exists()
    rc = _run(["design", "--sequence", str(fa), "--variant", var, "--no-specificity"])
    assert rc == 2 and "--allele-specific" in capsys.readouterr().err


def test_correct_cli_allele_specific(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seq, tx = make_gene(11, "+")
    v = tx.genomic_pos(80 * 3 - 2)
    mut = _alleles(seq, v, OTHER[seq[v]])
    fa = _fasta(tmp_path, CONTIG, mut)
    out = tmp_path / "corr"
    rc = _run(["correct", "--sequence", str(fa), "--position", str(v + 1), "--to", seq[v],
               "--allele-specific", "--model", "tale-nt", "--no-specificity", "--designs", "1",
               "-o", str(out)])
    assert rc == 0, capsys.readouterr().err
    data = json.loads((out / "correction.json").read_text())
    rules = {r["rule"] for r in data["designs"][0]["rules"]}
    assert {"allele_margin", "wild_type_fails", "position_polarity"} <= rules


def test_genome_mode_with_specificity(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.test_donor_cli import _gff3

    seq, tx = make_gene(11, "-")
    fa = _fasta(tmp_path, CONTIG, seq)
    gff = tmp_path / "g.gff3"
    gff.write_text(_gff3(tx))
    v = tx.genomic_pos(80 * 3 - 2)
    var = f"{CONTIG}:{v + 1}:{seq[v]}>{OTHER[seq[v]]}"
    js = tmp_path / "as.json"
    rc = _run(["design", "--genome", str(fa), "--annotation", str(gff), "--variant", var,
               "--allele-specific", "--top", "2", "--json", str(js), "-o", str(tmp_path / "a.bed")])
    assert rc == 0, capsys.readouterr().err
    data = json.loads(js.read_text())
    assert data["transcripts"] == ["TX1"] and data["provenance"]["genome"]["sha256"]
    assert all(d["offtarget"] is not None for d in data["designs"])  # scanned genome-wide
    assert all(d["checked"] is True and d["clean"] is not None for d in data["designs"])
    assert "second_cut_tier" in {r["rule"] for r in data["designs"][0]["rules"]}
    assert any("scanned genome-wide" in n for n in data["notes"])
    cut_rule = next(r for r in data["designs"][0]["rules"] if r["rule"] == "cut_in_transcript")
    assert cut_rule["reason"].startswith("TX1: the cut is in exon")
    assert (tmp_path / "a.bed").read_text().startswith("track")
    # a wrong REF is one line naming the base
    rc = _run(["design", "--genome", str(fa), "--variant", f"{CONTIG}:{v + 1}:{OTHER[seq[v]]}>"
               f"{seq[v]}", "--allele-specific", "--no-specificity"])
    err = capsys.readouterr().err
    assert rc == 2 and f"the reference has {seq[v]}" in err


def test_cis_snp_from_vcf(tmp_path: Path) -> None:
    seq = _random(8)
    c, v = 120, 164
    seq = seq[:c] + "G" + seq[c + 1:]
    seq = seq[:v] + "A" + seq[v + 1:]
    vcf = tmp_path / "cis.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                   f"seq\t{c + 1}\t.\tG\tT\t.\t.\t.\n")
    res = design_allele_specific(AlleleTarget(seq, v, "C"), AlleleSpecificParams(
        cis_variants=vcf, n_designs=1, specificity=False))
    assert res.designs[0].cis_in_other == (c,) and res.designs[0].wt_fails
    # the correction cut sees the cis SNP too (the cells' allele carries it)
    mut = _alleles(seq, v, "C", ((c, "T"),))
    corr = allele_specific_correction(SequenceEdit(mut, v, "A", "seq", 0), CorrectionParams(
        specificity=False, n_designs=1, max_cut_distance_bp=30), cis_variants=vcf)
    assert corr.designs


def test_hbb_sickle_allele_position_zero() -> None:
    """Real locus: HBB c.20A>T (coding orientation of the U01317.1 window) puts a T where a
    left TALE's position 0 can sit, so the wild-type allele fails outright under the T-only
    tale-nt scaffold, with either model."""
    from tests.conftest import shared

    fa = shared("human-hbb", "HBB_locus_U01317.1_GRCh38_chr11_5224964-5227571_minus.fa")
    seq = "".join(ln.strip() for ln in fa.read_text().splitlines()
                  if not ln.startswith(">")).upper()
    v = 569  # c.20 (1-based local 570)
    assert seq[v] == "A"
    for model in ("positional", "tale-nt"):
        res = design_allele_specific(AlleleTarget(seq, v, "T", "HBB_locus"),
                                     AlleleSpecificParams(model=model, n_designs=2,
                                                          specificity=False))
        best = res.designs[0]
        assert best.pair.left.pos0 == v and best.wt_fails
        assert not _margin(best.pair, seq, 0, model)[1]

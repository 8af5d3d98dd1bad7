"""Knockout trust core: second-cut warnings, ranking on evidence (clean, not checked, known
off-target), the shortlist rounds, the plan protocol (shared scans give the same results)
and the warnings of jobs that scanned no genome. Planted random genomes (a duplicate of the
target region on the same or on another contig) and E. coli tufA/tufB from ../shared."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from taleforge.design.knockout import (
    CLEAN,
    HAS_OFFTARGET,
    NOT_CHECKED,
    KnockoutParams,
    KnockoutResult,
    design_knockout,
    plan_knockout,
)
from taleforge.design.second_cut import DELETION, TRANSLOCATION
from taleforge.design.specificity import specificity_for_pairs
from taleforge.genome.index import Genome, genome_from_sequence
from taleforge.io import knockout_out as ko

from .conftest import shared

TARGET = (2000, 2600)  # 0-based half-open window on c1
MARGIN = 100
SHIFT = 30000 - (TARGET[0] - MARGIN)  # how far the same-contig copy lies downstream
FAST = {"model": "tale-nt", "enzymes": "none"}


@cache
def _genome(dup: str, dup_len: int = 800) -> Genome:
    """c1 (40 kb) and c2 (20 kb) random; ``dup_len`` bp from 100 bp before the target
    window (so the default covers every half-site of the window's candidates) are copied to
    c1:30001 (``dup="same"``), to c2:5001 (``"other"``) or nowhere (``"none"``)."""
    rng = np.random.default_rng(2024)
    c1 = list("".join(rng.choice(list("ACGT"), 40000)))
    c2 = list("".join(rng.choice(list("ACGT"), 20000)))
    piece = c1[TARGET[0] - MARGIN: TARGET[0] - MARGIN + dup_len]
    if dup == "same":
        c1[30000: 30000 + dup_len] = piece
    elif dup == "other":
        c2[5000: 5000 + dup_len] = piece
    return genome_from_sequence(f">c1\n{''.join(c1)}\n>c2\n{''.join(c2)}\n", name=f"dup-{dup}")


REGION = f"c1:{TARGET[0] + 1}-{TARGET[1]}"


def _design(g: Genome, region: str = REGION, **kw: object) -> KnockoutResult:
    p = KnockoutParams(**{"top": 5, "specificity_candidates": 25, **FAST, **kw})  # type: ignore[arg-type]
    return design_knockout(None, p, genome=g, region=region)


def _cls(d: object) -> int:
    a = d.annotations  # type: ignore[attr-defined]
    if not a["checked"]:
        return NOT_CHECKED
    return CLEAN if a["offtarget"]["n_second_cut_pairs"] == 0 else HAS_OFFTARGET


def _codes(res: KnockoutResult) -> list[str]:
    return [w.code for w in res.typed_warnings()]


def test_same_contig_duplicate_deletion_warning_with_distance() -> None:
    res = _design(_genome("same"))
    assert res.designs
    w = [w for w in res.typed_warnings() if w.code == "second-cut"]
    assert len(w) == len(res.designs)  # every design in the duplicated target cuts twice
    for d, x in zip(res.designs, w, strict=True):
        det = dict(x.details or {})
        assert x.design is not None and x.design.startswith(f"#{d.rank} ")
        assert det["contig"] == "c1" and det["consequence"] == DELETION
        assert det["distance_bp"] == SHIFT  # the copy's cut is 28.1 kb downstream
        assert det["mismatches"] == {"up": 0, "down": 0, "up_role": "L", "down_role": "R"}
        assert d.annotations["offtarget"]["closest_pair"]["cut"] == d.pair.cut + 1 + SHIFT
        assert d.annotations["second_cut"].startswith(DELETION)
    assert _codes(res).count("no-clean-design") == 1


def test_other_contig_duplicate_is_a_translocation_and_in_outputs() -> None:
    res = _design(_genome("other"))
    w = [w for w in res.typed_warnings() if w.code == "second-cut"]
    assert w and all(dict(x.details or {})["consequence"] == TRANSLOCATION for x in w)
    assert all(dict(x.details or {})["distance_bp"] is None for x in w)
    doc = json.loads(ko.to_json_text(res))
    assert [x["code"] for x in doc["warnings"]].count("second-cut") == len(w)
    d0 = doc["designs"][0]
    assert d0["checked"] is True and d0["offtarget"]["closest_pair"]["contig"] == "c2"
    tsv = ko.to_tsv_text(res).splitlines()
    head = next(ln for ln in tsv if ln.startswith("rank\t")).split("\t")
    row = dict(zip(head, tsv[tsv.index(next(ln for ln in tsv if ln.startswith("rank\t"))) + 1]
                   .split("\t"), strict=True))
    assert row["checked"] == "yes" and row["second_cut"].startswith(TRANSLOCATION)
    assert row["closest_offtarget_pair"].startswith("c2:")
    # the HTML report shows the breakdown's closest pair and its consequence per design
    from taleforge.io.registry import render

    page = render("knockout", "html", res, command="test")
    assert 'class="meta closest-pair">closest off-target pair: c2:' in page
    assert f"risks {TRANSLOCATION}" in page


def test_partial_duplicate_clean_designs_rank_first_and_top_invariant() -> None:
    g = _genome("same", dup_len=400)  # only the first half of the target is duplicated
    results = {t: _design(g, top=t, specificity_candidates=4) for t in (1, 3, 12)}
    ids = {t: [d.pair.pair_id() for d in r.designs] for t, r in results.items()}
    assert ids[1][0] == ids[3][0] == ids[12][0]  # #1 does not change with --top
    big = results[12]
    classes = [_cls(d) for d in big.designs]
    assert classes == sorted(classes)  # clean, then not checked, then known off-target
    assert classes[0] == CLEAN
    for d in big.designs:
        if _cls(d) == HAS_OFFTARGET:
            assert d.pair.cut < TARGET[0] + 300  # only the duplicated half cuts twice
    assert "no-clean-design" not in _codes(big)


def test_shortlist_grows_in_rounds_when_few_are_clean() -> None:
    g = _genome("same", dup_len=400)
    one = plan_knockout(None, KnockoutParams(top=6, specificity_candidates=2, **FAST),  # type: ignore[arg-type]
                        genome=g, region=REGION)
    rounds = 0
    while not one.done:
        rounds += 1
        one.feed(specificity_for_pairs(one.spec_genome, one.pending(), **one.spec_kwargs))
    res = one.result()
    assert rounds >= 2 and one.n_scanned == 2 * rounds  # rounds of --specificity-candidates
    assert one.n_clean() >= 6  # it stopped once --top clean designs were found
    before_last = sum(1 for i, r in one.round_of.items() if r < rounds - 1 and one._is_clean(i))
    assert before_last < 6  # and not before
    assert all(d.checked for d in res.designs)


def test_two_plans_through_one_joint_scan_equal_two_design_calls() -> None:
    g = _genome("same", dup_len=400)
    regions = (REGION, "c1:10001-10400")
    params = KnockoutParams(top=4, specificity_candidates=3, **FAST)  # type: ignore[arg-type]
    plans = [plan_knockout(None, params, genome=g, region=r) for r in regions]
    assert plans[0].spec_key == plans[1].spec_key
    joint_calls = 0
    while not all(p.done for p in plans):
        live = [p for p in plans if not p.done]
        batch = [pr for p in live for pr in p.pending()]
        sums = specificity_for_pairs(live[0].spec_genome, batch, **live[0].spec_kwargs)
        joint_calls += 1
        k = 0
        for p in live:
            n = len(p.pending())
            p.feed(sums[k: k + n])
            k += n
    for p, r in zip(plans, regions, strict=True):
        alone = design_knockout(None, params, genome=g, region=r)
        assert ko.to_json_text(p.result()) == ko.to_json_text(alone)
        assert ko.to_tsv_text(p.result()) == ko.to_tsv_text(alone)
    assert joint_calls >= 1


def test_plan_feed_checks_order_and_count() -> None:
    from taleforge.errors import ParameterError

    p = plan_knockout(None, KnockoutParams(top=2, specificity_candidates=2, **FAST),  # type: ignore[arg-type]
                      genome=_genome("none"), region=REGION)
    pend = p.pending()
    sums = specificity_for_pairs(p.spec_genome, pend, **p.spec_kwargs)
    with pytest.raises(ParameterError):
        p.feed(sums[:1])
    with pytest.raises(ParameterError):
        p.feed(list(reversed(sums)))
    with pytest.raises(ParameterError):
        p.result()


def test_no_specificity_says_no_genome_scanned_and_marks_unchecked() -> None:
    res = _design(_genome("same"), specificity=False)
    codes = _codes(res)
    assert codes.count("no-genome-scanned") == 1 and "second-cut" not in codes
    assert all(not d.checked for d in res.designs)
    doc = json.loads(ko.to_json_text(res))
    assert all(d["checked"] is False and d["offtarget"] is None for d in doc["designs"])


def test_clean_genome_has_no_second_cut_warning() -> None:
    res = _design(_genome("none"))
    assert res.designs and all(_cls(d) == CLEAN for d in res.designs)
    assert not {"second-cut", "no-clean-design", "no-genome-scanned"} & set(_codes(res))


def test_mtdna_without_nuclear_genome_warns_numts() -> None:
    res = design_knockout("MT-ND4", KnockoutParams(top=2, specificity_candidates=2, **FAST))  # type: ignore[arg-type]
    assert "numt-not-checked" in _codes(res)
    nuc = genome_from_sequence(">chr1\n" + "ACGT" * 2000 + "\n", name="nuc")
    res2 = design_knockout("MT-ND4", KnockoutParams(top=2, specificity_candidates=2, **FAST),  # type: ignore[arg-type]
                           nuclear_genome=nuc)
    assert "numt-not-checked" not in _codes(res2)
    assert all("offtarget_nuclear" in d.annotations for d in res2.designs)
    assert res2.provenance["nuclear_genome"]["name"] == "nuc"


@pytest.mark.shared
def test_ecoli_tufa_designs_carry_second_cut_at_tufb() -> None:
    """tufA and tufB (E. coli K-12, ~705 kb apart) are near-identical: most scanned tufA
    designs also form a passing pair at tufB (second-cut warning: deletion/inversion). The
    few clean ones rank first, and the list says which designs were not checked."""
    from taleforge.design.second_cut import second_cut_warnings

    fa = shared("ecoli", "GCF_000005845.2_ASM584v2_genomic.fna.gz")
    gff = shared("ecoli", "GCF_000005845.2_ASM584v2_genomic.gff.gz")
    plan = plan_knockout("tufA", KnockoutParams(top=8, specificity_candidates=25,
                                                enzymes="none"), genome=fa, annotation=gff)
    while not plan.done:
        plan.feed(specificity_for_pairs(plan.spec_genome, plan.pending(), **plan.spec_kwargs))
    res = plan.result()
    at_tufb = 0
    sums = plan.summaries["genome"]
    for i, sm in sums.items():
        pr = plan.pair_of(i)
        for w in second_cut_warnings(sm, design_id=pr.pair_id(), target_contig=pr.contig,
                                     target_cut=pr.cut, annotation=plan.annotation):
            det = dict(w.details or {})
            if det["nearest_gene"] == "tufB":
                at_tufb += 1
                assert det["consequence"] == DELETION and det["contig"] == "NC_000913.3"
                assert 700_000 < det["distance_bp"] < 710_000
    assert at_tufb > len(sums) // 2  # most tufA designs cut tufB too
    classes = [_cls(d) for d in res.designs]
    assert classes == sorted(classes)
    if CLEAN in classes:  # clean designs exist in tufA: they rank first
        assert classes[0] == CLEAN
    else:
        assert "no-clean-design" in _codes(res)
    if NOT_CHECKED in classes:
        assert "not-checked" in _codes(res)
    for d in res.designs:  # every reported design with a second cut says so
        if _cls(d) == HAS_OFFTARGET:
            assert any(w.design == f"#{d.rank} {d.pair.pair_id()}" for w in res.typed_warnings())


def _cli(args: list[str]) -> None:
    from taleforge.cli import main

    try:
        main(args)
    except SystemExit as exc:
        assert exc.code in (0, None)


def test_cli_banner_second_cut_and_nuclear_genome(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    fa = tmp_path / "dup.fa"
    g = _genome("other")
    fa.write_text("".join(f">{c}\n{g.fetch(c, 0, g.packed.contig_length(c))}\n"
                          for c in g.packed.names))
    _cli(["design", "--genome", str(fa), "--region", REGION, "--top", "2",
          "--specificity-candidates", "25", "--model", "tale-nt", "--enzymes", "none",
          "-o", str(tmp_path / "r.tsv"), "--json", str(tmp_path / "r.json")])
    err = capsys.readouterr().err
    assert "WARNING (second-cut) [#1 " in err and "translocation" in err
    assert "WARNING (no-clean-design)" in err
    doc = json.loads((tmp_path / "r.json").read_text())
    assert {"second-cut", "no-clean-design"} <= {w["code"] for w in doc["warnings"]}
    # mtDNA: the banner says NUMTs were not checked, unless --nuclear-genome is given
    nuc = tmp_path / "nuc.fa"
    nuc.write_text(f">chr1\n{g.fetch('c2', 0, 20000)}\n")
    base = ["design", "MT-ND4", "--top", "1", "--specificity-candidates", "2", "--model",
            "tale-nt", "--enzymes", "none"]
    _cli([*base, "-o", str(tmp_path / "m.tsv")])
    assert "WARNING (numt-not-checked)" in capsys.readouterr().err
    _cli([*base, "--nuclear-genome", str(nuc), "-o", str(tmp_path / "m2.json")])
    assert "numt-not-checked" not in capsys.readouterr().err
    doc = json.loads((tmp_path / "m2.json").read_text())
    assert "offtarget_nuclear" in doc["designs"][0]
    _cli([*base, "--no-specificity", "-o", str(tmp_path / "m3.tsv")])
    assert "WARNING (no-genome-scanned)" in capsys.readouterr().err


def test_unchecked_order_is_a_prefix_whatever_top() -> None:
    """Without a scan every design is unchecked and ranked by full score (the restriction
    term included): the list for a smaller --top is a prefix of the longer one."""
    g = _genome("none")
    lists = [[d.pair.pair_id() for d in _design(g, top=t, specificity=False,
                                                enzymes="commercial").designs]
             for t in (1, 4, 12)]
    assert lists[2][:4] == lists[1] and lists[1][:1] == lists[0]
    res = _design(g, top=12, specificity=False, enzymes="commercial")
    scores = [d.score for d in res.designs]
    assert scores == sorted(scores, reverse=True)

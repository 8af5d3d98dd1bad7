"""The default knockout path, with genome-wide specificity ON (the ranking merge of
on-target terms and specificity terms), and goldens with specificity on: the built-in rCRS
(MT-ND4), E. coli lacZ and a yeast window (chrIV) from ../shared.

Regenerate goldens with TALEFORGE_UPDATE_GOLDEN=1 after an intended ranking change, and say
why in the commit."""

from __future__ import annotations

import math

import pytest

from taleforge.design.knockout import KnockoutParams, KnockoutResult, design_knockout
from taleforge.io import knockout_out as ko

from .conftest import shared
from .test_knockout_golden import _check_golden, _roundtrip

ECOLI_FA = ("ecoli", "GCF_000005845.2_ASM584v2_genomic.fna.gz")
ECOLI_GFF = ("ecoli", "GCF_000005845.2_ASM584v2_genomic.gff.gz")
YEAST_FA = ("yeast", "S288C_reference_sequence_R64-2-1_20150113.fsa.gz")
YEAST_WINDOW = "ref|NC_001136|:500001-501000"  # chrIV, 1 kb


def _spec_terms(d: object) -> float:
    return sum(r.score for r in d.rules if r.rule.startswith("specificity"))  # type: ignore[attr-defined]


def _order_key(res: KnockoutResult, d: object) -> tuple[int, int, float]:
    a = d.annotations  # type: ignore[attr-defined]
    # clean = no second-cut pair (<= second_cut.max_mismatches total mismatches)
    no_clean = not any(x.checked and x.annotations["offtarget"]["n_second_cut_pairs"] == 0
                       for x in res.designs)
    if not a["checked"]:
        cls = 2 if no_clean else 1
    else:
        cls = 0 if a["offtarget"]["n_second_cut_pairs"] == 0 else (1 if no_clean else 2)
    return cls, a["shortlist_round"] or 0, -d.score  # type: ignore[attr-defined]


def _check_merge(on: KnockoutResult, off: KnockoutResult) -> int:
    """Every reported design was scanned (specificity rules present), its score is the sum
    of its score terms, the ranking is by that score, and a design also reported without
    specificity scores exactly its on-target score plus its specificity terms. Returns how
    many designs carry a nonzero specificity penalty."""
    assert on.designs, on.empty_reason()
    assert KnockoutParams().specificity, "specificity is no longer the default"
    off_score = {d.pair.pair_id(): d.score for d in off.designs}
    penalised = 0
    for d in on.designs:
        names = {r.rule for r in d.rules}
        # scanned designs carry the specificity rules; unscanned ones say checked: false
        assert ({"specificity_pairs", "specificity_sites"} <= names) == d.checked, d.pair.pair_id()
        total = sum(r.score for r in d.rules if r.kind == "score")
        assert math.isclose(d.score, total, abs_tol=2e-6)
        spec = _spec_terms(d)
        assert spec <= 0.0
        penalised += spec < 0
        if d.pair.pair_id() in off_score:
            assert math.isclose(d.score, off_score[d.pair.pair_id()] + spec, abs_tol=2e-6)
    # ranked on evidence: clean, not checked, known off-target pair (issue 10); within a
    # class by shortlist round, then by score
    keys = [_order_key(on, d) for d in on.designs]
    assert keys == sorted(keys)
    assert [d.rank for d in on.designs] == list(range(1, len(on.designs) + 1))
    assert any("specificity computed" in n for n in on.notes)
    return penalised


def test_builtin_mt_nd4_default_path_specificity_on() -> None:
    on = design_knockout("MT-ND4", params=KnockoutParams(top=10))
    off = design_knockout("MT-ND4", params=KnockoutParams(top=10, specificity=False))
    _check_merge(on, off)
    row = ko.design_row(on.designs[0])
    assert row["offtarget_pairs"] is not None and row["specificity"] is not None
    _check_golden("knockout_MT-ND4_specificity.tsv", ko.to_tsv_text(on))
    _roundtrip(on)


@pytest.mark.shared
def test_ecoli_lacz_specificity_on_golden() -> None:
    kw = {"genome": shared(*ECOLI_FA), "annotation": shared(*ECOLI_GFF)}
    on = design_knockout("lacZ", params=KnockoutParams(top=10), **kw)
    off = design_knockout("lacZ", params=KnockoutParams(top=10, specificity=False), **kw)
    penalised = _check_merge(on, off)
    # not vacuous: lacZ has near-cognate sites elsewhere in the genome, and they reorder the list
    assert penalised >= 3
    assert [d.pair.pair_id() for d in on.designs] != [d.pair.pair_id() for d in off.designs]
    for d in on.designs:
        assert 363230 <= d.pair.cut < 366305  # lacZ CDS (minus strand)
    _check_golden("knockout_ecoli_lacZ_specificity.tsv", ko.to_tsv_text(on))
    _roundtrip(on)


@pytest.mark.shared
def test_yeast_window_specificity_on_golden() -> None:
    fa = shared(*YEAST_FA)
    on = design_knockout(None, genome=fa, region=YEAST_WINDOW, params=KnockoutParams(top=8))
    off = design_knockout(None, genome=fa, region=YEAST_WINDOW,
                          params=KnockoutParams(top=8, specificity=False))
    _check_merge(on, off)
    for d in on.designs:
        assert d.pair.contig == "ref|NC_001136|" and 500000 <= d.pair.cut < 501000
    _check_golden("knockout_yeast_chrIV_window_specificity.tsv", ko.to_tsv_text(on))
    _roundtrip(on)

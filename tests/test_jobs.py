"""Every job in one shape: ``design_<job>(target, params, *, genome, annotation, progress,
backend)``. The job entries give exactly what the window-level designers give (the CLI
fills the params, tests of the science call the window level)."""

from __future__ import annotations

import dataclasses

import pytest

import taleforge
from taleforge.design.base_edit import BaseEditParams, BaseEditTarget, design_base_edit
from taleforge.design.donor import (
    CorrectionParams,
    KnockinParams,
    LocusSequence,
    SequenceEdit,
    correct_window,
    correction_from_variant,
    design_correction,
    design_knockin,
    knockin_window,
)
from taleforge.design.offtarget import find_offtargets
from taleforge.design.offtarget_job import OffTargetParams, design_offtarget
from taleforge.errors import ParameterError
from taleforge.genome.annotation import Annotation, Gene
from tests.test_base_edit import mem_genome
from tests.test_donor_synthetic import CONTIG, _codon_pos, make_gene
from tests.test_knockin import egfp_like

JOBS = ("design_knockout", "design_base_edit", "design_correction", "design_knockin",
        "design_offtarget")


def test_every_job_has_the_same_shape() -> None:
    import inspect

    for name in JOBS:
        sig = inspect.signature(getattr(taleforge, name))
        ps = list(sig.parameters.values())
        assert [p.name for p in ps[:2]] == ["target", "params"], name
        kw = {p.name for p in ps if p.kind is inspect.Parameter.KEYWORD_ONLY}
        assert {"genome", "annotation", "progress", "backend"} <= kw, name
    for name in ("KnockoutParams", "BaseEditParams", "CorrectionParams", "KnockinParams",
                 "OffTargetParams"):
        cls = getattr(taleforge, name)
        assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen, name


def _gene_genome(seed: int):  # type: ignore[no-untyped-def]
    seq, tx = make_gene(seed)
    gene = Gene(tx.gene_id, tx.gene_name, CONTIG, tx.start, tx.end, tx.strand, "protein_coding",
                (tx,))
    return seq, tx, mem_genome({CONTIG: seq}, name="syn"), Annotation([gene], source="test")


def test_correction_job_equals_window_level() -> None:
    ref, tx, g, ann = _gene_genome(5)
    pos = _codon_pos(tx, 30)
    cur = "A" if ref[pos] != "A" else "C"
    current = ref[:pos] + cur + ref[pos + 1:]
    params = CorrectionParams(model="tale-nt", specificity=False)
    job = design_correction(SequenceEdit(current, pos, ref[pos], contig=CONTIG,
                                         transcripts=(tx,)), params)
    win = correct_window(current, pos, ref[pos], contig=CONTIG, transcripts=[tx],
                         model="tale-nt")
    assert job.as_dict() == win.as_dict()
    variant = f"{CONTIG}:{pos + 1}:{ref[pos]}>{cur}"
    job_v = design_correction(variant, params, genome=g, annotation=ann)
    old_v = correction_from_variant(g, variant, annotation=ann, model="tale-nt", genome=None)
    assert job_v.as_dict() == old_v.as_dict()
    with pytest.raises(ParameterError):
        design_correction(variant, params)  # a variant needs a genome


def test_knockin_job_equals_window_level() -> None:
    seq, tx, g, ann = _gene_genome(31)
    params = KnockinParams(cargo=egfp_like(), exon=2, model="tale-nt", arm_nt=300)
    job = design_knockin(LocusSequence(seq, tx), params)
    win = knockin_window(seq, tx, egfp_like(), exon=2, model="tale-nt", arm_nt=300)
    assert job.as_dict() == win.as_dict()
    by_gene = design_knockin(tx.gene_name, dataclasses.replace(params, specificity=False),
                             genome=g, annotation=ann)
    assert [d.pair.pair_id() for d in by_gene.designs] == [d.pair.pair_id() for d in job.designs]


def test_base_edit_string_target_and_params() -> None:
    mito = taleforge.open_genome("builtin-mito")
    p = BaseEditParams(offtarget=False, max_designs=5)
    a = design_base_edit(BaseEditTarget(position=13513, to="A"), p, genome=mito)
    b = design_base_edit("chrM:13513:G>A", p, genome=mito)
    assert [d.design_id for d in a.designs] == [d.design_id for d in b.designs]
    assert a.params.as_dict()["editors"] == b.params.as_dict()["editors"]
    assert BaseEditTarget.parse("MT-CO1").knockout_gene == "MT-CO1"


def test_offtarget_job_equals_find_offtargets() -> None:
    mito = taleforge.open_genome("builtin-mito")
    left = "NN HD NI NG NG HD NN NI HD NG NI HD NN NN NI"
    right = "HD NI NG NN HD NI NG NG NI HD NN HD NI NG"
    p = OffTargetParams(max_mismatches=2)
    job = design_offtarget((left, right), p, genome=mito)
    old = find_offtargets(mito, left, right, max_mismatches=2)
    assert job.to_json() == old.to_json()


def test_correction_and_knockin_designs_explain_rule_by_rule() -> None:
    ref, tx = make_gene(5)
    pos = _codon_pos(tx, 30)
    cur = "A" if ref[pos] != "A" else "C"
    res = correct_window(ref[:pos] + cur + ref[pos + 1:], pos, ref[pos], contig=CONTIG,
                         transcripts=[tx], model="tale-nt")
    seq, tx2 = make_gene(31)
    ki = knockin_window(seq, tx2, egfp_like(), exon=2, model="tale-nt", arm_nt=300)
    for d in (*res.designs, *ki.designs):
        kinds = [r.kind for r in d.rules]
        assert "filter" in kinds and "rank" in kinds
        assert all(r.passed for r in d.rules if r.kind == "filter")
        names = {r.rule for r in d.rules}
        assert {"streubel_gc_left", "streubel_at_run_right", "pair_quality"} <= names
        assert d.explain().splitlines()[0].startswith(f"#{d.rank} ")
    for res_ in (res, ki):
        for dd, row in zip(res_.designs, res_.as_dict()["designs"], strict=True):  # type: ignore[call-overload]
            assert row["rules"] == [r.as_dict() for r in dd.rules]
    assert {"cut_distance", "silent_blocking", "edit_in_spacer"} <= {
        r.rule for r in res.designs[0].rules}
    assert {"frame", "no_recut", "cut_in_transcript_order"} <= {r.rule for r in ki.designs[0].rules}

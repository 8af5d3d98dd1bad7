"""Campaign knockout targets settled together share one genotyping-primer uniqueness pass
(campaign.pooled_primer_sites): same folders as unpooled and per-target runs, one scan
instead of one per target, and a target whose primer design fails fails alone."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

import taleforge.campaign as campaign
import taleforge.design.genotyping as genotyping
from taleforge.campaign import campaign_status, run_campaign, run_plans
from taleforge.design.genotyping import genotyping_for_pairs, prepare_genotyping, scan_primer_tails
from taleforge.design.knockout import KnockoutParams, KnockoutPlan, design_knockout, plan_knockout
from taleforge.design.pairs import make_pair
from taleforge.genome.index import genome_from_sequence, open_genome

GENOME = "builtin:hg38-chrM"
ROWS = (
    "id\tjob\ttarget\toptions\n"
    "nd4\tknockout\tMT-ND4\t--candidates 3 --specificity-candidates 4\n"
    "co1\tknockout\tMT-CO1\t--candidates 2 --specificity-candidates 4\n"
    "cl\tknockout\tMT-CYB\t--scaffold cellectis-like --candidates 2 --specificity-candidates 4\n"
    "m3243\tbase-edit\tchrM:3243:A>G\t--no-offtarget --editor TALED --candidates 2\n"
)
KNOCKOUTS = ("nd4", "co1", "cl")


def tree(folder: Path) -> dict[str, bytes]:
    """Every file of a campaign folder except the timing log."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "campaign.log"}


def count_scans(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the number of 15-mers of every genotyping uniqueness pass."""
    calls: list[int] = []
    real = genotyping._scan_tails

    def counting(genome: Any, tails: Any, backend: str, progress: Any) -> Any:
        calls.append(len(tails))
        return real(genome, tails, backend, progress)

    monkeypatch.setattr(genotyping, "_scan_tails", counting)
    return calls


def log_lines(folder: Path, what: str) -> list[list[str]]:
    text = (folder / "campaign.log").read_text()
    return [ln.split("\t") for ln in text.splitlines() if f"\t{what}\t" in ln]


def test_pooled_primer_scan_gives_the_unpooled_and_per_target_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = tmp_path / "targets.tsv"
    t.write_text(ROWS)
    pooled, unpooled, alone = tmp_path / "pooled", tmp_path / "unpooled", tmp_path / "alone"

    calls = count_scans(monkeypatch)
    run_campaign(t, genome=GENOME, out=pooled)
    # the three knockouts finish in round 1 together: one pass for all their primers
    shared = log_lines(pooled, "shared scan")
    assert {s[2] for s in shared} == {"round 1"}
    assert len(calls) == 1 and calls[0] > 0
    pools = log_lines(pooled, "primer uniqueness scan")
    assert len(pools) == 1
    assert pools[0][2:5] == ["round 1", "3 targets", f"{calls[0]} 15-mers"]
    assert pools[0][5].endswith(" s")  # the time is in the log only

    n_pooled = calls[0]
    calls.clear()
    with monkeypatch.context() as m:
        m.setattr(campaign, "pooled_primer_sites", lambda plans, **_: ({}, {}))
        run_campaign(t, genome=GENOME, out=unpooled)
    assert len(calls) == len(KNOCKOUTS)  # one pass per target without pooling
    assert sum(calls) >= n_pooled and not log_lines(unpooled, "primer uniqueness scan")

    calls.clear()
    run_campaign(t, genome=GENOME, out=alone, shared=False)  # each target's own design run
    assert len(calls) == len(KNOCKOUTS)

    a, b, c = tree(pooled), tree(unpooled), tree(alone)
    assert "targets/nd4/designs.json" in a and a.keys() == b.keys() == c.keys()
    assert a == b == c
    doc = json.loads((pooled / "targets/co1/designs.json").read_text())
    gt = doc["designs"][0]["genotyping"]
    assert gt["uniqueness_genome"] is not None and gt["sanger"]["unique"] is not None


def test_run_plans_pools_and_each_result_is_design_knockouts(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    g = open_genome(GENOME)
    p = KnockoutParams(top=3, specificity_candidates=4)
    names = ("MT-ND4", "MT-ND5", "MT-CO2")
    own = {n: design_knockout(n, p, genome=g) for n in names}
    calls = count_scans(monkeypatch)
    logged: list[str] = []
    out = run_plans({n: plan_knockout(n, p, genome=g) for n in names}, log=logged.append)
    assert len(calls) == 1
    assert sum("primer uniqueness scan" in ln and "3 targets" in ln for ln in logged) == 1
    for n in names:
        got, ref = out[n].designs, own[n].designs
        assert [d.pair.pair_id() for d in got] == [d.pair.pair_id() for d in ref]
        assert [d.annotations for d in got] == [d.annotations for d in ref]
        assert out[n].typed_warnings() == own[n].typed_warnings()


def test_a_pooled_pass_that_fails_leaves_each_target_its_own(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    g = open_genome(GENOME)
    p = KnockoutParams(top=2, specificity_candidates=4)
    names = ("MT-ND4", "MT-CO2")

    def broken(*_: Any, **__: Any) -> Any:
        raise MemoryError("pooled pass too big")

    calls = count_scans(monkeypatch)
    monkeypatch.setattr(genotyping, "scan_primer_tails", broken)
    out = run_plans({n: plan_knockout(n, p, genome=g) for n in names})
    assert len(calls) == len(names)
    for n in names:
        ref = design_knockout(n, p, genome=g)
        assert [d.annotations for d in out[n].designs] == [d.annotations for d in ref.designs]


def test_a_target_failing_in_primer_design_or_result_fails_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_gt, real_res = KnockoutPlan.genotyping, KnockoutPlan.result

    def genotyping_(self: KnockoutPlan) -> Any:
        if self.target.label == "MT-CO1":
            raise RuntimeError("Primer3 exploded on MT-CO1")
        return real_gt(self)

    def result_(self: KnockoutPlan, primer_sites: Any = None) -> Any:
        if self.target.label == "MT-CYB":
            raise RuntimeError("result exploded on MT-CYB")
        return real_res(self, primer_sites)

    t = tmp_path / "targets.tsv"
    t.write_text(ROWS)
    ref = tmp_path / "ref"
    run_campaign(t, genome=GENOME, out=ref)
    calls = count_scans(monkeypatch)
    monkeypatch.setattr(KnockoutPlan, "genotyping", genotyping_)
    monkeypatch.setattr(KnockoutPlan, "result", result_)
    out = tmp_path / "out"
    res = run_campaign(t, genome=GENOME, out=out)
    assert not res.ok
    st = {s["id"]: s for s in campaign_status(out)}
    assert st["co1"]["status"] == "failed" and "Primer3 exploded on MT-CO1" in st["co1"]["error"]
    assert st["cl"]["status"] == "failed" and "result exploded on MT-CYB" in st["cl"]["error"]
    assert st["nd4"]["status"] == st["m3243"]["status"] == "done"
    assert len(calls) == 1  # nd4 and cl pooled; co1 never got to its scan
    pools = log_lines(out, "primer uniqueness scan")
    assert [p[3] for p in pools] == ["2 targets"]
    for rid in ("nd4", "m3243"):
        mine = {k: v for k, v in tree(out).items() if k.startswith(f"targets/{rid}/")}
        theirs = {k: v for k, v in tree(ref).items() if k.startswith(f"targets/{rid}/")}
        assert mine and mine == theirs


def _dna(n: int, rng: random.Random) -> str:
    return "".join(rng.choice("ACGT") for _ in range(n))


def _pair_at(g: Any, contig: str, cut: int) -> Any:
    s = cut - 27
    return make_pair(g.fetch(contig, s, s + 80), 9, 18, 16, 18, contig=contig, offset=s)


def test_sites_of_a_superset_of_tails_judge_like_the_own_pass() -> None:
    """GenotypingPrep.finish with sites pooled from another job's tails too gives the same
    genotyping as its own pass (also for primers a duplicated segment makes not unique);
    sites of another genome, or missing some tails, are refused."""
    rng = random.Random(7)
    a = _dna(3000, rng)
    b = _dna(1200, rng) + a[900:1800] + _dna(1200, rng)  # contig b carries a copy of a[900:1800]
    g = genome_from_sequence(f">a\n{a}\n>b\n{b}\n")
    pairs = [_pair_at(g, "a", 1350), _pair_at(g, "b", 600)]
    preps = [prepare_genotyping(g, [p]) for p in pairs]
    pooled = scan_primer_tails(g, [t for pr in preps for t in pr.tails])
    own = [genotyping_for_pairs(g, [p])[0] for p in pairs]
    for pr, ref in zip(preps, own, strict=True):
        assert [x.as_dict() for x in pr.finish(pooled)] == [ref.as_dict()]
    assert own[0].sanger.unique is False and own[1].sanger.unique is True
    other = genome_from_sequence(f">a\n{a}\n>b\n{b[:-1]}\n")
    with pytest.raises(ValueError, match="another genome"):
        preps[0].finish(scan_primer_tails(other, preps[0].tails))
    with pytest.raises(ValueError, match="missing tails"):
        preps[0].finish(scan_primer_tails(g, preps[1].tails))


def test_dask_targets_settled_together_pool_their_primer_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Dask, knockout targets whose plans finish while no step runs share one primer
    scan task (which ones settle together depends on task timing); the folder is the
    serial one."""
    pytest.importorskip("distributed")
    t = tmp_path / "targets.tsv"
    t.write_text(ROWS)
    serial = tmp_path / "serial"
    run_campaign(t, genome=GENOME, out=serial)
    calls = count_scans(monkeypatch)  # worker threads (processes=False) share the patch
    dask = tmp_path / "dask"
    run_campaign(t, genome=GENOME, out=dask, workers=2, processes=False)
    assert tree(dask) == tree(serial)
    tasks = log_lines(dask, "primer uniqueness scan task")
    assert sum(int(s[2].split()[0]) for s in tasks) == len(KNOCKOUTS)
    assert 1 <= len(tasks) <= len(KNOCKOUTS)
    assert len(calls) == len(tasks)  # no target scanned on its own

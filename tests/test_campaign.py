"""`taleforge campaign run/status`: target file, folder, resume, failures (serial)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from taleforge.campaign import campaign_status, read_targets, run_campaign
from taleforge.cli import main
from taleforge.errors import InputError, OutputError, ParameterError

GENOME = "builtin:hg38-chrM"
HEADER = "id\tjob\ttarget\toptions\n"
ROWS = (
    "nd4\tknockout\tMT-ND4\t--no-specificity\n"
    "co1\tknockout\tMT-CO1\t--no-specificity --scaffold cellectis-like --candidates 4\n"
    "m3243\tbase-edit\tchrM:3243:A>G\t--no-offtarget --editor TALED\n"
)


def write_targets(path: Path, rows: str = ROWS, header: str = HEADER) -> Path:
    path.write_text("# a campaign\n" + header + rows)
    return path


def tree(folder: Path) -> dict[str, bytes]:
    """Every file of a campaign folder except the timing log."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "campaign.log"}


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = 0
    try:
        main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_campaign_folder_and_rerun_is_byte_identical(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    t = write_targets(tmp_path / "targets.tsv")
    out = tmp_path / "camp"
    code, _, err = run_cli(["campaign", "run", str(t), "--genome", GENOME, "--out", str(out)], capsys)
    assert code == 0, err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["genome"]["sha256"] and manifest["genome"]["annotation_sha256"]
    assert manifest["taleforge_version"]
    assert [r["id"] for r in manifest["rows"]] == ["nd4", "co1", "m3243"]
    co1 = manifest["rows"][1]["resolved"]["params"]
    assert co1["scaffold"] == "cellectis-like" and co1["top"] == 4 and co1["specificity"] is False
    assert manifest["rows"][0]["resolved"]["params"]["top"] == 10  # campaign --candidates default
    assert manifest["rows"][2]["resolved"]["target"]["variant"] == "chrM:3243:A>G"
    for rid in ("nd4", "co1", "m3243"):
        for name in ("designs.tsv", "designs.json", "designs.bed", "designs.gff3", "report.html"):
            assert (out / "targets" / rid / name).stat().st_size > 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["counts"] == {"done": 3, "failed": 0, "pending": 0}
    assert summary["targets"][1]["n_designs"] == 4
    assert (out / "summary.tsv").read_text().splitlines()[0].startswith("id\tjob\ttarget\tstatus")
    assert (out / "campaign.log").exists() and not (out / ".lock").exists()
    # the knockout outputs equal `taleforge design`'s
    single = tmp_path / "nd4.tsv"
    code, _, err = run_cli(["design", "MT-ND4", "--no-specificity", "--top", "10", "--out", str(single)],
                           capsys)
    assert code == 0, err
    body = [ln for ln in single.read_text().splitlines() if not ln.startswith("#")]
    assert body == [ln for ln in (out / "targets/nd4/designs.tsv").read_text().splitlines()
                    if not ln.startswith("#")]

    before = tree(out)
    rep = run_campaign(t, genome=GENOME, out=out)
    assert (rep.done, rep.skipped, rep.failed) == (0, 3, 0)
    assert tree(out) == before

    code, status, _ = run_cli(["campaign", "status", str(out)], capsys)
    assert code == 0
    assert [ln.split("\t")[3] for ln in status.splitlines()[1:]] == ["done"] * 3


def test_changed_row_recomputes_only_itself(tmp_path: Path) -> None:
    t = write_targets(tmp_path / "targets.tsv")
    out = tmp_path / "camp"
    run_campaign(t, genome=GENOME, out=out)
    before = tree(out)
    seen: list[tuple[str, str]] = []
    write_targets(t, ROWS.replace("--candidates 4", "--candidates 3"))
    rep = run_campaign(t, genome=GENOME, out=out, on_target=lambda i, s: seen.append((i, s)))
    assert sorted(seen) == [("co1", "done"), ("m3243", "skipped"), ("nd4", "skipped")]
    assert (rep.done, rep.skipped) == (1, 2)
    after = tree(out)
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    assert changed and all(k.startswith("targets/co1/") or k in
                           ("manifest.json", "summary.json", "summary.tsv", "index.html") for k in changed)
    # a tampered output is redone
    (out / "targets/nd4/designs.bed").write_text("x\n")
    rep = run_campaign(t, genome=GENOME, out=out)
    assert (rep.done, rep.skipped) == (1, 2)
    assert tree(out) == after


def test_a_failing_row_fails_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    t = write_targets(tmp_path / "targets.tsv", ROWS + "bad\tknockout\tMT-ND44\t--no-specificity\n")
    out = tmp_path / "camp"
    code, _, err = run_cli(["campaign", "run", str(t), "--genome", GENOME, "--out", str(out)], capsys)
    assert code == 1
    assert "bad: unknown gene 'MT-ND44'" in err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["counts"] == {"done": 3, "failed": 1, "pending": 0}
    bad = summary["targets"][3]
    assert bad["status"] == "failed" and "MT-ND4" in bad["error"]
    st = {r["id"]: r["status"] for r in campaign_status(out)}
    assert st == {"nd4": "done", "co1": "done", "m3243": "done", "bad": "failed"}


@pytest.mark.parametrize(
    ("header", "rows", "needles"),
    [
        ("id\tjob\toptions\n", "a\tknockout\t\n", ["missing column", "target"]),
        (HEADER, "a\tknockout\tMT-ND4\t\na\tknockout\tMT-CO1\t\n", ["row 4", "duplicate id"]),
        (HEADER, "a\tprimers\tMT-ND4\t\n", ["row 3", "unknown job", "knockout"]),
        (HEADER, "a\tknockout\tMT-ND4\t--genome hg38.fa\n", ["row 3", "--genome is not allowed"]),
        (HEADER, "a\tknockout\tMT-ND4\t--out=x.tsv\n", ["row 3", "--out is not allowed"]),
        (HEADER, "a\tknockout\tMT-ND4\t--no-such-option\n", ["row 3", "no such option"]),
        (HEADER, "a\tknockout\tMT-ND4\t--scaffold nope\n", ["row 3", "scaffold"]),
        (HEADER, "a\tknockout\tMT-ND4\t--top 'x\n", ["row 3", "quoting"]),
        (HEADER, "a/b\tknockout\tMT-ND4\t\n", ["row 3", "invalid id"]),
        (HEADER, "", ["no targets"]),
        (HEADER, "a\tmultiplex\tMT-ND4+\t\n", ["row 3", "empty gene"]),
        (HEADER, "a\tknockout\tMT-ND4\t--methylation none\n", ["row 3", "--methylation is not supported"]),
        (HEADER, "a\tmultiplex\tMT-ND4+MT-ND4\t\n", ["row 3", "given twice"]),
        (HEADER, "a\tmultiplex\tMT-ND4\t--gene MT-CO1\n", ["row 3", "--gene is not allowed"]),
        (HEADER, "a\tmultiplex\tMT-ND4+MT-CO1\t--fok1 nope\n", ["row 3", "FokI"]),
        (HEADER, "a\tmultiplex\tMT-ND4+MT-CO1\t--force\n", ["row 3", "--force is not allowed"]),
    ],
)
def test_bad_target_files_get_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], header: str, rows: str, needles: list[str]
) -> None:
    t = write_targets(tmp_path / "targets.tsv", rows, header)
    out = tmp_path / "camp"
    code, _, err = run_cli(["campaign", "run", str(t), "--genome", GENOME, "--out", str(out)], capsys)
    assert code == 2, err
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    for n in needles:
        assert n.lower() in err.lower(), (n, err)
    assert not out.exists()
    with pytest.raises((InputError, ParameterError)):
        read_targets(t)


def test_lock_refuses_a_second_run(tmp_path: Path) -> None:
    t = write_targets(tmp_path / "targets.tsv", "nd4\tknockout\tMT-ND4\t--no-specificity\n")
    out = tmp_path / "camp"
    out.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (out / ".lock").write_text(f"{holder.pid}\n")
        with pytest.raises(OutputError, match="in use"):
            run_campaign(t, genome=GENOME, out=out)
    finally:
        holder.kill()
        holder.wait()
    run_campaign(t, genome=GENOME, out=out)  # a lock of a dead process is taken over
    assert not (out / ".lock").exists()


SIGINT_SCRIPT = """
import os, signal, sys
from pathlib import Path
from taleforge.campaign import run_campaign

# a child inherits an ignored SIGINT (e.g. from a test worker that ignores it): Python then
# installs no KeyboardInterrupt handler, so set the default one explicitly
signal.signal(signal.SIGINT, signal.default_int_handler)

def on_target(rid, status):
    if status == "done":
        os.kill(os.getpid(), signal.SIGINT)

run_campaign(Path(sys.argv[1]), genome="builtin:hg38-chrM", out=Path(sys.argv[2]),
             on_target=on_target)
"""


def test_resume_after_sigint_gives_the_uninterrupted_folder(tmp_path: Path) -> None:
    t = write_targets(tmp_path / "targets.tsv")
    ref, out = tmp_path / "ref", tmp_path / "camp"
    run_campaign(t, genome=GENOME, out=ref)
    proc = subprocess.run([sys.executable, "-c", SIGINT_SCRIPT, str(t), str(out)],
                          capture_output=True, text=True, env=dict(os.environ), timeout=120)
    assert proc.returncode != 0 and "KeyboardInterrupt" in proc.stderr
    assert not (out / ".lock").exists()
    st = {r["id"]: r["status"] for r in campaign_status(out)}
    assert st == {"nd4": "done", "co1": "pending", "m3243": "pending"}
    rep = run_campaign(t, genome=GENOME, out=out)
    assert (rep.done, rep.skipped) == (2, 1)
    assert tree(out) == tree(ref)


def test_status_of_a_non_campaign_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["campaign", "status", str(tmp_path)], capsys)
    assert code == 2 and "not a campaign folder" in err


def synthetic_genome(folder: Path, name: str = "syn") -> str:
    """A nuclear genome (one 12-kb contig ``chrS``, random bases, seed 7) with two 3-exon
    coding genes SYNA and SYNB in a GTF, registered as ``name``; the donor jobs refuse
    mitochondrial DNA, so their rows need a nuclear genome."""
    from taleforge.genome.registry import add_genome

    rng = random.Random(7)
    sense = sorted(a + b + c for a in "ACGT" for b in "ACGT" for c in "ACGT"
                   if a + b + c not in ("TAA", "TAG", "TGA"))

    def rnd(n: int) -> str:
        return "".join(rng.choice("ACGT") for _ in range(n))

    def intron(n: int) -> str:
        return "GTAAGT" + rnd(n - 26) + "TTTTCCTTTTCTTTTCCCAG"

    seq: list[str] = []
    gtf: list[str] = []

    def add(x: str) -> int:
        seq.append(x)
        return sum(map(len, seq))

    pos = add(rnd(3000))
    for gi, gene in enumerate(("SYNA", "SYNB")):
        cds = "ATG" + "".join(rng.choice(sense) for _ in range(197)) + "TAA"
        g0 = pos
        a = add(rnd(60))
        pos = add(cds[:150])
        ex = [(g0, pos, a, pos)]
        a = add(intron(400))
        pos = add(cds[150:450])
        ex.append((a, pos, a, pos))
        a = add(intron(500))
        c3 = add(cds[450:])
        pos = add(rnd(100))
        ex.append((a, pos, a, c3))
        attr = (f'gene_id "G{gi}"; transcript_id "T{gi}"; gene_name "{gene}"; '
                'gene_type "protein_coding"; transcript_type "protein_coding";')
        gtf += [f"chrS\tsyn\t{f}\t{g0 + 1}\t{pos}\t.\t+\t.\t{attr}" for f in ("gene", "transcript")]
        for i, (s0, e0, cs, ce) in enumerate(ex):
            gtf.append(f"chrS\tsyn\texon\t{s0 + 1}\t{e0}\t.\t+\t.\t{attr} exon_number {i + 1};")
            gtf.append(f"chrS\tsyn\tCDS\t{cs + 1}\t{ce}\t.\t+\t.\t{attr} exon_number {i + 1};")
        pos = add(rnd(3000))
    text = "".join(seq)
    fa, ann = folder / "syn.fa", folder / "syn.gtf"
    fa.write_text(">chrS\n" + "\n".join(text[i:i + 60] for i in range(0, len(text), 60)) + "\n")
    ann.write_text("\n".join(gtf) + "\n")
    add_genome(name, fa, annotation=ann, force=True)
    return name


def test_correct_rows_write_the_correction_folder_files(tmp_path: Path) -> None:
    syn = synthetic_genome(tmp_path)
    t = write_targets(tmp_path / "targets.tsv", "fix\tcorrect\tchrS:3100:C>T\t--candidates 2\n")
    out = tmp_path / "camp"
    rep = run_campaign(t, genome=syn, out=out)
    assert rep.ok, rep.rows
    files = sorted(p.name for p in (out / "targets/fix").iterdir())
    assert files == [".done.json", "correction.fa", "correction.gb", "correction.json", "report.html"]
    summary = json.loads((out / "summary.json").read_text())["targets"][0]
    assert summary["n_designs"] == 2 and summary["best"][0]["pair_id"].startswith("chrS:")
    bad = write_targets(tmp_path / "bad.tsv", "x\tcorrect\tMT-ND4\t\n")
    with pytest.raises(ParameterError, match="not a variant"):
        read_targets(bad)


def test_knockin_rows(tmp_path: Path) -> None:
    syn = synthetic_genome(tmp_path)
    cargo = tmp_path / "cargo.fa"
    cargo.write_text(">cargo\nATG" + "GCCGAAGGT" * 30 + "TAA\n")
    t = write_targets(tmp_path / "targets.tsv",
                      f"ki\tknockin\tSYNB\t--cargo {cargo} --exon 1 --in-frame --candidates 2\n")
    out = tmp_path / "camp"
    rep = run_campaign(t, genome=syn, out=out)
    assert rep.ok, rep.rows
    files = sorted(p.name for p in (out / "targets/ki").iterdir())
    assert files == [".done.json", "knockin.fa", "knockin.gb", "knockin.json", "report.html"]
    before = tree(out)
    cargo.write_text(">cargo\nATG" + "GCCGAAGGT" * 31 + "TAA\n")  # a changed cargo redoes the row
    rep = run_campaign(t, genome=syn, out=out)
    assert (rep.done, rep.skipped) == (1, 0) and tree(out) != before
    bad = write_targets(tmp_path / "bad.tsv", f"x\tknockin\tSYNB\t--cargo {cargo} --exon 1\n")
    with pytest.raises(ParameterError, match="in-frame"):
        read_targets(bad)


def test_multiplex_rows(tmp_path: Path) -> None:
    """A multiplex row (genes joined by '+') writes the multiplex folder files; its summary
    lists the ranked sets; the campaign's --candidates is the designs per locus."""
    t = write_targets(tmp_path / "targets.tsv",
                      "mx\tmultiplex\tMT-ND4+MT-CO1\t--no-specificity --no-primer-check\n")
    out = tmp_path / "camp"
    rep = run_campaign(t, genome=GENOME, out=out, candidates=3)
    assert rep.ok, rep.rows
    files = sorted(p.name for p in (out / "targets/mx").iterdir())
    assert {"multiplex.json", "sets.tsv", "crosstalk.tsv", "junctions.tsv", "report.html"} <= set(files)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["rows"][0]["resolved"]["genes"] == ["MT-ND4", "MT-CO1"]
    assert manifest["rows"][0]["resolved"]["params"]["candidates"] == 3
    best = json.loads((out / "summary.json").read_text())["targets"][0]["best"]
    assert best[0]["rank"] == 1 and "MT-ND4#" in best[0]["pair_id"] and "MT-CO1#" in best[0]["pair_id"]
    # the same set as `taleforge multiplex` chooses
    from taleforge.design.knockout import KnockoutParams
    from taleforge.design.multiplex import MultiplexParams, design_multiplex

    res = design_multiplex(["MT-ND4", "MT-CO1"], MultiplexParams(
        candidates=3, knockout=KnockoutParams(specificity=False), check_primers=False), genome=GENOME)
    assert round(res.chosen.score, 4) == best[0]["score"]
    before = tree(out)
    rep = run_campaign(t, genome=GENOME, out=out, candidates=3)
    assert (rep.done, rep.skipped) == (0, 1) and tree(out) == before


def test_index_html_is_self_contained_and_deterministic(tmp_path: Path) -> None:
    t = write_targets(tmp_path / "targets.tsv",
                      "nd4\tknockout\tMT-ND4\t--no-specificity --candidates 2\n"
                      "bad\tknockout\tMT-ND44\t--no-specificity\n")
    a, b = tmp_path / "a", tmp_path / "b"
    run_campaign(t, genome=GENOME, out=a)
    run_campaign(t, genome=GENOME, out=b)
    page = (a / "index.html").read_text()
    assert page == (b / "index.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    for ref in ("http:", "https:", "//cdn", "<link", "src="):
        assert ref not in page, ref
    assert page.count('<tr class="done">') == 1 and page.count('<tr class="failed">') == 1
    assert 'href="targets/nd4/report.html"' in page and "unknown gene" in page
    assert 'href="targets/bad/' not in page  # a failed row has no files to link
    report = (a / "targets/nd4/report.html").read_text()
    assert "<svg" in report and "http:" not in report and "https:" not in report
    # the summary's best candidates are on the page
    best = json.loads((a / "summary.json").read_text())["targets"][0]["best"]
    assert f"at {best[0]['cut']}" in page


SIGKILL_SCRIPT = """
import os, signal, sys
from pathlib import Path
from taleforge.campaign import run_campaign

def on_target(rid, status):
    if status == "done":
        os.kill(os.getpid(), signal.SIGKILL)

run_campaign(Path(sys.argv[1]), genome="builtin:hg38-chrM", out=Path(sys.argv[2]),
             on_target=on_target)
"""


def test_resume_after_the_process_is_killed(tmp_path: Path) -> None:
    """SIGKILL (no cleanup at all) after the first target: the finished target is intact,
    the stale lock is taken over, and the rerun gives the uninterrupted folder."""
    t = write_targets(tmp_path / "targets.tsv")
    ref, out = tmp_path / "ref", tmp_path / "camp"
    run_campaign(t, genome=GENOME, out=ref)
    proc = subprocess.run([sys.executable, "-c", SIGKILL_SCRIPT, str(t), str(out)],
                          capture_output=True, text=True, env=dict(os.environ), timeout=120)
    assert proc.returncode == -9, proc.stderr
    assert (out / ".lock").exists()  # left behind by the dead process
    st = {r["id"]: r["status"] for r in campaign_status(out)}
    assert st == {"nd4": "done", "co1": "pending", "m3243": "pending"}
    assert not [p for p in out.rglob("*.tmp")]  # nothing half-written
    rep = run_campaign(t, genome=GENOME, out=out)
    assert (rep.done, rep.skipped) == (2, 1)
    assert tree(out) == tree(ref)


SHARED_ROWS = (
    "nd4\tknockout\tMT-ND4\t--candidates 4\n"
    "co1\tknockout\tMT-CO1\t--candidates 3 --specificity-candidates 6\n"
    "reg\tknockout\tchrM:3000-3600\t--candidates 2\n"
    "cl\tknockout\tMT-CYB\t--scaffold cellectis-like --candidates 2\n"
    "m3243\tbase-edit\tchrM:3243:A>G\t--no-offtarget --editor TALED --candidates 2\n"
)


def test_shared_scans_equal_the_per_target_designs(tmp_path: Path) -> None:
    """Knockout targets with equal scan arguments share one specificity_for_pairs call per
    round (here nd4, co1 and reg; cl scans apart: another scaffold); every file is
    byte-identical to designing each target on its own, and the designs to design_knockout's."""
    from taleforge.design.knockout import KnockoutParams, design_knockout

    t = write_targets(tmp_path / "targets.tsv", SHARED_ROWS)
    shared, alone = tmp_path / "shared", tmp_path / "alone"
    run_campaign(t, genome=GENOME, out=shared, batch_size=5)
    run_campaign(t, genome=GENOME, out=alone, shared=False)
    a, b = tree(shared), tree(alone)
    assert a.keys() == b.keys() and "targets/nd4/designs.json" in a
    assert a == b
    log = (shared / "campaign.log").read_text()
    scans = [ln.split("\t") for ln in log.splitlines() if "\tshared scan\t" in ln]
    assert [s[3] for s in scans] == ["3 targets", "1 targets"]  # one pass each, round 1
    assert scans[0][4] == f"{20 + 6 + 20} pairs"
    doc = json.loads((shared / "targets/nd4/designs.json").read_text())
    res = design_knockout("MT-ND4", KnockoutParams(top=4), genome=GENOME)
    assert [d["pair_id"] for d in doc["designs"]] == [d.pair.pair_id() for d in res.designs]
    assert any(r["rule"] == "specificity_pairs" for r in doc["designs"][0]["rules"])


def test_run_plans_feeds_each_plan_its_own_summaries() -> None:
    """Two plans through one shared scan get the results of their own design_knockout."""
    from taleforge.campaign import run_plans
    from taleforge.design.knockout import KnockoutParams, design_knockout, plan_knockout
    from taleforge.genome.index import open_genome

    g = open_genome(GENOME)
    p = KnockoutParams(top=3, specificity_candidates=4)
    plans = {n: plan_knockout(n, p, genome=g) for n in ("MT-ND4", "MT-ND5")}
    seen: list[str] = []
    out = run_plans(plans, batch_size=3, on_done=lambda rid, _: seen.append(rid))
    assert sorted(seen) == ["MT-ND4", "MT-ND5"]
    for n in plans:
        own = design_knockout(n, p, genome=g)
        assert [(d.pair.pair_id(), d.score) for d in out[n].designs] == \
            [(d.pair.pair_id(), d.score) for d in own.designs]
        assert [d.rules for d in out[n].designs] == [d.rules for d in own.designs]

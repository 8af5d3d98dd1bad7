"""Campaign targets as Dask tasks: a 2-worker LocalCluster gives the serial folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from taleforge.campaign import run_campaign
from taleforge.errors import BackendError

pytest.importorskip("distributed")

GENOME = "builtin:hg38-chrM"
TARGETS = (
    "id\tjob\ttarget\toptions\n"
    "nd4\tknockout\tMT-ND4\t--no-specificity\n"
    "co1\tknockout\tMT-CO1\t--no-specificity --candidates 5\n"
    "m3243\tbase-edit\tchrM:3243:A>G\t--no-offtarget --editor TALED --candidates 3\n"
    "bad\tknockout\tMT-ND44\t--no-specificity\n"
)


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "campaign.log"}


def test_local_cluster_equals_serial(tmp_path: Path) -> None:
    t = tmp_path / "targets.tsv"
    t.write_text(TARGETS)
    serial = run_campaign(t, genome=GENOME, out=tmp_path / "serial")
    dask = run_campaign(t, genome=GENOME, out=tmp_path / "dask", workers=2, processes=False)
    assert (serial.done, serial.failed) == (dask.done, dask.failed) == (3, 1)
    a, b = tree(tmp_path / "serial"), tree(tmp_path / "dask")
    assert a.keys() == b.keys() and "targets/m3243/designs.json" in a
    assert a == b
    again = run_campaign(t, genome=GENOME, out=tmp_path / "dask", workers=2, processes=False)
    assert (again.done, again.skipped) == (0, 3)  # resumes the same way
    assert tree(tmp_path / "dask") == a


def test_unreachable_scheduler_is_a_clear_error(tmp_path: Path) -> None:
    t = tmp_path / "targets.tsv"
    t.write_text(TARGETS)
    with pytest.raises(BackendError, match="cannot reach the dask scheduler"):
        run_campaign(t, genome=GENOME, out=tmp_path / "c", scheduler="tcp://127.0.0.1:1",
                     timeout_s=2.0)


def test_cli_workers_uses_worker_processes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from taleforge.cli import main

    t = tmp_path / "targets.tsv"
    t.write_text(TARGETS.replace("bad\tknockout\tMT-ND44\t--no-specificity\n", ""))
    serial = tmp_path / "serial"
    run_campaign(t, genome=GENOME, out=serial)
    out = tmp_path / "cli"
    with pytest.raises(SystemExit) as exc:
        main(["campaign", "run", str(t), "--genome", GENOME, "--out", str(out), "--workers", "2"])
    assert exc.value.code in (0, None), capsys.readouterr().err
    assert tree(out) == tree(serial)

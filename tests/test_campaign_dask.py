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


KILL_TARGETS = (
    "id\tjob\ttarget\toptions\n"
    "nd4\tknockout\tMT-ND4\t--no-specificity --candidates 3\n"
    "co1\tknockout\tMT-CO1\t--no-specificity --candidates 3\n"
    "nd5\tknockout\tMT-ND5\t--no-specificity --candidates 3\n"
    "cyb\tknockout\tMT-CYB\t--no-specificity --candidates 3\n"
    "m3243\tbase-edit\tchrM:3243:A>G\t--no-offtarget --editor TALED --candidates 2\n"
)


def test_killed_workers_lose_no_finished_target(tmp_path: Path) -> None:
    """Every worker process of a 2-worker LocalCluster is SIGKILLed after the first target
    finishes (the other is mid-run): finished targets stay intact, lost tasks are retried
    on the restarted workers (or fail alone with "task lost"), and a rerun gives the
    folder of an uninterrupted run."""
    psutil = pytest.importorskip("psutil")
    from taleforge.campaign import campaign_status

    t = tmp_path / "targets.tsv"
    t.write_text(KILL_TARGETS)
    ref = tmp_path / "ref"
    run_campaign(t, genome=GENOME, out=ref)
    out = tmp_path / "killed"
    killed: list[int] = []
    seen: list[tuple[str, str]] = []
    snapshot: dict[str, bytes] = {}

    def on_target(rid: str, status: str) -> None:
        seen.append((rid, status))
        if not killed:
            snapshot.update(tree(out))
            for p in psutil.Process().children():
                if "spawn_main" in " ".join(p.cmdline()):
                    p.kill()
                    killed.append(p.pid)

    rep = run_campaign(t, genome=GENOME, out=out, workers=2, on_target=on_target)
    assert len(killed) == 2
    assert sorted(r for r, _ in seen) == sorted(["nd4", "co1", "nd5", "cyb", "m3243"])  # once each
    first = seen[0][0]
    assert any(k.startswith(f"targets/{first}/") for k in snapshot)
    after = tree(out)
    for k, v in snapshot.items():  # what was finished before the kill is untouched
        if k.startswith("targets/"):
            assert after[k] == v, k
    st = {r["id"]: r["status"] for r in campaign_status(out)}
    assert set(st.values()) <= {"done", "failed"} and not (out / ".lock").exists()
    n_done = sum(1 for s in st.values() if s == "done")
    assert rep.done == n_done
    again = run_campaign(t, genome=GENOME, out=out)  # serial and Dask folders are equal
    assert (again.skipped, again.done, again.failed) == (n_done, 5 - n_done, 0)
    assert tree(out) == tree(ref)


def test_shared_scans_on_dask_equal_serial(tmp_path: Path) -> None:
    """Knockout targets as step tasks, their scans as shared scan tasks: the serial folder."""
    t = tmp_path / "targets.tsv"
    t.write_text("id\tjob\ttarget\toptions\n"
                 "nd4\tknockout\tMT-ND4\t--candidates 3\n"
                 "co1\tknockout\tMT-CO1\t--candidates 2 --specificity-candidates 5\n"
                 "bad\tknockout\tMT-ND44\t\n"
                 "m3243\tbase-edit\tchrM:3243:A>G\t--no-offtarget --editor TALED --candidates 2\n")
    serial = run_campaign(t, genome=GENOME, out=tmp_path / "serial", shared=False)
    dask = run_campaign(t, genome=GENOME, out=tmp_path / "dask", workers=2, processes=False,
                        batch_size=8)
    assert (serial.done, serial.failed) == (dask.done, dask.failed) == (3, 1)
    assert tree(tmp_path / "serial") == tree(tmp_path / "dask")
    log = (tmp_path / "dask" / "campaign.log").read_text()
    assert log.count("shared scan task\t8 pairs") == 3 and "shared scan task\t1 pairs" in log


def _task_threads() -> tuple[str | None, int]:
    import os

    from taleforge.campaign import WORKER_THREADS_ENV, _pin_threads
    from taleforge.engine.kernel_util import numba

    _pin_threads()
    return os.environ.get(WORKER_THREADS_ENV), (numba.get_num_threads() if numba else 1)


def test_local_cluster_workers_get_their_share_of_the_cores() -> None:
    """Each of n single-threaded worker processes runs numba on cores // n threads (not one
    per core each, which oversubscribed a 2-worker campaign on 2 cores)."""
    import os

    from distributed import Client, LocalCluster

    from taleforge.campaign import _local_cluster

    share = max(1, (os.cpu_count() or 1) // 2)
    with _local_cluster(LocalCluster, 2, True) as cluster, Client(cluster) as client:
        got = client.gather([client.submit(_task_threads, pure=False) for _ in range(2)])
    assert got == [(str(share), share)] * 2


def test_pin_threads_is_a_no_op_without_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from taleforge.campaign import WORKER_THREADS_ENV
    from taleforge.engine.kernel_util import numba

    monkeypatch.delenv(WORKER_THREADS_ENV, raising=False)
    before = numba.get_num_threads() if numba else 1
    assert _task_threads() == (None, before)

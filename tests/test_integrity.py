"""Regression tests for issue 11 (integrity under bad data and faults): each case the
adversarial review found, plus the signal tests (SIGINT / SIGTERM in a subprocess)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from rich.console import Console

from taleforge.cli import main
from taleforge.cli.common import rich_table
from taleforge.cli.progress import eta_seconds, format_eta
from taleforge.errors import FormatError, IndexMismatchError, OutputError
from taleforge.genome.index import open_genome
from taleforge.io.atomic import OutputSet
from tests.test_genome_index import fasta_text, random_genome, write_2bit


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = 0
    try:
        main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------ silent wrong data
def test_truncated_2bit_is_refused_and_nothing_cached(tmp_path: Path) -> None:
    seqs = random_genome(3, [500, 300])
    p = tmp_path / "g.2bit"
    write_2bit(p, seqs)
    p.write_bytes(p.read_bytes()[:-20])  # the tail of the last contig is missing
    with pytest.raises(FormatError, match="truncated"):
        open_genome(p)
    cache = Path(os.environ["TALEFORGE_CACHE"])
    assert not any(x.name.endswith(f"{p.name}.tfidx") for x in cache.glob("*")) if cache.exists() else True


def test_bgzip_without_eof_block_is_refused(tmp_path: Path) -> None:
    from Bio import bgzf

    from taleforge.genome.fasta import BGZF_EOF

    p = tmp_path / "g.fa.gz"
    with bgzf.BgzfWriter(str(p), "wb") as w:
        w.write(fasta_text(random_genome(4, [2000])).encode())
    data = p.read_bytes()
    assert data.endswith(BGZF_EOF)
    p.write_bytes(data[: -len(BGZF_EOF)])  # cut exactly at a block boundary
    with pytest.raises(FormatError, match="EOF marker is absent"):
        open_genome(p)


def _same_size_copy(src: Path, dst: Path, text: str) -> None:
    """What ``cp -p`` / ``rsync -a`` / ``tar x`` do: new inode, same size and mtime."""
    st = src.stat()
    tmp = dst.with_name(dst.name + ".new")
    tmp.write_text(text)
    os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(tmp, dst)


def test_index_not_reused_when_content_changed_with_same_size_and_mtime(tmp_path: Path) -> None:
    fa = tmp_path / "g.fa"
    fa.write_text(">a\nACGTACGTAC\n")
    g = open_genome(fa)
    old_sha = g.checksum
    _same_size_copy(fa, fa, ">a\nTTTTACGTAC\n")
    assert fa.stat().st_size == len(">a\nACGTACGTAC\n")
    with pytest.raises(IndexMismatchError):
        open_genome(fa, rebuild="never")
    g2 = open_genome(fa)
    assert g2.fetch("a", 0, 4) == "TTTT" and g2.checksum != old_sha


def test_in_place_edit_with_restored_mtime_is_detected(tmp_path: Path) -> None:
    fa = tmp_path / "g.fa"
    fa.write_text(">a\nACGTACGTAC\n")
    open_genome(fa)
    st = fa.stat()
    time.sleep(0.05)  # ctime has coarse (jiffy) resolution
    with open(fa, "r+b") as fh:  # same inode
        fh.seek(3)
        fh.write(b"GG")
    os.utime(fa, ns=(st.st_atime_ns, st.st_mtime_ns))  # touch -r
    assert fa.stat().st_ino == st.st_ino
    assert open_genome(fa).fetch("a", 0, 2) == "GG"


def test_identical_copy_reuses_index_after_one_rehash(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from taleforge.genome import index as gidx

    fa = tmp_path / "g.fa"
    fa.write_text(">a\nACGTACGTAC\n")
    g = open_genome(fa)
    _same_size_copy(fa, fa, ">a\nACGTACGTAC\n")

    def boom(*a: object, **k: object) -> Path:
        raise AssertionError("rebuilt")

    monkeypatch.setattr(gidx, "build_index", boom)
    assert open_genome(fa).checksum == g.checksum
    assert g.index_path is not None
    meta = json.loads((g.index_path / "meta.json").read_text())
    assert meta["source_inode"] == fa.stat().st_ino
    monkeypatch.setattr(gidx, "file_sha256", boom)  # now recorded: no hashing
    open_genome(fa)


def test_explicit_cache_wins_over_a_writable_sidecar_folder(tmp_path: Path) -> None:
    data = tmp_path / "shared-data"
    data.mkdir()
    fa = data / "g.fa"
    fa.write_text(">a\nACGT\n")
    g = open_genome(fa)  # TALEFORGE_CACHE is set by conftest
    assert g.index_path is not None
    assert g.index_path.parent == Path(os.environ["TALEFORGE_CACHE"])
    assert sorted(x.name for x in data.iterdir()) == ["g.fa"]
    cache = tmp_path / "mine"
    g2 = open_genome(fa, cache_dir=cache)
    assert g2.index_path is not None and g2.index_path.parent == cache


def test_tests_keep_numba_cache_in_a_temp_folder() -> None:
    import tempfile

    assert Path(os.environ["NUMBA_CACHE_DIR"]).is_relative_to(tempfile.gettempdir())


def test_cli_defaults_numba_cache_to_taleforge_cache(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from taleforge.cli import _default_numba_cache

    monkeypatch.delenv("NUMBA_CACHE_DIR")
    monkeypatch.setenv("TALEFORGE_CACHE", str(tmp_path / "c"))
    _default_numba_cache()
    assert os.environ["NUMBA_CACHE_DIR"] == str(tmp_path / "c" / "numba")
    monkeypatch.setenv("NUMBA_CACHE_DIR", "/somewhere/else")
    _default_numba_cache()
    assert os.environ["NUMBA_CACHE_DIR"] == "/somewhere/else"


def test_soft_masked_target_gets_a_note() -> None:
    from taleforge.design.knockout import KnockoutParams, design_knockout

    seq = "".join("acgt"[(i * 7 + i // 5) % 4] for i in range(400))
    res = design_knockout(sequence=f">s\n{seq}\n", params=KnockoutParams(specificity=False))
    assert any("soft-masked" in n for n in res.notes)
    res = design_knockout(sequence=f">s\n{seq.upper()}\n", params=KnockoutParams(specificity=False))
    assert not any("soft-masked" in n for n in res.notes)


# --------------------------------------------------------------- outputs, atomically
def _three(tmp_path: Path) -> OutputSet:
    outs = OutputSet()
    outs.add(tmp_path / "a.tsv", "new a\n")
    outs.add(tmp_path / "a.json", "new json\n")
    outs.add(tmp_path / "a.gff3", "new gff3\n")
    return outs


def test_output_set_checks_every_destination_first(tmp_path: Path) -> None:
    (tmp_path / "a.tsv").write_text("old a\n")
    (tmp_path / "a.json").write_text("old json\n")
    (tmp_path / "a.gff3").mkdir()  # a folder in the way of the third output
    with pytest.raises(OutputError) as ei:
        _three(tmp_path).commit()
    msg = ei.value.one_line()
    assert str(tmp_path / "a.gff3") in msg and ".tmp" not in msg and "folder" in msg
    assert (tmp_path / "a.tsv").read_text() == "old a\n"
    assert (tmp_path / "a.json").read_text() == "old json\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.gff3", "a.json", "a.tsv"]


@pytest.mark.parametrize("exc", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_output_set_restores_replaced_files_when_a_rename_fails(
    tmp_path: Path, exc: BaseException
) -> None:
    (tmp_path / "a.tsv").write_text("old a\n")
    (tmp_path / "a.json").write_text("old json\n")
    real = os.replace

    def flaky(src: str, dst: str) -> None:
        if str(dst).endswith("a.gff3"):
            raise exc
        real(src, dst)

    with mock.patch("taleforge.io.atomic.os.replace", flaky), pytest.raises(type(exc)) as ei:
        _three(tmp_path).commit()
    if isinstance(exc, OSError):
        assert isinstance(ei.value, OutputError)
        assert str(tmp_path / "a.gff3") in ei.value.one_line() and "disk is full" in ei.value.one_line()
    assert (tmp_path / "a.tsv").read_text() == "old a\n"
    assert (tmp_path / "a.json").read_text() == "old json\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "a.tsv"]


def test_output_set_full_disk_while_staging_replaces_nothing(tmp_path: Path) -> None:
    from taleforge.io import atomic

    (tmp_path / "a.tsv").write_text("old a\n")
    real = atomic._stage

    def full(path: Path, content: str | bytes) -> str:
        if path.name == "a.gff3":
            raise OSError(28, "No space left on device")
        return real(path, content)

    with mock.patch.object(atomic, "_stage", full), pytest.raises(OutputError, match=r"a\.gff3"):
        _three(tmp_path).commit()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.tsv"]
    assert (tmp_path / "a.tsv").read_text() == "old a\n"


def test_output_set_without_overwrite_refuses(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("old\n")
    outs = _three(tmp_path)
    outs.overwrite = False
    with pytest.raises(OutputError) as ei:
        outs.commit()
    assert "--force" in ei.value.one_line()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]


def test_correct_never_overwrites_without_force_and_writes_every_design(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_donor_synthetic import make_gene

    seq, tx = make_gene(11, "+")
    fa = tmp_path / "cur.fa"
    pos = tx.genomic_pos(80 * 3 - 2)
    fa.write_text(f">loc\n{seq}\n")
    to = {"A": "C", "C": "A", "G": "T", "T": "G"}[seq[pos]]
    monkeypatch.chdir(tmp_path)  # the default output folder goes into the current folder
    argv = ["correct", "--sequence", str(fa), "--position", str(pos + 1), "--to", to,
            "--model", "tale-nt"]
    code, _, err = run(argv, capsys)
    assert code == 0, err
    folder = tmp_path / f"correction-cur-{pos + 1}{to}"
    assert sorted(p.name for p in folder.iterdir()) == [
        "correction.fa", "correction.gb", "correction.json"]
    n = len(json.loads((folder / "correction.json").read_text())["designs"])
    gb = (folder / "correction.gb").read_text()
    assert gb.count("LOCUS ") == n and gb.count("\n//") == n and n >= 1
    before = (folder / "correction.json").read_bytes()
    code, _, err = run(argv, capsys)
    assert code == 2 and "--force" in err and "exists" in err
    assert (folder / "correction.json").read_bytes() == before
    code, _, err = run([*argv, "--force"], capsys)
    assert code == 0, err


# ------------------------------------------------------------------------ terminal
def test_numbers_never_wrap_and_narrow_tables_drop_columns() -> None:
    cols = ["rank", "score", "left_site", "right_site", "cut", "offtarget_pairs", "enzymes"]
    rows = [[1, "0.4266", "TCCTACCCACCCTTTACCAG", "TGGGTAGGTGGGTGAGGATA", 1433310, 1433310,
             "AluI,HaeIII,NlaIII"]] * 3
    for width in (50, 80, 120, 200):
        c = Console(width=width, record=True)
        t = rich_table("t", cols, rows, width=width)
        c.print(t)
        text = c.export_text()
        shown = [str(col.header) for col in t.columns]
        assert max(len(line) for line in text.splitlines()) <= width
        assert "0.4266" in text  # whole, on one line
        assert ("1433310" in text) == ("cut" in shown)
        for h in shown:
            assert h in text  # headers never split mid-word
        if len(shown) < len(cols):
            assert "not shown" in text


def test_eta_from_mean_batch_time() -> None:
    assert eta_seconds(10.0, 2, 10) == pytest.approx(40.0)
    assert eta_seconds(5.0, 0, 10) is None and eta_seconds(5.0, 1, None) is None
    assert format_eta(3725) == "eta 1:02:05" and format_eta(None) == "eta -:--:--"


# ------------------------------------------------------------------------- signals
def _big_genome(folder: Path, n_bp: int = 60_000_000) -> Path:
    rng = np.random.default_rng(1)
    s = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, n_bp, dtype=np.uint8)]
    lines = s.reshape(-1, 100)
    body = np.concatenate([lines, np.full((lines.shape[0], 1), 10, np.uint8)], axis=1)
    fa = folder / "big.fa"
    fa.write_bytes(b">c0\n" + body.tobytes())
    return fa


def _taleforge(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    code = "import sys; from taleforge.cli import main; sys.argv[0] = 'taleforge'; main()"
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.fixture(scope="module")
def big_genome(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _big_genome(tmp_path_factory.mktemp("big"))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_during_index_build_cleans_up(big_genome: Path, tmp_path: Path, sig: int) -> None:
    cache = tmp_path / "cache"
    env = dict(os.environ, TALEFORGE_CACHE=str(cache))
    out = tmp_path / "o.tsv"
    proc = _taleforge(["design", "--region", "c0:1000-1300", "--genome", str(big_genome),
                       "--no-specificity", "-o", str(out)], env, tmp_path)
    deadline = time.monotonic() + 60
    while not list(cache.glob(".*.tmp-*")):  # the build's temp folder exists
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.005)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    text = err.decode()
    assert proc.returncode == 128 + sig, text
    assert text.strip().splitlines()[-1] == "taleforge: interrupted; nothing was written"
    assert "Traceback" not in text
    assert not out.exists()
    assert sorted(p.name for p in cache.iterdir() if "tfidx" in p.name) == []


def _wait_until_mapped(proc: subprocess.Popen[bytes], needle: str, timeout: float) -> None:
    """Wait until the process has memory-mapped a file whose path contains ``needle`` (read
    from /proc; a fixed wait where /proc is absent) or has exited."""
    maps = Path(f"/proc/{proc.pid}/maps")
    if not maps.parent.exists():
        time.sleep(1.5)
        return
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            if needle in maps.read_text():
                return
        except OSError:
            return
        time.sleep(0.01)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_during_scan_writes_nothing(big_genome: Path, tmp_path: Path, sig: int) -> None:
    cache = tmp_path / "cache"
    open_genome(big_genome, cache_dir=cache)  # index built: the run goes straight to the scan
    env = dict(os.environ, TALEFORGE_CACHE=str(cache))
    out = tmp_path / "ot.tsv"
    proc = _taleforge(["offtarget", "--left", "NN HD NI NG NN HD NI NG NN HD NI NG NN HD NI NG",
                       "--right", "HD NG NI NN HD NG NI NN HD NG NI NN HD NG NI NN",
                       "--genome", str(big_genome), "--max-mismatches", "4", "-o", str(out)],
                      env, tmp_path)
    _wait_until_mapped(proc, ".tfidx", 120)  # imports done, index opened: scanning or compiling
    time.sleep(0.2)
    if proc.poll() is not None:
        pytest.skip("the scan finished before the signal (machine too fast for this genome)")
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    text = err.decode()
    assert proc.returncode == 128 + sig, text
    if "already written" in text:  # the signal came after the output was committed
        assert out.exists() and str(out) in text
        pytest.skip("the scan finished before the signal (machine too fast for this genome)")
    assert text.strip().splitlines()[-1] == "taleforge: interrupted; nothing was written"
    assert "Traceback" not in text
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".ot.tsv")] == []

"""`taleforge offtarget` end to end on the built-in chrM and its error cases (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from taleforge.cli import main

L16 = "NN HD NI NG HD NG NI NG HD HD NN NI NG NI HD NG"


def _run_err(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as ei:
        main(argv)
    assert ei.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("taleforge: error:")
    assert len(err.strip().splitlines()) == 1 or "error" in err
    return " ".join(err.split())


def test_site_on_builtin_chrm(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from taleforge.genome.index import open_genome

    g = open_genome("builtin:hg38-chrM")
    # a 49-bp site T + 16 + 15 + 16 + A taken from chrM (find one with T...A)
    seq = g.fetch("chrM", 0, g.contig_length("chrM"))
    start = next(i for i in range(2000, len(seq) - 49)
                 if seq[i] == "T" and seq[i + 48] == "A" and "N" not in seq[i : i + 49])
    site = seq[start : start + 49]
    out, js, bed = tmp_path / "ot.tsv", tmp_path / "ot.json", tmp_path / "ot.bed"
    try:
        main(["offtarget", "--site", site, "--max-mismatches", "3", "--out", str(out),
              "--json", str(js), "--bed", str(bed)])
    except SystemExit as exc:  # typer may exit 0 on success
        assert exc.code in (0, None)
    err = capsys.readouterr().err
    assert "wrote" in err
    rows = [ln.split("\t") for ln in out.read_text().splitlines() if not ln.startswith("#")]
    hdr = rows[0]
    on = [r for r in rows[1:] if r[0] == "ontarget_pair"]
    assert len(on) == 1
    assert int(on[0][hdr.index("start")]) == start + 1
    assert on[0][hdr.index("location")] != ""  # builtin annotation used
    data = json.loads(js.read_text())
    assert data["provenance"]["genome"]["name"] == "builtin:hg38-chrM"
    assert data["provenance"]["model"]["version"]
    assert bed.read_text().splitlines()[1].split("\t")[1] == str(start)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["offtarget", "--left", "NN HD XQ NG HD NG NI NG HD"], "invalid RVD 'XQ' at repeat 3"),
        (["offtarget", "--left", "NN HD NI NG"], "allowed 8-40"),
        (["offtarget", "--left", " ".join(["NI"] * 41)], "allowed 8-40"),
        (["offtarget", "--left", L16, "--max-mismatches", "9"], "max_mismatches"),
        (["offtarget", "--left", L16, "--model", "nope"], "unknown binding model"),
        (["offtarget", "--left", L16, "--spacer-min", "30", "--spacer-max", "10"], "spacer"),
        (["offtarget"], "no TALE given"),
        (["offtarget", "--site", "TTGXCC"], "non-ACGT"),
        (["offtarget", "--left", L16, "--site", "T" * 49], "cannot be combined"),
        (["offtarget", "--left", L16, "--scaffold", "nope"], "unknown scaffold"),
    ],
)
def test_cli_errors(argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert needle in _run_err(argv, capsys)


def test_unreachable_scheduler(capsys: pytest.CaptureFixture[str]) -> None:
    msg = _run_err(["offtarget", "--left", L16, "--scheduler", "foo://nowhere:1"], capsys)
    assert "scheduler" in msg


def test_explain_and_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        main(["offtarget", "--left", L16, "--max-mismatches", "3", "--explain", "1",
              "--pos0", "any"])
    except SystemExit as exc:
        assert exc.code in (0, None)
    cap = capsys.readouterr()
    assert cap.out.splitlines()[0].startswith("# taleforge offtarget")  # TSV when piped

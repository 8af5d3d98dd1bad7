"""`design --sequence` with and without --exons/--cds (issue 10): without a transcript model a
warning says cuts were ranked without a CDS; with one, designs cut in the CDS and carry its
exon/codon annotation."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from taleforge.cli import main


def _fasta(tmp_path: Path) -> Path:
    rng = random.Random(3)
    fa = tmp_path / "s.fa"
    fa.write_text(">myseq\n" + "".join(rng.choice("ACGT") for _ in range(3000)) + "\n")
    return fa


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(["design", *args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def _rows(tsv: str) -> list[dict[str, str]]:
    lines = [ln for ln in tsv.splitlines() if not ln.startswith("#")]
    head = lines[0].split("\t")
    return [dict(zip(head, ln.split("\t"), strict=True)) for ln in lines[1:]]


def test_sequence_without_cds_warns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["--sequence", str(_fasta(tmp_path)), "--no-specificity", "--top", "3"],
                        capsys)
    assert code == 0
    assert "# warning (no-transcript-model): cuts in the --sequence were ranked without a CDS" in out


def test_sequence_with_exons_and_cds_ranks_coding_cuts(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["--sequence", str(_fasta(tmp_path)), "--exons", "1001-1300,1501-1800",
                         "--cds", "1051..1748", "--no-specificity", "--top", "5"], capsys)
    assert code == 0, out
    assert "no-transcript-model" not in out
    rows = _rows(out)
    assert rows
    for r in rows:
        cut = int(r["cut"])
        assert 1051 <= cut <= 1300 or 1501 <= cut <= 1748, r["cut"]
        assert r["exon"] in ("1", "2") and r["codon"]


def test_cds_not_whole_codons_and_exons_without_sequence_are_errors(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["--sequence", str(_fasta(tmp_path)), "--exons", "1001-1300",
                         "--cds", "1051..1300", "--no-specificity"], capsys)
    assert code == 2 and "not a multiple of 3" in err and "Traceback" not in err
    code, _, err = _run(["MT-ND4", "--exons", "1-30", "--cds", "1..30"], capsys)
    assert code == 2 and "--exons/--cds describe a --sequence" in err

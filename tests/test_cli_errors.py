"""CLI error cases: one-line message naming the problem and the fix, exit code 2, no
traceback, no partial output file."""

from __future__ import annotations

from pathlib import Path

import pytest

from taleforge.cli import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    cap = capsys.readouterr()
    code = exc.value.code if isinstance(exc.value.code, int) else 1
    return code, cap.out, cap.err


def assert_clean_error(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, err
    for n in needles:
        assert n.lower() in err.lower(), (n, err)


def test_unknown_gene_lists_close_matches(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "x.tsv"
    code, _, err = run(["design", "MT-ND44", "--no-specificity", "--out", str(out)], capsys)
    assert_clean_error(code, err, "unknown gene", "MT-ND4")
    assert not out.exists()


def test_region_off_contig_end(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "x.tsv"
    code, _, err = run(["design", "--region", "chrM:16000-17000", "--out", str(out)], capsys)
    assert_clean_error(code, err, "chrM", "16,569")
    assert not out.exists()


def test_unknown_contig(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["design", "--region", "chr99:1-100"], capsys)
    assert_clean_error(code, err, "chr99")


def test_non_acgt_sequence_says_where(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fa = tmp_path / "amp.fa"
    fa.write_text(">amp\n" + "ACGT" * 20 + "\nACGTXACGT\n")
    out = tmp_path / "x.tsv"
    code, _, err = run(["design", "--sequence", str(fa), "--out", str(out)], capsys)
    assert_clean_error(code, err, "'X'", "position 85")
    assert not out.exists()


def test_empty_fasta(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fa = tmp_path / "empty.fa"
    fa.write_text("")
    code, _, err = run(["design", "--sequence", str(fa)], capsys)
    assert_clean_error(code, err, "empty")


def test_malformed_fasta_genome(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fa = tmp_path / "bad.fa"
    fa.write_text("ACGTACGT\n>x\nACGT\n")
    code, _, err = run(["design", "--region", "x:1-4", "--genome", str(fa)], capsys)
    assert_clean_error(code, err, "bad.fa")


def test_malformed_gtf(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    gtf = tmp_path / "bad.gtf"
    gtf.write_text("chrM\tsrc\texon\t100\n")
    code, _, err = run(["design", "MT-ND4", "--annotation", str(gtf)], capsys)
    assert_clean_error(code, err, "bad.gtf")


def test_spacer_min_above_max(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "x.tsv"
    code, _, err = run(
        ["design", "MT-ND4", "--spacer-min", "30", "--spacer-max", "15", "--out", str(out)], capsys
    )
    assert_clean_error(code, err, "spacer min 30 > max 15")
    assert not out.exists()


def test_index_from_another_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fa = tmp_path / "g.fa"
    fa.write_text(">c\n" + "ACGTTGCA" * 50 + "\n")
    code, _, err = run(
        ["design", "--region", "c:1-400", "--genome", str(fa), "--no-specificity",
         "--out", str(tmp_path / "a.tsv")],
        capsys,
    )
    assert code == 0, err
    fa.write_text(">c\n" + "TTGCAACG" * 60 + "\n")  # different size: index is stale
    code, _, err = run(
        ["design", "--region", "c:1-400", "--genome", str(fa), "--rebuild-index", "never"], capsys
    )
    assert_clean_error(code, err, "index")


def test_unknown_scaffold_lists_valid(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["design", "MT-ND4", "--scaffold", "nope"], capsys)
    assert_clean_error(code, err, "cellectis-like")


def test_outputs_untouched_on_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "keep.tsv"
    out.write_text("previous good result\n")
    code, _, _err = run(["design", "MT-ND44", "--out", str(out)], capsys)
    assert code == 2
    assert out.read_text() == "previous good result\n"


def test_atomic_outputs_have_normal_permissions(tmp_path: Path) -> None:
    import os

    from taleforge.io.atomic import OutputSet

    outs = OutputSet()
    outs.add(tmp_path / "a.tsv", "x\n")
    outs.commit()
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "a.tsv").stat().st_mode & 0o777 == 0o666 & ~mask
    assert [p.name for p in tmp_path.iterdir()] == ["a.tsv"]  # no temp files left

"""Every job matches a user's annotation to the genome (issue 10): contig aliases (MT for
chrM) are renamed, and an annotation of another genome is one error naming both files."""

from __future__ import annotations

from pathlib import Path

import pytest

from taleforge.cli import main
from taleforge.genome.index import BUILTIN_GENOMES


def _gff(tmp_path: Path, contig: str) -> Path:
    src = BUILTIN_GENOMES["builtin:hg38-chrM"].annotation.read_text()
    out = tmp_path / f"mito_{contig}.gff3"
    out.write_text("\n".join(ln if ln.startswith("#") or not ln else contig + ln[4:]
                             for ln in src.splitlines()) + "\n")
    return out


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


def test_base_edit_takes_an_mt_named_annotation(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _run(["base-edit", "--genome", "builtin:hg38-chrM", "--annotation",
                      str(_gff(tmp_path, "MT")), "--position", "3243", "--to", "G",
                      "--top", "1", "--out", str(tmp_path / "be.tsv")], capsys)
    assert code == 0, err
    assert "MT-TL1" in (tmp_path / "be.tsv").read_text()


def test_base_edit_refuses_an_annotation_of_another_genome(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = _gff(tmp_path, "chr14")
    code, err = _run(["base-edit", "--genome", "builtin:hg38-chrM", "--annotation", str(other),
                      "--position", "3243", "--to", "G", "--out", str(tmp_path / "x.tsv")],
                     capsys)
    assert code == 2 and "Traceback" not in err
    assert other.name in err and "chr14" in err
    assert not (tmp_path / "x.tsv").exists()

"""`taleforge genome add/list/remove` and `--genome NAME` through the registry."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from taleforge.cli import main
from taleforge.errors import IndexMismatchError, InputError, ParameterError, UnknownNameError
from taleforge.genome import registry
from taleforge.genome.index import BUILTIN_GENOMES, open_genome

MITO = BUILTIN_GENOMES["builtin:hg38-chrM"]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = 0
    try:
        main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    cap = capsys.readouterr()
    return code, cap.out, cap.err


@pytest.fixture()
def mito_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.setenv("TALEFORGE_CACHE", str(tmp_path / "cache"))
    src = tmp_path / "src"
    src.mkdir()
    fa, gff = src / "mito.fa", src / "mito.gff3"
    shutil.copy(MITO.fasta, fa)
    shutil.copy(MITO.annotation, gff)
    return fa, gff


def test_add_list_open_remove(mito_files: tuple[Path, Path], tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    fa, gff = mito_files
    code, _, err = run(["genome", "add", "Mito1", "--fasta", str(fa), "--annotation", str(gff)], capsys)
    assert code == 0, err
    entry = registry.read_entry("Mito1")
    assert entry is not None
    assert entry["fasta"]["sha256"] == open_genome("builtin:hg38-chrM").checksum
    assert Path(entry["index"]).is_dir()
    assert str(tmp_path / "cache") in entry["index"]  # stored under the cache dir
    assert not (fa.parent / (fa.name + ".tfidx")).exists()  # nothing written beside the source

    code, out, _ = run(["genome", "list"], capsys)
    assert code == 0 and "Mito1" in out and entry["fasta"]["sha256"] in out

    g = open_genome("Mito1")
    assert g.name == "Mito1" and g.default_annotation == gff.resolve()
    assert g.index_path == Path(entry["index"])

    # --genome NAME in a design command (annotation from the registry)
    res = tmp_path / "ko.tsv"
    code, _, err = run(["design", "MT-ND4", "--genome", "Mito1", "--no-specificity",
                        "--top", "2", "--out", str(res)], capsys)
    assert code == 0, err
    assert "MT-ND4" in res.read_text()

    code, _, err = run(["genome", "remove", "Mito1"], capsys)
    assert code == 0, err
    assert registry.read_entry("Mito1") is None
    assert fa.exists() and gff.exists()  # the user's files are kept
    with pytest.raises(InputError, match="not found"):
        open_genome("Mito1")


def test_refuses_a_name_twice(mito_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    fa, _ = mito_files
    registry.add_genome("G1", fa)
    with pytest.raises(ParameterError, match="already registered"):
        registry.add_genome("G1", fa)
    code, _, err = run(["genome", "add", "G1", "--fasta", str(fa)], capsys)
    assert code == 2 and "already registered" in err and len(err.strip().splitlines()) == 1
    registry.add_genome("G1", fa, force=True)  # --force replaces


def test_detects_a_changed_fasta(mito_files: tuple[Path, Path]) -> None:
    fa, _ = mito_files
    registry.add_genome("G2", fa)
    st = fa.stat()
    os.utime(fa, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # touched, same content: fine
    assert open_genome("G2").name == "G2"
    text = fa.read_text()
    i = text.index("\n") + 10
    fa.write_text(text[:i] + ("A" if text[i] != "A" else "C") + text[i + 1:])
    with pytest.raises(IndexMismatchError, match="changed since it was registered"):
        open_genome("G2")


def test_detects_a_changed_annotation(mito_files: tuple[Path, Path]) -> None:
    fa, gff = mito_files
    registry.add_genome("G3", fa, annotation=gff)
    gff.write_text(gff.read_text() + "# edited\n")
    with pytest.raises(IndexMismatchError, match="annotation"):
        open_genome("G3")


def test_unknown_and_invalid_names(mito_files: tuple[Path, Path]) -> None:
    fa, _ = mito_files
    with pytest.raises(UnknownNameError):
        registry.remove_genome("nope")
    with pytest.raises(ParameterError, match="invalid genome name"):
        registry.add_genome("bad/name", fa)
    with pytest.raises(ParameterError):
        registry.add_genome("builtin-x", fa)
    assert json.loads(json.dumps(registry.list_entries())) == []

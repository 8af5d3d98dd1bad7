"""Streaming FASTA reader: validation errors and edge cases."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from taleforge.errors import FormatError, InputError
from taleforge.genome.fasta import CLASS_SOFT, FastaReader, read_fasta_strings
from taleforge.genome.index import open_genome


def _read(path: Path, block: int = 1 << 20) -> dict[str, np.ndarray]:
    out: dict[str, list[np.ndarray]] = {}
    for name, codes in FastaReader(path, block_bytes=block):
        out.setdefault(name, []).append(codes)
    return {k: np.concatenate(v) for k, v in out.items()}


def _write(tmp_path: Path, text: str | bytes, name: str = "x.fa") -> Path:
    p = tmp_path / name
    if isinstance(text, str):
        p.write_text(text)
    else:
        p.write_bytes(text)
    return p


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("", "empty"),
        ("\n\n  \n", "no sequence"),
        ("ACGT\nACGT\n", r"line 1.*does not start with a '>'"),
        ("\n\nACGT\n>a\nACGT\n", r"line 3.*before the first '>'"),
        (
            ">a\nACGT\n>b\nAC\n>a\nGG\n",
            r"line 5.*duplicate record name 'a' \(first seen on line 1\)",
        ),
        (">a\n>b\nACGT\n", r"line 1.*record 'a' has no sequence"),
        (">a\nACGT\n>b\n", r"line 3.*record 'b' has no sequence"),
        (">a\nACGT\n>b", r"line 3.*record 'b' has no sequence"),
        (">a\nACGT\nAC-GT\n", r"line 3.*character '-' at column 3"),
        (">a\nACGT\nACGT\nAC1T\n", r"line 4.*'1' at column 3"),
        (">a\nACGT*\n", r"line 2.*'\*' at column 5"),
        (">a\nAC>GT\n", r"line 2.*'>' at column 3"),
        (">\nACGT\n", r"line 1.*without a name"),
    ],
)
def test_malformed_fasta(tmp_path: Path, text: str, pattern: str) -> None:
    p = _write(tmp_path, text)
    with pytest.raises(FormatError, match=pattern) as ei:
        _read(p)
    assert ei.value.hint  # every error says how to fix it
    assert str(p) in str(ei.value)


@pytest.mark.parametrize("block", [1, 2, 3, 5, 64, 1 << 20])
def test_block_boundaries_do_not_matter(tmp_path: Path, block: int) -> None:
    text = ">a desc\nACGTN\nacgtR\n\n>b\nGG\r\nTT\n>c x\nA"
    p = _write(tmp_path, text)
    got = _read(p, block)
    assert list(got) == ["a", "b", "c"]
    assert [v.size for v in got.values()] == [10, 4, 1]
    a = got["a"]
    assert list(a & 7) == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4]
    assert list((a & CLASS_SOFT) > 0) == [False] * 5 + [True] * 4 + [False]


@pytest.mark.parametrize("block", [1, 7, 1 << 20])
def test_errors_report_lines_across_blocks(tmp_path: Path, block: int) -> None:
    p = _write(tmp_path, ">a\n" + "ACGT\n" * 50 + "AC GT\nACXT.\n")
    with pytest.raises(FormatError, match=r"line 53.*'\.' at column 5"):
        _read(p, block)


def test_whitespace_and_crlf_are_ignored(tmp_path: Path) -> None:
    p = _write(tmp_path, ">a\r\nAC GT\t\r\nNN\r\n")
    seqs, _ = read_fasta_strings(p)
    assert seqs == {"a": "ACGTNN"}


@pytest.mark.parametrize("isal", [True, False])
def test_gzip_and_corrupt_gzip(tmp_path: Path, isal: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    from taleforge.genome import fasta

    if not isal:
        monkeypatch.setattr(fasta, "_igzip", None)  # the stdlib gzip fallback
    elif fasta._igzip is None:
        pytest.skip("isal not installed")
    data = gzip.compress(b">a\nACGT\n" * 1 + b">b\n" + b"ACGT" * 1000 + b"\n")
    p = _write(tmp_path, data, "x.fa.gz")
    assert [k for k in _read(p)] == ["a", "b"]
    bad = _write(tmp_path, data[: len(data) // 2], "bad.fa.gz")
    with pytest.raises(FormatError, match="decompress"):
        _read(bad)
    members = gzip.compress(b">a\nAC") + gzip.compress(b"GT\n>b\nTT\n")  # like bgzip
    got = _read(_write(tmp_path, members, "m.fa.gz"))
    assert [v.size for v in got.values()] == [4, 2]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        _read(tmp_path / "nope.fa")


def test_sha256_after_streaming(tmp_path: Path) -> None:
    import hashlib

    p = _write(tmp_path, ">a\nACGT\n")
    r = FastaReader(p)
    list(r)
    assert r.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()
    assert r.names == ["a"] and r.lengths == [4]


def test_open_genome_reports_format_error(tmp_path: Path) -> None:
    p = _write(tmp_path, ">a\nACGT\n>a\nACGT\n")
    with pytest.raises(FormatError, match="duplicate"):
        open_genome(p)
    assert sorted(x.name for x in tmp_path.iterdir()) == ["x.fa"]  # no half index left

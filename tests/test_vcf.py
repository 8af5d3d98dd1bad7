"""Tests for the minimal VCF reader."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from taleforge.errors import FormatError
from taleforge.genome.vcf import Variant, read_vcf

HEADER = (
    "##fileformat=VCFv4.2\n"
    "##contig=<ID=chr1,length=1000>\n"
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
)
BODY = (
    "chr1\t10\trs1\tA\tG\t.\tPASS\t.\n"
    "chr1\t20\t.\tac\tA,ACC,<DEL>\t50\tPASS\tAC=1\n"
    "chr1\t30\tsv1\tG\t<INV>\t.\t.\tSVTYPE=INV\n"
    "chr1\t40\tbnd\tT\tT[chr2:100[\t.\t.\t.\n"
    "chr1\t50\tx\tC\t*,T\t.\t.\t.\n"
    "chr1\t60\tm\tC\t.\t.\t.\t.\n"
)


def test_read_plain(tmp_path: Path) -> None:
    p = tmp_path / "a.vcf"
    p.write_text(HEADER + BODY)
    vs = read_vcf(p)
    assert vs == [
        Variant("chr1", 9, "A", "G", "rs1"),
        Variant("chr1", 19, "AC", "A", "."),
        Variant("chr1", 19, "AC", "ACC", "."),
        Variant("chr1", 49, "C", "T", "x"),
    ]
    assert vs[0].is_snv and vs[1].is_indel and vs[0].pos1 == 10 and vs[1].end == 21
    assert str(vs[0]) == "chr1:10A>G"


def test_read_gz(tmp_path: Path) -> None:
    p = tmp_path / "a.vcf.gz"
    with gzip.open(p, "wt") as fh:
        fh.write(HEADER + BODY)
    assert len(read_vcf(p)) == 4


def test_header_only_is_empty_list(tmp_path: Path) -> None:
    p = tmp_path / "h.vcf"
    p.write_text(HEADER)
    assert read_vcf(p) == []


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("chr1\t10\trs1\n", "at least 5"),
        ("chr1\tten\trs1\tA\tG\n", "not an integer"),
        ("chr1\t0\trs1\tA\tG\n", "POS 0 < 1"),
        ("chr1\t5\trs1\tA\tQ\n", "ALT 'Q'"),
        ("chr1\t5\trs1\tZ\tG\n", "REF 'Z'"),
    ],
)
def test_malformed(tmp_path: Path, line: str, needle: str) -> None:
    p = tmp_path / "bad.vcf"
    p.write_text(HEADER + BODY + line)
    with pytest.raises(FormatError) as ei:
        read_vcf(p)
    n = (HEADER + BODY).count("\n") + 1
    assert f"line {n}" in str(ei.value) and needle in str(ei.value)
    assert ei.value.hint


def test_empty_and_missing(tmp_path: Path) -> None:
    p = tmp_path / "e.vcf"
    p.write_text("")
    with pytest.raises(FormatError):
        read_vcf(p)
    with pytest.raises(FormatError):
        read_vcf(tmp_path / "missing.vcf")

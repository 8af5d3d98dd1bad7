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


# ------------------------------------------------------------------ records vs the genome
# load_vcf matches contig names through the alias table (genome/aliases.py) and skips, with
# counts per reason, records that do not fit the genome.


def _genome(tmp_path: Path):  # type: ignore[no-untyped-def]
    import random

    from taleforge.genome.index import genome_from_sequence

    rng = random.Random(3)
    chr1 = "".join(rng.choice("ACGT") for _ in range(300))
    chrm = "".join(rng.choice("ACGT") for _ in range(200))
    fa = tmp_path / "g.fa"
    fa.write_text(f">chr1\n{chr1}\n>chrM\n{chrm}\n")
    return genome_from_sequence(fa), chr1, chrm


def test_load_vcf_aliases_and_mismatch_counts(tmp_path: Path) -> None:
    from taleforge.genome.vcf import load_vcf

    g, chr1, chrm = _genome(tmp_path)
    comp = {"A": "C", "C": "G", "G": "T", "T": "A"}
    lines = [
        f"1\t10\tok1\t{chr1[9]}\t{comp[chr1[9]]}",          # 1 -> chr1
        f"MT\t5\tok2\t{chrm[4]}\t{comp[chrm[4]]}",           # MT -> chrM
        f"NC_012920.1\t6\tok3\t{chrm[5:7]}\t{chrm[5]}",      # rCRS accession -> chrM
        f"chr1\t20\tbadref\t{comp[chr1[19]]}\tA",             # REF differs from the genome
        f"chr1\t300\tpast\t{chr1[299]}AC\tA",                 # runs past the contig end
        "chr7\t5\tnocontig\tA\tG",                            # no such contig
        "chr1\t30\tsv\tA\t<DEL>",                             # symbolic
        f"chr1\t40\tstar\t{chr1[39]}\t*,{comp[chr1[39]]}",  # * skipped, the SNV kept
    ]
    p = tmp_path / "v.vcf"
    p.write_text(HEADER + "\n".join(lines) + "\n")
    res = load_vcf(p, g)
    assert [v.id for v in res.variants] == ["ok1", "ok2", "ok3", "star"]
    assert {v.contig for v in res.variants} == {"chr1", "chrM"}
    assert res.variants[0] == Variant("chr1", 9, chr1[9], comp[chr1[9]], "ok1")
    assert res.skipped == {"unknown-contig": 1, "past-contig-end": 1, "ref-mismatch": 1,
                           "symbolic-allele": 1, "star-allele": 1}
    assert res.renamed == {"1": "chr1", "MT": "chrM", "NC_012920.1": "chrM"}
    assert res.n_records == 9
    w = res.warning()
    assert w is not None and w.code == "input-mismatch" and w.severity == "warning"
    assert "5 of 9 VCF alleles" in w.message and "ref-mismatch 1" in w.message
    assert w.details["skipped"]["unknown-contig"] == 1


def test_load_vcf_clean_file_has_no_warning(tmp_path: Path) -> None:
    from taleforge.genome.vcf import load_vcf

    g, chr1, _ = _genome(tmp_path)
    p = tmp_path / "v.vcf"
    p.write_text(HEADER + f"chr1\t3\t.\t{chr1[2]}\tN\n")
    res = load_vcf(p, g)
    assert len(res.variants) == 1 and res.skipped == {} and res.warning() is None


def test_load_vcf_real_mito_variants_on_builtin_rcrs(tmp_path: Path) -> None:
    """Known pathogenic mtDNA variants, written against MT (Ensembl naming), match the
    built-in rCRS chrM; a record with the wrong REF is counted, not used."""
    from taleforge.genome.index import open_genome
    from taleforge.genome.vcf import load_vcf

    g = open_genome("builtin:hg38-chrM")
    body = (
        "MT\t3243\tm.3243A>G\tA\tG\t.\tPASS\t.\n"    # MELAS, MT-TL1
        "MT\t8993\tm.8993T>G\tT\tG\t.\tPASS\t.\n"    # NARP, MT-ATP6
        "MT\t11778\tm.11778G>A\tG\tA\t.\tPASS\t.\n"  # LHON, MT-ND4
        "MT\t1555\tm.1555A>G\tA\tG\t.\tPASS\t.\n"    # aminoglycoside deafness, MT-RNR1
        "MT\t3243\twrong\tG\tA\t.\tPASS\t.\n"        # REF is A in the rCRS
        "MT\t16569\tend\tGA\tG\t.\tPASS\t.\n"        # past the end of 16,569 bp
    )
    p = tmp_path / "mito.vcf"
    p.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" + body)
    res = load_vcf(p, g)
    assert [v.id for v in res.variants] == ["m.3243A>G", "m.8993T>G", "m.11778G>A", "m.1555A>G"]
    assert all(v.contig == "chrM" for v in res.variants)
    assert res.skipped == {"past-contig-end": 1, "ref-mismatch": 1}
    assert res.renamed == {"MT": "chrM"}

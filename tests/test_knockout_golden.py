"""Golden outputs on real genomes (rCRS built in; E. coli from ../shared) and coordinate
round trips through BED and GFF3. Regenerate goldens with TALEFORGE_UPDATE_GOLDEN=1 after an
intended ranking change, and say why in the commit."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from taleforge.design.knockout import KnockoutParams, KnockoutResult, design_knockout
from taleforge.io import knockout_out as ko

from .conftest import shared


def read_bed12_pairs(text: str) -> list[tuple[str, int, int, int, int, int, int]]:
    """Parse our BED12 back: (contig, left_fp_start, left_fp_end, right_fp_start,
    right_fp_end, spacer_start, spacer_end) 0-based half-open. For round-trip tests."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith(("track", "#")):
            continue
        f = line.split("\t")
        start = int(f[1])
        sizes = [int(x) for x in f[10].strip(",").split(",")]
        starts = [int(x) for x in f[11].strip(",").split(",")]
        out.append(
            (f[0], start + starts[0], start + starts[0] + sizes[0], start + starts[1],
             start + starts[1] + sizes[1], int(f[6]), int(f[7]))
        )
    return out


GOLDEN = Path(__file__).parent / "golden"


def _check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("TALEFORGE_UPDATE_GOLDEN") == "1" or not path.exists():
        if not os.environ.get("TALEFORGE_UPDATE_GOLDEN") and not path.exists():
            pytest.fail(f"golden file {path} missing; run with TALEFORGE_UPDATE_GOLDEN=1")
        path.write_text(text)
    assert text == path.read_text(), f"output differs from {path}"


def _strip_provenance(tsv: str) -> str:
    # the genome line holds a path-independent name + checksum; keep it
    return tsv


def _roundtrip(res: KnockoutResult) -> None:
    bed = read_bed12_pairs(ko.to_bed_text(res))
    assert len(bed) == len(res.designs)
    for d, b in zip(res.designs, bed, strict=True):
        pr = d.pair
        lf, rf = pr.left.footprint, pr.right.footprint
        assert b == (pr.contig, lf.start, lf.end, rf.start, rf.end, pr.spacer.start, pr.spacer.end)
    gff = [ln.split("\t") for ln in ko.to_gff3_text(res).splitlines() if not ln.startswith("#")]
    sites = [f for f in gff if f[2] == "binding_site"]
    spacers = [f for f in gff if f[2] == "region"]
    for d, left, right, sp in zip(res.designs, sites[0::2], sites[1::2], spacers, strict=True):
        pr = d.pair
        assert (int(left[3]) - 1, int(left[4]), left[6]) == (pr.left.pos0, pr.left.bound.end, "+")
        assert (int(right[3]) - 1, int(right[4]), right[6]) == (pr.right.bound.start, pr.right.pos0 + 1, "-")
        assert (int(sp[3]) - 1, int(sp[4])) == (pr.spacer.start, pr.spacer.end)


def test_builtin_mt_nd4_golden() -> None:
    res = design_knockout("MT-ND4", params=KnockoutParams(top=10, specificity=False))
    assert res.target.transcript is not None
    assert res.designs, res.empty_reason()
    for d in res.designs:
        assert d.annotations["codon"] is not None  # every cut is in the ND4 CDS
    _check_golden("knockout_MT-ND4.tsv", ko.to_tsv_text(res))
    _roundtrip(res)


def test_builtin_is_deterministic_bytes() -> None:
    a = design_knockout("MT-CO1", params=KnockoutParams(top=5, specificity=False))
    b = design_knockout("MT-CO1", params=KnockoutParams(top=5, specificity=False))
    assert ko.to_json_text(a) == ko.to_json_text(b)
    assert ko.to_gff3_text(a) == ko.to_gff3_text(b)


@pytest.mark.shared
def test_ecoli_lacz_golden() -> None:
    fa = shared("ecoli", "GCF_000005845.2_ASM584v2_genomic.fna.gz")
    gff = shared("ecoli", "GCF_000005845.2_ASM584v2_genomic.gff.gz")
    res = design_knockout(
        "lacZ", genome=fa, annotation=gff, params=KnockoutParams(top=10, specificity=False)
    )
    assert res.target.gene is not None and res.target.gene.name == "lacZ"
    assert res.designs
    for d in res.designs:
        assert d.pair.contig == "NC_000913.3"
        # lacZ is on the minus strand at 363231..366305 (NCBI GFF)
        assert 363230 <= d.pair.cut < 366305
        assert d.annotations['codon'] is not None
    _check_golden("knockout_ecoli_lacZ.tsv", ko.to_tsv_text(res))
    _roundtrip(res)

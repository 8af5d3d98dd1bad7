"""`taleforge correct` and `taleforge knockin` end to end on a synthetic genome + GFF3."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from taleforge.cli import main
from taleforge.genome.annotation import Transcript
from tests.test_donor_synthetic import CONTIG, make_gene
from tests.test_knockin import egfp_like


def _gff3(tx: Transcript) -> str:
    rows = ["##gff-version 3"]
    s = tx.strand
    rows.append(f"{CONTIG}\ttest\tgene\t{tx.start + 1}\t{tx.end}\t.\t{s}\t.\tID=G1;Name=SYN1;gene_name=SYN1")
    rows.append(f"{CONTIG}\ttest\tmRNA\t{tx.start + 1}\t{tx.end}\t.\t{s}\t.\tID=TX1;Parent=G1")
    for e in tx.exons:
        rows.append(f"{CONTIG}\ttest\texon\t{e.start + 1}\t{e.end}\t.\t{s}\t.\tParent=TX1")
    done = 0
    for c in tx.cds_in_order():
        phase = (3 - done % 3) % 3
        rows.append(f"{CONTIG}\ttest\tCDS\t{c.start + 1}\t{c.end}\t.\t{s}\t{phase}\tID=cds1;Parent=TX1")
        done += len(c)
    return "\n".join(rows) + "\n"


@pytest.fixture(params=["+", "-"])
def locus(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, Path, str, Transcript]:
    seq, tx = make_gene(11, request.param)
    fa = tmp_path / "syn.fa"
    fa.write_text(f">{CONTIG}\n{seq}\n")
    gff = tmp_path / "syn.gff3"
    gff.write_text(_gff3(tx))
    return fa, gff, seq, tx


def test_correct_variant_cli(locus, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    fa, gff, seq, tx = locus
    pos = tx.genomic_pos(80 * 3 - 2)
    ref = seq[pos]
    alt = {"A": "C", "C": "A", "G": "T", "T": "G"}[ref]
    out = tmp_path / "corr"
    rc = 0
    try:
        main(["correct", "--genome", str(fa), "--annotation", str(gff), "--variant",
              f"{CONTIG}:{pos + 1}:{ref}>{alt}", "--model", "tale-nt", "--no-specificity", "-o", str(out),
              "--explain", "1"])
    except SystemExit as exc:
        rc = int(exc.code or 0)
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "silent_blocking: pass" in err and "edit_in_spacer: rank key 1" in err
    data = json.loads((out / "correction.json").read_text())
    assert {r["rule"] for r in data["designs"][0]["rules"]} >= {"cut_distance", "pair_quality"}
    assert data["position"] == pos + 1
    assert f"the cells' {alt} allele is corrected toward {ref}" in data["correction"]
    assert data["transcripts"] == ["TX1"]
    d = data["designs"][0]
    assert any(c["kind"] == "edit" and c["to"] == ref for c in d["changes"])
    assert (out / "correction.gb").read_text().startswith("LOCUS")
    assert (out / "correction.fa").read_text().count(">") == 2 * len(data["designs"])
    # REF that does not match the reference: error with exit code 2 and a hint
    with pytest.raises(SystemExit) as ei:
        main(["correct", "--genome", str(fa), "--variant", f"{CONTIG}:{pos + 1}:{alt}>{ref}",
              "-o", str(out), "--force"])
    assert ei.value.code == 2
    assert "the reference has" in capsys.readouterr().err


def test_knockin_cli(locus, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    fa, gff, _seq, tx = locus
    cargo = tmp_path / "egfp.fa"
    cargo.write_text(">egfp\n" + egfp_like().seq + "\n")
    out = tmp_path / "ki"
    rc = 0
    try:
        main(["knockin", "--genome", str(fa), "--annotation", str(gff), "--gene", "SYN1",
              "--exon", "2", "--in-frame", "--cargo", str(cargo), "--2a", "T2A", "--arm", "300",
              "--model", "tale-nt", "--no-specificity", "-o", str(out)])
    except SystemExit as exc:
        rc = int(exc.code or 0)
    assert rc == 0, capsys.readouterr().err
    gb = (out / "knockin.gb").read_text()
    assert "EGRGSLLTCGDVEENPGP" in gb.replace("\n", "").replace(" ", "")
    data = json.loads((out / "knockin.json").read_text())
    assert data["strand"] == tx.strand and data["designs"][0]["blocking"]["cleavable_sites_after"] == 0
    # intron out of range: message says how many introns there are
    with pytest.raises(SystemExit) as ei:
        main(["knockin", "--genome", str(fa), "--annotation", str(gff), "--gene", "SYN1",
              "--intron", "7", "--cargo", str(cargo), "-o", str(out), "--force"])
    assert ei.value.code == 2
    assert "has 2 introns" in capsys.readouterr().err
    prot = tmp_path / "prot.fa"
    prot.write_text(">p\nMVSKGEELFTGVVPILVELDGDVNGHKF\n")
    with pytest.raises(SystemExit) as ei:
        main(["knockin", "--genome", str(fa), "--annotation", str(gff), "--gene", "SYN1",
              "--intron", "1", "--cargo", str(prot), "-o", str(out), "--force"])
    assert ei.value.code == 2
    assert "not DNA" in capsys.readouterr().err

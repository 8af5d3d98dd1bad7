"""Worked examples on the real human HBB gene (U01317.1 window, coding orientation):
sickle-cell correction (c.20A>T -> back to A, p.Val7Glu) and an in-frame P2A + EGFP-like
knock-in into exon 1. Regenerate goldens with TALEFORGE_UPDATE_GOLDEN=1 after an
intended change. The goldens use the exact ``tale-nt`` model (TALE-NT 2.0, Doyle 2012 Nucleic Acids Res) so that they
do not move when the default positional model is retuned."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from Bio.Seq import Seq

from taleforge.design.blocking import apply_changes, score_half_sites
from taleforge.design.donor import (
    correct_window,
    correction_genbank,
    knockin_genbank,
    knockin_window,
)
from taleforge.genome.annotation import Transcript
from taleforge.model.interval import Interval
from taleforge.scoring.base import get_model

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "human-hbb"
FASTA = DATA / "HBB_locus_U01317.1_GRCh38_chr11_5224964-5227571_minus.fa"
GOLDEN = Path(__file__).parent / "golden"
C = "HBB_locus"
SICKLE = 569  # 0-based local position of c.20 (1-based 570)


def _check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("TALEFORGE_UPDATE_GOLDEN") == "1":
        path.write_text(text)
        return
    if not path.exists():
        pytest.fail(f"golden file {path} missing; run with TALEFORGE_UPDATE_GOLDEN=1")
    assert text == path.read_text(), f"{name} differs from the golden file"


@pytest.fixture(scope="module")
def hbb() -> tuple[str, Transcript]:
    if not FASTA.exists():
        pytest.skip(f"shared data not available: {FASTA} (needs ../shared/data beside the repo)")
    lines = FASTA.read_text().splitlines()
    seq = "".join(ln.strip() for ln in lines if not ln.startswith(">")).upper()
    # exons at local 501-642, 773-995, 1846-2108; CDS 551..1974 (1-based inclusive)
    tx = Transcript(
        "HBB-local", "HBB", "HBB", C, "+",
        (Interval(C, 500, 642), Interval(C, 772, 995), Interval(C, 1845, 2108)),
        (Interval(C, 550, 642), Interval(C, 772, 995), Interval(C, 1845, 1974)),
    )
    return seq, tx


def _protein(seq: str, tx: Transcript) -> str:
    return str(Seq(tx.cds_sequence(lambda c, s, e, st="+": seq[s:e])).translate())


def test_hbb_transcript_is_beta_globin(hbb: tuple[str, Transcript]) -> None:
    seq, tx = hbb
    p = _protein(seq, tx)
    assert p.startswith("MVHLTPEEKSAVTALWGKVNVDEVGGEALGRLLVVYPWTQRFF") and p.endswith("H*")
    assert len(p) == 148 and seq[SICKLE] == "A"


@pytest.mark.parametrize("model", ["tale-nt", "positional"])
def test_sickle_correction(hbb: tuple[str, Transcript], model: str) -> None:
    seq, tx = hbb
    sickle = seq[:SICKLE] + "T" + seq[SICKLE + 1 :]
    assert _protein(sickle, tx)[6] == "V"  # p.Glu7Val (HGVS numbering, Met = 1)
    res = correct_window(sickle, SICKLE, "A", contig=C, transcripts=[tx], model=model)
    m = get_model(model)
    wt_protein = _protein(seq, tx)
    for d in res.designs:
        assert d.distance_bp <= 10
        edit = [c for c in d.consequences if SICKLE in c.positions]
        assert edit[0].hgvs_p == "p.Val7Glu" and edit[0].c_notation.startswith("c.20T>A")
        blk = [mm.change for mm in d.blocking.mutations]
        assert len(blk) >= 2
        assert _protein(d.corrected_seq, tx) == wt_protein
        assert apply_changes(seq, 0, blk) == d.corrected_seq
        for ch in blk:
            assert d.pair.left.bound.contains(ch.pos) or d.pair.right.bound.contains(ch.pos)
        lb, rb = score_half_sites(sickle, 0, d.pair, m)
        la, ra = score_half_sites(d.corrected_seq, 0, d.pair, m)
        assert lb.passes and rb.passes and not (la.passes and ra.passes)
        assert d.primers and 100 <= d.primers[0].product_bp <= 290
    if model == "tale-nt":
        _check_golden("donor_hbb_sickle_correction.json",
                      json.dumps(res.as_dict(), indent=2) + "\n")
        _check_golden("donor_hbb_sickle_ssodn.gb", correction_genbank(res, res.designs[0]))


def test_hbb_exon1_p2a_egfp_knockin(hbb: tuple[str, Transcript]) -> None:
    from tests.test_knockin import EGFP, egfp_like

    seq, tx = hbb
    res = knockin_window(seq, tx, egfp_like(), exon=1, two_a="P2A", arm_nt=400,
                         model="tale-nt", n_designs=2)
    host = _protein(seq, tx)
    for d in res.designs:
        c = d.insertion
        assert 553 <= c <= 639  # inside exon-1 CDS, after the ATG
        assert d.donor_plus[:400] == seq[c - 400 : c] and d.donor_plus[-400:] == seq[c : c + 400]
        prot = d.protein_preview
        k = (c - 550) // 3
        assert prot.startswith(host[:k])
        assert prot.endswith("GSGATNFSLLKQAGDVEENPGP" + EGFP + "*")
        assert prot.count("*") == 1
        assert not d.cleavable_after
    _check_golden("donor_hbb_exon1_p2a_egfp.gb", knockin_genbank(res, res.designs[0]))
    _check_golden("donor_hbb_exon1_p2a_egfp.json", json.dumps(res.as_dict(), indent=2) + "\n")

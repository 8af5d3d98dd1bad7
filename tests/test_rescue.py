"""Corrective coding-sequence insertion (``knockin --rescue``, issue 16).

Donors are checked independently of the designer: Biopython translation of the edited
allele, k-mer comparison with the downstream locus, the binding model's own hit call
(:func:`taleforge.scoring.base.passes_many`) over every window of the insert, the arms
against the reference."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from Bio.Seq import Seq

from taleforge.cli import main
from taleforge.design.donor import LocusSequence, knockin_genbank
from taleforge.design.donor.knockin import KnockinDesign, KnockinResult
from taleforge.design.donor.rescue import (
    RESCUE_PARAMS,
    RescueParams,
    design_rescue,
    recode,
    synonymous_codons,
)
from taleforge.errors import InputError, RegionError
from taleforge.genome.annotation import Transcript
from taleforge.model.interval import Interval, reverse_complement
from taleforge.model.scaffold import get_scaffold
from taleforge.scoring.base import encode_bases, get_model, passes_many
from tests.conftest import shared
from tests.test_donor_synthetic import CONTIG, make_gene

OTHER = {"A": "C", "C": "G", "G": "T", "T": "A"}
KMAX = int(RESCUE_PARAMS["max_identical_stretch_bp"])


def _fetch(seq: str):  # type: ignore[no-untyped-def]
    def f(c: str, s: int, e: int, strand: str = "+") -> str:
        out = seq[s:e].upper()
        return reverse_complement(out) if strand == "-" else out
    return f


def _coding_part(d: KnockinDesign) -> str:
    """Insert bases before the polyA (transcript orientation)."""
    poly = next(f for f in d.features if f.kind == "polyA")
    return d.insert_seq[: len(d.insert_seq) - (poly.end - poly.start)]


def _check_donor(res: KnockinResult, d: KnockinDesign, seq: str, tx: Transcript) -> None:
    up = seq.upper()
    minus = tx.strand == "-"
    cut = d.insertion
    # arms equal the reference; the donor is arm + insert (+ strand) + arm
    la, ra = d.left_arm, d.right_arm
    ins_plus = reverse_complement(d.insert_seq) if minus else d.insert_seq
    assert d.donor_plus == up[la[0]:la[1]] + ins_plus + up[ra[0]:ra[1]]
    assert la[1] == cut == ra[0]
    # translation of the edited allele from the host ATG through the insertion to the stop
    cds = tx.cds_sequence(_fetch(seq))
    upstream = sum(1 for iv in tx.cds for g in range(iv.start, iv.end)
                   if (g < cut if not minus else g >= cut))
    wt = str(Seq(cds).translate(table=tx.transl_table, to_stop=True))
    edited = cds[:upstream] + d.insert_seq
    got = str(Seq(edited[: len(edited) // 3 * 3]).translate(table=tx.transl_table, to_stop=True))
    assert got == wt and len(wt) + 1 == d.intended_stop_aa
    coding = _coding_part(d)
    assert str(Seq(cds[:upstream] + coding).translate(table=tx.transl_table)) == wt + "*"
    # no identical stretch above the documented length with the downstream locus
    down = up[cut:] if not minus else up[:cut]
    k = KMAX + 1
    kmers = {down[i:i + k] for i in range(len(down) - k + 1)}
    rc = reverse_complement(down)
    kmers |= {rc[i:i + k] for i in range(len(rc) - k + 1)}
    shared_k = [coding[i:i + k] for i in range(len(coding) - k + 1) if coding[i:i + k] in kmers]
    assert not shared_k, shared_k[:3]
    # the unrecoded CDS would share long stretches: the check above is not vacuous
    assert cds[upstream + 3: upstream + 3 + k] in kmers or cds[upstream + 6: upstream + 6 + k] in kmers
    # no site of the TALENs used in the recoded insert (either strand, the model's hit call)
    md = get_model(res.model)
    sc = get_scaffold(res.scaffold)
    for rvds in (d.pair.left.rvds, d.pair.right.rvds):
        n = len(rvds)
        for text in (coding, reverse_complement(coding)):
            codes = encode_bases(text)
            win = np.lib.stride_tricks.sliding_window_view(codes[1:], n)
            hits = passes_many(md, rvds, np.ascontiguousarray(win), codes[: len(win)],
                               sc.pos0_bases)
            assert not hits.any()
    # no splice donor core or polyA signal created in the recoded CDS
    assert not re.search("GT[AG]AGT", coding) and "AATAAA" not in coding
    assert not d.cleavable_after
    rules = {r.rule for r in d.rules}
    assert {"wild_type_protein", "recoded_homology", "no_tale_site_in_insert",
            "aav_size"} <= rules


@pytest.mark.parametrize("strand", ["+", "-"])
def test_rescue_synthetic_gene(strand: str) -> None:
    seq, tx = make_gene(11, strand)
    v = tx.genomic_pos(80 * 3 - 2)  # the dominant mutation, in exon 2
    var = f"{CONTIG}:{v + 1}:{seq[v]}>{OTHER[seq[v]]}"
    res = design_rescue(LocusSequence(seq, tx, CONTIG),
                        RescueParams(exon=2, variant=var, arm_nt=400, n_designs=2,
                                     specificity=False))
    assert res.mode == "rescue" and res.designs
    cv = tx.cds_offset(v)
    for d in res.designs:
        _check_donor(res, d, seq, tx)
        # the cut is 5' of the mutation: the insert covers it
        k = next(r for r in d.rules if r.rule == "cut_in_cds").value
        assert isinstance(k, int) and cv is not None and k <= cv
        assert len(d.junction_primers) == 2
        assert any(f.kind == "cargo" and "recoded wild-type CDS" in f.label for f in d.features)
        gb = knockin_genbank(res, d)
        assert "recoded wild-type CDS" in gb and "LOCUS" in gb
    msgs = [w.message for w in res.typed_warnings()]
    assert any("which allele: the mutant allele" in m for m in msgs)


def test_rescue_allele_specific_cut() -> None:
    seq, tx = make_gene(11, "+")
    v = tx.genomic_pos(80 * 3 - 2)
    var = f"{CONTIG}:{v + 1}:{seq[v]}>{OTHER[seq[v]]}"
    res = design_rescue(LocusSequence(seq, tx, CONTIG),
                        RescueParams(variant=var, allele_specific=True, arm_nt=400, n_designs=1,
                                     specificity=False))
    d = res.designs[0]
    _check_donor(res, d, seq, tx)
    right = d.pair.right  # + strand gene: the half-site 3' of the cut
    assert right.bound.start <= v <= right.pos0
    rules = {r.rule: r for r in d.rules}
    margin = rules["allele_margin"].value
    assert isinstance(margin, float) and margin > 0 and "wild_type_fails" in rules


def test_recode_keeps_protein_and_breaks_homology() -> None:
    seq, tx = make_gene(4, "+")
    cds = tx.cds_sequence(_fetch(seq))
    body = cds[150:]
    from taleforge.design.pairs import enumerate_pairs

    sc = get_scaffold("tale-nt")
    pair = enumerate_pairs(seq, sc, contig=CONTIG).materialize(0)
    out, check = recode(body, table_id=1, locus=seq, context=("", ""), pair=pair,
                        model=get_model("positional"), scaffold=sc)
    assert str(Seq(out).translate()) == str(Seq(body).translate())
    assert check.ok and check.longest_identical_bp <= KMAX
    assert check.codons_changed >= 0.9 * check.codons_total
    syn = synonymous_codons(2)  # vertebrate mitochondrial code: AGA/AGG are stops
    assert "AGA" in syn["*"] and "TGA" in syn["W"]


def test_rescue_needs_a_cut_place() -> None:
    seq, tx = make_gene(11, "+")
    from taleforge.errors import ParameterError

    with pytest.raises(ParameterError, match="--exon, --rescue-from or --variant"):
        design_rescue(LocusSequence(seq, tx, CONTIG), RescueParams(specificity=False))
    with pytest.raises(RegionError, match="outside the CDS"):
        design_rescue(LocusSequence(seq, tx, CONTIG),
                      RescueParams(rescue_from=10_000, specificity=False))


@pytest.fixture(scope="module")
def hbb() -> tuple[str, Transcript]:
    fa = shared("human-hbb", "HBB_locus_U01317.1_GRCh38_chr11_5224964-5227571_minus.fa")
    seq = "".join(ln.strip() for ln in fa.read_text().splitlines() if not ln.startswith(">"))
    c = "HBB_locus"
    tx = Transcript(
        "HBB-local", "HBB", "HBB", c, "+",
        (Interval(c, 500, 642), Interval(c, 772, 995), Interval(c, 1845, 2108)),
        (Interval(c, 550, 642), Interval(c, 772, 995), Interval(c, 1845, 1974)),
    )
    return seq.upper(), tx


def test_rescue_hbb_exon1(hbb: tuple[str, Transcript]) -> None:
    seq, tx = hbb
    # the sickle mutation c.20A>T lies in exon 1; cut 5' of it and insert the wild-type CDS
    res = design_rescue(LocusSequence(seq, tx, "HBB_locus"),
                        RescueParams(exon=1, rescue_from=20, arm_nt=400, n_designs=1,
                                     specificity=False, model="tale-nt"))
    d = res.designs[0]
    _check_donor(res, d, seq, tx)
    assert d.protein_preview.startswith("MVHLTPEEKS") and d.intended_stop_aa == 148
    assert len(d.donor_plus) < 4400


def test_rescue_cli_sequence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seq, tx = make_gene(11, "+")
    fa = tmp_path / "locus.fa"
    fa.write_text(f">{CONTIG}\n{seq}\n")
    exons = ",".join(f"{e.start + 1}-{e.end}" for e in tx.exons)
    cds = f"{tx.cds_start + 1}..{tx.cds_end}"  # type: ignore[operator]
    out = tmp_path / "rescue"
    try:
        main(["knockin", "--sequence", str(fa), "--exons", exons, "--cds", cds,
              "--rescue-from", "239", "--arm", "400", "--designs", "1", "--no-specificity",
              "-o", str(out)])
    except SystemExit as exc:
        assert int(exc.code or 0) == 0, capsys.readouterr().err
    data = json.loads((out / "knockin.json").read_text())
    assert data["mode"] == "rescue" and data["designs"][0]["protein_preview"].endswith("*")
    assert (out / "knockin.gb").exists() and (out / "knockin.fa").exists()
    assert "which allele" in capsys.readouterr().err


def test_rescue_refuses_mtdna(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "mt"
    rc = 0
    try:
        main(["knockin", "--rescue", "--gene", "MT-ND4", "--exon", "1", "--genome",
              "builtin:hg38-chrM", "--no-specificity", "-o", str(out)])
    except SystemExit as exc:
        rc = int(exc.code or 0)
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "mitochondria" in err and "base-edit" in err
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert not out.exists()
    with pytest.raises(InputError, match="mitochondria"):
        design_rescue("MT-ND4", RescueParams(exon=1, specificity=False),
                      genome="builtin:hg38-chrM")


def test_rescue_cli_gene_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.test_donor_cli import _gff3

    seq, tx = make_gene(11, "-")
    fa = tmp_path / "g.fa"
    fa.write_text(f">{CONTIG}\n{seq}\n")
    gff = tmp_path / "g.gff3"
    gff.write_text(_gff3(tx))
    out = tmp_path / "r"
    html = tmp_path / "r.html"
    rc = 0
    try:
        main(["knockin", "--genome", str(fa), "--annotation", str(gff), "--gene", "SYN1",
              "--rescue", "--exon", "2", "--arm", "400", "--designs", "1", "--no-specificity",
              "-o", str(out), "--html", str(html)])
    except SystemExit as exc:
        rc = int(exc.code or 0)
    assert rc == 0, capsys.readouterr().err
    data = json.loads((out / "knockin.json").read_text())
    assert data["mode"] == "rescue" and data["strand"] == "-"
    assert html.read_text().lstrip().lower().startswith("<!doctype html")
    # a cargo with --rescue is refused on one line, nothing written
    cg = tmp_path / "c.fa"
    cg.write_text(">c\nATGAAATAA\n")
    try:
        main(["knockin", "--genome", str(fa), "--annotation", str(gff), "--gene", "SYN1",
              "--rescue", "--exon", "2", "--cargo", str(cg), "-o", str(tmp_path / "x")])
    except SystemExit as exc:
        rc = int(exc.code or 0)
    err = capsys.readouterr().err
    assert rc == 2 and "not a --cargo" in err and not (tmp_path / "x").exists()


def test_rescue_is_deterministic() -> None:
    from taleforge.io.registry import render

    seq, tx = make_gene(11, "+")
    p = RescueParams(exon=2, arm_nt=400, n_designs=1, specificity=False)
    a = render("knockin", "json", design_rescue(LocusSequence(seq, tx, CONTIG), p), command="x")
    b = render("knockin", "json", design_rescue(LocusSequence(seq, tx, CONTIG), p), command="x")
    assert a == b
    assert "rescue" in {t["name"] for t in json.loads(a)["provenance"]["parameter_tables"]}


def test_campaign_rescue_rows_are_refused_on_one_line(tmp_path: Path) -> None:
    """--cargo became optional on `knockin` (for --rescue): a campaign knockin row without it,
    or with --rescue, is a one-line row error rather than a crash."""
    from taleforge.campaign import read_targets
    from taleforge.errors import ParameterError
    from tests.test_campaign import write_targets

    for opts in ("--exon 2 --in-frame", "--rescue --exon 2"):
        t = write_targets(tmp_path / "t.tsv", f"r\tknockin\tSYN1\t{opts}\n")
        with pytest.raises(ParameterError, match="needs --cargo"):
            read_targets(t)


def test_rescue_offtarget_evidence_as_every_donor(tmp_path: Path) -> None:
    from tests.test_donor_cli import _gff3

    seq, tx = make_gene(11, "+")
    fa = tmp_path / "g.fa"
    fa.write_text(f">{CONTIG}\n{seq}\n")
    gff = tmp_path / "g.gff3"
    gff.write_text(_gff3(tx))
    res = design_rescue("SYN1", RescueParams(exon=2, arm_nt=400, n_designs=1), genome=fa,
                        annotation=gff)
    d = res.designs[0]
    assert d.offtarget.checked and d.offtarget.clean is not None
    data = json.loads(json.dumps(res.as_dict()))
    assert data["designs"][0]["checked"] is True and data["offtarget_genome"]["sha256"]
    assert any(r.rule == "specificity" and r.kind == "rank" for r in d.rules)
    unscanned = design_rescue("SYN1", RescueParams(exon=2, arm_nt=400, n_designs=1,
                                                   specificity=False), genome=fa, annotation=gff)
    assert "no-genome-scanned" in {w.code for w in unscanned.typed_warnings()}
    assert not unscanned.designs[0].offtarget.checked


def test_rescue_sequence_scanned_against_a_genome(tmp_path: Path) -> None:
    import random

    seq, tx = make_gene(11, "+")
    rng = random.Random(2)
    pad = "".join(rng.choice("ACGT") for _ in range(300))
    fa = tmp_path / "g.fa"  # the locus inside another contig, 300 bp in
    fa.write_text(f">chrZ\n{pad}{seq}{pad}\n")
    res = design_rescue(LocusSequence(seq, tx, CONTIG),
                        RescueParams(exon=2, arm_nt=400, n_designs=1), offtarget_genome=fa)
    d = res.designs[0]
    call = d.offtarget
    assert call.checked and call.ontarget_in_genome is not None  # its own site located
    assert call.ontarget_in_genome["cut"] == d.pair.cut + 300 and call.clean

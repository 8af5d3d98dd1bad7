"""Honest repair templates (issue 10, part C): mtDNA refused, --sequence jobs scan a genome,
second cuts flagged and ranked last, placeholder parts warned about and replaceable with
--parts, no transcript model warned about, bad --exons/--cds refused.

Synthetic genes from :mod:`tests.test_donor_synthetic` with planted duplicates of the target
region (same contig, another contig); the real case is HBB, whose sickle-correction TALENs also
cut HBD 7.4 kb upstream in the beta-globin cluster (U01317.1, skipped without ../shared)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from Bio.Seq import Seq

from taleforge.cli import main
from taleforge.design.cargo import DONOR_ELEMENTS, read_parts
from taleforge.design.donor import (
    DONOR_PARAMS,
    CorrectionParams,
    SequenceEdit,
    correct_window,
    correction_genbank,
    design_correction,
    knockin_genbank,
    knockin_window,
)
from taleforge.errors import InputError, UnknownNameError
from taleforge.genome.annotation import Transcript
from taleforge.genome.index import open_genome
from taleforge.model.interval import Interval, reverse_complement
from tests.test_donor_cli import _gff3
from tests.test_donor_synthetic import CONTIG, make_gene
from tests.test_knockin import egfp_like

COMP = {"A": "T", "C": "G", "G": "C", "T": "A"}
FLIP = {"A": "C", "C": "A", "G": "T", "T": "G"}
HBB = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "human-hbb"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = 0
    try:
        main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def _rnd(seed: int, n: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice("ACGT") for _ in range(n))


@pytest.fixture(scope="module")
def edit() -> tuple[str, Transcript, int, str, str]:
    """(reference gene window, transcript, edited position, the cells' allele, REF base)."""
    seq, tx = make_gene(11, "+")
    pos = tx.genomic_pos(80 * 3 - 2)
    ref = seq[pos]
    return seq, tx, pos, seq[:pos] + FLIP[ref] + seq[pos + 1:], ref


def _dup(seq: str, pos: int) -> str:
    """A copy of the target region that holds the edit-proximal TALEN sites whose right
    half-site ends by pos+26, followed by 20 complemented bases (so longer sites do not copy)."""
    return seq[pos - 120 : pos + 27] + "".join(COMP[b] for b in seq[pos + 27 : pos + 47])


# ------------------------------------------------------------------------------------ mtDNA


def test_hdr_in_mtdna_is_refused(edit: tuple[str, Transcript, int, str, str]) -> None:
    _seq, tx, pos, cur, ref = edit
    with pytest.raises(InputError) as ei:
        correct_window(cur, pos, ref, contig="chrM", model="tale-nt")
    assert "mitochondria lack" in ei.value.message and "base-edit" in (ei.value.hint or "")
    mito_tx = Transcript("T", "G", "ND", "seq", "+", tx.exons, tx.cds, transl_table=2)
    with pytest.raises(InputError) as ei:
        knockin_window(_seq, mito_tx, egfp_like(), exon=2, model="tale-nt")
    assert "genetic code 2" in ei.value.message


def test_builtin_mito_correct_and_knockin_refused(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["correct", "--genome", "builtin:hg38-chrM", "--variant",
                        "chrM:10950:C>T", "--no-specificity", "-o", str(tmp_path / "c")], capsys)
    assert code == 2 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and "taleforge base-edit" in err
    cargo = tmp_path / "c.fa"
    cargo.write_text(">c\n" + egfp_like().seq + "\n")
    code, _, err = run(["knockin", "--genome", "builtin:hg38-chrM", "--gene", "MT-ND4", "--exon",
                        "1", "--in-frame", "--cargo", str(cargo), "--no-specificity",
                        "-o", str(tmp_path / "k")], capsys)
    assert code == 2 and "homology-directed repair" in err and "base-edit" in err
    assert not (tmp_path / "c").exists() and not (tmp_path / "k").exists()


# ---------------------------------------------------------- --sequence scans, on-target found


def test_sequence_job_scans_the_genome_and_finds_its_own_site(
        edit: tuple[str, Transcript, int, str, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    seq, _tx, pos, cur, ref = edit
    fa = tmp_path / "cells.fa"
    fa.write_text(f">cells\n{cur}\n")
    # the genome holds the locus on its minus strand (as HBB on chr11), plus random sequence
    genome = tmp_path / "g.fa"
    genome.write_text(f">chrA\n{_rnd(1, 3000)}{reverse_complement(seq)}{_rnd(2, 3000)}\n")
    out = tmp_path / "o"
    code, stdout, err = run(["correct", "--sequence", str(fa), "--position", str(pos + 1),
                             "--to", ref, "--genome", str(genome), "--model", "tale-nt",
                             "-o", str(out)], capsys)
    assert code == 0, err
    doc = json.loads((out / "correction.json").read_text())
    assert doc["offtarget_genome"]["name"] == "g.fa"
    assert doc["provenance"]["genome"]["name"] == "cells"  # the design came from the sequence
    n = len(seq)
    for d in doc["designs"]:
        assert d["checked"] is True and d["clean"] is True and d["specificity"] is not None
        c, se = d["ontarget_in_scanned_genome"].split(":")
        a, b = se.split("(")[0].split("-")
        assert c == "chrA" and se.endswith("(-)")
        # the located site is the design's footprint mirrored onto the minus strand
        left = int(d["left_site"].split(":")[1].split("-")[0]) - 1  # bound start, 0-based
        assert 3000 + n - int(b) == left - 1
        assert int(b) - int(a) + 1 > 40
    assert "off-target: clean" in stdout
    assert not [w for w in doc["warnings"] if w["code"] in ("second-cut", "no-genome-scanned")]
    # the same job without a genome says so, and the designs are marked unchecked
    code, stdout, err = run(["correct", "--sequence", str(fa), "--position", str(pos + 1),
                             "--to", ref, "--model", "tale-nt", "-o", str(out), "--force"], capsys)
    assert code == 0 and "WARNING (no-genome-scanned)" in err
    doc = json.loads((out / "correction.json").read_text())
    assert [w["code"] for w in doc["warnings"]][:1] == ["no-genome-scanned"]
    assert all(d["checked"] is False and d["clean"] is None for d in doc["designs"])
    assert "NOT CHECKED" in stdout
    assert "WARNING (no-genome-scanned)" in (out / "correction.gb").read_text().replace(
        "\n            ", " ")


def test_knockin_sequence_job_scans_the_genome(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    seq, tx = make_gene(31, "+")
    fa, genome, cargo = tmp_path / "locus.fa", tmp_path / "g.fa", tmp_path / "egfp.fa"
    fa.write_text(f">locus\n{seq}\n")
    genome.write_text(f">chrB\n{_rnd(3, 2000)}{seq}{_rnd(4, 2000)}\n")
    cargo.write_text(">egfp\n" + egfp_like().seq + "\n")
    exons = ",".join(f"{e.start + 1}-{e.end}" for e in tx.exons)
    cds = f"{tx.cds_start + 1}..{tx.cds_end}"  # type: ignore[operator]
    out = tmp_path / "ki"
    code, _, err = run(["knockin", "--sequence", str(fa), "--exons", exons, "--cds", cds,
                        "--exon", "2", "--in-frame", "--cargo", str(cargo), "--arm", "300",
                        "--offtarget-genome", str(genome), "--model", "tale-nt", "--designs", "2",
                        "-o", str(out)], capsys)
    assert code == 0, err
    doc = json.loads((out / "knockin.json").read_text())
    assert doc["offtarget_genome"]["name"] == "g.fa"
    for d in doc["designs"]:
        assert d["checked"] and d["clean"]
        assert d["ontarget_in_scanned_genome"].startswith("chrB:")
        assert d["ontarget_in_scanned_genome"].endswith("(+)")


# ------------------------------------------------------------------------------ second cuts


def test_planted_duplicate_on_another_contig_ranks_clean_designs_first(
        edit: tuple[str, Transcript, int, str, str], tmp_path: Path) -> None:
    seq, tx, pos, cur, ref = edit
    fa = tmp_path / "g.fa"
    fa.write_text(f">{CONTIG}\n{seq}\n>other\n{_rnd(5, 2000)}{_dup(seq, pos)}{_rnd(6, 2000)}\n")
    g = open_genome(str(fa))
    one_round = DONOR_PARAMS.override({"specificity_rounds": 1})
    res = correct_window(cur, pos, ref, contig=CONTIG, transcripts=[tx], model="tale-nt",
                         genome=g, n_designs=3, params=one_round)
    plain = correct_window(cur, pos, ref, contig=CONTIG, transcripts=[tx], model="tale-nt",
                           n_designs=3)
    tiers = [d.offtarget.tier for d in res.designs]
    assert tiers == sorted(tiers) and tiers[0] == 0 and 2 in tiers
    # the on-target order alone would have put a design with a second cut first
    top = plain.designs[0].pair.pair_id()
    assert res.designs[0].pair.pair_id() != top
    assert top not in {d.pair.pair_id() for d in res.designs if d.offtarget.tier == 0}
    # more rounds (the default) scan further down the list until three designs are clean
    more = correct_window(cur, pos, ref, contig=CONTIG, transcripts=[tx], model="tale-nt",
                          genome=g, n_designs=3)
    assert [d.offtarget.tier for d in more.designs] == [0, 0, 0]
    assert more.designs[0].pair.pair_id() == res.designs[0].pair.pair_id()
    dirty = [d for d in res.designs if d.offtarget.clean is False]
    warns = [w for w in res.typed_warnings() if w.code == "second-cut"]
    assert {w.design for w in warns} == {d.pair.pair_id() for d in dirty}
    det = warns[0].details or {}
    assert det["contig"] == "other" and det["consequence"] == "translocation"
    assert det["distance_bp"] is None and det["mismatches"]["up"] + det["mismatches"]["down"] == 0
    assert not any(w.code == "no-clean-design" for w in res.typed_warnings())
    d = res.as_dict()
    dd = next(x for x in d["designs"] if x["clean"] is False)  # type: ignore[union-attr]
    assert dd["offtarget"]["n_pairs"] >= 1 and dd["offtarget"]["closest_pair"]["contig"] == "other"
    assert "rank key 0: a passing off-target pair" in dirty[0].explain()
    gb = correction_genbank(res, dirty[0]).replace("\n            ", " ")
    assert "WARNING (second-cut)" in gb and "translocation" in gb
    assert "second-cut" not in correction_genbank(res, res.designs[0])


def test_planted_duplicate_on_the_same_contig_cli(
        edit: tuple[str, Transcript, int, str, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    seq, tx, pos, _cur, ref = edit
    fa, gff = tmp_path / "g.fa", tmp_path / "g.gff3"
    fa.write_text(f">{CONTIG}\n{seq}{_rnd(7, 5000)}{seq[pos - 120 : pos + 200]}{_rnd(8, 1000)}\n")
    gff.write_text(_gff3(tx))
    out = tmp_path / "o"
    code, stdout, err = run(["correct", "--genome", str(fa), "--annotation", str(gff),
                             "--variant", f"{CONTIG}:{pos + 1}:{ref}>{FLIP[ref]}", "--model",
                             "tale-nt", "--designs", "4", "-o", str(out)], capsys)
    assert code == 0, err
    assert "WARNING (second-cut)" in err and "deletion or inversion between the two cuts" in err
    assert "SECOND CUT" in stdout
    doc = json.loads((out / "correction.json").read_text())
    sc = [w for w in doc["warnings"] if w["code"] == "second-cut"]
    assert sc and all(w["details"]["contig"] == CONTIG for w in sc)
    dup_at = len(seq) + 5000 + 120  # where the copy of the edited base lies
    for w in sc:
        assert abs(w["details"]["distance_bp"] - (dup_at - pos)) <= 40
    # the whole neighbourhood is duplicated: no clean design, said once, best shown
    assert [w["code"] for w in doc["warnings"]].count("no-clean-design") == 1
    assert len(sc) == len(doc["designs"]) == 4


def test_no_clean_design_is_said_once(edit: tuple[str, Transcript, int, str, str],
                                      tmp_path: Path) -> None:
    seq, tx, pos, cur, ref = edit
    fa = tmp_path / "g.fa"  # the whole neighbourhood duplicated: every design cuts twice
    fa.write_text(f">{CONTIG}\n{seq}\n>copy\n{seq[pos - 200 : pos + 200]}\n")
    res = correct_window(cur, pos, ref, contig=CONTIG, transcripts=[tx], model="tale-nt",
                         genome=open_genome(str(fa)), n_designs=2)
    codes = [w.code for w in res.typed_warnings()]
    assert codes.count("no-clean-design") == 1 and codes.count("second-cut") == 2
    assert all(d.offtarget.clean is False for d in res.designs)


# ------------------------------------------------------------------- parts and placeholders


def test_placeholder_parts_are_warned_and_replaceable(tmp_path: Path) -> None:
    seq, tx = make_gene(41, "+")
    res = knockin_window(seq, tx, egfp_like(), intron=2, arm_nt=300, model="tale-nt",
                         n_designs=1)
    ph = [w for w in res.typed_warnings() if w.code == "placeholder-part"]
    assert sorted((w.details or {})["part"] for w in ph) == ["bGH_polyA", "splice_acceptor"]
    d = res.designs[0]
    assert any("placeholder [U]" in f.note for f in d.features if f.kind == "polyA")
    gb = knockin_genbank(res, d).replace("\n                     ", " ")
    assert "placeholder [U] sequence" in gb and "WARNING (placeholder-part)" in gb.replace(
        "\n            ", " ")
    # own parts: FASTA records named polyA and splice_acceptor replace the built-in ones
    pa = "TTGTTTATTGCAGCTTATAATGGTTACAAATAAAGCAATAGCATCACAAATTTCACAAATAAAGCA"
    sa = "GATAGGCACCTATTGGTCTTACTGACATCCACTTTGCCTTTCTCTCCACAG"
    parts = tmp_path / "parts.fa"
    parts.write_text(f">polyA\n{pa}\n>splice_acceptor\n{sa}\n")
    table = read_parts(parts)
    assert table.get("bGH_polyA").evidence == "V" and table["bGH_polyA"] == pa
    assert table["P2A"] == DONOR_ELEMENTS["P2A"]
    own = knockin_window(seq, tx, egfp_like(), intron=2, arm_nt=300, model="tale-nt",
                         n_designs=1, elements=table)
    assert not [w for w in own.typed_warnings() if w.code == "placeholder-part"]
    od = own.designs[0]
    assert pa in od.insert_seq and sa in od.insert_seq
    assert str(DONOR_ELEMENTS["bGH_polyA"]) not in od.insert_seq
    assert {f.label for f in od.features} >= {"polyA (user: polyA)",
                                              "splice acceptor (user: splice_acceptor)"}
    rec = next(r for r in own.provenance_record.parameter_tables if r["name"] == "donor_elements")
    assert rec["version"].endswith("+parts") and rec["values"]["bGH_polyA"] == pa


def test_parts_genbank_features_and_errors(tmp_path: Path) -> None:
    from Bio import SeqIO
    from Bio.SeqFeature import FeatureLocation, SeqFeature
    from Bio.SeqRecord import SeqRecord

    t2a = "GAAGGCCGCGGCAGCCTGCTGACCTGCGGCGATGTGGAAGAAAACCCGGGCCCG"  # EGRGSLLTCGDVEENPGP
    body = "CCCC" + reverse_complement(t2a) + "GGGGAATAAAGG"
    rec = SeqRecord(Seq(body), id="pX", name="pX")
    rec.annotations["molecule_type"] = "DNA"
    rec.features = [
        SeqFeature(FeatureLocation(4, 4 + len(t2a), strand=-1), type="CDS",
                   qualifiers={"label": ["T2A"]}),
        SeqFeature(FeatureLocation(4 + len(t2a), len(body), strand=1), type="polyA_signal"),
        SeqFeature(FeatureLocation(0, 4), type="misc_feature", qualifiers={"label": ["ori"]}),
    ]
    gb = tmp_path / "parts.gb"
    SeqIO.write(rec, gb, "genbank")
    table = read_parts(gb)
    assert table["T2A"] == t2a and table.get("T2A").description == "EGRGSLLTCGDVEENPGP"
    assert table["bGH_polyA"] == "GGGGAATAAAGG"

    def bad(text: str, err: type[Exception], words: str) -> None:
        p = tmp_path / "bad.fa"
        p.write_text(text)
        with pytest.raises(err) as ei:
            read_parts(p)
        assert words in str(getattr(ei.value, "message", ei.value))

    bad(">polyA\nACGTACGTACGT\n", InputError, "no AATAAA/ATTAAA")
    bad(">splice_acceptor\nTTTTCCCTTTTCAC\n", InputError, "does not end in AG")
    bad(">P2A\nGCTACTAACTTC\n>p2a\nGCTACTAACTTC\n", InputError, "two parts for P2A")
    bad(">P2A\nGCTACTAACTTCA\n", InputError, "not a whole number of codons")
    bad(">T2A\nGAGTAAGGC\n", InputError, "stop codon at codon 2")
    bad(">promoter\nACGT\n", UnknownNameError, "unknown part name 'promoter'")
    bad(">polyA\nAATAAAXX\n", InputError, "not DNA")
    bad("hello\n", InputError, "neither GenBank nor FASTA")


def test_parts_option_on_the_command_line(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    seq, tx = make_gene(41, "+")
    fa, gff, cargo = tmp_path / "g.fa", tmp_path / "g.gff3", tmp_path / "egfp.fa"
    fa.write_text(f">{CONTIG}\n{seq}\n")
    gff.write_text(_gff3(tx))
    cargo.write_text(">egfp\n" + egfp_like().seq + "\n")
    base = ["knockin", "--genome", str(fa), "--annotation", str(gff), "--gene", "SYN1",
            "--intron", "2", "--cargo", str(cargo), "--arm", "300", "--model", "tale-nt",
            "--no-specificity", "--designs", "1"]
    code, _, err = run([*base, "-o", str(tmp_path / "a")], capsys)
    assert code == 0 and "WARNING (placeholder-part)" in err
    assert "WARNING (no-genome-scanned)" in err and "or --no-specificity" in err
    parts = tmp_path / "p.fa"
    parts.write_text(">polyA\nCAGACATGATAAGATACATTGATGAGTTTGGAATAAAGCTTTT\n")
    code, _, err = run([*base, "--parts", str(parts), "-o", str(tmp_path / "b")], capsys)
    assert code == 0, err
    warn = [w["details"]["part"] for w in json.loads((tmp_path / "b" / "knockin.json").read_text())[
        "warnings"] if w["code"] == "placeholder-part"]
    assert warn == ["splice_acceptor"]  # the polyA is the user's now, the acceptor is not
    parts.write_text(">polyA\nACGTACGT\n")
    code, _, err = run([*base, "--parts", str(parts), "-o", str(tmp_path / "c")], capsys)
    assert code == 2 and "no AATAAA/ATTAAA" in err and len(err.strip().splitlines()) == 1


# --------------------------------------------------------------------- transcript model


def test_transcript_model_warning_and_errors(edit: tuple[str, Transcript, int, str, str],
                                             tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    _seq, tx, pos, cur, ref = edit
    res = design_correction(SequenceEdit(cur, pos, ref, contig=CONTIG))
    w = [x for x in res.typed_warnings() if x.code == "no-transcript-model"]
    assert len(w) == 1 and w[0].severity == "warning" and "Kozak" in w[0].message
    with_tx = design_correction(SequenceEdit(cur, pos, ref, contig=CONTIG, transcripts=(tx,)))
    assert not [x for x in with_tx.typed_warnings() if x.code == "no-transcript-model"]
    fa = tmp_path / "cells.fa"
    fa.write_text(f">cells\n{cur}\n")
    exons = ",".join(f"{e.start + 1}-{e.end}" for e in tx.exons)
    cds_s, cds_e = tx.cds_start + 1, tx.cds_end  # type: ignore[operator]
    base = ["correct", "--sequence", str(fa), "--position", str(pos + 1), "--to", ref,
            "--model", "tale-nt", "-o", str(tmp_path / "o")]
    code, _, err = run([*base, "--exons", exons, "--cds", f"{cds_s}..{cds_e - 1}"], capsys)
    assert code == 2 and "--cds covers" in err and "not a multiple of 3" in err
    code, _, err = run([*base, "--exons", exons + f",{len(cur) - 5}-{len(cur) + 20}", "--cds",
                        f"{cds_s}..{cds_e}"], capsys)
    assert code == 2 and "--exons range" in err and "beyond the sequence" in err
    assert not (tmp_path / "o").exists()


@pytest.fixture(scope="module")
def hbb_cluster() -> tuple[str, Path]:
    locus = HBB / "HBB_locus_U01317.1_GRCh38_chr11_5224964-5227571_minus.fa"
    cluster = HBB / "HUMHBB_U01317.1.fa"
    if not locus.exists() or not cluster.exists():
        pytest.skip(f"shared data not available: {HBB} (needs ../shared/data beside the repo)")
    lines = locus.read_text().splitlines()
    return "".join(ln.strip() for ln in lines if not ln.startswith(">")).upper(), cluster


def test_hbb_sickle_correction_cuts_hbd_too(hbb_cluster: tuple[str, Path]) -> None:
    """Real data: scanning the beta-globin cluster (U01317.1, 73 kb) with the sickle
    correction designs finds the design's own site at HBB and a second passing pair in
    HBD, 7.4 kb upstream (the paralogue encodes MVHLTPEEKTAV..., HBB MVHLTPEEKSAV...)."""
    seq, cluster = hbb_cluster
    sickle = seq[:569] + "T" + seq[570:]
    g = open_genome(str(cluster))
    tx = Transcript("HBB-local", "HBB", "HBB", "HBB_locus", "+",
                    (Interval("HBB_locus", 500, 642), Interval("HBB_locus", 772, 995),
                     Interval("HBB_locus", 1845, 2108)),
                    (Interval("HBB_locus", 550, 642), Interval("HBB_locus", 772, 995),
                     Interval("HBB_locus", 1845, 1974)))
    res = design_correction(SequenceEdit(sickle, 569, "A", contig="HBB_locus", transcripts=(tx,)),
                            CorrectionParams(model="tale-nt"), genome=g)
    d = res.designs[0]
    on = d.offtarget.ontarget_in_genome
    assert on is not None and on["contig"] == "U01317.1" and 62000 < on["start"] < 62300
    warns = [w for w in res.typed_warnings() if w.code == "second-cut" and
             w.design == d.pair.pair_id()]
    assert len(warns) == 1
    det = warns[0].details or {}
    assert -8000 < det["distance_bp"] < -7000
    assert det["consequence"] == "deletion or inversion between the two cuts"
    region = g.fetch("U01317.1", det["cut"] - 150, det["cut"] + 150)
    frames = [str(Seq(region[f : f + 297]).translate()) for f in range(3)]
    assert any("MVHLTPEEKTAV" in p for p in frames)  # delta-globin, not beta


def test_hbb_knockin_ranks_a_clean_design_before_the_hbd_cutter(
        hbb_cluster: tuple[str, Path]) -> None:
    """Real data: the best exon-1 knock-in pair on the target alone forms passing off-target
    pairs elsewhere in the beta-globin cluster (L/L pairs with 11 mismatches under tale-nt);
    scanned against the cluster, a clean pair ranks first."""
    from taleforge.design.donor.common import locate_ontarget
    from taleforge.design.specificity import specificity_for_pairs

    seq, cluster = hbb_cluster
    c = "HBB_locus"
    tx = Transcript("HBB-local", "HBB", "HBB", c, "+",
                    (Interval(c, 500, 642), Interval(c, 772, 995), Interval(c, 1845, 2108)),
                    (Interval(c, 550, 642), Interval(c, 772, 995), Interval(c, 1845, 1974)))
    g = open_genome(str(cluster))
    kw = {"exon": 1, "arm_nt": 400, "model": "tale-nt", "n_designs": 1}
    plain = knockin_window(seq, tx, egfp_like(), **kw)  # type: ignore[arg-type]
    res = knockin_window(seq, tx, egfp_like(), genome=g, local_coordinates=True,
                         params=DONOR_PARAMS.override({"specificity_rounds": 1}),
                         **kw)  # type: ignore[arg-type]
    top = res.designs[0]
    assert top.offtarget.clean is True and top.offtarget.ontarget_in_genome is not None
    assert top.offtarget.ontarget_in_genome["contig"] == "U01317.1"
    first = plain.designs[0].pair
    assert first.pair_id() != top.pair.pair_id()
    (summ,) = specificity_for_pairs(g, [first], scaffold="tale-nt", model="tale-nt")
    summ, on = locate_ontarget(summ, first, seq, 0, g)
    assert on is not None and summ.n_offtarget_pairs >= 1
    assert summ.top_pairs[0].contig == "U01317.1"

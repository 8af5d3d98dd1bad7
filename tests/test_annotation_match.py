"""Annotations matched to the genome: contig aliases (one table with the VCF reader), genes
that do not fit counted, one clear error naming both files when nothing fits."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from taleforge.errors import InputError, UnknownNameError
from taleforge.genome.aliases import ContigMatcher, placeholder_ns
from taleforge.genome.annotation import load_annotation, match_annotation
from taleforge.genome.index import genome_from_sequence, open_genome
from taleforge.model.interval import Interval
from tests.conftest import shared


def _row(*cols: object) -> str:
    return "\t".join(str(c) for c in cols) + "\n"


GFF = (
    "##gff-version 3\n"
    + _row("1", "t", "gene", 11, 60, ".", "+", ".", "ID=g1;Name=ONE")
    + _row("1", "t", "mRNA", 11, 60, ".", "+", ".", "ID=t1;Parent=g1")
    + _row("1", "t", "exon", 11, 60, ".", "+", ".", "ID=e1;Parent=t1")
    + _row("1", "t", "CDS", 11, 40, ".", "+", "0", "ID=c1;Parent=t1")
    + _row("MT", "t", "gene", 5, 25, ".", "+", ".", "ID=g2;Name=MTG")
    + _row("MT", "t", "mRNA", 5, 25, ".", "+", ".", "ID=t2;Parent=g2")
    + _row("MT", "t", "CDS", 5, 25, ".", "+", "0",
           "ID=c2;Parent=t2;transl_except=(pos:25%2Caa:TERM)")
    + _row("1", "t", "gene", 280, 400, ".", "+", ".", "ID=g3;Name=PAST")  # chr1 is 300 bp
    + _row("chrUn_x", "t", "gene", 1, 10, ".", "+", ".", "ID=g4;Name=ELSEWHERE")
)


def _genome(tmp_path: Path):  # type: ignore[no-untyped-def]
    rng = random.Random(5)
    fa = tmp_path / "g.fa"
    fa.write_text(">chr1\n" + "".join(rng.choice("ACGT") for _ in range(300))
                  + "\n>chrM\n" + "".join(rng.choice("ACGT") for _ in range(100)) + "\n")
    return genome_from_sequence(fa)


def test_aliases_rename_and_misfits_are_counted(tmp_path: Path) -> None:
    g = _genome(tmp_path)
    (tmp_path / "a.gff3").write_text(GFF)
    ann = load_annotation(tmp_path / "a.gff3", genome=g)
    assert ann.contigs == ("chr1", "chrM")
    one = ann.find_gene("ONE")
    assert one.contig == "chr1"
    assert one.transcripts[0].cds == (Interval("chr1", 10, 40, "+"),)
    mt = ann.find_transcript("t2")
    assert mt.contig == "chrM" and mt.transl_table == 2
    assert mt.transl_except[0].location.contig == "chrM"
    with pytest.raises(UnknownNameError):
        ann.find_gene("PAST")
    m = ann.input_match
    assert m is not None
    assert m.skipped == {"unknown-contig": 1, "past-contig-end": 1}
    assert m.renamed == {"1": "chr1", "MT": "chrM"}
    assert m.unknown_contigs == ("chrUn_x",)
    w = m.warning()
    assert w.code == "input-mismatch" and w.severity == "warning"
    assert "2 genes of annotation a.gff3" in w.message and "chrUn_x" in w.message


def test_matching_annotation_is_returned_unchanged() -> None:
    g = open_genome("builtin:hg38-chrM")
    ann = load_annotation("builtin:hg38-chrM")
    m = match_annotation(ann, g)
    assert m.annotation is ann and m.warning() is None


def test_annotation_of_another_genome_is_one_clear_error() -> None:
    """``taleforge design TRAC --annotation gencode.gff3`` without ``--genome`` used the
    built-in chrM: the error names both files instead of 'unknown contig chr14'."""
    gff = shared("human-grch38-annotation", "target_loci_GRCh38_gencode.gff3")
    g = open_genome("builtin:hg38-chrM")
    with pytest.raises(InputError) as ei:
        load_annotation(gff, genome=g)
    msg = str(ei.value)
    assert "target_loci_GRCh38_gencode.gff3" in msg and "builtin:hg38-chrM" in msg
    assert "chr14" in msg or "chr1" in msg
    assert "--genome" in (ei.value.hint or "")


def test_refseq_genbank_record_matches_builtin_chrm() -> None:
    gb = shared("mito", "NC_012920.1.gb")
    g = open_genome("builtin:hg38-chrM")
    ann = load_annotation(gb, genome=g)
    assert ann.contigs == ("chrM",)
    nd4 = ann.find_gene("ND4")
    assert nd4.contig == "chrM" and nd4.transcripts[0].cds[0].contig == "chrM"
    assert ann.input_match is not None and ann.input_match.renamed == {"NC_012920.1": "chrM"}
    assert ann.input_match.warning().severity == "note"


@pytest.mark.parametrize(
    ("genome_names", "name", "expected"),
    [
        (("chrM",), "MT", "chrM"),
        (("chrM",), "chrMT", "chrM"),
        (("chrM",), "NC_012920.1", "chrM"),
        (("MT", "1"), "chrM", "MT"),
        (("MT", "1"), "chr1", "1"),
        (("chr1", "chrX"), "NC_000023.11", "chrX"),
        (("chr1", "chrX"), "NC_000001.10", "chr1"),  # GRCh37 accession: the chromosome
        (("ref|NC_001133|", "ref|NC_001224|"), "chrI", "ref|NC_001133|"),
        (("ref|NC_001133|", "ref|NC_001224|"), "Mito", "ref|NC_001224|"),
        (("NC_000913.3",), "U00096.3", "NC_000913.3"),
        (("chrM",), "chr14", None),
        (("chr1", "1"), "chr1", "chr1"),  # exact first
    ],
)
def test_contig_matcher(genome_names: tuple[str, ...], name: str, expected: str | None) -> None:
    assert ContigMatcher.for_names(genome_names).resolve(name) == expected


def test_rcrs_placeholder_n() -> None:
    g = open_genome("builtin:hg38-chrM")
    assert g.fetch("chrM", 3106, 3107) == "N"
    assert placeholder_ns(g, "chrM", 3090, 3120) == (3106,)
    assert placeholder_ns(g, "chrM", 3107, 3120) == ()


def test_n_in_spacer_does_not_reject_a_pair_and_rcrs_note() -> None:
    """The rCRS N at 3107: pairs whose spacer holds it pass (as in TALE-NT), pairs with it in
    a half-site do not, and the note says the real spacer is 1 bp shorter."""
    from taleforge.design.pairs import enumerate_pairs
    from taleforge.design.talen_rules import evaluate_rules
    from taleforge.genome.aliases import placeholder_spacer_note
    from taleforge.model.scaffold import get_scaffold

    g = open_genome("builtin:hg38-chrM")
    s = 2950
    seq = g.fetch("chrM", s, 3260, soft=True)
    cand = enumerate_pairs(seq, get_scaffold("tale-nt"), contig="chrM", offset=s)
    keep = evaluate_rules(cand).all_pass(len(cand))
    sub = cand.subset(keep)
    pairs = [sub.materialize(i) for i in range(len(sub))]
    spanning = [p for p in pairs if p.spacer.start <= 3106 < p.spacer.end]
    assert spanning, "no passing pair has the 3107 N in its spacer"
    assert not any(p.left.footprint.start <= 3106 < p.left.footprint.end
                   or p.right.footprint.start <= 3106 < p.right.footprint.end for p in pairs)
    p = spanning[0]
    note = placeholder_spacer_note(g, p)
    n = len(p.spacer)
    assert note is not None and "chrM:3107" in note
    assert f"real spacer is {n - 1} bp, 1 bp shorter than the {n} bp numbered" in note
    clean = next(q for q in pairs if not q.spacer.start <= 3106 < q.spacer.end)
    assert placeholder_spacer_note(g, clean) is None


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from taleforge.cli import main

    with pytest.raises(SystemExit) as exc:
        main(argv)
    cap = capsys.readouterr()
    return (exc.value.code if isinstance(exc.value.code, int) else 1), cap.out, cap.err


def test_cli_design_with_forgotten_genome(capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    """`taleforge design TRAC --annotation gencode.gff3` without --genome: one line naming
    the annotation and the built-in genome, exit 2, no output file."""
    gff = shared("human-grch38-annotation", "target_loci_GRCh38_gencode.gff3")
    out = tmp_path / "x.tsv"
    code, _, err = _run(["design", "TRAC", "--annotation", str(gff), "--no-specificity",
                         "--out", str(out)], capsys)
    assert code == 2 and "Traceback" not in err
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "target_loci_GRCh38_gencode.gff3" in err and "builtin:hg38-chrM" in err
    assert "--genome" in err and "unknown contig" not in err
    assert not out.exists()


def test_cli_design_vcf_mismatches_are_counted(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    g = open_genome("builtin:hg38-chrM")
    b = g.fetch("chrM", 10949, 10950)
    alt = "A" if b != "A" else "G"
    wrong = "C" if b != "C" else "T"
    vcf = tmp_path / "v.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                   f"MT\t10950\tok\t{b}\t{alt}\t.\t.\t.\n"
                   f"MT\t10950\tbad\t{wrong}\t{alt}\t.\t.\t.\n"
                   "MT\t10951\tsv\tA\t<DEL>\t.\t.\t.\n"
                   "chr1\t5\tnuc\tA\tG\t.\t.\t.\n")
    out = tmp_path / "ko.json"
    code, _, err = _run(["design", "MT-ND4", "--top", "2", "--no-specificity", "--variants",
                         str(vcf), "--out", str(out)], capsys)
    assert code == 0, err
    import json

    res = json.loads(out.read_text())
    (w,) = [w for w in res["warnings"] if w["code"] == "input-mismatch"]
    assert w["details"]["skipped"] == {"unknown-contig": 1, "ref-mismatch": 1,
                                       "symbolic-allele": 1}
    assert w["details"]["renamed"] == {"MT": "chrM"}
    assert "3 of 4 VCF alleles" in w["message"]
    d = res["designs"][0]
    assert d["genotyping"]["sanger"]["primers"]["product_bp"] >= 400
    assert d["genotyping"]["sanger"]["unique"] is None  # --no-specificity: not checked

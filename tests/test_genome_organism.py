"""`taleforge genome add --organism X` and `--methylation auto` following it."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from taleforge.cli import main
from taleforge.design.methylation import (
    ORGANISM_CHOICES,
    ORGANISMS,
    check_organism,
    resolve_methylation,
)
from taleforge.errors import ParameterError
from taleforge.genome import registry
from taleforge.genome.index import open_genome


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = 0
    try:
        main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    cap = capsys.readouterr()
    return code, cap.out, cap.err


@pytest.fixture()
def fasta(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A 2-contig genome whose names say nothing about the organism (chr1, chrM)."""
    monkeypatch.setenv("TALEFORGE_CACHE", str(tmp_path / "cache"))
    rng = random.Random(7)
    seq = "".join(rng.choice("ACGT") for _ in range(3000))
    fa = tmp_path / "g.fa"
    fa.write_text(f">chr1\n{seq}\n>chrM\n{seq[::-1]}\n")
    return fa


def test_add_with_organism_stores_and_lists_it(fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["genome", "add", "Fly", "--fasta", str(fasta), "--organism", "Drosophila"],
                       capsys)
    assert code == 0, err
    assert "organism drosophila" in err
    entry = registry.read_entry("Fly")
    assert entry is not None and entry["organism"] == "drosophila"
    raw = json.loads((registry.entry_dir("Fly") / registry.ENTRY_FILE).read_text())
    assert raw["organism"] == "drosophila"
    code, out, _ = run(["genome", "list"], capsys)
    rows = [line.split("\t") for line in out.splitlines()]
    col = rows[0].index("organism")
    assert [r[col] for r in rows[1:] if r[0] == "Fly"] == ["drosophila"]
    g = open_genome("Fly")
    assert g.organism == "drosophila" and g.provenance()["organism"] == "drosophila"


def test_aliases_keep_the_given_word(fasta: Path) -> None:
    registry.add_genome("H", fasta, organism="human")
    g = open_genome("H")
    assert g.organism == "human"
    call = resolve_methylation("auto", g, "chr1")
    assert call.context == "cpg" and "registered organism human" in call.reason


def test_unknown_organism_is_one_line_and_registers_nothing(
    fasta: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["genome", "add", "X1", "--fasta", str(fasta), "--organism", "martian"],
                         capsys)
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "martian" in lines[0] and "Traceback" not in err
    for word in ORGANISM_CHOICES:
        assert word in lines[0]
    assert registry.read_entry("X1") is None and not registry.entry_dir("X1").exists()
    with pytest.raises(ParameterError, match="unknown organism"):
        check_organism("vertebrates")


@pytest.mark.parametrize(("organism", "context"), [
    ("yeast", "none"), ("ecoli-k12", "dcm"), ("vertebrate", "cpg"), ("mouse", "cpg"),
    ("drosophila", "none"), ("c-elegans", "none"), ("plant", "cpg"), ("other", "none"),
])
def test_auto_follows_the_registered_organism(fasta: Path, organism: str, context: str) -> None:
    registry.add_genome("G", fasta, organism=organism)
    g = open_genome("G")
    call = resolve_methylation("auto", g, "chr1")
    assert call.context == context
    assert f"(auto: registered organism {organism})" in call.reason
    assert not call.assumed and "assumed vertebrate" not in call.reason
    assert ORGANISMS[organism] == context  # the table is what decides
    if organism == "plant":
        assert "CHG/CHH" in call.reason and "not modelled" in call.reason
    if organism == "other":
        assert "--methylation" in call.reason


def test_mito_contig_of_a_cpg_organism_stays_unmethylated(fasta: Path) -> None:
    registry.add_genome("V", fasta, organism="vertebrate")
    call = resolve_methylation("auto", open_genome("V"), "chrM")
    assert call.context == "none" and "registered organism vertebrate" in call.reason
    assert "mitochondrial" in call.reason


def test_explicit_methylation_overrides_the_organism(fasta: Path) -> None:
    registry.add_genome("Y", fasta, organism="yeast")
    g = open_genome("Y")
    for choice in ("cpg", "dcm", "none"):
        call = resolve_methylation(choice, g, "chr1")
        assert call.context == choice and "as requested" in call.reason


def test_entry_without_organism_is_unchanged(fasta: Path) -> None:
    registry.add_genome("Old", fasta)
    entry = registry.read_entry("Old")
    assert entry is not None and "organism" not in entry
    g = open_genome("Old")
    assert g.organism is None and "organism" not in g.provenance()
    call = resolve_methylation("auto", g, "chr1")
    bare = resolve_methylation("auto", open_genome(fasta), "chr1")
    assert call == bare and call.context == "cpg" and call.assumed
    assert "assumed vertebrate nuclear DNA" in call.reason


def test_a_stored_organism_this_version_does_not_know_is_refused(fasta: Path) -> None:
    registry.add_genome("Bad", fasta, organism="yeast")
    f = registry.entry_dir("Bad") / registry.ENTRY_FILE
    f.write_text(f.read_text().replace('"yeast"', '"martian"'))
    with pytest.raises(ParameterError, match="registered organism 'martian'"):
        open_genome("Bad")


def test_design_counts_in_the_organism_context(
    fasta: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """End to end: a chr1 genome registered as E. coli K-12 is scored exactly as the plain
    FASTA with --methylation dcm, and the output provenance names the organism."""
    code, _, err = run(["genome", "add", "Eco", "--fasta", str(fasta), "--organism", "ecoli-k12"],
                       capsys)
    assert code == 0, err
    common = ["--region", "chr1:1001-1600", "--no-specificity", "--top", "5"]
    reg, plain, cpg = tmp_path / "reg.json", tmp_path / "plain.json", tmp_path / "cpg.json"
    for argv in (["--genome", "Eco", "--out", str(reg)],
                 ["--genome", str(fasta), "--methylation", "dcm", "--out", str(plain)],
                 ["--genome", str(fasta), "--out", str(cpg)]):
        code, _, err = run(["design", *common, *argv], capsys)
        assert code == 0, err

    def ranking(path: Path) -> list[tuple[str, float, int]]:
        return [(d["pair_id"], d["score"],
                 next(r["value"] for r in d["rules"] if r["rule"] == "methylation"))
                for d in json.loads(path.read_text())["designs"]]

    doc = json.loads(reg.read_text())
    assert doc["provenance"]["genome"]["organism"] == "ecoli-k12"
    assert "organism" not in json.loads(plain.read_text())["provenance"]["genome"]
    for d in doc["designs"]:
        rule = next(r for r in d["rules"] if r["rule"] == "methylation")
        assert "registered organism ecoli-k12" in rule["reason"]
    assert ranking(reg) and ranking(reg) == ranking(plain)
    assert ranking(reg) != ranking(cpg)  # CpG counting (the unregistered guess) ranks otherwise

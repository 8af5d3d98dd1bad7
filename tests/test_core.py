"""The design core (issue 9): one provenance record with the same field names in every JSON
the tool writes, and an explicit registry of every parameter table (`taleforge params`)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from taleforge.cli import main
from taleforge.design.result import SCHEMA_VERSION
from taleforge.model.params import TABLE_MODULES, load_all_tables
from tests.test_donor_cli import locus  # noqa: F401  (fixture)
from tests.test_knockin import egfp_like

SRC = Path(__file__).resolve().parents[1] / "src" / "taleforge"
PROV_KEYS = ["taleforge_version", "command", "genome", "annotation", "model", "parameter_tables"]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    try:
        main(argv)
    except SystemExit as exc:
        assert exc.code in (0, None), capsys.readouterr().err


def _check(doc: dict, job: str) -> None:  # type: ignore[type-arg]
    assert {"schema_version", "job", "provenance"} <= set(doc)
    assert doc["schema_version"] == SCHEMA_VERSION and doc["job"] == job
    prov = doc["provenance"]
    assert sorted(prov) == sorted(PROV_KEYS)
    assert prov["command"].startswith("taleforge ")
    assert set(prov["genome"]) == {"name", "sha256"} and len(prov["genome"]["sha256"]) == 64
    assert prov["annotation"] is None or set(prov["annotation"]) == {"name", "sha256"}
    assert prov["model"] is None or set(prov["model"]) == {"name", "version"}
    names = [t["name"] for t in prov["parameter_tables"]]
    assert names == sorted(names) and names
    for t in prov["parameter_tables"]:
        assert set(t) == {"name", "version", "values"}
    # nothing path- or cache-dependent besides the command
    text = json.dumps(prov)
    assert ".tfidx" not in text and "/tmp" not in text.replace(prov["command"], "")


def test_every_json_has_the_same_provenance(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ko = tmp_path / "ko.json"
    _run(["design", "MT-ND4", "--top", "3", "--no-specificity", "--out", str(ko)], capsys)
    _check(json.loads(ko.read_text()), "knockout")
    be = tmp_path / "be.json"
    _run(["base-edit", "--genome", "builtin-mito", "--position", "13513", "--to", "A",
          "--top", "2", "--no-offtarget", "--out", str(be)], capsys)
    doc = json.loads(be.read_text())
    _check(doc, "base-edit")
    assert doc["provenance"]["annotation"]["name"] == "builtin:hg38-chrM"
    assert doc["provenance"]["annotation"]["sha256"]
    ot = tmp_path / "ot.json"
    _run(["offtarget", "--left", "NI HD NG NN NI HD NG NN NI HD NG NN NI HD NG NN",
          "--genome", "builtin-mito", "--max-mismatches", "2", "--out", str(ot)], capsys)
    doc = json.loads(ot.read_text())
    _check(doc, "offtarget")
    assert doc["provenance"]["model"]["name"] == "positional"


def test_donor_jsons_have_the_same_provenance(locus, tmp_path: Path,  # type: ignore[no-untyped-def]  # noqa: F811
                                              capsys: pytest.CaptureFixture[str]) -> None:
    fa, gff, seq, tx = locus
    pos = tx.genomic_pos(80 * 3 - 2)
    ref = seq[pos]
    alt = {"A": "C", "C": "A", "G": "T", "T": "G"}[ref]
    _run(["correct", "--genome", str(fa), "--annotation", str(gff), "--variant",
          f"{tx.contig}:{pos + 1}:{ref}>{alt}", "--model", "tale-nt", "--no-specificity",
          "-o", str(tmp_path / "corr")], capsys)
    doc = json.loads((tmp_path / "corr" / "correction.json").read_text())
    _check(doc, "correction")
    assert doc["provenance"]["annotation"]["name"] == "syn.gff3"
    names = {t["name"] for t in doc["provenance"]["parameter_tables"]}
    assert {"donor", "ssodn", "blocking", "genotyping_primers", "scoring.tale-nt"} <= names
    cargo = tmp_path / "egfp.fa"
    cargo.write_text(">egfp\n" + egfp_like().seq + "\n")
    _run(["knockin", "--genome", str(fa), "--annotation", str(gff), "--gene", "SYN1",
          "--exon", "2", "--in-frame", "--cargo", str(cargo), "--arm", "300",
          "--model", "tale-nt", "--no-specificity", "-o", str(tmp_path / "ki")], capsys)
    _check(json.loads((tmp_path / "ki" / "knockin.json").read_text()), "knockin")


def _source_files() -> list[Path]:
    """The committed source files (git ls-files when in a checkout: a module another change
    is still writing is not yet part of the contract), else every file under src/."""
    import subprocess

    try:
        out = subprocess.run(["git", "ls-files", "*.py"], cwd=SRC, capture_output=True,
                             text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return sorted(SRC.rglob("*.py"))
    return sorted(SRC / ln for ln in out.splitlines() if ln) or sorted(SRC.rglob("*.py"))


def test_every_table_is_registered_explicitly() -> None:
    defining = set()
    for p in _source_files():
        if p.name == "params.py" and p.parent.name == "model":
            continue
        if re.search(r"register_table\(", p.read_text()):
            defining.add(".".join(("taleforge", *p.relative_to(SRC).with_suffix("").parts)))
    assert defining <= set(TABLE_MODULES), defining - set(TABLE_MODULES)
    assert len(load_all_tables()) >= 18


def test_params_lists_every_table_as_tsv_when_piped(capsys: pytest.CaptureFixture[str]) -> None:
    _run(["params"], capsys)
    out = capsys.readouterr().out
    rows = [ln.split("\t") for ln in out.splitlines() if ln and not ln.startswith("#")]
    assert rows[0][:3] == ["table", "version", "name"]
    assert {r[0] for r in rows[1:]} == set(load_all_tables())
    for name in ("offtarget_specificity", "scored_scan", "halfsite_scan", "base_edit_ranking",
                 "scoring.tale-nt", "scoring.positional"):
        assert name in {r[0] for r in rows[1:]}


def test_one_dna_module_and_one_mito_list() -> None:
    from taleforge.design.consequence import complement as c2
    from taleforge.genome.annotation import MITO_CONTIGS, is_mito_contig
    from taleforge.model.dna import COMPLEMENT_CODES, complement, reverse_complement
    from taleforge.model.interval import reverse_complement as rc2

    assert complement("ACGTNacgtnRY") == "TGCANtgcanYR" and reverse_complement("AACG") == "CGTT"
    assert c2 is complement and rc2 is reverse_complement
    assert COMPLEMENT_CODES.tolist() == [3, 2, 1, 0, 4]
    # base_editor and annotation read the same list (chrMT was missing from base_editor's)
    for name in ("chrM", "MT", "chrMT", "NC_012920.1", "chrmt"):
        assert is_mito_contig(name), name
    assert not is_mito_contig("chr1") and "chrmt" in MITO_CONTIGS

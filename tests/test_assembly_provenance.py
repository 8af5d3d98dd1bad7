"""The assembly JSON carries the same provenance header as every other taleforge JSON, with
the genome of the design it was built from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_core import _check, _run


def test_assembly_json_has_the_same_provenance(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ko = tmp_path / "ko.json"
    _run(["design", "MT-ND4", "--top", "2", "--no-specificity", "--out", str(ko)], capsys)
    design = json.loads(ko.read_text())
    _run(["assemble", str(ko), "--kit", "golden-gate", "--scaffold", "goldy",
          "--out", str(tmp_path / "tal")], capsys)
    doc = json.loads((tmp_path / "tal" / "assembly.json").read_text())
    _check(doc, "assembly")
    assert doc["provenance"]["genome"] == design["provenance"]["genome"]
    assert {"assembly_orf", "assembly_parts"} <= {t["name"] for t in doc["provenance"]["parameter_tables"]}
    assert doc["design_provenance"]["pair_id"] == design["designs"][0]["pair_id"]

"""``taleforge assemble`` end to end: from a design JSON or RVD strings to a verified kit plan
or synthesis ORFs; error cases exit 2 with one line, no traceback and no output files."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest
from Bio import SeqIO
from Bio.Seq import Seq

from taleforge.cli import main

LEFT = "NG NN NG HD NI NI HD HD NG NG NN HD NI NG NG HD"
RIGHT = "HD NG NI NN HD HD NI NG NG NN NI HD NG NN NI"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def assert_clean_error(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, err
    for n in needles:
        assert n.lower() in err.lower(), (n, err)


@pytest.fixture(scope="module")
def design_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("design") / "d.json"
    try:
        main(["design", "MT-ND4", "--no-specificity", "--top", "3", "--out", str(out)])
    except SystemExit as exc:  # pragma: no cover
        assert exc.code in (0, None)
    return out


def test_design_json_to_kit_plan(design_json: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "trac_talen"
    code, _, err = run(["assemble", str(design_json), "--rank", "1", "--kit", "golden-gate", "--scaffold", "goldy",
                        "--fok1", "ELD-KKR", "--out", str(folder)], capsys)
    assert code == 0, err
    design = json.loads(design_json.read_text())["designs"][0]
    res = json.loads((folder / "assembly.json").read_text())
    assert [c["rvds"] for c in res["constructs"]] == [design["left_rvds"], design["right_rvds"]]
    assert all(c["simulation"]["matches_design"] for c in res["constructs"])
    assert res["design_provenance"]["pair_id"] == design["pair_id"]
    assert any("[U]" in w for w in res["warnings"]) and "[U]" in err
    plan = list(csv.DictReader(io.StringIO((folder / "plan.tsv").read_text()), delimiter="\t"))
    assert {r["enzyme"] for r in plan} == {"BsaI", "Esp3I"}
    order = (folder / "order.csv").read_text()
    assert "Addgene" in order and "pLR-" in order
    for side, key in (("left", "left_rvds"), ("right", "right_rvds")):
        rec = SeqIO.read(folder / f"{side}.gb", "genbank")
        cds = next(f for f in rec.features if f.type == "CDS")
        assert str(cds.location.extract(rec.seq).translate()).rstrip("*") == cds.qualifiers["translation"][0]
        assert design[key] in cds.qualifiers["note"][0]


def test_rvd_strings_to_synthesis_orf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "tale"
    code, _, err = run(["assemble", "--left", LEFT, "--right", RIGHT, "--synthesis", "--codons", "human",
                        "--out", str(folder)], capsys)
    assert code == 0, err
    recs = list(SeqIO.parse(folder / "orf.fa", "fasta"))
    prots = {r.id: str(r.seq) for r in SeqIO.parse(folder / "protein.fa", "fasta")}
    assert len(recs) == 2
    for r in recs:
        assert str(Seq(str(r.seq)).translate()).rstrip("*") == prots[r.id]
    rows = list(csv.DictReader(io.StringIO((folder / "order.csv").read_text())))
    assert [int(r["length_bp"]) for r in rows] == [len(r.seq) for r in recs]
    assert not (folder / "plan.tsv").exists()
    # the folder exists now: a second run is refused unless --force
    code, _, err = run(["assemble", "--left", LEFT, "--synthesis", "--out", str(folder)], capsys)
    assert_clean_error(code, err, "exists", "--force")


def test_list_kits(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["assemble", "--list-kits"], capsys)
    assert code == 0 and "golden-gate" in out and "12-31" in out


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--left", "NG NN NG HD"], ["outside", "12-31"]),
        (["--left", LEFT + " NH"], ["RVD NH", "--synthesis"]),
        (["--left", "NH " + LEFT], ["no module for RVD NH"]),
        (["--left", "NG QQ NG HD"], ["QQ"]),
        (["--left", LEFT, "--fok1", "FokX"], ["FokI variant", "ELD-KKR"]),
        (["--left", LEFT, "--kit", "nokit"], ["unknown kit", "golden-gate"]),
        (["--left", LEFT, "--scaffold", "nosuch"], ["unknown scaffold", "plus63"]),
        (["--left", LEFT, "--synthesis", "--codons", "martian"], ["codon table", "human"]),
        (["missing_design.json"], ["does not exist"]),
        ([], ["no TALEN"]),
    ],
)
def test_errors_are_one_line_exit_2_and_write_nothing(
    args: list[str], needles: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prefix = tmp_path / "x"
    code, _, err = run(["assemble", *args, "--out", str(prefix)], capsys)
    assert_clean_error(code, err, *needles)
    assert list(tmp_path.iterdir()) == []


def test_bad_rank_and_bad_json(design_json: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["assemble", str(design_json), "--rank", "99", "--out", str(tmp_path / "x")], capsys)
    assert_clean_error(code, err, "rank 99")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, _, err = run(["assemble", str(bad), "--out", str(tmp_path / "x")], capsys)
    assert_clean_error(code, err, "not a design JSON")


def test_missing_extra_names_the_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "pydna.dseq", None)
    code, _, err = run(["assemble", "--left", LEFT, "--out", str(tmp_path / "x")], capsys)
    assert_clean_error(code, err, "pip install 'taleforge[assembly]'")

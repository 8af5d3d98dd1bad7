"""The writers registry (io/registry.py) and the one output rule (cli/common.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from taleforge.cli.common import output_folder, route_folder, route_outputs
from taleforge.errors import OutputError, ParameterError
from taleforge.io import registry


def test_every_job_has_its_writers() -> None:
    assert set(registry.formats("knockout")) == {"tsv", "json", "bed", "gff3", "html"}
    assert {"tsv", "json", "bed", "gff3", "html", "report"} <= set(registry.formats("base-edit"))
    assert set(registry.formats("offtarget")) == {"tsv", "json", "bed", "html"}
    for job in ("correction", "knockin"):
        assert set(registry.formats(job)) == {"json", "fasta", "genbank", "html"}
        names = {w.filename for w in registry.writers(job) if w.filename}
        assert names == {f"{job}.json", f"{job}.fa", f"{job}.gb"}
    assert "files" in registry.formats("multiplex")
    assert "files" in registry.formats("assembly")
    # every file job has a TSV and a JSON writer; folder jobs write only named files
    for job in registry.FILE_JOBS:
        assert {"tsv", "json"} <= set(registry.formats(job)), job
    for w in registry.writers():
        assert w.description, (w.job, w.fmt)
        if w.job in registry.FOLDER_JOBS and w.fmt not in ("json", "html"):  # --json, --html FILE
            assert w.filename is not None, (w.job, w.fmt)


@pytest.mark.parametrize(("name", "fmt"), [
    ("x.tsv", "tsv"), ("x.TXT", "tsv"), ("a.b.json", "json"), ("x.bed", "bed"),
    ("x.gff", "gff3"), ("x.gff3", "gff3"),
])
def test_extension_picks_the_format(name: str, fmt: str) -> None:
    assert registry.format_of_path("knockout", Path(name)) == fmt


def test_unknown_extension_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ParameterError) as ei:
        registry.format_of_path("offtarget", Path("x.gff3"))
    assert ".tsv" in (ei.value.hint or "") and ".bed" in (ei.value.hint or "")
    with pytest.raises(ParameterError):
        registry.writer("knockout", "fasta")


def test_duplicate_registration_is_an_error() -> None:
    @registry.register("test-job", "tsv", ext=(".tsv",))
    def one(res: object, **_: object) -> str:
        """one"""
        return "1"

    def two(res: object, **_: object) -> str:
        return "2"

    with pytest.raises(ValueError, match="registered twice"):
        registry.register("test-job", "tsv")(two)
    assert registry.render("test-job", "tsv", None) == "1"


def test_route_outputs_from_the_registry(tmp_path: Path) -> None:
    @registry.register("test-file-job", "tsv", ext=(".tsv",))
    def tsv(res: object, **ctx: object) -> str:
        """tsv"""
        return f"tsv {res} {ctx.get('command')}\n"

    @registry.register("test-file-job", "json", ext=(".json",))
    def js(res: object, **ctx: object) -> str:
        """json"""
        return "{}\n"

    outs = route_outputs(tmp_path / "a.tsv", {"json": tmp_path / "a.json"},
                         job="test-file-job", result=7, command="cmd")
    written = outs.commit()
    assert sorted(p.name for p in written) == ["a.json", "a.tsv"]
    assert (tmp_path / "a.tsv").read_text() == "tsv 7 cmd\n"
    # the old call shape (explicit renderers) still works
    outs = route_outputs(tmp_path / "b.bed", {}, {"bed": lambda: "bed\n"})
    assert [p.name for p in outs.commit()] == ["b.bed"]


def test_output_folder_rule(tmp_path: Path) -> None:
    new = tmp_path / "run"
    assert output_folder(new, "correction", force=False) == new
    new.mkdir()
    with pytest.raises(OutputError, match="exists") as ei:
        output_folder(new, "correction", force=False)
    assert "--force" in (ei.value.hint or "")
    assert output_folder(new, "correction", force=True) == new
    assert output_folder(new, "campaign", force=False) == new  # campaigns resume
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(OutputError, match="not a folder"):
        output_folder(f, "knockin", force=True)
    assert output_folder(None, "correction", "chr11:5227002:T>A", force=False) == Path(
        "correction-chr11-5227002-T-A")


def test_route_folder_writes_the_registered_files(tmp_path: Path) -> None:
    @registry.register("test-folder-job", "json", ext=(".json",), filename="job.json")
    def js(res: object, **_: object) -> str:
        """json"""
        return "{}\n"

    @registry.register("test-folder-job", "many", filename=registry.MULTI)
    def many(res: object, **_: object) -> dict[str, str]:
        """many"""
        return {"a.gb": "A\n", "b.gb": "B\n"}

    folder = output_folder(tmp_path / "out", "test-folder-job", force=False)
    written = route_folder(folder, "test-folder-job", None).commit()
    assert sorted(p.name for p in written) == ["a.gb", "b.gb", "job.json"]
    assert (folder / "a.gb").read_text() == "A\n"


def test_registered_writers_are_the_old_ones_on_a_real_result() -> None:
    import json

    from taleforge.design.knockout import KnockoutParams, design_knockout
    from taleforge.io import knockout_out as ko

    res = design_knockout("MT-CO1", params=KnockoutParams(top=3, specificity=False))
    assert res.designs
    old = {"tsv": ko.to_tsv_text(res), "json": ko.to_json_text(res, command="c"),
           "bed": ko.to_bed_text(res), "gff3": ko.to_gff3_text(res)}
    for fmt, text in old.items():
        assert registry.render("knockout", fmt, res, command="c") == text, fmt
    assert old["tsv"].startswith("# taleforge ")
    head = json.loads(old["json"])
    assert {"schema_version", "job", "provenance"} <= head.keys() and head["job"] == "knockout"
    assert old["gff3"].startswith("##gff-version 3\n") and old["bed"].startswith("track ")

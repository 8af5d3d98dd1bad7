"""The assembly report (``report.html`` in a ``taleforge assemble`` folder): ORF map with every part
at its bp position and the RVDs in order, the simulated plasmid and the Golden Gate plan drawn
from ``assembly.json``; deterministic and offline."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytest.importorskip("pydna", reason="the assembly extra is not installed")

from taleforge.cli import main
from taleforge.io.html.plasmid import assembly_report, orf_map

LEFT = "NG NN NG HD NI NI HD HD NG NG NN HD NI NG NG HD"
RIGHT = "HD NG NI NN HD HD NI NG NG NN NI HD NG NN NI"


def assemble(folder: Path, *extra: str) -> Path:
    try:
        main(["assemble", "--left", LEFT, "--right", RIGHT, "--out", str(folder), *extra])
    except SystemExit as exc:
        assert not exc.code, exc.code
    return folder


@pytest.fixture(scope="module")
def kit_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return assemble(tmp_path_factory.mktemp("a") / "pair")


def test_report_is_written_and_drawn_from_the_json(kit_folder: Path) -> None:
    html = (kit_folder / "report.html").read_text()
    doc = json.loads((kit_folder / "assembly.json").read_text())
    assert html == assembly_report(doc)
    for c in doc["constructs"]:
        block = html.split(f'id="construct-{c["side"]}"')[1].split("</section>")[0]
        orf = block.split('class="orfmap"')[1].split("</svg>")[0]
        # the repeats' RVD labels, in array order (the last RVD is the half repeat)
        assert re.findall(r'class="rvd"[^>]*>([A-Z*]{2})<', orf) == c["rvds"].split()
        assert f"ORF {c['orf_bp']:,} bp" in orf and f"{c['protein_aa']} aa" in orf
        # every part is a box whose tooltip gives its bp range
        for s in c["segments"]:
            assert f"bp {3 * (s['aa_start'] - 1) + 1}-{3 * s['aa_end']}" in orf
        ring = block.split('class="plasmid"')[1].split("</svg>")[0]
        assert f"{c['simulation']['product_bp']:,} bp" in ring and "matches design" in ring
        plan = block.split('class="plan"')[1].split("</svg>")[0]
        assert plan.count("step 1 ·") == sum(1 for p in c["plan"] if p["step"] == 1)
    from taleforge.io.html.svg import esc

    assert '<section id="provenance">' in html and esc(doc["provenance"]["command"]) in html
    # unsourced parts are outlined as such
    assert 'class="p-link unsourced"' in html


def test_report_is_deterministic_and_offline(kit_folder: Path, tmp_path: Path) -> None:
    again = assemble(tmp_path / "pair")
    a, b = (kit_folder / "report.html").read_text(), (again / "report.html").read_text()
    # identical but the provenance command, which names the --out folder
    assert a.replace(str(kit_folder), "X") == b.replace(str(again), "X")
    assert not re.search(r"(src|href)=\"?(https?:)?//", a)


def test_orf_map_marks_type_iis_sites() -> None:
    c = {"name": "t", "orf_bp": 300, "protein_aa": 100, "n_rvds": 1, "fok1": "wt", "orf_source": "x",
         "segments": [{"kind": "repeat", "label": "repeat 1 NI", "aa_start": 1, "aa_end": 34, "evidence": "V"},
                      {"kind": "FokI", "label": "FokI", "aa_start": 35, "aa_end": 100, "evidence": "K"}],
         "type_iis_sites": [["BsaI", 150]]}
    svg = orf_map(c)
    assert 'class="site"' in svg and ">BsaI<" in svg and ">NI<" in svg
    assert 'class="p-fok"' in svg and "unsourced" not in svg

"""HTML reports (``--html FILE``, io/html/): one self-contained, deterministic page per job,
with the drawn locus, every design's rules, the off-targets and the provenance."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from taleforge.cli import main
from taleforge.io.html.locus import MARGIN, WIDTH, Mark, locus_svg, pair_geometry, with_marks, zoom_html

VOID = {"meta", "br", "hr", "img", "input", "link", "col", "wbr", "area", "base", "source"}


class _Strict(HTMLParser):
    """Tags must nest and close (SVG children may self-close); collects attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def check_page(text: str) -> _Strict:
    """The report parses, nests, and loads nothing from anywhere."""
    assert text.startswith("<!DOCTYPE html>")
    p = _Strict()
    p.feed(text)
    p.close()
    assert not p.errors, p.errors[:5]
    assert not p.stack, p.stack
    assert not re.search(r"https?:|//[a-z0-9.-]+\.[a-z]{2,}/", text, re.I)
    for tag, attrs in p.tags:
        assert tag not in ("link", "iframe", "img", "object", "embed"), tag
        assert "src" not in attrs and "href" not in attrs, (tag, attrs)
    assert "url(" not in text and "@import" not in text
    return p


def _run(argv: list[str]) -> None:
    try:
        main(argv)
    except SystemExit as exc:
        assert exc.code in (0, None), exc.code


def _check_designs_and_provenance(text: str, doc: dict) -> None:  # type: ignore[type-arg]
    p = doc["provenance"]
    assert 'id="provenance"' in text
    assert p["genome"]["sha256"] in text and p["taleforge_version"] in text
    if p.get("annotation") and p["annotation"].get("sha256"):
        assert p["annotation"]["sha256"] in text
    for t in p["parameter_tables"]:
        assert f"<summary>{t['name']} v" in text
    sections = re.split(r'<section class="design" id="design-', text)[1:]
    assert len(sections) == min(len(doc["designs"]), 20)
    for d, sec in zip(doc["designs"], sections, strict=False):
        rules = d.get("rules", [])
        assert rules
        for r in rules:
            assert f'data-rule="{r["rule"]}"' in sec, r["rule"]


@pytest.fixture(scope="module")
def knockout(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    tmp = tmp_path_factory.mktemp("ko")
    a, b, js = tmp / "a.html", tmp / "b.html", tmp / "ko.json"
    _run(["design", "MT-ND4", "--top", "3", "--html", str(a), "--json", str(js),
          "-o", str(tmp / "ko.tsv")])
    _run(["design", "MT-ND4", "--top", "3", "--html", str(b), "-o", str(tmp / "ko2.tsv")])
    return a, b, js


def test_knockout_report_is_self_contained_deterministic_and_complete(knockout) -> None:  # type: ignore[no-untyped-def]
    a, b, js = knockout
    assert a.read_bytes() == b.read_bytes()
    text = a.read_text()
    parsed = check_page(text)
    doc = json.loads(js.read_text())
    _check_designs_and_provenance(text, doc)
    # the gene model (exons/CDS from the built-in annotation), arms, cut, off-target chart
    assert 'class="cds"' in text and 'class="exon"' in text and "+ strand" in text
    if doc["designs"][0]["enzymes"]:  # restriction sites drawn where they are
        assert 'class="mk enzyme"' in text and doc["designs"][0]["enzymes"][0] in text
    assert 'class="cut"' in text and 'class="bars"' in text and 'id="designs"' in text
    # the arms of each design at the JSON's coordinates (position 0 included)
    arms = [(a_["class"], int(a_["data-start"] or 0), int(a_["data-end"] or 0))
            for t, a_ in parsed.tags if t == "polygon" and "arm" in (a_.get("class") or "")]
    for d in doc["designs"]:
        assert ("arm left", d["left_pos0"], d["left_end"]) in arms
        assert ("arm right", d["right_start"], d["right_pos0"]) in arms
    # base-level zoom: the half-sites as the JSON has them
    d0 = doc["designs"][0]
    zoom = re.search(r'<div class="zoom">.*?</div></div>|<div class="zoom">.*?</pre></div>', text, re.S)
    assert zoom is not None
    bases = "".join(re.findall(r'<span class="z[lr]0?[^"]*"[^>]*>([ACGT])</span>', zoom.group(0)))
    assert bases == d0["left_site"] + d0["right_site"][::-1].translate(str.maketrans("ACGT", "TGCA"))


def _points(svg_text: str, cls: str) -> list[float]:
    m = re.search(rf'<polygon points="([^"]+)" class="{cls}"', svg_text)
    assert m is not None, cls
    return [float(p.split(",")[0]) for p in m.group(1).split()]


def test_planted_pair_is_drawn_at_its_coordinates() -> None:
    left, spacer, right_top = "TACGTACGTACGTACGTAC", "GGGGGCCCCCAAAAA", "GTTTCCAGGAAGCTTAAGA"
    row = {"contig": "chrP", "left_pos0": 1001, "left_start": 1002, "left_end": 1019,
           "spacer_start": 1020, "spacer_end": 1034, "right_start": 1035, "right_end": 1052,
           "right_pos0": 1053, "cut": 1027, "left_site": left, "spacer_seq": spacer,
           "right_site": right_top[::-1].translate(str.maketrans("ACGT", "TGCA"))}
    g = pair_geometry(row)
    assert g is not None and g.top_seq == left + spacer + right_top
    g = with_marks(g, [Mark("variant", 1010, 1010, "rs1"), Mark("exon", 900, 1200, "G1 T1 exon 1"),
                       Mark("cds", 950, 1100, "G1 T1 CDS")])
    lo, hi = 941, 1113
    svg = locus_svg(g, title="planted", view=(lo, hi))
    scale = (WIDTH - 2 * MARGIN) / (hi - lo + 1)

    def x(pos: float) -> float:
        return MARGIN + (pos - lo) * scale

    lx = _points(svg, "arm left")
    rx = _points(svg, "arm right")
    assert min(lx) == pytest.approx(x(1001), abs=0.01) and max(lx) == pytest.approx(x(1020), abs=0.01)
    assert min(rx) == pytest.approx(x(1035), abs=0.01) and max(rx) == pytest.approx(x(1054), abs=0.01)
    cut = re.search(r'<line x1="([\d.]+)"[^>]*class="cut"', svg)
    assert cut is not None and float(cut.group(1)) == pytest.approx(x(1028), abs=0.01)
    assert 'class="mk variant"' in svg and 'class="cds"' in svg
    z = zoom_html(g)
    assert re.search(r'<span class="zl0" title="1001">T</span>', z)
    assert re.search(r'<span class="zr0" title="1053">A</span>', z)
    assert 'class="zl zm variant"' in z and '<span class="zcut">|</span>' in z
    assert locus_svg(g, title="planted", view=(lo, hi)) == svg  # deterministic


def test_offtarget_and_base_edit_reports(knockout, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(knockout[2].read_text())
    d0 = doc["designs"][0]
    ot, ot_js = tmp_path / "ot.html", tmp_path / "ot.json"
    _run(["offtarget", "--left", d0["left_rvds"], "--right", d0["right_rvds"], "--html", str(ot),
          "--json", str(ot_js), "-o", str(tmp_path / "ot.tsv")])
    text = ot.read_text()
    check_page(text)
    od = json.loads(ot_js.read_text())
    assert od["provenance"]["genome"]["sha256"] in text and "pairs by orientation" in text
    be, be_js = tmp_path / "be.html", tmp_path / "be.json"
    _run(["base-edit", "--genome", "builtin-mito", "--position", "3243", "--to", "G", "--top", "2",
          "--no-offtarget", "--html", str(be), "--json", str(be_js), "-o", str(tmp_path / "be.tsv")])
    text = be.read_text()
    check_page(text)
    bd = json.loads(be_js.read_text())
    _check_designs_and_provenance(text, bd)
    assert 'class="profile"' in text and 'class="col tgt"' in text  # efficiency profile
    assert 'class="mk target"' in text and "Editing window" in text and re.search(r'class="[^"]*\btgt\b', text)
    # the gene model from the built-in annotation: the tRNA the target lies in
    assert 'class="exon"' in text and "MT-TL1 MT-TL1 (+ strand" in text
    if any(d["bystanders"] for d in bd["designs"]):
        assert 'class="mk bystander"' in text


@pytest.fixture(scope="module")
def syn_locus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str, str]:
    from tests.test_donor_cli import _gff3
    from tests.test_donor_synthetic import CONTIG, make_gene

    tmp = tmp_path_factory.mktemp("syn")
    seq, tx = make_gene(11, "+")
    fa, gff = tmp / "syn.fa", tmp / "syn.gff3"
    fa.write_text(f">{CONTIG}\n{seq}\n")
    gff.write_text(_gff3(tx))
    pos = tx.genomic_pos(80 * 3 - 2)
    alt = {"A": "C", "C": "A", "G": "T", "T": "G"}[seq[pos]]
    return fa, gff, f"{CONTIG}:{pos + 1}:{seq[pos]}>{alt}", CONTIG


def test_correction_report_shows_blocking_and_ssodn(syn_locus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fa, gff, variant, _ = syn_locus
    html = tmp_path / "corr.html"
    argv = ["correct", "--genome", str(fa), "--annotation", str(gff), "--variant", variant,
            "--model", "tale-nt", "--no-specificity", "-o", str(tmp_path / "corr"), "--html", str(html)]
    _run(argv)
    text = html.read_text()
    check_page(text)
    doc = json.loads((tmp_path / "corr" / "correction.json").read_text())
    _check_designs_and_provenance(text, doc)
    assert 'class="mk blocking"' in text and 'class="mk edit"' in text and "ssODN_top" in text
    assert 'class="mk primer"' in text and "Restriction sites" in text
    assert 'class="cds"' in text and "SYN1 TX1 (+ strand" in text  # gene model from --annotation
    assert doc["designs"][0]["ssodn"][0]["idt"] in text
    first = text
    _run([*argv[:-4], "-o", str(tmp_path / "corr2"), "--html", str(tmp_path / "c2.html")])
    assert (tmp_path / "c2.html").read_text() == first


def test_knockin_report_draws_the_donor_map(syn_locus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.test_knockin import egfp_like

    fa, gff, _, _ = syn_locus
    cargo = tmp_path / "egfp.fa"
    cargo.write_text(">egfp\n" + egfp_like().seq + "\n")
    html = tmp_path / "ki.html"
    _run(["knockin", "--genome", str(fa), "--annotation", str(gff), "--gene", "SYN1", "--exon", "2",
          "--in-frame", "--cargo", str(cargo), "--2a", "T2A", "--arm", "300", "--model", "tale-nt",
          "--no-specificity", "-o", str(tmp_path / "ki"), "--html", str(html)])
    text = html.read_text()
    check_page(text)
    doc = json.loads((tmp_path / "ki" / "knockin.json").read_text())
    _check_designs_and_provenance(text, doc)
    assert text.count('class="donor"') == len(doc["designs"])
    for kind in ("homology_arm", "cargo", "polya", "twoa", "tale_site"):
        assert f'class="mk {kind}"' in text, kind


def test_multiplex_report(tmp_path: Path) -> None:
    from taleforge.design.multiplex import MultiplexParams, design_multiplex
    from taleforge.genome.index import open_genome
    from taleforge.io.registry import render
    from tests.test_multiplex import QUICK, SP, _fixed, _plant, _rand, _site, _write

    rng = np.random.default_rng(3)
    la, ra, lb, rb = (_rand(rng, 18) for _ in range(4))
    a = _plant(_rand(rng, 2500), 1000, _site(la, ra, _rand(rng, SP)))
    b = _plant(_rand(rng, 2500), 1000, _site(lb, rb, _rand(rng, SP)))
    g = open_genome(_write(tmp_path, {"chrA": a, "chrB": b}))
    res = design_multiplex([_fixed("A", la, ra), _fixed("B", lb, rb)],
                           MultiplexParams(**QUICK),  # type: ignore[arg-type]
                           genome=g, backend="reference")
    text = render("multiplex", "html", res, command="taleforge multiplex")
    check_page(text)
    assert text == render("multiplex", "html", res, command="taleforge multiplex")
    assert text.count('class="arm left"') >= 2 and "Cross-talk pairs" in text
    assert 'id="provenance"' in text and "taleforge multiplex" in text
    assert "Set score, rule by rule" in text
    for r in res.chosen.rules:
        assert f'data-rule="{r.rule}"' in text

"""TALE base-editor designer (design/base_edit/).

* MitoEdit's documented window rules reproduced on the rCRS: every window MitoEdit would list
  for a target (rule-derived spacer, TALE-NT flanks with position-0 T / A and 15-20 RVDs) is
  among our designs with the same window position, and ours are no more; bystanders follow
  MitoEdit's steps 6-7 (other in-context Cs in the window on either strand, plus the second C
  of a 5'-TCC). Written from the documented rules, not by running MitoEdit.
* Property tests: every design places the target in its window; every bystander is in the
  window and in context; reverse-complementing the genome mirrors the designs.
* Errors, knockout mode, determinism, user window tables.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taleforge.design.base_edit import (
    BaseEditParams,
    BaseEditResult,
    BaseEditTarget,
    knockout_edits,
    parse_variant,
)
from taleforge.design.consequence import ConsequenceCaller
from taleforge.errors import InputError, NoResultError, ParameterError, RegionError, UnknownNameError
from taleforge.genome.annotation import Annotation, Gene, Transcript
from taleforge.genome.index import Genome, open_genome
from taleforge.genome.packed import PackedGenome
from taleforge.io import window_view as wv
from taleforge.model.editors import EDITORS, build_mitoedit_table, get_editor, resolve_editors
from taleforge.model.interval import Interval, reverse_complement

COMP = {"A": "T", "C": "G", "G": "C", "T": "A", "N": "N"}


def mem_genome(seqs: dict[str, str], name: str = "test") -> Genome:
    text = "".join(f">{k}\n{v}\n" for k, v in seqs.items())
    return Genome(name=name, source=f"sequence:{name}",
                  checksum=hashlib.sha256(text.encode()).hexdigest(),
                  packed=PackedGenome.from_sequences(seqs))


_TARGET_KEYS = ("position", "to", "contig", "variant", "knockout_gene")
_CALL_KEYS = ("annotation", "nuclear_genome", "progress", "backend")


def design_base_edit(genome: Genome, **kw: object) -> BaseEditResult:
    """The old keyword form of these tests, mapped onto the job shape
    ``design_base_edit(target, params, *, genome, ...)`` (test-only compatibility)."""
    from taleforge.design.base_edit import design_base_edit as job

    target = BaseEditTarget(**{k: kw.pop(k) for k in _TARGET_KEYS if k in kw})  # type: ignore[arg-type]
    call = {k: kw.pop(k) for k in _CALL_KEYS if k in kw}
    if isinstance(kw.get("editors"), list):
        kw["editors"] = tuple(kw["editors"])  # type: ignore[arg-type]
    return job(target, BaseEditParams(**kw), genome=genome, **call)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def mito() -> Genome:
    return open_genome("builtin-mito")


# --------------------------------------------------------------------------- MitoEdit rules


def _rule_window(editor: str, S: int, strand: str, pos: int) -> bool:
    e = get_editor(editor)
    from5, from3 = (pos, S - pos + 1) if strand == "+" else (S - pos + 1, pos)
    if e.family == "TALED":
        return 5 <= (pos if e.orientation == "ADL" else S - pos + 1) <= 12
    if e.split == "G1333":
        return 4 <= from5 <= 10
    return 4 <= from3 <= 7


def _on_strand(seq: str, i: int, strand: str) -> tuple[str, str, str, str]:
    def at(k: int) -> str:
        return seq[k] if 0 <= k < len(seq) else "N"
    if strand == "+":
        return at(i), at(i - 1), at(i + 1), at(i - 2)
    return COMP[at(i)], COMP[at(i + 1)], COMP[at(i - 1)], COMP[at(i + 2)]


def _editable(editor: str, b: str, five: str, three: str, five2: str,
              target: bool) -> bool:
    e = get_editor(editor)
    if e.family == "TALED":
        return b == "A" and (five in "CG" or three in "CG")
    if b != "C":
        return False
    if e.family == "DdCBE":
        return five == "T" or (not target and five == "C" and five2 == "T")
    return five in "ACT"


def mitoedit_windows(seq: str, t: int, alt: str, editor: str) -> dict[tuple[int, int], set]:
    """Rule-derived windows (spacer start, length) with TALE-NT flanks, and the bystanders
    MitoEdit marks in each (position, strand)."""
    e = get_editor(editor)
    ref = seq[t]
    if ref == e.ref_base and alt == e.alt_base:
        strand = "+"
    elif ref == COMP[e.ref_base] and alt == COMP[e.alt_base]:
        strand = "-"
    else:
        return {}
    b, five, three, five2 = _on_strand(seq, t, strand)
    if not _editable(editor, b, five, three, five2, target=True):
        return {}
    out: dict[tuple[int, int], set] = {}
    for S in range(14, 19):
        for s in range(t - S + 1, t + 1):
            if not _rule_window(editor, S, strand, t - s + 1):
                continue
            left_ok = any(s - L - 1 >= 0 and seq[s - L - 1] == "T"
                          and "N" not in seq[s - L - 1: s] for L in range(15, 21))
            right_ok = any(s + S + R < len(seq) and seq[s + S + R] == "A"
                           and "N" not in seq[s + S: s + S + R + 1] for R in range(15, 21))
            if not (left_ok and right_ok) or "N" in seq[s: s + S]:
                continue
            bys = set()
            for st_ in ("+", "-"):
                for pos in range(1, S + 1):
                    g = s + pos - 1
                    if (g, st_) == (t, strand) or not _rule_window(editor, S, st_, pos):
                        continue
                    bb, f, th, f2 = _on_strand(seq, g, st_)
                    if _editable(editor, bb, f, th, f2, target=False):
                        bys.add((g, st_))
            out[(s, S)] = bys
    return out


def _our_windows(res: BaseEditResult, editor: str) -> dict[tuple[int, int], set]:
    out: dict[tuple[int, int], set] = {}
    for d in res.designs:
        if d.editor.name != editor:
            continue
        key = (d.pair.spacer.start, d.spacer_bp)
        out[key] = {(b.pos, b.strand) for b in d.bystanders}
    return out


_TRANSITION = {"C": "T", "G": "A", "A": "G", "T": "C"}


def test_mitoedit_windows_are_reproduced_on_rcrs(mito: Genome) -> None:
    seq = mito.fetch("chrM", 0, mito.contig_length("chrM")).upper()
    editors = ["DdCBE-G1333-NL", "DdCBE-G1397-NR", "DddA11-G1397-NL", "TALED-ADL", "TALED-ADR"]
    n_windows = 0
    positions = [*list(range(600, 16400, 530)), 13512, 3242, 8343]
    for t in positions:
        ref = seq[t]
        if ref not in "ACGT":
            continue
        alt = _TRANSITION[ref]
        want = {ed: mitoedit_windows(seq, t, alt, ed) for ed in editors}
        try:
            res = design_base_edit(mito, position=t + 1, to=alt, editors=editors,
                                   offtarget=False, max_designs=100000, pos0_bases="T")
        except NoResultError:
            assert all(not w for w in want.values()), t
            continue
        for ed in editors:
            ours = _our_windows(res, ed)
            assert set(ours) == set(want[ed]), (t, ed)
            for k, bys in want[ed].items():
                assert ours[k] == bys, (t, ed, k)
            n_windows += len(ours)
    assert n_windows > 50


def test_worked_example_13513(mito: Genome) -> None:
    res = design_base_edit(mito, position=13513, to="A", offtarget=False)
    top = res.designs[0]
    assert top.editor.family in ("DdCBE", "DddA11")
    assert top.edited_strand == "-" and top.context == "tC"
    assert top.efficiency == pytest.approx(0.49)
    assert "p.Asp393Asn" in ";".join(c.short() for c in res.edits[0].consequences)
    # TALED cannot make a G>A
    assert any(r.editor == "TALED-ADL" and "wrong substitution" in r.reason
               for r in res.rejections)


def test_m3243_needs_pos0_c_and_is_explained(mito: Genome) -> None:
    with pytest.raises(NoResultError) as ei:
        design_base_edit(mito, position=3243, to="G", offtarget=False, pos0_bases="T")
    msg = str(ei.value)
    assert "TALED-ADL" in msg and "DdCBE-G1333-NL" in msg and "wrong substitution" in msg
    # default: falls back to position-0 C with a note and a ranking penalty
    res = design_base_edit(mito, position=3243, to="G", offtarget=False)
    assert any("position-0 TC allowed" in n for n in res.notes)
    assert res.designs and all(d.editor.family == "TALED" for d in res.designs)
    for d in res.designs:
        if "C" in (d.pair.left.pos0_base, d.pair.right.pos0_base):
            assert any(r.rule == "pos0_not_t" and r.score < 0 for r in d.rules)
    explicit = design_base_edit(mito, position=3243, to="G", pos0_bases="TC", offtarget=False)
    assert [d.design_id for d in explicit.designs] == [d.design_id for d in res.designs]
    assert all("MT-TL1" in b.consequences[0].gene for d in res.designs for b in d.bystanders)


# --------------------------------------------------------------------------- errors


def test_errors(mito: Genome) -> None:
    with pytest.raises(RegionError):
        design_base_edit(mito, position=20000, to="A")
    with pytest.raises(RegionError):
        design_base_edit(mito, position=0, to="A")
    with pytest.raises(InputError, match="equals the reference"):
        design_base_edit(mito, position=8344, to="A")  # rCRS has A at 8344
    with pytest.raises(InputError, match="unknown"):
        design_base_edit(mito, position=3107, to="A")  # the rCRS N
    with pytest.raises(UnknownNameError) as ei:
        design_base_edit(mito, position=13513, to="A", editors=["DdCBE-G9999"])
    assert "TALED-ADL" in (ei.value.hint or "")
    with pytest.raises(ParameterError):
        design_base_edit(mito, position=13513, to="A", variant="chrM:1:G>A")
    with pytest.raises(InputError, match="reference has"):
        design_base_edit(mito, variant="chrM:13513:C>T")
    with pytest.raises(InputError):
        parse_variant("chr11-5227002-T-A")
    assert parse_variant("chr11:5,227,002:t>a") == ("chr11", 5227001, "T", "A")
    # a C in 5'-GC: DdCBE (TC) and DddA11 (HC) both refuse with the context named
    seq = mito.fetch("chrM", 0, 16569)
    i = next(i for i in range(100, 16000) if seq[i - 1: i + 1] == "GC")
    with pytest.raises(NoResultError) as e2:
        design_base_edit(mito, position=i + 1, to="T", editors=["DdCBE", "DddA11"])
    assert "wrong context" in str(e2.value) and "5'-TC" in str(e2.value)


# --------------------------------------------------------------------------- properties


def _flip(name: str) -> str:
    e = get_editor(name)
    other = {"NL": "NR", "NR": "NL", "ADL": "ADR", "ADR": "ADL"}[e.orientation]
    return name.rsplit("-", 1)[0] + "-" + other


def _design_keys(res: BaseEditResult, n: int | None = None) -> set[tuple]:
    out = set()
    for d in res.designs:
        s0, S = d.pair.spacer.start, d.spacer_bp
        L, R = d.pair.left.length, d.pair.right.length
        bys = tuple(sorted((b.pos, b.strand, round(b.probability, 6)) for b in d.bystanders))
        if n is None:
            out.add((d.editor.name, s0, S, L, R, round(d.efficiency, 6), bys))
        else:
            mb = tuple(sorted((n - 1 - p, "-" if s == "+" else "+", pr) for p, s, pr in bys))
            out.add((_flip(d.editor.name), n - (s0 + S), S, R, L, round(d.efficiency, 6), mb))
    return out


seqs = st.text(alphabet="ACGT", min_size=130, max_size=130)


@given(seq=seqs, alt_idx=st.integers(0, 2))
def test_designs_satisfy_window_and_context_and_mirror(seq: str, alt_idx: int) -> None:
    t = 65
    ref = seq[t]
    alt = [b for b in "ACGT" if b != ref][alt_idx]
    g = mem_genome({"c": seq})
    table = build_mitoedit_table()
    try:
        res = design_base_edit(g, position=t + 1, to=alt, offtarget=False,
                               max_designs=100000, collapse_arms=False, pos0_bases="T")
    except NoResultError:
        res = None
    n = len(seq)
    rc = reverse_complement(seq)
    try:
        mres = design_base_edit(mem_genome({"c": rc}), position=n - t, to=COMP[alt],
                                offtarget=False, max_designs=100000, collapse_arms=False,
                                pos0_bases="T")
    except NoResultError:
        mres = None
    assert (res is None) == (mres is None)
    if res is None or mres is None:
        return
    for d in res.designs:
        e = d.editor
        S = d.spacer_bp
        ws = "top" if d.edited_strand == "+" else "bottom"
        assert table.lookup(e, S, ws, d.window_position, d.context) is not None
        assert d.pair.spacer.start <= t < d.pair.spacer.end
        assert d.pair.left.pos0_base == "T" and d.pair.right.pos0_base == "T"
        for b in d.bystanders:
            wp = b.pos - d.pair.spacer.start + 1
            bws = "top" if b.strand == "+" else "bottom"
            assert 1 <= wp <= S and wp in table.positions(e, S, bws)  # type: ignore[arg-type]
            base, five, three, _five2 = _on_strand(seq, b.pos, b.strand)
            assert base == e.ref_base
            assert e.primary_context(five, three) or b.context == "tcC"
            assert table.lookup(e, S, bws, wp, b.context) is not None  # type: ignore[arg-type]
            assert b.harmful is False  # no annotation: nothing is known to be harmful
    assert _design_keys(res) == _design_keys(mres, n)


# --------------------------------------------------------------------------- knockout


def _ko_genome() -> tuple[Genome, Annotation]:
    import random

    rnd = random.Random(7)
    flank = "".join(rnd.choice("ACGT") for _ in range(300))
    # exon 1: UTR + ATG + codons (CAG early) ; intron GT...AG ; exon 2
    exon1 = "GCCACC" + "ATG" + "GCT" + "TCA" + "CAG" + "TGG" + "CGA" + "TCC" + "CAA" + "GGT"
    intron = "GTAAGT" + "".join(rnd.choice("ACGT") for _ in range(80)) + "TTTCAG"
    exon2 = "TCTCAGTGGAAACCTCGATGA" + "".join(rnd.choice("ACT") for _ in range(30))
    seq = flank + exon1 + intron + exon2 + flank
    a = len(flank)
    e1 = Interval("c", a, a + len(exon1), "+")
    e2s = a + len(exon1) + len(intron)
    e2 = Interval("c", e2s, e2s + len(exon2), "+")
    cds = (Interval("c", a + 6, a + len(exon1), "+"), Interval("c", e2s, e2s + 21, "+"))
    tx = Transcript("TX1", "G1", "KOGENE", "c", "+", (e1, e2), cds, biotype="protein_coding")
    gene = Gene("G1", "KOGENE", "c", e1.start, e2.end, "+", "protein_coding", (tx,))
    return mem_genome({"c": seq}), Annotation([gene], source="test")


def test_knockout_edits_and_designs() -> None:
    g, ann = _ko_genome()
    cc = ConsequenceCaller(ann, lambda c, s, e, st_: g.fetch(c, s, e, st_))
    edits = knockout_edits(g, ann, "KOGENE", resolve_editors(None), cc, max_cds_fraction=0.9)
    kinds = {e.reason.split()[0] for e in edits}
    assert "stop_gained" in kinds and "splice_donor" in kinds and "splice_acceptor" in kinds
    for e in edits:
        if e.reason.startswith("stop_gained"):
            assert any(c.kind == "stop_gained" for c in e.consequences)
        else:
            assert any(c.kind.startswith("splice_") for c in e.consequences)
    codons = {e.reason.split()[4] for e in edits if e.reason.startswith("stop_gained")}
    assert {"CAG>TAG", "TGG>TAG", "TGG>TGA", "CGA>TGA", "CAA>TAA"} <= codons
    res = design_base_edit(g, knockout_gene="KOGENE", annotation=ann, offtarget=False)
    assert res.mode == "knockout" and res.designs
    for d in res.designs:
        assert any(c.kind in ("stop_gained", "splice_donor", "splice_acceptor")
                   for c in d.edit.consequences)
        # bystanders inside the knocked-out gene are not counted as harmful
        for b in d.bystanders:
            if all(c.gene == "KOGENE" for c in b.consequences):
                assert not b.harmful
    with pytest.raises(ParameterError):
        design_base_edit(g, knockout_gene="KOGENE")  # no annotation


def test_mito_knockout_uses_table2(mito: Genome) -> None:
    res = design_base_edit(mito, knockout_gene="MT-CO1", offtarget=False, max_designs=30)
    for e in res.edits:
        assert "CGA>TGA" not in e.reason  # TGA is Trp in mtDNA
    assert res.designs[0].edit.reason.startswith("stop_gained MT-CO1")


# --------------------------------------------------------------------------- outputs


def test_outputs_deterministic_and_offtarget(mito: Genome, tmp_path: Path) -> None:
    a = design_base_edit(mito, position=13513, to="A", max_designs=5)
    b = design_base_edit(mito, position=13513, to="A", max_designs=5)
    ja, jb = wv.to_json_text(a, genome=mito), wv.to_json_text(b, genome=mito)
    assert ja == jb
    doc = json.loads(ja)
    assert doc["provenance"]["genome"]["name"] == "builtin:hg38-chrM"
    assert doc["window_table"]["name"] == "mitoedit"
    assert doc["schema_version"] == 1 and doc["job"] == "base-edit"
    assert any(t["name"] == "tale_base_editors" for t in doc["provenance"]["parameter_tables"])
    d0 = a.designs[0]
    assert d0.offtarget.checked
    assert wv.to_tsv_text(a, mito) == wv.to_tsv_text(b, mito)
    txt = wv.design_text(d0, mito)
    assert "^" in txt and "top     5'-" in txt and "bottom  3'-" in txt
    html = wv.to_html_view(a, mito)
    assert 'class="tgt"' in html or "tgt" in html
    gff = wv.to_gff3_text(a)
    assert "role=target" in gff and gff.startswith("##gff-version 3")
    bed = wv.to_bed_text(a)
    assert len(bed.strip().splitlines()) == 1 + len(a.designs)


def test_user_window_table(mito: Genome, tmp_path: Path) -> None:
    p = tmp_path / "measured.tsv"
    p.write_text(
        "family\tsplit\torientation\tspacer_bp\tstrand\tposition\tcontext\tefficiency\n"
        "DdCBE\tG1333\t*\t14\tbottom\t8\ttC\t0.31\n"
    )
    res = design_base_edit(mito, position=13513, to="A", window_table=str(p),
                           offtarget=False)
    assert {d.editor.split for d in res.designs} == {"G1333"}
    assert all(d.efficiency == pytest.approx(0.31) and d.spacer_bp == 14 for d in res.designs)
    assert all(not d.bystanders for d in res.designs)


def test_cli_writes_outputs(tmp_path: Path) -> None:
    from taleforge.cli import main

    out = tmp_path / "r.tsv"
    argv = ["base-edit", "--genome", "builtin-mito", "--position", "13513", "--to", "A",
            "--top", "3", "--no-offtarget", "-o", str(out), "--json", str(tmp_path / "r.json"),
            "--html", str(tmp_path / "r.html"), "--view", str(tmp_path / "r.txt"),
            "--gff3", str(tmp_path / "r.gff3"), "--bed", str(tmp_path / "r.bed"),
            "--explain", "0"]
    try:
        main(argv)
    except SystemExit as exc:  # typer exits 0 on success
        assert exc.code in (0, None)
    for ext in ("tsv", "json", "html", "txt", "gff3", "bed"):
        assert (tmp_path / f"r.{ext}").stat().st_size > 0
    with pytest.raises(SystemExit) as ei:
        main(["base-edit", "--genome", "builtin-mito", "--position", "8344", "--to", "A"])
    assert ei.value.code == 2
    assert len(EDITORS) == 10


def test_nuclear_genome_offtargets_are_counted(mito: Genome) -> None:
    import random

    first = design_base_edit(mito, position=13513, to="A", max_designs=1)
    d = first.designs[0]
    pr = d.pair
    site = mito.fetch("chrM", pr.left.pos0, pr.right.pos0 + 1)
    left_fp = mito.fetch("chrM", pr.left.pos0, pr.left.bound.end)
    rnd = random.Random(11)

    def junk(n: int) -> str:
        return "".join(rnd.choice("ACGT") for _ in range(n))

    nuc = junk(3000) + left_fp + junk(3000) + site + junk(3000)
    ng = mem_genome({"chrN": nuc}, name="nuclear")
    res = design_base_edit(mito, position=13513, to="A", max_designs=200, nuclear_genome=ng)
    # the penalty for the nuclear copy may move this design down the ranking
    d2 = next(x for x in res.designs if x.design_id == d.design_id)
    ot = d2.offtarget
    assert ot.nuclear_checked
    assert ot.nuclear_halfsite_hits >= 3  # left alone, left and right of the pair copy
    assert ot.nuclear_pair_hits >= 1
    assert any(r.rule == "nuclear_offtarget" and r.score < 0 for r in d2.rules)
    assert res.provenance["nuclear_genome"]["name"] == "nuclear"


SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _hbb_chr11() -> tuple[Genome, Annotation]:
    """GRCh38 chr11 coordinates around HBB: N padding + the real HBB locus (U01317.1, which
    maps to chr11 as pos = 5227571 - (local - 1) on the minus strand), with the exact
    HBB exons/CDS of the shared annotation table."""
    from Bio import SeqIO

    fa = SHARED / "human-hbb" / "HBB_locus_U01317.1_GRCh38_chr11_5224964-5227571_minus.fa"
    if not fa.exists():
        pytest.skip(f"shared data not available: {fa}")
    loc = str(SeqIO.read(fa, "fasta").seq).upper()
    chr11 = "N" * 5224963 + reverse_complement(loc)

    def iv(a: int, b: int) -> Interval:  # local 1-based inclusive -> chr11 0-based
        return Interval("chr11", 5227571 - b, 5227571 - a + 1, "-")

    exons = tuple(sorted((iv(501, 642), iv(773, 995), iv(1846, 2108))))
    cds = tuple(sorted((iv(551, 642), iv(773, 995), iv(1846, 1974))))
    tx = Transcript("HBB-201", "ENSG00000244734", "HBB", "chr11", "-", exons, cds,
                    biotype="protein_coding")
    gene = Gene("ENSG00000244734", "HBB", "chr11", exons[0].start, exons[-1].end, "-",
                "protein_coding", (tx,))
    return mem_genome({"chr11": chr11}, name="hbb-chr11"), Annotation([gene], source="test")


@pytest.mark.shared
def test_hbb_sickle_variant_and_knockout() -> None:
    g, ann = _hbb_chr11()
    assert g.fetch("chr11", 5227001, 5227002) == "T"  # c.20A on the minus strand
    # the example: chr11:5227002:T>A (c.20A>T, p.Glu7Val) is a transversion
    with pytest.raises(NoResultError) as ei:
        design_base_edit(g, variant="chr11:5227002:T>A", annotation=ann, offtarget=False)
    assert str(ei.value).count("wrong substitution") == 2  # both editor groups explained
    res = design_base_edit(g, variant="chr11:5227002:T>C", annotation=ann, offtarget=False)
    assert res.designs and all(d.editor.family == "TALED" for d in res.designs)
    assert "p.Glu7Gly" in res.edits[0].consequences[0].hgvs_p
    ko = design_base_edit(g, knockout_gene="HBB", annotation=ann, offtarget=False,
                          max_designs=10)
    assert ko.designs
    top = ko.designs[0]
    assert top.edit.reason.startswith(("stop_gained HBB", "splice_"))
    # every candidate stop uses the standard code (CGA>TGA is a stop here)
    assert any("CGA>TGA" in e.reason or "CAG>TAG" in e.reason or "TGG>T" in e.reason
               for e in ko.candidate_edits)


# --------------------------------------------------------------------------- issue 10: honest
# off-target editing, ranking tiers, numbers and warnings


class _Over:
    """RANKING with some values replaced (small off-target rounds for fast tests)."""

    def __init__(self, base: object, **kw: object) -> None:
        self.base, self.kw = base, kw

    def __getitem__(self, k: str) -> object:
        return self.kw[k] if k in self.kw else self.base[k]  # type: ignore[index]


def _small_rounds(monkeypatch: pytest.MonkeyPatch, step: int, budget: int) -> None:
    import taleforge.design.base_edit.job as job_mod

    monkeypatch.setattr(job_mod, "RANKING", _Over(job_mod.RANKING, offtarget_max_designs=step,
                                                  offtarget_budget=budget))


def _junk(n: int, seed: int) -> str:
    import random

    rnd = random.Random(seed)
    return "".join(rnd.choice("ACGT") for _ in range(n))


def _dup_genome(other_contig: bool) -> tuple[Genome, int, int, str]:
    """A planted duplicate of a 200-bp target region (same contig or another one): returns
    the genome, the 0-based target C, its copy and the copy's contig."""
    region = _junk(99, 5) + "TC" + _junk(99, 6)
    a, b = _junk(1500, 1), _junk(1500, 2)
    if other_contig:
        g = mem_genome({"c": a + region + b, "d": _junk(800, 3) + region + _junk(800, 4)})
        return g, 1500 + 100, 800 + 100, "d"
    g = mem_genome({"c": a + region + b + region + _junk(900, 3)})
    return g, 1500 + 100, 1500 + 200 + 1500 + 100, "c"


@pytest.mark.parametrize("other_contig", [False, True])
def test_planted_duplicate_flags_offtarget_editing_with_the_bases(
        other_contig: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    _small_rounds(monkeypatch, 10, 200)  # rounds of 10 until all 83 candidates are checked
    g, pos, copy, ccontig = _dup_genome(other_contig)
    res = design_base_edit(g, position=pos + 1, to="T", contig="c",
                           editors=["DdCBE-G1333-NL"], max_designs=5)
    assert res.designs
    # every checked design has the duplicate as a passing pair: none is clean, the check
    # grew in rounds up to the budget, and the run says so once
    assert res.n_candidates < 200
    assert all(d.offtarget.status == "off-target pair" for d in res.designs)
    assert any("grew in rounds of 10" in n for n in res.notes)
    codes = [w.code for w in res.warnings]
    assert codes.count("no-clean-design") == 1
    d = res.designs[0]
    pairs = [e for e in d.offtarget.edits if e.kind == "pair"]
    assert pairs and pairs[0].contig == ccontig and pairs[0].mismatches == (0, 0)
    assert pairs[0].orientation == "L/R" and pairs[0].spacer == d.spacer_bp
    # the bases that would change at the copy = the target and bystanders, shifted
    shift = copy - pos
    want = {f"{ccontig}:{pos + shift + 1}C>T"} | {
        f"{ccontig}:{b.pos + shift + 1}{b.ref}>{b.alt}" for b in d.bystanders}
    got = {x.split("(")[0] for x in pairs[0].bases}
    assert got == want
    # strong half-sites: the copies of both TALEs (0 mismatches), each with its window
    halves = [e for e in d.offtarget.edits if e.kind == "halfsite"]
    assert d.offtarget.strong_halfsites >= 2 and {e.mismatches for e in halves} == {(0,)}
    w = next(x for x in res.warnings if x.code == "offtarget-editing" and x.design == d.design_id)
    assert w.severity == "warning" and "no double-strand break" in w.message
    assert w.details is not None and w.details["sites"][0]["kind"] == "pair"
    assert "deamination" in w.details["consequence"]
    row = wv.design_row(d)
    assert row["offtarget_status"] == "off-target pair"
    assert f"pair L/R {ccontig}:" in row["offtarget_editing"]
    doc = json.loads(wv.to_json_text(res, genome=g))
    assert any(x["code"] == "offtarget-editing" for x in doc["warnings"])
    assert doc["designs"][0]["offtarget"]["offtarget_editing"][0]["bases"]
    # no NUMT warning off mtDNA
    assert "numt-not-checked" not in codes


def test_strong_single_halfsite_is_flagged(mito: Genome, monkeypatch: pytest.MonkeyPatch) -> None:
    _small_rounds(monkeypatch, 4, 4)
    first = design_base_edit(mito, position=13513, to="A", max_designs=1,
                             editors=["DdCBE-G1333-NL"])
    d = first.designs[0]
    pr = d.pair
    left_fp = mito.fetch("chrM", pr.left.pos0, pr.left.bound.end)  # T + left half-site
    tail = "AATCACTTCAGTCCAGTTCAGG"  # spacer side: 5'-TC at known offsets
    nuc = _junk(2000, 8) + left_fp + tail + _junk(2000, 9)
    ng = mem_genome({"chrN": nuc}, name="nuclear")
    res = design_base_edit(mito, position=13513, to="A", max_designs=1,
                           editors=["DdCBE-G1333-NL"], nuclear_genome=ng)
    d2 = res.designs[0]
    assert d2.design_id == d.design_id  # a single half-site does not change the tier
    assert d2.offtarget.status == "clean" and d2.offtarget.nuclear_strong_halfsites == 1
    (h,) = [e for e in d2.offtarget.edits if e.genome == "nuclear"]
    start = 2000 + 1  # bound bases start after position 0 (1-based)
    assert (h.kind, h.contig, h.start, h.end, h.orientation) == (
        "halfsite", "chrN", start + 1, start + len(left_fp) - 1, "L+")
    # every base listed is a 5'-TC C (top strand) or a 5'-GA G (its bottom-strand TC) in the
    # 14-18 bp spacer side of the TALE
    end = 2000 + len(left_fp)
    for b in h.bases:
        p1 = int(b.split(":")[1].split("C>T")[0].split("G>A")[0])
        assert end < p1 <= end + 18
        if "C>T" in b:
            assert nuc[p1 - 2: p1] == "TC"
        else:
            assert nuc[p1 - 1: p1 + 1] == "GA"
    assert any(b.startswith(f"chrN:{end + 4}C>T(top,tC)") for b in h.bases)  # "AATC": C4
    codes = {w.code for w in res.warnings}
    assert "offtarget-editing" in codes and "numt-not-checked" not in codes


def test_ranking_tiers_and_top_does_not_change_the_order(
        mito: Genome, monkeypatch: pytest.MonkeyPatch) -> None:
    _small_rounds(monkeypatch, 6, 6)
    kw = dict(position=13513, to="A", editors=["DdCBE-G1333"])
    small = design_base_edit(mito, max_designs=2, **kw)
    big = design_base_edit(mito, max_designs=25, **kw)
    assert [d.design_id for d in small.designs] == [d.design_id for d in big.designs[:2]]
    tiers = {"clean": 0, "not checked": 1, "off-target pair": 2}
    ts = [tiers[d.offtarget.status] for d in big.designs]
    assert ts == sorted(ts) and 0 in ts and 1 in ts
    unchecked = [d for d in big.designs if not d.offtarget.checked]
    assert all(r.passed is False for d in unchecked for r in d.rules if r.rule == "offtarget")
    assert wv.design_row(unchecked[0])["offtarget_status"] == "not checked"
    nc = next(w for w in big.warnings if w.code == "not-checked")
    assert nc.details is not None and len(nc.details["designs"]) == len(unchecked)


def test_knockout_gives_one_design_per_edit_first(mito: Genome) -> None:
    g, ann = _ko_genome()
    res = design_base_edit(g, knockout_gene="KOGENE", annotation=ann, offtarget=False,
                           max_designs=40)
    labels = [d.edit.label for d in res.designs]
    n = len(set(labels))
    assert n > 1 and len(set(labels[:n])) == n
    # on the rCRS: the top five are five different stop codons / splice kills of MT-ND4
    mt = design_base_edit(mito, knockout_gene="MT-ND4", offtarget=False, max_designs=5,
                          editors=["DdCBE-G1333-NL", "DdCBE-G1397-NL"])
    assert len({d.edit.label for d in mt.designs}) == 5
    assert all(d.edit.reason.startswith("stop_gained MT-ND4") for d in mt.designs)


def test_numbers_are_relative_unless_a_measured_table(mito: Genome, tmp_path: Path) -> None:
    res = design_base_edit(mito, position=13513, to="A", offtarget=False, max_designs=3)
    assert not res.calibrated
    w = next(x for x in res.warnings if x.code == "uncalibrated")
    assert w.severity == "warning" and "not probabilities" in w.message
    tsv = wv.to_tsv_text(res, mito)
    header = next(ln for ln in tsv.splitlines() if not ln.startswith("#")).split("\t")
    assert {"efficiency_rel[U]", "clean_score_rel[U]", "score[U]"} <= set(header)
    assert "p_clean" not in header and "efficiency" not in header
    assert "relative efficiency" in res.designs[0].explain()
    doc = json.loads(wv.to_json_text(res, genome=mito))
    assert doc["window_table"]["calibrated"] is False
    assert doc["designs"][0]["numbers"] == "relative [U]"
    # the dumped built-in table loaded back is still placeholders
    dumped = tmp_path / "dump.tsv"
    dumped.write_text(res.window_table.to_tsv())
    from taleforge.model.editors import load_window_table

    assert not load_window_table(str(dumped)).calibrated
    # a measured table: probabilities
    p = tmp_path / "measured.tsv"
    p.write_text("family\tsplit\torientation\tspacer_bp\tstrand\tposition\tcontext\tefficiency\n"
                 "DdCBE\tG1333\t*\t14\tbottom\t8\ttC\t0.31\n")
    m = design_base_edit(mito, position=13513, to="A", window_table=str(p), offtarget=False)
    assert m.calibrated and m.designs[0].calibrated
    header = next(ln for ln in wv.to_tsv_text(m, mito).splitlines()
                  if not ln.startswith("#")).split("\t")
    assert "p_clean" in header and "efficiency" in header and "score[U]" in header
    wm = next(x for x in m.warnings if x.code == "uncalibrated")
    assert wm.severity == "note"
    assert "probability" in m.designs[0].explain()


def test_mtdna_and_unscanned_jobs_warn(mito: Genome, capsys: pytest.CaptureFixture[str],
                                       tmp_path: Path) -> None:
    res = design_base_edit(mito, position=13513, to="A", offtarget=False, max_designs=2)
    codes = [w.code for w in res.warnings]
    assert {"numt-not-checked", "no-genome-scanned", "not-checked", "uncalibrated"} <= set(codes)
    assert all(w.code in __import__("taleforge.design.result", fromlist=["x"]).WARNING_KINDS
               for w in res.typed_warnings())
    from taleforge.cli import main

    try:
        main(["base-edit", "--genome", "builtin-mito", "--position", "13513", "--to", "A",
              "--top", "2", "--no-offtarget", "--explain", "0",
              "--json", str(tmp_path / "r.json"), "-o", str(tmp_path / "r.tsv")])
    except SystemExit as exc:
        assert exc.code in (0, None)
    err = capsys.readouterr().err
    assert "WARNING (numt-not-checked)" in err and "WARNING (no-genome-scanned)" in err
    doc = json.loads((tmp_path / "r.json").read_text())
    assert {"numt-not-checked", "no-genome-scanned"} <= {w["code"] for w in doc["warnings"]}
    assert "# warning (numt-not-checked)" in (tmp_path / "r.tsv").read_text()


@pytest.mark.shared
def test_ecoli_tufa_base_edits_flag_deamination_at_tufb(monkeypatch: pytest.MonkeyPatch) -> None:
    """tufA and tufB (E. coli K-12) are near-identical copies in opposite orientation: a
    tufA base editor also pairs (R/L, 0/0 mismatches) at tufB, where the mirrored target C
    would be deaminated; reported as off-target editing with that base, not as a cut."""
    from taleforge.genome.annotation import load_annotation
    from tests.conftest import shared

    _small_rounds(monkeypatch, 10, 10)
    g = open_genome(shared("ecoli", "GCF_000005845.2_ASM584v2_genomic.fna.gz"))
    ann = load_annotation(shared("ecoli", "GCF_000005845.2_ASM584v2_genomic.gff.gz"))
    res = design_base_edit(g, knockout_gene="tufA", annotation=ann, max_designs=5,
                           editors=["DdCBE-G1333-NL"], knockout_max_edits=3)
    at_tufb = n_same = 0
    for d in res.designs:
        for e in d.offtarget.edits:
            if not (e.kind == "pair" and e.orientation == "R/L" and e.mismatches == (0, 0)
                    and e.nearest_gene.startswith("tufB")):
                continue
            at_tufb += 1
            pr = d.pair
            # mirror of the target through the copy: tufA bound span <-> tufB span reversed
            mirror = (e.end - 1) - (d.edit.pos - pr.left.bound.start)
            ref, alt = COMP[d.edit.ref], COMP[d.edit.alt]
            hit = any(b.startswith(f"{e.contig}:{mirror + 1}{ref}>{alt}(") for b in e.bases)
            same = g.fetch(pr.contig, pr.left.bound.start, pr.right.bound.end) == \
                reverse_complement(g.fetch(e.contig, e.start - 1, e.end))
            # an identical copy edits the mirrored target; where the copies differ in the
            # spacer (tufA ...CTGAG... vs tufB ...CTGCG...) the context may not be 5'-TC
            if same:
                assert hit
                n_same += 1
        assert d.offtarget.status == "off-target pair"
    assert at_tufb >= 3 and n_same >= 2
    codes = [w.code for w in res.warnings]
    assert codes.count("offtarget-editing") == len(res.designs)
    assert "no-clean-design" in codes and "numt-not-checked" not in codes
    w = res.warnings[0]
    assert w.details is not None and "no deletion" in w.details["consequence"]


def test_offtarget_breakdown_by_class(monkeypatch: pytest.MonkeyPatch) -> None:
    """Per design: pairs and half-sites by mismatches with counts and the closest pair with
    its location (the planted copy), in the JSON, not one summed number."""
    _small_rounds(monkeypatch, 5, 5)
    g, pos, copy, ccontig = _dup_genome(True)
    res = design_base_edit(g, position=pos + 1, to="T", contig="c",
                           editors=["DdCBE-G1333-NL"], max_designs=2)
    d = res.designs[0]
    bd = d.offtarget.breakdown
    assert bd is not None and bd["n_pairs"] == d.offtarget.pair_hits >= 1
    assert bd["pairs_by_mismatches"][0] == {"mismatches": 0, "count": 1}
    cp = bd["closest_pair"]
    assert cp["contig"] == ccontig and cp["start"] <= copy + 1 <= cp["end"]
    assert "consequence" not in cp  # no DSB: no deletion/translocation consequence
    doc = json.loads(wv.to_json_text(res, genome=g))
    assert doc["designs"][0]["offtarget"]["breakdown"]["n_pairs"] == bd["n_pairs"]

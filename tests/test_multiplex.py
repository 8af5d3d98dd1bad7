"""Multiplex sets (issue 12): planted cross pairs and the ELD-KKR rule, junction sequences and
their primers, the joint choice avoiding a planted conflict, knock-in donors checked against
the set, bad input. Small synthetic genomes with planted sites; the numpy reference backend
(no compile wait)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from taleforge.design.cargo import cargo_from_sequence
from taleforge.design.knockout import KnockoutParams
from taleforge.design.multiplex import (
    LocusSpec,
    MultiplexParams,
    MultiplexResult,
    design_multiplex,
    pair_locus,
)
from taleforge.errors import InputError, ParameterError
from taleforge.genome.index import open_genome
from taleforge.io import multiplex_out as mo
from taleforge.model.interval import reverse_complement as rc
from taleforge.model.rvd import rvds_for_sequence
from tests.test_cli_errors import assert_clean_error, run

SP = 15  # planted spacers (tale-nt: 15-30 bp)


def _rand(rng: np.random.Generator, n: int) -> str:
    return "".join(rng.choice(list("ACGT"), n))


def _site(up: str, down: str, spacer: str) -> str:
    """Top strand of a tail-to-tail pair: T + upstream site + spacer + rc(downstream) + A."""
    return "T" + up + spacer + rc(down) + "A"


def _plant(seq: str, pos: int, s: str) -> str:
    return seq[:pos] + s + seq[pos + len(s):]


def _rvds(s: str) -> str:
    return " ".join(rvds_for_sequence(s))


def _write(tmp: Path, seqs: dict[str, str], name: str = "g.fa") -> Path:
    p = tmp / name
    p.write_text("".join(f">{k}\n{v}\n" for k, v in seqs.items()))
    return p


def _fixed(name: str, left: str, right: str) -> LocusSpec:
    return pair_locus(f"{name}={_rvds(left)}/{_rvds(right)}")


QUICK = dict(candidates=3, check_primers=False)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Pair A on chrA, pair B on chrB; on chrC an A-left/B-right heterodimer site and an
    A-left/B-left homodimer site."""
    rng = np.random.default_rng(12)
    la, ra, lb, rb = (_rand(rng, 18) for _ in range(4))
    a = _plant(_rand(rng, 3000), 1500, _site(la, ra, _rand(rng, SP)))
    b = _plant(_rand(rng, 3000), 1200, _site(lb, rb, _rand(rng, SP)))
    c = _plant(_rand(rng, 3000), 700, _site(la, rb, _rand(rng, 17)))
    c = _plant(c, 2000, _site(la, lb, _rand(rng, 16)))
    tmp = tmp_path_factory.mktemp("mx_planted")
    fa = _write(tmp, {"chrA": a, "chrB": b, "chrC": c})
    return {"fa": fa, "seqs": {"chrA": a, "chrB": b, "chrC": c},
            "A": _fixed("A", la, ra), "B": _fixed("B", lb, rb), "la": la, "lb": lb, "rb": rb}


def _run(planted: dict[str, object], **kw: object) -> MultiplexResult:
    p = MultiplexParams(**{**QUICK, **kw})  # type: ignore[arg-type]
    g = open_genome(planted["fa"])  # type: ignore[arg-type]
    return design_multiplex([planted["A"], planted["B"]], p, genome=g,  # type: ignore[list-item]
                            backend="reference")


def test_planted_cross_pair_reported_and_eld_kkr_blocks_homodimer(planted: dict[str, object]) -> None:
    wt = _run(planted, fok1="wt")
    cross = {(c.up, c.down, c.contig, c.up_start): c for c in wt.cross_pairs if c.kind == "cross"}
    het = cross[("A-L", "B-R", "chrC", 701)]  # 0-based start of the bound bases
    assert (het.down_start, het.spacer_bp, het.total_mismatches) == (701 + 18 + 17, 17, 0)
    assert het.fok1_active and het.expected_cut and het.cut == 701 + 18 + 8
    homo = cross[("A-L", "B-L", "chrC", 2001)]
    assert homo.fok1_active and homo.total_mismatches == 0
    assert wt.chosen.n_close == 2 and not wt.chosen.passes
    # the matrix counts them on both sides
    names, cells = wt.matrix()
    assert cells[names.index("A-L")][names.index("B-R")][0] == 1
    assert cells[names.index("B-L")][names.index("A-L")][0] == 1
    assert "1 (0 mm)" in mo.matrix_tsv(wt)

    eld = _run(planted, fok1="ELD-KKR")
    t = {x.name: x.fok1 for x in eld.tales}
    assert t == {"A-L": "ELD", "A-R": "KKR", "B-L": "ELD", "B-R": "KKR"}
    e = {(c.up, c.down, c.up_start): c for c in eld.cross_pairs}
    assert not e[("A-L", "B-L", 2001)].fok1_active  # ELD with ELD: no longer a risk
    assert not e[("A-L", "B-L", 2001)].expected_cut
    assert e[("A-L", "B-R", 701)].fok1_active  # ELD with KKR: still a risk
    assert eld.chosen.n_close == 1 and eld.chosen.n_blocked == 1
    names, cells = eld.matrix()
    assert mo.cell_text(cells[names.index("A-L")][names.index("B-L")]) == "blocked 1"


def test_eld_kkr_assignment_swaps_to_remove_risk(tmp_path: Path) -> None:
    """Only an A-left/B-right site: the standard assignment makes it ELD/KKR (a risk);
    swapping B (KKR left, ELD right) makes it ELD/ELD, so that assignment is chosen."""
    rng = np.random.default_rng(3)
    la, ra, lb, rb = (_rand(rng, 18) for _ in range(4))
    a = _plant(_rand(rng, 2500), 1000, _site(la, ra, _rand(rng, SP)))
    b = _plant(_rand(rng, 2500), 1000, _site(lb, rb, _rand(rng, SP)))
    c = _plant(_rand(rng, 2500), 500, _site(la, rb, _rand(rng, 16)))
    g = open_genome(_write(tmp_path, {"chrA": a, "chrB": b, "chrC": c}))
    res = design_multiplex([_fixed("A", la, ra), _fixed("B", lb, rb)],
                           MultiplexParams(fok1="eld-kkr", **QUICK),  # type: ignore[arg-type]
                           genome=g, backend="reference")
    assert res.chosen.swapped == (False, True)
    t = {x.name: x.fok1 for x in res.tales}
    assert (t["A-L"], t["B-R"]) == ("ELD", "ELD")
    assert res.chosen.n_close == 0 and res.chosen.n_blocked == 1 and res.chosen.passes


def _check_primers_flank(j_seq: str, brk: int, pp: object) -> None:
    fwd, rev = pp.left_seq, pp.right_seq  # type: ignore[attr-defined]
    s, e = pp.left_start, pp.right_end  # type: ignore[attr-defined]
    assert j_seq[s : s + len(fwd)] == fwd
    assert rc(j_seq[e - len(rev) : e]) == rev
    assert s + len(fwd) <= brk - 30 and e - len(rev) >= brk + 30  # one per side, >= 30 bp
    assert 100 <= e - s <= 250


def test_junctions_two_contigs_equal_genome_pieces(planted: dict[str, object]) -> None:
    res = _run(planted, check_primers=True)
    s = planted["seqs"]
    (ca, cb) = res.cuts
    assert (ca.contig, cb.contig) == ("chrA", "chrB")
    p, q = ca.pos, cb.pos
    A, B = s["chrA"], s["chrB"]  # type: ignore[index]
    want = {
        "translocation": {A[p - 300 : p] + B[q : q + 300], B[q - 300 : q] + A[p : p + 300]},
        "inverted-translocation": {A[p - 300 : p] + rc(B[q - 300 : q]),
                                   rc(B[q : q + 300]) + A[p : p + 300]},
    }
    got: dict[str, set[str]] = {}
    for j in res.junctions:
        got.setdefault(j.kind, set()).add(j.seq)
        assert j.break_at == 300
        assert j.assay.primers is not None, j.assay.note
        _check_primers_flank(j.seq, j.break_at, j.assay.primers)
        assert j.assay.unique is True
        fl, rl = mo.primer_loci(j)  # type: ignore[misc]
        gseq = s[fl[0]][fl[1] : fl[2]]  # type: ignore[index]
        assert (gseq if fl[3] == "+" else rc(gseq)) == j.assay.primers.left_seq
        gseq = s[rl[0]][rl[1] : rl[2]]  # type: ignore[index]
        assert (gseq if rl[3] == "+" else rc(gseq)) == j.assay.primers.right_seq
    assert got == want
    # cut = spacer centre of the on-target, wild-type amplicons span each cut
    assert p == 1500 + 1 + 18 + SP // 2
    for a, c in zip(res.wild_type, res.cuts, strict=True):
        assert a.primers is not None
        _check_primers_flank(a.template, 300, a.primers)
        assert a.template == s[c.contig][c.pos - 300 : c.pos + 300]  # type: ignore[index]
    fa = mo.junctions_fasta(res)
    assert fa.count(">") == 2 * (len(res.junctions) + len(res.wild_type))


@pytest.mark.parametrize("flip", [False, True])
def test_junctions_same_contig_deletion_and_inversions(tmp_path: Path, flip: bool) -> None:
    """Two pairs on one contig (the genome also reverse-complemented: the pairs' strands and
    the cut order swap); deletion and inversion junctions equal the pieces joined."""
    rng = np.random.default_rng(21)
    la, ra, lb, rb = (_rand(rng, 17) for _ in range(4))
    seq = _plant(_rand(rng, 5000), 800, _site(la, ra, _rand(rng, SP)))
    seq = _plant(seq, 3600, _site(lb, rb, _rand(rng, 19)))
    if flip:
        seq = rc(seq)
    g = open_genome(_write(tmp_path, {"chr1": seq}))
    res = design_multiplex([_fixed("A", la, ra), _fixed("B", lb, rb)],
                           MultiplexParams(**QUICK),  # type: ignore[arg-type]
                           genome=g, backend="reference")
    p, q = sorted(c.pos for c in res.cuts)
    assert [c.pos for c in res.cuts] == [p, q]
    want = {
        "deletion": seq[p - 300 : p] + seq[q : q + 300],
        "inversion": {seq[p - 300 : p] + rc(seq[q - 300 : q]), rc(seq[p : p + 300]) + seq[q : q + 300]},
    }
    kinds = sorted(j.kind for j in res.junctions)
    assert kinds == ["deletion", "inversion", "inversion"]
    for j in res.junctions:
        assert j.excised_bp == q - p
        if j.kind == "deletion":
            assert j.seq == want["deletion"]
        else:
            assert j.seq in want["inversion"]
        assert j.assay.primers is not None
        _check_primers_flank(j.seq, j.break_at, j.assay.primers)
    assert {j.seq for j in res.junctions if j.kind == "inversion"} == want["inversion"]
    assert any(f"{q - p:,}-bp deletion" in w for w in res.warnings)


GTF = 'gene_id "{g}"; transcript_id "{g}.1"; gene_name "{g}";'


def _gene_genome(tmp: Path, extra: str = "", seed: int = 5) -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    seqs = {"chrA": _rand(rng, 7000), "chrB": _rand(rng, 7000), "chrC": _rand(rng, 4000)}
    if extra:
        seqs["chrC"] = _plant(seqs["chrC"], 1500, extra)
    fa = _write(tmp, seqs)
    rows = []
    for gname, c, s, e in (("GENEA", "chrA", 3001, 3500), ("GENEB", "chrB", 3001, 3500)):
        for feat in ("gene", "transcript", "exon", "CDS"):
            rows.append(f"{c}\tt\t{feat}\t{s}\t{e}\t.\t+\t.\t" + GTF.format(g=gname))
    gtf = tmp / "a.gtf"
    gtf.write_text("\n".join(rows) + "\n")
    return fa, gtf


def test_joint_choice_avoids_planted_conflict(tmp_path: Path) -> None:
    kp = KnockoutParams(specificity=False)
    params = MultiplexParams(candidates=4, knockout=kp, check_primers=False)
    (tmp_path / "a").mkdir()
    fa, gtf = _gene_genome(tmp_path / "a")
    before = design_multiplex(["GENEA", "GENEB"], params, genome=open_genome(fa),
                              annotation=gtf, backend="reference")
    assert before.chosen.picks == (0, 0) and before.chosen.passes
    a1, b1 = before.designs
    assert a1.pair is not None and b1.pair is not None
    conflict = _site(a1.pair.left.seq, b1.pair.right.seq, "ACGTACGTACGTACGTA")
    (tmp_path / "b").mkdir()
    fa2, gtf2 = _gene_genome(tmp_path / "b", extra=conflict)
    after = design_multiplex(["GENEA", "GENEB"], params, genome=open_genome(fa2),
                             annotation=gtf2, backend="reference")
    # same per-locus candidates, but the best pair of each cross-talks: another design is used
    assert [c.pair.pair_id() for c in after.candidates[0]] == [  # type: ignore[union-attr]
        c.pair.pair_id() for c in before.candidates[0]]  # type: ignore[union-attr]
    assert after.chosen.picks != (0, 0)
    assert 0 in after.chosen.picks  # only one of them is changed
    assert after.chosen.passes and after.chosen.n_cross == 0
    worst = [s for s in after.runners_up if s.picks == (0, 0)]
    assert not worst or not worst[0].passes
    ct = next(r for r in after.chosen.rules if r.rule == "cross_talk")
    assert ct.passed and "0 cross pairs" in ct.reason


def test_knockin_donor_checked_against_the_set(planted: dict[str, object]) -> None:
    rng = np.random.default_rng(8)
    clean = cargo_from_sequence(_rand(rng, 600), "cargo1")
    res = _run(planted, knockin=(("A", clean),))
    (k,) = res.knockins
    assert k.clean and k.locus == "A"
    s = planted["seqs"]["chrA"]  # type: ignore[index]
    assert k.donor == s[k.insertion - 500 : k.insertion] + clean.seq + s[k.insertion : k.insertion + 500]
    own = [h for h in k.half_sites if h.expected]
    assert {(h.tale, h.region) for h in own} == {("A-L", "left arm"), ("A-R", "right arm")}
    assert {nm for nm, _pp, _t in k.junction_primers} == {"5' junction", "3' junction"}
    # a cargo carrying a B pair site is cut by the set
    dirty = cargo_from_sequence(_rand(rng, 200) + _site(planted["lb"], planted["rb"], "ACGTACGTACGTACGTA")  # type: ignore[arg-type]
                                + _rand(rng, 200), "cargo2")
    res2 = _run(planted, knockin=(("A", dirty),))
    (k2,) = res2.knockins
    assert not k2.clean and ("B-L", "B-R") in {(u, d) for u, d, *_ in k2.pairs}
    assert any("knock-in donor at A is cut" in w for w in res2.warnings)


def test_outputs_written_to_a_folder_and_deterministic(planted: dict[str, object],
                                                       tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    a, b = planted["A"], planted["B"]
    args = ["multiplex", "--pair", f"A={' '.join(a.left_rvds)}/{' '.join(a.right_rvds)}",  # type: ignore[attr-defined]
            "--pair", f"B={' '.join(b.left_rvds)}/{' '.join(b.right_rvds)}",  # type: ignore[attr-defined]
            "--genome", str(planted["fa"]), "--fok1", "eld-kkr", "--no-primer-check"]
    out = tmp_path / "set"
    with pytest.raises(SystemExit) as exc:
        from taleforge.cli import main

        main([*args, "--out", str(out)])
    assert exc.value.code in (0, None)
    capsys.readouterr()
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted([*mo.FILES.values(), "designs.tsv"])
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    code, _, err = run([*args, "--out", str(out)], capsys)
    assert_clean_error(code, err, "exists", "--force")
    with pytest.raises(SystemExit):
        from taleforge.cli import main

        main([*args, "--out", str(out), "--force"])
    second = {p.name: p.read_bytes() for p in out.iterdir()}
    import json

    j1, j2 = (json.loads(d["multiplex.json"]) for d in (first, second))
    for j in (j1, j2):
        j["provenance"]["command"] = None
        j.pop("timings_s")
    assert j1 == j2
    assert {k: v for k, v in first.items() if k != "multiplex.json"} == {
        k: v for k, v in second.items() if k != "multiplex.json"}
    assert j1["job"] == "multiplex" and j1["provenance"]["genome"]["sha256"]
    bed = first["multiplex.bed"].decode()
    assert "A-L/B-R_0mm" in bed and "A-L/B-L_0mm_blocked" in bed


def test_bad_input_one_line_errors(planted: dict[str, object], tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    a = planted["A"]
    good = f"A={' '.join(a.left_rvds)}/{' '.join(a.right_rvds)}"  # type: ignore[attr-defined]
    fa = str(planted["fa"])
    cases = [
        (["--pair", good, "--pair", good.replace("A=", "a=", 1)], ("given twice",)),
        (["--gene", "TRAC", "--gene", "trac"], ("TRAC", "twice")),
        ([x for i in range(9) for x in ("--pair", f"P{i}=NG NG NG NG NG NG NG NG NG/HD HD HD HD HD HD HD HD {'NI ' * i}HD")],
         ("9 loci", "at most 8")),
        (["--pair", "A=NG NN XX NG NG NG NG NG NG/HD HD HD HD HD HD HD HD HD"],
         ("--pair A", "invalid RVD 'XX'")),
        (["--pair", "A=NG NN NG"], ("NAME=LEFT/RIGHT",)),
        (["--pair", good, "--knockin", f"TRAC={tmp_path / 'x.gb'}"], ("--knockin", "TRAC", "not in the set")),
        (["--pair", good, "--fok1", "ELD-XYZ"], ("FokI",)),
    ]
    for extra, needles in cases:
        out = tmp_path / "o"
        code, _, err = run(["multiplex", *extra, "--genome", fa, "--out", str(out)], capsys)
        assert_clean_error(code, err, *needles)
        assert not out.exists()
    with pytest.raises(InputError, match="twice"):
        design_multiplex(["G1", "g1"], genome=open_genome(fa))
    with pytest.raises(ParameterError, match="at most"):
        design_multiplex([f"G{i}" for i in range(9)], genome=open_genome(fa))


def test_design_json_locus_mixed_with_a_gene(tmp_path: Path) -> None:
    """--design FILE.json:RANK takes the arrays and position of an earlier knockout design."""
    from taleforge.design.knockout import design_knockout
    from taleforge.design.multiplex import design_locus
    from taleforge.io.knockout_out import to_json_text

    fa, gtf = _gene_genome(tmp_path)
    g = open_genome(fa)
    ko = design_knockout("GENEB", KnockoutParams(specificity=False, top=3), genome=g,
                         annotation=gtf)
    js = tmp_path / "b.json"
    js.write_text(to_json_text(ko))
    loc = design_locus(f"{js}:2")
    assert (loc.name, loc.kind) == ("GENEB", "design")
    res = design_multiplex(["GENEA", loc],
                           MultiplexParams(candidates=2, check_primers=False,
                                           knockout=KnockoutParams(specificity=False)),
                           genome=g, annotation=gtf, backend="reference")
    assert res.designs[1].pair == ko.designs[1].pair
    assert [c.name for c in res.cuts] == ["GENEA", "GENEB"]


def test_terminal_summary_renders(planted: dict[str, object],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from rich.console import Console

    from taleforge.cli import common
    from taleforge.cli import multiplex as cli_mx

    buf = io.StringIO()
    con = Console(file=buf, force_terminal=True, width=160, color_system=None)
    monkeypatch.setattr(cli_mx, "out_console", con)
    monkeypatch.setattr(common, "out_console", con)
    cli_mx._summary(_run(planted, fok1="eld-kkr"))
    text = buf.getvalue()
    assert "blocked 1" in text and "1 (0 mm)" in text and "wild-type" in text


def test_junctions_all_adds_cross_pair_cuts(planted: dict[str, object]) -> None:
    res = _run(planted, fok1="eld-kkr", junctions="all")
    kinds = [(c.kind, c.contig) for c in res.cuts]
    # the ELD/KKR cross pair on chrC cuts; the blocked ELD/ELD homodimer does not
    assert kinds == [("on-target", "chrA"), ("on-target", "chrB"), ("cross-pair", "chrC")]
    assert res.cuts[2].pos == 701 + 18 + 8
    assert len(res.junctions) == 3 * 4 and len(res.wild_type) == 3
    assert any("--junctions all" in n for n in res.notes)


def test_per_design_specificity_from_the_shared_pass_equals_the_service(tmp_path: Path) -> None:
    """Gene loci get their specificity terms from the set's one search; they equal what the
    specificity service computes for the same pairs (planted off-target sites included)."""
    from taleforge.design.specificity import specificity_for_pairs

    (tmp_path / "a").mkdir()
    fa0, gtf0 = _gene_genome(tmp_path / "a")
    first = design_multiplex(["GENEA", "GENEB"], MultiplexParams(
        candidates=3, check_primers=False, knockout=KnockoutParams(specificity=False)),
        genome=open_genome(fa0), annotation=gtf0, backend="reference")
    a1, b1 = first.designs
    assert a1.pair is not None and b1.pair is not None
    # plant a 1-mm copy of A#1's left site and a pair of B#1 with a 2-mm right site
    lmm = ("C" if a1.pair.left.seq[5] != "C" else "G").join((a1.pair.left.seq[:5], a1.pair.left.seq[6:]))
    r = b1.pair.right.seq
    rmm = r[:3] + ("A" if r[3] != "A" else "T") + r[4:9] + ("A" if r[9] != "A" else "T") + r[10:]
    extra = "T" + lmm + "ACGTACGTACGTACGTA" + _site(b1.pair.left.seq, rmm, "ACGTACGTACGTACGTAC")
    (tmp_path / "b").mkdir()
    fa, gtf = _gene_genome(tmp_path / "b", extra=extra)
    g = open_genome(fa)
    res = design_multiplex(["GENEA", "GENEB"], MultiplexParams(candidates=3, check_primers=False),
                           genome=g, annotation=gtf, backend="reference")
    cands = [c for cl in res.candidates for c in cl]
    svc = specificity_for_pairs(g, [c.pair for c in cands], scaffold="tale-nt",  # type: ignore[misc]
                                backend="reference")
    for c, s in zip(cands, svc, strict=True):
        want = {e.rule: round(e.score, 9) for e in s.rule_evals()}
        got = {e.rule: round(e.score, 9) for e in c.spec_rules}
        assert got == want, c.label
        assert c.design is not None
        assert c.score == round(c.design.score + sum(want.values()), 6)
    assert any(e.score < 0 for c in cands for e in c.spec_rules)  # the planted sites count

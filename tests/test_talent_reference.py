"""Reference tests against the real TALE-NT 2.0 tools (issue 8): taleforge's score-bounded search
under ``--model tale-nt`` returns exactly the hit sets of Paired Target Finder (``pairedtalesf``)
and Target Finder (``talesf``) stored in ``../shared/reference`` (command lines, formats and the
key mapping: its README), with scores equal to within 0.006 (TALE-NT prints 2 decimals).

Keys: pairs ``(contig, TAL1 role, TAL 1 Start, TAL2 role, TAL 2 Start)`` =
``(contig, up_role, up_start, down_role, down_end - 1)``; single sites
``(contig, strand, Start Position - 1)`` = ``(contig, strand, start)``.

Genomes are copied into a session temp folder and indexed there (the index cache too), so nothing
is written into ../shared. Everything skips with a reason when ../shared is absent. The large
NN1 3.5 files (220,657 pairs on yeast, 54,015 on E. coli) are streamed and compared in full
(about 10 s together, warm). The CLI (``taleforge offtarget --model tale-nt`` at its defaults)
is checked on two files through its TSV.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from . import talent_ref as tr

pytestmark = pytest.mark.shared

TOL = 0.006

#: every pairedtalesf file in ../shared/reference except the planted one: (pair, genome, cutoff)
PAIRED = [
    ("Y1", "yeast", 3.0), ("Y1", "yeast", 3.5), ("Y1", "ecoli", 3.0), ("Y1", "ecoli", 3.5),
    ("Y2", "yeast", 3.0), ("Y2", "ecoli", 3.0),
    ("E1", "yeast", 3.0), ("E1", "ecoli", 3.0),
    ("NN1", "yeast", 3.0), ("NN1", "ecoli", 3.0), ("NN1", "ecoli", 3.5), ("NN1", "yeast", 3.5),
]
#: every talesf file: (pair, role); all on yeast at 3.0
SINGLE = [(p, r) for p in ("Y1", "Y2", "E1", "NN1") for r in ("L", "R")]


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared reference not available: {path} (needs ../shared beside the repo)")
    return path


def _paired_file(pair: str, genome: str, cutoff: float) -> Path:
    base = tr.REFERENCE / f"pairedtalesf_{pair}_{genome}_t{cutoff:.1f}.txt"
    gz = base.with_name(base.name + ".gz")
    return _need(gz if gz.exists() else base)


def _single_file(pair: str, role: str) -> Path:
    base = tr.REFERENCE / f"talesf_{pair}_{role}_yeast_x3.0.txt"
    gz = base.with_name(base.name + ".gz")
    return _need(gz if gz.exists() else base)


class _Genomes:
    """Genomes copied into one session temp folder and opened (indexed) there, lazily."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._open: dict[str, Any] = {}

    def path(self, name: str) -> Path:
        if name == "ecoli_planted_NN1":
            _need(tr.ECOLI)
            _need(tr.REFERENCE / "planted_NN1_ecoli_plants.tsv")
            d = self.root / "planted"
            p = d / "ecoli_planted_NN1.fa"
            if not p.exists():
                p = tr.build_planted_genome(d)
            return p
        src = _need(tr.GENOMES[name])
        dest = self.root / name / src.name
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
        return dest

    def get(self, name: str) -> Any:
        if name not in self._open:
            from taleforge.genome.index import open_genome

            self._open[name] = open_genome(self.path(name), cache_dir=self.root / "tf-cache")
        return self._open[name]


@pytest.fixture(scope="session")
def genomes(tmp_path_factory: pytest.TempPathFactory) -> _Genomes:
    if not tr.SHARED.exists():
        pytest.skip(f"../shared not available: {tr.SHARED}")
    return _Genomes(tmp_path_factory.mktemp("talent-genomes"))


@pytest.fixture(scope="module")
def queries() -> dict[str, tr.Query]:
    return tr.load_queries(_need(tr.REFERENCE / "queries.tsv"))


def _assert_same(ours: dict[Any, Any], theirs: dict[Any, Any], what: str) -> None:
    assert set(ours) == set(theirs), f"{what}: hit sets differ\n" + tr.diff_report(ours, theirs)
    bad = tr.score_diffs(ours, theirs, TOL)
    assert not bad, f"{what}: {len(bad)} scores differ by > {TOL}:\n" + "\n".join(bad[:10])


def _best(rvds: tuple[str, ...]) -> float:
    from taleforge.scoring.base import get_model

    return float(get_model("tale-nt").best_score(rvds))


def _ontarget_key(q: tr.Query) -> tr.PairKey:
    return (q.contig, "L", q.tal1_start, "R", q.tal2_start)


# --------------------------------------------------------------------------- reference readers


def test_reference_covers_every_file() -> None:
    """The parametrisations below name every pairedtalesf/talesf file in ../shared/reference."""
    _need(tr.REFERENCE)
    named = {_paired_name(*p) for p in PAIRED}
    named.add("pairedtalesf_NN1_ecoli_planted_NN1_t3.0")
    named |= {f"talesf_{p}_{r}_yeast_x3.0" for p, r in SINGLE}
    present = {re.sub(r"\.txt(\.gz)?$", "", f.name)
               for f in tr.REFERENCE.glob("*.txt*") if f.name.startswith(("pairedtalesf_", "talesf_"))}
    assert present == named


def _paired_name(pair: str, genome: str, cutoff: float) -> str:
    return f"pairedtalesf_{pair}_{genome}_t{cutoff:.1f}"


def test_reader_and_keys_match_brute_force(genomes: _Genomes, queries: dict[str, tr.Query]) -> None:
    """The parsers and the key mapping, checked independently of the engine: a brute-force
    TALE-NT scorer (tests/talent_ref.py) reproduces two reference files exactly."""
    q = queries["Y1"]
    seqs = tr.read_fasta(genomes.path("yeast"))
    ref = tr.parse_pairedtalesf(_paired_file("Y1", "yeast", 3.5))
    assert ref.rows == len(ref.hits) == 685
    _assert_same(tr.brute_pairs(seqs, q.left, q.right, 3.5, 15, 30), ref.hits, "brute vs pairedtalesf")
    single = tr.parse_talesf(_single_file("Y1", "L"))
    brute: dict[tr.SiteKey, float] = {}
    for c, s in seqs.items():
        brute.update({(c, st, p): v for (st, p), v in tr.brute_sites(s, q.left, 3.0).items()})
    _assert_same(brute, single.hits, "brute vs talesf")


# --------------------------------------------------------------------------- pairs


@pytest.mark.parametrize(("pair", "genome", "cutoff"), PAIRED)
def test_pairs_equal_pairedtalesf(pair: str, genome: str, cutoff: float, genomes: _Genomes,
                                  queries: dict[str, tr.Query]) -> None:
    ref = tr.parse_pairedtalesf(_paired_file(pair, genome, cutoff))
    assert ref.rows == len(ref.hits)  # keys are unique in TALE-NT's output
    q = queries[pair]
    assert abs(_best(q.left) - ref.best1) < TOL and abs(_best(q.right) - ref.best2) < TOL
    res = tr.taleforge_talent(genomes.get(genome), q.left, q.right, cutoff)
    tr.check_pair_geometry(res, q.left, q.right)
    ours = tr.pair_keys(res)
    assert len(ours) == len(res.pair_columns.up_start), "duplicate pair records"
    _assert_same(ours, ref.hits, f"{pair} {genome} t{cutoff}")
    key = _ontarget_key(q)
    if key in ref.hits:  # the on-target is reported (and marked as such)
        pc = res.pair_columns
        on = np.flatnonzero(np.asarray(pc.is_ontarget))
        marked = {tr.pair_keys_row(pc, i) for i in on}
        assert key in marked, f"on-target {key} not marked is_ontarget (marked: {sorted(marked)[:5]})"


# --------------------------------------------------------------------------- single arrays


@pytest.mark.parametrize(("pair", "role"), SINGLE)
def test_sites_equal_talesf(pair: str, role: str, genomes: _Genomes,
                            queries: dict[str, tr.Query]) -> None:
    ref = tr.parse_talesf(_single_file(pair, role))
    assert ref.rows == len(ref.hits)
    q = queries[pair]
    arr = q.left if role == "L" else q.right
    res = tr.taleforge_talent(genomes.get("yeast"), arr, None, 3.0)
    sc = res.site_columns
    assert np.array_equal(np.asarray(sc.end) - np.asarray(sc.start), np.full(len(sc.start), len(arr)))
    ours = tr.site_keys(res)
    assert len(ours) == len(sc.start), "duplicate site records"
    _assert_same(ours, ref.hits, f"talesf {pair} {role}")
    assert abs(_best(arr) - ref.best) < TOL


# --------------------------------------------------------------------------- planted genome


def test_planted_nn1_ecoli(genomes: _Genomes, queries: dict[str, tr.Query]) -> None:
    """The planted NN1 E. coli genome (rebuilt from the plant list, MD5 checked): all 56 plants
    expected to pass are found with their scores, the 7 expected failures are absent, plus the
    16 pairs that use a planted half-site and the 1,153 natural hits, and nothing else."""
    fa = genomes.path("ecoli_planted_NN1")
    assert tr.md5(fa) == tr.PLANTED_MD5, "planted genome rebuilt differently from the README recipe"
    classified = tr.load_classified(_need(tr.REFERENCE / "planted_NN1_ecoli_hits_classified.tsv"))
    plants = tr.load_plants()
    q = queries["NN1"]
    res = tr.taleforge_talent(genomes.get("ecoli_planted_NN1"), q.left, q.right, 3.0)
    tr.check_pair_geometry(res, q.left, q.right)
    ours = tr.pair_keys(res)

    def pkey(p: dict[str, str]) -> tr.PairKey:
        return (p["contig"], p["up_role"], int(p["tnt_TAL1_start"]), p["down_role"],
                int(p["tnt_TAL2_start"]))

    expected = [p for p in plants if p["talent_pass_expected"] == "1"]
    failures = [p for p in plants if p["talent_pass_expected"] != "1"]
    assert (len(expected), len(failures)) == (56, 7)
    missing = [p["plant_id"] for p in expected if pkey(p) not in ours]
    assert not missing, f"planted constructs not found: {missing}"
    for p in expected:
        up, down = ours[pkey(p)]
        assert abs(up - float(p["score_up"])) < 6e-4 and abs(down - float(p["score_down"])) < 6e-4, (
            p["plant_id"], (up, down), (p["score_up"], p["score_down"]))
    wrong = [p["plant_id"] for p in failures if pkey(p) in ours]
    assert not wrong, f"expected failures reported: {wrong}"
    by_class: dict[str, set[tr.PairKey]] = {}
    for k, (cls, _pid) in classified.items():
        by_class.setdefault(cls, set()).add(k)
    assert {c: len(v) for c, v in by_class.items()} == {
        "planted_construct": 56, "natural": 1153, "pair_using_planted_halfsite": 16}
    assert by_class["planted_construct"] == {pkey(p) for p in expected}
    for cls, keys in by_class.items():
        lost = sorted(keys - set(ours))
        assert not lost, f"{cls}: {len(lost)} not found, e.g. {lost[:5]}"
    extra = sorted(set(ours) - set(classified))
    assert not extra, f"{len(extra)} pairs not in the classified TALE-NT list, e.g. {extra[:5]}"
    natural = tr.parse_pairedtalesf(_paired_file("NN1", "ecoli", 3.0))
    assert set(natural.hits) == by_class["natural"]
    ref = tr.parse_pairedtalesf(tr.REFERENCE / "pairedtalesf_NN1_ecoli_planted_NN1_t3.0.txt")
    _assert_same(ours, ref.hits, "planted NN1 t3.0")


# --------------------------------------------------------------------------- CLI


def _cli_pairs(tsv: Path) -> dict[tr.PairKey, tuple[float, float]]:
    """Pair rows of ``taleforge offtarget``'s TSV (1-based inclusive) as pairedtalesf keys."""
    out: dict[tr.PairKey, tuple[float, float]] = {}
    with open(tsv) as fh:
        lines = [line for line in fh if not line.startswith("#")]
    head = lines[0].rstrip("\n").split("\t")
    for line in lines[1:]:
        r = dict(zip(head, line.rstrip("\n").split("\t"), strict=False))
        if r.get("kind") not in ("pair", "ontarget_pair"):
            continue
        assert r["site1_strand"] == "+" and r["site2_strand"] == "-", r
        key = (r["contig"], r["site1_role"], int(r["site1_start"]) - 1, r["site2_role"],
               int(r["site2_end"]) - 1)
        out[key] = (float(r["site1_score"]), float(r["site2_score"]))
    return out


@pytest.mark.parametrize(("pair", "genome", "cutoff"), [("E1", "ecoli", 3.0), ("Y1", "ecoli", 3.5)])
def test_cli_defaults_reproduce_pairedtalesf(pair: str, genome: str, cutoff: float, genomes: _Genomes,
                                             queries: dict[str, tr.Query], tmp_path: Path) -> None:
    """``taleforge offtarget --model tale-nt`` at its defaults (scaffold tale-nt: spacer 15-30,
    T at position 0; score-bounded search), every record listed."""
    from taleforge.cli import main

    ref = tr.parse_pairedtalesf(_paired_file(pair, genome, cutoff))
    q = queries[pair]
    out = tmp_path / "ot.tsv"
    argv = ["offtarget", "--genome", str(genomes.path(genome)), "--left", " ".join(q.left),
            "--right", " ".join(q.right), "--model", "tale-nt", "--max-records", "0", "--out", str(out)]
    if cutoff != 3.0:
        argv += ["--cutoff", str(cutoff)]
    genomes.get(genome)  # index built in the session folder first (the CLI then finds it)
    try:
        main(argv)
    except SystemExit as exc:
        assert exc.code in (0, None)
    _assert_same(_cli_pairs(out), ref.hits, f"CLI {pair} {genome} t{cutoff}")

"""Multiplex editing: several TALEN loci delivered together, checked as one set.

``design_multiplex(targets, params, *, genome, annotation=None, progress=None,
backend="auto") -> MultiplexResult`` (pure function; deterministic).

Flow:

1. **Loci.** Each target is a gene (designed here with
   :func:`taleforge.design.knockout.design_knockout`, its best ``candidates`` designs kept,
   each with the knockout ranking's on-target score plus its own genome-wide specificity
   terms, counted in the set's one search below as the specificity service counts them), a fixed
   pair (``NAME=LEFT/RIGHT`` RVDs) or a design from an earlier knockout JSON
   (``FILE.json[:RANK]``). 2-4 loci is the intended use; up to ``max_loci`` are accepted.
2. **One cross-talk search** (:func:`taleforge.engine.stream.stream_pairs`, the binding
   model's score-defined search, no mismatch cap) over every TALE of every candidate: each
   TALE with every TALE of another locus's candidates (L_i/R_j, R_i/L_j, L_i/L_j, R_i/R_j,
   either upstream), plus each design's own pairings (L/R, R/L, L/L, R/R) so the set's own
   off-target cuts are located too. Fixed pairs find their on-target in the same pass (the
   best L/R pair).
3. **Joint choice.** Every combination of one candidate per locus is scored as a set
   (additive, explained like the design core's rules): the per-locus scores plus
   ``cross_talk = -w_cross * log2(1 + sum decay**m)`` over the cross pairs that can cut (with
   an obligate-heterodimer FokI, ELD-ELD and KKR-KKR partners cannot), and a rule that fails
   when a cross pair has <= ``close_max_mismatches`` mismatches. With ``fok1="ELD-KKR"`` the
   ELD/KKR assignment of every pair is chosen per set to remove the most risk (ties: the
   standard ELD-left/KKR-right, then fewest swaps). Sets passing every rule rank first, then
   by score; runners-up are kept.
4. **Cuts and junctions.** The on-target cuts (and, with ``junctions="all"``, every
   off-target or cross pair that can cut with <= ``cut_max_mismatches`` mismatches); cut =
   spacer centre, junctions joined blunt there. Every two cuts give four junctions on
   different contigs (two balanced derivatives, two inverted joins) or three on one contig
   (deletion, two inversion joins); each as +-``junction_flank_bp`` of sequence with a
   Primer3 pair across it (one primer per side, >= ``primer_break_distance_bp`` from the
   break, amplicon ``amplicon_min_bp``-``amplicon_max_bp``, checked unique in the genome) and
   the two wild-type amplicons as references.
5. **Knock-in** (optional) at one locus's cut: a donor of two homology arms and the cargo,
   checked against every TALE of the set (no pair may form in the arms, the cargo or across
   the donor junctions), with junction PCR primers on the integrated allele.

Coordinates: 0-based half-open internally; outputs are 1-based (BED 0-based).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations, product
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from numpy.typing import NDArray

from taleforge.design.knockout import Design, KnockoutParams, design_knockout
from taleforge.design.primers import PRIMER_PARAMS, PrimerPair, primers_in_regions
from taleforge.design.result import DesignResult, Job, Provenance, make_provenance
from taleforge.design.specificity import SpecificitySummary
from taleforge.engine.stream import stream_pairs
from taleforge.errors import FormatError, InputError, NoResultError, ParameterError
from taleforge.model.interval import Interval, reverse_complement
from taleforge.model.params import Param, ParamTable, register_table
from taleforge.model.rules import RuleEval
from taleforge.model.rvd import check_array_length, parse_rvds, rvds_for_sequence
from taleforge.model.scaffold import Scaffold
from taleforge.model.talen import HalfSite, TalenPair
from taleforge.progress import ProgressCallback, report
from taleforge.scoring.base import BindingModel, get_model

__all__ = [
    "MULTIPLEX_PARAMS",
    "LocusSpec",
    "MultiplexParams",
    "MultiplexResult",
    "check_loci",
    "design_locus",
    "design_multiplex",
    "gene_locus",
    "knockin_spec",
    "pair_locus",
]

MULTIPLEX_PARAMS = register_table(
    ParamTable(
        name="multiplex",
        version="1",
        params=(
            Param("max_loci", 8, "loci", "taleforge (issue 12)", "U",
                  "most loci in one set (2-4 is the intended use; more gets a note)"),
            Param("usual_max_loci", 4, "loci",
                  "cell-therapy practice: up to four loci at once [K] (docs/science.md §6)",
                  "K", "sets larger than this get a note"),
            Param("w_cross", 10.0, "score points", "taleforge (= offtarget pair_weight)", "U",
                  "cross_talk = -w_cross * log2(1 + sum over cutting cross pairs of "
                  "decay**total_mismatches)"),
            Param("decay", 0.5, "per mismatch", "taleforge; Juillerat 2014 (qualitative)", "U",
                  "each mismatch halves the weight of a cross pair"),
            Param("close_max_mismatches", 2, "mismatches", "taleforge", "U",
                  "the cross_talk rule fails when a cutting cross pair has <= this many "
                  "total mismatches"),
            Param("cut_max_mismatches", 2, "mismatches", "taleforge", "U",
                  "an off-target or cross pair that can cut (FokI allows it) with <= this many "
                  "total mismatches counts as an expected cut (junction partner with "
                  "--junctions all)"),
            Param("max_combinations", 200000, "sets", "taleforge", "U",
                  "exhaustive joint search limit; above it the candidates of the largest "
                  "loci are trimmed (best first) and a note says so"),
            Param("runners_up", 5, "sets", "taleforge", "U", "runner-up sets reported"),
            Param("max_records", 100000, "pairs", "taleforge", "U",
                  "pair records kept from the cross-talk search (counts cover all)"),
            Param("junction_flank_bp", 300, "bp", "issue 12", "U",
                  "sequence kept on each side of a junction"),
            Param("primer_break_distance_bp", 30, "bp", "issue 12", "U",
                  "each junction primer ends at least this far from the break, so small "
                  "junctional indels leave the primer sites intact"),
            Param("amplicon_min_bp", 100, "bp", "ddPCR/qPCR practice (issue 12)", "K",
                  "shortest junction / wild-type amplicon"),
            Param("amplicon_max_bp", 250, "bp", "ddPCR/qPCR practice (issue 12)", "K",
                  "longest junction / wild-type amplicon"),
            Param("primer_unique_max_mismatches", 2, "mismatches", "taleforge", "U",
                  "a primer is unique when the genome holds exactly one site within this "
                  "many mismatches (both strands)"),
            Param("knockin_arm_bp", 500, "bp", "knockin default (donor arm_nt)", "K",
                  "homology arm length of a multiplex knock-in donor"),
            Param("knockin_primer_outside_bp", 400, "bp", "knockin (donor.py)", "K",
                  "genome kept beyond each arm for junction PCR on the integrated allele"),
        ),
    )
)

_TABLES = ("multiplex", "genotyping_primers", "knockout_ranking", "talen_filters", "rvd_code",
           "offtarget_specificity", "scored_scan", "halfsite_scan")

#: mismatch bins of the exact counters (the last bin holds everything above)
_MM_BINS = 64

LocusKind = Literal["gene", "pair", "design"]
JunctionKind = Literal["translocation", "inverted-translocation", "deletion", "inversion"]
Fok1Arch = Literal["wt", "eld-kkr", "sharkey", "sharkey-eld-kkr"]
_OBLIGATE = {"eld-kkr": True, "sharkey-eld-kkr": True, "wt": False, "sharkey": False}


# ------------------------------------------------------------------------------ inputs


@dataclass(frozen=True)
class LocusSpec:
    """One locus of a set: a gene to design, a fixed pair of RVD arrays, or a design from an
    earlier knockout JSON (RVDs plus the position it was designed at)."""

    name: str
    kind: LocusKind
    gene: str | None = None
    left_rvds: tuple[str, ...] = ()
    right_rvds: tuple[str, ...] = ()
    source: str | None = None
    at: tuple[str, int] | None = None  # (contig, 0-based left position 0) of a JSON design

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "gene": self.gene,
                "left_rvds": " ".join(self.left_rvds) or None,
                "right_rvds": " ".join(self.right_rvds) or None, "source": self.source}


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")


def _check_name(name: str, what: str) -> str:
    name = name.strip()
    if not _NAME.match(name):
        raise InputError(f"{what}: locus name {name!r} is not usable",
                         hint="use letters, digits, '.', '_', '-' (e.g. TRAC)")
    return name


def gene_locus(gene: str) -> LocusSpec:
    g = _check_name(gene, "--gene")
    return LocusSpec(g, "gene", gene=g)


def pair_locus(spec: str) -> LocusSpec:
    """``NAME=LEFT_RVDS/RIGHT_RVDS`` (RVDs separated by spaces, '-' or nothing)."""
    if "=" not in spec or "/" not in spec.split("=", 1)[1]:
        raise InputError(f"--pair {spec!r} is not NAME=LEFT/RIGHT",
                         hint='write e.g. --pair TRAC="NG NN HD .../HD NG NI ..."')
    name, arrays = spec.split("=", 1)
    name = _check_name(name, "--pair")
    left_s, right_s = arrays.split("/", 1)
    out = []
    for side, text in (("left", left_s), ("right", right_s)):
        try:
            rv = parse_rvds(text)
            check_array_length(rv)
        except InputError as exc:
            raise InputError(f"--pair {name}: {side} array: {exc.message}", hint=exc.hint) from None
        out.append(rv)
    return LocusSpec(name, "pair", left_rvds=out[0], right_rvds=out[1], source="--pair")


def design_locus(spec: str, name: str | None = None) -> LocusSpec:
    """``FILE.json[:RANK]`` from ``taleforge design --out x.json`` (rank 1 by default)."""
    path, rank = spec, 1
    m = re.match(r"^(.*\.json):(\d+)$", spec, flags=re.IGNORECASE)
    if m:
        path, rank = m.group(1), int(m.group(2))
    p = Path(path)
    try:
        data = json.loads(p.read_text("utf-8"))
    except OSError as exc:
        raise InputError(f"--design {spec}: cannot read {p} ({exc.strerror or exc})",
                         hint="give the JSON written by taleforge design --out x.json") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FormatError(f"--design {spec}: {p} is not a design JSON ({exc})",
                          hint="give the JSON written by taleforge design --out x.json") from None
    designs = data.get("designs") if isinstance(data, dict) else None
    if not isinstance(designs, list) or not designs:
        raise FormatError(f"--design {spec}: {p} holds no designs",
                          hint="give the JSON written by taleforge design --out x.json")
    pick = [d for d in designs if isinstance(d, dict) and d.get("rank") == rank]
    if not pick:
        raise ParameterError(f"--design {spec}: no design of rank {rank} (ranks 1-{len(designs)})",
                             hint=f"use FILE.json:RANK with RANK 1-{len(designs)}")
    d = pick[0]
    try:
        left, right = parse_rvds(str(d["left_rvds"])), parse_rvds(str(d["right_rvds"]))
        at = (str(d["contig"]), int(d["left_pos0"]) - 1)
    except (KeyError, TypeError, ValueError) as exc:
        raise FormatError(f"--design {spec}: design {rank} lacks {exc}",
                          hint="use a knockout design JSON") from None
    tgt = data.get("target") or {}
    label = name or (tgt.get("gene") or tgt.get("label") if isinstance(tgt, dict) else None)
    label = _check_name(str(label or p.stem), "--design")
    return LocusSpec(label, "design", left_rvds=left, right_rvds=right,
                     source=f"{p.name}:{rank}", at=at)


def knockin_spec(spec: str) -> tuple[str, str]:
    """``LOCUS=FILE`` -> (locus, path)."""
    if "=" not in spec:
        raise InputError(f"--knockin {spec!r} is not LOCUS=FILE",
                         hint="write e.g. --knockin TRAC=car_cassette.gb")
    locus, path = spec.split("=", 1)
    return locus.strip(), path.strip()


@dataclass(frozen=True)
class MultiplexParams:
    """Options of the multiplex job (all keyword; units in names)."""

    candidates: int = 10
    fok1: str = "wt"
    junctions: Literal["ontarget", "all"] = "ontarget"
    knockout: KnockoutParams = field(default_factory=KnockoutParams)
    knockin: tuple[tuple[str, Any], ...] = ()  # (locus, Cargo or path)
    check_primers: bool = True
    table: ParamTable = MULTIPLEX_PARAMS

    def fok1_key(self) -> Fok1Arch:
        key = self.fok1.strip().lower().replace("_", "-").replace("/", "-")
        if key not in _OBLIGATE:
            raise ParameterError(f"unknown FokI architecture {self.fok1!r}",
                                 hint="use wt or ELD-KKR (also Sharkey, Sharkey-ELD-KKR)")
        return key  # type: ignore[return-value]

    def validate(self) -> None:
        self.fok1_key()
        if self.candidates < 1:
            raise ParameterError(f"--candidates must be >= 1 (got {self.candidates})",
                                 hint="use --candidates 10")
        if self.junctions not in ("ontarget", "all"):
            raise ParameterError(f"--junctions {self.junctions!r} invalid",
                                 hint="use on-target or all")
        self.knockout.resolved_scaffold()

    def as_dict(self) -> dict[str, Any]:
        return {"candidates": self.candidates, "fok1": self.fok1_key(),
                "junctions": self.junctions, "knockout": self.knockout.as_dict(),
                "knockin": [k for k, _ in self.knockin], "check_primers": self.check_primers}


# ------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class Candidate:
    """One candidate pair of a locus. ``score`` = the knockout ranking's score (0 for fixed
    pairs); ``pair`` is None only for fixed pairs before their on-target is located."""

    locus: str
    rank: int
    left_rvds: tuple[str, ...]
    right_rvds: tuple[str, ...]
    pair: TalenPair | None
    score: float
    design: Design | None = None
    flipped: bool = False  # a fixed pair found as R/L: pair.left holds the right array
    spec_rules: tuple[RuleEval, ...] = ()  # its specificity terms from the set's search

    @property
    def label(self) -> str:
        return f"{self.locus}#{self.rank}"


@dataclass(frozen=True)
class SetChoice:
    """One combination (a candidate per locus) with its explained set score."""

    rank: int
    picks: tuple[int, ...]  # candidate index (0-based) per locus
    score: float
    rules: tuple[RuleEval, ...]
    swapped: tuple[bool, ...]  # per locus: KKR on the left TALE, ELD on the right
    n_cross: int  # cross pairs that can cut
    n_close: int
    n_blocked: int  # cross pairs removed by the obligate-heterodimer FokI

    @property
    def passes(self) -> bool:
        return all(r.passed for r in self.rules)

    def explain(self, cands: Sequence[Sequence[Candidate]]) -> str:
        labels = ", ".join(cands[i][c].label for i, c in enumerate(self.picks))
        lines = [f"set #{self.rank} ({labels}) score {self.score:.3f}"]
        for r in self.rules:
            if r.kind == "score":
                lines.append(f"  {(r.score or 0.0):+.3f}  {r.rule}: {r.reason}")
        for r in self.rules:
            if r.kind == "flag":
                lines.append(f"  flag  {r.rule}: {r.reason}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Tale:
    name: str  # e.g. TRAC-L
    locus: str
    role: Literal["L", "R"]
    rvds: tuple[str, ...]
    fok1: str  # wt, ELD, KKR (Sharkey prefix kept)


@dataclass(frozen=True)
class CrossPair:
    """A pair two TALEs of the set form somewhere in the genome (on-targets excluded).
    ``kind``: ``cross`` (TALEs of two loci) or ``offtarget`` (one design's own TALEs)."""

    kind: Literal["cross", "offtarget"]
    up: str  # TALE name (upstream, + strand)
    down: str
    contig: str
    up_start: int
    up_end: int
    down_start: int
    down_end: int
    up_mismatches: int
    down_mismatches: int
    fok1_active: bool
    expected_cut: bool
    annotation: dict[str, Any] = field(default_factory=dict)

    @property
    def spacer_bp(self) -> int:
        return self.down_start - self.up_end

    @property
    def cut(self) -> int:
        return self.up_end + self.spacer_bp // 2

    @property
    def total_mismatches(self) -> int:
        return self.up_mismatches + self.down_mismatches

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "upstream_tale": self.up, "downstream_tale": self.down,
            "contig": self.contig, "start": self.up_start, "end": self.down_end,
            "up_start": self.up_start + 1, "up_end": self.up_end,
            "down_start": self.down_start + 1, "down_end": self.down_end,
            "spacer_bp": self.spacer_bp, "cut": self.cut + 1,
            "up_mismatches": self.up_mismatches, "down_mismatches": self.down_mismatches,
            "total_mismatches": self.total_mismatches, "fok1_active": self.fok1_active,
            "expected_cut": self.expected_cut,
            "location": self.annotation.get("location"),
            "nearest_gene": self.annotation.get("nearest_gene"),
            "gene_distance": self.annotation.get("gene_distance"),
        }


@dataclass(frozen=True)
class Cut:
    """An expected double-strand break: blunt, between ``pos-1`` and ``pos`` (spacer centre)."""

    name: str
    kind: Literal["on-target", "off-target", "cross-pair"]
    contig: str
    pos: int
    locus: str | None = None


@dataclass(frozen=True)
class Piece:
    """A genome piece of a junction: ``[start, end)`` on ``contig``, read on ``strand``."""

    contig: str
    start: int
    end: int
    strand: Literal["+", "-"]

    def label(self) -> str:
        return f"{self.contig}:{self.start + 1}-{self.end}({self.strand})"


@dataclass(frozen=True)
class Assay:
    """A PCR assay: primers on ``template`` (template coordinates) and the product."""

    name: str
    template: str
    primers: PrimerPair | None
    unique: bool | None = None  # both primers unique in the genome (None: not checked)
    note: str = ""

    @property
    def product(self) -> str:
        p = self.primers
        return "" if p is None else self.template[p.left_start : p.right_end]


@dataclass(frozen=True)
class Junction:
    name: str
    kind: JunctionKind
    cut_a: str
    cut_b: str
    left: Piece
    right: Piece
    seq: str
    break_at: int  # the join is between seq[break_at-1] and seq[break_at]
    assay: Assay
    excised_bp: int | None = None  # same contig: size of the segment between the cuts


@dataclass(frozen=True)
class DonorHit:
    tale: str
    region: str  # left arm, cargo, right arm, across 5' junction, ...
    start: int  # donor, 0-based
    end: int
    strand: str
    mismatches: int
    expected: bool


@dataclass(frozen=True)
class KnockinCheck:
    locus: str
    cargo: str
    insertion: int  # genome position (insert between insertion-1 and insertion)
    contig: str
    donor: str  # + strand of the genome: left arm + insert + right arm
    left_arm: tuple[int, int]
    insert: tuple[int, int]  # donor coordinates
    right_arm: tuple[int, int]
    insert_reversed: bool
    pairs: tuple[tuple[str, str, int, int, int], ...]  # (up, down, donor start, end, mismatches)
    half_sites: tuple[DonorHit, ...]
    junction_primers: tuple[tuple[str, PrimerPair, str], ...]  # (name, primers, template)
    notes: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        return not self.pairs


@dataclass(frozen=True)
class MultiplexResult(DesignResult):
    loci: tuple[LocusSpec, ...]
    candidates: tuple[tuple[Candidate, ...], ...]
    chosen: SetChoice
    runners_up: tuple[SetChoice, ...]
    tales: tuple[Tale, ...]
    cross_pairs: tuple[CrossPair, ...]
    n_cross_pairs_total: int  # every pair the search found among the chosen set (incl. beyond records)
    cuts: tuple[Cut, ...]
    junctions: tuple[Junction, ...]
    wild_type: tuple[Assay, ...]  # one per cut, in cut order
    knockins: tuple[KnockinCheck, ...]
    params: MultiplexParams
    genome_info: dict[str, Any]
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    timings_s: dict[str, float] = field(default_factory=dict)
    record: Provenance | None = None
    n_sets: int = 0

    JOB: ClassVar[Job] = "multiplex"  # type: ignore[assignment]

    @property
    def designs(self) -> tuple[Candidate, ...]:
        """The chosen pair of every locus (in locus order)."""
        return tuple(self.candidates[i][c] for i, c in enumerate(self.chosen.picks))

    @property
    def rejections(self) -> dict[str, int]:
        return {}

    def matrix(self) -> tuple[list[str], list[list[tuple[int, int, int | None]]]]:
        """TALE names and, per (row, column), (pairs that can cut, pairs FokI blocks, fewest
        total mismatches of the cutting ones); symmetric; the diagonal = homodimers."""
        names = [t.name for t in self.tales]
        ix = {n: i for i, n in enumerate(names)}
        n = len(names)
        cells: list[list[list[Any]]] = [[[0, 0, None] for _ in range(n)] for _ in range(n)]
        for cp in self.cross_pairs:
            a, b = ix[cp.up], ix[cp.down]
            for r, c in {(a, b), (b, a)}:
                cell = cells[r][c]
                if cp.fok1_active:
                    cell[0] += 1
                    m = cp.total_mismatches
                    cell[2] = m if cell[2] is None else min(cell[2], m)
                else:
                    cell[1] += 1
        return names, [[(c[0], c[1], c[2]) for c in row] for row in cells]


# ------------------------------------------------------------------------------ the job


def design_multiplex(
    targets: Sequence[LocusSpec | str],
    params: MultiplexParams | None = None,
    *,
    genome: Any,
    annotation: Any = None,
    progress: ProgressCallback | None = None,
    backend: str = "auto",
) -> MultiplexResult:
    """Design (gene loci) and check (all loci) a set of TALEN pairs used together: joint
    choice with explained set scores and runners-up, genome-wide cross-talk between every
    TALE of the set, expected cuts, junctions between every two cuts with PCR assays, and
    knock-in donors checked against the whole set. ``targets``: :class:`LocusSpec` objects
    (or gene names)."""
    from taleforge.genome.annotation import load_annotation
    from taleforge.genome.index import open_genome

    p = params or MultiplexParams()
    p.validate()
    tab = p.table
    loci = tuple(gene_locus(t) if isinstance(t, str) else t for t in targets)
    notes: list[str] = []
    warns: list[str] = []
    check_loci(loci, p, notes)
    g = open_genome(genome, progress=progress) if isinstance(genome, (str, os.PathLike)) else genome
    ann = (load_annotation(annotation, genome=g)  # matched: aliases; one error if none fits
           if isinstance(annotation, (str, os.PathLike)) else annotation)
    default_ann = getattr(g, "default_annotation", None)
    if ann is None and default_ann is not None:
        ann = load_annotation(default_ann)  # a built-in genome's own annotation
    scaffold = p.knockout.resolved_scaffold()
    mdl = get_model(p.knockout.model)
    fok = p.fok1_key()
    timings: dict[str, float] = {}

    # 1. candidates per locus
    t0 = time.perf_counter()
    # per-design specificity comes from the set's one search below (not one pass per locus)
    shared_spec = p.knockout.specificity
    kp = dataclasses.replace(p.knockout, top=p.candidates, specificity=False,
                             specificity_candidates=max(p.candidates, 1))
    cands: list[list[Candidate]] = []
    for i, loc in enumerate(loci):
        report(progress, "design loci", i, len(loci))
        if loc.kind == "gene":
            if ann is None:
                raise InputError(f"cannot design gene locus {loc.name} without an annotation",
                                 hint="pass --annotation GTF/GFF3/GenBank, or give --pair")
            res = design_knockout(loc.gene, kp, genome=g, annotation=ann, progress=progress,
                                  backend=backend)
            if not res.designs:
                raise NoResultError(f"locus {loc.name}: no designs: {res.empty_reason()}",
                                    hint="relax the knockout filters (e.g. --no-streubel)")
            cands.append([Candidate(loc.name, d.rank, tuple(d.pair.left.rvds),
                                    tuple(d.pair.right.rvds), d.pair, d.score, d)
                          for d in res.designs])
        else:
            cands.append([Candidate(loc.name, 1, loc.left_rvds, loc.right_rvds, None, 0.0)])
    report(progress, "design loci", len(loci), len(loci))
    timings["design_loci"] = time.perf_counter() - t0
    n_sets = math.prod(len(c) for c in cands)
    limit = int(tab["max_combinations"])
    while math.prod(len(c) for c in cands) > limit:
        big = max(range(len(cands)), key=lambda i: (len(cands[i]), -i))
        cands[big] = cands[big][:-1]
    if math.prod(len(c) for c in cands) < n_sets:
        notes.append(f"{n_sets} combinations exceed max_combinations ({limit}); the joint "
                     "search used the best " + ", ".join(f"{len(c)}" for c in cands)
                     + " candidates per locus")

    # 2. one cross-talk search over every candidate TALE
    t0 = time.perf_counter()
    scan = _CrossScan(g.packed, mdl, scaffold, cands, tab)
    scan.run(backend, progress)
    timings["crosstalk_scan"] = time.perf_counter() - t0
    cands = scan.locate_fixed(loci)
    if shared_spec:
        for i, cl in enumerate(cands):
            for k, c in enumerate(cl):
                if c.design is None:
                    continue
                ev = tuple(scan.specificity(i, k).rule_evals())
                cl[k] = dataclasses.replace(c, score=round(c.score + sum(e.score for e in ev), 6),
                                            spec_rules=ev)
        scan.cands = cands
    if scan.truncated:
        notes.append(f"the cross-talk search found {scan.n_pairs} pairs; the best "
                     f"{int(tab['max_records'])} by mismatches were kept as records")

    # 3. joint choice
    t0 = time.perf_counter()
    sets = _joint_choice(cands, scan, fok, tab)
    timings["combination_search"] = time.perf_counter() - t0
    chosen, runners = sets[0], tuple(sets[1:])
    if not chosen.passes:
        warns.append(f"every combination has a cross pair with <= "
                     f"{int(tab['close_max_mismatches'])} mismatches that can cut; the best "
                     "set is reported (see the cross-talk list)")
    designs = [cands[i][c] for i, c in enumerate(chosen.picks)]
    tales = _tales(designs, chosen.swapped, fok)
    cross = scan.pairs_of_set(chosen.picks, tales, fok, ann, tab)
    n_cross_total = len(cross)

    # 4. cuts and junctions
    t0 = time.perf_counter()
    cuts = [Cut(d.locus, "on-target", d.pair.contig, d.pair.cut, d.locus)
            for d in designs if d.pair is not None]
    extra = [cp for cp in cross if cp.expected_cut]
    if extra:
        msg = (f"{len(extra)} off-target/cross pair(s) of the set can cut with <= "
               f"{int(tab['cut_max_mismatches'])} mismatches")
        if p.junctions == "all":
            seen = {(c.contig, c.pos) for c in cuts}
            for cp in extra:
                if (cp.contig, cp.cut) in seen:
                    continue
                seen.add((cp.contig, cp.cut))
                cuts.append(Cut(f"{cp.up}/{cp.down}@{cp.contig}:{cp.cut + 1}",
                                "cross-pair" if cp.kind == "cross" else "off-target",
                                cp.contig, cp.cut))
        else:
            msg += "; their junctions are not assayed (use --junctions all)"
        warns.append(msg)
    if p.junctions == "all":
        n = len(cuts)
        notes.append(f"--junctions all: {n} cuts give {n * (n - 1) // 2} cut pairs and up to "
                     f"{2 * n * (n - 1)} junction assays (each costs a Primer3 run and a "
                     "genome-wide primer check)")
    order = {c: i for i, c in enumerate(g.packed.names)}
    cuts.sort(key=lambda c: (c.kind != "on-target", order.get(c.contig, 0), c.pos))
    wild = [_wt_assay(g, c, tab) for c in cuts]
    juncs: list[Junction] = []
    for a, b in combinations(range(len(cuts)), 2):
        juncs.extend(_junctions(g, cuts[a], cuts[b], tab, order))
    for ca, cb in combinations(cuts, 2):
        if ca.contig == cb.contig:
            d = abs(ca.pos - cb.pos)
            warns.append(f"cuts {ca.name} and {cb.name} are {d:,} bp apart on {ca.contig}: "
                         f"a {d:,}-bp deletion (or inversion) between them is possible")
    knockins = tuple(_knockin(g, ann, loc_name, cargo, designs, tales, scaffold, mdl, tab,
                              backend) for loc_name, cargo in p.knockin)
    for ki in knockins:
        if not ki.clean:
            warns.append(f"knock-in donor at {ki.locus} is cut by the set: "
                         + "; ".join(f"{u}/{d} at donor {s + 1}-{e} ({m} mm)"
                                     for u, d, s, e, m in ki.pairs))
    wild, juncs = _check_primers(g, wild, juncs, p, tab, progress, notes)
    timings["junctions"] = time.perf_counter() - t0
    for j in juncs:
        if j.assay.primers is None:
            warns.append(f"no PCR assay for junction {j.name}: {j.assay.note}")
    record = make_provenance(genome=g, annotation=ann, model=mdl, tables=_TABLES,
                             extra_tables=(tab,))
    return MultiplexResult(
        loci=loci, candidates=tuple(tuple(c) for c in cands), chosen=chosen,
        runners_up=runners, tales=tuple(tales), cross_pairs=tuple(cross),
        n_cross_pairs_total=n_cross_total, cuts=tuple(cuts), junctions=tuple(juncs),
        wild_type=tuple(wild), knockins=knockins, params=p,
        genome_info=g.provenance() if hasattr(g, "provenance") else {"name": str(g)},
        notes=tuple(notes), warnings=tuple(warns),
        timings_s={k: round(v, 3) for k, v in timings.items()}, record=record,
        n_sets=math.prod(len(c) for c in cands),
    )


def check_loci(loci: Sequence[LocusSpec], p: MultiplexParams,
               notes: list[str] | None = None) -> None:
    """One-line errors for a bad set (no loci, a locus twice, too many, a knock-in for a
    locus not in the set); appends notes for unusual sets."""
    notes = [] if notes is None else notes
    tab = p.table
    if not loci:
        raise ParameterError("no loci given", hint="give --gene, --pair or --design (2-4 loci)")
    seen: dict[str, int] = {}
    for loc in loci:
        key = loc.name.upper()
        if key in seen:
            raise InputError(f"locus {loc.name} is given twice",
                             hint="give each locus once (rename one with NAME=... if they differ)")
        seen[key] = 1
    arrays: dict[tuple[tuple[str, ...], tuple[str, ...]], str] = {}
    for loc in loci:
        if loc.kind != "gene":
            k = (loc.left_rvds, loc.right_rvds)
            if k in arrays:
                raise InputError(f"loci {arrays[k]} and {loc.name} are the same pair",
                                 hint="give each locus once")
            arrays[k] = loc.name
    mx = int(tab["max_loci"])
    if len(loci) > mx:
        raise ParameterError(f"{len(loci)} loci given; at most {mx} per set",
                             hint=f"split the set (max_loci = {mx}, taleforge params multiplex)")
    if len(loci) == 1:
        notes.append("one locus only: no cross-talk or junctions between loci to check")
    if len(loci) > int(tab["usual_max_loci"]):
        notes.append(f"{len(loci)} loci: more than the usual {int(tab['usual_max_loci'])} "
                     "edited together; junction assays grow as n(n-1)/2 cut pairs")
    names = {loc.name.upper() for loc in loci}
    for locus, _ in p.knockin:
        if locus.upper() not in names:
            raise InputError(f"--knockin names locus {locus!r}, which is not in the set",
                             hint="use one of: " + ", ".join(loc.name for loc in loci))


# ------------------------------------------------------------------------------ cross-talk


class _CrossScan:
    """One score-defined genome pass over every TALE of every candidate; keeps every pair
    two TALEs of the same design or of two different loci form (as arrays)."""

    def __init__(self, packed: Any, mdl: BindingModel, scaffold: Scaffold,
                 cands: list[list[Candidate]], tab: ParamTable) -> None:
        self.packed = packed
        self.mdl = mdl
        self.scaffold = scaffold
        self.cands = cands
        self.tab = tab
        qindex: dict[tuple[str, ...], int] = {}
        self.queries: list[tuple[str, ...]] = []
        self.owners: list[list[tuple[int, int, int]]] = []  # per query: (locus, cand, role)
        for i, cl in enumerate(cands):
            for j, c in enumerate(cl):
                for role, rv in enumerate((c.left_rvds, c.right_rvds)):
                    if rv not in qindex:
                        qindex[rv] = len(self.queries)
                        self.queries.append(rv)
                        self.owners.append([])
                    self.owners[qindex[rv]].append((i, j, role))
        self.qindex = qindex
        combos: list[tuple[int, int]] = []
        self.attrib: list[list[tuple[tuple[int, int, int], tuple[int, int, int]]]] = []
        for qa in range(len(self.queries)):
            for qb in range(len(self.queries)):
                at = [(oa, ob) for oa in self.owners[qa] for ob in self.owners[qb]
                      if oa[0] != ob[0] or oa[1] == ob[1]]
                if at:
                    combos.append((qa, qb))
                    self.attrib.append(at)
        self.combos = combos
        self.lengths = np.array([len(q) for q in self.queries], dtype=np.int64)
        self.n_pairs = 0
        self.truncated = False
        self.site_mm = np.zeros(len(self.queries) * _MM_BINS, np.int64)
        self.combo_mm = np.zeros(len(combos) * _MM_BINS, np.int64)
        self.rec: dict[str, NDArray[Any]] = {}

    def run(self, backend: str, progress: ProgressCallback | None) -> None:
        pos0 = None if set(self.scaffold.pos0_bases) == set("ACGT") else self.scaffold.pos0_bases
        sqs = [self.mdl.score_query(q, pos0) for q in self.queries]
        parts: dict[str, list[NDArray[Any]]] = {k: [] for k in
                                                ("combo", "gu", "gd", "mu", "md", "cost")}
        cap = int(self.tab["max_records"])
        kept = 0

        def prog(_t: str, done: int, total: int | None) -> None:
            report(progress, "cross-talk scan", done, total)

        for blk in stream_pairs(self.packed, sqs, self.combos, self.scaffold.spacer_min_bp,
                                self.scaffold.spacer_max_bp, backend=backend,  # type: ignore[arg-type]
                                progress=prog if progress is not None else None):
            pix = blk.pairs
            h = blk.table.hits
            rows = np.flatnonzero(blk.new)
            if rows.size:  # every half-site hit, by query and mismatches (exact counts)
                key = h.query[rows].astype(np.int64) * _MM_BINS + np.minimum(
                    h.mismatches[rows].astype(np.int64), _MM_BINS - 1)
                self.site_mm += np.bincount(key, minlength=self.site_mm.size)
            if not len(pix):
                continue
            tot = (h.mismatches[pix.up].astype(np.int64) + h.mismatches[pix.down]).astype(np.int64)
            key = pix.combo.astype(np.int64) * _MM_BINS + np.minimum(tot, _MM_BINS - 1)
            self.combo_mm += np.bincount(key, minlength=self.combo_mm.size)
            self.n_pairs += len(pix)
            parts["combo"].append(pix.combo.astype(np.int64))
            parts["gu"].append(h.gpos[pix.up])
            parts["gd"].append(h.gpos[pix.down])
            parts["mu"].append(h.mismatches[pix.up].astype(np.int64))
            parts["md"].append(h.mismatches[pix.down].astype(np.int64))
            parts["cost"].append(blk.table.cost[pix.up] + blk.table.cost[pix.down])
            kept += len(pix)
            if kept > 2 * cap:
                self._trim(parts, cap)
                kept = cap
        self._trim(parts, cap)
        self.rec = {k: (np.concatenate(v) if v else np.zeros(0, np.int64)) for k, v in parts.items()}

    def _trim(self, parts: dict[str, list[NDArray[Any]]], cap: int) -> None:
        arr = {k: (np.concatenate(v) if v else np.zeros(0)) for k, v in parts.items()}
        n = arr["gu"].size
        if n > cap:
            self.truncated = True
            o = np.lexsort((arr["gd"], arr["gu"], arr["combo"], arr["cost"],
                            arr["mu"] + arr["md"]))[:cap]
            arr = {k: v[o] for k, v in arr.items()}
        for k in parts:
            parts[k] = [arr[k]]

    def _on_site(self, c: Candidate) -> tuple[int, int, int, int] | None:
        """(upstream role, upstream gpos, downstream role, downstream gpos) of the on-target."""
        if c.pair is None:
            return None
        try:
            gu = self.packed.to_global(c.pair.contig, c.pair.left.bound.start)
            gd = self.packed.to_global(c.pair.contig, c.pair.right.bound.start)
        except InputError:
            return None
        return (1, gu, 0, gd) if c.flipped else (0, gu, 1, gd)

    def locate_fixed(self, loci: Sequence[LocusSpec]) -> list[list[Candidate]]:
        """On-targets of fixed pairs: their best L/R pair (a JSON design's own position when
        it is there). Raises when a fixed pair has no site in the genome."""
        out = [list(c) for c in self.cands]
        r = self.rec
        for i, loc in enumerate(loci):
            c = self.cands[i][0]
            if c.pair is not None:
                continue
            qa, qb = self.qindex[c.left_rvds], self.qindex[c.right_rvds]
            # L/R on the top strand as given, or R/L (the site on the other strand)
            lr = [k for k, cb in enumerate(self.combos) if cb == (qa, qb)]
            rl = [k for k, cb in enumerate(self.combos) if cb == (qb, qa) and qa != qb]
            rows = np.flatnonzero(np.isin(r["combo"], lr + rl))
            if rows.size == 0:
                raise InputError(
                    f"locus {loc.name}: its left and right TALEs form no pair in the genome "
                    f"(spacer {self.scaffold.spacer_min_bp}-{self.scaffold.spacer_max_bp} bp)",
                    hint="check the RVDs (left = top strand, right = bottom strand) and the "
                    "--scaffold / spacer range")
            pick = None
            if loc.at is not None:
                try:
                    gl = self.packed.to_global(loc.at[0], loc.at[1] + 1)
                    hit = rows[r["gu"][rows] == gl]
                    pick = int(hit[0]) if hit.size else None
                except InputError:
                    pick = None
            if pick is None:
                o = np.lexsort((r["gd"][rows], r["gu"][rows], r["cost"][rows],
                                r["mu"][rows] + r["md"][rows]))
                pick = int(rows[o[0]])
            flipped = int(r["combo"][pick]) in rl
            up, down = (c.right_rvds, c.left_rvds) if flipped else (c.left_rvds, c.right_rvds)
            pair = self._pair_at(int(r["gu"][pick]), int(r["gd"][pick]), up, down)
            out[i][0] = dataclasses.replace(c, pair=pair, flipped=flipped)
        self.cands = out
        return out

    def _pair_at(self, gu: int, gd: int, lrv: tuple[str, ...], rrv: tuple[str, ...]
                 ) -> TalenPair:
        ci, loc = self.packed.to_local(np.array([gu, gd], dtype=np.int64))
        contig = self.packed.names[int(ci[0])]
        ls, rs = int(loc[0]), int(loc[1])
        lseq = self.packed.fetch(contig, ls, ls + len(lrv), "+")
        rseq = self.packed.fetch(contig, rs, rs + len(rrv), "-")
        p0l = self.packed.fetch(contig, ls - 1, ls, "+") if ls > 0 else "N"
        p0r = self.packed.fetch(contig, rs + len(rrv), rs + len(rrv) + 1, "-")
        left = HalfSite(Interval(contig, ls, ls + len(lrv), "+"), lseq.upper(), ls - 1,
                        p0l.upper(), lrv)
        right = HalfSite(Interval(contig, rs, rs + len(rrv), "-"), rseq.upper(),
                         rs + len(rrv), p0r.upper(), rrv)
        return TalenPair(left, right, Interval(contig, ls + len(lrv), rs, "+"))

    def specificity(self, i: int, j: int) -> SpecificitySummary:
        """Genome-wide specificity of candidate ``j`` of locus ``i`` from this one pass, as the
        specificity service defines it: its own off-target pairs (L/R, R/L, L/L, R/R) and
        single half-sites passing the model, by mismatches, on-target excluded."""
        c = self.cands[i][j]
        ql, qr = self.qindex[c.left_rvds], self.qindex[c.right_rvds]
        own = [k for k, at in enumerate(self.attrib)
               if any(oa[:2] == ob[:2] == (i, j) for oa, ob in at)]
        pair = np.zeros(_MM_BINS, np.int64)
        for k in own:
            pair += self.combo_mm[k * _MM_BINS : (k + 1) * _MM_BINS]
        left = self.site_mm[ql * _MM_BINS : (ql + 1) * _MM_BINS].copy()
        right = left if qr == ql else self.site_mm[qr * _MM_BINS : (qr + 1) * _MM_BINS].copy()
        on = self._on_site(c)
        r = self.rec
        found = False
        if on is not None:
            hit = np.flatnonzero((r["gu"] == on[1]) & (r["gd"] == on[3]))
            for row in hit.tolist():
                if (int(r["combo"][row]) in own and self.combos[int(r["combo"][row])]
                        == (ql, qr)[:: -1 if c.flipped else 1]):
                    mu, md = int(r["mu"][row]), int(r["md"][row])
                    pair[min(mu + md, _MM_BINS - 1)] -= 1
                    left[min(md if c.flipped else mu, _MM_BINS - 1)] -= 1
                    right[min(mu if c.flipped else md, _MM_BINS - 1)] -= 1
                    found = True
                    break

        def trim(a: NDArray[np.int64]) -> tuple[int, ...]:
            nz = np.flatnonzero(a)
            return tuple(int(x) for x in a[: int(nz[-1]) + 1]) if nz.size else (0,)

        pid = c.pair.pair_id() if c.pair is not None else c.label
        return SpecificitySummary(pid, c.left_rvds, c.right_rvds, None, trim(pair), trim(left),
                                  trim(right), (), found)

    def attributions(self) -> list[tuple[int, tuple[int, int, int], tuple[int, int, int]]]:
        """(record row, upstream owner, downstream owner) for every record, on-targets
        excluded."""
        r = self.rec
        on = [[self._on_site(c) for c in cl] for cl in self.cands]
        out = []
        for row in range(r["gu"].size):
            gu, gd = int(r["gu"][row]), int(r["gd"][row])
            for oa, ob in self.attrib[int(r["combo"][row])]:
                if oa[:2] == ob[:2] and on[oa[0]][oa[1]] == (oa[2], gu, ob[2], gd):
                    continue  # the design's own on-target
                out.append((row, oa, ob))
        return out

    def pairs_of_set(self, picks: Sequence[int], tales: Sequence[Tale], fok: Fok1Arch,
                     ann: Any, tab: ParamTable) -> list[CrossPair]:
        """Every pair the chosen set's TALEs form (on-targets excluded), annotated."""
        r = self.rec
        cut_mm = int(tab["cut_max_mismatches"])
        name = {(t_i, role): tales[2 * t_i + role] for t_i in range(len(picks)) for role in (0, 1)}
        out: list[CrossPair] = []
        for row, oa, ob in self.attributions():
            if picks[oa[0]] != oa[1] or picks[ob[0]] != ob[1]:
                continue
            ta, tb = name[(oa[0], oa[2])], name[(ob[0], ob[2])]
            active = _active(ta.fok1, tb.fok1)
            gu, gd = int(r["gu"][row]), int(r["gd"][row])
            ci, loc = self.packed.to_local(np.array([gu, gd], dtype=np.int64))
            contig = self.packed.names[int(ci[0])]
            us, ds = int(loc[0]), int(loc[1])
            la, lb = len(ta.rvds), len(tb.rvds)
            mu, md = int(r["mu"][row]), int(r["md"][row])
            cp = CrossPair("cross" if oa[0] != ob[0] else "offtarget", ta.name, tb.name,
                           contig, us, us + la, ds, ds + lb, mu, md, active,
                           active and mu + md <= cut_mm)
            if ann is not None:
                cp = dataclasses.replace(cp, annotation=_annotate(ann, contig, cp.cut))
            out.append(cp)
        out.sort(key=lambda c: (not c.fok1_active, c.total_mismatches, c.contig, c.up_start,
                                c.down_start, c.up, c.down))
        return out


def _annotate(ann: Any, contig: str, pos: int) -> dict[str, Any]:
    out: dict[str, Any] = {"location": ann.locate(contig, pos)}
    ng = ann.nearest_gene(contig, pos)
    if ng is not None:
        gene, dist = ng
        out["nearest_gene"] = gene.name or gene.id
        out["gene_distance"] = int(dist)
    return out


def _active(fa: str, fb: str) -> bool:
    """Can two FokI domains dimerise? Obligate heterodimers: ELD only with KKR."""
    ta = "ELD" if fa.endswith("ELD") else "KKR" if fa.endswith("KKR") else ""
    tb = "ELD" if fb.endswith("ELD") else "KKR" if fb.endswith("KKR") else ""
    if not ta or not tb:
        return True
    return ta != tb


def _tales(designs: Sequence[Candidate], swapped: Sequence[bool], fok: Fok1Arch) -> list[Tale]:
    pre = "Sharkey+" if fok.startswith("sharkey") else ""
    out = []
    for d, sw in zip(designs, swapped, strict=True):
        for role, rv in (("L", d.left_rvds), ("R", d.right_rvds)):
            if _OBLIGATE[fok]:
                t = ("KKR" if role == "L" else "ELD") if sw else ("ELD" if role == "L" else "KKR")
            else:
                t = "Sharkey" if pre else "wt"
            out.append(Tale(f"{d.locus}-{role}", d.locus, role, rv,  # type: ignore[arg-type]
                            pre + t if _OBLIGATE[fok] else t))
    return out


# ------------------------------------------------------------------------------ joint choice


def _joint_choice(cands: list[list[Candidate]], scan: _CrossScan, fok: Fok1Arch,
                  tab: ParamTable) -> list[SetChoice]:
    n = len(cands)
    ks = [len(c) for c in cands]
    decay = float(tab["decay"])
    close_mm = int(tab["close_max_mismatches"])
    r = scan.rec
    # per locus pair (i < j): (k_i, k_j) sums split by hetero (L with R) / homo (L/L, R/R)
    z = {(i, j): np.zeros((2, 3, ks[i], ks[j])) for i in range(n) for j in range(i + 1, n)}
    for row, oa, ob in scan.attributions():
        if oa[0] == ob[0]:
            continue
        if oa[0] > ob[0]:
            oa, ob = ob, oa
        if oa[1] >= ks[oa[0]] or ob[1] >= ks[ob[0]]:
            continue
        m = int(r["mu"][row] + r["md"][row])
        het = 1 if oa[2] != ob[2] else 0
        arr = z[(oa[0], ob[0])]
        arr[het, 0, oa[1], ob[1]] += decay**m
        arr[het, 1, oa[1], ob[1]] += 1
        arr[het, 2, oa[1], ob[1]] += 1 if m <= close_mm else 0
    P = math.prod(ks)
    idx = np.unravel_index(np.arange(P), ks) if n else ()
    obligate = _OBLIGATE[fok]
    orients = [(False,) * n]
    if obligate and n > 1:
        orients = [(False, *o) for o in product((False, True), repeat=n - 1)]
        orients.sort(key=lambda o: (sum(o), o))
    W = np.zeros((len(orients), P))
    N = np.zeros((len(orients), P))
    C = np.zeros((len(orients), P))
    B = np.zeros((len(orients), P))
    for oi, o in enumerate(orients):
        for (i, j), arr in z.items():
            if not obligate:
                act = arr[0] + arr[1]
                blk = np.zeros_like(arr[0])
            elif o[i] == o[j]:
                act, blk = arr[1], arr[0]  # same orientation: L_i/R_j is ELD/KKR
            else:
                act, blk = arr[0], arr[1]
            W[oi] += act[0][idx[i], idx[j]]
            N[oi] += act[1][idx[i], idx[j]]
            C[oi] += act[2][idx[i], idx[j]]
            B[oi] += blk[1][idx[i], idx[j]]
    key = C * (W.max(initial=0.0) + 1.0) + W
    best_o = np.argmin(key, axis=0)
    cols = np.arange(P)
    w, nn, cc, bb = W[best_o, cols], N[best_o, cols], C[best_o, cols], B[best_o, cols]
    locus_scores = np.zeros(P)
    for i in range(n):
        sc = np.array([c.score for c in cands[i]])
        locus_scores += sc[idx[i]]
    wc = float(tab["w_cross"])
    cross_term = -wc * np.log2(1.0 + w) + 0.0  # no negative zero
    total = np.round(locus_scores + cross_term, 9)
    keys = [idx[i] for i in reversed(range(n))] + [-total, (cc > 0).astype(np.int64)]
    order = np.lexsort(keys)
    take = order[: 1 + int(tab["runners_up"])]
    out = []
    for rank, s in enumerate(take.tolist(), start=1):
        picks = tuple(int(idx[i][s]) for i in range(n))
        o = orients[int(best_o[s])]
        rules: list[RuleEval] = []
        for i, c in enumerate(picks):
            cd = cands[i][c]
            spec = "; ".join(f"{e.rule} {e.score:+.3f} ({e.value})" for e in cd.spec_rules)
            what = (f"design #{cd.rank} {cd.pair.pair_id() if cd.pair else ''}: knockout "
                    "on-target score" + (f" + its own genome-wide specificity: {spec}"
                                         if spec else "")
                    if cd.design is not None else "fixed pair (not ranked): 0")
            rules.append(RuleEval(f"locus_{cd.locus}", "score", True, cd.rank, cd.score, what))
        nc, ncl, nb = int(nn[s]), int(cc[s]), int(bb[s])
        rules.append(RuleEval(
            "cross_talk", "score", ncl == 0, nc, float(cross_term[s]),
            f"{nc} cross pairs between loci can cut ({ncl} with <= {close_mm} mismatches"
            + (f"; {nb} more blocked by the obligate-heterodimer FokI" if obligate else "")
            + f"); score = -{wc:g}*log2(1 + sum {decay:g}^m) = {float(cross_term[s]):.3f}"))
        if obligate:
            assign = ", ".join(f"{cands[i][c].locus} {'KKR/ELD' if o[i] else 'ELD/KKR'}"
                               for i, c in enumerate(picks))
            rules.append(RuleEval("fok1_assignment", "flag", True, assign, 0.0,
                                  f"left/right FokI per pair: {assign} (chosen to leave the "
                                  "fewest close, then the least weight of, cutting cross "
                                  "pairs; ties keep ELD on the left)"))
        out.append(SetChoice(rank, picks, round(float(total[s]), 6), tuple(rules),
                             tuple(bool(x) for x in o), nc, ncl, nb))
    return out


# ------------------------------------------------------------------------------ junctions


def _piece_seq(g: Any, pc: Piece) -> str:
    if pc.end <= pc.start:
        return ""
    return str(g.fetch(pc.contig, pc.start, pc.end, pc.strand)).upper()


def _left_of(g: Any, c: Cut, f: int, *, rc: bool = False, floor: int = 0) -> Piece:
    """The ``f`` bp ending at the cut (read toward it), or read away from it with ``rc``."""
    s = max(floor, 0, c.pos - f)
    return Piece(c.contig, s, c.pos, "-" if rc else "+")


def _right_of(g: Any, c: Cut, f: int, *, rc: bool = False, ceil: int | None = None) -> Piece:
    n = int(g.packed.contig_length(c.contig))
    e = min(n, c.pos + f, n if ceil is None else ceil)
    return Piece(c.contig, c.pos, e, "-" if rc else "+")


def _junctions(g: Any, a: Cut, b: Cut, tab: ParamTable, order: dict[str, int]) -> list[Junction]:
    """Junctions between two cuts (``a`` before ``b`` in genome order). Joins are blunt at
    the cut. Different contigs: der(a) = a-left|b-right, der(b) = b-left|a-right, and the
    inverted joins a-left|rc(b-left), rc(b-right)|a-right. Same contig: the deletion
    a-left|b-right and the inversion joins a-left|rc(b-left), rc(a-right)|b-right (pieces
    inside the segment are limited to it)."""
    f = int(tab["junction_flank_bp"])
    if (order.get(a.contig, 0), a.pos) > (order.get(b.contig, 0), b.pos):
        a, b = b, a
    tag = f"{a.name} x {b.name}"
    out: list[tuple[str, JunctionKind, Piece, Piece, int | None]] = []
    if a.contig != b.contig:
        out += [
            (f"{tag} der({a.contig}) {a.name}-left|{b.name}-right", "translocation",
             _left_of(g, a, f), _right_of(g, b, f), None),
            (f"{tag} der({b.contig}) {b.name}-left|{a.name}-right", "translocation",
             _left_of(g, b, f), _right_of(g, a, f), None),
            (f"{tag} inverted {a.name}-left|{b.name}-left(rc)", "inverted-translocation",
             _left_of(g, a, f), _left_of(g, b, f, rc=True), None),
            (f"{tag} inverted {b.name}-right(rc)|{a.name}-right", "inverted-translocation",
             _right_of(g, b, f, rc=True), _right_of(g, a, f), None),
        ]
    else:
        size = b.pos - a.pos
        out += [
            (f"{tag} deletion {a.name}-left|{b.name}-right", "deletion",
             _left_of(g, a, f), _right_of(g, b, f), size),
            (f"{tag} inversion {a.name}-left|{b.name}-left(rc)", "inversion",
             _left_of(g, a, f), _left_of(g, b, f, rc=True, floor=a.pos), size),
            (f"{tag} inversion {a.name}-right(rc)|{b.name}-right", "inversion",
             _right_of(g, a, f, rc=True, ceil=b.pos), _right_of(g, b, f), size),
        ]
    res = []
    for name, kind, lp, rp, seg in out:
        # a "-" piece is read away from the break as it joins: left pieces read toward it
        ls = _piece_seq(g, lp)
        rs = _piece_seq(g, rp)
        seq = ls + rs
        res.append(Junction(name, kind, a.name, b.name, lp, rp, seq, len(ls),
                            _assay(name, seq, len(ls), tab), seg))
    return res


def _assay(name: str, template: str, brk: int, tab: ParamTable) -> Assay:
    d = int(tab["primer_break_distance_bp"])
    lo, hi = int(tab["amplicon_min_bp"]), int(tab["amplicon_max_bp"])
    left = (max(0, brk - hi + d), brk - d)
    right = (brk + d, min(len(template), brk + hi - d))
    if left[1] - left[0] < 25 or right[1] - right[0] < 25:
        return Assay(name, template, None, None,
                     f"too little sequence on one side of the break for a primer >= {d} bp "
                     "from it")
    pp = primers_in_regions(template, left, right, (lo, hi), params=PRIMER_PARAMS)
    note = "" if pp is not None else (f"Primer3 found no pair {lo}-{hi} bp with one primer "
                                      f"per side >= {d} bp from the break")
    return Assay(name, template, pp, None, note)


def _wt_assay(g: Any, c: Cut, tab: ParamTable) -> Assay:
    f = int(tab["junction_flank_bp"])
    lp, rp = _left_of(g, c, f), _right_of(g, c, f)
    ls, rs = _piece_seq(g, lp), _piece_seq(g, rp)
    a = _assay(f"wild type {c.name} {c.contig}:{c.pos + 1}", ls + rs, len(ls), tab)
    return a


def _check_primers(g: Any, wild: list[Assay], juncs: list[Junction], p: MultiplexParams,
                   tab: ParamTable, progress: ProgressCallback | None, notes: list[str]
                   ) -> tuple[list[Assay], list[Junction]]:
    """Genome-wide uniqueness of every primer (mismatch-mode scan, both strands)."""
    if not p.check_primers:
        return wild, juncs
    from taleforge.engine.scan import scan_halfsites

    prim: dict[str, int] = {}
    for a in [*wild, *(j.assay for j in juncs)]:
        if a.primers is not None:
            for s in (a.primers.left_seq, a.primers.right_seq):
                prim.setdefault(s.upper(), len(prim))
    if not prim:
        return wild, juncs
    seqs = list(prim)
    queries = [rvds_for_sequence(s, g_rvd="NH") for s in seqs]
    k = int(tab["primer_unique_max_mismatches"])
    hits = scan_halfsites(g.packed, queries, k, pos0_bases=None, strands="both",
                          progress=(lambda _t, d, t: report(progress, "primer check", d, t))
                          if progress is not None else None)
    counts = np.bincount(hits.query.astype(np.int64), minlength=len(seqs))

    def uniq(a: Assay) -> Assay:
        if a.primers is None:
            return a
        ok = all(counts[prim[s.upper()]] == 1 for s in (a.primers.left_seq, a.primers.right_seq))
        return dataclasses.replace(a, unique=bool(ok))

    wild = [uniq(a) for a in wild]
    juncs = [dataclasses.replace(j, assay=uniq(j.assay)) for j in juncs]
    n_bad = sum(1 for a in [*wild, *(j.assay for j in juncs)] if a.unique is False)
    if n_bad:
        notes.append(f"{n_bad} assay(s) have a primer with another genome site within {k} "
                     "mismatches (column primers_unique = no)")
    return wild, juncs


# ------------------------------------------------------------------------------ knock-in


def _knockin(g: Any, ann: Any, locus: str, cargo_in: Any, designs: Sequence[Candidate],
             tales: Sequence[Tale], scaffold: Scaffold, mdl: BindingModel, tab: ParamTable,
             backend: str) -> KnockinCheck:
    from taleforge.design.cargo import Cargo, read_cargo
    from taleforge.genome.packed import PackedGenome

    cargo = cargo_in if isinstance(cargo_in, Cargo) else read_cargo(cargo_in)
    d = next(c for c in designs if c.locus.upper() == locus.upper())
    assert d.pair is not None
    contig, cut = d.pair.contig, d.pair.cut
    n = int(g.packed.contig_length(contig))
    arm = int(tab["knockin_arm_bp"])
    a0, a1 = max(0, cut - arm), min(n, cut + arm)
    minus = False
    if ann is not None:  # the cargo reads with the gene it lands in
        txs = sorted(ann.transcripts_overlapping(contig, cut, cut + 1), key=lambda t: t.id)
        minus = bool(txs) and txs[0].strand == "-"
    ins = reverse_complement(cargo.seq) if minus else cargo.seq
    la = g.fetch(contig, a0, cut).upper()
    ra = g.fetch(contig, cut, a1).upper()
    donor = la + ins + ra
    i0, i1 = len(la), len(la) + len(ins)
    notes: list[str] = []
    # every TALE of the set against the donor, all pairings
    queries = [t.rvds for t in tales]
    uq: dict[tuple[str, ...], int] = {}
    for rv in queries:
        uq.setdefault(rv, len(uq))
    uql = list(uq)
    names_of: dict[int, list[int]] = {}
    for ti, rv in enumerate(queries):
        names_of.setdefault(uq[rv], []).append(ti)
    combos = [(a, b) for a in range(len(uql)) for b in range(len(uql))]
    pk = PackedGenome.from_sequences({"donor": donor})
    pos0 = None if set(scaffold.pos0_bases) == set("ACGT") else scaffold.pos0_bases
    sqs = [mdl.score_query(q, pos0) for q in uql]
    pairs: list[tuple[str, str, int, int, int]] = []
    halves: list[DonorHit] = []
    own_l = next(i for i, t in enumerate(tales) if t.locus == d.locus and t.role == "L")
    for blk in stream_pairs(pk, sqs, combos, scaffold.spacer_min_bp, scaffold.spacer_max_bp,
                            backend=backend):  # type: ignore[arg-type]
        h = blk.table.hits
        for row in np.flatnonzero(blk.new).tolist():
            q, gp, st = int(h.query[row]), int(h.gpos[row]), int(h.strand[row])
            L = len(uql[q])
            for ti in names_of[q]:
                t = tales[ti]
                expected = (ti == own_l and st == 1 and gp + L <= i0) or (
                    ti == own_l + 1 and st == -1 and gp >= i1)
                halves.append(DonorHit(t.name, _region(gp, gp + L, i0, i1), gp, gp + L,
                                       "+" if st == 1 else "-", int(h.mismatches[row]),
                                       expected))
        for k in range(len(blk.pairs)):
            u, dn = int(blk.pairs.up[k]), int(blk.pairs.down[k])
            qa, qb = combos[int(blk.pairs.combo[k])]
            for ta in names_of[qa]:
                for tb in names_of[qb]:
                    if not _active(tales[ta].fok1, tales[tb].fok1):
                        continue
                    s, e = int(h.gpos[u]), int(h.gpos[dn]) + len(uql[qb])
                    mm = int(h.mismatches[u]) + int(h.mismatches[dn])
                    pairs.append((tales[ta].name, tales[tb].name, s, e, mm))
    halves.sort(key=lambda x: (x.start, x.tale, x.strand))
    pairs.sort(key=lambda x: (x[2], x[3], x[0], x[1]))
    # junction PCR on the integrated allele: outside an arm <-> inside the insert
    out_bp = int(tab["knockin_primer_outside_bp"])
    o0, o1 = max(0, a0 - out_bp), min(n, a1 + out_bp)
    integ = g.fetch(contig, o0, cut).upper() + ins + g.fetch(contig, cut, o1).upper()
    cl = cut - o0
    a_out, b_out = a0 - o0, cl + len(ins) + (a1 - cut)
    span_l, span_r = cl - a_out, a1 - cut
    jps: list[tuple[str, PrimerPair, str]] = []
    for jname, lreg, rreg, prange in (
        ("5' junction" if not minus else "3' junction",
         (max(0, a_out - 300), a_out - 20), (cl + 30, min(cl + len(ins), cl + 400)),
         (span_l + 50, span_l + 750)),
        ("3' junction" if not minus else "5' junction",
         (max(cl, cl + len(ins) - 400), cl + len(ins) - 30),
         (b_out + 20, min(len(integ), b_out + 300)), (span_r + 50, span_r + 750)),
    ):
        jp = primers_in_regions(integ, lreg, rreg, prange, params=PRIMER_PARAMS)
        if jp is None:
            notes.append(f"no {jname} PCR primers (too little sequence outside the arms?)")
            continue
        jps.append((jname, jp, integ))
    return KnockinCheck(d.locus, cargo.name, cut, contig, donor, (0, i0), (i0, i1),
                        (i1, len(donor)), minus, tuple(pairs), tuple(halves), tuple(jps),
                        tuple(notes))


def _region(s: int, e: int, i0: int, i1: int) -> str:
    if e <= i0:
        return "left arm"
    if s >= i1:
        return "right arm"
    if s >= i0 and e <= i1:
        return "cargo"
    if s < i0:
        return "across left junction"
    return "across right junction"

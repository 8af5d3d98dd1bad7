"""TALEN knockout designer: ``design_knockout(...) -> KnockoutResult`` (pure function).

Flow: resolve the target (gene -> canonical transcript's coding exons + flanks; region;
or a user sequence) -> enumerate every pair geometry of the scaffold whose cut lies in the
target (design/pairs.py) -> evaluate TALE-NT filters column-wise (design/talen_rules.py) ->
score survivors with an additive, explainable rank score (weights in the
``knockout_ranking`` parameter table) -> optionally add genome-wide specificity for the best
candidates (design/offtarget.py) -> materialise the top designs with every rule evaluation.

Ranking is deterministic: score descending, then contig, cut position, left length,
spacer length and right length ascending.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray

from taleforge.design.methylation import (
    MethylationCall,
    check_methylation_choice,
    methylated_c_masks,
    resolve_methylation,
)
from taleforge.design.pairs import PairCandidates, check_acgt, enumerate_pairs, seq_codes
from taleforge.design.ranking import Ranking, rank
from taleforge.design.restriction import EnzymeSet, unique_sites_in
from taleforge.design.result import DesignResult, DesignWarning, Job, Provenance
from taleforge.design.talen_rules import (
    RuleColumns,
    evaluate_rules,
    half_site_matrices,
    methylated_c_count,
    pooled_strong_fraction,
)
from taleforge.errors import InputError, ParameterError
from taleforge.model.interval import Interval
from taleforge.model.params import Param, ParamTable, register_table
from taleforge.model.rules import CandidateTable, RuleColumn, RuleEval, RuleKind
from taleforge.model.scaffold import Scaffold, custom_scaffold, get_scaffold
from taleforge.model.talen import TalenPair
from taleforge.progress import ProgressCallback, report

if TYPE_CHECKING:
    from taleforge.design.genotyping import DesignGenotyping, PrimerSites
    from taleforge.genome.annotation import Annotation, Gene, Transcript
    from taleforge.genome.index import Genome
    from taleforge.genome.vcf import Variant

#: One rule for every knockout ranking term: it has a source (paper or design practice that
#: ranks on it), or it is a *tie-break* whose weight is the most it can ever contribute. The
#: tie-break weights sum to at most ``tie_break_budget`` (0.01), below the smallest step of a
#: sourced term (one methylated C 0.3, one variant 1.0, 1 % of the CDS 0.02, one strong RVD
#: of a 2 x 40-RVD pair 0.0125), so tie-breaks only order designs the sourced terms tie on
#: (:func:`check_tie_breaks`, run on every job).
RANKING = register_table(
    ParamTable(
        name="knockout_ranking",
        version="2",
        params=(
            Param("w_early_cds", 2.0, "score per unit", "CHOPCHOP (Labun 2019), E-TALEN (Heigwer 2013)", "K",
                  "times (1 - fraction of CDS before the cut): early cuts disrupt more protein"),
            Param("min_cds_fraction", 0.05, "fraction", "alternative start codons [K]", "K",
                  "cuts before this fraction of the CDS get no early-CDS credit"),
            Param("w_all_isoforms", 1.0, "score", "CHOPCHOP (Labun 2019), E-TALEN (Heigwer 2013)", "K",
                  "bonus when the cut lies in the CDS of every coding isoform"),
            Param("w_strong_rvd", 1.0, "score per unit",
                  "Streubel et al. 2012 Nat Biotechnol 30:593 (HD, NN strong; arrays poor in "
                  "strong RVDs are inactive); TALE-NT 2.0 reports the pooled %", "K",
                  "times the pooled fraction of strong RVDs (HD, NN/NH) over both arrays, "
                  "TALE-NT 2.0's \"% RVDs HD or NN/NH\"; the weight is not fitted to activity"),
            Param("w_repeat", 1.5, "score per unit", "soft-masked repeats are off-target prone", "K",
                  "penalty times the soft-masked fraction of the site"),
            Param("w_methylated_c", 0.3, "score per methylated C",
                  "Valton et al. 2012 J Biol Chem 287:38427; Deng et al. 2012 Cell Res 22:1502 "
                  "(HD does not read 5-methyl-C)", "K",
                  "penalty per methylated C read by HD (the TALE's strand, bound bases), in the "
                  "--methylation context (table methylation); the per-C size is not fitted"),
            Param("w_variant", 1.0, "score per variant", "avoid SNPs in half-sites (design practice)", "K",
                  "penalty per user-supplied variant in a half-site or position 0"),
            Param("restriction_window_bp", 250, "bp", "TALE-NT 2.0 (Doyle 2012)", "V",
                  "uniqueness window on each side of the spacer"),
            Param("tie_break_budget", 0.01, "score",
                  "taleforge ranking rule (issue 10): a definition, not a measurement", "U",
                  "the tie-break weights (w_array_length, w_layout, w_restriction) sum to at "
                  "most this, below the smallest sourced step (see check_tie_breaks)"),
            Param("w_array_length", 0.004, "score (whole range)",
                  "tie-break; Guilinger et al. 2014 Nat Methods 11:429 (longer TALENs are more "
                  "specific in a genome, which the specificity terms measure)", "U",
                  "times (RVDs of both arrays above twice the scaffold minimum) / (the "
                  "scaffold's largest such excess); no activity data behind array length"),
            Param("w_layout", 0.003, "score (whole range)",
                  "tie-break; the scaffold preset's proven layout (table scaffold_presets)", "U",
                  "penalty times the distance from the preset's layout (RVDs + spacer bp) / "
                  "the largest distance in the scaffold's ranges; presets without a layout: 0"),
            Param("w_restriction", 0.003, "score",
                  "tie-break; genotyping aid reported by TALE-NT 2.0 (Doyle 2012)", "U",
                  "bonus when an enzyme site in the spacer is unique within the window"),
        ),
    )
)

#: the tie-break weights of ``knockout_ranking`` (each the most its term can contribute)
TIE_BREAKS = ("w_array_length", "w_layout", "w_restriction")


def smallest_sourced_step(rk: ParamTable, scaffold: Scaffold) -> float:
    """The smallest score step a sourced term takes: one methylated C, one variant, the
    isoform bonus, 1 % of the CDS, or one strong RVD of the longest pair of ``scaffold``."""
    return min(float(rk["w_methylated_c"]), float(rk["w_variant"]),
               float(rk["w_all_isoforms"]), float(rk["w_early_cds"]) * 0.01,
               float(rk["w_strong_rvd"]) / (2 * scaffold.arm_max_rvds))


def check_tie_breaks(rk: ParamTable, scaffold: Scaffold) -> None:
    """Refuse a ranking table whose tie-breaks could outweigh a sourced difference."""
    total = sum(abs(float(rk[n])) for n in TIE_BREAKS)
    budget = float(rk["tie_break_budget"])
    step = smallest_sourced_step(rk, scaffold)
    if total > budget + 1e-12 or budget >= step:
        raise ParameterError(
            f"knockout ranking: tie-break weights sum to {total:g} (budget {budget:g}), the "
            f"smallest sourced step is {step:g}",
            hint="keep w_array_length + w_layout + w_restriction <= tie_break_budget < "
                 "the smallest sourced step")


TargetKind = Literal["gene", "region", "sequence"]


@dataclass(frozen=True)
class KnockoutParams:
    """Options of the knockout designer (all keyword; units in names)."""

    scaffold: str | Scaffold = "tale-nt"
    arm_min_rvds: int | None = None
    arm_max_rvds: int | None = None
    spacer_min_bp: int | None = None
    spacer_max_bp: int | None = None
    pos0_bases: str | None = None
    g_rvd: Literal["NN", "NH", "NK"] | None = None
    streubel: bool = True
    cermak: bool = False
    composition: bool | None = None
    flank_bp: int = 0
    transcript: str | None = None
    include_utr: bool = False
    top: int = 20
    min_cut_spacing_bp: int = 5
    enzymes: EnzymeSet = "commercial"
    specificity: bool = True
    specificity_candidates: int = 20
    max_mismatches: int | None = None  # None: score-defined specificity search
    model: str = "positional"
    ranking: ParamTable = RANKING
    methylation: str = "auto"  # auto | cpg | dcm | none (design/methylation.py)

    def resolved_scaffold(self) -> Scaffold:
        base = self.scaffold if isinstance(self.scaffold, Scaffold) else get_scaffold(self.scaffold)
        s = custom_scaffold(
            base,
            arm_min_rvds=self.arm_min_rvds,
            arm_max_rvds=self.arm_max_rvds,
            spacer_min_bp=self.spacer_min_bp,
            spacer_max_bp=self.spacer_max_bp,
            pos0_bases=self.pos0_bases,
            g_rvd=self.g_rvd,
        )
        if self.top < 1:
            raise ParameterError(f"--top must be >= 1 (got {self.top})", hint="use --top 20")
        if self.flank_bp < 0:
            raise ParameterError(f"flank must be >= 0 bp (got {self.flank_bp})", hint="use --flank 0")
        if self.max_mismatches is not None and not 0 <= self.max_mismatches <= 8:
            raise ParameterError(
                f"max mismatches {self.max_mismatches} outside 0-8", hint="use --max-mismatches 4"
            )
        check_methylation_choice(self.methylation)
        return s

    def as_dict(self) -> dict[str, Any]:
        s = self.resolved_scaffold()
        return {
            "scaffold": s.name,
            "arm_rvds": [s.arm_min_rvds, s.arm_max_rvds],
            "spacer_bp": [s.spacer_min_bp, s.spacer_max_bp],
            "pos0_bases": s.pos0_bases,
            "g_rvd": s.g_rvd,
            "streubel": self.streubel,
            "cermak": self.cermak,
            "composition": self.cermak if self.composition is None else self.composition,
            "flank_bp": self.flank_bp,
            "transcript": self.transcript,
            "include_utr": self.include_utr,
            "top": self.top,
            "min_cut_spacing_bp": self.min_cut_spacing_bp,
            "enzymes": self.enzymes,
            "specificity": self.specificity,
            "specificity_candidates": self.specificity_candidates,
            "max_mismatches": self.max_mismatches,
            "model": self.model,
            "methylation": self.methylation,
        }


@dataclass(frozen=True)
class Target:
    """What is being knocked out: windows in which the cut must fall."""

    kind: TargetKind
    label: str
    windows: tuple[Interval, ...]
    gene: Gene | None = None
    transcript: Transcript | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": self.label,
            "gene": self.gene.name if self.gene else None,
            "gene_id": self.gene.id if self.gene else None,
            "transcript": self.transcript.id if self.transcript else None,
            "windows": [w.to_1based_str() for w in self.windows],
        }


@dataclass(frozen=True)
class Design:
    rank: int
    pair: TalenPair
    score: float
    rules: tuple[RuleEval, ...]
    annotations: dict[str, Any] = field(default_factory=dict)

    @property
    def checked(self) -> bool:
        """True when the design was scanned genome-wide for off-targets."""
        return bool(self.annotations.get("checked", False))

    def explain(self) -> str:
        lines = [f"#{self.rank} {self.pair.pair_id()} score {self.score:.3f}"]
        for r in self.rules:
            if r.kind == "score":
                lines.append(f"  {(r.score or 0.0):+.3f}  {r.rule}: {r.reason}")
        for r in self.rules:
            if r.kind == "flag":
                lines.append(f"  flag  {r.rule}: {r.reason}")
        return "\n".join(lines)


@dataclass(frozen=True)
class KnockoutResult(DesignResult):
    target: Target
    designs: tuple[Design, ...]
    n_candidates: int
    n_passing: int
    rejections: dict[str, int]
    params: KnockoutParams
    provenance: dict[str, Any]
    notes: tuple[str, ...] = ()
    record: Provenance | None = None
    typed: tuple[DesignWarning, ...] = ()  # second-cut, no-clean-design, not-checked, ...

    JOB: ClassVar[Job] = "knockout"

    def empty_reason(self) -> str:
        if self.designs:
            return ""
        if self.n_candidates == 0:
            return (
                f"no pair geometry of scaffold {self.params.resolved_scaffold().name} fits the "
                "target (position-0 rule, spacer and array lengths)"
            )
        parts = ", ".join(f"{k}: {v}" for k, v in self.rejections.items() if v)
        return f"all {self.n_candidates} candidate pairs were removed by filters ({parts})"


# --------------------------------------------------------------------------- target


def resolve_target(
    genome: Genome,
    *,
    gene: str | None = None,
    region: str | None = None,
    annotation: Annotation | None = None,
    transcript: str | None = None,
    flank_bp: int = 0,
    include_utr: bool = False,
) -> Target:
    from taleforge.genome.index import parse_region

    if gene is not None and region is not None:
        raise ParameterError("give either a gene or --region, not both", hint="drop one of them")
    if region is not None:
        contig, start, end = parse_region(region, genome)
        return Target("region", region, (Interval(contig, start, end, "+"),))
    if gene is None:
        names = genome.packed.names
        if len(names) == 1:
            n = int(genome.packed.lengths[0])
            return Target("sequence", names[0], (Interval(names[0], 0, n, "+"),))
        raise ParameterError(
            "no target given", hint="name a gene, or use --region or --sequence"
        )
    if annotation is None:
        raise InputError(
            f"cannot look up gene {gene!r} without an annotation",
            hint="pass --annotation GTF/GFF3/GenBank, or use --region",
        )
    g = annotation.find_gene(gene)
    tx = annotation.find_transcript(transcript) if transcript else annotation.canonical_transcript(g)
    if transcript and tx.gene_id != g.id:
        raise ParameterError(
            f"transcript {transcript} belongs to {tx.gene_name}, not {g.name}",
            hint="pick a transcript of the named gene",
        )
    pieces = tx.cds if (tx.cds and not include_utr) else tx.exons
    glen = genome.packed.contig_length(tx.contig)
    wins = []
    for iv in pieces:
        s = max(0, iv.start - flank_bp)
        e = min(glen, iv.end + flank_bp)
        wins.append(Interval(tx.contig, s, e, tx.strand))
    return Target("gene", g.name, tuple(_merge(wins)), g, tx)


#: warn when more than this fraction of the target windows is soft-masked
SOFTMASK_WARN_FRACTION = 0.5


def _masked_fraction(genome: Genome, windows: Sequence[Interval]) -> float:
    total = sum(len(w) for w in windows)
    if total == 0:
        return 0.0
    masked = sum(
        genome.packed.softmask_fraction(w.contig, w.start, w.end) * len(w) for w in windows
    )
    return masked / total


def _merge(ivs: Sequence[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for iv in sorted(ivs):
        if out and out[-1].contig == iv.contig and iv.start <= out[-1].end:
            last = out[-1]
            out[-1] = Interval(last.contig, last.start, max(last.end, iv.end), last.strand)
        else:
            out.append(iv)
    return out


# --------------------------------------------------------------------------- candidates


def _candidates_for_window(genome: Genome, win: Interval, scaffold: Scaffold) -> PairCandidates:
    margin = scaffold.arm_max_rvds + scaffold.spacer_max_bp // 2 + 2
    glen = genome.packed.contig_length(win.contig)
    s = max(0, win.start - margin)
    e = min(glen, win.end + margin)
    seq = genome.fetch(win.contig, s, e, soft=True)
    return enumerate_pairs(
        seq, scaffold, contig=win.contig, offset=s, cut_window=(win.start - s, win.end - s)
    )


@dataclass
class _Scored:
    cand: PairCandidates
    rules: RuleColumns  # the TALE-NT filters, on every candidate of the window
    keep: NDArray[np.bool_]
    terms: dict[str, NDArray[np.float64]]  # rank-score terms of the passing candidates
    columns: dict[str, tuple[ScoreTerm, RuleColumn]]  # the same terms as rule evaluations


@dataclass(frozen=True)
class ScoreTerm:
    """A knockout rank-score term as a :class:`~taleforge.model.rules.Rule`: ``score(table)``
    is the term's contribution (weights from ``knockout_ranking``), ``value(table)`` the raw
    value reported (default: the score), ``fmt`` how one value is shown (``round4``,
    ``pct2`` = a fraction as a percentage with 2 decimals, None for NaN; ``int``)."""

    name: str
    reason: str
    score: Callable[[CandidateTable], NDArray[np.float64]]
    value: Callable[[CandidateTable], NDArray[np.float64]] | None = None
    fmt: Literal["round4", "pct2", "int"] = "round4"
    kind: RuleKind = "score"

    def evaluate(self, table: CandidateTable) -> RuleColumn:
        sc = np.asarray(self.score(table), dtype=np.float64)
        v = sc if self.value is None else np.asarray(self.value(table), dtype=np.float64)
        return RuleColumn(self.name, "score", np.ones(sc.shape[0], dtype=np.bool_), v, sc,
                          self.reason)

    def shown(self, v: float) -> float | int | None:
        if self.fmt == "pct2":
            return None if np.isnan(v) else round(v * 100, 2)
        if self.fmt == "int":
            return int(v)
        return round(v, 4)


def knockout_terms(
    table: CandidateTable, rk: ParamTable, scaffold: Scaffold,
    methylation: MethylationCall | None = None,
) -> list[ScoreTerm]:
    """The rank-score terms that apply to a knockout candidate table (columns from
    :func:`_knockout_table`), in summation order. Sourced terms first, then the tie-breaks
    (weights bounded by ``tie_break_budget``; :func:`check_tie_breaks`)."""
    check_tie_breaks(rk, scaffold)
    out: list[ScoreTerm] = []
    if "cds_fraction" in table:
        def early(t: CandidateTable) -> NDArray[np.float64]:
            f = t["cds_fraction"]
            return rk["w_early_cds"] * np.where(
                np.isnan(f), 0.0, np.where(f >= rk["min_cds_fraction"], 1.0 - f, 0.0))

        out.append(ScoreTerm("early_cds", "cut position in the CDS: earlier is better (after "
                             "the first 5 %)", early, lambda t: t["cds_fraction"], "pct2"))
    if "all_isoforms" in table:
        out.append(ScoreTerm("all_isoforms", "cut lies in the CDS of every coding isoform",
                             lambda t: rk["w_all_isoforms"] * t["all_isoforms"]))
    out.append(ScoreTerm("strong_rvds", "strong RVDs (HD, NN/NH) pooled over both arrays "
                         "(TALE-NT's % RVDs HD or NN/NH; Streubel 2012)",
                         lambda t: rk["w_strong_rvd"] * t["strong_fraction"],
                         lambda t: t["strong_fraction"], "pct2"))
    out.append(ScoreTerm("repeat_overlap", "soft-masked (repeat) fraction of the site",
                         lambda t: -rk["w_repeat"] * t["repeat_fraction"],
                         lambda t: t["repeat_fraction"]))
    why = methylation.reason if methylation is not None else "methylation context cpg"
    out.append(ScoreTerm("methylation", "methylated Cs read by HD in the half-sites (HD does "
                         f"not read 5-methyl-C; Valton 2012); {why}",
                         lambda t: -rk["w_methylated_c"] * t["methylated_c"],
                         lambda t: t["methylated_c"], "int"))
    if "variants" in table:
        out.append(ScoreTerm("variants", "user-supplied variants in half-sites",
                             lambda t: -rk["w_variant"] * t["variants"],
                             lambda t: t["variants"], "int"))
    out.append(ScoreTerm("array_length", "tie-break: longer arrays (RVDs above twice the "
                         "scaffold minimum); genome-wide uniqueness is in the specificity terms",
                         lambda t: rk["w_array_length"] * t["array_excess_frac"],
                         lambda t: t["array_excess"], "int"))
    if "layout_distance" in table and scaffold.layout is not None:
        out.append(ScoreTerm("layout", f"tie-break: distance from the {scaffold.name} preset's "
                             f"proven layout {scaffold.layout_text()} (RVDs/spacer/RVDs)",
                             lambda t: -rk["w_layout"] * t["layout_distance_frac"],
                             lambda t: t["layout_distance"], "int"))
    return out


def _layout_max_distance(scaffold: Scaffold) -> int:
    assert scaffold.layout is not None
    lo, sp, ro = scaffold.layout
    arm = (max(abs(scaffold.arm_min_rvds - lo), abs(scaffold.arm_max_rvds - lo))
           + max(abs(scaffold.arm_min_rvds - ro), abs(scaffold.arm_max_rvds - ro)))
    return arm + max(abs(scaffold.spacer_min_bp - sp), abs(scaffold.spacer_max_bp - sp))


def _knockout_table(
    sub: PairCandidates, target: Target, variants: Sequence[Variant], scaffold: Scaffold,
    methylation: MethylationCall | None = None,
) -> dict[str, NDArray[Any]]:
    """Columns the knockout score terms read, for the passing candidates ``sub``."""
    n = len(sub)
    t: dict[str, NDArray[Any]] = {}
    cut_g = sub.cut_local + sub.offset
    t["cut"] = cut_g
    tx = target.transcript
    if tx is not None and tx.cds:
        frac = np.full(n, np.nan)
        for i, c in enumerate(cut_g.tolist()):
            off = tx.cds_offset(int(c))
            if off is not None:
                frac[i] = off / tx.cds_length
        t["cds_fraction"] = frac
        coding = [x for x in (target.gene.transcripts if target.gene else ()) if x.cds]
        if coding:
            t["all_isoforms"] = np.array(
                [all(x.cds_offset(int(c)) is not None for x in coding) for c in cut_g.tolist()],
                dtype=np.float64,
            )
    lm, rm = half_site_matrices(sub)
    t["strong_fraction"] = pooled_strong_fraction(lm, rm, sub.left_len, sub.right_len,
                                                  scaffold.g_rvd)
    excess = (sub.left_len + sub.right_len - 2 * scaffold.arm_min_rvds).astype(np.float64)
    span = 2 * (scaffold.arm_max_rvds - scaffold.arm_min_rvds)
    t["array_excess"] = excess
    t["array_excess_frac"] = excess / span if span else np.zeros(n)
    if scaffold.layout is not None:
        lo, sp, ro = scaffold.layout
        dist = (np.abs(sub.left_len - lo) + np.abs(sub.spacer_len - sp)
                + np.abs(sub.right_len - ro)).astype(np.float64)
        span = _layout_max_distance(scaffold)
        t["layout_distance"] = dist
        t["layout_distance_frac"] = dist / span if span else np.zeros(n)
    # repeats: soft-masked fraction of the whole site (lower case in the fetched seq)
    low = np.frombuffer(sub.seq.encode(), dtype=np.uint8) >= ord("a")
    lcum = np.concatenate(([0], np.cumsum(low)))
    site_len = sub.left_len + sub.spacer_len + sub.right_len + 2
    t["repeat_fraction"] = (lcum[sub.p + site_len] - lcum[sub.p]) / site_len
    ctx = methylation.context if methylation is not None else "cpg"
    top, bot = methylated_c_masks(seq_codes(sub.seq), ctx)
    t["methylated_c"] = (methylated_c_count(sub, "left", top, bot)
                         + methylated_c_count(sub, "right", top, bot)).astype(np.float64)
    if variants:
        vpos = np.array(
            sorted(v.pos - sub.offset for v in variants if v.contig == sub.contig), dtype=np.int64
        )
        # left footprint [p, p+1+L), right footprint [q, q+R+1)
        q = sub.p + 1 + sub.left_len + sub.spacer_len
        nl = np.searchsorted(vpos, sub.p + 1 + sub.left_len) - np.searchsorted(vpos, sub.p)
        nr = np.searchsorted(vpos, q + sub.right_len + 1) - np.searchsorted(vpos, q)
        t["variants"] = (nl + nr).astype(np.float64)
    return t


def _score_window(
    genome: Genome,
    cand: PairCandidates,
    target: Target,
    annotation: Annotation | None,
    variants: Sequence[Variant],
    p: KnockoutParams,
    scaffold: Scaffold,
) -> _Scored:
    """TALE-NT filters on every candidate, then the rank-score terms (rules over the table
    of the passing candidates): filters, scores and explanations read the same evaluations."""
    rules = evaluate_rules(cand, streubel=p.streubel, cermak=p.cermak, composition=p.composition)
    keep = rules.all_pass(len(cand))
    sub = cand.subset(keep)
    meth = resolve_methylation(p.methylation, genome, cand.contig)
    table = _knockout_table(sub, target, variants, scaffold, meth)
    cols = {r.name: (r, r.evaluate(table))
            for r in knockout_terms(table, p.ranking, scaffold, meth)}
    terms = {name: col.score for name, (_, col) in cols.items()}
    return _Scored(cand, rules, keep, terms, cols)


# --------------------------------------------------------------------------- main


def _open(genome: Genome | str | os.PathLike[str], progress: ProgressCallback | None) -> Genome:
    from taleforge.genome.index import open_genome

    return genome if not isinstance(genome, (str, os.PathLike)) else open_genome(
        genome, progress=progress
    )


def plan_knockout(
    target: str | None = None,
    params: KnockoutParams | None = None,
    *,
    genome: Genome | str | os.PathLike[str] = "builtin:hg38-chrM",
    annotation: Annotation | str | os.PathLike[str] | None = None,
    progress: ProgressCallback | None = None,
    backend: str = "auto",
    region: str | None = None,
    sequence: str | os.PathLike[str] | None = None,
    variants: Sequence[Variant] | str | os.PathLike[str] | None = None,
    offtarget_genome: Genome | str | os.PathLike[str] | None = None,
    nuclear_genome: Genome | str | os.PathLike[str] | None = None,
) -> KnockoutPlan:
    """Everything of :func:`design_knockout` up to the genome-wide specificity scans: the
    target, the candidates, their on-target ranking. The returned :class:`KnockoutPlan`
    asks for specificity summaries round by round (``pending()`` → ``feed()``), so a
    campaign can batch many targets' scans into shared genome passes."""
    gene = target
    from taleforge.genome.index import genome_from_sequence

    p = params or KnockoutParams()
    scaffold = p.resolved_scaffold()
    notes: list[str] = []
    if sequence is not None:
        g = genome_from_sequence(sequence)
        if gene is not None or region is not None:
            raise ParameterError(
                "--sequence cannot be combined with a gene or --region",
                hint="the whole sequence is the target",
            )
    else:
        g = _open(genome, progress)
    ann = _load_annotation(annotation, g)
    inputs: list[DesignWarning] = []  # H6: records of --annotation/--variants not fitting g
    var = _load_variants(variants, g, inputs)
    if getattr(ann, "input_match", None) is not None:
        inputs.insert(0, ann.input_match.warning())  # type: ignore[union-attr]
    report(progress, "target", 0, 1)
    tgt = resolve_target(
        g,
        gene=gene,
        region=region,
        annotation=ann,
        transcript=p.transcript,
        flank_bp=p.flank_bp,
        include_utr=p.include_utr,
    )
    if tgt.kind == "sequence":
        seq = g.fetch(tgt.windows[0].contig, 0, len(tgt.windows[0]))
        check_acgt(seq, name=f"sequence {tgt.label}")
        inputs.append(DesignWarning(
            "no-transcript-model",
            "cuts in the --sequence were ranked without a CDS: promoter and UTR cuts can rank "
            "first (give --exons and --cds to rank by coding position)",
            details={"target": tgt.label}))
    masked = _masked_fraction(g, tgt.windows)
    if masked > SOFTMASK_WARN_FRACTION:
        notes.append(
            f"{masked:.0%} of the target is soft-masked (lower case), so most designs pay the "
            "repeat penalty; if the genome is lower case by mistake (not repeat-masked), "
            "give an upper-case copy"
        )
    report(progress, "target", 1, 1)

    scored: list[_Scored] = []
    n_cand = 0
    rejections: dict[str, int] = {}
    for wi, win in enumerate(tgt.windows):
        cand = _candidates_for_window(g, win, scaffold)
        n_cand += len(cand)
        sc = _score_window(g, cand, tgt, ann, var, p, scaffold)
        for k, v in sc.rules.rejection_counts().items():
            rejections[k] = rejections.get(k, 0) + v
        scored.append(sc)
        report(progress, "enumerate candidates", wi + 1, len(tgt.windows))

    # pool all passing candidates, rank by on-target score (design.ranking.rank; explicit
    # tie-breaks: contig, cut, left length, spacer, right length; cut-spacing diversity).
    # The pool's order does not depend on --top (a greedy walk): its prefix is the same.
    contig_rank = {c: i for i, c in enumerate(sorted({w.contig for w in tgt.windows}))}
    keys = ("neg", "ctg", "cut", "l", "s", "r", "si", "j")
    cols: dict[str, list[NDArray[Any]]] = {k: [] for k in keys}
    for si, sc in enumerate(scored):
        sub = sc.cand.subset(sc.keep)
        total = np.zeros(len(sub))
        for term in sc.terms.values():
            total += term
        cols["neg"].append(-np.round(total, 9))
        cols["ctg"].append(np.full(len(sub), contig_rank[sub.contig], dtype=np.int64))
        cols["cut"].append(sub.cut_local + sub.offset)
        cols["l"].append(sub.left_len)
        cols["s"].append(sub.spacer_len)
        cols["r"].append(sub.right_len)
        cols["si"].append(np.full(len(sub), si, dtype=np.int64))
        cols["j"].append(np.arange(len(sub), dtype=np.int64))
    arr = {k: (np.concatenate(v) if v else np.zeros(0)) for k, v in cols.items()}
    n_pass = int(arr["neg"].size)
    budget = _shortlist_budget(p)
    kept = _pool(arr, p, p.top + (budget if p.specificity else 0))
    pool = [_Pick(float(arr["neg"][k]), int(arr["ctg"][k]), int(arr["cut"][k]),
                  int(arr["l"][k]), int(arr["s"][k]), int(arr["r"][k]), int(arr["si"][k]),
                  int(arr["j"][k])) for k in kept]

    scans: list[tuple[str, Genome]] = []
    if p.specificity and pool:
        og = g if offtarget_genome is None else _open(offtarget_genome, progress)
        if sequence is not None and offtarget_genome is None:
            notes.append(
                "specificity was scanned against the input sequence only; pass "
                "--offtarget-genome to scan a whole genome"
            )
        scans.append(("genome", og))
        if nuclear_genome is not None:
            scans.append(("nuclear", _open(nuclear_genome, progress)))
    elif nuclear_genome is not None and p.specificity:
        _open(nuclear_genome, progress)  # a bad path fails the same way with no candidate
    return KnockoutPlan(
        params=p, scaffold=scaffold, genome=g, annotation=ann, target=tgt, scored=scored,
        pool=pool, n_candidates=n_cand, n_passing=n_pass, rejections=rejections,
        notes=notes, scans=scans, budget=budget, backend=backend, input_warnings=inputs,
    )


def design_knockout(
    target: str | None = None,
    params: KnockoutParams | None = None,
    *,
    genome: Genome | str | os.PathLike[str] = "builtin:hg38-chrM",
    annotation: Annotation | str | os.PathLike[str] | None = None,
    progress: ProgressCallback | None = None,
    backend: str = "auto",
    region: str | None = None,
    sequence: str | os.PathLike[str] | None = None,
    variants: Sequence[Variant] | str | os.PathLike[str] | None = None,
    offtarget_genome: Genome | str | os.PathLike[str] | None = None,
    nuclear_genome: Genome | str | os.PathLike[str] | None = None,
) -> KnockoutResult:
    """Design TALEN pairs that knock out the gene ``target`` (or cut in ``region`` /
    ``sequence``, with ``target=None``).

    ``genome``: a :class:`Genome`, a path, or a builtin name. For a builtin genome the
    packaged annotation is used when ``annotation`` is None. ``sequence`` (a FASTA path or
    raw sequence) replaces the genome: the whole sequence is the target. Specificity is
    scanned against ``offtarget_genome`` (default: the design genome) with the engine
    ``backend`` (passed through as it is), and also against ``nuclear_genome`` when given
    (an mtDNA target's nuclear copies, NUMTs).

    Exactly :func:`plan_knockout`, then ``pending()`` → :func:`specificity_for_pairs` →
    ``feed()`` until done: a campaign driving many plans through shared scans gets the
    same results.
    """
    from taleforge.design.specificity import specificity_for_pairs

    plan = plan_knockout(
        target, params, genome=genome, annotation=annotation, progress=progress,
        backend=backend, region=region, sequence=sequence, variants=variants,
        offtarget_genome=offtarget_genome, nuclear_genome=nuclear_genome,
    )
    while not plan.done:
        plan.feed(specificity_for_pairs(plan.spec_genome, plan.pending(), **plan.spec_kwargs,
                                        progress=progress))
    return plan.result()


KNOCKOUT_SHORTLIST = register_table(
    ParamTable(
        name="knockout_shortlist",
        version="1",
        params=(
            Param("max_candidates", 100, "candidates", "taleforge (issue 10)", "U",
                  "specificity shortlist budget: while fewer than --top scanned designs are "
                  "free of passing off-target pairs, further rounds of "
                  "--specificity-candidates candidates (next by on-target score) are "
                  "scanned, up to this many in total (or --specificity-candidates if larger); "
                  "each candidate costs about 3 s on a 3.1-Gb genome (2 cores)"),
        ),
    )
)


def _slack(p: KnockoutParams) -> float:
    """The most a term added after the pool ranking can move a design (the restriction-site
    term of :func:`_annotate`)."""
    return abs(float(p.ranking["w_restriction"]))


def _pool(arr: dict[str, NDArray[Any]], p: KnockoutParams, need: int) -> list[int]:
    """The first ``need`` diverse candidates by on-target score (cut-spacing walk), plus every
    further one within :func:`_slack` of the last: no candidate left out could outrank a kept
    one once the restriction term is added, so the order of the reported designs does not
    depend on how many are asked for."""
    r = Ranking(arr, RANK_KEYS, min_cut_spacing_bp=p.min_cut_spacing_bp, contig="ctg",
                cut="cut")
    slack = _slack(p)
    for i in r.walk():
        if len(r.kept) >= need and arr["neg"][i] > arr["neg"][r.kept[need - 1]] + slack + 1e-9:
            break
        r.keep(i)
    return r.kept


def _shortlist_budget(p: KnockoutParams) -> int:
    return max(int(KNOCKOUT_SHORTLIST["max_candidates"]), p.specificity_candidates, 0)


#: ranking classes of knockout designs (first key of the final ranking)
CLEAN, NOT_CHECKED, HAS_OFFTARGET = 0, 1, 2


@dataclass
class KnockoutPlan:
    """A knockout job between its on-target ranking and its result: it asks for genome-wide
    specificity summaries of a shortlist in rounds.

    Protocol: while not ``done``: ``pending()`` are the pairs that need a
    :class:`~taleforge.design.specificity.SpecificitySummary` this round, to be computed by
    ``specificity_for_pairs(spec_genome, pending(), **spec_kwargs)`` and passed to
    ``feed()`` in the same order; then ``result()``. Plans with equal ``spec_key`` (same
    genome, same scan arguments) may share one ``specificity_for_pairs`` call (summaries do
    not depend on the other pairs of a call).

    Rounds: the first ``--specificity-candidates`` of the pool (on-target order), each
    scanned on the off-target genome and then, with ``nuclear_genome``, on the nuclear
    genome; while fewer than ``--top`` scanned designs are clean (no passing off-target
    pair), the next ``--specificity-candidates`` are scanned, up to the
    ``knockout_shortlist.max_candidates`` budget."""

    params: KnockoutParams
    scaffold: Scaffold
    genome: Genome
    annotation: Annotation | None
    target: Target
    scored: list[_Scored]
    pool: list[_Pick]
    n_candidates: int
    n_passing: int
    rejections: dict[str, int]
    notes: list[str]
    scans: list[tuple[str, Genome]]  # (tag, genome) scanned in each round, in order
    budget: int
    backend: str = "auto"
    input_warnings: list[DesignWarning] = field(default_factory=list)  # annotation/VCF misfits
    # state
    summaries: dict[str, dict[int, Any]] = field(default_factory=dict)  # tag -> pool i -> sum
    round_of: dict[int, int] = field(default_factory=dict)  # pool index -> round (0-based)
    _round: list[int] = field(default_factory=list)  # pool indices of the current round
    _phase: int = 0  # index into scans
    _n_rounds: int = 0
    _pairs: dict[int, TalenPair] = field(default_factory=dict)
    _ranked: _Ranked | None = None  # genotyping() before result(): the ranked designs

    def __post_init__(self) -> None:
        self._next_round()

    # -- protocol
    @property
    def done(self) -> bool:
        return not self._round

    @property
    def spec_genome(self) -> Genome:
        """The genome the pending pairs are to be scanned on."""
        return self.scans[self._phase][1]

    @property
    def spec_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``specificity_for_pairs`` besides genome, pairs, progress."""
        sc = self.scaffold
        return {
            "scaffold": sc,
            "max_mismatches": self.params.max_mismatches,
            "model": self.params.model,
            "spacer_min": sc.spacer_min_bp,
            "spacer_max": sc.spacer_max_bp,
            "pos0_bases": "scaffold",
            "backend": self.backend,
        }

    @property
    def spec_key(self) -> tuple[Any, ...]:
        """Hashable form of ``spec_kwargs`` plus the genome's identity (name, sha256)."""
        g = self.spec_genome
        return ((getattr(g, "name", None), getattr(g, "checksum", None)),
                *sorted(self.spec_kwargs.items()))

    def pending(self) -> list[TalenPair]:
        return [self._pair(i) for i in self._round]

    def feed(self, summaries: Sequence[Any]) -> None:
        if self.done:
            raise ParameterError("knockout plan fed after it was done",
                                 hint="check plan.done before calling pending()/feed()")
        if len(summaries) != len(self._round):
            raise ParameterError(
                f"knockout plan fed {len(summaries)} summaries for {len(self._round)} pairs",
                hint="feed the summaries of pending(), in the same order")
        tag = self.scans[self._phase][0]
        for i, s in zip(self._round, summaries, strict=True):
            if s.pair_id != self._pair(i).pair_id():
                raise ParameterError(
                    f"summary of {s.pair_id} fed for pair {self._pair(i).pair_id()}",
                    hint="feed the summaries of pending(), in the same order")
            self.summaries.setdefault(tag, {})[i] = s
        self._phase += 1
        if self._phase >= len(self.scans):
            self._phase = 0
            self._next_round()

    # -- rounds
    def pair_of(self, i: int) -> TalenPair:
        """The candidate pair of pool index ``i`` (keys of ``summaries[tag]``)."""
        return self._pair(i)

    def _pair(self, i: int) -> TalenPair:
        if i not in self._pairs:
            self._pairs[i] = _materialize(self.scored, self.pool[i], self.scaffold)
        return self._pairs[i]

    @property
    def n_scanned(self) -> int:
        return len(self.round_of)

    def _is_clean(self, i: int) -> bool:
        """Scanned on every genome of the plan, with no second-cut pair (a passing
        off-target pair with <= second_cut.max_mismatches mismatches)."""
        sums = [self.summaries.get(tag, {}).get(i) for tag, _ in self.scans]
        return all(s is not None and s.clean for s in sums)

    def n_clean(self) -> int:
        return sum(1 for i in self.round_of if self._is_clean(i))

    def _next_round(self) -> None:
        """The next shortlist round (empty = done): the next --specificity-candidates of the
        pool, while fewer than --top scanned designs are clean, within the budget. Round
        sizes do not depend on --top, so the first rounds are the same whatever --top."""
        self._round = []
        if not self.scans or (self._n_rounds and self.n_clean() >= self.params.top):
            return
        start = self.n_scanned
        stop = min(len(self.pool), start + max(1, self.params.specificity_candidates),
                   self.budget)
        self._round = list(range(start, stop))
        for i in self._round:
            self.round_of[i] = self._n_rounds
        if self._round:
            self._n_rounds += 1

    # -- result
    def genotyping(self) -> DesignGenotyping:
        """The finished plan's ranked designs with their genotyping-primer candidates
        (Primer3 done, uniqueness scan not): a campaign pools the ``tails`` of plans with
        equal ``scan_key`` into one :func:`~taleforge.design.genotyping.scan_primer_tails`
        pass and passes the sites to :meth:`result`. Kept for the next ``result()``."""
        if not self.done:
            raise ParameterError("knockout plan asked for its genotyping before it was done",
                                 hint="feed every pending() round first")
        if self._ranked is None:
            self._ranked = _rank_designs(self)
        return self._ranked.genotyping

    def result(self, primer_sites: PrimerSites | None = None) -> KnockoutResult:
        """The knockout result; ``primer_sites`` (of the scanned genome, for a superset of
        ``genotyping().tails``) replace the genotyping uniqueness pass of its own."""
        if not self.done:
            raise ParameterError("knockout plan asked for its result before it was done",
                                 hint="feed every pending() round first")
        ranked, self._ranked = self._ranked or _rank_designs(self), None
        return _knockout_result(self, ranked, primer_sites)


def _renamed(e: RuleEval, prefix: str, what: str) -> RuleEval:
    from dataclasses import replace

    return replace(e, rule=prefix + e.rule, reason=f"{what}: {e.reason}")


@dataclass
class _Ranked:
    """A finished plan's ranked designs before their genotyping uniqueness scan."""

    designs: list[Design]
    built: list[tuple[int, TalenPair, list[RuleEval], float, dict[str, Any], int, int]]
    scanned: list[int]
    og: Genome | None
    og_ann: Annotation | None
    n_clean: int
    no_clean: bool
    genotyping: DesignGenotyping


def _rank_designs(plan: KnockoutPlan) -> _Ranked:
    """Materialise the designs of a finished plan: the scanned shortlist plus enough
    unscanned candidates to fill --top, ranked by class (checked and clean, not checked,
    checked with a passing off-target pair), then the shortlist round (scanned designs), then
    the full score and the explicit tie-breaks. When
    no scanned design is clean (a duplicated target), the best available are the checked
    designs, each with its second cut listed: they rank before the unchecked ones."""
    from taleforge.design.second_cut import offtarget_breakdown

    p, g, ann, tgt = plan.params, plan.genome, plan.annotation, plan.target
    scanned = sorted(plan.round_of)
    unscanned = [i for i in range(len(plan.pool)) if i not in plan.round_of]
    if len(unscanned) > p.top:  # the first --top, and any the restriction term could lift
        edge = plan.pool[unscanned[p.top - 1]].neg + _slack(p) + 1e-9
        unscanned = unscanned[: p.top] + [i for i in unscanned[p.top:]
                                          if plan.pool[i].neg <= edge]
    og = plan.scans[0][1] if plan.scans else None
    og_ann = ann if og is g else None
    n_clean = plan.n_clean()
    no_clean = bool(plan.scans) and bool(scanned) and n_clean == 0
    order = {CLEAN: 0, NOT_CHECKED: 2 if no_clean else 1, HAS_OFFTARGET: 1 if no_clean else 2}
    built: list[tuple[int, TalenPair, list[RuleEval], float, dict[str, Any], int, int]] = []
    for i in scanned + unscanned:
        it = plan.pool[i]
        pair = plan._pair(i)
        evals = _evals_for(plan.scored[it.window], it.row, p)
        main = plan.summaries.get("genome", {}).get(i)
        nuc = plan.summaries.get("nuclear", {}).get(i)
        if main is not None:
            evals += main.rule_evals()
        if nuc is not None:
            evals += [_renamed(e, "nuclear_", "nuclear genome") for e in nuc.rule_evals()]
        ann_d = _annotate(g, pair, tgt, p, evals)
        checked = i in plan.round_of
        ann_d["checked"] = checked
        if main is not None:
            ann_d["offtarget_top_sites"] = _top_sites(main, og_ann)
            ann_d["offtarget"] = offtarget_breakdown(
                main, target_contig=pair.contig, target_cut=pair.cut, annotation=og_ann)
        if nuc is not None:
            ann_d["offtarget_nuclear"] = offtarget_breakdown(nuc)
        cls = NOT_CHECKED if not checked else CLEAN if plan._is_clean(i) else HAS_OFFTARGET
        ann_d["second_cut"] = _second_cut_text(ann_d) if cls == HAS_OFFTARGET else None
        score = sum(e.score for e in evals if e.kind == "score")
        ann_d["shortlist_round"] = plan.round_of[i] + 1 if checked else None
        built.append((i, pair, evals, score, ann_d, cls, plan.round_of[i] if checked else 0))
    final = rank(
        {
            "cls": np.array([order[b[5]] for b in built], dtype=np.int64),
            "tier": np.array([b[6] for b in built], dtype=np.int64),
            "neg": np.array([-round(b[3], 9) for b in built], dtype=np.float64),
            "ctg": np.array([plan.pool[b[0]].ctg for b in built], dtype=np.int64),
            "cut": np.array([plan.pool[b[0]].cut for b in built], dtype=np.int64),
            "l": np.array([plan.pool[b[0]].left for b in built], dtype=np.int64),
            "s": np.array([plan.pool[b[0]].spacer for b in built], dtype=np.int64),
            "r": np.array([plan.pool[b[0]].right for b in built], dtype=np.int64),
        },
        ("cls", "tier", *RANK_KEYS),
        limit=p.top,
    )
    designs = [
        Design(rank_, built[k][1], round(built[k][3], 6), tuple(built[k][2]), built[k][4])
        for rank_, k in enumerate(final, start=1)
    ]
    # H6: genotyping primers (Sanger + NGS, uniqueness in one pass over the scanned genome;
    # not checked without a scan) and the rCRS placeholder-N spacer note (design/genotyping.py)
    from taleforge.design.genotyping import prepare_annotation

    gt = prepare_annotation(g, designs, scan_genome=og, check_uniqueness=bool(plan.scans))
    return _Ranked(designs, built, scanned, og, og_ann, n_clean, no_clean, gt)


def _knockout_result(plan: KnockoutPlan, ranked: _Ranked,
                     primer_sites: PrimerSites | None = None) -> KnockoutResult:
    """The result of a finished plan from its ranked designs (:func:`_rank_designs`): the
    genotyping scan (or ``primer_sites`` pooled by a campaign), warnings, provenance."""
    from taleforge.design.second_cut import pair_details, second_cut_warnings
    from taleforge.genome.annotation_model import is_mito_contig

    p, g, ann, tgt = plan.params, plan.genome, plan.annotation, plan.target
    designs, built, scanned, og, og_ann = (ranked.designs, ranked.built, ranked.scanned,
                                           ranked.og, ranked.og_ann)
    n_clean, no_clean = ranked.n_clean, ranked.no_clean
    notes = list(plan.notes)
    typed: list[DesignWarning] = []
    typed += plan.input_warnings
    typed += ranked.genotyping.annotate(primer_sites, backend=plan.backend)

    n_scanned = len(scanned)
    if not plan.scans:
        why = ("--no-specificity" if not p.specificity else "no candidate to scan")
        typed.append(DesignWarning(
            "no-genome-scanned",
            f"no genome was scanned for off-targets ({why}): no design is known to cut "
            "only once", details={"reason": why}))
    elif plan.n_passing > n_scanned:
        notes.append(
            f"genome-wide specificity computed for the best {n_scanned} of {plan.n_passing} "
            f"candidates by on-target score, in {plan._n_rounds} round(s) (shortlist budget "
            f"{plan.budget}); raise --specificity-candidates to scan more"
        )
    if no_clean:
        typed.append(DesignWarning(
            "no-clean-design",
            f"none of the {n_scanned} scanned designs (shortlist budget {plan.budget}) is "
            "free of passing off-target pairs: the target region may be duplicated "
            "(paralogue, segmental duplication, pseudogene); listed are the best available, "
            "each with its second cut, then any unchecked designs",
            details={"n_scanned": n_scanned, "budget": plan.budget}))
    for d in designs:
        if d.annotations.get("checked") is False:
            continue
        i = next(b[0] for b in built if b[1] is d.pair)
        main = plan.summaries.get("genome", {}).get(i)
        if main is not None:
            typed += second_cut_warnings(main, design_id=f"#{d.rank} {d.pair.pair_id()}",
                                         target_contig=d.pair.contig, target_cut=d.pair.cut,
                                         annotation=og_ann)
        nuc = plan.summaries.get("nuclear", {}).get(i)
        if nuc is not None and nuc.n_second_cut_pairs:
            det = pair_details(nuc.top_pairs[0]) if nuc.top_pairs else {}
            det["n_pairs"] = nuc.n_second_cut_pairs
            det["consequence"] = "double-strand break in nuclear DNA"
            at = f" at {det['contig']}:{det['start']}-{det['end']}" if nuc.top_pairs else ""
            typed.append(DesignWarning(
                "second-cut",
                f"TALENs also form {nuc.n_second_cut_pairs} passing pair(s) in the nuclear "
                f"genome{at} (a NUMT or other nuclear site): a nuclear double-strand break",
                design=f"#{d.rank} {d.pair.pair_id()}", details=det))
    unchecked = [d.rank for d in designs if d.annotations.get("checked") is False]
    if unchecked and plan.scans:
        n_bad = n_scanned - n_clean
        mostly_bad = 2 * n_bad > n_scanned  # the scanned evidence says unchecked ones may cut twice
        typed.append(DesignWarning(
            "not-checked",
            f"{len(unchecked)} of {len(designs)} designs were not checked genome-wide "
            f"(ranks {_ranks(unchecked)}; checked: false): ranked after the "
            + ("checked designs" if no_clean else
               "clean designs and before designs with a known off-target pair")
            + (f"; {n_bad} of the {n_scanned} scanned designs cut elsewhere too, so these may "
               "as well: raise --specificity-candidates to check them" if mostly_bad else ""),
            severity="warning" if mostly_bad else "note",
            details={"ranks": unchecked, "n_scanned": n_scanned, "n_clean": n_clean}))
    mito = any(is_mito_contig(w.contig) for w in tgt.windows)
    if mito and p.specificity and not any(tag == "nuclear" for tag, _ in plan.scans):
        typed.append(DesignWarning(
            "numt-not-checked",
            "mtDNA target scanned without --nuclear-genome: nuclear copies of mtDNA (NUMTs) "
            "were not checked for second cuts; pass --nuclear-genome to scan them"))

    nuclear = next((gg for tag, gg in plan.scans if tag == "nuclear"), None)
    spec = bool(plan.scans)
    prov = {
        "genome": g.provenance(),
        "annotation": getattr(ann, "source", None),
        "target": tgt.as_dict(),
        "parameters": p.as_dict(),
        "model": p.model if spec else None,
        "offtarget_genome": og.provenance() if og is not None and og is not g else None,
        "nuclear_genome": nuclear.provenance() if nuclear is not None else None,
    }
    from taleforge.design.result import make_provenance

    record = make_provenance(
        genome=g, annotation=ann, model=p.model if spec else None,
        tables=_TABLES + (_SPEC_TABLES if spec else ()), extra_tables=(p.ranking,),
    )
    return KnockoutResult(
        tgt, tuple(designs), plan.n_candidates, plan.n_passing, plan.rejections, p, prov,
        tuple(notes), record, tuple(typed),
    )


def _ranks(r: Sequence[int]) -> str:
    """1,2,5-7 style."""
    out: list[str] = []
    for x in r:
        if out and "-" not in out[-1] and int(out[-1]) == x - 1:
            out[-1] = f"{out[-1]}-{x}"
        elif out and "-" in out[-1] and int(out[-1].split("-")[1]) == x - 1:
            out[-1] = f"{out[-1].split('-')[0]}-{x}"
        else:
            out.append(str(x))
    return ",".join(out)


def _second_cut_text(ann_d: dict[str, Any]) -> str | None:
    """Short TSV form of the closest off-target pair's consequence."""
    cp = (ann_d.get("offtarget") or {}).get("closest_pair")
    if cp is None:
        nuc = ann_d.get("offtarget_nuclear") or {}
        return "nuclear double-strand break" if nuc.get("n_pairs") else None
    d = cp.get("distance_bp")
    return f"{cp['consequence']} ({'other contig' if d is None else f'{d:+d} bp'})"


_TABLES = ("knockout_ranking", "talen_filters", "rvd_code", "restriction_enzymes",
           "knockout_genotyping", "genotyping_primers")
_SPEC_TABLES = ("offtarget_specificity", "scored_scan", "halfsite_scan", "knockout_shortlist",
                "second_cut")


#: rank keys of knockout candidates (design.ranking.rank): score descending (``neg`` is
#: the negated, rounded score), then contig, cut, left length, spacer, right length
RANK_KEYS = ("neg", "ctg", "cut", "l", "s", "r")


class _Pick(NamedTuple):
    """A ranked candidate: its rank columns and where it lives (window, index among the
    window's passing candidates)."""

    neg: float
    ctg: int
    cut: int
    left: int
    spacer: int
    right: int
    window: int
    row: int


def _materialize(scored: list[_Scored], it: _Pick, scaffold: Scaffold) -> TalenPair:
    sc = scored[it.window]
    sub = sc.cand.subset(sc.keep)
    return sub.materialize(it.row, g_rvd=scaffold.g_rvd)


def _evals_for(sc: _Scored, j: int, p: KnockoutParams) -> list[RuleEval]:
    """Every rule evaluation of passing candidate ``j``: the filters, then the score terms."""
    idx = int(np.flatnonzero(sc.keep)[j])
    evals = sc.rules.evals_for(idx)
    for name in sorted(sc.columns):
        term, col = sc.columns[name]
        evals.append(RuleEval(name, "score", True, term.shown(float(col.value[j])),
                              float(col.score[j]), col.reason))
    return evals


def _annotate(
    g: Genome, pair: TalenPair, target: Target, p: KnockoutParams, evals: list[RuleEval]
) -> dict[str, Any]:
    """Per-design report fields; appends the restriction-site rule to ``evals``."""
    out: dict[str, Any] = {}
    tx = target.transcript
    cut = pair.cut
    if tx is not None:
        out["transcript"] = tx.id
        out["exon"] = tx.exon_number(cut)
        off = tx.cds_offset(cut) if tx.cds else None
        out["codon"] = None if off is None else off // 3 + 1
        out["cds_pct"] = None if off is None else round(100.0 * off / tx.cds_length, 2)
        coding = [t for t in (target.gene.transcripts if target.gene else ()) if t.cds]
        out["all_isoforms"] = (
            all(t.cds_offset(cut) is not None for t in coding) if coding else None
        )
    w = int(p.ranking["restriction_window_bp"])
    glen = g.packed.contig_length(pair.contig)
    s = max(0, pair.spacer.start - w)
    e = min(glen, pair.spacer.end + w)
    ctx = g.fetch(pair.contig, s, e)
    enz = unique_sites_in(ctx, pair.spacer.start - s, pair.spacer.end - s, enzymes=p.enzymes)
    out["enzymes"] = enz
    bonus = float(p.ranking["w_restriction"]) if enz else 0.0
    evals.append(
        RuleEval(
            "restriction_site", "score", bool(enz), ",".join(enz[:5]) or None, bonus,
            f"usable enzymes (one per isoschizomer group; modification-dependent enzymes "
            f"excluded: they do not cut PCR products) with a site in the spacer unique within "
            f"+-{w} bp: "
            + (", ".join(enz) if enz else "none"),
        )
    )
    out["spacer_seq"] = g.fetch(pair.contig, pair.spacer.start, pair.spacer.end)
    out["cpg_left"] = _cpg_in(g, pair.left.bound)
    out["cpg_right"] = _cpg_in(g, pair.right.bound)
    out["repeat_fraction"] = round(
        g.packed.softmask_fraction(pair.contig, pair.site.start, pair.site.end), 4
    )
    for r in evals:
        if r.rule == "variants":
            out["variants"] = r.value
        if r.rule.startswith("specificity"):
            out[r.rule] = r.value
    return out


def _top_sites(summary: Any, ann: Annotation | None, n: int = 5) -> list[dict[str, Any]]:
    """The closest off-target half-sites of a candidate (1-based), with gene context."""
    out = []
    for s in summary.top_sites[:n]:
        row = {
            "role": s.role, "contig": s.contig, "start": s.start + 1, "end": s.end,
            "strand": s.strand, "site": s.pos0_base + s.seq, "mismatches": s.mismatches,
            "mismatches_by_third": list(s.mismatches_by_third), "score": round(s.score, 4),
        }
        if ann is not None:
            row["location"] = ann.locate(s.contig, s.start)
        out.append(row)
    return out


def _cpg_in(g: Genome, iv: Interval) -> int:
    glen = g.packed.contig_length(iv.contig)
    s = max(0, iv.start - 1)
    e = min(glen, iv.end + 1)
    seq = g.fetch(iv.contig, s, e)
    return sum(1 for i in range(len(seq) - 1) if seq[i : i + 2] == "CG")


def _load_annotation(
    annotation: Annotation | str | os.PathLike[str] | None, g: Genome
) -> Annotation | None:
    from taleforge.genome.annotation import load_annotation

    if annotation is None:
        path = getattr(g, "default_annotation", None)
        return load_annotation(path) if path is not None else None
    if isinstance(annotation, (str, os.PathLike)):
        return load_annotation(annotation, genome=g)  # aliases; misfits counted; one error
    return annotation


def _load_variants(
    variants: Sequence[Variant] | str | os.PathLike[str] | None,
    g: Genome,
    warnings: list[DesignWarning],
) -> list[Variant]:
    """Variants to avoid; a VCF is matched to ``g`` (genome/vcf.py load_vcf: aliases, REF
    checked, records that do not fit counted in an input-mismatch warning)."""
    if variants is None:
        return []
    if isinstance(variants, (str, os.PathLike)):
        from taleforge.genome.vcf import load_vcf

        res = load_vcf(Path(variants), g)
        w = res.warning()
        if w is not None:
            warnings.append(w)
        return list(res.variants)
    return list(variants)


__all__ = [
    "KNOCKOUT_SHORTLIST",
    "RANKING",
    "Design",
    "KnockoutParams",
    "KnockoutPlan",
    "KnockoutResult",
    "Target",
    "design_knockout",
    "plan_knockout",
    "resolve_target",
]


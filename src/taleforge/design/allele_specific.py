"""Allele-specific TALENs (issue 16): pairs that cut a dominant mutant allele and, as far as a
binding model can tell, spare the wild-type allele.

A TALEN pair is designed on the *mutant* allele with the variant base inside one of its
half-sites (or at position 0). Both half-sites are scored with the binding model on both
alleles; a pair cuts an allele only when both of its half-sites pass the model there. Per pair
this module reports the score of each half-site on each allele, the pair's binding margin on
each allele (the weaker half-site's normalised margin, :func:`~taleforge.scoring.base.normalised_margin`:
1 = perfect site, 0 = at the model's threshold, < 0 = fails) and the allele margin (mutant minus
wild type). Ranking (``ALLELE_RANK_KEYS``): the wild-type allele fails outright first, then the
allele margin, then the variant in the N-terminal two-thirds of its array (position polarity:
Juillerat 2014 Nucleic Acids Res 42:5390, mismatches there are least tolerated), then pair
quality and geometry.

Honesty: one mismatch rarely moves a 16-20-RVD site across a model's threshold (TALE-NT's
3 x best and the positional cut-off both tolerate it), so most designs only *prefer* the mutant
allele. The wild type fails outright when the variant is at position 0 under a scaffold that
accepts only T there, or when a heterozygous SNP in cis with the variant (``cis`` variants, on
the mutant allele) sits in the other half-site; every design that does not make the wild type
fail carries an ``allele-specificity`` warning.

Entry points: :func:`allele_specific_window` (a + strand window of the reference with the
variant; pure, no genome), :func:`design_allele_specific` (the job: knockout of the mutant
allele, with the specificity service) and :func:`allele_specific_correction` (the cut used by
``correct``: the correction designer restricted to pairs with the variant in a half-site,
re-ranked by allele margin).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from taleforge.design.pairs import PairCandidates, check_acgt, enumerate_pairs
from taleforge.design.ranking import rank
from taleforge.design.result import DesignResult, DesignWarning, Job, Provenance
from taleforge.errors import InputError, NoResultError, ParameterError, RegionError
from taleforge.genome.annotation import Transcript
from taleforge.model.interval import reverse_complement
from taleforge.model.params import Param, ParamTable, register_table
from taleforge.model.rules import RuleEval
from taleforge.model.scaffold import Scaffold, get_scaffold
from taleforge.model.talen import TalenPair
from taleforge.progress import ProgressCallback, report
from taleforge.scoring.base import BindingModel, SiteScore, get_model, normalised_margin

_JUILLERAT = ("Juillerat 2014 Nucleic Acids Res 42:5390 (mismatches in the N-terminal two-thirds "
              "of an array are far less tolerated than in the last third)")

ALLELE_PARAMS = register_table(
    ParamTable(
        name="allele_specific",
        version="1",
        params=(
            Param("n_terminal_fraction", 0.667, "fraction of the array from its N-terminus",
                  _JUILLERAT, "K",
                  "a variant at repeat i of L counts as N-terminal when i <= fraction x L "
                  "(position 0 always does)"),
            Param("min_margin", 0.1, "normalised margin (mutant minus wild type)", "placeholder",
                  "U", "designs below this allele margin are called barely allele-specific"),
            Param("window_bp", 200, "bp", "placeholder (covers any pair reaching the variant)", "U",
                  "sequence fetched either side of the variant in genome mode"),
            Param("specificity_candidates", 20, "pairs", "as the knockout designer's default",
                  "U", "best candidates (by allele ranking) given a genome-wide scan"),
        ),
    )
)

#: design.ranking.rank keys: the wild type fails outright, allele margin, variant in the
#: N-terminal part of its array, pair quality, then geometry (row order last)
ALLELE_RANK_KEYS = ("-wt_fails", "-margin", "-n_terminal", "-quality", "p", "L", "S", "R")


@dataclass(frozen=True)
class AlleleTarget:
    """A variant given as sequence: ``seq`` is the *reference* (wild-type) + strand window whose
    first base is genome position ``offset``; ``position`` (0-based genome) carries ``alt`` on
    the mutant allele. ``cis``: other substitutions ``(position, alt)`` on the mutant allele
    (heterozygous SNPs phased in cis with the variant)."""

    seq: str
    position: int
    alt: str
    contig: str = "seq"
    offset: int = 0
    cis: tuple[tuple[int, str], ...] = ()
    transcripts: tuple[Transcript, ...] = ()


@dataclass(frozen=True)
class AlleleScores:
    """One pair's half-sites scored on the mutant and on the wild-type allele."""

    left_mut: SiteScore
    right_mut: SiteScore
    left_wt: SiteScore
    right_wt: SiteScore
    mut_margin: float  # the weaker half-site's normalised margin on the mutant allele
    wt_margin: float
    mut_cuts: bool  # both half-sites pass on the mutant allele (position 0 by the scaffold)
    wt_cuts: bool

    @property
    def margin(self) -> float:
        return self.mut_margin - self.wt_margin

    @property
    def prefers_mutant(self) -> bool:
        """Cuts the mutant allele and either scores it better or fails on the wild type
        (e.g. position 0, which some models do not score)."""
        return self.mut_cuts and (self.margin > 0 or not self.wt_cuts)


@dataclass(frozen=True)
class AlleleSpecificDesign:
    rank: int
    pair: TalenPair
    variant_tale: str  # "left" | "right": the half-site holding the variant
    variant_repeat: int  # 0 = position 0, else 1-based repeat from the N-terminus
    n_terminal: bool
    cis_in_other: tuple[int, ...]  # 0-based positions of cis SNPs in the other half-site
    scores: AlleleScores
    quality: float
    specificity: Any = None  # SpecificitySummary | None
    offtarget: Any = None  # donor.common.OffTargetCall | None (None = not scanned)
    verdict: str = ""  # "wild type fails" | "prefers mutant"
    rules: tuple[RuleEval, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def wt_fails(self) -> bool:
        return not self.scores.wt_cuts

    def explain(self) -> str:
        lines = [f"#{self.rank} {self.pair.pair_id()} ({self.verdict})"]
        lines += [f"  {r.kind:>6}  {r.rule}: {r.reason}" for r in self.rules]
        return "\n".join(lines)

    def as_dict(self) -> dict[str, object]:
        from taleforge.design.donor.common import _pair_summary

        s = self.scores
        spec = self.specificity
        return {
            "rank": self.rank,
            **_pair_summary(self.pair),
            "spacer_bp": len(self.pair.spacer),
            "cut_between": [self.pair.cut, self.pair.cut + 1],
            "variant_tale": self.variant_tale,
            "variant_repeat": self.variant_repeat,
            "variant_in_n_terminal_part": self.n_terminal,
            "cis_snps_in_other_half_site": [p + 1 for p in self.cis_in_other],
            "mutant_allele": {"left": s.left_mut.as_dict(), "right": s.right_mut.as_dict(),
                              "binding_margin": round(s.mut_margin, 6), "cuts": s.mut_cuts},
            "wild_type_allele": {"left": s.left_wt.as_dict(), "right": s.right_wt.as_dict(),
                                 "binding_margin": round(s.wt_margin, 6), "cuts": s.wt_cuts},
            "allele_margin": round(s.margin, 6),
            "verdict": self.verdict,
            "pair_quality": round(self.quality, 6),
            "checked": self.offtarget is not None and self.offtarget.checked,
            "clean": None if self.offtarget is None else self.offtarget.clean,
            "offtarget": None if spec is None else {
                **((self.offtarget.breakdown or {}) if self.offtarget is not None else {}),
                "offtarget_pairs": spec.n_offtarget_pairs,
                "pair_counts": list(spec.pair_counts),
                "left_site_counts": list(spec.left_site_counts),
                "right_site_counts": list(spec.right_site_counts),
                "score": round(float(spec.score), 6),
            },
            "warnings": list(self.warnings),
            "rules": [r.as_dict() for r in self.rules],
        }


@dataclass(frozen=True)
class AlleleSpecificResult(DesignResult):
    """Allele-specific knockout designs of one variant (JSON job ``knockout``, kind
    ``allele_specific_knockout``)."""

    contig: str
    position: int
    ref: str
    alt: str
    designs: tuple[AlleleSpecificDesign, ...]
    n_candidates: int
    rejections: dict[str, int]
    scaffold: str
    model: str
    notes: tuple[str, ...] = ()
    typed: tuple[DesignWarning, ...] = ()
    record: Provenance | None = None
    transcripts: tuple[str, ...] = ()

    JOB: ClassVar[Job] = "knockout"

    @property
    def variant(self) -> str:
        return f"{self.contig}:{self.position + 1}:{self.ref}>{self.alt}"

    def as_dict(self, command: str | None = None) -> dict[str, object]:
        return {
            **(self.json_header(command) if self.record is not None else {}),
            "kind": "allele_specific_knockout",
            "coordinates": "1-based inclusive",
            "variant": self.variant,
            "alleles": f"mutant allele carries {self.alt}, wild type {self.ref} (+ strand); "
            "TALENs are designed on the mutant allele",
            "scaffold": self.scaffold,
            "binding_model": self.model,
            "transcripts": list(self.transcripts),
            "margin_definition": "binding margin = the weaker half-site's normalised margin "
            "((score - threshold) / (best - threshold): 1 perfect, 0 at threshold, < 0 fails); "
            "allele_margin = mutant minus wild type",
            "n_candidate_pairs": self.n_candidates,
            "rejections": dict(sorted(self.rejections.items())),
            "notes": list(self.notes),
            "warnings": [w.as_dict() for w in self.typed],
            "designs": [d.as_dict() for d in self.designs],
        }

    def to_json(self, command: str | None = None) -> str:
        from taleforge.io.tables import to_json

        return to_json(self.as_dict(command))

    def to_tsv(self) -> str:
        from taleforge.io.tables import to_tsv

        rows = []
        for d in self.designs:
            s = d.scores
            rows.append({
                "rank": d.rank, "pair_id": d.pair.pair_id(),
                "left_rvds": d.pair.left.rvd_string(), "right_rvds": d.pair.right.rvd_string(),
                "left_start": d.pair.left.bound.start1, "right_end": d.pair.right.bound.end1,
                "spacer_bp": len(d.pair.spacer), "cut": d.pair.cut + 1,
                "variant_tale": d.variant_tale, "variant_repeat": d.variant_repeat,
                "n_terminal": d.n_terminal,
                "mut_margin": round(s.mut_margin, 4), "wt_margin": round(s.wt_margin, 4),
                "allele_margin": round(s.margin, 4), "mut_cuts": s.mut_cuts,
                "wt_cuts": s.wt_cuts, "verdict": d.verdict,
                "offtarget_pairs": None if d.specificity is None
                else d.specificity.n_offtarget_pairs,
            })
        cols = ["rank", "pair_id", "left_rvds", "right_rvds", "left_start", "right_end",
                "spacer_bp", "cut", "variant_tale", "variant_repeat", "n_terminal", "mut_margin",
                "wt_margin", "allele_margin", "mut_cuts", "wt_cuts", "verdict", "offtarget_pairs"]
        head = [f"taleforge allele-specific knockout of {self.variant} "
                f"(scaffold {self.scaffold}, model {self.model}); 1-based coordinates"]
        head += [f"warning: {w.message}" for w in self.typed]
        return to_tsv(rows, cols, head)


# --------------------------------------------------------------------------- geometry


def variant_placement(c: PairCandidates, v: int) -> tuple[NDArray[np.bool_], NDArray[np.int64],
                                                           NDArray[np.int64]]:
    """For local variant index ``v``: (inside a half-site or at its position 0, side 0=left
    1=right, repeat index 0=position 0 else 1-based from the N-terminus)."""
    p, L, S, R = c.p, c.left_len, c.spacer_len, c.right_len
    q = p + L + S + 1
    in_left = (v >= p) & (v <= p + L)
    in_right = (v >= q) & (v <= q + R)
    side = np.where(in_right, 1, 0).astype(np.int64)
    idx = np.where(in_left, v - p, np.where(in_right, q + R - v, -1)).astype(np.int64)
    return in_left | in_right, side, idx


def _reach(sc: Scaffold) -> int:
    return sc.arm_max_rvds + sc.spacer_max_bp + sc.arm_max_rvds + 2


def _score_tale(md: BindingModel, rvds: tuple[str, ...], bound: str, pos0: str) -> SiteScore:
    return md.score_site(rvds, bound, pos0)


def _cuts(a: SiteScore, b: SiteScore, sc: Scaffold) -> bool:
    """Both half-sites pass the model and have a position-0 base the scaffold accepts."""
    return all(s.passes and s.pos0_base is not None and s.pos0_base in sc.pos0_bases
               for s in (a, b))


def _comp(b: str) -> str:
    return reverse_complement(b)


def allele_scores(pair: TalenPair, mut: str, wt: str, offset: int, md: BindingModel,
                  sc: Scaffold) -> AlleleScores:
    """Score the pair's two TALEs (RVDs from the mutant allele) on both allele windows."""
    out: dict[str, SiteScore] = {}
    for name, allele in (("mut", mut), ("wt", wt)):
        up = allele.upper()
        lb, rb = pair.left.bound, pair.right.bound
        out["left_" + name] = _score_tale(md, pair.left.rvds, up[lb.start - offset: lb.end - offset],
                                          up[pair.left.pos0 - offset])
        out["right_" + name] = _score_tale(
            md, pair.right.rvds, reverse_complement(up[rb.start - offset: rb.end - offset]),
            _comp(up[pair.right.pos0 - offset]))

    def margin(a: SiteScore, b: SiteScore) -> float:
        return min(normalised_margin(md, a), normalised_margin(md, b))

    return AlleleScores(
        out["left_mut"], out["right_mut"], out["left_wt"], out["right_wt"],
        margin(out["left_mut"], out["right_mut"]), margin(out["left_wt"], out["right_wt"]),
        _cuts(out["left_mut"], out["right_mut"], sc), _cuts(out["left_wt"], out["right_wt"], sc),
    )


def _alleles(seq: str, offset: int, position: int, alt: str,
             cis: Sequence[tuple[int, str]]) -> tuple[str, str]:
    up = seq.upper()
    v = position - offset
    if not 0 <= v < len(up):
        raise RegionError(f"variant position {position + 1} lies outside the sequence "
                          f"({offset + 1}-{offset + len(up)})",
                          hint="positions are 1-based on the command line")
    alt = alt.upper()
    if alt not in ("A", "C", "G", "T") or alt == up[v]:
        raise InputError(f"the mutant base {alt!r} must differ from the reference {up[v]!r}",
                         hint="give a substitution REF>ALT with two different bases")
    mut = list(up)
    mut[v] = alt
    for pos, b in cis:
        if 0 <= pos - offset < len(mut) and pos != position:
            mut[pos - offset] = b.upper()
    return "".join(mut), up


def _n_terminal(idx: NDArray[np.int64], side: NDArray[np.int64], c: PairCandidates,
                frac: float) -> NDArray[np.bool_]:
    length = np.where(side == 0, c.left_len, c.right_len)
    return (idx == 0) | (idx <= np.floor(frac * length))


def allele_candidates(
    mut: str, sc: Scaffold, v: int, *, contig: str, offset: int
) -> tuple[PairCandidates, int, NDArray[np.int64], NDArray[np.int64]]:
    """Every pair of the scaffold on the mutant allele with the variant (local index ``v``) in
    a half-site or at a position 0; also the raw count in reach and (side, repeat index)."""
    reach = _reach(sc)
    c = enumerate_pairs(mut, sc, contig=contig, offset=offset, cut_window=(v - reach, v + reach + 1))
    n_reach = len(c)
    ok, side, idx = variant_placement(c, v)
    return c.subset(ok), n_reach, side[ok], idx[ok]


def _no_design(label: str, sc: Scaffold, why: str) -> NoResultError:
    return NoResultError(
        f"no allele-specific design for {label}: {why}",
        hint="try another scaffold (e.g. plus63 or evolved-ntd for other position-0 bases, or "
        "wider arm/spacer ranges), or give more flanking sequence",
    )


def _reason_none(mut: str, v: int, sc: Scaffold) -> str:
    reach = _reach(sc)
    lo, hi = max(0, v - reach), min(len(mut), v + reach + 1)
    n_n = mut[lo:hi].upper().count("N")
    why = (f"no TALEN pair of scaffold {sc.name} (arms {sc.arm_min_rvds}-{sc.arm_max_rvds} RVDs, "
           f"spacer {sc.spacer_min_bp}-{sc.spacer_max_bp} bp, position 0 {sc.pos0_bases}) places "
           "the variant inside a half-site or at position 0")
    if n_n:
        why += f"; {n_n} N base(s) within {reach} bp of the variant"
    if v < reach or len(mut) - v <= reach:
        why += "; the sequence ends within reach of the variant"
    return why


def allele_specific_window(
    seq: str,
    position: int,
    alt: str,
    *,
    contig: str = "seq",
    offset: int = 0,
    cis: Sequence[tuple[int, str]] = (),
    scaffold: str | Scaffold = "tale-nt",
    model: str | BindingModel = "positional",
    n_designs: int = 5,
    params: ParamTable = ALLELE_PARAMS,
    streubel: bool = True,
    progress: ProgressCallback | None = None,
) -> tuple[list[AlleleSpecificDesign], int, dict[str, int]]:
    """Ranked allele-specific designs (not yet scanned genome-wide) for the substitution of
    genome base ``position`` (0-based) to ``alt``; ``seq`` is the reference + strand window
    starting at ``offset``. Returns (designs, candidate pairs in reach, rejections per rule).
    Raises :class:`NoResultError` naming the reason when no pair places the variant in a
    half-site."""
    from taleforge.design.donor.common import _pair_quality
    from taleforge.design.talen_rules import evaluate_rules

    check_acgt(seq, name="sequence")
    sc = get_scaffold(scaffold) if isinstance(scaffold, str) else scaffold.validate()
    md = get_model(model) if isinstance(model, str) else model
    if n_designs < 1:
        raise ParameterError("the number of designs must be >= 1", hint="e.g. --designs 5")
    mut, wt = _alleles(seq, offset, position, alt, cis)
    v = position - offset
    label = f"{contig}:{position + 1}:{wt[v]}>{mut[v]}"
    report(progress, "allele-specific pairs", 0, None)
    c, n_reach, side, idx = allele_candidates(mut, sc, v, contig=contig, offset=offset)
    rejections: dict[str, int] = {}
    if n_reach - len(c):
        rejections["variant not in a half-site"] = n_reach - len(c)
    if len(c) == 0:
        raise _no_design(label, sc, _reason_none(mut, v, sc))
    if streubel:
        before = len(c)
        cols0 = evaluate_rules(c, streubel=True)
        keep = cols0.all_pass(len(c))
        rej = {r: int((~ok).sum()) for r, ok in sorted(cols0.passed.items()) if (~ok).any()}
        for k, n in rej.items():
            rejections[k] = rejections.get(k, 0) + n
        c, side, idx = c.subset(keep), side[keep], idx[keep]
        if len(c) == 0:
            raise _no_design(label, sc, f"all {before} pairs with the variant in a half-site "
                             "failed the TALE-NT filters (" + "; ".join(
                                 f"{k}: {n}" for k, n in sorted(rej.items())) + ")")
    filters = evaluate_rules(c, streubel=streubel) if streubel else None
    qual = _pair_quality(c)
    frac = float(params["n_terminal_fraction"])
    nterm = _n_terminal(idx, side, c, frac)
    # score every candidate on both alleles (the cheap part: one model call per half-site)
    scores: list[AlleleScores] = []
    cache: dict[tuple[int, int, int, int], tuple[SiteScore, SiteScore]] = {}
    for i in range(len(c)):
        pair = c.materialize(i, g_rvd=sc.g_rvd)
        scores.append(_cached_scores(pair, mut, wt, offset, md, sc, cache))
        if i % 500 == 0:
            report(progress, "allele-specific pairs", i, len(c))
    report(progress, "allele-specific pairs", len(c), len(c))
    mut_cuts = np.array([s.mut_cuts for s in scores], dtype=bool)
    rej_mut = int((~mut_cuts).sum())
    if rej_mut:
        rejections["does not cut the mutant allele"] = rej_mut
    if not mut_cuts.any():
        raise _no_design(label, sc, f"none of the {len(c)} pairs with the variant in a half-site "
                         f"passes the {md.name} model on the mutant allele")
    prefer = np.array([s.prefers_mutant for s in scores], dtype=bool)
    no_pref = int((mut_cuts & ~prefer).sum())
    if no_pref:
        rejections["no allele preference (the model reads both bases alike)"] = no_pref
    mut_cuts &= prefer
    if not mut_cuts.any():
        raise _no_design(label, sc, f"the {md.name} model scores the wild-type allele as well "
                         f"as the mutant for every pair with the variant in a half-site "
                         "(the RVD facing the variant reads both bases)")
    vsite = np.where(side == 0, c.p * 64 + c.left_len,
                     -((c.p + c.left_len + c.spacer_len + 1) * 64 + c.right_len))
    table = {
        "wt_fails": np.array([not s.wt_cuts for s in scores]) & mut_cuts,
        "margin": np.where(mut_cuts, np.array([s.margin for s in scores]), -1e9),
        "n_terminal": nterm, "quality": qual, "p": c.p, "L": c.left_len, "S": c.spacer_len,
        "R": c.right_len, "vsite": vsite,
    }
    order = rank(table, ALLELE_RANK_KEYS, unique=("vsite",), limit=n_designs)
    order = [i for i in order if mut_cuts[i]]
    cis_pos = sorted(p for p, _ in cis if p != position)
    out: list[AlleleSpecificDesign] = []
    for r, i in enumerate(order, 1):
        pair = c.materialize(i, g_rvd=sc.g_rvd)
        s = scores[i]
        sd = "left" if side[i] == 0 else "right"
        other = pair.right if sd == "left" else pair.left
        o_lo, o_hi = min(other.pos0, other.bound.start), max(other.pos0 + 1, other.bound.end)
        cis_other = tuple(p for p in cis_pos if o_lo <= p < o_hi)
        d = _design(r, pair, sd, int(idx[i]), bool(nterm[i]), cis_other, s, float(qual[i]),
                    filters.evals_for(i) if filters is not None else [], sc, md, params, frac)
        out.append(d)
    return out, n_reach, rejections


def _cached_scores(pair: TalenPair, mut: str, wt: str, offset: int, md: BindingModel,
                   sc: Scaffold, cache: dict[tuple[int, int, int, int], tuple[SiteScore, SiteScore]]
                   ) -> AlleleScores:
    """:func:`allele_scores` with the half-site scores cached by (side, start, length)."""
    def half(side: int, start: int, length: int, make: Any) -> tuple[SiteScore, SiteScore]:
        key = (side, start, length, 0)
        hit = cache.get(key)
        if hit is None:
            hit = make()
            cache[key] = hit
        return hit

    lb, rb = pair.left.bound, pair.right.bound

    def left() -> tuple[SiteScore, SiteScore]:
        return tuple(_score_tale(md, pair.left.rvds, a.upper()[lb.start - offset: lb.end - offset],
                                 a.upper()[pair.left.pos0 - offset]) for a in (mut, wt))  # type: ignore[return-value]

    def right() -> tuple[SiteScore, SiteScore]:
        return tuple(_score_tale(md, pair.right.rvds,
                                 reverse_complement(a.upper()[rb.start - offset: rb.end - offset]),
                                 _comp(a.upper()[pair.right.pos0 - offset])) for a in (mut, wt))  # type: ignore[return-value]

    lm, lw = half(0, lb.start, len(lb), left)
    rm, rw = half(1, rb.start, len(rb), right)

    return AlleleScores(
        lm, rm, lw, rw,
        min(normalised_margin(md, lm), normalised_margin(md, rm)),
        min(normalised_margin(md, lw), normalised_margin(md, rw)),
        _cuts(lm, rm, sc), _cuts(lw, rw, sc),
    )


def _why_fails(s: SiteScore, sc: Scaffold) -> str:
    if s.pos0_base is None or s.pos0_base not in sc.pos0_bases:
        return f"position 0 is {s.pos0_base}, scaffold {sc.name} accepts only {sc.pos0_bases}"
    if not s.passes:
        cmp = "above" if not s.higher_is_better else "below"
        return f"score {s.score:.3f} is {cmp} the threshold {s.threshold:.3f}"
    return "passes"


def _design(r: int, pair: TalenPair, side: str, idx: int, nterm: bool, cis_other: tuple[int, ...],
            s: AlleleScores, q: float, filters: Sequence[RuleEval], sc: Scaffold,
            md: BindingModel, params: ParamTable, frac: float) -> AlleleSpecificDesign:
    vt = s.left_wt if side == "left" else s.right_wt
    vm = s.left_mut if side == "left" else s.right_mut
    where = "position 0" if idx == 0 else f"repeat {idx} of {len(vm.per_position)}"
    rules: list[RuleEval] = list(filters)
    rules.append(RuleEval("variant_in_half_site", "filter", True, idx, 0.0,
                          f"pass: the variant is at {where} of the {side} TALE"))
    rules.append(RuleEval("cuts_mutant_allele", "filter", True, round(s.mut_margin, 6), 0.0,
                          f"pass: both half-sites pass {md.name} on the mutant allele (binding "
                          f"margin {s.mut_margin:.3f})"))
    wt_fail_why = [f"{n} {_why_fails(x, sc)}" for n, x in (("left:", s.left_wt), ("right:", s.right_wt))
                   if _why_fails(x, sc) != "passes"]
    rules.append(RuleEval(
        "wild_type_fails", "rank", not s.wt_cuts, int(not s.wt_cuts), 0.0,
        "rank key 1: " + ("the wild-type allele fails outright (" + "; ".join(wt_fail_why) + ")"
                          if not s.wt_cuts else
                          "the wild-type allele still passes the model on both half-sites "
                          f"({side} TALE {vm.score:.3f} on the mutant vs {vt.score:.3f} on the "
                          "wild type)")))
    rules.append(RuleEval(
        "allele_margin", "rank", s.margin >= float(params["min_margin"]), round(s.margin, 6), 0.0,
        f"rank key 2: allele margin {s.margin:.3f} = binding margin {s.mut_margin:.3f} on the "
        f"mutant minus {s.wt_margin:.3f} on the wild type (higher first)"))
    rules.append(RuleEval(
        "position_polarity", "rank", nterm, int(nterm), 0.0,
        f"rank key 3: the variant is {'in' if nterm else 'outside'} the N-terminal "
        f"{frac:.0%} of its array or at position 0 (Juillerat 2014: mismatches there are "
        "tolerated least)"))
    rules.append(RuleEval("pair_quality", "rank", True, round(q, 6), 0.0,
                          f"rank key 4: mean fraction of strong RVDs {q:.3f} (ties: position, "
                          "arm and spacer lengths)"))
    if cis_other:
        rules.append(RuleEval("cis_snp_other_half_site", "flag", True, len(cis_other), 0.0,
                              "the other half-site carries cis SNP(s) at "
                              + ", ".join(str(p + 1) for p in cis_other)
                              + " (mutant allele only)"))
    verdict = "wild type fails" if not s.wt_cuts else "prefers mutant"
    warns: tuple[str, ...] = ()
    if s.wt_cuts:
        warns = (f"{pair.pair_id()} only prefers the mutant allele: the wild type still passes "
                 f"{md.name} (allele margin {s.margin:.3f}); both alleles may be cut",)
    return AlleleSpecificDesign(r, pair, side, idx, nterm, cis_other, s, q, verdict=verdict,
                                rules=tuple(rules), warnings=warns)


# --------------------------------------------------------------------------- the job


@dataclass(frozen=True)
class AlleleSpecificParams:
    """Options of the allele-specific designer. ``cis_variants``: a VCF path or a sequence of
    ``CONTIG:POS:REF>ALT`` strings of heterozygous SNPs in cis with the variant (on the mutant
    allele). ``specificity``: genome-wide off-target scan of the best candidates."""

    scaffold: str | Scaffold = "tale-nt"
    model: str | BindingModel = "positional"
    n_designs: int = 5
    cis_variants: str | os.PathLike[str] | Sequence[str] | None = None
    streubel: bool = True
    specificity: bool = True
    max_mismatches: int | None = None
    params: ParamTable = ALLELE_PARAMS


def _cis_from(spec: Any, contig: str, ref_at: Any) -> tuple[tuple[int, str, str], ...]:
    """(0-based position, REF, ALT) of the SNVs on ``contig`` given as a VCF path or
    ``CONTIG:POS:REF>ALT`` strings; ``ref_at(pos)`` (None = unknown) checks REF against the
    reference."""
    from taleforge.genome.variants import parse_variant

    if spec is None:
        return ()
    out: list[tuple[int, str, str]] = []
    if isinstance(spec, (str, os.PathLike)) and os.path.exists(spec):
        from taleforge.genome.vcf import read_vcf

        found = [(v.pos, v.ref.upper(), v.alt.upper()) for v in read_vcf(spec)
                 if v.contig == contig and v.is_snv]
    else:
        items = [spec] if isinstance(spec, str) else list(spec)
        subs = [parse_variant(str(t)) for t in items]
        found = [(u.pos, u.ref, u.alt) for u in subs if u.contig == contig]
    for pos, ref, alt in found:
        have = ref_at(pos)
        if have is not None and have != ref:
            raise InputError(f"cis variant {contig}:{pos + 1}:{ref}>{alt}: the reference has "
                             f"{have} there", hint="write REF>ALT on the + strand of the reference")
        out.append((pos, ref, alt))
    return tuple(sorted(set(out)))


def _variant_window(g: Any, target: str, w: int) -> tuple[str, int, str, str, int, int, str]:
    """``CONTIG:POS:REF>ALT`` checked against the genome: (contig, 0-based pos, REF, ALT,
    window start, window end, the reference window of +-``w`` bp, upper case)."""
    from taleforge.genome.variants import parse_variant

    contig, pos, ref, alt = parse_variant(target)
    n = g.contig_length(contig)
    if pos >= n:
        raise RegionError(f"{contig}:{pos + 1} is past the end of {contig} ({n:,} bp)",
                          hint=f"give a position within {contig}:1-{n}")
    s, e = max(0, pos - w), min(n, pos + w + 1)
    seq = g.fetch(contig, s, e).upper()
    if seq[pos - s] != ref:
        raise InputError(f"the reference has {seq[pos - s]} at {contig}:{pos + 1}, not {ref}",
                         hint="write REF>ALT on the + strand of the reference")
    return contig, pos, ref, alt, s, e, seq


def design_allele_specific(
    target: str | AlleleTarget,
    params: AlleleSpecificParams | None = None,
    *,
    genome: Any = None,
    annotation: Any = None,
    progress: ProgressCallback | None = None,
    backend: str = "auto",
) -> AlleleSpecificResult:
    """Allele-specific TALEN pairs that knock out the mutant allele of a dominant
    substitution. ``target``: ``CONTIG:POS:REF>ALT`` on the reference + strand (the mutant
    allele carries ALT; needs ``genome``) or an :class:`AlleleTarget`. The best candidates
    are scanned genome-wide (``params.specificity`` with a genome); the result says per design
    the score on each allele, the margin and whether the wild type fails outright."""
    from taleforge.design.donor.common import _annotation, _open, _record

    p = params or AlleleSpecificParams()
    g = _open(genome, progress)
    ann: Any = None
    if isinstance(target, str):
        if g is None:
            raise ParameterError("a variant target needs a genome",
                                 hint="pass genome= (--genome), or give an AlleleTarget")
        contig, pos, _ref, alt, s, e, seq = _variant_window(g, target, int(p.params["window_bp"]))
        cis = tuple((q, a) for q, _, a in _cis_from(
            p.cis_variants, contig, lambda q: seq[q - s] if s <= q < e else None))
        ann = _annotation(annotation, g)
        txs = tuple(t for t in ann.transcripts_overlapping(contig, pos, pos + 1)
                    if t.is_coding) if ann is not None else ()
        tgt = AlleleTarget(seq, pos, alt, contig, s, cis, txs)
    else:
        tgt = target
        ann = annotation
        if p.cis_variants is not None and not tgt.cis:
            up = tgt.seq.upper()
            tgt = replace(tgt, cis=tuple((q, a) for q, _, a in _cis_from(
                p.cis_variants, tgt.contig,
                lambda q: up[q - tgt.offset] if 0 <= q - tgt.offset < len(up) else None)))
    sc = get_scaffold(p.scaffold) if isinstance(p.scaffold, str) else p.scaffold.validate()
    md = get_model(p.model) if isinstance(p.model, str) else p.model
    pool = max(p.n_designs, int(p.params["specificity_candidates"])) if (
        p.specificity and g is not None) else p.n_designs
    designs, n_reach, rejections = allele_specific_window(
        tgt.seq, tgt.position, tgt.alt, contig=tgt.contig, offset=tgt.offset, cis=tgt.cis,
        scaffold=sc, model=md, n_designs=pool, params=p.params, streubel=p.streubel,
        progress=progress)
    notes: list[str] = []
    scanned = p.specificity and g is not None
    if scanned:
        from taleforge.design.specificity import specificity_for_pairs

        summ = specificity_for_pairs(g, [d.pair for d in designs], scaffold=sc, model=md,
                                     max_mismatches=p.max_mismatches, backend=backend,
                                     progress=progress)
        from taleforge.design.donor.common import offtarget_calls

        # the donor jobs' calls: clean / second cut (with its consequence), breakdown
        calls = offtarget_calls(list(summ), [d.pair for d in designs], seq=tgt.seq,
                                offset=tgt.offset, genome=g, local_coordinates=False,
                                annotation=ann)
        designs = [replace(d, specificity=sm, offtarget=cl, rules=(
            *d.rules, RuleEval(
                "second_cut_tier", "rank", bool(cl.clean), cl.tier, 0.0,
                "rank key 0: " + ("no passing off-target pair in the scanned genome (clean "
                                  "designs rank first)" if cl.clean else
                                  "a passing off-target pair elsewhere (second cut): ranks "
                                  "after every clean design")),
            *sm.rule_evals()))
            for d, sm, cl in zip(designs, summ, calls, strict=True)]
        # clean first (a second cut is worse than a weak allele preference), then the allele
        # keys; fewer off-target sites breaks ties between equal margins
        idx = rank({"tier": [c.tier for c in calls],
                    "wt_fails": [d.wt_fails for d in designs],
                    "margin": [round(d.scores.margin, 9) for d in designs],
                    "n_terminal": [d.n_terminal for d in designs],
                    "spec": [float(d.specificity.score) for d in designs],
                    "row": list(range(len(designs)))},
                   ("tier", "-wt_fails", "-margin", "-n_terminal", "-spec", "row"))
        designs = [designs[i] for i in idx]
        notes.append(f"{len(designs)} candidate(s) scanned genome-wide for off-targets "
                     f"({g.name}); the wild-type allele at the target itself is not an "
                     "off-target (it is scored above)")
    else:
        notes.append("no genome-wide specificity scan (no genome given or --no-specificity)")
    designs = [replace(d, rank=r, rules=(*d.rules, *_cut_in_transcripts(d.pair, tgt.transcripts)))
               for r, d in enumerate(designs[: p.n_designs], 1)]
    typed: list[DesignWarning] = []
    if designs and all(not d.wt_fails for d in designs):
        best = designs[0]
        typed.append(DesignWarning(
            "allele-specificity",
            f"the best design only prefers the mutant allele: no pair makes the wild type fail "
            f"outright under {md.name} (best allele margin {best.scores.margin:.3f}); both "
            "alleles may be cut",
            design=best.pair.pair_id(),
            details={"allele_margin": round(best.scores.margin, 6),
                     "wt_margin": round(best.scores.wt_margin, 6)}))
    for d in designs:
        if not d.wt_fails and d.rank > 1:
            typed.append(DesignWarning("allele-specificity", d.warnings[0], "note",
                                       design=d.pair.pair_id()))
    if not scanned:
        typed.append(DesignWarning("not-checked", "designs listed without a genome-wide "
                                   "off-target check", "note"))
    else:
        for d in designs:
            typed.extend(d.offtarget.warnings if d.offtarget is not None else ())
        if designs and all(d.offtarget is not None and d.offtarget.clean is False
                           for d in designs):
            typed.append(DesignWarning(
                "no-clean-design", "every allele-specific design forms a passing off-target "
                "pair in the scanned genome: the best available are shown, each with its "
                "second cut"))
    tables = ("allele_specific", "rvd_code", "talen_filters",
              *(("offtarget_specificity", "scored_scan", "halfsite_scan") if scanned else ()))
    record = _record(g, tgt.seq, tgt.contig, ann, md, False, tables, (p.params,))
    up = tgt.seq.upper()
    return AlleleSpecificResult(
        tgt.contig, tgt.position, up[tgt.position - tgt.offset], tgt.alt.upper(),
        tuple(designs), n_reach, rejections, sc.name, md.name, tuple(notes), tuple(typed),
        record, tuple(t.id for t in tgt.transcripts),
    )


def _cut_in_transcripts(pair: TalenPair, txs: Sequence[Transcript]) -> tuple[RuleEval, ...]:
    """Where the cut falls in each coding transcript at the variant (a knockout flag)."""
    out = []
    for tx in txs:
        ex = tx.exon_number(pair.cut)
        off = tx.cds_offset(pair.cut)
        where = (f"c.{off + 1} ({100 * off / max(1, tx.cds_length):.0f}% of the CDS)"
                 if off is not None else "outside the CDS")
        out.append(RuleEval("cut_in_transcript", "flag", off is not None,
                            off + 1 if off is not None else None, 0.0,
                            f"{tx.id}: the cut is in " + (f"exon {ex}, " if ex else "an intron, ")
                            + where))
    return tuple(out)


# --------------------------------------------------------------------------- correction


def allele_specific_correction(
    target: Any,
    params: Any = None,
    *,
    cis_variants: Any = None,
    genome: Any = None,
    annotation: Any = None,
    progress: ProgressCallback | None = None,
    backend: str = "auto",
    allele_params: ParamTable = ALLELE_PARAMS,
    offtarget_genome: Any = None,
) -> Any:
    """The correction designer (:func:`taleforge.design.donor.correct_window`) restricted to
    pairs with the variant inside a half-site (or at position 0), re-ranked by the allele keys
    (wild type fails outright, allele margin, position polarity) and explained per design.
    ``target``: ``CONTIG:POS:REF>ALT`` on the reference + strand (the cells carry ALT on the
    mutant allele; needs ``genome``) or a :class:`~taleforge.design.donor.SequenceEdit` (its
    ``seq`` is the mutant allele, ``to_base`` the wild-type base); ``params`` a
    ``CorrectionParams``; ``cis_variants`` as :class:`AlleleSpecificParams`;
    ``offtarget_genome`` as for ``design_correction``. Returns a ``CorrectionResult`` (the
    ``correction`` writers apply)."""
    from taleforge.design.donor.common import _annotation, _open
    from taleforge.design.donor.correction import CorrectionParams, SequenceEdit, correct_window

    p = params or CorrectionParams()
    g = _open(genome, progress)
    og = _open(offtarget_genome, progress)
    scan = og if og is not None else g
    sc = get_scaffold(p.scaffold) if isinstance(p.scaffold, str) else p.scaffold.validate()
    md = get_model(p.model) if isinstance(p.model, str) else p.model
    ann: Any = annotation
    if isinstance(target, str):
        if g is None:
            raise ParameterError("a variant target needs a genome",
                                 hint="pass genome= (--genome), or give a SequenceEdit")
        contig, pos, ref, alt, s, e, wt = _variant_window(g, target,
                                                          int(p.donor_params["window_bp"]))
        cis = _cis_from(cis_variants, contig, lambda q: wt[q - s] if s <= q < e else None)
        mut, _ = _alleles(wt, s, pos, alt, [(q, a) for q, _, a in cis])
        ann = _annotation(annotation, g)
        txs = tuple(t for t in ann.transcripts_overlapping(contig, pos, pos + 1)
                    if t.is_coding) if ann is not None else ()
        edit = SequenceEdit(mut, pos, ref, contig, s, txs)
        local = og is not None and og is not g
    else:
        if not isinstance(target, SequenceEdit):
            raise ParameterError("target must be a variant string or a SequenceEdit",
                                 hint="e.g. chr11:5227002:T>A")
        from taleforge.design.donor.common import check_local_transcripts

        edit = target
        check_local_transcripts(edit.transcripts, edit.offset, len(edit.seq))
        mut = edit.seq.upper()
        v0 = edit.position - edit.offset
        if not 0 <= v0 < len(mut):
            raise RegionError(f"position {edit.position + 1} lies outside the sequence",
                              hint="positions are 1-based on the command line")
        # the given sequence is the mutant allele, cis SNPs included: the wild type has REF
        cis = _cis_from(cis_variants, edit.contig, lambda q: None)
        wl = list(mut)
        wl[v0] = edit.to_base.upper()
        for q, r, a in cis:
            if 0 <= q - edit.offset < len(wl) and q != edit.position:
                if mut[q - edit.offset] != a:
                    raise InputError(f"cis variant {edit.contig}:{q + 1}:{r}>{a}: the given "
                                     f"(mutant) sequence has {mut[q - edit.offset]} there",
                                     hint="give the mutant allele with its cis SNPs")
                wl[q - edit.offset] = r
        wt = "".join(wl)
        contig, pos = edit.contig, edit.position
        local = True
        ann = _annotation(annotation, None)
    label = f"{contig}:{pos + 1}"
    frac = float(allele_params["n_terminal_fraction"])

    def pair_filter(c: PairCandidates) -> PairCandidates:
        ok, _, _ = variant_placement(c, pos - c.offset)
        if not ok.any():
            raise _no_design(label, sc, f"none of the {len(c)} pairs cutting within the "
                             "correction distance places the variant inside a half-site or "
                             "at position 0 (a cut close to the edit leaves the variant only "
                             "at the spacer end of an array; try a larger --max-cut-distance)")
        return c.subset(ok)

    kw = p.window_kwargs()
    kw["n_designs"] = max(p.n_designs * 2, 6)
    res = correct_window(edit.seq, edit.position, edit.to_base, contig=edit.contig,
                         offset=edit.offset, transcripts=edit.transcripts,
                         genome=scan if p.specificity else None,
                         reference=None if local and isinstance(target, SequenceEdit) else g,
                         annotation=ann, progress=progress, backend=backend,
                         local_coordinates=local, pair_filter=pair_filter, **kw)
    rows = []
    for d in res.designs:
        sc_ = allele_scores(d.pair, mut, wt, edit.offset, md, sc)
        c1 = PairCandidates(res.contig, edit.offset, mut,
                            np.array([d.pair.left.pos0 - edit.offset]),
                            np.array([d.pair.left.length]), np.array([len(d.pair.spacer)]),
                            np.array([d.pair.right.length]))
        _, side, idx = variant_placement(c1, pos - edit.offset)
        nterm = bool(_n_terminal(idx, side, c1, frac)[0])
        rows.append((d, sc_, "left" if side[0] == 0 else "right", int(idx[0]), nterm))
    rows = [r for r in rows if r[1].prefers_mutant]
    if not rows:
        raise _no_design(label, sc, f"no correction pair cuts the mutant allele better than the "
                         f"wild type under {md.name}")
    order = rank({"wt_fails": [not r[1].wt_cuts for r in rows],
                  "margin": [round(r[1].margin, 9) for r in rows],
                  "n_terminal": [r[4] for r in rows],
                  "row": list(range(len(rows)))},
                 ("-wt_fails", "-margin", "-n_terminal", "row"), limit=p.n_designs)
    designs = []
    cis_pos = sorted(q for q, _, _ in cis if q != pos)
    for rk, i in enumerate(order, 1):
        d, s_, sd, idx_, nterm = rows[i]
        other = d.pair.right if sd == "left" else d.pair.left
        o_lo, o_hi = min(other.pos0, other.bound.start), max(other.pos0 + 1, other.bound.end)
        cis_other = tuple(q for q in cis_pos if o_lo <= q < o_hi)
        ad = _design(rk, d.pair, sd, idx_, nterm, cis_other, s_, d.quality, [], sc, md,
                     allele_params, frac)
        extra = tuple(r for r in ad.rules if r.rule != "pair_quality")
        extra = tuple(replace(r, reason="allele " + r.reason) if r.kind == "rank" else r
                      for r in extra)
        designs.append(replace(d, rank=rk, rules=(*d.rules, *extra),
                               warnings=(*d.warnings, *ad.warnings)))
    warns: list[Any] = list(res.warnings)
    if designs and all(rows[i][1].wt_cuts for i in order):
        best = rows[order[0]]
        warns.append(DesignWarning(
            "allele-specificity",
            f"the best correction cut only prefers the mutant allele (allele margin "
            f"{best[1].margin:.3f} under {md.name}); the wild-type allele may be cut too",
            design=best[0].pair.pair_id(),
            details={"allele_margin": round(best[1].margin, 6)}))
    return replace(res, designs=tuple(designs), warnings=tuple(warns))


__all__ = [
    "ALLELE_PARAMS",
    "ALLELE_RANK_KEYS",
    "AlleleScores",
    "AlleleSpecificDesign",
    "AlleleSpecificParams",
    "AlleleSpecificResult",
    "AlleleTarget",
    "allele_candidates",
    "allele_scores",
    "allele_specific_correction",
    "allele_specific_window",
    "design_allele_specific",
    "variant_placement",
]

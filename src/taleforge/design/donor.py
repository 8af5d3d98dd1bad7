"""Repair-template designer (issue 5): point correction with an ssODN, in-frame knock-in
donors (2A + cargo) and intronic insertion cassettes (DOMAIN.md §7).

Coordinates: 0-based half-open internally (genome coordinates; ``seq`` is a + strand window
whose first base is ``offset``); 1-based inclusive in every ``as_dict``/report text.

Alleles: :func:`design_correction` receives the *current* allele (what is in the cells, e.g.
the sickle allele) and the base to correct *toward*. TALEN pairs are designed on the current
allele (that is what must be cut); blocking mutations are chosen on the corrected allele so
that it is not cut again. :func:`correction_from_variant` takes a variant written as on the
reference (``chr11:5227002:T>A`` = reference T, cells carry A) and corrects the cells'
ALT allele back to the reference REF base.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
from Bio.Seq import Seq

from taleforge.design.blocking import (
    BLOCKING_PARAMS,
    BlockingResult,
    Change,
    CleavableSite,
    ProteinChange,
    apply_changes,
    choose_blocking,
    cleavable_sites,
    protein_changes,
    score_half_sites,
)
from taleforge.design.cargo import DONOR_ELEMENTS, Cargo, two_a_sequence
from taleforge.design.pairs import PairCandidates, check_acgt, enumerate_pairs
from taleforge.design.primers import (
    PRIMER_PARAMS,
    PrimerPair,
    RestrictionChange,
    primers_in_regions,
    restriction_changes,
)
from taleforge.design.primers import design_primers as _primer3
from taleforge.design.ranking import Ranking, rank
from taleforge.design.result import DesignResult, Job, Provenance
from taleforge.design.ssodn import SSODN_PARAMS, Ssodn, design_ssodn
from taleforge.design.talen_rules import evaluate_rules, half_site_matrices, strong_rvd_fraction
from taleforge.errors import (
    InputError,
    NoResultError,
    ParameterError,
    RegionError,
)
from taleforge.genome.annotation import Transcript
from taleforge.genome.variants import parse_variant
from taleforge.model.interval import reverse_complement
from taleforge.model.params import Param, ParamTable, register_table
from taleforge.model.rules import RuleEval
from taleforge.model.scaffold import Scaffold, get_scaffold
from taleforge.model.talen import TalenPair
from taleforge.progress import ProgressCallback, report
from taleforge.scoring.base import BindingModel, SiteScore, get_model

DONOR_PARAMS = register_table(
    ParamTable(
        name="donor",
        version="1",
        params=(
            Param("max_cut_distance_bp", 10, "bp", "Paquet 2016 (edit within ~10 bp of cut)",
                  "K", "largest distance between the edited base and the TALEN cut"),
            Param("arm_nt", 500, "bp", "DOMAIN.md §7 (300-1000 bp typical)", "K",
                  "default homology-arm length for dsDNA/AAV donors"),
            Param("arm_min_nt", 300, "bp", "DOMAIN.md §7", "K"),
            Param("arm_max_nt", 1000, "bp", "DOMAIN.md §7", "K"),
            Param("aav_capacity_bp", 4400, "bp", "AAV6 packaging between ITRs (DOMAIN.md §7)",
                  "K", "warn when arms + cargo + polyA exceed this"),
            Param("intron_donor_exclusion_bp", 50, "bp", "placeholder", "U",
                  "no cut within this distance of the intron's splice donor (5' end)"),
            Param("intron_branch_point_bp", (18, 50), "bp upstream of acceptor",
                  "branch point lies 18-40 nt upstream of the 3' splice site (Gao 2008)", "K",
                  "no cut in this range upstream of the acceptor AG"),
            Param("intron_ppt_bp", 40, "bp", "polypyrimidine tract just 5' of the AG", "K",
                  "no cut within this distance of the splice acceptor"),
            Param("intron_margin_bp", 20, "bp", "placeholder", "U",
                  "extra margin added to the exclusion zones for indels at the cut"),
            Param("max_pairs_tried", 200, "pairs", "placeholder", "U",
                  "candidate pairs examined per design before giving up"),
            Param("knockin_min_cut_spacing_bp", 5, "bp", "as the knockout designer", "U",
                  "skip knock-in designs whose cut is this close to a better design's cut"),
            Param("window_bp", 1500, "bp", "placeholder", "U",
                  "sequence fetched either side of the site in genome mode"),
        ),
    )
)

Layout = Literal["2a-cargo-polya", "2a-cargo-2a"]


# --------------------------------------------------------------------------- pair selection
def _pair_quality(c: PairCandidates) -> np.ndarray:
    """Pair quality in [0, 1]: mean fraction of strong RVDs (HD, NN) over both half-sites
    (DOMAIN.md §3), used when the knockout designer's ``pair_quality`` is absent."""
    left, right = half_site_matrices(c)
    return (strong_rvd_fraction(left, c.left_len) + strong_rvd_fraction(right, c.right_len)) / 2.0


def _filter_streubel(c: PairCandidates) -> tuple[PairCandidates, dict[str, int]]:
    if len(c) == 0:
        return c, {}
    cols = evaluate_rules(c, streubel=True)
    ok = np.ones(len(c), dtype=bool)
    rej: dict[str, int] = {}
    for rule, passed in sorted(cols.passed.items()):
        nfail = int((~passed).sum())
        if nfail:
            rej[rule] = nfail
        ok &= passed
    return c.subset(ok), rej


def _distance_to_cut(cut: np.ndarray | int, pos: int) -> Any:
    """bp between base ``pos`` and the cut between ``cut-1`` and ``cut`` (0 = flanking)."""
    return np.where(pos >= cut, pos - cut, cut - 1 - pos)


def _resolve(scaffold: str | Scaffold, model: str | BindingModel) -> tuple[Scaffold, BindingModel]:
    sc = get_scaffold(scaffold) if isinstance(scaffold, str) else scaffold.validate()
    md = get_model(model) if isinstance(model, str) else model
    return sc, md


def _specificity(
    genome: Any,
    pairs: list[TalenPair],
    scaffold: Scaffold,
    model: BindingModel,
    progress: ProgressCallback | None,
    backend: str = "auto",
) -> list[float | None]:
    """Specificity score (higher is better, 0 = no off-target pair or half-site passing the
    model) from the specificity service
    (:func:`taleforge.design.specificity.specificity_for_pairs`) when a genome is given;
    None without a genome."""
    if genome is None or not pairs:
        return [None] * len(pairs)
    from taleforge.design.specificity import specificity_for_pairs

    res = specificity_for_pairs(genome, pairs, scaffold=scaffold, model=model, progress=progress,
                                backend=backend)
    return [round(float(r.score), 6) + 0.0 for r in res]


def _record(genome: Any, seq: str, contig: str, annotation: Any, model: BindingModel,
            specificity: bool, tables: tuple[str, ...], used: tuple[ParamTable, ...]) -> Provenance:
    """The provenance record of a donor design: the genome the window came from (else the
    window itself, named by its contig, with the sha256 of its sequence)."""
    import hashlib

    from taleforge.design.result import make_provenance

    if genome is None:
        genome = {"name": contig, "sha256": hashlib.sha256(seq.upper().encode()).hexdigest()}
    spec = ("offtarget_specificity", "scored_scan", "halfsite_scan") if specificity else ()
    return make_provenance(genome=genome, annotation=annotation, model=model,
                           tables=(*tables, "rvd_code", "talen_filters", *spec),
                           extra_tables=used)


def _fetcher(seq: str, offset: int, contig: str) -> Any:
    def fetch(c: str, s: int, e: int, strand: str = "+") -> str:
        if c != contig or s < offset or e > offset + len(seq):
            raise RegionError(
                f"{c}:{s + 1}-{e} lies outside the sequence window "
                f"{contig}:{offset + 1}-{offset + len(seq)}",
                hint="give more flanking sequence around the transcript",
            )
        out = seq[s - offset : e - offset].upper()
        return reverse_complement(out) if strand == "-" else out

    return fetch


# ------------------------------------------------------------------------ point correction
@dataclass(frozen=True)
class CorrectionDesign:
    rank: int
    pair: TalenPair
    distance_bp: int
    edit_in_spacer: bool
    quality: float
    specificity: float | None
    blocking: BlockingResult
    changes: tuple[Change, ...]  # edit + blocking, sorted by position
    corrected_seq: str  # the + strand window after all changes
    consequences: tuple[ProteinChange, ...]  # of all changes vs the current allele
    ssodns: tuple[Ssodn, Ssodn]
    restriction: tuple[RestrictionChange, ...]
    primers: tuple[PrimerPair, ...]
    warnings: tuple[str, ...] = ()
    rules: tuple[RuleEval, ...] = ()  # rule by rule: filters passed, then the rank keys

    def explain(self) -> str:
        return _explain(f"#{self.rank} {self.pair.pair_id()}", self.rules)

    def edited_region(self, offset: int, flank: int = 30) -> dict[str, object]:
        """The corrected allele from the TALEN site - ``flank`` to the site + ``flank``
        (+ strand; changed bases in lower case)."""
        lo = max(offset, min(self.pair.left.pos0, *(c.pos for c in self.changes)) - flank)
        hi = min(offset + len(self.corrected_seq),
                 max(self.pair.right.pos0, *(c.pos for c in self.changes)) + 1 + flank)
        changed = {c.pos for c in self.changes}
        text = "".join(
            self.corrected_seq[g - offset].lower() if g in changed
            else self.corrected_seq[g - offset].upper()
            for g in range(lo, hi)
        )
        return {"start": lo + 1, "end": hi, "strand": "+", "sequence": text}

    def as_dict(self, offset: int) -> dict[str, object]:
        p = self.pair
        return {
            "rank": self.rank,
            **_pair_summary(p),
            "spacer": f"{p.spacer.start1}-{p.spacer.end1} ({len(p.spacer)} bp)",
            "cut_between": [p.cut, p.cut + 1],
            "distance_to_cut_bp": self.distance_bp,
            "edit_in_spacer": self.edit_in_spacer,
            "pair_quality": round(self.quality, 6),
            "specificity": self.specificity,
            "blocking": self.blocking.as_dict(),
            "changes": [
                {"position": c.pos + 1, "from": c.ref, "to": c.alt, "kind": c.kind}
                for c in self.changes
            ],
            "edited_sequence": self.edited_region(offset),
            "protein_consequences": [c.as_dict() for c in self.consequences],
            "ssodn": [o.as_dict() for o in self.ssodns],
            "restriction_sites": [r.as_dict() for r in self.restriction],
            "primers": [pp.as_dict() for pp in self.primers],
            "warnings": list(self.warnings),
            "rules": [r.as_dict() for r in self.rules],
        }


@dataclass(frozen=True)
class CorrectionResult(DesignResult):
    contig: str
    offset: int
    position: int  # 0-based genome position of the corrected base
    current_base: str  # + strand base in the cells (before correction)
    corrected_base: str  # + strand base after correction
    designs: tuple[CorrectionDesign, ...]
    n_candidates: int
    rejections: dict[str, int]
    scaffold: str
    model: str
    warnings: tuple[str, ...] = ()
    transcripts: tuple[str, ...] = ()
    record: Provenance | None = None

    JOB: ClassVar[Job] = "correction"

    def as_dict(self, command: str | None = None) -> dict[str, object]:
        return {
            **(self.json_header(command) if self.record is not None else {}),
            "kind": "point_correction",
            "coordinates": "1-based inclusive",
            "contig": self.contig,
            "position": self.position + 1,
            "correction": f"{self.current_base}>{self.corrected_base} (+ strand): the cells' "
            f"{self.current_base} allele is corrected toward {self.corrected_base}",
            "scaffold": self.scaffold,
            "binding_model": self.model,
            "transcripts": list(self.transcripts),
            "consequence_direction": "protein_consequences read from the cells' current "
            "allele to the corrected allele (e.g. p.Val7Glu = Val now, Glu after correction); "
            "blocking mutations are synonymous (p.Xaa=)",
            "n_candidate_pairs": self.n_candidates,
            "rejections": dict(sorted(self.rejections.items())),
            "warnings": list(self.warnings),
            "designs": [d.as_dict(self.offset) for d in self.designs],
        }


#: design.ranking.rank keys of correction pairs: edit inside the spacer first, then the
#: edit-to-cut distance, pair quality, position and lengths; with a specificity scan the
#: specificity score ranks after the distance
CORRECTION_RANK_KEYS = ("outside_spacer", "distance", "-quality", "p", "L", "S", "R")
CORRECTION_SPEC_RANK_KEYS = ("outside_spacer", "distance", "-specificity", "-quality", "p", "L",
                             "S", "R")


def _explain(head: str, rules: Sequence[RuleEval]) -> str:
    lines = [head]
    for r in rules:
        lines.append(f"  {r.kind:>6}  {r.rule}: {r.reason}")
    return "\n".join(lines)


def _spec_rule(spec: float | None, scanned: bool, key: str) -> RuleEval:
    if not scanned:
        return RuleEval("specificity", "flag", True, None, 0.0,
                        "no genome-wide specificity scan (no genome given or --no-specificity)")
    return RuleEval("specificity", "rank", True, spec, 0.0,
                    f"{key}: genome-wide specificity score {spec} (higher is better; 0 = no "
                    "off-target pair or half-site passing the binding model)")


def _correction_rules(
    filters: Any, i: int, d: int, dmax: int, insp: bool, q: float, spec: float | None,
    scanned: bool, blk: BlockingResult,
) -> tuple[RuleEval, ...]:
    """Rule-by-rule explanation of one correction design (candidate ``i`` of the
    Streubel-filtered candidates)."""
    ev: list[RuleEval] = list(filters.evals_for(i)) if filters is not None else []
    ev.append(RuleEval("cut_distance", "filter", d <= dmax, d, 0.0,
                       f"pass: the cut is {d} bp from the edit (at most {dmax} bp; edits "
                       "within ~10 bp of the cut are copied best, Paquet 2016)"))
    la, ra = blk.left_after, blk.right_after
    ev.append(RuleEval(
        "silent_blocking", "filter", True, len(blk.mutations), 0.0,
        f"pass: {len(blk.mutations)} silent blocking mutation(s) stop re-cutting of the "
        f"corrected allele ({la.model}: left {blk.left_before.score:.3f}->{la.score:.3f}, "
        f"right {blk.right_before.score:.3f}->{ra.score:.3f})"))
    keys = ["rank key 1", "rank key 2", "rank key 3", "rank key 4"]
    ev.append(RuleEval("edit_in_spacer", "rank", insp, int(insp), 0.0,
                       f"{keys[0]}: the edit lies {'inside' if insp else 'outside'} the spacer "
                       "(inside ranks first)"))
    ev.append(RuleEval("cut_distance_rank", "rank", True, d, 0.0,
                       f"{keys[1]}: {d} bp from the cut (closer ranks first)"))
    ev.append(_spec_rule(spec, scanned, keys[2]))
    ev.append(RuleEval("pair_quality", "rank", True, round(q, 6), 0.0,
                       f"{keys[3] if scanned else keys[2]}: mean fraction of strong RVDs (HD, "
                       f"NN) {q:.3f} (higher ranks first; ties: position, arm and spacer "
                       "lengths)"))
    return tuple(ev)


def _nearest_cut_distance(seq: str, sc: Scaffold, pos_local: int) -> int | None:
    c = enumerate_pairs(seq, sc)
    if len(c) == 0:
        return None
    return int(np.min(_distance_to_cut(c.cut_local, pos_local)))


def correct_window(
    seq: str,
    position: int,
    to_base: str,
    *,
    contig: str = "seq",
    offset: int = 0,
    transcripts: Sequence[Transcript] = (),
    scaffold: str | Scaffold = "tale-nt",
    model: str | BindingModel = "positional",
    max_cut_distance_bp: int | None = None,
    n_designs: int = 3,
    min_blocking: int | None = None,
    max_blocking: int | None = None,
    ssodn_arms_nt: tuple[int, int] | None = None,
    ssodn_params: ParamTable = SSODN_PARAMS,
    primer_params: ParamTable = PRIMER_PARAMS,
    blocking_params: ParamTable = BLOCKING_PARAMS,
    params: ParamTable = DONOR_PARAMS,
    genome: Any = None,
    progress: ProgressCallback | None = None,
    backend: str = "auto",
    reference: Any = None,
    annotation: Any = None,
) -> CorrectionResult:
    """Design TALEN + ssODN point corrections of genome base ``position`` (0-based) to
    ``to_base`` (+ strand). ``seq`` is the *current* allele (+ strand window starting at
    ``offset``). Deterministic."""
    check_acgt(seq, name="sequence")
    to_base = to_base.upper()
    if to_base not in ("A", "C", "G", "T"):
        raise InputError(f"cannot correct to {to_base!r}", hint="give one of A, C, G, T")
    pl = position - offset
    if not 0 <= pl < len(seq):
        raise RegionError(
            f"position {position + 1} lies outside the sequence "
            f"({offset + 1}-{offset + len(seq)})",
            hint="positions are 1-based on the command line",
        )
    cur = seq[pl].upper()
    if cur == to_base:
        raise InputError(
            f"position {position + 1} already carries {to_base}",
            hint="give the base to correct toward (the current allele must differ)",
        )
    sc, md = _resolve(scaffold, model)
    dmax = int(params["max_cut_distance_bp"]) if max_cut_distance_bp is None else max_cut_distance_bp
    if dmax < 0:
        raise ParameterError("max cut distance must be >= 0", hint="use 10 bp")
    report(progress, "enumerate pairs", 0, None)
    cands = enumerate_pairs(
        seq, sc, contig=contig, offset=offset, cut_window=(pl - dmax, pl + dmax + 2)
    )
    dist = _distance_to_cut(cands.cut_local, pl)
    cands = cands.subset(dist <= dmax)
    n_raw = len(cands)
    if n_raw == 0:
        near = _nearest_cut_distance(seq, sc, pl)
        raise NoResultError(
            f"no TALEN pair of scaffold {sc.name} cuts within {dmax} bp of "
            f"{contig}:{position + 1}"
            + (f"; the nearest cut is {near} bp away" if near is not None else ""),
            hint="use a scaffold with a wider spacer range (e.g. tale-nt, spacer 15-30 bp, or "
            "plus63) or raise --max-cut-distance"
            + (f" to {near}" if near is not None else ""),
        )
    cands, rejections = _filter_streubel(cands)
    target_seq = seq[:pl] + to_base + seq[pl + 1 :]
    edit = Change(position, cur, to_base, "edit")
    order: list[int] = []
    filters = evaluate_rules(cands, streubel=True) if len(cands) else None
    if len(cands):
        dist = _distance_to_cut(cands.cut_local, pl)
        sp_lo = cands.p + 1 + cands.left_len
        in_sp = (pl >= sp_lo) & (pl < sp_lo + cands.spacer_len)
        qual = _pair_quality(cands)
        order = rank({"outside_spacer": ~in_sp, "distance": dist, "quality": qual,
                      "p": cands.p, "L": cands.left_len, "S": cands.spacer_len,
                      "R": cands.right_len}, CORRECTION_RANK_KEYS)
    tried = 0
    blocked_fail = 0
    designs: list[CorrectionDesign] = []
    pairs_kept: list[tuple[TalenPair, int, bool, float, BlockingResult, int]] = []
    limit = int(params["max_pairs_tried"])
    pool = n_designs * 3 if genome is not None else n_designs
    for i in order:
        if len(pairs_kept) >= pool or tried >= limit:
            break
        tried += 1
        report(progress, "blocking mutations", tried, min(limit, len(order)))
        pair = cands.materialize(i, g_rvd=sc.g_rvd)
        blk = choose_blocking(
            seq, target_seq, offset, pair, md, sc, transcripts, protected=(position,),
            min_blocking=min_blocking, max_blocking=max_blocking, params=blocking_params,
        )
        if blk is None:
            blocked_fail += 1
            continue
        pairs_kept.append((pair, int(dist[i]), bool(in_sp[i]), float(qual[i]), blk, i))
    if blocked_fail:
        rejections["no_silent_blocking"] = blocked_fail
    if not pairs_kept:
        raise NoResultError(
            f"{n_raw} TALEN pairs cut within {dmax} bp of {contig}:{position + 1} but none "
            "could be blocked by silent mutations (rejections: "
            + ", ".join(f"{k}={v}" for k, v in sorted(rejections.items())) + ")",
            hint="allow more blocking mutations (--max-blocking), a larger --max-cut-distance, "
            "or another scaffold",
        )
    specs = _specificity(genome, [p[0] for p in pairs_kept], sc, md, progress, backend)
    scanned = any(s is not None for s in specs)
    if scanned:  # one contig: the pair key is position, then lengths
        idx = rank({
            "outside_spacer": [not k[2] for k in pairs_kept],
            "distance": [k[1] for k in pairs_kept],
            "specificity": [s or 0.0 for s in specs],
            "quality": [k[3] for k in pairs_kept],
            "p": [k[0].left.pos0 for k in pairs_kept],
            "L": [k[0].left.length for k in pairs_kept],
            "S": [len(k[0].spacer) for k in pairs_kept],
            "R": [k[0].right.length for k in pairs_kept],
        }, CORRECTION_SPEC_RANK_KEYS)
        pairs_kept = [pairs_kept[k] for k in idx]
        specs = [specs[k] for k in idx]
    pairs_kept, specs = pairs_kept[:n_designs], specs[:n_designs]
    gene_strand = transcripts[0].strand if transcripts else None
    for rank_, ((pair, d, insp, q, blk, ci), spec) in enumerate(
            zip(pairs_kept, specs, strict=True), 1):
        changes = tuple(sorted([edit] + [m.change for m in blk.mutations]))
        corrected = apply_changes(seq, offset, changes)
        cons = tuple(protein_changes(seq, offset, changes, transcripts))
        arms = ssodn_arms_nt
        oligos = design_ssodn(
            seq, offset, changes,
            left_arm_nt=arms[0] if arms else None, right_arm_nt=arms[1] if arms else None,
            params=ssodn_params, gene_strand=gene_strand,
        )
        warns: list[str] = []
        lo = min(c.pos for c in (*changes, Change(pair.left.pos0, "", "")))
        hi = max(c.pos for c in (*changes, Change(pair.right.pos0, "", ""))) + 1
        primers: tuple[PrimerPair, ...] = ()
        try:
            primers = tuple(
                _primer3(seq, offset, lo, hi, exclude=tuple(c.pos for c in changes),
                         params=primer_params)
            )
        except NoResultError as exc:
            warns.append(exc.one_line())
        amp = (primers[0].left_start, primers[0].right_end) if primers else None
        ctx = int(primer_params["restriction_context_bp"])
        wlo, whi = max(offset, lo - ctx), min(offset + len(seq), hi + ctx)
        rsites = tuple(
            restriction_changes(
                seq[wlo - offset : whi - offset], corrected[wlo - offset : whi - offset], wlo,
                tuple(c.pos for c in changes), amplicon=amp,
            )
        )
        rules = _correction_rules(filters, ci, d, dmax, insp, q, spec, scanned, blk)
        designs.append(
            CorrectionDesign(rank_, pair, d, insp, q, spec, blk, changes, corrected, cons,
                             oligos, rsites, primers, tuple(warns), rules)
        )
    report(progress, "blocking mutations", tried, tried)
    record = _record(reference if reference is not None else genome, seq, contig, annotation,
                     md, genome is not None,
                     ("donor", "ssodn", "blocking", "genotyping_primers"),
                     (params, ssodn_params, blocking_params, primer_params))
    return CorrectionResult(
        contig, offset, position, cur, to_base, tuple(designs), n_raw, rejections, sc.name,
        md.name, (), tuple(t.id for t in transcripts), record,
    )


def correction_from_variant(
    ref_genome: Any,
    variant: str,
    *,
    annotation: Any = None,
    **kwargs: Any,
) -> CorrectionResult:
    """Correct a variant written as on the reference (+ strand): the cells carry ALT, the
    design restores REF. ``ref_genome`` is a :class:`taleforge.genome.index.Genome`; it is
    also handed to the off-target engine unless ``genome=`` is given."""
    contig, pos, ref, alt = parse_variant(variant)
    w = int(kwargs.get("params", DONOR_PARAMS)["window_bp"])
    kwargs.setdefault("genome", ref_genome)
    kwargs.setdefault("reference", ref_genome)
    kwargs.setdefault("annotation", annotation)
    n = ref_genome.contig_length(contig)
    if pos >= n:
        raise RegionError(
            f"{contig}:{pos + 1} is past the end of {contig} ({n:,} bp)",
            hint=f"give a position within {contig}:1-{n}",
        )
    s, e = max(0, pos - w), min(n, pos + w + 1)
    window = ref_genome.fetch(contig, s, e).upper()
    have = window[pos - s]
    if have != ref:
        comp = reverse_complement(ref)
        extra = (
            f"; {ref} is the complement of the reference base, so the variant may be written "
            f"on the minus strand: write it as {contig}:{pos + 1}:{comp}>{reverse_complement(alt)}"
            if have == comp else ""
        )
        raise InputError(
            f"the reference has {have} at {contig}:{pos + 1}, not {ref}{extra}",
            hint="write REF>ALT on the + strand of the reference (REF = reference base)",
        )
    current = window[: pos - s] + alt + window[pos - s + 1 :]
    txs: list[Transcript] = []
    if annotation is not None:
        txs = [t for t in annotation.transcripts_overlapping(contig, pos, pos + 1) if t.is_coding]
    return correct_window(current, pos, ref, contig=contig, offset=s, transcripts=txs, **kwargs)


# ------------------------------------------------------------------------------ knock-in
@dataclass(frozen=True)
class DonorFeature:
    """A feature on the donor, in donor coordinates (0-based, half-open) of the donor as
    written in the + strand of the genome."""

    kind: str  # homology_arm, cargo, 2A, polyA, splice_acceptor, filler, tale_site, primer, ...
    start: int
    end: int
    strand: int  # 1 or -1 (relative to the + strand donor)
    label: str
    note: str = ""


@dataclass(frozen=True)
class KnockinDesign:
    rank: int
    pair: TalenPair
    insertion: int  # genome position: insert between insertion-1 and insertion
    quality: float
    specificity: float | None
    insert_seq: str  # gene (transcript) orientation
    donor_plus: str  # donor on the genome + strand: left arm + insert(+) + right arm
    left_arm: tuple[int, int]  # genome interval of the left (+ strand) arm
    right_arm: tuple[int, int]
    features: tuple[DonorFeature, ...]
    cleavable_before: int
    cleavable_after: tuple[CleavableSite, ...]
    scores_before: tuple[SiteScore, SiteScore]
    frame_phase: int | None
    protein_preview: str  # translation of the edited CDS from the ATG to the first stop
    intended_stop_aa: int | None  # 1-based amino acid index of the intended stop
    primers: tuple[PrimerPair, ...]
    warnings: tuple[str, ...]
    junction_primers: tuple[tuple[str, PrimerPair], ...] = ()  # integrated-allele coords
    rules: tuple[RuleEval, ...] = ()  # rule by rule: filters passed, then the rank keys

    def explain(self) -> str:
        return _explain(f"#{self.rank} {self.pair.pair_id()}", self.rules)

    def as_dict(self) -> dict[str, object]:
        p = self.pair
        return {
            "rank": self.rank,
            **_pair_summary(p),
            "spacer_bp": len(p.spacer),
            "insertion_between": [self.insertion, self.insertion + 1],
            "pair_quality": round(self.quality, 6),
            "specificity": self.specificity,
            "insert_bp": len(self.insert_seq),
            "donor_bp": len(self.donor_plus),
            "left_arm": [self.left_arm[0] + 1, self.left_arm[1]],
            "right_arm": [self.right_arm[0] + 1, self.right_arm[1]],
            "frame_phase": self.frame_phase,
            "protein_preview": self.protein_preview,
            "intended_stop_aa": self.intended_stop_aa,
            "blocking": {
                "cleavable_sites_before": self.cleavable_before,
                "cleavable_sites_after": len(self.cleavable_after),
                "left_score": self.scores_before[0].as_dict(),
                "right_score": self.scores_before[1].as_dict(),
                "how": "the insert splits the spacer: the half-sites are "
                f"{len(p.spacer) + len(self.insert_seq)} bp apart after integration",
            },
            "features": [
                {"kind": f.kind, "start": f.start + 1, "end": f.end, "strand": f.strand,
                 "label": f.label, "note": f.note}
                for f in self.features
            ],
            "primers": [pp.as_dict() for pp in self.primers],
            "junction_primers": [
                {"junction": name, "forward": pp.left_seq, "reverse": pp.right_seq,
                 "forward_tm_c": round(pp.left_tm, 2), "reverse_tm_c": round(pp.right_tm, 2),
                 "product_bp": pp.product_bp,
                 "note": "one primer outside the homology arm, one in the insert: amplifies "
                 "only the integrated allele (not the donor); + strand of the genome"}
                for name, pp in self.junction_primers
            ],
            "warnings": list(self.warnings),
            "rules": [r.as_dict() for r in self.rules],
        }


@dataclass(frozen=True)
class KnockinResult(DesignResult):
    contig: str
    offset: int
    transcript: str
    gene: str
    strand: str
    mode: str
    target: str  # e.g. "exon 1" / "intron 2"
    designs: tuple[KnockinDesign, ...]
    n_candidates: int
    rejections: dict[str, int]
    scaffold: str
    model: str
    warnings: tuple[str, ...] = ()
    record: Provenance | None = None

    JOB: ClassVar[Job] = "knockin"

    def as_dict(self, command: str | None = None) -> dict[str, object]:
        return {
            **(self.json_header(command) if self.record is not None else {}),
            "kind": "knockin",
            "coordinates": "1-based inclusive; donor features on the donor as written "
            "(gene orientation)",
            "contig": self.contig,
            "transcript": self.transcript,
            "gene": self.gene,
            "strand": self.strand,
            "mode": self.mode,
            "target": self.target,
            "scaffold": self.scaffold,
            "binding_model": self.model,
            "n_candidate_pairs": self.n_candidates,
            "rejections": dict(sorted(self.rejections.items())),
            "warnings": list(self.warnings),
            "designs": [d.as_dict() for d in self.designs],
        }


#: design.ranking.rank keys of knock-in pairs: pair quality, then the cut in transcript
#: order (5'-most first), position and lengths; cut-spacing diversity from the ``donor``
#: table; with a specificity scan the kept designs are re-ranked by specificity first
KNOCKIN_RANK_KEYS = ("-quality", "tx_position", "p", "L", "S", "R")


def _knockin_filters(
    filters: Any, i: int, target_label: str, mode: str, phase: int | None,
    stop_aa: int | None, before: int, insert_bp: int, spacer_bp: int,
) -> tuple[RuleEval, ...]:
    ev: list[RuleEval] = list(filters.evals_for(i))
    ev.append(RuleEval("cut_in_target", "filter", True, target_label, 0.0,
                       f"pass: the cut lies in the allowed zone of {target_label} ({mode}; "
                       "intron: away from the splice donor, branch point and acceptor)"))
    ev.append(RuleEval(
        "frame", "filter", True, phase, 0.0,
        "pass: " + (f"insertion at phase {phase}; the edited protein ends at the intended stop "
                    f"(amino acid {stop_aa})" if stop_aa is not None
                    else "the user cassette is inserted as it is (no frame check)")))
    ev.append(RuleEval(
        "no_recut", "filter", True, 0, 0.0,
        f"pass: {before} cleavable site(s) before integration, none after: the {insert_bp} bp "
        f"insert splits the {spacer_bp} bp spacer"))
    return tuple(ev)


def _knockin_rank_rules(d: KnockinDesign, spec: float | None, scanned: bool,
                        minus: bool) -> tuple[RuleEval, ...]:
    ev = [_spec_rule(spec, scanned, "rank key 1")]
    k = 2 if scanned else 1
    ev.append(RuleEval("pair_quality", "rank", True, round(d.quality, 6), 0.0,
                       f"rank key {k}: mean fraction of strong RVDs (HD, NN) {d.quality:.3f} "
                       "(higher ranks first)"))
    ev.append(RuleEval("cut_in_transcript_order", "rank", True, d.insertion, 0.0,
                       f"rank key {k + 1}: cut at {d.insertion} ({'minus' if minus else 'plus'}"
                       " strand gene: 5'-most first; ties: position, arm and spacer lengths); "
                       "cuts closer than the spacing to a better design are skipped"))
    return tuple(ev)


def _cargo_orf(cargo: Cargo, *, keep_stop: bool, transl_table: int) -> str:
    """The cargo ORF (codon-aligned) with its stop kept/added or removed; raises when the
    frame is impossible."""
    s, e = cargo.orf if cargo.orf is not None else (0, len(cargo.seq))
    orf = cargo.seq[s:e]
    if len(orf) % 3:
        raise NoResultError(
            f"frame impossible: cargo {cargo.name!r} ORF is {len(orf)} bp, not a multiple of 3",
            hint="give the coding sequence only (GenBank CDS feature or a FASTA of the ORF)",
        )
    prot = str(Seq(orf).translate(table=transl_table))
    if prot.endswith("*"):
        body, prot_body = orf[:-3], prot[:-1]
    else:
        body, prot_body = orf, prot
    if "*" in prot_body:
        k = prot_body.index("*") + 1
        raise NoResultError(
            f"frame impossible: cargo {cargo.name!r} has an internal stop codon at codon {k}",
            hint="check the cargo's reading frame (it must start at the first base of the ORF)",
        )
    if keep_stop:
        return body + (orf[-3:] if prot.endswith("*") else "TAA")
    return body


def _exon_cds_zone(tx: Transcript, exon: int) -> tuple[int, int]:
    exons = tx.exons_in_order()
    if not 1 <= exon <= len(exons):
        raise RegionError(
            f"exon {exon} out of range: transcript {tx.id} has {len(exons)} exons",
            hint=f"give an exon number between 1 and {len(exons)}",
        )
    ex = exons[exon - 1]
    cs, ce = tx.cds_start, tx.cds_end
    if cs is None or ce is None:
        raise NoResultError(
            f"frame impossible: transcript {tx.id} is non-coding",
            hint="use --intron with your own cassette, or choose a coding transcript",
        )
    lo, hi = max(ex.start, cs), min(ex.end, ce)
    if hi - lo < 6:
        raise NoResultError(
            f"frame impossible: exon {exon} of {tx.id} has no coding sequence to insert into",
            hint="choose an exon that contains CDS (after the start codon, before the stop)",
        )
    # insertion point c between c-1 and c; keep the start and stop codons intact
    if tx.strand == "+":
        return (lo + 3 if lo == cs else lo + 1), (hi - 3 if hi == ce else hi)
    return (lo + 3 if lo == cs else lo + 1), (hi - 3 if hi == ce else hi)


def _upstream_cds_len(tx: Transcript, c: int) -> int | None:
    """CDS bases 5' (transcript orientation) of an insertion between c-1 and c, if both
    flanking bases are coding and adjacent in the CDS."""
    a, b = tx.cds_offset(c - 1), tx.cds_offset(c)
    if a is None or b is None or abs(a - b) != 1:
        return None
    return b if tx.strand == "+" else a


def _intron_zone(
    tx: Transcript, intron: int, params: ParamTable
) -> tuple[tuple[int, int], list[tuple[int, int, str]]]:
    introns = tx.introns_in_order()
    if not 1 <= intron <= len(introns):
        raise RegionError(
            f"intron {intron} out of range: transcript {tx.id} has {len(introns)} introns",
            hint=f"give an intron number between 1 and {len(introns)}"
            if introns else "this transcript has no introns; use --exon",
        )
    iv = introns[intron - 1]
    m = int(params["intron_margin_bp"])
    dex = int(params["intron_donor_exclusion_bp"]) + m
    bp_lo, bp_hi = params["intron_branch_point_bp"]
    ppt = int(params["intron_ppt_bp"]) + m
    bpx = int(bp_hi) + m
    # zones as distance from the donor (5' end) or the acceptor (3' end), transcript orient.
    if tx.strand == "+":
        d5 = (iv.start, iv.start + dex)
        zb = (iv.end - bpx, iv.end - int(bp_lo) + 1)
        zp = (iv.end - ppt, iv.end)
    else:
        d5 = (iv.end - dex, iv.end)
        zb = (iv.start + int(bp_lo) - 1, iv.start + bpx)
        zp = (iv.start, iv.start + ppt)
    excl = [
        (d5[0], d5[1], f"within {dex} bp of the splice donor"),
        (zb[0], zb[1], f"in the branch-point region ({bp_lo}-{bp_hi} bp upstream of the "
                       f"acceptor, +{m} bp margin)"),
        (zp[0], zp[1], f"within {ppt} bp of the acceptor (polypyrimidine tract)"),
    ]
    return (iv.start, iv.end), excl


def _feature(kind: str, start: int, end: int, label: str, note: str = "", strand: int = 1
             ) -> DonorFeature:
    return DonorFeature(kind, start, end, strand, label, note)


def knockin_window(
    seq: str,
    transcript: Transcript,
    cargo: Cargo,
    *,
    contig: str | None = None,
    offset: int = 0,
    exon: int | None = None,
    intron: int | None = None,
    two_a: str = "P2A",
    gsg_linker: bool = True,
    layout: Layout = "2a-cargo-polya",
    keep_stop: bool | None = None,
    polya: bool = True,
    own_cassette: bool = False,
    arm_nt: int | None = None,
    arms_nt: tuple[int, int] | None = None,
    scaffold: str | Scaffold = "tale-nt",
    model: str | BindingModel = "positional",
    n_designs: int = 3,
    other_transcripts: Sequence[Transcript] = (),
    params: ParamTable = DONOR_PARAMS,
    elements: ParamTable = DONOR_ELEMENTS,
    primer_params: ParamTable = PRIMER_PARAMS,
    genome: Any = None,
    progress: ProgressCallback | None = None,
    backend: str = "auto",
    reference: Any = None,
    annotation: Any = None,
) -> KnockinResult:
    """Design knock-in donors into ``exon`` (in-frame, 2A) or ``intron`` (splice acceptor
    cassette) of ``transcript``; ``seq`` is a + strand window starting at ``offset`` that
    covers the transcript's CDS and the homology arms. Deterministic."""
    check_acgt(seq, name="sequence")
    contig = contig or transcript.contig
    if (exon is None) == (intron is None):
        raise ParameterError("give exactly one of --exon or --intron", hint="e.g. --exon 1")
    sc, md = _resolve(scaffold, model)
    tt = transcript.transl_table
    la_nt, ra_nt = arms_nt if arms_nt else ((arm_nt,) * 2 if arm_nt else (int(params["arm_nt"]),) * 2)
    amin, amax = int(params["arm_min_nt"]), int(params["arm_max_nt"])
    warns: list[str] = []
    for a in (la_nt, ra_nt):
        if a < 1:
            raise ParameterError("homology arms must be >= 1 bp", hint="use 300-1000 bp arms")
        if not amin <= a <= amax:
            warns.append(f"homology arm of {a} bp is outside the usual {amin}-{amax} bp")
    fetch = _fetcher(seq, offset, contig)
    minus = transcript.strand == "-"
    # --- the insert (transcript orientation) and its parts
    parts: list[tuple[str, str, str]] = []  # (kind, label, seq)
    mode = "in-frame" if exon is not None else "intron"
    phase: int | None = None
    if exon is not None:
        zone = _exon_cds_zone(transcript, exon)
        excl: list[tuple[int, int, str]] = []
        if keep_stop is None:
            keep_stop = layout == "2a-cargo-polya"
        if layout == "2a-cargo-2a" and keep_stop:
            raise ParameterError(
                "layout 2a-cargo-2a continues the host protein after the cargo, so the cargo "
                "stop codon must be removed",
                hint="drop --keep-stop or use --layout 2a-cargo-polya",
            )
        if layout == "2a-cargo-polya" and not keep_stop:
            raise NoResultError(
                "frame impossible: without its stop codon the cargo would read into the polyA",
                hint="keep the stop codon or use --layout 2a-cargo-2a",
            )
        orf = _cargo_orf(cargo, keep_stop=keep_stop, transl_table=tt)
        target_label = f"exon {exon}"
    else:
        assert intron is not None
        zone, excl = _intron_zone(transcript, intron, params)
        target_label = f"intron {intron}"
        orf = cargo.seq if own_cassette else _cargo_orf(cargo, keep_stop=True, transl_table=tt)
    # --- candidate pairs with the cut in the zone
    lo, hi = zone[0] - offset, zone[1] - offset
    if lo < 0 or hi > len(seq):
        raise RegionError(
            f"the {target_label} region lies outside the given sequence",
            hint="give a sequence window that covers the target and the homology arms",
        )
    report(progress, "enumerate pairs", 0, None)
    cands = enumerate_pairs(seq, sc, contig=contig, offset=offset, cut_window=(lo, hi))
    n_raw = len(cands)
    rejections: dict[str, int] = {}
    if excl and n_raw:
        keep = np.ones(n_raw, dtype=bool)
        cut_g = cands.cut_local + offset
        site_lo = cands.p + offset
        site_hi = cands.p + cands.left_len + cands.spacer_len + cands.right_len + 2 + offset
        for a, b, why in excl:
            bad = (cut_g >= a) & (cut_g < b)
            rejections[f"cut {why}"] = int((bad & keep).sum())
            keep &= ~bad
        bad = (site_lo < zone[0]) | (site_hi > zone[1])
        rejections["TALEN site overlaps an exon"] = int((bad & keep).sum())
        keep &= ~bad
        rejections = {k: v for k, v in rejections.items() if v}
        cands = cands.subset(keep)
    if len(cands) == 0 and n_raw == 0:
        raise NoResultError(
            f"no TALEN pair of scaffold {sc.name} cuts in {target_label} of {transcript.id}",
            hint="try another scaffold (e.g. tale-nt) or another exon/intron",
        )
    cands, rej2 = _filter_streubel(cands)
    for rule, v in rej2.items():
        rejections[rule] = rejections.get(rule, 0) + v
    if len(cands) == 0:
        raise NoResultError(
            f"all {n_raw} TALEN pairs cutting in {target_label} of {transcript.id} were "
            "rejected: " + "; ".join(f"{k}: {v}" for k, v in sorted(rejections.items())),
            hint="choose another intron/exon or relax the distances (see `taleforge params`)",
        )
    qual = _pair_quality(cands)
    filters = evaluate_rules(cands, streubel=True)
    # transcript-order position of the cut (5'-most first), so ranking is strand-aware
    tpos = -cands.cut_local if minus else cands.cut_local
    spacing = int(params["knockin_min_cut_spacing_bp"])
    ranking = Ranking(
        {"quality": qual, "tx_position": tpos, "p": cands.p, "L": cands.left_len,
         "S": cands.spacer_len, "R": cands.right_len,
         "contig": np.zeros(len(cands), dtype=np.int64), "cut": cands.cut_local + offset},
        KNOCKIN_RANK_KEYS, min_cut_spacing_bp=spacing,
    )
    cds_tx = transcript.cds_sequence(fetch) if transcript.is_coding else ""
    designs: list[tuple[TalenPair, float, KnockinDesign]] = []
    tried = 0
    frame_fail = 0
    for i in ranking.walk():
        if len(designs) >= n_designs or tried >= int(params["max_pairs_tried"]):
            break
        tried += 1
        pair = cands.materialize(i, g_rvd=sc.g_rvd)
        c = pair.cut
        parts = []
        preview, stop_aa = "", None
        if exon is not None:
            k = _upstream_cds_len(transcript, c)
            if k is None:
                frame_fail += 1
                continue
            phase = k % 3
            tail = cds_tx[k : k + (3 - phase)] if phase else ""
            head = cds_tx[k - phase : k] if phase else ""
            if tail:
                parts.append(("filler", "codon completion", tail))
            parts.append(("2A", ("GSG-" if gsg_linker else "") + two_a.upper(),
                          two_a_sequence(two_a, gsg=gsg_linker, table=elements)))
            parts.append(("cargo", cargo.name, orf))
            if layout == "2a-cargo-2a":
                parts.append(("2A", ("GSG-" if gsg_linker else "") + two_a.upper(),
                              two_a_sequence(two_a, gsg=gsg_linker, table=elements)))
                if head:
                    parts.append(("filler", "codon restart", head))
            elif polya:
                parts.append(("polyA", "bGH polyA", str(elements["bGH_polyA"])))
            insert = "".join(s for _, _, s in parts)
            edited_cds = cds_tx[:k] + insert + (cds_tx[k:] if layout == "2a-cargo-2a" else "")
            prot = str(Seq(edited_cds[: len(edited_cds) // 3 * 3]).translate(table=tt))
            first_stop = prot.find("*")
            if layout == "2a-cargo-polya":
                stop_aa = (k + len(tail) + len(orf)
                           + len(two_a_sequence(two_a, gsg=gsg_linker, table=elements))) // 3
            else:
                stop_aa = len(prot) if prot.endswith("*") else None
            if first_stop == -1 or stop_aa is None or first_stop + 1 != stop_aa:
                frame_fail += 1
                continue
            preview = prot[:first_stop + 1]
        else:
            if own_cassette:
                parts.append(("cargo", cargo.name + " (user cassette)", orf))
                phase = None
            else:
                ups = [e for e in transcript.exons_in_order()][:intron]
                last = ups[-1]
                gl = last.end - 1 if not minus else last.start
                off = transcript.cds_offset(gl)
                if off is None:
                    raise NoResultError(
                        f"frame impossible: intron {intron} of {transcript.id} is not inside "
                        "the coding sequence, so a 2A cassette cannot be put in frame",
                        hint="give your own cassette (--cassette-as-is, e.g. with its own "
                        "promoter or IRES) or choose an intron within the CDS",
                    )
                phase = (off + 1) % 3
                fill = {0: "", 1: "GC", 2: "C"}[phase]
                parts.append(("splice_acceptor", "splice acceptor", str(elements["splice_acceptor"])))
                if fill:
                    parts.append(("filler", "frame filler", fill))
                parts.append(("2A", ("GSG-" if gsg_linker else "") + two_a.upper(),
                              two_a_sequence(two_a, gsg=gsg_linker, table=elements)))
                parts.append(("cargo", cargo.name, orf))
                if polya:
                    parts.append(("polyA", "bGH polyA", str(elements["bGH_polyA"])))
                upstream = cds_tx[: off + 1]
                spliced = upstream + "".join(s for k2, _, s in parts if k2 != "splice_acceptor"
                                             and k2 != "polyA")
                prot = str(Seq(spliced[: len(spliced) // 3 * 3]).translate(table=tt))
                stop_aa = (len(spliced)) // 3
                first = prot.find("*")
                if first + 1 != stop_aa:
                    frame_fail += 1
                    continue
                preview = prot[: first + 1]
            insert = "".join(s for _, _, s in parts)
        ins_plus = reverse_complement(insert) if minus else insert
        cl = c - offset
        ls_, re_ = cl - la_nt, cl + ra_nt
        if minus:
            ls_, re_ = cl - ra_nt, cl + la_nt
        if ls_ < 0 or re_ > len(seq):
            raise RegionError(
                f"homology arms run off the given sequence (need {contig}:{ls_ + offset + 1}-"
                f"{re_ + offset})",
                hint="give more flanking sequence or shorter arms (--arm)",
            )
        donor_plus = seq[ls_:cl].upper() + ins_plus + seq[cl:re_].upper()
        integrated = seq[:cl] + ins_plus + seq[cl:]
        after = tuple(cleavable_sites(integrated, offset, pair, md, sc))
        before = len(cleavable_sites(seq, offset, pair, md, sc))
        if after:
            continue
        scores = score_half_sites(seq, offset, pair, md)
        # features on the + strand donor
        feats: list[DonorFeature] = []
        nl = cl - ls_
        feats.append(_feature("homology_arm", 0, nl, "left homology arm",
                              f"{contig}:{ls_ + offset + 1}-{cl + offset}"))
        pos = nl
        seg: list[tuple[str, str, int, int]] = []
        for kind, label, s in parts:
            seg.append((kind, label, pos, pos + len(s)))
            pos += len(s)
        if minus:  # parts were laid out in transcript orientation; mirror them
            total = len(insert)
            seg = [(k2, lb, nl + total - (b - nl), nl + total - (a - nl)) for k2, lb, a, b in seg]
        for kind, label, a, b in seg:
            feats.append(_feature(kind, a, b, label, strand=-1 if minus else 1))
        nins = len(ins_plus)
        feats.append(_feature("homology_arm", nl + nins, len(donor_plus), "right homology arm",
                              f"{contig}:{cl + offset + 1}-{re_ + offset}"))
        for name, hs, st in (("left TALE", pair.left, 1), ("right TALE", pair.right, -1)):
            a, b = hs.bound.start - offset - ls_, hs.bound.end - offset - ls_
            if b <= nl:
                feats.append(_feature("tale_site", a, b, name, hs.rvd_string(), st))
            elif a >= nl:
                feats.append(_feature("tale_site", a + nins, b + nins, name, hs.rvd_string(), st))
        pw: list[str] = []
        primers: tuple[PrimerPair, ...] = ()
        try:
            primers = tuple(_primer3(seq, offset, pair.left.pos0, pair.right.pos0 + 1,
                                     params=primer_params))
        except NoResultError as exc:
            pw.append(exc.one_line())
        for pp in primers:
            a = pp.left_start - offset - ls_
            b = pp.right_end - offset - ls_
            if 0 <= a and a + len(pp.left_seq) <= nl:
                feats.append(_feature("primer", a, a + len(pp.left_seq), "genotyping forward"))
            if nl <= b - len(pp.right_seq) and b <= len(donor_plus) - nins:
                feats.append(_feature("primer", b - len(pp.right_seq) + nins, b + nins,
                                      "genotyping reverse", strand=-1))
        # junction PCR on the integrated allele (+ strand): outside arm <-> inside insert
        junctions: list[tuple[str, PrimerPair]] = []
        integ_len = len(integrated)
        a_out, b_out = ls_, re_ + nins  # donor span on the integrated allele
        span_l, span_r = cl - ls_, re_ - cl
        for jname, lreg, rreg, prange in (
            ("5' junction" if not minus else "3' junction",
             (max(0, a_out - 300), a_out - 20), (cl + 30, min(cl + nins, cl + 400)),
             (span_l + 50, span_l + 750)),
            ("3' junction" if not minus else "5' junction",
             (max(cl, cl + nins - 400), cl + nins - 30), (b_out + 20, min(integ_len, b_out + 300)),
             (span_r + 50, span_r + 750)),
        ):
            jp = primers_in_regions(integrated, lreg, rreg, prange, params=primer_params)
            if jp is None:
                pw.append(f"no {jname} PCR primers (too little sequence outside the arms?)")
                continue
            junctions.append((jname, jp))
            inner_l = lreg[0] >= cl  # forward primer inside the insert
            if inner_l:
                a = jp.left_start - ls_
                feats.append(_feature("primer", a, a + len(jp.left_seq), f"{jname} forward"))
            else:
                b = jp.right_end - ls_
                feats.append(_feature("primer", b - len(jp.right_seq), b, f"{jname} reverse",
                                      strand=-1))
        payload = len(donor_plus)
        cap = int(params["aav_capacity_bp"])
        if payload > cap:
            pw.append(
                f"arms + insert = {payload} bp exceed the AAV packaging limit of about {cap} bp; "
                "use shorter arms or a dsDNA/plasmid donor"
            )
        kd = KnockinDesign(
            0, pair, c, float(qual[i]), None, insert, donor_plus,
            (ls_ + offset, cl + offset), (cl + offset, re_ + offset),
            tuple(sorted(feats, key=lambda f: (f.start, f.end, f.kind, f.label))),
            before, after, scores, phase, preview, stop_aa, primers, tuple(pw + warns),
            tuple(junctions),
            _knockin_filters(filters, i, target_label, mode, phase, stop_aa, before,
                             len(insert), len(pair.spacer)),
        )
        ranking.keep(i)
        designs.append((pair, float(qual[i]), kd))
    if frame_fail:
        rejections["frame check failed"] = frame_fail
    if not designs:
        raise NoResultError(
            f"no knock-in design in {target_label} of {transcript.id} ({len(cands)} pairs "
            "examined; " + "; ".join(f"{k}: {v}" for k, v in sorted(rejections.items())) + ")",
            hint="try another scaffold, exon or intron",
        )
    specs = _specificity(genome, [d[0] for d in designs], sc, md, progress, backend)
    scanned = any(x is not None for x in specs)
    if scanned:  # most specific first; the on-target order otherwise
        idx = rank({"specificity": [x or 0.0 for x in specs]}, ("-specificity",))
        designs = [designs[j] for j in idx]
        specs = [specs[j] for j in idx]
    out = tuple(
        KnockinDesign(
            r, d.pair, d.insertion, d.quality, s, d.insert_seq, d.donor_plus, d.left_arm,
            d.right_arm, d.features, d.cleavable_before, d.cleavable_after, d.scores_before,
            d.frame_phase, d.protein_preview, d.intended_stop_aa,
            d.primers, d.warnings, d.junction_primers,
            (*d.rules, *_knockin_rank_rules(d, s, scanned, minus)),
        )
        for r, ((_, _, d), s) in enumerate(zip(designs, specs, strict=True), 1)
    )
    record = _record(reference if reference is not None else genome, seq, contig, annotation,
                     md, genome is not None, ("donor", "donor_elements", "genotyping_primers"),
                     (params, elements, primer_params))
    return KnockinResult(
        contig, offset, transcript.id, transcript.gene_name, transcript.strand, mode,
        target_label, out, n_raw, rejections, sc.name, md.name, tuple(warns), record,
    )


# ------------------------------------------------------------------------------ job entries
@dataclass(frozen=True)
class SequenceEdit:
    """A correction target given as sequence: ``seq`` is the *current* allele (+ strand
    window whose first base is genome position ``offset``), ``position`` the 0-based genome
    position to correct toward ``to_base``."""

    seq: str
    position: int
    to_base: str
    contig: str = "seq"
    offset: int = 0
    transcripts: tuple[Transcript, ...] = ()


@dataclass(frozen=True)
class CorrectionParams:
    """Options of the correction designer (what the CLI, a web app or a batch runner fill).
    ``None`` = the parameter table's default. ``specificity``: rank by a genome-wide
    specificity scan when a genome is given."""

    scaffold: str | Scaffold = "tale-nt"
    model: str | BindingModel = "positional"
    max_cut_distance_bp: int | None = None
    n_designs: int = 3
    min_blocking: int | None = None
    max_blocking: int | None = None
    ssodn_arms_nt: tuple[int, int] | None = None
    specificity: bool = True
    ssodn_params: ParamTable = SSODN_PARAMS
    primer_params: ParamTable = PRIMER_PARAMS
    blocking_params: ParamTable = BLOCKING_PARAMS
    donor_params: ParamTable = DONOR_PARAMS

    def window_kwargs(self) -> dict[str, Any]:
        return {
            "scaffold": self.scaffold, "model": self.model,
            "max_cut_distance_bp": self.max_cut_distance_bp, "n_designs": self.n_designs,
            "min_blocking": self.min_blocking, "max_blocking": self.max_blocking,
            "ssodn_arms_nt": self.ssodn_arms_nt, "ssodn_params": self.ssodn_params,
            "primer_params": self.primer_params, "blocking_params": self.blocking_params,
            "params": self.donor_params,
        }


def _open(genome: Any, progress: ProgressCallback | None) -> Any:
    import os

    if isinstance(genome, (str, os.PathLike)):
        from taleforge.genome.index import open_genome

        return open_genome(genome, progress=progress)
    return genome


def _annotation(annotation: Any, genome: Any) -> Any:
    """The given annotation (object or path), else the built-in genome's packaged one."""
    import os

    from taleforge.genome.annotation import load_annotation

    if isinstance(annotation, (str, os.PathLike)):
        return load_annotation(annotation)
    if annotation is None and genome is not None:
        default = getattr(genome, "default_annotation", None)
        return load_annotation(default) if default is not None else None
    return annotation


def design_correction(
    target: str | SequenceEdit,
    params: CorrectionParams | None = None,
    *,
    genome: Any = None,
    annotation: Any = None,
    progress: ProgressCallback | None = None,
    backend: str = "auto",
) -> CorrectionResult:
    """Design TALEN + ssODN point corrections.

    ``target``: a variant ``CONTIG:POS:REF>ALT`` written as on the reference + strand (the
    cells carry ALT, the design restores REF; needs ``genome``), or a :class:`SequenceEdit`
    (the current allele as sequence; ``genome``, when given, is scanned for specificity).
    ``genome``: a :class:`~taleforge.genome.index.Genome`, a path or a builtin name;
    ``annotation``: an Annotation or a path (default: the built-in genome's)."""
    p = params or CorrectionParams()
    g = _open(genome, progress)
    kw = p.window_kwargs()
    if isinstance(target, str):
        if g is None:
            raise ParameterError("a variant target needs a genome",
                                 hint="pass genome= (--genome), or give a SequenceEdit")
        ann = _annotation(annotation, g)
        return correction_from_variant(g, target, annotation=ann, progress=progress,
                                       genome=g if p.specificity else None, backend=backend,
                                       **kw)
    return correct_window(
        target.seq, target.position, target.to_base, contig=target.contig,
        offset=target.offset, transcripts=target.transcripts,
        genome=g if p.specificity else None, reference=g, annotation=annotation,
        progress=progress, backend=backend, **kw,
    )


@dataclass(frozen=True)
class LocusSequence:
    """A knock-in target given as sequence: a + strand window (first base = genome position
    ``offset``) covering ``transcript``'s CDS and the homology arms."""

    seq: str
    transcript: Transcript
    contig: str | None = None
    offset: int = 0


@dataclass(frozen=True)
class KnockinParams:
    """Options of the knock-in designer. ``cargo`` is what to insert; exactly one of
    ``exon`` (in-frame 2A) or ``intron`` (splice-acceptor cassette). ``transcript``: with a
    gene target, the transcript to use (default: canonical)."""

    cargo: Cargo
    exon: int | None = None
    intron: int | None = None
    transcript: str | None = None
    two_a: str = "P2A"
    gsg_linker: bool = True
    layout: Layout = "2a-cargo-polya"
    keep_stop: bool | None = None
    polya: bool = True
    own_cassette: bool = False
    arm_nt: int | None = None
    arms_nt: tuple[int, int] | None = None
    scaffold: str | Scaffold = "tale-nt"
    model: str | BindingModel = "positional"
    n_designs: int = 3
    specificity: bool = True
    donor_params: ParamTable = DONOR_PARAMS
    elements: ParamTable = DONOR_ELEMENTS
    primer_params: ParamTable = PRIMER_PARAMS

    def window_kwargs(self) -> dict[str, Any]:
        return {
            "exon": self.exon, "intron": self.intron, "two_a": self.two_a,
            "gsg_linker": self.gsg_linker, "layout": self.layout, "keep_stop": self.keep_stop,
            "polya": self.polya, "own_cassette": self.own_cassette, "arm_nt": self.arm_nt,
            "arms_nt": self.arms_nt, "scaffold": self.scaffold, "model": self.model,
            "n_designs": self.n_designs, "params": self.donor_params,
            "elements": self.elements, "primer_params": self.primer_params,
        }


def design_knockin(
    target: str | LocusSequence,
    params: KnockinParams,
    *,
    genome: Any = None,
    annotation: Any = None,
    progress: ProgressCallback | None = None,
    backend: str = "auto",
) -> KnockinResult:
    """Design knock-in donors. ``target``: a gene symbol or ID (needs ``genome`` and an
    annotation, given or built in; the window is fetched around the transcript) or a
    :class:`LocusSequence`. ``genome``, when given, is scanned for specificity."""
    g = _open(genome, progress)
    kw = params.window_kwargs()
    if isinstance(target, LocusSequence):
        return knockin_window(
            target.seq, target.transcript, params.cargo, contig=target.contig,
            offset=target.offset, genome=g if params.specificity else None, reference=g,
            annotation=annotation, progress=progress, backend=backend, **kw,
        )
    if g is None:
        raise ParameterError(f"gene {target} needs a genome",
                             hint="pass genome= (--genome), or give a LocusSequence")
    ann = _annotation(annotation, g)
    if ann is None:
        raise ParameterError(f"--gene {target} needs an annotation",
                             hint="pass --annotation GTF/GFF3/GenBank")
    tx = (ann.find_transcript(params.transcript) if params.transcript
          else ann.canonical_transcript(ann.find_gene(target)))
    pad = int(params.donor_params["arm_max_nt"]) + int(params.donor_params["window_bp"])
    n = g.contig_length(tx.contig)
    off = max(0, tx.start - pad)
    seq = g.fetch(tx.contig, off, min(n, tx.end + pad))
    return knockin_window(
        seq, tx, params.cargo, contig=tx.contig, offset=off,
        genome=g if params.specificity else None, reference=g, annotation=ann,
        progress=progress, backend=backend, **kw,
    )


__all__ = [
    "DONOR_PARAMS",
    "CorrectionDesign",
    "CorrectionParams",
    "CorrectionResult",
    "DonorFeature",
    "KnockinDesign",
    "KnockinParams",
    "KnockinResult",
    "LocusSequence",
    "SequenceEdit",
    "correct_window",
    "correction_from_variant",
    "design_correction",
    "design_knockin",
    "knockin_window",
    "parse_variant",
]


# ------------------------------------------------------------------------------- outputs
def knockin_genbank(result: KnockinResult, design: KnockinDesign) -> str:
    """GenBank text of a knock-in donor, in gene orientation."""
    from taleforge.io.genbank_out import Feature, genbank_text, make_record

    translate = result.mode == "in-frame" or any(f.kind == "2A" for f in design.features)
    feats = [
        Feature(f.kind, f.start, f.end, f.strand, f.label, f.note,
                translate=translate and f.kind in ("cargo", "2A"))
        for f in design.features
    ]
    rec = make_record(
        f"{result.gene or 'donor'}_KI{design.rank}",
        design.donor_plus,
        feats,
        description=f"{result.mode} knock-in donor for {result.transcript} {result.target}, "
        f"TALEN {design.pair.pair_id()}, insertion between {result.contig}:"
        f"{design.insertion}-{design.insertion + 1} (1-based)",
        reverse=result.strand == "-",
    )
    return genbank_text(rec)


def correction_genbank(
    result: CorrectionResult, design: CorrectionDesign, *, name: str | None = None
) -> str:
    """GenBank text of the top-strand ssODN with the edit, blocking mutations and the parts
    of the TALE half-sites it covers. ``name``: the LOCUS name (default ``ssODN_<pos>``;
    give each design its own when writing several records to one file)."""
    from taleforge.io.genbank_out import Feature, genbank_text, make_record

    locus = name or f"ssODN_{result.position + 1}"

    o = design.ssodns[0]
    feats: list[Feature] = []
    for c in design.changes:
        i = c.pos - o.start
        feats.append(Feature("edit" if c.kind == "edit" else "blocking", i, i + 1, 1,
                             f"{c.kind} {c.ref}>{c.alt}", f"{result.contig}:{c.pos + 1}"))
    first = min(c.pos for c in design.changes) - o.start
    last = max(c.pos for c in design.changes) - o.start + 1
    if first > 0:
        feats.append(Feature("homology_arm", 0, first, 1, "left arm"))
    if last < len(o.seq):
        feats.append(Feature("homology_arm", last, len(o.seq), 1, "right arm"))
    for name, hs, st in (("left TALE", design.pair.left, 1), ("right TALE", design.pair.right, -1)):
        a, b = max(hs.bound.start, o.start) - o.start, min(hs.bound.end, o.end) - o.start
        if a < b:
            feats.append(Feature("tale_site", a, b, st, name, hs.rvd_string()))
    rec = make_record(
        locus,
        o.seq,
        feats,
        description=f"ssODN (top strand) correcting {result.contig}:{result.position + 1} "
        f"{result.current_base}>{result.corrected_base}, TALEN {design.pair.pair_id()}",
    )
    return genbank_text(rec)


def _pair_summary(p: TalenPair) -> dict[str, object]:
    """Pair identity, RVDs and 1-based sites, shared by correction and knock-in reports."""
    return {
        "pair_id": p.pair_id(),
        "left_rvds": p.left.rvd_string(),
        "right_rvds": p.right.rvd_string(),
        "left_site": f"{p.contig}:{p.left.bound.start1}-{p.left.bound.end1}(+) {p.left.seq}",
        "right_site": f"{p.contig}:{p.right.bound.start1}-{p.right.bound.end1}(-) {p.right.seq}",
    }

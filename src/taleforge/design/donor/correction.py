"""Point correction by TALEN + ssODN: :func:`correct_window` (the designer on a
+ strand window of the *current* allele), :func:`correction_from_variant` (a variant written
as on the reference: the cells carry ALT, the design restores REF) and the job entry
:func:`design_correction` with :class:`CorrectionParams`.

Alleles: TALEN pairs are designed on the current allele (that is what must be cut); blocking
mutations are chosen on the corrected allele so that it is not cut again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from taleforge.design.blocking import (
    BLOCKING_PARAMS,
    BlockingResult,
    Change,
    ProteinChange,
    apply_changes,
    choose_blocking,
    protein_changes,
)
from taleforge.design.donor.common import (
    DONOR_PARAMS,
    NOT_CHECKED,
    OffTargetCall,
    _annotation,
    _distance_to_cut,
    _explain,
    _filter_streubel,
    _genome_id,
    _open,
    _pair_quality,
    _pair_summary,
    _record,
    _resolve,
    _spec_rule,
    _specificity,
    check_local_transcripts,
    offtarget_calls,
    refuse_mito_hdr,
    scan_warnings,
)
from taleforge.design.pairs import check_acgt, enumerate_pairs
from taleforge.design.primers import (
    PRIMER_PARAMS,
    PrimerPair,
    RestrictionChange,
    restriction_changes,
)
from taleforge.design.primers import design_primers as _primer3
from taleforge.design.ranking import rank
from taleforge.design.result import DesignResult, DesignWarning, Job, Provenance
from taleforge.design.ssodn import SSODN_PARAMS, Ssodn, design_ssodn
from taleforge.design.talen_rules import evaluate_rules
from taleforge.errors import (
    InputError,
    NoResultError,
    ParameterError,
    RegionError,
)
from taleforge.genome.annotation import Transcript
from taleforge.genome.variants import parse_variant
from taleforge.model.interval import reverse_complement
from taleforge.model.params import ParamTable
from taleforge.model.rules import RuleEval
from taleforge.model.scaffold import Scaffold
from taleforge.model.talen import TalenPair
from taleforge.progress import ProgressCallback, report
from taleforge.scoring.base import BindingModel


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
    offtarget: OffTargetCall = NOT_CHECKED

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
            **self.offtarget.as_dict(),
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
    warnings: tuple[DesignWarning | str, ...] = ()
    transcripts: tuple[str, ...] = ()
    record: Provenance | None = None
    offtarget_genome: dict[str, Any] | None = None  # {"name", "sha256"} of the scanned genome

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
            "offtarget_genome": self.offtarget_genome,
            "n_candidate_pairs": self.n_candidates,
            "rejections": dict(sorted(self.rejections.items())),
            "warnings": [w.as_dict() for w in self.typed_warnings()],
            "designs": [d.as_dict(self.offset) for d in self.designs],
        }


#: design.ranking.rank keys of correction pairs: edit inside the spacer first, then the
#: edit-to-cut distance, pair quality, position and lengths; with a specificity scan the
#: specificity score ranks after the distance
CORRECTION_RANK_KEYS = ("outside_spacer", "distance", "-quality", "p", "L", "S", "R")


#: with a specificity scan: checked designs without a passing off-target pair first, then
#: designs with one (a second cut; tier), then the keys above with the specificity score
#: after the distance
CORRECTION_SPEC_RANK_KEYS = ("tier", "outside_spacer", "distance", "-specificity", "-quality",
                             "p", "L", "S", "R")


def _correction_rules(
    filters: Any, i: int, d: int, dmax: int, insp: bool, q: float, spec: float | None,
    scanned: bool, blk: BlockingResult, call: OffTargetCall | None = None,
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
    if scanned and call is not None:
        ev.append(RuleEval(
            "second_cut_tier", "rank", bool(call.clean), call.tier, 0.0,
            "rank key 0: " + ("no passing off-target pair in the scanned genome (clean "
                              "designs rank first)" if call.clean else
                              "a passing off-target pair elsewhere (second cut): ranks after "
                              "every clean design")))
    ev.append(RuleEval("edit_in_spacer", "rank", insp, int(insp), 0.0,
                       f"{keys[0]}: the edit lies {'inside' if insp else 'outside'} the spacer "
                       "(inside ranks first)"))
    ev.append(RuleEval("cut_distance_rank", "rank", True, d, 0.0,
                       f"{keys[1]}: {d} bp from the cut (closer ranks first)"))
    ev.append(_spec_rule(spec, scanned, keys[2], call))
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
    local_coordinates: bool = False,
    pair_filter: Any = None,
) -> CorrectionResult:
    """Design TALEN + ssODN point corrections of genome base ``position`` (0-based) to
    ``to_base`` (+ strand). ``seq`` is the *current* allele (+ strand window starting at
    ``offset``). ``genome``: scanned for off-targets (None = not scanned; a
    "no-genome-scanned" warning); ``local_coordinates``: ``seq``'s coordinates are not the
    scanned genome's (a given sequence): the on-target is located in the genome
    (:func:`~taleforge.design.donor.common.locate_ontarget`). Deterministic."""
    refuse_mito_hdr(contig, "point correction with an ssODN", transcripts)
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
    if pair_filter is not None:  # PairCandidates -> PairCandidates (design/allele_specific.py)
        cands = pair_filter(cands)
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
    # off-target check in rounds: 3 x n_designs candidates per round until n_designs are
    # clean or the donor table's specificity_rounds are used (one round without a genome)
    pool = n_designs * 3 if genome is not None else n_designs
    rounds = int(params["specificity_rounds"]) if genome is not None else 1
    calls: list[OffTargetCall] = []
    k = 0
    for _round in range(rounds):
        start, target = len(pairs_kept), len(pairs_kept) + pool
        while k < len(order) and len(pairs_kept) < target and tried < limit:
            i = order[k]
            k += 1
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
        fresh = [pk[0] for pk in pairs_kept[start:]]
        if not fresh:
            break
        calls += offtarget_calls(
            _specificity(genome, fresh, sc, md, progress, backend), fresh, seq=seq,
            offset=offset, genome=genome, local_coordinates=local_coordinates,
            annotation=annotation, ignore=(position,), params=params)
        if genome is None or sum(bool(c.clean) for c in calls) >= n_designs:
            break
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
    specs = [c.score for c in calls]
    scanned = any(s is not None for s in specs)
    if scanned:  # one contig: the pair key is position, then lengths
        idx = rank({
            "tier": [c.tier for c in calls],
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
        calls = [calls[k] for k in idx]
    run_warns = scan_warnings(calls, genome=genome,
                              local_coordinates=local_coordinates)
    pairs_kept, specs, calls = pairs_kept[:n_designs], specs[:n_designs], calls[:n_designs]
    if not transcripts:
        run_warns.append(DesignWarning(
            "no-transcript-model",
            ("no coding transcript of the annotation overlaps the edit" if annotation
             is not None else "no transcript model was given (no annotation, or --sequence "
             "without --exons/--cds)") + ": the blocking mutations were not checked for "
            "coding, splice-site or start-codon (Kozak) effects; give the gene's exons and CDS "
            "if the edit lies in or near a gene",
            "note" if annotation is not None else "warning"))
    gene_strand = transcripts[0].strand if transcripts else None
    for rank_, ((pair, d, insp, q, blk, ci), spec, call) in enumerate(
            zip(pairs_kept, specs, calls, strict=True), 1):
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
        rules = _correction_rules(filters, ci, d, dmax, insp, q, spec, scanned, blk, call)
        run_warns.extend(call.warnings)
        designs.append(
            CorrectionDesign(rank_, pair, d, insp, q, spec, blk, changes, corrected, cons,
                             oligos, rsites, primers, tuple(warns), rules, call)
        )
    report(progress, "blocking mutations", tried, tried)
    record = _record(reference if reference is not None else
                     (None if local_coordinates else genome), seq, contig, annotation,
                     md, genome is not None,
                     ("donor", "ssodn", "blocking", "genotyping_primers"),
                     (params, ssodn_params, blocking_params, primer_params))
    return CorrectionResult(
        contig, offset, position, cur, to_base, tuple(designs), n_raw, rejections, sc.name,
        md.name, tuple(run_warns), tuple(t.id for t in transcripts), record,
        _genome_id(genome),
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


def design_correction(
    target: str | SequenceEdit,
    params: CorrectionParams | None = None,
    *,
    genome: Any = None,
    annotation: Any = None,
    progress: ProgressCallback | None = None,
    backend: str = "auto",
    offtarget_genome: Any = None,
) -> CorrectionResult:
    """Design TALEN + ssODN point corrections.

    ``target``: a variant ``CONTIG:POS:REF>ALT`` written as on the reference + strand (the
    cells carry ALT, the design restores REF; needs ``genome``), or a :class:`SequenceEdit`
    (the current allele as sequence; ``genome``, when given, is scanned for specificity).
    ``genome``: a :class:`~taleforge.genome.index.Genome`, a path or a builtin name;
    ``annotation``: an Annotation or a path (default: the built-in genome's);
    ``offtarget_genome``: the genome scanned for off-targets instead of ``genome`` (its
    coordinates need not be the target's: the on-target is located in it). A job that
    scans no genome says so in a "no-genome-scanned" warning."""
    p = params or CorrectionParams()
    g = _open(genome, progress)
    og = _open(offtarget_genome, progress)
    scan = og if og is not None else g
    kw = p.window_kwargs()
    if isinstance(target, str):
        if g is None:
            raise ParameterError("a variant target needs a genome",
                                 hint="pass genome= (--genome), or give a SequenceEdit")
        ann = _annotation(annotation, g)
        return correction_from_variant(g, target, annotation=ann, progress=progress,
                                       genome=scan if p.specificity else None, backend=backend,
                                       local_coordinates=og is not None and og is not g, **kw)
    check_local_transcripts(target.transcripts, target.offset, len(target.seq))
    return correct_window(
        target.seq, target.position, target.to_base, contig=target.contig,
        offset=target.offset, transcripts=target.transcripts,
        genome=scan if p.specificity else None, annotation=_annotation(annotation, None),
        progress=progress, backend=backend, local_coordinates=True, **kw,
    )

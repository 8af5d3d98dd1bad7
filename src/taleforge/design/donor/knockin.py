"""Knock-in donors: 2A in-frame insertion into an exon or a splice-acceptor cassette in an
intron (:func:`knockin_window` on a + strand window; the job entry :func:`design_knockin`
with :class:`KnockinParams`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from Bio.Seq import Seq

from taleforge.design.blocking import (
    CleavableSite,
    cleavable_sites,
    score_half_sites,
)
from taleforge.design.cargo import (
    DONOR_ELEMENTS,
    Cargo,
    part_label,
    placeholder_note,
    placeholder_warnings,
    two_a_sequence,
)
from taleforge.design.donor.common import (
    DONOR_PARAMS,
    NOT_CHECKED,
    Layout,
    OffTargetCall,
    _annotation,
    _explain,
    _fetcher,
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
    primers_in_regions,
)
from taleforge.design.primers import design_primers as _primer3
from taleforge.design.ranking import Ranking, rank
from taleforge.design.result import DesignResult, DesignWarning, Job, Provenance
from taleforge.design.talen_rules import evaluate_rules
from taleforge.errors import (
    NoResultError,
    ParameterError,
    RegionError,
)
from taleforge.genome.annotation import Transcript
from taleforge.model.interval import reverse_complement
from taleforge.model.params import ParamTable
from taleforge.model.rules import RuleEval
from taleforge.model.scaffold import Scaffold
from taleforge.model.talen import TalenPair
from taleforge.progress import ProgressCallback, report
from taleforge.scoring.base import BindingModel, SiteScore


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
    offtarget: OffTargetCall = NOT_CHECKED

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
            **self.offtarget.as_dict(),
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
    warnings: tuple[DesignWarning | str, ...] = ()
    record: Provenance | None = None
    offtarget_genome: dict[str, Any] | None = None  # {"name", "sha256"} of the scanned genome

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
            "offtarget_genome": self.offtarget_genome,
            "n_candidate_pairs": self.n_candidates,
            "rejections": dict(sorted(self.rejections.items())),
            "warnings": [w.as_dict() for w in self.typed_warnings()],
            "designs": [d.as_dict() for d in self.designs],
        }


#: design.ranking.rank keys of knock-in pairs: pair quality, then the cut in transcript
#: order (5'-most first), position and lengths; cut-spacing diversity from the ``donor``
#: table; with a specificity scan the kept designs (three times ``n_designs``) are re-ranked:
#: designs without a passing off-target pair first (tier), then by specificity, then in the
#: order above
KNOCKIN_RANK_KEYS = ("-quality", "tx_position", "p", "L", "S", "R")
KNOCKIN_SPEC_RANK_KEYS = ("tier", "-specificity", "order")


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
                        minus: bool, call: OffTargetCall | None = None) -> tuple[RuleEval, ...]:
    ev: list[RuleEval] = []
    if scanned and call is not None:
        ev.append(RuleEval(
            "second_cut_tier", "rank", bool(call.clean), call.tier, 0.0,
            "rank key 0: " + ("no passing off-target pair in the scanned genome (clean "
                              "designs rank first)" if call.clean else
                              "a passing off-target pair elsewhere (second cut): ranks after "
                              "every clean design")))
    ev.append(_spec_rule(spec, scanned, "rank key 1", call))
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
    local_coordinates: bool = False,
) -> KnockinResult:
    """Design knock-in donors into ``exon`` (in-frame, 2A) or ``intron`` (splice acceptor
    cassette) of ``transcript``; ``seq`` is a + strand window starting at ``offset`` that
    covers the transcript's CDS and the homology arms. ``genome``: scanned for off-targets
    (None = not scanned; a "no-genome-scanned" warning); ``local_coordinates``: ``seq``'s
    coordinates are not the scanned genome's (a given sequence). Parts marked [U] in
    ``elements`` (built-in splice acceptor, bGH polyA) give a "placeholder-part" warning;
    :func:`taleforge.design.cargo.read_parts` replaces them. Deterministic."""
    contig = contig or transcript.contig
    refuse_mito_hdr(contig, "a knock-in donor", (transcript,))
    check_acgt(seq, name="sequence")
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
    # off-target check in rounds, as in correction (donor table: specificity_rounds)
    pool = n_designs * 3 if genome is not None else n_designs
    rounds = int(params["specificity_rounds"]) if genome is not None else 1
    max_tried = int(params["max_pairs_tried"])
    calls: list[OffTargetCall] = []
    walker = ranking.walk()
    for _round in range(rounds):
        start, target = len(designs), len(designs) + pool
        while len(designs) < target and tried < max_tried:
            nxt = next(walker, None)
            if nxt is None:
                break
            i = nxt
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
                    parts.append(("polyA", part_label(elements, "bGH_polyA"),
                                  str(elements["bGH_polyA"])))
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
                    parts.append(("splice_acceptor", part_label(elements, "splice_acceptor"),
                                  str(elements["splice_acceptor"])))
                    if fill:
                        parts.append(("filler", "frame filler", fill))
                    parts.append(("2A", ("GSG-" if gsg_linker else "") + two_a.upper(),
                                  two_a_sequence(two_a, gsg=gsg_linker, table=elements)))
                    parts.append(("cargo", cargo.name, orf))
                    if polya:
                        parts.append(("polyA", part_label(elements, "bGH_polyA"),
                                      str(elements["bGH_polyA"])))
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
                feats.append(_feature(kind, a, b, label, placeholder_note(elements, label),
                                      strand=-1 if minus else 1))
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
        fresh = [dd[0] for dd in designs[start:]]
        if not fresh:
            break
        calls += offtarget_calls(
            _specificity(genome, fresh, sc, md, progress, backend), fresh, seq=seq,
            offset=offset, genome=genome, local_coordinates=local_coordinates,
            annotation=annotation, params=params)
        if genome is None or sum(bool(c.clean) for c in calls) >= n_designs:
            break
    if frame_fail:
        rejections["frame check failed"] = frame_fail
    if not designs:
        raise NoResultError(
            f"no knock-in design in {target_label} of {transcript.id} ({len(cands)} pairs "
            "examined; " + "; ".join(f"{k}: {v}" for k, v in sorted(rejections.items())) + ")",
            hint="try another scaffold, exon or intron",
        )
    specs = [c.score for c in calls]
    scanned = any(x is not None for x in specs)
    if scanned:  # clean first, then most specific; the on-target order otherwise
        idx = rank({"tier": [c.tier for c in calls], "specificity": [x or 0.0 for x in specs],
                    "order": list(range(len(designs)))}, KNOCKIN_SPEC_RANK_KEYS)
        designs = [designs[j] for j in idx]
        specs = [specs[j] for j in idx]
        calls = [calls[j] for j in idx]
    run_warns: list[DesignWarning | str] = [*warns, *scan_warnings(
        calls, genome=genome,
        local_coordinates=local_coordinates)]
    designs, specs, calls = designs[:n_designs], specs[:n_designs], calls[:n_designs]
    out = tuple(
        KnockinDesign(
            r, d.pair, d.insertion, d.quality, s, d.insert_seq, d.donor_plus, d.left_arm,
            d.right_arm, d.features, d.cleavable_before, d.cleavable_after, d.scores_before,
            d.frame_phase, d.protein_preview, d.intended_stop_aa,
            d.primers, d.warnings, d.junction_primers,
            (*d.rules, *_knockin_rank_rules(d, s, scanned, minus, c)), c,
        )
        for r, ((_, _, d), s, c) in enumerate(zip(designs, specs, calls, strict=True), 1)
    )
    for call in calls:
        run_warns.extend(call.warnings)
    run_warns.extend(placeholder_warnings(elements, {f.label for d in out for f in d.features}))
    record = _record(reference if reference is not None else
                     (None if local_coordinates else genome), seq, contig, annotation,
                     md, genome is not None, ("donor", "donor_elements", "genotyping_primers"),
                     (params, elements, primer_params))
    return KnockinResult(
        contig, offset, transcript.id, transcript.gene_name, transcript.strand, mode,
        target_label, out, n_raw, rejections, sc.name, md.name, tuple(run_warns), record,
        _genome_id(genome),
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
    offtarget_genome: Any = None,
) -> KnockinResult:
    """Design knock-in donors. ``target``: a gene symbol or ID (needs ``genome`` and an
    annotation, given or built in; the window is fetched around the transcript) or a
    :class:`LocusSequence`. ``genome``, when given, is scanned for specificity (or
    ``offtarget_genome`` instead: its coordinates need not be the target's, the on-target
    is located in it); a job that scans no genome says so ("no-genome-scanned")."""
    g = _open(genome, progress)
    og = _open(offtarget_genome, progress)
    scan = og if og is not None else g
    kw = params.window_kwargs()
    if isinstance(target, LocusSequence):
        check_local_transcripts((target.transcript,), target.offset, len(target.seq))
        return knockin_window(
            target.seq, target.transcript, params.cargo, contig=target.contig,
            offset=target.offset, genome=scan if params.specificity else None,
            annotation=_annotation(annotation, None), progress=progress, backend=backend,
            local_coordinates=True, **kw,
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
        genome=scan if params.specificity else None, reference=g, annotation=ann,
        progress=progress, backend=backend, local_coordinates=og is not None and og is not g, **kw,
    )

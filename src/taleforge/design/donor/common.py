"""What correction and knock-in share: the ``donor`` parameter table, pair quality,
the Streubel pre-filter, the specificity call, the provenance record, the window fetcher
and the explanation helpers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from taleforge.design.pairs import PairCandidates
from taleforge.design.result import DesignWarning, Provenance
from taleforge.design.talen_rules import evaluate_rules, half_site_matrices, strong_rvd_fraction
from taleforge.errors import (
    InputError,
    RegionError,
)
from taleforge.model.interval import reverse_complement
from taleforge.model.params import Param, ParamTable, register_table
from taleforge.model.rules import RuleEval
from taleforge.model.scaffold import Scaffold, get_scaffold
from taleforge.model.talen import TalenPair
from taleforge.progress import ProgressCallback
from taleforge.scoring.base import BindingModel, get_model

if TYPE_CHECKING:
    from taleforge.design.specificity import SpecificitySummary

DONOR_PARAMS = register_table(
    ParamTable(
        name="donor",
        version="1",
        params=(
            Param("max_cut_distance_bp", 10, "bp", "Paquet 2016 (edit within ~10 bp of cut)",
                  "K", "largest distance between the edited base and the TALEN cut"),
            Param("arm_nt", 500, "bp", "usual dsDNA/AAV donor arms 300-1000 bp (docs/science.md §5)", "K",
                  "default homology-arm length for dsDNA/AAV donors"),
            Param("arm_min_nt", 300, "bp", "usual arm range (docs/science.md §5)", "K"),
            Param("arm_max_nt", 1000, "bp", "usual arm range (docs/science.md §5)", "K"),
            Param("aav_capacity_bp", 4400, "bp", "AAV packaging limit between the ITRs (Wu 2010 Mol Ther)",
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
            Param("specificity_rounds", 3, "rounds", "taleforge (as the knockout shortlist "
                  "rounds)", "U",
                  "with a genome: candidates are scanned for off-targets in rounds of "
                  "3 x n_designs until n_designs are clean (no passing off-target pair) or "
                  "this many rounds are used; one round without a genome"),
            Param("ontarget_context_bp", 100, "bp", "taleforge heuristic", "U",
                  "--sequence jobs scanned against a genome: an exact off-target pair is the "
                  "design's own site when the genome equals the sequence this far either "
                  "side of the pair (the edited base excepted)"),
        ),
    )
)


Layout = Literal["2a-cargo-polya", "2a-cargo-2a"]

#: NCBI genetic codes used only by mitochondria (2 vertebrate, 3 yeast, 5 invertebrate,
#: 9 echinoderm/flatworm, 13 ascidian, 14 alternative flatworm, 21 trematode mitochondrial)
MITO_ONLY_CODES: frozenset[int] = frozenset({2, 3, 5, 9, 13, 14, 21})


def refuse_mito_hdr(contig: str, job: str, transcripts: Sequence[Any] = ()) -> None:
    """Refuse a donor-based (HDR) job on mitochondrial DNA with one line pointing to base
    editors: mitochondria lack efficient homology-directed repair, so neither an ssODN nor
    a donor is copied into mtDNA (Gammage, Moraes & Minczuk 2018 Trends Genet 34:101;
    DdCBE/TALED base editors edit mtDNA without a DSB, Mok 2020 Nature, Cho 2022 Cell).
    ``contig`` is checked against the known mitochondrial names
    (:func:`taleforge.genome.annotation_model.is_mito_contig`), ``transcripts`` for a
    mitochondrial genetic code. ``job``: the command's name for the message."""
    from taleforge.genome.annotation_model import is_mito_contig

    codes = sorted({int(getattr(t, "transl_table", 1)) for t in transcripts} & MITO_ONLY_CODES)
    if is_mito_contig(contig) or codes:
        why = (f"{contig} is mitochondrial DNA" if is_mito_contig(contig)
               else f"the transcript uses mitochondrial genetic code {codes[0]}")
        raise InputError(
            f"{job} needs homology-directed repair, which mitochondria lack ({why}; no "
            "efficient HDR in mtDNA, Gammage 2018 Trends Genet)",
            hint="change an mtDNA base without a donor with taleforge base-edit (DdCBE/TALED "
            "base editors)",
        )


def _pair_quality(c: PairCandidates) -> np.ndarray:
    """Pair quality in [0, 1]: mean fraction of strong RVDs (HD, NN) over both half-sites
    (Streubel 2012 Nat Biotechnol), used when the knockout designer's ``pair_quality`` is absent."""
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
) -> list[SpecificitySummary | None]:
    """Genome-wide specificity summaries of ``pairs`` from the specificity service
    (:func:`taleforge.design.specificity.specificity_for_pairs`) when a genome is given;
    None for each pair without a genome."""
    if genome is None or not pairs:
        return [None] * len(pairs)
    from taleforge.design.specificity import specificity_for_pairs

    return list(specificity_for_pairs(genome, pairs, scaffold=scaffold, model=model,
                                      progress=progress, backend=backend))


def _spec_score(s: SpecificitySummary | None) -> float | None:
    """The specificity score (higher is better, 0 = no off-target pair or half-site passing
    the model), rounded as the reports show it."""
    return None if s is None else round(float(s.score), 6) + 0.0


def _same_context(genome: Any, sp: Any, strand: str, seq: str, offset: int, lo: int, hi: int,
                  ctx: int, ignore: Sequence[int]) -> bool:
    """True when the genome around off-target pair ``sp`` equals the sequence around the
    design's footprint ``[lo, hi)`` (``ctx`` bp either side, clipped to both; mismatches
    only at the ``ignore`` positions, e.g. the base being corrected)."""
    n = genome.contig_length(sp.contig)
    left = min(ctx, lo - offset)
    right = min(ctx, offset + len(seq) - hi)
    if strand == "+":
        left, right = min(left, sp.start), min(right, n - sp.end)
        g = genome.fetch(sp.contig, sp.start - left, sp.end + right, "+")
    else:
        left, right = min(left, n - sp.end), min(right, sp.start)
        g = genome.fetch(sp.contig, sp.start - right, sp.end + left, "-")
    a = lo - left
    mine = seq[a - offset : hi + right - offset].upper()
    if len(mine) != len(g):
        return False
    skip = {q - a for q in ignore}
    return all(x == y or i in skip for i, (x, y) in enumerate(zip(mine, g.upper(), strict=True)))


def locate_ontarget(summary: SpecificitySummary, pair: TalenPair, seq: str, offset: int,
                    genome: Any, *, ignore: Sequence[int] = (),
                    params: ParamTable = DONOR_PARAMS
                    ) -> tuple[SpecificitySummary, dict[str, Any] | None]:
    """For a design made on a given sequence (``--sequence``) and scanned against a genome
    whose coordinates are not the sequence's: find the design's own site in the genome (an
    exact off-target pair, L/R on the same strand or R/L on the other, with the same spacer,
    where the genome equals the sequence ``ontarget_context_bp`` either side; ``ignore``:
    positions allowed to differ, e.g. the base being corrected) and take it out of the
    counts, as the service does for a pair given in genome coordinates. Returns the
    corrected summary and the located on-target (``{"contig", "start", "end", "strand",
    "cut"}``, 0-based) or None when the sequence is not in the genome."""
    from dataclasses import replace

    lo, hi = pair.left.pos0, pair.right.pos0 + 1
    ctx = int(params["ontarget_context_bp"])
    for k, sp in enumerate(summary.top_pairs):
        if (sp.total_mismatches or sp.spacer != len(pair.spacer)
                or sp.orientation not in ("L/R", "R/L") or sp.end - sp.start != hi - lo):
            continue
        strand = "+" if sp.orientation == "L/R" else "-"
        if not _same_context(genome, sp, strand, seq, offset, lo, hi, ctx, ignore):
            continue
        pc = list(summary.pair_counts)
        pc[0] -= 1
        same = tuple(pair.left.rvds) == tuple(pair.right.rvds)
        lc, rc = list(summary.left_site_counts), list(summary.right_site_counts)
        for c in (lc, rc):
            if c:
                c[0] = max(0, c[0] - (2 if same else 1))
        on = {(sp.up.contig, sp.up.start, sp.up.strand), (sp.down.contig, sp.down.start,
                                                          sp.down.strand)}
        tops = tuple(t for t in summary.top_sites if (t.contig, t.start, t.strand) not in on)
        fixed = replace(summary, pair_counts=tuple(pc), left_site_counts=tuple(lc),
                        right_site_counts=tuple(rc), top_sites=tops, ontarget_found=True,
                        top_pairs=summary.top_pairs[:k] + summary.top_pairs[k + 1:])
        return fixed, {"contig": sp.contig, "start": sp.start, "end": sp.end,
                       "strand": strand, "cut": sp.cut}
    return summary, None


@dataclass(frozen=True)
class OffTargetCall:
    """What the genome-wide scan says about one design: ``checked`` (a genome was
    scanned), ``clean`` (no passing off-target pair; None when not checked), the per-design
    breakdown (:func:`taleforge.design.second_cut.offtarget_breakdown`), the typed
    second-cut warnings and, for ``--sequence`` jobs, where the on-target lies in the
    scanned genome."""

    checked: bool
    clean: bool | None
    score: float | None
    breakdown: dict[str, Any] | None = None
    warnings: tuple[DesignWarning, ...] = ()
    ontarget_in_genome: dict[str, Any] | None = None

    @property
    def tier(self) -> int:
        """Rank tier: 0 checked and clean, 1 not checked, 2 a passing off-target pair."""
        return 1 if self.clean is None else (0 if self.clean else 2)

    def label(self) -> str:
        """The terminal's off-target column."""
        if not self.checked:
            return "off-target: NOT CHECKED"
        if self.clean:
            return "off-target: clean (no passing off-target pair)"
        b = self.breakdown or {}
        cp = b.get("closest_pair") or {}
        where = f"; closest {cp['contig']}:{cp['start']}-{cp['end']}" if cp else ""
        return f"off-target: SECOND CUT ({b.get('n_pairs', 0)} passing pair(s){where})"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"checked": self.checked, "clean": self.clean}
        out["offtarget"] = self.breakdown
        if self.ontarget_in_genome is not None:
            o = self.ontarget_in_genome
            out["ontarget_in_scanned_genome"] = (
                f"{o['contig']}:{o['start'] + 1}-{o['end']}({o['strand']})")
        return out


#: the call of a design that was not scanned
NOT_CHECKED = OffTargetCall(False, None, None)


def offtarget_calls(
    summaries: Sequence[SpecificitySummary | None],
    pairs: Sequence[TalenPair],
    *,
    seq: str,
    offset: int,
    genome: Any,
    local_coordinates: bool,
    annotation: Any = None,
    ignore: Sequence[int] = (),
    params: ParamTable = DONOR_PARAMS,
) -> list[OffTargetCall]:
    """One :class:`OffTargetCall` per design. ``local_coordinates``: the designs' coordinates
    are the given sequence's, not the scanned genome's (``--sequence``): the on-target is
    located in the genome first (:func:`locate_ontarget`); when it is not there, the
    consequence of a second cut cannot be told (no distance to the target)."""
    from taleforge.design.second_cut import offtarget_breakdown, second_cut_warnings

    out: list[OffTargetCall] = []
    scan_ann = (_annotation(None, genome) if local_coordinates and genome is not None
                and any(x is not None for x in summaries) else None)
    for s, pr in zip(summaries, pairs, strict=True):
        if s is None:
            out.append(NOT_CHECKED)
            continue
        on: dict[str, Any] | None = None
        tcontig, tcut = pr.contig, pr.cut
        if local_coordinates:
            s, on = locate_ontarget(s, pr, seq, offset, genome, ignore=ignore, params=params)
            if on is not None:
                tcontig, tcut = on["contig"], on["cut"]
        # the design's annotation describes its own coordinates; in a genome scanned for a
        # given sequence, genes are named from that genome's packaged annotation (if any)
        ann = annotation if not local_coordinates else (
            scan_ann if on is not None else None)
        known = not local_coordinates or on is not None
        bd = offtarget_breakdown(s, target_contig=tcontig if known else None,
                                 target_cut=tcut if known else None, annotation=ann)
        if known:
            warns = second_cut_warnings(s, design_id=pr.pair_id(), target_contig=tcontig,
                                        target_cut=tcut, annotation=ann)
        elif s.n_second_cut_pairs:
            cp = bd.get("closest_pair") or {}
            where = (f" (closest {cp['contig']}:{cp['start']}-{cp['end']}, "
                     f"{cp['orientation']})" if cp else "")
            warns = [DesignWarning(
                "second-cut",
                f"TALENs form {s.n_second_cut_pairs} passing pair(s) in the scanned genome"
                f"{where}; the target sequence itself was not found there, so the "
                "consequence of a second cut (deletion or translocation) is unknown",
                design=pr.pair_id(), details={"n_pairs": s.n_second_cut_pairs,
                                              "closest_pair": cp or None})]
        else:
            warns = []
        out.append(OffTargetCall(True, s.clean, _spec_score(s), bd,
                                 tuple(warns), on))
    return out


def scan_warnings(calls: Sequence[OffTargetCall], *, genome: Any,
                  local_coordinates: bool) -> list[DesignWarning]:
    """Run-level warnings of the off-target scan: "no-genome-scanned" when no genome was
    scanned (none given, or ``--no-specificity``), "no-clean-design" when every scanned
    design forms a passing off-target pair, and a note when a ``--sequence`` target was not
    found in the scanned genome."""
    out: list[DesignWarning] = []
    if not any(c.checked for c in calls):
        out.append(DesignWarning(
            "no-genome-scanned",
            "no genome was scanned for off-targets (none given with --genome or "
            "--offtarget-genome, or --no-specificity): second cuts elsewhere in the genome "
            "were not checked and the designs are ranked on the target alone"))
        return out
    if calls and all(c.clean is False for c in calls):
        out.append(DesignWarning(
            "no-clean-design",
            "every design found here forms a passing off-target pair in the scanned genome "
            "(a duplicated region?): the best available are shown, each with its second cut"))
    if local_coordinates and any(c.checked and c.ontarget_in_genome is None for c in calls):
        out.append(DesignWarning(
            "note", "the given sequence was not found in the scanned genome (it is not part "
            "of it, or differs from it): off-targets were counted, but the distance of a "
            "second cut to the target is unknown", "note"))
    return out


def check_local_transcripts(transcripts: Sequence[Any], offset: int, length: int) -> None:
    """Check a transcript model given with a sequence (``--exons``/``--cds``): every exon
    inside the sequence, and the CDS a whole number of codons. One-line errors naming the
    option and the fix."""
    for t in transcripts:
        for e in t.exons:
            if e.start < offset or e.end > offset + length:
                raise RegionError(
                    f"--exons range {e.start - offset + 1}-{e.end - offset} lies beyond the "
                    f"sequence ({length:,} bp)",
                    hint=f"give exons within 1-{length} (1-based on the --sequence record)",
                )
        if t.cds:
            n = sum(len(c) for c in t.cds)
            if n % 3:
                raise InputError(
                    f"--cds covers {n:,} coding bases within --exons, not a multiple of 3",
                    hint="--cds runs from the A of the start codon to the last base of the "
                    "stop codon; check it and the exon boundaries",
                )


def _genome_id(genome: Any) -> dict[str, Any] | None:
    """``{"name", "sha256"}`` of the genome scanned for off-targets (None = none scanned)."""
    if genome is None:
        return None
    return {"name": getattr(genome, "name", str(genome)),
            "sha256": getattr(genome, "checksum", None)}


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


def _explain(head: str, rules: Sequence[RuleEval]) -> str:
    lines = [head]
    for r in rules:
        lines.append(f"  {r.kind:>6}  {r.rule}: {r.reason}")
    return "\n".join(lines)


def _spec_rule(spec: float | None, scanned: bool, key: str,
               call: OffTargetCall | None = None) -> RuleEval:
    if not scanned:
        return RuleEval("specificity", "flag", True, None, 0.0,
                        "no genome-wide specificity scan (no genome given or --no-specificity)")
    tier = ""
    if call is not None and call.clean is not None:
        tier = ("; no passing off-target pair (ranks before designs with one)" if call.clean
                else f"; {(call.breakdown or {}).get('n_pairs', 0)} passing off-target "
                "pair(s): a second cut (ranks after every clean design)")
    return RuleEval("specificity", "rank", True, spec, 0.0,
                    f"{key}: genome-wide specificity score {spec} (higher is better; 0 = no "
                    f"off-target pair or half-site passing the binding model){tier}")


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
        # matched to the genome: contig aliases, misfits dropped, one error when none fits
        return load_annotation(annotation, genome=genome)
    if annotation is None and genome is not None:
        default = getattr(genome, "default_annotation", None)
        return load_annotation(default) if default is not None else None
    return annotation


def _pair_summary(p: TalenPair) -> dict[str, object]:
    """Pair identity, RVDs and 1-based sites, shared by correction and knock-in reports."""
    return {
        "pair_id": p.pair_id(),
        "left_rvds": p.left.rvd_string(),
        "right_rvds": p.right.rvd_string(),
        "left_site": f"{p.contig}:{p.left.bound.start1}-{p.left.bound.end1}(+) {p.left.seq}",
        "right_site": f"{p.contig}:{p.right.bound.start1}-{p.right.bound.end1}(-) {p.right.seq}",
    }

"""What correction and knock-in share: the ``donor`` parameter table, pair quality,
the Streubel pre-filter, the specificity call, the provenance record, the window fetcher
and the explanation helpers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from taleforge.design.pairs import PairCandidates
from taleforge.design.result import Provenance
from taleforge.design.talen_rules import evaluate_rules, half_site_matrices, strong_rvd_fraction
from taleforge.errors import (
    RegionError,
)
from taleforge.model.interval import reverse_complement
from taleforge.model.params import Param, ParamTable, register_table
from taleforge.model.rules import RuleEval
from taleforge.model.scaffold import Scaffold, get_scaffold
from taleforge.model.talen import TalenPair
from taleforge.progress import ProgressCallback
from taleforge.scoring.base import BindingModel, get_model

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
        ),
    )
)


Layout = Literal["2a-cargo-polya", "2a-cargo-2a"]


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


def _pair_summary(p: TalenPair) -> dict[str, object]:
    """Pair identity, RVDs and 1-based sites, shared by correction and knock-in reports."""
    return {
        "pair_id": p.pair_id(),
        "left_rvds": p.left.rvd_string(),
        "right_rvds": p.right.rvd_string(),
        "left_site": f"{p.contig}:{p.left.bound.start1}-{p.left.bound.end1}(+) {p.left.seq}",
        "right_site": f"{p.contig}:{p.right.bound.start1}-{p.right.bound.end1}(-) {p.right.seq}",
    }

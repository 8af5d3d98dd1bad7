"""Genome-wide off-target analysis of TALEN pairs and single TALE half-sites.

* :func:`find_offtargets` — one TALEN (or one TALE): every half-site within
  ``max_mismatches`` on both strands, every tail-to-tail pair they form (L/R and R/L
  heterodimers, L/L and R/R homodimers) with a spacer in range, both sites scored by a
  binding model, the on-target recognised and marked, sites annotated.
* :func:`specificity_for_pairs` — many candidate pairs at once (knockout designer): all
  unique half-sites scanned together in batches, counts of off-target pairs and sites, a
  documented specificity score as :class:`~taleforge.model.rules.RuleEval` objects.
* :func:`site_to_rvds` — split a whole TALEN site (e.g. a 49-bp 17-15-17 site) into arrays.

Coordinates: 0-based half-open internally; TSV/JSON are 1-based inclusive; BED is 0-based.

Geometry of a pair (top strand): ``[p0 up-site] spacer [down-site p0]``; the upstream TALE
reads the top strand, the downstream TALE the bottom strand (see
:mod:`taleforge.engine.pairs`). Position 0 of both must be in the scaffold's position-0 set
(``T`` for standard scaffolds, so ``T ... A`` on the top strand) unless ``pos0_bases=None``.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from taleforge.engine.pairs import PairIndex, assemble_pairs, pos0_codes, site_codes
from taleforge.engine.scan import HitTable, expected_hits, query_masks, scan_halfsites
from taleforge.errors import BackendError, InputError, ParameterError, SequenceError
from taleforge.genome.packed import PackedGenome
from taleforge.model.interval import reverse_complement
from taleforge.model.params import Param, ParamTable, register_table
from taleforge.model.rules import RuleEval
from taleforge.model.rvd import (
    GRvd,
    check_array_length,
    parse_rvds,
    rvds_for_sequence,
)
from taleforge.model.scaffold import Scaffold, get_scaffold
from taleforge.model.talen import TalenPair
from taleforge.progress import ProgressCallback, report
from taleforge.scoring.base import BindingModel, SiteScore, combine_scores, get_model, thirds_array

Role = Literal["L", "R"]
BASES = "ACGT"

OFFTARGET_PARAMS = register_table(
    ParamTable(
        name="offtarget_specificity",
        version="1",
        params=(
            Param("pair_weight", 10.0, "score points", "taleforge (issue 3)", "U",
                  "specificity_pairs = -pair_weight * log2(1 + sum over off-target pairs "
                  "of decay**total_mismatches)"),
            Param("site_weight", 1.0, "score points", "taleforge (issue 3)", "U",
                  "specificity_sites = -site_weight * log2(1 + sum over off-target single "
                  "half-sites of decay**mismatches)"),
            Param("decay", 0.5, "per mismatch", "taleforge; Juillerat 2014 (qualitative)", "U",
                  "each mismatch halves the weight of an off-target"),
            Param("pair_fail_max_mismatches", 2, "mismatches", "taleforge", "U",
                  "specificity_pairs fails when an off-target pair has <= this many "
                  "total mismatches"),
            Param("top_sites", 20, "sites", "taleforge", "U",
                  "off-target sites kept per candidate in specificity summaries"),
            Param("annotate_max", 20000, "sites", "taleforge", "U",
                  "sites/pairs annotated with gene context (the rest are left blank)"),
            Param("design_max_expected_hits", 2.0e4, "hits per half-site", "taleforge", "U",
                  "in design ranking, a half-site whose random-hit expectation at the "
                  "requested mismatch limit exceeds this is scanned at the largest lower "
                  "limit that stays below it; the expected excess is added to its site "
                  "penalty and the reason says so"),
            Param("cellectis_half_site_bp", 17, "bp", "published Cellectis 17-15-17 sites",
                  "V", "half-site including the position-0 base (16 RVDs)"),
        ),
    )
)


# ------------------------------------------------------------------------------ records


@dataclass(frozen=True)
class OffTargetSite:
    """One half-site hit (0-based half-open ``start``/``end`` of the bound bases)."""

    role: Role
    contig: str
    start: int
    end: int
    strand: Literal["+", "-"]
    pos0: int  # 0-based coordinate of position 0
    pos0_base: str  # on the TALE's strand
    seq: str  # bound bases 5'->3' as the TALE reads them
    mismatches: int
    mismatches_by_third: tuple[int, int, int]
    score: float
    passes: bool
    is_ontarget: bool = False
    location: str = ""
    nearest_gene: str = ""
    gene_distance: int | None = None

    @property
    def footprint(self) -> tuple[int, int]:
        """Bound bases plus position 0 (0-based half-open)."""
        return (self.start - 1, self.end) if self.strand == "+" else (self.start, self.end + 1)

    def label(self) -> str:
        return f"{self.role}{self.strand} {self.contig}:{self.start + 1}-{self.end}"


@dataclass(frozen=True)
class OffTargetPair:
    """A tail-to-tail pair: ``up`` reads the top strand, ``down`` the bottom strand."""

    orientation: Literal["L/R", "L/L", "R/R"]
    upstream: Role
    contig: str
    up: OffTargetSite
    down: OffTargetSite
    spacer: int
    up_score: SiteScore
    down_score: SiteScore
    combined_score: float
    passes: bool
    is_ontarget: bool = False
    location: str = ""
    nearest_gene: str = ""
    gene_distance: int | None = None

    @property
    def total_mismatches(self) -> int:
        return self.up.mismatches + self.down.mismatches

    @property
    def start(self) -> int:
        return self.up.start - 1

    @property
    def end(self) -> int:
        return self.down.end + 1

    @property
    def cut(self) -> int:
        """0-based spacer centre."""
        return self.up.end + self.spacer // 2

    def mismatches_by_third(self) -> tuple[int, int, int]:
        a, b = self.up.mismatches_by_third, self.down.mismatches_by_third
        return (a[0] + b[0], a[1] + b[1], a[2] + b[2])

    def explain(self) -> str:
        """Both sites' per-repeat score tables."""
        return "\n".join([
            f"pair {self.pair_id()} {self.orientation} (upstream {self.upstream}), spacer "
            f"{self.spacer} bp, {self.total_mismatches} mismatches "
            f"(by third {'/'.join(str(x) for x in self.mismatches_by_third())}), combined "
            f"score {self.combined_score:.4f}{' ON-TARGET' if self.is_ontarget else ''}",
            f"upstream {self.up.label()} {self.up.seq}:",
            self.up_score.explanation(),
            f"downstream {self.down.label()} {self.down.seq}:",
            self.down_score.explanation(),
        ])

    def pair_id(self) -> str:
        return (
            f"{self.contig}:{self.start + 1}:{self.upstream}{self.up.end - self.up.start}"
            f"S{self.spacer}{self.down.role}{self.down.end - self.down.start}"
        )


@dataclass(frozen=True)
class OffTargetResult:
    left: tuple[str, ...]
    right: tuple[str, ...] | None
    model: str
    pairs: tuple[OffTargetPair, ...]
    sites: tuple[OffTargetSite, ...]
    provenance: dict[str, Any]
    parameters: dict[str, Any]
    notes: tuple[str, ...] = ()

    @property
    def ontarget_pairs(self) -> tuple[OffTargetPair, ...]:
        return tuple(p for p in self.pairs if p.is_ontarget)

    @property
    def offtarget_pairs(self) -> tuple[OffTargetPair, ...]:
        return tuple(p for p in self.pairs if not p.is_ontarget)

    def pair_counts(self, max_total: int | None = None) -> list[int]:
        """Off-target pairs by total mismatches (index = mismatches)."""
        n = max_total if max_total is not None else 2 * int(self.parameters["max_mismatches"])
        c = [0] * (n + 1)
        for p in self.offtarget_pairs:
            if p.total_mismatches <= n:
                c[p.total_mismatches] += 1
        return c

    def site_counts(self, role: Role) -> list[int]:
        k = int(self.parameters["max_mismatches"])
        c = [0] * (k + 1)
        for s in self.sites:
            if s.role == role and not s.is_ontarget and s.mismatches <= k:
                c[s.mismatches] += 1
        return c

    # ---- writers ------------------------------------------------------------------
    def rows(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for p in self.pairs:
            r: dict[str, Any] = {
                "kind": "ontarget_pair" if p.is_ontarget else "pair",
                "id": p.pair_id(),
                "contig": p.contig,
                "start": p.start + 1,
                "end": p.end,
                "orientation": p.orientation,
                "upstream": p.upstream,
                "spacer_bp": p.spacer,
                "mismatches": p.total_mismatches,
                "mm_third1": p.mismatches_by_third()[0],
                "mm_third2": p.mismatches_by_third()[1],
                "mm_third3": p.mismatches_by_third()[2],
                "combined_score": round(p.combined_score, 6),
                "passes": p.passes,
                "location": p.location,
                "nearest_gene": p.nearest_gene,
                "gene_distance": p.gene_distance,
            }
            for tag, s in (("site1", p.up), ("site2", p.down)):
                r.update(_site_cols(tag, s))
            rows.append(r)
        for s in self.sites:
            fs, fe = s.footprint
            r = {
                "kind": "ontarget_site" if s.is_ontarget else "site",
                "id": f"{s.contig}:{s.start + 1}:{s.role}{s.strand}",
                "contig": s.contig,
                "start": fs + 1,
                "end": fe,
                "orientation": "",
                "upstream": "",
                "spacer_bp": None,
                "mismatches": s.mismatches,
                "mm_third1": s.mismatches_by_third[0],
                "mm_third2": s.mismatches_by_third[1],
                "mm_third3": s.mismatches_by_third[2],
                "combined_score": round(s.score, 6),
                "passes": s.passes,
                "location": s.location,
                "nearest_gene": s.nearest_gene,
                "gene_distance": s.gene_distance,
            }
            r.update(_site_cols("site1", s))
            rows.append(r)
        return rows

    def header_lines(self) -> list[str]:
        g = self.provenance.get("genome", {})
        return [
            "taleforge offtarget (coordinates 1-based inclusive)",
            f"genome: {g.get('name')} sha256={g.get('sha256')}",
            f"left: {' '.join(self.left)}",
            f"right: {' '.join(self.right) if self.right else '-'}",
            f"model: {self.model}; max_mismatches={self.parameters['max_mismatches']}; "
            f"spacer {self.parameters['spacer_min']}-{self.parameters['spacer_max']} bp; "
            f"pos0 {self.parameters['pos0_bases'] or 'any'}",
            *self.notes,
        ]

    def to_tsv(self) -> str:
        from taleforge.io.tables import to_tsv

        return to_tsv(self.rows(), TSV_COLUMNS, header=self.header_lines())

    def to_json(self) -> str:
        from taleforge.io.tables import to_json

        return to_json(
            {
                "provenance": self.provenance,
                "parameters": self.parameters,
                "left": " ".join(self.left),
                "right": " ".join(self.right) if self.right else None,
                "summary": {
                    "ontarget_pairs": len(self.ontarget_pairs),
                    "offtarget_pairs_by_mismatches": self.pair_counts(),
                    "left_sites_by_mismatches": self.site_counts("L"),
                    "right_sites_by_mismatches": self.site_counts("R") if self.right else None,
                },
                "notes": list(self.notes),
                "rows": self.rows(),
                "pair_scores": [
                    {"id": p.pair_id(), "site1": p.up_score.as_dict(),
                     "site2": p.down_score.as_dict()}
                    for p in self.pairs
                ],
            }
        )

    def to_bed(self) -> str:
        """BED6, 0-based half-open footprints (position 0 included); pairs then sites."""
        lines = ['track name="taleforge-offtarget" description="TALEN off-targets" useScore=1']
        for p in self.pairs:
            name = f"{'ON' if p.is_ontarget else 'pair'}:{p.orientation}:mm{p.total_mismatches}"
            sc = max(0, 1000 - 100 * p.total_mismatches)
            lines.append(f"{p.contig}\t{p.start}\t{p.end}\t{name}\t{sc}\t.")
        for s in self.sites:
            fs, fe = s.footprint
            name = f"{'ON' if s.is_ontarget else 'site'}:{s.role}:mm{s.mismatches}"
            sc = max(0, 1000 - 200 * s.mismatches)
            lines.append(f"{s.contig}\t{fs}\t{fe}\t{name}\t{sc}\t{s.strand}")
        return "\n".join(lines) + "\n"


TSV_COLUMNS = (
    "kind", "id", "contig", "start", "end", "orientation", "upstream", "spacer_bp",
    "mismatches", "mm_third1", "mm_third2", "mm_third3", "combined_score", "passes",
    "site1_role", "site1_strand", "site1_start", "site1_end", "site1_pos0", "site1_seq",
    "site1_mismatches", "site1_score", "site1_passes",
    "site2_role", "site2_strand", "site2_start", "site2_end", "site2_pos0", "site2_seq",
    "site2_mismatches", "site2_score", "site2_passes",
    "location", "nearest_gene", "gene_distance",
)


def _site_cols(tag: str, s: OffTargetSite) -> dict[str, Any]:
    return {
        f"{tag}_role": s.role,
        f"{tag}_strand": s.strand,
        f"{tag}_start": s.start + 1,
        f"{tag}_end": s.end,
        f"{tag}_pos0": f"{s.pos0 + 1}:{s.pos0_base}",
        f"{tag}_seq": s.seq,
        f"{tag}_mismatches": s.mismatches,
        f"{tag}_score": round(s.score, 6),
        f"{tag}_passes": s.passes,
    }


# ------------------------------------------------------------------------------ helpers


@dataclass(frozen=True)
class _GenomeInfo:
    packed: PackedGenome
    provenance: dict[str, Any]
    source: Any


def _resolve_genome(genome: Any, progress: ProgressCallback | None) -> _GenomeInfo:
    if isinstance(genome, PackedGenome):
        return _GenomeInfo(
            genome,
            {"name": "in-memory", "sha256": None, "genome_size_bp": genome.genome_size},
            None,
        )
    if isinstance(genome, (str, os.PathLike)):
        from taleforge.genome.index import open_genome

        genome = open_genome(genome, progress=progress)
    packed = getattr(genome, "packed", None)
    if not isinstance(packed, PackedGenome):
        raise InputError(
            f"cannot use {type(genome).__name__} as a genome",
            hint="pass a genome spec (path or builtin:hg38-chrM), a Genome or a PackedGenome",
        )
    prov = genome.provenance() if hasattr(genome, "provenance") else {"name": str(genome)}
    return _GenomeInfo(packed, prov, genome)


def _as_rvds(x: Sequence[str] | str, what: str) -> tuple[str, ...]:
    rvds = parse_rvds(x) if isinstance(x, str) else parse_rvds(" ".join(x))
    try:
        check_array_length(rvds)
    except InputError as exc:
        raise InputError(f"{what} half-site: {exc.message}", hint=exc.hint) from None
    return rvds


def _scaffold(s: str | Scaffold) -> Scaffold:
    return get_scaffold(s) if isinstance(s, str) else s


def _model(m: str | BindingModel) -> BindingModel:
    return get_model(m) if isinstance(m, str) else m


def _scan(
    packed: PackedGenome,
    queries: list[tuple[str, ...]],
    k: int | list[int],
    pos0: str | None,
    scheduler: str | None,
    n_workers: int | None,
    progress: ProgressCallback | None,
    genome_source: Any = None,
) -> HitTable:
    if min([k] if isinstance(k, int) else k, default=0) < 0:
        raise ParameterError(f"max_mismatches {k} is negative", hint="use 0 or more")
    if scheduler is None:
        return scan_halfsites(
            packed, queries, k, pos0_bases=pos0, workers=n_workers, progress=progress
        )
    import importlib
    import inspect

    try:
        distributed = importlib.import_module("taleforge.engine.distributed")
    except ImportError as exc:
        raise BackendError(
            f"cannot use scheduler {scheduler}: distributed scanning is not available ({exc})",
            hint="install dask[distributed] or omit --scheduler",
        ) from None
    fn: Callable[..., HitTable] = distributed.scan_distributed
    idx = getattr(genome_source, "index_path", None)
    target: Any = str(idx) if idx is not None else packed
    kwargs: dict[str, Any] = {"scheduler": scheduler, "n_workers": n_workers}
    accepted = inspect.signature(fn).parameters
    for name, val in (("pos0_bases", pos0), ("progress", progress)):
        if name in accepted:
            kwargs[name] = val
    try:
        return fn(target, queries, k, **kwargs)
    except (OSError, TimeoutError) as exc:
        raise BackendError(
            f"scheduler {scheduler} is unreachable ({exc})",
            hint="check the address (tcp://host:8786) and that the scheduler is running, "
            "or omit --scheduler",
        ) from None


def _mm_thirds(
    masks: NDArray[np.uint8], codes: NDArray[np.uint8]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Mismatch count per site and per third: ((n,), (n, 3))."""
    L = masks.size
    ok = ((masks[None, :].astype(np.int64) >> np.minimum(codes, 3).astype(np.int64)) & 1) == 1
    ok &= codes < 4
    mm = ~ok
    th = thirds_array(L).astype(np.int64) - 1
    by = np.zeros((codes.shape[0], 3), dtype=np.int64)
    for t in range(3):
        by[:, t] = mm[:, th == t].sum(axis=1)
    return mm.sum(axis=1).astype(np.int64), by


def _decode(row: NDArray[np.uint8]) -> str:
    return "".join("ACGTN"[int(c)] for c in row)


@dataclass
class _QueryHits:
    """Per-hit derived arrays for one HitTable (aligned with its rows)."""

    contig: NDArray[np.int64]
    local: NDArray[np.int64]
    length: NDArray[np.int64]
    pos0: NDArray[np.uint8]
    score: NDArray[np.float64]
    passes: NDArray[np.bool_]
    mm: NDArray[np.int64]
    mm3: NDArray[np.int64]
    codes: dict[int, NDArray[np.uint8]] = field(default_factory=dict)
    rows_of: dict[int, NDArray[np.int64]] = field(default_factory=dict)
    #: rows (per query, sorted) whose codes/scores were derived; all rows unless ``need``
    code_rows: dict[int, NDArray[np.int64]] = field(default_factory=dict)


def _derive(
    packed: PackedGenome,
    hits: HitTable,
    queries: list[tuple[str, ...]],
    model: BindingModel,
    need: NDArray[np.bool_] | None = None,
) -> _QueryHits:
    """Decode and score hits. With ``need`` only those rows get sequences, scores and
    per-third mismatches (the rest keep the scan's mismatch count and score NaN): a
    promiscuous half-site can have ~10^6 hits of which a design summary reads a few."""
    n = len(hits)
    ci, local = packed.to_local(hits.gpos) if n else (np.zeros(0, np.int64),) * 2
    lengths = np.array([len(q) for q in queries], dtype=np.int64)
    length = lengths[hits.query] if n else np.zeros(0, np.int64)
    p0 = pos0_codes(packed, hits.gpos, hits.strand, length) if n else np.zeros(0, np.uint8)
    score = np.full(n, np.nan, dtype=np.float64)
    mm = hits.mismatches.astype(np.int64)
    mm3 = np.zeros((n, 3), dtype=np.int64)
    d = _QueryHits(ci, local, length, p0, score, np.zeros(n, np.bool_), mm, mm3)
    bounds = np.searchsorted(hits.query, np.arange(len(queries) + 1))  # hits sorted by query
    for q, rvds in enumerate(queries):
        rows = np.arange(bounds[q], bounds[q + 1], dtype=np.int64)
        d.rows_of[q] = rows
        if need is not None:
            rows = rows[need[rows]]
        d.code_rows[q] = rows
        if rows.size == 0:
            continue
        codes = site_codes(packed, hits.gpos[rows], hits.strand[rows], len(rvds))
        d.codes[q] = codes
        score[rows] = model.score_many(rvds, codes, p0[rows])
        thr = model.threshold(rvds)
        if model.higher_is_better:
            d.passes[rows] = score[rows] >= thr - 1e-12
        else:
            d.passes[rows] = score[rows] <= thr + 1e-12
        m, by = _mm_thirds(query_masks(rvds), codes)
        mm[rows] = m
        mm3[rows] = by
    return d


def _site(
    packed: PackedGenome, hits: HitTable, d: _QueryHits, row: int, role: Role,
    is_ontarget: bool = False,
) -> OffTargetSite:
    q = int(hits.query[row])
    k = int(np.searchsorted(d.code_rows[q], row))
    seq = _decode(d.codes[q][k])
    start = int(d.local[row])
    L = int(d.length[row])
    plus = int(hits.strand[row]) == 1
    return OffTargetSite(
        role=role,
        contig=packed.names[int(d.contig[row])],
        start=start,
        end=start + L,
        strand="+" if plus else "-",
        pos0=start - 1 if plus else start + L,
        pos0_base="ACGTN"[int(d.pos0[row])],
        seq=seq,
        mismatches=int(d.mm[row]),
        mismatches_by_third=(int(d.mm3[row, 0]), int(d.mm3[row, 1]), int(d.mm3[row, 2])),
        score=float(d.score[row]),
        passes=bool(d.passes[row]),
        is_ontarget=is_ontarget,
    )


def _annotate_site(ann: Any, contig: str, pos: int) -> dict[str, Any]:
    if ann is None:
        return {}
    out: dict[str, Any] = {"location": ann.locate(contig, pos)}
    ng = ann.nearest_gene(contig, pos)
    if ng is not None:
        gene, dist = ng
        out["nearest_gene"] = gene.name or gene.id
        out["gene_distance"] = int(dist)
    return out


# ------------------------------------------------------------------------------ site split


@dataclass(frozen=True)
class SiteSplit:
    """A whole TALEN site split into its two arrays. Unpacks as ``left, right``."""

    left: tuple[str, ...]
    right: tuple[str, ...]
    spacer_bp: int
    left_seq: str  # left bound bases (top strand)
    right_seq: str  # right bound bases as the right TALE reads them (bottom strand)
    left_pos0: str
    right_pos0: str  # on the bottom strand (complement of the site's last base)
    notes: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        return iter((self.left, self.right))


def site_to_rvds(
    site: str,
    *,
    left_len: int | None = None,
    right_len: int | None = None,
    spacer: int | None = None,
    g_rvd: GRvd = "NN",
) -> SiteSplit:
    """Split a TALEN site written 5'->3' on the top strand, from the left position 0 to the
    right position 0 (e.g. the 49-bp Cellectis layout 17-15-17)::

        site = T + left bound (left_len) + spacer + right bound (right_len, top strand) + A

    The left array reads bases 2..left_len+1 (after the T); the right array reads the
    reverse complement of the last ``right_len + 1`` bases minus their final A.
    Defaults: left_len = right_len = 16 RVDs (17-bp half-sites including position 0, the
    cellectis-like layout); the spacer is what remains. Give any two of left_len,
    right_len, spacer (others are inferred; with only ``spacer`` the arms are split
    equally). Non-T/A position-0 bases are allowed but noted."""
    seq = "".join(site.split()).upper()
    bad = [(i, c) for i, c in enumerate(seq) if c not in BASES]
    if bad:
        i, c = bad[0]
        raise SequenceError(
            f"TALEN site has non-ACGT character {c!r} at position {i + 1}",
            hint="give the site as A/C/G/T only, from the left position-0 T to the right A",
        )
    n = len(seq)
    default = int(OFFTARGET_PARAMS["cellectis_half_site_bp"]) - 1
    if left_len is None and right_len is None:
        if spacer is not None:
            arms = n - 2 - spacer
            left_len = (arms + 1) // 2
            right_len = arms - left_len
        else:
            left_len = right_len = default
    elif left_len is None:
        assert right_len is not None
        left_len = n - 2 - right_len - (spacer if spacer is not None else 15)
    elif right_len is None:
        right_len = n - 2 - left_len - (spacer if spacer is not None else 15)
    sp = n - 2 - left_len - right_len
    if spacer is not None and sp != spacer:
        raise ParameterError(
            f"site of {n} bp cannot hold left {left_len} + spacer {spacer} + right {right_len} "
            "RVDs plus two position-0 bases",
            hint=f"lengths must satisfy left + spacer + right + 2 = {n}",
        )
    if left_len < 1 or right_len < 1 or sp < 1:
        raise ParameterError(
            f"site of {n} bp is too short for left {left_len} and right {right_len} RVDs "
            f"(spacer would be {sp} bp)",
            hint="give the whole site from the left position-0 T to the right A, or set "
            "--left-len/--right-len/--spacer",
        )
    left_seq = seq[1 : 1 + left_len]
    right_top = seq[n - 1 - right_len : n - 1]
    right_seq = reverse_complement(right_top)
    notes = []
    if seq[0] != "T":
        notes.append(f"left position 0 is {seq[0]}, not T")
    if seq[-1] != "A":
        notes.append(f"right position 0 is {reverse_complement(seq[-1])} on its strand, not T")
    left = rvds_for_sequence(left_seq, g_rvd=g_rvd)
    right = rvds_for_sequence(right_seq, g_rvd=g_rvd)
    return SiteSplit(
        left, right, sp, left_seq, right_seq, seq[0], reverse_complement(seq[-1]), tuple(notes)
    )


# ------------------------------------------------------------------------------ find_offtargets


def _pos0_rule(scaffold: Scaffold, pos0_bases: str | Literal["scaffold"] | None) -> str | None:
    if pos0_bases == "scaffold":
        return None if set(scaffold.pos0_bases) == set(BASES) else scaffold.pos0_bases
    if pos0_bases is None or set(pos0_bases.upper()) == set(BASES):
        return None
    return pos0_bases.upper()


def find_offtargets(
    genome: Any,
    left: Sequence[str] | str,
    right: Sequence[str] | str | None,
    *,
    scaffold: str | Scaffold = "tale-nt",
    max_mismatches: int = 4,
    model: str | BindingModel = "positional",
    spacer_min: int | None = None,
    spacer_max: int | None = None,
    pos0_bases: str | Literal["scaffold"] | None = "scaffold",
    annotation: Any = None,
    ontarget: TalenPair | None = None,
    scheduler: str | None = None,
    n_workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> OffTargetResult:
    """Every half-site and tail-to-tail pair of one TALEN (or one TALE if ``right`` is None)
    within ``max_mismatches`` mismatches per half-site.

    ``genome``: a genome spec (``builtin:hg38-chrM``, a FASTA/2bit path), a
    :class:`~taleforge.genome.index.Genome` or a :class:`PackedGenome`. ``pos0_bases``:
    allowed position-0 bases on each TALE's strand (``"scaffold"`` = the scaffold's rule,
    None = any). The on-target: the pair given as ``ontarget``, else every perfect L/R pair
    (0 mismatches in both sites, either TALE upstream); it is marked, not counted as an off-target."""
    sc = _scaffold(scaffold)
    mdl = _model(model)
    L = _as_rvds(left, "left")
    R = _as_rvds(right, "right") if right is not None else None
    smin = sc.spacer_min_bp if spacer_min is None else int(spacer_min)
    smax = sc.spacer_max_bp if spacer_max is None else int(spacer_max)
    if smin < 0 or smax < smin:
        raise ParameterError(
            f"spacer range {smin}-{smax} bp is invalid",
            hint="use 0 <= --spacer-min <= --spacer-max",
        )
    if not isinstance(max_mismatches, int) or max_mismatches < 0:
        raise ParameterError(
            f"max_mismatches {max_mismatches!r} must be a non-negative integer",
            hint="use --max-mismatches 4",
        )
    p0rule = _pos0_rule(sc, pos0_bases)
    gi = _resolve_genome(genome, progress)
    packed = gi.packed

    queries: list[tuple[str, ...]] = [L]
    role_q: dict[Role, int] = {"L": 0}
    if R is not None:
        if R == L:
            role_q["R"] = 0
        else:
            queries.append(R)
            role_q["R"] = 1
    hits = _scan(packed, queries, max_mismatches, p0rule, scheduler, n_workers, progress,
                 gi.source)
    report(progress, "score off-targets", 0, None)
    d = _derive(packed, hits, queries, mdl)

    # combos: (upstream query, downstream query, orientation, upstream role, downstream role)
    combos_meta: list[tuple[int, int, str, Role, Role]] = []
    seen: set[tuple[int, int]] = set()
    roles: list[Role] = ["L", "R"] if R is not None else ["L"]
    for up_role, down_role in (("L", "R"), ("R", "L"), ("L", "L"), ("R", "R")):
        if up_role not in roles or down_role not in roles:
            continue
        key = (role_q[up_role], role_q[down_role])
        if key in seen:
            continue
        seen.add(key)
        orient = "L/R" if up_role != down_role else f"{up_role}/{down_role}"
        combos_meta.append((key[0], key[1], orient, up_role, down_role))
    pix = assemble_pairs(
        hits, [len(q) for q in queries], [(a, b) for a, b, *_ in combos_meta], smin, smax,
        packed.offsets,
    )

    # on-target
    on_rows: set[tuple[int, int]] = set()
    if ontarget is not None:
        try:
            gl = packed.to_global(ontarget.left.bound.contig, ontarget.left.bound.start)
            gr = packed.to_global(ontarget.right.bound.contig, ontarget.right.bound.start)
            on_rows.add((gl, gr))
        except InputError:
            pass
    notes: list[str] = []
    pairs: list[OffTargetPair] = []
    n_ann = int(OFFTARGET_PARAMS["annotate_max"])
    for i in range(len(pix)):
        u, dn = int(pix.up[i]), int(pix.down[i])
        _qa, _qb, orient, up_role, down_role = combos_meta[int(pix.combo[i])]
        gu, gd = int(hits.gpos[u]), int(hits.gpos[dn])
        if ontarget is not None:
            is_on = orient == "L/R" and up_role == "L" and (gu, gd) in on_rows
        else:
            # either TALE may be upstream: reverse-complementing the genome swaps them
            is_on = orient == "L/R" and int(d.mm[u]) == 0 and int(d.mm[dn]) == 0
        pairs.append(_make_pair(packed, hits, d, u, dn, orient, up_role, down_role,
                                queries, mdl, int(pix.spacer[i]), is_on))
    n_on = sum(p.is_ontarget for p in pairs)
    if n_on == 0:
        notes.append("on-target pair not found in this genome (no perfect L/R pair in range)")
    elif n_on > 1:
        notes.append(f"{n_on} pairs qualify as on-target (the site is not unique)")
    on_sites = {(p.up.contig, p.up.start, p.up.strand, p.up.role) for p in pairs
                if p.is_ontarget} | {(p.down.contig, p.down.start, p.down.strand, p.down.role)
                                     for p in pairs if p.is_ontarget}

    sites: list[OffTargetSite] = []
    for row in range(len(hits)):
        q = int(hits.query[row])
        rl: list[Role] = [r for r in roles if role_q[r] == q]
        for role in rl:
            s = _site(packed, hits, d, row, role)
            if (s.contig, s.start, s.strand, s.role) in on_sites:
                s = _replace_site(s, is_ontarget=True)
            sites.append(s)

    # annotation
    if annotation is not None:
        ann = _load_annotation(annotation)
        pairs = [
            _replace_pair(p, **_annotate_site(ann, p.contig, p.cut)) if i < n_ann else p
            for i, p in enumerate(pairs)
        ]
        sites = [
            _replace_site(s, **_annotate_site(ann, s.contig, (s.start + s.end) // 2))
            if i < n_ann else s
            for i, s in enumerate(sites)
        ]
        if len(sites) > n_ann:
            notes.append(f"only the first {n_ann} sites were annotated")

    cidx = {n: i for i, n in enumerate(packed.names)}
    sign = -1.0 if mdl.higher_is_better else 1.0
    pairs.sort(key=lambda p: (not p.is_ontarget, p.total_mismatches,
                              round(sign * p.combined_score, 9), cidx[p.contig], p.start,
                              p.orientation, p.upstream, p.spacer))
    sites.sort(key=lambda s: (not s.is_ontarget, s.mismatches, round(sign * s.score, 9),
                              cidx[s.contig], s.start, s.strand, s.role))
    report(progress, "score off-targets", len(pairs), len(pairs))

    import taleforge

    params = {
        "scaffold": sc.name,
        "max_mismatches": max_mismatches,
        "spacer_min": smin,
        "spacer_max": smax,
        "pos0_bases": p0rule,
        "model": mdl.name,
        "scheduler": scheduler,
    }
    prov = {
        "genome": gi.provenance,
        "model": {
            "name": mdl.name,
            "version": mdl.version,
            "params": mdl.params.as_records(),
        },
        "scoring_params": OFFTARGET_PARAMS.as_records(),
        "parameters": params,
        "annotation": getattr(annotation, "source", str(annotation) if annotation else None),
        "taleforge_version": taleforge.__version__,
    }
    return OffTargetResult(L, R, mdl.name, tuple(pairs), tuple(sites), prov, params,
                           tuple(notes))


def _load_annotation(annotation: Any) -> Any:
    if isinstance(annotation, (str, os.PathLike)):
        from taleforge.genome.annotation import load_annotation

        return load_annotation(annotation)
    return annotation


def _replace_site(s: OffTargetSite, **kw: Any) -> OffTargetSite:
    from dataclasses import replace

    return replace(s, **kw)


def _replace_pair(p: OffTargetPair, **kw: Any) -> OffTargetPair:
    from dataclasses import replace

    return replace(p, **kw)


def _make_pair(
    packed: PackedGenome, hits: HitTable, d: _QueryHits, u: int, dn: int, orient: str,
    up_role: Role, down_role: Role, queries: list[tuple[str, ...]], mdl: BindingModel,
    spacer: int, is_on: bool,
) -> OffTargetPair:
    su = _site(packed, hits, d, u, up_role, is_on)
    sd = _site(packed, hits, d, dn, down_role, is_on)
    ru = queries[int(hits.query[u])]
    rd = queries[int(hits.query[dn])]
    scu = mdl.score_site(ru, su.seq, su.pos0_base if su.pos0_base in BASES else None)
    scd = mdl.score_site(rd, sd.seq, sd.pos0_base if sd.pos0_base in BASES else None)
    return OffTargetPair(
        orientation=orient,  # type: ignore[arg-type]
        upstream=up_role,
        contig=su.contig,
        up=su,
        down=sd,
        spacer=spacer,
        up_score=scu,
        down_score=scd,
        combined_score=combine_scores(mdl, su.score, sd.score),
        passes=bool(su.passes and sd.passes),
        is_ontarget=is_on,
    )


# ------------------------------------------------------------------------------ specificity


@dataclass(frozen=True)
class SpecificitySummary:
    """Genome-wide specificity of one candidate pair (on-target excluded)."""

    pair_id: str
    left: tuple[str, ...]
    right: tuple[str, ...]
    max_mismatches: int
    pair_counts: tuple[int, ...]  # off-target pairs by total mismatches, 0..2*max
    left_site_counts: tuple[int, ...]  # off-target left half-sites by mismatches, 0..max
    right_site_counts: tuple[int, ...]
    top_sites: tuple[OffTargetSite, ...]
    ontarget_found: bool
    params: ParamTable = OFFTARGET_PARAMS
    #: mismatch limit actually scanned per half-site (lower than ``max_mismatches`` for a
    #: promiscuous array) and the random hits expected above it (added to the site penalty)
    left_scanned_mismatches: int | None = None
    right_scanned_mismatches: int | None = None
    unscanned_expected: float = 0.0

    @property
    def n_offtarget_pairs(self) -> int:
        return sum(self.pair_counts)

    def _weighted(self, counts: Sequence[int]) -> float:
        decay = float(self.params["decay"])
        return sum(c * decay**m for m, c in enumerate(counts))

    def pair_score(self) -> float:
        return -float(self.params["pair_weight"]) * math.log2(1 + self._weighted(self.pair_counts))

    def site_score(self) -> float:
        w = self._weighted(self.left_site_counts) + self._weighted(self.right_site_counts)
        w += self.unscanned_expected * float(self.params["decay"]) ** self.max_mismatches
        return -float(self.params["site_weight"]) * math.log2(1 + w)

    def _reduced_note(self) -> str:
        parts = []
        for side, kk in (("left", self.left_scanned_mismatches),
                         ("right", self.right_scanned_mismatches)):
            if kk is not None and kk < self.max_mismatches:
                parts.append(f"{side} scanned at <= {kk} mismatches")
        if not parts:
            return ""
        return (f"; {', '.join(parts)} (<= {self.max_mismatches} would return "
                f"~{self.unscanned_expected:.2g} random hits: counted as expected)")

    @property
    def score(self) -> float:
        return self.pair_score() + self.site_score()

    def rule_evals(self) -> list[RuleEval]:
        """Two ``score`` rules (higher = better; 0 = no off-target within the limits):

        * ``specificity_pairs`` = −pair_weight·log2(1 + Σ_pairs decay^m), m = total
          mismatches of an off-target pair (defaults: 10, 0.5). Fails when a pair has
          ≤ pair_fail_max_mismatches (2) mismatches.
        * ``specificity_sites`` = −site_weight·log2(1 + Σ_sites decay^m) over single
          left and right half-sites (defaults: 1, 0.5); a flag-like score that never fails.
        """
        fail_m = int(self.params["pair_fail_max_mismatches"])
        close = sum(self.pair_counts[: fail_m + 1])
        ps, ss = self.pair_score(), self.site_score()
        pc = ",".join(str(c) for c in self.pair_counts)
        lc = ",".join(str(c) for c in self.left_site_counts)
        rc = ",".join(str(c) for c in self.right_site_counts)
        return [
            RuleEval(
                "specificity_pairs",
                "score",
                close == 0,
                pc,
                ps,
                f"{self.n_offtarget_pairs} off-target pairs by total mismatches "
                f"0..{len(self.pair_counts) - 1}: {pc}; {close} with <= {fail_m}; "
                f"score = -{float(self.params['pair_weight']):g}"
                f"*log2(1 + sum {float(self.params['decay']):g}^m) = {ps:.3f}",
            ),
            RuleEval(
                "specificity_sites",
                "score",
                True,
                f"L:{lc};R:{rc}",
                ss,
                f"off-target half-sites by mismatches 0..{self.max_mismatches}: left {lc}, "
                f"right {rc}; score = -{float(self.params['site_weight']):g}"
                f"*log2(1 + sum {float(self.params['decay']):g}^m) = {ss:.3f}"
                + self._reduced_note(),
            ),
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "pair_id": self.pair_id,
            "pair_counts": list(self.pair_counts),
            "left_site_counts": list(self.left_site_counts),
            "right_site_counts": list(self.right_site_counts),
            "ontarget_found": self.ontarget_found,
            "score": round(self.score, 6),
            "top_sites": [
                {"role": s.role, "contig": s.contig, "start": s.start + 1, "end": s.end,
                 "strand": s.strand, "mismatches": s.mismatches, "score": round(s.score, 6)}
                for s in self.top_sites
            ],
        }


def specificity_for_pairs(
    genome: Any,
    pairs: Sequence[TalenPair],
    *,
    scaffold: str | Scaffold,
    max_mismatches: int = 4,
    model: str | BindingModel = "positional",
    spacer_min: int | None = None,
    spacer_max: int | None = None,
    pos0_bases: str | Literal["scaffold"] | None = "scaffold",
    top_n: int | None = None,
    scheduler: str | None = None,
    n_workers: int | None = None,
    progress: ProgressCallback | None = None,
    batch_size: int = 64,
) -> list[SpecificitySummary]:
    """Specificity of many candidate pairs: unique half-sites of all pairs are scanned
    together (``batch_size`` pairs per genome pass). For each pair, off-target pairs
    (L/R, R/L, L/L, R/R with the scaffold's spacer range) and single half-sites are counted
    by mismatches, excluding the pair's own on-target sites. Returned in input order."""
    if batch_size < 1:
        raise ParameterError(f"batch_size {batch_size} must be >= 1", hint="use 64")
    sc = _scaffold(scaffold)
    mdl = _model(model)
    smin = sc.spacer_min_bp if spacer_min is None else int(spacer_min)
    smax = sc.spacer_max_bp if spacer_max is None else int(spacer_max)
    p0rule = _pos0_rule(sc, pos0_bases)
    ntop = int(OFFTARGET_PARAMS["top_sites"]) if top_n is None else int(top_n)
    gi = _resolve_genome(genome, progress)
    packed = gi.packed
    k = int(max_mismatches)
    out: list[SpecificitySummary] = []
    nb = -(-len(pairs) // batch_size) if pairs else 0
    for b in range(nb):
        report(progress, "specificity scan", b, nb)
        batch = list(pairs[b * batch_size : (b + 1) * batch_size])
        qindex: dict[tuple[str, ...], int] = {}
        queries: list[tuple[str, ...]] = []
        for pr in batch:
            for rv in (tuple(pr.left.rvds), tuple(pr.right.rvds)):
                if rv not in qindex:
                    qindex[rv] = len(queries)
                    queries.append(rv)
        ks, excess = _design_limits(packed, queries, k, p0rule)
        hits = _scan(packed, queries, ks, p0rule, scheduler, n_workers, None, gi.source)
        combos: list[tuple[int, int]] = []
        combo_pair: list[int] = []
        for i, pr in enumerate(batch):
            li, ri = qindex[tuple(pr.left.rvds)], qindex[tuple(pr.right.rvds)]
            for c in dict.fromkeys(((li, ri), (ri, li), (li, li), (ri, ri))):
                combos.append(c)
                combo_pair.append(i)
        pix = assemble_pairs(hits, [len(q) for q in queries], combos, smin, smax,
                             packed.offsets)
        d = _derive(packed, hits, queries, mdl, need=_needed_rows(hits, pix, len(queries), ntop))
        cp = np.asarray(combo_pair, dtype=np.int64)
        pair_of = cp[pix.combo] if len(pix) else np.zeros(0, np.int64)
        for i, pr in enumerate(batch):
            s = _summarise(packed, hits, d, pix, pair_of, i, pr, qindex, combos, k, ntop, mdl)
            li, ri = qindex[tuple(pr.left.rvds)], qindex[tuple(pr.right.rvds)]
            out.append(dataclasses.replace(
                s,
                left_scanned_mismatches=ks[li],
                right_scanned_mismatches=ks[ri],
                unscanned_expected=excess[li] + (excess[ri] if ri != li else 0.0),
            ))
    report(progress, "specificity scan", nb, nb)
    return out


def _needed_rows(hits: HitTable, pix: PairIndex, n_queries: int, ntop: int) -> NDArray[np.bool_]:
    """Rows a specificity summary reads: every row in an off-target pair, and per query
    every row whose mismatch count is within the ``ntop + 2`` best (ties included; +2 leaves
    room for the excluded on-target sites)."""
    need = np.zeros(len(hits), dtype=np.bool_)
    if len(pix):
        need[pix.up] = True
        need[pix.down] = True
    bounds = np.searchsorted(hits.query, np.arange(n_queries + 1))
    for q in range(n_queries):
        mm = hits.mismatches[bounds[q] : bounds[q + 1]]
        if mm.size == 0:
            continue
        kth = min(ntop + 2, mm.size) - 1
        cutoff = np.partition(mm, kth)[kth]
        need[bounds[q] : bounds[q + 1]] |= mm <= cutoff
    return need


def _design_limits(
    packed: PackedGenome, queries: list[tuple[str, ...]], k: int, pos0: str | None
) -> tuple[list[int], list[float]]:
    """Per-query mismatch limit for design ranking: ``k`` unless the array is so promiscuous
    that ``k`` would return more than ``design_max_expected_hits`` random hits; then the
    largest lower limit, and the expected hits at ``k`` beyond it."""
    cap = float(OFFTARGET_PARAMS["design_max_expected_hits"])
    p0mask = 0
    if pos0:
        for b in pos0:
            p0mask |= 1 << BASES.index(b)
    ks: list[int] = []
    excess: list[float] = []
    for q in queries:
        m = query_masks(q)
        n = packed.genome_size
        e_k = expected_hits(m, k, n, pos0_mask=p0mask)
        kk = k
        while kk > 0 and (expected_hits(m, kk, n, pos0_mask=p0mask) > cap or kk >= len(q) / 2):
            kk -= 1
        ks.append(kk)
        excess.append(0.0 if kk == k else e_k - expected_hits(m, kk, n, pos0_mask=p0mask))
    return ks, excess


def _global_or_none(packed: PackedGenome, contig: str, pos: int) -> int | None:
    try:
        return packed.to_global(contig, pos)
    except InputError:
        return None


def _summarise(
    packed: PackedGenome, hits: HitTable, d: _QueryHits, pix: PairIndex,
    pair_of: NDArray[np.int64], i: int, pr: TalenPair, qindex: dict[tuple[str, ...], int],
    combos: list[tuple[int, int]], k: int, ntop: int, mdl: BindingModel,
) -> SpecificitySummary:
    li, ri = qindex[tuple(pr.left.rvds)], qindex[tuple(pr.right.rvds)]
    gl = _global_or_none(packed, pr.left.bound.contig, pr.left.bound.start)
    gr = _global_or_none(packed, pr.right.bound.contig, pr.right.bound.start)
    sel = np.flatnonzero(pair_of == i)
    up, dn = pix.up[sel], pix.down[sel]
    is_on = np.zeros(sel.size, dtype=np.bool_)
    if gl is not None and gr is not None:
        cq = np.array([combos[int(c)] for c in pix.combo[sel]], dtype=np.int64).reshape(-1, 2)
        is_on = (
            (hits.gpos[up] == gl) & (hits.gpos[dn] == gr) & (cq[:, 0] == li) & (cq[:, 1] == ri)
        )
    found = bool(is_on.any())
    tot = (d.mm[up] + d.mm[dn])[~is_on]
    pair_counts = np.bincount(tot, minlength=2 * k + 1)[: 2 * k + 1]

    def site_rows(q: int, on_g: int | None, on_strand: int) -> NDArray[np.int64]:
        rows = d.rows_of.get(q, np.zeros(0, np.int64))
        if on_g is not None:
            rows = rows[~((hits.gpos[rows] == on_g) & (hits.strand[rows] == on_strand))]
        return rows

    lrows = site_rows(li, gl, 1)
    rrows = site_rows(ri, gr, -1)
    if li == ri:  # same array on both sides: the on-target has two sites of this query
        lrows = np.intersect1d(lrows, rrows)
        rrows = lrows
    lc = np.bincount(d.mm[lrows], minlength=k + 1)[: k + 1]
    rc = np.bincount(d.mm[rrows], minlength=k + 1)[: k + 1]
    # top single sites: fewest mismatches, then best score, then position
    # (vectorised: a promiscuous half-site can have ~10^6 single sites)
    rows = lrows if ri == li else np.concatenate([lrows, rrows])
    role_code = np.zeros(rows.size, dtype=np.int8)
    role_code[lrows.size :] = 1
    sign = -1.0 if mdl.higher_is_better else 1.0
    order = np.lexsort((
        role_code, hits.strand[rows], hits.gpos[rows],
        np.round(sign * d.score[rows].astype(np.float64), 9), d.mm[rows],
    ))[:ntop]
    roles: tuple[Role, Role] = ("L", "R")
    top = tuple(
        _site(packed, hits, d, int(rows[o]), roles[int(role_code[o])]) for o in order.tolist()
    )
    return SpecificitySummary(
        pair_id=pr.pair_id(),
        left=tuple(pr.left.rvds),
        right=tuple(pr.right.rvds),
        max_mismatches=k,
        pair_counts=tuple(int(x) for x in pair_counts),
        left_site_counts=tuple(int(x) for x in lc),
        right_site_counts=tuple(int(x) for x in rc),
        top_sites=top,
        ontarget_found=found,
    )

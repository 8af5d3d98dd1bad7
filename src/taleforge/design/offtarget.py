"""Genome-wide off-target analysis of TALEN pairs and single TALE half-sites.

* :func:`find_offtargets` — one TALEN (or one TALE): every half-site within
  ``max_mismatches`` on both strands, every tail-to-tail pair they form (L/R and R/L
  heterodimers, L/L and R/R homodimers) with a spacer in range, both sites scored by a
  binding model, the on-target recognised and marked, sites annotated.
* :func:`taleforge.design.specificity.specificity_for_pairs` (the specificity service every
  design job uses; re-exported here) — many candidate pairs at once.
* :func:`site_to_rvds` — split a whole TALEN site (e.g. a 49-bp 17-15-17 site) into arrays.

Coordinates: 0-based half-open internally; TSV/JSON are 1-based inclusive; BED is 0-based.

Geometry of a pair (top strand): ``[p0 up-site] spacer [down-site p0]``; the upstream TALE
reads the top strand, the downstream TALE the bottom strand (see
:mod:`taleforge.engine.pairs`). Position 0 of both must be in the scaffold's position-0 set
(``T`` for standard scaffolds, so ``T ... A`` on the top strand) unless ``pos0_bases=None``.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
from numpy.typing import NDArray

from taleforge.design.result import DesignResult, Job, Provenance
from taleforge.engine.pairs import PairIndex, assemble_pairs, pos0_codes, site_codes
from taleforge.engine.scan import HitTable, query_masks, scan_halfsites
from taleforge.engine.scored import ScoredHits
from taleforge.engine.stream import stream_pairs
from taleforge.errors import BackendError, InputError, ParameterError, SequenceError
from taleforge.genome.packed import PackedGenome
from taleforge.model.costs import ScoreQuery, exact_costs
from taleforge.model.interval import reverse_complement
from taleforge.model.params import Param, ParamTable, register_table
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
            Param("max_records", 10000, "records", "taleforge (issue 8)", "U",
                  "sites and pairs kept as records per off-target query (the best by fraction "
                  "of the score budget used); counts always cover every hit"),
            Param("score_bins", 10, "bins", "taleforge (issue 8)", "U",
                  "hits are counted in this many equal bins of the fraction of the model's "
                  "budget they use (0 = best possible site, 1 = at the threshold)"),
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

    orientation: Literal["L/R", "R/L", "L/L", "R/R"]  # upstream role / downstream role
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


@dataclass(frozen=True, eq=False)
class _ResultData:
    packed: PackedGenome
    model: BindingModel
    queries: list[tuple[str, ...]]
    combos_meta: list[tuple[int, int, str, Role, Role]]
    pairs: dict[str, NDArray[Any]]
    sites: dict[str, NDArray[Any]]
    annotation: Any
    pos0_rule: str | None


@dataclass(frozen=True)
class PairColumns:
    """Off-target pairs as columns (one row per pair, in report order). Coordinates are
    0-based half-open bound bases on the top strand; ``up`` reads the top strand."""

    contig: NDArray[np.str_]
    orientation: NDArray[np.str_]
    up_role: NDArray[np.str_]
    down_role: NDArray[np.str_]
    up_start: NDArray[np.int64]
    up_end: NDArray[np.int64]
    down_start: NDArray[np.int64]
    down_end: NDArray[np.int64]
    spacer: NDArray[np.int64]
    up_score: NDArray[np.float64]
    down_score: NDArray[np.float64]
    up_mismatches: NDArray[np.int64]
    down_mismatches: NDArray[np.int64]
    is_ontarget: NDArray[np.bool_]
    passes: NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.up_start.size)


@dataclass(frozen=True)
class SiteColumns:
    """Half-sites as columns (one row per site and role, in report order)."""

    role: NDArray[np.str_]
    contig: NDArray[np.str_]
    start: NDArray[np.int64]
    end: NDArray[np.int64]
    strand: NDArray[np.int8]
    score: NDArray[np.float64]
    mismatches: NDArray[np.int64]
    pos0_base: NDArray[np.str_]
    is_ontarget: NDArray[np.bool_]
    passes: NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.start.size)


@dataclass(frozen=True)
class OffTargetResult(DesignResult):
    """Off-targets of one TALEN or TALE. ``pair_columns`` / ``site_columns``: every kept
    record as columns; ``pairs`` / ``sites``: the same as objects (built on first use);
    ``counts``: exact totals for every hit, also when records were truncated."""

    left: tuple[str, ...]
    right: tuple[str, ...] | None
    model: str
    provenance: dict[str, Any]
    parameters: dict[str, Any]
    notes: tuple[str, ...] = ()
    counts: dict[str, Any] = field(default_factory=dict)
    _data: _ResultData | None = field(default=None, repr=False, compare=False)
    record: Provenance | None = None

    JOB: ClassVar[Job] = "offtarget"

    @property
    def designs(self) -> tuple[OffTargetPair, ...]:
        """The records of this job (pairs, best first): the DesignResult interface."""
        return self.pairs

    # ---- columns ------------------------------------------------------------------
    def _pair_order(self) -> NDArray[np.intp]:
        d = self._data
        assert d is not None
        pc = d.pairs
        if not pc:
            return np.zeros(0, np.intp)
        sign = -1.0 if d.model.higher_is_better else 1.0
        score_u, score_d = self._pair_scores()
        comb = (score_u + score_d) / (2.0 if d.model.higher_is_better else 1.0)
        ci, _ = d.packed.to_local(pc["gpos"])
        return np.lexsort((pc["gdown"], pc["combo"], pc["gpos"], ci,
                           np.round(sign * comb, 9), pc["mm_u"] + pc["mm_d"], ~pc["on"]))

    def _pair_scores(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        d = self._data
        assert d is not None
        return (d.model.score_from_cost(d.pairs["cost_u"]),
                d.model.score_from_cost(d.pairs["cost_d"]))

    @functools.cached_property
    def pair_columns(self) -> PairColumns:
        d = self._data
        assert d is not None
        pc = d.pairs
        if not pc:
            e_i = np.zeros(0, np.int64)
            e_s = np.zeros(0, dtype="<U3")
            return PairColumns(e_s, e_s, e_s, e_s, e_i, e_i, e_i, e_i, e_i,
                               np.zeros(0), np.zeros(0), e_i, e_i, np.zeros(0, np.bool_),
                               np.zeros(0, np.bool_))
        o = self._pair_order()
        meta = d.combos_meta
        combo = pc["combo"][o]
        lens = np.array([len(q) for q in d.queries], dtype=np.int64)
        qa = np.array([m[0] for m in meta], dtype=np.int64)[combo]
        qb = np.array([m[1] for m in meta], dtype=np.int64)[combo]
        ci, up_local = d.packed.to_local(pc["gpos"][o])
        _, down_local = d.packed.to_local(pc["gdown"][o])
        su, sd = self._pair_scores()
        return PairColumns(
            contig=np.array(d.packed.names, dtype=object)[ci].astype(str),
            orientation=np.array([m[2] for m in meta])[combo],
            up_role=np.array([m[3] for m in meta])[combo],
            down_role=np.array([m[4] for m in meta])[combo],
            up_start=up_local, up_end=up_local + lens[qa],
            down_start=down_local, down_end=down_local + lens[qb],
            spacer=pc["spacer"][o], up_score=su[o], down_score=sd[o],
            up_mismatches=pc["mm_u"][o], down_mismatches=pc["mm_d"][o],
            is_ontarget=pc["on"][o], passes=pc["passes"][o],
        )

    def _site_order(self) -> NDArray[np.intp]:
        d = self._data
        assert d is not None
        sc = d.sites
        if not sc:
            return np.zeros(0, np.intp)
        sign = -1.0 if d.model.higher_is_better else 1.0
        score = d.model.score_from_cost(sc["cost"])
        ci, _ = d.packed.to_local(sc["gpos"])
        return np.lexsort((sc["role"], sc["strand"], sc["gpos"], ci, np.round(sign * score, 9),
                           sc["mm"], ~sc["on"]))

    @functools.cached_property
    def site_columns(self) -> SiteColumns:
        d = self._data
        assert d is not None
        sc = d.sites
        if not sc:
            e_i = np.zeros(0, np.int64)
            e_s = np.zeros(0, dtype="<U1")
            return SiteColumns(e_s, e_s, e_i, e_i, np.zeros(0, np.int8), np.zeros(0), e_i, e_s,
                               np.zeros(0, np.bool_), np.zeros(0, np.bool_))
        o = self._site_order()
        lens = np.array([len(q) for q in d.queries], dtype=np.int64)
        q = sc["q"][o]
        ci, local = d.packed.to_local(sc["gpos"][o])
        p0 = pos0_codes(d.packed, sc["gpos"][o], sc["strand"][o], lens[q])
        return SiteColumns(
            role=np.array(["L", "R"])[sc["role"][o]],
            contig=np.array(d.packed.names, dtype=object)[ci].astype(str),
            start=local, end=local + lens[q], strand=sc["strand"][o].astype(np.int8),
            score=d.model.score_from_cost(sc["cost"][o]), mismatches=sc["mm"][o],
            pos0_base=np.array(list("ACGTN"))[p0], is_ontarget=sc["on"][o],
            passes=sc["passes"][o],
        )

    # ---- objects (built on first use) ------------------------------------------------
    def _batch_sites(self, q: NDArray[np.int64], g: NDArray[np.int64], strand: NDArray[Any],
                     roles: list[Role], cost: NDArray[np.float64], passes: NDArray[np.bool_],
                     on: NDArray[np.bool_]) -> list[OffTargetSite]:
        """Site objects for rows of any queries (decoded query by query, in one go)."""
        d = self._data
        assert d is not None
        out: list[OffTargetSite | None] = [None] * int(g.size)
        for qi in np.unique(q).tolist():
            rows = np.flatnonzero(q == qi)
            objs = _sites_from_hits(d.packed, d.model, d.queries[qi], g[rows], strand[rows],
                                    [roles[r] for r in rows.tolist()], cost[rows])
            for r, o in zip(rows.tolist(), objs, strict=True):
                out[r] = dataclasses.replace(o, passes=bool(passes[r]), is_ontarget=bool(on[r]))
        return [o for o in out if o is not None]

    @functools.cached_property
    def pairs(self) -> tuple[OffTargetPair, ...]:
        d = self._data
        if d is None or not d.pairs:
            return ()
        o = self._pair_order()
        pc = {k: v[o] for k, v in d.pairs.items()}
        meta = d.combos_meta
        qa = np.array([meta[int(c)][0] for c in pc["combo"]], dtype=np.int64)
        qb = np.array([meta[int(c)][1] for c in pc["combo"]], dtype=np.int64)
        ur: list[Role] = [meta[int(c)][3] for c in pc["combo"]]
        dr: list[Role] = [meta[int(c)][4] for c in pc["combo"]]
        n = int(o.size)
        ups = self._batch_sites(qa, pc["gpos"], np.ones(n, np.int8), ur, pc["cost_u"],
                                pc["pass_u"], pc["on"])
        downs = self._batch_sites(qb, pc["gdown"], -np.ones(n, np.int8), dr, pc["cost_d"],
                                  pc["pass_d"], pc["on"])
        ann = _load_annotation(d.annotation) if d.annotation is not None else None
        n_ann = int(OFFTARGET_PARAMS["annotate_max"])
        out: list[OffTargetPair] = []
        for i in range(n):
            su, sd = ups[i], downs[i]
            p = OffTargetPair(
                orientation=meta[int(pc["combo"][i])][2],  # type: ignore[arg-type]
                upstream=ur[i], contig=su.contig, up=su, down=sd, spacer=int(pc["spacer"][i]),
                up_score=d.model.score_site(d.queries[int(qa[i])], su.seq,
                                            su.pos0_base if su.pos0_base in BASES else None),
                down_score=d.model.score_site(d.queries[int(qb[i])], sd.seq,
                                              sd.pos0_base if sd.pos0_base in BASES else None),
                combined_score=combine_scores(d.model, su.score, sd.score),
                passes=bool(pc["passes"][i]), is_ontarget=bool(pc["on"][i]),
            )
            if ann is not None and i < n_ann:
                p = _replace_pair(p, **_annotate_site(ann, p.contig, p.cut))
            out.append(p)
        return tuple(out)

    @functools.cached_property
    def sites(self) -> tuple[OffTargetSite, ...]:
        d = self._data
        if d is None or not d.sites:
            return ()
        o = self._site_order()
        sc = {k: v[o] for k, v in d.sites.items()}
        roles: list[Role] = [("L", "R")[int(r)] for r in sc["role"]]
        out = self._batch_sites(sc["q"], sc["gpos"], sc["strand"], roles, sc["cost"],
                                sc["passes"], sc["on"])
        if d.annotation is not None:
            ann = _load_annotation(d.annotation)
            n_ann = int(OFFTARGET_PARAMS["annotate_max"])
            out = [_replace_site(s, **_annotate_site(ann, s.contig, (s.start + s.end) // 2))
                   if i < n_ann else s for i, s in enumerate(out)]
        return tuple(out)

    @property
    def ontarget_pairs(self) -> tuple[OffTargetPair, ...]:
        return tuple(p for p in self.pairs if p.is_ontarget)

    @property
    def offtarget_pairs(self) -> tuple[OffTargetPair, ...]:
        return tuple(p for p in self.pairs if not p.is_ontarget)

    def pair_counts(self, max_total: int | None = None) -> list[int]:
        """Off-target pairs by total mismatches (index = mismatches), over *every* pair
        found (also when records were truncated)."""
        tot = np.zeros(1, np.int64)
        for v in self.counts.get("pairs_by_mismatches", {}).values():
            tot = np.pad(tot, (0, max(0, len(v) - tot.size))) + np.pad(
                np.asarray(v, np.int64), (0, max(0, tot.size - len(v))))
        for p in self.ontarget_pairs:
            tot[p.total_mismatches] -= 1
        if max_total is None:
            mm = self.parameters.get("max_mismatches")
            max_total = 2 * int(mm) if mm is not None else max(0, tot.size - 1)
        c = [0] * (max_total + 1)
        for m, n in enumerate(tot.tolist()):
            if m <= max_total:
                c[m] += int(n)
        return c

    def site_counts(self, role: Role) -> list[int]:
        """Off-target half-sites of ``role`` by mismatches, over every site found."""
        v = list(self.counts.get("sites_by_mismatches", {}).get(role, [0]))
        for s in self.sites:
            if s.role == role and s.is_ontarget and s.mismatches < len(v):
                v[s.mismatches] -= 1
        mm = self.parameters.get("max_mismatches")
        if mm is not None:
            v = (v + [0] * (int(mm) + 1))[: int(mm) + 1]
        return [int(x) for x in v]

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
            f"model: {self.model}; search by "
            + (f"<= {self.parameters['max_mismatches']} mismatches per half-site; "
               if self.parameters.get("max_mismatches") is not None else
               "score (every site passing the model's threshold); ")
            + f"spacer {self.parameters['spacer_min']}-{self.parameters['spacer_max']} bp; "
            + f"pos0 {self.parameters['pos0_bases'] or 'any'}",
            *self.notes,
        ]

    # writers: taleforge.io.offtarget_out, registered as ("offtarget", fmt)
    def to_tsv(self) -> str:
        from taleforge.io.registry import render

        return render("offtarget", "tsv", self)

    def to_json(self, command: str | None = None) -> str:
        from taleforge.io.registry import render

        return render("offtarget", "json", self, command=command)

    def to_bed(self) -> str:
        from taleforge.io.registry import render

        return render("offtarget", "bed", self)


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
    from taleforge.engine.distributed import scan_distributed  # dask is imported lazily there

    idx = getattr(genome_source, "index_path", None)
    target: Any = str(idx) if idx is not None else packed
    try:
        return scan_distributed(target, queries, k, scheduler=scheduler, n_workers=n_workers,
                                pos0_bases=pos0, progress=progress)
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


def _combos(R: tuple[str, ...] | None, L: tuple[str, ...]
            ) -> tuple[list[tuple[int, int, str, Role, Role]], dict[Role, int],
                       list[tuple[str, ...]], list[Role]]:
    queries: list[tuple[str, ...]] = [L]
    role_q: dict[Role, int] = {"L": 0}
    if R is not None:
        if R == L:
            role_q["R"] = 0
        else:
            queries.append(R)
            role_q["R"] = 1
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
        orient = f"{up_role}/{down_role}"
        combos_meta.append((key[0], key[1], orient, up_role, down_role))
    return combos_meta, role_q, queries, roles


@dataclass
class _Records:
    """Site and pair records kept so far (columnar), with exact totals for everything."""

    n_bins: int
    max_records: int | None
    site: dict[str, list[NDArray[Any]]] = field(default_factory=dict)
    pair: dict[str, list[NDArray[Any]]] = field(default_factory=dict)
    site_total: dict[str, int] = field(default_factory=dict)
    pair_total: dict[str, int] = field(default_factory=dict)
    site_bins: dict[str, NDArray[np.int64]] = field(default_factory=dict)
    pair_bins: dict[str, NDArray[np.int64]] = field(default_factory=dict)
    site_mm: dict[str, NDArray[np.int64]] = field(default_factory=dict)
    pair_mm: dict[str, NDArray[np.int64]] = field(default_factory=dict)
    truncated: bool = False

    def _bin(self, used: NDArray[np.float64]) -> NDArray[np.int64]:
        return np.clip((used * self.n_bins).astype(np.int64), 0, self.n_bins - 1)

    @staticmethod
    def _hist(d: dict[str, NDArray[np.int64]], key: str, vals: NDArray[np.int64], n: int) -> None:
        h = np.bincount(vals, minlength=n)
        old = d.get(key)
        if old is None:
            d[key] = h
        else:
            m = max(old.size, h.size)
            d[key] = np.pad(old, (0, m - old.size)) + np.pad(h, (0, m - h.size))

    def add(self, kind: str, key: str, cols: dict[str, NDArray[Any]], used: NDArray[np.float64],
            mm: NDArray[np.int64]) -> None:
        n = int(used.size)
        if n == 0:
            return
        tot = self.site_total if kind == "site" else self.pair_total
        tot[key] = tot.get(key, 0) + n
        self._hist(self.site_bins if kind == "site" else self.pair_bins, key,
                   self._bin(used / (1 if kind == "site" else 2)), self.n_bins)
        self._hist(self.site_mm if kind == "site" else self.pair_mm, key, mm, 1)
        store = self.site if kind == "site" else self.pair
        for k, v in {**cols, "used": used}.items():
            store.setdefault(k, []).append(v)
        self._trim(store)

    def _trim(self, store: dict[str, list[NDArray[Any]]]) -> None:
        if self.max_records is None or not store:
            return
        n = sum(x.size for x in store["used"])
        if n <= 2 * self.max_records:
            return
        cols = {k: np.concatenate(v) for k, v in store.items()}
        order = np.lexsort((cols["gpos"], ~cols["on"], cols["used"]))[: self.max_records]
        order.sort()
        for k, v in cols.items():
            store[k] = [v[order]]
        self.truncated = True

    def columns(self, kind: str) -> dict[str, NDArray[Any]]:
        store = self.site if kind == "site" else self.pair
        cols = {k: np.concatenate(v) for k, v in store.items()}
        if self.max_records is not None and cols and cols["used"].size > self.max_records:
            order = np.lexsort((cols["gpos"], ~cols["on"], cols["used"]))[: self.max_records]
            order.sort()
            cols = {k: v[order] for k, v in cols.items()}
            self.truncated = True
        return cols


def _budget_used(sq: ScoreQuery, cost: NDArray[np.float64]) -> NDArray[np.float64]:
    """Fraction of a query's budget a site uses: 0 = best possible site, 1 = at threshold."""
    lo = sq.min_total()
    gap = sq.final_bound - lo
    if not gap > 0:
        return np.zeros(cost.size)
    return np.clip((cost - lo) / gap, 0.0, 1.0)


def find_offtargets(
    genome: Any,
    left: Sequence[str] | str,
    right: Sequence[str] | str | None,
    *,
    scaffold: str | Scaffold = "tale-nt",
    max_mismatches: int | None = None,
    model: str | BindingModel = "positional",
    spacer_min: int | None = None,
    spacer_max: int | None = None,
    pos0_bases: str | Literal["scaffold"] | None = "scaffold",
    annotation: Any = None,
    ontarget: TalenPair | None = None,
    scheduler: str | None = None,
    n_workers: int | None = None,
    progress: ProgressCallback | None = None,
    max_records: int | Literal["default"] | None = "default",
    backend: str = "auto",
) -> OffTargetResult:
    """Every half-site of one TALEN (or one TALE if ``right`` is None) that the binding model
    calls a hit, genome-wide on both strands, and every tail-to-tail pair they form (L/R and
    R/L heterodimers, L/L and R/R homodimers) with a spacer in range.

    Search: by score (default, ``max_mismatches=None``): every window whose score passes the
    model's threshold, with no mismatch cap (``tale-nt``: S <= k*B exactly as TALE-NT 2.0,
    including its Paired Target Finder edge rule). Mismatch mode (``max_mismatches=N``):
    every window with at most N mismatches per half-site, scored but not filtered by the
    model (Cas-OFFinder-style lists).

    Memory is bounded: the genome is searched block by block, exact counts are kept for
    every hit and pair (``result.counts``), and only the best ``max_records`` sites and pairs
    (by fraction of the model's budget used; ``"default"`` = the ``max_records`` parameter,
    None = keep all) are kept as records; the result says when it truncated.

    ``genome``: a genome spec (``builtin:hg38-chrM``, a FASTA/2bit path), a
    :class:`~taleforge.genome.index.Genome` or a :class:`PackedGenome`. ``pos0_bases``:
    allowed position-0 bases on each TALE's strand (``"scaffold"`` = the scaffold's rule,
    None = any; the ``positional`` model also scores position 0 softly). The on-target: the
    pair given as ``ontarget``, else every L/R pair with 0 mismatches in both sites."""
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
    if max_mismatches is not None and (
        not isinstance(max_mismatches, int) or max_mismatches < 0
    ):
        raise ParameterError(
            f"max_mismatches {max_mismatches!r} must be a non-negative integer",
            hint="use --max-mismatches 4, or omit it for the model's score-defined search",
        )
    keep_n: int | None = (int(OFFTARGET_PARAMS["max_records"]) if max_records == "default"
                          else max_records)
    p0rule = _pos0_rule(sc, pos0_bases)
    gi = _resolve_genome(genome, progress)
    packed = gi.packed
    combos_meta, role_q, queries, roles = _combos(R, L)
    combos = [(a, b) for a, b, *_ in combos_meta]
    sqs = [mdl.score_query(q, p0rule) for q in queries]
    lengths = np.array([len(q) for q in queries], dtype=np.int64)
    on_g: tuple[int, int] | None = None
    if ontarget is not None:
        gl = _global_or_none(packed, ontarget.left.bound.contig, ontarget.left.bound.start)
        gr = _global_or_none(packed, ontarget.right.bound.contig, ontarget.right.bound.start)
        if gl is not None and gr is not None:
            on_g = (gl, gr)
    rec = _Records(int(OFFTARGET_PARAMS["score_bins"]), keep_n)
    q_roles: list[list[Role]] = [[r for r in roles if role_q[r] == q] for q in range(len(queries))]

    def take(table: ScoredHits, new: NDArray[np.bool_], pix: PairIndex,
             passes: NDArray[np.bool_] | None) -> None:
        h = table.hits
        rows = np.flatnonzero(new)
        for q in range(len(queries)):
            rq = rows[h.query[rows] == q]
            if rq.size == 0:
                continue
            used = _budget_used(sqs[q], table.cost[rq])
            for role in q_roles[q]:
                rec.add("site", role, {
                    "q": h.query[rq], "gpos": h.gpos[rq], "strand": h.strand[rq],
                    "mm": h.mismatches[rq].astype(np.int64), "cost": table.cost[rq],
                    "passes": np.ones(rq.size, np.bool_) if passes is None else passes[rq],
                    "role": np.full(rq.size, "LR".index(role), np.int8),
                    "on": np.zeros(rq.size, np.bool_),
                }, used, h.mismatches[rq].astype(np.int64))
        if not len(pix):
            return
        for ci, (qa, qb, orient, _ur, _dr) in enumerate(combos_meta):
            sel = np.flatnonzero(pix.combo == ci)
            if sel.size == 0:
                continue
            u, d = pix.up[sel], pix.down[sel]
            gu, gd = h.gpos[u], h.gpos[d]
            mm_u = h.mismatches[u].astype(np.int64)
            mm_d = h.mismatches[d].astype(np.int64)
            if on_g is not None:
                on = (gu == on_g[0]) & (gd == on_g[1]) & (orient == "L/R")
            elif orient in ("L/R", "R/L"):
                # either TALE may be upstream: reverse-complementing the genome swaps them
                on = (mm_u == 0) & (mm_d == 0)
            else:
                on = np.zeros(sel.size, np.bool_)
            used = _budget_used(sqs[qa], table.cost[u]) + _budget_used(sqs[qb], table.cost[d])
            ones = np.ones(sel.size, np.bool_)
            pass_u = ones if passes is None else passes[u]
            pass_d = ones if passes is None else passes[d]
            rec.add("pair", orient, {
                "pass_u": pass_u, "pass_d": pass_d,
                "combo": np.full(sel.size, ci, np.int64), "gpos": gu, "gdown": gd,
                "spacer": pix.spacer[sel], "mm_u": mm_u, "mm_d": mm_d,
                "cost_u": table.cost[u], "cost_d": table.cost[d], "on": on,
                "passes": pass_u & pass_d,
            }, used, mm_u + mm_d)

    if max_mismatches is None:
        if scheduler is not None:
            raise BackendError(
                "the score-defined search runs on this machine; a Dask scheduler is used "
                "for mismatch mode and campaigns",
                hint="omit --scheduler, or give --max-mismatches N for a distributed scan",
            )
        for blk in stream_pairs(packed, sqs, combos, smin, smax, backend=backend,  # type: ignore[arg-type]
                                workers=n_workers, progress=progress,
                                skip_down_pos0_at_contig_end=mdl.name == "tale-nt"):
            take(blk.table, blk.new, blk.pairs, None)
    else:
        hits = _scan(packed, queries, max_mismatches, p0rule, scheduler, n_workers, progress,
                     gi.source)
        cost = np.zeros(len(hits))
        passes = np.zeros(len(hits), np.bool_)
        for q in range(len(queries)):
            rq = np.flatnonzero(hits.query == q)
            if rq.size == 0:
                continue
            codes = site_codes(packed, hits.gpos[rq], hits.strand[rq], len(queries[q]))
            p0 = pos0_codes(packed, hits.gpos[rq], hits.strand[rq], len(queries[q]))
            ok, t = exact_costs(sqs[q], codes, p0)
            cost[rq], passes[rq] = t, ok
        table = ScoredHits(hits, cost)
        pix = assemble_pairs(hits, lengths, combos, smin, smax, packed.offsets)
        take(table, np.ones(len(hits), np.bool_), pix, passes)
    report(progress, "score off-targets", 0, None)

    notes: list[str] = []
    pc = rec.columns("pair")
    scol = rec.columns("site")
    n_on = int(pc["on"].sum()) if pc else 0
    if n_on == 0:
        notes.append("on-target pair not found in this genome (no perfect L/R pair in range)")
    elif n_on > 1:
        notes.append(f"{n_on} pairs qualify as on-target (the site is not unique)")
    if rec.truncated:
        notes.append(
            f"records truncated: {sum(rec.pair_total.values()):,} pairs and "
            f"{sum(rec.site_total.values()):,} half-sites found; the best {keep_n:,} of each "
            "(by fraction of the score budget used) are listed; counts cover all"
        )
    if pc and scol:  # on-target half-sites
        on_keys = set()
        for i in np.flatnonzero(pc["on"]):
            a, b, _o, ur, dr = combos_meta[int(pc["combo"][i])]
            on_keys.add((a, int(pc["gpos"][i]), 1, "LR".index(ur)))
            on_keys.add((b, int(pc["gdown"][i]), -1, "LR".index(dr)))
        if on_keys:
            scol["on"] = np.array([
                (int(q), int(g), int(st), int(r)) in on_keys
                for q, g, st, r in zip(scol["q"], scol["gpos"], scol["strand"], scol["role"],
                                       strict=True)
            ], dtype=np.bool_)
    counts = {
        "pairs_by_orientation": dict(rec.pair_total),
        "sites_by_role": dict(rec.site_total),
        "pairs_by_mismatches": {k: v.tolist() for k, v in rec.pair_mm.items()},
        "sites_by_mismatches": {k: v.tolist() for k, v in rec.site_mm.items()},
        "score_bins": int(OFFTARGET_PARAMS["score_bins"]),
        "pairs_by_score_bin": {k: v.tolist() for k, v in rec.pair_bins.items()},
        "sites_by_score_bin": {k: v.tolist() for k, v in rec.site_bins.items()},
        "truncated": rec.truncated,
    }

    import taleforge

    params = {
        "scaffold": sc.name,
        "search": "score" if max_mismatches is None else "mismatches",
        "max_mismatches": max_mismatches,
        "threshold": {"L": sqs[0].final_bound, **({"R": sqs[role_q["R"]].final_bound}
                                                   if R is not None else {})},
        "spacer_min": smin,
        "spacer_max": smax,
        "pos0_bases": p0rule,
        "model": mdl.name,
        "scheduler": scheduler,
        "max_records": keep_n,
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
    from taleforge.design.result import make_provenance

    record = make_provenance(
        genome=gi.provenance, annotation=annotation, model=mdl,
        tables=("offtarget_specificity", "rvd_code",
                "scored_scan" if max_mismatches is None else "halfsite_scan"),
    )
    return OffTargetResult(
        L, R, mdl.name, provenance=prov, parameters=params, notes=tuple(notes),
        counts=counts, record=record,
        _data=_ResultData(packed, mdl, queries, combos_meta, pc, scol, annotation, p0rule),
    )


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


def _sites_from_hits(
    packed: PackedGenome, mdl: BindingModel, rvds: tuple[str, ...], g: NDArray[np.int64],
    strand: NDArray[Any], roles: Sequence[Role], cost: NDArray[np.float64],
) -> list[OffTargetSite]:
    """:class:`OffTargetSite` objects for many hits of one array (decoded together)."""
    L = len(rvds)
    g = np.asarray(g, dtype=np.int64)
    st = np.asarray(strand, dtype=np.int8)
    if g.size == 0:
        return []
    codes = site_codes(packed, g, st, L)
    p0 = pos0_codes(packed, g, st, L)
    mm, by = _mm_thirds(query_masks(rvds), codes)
    ci, local = packed.to_local(g)
    score = mdl.score_from_cost(np.asarray(cost, dtype=np.float64))
    letters = np.frombuffer(b"ACGTN", dtype=np.uint8)
    seqs = letters[codes].view(f"S{L}").ravel()
    out = []
    for i in range(g.size):
        start = int(local[i])
        plus = int(st[i]) == 1
        out.append(OffTargetSite(
            role=roles[i], contig=packed.names[int(ci[i])], start=start, end=start + L,
            strand="+" if plus else "-", pos0=start - 1 if plus else start + L,
            pos0_base="ACGTN"[int(p0[i])], seq=seqs[i].decode(), mismatches=int(mm[i]),
            mismatches_by_third=(int(by[i, 0]), int(by[i, 1]), int(by[i, 2])),
            score=float(score[i]), passes=True,
        ))
    return out


def _site_from_hit(packed: PackedGenome, mdl: BindingModel, rvds: tuple[str, ...], g: int,
                   strand: int, role: Role, cost: float) -> OffTargetSite:
    return _sites_from_hits(packed, mdl, rvds, np.array([g]), np.array([strand], np.int8),
                            [role], np.array([cost]))[0]


def _global_or_none(packed: PackedGenome, contig: str, pos: int) -> int | None:
    try:
        return packed.to_global(contig, pos)
    except InputError:
        return None


def __getattr__(name: str) -> Any:
    # the specificity service moved to taleforge.design.specificity (it imports this module)
    if name in ("specificity_for_pairs", "SpecificitySummary"):
        from taleforge.design import specificity

        return getattr(specificity, name)
    raise AttributeError(name)

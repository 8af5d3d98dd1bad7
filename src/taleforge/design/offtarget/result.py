"""The off-target result: kept records as columns and objects, exact counts, writers."""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
from numpy.typing import NDArray

from taleforge.design.result import DesignResult, Job, Provenance
from taleforge.engine.pairs import pos0_codes
from taleforge.genome.packed import PackedGenome
from taleforge.scoring.base import BindingModel, combine_scores

from .common import _annotate_site, _load_annotation, _replace_pair, _replace_site, _sites_from_hits
from .records import (
    BASES,
    OFFTARGET_PARAMS,
    OffTargetPair,
    OffTargetSite,
    PairColumns,
    SiteColumns,
    _site_cols,
)

Role = Literal["L", "R"]


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

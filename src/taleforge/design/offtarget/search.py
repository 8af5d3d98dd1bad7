"""find_offtargets: the score-defined (or mismatch-mode) search of one TALEN or TALE."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from taleforge.engine.pairs import PairIndex, assemble_pairs, pos0_codes, site_codes
from taleforge.engine.scored import ScoredHits
from taleforge.engine.stream import stream_pairs
from taleforge.errors import BackendError, ParameterError
from taleforge.model.costs import ScoreQuery, exact_costs
from taleforge.model.scaffold import Scaffold
from taleforge.model.talen import TalenPair
from taleforge.progress import ProgressCallback, report
from taleforge.scoring.base import BindingModel

from .common import _as_rvds, _global_or_none, _model, _resolve_genome, _scaffold, _scan
from .records import BASES, OFFTARGET_PARAMS
from .result import OffTargetResult, _ResultData

Role = Literal["L", "R"]

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

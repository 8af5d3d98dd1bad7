"""The specificity service: genome-wide off-target summaries of many candidate designs at once.

Every design job (knockout, base-edit, correction, knock-in) calls
:func:`specificity_for_pairs`; none keeps its own scan code. It runs the same score-defined
search as :func:`taleforge.design.offtarget.find_offtargets` (no mismatch cap; mismatch mode
with ``max_mismatches=N``) on the unique half-sites of a batch of pairs in one genome pass,
block by block, and counts for each pair the off-target pairs and single half-sites that pass
the binding model, excluding the pair's own on-target sites.

Pairings: within each pair L/R, R/L, L/L and R/R (tail to tail, spacer in range). With
``cross_pairs=True`` the pairs are one set delivered together (multiplex): every TALE is also
paired with every TALE of the other pairs (L1 with R2, R2 with L1, L1 with L2, ...); a cross
pairing is counted once, for the pair whose TALE is upstream.

Besides counts, each summary keeps the ``top_pairs`` best passing off-target pairs (lowest
engine cost = best combined score) as :class:`SpecPair` records: where a second cut would
be (see :mod:`taleforge.design.second_cut`). They are kept per pair over the streamed
blocks, top-N by cost, like the half-site top-N.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from taleforge.design.offtarget import (
    OFFTARGET_PARAMS,
    OffTargetSite,
    Role,
    _global_or_none,
    _model,
    _pos0_rule,
    _resolve_genome,
    _scaffold,
    _scan,
    _site_from_hit,
)
from taleforge.engine.pairs import PairIndex, assemble_pairs, pos0_codes, site_codes
from taleforge.engine.scored import ScoredHits
from taleforge.engine.stream import stream_pairs
from taleforge.errors import ParameterError
from taleforge.genome.packed import PackedGenome
from taleforge.model.costs import exact_costs
from taleforge.model.params import ParamTable
from taleforge.model.rules import RuleEval
from taleforge.model.scaffold import Scaffold
from taleforge.model.talen import TalenPair
from taleforge.progress import ProgressCallback
from taleforge.scoring.base import BindingModel, combine_scores

__all__ = ["SpecPair", "SpecificitySummary", "specificity_for_pairs"]

Orientation = Literal["L/R", "R/L", "L/L", "R/R"]


@dataclass(frozen=True)
class SpecPair:
    """One passing off-target pair of a candidate (tail to tail): ``up`` reads the top strand
    upstream, ``down`` the bottom strand downstream (sites 0-based half-open, as
    :class:`OffTargetSite`). ``orientation`` = role of the upstream / downstream TALE;
    ``score`` the model's combined pair score, ``cost`` the summed engine cost (lower =
    closer to a perfect site)."""

    orientation: Orientation
    contig: str
    up: OffTargetSite
    down: OffTargetSite
    spacer: int
    score: float
    cost: float

    @property
    def start(self) -> int:
        """0-based start of the pair footprint (the upstream position 0)."""
        return self.up.start - 1

    @property
    def end(self) -> int:
        """0-based half-open end of the footprint (the downstream position 0 included)."""
        return self.down.end + 1

    @property
    def cut(self) -> int:
        """0-based spacer centre (where FokI would cut)."""
        return self.up.end + self.spacer // 2

    @property
    def total_mismatches(self) -> int:
        return self.up.mismatches + self.down.mismatches

    def label(self) -> str:
        return f"{self.contig}:{self.start + 1}-{self.end} {self.orientation}"

    def as_dict(self) -> dict[str, Any]:
        """1-based inclusive coordinates of both half-sites (bound bases)."""
        return {
            "contig": self.contig,
            "start": self.start + 1,
            "end": self.end,
            "orientation": self.orientation,
            "up": {"role": self.up.role, "start": self.up.start + 1, "end": self.up.end,
                   "strand": self.up.strand, "mismatches": self.up.mismatches,
                   "site": self.up.pos0_base + self.up.seq},
            "down": {"role": self.down.role, "start": self.down.start + 1,
                     "end": self.down.end, "strand": self.down.strand,
                     "mismatches": self.down.mismatches,
                     "site": self.down.pos0_base + self.down.seq},
            "spacer": self.spacer,
            "mismatches": [self.up.mismatches, self.down.mismatches],
            "score": round(self.score, 6),
            "cost": round(self.cost, 6),
        }


@dataclass(frozen=True)
class SpecificitySummary:
    """Genome-wide specificity of one candidate pair (on-target excluded)."""

    pair_id: str
    left: tuple[str, ...]
    right: tuple[str, ...]
    max_mismatches: int | None  # None = score-defined search (no mismatch cap)
    pair_counts: tuple[int, ...]  # off-target pairs by total mismatches (index)
    left_site_counts: tuple[int, ...]  # off-target left half-sites by mismatches, 0..max
    right_site_counts: tuple[int, ...]
    top_sites: tuple[OffTargetSite, ...]
    ontarget_found: bool
    params: ParamTable = OFFTARGET_PARAMS
    top_pairs: tuple[SpecPair, ...] = ()  # best passing off-target pairs, best first

    @property
    def n_offtarget_pairs(self) -> int:
        return sum(self.pair_counts)

    @property
    def n_second_cut_pairs(self) -> int:
        """Passing off-target pairs with <= ``second_cut.max_mismatches`` total mismatches:
        the ones treated as a second cut (warning, not clean)."""
        from taleforge.design.second_cut import SECOND_CUT_PARAMS

        return sum(self.pair_counts[: int(SECOND_CUT_PARAMS["max_mismatches"]) + 1])

    @property
    def clean(self) -> bool:
        """No second-cut pair (see :attr:`n_second_cut_pairs`)."""
        return self.n_second_cut_pairs == 0

    def _weighted(self, counts: Sequence[int]) -> float:
        decay = float(self.params["decay"])
        return sum(c * decay**m for m, c in enumerate(counts))

    def pair_score(self) -> float:
        return -float(self.params["pair_weight"]) * math.log2(1 + self._weighted(self.pair_counts))

    def site_score(self) -> float:
        w = self._weighted(self.left_site_counts) + self._weighted(self.right_site_counts)
        return -float(self.params["site_weight"]) * math.log2(1 + w)

    @property
    def score(self) -> float:
        return self.pair_score() + self.site_score()

    def _search_note(self) -> str:
        if self.max_mismatches is None:
            return ("; every site passing the binding model's threshold was counted "
                    "(score-defined search, no mismatch cap)")
        return f"; mismatch mode: sites with <= {self.max_mismatches} mismatches"

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
                f"off-target half-sites by mismatches 0..: left {lc}, "
                f"right {rc}; score = -{float(self.params['site_weight']):g}"
                f"*log2(1 + sum {float(self.params['decay']):g}^m) = {ss:.3f}"
                + self._search_note(),
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
            "top_pairs": [p.as_dict() for p in self.top_pairs],
        }


def specificity_for_pairs(
    genome: Any,
    pairs: Sequence[TalenPair],
    *,
    scaffold: str | Scaffold,
    max_mismatches: int | None = None,
    model: str | BindingModel = "positional",
    spacer_min: int | None = None,
    spacer_max: int | None = None,
    pos0_bases: str | Literal["scaffold"] | None = "scaffold",
    top_n: int | None = None,
    top_pairs: int | None = None,
    scheduler: str | None = None,
    n_workers: int | None = None,
    progress: ProgressCallback | None = None,
    batch_size: int = 64,
    backend: str = "auto",
    cross_pairs: bool = False,
) -> list[SpecificitySummary]:
    """Specificity of many candidate pairs with the model's score-defined search (the same
    search as :func:`find_offtargets`; no mismatch cap): the unique half-sites of
    ``batch_size`` pairs are searched together in one genome pass, block by block. For each
    pair, off-target pairs (L/R, R/L, L/L, R/R within the spacer range) and single
    half-sites that pass the model's threshold are counted by mismatches, excluding the
    pair's own on-target sites; the ``top_n`` best-scoring off-target half-sites and the
    ``top_pairs`` best off-target pairs (default: the ``offtarget_specificity`` table) are kept.
    Memory is bounded by one genome block plus counts, whatever the arrays.
    ``max_mismatches=N`` switches to mismatch mode (every site with <= N mismatches, in
    memory). Returned in input order.

    ``cross_pairs=True``: the pairs are one set expressed together (multiplex); each TALE is
    also paired with every TALE of the other pairs, and such a cross pairing is counted for
    the pair whose TALE is upstream (every pairing of the set counted once). All pairs are
    then searched in one batch. ``backend`` is passed to the engine as it is."""
    if batch_size < 1:
        raise ParameterError(f"batch_size {batch_size} must be >= 1", hint="use 64")
    if cross_pairs:
        batch_size = max(1, len(pairs))
    sc = _scaffold(scaffold)
    mdl = _model(model)
    smin = sc.spacer_min_bp if spacer_min is None else int(spacer_min)
    smax = sc.spacer_max_bp if spacer_max is None else int(spacer_max)
    p0rule = _pos0_rule(sc, pos0_bases)
    ntop = int(OFFTARGET_PARAMS["top_sites"]) if top_n is None else int(top_n)
    npairs = int(OFFTARGET_PARAMS["top_pairs"]) if top_pairs is None else int(top_pairs)
    gi = _resolve_genome(genome, progress)
    packed = gi.packed
    out: list[SpecificitySummary] = []
    nb = -(-len(pairs) // batch_size) if pairs else 0
    for b in range(nb):
        batch = list(pairs[b * batch_size : (b + 1) * batch_size])
        qindex: dict[tuple[str, ...], int] = {}
        queries: list[tuple[str, ...]] = []
        for pr in batch:
            for rv in (tuple(pr.left.rvds), tuple(pr.right.rvds)):
                if rv not in qindex:
                    qindex[rv] = len(queries)
                    queries.append(rv)
        combos, combo_pair, orient = _pairings(batch, qindex, cross_pairs)
        acc = _SpecAccumulator(packed, batch, qindex, combos, combo_pair, ntop, len(queries),
                               orient, npairs)
        task = f"specificity scan {b + 1}/{nb}" if nb > 1 else "specificity scan"
        if max_mismatches is None:
            sqs = [mdl.score_query(q, p0rule) for q in queries]
            for blk in stream_pairs(packed, sqs, combos, smin, smax, backend=backend,  # type: ignore[arg-type]
                                    workers=n_workers, progress=_renamed_progress(progress, task)):
                acc.add(blk.table, blk.new, blk.pairs)
        else:
            hits = _scan(packed, queries, int(max_mismatches), p0rule, scheduler, n_workers,
                         _renamed_progress(progress, task), gi.source)
            cost = np.zeros(len(hits))
            for q in range(len(queries)):
                rq = np.flatnonzero(hits.query == q)
                if rq.size:
                    sq = mdl.score_query(queries[q], p0rule)
                    codes = site_codes(packed, hits.gpos[rq], hits.strand[rq], len(queries[q]))
                    p0 = pos0_codes(packed, hits.gpos[rq], hits.strand[rq], len(queries[q]))
                    cost[rq] = exact_costs(sq, codes, p0)[1]
            pix = assemble_pairs(hits, [len(q) for q in queries], combos, smin, smax,
                                 packed.offsets)
            acc.add(ScoredHits(hits, cost), np.ones(len(hits), np.bool_), pix)
        out.extend(acc.summaries(mdl, queries, max_mismatches))
    return out


def _pairings(batch: Sequence[TalenPair], qindex: dict[tuple[str, ...], int], cross: bool
              ) -> tuple[list[tuple[int, int]], list[int], list[Orientation]]:
    """(upstream query, downstream query) combos, the index of the pair each is counted
    for and its orientation (roles of the upstream/downstream TALE): within each pair L/R,
    R/L, L/L, R/R; with ``cross`` also every ordered pairing of a TALE of pair i (upstream)
    with a TALE of another pair, unless it is already a pairing within some pair of the
    set."""
    combos: list[tuple[int, int]] = []
    combo_pair: list[int] = []
    orient: list[Orientation] = []
    tales: list[tuple[int, int]] = []
    for i, pr in enumerate(batch):
        li, ri = qindex[tuple(pr.left.rvds)], qindex[tuple(pr.right.rvds)]
        tales.append((li, ri))
        named: dict[tuple[int, int], Orientation] = {}
        for c, o in (((li, ri), "L/R"), ((ri, li), "R/L"), ((li, li), "L/L"), ((ri, ri), "R/R")):
            named.setdefault(c, o)  # type: ignore[arg-type]
        for c, o in named.items():
            combos.append(c)
            combo_pair.append(i)
            orient.append(o)
    if cross:
        seen = set(combos)
        for i, (li, ri) in enumerate(tales):
            for j, (lj, rj) in enumerate(tales):
                if i == j:
                    continue
                cross_o: tuple[tuple[tuple[int, int], Orientation], ...] = (
                    ((li, lj), "L/L"), ((li, rj), "L/R"), ((ri, lj), "R/L"), ((ri, rj), "R/R"))
                for c, o in cross_o:
                    if c not in seen:
                        seen.add(c)
                        combos.append(c)
                        combo_pair.append(i)
                        orient.append(o)
    return combos, combo_pair, orient


def _renamed_progress(progress: ProgressCallback | None, task: str) -> ProgressCallback | None:
    """Scan progress under this batch's name (engine notices such as the one-off kernel
    compilation keep their own text)."""
    if progress is None:
        return None

    def cb(t: str, done: int, total: int | None) -> None:
        progress(t if t.startswith("compiling") else task, done, total)

    return cb


def _first_rows(a: NDArray[np.float64], cols: tuple[int, ...], k: int) -> NDArray[np.float64]:
    """The first ``k`` rows of ``a`` in ``np.lexsort`` order of ``cols`` (last = primary):
    rows beyond the k-th smallest primary value cannot be among them, so only the rest is
    sorted (one partition, then a lexsort of about k rows instead of every hit's)."""
    prim = a[:, cols[-1]]
    if prim.size > 2 * k > 0:
        kth = np.partition(prim, k - 1)[k - 1]
        a = a[prim <= kth]
    o = np.lexsort(tuple(a[:, c] for c in cols))[:k]
    return a[o]


class _SpecAccumulator:
    """Counts per candidate pair over streamed blocks (see :func:`specificity_for_pairs`)."""

    def __init__(self, packed: PackedGenome, batch: list[TalenPair],
                 qindex: dict[tuple[str, ...], int], combos: list[tuple[int, int]],
                 combo_pair: list[int], ntop: int, nq: int,
                 orient: Sequence[Orientation] = (), npairs: int = 0) -> None:
        self.packed = packed
        self.batch = batch
        self.qindex = qindex
        self.combos = np.asarray(combos, dtype=np.int64).reshape(-1, 2)
        self.combo_pair = np.asarray(combo_pair, dtype=np.int64)
        self.ntop = ntop
        self.orient = list(orient)
        self.npairs = npairs
        # per pair: candidate off-target pairs (cost, up gpos, down gpos, combo, spacer,
        # upstream site cost)
        self.ptop: list[list[NDArray[np.float64]]] = [[] for _ in batch]
        self.site_mm: list[NDArray[np.int64]] = [np.zeros(1, np.int64) for _ in range(nq)]
        self.pair_mm: list[NDArray[np.int64]] = [np.zeros(1, np.int64) for _ in batch]
        self.top: list[list[NDArray[Any]]] = [[] for _ in range(nq)]  # (gpos, strand, cost, mm)
        self.on_g: list[tuple[int | None, int | None]] = [
            (_global_or_none(packed, pr.left.bound.contig, pr.left.bound.start),
             _global_or_none(packed, pr.right.bound.contig, pr.right.bound.start))
            for pr in batch
        ]
        self.found = [False] * len(batch)

    @staticmethod
    def _addhist(h: NDArray[np.int64], vals: NDArray[np.int64]) -> NDArray[np.int64]:
        b = np.bincount(vals, minlength=h.size)
        if b.size > h.size:
            h = np.pad(h, (0, b.size - h.size))
        h[: b.size] += b
        return h

    def add(self, table: ScoredHits, new: NDArray[np.bool_], pix: PairIndex) -> None:
        h = table.hits
        rows = np.flatnonzero(new)
        # rows grouped by query in one stable sort (the table is sorted by query already;
        # one mask per query over every row cost O(queries x hits) per block)
        rows = rows[np.argsort(h.query[rows], kind="stable")]
        bounds = np.searchsorted(h.query[rows], np.arange(len(self.site_mm) + 1))
        for q in np.flatnonzero(np.diff(bounds)).tolist():
            rq = rows[bounds[q]:bounds[q + 1]]
            mm = h.mismatches[rq].astype(np.int64)
            self.site_mm[q] = self._addhist(self.site_mm[q], mm)
            cand = np.stack([h.gpos[rq].astype(np.float64), h.strand[rq].astype(np.float64),
                             table.cost[rq], mm.astype(np.float64)], axis=1)
            self.top[q].append(cand)
            allc = np.concatenate(self.top[q])
            if allc.shape[0] > 4 * (self.ntop + 2):
                self.top[q] = [_first_rows(allc, (1, 0, 2), self.ntop + 2)]
        if not len(pix):
            return
        pi = self.combo_pair[pix.combo]
        cq = self.combos[pix.combo]
        tot = h.mismatches[pix.up].astype(np.int64) + h.mismatches[pix.down].astype(np.int64)
        gu, gd = h.gpos[pix.up], h.gpos[pix.down]
        order = np.argsort(pi, kind="stable")  # pairs' rows grouped, in their own order
        cuts = np.searchsorted(pi[order], np.arange(len(self.batch) + 1))
        for i in np.flatnonzero(np.diff(cuts)).tolist():
            sel = order[cuts[i]:cuts[i + 1]]  # ascending: the rows of pair i in order
            pr = self.batch[i]
            li, ri = self.qindex[tuple(pr.left.rvds)], self.qindex[tuple(pr.right.rvds)]
            gl, gr = self.on_g[i]
            is_on = np.zeros(sel.size, np.bool_)
            if gl is not None and gr is not None:
                is_on = ((gu[sel] == gl) & (gd[sel] == gr) & (cq[sel, 0] == li)
                         & (cq[sel, 1] == ri))
            if is_on.any():
                self.found[i] = True
            self.pair_mm[i] = self._addhist(self.pair_mm[i], tot[sel][~is_on])
            if self.npairs > 0:
                self._keep_pairs(i, table, pix, sel[~is_on])

    def _keep_pairs(self, i: int, table: ScoredHits, pix: PairIndex,
                    rows: NDArray[np.intp]) -> None:
        """Per-pair top-N off-target pairs by (cost, up gpos, down gpos, combo)."""
        if rows.size == 0:
            return
        h = table.hits
        up, dn = pix.up[rows], pix.down[rows]
        cand = np.stack([table.cost[up] + table.cost[dn], h.gpos[up].astype(np.float64),
                         h.gpos[dn].astype(np.float64), pix.combo[rows].astype(np.float64),
                         pix.spacer[rows].astype(np.float64), table.cost[up]], axis=1)
        self.ptop[i].append(cand)
        allc = np.concatenate(self.ptop[i])
        if allc.shape[0] > 4 * self.npairs:
            self.ptop[i] = [_first_rows(allc, (3, 2, 1, 0), self.npairs)]

    def _top_pairs(self, i: int, mdl: BindingModel, queries: list[tuple[str, ...]]
                   ) -> tuple[SpecPair, ...]:
        if not self.ptop[i]:
            return ()
        allc = np.concatenate(self.ptop[i])
        o = np.lexsort((allc[:, 3], allc[:, 2], allc[:, 1], allc[:, 0]))[: self.npairs]
        out: list[SpecPair] = []
        for cost, gu, gd, c, sp, cu in allc[o].tolist():
            qu, qd = (int(x) for x in self.combos[int(c)])
            o_: Orientation = self.orient[int(c)]
            ru, rd = o_.split("/")
            cd = float(cost) - cu
            su = _site_from_hit(self.packed, mdl, queries[qu], int(gu), 1, ru, cu)  # type: ignore[arg-type]
            sd = _site_from_hit(self.packed, mdl, queries[qd], int(gd), -1, rd, cd)  # type: ignore[arg-type]
            out.append(SpecPair(o_, su.contig, su, sd, int(sp),
                                combine_scores(mdl, su.score, sd.score), float(cost)))
        return tuple(out)

    def summaries(self, mdl: BindingModel, queries: list[tuple[str, ...]],
                  k: int | None) -> list[SpecificitySummary]:
        out = []
        roles: tuple[Role, Role] = ("L", "R")
        for i, pr in enumerate(self.batch):
            li, ri = self.qindex[tuple(pr.left.rvds)], self.qindex[tuple(pr.right.rvds)]
            gl, gr = self.on_g[i]
            counts: list[list[int]] = []
            cands: list[tuple[float, int, int, int, int]] = []  # cost, gpos, strand, role, q
            for role, (q, on_g, on_s) in enumerate(((li, gl, 1), (ri, gr, -1))):
                c = self.site_mm[q].copy()
                top = np.concatenate(self.top[q]) if self.top[q] else np.zeros((0, 4))
                for g_on, s_on in ((on_g, on_s), ((gr, -1) if li == ri and role == 0 else
                                                  (None, 0))):
                    if g_on is None:
                        continue
                    hit = (top[:, 0] == g_on) & (top[:, 1] == s_on)
                    if hit.any():
                        c[int(top[hit][0, 3])] -= 1
                    top = top[~hit]
                if li == ri and role == 1:
                    break
                counts.append([int(x) for x in c])
                cands += [(float(t[2]), int(t[0]), int(t[1]), role, q) for t in top]
            if li == ri:
                counts.append(counts[0])
            cands.sort()
            tops: list[OffTargetSite] = []
            for cost, g, st, role, q in cands[: self.ntop]:
                tops.append(_site_from_hit(self.packed, mdl, queries[q], g, st, roles[role], cost))
            out.append(SpecificitySummary(
                pair_id=pr.pair_id(), left=tuple(pr.left.rvds), right=tuple(pr.right.rvds),
                max_mismatches=k,
                pair_counts=tuple(int(x) for x in self.pair_mm[i]),
                left_site_counts=tuple(counts[0]), right_site_counts=tuple(counts[1]),
                top_sites=tuple(tops), ontarget_found=self.found[i],
                top_pairs=self._top_pairs(i, mdl, queries),
            ))
        return out


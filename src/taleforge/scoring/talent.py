"""``tale-nt``: the TALE-NT 2.0 binding score, reproduced exactly (Doyle 2012 Nucleic Acids Res;
counts from Moscou 2009 Science).

Counts c(r, n) of RVD r seen with base n (Moscou & Bogdanove 2009 Science 326:1501, as
hard-coded in TALE-NT 2.0, Doyle et al. 2012 NAR 40:W117); p(n|r) = w·c(r,n)/Σc(r,·) + (1−w)/4
with w = 0.9; s(r,n) = −ln p(n|r).
A site scores S = Σ s(rᵢ, xᵢ) (lower is better). Best score B = Σ minₙ s(rᵢ, n). A site is a
hit when S ≤ k·B (k = 3.0 default; 3.5 and 4.0 offered). Position 0 is a filter (T by
default, optionally C), not scored; a non-ACGT base fails the site (score = +inf).

Exactness: the arithmetic is TALE-NT's own, in double precision and in its order — p as
``w*c/sum + (1-w)/4``, B summed repeat by repeat, S summed repeat by repeat with its
"lookahead" early exit (the running sum after repeat j must not exceed
``k·B − Σ_{i>j} minₙ s(rᵢ, n)``) — so the hit set equals TALE-NT's bit for bit, including
sites at the threshold (:meth:`TaleNtModel.score_query`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from taleforge.errors import ParameterError
from taleforge.model.costs import ScoreQuery
from taleforge.model.params import Param, ParamTable, register_table
from taleforge.model.rvd import RVD_MATCHES
from taleforge.scoring.base import (
    BASES,
    N_CODE,
    PositionTerm,
    SiteScore,
    check_codes,
    check_site_input,
    encode_bases,
    register_model,
    rvd_masks,
    thirds_array,
)

_SRC = "TALE-NT 2.0 (Doyle et al. 2012 NAR 40:W117), counts from Moscou & Bogdanove 2009"

#: RVD -> counts (A, C, G, T)
TALENT_COUNTS: dict[str, tuple[int, int, int, int]] = {
    "HD": (7, 99, 0, 1),
    "NI": (58, 6, 0, 0),
    "NG": (6, 6, 1, 57),
    "NN": (21, 8, 26, 2),
    "NS": (20, 6, 4, 0),
    "N*": (1, 11, 1, 7),
    "HG": (1, 2, 0, 15),
    "HA": (1, 4, 1, 0),
    "ND": (0, 4, 0, 0),
    "NK": (0, 0, 2, 0),
    "HI": (0, 1, 0, 0),
    "HN": (0, 0, 1, 0),
    "NA": (0, 0, 1, 0),
    "IG": (0, 0, 0, 1),
    "H*": (0, 0, 0, 1),
    "NH": (0, 0, 1, 0),
}
OTHER_COUNTS = (1, 1, 1, 1)
CUTOFFS_OFFERED = (3.0, 3.5, 4.0)

TALENT_TABLE = register_table(
    ParamTable(
        name="scoring.tale-nt",
        version="2.0",
        params=(
            *(
                Param(f"count_{r}", c, "observations (A,C,G,T)", _SRC, "V")
                for r, c in TALENT_COUNTS.items()
            ),
            Param("count_other", OTHER_COUNTS, "observations (A,C,G,T)", _SRC, "V"),
            Param("p_scale", 0.9, "probability", _SRC, "V",
                  "weight w: p = w*c/sum + (1-w)/4 (TALE-NT's -w option, default 0.9)"),
            Param(
                "cutoff_k", 3.0, "x best score", _SRC, "V",
                "a site is a hit when S <= k*B; TALE-NT offers 3.0, 3.5, 4.0",
            ),
            Param(
                "pos0_bases", "T", "bases", _SRC, "V",
                "allowed position-0 bases (filter, not scored); 'TC' allows C as well",
            ),
        ),
    )
)


def talent_score_matrix(rvd: str, table: ParamTable = TALENT_TABLE) -> NDArray[np.float64]:
    """s(r, n) for n in A, C, G, T, N (N = +inf: fails the site)."""
    key = f"count_{rvd}"
    known = {p.name for p in table}
    counts = table[key] if key in known else table["count_other"]
    w = float(table["p_scale"])
    total = float(sum(int(x) for x in counts))
    # TALE-NT's own expression and order: w * c / sum + (1 - w) / 4, then -1.0 * log(p)
    p = [w * float(x) / total + (1.0 - w) / 4.0 for x in counts]
    return np.array([-1.0 * math.log(v) for v in p] + [np.inf], dtype=np.float64)


@dataclass(frozen=True)
class TaleNtModel:
    """Exact TALE-NT 2.0 score (lower is better)."""

    params: ParamTable = TALENT_TABLE
    name: str = "tale-nt"
    version: str = "2.0"
    higher_is_better: bool = False
    _cache: dict[str, NDArray[np.float64]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        k = float(self.params["cutoff_k"])
        if not k > 0:
            raise ParameterError(f"TALE-NT cutoff k = {k} must be > 0", hint="use 3.0, 3.5 or 4.0")
        p0 = str(self.params["pos0_bases"]).upper()
        if not p0 or set(p0) - set(BASES):
            raise ParameterError(
                f"position-0 bases {p0!r} invalid", hint="use T, TC or a subset of ACGT"
            )

    @property
    def k(self) -> float:
        return float(self.params["cutoff_k"])

    @property
    def pos0_bases(self) -> str:
        return str(self.params["pos0_bases"]).upper()

    def with_cutoff(self, k: float) -> TaleNtModel:
        return TaleNtModel(self.params.override({"cutoff_k": float(k)}))

    def with_pos0(self, bases: str) -> TaleNtModel:
        return TaleNtModel(self.params.override({"pos0_bases": bases.upper()}))

    def matrix(self, rvds: tuple[str, ...]) -> NDArray[np.float64]:
        """(L, 5) matrix of s(rᵢ, n), columns A C G T N (cached per array)."""
        key = "matrix:" + " ".join(rvds)
        whole = self._cache.get(key)
        if whole is not None:
            return whole
        rows = []
        for r in rvds:
            m = self._cache.get(r)
            if m is None:
                m = talent_score_matrix(r, self.params)
                self._cache[r] = m
            rows.append(m)
        whole = np.vstack(rows) if rows else np.zeros((0, 5))
        self._cache[key] = whole
        return whole

    def best_score(self, rvds: tuple[str, ...]) -> float:
        """B summed repeat by repeat (TALE-NT's order; numpy's pairwise sum may differ in
        the last bit, which matters for sites exactly at k·B)."""
        m = self.matrix(tuple(rvds))
        b = 0.0
        for v in m[:, :4].min(axis=1).tolist():
            b += v
        return b

    def score_query(self, rvds: tuple[str, ...], pos0_bases: str | None = "model") -> ScoreQuery:
        """The exact TALE-NT hit definition as engine costs: raw = s(r, n); running-sum
        bounds = TALE-NT's lookahead array; position 0 a filter (``"model"`` = this model's
        ``pos0_bases``; None = no filter)."""
        rvds = tuple(rvds)
        m = self.matrix(rvds)
        mins = m[:, :4].min(axis=1)
        L = len(rvds)
        la = np.empty(L, dtype=np.float64)
        la[L - 1] = self.k * self.best_score(rvds)
        for i in range(L - 2, -1, -1):
            la[i] = la[i + 1] - float(mins[i + 1])
        allowed = self.pos0_bases if pos0_bases == "model" else pos0_bases
        p0 = np.zeros(5, dtype=np.float64)
        if allowed is not None:
            p0[:] = np.inf
            for b in allowed.upper():
                p0[BASES.index(b)] = 0.0
        return ScoreQuery(m[:, :4], la, p0, float(la[L - 1]), rvd_masks(rvds))

    def score_from_cost(self, cost: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(cost, dtype=np.float64)

    def threshold(self, rvds: tuple[str, ...]) -> float:
        return self.k * self.best_score(rvds)

    def score_many(
        self,
        rvds: tuple[str, ...],
        codes: NDArray[np.uint8],
        pos0: NDArray[np.uint8] | None = None,
    ) -> NDArray[np.float64]:
        """S for each row of ``codes``; +inf where a bound base is not ACGT. Position 0
        is a filter in TALE-NT, so ``pos0`` (if given) sets +inf where it is not allowed."""
        c = check_codes(rvds, codes)
        m = self.matrix(tuple(rvds))
        cols = np.minimum(c, N_CODE).astype(np.intp)
        s = np.zeros(c.shape[0], dtype=np.float64)
        for j in range(len(rvds)):  # repeat by repeat, as TALE-NT sums
            s = s + m[j, cols[:, j]]
        if pos0 is not None:
            ok = np.isin(np.asarray(pos0), encode_bases(self.pos0_bases))
            s = np.where(ok, s, np.inf)
        return s.astype(np.float64)

    def _bounds(self, rvds: tuple[str, ...]) -> tuple[NDArray[np.float64], float]:
        """(running-sum bounds, B) of an array, cached (score_site runs per reported site)."""
        key = "bounds:" + " ".join(rvds)
        la = self._cache.get(key)
        if la is None:
            sq = self.score_query(rvds, None)
            la = np.append(sq.prefix_bound, self.best_score(rvds))
            self._cache[key] = la
        return la[:-1], float(la[-1])

    def score_site(self, rvds: tuple[str, ...], bound: str, pos0: str | None = None) -> SiteScore:
        rvds = tuple(rvds)
        seq = check_site_input(rvds, bound)
        m = self.matrix(rvds)
        look, best = self._bounds(rvds)
        thirds = thirds_array(len(rvds))
        terms = []
        total = 0.0
        within = True  # the exact hit definition: TALE-NT's running-sum ("lookahead") bounds
        for i, (r, b) in enumerate(zip(rvds, seq, strict=True)):
            code = BASES.find(b)
            s = float(m[i, code if code >= 0 else N_CODE])
            total += s
            within = within and total <= float(look[i])
            terms.append(
                PositionTerm(
                    index=i + 1,
                    rvd=r,
                    base=b,
                    score=s,
                    matched=b in RVD_MATCHES[r],
                    third=int(thirds[i]),
                    note="" if code >= 0 else "non-ACGT base fails the site",
                )
            )
        thr = self.k * best
        p0 = pos0.upper() if pos0 is not None else None
        pos0_ok = p0 is None or p0 in self.pos0_bases
        passes = bool(math.isfinite(total) and within and pos0_ok)
        return SiteScore(
            model=self.name,
            score=total,
            best=best,
            threshold=thr,
            passes=passes,
            per_position=tuple(terms),
            pos0_base=p0,
            pos0_ok=pos0_ok,
            higher_is_better=False,
            unit="-ln p summed over repeats; hit when S <= k*B",
            note=f"k = {self.k:g}; position 0 allowed: {self.pos0_bases} (filter, not scored)",
        )


register_model("tale-nt", TaleNtModel)

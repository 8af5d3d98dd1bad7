"""TALEN half-site and pair rules (TALE-NT 2.0 filters, Doyle 2012 Nucleic Acids Res) as
:class:`~taleforge.model.rules.Rule` objects (:func:`talen_filters`), evaluated column-wise
on the table of :class:`~taleforge.design.pairs.PairCandidates` (:func:`pair_table`).

Each rule yields a boolean array (passes) and a value array; :func:`evaluate_rules` returns
them in a :class:`RuleColumns` so that filters, rejection counts and per-design explanations
all read the same evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from taleforge.design.pairs import PairCandidates, seq_codes
from taleforge.model.dna import COMPLEMENT_CODES
from taleforge.model.params import Param, ParamTable, register_table
from taleforge.model.rules import (
    CandidateTable,
    Rule,
    RuleColumn,
    RuleEval,
    RuleKind,
    evaluate,
)

TALE_NT_FILTERS = register_table(
    ParamTable(
        name="talen_filters",
        version="1",
        params=(
            Param("streubel_min_gc", 0.25, "fraction", "Streubel 2012 via TALE-NT 2.0", "V",
                  "reject a half-site with C+G below this fraction"),
            Param("streubel_max_at_run", 5, "bp", "Streubel 2012 via TALE-NT 2.0", "V",
                  "reject a half-site containing a run of A/T longer than this (6 or more)"),
            Param("cermak_pos1_not", "T", "base", "Cermak 2011 via TALE-NT 2.0", "V",
                  "first bound base must not be this"),
            Param("cermak_pos2_not", "A", "base", "Cermak 2011 via TALE-NT 2.0", "V",
                  "second bound base must not be this"),
            Param("cermak_last_base", "T", "base", "Cermak 2011 via TALE-NT 2.0", "V",
                  "last bound base must be this"),
            Param("cermak_comp_A", (31.0, 16.0), "% mean, SD", "Cermak 2011 (natural sites)", "V"),
            Param("cermak_comp_C", (37.0, 13.0), "% mean, SD", "Cermak 2011 (natural sites)", "V"),
            Param("cermak_comp_G", (9.0, 8.0), "% mean, SD", "Cermak 2011 (natural sites)", "V"),
            Param("cermak_comp_T", (22.0, 10.0), "% mean, SD", "Cermak 2011 (natural sites)", "V"),
            Param("cermak_comp_sd", 2.0, "SD", "Cermak 2011 via TALE-NT 2.0", "V",
                  "composition must lie within mean +- this many SD"),
        ),
    )
)

_COMP = COMPLEMENT_CODES


@dataclass
class RuleColumns:
    """Per-candidate evaluation of each rule (aligned with the candidates)."""

    passed: dict[str, NDArray[np.bool_]] = field(default_factory=dict)
    values: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)

    def add(self, rule: str, passed: NDArray[np.bool_], value: NDArray[np.float64], reason: str) -> None:
        self.passed[rule] = passed
        self.values[rule] = value
        self.reasons[rule] = reason

    def all_pass(self, n: int) -> NDArray[np.bool_]:
        ok = np.ones(n, dtype=np.bool_)
        for p in self.passed.values():
            ok &= p
        return ok

    def rejection_counts(self) -> dict[str, int]:
        return {k: int((~v).sum()) for k, v in sorted(self.passed.items())}

    def evals_for(self, i: int) -> list[RuleEval]:
        out = []
        for rule in sorted(self.passed):
            ok = bool(self.passed[rule][i])
            v = float(self.values[rule][i])
            out.append(
                RuleEval(rule, "filter", ok, round(v, 4), 0.0,
                         ("pass: " if ok else "fail: ") + self.reasons[rule])
            )
        return out


def _half_site_codes(c: PairCandidates, codes: NDArray[np.uint8], side: str) -> NDArray[np.uint8]:
    """Matrix (n x Lmax) of bound-base codes as the TALE reads them; padded with 5."""
    lens = c.left_len if side == "left" else c.right_len
    lmax = int(lens.max()) if lens.size else 0
    idx = np.arange(lmax, dtype=np.int64)[None, :]
    if side == "left":
        pos = (c.p + 1)[:, None] + idx
        valid = idx < lens[:, None]
        mat = codes[np.clip(pos, 0, codes.size - 1)]
    else:
        q = c.p + 1 + c.left_len + c.spacer_len
        # TALE reads the bottom strand from q+R-1 down to q
        pos = (q + c.right_len - 1)[:, None] - idx
        valid = idx < lens[:, None]
        mat = _COMP[codes[np.clip(pos, 0, codes.size - 1)]]
    return np.where(valid, mat, 5).astype(np.uint8)


def half_site_matrices(c: PairCandidates) -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    codes = seq_codes(c.seq)
    return _half_site_codes(c, codes, "left"), _half_site_codes(c, codes, "right")


def _max_run(mask: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Longest run of True per row."""
    n, m = mask.shape
    run = np.zeros(n, dtype=np.int64)
    best = np.zeros(n, dtype=np.int64)
    for j in range(m):
        run = np.where(mask[:, j], run + 1, 0)
        best = np.maximum(best, run)
    return best


def pair_table(c: PairCandidates) -> dict[str, NDArray[Any]]:
    """The columnar table the half-site rules read: bound-base code matrices as each TALE
    reads them (``left_codes``, ``right_codes``; padded with 5), their lengths and base
    fractions (``left_frac``/``right_frac``: n x 4, A C G T)."""
    left, right = half_site_matrices(c)
    t: dict[str, NDArray[Any]] = {"left_codes": left, "right_codes": right,
                                  "left_len": c.left_len, "right_len": c.right_len}
    for side, mat, lens in (("left", left, c.left_len), ("right", right, c.right_len)):
        counts = np.stack([(mat == b).sum(axis=1) for b in range(4)], axis=1).astype(np.float64)
        t[f"{side}_frac"] = counts / lens.astype(np.float64)[:, None]
    return t


_NT = "ACGT"


@dataclass(frozen=True)
class HalfSiteRule:
    """A TALE-NT half-site filter on one side (``left``/``right``); see :func:`talen_filters`.

    ``test``: ``gc`` (C+G fraction >= ``limit``), ``at_run`` (longest A/T run <= ``limit``),
    ``base_not``/``base_is`` (bound base at ``index`` -- 0, 1 or -1 for the last -- is not /
    is ``base``), ``composition`` (% of ``base`` within [``lo``, ``hi``])."""

    name: str
    side: str
    test: str
    reason: str
    limit: float = 0.0
    index: int = 0
    base: str = "A"
    lo: float = 0.0
    hi: float = 100.0
    kind: RuleKind = "filter"

    def evaluate(self, table: CandidateTable) -> RuleColumn:
        mat = table[f"{self.side}_codes"]
        lens = table[f"{self.side}_len"]
        frac = table[f"{self.side}_frac"]
        if self.test == "gc":
            value = frac[:, 1] + frac[:, 2]
            passed = value >= self.limit
        elif self.test == "at_run":
            value = _max_run((mat == 0) | (mat == 3)).astype(np.float64)
            passed = value <= self.limit
        elif self.test in ("base_not", "base_is"):
            rows = np.arange(mat.shape[0])
            col = lens - 1 if self.index < 0 else np.full(mat.shape[0], self.index)
            b = mat[rows, col]
            want = _NT.index(self.base)
            passed = (b != want) if self.test == "base_not" else (b == want)
            value = b.astype(np.float64)
        elif self.test == "composition":
            value = frac[:, _NT.index(self.base)] * 100.0
            passed = (value >= self.lo) & (value <= self.hi)
        else:  # pragma: no cover - construction is internal
            raise ValueError(f"unknown half-site test {self.test!r}")
        return RuleColumn(self.name, "filter", passed, value, np.zeros_like(value), self.reason)


def talen_filters(
    *,
    streubel: bool = True,
    cermak: bool = False,
    composition: bool | None = None,
    table: ParamTable = TALE_NT_FILTERS,
) -> list[Rule]:
    """The TALE-NT 2.0 filters as :class:`~taleforge.model.rules.Rule` objects (both
    half-sites): Streubel 2012 (C+G fraction, A/T runs), Cermak 2011 (first, second and
    last bound base; natural-site composition)."""
    if composition is None:
        composition = cermak
    rules: list[Rule] = []
    for side in ("left", "right"):
        if streubel:
            min_gc = float(table["streubel_min_gc"])
            rules.append(HalfSiteRule(
                f"streubel_gc_{side}", side, "gc",
                f"{side} half-site C+G fraction must be >= {min_gc:.2f} (Streubel)", min_gc))
            max_run = int(table["streubel_max_at_run"])
            rules.append(HalfSiteRule(
                f"streubel_at_run_{side}", side, "at_run",
                f"{side} half-site longest A/T run must be <= {max_run} bp (Streubel)", max_run))
        if cermak:
            p1, p2 = str(table["cermak_pos1_not"]), str(table["cermak_pos2_not"])
            lb = str(table["cermak_last_base"])
            rules.append(HalfSiteRule(
                f"cermak_pos1_{side}", side, "base_not",
                f"{side} first bound base must not be {p1} (Cermak)", index=0, base=p1))
            rules.append(HalfSiteRule(
                f"cermak_pos2_{side}", side, "base_not",
                f"{side} second bound base must not be {p2} (Cermak)", index=1, base=p2))
            rules.append(HalfSiteRule(
                f"cermak_last_{side}", side, "base_is",
                f"{side} last bound base must be {lb} (Cermak)", index=-1, base=lb))
        if composition:
            k = float(table["cermak_comp_sd"])
            for base in _NT:
                mean, sd = table[f"cermak_comp_{base}"]
                lo_, hi_ = mean - k * sd, mean + k * sd
                rules.append(HalfSiteRule(
                    f"composition_{base}_{side}", side, "composition",
                    f"{side} half-site %{base} must be within {max(lo_, 0):.0f}-{hi_:.0f} "
                    "(Cermak)", base=base, lo=lo_, hi=hi_))
    return rules


def evaluate_rules(
    c: PairCandidates,
    *,
    streubel: bool = True,
    cermak: bool = False,
    composition: bool | None = None,
    table: ParamTable = TALE_NT_FILTERS,
) -> RuleColumns:
    """Evaluate the TALE-NT filters (:func:`talen_filters`) on every candidate."""
    cols = RuleColumns()
    if len(c) == 0:
        return cols
    t = pair_table(c)
    for col in evaluate(talen_filters(streubel=streubel, cermak=cermak,
                                      composition=composition, table=table), t):
        cols.add(col.rule, col.passed, col.value, col.reason)
    return cols


def strong_rvd_fraction(mat: NDArray[np.uint8], lens: NDArray[np.int64]) -> NDArray[np.float64]:
    """Fraction of C and G positions (HD and NN/NH: the strong RVDs, Streubel 2012 Nat Biotechnol)."""
    strong = ((mat == 1) | (mat == 2)).sum(axis=1).astype(np.float64)
    return strong / lens.astype(np.float64)


def strong_rvd_count(mat: NDArray[np.uint8], g_rvd: str = "NN") -> NDArray[np.int64]:
    """Strong RVDs of each array: HD (C), and NN or NH (G) -- NK, the weak G RVD, is not
    counted (Streubel 2012 Nat Biotechnol 30:593; TALE-NT 2.0 "% RVDs HD or NN/NH")."""
    strong = mat == 1
    if g_rvd in ("NN", "NH"):
        strong = strong | (mat == 2)
    return strong.sum(axis=1).astype(np.int64)


def pooled_strong_fraction(
    left: NDArray[np.uint8], right: NDArray[np.uint8], left_len: NDArray[np.int64],
    right_len: NDArray[np.int64], g_rvd: str = "NN",
) -> NDArray[np.float64]:
    """TALE-NT 2.0's per-pair "% RVDs HD or NN/NH" as a fraction: strong RVDs of both arrays
    over all RVDs of the pair (pooled, not the mean of the two arrays' fractions; TALE-NT
    prints ``int(round(f, 2) * 100)``, which float rounding can put 1 below 100·f)."""
    n = strong_rvd_count(left, g_rvd) + strong_rvd_count(right, g_rvd)
    return n.astype(np.float64) / (left_len + right_len).astype(np.float64)


def methylated_c_count(
    c: PairCandidates, side: str, top: NDArray[np.bool_], bottom: NDArray[np.bool_],
) -> NDArray[np.int64]:
    """Methylated Cs a half-site's TALE reads with HD: bound bases on the TALE's own strand
    (+ for the left TALE, - for the right one) whose C is methylated (``top``/``bottom`` from
    :func:`taleforge.design.methylation.methylated_c_masks` over ``c.seq``)."""
    mask = top if side == "left" else bottom
    cum = np.concatenate(([0], np.cumsum(mask, dtype=np.int64)))
    if side == "left":
        s = c.p + 1
        e = s + c.left_len
    else:
        s = c.p + 1 + c.left_len + c.spacer_len
        e = s + c.right_len
    return cum[e] - cum[s]

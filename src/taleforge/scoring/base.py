"""The binding-model protocol, per-site score records and the model registry.

A binding model scores a TALE array (its RVDs, N- to C-terminal) against the bases it
binds (5'->3' on the strand the TALE reads, position 0 given separately). Every model
returns a :class:`SiteScore` that explains itself position by position, and scores many
sites at once with :meth:`BindingModel.score_many` (numpy, ``codes`` 0..3 = ACGT, 4 = N).

Registered models (see :data:`MODELS`, :func:`get_model`):

* ``positional`` (default): TALgetter-style weighted per-position log-likelihood with a
  position-polarity weight (:mod:`taleforge.scoring.positional`).
* ``tale-nt``: exact TALE-NT 2.0 score (:mod:`taleforge.scoring.talent`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from taleforge.errors import InputError, SequenceError, UnknownNameError
from taleforge.model.costs import ScoreQuery, exact_costs
from taleforge.model.params import ParamTable
from taleforge.model.rvd import RVD_MATCHES

BASES = "ACGT"
N_CODE = 4
_ASCII_TO_CODE = np.full(256, N_CODE, dtype=np.uint8)
for _i, _b in enumerate(BASES):
    _ASCII_TO_CODE[ord(_b)] = _i
    _ASCII_TO_CODE[ord(_b.lower())] = _i


def encode_bases(seq: str) -> NDArray[np.uint8]:
    """'ACGTN..' -> codes 0..3, 4 for anything that is not A/C/G/T."""
    return _ASCII_TO_CODE[np.frombuffer(seq.encode(), dtype=np.uint8)]


def rvd_masks(rvds: Sequence[str]) -> NDArray[np.uint8]:
    """Per-repeat 4-bit masks of the bases each RVD matches (A=1, C=2, G=4, T=8)."""
    out = np.zeros(len(rvds), dtype=np.uint8)
    for i, r in enumerate(rvds):
        for b in RVD_MATCHES[r]:
            out[i] |= 1 << BASES.index(b)
    return out


def third_of(index: int, length: int) -> int:
    """1 (N-terminal), 2 (middle) or 3 (C-terminal) third of a 1-based repeat index.

    Repeat ``i`` of ``L`` is in third ``floor(3*(i-1)/L) + 1`` (so 18 RVDs split 6/6/6,
    16 RVDs split 6/5/5)."""
    return min(3, (3 * (index - 1)) // length + 1)


def thirds_array(length: int) -> NDArray[np.int8]:
    """Third (1..3) of every repeat of an array of ``length`` RVDs."""
    i = np.arange(length, dtype=np.int64)
    return np.minimum(3, (3 * i) // length + 1).astype(np.int8)


@dataclass(frozen=True)
class PositionTerm:
    """One repeat's contribution to a site score."""

    index: int  # 1-based repeat number (N-terminal = 1)
    rvd: str
    base: str  # base bound at this repeat (on the TALE's strand)
    score: float  # contribution (model units: see SiteScore.explanation)
    matched: bool  # base is one the RVD is taken to match (taleforge.model.rvd.RVD_MATCHES)
    third: int  # 1, 2, 3 = N-terminal / middle / C-terminal third
    note: str = ""


@dataclass(frozen=True)
class SiteScore:
    """A scored binding site. ``passes`` is the model's cutting/binding classification:
    ``score >= threshold`` for higher-is-better models, ``score <= threshold`` otherwise,
    and position 0 acceptable."""

    model: str
    score: float
    best: float
    threshold: float
    passes: bool
    per_position: tuple[PositionTerm, ...]
    pos0_base: str | None
    pos0_ok: bool
    higher_is_better: bool = True
    unit: str = ""
    note: str = ""

    @property
    def mismatches(self) -> int:
        return sum(1 for t in self.per_position if not t.matched)

    def mismatches_by_third(self) -> tuple[int, int, int]:
        c = [0, 0, 0]
        for t in self.per_position:
            if not t.matched:
                c[t.third - 1] += 1
        return (c[0], c[1], c[2])

    def explanation(self) -> str:
        """A plain-text per-position table plus the verdict."""
        cmp = ">=" if self.higher_is_better else "<="
        lines = [
            f"model {self.model}: score {self.score:.4f} (best {self.best:.4f}, "
            f"threshold {cmp} {self.threshold:.4f}) -> {'PASS' if self.passes else 'FAIL'}"
            + (f" [{self.unit}]" if self.unit else ""),
            f"position 0: {self.pos0_base if self.pos0_base is not None else '-'} "
            f"({'ok' if self.pos0_ok else 'not allowed'})",
            f"{'repeat':>6}  {'RVD':<3}  base  {'score':>9}  third  mismatch  note",
        ]
        for t in self.per_position:
            lines.append(
                f"{t.index:>6}  {t.rvd:<3}  {t.base:^4}  {t.score:>9.4f}  {t.third:^5}  "
                f"{'yes' if not t.matched else '':^8}  {t.note}".rstrip()
            )
        mm = self.mismatches_by_third()
        lines.append(
            f"mismatches: {self.mismatches} (N-terminal third {mm[0]}, middle {mm[1]}, "
            f"C-terminal third {mm[2]})"
        )
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    def as_dict(self) -> dict[str, object]:
        return {
            "model": self.model,
            "score": round(self.score, 6),
            "best": round(self.best, 6),
            "threshold": round(self.threshold, 6),
            "passes": self.passes,
            "pos0_base": self.pos0_base,
            "pos0_ok": self.pos0_ok,
            "mismatches": self.mismatches,
            "mismatches_by_third": list(self.mismatches_by_third()),
        }


@runtime_checkable
class BindingModel(Protocol):
    """What every binding model provides."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def params(self) -> ParamTable: ...

    @property
    def higher_is_better(self) -> bool: ...

    def score_site(
        self, rvds: tuple[str, ...], bound: str, pos0: str | None = None
    ) -> SiteScore: ...

    def best_score(self, rvds: tuple[str, ...]) -> float: ...

    def threshold(self, rvds: tuple[str, ...]) -> float: ...

    def score_many(
        self,
        rvds: tuple[str, ...],
        codes: NDArray[np.uint8],
        pos0: NDArray[np.uint8] | None = None,
    ) -> NDArray[np.float64]: ...

    def score_query(self, rvds: tuple[str, ...], pos0_bases: str | None = "model") -> ScoreQuery:
        """The model's hit definition as engine costs (:class:`~taleforge.model.costs.ScoreQuery`):
        a window is a hit exactly when :func:`~taleforge.model.costs.exact_costs` says so.
        ``pos0_bases``: allowed position-0 bases (a filter), None for none, ``"model"`` for
        the model's own rule."""
        ...

    def score_from_cost(self, cost: NDArray[np.float64]) -> NDArray[np.float64]:
        """Model score of sites from their engine cost (the cost is lower-is-better)."""
        ...


def passes_many(
    model: BindingModel,
    rvds: tuple[str, ...],
    codes: NDArray[np.uint8],
    pos0: NDArray[np.uint8],
    pos0_bases: str | None = "model",
) -> NDArray[np.bool_]:
    """Exact hit classification of many sites under ``model`` (the engine's definition)."""
    hit, _ = exact_costs(model.score_query(tuple(rvds), pos0_bases), codes, pos0)
    return hit


def check_site_input(rvds: Sequence[str], bound: str) -> str:
    """Validate a (rvds, bound) pair; returns the upper-cased bound sequence."""
    if len(rvds) == 0:
        raise InputError("empty TALE array", hint="give at least one RVD")
    for i, r in enumerate(rvds, start=1):
        if r not in RVD_MATCHES:
            raise InputError(
                f"invalid RVD {r!r} at repeat {i}",
                hint="valid RVDs: " + ", ".join(RVD_MATCHES),
            )
    if len(bound) != len(rvds):
        raise SequenceError(
            f"bound sequence has {len(bound)} bases but the array has {len(rvds)} RVDs",
            hint="give exactly one base per repeat (position 0 separately)",
        )
    return bound.upper()


def check_codes(rvds: Sequence[str], codes: NDArray[np.uint8]) -> NDArray[np.uint8]:
    c = np.asarray(codes, dtype=np.uint8)
    if c.ndim == 1:
        c = c.reshape(1, -1)
    if c.ndim != 2 or c.shape[1] != len(rvds):
        raise InputError(
            f"codes must be (n_sites, {len(rvds)}); got shape {tuple(np.shape(codes))}",
            hint="pass one row of base codes per site, one column per repeat",
        )
    return c


def combine_scores(model: BindingModel, a: float, b: float) -> float:
    """Pair score from two monomer scores: the sum for an additive energy-like model
    (``tale-nt``: lower is better) and the mean for normalised models (``positional``)."""
    if model.higher_is_better:
        return (a + b) / 2.0
    return a + b


def normalised_margin(model: BindingModel, s: SiteScore) -> float:
    """How far a site is above (>0) or below (<0) its cutting threshold, as a fraction of
    the best-to-threshold gap (1 = perfect site, 0 = at threshold). Comparable across
    models and arrays."""
    gap = s.best - s.threshold
    if gap == 0:
        return 0.0
    return (s.score - s.threshold) / gap


MODELS: dict[str, Callable[[], BindingModel]] = {}
_INSTANCES: dict[str, BindingModel] = {}
_MODEL_MODULES = ("taleforge.scoring.positional", "taleforge.scoring.talent")


def register_model(name: str, factory: Callable[[], BindingModel]) -> None:
    MODELS[name] = factory
    _INSTANCES.pop(name, None)


def _load() -> None:
    for m in _MODEL_MODULES:
        importlib.import_module(m)


def model_names() -> list[str]:
    _load()
    return sorted(MODELS)


def get_model(name: str = "positional") -> BindingModel:
    """The registered binding model ``name`` (a shared, immutable instance)."""
    _load()
    if isinstance(name, str) and name in _INSTANCES:
        return _INSTANCES[name]
    if name not in MODELS:
        raise UnknownNameError(
            f"unknown binding model {name!r}", hint="valid models: " + ", ".join(sorted(MODELS))
        )
    inst = MODELS[name]()
    _INSTANCES[name] = inst
    return inst

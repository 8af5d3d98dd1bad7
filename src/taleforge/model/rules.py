"""Rules as small objects (after DnaChisel's ``Specification``): a :class:`Rule` evaluates a
columnar candidate table (one aligned array per column) to a :class:`RuleColumn` -- pass,
value, score and reason for every candidate at once -- and one candidate's row of it is a
:class:`RuleEval`, which filters, ranking, reports and the UI all read.

Kinds: ``filter`` removes failing candidates; ``score`` adds ``score`` to an additive rank
score (knockout, base-edit); ``rank`` is a lexicographic ranking key of
:func:`taleforge.design.ranking.rank` (correction, knock-in: ``value`` is the key's value);
``flag`` is reported and changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

RuleKind = Literal["filter", "score", "rank", "flag"]

#: a columnar candidate table: column name -> array, all of one length
CandidateTable = Mapping[str, NDArray[Any]]


@dataclass(frozen=True, slots=True)
class RuleEval:
    """One rule evaluated on one candidate.

    ``kind``: ``filter`` removes failing candidates; ``score`` contributes ``score`` to the
    rank score (higher is better); ``flag`` is reported but changes nothing.
    """

    rule: str
    kind: RuleKind
    passed: bool
    value: float | int | str | None
    score: float
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "kind": self.kind,
            "passed": self.passed,
            "value": self.value,
            "score": round(self.score, 6),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class RuleColumn:
    """One rule evaluated on every candidate of a table (arrays aligned with its rows)."""

    rule: str
    kind: RuleKind
    passed: NDArray[np.bool_]
    value: NDArray[np.float64]
    score: NDArray[np.float64]
    reason: str

    def __len__(self) -> int:
        return int(self.passed.shape[0])

    def at(self, i: int) -> RuleEval:
        """The evaluation of candidate ``i`` (filters: reason prefixed ``pass:``/``fail:``)."""
        ok = bool(self.passed[i])
        v = round(float(self.value[i]), 4)
        if self.kind == "filter":
            return RuleEval(self.rule, "filter", ok, v, 0.0,
                            ("pass: " if ok else "fail: ") + self.reason)
        return RuleEval(self.rule, self.kind, ok, v, float(self.score[i]), self.reason)

    def rejections(self) -> int:
        return int((~self.passed).sum()) if self.kind == "filter" else 0


@runtime_checkable
class Rule(Protocol):
    """A design rule: a name, a kind and a column-wise evaluation."""

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> RuleKind: ...

    def evaluate(self, table: CandidateTable) -> RuleColumn: ...


@dataclass(frozen=True)
class ColumnRule:
    """A rule from a function of the table: ``fn(table) -> (passed, value)`` (and the score
    is ``weight * value`` for a ``score`` rule, 0 otherwise)."""

    name: str
    kind: RuleKind
    fn: Callable[[CandidateTable], tuple[NDArray[np.bool_], NDArray[np.float64]]]
    reason: str
    weight: float = 0.0

    def evaluate(self, table: CandidateTable) -> RuleColumn:
        passed, value = self.fn(table)
        value = np.asarray(value, dtype=np.float64)
        score = self.weight * value if self.kind == "score" else np.zeros_like(value)
        return RuleColumn(self.name, self.kind, np.asarray(passed, dtype=np.bool_), value,
                          score, self.reason)


def evaluate(rules: Iterable[Rule], table: CandidateTable) -> tuple[RuleColumn, ...]:
    """Every rule on the table, in the given order."""
    return tuple(r.evaluate(table) for r in rules)


def passing(columns: Iterable[RuleColumn], n: int) -> NDArray[np.bool_]:
    """Candidates that pass every filter column."""
    ok = np.ones(n, dtype=np.bool_)
    for c in columns:
        if c.kind == "filter":
            ok &= c.passed
    return ok


def rejection_counts(evals: Iterable[Iterable[RuleEval]]) -> dict[str, int]:
    """How many candidates each filter rule removed (a candidate failing several filters is
    counted under each)."""
    c: Counter[str] = Counter()
    for ev in evals:
        for e in ev:
            if e.kind == "filter" and not e.passed:
                c[e.rule] += 1
    return dict(sorted(c.items()))

"""Rules as small objects: every design rule evaluates to a :class:`RuleEval` that filters,
ranking, reports and the UI all read (habit 1 of DESIGN.md)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

RuleKind = Literal["filter", "score", "flag"]


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


def rejection_counts(evals: Iterable[Iterable[RuleEval]]) -> dict[str, int]:
    """How many candidates each filter rule removed (a candidate failing several filters is
    counted under each)."""
    c: Counter[str] = Counter()
    for ev in evals:
        for e in ev:
            if e.kind == "filter" and not e.passed:
                c[e.rule] += 1
    return dict(sorted(c.items()))

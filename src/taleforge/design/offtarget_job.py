"""The off-target job in the shape of every design job:
``design_offtarget(target, params, *, genome, annotation, progress, backend) -> OffTargetResult``.

A thin entry over :func:`taleforge.design.offtarget.find_offtargets` (the engine-backed
search, unchanged): the target is a :class:`~taleforge.model.talen.TalenPair` (its arrays,
and the pair itself as the on-target) or ``(left, right)`` RVDs (``right`` None for one
TALE); :class:`OffTargetParams` holds every option the CLI fills.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from taleforge.design.offtarget import OffTargetResult, find_offtargets
from taleforge.model.scaffold import Scaffold
from taleforge.model.talen import TalenPair
from taleforge.progress import ProgressCallback
from taleforge.scoring.base import BindingModel

Rvds = Sequence[str] | str
OffTargetTarget = TalenPair | tuple[Rvds, Rvds | None]


@dataclass(frozen=True)
class OffTargetParams:
    """Options of the off-target search. ``max_mismatches`` None: score-defined search
    (every window the model passes); N: mismatch mode. ``pos0_bases``: ``"scaffold"`` (the
    scaffold's rule), None (any) or bases such as ``"T"``. ``max_records``: records kept
    (``"default"`` = the ``offtarget_specificity`` table's value, None = all)."""

    scaffold: str | Scaffold = "tale-nt"
    model: str | BindingModel = "positional"
    max_mismatches: int | None = None
    spacer_min: int | None = None
    spacer_max: int | None = None
    pos0_bases: str | Literal["scaffold"] | None = "scaffold"
    max_records: int | Literal["default"] | None = "default"
    scheduler: str | None = None
    n_workers: int | None = None


def design_offtarget(
    target: OffTargetTarget,
    params: OffTargetParams | None = None,
    *,
    genome: Any,
    annotation: Any = None,
    progress: ProgressCallback | None = None,
    backend: str = "auto",
) -> OffTargetResult:
    """Every half-site and tail-to-tail pair of ``target`` the binding model calls a hit in
    ``genome`` (a Genome, a path or a builtin name); see
    :func:`~taleforge.design.offtarget.find_offtargets` for the search itself."""
    p = params or OffTargetParams()
    ontarget: TalenPair | None = None
    if isinstance(target, TalenPair):
        left: Rvds = target.left.rvds
        right: Rvds | None = target.right.rvds
        ontarget = target
    else:
        left, right = target
    return find_offtargets(
        genome, left, right, scaffold=p.scaffold, max_mismatches=p.max_mismatches,
        model=p.model, spacer_min=p.spacer_min, spacer_max=p.spacer_max,
        pos0_bases=p.pos0_bases, annotation=annotation, ontarget=ontarget,
        scheduler=p.scheduler, n_workers=p.n_workers, progress=progress,
        max_records=p.max_records, backend=backend,
    )


__all__ = ["OffTargetParams", "OffTargetTarget", "design_offtarget"]

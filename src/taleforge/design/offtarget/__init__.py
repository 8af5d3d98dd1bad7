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

from typing import Any

from .common import (
    _annotate_site,
    _as_rvds,
    _decode,
    _global_or_none,
    _load_annotation,
    _mm_thirds,
    _model,
    _replace_pair,
    _replace_site,
    _resolve_genome,
    _scaffold,
    _scan,
    _site_from_hit,
    _sites_from_hits,
)
from .records import (
    BASES,
    OFFTARGET_PARAMS,
    TSV_COLUMNS,
    OffTargetPair,
    OffTargetSite,
    PairColumns,
    Role,
    SiteColumns,
)
from .result import OffTargetResult
from .search import _budget_used, _combos, _pos0_rule, _Records, find_offtargets
from .site_split import SiteSplit, site_to_rvds

__all__ = [
    "OFFTARGET_PARAMS",
    "TSV_COLUMNS",
    "OffTargetPair",
    "OffTargetResult",
    "OffTargetSite",
    "PairColumns",
    "SiteColumns",
    "SiteSplit",
    "find_offtargets",
    "site_to_rvds",
]
_PRIVATE = (BASES, Role, _annotate_site, _as_rvds, _decode, _global_or_none, _load_annotation,
            _mm_thirds, _model, _replace_pair, _replace_site, _resolve_genome, _scaffold, _scan,
            _site_from_hit, _sites_from_hits, _budget_used, _combos, _pos0_rule, _Records)


def __getattr__(name: str) -> Any:
    # the specificity service moved to taleforge.design.specificity (it imports this module)
    if name in ("specificity_for_pairs", "SpecificitySummary"):
        from taleforge.design import specificity

        return getattr(specificity, name)
    raise AttributeError(name)

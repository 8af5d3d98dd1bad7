"""Restriction enzymes for genotyping: enzymes whose recognition site lies inside the
spacer and occurs exactly once within +-250 bp (TALE-NT 2.0, Doyle 2012 Nucleic Acids Res).
Uses Biopython's Restriction package (REBASE data; ``CommOnly`` = commercially available
enzymes)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from Bio import Restriction

EnzymeSet = Literal["commercial", "all", "none"]


@lru_cache(maxsize=4)
def _enzymes(which: EnzymeSet) -> tuple[tuple[str, re.Pattern[str], int], ...]:
    if which == "none":
        return ()
    batch = Restriction.CommOnly if which == "commercial" else Restriction.AllEnzymes  # type: ignore[attr-defined]
    out: list[tuple[str, re.Pattern[str], int]] = []
    for enz in sorted(batch, key=str):
        site = str(enz.site)
        if not site or any(ch not in "ACGTRYKMSWBDHVN" for ch in site):
            continue
        if site.count("N") > len(site) // 2:
            continue
        out.append((str(enz), enz.compsite, len(site)))
    return tuple(out)


def unique_sites_in(
    context: str, inner_start: int, inner_end: int, *, enzymes: EnzymeSet = "commercial"
) -> list[str]:
    """Enzymes whose site lies fully within ``context[inner_start:inner_end]`` and occurs
    exactly once (either strand) in ``context``. Sorted by name."""
    ctx = context.upper()
    hits = []
    for name, pat, size in _enzymes(enzymes):
        starts = {m.start() for m in _overlapping(pat, ctx)}
        if len(starts) != 1:
            continue
        (s,) = starts
        if s >= inner_start and s + size <= inner_end:
            hits.append(name)
    return hits


def _overlapping(pat: re.Pattern[str], text: str) -> list[re.Match[str]]:
    out: list[re.Match[str]] = []
    pos = 0
    while True:
        m = pat.search(text, pos)
        if m is None:
            return out
        out.append(m)
        pos = m.start() + 1

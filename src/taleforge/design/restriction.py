"""Restriction enzymes for genotyping (RFLP): enzymes whose recognition site lies inside the
spacer and occurs exactly once within +-250 bp (TALE-NT 2.0, Doyle 2012 Nucleic Acids Res)
or within the genotyping amplicon. Uses Biopython's Restriction package (REBASE data;
``CommOnly`` = commercially available enzymes).

Only *usable* enzymes are offered (table ``restriction_enzymes``):

* **Modification-dependent enzymes are excluded.** RFLP digests a PCR product, which carries
  no methylation; enzymes that cut only methylated (or hydroxymethylated/glucosylated) DNA
  never cut it. Biopython does not flag them, so the list is explicit: DpnI (Gm6ATC, Lacks &
  Greenberg 1975 J Biol Chem 250:4060), the MspJI family (MspJI, FspEI, LpnPI, SgeI, AspBHI,
  RlaI; Cohen-Karni et al. 2011 PNAS 108:11040, Zheng et al. 2010 Nucleic Acids Res 38:5527),
  AbaSI (glucosyl-5hmC; Wang et al. 2011 Nucleic Acids Res 39:9294) and SibEnzyme's
  methyl-directed enzymes (GlaI, BlsI, GluI, BisI, PkrI, AoxI, KroI, MalI, PcsI; e.g. GlaI:
  Tarasova et al. 2008 BMC Mol Biol 9:7; REBASE and the SibEnzyme catalogue list them as
  methyl-directed).
  Methylation-*sensitive* enzymes (blocked by 5mC, e.g. HpaII) are kept: a PCR product is
  unmethylated, so they cut it.
* **Isoschizomers are grouped**: every enzyme recognising the same site (either strand) is
  one :class:`EnzymeGroup`, named by the enzyme with the most suppliers (then by name), with
  the others listed. An RFLP only needs *a* cut in the site; where an isoschizomer cuts does
  not change whether the edited allele is cut.
* **Degenerate sites are included** (``GCNGC``, ``CCWGG``, interrupted ``GCCNNNNNGGC``):
  Biopython's site patterns match every base the IUPAC code allows, on both strands; a
  genome ``N`` matches only an ``N`` position of the site, so a site is never invented from
  an unknown base. Sites shorter than ``min_site_bp`` specified bases are skipped (a 1-3 bp
  site cannot be unique in an amplicon).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from Bio import Restriction

from taleforge.model.params import Param, ParamTable, register_table

EnzymeSet = Literal["commercial", "all", "none"]

#: Modification-dependent enzymes (cut only modified DNA; never a PCR product).
MODIFICATION_DEPENDENT: tuple[str, ...] = (
    "AbaSI", "AoxI", "AspBHI", "BisI", "BlsI", "DpnI", "FspEI", "GlaI", "GluI", "KroI",
    "LpnPI", "MalI", "MspJI", "PcsI", "PkrI", "RlaI", "SgeI",
)

RESTRICTION_PARAMS = register_table(
    ParamTable(
        name="restriction_enzymes",
        version="1",
        params=(
            Param("excluded_modification_dependent", MODIFICATION_DEPENDENT, "enzyme names",
                  "REBASE (Roberts et al. 2023 Nucleic Acids Res 51:D629): methyl-directed / "
                  "modification-dependent enzymes; Cohen-Karni 2011 PNAS; Wang 2011 NAR; "
                  "Tarasova 2008 BMC Mol Biol", "V",
                  "never offered for RFLP: they do not cut unmethylated PCR products"),
            Param("min_site_bp", 4, "specified bases",
                  "a site of n specified bases occurs every ~4^n bp; below 4 it cannot be "
                  "unique in a genotyping amplicon", "K",
                  "shorter sites (counting degenerate bases by information) are skipped"),
        ),
    )
)

_INFO = {**dict.fromkeys("ACGT", 1.0), **dict.fromkeys("RYKMSW", 0.5),
         **dict.fromkeys("BDHV", 0.25), "N": 0.0}


@dataclass(frozen=True)
class EnzymeGroup:
    """Enzymes recognising one site: ``name`` (the representative), ``site`` (as REBASE
    writes it for the representative), ``isoschizomers`` (the other names, sorted)."""

    name: str
    site: str
    isoschizomers: tuple[str, ...]
    pattern: re.Pattern[str]
    size: int

    def as_dict(self) -> dict[str, object]:
        return {"enzyme": self.name, "site": self.site,
                "isoschizomers": list(self.isoschizomers)}


_COMP = str.maketrans("ACGTRYKMSWBDHVN", "TGCAYRMKSWVHDBN")


def _canonical_site(site: str) -> str:
    rc = site.translate(_COMP)[::-1]
    return min(site, rc)


@lru_cache(maxsize=4)
def enzyme_groups(which: EnzymeSet = "commercial") -> tuple[EnzymeGroup, ...]:
    """The usable enzymes of ``which`` grouped by recognition site, sorted by name."""
    if which == "none":
        return ()
    batch = Restriction.CommOnly if which == "commercial" else Restriction.AllEnzymes  # type: ignore[attr-defined]
    excluded = set(RESTRICTION_PARAMS["excluded_modification_dependent"])
    min_bp = float(RESTRICTION_PARAMS["min_site_bp"])
    by_site: dict[str, list[object]] = {}
    for enz in sorted(batch, key=str):
        site = str(enz.site)
        if str(enz) in excluded or not site or any(ch not in _INFO for ch in site):
            continue
        if sum(_INFO[ch] for ch in site) < min_bp:
            continue
        by_site.setdefault(_canonical_site(site), []).append(enz)
    out: list[EnzymeGroup] = []
    for members in by_site.values():
        rep = min(members, key=lambda e: (-len(e.suppl), str(e)))  # type: ignore[attr-defined]
        others = tuple(sorted(str(e) for e in members if e is not rep))
        out.append(EnzymeGroup(str(rep), str(rep.site), others,  # type: ignore[attr-defined]
                               rep.compsite, len(str(rep.site))))  # type: ignore[attr-defined]
    out.sort(key=lambda g: g.name)
    return tuple(out)


def unique_site_groups(
    context: str, inner_start: int, inner_end: int, *, enzymes: EnzymeSet = "commercial"
) -> list[EnzymeGroup]:
    """Enzyme groups whose site lies fully within ``context[inner_start:inner_end]`` and
    occurs exactly once (either strand) in ``context``. Sorted by name."""
    ctx = context.upper()
    hits = []
    for grp in enzyme_groups(enzymes):
        starts = {m.start() for m in _overlapping(grp.pattern, ctx)}
        if len(starts) != 1:
            continue
        (s,) = starts
        if s >= inner_start and s + grp.size <= inner_end:
            hits.append(grp)
    return hits


def unique_sites_in(
    context: str, inner_start: int, inner_end: int, *, enzymes: EnzymeSet = "commercial"
) -> list[str]:
    """Names (one per recognition site: :func:`unique_site_groups`' representatives) of
    the usable enzymes whose site lies within ``context[inner_start:inner_end]`` and occurs
    exactly once in ``context``. Sorted by name."""
    return [g.name for g in unique_site_groups(context, inner_start, inner_end, enzymes=enzymes)]


def _enzymes(which: EnzymeSet) -> tuple[tuple[str, re.Pattern[str], int], ...]:
    """``(name, pattern, size)`` of every usable enzyme (isoschizomers included, each by its
    own name), for callers that report per-enzyme changes."""
    out: list[tuple[str, re.Pattern[str], int]] = []
    for g in enzyme_groups(which):
        out.append((g.name, g.pattern, g.size))
        for n in g.isoschizomers:
            out.append((n, g.pattern, g.size))
    out.sort(key=lambda t: t[0])
    return tuple(out)


def _overlapping(pat: re.Pattern[str], text: str) -> list[re.Match[str]]:
    out: list[re.Match[str]] = []
    pos = 0
    while True:
        m = pat.search(text, pos)
        if m is None:
            return out
        out.append(m)
        pos = m.start() + 1

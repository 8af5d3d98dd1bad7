"""Usable RFLP enzymes: no modification-dependent enzymes, isoschizomers grouped, degenerate
sites matched on both strands (design/restriction.py, design/primers.py)."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from taleforge.design.primers import restriction_changes
from taleforge.design.restriction import (
    MODIFICATION_DEPENDENT,
    RESTRICTION_PARAMS,
    enzyme_groups,
    unique_site_groups,
    unique_sites_in,
)
from taleforge.model.params import all_tables

_COMP = str.maketrans("ACGTRYKMSWBDHVN", "TGCAYRMKSWVHDBN")


def _rc(s: str) -> str:
    return s.translate(_COMP)[::-1]


def _all_names() -> set[str]:
    return {n for g in enzyme_groups() for n in (g.name, *g.isoschizomers)}


def test_modification_dependent_enzymes_are_never_offered() -> None:
    names = _all_names()
    for bad in ("AbaSI", "FspEI", "MspJI", "LpnPI", "DpnI", "SgeI", "MalI", "GlaI"):
        assert bad in MODIFICATION_DEPENDENT
        assert bad not in names
    # their sites are still served by usable enzymes (GATC: MboI, DpnII, Sau3AI...)
    gatc = [g for g in enzyme_groups() if g.site == "GATC"]
    assert len(gatc) == 1
    assert {"MboI", "DpnII", "Sau3AI"} <= {gatc[0].name, *gatc[0].isoschizomers}
    assert "restriction_enzymes" in all_tables()
    assert RESTRICTION_PARAMS["excluded_modification_dependent"] == MODIFICATION_DEPENDENT


def test_isoschizomers_are_one_group_per_site() -> None:
    groups = enzyme_groups()
    sites = [min(g.site, _rc(g.site)) for g in groups]
    assert len(sites) == len(set(sites))  # one group per site (either strand)
    bsai = next(g for g in groups if "BsaI" in (g.name, *g.isoschizomers))
    assert {"BsaI", "Eco31I"} <= {bsai.name, *bsai.isoschizomers}
    assert all(g.name not in g.isoschizomers for g in groups)


def _random_dna(n: int, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice("ACGT") for _ in range(n))


def _context_without(site_groups: list[str], n: int, seed: int) -> str:
    """Random DNA with no site of the named groups (resampled until clean)."""
    pats = [g.pattern for g in enzyme_groups() if g.name in site_groups]
    for s in range(seed, seed + 1000):
        ctx = _random_dna(n, s)
        if not any(p.search(ctx) for p in pats):
            return ctx
    raise AssertionError("could not build a clean context")


def test_planted_unique_site_in_spacer() -> None:
    ecori = next(g for g in enzyme_groups() if g.site == "GAATTC")
    ctx = _context_without([ecori.name], 500, 1)
    one = ctx[:250] + "GAATTC" + ctx[256:]
    assert ecori.name in unique_sites_in(one, 245, 265)
    assert ecori.name not in unique_sites_in(one, 100, 200)  # not in the spacer
    two = one[:50] + "GAATTC" + one[56:]
    assert ecori.name not in unique_sites_in(two, 245, 265)  # twice in the context


def test_degenerate_site_both_strands_and_genome_n() -> None:
    bsai = next(g for g in enzyme_groups() if g.site == "GGTCTC")  # non-palindromic
    ctx = _context_without([bsai.name], 400, 7)
    rev = ctx[:200] + _rc("GGTCTC") + ctx[206:]
    assert bsai.name in unique_sites_in(rev, 195, 215)  # found on the bottom strand
    ccwgg = next(g for g in enzyme_groups() if g.site == "CCWGG")
    base = _context_without([ccwgg.name], 400, 11)
    hit = base[:200] + "CCTGG" + base[205:]
    assert ccwgg.name in unique_sites_in(hit, 195, 215)
    unknown = base[:200] + "CCNGG" + base[205:]  # a genome N does not make a W
    assert ccwgg.name not in unique_sites_in(unknown, 195, 215)


@given(st.integers(min_value=0, max_value=10_000))
def test_unique_sites_do_not_depend_on_the_strand(seed: int) -> None:
    ctx = _random_dna(300, seed)
    a = unique_sites_in(ctx, 140, 160)
    b = unique_sites_in(_rc(ctx), 300 - 160, 300 - 140)
    assert a == b


def test_restriction_changes_one_row_per_site() -> None:
    grp = next(g for g in enzyme_groups() if g.site == "GATC")
    before = _context_without([grp.name], 200, 3)
    before = before[:100] + "GATT" + before[104:]
    after = before[:103] + "C" + before[104:]  # GATT -> GATC at position 103
    rows = restriction_changes(before, after, 1000, (1103,))
    gatc = [r for r in rows if r.site == "GATC"]
    assert len(gatc) == 1 and gatc[0].effect == "created" and gatc[0].unique_in_amplicon
    assert "DpnI" not in (gatc[0].enzyme, *gatc[0].isoschizomers)
    assert gatc[0].as_dict()["isoschizomers"] == list(grp.isoschizomers)
    names = {r.enzyme for r in rows} | {n for r in rows for n in r.isoschizomers}
    assert not names & set(MODIFICATION_DEPENDENT)


def test_unique_site_groups_match_the_names() -> None:
    ctx = _random_dna(500, 5)
    assert [g.name for g in unique_site_groups(ctx, 240, 260)] == unique_sites_in(ctx, 240, 260)

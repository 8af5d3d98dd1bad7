"""Synthesis ORFs from DnaChisel: the same protein comes back on translation, the RVDs sit at
residues 12-13 of every repeat, no BsaI/BsmBI site, no exact repeat over the documented limit
(either strand), homopolymer and GC limits. The optimiser runs on a few arrays only (about 1 s
per TALEN), so the suite stays fast."""

from __future__ import annotations

import pytest
from Bio.Seq import Seq
from hypothesis import given, settings
from hypothesis import strategies as st

from taleforge.assembly.build import AssemblyResult, assemble
from taleforge.assembly.dna import (
    ORF_PARAMS,
    find_sites,
    longest_exact_repeat,
    longest_homopolymer,
    optimise_orf,
)
from taleforge.assembly.protein import rvds_of

LIMIT = int(ORF_PARAMS["max_exact_repeat_bp"])
ALL = ("NI", "HD", "NN", "NG", "NH", "NK")


@pytest.fixture(scope="module")
def pair() -> AssemblyResult:
    left = tuple(ALL[(7 * i) % 6] for i in range(31))  # longest array the kits build
    right = ("HD", "NG", "NI", "NN") * 3
    return assemble(left, right, name="syn", kit=None, fok1="Sharkey-ELD-KKR", tags=["FLAG"])


def test_orfs_translate_to_the_protein_and_carry_the_rvds(pair: AssemblyResult) -> None:
    for c in pair.constructs:
        prot = str(Seq(c.orf).translate())
        assert prot == c.talen.protein + "*"
        assert rvds_of(prot, c.talen.segments) == c.talen.rvds


def test_no_type_iis_sites_and_no_long_repeats(pair: AssemblyResult) -> None:
    for c in pair.constructs:
        assert find_sites(c.orf, ("BsaI", "BsmBI", "Esp3I")) == []
        assert longest_exact_repeat(c.orf) <= LIMIT
        assert c.longest_repeat_bp <= LIMIT
        assert longest_homopolymer(c.orf) <= int(ORF_PARAMS["max_homopolymer_bp"])
        w = int(ORF_PARAMS["gc_window_bp"])
        gc = [sum(ch in "GC" for ch in c.orf[i : i + w]) / w for i in range(len(c.orf) - w + 1)]
        assert min(gc) >= float(ORF_PARAMS["gc_min"]) - 1e-9 and max(gc) <= float(ORF_PARAMS["gc_max"]) + 1e-9


def test_optimiser_is_deterministic() -> None:
    prot = "MA" + "LTPDQVVAIASNIGGKQALETVQRLLPVLCQDHG" * 3
    assert optimise_orf(prot, seed=3).dna == optimise_orf(prot, seed=3).dna


def test_repeat_checker_sees_both_strands() -> None:
    a = "ACGTTGCAAGGCTTAACCGATCGG"
    assert longest_exact_repeat("TTTT" + a + "CCCC" + str(Seq(a).reverse_complement())) >= len(a)
    assert longest_exact_repeat("ACGTTGCA", both_strands=False) == 1


@settings(max_examples=3)
@given(rv=st.lists(st.sampled_from(ALL), min_size=12, max_size=31).map(tuple))
def test_random_arrays_round_trip(rv: tuple[str, ...]) -> None:
    res = assemble(rv, name="p", kit=None, fok1="wt")
    c = res.constructs[0]
    assert str(Seq(c.orf).translate()) == c.talen.protein + "*"
    assert rvds_of(c.talen.protein, c.talen.segments) == rv
    assert not find_sites(c.orf) and c.longest_repeat_bp <= LIMIT

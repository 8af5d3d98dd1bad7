"""Off-target pair assembly: fast (sort + searchsorted) == slow reference; geometry."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from taleforge.engine.pairs import (
    assemble_pairs,
    assemble_pairs_reference,
    codes_at,
    pos0_codes,
    site_codes,
)
from taleforge.engine.scan import HitTable
from taleforge.genome.packed import PackedGenome
from taleforge.model.interval import reverse_complement

COMBOS = [(0, 1), (1, 0), (0, 0), (1, 1)]


def _random_table(rng: np.random.Generator, n: int, span: int, nq: int) -> HitTable:
    return HitTable.from_arrays(
        rng.integers(0, nq, n),
        rng.integers(0, span, n),
        rng.choice(np.array([1, -1]), n),
        rng.integers(0, 5, n),
    )


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(0, 120),
    st.integers(0, 40),
    st.integers(0, 30),
    st.booleans(),
)
def test_fast_equals_reference(seed: int, n: int, smin: int, width: int, mask: bool) -> None:
    rng = np.random.default_rng(seed)
    offsets = np.array([0, 256, 640], dtype=np.int64)
    hits = _random_table(rng, n, 900, 3)
    lengths = [15, 18, 12]
    combos = [*COMBOS, (2, 0), (0, 2)]
    ok = rng.random(len(hits)) < 0.8 if mask else None
    fast = assemble_pairs(hits, lengths, combos, smin, smin + width, offsets, hit_ok=ok)
    ref = assemble_pairs_reference(hits, lengths, combos, smin, smin + width, offsets, hit_ok=ok)
    assert fast.equals(ref)
    for i in range(len(fast)):
        u, d = int(fast.up[i]), int(fast.down[i])
        assert hits.strand[u] == 1 and hits.strand[d] == -1
        qa, qb = combos[int(fast.combo[i])]
        assert hits.query[u] == qa and hits.query[d] == qb
        assert smin <= fast.spacer[i] <= smin + width


def test_contig_boundary_excluded() -> None:
    offsets = np.array([0, 128], dtype=np.int64)
    # up at 100 (L=10, ends 110), down at 130: spacer 20 but on the next contig
    hits = HitTable.from_arrays(np.array([0, 1]), np.array([100, 130]), np.array([1, -1]),
                                np.array([0, 0]))
    assert len(assemble_pairs(hits, [10, 10], COMBOS, 0, 30, offsets)) == 0
    assert len(assemble_pairs(hits, [10, 10], COMBOS, 0, 30, np.array([0]))) == 1


def test_site_and_pos0_codes() -> None:
    seq = "TTGACCAGTTGCAAGGTACCAA"
    pk = PackedGenome.from_sequences({"c": seq, "d": "ACGT"})
    g = np.arange(len(seq), dtype=np.int64)
    assert "".join("ACGTN"[c] for c in codes_at(pk, g)) == seq
    assert codes_at(pk, np.array([-1, len(seq), pk.total_bits]))[0] == 4
    L = 6
    plus = site_codes(pk, np.array([1]), np.array([1], dtype=np.int8), L)
    minus = site_codes(pk, np.array([1]), np.array([-1], dtype=np.int8), L)
    assert "".join("ACGT"[c] for c in plus[0]) == seq[1:7]
    assert "".join("ACGT"[c] for c in minus[0]) == reverse_complement(seq[1:7])
    p0 = pos0_codes(pk, np.array([1, 1]), np.array([1, -1], dtype=np.int8), L)
    assert "ACGT"[p0[0]] == seq[0]
    assert "ACGT"[p0[1]] == reverse_complement(seq[7])


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 120))
def test_unsorted_table_takes_the_lexsort_path(seed: int, n: int) -> None:
    """A table out of (query, gpos, strand) order gives the same pairs as the reference
    (the stable strand sort is only a shortcut for tables in that order)."""
    rng = np.random.default_rng(seed)
    offsets = np.array([0, 256, 640], dtype=np.int64)
    t = _random_table(rng, n, 900, 3)
    p = rng.permutation(len(t))
    hits = HitTable(t.query[p], t.gpos[p], t.strand[p], t.mismatches[p])
    combos = [*COMBOS, (2, 0)]
    fast = assemble_pairs(hits, [15, 18, 12], combos, 5, 30, offsets)
    ref = assemble_pairs_reference(hits, [15, 18, 12], combos, 5, 30, offsets)
    assert fast.equals(ref)

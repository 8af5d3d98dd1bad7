"""ScoredHits' packed-key sort == the (query, gpos, strand) lexsort it replaces."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from taleforge.engine.scored import _sorted_hits


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 400), st.sampled_from([10**4, 2**33, 2**40]),
       st.sampled_from([5, 2**29]))
def test_packed_key_sort_equals_lexsort(seed: int, n: int, span: int, nq: int) -> None:
    rng = np.random.default_rng(seed)
    q = rng.integers(0, nq, n).astype(np.int32)
    g = rng.integers(0, span, n).astype(np.int64)
    s = rng.choice(np.array([-1, 1], np.int8), n)
    key = np.unique(np.stack([q.astype(np.int64), g, s.astype(np.int64)], 1), axis=0,
                    return_index=True)[1]  # (query, gpos, strand) is unique per hit
    q, g, s = q[key], g[key], s[key]
    p = rng.permutation(q.size)
    q, g, s = q[p], g[p], s[p]
    m = rng.integers(0, 9, q.size).astype(np.int8)
    c = rng.random(q.size)
    hits, cost = _sorted_hits(q, g, s, m, c)
    o = np.lexsort((s, g, q))
    assert np.array_equal(hits.query, q[o]) and np.array_equal(hits.gpos, g[o])
    assert np.array_equal(hits.strand, s[o]) and np.array_equal(hits.mismatches, m[o])
    assert np.array_equal(cost, c[o])


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 300), st.integers(0, 40),
       st.sampled_from([(1, 0, 2), (3, 2, 1, 0)]))
def test_first_rows_equals_full_lexsort(seed: int, n: int, k: int, cols: tuple[int, ...]) -> None:
    """The specificity accumulator's top-k (partition, then sort the few) keeps exactly the
    rows a full lexsort would, ties on the primary key included."""
    from taleforge.design.specificity import _first_rows

    rng = np.random.default_rng(seed)
    a = rng.integers(0, 6, size=(n, 4)).astype(np.float64)  # many ties
    full = a[np.lexsort(tuple(a[:, c] for c in cols))[:k]]
    assert np.array_equal(_first_rows(a, cols, k), full)

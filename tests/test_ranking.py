"""The one ranking (design/ranking.py) and rules as objects (model/rules.py)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from taleforge.design.pairs import enumerate_pairs
from taleforge.design.ranking import Ranking, rank, sort_order
from taleforge.design.talen_rules import evaluate_rules, pair_table, talen_filters
from taleforge.model.rules import ColumnRule, Rule, evaluate, passing
from taleforge.model.scaffold import get_scaffold


def test_rank_keys_in_priority_order_and_row_index_breaks_ties() -> None:
    t = {"score": [1.0, 3.0, 3.0, 2.0], "cut": [40, 30, 10, 20], "contig": [0, 0, 0, 0]}
    assert rank(t, ("-score", "cut")) == [2, 1, 3, 0]
    assert rank(t, ("-score",)) == [1, 2, 3, 0]  # equal scores: enumeration order
    assert rank(t, ("-score",), limit=2) == [1, 2]


def test_rank_cut_spacing_and_unique() -> None:
    t = {"score": [5.0, 4.0, 3.0, 2.0], "cut": [100, 103, 110, 100],
         "contig": ["a", "a", "a", "b"], "g": [1, 1, 2, 2]}
    assert rank(t, ("-score",), min_cut_spacing_bp=5) == [0, 2, 3]  # 103 is 3 bp from 100
    assert rank(t, ("-score",), unique=("g",)) == [0, 2]


def test_ranking_keeps_only_what_the_caller_accepts() -> None:
    t = {"q": [3.0, 2.0, 1.0], "cut": [100, 102, 120], "contig": [0, 0, 0]}
    r = Ranking(t, ("-q",), min_cut_spacing_bp=5)
    seen = []
    for i in r.walk():
        seen.append(i)
        if i != 0:  # row 0 rejected by a later check: it blocks nothing
            r.keep(i)
    assert seen == [0, 1, 2] and r.kept == [1, 2]


@given(st.lists(st.tuples(st.integers(-3, 3), st.integers(0, 5)), min_size=1, max_size=40))
def test_sort_order_equals_a_stable_python_sort(rows: list[tuple[int, int]]) -> None:
    t = {"a": np.array([r[0] for r in rows]), "b": np.array([r[1] for r in rows])}
    want = sorted(range(len(rows)), key=lambda i: (-rows[i][0], rows[i][1]))
    assert sort_order(t, ("-a", "b")).tolist() == want


def test_talen_filters_are_rules_and_read_one_table() -> None:
    seq = "T" + "ACGTCAGGCTTAGCAGCTCA" * 12 + "A"
    c = enumerate_pairs(seq, get_scaffold("tale-nt"))
    assert len(c) > 0
    rules = talen_filters(cermak=True)
    assert all(isinstance(r, Rule) for r in rules)
    cols = evaluate(rules, pair_table(c))
    rc = evaluate_rules(c, cermak=True)
    for col in cols:
        assert np.array_equal(col.passed, rc.passed[col.rule])
        assert col.at(0).rule == col.rule
    assert np.array_equal(passing(cols, len(c)), rc.all_pass(len(c)))
    long = ColumnRule("long_left", "score", lambda t: (t["left_len"] > 15, t["left_len"]),
                      "longer left arrays", weight=0.5)
    ev = long.evaluate(pair_table(c))
    assert ev.at(0).score == 0.5 * float(c.left_len[0])

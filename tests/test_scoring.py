"""Binding models: TALE-NT 2.0 numbers (Doyle 2012 Nucleic Acids Res) and positional-model properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taleforge.errors import InputError, SequenceError, UnknownNameError
from taleforge.model.rvd import BASE_TO_RVD, RVD_MATCHES
from taleforge.scoring import get_model, model_names
from taleforge.scoring.base import encode_bases, third_of
from taleforge.scoring.talent import TaleNtModel

EXAMPLE = tuple("NN HD NI NG HD NG NI NG HD HD NN NI NG NI HD NG NN NI".split())
PERFECT = "GCATCTATCCGATACTGA"  # best base of every repeat (NN -> G)


def s_(c: float, tot: float) -> float:
    """TALE-NT: s = -ln(0.9*c/sum + 0.025)."""
    return -math.log(0.9 * c / tot + 0.025)


def test_registry() -> None:
    assert set(model_names()) >= {"positional", "tale-nt"}
    assert get_model().name == "positional"
    with pytest.raises(UnknownNameError) as ei:
        get_model("nope")
    assert "tale-nt" in (ei.value.hint or "")


def test_talent_best_score_example() -> None:
    m = get_model("tale-nt")
    # best per RVD: NN -> G (26 of 57), HD -> C (99 of 107), NI -> A (58 of 64), NG -> T (57 of 70)
    nn, hd, ni, ng = s_(26, 57), s_(99, 107), s_(58, 64), s_(57, 70)
    hand = 3 * nn + 5 * hd + 5 * ni + 5 * ng  # 3 NN, 5 HD, 5 NI, 5 NG
    b = m.best_score(EXAMPLE)
    assert b == pytest.approx(5.52, abs=1e-2)
    assert b == pytest.approx(hand, abs=1e-3)
    assert m.threshold(EXAMPLE) == pytest.approx(3.0 * hand, abs=1e-3)


def test_talent_site_score_hand() -> None:
    m = get_model("tale-nt")
    # last repeat NI facing C (6 of 64) instead of A; repeat 1 NN facing A (21 of 57)
    site = "A" + PERFECT[1:-1] + "C"
    nn, hd, ni, ng = s_(26, 57), s_(99, 107), s_(58, 64), s_(57, 70)
    hand = 3 * nn + 5 * hd + 5 * ni + 5 * ng - nn + s_(21, 57) - ni + s_(6, 64)
    sc = m.score_site(EXAMPLE, site, "T")
    assert sc.score == pytest.approx(hand, abs=1e-3)
    assert sc.score == pytest.approx(7.7548, abs=1e-3)
    assert sc.passes and sc.pos0_ok
    assert sc.mismatches == 1  # NN matches A as well
    # vectorised agrees
    v = m.score_many(EXAMPLE, encode_bases(site)[None, :])
    assert v[0] == pytest.approx(sc.score, abs=1e-12)


def test_talent_filters() -> None:
    m = get_model("tale-nt")
    assert not m.score_site(EXAMPLE, PERFECT, "G").passes  # position 0 is a filter
    assert TaleNtModel().with_pos0("TC").score_site(EXAMPLE, PERFECT, "C").passes
    bad = m.score_site(EXAMPLE, "N" + PERFECT[1:], "T")
    assert not bad.passes and math.isinf(bad.score)
    far = "".join("A" if b != "A" else "C" for b in PERFECT)
    s = m.score_site(EXAMPLE, far, "T")
    assert s.score > 3.0 * m.best_score(EXAMPLE) and not s.passes
    assert TaleNtModel().with_cutoff(4.0).threshold(EXAMPLE) == pytest.approx(
        4.0 * m.best_score(EXAMPLE)
    )


def test_input_errors() -> None:
    m = get_model()
    with pytest.raises(SequenceError):
        m.score_site(EXAMPLE, PERFECT[:-1])
    with pytest.raises(InputError, match="repeat 2"):
        m.score_site(("NN", "XX"), "GA")


def test_positional_perfect_is_best() -> None:
    m = get_model("positional")
    s = m.score_site(EXAMPLE, PERFECT, "T")
    assert s.score == pytest.approx(s.best)
    assert s.passes
    assert m.score_site(EXAMPLE, PERFECT).score == pytest.approx(s.best)
    assert m.score_site(EXAMPLE, PERFECT, "C").score < s.score
    assert not m.score_site(EXAMPLE, PERFECT, "A").pos0_ok


@pytest.mark.parametrize("model", ["positional"])
def test_positional_nterm_mismatch_costs_more(model: str) -> None:
    m = get_model(model)
    rvds = tuple("HD" for _ in range(18))
    perfect = "C" * 18
    early = "A" + "C" * 17
    late = "C" * 17 + "A"
    se = m.score_site(rvds, early, "T").score
    sl = m.score_site(rvds, late, "T").score
    assert se < sl < m.best_score(rvds)
    # all first-third positions cost more than any last-third position
    costs = []
    for i in range(18):
        site = perfect[:i] + "A" + perfect[i + 1 :]
        costs.append(m.score_site(rvds, site, "T").score)
    assert all(costs[i] < costs[i + 1] for i in range(17))
    assert third_of(1, 18) == 1 and third_of(18, 18) == 3 and third_of(7, 18) == 2


def test_positional_comparable_across_lengths() -> None:
    m = get_model()
    for n in (12, 16, 20, 30):
        rvds = tuple("HD" for _ in range(n))
        # per-position mean: only the (softly weighted) position-0 share differs
        assert m.best_score(rvds) == pytest.approx(m.best_score(("HD",) * 16), abs=0.01)
        assert m.best_score(rvds) - m.threshold(rvds) == pytest.approx(0.68)


rvd_st = st.lists(st.sampled_from(sorted(RVD_MATCHES)), min_size=8, max_size=25)


@settings(max_examples=40, deadline=None)
@given(rvd_st, st.data())
def test_score_many_matches_score_site(rvds: list[str], data: st.DataObject) -> None:
    t = tuple(rvds)
    seqs = data.draw(
        st.lists(st.text("ACGTN", min_size=len(t), max_size=len(t)), min_size=1, max_size=5)
    )
    p0 = data.draw(st.lists(st.sampled_from("ACGT"), min_size=len(seqs), max_size=len(seqs)))
    codes = np.vstack([encode_bases(s) for s in seqs])
    p0c = encode_bases("".join(p0))
    for name in ("positional", "tale-nt"):
        m = get_model(name)
        v = m.score_many(t, codes, p0c)
        for i, s in enumerate(seqs):
            sc = m.score_site(t, s, p0[i])
            if name == "tale-nt" and not sc.pos0_ok:
                assert math.isinf(v[i])
            elif math.isinf(sc.score):
                assert math.isinf(v[i])
            else:
                assert v[i] == pytest.approx(sc.score, abs=1e-9)
        assert np.all(v <= m.best_score(t) + 1e-9) if m.higher_is_better else np.all(
            v >= m.best_score(t) - 1e-9
        )


def test_explanation_table() -> None:
    s = get_model().score_site(EXAMPLE, "A" + PERFECT[1:], "T")
    text = s.explanation()
    assert "repeat" in text and "third" in text and "mismatch" in text
    assert s.mismatches_by_third() == (0, 0, 0)  # NN matches A
    s2 = get_model().score_site(tuple(BASE_TO_RVD[b] for b in "ACGTACGT"), "CCGTACGT", "T")
    assert s2.mismatches_by_third() == (1, 0, 0)

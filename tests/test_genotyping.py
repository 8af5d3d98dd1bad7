"""Genotyping primers for knockout designs (design/genotyping.py): Sanger and NGS amplicons
from Primer3, genome-wide uniqueness (3'-terminal 15-mer perfect matches in facing pairs,
isPcr-style) with one engine pass, RFLP enzymes on the amplicon."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taleforge.design.genotyping import (
    GENOTYPING_PARAMS,
    genotyping_for_pairs,
    genotyping_primers,
)
from taleforge.design.pairs import make_pair
from taleforge.genome.index import Genome, genome_from_sequence, open_genome
from taleforge.model.interval import reverse_complement
from taleforge.model.talen import TalenPair
from tests.conftest import shared


def _dna(n: int, rng: random.Random) -> str:
    return "".join(rng.choice("ACGT") for _ in range(n))


def _pair_at(g: Genome, contig: str, cut: int) -> TalenPair:
    s = cut - 27
    seq = g.fetch(contig, s, s + 80)
    return make_pair(seq, 9, 18, 16, 18, contig=contig, offset=s)


def _fasta(tmp_path: Path, name: str, records: dict[str, str]) -> Genome:
    fa = tmp_path / name
    fa.write_text("".join(f">{k}\n{v}\n" for k, v in records.items()))
    return genome_from_sequence(fa)


# ------------------------------------------------------------------ the uniqueness scan


@given(st.integers(0, 10_000))
def test_priming_sites_equal_a_plain_count(seed: int) -> None:
    """The engine pass finds every perfect 3'-15-mer site on both strands, never one over
    an N or across contigs (checked against a plain string count)."""
    from taleforge.design.genotyping import _scan_tails

    rng = random.Random(seed)
    a = _dna(700, rng)
    b = a[100:160] + "N" + _dna(150, rng) + reverse_complement(a[300:340])
    g = genome_from_sequence(f">a\n{a}\n>b\n{b}\n")
    tails = sorted({a[i: i + 15] for i in (0, 100, 110, 145, 305, 320, 685)} | {_dna(15, rng)})
    sites = _scan_tails(g, tails, "reference", None)

    def count(s: str, q: str) -> int:
        return sum(1 for i in range(len(s) - len(q) + 1) if s[i: i + len(q)] == q)

    for t in tails:
        assert sites.fwd[t].size == count(a, t) + count(b, t)
        assert sites.rev[t].size == count(a, reverse_complement(t)) + count(b, reverse_complement(t))


# ------------------------------------------------------------------ primers


def test_builtin_mito_design_gets_unique_sanger_and_ngs_primers() -> None:
    g = open_genome("builtin:hg38-chrM")
    pair = _pair_at(g, "chrM", 10950)  # MT-ND4
    gt = genotyping_primers(g, pair)
    seq = g.fetch("chrM", 0, 16569)
    for amp, (lo, hi), dmin in ((gt.sanger, (400, 800), 150), (gt.ngs, (150, 300), 50)):
        pp = amp.pair
        assert pp is not None
        assert lo <= pp.product_bp <= hi and pp.product_bp == pp.right_end - pp.left_start
        assert seq[pp.left_start: pp.left_start + len(pp.left_seq)] == pp.left_seq
        assert reverse_complement(seq[pp.right_end - len(pp.right_seq): pp.right_end]) == pp.right_seq
        assert amp.cut_distance_bp is not None and min(amp.cut_distance_bp) >= dmin
        assert pp.left_start < pair.site.start and pair.site.end < pp.right_end
        assert amp.unique is True and amp.products == 1 and amp.other_products == ()
        assert amp.forward_3p_sites == 1 and amp.reverse_3p_sites == 1
        amp_seq = seq[pp.left_start: pp.right_end]
        for grp in amp.rflp:  # each RFLP site occurs once in the amplicon, in the spacer
            starts = {m.start() for m in _overlapping(grp.pattern, amp_seq)}
            assert len(starts) == 1
            (s,) = starts
            assert pair.spacer.start <= pp.left_start + s
            assert pp.left_start + s + grp.size <= pair.spacer.end
    d = gt.as_dict()
    assert d["sanger"]["unique"] is True and d["uniqueness_genome"] == "builtin:hg38-chrM"
    assert "unique" in gt.summary()


def _overlapping(pat, text):  # type: ignore[no-untyped-def]
    from taleforge.design.restriction import _overlapping as ov

    return ov(pat, text)


@pytest.mark.parametrize("where", ["other-contig", "same-contig", "inverted"])
def test_planted_duplicate_is_not_unique(tmp_path: Path, where: str) -> None:
    rng = random.Random(11)
    a = _dna(5000, rng)
    dup = a[1500:3500]
    if where == "inverted":
        dup = reverse_complement(dup)
    recs = {"a": a + (_dna(1500, rng) + dup if where == "same-contig" else ""),
            "b": _dna(800, rng) + (dup if where != "same-contig" else "") + _dna(800, rng)}
    g = _fasta(tmp_path, "dup.fa", recs)
    clean = _fasta(tmp_path, "clean.fa", {"a": a, "b": recs["b"] if where == "same-contig"
                                          else _dna(3000, random.Random(5))})
    pair = _pair_at(g, "a", 2500)
    dupd = genotyping_primers(g, pair)
    for amp in (dupd.sanger, dupd.ngs):
        assert amp.pair is not None and amp.unique is False
        assert amp.products is not None and amp.products >= 2
        other = amp.other_products[0]
        assert other.contig == ("a" if where == "same-contig" else "b")
        assert other.end - other.start + 1 == amp.pair.product_bp
        assert "Primer3 pairs gives a single product" in amp.note
    assert not dupd.has_unique and "no genome-unique genotyping primers" in dupd.notes[0]
    ok = genotyping_primers(clean, _pair_at(clean, "a", 2500))
    assert ok.sanger.unique is True and ok.ngs.unique is True and ok.notes == ()


def test_no_room_for_primers_says_so(tmp_path: Path) -> None:
    rng = random.Random(2)
    g = _fasta(tmp_path, "short.fa", {"s": _dna(260, rng)})
    gt = genotyping_primers(g, _pair_at(g, "s", 130))
    assert gt.sanger.pair is None and gt.sanger.unique is None
    assert "Primer3 found no 400-800 bp pair" in gt.sanger.note
    assert "contig end" in gt.sanger.note
    assert "sanger: none" in gt.summary()


def test_batch_equals_one_by_one_and_unchecked_mode(tmp_path: Path) -> None:
    g = open_genome("builtin:hg38-chrM")
    pairs = [_pair_at(g, "chrM", c) for c in (4000, 9000, 14000)]
    batch = genotyping_for_pairs(g, pairs)
    assert [b.as_dict() for b in batch] == [genotyping_primers(g, p).as_dict() for p in pairs]
    unchecked = genotyping_for_pairs(g, pairs[:1], check_uniqueness=False)[0]
    assert unchecked.sanger.unique is None and unchecked.scanned_genome is None
    assert unchecked.sanger.pair == batch[0].sanger.pair or unchecked.sanger.pair is not None
    assert "uniqueness not checked" in unchecked.summary()
    assert GENOTYPING_PARAMS["unique_3p_bp"] == 15


def test_ecoli_tufa_primers_also_amplify_tufb() -> None:
    """E. coli tufA and tufB are near-identical copies: amplicons inside tufA are predicted
    to amplify tufB too, and are reported as not unique with the tufB product."""
    fna = shared("ecoli", "GCF_000005845.2_ASM584v2_genomic.fna.gz")
    gff = shared("ecoli", "GCF_000005845.2_ASM584v2_genomic.gff.gz")
    from taleforge.genome.annotation import load_annotation

    g = open_genome(fna)
    ann = load_annotation(gff, genome=g)
    tufa, tufb = ann.find_gene("tufA"), ann.find_gene("tufB")
    pairs = [_pair_at(g, tufa.contig, c) for c in range(tufa.start + 250, tufa.end - 250, 150)]
    res = genotyping_for_pairs(g, pairs)
    amps = [a for r in res for a in (r.sanger, r.ngs) if a.pair is not None]
    not_unique = [a for a in amps if a.unique is False]
    assert not_unique, "no tufA amplicon was flagged although tufB is a copy"
    for a in not_unique:
        assert any(o.contig == tufb.contig and tufb.start - 1000 <= o.start <= tufb.end + 1000
                   for o in a.other_products)
    for a in amps:
        if a.unique:
            assert a.products == 1


def test_annotate_designs_fills_annotations_and_notes() -> None:
    """The knockout hook: each design gets its genotyping and, over the rCRS 3107 N, the
    note that the real spacer is 1 bp shorter."""
    from dataclasses import dataclass, field
    from typing import Any

    from taleforge.design.genotyping import annotate_designs

    @dataclass
    class D:
        pair: TalenPair
        annotations: dict[str, Any] = field(default_factory=dict)

    g = open_genome("builtin:hg38-chrM")
    over_n = _pair_at(g, "chrM", 3098)
    assert over_n.spacer.start <= 3106 < over_n.spacer.end
    ds = [D(_pair_at(g, "chrM", 10950)), D(over_n)]
    notes = annotate_designs(g, ds, check_uniqueness=False)
    assert ds[0].annotations["genotyping"]["sanger"]["unique"] is None
    assert ds[0].annotations["genotyping_summary"].startswith("sanger: ")
    assert "reference_note" not in ds[0].annotations
    assert "1 bp shorter" in ds[1].annotations["reference_note"]
    assert [n.design for n in notes] == [over_n.pair_id()]
    assert notes[0].severity == "note"


def test_annotate_designs_stops_at_max_designs() -> None:
    """Primers for the first knockout_genotyping.max_designs designs; the rest say so, and
    one note counts them."""
    from dataclasses import dataclass, field
    from typing import Any

    from taleforge.design.genotyping import GENOTYPING_PARAMS, annotate_designs

    @dataclass
    class D:
        pair: TalenPair
        annotations: dict[str, Any] = field(default_factory=dict)

    g = open_genome("builtin:hg38-chrM")
    cap = int(GENOTYPING_PARAMS["max_designs"])
    ds = [D(_pair_at(g, "chrM", 10950 + 7 * i)) for i in range(cap + 2)]
    notes = annotate_designs(g, ds, check_uniqueness=False)
    assert all("genotyping" in d.annotations for d in ds[:cap])
    assert all("genotyping" not in d.annotations for d in ds[cap:])
    assert all(d.annotations["genotyping_summary"].startswith("not designed") for d in ds[cap:])
    assert any(n.details and n.details.get("designed") == cap for n in notes)

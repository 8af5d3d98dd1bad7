"""Blocking mutations: silent changes inside the TALE half-sites so that a repaired allele
is not cut again (position polarity: Juillerat 2014 Nucleic Acids Res), and the binding-model
checks that prove it.

Everything here works on a + strand sequence *window* (``seq``) whose first base is genome
coordinate ``offset`` (0-based). Changes are given in genome coordinates and + strand bases.

A change is *silent* when, in every coding transcript overlapping it, the codon(s) it touches
translate to the same amino acid (checked by translation with the transcript's genetic
code), and it is *splice-neutral*: outside the splice regions of every transcript, and it
neither creates nor destroys a donor-consensus (``GTRAGT``) or acceptor-like
(``Y10 N YAG``) motif nor creates an ``ATG`` in a 5' UTR (start-codon changes are never
synonymous). The protein consequence helper here is private to the donor designers
(``taleforge.design.consequence`` was not available when this was written).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from Bio.Data import CodonTable
from Bio.SeqUtils import seq3

from taleforge.model.dna import complement
from taleforge.model.interval import reverse_complement
from taleforge.model.params import Param, ParamTable, register_table
from taleforge.model.scaffold import Scaffold
from taleforge.model.talen import TalenPair
from taleforge.scoring.base import BindingModel, SiteScore, encode_bases, normalised_margin

BLOCKING_PARAMS = register_table(
    ParamTable(
        name="blocking",
        version="1",
        params=(
            Param("min_blocking", 2, "mutations",
                  ">= 2 silent changes in the half-sites (Juillerat 2014 Nucleic Acids Res)", "K",
                  "minimum blocking mutations per design"),
            Param("max_blocking", 6, "mutations", "placeholder", "U",
                  "give up on a pair when this many silent changes do not block it"),
            Param("prefer_5prime_fraction", 2.0 / 3.0, "fraction of array",
                  "Juillerat 2014 NAR 42:5390 (5' two-thirds least tolerant)", "V",
                  "blocking mutations are preferred in this N-terminal fraction of the array"),
            Param("donor_exon_bp", 3, "bp", "splice-region convention (VEP/Ensembl)", "K",
                  "exonic bases before a splice donor that are never mutated"),
            Param("donor_intron_bp", 8, "bp", "splice-region convention (VEP: +3..+8)", "K",
                  "intronic bases after a splice donor that are never mutated"),
            Param("acceptor_intron_bp", 25, "bp",
                  "polypyrimidine tract + AG (Ensembl splice_polypyrimidine_tract 3-17)", "K",
                  "intronic bases before a splice acceptor that are never mutated"),
            Param("acceptor_exon_bp", 2, "bp", "splice-region convention", "K",
                  "exonic bases after a splice acceptor that are never mutated"),
            Param("kozak_bp", (6, 4), "bp before/after the A of the ATG",
                  "Kozak 1987 (-6..-1 and +4 matter for start-codon recognition)", "K",
                  "bases around the start codon that are never mutated (c.-6..c.-1, c.4)"),
            Param("motif_window_bp", 12, "bp", "placeholder", "U",
                  "window either side of a change searched for new/lost splice motifs"),
        ),
    )
)

_DONOR_RE = re.compile(r"(?=GT[AG]AGT)")
_ACCEPTOR_RE = re.compile(r"(?=[CT]{10}[ACGT][CT]AG)")
_ATG_RE = re.compile(r"(?=ATG)")


# ---------------------------------------------------------------------------------- changes
@dataclass(frozen=True, order=True)
class Change:
    """A substitution at genome position ``pos`` (0-based); bases on the + strand."""

    pos: int
    ref: str
    alt: str
    kind: str = "edit"  # "edit" | "blocking"


def apply_changes(seq: str, offset: int, changes: Iterable[Change]) -> str:
    s = list(seq)
    for c in changes:
        i = c.pos - offset
        if not 0 <= i < len(s):
            raise ValueError("change outside the sequence window")
        s[i] = c.alt
    return "".join(s)


# ---------------------------------------------------------------------- protein consequence
@dataclass(frozen=True)
class ProteinChange:
    """Consequence of a set of changes on one codon of one transcript."""

    transcript: str
    codon: int  # 1-based amino-acid number
    ref_codon: str
    alt_codon: str
    ref_aa: str  # one letter ('*' stop)
    alt_aa: str
    c_notation: str  # e.g. c.20T>A (several changes joined by ';')
    positions: tuple[int, ...]  # genome positions changed in this codon

    @property
    def synonymous(self) -> bool:
        return self.ref_aa == self.alt_aa

    @property
    def hgvs_p(self) -> str:
        r = "Ter" if self.ref_aa == "*" else seq3(self.ref_aa)
        if self.synonymous:
            return f"p.{r}{self.codon}="
        a = "Ter" if self.alt_aa == "*" else seq3(self.alt_aa)
        return f"p.{r}{self.codon}{a}"

    def as_dict(self) -> dict[str, object]:
        return {
            "transcript": self.transcript,
            "codon": self.codon,
            "ref_codon": self.ref_codon,
            "alt_codon": self.alt_codon,
            "hgvs_c": self.c_notation,
            "hgvs_p": self.hgvs_p,
            "synonymous": self.synonymous,
        }


def _translate_codon(codon: str, table: int) -> str:
    t = CodonTable.unambiguous_dna_by_id[table]
    if codon in t.stop_codons:
        return "*"
    return t.forward_table.get(codon, "X")


_comp = complement


def protein_changes(
    seq: str, offset: int, changes: Sequence[Change], transcripts: Sequence[object]
) -> list[ProteinChange]:
    """Codon-level consequences of ``changes`` (applied together to the + strand window
    ``seq``) in every coding transcript; sorted by transcript id then codon. Codons that run
    outside the window are reported with ref/alt amino acid 'X'."""
    from taleforge.genome.annotation import Transcript

    out: list[ProteinChange] = []
    for tx in transcripts:
        if not isinstance(tx, Transcript) or not tx.is_coding:
            continue
        by_codon: dict[int, list[Change]] = {}
        for c in changes:
            off = tx.cds_offset(c.pos)
            if off is None:
                continue
            by_codon.setdefault(off // 3, []).append(c)
        for codon_i, cs in sorted(by_codon.items()):
            changed = {c.pos: c for c in cs}
            ref_codon, alt_codon = [], []
            ok = True
            for j in range(3):
                off = codon_i * 3 + j
                if off >= tx.cds_length:
                    ok = False
                    break
                g = tx.genomic_pos(off)
                i = g - offset
                if not 0 <= i < len(seq):
                    ok = False
                    break
                rb = seq[i].upper()
                ab = changed[g].alt if g in changed else rb
                if tx.strand == "-":
                    rb, ab = _comp(rb), _comp(ab)
                ref_codon.append(rb)
                alt_codon.append(ab)
            rc, ac = "".join(ref_codon), "".join(alt_codon)
            if ok:
                ra, aa = _translate_codon(rc, tx.transl_table), _translate_codon(ac, tx.transl_table)
            else:
                ra = aa = "X"
            cnot = []
            for c in sorted(cs):
                off = tx.cds_offset(c.pos)
                assert off is not None  # filtered above
                r, a = (c.ref, c.alt) if tx.strand == "+" else (_comp(c.ref), _comp(c.alt))
                cnot.append(f"c.{off + 1}{r}>{a}")
            out.append(
                ProteinChange(
                    tx.id, codon_i + 1, rc, ac, ra, aa, ";".join(cnot),
                    tuple(sorted(c.pos for c in cs)),
                )
            )
    return sorted(out, key=lambda p: (p.transcript, p.codon))


def c_position(tx: object, pos: int) -> str | None:
    """HGVS c. coordinate of genome base ``pos`` in a coding transcript ("20", "-12",
    "*5", "315+10", "316-25"); None when outside the transcript or non-coding."""
    from taleforge.genome.annotation import Transcript

    assert isinstance(tx, Transcript)
    if not tx.is_coding or not tx.start <= pos < tx.end:
        return None
    exons = tx.exons_in_order()

    def tx_off(g: int) -> int | None:
        acc = 0
        for e in exons:
            if e.start <= g < e.end:
                return acc + (g - e.start if tx.strand == "+" else e.end - 1 - g)
            acc += len(e)
        return None

    first = tx.cds_start if tx.strand == "+" else (tx.cds_end or 1) - 1
    t0 = tx_off(first if first is not None else 0)
    if t0 is None:
        return None

    def exonic(g: int) -> str:
        t = tx_off(g)
        assert t is not None
        d = t - t0
        if d < 0:
            return str(d)
        if d >= tx.cds_length:
            return f"*{d - tx.cds_length + 1}"
        return str(d + 1)

    if tx_off(pos) is not None:
        return exonic(pos)
    for intr in tx.introns_in_order():
        if intr.start <= pos < intr.end:
            up = intr.start - 1 if tx.strand == "+" else intr.end
            dn = intr.end if tx.strand == "+" else intr.start - 1
            du, dd = abs(pos - up), abs(dn - pos)
            return f"{exonic(up)}+{du}" if du <= dd else f"{exonic(dn)}-{dd}"
    return None


def _kozak_conflict(pos: int, tx: object, params: ParamTable) -> bool:
    from taleforge.genome.annotation import Transcript

    assert isinstance(tx, Transcript)
    c = c_position(tx, pos)
    if c is None or "+" in c or "-" in c[1:] or c.startswith("*"):
        return False
    before, after = params["kozak_bp"]
    v = int(c)
    return -int(before) <= v <= -1 or v == int(after)


def _splice_region_conflict(pos: int, tx: object, params: ParamTable) -> str | None:
    from taleforge.genome.annotation import Transcript

    assert isinstance(tx, Transcript)
    de, di = int(params["donor_exon_bp"]), int(params["donor_intron_bp"])
    ai, ae = int(params["acceptor_intron_bp"]), int(params["acceptor_exon_bp"])
    for intr in tx.introns_in_order():
        if tx.strand == "+":
            donor = (intr.start - de, intr.start + di)
            acceptor = (intr.end - ai, intr.end + ae)
        else:
            donor = (intr.end - di, intr.end + de)
            acceptor = (intr.start - ae, intr.start + ai)
        if donor[0] <= pos < donor[1]:
            return f"in the splice-donor region of {tx.id}"
        if acceptor[0] <= pos < acceptor[1]:
            return f"in the splice-acceptor region of {tx.id}"
    return None


def _motif_counts(window: str) -> tuple[int, int, int]:
    return (
        len(_DONOR_RE.findall(window)),
        len(_ACCEPTOR_RE.findall(window)),
        len(_ATG_RE.findall(window)),
    )


def silence_problems(
    seq: str,
    offset: int,
    changes: Sequence[Change],
    transcripts: Sequence[object],
    *,
    params: ParamTable = BLOCKING_PARAMS,
) -> list[str]:
    """Why a set of changes is not silent and splice-neutral (empty list = silent).

    ``seq`` is the allele the changes are applied to (for a repair: the corrected allele)."""
    from taleforge.genome.annotation import Transcript

    problems: list[str] = []
    for pc in protein_changes(seq, offset, changes, transcripts):
        if not pc.synonymous or pc.ref_aa == "X":
            problems.append(f"{pc.c_notation} {pc.hgvs_p} in {pc.transcript} is not synonymous")
    after = apply_changes(seq, offset, changes)
    w = int(params["motif_window_bp"])
    for tx in transcripts:
        if not isinstance(tx, Transcript):
            continue
        for c in changes:
            if not tx.start <= c.pos < tx.end:
                continue
            why = _splice_region_conflict(c.pos, tx, params)
            if why is None and tx.is_coding and _kozak_conflict(c.pos, tx, params):
                why = f"in the Kozak context of the start codon of {tx.id}"
            if why:
                problems.append(f"change at {c.pos + 1} is {why}")
                continue
            i = c.pos - offset
            lo, hi = max(0, i - w), min(len(seq), i + w + 1)
            b, a = seq[lo:hi].upper(), after[lo:hi].upper()
            if tx.strand == "-":
                b, a = reverse_complement(b), reverse_complement(a)
            cb, ca = _motif_counts(b), _motif_counts(a)
            if cb[0] != ca[0]:
                problems.append(f"change at {c.pos + 1} creates/destroys a splice-donor motif")
            if cb[1] != ca[1]:
                problems.append(f"change at {c.pos + 1} creates/destroys an acceptor-like motif")
            if tx.region(c.pos) == "utr5" and ca[2] > cb[2]:
                problems.append(f"change at {c.pos + 1} creates an ATG in the 5' UTR of {tx.id}")
    return sorted(set(problems))


# ------------------------------------------------------------------------- model scanning
def site_passes(model: BindingModel, score: float, thr: float) -> bool:
    if not np.isfinite(score):
        return False
    return score >= thr if model.higher_is_better else score <= thr


def score_half_sites(
    seq: str, offset: int, pair: TalenPair, model: BindingModel
) -> tuple[SiteScore, SiteScore]:
    """Score the pair's TALEs on ``seq`` at the pair's own footprints."""
    up = seq.upper()
    lb = pair.left.bound
    lseq = up[lb.start - offset : lb.end - offset]
    lp0 = up[pair.left.pos0 - offset]
    rb = pair.right.bound
    rseq = reverse_complement(up[rb.start - offset : rb.end - offset])
    rp0 = _comp(up[pair.right.pos0 - offset])
    return (
        model.score_site(pair.left.rvds, lseq, lp0),
        model.score_site(pair.right.rvds, rseq, rp0),
    )


@dataclass(frozen=True, order=True)
class CleavableSite:
    """A tail-to-tail dimer site found by :func:`cleavable_sites` (genome coordinates)."""

    plus_start: int  # first bound base of the + strand TALE
    minus_end: int  # last bound base (exclusive) of the - strand TALE
    spacer_bp: int
    plus_tale: str  # "left" | "right"
    minus_tale: str


def _passing_starts(
    model: BindingModel, rvds: tuple[str, ...], codes: np.ndarray, pos0_ok: np.ndarray
) -> np.ndarray:
    n, L = codes.size, len(rvds)
    if n < L + 1:
        return np.zeros(0, dtype=np.int64)
    win = np.lib.stride_tricks.sliding_window_view(codes[1:], L)  # bound starts at p+1
    nwin = n - L  # p in 0..n-L-1
    win = win[:nwin]
    s = model.score_many(rvds, np.ascontiguousarray(win))
    thr = model.threshold(rvds)
    ok = np.isfinite(s) & ((s >= thr) if model.higher_is_better else (s <= thr))
    ok &= pos0_ok[:nwin]
    return np.nonzero(ok)[0].astype(np.int64)


def cleavable_sites(
    seq: str, offset: int, pair: TalenPair, model: BindingModel, scaffold: Scaffold
) -> list[CleavableSite]:
    """Every tail-to-tail dimer of the pair's two TALEs (heterodimers in both orientations
    and both homodimers) that the model says binds on both sides, with a spacer in the
    scaffold's range, in the + strand window ``seq``."""
    up = seq.upper()
    n = len(up)
    codes = encode_bases(up)
    rc = reverse_complement(up)
    rcodes = encode_bases(rc)
    p0 = encode_bases(scaffold.pos0_bases)
    ok_f = np.isin(codes, p0)
    ok_r = np.isin(rcodes, p0)
    tales = {"left": pair.left.rvds, "right": pair.right.rvds}
    plus: dict[str, np.ndarray] = {}
    minus: dict[str, np.ndarray] = {}
    for name, rvds in tales.items():
        L = len(rvds)
        fp = _passing_starts(model, rvds, codes, ok_f)
        plus[name] = np.stack([fp + 1, fp + 1 + L], axis=1) if fp.size else np.zeros((0, 2), int)
        rp = _passing_starts(model, rvds, rcodes, ok_r)
        # rc bound [p+1, p+1+L) -> + coords [n-(p+1+L), n-(p+1))
        minus[name] = (
            np.stack([n - (rp + 1 + L), n - (rp + 1)], axis=1) if rp.size else np.zeros((0, 2), int)
        )
    out: list[CleavableSite] = []
    for pn, pa in plus.items():
        for mn, ma in minus.items():
            if pa.size == 0 or ma.size == 0:
                continue
            sp = ma[None, :, 0] - pa[:, None, 1]
            ii, jj = np.nonzero((sp >= scaffold.spacer_min_bp) & (sp <= scaffold.spacer_max_bp))
            for i, j in zip(ii.tolist(), jj.tolist(), strict=True):
                out.append(
                    CleavableSite(
                        int(pa[i, 0]) + offset, int(ma[j, 1]) + offset, int(sp[i, j]), pn, mn
                    )
                )
    return sorted(set(out))


# ------------------------------------------------------------------------ blocking choice
@dataclass(frozen=True)
class BlockingMutation:
    change: Change
    half: str  # "left" | "right"
    repeat: int  # 1-based repeat index from the TALE's N-terminus
    third: int  # 1, 2, 3 (N-terminal .. C-terminal)
    in_preferred_region: bool
    margin_drop: float  # normalised margin lost by this change alone
    consequences: tuple[ProteinChange, ...]
    locations: tuple[str, ...] = ()  # e.g. "c.-12C>G (5' UTR of HBB-201)"
    in_utr: bool = False  # UTR changes are silent but may affect expression: used last

    def as_dict(self) -> dict[str, object]:
        return {
            "position": self.change.pos + 1,
            "ref": self.change.ref,
            "alt": self.change.alt,
            "half_site": self.half,
            "repeat": self.repeat,
            "third": self.third,
            "in_5prime_two_thirds": self.in_preferred_region,
            "in_utr": self.in_utr,
            "margin_drop": round(self.margin_drop, 6),
            "consequences": [c.hgvs_p + " " + c.c_notation + f" ({c.transcript})"
                             for c in self.consequences] + list(self.locations),
        }


@dataclass(frozen=True)
class BlockingResult:
    mutations: tuple[BlockingMutation, ...]
    left_before: SiteScore
    right_before: SiteScore
    left_after: SiteScore
    right_after: SiteScore
    cleavable_before: int
    cleavable_after: int

    @property
    def blocked(self) -> bool:
        return self.cleavable_after == 0 and not (self.left_after.passes and self.right_after.passes)

    def as_dict(self) -> dict[str, object]:
        return {
            "mutations": [m.as_dict() for m in self.mutations],
            "left_before": self.left_before.as_dict(),
            "right_before": self.right_before.as_dict(),
            "left_after": self.left_after.as_dict(),
            "right_after": self.right_after.as_dict(),
            "cleavable_sites_before": self.cleavable_before,
            "cleavable_sites_after": self.cleavable_after,
            "blocked": self.blocked,
        }


def _repeat_of(pair: TalenPair, pos: int) -> tuple[str, int] | None:
    lb, rb = pair.left.bound, pair.right.bound
    if lb.start <= pos < lb.end:
        return "left", pos - lb.start + 1
    if rb.start <= pos < rb.end:
        return "right", rb.end - pos  # right TALE reads the bottom strand 5'->3'
    return None


def blocking_candidates(
    target: str,
    offset: int,
    pair: TalenPair,
    model: BindingModel,
    transcripts: Sequence[object],
    *,
    protected: Iterable[int] = (),
    params: ParamTable = BLOCKING_PARAMS,
) -> list[BlockingMutation]:
    """Every single silent, splice-neutral substitution inside the bound bases of either
    half-site of ``pair`` on the ``target`` allele, sorted best first: preferred region
    (5' two-thirds) first, then largest margin drop, then position and base."""
    from taleforge.genome.annotation import Transcript
    from taleforge.scoring.base import third_of

    prot = set(protected)
    ls, rs = score_half_sites(target, offset, pair, model)
    base_margin = {"left": normalised_margin(model, ls), "right": normalised_margin(model, rs)}
    frac = float(params["prefer_5prime_fraction"])
    out: list[BlockingMutation] = []
    positions = list(range(pair.left.bound.start, pair.left.bound.end)) + list(
        range(pair.right.bound.start, pair.right.bound.end)
    )
    for pos in positions:
        if pos in prot:
            continue
        i = pos - offset
        if not 0 <= i < len(target):
            continue
        ref = target[i].upper()
        where = _repeat_of(pair, pos)
        assert where is not None
        half, repeat = where
        L = pair.left.length if half == "left" else pair.right.length
        for alt in "ACGT":
            if alt == ref:
                continue
            ch = Change(pos, ref, alt, "blocking")
            if silence_problems(target, offset, [ch], transcripts, params=params):
                continue
            mut = apply_changes(target, offset, [ch])
            l2, r2 = score_half_sites(mut, offset, pair, model)
            m2 = normalised_margin(model, l2 if half == "left" else r2)
            cons = tuple(protein_changes(target, offset, [ch], transcripts))
            utr = any(
                isinstance(t, Transcript) and t.is_coding and t.region(pos) in ("utr5", "utr3")
                for t in transcripts
            )
            out.append(
                BlockingMutation(
                    ch, half, repeat, third_of(repeat, L), repeat <= frac * L + 1e-9,
                    base_margin[half] - m2, cons, (), utr,
                )
            )
    out.sort(key=lambda m: (m.in_utr, not m.in_preferred_region, -round(m.margin_drop, 9),
                            m.change.pos, m.change.alt))
    return out


def choose_blocking(
    designed_on: str,
    target: str,
    offset: int,
    pair: TalenPair,
    model: BindingModel,
    scaffold: Scaffold,
    transcripts: Sequence[object],
    *,
    protected: Iterable[int] = (),
    min_blocking: int | None = None,
    max_blocking: int | None = None,
    params: ParamTable = BLOCKING_PARAMS,
) -> BlockingResult | None:
    """Pick silent blocking mutations on ``target`` (the intended allele, e.g. corrected)
    so that the pair, designed on ``designed_on``, no longer cuts: at least one half-site
    fails the model's threshold and no dimer of its TALEs at any spacer of the scaffold
    remains in the window. Returns None when ``max_blocking`` changes cannot do it."""
    nmin = int(params["min_blocking"]) if min_blocking is None else min_blocking
    nmax = int(params["max_blocking"]) if max_blocking is None else max_blocking
    cands = blocking_candidates(
        target, offset, pair, model, transcripts, protected=protected, params=params
    )
    lb, rb = score_half_sites(designed_on, offset, pair, model)
    before = len(cleavable_sites(designed_on, offset, pair, model, scaffold))

    def try_add(chosen: list[BlockingMutation], m: BlockingMutation) -> bool:
        if any(c.change.pos == m.change.pos for c in chosen):
            return False
        changes = [c.change for c in chosen] + [m.change]
        if silence_problems(target, offset, changes, transcripts, params=params):
            return False
        chosen.append(m)
        return True

    def state(chosen: list[BlockingMutation]) -> tuple[SiteScore, SiteScore, str]:
        s = apply_changes(target, offset, [c.change for c in chosen])
        la, ra = score_half_sites(s, offset, pair, model)
        return la, ra, s

    # 1. kill one half-site with as few changes as possible
    plans: list[tuple[int, int, float, int, list[BlockingMutation]]] = []
    for hi, half in enumerate(("left", "right")):
        chosen: list[BlockingMutation] = []
        for m in cands:
            if m.half != half or len(chosen) >= nmax:
                continue
            la, ra, _ = state(chosen)
            if not (la if half == "left" else ra).passes:
                break
            try_add(chosen, m)
        la, ra, _ = state(chosen)
        h = la if half == "left" else ra
        if not h.passes:
            n_utr = sum(1 for m in chosen if m.in_utr)
            plans.append((n_utr, len(chosen), normalised_margin(model, h), hi, chosen))
    la0, ra0, _ = state([])
    if not (la0.passes and ra0.passes):
        plans.append((0, 0, 0.0, -1, []))  # the edit alone already breaks a half-site
    if not plans:
        return None
    plans.sort(key=lambda t: (t[0], t[1], t[2], t[3]))
    chosen = list(plans[0][4])
    killed = "left" if plans[0][3] == 0 else "right" if plans[0][3] == 1 else ""
    # 2. top up to the minimum, preferring the other half-site
    for m in sorted(cands, key=lambda m: (m.in_utr, m.half == killed)):
        if len(chosen) >= nmin:
            break
        try_add(chosen, m)
    # 3. no dimer of these TALEs may remain at any spacer length
    la, ra, s = state(chosen)
    remaining = cleavable_sites(s, offset, pair, model, scaffold)
    for m in cands:
        if not remaining and not (la.passes and ra.passes):
            break
        if len(chosen) >= nmax:
            break
        if try_add(chosen, m):
            la, ra, s = state(chosen)
            remaining = cleavable_sites(s, offset, pair, model, scaffold)
    if remaining or (la.passes and ra.passes) or len(chosen) < nmin:
        return None
    chosen.sort(key=lambda m: m.change.pos)
    # consequences in the context of all changes together
    all_changes = [c.change for c in chosen]
    pcs = protein_changes(target, offset, all_changes, transcripts)
    final = tuple(
        BlockingMutation(
            m.change, m.half, m.repeat, m.third, m.in_preferred_region, m.margin_drop,
            tuple(p for p in pcs if m.change.pos in p.positions),
            noncoding_locations(m.change, transcripts),
            m.in_utr,
        )
        for m in chosen
    )
    return BlockingResult(final, lb, rb, la, ra, before, len(remaining))


_REGION_NAMES = {"utr5": "5' UTR", "utr3": "3' UTR", "intron": "intron", "exon": "exon"}


def noncoding_locations(ch: Change, transcripts: Sequence[object]) -> tuple[str, ...]:
    """Descriptions of a change outside the CDS of each overlapping coding transcript."""
    from taleforge.genome.annotation import Transcript

    out = []
    for tx in transcripts:
        if not isinstance(tx, Transcript) or not tx.is_coding:
            continue
        reg = tx.region(ch.pos)
        if reg not in _REGION_NAMES:
            continue
        c = c_position(tx, ch.pos)
        r, a = (ch.ref, ch.alt) if tx.strand == "+" else (_comp(ch.ref), _comp(ch.alt))
        out.append(f"c.{c}{r}>{a} ({_REGION_NAMES[reg]} of {tx.id})")
    return tuple(sorted(out))


def summarize_scores(r: BlockingResult) -> Mapping[str, float]:
    return {
        "left_before": r.left_before.score,
        "left_after": r.left_after.score,
        "right_before": r.right_before.score,
        "right_after": r.right_after.score,
    }

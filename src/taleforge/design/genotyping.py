"""Genotyping primers for knockout designs: a Sanger amplicon for trace decomposition and an
NGS (amplicon-seq) option, each checked for genome-wide uniqueness with the engine, plus the
usable RFLP enzymes that cut the amplicon once, in the spacer.

``genotyping_primers(genome, design_or_pair)`` does one design;
``genotyping_for_pairs(genome, pairs)`` does many with **one** engine pass over the genome
(every candidate primer of every design in one batch), which is what the knockout uses.
Split in two (``prepare_genotyping`` = Primer3, ``GenotypingPrep.finish(sites)`` = judging),
a campaign pools the 15-mer tails of many knockout targets into one ``scan_primer_tails``
pass per scanned genome; the results are the same as each target's own pass.

Amplicons (table ``knockout_genotyping``)
    * **Sanger** (TIDE, Brinkman et al. 2014 Nucleic Acids Res 42:e168; ICE, Conant et al.
      2022 CRISPR J 5:123): 400-800 bp, the cut at least 150 bp from either primer's 3' end,
      so the decomposition window upstream of the break and the aberrant trace downstream
      both fit in one read.
    * **NGS** (amplicon-seq, e.g. CRISPResso2, Clement et al. 2019 Nat Biotechnol 37:224):
      at most 300 bp, so 2 x 150 bp reads cover the amplicon; the cut at least 50 bp from
      either primer (placeholder [U]: indels up to ~50 bp keep both primer sites).
    Both amplicons contain the whole TALEN site. Primer3 (primer3-py) designs them with the
    Tm/size settings of ``genotyping_primers`` and ``PRIMER_LOWERCASE_MASKING`` (no primer
    whose 3' end lies in soft-masked repeat sequence).

What "unique" means
    Following UCSC In-Silico PCR (isPcr, W.J. Kent; defaults ``minPerfect=15``,
    ``maxSize=4000``): a primer can prime wherever its **3'-terminal 15 bases** match the
    genome perfectly, on either strand (the 5' part is not required to match: this counts
    more priming sites than isPcr, never fewer). Any two such sites in facing orientation
    on one contig within 4,000 bp make a predicted product, whichever primers of the pair
    they belong to (forward-forward and reverse-reverse included). A pair is **unique** when
    the genome gives exactly one predicted product: the intended amplicon. The scan is the
    engine's exhaustive mismatch-mode half-site scan (``scan_halfsites``) with 0 mismatches
    on both strands, the 15-mers written as single-base RVDs (A=NI, C=HD, G=NH, T=NG).
    Up to ``n_candidates`` Primer3 pairs per amplicon are checked; the best-penalty unique
    pair is reported, else the best pair is reported with ``unique: false`` and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from taleforge.design.primers import PRIMER_PARAMS, PrimerPair
from taleforge.design.restriction import EnzymeGroup, EnzymeSet, unique_site_groups
from taleforge.model.params import Param, ParamTable, register_table
from taleforge.progress import ProgressCallback, report

if TYPE_CHECKING:
    from taleforge.genome.index import Genome
    from taleforge.model.talen import TalenPair

Purpose = Literal["sanger", "ngs"]

GENOTYPING_PARAMS = register_table(
    ParamTable(
        name="knockout_genotyping",
        version="2",
        params=(
            Param("sanger_product_min", 400, "bp",
                  "ICE (Conant et al. 2022 CRISPR J) / Synthego guidance: 400-800 bp amplicon",
                  "V"),
            Param("sanger_product_max", 800, "bp", "ICE (Conant 2022); TIDE (Brinkman 2014 "
                  "NAR): one ~700-bp Sanger read spans the decomposition window and the break",
                  "V"),
            Param("sanger_cut_distance_bp", 150, "bp", "ICE (Conant 2022): cut >= 150 bp from "
                  "either primer; TIDE (Brinkman 2014) needs >= 100 bp of clean trace before "
                  "the break", "V", "minimum distance of the cut from either primer's 3' end"),
            Param("ngs_product_min", 150, "bp", "amplicon-seq practice (CRISPResso2, Clement "
                  "2019 Nat Biotechnol)", "U"),
            Param("ngs_product_max", 300, "bp", "2 x 150 bp Illumina reads cover a <= 300 bp "
                  "amplicon (CRISPResso2, Clement 2019)", "V"),
            Param("ngs_cut_distance_bp", 50, "bp", "placeholder: indels up to ~50 bp keep "
                  "both primer sites", "U"),
            Param("n_candidates", 5, "primer pairs", "design choice (more = slower scan)", "U",
                  "Primer3 pairs checked per amplicon; the best unique one is reported"),
            Param("unique_3p_bp", 15, "nt", "UCSC In-Silico PCR (isPcr, Kent) minPerfect=15",
                  "V", "3'-terminal primer bases that must match perfectly to prime"),
            Param("unique_max_product_bp", 4000, "bp", "UCSC In-Silico PCR (isPcr) "
                  "maxSize=4000", "V",
                  "facing priming sites closer than this make a predicted product"),
            Param("max_designs", 25, "designs", "design choice (cost: Primer3 + one scan per "
                  "run)", "U", "genotyping primers are designed for the first this many "
                  "ranked designs; the rest say so (ask for them with a smaller --top or "
                  "by running the job on that design's region)"),
        ),
    )
)

_RVD = {"A": "NI", "C": "HD", "G": "NH", "T": "NG"}
_KEY_SHIFT = 40  # product search key: contig index << 40 | local position


@dataclass(frozen=True)
class OtherProduct:
    """A predicted product other than the intended amplicon (1-based inclusive)."""

    contig: str
    start: int
    end: int
    primers: str  # e.g. "forward+reverse", "reverse+reverse"

    def as_dict(self) -> dict[str, Any]:
        return {"contig": self.contig, "start": self.start, "end": self.end,
                "size_bp": self.end - self.start + 1, "primers": self.primers}


@dataclass(frozen=True)
class Amplicon:
    """The genotyping amplicon of one purpose for one design."""

    purpose: Purpose
    pair: PrimerPair | None
    unique: bool | None  # None: uniqueness not checked
    products: int | None  # predicted genome products (1 = only the intended one)
    forward_3p_sites: int | None  # genome sites of the forward primer's 3' 15-mer
    reverse_3p_sites: int | None
    cut_distance_bp: tuple[int, int] | None  # cut to the forward / reverse primer 3' end
    other_products: tuple[OtherProduct, ...] = ()
    rflp: tuple[EnzymeGroup, ...] = ()
    candidates_checked: int = 0  # Primer3 pairs checked before this one was chosen
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "purpose": self.purpose,
            "primers": self.pair.as_dict() if self.pair else None,
            "unique": self.unique,
            "predicted_products": self.products,
            "forward_3p_sites": self.forward_3p_sites,
            "reverse_3p_sites": self.reverse_3p_sites,
            "cut_to_primers_bp": list(self.cut_distance_bp) if self.cut_distance_bp else None,
            "other_products": [p.as_dict() for p in self.other_products],
            "rflp_enzymes": [g.as_dict() for g in self.rflp],
            "candidates_checked": self.candidates_checked,
            "note": self.note or None,
        }

    def summary(self) -> str:
        """One TSV cell: ``FWD/REV 512bp unique`` or the reason there is none."""
        if self.pair is None:
            return f"{self.purpose}: none ({self.note})"
        u = {True: "unique", False: "NOT unique", None: "uniqueness not checked"}[self.unique]
        enz = f" RFLP {','.join(g.name for g in self.rflp[:3])}" if self.rflp else ""
        return (f"{self.purpose}: {self.pair.left_seq}/{self.pair.right_seq} "
                f"{self.pair.product_bp}bp {u}{enz}")


@dataclass(frozen=True)
class Genotyping:
    """Genotyping of one design: the Sanger and NGS amplicons."""

    design: str  # pair id
    sanger: Amplicon
    ngs: Amplicon
    scanned_genome: str | None = None  # genome name the uniqueness was checked against
    notes: tuple[str, ...] = field(default=())

    @property
    def has_unique(self) -> bool:
        return bool(self.sanger.unique or self.ngs.unique)

    def as_dict(self) -> dict[str, Any]:
        return {
            "design": self.design,
            "sanger": self.sanger.as_dict(),
            "ngs": self.ngs.as_dict(),
            "uniqueness_genome": self.scanned_genome,
            "notes": list(self.notes),
        }

    def summary(self) -> str:
        return "; ".join((self.sanger.summary(), self.ngs.summary()))


# --------------------------------------------------------------------------- Primer3


def _candidates(
    genome: Genome, pair: TalenPair, purpose: Purpose, gp: ParamTable, pp: ParamTable
) -> tuple[list[PrimerPair], str]:
    """Primer3 pairs (best penalty first) for one amplicon, or [] and Primer3's reason."""
    import primer3

    pmin = int(gp[f"{purpose}_product_min"])
    pmax = int(gp[f"{purpose}_product_max"])
    dist = int(gp[f"{purpose}_cut_distance_bp"])
    cut = pair.cut
    glen = genome.contig_length(pair.contig)
    lo = max(0, cut - pmax - 30)
    hi = min(glen, cut + pmax + 30)
    seq = genome.fetch(pair.contig, lo, hi, soft=True)
    t0 = max(0, min(pair.site.start, cut - dist) - lo)
    t1 = min(hi - lo, max(pair.site.end, cut + dist) - lo)
    glob: dict[str, Any] = {
        "PRIMER_OPT_SIZE": int(pp["size_opt"]),
        "PRIMER_MIN_SIZE": int(pp["size_min"]),
        "PRIMER_MAX_SIZE": int(pp["size_max"]),
        "PRIMER_OPT_TM": float(pp["tm_opt"]),
        "PRIMER_MIN_TM": float(pp["tm_min"]),
        "PRIMER_MAX_TM": float(pp["tm_max"]),
        "PRIMER_PRODUCT_SIZE_RANGE": [[pmin, pmax]],
        "PRIMER_NUM_RETURN": int(gp["n_candidates"]),
        "PRIMER_LOWERCASE_MASKING": 1,
        "PRIMER_EXPLAIN_FLAG": 1,
    }
    args: dict[str, Any] = {"SEQUENCE_ID": purpose, "SEQUENCE_TEMPLATE": seq,
                            "SEQUENCE_TARGET": [t0, t1 - t0]}
    short = ("; the contig end is too close" if lo == 0 or hi == glen else "")
    if hi - lo < pmin:
        return [], (f"Primer3 found no {pmin}-{pmax} bp pair: only {hi - lo} bp of sequence "
                    f"around the cut{short}")
    try:
        res = primer3.bindings.design_primers(args, glob)
    except OSError as exc:  # Primer3 refuses the task itself (e.g. the target too wide)
        return [], f"Primer3 found no {pmin}-{pmax} bp pair ({exc}){short}"
    k = int(res.get("PRIMER_PAIR_NUM_RETURNED", 0))
    out = []
    for i in range(k):
        ls, _ = res[f"PRIMER_LEFT_{i}"]
        rs, _ = res[f"PRIMER_RIGHT_{i}"]
        out.append(PrimerPair(
            str(res[f"PRIMER_LEFT_{i}_SEQUENCE"]).upper(),
            str(res[f"PRIMER_RIGHT_{i}_SEQUENCE"]).upper(),
            lo + int(ls), lo + int(rs) + 1,
            float(res[f"PRIMER_LEFT_{i}_TM"]), float(res[f"PRIMER_RIGHT_{i}_TM"]),
            int(res[f"PRIMER_PAIR_{i}_PRODUCT_SIZE"]), float(res[f"PRIMER_PAIR_{i}_PENALTY"]),
        ))
    why = "" if out else (
        f"Primer3 found no {pmin}-{pmax} bp pair with the cut >= {dist} bp from both primers"
        + (f" ({res.get('PRIMER_PAIR_EXPLAIN')})" if res.get("PRIMER_PAIR_EXPLAIN") else "")
        + short
    )
    return out, why


# --------------------------------------------------------------------------- uniqueness


def _tail(primer: str, n: int) -> str:
    return primer[-n:]


def _revcomp(s: str) -> str:
    return s.translate(str.maketrans("ACGT", "TGCA"))[::-1]


@dataclass
class _Sites:
    """Priming sites of each 15-mer: F = extends rightwards (3' end at key+n-1),
    R = extends leftwards (3' end at key); keys = contig index << 40 | local start."""

    fwd: dict[str, NDArray[np.int64]]
    rev: dict[str, NDArray[np.int64]]


def _scan_tails(
    genome: Genome, tails: Sequence[str], backend: str, progress: ProgressCallback | None
) -> _Sites:
    packed = genome.packed
    empty = np.zeros(0, np.int64)
    if not tails:
        return _Sites({}, {})
    from taleforge.engine.scan import scan_halfsites

    report(progress, "genotyping primer uniqueness", 0, 1)
    queries = [tuple(_RVD[b] for b in t) for t in tails]
    hits = scan_halfsites(packed, queries, 0, strands="both",
                          backend=backend)  # type: ignore[arg-type]
    report(progress, "genotyping primer uniqueness", 1, 1)
    offsets = np.asarray(packed.offsets, dtype=np.int64)
    ci = np.searchsorted(offsets, hits.gpos, side="right") - 1
    keys = (ci.astype(np.int64) << _KEY_SHIFT) | (hits.gpos - offsets[ci])
    fwd: dict[str, NDArray[np.int64]] = {}
    rev: dict[str, NDArray[np.int64]] = {}
    for qi, t in enumerate(tails):
        sel = hits.query == qi
        fwd[t] = np.sort(keys[sel & (hits.strand == 1)]) if sel.any() else empty
        rev[t] = np.sort(keys[sel & (hits.strand == -1)]) if sel.any() else empty
    return _Sites(fwd, rev)


def _products(
    pp: PrimerPair, sites: _Sites, n: int, max_bp: int
) -> list[tuple[int, int, str]]:
    """Predicted products ``(key of 5' end, key of 3' end exclusive, primers)`` of the pair's
    two primers in every facing combination (see the module docstring)."""
    prim = {"forward": pp.left_seq, "reverse": pp.right_seq}
    out: list[tuple[int, int, str]] = []
    for a_name, a_seq in prim.items():
        fa = sites.fwd.get(_tail(a_seq, n), np.zeros(0, np.int64))
        if not fa.size:
            continue
        for b_name, b_seq in prim.items():
            rb = sites.rev.get(_tail(b_seq, n), np.zeros(0, np.int64))
            if not rb.size:
                continue
            la, lb = len(a_seq), len(b_seq)
            # product [f + n - la, r + lb) with r >= f + n (facing, not overlapping);
            # length r + lb - f - n + la <= max_bp
            lo = np.searchsorted(rb, fa + n, side="left")
            hi = np.searchsorted(rb, fa + (max_bp - lb + n - la), side="right")
            for i in np.flatnonzero(hi > lo):
                f = int(fa[i])
                for r in rb[lo[i]:hi[i]]:
                    out.append((f + n - la, int(r) + lb, f"{a_name}+{b_name}"))
                    if len(out) > 10_000:  # a repeat: enough to say "not unique"
                        return out
    return out


def _key_to_pos(genome: Genome, key: int) -> tuple[str, int]:
    return genome.contig_names[key >> _KEY_SHIFT], key & ((1 << _KEY_SHIFT) - 1)


def _judge(
    genome: Genome, contig: str, pp: PrimerPair, sites: _Sites, gp: ParamTable, same_genome: bool
) -> tuple[bool, int, int, int, tuple[OtherProduct, ...]]:
    n = int(gp["unique_3p_bp"])
    prods = sorted(set(_products(pp, sites, n, int(gp["unique_max_product_bp"]))))
    ci = genome.contig_names.index(contig) if same_genome else -1
    intended = ((ci << _KEY_SHIFT) | pp.left_start, (ci << _KEY_SHIFT) | pp.right_end)
    others = [p for p in prods if (p[0], p[1]) != intended] if same_genome else prods[1:]
    ok = (len(prods) == 1 and (not same_genome or (prods[0][0], prods[0][1]) == intended))
    shown = []
    for s, e, who in others[:3]:
        c, ls = _key_to_pos(genome, s)
        _, le = _key_to_pos(genome, e)
        shown.append(OtherProduct(c, ls + 1, le, who))
    nf = int(sites.fwd.get(_tail(pp.left_seq, n), np.zeros(0)).size
             + sites.rev.get(_tail(pp.left_seq, n), np.zeros(0)).size)
    nr = int(sites.fwd.get(_tail(pp.right_seq, n), np.zeros(0)).size
             + sites.rev.get(_tail(pp.right_seq, n), np.zeros(0)).size)
    return ok, len(prods), nf, nr, tuple(shown)


# --------------------------------------------------------------------------- API


def _pair_of(x: Any) -> TalenPair:
    pair: TalenPair = x.pair if hasattr(x, "pair") else x
    return pair


def genotyping_for_pairs(
    genome: Genome,
    designs: Sequence[Any],
    *,
    scan_genome: Genome | None = None,
    check_uniqueness: bool = True,
    enzymes: EnzymeSet = "commercial",
    params: ParamTable = GENOTYPING_PARAMS,
    primer_params: ParamTable = PRIMER_PARAMS,
    backend: str = "auto",
    progress: ProgressCallback | None = None,
) -> list[Genotyping]:
    """Genotyping for each design (a :class:`TalenPair` or anything with ``.pair``), in
    order. Primers come from ``genome``; their uniqueness is checked against
    ``scan_genome`` (default ``genome``) in one engine pass for all designs. With
    ``check_uniqueness=False`` the best Primer3 pair is reported, ``unique: null``.
    The same as :func:`prepare_genotyping` then :meth:`GenotypingPrep.finish`."""
    prep = prepare_genotyping(genome, designs, scan_genome=scan_genome,
                              check_uniqueness=check_uniqueness, enzymes=enzymes,
                              params=params, primer_params=primer_params, progress=progress)
    return prep.finish(None, backend=backend, progress=progress)


@dataclass(frozen=True)
class PrimerSites:
    """Genome priming sites of a set of 3'-terminal 15-mers (:func:`scan_primer_tails`) on
    one genome: what judges the uniqueness of any primer pair whose tails are among them
    (the sites of a tail do not depend on the other tails scanned with it)."""

    genome_key: tuple[Any, ...]  # (name, sha256, tail length) of the scanned genome
    tails: frozenset[str]
    sites: _Sites

    def subset(self, tails: Sequence[str]) -> PrimerSites:
        """The sites of ``tails`` only (all scanned here)."""
        keep = frozenset(tails)
        if not keep <= self.tails:
            raise ValueError("PrimerSites.subset asked for tails that were not scanned")
        return PrimerSites(self.genome_key, keep, _Sites(
            {t: v for t, v in self.sites.fwd.items() if t in keep},
            {t: v for t, v in self.sites.rev.items() if t in keep}))


def scan_key(scan_genome: Genome, params: ParamTable = GENOTYPING_PARAMS) -> tuple[Any, ...]:
    """Which primer scans can be pooled: the scanned genome's identity and the tail length."""
    return (getattr(scan_genome, "name", None), getattr(scan_genome, "checksum", None),
            int(params["unique_3p_bp"]))


def scan_primer_tails(
    scan_genome: Genome, tails: Sequence[str], *, backend: str = "auto",
    params: ParamTable = GENOTYPING_PARAMS, progress: ProgressCallback | None = None,
) -> PrimerSites:
    """One engine pass for the priming sites of ``tails`` (the union of several jobs'
    :attr:`GenotypingPrep.tails` on the same :func:`scan_key`)."""
    uniq = sorted(set(tails))
    return PrimerSites(scan_key(scan_genome, params), frozenset(uniq),
                       _scan_tails(scan_genome, uniq, backend, progress))


@dataclass
class GenotypingPrep:
    """Genotyping of some designs between Primer3 and the uniqueness scan
    (:func:`prepare_genotyping`): the candidate pairs, and the 15-mer ``tails`` whose
    genome sites judge them; :meth:`finish` judges them with those sites (scanned here, or
    pooled with other jobs' tails by :func:`scan_primer_tails`)."""

    genome: Genome
    pairs: list[TalenPair]
    cands: list[dict[Purpose, tuple[list[PrimerPair], str]]]
    scan_genome: Genome
    same: bool
    check_uniqueness: bool
    enzymes: EnzymeSet
    params: ParamTable
    tails: tuple[str, ...]  # sorted, unique; empty without a uniqueness check

    @property
    def scan_key(self) -> tuple[Any, ...]:
        return scan_key(self.scan_genome, self.params)

    def finish(self, sites: PrimerSites | None = None, *, backend: str = "auto",
               progress: ProgressCallback | None = None) -> list[Genotyping]:
        """The genotyping of each design, with ``sites`` (of the same genome, for a superset
        of ``tails``) or, without them, one engine pass of its own."""
        purposes: tuple[Purpose, Purpose] = ("sanger", "ngs")
        found = _Sites({}, {})
        if self.check_uniqueness:
            if sites is None:
                found = _scan_tails(self.scan_genome, list(self.tails), backend, progress)
            else:
                if sites.genome_key != self.scan_key or not sites.tails.issuperset(self.tails):
                    raise ValueError("primer sites of another genome or missing tails "
                                     "passed to GenotypingPrep.finish")
                found = sites.sites
        params, sg, check = self.params, self.scan_genome, self.check_uniqueness
        out = []
        for pr, c in zip(self.pairs, self.cands, strict=True):
            amps = {pu: _choose(self.genome, sg, pr, pu, *c[pu], found, params, check,
                                self.same, self.enzymes) for pu in purposes}
            notes = []
            if check and not (amps["sanger"].unique or amps["ngs"].unique):
                notes.append("no genome-unique genotyping primers: check the products listed "
                             "before ordering, or design primers by hand")
            out.append(Genotyping(pr.pair_id(), amps["sanger"], amps["ngs"],
                                  getattr(sg, "name", None) if check else None,
                                  tuple(notes)))
        return out


def prepare_genotyping(
    genome: Genome,
    designs: Sequence[Any],
    *,
    scan_genome: Genome | None = None,
    check_uniqueness: bool = True,
    enzymes: EnzymeSet = "commercial",
    params: ParamTable = GENOTYPING_PARAMS,
    primer_params: ParamTable = PRIMER_PARAMS,
    progress: ProgressCallback | None = None,
) -> GenotypingPrep:
    """The Primer3 step of :func:`genotyping_for_pairs` (no engine pass)."""
    pairs = [_pair_of(d) for d in designs]
    purposes: tuple[Purpose, Purpose] = ("sanger", "ngs")
    cands: list[dict[Purpose, tuple[list[PrimerPair], str]]] = []
    for i, pr in enumerate(pairs):
        cands.append({pu: _candidates(genome, pr, pu, params, primer_params) for pu in purposes})
        report(progress, "genotyping primers", i + 1, len(pairs))
    sg = scan_genome if scan_genome is not None else genome
    same = scan_genome is None or scan_genome is genome
    n = int(params["unique_3p_bp"])
    tails: tuple[str, ...] = ()
    if check_uniqueness:
        tails = tuple(sorted({_tail(s, n) for c in cands for lst, _ in c.values() for pp in lst
                              for s in (pp.left_seq, pp.right_seq)}))
    return GenotypingPrep(genome, pairs, cands, sg, same, check_uniqueness, enzymes, params,
                          tails)


def _choose(
    genome: Genome, sg: Genome, pr: TalenPair, purpose: Purpose, lst: list[PrimerPair],
    why: str, sites: _Sites, gp: ParamTable, check: bool, same: bool, enzymes: EnzymeSet,
) -> Amplicon:
    if not lst:
        return Amplicon(purpose, None, None, None, None, None, None, note=why)
    best: tuple[PrimerPair, bool | None, int | None, int | None, int | None,
                tuple[OtherProduct, ...]] | None = None
    checked = 0
    for pp in lst:
        if not check:
            best = (pp, None, None, None, None, ())
            break
        checked += 1
        judged = _judge(sg, pr.contig, pp, sites, gp, same)
        if best is None or (judged[0] and not best[1]):
            best = (pp, *judged)
        if judged[0]:
            break
    assert best is not None
    pp, ok, nprod, nf, nr, others = best
    note = ""
    if check and not ok:
        note = (f"none of the {len(lst)} Primer3 pairs gives a single product: the best one "
                f"predicts {nprod} products (3'-terminal {int(gp['unique_3p_bp'])} nt perfect "
                f"match, <= {int(gp['unique_max_product_bp'])} bp)")
    amp_seq = genome.fetch(pr.contig, pp.left_start, pp.right_end)
    rflp = tuple(unique_site_groups(amp_seq, pr.spacer.start - pp.left_start,
                                    pr.spacer.end - pp.left_start, enzymes=enzymes))
    cut = pr.cut
    dist = (cut - (pp.left_start + len(pp.left_seq)), (pp.right_end - len(pp.right_seq)) - cut)
    return Amplicon(purpose, pp, ok, nprod, nf, nr, dist, others, rflp,
                    checked, note)


def genotyping_primers(
    genome: Genome,
    design_or_pair: Any,
    *,
    scan_genome: Genome | None = None,
    check_uniqueness: bool = True,
    enzymes: EnzymeSet = "commercial",
    params: ParamTable = GENOTYPING_PARAMS,
    primer_params: ParamTable = PRIMER_PARAMS,
    backend: str = "auto",
) -> Genotyping:
    """Genotyping of one knockout design or TALEN pair (see the module docstring)."""
    return genotyping_for_pairs(
        genome, [design_or_pair], scan_genome=scan_genome, check_uniqueness=check_uniqueness,
        enzymes=enzymes, params=params, primer_params=primer_params, backend=backend,
    )[0]


def annotate_designs(
    genome: Genome,
    designs: Sequence[Any],
    *,
    scan_genome: Genome | None = None,
    check_uniqueness: bool = True,
    backend: str = "auto",
    progress: ProgressCallback | None = None,
) -> list[Any]:
    """The knockout hook: genotyping for every design (one engine pass), stored in each
    design's ``annotations`` as ``genotyping`` (JSON-ready) and ``genotyping_summary`` (one
    TSV cell), plus ``reference_note`` where the spacer spans a placeholder N (rCRS 3107).
    Returns the run's notes (:class:`~taleforge.design.result.DesignWarning`, severity
    "note": designs without genome-unique primers, placeholder spacers). The same as
    :func:`prepare_annotation` then :meth:`DesignGenotyping.annotate`."""
    job = prepare_annotation(genome, designs, scan_genome=scan_genome,
                             check_uniqueness=check_uniqueness, progress=progress)
    return job.annotate(None, backend=backend, progress=progress)


@dataclass
class DesignGenotyping:
    """:func:`annotate_designs` between Primer3 and the uniqueness scan: ``prep`` is the
    genotyping of the first ``max_designs`` designs (None: no designs)."""

    genome: Genome
    designs: list[Any]
    check_uniqueness: bool
    prep: GenotypingPrep | None

    @property
    def tails(self) -> tuple[str, ...]:
        return self.prep.tails if self.prep is not None else ()

    @property
    def scan_key(self) -> tuple[Any, ...] | None:
        return self.prep.scan_key if self.prep is not None else None

    def annotate(self, sites: PrimerSites | None = None, *, backend: str = "auto",
                 progress: ProgressCallback | None = None) -> list[Any]:
        """Fill the designs' annotations (see :func:`annotate_designs`), judging the primers
        with ``sites`` (see :meth:`GenotypingPrep.finish`) or one engine pass of its own."""
        from taleforge.design.result import DesignWarning
        from taleforge.genome.aliases import placeholder_spacer_note

        notes: list[Any] = []
        designs = self.designs
        if self.prep is None:
            return notes
        cap = int(GENOTYPING_PARAMS["max_designs"])
        if len(designs) > cap:
            for d in designs[cap:]:
                d.annotations["genotyping_summary"] = f"not designed (beyond the first {cap})"
            notes.append(DesignWarning(
                "note", f"genotyping primers designed for the first {cap} of {len(designs)} "
                "designs (knockout_genotyping.max_designs)", "note", None,
                {"designed": cap, "designs": len(designs)}))
            designs = designs[:cap]
        check_uniqueness = self.check_uniqueness
        gts = self.prep.finish(sites, backend=backend, progress=progress)
        for d, gt in zip(designs, gts, strict=True):
            d.annotations["genotyping"] = gt.as_dict()
            d.annotations["genotyping_summary"] = gt.summary()
            pid = gt.design
            if check_uniqueness and not gt.has_unique:
                notes.append(DesignWarning(
                    "note", f"design {pid}: no genome-unique genotyping primers (Sanger: "
                    f"{gt.sanger.products} predicted products, NGS: {gt.ngs.products}); check "
                    "the products listed before ordering", "note", pid,
                    {"sanger_products": gt.sanger.products, "ngs_products": gt.ngs.products}))
            ref = placeholder_spacer_note(self.genome, _pair_of(d))
            if ref is not None:
                d.annotations["reference_note"] = ref
                notes.append(DesignWarning("note", f"design {pid}: {ref}", "note", pid))
        return notes


def prepare_annotation(
    genome: Genome,
    designs: Sequence[Any],
    *,
    scan_genome: Genome | None = None,
    check_uniqueness: bool = True,
    progress: ProgressCallback | None = None,
) -> DesignGenotyping:
    """The Primer3 step of :func:`annotate_designs` for the first ``max_designs`` designs
    (no engine pass, no annotation written yet)."""
    ds = list(designs)
    if not ds:
        return DesignGenotyping(genome, ds, check_uniqueness, None)
    cap = int(GENOTYPING_PARAMS["max_designs"])
    prep = prepare_genotyping(genome, ds[:cap], scan_genome=scan_genome,
                              check_uniqueness=check_uniqueness, progress=progress)
    return DesignGenotyping(genome, ds, check_uniqueness, prep)


__all__ = [
    "GENOTYPING_PARAMS",
    "Amplicon",
    "DesignGenotyping",
    "Genotyping",
    "GenotypingPrep",
    "OtherProduct",
    "PrimerSites",
    "annotate_designs",
    "genotyping_for_pairs",
    "genotyping_primers",
    "prepare_annotation",
    "prepare_genotyping",
    "scan_key",
    "scan_primer_tails",
]

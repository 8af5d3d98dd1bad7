"""Corrective coding-sequence insertion ("rescue", issue 16): a TALEN cuts in an exon
upstream of the mutation(s) and a donor inserts, in frame at the cut, the wild-type coding
sequence from there to the stop codon followed by a polyA, between homology arms; the mutant
downstream exons are no longer expressed from the edited allele (the recoded-cDNA rescue used
for dominant mutations, e.g. the TALEN-mediated PIK3CD correction, and the cDNA "knock-in
rescue" strategy of Dever 2016 Nature 539:384 / Schiroli 2017 Sci Transl Med 9:eaan0820).

The inserted CDS is recoded with synonymous codons (Biopython's NCBI codon tables for the
transcript's genetic code) so that it

* shares no identical stretch longer than ``max_identical_stretch_bp`` with the locus (both
  strands; homologous recombination in mammalian cells needs longer shared stretches,
  Rubnitz & Subramani 1984 Mol Cell Biol 4:2253), so it cannot pair with the downstream genome;
* carries no binding site of the TALENs used (every window passing the binding model for
  either TALE, both strands, position 0 by the scaffold), so the integrated allele is not cut;
* creates no splice donor (MAG|GTRAGT core, Shapiro & Senapathy 1987 Nucleic Acids Res
  15:7155), no acceptor-like polypyrimidine tract + YAG, and no AATAAA/ATTAAA polyadenylation
  signal (Proudfoot 2011 Genes Dev 25:1770) inside the coding part.

Each donor is verified by translation (Biopython): the edited allele's CDS, from the host
start codon through the insertion to its stop, encodes the wild-type protein. The design
reports the AAV size check, genotyping and junction primers and the GenBank map like every
knock-in (:class:`~taleforge.design.donor.knockin.KnockinResult`, mode ``"rescue"``, so the
``knockin`` writers apply). ``allele_specific=True`` (with a variant) restricts the cut to
pairs with the variant in the half-site downstream of the cut and ranks them by the allele
keys of :mod:`taleforge.design.allele_specific`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from Bio.Data import CodonTable
from Bio.Seq import Seq

from taleforge.design.blocking import cleavable_sites, score_half_sites
from taleforge.design.cargo import DONOR_ELEMENTS, part_label, placeholder_note, placeholder_warnings
from taleforge.design.donor.common import (
    DONOR_PARAMS,
    _annotation,
    _fetcher,
    _genome_id,
    _open,
    _pair_quality,
    _record,
    _resolve,
    _spec_rule,
    _specificity,
    offtarget_calls,
    refuse_mito_hdr,
    scan_warnings,
)
from taleforge.design.donor.knockin import (
    DonorFeature,
    KnockinDesign,
    KnockinResult,
    LocusSequence,
    _exon_cds_zone,
    _upstream_cds_len,
)
from taleforge.design.pairs import PairCandidates, check_acgt, enumerate_pairs
from taleforge.design.primers import PRIMER_PARAMS, PrimerPair, primers_in_regions
from taleforge.design.primers import design_primers as _primer3
from taleforge.design.ranking import Ranking, rank
from taleforge.design.result import DesignWarning
from taleforge.design.talen_rules import evaluate_rules
from taleforge.errors import InputError, NoResultError, ParameterError, RegionError
from taleforge.genome.annotation import Transcript
from taleforge.model.interval import reverse_complement
from taleforge.model.params import Param, ParamTable, register_table
from taleforge.model.rules import RuleEval
from taleforge.model.scaffold import Scaffold
from taleforge.model.talen import TalenPair
from taleforge.progress import ProgressCallback, report
from taleforge.scoring.base import BindingModel, encode_bases

RESCUE_PARAMS = register_table(
    ParamTable(
        name="rescue",
        version="1",
        params=(
            Param("max_identical_stretch_bp", 12, "bp",
                  "Rubnitz & Subramani 1984 Mol Cell Biol 4:2253 (recombination between "
                  "mammalian sequences detected with 14 bp of shared homology and rising "
                  "steeply with length): shared stretches are kept below 14 bp", "K",
                  "longest identical stretch allowed between the recoded insert and the locus "
                  "(either strand)"),
            Param("splice_donor_motif", "GTRAGT", "IUPAC",
                  "Shapiro & Senapathy 1987 Nucleic Acids Res 15:7155 (5' splice site "
                  "consensus MAG|GTRAGT)", "K", "no such donor core inside the recoded CDS"),
            Param("acceptor_pyrimidines", (10, 12), "pyrimidines in the nt before YAG",
                  "Shapiro & Senapathy 1987 Nucleic Acids Res 15:7155 (3' splice site "
                  "(Y)nNYAG|G); the count threshold is a placeholder", "U",
                  "no YAG preceded by at least this many pyrimidines in this many nt"),
            Param("polya_signals", ("AATAAA", "ATTAAA"), "hexamers",
                  "Proudfoot 2011 Genes Dev 25:1770 (AAUAAA and its AUUAAA variant)", "K",
                  "no polyadenylation signal inside the recoded CDS"),
            Param("max_recode_rounds", 200, "rounds", "placeholder", "U",
                  "synonymous re-coding passes before a design is given up"),
            Param("max_tale_rounds", 6, "rounds", "placeholder", "U",
                  "re-coding passes against a TALE site before the design is given up (a site "
                  "made of codons whose synonyms differ at one base may still bind)"),
            Param("tale_scan_flank_bp", 40, "bp", "placeholder (covers a half-site across "
                  "the junction)", "U",
                  "integrated-allele sequence either side of the insert scanned for TALE sites"),
        ),
    )
)


# --------------------------------------------------------------------------- recoding


def synonymous_codons(table_id: int) -> dict[str, list[str]]:
    """Amino acid (``*`` for stop) -> its codons in the NCBI genetic code ``table_id``
    (Biopython ``CodonTable``), sorted."""
    t = CodonTable.unambiguous_dna_by_id[table_id]
    out: dict[str, list[str]] = {}
    for codon, aa in t.forward_table.items():
        out.setdefault(aa, []).append(codon)
    out["*"] = list(t.stop_codons)
    return {aa: sorted(c) for aa, c in out.items()}


def _alternatives(codon: str, syn: dict[str, list[str]], aa: str) -> list[str]:
    """Synonymous codons of ``codon`` best first: most bases changed, then alphabetical;
    the original codon last (the only choice for Met/Trp)."""
    others = [c for c in syn[aa] if c != codon]
    others.sort(key=lambda c: (-sum(a != b for a, b in zip(c, codon, strict=True)), c))
    return [*others, codon]


@dataclass(frozen=True)
class RecodeCheck:
    """What the recoded insert was checked against, and the result."""

    longest_identical_bp: int
    max_identical_bp: int
    tale_sites: int
    splice_donors: int
    splice_acceptors: int
    polya_signals: int
    codons_changed: int
    codons_total: int
    rounds: int

    @property
    def ok(self) -> bool:
        return (self.longest_identical_bp <= self.max_identical_bp and self.tale_sites == 0
                and self.splice_donors == 0 and self.splice_acceptors == 0
                and self.polya_signals == 0)


def _iupac_regex(motif: str) -> re.Pattern[str]:
    m = {"R": "[AG]", "Y": "[CT]", "M": "[AC]", "K": "[GT]", "S": "[CG]", "W": "[AT]", "N": "."}
    return re.compile("(?=(" + "".join(m.get(ch, ch) for ch in motif) + "))")


def splice_and_polya_hits(s: str, params: ParamTable = RESCUE_PARAMS
                          ) -> tuple[list[int], list[int], list[int]]:
    """Start positions of splice-donor cores, acceptor-like YAGs (the position of the YAG)
    and polyA hexamers in ``s``."""
    donors = [m.start() for m in _iupac_regex(str(params["splice_donor_motif"])).finditer(s)]
    need, span = params["acceptor_pyrimidines"]
    acc = []
    for m in re.finditer(r"(?=[CT]AG)", s):
        i = m.start()
        if i >= int(span):
            win = s[i - int(span): i]
            if sum(ch in "CT" for ch in win) >= int(need):
                acc.append(i)
    pa = sorted(m.start() for h in params["polya_signals"]
                for m in re.finditer("(?=" + str(h) + ")", s))
    return donors, acc, pa


def _kmers(s: str, k: int) -> set[str]:
    return {s[i: i + k] for i in range(len(s) - k + 1)}


def identical_stretch_hits(insert: str, locus_kmers: set[str], k: int) -> list[int]:
    """Starts of ``k``-mers of ``insert`` that occur in the locus (either strand)."""
    return [i for i in range(len(insert) - k + 1) if insert[i: i + k] in locus_kmers]


def longest_identical(insert: str, locus_kmers_by_len: Any, k_max: int) -> int:
    """Longest stretch of ``insert`` shared with the locus, capped at ``k_max + 1``
    (``locus_kmers_by_len(k)`` gives the k-mer set)."""
    best = 0
    for k in range(1, k_max + 2):
        if identical_stretch_hits(insert, locus_kmers_by_len(k), k):
            best = k
        else:
            break
    return best


def tale_hits(s: str, pair: TalenPair, model: BindingModel, scaffold: Scaffold,
              cache: dict[Any, Any] | None = None) -> list[tuple[int, int]]:
    """Footprints (start, end in ``s``, position 0 included) of every window of ``s``, either
    strand, that either TALE of ``pair`` binds under ``model`` (position 0 by the scaffold;
    the engine's exact hit definition, :func:`taleforge.model.costs.exact_costs`)."""
    from taleforge.model.costs import exact_costs

    cache = {} if cache is None else cache
    up = s.upper()
    out: list[tuple[int, int]] = []
    for rvds in (pair.left.rvds, pair.right.rvds):
        n = len(rvds)
        q = cache.get(rvds)
        if q is None:
            q = cache[rvds] = model.score_query(tuple(rvds), scaffold.pos0_bases)
        for strand, text in ((1, up), (-1, reverse_complement(up))):
            if len(text) < n + 1:
                continue
            codes = encode_bases(text)
            win = np.lib.stride_tricks.sliding_window_view(codes[1:], n)
            p0 = codes[: len(win)]
            hit, _ = exact_costs(q, np.ascontiguousarray(win), p0)
            for j in np.flatnonzero(hit).tolist():
                a, b = j, j + n + 1  # position 0 + bound bases on this strand's text
                out.append((a, b) if strand == 1 else (len(up) - b, len(up) - a))
    return sorted(set(out))


def _mostly_inside(a: int, b: int, n: int) -> bool:
    """A footprint [a, b) with at least half of its bases inside [0, n)."""
    return 2 * (min(b, n) - max(a, 0)) >= (b - a)


def recode(
    cds: str,
    *,
    table_id: int,
    locus: str,
    context: tuple[str, str],
    pair: TalenPair,
    model: BindingModel,
    scaffold: Scaffold,
    params: ParamTable = RESCUE_PARAMS,
) -> tuple[str, RecodeCheck]:
    """Synonymously recode ``cds`` (whole codons, stop included) so that it shares no
    stretch longer than ``max_identical_stretch_bp`` with ``locus`` (both strands), carries no
    site of ``pair``'s TALEs (scanned with ``context`` = the sequence just before/after it on
    the integrated allele) and no splice/polyA signal. Deterministic (every choice is the
    first in a fixed order). Returns the recoded CDS and its check (``ok`` False when the
    rounds ran out)."""
    if len(cds) % 3:
        raise NoResultError("frame impossible: the sequence to recode is not whole codons",
                            hint="report this as a bug (the cut phase was not applied)")
    syn = synonymous_codons(table_id)
    codons = [cds[i: i + 3] for i in range(0, len(cds), 3)]
    aas = str(Seq(cds).translate(table=table_id))
    alts = [_alternatives(c, syn, a) for c, a in zip(codons, aas, strict=True)]
    choice = [0] * len(codons)
    # diversify repeated codons: the same amino acid twice in a row takes the next codon
    for i in range(1, len(codons)):
        if aas[i] == aas[i - 1] and len(alts[i]) > 2 and alts[i][0] == alts[i - 1][choice[i - 1]]:
            choice[i] = 1
    kmax = int(params["max_identical_stretch_bp"])
    k = kmax + 1
    up_locus = locus.upper()
    rc_locus = reverse_complement(up_locus)
    cache: dict[int, set[str]] = {}

    def kset(n: int) -> set[str]:
        if n not in cache:
            cache[n] = _kmers(up_locus, n) | _kmers(rc_locus, n)
        return cache[n]

    left_ctx, right_ctx = context
    rounds = 0
    maxr = int(params["max_recode_rounds"])

    def build() -> str:
        return "".join(a[c] for a, c in zip(alts, choice, strict=True))

    def bump(pos: int) -> None:
        """Change the codon covering insert base ``pos`` (or a neighbour that can change)."""
        ci = min(max(pos // 3, 0), len(codons) - 1)
        for cj in (ci, ci + 1, ci - 1, ci + 2, ci - 2):
            if 0 <= cj < len(codons) and len(alts[cj]) > 1:
                choice[cj] = (choice[cj] + 1) % (len(alts[cj]) - 1 if len(alts[cj]) > 2
                                                 else len(alts[cj]))
                return

    qcache: dict[Any, Any] = {}
    tale_rounds, max_tale = 0, int(params["max_tale_rounds"])
    th: list[tuple[int, int]] = []
    while True:
        s = build()
        bad: list[int] = []
        bad += [i + k // 2 for i in identical_stretch_hits(s, kset(k), k)]
        donors, acc, pa = splice_and_polya_hits(s, params)
        bad += [i + 2 for i in donors] + [i for i in acc] + [i + 3 for i in pa]
        if not bad:  # the TALE scan last (the costly check), on an otherwise clean insert
            integ = left_ctx + s + right_ctx
            th = [(a - len(left_ctx), b - len(left_ctx))
                  for a, b in tale_hits(integ, pair, model, scaffold, qcache)]
            # sites mostly inside the insert (a junction-spanning half-site alone cannot cut;
            # the integrated allele is checked for cleavable pairs separately)
            th = [(a, b) for a, b in th if _mostly_inside(a, b, len(s))]
            # every codon of the site changes (one tolerated mismatch per codon may not do)
            bad += sorted({q for a, b in th for q in range(max(a, 0), min(b, len(s)), 3)})
        if not bad or rounds >= maxr or tale_rounds >= max_tale:
            break
        if th:
            tale_rounds += 1
        rounds += 1
        for pos in sorted(set(bad)):
            bump(pos)
    longest = longest_identical(s, kset, kmax)
    check = RecodeCheck(longest, kmax, len(th), len(donors), len(acc), len(pa),
                        sum(1 for a, c in zip(alts, choice, strict=True) if c != len(a) - 1),
                        len(codons), rounds)
    if str(Seq(s).translate(table=table_id)) != aas:  # pragma: no cover - synonymous by design
        raise AssertionError("recoding changed the protein")
    return s, check


# --------------------------------------------------------------------------- the job


@dataclass(frozen=True)
class RescueParams:
    """Options of the corrective CDS insertion. Where to cut: ``exon`` (transcript order),
    ``rescue_from`` (1-based c. position the insert must cover: the cut lies 5' of it, in
    the exon holding it or the nearest upstream exon with a design) and/or ``variant``
    (``CONTIG:POS:REF>ALT`` on the + strand: the dominant mutation, which the insert must
    cover). ``allele_specific``: with ``variant``, cut only with pairs holding the variant in
    the half-site 3' of the cut, ranked by the allele keys (``cis_variants`` as in
    :class:`~taleforge.design.allele_specific.AlleleSpecificParams`)."""

    exon: int | None = None
    rescue_from: int | None = None
    variant: str | None = None
    allele_specific: bool = False
    cis_variants: str | os.PathLike[str] | Sequence[str] | None = None
    transcript: str | None = None
    arm_nt: int | None = None
    arms_nt: tuple[int, int] | None = None
    scaffold: str | Scaffold = "tale-nt"
    model: str | BindingModel = "positional"
    n_designs: int = 3
    specificity: bool = True
    donor_params: ParamTable = DONOR_PARAMS
    elements: ParamTable = DONOR_ELEMENTS
    primer_params: ParamTable = PRIMER_PARAMS
    rescue_params: ParamTable = RESCUE_PARAMS


def _refuse_mito(contig: str, transcript: Transcript) -> None:
    """No HDR in mitochondria: refused with the donor jobs' one-line message."""
    refuse_mito_hdr(contig, "a corrective coding-sequence insertion (knockin --rescue)",
                    (transcript,))


def _cds_index(tx: Transcript, gpos: int) -> int | None:
    return tx.cds_offset(gpos)


def _zones(tx: Transcript, exon: int | None, cover: int | None) -> list[tuple[int, int, str]]:
    """Cut zones to try in order: (genome start, end, label)."""
    exons = tx.exons_in_order()
    if exon is not None:
        lo, hi = _exon_cds_zone(tx, exon)
        return [(lo, hi, f"exon {exon}")]
    assert cover is not None
    # the exon holding c.(cover+1), then the upstream exons (transcript order)
    holding = None
    for i, ex in enumerate(exons):
        offs = [o for o in (tx.cds_offset(g) for g in range(ex.start, ex.end)) if o is not None]
        if offs and min(offs) <= cover <= max(offs):
            holding = i
            break
    if holding is None:
        raise RegionError(
            f"c.{cover + 1} is outside the coding sequence of {tx.id} "
            f"({tx.cds_length} bp)", hint="give a c. position within the CDS (--rescue-from)")
    out = []
    for i in range(holding, -1, -1):
        try:
            lo, hi = _exon_cds_zone(tx, i + 1)
        except NoResultError:
            continue
        out.append((lo, hi, f"exon {i + 1}"))
    return out


def rescue_window(
    seq: str,
    transcript: Transcript,
    *,
    contig: str | None = None,
    offset: int = 0,
    exon: int | None = None,
    rescue_from: int | None = None,
    variant: tuple[int, str, str] | None = None,
    allele_specific: bool = False,
    cis: Sequence[tuple[int, str]] = (),
    arm_nt: int | None = None,
    arms_nt: tuple[int, int] | None = None,
    scaffold: str | Scaffold = "tale-nt",
    model: str | BindingModel = "positional",
    n_designs: int = 3,
    params: ParamTable = DONOR_PARAMS,
    elements: ParamTable = DONOR_ELEMENTS,
    primer_params: ParamTable = PRIMER_PARAMS,
    rescue_params: ParamTable = RESCUE_PARAMS,
    genome: Any = None,
    progress: ProgressCallback | None = None,
    backend: str = "auto",
    reference: Any = None,
    annotation: Any = None,
    local_coordinates: bool = False,
) -> KnockinResult:
    """Rescue donors for ``transcript`` on the + strand reference window ``seq`` (first base =
    genome ``offset``). ``variant``: (0-based genome position, REF, ALT) of the dominant
    mutation; ``rescue_from``: 1-based c. position the insert must cover. ``genome``, when
    given, is scanned for specificity (``local_coordinates``: ``seq``'s coordinates are not
    the genome's, the on-target is located in it). Deterministic."""
    contig = contig or transcript.contig
    _refuse_mito(contig, transcript)
    check_acgt(seq, name="sequence")
    if not transcript.is_coding:
        raise NoResultError(f"frame impossible: transcript {transcript.id} is non-coding",
                            hint="choose a coding transcript (--transcript)")
    if exon is None and rescue_from is None and variant is None:
        raise ParameterError("a rescue needs where to cut: give --exon, --rescue-from or "
                             "--variant", hint="e.g. --exon 1, or --rescue-from 3061 (c. position)")
    if allele_specific and variant is None:
        raise ParameterError("--allele-specific needs the mutation (--variant CONTIG:POS:REF>ALT)",
                             hint="give the dominant variant whose allele should be cut")
    sc, md = _resolve(scaffold, model)
    tt = transcript.transl_table
    fetch = _fetcher(seq, offset, contig)
    cds_tx = transcript.cds_sequence(fetch)
    wt_protein = str(Seq(cds_tx).translate(table=tt))
    if not wt_protein.endswith("*") or "*" in wt_protein[:-1]:
        raise InputError(f"the CDS of {transcript.id} does not translate to one protein ending "
                         "in a stop codon", hint="check the exons and CDS coordinates (--exons/--cds)")
    # the c. index (0-based) the insert must cover
    cover: int | None = None
    mut_seq = seq.upper()
    vlocal: int | None = None
    if variant is not None:
        vpos, vref, valt = variant
        vlocal = vpos - offset
        if not 0 <= vlocal < len(seq):
            raise RegionError(f"variant position {vpos + 1} lies outside the sequence",
                              hint="give a variant inside the locus")
        if mut_seq[vlocal] != vref:
            raise InputError(f"the reference has {mut_seq[vlocal]} at {contig}:{vpos + 1}, not "
                             f"{vref}", hint="write REF>ALT on the + strand of the reference")
        ci = transcript.cds_offset(vpos)
        if ci is None:
            raise RegionError(f"the variant {contig}:{vpos + 1} is not in the CDS of "
                              f"{transcript.id}", hint="a rescue replaces the coding sequence "
                              "3' of the cut: give a coding variant, or use --rescue-from")
        cover = ci
        mut = list(mut_seq)
        mut[vlocal] = valt
        for q, b in cis:
            if 0 <= q - offset < len(mut) and q != vpos:
                mut[q - offset] = b
        mut_seq = "".join(mut)
    if rescue_from is not None:
        if not 1 <= rescue_from <= transcript.cds_length:
            raise RegionError(f"--rescue-from c.{rescue_from} is outside the CDS of "
                              f"{transcript.id} (c.1-c.{transcript.cds_length})",
                              hint="give the c. position of the first base the insert must cover")
        cover = rescue_from - 1 if cover is None else min(cover, rescue_from - 1)
    la_nt, ra_nt = arms_nt if arms_nt else ((arm_nt,) * 2 if arm_nt else (int(params["arm_nt"]),) * 2)
    amin, amax = int(params["arm_min_nt"]), int(params["arm_max_nt"])
    warns: list[DesignWarning | str] = []
    for a in (la_nt, ra_nt):
        if a < 1:
            raise ParameterError("homology arms must be >= 1 bp", hint="use 300-1000 bp arms")
        if not amin <= a <= amax:
            warns.append(f"homology arm of {a} bp is outside the usual {amin}-{amax} bp")
    if allele_specific:
        zones = [(transcript.cds_start or 0, transcript.cds_end or 0, "the variant's exon")]
    else:
        zones = _zones(transcript, exon, cover)
    polya = (str(elements["bGH_polyA"]), part_label(elements, "bGH_polyA"), elements)
    rejections: dict[str, int] = {}
    designs: list[KnockinDesign] = []
    n_raw = 0
    label = zones[0][2]
    for zlo, zhi, zlabel in zones:
        label = zlabel
        designs, n_z = _design_zone(
            seq, mut_seq, offset, contig, transcript, cds_tx, wt_protein, zlo, zhi, zlabel,
            cover, vlocal, allele_specific, cis, sc, md, la_nt, ra_nt, n_designs, params,
            rescue_params, primer_params, polya, rejections, progress, genome is not None)
        n_raw += n_z
        if designs:
            break
    if not designs:
        raise NoResultError(
            f"no rescue design for {transcript.id} ({n_raw} pairs examined in "
            + ", ".join(z[2] for z in zones) + "; "
            + "; ".join(f"{k}: {v}" for k, v in sorted(rejections.items())) + ")",
            hint="try another scaffold or exon, or a later --rescue-from")
    # the donor jobs' off-target evidence: per-design calls (clean / second cut), tiers
    scanned = genome is not None
    summaries = _specificity(genome, [d.pair for d in designs], sc, md, progress, backend)
    calls = offtarget_calls(summaries, [d.pair for d in designs], seq=seq, offset=offset,
                            genome=genome, local_coordinates=local_coordinates,
                            annotation=annotation)
    if scanned:  # clean first, then most specific; the on-target order otherwise
        idx = rank({"tier": [c.tier for c in calls],
                    "specificity": [c.score or 0.0 for c in calls],
                    "order": list(range(len(designs)))}, ("tier", "-specificity", "order"))
        designs, calls = [designs[i] for i in idx], [calls[i] for i in idx]
        summaries = [summaries[i] for i in idx]
    designs = [
        _with(d, rank=r, specificity=c.score, offtarget=c,
              rules=(*d.rules, _spec_rule(c.score, scanned, "rank key 1 (with a genome)", c),
                     *(sm.rule_evals() if sm is not None else ())))
        for r, (d, c, sm) in enumerate(zip(designs, calls, summaries, strict=True), 1)
        if r <= n_designs
    ]
    warns.extend(scan_warnings(calls[:n_designs], genome=genome,
                               local_coordinates=local_coordinates))
    for c in calls[:n_designs]:
        warns.extend(c.warnings)
    warns.extend(_allele_statement(designs, allele_specific, variant, contig))
    warns.extend(placeholder_warnings(elements, {f.label for d in designs for f in d.features}))
    record = _record(reference if reference is not None else
                     (None if local_coordinates else genome), seq, contig, annotation,
                     md, scanned, ("donor", "donor_elements", "genotyping_primers", "rescue",
                                   *(("allele_specific",) if allele_specific else ())),
                     (params, elements, primer_params, rescue_params))
    return KnockinResult(
        contig=contig, offset=offset, transcript=transcript.id, gene=transcript.gene_name,
        strand=transcript.strand, mode="rescue", target=f"{label} (rescue to the stop codon)",
        designs=tuple(designs), n_candidates=n_raw, rejections=rejections, scaffold=sc.name,
        model=md.name, warnings=tuple(warns), record=record, offtarget_genome=_genome_id(genome),
    )


def _with(d: KnockinDesign, **kw: Any) -> KnockinDesign:
    from dataclasses import replace

    return replace(d, **kw)


def _allele_statement(designs: Sequence[KnockinDesign], allele_specific: bool,
                      variant: tuple[int, str, str] | None, contig: str) -> list[DesignWarning]:
    if variant is None:
        return [DesignWarning(
            "note", "which allele: the insert must reach the mutant allele (the cut is upstream "
            "of the mutation, so an inserted wild-type CDS silences the mutant exons); an "
            "insert in the wild-type allele is harmless (same protein); no variant was given, "
            "so the TALENs cut both alleles alike", "note")]
    v = f"{contig}:{variant[0] + 1}:{variant[1]}>{variant[2]}"
    if not allele_specific:
        return [DesignWarning(
            "note", f"which allele: the mutant allele ({v}) must receive the insert; these "
            "TALENs cut both alleles, so either may receive it (both is fine: the insert "
            "encodes the wild-type protein), and an unrepaired cut can knock an allele out",
            "note")]
    if designs and all(any(r.rule == "wild_type_fails" and r.passed for r in d.rules)
                       for d in designs[:1]):
        return [DesignWarning(
            "note", f"which allele: the mutant allele ({v}) receives the insert; the best "
            "design's TALENs fail on the wild-type allele under the binding model", "note")]
    return [DesignWarning(
        "allele-specificity", f"which allele: the mutant allele ({v}) must receive the insert, "
        "but the best design only prefers it (the wild-type allele also passes the binding "
        "model), so both alleles may be cut and receive it (harmless: same protein)")]


def _design_zone(
    seq: str, mut_seq: str, offset: int, contig: str, tx: Transcript, cds_tx: str,
    wt_protein: str, zlo: int, zhi: int, zlabel: str, cover: int | None, vlocal: int | None,
    allele_specific: bool, cis: Sequence[tuple[int, str]], sc: Scaffold, md: BindingModel,
    la_nt: int, ra_nt: int, n_designs: int, params: ParamTable, rparams: ParamTable,
    primer_params: ParamTable, polya: tuple[str, str, ParamTable], rejections: dict[str, int],
    progress: ProgressCallback | None, scan: bool,
) -> tuple[list[KnockinDesign], int]:
    from taleforge.design.allele_specific import (
        ALLELE_PARAMS,
        _cached_scores,
        _design,
        _n_terminal,
        variant_placement,
    )

    minus = tx.strand == "-"
    tt = tx.transl_table
    lo, hi = zlo - offset, zhi - offset
    if allele_specific and vlocal is not None:
        reach = sc.arm_max_rvds + sc.spacer_max_bp + sc.arm_max_rvds + 2
        lo, hi = vlocal - reach, vlocal + reach + 1
    if lo < 0 or hi > len(seq):
        raise RegionError(f"the {zlabel} region lies outside the given sequence",
                          hint="give a sequence window that covers the target and the arms")
    report(progress, "enumerate pairs", 0, None)
    design_seq = mut_seq if allele_specific else seq.upper()
    c = enumerate_pairs(design_seq, sc, contig=contig, offset=offset, cut_window=(lo, hi))
    n_raw = len(c)

    def drop(mask: np.ndarray, why: str) -> PairCandidates:
        nonlocal c
        n = int((~mask).sum())
        if n:
            rejections[why] = rejections.get(why, 0) + n
        return c.subset(mask)

    # the cut must be 5' of the base to cover (transcript orientation)
    cuts = c.cut_local + offset
    k_all = [_upstream_cds_len(tx, int(x)) for x in cuts.tolist()]
    frame_ok = np.array([k is not None for k in k_all], dtype=bool)
    c = drop(frame_ok, "cut not between two adjacent coding bases")
    ks = np.array([k for k in k_all if k is not None], dtype=np.int64)
    if cover is not None and len(c):
        ok = (ks <= cover) & (ks >= 1)
        c = drop(ok, f"cut not 5' of c.{cover + 1}")
        ks = ks[ok]
    side = idx = None
    if allele_specific and vlocal is not None and len(c):
        inside, side, idx = variant_placement(c, vlocal)
        down = inside & (side == (0 if minus else 1))
        c = drop(down, "variant not in the half-site 3' of the cut")
        ks, side, idx = ks[down], side[down], idx[down]
    if len(c):
        cols = evaluate_rules(c, streubel=True)
        keep = cols.all_pass(len(c))
        for rule, passed in sorted(cols.passed.items()):
            n = int((~passed).sum())
            if n:
                rejections[rule] = rejections.get(rule, 0) + n
        c, ks = c.subset(keep), ks[keep]
        if side is not None and idx is not None:
            side, idx = side[keep], idx[keep]
    if len(c) == 0:
        return [], n_raw
    filters = evaluate_rules(c, streubel=True)
    qual = _pair_quality(c)
    insert_bp = len(cds_tx) - ks
    table: dict[str, Any] = {"quality": qual, "insert_bp": insert_bp, "p": c.p, "L": c.left_len,
                             "S": c.spacer_len, "R": c.right_len,
                             "contig": np.zeros(len(c), dtype=np.int64),
                             "cut": c.cut_local + offset}
    keys: tuple[str, ...] = ("-quality", "insert_bp", "p", "L", "S", "R")
    ascores: list[Any] = []
    if allele_specific and idx is not None and side is not None:
        frac = float(ALLELE_PARAMS["n_terminal_fraction"])
        cache: dict[Any, Any] = {}
        wt_up = seq.upper()
        for i in range(len(c)):
            ascores.append(_cached_scores(c.materialize(i, g_rvd=sc.g_rvd), mut_seq, wt_up,
                                          offset, md, sc, cache))
        prefer = np.array([s.prefers_mutant for s in ascores], dtype=bool)
        if not prefer.any():
            rejections["no allele preference"] = len(ascores)
            return [], n_raw
        table["wt_fails"] = np.array([not s.wt_cuts and s.mut_cuts for s in ascores])
        table["margin"] = np.array([s.margin if s.mut_cuts else -1e9 for s in ascores])
        table["n_terminal"] = _n_terminal(idx, side, c, frac)
        keys = ("-wt_fails", "-margin", "-n_terminal", *keys)
    ranking = Ranking(table, keys, min_cut_spacing_bp=int(params["knockin_min_cut_spacing_bp"]))
    designs: list[KnockinDesign] = []
    tried = 0
    up = seq.upper()
    pool = n_designs * 3 if scan else n_designs
    for i in ranking.walk():
        if len(designs) >= pool or tried >= int(params["max_pairs_tried"]):
            break
        tried += 1
        pair = c.materialize(i, g_rvd=sc.g_rvd)
        if ascores and not ascores[i].prefers_mutant:
            why = ("does not cut the mutant allele" if not ascores[i].mut_cuts
                   else "no allele preference")
            rejections[why] = rejections.get(why, 0) + 1
            continue
        d = _build(pair, int(ks[i]), up, offset, contig, tx, cds_tx, wt_protein, tt, minus,
                   sc, md, la_nt, ra_nt, params, rparams, primer_params, polya, rejections,
                   filters.evals_for(i), float(qual[i]))
        if d is None:
            continue
        if ascores:
            frac = float(ALLELE_PARAMS["n_terminal_fraction"])
            assert side is not None and idx is not None
            ad = _design(0, pair, "left" if side[i] == 0 else "right", int(idx[i]),
                         bool(table["n_terminal"][i]), (), ascores[i], float(qual[i]), [], sc, md,
                         ALLELE_PARAMS, frac)
            d = _with(d, rules=(*d.rules, *(r for r in ad.rules if r.rule != "pair_quality")),
                      warnings=(*d.warnings, *ad.warnings))
        ranking.keep(i)
        designs.append(d)
    return designs, n_raw


def _build(
    pair: TalenPair, k: int, up: str, offset: int, contig: str, tx: Transcript, cds_tx: str,
    wt_protein: str, tt: int, minus: bool, sc: Scaffold, md: BindingModel, la_nt: int,
    ra_nt: int, params: ParamTable, rparams: ParamTable, primer_params: ParamTable,
    polya_part: tuple[str, str, ParamTable],
    rejections: dict[str, int], filter_evals: Sequence[RuleEval], quality: float,
) -> KnockinDesign | None:
    """One rescue donor for the cut of ``pair`` (``k`` CDS bases 5' of the insertion)."""
    def rej(why: str) -> None:
        rejections[why] = rejections.get(why, 0) + 1

    polya, polya_label, elements = polya_part

    c = pair.cut
    cl = c - offset
    phase = k % 3
    tail = cds_tx[k: k + (3 - phase)] if phase else ""
    body_start = k + len(tail)
    body = cds_tx[body_start:]
    ls_, re_ = cl - la_nt, cl + ra_nt
    if minus:
        ls_, re_ = cl - ra_nt, cl + la_nt
    if ls_ < 0 or re_ > len(up):
        raise RegionError(
            f"homology arms run off the given sequence (need {contig}:{ls_ + offset + 1}-"
            f"{re_ + offset})", hint="give more flanking sequence or shorter arms (--arm)")
    # context on the integrated allele, in transcript orientation, for the TALE scan
    fl = int(rparams["tale_scan_flank_bp"])
    if not minus:
        left_ctx = up[max(0, cl - fl): cl] + tail
        right_ctx = polya[:fl]
        locus = up
    else:
        left_ctx = reverse_complement(up[cl: cl + fl]) + tail
        right_ctx = polya[:fl]
        locus = up
    recoded, check = recode(body, table_id=tt, locus=locus, context=(left_ctx, right_ctx),
                            pair=pair, model=md, scaffold=sc, params=rparams)
    if not check.ok:
        rej("recoding could not meet the homology/TALE-site/splice rules")
        return None
    insert = tail + recoded + polya
    edited_cds = cds_tx[:k] + tail + recoded
    prot = str(Seq(edited_cds).translate(table=tt))
    if prot != wt_protein:
        rej("translation differs from the wild-type protein")
        return None
    ins_plus = reverse_complement(insert) if minus else insert
    donor_plus = up[ls_:cl] + ins_plus + up[cl:re_]
    integrated = up[:cl] + ins_plus + up[cl:]
    after = tuple(cleavable_sites(integrated, offset, pair, md, sc))
    before = len(cleavable_sites(up, offset, pair, md, sc))
    if after:
        rej("integrated allele still cleavable")
        return None
    scores = score_half_sites(up, offset, pair, md)
    nl = cl - ls_
    nins = len(ins_plus)
    feats: list[DonorFeature] = [
        DonorFeature("homology_arm", 0, nl, 1, "left homology arm",
                     f"{contig}:{ls_ + offset + 1}-{cl + offset}"),
        DonorFeature("homology_arm", nl + nins, len(donor_plus), 1, "right homology arm",
                     f"{contig}:{cl + offset + 1}-{re_ + offset}"),
    ]
    c_first, c_last = body_start + 1, len(cds_tx)
    segs = [("filler", "codon completion", tail, ""),
            ("cargo", f"recoded wild-type CDS c.{c_first}-c.{c_last}", recoded,
             f"{check.codons_changed}/{check.codons_total} codons changed (synonymous)"),
            ("polyA", polya_label, polya, placeholder_note(elements, polya_label))]
    pos = 0
    for kind, lab, s, note in segs:
        if not s:
            continue
        a, b = pos, pos + len(s)
        pos = b
        if minus:
            a, b = len(insert) - b, len(insert) - a
        feats.append(DonorFeature(kind, nl + a, nl + b, -1 if minus else 1, lab, note))
    for name, hs, st in (("left TALE", pair.left, 1), ("right TALE", pair.right, -1)):
        a, b = hs.bound.start - offset - ls_, hs.bound.end - offset - ls_
        if b <= nl:
            feats.append(DonorFeature("tale_site", a, b, st, name, hs.rvd_string()))
        elif a >= nl:
            feats.append(DonorFeature("tale_site", a + nins, b + nins, st, name, hs.rvd_string()))
    pw: list[str] = []
    primers: tuple[PrimerPair, ...] = ()
    try:
        primers = tuple(_primer3(up, offset, pair.left.pos0, pair.right.pos0 + 1,
                                 params=primer_params))
    except NoResultError as exc:
        pw.append(exc.one_line())
    junctions: list[tuple[str, PrimerPair]] = []
    a_out, b_out = ls_, re_ + nins
    span_l, span_r = cl - ls_, re_ - cl
    for jname, lreg, rreg, prange in (
        ("5' junction" if not minus else "3' junction",
         (max(0, a_out - 300), a_out - 20), (cl + 30, min(cl + nins, cl + 400)),
         (span_l + 50, span_l + 750)),
        ("3' junction" if not minus else "5' junction",
         (max(cl, cl + nins - 400), cl + nins - 30), (b_out + 20, min(len(integrated), b_out + 300)),
         (span_r + 50, span_r + 750)),
    ):
        jp = primers_in_regions(integrated, lreg, rreg, prange, params=primer_params)
        if jp is None:
            pw.append(f"no {jname} PCR primers (too little sequence outside the arms?)")
            continue
        junctions.append((jname, jp))
        if lreg[0] >= cl:
            a = jp.left_start - ls_
            feats.append(DonorFeature("primer", a, a + len(jp.left_seq), 1, f"{jname} forward"))
        else:
            b = jp.right_end - ls_
            feats.append(DonorFeature("primer", b - len(jp.right_seq), b, -1, f"{jname} reverse"))
    cap = int(params["aav_capacity_bp"])
    payload = len(donor_plus)
    if payload > cap:
        pw.append(f"arms + insert = {payload} bp exceed the AAV packaging limit of about {cap} "
                  "bp; use shorter arms, a later cut (--rescue-from) or a dsDNA/plasmid donor")
    rules: list[RuleEval] = list(filter_evals)
    rules += [
        RuleEval("cut_in_cds", "filter", True, k, 0.0,
                 f"pass: the cut lies between c.{k} and c.{k + 1} (phase {phase}); the insert "
                 f"carries the wild-type CDS c.{k + 1}-c.{len(cds_tx)}"),
        RuleEval("wild_type_protein", "filter", True, len(wt_protein) - 1, 0.0,
                 f"pass: the edited allele translates (Biopython, table {tt}) from the host "
                 f"ATG through the insertion to the stop into the wild-type protein "
                 f"({len(wt_protein) - 1} aa)"),
        RuleEval("recoded_homology", "filter", True, check.longest_identical_bp, 0.0,
                 f"pass: longest stretch identical with the locus {check.longest_identical_bp} "
                 f"bp (at most {check.max_identical_bp}, either strand; Rubnitz & Subramani "
                 "1984)"),
        RuleEval("no_tale_site_in_insert", "filter", True, 0, 0.0,
                 "pass: neither TALE binds the recoded insert or its junctions (both strands, "
                 f"{md.name})"),
        RuleEval("no_splice_or_polya_signal", "filter", True, 0, 0.0,
                 "pass: no splice donor (GTRAGT), acceptor-like pyrimidine tract + YAG or "
                 "AATAAA/ATTAAA in the recoded CDS"),
        RuleEval("no_recut", "filter", True, 0, 0.0,
                 f"pass: {before} cleavable site(s) before integration, none after"),
        RuleEval("aav_size", "flag", payload <= cap, payload, 0.0,
                 f"donor (arms + insert) {payload} bp vs AAV capacity about {cap} bp"),
        RuleEval("pair_quality", "rank", True, round(quality, 6), 0.0,
                 f"rank: mean fraction of strong RVDs {quality:.3f} (then the shorter insert)"),
    ]
    return KnockinDesign(
        rank=0, pair=pair, insertion=c, quality=quality, specificity=None, insert_seq=insert,
        donor_plus=donor_plus, left_arm=(ls_ + offset, cl + offset),
        right_arm=(cl + offset, re_ + offset),
        features=tuple(sorted(feats, key=lambda f: (f.start, f.end, f.kind, f.label))),
        cleavable_before=before, cleavable_after=after, scores_before=scores,
        frame_phase=phase, protein_preview=prot, intended_stop_aa=len(wt_protein),
        primers=primers, warnings=tuple(pw), junction_primers=tuple(junctions),
        rules=tuple(rules),
    )


def design_rescue(
    target: str | LocusSequence,
    params: RescueParams,
    *,
    genome: Any = None,
    annotation: Any = None,
    progress: ProgressCallback | None = None,
    backend: str = "auto",
    offtarget_genome: Any = None,
) -> KnockinResult:
    """Design corrective coding-sequence insertions. ``target``: a gene symbol or ID (needs
    ``genome`` and an annotation, given or built in) or a
    :class:`~taleforge.design.donor.LocusSequence`. ``genome``, when given and
    ``params.specificity``, is scanned for off-targets (or ``offtarget_genome`` instead, as
    for ``design_knockin``)."""
    from taleforge.design.allele_specific import _cis_from
    from taleforge.genome.variants import parse_variant

    g = _open(genome, progress)
    og = _open(offtarget_genome, progress)
    scan = og if og is not None else g
    local = isinstance(target, LocusSequence) or (og is not None and og is not g)
    if isinstance(target, LocusSequence):
        seq, tx, contig, off = target.seq, target.transcript, target.contig or \
            target.transcript.contig, target.offset
        ann = annotation
    else:
        if g is None:
            raise ParameterError(f"gene {target} needs a genome",
                                 hint="pass genome= (--genome), or give a LocusSequence")
        ann = _annotation(annotation, g)
        if ann is None:
            raise ParameterError(f"--gene {target} needs an annotation",
                                 hint="pass --annotation GTF/GFF3/GenBank")
        tx = (ann.find_transcript(params.transcript) if params.transcript
              else ann.canonical_transcript(ann.find_gene(target)))
        contig = tx.contig
        _refuse_mito(contig, tx)
        pad = int(params.donor_params["arm_max_nt"]) + int(params.donor_params["window_bp"])
        n = g.contig_length(tx.contig)
        off = max(0, tx.start - pad)
        seq = g.fetch(tx.contig, off, min(n, tx.end + pad))
    var: tuple[int, str, str] | None = None
    cis: tuple[tuple[int, str], ...] = ()
    if params.variant is not None:
        sub = parse_variant(params.variant)
        if sub.contig != contig:
            raise InputError(f"the variant is on {sub.contig}, the gene on {contig}",
                             hint="give a variant inside the gene")
        var = (sub.pos, sub.ref, sub.alt)
        up = seq.upper()
        cis = tuple((q, a) for q, _, a in _cis_from(
            params.cis_variants, contig,
            lambda q: up[q - off] if 0 <= q - off < len(up) else None))
    return rescue_window(
        seq, tx, contig=contig, offset=off, exon=params.exon, rescue_from=params.rescue_from,
        variant=var, allele_specific=params.allele_specific, cis=cis, arm_nt=params.arm_nt,
        arms_nt=params.arms_nt, scaffold=params.scaffold, model=params.model,
        n_designs=params.n_designs, params=params.donor_params, elements=params.elements,
        primer_params=params.primer_params, rescue_params=params.rescue_params,
        genome=scan if params.specificity else None,
        progress=progress, backend=backend, reference=None if local else g, annotation=ann,
        local_coordinates=local,
    )


__all__ = [
    "RESCUE_PARAMS",
    "RecodeCheck",
    "RescueParams",
    "design_rescue",
    "recode",
    "rescue_window",
    "splice_and_polya_hits",
    "synonymous_codons",
    "tale_hits",
]

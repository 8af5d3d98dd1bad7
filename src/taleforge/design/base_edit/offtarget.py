"""Off-target summaries of base-edit designs through the shared specificity service
(each half-site alone and every tail-to-tail pairing, also in a nuclear genome), and the
off-target *editing* sites: base editors make no double-strand break, so a passing off-target
pair or a strong single half-site (single TALE binding can drive deamination; Lei 2022 Nature
606:804, Wei 2022 Cell Discov 8:27) is reported with the bases in its window that would change
(C->T or A->G per editor and context), not as a deletion or translocation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taleforge.design.base_edit.model import Candidate, OffTargetEdit, OffTargetSummary
from taleforge.design.base_edit.params import RANKING
from taleforge.design.base_edit.windows import editable_bases
from taleforge.model.editors import EDITORS, EditorSpec, WindowTable
from taleforge.model.scaffold import custom_scaffold
from taleforge.progress import ProgressCallback, report

if TYPE_CHECKING:
    from taleforge.design.specificity import SpecificitySummary
    from taleforge.genome.annotation import Annotation
    from taleforge.genome.index import Genome

_FLIP = {"NL": "NR", "NR": "NL", "ADL": "ADR", "ADR": "ADL"}


def _offtarget(
    designs: list[Candidate], genome: Genome, nuclear: Genome | None, k: int | None,
    notes: list[str], progress: ProgressCallback | None, backend: str = "auto",
    table: WindowTable | None = None, annotation: Annotation | None = None,
) -> None:
    """Fill d.ot (OffTargetSummary) for every design: each half-site alone and every
    tail-to-tail pairing (L/R, R/L, L/L, R/R) with a spacer in the editor's range, without a
    position-0 filter (binding alone can drive deamination), via the shared specificity
    service :func:`taleforge.design.specificity.specificity_for_pairs` (score-defined search
    unless ``k`` asks for mismatch mode). With ``table``, the passing off-target pairs and
    strong half-sites become :class:`OffTargetEdit` records with the bases that would change
    (and, with the genome's ``annotation``, the nearest gene)."""
    from taleforge.design.second_cut import offtarget_breakdown
    from taleforge.design.specificity import specificity_for_pairs

    if not designs:
        return
    targets: list[tuple[str, Genome]] = [("genome", genome)]
    if nuclear is not None:
        targets.append(("nuclear", nuclear))
    results: dict[str, list[SpecificitySummary | None]] = {}
    for ti, (tag, gen) in enumerate(targets):
        report(progress, "off-target scan", ti, len(targets))
        results[tag] = _spec_engine(designs, gen, k, specificity_for_pairs, backend)
    report(progress, "off-target scan", len(targets), len(targets))
    strong = int(RANKING["strong_halfsite_max_mismatches"])
    for i, d in enumerate(designs):
        half, pairs, top, n_strong = _counts(results["genome"][i], strong)
        nh = npair = n_nstrong = 0
        sm = results["genome"][i]
        edits = _edit_sites(d, sm, genome, "genome", table, strong, annotation)
        bd = offtarget_breakdown(sm, annotation=annotation) if sm is not None else None
        nbd = None
        if "nuclear" in results and nuclear is not None:
            nsm = results["nuclear"][i]
            nh, npair, ntop, n_nstrong = _counts(nsm, strong)
            top = "; ".join(x for x in (top, ("nuclear: " + ntop) if ntop else "") if x)
            edits += _edit_sites(d, nsm, nuclear, "nuclear", table, strong)
            nbd = offtarget_breakdown(nsm) if nsm is not None else None
        d.ot = OffTargetSummary(True, half, pairs, "nuclear" in results, nh, npair, k,
                                note=top, strong_halfsites=n_strong,
                                nuclear_strong_halfsites=n_nstrong, edits=tuple(edits),
                                breakdown=bd, nuclear_breakdown=nbd)


def _counts(sm: SpecificitySummary | None, strong: int) -> tuple[int, int, str, int]:
    """(half-site hits, pair hits, closest sites text, strong half-sites) of one summary."""
    if sm is None:
        return 0, 0, "", 0
    half = int(sum(sm.left_site_counts) + sum(sm.right_site_counts))
    top = ", ".join(f"{t.label()} ({t.mismatches} mm)" for t in sm.top_sites[:3])
    n_strong = int(sum(sm.left_site_counts[: strong + 1])
                   + sum(sm.right_site_counts[: strong + 1]))
    # pairs that count: passing pairs with <= second_cut.max_mismatches total mismatches
    return half, int(sm.n_second_cut_pairs), top, n_strong


def _spec_engine(designs: list[Candidate], gen: Genome, k: int | None,
                 fn: Any, backend: str = "auto") -> list[SpecificitySummary | None]:
    """The specificity summary of every design in one genome, grouped by the editor's
    spacer range."""
    out: list[SpecificitySummary | None] = [None] * len(designs)
    groups: dict[tuple[int, int], list[int]] = {}
    for i, d in enumerate(designs):
        groups.setdefault((d.spacers[0], d.spacers[-1]), []).append(i)
    for (smin, smax), idx in sorted(groups.items()):
        scaf = custom_scaffold("tale-nt", spacer_min_bp=smin, spacer_max_bp=smax,
                               arm_min_rvds=8, arm_max_rvds=40, pos0_bases="ACGT")
        sums = fn(gen, [designs[i].pair for i in idx], scaffold=scaf, max_mismatches=k,
                  spacer_min=smin, spacer_max=smax, pos0_bases=None, backend=backend)
        for i, sm in zip(idx, sums, strict=True):
            out[i] = sm
    return out


def _editor_for(e: EditorSpec, flipped: bool) -> EditorSpec:
    """The editor as seen from an off-target geometry: ``flipped`` when the TALE that is
    upstream (on the top strand) there is the design's right TALE (the halves / the
    deaminase sit on the other side)."""
    if not flipped:
        return e
    ori = _FLIP.get(e.orientation, e.orientation)
    for x in EDITORS.values():
        if x.family == e.family and x.split == e.split and x.orientation == ori:
            return x
    return e  # pragma: no cover - every registered editor has its mirror


def _bases(gen: Genome, contig: str, e: EditorSpec, table: WindowTable, spacer_start: int,
           spacers: list[int], flips: tuple[bool, ...]) -> tuple[str, ...]:
    """``contig:posREF>ALT(strand,context)`` of every base the editor would change in the
    window of a spacer starting at ``spacer_start`` (0-based), over the given spacer lengths
    and geometries (deduplicated, by position)."""
    n = gen.contig_length(contig)
    smax = max(spacers)
    lo = max(0, spacer_start - 3)
    hi = min(n, spacer_start + smax + 3)
    if hi <= lo:
        return ()
    seq = gen.fetch(contig, lo, hi).upper()
    seen: dict[tuple[int, str], str] = {}
    for S in spacers:
        for fl in flips:
            ed = _editor_for(e, fl)
            for eb in editable_bases(table, ed, seq, spacer_start - lo, S):
                pos = lo + eb.i
                key = (pos, eb.strand)
                if key not in seen:
                    where = "top" if eb.strand == "+" else "bottom"
                    seen[key] = f"{contig}:{pos + 1}{eb.ref}>{eb.alt}({where},{eb.context})"
    return tuple(v for _, v in sorted(seen.items()))


def _near(ann: Annotation | None, contig: str, start: int, end: int, given: str) -> str:
    """``given``, else the annotation's nearest gene to the site's middle (``name`` inside
    it, ``name (+N bp)`` beside it); empty without an annotation."""
    if given or ann is None:
        return given
    ng = ann.nearest_gene(contig, (start + end) // 2)
    if ng is None:
        return ""
    gene, dist = ng
    return (gene.name or gene.id) + (f" ({dist} bp away)" if dist else "")


def _edit_sites(d: Candidate, sm: SpecificitySummary | None, gen: Genome, tag: str,
                table: WindowTable | None, strong: int, ann: Annotation | None = None,
                ) -> list[OffTargetEdit]:
    """Off-target editing sites of one design in one genome: every listed passing pair
    (``top_pairs`` of the summary) and the strong single half-sites (<= ``strong``
    mismatches) among its best-scoring sites, each with the bases that would change."""
    if sm is None or table is None:
        return []
    e: EditorSpec = d.editor
    spacers = [s for s in d.spacers if s in set(table.spacers(e))] or list(d.spacers)
    out: list[OffTargetEdit] = []
    for pr in getattr(sm, "top_pairs", ()) or ():
        if getattr(pr, "is_ontarget", False):
            continue
        ori = str(pr.orientation)
        flips = (False,) if ori == "L/R" else (True,) if ori == "R/L" else (False, True)
        note = ("homodimer: both TALEs carry the same deaminase half; window of both "
                "geometries listed [U]") if ori in ("L/L", "R/R") else ""
        S = int(pr.spacer)
        bases = _bases(gen, pr.contig, e, table, int(pr.up.end), [S], flips) \
            if S in set(table.spacers(e)) else ()
        if S not in set(table.spacers(e)):
            note = (note + "; " if note else "") + f"no window row for a {S}-bp spacer"
        out.append(OffTargetEdit(
            "pair", tag, pr.contig, int(pr.up.start) + 1, int(pr.down.end), ori, S,
            (int(pr.up.mismatches), int(pr.down.mismatches)),
            str(getattr(pr, "location", "") or pr.up.location or ""),
            _near(ann, pr.contig, int(pr.up.start), int(pr.down.end),
                  str(getattr(pr, "nearest_gene", "") or pr.up.nearest_gene or "")),
            bases, note))
    cap = int(RANKING["offtarget_edit_sites"])
    n = 0
    for st in sm.top_sites:
        if st.is_ontarget or st.mismatches > strong or not st.passes:
            continue
        if n >= cap:
            break
        n += 1
        # a + strand TALE is upstream (spacer to its right); same geometry as the design
        # when it is the left TALE there (or the right TALE on the - strand)
        plus = st.strand == "+"
        same = (st.role == "L") == plus
        if plus:
            bases = _bases(gen, st.contig, e, table, int(st.end), spacers, (not same,))
        else:
            bases = _union_minus(gen, st.contig, e, table, int(st.start), spacers, not same)
        out.append(OffTargetEdit(
            "halfsite", tag, st.contig, int(st.start) + 1, int(st.end), f"{st.role}{st.strand}",
            None, (int(st.mismatches),), str(st.location or ""),
            _near(ann, st.contig, int(st.start), int(st.end), str(st.nearest_gene or "")),
            bases, "single TALE bound: window of a partner at any spacer "
            f"{spacers[0]}-{spacers[-1]} bp on its spacer side"))
    return out


def _union_minus(gen: Genome, contig: str, e: EditorSpec, table: WindowTable, bound_start: int,
                 spacers: list[int], flipped: bool) -> tuple[str, ...]:
    """Bases in the window of a - strand (downstream) TALE: the spacer ends at its bound
    start, so it starts ``S`` bp before it, for every spacer length."""
    out: set[str] = set()
    for S in spacers:
        if bound_start - S < 0:
            continue
        out |= set(_bases(gen, contig, e, table, bound_start - S, [S], (flipped,)))
    return tuple(sorted(out, key=_base_key))


def _base_key(text: str) -> tuple[int, str]:
    head = text.split("(")[0]
    digits = "".join(ch for ch in head.rsplit(":", 1)[1] if ch.isdigit())
    return int(digits or 0), text

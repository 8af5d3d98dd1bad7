"""The base-edit job entry :func:`design_base_edit` (see the package docstring for the flow)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from taleforge.design.base_edit.consequences import knockout_edits
from taleforge.design.base_edit.model import (
    BaseEditDesign,
    BaseEditResult,
    Candidate,
    EditorRejection,
    EditRequest,
)
from taleforge.design.base_edit.offtarget import _offtarget
from taleforge.design.base_edit.params import RANKING, BaseEditParams, BaseEditTarget, Mode
from taleforge.design.base_edit.ranking import FINAL_RANK_KEYS, PRE_RANK_KEYS, _finish
from taleforge.design.base_edit.warnings import job_warnings
from taleforge.design.base_edit.windows import (
    _bystanders,
    _check_edit,
    _Ctx,
    _designs_for_edit,
    group_rejections,
)
from taleforge.design.consequence import (
    Consequence,
    ConsequenceCaller,
)
from taleforge.design.pairs import make_pair
from taleforge.design.ranking import rank
from taleforge.errors import NoResultError, ParameterError
from taleforge.genome.variants import parse_variant
from taleforge.model.editors import (
    EDITORS,
    EditorSpec,
    WindowTable,
    load_window_table,
    resolve_editors,
)
from taleforge.progress import ProgressCallback, report

if TYPE_CHECKING:
    from taleforge.genome.annotation import Annotation
    from taleforge.genome.index import Genome


def design_base_edit(
    target: BaseEditTarget | str,
    params: BaseEditParams | None = None,
    *,
    genome: Genome | str | os.PathLike[str] = "builtin:hg38-chrM",
    annotation: Annotation | str | os.PathLike[str] | None = None,
    progress: ProgressCallback | None = None,
    backend: str = "auto",
    nuclear_genome: Genome | str | os.PathLike[str] | None = None,
) -> BaseEditResult:
    """Design TALE base editors for one substitution or a base-editing knockout.

    ``target``: a :class:`BaseEditTarget` (position + to, variant, or knockout gene), or a
    string (a variant ``contig:pos:REF>ALT`` when it parses as one, else a gene to knock
    out). ``genome``/``nuclear_genome``: a :class:`Genome`, a path or a builtin name; the
    off-target scan runs with the engine ``backend``. Raises :class:`NoResultError` (with
    each editor's reason) when no editor can make the edit."""
    from taleforge.genome.index import open_genome

    tg = BaseEditTarget.parse(target) if isinstance(target, str) else target
    position, to, contig = tg.position, tg.to, tg.contig
    variant, knockout_gene = tg.variant, tg.knockout_gene
    modes = [x is not None for x in (position, variant, knockout_gene)]
    if sum(modes) != 1:
        raise ParameterError(
            "give exactly one of position (+ to), variant or knockout gene",
            hint="e.g. --position 3243 --to G, --variant chr11:5227002:T>A or --knockout PDCD1",
        )
    given = params or BaseEditParams()
    wt = given.window_table
    table = wt if isinstance(wt, WindowTable) else load_window_table(wt)
    params = given.resolved()
    eds = resolve_editors(list(params.editors or ()))
    pos0_bases = given.pos0_bases
    g_rvd = params.g_rvd
    if isinstance(genome, (str, os.PathLike)):
        genome = open_genome(genome, progress=progress)
    if isinstance(nuclear_genome, (str, os.PathLike)):
        nuclear_genome = open_genome(nuclear_genome, progress=progress)
    if isinstance(annotation, (str, os.PathLike)):
        from taleforge.genome.annotation import load_annotation

        annotation = load_annotation(annotation, genome=genome)  # aliases; one error if none fits
    if annotation is None and genome.default_annotation is not None:
        from taleforge.genome.annotation import load_annotation

        annotation = load_annotation(genome.default_annotation)
    caller = ConsequenceCaller(annotation, lambda c, s, e, st: genome.fetch(c, s, e, st))
    notes: list[str] = []
    mode: Mode
    if knockout_gene is not None:
        mode = "knockout"
        if annotation is None:
            raise ParameterError(
                "knockout mode needs a gene annotation",
                hint="pass --annotation genes.gtf (or use a built-in genome with one)",
            )
        edits = knockout_edits(genome, annotation, knockout_gene, eds, caller,
                               max_cds_fraction=params.knockout_max_cds_fraction)
        if not edits:
            raise NoResultError(
                f"no base edit the selected editors can make creates an early stop codon or "
                f"kills a constitutive splice site in {knockout_gene}",
                hint="add editors (e.g. --editor TALED) or raise the CDS fraction",
            )
    else:
        if variant is not None:
            mode = "variant"
            c, pos, ref_given, alt = parse_variant(variant)
            c, ref = _check_edit(genome, c, pos, alt, ref_given)
        else:
            mode = "position"
            if to is None:
                raise ParameterError("--position needs --to", hint="e.g. --to G")
            if contig is None:
                if len(genome.contig_names) != 1:
                    raise ParameterError(
                        "the genome has several contigs; say which one",
                        hint="pass --contig NAME or use --variant contig:pos:REF>ALT",
                    )
                contig = genome.contig_names[0]
            if position is None:  # pragma: no cover - guarded by the mode check
                raise ParameterError("--position is missing", hint="give --position N")
            pos = position - 1
            alt = to.upper()
            c, ref = _check_edit(genome, contig, pos, alt)
        edits = [EditRequest(c, pos, ref, alt, "requested",
                             caller.call(c, pos, ref, alt))]
    if annotation is None:
        notes.append("no annotation: bystander consequences are 'intergenic' (unknown)")
    ko_names: frozenset[str] | None = None
    if mode == "knockout" and annotation is not None and knockout_gene is not None:
        kg = annotation.find_gene(knockout_gene)
        ko_names = frozenset(x.upper() for x in (kg.name, kg.id, knockout_gene) if x)
    ctx = _Ctx(genome, table, eds, params, caller, ko_names)
    rejections: list[EditorRejection] = []
    counts: dict[str, int] = {}
    raw: list[Candidate] = []
    used_edits: list[EditRequest] = []
    cache: dict[tuple[int, str], tuple[Consequence, ...]] = {}
    total = len(edits)
    # position 0: T by default; when no design exists with T, retry allowing C (a TALE-NT
    # option; ranked below T designs by w_pos0_c) unless the user fixed the rule.
    pos0_rule = str(params.pos0_bases)
    relax = pos0_bases is None and "C" not in pos0_rule
    ctx_relaxed = dataclasses.replace(
        ctx, params=dataclasses.replace(params, pos0_bases=pos0_rule + "C"))
    relaxed_edits: list[str] = []
    for i, ed in enumerate(edits):
        report(progress, "base-edit: designing", i, total)
        rej: list[EditorRejection] = []
        cnt: dict[str, int] = {}
        ds = _designs_for_edit(ctx, ed, rej, cnt)
        if not ds and relax and cnt.get("no_tale_site_in_window"):
            rej2: list[EditorRejection] = []
            cnt2: dict[str, int] = {}
            ds = _designs_for_edit(ctx_relaxed, ed, rej2, cnt2)
            if ds:
                rej, cnt = rej2, cnt2
                relaxed_edits.append(ed.label)
        rejections.extend(rej)
        for k_, v_ in cnt.items():
            counts[k_] = counts.get(k_, 0) + v_
        if ds:
            raw.extend(ds)
            used_edits.append(ed)
            if mode == "knockout" and len(used_edits) >= params.knockout_max_edits:
                break
    report(progress, "base-edit: designing", total, total)
    if relaxed_edits:
        notes.append(
            "no TALE pair with position-0 T puts the target in a window for "
            + ", ".join(relaxed_edits[:5]) + ("..." if len(relaxed_edits) > 5 else "")
            + f"; position-0 {params.pos0_bases}C allowed there (TALE-NT option; without T, "
            "activity may drop up to 10-fold, Lamb 2013); pass --pos0 T to forbid")
    if not raw:
        reasons = group_rejections(rejections)
        raise NoResultError(
            f"no registered editor can make {edits[0].label if len(edits) == 1 else 'any candidate edit'}"
            f" ({reasons})",
            hint="try other editors (--editor DddA11 for 5'-HC, TALED for A>G), position-0 C "
            "as TALE-NT allows (--pos0 TC), a wider array range (--arm-min/--arm-max) or "
            "--window-table qiu2024",
        )
    # materialise and evaluate
    for d in raw:
        e: EditorSpec = d.editor
        d.pair = make_pair(d.seq, d.p, d.L, d.S, d.R,
                              contig=d.edit.contig, offset=d.lo, g_rvd=g_rvd)
        d.spacers = table.spacers(e)
        bys = _bystanders(ctx, d, d.edit, cache)
        d.bys = bys
        p_ok = 1.0
        for b in bys:
            if b.harmful:
                p_ok *= 1.0 - b.probability
        d.p_harm = 1.0 - p_ok
        d.eff = float(d.row.efficiency)
        d.p_clean = d.eff * p_ok
    order_idx = {name: i for i, name in enumerate(EDITORS)}

    def pre_score(d: Candidate) -> float:
        ed: EditRequest = d.edit
        frac = ed.cds_fraction or 0.0
        pen = (RANKING["w_cds_fraction"] * frac
               + (RANKING["w_noncanonical_stop"] if ed.noncanonical_stop else 0.0)
               if mode == "knockout" else 0.0)
        return float(d.p_clean - pen)

    # on-target order (design.ranking.rank): P(clean) less knockout penalties, efficiency,
    # fewer bystanders, editor order, edit position and base, pair position and lengths
    pre = rank({
        "score": [pre_score(d) for d in raw],
        "eff": [d.eff for d in raw],
        "n_bystanders": [len(d.bys) for d in raw],
        "editor": [order_idx[d.editor.name] for d in raw],
        "pos": [d.edit.pos for d in raw],
        "alt": [d.edit.alt for d in raw],
        "p": [d.p for d in raw], "L": [d.L for d in raw],
        "S": [d.S for d in raw], "R": [d.R for d in raw],
    }, PRE_RANK_KEYS)
    raw = _one_per_edit_first([raw[i] for i in pre], [0] * len(raw))
    n_checked = 0
    if params.offtarget:
        n_checked = _check_in_rounds(raw, genome, nuclear_genome, params, notes, progress,
                                     backend, table, annotation)
        if len(raw) > n_checked:
            notes.append(f"off-target checked for the best {n_checked} of {len(raw)} "
                         "designs (by on-target score"
                         + ("; the best design of each edit first" if mode == "knockout"
                            else "") + "); the others are listed as not checked")
    else:
        notes.append("off-target scan disabled")
    scored = [_finish(d, mode, genome, table.calibrated) for d in raw]
    # final order: the full score, then P(clean), efficiency, bystanders, editor, edit,
    # longer arms (Guilinger 2014), position and lengths; with collapse_arms one design per
    # (editor, edit, spacer interval): the best-scoring arm lengths
    # evidence tiers: clean, not checked, known off-target pair; in a target with no clean
    # design the checked designs (with their off-target pairs) come before unchecked ones
    any_clean = any(d.ot.status == "clean" for d in raw)
    tier = ({"clean": 0, "not checked": 1, "off-target pair": 2} if any_clean
            else {"clean": 0, "off-target pair": 1, "not checked": 2})
    final = rank({
        "tier": [tier[t[0].ot.status] for t in scored],
        "score": [round(t[2], 9) for t in scored],
        "p_clean": [round(t[0].p_clean, 9) for t in scored],
        "eff": [t[0].eff for t in scored],
        "n_bystanders": [len(t[0].bys) for t in scored],
        "editor": [order_idx[t[0].editor.name] for t in scored],
        "pos": [t[0].edit.pos for t in scored],
        "alt": [t[0].edit.alt for t in scored],
        "arms": [t[0].L + t[0].R for t in scored],
        "start": [t[0].p + t[0].lo for t in scored],
        "L": [t[0].L for t in scored], "S": [t[0].S for t in scored],
        "R": [t[0].R for t in scored],
        "spacer_start": [t[0].pair.spacer.start for t in scored],
    }, FINAL_RANK_KEYS,
        unique=("editor", "pos", "alt", "spacer_start", "S") if params.collapse_arms else ())
    # within each tier the best design of every edit first (knockout: one per stop codon /
    # splice kill), then the further designs; the order is total, so --top only truncates
    final = _one_per_edit_first(
        final, [tier[scored[i][0].ot.status] for i in final],
        edit_of=lambda i: (scored[i][0].edit.pos, scored[i][0].edit.alt))[: params.max_designs]
    designs = []
    for rank_, (d, rules, score) in enumerate((scored[i] for i in final), start=1):
        designs.append(BaseEditDesign(
            rank_, d.editor, d.pair, d.edit, d.strand,
            int(d.edit.pos - d.pair.spacer.start + 1), d.label, d.eff,
            f"{table.name}: {d.row.source}", tuple(d.bys), d.p_harm, d.p_clean,
            d.ot, score, rules,
            tuple(table.positions(d.editor, d.S, "top")),
            tuple(table.positions(d.editor, d.S, "bottom")),
            table.calibrated,
        ))
    prov: dict[str, Any] = {
        "genome": genome.provenance(),
        "nuclear_genome": nuclear_genome.provenance() if nuclear_genome is not None else None,
        "annotation": getattr(annotation, "source", None),
        "window_table": {"name": table.name, "version": table.version,
                         "source": table.source},
        "tool": "taleforge base-edit",
    }
    from taleforge.design.result import make_provenance

    record = make_provenance(
        genome=genome, annotation=annotation, model="positional" if params.offtarget else None,
        tables=("base_edit_ranking", "tale_base_editors", "rvd_code",
                *(("offtarget_specificity", "scored_scan", "halfsite_scan")
                  if params.offtarget else ())),
        extra_records=({"name": f"editor_windows.{table.name}", "version": table.version,
                        "values": {"source": table.source, "rows": len(table.rows)}},),
    )
    warns = job_warnings(designs, table, genome=genome, nuclear=nuclear_genome,
                         offtarget=params.offtarget, n_checked=n_checked, n_total=len(raw),
                         contigs=sorted({e.contig for e in edits}))
    return BaseEditResult(
        mode, tuple(edits if mode != "knockout" else used_edits), tuple(designs), len(raw),
        tuple(rejections), table, params, prov, tuple(notes), dict(sorted(counts.items())),
        tuple(edits), record, warns,
    )


def _one_per_edit_first(
    order: list[Any], tiers: list[int], edit_of: Callable[[Any], Any] | None = None,
) -> list[Any]:
    """``order`` (best first) regrouped stably: per tier, the first item of every edit,
    then the others."""
    key = edit_of or (lambda d: (d.edit.pos, d.edit.alt))
    seen: set[tuple[int, Any]] = set()
    rep: list[int] = []
    for t, x in zip(tiers, order, strict=True):
        k = (t, key(x))
        rep.append(0 if k not in seen else 1)
        seen.add(k)
    idx = sorted(range(len(order)), key=lambda i: (tiers[i], rep[i], i))
    return [order[i] for i in idx]


def _check_in_rounds(
    raw: list[Candidate], genome: Genome, nuclear: Genome | None, params: BaseEditParams,
    notes: list[str], progress: ProgressCallback | None, backend: str, table: WindowTable,
    annotation: Annotation | None = None,
) -> int:
    """Off-target check of the best ``offtarget_max_designs`` designs, then of the next ones
    in rounds of that size while none checked is clean (no passing off-target pair), up to
    ``offtarget_budget`` designs. Independent of ``max_designs`` (--top), so the ranking's #1
    does not depend on it. Returns how many designs were checked."""
    step = max(1, int(RANKING["offtarget_max_designs"]))
    budget = max(step, int(RANKING["offtarget_budget"]))
    done = 0
    while done < min(len(raw), budget):
        chunk = raw[done: min(done + step, budget)]
        _offtarget(chunk, genome, nuclear, params.max_mismatches, notes, progress, backend,
                   table, annotation)
        done += len(chunk)
        if any(d.ot.status == "clean" for d in raw[:done]):
            break
    if done > step:
        notes.append(f"no clean design among the best {done - step}: the off-target check "
                     f"grew in rounds of {step} to {done} designs (budget {budget})")
    return done

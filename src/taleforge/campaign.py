"""Campaigns: a list of targets designed as one resumable run (serial or on Dask).

Target file (TSV, ``#`` lines and blank lines ignored, a header row)::

    id      job        target               options
    nd4     knockout   MT-ND4               --scaffold cellectis-like --no-specificity
    m3243   base-edit  chrM:3243:A>G        --editor DdCBE --candidates 3

``job``: ``multiplex`` (``target`` = genes joined by ``+``, options as ``taleforge multiplex``),
``knockout`` (``target`` = gene, or a region ``contig:start-end``), ``base-edit``
(``target`` = ``contig:pos:REF>ALT``, or a gene to knock out by a base edit), ``correct``
(``target`` = ``contig:pos:REF>ALT``, the cells carry ALT) or ``knockin`` (``target`` = a gene,
``--cargo FILE`` and ``--exon N --in-frame`` or ``--intron N`` in the options). ``options`` are the job's CLI
options (``taleforge design`` / ``base-edit`` / ``correct``), shell-quoted, parsed by
the same click command definitions, so a row accepts exactly what the command accepts;
``--genome`` and output options are campaign-wide and refused per row. ``--candidates N``
(default: the campaign's ``--candidates``, 10) is the number of ranked designs kept.

Folder (``--out``)::

    manifest.json          taleforge version, genome name/sha256, annotation sha256, the rows
                           and each row's resolved parameters and inputs hash
    targets/<id>/          the job's normal outputs (designs.tsv/.json/.bed/.gff3; correct,
                           knockin: <job>.json/.fa/.gb), written atomically, and .done.json
                           (inputs hash, file sha256s, summary)
    summary.tsv/.json      one row per target: id, job, target, status (done, failed,
                           pending), error, n_designs, best designs, warnings
    campaign.log           timings (kept out of the results so they stay byte-identical)
    .lock                  while a run is active (a second run on the folder is refused)

Resume: a target whose ``.done.json`` has the same inputs hash (row, resolved parameters,
genome and annotation sha256, taleforge version) and whose files are intact is skipped; a
changed row is recomputed alone. Targets run as tasks (:func:`compute_target`, pure: inputs
in, file texts out), in this process or on Dask workers (``workers=N`` starts a
``LocalCluster``, ``scheduler=`` connects to a running one; workers open the genome by its
name or path); the main process writes every file, so the folder is the same either way.

One genome pass for the list: knockout targets are planned first
(:func:`~taleforge.design.knockout.plan_knockout`) and the pending specificity pairs of
every plan with the same ``spec_key`` are searched in one ``specificity_for_pairs`` call per
round (:func:`run_plans`; on Dask stateless :func:`advance_target` steps and pooled
:func:`shared_scan` tasks); summaries do not depend on the other pairs of a call, so the
files equal a per-target run's (``shared=False``). ``index.html`` and each target's
``report.html`` are written with the summary and the target's files.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import shlex
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from taleforge.errors import InputError, OutputError, ParameterError, TaleforgeError
from taleforge.progress import ProgressCallback, report

CAMPAIGN_FORMAT = "taleforge-campaign"
CAMPAIGN_FORMAT_VERSION = 1
JOBS: dict[str, str] = {"knockout": "design", "base-edit": "base-edit", "correct": "correct",
                        "knockin": "knockin", "multiplex": "multiplex"}  # job -> CLI command
#: job -> writers-registry job (folder jobs write folder_files, file jobs designs.<fmt>)
REGISTRY_JOB: dict[str, str] = {"knockout": "knockout", "base-edit": "base-edit",
                                "correct": "correction", "knockin": "knockin",
                                "multiplex": "multiplex"}
#: registry job -> the format of its ``--html`` report (written as targets/<id>/report.html)
REPORT_FORMAT: dict[str, str] = {"knockout": "html", "base-edit": "report", "correction": "html",
                                 "knockin": "html", "multiplex": "html"}
REPORT_FILE = "report.html"
REQUIRED_COLUMNS = ("id", "job", "target")
DEFAULT_CANDIDATES = 10
FORMATS = ("tsv", "json", "bed", "gff3")
DONE_FILE = ".done.json"
LOCK_FILE = ".lock"
#: options a row may not give (campaign-wide or output options)
_WIDE = "campaign-wide (campaign run --genome)"
_OUTS = "the campaign writes each target's outputs"
FORBIDDEN = {
    "--genome": _WIDE, "-g": _WIDE, "--out": _OUTS, "-o": _OUTS, "--json": _OUTS, "--bed": _OUTS,
    "--gff3": _OUTS, "--view": _OUTS, "--html": _OUTS, "--dump-window-table": _OUTS,
    "--sequence": "a campaign designs on its genome",
    "--help": "a row designs, it cannot ask for help", "--force": _OUTS,
    "--rebuild-index": _WIDE,
}
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_VARIANT = re.compile(r"^[^:\s]+:\d[\d,]*:[ACGTacgt]+>[ACGTacgt]+$")
_REGION = re.compile(r"^[^:\s]+:\d[\d,]*-\d[\d,]*$")


# --------------------------------------------------------------------------------------
# The target file
# --------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Row:
    """One target of the campaign, with its resolved parameters (JSON-able)."""

    line: int
    id: str
    job: str
    target: str
    options: str
    resolved: dict[str, Any]


def _row_error(line: int, rid: str, msg: str, hint: str) -> ParameterError:
    who = f"row {line}" + (f" ({rid})" if rid else "")
    return ParameterError(f"{who}: {msg}", hint=hint)


def read_targets(path: Path, *, candidates: int = DEFAULT_CANDIDATES) -> list[Row]:
    """Parse and resolve the target file; every problem is a one-line error naming the row."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"target file not found: {path}", hint="check the path") from None
    lines = [(i + 1, ln.rstrip("\r\n")) for i, ln in enumerate(text.splitlines())]
    lines = [(i, ln) for i, ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise InputError(f"{path} has no header row", hint="columns: id, job, target, options")
    header = [c.strip().lower() for c in lines[0][1].split("\t")]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InputError(
            f"{path}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
            hint="the header row names tab-separated columns id, job, target, options",
        )
    rows: list[Row] = []
    seen: dict[str, int] = {}
    for line, ln in lines[1:]:
        cells = ln.split("\t")
        if len(cells) > len(header):
            raise _row_error(line, "", f"{len(cells)} cells for {len(header)} columns",
                             "separate the columns by single tabs; quote options with spaces")
        rec = dict(zip(header, (c.strip() for c in cells), strict=False))
        rid, job, target = rec.get("id", ""), rec.get("job", "").lower(), rec.get("target", "")
        if not _ID.match(rid):
            raise _row_error(line, rid, f"invalid id {rid!r}",
                             "ids are letters, digits, '.', '_' or '-' (they name folders)")
        if rid in seen:
            raise _row_error(line, rid, f"duplicate id {rid!r} (also row {seen[rid]})",
                             "give each target its own id")
        seen[rid] = line
        if job not in JOBS:
            raise _row_error(line, rid, f"unknown job {job!r}", "jobs: " + ", ".join(JOBS))
        options = rec.get("options", "")
        resolved = resolve_row(line, rid, job, target, options, candidates)
        rows.append(Row(line, rid, job, target, options, resolved))
    if not rows:
        raise InputError(f"{path} lists no targets", hint="add one row per target below the header")
    return rows


def _click_command(name: str) -> Any:
    import typer.main

    from taleforge.cli import _register
    from taleforge.cli.app import app

    _register()
    group = typer.main.get_command(app)
    return group.commands[name]  # type: ignore[attr-defined]


def _parse_options(line: int, rid: str, job: str, args: list[str]) -> tuple[dict[str, Any], Any]:
    cmd = _click_command(JOBS[job])
    try:
        ctx = cmd.make_context(JOBS[job], list(args), resilient_parsing=False)
    except Exception as exc:  # click's (typer may vendor click: match by interface)
        if not hasattr(exc, "format_message"):
            raise _row_error(line, rid, "options ask for help, not a design", "remove --help") from None
        raise _row_error(line, rid, exc.format_message(),
                         f"see taleforge {JOBS[job]} --help for the options") from None
    return dict(ctx.params), ctx


def resolve_row(line: int, rid: str, job: str, target: str, options: str, candidates: int) -> dict[str, Any]:
    """The row's job inputs as a JSON-able dict (what :func:`compute_target` runs)."""
    try:
        tokens = shlex.split(options)
    except ValueError as exc:
        raise _row_error(line, rid, f"cannot split the options ({exc})", "check the quoting") from None
    for t in tokens:
        key = t.split("=", 1)[0]
        if key in FORBIDDEN:
            raise _row_error(line, rid, f"{key} is not allowed in a row's options ({FORBIDDEN[key]})",
                             f"remove {key} from row {line}")
    n = candidates
    if "--candidates" in [t.split("=", 1)[0] for t in tokens]:
        rest: list[str] = []
        it = iter(tokens)
        for t in it:
            if t == "--candidates" or t.startswith("--candidates="):
                v = t.split("=", 1)[1] if "=" in t else next(it, "")
                if not v.isdigit() or int(v) < 1:
                    raise _row_error(line, rid, f"--candidates {v!r} is not a positive integer",
                                     "use --candidates 1 or more")
                n = int(v)
            else:
                rest.append(t)
        tokens = rest
    if job == "knockout":
        return _resolve_knockout(line, rid, target, tokens, n)
    if job == "correct":
        return _resolve_correct(line, rid, target, tokens, n)
    if job == "knockin":
        return _resolve_knockin(line, rid, target, tokens, n)
    if job == "multiplex":
        return _resolve_multiplex(line, rid, target, tokens, n)
    return _resolve_base_edit(line, rid, target, tokens, n)


def _resolve_multiplex(line: int, rid: str, target: str, tokens: list[str], n: int) -> dict[str, Any]:
    """``target`` = genes joined by ``+`` (``TRAC+CD52``); options as ``taleforge multiplex``
    (``--pair``/``--design`` add fixed loci, ``--knockin LOCUS=FILE``); the campaign's (or
    the row's) ``--candidates`` is the designs per gene locus considered in the joint choice."""
    if "--gene" in [t.split("=", 1)[0] for t in tokens]:
        raise _row_error(line, rid, "--gene is not allowed in a multiplex row's options",
                         "list the genes in the target column joined by '+', e.g. TRAC+CD52")
    genes = [x.strip() for x in target.split("+")] if target.strip() else []
    if any(not x for x in genes):
        raise _row_error(line, rid, f"target {target!r} has an empty gene",
                         "join the genes by single '+', e.g. TRAC+CD52")
    args = [a for gn in genes for a in ("--gene", gn)]
    p, _ = _parse_options(line, rid, "multiplex", [*args, *tokens, "--candidates", str(n)])
    jmode = str(p["junctions"]).strip().lower().replace("_", "-")
    if jmode not in ("on-target", "ontarget", "all"):
        raise _row_error(line, rid, f"--junctions {p['junctions']!r} invalid", "use on-target or all")
    designs = []
    for d in p["design"] or []:
        m = re.match(r"^(.*\.json)(:\d+)?$", d, flags=re.IGNORECASE)
        path, rank = (m.group(1), m.group(2) or "") if m else (d, "")
        designs.append(str(Path(path).expanduser().resolve()) + rank)
    knockin = []
    for k in p["knockin"] or []:
        locus, _, path = k.partition("=")
        cargo = Path(path.strip()).expanduser()
        if not locus.strip() or not cargo.is_file():
            raise _row_error(line, rid, f"--knockin {k!r}: cargo file not found" if locus.strip()
                             else f"--knockin {k!r} is not LOCUS=FILE",
                             "write --knockin LOCUS=CARGO.gb with an existing file")
        knockin.append([locus.strip(), str(cargo.resolve())])
    resolved = {
        "genes": genes, "pairs": list(p["pair"] or []), "designs": designs, "knockin": knockin,
        "params": {"candidates": n, "fok1": p["fok1"], "junctions": "all" if jmode == "all" else "ontarget",
                   "scaffold": p["scaffold"], "model": p["model"], "streubel": p["streubel"],
                   "flank_bp": p["flank"], "specificity": p["specificity"],
                   "check_primers": p["primer_check"]},
        "annotation": _path_or_none(p["annotation"]),
    }
    try:
        loci, params = _multiplex_inputs(resolved)
        from taleforge.design.multiplex import check_loci

        check_loci(loci, params)
    except TaleforgeError as exc:
        raise _row_error(line, rid, exc.message, exc.hint or "check the row") from None
    return resolved


def _multiplex_inputs(r: Mapping[str, Any], *, cargo: bool = False) -> tuple[list[Any], Any]:
    """The loci and :class:`MultiplexParams` of a resolved multiplex row (``cargo=True``
    reads the knock-in cargo files)."""
    from taleforge.design.knockout import KnockoutParams
    from taleforge.design.multiplex import MultiplexParams, design_locus, gene_locus, pair_locus

    loci = [gene_locus(gn) for gn in r["genes"]]
    loci += [pair_locus(ps) for ps in r["pairs"]]
    loci += [design_locus(ds) for ds in r["designs"]]
    q = r["params"]
    kis: tuple[tuple[str, Any], ...] = tuple((lc, pth) for lc, pth in r["knockin"])
    if cargo:
        from taleforge.design.cargo import read_cargo

        kis = tuple((lc, read_cargo(pth)) for lc, pth in kis)
    params = MultiplexParams(
        candidates=q["candidates"], fok1=q["fok1"], junctions=q["junctions"],
        knockout=KnockoutParams(scaffold=q["scaffold"], model=q["model"], streubel=q["streubel"],
                                flank_bp=q["flank_bp"], specificity=q["specificity"]),
        knockin=kis, check_primers=q["check_primers"],
    )
    params.validate()
    return loci, params


def _resolve_knockin(line: int, rid: str, target: str, tokens: list[str], n: int) -> dict[str, Any]:
    if not target:
        raise _row_error(line, rid, "no target", "a knockin row's target is a gene")
    p, ctx = _parse_options(line, rid, "knockin", ["--gene", target, *tokens])
    if p["rescue"] or p["rescue_from"] is not None or p["cargo"] is None:
        raise _row_error(line, rid, "a knockin row needs --cargo (--rescue rows are not run by "
                         "campaigns yet)", "give --cargo FILE, or run taleforge knockin --rescue")
    src = ctx.get_parameter_source("designs")
    if p["exon"] is not None and not p["in_frame"]:
        raise _row_error(line, rid, "--exon insertion needs --in-frame", "add --in-frame or use --intron")
    if p["layout"] not in ("2a-cargo-polya", "2a-cargo-2a"):
        raise _row_error(line, rid, f"unknown layout {p['layout']!r}", "use 2a-cargo-polya or 2a-cargo-2a")
    arms = None
    if p["arms"]:
        a, _, b = p["arms"].partition(",")
        if not a.isdigit() or not b.isdigit():
            raise _row_error(line, rid, f"bad --arms {p['arms']!r}", "write 5',3' lengths, e.g. 400,800")
        arms = [int(a), int(b)]
    cargo = Path(p["cargo"]).expanduser()
    if not cargo.is_file():
        raise _row_error(line, rid, f"cargo file not found: {cargo}", "check the --cargo path")
    params = {
        "exon": p["exon"], "intron": p["intron"], "transcript": p["transcript"], "two_a": p["two_a"],
        "gsg_linker": p["gsg"], "layout": p["layout"], "keep_stop": p["keep_stop"],
        "polya": p["polya"], "own_cassette": p["cassette_as_is"], "arm_nt": p["arm"],
        "arms_nt": arms, "scaffold": p["scaffold"], "model": p["model"],
        "n_designs": p["designs"] if src is not None and src.name == "COMMANDLINE" else n,
        "specificity": p["specificity"],
    }
    return {"gene": target, "params": params, "cargo": str(cargo.resolve()),
            "aav_capacity_bp": p["aav_capacity"], "annotation": _path_or_none(p["annotation"])}


def _resolve_correct(line: int, rid: str, target: str, tokens: list[str], n: int) -> dict[str, Any]:
    if not _VARIANT.match(target):
        raise _row_error(line, rid, f"target {target!r} is not a variant",
                         "a correct row's target is CONTIG:POS:REF>ALT (the cells carry ALT)")
    p, ctx = _parse_options(line, rid, "correct", ["--variant", target, *tokens])
    src = ctx.get_parameter_source("designs")
    arms = None
    if p["ssodn_arms"]:
        a, _, b = p["ssodn_arms"].partition(",")
        if not a.isdigit() or not b.isdigit():
            raise _row_error(line, rid, f"bad --ssodn-arms {p['ssodn_arms']!r}",
                             "write LEFT,RIGHT, e.g. 36,91")
        arms = [int(a), int(b)]
    params = {
        "scaffold": p["scaffold"], "model": p["model"], "max_cut_distance_bp": p["max_cut_distance"],
        "n_designs": p["designs"] if src is not None and src.name == "COMMANDLINE" else n,
        "min_blocking": p["min_blocking"], "max_blocking": p["max_blocking"], "ssodn_arms_nt": arms,
        "specificity": p["specificity"],
    }
    ssodn = {"arm_min_nt": p["ssodn_arm_min"], "arm_max_nt": p["ssodn_arm_max"],
             "total_min_nt": p["ssodn_total_min"], "total_max_nt": p["ssodn_total_max"],
             "ps_bonds": p["ps_bonds"]}
    return {"variant": target, "params": params, "ssodn": ssodn,
            "annotation": _path_or_none(p["annotation"])}


def _path_or_none(v: Any) -> str | None:
    return None if v is None else str(Path(v).expanduser().resolve())


#: taleforge design options a knockout row refuses (not passed to the design yet)
_KNOCKOUT_NOT_MAPPED = ("methylation", "nuclear_genome", "variant", "allele_specific")


def _resolve_knockout(line: int, rid: str, target: str, tokens: list[str], n: int) -> dict[str, Any]:
    from taleforge.design.knockout import KnockoutParams

    args = (["--region", target] if _REGION.match(target) else [target]) if target else []
    p, ctx = _parse_options(line, rid, "knockout", args + tokens)
    if not target:
        if p.get("region") is None:
            raise _row_error(line, rid, "no target", "give a gene or a region in the target column")
    for name in _KNOCKOUT_NOT_MAPPED:  # options the campaign does not pass on yet: refuse
        src = ctx.get_parameter_source(name)
        if src is not None and src.name == "COMMANDLINE":
            opt = "--" + name.replace("_", "-")
            raise _row_error(line, rid, f"{opt} is not supported in a campaign row yet",
                             f"design this target with taleforge design {opt} ...")
    src = ctx.get_parameter_source("top")
    top_given = src is not None and src.name == "COMMANDLINE"
    g_rvd = p["g_rvd"].upper() if p["g_rvd"] else None
    params = {
        "scaffold": p["scaffold"], "arm_min_rvds": p["arm_min"], "arm_max_rvds": p["arm_max"],
        "spacer_min_bp": p["spacer_min"], "spacer_max_bp": p["spacer_max"], "pos0_bases": p["pos0"],
        "g_rvd": g_rvd, "streubel": p["streubel"], "cermak": p["cermak"], "flank_bp": p["flank"],
        "transcript": p["transcript"], "include_utr": p["include_utr"],
        "top": p["top"] if top_given else n, "min_cut_spacing_bp": p["min_cut_spacing"],
        "enzymes": p["enzymes"], "specificity": p["specificity"],
        "specificity_candidates": p["specificity_candidates"], "max_mismatches": p["max_mismatches"],
        "model": p["model"],
    }
    if p["enzymes"] not in ("commercial", "all", "none"):
        raise _row_error(line, rid, f"unknown enzyme set {p['enzymes']!r}", "use commercial, all or none")
    if g_rvd is not None and g_rvd not in ("NN", "NH", "NK"):
        raise _row_error(line, rid, f"G RVD {p['g_rvd']!r} invalid", "use NN, NH or NK")
    try:
        KnockoutParams(**params).resolved_scaffold()
    except TaleforgeError as exc:
        raise _row_error(line, rid, exc.message, exc.hint or "check the options") from None
    return {
        "gene": p["gene"], "region": p["region"], "params": params,
        "annotation": _path_or_none(p["annotation"]), "variants": _path_or_none(p["variants"]),
        "offtarget_genome": p["offtarget_genome"],
    }


def _resolve_base_edit(line: int, rid: str, target: str, tokens: list[str], n: int) -> dict[str, Any]:
    args: list[str] = []
    if target:
        args = ["--variant", target] if _VARIANT.match(target) else ["--knockout", target]
    p, ctx = _parse_options(line, rid, "base-edit", args + tokens)
    src = ctx.get_parameter_source("top")
    top_given = src is not None and src.name == "COMMANDLINE"
    if (p["g_rvd"] or "").upper() not in ("NN", "NH", "NK"):
        raise _row_error(line, rid, f"G RVD {p['g_rvd']!r} invalid", "use NN, NH or NK")
    wt = p["window_table"]
    if Path(wt).expanduser().is_file():
        wt = str(Path(wt).expanduser().resolve())
    params = {
        "editors": list(p["editor"]) if p["editor"] else None, "window_table": wt,
        "arm_min_rvds": p["arm_min"], "arm_max_rvds": p["arm_max"], "pos0_bases": p["pos0"],
        "g_rvd": p["g_rvd"].upper(), "max_designs": p["top"] if top_given else n,
        "offtarget": p["offtarget"], "max_mismatches": p["max_mismatches"],
        "collapse_arms": not p["all_arms"],
    }
    tgt = {"position": p["position"], "to": p["to"], "contig": p["contig"],
           "variant": p["variant"], "knockout_gene": p["knockout"]}
    if not any(v is not None for k, v in tgt.items() if k != "contig"):
        raise _row_error(line, rid, "no target", "give contig:pos:REF>ALT or a gene in the target column")
    return {"target": tgt, "params": params, "annotation": _path_or_none(p["annotation"]),
            "nuclear_genome": p["nuclear_genome"]}


# --------------------------------------------------------------------------------------
# One target: a pure task (inputs in, file texts out)
# --------------------------------------------------------------------------------------
_GENOMES: dict[str, Any] = {}
_ANNOTATIONS: dict[str, Any] = {}


def _genome(spec: Any) -> Any:
    from taleforge.genome.index import Genome, open_genome

    if isinstance(spec, Genome):
        return spec
    g = _GENOMES.get(spec)
    if g is None:
        try:
            g = open_genome(spec, rebuild="never")
        except TaleforgeError as exc:
            raise InputError(f"this worker cannot open the genome {spec!r}: {exc.message}",
                             hint="every worker must see the genome (and its index) at the same path"
                             ) from None
        _GENOMES[spec] = g
    return g


def _annotation(path: str | Path | None) -> Any:
    if path is None:
        return None
    key = str(path)
    ann = _ANNOTATIONS.get(key)
    if ann is None:
        from taleforge.genome.annotation import load_annotation

        ann = _ANNOTATIONS[key] = load_annotation(key)
    return ann


def _design(job: str, r: Mapping[str, Any], g: Any, variants: str | None,
            progress: ProgressCallback | None) -> Any:
    ann_path = r.get("annotation") or g.default_annotation
    ann = _annotation(ann_path)
    if job == "knockout":
        from taleforge.design.knockout import KnockoutParams, design_knockout

        return design_knockout(
            r["gene"], KnockoutParams(**r["params"]), genome=g, annotation=ann,
            region=r["region"], variants=r.get("variants") or variants,
            offtarget_genome=r.get("offtarget_genome"), progress=progress,
        )
    if job == "multiplex":
        from taleforge.design.multiplex import design_multiplex

        loci, mp = _multiplex_inputs(r, cargo=True)
        return design_multiplex(loci, mp, genome=g, annotation=ann, progress=progress)
    if job == "knockin":
        from taleforge.design.cargo import read_cargo
        from taleforge.design.donor import DONOR_PARAMS, KnockinParams, design_knockin

        kp = dict(r["params"])
        kp["arms_nt"] = tuple(kp["arms_nt"]) if kp["arms_nt"] else None
        params_ki = KnockinParams(
            cargo=read_cargo(r["cargo"]), **kp,
            donor_params=DONOR_PARAMS.override({"aav_capacity_bp": r["aav_capacity_bp"]}),
        )
        return design_knockin(r["gene"], params_ki, genome=g, annotation=ann, progress=progress)
    if job == "correct":
        from taleforge.design.donor import CorrectionParams, design_correction
        from taleforge.design.ssodn import SSODN_PARAMS

        cp = dict(r["params"])
        cp["ssodn_arms_nt"] = tuple(cp["ssodn_arms_nt"]) if cp["ssodn_arms_nt"] else None
        params = CorrectionParams(**cp, ssodn_params=SSODN_PARAMS.override(r["ssodn"]))
        return design_correction(r["variant"], params, genome=g, annotation=ann, progress=progress)
    from taleforge.design.base_edit import BaseEditParams, BaseEditTarget, design_base_edit
    from taleforge.model.editors import load_window_table

    p = dict(r["params"])
    p["editors"] = tuple(p["editors"]) if p["editors"] else None
    p["window_table"] = load_window_table(p["window_table"])
    ng = _genome(r["nuclear_genome"]) if r.get("nuclear_genome") else None
    return design_base_edit(BaseEditTarget(**r["target"]), BaseEditParams(**p), genome=g,
                            annotation=ann, nuclear_genome=ng, progress=progress)


def _best(job: str, res: Any, k: int = 3) -> list[dict[str, Any]]:
    if job == "multiplex":
        return [{"rank": s.rank, "score": round(float(s.score), 4), "passes": s.passes,
                 "pair_id": " + ".join(res.candidates[i][c].label for i, c in enumerate(s.picks)),
                 "cross_pairs": s.n_cross}
                for s in (res.chosen, *res.runners_up)[:k]]
    if job == "correct":
        return [{"rank": d.rank, "pair_id": d.pair.pair_id(), "score": round(float(d.quality), 4),
                 "cut_distance_bp": d.distance_bp} for d in list(res.designs)[:k]]
    if job == "knockin":
        return [{"rank": d.rank, "pair_id": d.pair.pair_id(), "score": round(float(d.quality), 4),
                 "insertion": d.insertion + 1} for d in list(res.designs)[:k]]
    if job == "knockout":
        from taleforge.io.knockout_out import design_row
    else:
        from taleforge.io.window_view import design_row  # type: ignore[assignment]
    out = []
    for d in list(res.designs)[:k]:
        row = design_row(d)
        out.append({key: v for key, v in row.items()
                    if isinstance(v, (str, int, float, bool)) or v is None})
    return out


def compute_target(task: Mapping[str, Any], genome: Any, variants: str | None = None,
                   progress: ProgressCallback | None = None) -> dict[str, Any]:
    """Design one target: ``{"status": "done", "files": {name: text}, "summary": {...}}`` or
    ``{"status": "failed", "error": one line}``. Pure: runs the same in-process or on a
    Dask worker (``genome``: a :class:`Genome`, or a name/path the worker opens)."""
    try:
        g = _genome(genome)
        return target_outcome(task, _design(task["job"], task["resolved"], g, variants, progress), g)
    except Exception as exc:  # a bug in one target must not stop the others
        return failed_outcome(exc)


def failed_outcome(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, TaleforgeError):
        return {"status": "failed", "error": exc.one_line()}
    return {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}


def target_outcome(task: Mapping[str, Any], res: Any, g: Any) -> dict[str, Any]:
    """The target's files (through the writers registry) and summary, from its result."""
    from taleforge.io.registry import FOLDER_JOBS, folder_files, render, writers

    job, rid = task["job"], task["id"]
    cmd = f"taleforge campaign run (target {rid}: {job} {task['target']} {task['options']})".rstrip()
    wjob = REGISTRY_JOB[job]
    if wjob in FOLDER_JOBS:
        files = dict(sorted(folder_files(wjob, res, command=cmd).items()))
    else:
        files = {f"designs.{fmt}": render(wjob, fmt, res, command=cmd, genome=g)
                 for fmt in FORMATS if any(w.fmt == fmt for w in writers(wjob))}
    rfmt = REPORT_FORMAT[wjob]
    if any(w.fmt == rfmt for w in writers(wjob)):  # the job's --html report
        ann = _annotation(task["resolved"].get("annotation") or g.default_annotation)
        files[REPORT_FILE] = render(wjob, rfmt, res, command=cmd, genome=g, annotation=ann)
    warnings = [f"{w.code}: {w.message}" for w in res.typed_warnings()]
    n = 1 + len(res.runners_up) if job == "multiplex" else len(res.designs)
    summary = {"n_designs": n, "best": _best(job, res), "warnings": warnings}
    return {"status": "done", "files": files, "summary": summary}


# --------------------------------------------------------------------------------------
# Shared genome passes: knockout targets as plans (design.knockout.plan_knockout)
# --------------------------------------------------------------------------------------
#: pairs per specificity_for_pairs batch in a shared pass (one genome pass per batch: the
#: anchored kernel compacts the genome once per pass, so fewer, larger passes are cheaper;
#: a target's own run uses the engine default, 64; results do not depend on it)
SHARED_BATCH_PAIRS = 512


def plan_target(task: Mapping[str, Any], g: Any, variants: str | None = None,
                progress: ProgressCallback | None = None) -> Any:
    """A knockout target's :class:`~taleforge.design.knockout.KnockoutPlan` (the same
    arguments as its :func:`design_knockout` call in :func:`_design`)."""
    from taleforge.design.knockout import KnockoutParams, plan_knockout

    r = task["resolved"]
    ann = _annotation(r.get("annotation") or g.default_annotation)
    return plan_knockout(
        r["gene"], KnockoutParams(**r["params"]), genome=g, annotation=ann,
        region=r["region"], variants=r.get("variants") or variants,
        offtarget_genome=_genome(r["offtarget_genome"]) if r.get("offtarget_genome") else None,
        progress=progress,
    )


def shared_scan(genome: Any, pairs: Sequence[Any], kwargs: Mapping[str, Any],
                batch_size: int = SHARED_BATCH_PAIRS,
                progress: ProgressCallback | None = None) -> list[Any]:
    """One ``specificity_for_pairs`` call over the pending pairs of many plans (a pure
    task: it runs the same on a Dask worker, ``genome`` a name/path the worker opens)."""
    from taleforge.design.specificity import specificity_for_pairs

    return specificity_for_pairs(_genome(genome), list(pairs), **dict(kwargs),
                                 batch_size=batch_size, progress=progress)


def run_plans(plans: Mapping[str, Any], *, batch_size: int = SHARED_BATCH_PAIRS,
              progress: ProgressCallback | None = None,
              on_done: Callable[[str, Any | BaseException], None] | None = None,
              log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Drive knockout plans to their results through shared scans: each round, the pending
    pairs of all plans with equal ``spec_key`` go to one :func:`shared_scan`, each plan is
    fed its own summaries; repeated until every plan is done. Returns id -> result (or the
    exception that failed that target alone); ``on_done(id, result)`` as each finishes.
    Plans finished in the same round share one genotyping-primer uniqueness pass per
    scanned genome (:func:`pooled_primer_sites`). The results are those of
    ``design_knockout`` (summaries and primer sites do not depend on the other pairs or
    primers of a call)."""
    out: dict[str, Any] = {}
    live = dict(plans)

    def settle(rid: str, plan: Any, sites: Any, failed: BaseException | None) -> None:
        res: Any = failed
        if failed is None:
            try:
                res = plan.result(sites) if sites is not None else plan.result()
            except Exception as exc:
                res = exc
        out[rid] = res
        live.pop(rid, None)
        if on_done:
            on_done(rid, res)

    rnd = 0
    while True:
        done = {k: pl for k, pl in live.items() if pl.done}
        sites, failed = pooled_primer_sites(done, rnd=rnd, progress=progress, log=log)
        for rid, pl in done.items():
            settle(rid, pl, sites.get(rid), failed.get(rid))
        if not live:
            return out
        rnd += 1
        groups: dict[Any, list[str]] = {}
        for rid, pl in live.items():
            groups.setdefault(pl.spec_key, []).append(rid)
        for rids in groups.values():
            parts = [(rid, live[rid].pending()) for rid in rids]
            pairs = [pr for _, ps in parts for pr in ps]
            first = live[rids[0]]
            t0 = time.perf_counter()
            try:
                sums = shared_scan(first.spec_genome, pairs, first.spec_kwargs, batch_size, progress)
            except Exception as exc:  # the whole group fails (each target with the message)
                for rid in rids:
                    out[rid] = exc
                    live.pop(rid, None)
                    if on_done:
                        on_done(rid, exc)
                continue
            if log:
                log(f"shared scan\tround {rnd}\t{len(rids)} targets\t{len(pairs)} pairs"
                    f"\t{time.perf_counter() - t0:.2f} s")
            k = 0
            for rid, ps in parts:
                try:
                    live[rid].feed(sums[k:k + len(ps)])
                except Exception as exc:
                    out[rid] = exc
                    live.pop(rid, None)
                    if on_done:
                        on_done(rid, exc)
                k += len(ps)


def pooled_primer_sites(plans: Mapping[str, Any], *, rnd: int = 0,
                        progress: ProgressCallback | None = None,
                        log: Callable[[str], None] | None = None,
                        ) -> tuple[dict[str, Any], dict[str, BaseException]]:
    """Genotyping primers of knockout plans finished together: each plan's Primer3 step
    (``plan.genotyping()``), then ONE :func:`~taleforge.design.genotyping.scan_primer_tails`
    pass per scanned genome (and backend) for the union of their 15-mer tails, instead of
    one pass per target. Returns id -> sites for ``plan.result(sites)`` (absent: the plan
    needs no scan, or the pooled pass failed and it scans on its own) and id -> the
    exception of a target whose primer design failed (it fails alone)."""
    from taleforge.design.genotyping import scan_primer_tails

    groups: dict[Any, list[tuple[str, Any]]] = {}
    failed: dict[str, BaseException] = {}
    for rid, pl in plans.items():
        if not hasattr(pl, "genotyping"):  # a plan of another kind: result() alone
            continue
        try:
            job = pl.genotyping()
        except Exception as exc:
            failed[rid] = exc
            continue
        if job.tails:
            groups.setdefault((job.scan_key, pl.backend), []).append((rid, job))
    out: dict[str, Any] = {}
    for (_, backend), members in groups.items():
        tails = sorted({t for _, job in members for t in job.tails})
        t0 = time.perf_counter()
        try:
            sites = scan_primer_tails(members[0][1].prep.scan_genome, tails, backend=backend,
                                      progress=progress)
        except Exception:  # each target then scans on its own (and fails alone)
            continue
        if log:
            log(f"primer uniqueness scan\tround {rnd}\t{len(members)} targets\t{len(tails)} "
                f"15-mers\t{time.perf_counter() - t0:.2f} s")
        for rid, _ in members:
            out[rid] = sites
    return out, failed


# --------------------------------------------------------------------------------------
# The folder
# --------------------------------------------------------------------------------------
def _canon(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def _sha_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


_FILE_SHA: dict[tuple[str, int, int], str] = {}


def _file_sha(path: str | Path | None) -> str | None:
    if path is None:
        return None
    from taleforge.genome.fasta import file_sha256

    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        return None
    key = (str(p), st.st_size, st.st_mtime_ns)
    if key not in _FILE_SHA:
        _FILE_SHA[key] = file_sha256(p)
    return _FILE_SHA[key]


def _genome_facts(g: Any, spec: str) -> dict[str, Any]:
    from taleforge.genome import registry

    entry = registry.read_entry(spec) if registry.lookup(spec) else None
    ann = g.default_annotation
    ann_sha = (entry["annotation"]["sha256"] if entry and entry.get("annotation") else _file_sha(ann))
    var = entry.get("variants") if entry else None
    return {
        "spec": spec, "name": g.name, "sha256": g.checksum,
        "annotation": Path(ann).name if ann else None, "annotation_sha256": ann_sha,
        "variants": Path(var["path"]).name if var else None,
        "variants_sha256": var["sha256"] if var else None,
    }


def row_hash(row: Row, facts: Mapping[str, Any], version: str) -> str:
    r = row.resolved
    inputs = {k: _file_sha(r.get(k)) for k in ("annotation", "variants")}
    if r.get("cargo"):
        inputs["cargo"] = _file_sha(r["cargo"])
    for i, (_, path) in enumerate(r.get("knockin") or []):  # multiplex knock-in cargos
        inputs[f"knockin{i}"] = _file_sha(path)
    for i, d in enumerate(r.get("designs") or []):  # multiplex --design FILE.json[:RANK]
        inputs[f"design{i}"] = _file_sha(re.sub(r":\d+$", "", d))
    wt = r.get("params", {}).get("window_table")
    if isinstance(wt, str) and Path(wt).is_file():
        inputs["window_table"] = _file_sha(wt)
    return _sha_text(_canon({
        "version": version, "genome": facts["sha256"], "annotation": facts["annotation_sha256"],
        "variants": facts["variants_sha256"] if row.job == "knockout" else None,
        "job": row.job, "target": row.target, "resolved": r, "inputs": inputs,
    }))


def target_dir(out: Path, rid: str) -> Path:
    return out / "targets" / rid


def read_done(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / DONE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_done(folder: Path, h: str) -> dict[str, Any] | None:
    """The done-marker when the target is finished with inputs hash ``h`` and its files
    are intact, else None."""
    done = read_done(folder)
    if done is None or done.get("inputs_sha256") != h:
        return None
    for name, sha in done.get("files", {}).items():
        try:
            if _sha_text((folder / name).read_text(encoding="utf-8")) != sha:
                return None
        except OSError:
            return None
    return done


def _write_target(folder: Path, h: str, outcome: Mapping[str, Any]) -> dict[str, Any]:
    from taleforge.io.atomic import OutputSet, atomic_write_text

    folder.mkdir(parents=True, exist_ok=True)
    old = read_done(folder)
    with contextlib.suppress(FileNotFoundError):
        (folder / DONE_FILE).unlink()
    outs = OutputSet(overwrite=True)
    for name, text in outcome["files"].items():
        outs.add(folder / name, text)
    outs.commit()
    for name in (old or {}).get("files", {}):
        if name not in outcome["files"]:
            with contextlib.suppress(FileNotFoundError):
                (folder / name).unlink()
    done = {"inputs_sha256": h,
            "files": {n: _sha_text(t) for n, t in sorted(outcome["files"].items())},
            "summary": json.loads(json.dumps(outcome["summary"], sort_keys=True))}
    atomic_write_text(folder / DONE_FILE, json.dumps(done, indent=2, sort_keys=True) + "\n")
    return done


@contextlib.contextmanager
def folder_lock(out: Path) -> Iterator[None]:
    """Refuse a second run on ``out`` while one is active (a lock left by a dead process
    is taken over)."""
    out.mkdir(parents=True, exist_ok=True)
    lock = out / LOCK_FILE
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                pid = int(lock.read_text().strip() or "0")
            except (OSError, ValueError):
                pid = 0
            if pid and pid != os.getpid() and _alive(pid):
                raise OutputError(f"{out} is in use by another campaign run (pid {pid})",
                                  hint=f"wait for it to finish, or remove {lock} if it is gone") from None
            if pid == os.getpid():
                raise OutputError(f"{out} is already being run by this process",
                                  hint="run one campaign per folder at a time") from None
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()
            continue
        with os.fdopen(fd, "w") as fh:
            fh.write(f"{os.getpid()}\n")
        break
    else:  # pragma: no cover - lost a race twice
        raise OutputError(f"{out} is in use by another campaign run", hint="try again")
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


SUMMARY_COLUMNS = ("id", "job", "target", "status", "error", "n_designs", "best_score", "best",
                   "warnings")


def _best_label(b: Mapping[str, Any]) -> str:
    where = b.get("cut") if b.get("cut") is not None else b.get("pair_id", b.get("left_start", ""))
    return f"#{b.get('rank', '')} score {b.get('score', '')} at {where}"


def summary_rows(rows: list[Row], state: Mapping[str, dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        s = state.get(r.id, {"status": "pending"})
        summ = s.get("summary") or {}
        best = summ.get("best") or []
        out.append({
            "id": r.id, "job": r.job, "target": r.target, "status": s["status"],
            "error": s.get("error"), "n_designs": summ.get("n_designs"),
            "best_score": best[0].get("score") if best else None, "best": best,
            "warnings": summ.get("warnings", []),
        })
    return out


def summary_tsv(srows: list[dict[str, Any]]) -> str:
    def cell(v: Any) -> str:
        if v is None:
            return ""
        return " ".join(str(v).split())

    lines = ["\t".join(SUMMARY_COLUMNS)]
    for s in srows:
        vals = dict(s)
        vals["best"] = "; ".join(_best_label(b) for b in s["best"])
        vals["warnings"] = " | ".join(s["warnings"])
        lines.append("\t".join(cell(vals[c]) for c in SUMMARY_COLUMNS))
    return "\n".join(lines) + "\n"


def write_summary(out: Path, rows: list[Row], state: Mapping[str, dict[str, Any]],
                  manifest: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """``summary.tsv``, ``summary.json`` and ``index.html``, put in place as one set."""
    from taleforge.io.atomic import OutputSet
    from taleforge.io.html.campaign import index_html

    srows = summary_rows(rows, state)
    counts = {k: sum(1 for s in srows if s["status"] == k) for k in ("done", "failed", "pending")}
    m = manifest or {}
    gf = m.get("genome") or {}
    facts = {"taleforge_version": m.get("taleforge_version"), "targets_file": m.get("targets_file"),
             "genome_name": gf.get("name"), "genome_sha256": gf.get("sha256"),
             "annotation": gf.get("annotation"), "annotation_sha256": gf.get("annotation_sha256")}
    files = {r.id: list(state[r.id].get("files", ())) for r in rows
             if state.get(r.id, {}).get("status") == "done"}
    outs = OutputSet(overwrite=True)
    outs.add(out / "summary.tsv", summary_tsv(srows))
    outs.add(out / "summary.json", json.dumps(
        {"format": CAMPAIGN_FORMAT, "counts": counts, "targets": srows}, indent=2, sort_keys=True) + "\n")
    outs.add(out / "index.html", index_html(srows, files, facts,
                                            title=f"Campaign {m.get('targets_file') or out.name}"))
    outs.commit()
    return srows


def _log(out: Path, text: str) -> None:
    with open(out / "campaign.log", "a", encoding="utf-8") as fh:
        fh.write(time.strftime("%Y-%m-%dT%H:%M:%S") + "\t" + text + "\n")


@dataclasses.dataclass
class CampaignReport:
    folder: Path
    done: int
    failed: int
    skipped: int
    rows: list[dict[str, Any]]

    @property
    def ok(self) -> bool:
        return self.failed == 0 and all(r["status"] == "done" for r in self.rows)


def run_campaign(
    targets: Path,
    *,
    genome: str,
    out: Path,
    candidates: int = DEFAULT_CANDIDATES,
    workers: int | None = None,
    scheduler: str | None = None,
    processes: bool = True,
    progress: ProgressCallback | None = None,
    on_target: Callable[[str, str], None] | None = None,
    timeout_s: float = 10.0,
    shared: bool = True,
    batch_size: int = SHARED_BATCH_PAIRS,
) -> CampaignReport:
    """Run (or resume) the campaign of ``targets`` into ``out``; see the module docstring.
    ``workers``/``scheduler`` run the targets as Dask tasks (``processes=False`` keeps a
    LocalCluster's workers in this process). ``on_target(id, status)`` is called as each
    target finishes (status ``done``, ``failed`` or ``skipped``); an unreachable
    ``scheduler`` raises :class:`~taleforge.errors.BackendError` after ``timeout_s``.
    ``shared`` (default): the knockout targets' specificity scans run as shared genome
    passes (:func:`run_plans`, ``batch_size`` pairs per pass); ``shared=False`` designs
    each target on its own (the same files)."""
    from taleforge import __version__
    from taleforge.genome import registry
    from taleforge.genome.index import open_genome
    from taleforge.io.atomic import atomic_write_text

    if candidates < 1:
        raise ParameterError("--candidates must be >= 1", hint="use --candidates 1 or more")
    if workers is not None and workers < 1:
        raise ParameterError(f"--workers must be >= 1, got {workers}", hint="use 1 or more")
    if workers is not None and scheduler is not None:
        raise ParameterError("--workers and --scheduler together",
                             hint="--workers starts a local cluster; --scheduler uses a running one")
    rows = read_targets(targets, candidates=candidates)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} is a file, not a folder", hint="choose a folder name for --out")
    g = open_genome(genome, progress=progress)
    facts = _genome_facts(g, genome)
    variants = registry.registered_variants(genome) if registry.lookup(genome) else None
    hashes = {r.id: row_hash(r, facts, __version__) for r in rows}
    manifest = {
        "format": CAMPAIGN_FORMAT, "format_version": CAMPAIGN_FORMAT_VERSION,
        "taleforge_version": __version__, "genome": facts, "candidates": candidates,
        "targets_file": Path(targets).name,
        "rows": [{"id": r.id, "line": r.line, "job": r.job, "target": r.target,
                  "options": r.options, "resolved": r.resolved, "inputs_sha256": hashes[r.id]}
                 for r in rows],
    }
    state: dict[str, dict[str, Any]] = {}
    n_done = n_failed = n_skipped = 0
    with folder_lock(out):
        atomic_write_text(out / "manifest.json", json.dumps(manifest, indent=2, default=str) + "\n")
        todo: list[Row] = []
        for r in rows:
            done = is_done(target_dir(out, r.id), hashes[r.id])
            if done is not None:
                state[r.id] = {"status": "done", "summary": done["summary"],
                               "files": sorted(done.get("files", {}))}
                n_skipped += 1
                if on_target:
                    on_target(r.id, "skipped")
            else:
                todo.append(r)
        total = len(rows)
        report(progress, "campaign targets", n_skipped, total)
        _log(out, f"run\t{len(todo)} to design, {n_skipped} finished before")

        def finish(r: Row, outcome: Mapping[str, Any], seconds: float) -> None:
            nonlocal n_done, n_failed
            if outcome["status"] == "done":
                done = _write_target(target_dir(out, r.id), hashes[r.id], outcome)
                state[r.id] = {"status": "done", "summary": done["summary"],
                               "files": sorted(done["files"])}
                n_done += 1
            else:
                state[r.id] = {"status": "failed", "error": outcome["error"]}
                n_failed += 1
            _log(out, f"{r.id}\t{outcome['status']}\t{seconds:.2f} s")
            report(progress, "campaign targets", n_skipped + n_done + n_failed, total)
            if on_target:
                on_target(r.id, outcome["status"])

        try:
            if workers is None and scheduler is None and not shared:
                for r in todo:
                    t0 = time.perf_counter()
                    finish(r, compute_target(_task(r), g, _str(variants), progress), time.perf_counter() - t0)
            elif workers is None and scheduler is None:
                _run_serial_shared(todo, g, _str(variants), progress, finish,
                                   lambda t: _log(out, t), batch_size)
            elif todo:
                local = Path(genome).expanduser()
                spec = str(local.resolve()) if local.exists() else genome  # workers: absolute
                _run_dask(todo, spec, _str(variants), workers, scheduler, processes, finish,
                          timeout_s, shared=shared, log=lambda t: _log(out, t),
                          batch_size=min(batch_size, DASK_SCAN_PAIRS))
        finally:
            srows = write_summary(out, rows, state, manifest)
    return CampaignReport(out, n_done, n_failed, n_skipped, srows)


def _str(p: Path | None) -> str | None:
    return None if p is None else str(p)


def _task(r: Row) -> dict[str, Any]:
    return {"id": r.id, "job": r.job, "target": r.target, "options": r.options, "resolved": r.resolved}


def _uses_plan(r: Row) -> bool:
    return r.job == "knockout"


def _run_serial_shared(todo: list[Row], g: Any, variants: str | None,
                       progress: ProgressCallback | None,
                       finish: Callable[[Row, Mapping[str, Any], float], None],
                       log: Callable[[str], None], batch_size: int) -> None:
    """Rows in order: a knockout row is planned (finished at once when it needs no scan),
    any other row designed; then the plans' scans run as shared passes (:func:`run_plans`)."""
    byid = {r.id: r for r in todo}
    plans: dict[str, Any] = {}
    spent: dict[str, float] = {}
    for r in todo:
        t0 = time.perf_counter()
        if not _uses_plan(r):
            finish(r, compute_target(_task(r), g, variants, progress), time.perf_counter() - t0)
            continue
        try:
            plan = plan_target(_task(r), g, variants, progress)
            if plan.done:
                outcome = target_outcome(_task(r), plan.result(), g)
                finish(r, outcome, time.perf_counter() - t0)
                continue
        except Exception as exc:
            finish(r, failed_outcome(exc), time.perf_counter() - t0)
            continue
        plans[r.id] = plan
        spent[r.id] = time.perf_counter() - t0
        log(f"{r.id}\tplanned\t{spent[r.id]:.2f} s\t{len(plan.pending())} pairs to scan")

    def on_done(rid: str, res: Any) -> None:
        plans.pop(rid, None)
        t0 = time.perf_counter()
        r = byid[rid]
        if isinstance(res, BaseException):
            outcome = failed_outcome(res)
        else:
            try:
                outcome = target_outcome(_task(r), res, g)
            except Exception as exc:
                outcome = failed_outcome(exc)
        # this target's own time (plan + records/files); the scans are logged per pass
        finish(r, outcome, spent[rid] + time.perf_counter() - t0)

    run_plans(dict(plans), batch_size=batch_size, progress=progress, on_done=on_done, log=log)


#: pairs per scan task on Dask (several tasks per pass keep every worker busy; each task
#: pays one compaction of the genome in the anchored kernel, so not much smaller)
DASK_SCAN_PAIRS = 128


#: environment variable: numba threads per Dask task (set for LocalCluster workers to their
#: share of the cores; set it on a remote cluster's workers the same way)
WORKER_THREADS_ENV = "TALEFORGE_WORKER_THREADS"


def _pin_threads() -> None:
    """On a Dask worker, run the numba kernels on the worker's share of the cores: without
    it every single-threaded worker of a LocalCluster also starts one numba thread per core
    (measured: load 3.8 on 2 cores, benchmarks/results/campaign_25.md)."""
    n = os.environ.get(WORKER_THREADS_ENV)
    if not n:
        return
    from taleforge.engine.kernel_util import numba

    if numba is not None:
        numba.set_num_threads(max(1, min(int(n), int(numba.config.NUMBA_NUM_THREADS))))  # type: ignore[attr-defined]


def advance_target(task: Mapping[str, Any], genome: str, variants: str | None,
                   fed: Sequence[Sequence[Any]], *, pool_primers: bool = False,
                   primer_sites: Any = None) -> tuple[Any, ...]:
    """A knockout target's step on a Dask worker (stateless: the plan is rebuilt and fed the
    summaries of the rounds so far): ``("done", outcome, seconds)`` or ``("pending", pairs,
    spec_key, spec_kwargs, scan genome, seconds)``; with ``pool_primers``, a finished plan
    whose genotyping primers need a uniqueness scan returns ``("primers", tails, key, scan
    genome, backend, seconds)`` instead, and is stepped again with the pooled
    ``primer_sites``."""
    _pin_threads()
    t0 = time.perf_counter()
    try:
        g = _genome(genome)
        plan = plan_target(task, g, variants)
        for sums in fed:
            plan.feed(list(sums))

        def scan_on(sg: Any) -> Any:
            return genome if getattr(sg, "checksum", None) == g.checksum else task[
                "resolved"].get("offtarget_genome")

        if plan.done:
            if primer_sites is not None:
                res = plan.result(primer_sites)
            else:
                job = plan.genotyping() if pool_primers else None
                if job is not None and job.tails:
                    return ("primers", list(job.tails), (job.scan_key, plan.backend),
                            scan_on(job.prep.scan_genome), plan.backend,
                            time.perf_counter() - t0)
                res = plan.result()
            return ("done", target_outcome(task, res, g), time.perf_counter() - t0)
        return ("pending", plan.pending(), plan.spec_key, plan.spec_kwargs,
                scan_on(plan.spec_genome), time.perf_counter() - t0)
    except Exception as exc:
        return ("done", failed_outcome(exc), time.perf_counter() - t0)


def _timed_scan(genome: str, pairs: Sequence[Any], kwargs: Mapping[str, Any],
                batch_size: int) -> tuple[list[Any], float]:
    _pin_threads()
    t0 = time.perf_counter()
    res = shared_scan(genome, pairs, kwargs, batch_size)
    return res, time.perf_counter() - t0


def _timed_primer_scan(genome: str, tails: Sequence[str], backend: str,
                       keep: Sequence[Sequence[str]]) -> tuple[list[Any], float]:
    """One pooled genotyping-primer uniqueness pass (a Dask task): the sites of each
    target's own ``keep`` tails (small messages), and the seconds."""
    from taleforge.design.genotyping import scan_primer_tails

    _pin_threads()
    t0 = time.perf_counter()
    sites = scan_primer_tails(_genome(genome), tails, backend=backend)
    return [sites.subset(k) for k in keep], time.perf_counter() - t0


def _timed_compute(task: Mapping[str, Any], genome: str,
                   variants: str | None) -> tuple[dict[str, Any], float]:
    _pin_threads()
    t0 = time.perf_counter()
    res = compute_target(task, genome, variants)
    return res, time.perf_counter() - t0


def _local_cluster(factory: Any, n_workers: int, processes: bool) -> Any:
    """A LocalCluster of single-threaded workers; worker processes each get their share of
    the cores for numba (:data:`WORKER_THREADS_ENV`, ``NUMBA_NUM_THREADS``)."""
    share = str(max(1, (os.cpu_count() or 1) // n_workers))
    extra: dict[str, Any] = (
        {"env": {WORKER_THREADS_ENV: share, "NUMBA_NUM_THREADS": share}} if processes else {})
    return factory(n_workers=n_workers, threads_per_worker=1, processes=processes,
                   dashboard_address=None, **extra)


def _run_dask(todo: list[Row], genome: str, variants: str | None, workers: int | None,
              scheduler: str | None, processes: bool,
              finish: Callable[[Row, Mapping[str, Any], float], None],
              timeout_s: float = 10.0, *, shared: bool = False,
              log: Callable[[str], None] | None = None,
              batch_size: int = DASK_SCAN_PAIRS) -> None:
    """Targets as tasks; with ``shared``, a knockout target is a chain of
    :func:`advance_target` tasks and its scans join the other targets' pending pairs in
    :func:`shared_scan` tasks of ``batch_size`` pairs (flushed whenever no target step is
    running); knockout targets finished by then share one genotyping-primer uniqueness task
    per scanned genome (:func:`_timed_primer_scan`), then step once more with their sites.
    The main process writes every file as each target finishes."""
    from taleforge.errors import BackendError

    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise BackendError("dask.distributed is not installed",
                           hint="pip install 'taleforge[dask]'") from None
    cluster = None
    if scheduler is None:
        cluster = _local_cluster(LocalCluster, workers or 2, processes)
        client = Client(cluster)
    else:
        from taleforge.engine.distributed import _connect

        client = _connect(scheduler, timeout_s)
    tag = f"{os.getpid()}-{time.monotonic_ns()}"
    n_sub = 0

    def key(what: str) -> str:
        nonlocal n_sub
        n_sub += 1
        return f"taleforge-{what}-{tag}-{n_sub}"

    try:
        ac = as_completed()
        meta: dict[Any, tuple[Any, ...]] = {}
        byid = {r.id: r for r in todo}
        fed: dict[str, list[list[Any]]] = {}
        spent: dict[str, float] = {}
        waiting: dict[Any, list[tuple[str, list[Any], Mapping[str, Any], Any]]] = {}
        # finished plans waiting for one pooled genotyping-primer pass: key -> (id, tails)
        primers: dict[Any, list[tuple[str, list[str]]]] = {}
        primer_on: dict[Any, tuple[Any, str]] = {}  # key -> (scan genome, backend)
        got: dict[str, dict[int, list[Any]]] = {}
        need: dict[str, int] = {}
        steps = 0
        for r in todo:
            if shared and _uses_plan(r):
                fed[r.id], spent[r.id] = [], 0.0
                fut = client.submit(advance_target, _task(r), genome, variants, [], pure=False,
                                    key=key(f"step-{r.id}"), pool_primers=True)
                meta[fut.key] = ("step", r)
                steps += 1
            else:
                fut = client.submit(_timed_compute, _task(r), genome, variants, pure=False,
                                    key=key(f"target-{r.id}"))
                meta[fut.key] = ("target", r)
            ac.add(fut)

        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or (workers or 1))

        def flush() -> None:
            for skey, items in list(waiting.items()):
                pairs = [(rid, i, pr) for rid, prs, _, _ in items for i, pr in enumerate(prs)]
                kwargs, scan_on = items[0][2], items[0][3]
                for rid, prs, _, _ in items:
                    got[rid], need[rid] = {}, len(prs)
                # at most batch_size pairs per task, and at least one task per worker
                step = max(1, min(batch_size, -(-len(pairs) // n_workers)))
                for b in range(0, len(pairs), step):
                    chunk = pairs[b:b + step]
                    fut = client.submit(_timed_scan, scan_on, [c[2] for c in chunk], kwargs,
                                        step, pure=False, key=key("scan"))
                    meta[fut.key] = ("scan", [(c[0], c[1]) for c in chunk])
                    ac.add(fut)
                del waiting[skey]
            for pkey, members in list(primers.items()):  # targets settled together: one pass
                tails = sorted({t for _, ts in members for t in ts})
                scan_on, backend = primer_on.pop(pkey)
                fut = client.submit(_timed_primer_scan, scan_on, tails, backend,
                                    [ts for _, ts in members], pure=False, key=key("primers"))
                meta[fut.key] = ("primers", [rid for rid, _ in members])
                ac.add(fut)
                del primers[pkey]

        def step_on(rid: str, sites: Any, pool: bool) -> None:
            nonlocal steps
            nf = client.submit(advance_target, _task(byid[rid]), genome, variants, fed[rid],
                               pure=False, key=key(f"step-{rid}"), pool_primers=pool,
                               primer_sites=sites)
            meta[nf.key] = ("step", byid[rid])
            ac.add(nf)
            steps += 1

        for fut in ac:
            kind, what = meta.pop(fut.key)
            try:
                res = fut.result()
                err = None
            except Exception as exc:  # a worker killed more often than the scheduler retries
                res, err = None, f"task lost: {type(exc).__name__}: {exc}"
            fut.release()  # written here: a worker dying later must not recompute it
            if kind == "target":
                outcome, seconds = res if err is None else ({"status": "failed", "error": err}, 0.0)
                finish(what, outcome, seconds)
            elif kind == "step":
                steps -= 1
                r = what
                if err is not None:
                    finish(r, {"status": "failed", "error": err}, spent[r.id])
                elif res[0] == "done":
                    finish(r, res[1], spent[r.id] + res[2])
                elif res[0] == "primers":
                    _, tails, pkey, scan_on, backend, seconds = res
                    spent[r.id] += seconds
                    primers.setdefault(pkey, []).append((r.id, tails))
                    primer_on[pkey] = (scan_on, backend)
                else:
                    _, prs, skey, kwargs, scan_on, seconds = res
                    spent[r.id] += seconds
                    waiting.setdefault(skey, []).append((r.id, prs, kwargs, scan_on))
            elif kind == "primers":  # each target finishes with its sites (or its own pass)
                sites_of, seconds = res if err is None else ([None] * len(what), 0.0)
                if log and err is None:
                    log(f"primer uniqueness scan task\t{len(what)} targets\t{seconds:.2f} s")
                for rid, sites in zip(what, sites_of, strict=True):
                    step_on(rid, sites, False)
            else:  # a scan: hand each target its summaries; a target with all of them steps on
                if err is not None:
                    for rid in dict.fromkeys(rid for rid, _ in what):
                        if rid in need:
                            del need[rid]
                            got.pop(rid, None)
                            finish(byid[rid], {"status": "failed", "error": err}, spent[rid])
                else:
                    sums, seconds = res
                    if log:
                        log(f"shared scan task\t{len(what)} pairs\t{seconds:.2f} s")
                    for (rid, i), sm in zip(what, sums, strict=True):
                        if rid in need:
                            got[rid][i] = sm
                    for rid in dict.fromkeys(rid for rid, _ in what):
                        if rid in need and len(got[rid]) == need[rid]:
                            n = need.pop(rid)
                            mine = got.pop(rid)
                            fed[rid].append([mine[i] for i in range(n)])
                            step_on(rid, None, True)
            if steps == 0 and (waiting or primers):
                flush()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# --------------------------------------------------------------------------------------
# Status
# --------------------------------------------------------------------------------------
def campaign_status(out: Path) -> list[dict[str, Any]]:
    """One dict per target of the campaign in ``out`` (id, job, target, status, error,
    n_designs): ``done`` when its done-marker matches the manifest, ``failed`` as the last
    run reported, else ``pending``."""
    out = Path(out)
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{out} is not a campaign folder (no manifest.json)",
                         hint="give the --out folder of taleforge campaign run") from None
    except ValueError:
        raise InputError(f"{out}/manifest.json is not valid JSON", hint="rerun the campaign") from None
    failed: dict[str, str] = {}
    with contextlib.suppress(OSError, ValueError):
        summ = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        failed = {t["id"]: t.get("error") or "" for t in summ.get("targets", [])
                  if t.get("status") == "failed"}
    result = []
    for r in manifest.get("rows", []):
        done = is_done(target_dir(out, r["id"]), r["inputs_sha256"])
        status = "done" if done else ("failed" if r["id"] in failed else "pending")
        result.append({"id": r["id"], "job": r["job"], "target": r["target"], "status": status,
                       "error": failed.get(r["id"]) if status == "failed" else None,
                       "n_designs": (done or {}).get("summary", {}).get("n_designs")})
    return result

"""`taleforge offtarget`: genome-wide off-target pairs and half-sites of a TALEN."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from taleforge.cli.app import app, out_console
from taleforge.cli.common import GENOME_HELP, command_line, info, print_table, rich_table, route_outputs
from taleforge.cli.progress import cli_progress
from taleforge.io.registry import render


@app.command("offtarget")
def offtarget_cmd(
    left: Annotated[
        str | None,
        typer.Option("--left", "-l", help="Left TALE RVDs, e.g. 'NN HD NI NG ...'"),
    ] = None,
    right: Annotated[
        str | None,
        typer.Option("--right", "-r", help="Right TALE RVDs (omit for a single TALE)"),
    ] = None,
    site: Annotated[
        str | None,
        typer.Option(
            help="Whole TALEN site, T...A on the top strand (e.g. 49 bp 17-15-17); "
            "replaces --left/--right"
        ),
    ] = None,
    left_len: Annotated[
        int | None,
        typer.Option(help="RVDs of the left array in --site (default 16)"),
    ] = None,
    right_len: Annotated[
        int | None,
        typer.Option(help="RVDs of the right array in --site (default 16)"),
    ] = None,
    spacer: Annotated[
        int | None,
        typer.Option(help="Spacer of --site (bp; default: what remains)"),
    ] = None,
    genome: Annotated[
        str,
        typer.Option("--genome", "-g", help=GENOME_HELP),
    ] = "builtin:hg38-chrM",
    annotation: Annotated[
        Path | None,
        typer.Option(help="GTF, GFF3 or GenBank annotation"),
    ] = None,
    model: Annotated[
        str,
        typer.Option(help="Binding model: positional or tale-nt"),
    ] = "positional",
    max_mismatches: Annotated[
        int | None,
        typer.Option(help="Mismatch mode: every half-site with at most N mismatches (Cas-OFFinder-style list). Omit for the default search: every site the binding model's score passes, with no mismatch cap"),
    ] = None,
    cutoff: Annotated[
        float | None,
        typer.Option(help="tale-nt model: hit when score <= CUTOFF x best score (TALE-NT offers 3.0, 3.5, 4.0; default 3.0)"),
    ] = None,
    max_records: Annotated[
        int,
        typer.Option(help="Pairs and half-sites listed (the best by score); counts always cover every hit. 0 = list all"),
    ] = 10000,
    scaffold: Annotated[
        str,
        typer.Option(help="Scaffold preset (sets spacer range and position 0)"),
    ] = "tale-nt",
    spacer_min: Annotated[
        int | None,
        typer.Option(help="Minimum spacer (bp; default from scaffold)"),
    ] = None,
    spacer_max: Annotated[
        int | None,
        typer.Option(help="Maximum spacer (bp; default from scaffold)"),
    ] = None,
    pos0: Annotated[
        str | None,
        typer.Option(
            help="Allowed position-0 bases (e.g. T, TC; 'any' = no filter; default from scaffold)"
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address, e.g. tcp://host:8786"),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="Worker threads/processes"),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output file (.tsv, .json, .bed)"),
    ] = None,
    json_out: Annotated[
        Path | None,
        typer.Option("--json", help="Also write JSON here"),
    ] = None,
    bed_out: Annotated[
        Path | None,
        typer.Option("--bed", help="Also write BED here"),
    ] = None,
    html_out: Annotated[
        Path | None,
        typer.Option("--html", help="Also write a self-contained HTML report here"),
    ] = None,
    top: Annotated[
        int,
        typer.Option(help="Rows shown on the terminal"),
    ] = 20,
    explain: Annotated[
        int,
        typer.Option(help="Print per-repeat score tables of the top N pairs"),
    ] = 0,
) -> None:
    """Find off-target pairs (L/R, L/L, R/R) and single half-sites of a TALEN in a genome."""
    from taleforge.design.offtarget import site_to_rvds
    from taleforge.design.offtarget_job import OffTargetParams, design_offtarget
    from taleforge.errors import InputError, ParameterError
    from taleforge.model.scaffold import get_scaffold

    sc = get_scaffold(scaffold)
    notes: list[str] = []
    if site is not None:
        if left is not None or right is not None:
            raise InputError(
                "--site cannot be combined with --left/--right",
                hint="give either --site or the RVDs",
            )
        split = site_to_rvds(site, left_len=left_len, right_len=right_len, spacer=spacer,
                             g_rvd=sc.g_rvd)
        lrvds: str | tuple[str, ...] = split.left
        rrvds: str | tuple[str, ...] | None = split.right
        notes.extend(split.notes)
        lo = sc.spacer_min_bp if spacer_min is None else spacer_min
        hi = sc.spacer_max_bp if spacer_max is None else spacer_max
        if spacer_min is None and split.spacer_bp < lo:
            spacer_min = split.spacer_bp
            notes.append(f"spacer range widened to {split.spacer_bp}-{hi} bp to include the site")
        if spacer_max is None and split.spacer_bp > hi:
            spacer_max = split.spacer_bp
            notes.append(f"spacer range widened to {lo}-{split.spacer_bp} bp to include the site")
    else:
        if left is None:
            raise InputError("no TALE given", hint="use --left 'NN HD ...' (and --right) or --site")
        if left_len is not None or right_len is not None or spacer is not None:
            raise InputError("--left-len/--right-len/--spacer apply to --site only",
                             hint="drop them or give --site")
        lrvds, rrvds = left, right
    if top < 0 or explain < 0:
        raise ParameterError("--top and --explain must be >= 0", hint="use e.g. --top 20")
    pos0_rule: str | None = "scaffold"
    if pos0 is not None:
        pos0_rule = None if pos0.lower() in ("any", "none", "off") else pos0.upper()
        if pos0_rule is not None and (not pos0_rule or set(pos0_rule) - set("ACGT")):
            raise ParameterError(f"--pos0 {pos0!r} invalid", hint="use T, TC, or any")

    with cli_progress() as progress:
        from taleforge.genome.index import open_genome

        g = open_genome(genome, progress=progress)
        ann: object = annotation
        if ann is None and getattr(g, "default_annotation", None) is not None:
            ann = g.default_annotation
        mdl: object = model
        if cutoff is not None:
            from taleforge.scoring.base import get_model
            from taleforge.scoring.talent import TaleNtModel

            base = get_model(model)
            if not isinstance(base, TaleNtModel):
                raise ParameterError(
                    f"--cutoff applies to the tale-nt model, not {model!r}",
                    hint="add --model tale-nt, or omit --cutoff",
                )
            mdl = base.with_cutoff(cutoff)
        res = design_offtarget(
            (lrvds, rrvds),
            OffTargetParams(
                scaffold=sc,
                max_mismatches=max_mismatches,
                model=mdl,  # type: ignore[arg-type]
                max_records=None if max_records == 0 else max_records,
                spacer_min=spacer_min,
                spacer_max=spacer_max,
                pos0_bases=pos0_rule,
                scheduler=scheduler,
                n_workers=workers,
            ),
            genome=g,
            annotation=ann,
            progress=progress,
        )
    outs = route_outputs(
        out,
        {"json": json_out, "bed": bed_out, "html": html_out},
        {"tsv": res.to_tsv, "json": lambda: res.to_json(command_line()), "bed": res.to_bed,
         "html": lambda: render("offtarget", "html", res, command=command_line())},
    )
    written = outs.commit()
    if out_console.is_terminal:
        _print(res, top)
    elif not written:
        sys.stdout.write(res.to_tsv())
    for p in res.pairs[:explain]:
        info(p.explain())
    for n in (*notes, *res.notes):
        info(f"note: {n}")
    for path in written:
        info(f"wrote {path}")


def _print(res: object, top: int) -> None:
    from taleforge.design.offtarget import OffTargetResult

    assert isinstance(res, OffTargetResult)
    cols = ["kind", "contig", "start", "end", "orient", "spacer", "mm", "mm/third",
            "up (mm)", "down (mm)", "score", "passes", "location"]
    rows = []
    for p in res.pairs[:top]:
        rows.append([
            "ON-TARGET" if p.is_ontarget else "pair", p.contig, p.start + 1, p.end,
            f"{p.orientation} ({p.upstream} up)", p.spacer, p.total_mismatches,
            "/".join(str(x) for x in p.mismatches_by_third()),
            f"{p.up.role}{p.up.strand} {p.up.seq} ({p.up.mismatches})",
            f"{p.down.role}{p.down.strand} {p.down.seq} ({p.down.mismatches})",
            f"{p.combined_score:.3f}", "yes" if p.passes else "no",
            p.location or "",
        ])
    print_table(rich_table(
        f"off-target pairs (model {res.model}; {sum(res.pair_counts())} off-target, "
        f"by mismatches {_trim_zeros(res.pair_counts())})", cols, rows,
    ))
    scols = ["kind", "role", "contig", "start", "end", "strand", "pos0", "seq", "mm",
             "mm/third", "score", "passes", "location", "nearest gene"]
    srows = []
    for s in res.sites[:top]:
        srows.append([
            "ON-TARGET" if s.is_ontarget else "site", s.role, s.contig, s.start + 1, s.end,
            s.strand, s.pos0_base, s.seq, s.mismatches,
            "/".join(str(x) for x in s.mismatches_by_third), f"{s.score:.3f}",
            "yes" if s.passes else "no", s.location or "", s.nearest_gene or "",
        ])
    counts = f"L {_trim_zeros(res.site_counts('L'))}" + (
        f", R {_trim_zeros(res.site_counts('R'))}" if res.right else "")
    print_table(rich_table(f"half-sites ({len(res.sites)}; off-target by mismatches {counts})",
                           scols, srows))


def _trim_zeros(c: list[int]) -> list[int]:
    while len(c) > 1 and c[-1] == 0:
        c = c[:-1]
    return c

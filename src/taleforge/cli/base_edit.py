"""`taleforge base-edit`: TALE base-editor design (DdCBE, DddA11, TALED)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from taleforge.cli.app import app, out_console
from taleforge.cli.common import (
    GENOME_HELP,
    command_line,
    info,
    print_table,
    report_tail,
    rich_table,
    route_outputs,
    warnings_banner,
)
from taleforge.cli.progress import cli_progress

if TYPE_CHECKING:
    from taleforge.design.base_edit import BaseEditResult


@app.command("base-edit")
def base_edit_cmd(
    genome: Annotated[str, typer.Option("--genome", "-g", help=GENOME_HELP)] = "builtin:hg38-chrM",
    position: Annotated[int | None, typer.Option(help="1-based position of the base to edit")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Base wanted after editing (A/C/G/T, + strand)")] = None,
    contig: Annotated[str | None, typer.Option(help="Contig of --position (needed for multi-contig genomes)")] = None,
    variant: Annotated[str | None, typer.Option(help="Substitution contig:pos:REF>ALT (1-based), e.g. chr11:5227002:T>A")] = None,
    knockout: Annotated[str | None, typer.Option(help="Gene to knock out by a stop codon or splice-site edit")] = None,
    annotation: Annotated[Path | None, typer.Option(help="GTF, GFF3 or GenBank annotation (built-in genomes have one)")] = None,
    editor: Annotated[list[str] | None, typer.Option("--editor", "-e", help="Editor(s) or families: DdCBE, DddA11, TALED, DdCBE-G1333-NL, ... (default: all)")] = None,
    window_table: Annotated[str, typer.Option(help="Editing-window table: mitoedit, qiu2024 (placeholder efficiencies: relative scores [U]) or a TSV of measured efficiencies (probabilities)")] = "mitoedit",
    nuclear_genome: Annotated[str | None, typer.Option(help="Also scan this (nuclear) genome for off-targets (mtDNA jobs: NUMTs and nuclear off-target editing)")] = None,
    arm_min: Annotated[int | None, typer.Option(help="Minimum RVDs per TALE array")] = None,
    arm_max: Annotated[int | None, typer.Option(help="Maximum RVDs per TALE array")] = None,
    pos0: Annotated[str | None, typer.Option(help="Allowed position-0 bases (default T; ACGT for evolved N-terminal domains)")] = None,
    g_rvd: Annotated[str, typer.Option(help="RVD for G: NN, NH or NK")] = "NN",
    top: Annotated[int, typer.Option(help="Number of designs to report")] = 20,
    all_arms: Annotated[bool, typer.Option("--all-arms", help="Report every arm-length variant (default: best per window geometry)")] = False,
    offtarget: Annotated[bool, typer.Option("--offtarget/--no-offtarget", help="Genome-wide half-site and pair off-target scan")] = True,
    max_mismatches: Annotated[int | None, typer.Option(help="Mismatch mode: count off-target sites with <= N mismatches per half-site (default: every site passing the binding model, score-defined)")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output file (.tsv, .json, .bed, .gff3, .html)")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write JSON here")] = None,
    bed_out: Annotated[Path | None, typer.Option("--bed", help="Also write a BED12 track here")] = None,
    gff3_out: Annotated[Path | None, typer.Option("--gff3", help="Also write GFF3 (pairs, target, bystanders) here")] = None,
    view_out: Annotated[Path | None, typer.Option("--view", help="Also write the text window view here")] = None,
    html_out: Annotated[Path | None, typer.Option("--html", help="Also write a self-contained HTML report here (locus, window, rules, provenance)")] = None,
    dump_window_table: Annotated[Path | None, typer.Option(help="Write the window table in use as TSV (a template for measured tables)")] = None,
    explain: Annotated[int, typer.Option(help="Print the window view and rule-by-rule explanation of the top N designs")] = 1,
    rebuild_index: Annotated[str, typer.Option(help="Genome index: auto, never or always")] = "auto",
) -> None:
    """Design TALE base editors (DdCBE, DddA11, TALED) for a substitution, a variant or a
    gene knockout (stop codon / splice-site kill), nuclear or mitochondrial.

    Examples: --genome builtin-mito --position 3243 --to G;
    --variant chr11:5227002:T>A --genome hg38.fa; --knockout PDCD1 --annotation gencode.gtf."""
    from taleforge.design.base_edit import BaseEditParams, BaseEditTarget, design_base_edit
    from taleforge.errors import ParameterError
    from taleforge.genome.annotation import load_annotation
    from taleforge.genome.index import open_genome
    from taleforge.io import window_view as wv
    from taleforge.io.registry import render
    from taleforge.model.editors import load_window_table

    if g_rvd.upper() not in ("NN", "NH", "NK"):
        raise ParameterError(f"G RVD {g_rvd!r} invalid", hint="use NN, NH or NK")
    if rebuild_index not in ("auto", "never", "always"):
        raise ParameterError(f"--rebuild-index {rebuild_index!r} invalid",
                             hint="use auto, never or always")
    if top < 1:
        raise ParameterError("--top must be >= 1", hint="use --top 1 or more")
    table = load_window_table(window_table)
    with cli_progress() as progress:
        g = open_genome(genome, rebuild=rebuild_index, progress=progress)  # type: ignore[arg-type]
        ng = open_genome(
            nuclear_genome, rebuild=rebuild_index, progress=progress  # type: ignore[arg-type]
        ) if nuclear_genome else None
        ann = (load_annotation(annotation, progress=progress, genome=g)  # matched to the genome
               if annotation is not None else None)
        res = design_base_edit(
            BaseEditTarget(position=position, to=to, contig=contig, variant=variant,
                           knockout_gene=knockout),
            BaseEditParams(
                editors=tuple(editor) if editor else None,
                window_table=table,
                arm_min_rvds=arm_min,
                arm_max_rvds=arm_max,
                pos0_bases=pos0,
                g_rvd=g_rvd.upper(),  # type: ignore[arg-type]
                max_designs=top,
                offtarget=offtarget,
                max_mismatches=max_mismatches,
                collapse_arms=not all_arms,
            ),
            genome=g,
            annotation=ann,
            nuclear_genome=ng,
            progress=progress,
        )
    cmd = command_line()
    outs = route_outputs(
        out,
        {"json": json_out, "bed": bed_out, "gff3": gff3_out, "text": view_out,
         "report": html_out, "windows": dump_window_table},
        {
            "tsv": lambda: wv.to_tsv_text(res, g),
            "json": lambda: wv.to_json_text(res, genome=g, command=cmd),
            "bed": lambda: wv.to_bed_text(res),
            "gff3": lambda: wv.to_gff3_text(res),
            "text": lambda: wv.to_text_view(res, g),
            "html": lambda: wv.to_html_view(res, g),
            "report": lambda: render("base-edit", "report", res, genome=g, command=cmd,
                                     annotation=ann),
            "windows": lambda: res.window_table.to_tsv(),
        },
    )
    written = outs.commit()
    if out_console.is_terminal or not written:
        if out_console.is_terminal:
            _print_table(res)
        else:
            sys.stdout.write(wv.to_tsv_text(res, g))
    for d in res.designs[:explain]:
        info(wv.design_text(d, g))
        info(d.explain())
    report_tail(res.notes, written)
    warnings_banner(res.warnings)


def _print_table(res: BaseEditResult) -> None:
    from taleforge.io.window_view import design_row, headers_for

    cols = ["rank", "editor", "edit", "edited_strand", "spacer_len", "window_pos", "context",
            "efficiency", "n_bystanders", "n_harmful", "p_clean", "offtarget_status",
            "offtarget_pair_hits", "strong_halfsites", "score", "left_start", "left_len",
            "right_len"]
    rows = [[design_row(d)[c] for c in cols] for d in res.designs]
    edits = ", ".join(e.label for e in res.edits[:3])
    h = headers_for(res)
    title = f"TALE base editors for {edits}" + (
        "" if res.calibrated else " (relative scores [U], not probabilities)")
    print_table(rich_table(title, [h.get(c, c) for c in cols], rows))

"""`taleforge multiplex`: several TALEN loci edited together, designed and checked as one set
(joint choice, genome-wide cross-talk, translocation/deletion/inversion junctions with PCR
assays, knock-in donors checked against every TALEN). Thin: parse, call
:func:`taleforge.design.multiplex.design_multiplex`, render, write one folder."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from taleforge.cli.app import app, out_console
from taleforge.cli.common import (
    GENOME_HELP,
    command_line,
    info,
    output_folder,
    print_table,
    rich_table,
    route_folder,
)
from taleforge.cli.progress import cli_progress
from taleforge.errors import ParameterError

if TYPE_CHECKING:
    from taleforge.design.multiplex import MultiplexResult


@app.command("multiplex")
def multiplex_cmd(
    gene: Annotated[list[str] | None, typer.Option("--gene", help="A gene locus to design (repeat: --gene TRAC --gene CD52)")] = None,
    pair: Annotated[list[str] | None, typer.Option("--pair", help='A fixed pair: NAME="LEFT RVDS/RIGHT RVDS" (repeatable)')] = None,
    design: Annotated[list[str] | None, typer.Option("--design", help="A design from 'taleforge design --out x.json': FILE.json[:RANK] (repeatable)")] = None,
    knockin: Annotated[list[str] | None, typer.Option("--knockin", help="Knock-in donor at a locus's cut: LOCUS=CARGO.gb|.fa (repeatable)")] = None,
    genome: Annotated[str, typer.Option("--genome", "-g", help=GENOME_HELP)] = "builtin:hg38-chrM",
    annotation: Annotated[Path | None, typer.Option(help="GTF, GFF3 or GenBank annotation (needed for --gene)")] = None,
    fok1: Annotated[str, typer.Option(help="FokI architecture: wt or ELD-KKR (obligate heterodimers; also Sharkey, Sharkey-ELD-KKR), as for assemble")] = "wt",
    candidates: Annotated[int, typer.Option(help="Designs per gene locus considered in the joint choice")] = 10,
    junctions: Annotated[str, typer.Option(help="Junction assays for on-target cuts only (on-target) or for every expected cut (all; more assays)")] = "on-target",
    scaffold: Annotated[str, typer.Option(help="Scaffold preset: tale-nt, cellectis-like, goldy, plus63, evolved-ntd")] = "tale-nt",
    model: Annotated[str, typer.Option(help="Binding model: positional or tale-nt")] = "positional",
    streubel: Annotated[bool, typer.Option("--streubel/--no-streubel", help="Streubel filter for gene loci")] = True,
    flank: Annotated[int, typer.Option(help="bp added on each side of each coding exon of gene loci")] = 0,
    specificity: Annotated[bool, typer.Option("--specificity/--no-specificity", help="Per-design genome-wide specificity in the per-locus scores")] = True,
    primer_check: Annotated[bool, typer.Option("--primer-check/--no-primer-check", help="Check every assay primer for other genome sites")] = True,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder (default multiplex-LOCI; refused if it exists, unless --force)")] = None,
    force: Annotated[bool, typer.Option("--force", help="Write into an existing --out folder, replacing its files")] = False,
    html_out: Annotated[Path | None, typer.Option("--html", help="Also write a self-contained HTML report here")] = None,
    rebuild_index: Annotated[str, typer.Option(help="Genome index: auto, never or always")] = "auto",
    explain: Annotated[int, typer.Option(help="Print the term-by-term explanation of the best N sets")] = 1,
) -> None:
    """Design and check TALEN pairs used together (2-4 loci): joint choice, cross-talk matrix,
    junction assays between every two cuts, knock-in donors checked against the whole set."""
    from taleforge.design.cargo import read_cargo
    from taleforge.design.knockout import KnockoutParams
    from taleforge.design.multiplex import (
        MultiplexParams,
        check_loci,
        design_locus,
        design_multiplex,
        gene_locus,
        knockin_spec,
        pair_locus,
    )
    from taleforge.genome.index import open_genome

    jmode = junctions.strip().lower().replace("_", "-")
    if jmode not in ("on-target", "ontarget", "all"):
        raise ParameterError(f"--junctions {junctions!r} invalid", hint="use on-target or all")
    if rebuild_index not in ("auto", "never", "always"):
        raise ParameterError(f"--rebuild-index {rebuild_index!r} invalid",
                             hint="use auto, never or always")
    loci = [gene_locus(gn) for gn in gene or []]
    loci += [pair_locus(ps) for ps in pair or []]
    loci += [design_locus(ds) for ds in design or []]
    folder = output_folder(out, "multiplex", "-".join(loc.name for loc in loci), force=force)
    kis = [knockin_spec(k) for k in knockin or []]
    params = MultiplexParams(
        candidates=candidates, fok1=fok1,
        junctions="all" if jmode == "all" else "ontarget",
        knockout=KnockoutParams(scaffold=scaffold, model=model, streubel=streubel,
                                flank_bp=flank, specificity=specificity),
        knockin=tuple(kis), check_primers=primer_check,
    )
    check_loci(loci, params)  # one-line errors before any work
    params = dataclasses.replace(
        params, knockin=tuple((lc, read_cargo(pth)) for lc, pth in kis))
    with cli_progress() as progress:
        g = open_genome(genome, rebuild=rebuild_index, progress=progress)  # type: ignore[arg-type]
        res = design_multiplex(loci, params, genome=g, annotation=annotation, progress=progress)
    outs = route_folder(folder, "multiplex", res, command=command_line())
    if html_out is not None:
        from taleforge.io.registry import render

        outs.add(html_out, render("multiplex", "html", res, command=command_line()))
    written = outs.commit()
    _summary(res)
    for s in (res.chosen, *res.runners_up)[: max(0, explain)]:
        info(s.explain(res.candidates))
    for n in res.notes:
        info(f"note: {n}")
    for w in res.warnings:
        info(f"warning: {w}")
    if written:
        info(f"wrote {len(written)} files to {folder}/: " + ", ".join(p.name for p in written))


def _summary(res: MultiplexResult) -> None:
    from taleforge.io import multiplex_out as m

    if not out_console.is_terminal:
        sys.stdout.write(m.sets_tsv(res))
        return
    cols = ["locus", "design", "pair_id", "left_fok1", "right_fok1", "cut", "locus_score"]
    rows = m.design_rows(res)
    print_table(rich_table(f"chosen set (score {res.chosen.score:.3f})", cols,
                           [[x.get(c) for c in cols] for x in rows]))
    names, cells = res.matrix()
    print_table(rich_table("cross-talk: pairs that can cut (fewest mismatches)", ["TALE", *names],
                           [[n, *(m.cell_text(c) for c in row)]
                            for n, row in zip(names, cells, strict=True)]))
    jr = m.junction_rows(res)
    jc = ["assay", "kind", "excised_bp", "product_bp", "primers_unique"]
    print_table(rich_table(f"{len(jr)} assays", jc, [[x.get(c) for c in jc] for x in jr]))

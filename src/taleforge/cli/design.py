"""`taleforge design`: TALEN knockout design."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

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
)
from taleforge.cli.progress import cli_progress


def _sequence_gene(sequence: str, exons: str | None, cds: str | None) -> tuple[Any, Any]:
    """The --sequence as a genome and an annotation with one gene "local" whose transcript
    is --exons/--cds (checked as for `taleforge correct`)."""
    from taleforge.cli.donor import _local_transcript
    from taleforge.genome.annotation import Annotation
    from taleforge.genome.annotation_model import Gene
    from taleforge.genome.index import genome_from_sequence

    g = genome_from_sequence(sequence)
    contig = g.contig_names[0]
    tx = _local_transcript(contig, exons, cds, g.contig_length(contig))[0]
    gene = Gene("local", "local", contig, tx.exons[0].start, tx.exons[-1].end, "+",
                "protein_coding", (tx,))
    return g, Annotation([gene], source="--exons/--cds")


@app.command("design")
def design_cmd(
    gene: Annotated[str | None, typer.Argument(help="Gene symbol, gene ID or transcript ID")] = None,
    genome: Annotated[str, typer.Option("--genome", "-g", help=GENOME_HELP)] = "builtin:hg38-chrM",
    annotation: Annotated[Path | None, typer.Option(help="GTF, GFF3 or GenBank annotation")] = None,
    region: Annotated[str | None, typer.Option(help="Region chr:start-end (1-based, inclusive)")] = None,
    sequence: Annotated[str | None, typer.Option(help="FASTA file (or raw sequence) to design on instead of a genome")] = None,
    exons: Annotated[str | None, typer.Option(help="With --sequence: exons as 1-based ranges, e.g. 501-642,773-995 (with --cds: cuts ranked by CDS position)")] = None,
    cds: Annotated[str | None, typer.Option(help="With --sequence and --exons: the CDS as START..END (1-based), a whole number of codons")] = None,
    transcript: Annotated[str | None, typer.Option(help="Transcript to target (default: canonical)")] = None,
    flank: Annotated[int, typer.Option(help="bp added on each side of each coding exon")] = 0,
    include_utr: Annotated[bool, typer.Option("--include-utr", help="Target whole exons, not just CDS")] = False,
    scaffold: Annotated[str, typer.Option(help="Scaffold preset: tale-nt, cellectis-like, goldy, plus63, evolved-ntd")] = "tale-nt",
    arm_min: Annotated[int | None, typer.Option(help="Minimum RVDs per array")] = None,
    arm_max: Annotated[int | None, typer.Option(help="Maximum RVDs per array")] = None,
    spacer_min: Annotated[int | None, typer.Option(help="Minimum spacer (bp)")] = None,
    spacer_max: Annotated[int | None, typer.Option(help="Maximum spacer (bp)")] = None,
    pos0: Annotated[str | None, typer.Option(help="Allowed position-0 bases, e.g. T or TC")] = None,
    g_rvd: Annotated[str | None, typer.Option(help="RVD for G: NN, NH or NK")] = None,
    streubel: Annotated[bool, typer.Option("--streubel/--no-streubel", help="Streubel filter (TALE-NT default on)")] = True,
    cermak: Annotated[bool, typer.Option("--cermak/--no-cermak", help="Cermak 2011 filters incl. composition")] = False,
    variants: Annotated[Path | None, typer.Option(help="VCF of variants to avoid in half-sites")] = None,
    top: Annotated[int, typer.Option(help="Number of designs to report")] = 20,
    min_cut_spacing: Annotated[int, typer.Option(help="Skip designs whose cut is within this many bp of a better one (0: report near-duplicates)")] = 5,
    enzymes: Annotated[str, typer.Option(help="Restriction enzymes for genotyping: commercial, all or none")] = "commercial",
    specificity: Annotated[bool, typer.Option("--specificity/--no-specificity", help="Genome-wide off-target scan of the best candidates")] = True,
    specificity_candidates: Annotated[int, typer.Option(help="How many of the best (diverse) on-target candidates get a genome-wide scan; each costs about 2.5 s on a 3.1-Gb genome (2 cores)")] = 20,
    max_mismatches: Annotated[int | None, typer.Option(help="Specificity in mismatch mode (<= N mismatches per half-site); omit for the default: every off-target site the binding model's score passes, no mismatch cap")] = None,
    model: Annotated[str, typer.Option(help="Binding model: positional or tale-nt")] = "positional",
    methylation: Annotated[str, typer.Option(help="5-methyl-C context penalised where HD reads it: auto (the organism registered with `genome add --organism`, else from the contig names: mtDNA/yeast none, E. coli K-12 dcm, else cpg assuming vertebrate nuclear DNA), cpg, dcm (CCWGG) or none")] = "auto",
    offtarget_genome: Annotated[str | None, typer.Option(help="Genome scanned for off-targets (default: --genome)")] = None,
    nuclear_genome: Annotated[str | None, typer.Option("--nuclear-genome", help="Also scan the pairs on this nuclear genome (an mtDNA target's nuclear copies, NUMTs); a path or a registered name")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output file (.tsv, .json, .bed, .gff3)")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write JSON here")] = None,
    bed_out: Annotated[Path | None, typer.Option("--bed", help="Also write a BED12 track here")] = None,
    gff3_out: Annotated[Path | None, typer.Option("--gff3", help="Also write a GFF3 track here")] = None,
    html_out: Annotated[Path | None, typer.Option("--html", help="Also write a self-contained HTML report here")] = None,
    rebuild_index: Annotated[str, typer.Option(help="Genome index: auto (rebuild when stale), never (refuse a stale index), always")] = "auto",
    explain: Annotated[int, typer.Option(help="Print the rule-by-rule explanation of the top N designs")] = 0,
    variant: Annotated[str | None, typer.Option(help="With --allele-specific: CONTIG:POS:REF>ALT on the reference + strand; the mutant allele carries ALT")] = None,
    allele_specific: Annotated[bool, typer.Option("--allele-specific", help="Knock out the mutant allele of --variant: pairs with the variant in a half-site, scored on both alleles (--variants: SNPs in cis with it)")] = False,
) -> None:
    """Design TALEN pairs that knock out a gene (or cut in a region or sequence)."""
    if allele_specific or variant is not None:
        _allele_specific(variant, allele_specific, genome, sequence, annotation, variants,
                         scaffold, model, top, specificity, max_mismatches, out, json_out,
                         bed_out, gff3_out, html_out, explain)
        return
    from taleforge.design.knockout import KnockoutParams, design_knockout
    from taleforge.errors import ParameterError
    from taleforge.io import knockout_out as ko
    from taleforge.io.registry import render

    if enzymes not in ("commercial", "all", "none"):
        raise ParameterError(f"unknown enzyme set {enzymes!r}", hint="use commercial, all or none")
    if g_rvd is not None and g_rvd.upper() not in ("NN", "NH", "NK"):
        raise ParameterError(f"G RVD {g_rvd!r} invalid", hint="use NN, NH or NK")
    params = KnockoutParams(
        scaffold=scaffold,
        arm_min_rvds=arm_min,
        arm_max_rvds=arm_max,
        spacer_min_bp=spacer_min,
        spacer_max_bp=spacer_max,
        pos0_bases=pos0,
        g_rvd=g_rvd.upper() if g_rvd else None,  # type: ignore[arg-type]
        streubel=streubel,
        cermak=cermak,
        flank_bp=flank,
        transcript=transcript,
        include_utr=include_utr,
        top=top,
        min_cut_spacing_bp=min_cut_spacing,
        enzymes=enzymes,  # type: ignore[arg-type]
        specificity=specificity,
        specificity_candidates=specificity_candidates,
        max_mismatches=max_mismatches,
        model=model,
        methylation=methylation,
    )
    params.resolved_scaffold()  # validate before any work
    if rebuild_index not in ("auto", "never", "always"):
        raise ParameterError(
            f"--rebuild-index {rebuild_index!r} invalid", hint="use auto, never or always"
        )
    with cli_progress() as progress:
        from taleforge.genome.index import open_genome

        g = None if sequence is not None else open_genome(
            genome, rebuild=rebuild_index, progress=progress  # type: ignore[arg-type]
        )
        seq_ann: Any = None
        if exons is not None or cds is not None:
            if sequence is None:
                raise ParameterError("--exons/--cds describe a --sequence",
                                     hint="with --genome, use --annotation and a gene name")
            g, seq_ann = _sequence_gene(sequence, exons, cds)
            gene, sequence = "local", None
        res = design_knockout(
            gene,
            genome=g if g is not None else genome,
            annotation=seq_ann if seq_ann is not None else annotation,
            region=region,
            sequence=sequence,
            variants=variants,
            offtarget_genome=offtarget_genome,
            nuclear_genome=nuclear_genome,
            params=params,
            progress=progress,
        )
    cmd = command_line()
    outs = route_outputs(
        out,
        {"json": json_out, "bed": bed_out, "gff3": gff3_out, "html": html_out},
        {
            "html": lambda: render("knockout", "html", res, command=cmd, genome=g),
            "tsv": lambda: ko.to_tsv_text(res),
            "json": lambda: ko.to_json_text(res, command=cmd),
            "bed": lambda: ko.to_bed_text(res),
            "gff3": lambda: ko.to_gff3_text(res),
        },
    )
    written = outs.commit()
    if not res.designs:
        info(f"taleforge: no designs: {res.empty_reason()}")
    if out_console.is_terminal or not written:
        if out_console.is_terminal:
            _print_table(res)
        else:
            sys.stdout.write(ko.to_tsv_text(res))
    for d in res.designs[:explain]:
        info(d.explain())
    from taleforge.cli.common import warnings_banner

    warnings_banner(res.typed_warnings())  # second cuts, no clean design, nothing scanned
    report_tail([*res.notes, *(w.message for w in res.typed if w.severity == "note")], written)


def _allele_specific(
    variant: str | None, allele_specific: bool, genome: str, sequence: str | None,
    annotation: Path | None, variants: Path | None, scaffold: str, model: str, top: int,
    specificity: bool, max_mismatches: int | None, out: Path | None, json_out: Path | None,
    bed_out: Path | None, gff3_out: Path | None, html_out: Path | None, explain: int,
) -> None:
    """``design --variant V --allele-specific``: allele-specific knockout of the mutant allele
    (taleforge.design.allele_specific)."""
    from taleforge.design.allele_specific import AlleleSpecificParams, design_allele_specific
    from taleforge.errors import ParameterError
    from taleforge.genome.index import genome_from_sequence, open_genome
    from taleforge.io.tables import pair_bed12

    if variant is None or not allele_specific:
        raise ParameterError("--variant and --allele-specific go together",
                             hint="add --allele-specific to knock out the allele carrying --variant")
    if gff3_out is not None or html_out is not None:
        raise ParameterError("allele-specific designs are written as TSV, JSON or BED",
                             hint="use --out x.tsv, --json or --bed")
    params = AlleleSpecificParams(scaffold=scaffold, model=model, n_designs=top,
                                  cis_variants=variants, specificity=specificity,
                                  max_mismatches=max_mismatches)
    with cli_progress() as progress:
        g = (genome_from_sequence(Path(sequence) if Path(sequence).exists() else sequence)
             if sequence is not None else open_genome(genome, progress=progress))
        res = design_allele_specific(variant, params, genome=g, annotation=annotation,
                                     progress=progress)
    cmd = command_line()
    bed = [(f"AS{d.rank}_{d.verdict.replace(' ', '_')}", d.pair, 1000 * d.scores.margin)
           for d in res.designs]
    outs = route_outputs(out, {"json": json_out, "bed": bed_out}, {
        "tsv": res.to_tsv, "json": lambda: res.to_json(cmd),
        "bed": lambda: pair_bed12(bed, f"allele-specific {res.variant}"),
    })
    written = outs.commit()
    if out_console.is_terminal or not written:
        sys.stdout.write(res.to_tsv())
    from taleforge.cli.common import warnings_banner

    warnings_banner(res.typed_warnings())
    for d in res.designs[:explain]:
        info(d.explain())
    report_tail([], written)


def _print_table(res: object) -> None:
    from taleforge.io.knockout_out import design_row

    designs = res.designs  # type: ignore[attr-defined]
    # the off-target evidence first: narrow terminals drop columns from the right
    cols = ["rank", "score", "checked", "second_cut", "left_start", "left_site", "spacer_len",
            "right_site", "cut", "exon", "codon", "cds_pct", "offtarget_pairs", "enzymes"]
    rows = []
    for d in designs:
        r = design_row(d)
        if isinstance(r["enzymes"], list):
            r["enzymes"] = ",".join(r["enzymes"][:3])
        r["checked"] = "yes" if r["checked"] else "NO"
        if r["second_cut"]:  # the consequence and the distance; the banner says where
            r["second_cut"] = str(r["second_cut"]).replace(
                "deletion or inversion between the two cuts", "deletion/inversion")
        rows.append([r[c] for c in cols])
    t = res.target  # type: ignore[attr-defined]
    print_table(rich_table(f"TALEN pairs for {t.label}", cols, rows))

"""`taleforge genome add/list/remove`: the named-genome registry."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from taleforge.cli.app import app
from taleforge.cli.common import info

genome_app = typer.Typer(
    name="genome",
    help="Named genomes (FASTA/2bit + annotation + variants) usable as --genome NAME.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(genome_app, name="genome")


@genome_app.command("add")
def genome_add(
    name: Annotated[str, typer.Argument(help="Name to register, e.g. GRCh38")],
    fasta: Annotated[Path, typer.Option("--fasta", help="Genome FASTA (.fa/.fa.gz/bgzip) or 2bit")],
    annotation: Annotated[Path | None, typer.Option(help="GTF, GFF3 or GenBank annotation")] = None,
    variants: Annotated[Path | None, typer.Option(help="VCF of variants to avoid (knockout half-sites)")] = None,
    organism: Annotated[str | None, typer.Option(help="What the genome is, for --methylation auto: vertebrate, human, mouse (cpg), ecoli-k12 (dcm), yeast, drosophila, c-elegans (none), plant (cpg; CHG/CHH not modelled) or other (none, pass --methylation)")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a genome of the same name")] = False,
) -> None:
    """Register a genome: checksum its files and build its index (once)."""
    from taleforge.cli.progress import cli_progress
    from taleforge.genome.registry import add_genome

    with cli_progress() as progress:
        e = add_genome(name, fasta, annotation=annotation, variants=variants, organism=organism,
                       force=force, progress=progress)
    org = f", organism {e['organism']}" if e.get("organism") else ""
    info(f"taleforge: registered {name}: {e['n_contigs']} contigs, {e['genome_size_bp']:,} bp"
         f" (sha256 {e['fasta']['sha256'][:12]}){org}; use --genome {name}")


@genome_app.command("list")
def genome_list() -> None:
    """The registered genomes (TSV on stdout)."""
    from taleforge.genome.registry import list_entries, registry_root

    cols = ["name", "fasta", "fasta_sha256", "annotation", "annotation_sha256", "variants",
            "n_contigs", "genome_size_bp", "organism"]
    lines = ["\t".join(cols)]
    for e in list_entries():
        ann, var = e.get("annotation") or {}, e.get("variants") or {}
        lines.append("\t".join(str(v) for v in [
            e["name"], e["fasta"]["path"], e["fasta"]["sha256"], ann.get("path", ""),
            ann.get("sha256", ""), var.get("path", ""), e["n_contigs"], e["genome_size_bp"],
            e.get("organism") or "",
        ]))
    sys.stdout.write("\n".join(lines) + "\n")
    if len(lines) == 1:
        info(f"taleforge: no genome registered (in {registry_root()})")


@genome_app.command("remove")
def genome_remove(name: Annotated[str, typer.Argument(help="Registered name")]) -> None:
    """Forget a genome and delete its index (your FASTA and annotation files are kept)."""
    from taleforge.genome.registry import remove_genome

    remove_genome(name)
    info(f"taleforge: removed {name}")

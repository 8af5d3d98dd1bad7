"""`taleforge campaign run/status`: a list of targets as one resumable run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from taleforge.cli.app import app
from taleforge.cli.common import GENOME_HELP, info

campaign_app = typer.Typer(
    name="campaign",
    help="Design a list of targets (TSV: id, job, target, options) as one resumable run.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(campaign_app, name="campaign")


@campaign_app.command("run")
def campaign_run(
    targets: Annotated[Path, typer.Argument(help="Target file: TSV with columns id, job, target, options")],
    genome: Annotated[str, typer.Option("--genome", "-g", help=GENOME_HELP)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Campaign folder (created; a rerun resumes it)")],
    candidates: Annotated[int, typer.Option(help="Ranked designs kept per target (a row's --candidates overrides)")] = 10,
    workers: Annotated[int | None, typer.Option(help="Run the targets on a local Dask cluster of N workers")] = None,
    scheduler: Annotated[str | None, typer.Option(help="Run the targets on a running Dask scheduler (tcp://host:8786)")] = None,
    shared_scans: Annotated[bool, typer.Option("--shared-scans/--per-target-scans", help="Knockout targets' specificity scans as shared genome passes (default), or one design per target (same files)")] = True,
) -> None:
    """Design every target of the file into one folder; finished targets are skipped on
    a rerun, changed rows are redone. Exit code 1 when a target failed."""
    from taleforge.campaign import run_campaign
    from taleforge.cli.common import output_folder
    from taleforge.cli.progress import cli_progress

    folder = output_folder(out, "campaign", force=False)

    with cli_progress() as progress:
        rep = run_campaign(targets, genome=genome, out=folder, candidates=candidates,
                           workers=workers, scheduler=scheduler, progress=progress,
                           shared=shared_scans)
    for r in rep.rows:
        if r["status"] == "failed":
            info(f"taleforge: {r['id']}: {r['error']}")
    info(f"taleforge: {rep.done} designed, {rep.skipped} already finished, {rep.failed} failed "
         f"of {len(rep.rows)} targets; summary: {folder / 'summary.tsv'}")
    if not rep.ok:
        raise typer.Exit(1)


@campaign_app.command("status")
def campaign_status_cmd(
    folder: Annotated[Path, typer.Argument(help="Campaign folder (--out of campaign run)")],
) -> None:
    """Each target's status (done, failed, pending) as TSV on stdout; counts on stderr."""
    from taleforge.campaign import campaign_status

    rows = campaign_status(folder)
    cols = ["id", "job", "target", "status", "n_designs", "error"]
    lines = ["\t".join(cols)]
    for r in rows:
        lines.append("\t".join("" if r[c] is None else " ".join(str(r[c]).split()) for c in cols))
    sys.stdout.write("\n".join(lines) + "\n")
    counts = {k: sum(1 for r in rows if r["status"] == k) for k in ("done", "failed", "pending")}
    info(f"taleforge: {counts['done']} done, {counts['failed']} failed, {counts['pending']} pending "
         f"of {len(rows)} targets")

"""`taleforge params` and `taleforge genomes`: what the tool knows, with sources."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from taleforge.cli.app import app, out_console
from taleforge.cli.common import print_table, rich_table


@app.callback()
def _root() -> None:
    """Design TALE-based genome edits and prove they are specific."""


@app.command("params")
def params_cmd(
    table: Annotated[str | None, typer.Argument(help="Only this table")] = None,
    tsv: Annotated[Path | None, typer.Option("--tsv", help="Write all tables as TSV")] = None,
) -> None:
    """List every rule constant: value, unit, source and evidence ([V] read in source,
    [K] literature value, [U] placeholder)."""
    from taleforge.errors import UnknownNameError
    from taleforge.io.atomic import atomic_write_text
    from taleforge.io.tables import to_tsv
    from taleforge.model.params import load_all_tables

    tables = load_all_tables()  # every table of model.params.TABLE_MODULES, registered explicitly
    if table is not None:
        if table not in tables:
            raise UnknownNameError(f"unknown table {table!r}", hint="valid: " + ", ".join(sorted(tables)))
        tables = {table: tables[table]}
    records = [r for name in sorted(tables) for r in tables[name].as_records()]
    full = ["table", "version", "name", "value", "unit", "source", "evidence", "description"]
    if tsv is not None:
        atomic_write_text(tsv, to_tsv(records, full))
        out_console.print(f"wrote {tsv}")
        return
    if not out_console.is_terminal:  # piped: TSV on stdout, like every other command
        import sys

        sys.stdout.write(to_tsv(records, full))
        return
    cols = ["table", "name", "value", "unit", "evidence", "source"]
    print_table(rich_table("taleforge parameter tables", cols, [[r[c] for c in cols] for r in records]))

"""Helpers shared by CLI commands: output routing and rich tables."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.table import Table

from taleforge.cli.app import err_console, out_console
from taleforge.errors import ParameterError
from taleforge.io.atomic import OutputSet

GENOME_HELP = (
    "Genome: FASTA (.fa/.fa.gz/bgzip), 2bit, or a built-in name "
    "(builtin:hg38-chrM, alias builtin-mito). An index is built beside it on first use."
)


def command_line() -> str:
    return "taleforge " + " ".join(shlex.quote(a) for a in sys.argv[1:])


def route_outputs(
    out: Path | None,
    extra: Mapping[str, Path | None],
    renderers: Mapping[str, Callable[[], str]],
) -> OutputSet:
    """Stage the requested outputs. ``out``'s format comes from its extension; ``extra``
    maps format -> explicit path (e.g. {"json": Path("x.json")})."""
    outs = OutputSet()
    wanted: list[tuple[str, Path]] = []
    if out is not None:
        fmt = _format_of(out, renderers)
        wanted.append((fmt, out))
    for fmt, path in extra.items():
        if path is not None:
            wanted.append((fmt, path))
    seen: set[Path] = set()
    for fmt, path in wanted:
        if path in seen:
            raise ParameterError(f"output {path} requested twice", hint="give each output its own path")
        seen.add(path)
        outs.add(path, renderers[fmt]())
    return outs


def _format_of(path: Path, renderers: Mapping[str, Callable[[], str]]) -> str:
    name = path.name.lower()
    for ext, fmt in ((".tsv", "tsv"), (".txt", "tsv"), (".json", "json"), (".bed", "bed"),
                     (".gff3", "gff3"), (".gff", "gff3"), (".html", "html"), (".gb", "genbank"),
                     (".gbk", "genbank"), (".fa", "fasta"), (".fasta", "fasta")):
        if name.endswith(ext) and fmt in renderers:
            return fmt
    raise ParameterError(
        f"cannot tell the output format of {path.name!r} from its extension",
        hint="use one of: " + ", ".join(f".{k}" for k in renderers),
    )


def rich_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
    t = Table(title=title, header_style="bold", show_lines=False)
    for c in columns:
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(*("" if v is None else str(v) for v in r))
    return t


def print_table(table: Table) -> None:
    out_console.print(table)


def info(msg: str) -> None:
    err_console.print(msg, markup=False, highlight=False)


def report_tail(notes: Sequence[str], written: Sequence[Path]) -> None:
    """The run's notes and the files it wrote, on stderr (stdout stays machine-readable)."""
    for n in notes:
        info(f"note: {n}")
    for p in written:
        info(f"wrote {p}")

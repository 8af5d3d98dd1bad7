"""Helpers shared by CLI commands: output routing and rich tables."""

from __future__ import annotations

import re
import shlex
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.table import Table

from taleforge.cli.app import err_console, out_console
from taleforge.errors import OutputError, ParameterError
from taleforge.io.atomic import OutputSet

GENOME_HELP = (
    "Genome: FASTA (.fa/.fa.gz/bgzip), 2bit, or a built-in name "
    "(builtin:hg38-chrM, alias builtin-mito), or a name from `taleforge genome add`. "
    "An index is built beside it on first use."
)


def command_line() -> str:
    return "taleforge " + " ".join(shlex.quote(a) for a in sys.argv[1:])


def route_outputs(
    out: Path | None,
    extra: Mapping[str, Path | None],
    renderers: Mapping[str, Callable[[], str]] | None = None,
    *,
    job: str | None = None,
    result: Any = None,
    **context: Any,
) -> OutputSet:
    """Stage the requested outputs of a file job (one main output: ``--out FILE``, its
    extension picks the format). ``extra`` maps format -> explicit path (e.g.
    ``{"json": Path("x.json")}``).

    The renderers come from the writers registry (:mod:`taleforge.io.registry`) when
    ``job`` and ``result`` are given: ``route_outputs(out, extra, job="knockout",
    result=res, command=cmd)``; an explicit ``renderers`` mapping (format -> callable) still
    works and overrides the registry."""
    from taleforge.io.registry import format_of_path, render, writers

    if renderers is None:
        if job is None:
            raise TypeError("route_outputs needs renderers or job= and result=")
        renderers = {
            w.fmt: (lambda fmt=w.fmt: render(job, fmt, result, **context))  # type: ignore[misc]
            for w in writers(job)
        }
    outs = OutputSet()
    wanted: list[tuple[str, Path]] = []
    if out is not None:
        fmt = format_of_path(job or "", out, renderers)
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


def slug(text: str) -> str:
    """A file-name-safe form of a label (``chr11:5227002:T>A`` -> ``chr11-5227002-T-A``)."""
    return re.sub(r"[^A-Za-z0-9._]+", "-", text).strip("-.") or "run"


def output_folder(out: Path | None, job: str, label: str = "", *, force: bool) -> Path:
    """The ``--out`` folder of a folder job (several outputs: correction, knockin,
    multiplex, assembly, campaign), checked before any work: ``out``, else
    ``<job>-<label>`` in the current folder. A file in the way is refused; an existing
    folder is refused unless ``force`` (campaign folders, which resume, are accepted)."""
    folder = out if out is not None else Path(f"{job}-{slug(label)}" if label else job)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} is a file, not a folder", hint="choose a folder name for --out")
    if folder.exists() and not force and job != "campaign":
        raise OutputError(f"{folder} exists",
                          hint="pass --force to write into it, or choose another --out")
    return folder


def route_folder(folder: Path, job: str, result: Any, **context: Any) -> OutputSet:
    """Stage every output of a folder job (:func:`taleforge.io.registry.folder_files`)
    inside ``folder`` (checked by :func:`output_folder`); files of an earlier run are
    replaced (the folder was accepted with ``--force``)."""
    from taleforge.io.registry import folder_files

    outs = OutputSet(overwrite=True)
    for name, text in folder_files(job, result, **context).items():
        outs.add(folder / name, text)
    return outs


_NUMBER = re.compile(r"^[-+]?(\d[\d,]*\.?\d*|\.\d+)([eE][-+]?\d+)?%?$|^([-+]?inf|nan)$")
#: narrowest a text column is squeezed to (wider cells fold onto more lines)
TEXT_MIN_WIDTH = 8


def is_number(text: str) -> bool:
    return bool(_NUMBER.match(text.strip()))


def rich_table(
    title: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    drop_order: Sequence[str] | None = None,
    width: int | None = None,
    full_table_hint: str = "write a TSV (--out FILE.tsv) for every column",
) -> Table:
    """A rich table whose numbers never wrap.

    Columns whose cells are all numbers are ``no_wrap`` and right-aligned, and no header is
    narrower than its name. When the table cannot fit ``width`` (default: the console's),
    columns are left out, in ``drop_order`` (default: from the right, keeping the first
    two), and a caption names them; text columns may still fold long cells."""
    width = width or out_console.width
    cells = [["" if v is None else str(v) for v in r] for r in rows]
    ncol = len(columns)
    numeric = [
        any(r[i] for r in cells) and all(is_number(r[i]) for r in cells if r[i])
        for i in range(ncol)
    ]
    full = [max([len(columns[i]), *(len(r[i]) for r in cells)]) for i in range(ncol)]
    need = [
        full[i] if numeric[i] else max(len(columns[i]), min(full[i], TEXT_MIN_WIDTH))
        for i in range(ncol)
    ]
    order = (
        [columns.index(c) for c in drop_order if c in columns]
        if drop_order is not None
        else list(range(ncol - 1, 1, -1))
    )
    shown = list(range(ncol))

    def table_width(idx: list[int]) -> int:
        return sum(need[i] for i in idx) + 3 * len(idx) + 1  # borders and padding

    dropped: list[int] = []
    for i in order:
        if table_width(shown) <= width or len(shown) <= 1:
            break
        shown.remove(i)
        dropped.append(i)
    caption = None
    if dropped:
        names = ", ".join(columns[i] for i in sorted(dropped))
        caption = f"not shown (terminal too narrow): {names}; {full_table_hint}"
    # text columns share what the numbers leave; set explicitly so rich never squeezes a
    # number (its own reduction rounds and can overshoot by a column or two)
    text_w = {i: full[i] for i in shown if not numeric[i]}
    spare = width - table_width(shown)
    if sum(full[i] for i in shown) > sum(need[i] for i in shown) + spare and text_w:
        text_w = {i: need[i] for i in text_w}
        wants = {i: full[i] - need[i] for i in text_w}
        total_want = sum(wants.values())
        spare = max(0, spare)
        for i in text_w:
            text_w[i] += spare * wants[i] // total_want if total_want else 0
    t = Table(title=title, header_style="bold", show_lines=False, caption=caption)
    for i in shown:
        if numeric[i]:
            t.add_column(columns[i], no_wrap=True, justify="right", min_width=full[i])
        else:
            t.add_column(columns[i], overflow="fold", width=text_w[i])
    for r in cells:
        t.add_row(*(r[i] for i in shown))
    return t


def print_table(table: Table) -> None:
    out_console.print(table)


def info(msg: str) -> None:
    err_console.print(msg, markup=False, highlight=False)


def warnings_banner(warnings: Sequence[Any]) -> None:
    """A loud banner on stderr for the run's warnings (``DesignWarning`` objects with severity
    "warning"; notes are left to :func:`report_tail`). Plain when piped."""
    from taleforge.design.result import DesignWarning

    loud = [w for w in warnings if isinstance(w, DesignWarning) and w.severity == "warning"]
    if not loud:
        return
    err = err_console
    bar = "!" * 72
    err.print(f"[bold red]{bar}[/]" if err.is_terminal else bar)
    for w in loud:
        who = f" [{w.design}]" if w.design else ""
        err.print(f"WARNING ({w.code}){who}: {w.message}", markup=False)
    err.print(f"[bold red]{bar}[/]" if err.is_terminal else bar)


def report_tail(notes: Sequence[str], written: Sequence[Path]) -> None:
    """The run's notes and the files it wrote, on stderr (stdout stays machine-readable)."""
    for n in notes:
        info(f"note: {n}")
    for p in written:
        info(f"wrote {p}")

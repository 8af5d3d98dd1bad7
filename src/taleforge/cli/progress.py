"""A rich progress bar behind the :data:`taleforge.progress.ProgressCallback` protocol.
On a terminal it draws bars; when stderr is not a terminal it stays quiet."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from taleforge.cli.app import err_console
from taleforge.progress import ProgressCallback, null_progress


@contextmanager
def cli_progress(enabled: bool | None = None) -> Iterator[ProgressCallback]:
    show = err_console.is_terminal if enabled is None else enabled
    if not show:
        yield null_progress
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def cb(task: str, done: int, total: int | None) -> None:
        if task not in tasks:
            tasks[task] = bar.add_task(task, total=total)
        bar.update(tasks[task], completed=done, total=total)

    with bar:
        yield cb

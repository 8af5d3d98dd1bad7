"""A rich progress bar behind the :data:`taleforge.progress.ProgressCallback` protocol.
On a terminal it draws bars; when stderr is not a terminal it stays quiet.

Each task shows ``done/total`` (bytes for an index build, batches for a scan), the time
spent and an ETA. The ETA is the mean time per finished unit since the task's first report
times the units left, so it is meaningful from the first finished batch on (rich's own
estimate needs several samples inside a 30-s window, which slow scan batches never give).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from taleforge.cli.app import err_console
from taleforge.progress import ProgressCallback, null_progress


def eta_seconds(elapsed_s: float, done: float, total: float | None) -> float | None:
    """Seconds left at the mean rate so far; None before the first unit is done."""
    if total is None or done <= 0 or elapsed_s <= 0:
        return None
    return max(0.0, elapsed_s * (total - done) / done)


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "eta -:--:--"
    s = round(seconds)
    return f"eta {s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class EtaColumn(ProgressColumn):
    """``eta H:MM:SS`` from the task's mean rate (see the module docstring)."""

    def render(self, task: Task) -> Text:
        start = task.fields.get("t0")
        if task.finished:
            return Text("done", style="progress.remaining")
        elapsed = time.monotonic() - start if isinstance(start, float) else 0.0
        return Text(
            format_eta(eta_seconds(elapsed, task.completed, task.total)),
            style="progress.remaining",
        )


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
        EtaColumn(),
        console=err_console,
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def cb(task: str, done: int, total: int | None) -> None:
        if task not in tasks:
            tasks[task] = bar.add_task(task, total=total, t0=time.monotonic())
        bar.update(tasks[task], completed=done, total=total)

    with bar:
        yield cb

"""Progress reporting is injected: library code calls ``progress(task, done, total)``.

The CLI passes a rich progress bar (only on a terminal; quiet when piped), the web app can
stream the same calls, tests pass nothing.
"""

from __future__ import annotations

from collections.abc import Callable

ProgressCallback = Callable[[str, int, "int | None"], None]


def null_progress(task: str, done: int, total: int | None) -> None:
    return None


def report(progress: ProgressCallback | None, task: str, done: int, total: int | None) -> None:
    if progress is not None:
        progress(task, done, total)

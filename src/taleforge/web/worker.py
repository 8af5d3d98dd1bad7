"""The worker processes of the web app: each runs one job at a time by calling the job's
own CLI command in-process (same code path, same files, same one-line errors).

Workers are long-lived processes (``forkserver`` context, this module preloaded, so a new
worker starts warm and numba's compiled kernels stay loaded between jobs); the scan kernels
hold the GIL only briefly, but processes keep a long job from slowing the HTTP server and
make cancelling a running job a clean ``terminate``. Inside the worker the CLI's progress
bar is replaced by a callback writing ``progress.json`` in the job folder, and the CLI's
``command_line()`` by the job's provenance command.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
import traceback
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from taleforge.errors import TaleforgeError

PROGRESS_FILE = "progress.json"
LOG_FILE = "log.txt"


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


class ProgressFile:
    """A :data:`~taleforge.progress.ProgressCallback` that writes the latest call to a JSON
    file (at most every ``interval_s``, and always when a task completes)."""

    def __init__(self, path: Path, interval_s: float = 0.2) -> None:
        self.path = path
        self.interval_s = interval_s
        self._last = 0.0

    def __call__(self, task: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self._last < self.interval_s and not (total is not None and done >= total):
            return
        self._last = now
        frac = None if not total else round(min(1.0, max(0.0, done / total)), 4)
        with contextlib.suppress(OSError):
            _write_json(self.path, {"task": task, "done": done, "total": total, "fraction": frac})


def _patch_cli(command: str, progress: ProgressFile) -> None:
    """Point every CLI module's ``cli_progress`` and ``command_line`` at this job."""
    from taleforge.cli import _register

    _register()

    @contextlib.contextmanager
    def job_progress(enabled: bool | None = None) -> Iterator[Any]:
        yield progress

    for name, mod in list(sys.modules.items()):
        if not name.startswith("taleforge.cli") or mod is None:
            continue
        if hasattr(mod, "cli_progress"):
            setattr(mod, "cli_progress", job_progress)  # noqa: B010
        if hasattr(mod, "command_line"):
            setattr(mod, "command_line", lambda: command)  # noqa: B010


def run_job(argv: list[str], command: str, folder: str) -> dict[str, Any]:
    """Run one job in this process: ``argv`` with ``{inputs}``/``{files}`` filled in from
    ``folder``. Returns ``{"status": "done"|"failed", "error": one line or None}``."""
    from taleforge.cli.app import app

    root = Path(folder)
    files = root / "files"
    args = [a.replace("{inputs}", str(root / "inputs")).replace("{files}", str(files)) for a in argv]
    progress = ProgressFile(root / PROGRESS_FILE)
    _patch_cli(command, progress)
    log = io.StringIO()
    old_out, old_err = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = log
    error: str | None = None
    try:
        app(args=args, prog_name="taleforge", standalone_mode=False)
    except TaleforgeError as exc:
        error = exc.one_line()
    except OSError as exc:
        error = f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")
    except Exception as exc:  # typer vendors click: its exceptions are matched by interface
        if hasattr(exc, "format_message"):
            error = exc.format_message()
        elif type(exc).__name__ == "Exit":
            code = getattr(exc, "exit_code", 0)
            error = f"the command stopped with exit code {code}." if code else None
        else:  # a bug: the client gets one line, the log the traceback
            error = f"internal error ({type(exc).__name__}); see the job's log on the server."
            log.write(traceback.format_exc())
    finally:
        sys.stdout, sys.stderr = old_out, old_err
        with contextlib.suppress(OSError):
            (root / LOG_FILE).write_text(log.getvalue(), encoding="utf-8")
    if error is None and not any(files.iterdir() if files.is_dir() else ()):
        error = "the job wrote no files."
    return {"status": "failed" if error else "done", "error": error}


def worker_main(conn: Connection, env: dict[str, str]) -> None:
    """A worker's loop: receive ``{"argv", "command", "folder"}``, run it, send the outcome;
    ``None`` stops the worker."""
    os.environ.update(env)
    try:
        os.nice(5)  # the HTTP server stays responsive while jobs run
    except OSError:
        pass
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        try:
            outcome = run_job(msg["argv"], msg["command"], msg["folder"])
        except Exception as exc:  # never let the loop die on a bad message
            outcome = {"status": "failed", "error": f"internal error ({type(exc).__name__})."}
        try:
            conn.send(outcome)
        except (EOFError, OSError):
            return


def _warm() -> None:
    """Imports done once in the fork server (inherited by every worker)."""
    with contextlib.suppress(Exception):
        from taleforge.cli import _register

        _register()
        import taleforge.design.knockout  # noqa: F401
        import taleforge.io.registry as reg

        reg.load_writers()


_warm()

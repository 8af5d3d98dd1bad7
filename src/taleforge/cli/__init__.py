"""Command-line interface (thin): parse options, call ``taleforge.design``/engine functions,
render, and map :class:`taleforge.errors.TaleforgeError` to one-line messages and exit codes.

Each sub-command lives in its own module under ``taleforge.cli`` and registers itself on
:data:`taleforge.cli.app.app`.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

from taleforge.cli.app import app, err_console
from taleforge.errors import TaleforgeError

_COMMAND_MODULES = ("design", "offtarget", "base_edit", "donor", "info", "assemble", "multiplex",
                    "genome_cmd", "campaign", "serve")


def _register() -> None:
    for name in _COMMAND_MODULES:
        full = f"taleforge.cli.{name}"
        if importlib.util.find_spec(full) is None:
            continue
        importlib.import_module(full)


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived: unwinds like Ctrl-C so temp files and folders are removed
    (index builds, staged outputs) on the way out."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _signals_interrupt(received: list[int]) -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`Interrupted` in the main thread (and are appended
    to ``received``: typer turns a KeyboardInterrupt into a silent exit 130); once the first
    arrived, further ones are ignored so the clean-up is not cut short. The previous
    handlers are restored on exit (``main`` is also called in-process by tests)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
        received.append(signum)
        raise Interrupted(signum)

    old = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)


def _default_numba_cache() -> None:
    """Compiled scan kernels are cached where the user can write: ``NUMBA_CACHE_DIR``
    defaults to ``<taleforge cache>/numba`` (numba's own default is beside the installed
    sources, often read-only). An explicit ``NUMBA_CACHE_DIR`` is kept."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    from taleforge.genome.index import cache_root

    folder = cache_root() / "numba"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    if os.access(folder, os.W_OK | os.X_OK):
        os.environ["NUMBA_CACHE_DIR"] = str(folder)


def main(argv: list[str] | None = None) -> int:
    """Console entry point. Returns/exits with 0 on success, 2 on user errors, 130 on
    SIGINT and 143 on SIGTERM."""
    from taleforge.io.atomic import committed_paths

    n_written = len(committed_paths())
    received: list[int] = []

    def interrupted(signum: int) -> None:
        written = committed_paths()[n_written:]
        what = (
            "nothing was written"
            if not written
            else "already written: " + ", ".join(str(p) for p in written)
        )
        err_console.print(f"taleforge: interrupted; {what}", markup=False, highlight=False)
        sys.exit(128 + int(signum))

    try:
        with _signals_interrupt(received):
            # registration imports every command (numpy, numba...): a signal during it is
            # handled like one during the run
            _default_numba_cache()
            _register()
            # standalone mode: typer/click print usage errors themselves and exit 2
            app(args=argv, prog_name="taleforge")
    except TaleforgeError as exc:
        err_console.print(f"taleforge: error: {exc.one_line()}", markup=False, highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt as exc:
        interrupted(exc.signum if isinstance(exc, Interrupted) else signal.SIGINT)
    except SystemExit:
        if received:  # typer turned the interrupt into SystemExit(130)
            interrupted(received[0])
        raise
    except BrokenPipeError:
        sys.exit(0)
    except OSError as exc:
        # file-system problems (missing file, permission) are user errors, not crashes
        err_console.print(
            f"taleforge: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "),
            markup=False,
        )
        sys.exit(2)
    return 0

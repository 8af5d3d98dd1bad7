"""Command-line interface (thin): parse options, call ``taleforge.design``/engine functions,
render, and map :class:`taleforge.errors.TaleforgeError` to one-line messages and exit codes.

Each sub-command lives in its own module under ``taleforge.cli`` and registers itself on
:data:`taleforge.cli.app.app`.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

from taleforge.cli.app import app, err_console
from taleforge.errors import TaleforgeError

_COMMAND_MODULES = ("design", "offtarget", "base_edit", "donor", "info")


def _register() -> None:
    for name in _COMMAND_MODULES:
        full = f"taleforge.cli.{name}"
        if importlib.util.find_spec(full) is None:
            continue
        importlib.import_module(full)


def main(argv: list[str] | None = None) -> int:
    """Console entry point. Returns/exits with 0 on success, 2 on user errors."""
    _register()
    try:
        # standalone mode: typer/click print usage errors themselves and exit 2
        app(args=argv, prog_name="taleforge")
    except TaleforgeError as exc:
        err_console.print(f"taleforge: error: {exc.one_line()}", markup=False, highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("taleforge: interrupted; finished work was kept", markup=False)
        sys.exit(130)
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

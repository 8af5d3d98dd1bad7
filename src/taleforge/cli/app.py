"""The shared typer application and consoles."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(
    name="taleforge",
    help="Design TALE-based genome edits and prove they are specific.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
out_console = Console(soft_wrap=False)
err_console = Console(stderr=True, soft_wrap=True)

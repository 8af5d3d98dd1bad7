"""taleforge: design TALE-based genome edits and prove they are specific.

Public API (keyword-only, typed): :func:`design_knockout` and friends. Coordinates are
0-based half-open internally and 1-based inclusive in every user-facing text.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "design_knockout"]


def __getattr__(name: str) -> Any:  # lazy: keep `import taleforge` cheap
    if name == "design_knockout":
        from taleforge.design.knockout import design_knockout

        return design_knockout
    if name == "open_genome":
        from taleforge.genome.index import open_genome

        return open_genome
    if name == "load_annotation":
        from taleforge.genome.annotation import load_annotation

        return load_annotation
    raise AttributeError(name)

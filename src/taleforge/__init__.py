"""taleforge: design TALE-based genome edits and prove they are specific.

Public API: one function per job, all of one shape,
``design_<job>(target, params: <Job>Params, *, genome, annotation, progress, backend)``
(:func:`design_knockout`, :func:`design_base_edit`, :func:`design_correction`,
:func:`design_knockin`, :func:`design_offtarget`), with the frozen params dataclasses
exported beside them. Coordinates are 0-based half-open internally and 1-based inclusive in
every user-facing text.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = [
    "AlleleSpecificParams",
    "AlleleTarget",
    "BaseEditParams",
    "BaseEditTarget",
    "CorrectionParams",
    "KnockinParams",
    "KnockoutParams",
    "OffTargetParams",
    "RescueParams",
    "__version__",
    "allele_specific_correction",
    "design_allele_specific",
    "design_base_edit",
    "design_correction",
    "design_knockin",
    "design_knockout",
    "design_offtarget",
    "design_rescue",
    "find_offtargets",
    "load_annotation",
    "open_genome",
]

_LAZY = {
    "KnockoutParams": "taleforge.design.knockout",
    "BaseEditParams": "taleforge.design.base_edit",
    "BaseEditTarget": "taleforge.design.base_edit",
    "CorrectionParams": "taleforge.design.donor",
    "KnockinParams": "taleforge.design.donor",
    "OffTargetParams": "taleforge.design.offtarget_job",
    "design_knockout": "taleforge.design.knockout",
    "design_base_edit": "taleforge.design.base_edit",
    "design_correction": "taleforge.design.donor",
    "design_knockin": "taleforge.design.donor",
    "design_offtarget": "taleforge.design.offtarget_job",
    "find_offtargets": "taleforge.design.offtarget",
    "specificity_for_pairs": "taleforge.design.specificity",
    "AlleleSpecificParams": "taleforge.design.allele_specific",
    "AlleleTarget": "taleforge.design.allele_specific",
    "allele_specific_correction": "taleforge.design.allele_specific",
    "design_allele_specific": "taleforge.design.allele_specific",
    "RescueParams": "taleforge.design.donor.rescue",
    "design_rescue": "taleforge.design.donor.rescue",
}


def __getattr__(name: str) -> Any:  # lazy: keep `import taleforge` cheap
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    if name == "open_genome":
        from taleforge.genome.index import open_genome

        return open_genome
    if name == "load_annotation":
        from taleforge.genome.annotation import load_annotation

        return load_annotation
    raise AttributeError(name)

"""Repair-template designer (issue 5): point correction with an ssODN, in-frame knock-in
donors (2A + cargo) and intronic insertion cassettes (the science and its sources:
docs/science.md).

Parts: :mod:`.common` (the ``donor`` table, pair quality, specificity, provenance),
:mod:`.correction` (``correct_window``, ``correction_from_variant``, ``design_correction``),
:mod:`.knockin` (``knockin_window``, ``design_knockin``) and :mod:`.report` (GenBank records).
Everything public is re-exported here, so ``from taleforge.design.donor import ...`` works
as before the split.

Coordinates: 0-based half-open internally (genome coordinates; ``seq`` is a + strand window
whose first base is ``offset``); 1-based inclusive in every ``as_dict``/report text.
"""

from __future__ import annotations

from taleforge.design.donor.common import DONOR_PARAMS, Layout, refuse_mito_hdr
from taleforge.design.donor.correction import (
    CORRECTION_RANK_KEYS,
    CORRECTION_SPEC_RANK_KEYS,
    CorrectionDesign,
    CorrectionParams,
    CorrectionResult,
    SequenceEdit,
    correct_window,
    correction_from_variant,
    design_correction,
)
from taleforge.design.donor.knockin import (
    KNOCKIN_RANK_KEYS,
    DonorFeature,
    KnockinDesign,
    KnockinParams,
    KnockinResult,
    LocusSequence,
    design_knockin,
    knockin_window,
)
from taleforge.design.donor.report import correction_genbank, knockin_genbank
from taleforge.genome.variants import parse_variant

__all__ = [
    "CORRECTION_RANK_KEYS",
    "CORRECTION_SPEC_RANK_KEYS",
    "DONOR_PARAMS",
    "KNOCKIN_RANK_KEYS",
    "CorrectionDesign",
    "CorrectionParams",
    "CorrectionResult",
    "DonorFeature",
    "KnockinDesign",
    "KnockinParams",
    "KnockinResult",
    "Layout",
    "LocusSequence",
    "SequenceEdit",
    "correct_window",
    "correction_from_variant",
    "correction_genbank",
    "design_correction",
    "design_knockin",
    "knockin_genbank",
    "knockin_window",
    "parse_variant",
    "refuse_mito_hdr",
]

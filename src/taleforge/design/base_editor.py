"""The base-edit designer's import path before the split: every public name of
:mod:`taleforge.design.base_edit` (the code lives there, one module per part)."""

from __future__ import annotations

from taleforge.design.base_edit import (
    FINAL_RANK_KEYS,
    PRE_RANK_KEYS,
    RANKING,
    BaseEditDesign,
    BaseEditParams,
    BaseEditResult,
    BaseEditTarget,
    Bystander,
    EditorRejection,
    EditRequest,
    Mode,
    OffTargetSummary,
    consequence_label,
    design_base_edit,
    group_rejections,
    knockout_edits,
    parse_variant,
)

__all__ = [
    "FINAL_RANK_KEYS",
    "PRE_RANK_KEYS",
    "RANKING",
    "BaseEditDesign",
    "BaseEditParams",
    "BaseEditResult",
    "BaseEditTarget",
    "Bystander",
    "EditRequest",
    "EditorRejection",
    "Mode",
    "OffTargetSummary",
    "consequence_label",
    "design_base_edit",
    "group_rejections",
    "knockout_edits",
    "parse_variant",
]

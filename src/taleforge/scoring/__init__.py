"""Binding models behind one protocol (see :mod:`taleforge.scoring.base`)."""

from __future__ import annotations

from taleforge.scoring.base import (
    MODELS,
    BindingModel,
    PositionTerm,
    SiteScore,
    combine_scores,
    get_model,
    model_names,
    normalised_margin,
)

__all__ = [
    "MODELS",
    "BindingModel",
    "PositionTerm",
    "SiteScore",
    "combine_scores",
    "get_model",
    "model_names",
    "normalised_margin",
]

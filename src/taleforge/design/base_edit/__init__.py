"""TALE base-editor designer (DdCBE, DddA11, TALED): ``design_base_edit(...) -> BaseEditResult``.

Flow (a pure function; same inputs -> same output):

1. Resolve the requested edit(s): ``position``+``to`` (1-based), ``variant``
   ("chr:pos:REF>ALT"), or ``knockout_gene`` (C->T / G->A / A->G edits that create an early stop
   codon or destroy a constitutive splice donor/acceptor of the canonical transcript).
2. For every editor (model/editors.py): is the substitution the editor's (C->T on either strand,
   or A->G for TALED)? is the base in the editor's context on its strand? Then enumerate every
   TALE pair (design/pairs.py, a custom scaffold with the editor's array/spacer ranges and
   position-0 rule) and keep those whose window table row puts the target in the window.
3. Per design: target efficiency (window table), every bystander in the window on both strands
   with its probability and consequence (design/consequence.py), P(target and no harmful
   bystander) assuming independent edits [U].
4. Off-target: every half-site alone and every tail-to-tail pairing of the design's TALEs,
   genome-wide (engine/scan.py), also in a user nuclear genome for mtDNA designs.
5. Rank: score = P(clean edit) - off-target penalties (weights in ``base_edit_ranking``);
   ties: P(clean), efficiency, fewer bystanders, editor order, position, arm/spacer lengths.

Coordinates are 0-based half-open internally; ``position`` and ``variant`` are 1-based.

Parts: :mod:`.params` (the ``base_edit_ranking`` table, target and params), :mod:`.model`
(records and the result), :mod:`.windows` (editors, contexts, windows, bystanders),
:mod:`.consequences` (knockout edits), :mod:`.offtarget` (specificity service calls),
:mod:`.ranking` (rule-by-rule scoring and rank keys) and :mod:`.job` (the entry point).
"""

from __future__ import annotations

from taleforge.design.base_edit.consequences import consequence_label, knockout_edits
from taleforge.design.base_edit.job import design_base_edit
from taleforge.design.base_edit.model import (
    BaseEditDesign,
    BaseEditResult,
    Bystander,
    EditorRejection,
    EditRequest,
    OffTargetSummary,
)
from taleforge.design.base_edit.params import RANKING, BaseEditParams, BaseEditTarget, Mode
from taleforge.design.base_edit.ranking import FINAL_RANK_KEYS, PRE_RANK_KEYS
from taleforge.design.base_edit.windows import group_rejections
from taleforge.genome.variants import parse_variant

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

"""Split a whole TALEN site (e.g. a 49-bp 17-15-17 site) into left and right arrays."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from taleforge.errors import ParameterError, SequenceError
from taleforge.model.interval import reverse_complement
from taleforge.model.rvd import (
    GRvd,
    rvds_for_sequence,
)

from .records import BASES, OFFTARGET_PARAMS

Role = Literal["L", "R"]

# ------------------------------------------------------------------------------ site split


@dataclass(frozen=True)
class SiteSplit:
    """A whole TALEN site split into its two arrays. Unpacks as ``left, right``."""

    left: tuple[str, ...]
    right: tuple[str, ...]
    spacer_bp: int
    left_seq: str  # left bound bases (top strand)
    right_seq: str  # right bound bases as the right TALE reads them (bottom strand)
    left_pos0: str
    right_pos0: str  # on the bottom strand (complement of the site's last base)
    notes: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        return iter((self.left, self.right))


def site_to_rvds(
    site: str,
    *,
    left_len: int | None = None,
    right_len: int | None = None,
    spacer: int | None = None,
    g_rvd: GRvd = "NN",
) -> SiteSplit:
    """Split a TALEN site written 5'->3' on the top strand, from the left position 0 to the
    right position 0 (e.g. the 49-bp Cellectis layout 17-15-17)::

        site = T + left bound (left_len) + spacer + right bound (right_len, top strand) + A

    The left array reads bases 2..left_len+1 (after the T); the right array reads the
    reverse complement of the last ``right_len + 1`` bases minus their final A.
    Defaults: left_len = right_len = 16 RVDs (17-bp half-sites including position 0, the
    cellectis-like layout); the spacer is what remains. Give any two of left_len,
    right_len, spacer (others are inferred; with only ``spacer`` the arms are split
    equally). Non-T/A position-0 bases are allowed but noted."""
    seq = "".join(site.split()).upper()
    bad = [(i, c) for i, c in enumerate(seq) if c not in BASES]
    if bad:
        i, c = bad[0]
        raise SequenceError(
            f"TALEN site has non-ACGT character {c!r} at position {i + 1}",
            hint="give the site as A/C/G/T only, from the left position-0 T to the right A",
        )
    n = len(seq)
    default = int(OFFTARGET_PARAMS["cellectis_half_site_bp"]) - 1
    if left_len is None and right_len is None:
        if spacer is not None:
            arms = n - 2 - spacer
            left_len = (arms + 1) // 2
            right_len = arms - left_len
        else:
            left_len = right_len = default
    elif left_len is None:
        assert right_len is not None
        left_len = n - 2 - right_len - (spacer if spacer is not None else 15)
    elif right_len is None:
        right_len = n - 2 - left_len - (spacer if spacer is not None else 15)
    sp = n - 2 - left_len - right_len
    if spacer is not None and sp != spacer:
        raise ParameterError(
            f"site of {n} bp cannot hold left {left_len} + spacer {spacer} + right {right_len} "
            "RVDs plus two position-0 bases",
            hint=f"lengths must satisfy left + spacer + right + 2 = {n}",
        )
    if left_len < 1 or right_len < 1 or sp < 1:
        raise ParameterError(
            f"site of {n} bp is too short for left {left_len} and right {right_len} RVDs "
            f"(spacer would be {sp} bp)",
            hint="give the whole site from the left position-0 T to the right A, or set "
            "--left-len/--right-len/--spacer",
        )
    left_seq = seq[1 : 1 + left_len]
    right_top = seq[n - 1 - right_len : n - 1]
    right_seq = reverse_complement(right_top)
    notes = []
    if seq[0] != "T":
        notes.append(f"left position 0 is {seq[0]}, not T")
    if seq[-1] != "A":
        notes.append(f"right position 0 is {reverse_complement(seq[-1])} on its strand, not T")
    left = rvds_for_sequence(left_seq, g_rvd=g_rvd)
    right = rvds_for_sequence(right_seq, g_rvd=g_rvd)
    return SiteSplit(
        left, right, sp, left_seq, right_seq, seq[0], reverse_complement(seq[-1]), tuple(notes)
    )

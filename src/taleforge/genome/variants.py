"""The one parser of single-base substitutions written ``CONTIG:POS:REF>ALT`` (1-based POS,
+ strand of the reference), used by every job that takes ``--variant`` (base-edit, correct).

``chr11:5,227,002:t>a`` -> ``Substitution("chr11", 5227001, "T", "A")`` (0-based ``pos``).
Contig names may contain ``:`` (the last two fields are split off).
"""

from __future__ import annotations

from typing import NamedTuple

from taleforge.errors import InputError

_HINT = "write it as CONTIG:POS:REF>ALT with POS 1-based, e.g. chr11:5227002:T>A"


class Substitution(NamedTuple):
    """A single-base substitution on the + strand (0-based ``pos``); a tuple
    ``(contig, pos, ref, alt)`` so that callers can unpack it."""

    contig: str
    pos: int
    ref: str
    alt: str

    @property
    def label(self) -> str:
        return f"{self.contig}:{self.pos + 1}:{self.ref}>{self.alt}"


def parse_variant(text: str) -> Substitution:
    """``chr11:5227002:T>A`` -> (contig, 0-based pos, REF, ALT); commas in POS and lower
    case are accepted. Raises :class:`InputError` for anything that is not one
    substitution of two different bases A/C/G/T at a position >= 1."""
    parts = text.strip().rsplit(":", 2)
    if len(parts) != 3 or ">" not in parts[2] or not parts[0]:
        raise InputError(f"cannot parse variant {text!r}", hint=_HINT)
    contig, pos_s, alleles = parts
    ref, _, alt = alleles.partition(">")
    ref, alt = ref.strip().upper(), alt.strip().upper()
    pos_c = pos_s.strip().replace(",", "")
    if not pos_c.isdigit() or int(pos_c) < 1:
        raise InputError(f"bad position {pos_s!r} in {text!r}", hint="POS is 1-based")
    if len(ref) != 1 or len(alt) != 1 or ref not in "ACGT" or alt not in "ACGT" or ref == alt:
        raise InputError(
            f"variant {text!r} is not a single-base substitution",
            hint="REF and ALT must be different single bases (A, C, G, T)",
        )
    return Substitution(contig, int(pos_c) - 1, ref, alt)


__all__ = ["Substitution", "parse_variant"]

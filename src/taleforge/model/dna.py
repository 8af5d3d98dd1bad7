"""DNA helpers, the one place that knows the complement of a base (IUPAC, case kept).

Every module uses :func:`complement` / :func:`reverse_complement`; the numeric 2-bit codes
(A=0, C=1, G=2, T=3, N=4) complement as ``3 - code`` (:data:`COMPLEMENT_CODES`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["COMPLEMENT_CODES", "complement", "reverse_complement"]

_TABLE = str.maketrans("ACGTNacgtnRYKMSWBDHVrykmswbdhv", "TGCANtgcanYRMKSWVHDByrmkswvhdb")

#: complement of a 2-bit base code, indexable by code (N = 4 stays N)
COMPLEMENT_CODES = np.array([3, 2, 1, 0, 4], dtype=np.uint8)


def complement(seq: str) -> str:
    """Complement of each base (not reversed); IUPAC codes and case kept."""
    return seq.translate(_TABLE)


def reverse_complement(seq: str) -> str:
    """Reverse complement; IUPAC codes and case kept."""
    return seq.translate(_TABLE)[::-1]

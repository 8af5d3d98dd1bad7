"""Vectorised enumeration of every TALEN pair in a sequence for a scaffold.

Used by every designer (knockout, base editor, repair templates). Candidates are kept
columnar (numpy arrays) because a 10-kb target has ~10^5-10^6 raw pairs; only the pairs a
designer keeps are materialised as :class:`TalenPair` objects.

Geometry, on the top strand, for a left pos0 index ``p``, left array ``L``, spacer ``S`` and
right array ``R`` (all 0-based local indices into ``seq``)::

    p          : left position 0 (must be in scaffold.pos0_bases, normally T)
    p+1..p+L   : left bound bases (read 5'->3' on the top strand)
    p+L+1..    : spacer of S bases
    q = p+L+S+1: first base of the right site on the top strand; right bound = q..q+R-1
    q+R        : right position 0 on the top strand (complement must be in pos0_bases: A)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from taleforge.errors import SequenceError
from taleforge.genome.packed import ASCII_TO_CODE, N_CODE
from taleforge.model.interval import Interval, reverse_complement
from taleforge.model.rvd import GRvd, rvds_for_sequence
from taleforge.model.scaffold import Scaffold
from taleforge.model.talen import HalfSite, TalenPair

_COMP_CODE = np.array([3, 2, 1, 0, N_CODE], dtype=np.uint8)


def seq_codes(seq: str) -> NDArray[np.uint8]:
    return ASCII_TO_CODE[np.frombuffer(seq.encode(), dtype=np.uint8)]


def check_acgt(seq: str, *, name: str = "sequence", allow_n: bool = True) -> None:
    """Raise SequenceError naming the first character that is not A/C/G/T (or N)."""
    allowed = set("ACGTacgt" + ("Nn" if allow_n else ""))
    for i, ch in enumerate(seq):
        if ch not in allowed:
            raise SequenceError(
                f"{name} has non-ACGT character {ch!r} at position {i + 1}",
                hint="remove or replace it (IUPAC codes other than N are not supported)",
            )


@dataclass(frozen=True)
class PairCandidates:
    """Columnar TALEN pair candidates in one sequence window.

    Arrays are aligned; ``p`` is the left position-0 index into ``seq``."""

    contig: str
    offset: int  # genome coordinate of seq[0]
    seq: str  # + strand sequence (as given; case preserved)
    p: NDArray[np.int64]
    left_len: NDArray[np.int64]
    spacer_len: NDArray[np.int64]
    right_len: NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.p.size)

    @property
    def cut_local(self) -> NDArray[np.int64]:
        return self.p + 1 + self.left_len + self.spacer_len // 2

    def subset(self, mask: NDArray[np.bool_] | NDArray[np.int64]) -> PairCandidates:
        return PairCandidates(
            self.contig,
            self.offset,
            self.seq,
            self.p[mask],
            self.left_len[mask],
            self.spacer_len[mask],
            self.right_len[mask],
        )

    def materialize(self, i: int, *, g_rvd: GRvd = "NN") -> TalenPair:
        return make_pair(
            self.seq,
            int(self.p[i]),
            int(self.left_len[i]),
            int(self.spacer_len[i]),
            int(self.right_len[i]),
            contig=self.contig,
            offset=self.offset,
            g_rvd=g_rvd,
        )


def make_pair(
    seq: str,
    p: int,
    left_len: int,
    spacer_len: int,
    right_len: int,
    *,
    contig: str,
    offset: int = 0,
    g_rvd: GRvd = "NN",
) -> TalenPair:
    """Build one TalenPair from local geometry (see module docstring)."""
    up = seq.upper()
    ls, le = p + 1, p + 1 + left_len
    q = le + spacer_len
    re_ = q + right_len
    if p < 0 or re_ >= len(seq):
        raise ValueError("pair geometry runs off the sequence")
    lseq = up[ls:le]
    rseq = reverse_complement(up[q:re_])
    left = HalfSite(
        Interval(contig, offset + ls, offset + le, "+"),
        lseq,
        offset + p,
        up[p],
        rvds_for_sequence(lseq, g_rvd=g_rvd),
    )
    right = HalfSite(
        Interval(contig, offset + q, offset + re_, "-"),
        rseq,
        offset + re_,
        reverse_complement(up[re_]),
        rvds_for_sequence(rseq, g_rvd=g_rvd),
    )
    return TalenPair(left, right, Interval(contig, offset + le, offset + q, "+"))


def enumerate_pairs(
    seq: str,
    scaffold: Scaffold,
    *,
    contig: str = "seq",
    offset: int = 0,
    cut_window: tuple[int, int] | None = None,
    require_pos0: bool = True,
) -> PairCandidates:
    """Every pair geometry allowed by ``scaffold`` in ``seq``.

    ``cut_window`` (local, half-open) keeps only pairs whose spacer centre lies inside it.
    Half-sites (and position 0) covering a non-ACGT base are never returned; a non-ACGT
    base in the spacer does not reject a pair (as in TALE-NT 2.0). The order is deterministic:
    by left pos0, then left length, spacer, right length.
    """
    codes = seq_codes(seq)
    n = codes.size
    isn = (codes >= N_CODE).astype(np.int64)
    ncum = np.concatenate(([0], np.cumsum(isn)))
    pos0_codes = seq_codes(scaffold.pos0_bases) if require_pos0 else np.arange(4, dtype=np.uint8)
    left_ok = np.isin(codes, pos0_codes)
    right_ok = np.isin(_COMP_CODE[codes], pos0_codes)
    ps: list[NDArray[np.int64]] = []
    ls: list[NDArray[np.int64]] = []
    ss: list[NDArray[np.int64]] = []
    rs: list[NDArray[np.int64]] = []
    for L in range(scaffold.arm_min_rvds, scaffold.arm_max_rvds + 1):
        for S in range(scaffold.spacer_min_bp, scaffold.spacer_max_bp + 1):
            for R in range(scaffold.arm_min_rvds, scaffold.arm_max_rvds + 1):
                total = L + S + R + 2
                if total > n:
                    continue
                p = np.arange(n - total + 1, dtype=np.int64)
                # an N in a footprint (position 0 + bound bases) rejects the pair; an N in the
                # spacer does not (TALE-NT 2.0 Paired Target Finder: only bound bases count)
                m = (left_ok[p] & right_ok[p + total - 1] & (ncum[p + 1 + L] - ncum[p] == 0)
                     & (ncum[p + total] - ncum[p + 1 + L + S] == 0))
                if cut_window is not None:
                    c = p + 1 + L + S // 2
                    m &= (c >= cut_window[0]) & (c < cut_window[1])
                sel = p[m]
                if sel.size:
                    ps.append(sel)
                    ls.append(np.full(sel.size, L, dtype=np.int64))
                    ss.append(np.full(sel.size, S, dtype=np.int64))
                    rs.append(np.full(sel.size, R, dtype=np.int64))
    if not ps:
        e = np.zeros(0, dtype=np.int64)
        return PairCandidates(contig, offset, seq, e, e, e, e)
    P, Lr, Sr, Rr = (np.concatenate(x) for x in (ps, ls, ss, rs))
    order = np.lexsort((Rr, Sr, Lr, P))
    return PairCandidates(contig, offset, seq, P[order], Lr[order], Sr[order], Rr[order])



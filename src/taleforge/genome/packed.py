"""Packed genome layout shared by the on-disk index and the scan kernels.

Layout (all arrays are ``uint64`` bit-planes, little-endian bit order: bit ``j`` of word
``w`` describes global position ``64*w + j``):

* ``lo``, ``hi``: the 2-bit base code, ``code = lo | (hi << 1)`` with A=0, C=1, G=2, T=3.
  The complement of a code is ``3 - code``, i.e. both bits flipped.
* ``nmask``: 1 where the base is N / IUPAC-ambiguous, or where the position is padding
  between contigs. Such positions never match anything (their lo/hi bits are 0).
* ``softmask``: 1 where the source FASTA had a lower-case (soft-masked, repeat) base.

Contigs are concatenated in a single global coordinate space. Contig ``i`` occupies global
positions ``[offsets[i], offsets[i] + lengths[i])``; every offset is a multiple of 64 and
each contig is followed by at least 64 padding positions (nmask = 1), so a window of up to
64 bp can never span two contigs without covering a masked position.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from taleforge.errors import RegionError, UnknownNameError

WORD_BITS = 64
GUARD_BITS = 64
BASES = "ACGT"
N_CODE = 4

#: ASCII -> code (0..3 for ACGT/acgt, 4 for anything else)
ASCII_TO_CODE = np.full(256, N_CODE, dtype=np.uint8)
for _i, _b in enumerate(BASES):
    ASCII_TO_CODE[ord(_b)] = _i
    ASCII_TO_CODE[ord(_b.lower())] = _i
#: ASCII -> 1 when lower-case letter (soft-masked)
ASCII_IS_LOWER = np.zeros(256, dtype=np.bool_)
for _c in range(ord("a"), ord("z") + 1):
    ASCII_IS_LOWER[_c] = True
CODE_TO_ASCII = np.frombuffer(b"ACGTN", dtype=np.uint8)


def padded_length(length: int) -> int:
    """Bits a contig of ``length`` occupies, including its trailing guard."""
    return -(-length // WORD_BITS) * WORD_BITS + GUARD_BITS


def layout_offsets(lengths: list[int] | NDArray[np.int64]) -> tuple[NDArray[np.int64], int]:
    """Global offsets for contigs of the given lengths and the total number of bits."""
    offs = np.zeros(len(lengths), dtype=np.int64)
    pos = 0
    for i, n in enumerate(lengths):
        offs[i] = pos
        pos += padded_length(int(n))
    return offs, pos


def pack_bits(bits: NDArray[np.bool_]) -> NDArray[np.uint64]:
    """Pack a bool array (length multiple of 64) into little-endian uint64 words."""
    if bits.size % WORD_BITS:
        raise ValueError("bit count must be a multiple of 64")
    return np.packbits(bits, bitorder="little").view("<u8").astype(np.uint64, copy=False)


def unpack_bits(words: NDArray[np.uint64], start: int, end: int) -> NDArray[np.bool_]:
    """Bits ``[start, end)`` (global positions) of a bit-plane, as bools."""
    if end <= start:
        return np.zeros(0, dtype=np.bool_)
    w0, w1 = start // WORD_BITS, -(-end // WORD_BITS)
    chunk = np.ascontiguousarray(words[w0:w1]).astype("<u8", copy=False)
    bits = np.unpackbits(chunk.view(np.uint8), bitorder="little").astype(np.bool_)
    off = start - w0 * WORD_BITS
    return bits[off : off + (end - start)]


def encode_ascii(seq: bytes | str) -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """ASCII sequence -> (codes 0..4, soft-mask bools)."""
    raw = np.frombuffer(seq.encode() if isinstance(seq, str) else seq, dtype=np.uint8)
    return ASCII_TO_CODE[raw], ASCII_IS_LOWER[raw]


def planes_from_codes(
    codes: NDArray[np.uint8], soft: NDArray[np.bool_] | None = None
) -> tuple[NDArray[np.uint64], NDArray[np.uint64], NDArray[np.uint64], NDArray[np.uint64]]:
    """(lo, hi, nmask, softmask) words for a code array whose length is a multiple of 64.

    Codes >= 4 become N (nmask=1, lo=hi=0)."""
    isn = codes >= N_CODE
    c = np.where(isn, 0, codes).astype(np.uint8)
    lo = pack_bits((c & 1).astype(np.bool_))
    hi = pack_bits((c & 2).astype(np.bool_))
    nm = pack_bits(isn)
    sm = pack_bits(soft if soft is not None else np.zeros(codes.size, dtype=np.bool_))
    return lo, hi, nm, sm


@dataclass(frozen=True)
class PackedGenome:
    """A genome as bit-planes (see module docstring). Arrays may be numpy memmaps."""

    names: tuple[str, ...]
    lengths: NDArray[np.int64]
    offsets: NDArray[np.int64]
    lo: NDArray[np.uint64]
    hi: NDArray[np.uint64]
    nmask: NDArray[np.uint64]
    softmask: NDArray[np.uint64]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_name_to_index", {n: i for i, n in enumerate(self.names)})

    @property
    def total_bits(self) -> int:
        return int(self.lo.size) * WORD_BITS

    @property
    def genome_size(self) -> int:
        return int(self.lengths.sum())

    def contig_index(self, name: str) -> int:
        idx: dict[str, int] = self._name_to_index  # type: ignore[attr-defined]
        if name in idx:
            return idx[name]
        # tolerate chr prefix differences (chrM vs M)
        alt = name[3:] if name.lower().startswith("chr") else "chr" + name
        if alt in idx:
            return idx[alt]
        import difflib

        close = difflib.get_close_matches(name, self.names, n=3)
        raise UnknownNameError(
            f"unknown contig {name!r}",
            hint=("did you mean " + ", ".join(close) + "?")
            if close
            else "contigs: " + ", ".join(self.names[:10]) + (" ..." if len(self.names) > 10 else ""),
        )

    def contig_length(self, name: str) -> int:
        return int(self.lengths[self.contig_index(name)])

    def check_region(self, contig: str, start: int, end: int) -> int:
        i = self.contig_index(contig)
        n = int(self.lengths[i])
        if start < 0 or end > n or start >= end:
            raise RegionError(
                f"region {contig}:{start + 1}-{end} is outside contig {contig} (1-{n})",
                hint=f"choose a region within {contig}:1-{n}",
            )
        return i

    def codes(self, contig: str, start: int, end: int) -> NDArray[np.uint8]:
        """Base codes 0..3 (4 = N) of ``[start, end)`` on the + strand."""
        i = self.check_region(contig, start, end)
        g0 = int(self.offsets[i]) + start
        g1 = int(self.offsets[i]) + end
        lo = unpack_bits(self.lo, g0, g1).astype(np.uint8)
        hi = unpack_bits(self.hi, g0, g1).astype(np.uint8)
        nm = unpack_bits(self.nmask, g0, g1)
        out: NDArray[np.uint8] = (lo | (hi << 1)).astype(np.uint8)
        out[nm] = N_CODE
        return out

    def fetch(
        self, contig: str, start: int, end: int, strand: str = "+", *, soft: bool = False
    ) -> str:
        """Sequence of ``[start, end)`` (0-based half-open). Minus strand gives the reverse
        complement. With ``soft=True`` soft-masked bases are lower case."""
        codes = self.codes(contig, start, end)
        chars = CODE_TO_ASCII[codes].copy()
        if soft:
            i = self.contig_index(contig)
            g0 = int(self.offsets[i]) + start
            sm = unpack_bits(self.softmask, g0, g0 + (end - start))
            chars[sm] += 32
        s = chars.tobytes().decode()
        if strand == "-":
            from taleforge.model.interval import reverse_complement

            s = reverse_complement(s)
        return s

    def softmask_fraction(self, contig: str, start: int, end: int) -> float:
        i = self.check_region(contig, start, end)
        g0 = int(self.offsets[i]) + start
        return float(unpack_bits(self.softmask, g0, g0 + (end - start)).mean())

    def to_global(self, contig: str, pos: int) -> int:
        return int(self.offsets[self.contig_index(contig)]) + pos

    def to_local(self, gpos: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Global positions -> (contig index, 0-based position within contig)."""
        ci = np.searchsorted(self.offsets, gpos, side="right") - 1
        return ci.astype(np.int64), (gpos - self.offsets[ci]).astype(np.int64)

    @classmethod
    def from_sequences(cls, seqs: Mapping[str, str]) -> PackedGenome:
        """Build in memory (tests, user sequences, the built-in genome)."""
        names = tuple(seqs)
        lengths = np.array([len(seqs[n]) for n in names], dtype=np.int64)
        offsets, total = layout_offsets(lengths)
        codes = np.full(total, N_CODE, dtype=np.uint8)
        soft = np.zeros(total, dtype=np.bool_)
        for n, off in zip(names, offsets, strict=True):
            c, s = encode_ascii(seqs[n])
            codes[off : off + c.size] = c
            soft[off : off + c.size] = s
        lo, hi, nm, sm = planes_from_codes(codes, soft)
        return cls(names, lengths, offsets, lo, hi, nm, sm)

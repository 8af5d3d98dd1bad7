"""One table of contig-name aliases, used by VCF and annotation loading alike to match a
record's contig (``MT``, ``1``, ``NC_012920.1``, ``ref|NC_001133|``...) to the genome's own
name (``chrM``, ``chr1``, ...), and the reference's known placeholders (the rCRS N at 3107).

Matching rules (:class:`ContigMatcher`), first that gives exactly one genome contig wins:

1. the exact name;
2. the name with a ``chr`` prefix added or removed (``1`` <-> ``chr1``, ``M`` <-> ``chrM``);
3. the alias groups of :data:`ALIAS_GROUPS` (UCSC / Ensembl / RefSeq names of the same
   chromosome). RefSeq/GenBank accessions match without their version (``NC_000001`` matches
   ``NC_000001.11`` and ``.10``), and pipe-wrapped FASTA names (``ref|NC_001133|``) match by
   their accession token.

An alias names a *chromosome*, not an assembly: ``chr1`` of GRCh37 and of GRCh38 are the same
group, and UCSC hg19's ``chrM`` (NC_001807) is not the rCRS. Records from another assembly are
caught by the checks that follow the renaming (VCF REF against the genome, positions past the
contig end), which :mod:`taleforge.genome.vcf` and :func:`taleforge.genome.annotation.match_annotation`
count and report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from taleforge.genome.annotation_model import ANNOTATION_PARAMS

if TYPE_CHECKING:
    from taleforge.genome.index import Genome
    from taleforge.model.talen import TalenPair

__all__ = [
    "ALIAS_GROUPS",
    "MITO_ALIASES",
    "RCRS_PLACEHOLDER_N",
    "ContigMatcher",
    "is_rcrs",
    "placeholder_ns",
    "placeholder_spacer_note",
]

#: The human mitochondrial genome (rCRS) under UCSC hg38 / Ensembl / RefSeq / GenBank names:
#: the annotation table's ``mito_contigs`` (one list; the parsers' model imports no other
#: genome module).
MITO_ALIASES: tuple[str, ...] = tuple(ANNOTATION_PARAMS["mito_contigs"])

_HUMAN = (*tuple(str(i) for i in range(1, 23)), "X", "Y")
# RefSeq accessions of the GRCh38 / GRCh37 primary chromosomes (NCBI assembly reports
# GCF_000001405.26 and GCF_000001405.13): NC_0000NN, NN = 1..22, 23 = X, 24 = Y; the version
# differs between the assemblies and is ignored when matching.
_HUMAN_GROUPS = tuple(
    (f"chr{c}", c, f"NC_{i + 1:06d}") for i, c in enumerate(_HUMAN)
)
_YEAST_CHR = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII",
              "XIV", "XV", "XVI")
# S. cerevisiae S288C (SGD R64 / sacCer3): chromosome I..XVI = NC_001133..NC_001148, mito
# NC_001224 (NCBI assembly report GCF_000146045.2).
_YEAST_GROUPS = (
    *((f"chr{c}", c, f"NC_{1133 + i:06d}") for i, c in enumerate(_YEAST_CHR)),
    ("chrM", "Mito", "MT", "NC_001224"),
)

#: Groups of names of one chromosome (first = UCSC style). E. coli K-12 MG1655 is one
#: RefSeq/GenBank pair (NC_000913.3 = U00096.3).
ALIAS_GROUPS: tuple[tuple[str, ...], ...] = (
    MITO_ALIASES,
    *_HUMAN_GROUPS,
    *_YEAST_GROUPS,
    ("NC_000913", "U00096"),
)

_ACC_RE = re.compile(r"^([A-Z]{1,2}_?\d{5,9})(?:\.\d+)?$")


def _keys(name: str) -> set[str]:
    """Normalised keys of a contig name: lower case, ``chr`` stripped, accessions without
    their version, every pipe-separated token of ``ref|NC_001133|``-style names."""
    out: set[str] = set()
    tokens = [t for t in name.split("|") if t] if "|" in name else [name]
    for t in tokens:
        m = _ACC_RE.match(t)
        if m:
            out.add(m.group(1).lower())
            continue
        low = t.lower()
        out.add(low[3:] if low.startswith("chr") and len(low) > 3 else low)
    return out


_GROUPS_OF: dict[str, set[int]] = {}
for _gi, _grp in enumerate(ALIAS_GROUPS):
    for _n in _grp:
        for _k in _keys(_n):
            _GROUPS_OF.setdefault(_k, set()).add(_gi)  # chrM/MT: human and yeast mito


@dataclass(frozen=True)
class ContigMatcher:
    """Maps record contig names to the names of one genome (see the module docstring)."""

    names: tuple[str, ...]

    @classmethod
    def for_names(cls, names: Iterable[str]) -> ContigMatcher:
        return cls(tuple(names))

    @cached_property
    def _by_key(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for n in self.names:
            for k in _keys(n):
                out.setdefault(k, []).append(n)
        return out

    @cached_property
    def _by_group(self) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for n in self.names:
            for gi in self._groups(n):
                out.setdefault(gi, [])
                if n not in out[gi]:
                    out[gi].append(n)
        return out

    @staticmethod
    def _groups(name: str) -> set[int]:
        gs: set[int] = set()
        for k in _keys(name):
            gs |= _GROUPS_OF.get(k, set())
        return gs

    def resolve(self, name: str) -> str | None:
        """The genome's name for ``name``, or None when no rule gives exactly one contig."""
        if name in self.names:
            return name
        cands = sorted({c for k in _keys(name) for c in self._by_key.get(k, [])})
        if len(cands) == 1:
            return cands[0]
        if cands:
            return None  # ambiguous
        cands = sorted({c for gi in self._groups(name) for c in self._by_group.get(gi, [])})
        return cands[0] if len(cands) == 1 else None

    def mapping(self, names: Iterable[str]) -> dict[str, str | None]:
        """``{record name: genome name or None}`` for each distinct name, sorted."""
        return {n: self.resolve(n) for n in sorted(set(names))}


# ---------------------------------------------------------------------- reference quirks
#: The rCRS (NC_012920.1) keeps the historical numbering of the Cambridge sequence: position
#: 3107 (1-based) is an ``N`` that stands for a base absent from the real molecule
#: (Andrews et al. 1999 Nat Genet 23:147). 0-based here.
RCRS_PLACEHOLDER_N = 3106
RCRS_LENGTH = 16569


def is_rcrs(name: str, length: int, base_at_placeholder: str) -> bool:
    """True for a contig that is the rCRS: a mitochondrial name, 16,569 bp, N at 3107."""
    mito = 0 in ContigMatcher._groups(name)
    return mito and length == RCRS_LENGTH and base_at_placeholder.upper() == "N"


def placeholder_ns(genome: Genome, contig: str, start: int, end: int) -> tuple[int, ...]:
    """0-based positions in ``[start, end)`` of ``contig`` that are numbering placeholders
    (an N standing for no base of the real molecule): the rCRS 3107 N."""
    if not start <= RCRS_PLACEHOLDER_N < end:
        return ()
    n = genome.contig_length(contig)
    if n != RCRS_LENGTH:
        return ()
    base = genome.fetch(contig, RCRS_PLACEHOLDER_N, RCRS_PLACEHOLDER_N + 1)
    return (RCRS_PLACEHOLDER_N,) if is_rcrs(contig, n, base) else ()


def placeholder_spacer_note(genome: Genome, pair: TalenPair) -> str | None:
    """A note for a TALEN pair whose spacer holds a numbering placeholder N (the rCRS 3107
    N): the reference carries one base that the real molecule lacks, so the real spacer is
    1 bp *shorter* than the numbered one. None when the spacer holds no placeholder."""
    sp = pair.spacer
    ph = placeholder_ns(genome, sp.contig, sp.start, sp.end)
    if not ph:
        return None
    n = len(sp)
    pos = ", ".join(str(p + 1) for p in ph)
    return (
        f"the spacer spans the rCRS placeholder N at {sp.contig}:{pos} (kept only so that the "
        f"numbering matches the original Cambridge sequence; Andrews et al. 1999): the real "
        f"mtDNA lacks that base, so the real spacer is {n - len(ph)} bp, 1 bp shorter than the "
        f"{n} bp numbered here"
    )

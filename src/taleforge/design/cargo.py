"""Knock-in building blocks: the built-in 2A peptide library, polyA signal and splice
acceptor, and readers for user cargo (GenBank, FASTA or a bare sequence).

All sequences are DNA 5'->3' in the sense (coding) orientation. Every built-in element is a
:class:`~taleforge.model.params.Param` of the ``donor_elements`` table with its source; each
2A is checked (tests) to translate to its published peptide.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from taleforge.errors import FormatError, SequenceError, UnknownNameError
from taleforge.model.params import Param, ParamTable, register_table

TwoA = Literal["P2A", "T2A", "E2A", "F2A"]

#: GSG linker placed before a 2A (improves cleavage; Szymczak-Workman 2012).
GSG_LINKER = "GGAAGCGGA"

DONOR_ELEMENTS = register_table(
    ParamTable(
        name="donor_elements",
        version="1",
        params=(
            Param(
                "P2A",
                "GCTACTAACTTCAGCCTGCTGAAGCAGGCTGGAGACGTGGAGGAGAACCCTGGACCT",
                "DNA",
                "porcine teschovirus-1 2A, human codon-optimised as in Addgene pX330/"
                "lentiCRISPR-style GSG-P2A; Kim et al. 2011 PLoS One 6:e18556",
                "K",
                "ATNFSLLKQAGDVEENPGP",
            ),
            Param(
                "T2A",
                "GAGGGCAGAGGAAGTCTTCTAACATGCGGTGACGTGGAGGAGAATCCCGGCCCT",
                "DNA",
                "Thosea asigna virus 2A, codon-optimised (common Addgene T2A); "
                "Kim et al. 2011 PLoS One 6:e18556",
                "K",
                "EGRGSLLTCGDVEENPGP",
            ),
            Param(
                "E2A",
                "CAGTGTACTAATTATGCTCTCTTGAAATTGGCTGGAGATGTTGAGAGCAACCCAGGTCCC",
                "DNA",
                "equine rhinitis A virus 2A, codon-optimised; Kim et al. 2011 PLoS One 6:e18556",
                "K",
                "QCTNYALLKLAGDVESNPGP",
            ),
            Param(
                "F2A",
                "GTGAAACAGACTTTGAATTTTGACCTTCTCAAGTTGGCGGGAGACGTGGAGTCCAACCCAGGGCCC",
                "DNA",
                "foot-and-mouth disease virus 2A, codon-optimised; Kim et al. 2011 PLoS One "
                "6:e18556",
                "K",
                "VKQTLNFDLLKLAGDVESNPGP",
            ),
            Param(
                "GSG_linker",
                GSG_LINKER,
                "DNA",
                "Gly-Ser-Gly before the 2A improves cleavage (Szymczak-Workman 2012)",
                "K",
                "GSG",
            ),
            Param(
                "bGH_polyA",
                "CTGTGCCTTCTAGTTGCCAGCCATCTGTTGTTTGCCCCTCCCCCGTGCCTTCCTTGACCCTGGAAGGTGCCACTC"
                "CCACTGTCCTTTCCTAATAAAATGAGGAAATTGCATCGCATTGTCTGAGTAGGTGTCATTCTATTCTGGGGGGTG"
                "GGGTGGGGCAGGACAGCAAGGGGGAGGATTGGGAAGACAATAGCAGGCATGCTGGGGATGCGGTGGGCTCTATGG",
                "DNA",
                "bovine growth hormone polyadenylation signal as in pcDNA3 (written from the "
                "widely used plasmid sequence; verify against your backbone before ordering)",
                "U",
                "polyA signal AATAAA inside",
            ),
            Param(
                "splice_acceptor",
                "CTGACTAACTTTCTTTTCCTTCTCTTCTCTTCCCTTTTTCTTTTCAG",
                "DNA",
                "synthetic consensus splice acceptor: branch point TACTAAC-like, "
                "polypyrimidine tract, YAG (placeholder; replace with e.g. the adenovirus "
                "major-late or En2 acceptor of your lab)",
                "U",
                "branch point + PPT + AG",
            ),
        ),
    )
)

TWO_A_NAMES: tuple[TwoA, ...] = ("P2A", "T2A", "E2A", "F2A")


def two_a_sequence(name: str, *, gsg: bool = True, table: ParamTable = DONOR_ELEMENTS) -> str:
    """DNA of a built-in 2A (with the GSG linker in front unless ``gsg=False``)."""
    key = name.upper()
    if key not in TWO_A_NAMES:
        raise UnknownNameError(
            f"unknown 2A peptide {name!r}", hint="valid 2A peptides: " + ", ".join(TWO_A_NAMES)
        )
    seq = str(table[key])
    return (str(table["GSG_linker"]) + seq) if gsg else seq


def two_a_peptide(name: str, table: ParamTable = DONOR_ELEMENTS) -> str:
    return table.get(name.upper()).description


@dataclass(frozen=True)
class Cargo:
    """A cargo sequence (sense orientation) and what is known about it."""

    name: str
    seq: str
    source: str
    orf: tuple[int, int] | None = None  # 0-based half-open CDS span, if the file gave one

    def __len__(self) -> int:
        return len(self.seq)


def _clean_dna(raw: str, name: str) -> str:
    seq = "".join(raw.split()).upper()
    if not seq:
        raise FormatError(f"cargo {name!r} is empty", hint="give a GenBank or FASTA DNA file")
    bad = sorted(set(seq) - set("ACGT"))
    if bad:
        i = next(i for i, ch in enumerate(seq) if ch in bad)
        raise SequenceError(
            f"cargo {name!r} is not DNA: character {seq[i]!r} at position {i + 1}",
            hint="cargo must be A/C/G/T only (is it a protein sequence?); "
            "back-translate a protein first",
        )
    return seq


def cargo_from_sequence(seq: str, name: str = "cargo") -> Cargo:
    return Cargo(name, _clean_dna(seq, name), "sequence")


def read_cargo(path: str | os.PathLike[str]) -> Cargo:
    """Read cargo DNA from GenBank (first record; its first CDS, if any, is remembered)
    or FASTA (first record). Raises FormatError/SequenceError with a hint otherwise."""
    from Bio import SeqIO

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8", errors="strict")
    except (OSError, UnicodeDecodeError) as exc:
        raise FormatError(
            f"cannot read cargo file {p}: {exc}", hint="give a readable GenBank or FASTA file"
        ) from exc
    head = text.lstrip()
    if head.startswith("LOCUS"):
        fmt = "genbank"
    elif head.startswith(">"):
        fmt = "fasta"
    else:
        raise FormatError(
            f"cargo file {p} is neither GenBank nor FASTA",
            hint="the file must start with 'LOCUS' (GenBank) or '>' (FASTA)",
        )
    try:
        with p.open(encoding="utf-8") as fh:
            records = list(SeqIO.parse(fh, fmt))
    except (ValueError, AssertionError) as exc:  # Biopython signals malformed files so
        raise FormatError(
            f"cargo file {p} is malformed ({fmt}): {exc}",
            hint="re-export the file from your sequence editor",
        ) from exc
    if not records:
        raise FormatError(f"cargo file {p} has no records", hint="check the file content")
    rec = records[0]
    name = rec.name if rec.name and rec.name != "<unknown name>" else p.stem
    try:
        raw = str(rec.seq)
    except ValueError as exc:  # Bio.Seq.UndefinedSequenceError: no sequence content
        raise FormatError(
            f"cargo file {p} has no sequence", hint="export the GenBank file with its sequence"
        ) from exc
    seq = _clean_dna(raw, name)
    orf = None
    for f in rec.features:
        if f.type == "CDS" and f.location is not None and f.location.strand in (1, None):
            orf = (int(f.location.start), int(f.location.end))
            break
    return Cargo(name, seq, str(p), orf)

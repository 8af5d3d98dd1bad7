"""Knock-in building blocks: the built-in 2A peptide library, polyA signal and splice
acceptor, and readers for user cargo (GenBank, FASTA or a bare sequence).

All sequences are DNA 5'->3' in the sense (coding) orientation. Every built-in element is a
:class:`~taleforge.model.params.Param` of the ``donor_elements`` table with its source; each
2A is checked (tests) to translate to its published peptide.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from taleforge.design.result import DesignWarning
from taleforge.errors import FormatError, InputError, SequenceError, UnknownNameError
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


def _clean_dna(raw: str, name: str, what: str = "cargo") -> str:
    seq = "".join(raw.split()).upper()
    if not seq:
        raise FormatError(f"{what} {name!r} is empty", hint="give a GenBank or FASTA DNA file")
    bad = sorted(set(seq) - set("ACGT"))
    if bad:
        i = next(i for i, ch in enumerate(seq) if ch in bad)
        raise SequenceError(
            f"{what} {name!r} is not DNA: character {seq[i]!r} at position {i + 1}",
            hint=f"{what} must be A/C/G/T only (is it a protein sequence?); "
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


# ------------------------------------------------------------------ parts: labels, [U], --parts

#: default feature labels of the built-in parts (user parts are labelled by their own name)
_BUILTIN_LABELS = {"bGH_polyA": "bGH polyA", "splice_acceptor": "splice acceptor"}

#: names a --parts file may use for each part of the ``donor_elements`` table (lower case,
#: "-"/" " read as "_")
PART_ALIASES: dict[str, str] = {
    "p2a": "P2A", "t2a": "T2A", "e2a": "E2A", "f2a": "F2A",
    "gsg": "GSG_linker", "gsg_linker": "GSG_linker",
    "polya": "bGH_polyA", "polya_signal": "bGH_polyA", "bgh_polya": "bGH_polyA", "pa": "bGH_polyA",
    "splice_acceptor": "splice_acceptor", "sa": "splice_acceptor",
    "acceptor": "splice_acceptor",
}

_USER_SOURCE = "user part file"


def _is_user(p: Param) -> bool:
    return p.source.startswith(_USER_SOURCE)


def part_label(table: ParamTable, key: str) -> str:
    """The feature label of part ``key`` of a ``donor_elements`` table: the built-in name
    (e.g. "bGH polyA"), or the user's own part name with the role."""
    p = table.get(key)
    if _is_user(p):
        role = {"bGH_polyA": "polyA", "splice_acceptor": "splice acceptor"}.get(key, key)
        return f"{role} (user: {p.description})"
    return _BUILTIN_LABELS.get(key, key)


def _placeholder_key(table: ParamTable, label: str) -> str | None:
    for key, lab in _BUILTIN_LABELS.items():
        if label == lab and table.get(key).evidence == "U":
            return key
    return None


def placeholder_note(table: ParamTable, label: str) -> str:
    """A GenBank/JSON feature note for a placeholder [U] part ("" for any other)."""
    key = _placeholder_key(table, label)
    if key is None:
        return ""
    return f"placeholder [U] sequence: {table.get(key).source}; own part: --parts FILE"


def placeholder_warnings(table: ParamTable, labels: Iterable[str]) -> list[DesignWarning]:
    """One "placeholder-part" warning per placeholder [U] part among the feature
    ``labels`` used by the designs (in table order)."""
    used = {_placeholder_key(table, lab) for lab in labels} - {None}
    out = []
    for p in table:
        if p.name in used:
            out.append(DesignWarning(
                "placeholder-part",
                f"the {_BUILTIN_LABELS[p.name]} in the donor is a placeholder sequence [U]: "
                f"{p.source}. Give your own with --parts FILE (a GenBank feature or FASTA "
                f"record named {'polyA' if p.name == 'bGH_polyA' else p.name})",
                details={"part": p.name, "evidence": p.evidence, "source": p.source}))
    return out


def _check_part(key: str, name: str, seq: str, where: str) -> str:
    """A user part checked for its role; returns its description (the part's name)."""
    from Bio.Seq import Seq

    if key in ("P2A", "T2A", "E2A", "F2A", "GSG_linker"):
        if len(seq) % 3:
            raise InputError(f"--parts {where}: {name!r} ({key}) is {len(seq)} bp, not a "
                             "whole number of codons",
                             hint="give the in-frame coding sequence of the peptide, no stop")
        prot = str(Seq(seq).translate())
        if "*" in prot:
            raise InputError(f"--parts {where}: {name!r} ({key}) has a stop codon at codon "
                             f"{prot.index('*') + 1}",
                             hint="give the peptide's coding sequence in frame, without stop")
    elif key == "bGH_polyA":
        if "AATAAA" not in seq and "ATTAAA" not in seq:
            raise InputError(f"--parts {where}: polyA {name!r} has no AATAAA/ATTAAA signal",
                             hint="give the polyA in the sense orientation (with its "
                             "hexamer), e.g. bGH or SV40 late polyA")
    elif key == "splice_acceptor" and not seq.endswith("AG"):
        raise InputError(f"--parts {where}: splice acceptor {name!r} does not end in AG",
                         hint="give the acceptor in the sense orientation, ending with the "
                         "intron's AG")
    return name


def _part_key(name: str) -> str | None:
    return PART_ALIASES.get(name.strip().lower().replace("-", "_").replace(" ", "_"))


def _feature_name(f: Any) -> str | None:
    for q in ("label", "standard_name", "gene", "product", "note"):
        v = f.qualifiers.get(q)
        if v:
            return str(v[0])
    return "polyA" if f.type == "polyA_signal" else None


def read_parts(path: str | os.PathLike[str], base: ParamTable = DONOR_ELEMENTS) -> ParamTable:
    """Donor parts from a user file replacing the built-in ones: GenBank (features named by
    /label, /standard_name, /gene, /product or /note, or a polyA_signal feature; features
    with other names are ignored) or FASTA (one record per part, named by its id). Part
    names (case-insensitive): P2A, T2A, E2A, F2A, GSG, polyA, splice_acceptor (see
    :data:`PART_ALIASES`). Each part is checked for its role (2A/GSG: whole codons, no stop;
    polyA: AATAAA/ATTAAA; splice acceptor: ends in AG). Returns ``base`` with the parts
    replaced (source = the file, evidence V: read from the user's file)."""
    from Bio import SeqIO

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8", errors="strict")
    except (OSError, UnicodeDecodeError) as exc:
        raise FormatError(f"cannot read --parts file {p}: {exc}",
                          hint="give a readable GenBank or FASTA file") from exc
    head = text.lstrip()
    fmt = "genbank" if head.startswith("LOCUS") else "fasta" if head.startswith(">") else None
    if fmt is None:
        raise FormatError(f"--parts file {p} is neither GenBank nor FASTA",
                          hint="the file must start with 'LOCUS' (GenBank) or '>' (FASTA)")
    try:
        with p.open(encoding="utf-8") as fh:
            records = list(SeqIO.parse(fh, fmt))
    except (ValueError, AssertionError) as exc:
        raise FormatError(f"--parts file {p} is malformed ({fmt}): {exc}",
                          hint="re-export the file from your sequence editor") from exc
    found: dict[str, tuple[str, str]] = {}  # key -> (name, seq)

    def add(name: str, raw: str, where: str) -> None:
        key = _part_key(name)
        if key is None:
            return
        if key in found:
            raise InputError(f"--parts {p.name}: two parts for {key} ({found[key][0]!r} and "
                             f"{name!r})", hint="keep one part of each kind in the file")
        seq = _clean_dna(raw, name, "--parts part")
        found[key] = (_check_part(key, name, seq, where), seq)

    for rec in records:
        try:
            raw = str(rec.seq)
        except ValueError as exc:
            raise FormatError(f"--parts file {p} has a record without sequence",
                              hint="export the GenBank file with its sequence") from exc
        if fmt == "fasta":
            if _part_key(rec.id) is None:
                raise UnknownNameError(
                    f"--parts {p.name}: unknown part name {rec.id!r}",
                    hint="name FASTA records P2A, T2A, E2A, F2A, GSG, polyA or "
                    "splice_acceptor")
            add(rec.id, raw, f"{p.name} record {rec.id}")
            continue
        for f in rec.features:
            nm = _feature_name(f)
            if nm is not None and f.location is not None:
                add(nm, str(f.location.extract(rec.seq)), f"{p.name} feature {nm}")
    if not found:
        raise InputError(f"--parts file {p.name} names no donor part",
                         hint="label features (or name FASTA records) P2A, T2A, E2A, F2A, "
                         "GSG, polyA or splice_acceptor")
    params = []
    for prm in base:
        if prm.name in found:
            name, seq = found[prm.name]
            desc = name
            if prm.name in ("P2A", "T2A", "E2A", "F2A", "GSG_linker"):
                from Bio.Seq import Seq

                desc = str(Seq(seq).translate())  # two_a_peptide reads the peptide here
            params.append(replace(prm, value=seq, source=f"{_USER_SOURCE} {p.name} ({name})",
                                  evidence="V", description=desc))
        else:
            params.append(prm)
    return replace(base, params=tuple(params), version=base.version + "+parts")

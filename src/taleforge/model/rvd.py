"""Repeat-variable di-residue (RVD) code and TALE arrays.

A TALE binds one strand 5'->3' with one repeat per base; position 0 is the base
immediately 5' of the first repeat-bound base (Boch 2009 Science; Moscou 2009 Science;
see docs/science.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from taleforge.errors import InputError, SequenceError
from taleforge.model.params import Param, ParamTable, register_table

GRvd = Literal["NN", "NH", "NK"]

#: Bases each RVD is taken to *match* for mismatch counting (degenerate matching).
#: NI->A, HD->C, NG->T, NN->G and A, NH->G, NK->G [V] (Boch 2009 Science; Moscou 2009
#: Science; NH, NK: Streubel 2012 Nat Biotechnol).
#: Rarer RVDs follow the TALE-NT count table (Moscou 2009 Science, as coded in TALE-NT 2.0,
#: Doyle 2012 Nucleic Acids Res): a base matches when it
#: is the RVD's most frequent partner or within half of that count.
RVD_MATCHES: dict[str, str] = {
    "NI": "A",
    "HD": "C",
    "NG": "T",
    "NN": "AG",
    "NH": "G",
    "NK": "G",
    "NS": "A",
    "N*": "CT",
    "HG": "T",
    "HA": "C",
    "ND": "C",
    "HI": "C",
    "HN": "G",
    "NA": "G",
    "IG": "T",
    "H*": "T",
}

#: The RVD used to recognise each base in designs (G chosen by ``g_rvd``).
BASE_TO_RVD: dict[str, str] = {"A": "NI", "C": "HD", "T": "NG", "G": "NN"}

VALID_RVDS: tuple[str, ...] = tuple(RVD_MATCHES)

MIN_ARRAY_RVDS = 8
MAX_ARRAY_RVDS = 40

RVD_TABLE = register_table(
    ParamTable(
        name="rvd_code",
        version="1",
        params=(
            Param("NI", "A", "base", "Boch 2009; Moscou & Bogdanove 2009", "V"),
            Param("HD", "C", "base", "Boch 2009; Moscou & Bogdanove 2009", "V"),
            Param("NG", "T", "base", "Boch 2009; Moscou & Bogdanove 2009", "V"),
            Param("NN", "G/A", "base", "Boch 2009; Moscou & Bogdanove 2009", "V"),
            Param("NH", "G", "base", "Cong 2012; Streubel 2012", "V"),
            Param("NK", "G", "base", "Morbitzer 2010; Miller 2011", "V"),
            Param(
                "min_array_rvds", MIN_ARRAY_RVDS, "RVDs", "off-target engine input range", "U"
            ),
            Param(
                "max_array_rvds", MAX_ARRAY_RVDS, "RVDs", "off-target engine input range", "U"
            ),
        ),
    )
)


def parse_rvds(text: str) -> tuple[str, ...]:
    """Parse an RVD string ("NN HD NI", "NN-HD-NI", "NNHDNI") into a tuple.

    Raises InputError naming the bad repeat and listing the valid RVDs.
    """
    raw = text.strip().upper().replace(",", " ").replace("-", " ").replace("_", " ")
    parts = raw.split()
    if len(parts) == 1 and len(parts[0]) > 2:
        s = parts[0]
        if len(s) % 2:
            raise InputError(
                f"RVD string {text!r} has odd length {len(s)}",
                hint="write RVDs as two-letter codes separated by spaces, e.g. 'NN HD NI NG'",
            )
        parts = [s[i : i + 2] for i in range(0, len(s), 2)]
    if not parts:
        raise InputError("empty RVD string", hint="give RVDs like 'NN HD NI NG'")
    for i, r in enumerate(parts, start=1):
        if r not in RVD_MATCHES:
            raise InputError(
                f"invalid RVD {r!r} at repeat {i}",
                hint="valid RVDs: " + ", ".join(VALID_RVDS),
            )
    return tuple(parts)


def check_array_length(rvds: tuple[str, ...]) -> None:
    if not MIN_ARRAY_RVDS <= len(rvds) <= MAX_ARRAY_RVDS:
        raise InputError(
            f"TALE array has {len(rvds)} RVDs; allowed {MIN_ARRAY_RVDS}-{MAX_ARRAY_RVDS}",
            hint="half-sites shorter than 8 bp are not specific and longer than 40 are not made",
        )


def rvds_for_sequence(seq: str, *, g_rvd: GRvd = "NN") -> tuple[str, ...]:
    """RVDs recognising ``seq`` (the bound bases, 5'->3', position 0 excluded)."""
    out: list[str] = []
    for i, b in enumerate(seq.upper()):
        if b == "G":
            out.append(g_rvd)
        elif b in BASE_TO_RVD:
            out.append(BASE_TO_RVD[b])
        else:
            raise SequenceError(
                f"cannot make an RVD for base {b!r} at position {i + 1}",
                hint="TALE sites must be A/C/G/T",
            )
    return tuple(out)


def rvd_matches(rvd: str, base: str) -> bool:
    return base in RVD_MATCHES[rvd]


@dataclass(frozen=True, slots=True)
class Tale:
    """A TALE array: its RVDs (N- to C-terminal = 5'->3' on the bound strand)."""

    rvds: tuple[str, ...]
    name: str = ""

    def __len__(self) -> int:
        return len(self.rvds)

    def rvd_string(self) -> str:
        return " ".join(self.rvds)

    @classmethod
    def from_string(cls, text: str, name: str = "") -> Tale:
        return cls(parse_rvds(text), name)

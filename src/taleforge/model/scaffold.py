"""TALEN scaffold presets (Doyle 2012 Nucleic Acids Res; Miller 2011 Nat Biotechnol; Ma 2013
PLoS One; docs/science.md §1). Each sets the array (half-site) length range,
the spacer range, the position-0 rule and the G RVD. Users pick a preset by name or make a
custom one with :func:`custom_scaffold`.

Array lengths count RVDs (bound bases), *excluding* position 0. A "17-bp half-site
including the T" is therefore 16 RVDs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from taleforge.errors import ParameterError, UnknownNameError
from taleforge.model.rvd import MAX_ARRAY_RVDS, MIN_ARRAY_RVDS, GRvd


@dataclass(frozen=True, slots=True)
class Scaffold:
    name: str
    arm_min_rvds: int
    arm_max_rvds: int
    spacer_min_bp: int
    spacer_max_bp: int
    spacer_preferred_bp: int | None
    pos0_bases: str  # allowed bases at position 0 ("T", "TC", "ACGT")
    g_rvd: GRvd
    description: str
    source: str
    evidence: str

    def validate(self) -> Scaffold:
        if self.arm_min_rvds > self.arm_max_rvds:
            raise ParameterError(
                f"array length min {self.arm_min_rvds} > max {self.arm_max_rvds}",
                hint="swap the values or set --arm-min <= --arm-max",
            )
        if self.spacer_min_bp > self.spacer_max_bp:
            raise ParameterError(
                f"spacer min {self.spacer_min_bp} > max {self.spacer_max_bp}",
                hint="swap the values or set --spacer-min <= --spacer-max",
            )
        if self.arm_min_rvds < MIN_ARRAY_RVDS or self.arm_max_rvds > MAX_ARRAY_RVDS:
            raise ParameterError(
                f"array lengths {self.arm_min_rvds}-{self.arm_max_rvds} outside "
                f"{MIN_ARRAY_RVDS}-{MAX_ARRAY_RVDS} RVDs",
                hint="choose array lengths between 8 and 40 RVDs",
            )
        if self.spacer_min_bp < 1:
            raise ParameterError("spacer min must be >= 1 bp", hint="use a spacer of 10-30 bp")
        if not self.pos0_bases or set(self.pos0_bases) - set("ACGT"):
            raise ParameterError(
                f"position-0 bases {self.pos0_bases!r} invalid", hint="use a subset of ACGT"
            )
        if self.g_rvd not in ("NN", "NH", "NK"):
            raise ParameterError(f"G RVD {self.g_rvd!r} invalid", hint="use NN, NH or NK")
        return self


SCAFFOLDS: dict[str, Scaffold] = {
    s.name: s
    for s in (
        Scaffold(
            "tale-nt", 15, 20, 15, 30, None, "T", "NN",
            "TALE-NT 2.0 TALEN Targeter defaults",
            "Doyle et al. 2012 NAR 40:W117 (TALE-NT 2.0 code)", "V",
        ),
        Scaffold(
            "cellectis-like", 16, 16, 12, 18, 15, "T", "NN",
            "17-bp half-sites including the position-0 T (16 RVDs), spacer 15 (49-bp layout)",
            "published Cellectis sites (17-15-17); active spacer range 12-18 is a placeholder",
            "U",
        ),
        Scaffold(
            "goldy", 15, 15, 13, 20, None, "T", "NN",
            "GoldyTALEN: 15 RVDs, spacer 13-20",
            "Ma et al. 2013 (14/14 pairs active in zebrafish)", "V",
        ),
        Scaffold(
            "plus63", 15, 20, 12, 21, None, "T", "NN",
            "Delta152/+63 scaffold, spacer about 12-21",
            "Miller et al. 2011 Nat Biotechnol 29:143", "K",
        ),
        Scaffold(
            "evolved-ntd", 15, 20, 12, 21, None, "ACGT", "NN",
            "evolved N-terminal domain accepting any position-0 base",
            "Lamb et al. 2013 NAR 41:9779", "K",
        ),
    )
}


def get_scaffold(name: str) -> Scaffold:
    try:
        return SCAFFOLDS[name]
    except KeyError:
        raise UnknownNameError(
            f"unknown scaffold {name!r}", hint="valid scaffolds: " + ", ".join(SCAFFOLDS)
        ) from None


def custom_scaffold(
    base: str | Scaffold = "tale-nt",
    *,
    arm_min_rvds: int | None = None,
    arm_max_rvds: int | None = None,
    spacer_min_bp: int | None = None,
    spacer_max_bp: int | None = None,
    pos0_bases: str | None = None,
    g_rvd: GRvd | None = None,
) -> Scaffold:
    """A preset with some fields replaced; validated."""
    s = get_scaffold(base) if isinstance(base, str) else base
    changes: dict[str, object] = {}
    for key, val in (
        ("arm_min_rvds", arm_min_rvds),
        ("arm_max_rvds", arm_max_rvds),
        ("spacer_min_bp", spacer_min_bp),
        ("spacer_max_bp", spacer_max_bp),
        ("pos0_bases", pos0_bases.upper() if pos0_bases else None),
        ("g_rvd", g_rvd),
    ):
        if val is not None:
            changes[key] = val
    if changes:
        s = replace(s, name=s.name + "+custom", **changes)  # type: ignore[arg-type]
    return s.validate()

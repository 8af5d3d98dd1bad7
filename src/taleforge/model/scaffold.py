"""TALEN scaffold presets (Doyle 2012 Nucleic Acids Res; Miller 2011 Nat Biotechnol; Ma 2013
PLoS One; docs/science.md §1). Each sets the array (half-site) length range,
the spacer range, the position-0 rule and the G RVD. Users pick a preset by name or make a
custom one with :func:`custom_scaffold`.

Array lengths count RVDs (bound bases), *excluding* position 0. A "17-bp half-site
including the T" is therefore 16 RVDs.

A preset may carry its **proven layout** (``layout``: left RVDs, spacer bp, right RVDs) with
the source that used it (``layout_source``); the knockout ranking prefers that layout by a
tie-break term only (``knockout_ranking.w_layout``). The presets, their ranges and layouts
are listed with sources by ``taleforge params`` (table ``scaffold_presets``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from taleforge.errors import ParameterError, UnknownNameError
from taleforge.model.params import Evidence, Param, ParamTable, register_table
from taleforge.model.rvd import MAX_ARRAY_RVDS, MIN_ARRAY_RVDS, GRvd


@dataclass(frozen=True, slots=True)
class Scaffold:
    name: str
    arm_min_rvds: int
    arm_max_rvds: int
    spacer_min_bp: int
    spacer_max_bp: int
    pos0_bases: str  # allowed bases at position 0 ("T", "TC", "ACGT")
    g_rvd: GRvd
    description: str
    source: str
    evidence: Evidence
    layout: tuple[int, int, int] | None = None  # proven (left RVDs, spacer bp, right RVDs)
    layout_source: str = ""

    def layout_text(self) -> str:
        """``16/15/16`` (RVDs/spacer/RVDs; half-sites are 1 bp longer with position 0)."""
        return "/".join(str(x) for x in self.layout) if self.layout else "none"

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
        if self.layout is not None and (len(self.layout) != 3 or min(self.layout) < 1):
            raise ParameterError(f"scaffold layout {self.layout!r} invalid",
                                 hint="give (left RVDs, spacer bp, right RVDs), e.g. (16, 15, 16)")
        return self


_CELLECTIS_LAYOUT = (
    "published Cellectis TALENs use 17-bp half-sites including the position-0 T (16 RVDs) "
    "around a 15-bp spacer (17-15-17, 49 bp), e.g. the TRAC and CD52 TALENs of Poirot et al. "
    "2015 Cancer Res 75:3853"
)

SCAFFOLDS: dict[str, Scaffold] = {
    s.name: s
    for s in (
        Scaffold(
            "tale-nt", 15, 20, 15, 30, "T", "NN",
            "TALE-NT 2.0 TALEN Targeter defaults",
            "Doyle et al. 2012 NAR 40:W117 (TALE-NT 2.0 code)", "V",
            layout=None, layout_source="TALE-NT 2.0 prefers no layout within its ranges",
        ),
        Scaffold(
            "cellectis-like", 16, 16, 12, 18, "T", "NN",
            "17-bp half-sites including the position-0 T (16 RVDs), spacer 15 (49-bp layout)",
            "published Cellectis sites (17-15-17); active spacer range 12-18 is a placeholder",
            "U", layout=(16, 15, 16), layout_source=_CELLECTIS_LAYOUT,
        ),
        Scaffold(
            "goldy", 15, 15, 13, 20, "T", "NN",
            "GoldyTALEN: 15 RVDs, spacer 13-20",
            "Ma et al. 2013 (14/14 pairs active in zebrafish)", "V",
            layout=None, layout_source="15-RVD arrays are the preset's range; no single spacer "
            "is reported as the proven one",
        ),
        Scaffold(
            "plus63", 15, 20, 12, 21, "T", "NN",
            "Delta152/+63 scaffold, spacer about 12-21",
            "Miller et al. 2011 Nat Biotechnol 29:143", "K",
            layout=None, layout_source="no single proven layout recorded",
        ),
        Scaffold(
            "evolved-ntd", 15, 20, 12, 21, "ACGT", "NN",
            "evolved N-terminal domain accepting any position-0 base",
            "Lamb et al. 2013 NAR 41:9779", "K",
            layout=None, layout_source="no single proven layout recorded",
        ),
    )
}

#: The presets as a parameter table (``taleforge params``): ranges and the proven layout of
#: each, with sources.
SCAFFOLD_PRESETS = register_table(
    ParamTable(
        name="scaffold_presets",
        version="2",
        params=tuple(
            p
            for sc in SCAFFOLDS.values()
            for p in (
                Param(f"{sc.name}.ranges",
                      f"arrays {sc.arm_min_rvds}-{sc.arm_max_rvds} RVDs, spacer "
                      f"{sc.spacer_min_bp}-{sc.spacer_max_bp} bp, position 0 {sc.pos0_bases}, "
                      f"G {sc.g_rvd}", "RVDs / bp", sc.source, sc.evidence, sc.description),
                Param(f"{sc.name}.layout", sc.layout_text(), "RVDs/bp/RVDs",
                      sc.layout_source, "K" if sc.layout else "U",
                      "proven layout, preferred by a ranking tie-break"
                      if sc.layout else "no preferred layout"),
            )
        ),
    )
)


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

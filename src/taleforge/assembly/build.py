"""One pure function per job: ``assemble(...)`` takes one or two RVD arrays and returns the
proteins, ORFs, and (for a kit) the verified Golden Gate plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from taleforge.assembly.dna import ORF_PARAMS, OrfResult, find_sites, longest_exact_repeat, optimise_orf
from taleforge.assembly.kit import Kit, KitPlan, load_kit, plan_kit
from taleforge.assembly.parts import PartSet, load_parts, normalise_fok1
from taleforge.assembly.protein import TalenProtein, build_talen, get_architecture, rvds_of
from taleforge.assembly.simulate import SimulationResult, simulate_plan
from taleforge.errors import NoResultError


@dataclass(frozen=True)
class Construct:
    side: str  # left / right
    talen: TalenProtein
    orf: str
    orf_source: str  # "synthesis (DnaChisel)" or "kit simulation (in-silico codons)"
    longest_repeat_bp: int
    sites: tuple[tuple[str, int], ...]
    plan: KitPlan | None = None
    simulation: SimulationResult | None = None


@dataclass(frozen=True)
class AssemblyResult:
    name: str
    constructs: tuple[Construct, ...]
    kit: Kit | None
    parts: PartSet
    scaffold: str
    fok1: str
    codons: str
    warnings: tuple[str, ...]
    provenance: dict[str, Any] = field(default_factory=dict)


def assemble(
    left: Sequence[str],
    right: Sequence[str] | None = None,
    *,
    name: str = "talen",
    kit: str | None = "golden-gate",
    scaffold: str = "plus63",
    fok1: str = "ELD-KKR",
    codons: str = "human",
    parts_file: str | None = None,
    backbone: str | None = None,
    nls: bool = True,
    tags: Sequence[str] = (),
    polish: bool = False,
    seed: int = 1,
    provenance: dict[str, Any] | None = None,
) -> AssemblyResult:
    """Build the TALEN protein(s); with ``kit`` plan and simulate the Golden Gate assembly
    (the ORF is read from the simulated product), without it make synthesis-ready ORFs with
    DnaChisel. Every protein's RVDs are read back and checked."""
    parts = load_parts(parts_file)
    arch = get_architecture(scaffold)
    variant = normalise_fok1(fok1)
    kit_obj = load_kit(kit) if kit else None
    warnings: list[str] = []
    if right is None and variant.endswith("eld-kkr"):
        warnings.append("a single TALEN gets the ELD half of ELD-KKR; its partner needs the KKR half")
    if arch.note:
        warnings.append(f"[U] scaffold {arch.name}: {arch.note}")
    arrays = [("left", tuple(left))] + ([("right", tuple(right))] if right else [])
    # check every array against the kit before doing any work, so errors come first
    plans: dict[str, KitPlan] = {}
    if kit_obj is not None:
        bb = backbone or ("pTAL3" if variant == "wt" else "user ELD/KKR or Sharkey backbone")
        for side, rv in arrays:
            plans[side] = plan_kit(rv, kit_obj, name=f"{name}_{side}", backbone=bb)
        if backbone is None and variant != "wt":
            warnings.append(
                f"[U] no kit backbone with FokI {fok1} is sourced; name yours with --backbone "
                "(the plan and simulation use an in-silico backbone carrying the chosen FokI)"
            )
        warnings.append(f"[U] {kit_obj.name}: {kit_obj.raw['in_silico']['note']}")
    constructs: list[Construct] = []
    for side, rv in arrays:
        talen = build_talen(
            rv, parts, name=f"{name}_{side}", scaffold=arch.name, fok1=variant, side=side, nls=nls, tags=tags
        )
        if rvds_of(talen.protein, talen.segments) != rv:  # pragma: no cover - construction guarantees it
            raise NoResultError(
                f"{talen.name}: RVDs read back differ from the input", hint="report this as a bug"
            )
        if kit_obj is not None:
            sim = simulate_plan(plans[side], talen, kit_obj)
            if not sim.matches_design:
                raise NoResultError(
                    f"{talen.name}: the simulated assembly does not encode the designed array",
                    hint="; ".join(sim.notes) or "check the kit file",
                )
            constructs.append(
                Construct(
                    side,
                    talen,
                    sim.orf,
                    "kit simulation (in-silico kit codons [U])",
                    longest_exact_repeat(sim.orf),
                    tuple(find_sites(sim.orf)),
                    plans[side],
                    sim,
                )
            )
        else:
            res: OrfResult = optimise_orf(talen.protein, codons=codons, seed=seed, polish=polish)
            constructs.append(
                Construct(
                    side,
                    talen,
                    res.dna,
                    f"synthesis (DnaChisel, {res.species})",
                    res.longest_repeat_bp,
                    res.sites,
                )
            )
    unverified = sorted(
        {
            f"{s.kind} ({s.label.split(' ')[0] if s.kind in ('repeat', 'half-repeat') else s.label})"
            for c in constructs
            for s in c.talen.unverified()
        }
    )
    if unverified:
        warnings.append(
            "[U] parts not verified from a public source: "
            + ", ".join(unverified)
            + "; replace them with --parts FILE"
        )
    return AssemblyResult(
        name,
        tuple(constructs),
        kit_obj,
        parts,
        arch.name,
        variant,
        codons,
        tuple(warnings),
        dict(provenance or {}),
    )


def orf_limits() -> dict[str, Any]:
    return {p.name: p.value for p in ORF_PARAMS}

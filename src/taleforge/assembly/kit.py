"""Golden Gate kit plans: which module goes into which reaction, the enzyme per step and the
expected insert sizes, from a kit data file (``taleforge/data/kits/*.json``, or a lab's
own file with the same keys)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taleforge.assembly.parts import DATA_DIR
from taleforge.errors import FormatError, InputError, UnknownNameError

KIT_DIR = DATA_DIR / "kits"


@dataclass(frozen=True)
class Kit:
    name: str
    title: str
    source: str
    catalogue: str
    rvd_min: int
    rvd_max: int
    module_rvds: tuple[str, ...]
    module_positions: int
    last_repeat_rvds: tuple[str, ...]
    raw: dict[str, Any]

    @property
    def step_enzymes(self) -> tuple[str, str]:
        s = self.raw["steps"]
        return str(s[0]["enzyme"]), str(s[1]["enzyme"])


def list_kits() -> list[str]:
    return sorted(p.stem for p in KIT_DIR.glob("*.json"))


def load_kit(name_or_path: str) -> Kit:
    p = Path(name_or_path)
    if not (p.suffix == ".json" and p.exists()):
        p = KIT_DIR / f"{name_or_path.strip().lower()}.json"
        if not p.exists():
            raise UnknownNameError(
                f"unknown kit {name_or_path!r}",
                hint="valid kits: " + ", ".join(list_kits()) + " (or a kit JSON file)",
            )
    try:
        d = json.loads(p.read_text("utf-8"))
        return Kit(
            name=str(d["name"]),
            title=str(d.get("title", d["name"])),
            source=str(d.get("source", "")),
            catalogue=str(d.get("catalogue", "")),
            rvd_min=int(d["rvd_range"][0]),
            rvd_max=int(d["rvd_range"][1]),
            module_rvds=tuple(d["modules"]["rvds"]),
            module_positions=int(d["modules"]["positions"]),
            last_repeat_rvds=tuple(d["last_repeat"]["rvds"]),
            raw=d,
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise FormatError(
            f"kit file {p} is malformed ({exc!r})", hint="compare it with golden-gate.json"
        ) from None
    except json.JSONDecodeError as exc:
        raise FormatError(f"kit file {p} is not valid JSON ({exc.msg})", hint="fix the JSON") from None


@dataclass(frozen=True, slots=True)
class Reaction:
    step: int
    reaction: str  # destination plasmid, e.g. pFUS_A, pFUS_B4, or the backbone
    enzyme: str
    parts: tuple[str, ...]  # plasmids going in, in order
    repeats: tuple[int, int]  # 1-based inclusive repeat numbers covered (0,0 for none)
    rvds: tuple[str, ...]
    insert_bp: int  # expected insert between the destination's overhangs (in-silico model)


@dataclass(frozen=True)
class KitPlan:
    kit: str
    name: str
    rvds: tuple[str, ...]
    backbone: str
    reactions: tuple[Reaction, ...]
    notes: tuple[str, ...]

    def array_groups(self) -> list[Reaction]:
        return [r for r in self.reactions if r.step == 1]


def _module(kit: Kit, rvd: str, pos: int) -> str:
    return str(kit.raw["modules"]["name"]).format(rvd=rvd, pos=pos)


def plan_kit(rvds: Sequence[str], kit: Kit, *, name: str = "TALEN", backbone: str = "pTAL3") -> KitPlan:
    """The two-step Golden Gate plan for one array. Raises a one-line error when the array is
    outside the kit's range or uses an RVD the kit has no module for."""
    n = len(rvds)
    if not kit.rvd_min <= n <= kit.rvd_max:
        raise InputError(
            f"{name}: {n} RVDs is outside the {kit.name} kit's range of {kit.rvd_min}-{kit.rvd_max} RVDs",
            hint="choose a design with a longer/shorter array or use --synthesis",
        )
    for i, r in enumerate(rvds[:-1], start=1):
        if r not in kit.module_rvds:
            raise InputError(
                f"{name}: the {kit.name} kit has no module for RVD {r} (repeat {i})",
                hint="kit modules: " + ", ".join(kit.module_rvds) + "; use --synthesis for other RVDs",
            )
    if rvds[-1] not in kit.last_repeat_rvds:
        raise InputError(
            f"{name}: the {kit.name} kit has no last-repeat plasmid for RVD {rvds[-1]}",
            hint="last-repeat plasmids: " + ", ".join(kit.last_repeat_rvds) + "; use --synthesis",
        )
    e1, e2 = kit.step_enzymes
    rep_bp = int(kit.raw.get("repeat_bp", 102))
    half_bp = int(kit.raw.get("half_repeat_bp", 60))
    layout_key = "short" if n <= int(kit.raw["arrays"]["short"]["max_rvds"]) else "long"
    layout = kit.raw["arrays"][layout_key]["layout"]
    reactions: list[Reaction] = []
    notes: list[str] = []
    if kit.raw["arrays"][layout_key].get("evidence") == "U":
        notes.append(f"[U] {kit.raw['arrays'][layout_key]['source']}")
    start = 1
    full = n - 1  # full repeats; the last RVD comes from the last-repeat plasmid
    dests: list[str] = []
    for dest, count in layout:
        k = full - start + 1 if count == "rest" else int(count)
        if k < 1 or k > kit.module_positions:
            raise InputError(
                f"{name}: {n} RVDs do not fit the kit layout", hint=f"use {kit.rvd_min}-{kit.rvd_max} RVDs"
            )
        dname = str(dest).format(k=k)
        group = tuple(rvds[start - 1 : start - 1 + k])
        mods = tuple(_module(kit, r, p) for p, r in enumerate(group, start=1))
        reactions.append(Reaction(1, dname, e1, mods, (start, start + k - 1), group, k * rep_bp))
        dests.append(dname)
        start += k
    last = str(kit.raw["last_repeat"]["name"]).format(rvd=rvds[-1])
    reactions.append(Reaction(2, backbone, e2, (*dests, last), (1, n), tuple(rvds), full * rep_bp + half_bp))
    return KitPlan(kit.name, name, tuple(rvds), backbone, tuple(reactions), tuple(notes))


def kit_order_csv(plans: Sequence[KitPlan], kit: Kit) -> str:
    """Every kit plasmid the plans use (modules, empty array plasmids, last-repeat plasmids,
    backbones) with how often it is used and the kit's catalogue ID where known."""
    backbones = {str(b["name"]): str(b.get("catalogue", "")) for b in kit.raw.get("backbones", [])}
    used: dict[str, tuple[str, int]] = {}

    def add(item: str, kind: str) -> None:
        used[item] = (kind, used.get(item, (kind, 0))[1] + 1)

    for p in plans:
        for r in p.reactions:
            if r.step == 1:
                add(r.reaction, "array plasmid")
                for m in r.parts:
                    add(m, "module")
            else:
                add(r.reaction, "backbone")
                add(r.parts[-1], "last repeat")
    rows = ["item,kind,uses,catalogue"]
    for item in sorted(used):
        kind, n = used[item]
        cat = backbones.get(item, kit.catalogue) if kind == "backbone" else kit.catalogue
        rows.append(f"{item},{kind},{n},{cat}")
    return "\n".join(rows) + "\n"

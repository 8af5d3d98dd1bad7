"""Versioned parameter tables: every rule constant lives here with its unit, source and
evidence tag ([V] read in the source, [K] well-known literature value, [U] placeholder).

Tables are plain frozen data so that a scientist can list them (``taleforge params``),
and override values by name (``ParamTable.override``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from taleforge.errors import UnknownNameError

Evidence = Literal["V", "K", "U"]


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    value: Any
    unit: str
    source: str
    evidence: Evidence
    description: str = ""


@dataclass(frozen=True)
class ParamTable:
    """A named, versioned, immutable set of parameters."""

    name: str
    version: str
    params: tuple[Param, ...]

    def __post_init__(self) -> None:
        names = [p.name for p in self.params]
        if len(names) != len(set(names)):
            raise ValueError(f"duplicate parameter names in table {self.name}")

    def __getitem__(self, name: str) -> Any:
        for p in self.params:
            if p.name == name:
                return p.value
        raise UnknownNameError(
            f"unknown parameter {name!r} in table {self.name}",
            hint="valid names: " + ", ".join(p.name for p in self.params),
        )

    def __iter__(self) -> Iterator[Param]:
        return iter(self.params)

    def get(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise UnknownNameError(
            f"unknown parameter {name!r} in table {self.name}",
            hint="valid names: " + ", ".join(p.name for p in self.params),
        )

    def override(self, values: Mapping[str, Any], *, source: str = "user override") -> ParamTable:
        """Return a copy with some values replaced (marked with the given source)."""
        known = {p.name for p in self.params}
        for k in values:
            if k not in known:
                raise UnknownNameError(
                    f"unknown parameter {k!r} in table {self.name}",
                    hint="valid names: " + ", ".join(sorted(known)),
                )
        new = tuple(
            replace(p, value=values[p.name], source=source, evidence="U")
            if p.name in values
            else p
            for p in self.params
        )
        return replace(self, params=new, version=self.version + "+override")

    def as_records(self) -> list[dict[str, Any]]:
        return [
            {
                "table": self.name,
                "version": self.version,
                "name": p.name,
                "value": p.value,
                "unit": p.unit,
                "source": p.source,
                "evidence": p.evidence,
                "description": p.description,
            }
            for p in self.params
        ]


_REGISTRY: dict[str, ParamTable] = {}


def register_table(table: ParamTable) -> ParamTable:
    _REGISTRY[table.name] = table
    return table


def all_tables() -> dict[str, ParamTable]:
    return dict(_REGISTRY)


#: Every module that defines a parameter table, listed explicitly (``taleforge params``, JSON
#: provenance). A new table must be added here; ``tests/test_core.py`` checks that every
#: table defined in the source is listed.
TABLE_MODULES: tuple[str, ...] = (
    "taleforge.model.rvd",
    "taleforge.model.scaffold",
    "taleforge.model.editors",
    "taleforge.genome.annotation_model",
    "taleforge.scoring.talent",
    "taleforge.scoring.positional",
    "taleforge.engine.scan",
    "taleforge.engine.scored",
    "taleforge.design.talen_rules",
    "taleforge.design.knockout",
    "taleforge.design.methylation",
    "taleforge.design.offtarget.records",
    "taleforge.design.specificity",
    "taleforge.design.second_cut",
    "taleforge.design.base_edit.params",
    "taleforge.design.donor.common",
    "taleforge.design.donor.rescue",
    "taleforge.design.allele_specific",
    "taleforge.design.cargo",
    "taleforge.design.ssodn",
    "taleforge.design.blocking",
    "taleforge.design.primers",
    "taleforge.design.restriction",
    "taleforge.design.genotyping",
    "taleforge.design.multiplex",
    "taleforge.assembly.parts",
    "taleforge.assembly.dna",
)

def load_all_tables() -> dict[str, ParamTable]:
    """Import every module of :data:`TABLE_MODULES` (each registers its tables on import) and
    return the registry."""
    import importlib

    for m in TABLE_MODULES:
        importlib.import_module(m)
    return all_tables()

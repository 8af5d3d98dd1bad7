"""Protein parts of a TALEN (N-terminal domain, repeat, half repeat, C-terminal domain, FokI,
NLS, tags), loaded from package data (``taleforge/data/parts/talen_parts.json``) or a user's
``--parts FILE`` with the same keys. Every part carries its source and evidence tag; FokI
variants are derived by applying the documented substitutions to the wild-type domain,
checking each wild-type residue at its UniProt P14870 number."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taleforge.errors import FormatError, InputError, UnknownNameError
from taleforge.model.params import Evidence, Param, ParamTable, register_table

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
_AA = set("ACDEFGHIKLMNPQRSTVWYX")
_MUT = re.compile(r"^([A-Z])(\d+)([A-Z])$")

FOK1_VARIANTS: dict[str, tuple[str, str]] = {
    # name -> (left monomer substitutions, right monomer substitutions); "+" joins sets
    "wt": ("", ""),
    "eld-kkr": ("ELD", "KKR"),
    "sharkey": ("Sharkey", "Sharkey"),
    "sharkey-eld-kkr": ("Sharkey+ELD", "Sharkey+KKR"),
}


@dataclass(frozen=True, slots=True)
class Part:
    key: str
    kind: str
    protein: str
    label: str
    source: str
    evidence: Evidence
    first_residue: int = 1


@dataclass(frozen=True)
class PartSet:
    name: str
    version: str
    parts: dict[str, Part]
    substitutions: dict[str, tuple[tuple[str, ...], str, Evidence]]
    origin: str  # "builtin" or the user file path

    def __getitem__(self, key: str) -> Part:
        try:
            return self.parts[key]
        except KeyError:
            raise UnknownNameError(
                f"part {key!r} missing from parts set {self.name}",
                hint="add it to the --parts file; keys: " + ", ".join(sorted(self.parts)),
            ) from None

    def unverified(self) -> list[Part]:
        return [p for p in self.parts.values() if p.evidence == "U"]

    def fok1(self, substitution_sets: str) -> tuple[str, str, Evidence]:
        """The FokI domain with the named substitution sets applied ("" = wild type;
        "Sharkey+ELD"). Returns (protein, label, evidence)."""
        wt = self["fok1_wt"]
        seq = list(wt.protein)
        evidence: Evidence = wt.evidence
        names = [s for s in substitution_sets.split("+") if s]
        for name in names:
            if name not in self.substitutions:
                raise UnknownNameError(
                    f"unknown FokI substitution set {name!r}",
                    hint="known: " + ", ".join(sorted(self.substitutions)),
                )
            muts, _, ev = self.substitutions[name]
            if ev == "U" or evidence == "U":
                evidence = "U"
            elif ev == "K":
                evidence = "K"
            for m in muts:
                seq = apply_substitution(seq, m, wt.first_residue)
        label = "FokI " + ("+".join(names) if names else "wild type")
        return "".join(seq), label, evidence


def apply_substitution(seq: list[str], mutation: str, first_residue: int) -> list[str]:
    """Apply ``Q486E`` to a domain whose first residue is number ``first_residue``; the
    wild-type residue must match (else the parts and the substitution disagree)."""
    m = _MUT.match(mutation)
    if not m:
        raise FormatError(f"bad substitution {mutation!r}", hint="write e.g. Q486E")
    wt, pos, new = m.group(1), int(m.group(2)), m.group(3)
    i = pos - first_residue
    if not 0 <= i < len(seq):
        raise FormatError(
            f"substitution {mutation} lies outside the FokI domain "
            f"({first_residue}-{first_residue + len(seq) - 1})",
            hint="check the domain's first_residue in the parts file",
        )
    if seq[i] != wt:
        raise FormatError(
            f"substitution {mutation}: residue {pos} of the FokI domain is {seq[i]}, not {wt}",
            hint="the parts file's FokI domain or its numbering does not match the documented mutation",
        )
    out = list(seq)
    out[i] = new
    return out


def _parse(data: Any, origin: str) -> PartSet:
    if not isinstance(data, dict) or "parts" not in data:
        raise FormatError(
            f"parts file {origin} has no 'parts' object", hint="see taleforge/data/parts/talen_parts.json"
        )
    parts: dict[str, Part] = {}
    for key, d in data["parts"].items():
        try:
            prot = str(d["protein"]).upper().replace(" ", "")
            ev = str(d.get("evidence", "U")).upper()
            part = Part(
                key,
                str(d.get("kind", key)),
                prot,
                str(d.get("label", key)),
                str(d.get("source", "unspecified")),
                ev if ev in ("V", "K", "U") else "U",  # type: ignore[arg-type]
                int(d.get("first_residue", 1)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise FormatError(
                f"part {key!r} in {origin} is malformed ({exc})", hint="each part needs at least 'protein'"
            ) from None
        bad = set(part.protein) - _AA
        if bad or not part.protein:
            raise FormatError(
                f"part {key!r} in {origin} has non-amino-acid letters {sorted(bad)}",
                hint="give one-letter amino-acid codes",
            )
        parts[key] = part
    subs: dict[str, tuple[tuple[str, ...], str, Evidence]] = {}
    for name, d in (data.get("fok1_substitutions") or {}).items():
        ev = str(d.get("evidence", "U")).upper()
        subs[name] = (
            tuple(d.get("mutations", ())),
            str(d.get("source", "")),
            ev if ev in ("V", "K", "U") else "U",
        )  # type: ignore[assignment]
    return PartSet(str(data.get("name", origin)), str(data.get("version", "?")), parts, subs, origin)


def builtin_parts() -> PartSet:
    text = (DATA_DIR / "parts" / "talen_parts.json").read_text("utf-8")
    return _parse(json.loads(text), "builtin")


def load_parts(path: str | Path | None = None) -> PartSet:
    """The built-in parts, with any part (and substitution set) in ``path`` replacing the
    built-in one of the same key; user parts are tagged with the user's own evidence."""
    base = builtin_parts()
    if path is None:
        return base
    p = Path(path)
    try:
        data = json.loads(p.read_text("utf-8"))
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"--parts {p} is not valid JSON ({exc.msg}, line {exc.lineno})",
            hint="see taleforge/data/parts/talen_parts.json for the format",
        ) from None
    user = _parse(data, str(p))
    merged = dict(base.parts)
    merged.update(user.parts)
    subs = dict(base.substitutions)
    subs.update(user.substitutions)
    return PartSet(f"{base.name}+{user.name}", base.version + "+user", merged, subs, str(p))


def normalise_fok1(name: str) -> str:
    key = name.strip().lower().replace("_", "-").replace("/", "-")
    if key not in FOK1_VARIANTS:
        raise UnknownNameError(
            f"unknown FokI variant {name!r}", hint="use one of: wt, ELD-KKR, Sharkey, Sharkey-ELD-KKR"
        )
    return key


def check_rvd(rvd: str) -> None:
    if "*" in rvd:
        raise InputError(
            f"RVD {rvd} (a repeat lacking residue 13) cannot be assembled here",
            hint="use a two-residue RVD such as NG or HD",
        )
    if len(rvd) != 2 or set(rvd) - _AA:
        raise InputError(f"bad RVD {rvd!r}", hint="write RVDs as two amino-acid letters, e.g. NI HD NG NN")


def _table() -> ParamTable:
    ps = builtin_parts()
    params = [
        Param(f"part_{p.key}", f"{len(p.protein)} aa", "aa", p.source, p.evidence, p.label)
        for p in ps.parts.values()
    ]
    for name, (muts, src, ev) in ps.substitutions.items():
        params.append(
            Param(
                f"fok1_{name}",
                " ".join(muts),
                "substitutions (P14870 numbering)",
                src,
                ev,
                f"FokI {name} substitutions",
            )
        )
    return ParamTable("assembly_parts", ps.version, tuple(params))


ASSEMBLY_PARTS_TABLE = register_table(_table())

"""TALEN protein: start, NLS, tags, N-terminal domain, repeat array (RVD at residues 12-13
of each 34-residue repeat), final 20-residue half repeat, C-terminal domain, linker and a
FokI cleavage domain variant. Each segment is kept with its coordinates so writers can
annotate it and tests can read the RVDs back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from taleforge.assembly.parts import FOK1_VARIANTS, PartSet, check_rvd, normalise_fok1
from taleforge.errors import InputError, UnknownNameError
from taleforge.model.params import Evidence

#: Residue numbers (1-based) of the RVD inside a repeat [K] (Deng 2012 Science; Mak 2012 Science).
RVD_RESIDUES = (12, 13)


@dataclass(frozen=True, slots=True)
class Architecture:
    """Which parts a scaffold preset builds (``taleforge design --scaffold`` names)."""

    name: str
    ntd: str
    ctd: str
    description: str
    evidence: Evidence
    note: str = ""


ARCHITECTURES: dict[str, Architecture] = {
    a.name: a
    for a in (
        Architecture(
            "plus63",
            "ntd_plus136",
            "ctd_plus63",
            "+136 N-terminal domain (delta152) and +63 C-terminal domain (Miller et al. 2011)",
            "K",
        ),
        Architecture(
            "tale-nt",
            "ntd_plus136",
            "ctd_plus63",
            "+136/+63 (the TALE-NT 2.0 targeter assumes the Cermak 2011 delta152/+63 backbones)",
            "K",
        ),
        Architecture(
            "goldy",
            "ntd_plus136",
            "ctd_plus63",
            "+136/+63 as in GoldyTALEN (Bedell et al. 2012)",
            "U",
            "GoldyTALEN's own residue changes are not sourced here: the 'goldy' preset builds "
            "the +136/+63 parts; give the GoldyTALEN domains with --parts to build it exactly",
        ),
        Architecture(
            "cellectis-like",
            "ntd_plus136",
            "ctd_plus63",
            "+136/+63 stand-in for the Cellectis scaffold",
            "U",
            "the Cellectis TALEN scaffold sequence is not public here; the preset builds +136/+63",
        ),
        Architecture(
            "evolved-ntd",
            "ntd_plus136",
            "ctd_plus63",
            "+136/+63 without the evolved N-terminal substitutions",
            "U",
            "the evolved N-terminal domain substitutions (Lamb et al. 2013) are not sourced here; "
            "the preset builds the wild-type +136 domain, which wants T at position 0",
        ),
    )
}


def get_architecture(name: str) -> Architecture:
    key = name.strip().lower()
    if key not in ARCHITECTURES:
        raise UnknownNameError(
            f"unknown scaffold {name!r}", hint="valid scaffolds: " + ", ".join(ARCHITECTURES)
        )
    return ARCHITECTURES[key]


@dataclass(frozen=True, slots=True)
class Segment:
    kind: str  # start, NLS, tag, N-term, repeat, half-repeat, C-term, linker, FokI
    label: str
    start: int  # 0-based residue in the protein, half-open
    end: int
    source: str
    evidence: Evidence


@dataclass(frozen=True)
class TalenProtein:
    name: str
    rvds: tuple[str, ...]
    protein: str
    segments: tuple[Segment, ...]
    architecture: str
    fok1: str

    def repeat_segments(self) -> list[Segment]:
        return [s for s in self.segments if s.kind in ("repeat", "half-repeat")]

    def unverified(self) -> list[Segment]:
        return [s for s in self.segments if s.evidence == "U"]


def rvds_of(protein: str, segments: Sequence[Segment]) -> tuple[str, ...]:
    """Read residues 12-13 of each repeat (and the half repeat) back out of ``protein``."""
    a, b = RVD_RESIDUES
    return tuple(
        protein[s.start + a - 1 : s.start + b] for s in segments if s.kind in ("repeat", "half-repeat")
    )


def build_talen(
    rvds: Sequence[str],
    parts: PartSet,
    *,
    name: str = "TALEN",
    scaffold: str = "plus63",
    fok1: str = "wt",
    side: str = "left",
    nls: bool = True,
    tags: Sequence[str] = (),
) -> TalenProtein:
    """The protein of one TALEN monomer; ``side`` picks the ELD (left) or KKR (right) half
    of an obligate-heterodimer FokI pair."""
    if len(rvds) < 2:
        raise InputError(f"an array needs at least 2 RVDs, got {len(rvds)}", hint="give the full RVD string")
    for r in rvds:
        check_rvd(r)
    arch = get_architecture(scaffold)
    variant = normalise_fok1(fok1)
    left_subs, right_subs = FOK1_VARIANTS[variant]
    if side not in ("left", "right"):
        raise InputError(f"bad side {side!r}", hint="use left or right")
    fok_seq, fok_label, fok_ev = parts.fok1(left_subs if side == "left" else right_subs)

    pieces: list[tuple[str, str, str, str, Evidence]] = []  # kind, label, protein, source, evidence

    def add(key: str, label: str | None = None) -> None:
        p = parts[key]
        pieces.append((p.kind, label or p.label, p.protein, p.source, p.evidence))

    add("start")
    for t in tags:
        key = f"tag_{t.strip().lower()}"
        if key not in parts.parts:
            known = sorted(k[4:] for k in parts.parts if k.startswith("tag_"))
            raise UnknownNameError(f"unknown tag {t!r}", hint="known tags: " + ", ".join(known))
        add(key)
    if nls:
        add("nls_sv40")
    add(arch.ntd)
    rep, half = parts["repeat"], parts["half_repeat"]
    for i, r in enumerate(rvds[:-1], start=1):
        pieces.append(("repeat", f"repeat {i} {r}", _with_rvd(rep.protein, r), rep.source, rep.evidence))
    pieces.append(
        (
            "half-repeat",
            f"half repeat {len(rvds)} {rvds[-1]}",
            _with_rvd(half.protein, rvds[-1]),
            half.source,
            half.evidence,
        )
    )
    add(arch.ctd)
    add("linker_ctd_fok1")
    fok_src = parts["fok1_wt"].source
    if left_subs or right_subs:
        subs = left_subs if side == "left" else right_subs
        fok_src += "; substitutions " + "; ".join(
            f"{n}: {' '.join(parts.substitutions[n][0])} ({parts.substitutions[n][1]})"
            for n in subs.split("+")
        )
    pieces.append(("FokI", fok_label, fok_seq, fok_src, fok_ev))

    segs: list[Segment] = []
    pos = 0
    for kind, label, prot, src, ev in pieces:
        segs.append(Segment(kind, label, pos, pos + len(prot), src, ev))
        pos += len(prot)
    protein = "".join(p[2] for p in pieces)
    return TalenProtein(name, tuple(rvds), protein, tuple(segs), arch.name, fok_label)


def _with_rvd(template: str, rvd: str) -> str:
    a, b = RVD_RESIDUES
    if template[a - 1 : b] != "XX":
        raise InputError(
            "repeat template lacks XX at residues 12-13", hint="write the repeat with XX where the RVD goes"
        )
    return template[: a - 1] + rvd + template[b:]

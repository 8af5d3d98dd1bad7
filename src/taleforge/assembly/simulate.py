"""Simulate a Golden Gate kit plan with pydna: digest in-silico module, array, last-repeat
and backbone plasmids built from the kit file's overhang model, ligate the fragments in plan
order (pydna refuses incompatible sticky ends), and read the ORF and its RVDs back from the
circular product.

The in-silico plasmids follow the kit's logic, not its real sequences (which are not
shipped; the kit file marks them [U]): position-specific modules with BsaI overhangs
J0..J9 at repeat junctions (J10 = J0, so array plasmids chain at step 2), array plasmids
whose Esp3I sites release the array, a last-repeat plasmid and a backbone carrying the
N-terminal and C-terminal parts."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from Bio.Seq import Seq

from taleforge.assembly.deps import require
from taleforge.assembly.dna import clean_sites, find_sites
from taleforge.assembly.kit import Kit, KitPlan
from taleforge.assembly.protein import TalenProtein, rvds_of
from taleforge.errors import FormatError, NoResultError


@lru_cache(maxsize=8)
def _filler(tag: str, n: int = 90) -> str:
    rng = random.Random(tag)
    while True:
        s = "".join(rng.choice("ACGT") for _ in range(n))
        if not find_sites(s, ("BsaI", "BsmBI")) and "ATG" not in s[:3]:
            return s


BSAI_F, BSAI_R, ESP_F, ESP_R = "GGTCTC", "GAGACC", "CGTCTC", "GAGACG"


@dataclass(frozen=True)
class SimulationResult:
    name: str
    orf: str  # ATG ... stop, read from the simulated circular product
    protein: str
    rvds: tuple[str, ...]
    product_bp: int
    array_inserts_bp: tuple[tuple[str, int], ...]
    matches_design: bool
    notes: tuple[str, ...]


class _Model:
    def __init__(self, kit: Kit) -> None:
        m = kit.raw.get("in_silico")
        if not m:
            raise FormatError(f"kit {kit.name} has no in_silico model", hint="add one to simulate the plan")
        self.j = [str(x).upper() for x in m["junction_overhangs"]]
        self.lr_oh = str(m["last_repeat_overhang"]).upper()
        self.c_oh = str(m["c_term_overhang"]).upper()
        self.rep = [str(c).upper() for c in m["repeat_codons"]]
        self.half = [str(c).upper() for c in m["half_repeat_codons"]]
        self.rvd_codons = {k.upper(): str(v).upper() for k, v in m["rvd_codons"].items()}
        self.positions = kit.module_positions
        if len(self.j) != self.positions:
            raise FormatError(
                "in_silico junction_overhangs must list one overhang per module position",
                hint=f"give {self.positions}",
            )

    def junction(self, p: int) -> str:
        return self.j[p % self.positions]

    def codons(self, template: list[str], rvd: str) -> str:
        c = list(template)
        c[11], c[12] = self.rvd_codons[rvd[0]], self.rvd_codons[rvd[1]]
        return "".join(c)

    def module(self, rvd: str, pos: int) -> str:
        dna = self.codons(self.rep, rvd)
        body = dna[3:-1]
        ins = self.junction(pos - 1) + body + self.junction(pos)
        return _filler("module-vector") + BSAI_F + "A" + ins + "A" + BSAI_R

    def array_vector(self, k: int, last: bool) -> str:
        tail = (self.lr_oh + "A" + ESP_R) if last else ("A" + ESP_R)
        return (
            _filler("pfus-vector")
            + ESP_F
            + "A"
            + self.junction(0)
            + "A"
            + BSAI_R
            + _filler("stub", 40)
            + BSAI_F
            + "A"
            + self.junction(k)
            + tail
        )

    def last_repeat(self, rvd: str) -> str:
        dna = self.codons(self.half, rvd)
        if dna[3:7] != self.lr_oh or dna[-1] + "AGC" != self.c_oh:
            raise FormatError(
                "in_silico last_repeat/c_term overhangs do not match the half-repeat codons",
                hint="fix the kit file's in_silico section",
            )
        return _filler("lr-vector") + ESP_F + "A" + self.lr_oh + dna[7:-1] + self.c_oh + "A" + ESP_R


def _backbone(model: _Model, talen: TalenProtein) -> tuple[str, str]:
    """(plasmid, CDS prefix) of the in-silico backbone for this TALEN's non-repeat parts."""
    segs = talen.segments
    first_rep = next(s for s in segs if s.kind == "repeat")
    half = next(s for s in segs if s.kind == "half-repeat")
    n_side = talen.protein[: first_rep.start]
    c_side = talen.protein[half.end :] + "*"
    if not n_side.endswith("N") or model.junction(0)[0] not in "CT":
        raise FormatError(
            "the kit's in-silico model needs the N-terminal domain to end in Asn",
            hint="simulate with the built-in parts or adapt the kit file",
        )
    if not c_side.startswith("S") or model.c_oh[1:] != "AGC":
        raise FormatError(
            "the kit's in-silico model needs the C-terminal domain to start with Ser",
            hint="simulate with the built-in parts or adapt the kit file",
        )
    n_dna = _clean(n_side)[:-1] + model.junction(0)[0]
    c_dna = _clean(c_side)[3:]
    plasmid = (
        _filler("backbone")
        + n_dna[:-1]
        + model.junction(0)
        + "A"
        + ESP_R
        + _filler("stub2", 40)
        + ESP_F
        + "A"
        + model.c_oh
        + c_dna
        + _filler("backbone-end")
    )
    return plasmid, n_dna[:30]


@lru_cache(maxsize=64)
def _clean(protein: str) -> str:
    return clean_sites(protein)


@lru_cache(maxsize=512)
def _fragment(seq: str, enzyme_name: str, drop: str) -> Any:
    """The one fragment of circular ``seq`` cut by ``enzyme_name`` that lacks ``drop`` (cached:
    kit modules, array vectors and last-repeat plasmids recur across plans)."""
    dseq = require("pydna.dseq")
    restriction = require("Bio.Restriction")
    return _cut_keep(dseq.Dseq(seq, circular=True), getattr(restriction, enzyme_name), drop)


def _cut_keep(dsr: Any, enzyme: Any, drop: str) -> Any:
    frags = dsr.cut(enzyme)
    keep = [f for f in frags if drop not in str(f.watson).upper() and drop not in str(f.crick).upper()]
    if len(keep) != 1:
        raise NoResultError(
            f"simulated digest gave {len(frags)} fragments, {len(keep)} candidate inserts",
            hint="the kit's in-silico sequences have an extra or missing site",
        )
    return keep[0]


def simulate_plan(plan: KitPlan, talen: TalenProtein, kit: Kit) -> SimulationResult:
    """Digest and ligate the plan's in-silico plasmids; read the ORF back."""
    dseq = require("pydna.dseq")
    restriction = require("Bio.Restriction")
    e1, e2 = kit.step_enzymes
    model = _Model(kit)
    notes: list[str] = []
    step1 = plan.array_groups()
    arrays = []
    inserts: list[tuple[str, int]] = []
    try:
        for idx, r in enumerate(step1):
            last = idx == len(step1) - 1
            product = _fragment(model.array_vector(len(r.rvds), last), e1, _filler("stub", 40))
            for pos, rvd in enumerate(r.rvds, start=1):
                product = product + _fragment(model.module(rvd, pos), e1, _filler("module-vector"))
            arr = _cut_keep(product.looped(), getattr(restriction, e2), _filler("pfus-vector"))
            inserts.append((r.reaction, len(arr)))
            arrays.append(arr)
        bb_seq, cds_prefix = _backbone(model, talen)
        final = _cut_keep(dseq.Dseq(bb_seq, circular=True), getattr(restriction, e2), _filler("stub2", 40))
        for arr in arrays:
            final = final + arr
        final = final + _fragment(model.last_repeat(plan.rvds[-1]), e2, _filler("lr-vector"))
        product = final.looped()
    except TypeError as exc:  # pydna: sticky ends not compatible
        raise NoResultError(
            f"simulated ligation failed for {plan.name} ({exc})",
            hint="the kit file's overhangs do not chain; check its in_silico section",
        ) from None
    circ = str(product.watson).upper()
    i = (circ + circ).find(cds_prefix.upper())
    if i < 0:
        raise NoResultError(
            f"simulated product of {plan.name} lacks the backbone ORF start",
            hint="check the kit's backbone model",
        )
    rot = (circ + circ)[i : i + len(circ)]
    prot = str(Seq(rot[: len(rot) - len(rot) % 3]).translate(to_stop=True))
    orf = rot[: 3 * len(prot) + 3]
    rvds = rvds_of(prot, talen.segments) if len(prot) == len(talen.protein) else ()
    if prot != talen.protein:
        notes.append(
            f"{plan.name}: the simulated product's protein differs from the designed protein "
            "(the kit's repeat codons encode a different repeat framework than the parts)"
        )
    return SimulationResult(
        plan.name,
        orf,
        prot,
        tuple(rvds),
        len(circ),
        tuple(inserts),
        prot == talen.protein and tuple(rvds) == plan.rvds,
        tuple(notes),
    )

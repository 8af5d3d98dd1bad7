"""TALE base editors (Mok 2020 Nature; Cho 2022 Cell; docs/science.md §4): DdCBE (split DddA,
G1333 / G1397, both orientations), DddA11 (5'-HC context) and TALED (A->G with an adenine
deaminase on one TALE).

Two registries live here:

* :data:`EDITORS` - frozen :class:`EditorSpec` objects (what each editor deaminates, its
  sequence-context rule, its spacer/array ranges and position-0 rule).
* Window tables (:class:`WindowTable`) - per (editor family, split, orientation, spacer length,
  strand, position, context) the predicted editing efficiency of a base. Built-in tables are
  generated from documented rules (``mitoedit``; ``qiu2024``); users load measured tables from
  a TSV with :func:`load_window_table`.

Window coordinates
------------------
What is MitoEdit's and what is taleforge's
------------------------------------------
MitoEdit's (pipelines/README.md and its TALE-NT call in mitocraft.py): the windows (G1333 4-10
from the 5' end, G1397/DddA11 4-7 from the 3' end, TALED 5-12 from the deaminase end), spacers
14-18 bp, the second C of a 5'-TCC as a bystander, TALE arrays of 14-18 RVDs with upstream T,
and TALE-NT's filter 1 (only pairs whose spacer is centred on the target). taleforge's: arrays
15-20 RVDs by default (TALE-NT's own defaults; ``--arm-min 14 --arm-max 18`` gives MitoEdit's),
every pair that puts the target in a window (not only centred spacers), both DdCBE orientations
listed, the G1333 DddA11 window (extrapolated), and every efficiency number: the built-in tables'
efficiencies are placeholder window shapes [U] (row evidence ``U``; ``calibrated`` False), shown
as relative scores. A user table whose rows are K/V (and not marked placeholder) is
``calibrated``: its efficiencies are probabilities.

Window coordinates
------------------
``position`` is 1-based along the spacer, counted from the **left** TALE (the 5' end of the
top strand), whatever the strand of the edited base. ``strand`` is ``top`` (the strand the
left TALE reads; the edited base is the listed base on it) or ``bottom`` (the other strand).
Rules phrased "from the 5'/3' end on the strand carrying the C" (MitoEdit) are converted:
a top-strand base at position p is p from the top 5' end and S-p+1 from the 3' end; a
bottom-strand base is S-p+1 from *its* 5' end and p from its 3' end.

Context labels
--------------
For cytosine editors the label is the 5' neighbour (on the edited strand) in lower case plus
``C``: ``tC``, ``aC``, ``cC``, ``gC``; the second C of a 5'-TCC is ``tcC`` (MitoEdit marks it as
a bystander for the TC-only DdCBEs). For TALED the label is ``A`` (the S-neighbour rule is the
editor's context rule). ``*`` in a table row matches any label.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from taleforge.errors import FormatError, ParameterError, UnknownNameError
from taleforge.model.params import Param, ParamTable, register_table

EditorFamily = Literal["DdCBE", "DddA11", "TALED"]
ContextRule = Literal["TC", "HC", "SA_or_AS"]
WindowStrand = Literal["top", "bottom"]


MITOEDIT_SOURCE = (
    "MitoEdit documented pipelines (docs/Pipelines: Mok2020 G1333, Mok2020 G1397, "
    "Mok2022 DddA11, Cho sTALEDs); Mok 2020 Nature 583:631; Mok 2022 Nat Biotechnol; "
    "Cho 2022 Cell 185:1764"
)
#: MitoEdit's own TALE-NT call (mitocraft.py / mitoedit/core.py: MIN_SPACER 14, MAX_SPACER 18,
#: ARR_MIN 14, ARR_MAX 18, FILTER 1 with the target as the cut base, upstream base T)
MITOEDIT_TALENT = (
    "MitoEdit runs TALE-NT findTAL with spacer 14-18, arrays 14-18 RVDs, filter 1 (spacer "
    "centred on the target) and upstream T (mitocraft.py MIN/MAX_SPACER, ARR_MIN/ARR_MAX)"
)
TALENT_DEFAULTS = (
    "TALE-NT 2.0 findTAL defaults (arrays 15-20 RVDs; Doyle 2012 Nucleic Acids Res 40:W117)"
)
QIU_SOURCE = "Qiu et al. 2024 (16-bp spacer, mouse mtDNA): aC and tC editing windows"

#: Every rule constant of the editors (Mok 2020 Nature; Cho 2022 Cell; MitoEdit's rules).
EDITOR_PARAMS = register_table(
    ParamTable(
        name="tale_base_editors",
        version="2",
        params=(
            Param("spacer_min_bp", 14, "bp", "MitoEdit's windows (14-18 bp; " + MITOEDIT_TALENT
                  + "); Mok 2020 tested 14-18 bp spacers", "V", "shortest editor spacer"),
            Param("spacer_max_bp", 18, "bp", "MitoEdit's windows (14-18 bp); " + MITOEDIT_TALENT,
                  "V", "longest editor spacer"),
            Param(
                "arm_min_rvds", 15, "RVDs",
                "taleforge's choice: " + TALENT_DEFAULTS + "; not MitoEdit's 14 ("
                + MITOEDIT_TALENT + "; --arm-min 14 --arm-max 18 reproduces it)", "K",
                "shortest TALE array (position 0 excluded)",
            ),
            Param("arm_max_rvds", 20, "RVDs",
                  "taleforge's choice: " + TALENT_DEFAULTS + "; MitoEdit passes 18", "K",
                  "longest TALE array"),
            Param("pos0_bases", "T", "base", "Lamb 2013 (position-0 T); TALE-NT's default "
                  "upstream base, which MitoEdit keeps", "V",
                  "allowed position-0 base of each TALE"),
            Param("g1333_from5_min", 4, "position", MITOEDIT_SOURCE, "V",
                  "G1333: first edited position counted from the 5' end of the C's strand"),
            Param("g1333_from5_max", 10, "position", MITOEDIT_SOURCE, "V",
                  "G1333: last edited position counted from the 5' end of the C's strand"),
            Param("g1397_from3_min", 4, "position", MITOEDIT_SOURCE, "V",
                  "G1397 / DddA11: first edited position from the 3' end of the C's strand"),
            Param("g1397_from3_max", 7, "position", MITOEDIT_SOURCE, "V",
                  "G1397 / DddA11: last edited position from the 3' end of the C's strand"),
            Param("taled_from_ad_min", 5, "position", MITOEDIT_SOURCE, "V",
                  "TALED: first edited A counted from the spacer end of the AD-fused TALE"),
            Param("taled_from_ad_max", 12, "position", MITOEDIT_SOURCE, "V",
                  "TALED: last edited A counted from the spacer end of the AD-fused TALE"),
            Param("qiu_spacer_bp", 16, "bp", QIU_SOURCE, "V", "spacer of the Qiu windows"),
            Param("qiu_g1333_aC", (8, 11), "positions from 5'", QIU_SOURCE, "V",
                  "G1333 aC window (C8-C11)"),
            Param("qiu_g1397_aC", (10, 13), "positions from 5'", QIU_SOURCE, "V",
                  "G1397 aC window (C10-C13)"),
            Param("qiu_g1333_tC", (4, 13), "positions from 5'", QIU_SOURCE, "V",
                  "G1333 tC window (C4-C13)"),
            Param("qiu_g1397_tC", (5, 14), "positions from 5'", QIU_SOURCE, "V",
                  "G1397 tC window (C5-C14)"),
            Param("eff_max", 0.49, "fraction",
                  "taleforge placeholder (MitoEdit gives windows, no efficiencies); scale from "
                  "Mok 2020 Nature: mtDNA editing 4.6-49% depending on C position", "U",
                  "placeholder relative efficiency at the window centre"),
            Param("eff_min", 0.046, "fraction", "taleforge placeholder; Mok 2020 lower end of "
                  "4.6-49%", "U",
                  "placeholder relative efficiency at the window edges (linear in between)"),
            Param("ctx_factor_tC", 1.0, "x", "taleforge: reference context", "U",
                  "tC relative efficiency"),
            Param("ctx_factor_aC", 0.5, "x", "taleforge placeholder; DddA11 edits HC less than "
                  "TC (Mok 2022)", "U", "aC relative efficiency (DddA11)"),
            Param("ctx_factor_cC", 0.35, "x", "taleforge placeholder; DddA11 edits HC less than "
                  "TC (Mok 2022)", "U", "cC relative efficiency (DddA11)"),
            Param("ctx_factor_tcC", 0.3, "x",
                  "taleforge placeholder; that the 2nd C of a TCC is a bystander is MitoEdit's "
                  "rule", "U",
                  "relative efficiency of the 2nd C of a 5'-TCC for TC-only DdCBEs"),
            Param("ctx_factor_A", 1.0, "x", "taleforge: reference context for TALED", "U",
                  "TALED A relative efficiency (S-neighbour rule applies)"),
        ),
    )
)


@dataclass(frozen=True, slots=True)
class EditorSpec:
    """One TALE base-editor architecture.

    ``orientation`` for DdCBE/DddA11 is ``NL`` (N-terminal DddA half on the left TALE, C half
    on the right) or ``NR``; for TALED it is ``ADL`` / ``ADR`` (adenine deaminase fused to
    the left / right TALE). ``ref_base``/``alt_base`` are on the edited strand.
    """

    name: str
    family: EditorFamily
    split: str  # "G1333", "G1397" (DdCBE/DddA11) or "-" (TALED: split DddA is inactive helper)
    orientation: str
    ref_base: str
    alt_base: str
    context: ContextRule
    description: str
    source: str
    evidence: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.family, self.split, self.orientation)

    def context_label(self, five: str, base: str, three: str, five2: str = "N") -> str | None:
        """Label of a base on its own strand given its 5' neighbour ``five``, 3' neighbour
        ``three`` and the base 2 positions 5' (``five2``); None when not the editable base."""
        if base != self.ref_base:
            return None
        if self.ref_base == "A":
            return "A"
        if five == "C" and five2 == "T" and self.context == "TC":
            return "tcC"
        return five.lower() + "C" if five in "ACGT" else None

    def primary_context(self, five: str, three: str) -> bool:
        """Whether a base with these neighbours (on its strand) is in the editor's context."""
        if self.context == "TC":
            return five == "T"
        if self.context == "HC":
            return five in ("A", "C", "T")
        return five in ("C", "G") or three in ("C", "G")

    def context_text(self) -> str:
        return {
            "TC": "5'-TC (wild-type DddA)",
            "HC": "5'-HC, H = A/C/T (DddA11)",
            "SA_or_AS": "5'-SA or 5'-AS, S = C/G (TALED)",
        }[self.context]


def _mk() -> dict[str, EditorSpec]:
    out: list[EditorSpec] = []
    for split in ("G1333", "G1397"):
        for ori, txt in (("NL", "N-terminal half on left TALE"),
                         ("NR", "N-terminal half on right TALE")):
            out.append(EditorSpec(
                f"DdCBE-{split}-{ori}", "DdCBE", split, ori, "C", "T", "TC",
                f"DdCBE, DddA split at {split}, {txt}; C->T in 5'-TC on either strand",
                "Mok 2020 Nature 583:631; windows per MitoEdit", "V"))
    for split in ("G1397", "G1333"):
        for ori, txt in (("NL", "N-terminal half on left TALE"),
                         ("NR", "N-terminal half on right TALE")):
            out.append(EditorSpec(
                f"DddA11-{split}-{ori}", "DddA11", split, ori, "C", "T", "HC",
                f"DdCBE with evolved DddA11, split {split}, {txt}; C->T in 5'-HC",
                "Mok 2022 Nat Biotechnol (DddA11, G1397); G1333 window extrapolated [U] "
                "except the Qiu 2024 table", "V" if split == "G1397" else "U"))
    for ori, txt in (("ADL", "adenine deaminase on left TALE"),
                     ("ADR", "adenine deaminase on right TALE")):
        out.append(EditorSpec(
            f"TALED-{ori}", "TALED", "-", ori, "A", "G", "SA_or_AS",
            f"TALED (TadA8e + split DddA), {txt}; A->G in 5'-SA or 5'-AS",
            "Cho 2022 Cell 185:1764; windows per MitoEdit sTALED pipeline", "V"))
    return {e.name: e for e in out}


EDITORS: dict[str, EditorSpec] = _mk()


def get_editor(name: str) -> EditorSpec:
    """Editor by exact name (case-insensitive) or family prefix is not accepted here."""
    for k, v in EDITORS.items():
        if k.lower() == name.lower():
            return v
    raise UnknownNameError(
        f"unknown editor {name!r}", hint="valid editors: " + ", ".join(EDITORS)
    )


def resolve_editors(names: Iterable[str] | None) -> tuple[EditorSpec, ...]:
    """Editors from names; a family name (``DdCBE``, ``DddA11``, ``TALED``) or a family+split
    (``DdCBE-G1333``) selects every matching editor. ``None`` selects all."""
    if names is None:
        return tuple(EDITORS.values())
    chosen: list[EditorSpec] = []
    for raw in names:
        for part in str(raw).split(","):
            n = part.strip()
            if not n:
                continue
            matches = [
                e for k, e in EDITORS.items()
                if k.lower() == n.lower() or k.lower().startswith(n.lower() + "-")
            ]
            if not matches:
                raise UnknownNameError(
                    f"unknown editor {n!r}",
                    hint="valid editors: " + ", ".join(EDITORS)
                    + " (or a family: DdCBE, DddA11, TALED)",
                )
            for m in matches:
                if m not in chosen:
                    chosen.append(m)
    if not chosen:
        raise ParameterError("no editors selected", hint="valid editors: " + ", ".join(EDITORS))
    return tuple(sorted(chosen, key=lambda e: list(EDITORS).index(e.name)))


# --------------------------------------------------------------------------- window tables


@dataclass(frozen=True, slots=True)
class WindowRow:
    family: str
    split: str
    orientation: str  # or "*"
    spacer_bp: int
    strand: WindowStrand
    position: int  # 1-based from the left end of the spacer (top-strand coordinates)
    context: str  # label or "*"
    efficiency: float
    evidence: str
    source: str


TSV_COLUMNS = (
    "family", "split", "orientation", "spacer_bp", "strand", "position", "context",
    "efficiency", "evidence", "source",
)


@dataclass(frozen=True)
class WindowTable:
    """Editing-window/efficiency table. Lookup falls back from exact orientation/context to
    ``*`` rows. A base with no row is not edited (efficiency 0)."""

    name: str
    version: str
    source: str
    rows: tuple[WindowRow, ...]
    #: efficiencies are measured probabilities (a user table whose rows are all K/V and not
    #: placeholders); the built-in tables' efficiencies are placeholder window shapes [U]
    calibrated: bool = False

    def __post_init__(self) -> None:
        idx: dict[tuple[str, str, str, int, str, int, str], WindowRow] = {}
        for r in self.rows:
            k = (r.family, r.split, r.orientation, r.spacer_bp, r.strand, r.position, r.context)
            if k in idx:
                raise FormatError(
                    f"window table {self.name}: duplicate row {k}",
                    hint="give each (family, split, orientation, spacer, strand, position, "
                    "context) once",
                )
            idx[k] = r
        object.__setattr__(self, "_index", idx)
        spans: dict[tuple[str, str, str, int, str], set[int]] = {}
        for r in self.rows:
            spans.setdefault((r.family, r.split, r.orientation, r.spacer_bp, r.strand),
                             set()).add(r.position)
        object.__setattr__(self, "_spans", spans)

    def lookup(
        self, editor: EditorSpec, spacer_bp: int, strand: WindowStrand, position: int,
        context: str,
    ) -> WindowRow | None:
        idx: dict[tuple[str, str, str, int, str, int, str], WindowRow] = self._index  # type: ignore[attr-defined]
        for ori in (editor.orientation, "*"):
            for ctx in (context, "*"):
                r = idx.get((editor.family, editor.split, ori, spacer_bp, strand, position, ctx))
                if r is not None:
                    return r
        return None

    def positions(self, editor: EditorSpec, spacer_bp: int, strand: WindowStrand) -> list[int]:
        """Positions with any row for this editor/spacer/strand (the window, any context)."""
        spans: dict[tuple[str, str, str, int, str], set[int]] = self._spans  # type: ignore[attr-defined]
        s: set[int] = set()
        for ori in (editor.orientation, "*"):
            s |= spans.get((editor.family, editor.split, ori, spacer_bp, strand), set())
        return sorted(s)

    def spacers(self, editor: EditorSpec) -> list[int]:
        return sorted({
            r.spacer_bp for r in self.rows
            if r.family == editor.family and r.split == editor.split
            and r.orientation in (editor.orientation, "*")
        })

    def to_tsv(self) -> str:
        buf = io.StringIO()
        buf.write(f"# window table {self.name} v{self.version}; {self.source}\n")
        buf.write("# position: 1-based from the left-TALE end of the spacer (top strand)\n")
        buf.write("\t".join(TSV_COLUMNS) + "\n")
        for r in sorted(self.rows, key=_row_key):
            buf.write("\t".join((
                r.family, r.split, r.orientation, str(r.spacer_bp), r.strand, str(r.position),
                r.context, f"{r.efficiency:.4f}", r.evidence, r.source,
            )) + "\n")
        return buf.getvalue()

    def __iter__(self) -> Iterator[WindowRow]:
        return iter(self.rows)


def _row_key(r: WindowRow) -> tuple[str, str, str, int, str, int, str]:
    return (r.family, r.split, r.orientation, r.spacer_bp, r.strand, r.position, r.context)


def _tri(k: int, lo: int, hi: int, emin: float, emax: float) -> float:
    """Placeholder efficiency: emax at the window centre, emin at its edges, linear."""
    if hi <= lo:
        return emax
    c = (lo + hi) / 2.0
    h = (hi - lo) / 2.0
    return round(emin + (emax - emin) * (1.0 - abs(k - c) / h), 4)


def _contexts(family: str, p: ParamTable) -> list[tuple[str, float]]:
    if family == "DdCBE":
        return [("tC", p["ctx_factor_tC"]), ("tcC", p["ctx_factor_tcC"])]
    if family == "DddA11":
        return [("tC", p["ctx_factor_tC"]), ("aC", p["ctx_factor_aC"]),
                ("cC", p["ctx_factor_cC"])]
    return [("A", p["ctx_factor_A"])]


def _strand_pos(strand: str, S: int, pos: int) -> tuple[int, int]:
    """(position from the 5' end, from the 3' end) of the edited strand."""
    if strand == "top":
        return pos, S - pos + 1
    return S - pos + 1, pos


def mitoedit_in_window(editor: EditorSpec, S: int, strand: str, pos: int,
                       p: ParamTable = EDITOR_PARAMS) -> tuple[bool, int, int]:
    """MitoEdit's documented rule: (in window, window lo, window hi) in the rule's own
    coordinate, and the base's coordinate is returned via :func:`mitoedit_coord`."""
    k, lo, hi = mitoedit_coord(editor, S, strand, pos, p)
    return lo <= k <= hi, lo, hi


def mitoedit_coord(editor: EditorSpec, S: int, strand: str, pos: int,
                   p: ParamTable = EDITOR_PARAMS) -> tuple[int, int, int]:
    """The base's coordinate in the rule's frame and the rule's (lo, hi)."""
    from5, from3 = _strand_pos(strand, S, pos)
    if editor.family == "TALED":
        k = pos if editor.orientation == "ADL" else S - pos + 1
        return k, p["taled_from_ad_min"], p["taled_from_ad_max"]
    if editor.split == "G1333":
        return from5, p["g1333_from5_min"], p["g1333_from5_max"]
    return from3, p["g1397_from3_min"], p["g1397_from3_max"]


def build_mitoedit_table(p: ParamTable = EDITOR_PARAMS) -> WindowTable:
    """Windows from MitoEdit's documented rules, both orientations (MitoEdit does not
    distinguish them), spacer 14-18; efficiencies are [U] placeholders."""
    rows: list[WindowRow] = []
    emin, emax = float(p["eff_min"]), float(p["eff_max"])
    for e in EDITORS.values():
        for S in range(p["spacer_min_bp"], p["spacer_max_bp"] + 1):
            for strand in ("top", "bottom"):
                for pos in range(1, S + 1):
                    k, lo, hi = mitoedit_coord(e, S, strand, pos, p)
                    if not lo <= k <= hi:
                        continue
                    base = _tri(k, lo, hi, emin, emax)
                    for ctx, f in _contexts(e.family, p):
                        rows.append(WindowRow(
                            e.family, e.split, e.orientation, S, strand, pos, ctx,
                            round(base * f, 4), "U",
                            "window: MitoEdit rule" + (" [V]" if e.evidence == "V" else
                                                       " extrapolated by taleforge [U]")
                            + "; efficiency: taleforge placeholder [U]",
                        ))
    return WindowTable("mitoedit", "2", MITOEDIT_SOURCE, tuple(rows))


def build_qiu_table(p: ParamTable = EDITOR_PARAMS) -> WindowTable:
    """MitoEdit table with the 16-bp-spacer DdCBE/DddA11 rows replaced by Qiu 2024's
    context-specific windows (counted from the 5' end of the C's strand: their G1397 aC window
    C10-13 equals MitoEdit's 4-7 from the 3' end)."""
    base = build_mitoedit_table(p)
    S = int(p["qiu_spacer_bp"])
    emin, emax = float(p["eff_min"]), float(p["eff_max"])
    keep = [r for r in base.rows if not (r.spacer_bp == S and r.family in ("DdCBE", "DddA11"))]
    rows = list(keep)
    for e in EDITORS.values():
        if e.family not in ("DdCBE", "DddA11"):
            continue
        ctxs: list[tuple[str, tuple[int, int], float]] = [
            ("tC", p[f"qiu_{e.split.lower()}_tC"], p["ctx_factor_tC"])
        ]
        if e.family == "DddA11":
            ctxs.append(("aC", p[f"qiu_{e.split.lower()}_aC"], p["ctx_factor_aC"]))
        else:
            ctxs.append(("tcC", p[f"qiu_{e.split.lower()}_tC"], p["ctx_factor_tcC"]))
        for strand in ("top", "bottom"):
            for pos in range(1, S + 1):
                from5, _ = _strand_pos(strand, S, pos)
                for ctx, (lo, hi), f in ctxs:
                    if lo <= from5 <= hi:
                        rows.append(WindowRow(
                            e.family, e.split, e.orientation, S, strand, pos, ctx,
                            round(_tri(from5, lo, hi, emin, emax) * f, 4), "U",
                            "window: Qiu 2024 [V]; efficiency: taleforge placeholder [U]",
                        ))
    return WindowTable("qiu2024", "2", QIU_SOURCE + "; other spacers: " + MITOEDIT_SOURCE,
                       tuple(rows))


_BUILTIN_TABLES = {"mitoedit": build_mitoedit_table, "qiu2024": build_qiu_table}


def window_table_names() -> list[str]:
    return list(_BUILTIN_TABLES)


def load_window_table(name_or_path: str | Path) -> WindowTable:
    """A built-in table by name (``mitoedit``, ``qiu2024``) or a TSV file (columns
    :data:`TSV_COLUMNS`; ``evidence`` and ``source`` optional; ``#`` lines are comments)."""
    key = str(name_or_path)
    if key in _BUILTIN_TABLES:
        return _BUILTIN_TABLES[key]()
    path = Path(key)
    if not path.exists():
        raise UnknownNameError(
            f"unknown window table {key!r}",
            hint="use one of " + ", ".join(_BUILTIN_TABLES) + " or the path of a TSV file",
        )
    text = path.read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    if not lines:
        raise FormatError(f"window table {path} is empty", hint="add a header and rows")
    reader = csv.DictReader(lines, delimiter="\t")
    need = set(TSV_COLUMNS) - {"evidence", "source"}
    missing = need - set(reader.fieldnames or [])
    if missing:
        raise FormatError(
            f"window table {path} lacks columns: {', '.join(sorted(missing))}",
            hint="columns: " + ", ".join(TSV_COLUMNS),
        )
    rows: list[WindowRow] = []
    for n, rec in enumerate(reader, start=2):
        try:
            strand = rec["strand"].strip().lower()
            if strand not in ("top", "bottom"):
                raise ValueError(f"strand {strand!r}")
            eff = float(rec["efficiency"])
            if not 0.0 <= eff <= 1.0:
                raise ValueError(f"efficiency {eff} outside 0-1")
            rows.append(WindowRow(
                rec["family"].strip(), rec["split"].strip(), rec["orientation"].strip(),
                int(rec["spacer_bp"]), strand, int(rec["position"]),  # type: ignore[arg-type]
                rec["context"].strip(), eff,
                (rec.get("evidence") or "V").strip(),
                (rec.get("source") or f"user table {path.name}").strip(),
            ))
        except (ValueError, TypeError, AttributeError) as exc:
            raise FormatError(
                f"window table {path}, data line {n}: {exc}",
                hint="spacer_bp/position integers, strand top|bottom, efficiency 0-1",
            ) from exc
    fams = {e.family for e in EDITORS.values()}
    bad = sorted({r.family for r in rows} - fams)
    if bad:
        raise FormatError(
            f"window table {path}: unknown editor families {', '.join(bad)}",
            hint="families: " + ", ".join(sorted(fams)),
        )
    calibrated = bool(rows) and all(
        r.evidence in ("K", "V") and "placeholder" not in r.source.lower() for r in rows)
    return WindowTable(path.name, "user", f"user table {path}", tuple(rows), calibrated)

"""What every design job returns: the :class:`DesignResult` base and its one provenance record.

Every JSON taleforge writes carries the same top-level keys from :func:`json_header`::

    {"schema_version": 1, "job": "knockout",
     "provenance": {"taleforge_version", "command", "genome": {"name", "sha256"},
                    "annotation": {"name", "sha256"} | null, "model": {"name", "version"} | null,
                    "parameter_tables": [{"name", "version", "values": {...}}, ...]},
     ...job-specific keys...}

``command`` is the only field that may differ between two runs that must otherwise be
byte-identical (CLI vs web app, serial vs cluster): no paths of indexes or caches are recorded.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Literal

#: Version of the JSON layout (bump when a key is renamed, moved or removed).
SCHEMA_VERSION = 1

Job = Literal["knockout", "base-edit", "correction", "knockin", "offtarget", "assembly"]


#: Stable warning kinds every job may emit (``DesignWarning.code``); UIs filter on them.
WARNING_KINDS: dict[str, str] = {
    "note": "informational note",
    "warning": "untyped warning",
    "second-cut": "the design's TALENs form another passing pair elsewhere (second DSB)",
    "no-clean-design": "no checked design without a passing off-target pair exists in the target",
    "offtarget-editing": "a base editor may deaminate at an off-target pair or strong half-site",
    "not-checked": "designs listed without a genome-wide off-target check",
    "no-genome-scanned": "no genome was scanned for off-targets",
    "numt-not-checked": "mtDNA job without --nuclear-genome: nuclear copies (NUMTs) not checked",
    "uncalibrated": "a number shown comes from placeholder [U] parameters",
    "placeholder-part": "a donor/construct part is a placeholder [U] sequence",
    "no-transcript-model": "no exons/CDS given: coding, splice or start effects not checked",
    "input-mismatch": "VCF/annotation records that do not match the genome",
    "allele-specificity": "the design only prefers one allele (both may be cut)",
}


@dataclass(frozen=True)
class DesignWarning:
    """A typed warning a UI can show: ``code`` is stable (one of :data:`WARNING_KINDS`, for
    filtering), ``message`` is one human-readable sentence, ``severity`` is ``"warning"`` (shown
    in the banner) or ``"note"``, ``design`` the id of the design it concerns (None = the whole
    run) and ``details`` typed, JSON-ready facts (e.g. for a second cut: location, nearest
    gene, mismatches per half-site, distance to the target, consequence)."""

    code: str
    message: str
    severity: Literal["warning", "note"] = "warning"
    design: str | None = None
    details: Mapping[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.severity != "warning" or self.design is not None or self.details:
            out["severity"] = self.severity
            out["design"] = self.design
            out["details"] = dict(self.details) if self.details else {}
        return out


@dataclass(frozen=True)
class Provenance:
    """What a run used, exactly: enough to reproduce it and to tell two runs apart."""

    taleforge_version: str
    genome: Mapping[str, Any] | None
    annotation: Mapping[str, Any] | None
    model: Mapping[str, Any] | None
    parameter_tables: tuple[Mapping[str, Any], ...]

    def as_dict(self, command: str | None = None) -> dict[str, Any]:
        return {
            "taleforge_version": self.taleforge_version,
            "command": command,
            "genome": dict(self.genome) if self.genome is not None else None,
            "annotation": dict(self.annotation) if self.annotation is not None else None,
            "model": dict(self.model) if self.model is not None else None,
            "parameter_tables": [dict(t) for t in self.parameter_tables],
        }


@lru_cache(maxsize=64)
def _sha256_of(path: str, size: int, mtime_ns: int) -> str:
    from taleforge.genome.fasta import file_sha256

    return file_sha256(path)


def _annotation_record(annotation: Any) -> dict[str, Any] | None:
    if annotation is None:
        return None
    src = getattr(annotation, "source", annotation)
    if isinstance(src, str) and src.startswith("builtin:"):
        from taleforge.genome.index import BUILTIN_GENOMES

        b = BUILTIN_GENOMES.get(src)
        if b is not None and b.annotation.is_file():
            st = b.annotation.stat()
            return {"name": src, "sha256": _sha256_of(str(b.annotation), st.st_size, st.st_mtime_ns)}
    if isinstance(src, (str, os.PathLike)) and Path(src).is_file():
        st = Path(src).stat()
        return {"name": Path(src).name, "sha256": _sha256_of(str(src), st.st_size, st.st_mtime_ns)}
    return {"name": str(src), "sha256": None}


def _genome_record(genome: Any) -> dict[str, Any] | None:
    if genome is None:
        return None
    if isinstance(genome, Mapping):
        return {"name": genome.get("name"), "sha256": genome.get("sha256")}
    rec = {"name": getattr(genome, "name", str(genome)), "sha256": getattr(genome, "checksum", None)}
    organism = getattr(genome, "organism", None)  # registered genomes with --organism only
    if organism is not None:
        rec["organism"] = organism
    return rec


def _model_record(model: Any) -> dict[str, Any] | None:
    if model is None:
        return None
    if isinstance(model, str):
        from taleforge.scoring import get_model

        model = get_model(model)
    return {"name": model.name, "version": model.version}


def table_records(names: Iterable[str], *, extra: Sequence[Any] = ()) -> tuple[dict[str, Any], ...]:
    """``{"name", "version", "values"}`` for the registered tables ``names`` (sorted by name),
    ``extra`` :class:`~taleforge.model.params.ParamTable` objects (e.g. user overrides) replacing
    a registered table of the same name."""
    from taleforge.model.params import all_tables, load_all_tables

    load_all_tables()
    reg = all_tables()
    chosen = {n: reg[n] for n in names if n in reg}
    for t in extra:
        chosen[t.name] = t
    return tuple(
        {"name": t.name, "version": t.version, "values": {p.name: p.value for p in t.params}}
        for _, t in sorted(chosen.items())
    )


def make_provenance(
    *,
    genome: Any,
    annotation: Any = None,
    model: Any = None,
    tables: Iterable[str] = (),
    extra_tables: Sequence[Any] = (),
    extra_records: Sequence[Mapping[str, Any]] = (),
) -> Provenance:
    """The provenance record of one run. ``genome`` is a :class:`~taleforge.genome.index.Genome`
    (or a mapping with ``name``/``sha256``); ``annotation`` an Annotation or a path; ``model``
    a binding model or its name (None when no model scored anything); ``tables`` names of
    registered tables, ``extra_tables`` ParamTable objects (overrides), ``extra_records``
    tables that are data files (``{"name", "version", "values"}``, e.g. editor windows)."""
    import taleforge

    if model is not None:
        from taleforge.scoring import get_model

        mdl = get_model(model) if isinstance(model, str) else model
        tables = [*tables, mdl.params.name]
        extra_tables = [*extra_tables, mdl.params]
    return Provenance(
        taleforge_version=taleforge.__version__,
        genome=_genome_record(genome),
        annotation=_annotation_record(annotation),
        model=_model_record(model),
        parameter_tables=tuple(sorted(
            (*table_records(tables, extra=extra_tables), *(dict(r) for r in extra_records)),
            key=lambda r: str(r["name"]))),
    )


def json_header(job: Job, record: Provenance, command: str | None = None) -> dict[str, Any]:
    """The keys every JSON file starts with."""
    return {"schema_version": SCHEMA_VERSION, "job": job, "provenance": record.as_dict(command)}


class DesignResult:
    """Base of every job's result. Subclasses are frozen dataclasses with at least
    ``designs`` (ranked), ``rejections`` (candidates removed per rule), notes/warnings and
    ``record`` (the one :class:`Provenance`); this base gives them one interface:
    :meth:`rejected_by_rule`, :meth:`typed_warnings`, :meth:`json_header`."""

    JOB: ClassVar[Job]

    def rejected_by_rule(self) -> dict[str, int]:
        """Candidates removed per rule (rule name -> count), sorted by rule name."""
        rej = getattr(self, "rejection_counts", None)
        if not isinstance(rej, Mapping):
            rej = getattr(self, "rejections", {})
        if not isinstance(rej, Mapping):
            return {}
        return {str(k): int(v) for k, v in sorted(rej.items())}

    def typed_warnings(self) -> tuple[DesignWarning, ...]:
        """Notes and warnings as :class:`DesignWarning`: plain strings in ``notes``/``warnings``
        become code "note"/"warning"; :class:`DesignWarning` objects (in ``notes``,
        ``warnings`` or ``typed``) are kept as they are."""
        def conv(w: Any, code: str) -> DesignWarning:
            return w if isinstance(w, DesignWarning) else DesignWarning(
                code, str(w), "note" if code == "note" else "warning")

        out = [conv(n, "note") for n in (getattr(self, "notes", ()) or ())]
        out += [conv(w, "warning") for w in (getattr(self, "warnings", ()) or ())]
        out += [conv(w, "warning") for w in (getattr(self, "typed", ()) or ())]
        return tuple(out)

    @property
    def provenance_record(self) -> Provenance:
        rec = getattr(self, "record", None)
        if not isinstance(rec, Provenance):
            raise AttributeError(f"{type(self).__name__} carries no provenance record")
        return rec

    def json_header(self, command: str | None = None) -> dict[str, Any]:
        """``schema_version``, ``job`` and ``provenance``: the keys every JSON starts with."""
        return json_header(self.JOB, self.provenance_record, command)

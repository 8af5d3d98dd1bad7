"""One registry of writers, keyed by ``(job, format)``, and the one output rule.

Every file taleforge writes comes from a function registered here::

    @register("knockout", "tsv", ext=(".tsv", ".txt"))
    def knockout_tsv(res: KnockoutResult, **_: Any) -> str: ...

    render("knockout", "tsv", res)                 # -> str
    format_of_path("knockout", Path("x.gff3"))     # -> "gff3" (extension picks the format)
    folder_files("correction", res, command=cmd)   # -> {"correction.json": ..., ...}

Writers are pure: a result (and keyword context such as ``command`` or ``genome``) in, a
string out; callers put the strings in place atomically (:class:`~taleforge.io.atomic.OutputSet`).
A writer ignores keywords it does not need, so every job is rendered the same way.

Output rule (``--out``): jobs with one main output (:data:`FILE_JOBS`: knockout, base-edit,
offtarget) take ``--out FILE`` and its extension picks the format; jobs with several
outputs (:data:`FOLDER_JOBS`: correction, knockin, multiplex, assembly, campaign) take
``--out FOLDER`` and write the files :func:`folder_files` lists into it; an existing folder
is refused unless ``--force`` (campaign folders, which resume, are the one exception).

Conventions shared by every job (see :mod:`taleforge.io.tables`):

* **TSV**: ``# ``-prefixed header lines (taleforge version and job, genome name and sha256,
  coordinate convention, notes), one header row, fixed column order; empty cell = missing;
  booleans ``yes``/``no``; lists comma-joined; coordinates 1-based inclusive.
* **JSON**: 2-space indent, trailing newline, the :func:`taleforge.design.result.json_header`
  keys (``schema_version``, ``job``, ``provenance``) at the top level of every file; NaN is
  written as ``null``; coordinates 1-based inclusive.
* **BED**: BED12 (pairs: two blocks = the two footprints incl. position 0, thick part = the
  spacer) or BED6 (single sites), one ``track`` line, 0-based half-open as BED defines,
  scores 0-1000.
* **GFF3**: ``##gff-version 3``, one ``engineered_region`` per pair with ``binding_site``
  and spacer ``region`` children, attribute values escaped (:func:`~taleforge.io.tables.gff3_escape`).
* **GenBank**: Biopython records with a fixed date (01-JAN-2000), division SYN, features
  sorted by position (:mod:`taleforge.io.genbank_out`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taleforge.errors import ParameterError

Render = Callable[..., Any]
"""``render(result, **context)``: a string (a dict of file name -> string for :data:`MULTI`)."""

#: jobs whose ``--out`` names one file (the extension picks the format)
FILE_JOBS: frozenset[str] = frozenset({"knockout", "base-edit", "offtarget"})
#: jobs whose ``--out`` names a folder (several outputs; refused if it exists, unless --force)
FOLDER_JOBS: frozenset[str] = frozenset({"correction", "knockin", "multiplex", "assembly", "campaign"})

#: modules that register writers (imported on first use, in this order)
WRITER_MODULES: tuple[str, ...] = (
    "taleforge.io.knockout_out",
    "taleforge.io.window_view",
    "taleforge.io.offtarget_out",
    "taleforge.io.donor_out",
    "taleforge.io.multiplex_out",
    "taleforge.io.assembly_out",
    "taleforge.io.html.writers",
)


@dataclass(frozen=True)
class Writer:
    """One registered writer: ``render(result, **context) -> str``. ``ext`` are the file
    name endings that select it (first = canonical); ``filename`` the file name inside a
    folder job's ``--out`` folder (None: not written by default, e.g. an optional view)."""

    job: str
    fmt: str
    ext: tuple[str, ...]
    render: Render
    filename: str | None = None
    description: str = ""


_REGISTRY: dict[tuple[str, str], Writer] = {}
_LOADED = False


def register(
    job: str, fmt: str, *, ext: tuple[str, ...] = (), filename: str | None = None,
    description: str = "",
) -> Callable[[Render], Render]:
    """Decorator: register ``fn`` as the ``(job, fmt)`` writer. Registering the same key
    twice with a different function is an error (one writer per job and format)."""

    def deco(fn: Render) -> Render:
        key = (job, fmt)
        old = _REGISTRY.get(key)
        if old is not None and old.render.__qualname__ != fn.__qualname__:
            raise ValueError(f"writer {key} registered twice: {old.render.__qualname__}, {fn.__qualname__}")
        doc = description or (fn.__doc__ or "").strip().split("\n")[0]
        _REGISTRY[key] = Writer(job, fmt, tuple(ext), fn, filename, doc)
        return fn

    return deco


def load_writers() -> None:
    """Import every module in :data:`WRITER_MODULES` (idempotent)."""
    global _LOADED
    if _LOADED:
        return
    for mod in WRITER_MODULES:
        importlib.import_module(mod)
    _LOADED = True


def writers(job: str | None = None) -> list[Writer]:
    """Registered writers (of ``job``), sorted by job then registration order."""
    load_writers()
    return [w for w in _REGISTRY.values() if job is None or w.job == job]


def formats(job: str) -> tuple[str, ...]:
    return tuple(w.fmt for w in writers(job))


def writer(job: str, fmt: str) -> Writer:
    load_writers()
    w = _REGISTRY.get((job, fmt))
    if w is None:
        known = ", ".join(formats(job)) or "none"
        raise ParameterError(f"no {fmt!r} writer for the {job} job", hint=f"formats of {job}: {known}")
    return w


def render(job: str, fmt: str, result: Any, **context: Any) -> str:
    """The ``(job, fmt)`` writer applied to ``result``."""
    text = writer(job, fmt).render(result, **context)
    assert isinstance(text, str), (job, fmt)
    return text


def format_of_path(job: str, path: Path, fmts: Mapping[str, Any] | None = None) -> str:
    """The format a file name asks for, by its ending (``.tsv``, ``.json``, ``.bed``,
    ``.gff3``, ``.gb``, ``.html``...), among the job's writers (or ``fmts`` when given)."""
    name = path.name.lower()
    ws = writers(job)
    order = list(fmts) if fmts is not None else [w.fmt for w in ws]
    allowed = set(order)
    # longest ending first, so ".plan.tsv" beats ".tsv"
    endings = sorted(((e, w.fmt) for w in ws for e in w.ext), key=lambda t: -len(t[0]))
    endings += sorted(((e, f) for e, f in DEFAULT_EXT if (e, f) not in endings), key=lambda t: -len(t[0]))
    for ending, fmt in endings:
        if name.endswith(ending) and fmt in allowed:
            return fmt
    shown = [w.ext[0] for w in ws if w.fmt in allowed and w.ext] or [f".{f}" for f in order]
    raise ParameterError(
        f"cannot tell the output format of {path.name!r} from its extension",
        hint="use one of: " + ", ".join(shown),
    )


#: file endings -> format, for renderers given without a registered writer
DEFAULT_EXT: tuple[tuple[str, str], ...] = (
    (".tsv", "tsv"), (".txt", "tsv"), (".json", "json"), (".bed", "bed"), (".gff3", "gff3"),
    (".gff", "gff3"), (".html", "html"), (".gb", "genbank"), (".gbk", "genbank"),
    (".fa", "fasta"), (".fasta", "fasta"),
)


def folder_files(job: str, result: Any, **context: Any) -> dict[str, str]:
    """File name -> content of every output a folder job writes into its ``--out`` folder
    (writers with a ``filename``; a :data:`MULTI` writer returns several files)."""
    out: dict[str, str] = {}
    for w in writers(job):
        if w.filename is None:
            continue
        if w.filename == MULTI:
            files = w.render(result, **context)
            assert isinstance(files, dict), (job, w.fmt)
            out.update(files)
        else:
            out[w.filename] = render(job, w.fmt, result, **context)
    return out


#: ``filename`` of a writer that returns ``{file name: text}`` (e.g. one GenBank per knock-in)
MULTI = "*"

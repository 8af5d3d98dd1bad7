"""Named genomes: ``taleforge genome add NAME --fasta F [--annotation A] [--variants V]
[--organism X]``.

A registered genome is a folder ``<cache>/genomes/<NAME>/`` (``<cache>`` =
:func:`taleforge.genome.index.cache_root`, so ``$TALEFORGE_CACHE`` moves it) holding::

    genome.json   name, absolute paths, size / mtime / sha256 of the FASTA (or 2bit), the
                  annotation and the variants file, the index folder, taleforge version,
                  ``organism`` (``--organism``, one word of
                  :data:`taleforge.design.methylation.ORGANISM_CHOICES`; absent when not given)
    <fasta>.tfidx/  the memory-mapped index of the FASTA (built by ``genome add``)

The source files stay where the user keeps them (only their checksums are stored).
``open_genome("NAME")`` resolves a registered name (:func:`open_registered`): the FASTA is
opened through the registry's index, and a FASTA or annotation whose content changed since
``genome add`` is refused (re-add with ``--force``); a file only touched (same sha256) is
accepted and its new stat recorded. The organism is carried by the opened Genome
(``Genome.organism``, in its provenance) and decides ``--methylation auto``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from taleforge.errors import IndexMismatchError, InputError, ParameterError, UnknownNameError
from taleforge.genome.fasta import file_sha256
from taleforge.progress import ProgressCallback

REGISTRY_FORMAT = "taleforge-genome-registry"
REGISTRY_FORMAT_VERSION = 1
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
ENTRY_FILE = "genome.json"


def registry_root() -> Path:
    from taleforge.genome.index import cache_root

    return cache_root() / "genomes"


def valid_name(name: str) -> bool:
    return bool(_NAME.match(name)) and not name.lower().startswith("builtin")


def _check_name(name: str) -> None:
    if not valid_name(name):
        raise ParameterError(
            f"invalid genome name {name!r}",
            hint="use letters, digits, '.', '_' or '-' (not starting with 'builtin'), e.g. GRCh38",
        )


def _file_record(path: Path, sha: str | None = None) -> dict[str, Any]:
    st = path.stat()
    return {
        "path": str(path),
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "sha256": sha if sha is not None else file_sha256(path),
    }


def _source(path: Path | None, what: str) -> Path | None:
    if path is None:
        return None
    p = Path(path).expanduser()
    if not p.is_file():
        raise InputError(f"{what} file not found: {p}", hint="check the path")
    return p.resolve()


def entry_dir(name: str) -> Path:
    return registry_root() / name


def read_entry(name: str) -> dict[str, Any] | None:
    """The stored record of ``name`` (None when not registered)."""
    if not valid_name(name):
        return None
    f = entry_dir(name) / ENTRY_FILE
    try:
        data = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == REGISTRY_FORMAT else None


def _write_entry(name: str, entry: dict[str, Any]) -> None:
    from taleforge.io.atomic import atomic_write_text

    atomic_write_text(entry_dir(name) / ENTRY_FILE, json.dumps(entry, indent=2, sort_keys=True) + "\n")


def list_entries() -> list[dict[str, Any]]:
    root = registry_root()
    if not root.is_dir():
        return []
    out = []
    for d in sorted(root.iterdir()):
        e = read_entry(d.name) if d.is_dir() else None
        if e is not None:
            out.append(e)
    return out


def add_genome(
    name: str,
    fasta: Path,
    *,
    annotation: Path | None = None,
    variants: Path | None = None,
    organism: str | None = None,
    force: bool = False,
    progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Register ``name``: checksum the files, build the index into the registry folder,
    check that the annotation can be read. A name already registered is refused unless
    ``force`` (then replaced). ``organism`` (see :data:`~taleforge.design.methylation.ORGANISMS`)
    is checked first and stored only when given."""
    from taleforge import __version__
    from taleforge.genome.index import open_genome

    _check_name(name)
    if organism is not None:
        from taleforge.design.methylation import check_organism

        organism = check_organism(organism)
    if read_entry(name) is not None and not force:
        raise ParameterError(
            f"genome {name!r} is already registered",
            hint=f"choose another name, or pass --force to replace it (taleforge genome remove {name})",
        )
    fa = _source(fasta, "FASTA")
    assert fa is not None
    ann = _source(annotation, "annotation")
    var = _source(variants, "variants")
    folder = entry_dir(name)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    try:
        g = open_genome(fa, rebuild="always", cache_dir=folder, progress=progress)
        if ann is not None:
            from taleforge.genome.annotation import load_annotation

            load_annotation(ann, progress=progress)  # readable, or refuse now
        entry: dict[str, Any] = {
            "format": REGISTRY_FORMAT,
            "format_version": REGISTRY_FORMAT_VERSION,
            "name": name,
            "taleforge_version": __version__,
            "fasta": _file_record(fa, g.checksum),
            "annotation": _file_record(ann) if ann is not None else None,
            "variants": _file_record(var) if var is not None else None,
            "index": str(g.index_path) if g.index_path is not None else None,
            "n_contigs": len(g.contig_names),
            "genome_size_bp": g.genome_size,
        }
        if organism is not None:
            entry["organism"] = organism
        _write_entry(name, entry)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return entry


def remove_genome(name: str) -> Path:
    """Forget ``name`` and delete its folder (the index); the user's files are kept."""
    if read_entry(name) is None:
        raise UnknownNameError(f"genome {name!r} is not registered", hint=_known_hint())
    folder = entry_dir(name)
    shutil.rmtree(folder)
    return folder


def _known_hint() -> str:
    names = [e["name"] for e in list_entries()]
    return ("registered genomes: " + ", ".join(names)) if names else (
        "no genome is registered; add one with taleforge genome add NAME --fasta FILE"
    )


def _verify(name: str, entry: dict[str, Any], key: str) -> bool:
    """Check that ``entry[key]``'s file is unchanged: same size and mtime, or the same
    sha256 (then record the new stat; returns True when the entry changed)."""
    rec = entry.get(key)
    if not rec:
        return False
    path = Path(rec["path"])
    what = {"fasta": "FASTA", "annotation": "annotation", "variants": "variants"}[key]
    hint = f"re-register it: taleforge genome add {name} --force --fasta ... (or restore the file)"
    try:
        st = path.stat()
    except OSError:
        raise InputError(f"genome {name!r}: its {what} file {path} is missing", hint=hint) from None
    if st.st_size == rec["size"] and st.st_mtime_ns == rec["mtime_ns"]:
        return False
    if st.st_size == rec["size"] and file_sha256(path) == rec["sha256"]:
        rec["mtime_ns"] = st.st_mtime_ns
        return True
    raise IndexMismatchError(f"genome {name!r}: its {what} file {path} changed since it was registered",
                             hint=hint)


def open_registered(
    name: str, *, rebuild: str = "auto", progress: ProgressCallback | None = None
) -> Any:
    """Open the registered genome ``name`` as a :class:`~taleforge.genome.index.Genome`
    (named ``name``, with the registered annotation as its default annotation and the
    registered organism, if any)."""
    from taleforge.genome.index import open_genome

    entry = read_entry(name)
    if entry is None:
        raise UnknownNameError(f"genome {name!r} is not registered", hint=_known_hint())
    changed = False
    for key in ("fasta", "annotation", "variants"):
        changed = _verify(name, entry, key) or changed
    if changed:
        try:
            _write_entry(name, entry)
        except OSError:  # a read-only registry still opens
            pass
    g = open_genome(entry["fasta"]["path"], rebuild=rebuild,  # type: ignore[arg-type]
                    cache_dir=entry_dir(name), progress=progress)
    ann = entry.get("annotation")
    return dataclasses.replace(
        g, name=name, default_annotation=Path(ann["path"]) if ann else g.default_annotation,
        organism=_entry_organism(name, entry),
    )


def _entry_organism(name: str, entry: dict[str, Any]) -> str | None:
    """The stored organism (None for entries without one, e.g. registered before
    ``--organism``); a word this version does not know is refused with the fix."""
    org = entry.get("organism")
    if org is None:
        return None
    from taleforge.design.methylation import ORGANISM_CHOICES

    if not isinstance(org, str) or org not in ORGANISM_CHOICES:
        raise ParameterError(
            f"genome {name!r}: its registered organism {org!r} is not one of "
            + ", ".join(ORGANISM_CHOICES),
            hint=f"re-register it: taleforge genome add {name} --force --fasta ... --organism X",
        )
    return org


def registered_variants(name: str) -> Path | None:
    entry = read_entry(name)
    var = entry.get("variants") if entry else None
    return Path(var["path"]) if var else None


def lookup(spec: str | os.PathLike[str]) -> bool:
    """``spec`` names a registered genome (and is not an existing path)."""
    if not isinstance(spec, str) or not valid_name(spec) or Path(spec).exists():
        return False
    return read_entry(spec) is not None

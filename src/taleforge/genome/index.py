"""Reference access: open a genome (FASTA / gzip / bgzip / 2bit / builtin) as a
memory-mapped :class:`~taleforge.genome.packed.PackedGenome`.

Coordinates: 0-based half-open internally (``fetch(contig, start, end)``); region strings
given by users (``chr14:22,547,400-22,547,700``) are 1-based inclusive and converted by
:func:`parse_region`.

On-disk index (``<source>.tfidx/``, or a cache folder when the source folder is read-only)::

    meta.json     format version, contig names/lengths/offsets, source path, size, mtime,
                  ctime, inode, device and sha256
    lo.bin hi.bin nmask.bin softmask.bin   little-endian uint64 bit-planes (layout: packed.py)

The index is built once, in one streaming pass (each contig's planes are appended in order;
offsets only depend on earlier contigs), into a temporary folder that is renamed into place
when complete, so an interrupted build never leaves a half index.

Reuse rule: an index is reused without reading the source when size, mtime, ctime, inode
and device all equal the recorded ones; when only the size is equal the source is re-hashed
and the index reused (and the new stat fields recorded) if the sha256 is unchanged; any
other difference rebuilds it (``rebuild="never"`` refuses instead).

Where: with an explicit cache folder (``cache_dir=`` or ``$TALEFORGE_CACHE``) indexes are
built only there (an up-to-date sidecar is still read, never modified); otherwise beside the
source when its folder is writable, else in the user cache (:func:`cache_root`).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np
from numpy.typing import NDArray

from taleforge.errors import (
    FormatError,
    IndexMismatchError,
    InputError,
    RegionError,
    SequenceError,
    UnknownNameError,
)
from taleforge.genome.fasta import (
    CLASS_N,
    DEFAULT_BLOCK_BYTES,
    FastaReader,
    file_sha256,
    read_fasta_strings,
)
from taleforge.genome.packed import WORD_BITS, PackedGenome, layout_offsets
from taleforge.genome.twobit import TwoBitReader, is_twobit
from taleforge.progress import ProgressCallback, report

INDEX_FORMAT = "taleforge-packed-index"
INDEX_FORMAT_VERSION = 1
INDEX_SUFFIX = ".tfidx"
PLANES = ("lo", "hi", "nmask", "softmask")
REBUILD_HINT = "delete the .tfidx folder or pass --rebuild-index"

Rebuild = Literal["auto", "never", "always"]

_DATA_DIR = Path(__file__).resolve().parent.parent / "data"


# --------------------------------------------------------------------------------------
# Genome
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Genome:
    """An opened reference. ``packed`` may be memory-mapped (read-only)."""

    name: str  # display name, e.g. "builtin:hg38-chrM" or the file name
    source: str  # absolute path, "builtin:hg38-chrM" or "sequence:<name>"
    checksum: str  # sha256 hex of the source file (or of the sequence text for in-memory)
    packed: PackedGenome
    default_annotation: Path | None = None  # packaged annotation for builtin genomes
    index_path: Path | None = None  # the .tfidx folder used (None when built in memory)
    organism: str | None = None  # `genome add --organism` of a registered genome (else unknown)

    @property
    def contig_names(self) -> tuple[str, ...]:
        return self.packed.names

    def contig_length(self, name: str) -> int:
        return self.packed.contig_length(name)

    @property
    def genome_size(self) -> int:
        return self.packed.genome_size

    def check_region(self, contig: str, start: int, end: int) -> str:
        """Validate a 0-based half-open region; return the canonical contig name."""
        i = self.packed.contig_index(contig)
        canon = self.packed.names[i]
        n = int(self.packed.lengths[i])
        if start < 0:
            raise RegionError(
                f"region {canon}:{start + 1}-{end} starts before position 1",
                hint="positions are 1-based in region strings",
            )
        if start >= end:
            raise RegionError(
                f"region {canon}:{start + 1}-{end} is empty (start after end)",
                hint="give the region as contig:start-end with start <= end",
            )
        if end > n:
            raise RegionError(
                f"region {canon}:{start + 1}-{end} runs past the end of {canon} ({n:,} bp)",
                hint=f"choose a region within {canon}:1-{n}",
            )
        return canon

    def fetch(
        self, contig: str, start: int, end: int, strand: str = "+", *, soft: bool = False
    ) -> str:
        """Sequence of ``[start, end)`` (0-based half-open); ``strand="-"`` gives the reverse
        complement; ``soft=True`` keeps soft-masked bases in lower case."""
        if strand not in ("+", "-"):
            raise InputError(f"strand must be '+' or '-', not {strand!r}")
        canon = self.check_region(contig, start, end)
        return self.packed.fetch(canon, start, end, strand, soft=soft)

    def provenance(self) -> dict[str, Any]:
        """Facts about the reference for output JSON (what was searched, exactly)."""
        return {
            "name": self.name,
            "source": self.source,
            "sha256": self.checksum,
            "n_contigs": len(self.packed.names),
            "genome_size_bp": self.genome_size,
            "index": str(self.index_path) if self.index_path is not None else None,
            **({"organism": self.organism} if self.organism is not None else {}),
        }


# --------------------------------------------------------------------------------------
# Builtin genomes
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BuiltinGenome:
    name: str
    fasta: Path
    annotation: Path
    description: str


BUILTIN_GENOMES: dict[str, BuiltinGenome] = {
    "builtin:hg38-chrM": BuiltinGenome(
        name="builtin:hg38-chrM",
        fasta=_DATA_DIR / "hg38-chrM.fa",
        annotation=_DATA_DIR / "hg38-chrM.gff3",
        description="human mitochondrial genome, rCRS NC_012920.1 = hg38 chrM (16,569 bp)",
    ),
}
BUILTIN_ALIASES: dict[str, str] = {
    "builtin-mito": "builtin:hg38-chrM",
    "builtin:mito": "builtin:hg38-chrM",
    "builtin:rcrs": "builtin:hg38-chrM",
    "builtin:hg38-chrm": "builtin:hg38-chrM",
}


def _is_builtin_spec(spec: str) -> bool:
    s = spec.lower()
    return s.startswith("builtin:") or s.startswith("builtin-")


def resolve_builtin(spec: str) -> BuiltinGenome:
    key = spec.strip()
    if key in BUILTIN_GENOMES:
        return BUILTIN_GENOMES[key]
    alias = BUILTIN_ALIASES.get(key.lower())
    if alias is not None:
        return BUILTIN_GENOMES[alias]
    valid = sorted(BUILTIN_GENOMES) + sorted(BUILTIN_ALIASES)
    raise UnknownNameError(
        f"unknown builtin genome {spec!r}", hint="valid names: " + ", ".join(valid)
    )


@lru_cache(maxsize=8)
def _open_builtin(canonical: str) -> Genome:
    b = BUILTIN_GENOMES[canonical]
    seqs, sha = read_fasta_strings(b.fasta)
    return Genome(
        name=b.name,
        source=b.name,
        checksum=sha,
        packed=PackedGenome.from_sequences(seqs),
        default_annotation=b.annotation if b.annotation.exists() else None,
    )


# --------------------------------------------------------------------------------------
# Index locations
# --------------------------------------------------------------------------------------
def cache_root(cache_dir: Path | None = None) -> Path:
    """The cache folder: ``cache_dir``, else ``$TALEFORGE_CACHE``, else
    ``$XDG_CACHE_HOME/taleforge``, else ``~/.cache/taleforge``."""
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get("TALEFORGE_CACHE")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "taleforge"
    return Path.home() / ".cache" / "taleforge"


def sidecar_index_dir(source: Path) -> Path:
    return source.with_name(source.name + INDEX_SUFFIX)


def cache_index_dir(source: Path, cache_dir: Path | None = None) -> Path:
    key = hashlib.sha256(str(source.resolve()).encode()).hexdigest()[:16]
    return cache_root(cache_dir) / f"{key}-{source.name}{INDEX_SUFFIX}"


def _dir_writable(folder: Path) -> bool:
    """Writable by us *and* not marked read-only (root passes ``os.access`` everywhere, but a
    folder without write bits, like a shared data folder, is still left alone)."""
    try:
        mode = folder.stat().st_mode
    except OSError:
        return False
    return bool(mode & 0o222) and os.access(folder, os.W_OK | os.X_OK)


# --------------------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------------------
class _PlaneWriter:
    """Appends contigs' bit-planes to the four plane files, 64 positions at a time."""

    def __init__(self, folder: Path) -> None:
        self.files: list[IO[bytes]] = [open(folder / f"{p}.bin", "wb") for p in PLANES]
        self.bits = 0
        self.carry = np.zeros(0, dtype=np.uint8)
        self.offsets: list[int] = []

    def start_contig(self) -> None:
        self.offsets.append(self.bits)

    def add(self, codes: NDArray[np.uint8]) -> None:
        if self.carry.size:
            codes = np.concatenate([self.carry, codes])
        k = codes.size - codes.size % WORD_BITS
        if k:
            self._write(codes[:k])
        self.carry = codes[k:].copy()

    def end_contig(self) -> None:
        pad = (-self.carry.size) % WORD_BITS + WORD_BITS  # to a word boundary, then the guard
        tail = np.concatenate([self.carry, np.full(pad, CLASS_N, dtype=np.uint8)])
        self._write(tail)
        self.carry = np.zeros(0, dtype=np.uint8)

    def _write(self, v: NDArray[np.uint8]) -> None:
        for bit, fh in zip((1, 2, 4, 8), self.files, strict=True):
            fh.write(np.packbits(v & bit, bitorder="little").data)
        self.bits += v.size

    def close(self) -> None:
        for fh in self.files:
            fh.close()


def _reader(
    source: Path, progress: ProgressCallback | None, block_bytes: int
) -> FastaReader | TwoBitReader:
    task = f"indexing {source.name}"
    if is_twobit(source):
        return TwoBitReader(source, progress=progress, task=task, chunk_bp=block_bytes)
    return FastaReader(source, progress=progress, task=task, block_bytes=block_bytes)


def _taleforge_version() -> str:
    try:
        from importlib.metadata import version

        return version("taleforge")
    except Exception:  # metadata missing in odd installs; the version is informational
        return "unknown"


def build_index(
    source: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    *,
    progress: ProgressCallback | None = None,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
) -> Path:
    """Stream ``source`` into a packed index at ``dest`` (replaced atomically if present).

    Works in blocks of ``block_bytes`` source bytes, so peak memory is a small multiple of
    that (about 0.2 GiB with the default 32 MiB) whatever the genome size."""
    src = Path(source).resolve()
    dest = Path(dest)
    st = src.stat()
    dest.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(dest)
    # the temp folder's name is fixed before the clean-up handler is entered, so an
    # interrupt (cli.main turns SIGINT/SIGTERM into KeyboardInterrupt) landing anywhere,
    # even right after the folder is made, still removes it
    tmp = dest.parent / f".{dest.name}.tmp-{os.getpid()}-{secrets.token_hex(6)}"
    t0 = time.perf_counter()
    try:
        os.mkdir(tmp)
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; an index is as readable as its source
        reader = _reader(src, progress, block_bytes)
        writer = _PlaneWriter(tmp)
        try:
            current: str | None = None
            for name, codes in reader:
                if name != current:
                    if current is not None:
                        writer.end_contig()
                    writer.start_contig()
                    current = name
                writer.add(codes)
            if current is not None:
                writer.end_contig()
        finally:
            writer.close()
        offsets, total = layout_offsets(reader.lengths)
        if writer.offsets != [int(o) for o in offsets] or writer.bits != total:
            raise RuntimeError("internal error: plane layout does not match layout_offsets")
        meta = {
            "format": INDEX_FORMAT,
            "format_version": INDEX_FORMAT_VERSION,
            "names": reader.names,
            "lengths": reader.lengths,
            "offsets": [int(o) for o in offsets],
            "total_bits": int(total),
            "source": str(src),
            "source_size": st.st_size,
            **_stat_fields(st),
            "source_sha256": reader.sha256,
            "build_seconds": round(time.perf_counter() - t0, 3),
            "built_at_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "taleforge_version": _taleforge_version(),
        }
        _write_meta(tmp, meta)
        _install(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    report(progress, f"indexing {src.name}", st.st_size, st.st_size)
    return dest


#: temp/old index folders untouched for this long belong to a killed build and are removed
ABANDONED_AFTER_S = 6 * 3600


def _remove_abandoned(dest: Path) -> None:
    now = time.time()
    for pattern in (f".{dest.name}.tmp-*", f".{dest.name}.old-*"):
        for p in dest.parent.glob(pattern):
            with contextlib.suppress(OSError):
                if now - p.stat().st_mtime > ABANDONED_AFTER_S:
                    shutil.rmtree(p, ignore_errors=True)


def _write_meta(folder: Path, meta: dict[str, Any]) -> None:
    """Write meta.json atomically (temp file + rename), readable like the planes."""
    tmp = folder / f".meta.json.{os.getpid()}.tmp"
    try:
        tmp.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
        os.chmod(tmp, 0o644)
        os.replace(tmp, folder / "meta.json")
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _install(tmp: Path, dest: Path) -> None:
    """Rename the finished ``tmp`` folder to ``dest``, replacing an old index."""
    old: Path | None = None
    if dest.exists():
        old = dest.with_name(f".{dest.name}.old-{os.getpid()}-{time.monotonic_ns()}")
        os.rename(dest, old)
    try:
        os.rename(tmp, dest)
    except OSError:
        # another process installed an index meanwhile: keep theirs
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not dest.exists():
            with contextlib.suppress(OSError):
                os.rename(old, dest)
                old = None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# --------------------------------------------------------------------------------------
# Loading and validation
# --------------------------------------------------------------------------------------
def _read_meta(idx: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads((idx / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("format") != INDEX_FORMAT:
        return None
    return meta


def _load(idx: Path, meta: dict[str, Any]) -> PackedGenome | None:
    """Memory-map the planes; None when the index is incomplete or inconsistent."""
    try:
        lengths = np.asarray(meta["lengths"], dtype=np.int64)
        offsets, total = layout_offsets(lengths)
        if list(offsets) != list(meta["offsets"]) or total != meta["total_bits"]:
            return None
        words = total // WORD_BITS
        planes = []
        for p in PLANES:
            f = idx / f"{p}.bin"
            if f.stat().st_size != words * 8:
                return None
            planes.append(np.memmap(f, dtype="<u8", mode="r", shape=(words,)))
        return PackedGenome(tuple(meta["names"]), lengths, offsets, *planes)
    except (OSError, KeyError, TypeError, ValueError):
        return None


Status = Literal["ok", "mtime", "stale"]

def _stat_fields(st: os.stat_result) -> dict[str, int]:
    return {
        "source_mtime_ns": st.st_mtime_ns,
        "source_ctime_ns": st.st_ctime_ns,
        "source_inode": st.st_ino,
        "source_device": st.st_dev,
    }


def _status(meta: dict[str, Any], source: Path) -> Status:
    """``ok``: same size, mtime, ctime, inode and device as recorded (the index is reused
    without reading the source). ``mtime``: same size but any of the others differs
    (``cp -p``, ``rsync -a``, ``tar x`` and ``touch -r`` keep size and mtime but not inode or
    ctime): the caller re-hashes. ``stale``: different size or index format."""
    if meta.get("format_version") != INDEX_FORMAT_VERSION:
        return "stale"
    st = source.stat()
    if st.st_size != meta.get("source_size"):
        return "stale"
    now = _stat_fields(st)
    if any(meta.get(k) != v for k, v in now.items()):
        return "mtime"
    return "ok"


def _accept_touched(
    idx: Path, meta: dict[str, Any], source: Path, *, record: bool = True
) -> bool:
    """Size unchanged but mtime/ctime/inode differ: accept when the content hash is
    unchanged, and record the new stat fields (unless ``record`` is False or the index
    folder is read-only, in which case the next run hashes again)."""
    st = source.stat()
    if file_sha256(source) != meta.get("source_sha256"):
        return False
    meta.update(_stat_fields(st))
    if record:
        with contextlib.suppress(OSError):  # a read-only index folder is still valid
            _write_meta(idx, meta)
    return True


def _genome(source: Path, idx: Path, meta: dict[str, Any], packed: PackedGenome) -> Genome:
    return Genome(
        name=source.name,
        source=str(source),
        checksum=str(meta.get("source_sha256")),
        packed=packed,
        index_path=idx,
    )


def _mismatch(source: Path, idx: Path, why: str) -> IndexMismatchError:
    return IndexMismatchError(f"the index {idx} does not match {source} ({why})", hint=REBUILD_HINT)


def _open_explicit_index(idx: Path) -> Genome:
    meta = _read_meta(idx)
    if meta is None:
        raise FormatError(
            f"{idx} is not a taleforge index (meta.json missing or unreadable)",
            hint="give the FASTA/2bit file instead; its index is built automatically",
        )
    source = Path(str(meta.get("source", "")))
    if not source.is_file():
        raise IndexMismatchError(
            f"the index {idx} was built from {source}, which no longer exists",
            hint="restore that file or give the FASTA/2bit file itself",
        )
    status = _status(meta, source)
    if status == "mtime" and _accept_touched(idx, meta, source):
        status = "ok"
    if status != "ok":
        raise IndexMismatchError(
            f"the index {idx} was built from {source}, which has changed since",
            hint=f"give {source} itself to rebuild the index, or {REBUILD_HINT}",
        )
    packed = _load(idx, meta)
    if packed is None:
        raise FormatError(f"the index {idx} is incomplete or corrupt", hint=REBUILD_HINT)
    return _genome(source, idx, meta, packed)


def explicit_cache(cache_dir: Path | None = None) -> bool:
    """A cache folder was chosen (``cache_dir`` argument or ``$TALEFORGE_CACHE``): indexes
    are then written only there, never beside the genome."""
    return cache_dir is not None or bool(os.environ.get("TALEFORGE_CACHE"))


def _build_somewhere(
    source: Path, cache_dir: Path | None, progress: ProgressCallback | None
) -> Path:
    side = sidecar_index_dir(source)
    if not explicit_cache(cache_dir) and _dir_writable(source.parent):
        try:
            return build_index(source, side, progress=progress)
        except OSError:  # read-only mount, quota, full disk...: fall back to the cache
            pass
    return build_index(source, cache_index_dir(source, cache_dir), progress=progress)


def open_genome(
    spec: str | os.PathLike[str],
    *,
    rebuild: Rebuild = "auto",
    cache_dir: Path | None = None,
    progress: ProgressCallback | None = None,
) -> Genome:
    """Open a reference: ``builtin:hg38-chrM`` (and aliases), a name registered with
    ``taleforge genome add`` (:mod:`taleforge.genome.registry`), a FASTA (plain/gzip/bgzip)
    or 2bit file (indexed on first use), or an explicit ``.tfidx`` index folder.

    ``rebuild``: ``"auto"`` rebuilds a stale index, ``"never"`` raises
    :class:`IndexMismatchError` instead (a missing index is still built), ``"always"`` rebuilds.
    """
    if rebuild not in ("auto", "never", "always"):
        raise InputError(f"rebuild must be 'auto', 'never' or 'always', not {rebuild!r}")
    if isinstance(spec, str) and _is_builtin_spec(spec):
        return _open_builtin(resolve_builtin(spec).name)
    from taleforge.genome import registry  # a name from `taleforge genome add`

    if isinstance(spec, str) and registry.lookup(spec):
        return registry.open_registered(spec, rebuild=rebuild, progress=progress)
    path = Path(spec).expanduser()
    if path.is_dir():
        if (path / "meta.json").exists() or path.name.endswith(INDEX_SUFFIX):
            return _open_explicit_index(path.resolve())
        raise InputError(f"{path} is a folder, not a genome file", hint="give a FASTA or 2bit file")
    if not path.exists():
        raise InputError(f"genome file not found: {path}", hint="check the path")
    source = path.resolve()

    if rebuild != "always":
        stale: tuple[Path, str] | None = None
        side, cached = sidecar_index_dir(source), cache_index_dir(source, cache_dir)
        # an explicit cache comes first and is the only place written to; a sidecar is then
        # still read when it is up to date, but never modified
        explicit = explicit_cache(cache_dir)
        for idx in (cached, side) if explicit else (side, cached):
            meta = _read_meta(idx)
            # (a sidecar moved together with its source is accepted when size/mtime/hash match)
            if meta is None:
                continue
            status = _status(meta, source)
            if status == "mtime" and _accept_touched(
                idx, meta, source, record=not (explicit and idx == side)
            ):
                status = "ok"
            if status == "ok":
                packed = _load(idx, meta)
                if packed is not None:
                    return _genome(source, idx, meta, packed)
                stale = stale or (idx, "the index is incomplete")
            else:
                stale = stale or (idx, "the file changed since the index was built")
        if stale is not None and rebuild == "never":
            raise _mismatch(source, *stale)
    idx = _build_somewhere(source, cache_dir, progress)
    meta = _read_meta(idx)
    packed = _load(idx, meta) if meta is not None else None
    if meta is None or packed is None:  # pragma: no cover - just built
        raise FormatError(f"the index {idx} could not be read back", hint=REBUILD_HINT)
    return _genome(source, idx, meta, packed)


# --------------------------------------------------------------------------------------
# In-memory sequences
# --------------------------------------------------------------------------------------
_ACGTN = re.compile(r"[^ACGTNacgtn]")
_FASTA_EXT = (".fa", ".fasta", ".fna", ".fas", ".fa.gz", ".fasta.gz", ".fna.gz", ".gz", ".2bit")


def _check_acgtn(seqs: dict[str, str]) -> None:
    for rec, s in seqs.items():
        m = _ACGTN.search(s)
        if m is not None:
            raise SequenceError(
                f"sequence {rec!r}: character {m.group()!r} at position {m.start() + 1} is not "
                "A, C, G, T or N",
                hint="replace ambiguity codes and other characters with N or a concrete base",
            )


def _fasta_text_records(text: str, label: str) -> dict[str, str]:
    reader = FastaReader(label, raw=True)
    parts: dict[str, list[str]] = {}
    it: Iterator[tuple[str, NDArray[np.uint8]]] = reader._parse(io.BytesIO(text.encode()))
    for name, chars in it:
        parts.setdefault(name, []).append(chars.tobytes().decode("ascii"))
    return {k: "".join(v) for k, v in parts.items()}


def _is_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except OSError:  # e.g. a long raw sequence is not a valid file name
        return False


def genome_from_sequence(source: str | os.PathLike[str], *, name: str | None = None) -> Genome:
    """A small in-memory genome from a FASTA file (``--sequence file.fa``), FASTA text or a raw
    sequence string. Only A/C/G/T/N (any case) are allowed: anything else raises
    :class:`SequenceError` naming the character, its 1-based position and the record."""
    is_path = not isinstance(source, str)
    text = source if isinstance(source, str) else ""
    if isinstance(source, str):
        stripped = source.strip()
        looks_like_path = (
            "\n" not in stripped
            and not stripped.startswith(">")
            and (os.sep in stripped or stripped.lower().endswith(_FASTA_EXT))
        )
        if len(stripped) < 4096 and "\n" not in stripped and _is_file(stripped):
            is_path = True
        elif looks_like_path:
            raise InputError(f"sequence file not found: {stripped}", hint="check the path")
        text = stripped
    if is_path:
        path = Path(source).expanduser()
        if not path.is_file():
            raise InputError(f"sequence file not found: {path}", hint="check the path")
        if is_twobit(path):
            raise InputError(
                f"{path} is a 2bit file", hint="use it as the genome (--genome), not --sequence"
            )
        seqs, sha = read_fasta_strings(path)
        _check_acgtn(seqs)
        return Genome(
            name=name or path.name,
            source=str(path.resolve()),
            checksum=sha,
            packed=PackedGenome.from_sequences(seqs),
        )
    if text.startswith(">"):
        seqs = _fasta_text_records(text, name or "sequence")
    else:
        seq = "".join(text.split())
        if not seq:
            raise SequenceError("the sequence is empty", hint="give a DNA sequence or a FASTA file")
        seqs = {name or "sequence": seq}
    _check_acgtn(seqs)
    label = name or next(iter(seqs))
    checksum = hashlib.sha256("".join(f">{k}\n{v}\n" for k, v in seqs.items()).encode()).hexdigest()
    return Genome(
        name=label,
        source=f"sequence:{label}",
        checksum=checksum,
        packed=PackedGenome.from_sequences(seqs),
    )


# --------------------------------------------------------------------------------------
# Regions
# --------------------------------------------------------------------------------------
_REGION = re.compile(r"^(?P<contig>.+):(?P<start>[0-9,]+)(?:-(?P<end>[0-9,]+))?$")


def parse_region(text: str, genome: Genome | None = None) -> tuple[str, int, int]:
    """``"chr14:22,547,400-22,547,700"`` (1-based inclusive) -> ``(contig, start0, end)``.

    ``contig:pos`` is a single base. With ``genome``, a bare contig name means the whole
    contig, the contig name is made canonical and the end is checked against its length."""
    s = text.strip()
    m = _REGION.match(s)
    if m is None:
        if genome is not None and s:
            i = genome.packed.contig_index(s)
            return genome.packed.names[i], 0, int(genome.packed.lengths[i])
        raise RegionError(
            f"cannot read region {text!r}",
            hint="write regions as contig:start-end, 1-based inclusive (e.g. chrM:1000-1200)",
        )
    contig = m.group("contig")
    start1 = int(m.group("start").replace(",", ""))
    end = int(m.group("end").replace(",", "")) if m.group("end") else start1
    if start1 < 1:
        raise RegionError(
            f"region {s}: positions start at 1", hint="region strings are 1-based inclusive"
        )
    if start1 > end:
        raise RegionError(
            f"region {s}: start {start1:,} is after end {end:,}",
            hint="give the region as contig:start-end with start <= end",
        )
    if genome is not None:
        contig = genome.check_region(contig, start1 - 1, end)
    return contig, start1 - 1, end

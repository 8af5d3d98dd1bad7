"""Atomic output: write to a temporary file in the target folder, then rename.

``OutputSet`` gathers several outputs of one run and only renames them into place when
the whole run succeeded; the set is atomic as a whole: when one output cannot be put in
place, the ones already renamed are undone (replaced files restored), so a failure never
leaves partial or half-written files and never clobbers a previous good output.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from taleforge.errors import OutputError


@contextlib.contextmanager
def atomic_open(
    path: str | Path, mode: str = "w", encoding: str | None = "utf-8"
) -> Iterator[IO[Any]]:
    """Open a temp file beside ``path``; on success rename it over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else encoding) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get normal modes
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | Path, text: str) -> None:
    with atomic_open(path, "w") as fh:
        fh.write(text)


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_open(path, "wb") as fh:
        fh.write(data)


class OutputSet:
    """Stage several outputs of one run and put them in place all together, or not at all.

    Usage::

        outs = OutputSet()                   # OutputSet(overwrite=False): refuse existing files
        outs.add("a.tsv", tsv_text)
        outs.add("a.json", json_text)
        outs.commit()

    ``commit()`` (1) checks every destination (no folder in the way, parent folders usable,
    nothing to replace when ``overwrite=False``), (2) writes every output to a temporary file
    beside its destination (a full disk fails here, before anything is replaced), then
    (3) renames them into place, keeping a hard link to each file it replaces. When any
    step fails, or the process is interrupted (SIGINT, SIGTERM via the CLI), the replaced
    files are restored, new ones removed, and an :class:`OutputError` names the destination.
    """

    def __init__(self, *, overwrite: bool = True) -> None:
        self._items: list[tuple[Path, str | bytes]] = []
        self.overwrite = overwrite

    def add(self, path: str | Path, content: str | bytes) -> None:
        self._items.append((Path(path), content))

    def __len__(self) -> int:
        return len(self._items)

    @property
    def paths(self) -> list[Path]:
        return [p for p, _ in self._items]

    def check(self) -> None:
        """Raise :class:`OutputError` for the first destination that cannot be written."""
        seen: set[Path] = set()
        for path, _ in self._items:
            key = Path(os.path.abspath(path))
            if key in seen:
                raise OutputError(
                    f"output {path} requested twice", hint="give each output its own path"
                )
            seen.add(key)
            check_destination(path, overwrite=self.overwrite)

    def commit(self) -> list[Path]:
        self.check()
        made_dirs: list[Path] = []
        staged: list[tuple[Path, str]] = []
        replaced: list[tuple[Path, str | None]] = []
        current: Path | None = None
        try:
            for path, content in self._items:
                current = path
                made_dirs.extend(_make_parents(path.parent))
                staged.append((path, _stage(path, content)))
            for path, tmp in staged:
                current = path
                if not self.overwrite and os.path.lexists(path):  # appeared meanwhile
                    raise FileExistsError(errno.EEXIST, "file exists", str(path))
                backup = _backup(path) if os.path.lexists(path) else None
                replaced.append((path, backup))  # before the rename: undone even if it fails
                os.replace(tmp, path)
        except BaseException as exc:
            for path, backup in reversed(replaced):
                if backup is not None:
                    _restore(backup, path)
                else:
                    with contextlib.suppress(OSError):
                        os.unlink(path)
            for _, tmp in staged:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            for d in reversed(made_dirs):
                with contextlib.suppress(OSError):
                    d.rmdir()
            if isinstance(exc, OSError) and not isinstance(exc, OutputError):
                raise _output_error(current, exc) from exc
            raise
        for _, backup in replaced:
            if backup is not None:
                with contextlib.suppress(OSError):
                    os.unlink(backup)
        done = [p for p, _ in staged]
        _COMMITTED.extend(done)
        return done


#: every path an OutputSet put in place in this process (the CLI's interrupt message)
_COMMITTED: list[Path] = []


def committed_paths() -> list[Path]:
    return list(_COMMITTED)


def check_destination(path: Path, *, overwrite: bool = True) -> None:
    """Raise :class:`OutputError` when ``path`` cannot be (re)placed by a rename."""
    if path.is_dir():
        raise OutputError(
            f"cannot write {path}: a folder of that name is in the way",
            hint="remove or rename that folder, or choose another output path",
        )
    if not overwrite and os.path.lexists(path):
        raise OutputError(
            f"{path} exists and would be overwritten",
            hint="pass --force to replace it, or choose another --out",
        )
    parent = path.parent
    while not parent.exists():
        if parent.parent == parent:
            break
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(
            f"cannot write {path}: {parent} is a file, not a folder",
            hint="choose an output path inside a folder",
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(
            f"cannot write {path}: no permission to write in {parent}",
            hint="choose a folder you can write to",
        )


def _make_parents(folder: Path) -> list[Path]:
    missing: list[Path] = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    made: list[Path] = []
    for d in reversed(missing):
        d.mkdir()
        made.append(d)
    return made


def _stage(path: Path, content: str | bytes) -> str:
    """Write ``content`` to a temp file beside ``path`` (fsynced, normal mode); its name."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content if isinstance(content, bytes) else content.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def _backup(path: Path) -> str:
    """A hard link to the file about to be replaced (renamed aside where links fail)."""
    fd, bak = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent)
    os.close(fd)
    os.unlink(bak)
    try:
        os.link(path, bak, follow_symlinks=False)
    except OSError:
        os.rename(path, bak)
    return bak


def _restore(backup: str, path: Path) -> None:
    with contextlib.suppress(OSError):
        os.replace(backup, path)


_HINTS = {
    errno.ENOSPC: "the disk is full: free space or write elsewhere",
    errno.EDQUOT: "the disk quota is exceeded: free space or write elsewhere",
    errno.EACCES: "no permission: choose a folder you can write to",
    errno.EPERM: "no permission: choose a folder you can write to",
    errno.EROFS: "the file system is read-only: write elsewhere",
    errno.EISDIR: "a folder is in the way: remove it or choose another output path",
    errno.ENOTDIR: "part of the path is a file, not a folder: choose another output path",
    errno.EEXIST: "pass --force to replace it, or choose another --out",
}


def _output_error(path: Path | None, exc: OSError) -> OutputError:
    why = exc.strerror or str(exc)
    return OutputError(
        f"cannot write {path}: {why}; no output was written or replaced",
        hint=_HINTS.get(exc.errno or 0, "check the output path and the free disk space"),
    )

"""Atomic output: write to a temporary file in the target folder, then rename.

``OutputSet`` gathers several outputs of one run and only renames them into place when
the whole run succeeded, so a failure never leaves partial or half-written files and never
clobbers a previous good output.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


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
    """Stage several text outputs; ``commit()`` writes each atomically.

    Usage::

        outs = OutputSet()
        outs.add("a.tsv", tsv_text)
        outs.add("a.json", json_text)
        outs.commit()   # nothing is written if building any of the texts failed
    """

    def __init__(self) -> None:
        self._items: list[tuple[Path, str | bytes]] = []

    def add(self, path: str | Path, content: str | bytes) -> None:
        self._items.append((Path(path), content))

    def __len__(self) -> int:
        return len(self._items)

    def commit(self) -> list[Path]:
        done: list[Path] = []
        for path, content in self._items:
            if isinstance(content, bytes):
                atomic_write_bytes(path, content)
            else:
                atomic_write_text(path, content)
            done.append(path)
        return done

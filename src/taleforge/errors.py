"""Typed errors. Library code raises these; only ``taleforge.cli`` turns them into
one-line messages and exit codes (2 for user errors).

Each error subclasses a built-in so callers can catch it generically, and carries a
``hint`` that tells the user what to do next.
"""

from __future__ import annotations


class TaleforgeError(Exception):
    """Base class for all user-facing errors."""

    exit_code: int = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        text = self.message.rstrip(".")
        if self.hint:
            hint = self.hint.rstrip(".")
            text = f"{text}. {hint[:1].upper()}{hint[1:]}."
        else:
            text = text + "."
        return " ".join(text.split())


class InputError(TaleforgeError, ValueError):
    """Malformed or impossible user input (sequence, parameters, file content)."""


class SequenceError(InputError):
    """A sequence contains characters that are not allowed (e.g. non-ACGT)."""


class ParameterError(InputError):
    """An impossible parameter combination (e.g. spacer min > max)."""


class UnknownNameError(InputError, KeyError):
    """An unknown gene, transcript, scaffold, model or editor name."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.message


class RegionError(InputError, IndexError):
    """A region lies (partly) outside its contig, or names an unknown contig."""


class FormatError(InputError):
    """An empty or malformed input file (FASTA, GTF, GFF3, GenBank, VCF, TSV)."""


class IndexMismatchError(TaleforgeError, RuntimeError):
    """A genome index was built from a different file than the one given."""


class NoResultError(TaleforgeError, RuntimeError):
    """A design problem has no solution under the given constraints."""


class OutputError(TaleforgeError, OSError):
    """An output cannot be written (a folder in the way, no permission, a full disk, or a
    file that exists and may not be replaced). Names the destination, never a temp file."""


class BackendError(TaleforgeError, RuntimeError):
    """A requested compute backend (numba, dask scheduler) is not available."""

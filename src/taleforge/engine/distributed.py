"""Dask-distributed half-site scan: genome regions x query batches.

Each task runs :func:`taleforge.engine.scan.scan_halfsites` on one global region of window
starts (64-aligned) for one batch of queries. A window belongs to the region holding its
start (``gpos``), and every task can read the whole genome (it opens the memory-mapped
index itself, by path; an in-memory genome is scattered once to all workers), so windows
that cross a region boundary are read past the boundary — this is the overlap — and are
neither lost nor counted twice. Results are identical to a local scan.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from taleforge.errors import BackendError, ParameterError
from taleforge.genome.packed import WORD_BITS, PackedGenome
from taleforge.progress import ProgressCallback, report

from .scan import HitTable, StrandSel, _pos0_mask, _strand_list, _validate, scan_halfsites

__all__ = ["scan_distributed"]

_PACKED_CACHE: dict[str, PackedGenome] = {}


def _open_packed(path: str) -> PackedGenome:
    """Open (once per worker process) the memory-mapped index of ``path``."""
    packed = _PACKED_CACHE.get(path)
    if packed is None:
        from taleforge.genome.index import open_genome

        packed = open_genome(path, rebuild="never").packed
        _PACKED_CACHE[path] = packed
    return packed


def _task(
    genome: str | PackedGenome,
    queries: list[tuple[str, ...]],
    ks: list[int],
    q_offset: int,
    region: tuple[int, int],
    pos0_bases: str | None,
    strands: StrandSel,
) -> HitTable:
    packed = _open_packed(genome) if isinstance(genome, str) else genome
    t = scan_halfsites(
        packed, queries, ks, pos0_bases=pos0_bases, strands=strands, workers=1, region=region
    )
    return HitTable(t.query + np.int32(q_offset), t.gpos, t.strand, t.mismatches)


def _regions(total_bits: int, region_bp: int) -> list[tuple[int, int]]:
    step = max(WORD_BITS, region_bp // WORD_BITS * WORD_BITS)
    return [(a, min(total_bits, a + step)) for a in range(0, total_bits, step)]


def _connect(scheduler: str, timeout_s: float) -> Any:
    from distributed import Client

    try:
        return Client(scheduler, timeout=f"{timeout_s}s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise BackendError(
            f"cannot reach the dask scheduler at {scheduler} within {timeout_s:g} s ({exc})",
            hint="check the address (tcp://host:8786) and that the scheduler is running, "
            "or omit the scheduler to run locally",
        ) from None


def scan_distributed(
    genome: str | os.PathLike[str] | PackedGenome,
    queries: Sequence[tuple[str, ...]],
    max_mismatches: int | Sequence[int],
    *,
    scheduler: str | None = None,
    n_workers: int | None = None,
    pos0_bases: str | None = None,
    strands: StrandSel = "both",
    region_bp: int = 256 * 2**20,
    query_batch: int = 64,
    processes: bool = False,
    timeout_s: float = 10.0,
    progress: ProgressCallback | None = None,
) -> HitTable:
    """Scan on a dask cluster; same result as :func:`scan_halfsites`.

    ``genome``: a genome/index path (workers open it themselves; it must be readable at the
    same path on every worker) or an in-memory :class:`PackedGenome` (scattered once).
    ``scheduler``: address of a running scheduler; ``None`` starts an embedded
    ``LocalCluster`` with ``n_workers`` single-threaded workers (``processes=False`` keeps
    them in this process). An unreachable scheduler raises :class:`BackendError` after
    ``timeout_s`` seconds. Tasks are ``region_bp`` of window starts x ``query_batch``
    queries."""
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise BackendError(
            "dask.distributed is not installed", hint="pip install 'taleforge[dask]'"
        ) from None
    if region_bp < WORD_BITS or query_batch < 1:
        raise ParameterError(
            f"region_bp ({region_bp}) must be >= 64 and query_batch ({query_batch}) >= 1",
            hint="use the defaults",
        )
    if n_workers is not None and n_workers < 1:
        raise ParameterError(f"n_workers must be >= 1, got {n_workers}", hint="use 1 or more")
    if isinstance(genome, PackedGenome):
        packed = genome
        path: str | None = None
    else:
        from taleforge.genome.index import open_genome

        g = open_genome(genome, rebuild="never")
        packed = g.packed
        path = str(g.index_path) if g.index_path is not None else str(Path(genome).resolve())
    # validate everything here, before any cluster work
    strand_list = _strand_list(strands)
    _, ks, _ = _validate(
        packed, queries, max_mismatches, _pos0_mask(pos0_bases), len(strand_list)
    )
    qs = [tuple(q) for q in queries]

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=n_workers or 2,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=None,
        )
        client = Client(cluster, timeout=f"{timeout_s}s")
    else:
        client = _connect(scheduler, timeout_s)
    try:
        ref: Any = path
        if path is None:
            ref = client.scatter(packed, broadcast=True)
        futures = []
        for a, b in _regions(packed.total_bits, region_bp):
            for q0 in range(0, len(qs), query_batch):
                futures.append(
                    client.submit(
                        _task,
                        ref,
                        qs[q0 : q0 + query_batch],
                        ks[q0 : q0 + query_batch],
                        q0,
                        (a, b),
                        pos0_bases,
                        strands,
                        pure=False,
                    )
                )
        parts: list[HitTable] = []
        report(progress, "scan half-sites (dask)", 0, len(futures))
        for i, fut in enumerate(as_completed(futures), start=1):
            parts.append(fut.result())
            report(progress, "scan half-sites (dask)", i, len(futures))
        return HitTable.concat(parts)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

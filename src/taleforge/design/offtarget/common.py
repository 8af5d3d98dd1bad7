"""Helpers shared by the off-target search, its result and the specificity service."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from taleforge.engine.pairs import pos0_codes, site_codes
from taleforge.engine.scan import HitTable, query_masks, scan_halfsites
from taleforge.errors import BackendError, InputError, ParameterError
from taleforge.genome.packed import PackedGenome
from taleforge.model.rvd import (
    check_array_length,
    parse_rvds,
)
from taleforge.model.scaffold import Scaffold, get_scaffold
from taleforge.progress import ProgressCallback
from taleforge.scoring.base import BindingModel, get_model, thirds_array

from .records import OffTargetPair, OffTargetSite

Role = Literal["L", "R"]

# ------------------------------------------------------------------------------ helpers


@dataclass(frozen=True)
class _GenomeInfo:
    packed: PackedGenome
    provenance: dict[str, Any]
    source: Any


def _resolve_genome(genome: Any, progress: ProgressCallback | None) -> _GenomeInfo:
    if isinstance(genome, PackedGenome):
        return _GenomeInfo(
            genome,
            {"name": "in-memory", "sha256": None, "genome_size_bp": genome.genome_size},
            None,
        )
    if isinstance(genome, (str, os.PathLike)):
        from taleforge.genome.index import open_genome

        genome = open_genome(genome, progress=progress)
    packed = getattr(genome, "packed", None)
    if not isinstance(packed, PackedGenome):
        raise InputError(
            f"cannot use {type(genome).__name__} as a genome",
            hint="pass a genome spec (path or builtin:hg38-chrM), a Genome or a PackedGenome",
        )
    prov = genome.provenance() if hasattr(genome, "provenance") else {"name": str(genome)}
    return _GenomeInfo(packed, prov, genome)


def _as_rvds(x: Sequence[str] | str, what: str) -> tuple[str, ...]:
    rvds = parse_rvds(x) if isinstance(x, str) else parse_rvds(" ".join(x))
    try:
        check_array_length(rvds)
    except InputError as exc:
        raise InputError(f"{what} half-site: {exc.message}", hint=exc.hint) from None
    return rvds


def _scaffold(s: str | Scaffold) -> Scaffold:
    return get_scaffold(s) if isinstance(s, str) else s


def _model(m: str | BindingModel) -> BindingModel:
    return get_model(m) if isinstance(m, str) else m


def _scan(
    packed: PackedGenome,
    queries: list[tuple[str, ...]],
    k: int | list[int],
    pos0: str | None,
    scheduler: str | None,
    n_workers: int | None,
    progress: ProgressCallback | None,
    genome_source: Any = None,
) -> HitTable:
    if min([k] if isinstance(k, int) else k, default=0) < 0:
        raise ParameterError(f"max_mismatches {k} is negative", hint="use 0 or more")
    if scheduler is None:
        return scan_halfsites(
            packed, queries, k, pos0_bases=pos0, workers=n_workers, progress=progress
        )
    from taleforge.engine.distributed import scan_distributed  # dask is imported lazily there

    idx = getattr(genome_source, "index_path", None)
    target: Any = str(idx) if idx is not None else packed
    try:
        return scan_distributed(target, queries, k, scheduler=scheduler, n_workers=n_workers,
                                pos0_bases=pos0, progress=progress)
    except (OSError, TimeoutError) as exc:
        raise BackendError(
            f"scheduler {scheduler} is unreachable ({exc})",
            hint="check the address (tcp://host:8786) and that the scheduler is running, "
            "or omit --scheduler",
        ) from None


def _mm_thirds(
    masks: NDArray[np.uint8], codes: NDArray[np.uint8]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Mismatch count per site and per third: ((n,), (n, 3))."""
    L = masks.size
    ok = ((masks[None, :].astype(np.int64) >> np.minimum(codes, 3).astype(np.int64)) & 1) == 1
    ok &= codes < 4
    mm = ~ok
    th = thirds_array(L).astype(np.int64) - 1
    by = np.zeros((codes.shape[0], 3), dtype=np.int64)
    for t in range(3):
        by[:, t] = mm[:, th == t].sum(axis=1)
    return mm.sum(axis=1).astype(np.int64), by


def _decode(row: NDArray[np.uint8]) -> str:
    return "".join("ACGTN"[int(c)] for c in row)


def _annotate_site(ann: Any, contig: str, pos: int) -> dict[str, Any]:
    if ann is None:
        return {}
    out: dict[str, Any] = {"location": ann.locate(contig, pos)}
    ng = ann.nearest_gene(contig, pos)
    if ng is not None:
        gene, dist = ng
        out["nearest_gene"] = gene.name or gene.id
        out["gene_distance"] = int(dist)
    return out


def _load_annotation(annotation: Any) -> Any:
    if isinstance(annotation, (str, os.PathLike)):
        from taleforge.genome.annotation import load_annotation

        return load_annotation(annotation)
    return annotation


def _replace_site(s: OffTargetSite, **kw: Any) -> OffTargetSite:
    from dataclasses import replace

    return replace(s, **kw)


def _replace_pair(p: OffTargetPair, **kw: Any) -> OffTargetPair:
    from dataclasses import replace

    return replace(p, **kw)


def _sites_from_hits(
    packed: PackedGenome, mdl: BindingModel, rvds: tuple[str, ...], g: NDArray[np.int64],
    strand: NDArray[Any], roles: Sequence[Role], cost: NDArray[np.float64],
) -> list[OffTargetSite]:
    """:class:`OffTargetSite` objects for many hits of one array (decoded together)."""
    L = len(rvds)
    g = np.asarray(g, dtype=np.int64)
    st = np.asarray(strand, dtype=np.int8)
    if g.size == 0:
        return []
    codes = site_codes(packed, g, st, L)
    p0 = pos0_codes(packed, g, st, L)
    mm, by = _mm_thirds(query_masks(rvds), codes)
    ci, local = packed.to_local(g)
    score = mdl.score_from_cost(np.asarray(cost, dtype=np.float64))
    letters = np.frombuffer(b"ACGTN", dtype=np.uint8)
    seqs = letters[codes].view(f"S{L}").ravel()
    out = []
    for i in range(g.size):
        start = int(local[i])
        plus = int(st[i]) == 1
        out.append(OffTargetSite(
            role=roles[i], contig=packed.names[int(ci[i])], start=start, end=start + L,
            strand="+" if plus else "-", pos0=start - 1 if plus else start + L,
            pos0_base="ACGTN"[int(p0[i])], seq=seqs[i].decode(), mismatches=int(mm[i]),
            mismatches_by_third=(int(by[i, 0]), int(by[i, 1]), int(by[i, 2])),
            score=float(score[i]), passes=True,
        ))
    return out


def _site_from_hit(packed: PackedGenome, mdl: BindingModel, rvds: tuple[str, ...], g: int,
                   strand: int, role: Role, cost: float) -> OffTargetSite:
    return _sites_from_hits(packed, mdl, rvds, np.array([g]), np.array([strand], np.int8),
                            [role], np.array([cost]))[0]


def _global_or_none(packed: PackedGenome, contig: str, pos: int) -> int | None:
    try:
        return packed.to_global(contig, pos)
    except InputError:
        return None

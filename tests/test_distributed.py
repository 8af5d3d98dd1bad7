"""Dask split of the half-site scan: identical to the local scan; bad scheduler fails fast."""

from __future__ import annotations

import time

import numpy as np
import pytest

pytest.importorskip("distributed")

from taleforge.engine.distributed import scan_distributed
from taleforge.engine.scan import scan_halfsites
from taleforge.errors import BackendError
from taleforge.genome.packed import PackedGenome
from taleforge.model.rvd import rvds_for_sequence


def _genome(seed: int) -> PackedGenome:
    rng = np.random.default_rng(seed)
    return PackedGenome.from_sequences(
        {f"c{i}": "".join(rng.choice(list("ACGTN"), p=[0.24] * 4 + [0.04], size=n))
         for i, n in enumerate([3000, 50, 9, 4100, 700])}
    )


def test_distributed_matches_local() -> None:
    packed = _genome(11)
    rng = np.random.default_rng(5)
    qs = [rvds_for_sequence("".join(rng.choice(list("ACGT"), size=L))) for L in (10, 12, 9)]
    qs.append(("NN", "NI", "HD", "NG") * 3)
    ks = [3, 4, 2, 4]
    local = scan_halfsites(packed, qs, ks, pos0_bases="T")
    # small regions (not multiples of the chunk size) and batches split the work many ways
    dist = scan_distributed(
        packed, qs, ks, pos0_bases="T", n_workers=2, region_bp=1000, query_batch=3
    )
    assert len(local) > 0
    assert dist.equals(local)


def test_distributed_from_index_path(tmp_path) -> None:  # type: ignore[no-untyped-def]
    index = pytest.importorskip("taleforge.genome.index")
    rng = np.random.default_rng(2)
    fa = tmp_path / "g.fa"
    seqs = {f"s{i}": "".join(rng.choice(list("ACGT"), size=n)) for i, n in enumerate([2000, 777])}
    fa.write_text("".join(f">{k}\n{v}\n" for k, v in seqs.items()))
    g = index.open_genome(fa)
    q = [rvds_for_sequence(seqs["s0"][100:114])]
    local = scan_halfsites(g.packed, q, 3)
    dist = scan_distributed(fa, q, 3, n_workers=2, region_bp=640)
    assert dist.equals(local)
    assert len(local) >= 1


def test_unreachable_scheduler_is_backend_error() -> None:
    packed = _genome(1)
    t0 = time.monotonic()
    with pytest.raises(BackendError, match="scheduler"):
        scan_distributed(
            packed, [("NI",) * 10], 1, scheduler="tcp://127.0.0.1:9", timeout_s=2.0
        )
    assert time.monotonic() - t0 < 60

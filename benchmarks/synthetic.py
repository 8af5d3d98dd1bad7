"""Synthetic genome FASTA for benchmarks: human-like contig sizes, random bases, N runs and
lower-case (soft-masked) runs, 60-column lines. Written fast with numpy, in chunks.

    from benchmarks.synthetic import make_synthetic_fasta
    make_synthetic_fasta("/tmp/taleforge-bench/synthetic_3.1gb.fa", 3_100_000_000, seed=1)

Deterministic: the same (size_bp, seed) gives a byte-identical file.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

#: GRCh38 primary chromosome lengths (chr1..chr22, chrX, chrY), scaled to the requested size
HG38_LENGTHS = (
    248956422,
    242193529,
    198295559,
    190214555,
    181538259,
    170805979,
    159345973,
    145138636,
    138394717,
    133797422,
    135086622,
    133275309,
    114364328,
    107043718,
    101991189,
    90338345,
    83257441,
    80373285,
    58617616,
    64444167,
    46709983,
    50818468,
    156040895,
    57227415,
)
HG38_NAMES = tuple([f"chr{i}" for i in range(1, 23)] + ["chrX", "chrY"])
LINE = 60
CHUNK_LINES = 1 << 18  # 15.7 Mb of sequence per write


def contig_sizes(size_bp: int) -> list[tuple[str, int]]:
    total = sum(HG38_LENGTHS)
    sizes = [max(1, round(n * size_bp / total)) for n in HG38_LENGTHS]
    sizes[0] += size_bp - sum(sizes)
    return list(zip(HG38_NAMES, sizes, strict=True))


def _chunk(rng: np.random.Generator, n: int) -> np.ndarray:
    seq = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, n, dtype=np.uint8)]
    # ~40% soft-masked in runs (human RepeatMasker: ~50%) and rare N runs
    for _ in range(max(1, n // 4000)):
        s = int(rng.integers(0, n))
        seq[s : s + int(rng.integers(100, 4000))] |= 32
    if rng.random() < 0.3:
        s = int(rng.integers(0, n))
        seq[s : s + int(rng.integers(1, 50_000))] = ord("N")
    return seq


def make_synthetic_fasta(path: str | os.PathLike[str], size_bp: int, seed: int = 1) -> Path:
    """Write a synthetic FASTA of ``size_bp`` bases (24 contigs) to ``path``; return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    tmp = path.with_name(path.name + ".partial")
    with open(tmp, "wb") as fh:
        for name, n in contig_sizes(size_bp):
            fh.write(f">{name} synthetic seed={seed}\n".encode())
            done = 0
            while done < n:
                k = min(n - done, CHUNK_LINES * LINE)
                seq = _chunk(rng, k)
                full = k // LINE
                body = np.empty((full, LINE + 1), dtype=np.uint8)
                body[:, :LINE] = seq[: full * LINE].reshape(full, LINE)
                body[:, LINE] = 10
                fh.write(body.data)
                if k % LINE:
                    fh.write(seq[full * LINE :].tobytes() + b"\n")
                done += k
    os.replace(tmp, path)
    return path

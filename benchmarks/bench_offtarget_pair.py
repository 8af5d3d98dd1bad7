"""Benchmark: off-target pair assembly (fast vs reference) and find_offtargets on real genomes.

Run: python benchmarks/bench_offtarget_pair.py  -> prints a table and writes
benchmarks/results/bench_offtarget_pair.md
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from taleforge.design.offtarget import find_offtargets, site_to_rvds
from taleforge.engine.pairs import assemble_pairs, assemble_pairs_reference
from taleforge.engine.scan import HitTable

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
COMBOS = [(0, 1), (1, 0), (0, 0), (1, 1)]


def _table(n: int, span: int, seed: int = 1) -> HitTable:
    rng = np.random.default_rng(seed)
    return HitTable.from_arrays(rng.integers(0, 2, n), rng.integers(0, span, n),
                                rng.choice(np.array([1, -1]), n), rng.integers(0, 5, n))


def main() -> None:
    rows: list[tuple[str, str, str]] = []
    offs = np.array([0], dtype=np.int64)
    for n, span in ((2_000, 200_000), (200_000, 12_000_000), (2_000_000, 3_000_000_000)):
        h = _table(n, span)
        t = time.perf_counter()
        p = assemble_pairs(h, [16, 16], COMBOS, 15, 30, offs)
        dt = time.perf_counter() - t
        rows.append((f"assemble_pairs fast, {n:,} hits / {span:,} bp", f"{dt * 1e3:.1f} ms",
                     f"{len(p)} pairs"))
        if n <= 2_000:
            t = time.perf_counter()
            assemble_pairs_reference(h, [16, 16], COMBOS, 15, 30, offs)
            rows.append((f"assemble_pairs reference, {n:,} hits",
                         f"{(time.perf_counter() - t) * 1e3:.1f} ms", ""))
    yeast = DATA / "yeast" / "S288C_reference_sequence_R64-2-1_20150113.fsa.gz"
    if yeast.exists():
        from taleforge.genome.index import open_genome

        g = open_genome(yeast)
        seq = g.fetch(g.contig_names[3], 100_000, 100_049)
        sp = site_to_rvds("T" + seq[1:48] + "A")
        for k in (3, 4):
            for model in ("positional", "tale-nt"):
                t = time.perf_counter()
                r = find_offtargets(g, sp.left, sp.right, max_mismatches=k, model=model)
                dt = time.perf_counter() - t
                rows.append((f"find_offtargets yeast 12.2 Mb, 16+16 RVDs, k={k}, {model}",
                             f"{dt:.2f} s", f"{len(r.pairs)} pairs, {len(r.sites)} sites"))
    lines = ["| case | time | result |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    text = "# bench_offtarget_pair\n\n" + "\n".join(lines) + "\n"
    print(text)
    out = ROOT / "benchmarks" / "results" / "bench_offtarget_pair.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)


if __name__ == "__main__":
    main()

"""Batch half-site scan as run by the knockout designer's specificity pass: 76 candidate
half-sites (15-20 RVDs, from one 10-kb target) against a whole synthetic genome, position 0
= T, both strands; ``k = 4`` for all, and per-query limits (3 for arrays of <= 16 RVDs).

Needs /tmp/taleforge-bench/wholegene_queries.json and the synthetic genome(s) made by
benchmarks/synthetic.py (skips what is missing).

Run:  python benchmarks/bench_scan_batch.py [--big]   (writes benchmarks/results/scan_batch.md)
      --big also scans the 3.1-Gb genome (about 2-3 minutes per limit setting on 2 cores)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from taleforge.engine import scan as scan_mod
from taleforge.engine.scan import scan_halfsites
from taleforge.genome.index import open_genome
from taleforge.genome.packed import PackedGenome

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path("/tmp/taleforge-bench")
QUERIES = BENCH / "wholegene_queries.json"
GENOMES = {
    "0.31 Gb": BENCH / "synthetic_0.31gb.fa.gz",
    "3.1 Gb": BENCH / "synthetic_3.1gb.fa",
}


def _limits(qs: list[tuple[str, ...]], mode: str) -> int | list[int]:
    return 4 if mode == "k=4" else [3 if len(q) <= 16 else 4 for q in qs]


def main() -> None:
    if not QUERIES.exists():
        print(f"skip: {QUERIES} missing (run the whole-gene design benchmark first)")
        return
    qs = [tuple(q) for q in json.loads(QUERIES.read_text())]
    names = ["0.31 Gb"] + (["3.1 Gb"] if "--big" in sys.argv else [])
    # compile (and load the numba cache) outside the timings
    tiny = PackedGenome.from_sequences({"warm": "ACGT" * 5000})
    scan_halfsites(tiny, qs[:8], 4, pos0_bases="T")
    rows = []
    for name in names:
        path = GENOMES[name]
        if not path.exists():
            print(f"skip {name}: {path} missing")
            continue
        g = open_genome(path)
        scan_halfsites(g.packed, qs[:2], 4, pos0_bases="T", region=(0, 1 << 20))  # warm-up
        for mode in ("k=4", "k=3/4"):
            ks = _limits(qs, mode)
            masks, kk, _ = scan_mod._validate(g.packed, qs, ks, scan_mod._pos0_mask("T"), 2)
            pairs = [(q, s) for q in range(len(masks)) for s in (1, -1)]
            plan = scan_mod._pigeon_plan(masks, kk, scan_mod._pos0_mask("T"), pairs)
            n_seed = 0 if plan is None else len(plan.pairs)
            t = time.perf_counter()
            hits = scan_halfsites(g.packed, qs, ks, pos0_bases="T")
            dt = time.perf_counter() - t
            rows.append((name, mode, len(qs), n_seed, len(hits), dt))
            print(f"{name:8s} {mode:6s} hits={len(hits):>10,d} seed-table pairs={n_seed:3d} "
                  f"{dt:7.1f} s", flush=True)
    lines = [
        "# Batch half-site scan (knockout designer specificity pass)",
        "",
        "76 half-sites (15-20 RVDs), position 0 = T, both strands, 2 shared cores.",
        "",
        "| genome | limits | queries | seed-table pairs | hits | time (s) |",
        "|---|---|---|---|---|---|",
    ]
    for name, mode, nq, ns, nh, dt in rows:
        lines.append(f"| {name} | {mode} | {nq} | {ns} | {nh:,} | {dt:.1f} |")
    out = ROOT / "benchmarks" / "results" / "scan_batch.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

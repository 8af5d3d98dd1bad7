"""Half-site scan on a synthetic 3.1-Gb genome: TALEN pair time/RSS, planted sites,
throughput, scaling with genome size and number of half-sites.

Uses the memory-mapped index /tmp/taleforge-bench/synthetic_3.1gb.fa.tfidx (made by
benchmarks/synthetic.py + taleforge.genome.index); without it, random bit-planes are
written to /tmp/taleforge-bench-scan/ and memory-mapped.

Run:  python benchmarks/bench_scan_synthetic.py   (writes benchmarks/results/scan_synthetic.md)
      python benchmarks/bench_scan_synthetic.py --pair   (one TALEN pair; prints time, RSS)
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from taleforge.engine.scan import scan_halfsites
from taleforge.genome.packed import PackedGenome, layout_offsets, planes_from_codes

ROOT = Path(__file__).resolve().parents[1]
INDEX = Path("/tmp/taleforge-bench/synthetic_3.1gb.fa.tfidx")
OWN = Path("/tmp/taleforge-bench-scan")
SIZE_BP = 3_100_000_000
RVD = {"A": "NI", "C": "HD", "T": "NG", "G": "NH"}
THREADS = 2
K = 4
L = 18


def open_big() -> tuple[PackedGenome, str]:
    if (INDEX / "meta.json").exists():
        from taleforge.genome.index import open_genome

        return open_genome(INDEX, rebuild="never").packed, str(INDEX)
    OWN.mkdir(parents=True, exist_ok=True)
    lengths = np.array([SIZE_BP // 24] * 24, dtype=np.int64)
    offsets, total = layout_offsets(lengths)
    nw = total // 64
    planes = {}
    for name in ("lo", "hi", "nmask"):
        path = OWN / f"{name}.u64"
        if not path.exists() or path.stat().st_size != nw * 8:
            rng = np.random.default_rng({"lo": 1, "hi": 2, "nmask": 3}[name])
            mm = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint64, shape=(nw,))
            step = 1 << 24
            for a in range(0, nw, step):
                b = min(nw, a + step)
                mm[a:b] = 0 if name == "nmask" else rng.integers(0, 2**64 - 1, b - a, np.uint64)
            if name == "nmask":  # guards between contigs
                for off, n in zip(offsets, lengths, strict=True):
                    end = int(off + n)
                    w0, w1 = end // 64, (end + 64 + 63) // 64
                    mm[w0 + 1 : w1] = np.uint64(2**64 - 1)
                    mm[w0] |= np.uint64((2**64 - 1) ^ ((1 << (end % 64)) - 1)) if end % 64 else 0
            mm.flush()
            del mm
        planes[name] = np.load(path, mmap_mode="r")
    names = tuple(f"chr{i + 1}" for i in range(24))
    zero = np.zeros(1, np.uint64)
    return PackedGenome(
        names, lengths, offsets, planes["lo"], planes["hi"], planes["nmask"], zero
    ), str(OWN)


def genome_queries(packed: PackedGenome, n: int, seed: int) -> list[tuple[str, ...]]:
    """Random L-mers taken from the genome (so each has at least its own hit)."""
    rng = np.random.default_rng(seed)
    out: list[tuple[str, ...]] = []
    while len(out) < n:
        ci = int(rng.integers(0, len(packed.names)))
        n_c = int(packed.lengths[ci])
        p = int(rng.integers(0, n_c - L))
        s = packed.fetch(packed.names[ci], p, p + L)
        if "N" not in s:
            out.append(tuple(RVD[b] for b in s))
    return out


def pair_run() -> None:
    packed, _ = open_big()
    qs = genome_queries(packed, 2, seed=7)
    scan_halfsites(packed, qs, K, workers=THREADS, region=(0, 64 * 1024))  # JIT cache load
    t0 = time.perf_counter()
    hits = scan_halfsites(packed, qs, K, workers=THREADS)
    dt = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": dt, "peak_rss_bytes": rss, "hits": len(hits)}))


def plant_check(rows: list[str]) -> None:
    """Plant 300 sites (0..4 mismatches, both strands) in a 64-Mbp random genome."""
    rng = np.random.default_rng(11)
    n = 64 * 2**20
    codes = rng.integers(0, 4, n, dtype=np.uint8)
    codes[rng.integers(0, n, 2000)] = 4  # some Ns
    seqs_q: list[str] = []
    truth = []
    starts = np.sort(rng.choice(np.arange(1000, n - 1000, 200), size=300, replace=False))
    comp = np.array([3, 2, 1, 0], dtype=np.uint8)
    for i, p in enumerate(starts):
        site = rng.integers(0, 4, L, dtype=np.uint8)
        mm = i % 5
        planted = site.copy()
        for j in rng.choice(L, mm, replace=False):
            planted[j] = (planted[j] + rng.integers(1, 4)) % 4
        strand = 1 if i % 2 == 0 else -1
        codes[p : p + L] = planted if strand == 1 else comp[planted[::-1]]
        seqs_q.append("".join("ACGT"[c] for c in site))
        truth.append((i, int(p), strand, mm))
    offs, total = layout_offsets([n])
    full = np.full(total, 4, dtype=np.uint8)
    full[:n] = codes
    lo, hi, nm, sm = planes_from_codes(full)
    packed = PackedGenome(("p",), np.array([n]), offs, lo, hi, nm, sm)
    qs = [tuple(RVD[b] for b in s) for s in seqs_q]
    t0 = time.perf_counter()
    hits = scan_halfsites(packed, qs, K, workers=THREADS)
    dt = time.perf_counter() - t0
    found = set(zip(hits.query.tolist(), hits.gpos.tolist(), hits.strand.tolist(),
                    hits.mismatches.tolist(), strict=True))  # fmt: skip
    ok = sum((q, p, s, m) in found for q, p, s, m in truth)
    rows.append(
        f"| planted sites (300 x 18 RVD, 0-4 mm, both strands, 64 Mbp) | {ok}/300 found with "
        f"the planted mismatch count | {dt:.2f} s for 300 queries | {len(hits)} hits |"
    )


def timed(
    packed: PackedGenome, qs: list[tuple[str, ...]], region: tuple[int, int], k: int = K
) -> tuple[float, int]:
    t0 = time.perf_counter()
    h = scan_halfsites(packed, qs, k, workers=THREADS, region=region)
    return time.perf_counter() - t0, len(h)


def main() -> int:
    if "--pair" in sys.argv:
        pair_run()
        return 0
    packed, src = open_big()
    rows = [
        "# Half-site scan on a synthetic 3.1-Gb genome",
        "",
        f"Genome: {src} ({packed.genome_size:,} bp, {packed.lo.nbytes * 3 / 2**30:.2f} GiB of "
        f"lo/hi/nmask planes, memory-mapped). Queries: {L}-RVD single-base-specific arrays "
        f"taken from the genome, <= {K} mismatches unless stated, both strands, "
        f"{THREADS} numba threads. "
        f"Machine: {os.cpu_count()} CPUs shared with other jobs; load average at start "
        f"{os.getloadavg()[0]:.1f} (timings are noisy and pessimistic).",
        "",
        "| measurement | result | time | notes |",
        "|---|---|---|---|",
    ]
    # (1) TALEN pair, fresh process, warm page cache (second run)
    runs = []
    for _ in range(2):
        out = subprocess.run(
            [sys.executable, __file__, "--pair"], check=True, capture_output=True, text=True
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    r = runs[-1]
    gb = packed.genome_size
    rows.append(
        f"| TALEN pair (2 half-sites x 2 strands) on 3.1 Gb, warm cache | {r['hits']} hits, "
        f"peak RSS {r['peak_rss_bytes'] / 2**30:.2f} GiB | {r['seconds']:.2f} s "
        f"(cold {runs[0]['seconds']:.2f} s) | {2 * gb / r['seconds']:.3g} query-bp/s "
        f"({4 * gb / r['seconds']:.3g} strand-positions/s) |"
    )
    print("\n".join(rows[-1:]), flush=True)
    # (2) planted sites
    plant_check(rows)
    print(rows[-1], flush=True)
    # (3) scaling with genome size (regions of the big genome) for one query
    base = 48 * 2**20
    q1 = genome_queries(packed, 100, seed=3)
    timed(packed, q1[:1], (0, 64 * 1024))  # JIT cache loads (bit-parallel, seed table)
    timed(packed, q1[:10], (0, 64 * 1024))
    for mult in (1, 4, 16):
        dt, n = timed(packed, q1[:1], (0, base * mult))
        rows.append(
            f"| 1 half-site, genome {mult}x{base // 2**20} Mbp | {n} hits | {dt:.3f} s | "
            f"{base * mult / dt:.3g} bp/s (both strands; x2 per strand) |"
        )
        print(rows[-1], flush=True)
    # (4) scaling with number of half-sites
    # (>= 3 queries use the seed-table path, see taleforge/engine/README.md)
    for k in (4, 3):
        for nq in (1, 10, 100):
            dt, n = timed(packed, q1[:nq], (0, base), k)
            per = dt * gb / base
            rows.append(
                f"| {nq} half-sites, <= {k} mm, {base // 2**20} Mbp | {n} hits | {dt:.3f} s | "
                f"{base * nq / dt:.3g} query-bp/s; extrapolated to 3.1 Gb: {per:.1f} s |"
            )
            print(rows[-1], flush=True)
    text = "\n".join(rows) + "\n"
    print(text)
    out = ROOT / "benchmarks" / "results" / "scan_synthetic.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

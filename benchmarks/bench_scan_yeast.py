"""Half-site scan on the yeast genome vs. MOODS-python and bowtie (exact peers).

50 random 18-mers from S288C R64-2-1 (seed 2024) become RVD queries with single-base
specificity (A NI, C HD, T NG, G NH), so "<= k RVD mismatches" equals "<= k base
mismatches" and the hit sets are comparable with:

* MOODS-python ``scan_dna`` with a 0/-1 PWM (0 for the query base, -1 otherwise; its
  reverse complement for the other strand) and threshold ``-k``;
* ``bowtie -v 3 -a`` (all end-to-end alignments with <= 3 mismatches, both strands);
  its time includes ``bowtie-build``.

Run:  python benchmarks/bench_scan_yeast.py   (writes benchmarks/results/scan_yeast.md)
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from taleforge.engine.scan import HitTable, scan_halfsites
from taleforge.genome.packed import PackedGenome

ROOT = Path(__file__).resolve().parents[1]
YEAST = ROOT.parent / "shared" / "data" / "yeast" / "S288C_reference_sequence_R64-2-1_20150113.fsa.gz"
RVD = {"A": "NI", "C": "HD", "T": "NG", "G": "NH"}
N_QUERIES = 50
L = 18
SEED = 2024
THREADS = 2


def read_fasta_gz(path: Path) -> dict[str, str]:
    seqs: dict[str, list[str]] = {}
    name = ""
    with gzip.open(path, "rt") as fh:
        for line in fh:
            if line.startswith(">"):
                name = line[1:].split()[0]
                seqs[name] = []
            else:
                seqs[name].append(line.strip())
    return {k: "".join(v).upper() for k, v in seqs.items()}


def pick_queries(seqs: dict[str, str]) -> list[str]:
    rng = np.random.default_rng(SEED)
    names = list(seqs)
    lens = np.array([len(seqs[n]) for n in names], dtype=np.float64)
    out: list[str] = []
    while len(out) < N_QUERIES:
        c = names[int(rng.choice(len(names), p=lens / lens.sum()))]
        p = int(rng.integers(0, len(seqs[c]) - L))
        s = seqs[c][p : p + L]
        if set(s) <= set("ACGT"):
            out.append(s)
    return out


Key = tuple[int, str, int, int]  # (query, contig, pos, strand)


def ours(packed: PackedGenome, queries: list[str], k: int) -> tuple[set[Key], float, int]:
    rvds = [tuple(RVD[b] for b in q) for q in queries]
    scan_halfsites(packed, rvds[:1], k, workers=THREADS)  # warm (JIT cache load)
    t0 = time.perf_counter()
    hits: HitTable = scan_halfsites(packed, rvds, k, workers=THREADS)
    dt = time.perf_counter() - t0
    ci, local = packed.to_local(hits.gpos)
    keys = {
        (int(q), packed.names[int(c)], int(p), int(s))
        for q, c, p, s in zip(hits.query, ci, local, hits.strand, strict=True)
    }
    return keys, dt, len(hits)


def moods(seqs: dict[str, str], queries: list[str], k: int) -> tuple[set[Key], float]:
    import MOODS.scan
    import MOODS.tools

    mats = []
    for q in queries:
        m = [[0.0 if b == base else -1.0 for b in q] for base in "ACGT"]
        mats.append(m)
        mats.append(MOODS.tools.reverse_complement(m))
    thr = [-k - 0.5] * len(mats)
    bg = [0.25] * 4
    t0 = time.perf_counter()
    keys: set[Key] = set()
    for name, s in seqs.items():
        res = MOODS.scan.scan_dna(s, mats, bg, thr, 7)
        for mi, hits in enumerate(res):
            strand = 1 if mi % 2 == 0 else -1
            for h in hits:
                keys.add((mi // 2, name, int(h.pos), strand))
    return keys, time.perf_counter() - t0


def bowtie(seqs: dict[str, str], queries: list[str], k: int, work: Path) -> tuple[set[Key], float, float]:
    fa = work / "genome.fa"
    with open(fa, "w") as fh:
        for n, s in seqs.items():
            fh.write(f">{n}\n")
            for i in range(0, len(s), 60):
                fh.write(s[i : i + 60] + "\n")
    reads = work / "reads.fa"
    reads.write_text("".join(f">q{i}\n{q}\n" for i, q in enumerate(queries)))
    t0 = time.perf_counter()
    subprocess.run(
        ["bowtie-build", "--threads", str(THREADS), "-q", str(fa), str(work / "idx")],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = subprocess.run(
        ["bowtie", "-p", str(THREADS), "-f", "-v", str(k), "-a", "-x", str(work / "idx"), str(reads)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    t_align = time.perf_counter() - t0
    keys: set[Key] = set()
    for line in out.stdout.splitlines():
        f = line.split("\t")
        keys.add((int(f[0][1:]), f[2], int(f[3]), 1 if f[1] == "+" else -1))
    return keys, t_build, t_align


def main() -> int:
    if not YEAST.exists():
        print(f"skip: {YEAST} not found")
        return 0
    t0 = time.perf_counter()
    seqs = read_fasta_gz(YEAST)
    t_read = time.perf_counter() - t0
    t0 = time.perf_counter()
    packed = PackedGenome.from_sequences(seqs)
    t_pack = time.perf_counter() - t0
    queries = pick_queries(seqs)
    gsize = packed.genome_size
    lines = [
        "# Half-site scan vs. MOODS and bowtie on yeast (S288C R64-2-1)",
        "",
        f"Genome {gsize:,} bp in {len(seqs)} contigs; {N_QUERIES} random {L}-mers (seed {SEED}) "
        "as single-base-specific RVD queries, both strands; "
        f"{THREADS} threads for every tool; machine: {os.cpu_count()} CPUs (shared).",
        f"FASTA gzip read {t_read:.2f} s; packing to bit-planes (our 'index') {t_pack:.2f} s.",
        "",
        "| k | tool | time (s) | hits | identical to taleforge | taleforge speed-up |",
        "|---|------|---------:|-----:|:---:|---:|",
    ]
    for k in (3, 4):
        mine, t_mine, n = ours(packed, queries, k)
        lines.append(f"| {k} | taleforge scan_halfsites (numba) | {t_mine:.3f} | {n} | - | 1.0x |")
        mo, t_mo = moods(seqs, queries, k)
        same = mo == mine
        lines.append(
            f"| {k} | MOODS scan_dna (0/-1 PWM, thr -k) | {t_mo:.3f} | {len(mo)} | "
            f"{'yes' if same else 'NO'} | {t_mo / t_mine:.1f}x |"
        )
        if not same:
            lines.append(f"|   | (only MOODS: {len(mo - mine)}, only taleforge: {len(mine - mo)}) | | | | |")
        if k == 3 and shutil.which("bowtie"):
            with tempfile.TemporaryDirectory(prefix="tf-bowtie-") as d:
                bt, t_b, t_a = bowtie(seqs, queries, k, Path(d))
            same = bt == mine
            lines.append(
                f"| {k} | bowtie -v 3 -a (build {t_b:.2f} + align {t_a:.2f}) | {t_b + t_a:.3f} | "
                f"{len(bt)} | {'yes' if same else 'NO'} | {(t_b + t_a) / t_mine:.1f}x "
                f"(align only {t_a / t_mine:.1f}x) |"
            )
            if not same:
                lines.append(
                    f"|   | (only bowtie: {len(bt - mine)}, only taleforge: {len(mine - bt)}) | | | | |"
                )
        print("\n".join(lines[-3:]), flush=True)
    # sanity: each query finds its own origin
    text = "\n".join(lines) + "\n"
    print(text)
    out = ROOT / "benchmarks" / "results" / "scan_yeast.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)

    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: build the packed genome index from a synthetic human-sized FASTA.

    python benchmarks/bench_index_build.py                 # 3.1 Gb (a few minutes)
    python benchmarks/bench_index_build.py --size-gb 0.1   # quick run

The FASTA is generated once (kept in --workdir, default /tmp/taleforge-bench) and its index
is built next to it (``<fasta>.tfidx``); both are kept for other benchmarks. The build runs in
a child process so that its peak RSS (``ru_maxrss``) is measured alone. The results row is
appended to benchmarks/results/index_build.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.synthetic import make_synthetic_fasta  # noqa: E402

RESULTS = HERE / "results" / "index_build.md"

CHILD = r"""
import json, resource, sys, time
from taleforge.genome.index import build_index
t = time.perf_counter()
build_index(sys.argv[1], sys.argv[2])
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def fasta_path(workdir: Path, size_gb: float) -> Path:
    return workdir / f"synthetic_{size_gb:g}gb.fa"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size-gb", type=float, default=3.1, help="genome size in Gb (1e9 bp)")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/taleforge-bench"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--gzip", action="store_true", help="index a gzip -1 copy of the FASTA")
    ap.add_argument("--no-write", action="store_true", help="do not append to the results file")
    args = ap.parse_args(argv)

    size_bp = round(args.size_gb * 1e9)
    fa = fasta_path(args.workdir, args.size_gb)
    t = time.perf_counter()
    generated = False
    if not fa.exists():
        make_synthetic_fasta(fa, size_bp, args.seed)
        generated = True
    if args.gzip:
        gz = fa.with_name(fa.name + ".gz")
        if not gz.exists():
            with open(gz.with_name(gz.name + ".partial"), "wb") as fh:
                subprocess.run(["gzip", "-1", "-c", str(fa)], stdout=fh, check=True)
            gz.with_name(gz.name + ".partial").replace(gz)
            generated = True
        fa = gz
    gen_s = time.perf_counter() - t
    idx = fa.with_name(fa.name + ".tfidx")
    if idx.exists():
        shutil.rmtree(idx)

    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(fa), str(idx)], check=True, capture_output=True, text=True
    )
    res = json.loads(out.stdout.strip().splitlines()[-1])

    # sanity: the index opens (memory-mapped) and agrees with the FASTA text
    from taleforge.genome.index import open_genome

    t = time.perf_counter()
    g = open_genome(fa, rebuild="never")
    open_s = time.perf_counter() - t
    opener = gzip.open if args.gzip else open
    with opener(fa, "rb") as fh:
        fh.readline()
        first = fh.read(61 * 20).replace(b"\n", b"")[:1000].decode()
    if g.fetch(g.contig_names[0], 0, 1000, soft=True) != first:
        raise SystemExit("index does not match the FASTA text")

    fa_bytes = fa.stat().st_size
    idx_bytes = sum(f.stat().st_size for f in idx.iterdir())
    mbp_s = g.genome_size / 1e6 / res["seconds"]
    kind = " gz" if args.gzip else ""
    row = (
        f"| {time.strftime('%Y-%m-%d')} | {g.genome_size:,} | {len(g.contig_names)} "
        f"| {fa_bytes / 1e9:.2f} GB{kind} | {res['seconds']:.1f} | {mbp_s:.0f} "
        f"| {res['maxrss_kb'] / 1024:.0f} | {idx_bytes / 1e9:.2f} GB | {open_s * 1000:.1f} "
        f"| {platform.machine()}, py{platform.python_version()}, load {os.getloadavg()[0]:.1f} |"
    )
    header = (
        "# Index build benchmark (benchmarks/bench_index_build.py)\n\n"
        "Synthetic FASTA (24 contigs with GRCh38-like relative sizes, random bases, ~40% "
        "soft-masked runs, N runs, 60-column lines), plain text (or `gzip -1` with --gzip, "
        "marked gz), page cache warm. Build = "
        "`taleforge.genome.index.build_index` in a fresh child process (sha256 of the source "
        "included); peak RSS = that child's `ru_maxrss`. Open = `open_genome` of the built "
        "index (validate + memory-map). The machine (2 cores) is shared with other jobs: load "
        "average at run time is recorded in the last column; timings are upper bounds.\n\n"
        "| date | bases | contigs | FASTA | build s | Mbp/s | peak RSS MiB | index | open ms "
        "| machine |\n|---|---|---|---|---|---|---|---|---|---|\n"
    )
    print(header + row)
    how = f"generated in {gen_s:.0f} s" if generated else "reused"
    print(f"FASTA: {fa} ({how})")
    print(f"index: {idx}")
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        text = RESULTS.read_text() if RESULTS.exists() else header
        RESULTS.write_text(text.rstrip("\n") + "\n" + row + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

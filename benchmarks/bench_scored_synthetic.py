"""Score-bounded off-target search on a synthetic genome (default 3.1 Gb): one TALEN pair and
one single TALE with the default ``positional`` model and with ``tale-nt`` (k = 3), warm
(index built and kernels compiled before the timed runs; both reported separately).
Reports wall time, ns per genome position per TALE, and anonymous memory (RssAnon, i.e. not
the memory-mapped index pages) of the whole process.

Run:  python benchmarks/bench_scored_synthetic.py [--size 3.1e9] [--repeats 2]
Writes benchmarks/results/scored_synthetic.md. The genome FASTA and its index live in
/tmp/taleforge-bench/ (made once, deterministic: benchmarks/synthetic.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import make_synthetic_fasta  # noqa: E402

from taleforge.design.offtarget import find_offtargets  # noqa: E402
from taleforge.genome.index import open_genome  # noqa: E402
from taleforge.genome.packed import PackedGenome  # noqa: E402
from taleforge.scoring.base import get_model  # noqa: E402

# Y1 of ../shared/reference/queries.tsv (a rank-1 taleforge design on yeast)
LEFT = "NN NG NG HD NG NG HD NG NG HD NI HD NG NG NG NN NN NN HD NI"
RIGHT = "NN NG NN NI HD NG NG NN NN HD NG NI NG NI NG NN NN HD HD HD"


def rss_anon_mib() -> tuple[float, float]:
    """(RssAnon, VmHWM) of this process in MiB."""
    vals = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        k, _, v = line.partition(":")
        if k in ("RssAnon", "VmHWM"):
            vals[k] = int(v.split()[0]) / 1024
    return vals.get("RssAnon", 0.0), vals.get("VmHWM", 0.0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=float, default=3.1e9)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    size = int(args.size)
    fa = Path(f"/tmp/taleforge-bench/synthetic_{size / 1e9:.1f}gb.fa")
    t = time.perf_counter()
    make_synthetic_fasta(fa, size, seed=1)
    t_fa = time.perf_counter() - t
    t = time.perf_counter()
    g = open_genome(fa)
    t_index = time.perf_counter() - t
    t = time.perf_counter()
    small = PackedGenome.from_sequences({"w": "ACGT" * 5000})
    find_offtargets(small, LEFT, RIGHT, backend="numba")  # compile (or load the cache)
    t_compile = time.perf_counter() - t
    rows = []
    peak_anon = 0.0
    for model_name in ("positional", "tale-nt"):
        model = get_model(model_name)
        for label, right in (("pair", RIGHT), ("single TALE", None)):
            times = []
            n_pairs = n_sites = 0
            for _ in range(args.repeats):
                t = time.perf_counter()
                res = find_offtargets(g, LEFT, right, model=model, spacer_min=15,
                                      spacer_max=30, backend="numba")
                times.append(time.perf_counter() - t)
                n_pairs = sum(res.counts["pairs_by_orientation"].values())
                n_sites = sum(res.counts["sites_by_role"].values())
                peak_anon = max(peak_anon, rss_anon_mib()[0])
            n_tales = 2 if right else 1
            best = min(times)
            rows.append((model_name, label, best, max(times),
                         best / (g.packed.genome_size * n_tales) * 1e9, n_pairs, n_sites))
            print(rows[-1], flush=True)
    anon, hwm = rss_anon_mib()
    lines = [
        f"# Score-bounded search, synthetic {size / 1e9:.1f} Gb genome (2 cores)",
        "",
        f"Synthetic FASTA (made once): {t_fa:.1f} s; index build/open: {t_index:.1f} s; "
        f"kernel compile/load: {t_compile:.1f} s (first run only; cached afterwards).",
        f"Arrays: Y1 (20 + 20 RVDs), spacer 15-30, both strands, all four orientations. "
        f"Runs per row: {args.repeats} (min / max shown). Machine load varies: other jobs "
        "shared the two cores during these runs.",
        "",
        "| model | query | wall min (s) | wall max (s) | ns per genome position per TALE "
        "| pairs | half-sites |",
        "|---|---|---|---|---|---|---|",
        *[f"| {m} | {q} | {a:.2f} | {b:.2f} | {c:.3f} | {p:,} | {s:,} |"
          for m, q, a, b, c, p, s in rows],
        "",
        f"Anonymous memory (RssAnon) at the end: {anon:.0f} MiB; highest seen after a run: "
        f"{peak_anon:.0f} MiB; VmHWM (includes mapped index pages): {hwm:.0f} MiB.",
    ]
    out = ROOT / "benchmarks" / "results" / "scored_synthetic.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

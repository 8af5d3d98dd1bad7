"""taleforge (``--model tale-nt``, score-bounded search) vs TALE-NT 2.0 Paired Target Finder
(the prebuilt ``pairedtalesf`` in ../shared/peers/talent, 2 threads), side by side on one
synthetic genome, interleaved, with identical hit sets checked every round (issue 8).

    python benchmarks/bench_vs_pairedtalesf.py --size 200e6      # the 200-Mb genome
    python benchmarks/bench_vs_pairedtalesf.py --size 1e9        # the 1-Gb genome
    python benchmarks/bench_vs_pairedtalesf.py --size 200e6 --pairs Y1,NN1 --cli

Steps (each timed and reported on its own):
1. the synthetic genome (``benchmarks/synthetic.py``: human-like contig sizes, random bases, N
   and lower-case runs) is written once to ``--dir`` (default /tmp/taleforge-bench);
2. taleforge's index is built (or reused: ``--rebuild-index`` times a fresh build);
3. the numba kernels are compiled in a fresh cache folder by one call on a 1-Mb genome;
4. ``--rounds`` rounds (default 3), each running pairedtalesf then taleforge (in-process API,
   warm: index mapped and kernels compiled; ``--cli`` also times the ``taleforge offtarget``
   command end to end) for each pair, with the pairedtalesf command line of
   ../shared/reference/README.md (cutoff 3.0, spacer 15-30, hetero- and homodimers, T0).
The headline ratio is pairedtalesf's median over taleforge's median for Y1 (queries.tsv).
Results go to ``benchmarks/results/vs_pairedtalesf.md`` (``--out`` to change).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _label(size: int) -> str:
    if size >= 1_000_000_000 and size % 100_000_000 == 0:
        return f"{size / 1e9:g}gb"
    return f"{size / 1e6:g}mb"


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=float, default=200e6, help="genome size in bp (200e6 or 1e9)")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/taleforge-bench"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pairs", default="Y1", help="comma-separated pair ids from queries.tsv (Y1, Y2, E1, NN1)")
    ap.add_argument("--cutoff", type=float, default=3.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cli", action="store_true", help="also time `taleforge offtarget` end to end")
    ap.add_argument("--rebuild-index", action="store_true")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "vs_pairedtalesf.md")
    a = ap.parse_args()

    size = int(a.size)
    a.dir.mkdir(parents=True, exist_ok=True)
    numba_cache = Path(tempfile.mkdtemp(prefix="numba-cache-", dir=a.dir))
    os.environ["NUMBA_CACHE_DIR"] = str(numba_cache)  # fresh: step 3 measures a real compile
    os.environ.setdefault("NUMBA_NUM_THREADS", str(a.threads))

    from benchmarks.synthetic import make_synthetic_fasta
    from tests import talent_ref as tr

    exe = tr.peer_binary("pairedtalesf")
    if exe is None:
        print(f"pairedtalesf not found in {tr.PEERS}", file=sys.stderr)
        return 2
    queries = tr.load_queries()
    pair_ids = [p.strip() for p in a.pairs.split(",") if p.strip()]
    load0 = _loadavg()

    # 1. genome
    fa = a.dir / f"synthetic_{_label(size)}.fa"
    t = time.perf_counter()
    made = not fa.exists()
    if made:
        make_synthetic_fasta(fa, size, seed=a.seed)
    t_genome = time.perf_counter() - t

    # 2. index
    from taleforge.genome.index import open_genome

    t = time.perf_counter()
    g = open_genome(fa, rebuild="always" if a.rebuild_index else "auto")
    t_index = time.perf_counter() - t
    index_note = "built" if (a.rebuild_index or made) else "opened (existing index; --rebuild-index times a build)"

    # 3. kernels: one call on a 1-Mb genome (compiles the kernels used below into a fresh cache)
    import numpy as np

    from taleforge.genome.packed import PackedGenome

    rng = np.random.default_rng(7)
    small = PackedGenome.from_sequences(
        {"warm": np.frombuffer(b"ACGT", np.uint8)[rng.integers(0, 4, 1_000_000)].tobytes().decode()})
    q0 = queries[pair_ids[0]]
    t = time.perf_counter()
    tr.taleforge_talent(small, q0.left, q0.right, a.cutoff, backend="numba")
    t_compile = time.perf_counter() - t
    t = time.perf_counter()
    tr.taleforge_talent(small, q0.left, q0.right, a.cutoff, backend="numba")
    t_small_warm = time.perf_counter() - t

    # ... and one untimed taleforge run per pair on the benchmark genome (any kernel variant the
    # 1-Mb call did not need is compiled here; reported, not in the ratio)
    t_first: dict[str, float] = {}
    for pid in pair_ids:
        t = time.perf_counter()
        tr.taleforge_talent(g, queries[pid].left, queries[pid].right, a.cutoff)
        t_first[pid] = time.perf_counter() - t

    times: dict[str, dict[str, list[float]]] = {p: {"pairedtalesf": [], "taleforge": [], "cli": []} for p in pair_ids}
    hits: dict[str, int] = {}
    identical: dict[str, bool] = {}
    diffs: dict[str, str] = {}
    work = Path(tempfile.mkdtemp(prefix="vs-pairedtalesf-", dir=a.dir))
    cli_exe = str(Path(sys.executable).with_name("taleforge"))
    if a.cli and not Path(cli_exe).exists():
        cli_exe = shutil.which("taleforge") or cli_exe
    for r in range(a.rounds):
        for pid in pair_ids:
            q = queries[pid]
            prefix = work / f"{pid}_r{r}"
            t = time.perf_counter()
            subprocess.run(
                [str(exe), "-n", str(a.threads), "-t", repr(a.cutoff), "-m", "15", "-x", "30",
                 "-d", "0", "-c", "0", "-o", str(prefix), str(fa), " ".join(q.left), " ".join(q.right)],
                check=True, capture_output=True)
            times[pid]["pairedtalesf"].append(time.perf_counter() - t)
            theirs = tr.parse_pairedtalesf(prefix.with_suffix(".txt"))
            prefix.with_suffix(".txt").unlink()
            prefix.with_suffix(".gff3").unlink(missing_ok=True)

            t = time.perf_counter()
            res = tr.taleforge_talent(g, q.left, q.right, a.cutoff)
            times[pid]["taleforge"].append(time.perf_counter() - t)
            ours = tr.pair_keys(res)
            same = set(ours) == set(theirs.hits) and not tr.score_diffs(ours, theirs.hits, 0.006)
            identical[pid] = identical.get(pid, True) and same
            hits[pid] = len(theirs.hits)
            if not same:
                diffs[pid] = tr.diff_report(ours, theirs.hits)
            del res, ours

            if a.cli:
                tsv = work / f"{pid}_r{r}.tsv"
                t = time.perf_counter()
                subprocess.run(
                    [cli_exe, "offtarget", "--genome", str(fa),
                     "--left", " ".join(q.left), "--right", " ".join(q.right), "--model", "tale-nt",
                     "--cutoff", repr(a.cutoff), "--spacer-min", "15", "--spacer-max", "30",
                     "--max-records", "0", "--out", str(tsv)],
                    check=True, capture_output=True, env={**os.environ})
                times[pid]["cli"].append(time.perf_counter() - t)
                tsv.unlink(missing_ok=True)
            print(f"round {r + 1} {pid}: pairedtalesf {times[pid]['pairedtalesf'][-1]:.2f} s, "
                  f"taleforge {times[pid]['taleforge'][-1]:.2f} s"
                  + (f", CLI {times[pid]['cli'][-1]:.2f} s" if a.cli else "")
                  + f", {hits[pid]} pairs, identical {same}", flush=True)

    def fmt(v: list[float]) -> str:
        return f"{min(v):.2f} / {statistics.median(v):.2f}" if v else "-"

    lines = [
        f"# taleforge vs TALE-NT 2.0 Paired Target Finder on a synthetic {size / 1e6:,.0f}-Mb genome",
        "",
        "`python benchmarks/bench_vs_pairedtalesf.py --size "
        f"{a.size:g}{' --pairs ' + a.pairs if a.pairs != 'Y1' else ''}{' --cli' if a.cli else ''}`",
        "",
        f"- Machine: {os.cpu_count()} CPUs ({_cpu()}), load average at start {load0}, at end {_loadavg()}; "
        f"{a.threads} threads for both tools (pairedtalesf `-n {a.threads}`, numba {a.threads}).",
        f"- Genome: `{fa}` ({size:,} bp, 24 contigs, random bases with N and lower-case runs, seed {a.seed}; "
        f"{'written' if made else 'reused'} in {t_genome:.1f} s).",
        f"- taleforge index {index_note}: {t_index:.1f} s. Kernel compile (first call on a 1-Mb genome, fresh "
        f"numba cache): {t_compile:.1f} s; the same call warm: {t_small_warm:.3f} s. First (untimed) run on the "
        "benchmark genome: " + ", ".join(f"{p} {v:.2f} s" for p, v in t_first.items()) + ".",
        f"- Command: `pairedtalesf -n {a.threads} -t {a.cutoff} -m 15 -x 30 -d 0 -c 0 -o PREFIX G \"L\" \"R\"` vs "
        f"`find_offtargets(G, L, R, model=get_model('tale-nt').with_cutoff({a.cutoff}), spacer 15-30, "
        "scaffold='tale-nt', max_mismatches=None, max_records=None)` (in-process, warm"
        + ("; and the `taleforge offtarget ... --model tale-nt --max-records 0 --out x.tsv` command end to end, "
           "Python start-up and imports included" if a.cli else "") + ").",
        f"- {a.rounds} rounds, interleaved (pairedtalesf then taleforge, pair by pair, each round); "
        "hit sets (keys and both scores to 0.006) compared every round.",
        "",
        "| pair | TALE-NT pairs | identical hit sets | pairedtalesf min / median (s) | taleforge min / median (s) "
        "| ratio (median) | ratio (min) |" + (" CLI min / median (s) | ratio CLI (median) |" if a.cli else ""),
        "|---|---|---|---|---|---|---|" + ("---|---|" if a.cli else ""),
    ]
    for pid in pair_ids:
        tt = times[pid]
        ratio = statistics.median(tt["pairedtalesf"]) / statistics.median(tt["taleforge"])
        rmin = min(tt["pairedtalesf"]) / min(tt["taleforge"])
        row = (f"| {pid} | {hits[pid]:,} | {'yes' if identical[pid] else 'NO'} | {fmt(tt['pairedtalesf'])} | "
               f"{fmt(tt['taleforge'])} | {ratio:.1f}x | {rmin:.1f}x |")
        if a.cli:
            row += f" {fmt(tt['cli'])} | {statistics.median(tt['pairedtalesf']) / statistics.median(tt['cli']):.1f}x |"
        lines.append(row)
    lines += ["", "Per-round times (s):", ""]
    for pid in pair_ids:
        tt = times[pid]
        lines.append(f"- {pid}: pairedtalesf {', '.join(f'{x:.2f}' for x in tt['pairedtalesf'])}; "
                     f"taleforge {', '.join(f'{x:.2f}' for x in tt['taleforge'])}"
                     + (f"; CLI {', '.join(f'{x:.2f}' for x in tt['cli'])}" if a.cli else ""))
    for pid, d in diffs.items():
        lines += ["", f"Differences for {pid}:", "", "```", d, "```"]
    text = "\n".join(lines) + "\n"
    print(text)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(text)
    return 0 if all(identical.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())

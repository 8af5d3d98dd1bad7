"""Multiplex set on the synthetic 3.1-Gb genome: four gene loci x 10 candidates each, with a
knock-in at the first (issue 12).

Usage::

    python benchmarks/bench_multiplex.py [--genome /tmp/taleforge-bench/synthetic_3.1gb.fa]
        [--candidates 10] [--workers 2]

Four genes are "planted" as annotation (a GTF written next to the results: single-exon
coding genes of 2 kb on chr1, chr2, chr3 and chr5 of the random genome). The run designs each
gene (knockout designer, per-design genome-wide specificity), runs the one cross-talk search
over every candidate TALE, the joint search over all 10^4 combinations, and the junction
assays with the genome-wide primer check. Writes benchmarks/results/multiplex.md; timings are
wall-clock on this machine (reported, never asserted).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "multiplex.md"
GENES = (("GENE1", "chr1", 20_000_001), ("GENE2", "chr2", 30_000_001),
         ("GENE3", "chr3", 40_000_001), ("GENE4", "chr5", 50_000_001))


def _gtf(path: Path) -> None:
    rows = []
    for name, contig, start in GENES:
        end = start + 1999
        attrs = f'gene_id "{name}"; transcript_id "{name}.1"; gene_name "{name}";'
        for feat in ("gene", "transcript", "exon", "CDS"):
            rows.append(f"{contig}\tbench\t{feat}\t{start}\t{end}\t.\t+\t.\t{attrs}")
    path.write_text("\n".join(rows) + "\n")


def child(genome: str, candidates: int) -> None:
    import numpy as np

    from taleforge.design.cargo import cargo_from_sequence
    from taleforge.design.multiplex import MultiplexParams, design_multiplex
    from taleforge.genome.index import open_genome

    t0 = time.perf_counter()
    g = open_genome(genome)
    t_open = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        gtf = Path(tmp) / "genes.gtf"
        _gtf(gtf)
        rng = np.random.default_rng(7)
        cargo = cargo_from_sequence("".join(rng.choice(list("ACGT"), 1500)), "cargo")
        t1 = time.perf_counter()
        res = design_multiplex(
            [n for n, _, _ in GENES],
            MultiplexParams(candidates=candidates, fok1="ELD-KKR", knockin=(("GENE1", cargo),)),
            genome=g, annotation=gtf)
        wall = time.perf_counter() - t1
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "open_s": t_open, "wall_s": wall, "rss_mib": rss, "timings": res.timings_s,
        "sets": res.n_sets, "tales": sum(2 * len(c) for c in res.candidates),
        "cross_pairs": len(res.cross_pairs), "junctions": len(res.junctions),
        "assays_with_primers": sum(1 for j in res.junctions if j.assay.primers is not None),
        "chosen": [c.label for c in res.designs], "score": res.chosen.score,
        "genome_bp": g.genome_size,
    }))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--genome", default="/tmp/taleforge-bench/synthetic_3.1gb.fa")
    ap.add_argument("--size-bp", type=int, default=3_100_000_000)
    ap.add_argument("--candidates", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(a.genome, a.candidates)
        return
    if not Path(a.genome).exists():
        sys.path.insert(0, str(ROOT))
        from benchmarks.synthetic import make_synthetic_fasta

        make_synthetic_fasta(Path(a.genome), a.size_bp, seed=1)
    env = dict(os.environ, NUMBA_NUM_THREADS=str(a.workers))
    out = subprocess.run([sys.executable, __file__, "--child", "--genome", a.genome,
                          "--candidates", str(a.candidates)],
                         check=True, capture_output=True, text=True, env=env).stdout
    r = json.loads(out.strip().splitlines()[-1])
    print(r, flush=True)
    t = r["timings"]
    load = os.getloadavg()[0]
    lines = [
        "# Multiplex set: four loci x 10 candidates (synthetic 3.1 Gb)",
        "",
        f"Genome {a.genome} ({r['genome_bp']:,} bp, memory-mapped index); four 2-kb coding "
        "genes planted as annotation on chr1/chr2/chr3/chr5; positional model, tale-nt "
        f"scaffold, --fok1 ELD-KKR, knock-in of a 1.5-kb cargo at GENE1; {a.workers} numba "
        f"threads; numba compile included. Machine: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load {load:.1f} at end (other jobs were running).",
        "",
        "| step | wall s |",
        "|---|---|",
        f"| design loci (4 x knockout enumeration, filters, on-target ranking) | {t['design_loci']:.1f} |",
        f"| one genome pass: cross-talk + each candidate's own specificity ({r['tales']} TALEs, all cross and own pairings) | {t['crosstalk_scan']:.1f} |",
        f"| combination search ({r['sets']:,} sets, ELD/KKR assignments) | {t['combination_search']:.2f} |",
        f"| junctions, assays, primer check, knock-in | {t['junctions']:.1f} |",
        f"| **total** | **{r['wall_s']:.1f}** |",
        "",
        f"Peak RSS {r['rss_mib']:.0f} MiB. Chosen set {', '.join(r['chosen'])} (score "
        f"{r['score']:.3f}); {r['cross_pairs']} pairs among the set's TALEs; "
        f"{r['junctions']} junctions, {r['assays_with_primers']} with a primer pair.",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()

"""Genotyping primers for a knockout's reported designs: Primer3 (Sanger + NGS, 5 candidate
pairs each) per design, then one uniqueness pass over the genome for every candidate
primer's 3'-terminal 15-mer (design/genotyping.py).

Designs: ``N`` TALEN pairs spaced 150 bp apart in the first contig (a stand-in for the
``--top`` designs of one gene: the cost depends on their number, not on their scores).
Genomes: E. coli K-12 (../shared/data) and the synthetic genomes of benchmarks/synthetic.py
when present (skips what is missing).

Run:  python benchmarks/bench_genotyping.py [N]   (writes benchmarks/results/genotyping.md)
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

from taleforge.design.genotyping import GENOTYPING_PARAMS as GP
from taleforge.design.genotyping import _candidates, _scan_tails, genotyping_for_pairs
from taleforge.design.pairs import make_pair
from taleforge.design.primers import PRIMER_PARAMS as PP
from taleforge.genome.index import open_genome

ROOT = Path(__file__).resolve().parents[1]
GENOMES = {
    "E. coli K-12 (4.6 Mb)": ROOT.parent / "shared/data/ecoli/GCF_000005845.2_ASM584v2_genomic.fna.gz",
    "synthetic 1 Gb": Path("/tmp/taleforge-bench/synthetic_1gb.fa"),
    "synthetic 3.1 Gb": Path("/tmp/taleforge-bench/synthetic_3.1gb.fa"),
}


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    rows = []
    for label, path in GENOMES.items():
        if not path.exists():
            print(f"skip {label}: {path} missing")
            continue
        g = open_genome(path, rebuild="never" if "synthetic" in label else "auto")
        c = g.contig_names[0]
        pairs = []
        for i in range(n):
            s = 100_000 + 150 * i
            pairs.append(make_pair(g.fetch(c, s, s + 80), 9, 18, 16, 18, contig=c, offset=s))
        genotyping_for_pairs(g, pairs[:1])  # warm-up: numba compile / page cache
        t0, c0 = time.time(), _cpu()
        cands = [_candidates(g, p, pu, GP, PP) for p in pairs for pu in ("sanger", "ngs")]
        t1, c1 = time.time(), _cpu()
        tails = sorted({s[-15:] for lst, _ in cands for pp in lst
                        for s in (pp.left_seq, pp.right_seq)})
        _scan_tails(g, tails, "auto", None)
        t2, c2 = time.time(), _cpu()
        res = genotyping_for_pairs(g, pairs)
        t3 = time.time()
        uniq = sum(1 for r in res for a in (r.sanger, r.ngs) if a.unique)
        rows.append((label, n, len(tails), t1 - t0, c1 - c0, t2 - t1, c2 - c1, t3 - t2, uniq))
        print(rows[-1], flush=True)
    out = ROOT / "benchmarks/results/genotyping.md"
    lines = [
        "# Genotyping primers for the reported designs",
        "",
        f"{n} designs, Sanger + NGS amplicons, 5 Primer3 pairs each; one uniqueness pass over "
        "the genome (3'-terminal 15-mers, 0 mismatches, both strands). 2 cores shared with other "
        "jobs: wall times are pessimistic, CPU times (all threads) are the steadier figure.",
        "",
        "| genome | designs | 15-mers | Primer3 wall / CPU (s) | scan wall / CPU (s) | "
        "whole call wall (s) | unique amplicons |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, nd, nq, pw, pc, sw, sc, tw, u in rows:
        lines.append(f"| {label} | {nd} | {nq} | {pw:.2f} / {pc:.2f} | {sw:.2f} / {sc:.2f} | "
                     f"{tw:.2f} | {u} of {2 * nd} |")
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

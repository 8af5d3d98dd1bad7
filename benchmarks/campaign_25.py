"""Campaign benchmark (issue 13): 25 knockout targets on the synthetic 3.1-Gb genome.

Usage::

    python benchmarks/campaign_25.py [--genome /tmp/taleforge-bench/synthetic_3.1gb.fa]
        [--separate 5] [--targets 25] [--dask-targets 25] [--parts a,b,c]

25 three-exon coding genes are "planted" as annotation (a GTF written into the work folder:
exons of 200/300/200 bp with 1-kb introns, on chr1..chr24 of the random genome, placed where
the sequence has no N). Every target is a knockout with the default specificity (positional
model, score-defined search, the first 20 candidates of the on-target ranking scanned
genome-wide, more rounds only while fewer than --top are clean) and the campaign's default
10 designs kept (`--top 10` for the separate runs). Three ways, all warm (index built, kernels
compiled, index pages read once before):

(a) separate `taleforge design GENE --top 10` processes, one per target (the first
    --separate targets, extrapolated to all);
(b) one `taleforge campaign run` (serial; shared genome passes);
(c) one `taleforge campaign run --workers 2` (a 2-worker LocalCluster).

The (a) designs are compared with the campaign's files (same body rows). Writes
benchmarks/results/campaign_25.md as each part finishes; timings are wall-clock on this
machine with the load average (1 min) recorded at the start and the end of each figure:
other jobs share the two cores, so figures are upper bounds. Never asserted.

The genome: if absent, make it (about 40 s + the index, 40 s) with::

    python -c "from benchmarks.synthetic import make_synthetic_fasta; \\
        make_synthetic_fasta('/tmp/taleforge-bench/synthetic_3.1gb.fa', 3_100_000_000, seed=1)"
    taleforge info --genome /tmp/taleforge-bench/synthetic_3.1gb.fa   # or any command: builds the index
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "campaign_25.md"
DEFAULT_GENOME = "/tmp/taleforge-bench/synthetic_3.1gb.fa"
EXONS = (200, 300, 200)
INTRON = 1000


def load() -> float:
    return os.getloadavg()[0]


def plant_genes(genome: str, n: int, gtf: Path) -> list[str]:
    """Write ``n`` three-exon coding genes (GENE01...) as a GTF; positions free of N."""
    from taleforge.genome.index import open_genome

    g = open_genome(genome, rebuild="never")
    span = sum(EXONS) + INTRON * (len(EXONS) - 1)
    rows: list[str] = []
    names: list[str] = []
    for i in range(n):
        contig = g.contig_names[i % len(g.contig_names)]
        clen = g.packed.contig_length(contig)
        start = (clen // 3 + 1_000_003 * (i // len(g.contig_names))) // 1000 * 1000
        while "N" in g.fetch(contig, start, start + span).upper():
            start += 100_000
        name = f"GENE{i + 1:02d}"
        names.append(name)
        attrs = (f'gene_id "{name}"; transcript_id "{name}.1"; gene_name "{name}"; '
                 'gene_type "protein_coding"; transcript_type "protein_coding";')
        rows.append(f"{contig}\tbench\tgene\t{start + 1}\t{start + span}\t.\t+\t.\t{attrs}")
        rows.append(f"{contig}\tbench\ttranscript\t{start + 1}\t{start + span}\t.\t+\t.\t{attrs}")
        pos = start
        for k, ln in enumerate(EXONS):
            for feat in ("exon", "CDS"):
                rows.append(f"{contig}\tbench\t{feat}\t{pos + 1}\t{pos + ln}\t.\t+\t.\t{attrs} "
                            f"exon_number {k + 1};")
            pos += ln + INTRON
    gtf.write_text("\n".join(rows) + "\n")
    return names


def taleforge(*args: str, log: Path | None = None) -> tuple[float, float, float]:
    """Run the CLI; (wall s, load before, load after)."""
    l0 = load()
    t0 = time.perf_counter()
    with open(log or os.devnull, "a") as fh:
        proc = subprocess.run([str(Path(sys.executable).with_name("taleforge")), *args], stdout=fh, stderr=fh)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0,):
        raise SystemExit(f"taleforge {' '.join(args)} failed (exit {proc.returncode}); see {log}")
    return wall, l0, load()


def body(path: Path) -> list[str]:
    return [ln for ln in path.read_text().splitlines() if not ln.startswith("#")]


def campaign_log(folder: Path) -> dict[str, list[float]]:
    """Per-task seconds from campaign.log: targets (plan + files) and scan passes/tasks."""
    out: dict[str, list[float]] = {"target": [], "scan": [], "planned": []}
    for ln in (folder / "campaign.log").read_text().splitlines():
        f = ln.split("\t")
        if len(f) >= 4 and f[2] == "planned":
            out["planned"].append(float(f[3].split()[0]))
            continue
        m = re.search(r"([\d.]+) s$", ln)
        if not m:
            continue
        s = float(m.group(1))
        if "shared scan" in ln:
            out["scan"].append(s)
        elif len(f) >= 4 and f[2] == "done":
            out["target"].append(s)
    return out


PROFILE = """
import json, sys, time
t0 = time.perf_counter()
from taleforge.campaign import plan_target, shared_scan, target_outcome
from taleforge.cli import _register
_register()
t_import = time.perf_counter() - t0
from taleforge.genome.index import open_genome
t = time.perf_counter(); g = open_genome(sys.argv[1], rebuild="never"); t_open = time.perf_counter() - t
from taleforge.campaign import _annotation
t = time.perf_counter(); _annotation(sys.argv[2]); t_ann = time.perf_counter() - t
task = json.loads(sys.argv[3])
t = time.perf_counter(); plan = plan_target(task, g); t_plan = time.perf_counter() - t
t_scan = 0.0; n = 0
while not plan.done:
    pend = plan.pending(); n += len(pend)
    t = time.perf_counter(); sums = shared_scan(plan.spec_genome, pend, plan.spec_kwargs, 64)
    t_scan += time.perf_counter() - t
    plan.feed(sums)
t = time.perf_counter(); res = plan.result(); t_rec = time.perf_counter() - t
t = time.perf_counter(); out = target_outcome(task, res, g); t_files = time.perf_counter() - t
print(json.dumps({"import": t_import, "open": t_open, "annotation": t_ann, "plan": t_plan,
                  "scan": t_scan, "pairs": n, "records": t_rec, "files": t_files}))
"""


def profile(genome: str, gtf: Path, name: str) -> dict[str, float]:
    """One target's time split, in a fresh process (what each separate run pays)."""
    import json

    from taleforge.campaign import read_targets

    t = gtf.with_name("profile.tsv")
    t.write_text(f"id\tjob\ttarget\toptions\n{name.lower()}\tknockout\t{name}\t--annotation {gtf}\n")
    r = read_targets(t)[0]
    task = {"id": r.id, "job": r.job, "target": r.target, "options": r.options, "resolved": r.resolved}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", PROFILE, genome, str(gtf), json.dumps(task)],
                          capture_output=True, text=True, check=True)
    d: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    d["process"] = time.perf_counter() - t0
    return d


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--genome", default=DEFAULT_GENOME)
    ap.add_argument("--work", default="/tmp/taleforge-bench/campaign25")
    ap.add_argument("--separate", type=int, default=5)
    ap.add_argument("--targets", type=int, default=25)
    ap.add_argument("--dask-targets", type=int, default=None)
    ap.add_argument("--parts", default="p,a,b,c", help="p: one target's time split; a, b, c: as above")
    ap.add_argument("--results", default=str(RESULTS), help="the Markdown file written")
    ap.add_argument("--reuse-a", action="store_true",
                    help="keep --work and take (a) from its a_walls.json (an earlier --parts a run)")
    args = ap.parse_args()
    genome = Path(args.genome)
    if not genome.exists() or not Path(str(genome) + ".tfidx").is_dir():
        sys.exit(f"{genome} (and its .tfidx index) not found; make it as the docstring says:\n"
                 "  python -c \"from benchmarks.synthetic import make_synthetic_fasta; "
                 f"make_synthetic_fasta('{genome}', 3_100_000_000, seed=1)\"\n"
                 f"  taleforge design --genome {genome} --region chr1:1000000-1001000 "
                 "--no-specificity   # builds the index")
    parts = set(args.parts.split(","))
    work = Path(args.work)
    if not args.reuse_a:
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    gtf = work / "genes.gtf"
    names = plant_genes(str(genome), max(args.targets, args.separate), gtf)
    from taleforge.genome.index import open_genome

    genome_bp = open_genome(str(genome), rebuild="never").genome_size
    dask_n = args.dask_targets or args.targets

    def targets_file(n: int) -> Path:
        t = work / f"targets_{n}.tsv"
        t.write_text("id\tjob\ttarget\toptions\n" + "".join(
            f"{nm.lower()}\tknockout\t{nm}\t--annotation {gtf}\n" for nm in names[:n]))
        return t

    # warm: the numba kernels of a 3.1-Gb knockout scan (one design with default specificity
    # on this genome compiles them into the cache after a code change; the built-in chrM
    # scans use the numpy reference and compile nothing) and the index pages
    taleforge("design", "--genome", str(genome), "--region", "chr1:1000000-1001000", "--top",
              "1", "--out", str(work / "warm.tsv"), log=work / "warm.log")
    for f in sorted(Path(str(genome) + ".tfidx").iterdir()):
        with open(f, "rb") as fh:
            while fh.read(1 << 24):
                pass
    lines = [
        "# Campaign: 25 knockout targets on the synthetic 3.1-Gb genome (benchmarks/campaign_25.py)",
        "",
        f"Genome {genome} ({genome_bp / 1e9:.2f} Gb, memory-mapped index, warm); {len(names)} three-exon genes planted "
        "as a GTF (exons 200/300/200 bp, 1-kb introns); knockout rows with default specificity "
        "(positional model, score-defined search; shortlist rounds of 20 candidates while fewer "
        "than 10 are clean, up to 100), 10 designs "
        f"kept. Machine: {platform.machine()}, {os.cpu_count()} CPUs, shared with other jobs "
        "(load average, 1 min, at start -> end of each figure).",
        "",
        "| run | targets | wall s | s per target | load |",
        "|---|---|---|---|---|",
    ]

    prof_tail: list[str] = []

    def write(extra: list[str] | None = None) -> None:
        Path(args.results).write_text("\n".join(lines + (extra or []) + prof_tail) + "\n")

    per_a = None
    a_json = work / "a_walls.json"
    if args.reuse_a and a_json.exists():
        prev = json.loads(a_json.read_text())
        lines.extend(prev["lines"])
        per_a = sum(prev["walls"]) / len(prev["walls"])
        if (work / "p_tail.json").exists() and "p" not in parts:
            prof_tail[:] = json.loads((work / "p_tail.json").read_text())
    if "p" in parts:
        l0 = load()
        d = profile(str(genome), gtf, names[1])
        tail = [
            "", f"One target ({names[1]}) in a fresh process, split (load {l0:.1f} -> {load():.1f}):", "",
            "| step | s |", "|---|---|",
            f"| interpreter + imports (taleforge, CLI registry) | {d['import']:.2f} |",
            f"| open the genome index | {d['open']:.2f} |",
            f"| load the annotation | {d['annotation']:.2f} |",
            f"| plan: target, enumeration, filters, on-target ranking | {d['plan']:.2f} |",
            f"| specificity scan ({int(d['pairs'])} pairs) | {d['scan']:.2f} |",
            f"| records (result: rules, annotation of designs) | {d['records']:.2f} |",
            f"| files (TSV/JSON/BED/GFF3 + HTML report) | {d['files']:.2f} |",
            f"| whole process | {d['process']:.2f} |",
        ]
        prof_tail[:] = tail
        (work / "p_tail.json").write_text(json.dumps(tail))
        write()
    if "a" in parts:
        walls = []
        for nm in names[: args.separate]:
            w, l0, l1 = taleforge("design", "--genome", str(genome), "--annotation", str(gtf), nm,
                                  "--top", "10", "--out", str(work / f"sep_{nm}.tsv"),
                                  log=work / "separate.log")
            walls.append(w)
            lines.append(f"| (a) taleforge design {nm} | 1 | {w:.1f} | {w:.1f} | {l0:.1f} -> {l1:.1f} |")
            write()
        per_a = sum(walls) / len(walls)
        lines.append(f"| (a) extrapolated: {args.targets} separate runs | {args.targets} | "
                     f"{per_a * args.targets:.0f} | {per_a:.1f} | |")
        a_json.write_text(json.dumps({"walls": walls, "lines": [ln for ln in lines if ln.startswith("| (a)")]}))
        write()
    for part, n, extra in (("b", args.targets, []), ("c", dask_n, ["--workers", "2"])):
        if part not in parts:
            continue
        out = work / f"campaign_{part}"
        w, l0, l1 = taleforge("campaign", "run", str(targets_file(n)), "--genome", str(genome),
                              "--out", str(out), *extra, log=work / f"campaign_{part}.log")
        what = "one campaign, serial" if part == "b" else "one campaign, --workers 2 (LocalCluster)"
        lines.append(f"| ({part}) {what} | {n} | {w:.1f} | {w / n:.1f} | {l0:.1f} -> {l1:.1f} |")
        t = campaign_log(out)
        lines.append(f"|   ({part}) per task: {len(t['scan'])} scan passes/tasks "
                     f"{sum(t['scan']):.0f} s (max {max(t['scan'], default=0):.1f}); "
                     f"plan {sum(t['planned']):.1f} s; per-target plan+files "
                     f"{sum(t['target']):.1f} s | | | | |")
        if part == "b" and per_a is not None:
            lines.append(f"|   (b) speed-up vs (a) extrapolated | | | "
                         f"{per_a * n / w:.2f}x | |")
            same = all(body(work / f"sep_{nm}.tsv") == body(out / "targets" / nm.lower() / "designs.tsv")
                       for nm in names[: args.separate])
            lines.append(f"|   (a) designs equal the campaign's ({args.separate} targets) | | | "
                         f"{'yes' if same else 'NO'} | |")
        write()
    write()
    print(Path(args.results).read_text())


if __name__ == "__main__":
    main()

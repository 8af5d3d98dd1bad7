"""How many of TALENoffer's top-20 pairs are in taleforge's positional-model top 100 (issue 8).

    python benchmarks/bench_talenoffer_overlap.py      # writes benchmarks/results/talenoffer_overlap.md

For each pair (Y1, Y2, E1, NN1 from ../shared/reference/queries.tsv) and genome (yeast; the
chr22 20-21 Mb region of GRCh37), TALENoffer's list is ``talenoffer_<pair>_<genome>_sp1530.txt``
(spacer 15-30, hetero- and homodimers, TALgetter specificities, sorted by its Score, best first).
taleforge: ``find_offtargets(genome, L, R, model="positional", spacer 15-30,
max_mismatches=None (score-bounded search), pos0_bases=None (position 0 scored softly, as
TALENoffer does), max_records=None)``, ranked by the combined pair score (the mean of the two
monomer scores, higher is better), ties broken by position. Keys as in the reference README:
TALENoffer ``(ID, arch1, Position 1 + 1, arch2, Position 2 + len(arch2 array) - 1)`` =
taleforge ``(contig, up_role, up_start, down_role, down_end - 1)``.

Also reported: how many of the top 20 taleforge finds at all (any rank), how many of them
have a non-T position 0 (TALE-NT's filter would drop them), how many are TALE-NT hits at 3.0
(T0 filter) and the on-target's rank in both lists.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAIRS = ("Y1", "Y2", "E1", "NN1")
GENOMES = ("yeast", "chr22")
TOP_THEIRS = 20
TOP_OURS = 100


RELAXED = (0.5, 0.7, 0.9, 1.1, 1.3)


def _ranked(res: object) -> list[tuple[str, str, int, str, int]]:
    """Pair keys by combined score (mean of the monomer scores, higher first), then position."""
    from tests import talent_ref as tr

    pc = res.pair_columns  # type: ignore[attr-defined]
    comb = (np.asarray(pc.up_score) + np.asarray(pc.down_score)) / 2.0
    order = np.lexsort((np.asarray(pc.down_end), np.asarray(pc.up_start), np.asarray(pc.contig), -comb))
    return [tr.pair_keys_row(pc, int(i)) for i in order]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "talenoffer_overlap.md")
    ap.add_argument("--top-theirs", type=int, default=TOP_THEIRS)
    ap.add_argument("--top-ours", type=int, default=TOP_OURS)
    a = ap.parse_args()

    from tests import talent_ref as tr

    from taleforge.design.offtarget import find_offtargets
    from taleforge.genome.index import open_genome
    from taleforge.scoring.base import get_model

    queries = tr.load_queries()
    work = Path(tempfile.mkdtemp(prefix="talenoffer-overlap-"))
    rows = []
    detail: list[str] = []
    for gname in GENOMES:
        src = tr.GENOMES[gname]
        dest = work / src.name
        shutil.copyfile(src, dest)  # index in a temp folder, never beside ../shared
        g = open_genome(dest, cache_dir=work / "cache")
        for pid in PAIRS:
            q = queries[pid]
            lens = {"L": len(q.left), "R": len(q.right)}
            theirs_all = tr.parse_talenoffer(tr.REFERENCE / f"talenoffer_{pid}_{gname}_sp1530.txt")
            theirs = theirs_all[: a.top_theirs]
            tkeys = [r.key(lens[r.up_role], lens[r.down_role]) for r in theirs]
            t = time.perf_counter()
            res = find_offtargets(g, q.left, q.right, model="positional", spacer_min=15, spacer_max=30,
                                  max_mismatches=None, pos0_bases=None, max_records=None)
            dt = time.perf_counter() - t
            ranked = _ranked(res)
            rank = {k: i + 1 for i, k in enumerate(ranked)}
            top = set(ranked[: a.top_ours])
            in_top = sum(k in top for k in tkeys)
            found = sum(k in rank for k in tkeys)
            non_t = sum(r.seq1[0] != "T" or r.seq2[0] != "T" for r in theirs)
            # diagnostic: the same ranking with the threshold relaxed until >= top-ours pairs pass
            # (separates the uncalibrated threshold from the ranking)
            relaxed = (None, 0, 0)
            base = get_model("positional")
            for margin in RELAXED:
                mdl = type(base)(base.params.override({"cut_margin": margin}))
                rr = find_offtargets(g, q.left, q.right, model=mdl, spacer_min=15, spacer_max=30,
                                     max_mismatches=None, pos0_bases=None, max_records=None)
                rk = _ranked(rr)
                if len(rk) >= a.top_ours or margin == RELAXED[-1]:
                    rtop = set(rk[: a.top_ours])
                    relaxed = (margin, len(rk), sum(k in rtop for k in tkeys))
                    break
            tnt = tr.taleforge_talent(g, q.left, q.right, 3.0)
            tnt_keys = set(tr.pair_keys(tnt))
            in_tnt = sum(k in tnt_keys for k in tkeys)
            on = (q.contig, "L", q.tal1_start, "R", q.tal2_start)
            their_on = next((i + 1 for i, k in enumerate(
                r.key(lens[r.up_role], lens[r.down_role]) for r in theirs_all) if k == on), None)
            rows.append((pid, gname, len(theirs_all), len(theirs), in_top, found, non_t, in_tnt,
                         len(ranked), their_on, rank.get(on), dt, *relaxed))
            missing = [(i + 1, k, rank.get(k)) for i, k in enumerate(tkeys) if k not in top]
            if missing:
                detail.append(f"- {pid} {gname}: " + "; ".join(
                    f"#{i} {k[1]}/{k[3]} {k[0]}:{k[2]} -> "
                    + (f"our rank {r}" if r else "not a positional hit")
                    for i, k, r in missing[:8]) + (" ..." if len(missing) > 8 else ""))
            print(rows[-1], flush=True)

    lines = [
        "# TALENoffer top-20 vs taleforge positional top 100",
        "",
        "`python benchmarks/bench_talenoffer_overlap.py`. TALENoffer lists: `../shared/reference/"
        "talenoffer_<pair>_<genome>_sp1530.txt` (spacer 15-30, TALgetter specificities, no position-0 "
        "filter, sorted by its Score). taleforge: positional model, score-bounded search, spacer 15-30, "
        "position 0 scored softly (`pos0_bases=None`), every pair kept, ranked by the combined pair score.",
        "",
        f"| pair | genome | TALENoffer pairs | top-{a.top_theirs} used | in our top {a.top_ours} | "
        "found by us (any rank) | with non-T position 0 | TALE-NT 3.0 hits (T0) | our positional pairs | "
        "on-target rank TALENoffer / ours | our search (s) | relaxed margin: pairs, in top "
        f"{a.top_ours} |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for pid, gname, n_all, n, top, found, non_t, in_tnt, ours, r_t, r_o, dt, rm, rn, rtop in rows:
        lines.append(f"| {pid} | {gname} | {n_all} | {n} | **{top}** / {n} | {found} | {non_t} | {in_tnt} | "
                     f"{ours:,} | {r_t or '-'} / {r_o or '-'} | {dt:.1f} | {rm}: {rn:,}, {rtop} / {n} |")
    tot = sum(r[4] for r in rows)
    n_used = sum(r[3] for r in rows)
    rtot = sum(r[14] for r in rows)
    n_ours = [r[8] for r in rows]
    non_t = sum(r[6] for r in rows)
    lines += ["", f"Total: **{tot} of {n_used}** TALENoffer top-{a.top_theirs} pairs are in our top "
              f"{a.top_ours} at the default threshold; {rtot} of {n_used} with the threshold relaxed "
              "(last column: the smallest `cut_margin` of "
              f"{', '.join(str(m) for m in RELAXED)} nats/position giving >= {a.top_ours} pairs).", "",
              "## What the differences are due to", "",
              "- **Threshold (the main cause).** The positional model calls a site a hit when its score is "
              "within `cut_margin` = 0.35 nats per position of the best possible score, a placeholder [U] "
              "that is not calibrated against cutting data or against TALENoffer (run with `filter=0.4`). "
              "It is far stricter than TALENoffer's filter and than TALE-NT's "
              f"3·B: the score-bounded search returns only {min(n_ours)}-{max(n_ours)} pairs per case here (the "
              "on-target where the genome has it), so the \"top 100\" is that list and nearly every "
              "TALENoffer pair falls below our threshold (\"found by us\" counts them at any rank).",
              "- **Ranking, with the threshold out of the way.** Relaxing the margin until at least "
              f"{a.top_ours} pairs pass puts {rtot} of the {n_used} TALENoffer pairs in our top {a.top_ours}: "
              "the two models agree on the strongest sites but not on their order. TALENoffer scores with "
              "TALgetter's learned specificities and importances for every RVD and ranks pairs by a "
              "log-probability of the whole pair; our positional model uses TALgetter's published "
              "specificities only for NN, NK, NH and HD and its importances only for HD, NN, NI, NG and NK "
              "(the rest from the TALE-NT counts with a pseudocount, and placeholder importances), adds a "
              "linear N- to C-terminal polarity weight (Juillerat 2014; placeholder values), and "
              "ranks a pair by the mean of the two monomers' per-position scores.",
              f"- **Position 0.** TALENoffer does not require T: {non_t} of the {n_used} top pairs have a "
              "non-T position-0 base on one side (they are absent from TALE-NT's list, which filters on T). "
              "Both tools score position 0 softly here, with different weights (ours: P(T) = 0.83, "
              "P(C) = 0.10, weight 1).",
              f"- **TALE-NT for comparison.** {sum(r[7] for r in rows)} of the {n_used} TALENoffer pairs are "
              "TALE-NT 3.0 hits (3·B, T at position 0); the T filter alone excludes the non-T ones, and "
              "TALE-NT's NN-tolerant counts admit sites TALgetter ranks lower (and the reverse).",
              ""]
    if detail:
        lines += ["TALENoffer top-20 pairs outside our top 100 (TALENoffer rank, orientation, position):", ""]
        lines += detail
    text = "\n".join(lines) + "\n"
    print(text)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

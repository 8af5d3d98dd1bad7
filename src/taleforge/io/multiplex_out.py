"""Render a :class:`~taleforge.design.multiplex.MultiplexResult`: TSV (sets, cross-talk
pairs, cross-talk matrix, junctions with primers), JSON (with the design core's provenance),
FASTA (junctions, their products and the wild-type amplicons), BED/GFF3 (cuts, cross pairs,
primers) and GenBank (knock-in donors). Deterministic: fixed column order, sorted keys.

Coordinates: TSV/JSON/GFF3 1-based inclusive; BED 0-based half-open.
"""

from __future__ import annotations

from typing import Any

from taleforge import __version__
from taleforge.design.multiplex import (
    Assay,
    Junction,
    KnockinCheck,
    MultiplexResult,
    Piece,
    SetChoice,
)
from taleforge.io.tables import to_json, to_tsv

#: file names inside the ``--out`` folder
FILES = {
    "json": "multiplex.json",
    "sets": "sets.tsv",
    "crosstalk": "crosstalk.tsv",
    "matrix": "crosstalk_matrix.tsv",
    "junctions": "junctions.tsv",
    "fasta": "junctions.fa",
    "bed": "multiplex.bed",
    "gff3": "multiplex.gff3",
}


def header_lines(res: MultiplexResult) -> list[str]:
    g = res.genome_info
    return [
        f"taleforge {__version__} multiplex set",
        f"genome: {g.get('name')} sha256:{str(g.get('sha256') or '')[:16]}",
        "loci: " + ", ".join(f"{loc.name} ({loc.kind})" for loc in res.loci),
        f"FokI: {res.params.fok1_key()}; coordinates: 1-based inclusive; cut = spacer centre, "
        "junctions joined blunt at the cut",
        *(f"note: {n}" for n in res.notes),
        *(f"warning: {w}" for w in res.warnings),
    ]


# ------------------------------------------------------------------------------ sets

SET_COLUMNS = ("set_rank", "score", "passes", "cross_pairs", "close_cross_pairs",
               "blocked_by_fok1", "fok1_assignment", "designs", "terms")


def set_row(res: MultiplexResult, s: SetChoice) -> dict[str, Any]:
    c = res.candidates
    assign = next((r.value for r in s.rules if r.rule == "fok1_assignment"), None)
    return {
        "set_rank": s.rank,
        "score": round(s.score, 4),
        "passes": s.passes,
        "cross_pairs": s.n_cross,
        "close_cross_pairs": s.n_close,
        "blocked_by_fok1": s.n_blocked,
        "fok1_assignment": assign,
        "designs": "; ".join(_pick_label(c[i][k]) for i, k in enumerate(s.picks)),
        "terms": "; ".join(f"{r.rule} {r.score:+.3f}" for r in s.rules if r.kind == "score"),
    }


def _pick_label(c: Any) -> str:
    return f"{c.label} {c.pair.pair_id()}" if c.pair is not None else str(c.label)


def sets_tsv(res: MultiplexResult) -> str:
    rows = [set_row(res, s) for s in (res.chosen, *res.runners_up)]
    return to_tsv(rows, SET_COLUMNS, header_lines(res))


DESIGN_COLUMNS = ("locus", "kind", "design", "pair_id", "contig", "left_start", "left_end",
                  "left_rvds", "left_fok1", "spacer_len", "right_start", "right_end",
                  "right_rvds", "right_fok1", "cut", "locus_score")


def design_rows(res: MultiplexResult) -> list[dict[str, Any]]:
    out = []
    tl = {t.name: t for t in res.tales}
    for loc, d in zip(res.loci, res.designs, strict=True):
        pr = d.pair
        out.append({
            "locus": d.locus, "kind": loc.kind, "design": d.rank,
            "pair_id": pr.pair_id() if pr else None,
            "contig": pr.contig if pr else None,
            "left_start": pr.left.bound.start + 1 if pr else None,
            "left_end": pr.left.bound.end if pr else None,
            "left_rvds": " ".join(d.left_rvds), "left_fok1": tl[f"{d.locus}-L"].fok1,
            "spacer_len": len(pr.spacer) if pr else None,
            "right_start": pr.right.bound.start + 1 if pr else None,
            "right_end": pr.right.bound.end if pr else None,
            "right_rvds": " ".join(d.right_rvds), "right_fok1": tl[f"{d.locus}-R"].fok1,
            "cut": pr.cut + 1 if pr else None, "locus_score": round(d.score, 4),
        })
    return out


# ------------------------------------------------------------------------------ cross-talk

CROSS_COLUMNS = ("kind", "upstream_tale", "downstream_tale", "contig", "up_start", "up_end",
                 "spacer_bp", "down_start", "down_end", "cut", "up_mismatches",
                 "down_mismatches", "total_mismatches", "fok1_active", "expected_cut",
                 "location", "nearest_gene", "gene_distance")


def crosstalk_tsv(res: MultiplexResult) -> str:
    return to_tsv([cp.as_dict() for cp in res.cross_pairs], CROSS_COLUMNS, header_lines(res))


def cell_text(cell: tuple[int, int, int | None]) -> str:
    """``3 (1 mm)``: 3 pairs can cut, the closest with 1 mismatch; ``blocked 2``: only
    pairs the obligate-heterodimer FokI prevents; ``.``: none."""
    n, b, m = cell
    if n:
        return f"{n} ({m} mm)"
    if b:
        return f"blocked {b}"
    return "."


def matrix_tsv(res: MultiplexResult) -> str:
    names, cells = res.matrix()
    head = [*header_lines(res),
            "cells: pairs the two TALEs form genome-wide that can cut (fewest total "
            "mismatches), either upstream; diagonal = homodimers; on-targets excluded"]
    rows = [{"tale": n, **{m: cell_text(c) for m, c in zip(names, row, strict=True)}}
            for n, row in zip(names, cells, strict=True)]
    return to_tsv(rows, ["tale", *names], head)


# ------------------------------------------------------------------------------ junctions

JUNCTION_COLUMNS = ("assay", "kind", "cut_a", "cut_b", "left_piece", "right_piece",
                    "excised_bp", "junction_bp", "break_at", "forward", "reverse",
                    "forward_tm_c", "reverse_tm_c", "forward_genome", "reverse_genome",
                    "product_bp", "primers_unique", "wild_type_a", "wild_type_b", "note")


def _map(piece: Piece, i0: int, i1: int, offset: int) -> tuple[int, int]:
    """Genome interval of template indices [i0, i1) that lie in ``piece`` (which starts at
    template index ``offset``)."""
    a, b = i0 - offset, i1 - offset
    if piece.strand == "+":
        return piece.start + a, piece.start + b
    return piece.end - b, piece.end - a


def primer_loci(j: Junction) -> tuple[tuple[str, int, int, str], tuple[str, int, int, str]] | None:
    """Genome loci (contig, start, end, strand) of the forward and reverse primer."""
    pp = j.assay.primers
    if pp is None:
        return None
    fs, fe = _map(j.left, pp.left_start, pp.left_start + len(pp.left_seq), 0)
    rs, re_ = _map(j.right, pp.right_end - len(pp.right_seq), pp.right_end, j.break_at)
    return ((j.left.contig, fs, fe, j.left.strand),
            (j.right.contig, rs, re_, "-" if j.right.strand == "+" else "+"))


def _wt_loci(res: MultiplexResult, i: int) -> tuple[tuple[str, int, int, str], ...]:
    a, c = res.wild_type[i], res.cuts[i]
    pp = a.primers
    if pp is None:
        return ()
    f = c.pos - _wt_left_len(res, i)
    return ((c.contig, f + pp.left_start, f + pp.left_start + len(pp.left_seq), "+"),
            (c.contig, f + pp.right_end - len(pp.right_seq), f + pp.right_end, "-"))


def _wt_left_len(res: MultiplexResult, i: int) -> int:
    c = res.cuts[i]
    f = int(res.params.table["junction_flank_bp"])
    return min(f, c.pos)


def _loc_text(loc: tuple[str, int, int, str]) -> str:
    return f"{loc[0]}:{loc[1] + 1}-{loc[2]}({loc[3]})"


def _assay_cols(a: Assay) -> dict[str, Any]:
    pp = a.primers
    return {
        "forward": pp.left_seq if pp else None, "reverse": pp.right_seq if pp else None,
        "forward_tm_c": round(pp.left_tm, 2) if pp else None,
        "reverse_tm_c": round(pp.right_tm, 2) if pp else None,
        "product_bp": pp.product_bp if pp else None,
        "primers_unique": a.unique, "note": a.note or None,
    }


def junction_rows(res: MultiplexResult) -> list[dict[str, Any]]:
    wt_name = {c.name: res.wild_type[i].name for i, c in enumerate(res.cuts)}
    rows = []
    for i, (c, a) in enumerate(zip(res.cuts, res.wild_type, strict=True)):
        loci = _wt_loci(res, i)
        rows.append({
            "assay": a.name, "kind": "wild-type", "cut_a": c.name,
            "left_piece": f"{c.contig}:{c.pos - _wt_left_len(res, i) + 1}-{c.pos}(+)",
            "right_piece": f"{c.contig}:{c.pos + 1}-{c.pos + len(a.template) - _wt_left_len(res, i)}(+)",
            "junction_bp": len(a.template), "break_at": _wt_left_len(res, i),
            "forward_genome": _loc_text(loci[0]) if loci else None,
            "reverse_genome": _loc_text(loci[1]) if loci else None,
            **_assay_cols(a),
        })
    for j in res.junctions:
        loci2 = primer_loci(j)
        rows.append({
            "assay": j.name, "kind": j.kind, "cut_a": j.cut_a, "cut_b": j.cut_b,
            "left_piece": j.left.label(), "right_piece": j.right.label(),
            "excised_bp": j.excised_bp, "junction_bp": len(j.seq), "break_at": j.break_at,
            "forward_genome": _loc_text(loci2[0]) if loci2 else None,
            "reverse_genome": _loc_text(loci2[1]) if loci2 else None,
            "wild_type_a": wt_name.get(j.cut_a), "wild_type_b": wt_name.get(j.cut_b),
            **_assay_cols(j.assay),
        })
    return rows


def junctions_tsv(res: MultiplexResult) -> str:
    head = [*header_lines(res),
            "junction = left piece + right piece joined blunt at the cut; pieces read 5'->3' "
            "as joined ('-' = reverse complement); break_at = bp of the left piece"]
    return to_tsv(junction_rows(res), JUNCTION_COLUMNS, head)


def _fasta(name: str, seq: str, width: int = 60) -> str:
    lines = [f">{name}"]
    lines += [seq[i : i + width] for i in range(0, len(seq), width)] or [""]
    return "\n".join(lines) + "\n"


def junctions_fasta(res: MultiplexResult) -> str:
    out = []
    for a in res.wild_type:
        out.append(_fasta(a.name.replace(" ", "_") + " wild-type_window", a.template))
        if a.primers is not None:
            out.append(_fasta(a.name.replace(" ", "_") + "|amplicon "
                              f"{a.primers.product_bp}bp", a.product))
    for j in res.junctions:
        nm = j.name.replace(" ", "_")
        out.append(_fasta(f"{nm} {j.left.label()}+{j.right.label()} break_at={j.break_at}",
                          j.seq))
        if j.assay.primers is not None:
            out.append(_fasta(f"{nm}|amplicon {j.assay.primers.product_bp}bp", j.assay.product))
    for k in res.knockins:
        out.append(_fasta(f"donor_{k.locus} {k.cargo} {len(k.donor)}bp", k.donor))
    return "".join(out)


# ------------------------------------------------------------------------------ tracks


def features(res: MultiplexResult) -> list[tuple[str, int, int, str, str, str]]:
    """(contig, start, end, strand, type, name) of every cut, cross pair, design and primer."""
    f: list[tuple[str, int, int, str, str, str]] = []
    for d in res.designs:
        if d.pair is not None:
            p = d.pair
            f.append((p.contig, p.left.pos0, p.right.pos0 + 1, ".", "TALEN_pair",
                      f"{d.locus}_{p.pair_id()}"))
    for c in res.cuts:
        f.append((c.contig, c.pos - 1, c.pos + 1, ".", "cut", f"cut_{c.name}"))
    for cp in res.cross_pairs:
        f.append((cp.contig, cp.up_start, cp.down_end, ".",
                  "cross_pair" if cp.kind == "cross" else "offtarget_pair",
                  f"{cp.up}/{cp.down}_{cp.total_mismatches}mm"
                  + ("" if cp.fok1_active else "_blocked")))
    for i, a in enumerate(res.wild_type):
        for loc, side in zip(_wt_loci(res, i), ("F", "R"), strict=False):
            f.append((loc[0], loc[1], loc[2], loc[3], "primer",
                      f"{a.name.replace(' ', '_')}_{side}"))
    for j in res.junctions:
        loci = primer_loci(j)
        if loci:
            for loc, side in zip(loci, ("F", "R"), strict=True):
                f.append((loc[0], loc[1], loc[2], loc[3], "primer",
                          f"{j.name.replace(' ', '_')}_{side}"))
    return sorted(set(f), key=lambda x: (x[0], x[1], x[2], x[4], x[5]))


def to_bed_text(res: MultiplexResult) -> str:
    out = ['track name="taleforge multiplex" description="cuts, cross pairs, primers"']
    for c, s, e, st, _t, nm in features(res):
        out.append(f"{c}\t{s}\t{e}\t{nm}\t0\t{st}")
    return "\n".join(out) + "\n"


def to_gff3_text(res: MultiplexResult) -> str:
    out = ["##gff-version 3"]
    for i, (c, s, e, st, t, nm) in enumerate(features(res), start=1):
        out.append(f"{c}\ttaleforge\t{t}\t{s + 1}\t{e}\t.\t{st}\t.\tID=mx{i};Name={nm}")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------ JSON


def _set_dict(res: MultiplexResult, s: SetChoice) -> dict[str, Any]:
    return {**set_row(res, s), "rules": [r.as_dict() for r in s.rules],
            "picks": [res.candidates[i][k].label for i, k in enumerate(s.picks)],
            "explanation": s.explain(res.candidates)}


def _knockin_dict(k: KnockinCheck) -> dict[str, Any]:
    return {
        "locus": k.locus, "cargo": k.cargo, "contig": k.contig,
        "insertion_between": [k.insertion, k.insertion + 1], "donor_bp": len(k.donor),
        "left_arm": [k.left_arm[0] + 1, k.left_arm[1]],
        "insert": [k.insert[0] + 1, k.insert[1]],
        "right_arm": [k.right_arm[0] + 1, k.right_arm[1]],
        "insert_reverse_complemented": k.insert_reversed, "clean": k.clean,
        "pairs_in_donor": [{"upstream_tale": u, "downstream_tale": d, "start": s + 1,
                            "end": e, "total_mismatches": m} for u, d, s, e, m in k.pairs],
        "half_sites_in_donor": [{"tale": h.tale, "region": h.region, "start": h.start + 1,
                                 "end": h.end, "strand": h.strand, "mismatches": h.mismatches,
                                 "expected": h.expected} for h in k.half_sites],
        "junction_primers": [
            {"junction": nm, "forward": pp.left_seq, "reverse": pp.right_seq,
             "forward_tm_c": round(pp.left_tm, 2), "reverse_tm_c": round(pp.right_tm, 2),
             "product_bp": pp.product_bp,
             "note": "one primer outside the homology arm, one in the insert: amplifies only "
             "the integrated allele (not the donor); + strand of the genome"}
            for nm, pp, _t in k.junction_primers],
        "notes": list(k.notes),
    }


def to_json_text(res: MultiplexResult, *, command: str | None = None) -> str:
    names, cells = res.matrix()
    return to_json({
        **res.json_header(command),
        "coordinates": "1-based inclusive; cut = spacer centre (blunt join)",
        "parameters": res.params.as_dict(),
        "loci": [loc.as_dict() for loc in res.loci],
        "candidates": {loc.name: [{"rank": c.rank, "pair_id": c.pair.pair_id() if c.pair else None,
                                   "score": round(c.score, 6)} for c in cl]
                       for loc, cl in zip(res.loci, res.candidates, strict=True)},
        "n_sets_searched": res.n_sets,
        "chosen": _set_dict(res, res.chosen),
        "runners_up": [_set_dict(res, s) for s in res.runners_up],
        "designs": design_rows(res),
        "tales": [{"name": t.name, "locus": t.locus, "role": t.role, "rvds": " ".join(t.rvds),
                   "fok1": t.fok1} for t in res.tales],
        "crosstalk_matrix": {"tales": names,
                             "cells": [[{"can_cut": c[0], "blocked": c[1], "min_mismatches": c[2]}
                                        for c in row] for row in cells]},
        "cross_pairs": [cp.as_dict() for cp in res.cross_pairs],
        "cuts": [{"name": c.name, "kind": c.kind, "contig": c.contig,
                  "between": [c.pos, c.pos + 1], "locus": c.locus} for c in res.cuts],
        "assays": junction_rows(res),
        "junction_sequences": {j.name: j.seq for j in res.junctions},
        "knockins": [_knockin_dict(k) for k in res.knockins],
        "notes": list(res.notes),
        "warnings": [w.as_dict() for w in res.typed_warnings()],
        "timings_s": dict(res.timings_s),
    })


def knockin_genbank_text(k: KnockinCheck) -> str:
    from taleforge.io.genbank_out import Feature, genbank_text, make_record

    feats = [
        Feature("homology_arm", k.left_arm[0], k.left_arm[1], 1, "left homology arm"),
        Feature("cargo", k.insert[0], k.insert[1], -1 if k.insert_reversed else 1, k.cargo),
        Feature("homology_arm", k.right_arm[0], k.right_arm[1], 1, "right homology arm"),
    ]
    for h in k.half_sites:
        feats.append(Feature("tale_site", h.start, h.end, 1 if h.strand == "+" else -1,
                             h.tale, "expected: own half-site, split by the insert"
                             if h.expected else f"{h.mismatches} mismatches"))
    rec = make_record(f"donor_{k.locus}", k.donor, feats,
                      description=f"taleforge multiplex knock-in donor at {k.locus} "
                      f"({k.contig}:{k.insertion}/{k.insertion + 1}), + strand of the genome")
    return genbank_text(rec)


def output_files(res: MultiplexResult, *, command: str | None = None) -> dict[str, str]:
    """File name (inside the ``--out`` folder) -> content."""
    out = {
        FILES["json"]: to_json_text(res, command=command),
        FILES["sets"]: sets_tsv(res),
        FILES["crosstalk"]: crosstalk_tsv(res),
        FILES["matrix"]: matrix_tsv(res),
        FILES["junctions"]: junctions_tsv(res),
        FILES["fasta"]: junctions_fasta(res),
        FILES["bed"]: to_bed_text(res),
        FILES["gff3"]: to_gff3_text(res),
        "designs.tsv": to_tsv(design_rows(res), DESIGN_COLUMNS, header_lines(res)),
    }
    for k in res.knockins:
        out[f"knockin_{k.locus}.gb"] = knockin_genbank_text(k)
    return out


# ------------------------------------------------------------------------------ registry
# multiplex is a folder job: every file of output_files() goes into the --out folder

from taleforge.io.registry import MULTI, register  # noqa: E402


@register("multiplex", "files", filename=MULTI)
def _reg_files(res: MultiplexResult, *, command: str | None = None, **_: Any) -> dict[str, str]:
    """Every file of the --out folder (FILES, designs.tsv, knockin_<locus>.gb)."""
    return output_files(res, command=command)


@register("multiplex", "json", ext=(".json",))
def _reg_json(res: MultiplexResult, *, command: str | None = None, **_: Any) -> str:
    """The set, its candidates, cross-talk, junctions and assays, with provenance."""
    return to_json_text(res, command=command)

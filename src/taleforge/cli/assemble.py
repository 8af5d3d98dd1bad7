"""``taleforge assemble``: from a design (or RVD arrays) to a Golden Gate kit plan or a
synthesis-ready ORF, with GenBank maps, FASTA, a plan TSV and an order sheet. Thin: parse,
call :func:`taleforge.assembly.build.assemble`, write."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from taleforge.cli.app import app, out_console
from taleforge.cli.common import (
    command_line,
    info,
    output_folder,
    print_table,
    report_tail,
    rich_table,
    route_folder,
)
from taleforge.errors import FormatError, InputError, ParameterError


def _design_arrays(path: Path, rank: int) -> tuple[str, str, str, dict[str, Any]]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as exc:
        raise FormatError(f"{path} is not a design JSON ({exc.msg}, line {exc.lineno})",
                          hint="give the JSON written by taleforge design --out x.json") from None
    designs = data.get("designs") if isinstance(data, dict) else None
    if not isinstance(designs, list):
        raise FormatError(f"{path} has no 'designs' list", hint="give the JSON written by taleforge design --out x.json")
    if not designs:
        raise InputError(f"{path} holds no designs", hint="re-run the design with looser filters")
    pick = [d for d in designs if d.get("rank") == rank]
    if not pick:
        raise ParameterError(f"no design of rank {rank} in {path} (ranks 1-{len(designs)})",
                             hint=f"use --rank between 1 and {len(designs)}")
    d = pick[0]
    if "left_rvds" not in d or "right_rvds" not in d:
        raise FormatError(f"design {rank} in {path} has no left_rvds/right_rvds", hint="use a knockout design JSON")
    prov = {"design_file": str(path), "rank": rank, "pair_id": d.get("pair_id"),
            "left_site": d.get("left_site"), "right_site": d.get("right_site"), "cut": d.get("cut"),
            "contig": d.get("contig"), "design_job": data.get("job"), "design_command": (data.get("provenance") or {}).get("command"),
            "design_version": (data.get("provenance") or {}).get("taleforge_version"),
            "provenance": data.get("provenance")}
    scaffold = (data.get("parameters") or {}).get("scaffold") or ""
    return str(d["left_rvds"]), str(d["right_rvds"]), str(scaffold), prov


@app.command("assemble")
def assemble_cmd(
    design: Annotated[Path | None, typer.Argument(help="Design JSON from 'taleforge design --out x.json'")] = None,
    rank: Annotated[int, typer.Option(help="Which design of the JSON (1 = best)")] = 1,
    left: Annotated[str | None, typer.Option(help="Left TALEN RVDs, e.g. 'NG NN NG ...'")] = None,
    right: Annotated[str | None, typer.Option(help="Right TALEN RVDs")] = None,
    kit: Annotated[str, typer.Option(help="Golden Gate kit name (see --list-kits) or a kit JSON file")] = "golden-gate",
    synthesis: Annotated[bool, typer.Option("--synthesis", help="Make synthesis-ready ORFs (DnaChisel) instead of a kit plan")] = False,
    scaffold: Annotated[str | None, typer.Option(help="Scaffold preset: plus63, tale-nt, goldy, cellectis-like, evolved-ntd (default: the design's, else plus63)")] = None,
    fok1: Annotated[str, typer.Option(help="FokI: wt, ELD-KKR (ELD on the left, KKR on the right), Sharkey, Sharkey-ELD-KKR")] = "ELD-KKR",
    codons: Annotated[str, typer.Option(help="Codon usage for --synthesis: human, mouse, ecoli, yeast")] = "human",
    parts: Annotated[Path | None, typer.Option(help="JSON file of your own parts (same keys as the built-in talen_parts.json)")] = None,
    backbone: Annotated[str | None, typer.Option(help="Kit backbone to name in the plan (e.g. pTAL3, pC-GoldyTALEN)")] = None,
    tags: Annotated[str, typer.Option(help="N-terminal tags, comma-separated: HA, FLAG")] = "",
    nls: Annotated[bool, typer.Option("--nls/--no-nls", help="SV40 NLS after the start")] = True,
    polish: Annotated[bool, typer.Option("--polish", help="Also run DnaChisel's codon-usage objective (slower)")] = False,
    list_kits: Annotated[bool, typer.Option("--list-kits", help="List the kits and exit")] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder (assembly.json, protein.fa, orf.fa, left.gb, right.gb, plan.tsv, order.csv); default assembly-<design>; an existing folder is refused unless --force")] = None,
    force: Annotated[bool, typer.Option("--force", help="Write into an existing --out folder")] = False,
) -> None:
    """Turn a TALEN design into a construct: a Golden Gate kit plan verified by simulated
    digests and ligations, or synthesis-ready ORFs, with GenBank maps and an order sheet."""
    from taleforge.assembly.kit import list_kits as kits
    from taleforge.assembly.kit import load_kit
    from taleforge.model.rvd import parse_rvds

    if list_kits:
        rows = []
        for k in kits():
            kk = load_kit(k)
            rows.append([kk.name, kk.title, f"{kk.rvd_min}-{kk.rvd_max}", ", ".join(kk.module_rvds),
                         " then ".join(f"{s['enzyme']}" for s in kk.raw["steps"]), kk.catalogue, kk.source])
        _table("Golden Gate kits", ["kit", "title", "RVDs", "modules", "enzymes", "catalogue", "source"], rows)
        return
    provenance: dict[str, Any] = {}
    design_scaffold = ""
    if design is not None:
        if left or right:
            raise ParameterError("give a design JSON or --left/--right, not both", hint="drop one of them")
        if not design.exists():
            raise InputError(f"design file {design} does not exist", hint="check the path")
        left, right, design_scaffold, provenance = _design_arrays(design, rank)
    if not left:
        raise ParameterError("no TALEN to assemble", hint="give a design JSON or --left 'NI HD ...'")
    left_rvds = parse_rvds(left)
    right_rvds = parse_rvds(right) if right else None
    arch = scaffold or (design_scaffold if design_scaffold in ("plus63", "tale-nt", "goldy", "cellectis-like", "evolved-ntd") else "plus63")

    from taleforge.assembly.build import assemble

    label = design.stem if design is not None else "pair" if right else "tale"
    folder = output_folder(out, "assembly", label, force=force)
    res = assemble(left_rvds, right_rvds, name=folder.name, kit=None if synthesis else kit,
                   scaffold=arch, fok1=fok1, codons=codons, parts_file=str(parts) if parts else None,
                   backbone=backbone, nls=nls, tags=[t for t in tags.replace(" ", "").split(",") if t],
                   polish=polish, provenance=provenance)
    outs = route_folder(folder, "assembly", res, command=command_line())
    written = outs.commit()
    _print(res)
    report_tail([*res.warnings], written)


def _table(title: str, cols: list[str], rows: list[list[Any]]) -> None:
    """A rich table on a terminal, TSV when piped."""
    if out_console.is_terminal:
        print_table(rich_table(title, cols, rows))
    else:
        sys.stdout.write("\t".join(cols) + "\n" + "".join("\t".join(str(v) for v in r) + "\n" for r in rows))


def _print(res: Any) -> None:
    if res.kit is not None:
        cols = ["talen", "step", "reaction", "enzyme", "repeats", "parts in order", "array bp"]
        rows = [[c.plan.name, r.step, r.reaction, r.enzyme, f"{r.repeats[0]}-{r.repeats[1]}", ", ".join(r.parts), r.insert_bp]
                for c in res.constructs for r in c.plan.reactions]
        _table(f"{res.kit.title}: plan (verified by simulated digests and ligations)", cols, rows)
    cols = ["talen", "RVDs", "protein aa", "ORF bp", "longest repeat bp", "BsaI/BsmBI sites", "ORF from"]
    rows = [[c.talen.name, len(c.talen.rvds), len(c.talen.protein), len(c.orf), c.longest_repeat_bp, len(c.sites), c.orf_source]
            for c in res.constructs]
    _table("TALEN constructs", cols, rows)
    info(f"parts: {res.parts.origin}; scaffold {res.scaffold}; FokI {res.fok1}")

"""``taleforge correct`` (point correction by TALEN + ssODN) and ``taleforge knockin``
(2A in-frame or intronic knock-in donors). Thin: parse, call taleforge.design.donor, write.

Positions on the command line are 1-based inclusive. ``--variant CONTIG:POS:REF>ALT`` is
written as on the reference + strand: the cells carry ALT and the design corrects ALT back
to REF. ``--sequence FILE --position N --to B`` corrects base N of the given (current)
sequence to B.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from taleforge.cli.app import app, out_console
from taleforge.cli.common import (
    GENOME_HELP,
    command_line,
    info,
    output_folder,
    report_tail,
    route_folder,
)
from taleforge.cli.progress import cli_progress
from taleforge.errors import InputError, ParameterError
from taleforge.model.interval import Interval

EXONS_HELP = (
    "With --sequence: exons of the gene as 1-based inclusive ranges on the sequence, in "
    "coding orientation, e.g. 501-642,773-995,1846-2108"
)
CDS_HELP = "With --sequence: CDS as start..end (1-based, stop codon included), e.g. 551..1974"


def _read_sequence(path: str) -> tuple[str, str]:
    from taleforge.genome.index import genome_from_sequence

    g = genome_from_sequence(Path(path) if Path(path).exists() else path)
    names = g.contig_names
    if len(names) != 1:
        raise InputError(
            f"--sequence has {len(names)} records", hint="give a FASTA with one record"
        )
    name = names[0]
    return name, g.fetch(name, 0, g.contig_length(name))


def _ranges(text: str, sep: str) -> list[tuple[int, int]]:
    out = []
    for part in text.replace(" ", "").split(","):
        a, _, b = part.partition(sep)
        if not a.isdigit() or not b.isdigit() or int(a) < 1 or int(b) < int(a):
            raise ParameterError(f"bad range {part!r}", hint=f"write ranges as START{sep}END")
        out.append((int(a) - 1, int(b)))
    return sorted(out)


def _local_transcript(contig: str, exons: str | None, cds: str | None) -> list[Any]:
    from taleforge.genome.annotation import Transcript

    if exons is None and cds is None:
        return []
    if exons is None or cds is None:
        raise ParameterError("--exons and --cds go together", hint="give both or neither")
    ex = _ranges(exons, "-")
    (cs, ce), = _ranges(cds, "..")[:1]
    cds_iv = [Interval(contig, max(a, cs), min(b, ce)) for a, b in ex if max(a, cs) < min(b, ce)]
    if not cds_iv:
        raise ParameterError("--cds does not overlap --exons", hint="check the coordinates")
    return [
        Transcript("local", "local", "local", contig, "+",
                   tuple(Interval(contig, a, b) for a, b in ex), tuple(cds_iv))
    ]


OUT_HELP = (
    "Output folder for <job>.json, <job>.fa and <job>.gb (default: a new folder named after "
    "the job, e.g. correction-chr11-5227002-T-A); an existing folder is refused unless --force"
)
FORCE_HELP = "Write into an existing output folder (replacing files of an earlier run)"


@app.command("correct")
def correct_cmd(
    genome: Annotated[str | None, typer.Option("--genome", "-g", help=GENOME_HELP)] = None,
    annotation: Annotated[Path | None, typer.Option(help="GTF, GFF3 or GenBank annotation")] = None,
    variant: Annotated[str | None, typer.Option(help="CONTIG:POS:REF>ALT on the reference + strand; the cells carry ALT, the design restores REF")] = None,
    sequence: Annotated[str | None, typer.Option(help="FASTA of the current (to be corrected) allele")] = None,
    position: Annotated[int | None, typer.Option(help="With --sequence: 1-based position to correct")] = None,
    to: Annotated[str | None, typer.Option("--to", help="With --sequence: base to correct toward")] = None,
    exons: Annotated[str | None, typer.Option(help=EXONS_HELP)] = None,
    cds: Annotated[str | None, typer.Option(help=CDS_HELP)] = None,
    scaffold: Annotated[str, typer.Option(help="Scaffold preset: tale-nt, cellectis-like, goldy, plus63, evolved-ntd")] = "tale-nt",
    model: Annotated[str, typer.Option(help="Binding model: positional or tale-nt")] = "positional",
    max_cut_distance: Annotated[int, typer.Option(help="Largest edit-to-cut distance (bp)")] = 10,
    designs: Annotated[int, typer.Option(help="Number of designs to report")] = 3,
    min_blocking: Annotated[int, typer.Option(help="Minimum silent blocking mutations")] = 2,
    max_blocking: Annotated[int, typer.Option(help="Maximum silent blocking mutations")] = 6,
    ssodn_arms: Annotated[str | None, typer.Option(help="Asymmetric ssODN arms LEFT,RIGHT (nt, + strand)")] = None,
    ssodn_arm_min: Annotated[int, typer.Option(help="Symmetric ssODN arm minimum (nt)")] = 40,
    ssodn_arm_max: Annotated[int, typer.Option(help="Symmetric ssODN arm maximum (nt)")] = 60,
    ssodn_total_min: Annotated[int, typer.Option(help="ssODN total length minimum (nt)")] = 100,
    ssodn_total_max: Annotated[int, typer.Option(help="ssODN total length maximum (nt)")] = 140,
    ps_bonds: Annotated[int, typer.Option(help="Phosphorothioate bonds at each end (IDT '*')")] = 2,
    specificity: Annotated[bool, typer.Option("--specificity/--no-specificity", help="Rank by genome-wide off-target specificity (with --genome)")] = True,
    explain: Annotated[int, typer.Option(help="Print the rule-by-rule explanation of the top N designs")] = 0,
    out: Annotated[Path | None, typer.Option("--out", "-o", help=OUT_HELP)] = None,
    force: Annotated[bool, typer.Option("--force", help=FORCE_HELP)] = False,
    html_out: Annotated[Path | None, typer.Option("--html", help="Also write a self-contained HTML report here")] = None,
) -> None:
    """Correct a point mutation with a TALEN pair and an ssODN carrying silent blocking mutations."""
    from taleforge.design.donor import (
        CorrectionParams,
        SequenceEdit,
        design_correction,
    )
    from taleforge.design.ssodn import SSODN_PARAMS
    from taleforge.genome.index import open_genome

    sp = SSODN_PARAMS.override({
        "arm_min_nt": ssodn_arm_min, "arm_max_nt": ssodn_arm_max,
        "total_min_nt": ssodn_total_min, "total_max_nt": ssodn_total_max, "ps_bonds": ps_bonds,
    })
    arms = None
    if ssodn_arms:
        a, _, b = ssodn_arms.partition(",")
        if not a.isdigit() or not b.isdigit():
            raise ParameterError(f"bad --ssodn-arms {ssodn_arms!r}", hint="write LEFT,RIGHT, e.g. 36,91")
        arms = (int(a), int(b))
    label = variant if variant is not None else f"{Path(sequence or 'sequence').stem}-{position}{to}"
    folder = output_folder(out, "correction", label, force=force)
    params = CorrectionParams(
        scaffold=scaffold, model=model, max_cut_distance_bp=max_cut_distance, n_designs=designs,
        min_blocking=min_blocking, max_blocking=max_blocking, ssodn_arms_nt=arms, ssodn_params=sp,
        specificity=specificity,
    )
    with cli_progress() as prog:
        if variant is not None:
            if genome is None or sequence is not None:
                raise ParameterError("--variant needs --genome (and no --sequence)",
                                     hint="or use --sequence with --position and --to")
            g = open_genome(genome, progress=prog)
            res = design_correction(variant, params, genome=g,
                                    annotation=_annotation_for(g, annotation), progress=prog)
        elif sequence is not None:
            if position is None or to is None:
                raise ParameterError("--sequence needs --position and --to",
                                     hint="e.g. --position 570 --to A")
            name, seq = _read_sequence(sequence)
            txs = _local_transcript(name, exons, cds)
            res = design_correction(
                SequenceEdit(seq, position - 1, to, contig=name, transcripts=tuple(txs)),
                params, progress=prog,
            )
        else:
            raise ParameterError("give --variant (with --genome) or --sequence",
                                 hint="see taleforge correct --help")
    outs = route_folder(folder, "correction", res, command=command_line())
    if html_out is not None:
        from taleforge.io.registry import render

        outs.add(html_out, render("correction", "html", res, command=command_line(),
                                  annotation=annotation))
    written = outs.commit()
    info(f"correcting {res.contig}:{res.position + 1}: the cells' {res.current_base} (+ strand) "
         f"-> {res.corrected_base}")
    for d in res.designs:
        blk = d.blocking
        out_console.print(
            f"#{d.rank} {d.pair.pair_id()} cut {d.distance_bp} bp from the edit"
            f"{' (edit in spacer)' if d.edit_in_spacer else ''}; blocking: "
            + ", ".join(f"{m.change.pos + 1}{m.change.ref}>{m.change.alt}" for m in blk.mutations)
            + f"; {blk.left_before.model} left {blk.left_before.score:.3f}->{blk.left_after.score:.3f}, "
            f"right {blk.right_before.score:.3f}->{blk.right_after.score:.3f}",
            markup=False, highlight=False, soft_wrap=True,
        )
        out_console.print("   " + "; ".join(c.hgvs_p + " " + c.c_notation for c in d.consequences),
                          markup=False, highlight=False, soft_wrap=True)
        out_console.print(f"   ssODN(+) {d.ssodns[0].idt}", markup=False, highlight=False, soft_wrap=True)
    for d in res.designs[:explain]:
        info(d.explain())
    report_tail([], written)


@app.command("knockin")
def knockin_cmd(
    cargo: Annotated[Path, typer.Option(help="Cargo (GenBank or FASTA DNA)")],
    genome: Annotated[str | None, typer.Option("--genome", "-g", help=GENOME_HELP)] = None,
    annotation: Annotated[Path | None, typer.Option(help="GTF, GFF3 or GenBank annotation")] = None,
    gene: Annotated[str | None, typer.Option(help="Gene symbol or ID")] = None,
    transcript: Annotated[str | None, typer.Option(help="Transcript (default: canonical)")] = None,
    sequence: Annotated[str | None, typer.Option(help="FASTA of the locus (instead of --genome)")] = None,
    exons: Annotated[str | None, typer.Option(help=EXONS_HELP)] = None,
    cds: Annotated[str | None, typer.Option(help=CDS_HELP)] = None,
    exon: Annotated[int | None, typer.Option(help="Exon number (transcript order) for in-frame knock-in")] = None,
    intron: Annotated[int | None, typer.Option(help="Intron number (transcript order) for intronic insertion")] = None,
    in_frame: Annotated[bool, typer.Option("--in-frame", help="Keep the host reading frame through the 2A (with --exon)")] = False,
    two_a: Annotated[str, typer.Option("--2a", help="2A peptide: P2A, T2A, E2A, F2A")] = "P2A",
    gsg: Annotated[bool, typer.Option("--gsg/--no-gsg", help="GSG linker before the 2A")] = True,
    layout: Annotated[str, typer.Option(help="2a-cargo-polya (host gene ends at the cargo) or 2a-cargo-2a (host protein continues)")] = "2a-cargo-polya",
    keep_stop: Annotated[bool | None, typer.Option("--keep-stop/--remove-stop", help="Cargo stop codon (default: by layout)")] = None,
    polya: Annotated[bool, typer.Option("--polya/--no-polya", help="Add the bGH polyA")] = True,
    cassette_as_is: Annotated[bool, typer.Option("--cassette-as-is", help="With --intron: the cargo is a complete cassette")] = False,
    arm: Annotated[int, typer.Option(help="Homology arm length (bp, each side)")] = 500,
    arms: Annotated[str | None, typer.Option(help="Asymmetric arms 5',3' in gene orientation (bp)")] = None,
    aav_capacity: Annotated[int, typer.Option(help="AAV packaging limit for warnings (bp)")] = 4400,
    scaffold: Annotated[str, typer.Option(help="Scaffold preset")] = "tale-nt",
    model: Annotated[str, typer.Option(help="Binding model: positional or tale-nt")] = "positional",
    designs: Annotated[int, typer.Option(help="Number of designs to report")] = 3,
    specificity: Annotated[bool, typer.Option("--specificity/--no-specificity", help="Rank by genome-wide off-target specificity (with --genome)")] = True,
    explain: Annotated[int, typer.Option(help="Print the rule-by-rule explanation of the top N designs")] = 0,
    out: Annotated[Path | None, typer.Option("--out", "-o", help=OUT_HELP)] = None,
    force: Annotated[bool, typer.Option("--force", help=FORCE_HELP)] = False,
    html_out: Annotated[Path | None, typer.Option("--html", help="Also write a self-contained HTML report here")] = None,
) -> None:
    """Design a knock-in donor (dsDNA/AAV6): 2A in-frame in an exon, or a splice-acceptor cassette in an intron."""
    from taleforge.design.cargo import read_cargo
    from taleforge.design.donor import (
        DONOR_PARAMS,
        KnockinParams,
        LocusSequence,
        design_knockin,
    )
    from taleforge.genome.index import open_genome

    if exon is not None and not in_frame:
        raise ParameterError("--exon insertion needs --in-frame",
                             hint="add --in-frame (2A keeps the host frame) or use --intron")
    if layout not in ("2a-cargo-polya", "2a-cargo-2a"):
        raise ParameterError(f"unknown layout {layout!r}", hint="use 2a-cargo-polya or 2a-cargo-2a")
    arms_t = None
    if arms:
        a, _, b = arms.partition(",")
        if not a.isdigit() or not b.isdigit():
            raise ParameterError(f"bad --arms {arms!r}", hint="write 5',3' lengths, e.g. 400,800")
        arms_t = (int(a), int(b))
    where = f"exon{exon}" if exon is not None else f"intron{intron}"
    folder = output_folder(out, "knockin", f"{gene or Path(sequence or 'locus').stem}-{where}",
                           force=force)
    cg = read_cargo(cargo)
    params = KnockinParams(
        cargo=cg, exon=exon, intron=intron, transcript=transcript, two_a=two_a,
        gsg_linker=gsg, layout=layout, keep_stop=keep_stop,  # type: ignore[arg-type]
        polya=polya, own_cassette=cassette_as_is, arm_nt=arm, arms_nt=arms_t,
        scaffold=scaffold, model=model, n_designs=designs, specificity=specificity,
        donor_params=DONOR_PARAMS.override({"aav_capacity_bp": aav_capacity}),
    )
    with cli_progress() as prog:
        if sequence is not None:
            name, seq = _read_sequence(sequence)
            txs = _local_transcript(name, exons, cds)
            if not txs:
                raise ParameterError("--sequence needs --exons and --cds for a knock-in",
                                     hint="e.g. --exons 501-642,773-995,1846-2108 --cds 551..1974")
            res = design_knockin(LocusSequence(seq, txs[0], contig=txs[0].contig), params,
                                 progress=prog)
        else:
            if genome is None or gene is None:
                raise ParameterError("give --genome and --gene (or --sequence)",
                                     hint="see taleforge knockin --help")
            g = open_genome(genome, progress=prog)
            res = design_knockin(gene, params, genome=g,
                                 annotation=_annotation_for(g, annotation), progress=prog)
    outs = route_folder(folder, "knockin", res, command=command_line())
    if html_out is not None:
        from taleforge.io.registry import render

        outs.add(html_out, render("knockin", "html", res, command=command_line(),
                                  annotation=annotation))
    written = outs.commit()
    for d in res.designs:
        out_console.print(
            f"#{d.rank} {d.pair.pair_id()} insertion after {res.contig}:{d.insertion} "
            f"(phase {d.frame_phase}); insert {len(d.insert_seq)} bp, donor {len(d.donor_plus)} bp; "
            f"re-cut sites after integration: {len(d.cleavable_after)}"
            + ("; " + "; ".join(d.warnings) if d.warnings else ""),
            markup=False, highlight=False, soft_wrap=True,
        )
    if res.rejections:
        info("rejected pairs: " + "; ".join(f"{k}: {v}" for k, v in sorted(res.rejections.items())))
    for d in res.designs[:explain]:
        info(d.explain())
    report_tail([], written)


def _annotation_for(g: Any, annotation: Path | None) -> Any:
    """The user's annotation, else the built-in genome's packaged one, else None."""
    from taleforge.genome.annotation import load_annotation

    if annotation is not None:
        return load_annotation(annotation)
    default = getattr(g, "default_annotation", None)
    return load_annotation(default) if default is not None else None

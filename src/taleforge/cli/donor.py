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
    warnings_banner,
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


def _local_transcript(contig: str, exons: str | None, cds: str | None,
                      length: int | None = None) -> list[Any]:
    """The transcript given by --exons/--cds on a --sequence of ``length`` bp (checked:
    exons inside the sequence, CDS a whole number of codons)."""
    from taleforge.design.donor.common import check_local_transcripts
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
    txs = [
        Transcript("local", "local", "local", contig, "+",
                   tuple(Interval(contig, a, b) for a, b in ex), tuple(cds_iv))
    ]
    if length is not None:
        check_local_transcripts(txs, 0, length)
    return txs


OUT_HELP = (
    "Output folder for <job>.json, <job>.fa and <job>.gb (default: a new folder named after "
    "the job, e.g. correction-chr11-5227002-T-A); an existing folder is refused unless --force"
)
FORCE_HELP = "Write into an existing output folder (replacing files of an earlier run)"
OFFTARGET_GENOME_HELP = (
    "Genome scanned for off-targets (second cuts) instead of --genome; with --sequence, "
    "--genome is scanned too. The design's own site is located in it when it is there"
)
PARTS_HELP = (
    "GenBank or FASTA file with your own donor parts replacing the built-in ones: features "
    "(or FASTA records) named polyA, splice_acceptor, P2A, T2A, E2A, F2A or GSG"
)


def _scan_genome(genome: str | None, offtarget_genome: str | None, prog: Any) -> Any:
    """The genome to scan for off-targets with --sequence: --offtarget-genome, else --genome."""
    from taleforge.genome.index import open_genome

    name = offtarget_genome or genome
    return open_genome(name, progress=prog) if name is not None else None


def _print_warnings(res: Any) -> None:
    warnings_banner(res.typed_warnings())


@app.command("correct")
def correct_cmd(
    genome: Annotated[str | None, typer.Option("--genome", "-g", help=GENOME_HELP)] = None,
    offtarget_genome: Annotated[str | None, typer.Option(help=OFFTARGET_GENOME_HELP)] = None,
    annotation: Annotated[Path | None, typer.Option(help="GTF, GFF3 or GenBank annotation")] = None,
    variant: Annotated[str | None, typer.Option(help="CONTIG:POS:REF>ALT on the reference + strand; the cells carry ALT, the design restores REF")] = None,
    allele_specific: Annotated[bool, typer.Option("--allele-specific", help="Cut the mutant allele only as far as the model tells: pairs with the variant in a half-site, ranked by the margin between the alleles")] = False,
    cis_variants: Annotated[Path | None, typer.Option("--variants", help="With --allele-specific: VCF of heterozygous SNPs in cis with the variant (on the mutant allele)")] = None,
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
        if allele_specific:
            res = _allele_specific_correct(variant, sequence, position, to, exons, cds, genome,
                                           annotation, cis_variants, params, prog,
                                           offtarget_genome)
        elif variant is not None:
            if genome is None or sequence is not None:
                raise ParameterError("--variant needs --genome (and no --sequence)",
                                     hint="or use --sequence with --position and --to")
            g = open_genome(genome, progress=prog)
            og = open_genome(offtarget_genome, progress=prog) if offtarget_genome else None
            res = design_correction(variant, params, genome=g,
                                    annotation=_annotation_for(g, annotation), progress=prog,
                                    offtarget_genome=og)
        elif sequence is not None:
            if position is None or to is None:
                raise ParameterError("--sequence needs --position and --to",
                                     hint="e.g. --position 570 --to A")
            name, seq = _read_sequence(sequence)
            txs = _local_transcript(name, exons, cds, len(seq))
            res = design_correction(
                SequenceEdit(seq, position - 1, to, contig=name, transcripts=tuple(txs)),
                params, progress=prog,
                offtarget_genome=_scan_genome(genome, offtarget_genome, prog),
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
    _print_warnings(res)
    for d in res.designs:
        blk = d.blocking
        out_console.print(
            f"#{d.rank} {d.pair.pair_id()} cut {d.distance_bp} bp from the edit"
            f"{' (edit in spacer)' if d.edit_in_spacer else ''}; blocking: "
            + ", ".join(f"{m.change.pos + 1}{m.change.ref}>{m.change.alt}" for m in blk.mutations)
            + f"; {blk.left_before.model} left {blk.left_before.score:.3f}->{blk.left_after.score:.3f}, "
            f"right {blk.right_before.score:.3f}->{blk.right_after.score:.3f}; "
            + d.offtarget.label(),
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
    cargo: Annotated[Path | None, typer.Option(help="Cargo (GenBank or FASTA DNA); not with --rescue")] = None,
    rescue: Annotated[bool, typer.Option("--rescue", help="Corrective CDS insertion: insert the recoded wild-type CDS from the cut to the stop codon + polyA (with --exon, --rescue-from or --variant)")] = False,
    rescue_from: Annotated[int | None, typer.Option(help="With --rescue: c. position (1-based) the insert must cover, e.g. the first mutant base; the cut lies 5' of it")] = None,
    variant: Annotated[str | None, typer.Option(help="With --rescue: the dominant mutation CONTIG:POS:REF>ALT (+ strand); the insert covers it")] = None,
    allele_specific: Annotated[bool, typer.Option("--allele-specific", help="With --rescue --variant: cut with pairs holding the variant in the half-site 3' of the cut, ranked by the allele margin")] = False,
    cis_variants: Annotated[Path | None, typer.Option("--variants", help="With --allele-specific: VCF of heterozygous SNPs in cis with the variant")] = None,
    genome: Annotated[str | None, typer.Option("--genome", "-g", help=GENOME_HELP)] = None,
    offtarget_genome: Annotated[str | None, typer.Option(help=OFFTARGET_GENOME_HELP)] = None,
    parts: Annotated[Path | None, typer.Option("--parts", help=PARTS_HELP)] = None,
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
    if rescue or rescue_from is not None:
        _rescue_cmd(cargo, genome, annotation, gene, transcript, sequence, exons, cds, exon,
                    rescue_from, variant, allele_specific, cis_variants, arm, arms, aav_capacity,
                    scaffold, model, designs, specificity, explain, out, force, html_out,
                    offtarget_genome)
        return
    if cargo is None:
        raise ParameterError("knockin needs --cargo", hint="give the cargo (GenBank or FASTA), "
                             "or --rescue to insert the gene's own recoded wild-type CDS")
    if variant is not None or allele_specific or cis_variants is not None:
        raise ParameterError("--variant, --allele-specific and --variants go with --rescue",
                             hint="add --rescue (corrective CDS insertion)")
    from taleforge.design.cargo import DONOR_ELEMENTS, read_cargo, read_parts
    from taleforge.design.donor import (
        DONOR_PARAMS,
        KnockinParams,
        design_knockin,
    )

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
    elements = read_parts(parts) if parts is not None else DONOR_ELEMENTS
    params = KnockinParams(
        cargo=cg, exon=exon, intron=intron, transcript=transcript, two_a=two_a,
        gsg_linker=gsg, layout=layout, keep_stop=keep_stop,  # type: ignore[arg-type]
        polya=polya, own_cassette=cassette_as_is, arm_nt=arm, arms_nt=arms_t,
        scaffold=scaffold, model=model, n_designs=designs, specificity=specificity,
        donor_params=DONOR_PARAMS.override({"aav_capacity_bp": aav_capacity}),
        elements=elements,
    )
    res, written = _run_knockin(
        design_knockin, "knock-in", params, sequence=sequence, exons=exons, cds=cds,
        genome=genome, gene=gene, offtarget_genome=offtarget_genome, annotation=annotation,
        folder=folder, html_out=html_out)
    _print_warnings(res)
    for d in res.designs:
        out_console.print(
            f"#{d.rank} {d.pair.pair_id()} insertion after {res.contig}:{d.insertion} "
            f"(phase {d.frame_phase}); insert {len(d.insert_seq)} bp, donor {len(d.donor_plus)} bp; "
            f"re-cut sites after integration: {len(d.cleavable_after)}; {d.offtarget.label()}"
            + ("; " + "; ".join(d.warnings) if d.warnings else ""),
            markup=False, highlight=False, soft_wrap=True,
        )
    if res.rejections:
        info("rejected pairs: " + "; ".join(f"{k}: {v}" for k, v in sorted(res.rejections.items())))
    for d in res.designs[:explain]:
        info(d.explain())
    report_tail([], written)


def _allele_specific_correct(
    variant: str | None, sequence: str | None, position: int | None, to: str | None,
    exons: str | None, cds: str | None, genome: str | None, annotation: Path | None,
    cis_variants: Path | None, params: Any, prog: Any, offtarget_genome: str | None = None,
) -> Any:
    """``correct --allele-specific``: the correction cut restricted to pairs with the variant
    in a half-site (taleforge.design.allele_specific.allele_specific_correction)."""
    from taleforge.design.allele_specific import allele_specific_correction
    from taleforge.design.donor import SequenceEdit
    from taleforge.genome.index import open_genome

    if variant is not None:
        if genome is None or sequence is not None:
            raise ParameterError("--variant needs --genome (and no --sequence)",
                                 hint="or use --sequence with --position and --to")
        g = open_genome(genome, progress=prog)
        og = open_genome(offtarget_genome, progress=prog) if offtarget_genome else None
        return allele_specific_correction(variant, params, cis_variants=cis_variants, genome=g,
                                          annotation=_annotation_for(g, annotation),
                                          progress=prog, offtarget_genome=og)
    if sequence is None or position is None or to is None:
        raise ParameterError("--allele-specific needs --variant (with --genome) or --sequence "
                             "with --position and --to", hint="see taleforge correct --help")
    name, seq = _read_sequence(sequence)
    txs = _local_transcript(name, exons, cds, len(seq))
    return allele_specific_correction(
        SequenceEdit(seq, position - 1, to, contig=name, transcripts=tuple(txs)), params,
        cis_variants=cis_variants, progress=prog,
        offtarget_genome=_scan_genome(genome, offtarget_genome, prog))


def _rescue_cmd(
    cargo: Path | None, genome: str | None, annotation: Path | None, gene: str | None,
    transcript: str | None, sequence: str | None, exons: str | None, cds: str | None,
    exon: int | None, rescue_from: int | None, variant: str | None, allele_specific: bool,
    cis_variants: Path | None, arm: int, arms: str | None, aav_capacity: int, scaffold: str,
    model: str, designs: int, specificity: bool, explain: int, out: Path | None, force: bool,
    html_out: Path | None, offtarget_genome: str | None = None,
) -> None:
    """``knockin --rescue``: corrective coding-sequence insertion
    (taleforge.design.donor.rescue.design_rescue); written as a knock-in folder."""
    from taleforge.cli.common import warnings_banner
    from taleforge.design.donor import DONOR_PARAMS
    from taleforge.design.donor.rescue import RescueParams, design_rescue

    if cargo is not None:
        raise ParameterError("--rescue inserts the gene's own recoded CDS, not a --cargo",
                             hint="drop --cargo, or drop --rescue for a 2A knock-in")
    arms_t = None
    if arms:
        a, _, b = arms.partition(",")
        if not a.isdigit() or not b.isdigit():
            raise ParameterError(f"bad --arms {arms!r}", hint="write 5',3' lengths, e.g. 400,800")
        arms_t = (int(a), int(b))
    where = (f"exon{exon}" if exon is not None else
             f"c{rescue_from}" if rescue_from is not None else "variant")
    folder = output_folder(out, "knockin",
                           f"{gene or Path(sequence or 'locus').stem}-rescue-{where}", force=force)
    params = RescueParams(
        exon=exon, rescue_from=rescue_from, variant=variant, allele_specific=allele_specific,
        cis_variants=cis_variants, transcript=transcript, arm_nt=arm, arms_nt=arms_t,
        scaffold=scaffold, model=model, n_designs=designs, specificity=specificity,
        donor_params=DONOR_PARAMS.override({"aav_capacity_bp": aav_capacity}),
    )
    res, written = _run_knockin(
        design_rescue, "rescue", params, sequence=sequence, exons=exons, cds=cds,
        genome=genome, gene=gene, offtarget_genome=offtarget_genome, annotation=annotation,
        folder=folder, html_out=html_out)
    warnings_banner(res.typed_warnings())
    for d in res.designs:
        out_console.print(
            f"#{d.rank} {d.pair.pair_id()} rescue insertion after {res.contig}:{d.insertion} "
            f"(phase {d.frame_phase}); insert {len(d.insert_seq)} bp (recoded wild-type CDS + "
            f"polyA), donor {len(d.donor_plus)} bp; {d.offtarget.label()}"
            + ("; " + "; ".join(d.warnings) if d.warnings else ""),
            markup=False, highlight=False, soft_wrap=True,
        )
    for w in res.typed_warnings():
        if "which allele" in w.message:
            info(w.message)
    if res.rejections:
        info("rejected pairs: " + "; ".join(f"{k}: {v}" for k, v in sorted(res.rejections.items())))
    for d in res.designs[:explain]:
        info(d.explain())
    report_tail([], written)


def _run_knockin(designer: Any, what: str, params: Any, *, sequence: Any, exons: Any,
                 cds: Any, genome: Any, gene: Any, offtarget_genome: Any, annotation: Any,
                 folder: Path, html_out: Path | None) -> tuple[Any, list[Path]]:
    """A knock-in-shaped job (``design_knockin`` or ``design_rescue``) from the CLI's
    options: the locus from ``--sequence`` (with ``--exons/--cds``) or ``--genome`` and
    ``--gene``, the scan genome, the folder outputs and the HTML report. Returns the result
    and the files written."""
    from taleforge.design.donor import LocusSequence
    from taleforge.genome.index import open_genome

    with cli_progress() as prog:
        if sequence is not None:
            name, seq = _read_sequence(sequence)
            txs = _local_transcript(name, exons, cds, len(seq))
            if not txs:
                raise ParameterError(f"--sequence needs --exons and --cds for a {what}",
                                     hint="e.g. --exons 501-642,773-995,1846-2108 --cds 551..1974")
            res = designer(LocusSequence(seq, txs[0], contig=txs[0].contig), params,
                           progress=prog,
                           offtarget_genome=_scan_genome(genome, offtarget_genome, prog))
        else:
            if genome is None or gene is None:
                raise ParameterError("give --genome and --gene (or --sequence)",
                                     hint="see taleforge knockin --help")
            g = open_genome(genome, progress=prog)
            og = open_genome(offtarget_genome, progress=prog) if offtarget_genome else None
            res = designer(gene, params, genome=g, annotation=_annotation_for(g, annotation),
                           progress=prog, offtarget_genome=og)
    outs = route_folder(folder, "knockin", res, command=command_line())
    if html_out is not None:
        from taleforge.io.registry import render

        outs.add(html_out, render("knockin", "html", res, command=command_line(),
                                  annotation=annotation))
    return res, list(outs.commit())


def _annotation_for(g: Any, annotation: Path | None) -> Any:
    """The user's annotation, else the built-in genome's packaged one, else None."""
    from taleforge.genome.annotation import load_annotation

    if annotation is not None:
        return load_annotation(annotation, genome=g)  # aliases; one error if none fits
    default = getattr(g, "default_annotation", None)
    return load_annotation(default) if default is not None else None

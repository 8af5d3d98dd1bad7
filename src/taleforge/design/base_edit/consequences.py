"""Knockout by base editing: the stop-creating and splice-site-killing edits of a gene's
canonical transcript that the editors can make."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from taleforge.design.base_edit.model import EditRequest, _comp
from taleforge.design.consequence import (
    Consequence,
    ConsequenceCaller,
    genetic_code,
    worst,
)
from taleforge.errors import InputError
from taleforge.model.editors import (
    EditorSpec,
)

if TYPE_CHECKING:
    from taleforge.genome.annotation import Annotation, Transcript
    from taleforge.genome.index import Genome


def _constitutive_boundaries(transcripts: Sequence[Transcript]) -> set[int]:
    """Intron boundary coordinates shared by every coding transcript."""
    sets: list[set[int]] = []
    for t in transcripts:
        s: set[int] = set()
        for iv in t.introns_in_order():
            s.add(iv.start)
            s.add(iv.end)
        sets.append(s)
    if not sets:
        return set()
    out = sets[0]
    for s in sets[1:]:
        out = out & s
    return out


def knockout_edits(
    genome: Genome, annotation: Annotation, gene_name: str, editors: Sequence[EditorSpec],
    caller: ConsequenceCaller, *, max_cds_fraction: float,
) -> list[EditRequest]:
    """Candidate knockout edits of a gene's canonical transcript, earliest first:
    stop-creating substitutions the editors can make, and splice donor/acceptor kills of
    constitutive introns."""
    gene = annotation.find_gene(gene_name)
    coding = [t for t in gene.transcripts if t.is_coding]
    if not coding:
        raise InputError(f"gene {gene.label} has no coding transcript",
                         hint="knockout by base editing needs a CDS; give a coding gene")
    tx = annotation.canonical_transcript(gene)
    if not tx.is_coding:
        tx = sorted(coding, key=lambda t: (-t.cds_length, t.id))[0]
    subs: set[tuple[str, str]] = set()
    for e in editors:
        subs.add((e.ref_base, e.alt_base))
        subs.add((_comp(e.ref_base), _comp(e.alt_base)))
    code = genetic_code(tx.transl_table)
    cds = caller.cds_seq(tx)
    L = len(cds)
    edits: dict[tuple[int, str], EditRequest] = {}
    limit = math.floor(max_cds_fraction * L)
    for off in range(3, min(limit, L - 3)):
        ci, k = divmod(off, 3)
        codon = cds[3 * ci: 3 * ci + 3]
        if len(codon) < 3 or code.aa(codon) == "*":
            continue
        b = codon[k]
        for ref_t, alt_t in sorted(subs):
            if ref_t != b:
                continue
            new = codon[:k] + alt_t + codon[k + 1:]
            if code.aa(new) != "*":
                continue
            gpos = tx.genomic_pos(off)
            ref_p = ref_t if tx.strand == "+" else _comp(ref_t)
            alt_p = alt_t if tx.strand == "+" else _comp(alt_t)
            nonc = new in ("AGA", "AGG")
            reason = (f"stop_gained {tx.gene_name or tx.id} codon {ci + 1} "
                      f"{codon}>{new} (table {tx.transl_table})"
                      + ("; AGA/AGG ends translation only by a -1 frameshift in human "
                         "mitochondria (Temperley 2010) [K]" if nonc else ""))
            edits[(gpos, alt_p)] = EditRequest(
                tx.contig, gpos, ref_p, alt_p, reason,
                caller.call(tx.contig, gpos, ref_p, alt_p), off / L, nonc)
    const = _constitutive_boundaries(coding)
    for n_intron, iv in enumerate(tx.introns_in_order(), start=1):
        if len(iv) < 4 or iv.start not in const or iv.end not in const:
            continue
        plus = tx.strand == "+"
        donor = (iv.start, iv.start + 1) if plus else (iv.end - 1, iv.end - 2)
        acceptor = (iv.end - 2, iv.end - 1) if plus else (iv.start + 1, iv.start)
        # CDS fraction of the exon boundary
        ex_pos = iv.start - 1 if plus else iv.end
        off_b = tx.cds_offset(ex_pos)
        frac = (off_b / L) if off_b is not None else (0.0 if _before_cds(tx, iv) else 1.0)
        if frac > max_cds_fraction:
            continue
        for kind, poss in (("donor", donor), ("acceptor", acceptor)):
            for gp in poss:
                ref_p = genome.fetch(tx.contig, gp, gp + 1).upper()
                for ref_t, alt_t in sorted(subs):
                    if ref_t != ref_p:
                        continue
                    key = (gp, alt_t)
                    if key in edits:
                        continue
                    edits[key] = EditRequest(
                        tx.contig, gp, ref_p, alt_t,
                        f"splice_{kind} kill {tx.gene_name or tx.id} intron {n_intron}",
                        caller.call(tx.contig, gp, ref_p, alt_t), frac)
    return sorted(edits.values(), key=lambda r: (r.cds_fraction or 0.0, r.pos, r.alt))


def _before_cds(tx: Transcript, iv: Any) -> bool:
    if tx.cds_start is None or tx.cds_end is None:
        return False
    return bool(iv.end <= tx.cds_start) if tx.strand == "+" else bool(iv.start >= tx.cds_end)


def consequence_label(cs: Sequence[Consequence]) -> str:
    """Worst call text for tables (``intergenic`` when there is none)."""
    return worst(cs).short() if cs else "intergenic"

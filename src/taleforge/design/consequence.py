"""Consequence of a single-base substitution against every overlapping transcript.

General on purpose (base editors, repair templates, blocking mutations): give a genomic
position (0-based), the reference and alternative bases on the + strand, and get one
:class:`Consequence` per overlapping transcript (or one ``intergenic`` call), using each
transcript's genetic code (table 2 on mtDNA: TGA = Trp, AGA/AGG = stop, ATA = Met).

Rules
-----
* CDS bases: codon change with the transcript's ``transl_table``; the first codon is judged as
  a start codon (``start_lost`` when the new codon is not an alternative start of the table);
  a stop codon that stops being one is ``stop_lost``; a sense codon becoming a stop is
  ``stop_gained``. Mitochondrial CDSs whose stop is completed by polyadenylation (length not a
  multiple of 3) have their last partial codon padded with A, as the mature mRNA is.
* Intron bases 1-2 from an exon (GT...AG) are ``splice_donor`` / ``splice_acceptor``; intron
  bases 3-8 and exon bases 1-3 next to an intron are ``splice_region`` (flag only, unless
  the base is also coding, where the codon call wins and the splice-region flag is kept).
* Exonic bases of a non-coding transcript (tRNA, rRNA, lncRNA) are ``noncoding_exon``.

Severity: ``high`` (stop_gained, stop_lost, start_lost, splice_donor, splice_acceptor),
``moderate`` (missense, noncoding_exon, incomplete_terminal_codon), ``low``
(synonymous, stop_retained, splice_region), ``modifier`` (utr5, utr3, intron, intergenic,
upstream/downstream).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from Bio.Data import CodonTable
from Bio.Data.IUPACData import protein_letters_1to3

from taleforge.errors import InputError
from taleforge.genome.annotation import Annotation, Transcript
from taleforge.model.dna import complement as complement  # re-exported: the one DNA helper module

Severity = Literal["high", "moderate", "low", "modifier"]
GenomeFetch = Callable[[str, int, int, str], str]

SEVERITY: dict[str, Severity] = {
    "stop_gained": "high",
    "stop_lost": "high",
    "start_lost": "high",
    "splice_donor": "high",
    "splice_acceptor": "high",
    "missense": "moderate",
    "noncoding_exon": "moderate",
    "incomplete_terminal_codon": "moderate",
    "synonymous": "low",
    "start_retained": "low",
    "stop_retained": "low",
    "splice_region": "low",
    "utr5": "modifier",
    "utr3": "modifier",
    "intron": "modifier",
    "upstream": "modifier",
    "downstream": "modifier",
    "intergenic": "modifier",
    "no_change": "modifier",
}
SEVERITY_RANK: dict[Severity, int] = {"high": 3, "moderate": 2, "low": 1, "modifier": 0}
HARMFUL_SEVERITIES: frozenset[Severity] = frozenset({"high", "moderate"})



@dataclass(frozen=True)
class GeneticCode:
    table_id: int
    forward: dict[str, str]
    stops: frozenset[str]
    starts: frozenset[str]

    def aa(self, codon: str) -> str:
        """One-letter amino acid, ``*`` for stop, ``X`` for a codon with N."""
        if codon in self.stops:
            return "*"
        return self.forward.get(codon, "X")


_CODES: dict[int, GeneticCode] = {}


def genetic_code(table_id: int) -> GeneticCode:
    """NCBI genetic code ``table_id`` (from Biopython's tables)."""
    if table_id not in _CODES:
        try:
            t = CodonTable.unambiguous_dna_by_id[table_id]
        except KeyError:
            raise InputError(
                f"unknown genetic code table {table_id}",
                hint="use an NCBI translation table id such as 1 (standard) or 2 (vert. mito)",
            ) from None
        _CODES[table_id] = GeneticCode(
            table_id, dict(t.forward_table), frozenset(t.stop_codons), frozenset(t.start_codons)
        )
    return _CODES[table_id]


def three_letter(aa: str) -> str:
    if aa == "*":
        return "Ter"
    return protein_letters_1to3.get(aa, "Xaa")


@dataclass(frozen=True)
class Consequence:
    """A substitution's effect on one transcript (or ``intergenic``)."""

    kind: str
    severity: Severity
    transcript_id: str = ""
    gene: str = ""
    strand: str = "+"
    region: str = ""
    exon: int | None = None
    intron: int | None = None
    cds_pos: int | None = None  # 1-based
    codon_ref: str = ""
    codon_alt: str = ""
    aa_ref: str = ""
    aa_alt: str = ""
    protein_pos: int | None = None  # 1-based
    transl_table: int = 1
    flags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def harmful(self) -> bool:
        return self.severity in HARMFUL_SEVERITIES

    @property
    def hgvs_p(self) -> str:
        if self.protein_pos is None or not self.aa_ref:
            return ""
        if self.aa_ref == self.aa_alt:
            return f"p.{three_letter(self.aa_ref)}{self.protein_pos}="
        return f"p.{three_letter(self.aa_ref)}{self.protein_pos}{three_letter(self.aa_alt)}"

    def short(self) -> str:
        """E.g. ``MT-ND5:missense p.Asp393Asn`` or ``intergenic``."""
        if not self.gene and not self.transcript_id:
            return self.kind
        label = self.gene or self.transcript_id
        extra = f" {self.hgvs_p}" if self.hgvs_p else ""
        if self.kind in ("splice_donor", "splice_acceptor", "intron") and self.intron:
            extra = f" intron {self.intron}"
        return f"{label}:{self.kind}{extra}"

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "transcript": self.transcript_id,
            "gene": self.gene,
            "strand": self.strand,
            "region": self.region,
            "exon": self.exon,
            "intron": self.intron,
            "cds_pos": self.cds_pos,
            "codon_ref": self.codon_ref,
            "codon_alt": self.codon_alt,
            "aa_ref": self.aa_ref,
            "aa_alt": self.aa_alt,
            "protein_pos": self.protein_pos,
            "hgvs_p": self.hgvs_p,
            "transl_table": self.transl_table,
            "flags": list(self.flags),
        }


class ConsequenceCaller:
    """Calls substitution consequences, caching each transcript's CDS sequence."""

    def __init__(self, annotation: Annotation | None, fetch: GenomeFetch) -> None:
        self.annotation = annotation
        self.fetch = fetch
        self._cds: dict[tuple[str, int, int], str] = {}

    # ------------------------------------------------------------------ public
    def call(self, contig: str, pos: int, ref: str, alt: str) -> tuple[Consequence, ...]:
        """Consequences of ``ref>alt`` (+ strand bases) at 0-based ``pos`` on every
        overlapping transcript, sorted by (severity desc, gene, transcript)."""
        ref, alt = ref.upper(), alt.upper()
        if ref == alt:
            return (Consequence("no_change", "modifier"),)
        txs: list[Transcript] = []
        if self.annotation is not None:
            txs = self.annotation.transcripts_overlapping(contig, pos, pos + 1)
        out = [self.call_transcript(t, pos, ref, alt) for t in txs]
        if not out:
            return (Consequence("intergenic", "modifier"),)
        out.sort(key=lambda c: (-SEVERITY_RANK[c.severity], c.gene, c.transcript_id, c.kind))
        return tuple(out)

    def call_transcript(self, t: Transcript, pos: int, ref: str, alt: str) -> Consequence:
        plus = t.strand == "+"
        tref = ref if plus else complement(ref)
        talt = alt if plus else complement(alt)
        region = t.region(pos)
        base: dict[str, object] = {
            "transcript_id": t.id,
            "gene": t.gene_name or t.gene_id,
            "strand": t.strand,
            "region": region,
            "exon": t.exon_number(pos),
            "transl_table": t.transl_table,
        }
        splice_kind, intron_no = self._splice(t, pos)
        flags: list[str] = []
        if splice_kind in ("splice_donor", "splice_acceptor"):
            return Consequence(splice_kind, SEVERITY[splice_kind], intron=intron_no,
                               **base)  # type: ignore[arg-type]
        if splice_kind == "splice_region":
            flags.append("splice_region")
        if region == "cds":
            return self._coding(t, pos, tref, talt, base, flags)
        if region == "exon":
            kind = "noncoding_exon"
        elif region == "intron":
            kind = "splice_region" if splice_kind else "intron"
            return Consequence(kind, SEVERITY[kind], intron=intron_no, flags=tuple(flags),
                               **base)  # type: ignore[arg-type]
        else:
            kind = region
        if flags and SEVERITY[kind] == "modifier":
            kind = "splice_region"
        return Consequence(kind, SEVERITY[kind], flags=tuple(flags), **base)  # type: ignore[arg-type]

    def codon_change(self, t: Transcript, pos: int, alt_plus: str) -> tuple[str, str, int, int]:
        """(ref codon, alt codon, 0-based codon index, 0-based CDS offset) for a CDS base."""
        off = t.cds_offset(pos)
        if off is None:
            raise InputError(f"position {pos + 1} is not coding in {t.id}",
                             hint="choose a CDS base")
        cds = self.cds_seq(t)
        ci = off // 3
        codon = cds[3 * ci: 3 * ci + 3]
        if len(codon) < 3:
            codon = codon + "A" * (3 - len(codon))
        a = alt_plus if t.strand == "+" else complement(alt_plus)
        k = off % 3
        return codon, codon[:k] + a + codon[k + 1:], ci, off

    def cds_seq(self, t: Transcript) -> str:
        key = (t.id, t.start, t.end)
        s = self._cds.get(key)
        if s is None:
            s = t.cds_sequence(self.fetch).upper()
            self._cds[key] = s
        return s

    # ------------------------------------------------------------------ internals
    def _coding(self, t: Transcript, pos: int, tref: str, talt: str,
                base: dict[str, object], flags: list[str]) -> Consequence:
        code = genetic_code(t.transl_table)
        cds = self.cds_seq(t)
        off = t.cds_offset(pos)
        if off is None:  # pragma: no cover - region said cds
            raise InputError(f"position {pos + 1} not coding in {t.id}", hint="")
        ci = off // 3
        k = off % 3
        codon = cds[3 * ci: 3 * ci + 3]
        if cds[off] != tref:
            flags.append(f"reference mismatch: transcript has {cds[off]}, given {tref}")
        partial = len(codon) < 3
        if partial:
            if t.transl_table == 2 or t.contig.lower() in ("chrm", "mt"):
                codon = codon + "A" * (3 - len(codon))
                flags.append("stop completed by polyadenylation")
            else:
                return Consequence("incomplete_terminal_codon", "moderate", cds_pos=off + 1,
                                   flags=tuple(flags), **base)  # type: ignore[arg-type]
        new = codon[:k] + talt + codon[k + 1:]
        aa_r, aa_n = code.aa(codon), code.aa(new)
        is_first = ci == 0
        is_last = 3 * ci + 3 >= len(cds)
        if is_first:
            aa_r = "M" if codon in code.starts else aa_r
            if codon in code.starts and new in code.starts:
                kind, aa_n = "start_retained", "M"
            elif codon in code.starts:
                kind = "start_lost"
            else:
                kind = "missense" if aa_r != aa_n else "synonymous"
        elif aa_r == "*" and aa_n == "*":
            kind = "stop_retained"
        elif aa_r == "*":
            kind = "stop_lost"
        elif aa_n == "*":
            kind = "stop_gained"
        elif aa_r == aa_n:
            kind = "synonymous"
        else:
            kind = "missense"
        if is_last and aa_r != "*" and not partial:
            flags.append("annotated CDS does not end in a stop codon")
        return Consequence(
            kind, SEVERITY[kind], cds_pos=off + 1, codon_ref=codon, codon_alt=new,
            aa_ref=aa_r, aa_alt=aa_n, protein_pos=ci + 1, flags=tuple(flags),
            **base,  # type: ignore[arg-type]
        )

    @staticmethod
    def _splice(t: Transcript, pos: int) -> tuple[str | None, int | None]:
        """Splice call and 1-based intron number (transcript order) near ``pos``."""
        for n, iv in enumerate(t.introns_in_order(), start=1):
            if len(iv) < 4:
                continue
            # distance into the intron from its 5' (donor) end and from its 3' (acceptor) end
            if iv.start <= pos < iv.end:
                if t.strand == "+":
                    d5, d3 = pos - iv.start + 1, iv.end - pos
                else:
                    d5, d3 = iv.end - pos, pos - iv.start + 1
                if d5 <= 2:
                    return "splice_donor", n
                if d3 <= 2:
                    return "splice_acceptor", n
                if d5 <= 8 or d3 <= 8:
                    return "splice_region", n
                return None, n
            # exonic bases 1-3 next to the intron
            if iv.start - 3 <= pos < iv.start or iv.end <= pos < iv.end + 3:
                return "splice_region", n
        return None, None


def worst(consequences: Iterable[Consequence]) -> Consequence:
    """The most severe call (ties: gene, transcript, kind)."""
    cs = list(consequences)
    if not cs:
        return Consequence("intergenic", "modifier")
    return sorted(
        cs, key=lambda c: (-SEVERITY_RANK[c.severity], c.gene, c.transcript_id, c.kind)
    )[0]


def summarize(consequences: Iterable[Consequence]) -> str:
    """``;``-joined short calls, one per distinct (gene, kind, protein change)."""
    seen: list[str] = []
    for c in consequences:
        s = c.short()
        if s not in seen:
            seen.append(s)
    return ";".join(seen) if seen else "intergenic"

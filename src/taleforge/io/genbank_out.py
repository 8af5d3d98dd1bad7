"""GenBank (and FASTA) output of repair templates with Biopython: knock-in donors and
ssODNs, with features for arms, cargo, 2A, polyA, blocking mutations, TALE half-sites and
primers. Output is deterministic (fixed date, sorted features)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from Bio.Seq import Seq
from Bio.SeqFeature import FeatureLocation, SeqFeature
from Bio.SeqRecord import SeqRecord

_GB_TYPE = {
    "homology_arm": "misc_feature",
    "cargo": "CDS",
    "2A": "CDS",
    "filler": "misc_feature",
    "polyA": "polyA_signal",
    "splice_acceptor": "misc_feature",
    "tale_site": "protein_bind",
    "primer": "primer_bind",
    "blocking": "variation",
    "edit": "variation",
}


@dataclass(frozen=True)
class Feature:
    kind: str
    start: int  # 0-based, on the sequence as given to :func:`make_record`
    end: int
    strand: int
    label: str
    note: str = ""
    translate: bool = False


def make_record(
    name: str,
    seq: str,
    features: Sequence[Feature],
    *,
    description: str,
    reverse: bool = False,
    transl_table: int = 1,
    comments: Sequence[str] = (),
) -> SeqRecord:
    """A SeqRecord of ``seq`` with ``features``; ``reverse`` writes the reverse complement
    (features mapped), e.g. to give a minus-strand gene's donor in gene orientation.
    ``comments``: lines of the record's COMMENT (e.g. the design's warnings)."""
    locus = "".join(ch for ch in name if ch.isalnum() or ch in "_-")[:16] or "donor"
    rec = SeqRecord(Seq(seq.upper()), id=locus, name=locus, description=description)
    rec.annotations["molecule_type"] = "DNA"
    rec.annotations["topology"] = "linear"
    rec.annotations["data_file_division"] = "SYN"
    rec.annotations["date"] = "01-JAN-2000"
    if comments:
        rec.annotations["comment"] = "\n".join(comments)
    for f in sorted(features, key=lambda f: (f.start, f.end, f.kind, f.label)):
        quals: dict[str, list[str]] = {"label": [f.label]}
        if f.note:
            quals["note"] = [f.note]
        gtype = _GB_TYPE.get(f.kind, "misc_feature")
        if gtype == "CDS":
            quals["codon_start"] = ["1"]
            quals["transl_table"] = [str(transl_table)]
            if f.translate and (f.end - f.start) % 3 == 0:
                loc = FeatureLocation(f.start, f.end, strand=f.strand)
                prot = str(loc.extract(rec.seq).translate(table=transl_table))
                quals["translation"] = [prot.rstrip("*")]
            else:
                gtype = "misc_feature"
                quals.pop("codon_start")
                quals.pop("transl_table")
        rec.features.append(
            SeqFeature(FeatureLocation(f.start, f.end, strand=f.strand), type=gtype,
                       qualifiers=quals)
        )
    if reverse:
        rev = rec.reverse_complement(id=True, name=True, description=True, annotations=True)
        rev.features.sort(key=_feature_key)
        return rev
    return rec


def _feature_key(ft: SeqFeature) -> tuple[int, int, str]:
    loc = ft.location
    if loc is None:
        return (0, 0, ft.type)
    return (int(loc.start), int(loc.end), ft.type)


def genbank_text(record: SeqRecord) -> str:
    buf = io.StringIO()
    from Bio import SeqIO

    SeqIO.write(record, buf, "genbank")
    return buf.getvalue()


def fasta_text(records: Sequence[tuple[str, str]], width: int = 60) -> str:
    out = []
    for name, seq in records:
        out.append(f">{name}")
        out.extend(seq[i : i + width] for i in range(0, len(seq), width))
    return "\n".join(out) + "\n"

"""Writers of the repair-template jobs, ``correction`` (TALEN + ssODN) and ``knockin``
(TALEN + donor), registered in :mod:`taleforge.io.registry`.

Both are folder jobs: ``--out FOLDER`` receives ``<job>.json`` (provenance header and every
design with its rules), ``<job>.fa`` (the ssODNs / donors) and ``<job>.gb`` (one GenBank
record per design). The JSON keeps the key order of ``as_dict`` (the donor goldens pin it).
"""

from __future__ import annotations

import json
from typing import Any

from taleforge.design.donor import CorrectionResult, KnockinResult
from taleforge.io.genbank_out import fasta_text
from taleforge.io.registry import register
from taleforge.model.dna import reverse_complement


@register("correction", "json", ext=(".json",), filename="correction.json")
def correction_json(res: CorrectionResult, *, command: str | None = None, **_: Any) -> str:
    """Provenance header and every design (pair, blocking mutations, ssODNs, rules)."""
    return json.dumps(res.as_dict(command), indent=2, sort_keys=False) + "\n"


@register("correction", "fasta", ext=(".fa", ".fasta"), filename="correction.fa")
def correction_fasta(res: CorrectionResult, **_: Any) -> str:
    """Every design's ssODNs (both strands), IDT notation in the header."""
    fa = [(f"design{d.rank}_{o.name} {o.note}".strip(), o.seq) for d in res.designs for o in d.ssodns]
    return fasta_text(fa)


@register("correction", "genbank", ext=(".gb", ".gbk"), filename="correction.gb")
def correction_gb(res: CorrectionResult, **_: Any) -> str:
    """One GenBank record per design: the top-strand ssODN with edit, blocking mutations
    and the TALE half-sites it covers."""
    from taleforge.design.donor import correction_genbank

    return "".join(correction_genbank(res, d, name=f"ssODN{d.rank}_{res.position + 1}")
                   for d in res.designs)


@register("knockin", "json", ext=(".json",), filename="knockin.json")
def knockin_json(res: KnockinResult, *, command: str | None = None, **_: Any) -> str:
    """Provenance header and every donor design (pair, arms, insert, re-cut check, rules)."""
    return json.dumps(res.as_dict(command), indent=2) + "\n"


@register("knockin", "fasta", ext=(".fa", ".fasta"), filename="knockin.fa")
def knockin_fasta(res: KnockinResult, **_: Any) -> str:
    """Every donor, in gene orientation."""
    fa = [(f"{res.gene or 'donor'}_KI{d.rank} {d.pair.pair_id()}",
           reverse_complement(d.donor_plus) if res.strand == "-" else d.donor_plus)
          for d in res.designs]
    return fasta_text(fa)


@register("knockin", "genbank", ext=(".gb", ".gbk"), filename="knockin.gb")
def knockin_gb(res: KnockinResult, **_: Any) -> str:
    """One GenBank record per donor (gene orientation), features for arms, cargo, 2A, polyA."""
    from taleforge.design.donor import knockin_genbank

    return "".join(knockin_genbank(res, d) for d in res.designs)

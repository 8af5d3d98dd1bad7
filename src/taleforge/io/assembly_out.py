"""Writers of the assembly job (``taleforge assemble``), registered in
:mod:`taleforge.io.registry`; the renderers themselves are :mod:`taleforge.assembly.writers`.

A folder job: ``assembly.json``, ``protein.fa``, ``orf.fa``, ``<side>.gb`` per construct,
``plan.tsv`` (kit route only), ``order.csv`` and ``report.html`` (ORF and plasmid maps,
:mod:`taleforge.io.html.plasmid`).
"""

from __future__ import annotations

import json
from typing import Any

from taleforge.io.registry import MULTI, register


@register("assembly", "files", filename=MULTI)
def assembly_files(res: Any, *, command: str = "", **_: Any) -> dict[str, str]:
    """Every file of the --out folder: JSON record, protein/ORF FASTA, GenBank maps, plan, order."""
    from taleforge import __version__
    from taleforge.assembly import writers as w

    out = {
        "assembly.json": w.result_json(res, command=command, version=__version__),
        "protein.fa": w.protein_fasta(res),
        "orf.fa": w.orf_fasta(res),
    }
    for c in res.constructs:
        out[f"{c.side}.gb"] = w.genbank_text(c)
    if res.kit is not None:
        out["plan.tsv"] = w.plan_tsv(res)
    out["order.csv"] = w.order_csv(res)
    from taleforge.io.html.plasmid import assembly_report

    out["report.html"] = assembly_report(json.loads(out["assembly.json"]))
    return out

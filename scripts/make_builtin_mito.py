#!/usr/bin/env python3
"""Build the packaged hg38 chrM annotation (src/taleforge/data/hg38-chrM.gff3) from the
NCBI RefSeq GenBank record NC_012920.1 (rCRS = hg38 chrM; same coordinates).

Usage:  python scripts/make_builtin_mito.py [NC_012920.1.gb] [out.gff3]
Defaults: ../shared/data/mito/NC_012920.1.gb -> src/taleforge/data/hg38-chrM.gff3

Output (GFF3, seqid chrM, 1-based): for each of the 37 genes a ``gene`` row
(Name = HGNC official "MT-" symbol from /nomenclature, Alias = GenBank /gene and its
/gene_synonym), one transcript row (mRNA / tRNA / rRNA), one ``exon`` row and, for the 13
protein-coding genes, a ``CDS`` row with transl_table=2, protein_id, product and the
GenBank /transl_except facts (incomplete stop codons completed by polyadenylation; the
CDS interval is kept exactly as given, so ND1, ND2, CO3, ND3, ND4 and CYTB CDS lengths
are not multiples of 3). The output is deterministic (byte-identical on re-runs).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import quote

from Bio import SeqIO

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_IN = ROOT.parent / "shared" / "data" / "mito" / "NC_012920.1.gb"
DEFAULT_OUT = ROOT / "src" / "taleforge" / "data" / "hg38-chrM.gff3"
SEQID = "chrM"
_OFFICIAL_RE = re.compile(r"Official Symbol:\s*([^\s|]+)")
_BIOTYPE = {"CDS": "protein_coding", "tRNA": "Mt_tRNA", "rRNA": "Mt_rRNA"}
_TXTYPE = {"CDS": "mRNA", "tRNA": "tRNA", "rRNA": "rRNA"}


def esc(v: str) -> str:
    """GFF3 attribute value escaping (;,=&% and controls; keep spaces and ( ) : .)."""
    return quote(v, safe=" ()':./-_+|[]*")


def attrs(pairs: list[tuple[str, list[str]]]) -> str:
    return ";".join(f"{k}={','.join(esc(v) for v in vs)}" for k, vs in pairs if vs)


def q(feat: object, key: str) -> list[str]:
    return [str(v) for v in feat.qualifiers.get(key, [])]  # type: ignore[attr-defined]


def main(argv: list[str]) -> int:
    src = Path(argv[1]) if len(argv) > 1 else DEFAULT_IN
    out = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUT
    rec = SeqIO.read(str(src), "genbank")
    genes: dict[str, object] = {}
    products: dict[str, tuple[str, object]] = {}
    for f in rec.features:
        if f.type == "gene":
            genes[q(f, "gene")[0]] = f
        elif f.type in _BIOTYPE:
            products[q(f, "gene")[0]] = (f.type, f)
    if len(genes) != 37 or len(products) != 37:
        raise SystemExit(f"expected 37 genes/products, found {len(genes)}/{len(products)}")
    lines = [
        "##gff-version 3",
        f"##sequence-region {SEQID} 1 {len(rec.seq)}",
        f"# Built by scripts/make_builtin_mito.py from NCBI RefSeq {rec.id} (GenBank flat "
        "file); seqid renamed to chrM (hg38 chrM = rCRS, identical coordinates).",
        "# Gene Name = HGNC official symbol; Alias = GenBank /gene and /gene_synonym.",
        "# CDS rows keep the GenBank intervals; stops completed by polyadenylation are "
        "listed in transl_except (aa:TERM).",
    ]
    rows: list[tuple[int, int, list[str]]] = []
    for sym, gf in genes.items():
        ptype, pf = products[sym]
        nomen = " ".join(q(gf, "nomenclature"))
        m = _OFFICIAL_RE.search(nomen)
        name = m.group(1) if m else f"MT-{sym}"
        loc = gf.location  # type: ignore[attr-defined]
        start, end = int(loc.start) + 1, int(loc.end)
        strand = "-" if loc.strand == -1 else "+"
        dbx = q(gf, "db_xref")
        gid = f"gene-{name}"
        tid = f"rna-{name}"
        biotype = _BIOTYPE[ptype]
        block = [
            "\t".join([SEQID, "RefSeq", "gene", str(start), str(end), ".", strand, ".",
                       attrs([("ID", [gid]), ("Name", [name]),
                              ("Alias", [sym, *q(gf, "gene_synonym")]),
                              ("Dbxref", dbx), ("gene_biotype", [biotype])])]),
            "\t".join([SEQID, "RefSeq", _TXTYPE[ptype], str(start), str(end), ".", strand,
                       ".",
                       attrs([("ID", [tid]), ("Parent", [gid]), ("gene_name", [name]),
                              ("transcript_biotype", [biotype]),
                              ("product", q(pf, "product")[:1])])]),
            "\t".join([SEQID, "RefSeq", "exon", str(start), str(end), ".", strand, ".",
                       attrs([("ID", [f"exon-{name}-1"]), ("Parent", [tid])])]),
        ]
        if ptype == "CDS":
            ploc = pf.location  # type: ignore[attr-defined]
            if len(ploc.parts) != 1:
                raise SystemExit(f"{sym}: unexpected multi-part CDS")
            cs, ce = int(ploc.start) + 1, int(ploc.end)
            # transl_except holds commas: GFF3 needs them escaped (%2C) inside one value
            block.append(
                "\t".join([SEQID, "RefSeq", "CDS", str(cs), str(ce), ".", strand, "0",
                           attrs([("ID", [f"cds-{q(pf, 'protein_id')[0]}"]), ("Parent", [tid]),
                                  ("protein_id", q(pf, "protein_id")),
                                  ("product", q(pf, "product")[:1]),
                                  ("transl_table", q(pf, "transl_table")),
                                  ("transl_except", q(pf, "transl_except"))])]))
        rows.append((start, end, block))
    for _s, _e, block in sorted(rows, key=lambda r: (r[0], r[1])):
        lines.extend(block)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {out} ({len(genes)} genes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

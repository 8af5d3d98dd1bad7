"""Outputs of ``taleforge assemble``: GenBank (every part a feature, repeats labelled with
their RVD), protein and ORF FASTA, the kit plan TSV, the order sheet CSV and a JSON record
with the parts' sources, warnings and the design core's provenance. Deterministic."""

from __future__ import annotations

import io
import json
import re
from typing import Any

from Bio import SeqIO
from Bio.Seq import Seq
from Bio.SeqFeature import FeatureLocation, SeqFeature
from Bio.SeqRecord import SeqRecord

from taleforge.assembly.build import AssemblyResult, Construct, orf_limits
from taleforge.assembly.kit import kit_order_csv
from taleforge.io.genbank_out import fasta_text
from taleforge.model.params import all_tables


def genbank_record(c: Construct) -> SeqRecord:
    locus = re.sub(r"[^A-Za-z0-9_-]", "", c.talen.name)[:16] or "TALEN"
    rec = SeqRecord(
        Seq(c.orf.upper()),
        id=locus,
        name=locus,
        description=f"{c.talen.name} TALEN ORF ({c.talen.architecture}, {c.talen.fok1}); {c.orf_source}",
    )
    rec.annotations.update(
        {
            "molecule_type": "DNA",
            "topology": "linear",
            "data_file_division": "SYN",
            "date": "01-JAN-2000",
            "source": "synthetic DNA construct",
            "organism": "synthetic DNA construct",
        }
    )
    rec.features.append(
        SeqFeature(
            FeatureLocation(0, len(c.orf), strand=1),
            type="CDS",
            qualifiers={
                "label": [c.talen.name],
                "codon_start": ["1"],
                "transl_table": ["1"],
                "translation": [c.talen.protein],
                "note": [f"RVDs {' '.join(c.talen.rvds)}"],
            },
        )
    )
    for s in c.talen.segments:
        rec.features.append(
            SeqFeature(
                FeatureLocation(3 * s.start, 3 * s.end, strand=1),
                type="misc_feature",
                qualifiers={"label": [s.label], "note": [f"{s.kind}; [{s.evidence}] {s.source}"]},
            )
        )
    return rec


def genbank_text(c: Construct) -> str:
    buf = io.StringIO()
    SeqIO.write(genbank_record(c), buf, "genbank")
    return buf.getvalue()


def protein_fasta(res: AssemblyResult) -> str:
    return fasta_text(
        [
            (f"{c.talen.name} RVDs={'-'.join(c.talen.rvds)} FokI={c.talen.fok1}", c.talen.protein)
            for c in res.constructs
        ]
    )


def orf_fasta(res: AssemblyResult) -> str:
    return fasta_text([(f"{c.talen.name} {len(c.orf)}bp {c.orf_source}", c.orf) for c in res.constructs])


def plan_tsv(res: AssemblyResult) -> str:
    rows = ["talen\tstep\treaction\tenzyme\trepeats\trvds\tparts_in_order\tarray_bp\tsimulated_bp"]
    for c in res.constructs:
        if c.plan is None or c.simulation is None:
            continue
        sim = dict(c.simulation.array_inserts_bp)
        for r in c.plan.reactions:
            simbp = sim.get(r.reaction, len(c.orf) if r.step == 2 else "")
            rows.append(
                "\t".join(
                    (
                        c.plan.name,
                        str(r.step),
                        r.reaction,
                        r.enzyme,
                        f"{r.repeats[0]}-{r.repeats[1]}",
                        " ".join(r.rvds),
                        ",".join(r.parts),
                        str(r.insert_bp),
                        str(simbp),
                    )
                )
            )
    return "\n".join(rows) + "\n"


def _natural(s: str) -> list[Any]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


def order_csv(res: AssemblyResult) -> str:
    if res.kit is not None:
        text = kit_order_csv([c.plan for c in res.constructs if c.plan is not None], res.kit)
        head, *rows = text.strip().split("\n")
        return "\n".join([head, *sorted(rows, key=_natural)]) + "\n"
    rows = ["fragment,sequence,length_bp"]
    for c in res.constructs:
        rows.append(f"{c.talen.name}_ORF,{c.orf},{len(c.orf)}")
    return "\n".join(rows) + "\n"


def result_json(res: AssemblyResult, *, command: str, version: str) -> str:
    from taleforge.design.result import json_header, make_provenance

    design_prov = (res.provenance or {}).get("provenance") or {}
    record = make_provenance(genome=design_prov.get("genome"),
                             annotation=None, tables=("assembly_parts", "assembly_orf"))
    out: dict[str, Any] = {
        # the one provenance header of every taleforge JSON (schema_version, job, provenance);
        # the genome is the design's, when the arrays came from a design JSON
        **json_header("assembly", record, command),
        "command": command,
        "taleforge_version": version,
        "name": res.name,
        "route": f"kit:{res.kit.name}" if res.kit else "synthesis",
        "scaffold": res.scaffold,
        "fok1": res.fok1,
        "codons": res.codons,
        "warnings": list(res.warnings),
        "parts": [
            {
                "key": p.key,
                "kind": p.kind,
                "label": p.label,
                "length_aa": len(p.protein),
                "source": p.source,
                "evidence": p.evidence,
            }
            for p in res.parts.parts.values()
        ],
        "parts_origin": res.parts.origin,
        "orf_limits": orf_limits(),
        "constructs": [],
        "design_provenance": res.provenance,
        "parameter_tables": [
            r for t in ("assembly_parts", "assembly_orf") for r in all_tables()[t].as_records()
        ],
    }
    if res.kit is not None:
        out["kit"] = {
            "name": res.kit.name,
            "title": res.kit.title,
            "source": res.kit.source,
            "catalogue": res.kit.catalogue,
            "rvd_range": [res.kit.rvd_min, res.kit.rvd_max],
        }
    for c in res.constructs:
        item: dict[str, Any] = {
            "side": c.side,
            "name": c.talen.name,
            "rvds": " ".join(c.talen.rvds),
            "n_rvds": len(c.talen.rvds),
            "protein": c.talen.protein,
            "protein_aa": len(c.talen.protein),
            "orf": c.orf,
            "orf_bp": len(c.orf),
            "orf_source": c.orf_source,
            "longest_exact_repeat_bp": c.longest_repeat_bp,
            "type_iis_sites": [list(s) for s in c.sites],
            "fok1": c.talen.fok1,
            "segments": [
                {
                    "kind": s.kind,
                    "label": s.label,
                    "aa_start": s.start + 1,
                    "aa_end": s.end,
                    "evidence": s.evidence,
                }
                for s in c.talen.segments
            ],
        }
        if c.plan is not None and c.simulation is not None:
            item["plan"] = [
                {
                    "step": r.step,
                    "reaction": r.reaction,
                    "enzyme": r.enzyme,
                    "parts": list(r.parts),
                    "repeats": list(r.repeats),
                    "array_bp": r.insert_bp,
                }
                for r in c.plan.reactions
            ]
            item["simulation"] = {
                "matches_design": c.simulation.matches_design,
                "product_bp": c.simulation.product_bp,
                "array_fragments_bp": dict(c.simulation.array_inserts_bp),
            }
        out["constructs"].append(item)
    return json.dumps(out, indent=1, sort_keys=True) + "\n"

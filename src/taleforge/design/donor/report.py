"""GenBank records of the donor designs (knock-in donor, correction ssODN)."""

from __future__ import annotations

from typing import Any

from taleforge.design.donor.correction import CorrectionDesign, CorrectionResult
from taleforge.design.donor.knockin import KnockinDesign, KnockinResult


def _comments(result: Any, design: Any) -> list[str]:
    """COMMENT lines of a design's GenBank record: the run's warnings that concern it (its
    second cut, placeholder parts, an unscanned genome, no transcript model)."""
    pid = design.pair.pair_id()
    out = []
    for w in result.typed_warnings():
        if w.severity == "warning" and w.design in (None, pid):
            out.append(f"WARNING ({w.code}): {w.message}")
    return out


def knockin_genbank(result: KnockinResult, design: KnockinDesign) -> str:
    """GenBank text of a knock-in donor, in gene orientation."""
    from taleforge.io.genbank_out import Feature, genbank_text, make_record

    translate = result.mode == "in-frame" or any(f.kind == "2A" for f in design.features)
    feats = [
        Feature(f.kind, f.start, f.end, f.strand, f.label, f.note,
                translate=translate and f.kind in ("cargo", "2A"))
        for f in design.features
    ]
    rec = make_record(
        f"{result.gene or 'donor'}_KI{design.rank}",
        design.donor_plus,
        feats,
        description=f"{result.mode} knock-in donor for {result.transcript} {result.target}, "
        f"TALEN {design.pair.pair_id()}, insertion between {result.contig}:"
        f"{design.insertion}-{design.insertion + 1} (1-based)",
        reverse=result.strand == "-",
        comments=_comments(result, design),
    )
    return genbank_text(rec)


def correction_genbank(
    result: CorrectionResult, design: CorrectionDesign, *, name: str | None = None
) -> str:
    """GenBank text of the top-strand ssODN with the edit, blocking mutations and the parts
    of the TALE half-sites it covers. ``name``: the LOCUS name (default ``ssODN_<pos>``;
    give each design its own when writing several records to one file)."""
    from taleforge.io.genbank_out import Feature, genbank_text, make_record

    locus = name or f"ssODN_{result.position + 1}"

    o = design.ssodns[0]
    feats: list[Feature] = []
    for c in design.changes:
        i = c.pos - o.start
        feats.append(Feature("edit" if c.kind == "edit" else "blocking", i, i + 1, 1,
                             f"{c.kind} {c.ref}>{c.alt}", f"{result.contig}:{c.pos + 1}"))
    first = min(c.pos for c in design.changes) - o.start
    last = max(c.pos for c in design.changes) - o.start + 1
    if first > 0:
        feats.append(Feature("homology_arm", 0, first, 1, "left arm"))
    if last < len(o.seq):
        feats.append(Feature("homology_arm", last, len(o.seq), 1, "right arm"))
    for name, hs, st in (("left TALE", design.pair.left, 1), ("right TALE", design.pair.right, -1)):
        a, b = max(hs.bound.start, o.start) - o.start, min(hs.bound.end, o.end) - o.start
        if a < b:
            feats.append(Feature("tale_site", a, b, st, name, hs.rvd_string()))
    rec = make_record(
        locus,
        o.seq,
        feats,
        description=f"ssODN (top strand) correcting {result.contig}:{result.position + 1} "
        f"{result.current_base}>{result.corrected_base}, TALEN {design.pair.pair_id()}",
        comments=_comments(result, design),
    )
    return genbank_text(rec)

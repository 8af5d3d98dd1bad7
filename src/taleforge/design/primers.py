"""Genotyping aids: Primer3 primers for an amplicon around an edit, and restriction sites
created or destroyed by the edit (Biopython Restriction, usable commercially available
enzymes grouped by site: :mod:`taleforge.design.restriction`). Knockout genotyping (Sanger /
NGS amplicons checked genome-wide) is :mod:`taleforge.design.genotyping`."""

from __future__ import annotations

from dataclasses import dataclass

from taleforge.errors import NoResultError
from taleforge.model.params import Param, ParamTable, register_table

PRIMER_PARAMS = register_table(
    ParamTable(
        name="genotyping_primers",
        version="1",
        params=(
            Param("size_min", 18, "nt",
                  "CHOPCHOP defaults (Labun 2019 Nucleic Acids Res; Untergasser 2012 Nucleic Acids Res)",
                  "V"),
            Param("size_opt", 22, "nt", "CHOPCHOP defaults", "V"),
            Param("size_max", 25, "nt", "CHOPCHOP defaults", "V"),
            Param("product_min", 100, "bp", "CHOPCHOP defaults", "V"),
            Param("product_max", 290, "bp", "CHOPCHOP defaults", "V"),
            Param("tm_min", 57.0, "degC", "Primer3 defaults", "K"),
            Param("tm_opt", 60.0, "degC", "Primer3 defaults", "K"),
            Param("tm_max", 63.0, "degC", "Primer3 defaults", "K"),
            Param("min_flank_bp", 10, "bp", "placeholder", "U",
                  "primers end at least this far from the region that must be amplified"),
            Param("restriction_context_bp", 250, "bp",
                  "TALE-NT 2.0 (+-250 bp; Doyle 2012 Nucleic Acids Res)", "V",
                  "uniqueness window for genotyping enzymes"),
        ),
    )
)


@dataclass(frozen=True)
class PrimerPair:
    left_seq: str
    right_seq: str
    left_start: int  # genome, 0-based (+ strand 5' end of the forward primer)
    right_end: int  # genome, 0-based exclusive (+ strand 3' end of the reverse primer site)
    left_tm: float
    right_tm: float
    product_bp: int
    penalty: float

    def as_dict(self) -> dict[str, object]:
        return {
            "forward": self.left_seq,
            "reverse": self.right_seq,
            "forward_tm_c": round(self.left_tm, 2),
            "reverse_tm_c": round(self.right_tm, 2),
            "amplicon_start": self.left_start + 1,
            "amplicon_end": self.right_end,
            "product_bp": self.product_bp,
            "penalty": round(self.penalty, 4),
        }


def design_primers(
    seq: str,
    offset: int,
    target_start: int,
    target_end: int,
    *,
    exclude: tuple[int, ...] = (),
    params: ParamTable = PRIMER_PARAMS,
    n: int = 1,
) -> list[PrimerPair]:
    """Primer3 pairs whose amplicon contains genome interval [target_start, target_end)
    in the + strand window ``seq`` (first base = genome ``offset``). Primers avoid the
    positions in ``exclude`` (edited bases). Deterministic (Primer3 is)."""
    import primer3

    flank = int(params["min_flank_bp"])
    ts = max(0, target_start - offset - flank)
    te = min(len(seq), target_end - offset + flank)
    excl = [[p - offset, 1] for p in sorted(set(exclude)) if 0 <= p - offset < len(seq)]
    seq_args: dict[str, object] = {
        "SEQUENCE_ID": "amplicon",
        "SEQUENCE_TEMPLATE": seq.upper(),
        "SEQUENCE_TARGET": [ts, te - ts],
    }
    if excl:
        seq_args["SEQUENCE_EXCLUDED_REGION"] = excl
    glob: dict[str, object] = {
        "PRIMER_OPT_SIZE": int(params["size_opt"]),
        "PRIMER_MIN_SIZE": int(params["size_min"]),
        "PRIMER_MAX_SIZE": int(params["size_max"]),
        "PRIMER_OPT_TM": float(params["tm_opt"]),
        "PRIMER_MIN_TM": float(params["tm_min"]),
        "PRIMER_MAX_TM": float(params["tm_max"]),
        "PRIMER_PRODUCT_SIZE_RANGE": [[int(params["product_min"]), int(params["product_max"])]],
        "PRIMER_NUM_RETURN": n,
        "PRIMER_EXPLAIN_FLAG": 1,
    }
    res = primer3.bindings.design_primers(seq_args, glob)
    k = int(res.get("PRIMER_PAIR_NUM_RETURNED", 0))
    if k == 0:
        raise NoResultError(
            "Primer3 found no primer pair for the amplicon "
            f"({res.get('PRIMER_PAIR_EXPLAIN', 'no explanation')})",
            hint="give more flanking sequence or relax the primer settings",
        )
    out = []
    for i in range(k):
        ls, _ll = res[f"PRIMER_LEFT_{i}"]
        rs, _rl = res[f"PRIMER_RIGHT_{i}"]  # rs = 3'-most base index (0-based)
        out.append(
            PrimerPair(
                res[f"PRIMER_LEFT_{i}_SEQUENCE"],
                res[f"PRIMER_RIGHT_{i}_SEQUENCE"],
                offset + ls,
                offset + rs + 1,
                float(res[f"PRIMER_LEFT_{i}_TM"]),
                float(res[f"PRIMER_RIGHT_{i}_TM"]),
                int(res[f"PRIMER_PAIR_{i}_PRODUCT_SIZE"]),
                float(res[f"PRIMER_PAIR_{i}_PENALTY"]),
            )
        )
    return out


@dataclass(frozen=True)
class RestrictionChange:
    enzyme: str  # the representative of its isoschizomer group
    site: str
    effect: str  # "created" | "destroyed"
    unique_in_amplicon: bool  # after the edit (created) / before (destroyed)
    isoschizomers: tuple[str, ...] = ()  # other usable enzymes recognising the same site

    def as_dict(self) -> dict[str, object]:
        return {
            "enzyme": self.enzyme,
            "site": self.site,
            "effect": self.effect,
            "unique_in_amplicon": self.unique_in_amplicon,
            "isoschizomers": list(self.isoschizomers),
        }


def restriction_changes(
    before: str,
    after: str,
    offset: int,
    changed: tuple[int, ...],
    *,
    amplicon: tuple[int, int] | None = None,
) -> list[RestrictionChange]:
    """Usable commercial enzymes (:mod:`taleforge.design.restriction`: no
    modification-dependent enzymes; one row per isoschizomer group) whose recognition site
    is created or destroyed by substitutions at genome positions ``changed``
    (``before``/``after``: same-length + strand windows). Sorted: unique-in-amplicon first,
    then effect, then enzyme name."""
    from taleforge.design.restriction import _overlapping, enzyme_groups

    b, a = before.upper(), after.upper()
    lo, hi = (amplicon if amplicon is not None else (offset, offset + len(b)))
    lo_i, hi_i = max(0, lo - offset), min(len(b), hi - offset)
    rel = [p - offset for p in changed]
    out: list[RestrictionChange] = []
    for grp in enzyme_groups("commercial"):
        pat, size = grp.pattern, grp.size
        sb = {m.start() for m in _overlapping(pat, b)}
        sa = {m.start() for m in _overlapping(pat, a)}
        if sb == sa:
            continue

        def touching(starts: set[int], size: int = size) -> set[int]:
            return {s for s in starts if any(s <= r < s + size for r in rel)}

        created = touching(sa - sb)
        destroyed = touching(sb - sa)
        if created:
            n_amp = sum(1 for s in sa if lo_i <= s and s + size <= hi_i)
            out.append(RestrictionChange(grp.name, grp.site, "created", n_amp == 1,
                                         grp.isoschizomers))
        if destroyed:
            n_amp = sum(1 for s in sb if lo_i <= s and s + size <= hi_i)
            out.append(RestrictionChange(grp.name, grp.site, "destroyed", n_amp == 1,
                                         grp.isoschizomers))
    out.sort(key=lambda r: (not r.unique_in_amplicon, r.effect, r.enzyme))
    return out


def primers_in_regions(
    template: str,
    left_region: tuple[int, int],
    right_region: tuple[int, int],
    product_range: tuple[int, int],
    *,
    params: ParamTable = PRIMER_PARAMS,
) -> PrimerPair | None:
    """Best Primer3 pair with the forward primer inside ``left_region`` and the reverse
    primer inside ``right_region`` (0-based half-open indices into ``template``), e.g. for
    knock-in junction PCR (one primer outside the homology arm, one in the insert).
    Coordinates of the result are template indices. None when Primer3 finds nothing."""
    import primer3

    (la, lb), (ra, rb) = left_region, right_region
    if la < 0 or rb > len(template) or lb - la < 25 or rb - ra < 25:
        return None
    glob: dict[str, object] = {
        "PRIMER_OPT_SIZE": int(params["size_opt"]),
        "PRIMER_MIN_SIZE": int(params["size_min"]),
        "PRIMER_MAX_SIZE": int(params["size_max"]),
        "PRIMER_OPT_TM": float(params["tm_opt"]),
        "PRIMER_MIN_TM": float(params["tm_min"]),
        "PRIMER_MAX_TM": float(params["tm_max"]),
        "PRIMER_PRODUCT_SIZE_RANGE": [[int(product_range[0]), int(product_range[1])]],
        "PRIMER_NUM_RETURN": 1,
    }
    seq_args: dict[str, object] = {
        "SEQUENCE_ID": "junction",
        "SEQUENCE_TEMPLATE": template.upper(),
        "SEQUENCE_PRIMER_PAIR_OK_REGION_LIST": [[la, lb - la, ra, rb - ra]],
    }
    res = primer3.bindings.design_primers(seq_args, glob)
    if int(res.get("PRIMER_PAIR_NUM_RETURNED", 0)) == 0:
        return None
    ls, _ = res["PRIMER_LEFT_0"]
    rs, _ = res["PRIMER_RIGHT_0"]
    return PrimerPair(
        res["PRIMER_LEFT_0_SEQUENCE"], res["PRIMER_RIGHT_0_SEQUENCE"], ls, rs + 1,
        float(res["PRIMER_LEFT_0_TM"]), float(res["PRIMER_RIGHT_0_TM"]),
        int(res["PRIMER_PAIR_0_PRODUCT_SIZE"]), float(res["PRIMER_PAIR_0_PENALTY"]),
    )

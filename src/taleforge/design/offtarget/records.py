"""Off-target records: half-sites, pairs, their column views, and the parameter table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from taleforge.model.params import Param, ParamTable, register_table
from taleforge.scoring.base import SiteScore

Role = Literal["L", "R"]

BASES = "ACGT"

OFFTARGET_PARAMS = register_table(
    ParamTable(
        name="offtarget_specificity",
        version="1",
        params=(
            Param("pair_weight", 10.0, "score points", "taleforge (issue 3)", "U",
                  "specificity_pairs = -pair_weight * log2(1 + sum over off-target pairs "
                  "of decay**total_mismatches)"),
            Param("site_weight", 1.0, "score points", "taleforge (issue 3)", "U",
                  "specificity_sites = -site_weight * log2(1 + sum over off-target single "
                  "half-sites of decay**mismatches)"),
            Param("decay", 0.5, "per mismatch", "taleforge; Juillerat 2014 (qualitative)", "U",
                  "each mismatch halves the weight of an off-target"),
            Param("pair_fail_max_mismatches", 2, "mismatches", "taleforge", "U",
                  "specificity_pairs fails when an off-target pair has <= this many "
                  "total mismatches"),
            Param("top_sites", 20, "sites", "taleforge", "U",
                  "off-target sites kept per candidate in specificity summaries"),
            Param("top_pairs", 5, "pairs", "taleforge", "U",
                  "best-scoring passing off-target pairs kept per candidate in specificity "
                  "summaries (second-cut reports)"),
            Param("annotate_max", 20000, "sites", "taleforge", "U",
                  "sites/pairs annotated with gene context (the rest are left blank)"),
            Param("max_records", 10000, "records", "taleforge (issue 8)", "U",
                  "sites and pairs kept as records per off-target query (the best by fraction "
                  "of the score budget used); counts always cover every hit"),
            Param("score_bins", 10, "bins", "taleforge (issue 8)", "U",
                  "hits are counted in this many equal bins of the fraction of the model's "
                  "budget they use (0 = best possible site, 1 = at the threshold)"),
            Param("cellectis_half_site_bp", 17, "bp", "published Cellectis 17-15-17 sites",
                  "V", "half-site including the position-0 base (16 RVDs)"),
        ),
    )
)


# ------------------------------------------------------------------------------ records


@dataclass(frozen=True)
class OffTargetSite:
    """One half-site hit (0-based half-open ``start``/``end`` of the bound bases)."""

    role: Role
    contig: str
    start: int
    end: int
    strand: Literal["+", "-"]
    pos0: int  # 0-based coordinate of position 0
    pos0_base: str  # on the TALE's strand
    seq: str  # bound bases 5'->3' as the TALE reads them
    mismatches: int
    mismatches_by_third: tuple[int, int, int]
    score: float
    passes: bool
    is_ontarget: bool = False
    location: str = ""
    nearest_gene: str = ""
    gene_distance: int | None = None

    @property
    def footprint(self) -> tuple[int, int]:
        """Bound bases plus position 0 (0-based half-open)."""
        return (self.start - 1, self.end) if self.strand == "+" else (self.start, self.end + 1)

    def label(self) -> str:
        return f"{self.role}{self.strand} {self.contig}:{self.start + 1}-{self.end}"


@dataclass(frozen=True)
class OffTargetPair:
    """A tail-to-tail pair: ``up`` reads the top strand, ``down`` the bottom strand."""

    orientation: Literal["L/R", "R/L", "L/L", "R/R"]  # upstream role / downstream role
    upstream: Role
    contig: str
    up: OffTargetSite
    down: OffTargetSite
    spacer: int
    up_score: SiteScore
    down_score: SiteScore
    combined_score: float
    passes: bool
    is_ontarget: bool = False
    location: str = ""
    nearest_gene: str = ""
    gene_distance: int | None = None

    @property
    def total_mismatches(self) -> int:
        return self.up.mismatches + self.down.mismatches

    @property
    def start(self) -> int:
        return self.up.start - 1

    @property
    def end(self) -> int:
        return self.down.end + 1

    @property
    def cut(self) -> int:
        """0-based spacer centre."""
        return self.up.end + self.spacer // 2

    def mismatches_by_third(self) -> tuple[int, int, int]:
        a, b = self.up.mismatches_by_third, self.down.mismatches_by_third
        return (a[0] + b[0], a[1] + b[1], a[2] + b[2])

    def explain(self) -> str:
        """Both sites' per-repeat score tables."""
        return "\n".join([
            f"pair {self.pair_id()} {self.orientation} (upstream {self.upstream}), spacer "
            f"{self.spacer} bp, {self.total_mismatches} mismatches "
            f"(by third {'/'.join(str(x) for x in self.mismatches_by_third())}), combined "
            f"score {self.combined_score:.4f}{' ON-TARGET' if self.is_ontarget else ''}",
            f"upstream {self.up.label()} {self.up.seq}:",
            self.up_score.explanation(),
            f"downstream {self.down.label()} {self.down.seq}:",
            self.down_score.explanation(),
        ])

    def pair_id(self) -> str:
        return (
            f"{self.contig}:{self.start + 1}:{self.upstream}{self.up.end - self.up.start}"
            f"S{self.spacer}{self.down.role}{self.down.end - self.down.start}"
        )


@dataclass(frozen=True)
class PairColumns:
    """Off-target pairs as columns (one row per pair, in report order). Coordinates are
    0-based half-open bound bases on the top strand; ``up`` reads the top strand."""

    contig: NDArray[np.str_]
    orientation: NDArray[np.str_]
    up_role: NDArray[np.str_]
    down_role: NDArray[np.str_]
    up_start: NDArray[np.int64]
    up_end: NDArray[np.int64]
    down_start: NDArray[np.int64]
    down_end: NDArray[np.int64]
    spacer: NDArray[np.int64]
    up_score: NDArray[np.float64]
    down_score: NDArray[np.float64]
    up_mismatches: NDArray[np.int64]
    down_mismatches: NDArray[np.int64]
    is_ontarget: NDArray[np.bool_]
    passes: NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.up_start.size)


@dataclass(frozen=True)
class SiteColumns:
    """Half-sites as columns (one row per site and role, in report order)."""

    role: NDArray[np.str_]
    contig: NDArray[np.str_]
    start: NDArray[np.int64]
    end: NDArray[np.int64]
    strand: NDArray[np.int8]
    score: NDArray[np.float64]
    mismatches: NDArray[np.int64]
    pos0_base: NDArray[np.str_]
    is_ontarget: NDArray[np.bool_]
    passes: NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.start.size)


TSV_COLUMNS = (
    "kind", "id", "contig", "start", "end", "orientation", "upstream", "spacer_bp",
    "mismatches", "mm_third1", "mm_third2", "mm_third3", "combined_score", "passes",
    "site1_role", "site1_strand", "site1_start", "site1_end", "site1_pos0", "site1_seq",
    "site1_mismatches", "site1_score", "site1_passes",
    "site2_role", "site2_strand", "site2_start", "site2_end", "site2_pos0", "site2_seq",
    "site2_mismatches", "site2_score", "site2_passes",
    "location", "nearest_gene", "gene_distance",
)


def _site_cols(tag: str, s: OffTargetSite) -> dict[str, Any]:
    return {
        f"{tag}_role": s.role,
        f"{tag}_strand": s.strand,
        f"{tag}_start": s.start + 1,
        f"{tag}_end": s.end,
        f"{tag}_pos0": f"{s.pos0 + 1}:{s.pos0_base}",
        f"{tag}_seq": s.seq,
        f"{tag}_mismatches": s.mismatches,
        f"{tag}_score": round(s.score, 6),
        f"{tag}_passes": s.passes,
    }

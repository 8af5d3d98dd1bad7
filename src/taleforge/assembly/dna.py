"""DNA for TALEN ORFs: codon choice under constraints with DnaChisel (repeat-diversified
codons so a synthesis vendor accepts the ORF, no internal Type IIS sites of the kits, GC and
homopolymer limits), plus the checks the tests and the writers use."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

from Bio.Seq import Seq

from taleforge.assembly.deps import require
from taleforge.errors import NoResultError, ParameterError
from taleforge.model.params import Param, ParamTable, register_table

ORF_PARAMS = register_table(
    ParamTable(
        name="assembly_orf",
        version="1",
        params=(
            Param(
                "max_exact_repeat_bp",
                19,
                "bp",
                "synthesis vendors reject long exact repeats (IDT/Twist complexity screens flag repeats "
                "of about 20 bp and more); 19 is a conservative placeholder",
                "U",
                "no exact repeat (either strand) longer than this in a synthetic ORF",
            ),
            Param(
                "gc_min",
                0.30,
                "fraction",
                "common gene-synthesis limits (vendor complexity screens)",
                "K",
                "minimum GC in every window",
            ),
            Param(
                "gc_max",
                0.70,
                "fraction",
                "common gene-synthesis limits (vendor complexity screens)",
                "K",
                "maximum GC in every window",
            ),
            Param("gc_window_bp", 50, "bp", "common gene-synthesis limits", "K", "GC window"),
            Param(
                "max_homopolymer_bp",
                5,
                "bp",
                "synthesis / sequencing practice",
                "K",
                "longest single-base run allowed",
            ),
            Param(
                "avoid_sites",
                "BsaI,BsmBI",
                "enzymes",
                "Type IIS enzymes of the Golden Gate TALEN kit (Cermak 2011; Esp3I = BsmBI site CGTCTC)",
                "K",
                "no internal site on either strand",
            ),
            Param(
                "codon_species",
                "h_sapiens",
                "codon table",
                "DnaChisel / python_codon_tables (Kazusa)",
                "V",
                "codon usage sampled for --codons human",
            ),
            Param(
                "min_codon_frequency",
                0.10,
                "fraction",
                "common rare-codon cut-off (DnaChisel AvoidRareCodons)",
                "K",
                "codons used less often than this by the host are not used",
            ),
        ),
    )
)

CODON_SPECIES = {"human": "h_sapiens", "mouse": "m_musculus", "ecoli": "e_coli", "yeast": "s_cerevisiae"}
SITES = {"BsaI": "GGTCTC", "BsmBI": "CGTCTC", "Esp3I": "CGTCTC"}


def revcomp(s: str) -> str:
    return str(Seq(s).reverse_complement())


def find_sites(dna: str, enzymes: Iterable[str] = ("BsaI", "BsmBI")) -> list[tuple[str, int]]:
    """Every recognition site (either strand) of the enzymes in ``dna``: (enzyme, 0-based pos)."""
    dna = dna.upper()
    out = []
    for e in enzymes:
        site = SITES[e]
        for s in {site, revcomp(site)}:
            i = dna.find(s)
            while i >= 0:
                out.append((e, i))
                i = dna.find(s, i + 1)
    return sorted(set(out))


def longest_exact_repeat(dna: str, *, both_strands: bool = True) -> int:
    """Length of the longest substring that occurs twice (at different places, or once on each
    strand when ``both_strands``)."""
    dna = dna.upper()
    rc = revcomp(dna)

    def repeated(k: int) -> bool:
        seen: set[str] = set()
        for i in range(len(dna) - k + 1):
            w = dna[i : i + k]
            if w in seen:
                return True
            seen.add(w)
        if both_strands:
            for i in range(len(rc) - k + 1):
                w = rc[i : i + k]
                if w in seen and w != revcomp(w):
                    # a k-mer equal to its own reverse complement is one site, not a repeat
                    return True
        return False

    lo, hi = 0, len(dna)
    while lo < hi:  # largest k with a repeat (monotone: a repeated k-mer has repeated (k-1)-mers)
        mid = (lo + hi + 1) // 2
        if repeated(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def longest_homopolymer(dna: str) -> int:
    best = run = 0
    prev = ""
    for ch in dna.upper():
        run = run + 1 if ch == prev else 1
        prev = ch
        best = max(best, run)
    return best


def _initial(protein: str, species: str, seed: int, min_freq: float = 0.1) -> str:
    """Codons drawn at random from the host's usage (rare ones excluded): a repeat-diversified
    start whose codon usage already matches the host's."""
    pct = require("python_codon_tables")
    table = pct.get_codons_table(species)
    rng = random.Random(seed)
    out = []
    for aa in protein:
        codons = table[aa]
        names = sorted(c for c in codons if codons[c] >= min_freq) or sorted(codons)
        weights = [codons[c] for c in names]
        out.append(rng.choices(names, weights)[0])
    return "".join(out)


@dataclass(frozen=True)
class OrfResult:
    dna: str  # ORF including the stop codon
    protein: str
    species: str
    constraints: tuple[str, ...]
    longest_repeat_bp: int
    sites: tuple[tuple[str, int], ...]


def optimise_orf(
    protein: str,
    *,
    codons: str = "human",
    seed: int = 1,
    polish: bool = False,
    params: ParamTable = ORF_PARAMS,
) -> OrfResult:
    """A synthesis-ready ORF for ``protein`` (stop codon added). The start draws codons from
    the host's usage (so repeats start diversified); DnaChisel then enforces the translation
    and removes Type IIS sites, long exact repeats (either strand), rare codons, GC and
    homopolymer problems. ``polish`` also runs DnaChisel's codon-usage objective (about 10 s
    per TALEN). Deterministic for a given seed."""
    dc = require("dnachisel")
    np = require("numpy")
    species = CODON_SPECIES.get(codons.lower(), codons)
    if species not in CODON_SPECIES.values():
        raise ParameterError(
            f"unknown codon table {codons!r}", hint="use one of: " + ", ".join(CODON_SPECIES)
        )
    prot = protein.rstrip("*") + "*"
    k = int(params["max_exact_repeat_bp"]) + 1
    hp = int(params["max_homopolymer_bp"]) + 1
    enzymes = [e.strip() for e in str(params["avoid_sites"]).split(",") if e.strip()]
    constraints = [
        dc.EnforceTranslation(),
        *(dc.AvoidPattern(f"{e}_site") for e in enzymes),
        *(dc.AvoidPattern(f"{hp}x{b}") for b in "ACGT"),
        dc.EnforceGCContent(
            mini=float(params["gc_min"]), maxi=float(params["gc_max"]), window=int(params["gc_window_bp"])
        ),
        dc.UniquifyAllKmers(k, include_reverse_complement=True),
        dc.AvoidRareCodons(float(params["min_codon_frequency"]), species=species),
    ]
    np.random.seed(seed)
    problem = dc.DnaOptimizationProblem(
        sequence=_initial(prot, species, seed, float(params["min_codon_frequency"])),
        constraints=constraints,
        objectives=[dc.CodonOptimize(species=species, method="match_codon_usage")] if polish else [],
        logger=None,
    )
    try:
        problem.resolve_constraints()
        if polish:
            problem.optimize()
    except dc.NoSolutionError as exc:
        raise NoResultError(
            f"no ORF satisfies the synthesis constraints ({str(exc).splitlines()[0]})",
            hint="relax max_exact_repeat_bp or the GC window",
        ) from None
    dna = problem.sequence
    if str(Seq(dna).translate()) != prot:  # pragma: no cover - EnforceTranslation guarantees it
        raise NoResultError("codon optimisation changed the protein", hint="report this as a bug")
    desc = tuple(str(c) for c in constraints)
    return OrfResult(dna, prot.rstrip("*"), species, desc, longest_exact_repeat(dna), tuple(find_sites(dna)))


def backtranslate_fixed(protein: str, table: dict[str, str]) -> str:
    return "".join(table[a] for a in protein)


#: A fixed human-preferred codon per amino acid (Kazusa h_sapiens most frequent codon) used only
#: for the in-silico kit backbone; sites are removed by :func:`clean_sites`.
HUMAN_TOP_CODON = {
    "A": "GCC",
    "R": "CGG",
    "N": "AAC",
    "D": "GAC",
    "C": "TGC",
    "Q": "CAG",
    "E": "GAG",
    "G": "GGC",
    "H": "CAC",
    "I": "ATC",
    "L": "CTG",
    "K": "AAG",
    "M": "ATG",
    "F": "TTC",
    "P": "CCC",
    "S": "AGC",
    "T": "ACC",
    "W": "TGG",
    "Y": "TAC",
    "V": "GTG",
    "*": "TGA",
}


def clean_sites(protein: str, enzymes: Iterable[str] = ("BsaI", "BsmBI")) -> str:
    """A back-translation of ``protein`` with no site of ``enzymes`` (DnaChisel, sites only)."""
    dc = require("dnachisel")
    np = require("numpy")
    np.random.seed(0)
    dna = backtranslate_fixed(protein, HUMAN_TOP_CODON)
    if not find_sites(dna, enzymes):
        return dna
    problem = dc.DnaOptimizationProblem(
        sequence=dna,
        constraints=[dc.EnforceTranslation(), *(dc.AvoidPattern(f"{e}_site") for e in enzymes)],
        logger=None,
    )
    problem.resolve_constraints()
    return str(problem.sequence)

"""5-methyl-C contexts: which cytosines of a genome are methylated, so that a TALE's HD
repeats (which read C but not 5-methyl-C; Valton et al. 2012 J Biol Chem 287:38427; Deng et
al. 2012 Cell Res 22:1502) can be counted against it.

A context is a motif with the index of its methylated C, applied to both strands:

* ``cpg``  -- vertebrate nuclear DNA: the C of CpG (most CpGs are methylated in somatic
  cells; CpG islands at promoters mostly are not, which this context does not model).
* ``dcm``  -- *E. coli* K-12: Dcm methylates the internal C of CCWGG (W = A/T).
* ``none`` -- *S. cerevisiae* (no detectable 5-methyl-C) and mitochondrial DNA (human mtDNA
  CpG methylation is minimal and disputed: reported by Shock et al. 2011, found absent by
  Hong et al. 2013).

:func:`resolve_methylation` turns the user's choice (``auto|cpg|dcm|none``) into a context for
one contig, with a reason that says why; ``auto`` first uses the organism of a registered
genome (``taleforge genome add NAME --organism X``; vocabulary and mapping in the table
``methylation_organisms``, :data:`ORGANISMS`), then decides from the genome's contig names
(built-in mito / mtDNA contigs -> none; the E. coli K-12 and S. cerevisiae S288C accessions
and chromosome names -> dcm / none; anything else -> cpg, *assumed* vertebrate nuclear DNA).
Mitochondrial contigs are unmethylated under a cpg organism too.
:func:`methylated_c_masks` marks the methylated Cs of a sequence on each strand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from taleforge.errors import ParameterError
from taleforge.model.params import Param, ParamTable, register_table

if TYPE_CHECKING:
    from taleforge.genome.index import Genome

MethylationContext = Literal["cpg", "dcm", "none"]
METHYLATION_CHOICES: tuple[str, ...] = ("auto", "cpg", "dcm", "none")

METHYLATION = register_table(
    ParamTable(
        name="methylation",
        version="1",
        params=(
            Param("motif_cpg", ("CG", 0), "motif, index of the methylated C",
                  "Bird 2002 Genes Dev 16:6 (DNA methylation patterns)", "K",
                  "vertebrate nuclear DNA: the C of CpG on both strands; CpG islands "
                  "(mostly unmethylated) are not distinguished"),
            Param("motif_dcm", ("CCWGG", 1), "motif, index of the methylated C",
                  "May & Hattman 1975 J Bacteriol 123:768; Marinus & Morris 1973 J Bacteriol "
                  "114:1143 (dcm)", "K",
                  "E. coli K-12 Dcm: the internal (second) C of CCWGG on both strands"),
            Param("yeast", "none", "context",
                  "Proffitt et al. 1984 Mol Cell Biol 4:985 (5-methyl-C not detectable in "
                  "S. cerevisiae DNA)", "K", "S. cerevisiae nuclear and mitochondrial DNA"),
            Param("mtdna", "none", "context",
                  "Hong et al. 2013 Mol Cell Biol 33:2683 (no CpG methylation in human "
                  "mtDNA); disputed by Shock et al. 2011 PNAS 108:3630", "U",
                  "mitochondrial DNA: treated as unmethylated; the evidence is disputed, "
                  "use --methylation cpg to be conservative"),
        ),
    )
)

#: ``--organism`` of ``taleforge genome add``: the word -> the methylation context that
#: ``--methylation auto`` applies to the genome's nuclear contigs. Aliases (human, mouse) keep
#: the word the user gave (it is what the registry and the provenance record).
ORGANISMS = register_table(
    ParamTable(
        name="methylation_organisms",
        version="1",
        params=(
            Param("vertebrate", "cpg", "context",
                  "Bird 2002 Genes Dev 16:6 (DNA methylation patterns)", "K",
                  "vertebrate nuclear DNA: most CpGs methylated (CpG islands not modelled)"),
            Param("human", "cpg", "context", "Bird 2002 Genes Dev 16:6", "K",
                  "alias of vertebrate"),
            Param("mouse", "cpg", "context", "Bird 2002 Genes Dev 16:6", "K",
                  "alias of vertebrate"),
            Param("ecoli-k12", "dcm", "context",
                  "May & Hattman 1975 J Bacteriol 123:768; Marinus & Morris 1973 J Bacteriol "
                  "114:1143 (dcm)", "K", "E. coli K-12 (dcm+): the internal C of CCWGG"),
            Param("yeast", "none", "context",
                  "Proffitt et al. 1984 Mol Cell Biol 4:985 (5-methyl-C not detectable in "
                  "S. cerevisiae DNA)", "K", "S. cerevisiae: no 5-methyl-C"),
            Param("drosophila", "none", "context",
                  "no CpG methylation system (no Dnmt1/Dnmt3; only trace, non-CpG 5-methyl-C "
                  "reported, e.g. Capuano et al. 2014 Anal Chem 86:3697)", "U",
                  "D. melanogaster: treated as unmethylated; use --methylation cpg to be "
                  "conservative"),
            Param("c-elegans", "none", "context",
                  "no CpG methylation system (no Dnmt1/Dnmt3; no 5-methyl-C detected: Simpson "
                  "et al. 1986 Nucleic Acids Res 14:6711)", "U",
                  "C. elegans: treated as unmethylated"),
            Param("plant", "cpg", "context",
                  "Law & Jacobsen 2010 Nat Rev Genet 11:204 (plants methylate CG, CHG and CHH)",
                  "U",
                  "plants: CpG counted; CHG and CHH methylation (partial, lower levels) is not "
                  "modelled (every C is in one of CG/CHG/CHH, counting all would penalise "
                  "every HD)"),
            Param("other", "none", "context", "no assumption (taleforge)", "U",
                  "any other organism: auto assumes nothing and counts no methylated C; pass "
                  "--methylation cpg|dcm to count them"),
        ),
    )
)
ORGANISM_CHOICES: tuple[str, ...] = tuple(p.name for p in ORGANISMS)


def check_organism(word: str) -> str:
    """``word`` as a registered organism (lower case), or a one-line error listing the choices."""
    w = word.strip().lower()
    if w not in ORGANISM_CHOICES:
        raise ParameterError(f"unknown organism {word!r}",
                             hint="use --organism " + ", ".join(ORGANISM_CHOICES))
    return w


# E. coli K-12 MG1655 (RefSeq / GenBank) and S. cerevisiae S288C (NC_001133..NC_001148,
# mito NC_001224; NCBI assembly GCF_000146045.2) accessions, matched without the version
_ECOLI_K12 = frozenset({"nc_000913", "u00096"})
_YEAST_ACC = frozenset({f"nc_{1133 + i:06d}" for i in range(16)} | {"nc_001224"})
# yeast chromosome names; "X" is left out (it is also a human chromosome)
_YEAST_NAMES = frozenset({"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "xi", "xii",
                          "xiii", "xiv", "xv", "xvi", "mito"})
_ACC = re.compile(r"^([a-z]{1,2}_?\d{5,9})(?:\.\d+)?$")


def _keys(name: str) -> set[str]:
    """Lower-case name tokens: pipe-separated parts, accessions without version, no chr."""
    out = set()
    for t in (x for x in name.lower().split("|") if x):
        m = _ACC.match(t)
        if m:
            out.add(m.group(1))
        else:
            out.add(t[3:] if t.startswith("chr") and len(t) > 3 else t)
    return out


@dataclass(frozen=True)
class MethylationCall:
    """The context applied to one contig and why (``assumed``: auto fell back to cpg)."""

    context: MethylationContext
    reason: str
    assumed: bool = False


def check_methylation_choice(choice: str) -> str:
    c = choice.lower()
    if c not in METHYLATION_CHOICES:
        raise ParameterError(f"unknown methylation context {choice!r}",
                             hint="use --methylation auto, cpg, dcm or none")
    return c


def _organism(names: tuple[str, ...]) -> str | None:
    keys = set().union(*(_keys(n) for n in names)) if names else set()
    if keys & _ECOLI_K12:
        return "ecoli-k12"
    if keys & _YEAST_ACC or len(keys & _YEAST_NAMES) >= 2:
        return "yeast"
    return None


def _is_mito(contig: str) -> bool:
    from taleforge.genome.annotation_model import is_mito_contig

    return is_mito_contig(contig) or bool(_keys(contig) & {"mito", "nc_001224"})


def _registered_call(org: str, contig: str, table: ParamTable = ORGANISMS) -> MethylationCall:
    """The context of ``contig`` of a genome registered with ``--organism org``."""
    ctx: MethylationContext = table[org]
    p = table.get(org)
    if ctx == "cpg" and _is_mito(contig):
        return MethylationCall("none", f"methylation context none (auto: registered organism "
                               f"{org}; {contig} is mitochondrial DNA, CpG methylation "
                               "minimal/disputed); --methylation cpg to count CpGs anyway")
    what = {"cpg": "the C of CpG", "dcm": "Dcm methylates the internal C of CCWGG",
            "none": "no 5-methyl-C"}[ctx]
    if org == "plant":
        what += "; CHG/CHH methylation is not modelled"
    elif org == "other":
        what = "no methylation assumed; pass --methylation cpg|dcm|none to say which"
    return MethylationCall(ctx, f"methylation context {ctx} (auto: registered organism {org}): "
                           f"{what} [{p.evidence}: {p.source}]")


def resolve_methylation(choice: str, genome: Genome | None, contig: str) -> MethylationCall:
    """The methylation context for ``contig`` of ``genome`` under ``choice`` (``auto``: the
    registered organism of ``genome`` when it has one, else a guess from its contig names)."""
    c = check_methylation_choice(choice)
    if c != "auto":
        what = {"cpg": "CpG (vertebrate nuclear DNA)", "dcm": "Dcm CCWGG (E. coli K-12)",
                "none": "no 5-methyl-C"}[c]
        return MethylationCall(c, f"methylation context {c}: {what}, as requested")  # type: ignore[arg-type]
    registered = getattr(genome, "organism", None) if genome is not None else None
    if registered is not None:
        return _registered_call(check_organism(registered), contig)
    names = tuple(genome.packed.names) if genome is not None else (contig,)
    org = _organism(names)
    if org == "ecoli-k12":
        return MethylationCall("dcm", "methylation context dcm (auto: E. coli K-12 genome): Dcm "
                               "methylates the internal C of CCWGG")
    if org == "yeast":
        return MethylationCall("none", "methylation context none (auto: S. cerevisiae genome, "
                               "no detectable 5-methyl-C)")
    if _is_mito(contig):
        return MethylationCall("none", f"methylation context none (auto: {contig} is "
                               "mitochondrial DNA, CpG methylation minimal/disputed); "
                               "--methylation cpg to count CpGs anyway")
    return MethylationCall(
        "cpg", "methylation context cpg (auto: assumed vertebrate nuclear DNA, the genome "
        "names no other organism); use --methylation dcm|none for other organisms",
        assumed=True)


def _motif_mask(codes: NDArray[np.uint8], motif: str) -> NDArray[np.bool_]:
    """Start positions where ``motif`` (A C G T W) matches ``codes`` (0-3 = ACGT)."""
    allowed = {"A": (0,), "C": (1,), "G": (2,), "T": (3,), "W": (0, 3)}
    n, m = codes.size, len(motif)
    out = np.zeros(n, dtype=np.bool_)
    if n < m:
        return out
    ok = np.ones(n - m + 1, dtype=np.bool_)
    for k, ch in enumerate(motif):
        ok &= np.isin(codes[k : n - m + 1 + k], allowed[ch])
    out[: n - m + 1] = ok
    return out


_RC = str.maketrans("ACGTW", "TGCAW")


def methylated_c_masks(
    codes: NDArray[np.uint8], context: MethylationContext, table: ParamTable = METHYLATION,
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """(top, bottom): ``top[i]`` -- the C at + strand position i is methylated; ``bottom[i]``
    -- the C of the - strand paired with + strand position i (a G on +) is methylated."""
    n = codes.size
    top = np.zeros(n, dtype=np.bool_)
    bot = np.zeros(n, dtype=np.bool_)
    if context == "none":
        return top, bot
    motif, k = table[f"motif_{context}"]
    m = len(motif)
    starts = np.flatnonzero(_motif_mask(codes, motif))
    top[starts + k] = True
    # the motif on the - strand is its reverse complement on +; its C at k sits at m-1-k
    starts = np.flatnonzero(_motif_mask(codes, motif.translate(_RC)[::-1]))
    bot[starts + m - 1 - k] = True
    return top, bot

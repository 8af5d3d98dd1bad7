"""Reference access: packed genome index, FASTA/2bit readers, annotation."""

from taleforge.genome.index import (
    BUILTIN_GENOMES,
    Genome,
    genome_from_sequence,
    open_genome,
    parse_region,
)

__all__ = ["BUILTIN_GENOMES", "Genome", "genome_from_sequence", "open_genome", "parse_region"]

"""Moved: the VCF reader is :mod:`taleforge.genome.vcf` (``io/`` holds writers only).

This re-export keeps ``from taleforge.io.vcf import read_vcf`` working; new code imports
:mod:`taleforge.genome.vcf`.
"""

from __future__ import annotations

from taleforge.genome.vcf import Variant, iter_vcf, read_vcf

__all__ = ["Variant", "iter_vcf", "read_vcf"]

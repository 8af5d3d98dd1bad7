"""Construct assembly: from RVD arrays to TALEN proteins, synthesis-ready ORFs (DnaChisel)
and Golden Gate kit plans verified by simulated digests and ligations (pydna).

Needs the ``assembly`` extra (``pip install 'taleforge[assembly]'``) for ORFs and plans.
"""

from taleforge.assembly.build import AssemblyResult, Construct, assemble

__all__ = ["AssemblyResult", "Construct", "assemble"]

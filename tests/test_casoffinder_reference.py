"""Reference test against Cas-OFFinder 2.4.1 (issue 8): its <= 4-mismatch hit set for 10 random
yeast 18-mers (both strands, no PAM, no bulges; ``../shared/reference``) equals taleforge's
mismatch mode, site for site and mismatch count for mismatch count.

Cas-OFFinder matches DNA to DNA, so each query base becomes an RVD that matches that base only
(``RVD_MATCHES``): A -> NI, C -> HD, T -> NG and G -> NH (NN would also match A). Position 0 is not
filtered (``pos0_bases=None``). Cas-OFFinder's position is the 0-based leftmost top-strand base;
for ``-`` hits the site is the reverse complement of the top strand, which is how a TALE on the
bottom strand reads it, so keys are ``(query, contig, position, strand, mismatches)`` on both sides.
``tests/test_scan_bowtie.py`` checks the scan against bowtie on E. coli (<= 3 mismatches); this
file adds an independent tool, 4 mismatches, a whole multi-contig genome and the public API.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from taleforge.model.rvd import RVD_MATCHES

from . import talent_ref as tr

pytestmark = pytest.mark.shared

SINGLE = {"A": "NI", "C": "HD", "G": "NH", "T": "NG"}
Key = tuple[str, str, int, int, int]


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared reference not available: {path} (needs ../shared beside the repo)")
    return path


@pytest.fixture(scope="module")
def yeast(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from taleforge.genome.index import open_genome

    src = _need(tr.YEAST)
    d = tmp_path_factory.mktemp("casoffinder-yeast")
    shutil.copyfile(src, d / src.name)
    return open_genome(d / src.name, cache_dir=d / "tf-cache")


@pytest.fixture(scope="module")
def reference() -> tuple[list[tuple[str, str]], set[Key]]:
    qfile = _need(tr.REFERENCE / "casoffinder_yeast_18mer_queries.tsv")
    with open(qfile) as fh:
        fh.readline()
        queries = [(f[0], f[1]) for f in (line.rstrip("\n").split("\t") for line in fh) if len(f) > 1]
    hits = tr.parse_casoffinder(_need(tr.REFERENCE / "casoffinder_yeast_18mer_k4.txt.gz"))
    keys = {(h.query, h.contig, h.pos, h.strand, h.mismatches) for h in hits}
    assert len(queries) == 10 and len(hits) == len(keys) == 4131
    return queries, keys


def _rvds(seq: str) -> tuple[str, ...]:
    return tuple(SINGLE[b] for b in seq)


def test_single_base_rvds() -> None:
    assert {b: RVD_MATCHES[r] for b, r in SINGLE.items()} == {b: b for b in "ACGT"}


def test_scan_equals_casoffinder(yeast: Any, reference: tuple[list[tuple[str, str]], set[Key]]) -> None:
    from taleforge.engine.scan import scan_halfsites

    queries, theirs = reference
    packed = yeast.packed
    hits = scan_halfsites(packed, [_rvds(s) for _, s in queries], max_mismatches=4,
                          pos0_bases=None, strands="both")
    ci, local = packed.to_local(hits.gpos)
    ours = {(queries[int(q)][1], packed.names[int(c)], int(p), int(s), int(m))
            for q, c, p, s, m in zip(hits.query, ci, local, hits.strand, hits.mismatches, strict=True)}
    assert len(ours) == len(hits)
    assert ours == theirs, tr.diff_report(dict.fromkeys(ours, 0), dict.fromkeys(theirs, 0))


def test_offtarget_mismatch_mode_equals_casoffinder(
    yeast: Any, reference: tuple[list[tuple[str, str]], set[Key]]
) -> None:
    """The public API's explicit mismatch mode (``max_mismatches=4``: no score filter), one
    TALE at a time, gives Cas-OFFinder's list too."""
    from taleforge.design.offtarget import find_offtargets

    queries, theirs = reference
    ours: set[Key] = set()
    for _, seq in queries:
        res = find_offtargets(yeast, _rvds(seq), None, max_mismatches=4, pos0_bases=None,
                              max_records=None)
        sc = res.site_columns
        rows = {(seq, str(c), int(s), int(st), int(m))
                for c, s, st, m in zip(sc.contig, sc.start, sc.strand, sc.mismatches, strict=True)}
        assert len(rows) == len(sc.start)
        ours |= rows
    assert ours == theirs, tr.diff_report(dict.fromkeys(ours, 0), dict.fromkeys(theirs, 0))

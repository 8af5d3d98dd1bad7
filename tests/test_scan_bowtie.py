"""Reference test against a real peer: the exhaustive half-site scan returns exactly the
hit set of ``bowtie -v 3 -a`` (Langmead 2009; Debian package ``bowtie``) on real E. coli
sequence. Skips with a reason when bowtie or ../shared is absent.

RVDs with single-base specificity (A: NI, C: HD, G: NH, T: NG) make a TALE half-site an
exact-match problem that bowtie solves independently of our code."""

from __future__ import annotations

import gzip
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from taleforge.engine.scan import scan_halfsites
from taleforge.genome.packed import PackedGenome

from .conftest import shared

SINGLE = {"A": "NI", "C": "HD", "G": "NH", "T": "NG"}


@pytest.mark.shared
def test_hits_equal_bowtie_v3(tmp_path: Path) -> None:
    if shutil.which("bowtie") is None or shutil.which("bowtie-build") is None:
        pytest.skip("bowtie not installed (Debian package 'bowtie'; .ci/run installs it)")
    fna = shared("ecoli", "GCF_000005845.2_ASM584v2_genomic.fna.gz")
    with gzip.open(fna, "rt") as fh:
        seq = "".join(line.strip() for line in fh if not line.startswith(">"))[:1_000_000]
    ref = tmp_path / "ref.fa"
    ref.write_text(">ecoli1M\n" + "\n".join(seq[i : i + 80] for i in range(0, len(seq), 80)) + "\n")
    rng = random.Random(17)
    reads = []
    for _ in range(25):
        p = rng.randrange(0, len(seq) - 18)
        r = list(seq[p : p + 18])
        for _ in range(rng.randrange(0, 3)):  # some queries start off mutated
            i = rng.randrange(18)
            r[i] = rng.choice([b for b in "ACGT" if b != r[i]])
        reads.append("".join(r))
    rf = tmp_path / "reads.fa"
    rf.write_text("".join(f">q{i}\n{r}\n" for i, r in enumerate(reads)))
    subprocess.run(["bowtie-build", "-q", str(ref), str(tmp_path / "idx")], check=True,
                   capture_output=True)
    out = subprocess.run(
        ["bowtie", "-f", "-v", "3", "-a", "--quiet", str(tmp_path / "idx"), str(rf)],
        check=True, capture_output=True, text=True,
    ).stdout
    theirs = set()
    for line in out.splitlines():
        f = line.split("\t")
        q = int(f[0][1:])
        mm = len(f[7].split(",")) if len(f) > 7 and f[7] else 0
        theirs.add((q, int(f[3]), 1 if f[1] == "+" else -1, mm))
    packed = PackedGenome.from_sequences({"ecoli1M": seq})
    hits = scan_halfsites(packed, [tuple(SINGLE[b] for b in r) for r in reads], 3)
    ours = {
        (int(q), int(g), int(s), int(m))
        for q, g, s, m in zip(hits.query, hits.gpos, hits.strand, hits.mismatches, strict=True)
    }
    assert len(theirs) >= 25  # every query hits at least its own origin
    assert ours == theirs

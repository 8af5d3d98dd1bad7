"""Fuzz suite (Hypothesis) over every input parser: FASTA (plain, gzip, bgzip), 2bit, GTF,
GFF3, GenBank, VCF and RVD strings.

Truncations, random bytes, random byte flips, CRLF line endings and duplicated lines must give
either a correct parse or a typed :class:`~taleforge.errors.TaleforgeError`, never another
exception and never a different genome: a truncated gzip/bgzip/2bit genome is refused, and
whatever the plain-FASTA reader accepts equals a simple reference reading of the same bytes.
"""

from __future__ import annotations

import gzip
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taleforge.errors import TaleforgeError
from taleforge.genome.annotation import load_annotation
from taleforge.genome.fasta import read_fasta_strings
from taleforge.genome.index import build_index
from taleforge.genome.vcf import read_vcf
from taleforge.model.rvd import parse_rvds
from tests.test_annotation import _genbank_text
from tests.test_genome_index import write_2bit

#: examples per fuzz test (TF_FUZZ_EXAMPLES=1000 for a deeper run)
FUZZ = settings(max_examples=int(os.environ.get("TF_FUZZ_EXAMPLES", "60")), deadline=None)
DATA = Path(__file__).resolve().parents[1] / "src" / "taleforge" / "data"


@contextmanager
def temp_file(name: str, data: bytes) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="tf-fuzz-") as d:
        p = Path(d) / name
        p.write_bytes(data)
        yield p


def typed_or_ok(fn: Callable[[], Any]) -> Any:
    """Run ``fn``: a result, or None for a typed error; anything else fails the test."""
    try:
        return fn()
    except TaleforgeError as exc:
        assert exc.one_line()  # a message, printable on one line
        return None


# ------------------------------------------------------------------------------ FASTA
genomes = st.dictionaries(
    st.from_regex(r"[A-Za-z0-9_.]{1,12}", fullmatch=True),
    st.text(alphabet="ACGTNacgtnRY", min_size=1, max_size=300),
    min_size=1,
    max_size=4,
)


def fasta_bytes(seqs: dict[str, str], width: int, eol: bytes) -> bytes:
    out = []
    for name, s in seqs.items():
        out.append(b">" + name.encode() + b" some description" + eol)
        out.extend(s[i : i + width].encode() + eol for i in range(0, len(s), width))
    return b"".join(out)


def reference_reading(data: bytes) -> dict[str, str]:
    """What a FASTA means: '>' lines name records, sequence lines lose CR/space/tab."""
    recs: dict[str, list[str]] = {}
    name = None
    for line in data.split(b"\n"):
        if line.startswith(b">"):
            name = line[1:].rstrip(b"\r").decode("utf-8", errors="replace").split()[0]
            recs[name] = []
        elif name is not None:
            recs[name].append(line.translate(None, b"\r \t").decode("ascii"))
    return {k: "".join(v) for k, v in recs.items()}


def read_fa(data: bytes, name: str = "g.fa") -> dict[str, str] | None:
    with temp_file(name, data) as p:
        res = typed_or_ok(lambda: read_fasta_strings(p))
    return None if res is None else res[0]


@FUZZ
@given(genomes, st.integers(1, 80), st.sampled_from([b"\n", b"\r\n"]))
def test_fasta_round_trip_any_width_and_line_ending(seqs, width, eol) -> None:  # type: ignore[no-untyped-def]
    assert read_fa(fasta_bytes(seqs, width, eol)) == seqs


@FUZZ
@given(genomes, st.integers(1, 80), st.data())
def test_fasta_truncated_reads_what_is_there(seqs, width, data) -> None:  # type: ignore[no-untyped-def]
    raw = fasta_bytes(seqs, width, b"\n")
    cut = raw[: data.draw(st.integers(0, len(raw) - 1))]
    got = read_fa(cut)
    if got is not None:
        assert got == reference_reading(cut)


@FUZZ
@given(st.binary(max_size=400))
def test_fasta_random_bytes(raw: bytes) -> None:
    got = read_fa(raw)
    if got is not None:
        assert got == reference_reading(raw)


@FUZZ
@given(genomes, st.data())
def test_fasta_byte_flips_and_duplicates(seqs, data) -> None:  # type: ignore[no-untyped-def]
    raw = bytearray(fasta_bytes(seqs, 60, b"\n"))
    for _ in range(data.draw(st.integers(1, 3))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    lines = bytes(raw).split(b"\n")
    i = data.draw(st.integers(0, len(lines) - 1))
    mutated = b"\n".join(lines[: i + 1] + lines[i:])  # one line duplicated
    got = read_fa(mutated)
    if got is not None:
        assert got == reference_reading(mutated)


def test_fasta_duplicate_names_refused() -> None:
    assert read_fa(b">a\nACGT\n>a\nACGT\n") is None


# ------------------------------------------------------------------------- gzip / bgzip
def bgzip_file_bytes(data: bytes) -> bytes:
    from Bio import bgzf

    with tempfile.TemporaryDirectory(prefix="tf-fuzz-") as d:
        p = Path(d) / "x.gz"
        with bgzf.BgzfWriter(str(p), "wb") as w:
            w.write(data)
        return p.read_bytes()


@FUZZ
@given(genomes, st.data())
def test_bgzip_truncated_anywhere_is_refused(seqs, data) -> None:  # type: ignore[no-untyped-def]
    raw = bgzip_file_bytes(fasta_bytes(seqs, 60, b"\n"))
    assert read_fa(raw, "g.fa.gz") == seqs
    cut = raw[: data.draw(st.integers(0, len(raw) - 1))]
    assert read_fa(cut, "g.fa.gz") is None


@FUZZ
@given(genomes, st.data())
def test_gzip_truncated_anywhere_is_refused(seqs, data) -> None:  # type: ignore[no-untyped-def]
    raw = gzip.compress(fasta_bytes(seqs, 60, b"\n"))
    assert read_fa(raw, "g.fa.gz") == seqs
    cut = raw[: data.draw(st.integers(0, len(raw) - 1))]
    assert read_fa(cut, "g.fa.gz") is None


@FUZZ
@given(genomes, st.data())
def test_gzip_byte_flips_typed(seqs, data) -> None:  # type: ignore[no-untyped-def]
    raw = bytearray(bgzip_file_bytes(fasta_bytes(seqs, 60, b"\n")))
    i = data.draw(st.integers(0, len(raw) - 1))
    raw[i] ^= data.draw(st.integers(1, 255))
    read_fa(bytes(raw), "g.fa.gz")  # typed error or a parse (a flipped base is undetectable)


# -------------------------------------------------------------------------------- 2bit
@FUZZ
@given(genomes, st.data())
def test_2bit_truncated_anywhere_is_refused(seqs, data) -> None:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory(prefix="tf-fuzz-") as d:
        p = Path(d) / "g.2bit"
        write_2bit(p, seqs)
        raw = p.read_bytes()
        cut = raw[: data.draw(st.integers(4, len(raw) - 1))]  # keep the magic: still 2bit
        p.write_bytes(cut)
        assert typed_or_ok(lambda: build_index(p, Path(d) / "i.tfidx")) is None
        assert not (Path(d) / "i.tfidx").exists()


@FUZZ
@given(genomes, st.data())
def test_2bit_byte_flips_typed(seqs, data) -> None:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory(prefix="tf-fuzz-") as d:
        p = Path(d) / "g.2bit"
        write_2bit(p, seqs)
        raw = bytearray(p.read_bytes())
        i = data.draw(st.integers(4, min(len(raw) - 1, 200)))  # header, index, record heads
        raw[i] ^= data.draw(st.integers(1, 255))
        p.write_bytes(bytes(raw))
        typed_or_ok(lambda: build_index(p, Path(d) / "i.tfidx"))


# -------------------------------------------------------------------- annotation files
GTF = (
    'chr1\tt\tgene\t10\t400\t.\t+\t.\tgene_id "G1"; gene_name "ABC";\n'
    'chr1\tt\ttranscript\t10\t400\t.\t+\t.\tgene_id "G1"; transcript_id "T1"; gene_name "ABC";\n'
    'chr1\tt\texon\t10\t100\t.\t+\t.\tgene_id "G1"; transcript_id "T1"; exon_number "1";\n'
    'chr1\tt\texon\t200\t400\t.\t+\t.\tgene_id "G1"; transcript_id "T1"; exon_number "2";\n'
    'chr1\tt\tCDS\t50\t100\t.\t+\t0\tgene_id "G1"; transcript_id "T1";\n'
    'chr1\tt\tCDS\t200\t300\t.\t+\t2\tgene_id "G1"; transcript_id "T1";\n'
)
SAMPLES = {
    "a.gtf": GTF.encode(),
    "a.gff3": (DATA / "hg38-chrM.gff3").read_bytes()[:6000].rsplit(b"\n", 1)[0] + b"\n",
    "a.gb": _genbank_text().encode(),
}


def _genes(path: Path) -> Any:
    ann = load_annotation(path)
    return sorted((g.id, g.contig, tuple(t.id for t in g.transcripts)) for g in ann.genes)


def parse_annotation(name: str, data: bytes) -> Any:
    with temp_file(name, data) as p:
        return typed_or_ok(lambda: _genes(p))


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_annotation_samples_parse_and_crlf_is_the_same(name: str) -> None:
    lf = parse_annotation(name, SAMPLES[name])
    assert lf, name
    assert parse_annotation(name, SAMPLES[name].replace(b"\n", b"\r\n")) == lf


@FUZZ
@given(st.sampled_from(sorted(SAMPLES)), st.data())
def test_annotation_mutations_typed(name, data) -> None:  # type: ignore[no-untyped-def]
    raw = SAMPLES[name]
    kind = data.draw(st.sampled_from(["truncate", "flip", "duplicate", "random"]))
    if kind == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    elif kind == "flip":
        b = bytearray(raw)
        for _ in range(data.draw(st.integers(1, 4))):
            b[data.draw(st.integers(0, len(b) - 1))] = data.draw(st.integers(0, 255))
        raw = bytes(b)
    elif kind == "duplicate":
        lines = raw.split(b"\n")
        i = data.draw(st.integers(0, len(lines) - 1))
        raw = b"\n".join(lines[: i + 1] + lines[i:])
    else:
        raw = data.draw(st.binary(max_size=300))
    parse_annotation(name, raw)


# -------------------------------------------------------------------------------- VCF
VCF = (
    b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    b"chr1\t10\trs1\tA\tG\t.\tPASS\t.\n"
    b"chr1\t20\t.\tAC\tA,ACC\t50\tPASS\tAC=1\n"
    b"chr2\t5\tx\tC\tT\t.\t.\t.\n"
)


def parse_vcf(data: bytes, name: str = "a.vcf") -> Any:
    with temp_file(name, data) as p:
        return typed_or_ok(lambda: read_vcf(p))


def test_vcf_crlf_and_gzip_are_the_same() -> None:
    lf = parse_vcf(VCF)
    assert lf is not None and len(lf) == 4
    assert parse_vcf(VCF.replace(b"\n", b"\r\n")) == lf
    assert parse_vcf(gzip.compress(VCF), "a.vcf.gz") == lf
    assert parse_vcf(gzip.compress(VCF)[:-9], "a.vcf.gz") is None  # truncated gzip


@FUZZ
@given(st.data())
def test_vcf_mutations_typed(data) -> None:  # type: ignore[no-untyped-def]
    kind = data.draw(st.sampled_from(["truncate", "flip", "duplicate", "random"]))
    raw = VCF
    if kind == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    elif kind == "flip":
        b = bytearray(raw)
        b[data.draw(st.integers(0, len(b) - 1))] = data.draw(st.integers(0, 255))
        raw = bytes(b)
    elif kind == "duplicate":
        lines = raw.split(b"\n")
        i = data.draw(st.integers(0, len(lines) - 1))
        raw = b"\n".join(lines[: i + 1] + lines[i:])
    else:
        raw = data.draw(st.binary(max_size=300))
    parse_vcf(raw)


# -------------------------------------------------------------------------------- RVD
@FUZZ
@given(st.text(max_size=60))
def test_rvd_random_text_typed(text: str) -> None:
    got = typed_or_ok(lambda: parse_rvds(text))
    if got is not None:
        assert got and all(len(r) == 2 for r in got)


@FUZZ
@given(st.lists(st.sampled_from(["NI", "HD", "NN", "NG", "NH", "NK", "NS"]), min_size=1, max_size=30),
       st.sampled_from([" ", "-", ",", "", "  "]))
def test_rvd_round_trip(rvds: list[str], sep: str) -> None:
    text = sep.join(rvds)
    assert parse_rvds(text) == tuple(rvds)
    assert parse_rvds(text.lower()) == tuple(rvds)

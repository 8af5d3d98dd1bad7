"""Packed on-disk genome index: formats, round trips, reuse/rebuild, regions, builtin."""

from __future__ import annotations

import gzip
import json
import os
import re
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taleforge.errors import (
    FormatError,
    IndexMismatchError,
    InputError,
    RegionError,
    SequenceError,
    UnknownNameError,
)
from taleforge.genome import index as gidx
from taleforge.genome.index import (
    BUILTIN_GENOMES,
    build_index,
    genome_from_sequence,
    open_genome,
    parse_region,
)
from taleforge.genome.packed import PackedGenome
from taleforge.model.interval import reverse_complement

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PLANES = ("lo", "hi", "nmask", "softmask")


# ---------------------------------------------------------------------------- helpers
def random_genome(seed: int, lengths: list[int]) -> dict[str, str]:
    rng = np.random.default_rng(seed)
    out: dict[str, str] = {}
    for i, n in enumerate(lengths):
        s = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, n)].copy()
        for _ in range(max(1, n // 50)):
            a = int(rng.integers(0, n))
            s[a : a + int(rng.integers(1, 40))] |= 32  # lower-case run
        if n > 3:
            a = int(rng.integers(0, n))
            s[a : a + int(rng.integers(1, 30))] = ord("N")
        out[f"ctg{i}"] = s.tobytes().decode()
    return out


LENGTHS = [1, 63, 64, 65, 127, 128, 129, 1000, 5000, 2]


def fasta_text(seqs: dict[str, str], width: int = 60) -> str:
    parts = []
    for name, s in seqs.items():
        parts.append(f">{name} description text\n")
        parts.extend(s[i : i + width] + "\n" for i in range(0, len(s), width))
    return "".join(parts)


def write_2bit(path: Path, seqs: dict[str, str]) -> None:
    """Minimal UCSC 2bit writer (test only; py2bit cannot write)."""

    def runs(pattern: str, s: str) -> list[tuple[int, int]]:
        return [(m.start(), m.end() - m.start()) for m in re.finditer(pattern, s)]

    def record(s: str) -> bytes:
        up = s.upper()
        nb = runs(r"[^ACGT]+", up)
        mb = runs(r"[a-z]+", s)
        code = {"T": 0, "C": 1, "A": 2, "G": 3}
        vals = [code.get(c, 0) for c in up] + [0] * (-len(up) % 4)
        dna = bytes(
            (vals[i] << 6) | (vals[i + 1] << 4) | (vals[i + 2] << 2) | vals[i + 3]
            for i in range(0, len(vals), 4)
        )
        out = struct.pack("<II", len(s), len(nb))
        out += b"".join(struct.pack("<I", a) for a, _ in nb)
        out += b"".join(struct.pack("<I", n) for _, n in nb)
        out += struct.pack("<I", len(mb))
        out += b"".join(struct.pack("<I", a) for a, _ in mb)
        out += b"".join(struct.pack("<I", n) for _, n in mb)
        return out + struct.pack("<I", 0) + dna

    names = list(seqs)
    recs = [record(seqs[n]) for n in names]
    offset = 16 + sum(1 + len(n) + 4 for n in names)
    index = b""
    for n, r in zip(names, recs, strict=True):
        index += struct.pack("<B", len(n)) + n.encode() + struct.pack("<I", offset)
        offset += len(r)
    path.write_bytes(struct.pack("<IIII", 0x1A412743, 0, len(names), 0) + index + b"".join(recs))


def same_planes(a: PackedGenome, b: PackedGenome) -> None:
    assert a.names == b.names
    assert list(a.lengths) == list(b.lengths)
    assert list(a.offsets) == list(b.offsets)
    for p in PLANES:
        np.testing.assert_array_equal(np.asarray(getattr(a, p)), np.asarray(getattr(b, p)), p)


@pytest.fixture
def sidecar_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No explicit cache: indexes go beside the genome (here: inside tmp_path)."""
    monkeypatch.delenv("TALEFORGE_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


@pytest.fixture
def seqs() -> dict[str, str]:
    return random_genome(7, LENGTHS)


# ---------------------------------------------------------------------------- formats
@pytest.mark.parametrize("width", [60, 7, 64, 100000])
@pytest.mark.parametrize("block", [64, 1000, 1 << 20])
def test_fasta_round_trip_matches_in_memory_layout(
    tmp_path: Path, seqs: dict[str, str], width: int, block: int
) -> None:
    fa = tmp_path / "g.fa"
    fa.write_text(fasta_text(seqs, width))
    idx = build_index(fa, tmp_path / "g.fa.tfidx", block_bytes=block)
    g = open_genome(idx)
    same_planes(g.packed, PackedGenome.from_sequences(seqs))
    for name, s in seqs.items():
        assert g.fetch(name, 0, len(s), soft=True) == s
        assert g.fetch(name, 0, len(s)) == s.upper()


@pytest.mark.usefixtures("sidecar_mode")
def test_gzip_bgzip_2bit_identical_planes(tmp_path: Path, seqs: dict[str, str]) -> None:
    from Bio import bgzf

    text = fasta_text(seqs)
    (tmp_path / "g.fa").write_text(text)
    with gzip.open(tmp_path / "g.fa.gz", "wt") as fh:
        fh.write(text)
    with bgzf.BgzfWriter(str(tmp_path / "g.bgz.fa.gz"), "wb") as w:
        w.write(text.encode())
    write_2bit(tmp_path / "g.2bit", seqs)
    ref = open_genome(tmp_path / "g.fa")
    for f in ("g.fa.gz", "g.bgz.fa.gz", "g.2bit"):
        g = open_genome(tmp_path / f)
        same_planes(g.packed, ref.packed)
        assert g.index_path == tmp_path / (f + ".tfidx")
        meta = json.loads((tmp_path / (f + ".tfidx") / "meta.json").read_text())
        assert meta["source_sha256"] == g.checksum
        assert meta["source_size"] == (tmp_path / f).stat().st_size
    # 2bit read in small chunks (not a multiple of 64) gives the same planes
    small = build_index(tmp_path / "g.2bit", tmp_path / "small.tfidx", block_bytes=100)
    same_planes(open_genome(small).packed, ref.packed)


def test_multi_member_gzip(tmp_path: Path) -> None:
    fa = tmp_path / "m.fa.gz"
    fa.write_bytes(gzip.compress(b">a\nACGT\nAC") + gzip.compress(b"GT\n>b\nNNac\n"))
    g = open_genome(fa)
    assert g.fetch("a", 0, 8) == "ACGTACGT"
    assert g.fetch("b", 0, 4, soft=True) == "NNac"


def test_iupac_become_n_and_soft_mask(tmp_path: Path) -> None:
    fa = tmp_path / "i.fa"
    fa.write_text(">x\nACRYKMacgtnwSN\r\n")
    g = open_genome(fa)
    assert g.fetch("x", 0, 14) == "ACNNNNACGTNNNN"
    assert g.fetch("x", 0, 14, soft=True) == "ACNNNNacgtnnNN"


def test_checksum_is_sha256_of_file(tmp_path: Path, seqs: dict[str, str]) -> None:
    import hashlib

    fa = tmp_path / "g.fa"
    fa.write_text(fasta_text(seqs))
    g = open_genome(fa)
    assert g.checksum == hashlib.sha256(fa.read_bytes()).hexdigest()
    prov = g.provenance()
    assert prov["sha256"] == g.checksum and prov["source"] == str(fa.resolve())


def test_progress_reports_bytes(tmp_path: Path, seqs: dict[str, str]) -> None:
    fa = tmp_path / "g.fa"
    fa.write_text(fasta_text(seqs))
    calls: list[tuple[str, int, int | None]] = []
    open_genome(fa, progress=lambda t, d, n: calls.append((t, d, n)))
    size = fa.stat().st_size
    assert calls and calls[-1][1] == size and all(c[2] == size for c in calls)


# ---------------------------------------------------------------------------- fetch / regions
def test_fetch_minus_strand_is_reverse_complement(tmp_path: Path, seqs: dict[str, str]) -> None:
    fa = tmp_path / "g.fa"
    fa.write_text(fasta_text(seqs))
    g = open_genome(fa)
    s = seqs["ctg7"].upper()
    assert g.fetch("ctg7", 10, 500, "-") == reverse_complement(s[10:500])
    with pytest.raises(InputError):
        g.fetch("ctg7", 10, 20, "x")


def test_region_errors(tmp_path: Path) -> None:
    g = open_genome("builtin:hg38-chrM")
    assert parse_region("chr14:22,547,400-22,547,700") == ("chr14", 22547399, 22547700)
    assert parse_region("chrM:100", g) == ("chrM", 99, 100)
    assert parse_region("M:1-10", g) == ("chrM", 0, 10)
    assert parse_region("chrM", g) == ("chrM", 0, 16569)
    with pytest.raises(RegionError, match=r"runs past the end of chrM \(16,569 bp\)"):
        parse_region("chrM:16000-17000", g)
    with pytest.raises(RegionError, match="after end"):
        parse_region("chrM:200-100")
    with pytest.raises(RegionError):
        parse_region("chrM:0-10")
    with pytest.raises(RegionError):
        parse_region("nonsense")
    with pytest.raises(UnknownNameError):
        parse_region("chr99:1-10", g)
    with pytest.raises(RegionError):
        g.fetch("chrM", 16000, 17000)
    with pytest.raises(RegionError):
        g.fetch("chrM", -1, 10)


# ---------------------------------------------------------------------------- reuse / rebuild
def _meta(idx: Path) -> dict:
    return json.loads((idx / "meta.json").read_text())


def test_second_open_reuses_index(tmp_path: Path, seqs: dict[str, str], monkeypatch) -> None:
    fa = tmp_path / "g.fa"
    fa.write_text(fasta_text(seqs))
    g1 = open_genome(fa)

    def boom(*a: object, **k: object) -> Path:
        raise AssertionError("rebuilt")

    monkeypatch.setattr(gidx, "build_index", boom)
    g2 = open_genome(str(fa))
    same_planes(g1.packed, g2.packed)
    assert isinstance(g2.packed.lo, np.memmap)
    assert not g2.packed.lo.flags.writeable


def test_rebuild_when_file_changes(tmp_path: Path, seqs: dict[str, str]) -> None:
    fa = tmp_path / "g.fa"
    fa.write_text(fasta_text(seqs))
    open_genome(fa)
    seqs2 = dict(seqs, extra="ACGTACGT")
    fa.write_text(fasta_text(seqs2))
    with pytest.raises(IndexMismatchError) as ei:
        open_genome(fa, rebuild="never")
    msg = ei.value.one_line()
    assert str(fa) in msg and ".tfidx" in msg and "--rebuild-index" in msg
    g = open_genome(fa)
    assert "extra" in g.contig_names
    same_planes(g.packed, PackedGenome.from_sequences(seqs2))


def test_touch_only_keeps_index_and_updates_mtime(tmp_path: Path, seqs: dict[str, str]) -> None:
    fa = tmp_path / "g.fa"
    fa.write_text(fasta_text(seqs))
    g = open_genome(fa)
    assert g.index_path is not None
    built = _meta(g.index_path)["built_at_utc"]
    st = fa.stat()
    os.utime(fa, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    open_genome(fa, rebuild="never")
    meta = _meta(g.index_path)
    assert meta["built_at_utc"] == built
    assert meta["source_mtime_ns"] == fa.stat().st_mtime_ns


def test_same_size_different_content_rebuilds(tmp_path: Path) -> None:
    fa = tmp_path / "g.fa"
    fa.write_text(">a\nACGTACGT\n")
    open_genome(fa)
    st = fa.stat()
    fa.write_text(">a\nTTTTACGT\n")
    os.utime(fa, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    with pytest.raises(IndexMismatchError):
        open_genome(fa, rebuild="never")
    assert open_genome(fa).fetch("a", 0, 4) == "TTTT"


def test_rebuild_always(tmp_path: Path) -> None:
    fa = tmp_path / "g.fa"
    fa.write_text(">a\nACGT\n")
    g = open_genome(fa)
    assert g.index_path is not None
    (g.index_path / "meta.json").write_text(json.dumps(dict(_meta(g.index_path), built_at_utc="x")))
    g2 = open_genome(fa, rebuild="always")
    assert g2.index_path is not None and _meta(g2.index_path)["built_at_utc"] != "x"


def test_read_only_folder_uses_cache_dir(tmp_path: Path, seqs: dict[str, str]) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    fa = ro / "g.fa"
    fa.write_text(fasta_text(seqs))
    ro.chmod(0o555)
    try:
        cache = tmp_path / "cache"
        g = open_genome(fa, cache_dir=cache)
        assert g.index_path is not None and g.index_path.parent == cache
        assert not (ro / "g.fa.tfidx").exists()
        g2 = open_genome(fa, cache_dir=cache, rebuild="never")
        assert g2.index_path == g.index_path
    finally:
        ro.chmod(0o755)


def test_cache_dir_from_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TALEFORGE_CACHE", str(tmp_path / "envcache"))
    assert gidx.cache_root() == tmp_path / "envcache"
    monkeypatch.delenv("TALEFORGE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert gidx.cache_root() == tmp_path / "xdg" / "taleforge"


def test_interrupted_build_leaves_nothing(
    tmp_path: Path, seqs: dict[str, str], monkeypatch
) -> None:
    fa = tmp_path / "g.fa"
    fa.write_text(fasta_text(seqs))

    def broken(self: object, v: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(gidx._PlaneWriter, "_write", broken)
    with pytest.raises(KeyboardInterrupt):
        open_genome(fa)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.fa"]


@pytest.mark.usefixtures("sidecar_mode")
def test_explicit_index_path(tmp_path: Path, seqs: dict[str, str]) -> None:
    fa = tmp_path / "g.fa"
    fa.write_text(fasta_text(seqs))
    g = open_genome(fa)
    g2 = open_genome(str(tmp_path / "g.fa.tfidx"))
    same_planes(g.packed, g2.packed)
    assert g2.source == str(fa.resolve())
    fa.write_text(">other\nACGT\n")
    with pytest.raises(IndexMismatchError, match="has changed"):
        open_genome(tmp_path / "g.fa.tfidx")
    fa.unlink()
    with pytest.raises(IndexMismatchError, match="no longer exists"):
        open_genome(tmp_path / "g.fa.tfidx")
    (tmp_path / "empty.tfidx").mkdir()
    with pytest.raises(FormatError):
        open_genome(tmp_path / "empty.tfidx")


def test_missing_file_and_bad_rebuild(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.fa"):
        open_genome(tmp_path / "nope.fa")
    with pytest.raises(InputError):
        open_genome("builtin:mito", rebuild="sometimes")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- builtin
@pytest.mark.parametrize(
    "spec", ["builtin:hg38-chrM", "builtin-mito", "builtin:mito", "builtin:rCRS"]
)
def test_builtin_mito(spec: str) -> None:
    g = open_genome(spec)
    assert g.name == "builtin:hg38-chrM" and g.source == "builtin:hg38-chrM"
    assert g.contig_names == ("chrM",)
    assert g.contig_length("chrM") == 16569
    assert g.fetch("chrM", 3106, 3107) == "N"
    assert g.fetch("chrM", 0, 10) == "GATCACAGGT"
    assert len(g.checksum) == 64
    assert g.index_path is None


def test_unknown_builtin_lists_names() -> None:
    with pytest.raises(UnknownNameError) as ei:
        open_genome("builtin:xyz")
    assert "builtin:hg38-chrM" in ei.value.one_line()
    assert set(BUILTIN_GENOMES) == {"builtin:hg38-chrM"}


# ---------------------------------------------------------------------------- in-memory
def test_genome_from_sequence_string() -> None:
    g = genome_from_sequence("ACGT acgt\nNNAC", name="site")
    assert g.contig_names == ("site",) and g.source == "sequence:site"
    assert g.fetch("site", 0, 12, soft=True) == "ACGTacgtNNAC"
    assert g.contig_length("site") == 12
    with pytest.raises(SequenceError, match=r"'R' at position 5"):
        genome_from_sequence("ACGTRACGT")
    with pytest.raises(SequenceError):
        genome_from_sequence("   ")


def test_genome_from_sequence_fasta(tmp_path: Path) -> None:
    fa = tmp_path / "s.fa"
    fa.write_text(">one\nACGT\n>two\nACGTACGTAY\n")
    with pytest.raises(SequenceError, match=r"'two'.*'Y' at position 10"):
        genome_from_sequence(fa)
    fa.write_text(">one\nACGT\n>two\nacgtn\n")
    g = genome_from_sequence(str(fa))
    assert g.contig_names == ("one", "two") and g.source == str(fa.resolve())
    g2 = genome_from_sequence(">x\nAC\nGT\n")
    assert g2.fetch("x", 0, 4) == "ACGT"
    with pytest.raises(InputError, match="not found"):
        genome_from_sequence(str(tmp_path / "missing.fa"))


# ---------------------------------------------------------------------------- property
_PROP = random_genome(11, [1, 63, 64, 65, 700, 3000])


@pytest.fixture(scope="module")
def prop_genome(tmp_path_factory: pytest.TempPathFactory):
    d = tmp_path_factory.mktemp("prop")
    fa = d / "p.fa.gz"
    with gzip.open(fa, "wt") as fh:
        fh.write(fasta_text(_PROP, 61))
    return open_genome(fa)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_fetch_equals_string_slice(prop_genome, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(_PROP)))
    s = _PROP[name]
    a = data.draw(st.integers(0, len(s) - 1))
    b = data.draw(st.integers(a + 1, len(s)))
    assert prop_genome.fetch(name, a, b, soft=True) == s[a:b]
    assert prop_genome.fetch(name, a, b, "-") == reverse_complement(s[a:b].upper())


# ---------------------------------------------------------------------------- real data
def _shared(rel: str) -> Path:
    p = SHARED / rel
    if not p.exists():
        pytest.skip(f"real data not available: {p}")
    return p


@pytest.mark.shared
def test_real_ecoli_and_yeast(tmp_path: Path) -> None:
    eco = open_genome(_shared("ecoli/GCF_000005845.2_ASM584v2_genomic.fna.gz"), cache_dir=tmp_path)
    assert eco.genome_size == 4_641_652 and eco.contig_names == ("NC_000913.3",)
    yeast = open_genome(
        _shared("yeast/S288C_reference_sequence_R64-2-1_20150113.fsa.gz"), cache_dir=tmp_path
    )
    assert yeast.genome_size == 12_157_105 and len(yeast.contig_names) == 17
    assert not np.any(np.asarray(yeast.packed.nmask)[: 230218 // 64])  # chrI has no N


@pytest.mark.shared
def test_real_rcrs_matches_builtin(tmp_path: Path) -> None:
    src = _shared("mito/rCRS_NC_012920.1.fa")
    g = open_genome(src, cache_dir=tmp_path)
    (name,) = g.contig_names
    assert g.contig_length(name) == 16569
    assert g.fetch(name, 3106, 3107) == "N"
    assert g.fetch(name, 0, 16569) == open_genome("builtin:rCRS").fetch("chrM", 0, 16569)


@pytest.mark.usefixtures("sidecar_mode")
def test_stale_sidecar_in_read_only_folder_falls_back_to_cache(
    tmp_path: Path, seqs: dict[str, str]
) -> None:
    d = tmp_path / "d"
    d.mkdir()
    fa = d / "g.fa"
    fa.write_text(fasta_text(seqs))
    assert open_genome(fa).index_path == d / "g.fa.tfidx"
    fa.write_text(fasta_text(dict(seqs, more="ACGT")))
    d.chmod(0o555)
    try:
        cache = tmp_path / "cache"
        g = open_genome(fa, cache_dir=cache)
        assert g.index_path is not None and g.index_path.parent == cache
        assert "more" in g.contig_names
        g2 = open_genome(fa, cache_dir=cache, rebuild="never")  # the valid cache copy wins
        assert g2.index_path == g.index_path
    finally:
        d.chmod(0o755)


@pytest.mark.usefixtures("sidecar_mode")
def test_abandoned_temp_folders_are_cleaned(tmp_path: Path) -> None:
    fa = tmp_path / "g.fa"
    fa.write_text(">a\nACGT\n")
    old = tmp_path / ".g.fa.tfidx.tmp-killed"
    old.mkdir()
    (old / "lo.bin").write_bytes(b"x")
    recent = tmp_path / ".g.fa.tfidx.tmp-running"
    recent.mkdir()
    t = old.stat().st_mtime - gidx.ABANDONED_AFTER_S - 10
    os.utime(old, (t, t))
    open_genome(fa)
    assert not old.exists() and recent.exists()

"""Helpers for the TALE-NT / TALENoffer / Cas-OFFinder reference tests and benchmarks.

Parsers for the peer tools' outputs (formats and key mapping: ``../shared/reference/README.md``),
runners for the prebuilt ``pairedtalesf`` / ``talesf`` in ``../shared/peers/talent`` (external
comparators, run as subprocesses), a tiny brute-force TALE-NT scorer (obviously correct, slow:
small regions only) used to check the parsers and the key mapping independently of the engine,
and the conversion of taleforge's columnar results to the same keys.

Keys
----
* pairedtalesf pair: ``(contig, TAL1 role, TAL 1 Start, TAL2 role, TAL 2 Start)``; taleforge:
  ``(contig, up_role, up_start, down_role, down_end - 1)``.
* talesf site: ``(contig, strand, Start Position - 1)``; taleforge: ``(contig, strand, start)``.
"""

from __future__ import annotations

import gzip
import io
import os
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REFERENCE = SHARED / "reference"
PEERS = SHARED / "peers" / "talent"
DATA = SHARED / "data"

YEAST = DATA / "yeast" / "S288C_reference_sequence_R64-2-1_20150113.fsa.gz"
ECOLI = DATA / "ecoli" / "GCF_000005845.2_ASM584v2_genomic.fna.gz"
CHR22 = DATA / "human-grch37-chr22" / "chr22_20-21Mb.fa"
GENOMES = {"yeast": YEAST, "ecoli": ECOLI, "chr22": CHR22}

PairKey = tuple[str, str, int, str, int]
SiteKey = tuple[str, int, int]


def _open_text(path: Path) -> io.TextIOBase:
    if str(path).endswith(".gz"):
        return gzip.open(path, "rt")  # type: ignore[return-value]
    return open(path)


# ------------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class Query:
    pair_id: str
    left: tuple[str, ...]
    right: tuple[str, ...]
    contig: str
    tal1_start: int
    tal2_start: int
    spacer: int
    site: str


def load_queries(path: Path | None = None) -> dict[str, Query]:
    path = path or REFERENCE / "queries.tsv"
    out: dict[str, Query] = {}
    with open(path) as fh:
        head = fh.readline().rstrip("\n").split("\t")
        for line in fh:
            if not line.strip():
                continue
            r = dict(zip(head, line.rstrip("\n").split("\t"), strict=True))
            out[r["pair_id"]] = Query(
                r["pair_id"],
                tuple(r["left_RVDs"].split()),
                tuple(r["right_RVDs"].split()),
                r["on_target_contig"],
                int(r["on_target_TAL1_start"]),
                int(r["on_target_TAL2_start"]),
                int(r["on_target_spacer"]),
                r["on_target_top_strand"],
            )
    return out


# ------------------------------------------------------------------------------- parsers


@dataclass
class PairedTalesf:
    best1: float
    best2: float
    hits: dict[PairKey, tuple[float, float]]  # key -> (TAL 1 score, TAL 2 score)
    rows: int  # data rows read (duplicates would make rows > len(hits))


def parse_pairedtalesf(path: Path | str, region: Mapping[str, tuple[int, int]] | None = None
                       ) -> PairedTalesf:
    """Read a ``pairedtalesf`` ``.txt`` (or ``.txt.gz``, streamed). ``region``: keep only
    pairs whose TAL 1 Start lies in ``{contig: (start, end)}`` (0-based half-open)."""
    role = {"RVD1": "L", "RVD2": "R"}
    hits: dict[PairKey, tuple[float, float]] = {}
    rows = 0
    with _open_text(Path(path)) as fh:
        b1 = float(fh.readline().split(":")[1])
        b2 = float(fh.readline().split(":")[1])
        header = fh.readline()
        assert header.startswith("Sequence Name\tTAL 1\tTAL 2"), header
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if len(f) < 8:
                continue
            contig, t1, t2 = f[0], role[f[1]], role[f[2]]
            s1, s2 = int(f[5]), int(f[6])
            if region is not None:
                span = region.get(contig)
                if span is None or not span[0] <= s1 < span[1]:
                    continue
            rows += 1
            hits[(contig, t1, s1, t2, s2)] = (float(f[3]), float(f[4]))
    return PairedTalesf(b1, b2, hits, rows)


@dataclass
class Talesf:
    best: float
    hits: dict[SiteKey, float]  # (contig, strand +1/-1, 0-based first top-strand bound base)
    rows: int


def parse_talesf(path: Path | str) -> Talesf:
    hits: dict[SiteKey, float] = {}
    rows = 0
    best = float("nan")
    with _open_text(Path(path)) as fh:
        first = fh.readline()
        assert first.startswith("options_used"), first
        best = float(fh.readline().split(":")[1])
        header = fh.readline()
        assert header.startswith("Sequence Name\tStrand"), header
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if len(f) < 4:
                continue
            rows += 1
            strand = 1 if f[1] == "Plus" else -1
            assert f[1] in ("Plus", "Minus"), f
            hits[(f[0], strand, int(f[3]) - 1)] = float(f[2])
    return Talesf(best, hits, rows)


@dataclass(frozen=True)
class TalenofferRow:
    contig: str
    up_pos0: int  # Position 1: 0-based position of the upstream position-0 base
    down_left: int  # Position 2: 0-based leftmost top-strand base of the downstream bound site
    spacer: int
    up_role: str
    down_role: str
    score: float
    seq1: str
    seq2: str

    def key(self, len_up: int, len_down: int) -> PairKey:
        """The pairedtalesf-style key: (contig, up_role, up_start, down_role, down_end - 1)."""
        return (self.contig, self.up_role, self.up_pos0 + 1, self.down_role,
                self.down_left + len_down - 1)


def parse_talenoffer(path: Path | str) -> list[TalenofferRow]:
    """Rows in file order (TALENoffer sorts them by Score, best first)."""
    arch = {"first": "L", "second": "R"}
    out: list[TalenofferRow] = []
    with _open_text(Path(path)) as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            f = line.rstrip("\n").split("\t")
            a, b = f[8].split("-")
            out.append(TalenofferRow(f[0], int(f[1]), int(f[2]), int(f[3]), arch[a], arch[b],
                                     float(f[10]), f[4], f[6]))
    return out


@dataclass(frozen=True)
class CasHit:
    query: str
    contig: str
    pos: int  # 0-based leftmost top-strand position
    site: str
    strand: int
    mismatches: int


def parse_casoffinder(path: Path | str) -> list[CasHit]:
    out = []
    with _open_text(Path(path)) as fh:
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if len(f) < 6:
                continue
            out.append(CasHit(f[0], f[1].split()[0], int(f[2]), f[3], 1 if f[4] == "+" else -1,
                              int(f[5])))
    return out


# ------------------------------------------------------------------------------- genomes


def read_fasta(path: Path | str) -> dict[str, str]:
    """Contigs by first header word, sequence as in the file (case kept)."""
    seqs: dict[str, list[str]] = {}
    cur: list[str] | None = None
    with _open_text(Path(path)) as fh:
        for line in fh:
            if line.startswith(">"):
                cur = seqs.setdefault(line[1:].split()[0], [])
            elif cur is not None:
                cur.append(line.strip())
    return {k: "".join(v) for k, v in seqs.items()}


def write_fasta(path: Path | str, seqs: Mapping[str, str], width: int = 80) -> Path:
    path = Path(path)
    with open(path, "w") as fh:
        for name, s in seqs.items():
            fh.write(f">{name}\n")
            for i in range(0, len(s), width):
                fh.write(s[i : i + width] + "\n")
    return path


def decompress_to(src: Path, dest_dir: Path) -> Path:
    """An uncompressed copy of ``src`` in ``dest_dir`` (nothing is written beside ``src``)."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    name = src.name[:-3] if src.name.endswith(".gz") else src.name
    dest = dest_dir / name
    if not dest.exists():
        tmp = dest.with_name(dest.name + ".partial")
        opener = gzip.open if src.name.endswith(".gz") else open
        with opener(src, "rb") as fi, open(tmp, "wb") as fo:  # type: ignore[operator]
            while chunk := fi.read(1 << 22):
                fo.write(chunk)
        os.replace(tmp, dest)
    return dest


# ------------------------------------------------------------------------------- peers


def peer_binary(name: str) -> Path | None:
    p = PEERS / name
    return p if p.exists() and os.access(p, os.X_OK) else None


def run_pairedtalesf(genome: Path, left: Iterable[str], right: Iterable[str], *, cutoff: float,
                     spacer_min: int, spacer_max: int, workdir: Path, threads: int = 1,
                     ) -> PairedTalesf:
    exe = peer_binary("pairedtalesf")
    assert exe is not None
    prefix = workdir / "pts"
    subprocess.run(
        [str(exe), "-n", str(threads), "-t", repr(float(cutoff)), "-m", str(spacer_min),
         "-x", str(spacer_max), "-d", "0", "-c", "0", "-o", str(prefix), str(genome),
         " ".join(left), " ".join(right)],
        check=True, capture_output=True, cwd=workdir,
    )
    return parse_pairedtalesf(prefix.with_suffix(".txt"))


def run_talesf(genome: Path, rvds: Iterable[str], *, cutoff: float, workdir: Path,
               threads: int = 1) -> Talesf:
    exe = peer_binary("talesf")
    assert exe is not None
    prefix = workdir / "tsf"
    subprocess.run(
        [str(exe), "-n", str(threads), "-x", repr(float(cutoff)), "-c", "0", "-o", str(prefix),
         str(genome), " ".join(rvds)],
        check=True, capture_output=True, cwd=workdir,
    )
    return parse_talesf(prefix.with_suffix(".txt"))


# ------------------------------------------------------------------------------- brute force

_CODE = np.full(256, 4, dtype=np.intp)
for _i, _b in enumerate("ACGT"):
    _CODE[ord(_b)] = _i
    _CODE[ord(_b.lower())] = _i
_COMP = np.array([3, 2, 1, 0, 4], dtype=np.intp)


def talent_matrix(rvds: tuple[str, ...]) -> np.ndarray:
    """(L, 5) TALE-NT cost matrix, columns A C G T N (N = +inf)."""
    from taleforge.scoring.talent import talent_score_matrix

    return np.vstack([talent_score_matrix(r) for r in rvds])


def brute_sites(seq: str, rvds: tuple[str, ...], cutoff: float,
                strands: tuple[int, ...] = (1, -1)) -> dict[tuple[int, int], float]:
    """TALE-NT sites of one array on one contig: {(strand, first top-strand bound base): S}.
    Position 0 must be T on the TALE's strand and inside the contig; a bound base that is not
    A/C/G/T (any case) fails the site; S <= cutoff * B, summed in TALE order in double precision."""
    m = talent_matrix(rvds)
    L = len(rvds)
    thr = cutoff * float(m[:, :4].min(axis=1).sum())
    codes = _CODE[np.frombuffer(seq.encode(), dtype=np.uint8)]
    n = codes.size
    out: dict[tuple[int, int], float] = {}
    if n < L + 1:
        return out
    if 1 in strands:
        # window p = bound bases [p, p+L) read 5'->3' on the top strand, pos0 = p-1 is T
        w = n - L  # p = 1 .. n-L
        s = np.zeros(w)
        for i in range(L):
            s += m[i, codes[1 + i : 1 + i + w]]
        ok = (codes[0:w] == 3) & (s <= thr)
        for j in np.flatnonzero(ok):
            out[(1, int(j) + 1)] = float(s[j])
    if -1 in strands:
        # window p = revcomp of [p, p+L); TALE base i is comp(seq[p+L-1-i]); pos0: seq[p+L] is A
        w = n - L  # p = 0 .. n-L-1
        comp = _COMP[codes]
        s = np.zeros(w)
        for i in range(L):
            s += m[i, comp[L - 1 - i : L - 1 - i + w]]
        ok = (codes[L : L + w] == 0) & (s <= thr)
        for j in np.flatnonzero(ok):
            out[(-1, int(j))] = float(s[j])
    return out


def brute_pairs(seqs: Mapping[str, str], left: tuple[str, ...], right: tuple[str, ...],
                cutoff: float, spacer_min: int, spacer_max: int,
                ) -> dict[PairKey, tuple[float, float]]:
    """Paired Target Finder's definition: an upstream site (top strand, T0 before it) and a
    downstream site (bottom strand, A after it on the top strand) of either array, spacer in
    range. Skips a pair whose downstream position-0 base is the contig's last base."""
    arrays = {"L": left, "R": right}
    out: dict[PairKey, tuple[float, float]] = {}
    for contig, seq in seqs.items():
        n = len(seq)
        ups = {r: {p: s for (st, p), s in brute_sites(seq, a, cutoff, (1,)).items()}
               for r, a in arrays.items()}
        downs = {r: {p: s for (st, p), s in brute_sites(seq, a, cutoff, (-1,)).items()}
                 for r, a in arrays.items()}
        for ur, upd in ups.items():
            lu = len(arrays[ur])
            for dr, dnd in downs.items():
                ld = len(arrays[dr])
                for u, su in upd.items():
                    for sp in range(spacer_min, spacer_max + 1):
                        dleft = u + lu + sp
                        if dleft in dnd:
                            dend = dleft + ld  # exclusive; pos0 (A) at dend
                            if dend == n - 1:
                                continue
                            out[(contig, ur, u, dr, dend - 1)] = (su, dnd[dleft])
    return out


# ------------------------------------------------------------------------------- taleforge


def pair_keys(res: Any) -> dict[PairKey, tuple[float, float]]:
    """taleforge's pair columns as pairedtalesf keys -> (up score, down score)."""
    pc = res.pair_columns
    out: dict[PairKey, tuple[float, float]] = {}
    for c, ur, us, dr, de, a, b in zip(pc.contig, pc.up_role, pc.up_start, pc.down_role,
                                       pc.down_end, pc.up_score, pc.down_score, strict=True):
        out[(str(c), str(ur), int(us), str(dr), int(de) - 1)] = (float(a), float(b))
    return out


def pair_keys_row(pc: Any, i: int) -> PairKey:
    return (str(pc.contig[i]), str(pc.up_role[i]), int(pc.up_start[i]), str(pc.down_role[i]),
            int(pc.down_end[i]) - 1)


def site_keys(res: Any, role: str | None = None) -> dict[SiteKey, float]:
    sc = res.site_columns
    out: dict[SiteKey, float] = {}
    for r, c, s, st, v in zip(sc.role, sc.contig, sc.start, sc.strand, sc.score, strict=True):
        if role is None or str(r) == role:
            out[(str(c), int(st), int(s))] = float(v)
    return out


def diff_report(ours: Mapping[Any, Any], theirs: Mapping[Any, Any], limit: int = 8) -> str:
    only_o = sorted(set(ours) - set(theirs))
    only_t = sorted(set(theirs) - set(ours))
    lines = [f"ours {len(ours)}, theirs {len(theirs)}; only ours {len(only_o)}, "
             f"only theirs {len(only_t)}"]
    lines += [f"  only ours:   {k} {ours[k]}" for k in only_o[:limit]]
    lines += [f"  only theirs: {k} {theirs[k]}" for k in only_t[:limit]]
    return "\n".join(lines)


def score_diffs(ours: Mapping[Any, Any], theirs: Mapping[Any, Any], tol: float) -> list[str]:
    bad = []
    for k in set(ours) & set(theirs):
        a, b = ours[k], theirs[k]
        a = a if isinstance(a, tuple) else (a,)
        b = b if isinstance(b, tuple) else (b,)
        if any(abs(x - y) > tol for x, y in zip(a, b, strict=True)):
            bad.append(f"{k}: ours {a} theirs {b}")
    return sorted(bad)


def iter_chunks(seq: str, size: int) -> Iterator[str]:
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


def taleforge_talent(genome: Any, left: tuple[str, ...], right: tuple[str, ...] | None,
                     cutoff: float, spacer_min: int = 15, spacer_max: int = 30, **kw: Any) -> Any:
    """taleforge's score-bounded search under the TALE-NT definition, every record kept."""
    from taleforge.design.offtarget import find_offtargets
    from taleforge.scoring.base import get_model

    return find_offtargets(
        genome, left, right, model=get_model("tale-nt").with_cutoff(cutoff),
        spacer_min=spacer_min, spacer_max=spacer_max, scaffold="tale-nt",
        max_mismatches=None, max_records=None, **kw,
    )


def check_pair_geometry(res: Any, left: tuple[str, ...], right: tuple[str, ...]) -> None:
    """Internal consistency of taleforge's pair columns (lengths, spacer, orientation)."""
    pc = res.pair_columns
    n = {"L": len(left), "R": len(right)}
    up_len = np.array([n[str(r)] for r in pc.up_role], dtype=np.int64)
    dn_len = np.array([n[str(r)] for r in pc.down_role], dtype=np.int64)
    assert np.array_equal(np.asarray(pc.up_end) - np.asarray(pc.up_start), up_len)
    assert np.array_equal(np.asarray(pc.down_end) - np.asarray(pc.down_start), dn_len)
    assert np.array_equal(np.asarray(pc.down_start) - np.asarray(pc.up_end), np.asarray(pc.spacer))
    orient = [f"{a}/{b}" for a, b in zip(pc.up_role, pc.down_role, strict=True)]
    assert [str(o) for o in pc.orientation] == orient


PLANTED_MD5 = "4077e448b892c931a246acaaa50add91"


def load_plants(path: Path | None = None) -> list[dict[str, str]]:
    path = path or REFERENCE / "planted_NN1_ecoli_plants.tsv"
    with open(path) as fh:
        head = fh.readline().rstrip("\n").split("\t")
        return [dict(zip(head, line.rstrip("\n").split("\t"), strict=True))
                for line in fh if line.strip()]


def build_planted_genome(dest_dir: Path) -> Path:
    """The planted NN1 E. coli genome rebuilt from the plant list (README recipe): join the
    E. coli sequence, upper-case it, write each construct in place; one record
    ``>NC_000913.3 planted``, 80-column lines. Returns the FASTA path (MD5 checked by callers)."""
    seq = bytearray("".join(read_fasta(ECOLI).values()).upper().encode())
    for p in load_plants():
        a, b = int(p["start0"]), int(p["end0_excl"])
        c = p["construct_top_strand"].encode()
        assert len(c) == b - a, p["plant_id"]
        seq[a:b] = c
    dest_dir.mkdir(parents=True, exist_ok=True)
    out = dest_dir / "ecoli_planted_NN1.fa"
    s = seq.decode()
    with open(out, "w") as fh:
        fh.write(">NC_000913.3 planted\n")
        for i in range(0, len(s), 80):
            fh.write(s[i : i + 80] + "\n")
    return out


def md5(path: Path) -> str:
    import hashlib

    h = hashlib.md5()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def load_classified(path: Path | None = None) -> dict[PairKey, tuple[str, str]]:
    path = path or REFERENCE / "planted_NN1_ecoli_hits_classified.tsv"
    out: dict[PairKey, tuple[str, str]] = {}
    with open(path) as fh:
        fh.readline()
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if len(f) >= 6:
                out[(f[0], f[1], int(f[2]), f[3], int(f[4]))] = (f[5], f[6] if len(f) > 6 else "")
    return out

"""What a web job is: a request (``job``, ``target``, ``genome``, ``options``, uploads)
checked and turned into the argument list of the job's own CLI command.

The web app runs exactly the CLI's commands (``taleforge design``, ``base-edit``,
``offtarget``, ``correct``, ``knockin``) in a worker process, so designs, files and error
messages are the CLI's; only the provenance ``command`` differs (``taleforge serve: ...``).
Options are checked here against the command's own click definitions before a job is
queued: an unknown option, a bad value, a server-side option (``--out``, ``--genome``...) or a
path option is refused with a one-line message. Genomes come only from the allowed set
(:class:`GenomeSet`); files (a custom ``--sequence``, a knock-in ``--cargo``) only as
uploads, size-limited and parsed before the job is accepted.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taleforge.errors import InputError, ParameterError, TaleforgeError

#: web job -> CLI command
COMMANDS: dict[str, str] = {"knockout": "design", "base-edit": "base-edit", "offtarget": "offtarget",
                            "correct": "correct", "knockin": "knockin"}
#: web job -> writers-registry job (:mod:`taleforge.io.registry`)
REGISTRY_JOB: dict[str, str] = {"knockout": "knockout", "base-edit": "base-edit",
                                "offtarget": "offtarget", "correct": "correction", "knockin": "knockin"}
TITLES: dict[str, str] = {
    "knockout": "TALEN knockout", "base-edit": "TALE base editor", "offtarget": "Off-target scan",
    "correct": "Point-mutation correction (ssODN)", "knockin": "Knock-in donor",
}
#: the file with the job's JSON (``/api/jobs/{id}/result.json``)
RESULT_JSON: dict[str, str] = {"knockout": "designs.json", "base-edit": "designs.json",
                               "offtarget": "offtarget.json", "correct": "correction.json",
                               "knockin": "knockin.json"}
REPORT = "report.html"

#: file jobs: registry format -> (CLI option, file name); the TSV goes to ``--out``
FILE_OUTPUTS: dict[str, dict[str, tuple[str, str]]] = {
    "knockout": {"tsv": ("--out", "designs.tsv"), "json": ("--json", "designs.json"),
                 "bed": ("--bed", "designs.bed"), "gff3": ("--gff3", "designs.gff3"),
                 "html": ("--html", REPORT)},
    "base-edit": {"tsv": ("--out", "designs.tsv"), "json": ("--json", "designs.json"),
                  "bed": ("--bed", "designs.bed"), "gff3": ("--gff3", "designs.gff3"),
                  "text": ("--view", "window_view.txt"), "report": ("--html", REPORT),
                  "windows": ("--dump-window-table", "window_table.tsv")},
    "offtarget": {"tsv": ("--out", "offtarget.tsv"), "json": ("--json", "offtarget.json"),
                  "bed": ("--bed", "offtarget.bed"), "html": ("--html", REPORT)},
}
#: registry formats a web job does not write, and why (a test checks this list is complete)
NOT_SERVED: dict[tuple[str, str], str] = {
    ("base-edit", "html"): "the compact window view (--out x.html) needs --out, which the TSV takes; "
                           "the report shows the same window",
}
#: folder jobs write every registry folder file into the job's folder, plus --html
FOLDER_JOBS = frozenset({"correct", "knockin"})

#: options the server sets itself or that would name files on the server
SERVER_OPTIONS: dict[str, str] = {
    "genome": "choose the genome in the genome field",
    "out": "the server writes every output", "json_out": "the server writes every output",
    "bed_out": "the server writes every output", "gff3_out": "the server writes every output",
    "html_out": "the server writes every output", "view_out": "the server writes every output",
    "dump_window_table": "the server writes every output", "force": "each job has its own folder",
    "rebuild_index": "the server manages genome indexes", "explain": "the report has every rule",
    "scheduler": "jobs run in the server's worker pool", "workers": "jobs run in the server's worker pool",
    "sequence": "upload the FASTA as the sequence file", "cargo": "upload the cargo file",
    "annotation": "the genome's own annotation is used", "variants": "not available in the web app",
    "parts": "not available in the web app",
}
#: options naming a genome: the value must be one of the allowed genomes
GENOME_OPTIONS = frozenset({"nuclear_genome", "offtarget_genome"})
WINDOW_TABLES = ("mitoedit", "qiu2024")

#: options shown on each job's form (help text and defaults come from the CLI definition)
FORM_FIELDS: dict[str, tuple[str, ...]] = {
    "knockout": ("top", "scaffold", "model", "specificity", "specificity_candidates", "transcript",
                 "flank", "enzymes", "cermak", "min_cut_spacing"),
    "base-edit": ("position", "to", "contig", "editor", "window_table", "top", "offtarget",
                  "max_mismatches", "g_rvd"),
    "offtarget": ("right", "model", "max_mismatches", "cutoff", "scaffold", "top", "max_records"),
    "correct": ("position", "to", "exons", "cds", "designs", "model", "scaffold", "specificity",
                "max_cut_distance"),
    "knockin": ("exon", "in_frame", "intron", "two_a", "arm", "exons", "cds", "designs", "model",
                "specificity"),
}
TARGET_HELP: dict[str, tuple[str, str]] = {
    "knockout": ("Gene or region", "a gene (MT-ND4, TRAC, an Ensembl ID) or a region chr:start-end; "
                                   "empty with an uploaded sequence"),
    "base-edit": ("Variant or gene", "a substitution contig:pos:REF>ALT (e.g. chrM:3243:A>G), a gene "
                                     "to knock out by a base edit, or empty with position and to below"),
    "offtarget": ("Left TALE or site", "RVDs of the left TALE ('NN HD NI ...', with the right TALE "
                                       "below) or a DNA site to split into a pair"),
    "correct": ("Variant", "CONTIG:POS:REF>ALT on the + strand (the cells carry ALT), or empty with an "
                           "uploaded sequence and position/to below"),
    "knockin": ("Gene", "the gene to knock the cargo into (with exon + in-frame, or intron)"),
}
#: uploads each job accepts (field -> CLI option)
UPLOADS: dict[str, dict[str, str]] = {
    "knockout": {"sequence": "--sequence"},
    "base-edit": {},
    "offtarget": {},
    "correct": {"sequence": "--sequence"},
    "knockin": {"sequence": "--sequence", "cargo": "--cargo"},
}
UPLOAD_NAMES = {"sequence": "sequence.fa", "cargo": "cargo"}

_VARIANT = re.compile(r"^[^:\s]+:\d[\d,]*:[ACGTacgt]+>[ACGTacgt]+$")
_REGION = re.compile(r"^[^:\s]+:\d[\d,]*-\d[\d,]*$")
_DNA = re.compile(r"^[ACGTNacgtn]+$")
_TEXT = re.compile(r"^[\x20-\x7e]*$")  # printable ASCII, one line
GENOME_SUFFIXES = (".fa", ".fasta", ".fna", ".fa.gz", ".fasta.gz", ".fna.gz", ".2bit")
ANNOTATION_SUFFIXES = (".gff3", ".gff", ".gtf", ".gff3.gz", ".gff.gz", ".gtf.gz", ".gb", ".gbk")


# --------------------------------------------------------------------------------------
# Genomes: the allowed set
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GenomeChoice:
    """One genome a job may use: ``id`` as the client names it, ``spec`` as the CLI opens it."""

    id: str
    label: str
    spec: str
    annotation: str | None = None
    kind: str = "builtin"


@dataclass
class GenomeSet:
    """The allowed genomes: the built-ins, the genome registry (``taleforge genome add``) and
    the genome files directly inside ``genomes_dir`` (``--genomes DIR``; FASTA or 2bit, an
    annotation beside it with the same stem is used). Nothing else can be opened."""

    genomes_dir: Path | None = None
    use_registry: bool = True

    def choices(self) -> list[GenomeChoice]:
        from taleforge.genome.index import BUILTIN_GENOMES

        out = [GenomeChoice(b.name, f"{b.name} — {b.description}", b.name) for b in BUILTIN_GENOMES.values()]
        if self.use_registry:
            from taleforge.genome import registry

            for e in registry.list_entries():
                name = str(e.get("name", ""))
                if registry.valid_name(name):
                    out.append(GenomeChoice(name, f"{name} (registered genome)", name, kind="registry"))
        if self.genomes_dir is not None and self.genomes_dir.is_dir():
            root = self.genomes_dir.resolve()
            for p in sorted(root.iterdir()):
                low = p.name.lower()
                if p.name.startswith(".") or not low.endswith(GENOME_SUFFIXES):
                    continue
                real = p.resolve()
                if not real.is_file() or not real.is_relative_to(root):
                    continue  # a symlink out of the folder is not offered
                stem = _stem(p.name, GENOME_SUFFIXES)
                ann = next((root / (stem + s) for s in ANNOTATION_SUFFIXES
                            if (root / (stem + s)).is_file()
                            and (root / (stem + s)).resolve().is_relative_to(root)), None)
                out.append(GenomeChoice(f"dir:{p.name}", f"{p.name} (genomes folder)", str(real),
                                        str(ann) if ann else None, kind="dir"))
        return out

    def get(self, gid: str) -> GenomeChoice:
        from taleforge.genome.index import BUILTIN_ALIASES

        if not isinstance(gid, str) or not gid:
            raise InputError("no genome given", hint="choose one of GET /api/genomes")
        canonical = BUILTIN_ALIASES.get(gid.lower(), gid)
        for c in self.choices():
            if c.id == canonical or c.id.lower() == canonical.lower():
                return c
        known = ", ".join(c.id for c in self.choices()[:8])
        raise InputError(f"genome {gid!r} is not one of the genomes this server offers",
                         hint=f"choose one of: {known}")


def _stem(name: str, suffixes: tuple[str, ...]) -> str:
    low = name.lower()
    for s in sorted(suffixes, key=len, reverse=True):
        if low.endswith(s):
            return name[: -len(s)]
    return name


# --------------------------------------------------------------------------------------
# The CLI definitions
# --------------------------------------------------------------------------------------
def click_command(job: str) -> Any:
    import typer.main

    from taleforge.cli import _register
    from taleforge.cli.app import app

    _register()
    group = typer.main.get_command(app)
    return group.commands[COMMANDS[job]]  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Field:
    """One form field: the CLI option's name, flag, kind, default and help text."""

    name: str
    flag: str
    kind: str  # "int", "float", "bool", "text", "list"
    default: Any
    help: str
    choices: tuple[str, ...] = ()


def _annotation(p: Any) -> Any:
    """The Python type of a CLI parameter (typer's descriptor; ``X | None`` -> ``X``)."""
    import types
    import typing

    t = getattr(getattr(p, "type_descriptor", None), "annotation", None)
    if isinstance(t, types.UnionType) or typing.get_origin(t) is typing.Union:
        args = [a for a in typing.get_args(t) if a is not type(None)]
        t = args[0] if len(args) == 1 else t
    if typing.get_origin(t) is list:
        t = typing.get_args(t)[0]
    return t


def _is_path(p: Any) -> bool:
    t = _annotation(p)
    return isinstance(t, type) and issubclass(t, Path)


def form_fields(job: str) -> list[Field]:
    cmd = click_command(job)
    by_name = {p.name: p for p in cmd.params}
    out = []
    for name in FORM_FIELDS[job]:
        p = by_name[name]
        t = _annotation(p)
        if getattr(p, "is_flag", False):
            kind = "bool"
        elif getattr(p, "multiple", False):
            kind = "list"
        elif t is int:
            kind = "int"
        elif t is float:
            kind = "float"
        else:
            kind = "text"
        choices: tuple[str, ...] = WINDOW_TABLES if name == "window_table" else ()
        default = p.default if not callable(p.default) else None
        out.append(Field(name, p.opts[0], kind, default, getattr(p, "help", "") or "", choices))
    return out


# --------------------------------------------------------------------------------------
# A request -> the CLI's argument list
# --------------------------------------------------------------------------------------
@dataclass
class Prepared:
    """A checked job: the CLI arguments (``{inputs}``/``{files}`` stand for the job's upload
    and output folders), the uploads to save, the provenance command and the output names."""

    job: str
    target: str
    genome: str
    options: dict[str, Any]
    argv: list[str]
    uploads: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # field -> (file name, data)
    display: str = ""


def _option_tokens(job: str, options: Mapping[str, Any], genomes: GenomeSet) -> list[str]:
    if not isinstance(options, Mapping):
        raise ParameterError("options must be a JSON object", hint='e.g. {"top": 3}')
    cmd = click_command(job)
    params = {p.name: p for p in cmd.params if getattr(p, "param_type_name", "") == "option"}
    tokens: list[str] = []
    for raw_key in sorted(options):
        value = options[raw_key]
        key = str(raw_key).lstrip("-").replace("-", "_")
        if key == "2a":
            key = "two_a"
        flag = "--" + key.replace("_", "-")
        if key in SERVER_OPTIONS:
            raise ParameterError(f"option {flag} is not accepted by the web app ({SERVER_OPTIONS[key]})",
                                 hint=f"remove {flag}")
        p = params.get(key)
        if p is None:
            raise ParameterError(f"no such option for {job}: {flag}",
                                 hint=f"see taleforge {COMMANDS[job]} --help for the options")
        if _is_path(p):
            raise ParameterError(f"option {flag} names a file", hint="files are uploads, not options")
        if value is None or value == "" or value == []:
            continue
        if p.is_flag:
            if not isinstance(value, bool):
                raise ParameterError(f"option {flag} is a switch, got {value!r}", hint="use true or false")
            if value:
                tokens.append(p.opts[0])
            elif p.secondary_opts:
                tokens.append(p.secondary_opts[0])
            continue
        values = value if isinstance(value, list) else [value]
        if not p.multiple and len(values) > 1:
            raise ParameterError(f"option {flag} takes one value", hint="give a single value")
        for v in values:
            if isinstance(v, bool) or not isinstance(v, (str, int, float)):
                raise ParameterError(f"option {flag}: {v!r} is not a value", hint="give a number or text")
            text = str(v).strip()
            if not _TEXT.match(text) or len(text) > 2000:
                raise ParameterError(f"option {flag}: the value is not one line of text",
                                     hint="remove control characters")
            if key in GENOME_OPTIONS:
                text = genomes.get(text).spec
            if key == "window_table" and text not in WINDOW_TABLES:
                raise ParameterError(f"--window-table {text!r} is not a built-in table",
                                     hint="use " + " or ".join(WINDOW_TABLES))
            tokens += [p.opts[0], text]
    return tokens


def _target_tokens(job: str, target: str, has_sequence: bool) -> list[str]:
    t = target.strip()
    if not _TEXT.match(t) or len(t) > 2000:
        raise ParameterError("the target is not one line of text", hint="remove control characters")
    if job == "knockout":
        if not t:
            if not has_sequence:
                raise ParameterError("no target", hint="give a gene, a region chr:start-end or a sequence")
            return []
        return ["--region", t] if _REGION.match(t) else [t]
    if job == "base-edit":
        if not t:
            return []
        return ["--variant", t] if _VARIANT.match(t) else ["--knockout", t]
    if job == "offtarget":
        if not t:
            return []
        if "/" in t:
            left, _, right = t.partition("/")
            return ["--left", left.strip(), "--right", right.strip()]
        return ["--site", t] if _DNA.match(t.replace(" ", "")) else ["--left", t]
    if job == "correct":
        if not t:
            return []
        if not _VARIANT.match(t):
            raise ParameterError(f"target {t!r} is not a variant",
                                 hint="write CONTIG:POS:REF>ALT (the cells carry ALT), "
                                      "e.g. chr11:5227002:T>A")
        return ["--variant", t]
    if not t:  # knockin
        return []
    return ["--gene", t]


def prepare(request: Mapping[str, Any], genomes: GenomeSet, *, max_upload_bytes: int) -> Prepared:
    """Check a job request and build its CLI arguments; every problem is a one-line error."""
    if not isinstance(request, Mapping):
        raise ParameterError("the request must be a JSON object",
                             hint='send {"job": ..., "target": ..., "genome": ..., "options": {...}}')
    unknown = sorted(set(request) - {"job", "target", "genome", "options", "uploads"})
    if unknown:
        raise ParameterError(f"unknown request field {unknown[0]!r}",
                             hint="fields: job, target, genome, options, uploads")
    job = request.get("job")
    if job not in COMMANDS:
        raise ParameterError(f"unknown job {job!r}", hint="jobs: " + ", ".join(COMMANDS))
    target = request.get("target") or ""
    if not isinstance(target, str):
        raise ParameterError("target must be text", hint='e.g. "MT-ND4"')
    uploads = _uploads(job, request.get("uploads") or {}, max_upload_bytes)
    has_seq = "sequence" in uploads
    if job == "knockin" and "cargo" not in uploads:
        raise ParameterError("a knock-in needs a cargo", hint="upload the cargo as GenBank or FASTA")
    choice = genomes.get(str(request.get("genome") or ""))
    options = dict(request.get("options") or {})
    argv = [COMMANDS[job], *_target_tokens(job, target, has_seq)]
    if not (has_seq and job in ("correct", "knockin")):
        argv += ["--genome", choice.spec]
        if choice.annotation:
            argv += ["--annotation", choice.annotation]
    for name, (fname, _) in uploads.items():
        argv += [UPLOADS[job][name], "{inputs}/" + fname]
    argv += _option_tokens(job, options, genomes)
    display = [COMMANDS[job], *(a for a in argv[1:])]
    display = [a.replace("{inputs}/", "") for a in display]
    if choice.kind == "dir":
        display = [choice.id if a == choice.spec else a for a in display]
        display = [Path(a).name if choice.annotation and a == choice.annotation else a for a in display]
    # the command's own definitions check the arguments (types, unknown options) before queueing
    cmd = click_command(job)
    try:
        cmd.make_context(COMMANDS[job], [a.replace("{inputs}", "/nonexistent") for a in argv[1:]],
                         resilient_parsing=False)
    except Exception as exc:  # typer vendors click: match its exceptions by interface
        if not hasattr(exc, "format_message"):
            raise ParameterError("the options ask for help, not a job", hint="remove --help") from None
        raise ParameterError(exc.format_message(),
                             hint=f"see taleforge {COMMANDS[job]} --help for the options") from None
    return Prepared(job, target.strip(), choice.id, options, argv, uploads,
                    "taleforge serve: taleforge " + shlex.join(display))


def _uploads(job: str, raw: Any, max_bytes: int) -> dict[str, tuple[str, bytes]]:
    if not isinstance(raw, Mapping):
        raise ParameterError("uploads must be a JSON object", hint='{"cargo": {"name": ..., "text": ...}}')
    out: dict[str, tuple[str, bytes]] = {}
    for name, item in raw.items():
        if name not in UPLOADS[job]:
            raise ParameterError(f"the {job} job takes no {name!r} upload",
                                 hint="uploads: " + (", ".join(UPLOADS[job]) or "none"))
        if not isinstance(item, Mapping) or not isinstance(item.get("text"), str):
            raise ParameterError(f"upload {name!r} must be {{\"name\": ..., \"text\": ...}}",
                                 hint="send the file's text")
        data = item["text"].encode("utf-8")
        if len(data) > max_bytes:
            raise InputError(f"upload {name!r} is {len(data):,} bytes, over the limit of {max_bytes:,}",
                             hint="upload a smaller file (the server's --max-upload-mb)")
        if not data.strip():
            raise InputError(f"upload {name!r} is empty", hint="choose a FASTA or GenBank file")
        original = str(item.get("name") or "")
        out[name] = (_upload_name(name, original, data), data)
    return out


def _upload_name(field_name: str, original: str, data: bytes) -> str:
    if field_name == "sequence":
        return "sequence.fa"
    head = data.lstrip()[:5].upper()
    return "cargo.gb" if head.startswith(b"LOCUS") else "cargo.fa"


def validate_uploads(prep: Prepared, folder: Path) -> None:
    """Parse the saved uploads with the readers the CLI uses (a bad file is refused now,
    not when the job runs)."""
    for name, (fname, _) in prep.uploads.items():
        path = folder / fname
        try:
            if name == "cargo":
                from taleforge.design.cargo import read_cargo

                read_cargo(path)
            else:
                from taleforge.genome.index import genome_from_sequence

                g = genome_from_sequence(path)
                if len(g.contig_names) != 1 and prep.job in ("correct", "knockin"):
                    raise InputError(f"the sequence has {len(g.contig_names)} records",
                                     hint="upload a FASTA with one record")
        except TaleforgeError as exc:
            raise InputError(f"upload {name!r}: {exc.message}", hint=exc.hint) from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"upload {name!r} cannot be read: {exc}",
                             hint="upload FASTA (or GenBank for a cargo)") from None

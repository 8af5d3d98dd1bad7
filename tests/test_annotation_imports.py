"""The annotation parsers import the model module, never the query layer (no import cycle)."""

from __future__ import annotations

import ast
from pathlib import Path

import taleforge.genome as genome_pkg

GENOME = Path(genome_pkg.__file__).parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_parsers_do_not_import_the_query_layer() -> None:
    for name in ("gtf.py", "gff3.py", "genbank.py", "annotation_model.py"):
        mods = _imports(GENOME / name)
        assert "taleforge.genome.annotation" not in mods, name
    assert not any(m.startswith("taleforge.genome") for m in _imports(GENOME / "annotation_model.py"))


def test_model_names_are_re_exported() -> None:
    from taleforge.genome import annotation, annotation_model

    for name in ("Transcript", "Gene", "TranslExcept", "build_transcript", "build_gene",
                 "is_mito_contig", "MITO_CONTIGS", "ANNOTATION_PARAMS"):
        assert getattr(annotation, name) is getattr(annotation_model, name)

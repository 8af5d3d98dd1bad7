"""The ``html`` writer of every job (``--html FILE``): one self-contained report.

Base editors already have an ``html`` writer (the window view, ``--out x.html``); their
report is the ``report`` format, which ``--html`` writes."""

from __future__ import annotations

import json
from typing import Any

from taleforge.io.html.report import report_html
from taleforge.io.registry import register, render

_JSON_CONTEXT = ("command", "genome")


def _doc(job: str, res: Any, context: dict[str, Any]) -> dict[str, Any]:
    kw = {k: v for k, v in context.items() if k in _JSON_CONTEXT}
    doc = json.loads(render(job, "json", res, **kw))
    assert isinstance(doc, dict)
    return doc


def job_report(job: str, res: Any, **context: Any) -> str:
    """The HTML report of ``res`` (a result of ``job``)."""
    return report_html(job, res, _doc(job, res, context), genome=context.get("genome"),
                       annotation=context.get("annotation"))


@register("knockout", "html", ext=(".html", ".htm"))
def knockout_html(res: Any, **context: Any) -> str:
    """Self-contained HTML report: locus drawing, ranked table, rules, off-targets, provenance."""
    return job_report("knockout", res, **context)


@register("offtarget", "html", ext=(".html", ".htm"))
def offtarget_html(res: Any, **context: Any) -> str:
    """Self-contained HTML report: sites by class, closest sites, provenance."""
    return job_report("offtarget", res, **context)


@register("base-edit", "report", ext=(".report.html",))
def base_edit_report(res: Any, **context: Any) -> str:
    """Self-contained HTML report (--html): locus, window with target and bystanders, rules."""
    return job_report("base-edit", res, **context)


@register("correction", "html", ext=(".html", ".htm"))
def correction_html(res: Any, **context: Any) -> str:
    """Self-contained HTML report (--html): locus, blocking mutations, ssODN, rules."""
    return job_report("correction", res, **context)


@register("knockin", "html", ext=(".html", ".htm"))
def knockin_html(res: Any, **context: Any) -> str:
    """Self-contained HTML report (--html): locus, donor map, rules, primers."""
    return job_report("knockin", res, **context)


@register("multiplex", "html", ext=(".html", ".htm"))
def multiplex_html(res: Any, **context: Any) -> str:
    """Self-contained HTML report (--html): each locus drawn, the set, cross-talk."""
    return job_report("multiplex", res, **context)

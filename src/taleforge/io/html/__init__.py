"""Self-contained HTML reports (``--html FILE`` on every job).

* :mod:`.svg` - SVG primitives (deterministic numbers, escaped text);
* :mod:`.locus` - one design's locus drawing and base-level zoom;
* :mod:`.page` - the page: CSS/JS inline, warnings banner, tables, provenance;
* :mod:`.report` - per-job sections and :func:`~.report.report_html`;
* :mod:`.writers` - the registered ``html`` writers (``report`` for base-edit).
"""

"""The local web app (``taleforge serve``): a form per job, a job page with live progress,
the job's HTML report and every output file to download, on the CLI's own commands.

* :mod:`taleforge.web.jobs` — a request checked and turned into the CLI's arguments; the
  allowed genomes;
* :mod:`taleforge.web.store` — jobs on disk and the bounded pool of worker processes;
* :mod:`taleforge.web.worker` — a worker: runs the CLI command in-process;
* :mod:`taleforge.web.app` — the FastAPI app (API, pages, Host/Origin/token checks);
* :mod:`taleforge.web.pages` — the HTML of the pages.

Needs the ``web`` extra (``pip install 'taleforge[web]'``: FastAPI, uvicorn).
"""

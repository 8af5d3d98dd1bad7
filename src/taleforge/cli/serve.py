"""`taleforge serve`: the local web app (forms, live progress, reports, downloads)."""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Annotated

import typer

from taleforge.cli.app import app
from taleforge.cli.common import info
from taleforge.errors import BackendError, ParameterError


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@app.command("serve")
def serve_cmd(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback only unless --allow-remote)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8765,
    genomes: Annotated[Path | None, typer.Option(help="Folder of genome files (FASTA/2bit, an annotation beside each with the same stem) offered besides the built-in and registered genomes")] = None,
    state: Annotated[Path | None, typer.Option(help="Folder for jobs and their files (default <taleforge cache>/web)")] = None,
    workers: Annotated[int, typer.Option(help="Jobs run at the same time (worker processes); more wait in the queue")] = 2,
    retention_hours: Annotated[float, typer.Option(help="Finished jobs are deleted this many hours after they finished")] = 168.0,
    max_upload_mb: Annotated[float, typer.Option(help="Largest uploaded file (MB)")] = 5.0,
    allow_remote: Annotated[bool, typer.Option("--allow-remote", help="Allow a non-loopback --host (a token is then required)")] = False,
    token: Annotated[str | None, typer.Option(envvar="TALEFORGE_WEB_TOKEN", help="Access token (required with --allow-remote; generated and printed when not given)")] = None,
) -> None:
    """Start the local web app: design jobs in the browser, watch progress, read the report
    and download every output file."""
    try:
        import uvicorn

        from taleforge.web.app import ServerConfig, create_app
        from taleforge.web.jobs import GenomeSet
    except ImportError:
        raise BackendError("the web app needs FastAPI and uvicorn",
                           hint="pip install 'taleforge[web]'") from None
    from taleforge.genome.index import cache_root

    if not 0 < port < 65536:
        raise ParameterError(f"--port {port} is not a port", hint="use 1-65535, e.g. 8765")
    if not _is_loopback(host):
        if not allow_remote:
            raise ParameterError(f"--host {host} would expose the server beyond this machine",
                                 hint="add --allow-remote (a token is then required), or keep --host 127.0.0.1")
        if not token:
            token = secrets.token_urlsafe(24)
    if token is not None and len(token) < 16:
        raise ParameterError("--token is too short", hint="use at least 16 characters")
    if genomes is not None and not genomes.is_dir():
        raise ParameterError(f"--genomes {genomes} is not a folder", hint="give a folder of FASTA or 2bit files")
    if workers < 1:
        raise ParameterError(f"--workers must be >= 1, got {workers}", hint="use 1 or more")
    if retention_hours <= 0:
        raise ParameterError("--retention-hours must be > 0", hint="e.g. 168 (one week)")
    state_dir = state if state is not None else cache_root() / "web"
    state_dir.mkdir(parents=True, exist_ok=True)
    config = ServerConfig(
        state_dir=state_dir, host=host, port=port, workers=workers,
        retention_s=retention_hours * 3600.0, genomes=GenomeSet(genomes.resolve() if genomes else None),
        token=token, max_upload_bytes=int(max_upload_mb * 1024 * 1024),
    )
    web = create_app(config)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}/"
    info(f"taleforge serve: open {url}{'?token=' + token if token else ''}")
    info(f"jobs in {state_dir} (kept {retention_hours:g} h after they finish); {workers} worker(s); Ctrl-C stops")
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    uvicorn.run(web, host=host, port=port, log_level="warning", access_log=False)

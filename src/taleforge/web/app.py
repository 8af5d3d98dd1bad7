"""The FastAPI application of ``taleforge serve``.

HTTP API (the pages use it too)::

    POST /api/jobs                      {"job", "target", "genome", "options", "uploads"} -> {"id"}
    GET  /api/jobs                      the jobs, newest first
    GET  /api/jobs/{id}                 {"status": queued|running|done|failed|cancelled,
                                         "progress", "error", "files", ...}
    POST /api/jobs/{id}/cancel          (also DELETE /api/jobs/{id})
    GET  /api/jobs/{id}/result.json     the job's JSON, the CLI's file
    GET  /api/jobs/{id}/files/{name}    any output file
    GET  /api/genomes                   the genomes jobs may use
    GET  /  /new/{job}  /jobs/{id}      the pages

Security: every request's ``Host`` must name this server (a loopback name, or the address
given with ``--host``), which defeats DNS rebinding (with a token, required off loopback, the
token does); a request changing state must not come from another origin (``Origin`` must be
the ``Host`` itself, ``Sec-Fetch-Site`` same-origin) and must be JSON (an HTML form on
another site cannot send it without a CORS preflight, which is never granted); with a
token (required off loopback) every request carries it (``Authorization: Bearer``, the
``taleforge_token`` cookie, or ``?token=`` once, which sets the cookie). Bodies are capped;
errors are one line of JSON (``{"error": ...}``) with a 4xx status, never a traceback.
"""



import json
import secrets
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from taleforge.errors import TaleforgeError
from taleforge.web.jobs import COMMANDS, REPORT, RESULT_JSON, GenomeSet, form_fields, prepare
from taleforge.web.store import (
    DEFAULT_RETENTION_S,
    JobConflictError,
    JobNotFoundError,
    JobStore,
    QueueFullError,
)

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
TOKEN_COOKIE = "taleforge_token"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Content-Security-Policy": ("default-src 'none'; style-src 'unsafe-inline'; "
                                "script-src 'unsafe-inline'; img-src data:; connect-src 'self'; "
                                "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
}
EXAMPLES = {"knockout": "MT-ND4", "base-edit": "chrM:3243:A>G", "offtarget": "", "correct": "",
            "knockin": ""}


@dataclass
class ServerConfig:
    """How the server runs: where it listens (for the Host/Origin checks), the state folder,
    the pool, the allowed genomes, the token and the upload limit."""

    state_dir: Path
    host: str = "127.0.0.1"
    port: int = 8765
    workers: int = 2
    retention_s: float = DEFAULT_RETENTION_S
    genomes: GenomeSet = field(default_factory=GenomeSet)
    token: str | None = None
    max_upload_bytes: int = 5 * 1024 * 1024
    max_queued: int = 100

    @property
    def max_body_bytes(self) -> int:
        return 2 * self.max_upload_bytes + 64 * 1024  # two uploads and the JSON around them

    def allowed_hostnames(self) -> set[str]:
        names = set(LOOPBACK_NAMES)
        if self.host not in ("0.0.0.0", "::", ""):
            names.add(self.host.lower())
        return names


def _hostname(host_header: str) -> str:
    h = host_header.strip().lower()
    if h.startswith("["):
        return h[: h.find("]") + 1] if "]" in h else h
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


def create_app(config: ServerConfig, *, store: JobStore | None = None) -> Any:
    """The ASGI app. The job store starts with the app (lifespan) and stops with it."""
    try:
        from fastapi import FastAPI, Request
        from fastapi.exceptions import RequestValidationError
        from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
        from starlette.exceptions import HTTPException as StarletteHTTPException
    except ImportError:  # pragma: no cover - the web extra is missing
        from taleforge.errors import BackendError

        raise BackendError("the web app needs FastAPI and uvicorn",
                           hint="pip install 'taleforge[web]'") from None

    jobs = store or JobStore(config.state_dir, workers=config.workers,
                             retention_s=config.retention_s, max_queued=config.max_queued)

    @asynccontextmanager
    async def lifespan(_: Any) -> Any:
        jobs.start()
        try:
            yield
        finally:
            jobs.stop()

    app = FastAPI(title="taleforge", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.jobs = jobs
    app.state.config = config

    def err(status: int, message: str) -> Any:
        return JSONResponse({"error": message}, status_code=status)

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Any]]) -> Any:
        host = request.headers.get("host", "")
        # without a token the Host check is what stops DNS rebinding; with one (required off
        # loopback, where the server's public name is not known) the token does
        if not config.token and _hostname(host) not in config.allowed_hostnames():
            return err(403, f"host {host!r} is not this server. Open it as http://127.0.0.1:{config.port}/.")
        method = request.method.upper()
        if method not in ("GET", "HEAD", "OPTIONS"):
            origin = request.headers.get("origin")
            if origin is not None:
                from urllib.parse import urlsplit

                if origin == "null" or urlsplit(origin).netloc.lower() != host.strip().lower():
                    return err(403, f"cross-site request from {origin!r} refused. "
                                    "Use the server's own pages.")
            if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
                return err(403, "cross-site request refused. Use the server's own pages.")
        if method == "OPTIONS":
            return err(405, "method not allowed. No cross-origin access is granted.")
        set_cookie = False
        if config.token:
            given = request.headers.get("authorization", "")
            given = given[7:] if given.lower().startswith("bearer ") else ""
            given = given or request.cookies.get(TOKEN_COOKIE, "")
            q = parse_qs(request.url.query).get("token", [""])[0]
            if q and not given and secrets.compare_digest(q, config.token):
                given, set_cookie = q, True
            if not given or not secrets.compare_digest(given, config.token):
                return err(401, "this server needs its token. Open the link taleforge serve printed "
                                "(…/?token=…) or send Authorization: Bearer TOKEN.")
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > config.max_body_bytes):
            return err(413, f"request body over {config.max_body_bytes:,} bytes. Upload smaller files.")
        response = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        if set_cookie and config.token:
            response.set_cookie(TOKEN_COOKIE, config.token, httponly=True, samesite="strict")
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Any:
        msg = {404: "not found. See / for the pages and /api/jobs for the API.",
               405: "method not allowed. See the API in the README."}.get(exc.status_code, str(exc.detail))
        return err(exc.status_code, msg)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Any:
        return err(400, "malformed request. Check the fields against the README's API section.")

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Any:
        return err(500, f"internal error ({type(exc).__name__}). The server's log has the details.")

    def tf_error(exc: TaleforgeError) -> Any:
        if isinstance(exc, JobNotFoundError):
            return err(404, exc.one_line())
        if isinstance(exc, JobConflictError):
            return err(409, exc.one_line())
        if isinstance(exc, QueueFullError):
            return err(503, exc.one_line())
        return err(400, exc.one_line())

    # ------------------------------------------------------------------ API
    @app.post("/api/jobs")
    async def submit(request: Request) -> Any:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            return err(415, "send the job as JSON (Content-Type: application/json).")
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():  # read at most the cap, even without Content-Length
            size += len(chunk)
            if size > config.max_body_bytes:
                return err(413, f"request body over {config.max_body_bytes:,} bytes. Upload smaller files.")
            chunks.append(chunk)
        body = b"".join(chunks)
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return err(400, 'the body is not valid JSON. Send {"job": ..., "target": ..., "genome": ...}.')
        try:
            prep = prepare(data, config.genomes, max_upload_bytes=config.max_upload_bytes)
            jid = jobs.submit(prep)
        except TaleforgeError as exc:
            return tf_error(exc)
        return JSONResponse({"id": jid, "status": "queued", "url": f"/jobs/{jid}"}, status_code=201)

    @app.get("/api/jobs")
    async def list_jobs() -> Any:
        return {"jobs": jobs.all_jobs()}

    @app.get("/api/genomes")
    async def genomes() -> Any:
        return {"genomes": [{"id": g.id, "label": g.label, "kind": g.kind,
                             "annotation": g.annotation is not None} for g in config.genomes.choices()]}

    @app.get("/api/jobs/{jid}")
    async def status(jid: str) -> Any:
        try:
            return jobs.status(jid)
        except TaleforgeError as exc:
            return tf_error(exc)

    @app.post("/api/jobs/{jid}/cancel")
    async def cancel(jid: str) -> Any:
        try:
            jobs.cancel(jid)
            return jobs.status(jid)
        except TaleforgeError as exc:
            return tf_error(exc)

    @app.delete("/api/jobs/{jid}")
    async def delete(jid: str) -> Any:
        return await cancel(jid)

    @app.get("/api/jobs/{jid}/result.json")
    async def result_json(jid: str) -> Any:
        try:
            rec = jobs.get(jid)
            p = jobs.file_path(jid, RESULT_JSON[rec["job"]])
        except TaleforgeError as exc:
            return tf_error(exc)
        return FileResponse(p, media_type="application/json")

    @app.get("/api/jobs/{jid}/files/{name}")
    async def download(jid: str, name: str) -> Any:
        try:
            p = jobs.file_path(jid, name)
        except TaleforgeError as exc:
            return tf_error(exc)
        media = "text/html; charset=utf-8" if name.endswith(".html") else (
            "application/json" if name.endswith(".json") else "text/plain; charset=utf-8")
        return FileResponse(p, media_type=media, filename=name)

    # ------------------------------------------------------------------ pages
    from taleforge.web import pages

    @app.get("/", response_class=HTMLResponse)
    async def index() -> Any:
        return HTMLResponse(pages.index_page(jobs.all_jobs()))

    @app.get("/new/{job}", response_class=HTMLResponse)
    async def new(job: str) -> Any:
        if job not in COMMANDS:
            return HTMLResponse(pages.page("not found", "<p class=error>no such job</p>"), status_code=404)
        return HTMLResponse(pages.form_page(job, form_fields(job), config.genomes.choices(), EXAMPLES[job]))

    @app.get("/jobs/{jid}", response_class=HTMLResponse)
    async def job(jid: str) -> Any:
        try:
            st = jobs.status(jid)
        except TaleforgeError as exc:
            return HTMLResponse(pages.page("not found", f"<p class=error>{exc.one_line()}</p>"),
                                status_code=404)
        if st["status"] == "done" and REPORT in st["files"]:
            report = jobs.file_path(jid, REPORT).read_text(encoding="utf-8")
            rj = RESULT_JSON[st["job"]] if RESULT_JSON[st["job"]] in st["files"] else None
            return HTMLResponse(pages.result_page(report, jid, st["files"], rj))
        return HTMLResponse(pages.job_page(st))

    @app.get("/favicon.ico")
    async def favicon() -> Any:
        return Response(status_code=204)

    return app

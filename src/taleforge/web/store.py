"""Jobs on disk and the bounded worker pool.

State folder (``--state DIR``, default ``<taleforge cache>/web``)::

    jobs/<id>/job.json       the request, the CLI arguments, status, error, times, files
    jobs/<id>/inputs/        uploads (sequence.fa, cargo.gb|fa)
    jobs/<id>/files/         the outputs (exactly the CLI's files) and report.html
    jobs/<id>/progress.json  the latest progress call of a running job
    jobs/<id>/log.txt        the CLI's notes (stderr) of the run

Ids are ``secrets.token_urlsafe(18)`` (144 random bits). ``job.json`` is written
atomically, so a restart finds every job as it was: finished jobs stay, queued and
running ones are queued again. A job runs in one of ``workers`` long-lived worker
processes (:mod:`taleforge.web.worker`); jobs beyond that wait in a FIFO queue (at most
``max_queued``). Cancelling a queued job drops it; cancelling a running one terminates its
worker (a fresh one replaces it) and removes its partial files. Finished jobs (done,
failed, cancelled) are deleted ``retention_s`` after they finished (default 7 days).
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import re
import secrets
import shutil
import threading
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from taleforge.errors import InputError, OutputError
from taleforge.web.jobs import FILE_OUTPUTS, FOLDER_JOBS, REPORT, Prepared, validate_uploads
from taleforge.web.worker import PROGRESS_FILE

JOB_FILE = "job.json"
STATUSES = ("queued", "running", "done", "failed", "cancelled")
FINISHED = frozenset({"done", "failed", "cancelled"})
DEFAULT_RETENTION_S = 7 * 24 * 3600.0
ID_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class JobNotFoundError(InputError):
    """No job with this id (never existed, expired, or a malformed id)."""


class JobConflictError(InputError):
    """The job is not in a state that allows the request (e.g. its result before it is done)."""


class QueueFullError(OutputError):
    """The queue holds ``max_queued`` jobs already."""


def _atomic_json(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


@dataclass
class _Slot:
    process: Any = None
    conn: Connection | None = None
    job: str | None = None


class JobStore:
    """Jobs persisted under ``root`` and run by a pool of ``workers`` processes."""

    def __init__(self, root: Path, *, workers: int = 2, retention_s: float = DEFAULT_RETENTION_S,
                 max_queued: int = 100) -> None:
        if workers < 1:
            raise InputError(f"--workers must be >= 1, got {workers}", hint="use 1 or more")
        self.root = Path(root)
        self.jobs_dir = self.root / "jobs"
        self.workers = workers
        self.retention_s = retention_s
        self.max_queued = max_queued
        self._lock = threading.RLock()
        self._jobs: dict[str, dict[str, Any]] = {}
        self._queue: deque[str] = deque()
        self._slots = [_Slot() for _ in range(workers)]
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ctx = multiprocessing.get_context("forkserver")
        with contextlib.suppress(ValueError):
            self._ctx.set_forkserver_preload(["taleforge.web.worker"])
        self._last_expire = 0.0

    # ---------------------------------------------------------------- life cycle
    def start(self) -> None:
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._load()
            self.expire()
        self._thread = threading.Thread(target=self._run, name="taleforge-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        for s in self._slots:
            self._kill(s)

    def _load(self) -> None:
        pending: list[tuple[float, str]] = []
        for d in sorted(self.jobs_dir.iterdir()):
            if not ID_RE.match(d.name) or d.is_symlink() or not d.is_dir():
                continue
            try:
                rec = json.loads((d / JOB_FILE).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if not isinstance(rec, dict) or rec.get("id") != d.name:
                continue
            if rec.get("status") in ("queued", "running"):
                rec["status"] = "queued"  # a restart runs it again from its inputs
                rec["started"] = None
                self._clear_files(d)
                _atomic_json(d / JOB_FILE, rec)
                pending.append((float(rec.get("created") or 0), d.name))
            self._jobs[d.name] = rec
        self._queue.extend(i for _, i in sorted(pending))

    # ---------------------------------------------------------------- requests
    def submit(self, prep: Prepared) -> str:
        with self._lock:
            if len(self._queue) >= self.max_queued:
                raise QueueFullError(f"the queue holds {len(self._queue)} jobs already",
                                hint="wait for some to finish, or cancel queued ones")
        jid = secrets.token_urlsafe(18)
        folder = self.jobs_dir / jid
        (folder / "inputs").mkdir(parents=True)
        try:
            for fname, data in prep.uploads.values():
                (folder / "inputs" / fname).write_bytes(data)
            validate_uploads(prep, folder / "inputs")
        except Exception:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        argv = list(prep.argv)
        if prep.job in FOLDER_JOBS:
            argv += ["--out", "{files}", "--force", "--html", "{files}/" + REPORT]
        else:
            for opt, fname in FILE_OUTPUTS[prep.job].values():
                argv += [opt, "{files}/" + fname]
        rec = {
            "id": jid, "job": prep.job, "target": prep.target, "genome": prep.genome,
            "options": prep.options, "argv": argv, "command": prep.display, "status": "queued",
            "error": None, "created": time.time(), "started": None, "finished": None, "files": [],
            "uploads": sorted(f for f, _ in prep.uploads.values()),
        }
        with self._lock:
            _atomic_json(folder / JOB_FILE, rec)
            self._jobs[jid] = rec
            self._queue.append(jid)
        return jid

    def get(self, jid: str) -> dict[str, Any]:
        with self._lock:
            rec = self._jobs.get(jid) if isinstance(jid, str) and ID_RE.match(jid) else None
            if rec is None:
                raise JobNotFoundError("no such job", hint="the id is wrong or the job has expired")
            return dict(rec)

    def status(self, jid: str) -> dict[str, Any]:
        rec = self.get(jid)
        progress = None
        if rec["status"] == "running":
            with contextlib.suppress(OSError, ValueError):
                progress = json.loads((self.jobs_dir / jid / PROGRESS_FILE).read_text(encoding="utf-8"))
        elif rec["status"] == "done":
            progress = {"task": "done", "done": 1, "total": 1, "fraction": 1.0}
        with self._lock:
            pos = list(self._queue).index(jid) + 1 if jid in self._queue else None
        return {"id": jid, "job": rec["job"], "target": rec["target"], "genome": rec["genome"],
                "status": rec["status"], "progress": progress, "error": rec["error"],
                "queue_position": pos, "created": rec["created"], "started": rec["started"],
                "finished": rec["finished"], "files": rec["files"], "command": rec["command"]}

    def all_jobs(self) -> list[dict[str, Any]]:
        with self._lock:
            recs = sorted(self._jobs.values(), key=lambda r: -float(r.get("created") or 0))
        return [{k: r.get(k) for k in ("id", "job", "target", "genome", "status", "created")} for r in recs]

    def cancel(self, jid: str) -> dict[str, Any]:
        with self._lock:
            rec = self._jobs.get(jid) if ID_RE.match(jid) else None
            if rec is None:
                raise JobNotFoundError("no such job", hint="the id is wrong or the job has expired")
            if rec["status"] in FINISHED:
                raise JobConflictError(f"the job is {rec['status']} already", hint="nothing to cancel")
            if jid in self._queue:
                self._queue.remove(jid)
            for s in self._slots:
                if s.job == jid:
                    self._kill(s)
            self._clear_files(self.jobs_dir / jid)
            self._finish(jid, "cancelled", "cancelled by the user.")
            return dict(rec)

    def file_path(self, jid: str, name: str) -> Path:
        """The path of output ``name`` of finished job ``jid``; anything but a plain name listed
        in the job's files, inside its folder and not a symlink, is refused."""
        rec = self.get(jid)
        if not isinstance(name, str) or not NAME_RE.match(name) or ".." in name:
            raise JobNotFoundError(f"no file {name!r}", hint="names are listed in the job's files")
        if rec["status"] != "done":
            raise JobConflictError(f"the job is {rec['status']}", hint="files exist once it is done")
        if name not in rec["files"]:
            raise JobNotFoundError(f"the job has no file {name!r}", hint="see the job's files")
        base = (self.jobs_dir / jid / "files").resolve()
        p = self.jobs_dir / jid / "files" / name
        if p.is_symlink() or not p.is_file() or not p.resolve().is_relative_to(base):
            raise JobNotFoundError(f"the job has no file {name!r}", hint="see the job's files")
        return p

    def expire(self, now: float | None = None) -> list[str]:
        """Delete finished jobs older than the retention time; returns their ids."""
        now = time.time() if now is None else now
        gone = []
        with self._lock:
            for jid, rec in list(self._jobs.items()):
                fin = rec.get("finished")
                if rec["status"] in FINISHED and fin is not None and now - float(fin) > self.retention_s:
                    shutil.rmtree(self.jobs_dir / jid, ignore_errors=True)
                    del self._jobs[jid]
                    gone.append(jid)
        return gone

    # ---------------------------------------------------------------- the pool
    def _finish(self, jid: str, status: str, error: str | None) -> None:
        rec = self._jobs[jid]
        rec["status"] = status
        rec["error"] = error
        rec["finished"] = time.time()
        files = self.jobs_dir / jid / "files"
        if status == "done" and files.is_dir():
            rec["files"] = sorted(p.name for p in files.iterdir()
                                  if p.is_file() and not p.is_symlink() and NAME_RE.match(p.name))
        else:
            rec["files"] = []
        _atomic_json(self.jobs_dir / jid / JOB_FILE, rec)

    @staticmethod
    def _clear_files(folder: Path) -> None:
        shutil.rmtree(folder / "files", ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            (folder / PROGRESS_FILE).unlink()

    def _spawn(self, s: _Slot) -> None:
        from taleforge.web.worker import worker_main

        parent, child = self._ctx.Pipe()
        env = {k: v for k, v in os.environ.items() if k.startswith(("TALEFORGE_", "NUMBA_", "XDG_"))}
        p = self._ctx.Process(target=worker_main, args=(child, env), daemon=True,
                              name="taleforge-worker")
        p.start()
        child.close()
        s.process, s.conn = p, parent

    def _kill(self, s: _Slot) -> None:
        if s.process is not None:
            with contextlib.suppress(Exception):
                s.process.terminate()
                s.process.join(timeout=5)
                if s.process.is_alive():
                    s.process.kill()
                    s.process.join(timeout=5)
        if s.conn is not None:
            with contextlib.suppress(Exception):
                s.conn.close()
        s.process = s.conn = s.job = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._tick()
            except Exception:  # keep the pool alive whatever happens to one job
                time.sleep(0.5)
            self._stop.wait(0.05)

    def _tick(self) -> None:
        with self._lock:
            for s in self._slots:
                if s.job is None or s.conn is None:
                    continue
                outcome = None
                try:
                    if s.conn.poll():
                        outcome = s.conn.recv()
                except (EOFError, OSError):
                    outcome = None
                if outcome is not None:
                    jid, s.job = s.job, None
                    self._finish(jid, outcome["status"], outcome.get("error"))
                elif s.process is None or not s.process.is_alive():
                    code = None if s.process is None else s.process.exitcode
                    jid = s.job
                    self._kill(s)
                    self._clear_files(self.jobs_dir / jid)
                    self._finish(jid, "failed", f"the worker process stopped (exit code {code}).")
            for s in self._slots:
                if not self._queue:
                    break
                if s.job is not None:
                    continue
                if s.process is None or not s.process.is_alive():
                    self._kill(s)
                    self._spawn(s)
                jid = self._queue.popleft()
                rec = self._jobs[jid]
                folder = self.jobs_dir / jid
                (folder / "files").mkdir(parents=True, exist_ok=True)
                rec["status"] = "running"
                rec["started"] = time.time()
                _atomic_json(folder / JOB_FILE, rec)
                assert s.conn is not None
                s.conn.send({"argv": rec["argv"], "command": rec["command"], "folder": str(folder)})
                s.job = jid
            if time.monotonic() - self._last_expire > 60:
                self._last_expire = time.monotonic()
                self.expire()

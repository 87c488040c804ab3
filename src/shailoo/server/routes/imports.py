"""Imports (admin, coordinator): upload an export file, which `shailoo import`'s importer loads in a
background thread while the page shows its progress, then its counts and quarantine (reasons only);
and the report download (every role: it holds what the dashboard and the posts show).

While a file is imported the thread holds the workspace for writing through the WorkspaceGate:
other requests that read the workspace wait until it has finished (docs/server.md, "Imports").
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from shailoo.errors import ShailooError, UsageError, os_error_sentence, printable
from shailoo.server import audit
from shailoo.server.auth import require
from shailoo.server.render import page
from shailoo.server.users import User

router = APIRouter()
STAFF = require("admin", "coordinator")
READ = require()
MAX_UPLOAD = 2 << 30  # bytes; app.py lets this route's bodies grow to it (UPLOAD_LIMITS)
UPLOAD_DIR = ".uploads"  # inside the workspace folder: the file never sits in memory
KEPT_JOBS = 20
QUARANTINE_SHOWN = 200


@dataclass
class ImportJob:
    """One upload being imported, as the status poll reads it (from memory: no workspace needed)."""

    id: str
    file: str
    user: str
    format: str | None
    state: str = "queued"  # queued, running, done, failed
    records: int = 0
    done: int = 0
    total: int = 0
    result: dict = field(default_factory=dict)
    quarantine: list[tuple[int, str, int]] = field(default_factory=list)  # (first record, reason, rows)
    error: str | None = None
    started: float = field(default_factory=time.time)


def _jobs(request: Request) -> dict[str, ImportJob]:
    state = request.app.state
    if getattr(state, "import_jobs", None) is None:
        state.import_jobs = {}
    return state.import_jobs


def _formats() -> list[tuple[str, str]]:
    from shailoo.importers import all_importers

    return [(m.FORMAT.id, m.FORMAT.name) for m in all_importers()]


def _recent(request: Request) -> list[dict]:
    with request.app.state.gate.read() as ws:
        rows = ws.con.execute("""SELECT import_id, started_at, file_name, format, records, imported, updated,
                                        quarantined, skipped FROM imports ORDER BY import_id DESC LIMIT 20""").fetchall()
    names = ("import_id", "started_at", "file", "format", "records", "imported", "updated", "quarantined", "skipped")
    return [dict(zip(names, r)) for r in rows]


@router.get("/imports")
def imports_page(request: Request, user: User = Depends(STAFF), refused: str = Query("", max_length=20)) -> Response:
    jobs = sorted(_jobs(request).values(), key=lambda j: j.started, reverse=True)
    return page(request, "imports.html", jobs=jobs, formats=_formats(), recent=_recent(request),
                gb=MAX_UPLOAD >> 30, refused=REFUSALS.get(refused))


@router.post("/imports")
async def upload(request: Request, user: User = Depends(STAFF)) -> Response:
    """Save the uploaded file in the workspace folder (on disk, bounded), then import it in a thread."""
    form = await request.form(max_files=1, max_fields=5)
    upload = form.get("file")
    format_id = str(form.get("format") or "").strip() or None
    if upload is None or isinstance(upload, str) or not upload.filename:
        return _refused("nofile")
    if format_id is not None and format_id not in dict(_formats()):
        return _refused("format")
    name = printable(Path(upload.filename).name)[:200] or "upload"
    folder = request.app.state.gate.path / UPLOAD_DIR
    folder.mkdir(exist_ok=True)
    # the file's own name (its extension helps format detection), in a folder of its own
    target = Path(tempfile.mkdtemp(dir=folder)) / name.replace("/", "_")
    try:
        with open(target, "wb") as out:  # noqa: ASYNC230 - opening is instant; the writes run in a thread
            while chunk := await upload.read(1 << 20):
                await run_in_threadpool(out.write, chunk)
    except OSError:
        shutil.rmtree(target.parent, ignore_errors=True)
        return _refused("save")
    finally:
        await upload.close()
    job = ImportJob(uuid.uuid4().hex, name, user.username, format_id, total=target.stat().st_size)
    jobs = _jobs(request)
    for old in sorted(jobs.values(), key=lambda j: j.started)[:-KEPT_JOBS]:
        if old.state in ("done", "failed"):
            jobs.pop(old.id, None)
    jobs[job.id] = job
    threading.Thread(target=_run, args=(request.app, job, target), name=f"import-{job.id[:8]}", daemon=True).start()
    return RedirectResponse(f"/imports/{job.id}", status_code=303)


REFUSALS = {  # an upload refused before it is imported: back to the form, which says why
    "nofile": "Choose an export file to upload.",
    "format": "That is not an import format; choose one of the list, or let shailoo detect it.",
    "save": "The upload could not be saved in the workspace folder (is the disk full?).",
}


def _refused(code: str) -> Response:
    return RedirectResponse(f"/imports?refused={code}", status_code=303)


def _run(app, job: ImportJob, path: Path) -> None:
    """The import, as `shailoo import FILE` runs it, holding the workspace for writing throughout."""
    from shailoo.store.loader import import_file

    def progress(records: int, done: int, total: int) -> None:
        job.records, job.done, job.total = records, done, total or job.total

    try:
        with app.state.gate.write() as ws:
            job.state = "running"
            result = import_file(ws, path, job.format, {}, progress)
            counts = {k: getattr(result, k) for k in ("records", "imported", "updated", "unchanged",
                                                       "quarantined", "skipped")}
            audit.record(ws, job.user, "import", job.file, format=result.format, import_id=result.import_id,
                         sha256=result.sha256, **counts)
            # reasons and record numbers only: the raw rows may hold what the stager redacted, never shown
            job.quarantine = [tuple(r) for r in ws.con.execute(
                """SELECT min(record_number), reason, count(*) FROM quarantine WHERE import_id = ?
                   GROUP BY reason ORDER BY min(record_number) LIMIT ?""",
                [result.import_id, QUARANTINE_SHOWN]).fetchall()]
        job.result = dict(counts, format=result.format, lines=result.lines, seconds=round(result.duration_s, 1),
                          warnings=list(result.warnings), skipped_reasons=dict(result.skipped_reasons),
                          dialect=result.dialect, seen_before=result.seen_before)
        job.state = "done"
    except ShailooError as exc:
        job.error, job.state = str(exc), "failed"
    except OSError as exc:
        job.error, job.state = os_error_sentence(exc), "failed"
    except Exception as exc:  # noqa: BLE001 - a bug must not leave the job "running" for ever
        import logging

        logging.getLogger("shailoo.server").exception("import of %s failed", job.file)
        job.error, job.state = f"the import stopped on an internal error ({exc.__class__.__name__})", "failed"
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)


@router.get("/imports/{job_id}")
def import_status(request: Request, job_id: str, user: User = Depends(STAFF)) -> Response:
    """The job's page; htmx polls it (the part `#job`) every second until the import has ended."""
    job = _jobs(request).get(job_id)
    if job is None:  # ended long ago (the server keeps the last ones) or never was: the imports page
        return RedirectResponse("/imports", status_code=303)
    percent = f"{100 * job.done / job.total:.0f} %" if job.total else "—"
    return page(request, "imports_job.html", job=job, percent=percent)


@router.get("/report")
def report_page(request: Request, user: User = Depends(READ)) -> Response:
    with request.app.state.gate.read() as ws:
        periods = [p.name for p in ws.config.periods]
    return page(request, "imports_report.html", periods=periods)


_REPORTS = threading.Semaphore(1)  # one report at a time: it is the costliest thing the app does


@router.get("/report/download")
def report_download(request: Request, user: User = Depends(READ), kind: str = Query("html", max_length=10),
                    period: str = Query("", max_length=200), all: bool = Query(False),
                    text: bool = Query(True)) -> Response:
    """The report as `shailoo report` writes it (HTML, or every table as XLSX), streamed from a
    temporary file that is deleted once sent."""
    from shailoo.report.build import build_report, write_report, write_xlsx

    if kind not in ("html", "xlsx"):
        raise UsageError(f"The report is html or xlsx, not '{kind[:20]}'.")
    if all and period:
        raise UsageError("“All posts” takes every post; do not combine it with a period.")
    if not _REPORTS.acquire(timeout=1):
        return page(request, "error.html", status=503, message_key=None,
                    message="Another report is being written; try again in a minute.")
    folder = Path(tempfile.mkdtemp(prefix="shailoo-report-"))
    try:
        target = folder / f"report.{kind}"
        with request.app.state.gate.read() as ws:
            report = build_report(ws, period or None, include_text=text, all_posts=all, lang=user.language)
            (write_report if kind == "html" else write_xlsx)(ws, target, report=report)
            project = ws.config.project
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        _REPORTS.release()
    media = ("text/html; charset=utf-8" if kind == "html"
             else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in f"{project}-{period or 'report'}")[:80]
    return FileResponse(target, media_type=media, filename=f"{stem}.{kind}",
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


"""A collection run: for each due account, call its platform's collector, archive every response,
import each batch through the ordinary importer, and store the account's cursor after it.

Resumable and idempotent: a cursor is stored only once the batch that reached it is imported, a
reading is a snapshot at the time its answer was received (import_file's `measured_at`), and the
same answer imported twice adds nothing. Per account a CollectError is one sentence in the run's
summary and the run goes on; CredentialsError and QuotaExhausted stop that platform only; Ctrl-C
keeps what was imported and the summary says what is left.

Pages of a format that reads several documents from one file (VK's) are imported together, up to
`GROUP_POSTS` posts received within `GROUP_SPAN` of each other (an import costs ~0.1 s whatever its
size), measured at the first one's time; `--reimport` groups them the same way.
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

from shailoo.collect.archive import Archive, archived_batches
from shailoo.collect.base import Batch, CollectError, CredentialsError, QuotaExhausted
from shailoo.collect.credentials import Credentials
from shailoo.collect.registry import collector_class, make_collector
from shailoo.collect.schedule import Due, plan
from shailoo.collect.state import add_failure, finish_run, set_cursor, start_run
from shailoo.errors import UsageError
from shailoo.store.workspace import Workspace

GROUPABLE = {"vk"}  # formats whose importer reads several documents from one file
GROUP_POSTS = 5_000
GROUP_SPAN = timedelta(seconds=15)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class PlatformSummary:
    platform: str
    accounts: int = 0  # due
    accounts_done: int = 0
    posts_new: int = 0
    posts_updated: int = 0
    readings: int = 0  # posts whose counts were read again
    failures: list[dict] = field(default_factory=list)  # {"account", "kind", "message"}
    notes: list[str] = field(default_factory=list)
    quota: str | None = None
    left: list[str] = field(default_factory=list)  # accounts not collected (stopped, interrupted)


@dataclass
class RunSummary:
    run_id: int
    platforms: dict[str, PlatformSummary] = field(default_factory=dict)
    interrupted: bool = False

    @property
    def failures(self) -> int:
        return sum(len(p.failures) for p in self.platforms.values())

    def as_dict(self) -> dict:
        return {"run_id": self.run_id, "interrupted": self.interrupted,
                "platforms": {k: asdict(v) for k, v in self.platforms.items()}}


@dataclass
class Options:
    platforms: list[str] | None = None
    actor: str | None = None
    since: datetime | None = None
    api_base: str | None = None
    rate_limit: bool = True
    comments: bool = False
    method: str | None = None  # Telegram: 'web' (default) or 'mtproto'

    def shown(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(self).items()}


def collect(ws: Workspace, options: Options | None = None, *, credentials: Credentials | None = None,
            now: Callable[[], datetime] = _utcnow, http_options: dict | None = None,
            progress: Callable[[str], None] | None = None) -> RunSummary:
    """Collect what is due now; return the run's summary (also stored in `collect_runs`).

    `http_options`: extra HttpClient arguments (tests: `sleep`, `clock`, `transport`, `retries`)."""
    options = options or Options()
    credentials = credentials or Credentials()
    for platform in options.platforms or []:
        collector_class(platform, options.method if platform == "telegram" else None)  # unknown: UsageError now
    dues = plan(ws, now(), options.platforms, options.actor)
    run_id = start_run(ws.con, now(), options.shown())
    summary = RunSummary(run_id)
    run = _Run(ws, run_id, options, credentials, now, http_options or {}, summary, progress)
    status = "failed"
    try:
        with tempfile.TemporaryDirectory(dir=ws.path, prefix=".import-collect-") as tmp:
            run.folder = Path(tmp)
            for due in dues:
                run.by_platform.setdefault(due.account.platform, []).append(due)
            for platform, platform_dues in run.by_platform.items():
                summary.platforms[platform] = PlatformSummary(platform, accounts=len(platform_dues))
            for platform, platform_dues in run.by_platform.items():
                run.platform(platform, platform_dues)
                run.finished.add(platform)
        status = "done"
    except KeyboardInterrupt:
        status, summary.interrupted = "interrupted", True
        run.mark_left()
    finally:
        run.fill_caches()
        finish_run(ws.con, run_id, now(), status, summary.as_dict())
    return summary


class _Run:
    def __init__(self, ws: Workspace, run_id: int, options: Options, credentials: Credentials,
                 now: Callable[[], datetime], http_options: dict, summary: RunSummary,
                 progress: Callable[[str], None] | None) -> None:
        self.ws, self.run_id, self.options, self.credentials = ws, run_id, options, credentials
        self.now, self.http_options, self.summary, self.progress = now, http_options, summary, progress
        self.archive = Archive(ws.con, run_id)
        self.folder: Path | None = None
        self.import_ids: list[int] = []
        self.pending: list[Batch] = []
        self.pending_platform = ""
        self.pending_account = ""
        self.current: tuple[str, list[Due], int] | None = None  # platform, dues, index under way
        self.by_platform: dict[str, list[Due]] = {}
        self.finished: set[str] = set()

    # -- platforms and accounts ------------------------------------------------------------------
    def platform(self, platform: str, dues: list[Due]) -> None:
        ps = self.summary.platforms[platform]
        self.current = (platform, dues, 0)
        try:
            cls = collector_class(platform, self.options.method if platform == "telegram" else None)
        except UsageError as exc:
            self._fail(ps, None, "UsageError", str(exc))
            ps.left = [d.account.label for d in dues]
            return
        http = None
        if not getattr(cls, "archives_batches", False):
            from shailoo.collect.http import HttpClient

            rate = getattr(cls, "rate_per_second", 3.0) if self.options.rate_limit else None
            http = HttpClient(self.options.api_base or cls.base_url, platform=platform, rate_per_second=rate,
                              on_exchange=self.archive.add, now=self.now, **self.http_options)
        try:
            try:
                collector = make_collector(cls, http, self.credentials, comments=self.options.comments, now=self.now)
            except CollectError as exc:
                self._fail(ps, None, type(exc).__name__, str(exc))
                ps.left = [d.account.label for d in dues]
                return
            try:
                for index, due in enumerate(dues):
                    self.current = (platform, dues, index)
                    try:
                        self.account(collector, due, ps)
                        ps.accounts_done += 1
                    except (CredentialsError, QuotaExhausted) as exc:
                        self._flush_quietly(ps)
                        self._fail(ps, due.account.label, type(exc).__name__, str(exc))
                        ps.left = [d.account.label for d in dues[index + 1:]]
                        return
                    except CollectError as exc:
                        self._flush_quietly(ps)
                        self._fail(ps, due.account.label, type(exc).__name__, str(exc))
            finally:
                ps.quota = _collector_summary(collector)
        finally:
            if http is not None:
                http.close()

    def account(self, collector: Any, due: Due, ps: PlatformSummary) -> None:
        label = due.account.label
        if self.progress:
            self.progress(f"Collecting {label}")
        self.pending_platform, self.pending_account = due.account.platform, due.key
        for batch in collector.new_posts(due.account, due.cursor, self.options.since):
            self.take(batch, ps, reading=False)
        self.flush(ps, reading=False)
        if due.readings:
            if self.progress:
                self.progress(f"Reading {len(due.readings):,} recent posts of {label}")
            for batch in collector.readings(due.account, due.readings):
                self.take(batch, ps, reading=True)
            self.flush(ps, reading=True)

    # -- batches ---------------------------------------------------------------------------------
    def take(self, batch: Batch, ps: PlatformSummary, reading: bool) -> None:
        ps.notes.extend(batch.notes)
        if not batch.body:  # a cursor only
            self.flush(ps, reading)
            if batch.cursor is not None:
                set_cursor(self.ws.con, self.pending_platform, self.pending_account, batch.cursor, self.run_id,
                           self.now())
            return
        if self.pending and (batch.format_id != self.pending[0].format_id or batch.format_id not in GROUPABLE
                             or sum(b.posts_seen for b in self.pending) >= GROUP_POSTS
                             or batch.received_at - self.pending[0].received_at > GROUP_SPAN):
            self.flush(ps, reading)
        self.pending.append(batch)
        if batch.format_id not in GROUPABLE:
            self.flush(ps, reading)

    def flush(self, ps: PlatformSummary, reading: bool) -> None:
        if not self.pending:
            return
        batches, self.pending = self.pending, []
        measured_at = batches[0].received_at
        for batch in batches:  # archived first: a batch built without HTTP is kept even if its import fails
            self.archive.imported(self.pending_platform, batch, measured_at)
        result = _import(self.ws, self.folder, batches, measured_at)
        self.import_ids.append(result.import_id)
        ps.posts_new += result.imported
        ps.posts_updated += result.updated
        if reading:
            ps.readings += sum(b.posts_seen for b in batches)
        if result.quarantined:
            ps.notes.append(f"{result.quarantined:,} records of {batches[0].filename} were quarantined "
                            f"(import {result.import_id})")
        cursor = next((b.cursor for b in reversed(batches) if b.cursor is not None), None)
        if cursor is not None:  # stored after the import: an interrupted run resumes from here
            set_cursor(self.ws.con, self.pending_platform, self.pending_account, cursor, self.run_id, self.now())

    def _flush_quietly(self, ps: PlatformSummary) -> None:
        """Import what was received before an account's error (its pages are good)."""
        try:
            self.flush(ps, reading=False)
        except CollectError:
            self.pending = []

    def _fail(self, ps: PlatformSummary, account: str | None, kind: str, message: str) -> None:
        ps.failures.append({"account": account, "kind": kind, "message": message})
        add_failure(self.ws.con, self.run_id, ps.platform, account, kind, message, self.now())

    def mark_left(self) -> None:
        """After Ctrl-C: the account under way and every account of the platforms not finished."""
        self.pending = []
        for platform, dues in self.by_platform.items():
            ps = self.summary.platforms[platform]
            if platform in self.finished:
                continue
            if self.current is not None and self.current[0] == platform:
                ps.left = [d.account.label for d in dues[self.current[2]:]]
            else:
                ps.left = [d.account.label for d in dues]

    def fill_caches(self) -> None:
        """Tokenise and identify the language of the posts the run imported (once, not per import)."""
        if not self.import_ids:
            return
        from shailoo.text.caches import fill_text_caches

        ids = ", ".join(str(int(i)) for i in self.import_ids)
        try:
            fill_text_caches(self.ws.con, f"SELECT post_id FROM posts WHERE last_import_id IN ({ids})")
        except KeyboardInterrupt:  # the caches are filled by the first text command instead
            pass


def _import(ws: Workspace, folder: Path, batches: list[Batch], measured_at: datetime):
    from shailoo.store.loader import import_file

    first = batches[0]
    name = first.filename if len(batches) == 1 else f"{Path(first.filename).stem}+{len(batches) - 1}.json"
    path = folder / _safe_name(name)
    path.write_bytes(b"\n".join(b.body for b in batches))
    try:
        return import_file(ws, path, first.format_id, measured_at=measured_at, text_caches=False)
    finally:
        path.unlink(missing_ok=True)


def _safe_name(name: str) -> str:
    import re

    cleaned = re.sub(r"[^A-Za-z0-9._+-]", "_", name)[:120].lstrip(".")
    return cleaned or "batch"


def _collector_summary(collector: Any) -> str | None:
    value = getattr(collector, "summary", None)
    try:
        value = value() if callable(value) else value
    except Exception:  # a summary is a courtesy: it never fails the run
        return None
    return str(value)[:300] if value else None


def reimport(ws: Workspace, run_id: int | None = None, platform: str | None = None,
             progress: Callable[[str], None] | None = None) -> RunSummary:
    """Import again what runs imported (of one run, or all), from the archive, calling no platform;
    grouped and measured as the runs did, so the workspace ends as the runs left it."""
    now = _utcnow()
    new_run = start_run(ws.con, now, {"reimport": run_id, "platform": platform}, status="reimport")
    summary = RunSummary(new_run)
    import_ids: list[int] = []
    status = "failed"
    try:
        with tempfile.TemporaryDirectory(dir=ws.path, prefix=".import-collect-") as tmp:
            group: list = []

            def flush() -> None:
                if not group:
                    return
                ps = summary.platforms.setdefault(group[0].platform, PlatformSummary(group[0].platform))
                batches = [Batch(a.format_id, a.filename, a.body, a.measured_at) for a in group]
                result = _import(ws, Path(tmp), batches, group[0].measured_at)
                import_ids.append(result.import_id)
                ps.posts_new += result.imported
                ps.posts_updated += result.updated
                ps.accounts_done += 0
                group.clear()

            count = 0
            for item in archived_batches(ws.con, run_id, platform):
                if group and (item.format_id not in GROUPABLE or (item.run_id, item.format_id, item.measured_at,
                              item.platform) != (group[0].run_id, group[0].format_id, group[0].measured_at,
                                                 group[0].platform)):
                    flush()
                group.append(item)
                count += 1
                if progress and count % 50 == 0:
                    progress(f"Re-imported {count:,} archived bodies")
            flush()
            if count == 0:
                what = f"run {run_id}" if run_id is not None else "any run"
                raise UsageError(f"The archive holds nothing imported by {what}; `shailoo collect` fills it.")
        status = "done"
    except KeyboardInterrupt:
        status, summary.interrupted = "interrupted", True
    finally:
        if import_ids:
            from shailoo.text.caches import fill_text_caches

            ids = ", ".join(str(int(i)) for i in import_ids)
            fill_text_caches(ws.con, f"SELECT post_id FROM posts WHERE last_import_id IN ({ids})")
        finish_run(ws.con, new_run, _utcnow(), status, summary.as_dict())
    return summary

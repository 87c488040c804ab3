"""A collection run: for each due account, call its platform's collector, archive every response,
import each batch through the ordinary importer, and store the account's cursor after it.

Resumable and idempotent: a cursor is stored only once the batch that reached it is imported, a
reading is a snapshot at the time its answer was received (import_file's `measured_at`), and the
same answer imported twice adds nothing. Per account any error is one sentence in the run's summary
and the run goes on (a ShailooError, e.g. an importer refusing a page, says what; anything else is
"an internal error", its traceback logged only with `debug`); CredentialsError and QuotaExhausted
stop that platform only; Ctrl-C keeps what was imported and the summary says what is left. Every
fragment a platform supplied is printable (`base.shown`) before it reaches the summary.

Only platforms with a collector are planned: registered accounts of the others (Facebook,
Instagram, ...) are a note in the summary, not failures. An account refused as a private person
(`AccountUnavailable(private_person=True)`) leaves nothing in the archive: the answers of an
account are held back until its first batch (or its end) and dropped on that refusal.

Each collector is built with the options its constructor names (`collect.registry.make_collector`):
`workspace` (the MTProto session file sits beside it), `comments`, `from_id`, `now`, and for a
collector that counts a daily quota `daily_units` ([collect] youtube_daily_units) and `units_spent`
(quota day -> units, summed from earlier runs' stored `quota_state`); its `close()` is called when
the platform is done, also after a failure or Ctrl-C. The summary counts posts only (an account's
own record in a batch is not a post), from the workspace: new = first imported by the batch's
import, updated = edited or given a new reading by it. At the end of a run archived bodies older
than [collect] archive_days are purged (docs/collect.md "The raw archive").

Pages of a format that reads several documents from one file (VK's) are imported together, up to
`GROUP_POSTS` posts received within `GROUP_SPAN` of each other (an import costs ~0.1 s whatever its
size), measured at the first one's time; `--reimport` groups them the same way.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Mapping

from shailoo.collect.archive import Archive, archived_batches
from shailoo.collect.base import AccountUnavailable, Batch, CredentialsError, QuotaExhausted, shown
from shailoo.collect.credentials import Credentials
from shailoo.collect.http import shown_url
from shailoo.collect.registry import COLLECTORS, collector_class, make_collector
from shailoo.collect.schedule import CollectSettings, Due, collect_settings, plan
from shailoo.collect.state import add_failure, finish_run, set_cursor, start_run
from shailoo.errors import ShailooError, UsageError
from shailoo.store.workspace import Workspace

GROUPABLE = {"vk"}  # formats whose importer reads several documents from one file
GROUP_POSTS = 5_000
GROUP_SPAN = timedelta(seconds=15)

log = logging.getLogger("shailoo.collect")


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
    quota_state: dict | None = None  # the collector's summary() as figures (YouTube: quota_day, units_used)
    left: list[str] = field(default_factory=list)  # accounts not collected (stopped, interrupted)


@dataclass
class RunSummary:
    run_id: int
    platforms: dict[str, PlatformSummary] = field(default_factory=dict)
    interrupted: bool = False
    purged: int = 0  # archived bodies this run purged (retention rule)
    unavailable: int = 0  # --reimport: imported bodies purged earlier, so not imported again
    notes: list[str] = field(default_factory=list)  # e.g. registered platforms that cannot be collected

    @property
    def failures(self) -> int:
        return sum(len(p.failures) for p in self.platforms.values())

    def as_dict(self) -> dict:
        return {"run_id": self.run_id, "interrupted": self.interrupted, "purged": self.purged,
                "unavailable": self.unavailable, "notes": self.notes,
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
    from_id: int | None = None  # Telegram: follow a channel after this message id (first run)

    def shown(self) -> dict:
        """The options as stored with the run: the address without user:password or query."""
        values = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(self).items()}
        values["api_base"] = shown_url(self.api_base)
        return values


def collectable(dues: list[Due]) -> tuple[list[Due], list[str]]:
    """(the dues of platforms shailoo can collect, one note per registered platform it cannot)."""
    kept, others = [], {}
    for due in dues:
        if due.account.platform in COLLECTORS:
            kept.append(due)
        else:
            others[due.account.platform] = others.get(due.account.platform, 0) + 1
    notes = [f"not collectable: {shown(platform, 40)} ({n:,} account{'s' if n != 1 else ''}): import their "
             "exports (shailoo import, docs/collect.md)" for platform, n in sorted(others.items())]
    return kept, notes


def collect(ws: Workspace, options: Options | None = None, *, credentials: Credentials | None = None,
            now: Callable[[], datetime] = _utcnow, http_options: dict | None = None,
            progress: Callable[[str], None] | None = None, debug: bool = False) -> RunSummary:
    """Collect what is due now; return the run's summary (also stored in `collect_runs`).

    `http_options`: extra HttpClient arguments (tests: `sleep`, `clock`, `transport`, `retries`);
    `debug`: log the traceback of an internal error (logger 'shailoo.collect')."""
    options = options or Options()
    credentials = credentials or Credentials()
    for platform in options.platforms or []:
        collector_class(platform, options.method if platform == "telegram" else None)  # unknown: UsageError now
    settings = collect_settings(ws)
    dues, notes = collectable(plan(ws, now(), options.platforms, options.actor))
    run_id = start_run(ws.con, now(), options.shown())
    summary = RunSummary(run_id, notes=notes)
    run = _Run(ws, run_id, options, credentials, now, http_options or {}, summary, progress)
    run.settings, run.debug = settings, debug
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
        try:
            run.archive.release()  # answers of the account under way when the run stopped: kept, traced
        finally:
            run.fill_caches()
        try:
            summary.purged = _retention(ws, settings, now())
        except (KeyboardInterrupt, Exception):  # noqa: BLE001 - e.g. no disk space for the rewrite: the next run purges
            pass
        finish_run(ws.con, run_id, now(), status, summary.as_dict())
    return summary


def _retention(ws: Workspace, settings: CollectSettings, now: datetime) -> int:
    """Purge the bodies older than [collect] archive_days, at most once a day (each purge rewrites the
    workspace file, which costs about a copy of it)."""
    last = ws.con.execute("SELECT max(purged_at) FROM collect_archive").fetchall()[0][0]
    if last is not None and now - last < timedelta(days=1):
        return 0
    return purge_archive(ws, before=now - timedelta(days=settings.archive_days), now=now)


def purge_archive(ws: Workspace, before: datetime | None = None, now: datetime | None = None) -> int:
    """Delete the archived bodies received before `before` (all if None), and rewrite the workspace
    file so they are gone from its bytes (DuckDB never clears freed blocks: `Workspace.rewrite`).
    Their rows stay, marked purged (sha256, size, times), so what was collected stays traceable.
    Returns how many bodies were purged."""
    now = now or _utcnow()
    rows = ws.con.execute("""UPDATE collect_archive SET body_gz = ''::BLOB, purged_at = ?
                             WHERE purged_at IS NULL AND (CAST(? AS TIMESTAMPTZ) IS NULL OR received_at < ?)
                             RETURNING seq""", [now, before, before]).fetchall()
    if rows:
        ws.rewrite()
    return len(rows)


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
        self.settings: CollectSettings | None = None
        self.debug = False

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
        collector = None
        try:
            try:
                collector = make_collector(cls, http, self.credentials, **self._collector_options(platform))
            except ShailooError as exc:
                self._fail(ps, None, type(exc).__name__, str(exc))
                ps.left = [d.account.label for d in dues]
                return
            try:
                for index, due in enumerate(dues):
                    self.current = (platform, dues, index)
                    try:
                        self.archive.hold()  # until the account's first batch: see the module docstring
                        self.account(collector, due, ps)
                        self.archive.release()
                        ps.accounts_done += 1
                    except (CredentialsError, QuotaExhausted) as exc:
                        self._account_failed(ps, due, exc)
                        ps.left = [d.account.label for d in dues[index + 1:]]
                        return
                    except ShailooError as exc:  # a collector's, or an importer refusing what it was given
                        self._account_failed(ps, due, exc)
                    except Exception as exc:  # noqa: BLE001 - a bug costs this account, not the run
                        self._account_failed(ps, due, exc, internal=True)
            finally:
                ps.quota, ps.quota_state = _collector_summary(collector)
        finally:
            try:
                _close(collector)
            finally:
                if http is not None:
                    http.close()

    def _collector_options(self, platform: str) -> dict:
        """What a collector may take (each passed only if its constructor names it)."""
        options: dict[str, Any] = {"comments": self.options.comments, "now": self.now, "workspace": self.ws.path,
                                   "units_spent": units_spent(self.ws, platform, self.now())}
        if self.options.from_id is not None:
            options["from_id"] = self.options.from_id
        if self.settings is not None and self.settings.youtube_daily_units is not None and platform == "youtube":
            options["daily_units"] = self.settings.youtube_daily_units
        return options

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
        self.archive.release()  # the account gave a batch: its answers are archived from now on
        ps.notes.extend(shown(n) for n in batch.notes)
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
        new, updated = _post_counts(self.ws, result.import_id)
        ps.posts_new += new
        ps.posts_updated += updated
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
        except Exception:  # noqa: BLE001 - the account's failure is what the summary says
            self.pending = []

    def _account_failed(self, ps: PlatformSummary, due: Due, exc: Exception, internal: bool = False) -> None:
        """One sentence for the account; what it brought before is kept, unless it is a private person's."""
        label = due.account.label
        if isinstance(exc, AccountUnavailable) and exc.private_person:
            self.archive.discard()
            self.pending = []
        else:
            self.archive.release()
            self._flush_quietly(ps)
        if internal:
            if self.debug:
                log.error("Collecting %s stopped on an internal error", label, exc_info=exc)
            message = (f"{label} was not collected: an internal error ({type(exc).__name__}) stopped it; this is a "
                       "bug: rerun with --debug and report the traceback.")
            self._fail(ps, label, "InternalError", message)
        else:
            self._fail(ps, label, type(exc).__name__, str(exc))

    def _fail(self, ps: PlatformSummary, account: str | None, kind: str, message: str) -> None:
        account = shown(account, 200) if account is not None else None
        message = shown(message, 600)
        ps.failures.append({"account": account, "kind": kind, "message": message})
        add_failure(self.ws.con, self.run_id, ps.platform, account, kind, message, self.now())

    def mark_left(self) -> None:
        """After Ctrl-C: the account under way and every account of the platforms not finished."""
        self.pending = []
        self.archive.release()
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


def _post_counts(ws: Workspace, import_id: int) -> tuple[int, int]:
    """(new, updated) posts of one import, from the workspace: accounts' records are not posts."""
    new, updated = ws.con.execute(
        """SELECT count(*) FILTER (WHERE first_import_id = $id),
                  count(*) FILTER (WHERE first_import_id IS DISTINCT FROM $id AND (last_import_id = $id
                      OR post_id IN (SELECT post_id FROM engagement_snapshots WHERE import_id = $id)))
           FROM posts""", {"id": import_id}).fetchall()[0]
    return new, updated


def _collector_summary(collector: Any) -> tuple[str | None, dict | None]:
    """(one line, figures) of the collector's summary(): figures when it is a mapping (the next run's
    `units_spent` is read from them)."""
    value = getattr(collector, "summary", None)
    try:
        value = value() if callable(value) else value
        text = shown(value) if value else None
    except Exception:  # a summary is a courtesy: it never fails the run
        return None, None
    figures = None
    if isinstance(value, Mapping):
        figures = {str(k)[:40]: v for k, v in list(value.items())[:20]
                   if v is None or isinstance(v, (bool, int, float)) or (isinstance(v, str) and len(v) <= 100)}
    return text, figures


def _close(collector: Any) -> None:
    """The collector's close() when it has one (MTProto disconnects and closes its event loop)."""
    close = getattr(collector, "close", None)
    if callable(close):
        try:
            close()
        except Exception:  # noqa: BLE001 - closing never fails a run
            pass


def units_spent(ws: Workspace, platform: str, now: datetime) -> dict[str, int]:
    """Units of a daily quota spent by earlier runs, per quota day ('2025-01-07': 120), from their stored
    summaries (`quota_state`: quota_day, units_used). Only the last days' runs are read."""
    import json

    rows = ws.con.execute("""SELECT summary FROM collect_runs WHERE summary IS NOT NULL AND status <> 'reimport'
                             AND started_at >= ?""", [now - timedelta(days=3)]).fetchall()
    spent: dict[str, int] = {}
    for (text,) in rows:
        try:
            state = ((json.loads(text).get("platforms") or {}).get(platform) or {}).get("quota_state") or {}
            day, used = state.get("quota_day"), state.get("units_used")
        except (ValueError, AttributeError):
            continue  # a damaged summary says nothing about the quota
        if isinstance(day, str) and len(day) <= 10 and isinstance(used, int) and not isinstance(used, bool) and used > 0:
            spent[day] = spent.get(day, 0) + used
    return spent


def purged_imports(ws: Workspace, run_id: int | None = None, platform: str | None = None) -> int:
    """How many imported bodies (of one run, of one platform) were purged from the archive."""
    return ws.con.execute(
        """SELECT count(*) FROM collect_archive WHERE format_id IS NOT NULL AND purged_at IS NOT NULL
           AND (CAST(? AS INTEGER) IS NULL OR run_id = ?) AND (CAST(? AS VARCHAR) IS NULL OR platform = ?)""",
        [run_id, run_id, platform, platform]).fetchall()[0][0]


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
                new, updated = _post_counts(ws, result.import_id)
                ps.posts_new += new
                ps.posts_updated += updated
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
            summary.unavailable = purged_imports(ws, run_id, platform)
            if count == 0:
                what = f"run {run_id}" if run_id is not None else "any run"
                if summary.unavailable:
                    raise UsageError(f"The {summary.unavailable:,} bodies {what} imported were purged from the archive "
                                     "([collect] archive_days or --purge-archive), so nothing can be re-imported.")
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

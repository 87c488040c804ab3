"""The coding screen's save journal: a save is answered once it is durable in a small SQLite file beside
the workspace, and a background thread applies the journal to the workspace in batches.

Why: DuckDB lets one process write a file or many read it, so every write in the server waits for
the requests that read to finish, closes the shared read-only connection, opens the file
read-write, writes, closes, and readers reopen (server/db.py). Under twenty busy coders a save spent
most of its time waiting for that (docs/server.md, "The workspace while serving"). Now a save is
checked against the read-only workspace, written to the journal (SQLite in WAL mode with
synchronous=FULL: on disk when answered), and applied with the saves of the last half second in one
read-write opening, each change with its audit entry in the same transaction.

A coder sees their own pending saves at once (server/coding_data.py merges them into their codes,
progress and "which unit is next"); no one else sees them until they are applied. Applying twice is a
no-op: an entry whose coder already has an act on the unit and variable at or after the entry's time
(its act, or a later one) is skipped, so a crash between the workspace's commit and the journal's
leaves nothing doubled. Pending entries are applied when the server starts and when it stops; one
the workspace refuses when applied (its unit released meanwhile, a new codebook without the value)
stays in the journal with the reason and is logged.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from shailoo.server import audit

log = logging.getLogger("shailoo.server")

JOURNAL_NAME = "shailoo.journal.sqlite"
MAX_BATCH = 500  # entries applied in one read-write opening
SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    id        TEXT NOT NULL UNIQUE,      -- the entry's own id (in its audit entries)
    coder     TEXT NOT NULL,
    sample    TEXT NOT NULL,
    post_id   INTEGER NOT NULL,
    actor_id  INTEGER,
    codes     TEXT NOT NULL,             -- JSON {variable: [value, ...]}
    saved_at  TEXT NOT NULL,             -- ISO time, UTC, microseconds: the act's coded_at
    refused   TEXT                       -- why the workspace refused it when applied (kept, not pending)
);
"""


@dataclass(frozen=True)
class Entry:
    """One save: a coder's value(s) for the variables of one unit."""

    id: str
    seq: int
    coder: str
    sample: str
    post_id: int
    actor_id: int | None
    codes: dict[str, list[str]]
    saved_at: datetime


def journal_path(workspace: Path) -> Path:
    return Path(workspace) / JOURNAL_NAME


class Journal:
    """The SQLite journal and, in memory, its pending entries (per coder, for their pages)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()  # the in-memory list of pending entries
        self._write_lock = threading.RLock()  # the SQLite connection
        self._db: sqlite3.Connection | None = None
        self._pending: list[Entry] = []
        self._last = datetime.min.replace(tzinfo=UTC)
        if self.path.exists():  # entries a stopped or crashed server left: pending until applied
            self._connect()

    def _connect(self) -> sqlite3.Connection:
        """Open (creating on the first save: a workspace never coded in the web app has no journal)."""
        if self._db is None:
            if not self.path.exists():  # private from the first byte: it holds coders' names and codes
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")  # an answered save survives a power cut
            db.executescript(SCHEMA)
            self._pending = [self._entry(r) for r in db.execute(
                "SELECT seq, id, coder, sample, post_id, actor_id, codes, saved_at FROM entries "
                "WHERE refused IS NULL ORDER BY seq")]
            self._last = max((e.saved_at for e in self._pending), default=self._last)
            self._db = db
        return self._db

    @staticmethod
    def _entry(row) -> Entry:
        seq, id_, coder, sample, post_id, actor_id, codes, saved_at = row
        return Entry(id_, seq, coder, sample, post_id, actor_id, json.loads(codes), datetime.fromisoformat(saved_at))

    def add(self, coder: str, sample: str, post_id: int, actor_id: int | None, codes: dict[str, list[str]]) -> Entry:
        """Store one save durably (committed and synced when this returns)."""
        with self._write_lock:  # one writer of the file; pages reading `pending` are not held back by its sync
            # the act's time, strictly increasing: replay compares acts' times with entries' times
            at = max(datetime.now(UTC), self._last + timedelta(microseconds=1))
            id_ = uuid.uuid4().hex
            cur = self._connect().execute(
                "INSERT INTO entries (id, coder, sample, post_id, actor_id, codes, saved_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [id_, coder, sample, post_id, actor_id, json.dumps(codes, ensure_ascii=False), at.isoformat()])
            entry = Entry(id_, cur.lastrowid, coder, sample, post_id, actor_id, codes, at)
            self._last = at
            with self._lock:
                self._pending = [*self._pending, entry]
        return entry

    def pending(self, coder: str | None = None) -> list[Entry]:
        """Entries not yet applied, oldest first (one coder's, or everyone's)."""
        with self._lock:
            return [e for e in self._pending if coder is None or e.coder == coder]

    def done(self, applied: list[Entry], refused: dict[str, str]) -> None:
        """Forget applied entries; keep refused ones with their reason (no longer pending)."""
        ids = {e.id for e in applied}
        with self._write_lock:
            db = self._connect()
            db.execute("BEGIN")
            db.executemany("DELETE FROM entries WHERE id = ?", [[e.id] for e in applied if e.id not in refused])
            db.executemany("UPDATE entries SET refused = ? WHERE id = ?",
                           [[reason[:500], id_] for id_, reason in refused.items()])
            db.execute("COMMIT")
            with self._lock:
                self._pending = [e for e in self._pending if e.id not in ids]

    def refused(self) -> list[tuple[Entry, str]]:
        """Entries the workspace refused when applied, with the reason."""
        if self._db is None:
            return []
        with self._write_lock:
            rows = self._db.execute("SELECT seq, id, coder, sample, post_id, actor_id, codes, saved_at, refused "
                                    "FROM entries WHERE refused IS NOT NULL ORDER BY seq").fetchall()
        return [(self._entry(r[:8]), r[8]) for r in rows]

    def close(self) -> None:
        with self._write_lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def pending_codes(entries: list[Entry], post_id: int | None = None,
                  actor_id: int | None = None) -> list[tuple[int, int | None, str, list[str]]]:
    """(post_id, actor_id, variable, values) of entries, oldest first; one unit's when post_id is given."""
    return [(e.post_id, e.actor_id, var, vals) for e in entries
            if post_id is None or (e.post_id == post_id and e.actor_id == actor_id)
            for var, vals in e.codes.items()]


# -- applying -------------------------------------------------------------------------------------

def target(sample: str, post_id: int, actor_id: int | None) -> str:
    return f"sample {sample}, post {post_id}" + (f", actor {actor_id}" if actor_id is not None else "")


def _already_applied(ws, entries: list[Entry]) -> set[tuple[str, str]]:
    """(entry id, variable) pairs whose coder has an act on the unit and variable at or after the entry's
    time: the entry was applied before (a crash before the journal heard of it), or was overtaken."""
    rows = [(e.id, e.coder, e.post_id, e.actor_id, var, e.saved_at) for e in entries for var in e.codes]
    table = pa.table({name: [r[i] for r in rows] for i, name in enumerate(
        ("id", "coder", "post_id", "actor_id", "variable", "saved_at"))}, schema=pa.schema([
            ("id", pa.string()), ("coder", pa.string()), ("post_id", pa.int64()), ("actor_id", pa.int64()),
            ("variable", pa.string()), ("saved_at", pa.timestamp("us", tz="UTC"))]))
    ws.con.register("_journal_entries", table)
    try:
        found = ws.con.execute("""
            SELECT DISTINCT j.id, j.variable FROM _journal_entries j JOIN codes c
              ON c.coder = j.coder AND c.post_id = j.post_id AND c.actor_id IS NOT DISTINCT FROM j.actor_id
             AND c.variable = j.variable AND c.coded_at >= j.saved_at""").fetchall()
    finally:
        ws.con.unregister("_journal_entries")
    return {(i, v) for i, v in found}


def _apply(ws, entry: Entry, skip: set[tuple[str, str]], book) -> None:
    """One entry's acts, each change with its audit entry (inside the caller's transaction)."""
    from shailoo.coding.codes import current_value_set, record_code

    for variable in sorted(entry.codes):
        if (entry.id, variable) in skip:
            continue
        before = current_value_set(ws.con, entry.post_id, entry.actor_id, variable, entry.coder)
        act = record_code(ws.con, entry.post_id, entry.actor_id, variable, entry.codes[variable], entry.coder,
                          "web", coded_at=entry.saved_at, book=book)
        if before is None or before[0] != act:
            after = current_value_set(ws.con, entry.post_id, entry.actor_id, variable, entry.coder)
            audit.record(ws, entry.coder, "code.record", target(entry.sample, entry.post_id, entry.actor_id),
                         variable=variable, before=list(before[1]) if before else None,
                         after=list(after[1]) if after else None, act_id=act, saved_at=entry.saved_at.isoformat(),
                         entry=entry.id)


def apply_entries(ws, entries: list[Entry]) -> dict[str, str]:
    """Apply entries to a workspace opened read-write, in one transaction when all go through (else each
    alone); return {entry id: reason} for those the workspace refused."""
    if not entries:
        return {}
    from shailoo.coding.codebook import require_codebook

    skip = _already_applied(ws, entries)
    book = require_codebook(ws.con)  # parsed once for the batch, not once per act
    ws.con.execute("BEGIN TRANSACTION")
    try:
        for entry in entries:
            _apply(ws, entry, skip, book)
        ws.con.execute("COMMIT")
        return {}
    except Exception:  # noqa: BLE001 - one refused entry must not hold back the others: go one by one
        ws.con.execute("ROLLBACK")
    refused = {}
    for entry in entries:
        ws.con.execute("BEGIN TRANSACTION")
        try:
            _apply(ws, entry, skip, book)
            ws.con.execute("COMMIT")
        except Exception as exc:  # noqa: BLE001 - kept in the journal with its reason
            ws.con.execute("ROLLBACK")
            refused[entry.id] = str(exc) or type(exc).__name__
            log.warning("A coding save of %s (post %s) was refused when applied: %s", entry.coder, entry.post_id, exc)
    return refused


class Applier:
    """Applies the journal to the workspace: every `every` seconds while saves are pending (one read-write
    opening per batch), or at once for each save when `every` is 0 (in-process use and tests: an
    answered save is then in the workspace too). One daemon thread per app, started with the first save."""

    def __init__(self, gate, journal: Journal, every: float = 0.5, patience: float = 2.0) -> None:
        from shailoo.server.coder_state import CoderStates

        self.gate, self.journal, self.every, self.patience = gate, journal, every, patience
        self.states = CoderStates(gate)  # what saves are checked against (server/coder_state.py)
        self._cond = threading.Condition()
        self._apply_lock = threading.Lock()  # the thread and flush() never apply at the same time
        self._thread: threading.Thread | None = None
        self._stopping = False

    def saved(self) -> None:
        """A save was journaled (call it outside the gate): wake the thread, or (every=0) apply it now."""
        if self.every <= 0:
            try:
                while self.apply_pending():
                    pass
                return
            except Exception:  # noqa: BLE001 - journaled all the same: the thread retries
                log.warning("Coding saves not applied yet (will retry)", exc_info=True)
        with self._cond:
            if self._thread is None and not self._stopping:
                self._thread = threading.Thread(target=self._run, name="shailoo-coding-journal", daemon=True)
                self._thread.start()
            self._cond.notify()

    def apply_pending(self, patience: float = 0.0) -> int:
        """One batch of pending entries into the workspace; the number applied. `patience`: how long to
        wait for a moment when no page is being read before holding new pages back (see the gate)."""
        with self._apply_lock:
            if not self.journal.pending():
                return 0
            with self.gate.write(patience) as ws:
                batch = self.journal.pending()[:MAX_BATCH]
                refused = apply_entries(ws, batch)
                before = self.gate.writing_from()
                with self.states.lock:
                    self.states.applying_from = before
            # The workspace is closed (its new stamp is final). A page that reads meanwhile sees the batch
            # both stored and pending, which shows the same codes; a save sees each entry in its coder's
            # state or pending, never in neither (both moves under the states' lock).
            with self.states.lock:
                self.states.advance(before, [e for e in batch if e.id not in refused])
                self.journal.done(batch, refused)
            return len(batch)

    def flush(self, attempts: int = 5) -> None:
        """Apply every pending entry now (start, shutdown, every=0); a busy workspace is retried."""
        for attempt in range(attempts):
            try:
                while self.apply_pending():
                    pass
                return
            except Exception:  # noqa: BLE001 - busy (a CLI import): the entries stay journaled
                if attempt == attempts - 1:
                    raise
                time.sleep(0.5 * (attempt + 1))

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self.journal.pending() and not self._stopping:
                    self._cond.wait()
                # gather the saves of the next moment into this batch (later saves' notices do not cut it short)
                until = time.monotonic() + (self.every if self.every > 0 else 0.5)
                while not self._stopping and time.monotonic() < until:
                    self._cond.wait(until - time.monotonic())
                if self._stopping:
                    return
            try:
                self.apply_pending(self.patience)  # the saves are safe in the journal: no hurry
            except Exception:  # noqa: BLE001 - the workspace was busy or failed: the entries stay journaled
                log.warning("Coding saves not applied yet (will retry)", exc_info=True)
                time.sleep(1.0)

    def close(self) -> None:
        """Stop the thread and apply what is pending (server shutdown); the journal is closed."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(30)
        try:
            self.flush()
        finally:
            self.journal.close()

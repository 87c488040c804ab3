"""How the server reaches the workspace: only for the length of a request, so the coordinator's CLI
keeps working on the same workspace while the server runs (docs/server.md, "The workspace while
serving").

DuckDB lets many processes read a file, or one process write it. The server therefore holds no
connection between requests: a request that reads opens the file read-only (a shared lock, which
`shailoo metrics` or `shailoo report` share), a request that writes opens it read-write for that
moment. When a CLI import holds the file, the request waits briefly and retries, then answers
503 "busy".

Inside this process the file's lock is a POSIX record lock, which closing *any* connection to the
file releases. So the server never has two connections to the file open at once: concurrent
reading requests share one read-only connection (a cursor each), the last one out closes it, and
a writing request waits until no one reads.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from shailoo.errors import ShailooError, WorkspaceLocked
from shailoo.store.workspace import DB_NAME, Workspace, open_workspace


def file_stamp(folder: Path) -> tuple:
    """The workspace file as last written: (size, mtime) of the database and of its WAL (None if absent).
    Reading never changes it; any write does (server/coder_state.py keeps what saves check by it)."""
    out = []
    for name in (DB_NAME, DB_NAME + ".wal"):
        try:
            st = os.stat(Path(folder) / name)
            out.append((st.st_size, st.st_mtime_ns))
        except FileNotFoundError:
            out.append(None)
    return tuple(out)


class WorkspaceBusy(ShailooError):
    """Another program (an import, a long report) holds the workspace longer than a request waits."""


def _session(con) -> None:
    # a cursor is a new DuckDB session: its settings start from the defaults, not the parent's
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")


class WorkspaceGate:
    """Opens the workspace per request: `with gate.read() as ws:` or `with gate.write() as ws:`."""

    def __init__(self, path: Path, wait: float = 5.0, linger: float = 0.0) -> None:
        self.path = Path(path)
        self.wait = wait
        # The read-only connection stays open this long after the last reader, so a coder's next
        # page does not pay the opening (~50 ms on a million posts); other processes may read
        # beside it all the while, and a CLI import waits at most this long for it to close.
        self.linger = linger
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0
        self._shared: Workspace | None = None
        self._idle_since = 0.0
        self._closer: threading.Timer | None = None
        # The write in progress: the file's stamp just before it was opened read-write, and whether the
        # database itself was unchanged by then (another program may write between the two).
        self.write_from: tuple | None = None
        self.write_clean = False

    def writing_from(self) -> tuple | None:
        """The stamp of the file as this process's write in progress found it (None when not writing or
        when another program wrote just before it)."""
        return self.write_from if self._writing and self.write_clean else None

    def _open(self, read_only: bool) -> Workspace:
        """Open, retrying while another process holds the file, for at most `wait` seconds."""
        deadline = time.monotonic() + self.wait
        pause = 0.02
        while True:
            try:
                return open_workspace(self.path, read_only=read_only, wait=0)  # this loop is the wait
            except WorkspaceLocked:
                if time.monotonic() >= deadline:
                    raise WorkspaceBusy(
                        "The workspace is busy: another program (an import, a report) is using it. "
                        "Try again in a moment.") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.25)

    def _wait_for(self, ready) -> None:
        """Wait (holding the condition) until `ready()`, at most `wait` seconds: a long write in this
        process (an uploaded export being imported) makes other requests answer 503 "busy" rather
        than hang, as a CLI import in another process does."""
        deadline = time.monotonic() + self.wait
        while not ready():
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkspaceBusy("The workspace is busy: an import is running. Try again in a moment.")
            self._cond.wait(left)

    @contextmanager
    def read(self) -> Iterator[Workspace]:
        """A read-only workspace for this request (its own cursor on the shared connection)."""
        with self._cond:
            self._wait_for(lambda: not (self._writing or self._writers_waiting))
            if self._shared is None:
                self._shared = self._open(read_only=True)  # under the lock: one opening at a time
            self._readers += 1
            shared = self._shared
        try:
            cursor = shared.con.cursor()
            _session(cursor)
            view = Workspace(shared.path, shared.config, cursor, read_only=True)
            try:
                yield view
            finally:
                cursor.close()
        finally:
            with self._cond:
                self._readers -= 1
                if self._readers == 0:
                    if self.linger > 0 and not self._writers_waiting:
                        self._idle_since = time.monotonic()
                        self._schedule_close()
                    else:
                        self._close_shared()
                    self._cond.notify_all()

    def _schedule_close(self) -> None:
        if self._closer is None:
            self._closer = threading.Timer(self.linger, self._close_if_idle)
            self._closer.daemon = True
            self._closer.start()

    def _close_if_idle(self) -> None:
        with self._cond:
            self._closer = None
            if self._readers or self._shared is None:
                return
            idle = time.monotonic() - self._idle_since
            if idle >= self.linger:
                self._close_shared()
                self._cond.notify_all()
            else:  # a reader came and went meanwhile: wait out its linger
                self._closer = threading.Timer(self.linger - idle, self._close_if_idle)
                self._closer.daemon = True
                self._closer.start()

    def _close_shared(self) -> None:
        """Close the read-only connection (holding the condition, no reader active)."""
        if self._shared is not None:
            self._shared.close()
            self._shared = None

    def close(self) -> None:
        """Release the workspace file (server shutdown): the lingering connection is closed."""
        with self._cond:
            self._wait_for(lambda: not (self._readers or self._writing))
            if self._closer is not None:
                self._closer.cancel()
                self._closer = None
            self._close_shared()

    @contextmanager
    def write(self, patience: float = 0.0) -> Iterator[Workspace]:
        """The workspace opened read-write for this request, alone in this process. With `patience`, first
        wait that long for a moment when no one reads, without holding back new readers (a background
        write that can wait: the coding journal); then, as always, hold them back until those reading finish."""
        with self._cond:
            deadline = time.monotonic() + patience
            while (self._readers or self._writing) and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            self._writers_waiting += 1
            try:
                self._wait_for(lambda: not (self._writing or self._readers))
            finally:
                self._writers_waiting -= 1
                self._cond.notify_all()  # readers held back for this writer may go if it gave up
            self._close_shared()  # a lingering read-only connection would lock this process out
            self._writing = True
        try:
            self.write_from = file_stamp(self.path)
            ws = self._open(read_only=False)
            # opening writes a WAL, not the database: a changed database means another program wrote
            self.write_clean = file_stamp(self.path)[0] == self.write_from[0]
            try:
                yield ws
            finally:
                ws.close()
        finally:
            with self._cond:
                self._writing = False
                self.write_clean = False
                self._cond.notify_all()

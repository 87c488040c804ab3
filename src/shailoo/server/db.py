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

import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from shailoo.errors import ShailooError, WorkspaceLocked
from shailoo.store.workspace import Workspace, open_workspace


class WorkspaceBusy(ShailooError):
    """Another program (an import, a long report) holds the workspace longer than a request waits."""


def _session(con) -> None:
    # a cursor is a new DuckDB session: its settings start from the defaults, not the parent's
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")


class WorkspaceGate:
    """Opens the workspace per request: `with gate.read() as ws:` or `with gate.write() as ws:`."""

    def __init__(self, path: Path, wait: float = 5.0) -> None:
        self.path = Path(path)
        self.wait = wait
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0
        self._shared: Workspace | None = None

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
                    self._shared.close()
                    self._shared = None
                    self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[Workspace]:
        """The workspace opened read-write for this request, alone in this process."""
        with self._cond:
            self._writers_waiting += 1
            try:
                self._wait_for(lambda: not (self._writing or self._readers))
            finally:
                self._writers_waiting -= 1
                self._cond.notify_all()  # readers held back for this writer may go if it gave up
            self._writing = True
        try:
            ws = self._open(read_only=False)
            try:
                yield ws
            finally:
                ws.close()
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()

"""What a save is checked against, kept in memory: per (coder, sample) the codebook, the coder's units and
their stored codes, loaded once from the workspace and reused while the workspace file is unchanged.

Why: a save used to read the workspace (is the unit theirs? what are their codes on it?), so it waited
whenever the journal's applier held pages back for its read-write moment (server/coding_journal.py).
With this cache a save touches only memory and the journal, and answers at once.

Fresh by construction: the state remembers the workspace file's stamp (size and modification time of
the database and its WAL) when it was read; a save compares the stamp with the file's now, and any
change made by another program (`shailoo coding assign`, an import) or by another route of this server
(an assignment, a new codebook) reads the state again. Only the journal's own writes move states on
without reading: the applier hands over what it applied (`advance`), so a coder's states stay in step.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from shailoo.coding.codebook import Codebook
from shailoo.server import coding_data as data
from shailoo.server.db import file_stamp as stamp

Unit = tuple[int, "int | None"]


@dataclass
class CoderState:
    stamp: tuple
    book: Codebook | None
    units: frozenset[Unit]
    stored: dict[Unit, dict[str, list[str]]] = field(default_factory=dict)  # the coder's current codes per unit

    def codes(self, unit: Unit, pending) -> dict[str, list[str]]:
        """The coder's current codes on a unit: stored, then their pending saves in order (the latest wins)."""
        out = dict(self.stored.get(unit, {}))
        for p, a, variable, values in pending:
            if (p, a) == unit:
                out[variable] = sorted(values)
        return out


def _load(ws, coder: str, sample: str, at: tuple) -> CoderState:
    book = data.codebook(ws)
    if book is None:
        return CoderState(at, None, frozenset())
    units = ws.con.execute("""
        WITH a AS (SELECT post_id FROM assignments WHERE sample = ? AND coder = ? AND released_at IS NULL)
        SELECT post_id, NULL::INTEGER FROM a
        UNION ALL SELECT m.post_id, m.actor_id FROM a JOIN mentions m USING (post_id)""", [sample, coder]).fetchall()
    rows = ws.con.execute("""
        WITH a AS (SELECT post_id FROM assignments WHERE sample = ? AND coder = ? AND released_at IS NULL),
        latest AS (SELECT post_id, actor_id, variable, max(act_id) AS act_id FROM codes
                   WHERE coder = ? AND post_id IN (SELECT post_id FROM a) GROUP BY ALL)
        SELECT l.post_id, l.actor_id, l.variable, list(c.value ORDER BY c.value) FILTER (WHERE c.value IS NOT NULL)
        FROM latest l JOIN codes c USING (act_id) GROUP BY ALL""", [sample, coder, coder]).fetchall()
    stored: dict[Unit, dict[str, list[str]]] = {}
    for post_id, actor_id, variable, values in rows:
        stored.setdefault((post_id, actor_id), {})[variable] = list(values or [])
    return CoderState(at, book, frozenset((p, a) for p, a in units), stored)


class CoderStates:
    """The states of the coders who saved lately; `lock` is held while a save reads a state with the
    journal's pending entries and while the applier moves applied entries from pending to stored, so a
    save sees each entry in one place or the other, never in neither."""

    def __init__(self, gate) -> None:
        self.gate = gate
        self.lock = threading.RLock()
        self._states: dict[tuple[str, str], CoderState] = {}
        # The stamp the journal's batch found the file at, from its write until `advance`: the file's new
        # stamp is not known before the workspace is closed, and a save meanwhile need not read it again.
        self.applying_from: tuple | None = None

    def fresh(self, coder: str, sample: str) -> CoderState | None:
        """The coder's state if the workspace has not changed since it was read (call holding `lock`).
        While this server writes (the journal's batch, an administrator's change), a state read from the
        file as the write found it still holds: the save goes in as if just before that write."""
        state = self._states.get((coder, sample))
        if state is None:
            return None
        if state.stamp in (stamp(self.gate.path), self.gate.writing_from(), self.applying_from):
            return state
        return None

    def load(self, coder: str, sample: str) -> None:
        """Read the coder's state from the workspace (waits for the gate like a page)."""
        with self.gate.read() as ws:  # the file cannot change while read: its stamp belongs to what is read
            state = _load(ws, coder, sample, stamp(self.gate.path))
        with self.lock:
            self._states[(coder, sample)] = state

    def advance(self, before: tuple | None, entries) -> None:
        """The applier wrote `entries` (and nothing else) onto a file stamped `before` (None: something else
        may have written too): states read from that file take the entries as stored and the file's new
        stamp; others are read again when next used. Call holding `lock`, after the workspace is closed,
        before the journal forgets the entries."""
        after = stamp(self.gate.path)
        self.applying_from = None
        for key, state in list(self._states.items()):
            if before is None or state.stamp != before:
                del self._states[key]
                continue
            state.stamp = after
            for e in entries:
                if e.coder == key[0]:
                    codes = state.stored.setdefault((e.post_id, e.actor_id), {})
                    for variable, values in e.codes.items():
                        codes[variable] = sorted(values)

    def forget(self) -> None:
        with self.lock:
            self._states.clear()

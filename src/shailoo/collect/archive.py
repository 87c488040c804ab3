"""The raw archive: every response a run received (and every batch built without HTTP), kept in the
workspace gzip-compressed with its platform, endpoint, parameters (no credential), status, time and
sha256, so that what was collected can be traced and imported again without calling the platform.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

import duckdb

from shailoo.collect.base import Batch
from shailoo.collect.http import Exchange


@dataclass
class Archived:
    """An archived body that was imported, as `--reimport` reads it again."""

    run_id: int
    seq: int
    platform: str
    format_id: str
    filename: str
    measured_at: datetime
    body: bytes


class Archive:
    """Appends to `collect_archive` for one run; `add` is the HttpClient's `on_exchange`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, run_id: int) -> None:
        self.con, self.run_id = con, run_id
        self._seq = con.execute("SELECT coalesce(max(seq), 0) FROM collect_archive WHERE run_id = ?",
                                [run_id]).fetchall()[0][0]
        self._unimported: dict[str, list[int]] = {}  # sha256 -> seqs of this run's bodies not yet imported
        self._held: list[Exchange] | None = None  # answers kept back (hold): written by release, or dropped

    def add(self, exchange: Exchange) -> int:
        """Archive an answer (the HttpClient's `on_exchange`); while held, keep it back. Returns its seq
        (0 while held)."""
        if self._held is not None:
            self._held.append(exchange)
            return 0
        return self._insert(exchange.platform, exchange.endpoint, exchange.url, exchange.params, exchange.status,
                            exchange.received_at, exchange.body, final_url=exchange.final_url or None)

    def hold(self) -> None:
        """Keep the next answers back until `release` (archived) or `discard` (never written): an account
        may turn out to be a private person's, whose answers are not to be kept at all."""
        self.release()
        self._held = []

    def release(self) -> None:
        """Archive the answers held back, and archive the next ones as they come."""
        held, self._held = self._held, None
        for exchange in held or ():
            self.add(exchange)

    def discard(self) -> int:
        """Drop the answers held back (they are never written to the workspace); how many."""
        held, self._held = self._held, None
        return len(held or ())

    def imported(self, platform: str, batch: Batch, measured_at: datetime) -> int:
        """Record that `batch` was imported: on the archived response whose body it is, else as a
        batch of its own (a collector without HTTP, or a body the collector rebuilt)."""
        sha = hashlib.sha256(batch.body).hexdigest()
        seqs = self._unimported.get(sha)
        seq = seqs.pop() if seqs else self._insert(platform, f"batch:{batch.format_id}", None, {}, None,
                                                   batch.received_at, batch.body, track=False)
        self.con.execute("""UPDATE collect_archive SET format_id = ?, filename = ?, measured_at = ?
                            WHERE run_id = ? AND seq = ?""",
                         [batch.format_id, batch.filename, measured_at, self.run_id, seq])
        return seq

    def _insert(self, platform: str, endpoint: str, url: str | None, params: dict, status: int | None,
                received_at: datetime, body: bytes, track: bool = True, final_url: str | None = None) -> int:
        self._seq += 1
        sha = hashlib.sha256(body).hexdigest()
        self.con.execute(
            """INSERT INTO collect_archive (run_id, seq, platform, endpoint, url, params, status, received_at,
                                            sha256, size, body_gz, final_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [self.run_id, self._seq, platform, endpoint, url, json.dumps(params, ensure_ascii=False, default=str),
             status, received_at, sha, len(body), gzip.compress(body, compresslevel=5), final_url])
        if track:
            self._unimported.setdefault(sha, []).append(self._seq)
        return self._seq


def archived_batches(con: duckdb.DuckDBPyConnection, run_id: int | None = None,
                     platform: str | None = None) -> Iterator[Archived]:
    """The imported bodies in the order they were imported (of one run, or of all), decompressed one at a time."""
    where, params = ["format_id IS NOT NULL", "purged_at IS NULL"], []
    if run_id is not None:
        where.append("run_id = ?")
        params.append(run_id)
    if platform is not None:
        where.append("platform = ?")
        params.append(platform)
    keys = con.execute(f"""SELECT run_id, seq FROM collect_archive WHERE {' AND '.join(where)}
                           ORDER BY run_id, measured_at, seq""", params).fetchall()
    for run, seq in keys:
        row = con.execute("""SELECT platform, format_id, filename, measured_at, body_gz FROM collect_archive
                             WHERE run_id = ? AND seq = ?""", [run, seq]).fetchall()[0]
        yield Archived(run, seq, row[0], row[1], row[2], row[3], gzip.decompress(row[4]))

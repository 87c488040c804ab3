"""SQL over a workspace for people who know SQL: read-only, no files, no network.

`shailoo sql` and `shailoo.query(...)` open the workspace read-only (its file attached read-only,
so no statement can change it), then switch off DuckDB's access to other files, databases,
extensions and the network and lock that setting, so a query cannot write a file (COPY … TO),
attach a database or load code either.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

import duckdb
import pyarrow as pa

from shailoo.errors import UsageError
from shailoo.store.workspace import Workspace, open_workspace


def confine(ws: Workspace) -> None:
    """No file, database, extension or network access from queries on this connection (locked)."""
    ws.con.execute("SET enable_external_access = false")
    ws.con.execute("SET lock_configuration = true")


def sql(ws: Workspace, query: str) -> pa.Table | None:
    """Run one query and return its rows as an Arrow table (None for a statement without rows).

    A query that fails, or tries to write, is a UsageError with DuckDB's own message."""
    try:
        rel = ws.con.sql(query)
        return None if rel is None else rel.to_arrow_table()
    except duckdb.Error as exc:
        message = " ".join(str(exc).split())[:300]
        low = message.lower()
        if any(m in low for m in ("read-only", "disabled by configuration", "has been locked", "only delete from base",
                                  "only update base", "insert into a view")):
            raise UsageError(f"shailoo sql only reads the workspace ({message}); change it with shailoo's commands."
                             ) from None
        raise UsageError(f"The query failed: {message}") from None


@contextmanager
def run_query(path: str | os.PathLike | None, query: str) -> Iterator[pa.Table | None]:
    """Open the workspace read-only and confined, run `query`, yield its rows, close."""
    with open_workspace(path, read_only=True) as ws:
        confine(ws)
        yield sql(ws, query)

"""Numbered schema migrations (store/migrations/NNN_name.sql), applied in order, each in a transaction."""

from __future__ import annotations

import re
from importlib import resources

import duckdb

from shailoo.errors import SchemaTooNew

_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def available() -> list[tuple[int, str]]:
    """Return (version, sql) for every migration shipped with the package, in order."""
    folder = resources.files("shailoo.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        m = _NAME.match(entry.name)
        if m:
            found.append((int(m.group(1)), entry.read_text(encoding="utf-8")))
    return sorted(found)


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchall()[0][0]
    if not exists:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0]


def latest_version() -> int:
    return available()[-1][0]


def migrate(con: duckdb.DuckDBPyConnection, workspace_label: str) -> int:
    """Bring the schema up to date; refuse a database written by a newer shailoo."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ)")
    have = current_version(con)
    newest = latest_version()
    if have > newest:
        raise SchemaTooNew(
            f"The workspace {workspace_label} has schema version {have}, newer than this shailoo knows "
            f"({newest}); upgrade shailoo to open it."
        )
    applied = {v for (v,) in con.execute("SELECT version FROM schema_version").fetchall()}
    for version, sql in available():
        if version in applied:  # by set, not by the highest: a migration numbered below one applied
            continue            # (two landed in another order) still runs; each is re-runnable
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_version VALUES (?, now())", [version])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return newest

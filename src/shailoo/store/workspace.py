"""Open, create and describe a workspace folder (DuckDB file + TOML config + pseudonym key)."""

from __future__ import annotations

import os
import secrets
from datetime import date
from pathlib import Path

import duckdb

from shailoo.config import CONFIG_NAME, Config, Period
from shailoo.errors import UsageError, WorkspaceExists, WorkspaceLocked, WorkspaceNotFound
from shailoo.store.migrate import migrate
from shailoo.store.views import create_views

DB_NAME = "shailoo.duckdb"
KEY_NAME = "pseudonym.key"  # keep out of anything you share: it links pseudonyms back to ids


class Workspace:
    """A loaded workspace. `con` is a DuckDB connection; tables are reachable as relations or Ibis tables."""

    def __init__(self, path: Path, config: Config, con: duckdb.DuckDBPyConnection) -> None:
        self.path = path
        self.config = config
        self.con = con

    # -- data access -------------------------------------------------------------
    def table(self, name: str) -> duckdb.DuckDBPyRelation:
        """Return a workspace table or view as a DuckDB relation (lazy; `.arrow()`, `.df()` to fetch)."""
        return self.con.table(name)

    def sql(self, query: str, params: list | None = None) -> duckdb.DuckDBPyRelation:
        return self.con.sql(query, params=params) if params else self.con.sql(query)

    def ibis(self):
        """Return an Ibis DuckDB backend over this workspace's connection (needs `pip install ibis-framework[duckdb]`)."""
        try:
            import ibis
        except ImportError:
            raise UsageError("Ibis is not installed; run `pip install 'ibis-framework[duckdb]'`.") from None
        return ibis.duckdb.from_connection(self.con)

    @property
    def pseudonym_key(self) -> bytes:
        return (self.path / KEY_NAME).read_bytes()

    # -- periods -----------------------------------------------------------------
    def add_period(self, name: str, start: date, end: date) -> None:
        if end < start:
            raise UsageError(f"Period '{name}' ends ({end}) before it starts ({start}).")
        self.config.periods = [p for p in self.config.periods if p.name != name] + [Period(name, start, end)]
        self.config.save(self.path)
        self._sync_periods()

    def _sync_periods(self) -> None:
        self.con.execute("BEGIN TRANSACTION")
        self.con.execute("DELETE FROM periods")
        for p in self.config.periods:
            self.con.execute("INSERT INTO periods VALUES (?, ?, ?)", [p.name, p.start, p.end])
        self.con.execute("COMMIT")

    # -- lifecycle ---------------------------------------------------------------
    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Workspace {self.config.project!r} at {self.path}>"


def init_workspace(path: str | os.PathLike, project: str | None = None, timezone: str = "Asia/Bishkek") -> Workspace:
    """Create a workspace in `path` (created if missing, must not already be a workspace)."""
    folder = Path(path)
    if (folder / CONFIG_NAME).exists() or (folder / DB_NAME).exists():
        raise WorkspaceExists(f"{folder} is already a shailoo workspace; use it with -w {folder}.")
    folder.mkdir(parents=True, exist_ok=True)
    config = Config(project=project or folder.resolve().name, timezone=timezone)
    key = folder / KEY_NAME
    key.write_bytes(secrets.token_bytes(32))
    key.chmod(0o600)
    config.save(folder)
    return open_workspace(folder)


def open_workspace(path: str | os.PathLike | None = None, read_only: bool = False) -> Workspace:
    """Open the workspace in `path` (default: $SHAILOO_WORKSPACE, else the current folder)."""
    folder = Path(path if path is not None else os.environ.get("SHAILOO_WORKSPACE", "."))
    if not folder.is_dir():
        raise WorkspaceNotFound(f"There is no folder {folder}; create a workspace with `shailoo init {folder}`.")
    if not (folder / CONFIG_NAME).exists():
        raise WorkspaceNotFound(
            f"{folder} is not a shailoo workspace (no {CONFIG_NAME}); create one with `shailoo init DIR` "
            "or point to one with -w DIR."
        )
    config = Config.load(folder)
    try:
        con = duckdb.connect(str(folder / DB_NAME), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WorkspaceLocked(
                f"The workspace {folder} is in use by another program; close it (or wait for its import to end) and try again."
            ) from None
        raise
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")  # our own progress bars only; DuckDB's would mix into --json output
    ws = Workspace(folder, config, con)
    if not read_only:
        migrate(con, str(folder))
        create_views(con, config.timezone)
        ws._sync_periods()
    return ws

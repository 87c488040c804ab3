"""Open, create and describe a workspace folder (DuckDB file + TOML config + pseudonym key)."""

from __future__ import annotations

import errno
import os
import re
import shutil
import time
from datetime import date
from pathlib import Path

import duckdb

from shailoo.config import CONFIG_NAME, PERIOD_RANGE, Config, Period, period_day_ok
from shailoo.errors import (
    PseudonymKeyError,
    SchemaTooNew,
    SchemaTooOld,
    UsageError,
    WorkspaceDamaged,
    WorkspaceExists,
    WorkspaceLocked,
    WorkspaceNotFound,
    WorkspaceReadOnly,
    printable,
)
from shailoo.store.keys import KEY_NAME, MIN_KEY_BYTES, read_key, write_key  # noqa: F401 - importable from here
from shailoo.store.migrate import available, current_version, latest_version, migrate
from shailoo.store.views import create_views

DB_NAME = "shailoo.duckdb"
REWRITE_NAME = DB_NAME + ".rewrite"  # a fresh copy being written by Workspace.rewrite


class Workspace:
    """A loaded workspace. `con` is a DuckDB connection; tables are reachable as relations or Ibis tables.

    A workspace opened read-only sees its tables through views over the file attached read-only;
    what an analysis caches (e.g. post languages) lives in memory until it is closed.
    """

    def __init__(self, path: Path, config: Config, con: duckdb.DuckDBPyConnection, read_only: bool = False) -> None:
        self.path = path
        self.config = config
        self.con = con
        self.read_only = read_only

    # -- data access -------------------------------------------------------------
    def table(self, name: str) -> duckdb.DuckDBPyRelation:
        """Return a workspace table or view as a DuckDB relation (lazy; `.to_arrow_table()`, `.df()` with
        pandas, `.pl()` with Polars to fetch)."""
        return self.con.table(name)

    def sql(self, query: str, params: list | None = None) -> duckdb.DuckDBPyRelation:
        """Run a query (DuckDB's SQL, `?` for `params`) and return its rows as a lazy DuckDB relation:
        `.to_arrow_table()`, `.fetchall()`, `.df()` (pandas) or `.pl()` (Polars) fetch them. The views
        and tables are listed in docs/cli.md ("SQL"); a workspace opened read-only cannot be changed."""
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
        """The secret behind pseudonyms; PseudonymKeyError (one sentence saying what to do) if unusable."""
        return read_key(self.path)

    def check_key(self) -> None:
        """Stop before anything is written if posts would need the key and it is not usable."""
        if self.config.pseudonymise:
            read_key(self.path)

    # -- periods -----------------------------------------------------------------
    def add_period(self, name: str, start: date, end: date) -> None:
        for day in (start, end):
            if not period_day_ok(day):
                raise UsageError(f"Period '{name}': {day} is outside {PERIOD_RANGE[0]} to {PERIOD_RANGE[1]}; "
                                 "check the date.")
        if end < start:
            raise UsageError(f"Period '{name}' ends ({end}) before it starts ({start}).")
        if self.read_only:
            raise WorkspaceReadOnly(f"The workspace {printable(self.path)} was opened read-only; periods cannot be added.")
        self.config.periods = [p for p in self.config.periods if p.name != name] + [Period(name, start, end)]
        self.config.save(self.path)
        self._sync_periods()

    def remove_period(self, name: str) -> None:
        """Remove a period (its posts stay). Periods live in shailoo.toml, mirrored into the periods table."""
        if not any(p.name == name for p in self.config.periods):
            known = ", ".join(p.name for p in self.config.periods) or "none"
            raise UsageError(f"There is no period named '{name}' (periods: {known}).")
        if self.read_only:
            raise WorkspaceReadOnly(f"The workspace {printable(self.path)} was opened read-only; periods cannot be removed.")
        self.config.periods = [p for p in self.config.periods if p.name != name]
        self.config.save(self.path)
        self._sync_periods()

    def _sync_periods(self) -> None:
        self.con.execute("BEGIN TRANSACTION")
        self.con.execute("DELETE FROM periods")
        for p in self.config.periods:
            self.con.execute("INSERT INTO periods VALUES (?, ?, ?)", [p.name, p.start, p.end])
        self.con.execute("COMMIT")

    # -- rewriting ---------------------------------------------------------------
    def rewrite(self) -> tuple[int, int]:
        """Copy every table into a fresh database file and put it in place; return (bytes before, after).

        DuckDB reuses freed blocks but never clears them, so deleted values stay readable in the file
        (even after CHECKPOINT or VACUUM) until this runs. The old file is replaced atomically.
        """
        if self.read_only:
            raise _read_only(self.path)
        db, fresh = self.path / DB_NAME, self.path / REWRITE_NAME
        self.con.execute("CHECKPOINT")
        before = db.stat().st_size
        fresh.unlink(missing_ok=True)
        name = self.con.execute("SELECT current_database()").fetchall()[0][0]
        try:
            self.con.execute(f"ATTACH '{_sql_text(fresh)}' AS shailoo_fresh")
            self.con.execute(f'COPY FROM DATABASE "{name}" TO shailoo_fresh')
            self.con.execute("DETACH shailoo_fresh")
            self.con.close()
            with open(fresh, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(fresh, db)
        except BaseException:
            fresh.unlink(missing_ok=True)
            raise
        finally:
            reopened = open_workspace(self.path)  # the new file, or the old one if the copy failed
            self.con, self.config = reopened.con, reopened.config
        return before, db.stat().st_size

    # -- lifecycle ---------------------------------------------------------------
    def close(self) -> None:
        """Close the database; a workspace opened with write=True is free for other programs again."""
        self.con.close()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Workspace {self.config.project!r} at {self.path}>"


def new_key(folder: Path) -> Path:
    """Create the key of a workspace that has none (or an unusable one) and no pseudonym made with it."""
    path = Path(folder) / KEY_NAME
    try:
        read_key(Path(folder))
    except PseudonymKeyError:
        pass
    else:
        raise PseudonymKeyError(f"{printable(path)} is a usable key already; it was kept.")
    with open_workspace(folder, read_only=None) as ws:
        made = ws.con.execute("SELECT count(*) FROM accounts WHERE starts_with(account_id, 'p_')").fetchall()[0][0]
    if made:
        raise PseudonymKeyError(f"The workspace holds {made:,} pseudonymous accounts made with the old key; "
                                f"restore {KEY_NAME} from your backup instead of making a new one.")
    path.unlink(missing_ok=True)
    write_key(path)
    return path


# -- creating and opening -----------------------------------------------------------------------------
def _check_name(folder: Path) -> None:
    try:
        os.fspath(folder.absolute()).encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"The folder name {printable(folder)} is not valid UTF-8, which the database cannot use; "
                         "rename the folder (or choose another).") from None


def init_workspace(path: str | os.PathLike, project: str | None = None, timezone: str = "Asia/Bishkek") -> Workspace:
    """Create a workspace in `path` (created if missing, must not already be a workspace).

    A pseudonym.key already in the folder (e.g. restored from a backup) is kept if usable; nothing is
    created if init fails.
    """
    folder = Path(path)
    _check_name(folder)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{printable(folder)} is a file, not a folder; give a folder for the workspace.")
    if (folder / CONFIG_NAME).exists() or (folder / DB_NAME).exists():
        raise WorkspaceExists(f"{printable(folder)} is already a shailoo workspace; use it with -w {printable(folder)}.")
    key = folder / KEY_NAME
    keep_key = key.exists()
    if keep_key:
        read_key(folder)  # an existing key that is not usable is refused, never replaced
    config = Config(project=printable(project or folder.resolve().name), timezone=timezone)
    first_new = next((p for p in reversed([folder, *folder.parents]) if not p.exists()), None)
    made: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not keep_key:
            write_key(key)
            made.append(key)
        made += [folder / CONFIG_NAME, folder / DB_NAME, folder / (DB_NAME + ".wal")]
        config.save(folder)
        return open_workspace(folder)
    except BaseException as exc:
        for p in made:
            p.unlink(missing_ok=True)
        if first_new is not None and first_new.exists():
            shutil.rmtree(first_new, ignore_errors=True)
        if isinstance(exc, OSError) and not isinstance(exc, duckdb.Error):
            raise WorkspaceReadOnly(f"Cannot create a workspace in {printable(folder)} "
                                    f"({exc.strerror or exc}); choose a folder you can write to.") from None
        raise


def open_workspace(path: str | os.PathLike | None = None, read_only: bool | None = False,
                   wait: float | None = None) -> Workspace:
    """Open the workspace in `path` (default: $SHAILOO_WORKSPACE, else the current folder).

    read_only=True opens without writing anything (no migration, views in memory);
    read_only=None writes if it can and falls back to read-only when the workspace is not writable.
    While another process holds the database for writing (the web app's request, an import), wait up
    to `wait` seconds (default $SHAILOO_LOCK_WAIT, else 10) before WorkspaceLocked.
    """
    deadline = time.monotonic() + (lock_wait() if wait is None else max(0.0, wait))
    pause = 0.05
    while True:
        try:
            return _open_once(path, read_only)
        except WorkspaceLocked:
            if time.monotonic() + pause > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 1.0)


def lock_wait() -> float:
    """Seconds to wait for a workspace another process holds: $SHAILOO_LOCK_WAIT (0-3600), else 10."""
    try:
        return max(0.0, min(float(os.environ.get("SHAILOO_LOCK_WAIT", "10")), 3600.0))
    except ValueError:
        return 10.0


def _open_once(path: str | os.PathLike | None, read_only: bool | None) -> Workspace:
    folder = Path(path if path is not None else os.environ.get("SHAILOO_WORKSPACE", "."))
    if not folder.is_dir():
        if folder.exists():
            raise WorkspaceNotFound(f"{printable(folder)} is a file, not a workspace folder.")
        if re.match(r"[A-Za-z][A-Za-z0-9+.-]+:/", str(path if path is not None else folder)):
            raise WorkspaceNotFound(f"{printable(path)} is a URI: only the Spark engine reads an export there "
                                    "(`shailoo --engine spark ...`); give a local folder otherwise.")
        raise WorkspaceNotFound(f"There is no folder {printable(folder)}; create a workspace with "
                                f"`shailoo init {printable(folder)}`.")
    if (folder / "manifest.json").is_file() and not (folder / CONFIG_NAME).exists():
        return _open_export(folder, read_only)
    if not (folder / CONFIG_NAME).exists():
        raise WorkspaceNotFound(
            f"{printable(folder)} is not a shailoo workspace (no {CONFIG_NAME}); create one with `shailoo init DIR` "
            "or point to one with -w DIR."
        )
    _check_name(folder)
    config = Config.load(folder)
    db = folder / DB_NAME
    if db.is_dir():
        raise _damaged(folder, "it is a folder")
    if read_only is None:
        read_only = not _writable(folder)
    if read_only and not db.exists():
        raise WorkspaceDamaged(f"The workspace {printable(folder)} has no {DB_NAME}; restore it from a backup.")
    if not read_only and not _writable(folder):
        raise _read_only(folder)
    try:
        con = _connect_read_only(db) if read_only else duckdb.connect(str(db))
    except duckdb.Error as exc:
        raise _open_error(folder, exc, read_only) from None
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")  # our own progress bars only; DuckDB's would mix into --json
        ws = Workspace(folder, config, con, read_only=read_only)
        if read_only and current_version(con) < latest_version() and _writable(folder):
            con.close()  # an older schema: upgrade it once (that writes), then look at it read-only
            open_workspace(folder).close()
            return open_workspace(folder, read_only=True)
        if read_only:
            _check_schema(con, folder)
        else:
            _remove_leftovers(folder)
            migrate(con, printable(folder))
        create_views(con, config.timezone)
        ws._sync_periods()
        return ws
    except duckdb.Error as exc:
        con.close()
        raise _open_error(folder, exc, read_only) from None
    except BaseException:
        con.close()
        raise


def _open_export(folder: Path, read_only: bool | None) -> Workspace:
    """A Parquet export (`shailoo export parquet`) is a workspace to read: commands that only read run on it."""
    from shailoo.store.parquet import open_parquet

    if read_only is False:
        raise WorkspaceReadOnly(f"{printable(folder)} is a Parquet export, which is read-only; import it into a "
                                f"workspace (`shailoo import parquet -w WS {printable(folder)}`) to change it.")
    return open_parquet(folder)


def _writable(folder: Path) -> bool:
    db = folder / DB_NAME
    return os.access(folder, os.W_OK | os.X_OK) and (not db.exists() or os.access(db, os.W_OK))


def _read_only(folder: Path) -> WorkspaceReadOnly:
    return WorkspaceReadOnly(f"The workspace {printable(folder)} is read-only for this user and this command changes it; "
                             "make the folder and its files writable, or work on a copy.")


def _damaged(folder: Path, what: str) -> WorkspaceDamaged:
    return WorkspaceDamaged(f"The workspace file {printable(folder / DB_NAME)} is damaged ({what}); "
                            "restore it from a backup (or move it away and import the exports again).")


def _open_error(folder: Path, exc: duckdb.Error, read_only: bool) -> Exception:
    text = str(exc)
    low = text.lower()
    if re.search(r"\block\b", low) or "file handle conflict" in low:  # not "block"; the second: held in this process
        return WorkspaceLocked(f"The workspace {printable(folder)} is in use by another program; close it "
                               "(or wait for its import to end) and try again.")
    if "permission denied" in low or "read-only file system" in low:
        return _read_only(folder)
    if "no space left" in low:
        return OSError(errno.ENOSPC, "No space left on device", os.fsdecode(folder / DB_NAME))
    for marker, what in (("not a valid duckdb database", "it is not a DuckDB database"),
                         ("could not read enough bytes", "it is cut short"),
                         ("checksum", "a block's checksum does not match"),
                         ("corrupt", "it is corrupt"),
                         ("is a directory", "it is a folder"),
                         ("serializ", "its contents cannot be read"),
                         ("could not read", "it cannot be read")):
        if marker in low:
            return _damaged(folder, what)
    return _damaged(folder, " ".join(text.split())[:160])


def _core_tables() -> set[str]:
    names = {"schema_version"}
    for _, sql in available():
        names |= {m.lower() for m in re.findall(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)", sql, re.IGNORECASE)}
    return names


def _connect_read_only(db: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory database with the workspace file attached read-only: its tables as views, caches as copies."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH '{_sql_text(db)}' AS ws (READ_ONLY)")
        core = _core_tables()
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'ws' AND schema_name = 'main'").fetchall()]
        for name in names:
            q = '"' + name.replace('"', '""') + '"'
            if name.lower() == "periods":  # filled from the config below, as a writable open would
                con.execute(f"CREATE TABLE main.{q} AS SELECT * FROM ws.main.{q} LIMIT 0")
            elif name.lower() in core:
                con.execute(f"CREATE VIEW main.{q} AS SELECT * FROM ws.main.{q}")
            else:  # a cache an analysis writes to (e.g. post_tokens): a view until a command extends it
                con.execute(f"CREATE VIEW main.{q} AS SELECT * FROM ws.main.{q}")  # (writable_caches)
    except BaseException:
        con.close()
        raise
    return con


def writable_caches(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    """Make these cache tables writable in a read-only workspace: there they are views of the file
    (copying a million posts' tokens at every opening cost the web app ~0.3 s a request), turned into
    in-memory copies the first time a command extends them; the file is never written. A no-op in a
    writable workspace."""
    for name in names:
        is_view = con.execute("""SELECT count(*) FROM duckdb_views() WHERE database_name = 'memory'
                                 AND schema_name = 'main' AND view_name = ?""", [name]).fetchall()[0][0]
        if is_view:
            q = '"' + name.replace('"', '""') + '"'
            con.execute(f"DROP VIEW main.{q}")
            con.execute(f"CREATE TABLE main.{q} AS SELECT * FROM ws.main.{q}")


def _check_schema(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    have, newest = current_version(con), latest_version()
    if have > newest:
        raise SchemaTooNew(f"The workspace {printable(folder)} has schema version {have}, newer than this shailoo knows "
                           f"({newest}); upgrade shailoo to open it.")
    if have < newest:
        raise SchemaTooOld(f"The workspace {printable(folder)} has schema version {have} and this shailoo needs "
                           f"{newest}; open it once with write access (e.g. `shailoo status` as its owner) to upgrade it.")


def _sql_text(path: Path) -> str:
    return str(path).replace("'", "''")


def purge_quarantine(ws: Workspace, import_id: int | None = None) -> tuple[int, int, int]:
    """Delete the raw content of quarantined rows and rewrite the file so it is gone from its bytes.

    Returns (rows purged, file size before, after). Reasons and record numbers stay.
    """
    where = "raw IS NOT NULL" + (" AND import_id = ?" if import_id else "")
    params = [import_id] if import_id else []
    n = ws.con.execute(f"SELECT count(*) FROM quarantine WHERE {where}", params).fetchall()[0][0]
    ws.con.execute(f"UPDATE quarantine SET raw = NULL, purged_at = now() WHERE {where}", params)
    before, after = ws.rewrite()
    return n, before, after


def _remove_leftovers(folder: Path) -> None:
    """Remove what commands killed midway left behind (their temporary folders and files)."""
    from shailoo.store.parallel import (
        remove_leftovers,  # here: parallel imports the loader's modules
    )

    (folder / REWRITE_NAME).unlink(missing_ok=True)  # we hold the write lock: no rewrite is under way
    remove_leftovers(folder)

"""The workspace as a folder of Parquet files: export, open read-only, import (issue #15).

Layout 1 (what `export_parquet` writes and every reader, the Spark engine included, relies on):

    DIR/manifest.json
        {"format": "shailoo-parquet", "layout": 1,
         "schema_versions": [1, 2, ...],          # the workspace's applied migrations
         "shailoo": "0.1.0", "exported_at": "2026-01-05T06:00:00+00:00",
         "workspace": {"project": ..., "timezone": "Asia/Bishkek", "languages": [...],
                       "pseudonymise": true, "snapshot_min_hours": 72.0},   # periods: the periods table
         "pseudonym_key_fingerprint": "<16 hex>",  # HMAC-SHA256 of a constant under the key; never the key
         "excluded": {"users": "...why..."},         # tables deliberately left out
         "types": {"TIMESTAMP WITH TIME ZONE": "...how stored..."},
         "tables": {"posts": {"path": "posts", "rows": N, "partitioned_by": ["platform", "month"],
                              "columns": [["post_id", "BIGINT"], ...],     # DuckDB types, table order
                              "primary_key": ["post_id"]},
                    "engagement_snapshots": {"path": "engagement_snapshots", "rows": N,
                                             "partitioned_by": [], "columns": [...]}, ...}}
    DIR/posts/platform=<p>/month=<YYYY-MM>/*.parquet   hive partitions; month of created_at in UTC.
                                                       `platform` is not inside the files (it is the
                                                       folder); `month` is not a column of posts.
    DIR/<table>/*.parquet                               every other table, unpartitioned.

Every table of the workspace is exported (listed from the database, so a new migration's table
comes along), except `users` (password hashes: the web app's accounts are made again with `shailoo
users add`; sessions are never stored) and `schema_version` (in the manifest). Columns keep their
DuckDB types (MAP, LIST, DECIMAL, UBIGINT ...); TIMESTAMPTZ is a Parquet timestamp adjusted to UTC,
in microseconds. Readers cast each column to the manifest's type.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from shailoo.config import Config
from shailoo.errors import (
    ConfigError,
    ParquetExportError,
    PseudonymKeyError,
    printable,
)
from shailoo.store.keys import read_key
from shailoo.store.migrate import latest_version
from shailoo.store.views import create_views
from shailoo.store.workspace import Workspace

FORMAT = "shailoo-parquet"
LAYOUT = 1
MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 4 << 20  # a manifest lists tables and columns: a few kB; more is not ours
PARTITIONS = {"posts": ("platform", "month")}
MONTH_SQL = "strftime(timezone('UTC', created_at), '%Y-%m')"
EXCLUDED = {
    "users": "the web app's accounts hold password hashes, which never leave the workspace; "
             "add the users again with `shailoo users add` (sessions are never stored)",
    "audit_log": "the web app's and the command line's log of who changed what holds login names, which "
                 "never leave the workspace",
    "schema_version": "the applied migrations are the manifest's schema_versions",
}
# Columns exported empty: table -> (column, why). The rows stay (what was collected when, its sha256).
EMPTIED = {
    "collect_archive": ("body_gz", "the raw answers of the platforms hold private individuals' ids and names, "
                                   "unpseudonymised: the archive is exported without them, each row marked purged "
                                   "(purged_at), as `shailoo collect --purge-archive` leaves it"),
}
# Tables an export by an earlier shailoo carried and that are now excluded: left unread, not refused.
_IGNORED = ("audit_log",)
MAX_ROWS = 10 ** 12  # a manifest's row count: no workspace holds more
# Files of the workspace folder the analyses and the report read (report settings and their Markdown,
# lexicons, the topic dictionary): copied into the export at the same place, so `-w DIR` reads them.
SETTINGS = ("report", "lexicons", "topics.yaml")
MAX_SETTINGS_FILES = 500
MAX_SETTINGS_FILE = 4 << 20  # bytes of one file (report.yaml, Markdown, a logo, a lexicon)
MAX_SETTINGS_BYTES = 64 << 20
MAX_SETTINGS_DEPTH = 4
MAX_TABLE_FILES = 100_000
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
TYPE_NOTES = {
    "TIMESTAMP WITH TIME ZONE": "stored as a Parquet timestamp adjusted to UTC (microseconds): the instant, "
                                "read back as TIMESTAMPTZ; the source's offset is the column "
                                "created_utc_offset_minutes where the table has it",
    "MAP": "a Parquet MAP of the same key and value types",
    "LIST": "a Parquet LIST (VARCHAR[] and the like)",
}
_KEY_CHECK = b"shailoo-parquet pseudonym key fingerprint v1"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")  # always fullmatch: '$' would let a final newline by
# Names a table of an export may not take: the workspace's views, the import's staging tables, the
# settings folders beside the tables, DuckDB's own catalog names.
_RESERVED = re.compile(r"(?i).*_v|stage_.*|xp_.*|duckdb_.*|pg_.*|sqlite_.*|information_schema|report|lexicons")


# -- export ---------------------------------------------------------------------------------------------
def key_fingerprint(key: bytes) -> str:
    """Who made a pseudonym, without the key: HMAC-SHA256 of a constant under it, first 16 hex digits."""
    return hmac.new(key, _KEY_CHECK, hashlib.sha256).hexdigest()[:16]


def workspace_fingerprint(ws: Workspace) -> str | None:
    """The fingerprint of `ws`'s pseudonym key (an opened export: the one it was made with); None if unusable."""
    manifest = getattr(ws, "manifest", None)
    if manifest is not None:
        return manifest.get("pseudonym_key_fingerprint")
    try:
        return key_fingerprint(read_key(ws.path))
    except PseudonymKeyError:
        return None


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def exported_tables(ws: Workspace) -> list[str]:
    """Every table of the workspace an export carries, from the database itself (not a list by hand)."""
    manifest = getattr(ws, "manifest", None)
    if manifest is not None:  # an opened export: its tables, exported again
        return sorted(manifest["tables"])
    attached = {r[0] for r in ws.con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}
    # A read-only opening sees the file's tables as views of the attached `ws` (posts_v and the like
    # are views of the file itself, never tables: not exported).
    db = "ws" if "ws" in attached and ws.read_only else ws.con.execute("SELECT current_database()").fetchall()[0][0]
    sql = """SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main'
             AND NOT temporary"""
    names = {r[0] for r in ws.con.execute(sql, [db]).fetchall()}
    if db == "ws":  # tables this session made in memory (a cache first filled in a read-only opening)
        names |= {r[0] for r in ws.con.execute(sql, ["memory"]).fetchall()}
    return sorted(n for n in names if n not in EXCLUDED and _NAME.fullmatch(n) and not _RESERVED.fullmatch(n))


def export_parquet(ws: Workspace, dir: str | os.PathLike, overwrite: bool = False) -> dict:
    """Write every table of `ws` as Parquet into the folder `dir` (layout in this module's docstring);
    return the manifest. The export is written beside `dir` and renamed into place: a failed export
    leaves nothing half-written. `overwrite` replaces an earlier export (never another kind of folder)."""
    target = Path(dir)
    _check_target(ws, target, overwrite)
    tmp = target.parent / f".{target.name}.export-{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=False)
    try:
        tables = {name: _export_table(ws, name, tmp) for name in exported_tables(ws)}
        settings = _copy_settings(ws.path, tmp)
        manifest = _manifest(ws, tables, settings)
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        _put_in_place(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def _check_target(ws: Workspace, target: Path, overwrite: bool) -> None:
    shown = printable(target)
    if not target.parent.is_dir():
        raise ParquetExportError(f"There is no folder {printable(target.parent)} to write {shown} in; create it first.")
    if target.exists() and not target.is_dir():
        raise ParquetExportError(f"{shown} is a file; give a folder for the Parquet export.")
    here, ws_path = target.resolve(), ws.path.resolve()
    if here == ws_path or here in ws_path.parents or ws_path in here.parents:
        raise ParquetExportError(f"{shown} is the workspace's folder or inside it; export to a folder elsewhere.")
    if target.is_dir() and any(target.iterdir()):
        if not overwrite:
            raise ParquetExportError(f"The folder {shown} is not empty; give --force to replace an earlier export "
                                     "there, or choose an empty folder.")
        if not (target / MANIFEST).is_file() or _format_of(target / MANIFEST) != FORMAT:
            raise ParquetExportError(f"The folder {shown} holds files that are not a shailoo Parquet export; "
                                     "--force replaces an earlier export only: choose an empty folder.")


def _format_of(path: Path) -> str | None:
    try:
        with open(path, "rb") as fh:
            data = json.loads(fh.read(MAX_MANIFEST_BYTES))
        return data.get("format") if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


def _put_in_place(tmp: Path, target: Path) -> None:
    if target.exists():
        old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
        target.rename(old)
        try:
            tmp.rename(target)
        except BaseException:
            old.rename(target)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(target)


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[list[str]]:
    return [[r[0], r[1]] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]


def _export_table(ws: Workspace, name: str, tmp: Path) -> dict:
    con = ws.con
    folder = tmp / name
    folder.mkdir()
    q = f"main.{_q(name)}"
    columns = _columns(con, q)
    parts = PARTITIONS.get(name, ())
    if parts:  # DuckDB streams the rows into one file per partition (and more as they grow)
        rows = con.execute(
            f"""COPY (SELECT *, {MONTH_SQL} AS month FROM {q}) TO {_lit(folder)}
                (FORMAT parquet, PARTITION_BY ({', '.join(parts)}), COMPRESSION zstd, OVERWRITE_OR_IGNORE)"""
        ).fetchall()[0][0]
    else:
        rows = con.execute(f"COPY (SELECT {_emptied(name, columns)} FROM {q}) TO {_lit(folder / 'data_0.parquet')} "
                           "(FORMAT parquet, COMPRESSION zstd)").fetchall()[0][0]
    return {"path": name, "rows": int(rows), "partitioned_by": list(parts), "columns": columns,
            "primary_key": _primary_key(ws, name)}


def _emptied(name: str, columns: list[list[str]]) -> str:
    """The select list of an exported table: every column, those of EMPTIED empty (and the row marked purged)."""
    if name not in EMPTIED:
        return "*"
    have = {c for c, _ in columns}
    column = EMPTIED[name][0]
    if column not in have:
        return "*"
    out = [f"''::BLOB AS {_q(column)}"]
    if "purged_at" in have:
        out.append("coalesce(purged_at, now()) AS purged_at")
    return f"* REPLACE ({', '.join(out)})"


def settings_files(root: Path) -> list[tuple[str, int]]:
    """The settings files under `root` (SETTINGS: report/, lexicons/, topics.yaml) as (relative path, bytes),
    checked: regular files only, no symbolic link on the way, inside `root`, bounded in number, depth and
    size; ParquetExportError (one sentence) otherwise."""
    base = root.resolve()
    found: list[tuple[str, int]] = []

    def refuse(path: Path, what: str) -> ParquetExportError:
        return ParquetExportError(f"{printable(path)} {what}; the settings (report/, lexicons/, topics.yaml) are "
                                  "copied as plain files only: replace it with the file itself or remove it.")

    def walk(path: Path, rel: str, depth: int) -> None:
        if path.is_symlink():
            raise refuse(path, "is a symbolic link")
        if path.is_dir():
            if depth >= MAX_SETTINGS_DEPTH:
                raise refuse(path, f"lies more than {MAX_SETTINGS_DEPTH} folders deep")
            for child in sorted(path.iterdir()):
                walk(child, f"{rel}/{child.name}", depth + 1)
        elif path.is_file():
            size = path.stat().st_size
            if base not in path.resolve().parents:
                raise refuse(path, "lies outside the folder")
            if size > MAX_SETTINGS_FILE:
                raise refuse(path, f"is larger than {MAX_SETTINGS_FILE >> 20} MB")
            found.append((rel, size))
            if len(found) > MAX_SETTINGS_FILES or sum(n for _, n in found) > MAX_SETTINGS_BYTES:
                raise refuse(root, f"holds more than {MAX_SETTINGS_FILES} settings files or "
                                   f"{MAX_SETTINGS_BYTES >> 20} MB of them")
        elif path.exists():
            raise refuse(path, "is neither a file nor a folder")

    try:
        for name in SETTINGS:
            if (root / name).exists() or (root / name).is_symlink():
                walk(root / name, name, 0)
    except OSError as exc:
        raise ParquetExportError(f"Cannot read the settings in {printable(root)} ({exc.strerror or exc}).") from None
    return found


def _copy_settings(source: Path, target: Path) -> list[list]:
    """Copy the checked settings files of `source` into `target` at the same places; the manifest's list."""
    files = settings_files(Path(source))
    for rel, _ in files:
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(source) / rel, target / rel, follow_symlinks=False)
    return [[rel, size] for rel, size in files]


def _primary_key(ws: Workspace, name: str) -> list[str]:
    """The table's primary key columns (an import creates a table the workspace lacks with it)."""
    manifest = getattr(ws, "manifest", None)
    if manifest is not None:
        return list(manifest["tables"][name].get("primary_key", []))
    rows = ws.con.execute(
        """SELECT constraint_column_names FROM duckdb_constraints() WHERE table_name = ? AND schema_name = 'main'
           AND constraint_type = 'PRIMARY KEY' AND database_name IN ('ws', current_database())""", [name]).fetchall()
    return list(rows[0][0]) if rows else []


def _manifest(ws: Workspace, tables: dict, settings: list[list]) -> dict:
    from shailoo import __version__

    versions = _schema_versions(ws)
    c = ws.config
    return {
        "format": FORMAT,
        "layout": LAYOUT,
        "schema_versions": versions,
        "shailoo": __version__,
        "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "workspace": {"project": c.project, "timezone": c.timezone, "languages": list(c.languages),
                      "pseudonymise": c.pseudonymise, "snapshot_min_hours": c.snapshot_min_hours},
        "pseudonym_key_fingerprint": workspace_fingerprint(ws),
        "excluded": dict(EXCLUDED) | {f"{t}.{c}": why for t, (c, why) in EMPTIED.items() if t in tables},
        "types": dict(TYPE_NOTES),
        "settings": settings,  # [relative path, bytes] of report/, lexicons/, topics.yaml
        "tables": tables,
    }


def _schema_versions(ws: Workspace) -> list[int]:
    manifest = getattr(ws, "manifest", None)
    if manifest is not None:
        return list(manifest["schema_versions"])
    return [v for (v,) in ws.con.execute("SELECT version FROM schema_version ORDER BY version").fetchall()]


# -- reading an export ----------------------------------------------------------------------------------
class ParquetWorkspace(Workspace):
    """A read-only workspace over a Parquet export: its tables are views of the files."""

    def __init__(self, path: Path, config: Config, con: duckdb.DuckDBPyConnection, manifest: dict) -> None:
        super().__init__(path, config, con, read_only=True)
        self.manifest = manifest

    @property
    def pseudonym_key(self) -> bytes:
        raise PseudonymKeyError(f"{printable(self.path)} is a Parquet export, which holds no pseudonym key; "
                                "run this command on the workspace it was exported from.")

    def check_key(self) -> None:
        raise PseudonymKeyError(f"{printable(self.path)} is a Parquet export, which holds no pseudonym key; "
                                "run this command on the workspace it was exported from.")


def is_export(folder: Path) -> bool:
    """True when `folder` looks like a Parquet export (a manifest and no workspace config)."""
    from shailoo.config import CONFIG_NAME

    return (folder / MANIFEST).is_file() and not (folder / CONFIG_NAME).exists()


def read_manifest(dir: str | os.PathLike) -> dict:
    """The checked manifest of the export in `dir`; ParquetExportError (one sentence) for anything else."""
    folder = Path(dir)
    path = folder / MANIFEST
    shown = printable(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_MANIFEST_BYTES + 1)
    except FileNotFoundError:
        raise ParquetExportError(f"{printable(folder)} is not a Parquet export (no {MANIFEST}); give the folder "
                                 "`shailoo export parquet` wrote.") from None
    except OSError as exc:
        raise ParquetExportError(f"Cannot read {shown} ({exc.strerror or exc}).") from None
    return parse_manifest(raw, shown, folder)


def parse_manifest(raw: bytes, shown: str, folder: Path | None = None) -> dict:
    """The checked manifest in `raw` (read by the caller, at most MAX_MANIFEST_BYTES + 1 bytes), `shown` naming
    it in errors. With `folder`, each table's folder is checked there too; without (an export Spark reads
    through Hadoop's filesystem), the caller checks them."""
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ParquetExportError(f"{shown} is larger than {MAX_MANIFEST_BYTES >> 20} MB, so it is not a manifest "
                                 "shailoo wrote.")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ParquetExportError(f"{shown} is not JSON, so the folder is not a Parquet export shailoo can read.") from None
    return _check_manifest(data, folder, shown)


def _check_manifest(data: object, folder: Path | None, shown: str) -> dict:
    def bad(what: str) -> ParquetExportError:
        return ParquetExportError(f"{shown} {what}, so the export cannot be read; export the workspace again.")

    if not isinstance(data, dict) or data.get("format") != FORMAT:
        got = data.get("format") if isinstance(data, dict) else None
        raise ParquetExportError(f"{shown} is not a shailoo Parquet manifest (its format is "
                                 f"{printable(repr(got))[:40]}, not {FORMAT!r}).")
    if data.get("layout") != LAYOUT:
        raise ParquetExportError(f"{shown} has layout {printable(repr(data.get('layout')))[:20]} and this shailoo "
                                 f"reads layout {LAYOUT}; use the shailoo that wrote it, or export again.")
    versions = data.get("schema_versions")
    if not isinstance(versions, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in versions):
        raise bad("has no list of schema versions")
    if versions and max(versions) > latest_version():
        raise ParquetExportError(f"{shown} was exported at schema version {max(versions)}, newer than this shailoo "
                                 f"knows ({latest_version()}); upgrade shailoo to read it.")
    if not isinstance(data.get("workspace"), dict):
        raise bad("has no workspace settings")
    fp = data.get("pseudonym_key_fingerprint")
    if fp is not None and not (isinstance(fp, str) and re.fullmatch(r"[0-9a-f]{16}", fp)):
        raise bad("has a pseudonym key fingerprint that is not 16 hex digits")
    tables = data.get("tables")
    if not isinstance(tables, dict) or not tables:
        raise bad("lists no tables")
    for name in _IGNORED:  # an export by an earlier shailoo carries them: never read
        tables.pop(name, None)
    for name, t in tables.items():
        _check_table_entry(name, t, folder, bad)
    for needed in ("posts", "accounts", "engagement_snapshots", "periods"):
        if needed not in tables:
            raise bad(f"lists no {needed} table")
    settings = data.get("settings", [])
    if not isinstance(settings, list) or len(settings) > MAX_SETTINGS_FILES or not all(
            isinstance(e, list) and len(e) == 2 and isinstance(e[0], str) and isinstance(e[1], int) for e in settings):
        raise bad("lists its settings files as something other than [path, bytes] pairs")
    return data


def _check_table_entry(name: object, t: object, folder: Path | None, bad) -> None:
    if not isinstance(name, str) or not _NAME.fullmatch(name) or name in EXCLUDED or _RESERVED.fullmatch(name):
        raise bad(f"names a table {printable(repr(name))[:70]} shailoo does not take")
    if not isinstance(t, dict):
        raise bad(f"describes table {name} as something other than an object")
    path = t.get("path")
    if not isinstance(path, str) or not _NAME.fullmatch(path) or _RESERVED.fullmatch(path):  # one folder name: no '/', no '..', not absolute
        raise bad(f"puts table {name} at {printable(repr(path))[:70]}, which is not a folder inside the export")
    where = folder / path if folder is not None else None
    if where is not None and (where.is_symlink() or not where.is_dir() or where.resolve().parent != folder.resolve()):
        raise ParquetExportError(f"The export {printable(folder)} has no folder {path} for table {name}; "
                                 "copy the whole export folder.")
    rows = t.get("rows")
    if not isinstance(rows, int) or isinstance(rows, bool) or not 0 <= rows <= MAX_ROWS:
        raise bad(f"gives table {name} no row count between 0 and {MAX_ROWS:,}")
    parts = t.get("partitioned_by", [])
    if parts not in ([], list(PARTITIONS.get(name, ()))):
        raise bad(f"partitions table {name} by {printable(repr(parts))[:60]}, which this shailoo does not read")
    cols = t.get("columns")
    if (not isinstance(cols, list) or not cols or not all(
            isinstance(c, list) and len(c) == 2 and all(isinstance(x, str) and 0 < len(x) <= 200 for x in c)
            for c in cols)):
        raise bad(f"lists no columns for table {name}")
    if len({c[0] for c in cols}) != len(cols):
        raise bad(f"lists a column of table {name} twice")
    for c, type_ in cols:
        if not _is_type(type_):
            raise bad(f"gives column {printable(c)[:60]} of table {name} the type {printable(type_)[:60]}, "
                      "which is not a DuckDB type")
    key = t.get("primary_key", [])
    if not isinstance(key, list) or not all(isinstance(k, str) for k in key) or not set(key) <= {c for c, _ in cols}:
        raise bad(f"gives table {name} a primary key that is not among its columns")


def _is_type(text: str) -> bool:
    """A DuckDB type exactly as DuckDB writes it: the manifest's types go into SQL (CAST ... AS type)."""
    try:
        return str(duckdb.sqltype(text)) == text
    except (duckdb.Error, ValueError, TypeError):
        return False


def table_files(folder: Path, entry: dict) -> list[Path]:
    """The Parquet files of one table of the export in `folder`, checked: no symbolic link on the way, every
    file inside `folder`, an unpartitioned table's files directly in its folder, a partitioned table's in
    `<key>=<value>/...` folders whose values shailoo writes (a known platform, a YYYY-MM month). Readers
    take this list (never a glob: a folder name may hold `[`, `*` or `?`). ParquetExportError otherwise."""
    from shailoo.platforms import PLATFORMS

    root, parts = folder.resolve(), list(entry["partitioned_by"])
    where = folder / entry["path"]
    valid = {"platform": lambda v: v in PLATFORMS, "month": lambda v: _MONTH.fullmatch(v) is not None}
    files: list[Path] = []

    def refuse(path: Path, what: str) -> ParquetExportError:
        return ParquetExportError(f"{printable(path)} {what} (table {entry['path']}), which a shailoo export never "
                                  "holds; export the workspace again.")

    def walk(path: Path, depth: int) -> None:
        try:
            children = sorted(os.scandir(path), key=lambda e: e.name)
        except OSError as exc:
            raise ParquetExportError(f"Cannot list {printable(path)} ({exc.strerror or exc}).") from None
        for child in children:
            here = path / child.name
            if child.is_symlink():
                raise refuse(here, "is a symbolic link")
            if child.is_dir(follow_symlinks=False):
                key, eq, value = child.name.partition("=")
                if depth >= len(parts) or key != parts[depth] or not eq or not valid.get(key, lambda v: False)(value):
                    if any(True for _ in Path(here).rglob("*.parquet")):
                        raise refuse(here, "is a folder of Parquet files where none belongs")
                    continue  # a folder without Parquet files (a file manager's own) is not read
                walk(here, depth + 1)
            elif child.name.endswith(".parquet") and child.is_file(follow_symlinks=False):
                if depth != len(parts):
                    raise refuse(here, "is a Parquet file outside the partition folders")
                if root not in here.resolve().parents:
                    raise refuse(here, "lies outside the export")
                files.append(here)
                if len(files) > MAX_TABLE_FILES:
                    raise refuse(where, f"holds more than {MAX_TABLE_FILES:,} Parquet files")

    if where.is_symlink() or not where.is_dir():
        raise ParquetExportError(f"The export {printable(folder)} has no folder {entry['path']}; copy the whole "
                                 "export folder.")
    walk(where, 0)
    return files


def _glob_literal(path: Path) -> str:
    """A path as DuckDB's file list takes it: every entry is a glob, so `*`, `?` and `[` stand for themselves."""
    return re.sub(r"([*?\[])", r"[\1]", str(path))


def table_source(folder: Path, entry: dict, files: list[Path] | None = None) -> str:
    """SQL reading one table of an export as its files hold it (partition folders as columns), from the
    checked list of its files (table_files)."""
    files = table_files(folder, entry) if files is None else files
    listed = "[" + ", ".join(_lit(_glob_literal(f)) for f in files) + "]"
    if entry["partitioned_by"]:
        types = ", ".join(f"{_lit(p)}: 'VARCHAR'" for p in entry["partitioned_by"])
        return f"read_parquet({listed}, hive_partitioning = true, hive_types = {{{types}}})"
    return f"read_parquet({listed}, hive_partitioning = false)"


def typed_select(folder: Path, name: str, entry: dict, con: duckdb.DuckDBPyConnection) -> str:
    """SELECT of one table with the manifest's columns and types; ParquetExportError when the files differ."""
    files = table_files(folder, entry)
    columns = entry["columns"]
    if not files:
        if entry["rows"]:
            raise ParquetExportError(f"The export {printable(folder)} has no Parquet file for table {name}, whose "
                                     f"manifest says {entry['rows']:,} rows; copy the whole export folder.")
        return "SELECT " + ", ".join(f"CAST(NULL AS {t}) AS {_q(c)}" for c, t in columns) + " WHERE false"
    _check_files(con, folder, name, entry, files)
    cast = ", ".join(f"CAST({_q(c)} AS {t}) AS {_q(c)}" for c, t in columns)
    return f"SELECT {cast} FROM {table_source(folder, entry, files)}"


def _check_files(con, folder: Path, name: str, entry: dict, files: list[Path]) -> None:
    """Every file of the table has exactly the manifest's columns (partition columns aside), each of a
    type that is the manifest's; one sentence naming the file otherwise."""
    expected = {c: t for c, t in entry["columns"] if c not in entry["partitioned_by"]}
    for file in files:
        try:
            got = {c: t for c, t in _columns(con, f"read_parquet({_lit(_glob_literal(file))}, hive_partitioning = false)")}
        except duckdb.Error:
            raise ParquetExportError(f"{printable(file)} is not a Parquet file shailoo can read; export the "
                                     "workspace again.") from None
        if got.keys() != expected.keys():
            missing, extra = sorted(expected.keys() - got.keys()), sorted(got.keys() - expected.keys())
            what = (f"lacks column {printable(missing[0])[:60]}" if missing
                    else f"has column {printable(extra[0])[:60]} the manifest does not list")
            raise ParquetExportError(f"{printable(file)} {what} (table {name}); export the workspace again.")
        for c, t in expected.items():
            if got[c] != t:
                raise ParquetExportError(f"{printable(file)} holds column {c} of table {name} as {got[c][:40]}, "
                                         f"not {t[:40]}; export the workspace again.")


def open_parquet(dir: str | os.PathLike) -> ParquetWorkspace:
    """A read-only workspace over the export in `dir`: an in-memory DuckDB with one view per table."""
    folder = Path(dir)
    manifest = read_manifest(folder)
    settings_files(folder)  # report/, lexicons/, topics.yaml are read from here: checked like the tables
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")
        # The same shape as a read-only workspace: views in `ws`, what commands see in `main`, so that
        # a cache a command extends (writable_caches) becomes an in-memory copy here too.
        con.execute("ATTACH ':memory:' AS ws")
        for name, entry in manifest["tables"].items():
            q = _q(name)
            try:
                con.execute(f"CREATE VIEW ws.main.{q} AS {typed_select(folder, name, entry, con)}")
            except duckdb.Error as exc:
                raise ParquetExportError(f"Table {name} of the export {printable(folder)} cannot be read "
                                         f"({' '.join(str(exc).split())[:160]}); export the workspace again.") from None
            if name == "periods":
                con.execute(f"CREATE TABLE main.{q} AS SELECT * FROM ws.main.{q}")
            else:
                con.execute(f"CREATE VIEW main.{q} AS SELECT * FROM ws.main.{q}")
        config = _config(manifest, con, "SELECT * FROM main.periods", folder)
        create_views(con, config.timezone)
        return ParquetWorkspace(folder, config, con, manifest)
    except BaseException:
        con.close()
        raise


def _config(manifest: dict, con, periods_sql: str, folder: Path) -> Config:
    w = manifest["workspace"]
    periods = [{"name": n, "start": s, "end": e} for n, s, e in
               con.execute(f"SELECT name, start_date, end_date FROM ({periods_sql}) ORDER BY start_date, name").fetchall()]
    data = {"project": {k: w[k] for k in ("project", "timezone", "languages") if k in w},
            "privacy": {"pseudonymise": w.get("pseudonymise", True)},
            "metrics": {"snapshot_min_hours": w.get("snapshot_min_hours", 72.0)}, "periods": periods}
    if "project" in data["project"]:
        data["project"]["name"] = data["project"].pop("project")
    try:
        return Config.from_dict(data, folder)
    except ConfigError as exc:
        raise ParquetExportError(f"The manifest of {printable(folder)} has a workspace setting shailoo cannot use: "
                                 f"{str(exc).split(', ', 1)[-1]}") from None

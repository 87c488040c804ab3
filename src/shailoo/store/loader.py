"""Load one file into the workspace: stream the importer's records, stage them, merge in one transaction.

An import killed midway leaves nothing behind: records are staged in temporary tables and the
workspace tables change only in the final transaction.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from shailoo import importers
from shailoo.errors import InputFileError, UsageError, printable
from shailoo.importers.base import SLICE_NOTES, Source
from shailoo.store.attribution import registered_keys, resolve_actors
from shailoo.store.merge import merge_accounts, merge_posts
from shailoo.store.parallel import stage_in_parallel, worker_count
from shailoo.store.stager import Privacy, StageCounts, Stager, stage_records
from shailoo.store.staging import STAGE_ACCOUNTS_SCHEMA, STAGE_POSTS_SCHEMA, STAGE_QUARANTINE_SCHEMA
from shailoo.store.workspace import Workspace

# DuckDB may use this much memory while importing; beyond it, staged rows spill to the workspace's
# temporary folder instead of growing the process (keeps a 1 GB export within a laptop's means).
IMPORT_MEMORY_LIMIT = "1GB"
REPEATED_IN_FILE = "repeated later in the same file (its latest record is used)"
Progress = Callable[[int, int, int], None]  # (records so far, bytes read, file size)


@dataclass
class ImportResult:
    file: str
    format: str
    import_id: int
    sha256: str
    records: int = 0
    lines: int | None = None  # physical lines of a line-based file (CSV), None for other formats
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    skipped: int = 0  # service messages, in-file duplicates and records already in the workspace unchanged
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    duration_s: float = 0.0
    seen_before: bool = False
    dialect: str | None = None  # a CSV file's encoding and delimiter as read, e.g. "UTF-16, tab-separated"
    warnings: list[str] = field(default_factory=list)  # what the counts do not say: missing columns, assumed zones

    def as_dict(self) -> dict:
        return asdict(self)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _create_staging(con) -> None:
    for name, schema in (("stage_posts", STAGE_POSTS_SCHEMA), ("stage_accounts", STAGE_ACCOUNTS_SCHEMA),
                         ("stage_quarantine", STAGE_QUARANTINE_SCHEMA)):
        con.register("staging_empty", schema.empty_table())
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM staging_empty")
        con.unregister("staging_empty")


def import_file(
    ws: Workspace,
    path: str | Path,
    format_id: str | None = None,
    options: dict | None = None,
    progress: Progress | None = None,
    reread: bool = False,
    text_caches: bool = True,
    measured_at: datetime | None = None,
) -> ImportResult:
    """Import one file; return what happened to each of its records.

    A file identical (by sha256) to one imported before with the same options cannot change the
    workspace, so it is not read again unless `reread` is set (e.g. after an upgrade that reads
    formerly quarantined rows).

    `text_caches`: tokenise and identify the language of the new and edited posts now (committed
    after the import, in batches), so that the first text command does not have to.

    `measured_at`: when every count in the file was measured, whatever the records or the file say
    (a collected response: the time it was received, also when re-imported from the archive). The
    same bytes measured at another time are another reading, so it counts as an option.
    """
    path = Path(path)
    check_input_file(path)
    ws.check_key()  # before anything is read or written: posts of private authors need it
    module = importers.get_importer(format_id) if format_id else importers.detect(path)
    if getattr(module, "KIND", None) == "ads":  # Meta Ad Library: ads and spend, not posts (store/ads.py)
        from shailoo.store.ads import load_into

        return load_into(ws, path, options, progress, reread=reread, format_id=module.FORMAT.id)
    started = time.perf_counter()
    started_at = datetime.now(timezone.utc)
    sha = file_sha256(path)
    con = ws.con
    import_id = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchall()[0][0]
    source = Source(path=path, options=_options(ws, options))
    fingerprint = options_fingerprint(source.options if measured_at is None else
                                      {**source.options, "measured_at": measured_at.isoformat()})
    earlier = con.execute(
        """SELECT import_id, started_at, records, quarantined, imported + updated + unchanged, dialect, warnings
           FROM imports WHERE sha256 = ? AND format = ? AND options_fingerprint IS NOT DISTINCT FROM ?
           ORDER BY import_id LIMIT 1""", [sha, module.FORMAT.id, fingerprint]).fetchall()
    result = ImportResult(file=printable(path.name), format=module.FORMAT.id, import_id=import_id, sha256=sha,
                          seen_before=bool(earlier))

    if earlier and not reread:
        first_id, _, records, quarantined, posts, result.dialect, warnings = earlier[0]
        result.warnings = list(warnings or [])
        result.records, result.quarantined = records, quarantined
        result.skipped = records - quarantined
        result.unchanged = posts
        result.skipped_reasons = {f"identical file already imported (import {first_id})": result.skipped}
        _log_import(ws, result, module, path, started_at, started, fingerprint)
        if progress:
            progress(records, source.size, source.size)
        return result

    # The time a snapshot was measured when the records don't say: the export time if the file
    # tells it, else the first import of this very file, whatever its options (so reading it again
    # adds no snapshot), else now.
    export_time = getattr(module, "export_time", lambda p: None)(path)
    first_seen = con.execute("SELECT min(started_at) FROM imports WHERE sha256 = ?", [sha]).fetchall()[0][0]
    fallback_measured_at = measured_at or export_time or first_seen or started_at
    privacy = _privacy(ws)
    _create_staging(con)
    con.execute(f"SET memory_limit = '{IMPORT_MEMORY_LIMIT}'")
    try:
        counts = _stage(ws, module, source, privacy, progress)
        result.records, result.quarantined = counts.records, counts.quarantined
        result.lines = counts.lines if counts.lines is not None else source.physical_lines
        result.skipped, result.skipped_reasons = counts.skipped, dict(counts.skipped_reasons)
        result.dialect = source.dialect
        result.warnings = source.warnings.texts()
        if measured_at is not None:
            for table in ("stage_posts", "stage_accounts"):
                con.execute(f"UPDATE {table} SET measured_at = ?", [measured_at])
        con.execute("BEGIN TRANSACTION")
        try:
            _merge(ws, privacy, result, import_id, fallback_measured_at)
            _log_import(ws, result, module, path, started_at, started, fingerprint)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        if text_caches and result.imported + result.updated:
            from shailoo.text.caches import fill_text_caches

            fill_text_caches(con, f"SELECT post_id FROM posts WHERE last_import_id = {int(import_id)}")
    finally:
        con.execute("RESET memory_limit")
        con.execute("DROP VIEW IF EXISTS stage_rows")
        for name in ("stage_posts", "stage_accounts", "stage_quarantine", "stage_pick", "stage_keyed", "stage_acc"):
            con.execute(f"DROP TABLE IF EXISTS {name}")
    if progress:
        progress(result.records, source.size, source.size)
    return result


def _options(ws: Workspace, options: dict | None) -> dict:
    """The importer's options: the workspace's time zone for times written without one, unless the
    import gives its own (`--timezone`, then marked as given: it also overrides a format's own zone)."""
    options = dict(options or {})
    if options.get("timezone"):
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(str(options["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(f"--timezone {printable(options['timezone'])[:60]} is not an IANA time zone name such "
                             f"as Asia/Bishkek.") from None
        options["timezone_given"] = True
    else:
        options.pop("timezone", None)
    return {"timezone": ws.config.timezone, **options}


def check_input_file(path: Path) -> None:
    """Refuse, in one sentence, a path that is not a regular file this user can read."""
    shown = printable(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputFileError(f"There is no file {shown}.") from None
    except OSError as exc:
        raise InputFileError(f"Cannot reach {shown} ({exc.strerror or exc}).") from None
    if stat.S_ISDIR(mode):
        raise InputFileError(f"{shown} is a folder, not a file; give the export files inside it.")
    if not stat.S_ISREG(mode):
        kind = {stat.S_IFCHR: "a device", stat.S_IFBLK: "a device", stat.S_IFIFO: "a pipe",
                stat.S_IFSOCK: "a socket"}.get(stat.S_IFMT(mode), "not a file")
        raise InputFileError(f"{shown} is {kind}, not a regular file; give an export file.")
    if not os.access(path, os.R_OK):
        raise InputFileError(f"{shown} cannot be read (permission denied); give this user read access to it.")


def _privacy(ws: Workspace) -> Privacy:
    ids, handles = registered_keys(ws.con)
    return Privacy(ws.pseudonym_key if ws.config.pseudonymise else None, frozenset(ids), frozenset(handles))


def _stage(ws: Workspace, module, source: Source, privacy: Privacy, progress: Progress | None) -> StageCounts:
    """Stage the file's records into the temp tables: with two processes for a large CSV, else here."""
    con = ws.con

    def sink(table: str, batch) -> None:
        con.register("staging_batch", batch)
        con.execute(f"INSERT INTO {table} SELECT * FROM staging_batch")
        con.unregister("staging_batch")

    def report(records: int, done: int) -> None:
        if progress:
            progress(records, done, source.size)

    def load(table: str, column: str, offset: int, parquet: Path) -> None:
        con.execute(f"INSERT INTO {table} SELECT * REPLACE ({column} + {int(offset)} AS {column}) "
                    f"FROM read_parquet(?)", [str(parquet)])

    parts = worker_count(source.path, module)
    if parts > 1 and source.text_table().encoding not in _SPLITTABLE_ENCODINGS:
        parts = 1  # slices are cut at b"\n": in UTF-16 that is half a character; read in one pass
    if parts > 1:
        with tempfile.TemporaryDirectory(dir=ws.path, prefix=".import-") as tmp:
            options = {**source.options, SLICE_NOTES: tmp}
            counts = stage_in_parallel(module, source.path, options, privacy, parts, Path(tmp), load, report)
            if counts is not None:
                _gather_notes(source, Path(tmp))
                return counts
    return stage_records(module.read(source), Stager(privacy, sink), module.FORMAT.name, source.path.name,
                         report, lambda: source.bytes_read)


# Encodings in which every byte below 0x80 is the ASCII character: a newline or quote byte is one.
_SPLITTABLE_ENCODINGS = {"utf-8", "utf-8-sig", "cp1251"}


def _gather_notes(source: Source, folder: Path) -> None:
    """The warnings and dialect the slices' processes left (Source.finish), in file order, their record
    numbers shifted to the file's own."""
    notes = []
    for file in folder.glob("notes-*.json"):
        notes.append(json.loads(file.read_text(encoding="utf-8")))
    offset = 0
    for note in sorted(notes, key=lambda n: n["start"]):
        source.dialect = source.dialect or note["dialect"]
        source.warnings.merge(note["warnings"], offset)
        offset += note["records"]


def _merge(ws: Workspace, privacy: Privacy, result: ImportResult, import_id: int, fallback_measured_at) -> None:
    con = ws.con
    # Accounts described by the file first: their posts' merge would otherwise make them look known.
    account_counts = merge_accounts(con, import_id, fallback_measured_at)
    post_counts = merge_posts(con, import_id, fallback_measured_at)
    con.execute(
        """INSERT INTO quarantine (import_id, file_name, record_number, reason, raw)
           SELECT ?, ?, record_number, reason, raw FROM stage_quarantine ORDER BY record_number""",
        [import_id, result.file],
    )
    for counts in (post_counts, account_counts):
        result.imported += counts.imported
        result.updated += counts.updated
        result.unchanged += counts.unchanged
        for reason, n in (("already in the workspace, unchanged", counts.unchanged),
                          (REPEATED_IN_FILE, counts.duplicates_in_file)):
            if n:
                result.skipped += n
                result.skipped_reasons[reason] = result.skipped_reasons.get(reason, 0) + n
    resolve_actors(con, privacy.key)


def options_fingerprint(options: dict) -> str:
    """A digest of the options an import ran with; a file named in them (a mapping) counts by content."""
    def value(v):
        if isinstance(v, Path) or (isinstance(v, str) and Path(v).is_file()):
            return file_sha256(Path(v)) if Path(v).is_file() else str(v)
        return str(v)

    text = printable(json.dumps({k: value(v) for k, v in sorted(options.items())}, ensure_ascii=False))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _log_import(ws: Workspace, result: ImportResult, module, path: Path, started_at: datetime, started: float,
                fingerprint: str) -> None:
    result.duration_s = round(time.perf_counter() - started, 3)
    ws.con.execute(
        """INSERT INTO imports (import_id, format, file_name, file_path, sha256, started_at, duration_s, records,
                                imported, updated, unchanged, quarantined, skipped, options_fingerprint, dialect,
                                warnings)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [result.import_id, module.FORMAT.id, printable(path.name), printable(path.resolve()), result.sha256, started_at,
         result.duration_s, result.records, result.imported, result.updated, result.unchanged,
         result.quarantined, result.skipped, fingerprint, result.dialect, result.warnings or None],
    )

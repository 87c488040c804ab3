"""Import a Parquet export (store/parquet.py) into a workspace.

Into an empty workspace every table is copied as it is (the same ids), then one row is added to
`imports`: exporting it again gives the same tables. Into a workspace that holds data, the export's
posts, accounts and snapshots are staged as a file import stages its records and merged by the same
code (store/merge.py), so several teams' exports of the same posts merge by the same keys and
snapshot rules as their files would. The pseudonym keys must match (`accept_other_key` otherwise).
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from shailoo.errors import ParquetExportError, WorkspaceReadOnly, printable
from shailoo.store.parquet import (
    EMPTIED,
    EXCLUDED,
    FORMAT,
    MANIFEST,
    MAX_SETTINGS_FILE,
    _config,
    _lit,
    _q,
    read_manifest,
    settings_files,
    table_files,
    typed_select,
    workspace_fingerprint,
)
from shailoo.store.views import create_views
from shailoo.store.workspace import Workspace

# Tables a merge into a workspace that holds posts already takes; the rest is each team's own.
MERGED = ("posts", "engagement_snapshots", "accounts", "follower_snapshots")
# The export's text caches and import log: a merge computes the caches of the posts it adds, and logs itself.
_RECOMPUTED = ("post_tokens", "post_language", "stem_cache", "imports")
# Logs that do not make a workspace hold data (`shailoo users add` writes audit_log before any import),
# and that an import never takes from another workspace (login names). The import log (`imports`) is
# not one of them: a workspace that has imported a file, even one whose every row was quarantined,
# holds import ids and quarantined rows a copy would collide with, so it is merged into.
_LOGS = ("audit_log",)
# Caches of the text of the workspace's posts: a workspace without posts has nothing in them worth
# keeping, so they do not make it hold data either; a copy replaces them with the export's.
_CACHES = ("post_tokens", "post_language", "post_language_model", "stem_cache", "stem_cache_version")
# Sequences whose numbers code draws itself (nextval in an INSERT) rather than a column default.
_SEQUENCE_COLUMNS = {"code_act_seq": [("codes", "act_id"), ("adjudications", "act_id")],
                     "event_id_seq": [("events", "event_id")]}


@dataclass
class ParquetImportResult:
    folder: str
    import_id: int
    mode: str  # "copy" (into an empty workspace: every table as it is) or "merge" (posts, accounts, snapshots)
    sha256: str
    posts: int = 0  # posts in the export
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    snapshots_added: int = 0
    follower_snapshots_added: int = 0
    accounts_added: int = 0
    tables: dict[str, int] = field(default_factory=dict)  # rows copied per table (copy mode)
    left_out: dict[str, int] = field(default_factory=dict)  # rows of tables a merge does not take
    notes: list[str] = field(default_factory=list)
    settings: list[str] = field(default_factory=list)  # settings files copied (report/, lexicons/, topics.yaml)
    seen_before: bool = False
    duration_s: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def export_digest(folder: Path, manifest: dict | None = None) -> str:
    """The export's identity: its manifest (which has the time it was written) and the content of every
    file it is read from (the checked Parquet files of its tables, its settings files), streamed."""
    manifest = read_manifest(folder) if manifest is None else manifest
    h = hashlib.sha256((folder / MANIFEST).read_bytes())
    files = [f for name in sorted(manifest["tables"]) for f in table_files(folder, manifest["tables"][name])]
    files += [folder / rel for rel, _ in settings_files(folder)]
    for file in files:
        h.update(f"\n{file.relative_to(folder).as_posix()}\t".encode("utf-8", "surrogateescape"))
        with open(file, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    return h.hexdigest()


def import_parquet(ws: Workspace, dir: str | os.PathLike, accept_other_key: bool = False,
                   text_caches: bool = True) -> ParquetImportResult:
    """Read the export in `dir` into `ws`: every table as it is into an empty workspace, else a merge of
    its posts, accounts and snapshots by the keys and snapshot rules of a file import (store/merge.py)."""
    from shailoo.store.loader import IMPORT_MEMORY_LIMIT, options_fingerprint

    started, started_at = time.perf_counter(), datetime.now(timezone.utc)
    if ws.read_only:
        raise WorkspaceReadOnly(f"The workspace {printable(ws.path)} was opened read-only; an import changes it.")
    folder = Path(dir)
    manifest = read_manifest(folder)
    ws.check_key()
    _check_pseudonymised(ws, manifest, folder)
    notes = _key_notes(ws, manifest, folder, accept_other_key)
    con = ws.con
    _check_names(con, manifest, folder)
    settings_files(folder)
    selects = {name: _bound(con, folder, name, entry) for name, entry in manifest["tables"].items()
               if name not in _LOGS}
    try:
        sha = export_digest(folder, manifest)
    except OSError as exc:
        raise ParquetExportError(f"Cannot read the export {printable(folder)} ({exc.strerror or exc}).") from None
    import_id = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchall()[0][0]
    fingerprint = options_fingerprint({"accept_other_key": accept_other_key})
    mode = "copy" if _is_empty(con, manifest) else "merge"
    result = ParquetImportResult(printable(folder.name), import_id, mode, sha, notes=notes,
                                 posts=manifest["tables"]["posts"]["rows"])
    earlier = con.execute("SELECT min(import_id) FROM imports WHERE sha256 = ? AND format = ?", [sha, FORMAT]).fetchall()[0][0]
    if earlier is not None:
        result.seen_before, result.unchanged = True, result.posts
        result.notes.append(f"This export was imported before (import {earlier}); nothing was read again.")
        _log(ws, result, folder, started_at, started, fingerprint)
        return result
    con.execute(f"SET memory_limit = '{IMPORT_MEMORY_LIMIT}'")
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            if mode == "copy":
                _copy(ws, manifest, selects, result, folder)
            else:
                _merge_export(ws, manifest, selects, result, folder)
            _log(ws, result, folder, started_at, started, fingerprint)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        if mode == "copy":
            _adopt_settings(ws, manifest, selects["periods"], result)
        elif text_caches and result.imported + result.updated:
            from shailoo.text.caches import fill_text_caches

            fill_text_caches(con, f"SELECT post_id FROM posts WHERE last_import_id = {int(import_id)}")
        _take_settings_files(ws, folder, result)
    finally:
        con.execute("RESET memory_limit")
        for name in ("stage_posts", "stage_accounts", "stage_quarantine", "stage_pick", "stage_keyed", "stage_acc"):
            con.execute(f"DROP TABLE IF EXISTS {name}")
        con.execute("DROP VIEW IF EXISTS stage_rows")
    return result


def _check_pseudonymised(ws: Workspace, manifest: dict, folder: Path) -> None:
    """Private authors of an export made without pseudonyms are stored there by id and name, and nothing in
    it tells them from public accounts any more: such an export never enters a workspace that pseudonymises."""
    if ws.config.pseudonymise and manifest["workspace"].get("pseudonymise") is not True:
        raise ParquetExportError(
            f"The export {printable(folder)} was made without pseudonyms (pseudonymise = false), so it holds private "
            "authors' ids and names, and this workspace pseudonymises them; import it only into a workspace whose "
            "shailoo.toml has pseudonymise = false under [privacy], if that team opted out on purpose.")


def _check_names(con, manifest: dict, folder: Path) -> None:
    """No table of the export takes the name of one of this workspace's views (read_manifest refuses the
    reserved names; this also covers views a later shailoo made here)."""
    views = {r[0] for r in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal AND database_name = current_database()").fetchall()}
    for name in manifest["tables"]:
        if name in views:
            raise ParquetExportError(f"The export {printable(folder)} has a table {name}, which is a view of this "
                                     "workspace; export the workspace again with shailoo.")


def _bound(con, folder: Path, name: str, entry: dict) -> str:
    """The table's typed select, bound once (files, columns, casts) before anything is written."""
    select = typed_select(folder, name, entry, con)
    try:
        con.execute(f"DESCRIBE {select}").fetchall()
    except duckdb.Error as exc:
        raise _database_error(folder, name, exc) from None
    if name in EMPTIED and EMPTIED[name][0] in {c for c, _ in entry["columns"]}:
        # An export from an earlier shailoo may carry raw collected bodies: they are not taken.
        column = EMPTIED[name][0]
        purged = ", coalesce(purged_at, now()) AS purged_at" if "purged_at" in {c for c, _ in entry["columns"]} else ""
        select = f"SELECT * REPLACE (''::BLOB AS {_q(column)}{purged}) FROM ({select})"
    return select


def _database_error(folder: Path, name: str, exc: Exception) -> ParquetExportError:
    return ParquetExportError(f"Table {name} of the export {printable(folder)} cannot be imported "
                              f"({' '.join(str(exc).split())[:160]}); export the workspace again.")


def _key_notes(ws: Workspace, manifest: dict, folder: Path, accept_other_key: bool) -> list[str]:
    theirs, ours = manifest.get("pseudonym_key_fingerprint"), workspace_fingerprint(ws)
    if theirs is not None and theirs == ours:
        return []
    if not accept_other_key:
        raise ParquetExportError(
            f"The export {printable(folder)} was made under another pseudonym key than this workspace's, so the "
            "pseudonyms of private authors would not match (one commenter would count as two); import it into a "
            "workspace made with the same pseudonym.key (docs/scale.md), or give --accept-other-key.")
    return ["The export was made under another pseudonym key: the pseudonyms of private authors of the two "
            "teams do not match (the same person may count twice)."]


def _existing(con) -> dict[str, list[str]]:
    rows = con.execute("""SELECT table_name, list(column_name ORDER BY column_index) FROM duckdb_columns()
                          WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
                          AND table_name IN (SELECT table_name FROM duckdb_tables() WHERE database_name =
                                             current_database() AND schema_name = 'main' AND NOT temporary)
                          GROUP BY table_name""").fetchall()
    return {name: list(cols) for name, cols in rows}


def _is_empty(con, manifest: dict) -> bool:
    """No table the export carries holds rows here (periods aside: they are the config's; logs and text
    caches aside: _LOGS, _CACHES)."""
    existing = _existing(con)
    return not any(con.execute(f"SELECT EXISTS (SELECT 1 FROM main.{_q(name)})").fetchall()[0][0]
                   for name in manifest["tables"]
                   if name in existing and name != "periods" and name not in _LOGS + _CACHES)


def _copy(ws: Workspace, manifest: dict, selects: dict[str, str], result: ParquetImportResult, folder: Path) -> None:
    """Every table as it is (same ids), then the sequences past the ids copied."""
    con = ws.con
    existing = _existing(con)
    for name, entry in manifest["tables"].items():
        if name == "periods" or name in _LOGS or name in EXCLUDED:
            continue  # the config's periods (_adopt_settings); another workspace's log
        columns = [c for c, _ in entry["columns"]]
        if name in existing:
            extra = [c for c in columns if c not in existing[name]]
            if extra:
                raise ParquetExportError(f"Table {name} of the export has a column {printable(extra[0])[:60]} this "
                                         "workspace's table lacks; upgrade shailoo to import it.")
        else:  # a cache or a table of a later shailoo the workspace has not made yet: made as the export had it
            key = f", PRIMARY KEY ({', '.join(_q(k) for k in entry.get('primary_key', []))})" \
                if entry.get("primary_key") else ""
            cols = ", ".join(f"{_q(c)} {t}" for c, t in entry["columns"])
            try:
                con.execute(f"CREATE TABLE main.{_q(name)} ({cols}{key})")
            except duckdb.Error as exc:
                raise _database_error(folder, name, exc) from None
        try:
            if name in _CACHES and name in existing:
                con.execute(f"DELETE FROM main.{_q(name)}")  # this workspace's, of no post: the export's replace it
            n = con.execute(f"INSERT INTO main.{_q(name)} BY NAME {selects[name]}").fetchall()[0][0]
        except duckdb.Error as exc:  # duplicate keys, a value that does not fit, a file changed meanwhile
            raise _database_error(folder, name, exc) from None
        result.tables[name] = int(n)
    result.imported = result.tables.get("posts", 0)
    _advance_sequences(con)
    # This import's own row comes after the import log it copied.
    result.import_id = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchall()[0][0]


def _advance_sequences(con) -> None:
    """Move every sequence past the largest id its columns hold, so later rows get new ids."""
    uses: dict[str, list[tuple[str, str]]] = {k: list(v) for k, v in _SEQUENCE_COLUMNS.items()}
    for table, column, default in con.execute(
            """SELECT table_name, column_name, column_default FROM duckdb_columns()
               WHERE database_name = current_database() AND column_default LIKE 'nextval(%'""").fetchall():
        m = re.search(r"nextval\('([^']+)'", default)
        if m:
            uses.setdefault(m.group(1), []).append((table, column))
    existing = _existing(con)
    sequences = {r[0] for r in con.execute(
        "SELECT sequence_name FROM duckdb_sequences() WHERE database_name = current_database()").fetchall()}
    for seq, cols in uses.items():
        cols = [(t, c) for t, c in cols if c in existing.get(t, [])]
        if seq not in sequences or not cols:
            continue
        top = con.execute("SELECT max(m) FROM (" + " UNION ALL ".join(
            f"SELECT max({_q(c)}) AS m FROM main.{_q(t)}" for t, c in cols) + ")").fetchall()[0][0]
        if top is None:
            continue
        now = con.execute(f"SELECT nextval({_lit(seq)})").fetchall()[0][0]
        if now < top:
            con.execute(f"SELECT max(nextval({_lit(seq)})) FROM range({int(top - now)})").fetchall()


def _adopt_settings(ws: Workspace, manifest: dict, periods_sql: str, result: ParquetImportResult) -> None:
    """An empty workspace takes the export's settings and periods (its own periods stay beside them)."""
    folder = Path(ws.path)
    exported = _config(manifest, ws.con, periods_sql, folder)
    c = ws.config
    changed = [k for k in ("timezone", "languages", "pseudonymise", "snapshot_min_hours")
               if getattr(c, k) != getattr(exported, k)
               and not (k == "pseudonymise" and c.pseudonymise)]  # a copy never switches pseudonyms off
    for k in changed:
        setattr(c, k, getattr(exported, k))
    names = {p.name for p in c.periods}
    c.periods = c.periods + [p for p in exported.periods if p.name not in names]
    c.save(folder)
    ws._sync_periods()
    create_views(ws.con, c.timezone)
    if changed:
        result.notes.append("The workspace took the export's settings: " + ", ".join(changed) + ".")


def _take_settings_files(ws: Workspace, folder: Path, result: ParquetImportResult) -> None:
    """The export's report settings, lexicons and topic dictionary: copied into a workspace that was empty,
    never over a file the workspace has; a merge keeps the workspace's own (as its registry and coding)."""
    files = settings_files(folder)
    if not files:
        return
    if result.mode != "copy":
        result.notes.append("The export's report settings, lexicons or topics.yaml were not copied: this workspace "
                            "keeps its own (copy them by hand from the export folder if wanted).")
        return
    kept = []
    for rel, _ in files:
        target = Path(ws.path) / rel
        if target.exists() or target.is_symlink() or any(p.is_symlink() or (p.exists() and not p.is_dir())
                                                          for p in target.parents if Path(ws.path) in p.parents):
            kept.append(rel)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(folder / rel, "rb") as src, open(target, "xb") as out:
            out.write(src.read(MAX_SETTINGS_FILE + 1)[:MAX_SETTINGS_FILE])
        result.settings.append(rel)
    if kept:
        result.notes.append("This workspace keeps its own " + ", ".join(kept[:5]) + (" …" if len(kept) > 5 else "")
                            + "; the export's were not copied over them.")


def _merge_export(ws: Workspace, manifest: dict, selects: dict[str, str], result: ParquetImportResult,
                  folder: Path) -> None:
    """Stage the export's accounts and posts (one row per snapshot) as a file import stages its records,
    and merge them with the same code (store/merge.py): the same keys, the same snapshot rules."""
    from shailoo.store.attribution import resolve_actors
    from shailoo.store.loader import _create_staging
    from shailoo.store.merge import merge_accounts, merge_posts

    con, import_id = ws.con, result.import_id
    fallback = datetime.now(timezone.utc)  # never used: every staged snapshot has its measured_at
    _create_staging(con)
    for name in ("posts", "engagement_snapshots", "accounts", "follower_snapshots"):
        con.execute(f"CREATE OR REPLACE TEMP VIEW xp_{name} AS {selects[name]}")
    try:
        before = _counts(con)
        con.execute("""INSERT INTO stage_accounts BY NAME
                       SELECT row_number() OVER (ORDER BY platform, account_id) AS seq, platform, account_id,
                              name, handle, url FROM xp_accounts""")
        accounts = merge_accounts(con, import_id, fallback)
        # Posts with every snapshot: a post's latest snapshot last, so the merge takes it as the post's
        # record and keeps the others as snapshots of their own times (as for a file with repeated posts).
        con.execute(
            f"""INSERT INTO stage_posts BY NAME
                SELECT row_number() OVER (ORDER BY p.post_id, e.measured_at NULLS FIRST) AS seq, {_staged(manifest)}
                FROM xp_posts p LEFT JOIN xp_engagement_snapshots e USING (post_id)
                LEFT JOIN xp_accounts a ON a.platform = p.platform AND a.account_id = p.account_id""")
        posts = merge_posts(con, import_id, fallback)
        # An account first seen through the export's account list is marked pseudonymous as the export has it.
        con.execute("""UPDATE accounts SET is_pseudonymised = true FROM xp_accounts x
                       WHERE x.is_pseudonymised AND NOT accounts.is_pseudonymised
                         AND accounts.platform = x.platform AND accounts.account_id = x.account_id""")
        con.execute(
            f"""INSERT INTO follower_snapshots BY NAME
                SELECT * EXCLUDE (import_id), {int(import_id)} AS import_id FROM xp_follower_snapshots
                ON CONFLICT DO NOTHING""")
        resolve_actors(con, ws.pseudonym_key if ws.config.pseudonymise else None)
        after = _counts(con)
    except duckdb.Error as exc:  # a value the merge cannot take (duplicate keys in a file, a value out of range)
        raise _database_error(folder, "posts (with accounts and snapshots)", exc) from None
    finally:
        for name in ("posts", "engagement_snapshots", "accounts", "follower_snapshots"):
            con.execute(f"DROP VIEW IF EXISTS xp_{name}")
    result.imported, result.updated, result.unchanged = posts.imported, posts.updated, posts.unchanged
    result.accounts_added = after[0] - before[0]
    result.snapshots_added = after[1] - before[1]
    result.follower_snapshots_added = after[2] - before[2]
    del accounts  # its counts treat an account without a new follower figure as updated: ours are above
    for name, entry in manifest["tables"].items():
        if name not in MERGED and entry["rows"] and not name.startswith(_RECOMPUTED):
            result.left_out[name] = entry["rows"]
    if result.left_out:
        result.notes.append("Merged posts, accounts and snapshots only; this workspace keeps its own "
                            + ", ".join(sorted(result.left_out)) + " (docs/scale.md).")


def _staged(manifest: dict) -> str:
    """The staging columns a file import fills, taken from the export's posts (p), snapshots (e) and accounts (a)."""
    from shailoo.store.staging import STAGE_POSTS_SCHEMA

    have = {t: {c for c, _ in manifest["tables"][name]["columns"]}
            for t, name in (("p", "posts"), ("e", "engagement_snapshots"))}
    renamed = {"account_name": "a.name", "account_handle": "a.handle", "account_url": "a.url",
               "is_pseudonymised": "coalesce(a.is_pseudonymised, false)"}
    out = []
    for f in STAGE_POSTS_SCHEMA:
        if f.name == "seq":
            continue
        where = renamed.get(f.name) or next((f"{t}.{_q(f.name)}" for t in ("p", "e") if f.name in have[t]), "NULL")
        out.append(f"{where} AS {_q(f.name)}")
    return ", ".join(out)


def _counts(con) -> tuple[int, int, int]:
    return con.execute("""SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM engagement_snapshots),
                                 (SELECT count(*) FROM follower_snapshots)""").fetchall()[0]


def _log(ws: Workspace, result: ParquetImportResult, folder: Path, started_at: datetime, started: float,
         fingerprint: str) -> None:
    result.duration_s = round(time.perf_counter() - started, 3)
    skipped = result.unchanged
    ws.con.execute(
        """INSERT INTO imports (import_id, format, file_name, file_path, sha256, started_at, duration_s, records,
                                imported, updated, unchanged, quarantined, skipped, options_fingerprint, warnings)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)""",
        [result.import_id, FORMAT, result.folder, printable(folder.resolve()), result.sha256, started_at,
         result.duration_s, result.posts, result.imported, result.updated, result.unchanged, skipped, fingerprint,
         result.notes or None])

"""Collection state in the workspace (migration 012): runs, per-account cursors and failures."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb

from shailoo.collect.base import Account

_MAX_CURSOR = 64 * 1024  # a cursor is a few ids and dates; anything larger is a collector's bug


def account_key(account: Account) -> str:
    """How state names an account: the registry's platform id, else its handle."""
    return account.account_id or f"h:{account.handle}"


def start_run(con: duckdb.DuckDBPyConnection, now: datetime, options: dict, status: str = "running") -> int:
    run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM collect_runs").fetchall()[0][0]
    con.execute("INSERT INTO collect_runs (run_id, started_at, status, options) VALUES (?, ?, ?, ?)",
                [run_id, now, status, json.dumps(options, ensure_ascii=False, default=str)])
    return run_id


def finish_run(con: duckdb.DuckDBPyConnection, run_id: int, now: datetime, status: str, summary: dict) -> None:
    con.execute("UPDATE collect_runs SET finished_at = ?, status = ?, summary = ? WHERE run_id = ?",
                [now, status, json.dumps(summary, ensure_ascii=False, default=str), run_id])


def get_cursor(con: duckdb.DuckDBPyConnection, platform: str, account: str) -> dict | None:
    rows = con.execute("SELECT cursor FROM collect_cursors WHERE platform = ? AND account = ?",
                       [platform, account]).fetchall()
    if not rows:
        return None
    try:
        value = json.loads(rows[0][0])
    except ValueError:
        return None  # a damaged cursor: collect as on a first run (imports are idempotent)
    return value if isinstance(value, dict) else None


def set_cursor(con: duckdb.DuckDBPyConnection, platform: str, account: str, cursor: dict, run_id: int,
               now: datetime) -> None:
    text = json.dumps(cursor, ensure_ascii=False, sort_keys=True, default=str)
    if len(text) > _MAX_CURSOR:
        raise ValueError(f"a {platform} cursor of {len(text):,} characters")
    con.execute("""INSERT INTO collect_cursors (platform, account, cursor, run_id, updated_at) VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (platform, account) DO UPDATE SET cursor = excluded.cursor,
                       run_id = excluded.run_id, updated_at = excluded.updated_at""",
                [platform, account, text, run_id, now])


def add_failure(con: duckdb.DuckDBPyConnection, run_id: int, platform: str, account: str | None, kind: str,
                message: str, now: datetime) -> None:
    con.execute("INSERT INTO collect_failures VALUES (?, ?, ?, ?, ?, ?)",
                [run_id, platform, account, kind, message, now])


def last_run(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The latest run: id, times, status and summary (for `status` pages and the web app)."""
    rows = con.execute("""SELECT run_id, started_at, finished_at, status, summary FROM collect_runs
                          ORDER BY run_id DESC LIMIT 1""").fetchall()
    if not rows:
        return None
    run_id, started, finished, status, summary = rows[0]
    failures = con.execute("SELECT platform, account, kind, message FROM collect_failures WHERE run_id = ?",
                           [run_id]).fetchall()
    return {"run_id": run_id, "started_at": started, "finished_at": finished, "status": status,
            "summary": json.loads(summary) if summary else None,
            "failures": [dict(zip(("platform", "account", "kind", "message"), f)) for f in failures]}

"""Workspace: creation, config, migrations, clear errors for folders that are not workspaces."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import duckdb
import pytest

import shailoo
from shailoo.errors import SchemaTooNew, UsageError, WorkspaceExists, WorkspaceLocked, WorkspaceNotFound
from shailoo.store.migrate import latest_version
from shailoo.store.workspace import DB_NAME, init_workspace, open_workspace


def test_init_creates_database_config_and_key(tmp_path):
    ws = init_workspace(tmp_path / "w", project="Шайлоо 2026")
    assert (tmp_path / "w" / "shailoo.duckdb").exists()
    assert (tmp_path / "w" / "shailoo.toml").exists()
    assert len(ws.pseudonym_key) == 32
    assert ws.config.timezone == "Asia/Bishkek"
    assert ws.con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == latest_version()
    ws.close()
    again = shailoo.open(tmp_path / "w")
    assert again.config.project == "Шайлоо 2026"
    again.close()


def test_init_refuses_existing_workspace(tmp_path):
    init_workspace(tmp_path / "w").close()
    with pytest.raises(WorkspaceExists):
        init_workspace(tmp_path / "w")


def test_not_a_workspace(tmp_path):
    with pytest.raises(WorkspaceNotFound, match="not a shailoo workspace"):
        open_workspace(tmp_path)
    with pytest.raises(WorkspaceNotFound, match="no folder"):
        open_workspace(tmp_path / "missing")


def test_workspace_from_environment(tmp_path, monkeypatch):
    init_workspace(tmp_path / "w").close()
    monkeypatch.setenv("SHAILOO_WORKSPACE", str(tmp_path / "w"))
    with open_workspace() as ws:
        assert ws.path == tmp_path / "w"


def test_schema_too_new(tmp_path):
    init_workspace(tmp_path / "w").close()
    con = duckdb.connect(str(tmp_path / "w" / DB_NAME))
    con.execute("INSERT INTO schema_version VALUES (999, now())")
    con.close()
    with pytest.raises(SchemaTooNew, match="upgrade shailoo"):
        open_workspace(tmp_path / "w")


def test_locked_database(tmp_path):
    init_workspace(tmp_path / "w").close()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb,time; c=duckdb.connect({str(tmp_path / 'w' / DB_NAME)!r}); print('ok', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(WorkspaceLocked, match="in use by another program"):
            open_workspace(tmp_path / "w", wait=0.3)
    finally:
        holder.kill()


def test_periods_are_saved_in_config_and_table(tmp_path):
    ws = init_workspace(tmp_path / "w")
    ws.add_period("pre-campaign", date(2021, 1, 1), date(2021, 1, 9))
    ws.add_period("campaign", date(2021, 1, 10), date(2021, 2, 10))
    ws.add_period("campaign", date(2021, 1, 11), date(2021, 2, 10))  # replaced, not duplicated
    ws.close()
    ws = open_workspace(tmp_path / "w")
    assert [(p.name, p.start) for p in ws.config.periods] == [("pre-campaign", date(2021, 1, 1)),
                                                              ("campaign", date(2021, 1, 11))]
    assert ws.con.execute("SELECT count(*) FROM periods").fetchone()[0] == 2
    with pytest.raises(UsageError, match="before it starts"):
        ws.add_period("bad", date(2021, 2, 1), date(2021, 1, 1))
    ws.close()


def test_bad_timezone(tmp_path):
    with pytest.raises(UsageError, match="not a time zone"):
        init_workspace(tmp_path / "w", timezone="Mars/Olympus")


def test_tables_reachable_as_relations(workspace):
    rel = workspace.table("posts_v")
    assert "category" in rel.columns and "week" in rel.columns


def test_a_read_only_opening_copies_no_cache_until_a_command_extends_it(tmp_path):
    """Each read-only opening copied every cache table into memory (a million posts' tokens: ~0.3 s a
    web request); the caches are views of the file until a command writes to them."""
    from shailoo.store.loader import import_file
    from shailoo.store.workspace import writable_caches
    from tests.conftest import DATA

    ws = init_workspace(tmp_path / "w")
    import_file(ws, DATA / "telegram_desktop" / "channel.json")  # fills post_tokens
    cached = ws.con.execute("SELECT count(*) FROM post_tokens").fetchall()[0][0]
    ws.close()
    with open_workspace(tmp_path / "w", read_only=True) as ro:
        kinds = dict(ro.con.execute("SELECT table_name, table_type FROM information_schema.tables "
                                    "WHERE table_catalog = 'memory' AND table_name = 'post_tokens'").fetchall())
        assert kinds == {"post_tokens": "VIEW"}
        assert ro.con.execute("SELECT count(*) FROM post_tokens").fetchall()[0][0] == cached > 0
        writable_caches(ro.con, "post_tokens")
        ro.con.execute("DELETE FROM post_tokens")  # an in-memory copy now: the file keeps its rows
    with open_workspace(tmp_path / "w", read_only=True) as ro:
        assert ro.con.execute("SELECT count(*) FROM post_tokens").fetchall()[0][0] == cached

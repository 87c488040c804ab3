"""Migrations that change data: a workspace written by an earlier shailoo keeps working."""

from __future__ import annotations

import json

import duckdb

from shailoo.cli.main import app
from shailoo.store.workspace import DB_NAME, init_workspace, open_workspace
from tests.conftest import DATA

GROUP = DATA / "crowdtangle" / "group.csv"


def test_crowdtangle_posts_keyed_the_old_way_are_rekeyed_and_not_duplicated(tmp_path, runner):
    ws_path = tmp_path / "ws"
    init_workspace(ws_path).close()
    assert runner.invoke(app, ["import", "-w", str(ws_path), str(GROUP)]).exit_code == 0
    # Make it look like a workspace of schema 3, whose CrowdTangle Facebook keys were PAGEID_POSTID.
    con = duckdb.connect(str(ws_path / DB_NAME))
    before = con.execute("SELECT count(*) FROM posts").fetchall()[0][0]
    con.execute("""UPDATE posts SET platform_post_id = account_id || '_' || platform_post_id
                   WHERE platform = 'facebook'""")
    con.execute("DELETE FROM schema_version WHERE version >= 4")
    con.close()
    result = runner.invoke(app, ["import", "-w", str(ws_path), str(GROUP), "--reread", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["imported"] == 0
    con = duckdb.connect(str(ws_path / DB_NAME), read_only=True)
    keys = [k for (k,) in con.execute("SELECT platform_post_id FROM posts WHERE platform = 'facebook'").fetchall()]
    assert con.execute("SELECT count(*) FROM posts").fetchall()[0][0] == before
    assert keys and all("_" not in k for k in keys)


def test_a_migration_numbered_below_the_highest_applied_still_runs(tmp_path):
    """Migrations 009/010 landed after 011 had been applied to a workspace: they were skipped for good."""
    from shailoo.store.migrate import latest_version

    init_workspace(tmp_path / "ws").close()
    con = duckdb.connect(str(tmp_path / "ws" / DB_NAME))
    con.execute("DROP TABLE ad_spend")
    con.execute("DELETE FROM schema_version WHERE version = 9")
    con.close()
    with open_workspace(tmp_path / "ws") as ws:
        assert ws.con.execute("SELECT count(*) FROM ad_spend").fetchall()[0][0] == 0
        versions = [v for (v,) in ws.con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()]
        assert 9 in versions and max(versions) == latest_version()

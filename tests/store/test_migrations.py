"""Migrations that change data: a workspace written by an earlier shailoo keeps working."""

from __future__ import annotations

import json

import duckdb

from shailoo.cli.main import app
from shailoo.store.workspace import DB_NAME, init_workspace
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

"""Posts written in a registered group's space count for the group (issue #8): members' posts in a VK
community, a Telegram group, with the private authors still pseudonymised; `by_member` tells them apart."""

from __future__ import annotations

import json

import duckdb
import pytest

from shailoo.actors import import_registry
from shailoo.cli.main import app
from shailoo.store.loader import import_file
from shailoo.store.workspace import DB_NAME, init_workspace
from tests.conftest import DATA
from tests.importers.helpers import everything_stored

TD_GROUP = DATA / "telegram_desktop" / "group.json"
TELETHON_GROUP = DATA / "telethon" / "group.jsonl"
GROUP_NAMES = ("Бакыт Частный", "Жылдыз Частная", "user111", "user333")


def _registry(tmp_path, rows: str):
    path = tmp_path / "actors.csv"
    path.write_text("name,category,platform,account_id,handle,url\n" + rows, encoding="utf-8")
    return path


def _by_post(ws) -> dict[str, tuple]:
    return {pid: (actor, by_member) for pid, actor, by_member in ws.con.execute(
        "SELECT platform_post_id, actor, by_member FROM posts_v").fetchall()}


@pytest.mark.parametrize("path,registry_first", [(TD_GROUP, True), (TD_GROUP, False),
                                                  (TELETHON_GROUP, True), (TELETHON_GROUP, False)])
def test_telegram_group_members_posts_count_for_the_group(workspace, tmp_path, path, registry_first):
    registry = _registry(tmp_path, "Обсуждение выборов,public_group,telegram,987654,,\n")
    if registry_first:
        import_registry(workspace, registry)
    import_file(workspace, path)
    if not registry_first:
        import_registry(workspace, registry)
    group = "Обсуждение выборов"
    # 13 is the group writing as itself; 10, 11 (a reply) and 14 are members'
    assert _by_post(workspace) == {"987654/10": (group, True), "987654/11": (group, True),
                                   "987654/13": (group, False), "987654/14": (group, True)}
    stored = everything_stored(workspace)
    assert not [n for n in GROUP_NAMES if n in stored]
    assert workspace.con.execute(
        """SELECT count(*) FROM posts_v WHERE by_member AND account_id LIKE 'p\\_%' ESCAPE '\\'
           AND account_name IS NULL AND account_handle IS NULL""").fetchone()[0] == 3


def test_unregistered_space_leaves_posts_unattributed(workspace):
    import_file(workspace, TD_GROUP)
    assert set(_by_post(workspace).values()) == {(None, False)}


def test_a_registered_member_keeps_their_own_posts(workspace, tmp_path, monkeypatch):
    """A registered actor writing in a registered group: the post is the actor's, not a member post."""
    from datetime import datetime, timezone

    from shailoo.records import PostRecord
    from tests.store.test_loader import _export, _fake_importer

    import_registry(workspace, _registry(tmp_path, "Группа,public_group,telegram,987654,,\n"
                                                   "Айбек,candidate,telegram,555001,,\n"))
    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    _fake_importer(monkeypatch, [
        PostRecord("telegram", "987654/1", when, account_id="user555001", author_is_public=False,
                   space_account_id="987654"),
        PostRecord("telegram", "987654/2", when, account_id="user777", author_is_public=False,
                   space_account_id="987654")])
    import_file(workspace, _export(tmp_path), "fake")
    assert _by_post(workspace) == {"987654/1": ("Айбек", False), "987654/2": ("Группа", True)}


def test_metrics_count_members_posts_for_the_group(runner, tmp_path):
    ws = tmp_path / "ws"
    init_workspace(ws).close()
    registry = _registry(tmp_path, "Обсуждение выборов,public_group,telegram,987654,,\n")
    assert runner.invoke(app, ["actors", "import", "-w", str(ws), str(registry)]).exit_code == 0
    assert runner.invoke(app, ["import", "-w", str(ws), str(TD_GROUP)]).exit_code == 0
    result = runner.invoke(app, ["metrics", "posts", "-w", str(ws), "--by", "actor", "-f", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["actor"]: (r["posts"], r["posts_by_members"]) for r in json.loads(result.stdout)}
    assert rows == {"Обсуждение выборов": (3, 2)}  # 10, 13 by members, 14 by the group; the reply 11 is a comment


@pytest.mark.shared
def test_real_vk_wall_counts_every_post_for_the_community(workspace, real, tmp_path):
    import_registry(workspace, _registry(tmp_path, "Фудшеринг,public_group,vk,,,https://vk.com/club109125816\n"))
    import_file(workspace, real / "vk_wallget" / "wall_get_response_club109125816.json")
    assert workspace.con.execute(
        "SELECT actor, count(*), count(*) FILTER (WHERE by_member) FROM posts_v GROUP BY ALL").fetchall() == [
        ("Фудшеринг", 10, 9)]
    assert workspace.con.execute(
        """SELECT count(*) FROM posts p JOIN accounts a USING (platform, account_id)
           WHERE p.space_account_id = '-109125816' AND a.is_pseudonymised AND a.name IS NULL""").fetchone()[0] == 9
    assert "203608876" not in everything_stored(workspace)


def test_migration_backfills_spaces_of_earlier_posts(tmp_path, runner):
    ws_path = tmp_path / "ws"
    init_workspace(ws_path).close()
    registry = _registry(tmp_path, "Обсуждение выборов,public_group,telegram,987654,,\n")
    assert runner.invoke(app, ["import", "-w", str(ws_path), str(TD_GROUP)]).exit_code == 0
    assert runner.invoke(app, ["actors", "import", "-w", str(ws_path), str(registry)]).exit_code == 0
    # Make it look like a workspace of schema 4: no space_account_id, and no account row for the space.
    con = duckdb.connect(str(ws_path / DB_NAME))
    con.execute("DROP VIEW IF EXISTS posts_v")
    con.execute("ALTER TABLE posts DROP COLUMN space_account_id")
    con.execute("DELETE FROM schema_version WHERE version >= 5")
    con.close()
    result = runner.invoke(app, ["metrics", "posts", "-w", str(ws_path), "--by", "actor", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert {r["actor"]: r["posts"] for r in json.loads(result.stdout)} == {"Обсуждение выборов": 3}

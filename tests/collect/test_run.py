"""A collection run into a workspace: archive, import, cursors, readings as snapshots, failures, resume."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from shailoo.collect.credentials import Credentials
from shailoo.collect.run import Options, collect, reimport
from tests.collect.helpers import Clock, register
from tests.collect.vk_wall import START, VkApi, make_posts

TOKEN = "vk1.a.run-token-SECRET"


@pytest.fixture
def api(server):
    api = VkApi(token=TOKEN)
    api.install(server)
    return api


def _run(ws, server, fake_time, clock, token=TOKEN, **kw):
    options = Options(api_base=server.url + "/method/", **kw)
    return collect(ws, options, credentials=Credentials({"SHAILOO_VK_TOKEN": token}, keyring=None), now=clock,
                   http_options={"sleep": fake_time.sleep, "clock": fake_time.clock, "retries": 2})


def _state(ws):
    posts = ws.con.execute("SELECT platform_post_id, text FROM posts ORDER BY 1").fetchall()
    snaps = ws.con.execute("""SELECT p.platform_post_id, e.measured_at, e.likes FROM engagement_snapshots e
                              JOIN posts p USING (post_id) ORDER BY 1, 2""").fetchall()
    return posts, snaps


def test_a_run_imports_archives_and_stores_the_cursor(workspace, server, api, fake_time):
    api.add_wall(-5, make_posts(-5, 230))
    register(workspace, [("Party", "vk", "-5", None)])
    clock = Clock(START + timedelta(days=20))
    summary = _run(workspace, server, fake_time, clock)
    vk = summary.platforms["vk"]
    assert (vk.accounts, vk.accounts_done, vk.posts_new, vk.failures) == (1, 1, 230, [])
    assert workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0] == 230
    archived = workspace.con.execute("SELECT count(*), count(format_id) FROM collect_archive").fetchone()
    assert archived == (3, 3)
    assert TOKEN.encode() not in b"".join(r[0] for r in workspace.con.execute(
        "SELECT body_gz FROM collect_archive").fetchall())
    for (text,) in workspace.con.execute("SELECT url || params FROM collect_archive").fetchall():
        assert TOKEN not in text and "access_token" not in text
    cursor = workspace.con.execute("SELECT cursor FROM collect_cursors").fetchone()[0]
    assert '"last_id": 230' in cursor
    again = _run(workspace, server, fake_time, clock)  # nothing new: one call, nothing imported
    assert again.platforms["vk"].posts_new == 0 and server.count("/method/wall.get") == 4


def test_readings_at_24h_72h_7d_are_snapshots_at_received_time(workspace, server, api, fake_time):
    posted = START
    clock = Clock(posted + timedelta(hours=1))
    api.now, api.likes_growth = clock, 1
    api.add_wall(-5, make_posts(-5, 1, start=posted))
    register(workspace, [("Party", "vk", "-5", None)])
    times = [posted + timedelta(hours=h) for h in (1, 12, 25, 30, 73, 24 * 7 + 2, 24 * 15)]
    for at in times:
        clock.at = at
        _run(workspace, server, fake_time, clock)
    snaps = workspace.con.execute("SELECT measured_at, likes FROM engagement_snapshots ORDER BY 1").fetchall()
    hours = [round((m - posted).total_seconds() / 3600) for m, _ in snaps]
    assert hours == [1, 25, 73, 170]  # at posting+1h (collected), then one reading per age; none after the grace
    assert [likes for _, likes in snaps] == [10 + h for h in hours]  # the counts of that moment
    assert server.count("/method/wall.getById") == 3


def test_reading_ages_come_from_the_config(workspace, server, api, fake_time):
    (workspace.path / "shailoo.toml").write_text(
        (workspace.path / "shailoo.toml").read_text() + '\n[collect]\nreading_ages = ["6h"]\n', encoding="utf-8")
    clock = Clock(START + timedelta(hours=1))
    api.add_wall(-5, make_posts(-5, 1, start=START))
    register(workspace, [("Party", "vk", "-5", None)])
    for h in (1, 7, 30):
        clock.at = START + timedelta(hours=h)
        _run(workspace, server, fake_time, clock)
    assert server.count("/method/wall.getById") == 1


def test_a_revoked_token_stops_vk_and_says_so(workspace, server, api, fake_time):
    for owner in (-5, -6, -7):
        api.add_wall(owner, make_posts(owner, 150))
    api.revoke_after = 3  # wall -5 (2 pages) then one page of -6
    register(workspace, [("A", "vk", "-5", None), ("B", "vk", "-6", None), ("C", "vk", "-7", None)])
    summary = _run(workspace, server, fake_time, Clock(START + timedelta(days=30)))
    vk = summary.platforms["vk"]
    assert vk.accounts_done == 1 and vk.left == ["vk:-7"]
    assert [f["kind"] for f in vk.failures] == ["CredentialsError"] and "SHAILOO_VK_TOKEN" in vk.failures[0]["message"]
    assert TOKEN not in str(summary.as_dict())
    # the page of -6 received before the token expired was imported
    assert workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0] == 250


def test_an_unknown_and_a_private_group_fail_in_one_sentence_others_continue(workspace, server, api, fake_time):
    api.add_wall(-5, make_posts(-5, 10))
    api.add_wall(-8, make_posts(-8, 10))
    api.errors[-8] = (30, "This profile is private")
    register(workspace, [("A", "vk", None, "nosuchgroup"), ("B", "vk", "-8", None), ("C", "vk", "-5", None),
                          ("D", "vk", "77", None)])
    summary = _run(workspace, server, fake_time, Clock(START + timedelta(days=30)))
    vk = summary.platforms["vk"]
    assert vk.accounts_done == 1 and vk.posts_new == 10
    assert sorted(f["account"] for f in vk.failures) == ["vk:-8", "vk:77", "vk:nosuchgroup"]
    assert all(f["kind"] == "AccountUnavailable" and "\n" not in f["message"] for f in vk.failures)
    stored = workspace.con.execute("SELECT count(*) FROM collect_failures").fetchone()[0]
    assert stored == 3


def test_interrupted_run_resumes_to_the_same_workspace(tmp_path, server, api, fake_time, monkeypatch):
    from shailoo.store import loader
    from shailoo.store.workspace import init_workspace

    api.add_wall(-5, make_posts(-5, 450))
    api.add_wall(-6, make_posts(-6, 120))
    clock = Clock(START + timedelta(days=30))
    monkeypatch.setattr("shailoo.collect.run.GROUP_POSTS", 100)  # one import per page

    one = init_workspace(tmp_path / "one", project="t")
    register(one, [("A", "vk", "-5", None), ("B", "vk", "-6", None)])
    _run(one, server, fake_time, clock)

    two = init_workspace(tmp_path / "two", project="t")
    register(two, [("A", "vk", "-5", None), ("B", "vk", "-6", None)])
    real_import, calls = loader.import_file, []

    def import_then_die(*args, **kw):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # Ctrl-C during the third batch's import
        return real_import(*args, **kw)

    monkeypatch.setattr(loader, "import_file", import_then_die)
    summary = _run(two, server, fake_time, clock)
    assert summary.interrupted and summary.platforms["vk"].left == ["vk:-5", "vk:-6"]
    assert two.con.execute("SELECT count(*) FROM posts").fetchone()[0] == 200
    assert two.con.execute("SELECT status FROM collect_runs").fetchone()[0] == "interrupted"
    monkeypatch.setattr(loader, "import_file", real_import)
    requests_before = server.count("/method/wall.get")
    _run(two, server, fake_time, clock)
    assert server.count("/method/wall.get") - requests_before == 3 + 2  # pages 3-5 of -5 (one checked back), -6
    assert _state(two) == _state(one)


def test_reimport_rebuilds_from_the_archive(tmp_path, workspace, server, api, fake_time):
    from shailoo.store.workspace import init_workspace

    api.now, api.likes_growth = None, 0
    api.add_wall(-5, make_posts(-5, 150, start=START))
    register(workspace, [("A", "vk", "-5", None)])
    for h in (1, 30, 80):
        _run(workspace, server, fake_time, Clock(START + timedelta(days=6, hours=h)))
    calls = server.count()
    fresh = init_workspace(tmp_path / "fresh", project="t")
    # the archive moved over: the fresh workspace rebuilds from it alone
    rows = workspace.con.sql("SELECT * FROM collect_archive").arrow()
    fresh.con.register("rows", rows)
    fresh.con.execute("INSERT INTO collect_archive SELECT * FROM rows")
    summary = reimport(fresh)
    assert server.count() == calls  # the platform was not called
    assert summary.platforms["vk"].posts_new == 150
    assert _state(fresh) == _state(workspace)
    assert reimport(fresh).platforms["vk"].posts_new == 0  # idempotent


def test_plan_calls_nothing(workspace, server, api):
    from shailoo.collect.schedule import plan

    api.add_wall(-5, make_posts(-5, 5))
    register(workspace, [("A", "vk", "-5", None)])
    due = plan(workspace, datetime.now(timezone.utc))
    assert [d.account.label for d in due] == ["vk:-5"] and server.count() == 0


class FakeChannels:
    """A collector without HTTP that finds nothing new (stands for another platform)."""

    platform, method, base_url, archives_batches = "telegram", "fake", "", True

    def __init__(self, http, credentials):
        assert http is None

    def new_posts(self, account, cursor, since):
        from shailoo.collect.base import Batch

        yield Batch("telethon", "none.jsonl", b"", START, cursor={"last_id": 1})

    def readings(self, account, ids):
        return iter(())

    def summary(self):
        return "0 units"


def test_a_revoked_token_does_not_stop_other_platforms(workspace, server, api, fake_time, monkeypatch):
    monkeypatch.setitem(__import__("shailoo.collect.registry", fromlist=["x"]).COLLECTORS, "telegram",
                        {"web": ("tests.collect.test_run", "FakeChannels")})
    api.add_wall(-5, make_posts(-5, 10))
    api.revoke_after = 0
    register(workspace, [("A", "vk", "-5", None), ("B", "telegram", None, "chan")])
    summary = _run(workspace, server, fake_time, Clock(START + timedelta(days=30)))
    assert summary.platforms["vk"].failures[0]["kind"] == "CredentialsError"
    tg = summary.platforms["telegram"]
    assert (tg.accounts_done, tg.failures, tg.quota) == (1, [], "0 units")
    assert workspace.con.execute("SELECT cursor FROM collect_cursors WHERE platform = 'telegram'").fetchone()[0] \
        == '{"last_id": 1}'

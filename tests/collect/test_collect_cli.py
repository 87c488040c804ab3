"""`shailoo collect` as a user runs it: the plan, a run's summary, re-import, the help's Meta note."""

from __future__ import annotations

import pytest

from shailoo.cli.main import app
from tests.collect.vk_wall import VkApi, make_posts

TOKEN = "vk1.a.cli-token-SECRET"


@pytest.fixture
def ws_path(workspace):
    workspace.con.execute("INSERT INTO actors (actor_id, name, category) VALUES (1, 'Party', 'party'), (2, 'Gone', 'party')")
    workspace.con.execute("INSERT INTO actor_accounts VALUES (1, 'vk', '-5', 'party', NULL), (2, 'vk', '-8', NULL, NULL)")
    path = workspace.path
    workspace.close()
    return path


@pytest.fixture
def api(server, monkeypatch):
    monkeypatch.setenv("SHAILOO_VK_TOKEN", TOKEN)
    api = VkApi(token=TOKEN)
    api.install(server)
    api.add_wall(-5, make_posts(-5, 120))
    api.add_wall(-8, make_posts(-8, 1))
    api.errors[-8] = (18, "community was deleted")
    return api


def test_plan_calls_nothing(runner, ws_path, server, api):
    result = runner.invoke(app, ["-w", str(ws_path), "collect", "--plan", "--api-base", server.url + "/method/"])
    assert result.exit_code == 0, result.output
    assert "vk:party (Party): new posts: first run; 0 readings due" in result.output
    assert server.count() == 0


def test_a_run_prints_its_summary_and_fails_in_one_sentence(runner, ws_path, server, api):
    args = ["-w", str(ws_path), "collect", "--platform", "vk", "--api-base", server.url + "/method/", "--no-rate-limit"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output  # one account failed
    assert "vk: 1 of 2 accounts done, 120 new posts" in result.output
    assert "failed vk:-8: vk:-8 is deleted or banned on VK (error 18: community was deleted)" in result.output
    assert TOKEN not in result.output
    again = runner.invoke(app, ["-w", str(ws_path), "collect", "--plan"])
    assert "new posts since the last run" in again.output
    re = runner.invoke(app, ["-w", str(ws_path), "collect", "--reimport", "--run", "1"])
    assert re.exit_code == 0, re.output
    assert "Re-import run 2" in re.output and "0 new posts" in re.output and server.count("/method/wall.get") == 3


def test_no_rate_limit_only_against_a_local_server(runner, ws_path):
    result = runner.invoke(app, ["-w", str(ws_path), "collect", "--no-rate-limit"])
    assert result.exit_code == 1 and "local server only" in result.output


def test_missing_token_is_one_sentence(runner, ws_path, server, monkeypatch):
    monkeypatch.delenv("SHAILOO_VK_TOKEN", raising=False)
    monkeypatch.setattr("shailoo.collect.credentials.Credentials._from_keyring", lambda self, name: None)
    result = runner.invoke(app, ["-w", str(ws_path), "collect", "--api-base", server.url + "/method/"])
    assert result.exit_code == 1
    assert "No VK access token: set SHAILOO_VK_TOKEN" in result.output and server.count() == 0


def test_help_says_facebook_and_instagram_have_no_open_api(runner):
    result = runner.invoke(app, ["collect", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "Facebook and Instagram have no open API since CrowdTangle" in text and "shailoo import" in text


def test_json_summary(runner, ws_path, server, api):
    result = runner.invoke(app, ["-w", str(ws_path), "collect", "-f", "json", "--api-base", server.url + "/method/",
                                 "--no-rate-limit"])
    import json

    data = json.loads(result.output)
    assert data["platforms"]["vk"]["posts_new"] == 120 and result.exit_code == 1


def test_plan_as_csv(runner, ws_path):
    result = runner.invoke(app, ["-w", str(ws_path), "collect", "--plan", "-f", "csv"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "account,actor,first_run,resumes,readings_due"


def test_login_signs_in_once_beside_the_workspace(runner, ws_path, monkeypatch):
    calls = []
    monkeypatch.setattr("shailoo.collect.telegram_mtproto.login", lambda session, credentials: calls.append(
        (session, type(credentials).__name__)))
    result = runner.invoke(app, ["-w", str(ws_path), "collect", "--login", "--method", "mtproto"])
    assert result.exit_code == 0, result.output
    session = ws_path.parent / f"{ws_path.name}.telegram.session"
    assert calls == [(session, "Credentials")]
    assert "Signed in" in result.output and session.name in " ".join(result.output.split()).replace(" ", "")
    wrong = runner.invoke(app, ["-w", str(ws_path), "collect", "--login"])
    assert wrong.exit_code != 0 and "--method mtproto" in wrong.output and len(calls) == 1


def test_from_id_follows_a_telegram_channel_from_a_message(runner, ws_path, server):
    from tests.collect.test_telegram_web import FakeTme, NAME

    FakeTme(last=60).install(server)
    from shailoo.store.workspace import open_workspace

    with open_workspace(ws_path) as ws:
        ws.con.execute("INSERT INTO actor_accounts VALUES (1, 'telegram', NULL, ?, NULL)", [NAME])
    result = runner.invoke(app, ["-w", str(ws_path), "collect", "--platform", "telegram", "--from-id", "50",
                                 "--api-base", server.url, "--no-rate-limit"])
    assert result.exit_code == 0, result.output
    assert [r.params for r in server.requests][0] == {"after": "50"}
    assert "telegram: 1 of 1 accounts done, 10 new posts" in result.output
    vk = runner.invoke(app, ["-w", str(ws_path), "collect", "--platform", "vk", "--from-id", "50"])
    assert vk.exit_code != 0 and "--from-id" in vk.output


def test_help_names_what_comments_cover(runner):
    text = " ".join(runner.invoke(app, ["collect", "--help"], env={"COLUMNS": "200"}).output.split())
    assert "wall.getComments" in text and "discussion" in text and "--login" in text and "--from-id" in text


def test_purge_archive_and_reimport_say_what_was_purged(runner, ws_path, server, api):
    base = ["-w", str(ws_path), "collect", "--platform", "vk", "--api-base", server.url + "/method/", "--no-rate-limit"]
    runner.invoke(app, base)
    result = runner.invoke(app, ["-w", str(ws_path), "collect", "--purge-archive", "--before", "2100-01-01"])
    assert result.exit_code == 0, result.output
    # two pages of -5 and the error answer about -8
    assert "Purged 3 archived bodies received before 2100-01-01" in " ".join(result.output.split())
    again = runner.invoke(app, ["-w", str(ws_path), "collect", "--reimport"])
    assert again.exit_code == 1 and "were purged from the archive" in " ".join(again.output.split())
    lone = runner.invoke(app, ["-w", str(ws_path), "collect", "--before", "2026-01-01"])
    assert lone.exit_code != 0 and "--purge-archive" in lone.output


def test_collect_keeps_a_workspace_fed_with_readings_at_24h_72h_and_7d(runner, tmp_path, server, monkeypatch):
    """The issue's "done when", as a user's scheduler runs it: `shailoo collect` twice against a replay
    server, in real time. Three posts are a few seconds short of 24 h, 72 h and 7 days old at the first
    run; at the second run each has passed its age, so each gets its reading, a snapshot measured then;
    a post published between the runs comes in as a new post."""
    import time
    from datetime import datetime, timedelta, timezone

    import duckdb

    from shailoo.store.workspace import init_workspace

    ws = init_workspace(tmp_path / "ws", project="fed")
    ws.con.execute("INSERT INTO actors (actor_id, name, category) VALUES (1, 'Party', 'party')")
    ws.con.execute("INSERT INTO actor_accounts VALUES (1, 'vk', '-5', 'party', NULL)")
    ws.close()
    monkeypatch.setenv("SHAILOO_VK_TOKEN", TOKEN)
    api = VkApi(token=TOKEN)
    api.install(server)
    now = datetime.now(timezone.utc)
    ages = {1: timedelta(days=7), 2: timedelta(hours=72), 3: timedelta(hours=24)}
    posts = {i: make_posts(-5, 1, start=now - age + timedelta(seconds=3), first_id=i)[0] for i, age in ages.items()}
    api.add_wall(-5, list(posts.values()))
    args = ["-w", str(tmp_path / "ws"), "collect", "--platform", "vk", "--api-base", server.url + "/method/",
            "--no-rate-limit"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "3 new posts" in first.output
    time.sleep(4)  # every post passes its reading age
    api.add_wall(-5, [*posts.values(), *make_posts(-5, 1, start=datetime.now(timezone.utc) - timedelta(minutes=5),
                                                   first_id=4)])
    plan = runner.invoke(app, ["-w", str(tmp_path / "ws"), "collect", "--plan"])
    assert "3 readings due" in plan.output, plan.output
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    assert "1 new posts" in second.output or "1 new post" in second.output, second.output
    con = duckdb.connect(str(tmp_path / "ws" / "shailoo.duckdb"), read_only=True)
    rows = con.execute("""SELECT p.platform_post_id, count(*),
                                 max(epoch(s.measured_at) - epoch(p.created_at)) / 3600
                          FROM posts p JOIN engagement_snapshots s USING (post_id) GROUP BY 1 ORDER BY 1""").fetchall()
    con.close()
    got = {post.split("_")[-1]: (n, hours) for post, n, hours in rows}
    for i, age in ages.items():
        n, hours = got[str(i)]
        assert n == 2 and hours >= age.total_seconds() / 3600, (i, got)  # the reading, at or after its age
    assert got["4"][0] == 1  # the new post: its first snapshot
    third = runner.invoke(app, ["-w", str(tmp_path / "ws"), "collect", "--plan"])
    assert "0 readings due" in third.output, third.output  # none twice

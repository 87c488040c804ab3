"""The run and its collectors (#16 follow-ups): workspace and close() handed to collectors, YouTube
quota carried over within a Pacific day, posts-only counts checked against the workspace, the raw
archive's retention."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from shailoo.collect.base import Batch, CollectError
from shailoo.collect.credentials import Credentials
from shailoo.errors import UsageError
from shailoo.collect import run as run_module
from shailoo.collect.run import Options, collect, reimport
from tests.collect.helpers import Clock, register
from tests.collect.test_run import TOKEN, _run
from tests.collect.vk_wall import START, VkApi, make_posts

REGISTRY = "shailoo.collect.registry"


def _use(monkeypatch, platform: str, cls_name: str, method: str = "web") -> None:
    from shailoo.collect import registry

    monkeypatch.setitem(registry.COLLECTORS, platform, {method: ("tests.collect.test_run_followup", cls_name)})


def _append_config(ws, text: str) -> None:
    path = ws.path / "shailoo.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text + "\n", encoding="utf-8")


# ---- 1. the run hands the workspace to collectors and closes them ---------------------------------

class Recorder:
    """A collector without HTTP that remembers how it was built and whether it was closed."""

    platform, method, base_url, archives_batches = "telegram", "fake", "", True
    built: list[dict] = []
    closed: list[str] = []
    behaviour = "ok"  # ok, fail, interrupt

    def __init__(self, http, credentials, *, workspace=None, now=None):
        Recorder.built.append({"workspace": workspace})

    def new_posts(self, account, cursor, since):
        if Recorder.behaviour == "fail":
            raise CollectError("the channel went away.")
        if Recorder.behaviour == "interrupt":
            raise KeyboardInterrupt
        yield Batch("telethon", "none.jsonl", b"", START, cursor={"last_id": 1})

    def readings(self, account, ids):
        return iter(())

    def close(self):
        Recorder.closed.append(Recorder.behaviour)


@pytest.mark.parametrize("behaviour", ["ok", "fail", "interrupt"])
def test_collectors_get_the_workspace_and_are_closed(workspace, monkeypatch, behaviour):
    import importlib

    _use(monkeypatch, "telegram", "Recorder")
    # the registry imports this file as tests.collect.test_run_followup: that module's class is the one built
    recorder = importlib.import_module("tests.collect.test_run_followup").Recorder
    monkeypatch.setattr(recorder, "built", [])
    monkeypatch.setattr(recorder, "closed", [])
    monkeypatch.setattr(recorder, "behaviour", behaviour)
    register(workspace, [("A", "telegram", None, "chan")])
    summary = collect(workspace, Options(), credentials=Credentials({}, keyring=None), now=Clock(START))
    assert recorder.built == [{"workspace": workspace.path}]
    assert recorder.closed == [behaviour]
    assert summary.interrupted == (behaviour == "interrupt")


def test_mtproto_session_beside_the_workspace_and_disconnected(workspace, monkeypatch):
    pytest.importorskip("telethon")
    from tests.collect import test_telegram_mtproto as tm

    client = tm.FakeClient()
    monkeypatch.setattr("shailoo.collect.telegram_mtproto._default_client", lambda *a: client)
    workspace.con.execute("INSERT INTO actors (actor_id, name, category) VALUES (1, 'News', 'media')")
    workspace.con.execute("INSERT INTO actor_accounts VALUES (1, 'telegram', ?, 'kg_demo_news', NULL)",
                          [str(tm.CHANNEL_ID)])
    seen = []
    real_init = __import__("shailoo.collect.telegram_mtproto", fromlist=["x"]).TelegramMtprotoCollector.__init__

    def spy(self, *args, **kw):
        real_init(self, *args, **kw)
        seen.append(self.session)

    monkeypatch.setattr("shailoo.collect.telegram_mtproto.TelegramMtprotoCollector.__init__", spy)
    summary = collect(workspace, Options(method="mtproto"), credentials=tm.CREDENTIALS,
                      now=Clock(datetime(2024, 11, 20, tzinfo=timezone.utc)))
    tg = summary.platforms["telegram"]
    assert tg.failures == [] and tg.accounts_done == 1
    assert seen == [workspace.path.parent / f"{workspace.path.name}.telegram.session"]
    assert client.calls[-1] == ("disconnect",)
    # 3. posts only: the counts are the workspace's
    assert tg.posts_new == workspace.con.execute(
        "SELECT count(*) FROM posts WHERE platform = 'telegram'").fetchone()[0] == 5


# ---- 2. YouTube's quota is carried over within a Pacific day ---------------------------------------

def _youtube(workspace, server, clock):
    from tests.collect import test_youtube as yt

    credentials = Credentials(environ={"SHAILOO_YOUTUBE_KEY": yt.KEY}, keyring=None)
    options = Options(platforms=["youtube"], api_base=server.url + yt.PREFIX)
    return collect(workspace, options, credentials=credentials, now=clock, http_options={"sleep": lambda s: None})


@pytest.fixture
def youtube(server, workspace, tmp_path):
    from shailoo.actors import import_registry
    from tests.collect import test_youtube as yt

    api = yt.FakeYouTube(videos=60)
    api.install(server)
    registry = tmp_path / "actors.csv"
    registry.write_text("name,category,platform,account_id,handle,url\n"
                        "Test News,media,youtube,,shailootestnews,\n", encoding="utf-8")
    import_registry(workspace, registry)
    return api


def test_youtube_units_carry_over_between_runs_of_the_same_pacific_day(workspace, server, youtube):
    _append_config(workspace, "[collect]\nyoutube_daily_units = 7")
    clock = Clock(datetime(2024, 5, 4, 12, 0, tzinfo=timezone.utc))  # 05:00 in Los Angeles
    first = _youtube(workspace, server, clock).platforms["youtube"]
    assert first.failures == [] and first.quota.startswith("quota units: 0 before, 5 used, 2 left of 7")
    youtube.add(60)
    clock.at += timedelta(hours=2)  # the same Pacific day
    second = _youtube(workspace, server, clock).platforms["youtube"]
    assert second.quota.startswith("quota units: 5 before, 2 used, 0 left of 7"), second.quota
    assert [f["kind"] for f in second.failures] == ["QuotaExhausted"]
    clock.at += timedelta(days=1)  # a new Pacific day starts from 0 again
    third = _youtube(workspace, server, clock).platforms["youtube"]
    assert third.quota.startswith("quota units: 0 before"), third.quota


# ---- 3. posts_new and posts_updated count posts only ----------------------------------------------

def _posts(ws, platform: str) -> int:
    return ws.con.execute("SELECT count(*) FROM posts WHERE platform = ?", [platform]).fetchone()[0]


def test_youtube_counts_are_posts_only(workspace, server, youtube):
    clock = Clock(datetime(2024, 5, 4, 12, 0, tzinfo=timezone.utc))
    first = _youtube(workspace, server, clock).platforms["youtube"]
    assert first.posts_new == _posts(workspace, "youtube") == 60  # the channel's account record is not a post
    again = _youtube(workspace, server, clock).platforms["youtube"]
    assert (again.posts_new, again.posts_updated) == (0, 0)


def test_vk_counts_are_posts_only(workspace, server, fake_time):
    api = VkApi(token=TOKEN)
    api.install(server)
    api.add_wall(-5, make_posts(-5, 30))
    register(workspace, [("A", "vk", "-5", None)])
    vk = _run(workspace, server, fake_time, Clock(START + timedelta(days=20))).platforms["vk"]
    assert vk.posts_new == _posts(workspace, "vk") == 30


def test_telegram_web_counts_are_posts_only(workspace, server):
    from tests.collect import test_telegram_web as tw

    tw.FakeTme(last=30).install(server)
    register(workspace, [("Chan", "telegram", tw.CHAT, tw.NAME)])
    summary = collect(workspace, Options(api_base=server.url), credentials=Credentials({}, keyring=None),
                      now=Clock(tw.T0 + timedelta(days=2)), http_options={"sleep": lambda s: None})
    tg = summary.platforms["telegram"]
    assert tg.failures == [] and tg.posts_new == _posts(workspace, "telegram") == 30 - 5


# ---- 7. the raw archive's retention -----------------------------------------------------------------

def _archive(ws) -> list[tuple]:
    return ws.con.execute("SELECT run_id, octet_length(body_gz) > 0, purged_at IS NOT NULL FROM collect_archive "
                          "ORDER BY run_id, seq").fetchall()


def test_archived_bodies_are_purged_after_archive_days(workspace, server, fake_time):
    api = VkApi(token=TOKEN)
    api.install(server)
    api.add_wall(-5, make_posts(-5, 10))
    register(workspace, [("A", "vk", "-5", None)])
    _append_config(workspace, "[collect]\narchive_days = 30")
    _run(workspace, server, fake_time, Clock(START + timedelta(days=20)))
    _run(workspace, server, fake_time, Clock(START + timedelta(days=40)))
    assert _archive(workspace) == [(1, True, False), (2, True, False)]
    summary = _run(workspace, server, fake_time, Clock(START + timedelta(days=51)))
    assert summary.purged == 1  # run 1's answer is 31 days old
    assert _archive(workspace) == [(1, False, True), (2, True, False), (3, True, False)]
    row = workspace.con.execute("SELECT sha256, size FROM collect_archive WHERE run_id = 1").fetchone()
    assert len(row[0]) == 64 and row[1] > 0  # the metadata row stays
    with pytest.raises(UsageError, match="The 1 bodies any run imported were purged"):
        reimport(workspace)  # nothing left to re-import: the sentence says why


def test_purge_archive_before_a_day_and_reimport_says_what_was_purged(workspace, server, fake_time):
    api = VkApi(token=TOKEN)
    api.install(server)
    api.add_wall(-5, make_posts(-5, 10, start=START - timedelta(days=30)))
    register(workspace, [("A", "vk", "-5", None)])
    _run(workspace, server, fake_time, Clock(START + timedelta(days=1)))
    api.add_wall(-5, make_posts(-5, 15, start=START - timedelta(days=30)))  # 5 new posts
    _run(workspace, server, fake_time, Clock(START + timedelta(days=3)))
    assert run_module.purge_archive(workspace, before=START + timedelta(days=2)) == 1
    assert sorted(set(_archive(workspace))) == [(1, False, True), (2, True, False)]
    left = len(_archive(workspace)) - 1
    again = reimport(workspace)
    assert again.unavailable == 1 and again.platforms["vk"].posts_new == 0
    assert run_module.purge_archive(workspace) == left and run_module.purge_archive(workspace) == 0
    with pytest.raises(UsageError, match="purged"):
        reimport(workspace)


def test_a_purged_body_is_gone_from_the_workspace_file(workspace, server, fake_time):
    api = VkApi(token=TOKEN)
    api.install(server)
    api.add_wall(-5, make_posts(-5, 40))
    register(workspace, [("A", "vk", "-5", None)])
    _run(workspace, server, fake_time, Clock(START + timedelta(days=1)))
    blob = workspace.con.execute("SELECT body_gz FROM collect_archive WHERE run_id = 1").fetchone()[0]
    workspace.con.execute("CHECKPOINT")
    db = workspace.path / "shailoo.duckdb"
    probe = blob[len(blob) // 2:len(blob) // 2 + 64]
    assert probe in db.read_bytes()
    assert run_module.purge_archive(workspace) == 1
    assert probe not in db.read_bytes()
    assert workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0] == 40  # what it brought stays


@pytest.mark.parametrize("line", ["youtube_daily_units = 0", "youtube_daily_units = \"lots\"", "archive_days = -1",
                                  "archive_days = true"])
def test_bad_collect_settings_are_one_sentence(workspace, line):
    from shailoo.collect.schedule import collect_settings
    from shailoo.errors import ConfigError

    _append_config(workspace, "[collect]\n" + line)
    with pytest.raises(ConfigError, match=line.split()[0]):
        collect_settings(workspace)

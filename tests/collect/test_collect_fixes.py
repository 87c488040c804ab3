"""The review's findings on collection (issue #16), each fixed for its whole class: these tests cover
the cases next to the reviewer's examples (tests/collect/review/test_review_collect.py)."""

from __future__ import annotations

import gzip
import json
import logging
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest

from shailoo.collect.base import Account, LayoutChanged, QuotaExhausted, plausible_ids, shown
from shailoo.collect.credentials import Credentials
from shailoo.collect.http import HttpClient, shown_url
from shailoo.collect.run import Options, collect
from shailoo.collect.telegram_web import TelegramWebCollector
from shailoo.collect.youtube import YouTubeCollector
from shailoo.importers import telegram_web as web
from tests.collect.helpers import Clock, register
from tests.collect.replay import Reply
from tests.collect.test_telegram_web import DATA, render
from tests.collect.vk_wall import START, VkApi, make_posts

TOKEN = "vk1.a.fixes-token-SECRET"
T0 = datetime(2024, 10, 1, tzinfo=timezone.utc)


def _run(ws, server, fake_time, clock, prefix="", debug=False, **kw):
    options = Options(api_base=server.url + prefix, **kw)
    return collect(ws, options, credentials=Credentials({"SHAILOO_VK_TOKEN": TOKEN}, keyring=None), now=clock,
                   http_options={"sleep": fake_time.sleep, "clock": fake_time.clock, "retries": 1}, debug=debug)


def _tme(name: str, ids: list[int]) -> bytes:
    page = render(ids, {}, lambda i: T0 + timedelta(seconds=i % 100_000))
    return page.replace("demo_chan", name).encode("utf-8")


def _archive(ws) -> bytes:
    rows = ws.con.execute("SELECT body_gz FROM collect_archive WHERE purged_at IS NULL").fetchall()
    return b"".join(gzip.decompress(r[0]) for r in rows)


def _ids(ws) -> set[str]:
    return {r[0] for r in ws.con.execute("SELECT platform_post_id FROM posts").fetchall()}


# 1: one account's trouble is one sentence -------------------------------------------------------
def test_a_page_larger_than_the_importer_reads_is_a_layout_change(server):
    big = render([1], {}, lambda i: T0).replace("</body>", "<!--" + "x" * web.MAX_PAGE_BYTES + "--></body>")
    server.route("/s/chan_big", Reply(200, big.encode("utf-8")))
    collector = TelegramWebCollector(HttpClient(server.url, platform="telegram", rate_per_second=None), None)
    with pytest.raises(LayoutChanged, match="more than the 10 MB"):
        list(collector.new_posts(Account("telegram", 1, None, "chan_big"), None, None))


def test_a_page_naming_no_channel_is_a_layout_change(server):
    bad = render([5], {}, lambda i: T0).replace('<div class="tgme_channel_info_header_username">'
                                                '<a href="https://t.me/demo_chan">@demo_chan</a></div>', "")
    bad = bad.replace('data-post="demo_chan/', 'data-post="ab/').replace('data-peer="c1500900100_', 'data-x="')
    server.route("/s/chan_a", Reply(200, bad.encode("utf-8")))
    collector = TelegramWebCollector(HttpClient(server.url, platform="telegram", rate_per_second=None), None)
    with pytest.raises(LayoutChanged, match="names no channel"):
        list(collector.new_posts(Account("telegram", 1, None, "chan_a"), None, None))


def test_an_internal_error_costs_one_account_and_is_logged_only_with_debug(workspace, server, fake_time,
                                                                            monkeypatch, caplog):
    import shailoo.collect.telegram_web as collector_module

    real = collector_module.TelegramWebCollector._first_run

    def broken(self, name, since):
        if name == "chan_a":
            raise TypeError("a bug \x1b[31m")
        return real(self, name, since)

    monkeypatch.setattr(collector_module.TelegramWebCollector, "_first_run", broken)
    server.route("/s/chan_b", Reply(200, _tme("chan_b", [1, 2, 3])))
    register(workspace, [("A", "telegram", None, "chan_a"), ("B", "telegram", None, "chan_b")])
    with caplog.at_level(logging.ERROR, logger="shailoo.collect"):
        summary = _run(workspace, server, fake_time, Clock(T0 + timedelta(days=1)), platforms=["telegram"])
    tg = summary.platforms["telegram"]
    assert tg.accounts_done == 1 and [f["kind"] for f in tg.failures] == ["InternalError"]
    assert "an internal error (TypeError)" in tg.failures[0]["message"] and "\x1b" not in tg.failures[0]["message"]
    assert not caplog.records  # the traceback only with --debug
    assert workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0] == 3

    workspace.con.execute("DELETE FROM collect_cursors")
    with caplog.at_level(logging.ERROR, logger="shailoo.collect"):
        _run(workspace, server, fake_time, Clock(T0 + timedelta(days=1)), platforms=["telegram"], debug=True)
    assert [r.exc_info[0] for r in caplog.records] == [TypeError]


# 2: cursors only from what the importer reads ----------------------------------------------------
def test_plausible_ids_leave_out_ids_beyond_an_absurd_gap():
    assert plausible_ids([3, 1, 2, 999_999_999_999]) == [1, 2, 3]
    assert plausible_ids([4, 5, 10**12], floor=3) == [4, 5]
    assert plausible_ids([1, 5_000_000, 5_000_001, 5_000_002]) == [5_000_000, 5_000_001, 5_000_002]
    assert plausible_ids([]) == [] and plausible_ids([10**12], floor=3) == []


@pytest.mark.parametrize("absurd", [{"id": 999_999_999_999}, {"owner_id": -6, "id": 900}])
def test_vk_cursor_ignores_an_absurd_or_foreign_id(workspace, server, fake_time, absurd):
    api = VkApi(token=TOKEN)
    posts = make_posts(-5, 3)
    api.add_wall(-5, posts + [{**posts[0], **absurd}])
    api.install(server)
    register(workspace, [("A", "vk", "-5", None)])
    clock = Clock(START + timedelta(hours=5))
    _run(workspace, server, fake_time, clock, prefix="/method/", platforms=["vk"])
    cursor = json.loads(workspace.con.execute("SELECT cursor FROM collect_cursors").fetchone()[0])
    assert cursor["last_id"] == 3
    api.add_wall(-5, api.walls[-5] + make_posts(-5, 2, start=START + timedelta(hours=3), first_id=4))
    clock.at += timedelta(hours=1)
    _run(workspace, server, fake_time, clock, prefix="/method/", platforms=["vk"])
    assert {"-5_4", "-5_5"} <= _ids(workspace)
    assert "-6_900" not in _ids(workspace)  # another wall's item is never imported from this wall's answer


def test_web_readings_and_walks_ignore_another_channels_messages(server):
    body = _tme("chan_x", [1, 2, 3]).decode("utf-8")
    foreign = _tme("otherchan", [999_999]).decode("utf-8")
    msg = foreign[foreign.index('<div class="tgme_widget_message_wrap'):foreign.rindex("</section>")]
    body = body[:body.rindex("</section>")] + msg + body[body.rindex("</section>"):]
    server.route("/s/chan_x", Reply(200, body.encode("utf-8")))
    collector = TelegramWebCollector(HttpClient(server.url, platform="telegram", rate_per_second=None), None)
    batches = list(collector.new_posts(Account("telegram", 1, None, "chan_x"), None, None))
    assert batches[-1].cursor == {"last_id": 3} and batches[0].posts_seen == 3


# 3: a person's page leaves nothing ---------------------------------------------------------------
def test_a_telegram_users_page_leaves_nothing_in_the_archive(workspace, server, fake_time):
    person = (DATA / "no_preview.html").read_text(encoding="utf-8").replace("Closed channel", "Айгуль Частнова")
    person = person.replace("2 345 subscribers", "@aigul_private")
    server.route("/s/aigul_private", Reply(200, person.encode("utf-8")))
    server.route("/s/chan_b", Reply(200, _tme("chan_b", [1, 2])))
    register(workspace, [("A", "telegram", None, "aigul_private"), ("B", "telegram", None, "chan_b")])
    summary = _run(workspace, server, fake_time, Clock(T0 + timedelta(days=1)), platforms=["telegram"])
    assert [f["kind"] for f in summary.platforms["telegram"].failures] == ["AccountUnavailable"]
    assert "Частнова".encode("utf-8") not in _archive(workspace)
    assert workspace.con.execute("SELECT count(*) FROM collect_archive").fetchone()[0] == 1  # chan_b's page


def test_a_vk_person_by_short_name_is_refused_before_its_wall_is_asked_for(workspace, server, fake_time):
    api = VkApi(token=TOKEN)
    api.add_wall(77, make_posts(77, 3), screen_name="someone")
    api.install(server)
    register(workspace, [("P", "vk", None, "someone")])
    _run(workspace, server, fake_time, Clock(START + timedelta(days=5)), prefix="/method/", platforms=["vk"])
    assert server.count("/method/wall.get") == 0 and server.count("/method/utils.resolveScreenName") == 1
    assert workspace.con.execute("SELECT count(*) FROM collect_archive").fetchone()[0] == 0


# 4: persons' names are not archived -------------------------------------------------------------
def test_persons_names_of_a_wall_page_are_not_archived(workspace, server, fake_time):
    member = {**make_posts(-5, 1)[0], "from_id": 777}  # a member's post on the community's wall
    body = {"count": 1, "items": [member], "groups": [{"id": 5, "name": "Партия", "screen_name": "party"}],
            "profiles": [{"id": 777, "first_name": "Айгуль", "last_name": "Частнова", "screen_name": "aigul777"}]}
    server.route("/method/wall.get", Reply.json({"response": body}))
    register(workspace, [("A", "vk", "-5", None)])
    _run(workspace, server, fake_time, Clock(START + timedelta(hours=2)), prefix="/method/", platforms=["vk"])
    assert workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0] == 1
    archived = _archive(workspace)
    assert "Частнова".encode("utf-8") not in archived and "Партия".encode("utf-8") in archived


# 5: platforms without a collector ---------------------------------------------------------------
def _cli_workspace(workspace, rows):
    register(workspace, rows)
    workspace.con.execute("CHECKPOINT")
    path = workspace.path
    workspace.close()
    return path


def test_cli_notes_platforms_without_a_collector_and_exits_0(workspace, runner):
    from shailoo.cli.main import app

    path = _cli_workspace(workspace, [("B", "facebook", "100200300", "partypage"), ("C", "facebook", "9", None)])
    result = runner.invoke(app, ["-w", str(path), "collect"])
    assert result.exit_code == 0, result.output
    assert "not collectable: facebook (2 accounts): import their exports" in result.output
    plan = runner.invoke(app, ["-w", str(path), "collect", "--plan"])
    assert plan.exit_code == 0 and "not collectable: facebook (2 accounts)" in plan.output


def test_cli_refuses_an_explicit_platform_without_a_collector(workspace, runner):
    from shailoo.cli.main import app

    path = _cli_workspace(workspace, [("B", "facebook", "100200300", "partypage")])
    result = runner.invoke(app, ["-w", str(path), "collect", "--platform", "facebook"])
    assert result.exit_code == 1 and "Facebook has no open API" in result.output
    assert len(result.output.strip().splitlines()) == 1


# 6: platform text cannot drive the terminal ---------------------------------------------------------
def test_shown_removes_escape_sequences_and_controls():
    assert shown("Access denied\x1b]0;pwned\x07\x1b[2J\x1b[31m!\x9b1m\nnext\x00") == "Access denied! next"
    assert len(shown("x" * 1000, 100)) == 100


def test_a_youtube_error_message_is_printable(server):
    error = {"error": {"code": 400, "message": "Bad\x1b[2J request\x07", "errors": [{"reason": "bad\x1b]0;x\x07"}]}}
    server.route("/yt/channels", Reply.json(error, status=400))
    http = HttpClient(server.url + "/yt", platform="youtube", rate_per_second=None, retries=0)
    collector = YouTubeCollector(http, {"youtube_key": "AIzaKEY-0123456789"}, now=lambda: T0)
    with pytest.raises(Exception) as caught:
        list(collector.new_posts(Account("youtube", 1, "UC" + "a" * 22, None), None, None))
    assert "\x1b" not in str(caught.value) and "\x07" not in str(caught.value) and "Bad request" in str(caught.value)


# 8: paging in circles ---------------------------------------------------------------------------------
def test_vk_comments_paging_stops_when_pages_repeat(workspace, server, fake_time):
    api = VkApi(token=TOKEN)
    api.add_wall(-5, make_posts(-5, 1, comments=5))
    api.install(server)
    item = {"id": 9001, "from_id": 777, "post_id": 1, "owner_id": -5, "date": int(START.timestamp()) + 60, "text": "к"}
    server.route("/method/wall.getComments", Reply.json({"response": {"count": 10**9, "items": [item]}}))
    register(workspace, [("A", "vk", "-5", None)])
    _run(workspace, server, fake_time, Clock(START + timedelta(hours=2)), prefix="/method/", platforms=["vk"],
         comments=True)
    assert server.count("/method/wall.getComments") <= 4


# 9: --api-base credentials ------------------------------------------------------------------------------
def test_cli_refuses_credentials_in_the_api_base(workspace, runner):
    from shailoo.cli.main import app

    path = _cli_workspace(workspace, [("A", "vk", "-5", None)])
    result = runner.invoke(app, ["-w", str(path), "collect", "--api-base", "http://user:PASSWORD@127.0.0.1:9/m/"])
    assert result.exit_code == 1 and "must not hold a user name or password" in result.output
    assert "PASSWORD" not in result.output


def test_shown_url_keeps_no_userinfo_query_or_fragment():
    assert shown_url("https://u:p@mirror.example:8443/method/?access_token=x#f") == "https://mirror.example:8443/method/"


def test_a_network_error_never_shows_the_api_base_password(fake_time):
    client = HttpClient("http://mirroruser:mirror-PASSWORD@127.0.0.1:9/m/", platform="vk", retries=0,
                        rate_per_second=None, sleep=fake_time.sleep, clock=fake_time.clock)
    with pytest.raises(Exception) as caught:
        client.get("wall.get", {"a": 1})
    client.close()
    assert "mirror-PASSWORD" not in str(caught.value) and "mirror-PASSWORD" not in repr(client)


# 10: every form of an echoed secret ------------------------------------------------------------------
@pytest.mark.parametrize("echo", [lambda s: json.dumps({"t": s}).replace("/", "\\/"),  # PHP's json_encode
                                  lambda s: json.dumps({"t": s}),
                                  lambda s: json.dumps({"u": "x?t=" + re.sub(r"%[0-9A-F]{2}", lambda m: m[0].lower(),
                                                                               quote(s, safe=""))})])
def test_an_echoed_secret_is_scrubbed_in_every_form(server, fake_time, echo):
    secret = "tok/en+with=chars\"é"
    server.route("/echo", lambda req: Reply(200, echo(req.params["access_token"]).encode("utf-8")))
    got = []
    client = HttpClient(server.url, platform="vk", rate_per_second=None, on_exchange=got.append,
                        sleep=fake_time.sleep, clock=fake_time.clock)
    client.get("/echo", {"a": 1}, secret_params={"access_token": secret})
    client.close()
    body = got[0].body.decode()
    assert "tok" not in body and "chars" not in body and "***" in body


# 11: YouTube's budget before every request ----------------------------------------------------------
def test_youtube_never_sends_more_requests_than_the_quota_left(server, fake_time):
    server.route("/yt/channels", Reply(500, b"busy"))
    http = HttpClient(server.url + "/yt", platform="youtube", rate_per_second=None, retries=5,
                      sleep=fake_time.sleep, clock=fake_time.clock)
    collector = YouTubeCollector(http, {"youtube_key": "AIzaKEY-0123456789"}, daily_units=10, units_spent=8,
                                 now=lambda: T0)
    with pytest.raises(QuotaExhausted, match="0 of 10 are left"):
        list(collector.new_posts(Account("youtube", 1, "UC" + "a" * 22, None), None, None))
    assert server.count() == 2 and collector.units_used == 2 and collector.units_left == 0


def test_youtube_redirect_hops_are_within_the_budget(server, fake_time):
    server.route("/yt/channels", Reply(302, headers={"Location": "/yt/moved"}))
    server.route("/yt/moved", Reply(302, headers={"Location": "/yt/channels"}))
    http = HttpClient(server.url + "/yt", platform="youtube", rate_per_second=None, retries=0,
                      sleep=fake_time.sleep, clock=fake_time.clock)
    collector = YouTubeCollector(http, {"youtube_key": "AIzaKEY-0123456789"}, daily_units=3, now=lambda: T0)
    with pytest.raises(QuotaExhausted):
        list(collector.new_posts(Account("youtube", 1, "UC" + "a" * 22, None), None, None))
    assert server.count() == 3 and collector.units_used == 3

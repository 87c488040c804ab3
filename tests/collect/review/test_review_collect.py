"""Independent review of the collection code (issue #16): each test proves one finding and is
marked xfail(strict=True) until it is fixed; the fixer removes the mark."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone


from shailoo.collect.credentials import Credentials
from shailoo.collect.http import HttpClient
from shailoo.collect.run import Options, collect
from tests.collect.helpers import Clock, register
from tests.collect.replay import Recorded, Reply
from tests.collect.test_telegram_web import render
from tests.collect.vk_wall import START, VkApi, make_posts

TOKEN = "vk1.a.review-token-SECRET"
T0 = datetime(2024, 10, 1, tzinfo=timezone.utc)


def _run(ws, server, fake_time, clock, prefix="", **kw):
    options = Options(api_base=server.url + prefix, **kw)
    return collect(ws, options, credentials=Credentials({"SHAILOO_VK_TOKEN": TOKEN}, keyring=None), now=clock,
                   http_options={"sleep": fake_time.sleep, "clock": fake_time.clock, "retries": 1})


def _tme(name: str, ids: list[int], chat: str = "1500900100") -> bytes:
    """A t.me/s page of channel `name` with these message ids (the fixture page of the t.me tests)."""
    page = render(ids, {}, lambda i: T0 + timedelta(seconds=i % 100_000))
    return page.replace("demo_chan", name).replace("1500900100", chat).encode("utf-8")


def _archive_bodies(ws) -> bytes:
    import gzip

    return b"".join(gzip.decompress(r[0]) for r in ws.con.execute("SELECT body_gz FROM collect_archive").fetchall())


# 1 ------------------------------------------------------------------------------------------------
def test_an_importer_refusal_fails_one_account_not_the_run(workspace, server, fake_time):
    # chan_a's page passes the collector's checks (header, history, data-post ids) but names no channel
    # the importer can key (no header username, 'ab' is too short a username, no data-peer): WrongFormat.
    bad = render([5], {}, lambda i: T0).replace('<div class="tgme_channel_info_header_username">'
                                                '<a href="https://t.me/demo_chan">@demo_chan</a></div>', "")
    bad = bad.replace('data-post="demo_chan/', 'data-post="ab/').replace('data-peer="c1500900100_', 'data-x="')
    server.route("/s/chan_a", Reply(200, bad.encode("utf-8")))
    server.route("/s/chan_b", Reply(200, _tme("chan_b", [1, 2, 3])))
    register(workspace, [("A", "telegram", None, "chan_a"), ("B", "telegram", None, "chan_b")])
    summary = _run(workspace, server, fake_time, Clock(T0 + timedelta(days=1)), platforms=["telegram"])
    tg = summary.platforms["telegram"]
    assert tg.accounts_done == 1 and len(tg.failures) == 1
    assert workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0] == 3


# 2 ------------------------------------------------------------------------------------------------
def test_web_cursor_never_passes_messages_the_importer_did_not_read(workspace, server, fake_time):
    ids = list(range(1, 2051))  # more than the importer's 2,000 messages a page

    def page(req: Recorded) -> Reply:
        after = int(req.params.get("after", 0))
        return Reply(200, _tme("chan_big", [i for i in ids if i > after]))

    server.route("/s/chan_big", page)
    register(workspace, [("A", "telegram", None, "chan_big")])
    clock = Clock(T0 + timedelta(hours=2))  # no reading due yet: only the new-posts path is exercised
    _run(workspace, server, fake_time, clock, platforms=["telegram"])
    clock.at += timedelta(hours=1)
    _run(workspace, server, fake_time, clock, platforms=["telegram"])
    assert workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0] == 2050


def test_web_cursor_ignores_an_absurd_foreign_id(workspace, server, fake_time):
    state = {"ids": [1, 2, 3]}

    def page(req: Recorded) -> Reply:
        after = int(req.params.get("after", 0))
        body = _tme("chan_x", [i for i in state["ids"] if i > after]).decode("utf-8")
        if state["ids"] == [1, 2, 3]:  # the first page also shows another channel's message with a huge id
            foreign = _tme("otherchan", [999_999_999_999]).decode("utf-8")
            msg = foreign[foreign.index('<div class="tgme_widget_message_wrap'):foreign.rindex("</section>")]
            body = body[:body.rindex("</section>")] + msg + body[body.rindex("</section>"):]
        return Reply(200, body.encode("utf-8"))

    server.route("/s/chan_x", page)
    register(workspace, [("A", "telegram", None, "chan_x")])
    clock = Clock(T0 + timedelta(hours=2))  # no reading due yet: only the new-posts path is exercised
    _run(workspace, server, fake_time, clock, platforms=["telegram"])
    state["ids"] = [1, 2, 3, 4, 5]  # the channel posts again
    clock.at += timedelta(hours=1)
    _run(workspace, server, fake_time, clock, platforms=["telegram"])
    ids = {r[0] for r in workspace.con.execute("SELECT platform_post_id FROM posts").fetchall()}
    assert {"1500900100/4", "1500900100/5"} <= ids


# 3 ------------------------------------------------------------------------------------------------
def test_a_person_wall_by_short_name_leaves_nothing_in_the_archive(workspace, server, fake_time):
    api = VkApi(token=TOKEN)
    person = make_posts(1, 3)
    for p in person:
        p["text"] = "Личный пост частного лица"
    api.add_wall(1, person, screen_name="some.person")
    api.install(server)
    register(workspace, [("P", "vk", None, "some.person")])
    summary = _run(workspace, server, fake_time, Clock(START + timedelta(days=5)), prefix="/method/", platforms=["vk"])
    assert [f["kind"] for f in summary.platforms["vk"].failures] == ["AccountUnavailable"]
    assert "Личный пост".encode("utf-8") not in _archive_bodies(workspace)


# 4 ------------------------------------------------------------------------------------------------
def test_registered_platforms_without_a_collector_are_not_failures(workspace, server, fake_time):
    api = VkApi(token=TOKEN)
    api.add_wall(-5, make_posts(-5, 3))
    api.install(server)
    register(workspace, [("A", "vk", "-5", None), ("B", "facebook", "100200300", "partypage"),
                          ("C", "ok", "555", None)])
    summary = _run(workspace, server, fake_time, Clock(START + timedelta(days=5)), prefix="/method/")
    assert summary.platforms["vk"].posts_new == 3
    assert summary.failures == 0


# 5 ------------------------------------------------------------------------------------------------
def test_every_request_on_the_wire_is_a_rate_limited_start(server, fake_time):
    server.route("/a", Reply(302, headers={"Location": "/b"}))
    server.route("/b", Reply(302, headers={"Location": "/c"}))
    server.route("/c", Reply.json({"ok": 1}))
    client = HttpClient(server.url, platform="vk", rate_per_second=1.0, sleep=fake_time.sleep, clock=fake_time.clock)
    for _ in range(3):
        client.get("/a")
    client.close()
    assert server.count() == len(client.request_starts)


# 6 ------------------------------------------------------------------------------------------------
def test_a_platform_error_message_cannot_drive_the_terminal(workspace, server, fake_time, runner, monkeypatch):
    from shailoo.cli.main import app

    api = VkApi(token=TOKEN)
    api.add_wall(-5, make_posts(-5, 3))
    api.errors[-5] = (15, "Access denied\x1b]0;pwned\x07\x1b[2J\x1b[31m")
    api.install(server)
    register(workspace, [("A", "vk", "-5", None)])
    workspace.con.execute("CHECKPOINT")
    path = workspace.path
    workspace.close()
    monkeypatch.setenv("SHAILOO_VK_TOKEN", TOKEN)
    result = runner.invoke(app, ["-w", str(path), "collect", "--api-base", server.url + "/method/"])
    assert result.exit_code == 1, result.output
    assert "Access denied" in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output


# 7 ------------------------------------------------------------------------------------------------
def test_vk_stops_paging_a_wall_that_answers_the_same_page(workspace, server, fake_time, monkeypatch):
    import shailoo.collect.vk as vk

    monkeypatch.setattr(vk, "_MAX_PAGES", 300)  # the real bound is 100,000 pages (over 9 hours at 3/s)
    items = make_posts(-5, 100)
    server.route("/method/wall.get", Reply.json({"response": {"count": 10**9, "items": items[::-1]}}))
    register(workspace, [("A", "vk", "-5", None)])
    _run(workspace, server, fake_time, Clock(START + timedelta(days=5)), prefix="/method/", platforms=["vk"])
    assert server.count("/method/wall.get") <= 5


# 8 ------------------------------------------------------------------------------------------------
def test_commenters_names_are_not_archived(workspace, server, fake_time):
    api = VkApi(token=TOKEN)
    api.add_wall(-5, make_posts(-5, 1, comments=1))
    api.install(server)

    def comments(req: Recorded) -> Reply:
        item = {"id": 9001, "from_id": 777, "post_id": 1, "owner_id": -5, "date": int(START.timestamp()) + 60,
                "text": "комментарий"}
        body = {"count": 1, "items": [item]}
        if req.params.get("extended") == "1":  # as VK: extended answers carry the commenters' profiles
            body["profiles"] = [{"id": 777, "first_name": "Айгуль", "last_name": "Частнова", "screen_name": "aigul777"}]
        return Reply.json({"response": body})

    server.route("/method/wall.getComments", comments)
    register(workspace, [("A", "vk", "-5", None)])
    _run(workspace, server, fake_time, Clock(START + timedelta(hours=2)), prefix="/method/", platforms=["vk"],
         comments=True)
    assert workspace.con.execute("SELECT count(*) FROM posts WHERE post_type = 'comment'").fetchone()[0] == 1
    assert "Частнова".encode("utf-8") not in _archive_bodies(workspace)


# 9 ------------------------------------------------------------------------------------------------
def test_an_echoed_url_encoded_secret_is_scrubbed_before_archiving(server, fake_time):
    from urllib.parse import urlencode

    secret = "tok/en+with=chars"  # a keyring entry may hold any characters
    server.route("/echo", lambda req: Reply.json({"url": "/echo?" + urlencode(req.params)}))
    got = []
    client = HttpClient(server.url, platform="vk", rate_per_second=None, on_exchange=got.append,
                        sleep=fake_time.sleep, clock=fake_time.clock)
    client.get("/echo", {"a": 1}, secret_params={"access_token": secret})
    client.close()
    body = got[0].body.decode()
    assert "tok%2Fen%2Bwith%3Dchars" not in body and secret not in body


# 10 -----------------------------------------------------------------------------------------------
def test_credentials_in_the_api_base_url_are_not_stored(workspace, server, fake_time):
    api = VkApi(token=TOKEN)
    api.add_wall(-5, make_posts(-5, 2))
    api.install(server)
    register(workspace, [("A", "vk", "-5", None)])
    base = server.url.replace("http://", "http://mirroruser:mirror-PASSWORD@") + "/method/"
    options = Options(api_base=base, platforms=["vk"])
    collect(workspace, options, credentials=Credentials({"SHAILOO_VK_TOKEN": TOKEN}, keyring=None),
            now=Clock(START + timedelta(days=5)), http_options={"sleep": fake_time.sleep, "clock": fake_time.clock})
    stored = workspace.con.execute("SELECT string_agg(options, ' ') FROM collect_runs").fetchone()[0]
    stored += workspace.con.execute("SELECT string_agg(coalesce(url, ''), ' ') FROM collect_archive").fetchone()[0]
    assert workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0] == 2
    assert "mirror-PASSWORD" not in stored

"""The t.me/s collector against the replay server: paging both ways, cursor, resuming, readings,
deleted posts, unavailable channels, a changed layout, hostile text and the 1 request/second rate."""

from __future__ import annotations

import html
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from shailoo.collect.base import Account, AccountUnavailable, Batch, CollectError, LayoutChanged
from shailoo.collect.http import HttpClient
from shailoo.collect.telegram_web import TelegramWebCollector, channel_name
from shailoo.importers import telegram_web as importer
from shailoo.importers.base import Source
from shailoo.records import PostRecord
from tests.collect.replay import Recorded, Reply, ReplayServer

DATA = Path(__file__).parent / "data" / "telegram_web"
NAME, CHAT, TITLE = "demo_chan", "1500900100", "Демо канал"
T0 = datetime(2024, 10, 1, tzinfo=timezone.utc)
DELETED = {10, 11, 12, 13, 14, 33}
ACCOUNT = Account("telegram", 3, CHAT, NAME)
PAGE = 20  # messages t.me shows per page


def _fill(template: str, **values: object) -> str:
    for key, value in values.items():
        template = template.replace("{" + key + "}", str(value))
    return template


class FakeTme:
    """t.me/s/NAME for one channel: the newest page, ?before=ID and ?after=ID, 20 messages each."""

    def __init__(self, last: int = 60, texts: dict[int, str] | None = None) -> None:
        self.ids = [i for i in range(1, last + 1) if i not in DELETED]
        self.texts = texts or {}

    def install(self, server: ReplayServer) -> None:
        server.route(f"/s/{NAME}", self.page)

    def time_of(self, i: int) -> datetime:
        return T0 + timedelta(hours=i)

    def page(self, req: Recorded) -> Reply:
        if "before" in req.params:
            shown = [i for i in self.ids if i < int(req.params["before"])][-PAGE:]
        elif "after" in req.params:
            shown = [i for i in self.ids if i > int(req.params["after"])][:PAGE]
        else:
            shown = self.ids[-PAGE:]
        return Reply(200, render(shown, self.texts, self.time_of).encode("utf-8"),
                     {"Content-Type": "text/html; charset=utf-8"})


def render(ids: list[int], texts: dict[int, str], time_of) -> str:
    message = (DATA / "message.html").read_text(encoding="utf-8")
    messages = "".join(_fill(message, name=NAME, chat=CHAT, title=TITLE, id=i, views=f"{i}.{i % 10}K",
                             text=texts.get(i, html.escape(f"Пост {i}: шайлоо")),
                             time=time_of(i).isoformat()) for i in ids)
    return _fill((DATA / "page.html").read_text(encoding="utf-8"), name=NAME, title=TITLE, messages=messages)


@pytest.fixture
def server():
    with ReplayServer() as srv:
        yield srv


def _collector(server: ReplayServer, **options) -> TelegramWebCollector:
    return TelegramWebCollector(HttpClient(server.url, platform="telegram", rate_per_second=None), None, **options)


def _posts(batches: list[Batch], tmp_path: Path) -> dict[str, PostRecord]:
    posts = {}
    for n, batch in enumerate(batches):
        if not batch.body:
            continue
        path = tmp_path / f"{n}_{batch.filename}"
        path.write_bytes(batch.body)
        posts.update({r.platform_post_id: r for r in importer.read(Source(path)) if isinstance(r, PostRecord)})
    return posts


def test_first_run_pages_back_to_the_first_post(server, tmp_path):
    FakeTme().install(server)
    batches = list(_collector(server).new_posts(ACCOUNT, None, None))
    assert [r.params for r in server.requests] == [{}, {"before": "41"}, {"before": "20"}]
    assert [b.format_id for b in batches] == ["telegram_web"] * 3
    assert [b.posts_seen for b in batches] == [20, 20, 14]
    # the walk is in the cursor until it ends, so an interrupted first run resumes it
    assert [b.cursor for b in batches] == [{"last_id": 60, "before": 41, "since": None},
                                           {"last_id": 60, "before": 20, "since": None}, {"last_id": 60}]
    posts = _posts(batches, tmp_path)
    assert sorted(int(k.split("/")[1]) for k in posts) == FakeTme().ids  # 54: six ids were deleted
    assert all(k.startswith(f"{CHAT}/") for k in posts)


def test_a_walk_that_reaches_the_beginning_clears_itself(server):
    tme = FakeTme(last=40)
    tme.ids = [i for i in tme.ids if i > 5]  # the channel's first posts were deleted
    tme.install(server)
    batches = list(_collector(server).new_posts(ACCOUNT, None, None))
    assert [r.params for r in server.requests] == [{}, {"before": "20"}, {"before": "6"}]
    assert (batches[-1].body, batches[-1].cursor, batches[-1].posts_seen) == (b"", {"last_id": 40}, 0)


def test_first_run_stops_at_since(server):
    tme = FakeTme()
    tme.install(server)
    since = tme.time_of(45)
    batches = list(_collector(server).new_posts(ACCOUNT, None, since))
    assert [r.params for r in server.requests] == [{}]  # the newest page already reaches back before `since`
    assert batches[-1].cursor == {"last_id": 60}
    since = tme.time_of(30)
    server.requests.clear()
    batches = list(_collector(server).new_posts(ACCOUNT, None, since))
    assert [r.params for r in server.requests] == [{}, {"before": "41"}]
    assert batches[-1].cursor == {"last_id": 60}


def test_cursor_follows_forward_and_resumes_per_page(server, tmp_path):
    tme = FakeTme(last=100)
    tme.install(server)
    batches = list(_collector(server).new_posts(ACCOUNT, {"last_id": 45}, None))
    assert [r.params for r in server.requests] == [{"after": "45"}, {"after": "65"}, {"after": "85"}, {"after": "100"}]
    assert [b.cursor for b in batches] == [{"last_id": 65}, {"last_id": 85}, {"last_id": 100}]
    assert sorted(int(k.split("/")[1]) for k in _posts(batches, tmp_path)) == list(range(46, 101))
    server.requests.clear()
    assert list(_collector(server).new_posts(ACCOUNT, {"last_id": 100}, None)) == []
    assert [r.params for r in server.requests] == [{"after": "100"}]


def test_follow_from_a_message_id(server):
    FakeTme().install(server)
    batches = list(_collector(server, from_id=50).new_posts(ACCOUNT, None, None))
    assert [r.params for r in server.requests] == [{"after": "50"}, {"after": "60"}]
    assert [b.cursor for b in batches] == [{"last_id": 60}]


def test_an_interrupted_first_run_finishes_its_walk_then_follows(server, tmp_path):
    tme = FakeTme()
    tme.install(server)
    first = next(iter(_collector(server).new_posts(ACCOUNT, None, None)))
    assert first.cursor == {"last_id": 60, "before": 41, "since": None}
    tme.ids += [61, 62]  # new posts meanwhile
    server.requests.clear()
    batches = list(_collector(server).new_posts(ACCOUNT, first.cursor, None))
    assert [r.params for r in server.requests] == [{"before": "41"}, {"before": "20"}, {"after": "60"},
                                                   {"after": "62"}]
    assert batches[-1].cursor == {"last_id": 62}
    seen = _posts([first, *batches], tmp_path)
    assert sorted(int(k.split("/")[1]) for k in seen) == tme.ids


def test_deleted_posts_are_gaps_and_readings_reread_around_the_posts(server, tmp_path):
    FakeTme().install(server)
    ids = [f"{CHAT}/58", f"{CHAT}/34", f"{CHAT}/12", f"{CHAT}/2"]  # 12 was deleted
    batches = list(_collector(server).readings(ACCOUNT, ids))
    assert [r.params for r in server.requests] == [{"before": "59"}, {"before": "35"}, {"before": "3"}]
    assert any("missing between" in note for note in batches[0].notes + batches[1].notes)
    assert all(b.cursor is None for b in batches)
    posts = _posts(batches, tmp_path)
    assert {f"{CHAT}/58", f"{CHAT}/34", f"{CHAT}/2"} <= set(posts) and f"{CHAT}/12" not in posts
    assert posts[f"{CHAT}/58"].views == 58_800  # '58.8K' as the page shows it


def test_unknown_channel_is_unavailable(server):
    server.route(f"/s/{NAME}", Reply(404, b"<html>Not found</html>"))
    with pytest.raises(AccountUnavailable, match=f"no public channel '{NAME}'"):
        list(_collector(server).new_posts(ACCOUNT, None, None))


def test_private_channel_redirect_is_unavailable(server):
    # t.me redirects /s/NAME of a channel without a preview (or a user, a bot) to its page /NAME
    server.route(f"/s/{NAME}", Reply(302, b"", {"Location": f"/{NAME}"}))
    server.route(f"/{NAME}", Reply(200, (DATA / "no_preview.html").read_bytes(), {"Content-Type": "text/html"}))
    with pytest.raises(AccountUnavailable, match="shows no public preview .a channel page without messages."):
        list(_collector(server).readings(ACCOUNT, [f"{CHAT}/5"]))


def test_changed_layout_names_what_is_missing(server):
    server.route(f"/s/{NAME}", Reply(200, (DATA / "changed_layout.html").read_bytes()))
    with pytest.raises(LayoutChanged, match=r"no channel header \(.tgme_channel_info\)"):
        list(_collector(server).new_posts(ACCOUNT, None, None))
    page = render([1, 2], {}, lambda i: T0).replace('data-post="', 'data-item="')
    server.route(f"/s/{NAME}", Reply(200, page.encode()))
    with pytest.raises(LayoutChanged, match="none has a data-post"):
        list(_collector(server).new_posts(ACCOUNT, None, None))


def test_hostile_text_arrives_as_text(server, tmp_path):
    texts = {60: "&lt;script&gt;alert(1)&lt;/script&gt;<script>alert('run')</script>"
                 '<a href="javascript:alert(2)">Жаңылык</a>'}
    FakeTme(texts=texts).install(server)
    batches = list(_collector(server).new_posts(ACCOUNT, {"last_id": 59}, None))
    post = _posts(batches, tmp_path)[f"{CHAT}/60"]
    assert (post.text, post.link) == ("<script>alert(1)</script>Жаңылык", None)


def test_polite_rate_of_one_request_per_second(server):
    FakeTme().install(server)
    http = HttpClient(server.url, platform="telegram")  # the run's default would be 3 per second
    collector = TelegramWebCollector(http, None)
    assert http.rate_per_second == 1.0 and TelegramWebCollector.rate_per_second == 1.0
    list(collector.new_posts(ACCOUNT, None, None))
    starts = http.request_starts  # the client's own clock: what the limit governs
    assert len(starts) == 3 and all(b - a >= 1.0 for a, b in zip(starts, starts[1:]))
    arrivals = [r.at for r in server.requests]  # the server sees them as far apart, give or take the network
    assert len(arrivals) == 3 and all(b - a >= 0.9 for a, b in zip(arrivals, arrivals[1:]))
    assert server.requests[0].headers["User-Agent"].startswith("shailoo/")
    off = HttpClient(server.url, platform="telegram", rate_per_second=None)
    TelegramWebCollector(off, None)
    assert off.rate_per_second is None  # --no-rate-limit stays off (benchmarks)


def test_the_web_needs_a_username():
    assert channel_name(Account("telegram", 1, None, None, "https://t.me/s/Some_Chan")) == "Some_Chan"
    assert channel_name(Account("telegram", 1, CHAT, "@demo_chan")) == "demo_chan"
    with pytest.raises(CollectError, match="has no public username"):
        channel_name(Account("telegram", 1, CHAT, None))
    with pytest.raises(CollectError):
        channel_name(Account("telegram", 1, None, "../../etc"))


def test_end_to_end_through_the_run(server, workspace, tmp_path):
    """Registered by handle only: the run collects, imports, keeps the cursor, and the next run follows on."""
    run = pytest.importorskip("shailoo.collect.run")
    from shailoo.actors import import_registry

    registry = tmp_path / "actors.csv"
    registry.write_text("name,category,platform,account_id,handle,url\n"
                        f"Демо медиа,media,telegram,,{NAME},\n", encoding="utf-8")
    import_registry(workspace, registry)
    tme = FakeTme()
    tme.install(server)
    clock = [tme.time_of(61)]
    options = run.Options(platforms=["telegram"], api_base=server.url, rate_limit=False)
    summary = run.collect(workspace, options, now=lambda: clock[0])
    assert summary.failures == 0, summary.as_dict()
    assert summary.platforms["telegram"].posts_new == len(tme.ids)  # posts only: the channel's account is not one
    assert workspace.con.execute("SELECT count(*), min(account_id), max(account_id) FROM posts").fetchone() == (
        len(tme.ids), CHAT, CHAT)
    assert workspace.con.execute("SELECT actor_id IS NOT NULL FROM accounts WHERE account_id = ?", [CHAT]).fetchone() == (True,)
    tme.ids += [61, 62]
    server.requests.clear()
    clock[0] += timedelta(days=3)
    summary = run.collect(workspace, options, now=lambda: clock[0])
    assert summary.platforms["telegram"].posts_new == 2
    assert workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0] == len(tme.ids)
    assert [r.params for r in server.requests][:2] == [{"after": "60"}, {"after": "62"}]
    # three days on, the posts are due for their 72 h reading: re-read around them (?before=max+1)
    assert summary.platforms["telegram"].readings >= len(tme.ids) - 2
    assert [r.params for r in server.requests][2] == {"before": "61"}
    assert workspace.con.execute("SELECT count(DISTINCT measured_at) FROM engagement_snapshots").fetchone()[0] == 2

"""The YouTube collector against the replay server: paging, cursor, quota in units, errors, no key kept."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from shailoo.collect.base import (Account, AccountUnavailable, CollectError, CredentialsError, QuotaExhausted,
                                  Throttled)
from shailoo.collect.http import HttpClient
from shailoo.collect.youtube import YouTubeCollector
from shailoo.importers import youtube as importer
from shailoo.importers.base import Source
from shailoo.records import AccountRecord, PostRecord
from tests.collect.replay import Reply, ReplayServer

KEY = "AIzaSyTEST-secret_KEY_0123456789abcdefg"
DATA = Path(__file__).parent / "data" / "youtube"
REAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real" / "youtube"
CHANNEL = "UCshailooTestChannel0001"
UPLOADS = "UUshailooTestChannel0001"
PREFIX = "/youtube/v3"
T0 = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)  # 05:00 in Los Angeles: quota day 2024-06-01
ACCOUNT = Account("youtube", 7, CHANNEL, "shailootestnews")


def _load(name: str):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _error(name: str, status: int) -> Reply:
    return Reply(status, (DATA / "errors" / name).read_bytes(), {"Content-Type": "application/json"})


def make_video(i: int) -> dict:
    video = copy.deepcopy(_load("video.json"))
    video["id"] = f"v{i:010d}"
    video["snippet"]["publishedAt"] = (T0 + timedelta(hours=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
    video["snippet"]["title"] = f"Video {i}"
    video["statistics"] = {"viewCount": str(100 * i), "likeCount": str(i), "commentCount": str(i % 7)}
    return video


class FakeYouTube:
    """channels / playlistItems / videos computed per request from one channel's videos, as the API does."""

    def __init__(self, videos: int = 0, channels: list[dict] | None = None) -> None:
        self.channels = {c["id"]: c for c in channels or _load("channel.json")["items"]}
        self.videos = [make_video(i) for i in range(videos)]  # oldest first; the playlist lists newest first
        self.hidden: list[dict] = []  # playlistItems of private / deleted videos, listed first
        self.gone: set[str] = set()  # listed in the playlist, not returned by videos.list
        self.removed: set[str] = set()  # playlists that answer 404

    def install(self, server: ReplayServer) -> None:
        server.route(f"{PREFIX}/channels", self.channels_list)
        server.route(f"{PREFIX}/playlistItems", self.playlist_items)
        server.route(f"{PREFIX}/videos", self.videos_list)

    def add(self, n: int) -> None:
        start = len(self.videos)
        self.videos += [make_video(i) for i in range(start, start + n)]

    def _bad_key(self, req) -> Reply | None:
        return None if req.params.get("key") == KEY else _error("key_invalid.json", 400)

    def channels_list(self, req) -> Reply:
        if bad := self._bad_key(req):
            return bad
        if "id" in req.params:
            items = [self.channels[i] for i in req.params["id"].split(",") if i in self.channels]
        else:
            handle = req.params["forHandle"].lower()
            items = [c for c in self.channels.values() if (c["snippet"].get("customUrl") or "").lower() == handle]
        return Reply.json({"kind": "youtube#channelListResponse", "items": items})

    def playlist_items(self, req) -> Reply:
        if bad := self._bad_key(req):
            return bad
        uploads = {c["contentDetails"]["relatedPlaylists"]["uploads"] for c in self.channels.values()}
        if req.params["playlistId"] not in uploads - self.removed:
            return _error("playlist_not_found.json", 404)
        listed = self.hidden + [{"kind": "youtube#playlistItem", "contentDetails": {
            "videoId": v["id"], "videoPublishedAt": v["snippet"]["publishedAt"]}, "status": {"privacyStatus": "public"}}
            for v in reversed(self.videos)]
        size = int(req.params.get("maxResults", 5))
        start = int(req.params.get("pageToken", "p0")[1:])
        page = {"kind": "youtube#playlistItemListResponse", "items": listed[start:start + size],
                "pageInfo": {"totalResults": len(listed), "resultsPerPage": size}}
        if start + size < len(listed):
            page["nextPageToken"] = f"p{start + size}"
        return Reply.json(page)

    def videos_list(self, req) -> Reply:
        if bad := self._bad_key(req):
            return bad
        ids = req.params["id"].split(",")
        assert len(ids) <= 50
        known = {v["id"]: v for v in self.videos if v["id"] not in self.gone}
        return Reply.json({"kind": "youtube#videoListResponse", "items": [known[i] for i in ids if i in known]})


@pytest.fixture
def server():
    with ReplayServer() as s:
        yield s


def collector(server, *, exchanges: list | None = None, key: str | None = KEY, **options) -> YouTubeCollector:
    http = HttpClient(server.url + PREFIX, platform="youtube", rate_per_second=None, sleep=lambda s: None,
                      on_exchange=exchanges.append if exchanges is not None else None)
    return YouTubeCollector(http, {"youtube_key": key} if key else {}, now=lambda: NOW, **options)


def run(c: YouTubeCollector, cursor=None, since=None, account=ACCOUNT) -> list:
    return list(c.new_posts(account, cursor, since))


def read_batch(batch, tmp_path: Path) -> list:
    path = tmp_path / batch.filename
    path.write_bytes(batch.body)
    return list(importer.read(Source(path=path)))


def test_first_run_pages_the_uploads_and_reads_the_videos_fifty_at_a_time(server, tmp_path):
    FakeYouTube(videos=120).install(server)
    c = collector(server)
    batches = run(c)
    assert [b.posts_seen for b in batches] == [0, 50, 50, 20]
    assert server.count(f"{PREFIX}/playlistItems") == 3 and server.count(f"{PREFIX}/videos") == 3
    assert c.units_used == 7  # 1 channels + 3 playlistItems + 3 videos
    pages = [r.params for r in server.requests if r.path.endswith("playlistItems")]
    assert [p.get("pageToken") for p in pages] == [None, "p50", "p100"] and {p["maxResults"] for p in pages} == {"50"}
    assert pages[0]["playlistId"] == UPLOADS
    # oldest batch first, each with the cursor after its newest video
    assert batches[0].cursor == {"account_id": CHANNEL}  # a channel registered by its handle: its posts' id
    assert batches[1].cursor == {"account_id": CHANNEL, "last_video_id": "v0000000049",
                                 "last_published_at": make_time(49)}
    assert batches[-1].cursor["last_video_id"] == "v0000000119"
    channel = read_batch(batches[0], tmp_path)
    assert isinstance(channel[0], AccountRecord) and channel[0].followers == 45600 and channel[0].account_id == CHANNEL
    posts = [r for b in batches[1:] for r in read_batch(b, tmp_path)]
    assert len(posts) == 120 and all(isinstance(p, PostRecord) for p in posts)
    assert {p.platform_post_id for p in posts} == {f"v{i:010d}" for i in range(120)}
    assert all(p.measured_at is None for p in posts)  # the run's time, not a date read from the file name


def make_time(i: int) -> str:
    return (T0 + timedelta(hours=i)).isoformat()


def test_second_run_asks_only_for_the_new_videos(server):
    api = FakeYouTube(videos=120)
    api.install(server)
    cursor = run(collector(server))[-1].cursor
    api.add(3)
    before = len(server.requests)
    c = collector(server)
    batches = run(c, cursor)
    asked = server.requests[before:]
    assert [r.path.rsplit("/", 1)[1] for r in asked] == ["channels", "playlistItems", "videos"]
    assert asked[2].params["id"].split(",") == ["v0000000120", "v0000000121", "v0000000122"]
    assert c.units_used == 3 and batches[-1].cursor["last_video_id"] == "v0000000122"
    # nothing new: the channel's snapshot and one page, no videos.list
    c = collector(server)
    batches = run(c, batches[-1].cursor)
    assert len(batches) == 1 and c.units_used == 2 and batches[0].cursor["last_video_id"] == "v0000000122"


def test_since_limits_a_first_run(server):
    FakeYouTube(videos=120).install(server)
    batches = run(collector(server), since=T0 + timedelta(hours=100))
    assert sum(b.posts_seen for b in batches) == 20  # videos 100..119 (published at or after `since`)


def test_quota_counts_units_of_the_pacific_day_and_summary(server):
    FakeYouTube(videos=10).install(server)
    c = collector(server, daily_units=100, units_spent={"2024-06-01": 40, "2024-05-31": 9000})
    run(c)
    assert c.summary() == {"quota_day": "2024-06-01", "daily_units": 100, "units_before": 40, "units_used": 3,
                           "units_left": 57, "exhausted": False}
    assert str(c.summary()) == "quota units: 40 before, 3 used, 57 left of 100 (Pacific day 2024-06-01)"
    # 06:00 UTC is still the previous day in Los Angeles
    late = YouTubeCollector(None, {"youtube_key": KEY}, units_spent={"2024-05-31": 9000},
                            now=lambda: datetime(2024, 6, 1, 6, 0, tzinfo=timezone.utc))
    assert late.summary()["quota_day"] == "2024-05-31" and late.units_left == 1000


def test_quota_stop_before_a_call_that_would_exceed_the_budget(server):
    api = FakeYouTube(videos=120)
    api.install(server)
    c = collector(server, daily_units=10, units_spent=5)
    batches = []
    with pytest.raises(QuotaExhausted, match="0 of 10 are left"):
        for batch in c.new_posts(ACCOUNT, None, None):
            batches.append(batch)
    assert server.count() == 5 and c.units_used == 5 and c.summary()["units_left"] == 0
    assert [b.posts_seen for b in batches] == [0, 50]  # the oldest 50, with their cursor
    # the next day goes on from the cursor: only the 70 videos not yet collected
    c = collector(server)
    rest = run(c, batches[-1].cursor)
    assert sum(b.posts_seen for b in rest) == 70 and c.units_used == 1 + 2 + 2


def test_quota_stop_during_paging_keeps_the_channel_and_moves_no_cursor(server):
    FakeYouTube(videos=120).install(server)
    c = collector(server, daily_units=3)
    batches = []
    with pytest.raises(QuotaExhausted):
        for batch in c.new_posts(ACCOUNT, None, None):
            batches.append(batch)
    assert len(batches) == 1 and "last_video_id" not in batches[0].cursor and server.count() == 3


def test_quota_exceeded_answer_stops_cleanly(server):
    FakeYouTube(videos=10).install(server)
    server.script(f"{PREFIX}/videos", [_error("quota_exceeded.json", 403)])
    c = collector(server)
    with pytest.raises(QuotaExhausted, match="quota is spent"):
        run(c)
    assert c.summary()["exhausted"] and c.units_left == 0 and c.units_used == 3
    sent = server.count()
    with pytest.raises(QuotaExhausted):
        list(c.readings(ACCOUNT, ["v0000000001"]))
    assert server.count() == sent  # nothing more asked that day


def test_rate_limit_answer_is_retried_and_each_try_counted(server):
    FakeYouTube(videos=10).install(server)
    server.script(f"{PREFIX}/videos", [_error("rate_limit.json", 403)])
    c = collector(server)
    assert sum(b.posts_seen for b in run(c)) == 10 and c.units_used == 4
    server.script(f"{PREFIX}/channels", [_error("rate_limit.json", 403)] * 6)
    with pytest.raises(Throttled):
        run(collector(server))


@pytest.mark.parametrize("name, status", [("key_invalid.json", 400), ("key_expired.json", 400),
                                          ("forbidden.json", 403)])
def test_bad_key_is_a_credentials_error(server, name, status):
    FakeYouTube(videos=3).install(server)
    server.script(f"{PREFIX}/channels", [_error(name, status)])
    with pytest.raises(CredentialsError, match="SHAILOO_YOUTUBE_KEY"):
        run(collector(server))


def test_wrong_or_missing_key(server):
    FakeYouTube(videos=3).install(server)
    with pytest.raises(CredentialsError, match="API_KEY_INVALID"):
        run(collector(server, key="AIzaWRONG"))
    n = server.count()
    with pytest.raises(CredentialsError, match="No YouTube API key"):
        run(collector(server, key=None))
    assert server.count() == n


def test_unknown_channel_and_missing_uploads_are_unavailable(server):
    api = FakeYouTube(videos=3)
    api.install(server)
    with pytest.raises(AccountUnavailable, match="does not exist or was terminated"):
        run(collector(server), account=Account("youtube", 8, "UCnoSuchChannel000000000", None))
    with pytest.raises(AccountUnavailable, match="neither"):
        run(collector(server), account=Account("youtube", 8, None, None))
    api.removed = {UPLOADS}
    batches = []
    with pytest.raises(AccountUnavailable, match="playlistNotFound"):
        for batch in collector(server).new_posts(ACCOUNT, None, None):
            batches.append(batch)
    assert len(batches) == 1  # the channel's snapshot is kept


def test_handle_and_url_find_the_channel(server):
    FakeYouTube(videos=2).install(server)
    run(collector(server), account=Account("youtube", 9, None, "ShailooTestNews"))
    assert server.requests[0].params["forHandle"] == "@ShailooTestNews" and "id" not in server.requests[0].params
    run(collector(server), account=Account("youtube", 9, None, None, f"https://www.youtube.com/channel/{CHANNEL}"))
    assert server.requests[-3].params["id"] == CHANNEL


def test_private_and_deleted_videos_are_skipped_with_a_note(server, tmp_path):
    api = FakeYouTube(videos=5)
    api.hidden = _load("playlist_unavailable.json")
    api.gone = {"v0000000002"}  # listed, then deleted before videos.list
    api.install(server)
    batches = run(collector(server))
    assert batches[0].notes == ["2 private or deleted video(s) in the uploads playlist skipped"]
    assert batches[1].notes == ["1 video(s) not returned (private or deleted) skipped"]
    assert "privateVid1" not in server.requests[-1].params["id"] and batches[1].posts_seen == 4
    assert len(read_batch(batches[1], tmp_path)) == 4


def test_hidden_subscriber_count_is_unknown_not_zero(server, tmp_path):
    FakeYouTube(channels=_load("channel_hidden.json")["items"]).install(server)
    record = read_batch(run(collector(server))[0], tmp_path)[0]
    assert record.followers is None and record.total_views == 1234567


def test_readings_are_videos_list_for_the_ids(server, tmp_path):
    api = FakeYouTube(videos=120)
    api.gone = {"v0000000003"}
    api.install(server)
    c = collector(server)
    ids = [f"v{i:010d}" for i in range(120)] + ["v0000000001", "not an id!"]
    batches = list(c.readings(ACCOUNT, ids))
    assert c.units_used == 3 and [b.posts_seen for b in batches] == [49, 50, 20]
    assert batches[0].notes == ["1 ids skipped: not YouTube video ids",
                                "1 video(s) not returned (private or deleted) skipped"]
    assert all(b.cursor is None for b in batches)
    posts = read_batch(batches[2], tmp_path)
    assert posts[-1].views == 11900 and posts[-1].likes == 119 and posts[-1].comments == 119 % 7


def test_file_names_never_read_as_dates(server):
    odd = copy.deepcopy(_load("channel.json")["items"][0])
    odd["id"] = "UC2019-05-12abcdefghijkl"
    odd["contentDetails"]["relatedPlaylists"]["uploads"] = "UU2019-05-12abcdefghijkl"
    FakeYouTube(channels=[odd]).install(server)
    batch = run(collector(server), account=Account("youtube", 1, odd["id"], None))[0]
    assert importer.export_time(Path(batch.filename)) is None


def test_the_key_never_appears_in_exchanges_batches_notes_or_errors(server):
    api = FakeYouTube(videos=60)
    api.hidden = _load("playlist_unavailable.json")
    api.install(server)
    exchanges: list = []
    seen: list[str] = []
    c = collector(server, exchanges=exchanges)
    batches = run(c) + list(c.readings(ACCOUNT, ["v0000000001", "v0000000070"]))
    for name, status in [("key_invalid.json", 400), ("quota_exceeded.json", 403), ("forbidden.json", 403)]:
        server.script(f"{PREFIX}/channels", [_error(name, status)])
        with pytest.raises(CollectError) as caught:
            run(collector(server, exchanges=exchanges))
        seen += [str(caught.value), repr(caught.value)]
    assert all(r.params.get("key") == KEY for r in server.requests)  # sent every time
    seen += [repr(c), json.dumps(c.summary())]
    seen += [f"{e.url} {e.params} {e.body!r} {e!r}" for e in exchanges]
    seen += [f"{b.filename} {b.body!r} {b.notes} {b.cursor}" for b in batches]
    assert len(exchanges) > 5 and not [s for s in seen if KEY in s or "AIzaSyTEST" in s]


@pytest.mark.shared
def test_real_channels_collected_and_read_by_the_importer(server, tmp_path):
    items = json.loads((REAL / "channels-data_2023-01-07_UTC.json").read_text(encoding="utf-8"))
    channels = []
    for item in items:  # the saving script dropped 'id': the API's answer has it
        channels.append({"kind": "youtube#channel", "id": "UC" + item["contentDetails"]["relatedPlaylists"]["uploads"][2:],
                         **item})
    FakeYouTube(channels=channels).install(server)
    c = collector(server)
    for number, channel in enumerate(channels):
        batches = run(c, account=Account("youtube", number, channel["id"], None))
        assert len(batches) == 1 and batches[0].notes == []
        record = read_batch(batches[0], tmp_path)[0]
        assert record.account_id == channel["id"]
        assert record.followers == int(channel["statistics"]["subscriberCount"])
        assert record.total_posts == int(channel["statistics"]["videoCount"])
    assert c.units_used == 2 * len(channels)  # channels.list + one (empty) uploads page each


def test_batches_import_into_a_workspace(server, tmp_path, workspace):
    from shailoo.store.loader import import_file

    api = FakeYouTube(videos=60)
    api.install(server)
    c = collector(server)
    folder = tmp_path / "batches"
    folder.mkdir()
    for batch in run(c) + list(c.readings(ACCOUNT, ["v0000000001", "v0000000059"])):
        path = folder / batch.filename
        path.write_bytes(batch.body)
        result = import_file(workspace, path, format_id=batch.format_id, text_caches=False)
        assert result.quarantined == 0
    count = lambda sql: workspace.con.execute(sql).fetchall()[0][0]  # noqa: E731
    assert count("SELECT count(*) FROM posts WHERE platform = 'youtube'") == 60
    assert count(f"SELECT followers FROM follower_snapshots WHERE account_id = '{CHANNEL}'") == 45600
    assert count("SELECT count(*) FROM engagement_snapshots") >= 60


def test_key_from_the_credentials_store_is_revealed_only_to_send(server):
    from shailoo.collect.credentials import Credentials

    FakeYouTube(videos=2).install(server)
    http = HttpClient(server.url + PREFIX, platform="youtube", rate_per_second=None)
    c = YouTubeCollector(http, Credentials(environ={"SHAILOO_YOUTUBE_KEY": KEY}, keyring=None), now=lambda: NOW)
    assert sum(b.posts_seen for b in run(c)) == 2 and server.requests[0].params["key"] == KEY
    c = YouTubeCollector(http, Credentials(environ={}, keyring=None), now=lambda: NOW)
    with pytest.raises(CredentialsError, match="SHAILOO_YOUTUBE_KEY"):
        run(c)


def test_hostile_answers_cost_bounded_units(server):
    api = FakeYouTube(videos=3)
    api.install(server)
    looping = {"items": [{"contentDetails": {"videoId": "v0000000001", "videoPublishedAt": "2024-05-01T09:00:00Z"}}],
               "nextPageToken": "again"}
    server.route(f"{PREFIX}/playlistItems", Reply.json(looping))
    server.route(f"{PREFIX}/videos", Reply.json({"items": [{"id": "v0000000001", "status": "odd", "statistics": "x"},
                                                           7, {"id": "v0000000001", "statistics": {}}]}))
    c = collector(server)
    batches = run(c)
    assert server.count(f"{PREFIX}/playlistItems") == 2 and c.units_used == 4
    assert "repeated itself" in batches[0].notes[0]
    assert batches[1].posts_seen == 1 and batches[1].notes == ["2 private video(s) or video(s) without counts skipped"]


def test_end_to_end_through_the_run(server, tmp_path, workspace):
    run_module = pytest.importorskip("shailoo.collect.run")
    from shailoo.actors import import_registry
    from shailoo.collect.credentials import Credentials

    api = FakeYouTube(videos=60)
    api.install(server)
    registry = tmp_path / "actors.csv"
    registry.write_text("name,category,platform,account_id,handle,url\n"
                        "Test News,media,youtube,,shailootestnews,\n", encoding="utf-8")
    import_registry(workspace, registry)
    credentials = Credentials(environ={"SHAILOO_YOUTUBE_KEY": KEY}, keyring=None)
    options = run_module.Options(platforms=["youtube"], api_base=server.url + PREFIX)
    clock = [datetime(2024, 5, 4, 12, 0, tzinfo=timezone.utc)]  # videos 0..59 published 05-01 08:00 .. 05-03 19:00
    go = lambda: run_module.collect(workspace, options, credentials=credentials, now=lambda: clock[0],  # noqa: E731
                                    http_options={"sleep": lambda s: None})
    first = go().platforms["youtube"]
    assert first.failures == [] and first.accounts_done == 1, first
    assert first.quota.startswith("quota units: 0 before, 5 used")  # channels 1, playlistItems 2, videos 2
    count = lambda sql: workspace.con.execute(sql).fetchall()[0][0]  # noqa: E731
    assert count("SELECT count(*) FROM posts WHERE platform = 'youtube'") == 60
    assert count(f"SELECT followers FROM follower_snapshots WHERE account_id = '{CHANNEL}'") == 45600
    # three days later: the 72 h readings are due; the videos' new counts are snapshots at that time
    for video in api.videos:
        video["statistics"]["viewCount"] = str(int(video["statistics"]["viewCount"]) + 1000)
    clock[0] += timedelta(days=3)
    second = go().platforms["youtube"]
    # videos 0..4 were 72 h old at the first run already: their first snapshot was their 72 h reading
    assert second.failures == [] and second.readings == 55, second
    assert second.quota.startswith("quota units: 0 before, 4 used")  # channels, playlistItems, videos x 2
    assert count("SELECT count(*) FROM engagement_snapshots e JOIN posts p USING (post_id) "
                 f"WHERE p.platform = 'youtube' AND e.measured_at = '{clock[0].isoformat()}' "
                 "AND e.views = 100 * CAST(substr(p.platform_post_id, 2) AS INT) + 1000") == 55
    assert count("SELECT count(*) FROM collect_archive WHERE params LIKE '%AIza%' OR url LIKE '%AIza%'") == 0

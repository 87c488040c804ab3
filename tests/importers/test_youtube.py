"""YouTube Data API v3 JSON: real channels.list items, videos.list responses, JSONL, malformed items."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from shailoo.errors import WrongFormat
from shailoo.importers import detect, youtube
from shailoo.importers.base import Source, read_head
from shailoo.records import AccountRecord
from shailoo.store.loader import import_file
from tests.conftest import DATA

YT = DATA / "youtube"
VIDEOS = YT / "videos-list_2024-03-01 10:15:00 UTC.json"
CHANNELS = YT / "channels-list.json"
MALFORMED = YT / "malformed-videos.jsonl"


def _item_count(path: Path) -> int:
    """Records counted independently of the importer: items of every response (lines that are not JSON count one)."""
    text = path.read_text(encoding="utf-8")
    try:
        docs = [json.loads(text)]
    except json.JSONDecodeError:
        docs = []
        for line in text.splitlines():
            try:
                docs.append(json.loads(line))
            except json.JSONDecodeError:
                docs.append(None)
    return sum(1 if doc is None else len(doc) if isinstance(doc, list) else len(doc.get("items", [doc]))
               for doc in docs)


@pytest.mark.shared
def test_real_channels_file(workspace, real):
    path = real / "youtube" / "channels-data_2023-01-07_UTC.json"
    assert detect(path) is youtube
    result = import_file(workspace, path)
    assert result.format == "youtube"
    assert result.records == _item_count(path) == 18
    assert result.imported + result.updated + result.quarantined + result.skipped == result.records
    assert (result.imported, result.quarantined) == (18, 0)
    # ids derived from the uploads playlist (the collector dropped 'id'), counts from strings
    row = workspace.con.execute(
        """SELECT a.name, a.url, f.followers, f.total_views, f.total_posts, f.measured_at
           FROM accounts a JOIN follower_snapshots f USING (platform, account_id)
           WHERE a.account_id = 'UC-kDmfnktrzc_SGpS9ulrXw'""").fetchone()
    assert row == ("Adebabay Media", "https://www.youtube.com/channel/UC-kDmfnktrzc_SGpS9ulrXw", 93700, 12212406, 878,
                   datetime(2023, 1, 7, tzinfo=timezone.utc))
    assert workspace.con.execute("SELECT count(*) FROM follower_snapshots").fetchone()[0] == 18


@pytest.mark.shared
def test_real_channels_reimport_changes_nothing(workspace, real):
    path = real / "youtube" / "channels-data_2023-01-07_UTC.json"
    import_file(workspace, path)
    again = import_file(workspace, path)
    assert (again.imported, again.updated, again.quarantined, again.skipped) == (0, 0, 0, 18)
    assert workspace.con.execute("SELECT count(*) FROM follower_snapshots").fetchone()[0] == 18


def test_export_time_from_file_name():
    assert youtube.export_time(Path("channels-data_2023-01-07_UTC.json")) == datetime(2023, 1, 7, tzinfo=timezone.utc)
    assert youtube.export_time(Path("channels-data_2023-01-07 00:08:38 UTC.json")) == datetime(
        2023, 1, 7, 0, 8, 38, tzinfo=timezone.utc)
    assert youtube.export_time(Path("videos.json")) is None


def test_videos_list_response(workspace):
    result = import_file(workspace, VIDEOS)
    assert result.format == "youtube"
    assert (result.records, result.imported, result.quarantined, result.skipped) == (3, 3, 0, 0)
    rows = {r[0]: r[1:] for r in workspace.con.execute(
        """SELECT p.platform_post_id, p.post_type, p.title, p.text, p.account_id, p.url, p.language, p.created_at,
                  e.reactions, e.likes, e.comments, e.views, e.measured_at
           FROM posts p JOIN engagement_snapshots e USING (post_id) WHERE p.platform = 'youtube'""").fetchall()}
    measured = datetime(2024, 3, 1, 10, 15, tzinfo=timezone.utc)
    assert rows["dQw4w9WgXcQ"] == ("video", "Дебаты кандидатов", "Description of Дебаты кандидатов",
                                   "UCkloopKG000000000000001", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "ky",
                                   datetime(2024, 2, 20, 14, 0, 5, tzinfo=timezone.utc), 812, 812, 97, 15230, measured)
    assert rows["a1B2c3D4e5F"][7:11] == (None, None, 12, 4001)  # likes hidden: unknown, not zero
    assert rows["Zz9_-Yy8Xx7"][6] == datetime(2024, 2, 22, 12, 45, 10, tzinfo=timezone.utc)  # +06:00 kept as UTC
    assert rows["Zz9_-Yy8Xx7"][7:11] == (0, 0, None, 0)
    names = dict(workspace.con.execute("SELECT account_id, name FROM accounts WHERE platform = 'youtube'").fetchall())
    assert names == {"UCkloopKG000000000000001": "Kloop", "UCazattyk000000000000002": "Азаттык"}


def test_channels_list_response_with_hidden_subscribers(workspace):
    records = list(youtube.read(Source(CHANNELS)))
    assert [type(r).__name__ for r in records] == ["AccountRecord", "AccountRecord", "RowError", "RowError"]
    kloop, hidden = records[0], records[1]
    assert isinstance(kloop, AccountRecord)
    assert (kloop.account_id, kloop.handle, kloop.followers, kloop.total_views, kloop.total_posts) == (
        "UCkloopKG000000000000001", "kloopmedia", 512000, 98765432, 4321)
    assert kloop.measured_at is None  # no date in the file name: the loader uses the import time
    assert (hidden.followers, hidden.total_posts, hidden.handle) == (None, 10, "hiddenaudience")
    assert records[2].record_number == 3 and "no channel id" in records[2].reason
    assert records[3].record_number == 4 and "'many'" in records[3].reason
    result = import_file(workspace, CHANNELS)
    assert (result.records, result.imported, result.quarantined) == (4, 2, 2)


def test_malformed_jsonl_is_quarantined_item_by_item(workspace):
    result = import_file(workspace, MALFORMED)
    assert result.records == _item_count(MALFORMED) == 10
    assert result.imported + result.updated + result.quarantined + result.skipped == result.records
    # 1 good video (seen twice: the later copy wins, the first counts as an in-file duplicate), 1 search result skipped
    assert (result.imported, result.quarantined, result.skipped) == (1, 7, 2)
    reasons = dict(workspace.con.execute("SELECT record_number, reason FROM quarantine").fetchall())
    assert set(reasons) == {2, 3, 4, 5, 6, 7, 8}
    assert "'many'" in reasons[2]
    assert "line 2 is not JSON" in reasons[3]
    assert "no video id" in reasons[4]
    assert "publishedAt is missing" in reasons[5]
    assert "negative" in reasons[6] or "'-5'" in reasons[6]
    assert "'3.7.1'" in reasons[7] and "'1e999999'" in reasons[8]
    raw = workspace.con.execute("SELECT raw FROM quarantine WHERE record_number = 2").fetchone()[0]
    assert json.loads(raw)["statistics"]["likeCount"] == "many"
    assert workspace.con.execute(
        """SELECT e.likes, e.views FROM posts p JOIN engagement_snapshots e USING (post_id)
           WHERE p.platform_post_id = 'GoOd0000001'""").fetchall() == [(12, 150)]


def test_sniff_claims_only_youtube(tmp_path, real):
    assert youtube.sniff(read_head(VIDEOS), VIDEOS) and youtube.sniff(read_head(CHANNELS), CHANNELS)
    assert youtube.sniff(read_head(MALFORMED), MALFORMED)
    others = [DATA / "twitter" / "search-pages.jsonl", DATA / "meta_content_library" / "facebook-posts.csv"]
    others += [p for p in real.rglob("*") if p.is_file() and p.parent.name != "youtube"] if real.is_dir() else []
    for path in others:
        assert not youtube.sniff(read_head(path), path), path


def test_not_youtube_json_is_refused(workspace, tmp_path):
    telegram = tmp_path / "result.json"
    telegram.write_text('{"name": "chat", "type": "public_channel", "messages": [{"id": 1}]}')
    with pytest.raises(WrongFormat, match="YouTube"):
        import_file(workspace, telegram, "youtube")
    broken = tmp_path / "broken.json"
    broken.write_text('{"items": [')
    with pytest.raises(WrongFormat, match="not JSON"):
        import_file(workspace, broken, "youtube")


def test_item_whose_parts_are_not_objects_is_quarantined(workspace, tmp_path):
    import json

    path = tmp_path / "videos.json"
    path.write_text(json.dumps({"kind": "youtube#videoListResponse", "items": [
        {"kind": "youtube#video", "id": "abcdefghijk", "snippet": {"publishedAt": "2024-01-01T10:00:00Z", "channelId": "UC1"},
         "statistics": {"viewCount": "10"}},
        {"kind": "youtube#video", "id": "defghijklmn", "snippet": "not an object", "statistics": ["x"]},
    ]}), encoding="utf-8")
    result = import_file(workspace, path, "youtube")
    assert (result.records, result.imported, result.quarantined) == (2, 1, 1)
    reason = workspace.con.execute("SELECT reason FROM quarantine").fetchone()[0]
    assert "not an object" in reason

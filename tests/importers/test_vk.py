"""VK wall.get: the real community response, reposts with copy_history, JSON Lines pages, malformed items."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from shailoo.cli.main import app
from shailoo.errors import WrongFormat
from shailoo.importers import detect, vk
from shailoo.importers.base import Source, read_head
from shailoo.privacy import pseudonym
from shailoo.records import PostRecord
from shailoo.store.loader import import_file
from shailoo.store.workspace import init_workspace
from tests.conftest import DATA
from tests.importers.helpers import balanced, everything_stored, posts_by_id

VK = DATA / "vk"
REPOSTS = VK / "wall_reposts.json"
PAGES = VK / "pages.jsonl"
MALFORMED = VK / "malformed.json"
PRIVATE = ("Асель", "Частная", "asel_private", "id400")


def _record_count(path: Path) -> int:
    """Records counted independently: every item plus its copy_history entries; a line or page that is
    not a wall.get response counts one."""
    text = path.read_text(encoding="utf-8")
    try:
        docs = [json.loads(text)]
    except json.JSONDecodeError:
        docs = []
        for line in filter(str.strip, text.splitlines()):
            try:
                docs.append(json.loads(line))
            except json.JSONDecodeError:
                docs.append(None)
    total = 0
    for doc in docs:
        body = doc.get("response", doc) if isinstance(doc, dict) else None
        if not isinstance(body, dict) or "items" not in body:
            total += 1
            continue
        total += sum(1 + len(item.get("copy_history", [])) for item in body["items"])
    return total


@pytest.mark.shared
def test_real_wall_get_response(workspace, real):
    path = real / "vk_wallget" / "wall_get_response_club109125816.json"
    assert detect(path) is vk
    result = import_file(workspace, path)
    assert result.format == "vk"
    assert result.records == _record_count(path) == 10
    assert balanced(result)
    assert (result.imported, result.quarantined, result.skipped) == (10, 0, 0)
    pinned = posts_by_id(workspace)["-109125816_519471"]
    assert pinned["account_id"] == "-109125816" and pinned["url"] == "https://vk.com/wall-109125816_519471"
    assert pinned["created_at"] == datetime(2020, 6, 18, 19, 50, 21, tzinfo=timezone.utc)
    assert (pinned["is_edited"], pinned["media_type"], pinned["link"]) == (True, "photo", "http://zerowasteshop.moscow/")
    assert workspace.con.execute(
        """SELECT e.reactions, e.likes, e.comments, e.shares, e.views FROM engagement_snapshots e
           JOIN posts p USING (post_id) WHERE p.platform_post_id = '-109125816_519471'""").fetchall() == [
        (146, 146, 104, 92, 8887)]
    # nine posts by members of the community: pseudonymised people, the community itself public,
    # each published in the community's space (issue #8)
    assert {p["space_account_id"] for k, p in posts_by_id(workspace).items() if k != "-109125816_519471"} == {
        "-109125816"}
    assert pinned["space_account_id"] is None
    assert workspace.con.execute(
        "SELECT is_pseudonymised, count(*) FROM accounts GROUP BY ALL ORDER BY 1").fetchall() == [(False, 1), (True, 9)]
    assert workspace.con.execute(
        "SELECT handle, url FROM accounts WHERE account_id = '-109125816'").fetchone() == (
        "club109125816", "https://vk.com/club109125816")
    again = import_file(workspace, path)
    assert (again.imported, again.updated, again.records) == (0, 0, 10) and balanced(again)
    assert workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0] == 10


@pytest.mark.shared
def test_sniff_claims_only_wall_get(real):
    for path in sorted(real.glob("*/*.json*")) + sorted(DATA.glob("*/*.json*")):
        claimed = vk.sniff(read_head(path), path)
        expected = path.parent.name in ("vk", "vk_wallget") and path.stem != "users_get"
        assert claimed == expected, path


def test_reposts_become_posts():
    records = list(vk.read(Source(REPOSTS)))
    assert all(isinstance(r, PostRecord) for r in records)
    assert [r.platform_post_id for r in records] == [
        "-200_100", "-200_101", "-300_55", "-200_102", "-200_103", "400_7"]
    first = records[0]
    assert (first.account_id, first.account_name, first.account_handle, first.account_url) == (
        "-200", "Партия Тест", "party_test", "https://vk.com/party_test")
    assert (first.reactions, first.likes, first.comments, first.shares, first.views) == (10, 10, 2, 3, 500)
    assert (first.link, first.link_text, first.media_type, first.is_edited) == (
        "https://example.kg/news", "Новость", "link", True)
    repost, original = records[1], records[2]
    assert (repost.post_type, repost.forwarded_from, repost.forwarded_from_is_public,
            repost.parent_platform_post_id) == ("repost", "-300", True, "-300_55")
    assert (original.post_type, original.account_handle, original.account_name, original.media_type) == (
        "post", "news_kg", "Новости КГ", "photo")
    assert (original.reactions, original.is_edited) == (None, None)
    member = records[3]
    assert (member.account_id, member.author_is_public, member.account_handle) == ("400", False, "asel_private")
    assert (records[4].forwarded_from, records[4].forwarded_from_is_public) == ("400", False)
    assert (records[5].account_id, records[5].author_is_public) == ("400", False)


def test_repost_import_and_privacy(workspace):
    result = import_file(workspace, REPOSTS)
    assert result.records == _record_count(REPOSTS) == 6
    assert (result.imported, result.quarantined, result.skipped) == (6, 0, 0)
    p400 = pseudonym(workspace.pseudonym_key, "vk", "400")
    posts = posts_by_id(workspace)
    assert posts["-200_102"]["account_id"] == p400
    assert posts["-200_103"]["forwarded_from"] == p400
    assert posts[f"{p400}_7"]["account_id"] == p400  # a person's wall: no id in the key either
    assert posts["-200_100"]["hashtags"] == ["выборы2025"]
    assert not any(name in everything_stored(workspace) for name in PRIVATE)
    assert workspace.con.execute("SELECT count(*) FROM engagement_snapshots").fetchone()[0] == 4


def test_json_lines_pages(workspace):
    result = import_file(workspace, PAGES)
    assert result.records == _record_count(PAGES) == 6
    assert (result.imported, result.quarantined) == (4, 2)
    rows = workspace.con.execute("SELECT record_number, reason FROM quarantine ORDER BY record_number").fetchall()
    assert rows[0] == (5, "line 3: VK API error 6: Too many requests per second")
    assert rows[1][0] == 6 and rows[1][1].startswith("line 4 is not JSON")
    assert sorted(posts_by_id(workspace)) == ["-200_1", "-200_2", "-200_3", "-300_9"]


def test_malformed_items_are_quarantined(workspace):
    result = import_file(workspace, MALFORMED)
    assert result.records == _record_count(MALFORMED) == 9
    assert (result.imported, result.quarantined, result.skipped) == (2, 7, 0)
    rows = workspace.con.execute("SELECT record_number, reason, raw FROM quarantine ORDER BY record_number").fetchall()
    assert [(n, reason) for n, reason, _ in rows] == [
        (2, "item has no id"),
        (3, "date is 'вчера', not a date and time"),
        (4, "likes.count is 'many', not a non-negative whole number"),
        (5, "comments.count is negative (-5)"),
        (6, "reposts.count is '3.7.1', not a non-negative whole number"),
        (7, "views.count is '1e999999', not a non-negative whole number"),
        (9, "item has no id"),  # the copy embedded in item 8
    ]
    assert json.loads(rows[0][2])["text"] == "Без id"
    assert json.loads(rows[-1][2])["text"] == "Оригинал без id"
    posts = posts_by_id(workspace)
    assert sorted(posts) == ["-500_1", "-500_8"]
    assert (posts["-500_8"]["post_type"], posts["-500_8"]["forwarded_from"]) == ("repost", "-600")


def test_reimport_and_later_export(workspace, tmp_path):
    import_file(workspace, REPOSTS)
    again = import_file(workspace, REPOSTS)
    assert (again.imported, again.updated, again.unchanged, again.skipped) == (0, 0, 6, 6) and balanced(again)
    doc = json.loads(REPOSTS.read_text(encoding="utf-8"))
    doc["response"]["items"][0]["likes"]["count"] = 25
    doc["response"]["items"][0]["views"]["count"] = 900
    later = tmp_path / "wall.jsonl"  # the same page written as one line
    later.write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")
    result = import_file(workspace, later)
    # posts with counts get a snapshot at the new measurement time; the embedded copies have none
    assert (result.imported, result.updated, result.unchanged) == (0, 4, 2) and balanced(result)
    assert workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0] == 6
    assert workspace.con.execute(
        """SELECT e.likes, e.views FROM engagement_snapshots e JOIN posts p USING (post_id)
           WHERE p.platform_post_id = '-200_100' ORDER BY e.measured_at""").fetchall() == [(10, 500), (25, 900)]


@pytest.mark.parametrize("path, hint", [
    (VK / "users_get.json", "not a VK wall.get response"),
    (DATA / "telethon" / "channel.json", "not a VK wall.get response"),
    (DATA / "telegram_desktop" / "truncated.json", "is not JSON"),
])
def test_wrong_format(workspace, path, hint):
    with pytest.raises(WrongFormat, match=hint):
        import_file(workspace, path, format_id="vk")


def test_cli_import_json(runner, tmp_path):
    ws_path = tmp_path / "ws"
    init_workspace(ws_path, project="t").close()
    result = runner.invoke(app, ["import", "-w", str(ws_path), str(REPOSTS), "--json"])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)
    assert counts["format"] == "vk"
    assert {k: counts[k] for k in ("records", "imported", "updated", "quarantined", "skipped")} == {
        "records": 6, "imported": 6, "updated": 0, "quarantined": 0, "skipped": 0}

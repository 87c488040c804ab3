"""Telegram Desktop result.json: the real channel export, hand-written channel/group fixtures, malformed messages."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from shailoo.cli.main import app
from shailoo.errors import WrongFormat
from shailoo.importers import detect, telegram_desktop
from shailoo.importers.base import Source, read_head
from shailoo.privacy import pseudonym
from shailoo.records import PostRecord, Skipped
from shailoo.store.loader import import_file
from shailoo.store.workspace import init_workspace
from tests.conftest import DATA
from tests.importers.helpers import balanced, everything_stored, posts_by_id

TD = DATA / "telegram_desktop"
CHANNEL = TD / "channel.json"
GROUP = TD / "group.json"
MALFORMED = TD / "malformed.json"
PRIVATE_NAMES = ("Айгуль Приватова", "Скрытый Человек", "Бакыт Частный", "Жылдыз Частная", "Новый Участник",
                 "user555001", "user111", "user333")


def _message_count(path: Path) -> int:
    """Records counted independently of the importer: the entries of the messages array."""
    return len(json.loads(path.read_text(encoding="utf-8"))["messages"])


def _snapshot(ws, post_id: str) -> list[tuple]:
    return ws.con.execute(
        """SELECT e.reactions, e.reaction_breakdown, e.comments, e.shares, e.views FROM engagement_snapshots e
           JOIN posts p USING (post_id) WHERE p.platform_post_id = ? ORDER BY e.measured_at""", [post_id]).fetchall()


# ---- the real export ----------------------------------------------------------------------

@pytest.mark.shared
def test_real_channel_export(workspace, real):
    path = real / "telegram_desktop_export" / "result.json"
    assert detect(path) is telegram_desktop
    result = import_file(workspace, path)
    assert result.format == "telegram_desktop"
    assert result.records == _message_count(path) == 674
    assert balanced(result)
    assert (result.imported, result.quarantined, result.skipped) == (672, 0, 2)
    assert result.skipped_reasons == {"service message": 2}
    posts = posts_by_id(workspace)
    # the channel answering its own earlier post: the channel's post, its parent kept (issue #8)
    reply = posts["2447843635/900"]
    assert reply["post_type"] == "post" and reply["parent_platform_post_id"] == "2447843635/867"
    assert workspace.con.execute("SELECT count(*) FROM posts WHERE post_type NOT IN ('comment', 'reply')"
                                 ).fetchone()[0] == 672
    assert reply["created_at"] == datetime(2024, 9, 29, 11, 23, 15, tzinfo=timezone.utc)  # from date_unixtime
    assert reply["text"] == "Наруто (S.1, Ep.97-117)\nбез филлеров\n\n#АнимеСтрим  #Наруто"
    assert reply["is_edited"] is True and reply["media_type"] == "video_file"
    assert reply["url"] == "https://t.me/c/2447843635/900"
    assert posts["2447843635/2361"]["forwarded_from"] == "1374438247"  # a public channel, by its bare id
    # a hidden user known only by name: pseudonymised
    hidden = posts["2447843635/2367"]["forwarded_from"]
    assert hidden.startswith("p_") and "Artur Mannanov" not in everything_stored(workspace)
    assert not any("File not included" in (p["text"] or "") for p in posts.values())
    assert workspace.con.execute(
        "SELECT account_id, name, is_pseudonymised FROM accounts").fetchall() == [
        ("2447843635", "ГУЗЕЛЬСКИЕ ПЕРЕЗАЛИВЫ", False)]
    with_reactions = workspace.con.execute("SELECT count(*) FROM engagement_snapshots").fetchone()[0]
    assert with_reactions == 149  # messages carrying a reactions list


@pytest.mark.shared
def test_real_export_reimport_changes_nothing(workspace, real):
    path = real / "telegram_desktop_export" / "result.json"
    import_file(workspace, path)
    again = import_file(workspace, path)
    assert (again.imported, again.updated, again.quarantined) == (0, 0, 0)
    assert again.records == 674 and balanced(again)
    assert workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0] == 672
    assert workspace.con.execute("SELECT count(*) FROM engagement_snapshots").fetchone()[0] == 149


@pytest.mark.shared
def test_sniff_claims_only_desktop_exports(real):
    for path in sorted(real.glob("*/*.json*")) + sorted(DATA.glob("*/*.json*")):
        claimed = telegram_desktop.sniff(read_head(path), path)
        expected = path.name == "result.json" or (path.parent.name == "telegram_desktop" and path.stem in (
            "channel", "group", "malformed", "truncated", "full_account_export"))
        assert claimed == expected, path


# ---- hand-written fixtures ------------------------------------------------------------------

def test_channel_fixture_records():
    records = list(telegram_desktop.read(Source(CHANNEL)))
    assert records[0] == Skipped(1, "service message")
    posts = {r.platform_post_id: r for r in records if isinstance(r, PostRecord)}
    assert list(posts) == [f"1234567890/{i}" for i in range(2, 8)]
    first = posts["1234567890/2"]
    assert (first.account_id, first.account_name, first.author_is_public) == ("1234567890", "Кандидат Тест", True)
    assert first.created_at == datetime(2025, 1, 10, 6, 0, tzinfo=timezone.utc)
    assert first.reaction_breakdown == {"👍": 5, "❤": 3, "custom": 2, "paid": 1}
    assert (first.reactions, first.views, first.shares, first.comments) == (11, 1500, 7, 4)
    assert first.is_edited is True and first.post_type == "post"
    entities = posts["1234567890/3"]
    assert entities.text == "Выборы 2025 — здесь #шайлоо"
    assert entities.link == "https://example.kg/programma"
    # the channel replying to itself is the channel's own post (issue #8)
    assert (entities.media_type, entities.post_type, entities.parent_platform_post_id) == ("photo", "post", "1234567890/2")
    assert all(r.space_account_id is None for r in posts.values())  # a channel's own posts
    assert entities.is_edited is False and entities.reactions is None
    assert (posts["1234567890/4"].forwarded_from, posts["1234567890/4"].forwarded_from_is_public) == ("user555001", False)
    assert posts["1234567890/4"].media_type == "video_file"
    assert (posts["1234567890/5"].forwarded_from, posts["1234567890/5"].forwarded_from_is_public) == ("Скрытый Человек", False)
    assert (posts["1234567890/6"].forwarded_from, posts["1234567890/6"].forwarded_from_is_public) == ("777000", True)
    photo_only = posts["1234567890/7"]
    assert (photo_only.text, photo_only.media_type) == (None, "photo")
    # no date_unixtime: the zone-less local `date` is taken as UTC
    assert photo_only.created_at == datetime(2025, 1, 10, 18, 0, tzinfo=timezone.utc)


def test_channel_import_and_privacy(workspace):
    result = import_file(workspace, CHANNEL)
    assert result.records == _message_count(CHANNEL) == 7
    assert (result.imported, result.updated, result.quarantined, result.skipped) == (6, 0, 0, 1)
    posts = posts_by_id(workspace)
    assert posts["1234567890/3"]["hashtags"] == ["шайлоо"]
    assert posts["1234567890/3"]["link_domains"] == ["example.kg"]
    key = workspace.pseudonym_key
    assert posts["1234567890/4"]["forwarded_from"] == pseudonym(key, "telegram", "user555001")
    assert posts["1234567890/5"]["forwarded_from"] == pseudonym(key, "telegram", "Скрытый Человек")
    assert posts["1234567890/6"]["forwarded_from"] == "777000"
    stored = everything_stored(workspace)
    assert not any(name in stored for name in PRIVATE_NAMES)
    assert _snapshot(workspace, "1234567890/2") == [(11, {"👍": 5, "❤": 3, "custom": 2, "paid": 1}, 4, 7, 1500)]


def test_group_authors_are_pseudonymised(workspace):
    result = import_file(workspace, GROUP)
    assert result.records == _message_count(GROUP) == 5
    assert (result.imported, result.quarantined, result.skipped) == (4, 0, 1)
    key = workspace.pseudonym_key
    p111, p333 = pseudonym(key, "telegram", "user111"), pseudonym(key, "telegram", "user333")
    posts = posts_by_id(workspace)
    assert {k: (v["account_id"], v["post_type"], v["parent_platform_post_id"]) for k, v in posts.items()} == {
        "987654/10": (p111, "message", None),
        "987654/11": (p333, "reply", "987654/10"),
        "987654/13": ("987654", "post", None),  # the group writing as itself: public
        "987654/14": (p333, "message", None),
    }
    # members' messages (and a member's reply) are published in the group's space
    assert {k: v["space_account_id"] for k, v in posts.items()} == {
        "987654/10": "987654", "987654/11": "987654", "987654/13": None, "987654/14": "987654"}
    assert posts["987654/14"]["forwarded_from"] == p111  # the same person keys the same whether author or forwarded
    accounts = workspace.con.execute(
        "SELECT account_id, name, handle, url, is_pseudonymised FROM accounts ORDER BY is_pseudonymised, account_id"
    ).fetchall()
    assert accounts == [("987654", "Обсуждение выборов", None, None, False),
                        *sorted([(p111, None, None, None, True), (p333, None, None, None, True)])]
    stored = everything_stored(workspace)
    assert not any(name in stored for name in PRIVATE_NAMES)


def test_malformed_messages_are_quarantined(workspace):
    result = import_file(workspace, MALFORMED)
    assert result.records == _message_count(MALFORMED) == 9
    assert (result.imported, result.quarantined, result.skipped) == (2, 7, 0)
    rows = workspace.con.execute("SELECT record_number, reason, raw FROM quarantine ORDER BY record_number").fetchall()
    assert [(n, reason) for n, reason, _ in rows] == [
        (2, "message has no id"),
        (3, "date is 'вчера', not a date and time"),
        (4, "reaction count is 'many', not a non-negative whole number"),
        (5, "reaction count is negative (-5)"),
        (6, "views is '3.7.1', not a non-negative whole number"),
        (7, "reaction count is '1e999999', not a non-negative whole number"),
        (8, "forwards is '1e999999', not a non-negative whole number"),
    ]
    assert json.loads(rows[0][2])["text"] == "Без id"
    assert sorted(posts_by_id(workspace)) == ["555000/1", "555000/9"]


def test_truncated_file_keeps_what_came_before(workspace):
    result = import_file(workspace, TD / "truncated.json")
    assert (result.records, result.imported, result.quarantined) == (3, 2, 1)
    number, reason = workspace.con.execute("SELECT record_number, reason FROM quarantine").fetchone()
    assert number == 3 and reason.startswith("message 3 (bytes 325–366) is not JSON")
    assert "cut short" in reason


def test_reimport_and_later_export(workspace, tmp_path):
    first = import_file(workspace, CHANNEL)
    again = import_file(workspace, CHANNEL)
    assert (again.imported, again.updated, again.unchanged, again.skipped) == (0, 0, 6, 7)
    assert balanced(first) and balanced(again)
    export = json.loads(CHANNEL.read_text(encoding="utf-8"))
    export["messages"][1]["reactions"][0]["count"] = 14
    export["messages"][1]["views"] = 2600
    later = tmp_path / "result.json"
    later.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    result = import_file(workspace, later)
    assert (result.imported, result.updated, result.unchanged, result.skipped) == (0, 1, 5, 6)
    assert balanced(result)
    assert workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0] == 6
    assert [(r, v) for r, _, _, _, v in _snapshot(workspace, "1234567890/2")] == [(11, 1500), (20, 2600)]


@pytest.mark.parametrize("name, hint", [
    ("not_telegram.json", "expected an object with name, type, id and a messages array"),
    ("full_account_export.json", "Export chat history"),
])
def test_wrong_format(workspace, name, hint):
    with pytest.raises(WrongFormat, match=hint):
        import_file(workspace, TD / name, format_id="telegram_desktop")
    assert workspace.con.execute("SELECT count(*) FROM imports").fetchone()[0] == 0


def test_other_json_given_as_desktop_export(workspace):
    with pytest.raises(WrongFormat, match="not a Telegram Desktop export"):
        import_file(workspace, DATA / "telethon" / "channel.json", format_id="telegram_desktop")
    with pytest.raises(WrongFormat):  # nobody claims a JSON file of another kind
        detect(TD / "not_telegram.json")


def test_cli_import_json(runner, tmp_path):
    ws_path = tmp_path / "ws"
    init_workspace(ws_path, project="t").close()
    result = runner.invoke(app, ["import", "-w", str(ws_path), str(CHANNEL), "--json"])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)
    assert counts["format"] == "telegram_desktop"
    assert {k: counts[k] for k in ("records", "imported", "updated", "quarantined", "skipped")} == {
        "records": 7, "imported": 6, "updated": 0, "quarantined": 0, "skipped": 1}


def test_full_account_export_is_refused_with_a_hint(workspace):
    path = TD / "full_account_export.json"
    assert detect(path) is telegram_desktop
    with pytest.raises(WrongFormat, match="full account export: export one channel or group"):
        import_file(workspace, path)


def test_export_time_from_chat_export_folder(tmp_path):
    from datetime import datetime, timezone

    from shailoo.importers import telegram_desktop

    folder = tmp_path / "ChatExport_2024-03-02" / "result.json"
    assert telegram_desktop.export_time(folder) == datetime(2024, 3, 1, 10, tzinfo=timezone.utc)  # 00:00 at UTC+14
    assert telegram_desktop.export_time(tmp_path / "result.json") is None

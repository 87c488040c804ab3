"""Telethon message lists: the real RIA Novosti array, JSON array and JSON Lines fixtures, malformed messages."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from shailoo.cli.main import app
from shailoo.errors import WrongFormat
from shailoo.importers import detect, telethon
from shailoo.importers.base import Source, read_head
from shailoo.privacy import pseudonym
from shailoo.records import PostRecord, Skipped
from shailoo.store.loader import import_file
from shailoo.store.workspace import init_workspace
from tests.conftest import DATA
from tests.importers.helpers import balanced, everything_stored, posts_by_id

TT = DATA / "telethon"
CHANNEL = TT / "channel.json"
GROUP = TT / "group.jsonl"
MALFORMED = TT / "malformed.json"
PRIVATE_NAMES = ("Скрытая Персона", "Бакыт Частный", "user555001", "user111", "user333")


def _record_count(path: Path) -> int:
    """Records counted independently: array elements, or non-blank lines of a JSON Lines file."""
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("["):
        return len(json.loads(text))
    return sum(1 for line in text.splitlines() if line.strip())


@pytest.mark.shared
def test_real_ria_messages(workspace, real):
    path = real / "telegram_ru_news" / "1001101170442_messages.json"
    assert detect(path) is telethon
    result = import_file(workspace, path)
    assert result.format == "telethon"
    assert result.records == _record_count(path) == 1000
    assert balanced(result)
    assert (result.imported, result.quarantined, result.skipped) == (1000, 0, 0)
    post = posts_by_id(workspace)["1101170442/271643"]  # -1001101170442 is channel 1101170442
    assert post["account_id"] == "1101170442" and post["post_type"] == "post"
    assert post["created_at"] == datetime(2024, 12, 4, 8, 55, 19, tzinfo=timezone.utc)
    assert post["url"] == "https://t.me/c/1101170442/271643"
    assert post["text"].startswith("Вопрос выдвижения от ЛДПР")
    assert workspace.con.execute("SELECT account_id, name, is_pseudonymised FROM accounts").fetchall() == [
        ("1101170442", "РИА Новости", False)]
    assert workspace.con.execute("SELECT count(*) FROM engagement_snapshots").fetchone()[0] == 0  # no counts given
    again = import_file(workspace, path)
    assert (again.imported, again.updated, again.records) == (0, 0, 1000) and balanced(again)
    assert workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0] == 1000


@pytest.mark.shared
def test_sniff_claims_only_telethon_lists(real):
    for path in sorted(real.glob("*/*.json*")) + sorted(DATA.glob("*/*.json*")):
        claimed = telethon.sniff(read_head(path), path)
        expected = path.name == "1001101170442_messages.json" or (
            path.parent.name == "telethon" and path.stem != "not_messages")
        assert claimed == expected, path


def test_channel_fixture_records():
    records = list(telethon.read(Source(CHANNEL)))
    assert records[-1] == Skipped(6, "service message")
    posts = {r.platform_post_id: r for r in records if isinstance(r, PostRecord)}
    assert list(posts) == ["1234567890/2", "1234567890/20", "1234567890/21", "1234567890/22", "1234567890/23"]
    first = posts["1234567890/2"]
    assert (first.account_id, first.account_name, first.account_handle) == ("1234567890", "Кандидат Тест", "kandidat_test")
    assert first.url == "https://t.me/kandidat_test/2"
    assert first.reaction_breakdown == {"👍": 6, "custom": 2, "paid": 1}
    assert (first.reactions, first.comments, first.shares, first.views, first.is_edited) == (9, 5, 8, 1700, True)
    assert first.text == "Голосуйте 12 января!"
    reply = posts["1234567890/20"]
    # the channel replying to its own post is the channel's post, its parent kept (issue #8)
    assert (reply.post_type, reply.parent_platform_post_id, reply.is_edited) == ("post", "1234567890/2", False)
    assert all(r.space_account_id is None for r in posts.values())
    assert reply.created_at == datetime(2025, 1, 12, 9, 30, tzinfo=timezone.utc)
    assert (reply.reactions, reply.reaction_breakdown) == (5, {"🔥": 4, "👎": 1})
    user_fwd = posts["1234567890/21"]
    assert (user_fwd.forwarded_from, user_fwd.forwarded_from_is_public, user_fwd.media_type) == ("user555001", False, "photo")
    assert user_fwd.created_at == datetime(2025, 1, 12, 10, 0, tzinfo=timezone.utc)
    assert user_fwd.is_edited is None  # the collector did not say
    assert (posts["1234567890/22"].forwarded_from, posts["1234567890/22"].forwarded_from_is_public) == ("777000", True)
    assert (posts["1234567890/23"].forwarded_from, posts["1234567890/23"].forwarded_from_is_public) == ("Скрытая Персона", False)


def test_channel_import_and_privacy(workspace):
    result = import_file(workspace, CHANNEL)
    assert result.records == _record_count(CHANNEL) == 6
    assert (result.imported, result.quarantined, result.skipped) == (5, 0, 1)
    key = workspace.pseudonym_key
    posts = posts_by_id(workspace)
    assert posts["1234567890/21"]["forwarded_from"] == pseudonym(key, "telegram", "user555001")
    assert posts["1234567890/23"]["forwarded_from"] == pseudonym(key, "telegram", "Скрытая Персона")
    assert not any(name in everything_stored(workspace) for name in PRIVATE_NAMES)


def test_same_channel_keys_the_same_as_a_desktop_export(workspace):
    desktop = import_file(workspace, DATA / "telegram_desktop" / "channel.json")
    assert desktop.imported == 6
    result = import_file(workspace, CHANNEL)
    # message 2 is in both files: a new snapshot (and the public URL), not a second post
    assert (result.imported, result.updated, result.skipped) == (4, 1, 1)
    assert workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0] == 10
    assert workspace.con.execute("SELECT count(*) FROM accounts WHERE NOT is_pseudonymised").fetchone()[0] == 1
    assert workspace.con.execute(
        """SELECT e.reactions FROM engagement_snapshots e JOIN posts p USING (post_id)
           WHERE p.platform_post_id = '1234567890/2' ORDER BY e.measured_at""").fetchall() == [(11,), (9,)]


def test_json_lines_group(workspace):
    result = import_file(workspace, GROUP)
    assert result.records == _record_count(GROUP) == 5
    assert (result.imported, result.quarantined, result.skipped) == (4, 1, 0)
    number, reason, raw = workspace.con.execute("SELECT record_number, reason, raw FROM quarantine").fetchone()
    assert number == 3 and reason.startswith("line 3 is not JSON") and raw.startswith('{"id": 12')
    key = workspace.pseudonym_key
    p111, p333 = pseudonym(key, "telegram", "user111"), pseudonym(key, "telegram", "user333")
    posts = posts_by_id(workspace)
    assert {k: (v["account_id"], v["post_type"], v["parent_platform_post_id"], v["forwarded_from"])
            for k, v in posts.items()} == {
        "987654/10": (p111, "message", None, None),
        "987654/11": (p333, "reply", "987654/10", None),
        "987654/13": ("987654", "post", None, None),
        "987654/14": (p333, "message", None, p111),
    }
    assert {k: v["space_account_id"] for k, v in posts.items()} == {
        "987654/10": "987654", "987654/11": "987654", "987654/13": None, "987654/14": "987654"}
    assert not any(name in everything_stored(workspace) for name in PRIVATE_NAMES)


def test_group_keys_match_the_desktop_export(workspace):
    import_file(workspace, DATA / "telegram_desktop" / "group.json")
    result = import_file(workspace, GROUP)
    assert (result.imported, result.quarantined) == (0, 1)
    assert workspace.con.execute("SELECT count(*) FROM accounts").fetchone()[0] == 3


def test_malformed_messages_are_quarantined(workspace):
    result = import_file(workspace, MALFORMED)
    assert result.records == _record_count(MALFORMED) == 9
    assert (result.imported, result.quarantined, result.skipped) == (2, 7, 0)
    rows = workspace.con.execute("SELECT record_number, reason, raw FROM quarantine ORDER BY record_number").fetchall()
    assert [(n, reason) for n, reason, _ in rows] == [
        (2, "message has no id"),
        (3, "date is 'вчера', not a date and time"),
        (4, "views is 'many', not a non-negative whole number"),
        (5, "forwards is negative (-5)"),
        (6, "replies is '3.7.1', not a non-negative whole number"),
        (7, "views is '1e999999', not a non-negative whole number"),
        (8, "no chat id: the message has no peer_id and its sender is not a channel"),
    ]
    assert json.loads(rows[0][2])["text"] == "Без id"
    assert sorted(posts_by_id(workspace)) == ["1555000000/1", "1555000000/9"]


def test_later_export_adds_snapshots(workspace, tmp_path):
    import_file(workspace, CHANNEL)
    again = import_file(workspace, CHANNEL)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 5) and balanced(again)
    messages = json.loads(CHANNEL.read_text(encoding="utf-8"))
    messages[0]["views"] = 2500
    messages[1]["views"] = 450
    later = tmp_path / "later.jsonl"
    later.write_text("\n".join(json.dumps(m, ensure_ascii=False) for m in messages) + "\n", encoding="utf-8")
    result = import_file(workspace, later)
    assert (result.records, result.imported, result.updated, result.unchanged) == (6, 0, 2, 3)
    assert balanced(result)
    assert workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0] == 5
    assert workspace.con.execute("SELECT count(*) FROM engagement_snapshots").fetchone()[0] == 4


@pytest.mark.parametrize("path", [TT / "not_messages.json", DATA / "vk" / "wall_reposts.json",
                                  DATA / "telegram_desktop" / "channel.json"])
def test_wrong_format(workspace, path):
    with pytest.raises(WrongFormat, match="expected a JSON array or JSON Lines of Telegram messages"):
        import_file(workspace, path, format_id="telethon")


def test_cli_import_json(runner, tmp_path):
    ws_path = tmp_path / "ws"
    init_workspace(ws_path, project="t").close()
    result = runner.invoke(app, ["import", "-w", str(ws_path), str(GROUP), "--json"])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)
    assert counts["format"] == "telethon"
    assert {k: counts[k] for k in ("records", "imported", "updated", "quarantined", "skipped")} == {
        "records": 5, "imported": 4, "updated": 0, "quarantined": 1, "skipped": 0}

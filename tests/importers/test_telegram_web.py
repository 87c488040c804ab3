"""Saved t.me/s pages (synthetic, see data/telegram_web/SOURCE.md): keys, texts, rounded views, hostile markup."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from shailoo.errors import WrongFormat
from shailoo.importers import detect, telegram_web
from shailoo.importers.base import Source, read_head
from shailoo.importers.parse import BadValue
from shailoo.privacy import pseudonym
from shailoo.records import AccountRecord, PostRecord, RowError, Skipped
from shailoo.store.loader import import_file
from tests.conftest import DATA
from tests.importers.helpers import balanced, everything_stored, posts_by_id

WEB = Path(__file__).resolve().parent / "data" / "telegram_web"
CHANNEL, HOSTILE, USERNAME_ONLY = WEB / "channel.html", WEB / "hostile.html", WEB / "username_only.html"
EMPTY, NOT_PREVIEW = WEB / "empty_channel.html", WEB / "not_a_preview.html"


def _records(path: Path) -> list:
    return list(telegram_web.read(Source(path)))


def _posts(path: Path) -> dict[str, PostRecord]:
    return {r.platform_post_id: r for r in _records(path) if isinstance(r, PostRecord)}


def test_detected_and_no_other_file_claimed():
    for path in sorted(WEB.glob("*.html")):
        assert detect(path) is telegram_web, path
    for path in sorted(DATA.glob("*/*")):
        if path.is_file():
            assert not telegram_web.sniff(read_head(path), path), path


@pytest.mark.parametrize("shown,count", [
    ("987", 987), ("1.2K", 1200), ("3.4M", 3_400_000), ("15.6K", 15_600), ("2.05K", 2050), ("10M", 10_000_000),
    ("1K", 1000), ("12 345", 12345), ("", None), (" 7 ", 7), ("1,5K", 1500), ("1.2B", 1_200_000_000)])
def test_views_as_the_preview_shows_them(shown, count):
    assert telegram_web.parse_views(shown) == count


@pytest.mark.parametrize("shown", ["1.2.3K", "K", "-5", "1.2X", "999999999999999B", "12" * 20])
def test_views_that_are_not_counts(shown):
    with pytest.raises(BadValue):
        telegram_web.parse_views(shown)


def test_channel_page_records():
    records = _records(CHANNEL)
    assert records[0] == AccountRecord(platform="telegram", account_id="1234567890", name="Шайлоо демо",
                                       handle="shailoo_demo", url="https://t.me/shailoo_demo", followers=12500)
    assert Skipped(5, "service message") in records
    posts = _posts(CHANNEL)
    assert list(posts) == ["1234567890/101", "1234567890/102", "1234567890/104", "1234567890/107"]
    first = posts["1234567890/101"]
    assert (first.account_id, first.account_handle, first.url) == ("1234567890", "shailoo_demo",
                                                                    "https://t.me/shailoo_demo/101")
    assert first.created_at == datetime(2024, 11, 30, 6, 15, tzinfo=timezone.utc)
    # line breaks kept, links and hashtags as their text, emoji as characters
    assert first.text == "Шайлоо комиссиясы добуштарды кайра эсептөөнү баштады.\n\nТолугураак: сайтыбызда #шайлоо 🗳"
    assert (first.link, first.media_type, first.views, first.is_edited) == (
        "https://kloop.example.kg/news/recount", "photo", 3_400_000, False)
    assert (first.reactions, first.reaction_breakdown) == (1239, {"👍": 1200, "😡": 34, "custom": 5})
    fwd = posts["1234567890/102"]
    assert fwd.text == "Сайлау нәтижелері: Алматы бойынша дауыс беру аяқталды.\nSaylov natijalari e'lon qilindi."
    assert (fwd.forwarded_from, fwd.forwarded_from_is_public, fwd.is_edited, fwd.views) == (
        "other_channel", True, True, 1200)
    assert fwd.reactions is None and fwd.comments is None  # not shown: unknown, not zero
    reply = posts["1234567890/104"]
    assert (reply.post_type, reply.parent_platform_post_id) == ("post", "1234567890/101")
    assert (reply.forwarded_from, reply.forwarded_from_is_public) == ("Жашыруун Адам", False)
    assert reply.text == "Кошумча маалымат: @shailoo_demo https://example.org/data"  # not the quoted reply
    assert reply.link is None  # a URL written in the text is found by the loader, a mention is not a link
    video = posts["1234567890/107"]
    assert (video.text, video.media_type, video.link, video.link_text, video.views) == (
        None, "video_file", "https://24.example.kg/elections/2024", "Шайлоо: жыйынтыктар", 15_600)


def test_channel_import_privacy_and_counts(workspace):
    result = import_file(workspace, CHANNEL)
    assert result.format == "telegram_web" and balanced(result)
    assert (result.imported, result.quarantined, result.skipped) == (5, 0, 1)  # the account and 4 posts
    posts = posts_by_id(workspace)
    assert posts["1234567890/104"]["forwarded_from"] == pseudonym(workspace.pseudonym_key, "telegram", "Жашыруун Адам")
    stored = everything_stored(workspace) + repr(workspace.con.execute("SELECT * FROM quarantine").fetchall())
    assert "Жашыруун Адам" not in stored and "Айбек Жеке" not in stored  # a hidden user, a signature
    assert workspace.con.execute("SELECT account_id, handle, name FROM accounts").fetchall() == [
        ("1234567890", "shailoo_demo", "Шайлоо демо")]
    again = import_file(workspace, CHANNEL)
    assert again.imported == 0 and workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0] == 4


def _desktop_export(path: Path) -> Path:
    path.write_text(json.dumps({"name": "Шайлоо демо", "type": "public_channel", "id": 1234567890, "messages": [
        {"id": 101, "type": "message", "date": "2024-11-30T12:15:00", "date_unixtime": "1732947300",
         "from": "Шайлоо демо", "from_id": "channel1234567890", "text": "Шайлоо комиссиясы", "views": 3000000}]},
        ensure_ascii=False), encoding="utf-8")
    return path


def test_merges_with_a_desktop_export_of_the_same_channel(workspace, tmp_path):
    import_file(workspace, _desktop_export(tmp_path / "result.json"))
    result = import_file(workspace, CHANNEL)
    assert (result.imported, result.updated) == (3, 2)  # message 101 (two readings) and the account updated
    assert workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0] == 4
    assert workspace.con.execute("SELECT count(*) FROM accounts").fetchone()[0] == 1
    views = workspace.con.execute(
        """SELECT e.views FROM engagement_snapshots e JOIN posts p USING (post_id)
           WHERE p.platform_post_id = '1234567890/101' ORDER BY e.views""").fetchall()
    assert views == [(3_000_000,), (3_400_000,)]


def test_a_page_without_the_numeric_id_keys_by_username():
    records = _records(USERNAME_ONLY)
    assert not any(isinstance(r, AccountRecord) for r in records)  # no id: no account row to duplicate
    posts = _posts(USERNAME_ONLY)
    assert list(posts) == ["qazaq_demo/7", "qazaq_demo/9"]
    first, second = posts["qazaq_demo/7"], posts["qazaq_demo/9"]
    assert (first.account_id, first.account_handle, first.url) == ("qazaq_demo", "qazaq_demo",
                                                                    "https://t.me/Qazaq_Demo/7")
    assert first.text == "Құрметті сайлаушылар!\nСайлау учаскелері сағат 7:00-де ашылады."
    assert (first.views, second.views) == (2050, 10_000_000)
    assert second.parent_platform_post_id == "qazaq_demo/7"
    assert second.text == "Oʻzbekiston saylov komissiyasi: ishtirok 74,7 foizni tashkil etdi."


def test_username_posts_join_the_account_known_by_id(workspace):
    """A username-keyed page lands on the channel's account when an earlier import knows its id."""
    workspace.con.execute("INSERT INTO accounts (platform, account_id, handle, name) "
                          "VALUES ('telegram', '555000111', 'qazaq_demo', 'Qazaq Demo')")
    import_file(workspace, USERNAME_ONLY)
    assert workspace.con.execute(
        "SELECT DISTINCT account_id FROM posts WHERE platform_post_id LIKE 'qazaq_demo/%'").fetchall() == [("555000111",)]


def test_hostile_page_keeps_text_never_markup(workspace):
    records = _records(HOSTILE)
    posts = {r.platform_post_id: r for r in records if isinstance(r, PostRecord)}
    errors = [r for r in records if isinstance(r, RowError)]
    assert list(posts) == ["987654321/11", "987654321/14"]
    first = posts["987654321/11"]
    # what the author wrote (escaped markup) is text; real script/style/comment content is not
    assert first.text == '<script>alert("text")</script> is what the author wrote.\nclick here data link'
    assert first.link is None  # javascript: and data: links are never kept
    assert (first.forwarded_from, first.forwarded_from_is_public) == ("Evil Source", False)
    assert first.created_at == datetime(2024, 5, 1, 4, 0, tzinfo=timezone.utc)
    assert posts["987654321/14"].link == "https://example.org/ok" and posts["987654321/14"].views == 1500
    reasons = sorted(e.reason for e in errors)
    assert len(errors) == 4
    assert any("time is '9999-99-99" in r for r in reasons)
    assert any("above the plausible maximum" in r for r in reasons)
    assert any("data-post is '../../etc/passwd'" in r for r in reasons)
    assert any("belongs to 'someone_else'" in r for r in reasons)
    for e in errors:
        assert "<" not in e.raw and "tgme_" not in e.raw  # no markup kept in quarantine
        assert e.raw.startswith('{"data-post": ')
    result = import_file(workspace, HOSTILE)
    assert (result.imported, result.quarantined) == (3, 4) and balanced(result)  # the account and 2 posts
    title = workspace.con.execute("SELECT name FROM accounts").fetchone()[0]
    assert title == "Hostile <b>demo</b>"  # as text; the title's script is not read


def test_empty_channel_has_no_posts(workspace):
    records = _records(EMPTY)
    assert records == []  # no numeric id on an empty page, no messages: nothing to load, no error
    result = import_file(workspace, EMPTY)
    assert result.records == 0 and result.imported == 0


def test_not_a_preview_is_the_wrong_format(tmp_path):
    with pytest.raises(WrongFormat, match=r"not a Telegram channel's web preview \(no channel header"):
        _records(NOT_PREVIEW)
    bare = tmp_path / "history_missing.html"
    bare.write_text('<html><div class="tgme_channel_info"></div><div class="tgme_widget_message" '
                    'data-post="a_chan/1"></div></html>')
    with pytest.raises(WrongFormat, match=r"no message history"):
        _records(bare)


def test_bounds_on_size_and_messages(tmp_path, monkeypatch):
    big = tmp_path / "big.html"
    big.write_bytes(CHANNEL.read_bytes() + b" " * (telegram_web.MAX_PAGE_BYTES + 1))
    with pytest.raises(WrongFormat, match="larger than 10 MB"):
        _records(big)
    monkeypatch.setattr(telegram_web, "MAX_MESSAGES", 2)
    records = _records(CHANNEL)
    assert sum(isinstance(r, PostRecord) for r in records) == 2
    assert isinstance(records[-1], RowError) and "5 messages, more than the 2 read" in records[-1].reason


def test_deep_nesting_and_many_messages_stay_fast(tmp_path):
    deep = "<div>" * 20_000 + "deep" + "</div>" * 20_000
    message = ('<div class="tgme_widget_message" data-post="fast_chan/{i}" data-peer="c42_-1">'
               '<div class="tgme_widget_message_text js-message_text">text {i}' + "{deep}" + '</div>'
               '<a class="tgme_widget_message_date"><time datetime="2024-01-01T00:00:00+00:00"></time></a></div>')
    body = "".join(message.format(i=i, deep=deep if i == 1 else "") for i in range(1, 600))
    page = tmp_path / "deep.html"
    page.write_text('<html><div class="tgme_channel_info"></div><section class="tgme_channel_history">'
                    + body + "</section></html>")
    started = time.perf_counter()
    posts = _posts(page)
    assert len(posts) == 599 and posts["42/1"].text.endswith("deep")
    assert time.perf_counter() - started < 30

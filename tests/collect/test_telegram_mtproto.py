"""The MTProto collector at Telethon's client boundary: a fake client returning real Telethon objects
built from recorded data (synthetic, data/telethon/SOURCE.md) and raising Telethon's own errors."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

pytest.importorskip("telethon")
from telethon import errors  # noqa: E402
from telethon.tl import types  # noqa: E402

from shailoo.collect.base import Account, AccountUnavailable, CollectError, CredentialsError, Throttled  # noqa: E402
from shailoo.collect.credentials import Credentials  # noqa: E402
from shailoo.collect.telegram_mtproto import TelegramMtprotoCollector, serialise, session_path  # noqa: E402
from shailoo.importers import detect, telethon as importer  # noqa: E402
from shailoo.importers.base import Source  # noqa: E402
from shailoo.privacy import pseudonym  # noqa: E402
from shailoo.records import PostRecord  # noqa: E402
from shailoo.store.loader import import_file  # noqa: E402

DATA = json.loads((Path(__file__).parent / "data" / "telethon" / "channel.json").read_text(encoding="utf-8"))
CHANNEL_ID, GROUP_ID = DATA["channel"]["id"], DATA["group"]["id"]
ACCOUNT = Account("telegram", 4, str(CHANNEL_ID), "kg_demo_news")
CREDENTIALS = Credentials({"SHAILOO_TELEGRAM_API_ID": "123456", "SHAILOO_TELEGRAM_API_HASH": "0123456789abcdef0123456789abcdef"},
                          keyring=None)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _reaction(kind: str, value) -> object:
    if kind == "emoji":
        return types.ReactionEmoji(emoticon=value)
    if kind == "custom":
        return types.ReactionCustomEmoji(document_id=value)
    return types.ReactionPaid()


def build(item: dict, peer: int = CHANNEL_ID) -> object:
    """A real Telethon message from one recorded item."""
    if item.get("service"):
        return types.MessageService(id=item["id"], peer_id=types.PeerChannel(peer), date=_time(item["date"]),
                                    action=types.MessageActionChannelCreate(title="x"))
    return types.Message(
        id=item["id"], peer_id=types.PeerChannel(peer), date=_time(item["date"]), message=item["message"],
        from_id=types.PeerUser(item["user"]) if "user" in item else None,
        views=item.get("views"), forwards=item.get("forwards"),
        replies=types.MessageReplies(replies=item["replies"], replies_pts=1, comments=item.get("comments"),
                                     channel_id=GROUP_ID) if "replies" in item else None,
        reactions=types.MessageReactions(results=[types.ReactionCount(reaction=_reaction(k, v), count=n)
                                                  for k, v, n in item["reactions"]]) if "reactions" in item else None,
        edit_date=_time(item["edit_date"]) if "edit_date" in item else None,
        fwd_from=(types.MessageFwdHeader(date=_time(item["date"]), from_id=types.PeerChannel(item["fwd_channel"]))
                  if "fwd_channel" in item else types.MessageFwdHeader(date=_time(item["date"]), from_name=item["fwd_name"])
                  if "fwd_name" in item else None),
        reply_to=types.MessageReplyHeader(reply_to_msg_id=item["reply_to"], reply_to_top_id=item.get("top"))
        if "reply_to" in item else None,
        media=types.MessageMediaPhoto() if item.get("media") == "photo" else None,
        post_author="Айбек Жеке" if item["id"] == 2 else None)


MESSAGES = [build(m) for m in DATA["messages"]]
COMMENTS = {int(k): [build(c, GROUP_ID) for c in v] for k, v in DATA["comments"].items()}
CHANNEL = types.Channel(id=CHANNEL_ID, title=DATA["channel"]["title"], photo=types.ChatPhotoEmpty(), date=None,
                        broadcast=True, username=DATA["channel"]["username"], access_hash=1)


class FakeClient:
    """TelegramClient's async methods used by the collector, over the recorded messages."""

    def __init__(self, authorized: bool = True) -> None:
        self.authorized = authorized
        self.entities = {"kg_demo_news": CHANNEL}
        self.calls: list[tuple] = []
        self.raise_next: list[Exception] = []  # raised by the next calls, in turn

    async def connect(self):
        self.calls.append(("connect",))

    async def disconnect(self):
        self.calls.append(("disconnect",))

    async def is_user_authorized(self):
        return self.authorized

    def _maybe_raise(self):
        if self.raise_next:
            raise self.raise_next.pop(0)

    async def get_entity(self, target):
        self.calls.append(("get_entity", target))
        self._maybe_raise()
        if isinstance(target, types.PeerChannel):
            target = "kg_demo_news" if target.channel_id == CHANNEL_ID else None
        if target not in self.entities:
            raise ValueError(f'No user has "{target}" as username')
        return self.entities[target]

    def iter_messages(self, entity, limit=None, min_id=0, offset_date=None, reverse=False, reply_to=None):
        self.calls.append(("iter_messages", {k: v for k, v in dict(limit=limit, min_id=min_id, offset_date=offset_date,
                                                                    reply_to=reply_to).items() if v}))
        self._maybe_raise()
        assert reverse
        pool = COMMENTS.get(reply_to, []) if reply_to else MESSAGES
        chosen = [m for m in pool if m.id > (min_id or 0) and (offset_date is None or m.date > offset_date)]

        async def gen():
            for m in sorted(chosen, key=lambda m: m.id)[:limit]:
                yield m
        return gen()

    async def get_messages(self, entity, ids):
        self.calls.append(("get_messages", list(ids)))
        self._maybe_raise()
        by_id = {m.id: m for m in MESSAGES}
        return [by_id.get(i) for i in ids]


def _collector(client: FakeClient, tmp_path: Path, **options) -> TelegramMtprotoCollector:
    return TelegramMtprotoCollector(None, CREDENTIALS, workspace=tmp_path / "ws", client_factory=lambda *a: client,
                                    **options)


def _records(batches, tmp_path: Path) -> list:
    out = []
    for n, batch in enumerate(batches):
        path = tmp_path / f"{n}_{batch.filename}"
        path.write_bytes(batch.body)
        assert detect(path) is importer
        out.extend(importer.read(Source(path)))
    return out


def test_new_posts_serialise_what_the_telethon_importer_reads(tmp_path):
    client = FakeClient()
    batches = list(_collector(client, tmp_path, batch_size=3).new_posts(ACCOUNT, None, None))
    assert [b.format_id for b in batches] == ["telethon", "telethon"]
    assert [b.cursor for b in batches] == [{"last_id": 3}, {"last_id": 7}]
    assert batches[0].notes == ["1 service message skipped"] and batches[0].posts_seen == 2
    assert [c for c in client.calls if c[0] == "iter_messages"] == [
        ("iter_messages", {"limit": 3}), ("iter_messages", {"limit": 3, "min_id": 3}),
        ("iter_messages", {"limit": 3, "min_id": 7})]
    posts = {r.platform_post_id: r for r in _records(batches, tmp_path) if isinstance(r, PostRecord)}
    assert list(posts) == [f"{CHANNEL_ID}/{i}" for i in (2, 3, 5, 6, 7)]
    first = posts[f"{CHANNEL_ID}/2"]
    assert (first.account_id, first.account_name, first.account_handle, first.url) == (
        str(CHANNEL_ID), "Демо жаңылыктар", "kg_demo_news", "https://t.me/kg_demo_news/2")
    assert first.text == "Шайлоо 30-ноябрда өтөт.\nДобуш берүүгө чакырабыз!"
    assert (first.views, first.shares, first.comments, first.media_type) == (15234, 87, 3, "photo")
    assert (first.reactions, first.reaction_breakdown) == (133, {"👍": 120, "😡": 7, "custom": 4, "paid": 2})
    assert first.created_at == datetime(2024, 11, 1, 4, 0, tzinfo=timezone.utc)
    edited = posts[f"{CHANNEL_ID}/3"]
    assert (edited.is_edited, edited.forwarded_from, edited.forwarded_from_is_public) == (True, "1500900999", True)
    reply = posts[f"{CHANNEL_ID}/5"]
    assert (reply.post_type, reply.parent_platform_post_id, reply.is_edited) == ("post", f"{CHANNEL_ID}/2", False)
    assert (reply.forwarded_from, reply.forwarded_from_is_public) == ("Жашыруун Адам", False)
    assert all(b"\xd0\x90\xd0\xb9\xd0\xb1\xd0\xb5\xd0\xba" not in b.body for b in batches)  # no signature written


def test_cursor_and_since(tmp_path):
    client = FakeClient()
    batches = list(_collector(client, tmp_path).new_posts(ACCOUNT, {"last_id": 5}, None))
    assert [b.cursor for b in batches] == [{"last_id": 7}] and batches[0].posts_seen == 2
    client.calls.clear()
    since = datetime(2024, 11, 1, 12, 0, tzinfo=timezone.utc)
    batches = list(_collector(client, tmp_path).new_posts(ACCOUNT, None, since))
    assert [c for c in client.calls if c[0] == "iter_messages"][0] == ("iter_messages", {"limit": 100,
                                                                                      "offset_date": since})
    assert [b.posts_seen for b in batches] == [2]


def test_comment_threads_when_asked(workspace, tmp_path):
    client = FakeClient()
    batches = list(_collector(client, tmp_path, comments=True).new_posts(ACCOUNT, None, None))
    assert [b.cursor for b in batches] == [None, {"last_id": 7}]  # the thread before the posts' cursor
    assert ("iter_messages", {"limit": 100, "reply_to": 2}) in client.calls
    records = [r for r in _records(batches[:1], tmp_path) if isinstance(r, PostRecord)]
    assert [(r.platform_post_id, r.account_id, r.post_type, r.space_account_id, r.author_is_public)
            for r in records] == [(f"{GROUP_ID}/40", "user700100", "reply", str(GROUP_ID), False),
                                  (f"{GROUP_ID}/41", "user700200", "reply", str(GROUP_ID), False),
                                  (f"{GROUP_ID}/42", "user700100", "reply", str(GROUP_ID), False)]
    assert records[2].parent_platform_post_id == f"{GROUP_ID}/41"
    for n, batch in enumerate(batches):
        path = tmp_path / f"imp{n}_{batch.filename}"
        path.write_bytes(batch.body)
        import_file(workspace, path)
    people = {a for (a,) in workspace.con.execute("SELECT account_id FROM posts WHERE space_account_id IS NOT NULL").fetchall()}
    assert people == {pseudonym(workspace.pseudonym_key, "telegram", "user700100"),
                      pseudonym(workspace.pseudonym_key, "telegram", "user700200")}


def test_readings_use_get_messages(tmp_path):
    client = FakeClient()
    batches = list(_collector(client, tmp_path).readings(ACCOUNT, [f"{CHANNEL_ID}/2", f"{CHANNEL_ID}/4",
                                                                   f"{CHANNEL_ID}/7"]))
    assert ("get_messages", [2, 4, 7]) in client.calls
    assert len(batches) == 1 and batches[0].cursor is None and batches[0].posts_seen == 2
    assert batches[0].notes == ["1 of 3 posts are deleted or unavailable"]


def test_short_flood_wait_is_waited_long_one_is_throttled(tmp_path):
    client = FakeClient()
    slept = []
    client.raise_next = [errors.FloodWaitError(request=None, capture=7)]
    collector = _collector(client, tmp_path, sleep=slept.append, flood_wait_max=60)
    assert len(list(collector.new_posts(ACCOUNT, {"last_id": 5}, None))) == 1
    assert slept == [7.0] and "7 s" in collector.summary()
    client.raise_next = [errors.FloodWaitError(request=None, capture=3600)]
    with pytest.raises(Throttled, match="wait 3,600 s"):
        list(_collector(client, tmp_path, sleep=slept.append, flood_wait_max=60).new_posts(ACCOUNT, None, None))


@pytest.mark.parametrize("error", [errors.ChannelPrivateError(request=None), errors.UsernameNotOccupiedError(request=None),
                                   errors.UsernameInvalidError(request=None), ValueError('No user has "x" as username')])
def test_private_or_unknown_channels_are_unavailable(tmp_path, error):
    client = FakeClient()
    client.raise_next = [error]
    with pytest.raises(AccountUnavailable, match="kg_demo_news"):
        list(_collector(client, tmp_path).new_posts(ACCOUNT, None, None))


def test_users_and_private_groups_are_not_collected(tmp_path):
    client = FakeClient()
    client.entities["a_person"] = types.User(id=5, username="a_person")
    client.entities["closed"] = types.Channel(id=9, title="Closed", photo=types.ChatPhotoEmpty(), date=None,
                                              megagroup=True, username=None)
    with pytest.raises(AccountUnavailable, match="a person's account"):
        list(_collector(client, tmp_path).new_posts(Account("telegram", 1, None, "a_person"), None, None))
    with pytest.raises(AccountUnavailable, match="no public username"):
        list(_collector(client, tmp_path).new_posts(Account("telegram", 1, None, "closed"), None, None))


@pytest.mark.parametrize("error", [errors.AuthKeyUnregisteredError(request=None), errors.SessionRevokedError(request=None)])
def test_revoked_session_is_a_credentials_error(tmp_path, error):
    client = FakeClient()
    client.raise_next = [error]
    with pytest.raises(CredentialsError, match="signed out or revoked"):
        list(_collector(client, tmp_path).new_posts(ACCOUNT, None, None))
    with pytest.raises(CredentialsError, match="not signed in"):
        list(_collector(FakeClient(authorized=False), tmp_path).new_posts(ACCOUNT, None, None))


def test_credentials_and_session_file(tmp_path):
    with pytest.raises(CredentialsError, match="SHAILOO_TELEGRAM_API_ID"):
        TelegramMtprotoCollector(None, Credentials({}, keyring=None), workspace=tmp_path / "ws")
    ws = tmp_path / "ws"
    assert session_path(ws) == tmp_path / "ws.telegram.session"  # beside the workspace, never inside it
    assert session_path(ws, tmp_path / "mine") == tmp_path / "mine.session"
    collector = _collector(FakeClient(), tmp_path)
    assert collector.session.parent == tmp_path and "0123456789abcdef" not in repr(vars(collector).get("session"))


def test_without_telethon_one_sentence(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "telethon", None)
    with pytest.raises(CollectError, match=r"pip install shailoo\[telegram\]"):
        TelegramMtprotoCollector(None, CREDENTIALS, workspace=tmp_path / "ws")


def test_service_messages_are_not_serialised():
    assert serialise(MESSAGES[0], CHANNEL, types) is None
    row = serialise(MESSAGES[1], CHANNEL, types)
    assert row["peer_id"] == {"channel_id": CHANNEL_ID} and "post_author" not in row
    assert json.dumps(row, ensure_ascii=False)  # JSON all the way down (no bytes, no datetimes)


def test_from_id_follows_the_channel_after_a_message(tmp_path):
    client = FakeClient()
    batches = list(_collector(client, tmp_path, from_id=5).new_posts(ACCOUNT, None, None))
    assert [c for c in client.calls if c[0] == "iter_messages"][0] == ("iter_messages", {"limit": 100, "min_id": 5})
    assert [b.cursor for b in batches] == [{"last_id": 7}]
    client.calls.clear()  # a cursor wins over from_id: the next run goes on from where the last one ended
    list(_collector(client, tmp_path, from_id=5).new_posts(ACCOUNT, {"last_id": 6}, None))
    assert [c for c in client.calls if c[0] == "iter_messages"][0] == ("iter_messages", {"limit": 100, "min_id": 6})

"""Telegram Desktop 'Export chat history' JSON (result.json) of one channel or group.

Quirks handled: `text` given as a string or as a list mixing strings and entity objects, `date`
in the exporting machine's local time without a zone (`date_unixtime` is used when present),
"(File not included…)" placeholders for media that was not downloaded, reactions split into
emoji / custom emoji / paid stars, forwards from hidden users known only by a display name, and
service messages (channel created, title changed, member joined). The `messages` array is read
as a stream with ijson, so a 1 GB export never sits in memory.

The helpers `bare_chat_id`, `peer`, `reaction_counts`, `join_text` and `forward_origin` are shared
with the Telethon importer, so that both sources key the same channel and person identically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import ijson

from shailoo.errors import WrongFormat
from shailoo.importers.base import ImporterInfo, Record, Source, dump_raw
from shailoo.importers.parse import BadValue, clean_text, is_placeholder, parse_count, parse_time
from shailoo.records import PostRecord, RowError, Skipped

FORMAT = ImporterInfo(
    id="telegram_desktop",
    name="Telegram Desktop export",
    description="Telegram Desktop 'Export chat history' JSON (result.json) of one channel or group",
    extensions=(".json",),
)

PLATFORM = "telegram"
CHANNEL_TYPES = frozenset({"public_channel", "private_channel"})
CHAT_TYPES = CHANNEL_TYPES | {"private_group", "public_supergroup", "private_supergroup", "personal_chat",
                              "saved_messages", "bot_chat", "private_chat"}
_TYPE = re.compile(r'"type"\s*:\s*"(' + "|".join(sorted(CHAT_TYPES)) + r')"')
_MESSAGES = re.compile(r'"messages"\s*:\s*\[')
_FULL_EXPORT = re.compile(r'\{\s*"about"\s*:\s*"Here is the data you requested')
_BOM = b"\xef\xbb\xbf"
_CHANNEL_MARK = 1_000_000_000_000  # Telethon writes channel -100123… for channel 123…


_EXPORT_FOLDER = re.compile(r"ChatExport_(\d{4})-(\d{2})-(\d{2})")


def export_time(path: Path) -> datetime | None:
    """Telegram Desktop saves into a folder 'ChatExport_YYYY-MM-DD' (the exporting machine's local
    date). The earliest instant of that date anywhere on Earth (00:00 at UTC+14) is taken as the
    snapshot's measurement time: never later than the real export. (The loader never dates a
    snapshot before its post.)"""
    for part in reversed(path.resolve().parts[:-1]):
        m = _EXPORT_FOLDER.search(part)
        if m:
            return datetime(*(int(g) for g in m.groups()), tzinfo=timezone(timedelta(hours=14)))
    return None


def sniff(head: str, path: Path) -> bool:
    """A single-chat export, or a full account export (claimed to say how to export one chat)."""
    text = head.lstrip()
    return text.startswith("{") and (bool(_MESSAGES.search(text) and _TYPE.search(text[:2000]))
                                     or bool(_FULL_EXPORT.match(text)))


# ---- helpers shared with the Telethon importer ------------------------------------------------

def peer(value: Any) -> tuple[str | None, str | None]:
    """('chat', bare id) for a channel or group, ('user', 'user123') for a person, else (None, None).

    Accepts Telethon's marked ids (-100123…, -123, 123), Desktop's 'channel123' / 'user123',
    Telethon's to_dict peers ({'channel_id': 123}) and their repr ('PeerChannel(channel_id=123)').
    """
    if isinstance(value, dict):
        for key, kind in (("channel_id", "chat"), ("chat_id", "chat"), ("user_id", "user")):
            if key in value:
                return _kind_id(kind, value[key])
        return None, None
    if isinstance(value, bool) or value is None:
        return None, None
    if isinstance(value, (int, Decimal)):
        n = int(value)
        if n < 0:
            return "chat", str(-n - _CHANNEL_MARK if n <= -_CHANNEL_MARK else -n)
        return ("user", f"user{n}") if n > 0 else (None, None)
    text = str(value).strip()
    m = re.fullmatch(r"(?:Peer)?(channel|chat|user)(?:_id=|\(\w+_id=)?(\d+)\)?", text, re.IGNORECASE)
    if m:
        return _kind_id("user" if m.group(1).lower() == "user" else "chat", m.group(2))
    if re.fullmatch(r"-?\d+", text):
        return peer(int(text))
    return None, None


def _kind_id(kind: str, value: Any) -> tuple[str | None, str | None]:
    text = str(value).strip()
    if not text.isdigit():
        return None, None
    return kind, (f"user{int(text)}" if kind == "user" else str(int(text)))


def bare_chat_id(value: Any) -> str | None:
    """The bare numeric id of a channel or group ('123…'), whatever form it was written in."""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool) and int(value) > 0:
        return str(int(value))
    kind, ident = peer(value)
    return ident if kind == "chat" else None


def join_text(value: Any) -> str:
    """Telegram text: a string, or a list of strings and entity objects whose `text` is joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(part if isinstance(part, str) else str(part.get("text") or "")
                       for part in value if isinstance(part, (str, dict)))
    return ""


def _reaction_key(item: dict) -> str:
    kind, reaction = item.get("type"), item.get("reaction")
    emoji = item.get("emoji") or item.get("emoticon")
    if isinstance(reaction, dict):  # Telethon's to_dict: {'_': 'ReactionEmoji', 'emoticon': '👍'}
        name = str(reaction.get("_", ""))
        kind = "paid" if "Paid" in name else "custom_emoji" if "Custom" in name or "document_id" in reaction else kind
        emoji = reaction.get("emoticon") or emoji
    elif isinstance(reaction, str):
        emoji = reaction
    if kind == "paid":
        return "paid"
    if kind == "custom_emoji" or item.get("document_id") is not None:
        return "custom"
    return str(emoji) if emoji else "other"


def reaction_counts(value: Any) -> tuple[int | None, dict[str, int] | None]:
    """(total, breakdown) from a reactions list ({type, count, emoji|document_id}), a Telethon
    MessageReactions dict ({'results': [...]}), a {emoji: count} mapping, or a bare total."""
    if value is None:
        return None, None
    if isinstance(value, dict):
        value = value["results"] if "results" in value else [{"emoji": k, "count": v} for k, v in value.items()]
    if not isinstance(value, list):
        return parse_count(value, "reactions"), None
    breakdown: dict[str, int] = {}
    for item in value:
        if not isinstance(item, dict):
            raise BadValue(f"a reaction is {dump_raw(item)[:40]}, not an object with a count")
        count = parse_count(item.get("count"), "reaction count")
        if count is not None:
            key = _reaction_key(item)
            breakdown[key] = breakdown.get(key, 0) + count
    return sum(breakdown.values()), breakdown or None


def forward_origin(name: Any, from_id: Any) -> tuple[str | None, bool]:
    """(forwarded_from, is_public): a channel's bare id (public), a person's 'user123' or, for a
    hidden user known only by a display name, that name (both private: the loader pseudonymises)."""
    kind, ident = peer(from_id)
    if kind:
        return ident, kind == "chat"
    name = clean_text(name) if isinstance(name, str) else None
    return (name, False) if name else (None, True)


def message_counts(m: dict) -> tuple:
    """(reactions, reaction breakdown, views, forwards, replies) of a message; raises BadValue."""
    reactions, breakdown = reaction_counts(m.get("reactions"))
    return (reactions, breakdown, count_field(m.get("views"), "views"), count_field(m.get("forwards"), "forwards"),
            count_field(m.get("replies"), "replies"))


def count_field(value: Any, column: str) -> int | None:
    """A count that collectors write as a number or as an object ({'replies': 3}, {'count': 3})."""
    if isinstance(value, dict):
        value = value.get("count", value.get(column))
    return parse_count(value, column)


def id_error(number: int, msg_id: Any, message: dict) -> RowError | None:
    if isinstance(msg_id, int) and not isinstance(msg_id, bool) or isinstance(msg_id, str) and msg_id.isdigit():
        return None
    reason = "message has no id" if is_placeholder(msg_id) else f"message id is {dump_raw(msg_id)[:40]}, not a number"
    return RowError(number, reason, dump_raw(message))


def edited_flag(message: dict, *keys: str) -> bool | None:
    present = [k for k in keys if k in message]
    if not present:
        return None
    return any(not is_placeholder(message[k]) and message[k] is not False for k in present)


# ---- reading --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Chat:
    id: str
    name: str | None
    is_channel: bool


def skip_bom(fh) -> None:
    if fh.peek(3)[:3] == _BOM:
        fh.read(3)


def _chat(path: Path) -> Chat:
    """Read the top-level name, type and id (normally before `messages`) without loading messages."""
    found: dict[str, Any] = {}
    with open(path, "rb") as fh:
        skip_bom(fh)
        try:
            events = ijson.parse(fh)
            _, event, _ = next(events)
            if event != "start_map":
                raise WrongFormat(f"{path.name} is JSON but not a Telegram Desktop export: expected an object "
                                  "with name, type, id and messages (the result.json of 'Export chat history').")
            for prefix, event, value in events:
                if prefix in ("name", "type", "id") and event in ("string", "number"):
                    found[prefix] = value
                elif prefix in ("messages", "chats") and event in ("start_array", "start_map"):
                    found[prefix] = True
                    if prefix == "messages" and "id" in found and "type" in found:
                        break
        except ijson.JSONError as exc:
            raise WrongFormat(f"{path.name} is not JSON ({str(exc).splitlines()[0]}); expected a Telegram "
                              "Desktop result.json.") from None
    if "messages" not in found:
        hint = (" It is a full account export: export one channel or group with 'Export chat history' instead."
                if "chats" in found else "")
        raise WrongFormat(f"{path.name} is JSON but not a Telegram Desktop chat export: expected an object with "
                          f"name, type, id and a messages array.{hint}")
    chat_id = bare_chat_id(found.get("id"))
    if chat_id is None:
        raise WrongFormat(f"{path.name} has no usable chat id; expected the numeric 'id' Telegram Desktop writes.")
    return Chat(chat_id, clean_text(found.get("name")), found.get("type") in CHANNEL_TYPES)


def read(source: Source) -> Iterator[Record]:
    chat = _chat(source.path)
    number = 0
    with source.open_binary() as fh:
        skip_bom(fh)
        try:
            for number, message in enumerate(ijson.items(fh, "messages.item"), start=1):
                yield _message(number, message, chat)
        except ijson.JSONError as exc:
            yield RowError(number + 1, f"the file breaks off after message {number} ({str(exc).splitlines()[0]}); "
                                       "nothing after it could be read", "")


def _message(number: int, m: Any, chat: Chat) -> Record:
    if not isinstance(m, dict):
        return RowError(number, "not a message object", dump_raw(m))
    msg_id = m.get("id")
    if bad_id := id_error(number, msg_id, m):
        return bad_id
    if m.get("type") == "service":
        return Skipped(number, "service message")
    try:
        if not is_placeholder(m.get("date_unixtime")):
            created = parse_time(m["date_unixtime"], "date_unixtime")
        else:  # older exports: local time of the exporting machine, taken as UTC (see docs)
            created = parse_time(m.get("date"), "date")
        reactions, breakdown, views, shares, comments = message_counts(m)
    except BadValue as exc:
        return RowError(number, str(exc), dump_raw(m))

    kind, from_id = peer(m.get("from_id"))
    if chat.is_channel or (kind == "chat" and from_id == chat.id):
        account_id, name, public = chat.id, chat.name, True
    elif kind == "chat":  # a channel writing in a group
        account_id, name, public = from_id, clean_text(m.get("from")), True
    else:  # a person: private, pseudonymised by the loader unless a registered actor
        account_id, name, public = from_id, clean_text(m.get("from")), False
    is_self = account_id == chat.id
    reply_to = m.get("reply_to_message_id")
    reply_chat = bare_chat_id(m.get("reply_to_peer_id")) or chat.id
    forwarded_from, forwarded_public = (forward_origin(m.get("forwarded_from"), m.get("forwarded_from_id"))
                                        if "forwarded_from" in m or "forwarded_from_id" in m else (None, True))
    text = clean_text(join_text(m.get("text")) or join_text(m.get("text_entities")))
    return PostRecord(
        platform=PLATFORM, platform_post_id=f"{chat.id}/{msg_id}", created_at=created,
        account_id=account_id, account_name=name, author_is_public=public,
        post_type="reply" if reply_to is not None else ("post" if is_self else "message"),
        parent_platform_post_id=f"{reply_chat}/{reply_to}" if reply_to is not None else None,
        url=f"https://t.me/c/{chat.id}/{msg_id}",
        text=text,
        link=_first_link(m),
        media_type=media_type(m),
        forwarded_from=forwarded_from,
        forwarded_from_is_public=forwarded_public,
        is_edited=bool(edited_flag(m, "edited", "edited_unixtime")),
        reactions=reactions, reaction_breakdown=breakdown, comments=comments, shares=shares, views=views,
    )


def _first_link(m: dict) -> str | None:
    """The target of the first hidden link (a `text_link` entity), which the text itself does not show."""
    entities = m.get("text_entities") if isinstance(m.get("text_entities"), list) else m.get("text")
    for entity in entities if isinstance(entities, list) else ():
        if isinstance(entity, dict) and entity.get("type") == "text_link" and isinstance(entity.get("href"), str):
            return entity["href"]
    return None


def media_type(m: dict) -> str | None:
    """What the message carries; the '(File not included…)' placeholders only tell that it exists."""
    if isinstance(m.get("media_type"), str):
        return m["media_type"]
    for key, kind in (("photo", "photo"), ("file", "file"), ("poll", "poll"), ("location_information", "location"),
                      ("contact_information", "contact"), ("sticker_emoji", "sticker")):
        if m.get(key) is not None:
            return kind
    return None

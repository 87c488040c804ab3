"""Telegram Desktop 'Export chat history' JSON (result.json) of one channel or group.

Quirks handled: `text` given as a string or as a list mixing strings and entity objects, `date`
in the exporting machine's local time without a zone (`date_unixtime` is used when present),
"(File not included…)" placeholders for media that was not downloaded, reactions split into
emoji / custom emoji / paid stars, forwards from hidden users known only by a display name, and
service messages (channel created, title changed, member joined). The `messages` array is read
one message at a time by the bounded scanner of `importers.base`, so a 1 GB export never sits in
memory, a message beyond the bounds is quarantined, and after a broken message reading resumes at
the next one (the broken span is quarantined with its byte offsets).

The helpers `bare_chat_id`, `peer`, `reaction_counts`, `join_text`, `forward_origin` and `post_type` are shared
with the Telethon importer, so that both sources key the same channel and person identically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

from shailoo.errors import WrongFormat
from shailoo.importers.base import ImporterInfo, Record, Source, check_text, dump_raw, shown, private_in_text, row_error
from shailoo.importers.jsonstream import JsonProblem, _loads, _Reader, iter_json_array, open_json
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
# keys after which a broken span may name a person (best effort where JSON cannot be parsed)
AUTHOR_KEYS = ("from", "from_id", "forwarded_from", "forwarded_from_id", "actor", "actor_id", "saved_from",
               "author", "sender_id", "sender_name", "sender_username", "from_name", "post_author",
               "first_name", "last_name", "username", "user_id", "phone")
_MAX_ID_DIGITS = 19  # ids fit in 64 bits
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
    if isinstance(value, Decimal):
        if not value.is_finite() or value != value.to_integral_value():
            return None, None
        value = int(value)
    if isinstance(value, int):
        n = value
        if abs(n) >= 10 ** _MAX_ID_DIGITS:
            return None, None
        if n < 0:
            return "chat", str(-n - _CHANNEL_MARK if n <= -_CHANNEL_MARK else -n)
        return ("user", f"user{n}") if n > 0 else (None, None)
    text = str(value).strip()
    m = re.fullmatch(r"(?:Peer)?(channel|chat|user)(?:_id=|\(\w+_id=)?(\d+)\)?", text, re.IGNORECASE)
    if m:
        return _kind_id("user" if m.group(1).lower() == "user" else "chat", m.group(2))
    if re.fullmatch(r"-?[0-9]{1,%d}" % _MAX_ID_DIGITS, text):
        return peer(int(text))
    return None, None


def _kind_id(kind: str, value: Any) -> tuple[str | None, str | None]:
    if isinstance(value, bool):
        return None, None
    text = str(value).strip() if isinstance(value, (str, int)) else ""
    if not re.fullmatch(r"[0-9]{1,%d}" % _MAX_ID_DIGITS, text) or int(text) == 0:
        return None, None
    return kind, (f"user{int(text)}" if kind == "user" else str(int(text)))


def bare_chat_id(value: Any) -> str | None:
    """The bare numeric id of a channel or group ('123…'), whatever form it was written in."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10 ** _MAX_ID_DIGITS:
        return str(value)
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


def message_id(value: Any) -> str:
    """A message id as a canonical string: a positive whole number (written as a number or digits)."""
    if value is None or (isinstance(value, str) and is_placeholder(value)):
        raise BadValue("message has no id")
    text = value.strip() if isinstance(value, str) else None
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10 ** _MAX_ID_DIGITS:
        return str(value)
    if text and text.isascii() and text.isdigit() and len(text) <= _MAX_ID_DIGITS and int(text) > 0:
        return str(int(text))
    raise BadValue(f"message id is {shown(value)}, not a positive whole number")


def person_values(m: dict, keys: tuple[tuple[str, str], ...], public_chat: bool = False) -> list[str]:
    """What identifies a private person in a message, as written there: for each (name key, id key),
    the id ('user123', 123) and the name, unless the id is a chat's or channel's. With `public_chat`
    (a channel's own posts), a name with no id is the channel's and stays."""
    found: list[str] = []
    for name_key, id_key in keys:
        if name_key not in m and id_key not in m:
            continue
        ident = m.get(id_key)
        kind, _ = peer(ident)
        if kind == "chat" or (kind is None and public_chat and name_key == "from"):
            continue
        if isinstance(ident, (str, int)) and not isinstance(ident, bool):
            found.append(str(ident))
        if isinstance(ident, dict):
            found.extend(str(v) for v in ident.values() if isinstance(v, (str, int)) and not isinstance(v, bool))
        if isinstance(m.get(name_key), str):
            found.append(m[name_key])
    return found


_DESKTOP_PEOPLE = (("from", "from_id"), ("forwarded_from", "forwarded_from_id"), ("actor", "actor_id"),
                   ("saved_from", "saved_from_id"))


def desktop_private(m: Any, chat: "Chat | None") -> list[str]:
    """The private people a Desktop message names: its author in a group, whoever it was forwarded from,
    the signature of a signed post, people listed among recent reactions."""
    if not isinstance(m, dict):
        return []
    found = person_values(m, _DESKTOP_PEOPLE, public_chat=chat is None or chat.is_channel)
    if isinstance(m.get("author"), str):
        found.append(m["author"])
    for reaction in m.get("reactions") if isinstance(m.get("reactions"), list) else ():
        recent = reaction.get("recent") if isinstance(reaction, dict) else None
        for entry in recent if isinstance(recent, list) else ():
            if isinstance(entry, dict):
                found.extend(person_values(entry, (("from", "from_id"),)))
    return found


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


_HEADER_VALUE_BYTES = 1 << 16


def _wrong(path: Path, what: str) -> WrongFormat:
    return WrongFormat(f"{path.name} {what}; expected a Telegram Desktop result.json (an object with name, type, "
                       "id and messages, as 'Export chat history' writes it).")


def _header_value(reader: _Reader, path: Path, limit: int) -> Any:
    scan = reader.scan(limit)
    reader.hold = None
    if scan.broken:
        raise _wrong(path, f"is not JSON (at byte {scan.start:,}: {scan.problem})")
    if scan.data is None:
        return None  # a header value beyond the bounds: not one we need
    try:
        return _loads(scan.data)
    except ValueError as exc:
        raise _wrong(path, f"is not JSON (at byte {scan.start:,}: {str(exc).splitlines()[0][:100]})") from None


def _chat(reader: _Reader, path: Path) -> Chat:
    """Read the top-level name, type and id, leaving the reader on the '[' of `messages`."""
    if reader.peek() != 0x7B:
        raise WrongFormat(f"{path.name} is JSON but not a Telegram Desktop export: expected an object "
                          "with name, type, id and messages (the result.json of 'Export chat history').")
    reader.pos += 1
    found: dict[str, Any] = {}
    messages_at = None
    while (c := reader.peek()) not in (None, 0x7D):
        if c == 0x2C:
            reader.pos += 1
            continue
        key = _header_value(reader, path, _HEADER_VALUE_BYTES)
        if reader.peek() != 0x3A or not isinstance(key, str):
            raise _wrong(path, f"is not JSON (at byte {reader.offset:,}: expected a key and ':')")
        reader.pos += 1
        c = reader.peek()
        if c is None:
            break
        if key == "messages" and c == 0x5B:
            messages_at = reader.offset
            if "id" in found and "type" in found:
                break
            _header_value(reader, path, 0)  # name, type or id come after the messages: skip them for now
        elif key in ("name", "type", "id"):
            found[key] = _header_value(reader, path, _HEADER_VALUE_BYTES)
        else:
            found.setdefault(key, c in (0x5B, 0x7B))
            _header_value(reader, path, 0)
    if messages_at is None:
        hint = (" It is a full account export: export one channel or group with 'Export chat history' instead."
                if found.get("chats") else "")
        raise WrongFormat(f"{path.name} is JSON but not a Telegram Desktop chat export: expected an object with "
                          f"name, type, id and a messages array.{hint}")
    if reader.offset != messages_at:
        reader.seek(messages_at)
        reader.peek()
    chat_id = bare_chat_id(found.get("id"))
    if chat_id is None:
        raise WrongFormat(f"{path.name} has no usable chat id; expected the numeric 'id' Telegram Desktop writes.")
    name = found.get("name")
    return Chat(chat_id, clean_text(name) if isinstance(name, str) else None, found.get("type") in CHANNEL_TYPES)


def looks_like_message(obj: Any) -> bool:
    """What resynchronising accepts as the next message (entities, reactions and polls have no id)."""
    return isinstance(obj, dict) and "id" in obj and ("type" in obj or "date" in obj or "date_unixtime" in obj)


def read(source: Source) -> Iterator[Record]:
    reader = open_json(source)
    try:
        chat = _chat(reader, source.path)
        for number, item in enumerate(iter_json_array(reader, looks_like_message, "message"), start=1):
            if isinstance(item, JsonProblem):
                yield RowError(number, item.reason, item.raw, private=private_in_text(item.raw, AUTHOR_KEYS),
                               platform=PLATFORM)
                continue
            try:
                yield _message(number, item, chat)
            except Exception as exc:  # hostile content never stops the file: this message is quarantined
                yield error(number, f"the message could not be read ({type(exc).__name__}: {exc})"[:300], item, chat)
    finally:
        reader.fh.close()


def error(number: int, reason: str, m: Any, chat: "Chat | None") -> RowError:
    return row_error(number, reason, m, desktop_private(m, chat), PLATFORM)


def _message(number: int, m: Any, chat: Chat) -> Record:
    if not isinstance(m, dict):
        return error(number, "not a message object", m, chat)
    try:
        msg_id = message_id(m.get("id"))
        if m.get("type") == "service":
            return Skipped(number, "service message")
        if not is_placeholder(m.get("date_unixtime")):
            created = parse_time(m["date_unixtime"], "date_unixtime")
        else:  # older exports: local time of the exporting machine, taken as UTC (see docs)
            created = parse_time(m.get("date"), "date")
        reactions, breakdown, views, shares, comments = message_counts(m)
        text = check_text(clean_text(join_text(m.get("text")) or join_text(m.get("text_entities"))), "text")
    except BadValue as exc:
        return error(number, str(exc), m, chat)

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
    return PostRecord(
        platform=PLATFORM, platform_post_id=f"{chat.id}/{msg_id}", created_at=created,
        account_id=account_id, account_name=name, author_is_public=public,
        # others' messages in a group are published in the group's space and count for it
        space_account_id=None if is_self else chat.id,
        post_type=post_type(reply_to is not None, is_self),
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


def post_type(is_reply: bool, is_self: bool) -> str:
    """A reply by someone else is a comment ('reply'); the chat answering its own earlier message (a
    channel's follow-up) is one of its own posts, its parent kept. Other messages in a group: 'message'."""
    if is_self:
        return "post"
    return "reply" if is_reply else "message"


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

"""Message lists written by Telethon-based collectors: a JSON array or JSON Lines of messages.

Collectors name fields differently, so several spellings are accepted: `message_id` or `id`,
`text` or `message`, `sender_id` or `from_id`, `peer_id` / `channel_id` / `chat_id` for the chat,
`views`, `forwards`, `replies` (a number or Telethon's {'replies': n}), `reactions` (Telethon's
MessageReactions, a list, or {emoji: count}), `edit_date`, `fwd_from`, `reply_to_msg_id` (or
`reply_to.reply_to_msg_id`). Telethon's marked ids (-100123… for channel 123…) become bare ids,
so a channel keys the same as in a Telegram Desktop export. A JSON array is read as a stream by
the bounded scanner of `importers.base`: a broken message is quarantined with its byte offsets and
reading resumes at the next one; in JSON Lines a broken line is one quarantined record.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

from shailoo.errors import WrongFormat
from shailoo.importers.base import ImporterInfo, Record, Source, check_text, private_in_text, row_error
from shailoo.importers.jsonstream import JsonProblem, bounded_first_object, iter_json_documents
from shailoo.importers.parse import BadValue, clean_text, is_placeholder, parse_time
from shailoo.importers.telegram_desktop import (
    AUTHOR_KEYS,
    PLATFORM,
    bare_chat_id,
    edited_flag,
    forward_origin,
    join_text,
    message_counts,
    message_id,
    peer,
    person_values,
    post_type,
)
from shailoo.records import PostRecord, RowError, Skipped

FORMAT = ImporterInfo(
    id="telethon",
    name="Telethon message list",
    description="Telegram messages collected with Telethon: a JSON array or JSON Lines of message objects",
    extensions=(".json", ".jsonl"),
)

_PEER_KEYS = frozenset({"peer_id", "sender_id", "fwd_from", "reply_to_msg_id", "reply_to", "edit_date"})
_USERNAME = re.compile(r"(?:@|(?:https?://)?t\.me/)?([A-Za-z][A-Za-z0-9_]{3,31})")
_MEDIA = {"Photo": "photo", "Document": "document", "WebPage": "webpage", "Poll": "poll", "Geo": "location",
          "GeoLive": "location", "Venue": "location", "Contact": "contact", "Dice": "dice", "Game": "game"}
_EXPECTED = ("expected a JSON array or JSON Lines of Telegram messages with message_id (or id), date and "
             "text, as Telethon collectors write them")


def _looks_like_message(obj: Any) -> bool:
    if not isinstance(obj, dict) or "date" not in obj or "owner_id" in obj:  # owner_id: a VK post
        return False
    if not ("text" in obj or "message" in obj or "media" in obj or "action" in obj):
        return False
    return "message_id" in obj or obj.get("_") == "Message" or ("id" in obj and bool(_PEER_KEYS & obj.keys()))


def sniff(head: str, path: Path) -> bool:
    first = bounded_first_object(head)
    if first is not None:
        return _looks_like_message(first)
    # a first message longer than the head: fall back to its opening keys
    text = head.lstrip()
    return text[:1] in "[{" and '"message_id"' in text and ('"sender_id"' in text or '"peer_id"' in text)


_REFUSE_AFTER = 20  # records that are not messages before any message: the file is not a message list


def read(source: Source) -> Iterator[Record]:
    options_chat = bare_chat_id(source.options.get("chat_id"))
    number, seen, first_problem = 0, False, None
    for _, obj in iter_json_documents(source, _looks_like_message, "message"):
        number += 1
        if not seen and not (isinstance(obj, dict) and _looks_like_message(obj)):
            first_problem = first_problem or obj
            if number >= _REFUSE_AFTER:
                break
        seen = seen or (isinstance(obj, dict) and _looks_like_message(obj))
        if isinstance(obj, JsonProblem):
            yield RowError(number, obj.reason, obj.raw, private=private_in_text(obj.raw, AUTHOR_KEYS),
                           platform=PLATFORM)
            continue
        try:
            yield _message(number, obj, options_chat)
        except Exception as exc:  # hostile content never stops the file: this message is quarantined
            yield _error(number, f"the message could not be read ({type(exc).__name__}: {exc})"[:300], obj)
    if not seen:
        if isinstance(first_problem, JsonProblem):
            raise WrongFormat(f"{source.path.name} is not valid JSON ({first_problem.reason}); {_EXPECTED}.")
        if first_problem is None:
            raise WrongFormat(f"{source.path.name} holds no messages; {_EXPECTED}.")
        raise WrongFormat(f"{source.path.name} is JSON but not a list of Telegram messages; {_EXPECTED}.")


_PEOPLE = (("sender_name", "sender_id"), ("sender_name", "from_id"), ("sender_username", "sender_id"))


def private_values(m: Any) -> list[str]:
    """What names a private person in a message: a user sender's id, whoever it was forwarded from,
    a signature, and a sender object's names (collectors that save `sender`)."""
    if not isinstance(m, dict):
        return []
    found = person_values(m, _PEOPLE)
    sender = m.get("sender_id", m.get("from_id"))
    if peer(sender)[0] == "user" and isinstance(sender, str):
        found.extend(re.findall(r"[0-9]{3,}", sender))  # 'PeerUser(user_id=123)' and '123' both
    fwd = m.get("fwd_from")
    if isinstance(fwd, dict):
        found.extend(person_values(fwd, (("from_name", "from_id"),)))
    elif isinstance(fwd, (str, int)) and not isinstance(fwd, bool) and peer(fwd)[0] != "chat":
        found.append(str(fwd))
    if isinstance(m.get("post_author"), str):
        found.append(m["post_author"])
    for key in ("sender", "from_user", "user"):
        person = m.get(key)
        if isinstance(person, dict) and not person.get("broadcast") and person.get("_") not in ("Channel", "Chat"):
            found.extend(str(person[k]) for k in ("id", "username", "first_name", "last_name", "phone")
                         if isinstance(person.get(k), (str, int)) and not isinstance(person.get(k), bool))
    return found


def _error(number: int, reason: str, m: Any) -> RowError:
    return row_error(number, reason, m, private_values(m), PLATFORM)


def _message(number: int, m: Any, options_chat: str | None) -> Record:
    if not isinstance(m, dict):
        return _error(number, "not a message object", m)
    try:
        msg_id = message_id(m.get("message_id", m.get("id")))
    except BadValue as exc:
        return _error(number, str(exc), m)
    if m.get("_") == "MessageService" or m.get("action") is not None:
        return Skipped(number, "service message")
    sender_kind, sender = peer(m.get("sender_id", m.get("from_id")))
    chat_id = (bare_chat_id(m.get("peer_id")) or bare_chat_id(m.get("channel_id")) or bare_chat_id(m.get("chat_id"))
               or (sender if sender_kind == "chat" else None) or options_chat)
    if chat_id is None:
        return _error(number, "no chat id: the message has no peer_id and its sender is not a channel", m)
    try:
        created = parse_time(m.get("date"), "date")
        reactions, breakdown, views, shares, comments = message_counts(m)
        text = check_text(clean_text(join_text(m["text"] if "text" in m else m.get("message"))), "text")
    except BadValue as exc:
        return _error(number, str(exc), m)

    username = _username(m)
    if sender_kind is None or sender == chat_id:  # the channel (or group) itself
        account_id, public, is_self = chat_id, True, True
        name = clean_text(m.get("channel")) if isinstance(m.get("channel"), str) else clean_text(m.get("chat_title"))
    else:  # a channel writing elsewhere is public; a person is private and gets no name here
        account_id, public, is_self, name = sender, sender_kind == "chat", False, None
    reply_to = m.get("reply_to_msg_id")
    if reply_to is None and isinstance(m.get("reply_to"), dict):
        reply_to = m["reply_to"].get("reply_to_msg_id")
    forwarded_from, forwarded_public = _forward(m.get("fwd_from"))
    return PostRecord(
        platform=PLATFORM,
        platform_post_id=f"{chat_id}/{msg_id}",
        created_at=created,
        account_id=account_id,
        account_name=name,
        account_handle=username if is_self else None,
        account_url=f"https://t.me/{username}" if username and is_self else None,
        author_is_public=public,
        space_account_id=None if is_self else chat_id,  # a member's message counts for its group
        post_type=post_type(reply_to is not None, is_self),
        parent_platform_post_id=f"{chat_id}/{reply_to}" if reply_to is not None else None,
        url=f"https://t.me/{username}/{msg_id}" if username else f"https://t.me/c/{chat_id}/{msg_id}",
        text=text,
        media_type=_media(m),
        forwarded_from=forwarded_from,
        forwarded_from_is_public=forwarded_public,
        is_edited=edited_flag(m, "edit_date", "edited"),
        reactions=reactions,
        reaction_breakdown=breakdown,
        comments=comments,
        shares=shares,
        views=views,
    )


def _username(m: dict) -> str | None:
    """The chat's public username, only where the collector wrote one (never guessed from a title)."""
    candidates = [m.get(key) for key in ("username", "channel_username", "chat_username")]
    channel = m.get("channel")
    if isinstance(channel, str) and (channel.strip().startswith("@") or "t.me/" in channel):
        candidates.append(channel)  # a title such as 'РИА Новости' is never taken for a username
    for value in candidates:
        found = _USERNAME.fullmatch(value.strip()) if isinstance(value, str) else None
        if found:
            return found.group(1)
    return None


def _forward(fwd: Any) -> tuple[str | None, bool]:
    if is_placeholder(fwd) or fwd is False:
        return None, True
    if isinstance(fwd, dict):
        return forward_origin(fwd.get("from_name"), fwd.get("from_id", fwd.get("channel_id")))
    kind, _ = peer(fwd)
    return forward_origin(None if kind else str(fwd), fwd)


def _media(m: dict) -> str | None:
    media = m.get("media")
    if isinstance(m.get("media_type"), str):
        return m["media_type"]
    if isinstance(media, dict):
        name = str(media.get("_", "")).removeprefix("MessageMedia")
        return _MEDIA.get(name, name.lower() or "media")
    if isinstance(media, str) and media.strip():
        return media.strip().removeprefix("MessageMedia").lower()
    return "media" if media is True else None

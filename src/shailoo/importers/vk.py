"""VKontakte API `wall.get` responses: one JSON document, or many (one per line, as collectors page).

Each document is `{"response": {count, items, profiles?, groups?}}` or the bare `{count, items}`;
a JSON array of such documents is accepted too. A repost's `copy_history` holds the posts it
copies: each becomes a post of its own (one record per entry), and the repost points to the one it
copies. Records are numbered in file order: an item, then the entries of its copy_history.
Negative owner and author ids are communities (public); positive ones are people (private).
A document is one API page (at most 100 posts), read whole; pages are read one at a time.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from shailoo.errors import WrongFormat
from shailoo.importers.base import ImporterInfo, Record, Source, dump_raw, iter_json_documents
from shailoo.importers.parse import BadValue, clean_text, parse_count, parse_time
from shailoo.records import PostRecord, RowError

FORMAT = ImporterInfo(
    id="vk",
    name="VK wall.get JSON",
    description="VKontakte API wall.get responses (JSON, or one response per line), with reposts",
    extensions=(".json", ".jsonl"),
)

PLATFORM = "vk"
_OPENING = re.compile(r'\s*\[?\s*\{\s*"(?:response|count|items|profiles|groups|next_from)"\s*:')
_OWNER = re.compile(r'"owner_id"\s*:\s*-?\d')
_EXPECTED = ("expected a VK API wall.get response: a JSON object with 'items' (optionally inside 'response'), "
             "or one such object per line")


def sniff(head: str, path: Path) -> bool:
    return bool(_OPENING.match(head)) and '"items"' in head and bool(_OWNER.search(head))


def _body(doc: Any) -> dict | None:
    """The {count, items, profiles, groups} part of a response, or None if it is not one."""
    if isinstance(doc, dict) and "response" in doc:
        doc = doc["response"]
    if isinstance(doc, dict) and isinstance(doc.get("items"), list):
        return doc
    return None


def _not_a_page(doc: Any) -> str:
    if isinstance(doc, dict) and isinstance(doc.get("error"), dict):
        error = doc["error"]
        return f"VK API error {error.get('error_code', '?')}: {error.get('error_msg', 'no message')}"
    return "not a wall.get response (no 'items' list)"


def read(source: Source) -> Iterator[Record]:
    number = 0  # records so far: items and their copy_history entries
    seen_page = False
    for line, doc in iter_json_documents(source):
        if isinstance(doc, json.JSONDecodeError):
            if not seen_page:
                raise WrongFormat(f"{source.path.name} is not JSON ({doc.msg}, line {doc.lineno}); {_EXPECTED}.")
            number += 1
            yield RowError(number, f"line {line} is not JSON: {doc.msg}", doc.doc)
            continue
        for page in doc if isinstance(doc, list) else [doc]:
            body = _body(page)
            if body is None:
                if not seen_page:
                    raise WrongFormat(f"{source.path.name} is JSON but not a VK wall.get response "
                                      f"({_not_a_page(page)}); {_EXPECTED}.")
                number += 1
                yield RowError(number, f"line {line}: {_not_a_page(page)}", dump_raw(page))
                continue
            seen_page = True
            groups = _by_id(body.get("groups"))
            profiles = _by_id(body.get("profiles"))
            for item in body["items"]:
                chain = item.get("copy_history") if isinstance(item, dict) else None
                chain = [c for c in chain if isinstance(c, dict)] if isinstance(chain, list) else []
                # the item copies chain[0]; each chain entry copies the next one
                for position, post in enumerate([item, *chain]):
                    number += 1
                    copied = chain[position] if position < len(chain) else None
                    yield _record(number, post, copied, groups, profiles, embedded=position > 0)
    if not seen_page:
        raise WrongFormat(f"{source.path.name} is empty; {_EXPECTED}.")


def _by_id(entries: Any) -> dict[int, dict]:
    if not isinstance(entries, list):
        return {}
    return {e["id"]: e for e in entries if isinstance(e, dict) and isinstance(e.get("id"), int)}


def _vk_id(value: Any, column: str) -> int:
    if isinstance(value, bool) or value is None or value == "":
        raise BadValue(f"item has no {column}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    raise BadValue(f"{column} is {dump_raw(value)[:40]}, not a VK id")


def _count(item: dict, key: str) -> int | None:
    value = item.get(key)
    if isinstance(value, dict):
        return parse_count(value.get("count"), f"{key}.count")
    return parse_count(value, key)


def _record(number: int, item: Any, copied: dict | None, groups: dict, profiles: dict, embedded: bool) -> Record:
    if not isinstance(item, dict):
        return RowError(number, "not a post object", dump_raw(item))
    try:
        post_id = _vk_id(item.get("id"), "id")
        owner = _vk_id(item.get("owner_id", item.get("to_id")), "owner_id")
        author = _vk_id(item.get("from_id", owner), "from_id")
        created = parse_time(item.get("date"), "date")
        likes = _count(item, "likes")
        comments = _count(item, "comments")
        shares = _count(item, "reposts")
        views = _count(item, "views")
    except BadValue as exc:
        return RowError(number, str(exc), dump_raw(item))
    account_id, name, handle, url, public = _account(author, groups, profiles)
    forwarded_from = parent = None
    forwarded_public = True
    if copied is not None:
        try:
            copied_owner = _vk_id(copied.get("owner_id", copied.get("from_id")), "owner_id")
            forwarded_from, forwarded_public = str(copied_owner), copied_owner < 0
            parent = f"{copied_owner}_{_vk_id(copied.get('id'), 'id')}"
        except BadValue:
            pass  # the copied entry is quarantined as its own record
    link, link_text, media = _attachments(item.get("attachments"))
    edited = item.get("edited")
    return PostRecord(
        platform=PLATFORM,
        platform_post_id=f"{owner}_{post_id}",
        created_at=created,
        account_id=account_id,
        account_name=name,
        account_handle=handle,
        account_url=url,
        author_is_public=public,
        post_type="repost" if copied is not None else "post",
        parent_platform_post_id=parent,
        url=f"https://vk.com/wall{owner}_{post_id}",
        text=clean_text(item.get("text")),
        link=link,
        link_text=link_text,
        media_type=media,
        forwarded_from=forwarded_from,
        forwarded_from_is_public=forwarded_public,
        # wall.get writes `edited` only for edited posts; copies embedded in a repost may omit it
        is_edited=True if edited else (None if embedded else False),
        reactions=likes,
        likes=likes,
        comments=comments,
        shares=shares,
        views=views,
    )


def _account(author: int, groups: dict, profiles: dict) -> tuple[str, str | None, str, str, bool]:
    """(account_id, name, handle, url, is_public) of a community (negative id) or a person."""
    if author < 0:
        group = groups.get(-author, {})
        handle = clean_text(group.get("screen_name")) or f"club{-author}"
        return str(author), clean_text(group.get("name")), handle, f"https://vk.com/{handle}", True
    profile = profiles.get(author, {})
    name = " ".join(str(p) for p in (profile.get("first_name"), profile.get("last_name")) if p) or None
    handle = clean_text(profile.get("screen_name")) or f"id{author}"
    return str(author), name, handle, f"https://vk.com/{handle}", False


def _attachments(attachments: Any) -> tuple[str | None, str | None, str | None]:
    """(link, link title, media type) from the first attachment, and the first link attachment."""
    if not isinstance(attachments, list) or not attachments:
        return None, None, None
    kinds = [a.get("type") for a in attachments if isinstance(a, dict)]
    media = next((k for k in kinds if isinstance(k, str)), None)
    for a in attachments:
        if isinstance(a, dict) and a.get("type") == "link" and isinstance(a.get("link"), dict):
            return clean_text(a["link"].get("url")), clean_text(a["link"].get("title")), media
    return None, None, media

"""VKontakte API `wall.get` and `wall.getComments` responses: one JSON document, or many (one per
line, as collectors page). A getComments item (it has `post_id`) becomes a comment — a post whose
parent is the post or the comment it answers — so threads on officials' walls can be followed.

Each document is `{"response": {count, items, profiles?, groups?}}` or the bare `{count, items}`;
a JSON array of such documents is accepted too. A repost's `copy_history` holds the posts it
copies: each becomes a post of its own (one record per entry), and the repost points to the one it
copies. Records are numbered in file order: an item, then the entries of its copy_history.
Negative owner and author ids are communities (public); positive ones are people (private).
A document is one API page (at most 100 posts), read whole; pages are read one at a time, within
the bounds of `importers.base` (a page nested too deep or too large, or a line that is not JSON, is
one quarantined record and reading goes on).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

from shailoo.errors import WrongFormat
from shailoo.importers.base import (ImporterInfo, Record, Source, check_text, dump_raw, private_in_text,
                                    row_error, shown)
from shailoo.importers.jsonstream import Item, JsonProblem, PageStart, Paging, iter_json_documents
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


_REFUSE_AFTER = 20  # documents that are not pages before any page: the file is not wall.get output
# keys after which a line that is not JSON may name a person (positive ids are people)
_AUTHOR_KEYS = ("from_id", "owner_id", "signer_id", "to_id", "user_id", "reply_to_user", "first_name", "last_name", "screen_name")


def _looks_like_page(obj: Any) -> bool:
    return _body(obj) is not None


def read(source: Source) -> Iterator[Record]:
    number = 0  # records so far: items and their copy_history entries
    seen_page, first_problem, bad_before = False, None, 0
    groups: dict = {}
    profiles: dict = {}
    for where, doc in iter_json_documents(source, _looks_like_page, "page", _PAGING):
        if isinstance(doc, PageStart):  # a page read item by item: its names first
            seen_page = True
            groups, profiles = _names(doc.header)
        elif isinstance(doc, Item):
            yield from _item_records(number, doc.value, groups, profiles)
            number += 1 + len(_chain(doc.value))
        elif isinstance(doc, JsonProblem):
            number += 1
            first_problem, bad_before = first_problem or doc.reason, bad_before + (not seen_page)
            yield RowError(number, doc.reason, doc.raw, platform=PLATFORM, private=tuple(dict.fromkeys(
                (*private_in_text(doc.raw, _AUTHOR_KEYS), *_PERSON_IN_TEXT.findall(doc.raw)))))
        else:
            for page in doc if isinstance(doc, list) else [doc]:
                body = _body(page)
                if body is None:
                    number += 1
                    first_problem, bad_before = first_problem or _not_a_page(page), bad_before + (not seen_page)
                    yield row_error(number, f"{where}: {_not_a_page(page)}", page, _private(page), PLATFORM)
                    continue
                seen_page = True
                groups, profiles = _names(body)
                for item in body["items"]:
                    yield from _item_records(number, item, groups, profiles)
                    number += 1 + len(_chain(item))
        if not seen_page and bad_before >= _REFUSE_AFTER:
            break
    if not seen_page:
        what = "is empty" if not first_problem else (
            f"is not JSON ({first_problem})" if " is not JSON" in first_problem or "was not read" in first_problem
            else f"is JSON but not a VK wall.get response ({first_problem})")
        raise WrongFormat(f"{source.path.name} {what}; {_EXPECTED}.")


def _names(body: dict) -> tuple[dict, dict]:
    """(groups, profiles) of a page by id; hostile ones are left out (the posts are read without names)."""
    try:
        return _by_id(body.get("groups")), _by_id(body.get("profiles"))
    except Exception:
        return {}, {}


def _looks_like_post(obj: Any) -> bool:
    return isinstance(obj, dict) and "id" in obj and ("owner_id" in obj or "from_id" in obj or "date" in obj)


# a page's items are read one by one (a fault costs that post, not the page)
_PAGING = Paging(items="items", looks_like_item=_looks_like_post, looks_like_page=_looks_like_page,
                 item_noun="post", wrappers=("response",))


def _chain(item: Any) -> list[dict]:
    chain = item.get("copy_history") if isinstance(item, dict) else None
    return [c for c in chain if isinstance(c, dict)] if isinstance(chain, list) else []


def _item_records(number: int, item: Any, groups: dict, profiles: dict) -> Iterator[Record]:
    """The item, then the entries of its copy_history: the item copies chain[0], each entry the next."""
    chain = _chain(item)
    for position, post in enumerate([item, *chain]):
        copied = chain[position] if position < len(chain) else None
        try:
            yield _record(number + 1 + position, post, copied, groups, profiles, embedded=position > 0)
        except Exception as exc:  # hostile content never stops the file: this post is quarantined
            yield row_error(number + 1 + position, f"the post could not be read ({type(exc).__name__}: {exc})"[:300],
                            post, _private(post), PLATFORM)


def _private(item: Any) -> list[str]:
    """The people a post names: positive (personal) ids of its author, owner and signer, and of the
    posts it copies. (Names are in the page's profiles, not in the post.)"""
    if not isinstance(item, dict):
        return []
    found = []
    for post in [item, *_chain(item)]:
        for key in ("from_id", "owner_id", "signer_id", "to_id", "created_by", "user_id", "reply_to_user"):
            value = post.get(key)
            if isinstance(value, float) and value.is_integer() and 0 < value < _MAX_ID:  # 3818068.0
                value = int(value)
            if isinstance(value, int) and not isinstance(value, bool) and 0 < value < _MAX_ID:
                found.append(str(value))
            elif isinstance(value, str) and re.fullmatch(r"\s*[0-9]{1,18}(?:\.0*)?\s*", value):
                found.append(value.strip().split(".")[0])
    # people inside attachments and links: their owner ids, and vk.com/doc123_4, photo123_4, id123 …
    found += _PERSON_IN_TEXT.findall(dump_raw(item)[:1_000_000])
    found += [str(v) for v in _owner_ids(item.get("attachments"))]
    return list(dict.fromkeys(found))


# a person's id (positive) right after a VK object prefix, in a URL or an attachment key
_PERSON_IN_TEXT = re.compile(r"(?<![A-Za-z])(?:doc|photo|video|audio|wall|id|market|poll|note|page|album)"
                             r"([1-9][0-9]{0,17})(?![0-9])")


def _owner_ids(value: Any, depth: int = 0) -> list[int]:
    """Positive owner_id / user_id values anywhere inside attachments (bounded depth)."""
    if depth > 8:
        return []
    if isinstance(value, list):
        return [v for x in value[:1000] for v in _owner_ids(x, depth + 1)]
    if not isinstance(value, dict):
        return []
    found = [v for k in ("owner_id", "user_id", "from_id") if isinstance(v := value.get(k), int)
             and not isinstance(v, bool) and 0 < v < _MAX_ID]
    return found + [v for x in value.values() if isinstance(x, (dict, list)) for v in _owner_ids(x, depth + 1)]


def _by_id(entries: Any) -> dict[int, dict]:
    if not isinstance(entries, list):
        return {}
    return {e["id"]: e for e in entries if isinstance(e, dict) and type(e.get("id")) is int}


_MAX_ID_DIGITS = 18
_MAX_ID = 10 ** _MAX_ID_DIGITS


def _vk_id(value: Any, column: str, positive: bool = False) -> int:
    """A VK id: a non-zero whole number (negative for communities), or positive where `positive`."""
    if value is None or value == "":
        raise BadValue(f"item has no {column}")
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value if abs(value) < _MAX_ID else None
    elif isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,%d}" % _MAX_ID_DIGITS, value.strip()):
        number = int(value)
    if number is None or number == 0 or (positive and number < 0):
        kind = "a positive whole number" if positive else "a VK id (a non-zero whole number)"
        if column == "id":  # a post's own number; the others may be a person's id: never echoed
            raise BadValue(f"{column} is {shown(value)}, not {kind}")
        raise BadValue(f"{column} is not {kind}")
    return number


def _count(item: dict, key: str) -> int | None:
    value = item.get(key)
    if isinstance(value, dict):
        return parse_count(value.get("count"), f"{key}.count")
    return parse_count(value, key)


def _record(number: int, item: Any, copied: dict | None, groups: dict, profiles: dict, embedded: bool) -> Record:
    if not isinstance(item, dict):
        return row_error(number, "not a post object", item, (), PLATFORM)
    try:
        post_id = _vk_id(item.get("id"), "id", positive=True)
        owner = _vk_id(item.get("owner_id", item.get("to_id")), "owner_id")
        author = _vk_id(item.get("from_id", owner), "from_id")
        created = parse_time(item.get("date"), "date")
        likes = _count(item, "likes")
        comments = _count(item, "comments")
        shares = _count(item, "reposts")
        views = _count(item, "views")
        text = check_text(clean_text(item.get("text")), "text")
    except BadValue as exc:
        return row_error(number, str(exc), item, _private(item), PLATFORM)
    account_id, name, handle, url, public = _account(author, groups, profiles)
    if not embedded and "post_id" in item:  # a wall.getComments item
        return _comment(number, item, post_id, owner, author, created, text, (account_id, name, handle, url, public))
    forwarded_from = parent = None
    forwarded_public = True
    if copied is not None:
        try:
            copied_owner = _vk_id(copied.get("owner_id", copied.get("from_id")), "owner_id")
            forwarded_from, forwarded_public = str(copied_owner), copied_owner < 0
            parent = f"{copied_owner}_{_vk_id(copied.get('id'), 'id', positive=True)}"
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
        # a member's post on a community's wall counts for the community (its author stays private)
        space_account_id=str(owner) if owner < 0 and author != owner else None,
        post_type="repost" if copied is not None else "post",
        parent_platform_post_id=parent,
        url=f"https://vk.com/wall{owner}_{post_id}",
        text=text,
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


def _comment(number: int, item: dict, comment_id: int, owner: int, author: int, created, text,
             account: tuple) -> Record:
    """A comment of wall.getComments: key OWNER_ID like a post's (VK numbers a wall's posts and comments
    from one counter, so they never collide, and a person's wall id in a key stays pseudonymisable);
    its parent is the comment it answers (reply_to_comment, else the last of parents_stack), else the post."""
    try:
        post_id = _vk_id(item.get("post_id"), "post_id", positive=True)
        stack = item.get("parents_stack") if isinstance(item.get("parents_stack"), list) else []
        answered = item.get("reply_to_comment", stack[-1] if stack else None)
        answered = _vk_id(answered, "reply_to_comment", positive=True) if answered is not None else None
        likes = _count(item, "likes")
        thread = item.get("thread")
        replies = parse_count(thread.get("count"), "thread.count") if isinstance(thread, dict) else None
    except BadValue as exc:
        return row_error(number, str(exc), item, _private(item), PLATFORM)
    account_id, name, handle, url, public = account
    link, link_text, media = _attachments(item.get("attachments"))
    return PostRecord(
        platform=PLATFORM, platform_post_id=f"{owner}_{comment_id}", created_at=created,
        account_id=account_id, account_name=name, account_handle=handle, account_url=url, author_is_public=public,
        space_account_id=str(owner) if owner < 0 and author != owner else None,
        post_type="reply" if answered else "comment",
        parent_platform_post_id=f"{owner}_{answered or post_id}",
        url=f"https://vk.com/wall{owner}_{post_id}?reply={comment_id}", text=text,
        link=link, link_text=link_text, media_type=media,
        reactions=likes, likes=likes, comments=replies,
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

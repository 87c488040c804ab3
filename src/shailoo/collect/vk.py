"""VKontakte: a community's wall through the API (wall.get, wall.getById, wall.getComments).

New posts: wall.get pages of 100 by offset, newest first, until the cursor's last post (or `since`
on a first run, or the wall's end). A pinned post heads the first page whatever its age: it never
ends the paging. The cursor is stored after each page, so an interrupted run resumes where it was:
`last_id` is the newest post of the last complete pass, and `pass` says what the pass under way has
collected (posts `before_id` .. `newest_id`) and where it continues (`offset`, checked one post back
in case posts above were deleted since).

A short name is resolved first (utils.resolveScreenName): a person's is refused before anything of
their wall is asked for. Only items of the wall asked for are taken, and `newest_id` / `last_id`
come from ids without an absurd gap (`base.plausible_ids`), so the cursor never passes posts that
were not imported. A wall whose pages bring no older post 3 times running (answering the same page)
is LayoutChanged, and its `count` is bounded.

Readings: wall.getById, 100 posts a call (deleted or hidden posts are missing from the answer: said
in a note). Comments (`comments=True`): wall.getComments of the posts collected or read that have
comments, without `extended` (commenters are private persons: their names are never asked for).
Only communities and public pages: a person's wall (a positive owner id) is refused. `profiles`
(persons' names) are taken out of every answer before it is archived or imported (`_without_profiles`).
Error codes: 5 → CredentialsError, 6 → waits and retries (the HTTP client's retry_if), 15/18/30
(and 100/113 for an unknown wall) → AccountUnavailable, 29 → QuotaExhausted, others PlatformError.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, Iterator

from shailoo.collect.base import (Account, AccountUnavailable, Batch, CredentialsError, LayoutChanged,
                                  PlatformError, QuotaExhausted, plausible_ids, shown)
from shailoo.collect.http import Exchange, HttpClient

API_VERSION = "5.199"
PAGE = 100  # wall.get's and wall.getById's most per call
_UNAVAILABLE = {15: "access denied", 18: "deleted or banned", 30: "private", 100: "unknown", 113: "unknown"}
_COMMUNITY = re.compile(r"(?:club|public|event)([0-9]{1,12})", re.IGNORECASE)
_PERSON = re.compile(r"id([0-9]{1,12})", re.IGNORECASE)
_HANDLE = re.compile(r"[A-Za-z0-9_.]{1,64}")
_MAX_PAGES = 100_000  # 10 million posts: a wall that pages beyond this is answering in circles
_STALLED_PAGES = 3  # pages in a row that bring no older post: the wall answers in circles
_MAX_COMMENTS = 100_000  # comments read per post


class VkCollector:
    platform = "vk"
    method = "vk-api"
    base_url = "https://api.vk.com/method/"
    rate_per_second = 3.0  # VK's limit for a user token

    def __init__(self, http: HttpClient | None, credentials: Any, *, comments: bool = False) -> None:
        if http is None:
            raise ValueError("the VK collector needs an HttpClient")
        self.http = http
        http.body_filter = _without_profiles  # persons' names are never archived nor imported
        self.comments = comments
        self._token = credentials.require("vk_token", "VK access token")
        self.calls: dict[str, int] = {}

    def summary(self) -> str:
        return ", ".join(f"{n:,} {m}" for m, n in sorted(self.calls.items())) + " calls" if self.calls else ""

    # -- new posts -------------------------------------------------------------------------------
    def new_posts(self, account: Account, cursor: dict | None, since: datetime | None) -> Iterator[Batch]:
        target, owner = _target(account, cursor)
        if owner is None:  # a short name: whose wall it is, before asking for it
            owner = self._resolve(target["domain"], account)
            target = {"owner_id": owner}
        cursor = dict(cursor or {})
        last_id = _int(cursor.get("last_id"))
        run = dict(cursor.get("pass") or {})
        newest, before = _int(run.get("newest_id")), _int(run.get("before_id"))
        offset = max(0, _int(run.get("offset")) or 0)
        since_ts = since.timestamp() if since is not None and last_id is None else None
        resuming = before is not None and offset > 0
        if resuming:
            offset -= 1  # from the post just above: still there unless posts were deleted since

        def known(post_id: int) -> bool:
            return ((last_id is not None and post_id <= last_id)
                    or (before is not None and newest is not None and before <= post_id <= newest))

        lowest, stalled = None, 0  # the oldest post id seen in this call, pages in a row below none
        for _ in range(_MAX_PAGES):
            exchange, body = self._call("wall.get", {**target, "offset": offset, "count": PAGE, "extended": 1},
                                        account)
            answered = [i for i in body["items"] if isinstance(i, dict)]
            owner = owner if owner is not None else _owner_of(answered, account)
            items = [i for i in answered if owner is None or _int(i.get("owner_id"), owner) == owner]
            foreign = len(answered) - len(items)  # another wall's items: never imported, never a cursor
            regular = [i for i in items if not i.get("is_pinned")]
            if resuming and offset > 0 and regular and _int(regular[0].get("id"), 0) < before:
                offset = max(0, offset - PAGE)  # posts above were deleted: step back, no post is skipped
                continue
            resuming = False
            page_low = min((n for i in regular if (n := _int(i.get("id"), 0)) > 0), default=None)
            if page_low is not None and (lowest is None or page_low < lowest):
                lowest, stalled = page_low, 0
            elif items:
                stalled += 1
                if stalled >= _STALLED_PAGES:
                    raise LayoutChanged(f"VK answered {stalled} pages in a row for {account.label} that brought no "
                                        "older post (the same page again); the collection of this account stopped "
                                        "where it was, and goes on from there next time.")
            wanted = [i for i in items if not known(_int(i.get("id"), 0))
                      and (since_ts is None or (_int(i.get("date"), 0) >= since_ts))]
            ids = [_int(i.get("id"), 0) for i in wanted]
            wanted_ids = set(ids)
            regular_ids = [n for i in regular if (n := _int(i.get("id"), 0)) in wanted_ids]
            # the cursor moves only to ids without an absurd gap above the last one known
            newest = max([*plausible_ids([n for n in ids if n > 0], newest or last_id), newest or 0]) or newest
            if regular_ids:
                before = min(regular_ids + ([before] if before is not None else []))
            offset += len(answered)
            total = min(_int(body.get("count"), 0) or 0, _MAX_PAGES * PAGE)
            done = (not items or offset >= total
                    or any(last_id is not None and _int(i.get("id"), 0) <= last_id for i in regular)
                    or any(since_ts is not None and _int(i.get("date"), 0) < since_ts for i in regular))
            if done:
                final = max(newest or 0, last_id or 0) or None
                next_cursor = {"account_id": _str(owner), "last_id": final}
            else:
                next_cursor = {"account_id": _str(owner), "last_id": last_id,
                               "pass": {"newest_id": newest, "before_id": before, "offset": offset}}
            if self.comments:
                yield from self._comments(account, owner, wanted)
            batch = self._batch(exchange, body, wanted, answered,
                                f"vk-wall-{_str(owner) or 'x'}-{offset - len(answered)}", next_cursor)
            if foreign:
                batch.notes.append(f"{foreign:,} items of another wall in VK's answer for {account.label} were "
                                   "left out")
            yield batch
            if done:
                return
        raise PlatformError(f"VK kept answering pages for {account.label} beyond {_MAX_PAGES:,} pages; "
                            "the collection of this account stopped.")

    # -- readings --------------------------------------------------------------------------------
    def readings(self, account: Account, platform_post_ids: list[str]) -> Iterator[Batch]:
        _target(account, None)  # a person's wall is refused here too
        # communities' posts only (a person's post is never asked for)
        ids = [p for p in dict.fromkeys(platform_post_ids) if re.fullmatch(r"-[0-9]{1,12}_[0-9]{1,12}", p)]
        for start in range(0, len(ids), PAGE):
            chunk = ids[start:start + PAGE]
            exchange, body = self._call("wall.getById", {"posts": ",".join(chunk), "extended": 1}, account)
            items = [i for i in body["items"] if isinstance(i, dict)]
            batch = self._batch(exchange, body, items, items, f"vk-getbyid-{start // PAGE + 1}", None)
            missing = len(chunk) - len(items)
            if missing > 0:
                batch.notes.append(f"{missing:,} of {len(chunk):,} posts of {account.label} were not in VK's answer "
                                   "(deleted or hidden since)")
            if self.comments:
                yield from self._comments(account, None, items)
            yield batch

    # -- comments --------------------------------------------------------------------------------
    def _comments(self, account: Account, owner: int | None, posts: list[dict]) -> Iterator[Batch]:
        for post in posts:
            count = post.get("comments", {}).get("count") if isinstance(post.get("comments"), dict) else None
            post_owner, post_id = _int(post.get("owner_id"), owner), _int(post.get("id"))
            if not isinstance(count, int) or count <= 0 or post_owner is None or post_id is None or post_owner > 0:
                continue
            offset, highest, stalled = 0, 0, 0
            while True:  # no `extended`: the commenters' names (private persons) are never asked for
                exchange, body = self._call("wall.getComments", {
                    "owner_id": post_owner, "post_id": post_id, "offset": offset, "count": PAGE, "sort": "asc"},
                    account)
                items = body["items"]
                yield self._batch(exchange, body, items, items, f"vk-comments-{post_owner}_{post_id}-{offset}", None)
                offset += len(items)
                page_high = max((n for i in items if isinstance(i, dict) and (n := _int(i.get("id"), 0))), default=0)
                stalled = 0 if page_high > highest else stalled + 1  # oldest first: each page brings newer ones
                highest = max(highest, page_high)
                if (not items or offset >= min(_int(body.get("count"), 0) or 0, _MAX_COMMENTS)
                        or stalled >= _STALLED_PAGES):
                    break

    # -- the API ---------------------------------------------------------------------------------
    def _call(self, method: str, params: dict, account: Account) -> tuple[Exchange, dict]:
        self.calls[method] = self.calls.get(method, 0) + 1
        exchange = self.http.get(method, {**params, "v": API_VERSION},
                                 secret_params={"access_token": self._token.reveal()}, retry_if=_too_many)
        if exchange.status != 200:
            raise PlatformError(f"VK answered HTTP {exchange.status} to {method} for {account.label}.")
        doc = exchange.json()
        if isinstance(doc, dict) and isinstance(doc.get("error"), dict):
            raise _error(doc["error"], method, account)
        body = doc.get("response") if isinstance(doc, dict) else None
        if isinstance(body, list):  # wall.getById without `extended` in older API versions
            body = {"count": len(body), "items": body}
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise LayoutChanged(f"VK's answer to {method} for {account.label} has no list of items; "
                                f"the API may have changed (shailoo asks for version {API_VERSION}).")
        return exchange, body

    @staticmethod
    def _batch(exchange: Exchange, body: dict, wanted: list, items: list, name: str, cursor: dict | None) -> Batch:
        """The raw answer when every item is wanted, else the answer rebuilt with the wanted items only;
        no wanted item at all: a batch that carries the cursor alone (empty body)."""
        if not wanted:
            data = b""
        elif len(wanted) == len(items) and len(items) == len(body["items"]):
            data = exchange.body
        else:
            kept = {k: body[k] for k in ("groups",) if k in body}  # communities' names (persons' never)
            data = json.dumps({"response": {"count": body.get("count"), "items": wanted, **kept}},
                              ensure_ascii=False).encode("utf-8")
        return Batch("vk", f"{name}.json", data, exchange.received_at, cursor=cursor, posts_seen=len(wanted))


    def _resolve(self, name: str, account: Account) -> int:
        """The owner id of a wall asked for by its short name (utils.resolveScreenName); a person, an
        application or an unknown name is refused before anything of it is asked for."""
        self.calls["utils.resolveScreenName"] = self.calls.get("utils.resolveScreenName", 0) + 1
        exchange = self.http.get("utils.resolveScreenName", {"screen_name": name, "v": API_VERSION},
                                 secret_params={"access_token": self._token.reveal()}, retry_if=_too_many)
        if exchange.status != 200:
            raise PlatformError(f"VK answered HTTP {exchange.status} to utils.resolveScreenName for {account.label}.")
        doc = exchange.json()
        if isinstance(doc, dict) and isinstance(doc.get("error"), dict):
            raise _error(doc["error"], "utils.resolveScreenName", account)
        found = doc.get("response") if isinstance(doc, dict) else None
        if not isinstance(found, dict) or not found:  # VK answers [] for a name nobody has
            raise AccountUnavailable(f"{account.label} is unknown on VK (no page has this short name); check the "
                                     "registry.")
        kind, object_id = found.get("type"), _int(found.get("object_id"))
        if kind == "user":
            raise AccountUnavailable(f"{account.label} is a person's wall; shailoo collects only communities and "
                                     "public pages on VK (private persons are not collected).", private_person=True)
        if kind not in ("group", "page", "event") or object_id is None or object_id <= 0:
            raise AccountUnavailable(f"{account.label} is not a community or public page on VK "
                                     f"({shown(kind, 40) if isinstance(kind, str) else 'unknown'}); it was not "
                                     "collected.")
        return -object_id


def _without_profiles(body: bytes) -> bytes:
    """The answer without its `profiles` (persons' names and screen names, from `extended`): the
    importer files persons by id only, and the archive keeps no more than the importer needs."""
    if b'"profiles"' not in body:
        return body
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return body  # not JSON: the collector refuses it (LayoutChanged)
    response = doc.get("response") if isinstance(doc, dict) else None
    if not isinstance(response, dict) or not response.get("profiles"):
        return body
    response.pop("profiles")
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def _too_many(exchange: Exchange) -> float | None:
    """Seconds to wait when VK says 'too many requests per second' (error 6) inside a 200."""
    head = exchange.body[:200]
    if b'"error"' not in head or b"error_code" not in exchange.body[:400]:
        return None
    try:
        code = exchange.json()["error"]["error_code"]
    except Exception:
        return None
    return 1.0 if code == 6 else None


def _error(error: dict, method: str, account: Account) -> Exception:
    code = _int(error.get("error_code"))
    message = shown(error.get("error_msg") or "no message", 200)
    if code == 5:
        return CredentialsError(f"VK refused the access token (error 5: {message}); get a new token and set "
                                "SHAILOO_VK_TOKEN (or the keyring's vk_token), see docs/collect.md.")
    if code in _UNAVAILABLE:
        return AccountUnavailable(f"{account.label} is {_UNAVAILABLE[code]} on VK (error {code}: {message}); "
                                  "it was not collected.")
    if code == 29:
        return QuotaExhausted(f"VK's daily limit for {method} is reached (error 29: {message}); run the collection "
                              "again tomorrow.")
    return PlatformError(f"VK answered error {code} to {method} for {account.label} ({message}).")


def _target(account: Account, cursor: dict | None) -> tuple[dict, int | None]:
    """wall.get's owner_id (a community: negative) or domain, and the owner id when known; a person's
    wall is refused."""
    refused = AccountUnavailable(f"{account.label} is a person's wall; shailoo collects only communities and "
                                 "public pages on VK (private persons are not collected).", private_person=True)
    known = _int((cursor or {}).get("account_id"))
    for value in (account.account_id, account.handle):
        value = str(value or "").strip()
        if re.fullmatch(r"-?[0-9]{1,12}", value):
            owner = int(value)
            if owner > 0:
                raise refused
            return {"owner_id": owner}, owner
        if m := _COMMUNITY.fullmatch(value):
            return {"owner_id": -int(m.group(1))}, -int(m.group(1))
        if _PERSON.fullmatch(value):
            raise refused
    if known is not None and known < 0:
        return {"owner_id": known}, known
    handle = (account.handle or "").strip().lstrip("@")
    if _HANDLE.fullmatch(handle):
        return {"domain": handle}, None
    raise AccountUnavailable(f"{account.label} has no VK community id or short name that shailoo can ask for.")


def _owner_of(items: list[dict], account: Account) -> int | None:
    """The owner id of a wall asked for by its short name; a person's wall is refused."""
    for item in items:
        owner = _int(item.get("owner_id"))
        if owner is not None:
            if owner > 0:
                raise AccountUnavailable(f"{account.label} is a person's wall; shailoo collects only communities "
                                         "and public pages on VK (private persons are not collected).",
                                         private_person=True)
            return owner
    return None


def _int(value: Any, default: int | None = None) -> int | None:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,18}", value.strip()):
        return int(value)
    return default


def _str(value: int | None) -> str | None:
    return None if value is None else str(value)

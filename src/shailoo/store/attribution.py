"""Attribute accounts to registered actors by platform id, handle or any URL form of the account."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import duckdb
import pyarrow as pa

from shailoo.privacy import pseudonym

# Path segments that are never an account's own name.
_NOT_HANDLES = {"pages", "pg", "groups", "channel", "c", "user", "s", "profile.php", "people", "public", "club",
                "watch", "videos", "posts", "about", "photos", "reel", "p", "status", "wall", "group", "profile"}
# Prefixes followed by the account's handle or id in the next segment.
_PREFIXED = {"c", "user", "s", "groups", "group", "pages", "pg", "profile", "p", "people"}


def url_keys(platform: str, url: str | None) -> set[str]:
    """Match keys ('id:…', 'h:…') for an account URL, whatever form the user pasted."""
    if not url:
        return set()
    text = url.strip()
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    segments = [s for s in parts.path.split("/") if s]
    keys: set[str] = set()
    query = parse_qs(parts.query)
    if "id" in query:
        keys.add("id:" + query["id"][0])
    if not segments:
        return keys
    first = segments[0].lower()
    if platform == "youtube" and first == "channel" and len(segments) > 1:
        keys.add("id:" + segments[1])
    elif first.startswith("@"):
        keys.add("h:" + first[1:])
    elif first in _PREFIXED and len(segments) > 1:
        name = segments[1]
        if platform == "telegram" and first == "c":  # t.me/c/CHATID/MSG: a private chat's numeric id
            keys.add("id:" + name)
        elif first in ("pages", "people") and len(segments) > 2 and segments[2].isdigit():
            keys.add("id:" + segments[2])  # facebook.com/pages/Name/123, facebook.com/people/Name/123
        elif first == "p" and re.search(r"-(\d{6,})$", name):
            keys.add("id:" + re.search(r"-(\d{6,})$", name).group(1))  # facebook.com/p/Name-100064…/
        else:
            keys.add(("id:" if name.isdigit() else "h:") + name.lower())
    elif first not in _NOT_HANDLES:
        keys.add(("id:" if first.isdigit() else "h:") + first)
    if platform == "vk":
        for key in list(keys):
            m = re.fullmatch(r"h:(club|public|event)(\d+)", key)
            if m:
                keys.add(f"id:-{m.group(2)}")
            m = re.fullmatch(r"h:id(\d+)", key)
            if m:
                keys.add(f"id:{m.group(1)}")
    return keys


def account_keys(platform: str, account_id: str | None, handle: str | None, url: str | None) -> list[str]:
    """Match keys of an account, ids first, in a stable order (so attribution never depends on chance)."""
    keys = url_keys(platform, url)
    if account_id:
        account_id = str(account_id).strip()
        keys.add("id:" + account_id)
        if platform == "vk" and not account_id.lstrip("-").isdigit():
            keys |= url_keys("vk", "vk.com/" + account_id)
        if platform == "telegram":  # importers key people 'user123' and channels by their bare id
            m = re.fullmatch(r"(?:user|channel|chat)?(-?\d+)", account_id)
            if m:
                keys |= {"id:" + m.group(1), "id:user" + m.group(1)}
    if handle:
        keys.add("h:" + handle.strip().lstrip("@").lower())
        if platform == "vk":
            keys |= url_keys("vk", "vk.com/" + handle.strip())
    return sorted(keys, key=lambda k: (not k.startswith("id:"), k))


_SCIENTIFIC = re.compile(r"[0-9]+(?:[.,][0-9]+)?[eE][+]?[0-9]+")
_WHOLE_FLOAT = re.compile(r"([0-9]+)[.,]0+")
_LOOKS_LIKE_URL = re.compile(r"(?:https?://|www\.|[a-z0-9-]+\.(?:com|ru|me|be|kg|kz|org)/)", re.IGNORECASE)
_USERNAME_PLATFORMS = ("telegram", "vk", "x", "instagram", "tiktok", "ok")  # a non-numeric id there is a username


class BadAccountId(ValueError):
    """An id no platform writes (a number a spreadsheet rounded): the caller names the row."""


def normalise_account(platform: str, account_id: str | None, handle: str | None,
                      url: str | None) -> tuple[str | None, str | None, str | None]:
    """(account_id, handle, url) of a registry row in the form the importers store: Telegram's marked
    ids (-100123…, channel123) as the bare chat id, VK's club123/public123 as the owner id -123 and
    id77 as 77, a spreadsheet's 100064….0 as its digits, an id written as a URL or @handle moved to
    where it belongs, a username given as the id as the handle. Raises BadAccountId for an id in
    scientific notation (its digits are lost)."""
    from shailoo.importers.telegram_desktop import bare_chat_id, peer

    handle = handle.strip().lstrip("@").lower() if handle and handle.strip().lstrip("@") else None
    url = url.strip() if url and url.strip() else None
    aid = account_id.strip() if account_id and account_id.strip() else None
    if handle and _LOOKS_LIKE_URL.match(handle):
        url, handle = url or handle, None
    if aid is None:
        return None, handle, url
    if _SCIENTIFIC.fullmatch(aid):
        raise BadAccountId(f"the {platform} id '{aid}' was rounded by a spreadsheet (scientific notation) and its "
                           "digits are lost; write the full id (format the column as text) or give the account's URL")
    if m := _WHOLE_FLOAT.fullmatch(aid):
        aid = m.group(1)
    if _LOOKS_LIKE_URL.match(aid):
        return None, handle, url or aid
    if aid.startswith("@"):
        return None, handle or aid[1:].lower(), url
    if platform == "telegram":
        kind, ident = peer(aid)
        if kind == "chat" and (aid.startswith("-") or not aid.isdigit()):
            return bare_chat_id(aid), handle, url
        if kind == "user" and not aid.isdigit():
            return ident.removeprefix("user"), handle, url
    if platform == "vk":
        if m := re.fullmatch(r"(?:club|public|event)([0-9]+)", aid, re.IGNORECASE):
            return f"-{int(m.group(1))}", handle, url
        if m := re.fullmatch(r"id([0-9]+)", aid, re.IGNORECASE):
            return str(int(m.group(1))), handle, url
    if platform in _USERNAME_PLATFORMS and not re.fullmatch(r"-?[0-9]+", aid):
        return None, handle or aid.lower(), url
    return aid, handle, url


def registered_keys(con: duckdb.DuckDBPyConnection) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(platform, id) and (platform, handle) pairs of registered accounts, to exempt them from pseudonyms."""
    ids: set[tuple[str, str]] = set()
    handles: set[tuple[str, str]] = set()
    for platform, account_id, handle, url in con.execute(
        "SELECT platform, account_id, handle, url FROM actor_accounts"
    ).fetchall():
        for key in account_keys(platform, account_id, handle, url):
            kind, value = key.split(":", 1)
            (ids if kind == "id" else handles).add((platform, value))
    return ids, handles


_REGISTRY_ROWS = "SELECT actor_id, platform, account_id, handle, url FROM actor_accounts"


def _registry_lookup(con: duckdb.DuckDBPyConnection, key: bytes | None) -> dict[tuple[str, str], tuple[int, tuple]]:
    """(platform, match key) -> (actor_id, registry row); where two actors claim the same key the
    first registered wins. (A row is its own identity: a read-only workspace's tables have no rowid.)"""
    lookup: dict[tuple[str, str], tuple[int, tuple]] = {}
    for row in reversed(con.execute(_REGISTRY_ROWS + " ORDER BY ALL").fetchall()):
        actor_id, platform, account_id, handle, url = row
        for k in account_keys(platform, account_id, handle, url):
            lookup[(platform, k)] = (actor_id, row)
            if key is not None:  # the same person seen before registration, under a pseudonym
                lookup[(platform, "id:" + pseudonym(key, platform, k.split(":", 1)[1]))] = (actor_id, row)
    return lookup


def _matches(con: duckdb.DuckDBPyConnection, key: bytes | None, where: str = "") -> list[tuple]:
    """(account_key, actor_id, registry row) of every account (or those `where` selects)."""
    lookup = _registry_lookup(con, key)
    matches = []
    for account_key, platform, account_id, handle, url in con.execute(
        f"SELECT account_key, platform, account_id, handle, url FROM accounts a {where}"
    ).fetchall():
        hit = None
        for k in account_keys(platform, account_id, handle, url):
            hit = lookup.get((platform, k))
            if hit is not None:
                break
        matches.append((account_key, *(hit or (None, None))))
    return matches


def resolve_actors(con: duckdb.DuckDBPyConnection, key: bytes | None = None) -> int:
    """Set accounts.actor_id from the registry; returns how many accounts are attributed."""
    matches = _matches(con, key)
    table = pa.table({"account_key": [m[0] for m in matches], "actor_id": pa.array([m[1] for m in matches], pa.int32())})
    con.register("attribution", table)
    con.execute(
        """UPDATE accounts SET actor_id = a.actor_id FROM attribution a
           WHERE accounts.account_key = a.account_key AND accounts.actor_id IS DISTINCT FROM a.actor_id"""
    )
    con.unregister("attribution")
    return sum(1 for m in matches if m[1] is not None)


def unmatched_registry_rows(con: duckdb.DuckDBPyConnection, key: bytes | None = None) -> list[tuple]:
    """Registry rows (actor name, platform, account_id, handle, url) that match no account with posts
    (as author, or as the space members posted in), in the registry's order."""
    with_posts = """WHERE EXISTS (SELECT 1 FROM posts p WHERE p.platform = a.platform
                                  AND (p.account_id = a.account_id OR p.space_account_id = a.account_id))"""
    hit = {m[2] for m in _matches(con, key, with_posts) if m[2] is not None}
    names = dict(con.execute("SELECT actor_id, name FROM actors").fetchall())
    rows = dict.fromkeys(con.execute(_REGISTRY_ROWS + " ORDER BY actor_id").fetchall())  # distinct, in order
    return [(names.get(r[0]), *r[1:]) for r in rows if r not in hit]

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


def resolve_actors(con: duckdb.DuckDBPyConnection, key: bytes | None = None) -> int:
    """Set accounts.actor_id from the registry; returns how many accounts are attributed."""
    lookup: dict[tuple[str, str], int] = {}
    for actor_id, platform, account_id, handle, url in con.execute(
        # descending, so where two actors claim the same key the first registered wins
        "SELECT actor_id, platform, account_id, handle, url FROM actor_accounts ORDER BY actor_id DESC"
    ).fetchall():
        for k in account_keys(platform, account_id, handle, url):
            lookup[(platform, k)] = actor_id
            if key is not None:  # the same person seen before registration, under a pseudonym
                lookup[(platform, "id:" + pseudonym(key, platform, k.split(":", 1)[1]))] = actor_id
    matches: list[tuple[int, int]] = []
    for account_key, platform, account_id, handle, url in con.execute(
        "SELECT account_key, platform, account_id, handle, url FROM accounts"
    ).fetchall():
        actor_id = None
        for k in account_keys(platform, account_id, handle, url):
            actor_id = lookup.get((platform, k))
            if actor_id is not None:
                break
        matches.append((account_key, actor_id))
    table = pa.table({"account_key": [m[0] for m in matches], "actor_id": pa.array([m[1] for m in matches], pa.int32())})
    con.register("attribution", table)
    con.execute(
        """UPDATE accounts SET actor_id = a.actor_id FROM attribution a
           WHERE accounts.account_key = a.account_key AND accounts.actor_id IS DISTINCT FROM a.actor_id"""
    )
    con.unregister("attribution")
    return sum(1 for m in matches if m[1] is not None)

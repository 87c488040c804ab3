"""The actor registry: who is monitored, in which category, with which accounts.

CSV: one row per account with columns name, category, platform, account_id, handle, url and an
optional aliases column ('|'-separated). YAML: a list of actors, each with name, category,
aliases and a list of accounts.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from shailoo.errors import InputFileError, RegistryError
from shailoo.platforms import CATEGORIES, PLATFORMS
from shailoo.store.attribution import resolve_actors
from shailoo.store.workspace import Workspace

CSV_COLUMNS = ("name", "category", "platform", "account_id", "handle", "url")


@dataclass
class AccountEntry:
    platform: str
    account_id: str | None = None
    handle: str | None = None
    url: str | None = None


@dataclass
class ActorEntry:
    name: str
    category: str
    aliases: list[str] = field(default_factory=list)
    accounts: list[AccountEntry] = field(default_factory=list)


def read_registry(path: Path) -> list[ActorEntry]:
    if not path.exists():
        raise InputFileError(f"There is no file {path}.")
    if path.suffix.lower() in (".yaml", ".yml"):
        return _read_yaml(path)
    return _read_csv(path)


def _clean(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _check(name: str, category: str, where: str) -> str:
    category = (category or "").strip().lower().replace(" ", "_")
    if category not in CATEGORIES:
        raise RegistryError(f"{where}: category '{category}' of {name} is not one of {', '.join(CATEGORIES)}.")
    return category


def _account(platform: str | None, account_id, handle, url, where: str) -> AccountEntry | None:
    platform = (platform or "").strip().lower()
    if platform == "twitter":
        platform = "x"
    if not platform and not (account_id or handle or url):
        return None
    if platform not in PLATFORMS:
        raise RegistryError(f"{where}: platform '{platform}' is not one of {', '.join(PLATFORMS)}.")
    handle = _clean(handle)
    return AccountEntry(platform, _clean(account_id), handle.lstrip("@").lower() if handle else None, _clean(url))


def _read_csv(path: Path) -> list[ActorEntry]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        missing = [c for c in ("name", "category") if c not in header]
        if missing:
            raise RegistryError(
                f"{path.name} is not an actor registry: expected the columns {', '.join(CSV_COLUMNS)} "
                f"(and optionally aliases); missing {', '.join(missing)}.")
        reader.fieldnames = header
        actors: dict[str, ActorEntry] = {}
        for line, row in enumerate(reader, start=2):
            where = f"{path.name} line {line}"
            name = _clean(row.get("name"))
            if not name:
                raise RegistryError(f"{where}: the name is empty.")
            category = _check(name, row.get("category", ""), where)
            actor = actors.setdefault(name, ActorEntry(name, category))
            if actor.category != category:
                raise RegistryError(f"{where}: {name} is '{actor.category}' on an earlier line and '{category}' here.")
            for alias in (row.get("aliases") or "").split("|"):
                if alias.strip() and alias.strip() not in actor.aliases:
                    actor.aliases.append(alias.strip())
            account = _account(row.get("platform"), row.get("account_id"), row.get("handle"), row.get("url"), where)
            if account:
                actor.accounts.append(account)
        return list(actors.values())


def _read_yaml(path: Path) -> list[ActorEntry]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path.name} is not valid YAML ({exc.__class__.__name__}).") from None
    items = data.get("actors") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise RegistryError(f"{path.name} is not an actor registry: expected a list of actors (or a key 'actors').")
    actors = []
    for i, item in enumerate(items, start=1):
        where = f"{path.name} actor {i}"
        if not isinstance(item, dict) or not _clean(item.get("name")):
            raise RegistryError(f"{where}: each actor needs a name and a category.")
        name = _clean(item["name"])
        entry = ActorEntry(name, _check(name, item.get("category", ""), where),
                           [str(a) for a in item.get("aliases") or []])
        for acc in item.get("accounts") or []:
            account = _account(acc.get("platform"), acc.get("account_id") or acc.get("id"), acc.get("handle"),
                               acc.get("url"), where)
            if account:
                entry.accounts.append(account)
        actors.append(entry)
    return actors


def import_registry(ws: Workspace, path: Path) -> dict:
    """Add or update the actors of a registry file; returns counts of actors, accounts and attributed accounts."""
    entries = read_registry(Path(path))
    con = ws.con
    con.execute("BEGIN TRANSACTION")
    try:
        for actor in entries:
            con.execute(
                """INSERT INTO actors (name, category, aliases) VALUES (?, ?, ?)
                   ON CONFLICT (name) DO UPDATE SET category = excluded.category, aliases = excluded.aliases""",
                [actor.name, actor.category, actor.aliases])
            actor_id = con.execute("SELECT actor_id FROM actors WHERE name = ?", [actor.name]).fetchall()[0][0]
            con.execute("DELETE FROM actor_accounts WHERE actor_id = ?", [actor_id])
            for acc in actor.accounts:
                con.execute("INSERT INTO actor_accounts VALUES (?, ?, ?, ?, ?)",
                            [actor_id, acc.platform, acc.account_id, acc.handle, acc.url])
        # the key links people registered now to their earlier pseudonyms (none when opted out)
        attributed = resolve_actors(con, ws.pseudonym_key if ws.config.pseudonymise else None)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return {"actors": len(entries), "accounts": sum(len(a.accounts) for a in entries), "attributed_accounts": attributed}


def actor_post_counts(ws: Workspace):
    """Every registered actor with its post count per platform (zeros included)."""
    return ws.sql(
        """SELECT a.name AS actor, a.category,
                  coalesce(list_sort(list_distinct(list(aa.platform))), []) AS platforms,
                  (SELECT count(*) FROM posts_v p WHERE p.actor_id = a.actor_id) AS posts,
                  (SELECT string_agg(platform || ': ' || n, ', ' ORDER BY platform) FROM
                      (SELECT platform, count(*) AS n FROM posts_v p WHERE p.actor_id = a.actor_id GROUP BY 1)) AS per_platform
           FROM actors a LEFT JOIN actor_accounts aa USING (actor_id)
           GROUP BY a.actor_id, a.name, a.category ORDER BY a.category, posts DESC, a.name""")

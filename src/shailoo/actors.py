"""The actor registry: who is monitored, in which category, with which accounts.

CSV: one row per account with columns name, category, platform, account_id, handle, url and an
optional aliases column ('|'-separated), in any encoding and delimiter a spreadsheet saves
(`shailoo.csvfiles`). YAML: a list of actors, each with name, category, aliases and a list of accounts.

Account ids are stored as the importers key them (`attribution.normalise_account`); a row that
identifies no account, or an id a spreadsheet rounded, is refused with the row named. Importing a
registry replaces the workspace's registry (actors missing from the file are removed) unless told to
add; either way it says which registry rows match no post yet.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from shailoo.csvfiles import detect, open_text
from shailoo.errors import InputFileError, RegistryError
from shailoo.platforms import CATEGORIES, PLATFORMS
from shailoo.store.attribution import BadAccountId, normalise_account, resolve_actors, unmatched_registry_rows
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


def _account(platform: str | None, account_id, handle, url, where: str, actor: str) -> AccountEntry | None:
    platform = (platform or "").strip().lower()
    if platform == "twitter":
        platform = "x"
    account_id, handle, url = _clean(account_id), _clean(handle), _clean(url)
    if not platform and not (account_id or handle or url):
        return None  # an actor listed without accounts
    if platform not in PLATFORMS:
        raise RegistryError(f"{where}: platform '{platform}' is not one of {', '.join(PLATFORMS)}.")
    try:
        account_id, handle, url = normalise_account(platform, account_id, handle, url)
    except BadAccountId as exc:
        raise RegistryError(f"{where}: {exc}.") from None
    if not (account_id or handle or url):
        raise RegistryError(f"{where}: the {platform} account of {actor} has no account_id, handle or url; "
                            "give at least one, or leave the platform empty for an actor without accounts.")
    return AccountEntry(platform, account_id, handle, url)


def _read_csv(path: Path) -> list[ActorEntry]:
    table = detect(path)
    try:
        with open_text(path, table) as fh:
            return _read_rows(path, csv.DictReader(fh, delimiter=table.delimiter), table.describe())
    except UnicodeDecodeError:
        raise RegistryError(f"{path.name} could not be read as {table.describe()}; save it as CSV UTF-8.") from None


def _read_rows(path: Path, reader: csv.DictReader, read_as: str) -> list[ActorEntry]:
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("name", "category") if c not in header]
    if missing:
        raise RegistryError(
            f"{path.name} is not an actor registry: expected the columns {', '.join(CSV_COLUMNS)} "
            f"(and optionally aliases); missing {', '.join(missing)} (read as {read_as}).")
    reader.fieldnames = header
    actors: dict[str, ActorEntry] = {}
    for line, row in enumerate(reader, start=2):
        where = f"{path.name} line {line}"
        name = _clean(row.get("name"))
        if not name:
            if not any(_clean(v) for k, v in row.items() if k):
                continue  # a blank line a spreadsheet left
            raise RegistryError(f"{where}: the name is empty.")
        category = _check(name, row.get("category", ""), where)
        actor = actors.setdefault(name, ActorEntry(name, category))
        if actor.category != category:
            raise RegistryError(f"{where}: {name} is '{actor.category}' on an earlier line and '{category}' here.")
        for alias in (row.get("aliases") or "").split("|"):
            if alias.strip() and alias.strip() not in actor.aliases:
                actor.aliases.append(alias.strip())
        account = _account(row.get("platform"), row.get("account_id"), row.get("handle"), row.get("url"), where, name)
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
            if not isinstance(acc, dict):
                raise RegistryError(f"{where}: each account needs a platform and an account_id, handle or url.")
            account = _account(acc.get("platform"), acc.get("account_id") or acc.get("id"), acc.get("handle"),
                               acc.get("url"), where, name)
            if account:
                entry.accounts.append(account)
        actors.append(entry)
    return actors


def _key(ws: Workspace) -> bytes | None:
    # the key links people registered now to their earlier pseudonyms (none when opted out)
    return ws.pseudonym_key if ws.config.pseudonymise else None


def import_registry(ws: Workspace, path: Path, replace: bool = True) -> dict:
    """Load a registry file. By default it replaces the registry: actors missing from the file are
    removed (their posts stay, unattributed); with replace=False it adds to it. Returns counts of actors,
    accounts and attributed accounts, the names added, changed and removed, and the registry rows
    that match no post (`unmatched`, see `unmatched_registry_accounts`)."""
    entries = read_registry(Path(path))
    con = ws.con
    before = _registry_state(con)
    con.execute("BEGIN TRANSACTION")
    try:
        if replace:
            names = [a.name for a in entries]
            for (actor_id,) in con.execute("SELECT actor_id FROM actors WHERE NOT list_contains(?, name)",
                                           [names]).fetchall():
                _delete_actor(con, actor_id)
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
        attributed = resolve_actors(con, _key(ws))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    after = _registry_state(con)
    return {"actors": len(entries), "accounts": sum(len(a.accounts) for a in entries), "attributed_accounts": attributed,
            "added": sorted(set(after) - set(before)), "removed": sorted(set(before) - set(after)),
            "changed": sorted(n for n in set(before) & set(after) if before[n] != after[n]),
            "unmatched": unmatched_registry_accounts(ws)}


def _registry_state(con) -> dict[str, tuple]:
    """Each actor's category, aliases and accounts, to tell what a registry import changed."""
    rows = con.execute(
        """SELECT a.name, a.category, a.aliases,
                  list_sort(list(DISTINCT [aa.platform, coalesce(aa.account_id, ''), coalesce(aa.handle, ''),
                                           coalesce(aa.url, '')]) FILTER (WHERE aa.platform IS NOT NULL))
           FROM actors a LEFT JOIN actor_accounts aa USING (actor_id) GROUP BY ALL""").fetchall()
    return {name: (category, tuple(aliases or ()), repr(accounts)) for name, category, aliases, accounts in rows}


def _delete_actor(con, actor_id: int) -> None:
    """Remove an actor and what points at it; posts and accounts stay (unattributed)."""
    con.execute("DELETE FROM actor_accounts WHERE actor_id = ?", [actor_id])
    con.execute("UPDATE accounts SET actor_id = NULL WHERE actor_id = ?", [actor_id])
    con.execute("UPDATE election_results SET actor_id = NULL WHERE actor_id = ?", [actor_id])
    con.execute("DELETE FROM actors WHERE actor_id = ?", [actor_id])


def find_actor(ws: Workspace, name: str) -> tuple[int, str]:
    """(actor_id, name) of the actor called `name`, or the one actor with that alias (case aside)."""
    rows = ws.con.execute("SELECT actor_id, name FROM actors WHERE name = ?", [name]).fetchall()
    if not rows:
        rows = ws.con.execute(
            """SELECT actor_id, name FROM actors
               WHERE lower(name) = lower(?) OR list_contains(list_transform(aliases, lambda x: lower(x)), lower(?))
               ORDER BY name""", [name, name]).fetchall()
    if not rows:
        raise RegistryError(f"No actor is named '{name}' (as name or alias); `shailoo actors list` shows them.")
    if len(rows) > 1:
        raise RegistryError(f"'{name}' is an alias of {len(rows)} actors ({', '.join(r[1] for r in rows)}); "
                            "give the actor's own name.")
    return rows[0]


def remove_actor(ws: Workspace, name: str) -> dict:
    """Remove an actor (by name or alias) and its accounts from the registry; its posts stay, no longer
    attributed. Returns the actor's name and how many posts it had."""
    actor_id, actor_name = find_actor(ws, name)
    con = ws.con
    posts = con.execute("SELECT count(*) FROM posts_v WHERE actor_id = ?", [actor_id]).fetchall()[0][0]
    con.execute("BEGIN TRANSACTION")
    try:
        _delete_actor(con, actor_id)
        resolve_actors(con, _key(ws))  # an account another actor also claims goes to that actor
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return {"name": actor_name, "posts": posts}


def unmatched_registry_accounts(ws: Workspace) -> list[dict]:
    """Registry rows (accounts) that match no post in the workspace, in the registry's order: each a
    dict of actor, platform, account_id, handle, url. Call it after every import to show them."""
    return [dict(zip(("actor", "platform", "account_id", "handle", "url"), row))
            for row in unmatched_registry_rows(ws.con, _key(ws))]


def describe_unmatched(rows: list[dict], limit: int = 10) -> list[str]:
    """Lines telling the user which registry rows match no post (at most `limit`, then how many more)."""
    if not rows:
        return []
    lines = [f"{len(rows):,} registry account{'s' if len(rows) != 1 else ''} match no post yet:"]
    for r in rows[:limit]:
        ident = r["account_id"] or (r["handle"] and "@" + r["handle"]) or r["url"]
        lines.append(f"  {r['actor']} — {r['platform']} {ident}")
    if len(rows) > limit:
        lines.append(f"  … and {len(rows) - limit:,} more (shailoo actors unmatched --registry lists them all)")
    return lines


def unattributed_accounts(ws: Workspace, limit: int | None = None):
    """Accounts with posts that count for no actor, most posts first: platform, account id, handle and
    name (empty for pseudonymised people), post count, first and last post day."""
    return ws.sql(
        f"""SELECT p.platform, p.account_id, p.account_handle AS handle, p.account_name AS name,
                   coalesce(a.is_pseudonymised, false) AS pseudonymised, count(*) AS posts,
                   min(p.day) AS first_post, max(p.day) AS last_post
            FROM posts_v p LEFT JOIN accounts a USING (platform, account_id)
            WHERE p.actor_id IS NULL
            GROUP BY ALL ORDER BY posts DESC, p.platform, p.account_id
            {f"LIMIT {int(limit)}" if limit else ""}""")


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

"""What is due: for every registered account, its new posts since its cursor, and engagement readings
of its recent posts at the workspace's reading ages (shailoo.toml `[collect] reading_ages`, default
24 h, 72 h and 7 days after posting, so the 72-hour rule is met by design).

A reading of a post is due when one of the ages has passed and no snapshot was measured at or after
that age; one reading covers every age passed. Posts older than the last age plus the grace
(`[collect] reading_grace`, default 3 days) are never read again: a late reading would not be the
reading the age asks for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shailoo.collect.base import Account
from shailoo.collect.state import account_key, get_cursor
from shailoo.errors import ConfigError, printable
from shailoo.store.workspace import Workspace

DEFAULT_READING_AGES = ("24h", "72h", "7d")
DEFAULT_GRACE = "3d"
_AGE = re.compile(r"\s*([0-9]{1,6}(?:\.[0-9]{1,3})?)\s*([mhdw])\s*", re.IGNORECASE)
_UNIT = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_MAX_AGE = timedelta(days=366)


@dataclass
class Due:
    account: Account
    actor: str
    cursor: dict | None
    readings: list[str] = field(default_factory=list)  # platform_post_ids due for a reading, oldest first

    @property
    def key(self) -> str:
        return account_key(self.account)


def parse_age(value: object, key: str) -> timedelta:
    """'24h', '7d', '90m', '2w' or a number of hours -> timedelta; ConfigError naming `key` otherwise."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value) * 3600
    elif isinstance(value, str) and (m := _AGE.fullmatch(value)):
        seconds = float(m.group(1)) * _UNIT[m.group(2).lower()]
    else:
        raise ConfigError(f"collect.{key} in shailoo.toml holds {printable(repr(value))[:40]}, not an age such as "
                          '"24h", "72h" or "7d".')
    age = timedelta(seconds=seconds)
    if not timedelta(0) < age <= _MAX_AGE:
        raise ConfigError(f"collect.{key} in shailoo.toml must be more than 0 and at most 366 days.")
    return age


DEFAULT_ARCHIVE_DAYS = 30
_MAX_DAYS = 36_500
_MAX_UNITS = 10**9


@dataclass
class CollectSettings:
    """shailoo.toml's `[collect]` table, checked."""

    reading_ages: list[timedelta]  # sorted
    reading_grace: timedelta
    youtube_daily_units: int | None = None  # None: the collector's default (10,000)
    archive_days: int = DEFAULT_ARCHIVE_DAYS  # archived bodies older than this are purged at the end of a run


def collect_settings(ws: Workspace) -> CollectSettings:
    """The workspace's `[collect]` settings; ConfigError naming the key for a bad value."""
    from shailoo.config import CONFIG_NAME, _parse

    path = ws.path / CONFIG_NAME
    data = _parse(path.read_text(encoding="utf-8"), path) if path.is_file() else {}
    table = data.get("collect", {})
    if not isinstance(table, dict):
        raise ConfigError("collect in shailoo.toml must be a table: [collect] reading_ages = [\"24h\", \"72h\", \"7d\"].")
    ages = table.get("reading_ages", list(DEFAULT_READING_AGES))
    if not isinstance(ages, list) or not 1 <= len(ages) <= 20:
        raise ConfigError('collect.reading_ages in shailoo.toml must be a list of 1 to 20 ages such as ["24h", "72h", "7d"].')
    grace = parse_age(table.get("reading_grace", DEFAULT_GRACE), "reading_grace")
    units = table.get("youtube_daily_units")
    if units is not None and not _whole(units, 1, _MAX_UNITS):
        raise ConfigError(f"collect.youtube_daily_units in shailoo.toml must be a whole number of units from 1 to "
                          f"{_MAX_UNITS:,} (the key's daily quota, 10,000 unless Google raised it).")
    days = table.get("archive_days", DEFAULT_ARCHIVE_DAYS)
    if not _whole(days, 0, _MAX_DAYS):
        raise ConfigError(f"collect.archive_days in shailoo.toml must be a whole number of days from 0 to {_MAX_DAYS:,} "
                          "(how long the raw archive keeps the bodies it received).")
    return CollectSettings(sorted({parse_age(a, "reading_ages") for a in ages}), grace, units, days)


def _whole(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def collect_config(ws: Workspace) -> tuple[list[timedelta], timedelta]:
    """(reading ages, sorted; grace) from the workspace's shailoo.toml `[collect]` table."""
    settings = collect_settings(ws)
    return settings.reading_ages, settings.reading_grace


def registered_accounts(ws: Workspace, platforms: list[str] | None = None, actor: str | None = None
                        ) -> list[tuple[str, Account]]:
    """(actor name, account) of every registered account, by actor then platform."""
    where, params = [], []
    if actor is not None:
        from shailoo.actors import find_actor

        where.append("aa.actor_id = ?")
        params.append(find_actor(ws, actor)[0])
    if platforms:
        where.append(f"aa.platform IN ({', '.join('?' for _ in platforms)})")
        params += platforms
    rows = ws.con.execute(
        f"""SELECT DISTINCT a.name, aa.platform, aa.actor_id, aa.account_id, lower(aa.handle), aa.url
            FROM actor_accounts aa JOIN actors a USING (actor_id)
            {'WHERE ' + ' AND '.join(where) if where else ''}
            ORDER BY a.name, aa.platform, aa.account_id NULLS LAST, 5""", params).fetchall()
    return [(name, Account(platform, actor_id, account_id, handle, url))
            for name, platform, actor_id, account_id, handle, url in rows if account_id or handle]


def plan(ws: Workspace, now: datetime, platforms: list[str] | None = None, actor: str | None = None) -> list[Due]:
    """What is due now for every registered account (of these platforms, of this actor)."""
    ages, grace = collect_config(ws)
    due = []
    for actor_name, account in registered_accounts(ws, platforms, actor):
        cursor = get_cursor(ws.con, account.platform, account_key(account))
        due.append(Due(account, actor_name, cursor, readings_due(ws, account, cursor, now, ages, grace)))
    return due


def readings_due(ws: Workspace, account: Account, cursor: dict | None, now: datetime, ages: list[timedelta],
                 grace: timedelta) -> list[str]:
    """platform_post_ids of the account's posts due for a reading now (set-oriented: one query)."""
    ids = [i for i in {account.account_id, str((cursor or {}).get("account_id") or "") or None} if i]
    handles = [account.handle] if account.handle else []
    seconds = [int(a.total_seconds()) for a in ages]
    oldest = now - ages[-1] - grace
    rows = ws.con.execute(
        f"""WITH mine AS (
                SELECT p.post_id, p.platform_post_id, p.created_at FROM posts p
                WHERE p.platform = $platform AND p.post_type NOT IN ('comment', 'reply')
                  AND p.created_at > $oldest AND p.created_at <= $now - to_seconds({seconds[0]})
                  AND (list_contains($ids, p.account_id) OR list_contains($ids, p.space_account_id)
                       OR p.account_id IN (SELECT account_id FROM accounts
                                           WHERE platform = $platform AND list_contains($handles, lower(handle))))),
            passed AS (
                SELECT m.*, max(age) AS age FROM mine m, (SELECT unnest($seconds) AS age) a
                WHERE m.created_at + to_seconds(a.age) <= $now GROUP BY ALL)
            SELECT platform_post_id FROM passed p
            WHERE NOT EXISTS (SELECT 1 FROM engagement_snapshots e
                              WHERE e.post_id = p.post_id AND e.measured_at >= p.created_at + to_seconds(p.age))
            ORDER BY created_at, platform_post_id""",
        {"platform": account.platform, "oldest": oldest, "now": now, "ids": ids, "handles": handles,
         "seconds": seconds}).fetchall()
    return [r[0] for r in rows]

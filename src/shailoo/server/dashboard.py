"""The dashboard's data: the monitoring tables of `shailoo metrics` (same library functions, same
filters and default scope, so the same numbers) and the choices its filter form offers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal

import pyarrow as pa

from shailoo.api import select
from shailoo.errors import UsageError
from shailoo.platforms import CATEGORIES, PLATFORMS
from shailoo.store.workspace import Workspace

BY = ("actor", "category", "platform", "period", "week")
TABLES = ("posts", "interactions")
GROUP_COLUMNS = ("actor", "category", "platform", "period", "week", "day", "group")
# The figures shown after the grouping columns: those `shailoo metrics` shows on a screen, each with
# the count of posts it leaves out (unknown is not zero); the JSON download has every column.
SHOWN = {
    "posts": ("posts", "interactions", "interactions_unknown", "avg_interactions", "interaction_rate_pct",
              "posts_share_pct"),
    "interactions": ("interactions", "interactions_unknown", "reactions", "comments", "shares", "views",
                     "views_unknown"),
}


@dataclass(frozen=True)
class DashboardQuery:
    """The filter form: one value each (empty: no filter), the grouping, and --all."""

    period: str = ""
    platform: str = ""
    category: str = ""
    actor: str = ""
    by: str = "actor"
    all_posts: bool = False

    def __post_init__(self) -> None:
        if self.by not in BY:
            raise UsageError(f"Group by one of {', '.join(BY)}, not '{self.by[:40]}'.")
        if self.platform and self.platform not in PLATFORMS:
            raise UsageError(f"The platform is one of {', '.join(PLATFORMS)}, not '{self.platform[:40]}'.")
        if self.category and self.category not in CATEGORIES:
            raise UsageError(f"The category is one of {', '.join(CATEGORIES)}, not '{self.category[:40]}'.")
        if self.all_posts and self.period:
            raise UsageError("“All posts” takes every post; do not combine it with a period.")

    def filters(self) -> dict:
        """The keywords of `shailoo.api.select` (as the CLI's --period, --platform ... give them)."""
        return dict(period=self.period or None, platform=self.platform or None, category=self.category or None,
                    actor=self.actor or None, all_posts=self.all_posts)

    def params(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v}


def choices(ws: Workspace) -> dict[str, list[str]]:
    """What the filter form offers: the workspace's periods, platforms with posts, categories, actors."""
    platforms = [r[0] for r in ws.con.execute("SELECT DISTINCT platform FROM posts ORDER BY 1").fetchall()]
    actors = [r[0] for r in ws.con.execute("SELECT name FROM actors ORDER BY lower(name)").fetchall()]
    return {"periods": [p.name for p in ws.config.periods], "platforms": platforms,
            "categories": list(CATEGORIES), "actors": actors, "by": list(BY)}


class EngagementCache:
    """The per-post table every monitoring table reads (analysis/snapshot.py: one snapshot per post,
    interactions, followers at posting), computed once per data version and kept in memory, so a
    dashboard page does not choose the snapshots of a million posts again for each table. The
    version changes with any import, registry or time-zone change, so the figures are never stale."""

    VIEW = "server_post_engagement"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: tuple | None = None
        self._table: pa.Table | None = None

    @staticmethod
    def version(ws: Workspace) -> tuple:
        from shailoo.analysis.snapshot import min_hours

        row = ws.con.execute("""SELECT (SELECT max(import_id) FROM imports), (SELECT count(*) FROM posts),
                   (SELECT count(*) FROM engagement_snapshots), (SELECT count(*) FROM follower_snapshots),
                   (SELECT sum(hash(account_key, actor_id)) FROM accounts),
                   (SELECT sum(hash(actor_id, name, category)) FROM actors)""").fetchall()[0]
        return (*row, ws.config.timezone, min_hours(ws))

    @contextmanager
    def use(self, ws: Workspace) -> Iterator[None]:
        """Within the block, the metrics on `ws` read the cached per-post table."""
        from shailoo.analysis.snapshot import fetch, post_engagement_sql

        version = self.version(ws)
        with self._lock:
            if self._version != version:
                self._table, self._version = fetch(ws, post_engagement_sql(ws)), version
            table = self._table
        ws.con.register(self.VIEW, table)
        ws.engagement_table = self.VIEW
        try:
            yield
        finally:
            del ws.engagement_table
            ws.con.unregister(self.VIEW)


def table(ws: Workspace, name: str, q: DashboardQuery, cache: EngagementCache | None = None) -> tuple[pa.Table, str]:
    """One monitoring table (posts or interactions) and the sentence stating its scope."""
    from shailoo.analysis import metrics

    if name not in TABLES:
        raise UsageError(f"The dashboard's tables are {', '.join(TABLES)}, not '{name[:40]}'.")
    flt, scope = select(ws, **q.filters())
    if cache is None:
        return getattr(metrics, name)(ws, flt, q.by), scope
    with cache.use(ws):
        return getattr(metrics, name)(ws, flt, q.by), scope


def shown_columns(t: pa.Table, name: str) -> list[str]:
    groups = [c for c in t.schema.names if c in GROUP_COLUMNS]
    return groups + [c for c in SHOWN[name] if c in t.schema.names]


def jsonable(value):
    """A cell as `shailoo metrics --format json` writes it."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value

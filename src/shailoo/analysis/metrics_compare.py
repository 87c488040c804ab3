"""Comparisons: two periods (pre-campaign vs campaign), the last week before a date, and two
platforms for the same actors (e.g. Instagram interactions ÷ Facebook interactions)."""

from __future__ import annotations

from dataclasses import replace

from datetime import date, timedelta
from typing import Sequence

import pyarrow as pa

from shailoo.analysis.filters import PostFilter, period_bounds  # period_bounds: callers import it from here
from shailoo.analysis.metrics import _CATEGORY_ORDER, activity
from shailoo.analysis.snapshot import engagement_source, fetch
from shailoo.errors import UsageError
from shailoo.platforms import PLATFORMS




def default_periods(ws) -> tuple[str, str] | None:
    """The first two periods by start date (pre-campaign, campaign), if there are two."""
    names = [r[0] for r in ws.con.execute("SELECT name FROM periods ORDER BY start_date, name").fetchall()]
    return (names[0], names[1]) if len(names) >= 2 else None


def _side(t: str) -> str:
    """One period's interactions: 0 where the group has no row (no posts: a real zero), NULL where
    its posts' interactions are all unknown."""
    return f"(CASE WHEN {t}.posts IS NULL THEN 0 ELSE {t}.interactions END)"


def period_comparison(ws, flt: PostFilter | None = None, by: str | Sequence[str] = "category",
                      periods: tuple[str, str] | None = None) -> pa.Table:
    """Compare posts and interactions of two periods per group (share of posts in the second)."""
    periods = periods or default_periods(ws)
    if not periods:
        raise UsageError("Comparing periods needs two periods; add them with `shailoo periods add NAME START END`.")
    flt = flt or PostFilter()
    # Each side is its whole period: the scope's dates (or a --period) do not cut it.
    flt = replace(flt, period=None, start=None, end=None)
    tables = [activity(ws, flt, by, days=period_bounds(ws, p)) for p in periods]
    keys = [c for c in tables[0].column_names if c in ("actor", "category", "platform", "week", "day")]
    ws.con.register("cmp_a", tables[0])
    ws.con.register("cmp_b", tables[1])
    try:
        return fetch(ws, 
            f"""SELECT {', '.join(f'coalesce(a.{k}, b.{k}) AS {k}' for k in keys)},
                       ? AS period_a, coalesce(a.posts, 0) AS posts_a, {_side('a')} AS interactions_a,
                       coalesce(a.interactions_unknown, 0) AS interactions_unknown_a,
                       ? AS period_b, coalesce(b.posts, 0) AS posts_b, {_side('b')} AS interactions_b,
                       coalesce(b.interactions_unknown, 0) AS interactions_unknown_b,
                       round(100.0 * coalesce(b.posts, 0) / nullif(coalesce(a.posts, 0) + coalesce(b.posts, 0), 0), 1)
                           AS posts_b_pct,
                       round(100.0 * {_side('b')} / nullif({_side('a')} + {_side('b')}, 0), 1) AS interactions_b_pct
                FROM cmp_a a FULL JOIN cmp_b b USING ({', '.join(keys)})
                ORDER BY {', '.join(_CATEGORY_ORDER if k == 'category' else k for k in keys if k != 'actor')}
                         {', ' if any(k != 'actor' for k in keys) and 'actor' in keys else ''}
                         {'posts_b DESC, actor' if 'actor' in keys else ''}""",
            [periods[0], periods[1]])
    finally:
        ws.con.unregister("cmp_a")
        ws.con.unregister("cmp_b")


def last_week(ws, flt: PostFilter | None = None, by: str | Sequence[str] = "category",
              before: date | None = None) -> pa.Table:
    """Count posts and interactions in the seven days before a date (default: the day after the last period)."""
    if before is None:
        row = ws.con.execute("SELECT max(end_date) FROM periods").fetchall()[0]
        if row[0] is None:
            row = ws.con.execute(f"SELECT max(day) FROM {engagement_source(ws)}").fetchall()[0]
        if row[0] is None:
            before = date.today()
        else:
            before = row[0] + timedelta(days=1)
    days = (before - timedelta(days=7), before - timedelta(days=1))
    t = activity(ws, flt, by, days=days)
    keep = [c for c in t.column_names
            if c in ("actor", "category", "platform", "has_account", "posts", "interactions", "interactions_unknown")]
    t = t.select(keep)
    return t.append_column("from_day", pa.array([days[0]] * t.num_rows, pa.date32())) \
            .append_column("to_day", pa.array([days[1]] * t.num_rows, pa.date32()))


def platform_comparison(ws, flt: PostFilter | None = None, by: str = "actor",
                        platforms: tuple[str, str] = ("instagram", "facebook")) -> pa.Table:
    """Compare two platforms for the same actors: posts and interactions on each and their ratio (a ÷ b)."""
    a, b = platforms
    for p in platforms:
        if p not in PLATFORMS:
            raise UsageError(f"Unknown platform '{p}'; use one of {', '.join(PLATFORMS)}.")
    if by not in ("actor", "category"):
        raise UsageError("Platform comparison is --by actor or --by category.")
    flt = flt or PostFilter()
    flt = replace(flt, platform=None)
    t = activity(ws, flt, ["actor", "platform"])
    keys = ["actor", "category"] if by == "actor" else ["category"]
    ws.con.register("cmp_platforms", t)
    try:
        # Only actors with an account on both platforms (activity lists an actor × platform row for
        # each account, posts or not): the ratio compares the same subjects on the two platforms,
        # per actor or summed per category; a category with no such actor gets no row.
        group = ", ".join(keys)
        return fetch(ws, f"""
            WITH both_sides AS (
                SELECT * FROM cmp_platforms WHERE platform IN (?, ?)
                QUALIFY count(*) OVER (PARTITION BY actor, category) = 2)
            SELECT {group}, count(DISTINCT actor)::BIGINT AS actors, ? AS platform_a, ? AS platform_b,
                   coalesce(sum(posts) FILTER (WHERE platform = ?), 0)::BIGINT AS posts_a,
                   coalesce(sum(posts) FILTER (WHERE platform = ?), 0)::BIGINT AS posts_b,
                   sum(interactions) FILTER (WHERE platform = ?)::BIGINT AS interactions_a,
                   coalesce(sum(interactions_unknown) FILTER (WHERE platform = ?), 0)::BIGINT AS interactions_unknown_a,
                   sum(interactions) FILTER (WHERE platform = ?)::BIGINT AS interactions_b,
                   coalesce(sum(interactions_unknown) FILTER (WHERE platform = ?), 0)::BIGINT AS interactions_unknown_b,
                   round(sum(interactions) FILTER (WHERE platform = ?)
                         / nullif(sum(interactions) FILTER (WHERE platform = ?), 0), 2) AS interactions_ratio
            FROM both_sides
            GROUP BY {group}
            ORDER BY {_CATEGORY_ORDER}, interactions_a DESC NULLS LAST{', actor' if by == 'actor' else ''}""",
                     [a, b, a, b, a, b, a, a, b, b, a, b])
    finally:
        ws.con.unregister("cmp_platforms")

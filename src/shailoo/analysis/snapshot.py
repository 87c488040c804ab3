"""Which engagement snapshot counts for each post, and the per-post table every metric reads.

A post is measured many times (each export adds a snapshot). Monitoring teams report the counts
of one snapshot per post, chosen by one rule: the first snapshot measured `min_hours` (default 72)
or more after posting. A post measured only earlier gets its latest snapshot and is flagged
`snapshot_early`; the report says how many such posts there are.

`engagement_source(ws)` is what metrics select FROM: the SQL of the per-post table, or the name of
a temporary table holding it when the caller materialised it with `materialized(ws)` (the report
does, so that thirty tables do not each repeat the snapshot choice over a million posts).
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from typing import Iterator

import pyarrow as pa

from shailoo.platforms import interactions_sql

CACHE_TABLE = "metrics_post_engagement"
COUNT_COLUMNS = ("reactions", "likes", "love", "wow", "haha", "sad", "angry", "care", "comments", "shares", "views")
# Comments and replies are stored as posts with a parent; they are not the actors' own posts.
OWN_POSTS = "post_type NOT IN ('comment', 'reply')"


def min_hours(ws) -> float:
    return float(getattr(ws.config, "snapshot_min_hours", 72.0))


def snapshot_sql(hours: float) -> str:
    """SQL selecting one snapshot per post (columns of engagement_snapshots + `snapshot_early`)."""
    # On microseconds since the epoch (not timestamp + interval): one form DuckDB and Spark both run.
    mature = f"(epoch_us(e.measured_at) >= epoch_us(p.created_at) + CAST({float(hours)} * 3600e6 AS BIGINT))"
    # Mature snapshots first, the earliest of them; else the latest of the early ones.
    return f"""
        SELECT e.*, NOT {mature} AS snapshot_early
        FROM engagement_snapshots e JOIN posts p USING (post_id)
        QUALIFY row_number() OVER (
            PARTITION BY e.post_id
            ORDER BY {mature} DESC,
                     CASE WHEN {mature} THEN epoch_us(e.measured_at) ELSE -epoch_us(e.measured_at) END) = 1
    """


def post_engagement_sql(ws, hours: float | None = None) -> str:
    """SQL of one row per own post: posts_v fields, the chosen snapshot's counts, interactions,
    followers at posting (latest follower count measured at or before the post)."""
    hours = min_hours(ws) if hours is None else hours
    counts = ", ".join(f"s.{c}" for c in COUNT_COLUMNS)
    return f"""
        SELECT q.*, {interactions_sql()} AS interactions
        FROM (
            SELECT p.post_id, p.platform, p.account_id, p.created_at, p.local_time, p.day, p.week,
                   p.actor_id, p.actor, p.category, p.account_name, p.account_handle, p.media_type, p.by_member,
                   s.measured_at AS snapshot_at, s.measured_at IS NOT NULL AS has_snapshot,
                   coalesce(s.snapshot_early, false) AS snapshot_early, s.reaction_breakdown,
                   {counts}, f.followers AS followers_at_posting
            FROM posts_v p
            LEFT JOIN ({snapshot_sql(hours)}) s USING (post_id)
            ASOF LEFT JOIN (SELECT platform, account_id, measured_at, followers FROM follower_snapshots
                            WHERE followers IS NOT NULL) f
              ON f.platform = p.platform AND f.account_id = p.account_id AND p.created_at >= f.measured_at
            WHERE p.{OWN_POSTS}
        ) q
    """


def fetch(ws, sql: str, params: list | None = None) -> pa.Table:
    """Run a query and return all its rows as an Arrow table.

    `execute` rather than `sql`: DuckDB 2 refuses a relation while an earlier `execute` result
    (e.g. PostFilter's period look-up) is unfinished; our results are small aggregates, so the
    extra copy it warns about costs nothing worth a warning.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return ws.con.execute(sql, params or []).to_arrow_table()


def _cache_exists(ws) -> bool:
    return bool(ws.con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?", [CACHE_TABLE]).fetchall()[0][0])


def engagement_source(ws) -> str:
    """What a metric selects FROM: a per-post table the caller prepared (`ws.engagement_table`, the
    name of a table or view holding `post_engagement_sql`'s rows: the web app keeps one per data
    version), the materialised table if present, else the SQL subquery."""
    prepared = getattr(ws, "engagement_table", None)
    if prepared:
        return prepared
    if _cache_exists(ws):
        return CACHE_TABLE
    return f"({post_engagement_sql(ws)})"


@contextmanager
def materialized(ws) -> Iterator[str]:
    """Compute the per-post table once for a block of metrics (dropped on exit, so never stale)."""
    if _cache_exists(ws):  # nested use: the outer block owns it
        yield CACHE_TABLE
        return
    ws.con.execute(f"CREATE TEMP TABLE {CACHE_TABLE} AS {post_engagement_sql(ws)}")
    try:
        yield CACHE_TABLE
    finally:
        ws.con.execute(f"DROP TABLE IF EXISTS {CACHE_TABLE}")


def snapshot_coverage(ws, where: str = "TRUE", params: list | None = None):
    """Posts per platform by snapshot status: measured after the rule's delay, only earlier, never."""
    return fetch(ws, 
        f"""SELECT platform, count(*)::BIGINT AS posts,
                   count(*) FILTER (WHERE has_snapshot AND NOT snapshot_early)::BIGINT AS snapshot_ok,
                   count(*) FILTER (WHERE snapshot_early)::BIGINT AS snapshot_early,
                   count(*) FILTER (WHERE NOT has_snapshot)::BIGINT AS no_snapshot
            FROM {engagement_source(ws)} WHERE {where} GROUP BY platform ORDER BY platform""",
        params or [])

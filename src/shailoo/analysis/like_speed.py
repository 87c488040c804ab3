"""Speed of receiving likes (seed 003, after LiveDune): a post's likes — or reactions, views,
comments, shares — per hour over its first N hours, from its engagement snapshots.

The count at N hours after posting is read from the snapshots: measured when a snapshot was taken
exactly then, else interpolated linearly between the last snapshot before and the first after
(`basis` says which). Speed = count at N hours ÷ N (a post has nothing at the moment it is
posted). Nothing is invented: a post with one snapshot, with none before N hours or none after, or
whose snapshots do not give the measure, has speed NULL and a `reason` saying which. Ranked by
speed, the unknown last.
"""

from __future__ import annotations

import pyarrow as pa

from shailoo.analysis.filters import PostFilter
from shailoo.analysis.snapshot import OWN_POSTS, fetch
from shailoo.errors import UsageError
from shailoo.platforms import interactions_sql

MEASURES = ("likes", "reactions", "views", "comments", "shares", "interactions")
MAX_HOURS = 24 * 365
# Snapshots of the selected posts (CTE p) with the post's platform and time: interactions need the platform.
SNAPSHOTS = "(SELECT es.*, p.platform, p.created_at FROM engagement_snapshots es JOIN p USING (post_id)) e"


def measure_sql(measure: str) -> str:
    """The snapshot column (or interactions expression) a measure reads."""
    if measure not in MEASURES:
        raise UsageError(f"--measure must be one of {', '.join(MEASURES)}, not '{measure}'.")
    return interactions_sql("e") if measure == "interactions" else f"e.{measure}"


def check_hours(hours: float) -> float:
    if not (0 < float(hours) <= MAX_HOURS):
        raise UsageError(f"--hours must be more than 0 and at most {MAX_HOURS:,} (a year), not {hours:g}.")
    return float(hours)


def like_speed(ws, flt: PostFilter | None = None, hours: float = 24, measure: str = "likes",
               limit: int | None = None) -> pa.Table:
    """One row per post in scope: the count at `hours`, speed per hour, basis, bracketing snapshots
    and, where speed is unknown, the reason; ranked by speed (rank NULL where unknown). With `limit`,
    the first `limit` rows only, each with `posts_in_scope` and `posts_known` (the counts of the whole
    ranking), so a report's top list does not carry a million rows."""
    n = check_hours(hours)
    expr = measure_sql(measure)
    where, params = (flt or PostFilter()).where(ws)
    # h: hours from posting to each snapshot giving the measure; h0/v0 the last at or before N,
    # h1/v1 the first at or after N.
    ranking = f"""
        WITH p AS (SELECT post_id, platform, created_at FROM posts_v WHERE {where} AND {OWN_POSTS}),
        s AS (SELECT e.post_id, epoch(e.measured_at - e.created_at) / 3600.0 AS h, {expr} AS v
              FROM {SNAPSHOTS} WHERE e.measured_at >= e.created_at),
        g AS (SELECT post_id, count(*) AS snaps, count(v) AS known,
                     max(h) FILTER (WHERE v IS NOT NULL AND h <= {n}) AS h0,
                     arg_max(v, h) FILTER (WHERE v IS NOT NULL AND h <= {n}) AS v0,
                     min(h) FILTER (WHERE v IS NOT NULL AND h >= {n}) AS h1,
                     arg_min(v, h) FILTER (WHERE v IS NOT NULL AND h >= {n}) AS v1,
                     min(h) FILTER (WHERE v IS NOT NULL) AS first_h,
                     max(h) FILTER (WHERE v IS NOT NULL) AS last_h
              FROM s GROUP BY post_id),
        r AS (
            SELECT p.*, coalesce(g.snaps, 0)::BIGINT AS snapshots, g.h0, g.v0, g.h1, g.v1,
                   CASE WHEN coalesce(g.known, 0) < 2 THEN NULL
                        WHEN g.h0 = {n} THEN g.v0 WHEN g.h1 = {n} THEN g.v1
                        WHEN g.h0 IS NULL OR g.h1 IS NULL THEN NULL
                        ELSE g.v0 + (g.v1 - g.v0) * ({n} - g.h0) / (g.h1 - g.h0) END AS value_at_n,
                   CASE WHEN coalesce(g.known, 0) < 2 THEN NULL
                        WHEN g.h0 = {n} OR g.h1 = {n} THEN 'measured'
                        WHEN g.h0 IS NULL OR g.h1 IS NULL THEN NULL ELSE 'interpolated' END AS basis,
                   CASE WHEN coalesce(g.snaps, 0) = 0 THEN 'no snapshot'
                        WHEN coalesce(g.known, 0) = 0 THEN 'the snapshots do not give {measure}'
                        WHEN g.known = 1 THEN 'one snapshot only (at ' || round(g.first_h, 1) || ' h): no curve'
                        WHEN g.h0 IS NULL THEN 'no snapshot before ' || {n} || ' h (first at '
                                                || round(g.first_h, 1) || ' h)'
                        WHEN g.h1 IS NULL THEN 'no snapshot at or after ' || {n} || ' h (last at '
                                                || round(g.last_h, 1) || ' h)'
                   END AS reason
            FROM p LEFT JOIN g USING (post_id))
        SELECT CASE WHEN value_at_n IS NOT NULL THEN rank() OVER (
                        ORDER BY value_at_n IS NULL, value_at_n / {n} DESC) END::BIGINT AS rank,
               post_id, value_at_n::DOUBLE AS value_at_n, (value_at_n / {n})::DOUBLE AS per_hour, basis,
               snapshots, h0::DOUBLE AS before_h, v0::BIGINT AS before_value, h1::DOUBLE AS after_h,
               v1::BIGINT AS after_value, reason
        FROM r"""
    # ranked on narrow rows; the post's own columns (its text above all) joined for the rows returned
    counts = ""
    if limit is not None:
        counts = ", count(*) OVER ()::BIGINT AS posts_in_scope, count(value_at_n) OVER ()::BIGINT AS posts_known"
    ranked = f"SELECT *{counts} FROM ({ranking}) q"
    if limit is not None:
        ranked += f" ORDER BY value_at_n IS NULL, per_hour DESC, post_id LIMIT {int(limit)}"
    extra = ", k.posts_in_scope, k.posts_known" if limit is not None else ""
    return fetch(ws, f"""
        SELECT k.rank, k.post_id, v.platform, v.actor, v.account_name, v.created_at, v.url,
               left(coalesce(v.title, v.text), 200) AS text, k.value_at_n, k.per_hour, k.basis, k.snapshots,
               k.before_h, k.before_value, k.after_h, k.after_value, k.reason{extra}
        FROM ({ranked}) k JOIN posts_v v USING (post_id)
        ORDER BY k.value_at_n IS NULL, k.per_hour DESC, v.created_at, k.post_id""", params)


def like_curve(ws, flt: PostFilter | None = None, hours: float = 24, measure: str = "likes",
               step: float = 1.0) -> pa.Table:
    """The count at every `step` hours up to `hours` for posts with two or more snapshots giving the
    measure: `measured` where a snapshot was taken at that hour, `interpolated` between two
    snapshots; hours before the first or after the last snapshot are left out (never extrapolated)."""
    n = check_hours(hours)
    if not (0 < step <= n):
        raise UsageError(f"The curve's step must be more than 0 and at most --hours ({n:g}), not {step:g}.")
    expr = measure_sql(measure)
    where, params = (flt or PostFilter()).where(ws)
    return fetch(ws, f"""
        WITH p AS (SELECT post_id, platform, created_at FROM posts_v WHERE {where} AND {OWN_POSTS}),
        s AS (SELECT e.post_id, epoch(e.measured_at - e.created_at) / 3600.0 AS h, {expr} AS v
              FROM {SNAPSHOTS} WHERE e.measured_at >= e.created_at AND {expr} IS NOT NULL),
        ok AS (SELECT post_id FROM s GROUP BY post_id HAVING count(*) >= 2),
        t AS (SELECT ok.post_id, x * {float(step)} AS hour
              FROM ok CROSS JOIN range(1, CAST(floor({n} / {float(step)}) AS BIGINT) + 1) r(x)),
        lo AS (SELECT t.post_id, t.hour, s.h AS h0, s.v AS v0 FROM t ASOF JOIN s
               ON t.post_id = s.post_id AND t.hour >= s.h),
        hi AS (SELECT t.post_id, t.hour, s.h AS h1, s.v AS v1 FROM t ASOF JOIN s
               ON t.post_id = s.post_id AND t.hour <= s.h)
        SELECT post_id, hour,
               (CASE WHEN h0 = hour THEN v0 WHEN h1 = hour THEN v1
                     ELSE v0 + (v1 - v0) * (hour - h0) / (h1 - h0) END)::DOUBLE AS value,
               CASE WHEN h0 = hour OR h1 = hour THEN 'measured' ELSE 'interpolated' END AS basis
        FROM lo JOIN hi USING (post_id, hour)
        ORDER BY post_id, hour""", params)

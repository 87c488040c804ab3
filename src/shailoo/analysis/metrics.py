"""Monitoring metrics: posts, interactions by type, views, shares and rates per actor, category,
platform, period, week or day. Each is a function `(ws, PostFilter, ...) -> pyarrow.Table` that
runs one set-oriented DuckDB query over the per-post table of `analysis.snapshot`.

Definitions (docs/metrics.md): interactions follow `platforms.interactions_sql`; the counts of a
post are those of its chosen snapshot; unknown is not zero: a count a post lacks is NULL, sums and
averages cover the posts where it is known and `<count>_unknown` says how many posts were left out; `share_pct` is a row's part of its parent total (an
actor's part of its category, otherwise of the whole selection); `interaction_rate_pct` is the
mean over posts with a known follower count of interactions ÷ followers at posting × 100.
"""

from __future__ import annotations

from datetime import date
from typing import Sequence

import pyarrow as pa

from shailoo.analysis.filters import PostFilter
from shailoo.analysis.snapshot import engagement_source, fetch
from shailoo.errors import UsageError
from shailoo.platforms import CATEGORIES

DIMENSIONS = ("actor", "category", "platform", "period", "week", "day")
BREAKDOWN = ("reactions", "likes", "love", "wow", "haha", "sad", "angry", "care", "comments", "shares", "views")
# Counts whose unknown posts each table counts beside the figure (`<count>_unknown`); the reaction
# kinds are a breakdown of `reactions` and share its `reactions_unknown`.
UNKNOWN_OF = ("interactions", "reactions", "comments", "shares", "views")
UNKNOWN_COLUMNS = tuple(f"{c}_unknown" for c in UNKNOWN_OF)
_CATEGORY_ORDER = "list_position([" + ", ".join(f"'{c}'" for c in CATEGORIES) + "], category)"


def parse_by(by: str | Sequence[str]) -> list[str]:
    dims = [d.strip() for d in by.split(",")] if isinstance(by, str) else [d.strip() for d in by]
    dims = [d for d in dims if d]
    bad = [d for d in dims if d not in DIMENSIONS]
    if bad or not dims:
        raise UsageError(f"--by must be one or more of {', '.join(DIMENSIONS)} (comma-separated), not '{by}'.")
    if len(set(dims)) != len(dims):
        raise UsageError(f"--by lists a dimension twice: '{by}'.")
    return dims


def _where(ws, flt: PostFilter | None, days: tuple[date, date] | None = None) -> tuple[str, list]:
    where, params = (flt or PostFilter()).where(ws)
    if days:
        where += " AND day BETWEEN ? AND ?"
        params = [*params, days[0], days[1]]
    return where, params


def _dim_select(dims: list[str]) -> list[str]:
    """Grouping columns of the per-post rows (`e`) for each dimension."""
    out = []
    for d in dims:
        if d == "actor":
            out += ["e.actor_id"]
        elif d == "category":
            out += ["coalesce(e.category, 'unregistered') AS category"]
        elif d == "period":
            out += ["pr.name AS period"]
        else:
            out += [f"e.{d}"]
    return out


def _aggregates(prefix: str = "") -> str:
    """Per-group sums over the posts whose count is known (NULL when none is), and for each count
    the number of posts whose count is unknown (docs/metrics.md, "Unknown is not zero")."""
    p = prefix
    sums = ",\n".join(f"sum({p}{c})::BIGINT AS {c}" for c in BREAKDOWN)
    unknown = ",\n".join(f"count({p}post_id) FILTER (WHERE {p}{c} IS NULL)::BIGINT AS {c}_unknown"
                         for c in UNKNOWN_OF)
    return f"""count({p}post_id)::BIGINT AS posts,
        count({p}post_id) FILTER (WHERE {p}by_member)::BIGINT AS posts_by_members,
        sum({p}interactions)::BIGINT AS interactions,
        {sums},
        {unknown},
        avg({p}interactions / nullif({p}followers_at_posting, 0)) * 100 AS interaction_rate_pct,
        count({p}post_id) FILTER (WHERE {p}interactions IS NULL OR nullif({p}followers_at_posting, 0) IS NULL)::BIGINT
            AS interaction_rate_unknown,
        count({p}post_id) FILTER (WHERE {p}snapshot_early)::BIGINT AS posts_early_snapshot"""


def _actor_base(ws, flt: PostFilter | None, with_platform: bool) -> tuple[str, list]:
    """Every registered actor (zeros included), optionally × each platform it has an account on."""
    flt = flt or PostFilter()
    conds, params = ["TRUE"], []
    if flt.categories:
        conds.append(f"a.category IN ({', '.join('?' for _ in flt.categories)})")
        params.extend(flt.categories)
    if flt.actors:
        ids = flt.actor_ids(ws)
        conds.append(f"a.actor_id IN ({', '.join('?' for _ in ids)})")
        params.extend(ids)
    platforms = """(SELECT actor_id, platform FROM actor_accounts
                    UNION SELECT actor_id, platform FROM accounts WHERE actor_id IS NOT NULL)"""
    pcond = f"ap.platform IN ({', '.join('?' for _ in flt.platforms)})" if flt.platforms else "TRUE"
    if with_platform:
        sql = f"""SELECT a.actor_id, a.name AS actor, a.category, ap.platform, true AS has_account
                  FROM actors a JOIN {platforms} ap USING (actor_id) WHERE {' AND '.join(conds)} AND {pcond}"""
        params = params + list(flt.platforms)
    else:
        sql = f"""SELECT a.actor_id, a.name AS actor, a.category,
                         EXISTS (SELECT 1 FROM {platforms} ap WHERE ap.actor_id = a.actor_id AND {pcond}) AS has_account
                  FROM actors a WHERE {' AND '.join(conds)}"""
        params = list(flt.platforms) + params
    return sql, params


def activity(ws, flt: PostFilter | None = None, by: str | Sequence[str] = "actor",
             days: tuple[date, date] | None = None) -> pa.Table:
    """Posts, interactions by type, views, averages, shares and interaction rate per group.

    With `actor` among the dimensions (and no time dimension) every registered actor appears,
    with zeros when it has no posts; `has_account` says whether it has an account on the
    filtered platform (or, by platform, that row's platform).
    """
    dims = parse_by(by)
    where, params = _where(ws, flt, days)
    period_join = "JOIN periods pr ON e.day BETWEEN pr.start_date AND pr.end_date" if "period" in dims else ""
    group = _dim_select(dims)
    group_names = [g.split(" AS ")[-1].replace("e.", "") for g in group]
    actor_filter = "AND e.actor_id IS NOT NULL" if "actor" in dims else ""
    agg_sql = f"""SELECT {', '.join(group)}, {_aggregates('e.')}
                  FROM {engagement_source(ws)} e {period_join}
                  WHERE {where} {actor_filter}
                  GROUP BY ALL"""
    zero_fill = "actor" in dims and not {"week", "day", "period"} & set(dims)
    out_dims = []
    for d in dims:
        out_dims += ["actor", "category"] if d == "actor" else ([] if d == "category" and "actor" in dims else [d])
    metric_cols = ["posts", "posts_by_members", "interactions", *BREAKDOWN, *UNKNOWN_COLUMNS, "interaction_rate_pct",
                   "interaction_rate_unknown", "posts_early_snapshot"]
    if zero_fill:
        base_sql, base_params = _actor_base(ws, flt, "platform" in dims)
        keys = ["actor_id"] + (["platform"] if "platform" in dims else [])

        def filled(c: str) -> str:
            # An actor without posts has 0 posts and sums of 0 (real zeros) but no rate; an actor
            # whose posts' counts are all unknown keeps NULL (unknown), never 0.
            if c == "interaction_rate_pct":
                return f"g.{c}"
            if c in ("interactions", *BREAKDOWN):
                return f"CASE WHEN g.posts IS NULL THEN 0 ELSE g.{c} END::BIGINT AS {c}"
            return f"coalesce(g.{c}, 0)::BIGINT AS {c}"

        values = ", ".join(filled(c) for c in metric_cols)
        plat = "b.platform, " if "platform" in dims else ""
        body = f"""SELECT b.actor, b.category, {plat}b.has_account, {values}
                   FROM ({base_sql}) b LEFT JOIN ({agg_sql}) g USING ({', '.join(keys)})"""
        all_params = base_params + params
        out_dims = ["actor", "category"] + (["platform"] if "platform" in dims else [])
        extra = ["has_account"]
    else:
        names = ", ".join("a.name AS actor, a.category" if g == "actor_id" else f"g.{g}" for g in group_names
                          if not (g == "category" and "actor" in dims))
        cat_join = "LEFT JOIN actors a ON a.actor_id = g.actor_id" if "actor" in dims else ""
        body = f"SELECT {names}, {', '.join('g.' + c for c in metric_cols)} FROM ({agg_sql}) g {cat_join}"
        all_params = params
        extra = []
    principal = "actor" if "actor" in dims else dims[0]
    partition = [d for d in out_dims if d not in (principal, "actor")]
    if principal == "actor" and "category" not in partition:
        partition.insert(0, "category")
    part = f"PARTITION BY {', '.join(partition)}" if partition else ""
    order = [_CATEGORY_ORDER] if "category" in out_dims else []
    order += [d for d in ("platform", "period") if d in out_dims]
    time_dims = [d for d in ("week", "day") if d in out_dims]
    if "actor" in out_dims:
        order += ["actor"] + time_dims if time_dims else ["posts DESC", "interactions DESC NULLS LAST", "actor"]
    else:
        order += time_dims
    # Averages divide by the posts whose count is known; shares are of the known total (sum()
    # skips NULL); a row whose figure is unknown has an unknown share.
    sql = f"""SELECT {', '.join(out_dims + extra)}, posts, posts_by_members, interactions, interactions_unknown,
                     {', '.join(BREAKDOWN)}, {', '.join(UNKNOWN_COLUMNS[1:])},
                     round(interactions / nullif(posts - interactions_unknown, 0), 1) AS avg_interactions,
                     round(views / nullif(posts - views_unknown, 0), 1) AS avg_views,
                     round(100.0 * posts / nullif(sum(posts) OVER ({part}), 0), 2) AS posts_share_pct,
                     round(100.0 * interactions / nullif(sum(interactions) OVER ({part}), 0), 2) AS interactions_share_pct,
                     round(interaction_rate_pct, 3) AS interaction_rate_pct, interaction_rate_unknown,
                     posts_early_snapshot
              FROM ({body}) t
              ORDER BY {', '.join(order)}"""
    return fetch(ws, sql, all_params)


def posts(ws, flt: PostFilter | None = None, by: str | Sequence[str] = "actor") -> pa.Table:
    """Count posts (with their interactions) per group."""
    t = activity(ws, flt, by)
    keep = [c for c in t.column_names if c not in BREAKDOWN[1:-1] and c != "posts_early_snapshot"]
    return t.select(keep)


def unknown_counts(ws, flt: PostFilter | None = None) -> pa.Table:
    """Posts per platform whose counts are unknown: no snapshot at all, or a count the export does
    not give (interactions are unknown when any of their parts is); for `shailoo status`."""
    where, params = _where(ws, flt)
    cols = ", ".join(f"count(*) FILTER (WHERE {c} IS NULL)::BIGINT AS {c}_unknown" for c in UNKNOWN_OF)
    return fetch(ws, f"""
        SELECT platform, count(*)::BIGINT AS posts, count(*) FILTER (WHERE NOT has_snapshot)::BIGINT AS no_snapshot,
               {cols},
               round(100.0 * count(*) FILTER (WHERE interactions IS NULL) / count(*), 2) AS interactions_unknown_pct
        FROM {engagement_source(ws)} WHERE {where} GROUP BY platform ORDER BY platform""", params)


def interactions(ws, flt: PostFilter | None = None, by: str | Sequence[str] = "actor") -> pa.Table:
    """Sum interactions per group, broken down by type (reactions with their kinds, comments, shares, views)."""
    t = activity(ws, flt, by)
    return t.drop_columns([c for c in ("posts_share_pct",) if c in t.column_names])


def reaction_breakdown(ws, flt: PostFilter | None = None, by: str | Sequence[str] = "platform") -> pa.Table:
    """Sum reactions per kind (Facebook's like/love/…, Telegram's emoji) per group."""
    dims = [d for d in parse_by(by) if d not in ("period",)]
    where, params = _where(ws, flt)
    cols = [("actor" if d == "actor" else d) for d in dims]
    sel = ", ".join(f"e.{c}" if c != "category" else "coalesce(e.category, 'unregistered') AS category" for c in cols)
    fixed = " UNION ALL ".join(f"SELECT {sel}, '{k}' AS reaction, e.{k} AS n FROM {engagement_source(ws)} e WHERE {where}"
                               for k in ("likes", "love", "wow", "haha", "sad", "angry", "care"))
    mapped = f"""SELECT {sel}, r.key AS reaction, r.value AS n
                 FROM {engagement_source(ws)} e, unnest(map_entries(e.reaction_breakdown)) AS t(r)
                 WHERE {where} AND e.reaction_breakdown IS NOT NULL"""
    sql = f"""SELECT {', '.join(cols)}, reaction, sum(n)::BIGINT AS count FROM ({fixed} UNION ALL {mapped})
              WHERE n IS NOT NULL AND n > 0 GROUP BY ALL ORDER BY {', '.join(cols)}, count DESC"""
    return fetch(ws, sql, params * 8)

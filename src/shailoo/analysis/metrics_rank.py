"""Rankings and top posts: who was most active and most engaging per category and platform,
which posts mattered (top N by interactions), the hand-coding sample, and overview totals."""

from __future__ import annotations

from typing import Sequence

import pyarrow as pa

from shailoo.analysis.filters import PostFilter
from shailoo.analysis.metrics import _CATEGORY_ORDER, _where
from shailoo.analysis.snapshot import engagement_source, fetch
from shailoo.errors import UsageError

TOP_GROUPS = ("category", "platform", "actor")


def rankings(ws, flt: PostFilter | None = None, n: int = 5) -> pa.Table:
    """Rank the most active (posts) and most engaging (interactions) actors per platform and category."""
    where, params = _where(ws, flt)
    return fetch(ws, f"""
        WITH per_actor AS (
            SELECT platform, category, actor, count(*)::BIGINT AS posts, sum(interactions)::BIGINT AS interactions,
                   count(*) FILTER (WHERE interactions IS NULL)::BIGINT AS interactions_unknown
            FROM {engagement_source(ws)} WHERE {where} AND actor_id IS NOT NULL
            GROUP BY ALL),
        -- an actor whose interactions are all unknown is not ranked by them (unknown is not zero);
        -- one ranked on part of its posts says how many were left out (interactions_unknown)
        ranked AS (
            SELECT *, rank() OVER (PARTITION BY platform, category ORDER BY posts DESC) AS posts_rank,
                      CASE WHEN interactions IS NOT NULL THEN rank() OVER (
                          PARTITION BY platform, category, interactions IS NULL ORDER BY interactions DESC)
                      END AS interactions_rank
            FROM per_actor)
        SELECT platform, category, 'most active' AS ranking, posts_rank AS rank, actor, posts, interactions,
               interactions_unknown
        FROM ranked WHERE posts_rank <= {int(n)}
        UNION ALL
        SELECT platform, category, 'most engaging', interactions_rank, actor, posts, interactions, interactions_unknown
        FROM ranked WHERE interactions_rank <= {int(n)}
        ORDER BY platform, {_CATEGORY_ORDER}, ranking, rank, actor""", params)


def top_posts(ws, flt: PostFilter | None = None, n: int = 5, per: str | Sequence[str] = ("category", "platform"),
              excerpt_chars: int = 160, full_text: bool = False) -> pa.Table:
    """List the top N posts by interactions per group, with date, actor, excerpt, link and counts by type.

    Posts whose interactions are unknown are not ranked (`unranked_posts` counts them).
    `top_posts(ws, n=200, per="category", full_text=True)` is the sample monitors code by hand.
    """
    groups = [per] if isinstance(per, str) else list(per)
    groups = [g.strip() for g in ",".join(groups).split(",") if g.strip()]
    bad = [g for g in groups if g not in TOP_GROUPS]
    if bad:
        raise UsageError(f"Top posts are grouped by {', '.join(TOP_GROUPS)}, not '{', '.join(bad)}'.")
    where, params = _where(ws, flt)
    part = f"PARTITION BY {', '.join('e.' + g for g in groups)}" if groups else ""
    text = "coalesce(p.text, p.description, p.title, p.link_text)" if full_text else f"""CASE WHEN length(coalesce(p.text, p.description, p.title, p.link_text, '')) > {int(excerpt_chars)}
        THEN left(coalesce(p.text, p.description, p.title, p.link_text, ''), {int(excerpt_chars)}) || '…' ELSE coalesce(p.text, p.description, p.title, p.link_text, '') END"""
    order = [_CATEGORY_ORDER if g == "category" else g for g in groups]
    return fetch(ws, f"""
        SELECT {', '.join('e.' + g for g in groups) + ',' if groups else ''} rank, day, actor, account_name,
               p.platform_post_id, {text} AS {'text' if full_text else 'excerpt'}, p.url, p.link, interactions,
               reactions, comments, shares, views, snapshot_early
        FROM (  -- rank on the per-post table first; fetch texts only for the posts kept
            SELECT e.*, row_number() OVER ({part} ORDER BY e.interactions DESC, e.created_at, e.post_id) AS rank
            FROM {engagement_source(ws)} e
            WHERE {where} AND e.interactions IS NOT NULL
            QUALIFY rank <= {int(n)}) e
        JOIN (SELECT post_id, platform_post_id, text, description, title, link_text, url, link FROM posts) p
          USING (post_id)
        ORDER BY {', '.join(order) + ',' if order else ''} rank, post_id""", params)


def unranked_posts(ws, flt: PostFilter | None = None) -> int:
    """Posts of the selection that top_posts cannot rank: their interactions are unknown."""
    where, params = _where(ws, flt)
    return fetch(ws, f"SELECT count(*) AS n FROM {engagement_source(ws)} WHERE {where} AND interactions IS NULL",
                 params)["n"][0].as_py()


def overview(ws, flt: PostFilter | None = None) -> pa.Table:
    """Total posts and interactions per platform and category, with daily and weekly averages and rates.

    Interactions and views are summed over the posts where they are known (`*_unknown` counts the
    others); `avg_daily_interactions` is that known total per day."""
    where, params = _where(ws, flt)
    # Averages are over the whole selection's days (the period's, when one is chosen), so that a
    # quiet actor is not flattered by a short span of its own.
    days = "(max(max(day)) OVER () - min(min(day)) OVER () + 1)"
    if flt is not None and flt.period:
        from shailoo.analysis.filters import period_bounds

        start, end = period_bounds(ws, flt.period)
        if flt.start or flt.end:  # a period narrowed by --since/--until
            start, end = max(start, flt.start or start), min(end, flt.end or end)
        days = str(max((end - start).days + 1, 1))
    elif flt is not None and flt.start and flt.end:
        days = str((flt.end - flt.start).days + 1)
    return fetch(ws, f"""SELECT * FROM (
        SELECT platform, coalesce(category, 'unregistered') AS category,
               count(DISTINCT actor_id)::BIGINT AS actors, count(*)::BIGINT AS posts,
               sum(interactions)::BIGINT AS interactions,
               count(*) FILTER (WHERE interactions IS NULL)::BIGINT AS interactions_unknown,
               sum(views)::BIGINT AS views, count(*) FILTER (WHERE views IS NULL)::BIGINT AS views_unknown,
               round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY platform), 2) AS posts_share_pct,
               round(100.0 * sum(interactions) / nullif(sum(sum(interactions)) OVER (PARTITION BY platform), 0), 2)
                   AS interactions_share_pct,
               {days}::BIGINT AS days,
               round(count(*) / ({days} / 7.0), 1) AS avg_weekly_posts,
               round(sum(interactions) / {days}, 1) AS avg_daily_interactions,
               round(avg(interactions / nullif(followers_at_posting, 0)) * 100, 3) AS interaction_rate_pct
        FROM {engagement_source(ws)} WHERE {where}
        GROUP BY 1, 2) ORDER BY platform, {_CATEGORY_ORDER}""", params)

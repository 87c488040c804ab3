"""Channel statistics over time (seed 003's Table 1 and Figure 1): YouTube and Telegram channels
compared by subscribers, views and posts, week by week, and their most viewed videos per topic.

Subscribers, total views and total posts come from follower snapshots (a YouTube channels.list
response, a Telegram collector's channel info); posts and the views of posts from the posts in
scope and their chosen engagement snapshot (analysis/snapshot.py). A channel measured once has a
subscriber count but no growth: growth is NULL and `note` says why — never a guess. The source
gives no creation date ("joined"), so `first_post` is the earliest post the workspace holds.
"""

from __future__ import annotations

from dataclasses import replace

import pyarrow as pa

from shailoo.analysis.filters import PostFilter, account_condition
from shailoo.analysis.snapshot import engagement_source, fetch

CHANNEL_PLATFORMS = ("youtube", "telegram")


def _channel_filter(ws, flt: PostFilter | None) -> tuple[PostFilter, str, list]:
    """(filter with the channel platforms, SQL condition over accounts `a` + actors `ac`, params)."""
    flt = flt or PostFilter()
    platforms = tuple(p for p in (flt.platforms or CHANNEL_PLATFORMS))
    flt = replace(flt, platform=platforms)
    flt.where(ws)  # a clear error for an unknown platform, category or actor
    cond, params = account_condition(ws, flt, platforms)
    return flt, cond, params


def _channels_cte(cond: str) -> str:
    """Channels: accounts of the platforms that publish their own posts or were measured."""
    return f"""ch AS (
        SELECT a.platform, a.account_id, coalesce(a.name, a.handle, a.account_id) AS channel, ac.name AS actor,
               ac.category
        FROM accounts a LEFT JOIN actors ac USING (actor_id)
        WHERE {cond} AND NOT a.is_pseudonymised
          AND (EXISTS (SELECT 1 FROM follower_snapshots f WHERE f.platform = a.platform
                       AND f.account_id = a.account_id)
               OR EXISTS (SELECT 1 FROM posts p WHERE p.platform = a.platform AND p.account_id = a.account_id
                          AND p.space_account_id IS NULL AND p.post_type NOT IN ('comment', 'reply'))))"""


def channels(ws, flt: PostFilter | None = None) -> pa.Table:
    """One row per channel: latest subscribers, views and posts as measured, growth since the first
    snapshot (NULL with a note when it cannot be computed), posts and their views in scope."""
    flt, cond, params = _channel_filter(ws, flt)
    where, wparams = flt.where(ws)
    return fetch(ws, f"""
        WITH {_channels_cte(cond)},
        f AS (SELECT platform, account_id, count(*) AS snapshots,
                     count(followers) AS known,
                     arg_max(followers, measured_at) FILTER (WHERE followers IS NOT NULL) AS subscribers,
                     arg_min(followers, measured_at) FILTER (WHERE followers IS NOT NULL) AS first_subscribers,
                     max(measured_at) FILTER (WHERE followers IS NOT NULL) AS last_at,
                     min(measured_at) FILTER (WHERE followers IS NOT NULL) AS first_at,
                     arg_max(total_views, measured_at) FILTER (WHERE total_views IS NOT NULL) AS views,
                     arg_max(total_posts, measured_at) FILTER (WHERE total_posts IS NOT NULL) AS total_posts
              FROM follower_snapshots GROUP BY ALL),
        p AS (SELECT platform, account_id, count(*) AS posts, sum(views) AS post_views,
                     count(*) FILTER (WHERE views IS NULL) AS post_views_unknown
              FROM {engagement_source(ws)} WHERE {where} GROUP BY ALL),
        first AS (SELECT platform, account_id, min(created_at) AS first_post FROM posts
                  WHERE space_account_id IS NULL AND post_type NOT IN ('comment', 'reply') GROUP BY ALL)
        SELECT ch.platform, ch.channel, ch.actor, ch.category, ch.account_id,
               f.subscribers::BIGINT AS subscribers, f.views::BIGINT AS views, f.total_posts::BIGINT AS total_posts,
               coalesce(p.posts, 0)::BIGINT AS posts, p.post_views::BIGINT AS post_views,
               coalesce(p.post_views_unknown, 0)::BIGINT AS post_views_unknown,
               first.first_post,
               CASE WHEN f.known >= 2 THEN f.subscribers - f.first_subscribers END::BIGINT AS subscriber_growth,
               CASE WHEN f.known >= 2 AND f.first_subscribers > 0
                    THEN round((f.subscribers - f.first_subscribers) * 100.0 / f.first_subscribers, 2) END
                    AS subscriber_growth_pct,
               f.first_at AS first_measured, f.last_at AS last_measured, coalesce(f.snapshots, 0)::BIGINT AS snapshots,
               CASE WHEN f.snapshots IS NULL THEN 'no follower snapshot: subscribers, views and growth unknown'
                    WHEN coalesce(f.known, 0) = 0 THEN 'the snapshots give no subscriber count'
                    WHEN f.known = 1 THEN 'one subscriber count (' || strftime(f.last_at, '%Y-%m-%d')
                                          || '): growth cannot be computed'
               END AS note
        FROM ch LEFT JOIN f USING (platform, account_id) LEFT JOIN p USING (platform, account_id)
        LEFT JOIN first USING (platform, account_id)
        ORDER BY subscribers DESC NULLS LAST, views DESC NULLS LAST, channel""", [*params, *wparams])


def channel_weeks(ws, flt: PostFilter | None = None) -> pa.Table:
    """Per channel and local week: subscribers, total views and total posts as last measured that
    week (NULL in a week without a snapshot), the change in subscribers since the channel's previous
    measured week, posts published that week and their views."""
    flt, cond, params = _channel_filter(ws, flt)
    where, wparams = flt.where(ws)
    tz = ws.config.timezone.replace("'", "''")
    return fetch(ws, f"""
        WITH {_channels_cte(cond)},
        f AS (SELECT platform, account_id,
                     CAST(date_trunc('week', timezone('{tz}', measured_at)) AS DATE) AS week,
                     arg_max(followers, measured_at) FILTER (WHERE followers IS NOT NULL) AS subscribers,
                     arg_max(total_views, measured_at) FILTER (WHERE total_views IS NOT NULL) AS views,
                     arg_max(total_posts, measured_at) FILTER (WHERE total_posts IS NOT NULL) AS total_posts
              FROM follower_snapshots GROUP BY ALL),
        p AS (SELECT platform, account_id, week, count(*) AS posts, sum(views) AS post_views,
                     count(*) FILTER (WHERE views IS NULL) AS post_views_unknown
              FROM {engagement_source(ws)} WHERE {where} GROUP BY ALL),
        w AS (SELECT * FROM f FULL JOIN p USING (platform, account_id, week))
        SELECT ch.platform, ch.channel, ch.actor, w.week, w.subscribers::BIGINT AS subscribers,
               (w.subscribers - last_value(w.subscribers IGNORE NULLS) OVER (
                    PARTITION BY w.platform, w.account_id ORDER BY w.week
                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))::BIGINT AS subscriber_change,
               w.views::BIGINT AS views, w.total_posts::BIGINT AS total_posts,
               coalesce(w.posts, 0)::BIGINT AS posts, w.post_views::BIGINT AS post_views,
               coalesce(w.post_views_unknown, 0)::BIGINT AS post_views_unknown
        FROM ch JOIN w USING (platform, account_id)
        ORDER BY ch.channel, ch.platform, w.week""", [*params, *wparams])


def top_videos_by_topic(ws, flt: PostFilter | None = None, n: int = 5, dictionary=None) -> tuple[pa.Table, int]:
    """The `n` most viewed posts of the channels per topic of the dictionary tagging (a post counts
    under each topic it carries), and how many tagged posts were left out for unknown views."""
    from shailoo.analysis.text_topics import _tag_posts, topic_dictionary
    from shailoo.text.pipeline import Corpus, TextOptions

    flt, _, _ = _channel_filter(ws, flt)
    corpus = Corpus.from_workspace(ws, flt, TextOptions(language="ru"))
    topic_list = topic_dictionary(ws, dictionary)
    _tag_posts(corpus, topic_list)
    labels = pa.table({"topic": [t.name for t in topic_list], "label": [t.label for t in topic_list],
                       "ord": list(range(len(topic_list)))})
    ws.con.register("_channel_topic_labels", labels)
    try:
        table = fetch(ws, f"""
            WITH t AS (SELECT pt.topic, l.label, l.ord, e.post_id, e.platform,
                              coalesce(e.account_name, e.account_handle, e.account_id) AS channel, e.created_at,
                              p.url, left(coalesce(p.title, p.text), 200) AS title, e.views
                       FROM _post_topics pt JOIN _channel_topic_labels l USING (topic)
                       JOIN {engagement_source(ws)} e USING (post_id) JOIN posts p USING (post_id))
            SELECT topic, label, rank() OVER (PARTITION BY topic ORDER BY views DESC)::BIGINT AS rank,
                   platform, channel, created_at, title, views::BIGINT AS views, url, ord, post_id
            FROM t WHERE views IS NOT NULL
            QUALIFY rank <= {int(n)} ORDER BY ord, rank, created_at, post_id""")
        unknown = ws.con.execute(f"""SELECT count(DISTINCT post_id) FROM _post_topics
            JOIN {engagement_source(ws)} e USING (post_id) WHERE e.views IS NULL""").fetchall()[0][0]
    finally:
        ws.con.unregister("_channel_topic_labels")
        ws.con.execute("DROP TABLE IF EXISTS _post_topics")
    return table.drop_columns(["ord", "post_id"]), unknown

"""Official responsiveness (seed 001): how officials' accounts answer the complaints addressed to them.

Authority accounts are the accounts of actors of category `authority`, and of any actor named with
`--actor` (a politician, a city hall filed under another category). A comment or reply is addressed
to such an account when the post it answers (posts.parent_platform_post_id) is the account's (or
another account of the same actor). It is a complaint when its text matches the complaint lexicon
(text/lexicons_groups/complaint.txt, or the workspace's own `lexicons/complaint.txt`). It got a reply
when the actor answered it (a post whose parent is the complaint) at or after its time; the time to
first reply runs from the complaint to the actor's earliest answer.

Per account and local month of the complaint: comments addressed, complaints, how many got a reply,
and the median and 90th percentile of hours to first reply over the replied complaints (DuckDB's
`quantile_cont`: linear between order statistics, as R's type 7 and NumPy's default). Complaints not
answered have no time and are left out of both (the replied share says how many that is). Only
threads the imports carry count: a platform exported without its comments shows nothing here.
Commenters are never shown: they are private individuals (stored under pseudonyms).
"""

from __future__ import annotations

from dataclasses import replace

import pyarrow as pa

from shailoo.analysis.filters import PostFilter
from shailoo.analysis.groups import lexicon_flags
from shailoo.analysis.snapshot import fetch

COMMENTS = "('comment', 'reply')"


def _authority_actors(ws, flt: PostFilter) -> tuple[str, list]:
    """SQL condition over actors `ac`: category authority, or one of the actors named."""
    ids = flt.actor_ids(ws) if flt.actors else ()
    named = f" OR ac.actor_id IN ({', '.join('?' for _ in ids)})" if ids else ""
    return f"(ac.category = 'authority'{named})", list(ids)


def responsiveness(ws, flt: PostFilter | None = None) -> pa.Table:
    """One row per authority account and month: comments addressed, complaints, replied, replied %,
    median and 90th percentile hours to first reply."""
    flt = flt or PostFilter()
    who, who_params = _authority_actors(ws, flt)
    # The complaints' own filter: period, days and platform; actor and category choose the accounts.
    cflt = replace(flt, actor=None, category=None)
    where, params = cflt.where(ws)
    complaint = lexicon_flags(ws)["complaint"]
    tz = ws.config.timezone.replace("'", "''")
    return fetch(ws, f"""
        WITH acc AS (SELECT a.platform, a.account_id, coalesce(a.name, a.handle, a.account_id) AS account,
                            ac.actor_id, ac.name AS actor
                     FROM accounts a JOIN actors ac USING (actor_id) WHERE {who}),
        own AS (SELECT p.platform, p.platform_post_id, p.created_at, acc.actor_id, acc.account_id
                FROM posts p JOIN accounts a ON a.platform = p.platform AND a.account_id = p.account_id
                JOIN acc ON acc.platform = p.platform AND acc.actor_id = a.actor_id),
        c AS (SELECT p.platform, p.platform_post_id, p.created_at, o.account_id, o.actor_id,
                     {complaint} AS is_complaint
              FROM (SELECT * FROM posts_v WHERE {where} AND post_type IN {COMMENTS}) p
              JOIN own o ON o.platform = p.platform AND o.platform_post_id = p.parent_platform_post_id
              LEFT JOIN accounts au ON au.platform = p.platform AND au.account_id = p.account_id
              WHERE au.actor_id IS DISTINCT FROM o.actor_id),
        r AS (SELECT c.platform, c.platform_post_id, min(o.created_at) AS first_reply
              FROM c JOIN posts rp ON rp.platform = c.platform AND rp.parent_platform_post_id = c.platform_post_id
              JOIN own o ON o.platform = rp.platform AND o.platform_post_id = rp.platform_post_id
                        AND o.actor_id = c.actor_id AND o.created_at >= c.created_at
              WHERE c.is_complaint GROUP BY ALL),
        t AS (SELECT c.*, CAST(date_trunc('month', timezone('{tz}', c.created_at)) AS DATE) AS month,
                     epoch(r.first_reply - c.created_at) / 3600.0 AS hours
              FROM c LEFT JOIN r USING (platform, platform_post_id))
        SELECT acc.platform, acc.account, acc.actor, t.month, count(*)::BIGINT AS comments,
               count(*) FILTER (WHERE is_complaint)::BIGINT AS complaints,
               count(hours) FILTER (WHERE is_complaint)::BIGINT AS replied,
               round(100.0 * count(hours) FILTER (WHERE is_complaint)
                     / nullif(count(*) FILTER (WHERE is_complaint), 0), 2) AS replied_pct,
               round(quantile_cont(hours, 0.5) FILTER (WHERE is_complaint), 2) AS median_hours,
               round(quantile_cont(hours, 0.9) FILTER (WHERE is_complaint), 2) AS p90_hours
        FROM t JOIN acc ON acc.platform = t.platform AND acc.account_id = t.account_id
        GROUP BY ALL ORDER BY acc.actor, acc.account, acc.platform, t.month""", [*who_params, *params])

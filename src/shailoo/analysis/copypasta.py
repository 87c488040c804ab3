"""Copypasta campaigns: the same (or nearly the same) text posted by many different accounts within
a short time — "100 % поддерживаем!" under many pages, one paragraph pasted into many groups.

Near-identical texts are clustered first (`shailoo.analysis.near_duplicates`: exact duplicates
after normalisation, then MinHash near-duplicates). A cluster's posts are split into runs where
each post follows the one before within `within` seconds; a run is a campaign when some window of
`within` seconds holds posts by at least `min_accounts` different accounts (accounts across
platforms: `platform:account_id`). Posts and comments count alike. These are leads for a person to
review, never findings: a popular slogan or a shared press release looks the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyarrow as pa

from shailoo.analysis.filters import PostFilter
from shailoo.analysis.near_duplicates import NearDuplicateParams
from shailoo.errors import UsageError

TEXT_SHOWN = 500  # characters of a campaign's text in the table
EXAMPLES = 3


def parse_duration(text: str | int) -> int:
    """Seconds of '90', '90s', '30m', '6h', '1d' (a window must be positive)."""
    if isinstance(text, int):
        seconds = text
    else:
        m = re.fullmatch(r"\s*([0-9]{1,7})\s*([smhd]?)\s*", str(text).lower())
        if not m:
            raise UsageError(f"'{text}' is not a duration; write it like 90s, 30m, 24h or 2d.")
        seconds = int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    if seconds <= 0:
        raise UsageError("The time window must be longer than zero (e.g. 24h).")
    return seconds


@dataclass
class CopypastaResult:
    campaigns: pa.Table
    min_accounts: int
    within: int
    near: NearDuplicateParams
    posts_looked_at: int = 0
    notes: list[str] = field(default_factory=list)

    def parameters(self) -> str:
        hours = self.within / 3600
        span = f"{hours:g} h" if self.within % 360 == 0 else f"{self.within:,} s"
        return (f"at least {self.min_accounts} different accounts within {span}; texts alike by "
                f"{self.near.describe()}")


def copypasta(ws, flt: PostFilter | None = None, min_accounts: int = 5, within: int | str = 86400,
              near: NearDuplicateParams | None = None) -> CopypastaResult:
    """Find copypasta campaigns among the posts (and comments) `flt` selects."""
    from shailoo.analysis.near_duplicates import near_duplicates, workspace_tokens_sql

    if min_accounts < 2:
        raise UsageError(f"--min-accounts must be at least 2, not {min_accounts}.")
    within = parse_duration(within)
    near = near or NearDuplicateParams()
    near.check()
    con = ws.con
    where, params = (flt or PostFilter()).where(ws)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _cp_posts AS
        SELECT post_id, platform, account_id, created_at, url, coalesce(text, text_norm) AS text
        FROM posts_v WHERE {where} AND account_id IS NOT NULL""", params)
    try:
        looked = con.execute("SELECT count(*) FROM _cp_posts").fetchall()[0][0]
        clusters = near_duplicates(con, workspace_tokens_sql(con, "SELECT post_id FROM _cp_posts"), near)
        con.register("_cp_clusters", clusters)
        table = con.sql(_campaigns_sql(int(min_accounts), int(within))).to_arrow_table()
    finally:
        con.execute("DROP TABLE IF EXISTS _cp_posts")
        con.execute("DROP TABLE IF EXISTS _nd_tokens")
        try:
            con.unregister("_cp_clusters")
        except Exception:  # noqa: BLE001 - never registered when tokenising failed
            pass
    return CopypastaResult(table, int(min_accounts), within, near, looked)


def _campaigns_sql(min_accounts: int, within: int) -> str:
    return f"""
    WITH p AS (
        SELECT c.cluster, c.exact, x.post_id, x.platform, x.platform || ':' || x.account_id AS account,
               x.account_id, x.created_at, epoch(x.created_at) AS t, x.url, x.text
        FROM _cp_clusters c JOIN _cp_posts x USING (post_id)),
    g AS (SELECT *, CASE WHEN t - lag(t) OVER (PARTITION BY cluster ORDER BY t, post_id) <= {within}
                         THEN 0 ELSE 1 END AS new_run FROM p),
    r AS (SELECT *, cluster || '-' || sum(new_run) OVER (PARTITION BY cluster ORDER BY t, post_id) AS run FROM g),
    runs AS (SELECT run, min(t) AS t0, max(t) AS t1, count(DISTINCT account) AS accounts FROM r GROUP BY run
             HAVING count(DISTINCT account) >= {min_accounts}),
    -- The busiest window of `within` seconds of a run longer than the window (shorter runs: the whole run).
    peak AS (SELECT a.run, max(n) AS peak FROM (
                 SELECT a.run, a.post_id, count(DISTINCT b.account) AS n
                 FROM r a JOIN r b ON a.run = b.run AND b.t BETWEEN a.t AND a.t + {within}
                 WHERE a.run IN (SELECT run FROM runs WHERE t1 - t0 > {within})
                 GROUP BY a.run, a.post_id) a GROUP BY a.run),
    kept AS (SELECT runs.*, coalesce(peak.peak, runs.accounts) AS peak_accounts FROM runs
             LEFT JOIN peak USING (run) WHERE coalesce(peak.peak, runs.accounts) >= {min_accounts}),
    acct AS (SELECT DISTINCT r.run, r.platform, r.account_id FROM r JOIN kept USING (run)),
    actors AS (SELECT acct.run, string_agg(DISTINCT ac.name, ', ' ORDER BY ac.name) AS actors,
                      count(*) FILTER (WHERE a.is_pseudonymised) AS pseudonymised
               FROM acct LEFT JOIN accounts a ON a.platform = acct.platform AND a.account_id = acct.account_id
               LEFT JOIN actors ac ON ac.actor_id = a.actor_id AND NOT a.is_pseudonymised
               GROUP BY acct.run)
    SELECT row_number() OVER (ORDER BY k.accounts DESC, min(r.created_at), k.run)::BIGINT AS campaign,
           min(r.created_at) AS first_time, max(r.created_at) AS last_time,
           k.accounts::BIGINT AS accounts, k.peak_accounts::BIGINT AS peak_accounts,
           count(*)::BIGINT AS posts, string_agg(DISTINCT r.platform, ', ' ORDER BY r.platform) AS platforms,
           a.actors AS registered_actors, a.pseudonymised::BIGINT AS pseudonymised_accounts,
           count(DISTINCT r.text)::BIGINT AS variants,
           left(mode(r.text ORDER BY r.t), {TEXT_SHOWN}) AS text,
           arg_min(r.url, r.t) FILTER (WHERE regexp_matches(r.url, '^https?://')) AS example_url,
           array_to_string(list(r.url ORDER BY r.t, r.post_id)
               FILTER (WHERE regexp_matches(r.url, '^https?://'))[1:{EXAMPLES}], ' ') AS examples,
           min(r.cluster)::BIGINT AS cluster
    FROM r JOIN kept k USING (run) LEFT JOIN actors a USING (run)
    GROUP BY k.run, k.accounts, k.peak_accounts, a.actors, a.pseudonymised
    ORDER BY campaign"""

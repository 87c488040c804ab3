"""Merge one file's staged records into the workspace tables (inside the caller's transaction).

Posts are keyed by (platform, platform_post_id): a post already in the workspace is never
inserted again; a later export adds an engagement snapshot at its own measurement time.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from shailoo.text.tokens import TOKEN_SQL, lit

# Columns whose change makes a re-seen post count as updated (an edit, a late-filled field).
_CONTENT_COLUMNS = ("text", "title", "description", "link", "link_text", "image_text", "media_type",
                    "is_edited", "url", "account_id", "space_account_id", "sponsor_id", "forwarded_from",
                    "created_at", "created_utc_offset_minutes")  # a corrected time zone corrects the post
_COUNT_COLUMNS = ("reactions", "likes", "love", "wow", "haha", "sad", "angry", "care", "comments", "shares", "views")

# URLs, hashtags and mentions are the tokens of the one tokeniser (shailoo.text.tokens), cut
# from the text as written: a hashtag keeps its digits, a mention its dots and underscores,
# and neither is taken from inside a URL or an e-mail address.
_TOKENS = f"regexp_extract_all(s.text_norm, {lit(TOKEN_SQL)})"
_URL_RE = r"^[hH][tT][tT][pP][sS]?://"  # the urls column keeps http(s) links only (www. alone is no link)
_HASHTAG_RE = "^#"
_MENTION_RE = "^@"
_DOMAIN_RE = r"^https?://(?:www\.|m\.|mobile\.)?([^/:?#@]+)"


# When a record was measured: its own time, else the file's (the `?` parameter); never before the post.
_SNAPSHOT_AT = "greatest(coalesce(measured_at, ?::TIMESTAMPTZ), created_at)"


def _any_count(prefix: str = "") -> str:
    return " OR ".join(f"{prefix}{c} IS NOT NULL" for c in _COUNT_COLUMNS)


@dataclass
class MergeCounts:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates_in_file: int = 0


def _extractions() -> str:
    """SQL for the URL, link-domain, hashtag and mention columns; each regex runs only where it can match."""
    urls = (f"CASE WHEN contains(s.text_norm, '://') THEN list_distinct(list_filter("
            f"{_TOKENS}, lambda u: regexp_matches(u, '{_URL_RE}'))) ELSE [] END")
    return f"""
        {urls} AS urls,
        list_filter(list_distinct(list_transform(
            list_concat({urls}, CASE WHEN s.link IS NULL THEN [] ELSE [s.link] END),
            lambda u: lower(regexp_extract(u, '{_DOMAIN_RE}', 1)))), lambda d: d <> '') AS link_domains,
        CASE WHEN contains(s.text_norm, '#') THEN list_distinct(list_transform(list_filter(
            {_TOKENS}, lambda h: regexp_matches(h, '{_HASHTAG_RE}')), lambda h: lower(h[2:]))) ELSE [] END AS hashtags,
        CASE WHEN contains(s.text_norm, '@') THEN list_distinct(list_transform(list_filter(
            {_TOKENS}, lambda m: regexp_matches(m, '{_MENTION_RE}')), lambda m: lower(m[2:]))) ELSE [] END AS mentions
    """


def _prefer_known_account_ids(con: duckdb.DuckDBPyConnection) -> None:
    """An export that lacks the page's numeric id names it by handle (CrowdTangle without 'Facebook
    Id'): file such posts under the account already known by id, instead of a second account, and
    never let a handle replace a post's known numeric account id."""
    con.execute(
        """UPDATE stage_posts s SET account_id = a.account_id
           FROM accounts a
           WHERE a.platform = s.platform AND s.account_handle IS NOT NULL AND s.account_id = s.account_handle
             AND lower(a.handle) = lower(s.account_handle) AND regexp_full_match(a.account_id, '[0-9]+')""")
    con.execute(
        """UPDATE stage_posts s SET account_id = p.account_id
           FROM posts p
           WHERE p.platform = s.platform AND p.platform_post_id = s.platform_post_id
             AND regexp_full_match(p.account_id, '[0-9]+') AND NOT regexp_full_match(s.account_id, '[0-9]+')""")


def merge_posts(con: duckdb.DuckDBPyConnection, import_id: int, fallback_measured_at) -> MergeCounts:
    counts = MergeCounts()
    staged = con.execute("SELECT count(*) FROM stage_posts").fetchall()[0][0]
    if staged == 0:
        return counts
    _prefer_known_account_ids(con)
    # The last record of a post in the file wins, preferring one that carries counts (a VK repost
    # embeds its original without counts; that copy must not hide the original's own snapshot).
    # Temp tables hold keys and flags only; texts stay in stage_posts, so memory holds them once.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE stage_pick AS
            SELECT seq, {_SNAPSHOT_AT} AS snapshot_at
            FROM stage_posts
            QUALIFY row_number() OVER (PARTITION BY platform, platform_post_id
                                       ORDER BY ({_any_count()}) DESC, seq DESC) = 1""",
        [fallback_measured_at],
    )
    counts.duplicates_in_file = staged - con.execute("SELECT count(*) FROM stage_pick").fetchall()[0][0]

    # A value the new source does not know (NULL) never overwrites or "changes" a known one.
    changed = " OR ".join(f"(s.{c} IS NOT NULL AND p.{c} IS DISTINCT FROM s.{c})" for c in _CONTENT_COLUMNS)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE stage_keyed AS
            SELECT k.seq, k.snapshot_at, p.post_id AS existing_post_id,
                   (p.post_id IS NOT NULL AND ({changed})) AS content_changed,
                   ({_any_count("s.")}) AS has_counts,
                   EXISTS (SELECT 1 FROM engagement_snapshots e
                           WHERE e.post_id = p.post_id AND e.measured_at = k.snapshot_at) AS snapshot_known
            FROM stage_pick k JOIN stage_posts s USING (seq)
            LEFT JOIN posts p USING (platform, platform_post_id)"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP VIEW stage_rows AS
           SELECT s.* EXCLUDE (measured_at, text_norm), coalesce(s.text_norm, s.text) AS text_norm,
                  k.* EXCLUDE (seq), k.snapshot_at AS measured_at
           FROM stage_keyed k JOIN stage_posts s USING (seq)"""
    )
    con.execute(
        """INSERT INTO accounts (platform, account_id, handle, name, url, is_pseudonymised)
           SELECT platform, account_id, any_value(account_handle), any_value(account_name),
                  any_value(account_url), bool_or(is_pseudonymised)
           FROM stage_rows WHERE account_id IS NOT NULL GROUP BY platform, account_id
           ON CONFLICT (platform, account_id) DO UPDATE SET
               handle = coalesce(excluded.handle, accounts.handle),
               name = coalesce(excluded.name, accounts.name),
               url = coalesce(excluded.url, accounts.url)"""
    )
    # The space a member's post was published in is an account too, so that the registry can
    # attribute it even when the file holds no post by the space itself.
    con.execute(
        """INSERT INTO accounts (platform, account_id)
           SELECT DISTINCT platform, space_account_id FROM stage_rows WHERE space_account_id IS NOT NULL
           ON CONFLICT (platform, account_id) DO NOTHING""")
    counts.imported, counts.updated, counts.unchanged = con.execute(
        """SELECT count(*) FILTER (WHERE existing_post_id IS NULL),
                  count(*) FILTER (WHERE existing_post_id IS NOT NULL AND (content_changed OR (has_counts AND NOT snapshot_known))),
                  count(*) FILTER (WHERE existing_post_id IS NOT NULL AND NOT content_changed AND NOT (has_counts AND NOT snapshot_known))
           FROM stage_keyed"""
    ).fetchall()[0]

    post_columns = ("platform, platform_post_id, account_id, space_account_id, post_type, parent_platform_post_id, created_at, "
                    "created_utc_offset_minutes, url, text, text_norm, title, description, link, link_text, "
                    "image_text, media_type, language, forwarded_from, is_edited, sponsor_id, sponsor_name, "
                    "overperforming_score")
    selected = ", ".join(f"s.{c.strip()}" for c in post_columns.split(","))
    con.execute(
        f"""INSERT INTO posts ({post_columns}, urls, link_domains, hashtags, mentions, first_import_id, last_import_id)
            SELECT {selected}, {_extractions()}, {import_id}, {import_id}
            FROM stage_rows s WHERE s.existing_post_id IS NULL"""
    )
    updates = ", ".join(f"{c} = coalesce(s.{c}, posts.{c})" for c in _CONTENT_COLUMNS + ("text_norm",))
    con.execute(
        f"""UPDATE posts SET {updates}, last_import_id = {import_id}
            FROM stage_rows s WHERE posts.post_id = s.existing_post_id AND s.content_changed"""
    )
    con.execute(
        f"""UPDATE posts SET urls = x.urls, link_domains = x.link_domains, hashtags = x.hashtags, mentions = x.mentions
            FROM (SELECT s.existing_post_id, {_extractions()} FROM stage_rows s WHERE s.content_changed) x
            WHERE posts.post_id = x.existing_post_id"""
    )
    _forget_derived(con)
    _insert_snapshots(con, import_id, "stage_rows", "s.has_counts AND NOT s.snapshot_known")
    # A post repeated in the file with readings taken at other times (twarc pages fetched hours
    # apart): its latest record is the post, and every other reading is kept as a snapshot too.
    _insert_snapshots(
        con, import_id,
        f"""(SELECT * EXCLUDE (measured_at), {_SNAPSHOT_AT} AS measured_at FROM stage_posts
             WHERE ({_any_count()}) AND seq NOT IN (SELECT seq FROM stage_pick)
             QUALIFY row_number() OVER (PARTITION BY platform, platform_post_id, {_SNAPSHOT_AT}
                                        ORDER BY seq DESC) = 1)""",
        """NOT EXISTS (SELECT 1 FROM engagement_snapshots e
                       WHERE e.post_id = p.post_id AND e.measured_at = s.measured_at)""",
        [fallback_measured_at, fallback_measured_at])
    con.execute(
        f"""INSERT INTO follower_snapshots (platform, account_id, measured_at, followers, import_id)
            SELECT platform, account_id, created_at, max(followers_at_posting), {import_id}
            FROM stage_rows WHERE followers_at_posting IS NOT NULL AND account_id IS NOT NULL
            GROUP BY platform, account_id, created_at
            ON CONFLICT DO NOTHING"""
    )
    return counts


def _insert_snapshots(con: duckdb.DuckDBPyConnection, import_id: int, rows: str, where: str,
                      params: list | None = None) -> None:
    """Insert one engagement snapshot per row of `rows` (staged posts with their measured_at)."""
    columns = ", ".join(_COUNT_COLUMNS)
    con.execute(
        f"""INSERT INTO engagement_snapshots (post_id, measured_at, import_id, {columns}, reaction_breakdown)
            SELECT p.post_id, s.measured_at, {import_id}, {", ".join("s." + c for c in _COUNT_COLUMNS)},
                   s.reaction_breakdown
            FROM {rows} s JOIN posts p USING (platform, platform_post_id)
            WHERE {where}""", params or [])


# Tables of per-post results computed from the text; an edited post must be computed again.
_DERIVED_FROM_TEXT = ("post_language",)


def _forget_derived(con: duckdb.DuckDBPyConnection) -> None:
    existing = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for table in _DERIVED_FROM_TEXT:
        if table in existing:
            con.execute(f"""DELETE FROM {table} WHERE post_id IN
                            (SELECT existing_post_id FROM stage_keyed WHERE content_changed)""")


def merge_accounts(con: duckdb.DuckDBPyConnection, import_id: int, fallback_measured_at) -> MergeCounts:
    """Accounts described by the source (channels.list and the like) with their audience figures."""
    counts = MergeCounts()
    staged = con.execute("SELECT count(*) FROM stage_accounts").fetchall()[0][0]
    if staged == 0:
        return counts
    con.execute(
        """CREATE OR REPLACE TEMP TABLE stage_acc AS
           SELECT s.* EXCLUDE (measured_at), coalesce(s.measured_at, ?::TIMESTAMPTZ) AS measured_at,
                  a.account_key IS NOT NULL AS known,
                  EXISTS (SELECT 1 FROM follower_snapshots f WHERE f.platform = s.platform
                          AND f.account_id = s.account_id AND f.measured_at = coalesce(s.measured_at, ?::TIMESTAMPTZ)) AS snapshot_known
           FROM stage_accounts s LEFT JOIN accounts a USING (platform, account_id)
           QUALIFY row_number() OVER (PARTITION BY s.platform, s.account_id ORDER BY s.seq DESC) = 1""",
        [fallback_measured_at, fallback_measured_at],
    )
    counts.duplicates_in_file = staged - con.execute("SELECT count(*) FROM stage_acc").fetchall()[0][0]
    counts.imported, counts.updated, counts.unchanged = con.execute(
        """SELECT count(*) FILTER (WHERE NOT known), count(*) FILTER (WHERE known AND NOT snapshot_known),
                  count(*) FILTER (WHERE known AND snapshot_known) FROM stage_acc"""
    ).fetchall()[0]
    con.execute(
        """INSERT INTO accounts (platform, account_id, handle, name, url)
           SELECT platform, account_id, handle, name, url FROM stage_acc
           ON CONFLICT (platform, account_id) DO UPDATE SET
               handle = coalesce(excluded.handle, accounts.handle),
               name = coalesce(excluded.name, accounts.name),
               url = coalesce(excluded.url, accounts.url)"""
    )
    con.execute(
        f"""INSERT INTO follower_snapshots (platform, account_id, measured_at, followers, total_views, total_posts, import_id)
            SELECT platform, account_id, measured_at, followers, total_views, total_posts, {import_id}
            FROM stage_acc WHERE NOT snapshot_known
              AND (followers IS NOT NULL OR total_views IS NOT NULL OR total_posts IS NOT NULL)"""
    )
    return counts

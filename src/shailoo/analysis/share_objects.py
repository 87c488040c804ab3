"""Share tables from the workspace: who shared which object when, one table per kind of object, in
CooRTweet's input shape (object_id, account_id, content_id, timestamp_share) for
`shailoo.analysis.coordination.detect_coordination`.

Objects (`OBJECT_KINDS`):
- **link**: every http(s) link of a post (the `urls` found in its text and the `link` the export
  attached, which CrowdTangle gives expanded as 'Final Link'), normalised by `url_norm` so that the
  same page is one object: scheme folded to https, host lower-cased without www., m., mobile. and
  a default port, redirect wrappers (l.facebook.com/l.php?u=…, vk.com/away.php?to=…) unwrapped,
  tracking parameters (utm_*, fbclid, gclid, yclid, igshid, …) and the fragment dropped, the other
  parameters sorted, trailing slashes removed.
- **domain**: the host of each normalised link (a coarser object).
- **hashtag**: each hashtag of a post, case-folded, as `#tag`.
- **repost**: the post a repost copies (VK copy_history, Meta's shared posts, X retweets and
  quotes: the post's `parent_platform_post_id` when it is a repost or quote); a Telegram forward
  names only its origin, so a forward's object is its origin and its text (`fwd:origin:texthash`).
- **text**: a cluster of near-identical texts (`shailoo.analysis.near_duplicates`).

Accounts are `platform:account_id`, so that one workspace mixes platforms: the same link pushed
by a Facebook page, a Telegram channel and a VK group is one object shared by three accounts. A
private account's id is already its keyed pseudonym; `account_attributes` never joins a name,
handle or actor to it. content_id is the workspace's post_id (as text), timestamp_share the post's
time in Unix seconds.
"""

from __future__ import annotations

import pyarrow as pa

from shailoo.analysis.filters import PostFilter
from shailoo.errors import UsageError

OBJECT_KINDS = ("link", "domain", "hashtag", "repost", "text")

# Query parameters that track a click rather than name a page.
TRACKING = ("utm_[a-z0-9_]*", "fbclid", "gclid", "dclid", "gbraid", "wbraid", "yclid", "ysclid", "igshid", "igsh",
            "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "ref_src", "ref_url", "spm", "si",
            "s_cid", "__tn__", "__cft__\\[[^=]*\\]", "__cft__", "__xts__\\[[^=]*\\]", "share_id", "from_source",
            "vk_ref", "tt_from", "feature")
_TRACKING_RE = "^(" + "|".join(TRACKING) + ")(=|$)"

# Redirect wrappers whose target is a query parameter: (host pattern, path, parameter).
_WRAPPED = ("^(https?://)(l|lm)\\.facebook\\.com/l\\.php\\?(.*&)?u=([^&#]+)",
            "^(https?://)(m\\.)?vk\\.com/away\\.php\\?(.*&)?to=([^&#]+)",
            "^(https?://)l\\.instagram\\.com/\\?(.*&)?u=([^&#]+)")

_MACROS = f"""
CREATE OR REPLACE TEMP MACRO _sh_unwrap(u) AS CASE
    WHEN regexp_matches(u, '{_WRAPPED[0]}', 'i') THEN url_decode(regexp_extract(u, '{_WRAPPED[0]}', 4, 'i'))
    WHEN regexp_matches(u, '{_WRAPPED[1]}', 'i') THEN url_decode(regexp_extract(u, '{_WRAPPED[1]}', 4, 'i'))
    WHEN regexp_matches(u, '{_WRAPPED[2]}', 'i') THEN url_decode(regexp_extract(u, '{_WRAPPED[2]}', 3, 'i'))
    ELSE u END;
CREATE OR REPLACE TEMP MACRO _sh_host(u) AS regexp_replace(regexp_replace(regexp_replace(
    lower(regexp_extract(u, '^[a-zA-Z]+://([^/?#]*)', 1)), '^[^@]*@', ''), '(:80|:443)?\\.?$', ''),
    '^(www[0-9]*|m|mobile)\\.', '');
CREATE OR REPLACE TEMP MACRO _sh_path(u) AS regexp_replace(regexp_extract(u, '^[a-zA-Z]+://[^/?#]*([^?#]*)', 1),
    '/+$', '');
CREATE OR REPLACE TEMP MACRO _sh_query(u) AS array_to_string(list_sort(list_filter(
    string_split(regexp_extract(u, '^[^?#]*\\?([^#]*)', 1), '&'),
    lambda q: q <> '' AND NOT regexp_matches(lower(q), '{_TRACKING_RE}'))), '&');
CREATE OR REPLACE TEMP MACRO _sh_norm(u) AS CASE WHEN _sh_host(u) <> ''
    THEN 'https://' || _sh_host(u) || _sh_path(u) || CASE WHEN _sh_query(u) <> '' THEN '?' || _sh_query(u) ELSE '' END
    END;
CREATE OR REPLACE TEMP MACRO url_norm(u) AS CASE WHEN regexp_matches(trim(u), '^https?://', 'i')
    THEN _sh_norm(_sh_unwrap(trim(u))) END;
"""


def install_macros(con) -> None:
    """Define `url_norm(u)` (and its parts) on a connection: temporary, so a read-only workspace takes it."""
    con.execute(_MACROS)


def normalise_urls(con, urls: list[str]) -> list[str | None]:
    """The normalised form of each URL (None for what is not an http(s) link)."""
    install_macros(con)
    return [r[0] for r in con.execute("SELECT url_norm(u) FROM unnest(?::VARCHAR[]) WITH ORDINALITY t(u, i) ORDER BY i",
                                      [urls]).fetchall()]


SHARE_SCHEMA = pa.schema([("object_id", pa.string()), ("account_id", pa.string()), ("content_id", pa.string()),
                          ("timestamp_share", pa.int64())])


def _posts_sql(ws, flt: PostFilter | None) -> tuple[str, list]:
    where, params = (flt or PostFilter()).where(ws)
    return (f"""SELECT post_id, platform, account_id, created_at, urls, link, hashtags, post_type,
                       parent_platform_post_id, forwarded_from, text_norm, text
                FROM posts_v WHERE {where} AND account_id IS NOT NULL""", params)


def _objects_sql(kind: str) -> str:
    """SQL of (post_id, object) over `_sh_posts`, one row per distinct object of a post."""
    links = """SELECT DISTINCT post_id, url_norm(u) AS object FROM (
                   SELECT post_id, unnest(list_concat(coalesce(urls, []),
                                          CASE WHEN link IS NULL THEN [] ELSE [link] END)) AS u FROM _sh_posts)
               WHERE url_norm(u) IS NOT NULL"""
    if kind == "link":
        return links
    if kind == "domain":
        return f"SELECT DISTINCT post_id, regexp_extract(object, '^https://([^/?]+)', 1) AS object FROM ({links})"
    if kind == "hashtag":
        return """SELECT DISTINCT post_id, '#' || lower(h) AS object FROM (
                      SELECT post_id, unnest(hashtags) AS h FROM _sh_posts) WHERE h <> ''"""
    if kind == "repost":
        return """SELECT post_id, CASE
                      WHEN post_type IN ('repost', 'quote') AND parent_platform_post_id IS NOT NULL
                          THEN platform || ':' || parent_platform_post_id
                      ELSE platform || ':fwd:' || forwarded_from || ':' || md5(coalesce(text_norm, text, ''))
                  END AS object FROM _sh_posts
                  WHERE (post_type IN ('repost', 'quote') AND parent_platform_post_id IS NOT NULL)
                     OR forwarded_from IS NOT NULL"""
    raise UsageError(f"Unknown object '{kind}'; use one of {', '.join(OBJECT_KINDS)}.")


def shares_for(ws, object_kind: str, flt: PostFilter | None = None, near=None) -> pa.Table:
    """The share table of the posts `flt` selects for one kind of object (see the module's text).
    `near`: NearDuplicateParams for the text object."""
    if object_kind not in OBJECT_KINDS:
        raise UsageError(f"Unknown object '{object_kind}'; use one of {', '.join(OBJECT_KINDS)}.")
    con = ws.con
    install_macros(con)
    sql, params = _posts_sql(ws, flt)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _sh_posts AS {sql}", params)
    try:
        if object_kind == "text":
            con.register("_sh_objects", _text_objects(ws, near))
            objects = "SELECT post_id, 'text:' || cluster AS object FROM _sh_objects"
        else:
            objects = _objects_sql(object_kind)
        table = con.sql(f"""SELECT o.object AS object_id, p.platform || ':' || p.account_id AS account_id,
                               CAST(p.post_id AS VARCHAR) AS content_id,
                               CAST(epoch(p.created_at) AS BIGINT) AS timestamp_share
                           FROM ({objects}) o JOIN _sh_posts p USING (post_id)
                           ORDER BY timestamp_share, object_id, account_id, p.post_id""").to_arrow_table()
    finally:
        if object_kind == "text":
            con.unregister("_sh_objects")
        con.execute("DROP TABLE IF EXISTS _sh_posts")
    return table.cast(SHARE_SCHEMA)


def _text_objects(ws, near) -> pa.Table:
    """Near-duplicate clusters of the selected posts (their tokens from the workspace's cache)."""
    from shailoo.analysis.near_duplicates import near_duplicates, workspace_tokens

    if getattr(ws, "engine", "duckdb") != "duckdb":  # said, never a silent fallback to DuckDB
        raise UsageError("Coordination on near-identical texts (--object text) is not available on Spark yet; "
                         "use link, domain, hashtag or repost there, or run it without --engine spark.")
    tokens = workspace_tokens(ws.con, "SELECT post_id FROM _sh_posts")
    try:
        return near_duplicates(ws.con, f"SELECT post_id, toks FROM {tokens}", near)
    finally:
        ws.con.execute(f"DROP TABLE IF EXISTS {tokens}")


ATTRIBUTE_SCHEMA = pa.schema([("account_id", pa.string()), ("platform", pa.string()), ("label", pa.string()),
                              ("actor", pa.string()), ("category", pa.string()),
                              ("pseudonymised", pa.bool_()), ("shares", pa.int64())])


def account_attributes(ws, shares: pa.Table) -> pa.Table:
    """One row per account of a share table: platform, a label to show (the registered actor's
    name, else the account's name or handle, else its id), actor, category, whether it is
    pseudonymised, and its number of shares. A pseudonymised account is labelled by its pseudonym
    alone: no name, handle or actor is ever joined to it."""
    con = ws.con
    con.register("_attr_shares", shares.select(["account_id"]))
    try:
        table = con.sql("""
            WITH s AS (SELECT account_id AS key, count(*) AS shares FROM _attr_shares GROUP BY 1),
                 k AS (SELECT key, shares, split_part(key, ':', 1) AS platform,
                              substr(key, length(split_part(key, ':', 1)) + 2) AS id FROM s)
            SELECT k.key AS account_id, k.platform,
                   CASE WHEN coalesce(a.is_pseudonymised, starts_with(k.id, 'p_')) THEN k.id
                        ELSE coalesce(ac.name, a.name, '@' || a.handle, k.id) END AS label,
                   CASE WHEN coalesce(a.is_pseudonymised, starts_with(k.id, 'p_')) THEN NULL ELSE ac.name END AS actor,
                   CASE WHEN coalesce(a.is_pseudonymised, starts_with(k.id, 'p_')) THEN NULL ELSE ac.category END
                       AS category,
                   coalesce(a.is_pseudonymised, starts_with(k.id, 'p_')) AS pseudonymised,
                   k.shares
            FROM k LEFT JOIN accounts a ON a.platform = k.platform AND a.account_id = k.id
            LEFT JOIN actors ac ON ac.actor_id = a.actor_id
            ORDER BY k.shares DESC, k.key""").to_arrow_table()
    finally:
        con.unregister("_attr_shares")
    return table.cast(ATTRIBUTE_SCHEMA)

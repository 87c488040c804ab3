"""Groups characterised as seed 000 did (Facebook groups, VK communities, Telegram chats, OK groups):
who posts — the group itself and its admins, or its members (horizontal vs vertical) — members'
posts per posting member, comments per post, shares of posts with fundraising links or protest
calls, ad-only groups, and the selection criteria of "group discovery" as a filter report.

A group is an account of those platforms that is a registered `public_group`, or in whose space
others' posts were published (posts.space_account_id), or a VK community (negative id), or an OK
group. Its own posts are those its account published and those of accounts registered to the same
actor (its admins, when the registry lists them); every other post in its space is a member's.
Comments and replies are not posts here: they are counted per post. Texts are matched against the
lexicons of text/lexicons_groups (a workspace's `lexicons/<name>.txt` replaces a shipped list).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pyarrow as pa

from shailoo.analysis.filters import PostFilter, account_condition
from shailoo.analysis.snapshot import engagement_source, fetch
from shailoo.errors import ConfigError, UsageError

GROUP_PLATFORMS = ("facebook", "vk", "telegram", "ok")
LEXICONS = ("fundraising", "fundraising_links", "protest", "complaint", "ads")
LEXICON_DIR = Path(__file__).resolve().parents[1] / "text" / "lexicons_groups"
MAX_LEXICON_BYTES = 1_000_000
MAX_TERMS = 5000
MAX_TERM = 200
COMMENTS = "('comment', 'reply')"


# ---- lexicons --------------------------------------------------------------------------------

def lexicon_path(ws, name: str) -> Path:
    """The workspace's own list if it has one (`<workspace>/lexicons/<name>.txt`), else the shipped one."""
    if name not in LEXICONS:
        raise UsageError(f"There is no lexicon '{name}'; use one of {', '.join(LEXICONS)}.")
    own = Path(ws.path) / "lexicons" / f"{name}.txt" if ws is not None else None
    return own if own is not None and own.is_file() else LEXICON_DIR / f"{name}.txt"


def load_lexicon(ws, name: str) -> list[str]:
    """The terms of a lexicon, lower-cased, comments and blank lines left out (bounded in size)."""
    path = lexicon_path(ws, name)
    try:
        if path.stat().st_size > MAX_LEXICON_BYTES:
            raise ConfigError(f"{path} is larger than {MAX_LEXICON_BYTES:,} bytes; a lexicon is a short list of terms.")
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read the lexicon {path} as UTF-8 text ({exc.__class__.__name__}); "
                          "write one term per line.") from None
    terms = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped == "#" or stripped.startswith("# "):
            continue  # a comment; "#stoprahmon" (no space) is a hashtag term
        term = re.split(r"\s+#(?:\s|$)", stripped)[0].lower()
        if term and len(term) <= MAX_TERM:
            terms.append(" ".join(term.split()))
    return list(dict.fromkeys(terms))[:MAX_TERMS]


def words_regex(terms: list[str]) -> str:
    """An RE2 pattern matching any term as a whole word or phrase (`term*` as a word prefix) in
    lower-cased text; letters of every script count as word characters. Never matches when empty."""
    if not terms:
        return "(?!)"  # RE2 has no lookahead: see never()
    words, prefixes = [], []
    for t in terms:
        body = re.escape(t.rstrip("*")).replace(r"\ ", r"\s+")
        (prefixes if t.endswith("*") else words).append(body)
    # A prefix needs no end of word after it (the rest of the word always ends somewhere): leaving out
    # the `[\p{L}…]*` tail keeps RE2 on its fast automaton (with it, 13 s over a million posts)
    alternatives = []
    if prefixes:
        alternatives.append("(?:" + "|".join(prefixes) + ")")
    if words:
        alternatives.append("(?:" + "|".join(words) + r")(?:[^\p{L}\p{N}_]|$)")
    return r"(?:^|[^\p{L}\p{N}_])(?:" + "|".join(alternatives) + ")"


def substrings_regex(terms: list[str]) -> str:
    """An RE2 pattern matching any term anywhere (link domains, payment hints)."""
    return "(?:" + "|".join(re.escape(t) for t in terms) + ")" if terms else ""


def match_sql(column: str, pattern: str) -> str:
    """SQL: does `column` (lower-cased text) match the pattern; FALSE for an empty lexicon."""
    if not pattern or pattern == "(?!)":
        return "FALSE"
    return f"regexp_matches({column}, '{pattern.replace(chr(39), chr(39) * 2)}')"


POST_TEXT = "lower(coalesce(p.text_norm, p.text, '') || ' ' || coalesce(p.title, '') || ' ' || coalesce(p.description, ''))"
POST_LINKS = ("lower(coalesce(p.text, '') || ' ' || coalesce(p.link, '') || ' ' || "
              "coalesce(array_to_string(p.urls, ' '), ''))")


def lexicon_flags(ws) -> dict[str, str]:
    """SQL boolean expressions over posts `p`: fundraising, protest, ad (complaint for responsiveness)."""
    fund = " OR ".join(x for x in (match_sql(POST_TEXT, words_regex(load_lexicon(ws, "fundraising"))),
                                   match_sql(POST_LINKS, substrings_regex(load_lexicon(ws, "fundraising_links")))))
    return {"fundraising": f"({fund})",
            "protest": match_sql(POST_TEXT, words_regex(load_lexicon(ws, "protest"))),
            "ad": match_sql(POST_TEXT, words_regex(load_lexicon(ws, "ads"))),
            "complaint": match_sql(POST_TEXT, words_regex(load_lexicon(ws, "complaint")))}


# ---- groups --------------------------------------------------------------------------------

def _group_filter(ws, flt: PostFilter | None) -> tuple[PostFilter, str, list]:
    """(post filter without actor/category — those select groups —, SQL over accounts `a` + actors
    `ac`, params)."""
    flt = flt or PostFilter()
    platforms = flt.platforms or GROUP_PLATFORMS
    flt.where(ws)  # a clear error for an unknown platform, category, actor or period
    cond, params = account_condition(ws, flt, platforms)
    return replace(flt, actor=None, category=None, platform=platforms), cond, params


def _groups_cte(cond: str) -> str:
    return f"""grp AS (
        SELECT a.platform, a.account_id, coalesce(a.name, a.handle, a.account_id) AS "group", a.actor_id,
               ac.name AS actor, ac.category, a.handle, ac.aliases, a.is_pseudonymised
        FROM accounts a LEFT JOIN actors ac USING (actor_id)
        WHERE {cond} AND (ac.category = 'public_group' OR a.platform = 'ok'
              OR (a.platform = 'vk' AND a.account_id LIKE '-%')
              OR EXISTS (SELECT 1 FROM posts s WHERE s.platform = a.platform AND s.space_account_id = a.account_id)))"""


def _check_share(value: float, option: str) -> float:
    if not (0 < float(value) <= 1):
        raise UsageError(f"{option} must be a share between 0 and 1 (e.g. 0.5), not {value:g}.")
    return float(value)


def groups(ws, flt: PostFilter | None = None, horizontal_at: float = 0.5, ads_at: float = 0.8,
           min_posts: int = 5) -> pa.Table:
    """One row per group: members, posts (own and members'), the members' share and the group's type,
    posting members and their posts each, comments per post (reported, unknown left out) and replies
    loaded, shares of posts with fundraising, protest calls and advertising, and whether it is ad-only
    (at least `min_posts` posts, of which at least `ads_at` advertise)."""
    horizontal_at = _check_share(horizontal_at, "--horizontal-at")
    ads_at = _check_share(ads_at, "--ads-at")
    pflt, cond, params = _group_filter(ws, flt)
    where, wparams = pflt.where(ws)
    flags = lexicon_flags(ws)
    return fetch(ws, f"""
        WITH {_groups_cte(cond)},
        gp AS (SELECT g.platform, g.account_id AS gid, p.post_id, p.account_id AS author,
                      p.post_type IN {COMMENTS} AS is_comment,
                      coalesce(p.account_id = g.account_id OR au.actor_id = g.actor_id, false) AS own,
                      {flags['fundraising']} AS fundraising, {flags['protest']} AS protest, {flags['ad']} AS ad
               FROM (SELECT * FROM posts_v WHERE {where}) p
               JOIN grp g ON g.platform = p.platform AND g.account_id = coalesce(p.space_account_id, p.account_id)
               LEFT JOIN accounts au ON au.platform = p.platform AND au.account_id = p.account_id),
        c AS (SELECT gp.platform, gp.gid, avg(e.comments) AS comments_per_post,
                     count(*) FILTER (WHERE e.comments IS NULL) AS comments_unknown
              FROM gp JOIN {engagement_source(ws)} e USING (post_id) WHERE NOT gp.is_comment GROUP BY ALL),
        s AS (SELECT gp.platform, gp.gid,
                     count(*) FILTER (WHERE NOT is_comment) AS posts,
                     count(*) FILTER (WHERE NOT is_comment AND own) AS own_posts,
                     count(*) FILTER (WHERE NOT is_comment AND NOT own) AS member_posts,
                     count(DISTINCT author) FILTER (WHERE NOT is_comment AND NOT own) AS posting_members,
                     count(*) FILTER (WHERE is_comment) AS replies_loaded,
                     count(*) FILTER (WHERE NOT is_comment AND fundraising) AS fundraising_posts,
                     count(*) FILTER (WHERE NOT is_comment AND protest) AS protest_posts,
                     count(*) FILTER (WHERE NOT is_comment AND ad) AS ad_posts
              FROM gp GROUP BY ALL),
        m AS (SELECT platform, account_id AS gid, arg_max(followers, measured_at) AS members
              FROM follower_snapshots WHERE followers IS NOT NULL GROUP BY ALL)
        SELECT g.platform, g."group", g.actor, g.account_id, m.members::BIGINT AS members,
               coalesce(s.posts, 0)::BIGINT AS posts, coalesce(s.own_posts, 0)::BIGINT AS own_posts,
               coalesce(s.member_posts, 0)::BIGINT AS member_posts,
               round(100.0 * s.member_posts / nullif(s.posts, 0), 2) AS member_posts_pct,
               CASE WHEN coalesce(s.posts, 0) = 0 THEN NULL
                    WHEN s.member_posts >= {horizontal_at} * s.posts THEN 'horizontal' ELSE 'vertical' END AS kind,
               coalesce(s.posting_members, 0)::BIGINT AS posting_members,
               round(s.member_posts / nullif(s.posting_members, 0), 2) AS posts_per_member,
               round(c.comments_per_post, 2) AS comments_per_post, coalesce(c.comments_unknown, 0)::BIGINT
                   AS comments_unknown,
               coalesce(s.replies_loaded, 0)::BIGINT AS replies_loaded,
               round(s.replies_loaded / nullif(s.posts, 0), 2) AS replies_loaded_per_post,
               round(100.0 * s.fundraising_posts / nullif(s.posts, 0), 2) AS fundraising_pct,
               round(100.0 * s.protest_posts / nullif(s.posts, 0), 2) AS protest_pct,
               round(100.0 * s.ad_posts / nullif(s.posts, 0), 2) AS ads_pct,
               coalesce(s.posts, 0) >= {int(min_posts)} AND s.ad_posts >= {ads_at} * s.posts AS ad_only
        FROM grp g LEFT JOIN s ON s.platform = g.platform AND s.gid = g.account_id
        LEFT JOIN c ON c.platform = g.platform AND c.gid = g.account_id
        LEFT JOIN m ON m.platform = g.platform AND m.gid = g.account_id
        ORDER BY posts DESC, g."group" """, [*params, *wparams])


def group_selection(ws, flt: PostFilter | None = None, keywords: list[str] | tuple[str, ...] = (),
                    min_members: int = 1000, ads_at: float = 0.8, min_posts: int = 5) -> pa.Table:
    """Seed 000's selection as a filter report, one row per group the workspace holds: its name
    matches a keyword (in Cyrillic or Latin: `кыргыз` finds "Kyrgyz"), members at or above the
    threshold, public, active in the scope, not ad-only; `selected` when all hold, else `reason`
    names the first that fails. An unknown member count fails the threshold and says so."""
    from shailoo.text.translit import match_key

    if min_members < 0:
        raise UsageError(f"--min-members must be 0 or more, not {min_members}.")
    table = groups(ws, flt, ads_at=ads_at, min_posts=min_posts)
    names = {(r[0], r[1]): r[2:] for r in ws.con.execute(
        """SELECT a.platform, a.account_id, a.name, a.handle, ac.name, ac.aliases, a.is_pseudonymised
           FROM accounts a LEFT JOIN actors ac USING (actor_id)""").fetchall()}
    keys = [(k.strip(), match_key(k.strip())) for k in keywords if k and k.strip()]
    out: dict[str, list] = {c: [] for c in ("platform", "group", "actor", "members", "posts", "keyword",
                                            "members_ok", "public", "active", "ad_only", "selected", "reason")}
    for row in table.to_pylist():  # one row per group (tens), not per post
        name, handle, actor, aliases, pseudonymised = names.get((row["platform"], row["account_id"]),
                                                                (None, None, None, None, False))
        text = " | ".join(match_key(x) for x in (name, handle, actor, *(aliases or ())) if x)
        hit = next((k for k, key in keys if key and key in text), None) if keys else None
        checks = [
            ("keyword", (hit is not None) if keys else None, "the name matches no keyword"),
            ("members_ok", None if row["members"] is None else row["members"] >= min_members,
             f"fewer than {min_members:,} members" if row["members"] is not None else "member count unknown"),
            ("public", not pseudonymised, "not public"),
            ("active", row["posts"] > 0, "no posts in the scope"),
            ("not_ad_only", not row["ad_only"], "ad-only"),
        ]
        failed = [why for key, ok, why in checks if ok is False or (ok is None and key == "members_ok")]
        for col in ("platform", "group", "actor", "members", "posts", "ad_only"):
            out[col].append(row[col])
        out["keyword"].append(hit)
        out["members_ok"].append(checks[1][1])
        out["public"].append(not pseudonymised)
        out["active"].append(row["posts"] > 0)
        out["selected"].append(not failed)
        out["reason"].append(failed[0] if failed else None)
    return pa.table(out, schema=pa.schema([
        ("platform", pa.string()), ("group", pa.string()), ("actor", pa.string()), ("members", pa.int64()),
        ("posts", pa.int64()), ("keyword", pa.string()), ("members_ok", pa.bool_()), ("public", pa.bool_()),
        ("active", pa.bool_()), ("ad_only", pa.bool_()), ("selected", pa.bool_()), ("reason", pa.string())]))

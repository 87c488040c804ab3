"""Finding the unit a code is about: a post by its URL or platform id, an actor by name or alias.

A URL is matched in the forms links take (http or https, www./m./mobile. hosts, a trailing slash, a
fragment, t.me/s/ previews): both the given URL and the posts' stored URLs are reduced to one key in
SQL, so a million posts are matched in one query, not one Python call each.
"""

from __future__ import annotations

import unicodedata

import duckdb
import pyarrow as pa

from shailoo.errors import CodingError, printable


def url_key_sql(column: str) -> str:
    """A DuckDB expression reducing the URL in `column` to its match key (see the module's docstring)."""
    s = f"regexp_replace(regexp_replace(trim({column}), '#.*$', ''), '^[A-Za-z][A-Za-z0-9+.-]*://', '')"
    host = f"regexp_extract({s}, '^[^/?]*')"
    rest = f"substr({s}, length({host}) + 1)"
    host_key = f"regexp_replace(lower({host}), '^(www|m|mobile|mbasic|web)\\.', '')"
    rest_key = f"regexp_replace({rest}, '/+(\\?|$)', '\\1')"
    return f"({host_key} || CASE WHEN {host_key} = 't.me' THEN regexp_replace({rest_key}, '^/s/', '/') ELSE {rest_key} END)"


def resolve_posts(con: duckdb.DuckDBPyConnection, rows: pa.Table) -> dict[int, int | str]:
    """For rows (columns n, url, platform, post_id): {n: post_id} or {n: reason} when no post matches.

    Platform and post_id (the platform's post id; a Facebook PAGEID_POSTID key also matches the post's
    own id, the form CrowdTangle keys now use) are tried first, then the URL.
    """
    con.register("_unit_rows", rows)
    try:
        found = con.sql(f"""
            WITH r AS (SELECT n, nullif(trim(url), '') AS url, lower(trim(platform)) AS platform,
                              nullif(trim(post_id), '') AS post_id FROM _unit_rows),
            by_url AS (
                SELECT r.n, min(p.post_id) AS post_id, count(DISTINCT p.post_id) AS hits
                FROM r JOIN posts p ON {url_key_sql('p.url')} = {url_key_sql('r.url')}
                WHERE r.url IS NOT NULL AND p.url IS NOT NULL GROUP BY r.n),
            by_id AS (
                SELECT r.n, min(p.post_id) AS post_id, count(DISTINCT p.post_id) AS hits
                FROM r JOIN posts p ON p.platform = r.platform AND (p.platform_post_id = r.post_id OR
                     (r.platform = 'facebook' AND p.platform_post_id = regexp_extract(r.post_id, '^[0-9]+_(.+)$', 1)))
                WHERE r.post_id IS NOT NULL GROUP BY r.n)
            -- the platform's own id is exact; a URL is matched loosely, so it counts only without an id match
            SELECT n, post_id, hits FROM by_id
            UNION ALL SELECT n, post_id, hits FROM by_url WHERE n NOT IN (SELECT n FROM by_id)
        """).fetchall()
    finally:
        con.unregister("_unit_rows")
    out: dict[int, int | str] = {}
    for n, post_id, hits in found:
        out[n] = post_id if hits == 1 else f"the URL matches {hits} posts; give platform and post_id instead"
    return out


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold().strip()


class Actors:
    """Registered actors by name or alias (case and Unicode form ignored); an alias two actors share
    names neither."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        rows = con.execute("SELECT actor_id, name, aliases FROM actors").fetchall()
        self.names: dict[int, str] = {actor_id: name for actor_id, name, _ in rows}
        # A name wins over another actor's alias; an alias of several actors names none of them.
        self.by_key: dict[str, int | None] = {_fold(name): actor_id for actor_id, name, _ in rows}
        alias_ids: dict[str, set[int]] = {}
        for actor_id, _, aliases in rows:
            for alias in aliases or ():
                if (key := _fold(alias)) and key not in self.by_key:
                    alias_ids.setdefault(key, set()).add(actor_id)
        for key, ids in alias_ids.items():
            self.by_key[key] = next(iter(ids)) if len(ids) == 1 else None

    def find(self, text: str) -> int | str:
        """The actor's id, or the reason none is meant."""
        key = _fold(text)
        if key not in self.by_key:
            return f"actor {_quoted(text)} is not a registered actor's name or alias"
        actor_id = self.by_key[key]
        if actor_id is None:
            return f"{_quoted(text)} is an alias of several actors; give the actor's name"
        return actor_id


def _quoted(text: str) -> str:
    text = printable(text)
    return "'" + (text if len(text) <= 60 else text[:57] + "…") + "'"


def find_post(con: duckdb.DuckDBPyConnection, url: str | None = None, platform: str | None = None,
              post_id: str | None = None) -> int:
    """One post by URL, or by platform and the platform's post id; CodingError when none matches."""
    if not url and not (platform and post_id):
        raise CodingError("Name the post with --url, or with --platform and --post-id.")
    table = pa.table({"n": [1], "url": [url], "platform": [platform or ""], "post_id": [post_id]})
    found = resolve_posts(con, table).get(1)
    if found is None:
        what = f"URL {_quoted(url)}" if url else f"{_quoted(platform)} post id {_quoted(post_id)}"
        raise CodingError(f"No post in the workspace has the {what}.")
    if isinstance(found, str):
        raise CodingError(f"Cannot tell the post: {found}.")
    return found


def find_actor(con: duckdb.DuckDBPyConnection, name: str) -> int:
    found = Actors(con).find(name)
    if isinstance(found, str):
        raise CodingError(found[0].upper() + found[1:] + ".")
    return found

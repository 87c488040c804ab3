"""Every post's tokens, computed once and cached in the workspace table
`post_tokens(post_id, text_hash, toks)`.

Tokenising is the costly part of every text command (one regex pass over every text),
so it is done once per post: `toks` is the list `token_sql` gives (sentence ends
included), in order. A row whose text has changed since (its `text_hash` differs), or
whose post is gone, is dropped and tokenised again; a new tokeniser (its patterns' hash
in `post_tokens_version`) tokenises everything again. When a cached post is gone or its text
has changed, the stem cache (`shailoo.text.stem`: words of every post) is emptied too. A caller
that reads only some posts (a sample) passes their ids: only those are checked and tokenised,
so the cache may hold a part of the posts; every reader joins it to the posts it ensured.
Import fills the cache for the posts it adds or edits (`shailoo.text.caches`).
"""

from __future__ import annotations

import hashlib

from shailoo.text.stem import forget_stems
from shailoo.text.tokens import TOKEN_SQL, token_sql

TABLE_SQL = ("CREATE TABLE IF NOT EXISTS {name} "
             "(post_id BIGINT PRIMARY KEY, text_hash UBIGINT, toks VARCHAR[])")
VERSION = hashlib.sha1(TOKEN_SQL.encode("utf-8")).hexdigest()[:16]


def ensure_post_tokens(con, source: str = "posts", name: str = "post_tokens", temp: bool = False,
                       post_ids: str | None = None) -> int:
    """Tokenise the posts of `source` (columns post_id, text_norm or text) not yet in table
    `name` or changed since; return how many were tokenised (`temp`: a session's own cache).
    `post_ids`: SQL of one column of post ids, the only posts to check and tokenise."""
    create = "CREATE TEMP TABLE IF NOT EXISTS" if temp else "CREATE TABLE IF NOT EXISTS"
    if not temp:
        from shailoo.store.workspace import writable_caches

        writable_caches(con, name, f"{name}_version")
    con.execute(TABLE_SQL.format(name=name).replace("CREATE TABLE IF NOT EXISTS", create))
    con.execute(f"{create} {name}_version (version VARCHAR)")
    if con.execute(f"SELECT version FROM {name}_version").fetchall() != [(VERSION,)]:
        con.execute(f"DELETE FROM {name}")
        con.execute(f"DELETE FROM {name}_version")
        con.execute(f"INSERT INTO {name}_version VALUES (?)", [VERSION])
    text = "coalesce(text_norm, text, '')" if _has_column(con, source, "text_norm") else "coalesce(text, '')"
    only = f"WHERE post_id IN ({post_ids})" if post_ids else ""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _ptok_src AS
        SELECT post_id, hash({text}) AS h FROM {source} {only}""")
    # Stale rows: the post is gone (its text must not linger: checked over the whole cache, by id
    # only, which is cheap) or its text changed (checked for the posts asked for).
    gone = con.execute(f"DELETE FROM {name} WHERE post_id IN "
                       f"(SELECT post_id FROM {name} ANTI JOIN {source} USING (post_id))").fetchall()[0][0]
    changed = con.execute(f"""DELETE FROM {name} WHERE post_id IN (
        SELECT t.post_id FROM {name} t JOIN _ptok_src s USING (post_id) WHERE s.h <> t.text_hash)""").fetchall()[0][0]
    if (gone or changed) and not temp:
        forget_stems(con)  # the stem cache holds words of every post: none may outlive its post's text
    con.execute(f"CREATE OR REPLACE TEMP TABLE _ptok_new AS SELECT * FROM _ptok_src ANTI JOIN {name} USING (post_id)")
    n = con.execute("SELECT count(*) FROM _ptok_new").fetchall()[0][0]
    if n:
        con.execute(f"""INSERT INTO {name}
            SELECT s.post_id, n.h, {token_sql(text)} FROM _ptok_new n JOIN {source} s USING (post_id)""")
    con.execute("DROP TABLE _ptok_new")
    con.execute("DROP TABLE _ptok_src")
    return n


def _has_column(con, table: str, column: str) -> bool:
    cols = con.execute(f"SELECT * FROM {table} LIMIT 0").description
    return any(c[0] == column for c in cols)

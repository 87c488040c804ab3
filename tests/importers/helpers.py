"""Small helpers the importer tests share."""

from __future__ import annotations


def posts_by_id(ws) -> dict[str, dict]:
    """Every post as a dict of its columns, keyed by platform_post_id."""
    cur = ws.con.execute("SELECT * FROM posts")
    names = [d[0] for d in cur.description]
    return {row[names.index("platform_post_id")]: dict(zip(names, row)) for row in cur.fetchall()}


def everything_stored(ws) -> str:
    """Everything the posts and accounts tables hold, as one string to search for private names."""
    return repr(ws.con.execute("SELECT * FROM posts").fetchall()) + repr(ws.con.execute("SELECT * FROM accounts").fetchall())


def balanced(result) -> bool:
    """Every record of the file is accounted for."""
    return result.imported + result.updated + result.quarantined + result.skipped == result.records

"""The coding screen's queries: a coder's units in a sample (keys and status only), one unit shown in
full, and the codebook (parsed once per version).

`shailoo.coding.assign.units_for_coder` is the reference for what a coder sees: the same units, in
the same order, with only the coder's own current codes (tests/server/test_coding_pages.py checks the
two agree). It returns every unit with its post's text; the screen shows one unit at a time, so on a
million-post workspace it asks for the unit keys (no text) and then for the one unit it shows.
Blind as the library is: nothing here reads another coder's codes or a machine suggestion, nor says
whether a post is in the reliability overlap.

`pending`: the coder's own saves not yet applied to the workspace (server/coding_journal.py), as
(post_id, actor_id, variable, values), oldest first; what the coder sees of their work includes them.
Only ever the asking coder's own.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa

from shailoo.coding.codebook import Codebook, codebook_version
from shailoo.store.workspace import Workspace

Pending = Sequence[tuple[int, "int | None", str, list[str]]]

_BOOKS: dict[tuple[str, int], Codebook] = {}
_BOOKS_LOCK = threading.Lock()


def codebook(ws: Workspace) -> Codebook | None:
    """The current codebook, parsed once per workspace and version (a version never changes)."""
    rows = ws.con.execute("SELECT max(version) FROM codebooks").fetchall()
    version = rows[0][0]
    if version is None:
        return None
    key = (str(ws.path), int(version))
    with _BOOKS_LOCK:
        book = _BOOKS.get(key)
    if book is None:
        book = codebook_version(ws.con, int(version))
        with _BOOKS_LOCK:
            _BOOKS[key] = book
    return book


def variables_for(book: Codebook, actor_id: int | None) -> list:
    unit = "post" if actor_id is None else "post_actor"
    return [v for v in book.variables if v.unit == unit]


def unit_keys(ws: Workspace, coder: str, sample: str, book: Codebook, pending: Pending = ()) -> pa.Table:
    """The coder's units in a sample, in units_for_coder's order: post_id, actor_id, coded (the coder has a
    current code, stored or pending, for every variable of the unit). Only units that some variable of
    the codebook codes."""
    post_vars = [v.name for v in book.variables if v.unit == "post"]
    pa_vars = [v.name for v in book.variables if v.unit == "post_actor"]
    return ws.con.sql(f"""
        WITH a AS (SELECT post_id, assigned_at FROM assignments
                   WHERE sample = ? AND coder = ? AND released_at IS NULL),
        units AS (SELECT post_id, NULL::INTEGER AS actor_id FROM a WHERE {bool(post_vars)}
                  UNION ALL SELECT m.post_id, m.actor_id FROM a JOIN mentions m USING (post_id) WHERE {bool(pa_vars)}),
        mine AS (SELECT post_id, actor_id, count(DISTINCT variable) AS n FROM (
                     SELECT post_id, actor_id, variable FROM codes
                     WHERE coder = ? AND post_id IN (SELECT post_id FROM a) AND list_contains(?, variable)
                     UNION ALL SELECT unnest(?::BIGINT[]), unnest(?::INTEGER[]), unnest(?::VARCHAR[]))
                 WHERE list_contains(?, variable) GROUP BY ALL)
        SELECT u.post_id, u.actor_id,
               coalesce(m.n, 0) >= CASE WHEN u.actor_id IS NULL THEN {len(post_vars)} ELSE {len(pa_vars)} END AS coded
        FROM units u JOIN a USING (post_id) JOIN posts p USING (post_id)
        LEFT JOIN mine m ON m.post_id = u.post_id AND m.actor_id IS NOT DISTINCT FROM u.actor_id
        ORDER BY a.assigned_at, p.created_at, u.post_id, u.actor_id NULLS FIRST""",
                      params=[sample, coder, coder, post_vars + pa_vars, [p[0] for p in pending],
                              [p[1] for p in pending], [p[2] for p in pending],
                              post_vars + pa_vars]).to_arrow_table()


@dataclass(frozen=True)
class Position:
    """Where a unit sits in the coder's list: its index, neighbours, the next uncoded one, progress."""

    index: int            # -1: not one of the coder's units
    total: int
    coded: int
    prev: tuple[int, int | None] | None
    next: tuple[int, int | None] | None
    next_uncoded: tuple[int, int | None] | None


def _key(keys: pa.Table, i: int) -> tuple[int, int | None]:
    return keys.column("post_id")[i].as_py(), keys.column("actor_id")[i].as_py()


def position(keys: pa.Table, post_id: int | None, actor_id: int | None) -> Position:
    """The unit's place among `keys` (index -1 when absent); next_uncoded looks after it, then wraps."""
    import numpy as np

    posts = keys.column("post_id").to_numpy(zero_copy_only=False)
    actors = keys.column("actor_id").fill_null(-1).to_numpy(zero_copy_only=False)
    coded = keys.column("coded").to_numpy(zero_copy_only=False).astype(bool)
    n = len(posts)
    hit = np.flatnonzero((posts == post_id) & (actors == (-1 if actor_id is None else actor_id))) \
        if post_id is not None else np.array([], dtype=int)
    i = int(hit[0]) if len(hit) else -1
    order = np.r_[np.arange(i + 1, n), np.arange(0, i + 1)] if n else np.array([], dtype=int)
    todo = order[~coded[order]] if n else order
    return Position(i, n, int(coded.sum()),
                    _key(keys, i - 1) if i > 0 else None,
                    _key(keys, i + 1) if 0 <= i < n - 1 else None,
                    _key(keys, int(todo[0])) if len(todo) else None)


def is_assigned(ws: Workspace, coder: str, sample: str, post_id: int, actor_id: int | None) -> bool:
    """Whether (post, actor) is one of the coder's units in the sample (an active assignment; a mention)."""
    if actor_id is None:
        return bool(ws.con.execute("""SELECT count(*) FROM assignments WHERE sample = ? AND coder = ?
            AND post_id = ? AND released_at IS NULL""", [sample, coder, post_id]).fetchall()[0][0])
    return bool(ws.con.execute("""SELECT count(*) FROM assignments a JOIN mentions m USING (post_id)
        WHERE a.sample = ? AND a.coder = ? AND a.post_id = ? AND a.released_at IS NULL AND m.actor_id = ?""",
                               [sample, coder, post_id, actor_id]).fetchall()[0][0])


def unit(ws: Workspace, coder: str, post_id: int, actor_id: int | None, pending: Pending = ()) -> dict:
    """One unit as the screen shows it: the post (text as published, author, platform, local time, url,
    counts of the report's snapshot, interactions), the actor it is about, and the coder's own current
    codes ({variable: [values]}). The caller checked the unit is the coder's (is_assigned)."""
    from shailoo.analysis.snapshot import min_hours
    from shailoo.platforms import interactions_sql

    hours = float(min_hours(ws))
    mature = f"(e.measured_at >= p.created_at + to_microseconds(CAST({hours} * 3600e6 AS BIGINT)))"
    row = ws.con.execute(f"""
        WITH s AS (SELECT e.reactions, e.comments, e.shares, e.views, e.measured_at FROM engagement_snapshots e
                   JOIN posts p USING (post_id) WHERE e.post_id = ?
                   ORDER BY {mature} DESC, CASE WHEN {mature} THEN epoch_us(e.measured_at)
                                                ELSE -epoch_us(e.measured_at) END LIMIT 1)
        SELECT q.*, {interactions_sql('q')} AS interactions, (SELECT name FROM actors WHERE actor_id = ?) AS about
        FROM (SELECT p.post_id, p.platform, p.url, p.local_time, p.actor AS author, p.category, p.account_name,
                     p.post_type, p.title, p.text, p.description, p.link, p.link_text, p.by_member,
                     s.reactions, s.comments, s.shares, s.views, s.measured_at
              FROM posts_v p LEFT JOIN s ON true WHERE p.post_id = ?) q""", [post_id, actor_id, post_id]).fetchall()
    names = ("post_id", "platform", "url", "local_time", "author", "category", "account_name", "post_type", "title",
             "text", "description", "link", "link_text", "by_member", "reactions", "comments", "shares", "views",
             "measured_at", "interactions", "about")
    out = dict(zip(names, row[0])) if row else {"post_id": post_id}
    out["actor_id"] = actor_id
    out["url"] = safe_link(out.get("url"))
    out["link"] = safe_link(out.get("link"))
    out["codes"] = own_codes(ws, coder, post_id, actor_id, pending)
    return out


def unit_coded(ws: Workspace, coder: str, post_id: int, actor_id: int | None, variables: list[str],
               pending: Pending = ()) -> bool:
    """Whether the coder has a code for every one of the unit's variables (as unit_keys' `coded`)."""
    stored = ws.con.execute("""SELECT DISTINCT variable FROM codes WHERE coder = ? AND post_id = ?
        AND actor_id IS NOT DISTINCT FROM ? AND list_contains(?, variable)""",
                            [coder, post_id, actor_id, variables]).fetchall()
    have = {r[0] for r in stored} | {p[2] for p in pending if p[0] == post_id and p[1] == actor_id}
    return len(have & set(variables)) >= len(variables)


def own_codes(ws: Workspace, coder: str, post_id: int, actor_id: int | None,
              pending: Pending = ()) -> dict[str, list[str]]:
    """The coder's own current value(s) per variable on one unit ([] for a multi-label act of no value);
    a pending save counts as the latest act."""
    rows = ws.con.execute("""
        WITH latest AS (SELECT variable, max(act_id) AS act_id FROM codes
                        WHERE coder = ? AND post_id = ? AND actor_id IS NOT DISTINCT FROM ? GROUP BY variable)
        SELECT c.variable, list(c.value ORDER BY c.value) FILTER (WHERE c.value IS NOT NULL)
        FROM codes c JOIN latest l USING (act_id) GROUP BY c.variable""", [coder, post_id, actor_id]).fetchall()
    out = {v: list(vals or []) for v, vals in rows}
    for p, a, variable, values in pending:  # oldest first: the latest pending save wins
        if p == post_id and a == actor_id:
            out[variable] = sorted(values)
    return out


def safe_link(url: object) -> str | None:
    """A link the page may make clickable: http(s) only (a `javascript:` link from the data stays text)."""
    if not isinstance(url, str):
        return None
    u = url.strip()
    return u if u[:8].lower().startswith(("http://", "https://")) and len(u) <= 4000 else None


def actors(ws: Workspace) -> list[tuple[int, str, str | None]]:
    """Registered actors (id, name, category), for adding a missed mention."""
    return ws.con.execute("SELECT actor_id, name, category FROM actors ORDER BY lower(name)").fetchall()


def my_samples(ws: Workspace, coder: str) -> list[dict]:
    """The samples where the coder has units: name, purpose, posts assigned to them."""
    rows = ws.con.execute("""
        SELECT a.sample, s.purpose, count(*) AS posts, max(a.assigned_at) AS assigned_at
        FROM assignments a JOIN samples s ON s.name = a.sample
        WHERE a.coder = ? AND a.released_at IS NULL GROUP BY ALL ORDER BY max(s.drawn_at), a.sample""",
                          [coder]).fetchall()
    return [dict(zip(("sample", "purpose", "posts", "assigned_at"), r)) for r in rows]


def coders(ws: Workspace) -> list[str]:
    """The users with role coder (assignments go to them; admins and coordinators may code too)."""
    return [r[0] for r in ws.con.execute("SELECT username FROM users WHERE role = 'coder' ORDER BY username").fetchall()]


def post_in_sample(ws: Workspace, sample: str, post_id: int) -> bool:
    return bool(ws.con.execute("SELECT count(*) FROM sample_posts WHERE sample = ? AND post_id = ?",
                               [sample, post_id]).fetchall()[0][0])

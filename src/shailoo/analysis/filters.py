"""Which posts an analysis looks at: one filter object shared by every analysis and command, and
the one default scope (the monitoring period) every analysis command and the report start from."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from shailoo.errors import UsageError
from shailoo.platforms import CATEGORIES, PLATFORMS

Names = str | tuple[str, ...] | list[str] | None


def names(value: Names) -> tuple[str, ...]:
    """A filter value as a tuple: None -> (), 'a' -> ('a',), ['a', 'b'] -> ('a', 'b')."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    return tuple(v for v in value if v and v.strip())


def _in(column: str, values: tuple) -> str:
    return f"{column} IN ({', '.join('?' for _ in values)})"


@dataclass(frozen=True)
class PostFilter:
    """Posts to analyse. platform, category and actor take one value or a tuple of values (any of
    them); actor matches a registered actor's name or one of its aliases, case-insensitively."""

    platform: Names = None
    period: str | None = None
    category: Names = None
    actor: Names = None
    start: date | None = None  # first local day included
    end: date | None = None    # last local day included

    @property
    def platforms(self) -> tuple[str, ...]:
        return names(self.platform)

    @property
    def categories(self) -> tuple[str, ...]:
        return names(self.category)

    @property
    def actors(self) -> tuple[str, ...]:
        return names(self.actor)

    def actor_ids(self, ws) -> tuple[int, ...]:
        """Registered actors named (by name or alias); a name that matches none is a usage error."""
        wanted = self.actors
        if not wanted:
            return ()
        found = ws.con.execute(
            """SELECT t.n, list(a.actor_id ORDER BY a.actor_id) FILTER (WHERE a.actor_id IS NOT NULL)
               FROM unnest(?::VARCHAR[]) AS t(n)
               LEFT JOIN actors a ON lower(a.name) = lower(trim(t.n))
                    OR list_contains(list_transform(coalesce(a.aliases, []), lambda x: lower(x)), lower(trim(t.n)))
               GROUP BY t.n""", [list(wanted)]).fetchall()
        missing = [n for n, ids in found if not ids]
        if missing:
            raise UsageError(f"No registered actor is named '{missing[0]}' (by name or alias); "
                             "see `shailoo actors list`.")
        return tuple(sorted({i for _, ids in found for i in ids}))

    def where(self, ws) -> tuple[str, list]:
        """Return an SQL condition over `posts_v` columns and its parameters."""
        clauses: list[str] = []
        params: list = []
        if self.platforms:
            bad = [p for p in self.platforms if p not in PLATFORMS]
            if bad:
                raise UsageError(f"Unknown platform '{bad[0]}'; use one of {', '.join(PLATFORMS)}.")
            clauses.append(_in("platform", self.platforms))
            params.extend(self.platforms)
        if self.period:
            start, end = period_bounds(ws, self.period)
            clauses.append("day BETWEEN ? AND ?")
            params.extend((start, end))
        if self.categories:
            bad = [c for c in self.categories if c not in CATEGORIES]
            if bad:
                raise UsageError(f"Unknown category '{bad[0]}'; use one of {', '.join(CATEGORIES)}.")
            clauses.append(_in("category", self.categories))
            params.extend(self.categories)
        if self.actors:
            ids = self.actor_ids(ws)
            clauses.append(_in("actor_id", ids))
            params.extend(ids)
        if self.start:
            clauses.append("day >= ?")
            params.append(self.start)
        if self.end:
            clauses.append("day <= ?")
            params.append(self.end)
        return (" AND ".join(clauses) or "TRUE"), params


def period_bounds(ws, name: str) -> tuple[date, date]:
    # fetchall, not fetchone: DuckDB 2 keeps a half-read result open and refuses con.sql() after it
    rows = ws.con.execute("SELECT start_date, end_date FROM periods WHERE name = ?", [name]).fetchall()
    if not rows:
        known = [r[0] for r in ws.con.execute("SELECT name FROM periods ORDER BY start_date").fetchall()]
        hint = f"known periods: {', '.join(known)}" if known else "add one with `shailoo periods add`"
        raise UsageError(f"There is no period '{name}' in this workspace; {hint}.")
    return rows[0][0], rows[0][1]


def periods_span(ws) -> tuple[date, date] | None:
    """The monitoring period: from the first period's start to the last period's end (None without periods)."""
    start, end = ws.con.execute("SELECT min(start_date), max(end_date) FROM periods").fetchall()[0]
    return (start, end) if start else None


def scoped(ws, flt: PostFilter | None = None, all_posts: bool = False) -> tuple[PostFilter, str]:
    """Apply the default scope and say it in one sentence.

    The default scope of every analysis command and of the report is the monitoring period (first
    period's start to last period's end) when the workspace has periods, else every post. A
    `--period`, `--since` or `--until` replaces it; `--all` (all_posts) takes every post.
    """
    flt = flt or PostFilter()
    fmt = "%d.%m.%Y"
    if flt.period:
        start, end = period_bounds(ws, flt.period)
        return flt, f"Scope: the period “{flt.period}”, {start:{fmt}} – {end:{fmt}}."
    if flt.start or flt.end:
        since = f"{flt.start:{fmt}}" if flt.start else "the first post"
        until = f"{flt.end:{fmt}}" if flt.end else "the last post"
        return flt, f"Scope: {since} – {until} (--since/--until)."
    span = None if all_posts else periods_span(ws)
    if span is None:
        why = "--all" if all_posts else "no periods are defined"
        return flt, f"Scope: every post ({why})."
    out = replace(flt, start=span[0], end=span[1])
    where, params = flt.where(ws)
    outside = ws.con.execute(
        f"""SELECT count(*) FROM posts_v WHERE {where} AND post_type NOT IN ('comment', 'reply')
            AND NOT (day BETWEEN ? AND ?)""", [*params, *span]).fetchall()[0][0]
    left = f"; {outside:,} posts outside it are left out (--all takes every post)" if outside else ""
    return out, (f"Scope: the monitoring period {span[0]:{fmt}} – {span[1]:{fmt}} (first period's start to "
                 f"last period's end){left}.")


def account_condition(ws, flt: PostFilter, platforms: tuple[str, ...]) -> tuple[str, list]:
    """SQL over accounts `a` and actors `ac` selecting accounts of `platforms` and of the filter's
    categories and actors (channels and groups are chosen by their accounts), and its parameters."""
    clauses = [f"a.platform IN ({', '.join('?' for _ in platforms)})"]
    params: list = list(platforms)
    if flt.categories:
        clauses.append(f"ac.category IN ({', '.join('?' for _ in flt.categories)})")
        params += list(flt.categories)
    if flt.actors:
        ids = flt.actor_ids(ws)
        clauses.append(f"a.actor_id IN ({', '.join('?' for _ in ids)})")
        params += list(ids)
    return " AND ".join(clauses), params

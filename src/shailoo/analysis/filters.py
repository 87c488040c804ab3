"""Which posts an analysis looks at: one filter object shared by every analysis and command."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shailoo.errors import UsageError
from shailoo.platforms import CATEGORIES, PLATFORMS


@dataclass(frozen=True)
class PostFilter:
    platform: str | None = None
    period: str | None = None
    category: str | None = None
    actor: str | None = None
    start: date | None = None  # first local day included
    end: date | None = None    # last local day included

    def where(self, ws) -> tuple[str, list]:
        """Return an SQL condition over `posts_v` columns and its parameters."""
        clauses: list[str] = []
        params: list = []
        if self.platform:
            if self.platform not in PLATFORMS:
                raise UsageError(f"Unknown platform '{self.platform}'; use one of {', '.join(PLATFORMS)}.")
            clauses.append("platform = ?")
            params.append(self.platform)
        if self.period:
            # fetchall, not fetchone: DuckDB 2 keeps a half-read result open and refuses con.sql() after it
            rows = ws.con.execute("SELECT start_date, end_date FROM periods WHERE name = ?", [self.period]).fetchall()
            row = rows[0] if rows else None
            if row is None:
                known = [r[0] for r in ws.con.execute("SELECT name FROM periods ORDER BY start_date").fetchall()]
                hint = f"known periods: {', '.join(known)}" if known else "add one with `shailoo periods add`"
                raise UsageError(f"There is no period '{self.period}' in this workspace; {hint}.")
            clauses.append("day BETWEEN ? AND ?")
            params.extend(row)
        if self.category:
            if self.category not in CATEGORIES:
                raise UsageError(f"Unknown category '{self.category}'; use one of {', '.join(CATEGORIES)}.")
            clauses.append("category = ?")
            params.append(self.category)
        if self.actor:
            clauses.append("lower(actor) = lower(?)")
            params.append(self.actor)
        if self.start:
            clauses.append("day >= ?")
            params.append(self.start)
        if self.end:
            clauses.append("day <= ?")
            params.append(self.end)
        return (" AND ".join(clauses) or "TRUE"), params


def periods_span(ws) -> tuple[date, date] | None:
    """The monitoring period: from the first period's start to the last period's end (None without periods)."""
    start, end = ws.con.execute("SELECT min(start_date), max(end_date) FROM periods").fetchall()[0]
    return (start, end) if start else None

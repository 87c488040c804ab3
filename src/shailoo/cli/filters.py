"""The post filter options every command that selects posts declares the same way (metrics, text
commands, results, report), and the one default scope they share (analysis.filters.scoped)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Optional

import typer

from shailoo.errors import UsageError

PeriodOpt = Annotated[Optional[str], typer.Option("--period", help="Only posts of this named period.")]
PlatformOpt = Annotated[Optional[list[str]], typer.Option(
    "--platform", help="Only posts of this platform (repeat, or separate by commas, for several).")]
CategoryOpt = Annotated[Optional[list[str]], typer.Option(
    "--category", help="Only actors of this category (repeat, or separate by commas, for several).")]
ActorOpt = Annotated[Optional[list[str]], typer.Option(
    "--actor", help="Only this actor, by name or any registered alias, any case (repeat for several).")]
SinceOpt = Annotated[Optional[str], typer.Option("--since", help="Only posts from this local day on (YYYY-MM-DD).")]
UntilOpt = Annotated[Optional[str], typer.Option("--until", help="Only posts up to this local day (YYYY-MM-DD).")]
AllOpt = Annotated[bool, typer.Option(
    "--all", help="Take every post; by default only the monitoring period (first period's start to last "
                  "period's end) when periods exist.")]


def _day(value: str | None, option: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"{option} must be a date like 2026-02-16, not '{value}'.") from None


def _split(values: list[str] | None) -> tuple[str, ...]:
    return tuple(v.strip() for item in values or () for v in item.split(",") if v.strip())


def post_filter(period: str | None = None, platform: list[str] | None = None, category: list[str] | None = None,
                actor: list[str] | None = None, since: str | None = None, until: str | None = None):
    """A PostFilter from the command-line options (no scope applied)."""
    from shailoo.analysis.filters import PostFilter

    start, end = _day(since, "--since"), _day(until, "--until")
    if start and end and start > end:
        raise UsageError(f"--since {start} is after --until {end}.")
    actors = tuple(a.strip() for a in actor or () if a.strip())  # names may hold commas: never split
    return PostFilter(platform=_split(platform) or None, period=period, category=_split(category) or None,
                      actor=actors or None, start=start, end=end)


def scoped_filter(ws, period=None, platform=None, category=None, actor=None, since=None, until=None,
                  all_posts: bool = False):
    """(PostFilter with the default scope applied, the sentence stating the scope)."""
    from shailoo.analysis.filters import scoped

    if all_posts and (period or since or until):
        raise UsageError("--all takes every post; do not combine it with --period, --since or --until.")
    return scoped(ws, post_filter(period, platform, category, actor, since, until), all_posts)


def join_notes(*notes: str | None) -> str | None:
    """Notes printed under a table, in order, the empty ones left out."""
    kept = [n for n in notes if n]
    return " ".join(kept) if kept else None

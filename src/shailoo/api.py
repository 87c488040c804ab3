"""What the public functions of `shailoo.metrics` and `shailoo.texts` share: the post selection.

Every function takes the same keyword filters as the command line (docs/cli.md) and the same
default scope: the monitoring period (first period's start to last period's end) when periods
exist, every post with `all_posts=True`.
"""

from __future__ import annotations

from datetime import date
from typing import Sequence

from shailoo.analysis.filters import PostFilter, scoped
from shailoo.errors import UsageError
from shailoo.store.workspace import Workspace

Names = str | Sequence[str] | None


def _names(value: Names) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else list(value)
    return tuple(v.strip() for v in items if v and v.strip()) or None


def _day(value: date | str | None, name: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{name} must be a date like 2026-02-16, not '{value}'.") from None


def select(ws: Workspace, *, period: str | None = None, platform: Names = None, category: Names = None,
           actor: Names = None, since: date | str | None = None, until: date | str | None = None,
           all_posts: bool = False) -> tuple[PostFilter, str]:
    """The posts an analysis covers, and the sentence stating that scope.

    Args:
        ws: an open workspace (`shailoo.open(DIR)`).
        period: a named period of the workspace.
        platform, category, actor: one name or a list (actors by name or any alias).
        since, until: local days, inclusive (`date` or "YYYY-MM-DD").
        all_posts: every post instead of the monitoring period.
    """
    if all_posts and (period or since or until):
        raise UsageError("all_posts takes every post; do not combine it with period, since or until.")
    flt = PostFilter(platform=_names(platform), period=period, category=_names(category), actor=_names(actor),
                     start=_day(since, "since"), end=_day(until, "until"))
    return scoped(ws, flt, all_posts)

"""Monitoring tables as Arrow tables, for notebooks and scripts (the CLI's `shailoo metrics`).

>>> import shailoo, shailoo.metrics
>>> ws = shailoo.open("kg2026")
>>> shailoo.metrics.posts(ws, by="actor").to_pylist()[:3]

Every function takes the filters of `shailoo.api.select` as keywords (`period`, `platform`,
`category`, `actor`, `since`, `until`, `all_posts`) and covers the monitoring period by default.
Unknown counts are null, never 0 (docs/metrics.md).
"""

from __future__ import annotations

from typing import Sequence

import pyarrow as pa

from shailoo.api import select
from shailoo.store.workspace import Workspace

__all__ = ["posts", "interactions", "top_posts", "compare_periods", "compare_platforms"]


def posts(ws: Workspace, by: str | Sequence[str] = "actor", **filters) -> pa.Table:
    """Count posts and their interactions per group.

    Args:
        ws: an open workspace.
        by: actor, category, platform, period, week or day, or several ("actor,week" or a list).
        **filters: see `shailoo.api.select`.

    Returns:
        One row per group: posts, interactions, averages, shares and rates, with a *_unknown column
        for each count saying how many posts it leaves out.
    """
    from shailoo.analysis import metrics

    flt, _ = select(ws, **filters)
    return metrics.posts(ws, flt, by)


def interactions(ws: Workspace, by: str | Sequence[str] = "actor", **filters) -> pa.Table:
    """Sum interactions per group, by type (reactions and Facebook's kinds, comments, shares) and views.

    Args:
        ws: an open workspace.
        by: as in `posts`.
        **filters: see `shailoo.api.select`.
    """
    from shailoo.analysis import metrics

    flt, _ = select(ws, **filters)
    return metrics.interactions(ws, flt, by)


def top_posts(ws: Workspace, n: int = 5, by: str | Sequence[str] = ("category", "platform"),
              full_text: bool = False, **filters) -> pa.Table:
    """List the `n` posts with the most interactions per group, with day, actor, excerpt, link and counts.

    Args:
        ws: an open workspace.
        n: posts per group.
        by: category, platform and/or actor.
        full_text: whole texts instead of excerpts (for a coding sample).
        **filters: see `shailoo.api.select`. Posts whose interactions are unknown are not ranked.
    """
    from shailoo.analysis.metrics_rank import top_posts as _top

    flt, _ = select(ws, **filters)
    return _top(ws, flt, n=n, per=by, full_text=full_text)


def compare_periods(ws: Workspace, periods: tuple[str, str] | None = None, by: str = "category",
                    **filters) -> pa.Table:
    """Compare posts and interactions of two periods per group (default: the first two periods).

    Args:
        ws: an open workspace.
        periods: the names of the two periods, (A, B).
        by: the grouping.
        **filters: platform, category, actor (each period is taken whole).
    """
    from shailoo.analysis.metrics_compare import period_comparison

    flt, _ = select(ws, all_posts=True, **filters)
    return period_comparison(ws, flt, by, periods=periods)


def compare_platforms(ws: Workspace, platforms: tuple[str, str], by: str = "actor", **filters) -> pa.Table:
    """Compare two platforms for the actors with accounts on both (interactions ratio A ÷ B).

    Args:
        ws: an open workspace.
        platforms: the two platforms, e.g. ("instagram", "facebook").
        by: the grouping.
        **filters: see `shailoo.api.select`.
    """
    from shailoo.analysis.metrics_compare import platform_comparison

    flt, _ = select(ws, **filters)
    return platform_comparison(ws, flt, by=by, platforms=tuple(platforms))

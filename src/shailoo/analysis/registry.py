"""The metrics shailoo offers, each a declared unit: a name, a one-line description starting with
a verb, and a function `(ws, PostFilter, **options) -> pyarrow.Table` without side effects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pyarrow as pa

from shailoo.analysis import metrics, metrics_compare, metrics_rank, results


@dataclass(frozen=True)
class Metric:
    name: str
    description: str
    function: Callable[..., pa.Table]
    options: dict = field(default_factory=dict)  # defaults a plain run uses
    needs: str | None = None  # what the workspace must hold for the metric to apply ('periods', 'results')


METRICS: tuple[Metric, ...] = (
    Metric("posts", "Count posts and their interactions per actor, category, platform, period, week or day.",
           metrics.posts, {"by": "actor"}),
    Metric("interactions", "Sum interactions per group, broken down by type, with views, averages and rates.",
           metrics.interactions, {"by": "actor"}),
    Metric("reactions", "Sum reactions per kind (like, love, … or emoji) per group.",
           metrics.reaction_breakdown, {"by": "platform"}),
    Metric("overview", "Total posts and interactions per platform and category with averages and shares.",
           metrics_rank.overview),
    Metric("rankings", "Rank the most active and most engaging actors per platform and category.",
           metrics_rank.rankings, {"n": 5}),
    Metric("top", "List the top posts by interactions per category and platform with counts by type.",
           metrics_rank.top_posts, {"n": 5, "per": ("category", "platform")}),
    Metric("coding-sample", "Export the top 200 posts per category, full text, for coding by hand.",
           metrics_rank.top_posts, {"n": 200, "per": "category", "full_text": True}),
    Metric("compare-periods", "Compare posts and interactions of two periods (pre-campaign vs campaign).",
           metrics_compare.period_comparison, {"by": "category"}, needs="periods"),
    Metric("last-week", "Count posts and interactions in the seven days before a date (default: election day).",
           metrics_compare.last_week, {"by": "category"}),
    Metric("compare-platforms", "Compare two platforms for the same actors (interactions ratio a ÷ b).",
           metrics_compare.platform_comparison, {"by": "actor"}),
    Metric("popularity", "Set followers, posts and interactions shares beside vote shares.",
           results.popularity_vs_results, needs="results"),
)


def get(name: str) -> Metric:
    for m in METRICS:
        if m.name == name:
            return m
    raise KeyError(name)

"""Unknown is not zero: every metric on posts whose counts are partly unknown, against answers
computed by hand (the posts are described in tests/analysis/unknown_fixture.py).

Telegram: Кабар 71 (reactions 10, forwards 5, replies 3, views 1000 → interactions 18) and 72
(no snapshot); Канал Б 2 and 3 (reactions 7 and 4 only: forwards, replies, views unknown, so
interactions unknown); Тихий has no posts. Facebook/Instagram as in test_metrics.py (all known).
"""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from shailoo.analysis import metrics, metrics_compare, metrics_rank
from shailoo.analysis.filters import PostFilter
from shailoo.analysis.registry import METRICS
from tests.analysis.unknown_fixture import build_unknown_fixture

TG = PostFilter(platform="telegram")


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    ws = build_unknown_fixture(tmp_path_factory.mktemp("unknown") / "ws", results=True)
    yield ws
    ws.close()


def rows(table, key="actor"):
    return {r[key]: r for r in table.to_pylist()}


def test_per_actor_known_unknown_and_real_zero(ws):
    t = rows(metrics.activity(ws, TG, "actor"))
    k, b, q = t["Кабар"], t["Канал Б"], t["Тихий"]
    assert (k["posts"], k["interactions"], k["interactions_unknown"]) == (2, 18, 1)
    assert (k["reactions"], k["reactions_unknown"], k["comments"], k["shares"]) == (10, 1, 3, 5)
    assert (k["views"], k["views_unknown"], k["avg_views"]) == (1000, 1, 1000.0)
    assert k["avg_interactions"] == 18.0  # over the one measured post, not 18 / 2
    # Канал Б: a post whose counts are unknown still counts as a post
    assert (b["posts"], b["interactions"], b["interactions_unknown"]) == (2, None, 2)
    assert (b["reactions"], b["reactions_unknown"]) == (11, 0)
    assert (b["comments"], b["shares"], b["views"], b["views_unknown"]) == (None, None, None, 2)
    assert b["avg_interactions"] is None and b["avg_views"] is None
    assert b["interactions_share_pct"] is None and k["interactions_share_pct"] == 100.0
    assert b["posts_share_pct"] == 50.0
    # an actor without posts: posts and sums are real zeros, averages are unknown
    assert (q["posts"], q["interactions"], q["interactions_unknown"], q["views"]) == (0, 0, 0, 0)
    assert q["avg_interactions"] is None and q["avg_views"] is None


def test_per_category_platform_week(ws):
    cat = rows(metrics.posts(ws, TG, "category"), "category")["media"]
    assert (cat["posts"], cat["interactions"], cat["interactions_unknown"], cat["avg_interactions"]) == (4, 18, 3, 18.0)
    assert (cat["views"], cat["views_unknown"]) == (1000, 3)
    plat = rows(metrics.posts(ws, PostFilter(), "platform"), "platform")
    assert (plat["telegram"]["interactions"], plat["telegram"]["interactions_unknown"]) == (18, 3)
    assert (plat["facebook"]["interactions"], plat["facebook"]["interactions_unknown"]) == (1129, 0)
    # Instagram has no shares, but shares are no part of its interactions
    assert (plat["instagram"]["interactions"], plat["instagram"]["interactions_unknown"]) == (1370, 0)
    week = metrics.posts(ws, TG, "week").to_pylist()
    assert [(r["week"], r["posts"], r["interactions"], r["interactions_unknown"]) for r in week] == \
        [(date(2021, 1, 4), 4, 18, 3)]
    react = rows(metrics.activity(ws, TG, "actor,week"))["Канал Б"]
    assert (react["posts"], react["interactions"], react["reactions"]) == (2, None, 11)


def test_overview(ws):
    o = [r for r in metrics_rank.overview(ws, PostFilter()).to_pylist() if r["platform"] == "telegram"]
    assert len(o) == 1
    m = o[0]
    assert (m["actors"], m["posts"], m["interactions"], m["interactions_unknown"]) == (2, 4, 18, 3)
    assert (m["views"], m["views_unknown"]) == (1000, 3)
    assert m["interactions_share_pct"] == 100.0


def test_rankings_and_top_posts_leave_unknown_out(ws):
    rk = [r for r in metrics_rank.rankings(ws, TG).to_pylist() if r["ranking"] == "most engaging"]
    assert [(r["actor"], r["rank"], r["interactions"], r["interactions_unknown"]) for r in rk] == [("Кабар", 1, 18, 1)]
    active = [(r["actor"], r["rank"], r["posts"]) for r in metrics_rank.rankings(ws, TG).to_pylist()
              if r["ranking"] == "most active"]
    assert active == [("Кабар", 1, 2), ("Канал Б", 1, 2)]
    top = metrics_rank.top_posts(ws, TG, n=5, per="platform").to_pylist()
    assert [(r["platform_post_id"][-2:], r["interactions"], r["views"]) for r in top] == [("71", 18, 1000)]


def test_comparisons(ws):
    t = rows(metrics_compare.period_comparison(ws, TG, "category"), "category")["media"]
    assert (t["posts_a"], t["interactions_a"], t["posts_b"], t["interactions_b"]) == (0, 0, 4, 18)
    assert (t["interactions_unknown_a"], t["interactions_unknown_b"]) == (0, 3)
    lw = rows(metrics_compare.last_week(ws, TG, "category"), "category")["media"]
    assert (lw["posts"], lw["interactions"], lw["interactions_unknown"]) == (4, 18, 3)


def test_platform_comparison_by_category_uses_actors_on_both(ws):
    t = rows(metrics_compare.platform_comparison(ws, PostFilter(), "category", ("instagram", "facebook")), "category")
    # candidates on both platforms: only Жапаров (IG 1050, FB 532); Мадумаров and Исаев are Facebook-only
    assert set(t) == {"candidate", "media"}
    assert (t["candidate"]["actors"], t["candidate"]["interactions_a"], t["candidate"]["interactions_b"]) == (1, 1050, 532)
    assert t["candidate"]["interactions_ratio"] == round(1050 / 532, 2)
    assert t["media"]["interactions_ratio"] == round(320 / 500, 2)


def test_unknown_counts_per_platform(ws):
    t = rows(metrics.unknown_counts(ws), "platform")
    assert t["telegram"] == {"platform": "telegram", "posts": 4, "no_snapshot": 1, "interactions_unknown": 3,
                             "reactions_unknown": 1, "comments_unknown": 3, "shares_unknown": 3, "views_unknown": 3,
                             "interactions_unknown_pct": 75.0}
    assert t["facebook"]["interactions_unknown"] == 0 and t["instagram"]["shares_unknown"] == 2


@pytest.mark.parametrize("metric", METRICS, ids=[m.name for m in METRICS])
def test_no_metric_reports_a_zero_for_канал_б(ws, metric):
    """Канал Б's interactions and views are unknown: no metric may show them as 0."""
    table = metric.function(ws, PostFilter(platform="telegram", actor="Канал Б"), **metric.options)
    assert isinstance(table, pa.Table)
    for row in table.to_pylist():
        for col in ("interactions", "views", "interactions_b", "avg_interactions", "avg_views",
                    "interactions_share_pct"):
            if col in row and row.get("posts", row.get("posts_b", 1)):
                assert row[col] != 0, (metric.name, col, row)


def test_screen_tables_show_the_unknown_counts_beside_the_figures():
    from shailoo.cli.metrics_commands import SHOWN

    assert "interactions_unknown" in SHOWN["posts"] and "interactions_unknown" in SHOWN["interactions"]

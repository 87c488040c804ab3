"""Metrics against answers computed by hand on tests/data/metrics (see its README).

Chosen snapshots (rule: first measured ≥ 72 h after posting, else the latest, flagged):
Facebook, interactions = reactions + comments + shares
  Жапаров  1001 14.12 23:30 KGT  export 02.01 → 110+20+5 = 135   (pre-campaign, local day 14.12)
           1002 15.12 00:30 KGT  export 02.01 →  55+10+2 =  67   (campaign; 14.12 in UTC)
           1003 31.12 12:00 KGT  export 12.01 → 210+30+10 = 250  (02.01 is only 48 h after)
           1004 09.01 22:00 KGT  export 12.01 →  70+7+3  =  80   (62 h: early, flagged)
  Мадумаров 2001 10.12 → 30+3+1 = 34;  2002 05.01 → 44+6+2 = 52
  Ата Мекен 4001 20.12 → 10+1+0 = 11;  Kloop 5001 08.01 → 420+60+20 = 500;  Исаев: no posts
Instagram, interactions = likes + comments: Жапаров 1000+50 = 1050;  Kloop 300+20 = 320
"""

from __future__ import annotations

from datetime import date

import pytest

from shailoo.analysis import metrics, metrics_compare, metrics_rank
from shailoo.analysis.filters import PostFilter
from shailoo.analysis.snapshot import materialized, snapshot_coverage
from shailoo.errors import UsageError
from tests.report.fixture_workspace import build_fixture


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    ws = build_fixture(tmp_path_factory.mktemp("metrics") / "ws")
    yield ws
    ws.close()


def rows(table, key="actor"):
    return {r[key]: r for r in table.to_pylist()}


def test_posts_per_actor_on_facebook_include_actor_without_posts(ws):
    t = rows(metrics.posts(ws, PostFilter(platform="facebook"), "actor"))
    assert set(t) == {"Садыр Жапаров", "Адахан Мадумаров", "Канатбек Исаев", "Ата Мекен", "Kloop"}
    assert (t["Садыр Жапаров"]["posts"], t["Садыр Жапаров"]["interactions"]) == (4, 135 + 67 + 250 + 80)
    assert (t["Адахан Мадумаров"]["posts"], t["Адахан Мадумаров"]["interactions"]) == (2, 86)
    assert (t["Канатбек Исаев"]["posts"], t["Канатбек Исаев"]["interactions"]) == (0, 0)
    assert t["Канатбек Исаев"]["category"] == "candidate"
    # share of the category's total
    assert t["Садыр Жапаров"]["posts_share_pct"] == pytest.approx(66.67)
    assert t["Садыр Жапаров"]["interactions_share_pct"] == pytest.approx(round(100 * 532 / 618, 2))
    assert t["Kloop"]["posts_share_pct"] == 100.0


def test_interaction_types_and_rate(ws):
    t = rows(metrics.interactions(ws, PostFilter(platform="facebook", category="candidate"), "actor"))
    j = t["Садыр Жапаров"]
    assert (j["reactions"], j["comments"], j["shares"]) == (110 + 55 + 210 + 70, 20 + 10 + 30 + 7, 5 + 2 + 10 + 3)
    assert (j["likes"], j["love"], j["haha"], j["angry"]) == (100 + 50 + 200 + 70, 10, 10, 5)
    assert j["views"] == 1000 + 3000
    assert j["avg_interactions"] == 133.0
    # mean of interactions ÷ followers at posting (10,000) over the four posts, in percent
    assert j["interaction_rate_pct"] == pytest.approx((135 + 67 + 250 + 80) / 4 / 10000 * 100, abs=1e-3)
    assert j["posts_early_snapshot"] == 1
    assert set(t) == {"Садыр Жапаров", "Адахан Мадумаров", "Канатбек Исаев"}


def test_instagram_counts_likes_and_comments(ws):
    t = rows(metrics.activity(ws, PostFilter(platform="instagram"), "actor"))
    assert t["Садыр Жапаров"]["interactions"] == 1050
    assert t["Kloop"]["interactions"] == 320
    assert t["Адахан Мадумаров"]["has_account"] is False and t["Адахан Мадумаров"]["posts"] == 0


def test_actor_on_two_platforms(ws):
    t = metrics.activity(ws, PostFilter(), "actor,platform").to_pylist()
    j = {r["platform"]: r["interactions"] for r in t if r["actor"] == "Садыр Жапаров"}
    assert j == {"facebook": 532, "instagram": 1050}
    total = rows(metrics.posts(ws, PostFilter(), "actor"))["Садыр Жапаров"]
    assert (total["posts"], total["interactions"]) == (5, 1582)


def test_period_boundary_and_midnight_in_bishkek(ws):
    pre = rows(metrics.posts(ws, PostFilter(platform="facebook", period="pre-campaign"), "actor"))
    camp = rows(metrics.posts(ws, PostFilter(platform="facebook", period="campaign"), "actor"))
    # 1001 (23:30 on the 14th) is pre-campaign; 1002 (00:30 on the 15th, still the 14th in UTC) is campaign
    assert pre["Садыр Жапаров"]["posts"] == 1 and pre["Садыр Жапаров"]["interactions"] == 135
    assert camp["Садыр Жапаров"]["posts"] == 3 and camp["Садыр Жапаров"]["interactions"] == 67 + 250 + 80


def test_per_week_and_day(ws):
    weeks = {r["week"]: r["posts"] for r in metrics.posts(ws, PostFilter(platform="facebook"), "week").to_pylist()}
    assert weeks == {date(2020, 12, 7): 1, date(2020, 12, 14): 3, date(2020, 12, 28): 1, date(2021, 1, 4): 3}
    days = {r["day"]: r["posts"] for r in metrics.posts(ws, PostFilter(actor="Садыр Жапаров"), "day").to_pylist()}
    assert days[date(2020, 12, 14)] == 1 and days[date(2020, 12, 15)] == 1


def test_per_category_and_platform(ws):
    cats = rows(metrics.posts(ws, PostFilter(platform="facebook"), "category"), "category")
    assert {c: r["posts"] for c, r in cats.items()} == {"candidate": 6, "party": 1, "media": 1}
    assert cats["candidate"]["posts_share_pct"] == 75.0
    plats = rows(metrics.posts(ws, PostFilter(), "platform"), "platform")
    assert plats["facebook"]["interactions"] == 618 + 11 + 500
    assert plats["instagram"]["interactions"] == 1370


def test_snapshot_rule_and_coverage(ws):
    cov = rows(snapshot_coverage(ws), "platform")
    assert cov["facebook"] == {"platform": "facebook", "posts": 8, "snapshot_ok": 7, "snapshot_early": 1,
                               "no_snapshot": 0}
    with materialized(ws):  # the cached per-post table gives the same numbers
        assert rows(metrics.posts(ws, PostFilter(), "actor"))["Садыр Жапаров"]["interactions"] == 1582


def test_period_comparison(ws):
    t = rows(metrics_compare.period_comparison(ws, PostFilter(platform="facebook"), "category"), "category")
    c = t["candidate"]
    assert (c["posts_a"], c["posts_b"], c["posts_b_pct"]) == (2, 4, 66.7)
    assert c["interactions_b"] == 67 + 250 + 80 + 52


def test_last_week_before_election_day(ws):
    t = metrics_compare.last_week(ws, PostFilter(platform="facebook"), "category")
    got = {r["category"]: r["posts"] for r in t.to_pylist()}
    assert got["candidate"] == 2 and got["media"] == 1  # 05.01 and 09.01; Kloop 08.01
    assert t["from_day"][0].as_py() == date(2021, 1, 3) and t["to_day"][0].as_py() == date(2021, 1, 9)


def test_platform_comparison(ws):
    t = rows(metrics_compare.platform_comparison(ws, PostFilter(), "actor", ("instagram", "facebook")))
    assert set(t) == {"Садыр Жапаров", "Kloop"}
    assert t["Садыр Жапаров"]["interactions_ratio"] == round(1050 / 532, 2)


def test_rankings_and_top_posts(ws):
    rk = metrics_rank.rankings(ws, PostFilter(platform="facebook", category="candidate"))
    first = [r["actor"] for r in rk.to_pylist() if r["rank"] == 1]
    assert first == ["Садыр Жапаров", "Садыр Жапаров"]
    top = metrics_rank.top_posts(ws, PostFilter(), n=2, per=("category", "platform")).to_pylist()
    fb_cand = [r for r in top if r["category"] == "candidate" and r["platform"] == "facebook"]
    assert [r["interactions"] for r in fb_cand] == [250, 135]
    assert fb_cand[0]["url"] == "https://www.facebook.com/111/posts/1003"
    assert fb_cand[0]["day"] == date(2020, 12, 31) and fb_cand[0]["excerpt"] == "Жаңы жылыңыздар менен!"
    sample = metrics_rank.top_posts(ws, PostFilter(), n=200, per="category", full_text=True)
    assert sample.num_rows == 10 and "text" in sample.column_names


def test_reaction_breakdown(ws):
    t = {r["reaction"]: r["count"] for r in metrics.reaction_breakdown(ws, PostFilter(platform="facebook"), "platform").to_pylist()}
    assert t["love"] == 10 and t["angry"] == 5 and t["sad"] == 20 and t["care"] == 4


def test_bad_dimension_is_a_usage_error(ws):
    with pytest.raises(UsageError, match="--by"):
        metrics.posts(ws, PostFilter(), "colour")


def test_filter_by_day_range(tmp_path):
    from datetime import date

    from shailoo.analysis.filters import PostFilter, periods_span
    from tests.report.fixture_workspace import build_fixture

    ws = build_fixture(tmp_path / "w")
    assert periods_span(ws) == (date(2020, 12, 1), date(2021, 1, 9))
    where, params = PostFilter(start=date(2020, 12, 15), end=date(2020, 12, 31)).where(ws)
    assert ws.con.execute(f"SELECT count(*) FROM posts_v WHERE {where}", params).fetchall()[0][0] == 4
    ws.close()

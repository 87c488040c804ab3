"""Channels compared (seed 003's Table 1): hand-computed subscribers, growth, weeks, top videos per
topic; a channel measured once says growth cannot be computed."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from shailoo.analysis.channels import channel_weeks, channels, top_videos_by_topic
from shailoo.analysis.filters import PostFilter
from shailoo.errors import UsageError
from tests.analysis.channels_fixture import actor, at, followers, post, snapshot


def day(d: int, hour: int = 0) -> datetime:
    return datetime(2024, 3, d, hour, tzinfo=timezone.utc)


@pytest.fixture
def ws(workspace):
    actor(workspace, "Аблязов", "politician", [("youtube", "UC1")])
    actor(workspace, "Nur", "party", [("youtube", "UC2")])
    workspace.con.execute("UPDATE accounts SET name = 'Канал Один' WHERE account_id = 'UC1'")
    followers(workspace, "youtube", "UC1", day(1), 1000, 50_000, 10)
    followers(workspace, "youtube", "UC1", day(9), 1200, 60_000, 12)
    followers(workspace, "youtube", "UC2", day(2), 500, 7_000, 3)
    v1 = post(workspace, "youtube", "v1", "UC1", at(0), "Выборы и президент")  # 01.03, week of 26.02
    snapshot(workspace, v1, at(80), views=300, likes=10, comments=1)
    post(workspace, "youtube", "v2", "UC1", day(5), "Выборы снова")  # 05.03, week of 04.03, never measured
    v3 = post(workspace, "youtube", "v3", "UC2", day(2), "Работа и зарплата")
    snapshot(workspace, v3, day(6), views=50, likes=2, comments=0)
    post(workspace, "telegram", "100/1", "100", day(3), "Пост канала")  # a channel never measured
    workspace.con.execute("UPDATE accounts SET name = 'Канал ТГ' WHERE account_id = '100'")
    return workspace


def test_channels_compared(ws):
    rows = {r["channel"]: r for r in channels(ws).to_pylist()}
    one = rows["Канал Один"]
    assert (one["subscribers"], one["views"], one["total_posts"], one["posts"], one["post_views"],
            one["post_views_unknown"]) == (1200, 60_000, 12, 2, 300, 1)
    assert (one["subscriber_growth"], one["subscriber_growth_pct"], one["snapshots"], one["note"]) == (200, 20.0, 2, None)
    assert one["first_post"] == at(0) and one["actor"] == "Аблязов"
    nur = rows["UC2"]
    assert nur["subscribers"] == 500 and nur["subscriber_growth"] is None and nur["subscriber_growth_pct"] is None
    assert nur["note"] == "one subscriber count (2024-03-02): growth cannot be computed"
    tg = rows["Канал ТГ"]
    assert tg["subscribers"] is None and tg["posts"] == 1
    assert tg["note"] == "no follower snapshot: subscribers, views and growth unknown"
    assert list(rows) == ["Канал Один", "UC2", "Канал ТГ"]  # by subscribers, unknown last


def test_channel_filters(ws):
    assert [r["channel"] for r in channels(ws, PostFilter(platform="telegram")).to_pylist()] == ["Канал ТГ"]
    assert [r["channel"] for r in channels(ws, PostFilter(category="party")).to_pylist()] == ["UC2"]
    with pytest.raises(UsageError, match="No registered actor"):
        channels(ws, PostFilter(actor="nobody"))


def test_weeks(ws):
    rows = [r for r in channel_weeks(ws).to_pylist() if r["channel"] == "Канал Один"]
    assert [(r["week"], r["subscribers"], r["subscriber_change"], r["views"], r["posts"], r["post_views"],
             r["post_views_unknown"]) for r in rows] == [
        (date(2024, 2, 26), 1000, None, 50_000, 1, 300, 0),
        (date(2024, 3, 4), 1200, 200, 60_000, 1, None, 1)]


def test_top_videos_per_topic(ws):
    table, unknown = top_videos_by_topic(ws, n=5)
    rows = [(r["topic"], r["rank"], r["title"], r["views"]) for r in table.to_pylist()]
    assert ("politics_elections", 1, "Выборы и президент", 300) in rows
    assert ("work", 1, "Работа и зарплата", 50) in rows
    assert unknown == 1  # v2 is about elections but was never measured: left out, counted

"""What is due: readings at the workspace's ages, once each, never after the grace."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from shailoo.collect.base import Account
from shailoo.collect.schedule import collect_config, parse_age, plan, readings_due
from shailoo.errors import ConfigError

T0 = datetime(2024, 5, 1, tzinfo=timezone.utc)
AGES = [timedelta(hours=24), timedelta(hours=72), timedelta(days=7)]
GRACE = timedelta(days=3)
ACCOUNT = Account("vk", 1, "-5", "party")


def _post(ws, pid: str, created: datetime, account: str = "-5", snapshots=()) -> None:
    post_id = ws.con.execute("""INSERT INTO posts (platform, platform_post_id, account_id, created_at)
                                VALUES ('vk', ?, ?, ?) RETURNING post_id""", [pid, account, created]).fetchone()[0]
    for at in snapshots:
        ws.con.execute("INSERT INTO engagement_snapshots (post_id, measured_at, likes) VALUES (?, ?, 1)", [post_id, at])


@pytest.mark.parametrize("hours_since, snapshots_at, due", [
    (10, [], False),            # no age passed yet
    (25, [], True),             # 24 h passed, never read
    (25, [24.5], False),        # read after 24 h
    (30, [23], True),           # read before 24 h only
    (73, [25], True),           # 72 h passed, last read at 25 h
    (80, [74], False),
    (24 * 7 + 1, [74], True),   # 7 days
    (24 * 10 - 1, [74], True),  # within the grace
    (24 * 10 + 1, [74], False),  # past the last age + grace: never again
])
def test_a_reading_is_due_when_an_age_passed_without_a_snapshot_after_it(workspace, hours_since, snapshots_at, due):
    _post(workspace, "-5_1", T0, snapshots=[T0 + timedelta(hours=h) for h in snapshots_at])
    now = T0 + timedelta(hours=hours_since)
    assert (readings_due(workspace, ACCOUNT, None, now, AGES, GRACE) == ["-5_1"]) is due


def test_readings_are_of_this_accounts_posts_only(workspace):
    _post(workspace, "-5_1", T0)
    _post(workspace, "-6_1", T0, account="-6")
    workspace.con.execute("INSERT INTO posts (platform, platform_post_id, account_id, post_type, created_at) "
                          "VALUES ('vk', '-5_9', 'p_x', 'comment', ?)", [T0])
    assert readings_due(workspace, ACCOUNT, None, T0 + timedelta(hours=30), AGES, GRACE) == ["-5_1"]
    by_cursor = Account("vk", 1, None, "other")
    assert readings_due(workspace, by_cursor, {"account_id": "-6"}, T0 + timedelta(hours=30), AGES, GRACE) == ["-6_1"]


def test_config_ages(workspace):
    assert collect_config(workspace) == (AGES, GRACE)
    cfg = workspace.path / "shailoo.toml"
    cfg.write_text(cfg.read_text() + '\n[collect]\nreading_ages = ["7d", 6, "90m"]\nreading_grace = "1d"\n')
    assert collect_config(workspace) == ([timedelta(minutes=90), timedelta(hours=6), timedelta(days=7)],
                                         timedelta(days=1))


@pytest.mark.parametrize("bad", ["soon", "-1h", "0h", "400d", True, None])
def test_bad_ages_are_one_sentence(bad):
    with pytest.raises(ConfigError, match="collect.reading_ages"):
        parse_age(bad, "reading_ages")


def test_plan_lists_registered_accounts_with_cursor(workspace):
    workspace.con.execute("INSERT INTO actors (actor_id, name, category) VALUES (1, 'P', 'party')")
    workspace.con.execute("INSERT INTO actor_accounts VALUES (1, 'vk', '-5', NULL, NULL), (1, 'youtube', NULL, 'chan', NULL)")
    due = plan(workspace, T0, ["vk"])
    assert [d.account.label for d in due] == ["vk:-5"] and due[0].cursor is None

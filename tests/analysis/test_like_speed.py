"""Speed of receiving likes: hand-computed counts at 24 h, interpolation marked, no curve invented."""

from __future__ import annotations

import pytest

from shailoo.analysis.like_speed import like_curve, like_speed
from shailoo.errors import UsageError
from tests.analysis.channels_fixture import at, post, snapshot


@pytest.fixture
def ws(workspace):
    a = post(workspace, "youtube", "A", "UC1", at(0), "A")
    snapshot(workspace, a, at(12), likes=60)
    snapshot(workspace, a, at(36), likes=120)          # 24 h: 60 + 60·12/24 = 90 → 3.75/h, interpolated
    b = post(workspace, "youtube", "B", "UC1", at(1), "B")
    snapshot(workspace, b, at(25), likes=48)           # exactly 24 h after: 48 → 2.0/h, measured
    snapshot(workspace, b, at(49), likes=100)
    c = post(workspace, "youtube", "C", "UC1", at(2), "C")
    snapshot(workspace, c, at(32), likes=500)          # one snapshot: no curve
    d = post(workspace, "youtube", "D", "UC1", at(3), "D")
    snapshot(workspace, d, at(33), likes=10)
    snapshot(workspace, d, at(53), likes=20)           # none before 24 h
    e = post(workspace, "youtube", "E", "UC1", at(4), "E")
    snapshot(workspace, e, at(6), likes=1)
    snapshot(workspace, e, at(14), likes=2)            # none after 24 h
    post(workspace, "youtube", "F", "UC1", at(5), "F")  # never measured
    g = post(workspace, "telegram", "1/7", "1", at(0), "G")
    snapshot(workspace, g, at(6), reactions=10)
    snapshot(workspace, g, at(30), reactions=40)       # reactions at 24 h: 10 + 30·18/24 = 32.5
    return workspace


def rows(table):
    return {r["text"]: r for r in table.to_pylist()}


def test_speed_hand_computed(ws):
    r = rows(like_speed(ws, hours=24))
    assert r["A"]["value_at_n"] == 90 and r["A"]["per_hour"] == 3.75 and r["A"]["basis"] == "interpolated"
    assert (r["A"]["before_h"], r["A"]["before_value"], r["A"]["after_h"], r["A"]["after_value"]) == (12, 60, 36, 120)
    assert r["B"]["value_at_n"] == 48 and r["B"]["per_hour"] == 2.0 and r["B"]["basis"] == "measured"
    assert (r["A"]["rank"], r["B"]["rank"]) == (1, 2)
    for key in "CDEFG":
        assert r[key]["per_hour"] is None and r[key]["rank"] is None and r[key]["basis"] is None
    assert r["C"]["reason"] == "one snapshot only (at 30.0 h): no curve"
    assert r["D"]["reason"] == "no snapshot before 24.0 h (first at 30.0 h)"
    assert r["E"]["reason"] == "no snapshot at or after 24.0 h (last at 10.0 h)"
    assert r["F"]["reason"] == "no snapshot" and r["F"]["snapshots"] == 0
    assert r["G"]["reason"] == "the snapshots do not give likes"
    assert [x["text"] for x in like_speed(ws).to_pylist()][:2] == ["A", "B"]  # ranked, unknown last


def test_other_measure(ws):
    g = rows(like_speed(ws, hours=24, measure="reactions"))["G"]
    assert g["value_at_n"] == 32.5 and g["per_hour"] == pytest.approx(32.5 / 24) and g["basis"] == "interpolated"


def test_curve_never_extrapolates(ws):
    curve = [r for r in like_curve(ws, hours=24, step=6).to_pylist()]
    a = [(r["hour"], r["value"], r["basis"]) for r in curve if r["post_id"] == 1]
    assert a == [(12.0, 60.0, "measured"), (18.0, 75.0, "interpolated"), (24.0, 90.0, "interpolated")]
    assert not [r for r in curve if r["post_id"] == 3]  # one snapshot: no curve at all


@pytest.mark.parametrize("kwargs, message", [({"hours": 0}, "--hours"), ({"measure": "joy"}, "--measure")])
def test_bad_options_one_sentence(ws, kwargs, message):
    with pytest.raises(UsageError, match=message):
        like_speed(ws, **kwargs)


def test_a_limited_ranking_is_the_top_of_the_whole_with_its_counts(ws):
    """The report took every post's row (a million) to show twenty."""
    from shailoo.analysis.like_speed import like_speed

    whole = like_speed(ws, None, 24, "likes")
    top = like_speed(ws, None, 24, "likes", limit=2)
    assert top.num_rows == min(2, whole.num_rows)
    assert top.column("post_id").to_pylist() == whole.column("post_id").to_pylist()[:2]
    assert top.column("posts_in_scope")[0].as_py() == whole.num_rows
    assert top.column("posts_known")[0].as_py() == whole.filter(whole.column("per_hour").is_valid()).num_rows

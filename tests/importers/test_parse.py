"""Value parsers shared by importers."""

from datetime import datetime, timedelta, timezone

import pytest

from shailoo.importers.parse import BadValue, parse_count, parse_score, parse_time


@pytest.mark.parametrize("text,value", [
    ("0", 0), ("42", 42), ("1,234", 1234), ("407.137", 407137), ("1 234 567", 1234567), ("1\u00a0234", 1234),
    ("12.0", 12), (7, 7), (3.0, 3), ("-", None), ("N/A", None), ("", None), (None, None), ("null", None),
])
def test_counts(text, value):
    assert parse_count(text) == value


@pytest.mark.parametrize("text", ["many", "-5", "3.7.1", "1e999999", "1,4", "12,34,5", -1, 2.5, True, "١٢"])
def test_bad_counts(text):
    with pytest.raises(BadValue):
        parse_count(text, "Likes")


def test_scores():
    assert parse_score("1,4") == 1.4 and parse_score("-0,5") == -0.5 and parse_score("3.19") == 3.19
    assert parse_score("N/A") is None
    with pytest.raises(BadValue):
        parse_score("inf")


@pytest.mark.parametrize("text,expected", [
    ("2021-07-05 18:02:45 BRT", datetime(2021, 7, 5, 21, 2, 45, tzinfo=timezone.utc)),
    ("2021-01-03 00:30:00 KGT", datetime(2021, 1, 2, 18, 30, tzinfo=timezone.utc)),
    ("2021-01-03 00:30:00 +06", datetime(2021, 1, 2, 18, 30, tzinfo=timezone.utc)),
    ("2021-01-03 00:30:00 +0530", datetime(2021, 1, 2, 19, 0, tzinfo=timezone.utc)),
    ("2021-01-03T00:30:00+05:00", datetime(2021, 1, 2, 19, 30, tzinfo=timezone.utc)),
    ("2021-09-22T10:00:00.000Z", datetime(2021, 9, 22, 10, tzinfo=timezone.utc)),
    ("2021-01-03 00:30:00 EDT", datetime(2021, 1, 3, 4, 30, tzinfo=timezone.utc)),
    ("2021-01-03 00:30:00 UZT", datetime(2021, 1, 2, 19, 30, tzinfo=timezone.utc)),
    (1609459200, datetime(2021, 1, 1, tzinfo=timezone.utc)),
    ("1609459200", datetime(2021, 1, 1, tzinfo=timezone.utc)),
])
def test_times(text, expected):
    assert parse_time(text) == expected


def test_time_keeps_source_offset():
    assert parse_time("2021-01-03 00:30:00 ALMT").utcoffset() == timedelta(hours=6)


@pytest.mark.parametrize("text", ["yesterday", "2021-13-45 10:00:00", "2021-01-01 10:00:00 XYZT", "", "-"])
def test_bad_times(text):
    with pytest.raises(BadValue):
        parse_time(text)


# --- bounds (issue #7, items 5 and 6): values beyond them are quarantined, never stored ----------

@pytest.mark.parametrize("value", [
    "99999999999999999999", 99999999999999999999, "9223372036854775807", 9223372036854775807,
    "1" * 5000, 10**5000, 1e300, "1,000,000,000,000,000", 10**12 + 1,
], ids=lambda v: type(v).__name__)
def test_counts_beyond_the_bound_are_bad_values(value):
    with pytest.raises(BadValue, match="plausible|maximum"):
        parse_count(value, "Likes")


def test_the_bound_itself_is_a_count():
    from shailoo.importers.parse import MAX_COUNT
    assert parse_count(MAX_COUNT) == parse_count(str(MAX_COUNT)) == MAX_COUNT


@pytest.mark.parametrize("value", [
    "0001-01-01 00:00:00 +14", "9999-12-31 23:59:59 -14", 0, 1.5, "0", "1.5", "2003-12-31 23:59:59 UTC",
    float("nan"), float("inf"), 10**400, "1970-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=timezone.utc),
    "2" * 5000,
], ids=lambda v: type(v).__name__)
def test_implausible_times_are_bad_values(value):
    with pytest.raises(BadValue, match="plausible|not a date"):
        parse_time(value, "date")


def test_a_time_more_than_a_day_ahead_is_bad_and_today_is_fine():
    now = datetime.now(timezone.utc)
    assert parse_time(now.isoformat()) == now
    assert parse_time((now + timedelta(hours=20)).isoformat())  # zones ahead of UTC
    with pytest.raises(BadValue, match="later than now"):
        parse_time((now + timedelta(days=2)).isoformat())


def test_huge_scores_are_bad_values():
    for value in (10**400, "1" * 5000, float("inf")):
        with pytest.raises(BadValue):
            parse_score(value)

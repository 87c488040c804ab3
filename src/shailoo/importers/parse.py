"""Parsing of the values exports carry: counts, scores, times with zone names, placeholders.

Every parser either returns a typed value, None for 'unknown', or raises BadValue with a plain
reason that the importer turns into a quarantined row.
"""

from __future__ import annotations

import math
import re
import time
from functools import lru_cache
from datetime import datetime, timedelta, timezone

# A count above this is not a real engagement figure (the most viewed video has ~2e10 views); it
# would also overflow 64-bit sums of a few parts. Such a row is quarantined, never stored.
MAX_COUNT = 10**12
# Times outside this range are typos or hostile values (year 1, year 9999, Unix 0): quarantined.
EARLIEST_TIME = datetime(2004, 1, 1, tzinfo=timezone.utc)  # Facebook's launch; nothing we read is older
FUTURE_SLACK = timedelta(days=1)  # a post can't be from later than the import, give or take zones
_MAX_TEXT_NUMBER = 40  # characters; a longer "number" is never a count and is not parsed at all

PLACEHOLDERS = frozenset({"", "-", "—", "n/a", "na", "null", "none", "nan", "#n/a"})


class BadValue(ValueError):
    """A value that cannot be what its column says; the message is the quarantine reason."""


def is_placeholder(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in PLACEHOLDERS)


_PLAIN_INT = re.compile(r"[0-9]+")
_DECIMAL_COMMA = re.compile(r"-?[0-9]+,[0-9]+")
_UNIX_SECONDS = re.compile(r"[0-9]{9,11}(?:\.[0-9]+)?")
# 1,234  1.234  1 234  1'234 (thousand groups of exactly three digits)
_GROUPED_INT = re.compile(r"[0-9]{1,3}(?:([,.\u00a0\u202f ’'])[0-9]{3})(?:\1[0-9]{3})*")


def parse_count(value: object, column: str = "count") -> int | None:
    """A non-negative integer count; thousands separators of any locale; placeholders mean unknown."""
    if type(value) is str and len(value) <= 12 and value.isdigit() and value.isascii():  # the common case, fast
        return int(value)
    if isinstance(value, bool):
        raise BadValue(f"{column} is {value!r}, not a count")
    if isinstance(value, int):
        if value < 0:
            raise BadValue(f"{column} is negative ({_short(value)})")
        return _bounded(value, column)
    if isinstance(value, float):
        if math.isfinite(value) and value >= 0 and value.is_integer():
            return _bounded(int(value), column)
        raise BadValue(f"{column} is {value!r}, not a non-negative whole number")
    if is_placeholder(value):
        return None
    text = str(value).strip()
    if len(text) > _MAX_TEXT_NUMBER:
        raise BadValue(f"{column} is '{text[:40]}…' ({len(text):,} characters), not a plausible count")
    if _PLAIN_INT.fullmatch(text):
        return _bounded(int(text), column)
    if _GROUPED_INT.fullmatch(text):
        return _bounded(int(re.sub(r"\D", "", text)), column)
    if re.fullmatch(r"\d+\.0+", text):  # '12.0' as spreadsheets write integers
        return _bounded(int(text.split(".")[0]), column)
    raise BadValue(f"{column} is '{text[:40]}', not a non-negative whole number")


def _bounded(count: int, column: str) -> int:
    if count > MAX_COUNT:
        raise BadValue(f"{column} is {_short(count)}, above the plausible maximum of {MAX_COUNT:,}")
    return count


def _short(number: int) -> str:
    """A number for a message, without converting a huge one to text (Python refuses > 4,300 digits)."""
    if abs(number) < 10**30:
        return f"{number:,}"
    return f"a number of about {number.bit_length() * 0.30103:,.0f} digits"


def parse_score(value: object, column: str = "score") -> float | None:
    """A decimal number that may use a decimal comma ('1,4'); placeholders mean unknown."""
    if is_placeholder(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        shown = _short(value) if isinstance(value, int) else repr(value)
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
    else:
        text = str(value).strip().replace("\u2212", "-")
        if len(text) > _MAX_TEXT_NUMBER:
            raise BadValue(f"{column} is '{text[:40]}…', not a number")
        shown = f"'{text[:40]}'"
        try:
            number = float(text.replace(",", ".") if _DECIMAL_COMMA.fullmatch(text) else text)
        except ValueError:
            raise BadValue(f"{column} is {shown}, not a number") from None
    if not math.isfinite(number):
        raise BadValue(f"{column} is {shown}, not a finite number")
    return number


# Zone abbreviations seen in exports, with their UTC offsets in hours. Central Asian ones included:
# ALMT (Almaty, +6 before March 2024), KGT (Kyrgyzstan), UZT (Uzbekistan), TJT, TMT, AQTT, ORAT, QYZT.
ZONE_ABBREVIATIONS: dict[str, float] = {
    "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 1, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3,
    "MSK": 3, "TRT": 3, "GST": 4, "AMT": 4, "AZT": 4, "GET": 4, "PKT": 5, "UZT": 5, "TJT": 5, "TMT": 5,
    "AQTT": 5, "ORAT": 5, "YEKT": 5, "IST": 5.5, "NPT": 5.75, "ALMT": 6, "KGT": 6, "QYZT": 6, "OMST": 6,
    "BDT": 6, "ICT": 7, "WIB": 7, "KRAT": 7, "NOVT": 7, "HKT": 8, "SGT": 8, "AWST": 8, "CST_CN": 8,
    "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10, "BRT": -3, "BRST": -2, "ART": -3, "CLT": -4, "CLST": -3,
    "COT": -5, "PET": -5, "VET": -4,
}

_DATETIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?P<zone>.*)"
)
_OFFSET = re.compile(r"(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?")


@lru_cache(maxsize=256)
def _zone(zone: str) -> timezone | None:
    zone = zone.strip()
    if not zone:
        return None
    upper = zone.upper()
    if upper in ZONE_ABBREVIATIONS:
        return timezone(timedelta(hours=ZONE_ABBREVIATIONS[upper]))
    m = _OFFSET.fullmatch(upper)
    if m:
        sign = -1 if m.group(1) == "-" else 1
        minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
        if minutes > 14 * 60:
            raise BadValue(f"time zone offset '{zone}' is out of range")
        return timezone(sign * timedelta(minutes=minutes))
    raise BadValue(f"time zone '{zone}' is not one shailoo knows; give the time with a UTC offset such as +06")


def parse_time(value: object, column: str = "time", default_zone: timezone | None = timezone.utc) -> datetime:
    """An aware datetime from ISO text, 'YYYY-MM-DD HH:MM:SS ZONE', or Unix seconds.

    A time with no zone is taken in `default_zone` (UTC unless the format says otherwise).
    """
    if isinstance(value, datetime):
        return plausible_time(value if value.tzinfo else value.replace(tzinfo=default_zone), column)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_unix(value, column)
    if is_placeholder(value):
        raise BadValue(f"{column} is missing")
    text = str(value).strip()
    if len(text) > 64:
        raise BadValue(f"{column} is '{text[:40]}…', not a date and time")
    if _UNIX_SECONDS.fullmatch(text):
        return _from_unix(float(text), column)
    m = _DATETIME.fullmatch(text)
    if not m:
        raise BadValue(f"{column} is '{text[:40]}', not a date and time")
    clock = m.group("time")
    if len(clock) < 8 and clock.count(":") == 1:
        clock = clock.zfill(5)  # '9:05' -> '09:05'
    elif clock[1] == ":":
        clock = "0" + clock
    try:
        naive = datetime.fromisoformat(f"{m.group('date')}T{clock}")
    except ValueError:
        raise BadValue(f"{column} is '{text[:40]}', not a valid date and time") from None
    zone = _zone(m.group("zone")) or default_zone
    return plausible_time(naive.replace(tzinfo=zone), column)


def _from_unix(seconds: float, column: str) -> datetime:
    try:
        ok = math.isfinite(seconds) and EARLIEST_TIME.timestamp() <= seconds < 32_503_680_000  # year 3000
    except OverflowError:  # an int too large for a float
        ok = False
    if not ok:
        raise BadValue(f"{column} is {seconds if isinstance(seconds, float) else _short(seconds)}, "
                       "not a plausible Unix time (expected a time after 2004)")
    return plausible_time(datetime.fromtimestamp(seconds, tz=timezone.utc), column)


def plausible_time(moment: datetime, column: str = "time") -> datetime:
    """`moment` if it lies between 2004 and a day after now; else BadValue (year 1, year 9999, Unix 0)."""
    # Compare the wall-clock year first: converting year 1 at +14 or year 9999 at -14 to UTC overflows.
    if moment.year < EARLIEST_TIME.year - 1 or (moment.year <= EARLIEST_TIME.year and moment < EARLIEST_TIME):
        raise BadValue(f"{column} is {moment.isoformat()}, before 2004: not a plausible time for a post")
    if moment.year > 9000 or moment > _latest_plausible():
        raise BadValue(f"{column} is {moment.isoformat()}, later than now: not a plausible time for a post")
    return moment


_latest_cache: list = [-1e9, EARLIEST_TIME]  # [monotonic time of computing, the latest plausible time]


def _latest_plausible() -> datetime:
    now = time.monotonic()
    if now - _latest_cache[0] > 60:  # recomputed each minute: a long-running server stays right
        _latest_cache[:] = [now, datetime.now(timezone.utc) + FUTURE_SLACK]
    return _latest_cache[1]


_EMPTY_TEXT = frozenset({"", "n/a", "null"})


def clean_text(value: object) -> str | None:
    """A text cell: placeholders and empty strings become None; everything else is kept as written."""
    if value is None or value == "":
        return None
    text = value if type(value) is str else str(value)
    if len(text) <= 6 and text.strip().lower() in _EMPTY_TEXT:
        return None
    return text

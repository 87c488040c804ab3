"""What the two Meta Ad Library importers share: their records (ads and report rows are not posts), money
values as ranges, and the refusal that stands until the general import path hands ad files to their loader.

A spend, impressions or audience figure is a *range*: the API gives `{lower_bound, upper_bound}` (the top
bucket has no upper bound), the report writes `≤100` for small amounts. Both bounds are kept; a missing
one is unknown (NULL), never 0 and never a made-up midpoint.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from shailoo.errors import WrongFormat
from shailoo.importers.base import Source
from shailoo.importers.parse import MAX_COUNT, BadValue, is_placeholder

KIND = "ads"  # importers of this kind are loaded by shailoo.store.ads, not by the posts loader
LOADER_OPTION = "_ads_loader"  # set by shailoo.store.ads when it reads a file


@dataclass(slots=True)
class AdSpendRow:
    """One row of an Ad Library report: a page (× disclaimer) and what it spent in the report's window."""

    page_id: str | None
    page_name: str | None
    disclaimer: str | None  # the paying entity as the ads' disclaimer names it; None: ran without one
    without_disclaimer: bool
    spend_lower: float | None
    spend_upper: float | None
    ads: int | None


@dataclass(slots=True)
class AdRecord:
    """One ad of the Ad Library API (ads_archive)."""

    ad_id: str
    page_id: str | None = None
    page_name: str | None = None
    bylines: str | None = None  # "Paid for by …": the paying entity
    created_at: datetime | None = None
    delivery_start: datetime | None = None
    delivery_stop: datetime | None = None  # None: still running (or not given)
    spend_lower: float | None = None
    spend_upper: float | None = None
    impressions_lower: int | None = None
    impressions_upper: int | None = None
    audience_lower: int | None = None
    audience_upper: int | None = None
    currency: str | None = None
    bodies: list[str] = field(default_factory=list)
    link_titles: list[str] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    snapshot_url: str | None = None


@dataclass(slots=True)
class ReportInfo:
    """What a report file says about itself (its name, its header): None where it says nothing."""

    layout: str  # "advertisers" (with Page ID) or "spending_to_date" (the 2019 layout, page names only)
    country: str | None = None
    report_date: date | None = None  # the date in the file name: the last day the report covers
    report_range: str | None = None  # yesterday, last_7_days, last_30_days, last_90_days, lifelong
    currency: str | None = None


def require_loader(source: Source, what: str) -> None:
    """Ad files carry ads, not posts: read only through shailoo.store.ads (which sets LOADER_OPTION). The
    posts loader reaching here means the general import path does not hand ad files over yet."""
    if not source.options.get(LOADER_OPTION):
        raise WrongFormat(f"{source.path.name} is {what}; import it with `shailoo ads import {source.path.name}`.")


_AT_MOST = re.compile(r"\s*(?:≤|<=|<|＜|less than|up to)\s*(.+)", re.IGNORECASE)
_MONEY = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_GROUPED = re.compile(r"[0-9]{1,3}(?:([,\u00a0\u202f ’'])[0-9]{3})(?:\1[0-9]{3})*(?:\.[0-9]+)?")


def parse_money(value: object, column: str) -> float | None:
    """A non-negative amount (1234, 1,234, 1 234.50); placeholders are unknown; bounded like counts."""
    if is_placeholder(value):
        return None
    if isinstance(value, bool):
        raise BadValue(f"{column} is {value!r}, not an amount")
    if isinstance(value, (int, float)):
        number = float(value) if not isinstance(value, int) or abs(value) <= MAX_COUNT else math.inf
    else:
        text = str(value).strip()
        if len(text) > 40:
            raise BadValue(f"{column} is '{text[:40]}…', not an amount")
        if _MONEY.fullmatch(text):
            number = float(text)
        elif _GROUPED.fullmatch(text):
            number = float(re.sub(r"[^0-9.]", "", text))
        else:
            raise BadValue(f"{column} is '{text[:40]}', not an amount")
    if not math.isfinite(number) or number < 0:
        raise BadValue(f"{column} is {value!r}, not a non-negative amount"[:120])
    if number > MAX_COUNT:
        raise BadValue(f"{column} is above the plausible maximum of {MAX_COUNT:,}")
    return number


def parse_spend_cell(value: object, column: str) -> tuple[float | None, float | None]:
    """(lower, upper) of a report's amount: '≤100' is (0, 100), '7212' is (7212, 7212), '' is unknown."""
    if is_placeholder(value):
        return None, None
    m = _AT_MOST.fullmatch(str(value))
    if m:
        upper = parse_money(m.group(1), column)
        if upper is None:
            raise BadValue(f"{column} is '{str(value)[:40]}', not an amount")
        return 0.0, upper
    amount = parse_money(value, column)
    return amount, amount


def bounds(value: object, column: str, money: bool = False) -> tuple:
    """(lower, upper) of an API range `{lower_bound, upper_bound}`; a bound not given is unknown (the top
    bucket of impressions has no upper bound). A lower bound above the upper one is refused."""
    if value is None:
        return None, None
    if not isinstance(value, dict):
        raise BadValue(f"{column} is {type(value).__name__}, not an object with lower_bound and upper_bound")
    if money:
        lo, hi = (parse_money(value.get(k), f"{column}.{k}") for k in ("lower_bound", "upper_bound"))
    else:
        from shailoo.importers.parse import parse_count

        lo, hi = (parse_count(value.get(k), f"{column}.{k}") for k in ("lower_bound", "upper_bound"))
    if lo is not None and hi is not None and lo > hi:
        raise BadValue(f"{column}.lower_bound ({lo:,.0f}) is above its upper_bound ({hi:,.0f})")
    return lo, hi

"""Meta (Facebook) Ad Library *report* CSVs: spending on ads about social issues, elections or politics
per advertiser, as downloaded from facebook.com/ads/library/report.

Two layouts are read:
- "advertisers" (2020 on): `Page ID, Page name, Disclaimer, Amount spent (THB), Number of ads in Library`,
  the currency in the amount's header; file `FacebookAdLibraryReport_2022-11-18_TH_yesterday_advertisers.csv`.
- "spending to date" (2019): `Page Name, Disclaimer, Amount Spent, Number of Ads in Library`, no page id and
  no currency; file `FacebookAdLibraryReportUA2019-05-04SpendingToDate.csv`.

Amounts are ranges: `≤100` is "at most 100" (lower bound 0, upper 100), a number is exact (both bounds).
"These ads ran without a disclaimer" means no paying entity was named. The file name gives the country,
the report's date (taken as the last day it covers) and its window (yesterday, last 7/30/90 days,
lifelong; "spending to date" is lifelong); a renamed file loses them (they are then unknown). A page can
appear on several rows, one per disclaimer. The report's companion `…_locations.csv` (spend per region)
and any other layout are refused with one sentence.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Iterator

from shailoo.errors import WrongFormat
from shailoo.importers.base import ImporterInfo, Source, Warnings
from shailoo.importers.csvrows import CsvReader, plausible_row, refuse_duplicates
from shailoo.importers.meta_ad_library_common import (KIND, AdSpendRow, ReportInfo, parse_spend_cell,
                                                      require_loader)
from shailoo.importers.parse import BadValue, clean_text, parse_count
from shailoo.records import RowError, Skipped

FORMAT = ImporterInfo(
    id="meta_ad_library_report",
    name="Meta Ad Library report CSV",
    description="Meta Ad Library report of spending per advertiser (advertisers or 2019 spending-to-date layout)",
    extensions=(".csv",),
)
KIND = KIND

NO_DISCLAIMER = "these ads ran without a disclaimer"
RANGES = ("yesterday", "last_7_days", "last_30_days", "last_90_days", "lifelong")
_NAME_NEW = re.compile(r"FacebookAdLibraryReport_(\d{4}-\d{2}-\d{2})_([A-Za-z]{2})_([a-z0-9_]+?)_([a-z]+)\.csv$",
                       re.IGNORECASE)
_NAME_OLD = re.compile(r"FacebookAdLibraryReport_?([A-Za-z]{2})_?(\d{4}-\d{2}-\d{2})_?([A-Za-z_]+)\.csv$",
                       re.IGNORECASE)
_CURRENCY = re.compile(r"\(\s*([A-Za-z]{3})\s*\)")


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.strip().lower())


def _keys(head: str) -> set[str]:
    first = head.split("\n", 1)[0]
    return {_key(h) for h in re.split(r"[,;\t]", first)}


def sniff(head: str, path: Path) -> bool:
    keys = _keys(head)
    spent = any(k.startswith("amountspent") for k in keys)
    return (spent and bool(keys & {"pagename", "numberofadsinlibrary", "locationname", "disclaimer"})) or (
        path.name.lower().startswith("facebookadlibraryreport") and path.suffix.lower() == ".csv")


def report_info(path: Path, header: list[str]) -> ReportInfo | None:
    """The layout, and what the name and header tell; None for a layout this module does not read."""
    keys = [_key(h) for h in header]
    spent = next((h for h, k in zip(header, keys) if k.startswith("amountspent")), None)
    if spent is None or "pagename" not in keys or "numberofadsinlibrary" not in keys:
        return None
    m = _CURRENCY.search(spent)
    info = ReportInfo(layout="advertisers" if "pageid" in keys else "spending_to_date",
                      currency=m.group(1).upper() if m else None)
    name = path.name
    if (m := _NAME_NEW.search(name)):
        info.report_date, info.country, window = _day(m.group(1)), m.group(2).upper(), m.group(3).lower()
        info.report_range = window if window in RANGES else None
    elif (m := _NAME_OLD.search(name)):
        info.country, info.report_date = m.group(1).upper(), _day(m.group(2))
        info.report_range = "lifelong" if _key(m.group(3)) == "spendingtodate" else None
    return info


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _refuse(source: Source, header: list[str]) -> WrongFormat:
    keys = {_key(h) for h in header}
    name = source.path.name
    if "locationname" in keys:
        return WrongFormat(f"{name} is an Ad Library report's spending per location; shailoo reads the report's "
                           "advertisers file (Page name, Disclaimer, Amount spent, Number of ads in Library).")
    shown = ", ".join(Warnings.quoted(h, 30) for h in header[:8]) or "no columns"
    return WrongFormat(f"{name} is not an Ad Library report layout shailoo knows (its header reads: {shown}); expected "
                       "Page name, Disclaimer, Amount spent and Number of ads in Library (and Page ID in reports "
                       "since 2020).")


def read(source: Source) -> Iterator[ReportInfo | AdSpendRow | RowError | Skipped]:
    """The report's ReportInfo first, then one AdSpendRow per advertiser row (bad rows as RowError)."""
    require_loader(source, "a Meta Ad Library report")
    fh, delimiter = source.open_csv()
    with fh:
        csvfile = CsvReader(source, fh, delimiter)
        header = csvfile.header()
        if not header or not any(h.strip() for h in header):
            raise WrongFormat(f"{source.path.name} is empty; expected a Meta Ad Library report with a header row.")
        info = report_info(source.path, header)
        if info is None:
            raise _refuse(source, header)
        keys = [_key(h) for h in header]
        col = {k: keys.index(k) for k in ("pageid", "pagename", "disclaimer", "numberofadsinlibrary") if k in keys}
        col["spent"] = next(i for i, k in enumerate(keys) if k.startswith("amountspent"))
        refuse_duplicates(header, [header[i] for i in col.values()], source.path.name, "an Ad Library report", _key)
        if info.currency is None and source.options.get("currency"):
            info.currency = str(source.options["currency"]).strip().upper()[:3]
        if info.currency is None:
            source.warnings.add("the file does not name its currency (give it with --currency): amounts are shown "
                                "without one")
        yield info
        width = len(header)
        plausible = plausible_row(width, [col["pagename"]], None)
        number = 0
        for number, row in enumerate(csvfile.rows(width, plausible), start=1):
            if type(row) is not list:
                yield RowError(number, row.reason, json.dumps(row.row, ensure_ascii=False))
            elif len(row) != width or not any(c.strip() for c in row):
                yield Skipped(number, "empty row")
            else:
                try:
                    yield _row(header, row, col)
                except BadValue as exc:
                    yield RowError(number, str(exc), json.dumps(dict(zip(header, row)), ensure_ascii=False))
        source.finish(number)


MAX_NAME = 1000  # characters of a page name or disclaimer


def _row(header: list[str], row: list[str], col: dict[str, int]) -> AdSpendRow:
    def text(field: str) -> str | None:
        value = clean_text(row[col[field]].strip()) if field in col else None
        if value is not None and len(value) > MAX_NAME:
            raise BadValue(f"{header[col[field]].strip()} is {len(value):,} characters long, not a name")
        return value

    page_id, page_name = text("pageid"), text("pagename")
    if page_id is not None and not page_id.isdigit():
        raise BadValue(f"Page ID is '{page_id[:40]}', not a Facebook page id (digits)")
    if page_id is None and page_name is None:
        raise BadValue("no page: Page ID and Page name are both empty")
    disclaimer = text("disclaimer")
    without = disclaimer is not None and disclaimer.lower() == NO_DISCLAIMER
    lower, upper = parse_spend_cell(row[col["spent"]], header[col["spent"]].strip())
    ads = parse_count(row[col["numberofadsinlibrary"]], header[col["numberofadsinlibrary"]].strip()) \
        if "numberofadsinlibrary" in col else None
    return AdSpendRow(page_id=page_id, page_name=page_name, disclaimer=None if without else disclaimer,
                      without_disclaimer=without, spend_lower=lower, spend_upper=upper, ads=ads)

"""The unit of the report: a block is one table (and optionally its chart) with a CSV download.

Every chart is drawn from its block's table, so the CSV behind the "download data" link is the
chart's data; the link is a data: URI so it works in a report opened offline. The HTML shows
the block's chosen columns under human labels, in the reader's language: the first `fold` rows
in view and the rest one click away (<details>); `limit` caps the rows the HTML carries at all
(the caption then says "N of M", and the CSV has every row)."""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import pyarrow as pa

from shailoo.outputs import csv_writer, safe_url, spreadsheet_text

FOLD = 12  # rows in view before "show all"


@dataclass
class Block:
    title: str
    table: pa.Table
    chart: str | None = None  # inline SVG (markupsafe.Markup from charts.py; a plain str is escaped)
    note: str | None = None
    name: str = ""  # file/sheet name stem
    columns: list[str] | None = None  # columns shown in the HTML (all are in the CSV)
    rows: list[dict] = field(default_factory=list)
    limit: int | None = None  # rows the HTML carries; the caption says "N of M" and the CSV has all
    fold: int | None = FOLD  # rows in view; the others inside <details>
    sheet: str | None = None  # the XLSX sheet's readable name (default: the title)
    labels: dict[str, str] | None = None  # column labels that are data (topic names), not catalogue entries

    @property
    def cut(self) -> bool:
        return self.limit is not None and self.table.num_rows > self.limit

    def __post_init__(self) -> None:
        self.name = slug(self.name or self.title)


def slug(text: str) -> str:
    """A file name stem: word characters and '-' only (names can carry period names from data)."""
    s = re.sub(r"[^\w]+", "-", text.lower(), flags=re.UNICODE).strip("-")
    return s[:60] or "table"


def cell_text(value) -> str:
    """The exact value as the CSV writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, float):
        return repr(round(value, 6)) if value == value else ""
    if isinstance(value, (list, tuple)):
        return "|".join(str(v) for v in value)
    return str(value)


def table_csv(table: pa.Table) -> str:
    """The table as CSV; text that a spreadsheet would run as a formula is made inert (outputs.py)."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow([spreadsheet_text(c) for c in table.column_names])
    for row in table.to_pylist():
        writer.writerow([_csv_text(row[c]) for c in table.column_names])
    return buffer.getvalue()


def _csv_text(value) -> str:
    text = cell_text(value)
    return text if isinstance(value, (int, float, Decimal)) else spreadsheet_text(text)


def csv_data_uri(table: pa.Table) -> str:
    # A BOM so that spreadsheet programs read the Cyrillic names as UTF-8.
    payload = ("\ufeff" + table_csv(table)).encode("utf-8")
    return "data:text/csv;charset=utf-8;base64," + base64.b64encode(payload).decode("ascii")


UNKNOWN = "—"  # an unknown value (NULL) in the HTML; the CSV and the XLSX leave the cell empty
_PCT = ("_pct", "share")


def display(value, column: str, tr=None) -> str:
    """How a cell reads in the HTML table, in the reader's language: unknown (NULL) as “—”, never 0;
    categories, platforms, languages and post types by their names; times in the workspace's zone."""
    if tr is None:
        from shailoo.report.i18n import Tr

        tr = Tr("en")
    if value is None:
        return UNKNOWN
    if isinstance(value, bool):
        return tr("ui.yes") if value else tr("ui.no")
    if column in ("category",):
        return tr.category(value, plural=True)
    if column in ("platform", "platform_a", "platform_b") or column == "group" and value in tr_platforms(tr):
        return tr.platform(value)
    if column in ("lang",):
        return tr.language_name(value)
    if column in ("media_type", "post_type"):
        return tr.post_type(value)
    if column == "ranking":
        key = "rank." + str(value).replace(" ", "_")
        return tr(key) if tr.has(key) else str(value)
    if isinstance(value, datetime):
        return tr.datetime(value)
    if isinstance(value, date):
        return tr.date(value, "short" if column in ("day", "week", "from_day", "to_day") else "medium")
    if isinstance(value, int):
        return str(value) if column in ("rank", "cluster", "year") else tr.num(value)
    if isinstance(value, float):
        if value != value:
            return UNKNOWN
        if column.endswith(_PCT):
            return tr.pct(value * 100 if column == "share" else value)
        if column in ("cor", "rho", "spearman_rho", "p_value", "interactions_ratio"):
            return tr.num(value, 2) if column != "p_value" else tr.num(value, 3)
        return tr.num(value, 1)
    return cell_text(value)


def tr_platforms(tr) -> set[str]:
    return {"facebook", "instagram", "telegram", "vk", "ok", "youtube", "x", "tiktok"}


def html_rows(block: Block, tr) -> tuple[list[str], list[str], list[list[tuple[str, str, bool, str | None]]]]:
    """Column identifiers, their labels, and rows of (display text, exact CSV text, numeric?, safe
    link or None) for the template, which escapes all of them; only plain http(s) URLs become links
    (outputs.safe_url)."""
    cols = block.columns or block.table.column_names
    shown = block.table.slice(0, block.limit) if block.cut else block.table
    rows = []
    for row in shown.select(cols).to_pylist():
        rows.append([(display(row[c], c, tr), cell_text(row[c]),
                      isinstance(row[c], (int, float)) and not isinstance(row[c], bool), safe_url(row[c]))
                     for c in cols])
    return cols, column_labels(block, cols, tr), rows


def column_labels(block: Block, cols: list[str], tr) -> list[str]:
    return [(block.labels or {}).get(c) or tr.column(c) for c in cols]

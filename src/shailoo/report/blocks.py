"""The unit of the report: a block is one table (and optionally its chart) with a CSV download.

Every chart is drawn from its block's table, so the CSV behind the "download data" link is
exactly the chart's data; the link is a data: URI so it works in a report opened offline."""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import pyarrow as pa

from shailoo.outputs import csv_writer, safe_url, spreadsheet_text
from shailoo.report.charts import abbreviate


@dataclass
class Block:
    title: str
    table: pa.Table
    chart: str | None = None  # inline SVG (markupsafe.Markup from charts.py; a plain str is escaped)
    note: str | None = None
    name: str = ""  # file/sheet name stem
    columns: list[str] | None = None  # columns shown in the HTML (all are in the CSV)
    rows: list[dict] = field(default_factory=list)
    limit: int | None = None  # rows shown in the HTML; the caption says "N of M" and the CSV has all

    @property
    def cut(self) -> bool:
        return self.limit is not None and self.table.num_rows > self.limit

    def __post_init__(self) -> None:
        self.name = slug(self.name or self.title)


def slug(text: str) -> str:
    """A file/sheet name stem: word characters and '-' only (names can carry period names from data)."""
    s = re.sub(r"[^\w]+", "-", text.lower(), flags=re.UNICODE).strip("-")
    return s[:60] or "table"


def cell_text(value) -> str:
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


def display(value, column: str) -> str:
    """How a cell reads in the HTML table: big counts abbreviated like the reference report;
    unknown (NULL) as “—”, never 0."""
    if value is None:
        return UNKNOWN
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return abbreviate(value) if abs(value) >= 10_000 and not column.endswith("_id") else f"{value:,}"
    if isinstance(value, float):
        if value != value:
            return ""
        if column.endswith("_pct"):  # small rates (large media pages) keep three significant digits
            return f"{value:.2f}%" if abs(value) >= 0.1 or value == 0 else f"{value:.3g}%"
        return f"{value:,.2f}"
    return cell_text(value)


def html_rows(block: Block) -> tuple[list[str], list[list[tuple[str, str, bool, str | None]]]]:
    """Header and rows of (display text, exact CSV text, numeric?, safe link or None) for the
    template, which escapes all of them; only plain http(s) URLs become links (outputs.safe_url)."""
    cols = block.columns or block.table.column_names
    rows = []
    shown = block.table.slice(0, block.limit) if block.cut else block.table
    for row in shown.select(cols).to_pylist():
        rows.append([(display(row[c], c), cell_text(row[c]),
                      isinstance(row[c], (int, float)) and not isinstance(row[c], bool), safe_url(row[c]))
                     for c in cols])
    return cols, rows

"""The report never shows or draws an unknown count as 0, and says when it cuts a table."""

from __future__ import annotations

import re

import pyarrow as pa
import pytest

from shailoo.report.blocks import Block, html_rows
from shailoo.report.build import build_sections, write_xlsx
from shailoo.report.i18n import Tr
from tests.analysis.unknown_fixture import build_unknown_fixture


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    ws = build_unknown_fixture(tmp_path_factory.mktemp("report-unknown") / "ws")
    yield ws
    ws.close()


def test_unknown_is_a_dash_and_never_a_bar(ws):
    sections = build_sections(ws, include_text=False)
    tg = next(s for s in sections if s["id"] == "platform-telegram")
    block = next(b for b in tg["blocks"] if b.name == "telegram-interactions")
    header, _, rows = html_rows(block, Tr("en"))
    b_row = next(r for r in rows if r[1][0] == "Канал Б")
    assert b_row[header.index("interactions")][0] == "—" and b_row[header.index("views")][0] == "—"
    assert b_row[header.index("reactions")][0] == "11"
    # the chart draws no bar for Канал Б (nor for Кабар, whose second post is unmeasured) and says so
    assert "Канал Б" not in str(block.chart or "") and "Канал Б" in block.note and "Кабар" in block.note
    overview = next(b for s in sections for b in s["blocks"] if b.name == "overview")
    row = next(r for r in overview.table.to_pylist() if r["platform"] == "telegram" and r["category"] == "media")
    assert row["interactions_unknown"] == 3 and "interactions_unknown" in overview.columns
    counts = next(b for s in sections for b in s["blocks"] if b.name == "unknown-counts").table.to_pylist()
    assert next(r for r in counts if r["platform"] == "telegram")["interactions_unknown"] == 3


def test_xlsx_leaves_unknown_cells_empty(ws, tmp_path):
    from openpyxl import load_workbook

    wb = load_workbook(write_xlsx(ws, tmp_path / "r.xlsx", include_text=False), read_only=True)
    rows = list(wb["Telegram – interactions"].iter_rows(values_only=True))
    head, row = rows[0], next(r for r in rows if r[1] == "Канал Б")
    assert row[head.index("Interactions")] is None and row[head.index("Views")] is None


def test_a_cut_table_says_how_many_rows_and_its_csv_has_all(ws):
    table = pa.table({"term": [f"t{i}" for i in range(46)], "correlation": [0.9 - i / 100 for i in range(46)]})
    from shailoo.report.build import Report, render_html
    from shailoo.report.config import ReportConfig

    block = Block("Terms associated with “x”", table, name="assoc", limit=15, fold=8)
    report = Report(Tr("en"), ReportConfig(), sections=[{"id": "t", "title": "Text", "blocks": [block]}])
    html = render_html(ws, report)
    assert len(block.html) == 8 and len(block.more) == 7  # 8 in view, 7 one click away, 31 only in the CSV
    assert "15 of 46 rows shown; the CSV has all 46." in html and "Show all 15 rows" in html
    assert re.search(r"Download data \(CSV\) \(all 46 rows\)", html)


def test_a_table_that_does_not_show_its_unknown_counts_says_them_in_a_note():
    """Review of #8: the HTML left out the *_unknown counts the XLSX has (views 150 with nothing
    saying two posts' views are unknown)."""
    from shailoo.report.render import unknown_note

    table = pa.table({"actor": ["A", "B"], "views": [150, None], "views_unknown": [2, 1],
                      "interactions": [10, 5], "interactions_unknown": [0, 0]})
    block = Block("t", table, columns=["actor", "views", "interactions"])
    block.columns_shown, _, _ = html_rows(block, Tr("en"))
    note = unknown_note(block, Tr("en"))
    assert note and "3" in note and "views" in note.lower() and "interactions" not in note.lower()
    shown_all = Block("t", table)
    shown_all.columns_shown, _, _ = html_rows(shown_all, Tr("en"))
    assert unknown_note(shown_all, Tr("en")) is None  # the columns are there to read

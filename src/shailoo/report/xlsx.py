"""Every table of the report as a sheet of one XLSX workbook, as analysts expect: an index sheet
linking every table (with its section, title and note), readable unique sheet names, header rows
in the reader's language, frozen and filtered, column widths, number and date formats.

Cells go through outputs.xlsx_cell (text never starts a formula); unknown values are empty cells;
tables are never cut. Times are written in the workspace's zone (Excel has no time zones)."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from shailoo.outputs import atomic_output, xlsx_cell
from shailoo.report.blocks import column_labels

_BAD = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def sheet_name(name: str, used: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\, no apostrophe at either end, unique ignoring case.
    base = re.sub(r"\s+", " ", _BAD.sub("-", name.replace(": ", " – "))).strip().strip("'")[:31].strip() or "table"
    candidate, n = base, 1
    while candidate.lower() in used:
        n += 1
        suffix = f" ({n})"
        candidate = base[: 31 - len(suffix)].rstrip() + suffix
    used.add(candidate.lower())
    return candidate


def write_workbook(report, path: Path) -> Path:
    """Write the report's blocks (or a list of blocks) as sheets, atomically (outputs.atomic_output)."""
    if isinstance(report, list):
        from shailoo.report.build import Report
        from shailoo.report.config import ReportConfig
        from shailoo.report.i18n import Tr

        report = Report(Tr("en"), ReportConfig(), sections=[{"title": "", "blocks": report}])
    with atomic_output(path, "wb", parents=True) as fh:
        _workbook(report).save(fh)
    return path


def _number_format(values: list, column: str) -> str | None:
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, bool):
        return None
    if isinstance(sample, int):
        return "0" if column in ("rank", "cluster") else "#,##0"
    if isinstance(sample, float):
        return "0.0%" if column == "share" else "#,##0.00"
    if isinstance(sample, datetime):
        return "yyyy-mm-dd hh:mm"
    if isinstance(sample, date):
        return "yyyy-mm-dd"
    return None


def _workbook(report):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    tr = report.tr
    wb = Workbook()
    index = wb.active
    index.title = sheet_name(tr("xlsx.index"), set())
    used = {index.title.lower()}
    index.append([tr("xlsx.sheet"), tr("xlsx.section"), tr("xlsx.table"), tr("xlsx.rows"), tr("xlsx.note")])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE4EC")
    for cell in index[1]:
        cell.font, cell.fill = bold, fill
    for section in report.sections:
        for block in section["blocks"]:
            name = sheet_name(block.sheet or block.title, used)
            ws = wb.create_sheet(name)
            table = block.table
            cols = table.column_names
            ws.append([xlsx_cell(label) for label in column_labels(block, cols, tr)])
            for cell in ws[1]:
                cell.font, cell.fill = bold, fill
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            data = table.to_pylist()
            for row in data:
                ws.append([xlsx_cell(_local(row[c], tr)) for c in cols])
            for j, col in enumerate(cols, start=1):
                values = [r[col] for r in data]
                fmt = _number_format(values, col)
                letter = get_column_letter(j)
                if fmt:
                    for cell in ws[letter][1:]:
                        cell.number_format = fmt
                longest = max([len(str(v)) for v in values[:500] if v is not None] + [len(str(ws.cell(1, j).value)) // 2, 6])
                ws.column_dimensions[letter].width = min(longest + 2, 60)
            ws.freeze_panes = "A2"
            if cols:
                ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(len(data) + 1, 2)}"
            index.append([xlsx_cell(name), xlsx_cell(section["title"]), xlsx_cell(block.title), len(data),
                          xlsx_cell(block.note or "")])
            link = index.cell(index.max_row, 1)
            # a link inside the workbook (a location), never to a file or site
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{name}'!A1")
            link.font = Font(color="1F4E79", underline="single")
    for letter, width in zip("ABCDE", (32, 28, 60, 8, 80)):
        index.column_dimensions[letter].width = width
    index.freeze_panes = "A2"
    index.auto_filter.ref = f"A1:E{index.max_row}"
    return wb


def _local(value, tr):
    if isinstance(value, datetime):
        return tr.local(value).replace(tzinfo=None)
    return value

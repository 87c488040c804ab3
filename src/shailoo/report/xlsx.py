"""Every table of the report as a sheet of one XLSX workbook (openpyxl, write-only for speed)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(name: str, used: set[str]) -> str:
    base = _BAD.sub("-", name)[:28] or "table"
    candidate, n = base, 1
    while candidate.lower() in used:
        n += 1
        candidate = f"{base[:28 - len(str(n)) - 1]}~{n}"
    used.add(candidate.lower())
    return candidate


FORMULA_STARTS = ("=", "+", "-", "@")


def _cell(ws, value):
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones; values are UTC
    if isinstance(value, (list, tuple, dict)):
        value = str(value)
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        # A post reading "=1+2" must stay text: never let monitored content become a formula.
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def write_workbook(blocks, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    contents = wb.create_sheet("contents")
    contents.append(["sheet", "table", "note"])
    used: set[str] = {"contents"}
    for block in blocks:
        name = _sheet_name(block.name, used)
        contents.append([name, block.title, block.note or ""])
        ws = wb.create_sheet(name)
        header = []
        for col in block.table.column_names:
            c = WriteOnlyCell(ws, value=col)
            c.font = Font(bold=True)
            header.append(c)
        ws.append(header)
        for row in block.table.to_pylist():
            ws.append([_cell(ws, row[c]) for c in block.table.column_names])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path

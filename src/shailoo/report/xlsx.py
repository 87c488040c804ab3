"""Every table of the report as a sheet of one XLSX workbook (openpyxl, write-only for speed)."""

from __future__ import annotations

import re
from pathlib import Path

from shailoo.outputs import atomic_output, xlsx_cell

_BAD = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def _sheet_name(name: str, used: set[str]) -> str:
    # Excel refuses []:*?/\ in a sheet name, and an apostrophe at either end.
    base = _BAD.sub("-", name)[:28].strip("'") or "table"
    candidate, n = base, 1
    while candidate.lower() in used:
        n += 1
        candidate = f"{base[:28 - len(str(n)) - 1]}~{n}"
    used.add(candidate.lower())
    return candidate


def _cell(value):
    # The one rule for spreadsheet cells (outputs.py): text never starts with "=", so openpyxl
    # stores every str as text, never as a formula.
    return xlsx_cell(value)


def write_workbook(blocks, path: Path) -> Path:
    """Write the blocks as sheets, atomically (outputs.atomic_output): the temporary file is made
    first, so a folder that cannot be written fails before any work."""
    with atomic_output(path, "wb", parents=True) as fh:
        _workbook(blocks).save(fh)
    return path


def _workbook(blocks):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    contents = wb.create_sheet("contents")
    contents.append(["sheet", "table", "note"])
    used: set[str] = {"contents"}
    for block in blocks:
        name = _sheet_name(block.name, used)
        contents.append([_cell(v) for v in (name, block.title, block.note or "")])
        ws = wb.create_sheet(name)
        header = []
        for col in block.table.column_names:
            c = WriteOnlyCell(ws, value=xlsx_cell(col))
            c.data_type = "s"
            c.font = Font(bold=True)
            header.append(c)
        ws.append(header)
        for row in block.table.to_pylist():
            ws.append([_cell(row[c]) for c in block.table.column_names])
    return wb

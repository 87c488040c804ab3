"""Helpers every command shares: the workspace option, output in table/csv/json, consoles."""

from __future__ import annotations

import io
import json
import re
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Iterable, Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from shailoo.errors import UsageError
from shailoo.outputs import csv_cell, csv_writer
from shailoo.store.workspace import Workspace, open_workspace as _open

console = Console()
err_console = Console(stderr=True)

WorkspaceOpt = Annotated[
    Optional[Path],
    typer.Option("-w", "--workspace", help="Workspace folder (default: $SHAILOO_WORKSPACE, else the current folder).",
                 envvar="SHAILOO_WORKSPACE", show_envvar=False),
]
workspace_option = WorkspaceOpt  # the name other command modules use
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="Output as table, csv or json.")]
FORMATS = ("table", "csv", "json")


def open_workspace(path: Path | None, read_only: bool | None = False) -> Workspace:
    """Open for a command: read_only=True for commands that only read, None to write caches when allowed."""
    return _open(path, read_only=read_only)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _rows(data: Any) -> list[dict]:
    if hasattr(data, "to_pylist"):  # pyarrow.Table
        return data.to_pylist()
    if hasattr(data, "to_arrow_table"):  # DuckDB relation
        return data.to_arrow_table().to_pylist()
    return list(data)


UNKNOWN = "—"  # how a table shows a value that is unknown (NULL); CSV leaves it empty, JSON writes null


def format_number(value: Any) -> str:
    if value is None:
        return UNKNOWN
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def print_table(data: Any, fmt: str = "table", title: str | None = None, note: str | None = None,
                columns: Iterable[str] | None = None) -> None:
    """Print rows (list of dicts, Arrow table or DuckDB relation) as a Rich table, CSV or JSON."""
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not '{fmt}'.")
    rows = _rows(data)
    names = list(columns) if columns else (list(rows[0].keys()) if rows else
                                           (list(data.schema.names) if hasattr(data, "schema") else []))
    if fmt == "json":
        sys.stdout.write(json.dumps([_jsonable(r) for r in rows], ensure_ascii=False, indent=1) + "\n")
    elif fmt == "csv":
        # Every cell through the one spreadsheet rule (outputs.py): data never starts a formula.
        buffer = io.StringIO()
        writer = csv_writer(buffer)
        writer.writerow([csv_cell(n) for n in names])
        for row in rows:
            writer.writerow([csv_cell(row.get(n)) for n in names])
        sys.stdout.write(buffer.getvalue())
    else:
        # Cells are Text, not markup ("[link=…]" in a post stays text), and control characters
        # (terminal escape sequences in a post) are shown as U+FFFD, never sent to the terminal.
        table = Table(title=terminal_text(title) if title else None, title_justify="left")
        for name in names:
            numeric = bool(rows) and isinstance(rows[0].get(name), (int, float)) and not isinstance(rows[0].get(name), bool)
            table.add_column(terminal_text(name), justify="right" if numeric else "left", overflow="fold")
        for row in rows:
            table.add_row(*(terminal_text(format_number(row.get(n))) for n in names))
        console.print(table)
        if not rows:
            console.print("[dim]No rows.[/dim]")
    # Notes (scope, unknown values) are not wrapped: scripts and tests read them as one line.
    if note and fmt == "table":
        console.print(Text.assemble(("Note:", "yellow"), " ", terminal_text(note)), soft_wrap=True)
    elif note:
        err_console.print(terminal_text(f"Note: {note}"), soft_wrap=True)


def print_tables(tables: dict[str, Any], fmt: str = "table", titles: dict[str, str] | None = None,
                 extra: dict[str, Any] | None = None, note: str | None = None) -> None:
    """Print several tables of one result: one after the other (table), one JSON object with a key
    per table (and `extra` keys), or CSV blocks separated by one empty line."""
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not '{fmt}'.")
    if fmt == "json":
        obj = dict(extra or {})
        obj.update({k: [_jsonable(r) for r in _rows(t)] for k, t in tables.items()})
        sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=1) + "\n")
        if note:
            err_console.print(terminal_text(f"Note: {note}"), soft_wrap=True)
        return
    items = list(tables.items())
    for i, (key, table) in enumerate(items):
        if fmt == "csv" and i:
            sys.stdout.write("\n")
        print_table(table, fmt, title=(titles or {}).get(key, key), note=note if i == len(items) - 1 else None)


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_text(value: str) -> Text:
    """Text from data made safe for a terminal: no markup, no control characters."""
    return Text(_CONTROL.sub("\ufffd", str(value)))

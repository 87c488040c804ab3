"""Rows out of a command: a readable table on a screen, or every column as CSV, JSON or XLSX.

On a screen a table shows the columns that matter (the command's choice, or --columns), one line
per row (texts cut with …, links shortened, internal ids left out) and never folds a number;
CSV, JSON and XLSX carry every column. A row limit on a screen says how many rows were left out.
"""

from __future__ import annotations

import io
import json
import re
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable, Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from shailoo.cli.options import OutputOptions, quiet
from shailoo.errors import UsageError
from shailoo.outputs import atomic_output, csv_cell, csv_writer, xlsx_cell

console = Console()
err_console = Console(stderr=True)

UNKNOWN = "—"  # how a table shows a value that is unknown (NULL); CSV leaves it empty, JSON writes null
# Keys that identify rows inside the database: in CSV/JSON for joins, never on a screen.
INTERNAL = frozenset({"post_id", "actor_id", "account_id", "author_id", "parent_id", "platform_post_id"})
LINKS = frozenset({"url", "link", "post_url", "account_url"})
MIN_TEXT = 8  # a text column is never cut narrower than this
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACE = re.compile(r"\s+")


def terminal_text(value: str) -> Text:
    """Text from data made safe for a terminal: no markup, no control characters."""
    return Text(_CONTROL.sub("\ufffd", str(value)))


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


def rows_of(data: Any) -> tuple[list[dict], list[str]]:
    """(rows as dicts, column names) of a list of dicts, an Arrow table or a DuckDB relation."""
    if hasattr(data, "to_arrow_table"):  # DuckDB relation
        data = data.to_arrow_table()
    if hasattr(data, "to_pylist"):  # pyarrow.Table
        return data.to_pylist(), list(data.schema.names)
    rows = list(data)
    return rows, (list(rows[0].keys()) if rows else [])


def format_number(value: Any) -> str:
    if value is None:
        return UNKNOWN
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def short_link(url: str, width: int = 34) -> str:
    """A link shortened for a screen: no scheme or www., the middle cut (the full link is in CSV/JSON)."""
    text = re.sub(r"^https?://(www\.)?", "", url)
    if len(text) <= width:
        return text
    host = text.split("/", 1)[0]
    tail = width - len(host) - 2
    return f"{host}/…{text[-tail:]}" if tail >= 6 else text[: width - 1] + "…"


def _cell(name: str, value: Any) -> str:
    if isinstance(value, str) and name in LINKS:
        return short_link(value)
    return _SPACE.sub(" ", format_number(value)).strip() if isinstance(value, str) else format_number(value)


LEFT_CONTEXT = "left"  # kwic's context before the keyword: cut at its start, aligned to the keyword
CUT_AT_START = frozenset({LEFT_CONTEXT, "file", "path"})  # their end says most (a file's name)


def _cut(text: str, width: int, from_start: bool = False) -> str:
    if len(text) <= width:
        return text
    return "…" + text[len(text) - width + 1:] if from_start else text[: max(width - 1, 1)] + "…"


def _widths(names: list[str], cells: list[list[str]], numeric: set[str], total: int) -> list[int]:
    """Column widths that fit `total` characters: numbers and short values at their natural width
    (a number is never folded), long texts share what is left."""
    natural = []
    for i, name in enumerate(names):
        longest_word = max((len(w) for w in name.split()), default=1)
        natural.append(max([longest_word] + [len(row[i]) for row in cells]))
    fixed = [i for i, name in enumerate(names) if name in numeric or natural[i] <= 12]
    flexible = [i for i in range(len(names)) if i not in fixed]
    room = total - (3 * len(names) + 1) - sum(natural[i] for i in fixed)
    widths = list(natural)
    # Water-filling: the narrowest texts keep their width, the wider share the rest equally.
    for n, i in enumerate(sorted(flexible, key=lambda j: natural[j])):
        share = max(room // (len(flexible) - n), MIN_TEXT)
        widths[i] = min(natural[i], share)
        room -= widths[i]
    return widths


def _select(names: list[str], out: OutputOptions, fmt: str, shown: Sequence[str] | None) -> list[str]:
    if out.columns:
        unknown = [c for c in out.columns if c not in names]
        if unknown:
            raise UsageError(f"No column {', '.join(unknown)}; the columns are: {', '.join(names)}.")
        return list(out.columns)
    if fmt != "table":
        return names
    chosen = [c for c in shown if c in names] if shown else names
    return [c for c in chosen if c not in INTERNAL] or names


def _render(rows: list[dict], names: list[str], title: str | None, width: int,
            sections: Sequence[str] = ()) -> list[Table]:
    """Rich tables of the rows: one, or one per value of the `sections` columns (titled with it)."""
    names = [n for n in names if n not in sections] or names
    numeric = {n for n in names if any(isinstance(r.get(n), (int, float, Decimal)) and not isinstance(r.get(n), bool)
                                       for r in rows[:50])}
    labels = [n.replace("_", " ") for n in names]
    cells = [[_cell(n, row.get(n)) for n in names] for row in rows]
    widths = _widths(labels, cells, {n.replace("_", " ") for n in numeric}, width)
    # Columns that still do not fit are left out (never folded); CSV/JSON or --columns show them.
    keep = len(names)
    while keep > 1 and sum(widths[:keep]) + 3 * keep + 1 > width:
        keep -= 1
    if keep < len(names):
        note_line(f"{len(names) - keep} column(s) do not fit this terminal ({', '.join(names[keep:])}); "
                  "choose with --columns, or use --format csv.")
        names, labels, widths = names[:keep], labels[:keep], widths[:keep]
        cells = [row[:keep] for row in cells]
    # Cells are Text, not markup ("[link=…]" in a post stays text), and control characters
    # (terminal escape sequences in a post) are shown as U+FFFD, never sent to the terminal.
    groups: dict[tuple, list[list[str]]] = {}
    for row, cell_row in zip(rows, cells):
        groups.setdefault(tuple(format_number(row.get(s)) for s in sections), []).append(cell_row)
    tables = []
    for key, group in (groups.items() if rows else [((), [])]):
        heading = " · ".join([title or "", *key]).strip(" ·") if key else title
        table = Table(title=terminal_text(heading) if heading else None, title_justify="left")
        for name, label, w in zip(names, labels, widths):
            right = name in numeric or name == LEFT_CONTEXT
            table.add_column(terminal_text(label), justify="right" if right else "left", width=w, overflow="fold")
        for row in group:
            table.add_row(*(terminal_text(_cut(c, w, n in CUT_AT_START)) for n, c, w in zip(names, row, widths)))
        tables.append(table)
    return tables


def note_line(text: str) -> None:
    """A note on standard error (silenced by --quiet)."""
    if not quiet():
        err_console.print(terminal_text(f"Note: {text}"), soft_wrap=True)


def print_table(data: Any, out: OutputOptions | str = "table", title: str | None = None, note: str | None = None,
                columns: Iterable[str] | None = None, shown: Sequence[str] | None = None,
                limit: int | None = None, default_limit: int | None = None, sections: Sequence[str] = ()) -> None:
    """Print rows (list of dicts, Arrow table or DuckDB relation) as a table, CSV or JSON, or write
    them to `out.output` (CSV, JSON or XLSX).

    columns: every column in order (default: the data's); shown: the columns a screen table shows
    (default: all but internal ids); limit: rows kept in every format (0 or None: all);
    default_limit: rows a screen table shows when no limit was given; sections: columns a screen
    shows as one table per value (e.g. the groups of a ranking) instead of as columns.
    """
    if isinstance(out, str):
        out = OutputOptions(format=out)
    fmt = out.resolved_format()
    rows, names = rows_of(data)
    names = list(columns) if columns else names
    names = _select(names, out, fmt, shown)
    total = len(rows)
    cut = limit or (default_limit if fmt == "table" and limit is None and out.output is None else None)
    if cut and total > cut:
        rows = rows[:cut]
        if limit is None:
            note_line(f"showing {cut:,} of {total:,} rows — use --limit 0 for all, or --format csv.")
    if out.output is not None:
        _write_file(rows, names, out, fmt, title)
        if note:
            note_line(note)
        return
    if fmt == "json":
        sys.stdout.write(json.dumps([{n: _jsonable(r.get(n)) for n in names} for r in rows], ensure_ascii=False,
                                    indent=1) + "\n")
    elif fmt == "csv":
        sys.stdout.write(csv_text(rows, names, out.bom))
    else:
        for table in _render(rows, names, title, console.width, sections if not out.columns else ()):
            console.print(table)
        if not rows:
            console.print("[dim]No rows.[/dim]")
    # Notes (scope, unknown values) are not wrapped: scripts and tests read them as one line.
    if note and fmt == "table":
        if not quiet():
            console.print(Text.assemble(("Note:", "yellow"), " ", terminal_text(note)), soft_wrap=True)
    elif note:
        note_line(note)


def csv_text(rows: list[dict], names: list[str], bom: bool = False) -> str:
    # Every cell through the one spreadsheet rule (outputs.py): data never starts a formula.
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    writer = csv_writer(buffer)
    writer.writerow([csv_cell(n) for n in names])
    for row in rows:
        writer.writerow([csv_cell(row.get(n)) for n in names])
    return buffer.getvalue()


def _write_file(rows: list[dict], names: list[str], out: OutputOptions, fmt: str, title: str | None) -> None:
    if fmt == "csv":
        with atomic_output(out.output, "w", newline="") as fh:
            fh.write(csv_text(rows, names, out.bom))
    elif fmt == "json":
        with atomic_output(out.output, "w") as fh:
            json.dump([{n: _jsonable(r.get(n)) for n in names} for r in rows], fh, ensure_ascii=False, indent=1)
            fh.write("\n")
    elif fmt == "xlsx":
        write_xlsx(out.output, rows, names, title)
    else:
        with atomic_output(out.output, "w") as fh:
            for table in _render(rows, names, title, 200):
                Console(file=fh, width=200, color_system=None).print(table)
    if not quiet():
        err_console.print(terminal_text(f"Wrote {len(rows):,} rows to {out.output}."), soft_wrap=True)


def write_xlsx(path, rows: list[dict], names: list[str], title: str | None) -> None:
    """One sheet with a frozen, filtered header; every cell through the spreadsheet rule (outputs.py)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(re.sub(r"[\[\]:*?/\\]", " ", title or "rows")[:31] or "rows")
    sheet.freeze_panes = "A2"
    if names:
        from openpyxl.utils import get_column_letter

        sheet.auto_filter.ref = f"A1:{get_column_letter(len(names))}{len(rows) + 1}"
    sheet.append([xlsx_cell(n) for n in names])
    for row in rows:
        sheet.append([xlsx_cell(row.get(n)) for n in names])
    with atomic_output(path, "wb") as fh:
        book.save(fh)


def print_tables(tables: dict[str, Any], out: OutputOptions | str = "table", titles: dict[str, str] | None = None,
                 extra: dict[str, Any] | None = None, note: str | None = None) -> None:
    """Print several tables of one result: one after the other (table), one JSON object with a key
    per table (and `extra` keys), or CSV blocks separated by one empty line."""
    if isinstance(out, str):
        out = OutputOptions(format=out)
    fmt = out.resolved_format()
    if out.output is not None and fmt != "json":
        raise UsageError("This command prints several tables; write them to a .json file, or use --format csv "
                         "and redirect the output.")
    if fmt == "json":
        obj = dict(extra or {})
        obj.update({k: [_jsonable(r) for r in rows_of(t)[0]] for k, t in tables.items()})
        text = json.dumps(obj, ensure_ascii=False, indent=1) + "\n"
        if out.output is not None:
            with atomic_output(out.output, "w") as fh:
                fh.write(text)
        else:
            sys.stdout.write(text)
        if note:
            note_line(note)
        return
    items = list(tables.items())
    for i, (key, table) in enumerate(items):
        if fmt == "csv" and i:
            sys.stdout.write("\n")
        print_table(table, OutputOptions(format=fmt, bom=out.bom and not i), title=(titles or {}).get(key, key),
                    note=note if i == len(items) - 1 else None)

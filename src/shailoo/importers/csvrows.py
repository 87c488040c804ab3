"""CSV records read defensively, for every CSV importer: physical lines counted, rows with the
wrong number of fields set aside, and rows swallowed by a stray quote recovered.

A quote that opens a cell and is never closed where its row ends makes the CSV reader read on,
through line breaks, until the next quote: the rows in between vanish inside one cell. The reader
here watches records that span several lines; when a line after the first one reads, on its own, as
a whole row of this file (the header's number of fields, a plausible key and date), the record
swallowed rows. It is then split again: the lines from that row on are read afresh (strictly: they
must end outside any quote), their rows are imported, and only the lines before them — the row with
the stray quote — are quarantined, with a reason naming its physical lines. When the fresh reading
does not come out clean, the whole record is quarantined with that reason instead: nothing is
guessed.

Physical line numbers in reasons are those of the whole file, also when a process reads one slice
(`Source.lines_before`, set by store/parallel.py).
"""

from __future__ import annotations

import csv
import re
import sys
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from shailoo.errors import WrongFormat
from shailoo.importers.base import Source

csv.field_size_limit(sys.maxsize)

Row = list[str]
Plausible = Callable[[Row], bool]

_SENTINEL = "\x1fend\x1f"
# A cell that can be a date or time: ISO or day-first dates, or Unix seconds.
_DATE_LIKE = re.compile(r"\s*(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{9,11}(?:\.\d+)?\s*$)")
# At most this many lines of one record are looked at one by one for a swallowed row.
_MAX_PROBED_LINES = 100_000


@dataclass(slots=True)
class Broken:
    """A record to quarantine: why, and its cells as read (for the raw column)."""

    reason: str
    row: Row
    lines: tuple[str, ...] = ()


def plausible_row(width: int, keys: Iterable[int], date: int | None) -> Plausible:
    """A test for 'this line reads as a whole row': `width` fields, non-empty keys, a date-like cell."""
    keys = tuple(keys)

    def test(row: Row) -> bool:
        return (len(row) == width and all(row[k].strip() and "\n" not in row[k] for k in keys)
                and (date is None or bool(_DATE_LIKE.match(row[date]))))

    return test


def refuse_duplicates(header: Row, read: Iterable[str], file_name: str, what: str, key=lambda h: h) -> None:
    """Refuse a header in which a column the format reads appears twice: which one holds the value?"""
    wanted = {key(h) for h in read}
    seen: set[str] = set()
    for name in header:
        k = key(name)
        if k in wanted and k in seen:
            raise WrongFormat(f"{file_name} has the column '{name.strip()}' more than once; expected {what} with "
                              f"each column once (remove or rename the extra one).")
        seen.add(k)


class CsvReader:
    """Records of one CSV stream; `rows()` yields a list of cells per good row, a `Broken` otherwise,
    and an empty list for an empty line."""

    def __init__(self, source: Source, lines: Iterable[str], delimiter: str = ",") -> None:
        self.source = source
        self.delimiter = delimiter
        self._buf: list[str] = []
        self.reader = csv.reader(self._track(lines), delimiter=delimiter)
        self.header_lines = 0
        self.ended_inside_quotes = False
        self._last_line = ""
        self._line = 0  # physical lines read (of this stream)
        self._bad_line: int | None = None  # the first line of the record being read with undecodable bytes
        self.undecodable = 0  # records quarantined for undecodable bytes

    def _track(self, lines: Iterable[str]) -> Iterator[str]:
        buf = self._buf
        line = ""
        search = _UNDECODABLE.search
        for line in lines:
            self._line += 1
            if self._bad_line is None and search(line):
                self._bad_line = self._line
            buf.append(line)
            yield line
        self._last_line = line

    def header(self) -> Row | None:
        try:
            row = next(self.reader, None)
        except csv.Error:
            row = None
        if self._bad_line is not None:
            self._refuse("its header row")
        self._buf.clear()
        self.header_lines = self.reader.line_num
        self._set_lines()
        return row

    def _set_lines(self) -> None:
        # The physical lines read; a slice of a file (`lines_before` set) does not count the header
        # it borrows, so the slices of one file add up to its lines.
        before = self.source.lines_before
        self.source.physical_lines = self.reader.line_num - (self.header_lines if before else 0)

    def rows(self, width: int, plausible: Plausible) -> Iterator[Row | Broken]:
        reader, buf, d = self.reader, self._buf, self.delimiter
        before = self.source.lines_before
        shift = before - self.header_lines if before else 0  # reader line -> physical line of the file
        last = reader.line_num
        # The record before is held back until the next one is read: only the last record of a file
        # can end inside a quoted cell, and only then is that known.
        held: Row | tuple | None = None
        held_lines: list[str] = []
        held_plain, held_first = True, 0
        try:
            while True:
                try:
                    for row in reader:
                        n = reader.line_num
                        if self._bad_line is not None:  # bytes not valid in the file's encoding: this record
                            if held is not None:
                                yield from ((held,) if type(held) is list else held)
                            held, held_plain, held_lines = (self._undecodable(row, n, shift),), False, []
                            last = n
                            continue
                        if n - last == 1 and len(row) == width:  # the common case: one line, every field
                            buf.clear()
                            last = n
                            if held is not None:
                                if type(held) is list:
                                    yield held
                                else:
                                    yield from held
                            held = row
                            continue
                        if held is not None:
                            yield from ((held,) if type(held) is list else held)
                        held_lines = buf[:]
                        buf.clear()
                        held_first, last = last + 1 + shift, n
                        held, held_plain = self._odd(row, held_lines, held_first, n + shift, width, plausible)
                    break
                except csv.Error as exc:  # e.g. a NUL byte: this record is lost, the file goes on
                    if held is not None:
                        yield from ((held,) if type(held) is list else held)
                    lines = [_clean(line) for line in buf]
                    buf.clear()
                    self._bad_line = None
                    first, last = last + 1 + shift, reader.line_num
                    held = (Broken(f"{_where(first, last + shift)} cannot be read as CSV ({exc})", [],
                                   tuple(lines)),)
                    held_plain, held_lines = False, []
            if held is not None:
                fast = type(held) is list
                lines = [self._last_line] if fast else held_lines
                if lines and any('"' in line for line in lines) and not _closed(lines, d):
                    self.ended_inside_quotes = True
                    self.source.ended_inside_quotes = True  # read by store/parallel.py
                    if fast or held_plain:
                        first = last + shift if fast else held_first
                        held = (Broken(f"the file ends inside a quoted cell that opens on line {first} (the file "
                                       f"is cut short, or a quote is never closed)",
                                       held if fast else _loose_row(lines, d), tuple(lines)),)
                yield from ((held,) if type(held) is list else held)
        finally:
            self._set_lines()

    def _undecodable(self, row: Row, n: int, shift: int) -> Broken:
        """The record just read holds bytes its file's encoding does not have: quarantined, its bytes shown
        as U+FFFD. A file where that is common is refused (its encoding was guessed wrong)."""
        bad, self._bad_line = self._bad_line, None
        lines = tuple(_clean(line) for line in self._buf)
        self._buf.clear()
        self.undecodable += 1
        if self.undecodable > _UNDECODABLE_ROWS and self.undecodable * 100 > n:
            self._refuse(f"{self.undecodable:,} of its first {n:,} lines")
        encoding = self.source.table.describe().split(",")[0] if self.source.table else "the file's encoding"
        return Broken(f"bytes not valid in {encoding} at line {bad + shift}", [_clean(c) for c in row], lines)

    def _refuse(self, where: str) -> None:
        table = self.source.table
        name = table.describe().split(",")[0] if table else "its encoding"
        raise WrongFormat(f"{self.source.path.name} is not valid {name} text ({where} hold bytes that are not); "
                          "re-save it as UTF-8 (e.g. 'CSV UTF-8' in a spreadsheet program), or give its encoding.")

    def _odd(self, row: Row, lines: list[str], first: int, end: int, width: int,
             plausible: Plausible) -> tuple[tuple, bool]:
        """The items for a record that spans several lines or has the wrong number of fields, and
        whether it is a plain one (no swallowed rows found)."""
        if len(lines) > 1:
            split = self._swallowed(lines, width, plausible)
            if split is not None:
                j, tail_rows = split
                swallowed = f"line {first + j}" if j == len(lines) - 1 else f"lines {first + j}-{end}"
                if tail_rows is not None:
                    head = Broken(f"{_where(first, end)}: a quote in this row is not closed where the row ends, "
                                  f"so it swallowed {swallowed} (a stray quote probably merged rows); those "
                                  f"lines are read as rows of their own", _loose_row(lines[:j], self.delimiter),
                                  tuple(lines[:j]))
                    return (head, *tail_rows), False
                return (Broken(f"{_where(first, end)} read as one record, but {swallowed} read as rows of "
                               f"their own: a stray quote probably merged rows; fix the quote and import the "
                               f"file again", row, tuple(lines)),), False
        if len(row) == width or not any(cell.strip() for cell in row):
            return (row,), True  # a multi-line quoted cell as exports have, or an empty line
        cut = " (the row is cut short)" if len(row) < width else ""
        return (Broken(f"has {len(row)} fields where the header has {width}{cut} ({_where(first, end)})",
                       row, tuple(lines)),), True

    def _swallowed(self, lines: list[str], width: int, plausible: Plausible):
        """(index of the first swallowed line, its rows read afresh or None), or None if none swallowed."""
        d = self.delimiter
        need = width - 1  # a whole row has at least this many delimiters: a cheap test first
        candidates = [j for j in range(1, min(len(lines), _MAX_PROBED_LINES))
                      if lines[j].count(d) >= need and plausible(_one_line(lines[j], d))]
        if not candidates:
            return None
        for j in candidates[:3]:
            rows = _strict_rows(lines[j:], d)
            if rows is not None and rows and all(plausible(r) for r in rows):
                return j, rows
        return candidates[0], None


# What undecodable bytes become when read with errors="surrogateescape" (base.Source.open_csv).
_UNDECODABLE = re.compile("[\udc80-\udcff]")
_UNDECODABLE_ROWS = 10  # a file with more records than this holding such bytes, and over 1 % of them: refused


def _clean(text: str) -> str:
    """`text` with undecodable bytes shown as U+FFFD (a lone surrogate cannot be stored)."""
    return _UNDECODABLE.sub("\ufffd", text) if "\udc80" <= max(text, default="\x00") else text


def _where(first: int, end: int) -> str:
    return f"line {first}" if first >= end else f"lines {first}-{end}"


def _one_line(line: str, delimiter: str) -> Row:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return []


def _strict_rows(lines: list[str], delimiter: str) -> list[Row] | None:
    """The rows of `lines` read afresh, or None if they do not read cleanly (a quote left open, a stray one)."""
    try:
        return list(csv.reader(lines, delimiter=delimiter, strict=True))
    except csv.Error:
        return None


def _loose_row(lines: list[str], delimiter: str) -> Row:
    try:
        return next(csv.reader(lines, delimiter=delimiter), [])
    except csv.Error:
        return ["".join(lines)]


def _closed(lines: list[str], delimiter: str) -> bool:
    """Whether a record read from `lines` ended outside any quoted cell: a line after it reads as its own."""
    try:
        rows = list(csv.reader([*lines, _SENTINEL + "\n"], delimiter=delimiter))
    except csv.Error:
        return True
    return bool(rows) and rows[-1] == [_SENTINEL]


def literal_cells(lines: Iterable[str], delimiter: str = ",") -> list[Row]:
    """Each line split at every delimiter, quotes taken literally: where a broken record's cells
    would be had its quotes been right (used to find private values inside it)."""
    out = []
    for line in lines:
        try:
            out.append(next(csv.reader([line], delimiter=delimiter, quoting=csv.QUOTE_NONE), []))
        except csv.Error:
            continue
    return out

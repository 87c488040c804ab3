"""What every importer module provides, and the Source it reads from.

An importer module defines:
    FORMAT = ImporterInfo(id="...", name="...", description="...")
    def sniff(head: str, path: Path) -> bool          # does this file look like mine?
    def read(source: Source) -> Iterator[Record]     # PostRecord | AccountRecord | RowError | Skipped
and optionally `export_time(path) -> datetime | None` (when the file says when it was exported).
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shailoo import csvfiles
from shailoo.errors import printable
from shailoo.importers.parse import BadValue
from shailoo.records import AccountRecord, PostRecord, RowError, Skipped

Record = Union[PostRecord, AccountRecord, RowError, Skipped]


@dataclass(frozen=True)
class ImporterInfo:
    id: str
    name: str
    description: str
    extensions: tuple[str, ...] = ()


class _CountingReader(io.RawIOBase):
    """A binary file wrapper that counts bytes read (for progress bars) and can show only part of a file:
    its first `header_end` bytes (the header row), then the bytes from `start` to `end`."""

    def __init__(self, raw: io.BufferedReader, source: "Source") -> None:
        self._raw = raw
        self._source = source
        self._segments: list[tuple[int, int]] | None = None
        if source.byte_range is not None:
            start, end = source.byte_range
            self._segments = [(0, source.header_end), (start, end)] if start > 0 else [(0, end)]
            self._raw.seek(self._segments[0][0])

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._segments is None:
            n = self._raw.readinto(buffer)
        else:
            n = 0
            while self._segments and n == 0:
                start, end = self._segments[0]
                left = end - self._raw.tell()
                if left <= 0:
                    self._segments.pop(0)
                    if self._segments:
                        self._raw.seek(self._segments[0][0])
                    continue
                view = memoryview(buffer)[: min(len(buffer), left)]
                n = self._raw.readinto(view) or 0
                if n == 0:
                    self._segments = []
        self._source.bytes_read += n or 0
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


class Warnings:
    """What an import says about a file beside its counts: facts about the whole file (a column it
    lacks) and rows of one kind, counted with their first record numbers.

    Each warning is a template whose {n}, {rows}, {posts} and {records} are written out when the
    import ends, so that the counts of a file read in slices by several processes add up (`merge`).
    Values from the file go into a template through `quoted`.
    """

    FIRST = 5  # record numbers named per warning

    def __init__(self) -> None:
        self.items: dict[str, list] = {}  # template -> [count, first record numbers]

    def add(self, template: str, count: int = 1, record: int | None = None) -> None:
        item = self.items.get(template)
        if item is None:
            item = self.items[template] = [0, []]
        item[0] += count
        if record is not None and len(item[1]) < self.FIRST:
            item[1].append(record)

    def merge(self, items: dict[str, list], offset: int = 0) -> None:
        """Add another reading's warnings, whose record numbers start after `offset` records."""
        for template, (count, records) in items.items():
            self.add(template, count)
            first = self.items[template][1]
            first.extend(r + offset for r in records[: self.FIRST - len(first)])

    def texts(self) -> list[str]:
        out = []
        for template, (n, records) in self.items.items():
            shown = ", ".join(str(r) for r in records) + (", …" if n > len(records) else "")
            out.append(template.format(n=f"{n:,}", rows="row" if n == 1 else "rows",
                                       posts="post" if n == 1 else "posts",
                                       records=("record " if len(records) == 1 else "records ") + shown))
        return out

    @staticmethod
    def quoted(value: str, size: int = 60) -> str:
        """A value from the file (a column name, a zone) as a template may hold it: printable, short,
        its braces escaped."""
        text = "".join(ch if ch.isprintable() else "?" for ch in printable(str(value))[:size])
        text = text if len(text) < size else text[: size - 1] + "…"
        return text.replace("{", "{{").replace("}", "}}")


ZONE_ASSUMED = "times without a zone were taken in {zone} for {{n}} {{rows}}"


def zone_assumed(zone: ZoneInfo) -> str:
    """The warning template for rows whose time had no zone and was taken in `zone`."""
    return ZONE_ASSUMED.format(zone=Warnings.quoted(zone.key))


def assumed_zone(options: dict[str, Any], default: str | None = None) -> ZoneInfo:
    """The zone of times written without one: the zone given at import (`--timezone`), else
    `default` (a format's own documented zone), else the workspace's (`options["timezone"]`), else UTC."""
    name = options.get("timezone") if options.get("timezone_given") or default is None else default
    try:
        return ZoneInfo(str(name or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass
class Source:
    """A file being imported, with the options the user gave and a byte counter for progress.

    `byte_range` (with `header_end`) restricts reading to one slice of a large CSV plus its header
    row, so two processes can each read half of the file (see store/parallel.py).
    """

    path: Path
    options: dict[str, Any] = field(default_factory=dict)
    bytes_read: int = 0
    byte_range: tuple[int, int] | None = None
    header_end: int = 0
    # Set by line-based readers (CSV): the physical lines read, shown beside the record count so
    # a user sees when quoted cells folded lines together.
    physical_lines: int | None = None
    lines_before: int = 0  # a slice of a file: the lines before it, so reasons give the file's line numbers
    ended_inside_quotes: bool = False  # set by the CSV reader: a slice cut inside a quoted cell is wrong
    # A CSV file's encoding and delimiter, detected once (`text_table`); `dialect` says what the
    # importer used, for the import summary and record.
    table: csvfiles.TextTable | None = None
    dialect: str | None = None
    warnings: Warnings = field(default_factory=Warnings)

    @property
    def size(self) -> int:
        if self.byte_range is not None:
            return self.byte_range[1] - self.byte_range[0]
        return self.path.stat().st_size

    def open_binary(self) -> io.BufferedReader:
        return io.BufferedReader(_CountingReader(open(self.path, "rb"), self), buffer_size=1 << 20)

    def open_text(self, newline: str | None = None) -> io.TextIOWrapper:
        # utf-8-sig drops the BOM that spreadsheet programs write
        return io.TextIOWrapper(self.open_binary(), encoding="utf-8-sig", errors="strict", newline=newline)

    def text_table(self) -> csvfiles.TextTable:
        """The file's encoding and delimiter, detected from its first bytes once (a slice read by
        another process detects from the same bytes, so it reads as the whole file does)."""
        if self.table is None:
            self.table = csvfiles.detect(self.path)
        return self.table

    def open_csv(self, delimiter: str | None = None) -> tuple[io.TextIOWrapper, str]:
        """The file as text in its detected encoding (a BOM dropped), lines as written, and the delimiter
        to read it with: `delimiter` if the user gave one, else the detected one. Sets `dialect`."""
        table = self.text_table()
        if delimiter:
            table = csvfiles.TextTable(table.encoding, delimiter)
        self.dialect = table.describe()
        encoding = "utf-8-sig" if table.encoding == "utf-8" else table.encoding
        # bytes not valid in the encoding come through as lone surrogates: the CSV reader quarantines
        # the row holding them (csvrows.CsvReader) instead of the whole file being refused
        return (io.TextIOWrapper(self.open_binary(), encoding=encoding, errors="surrogateescape", newline=""),
                table.delimiter)

    def finish(self, records: int) -> None:
        """Called by a CSV importer when its reading ends: a slice read by another process (see
        store/parallel.py) leaves its warnings and dialect in a file for the importing process."""
        folder = self.options.get(SLICE_NOTES)
        if folder and self.byte_range is not None:
            note = {"start": self.byte_range[0], "records": records, "dialect": self.dialect,
                    "warnings": self.warnings.items}
            (Path(folder) / f"notes-{self.byte_range[0]}.json").write_text(json.dumps(note), encoding="utf-8")


SLICE_NOTES = "_slice_notes"  # option set by the loader for slices read by other processes: a folder


def read_head(path: Path, size: int = 65536) -> str:
    """The file's first bytes as text, in the encoding they are in (a CSV re-saved as UTF-16 or
    cp1251 is recognised like its UTF-8 original), a BOM dropped."""
    with open(path, "rb") as fh:
        data = fh.read(size)
    encoding = csvfiles.detect_encoding(data)
    return data.decode(encoding, errors="ignore").lstrip("\ufeff")


def skip_bom(fh) -> None:
    """Step over the UTF-8 byte-order mark that some tools write."""
    if fh.peek(3)[:3] == b"\xef\xbb\xbf":
        fh.read(3)


# Post keys that begin with a person's id: a VK post is '<owner>_<post>', and a positive owner is a
# person's wall. The stager replaces that id with the person's pseudonym unless they are a registered
# actor (store/stager.py), in post keys and parent keys alike.
PERSON_KEYS = {"vk": re.compile(r"(?P<owner>[1-9][0-9]{0,17})(?P<rest>_[0-9]{1,18})")}


# ---- what quarantined rows keep -----------------------------------------------------------------

RAW_LIMIT = 16_384  # characters of a quarantined record's raw content that are kept


def dump_raw(obj: Any) -> str:
    """The raw form of a record for the quarantine table (whole; `row_error` cuts it)."""
    if isinstance(obj, str):
        return obj
    return json.dumps(obj, ensure_ascii=False, default=str)


def shown(value: Any, size: int = 40) -> str:
    """A value as JSON writes it, cut short, for a reason ('"abc"', 'true', '-5')."""
    try:
        return json.dumps(value, ensure_ascii=False, default=str)[:size]
    except ValueError:  # an int beyond Python's digit limit
        return "a very long number"


def cut_raw(raw: str, private: Iterable[str] = ()) -> str:
    """`raw` cut to RAW_LIMIT characters, never inside one of the `private` values (a name cut in half
    would escape the stager's pseudonymisation)."""
    if len(raw) <= RAW_LIMIT:
        return raw
    cut = RAW_LIMIT
    for value in private:
        for form in {value, json.dumps(value, ensure_ascii=False)[1:-1]}:
            if not form:
                continue
            found = raw.find(form, max(0, cut - len(form) + 1), cut + len(form) - 1)
            if 0 <= found < cut < found + len(form):
                cut = found
    return f"{raw[:cut]}… [cut: {len(raw):,} characters in all]"


def row_error(number: int, reason: str, obj: Any, private: Iterable[str] = (), platform: str = "") -> RowError:
    """A quarantined record whose raw content is bounded, with the private values found in it."""
    values = tuple(dict.fromkeys(v for v in private if isinstance(v, str) and v.strip()))
    return RowError(number, reason, cut_raw(dump_raw(obj), values), private=values, platform=platform)


def private_in_text(raw: str, keys: Iterable[str]) -> tuple[str, ...]:
    """Best effort for a span that is not JSON: the values written after any of `keys` ("from": "…",
    "from_id": 123), as they stand in `raw`; chats' and channels' own ids are left out."""
    pattern = re.compile(r'"(?:%s)"\s*:\s*(?:"((?:[^"\\]|\\.){1,500}?)(?:"|$)|(\d{1,20})(?!\d))'
                         % "|".join(re.escape(k) for k in keys))
    found = []
    for m in pattern.finditer(raw):
        value = m.group(1) if m.group(1) is not None else m.group(2)
        if not re.match(r"(?:channel|chat)\d", value):
            found.append(value)
    return tuple(dict.fromkeys(found))


MAX_TEXT_CHARS = 1_000_000  # one text: Telegram allows 4,096 characters, VK 16,384, X 25,000


def check_text(text: str | None, column: str) -> str | None:
    """A text within MAX_TEXT_CHARS; longer ones are refused (no platform allows a post near it)."""
    if text is not None and len(text) > MAX_TEXT_CHARS:
        raise BadValue(f"{column} is {len(text):,} characters long, more than the {MAX_TEXT_CHARS:,} "
                       "shailoo accepts for one text")
    return text

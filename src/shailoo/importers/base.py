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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Union

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


def read_head(path: Path, size: int = 65536) -> str:
    with open(path, "rb") as fh:
        data = fh.read(size)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", errors="ignore")


def dump_raw(obj: Any) -> str:
    """The raw form of a record for the quarantine table."""
    if isinstance(obj, str):
        return obj
    return json.dumps(obj, ensure_ascii=False, default=str)


def iter_json_documents(source: Source) -> Iterator[tuple[int, Any]]:
    """Yield (line number, object) from a file holding one JSON document or one per line (JSONL).

    A line that is not JSON is yielded as (line number, json.JSONDecodeError); the error's `.doc`
    is the line's text, for the quarantine. A file that is neither is yielded once as (1, error).
    """
    with source.open_text() as fh:
        first_line = fh.readline()
        try:
            first = json.loads(first_line)
        except json.JSONDecodeError:
            first = None
        if first is None:  # a pretty-printed single document, or JSONL whose first line is broken
            text = first_line + fh.read()
            try:
                yield 1, json.loads(text)
                return
            except json.JSONDecodeError as exc:
                lines = text.splitlines()
                if sum(1 for line in lines if line.strip()) < 2:
                    yield 1, exc
                    return
            yield from _json_lines(enumerate(lines, start=1))
            return
        yield 1, first
        yield from _json_lines(enumerate(fh, start=2))


def _json_lines(numbered) -> Iterator[tuple[int, Any]]:
    for number, line in numbered:
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, exc

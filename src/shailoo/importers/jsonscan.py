"""The scanner under every JSON importer: finds where a JSON value ends without building it, with
bounds on depth and size, and resynchronises after a broken record (importers/jsonstream.py reads
records through it).

Files are hostile: a value nested 100,000 deep, a 50 MB string, a corrupt byte mid-file. Only a
record found to be within the bounds goes to json.loads, so memory stays bounded.
"""

from __future__ import annotations

import io
import json
import math
import re
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable

from shailoo.importers.base import RAW_LIMIT

MAX_DEPTH = 64  # nesting levels in one record; real exports use fewer than 10
MAX_RECORD_BYTES = 16 << 20  # one item of an array (a message, a post, an API page)
MAX_DOCUMENT_BYTES = 64 << 20  # one JSONL line, or one document outside an array
_CHUNK = 1 << 20

_WS = re.compile(rb"[ \t\r\n]*")
# Runs the scanner skips in one regex step (possessive, so nothing backtracks): bytes outside strings
# and brackets, whole strings, and whole containers nested at most one or two levels (an entity, a
# reaction list), so most messages take a few Python steps. _RUNS[n] skips containers n levels deep.
_STR = rb'"[^"\\\x00-\x1f]*+(?:\\[\s\S][^"\\\x00-\x1f]*+)*+"'
_PLAIN = rb'[^"{}\[\]]++'
_LEAF = rb"[\[{](?:" + _PLAIN + b"|" + _STR + rb")*+[\]}]"
_LEVEL2 = rb"[\[{](?:" + _PLAIN + b"|" + _STR + b"|" + _LEAF + rb")*+[\]}]"
_RUNS = [re.compile(b"(?:" + b"|".join(parts) + b")*+")
         for parts in ((_PLAIN, _STR), (_PLAIN, _STR, _LEAF), (_PLAIN, _STR, _LEVEL2))]
_STRING_REST = re.compile(rb'[^"\\\x00-\x1f]*(?:\\[\s\S][^"\\\x00-\x1f]*)*')
_SCALAR = re.compile(rb'[^ \t\r\n,\]}\[{"]*')


@dataclass(frozen=True)
class JsonProblem:
    """A span of a file that could not be read as a record: why, where, and its first bytes."""

    reason: str
    raw: str
    start: int
    end: int


@dataclass
class _Scan:
    start: int
    end: int
    data: bytes | None  # the value, when it is within the bounds
    problem: str | None = None  # why it cannot be read
    broken: bool = False  # its structure is broken (reading must resynchronise)
    prefix: bytes = b""  # its first bytes, for the quarantine


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _float(text: str) -> float | str:
    # 1e400 would become inf: kept as written, so the field that holds it says what it was
    number = float(text)
    return number if math.isfinite(number) else text


def _loads(data: bytes) -> Any:
    """json.loads for a value the scanner has bounded; raises ValueError (a decode error, a number
    of more than 4,300 digits, NaN or Infinity, text that is not UTF-8)."""
    return json.loads(data, parse_constant=_reject_constant, parse_float=_float)


def _decode_error(exc: ValueError, start: int) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at byte {start + exc.pos:,}"
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


class _Reader:
    """A window on a seekable binary file: finds where JSON values end, holding only what it must."""

    def __init__(self, fh: BinaryIO, on_read: Callable[[int], None] | None = None) -> None:
        self.fh = fh
        self.on_read = on_read
        self.buf = bytearray()
        self.base = fh.tell()  # file offset of buf[0]
        self.pos = 0
        self.hold: int | None = None  # buf index from which bytes are kept
        self.prefix = b""  # the first bytes of a value no longer held
        self.eof = False
        self.lost_end = False  # resynchronising found no record before the end of the file
        self.too_deep = False  # the last value scanned was nested beyond MAX_DEPTH
        self.limit = 0  # bytes the value being scanned may have

    @property
    def offset(self) -> int:
        return self.base + self.pos

    def seek(self, offset: int) -> None:
        self.fh.seek(offset)
        self.buf.clear()
        self.base, self.pos, self.hold, self.eof = offset, 0, None, False

    def more(self) -> bool:
        """Read on, dropping what is no longer needed; False at the end of the file."""
        if self.eof:
            return False
        keep = self.pos if self.hold is None else min(self.hold, self.pos)
        if keep:
            del self.buf[:keep]
            self.base += keep
            self.pos -= keep
            if self.hold is not None:
                self.hold -= keep
        data = self.fh.read(max(_CHUNK, len(self.buf)))
        if not data:
            self.eof = True
            return False
        self.buf += data
        if self.on_read:
            self.on_read(self.base + len(self.buf))
        return True

    def peek(self) -> int | None:
        """The next byte that is not white space (left unread), or None at the end of the file."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return None

    def held(self, start: int, size: int) -> bytes:
        """Up to `size` bytes from file offset `start`, as far as the window still has them."""
        i = start - self.base
        return bytes(self.buf[i:i + size]) if i >= 0 else b""

    def scan(self, limit: int, attempt: bool = False) -> _Scan:
        """Find the end of the value at the current position. Beyond `limit` bytes or MAX_DEPTH levels
        the value is no longer held (only its end is looked for); with `attempt`, give up there."""
        start, self.hold, self.prefix, self.too_deep, self.limit = self.offset, self.pos, b"", False, limit
        depth, in_string, problem = 0, False, None
        first = self.buf[self.pos]
        if first in (0x7D, 0x5D):  # a stray closing bracket
            self.pos += 1
            return self._done(start, f"a stray '{chr(first)}'", True)
        if first == 0x22:
            in_string, self.pos = True, self.pos + 1
        elif first not in (0x7B, 0x5B):  # a number, a literal, or garbage: up to the next delimiter
            while True:
                self.pos = _SCALAR.match(self.buf, self.pos).end()
                if self.pos < len(self.buf) or not self.more():
                    break
                if self.offset - start > limit:
                    return _Scan(start, self.offset, None, "a value is too long", broken=True)
            return self._done(start, None, False)
        else:  # the opening bracket: the runs below skip whole containers, not this one
            depth, self.pos = 1, self.pos + 1
        while True:
            if in_string:
                self.pos = _STRING_REST.match(self.buf, self.pos).end()
                n = len(self.buf)
                if self.pos < n and not (self.pos == n - 1 and self.buf[self.pos] == 0x5C):
                    if self.buf[self.pos] != 0x22:  # a raw control character: not JSON here
                        return self._done(start, "a line break or control character inside a string", True)
                    self.pos += 1
                    in_string = False
                    if depth == 0:
                        return self._done(start, problem, False)
                    continue
            else:
                self.pos = _RUNS[max(0, min(2, MAX_DEPTH - depth))].match(self.buf, self.pos).end()
                if self.pos < len(self.buf):
                    c = self.buf[self.pos]
                    self.pos += 1
                    if c == 0x22:
                        in_string = True
                    elif c == 0x7B or c == 0x5B:
                        depth += 1
                        if depth > MAX_DEPTH and not self.too_deep:
                            self.too_deep = True
                            if attempt:
                                return _Scan(start, self.offset, None, "too deep", broken=True)
                            problem = f"it is nested more than {MAX_DEPTH} levels deep"
                            self._release()
                    else:
                        depth -= 1
                        if depth == 0:
                            return self._done(start, problem, False)
                    continue
            if problem is None and self.offset - start > limit:
                if attempt:
                    return _Scan(start, self.offset, None, "too large", broken=True)
                problem = f"it is larger than the {_size(limit)} shailoo reads as one record"
                self._release()
            if not self.more():
                return self._done(start, "the file ends inside it", True)

    def _release(self) -> None:
        """Stop holding the value being scanned (keeping its first bytes for the quarantine)."""
        if self.hold is not None:
            self.prefix = bytes(self.buf[self.hold:self.hold + RAW_LIMIT])
            self.hold = None

    def _done(self, start: int, problem: str | None, broken: bool) -> _Scan:
        if problem is None and self.offset - start > self.limit:  # the window grew past it in one read
            problem = f"it is larger than the {_size(self.limit)} shailoo reads as one record"
        data = None if problem or self.hold is None else bytes(self.buf[self.hold:self.pos])
        prefix = self.prefix if self.hold is None else bytes(self.buf[self.hold:self.hold + RAW_LIMIT])
        return _Scan(start, self.offset, data, problem, broken, prefix)

    def starts_record(self, i: int) -> bool:
        """Is the '{' at buf[i] where a record could start: first on its line, or after ',' or '['?"""
        j, newline = i - 1, False
        while j >= 0 and self.buf[j] in b" \t\r\n":
            newline = newline or self.buf[j] == 0x0A
            j -= 1
        return newline or j < 0 or self.buf[j] in b",["

    def bytes_at(self, offset: int, size: int) -> bytes:
        """`size` bytes of the file from `offset`, from the window or else read aside (the window stays)."""
        i = offset - self.base
        if 0 <= i and i + size <= len(self.buf):
            return bytes(self.buf[i:i + size])
        here = self.fh.tell()
        try:
            self.fh.seek(max(0, offset))
            return self.fh.read(max(0, size))
        finally:
            self.fh.seek(here)

    def indent_of(self, offset: int) -> bytes | None:
        """The white space before `offset` on its line when nothing else precedes it there (the indent of
        a pretty-printed record), else None."""
        before = self.bytes_at(max(0, offset - 256), min(offset, 256))
        line = before.rsplit(b"\n", 1)
        if len(line) == 1 and offset > 256:
            return None
        rest = line[-1]
        return rest if not rest.strip(b" \t\r") else None

    def _goto(self, offset: int) -> None:
        if offset - self.base < 0 or offset - self.base > len(self.buf):
            self.seek(offset)
        self.pos, self.hold = offset - self.base, None

    def _attempt(self, looks_like: Callable[[Any], bool]) -> Any:
        """The record starting at the current position if it is within the bounds, parses and `looks_like`
        one (the reader then stands after it), else _MISSING (the reader stays)."""
        candidate = self.offset
        scan = self.scan(MAX_RECORD_BYTES, attempt=True)
        obj = _MISSING
        if scan.data is not None:
            try:
                value = _loads(scan.data)
            except (ValueError, RecursionError):
                value = _MISSING
            if value is not _MISSING and looks_like(value):
                obj = value
        self.hold = None
        if obj is _MISSING:
            self._goto(candidate)
        return obj

    def resync(self, looks_like: Callable[[Any], bool], at: int, array: bool,
               indent: bytes | None) -> tuple[int, Any, list[int]]:
        """After the broken value at file offset `at`, which stands at the level of records (an item of
        the array of records, or a document of the file), the next value at that same level that
        parses and `looks_like` a record: (its offset, it, starts), or (where reading stops, None,
        starts). `starts` are the offsets of the values begun at that level inside the skipped span
        (the broken one first), so that each can be counted. Objects nested inside a record are never
        taken for records: where the broken value starts its line (`indent`, pretty-printed files),
        only objects starting a line at that indent are candidates; elsewhere brackets are followed
        (tolerantly) from `at`."""
        if indent is not None:  # pretty-printed (or one record per line): indentation tells the levels
            return self._by_indent(looks_like, at, indent, array)
        found = self._walk(looks_like, at, array)
        return found if found is not None else self._by_indent(looks_like, at, None if array else b"", array)

    def _walk(self, looks_like: Callable[[Any], bool], at: int, array: bool) -> tuple[int, Any, list[int]] | None:
        """Follow brackets and strings from `at` as JSON would, tolerating damage: a '{' not followed by a
        key is junk, a closer with no opener is stray, a raw line break ends a string (none holds one).
        None when the level of records is never found again (within _RESYNC_WALK bytes)."""
        self._goto(at)
        stack, in_string, starts = bytearray(), False, [at]
        while True:
            if self.offset - at > _RESYNC_WALK:
                return None
            m = (_WALK_STR if in_string else _WALK).search(self.buf, self.pos)
            if m is None:
                self.pos = len(self.buf)
                if not self.more():
                    return None
                continue
            i = m.start()
            c, off = self.buf[i], self.base + i
            self.pos = i + 1
            if in_string:
                if c == 0x5C:  # step over the escaped byte (reading it first if the window ends here)
                    if self.pos >= len(self.buf) and not self.more():
                        return None
                    self.pos += 1
                elif c == 0x0A or self.peek() in _AFTER_STRING:  # a raw line break: no JSON string holds one
                    in_string = False
                # else what follows cannot follow a string: a stray quote inverted the strings, and this
                # quote opens the next one instead
                continue
            if c == 0x22:
                in_string = True
            elif c in (0x7B, 0x5B):
                candidate = c == 0x7B and not stack and off != at and self.starts_record(i)
                if candidate:
                    self.pos = i
                    obj = self._attempt(looks_like)
                    if obj is not _MISSING:
                        return off, obj, starts
                    self._goto(off + 1)
                if c == 0x7B and self.peek() not in (0x22, 0x7D):
                    continue  # not an object: a junk '{'
                if stack and stack[-1] == 0x7B and self.bytes_at(max(0, off - 64), min(off, 64)).rstrip()[-1:] != b":":
                    continue  # inside an object a value follows ':'; elsewhere (where a key should be) it is junk
                if candidate:  # a record of its own that cannot be read either
                    starts.append(off)
                stack.append(c)
            elif c in (0x7D, 0x5D):
                opener = 0x7B if c == 0x7D else 0x5B
                if opener in stack:  # closers missing in between are taken as lost
                    del stack[len(stack) - 1 - stack[::-1].index(opener):]
                elif not stack and c == 0x5D and array:  # the array of records ends
                    self._goto(off)
                    return off, None, starts

    def _by_indent(self, looks_like: Callable[[Any], bool], at: int, indent: bytes | None,
                   array: bool) -> tuple[int, Any, list[int]]:
        """Candidates only at the start of a line indented as the broken value was (pretty-printed files;
        column 0 for documents): nested objects are indented deeper. In an array, a ']' starting a line
        less indented ends it."""
        starts = [at]
        if indent is None:  # nothing tells the levels: the rest of the file is lost in this span
            self.lost_end = True
            self.seek(self.fh.seek(0, io.SEEK_END))
            return self.offset, None, starts
        self._goto(at + 1)
        lead = re.compile(b"\n(?:(" + re.escape(indent) + b")\\{"
                          + (b"|[ \t]{0,%d}\\]" % (len(indent) - 1) if array and indent else b"") + b")")
        while True:
            m = lead.search(self.buf, self.pos)
            if m is None:
                self.pos = max(self.pos, len(self.buf) - len(indent) - 2)
                if not self.more():
                    self.pos = len(self.buf)
                    self.lost_end = True
                    return self.offset, None, starts
                continue
            self.pos = m.end() - 1
            off = self.offset
            if m.group(1) is None:  # the array of records ends
                return off, None, starts
            obj = self._attempt(looks_like)
            if obj is not _MISSING:
                return off, obj, starts
            starts.append(off)
            self._goto(off + 1)


_MISSING = object()
_WALK = re.compile(rb'["{}\[\]]')
_WALK_STR = re.compile(rb'["\\\n]')
_RESYNC_WALK = MAX_RECORD_BYTES  # bytes followed bracket by bracket after a break before falling back
_AFTER_STRING = (None, 0x3A, 0x2C, 0x5D, 0x7D)  # the end, ':', ',', ']' or '}'
_AFTER_ITEM = (0x2C, 0x5D)  # what may follow an item of an array: ',' or ']'
_AFTER_DOCUMENT = (None, 0x7B, 0x5B)  # what may follow a document: the end, or another document


def _shown_byte(c: int | None) -> str:
    return "nothing" if c is None else f"'{chr(c)}'" if 0x20 < c < 0x7F else f"byte 0x{c:02x}"


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 and n % (1 << 20) == 0 else f"{n:,} bytes"

"""Bounded streaming of JSON exports: records found without building them, then parsed one by one.

Files are hostile: a value nested 100,000 deep, a 50 MB string, a corrupt byte mid-file. A small
scanner finds where each record ends without building anything, so memory stays bounded, and only
a record within the bounds below goes to json.loads. After a broken record, reading resumes at the
next object that parses and looks like a record of the format.
"""

from __future__ import annotations

import io
import json
import math
import re
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, Iterator

from shailoo.importers.base import RAW_LIMIT, Source

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


def _value(reader: _Reader, limit: int, looks_like: Callable[[Any], bool], label: Callable[[int], str],
           array: bool) -> Iterator[Any]:
    """The value at the reader's position, or a JsonProblem. A value whose extent is known (its brackets
    close) but that is not JSON is one problem, and reading goes on after it. A broken one is followed by
    resynchronising at the level of records: one problem per value begun at that level in the skipped
    span (`label(k)` names the k-th), then the record found (if there is one before the end)."""
    indent = reader.indent_of(reader.offset)
    scan = reader.scan(limit)
    reason = scan.problem or "not JSON"
    if scan.data is not None:
        reader.hold = None
        try:
            value, reason = _loads(scan.data), None
        except ValueError as exc:
            value, reason = _MISSING, _decode_error(exc, scan.start)
        follower = reader.peek()
        if follower in (_AFTER_ITEM if array else _AFTER_DOCUMENT):
            if reason is None:
                yield value
            else:  # its extent is known: nothing after it is lost
                yield JsonProblem(f"{label(0)} (bytes {scan.start:,}–{scan.end:,}) is not JSON ({reason}); its "
                                  f"{scan.end - scan.start:,} bytes were skipped and reading went on at the next "
                                  "record", _text(scan.prefix), scan.start, scan.end)
            return
        # what follows cannot follow a record: its brackets closed too early (a stray '}'), so it is broken
        reason = reason or f"{_shown_byte(follower)} follows where a record should end"
    elif not scan.broken:  # whole, but beyond a bound: skipped as one record
        reader.hold = None
        yield JsonProblem(f"{label(0)} (bytes {scan.start:,}–{scan.end:,}) was not read: {reason}",
                          _text(scan.prefix), scan.start, scan.end)
        return
    found, obj, starts = reader.resync(looks_like, scan.start, array, indent if array else indent or b"")
    if obj is not None and scan.problem == "the file ends inside it":  # the scanner lost the way, not the file
        reason = "a quote or bracket in it is stray or missing"
    after = ("reading went on at the next record" if obj is not None else
             "the list ends after it" if not reader.lost_end else
             "no record could be found after it (was the file cut short?)")
    bounds = [*starts, found]
    for k, (a, b) in enumerate(zip(bounds, bounds[1:])):
        why = reason if k == 0 else "it is broken like the one before it"
        yield JsonProblem(f"{label(k)} (bytes {a:,}–{b:,}) is not JSON ({why}); its {b - a:,} bytes were skipped"
                          + (f" and {after}" if k == len(starts) - 1 else ""),
                          _text(reader.bytes_at(a, min(b - a, RAW_LIMIT))), a, b)
    if obj is not None:
        yield obj


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 and n % (1 << 20) == 0 else f"{n:,} bytes"


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def iter_json_array(reader: _Reader, looks_like: Callable[[Any], bool], noun: str) -> Iterator[Any]:
    """The items of the array at the reader's position ('['), each a value or a JsonProblem; a broken
    item, or anything but ',' between items, is one problem and reading resumes at the next record."""
    reader.pos += 1
    expect_value, number = True, 0
    while True:
        c = reader.peek()
        if c is None:
            yield JsonProblem(f"the file ends before the list of {noun}s is closed (at byte {reader.offset:,}); "
                              "it may have been cut short", "", reader.offset, reader.offset)
            return
        if c == 0x5D:  # ']', unless a stray one: more items follow (', {')
            at = reader.offset
            reader.pos += 1
            if reader.peek() != 0x2C:
                return
            reader.pos += 1
            if reader.peek() != 0x7B:
                return
            number += 1
            yield JsonProblem(f"{noun} {number}: a stray ']' at byte {at:,} (reading went on after it)",
                              "]", at, at + 1)
            continue
        if not expect_value and c == 0x2C:  # ','
            reader.pos += 1
            expect_value = True
            continue
        first = number + 1
        for item in _value(reader, MAX_RECORD_BYTES, looks_like, lambda k, first=first: f"{noun} {first + k}",
                           array=True):
            number += 1
            yield item
        if reader.lost_end:
            return
        expect_value = False


def _is_object(obj: Any) -> bool:
    return isinstance(obj, dict)


def _utf(head: bytes) -> tuple[str | None, int]:
    """(encoding, byte-order mark length) of a JSON file that is not UTF-8: UTF-16 or UTF-32 with a BOM,
    or without one (JSON starts with ASCII, so the zero bytes around it tell); (None, BOM length) for UTF-8."""
    for bom, encoding in ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
                          (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return encoding, len(bom)
    if head.startswith(b"\xef\xbb\xbf"):
        return None, 3
    if len(head) >= 4:
        zeros = tuple(b == 0 for b in head[:4])
        for pattern, encoding in (((False, True, True, True), "utf-32-le"), ((True, True, True, False), "utf-32-be"),
                                  ((False, True, False, True), "utf-16-le"), ((True, False, True, False), "utf-16-be")):
            if zeros == pattern:
                return encoding, 0
    return None, 0


def _as_utf8(fh: BinaryIO, encoding: str) -> BinaryIO:
    """The rest of `fh` decoded from `encoding` into a temporary UTF-8 file (bounded memory; a byte
    sequence that is not valid there becomes U+FFFD, and the record holding it is read as it is)."""
    import codecs
    import tempfile

    out = tempfile.TemporaryFile()
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    with fh:
        while chunk := fh.read(_CHUNK):
            out.write(decoder.decode(chunk).encode("utf-8", errors="surrogatepass"))
        out.write(decoder.decode(b"", final=True).encode("utf-8", errors="surrogatepass"))
    out.seek(0)
    return out


def open_json(source: Source) -> _Reader:
    """A reader on the source's file (after any byte-order mark), counting bytes for progress. A file
    saved as UTF-16 or UTF-32 (PowerShell's default) is read through a UTF-8 copy of it, so byte
    offsets in reasons are those of that copy."""
    fh = open(source.path, "rb")
    encoding, bom = _utf(fh.read(4))
    fh.seek(bom)
    if encoding is not None:
        fh = _as_utf8(fh, encoding)

    def on_read(offset: int) -> None:
        source.bytes_read = offset

    return _Reader(fh, on_read)


def iter_json_documents(source: Source, looks_like: Callable[[Any], bool] = _is_object,
                        noun: str = "record", paged: Paging | None = None) -> Iterator[tuple[str, Any]]:
    """Yield (where, value) from a file holding JSON Lines, one document, or several documents one
    after another; a top-level array is read item by item. `where` is 'line 5' or 'record 5'.

    With `paged`, a document that is an API page (an object whose `paged.items` array stands at its
    top or inside one of `paged.wrappers`) is read item by item too: first a PageStart with its other
    keys, then each item as an Item, so that a fault in one item costs that item, not the page.
    JSON Lines stay one record per line (a damaged line is one record).

    What cannot be read comes as a JsonProblem (one per broken line or record), and reading goes on.
    """
    reader = open_json(source)
    try:
        if _is_jsonl(reader):
            yield from _json_lines(reader)
            return
        number = 0
        while (c := reader.peek()) is not None:
            if c == 0x5B:
                for item in iter_json_array(reader, looks_like, noun):
                    number += 1
                    yield f"{noun} {number}", item
                continue
            if c == 0x7B and paged is not None:
                streamed = False
                for where, item in _stream_page(reader, paged):
                    streamed = True
                    yield where, item
                if streamed:
                    number += 1
                    continue
            for item in _value(reader, MAX_DOCUMENT_BYTES, looks_like,
                               lambda k: "the document" if k == 0 else "a document after it", array=False):
                number += 1
                yield f"{noun} {number}", item
    finally:
        reader.fh.close()


@dataclass(frozen=True)
class Paging:
    """Where an API page keeps its records: `items` (an array), at the top or inside a `wrappers` object."""

    items: str
    looks_like_item: Callable[[Any], bool]
    looks_like_page: Callable[[Any], bool]
    item_noun: str = "item"
    wrappers: tuple[str, ...] = ()


@dataclass(frozen=True)
class PageStart:
    """A page read item by item begins: its keys other than the items (values beyond the bounds or
    not JSON left out; the innermost wrapper's keys win)."""

    header: dict


@dataclass(frozen=True)
class Item:
    """One item of a page read item by item."""

    value: Any


_KEY_BYTES = 4096


def _page_keys(reader: _Reader, paging: Paging, header: dict, found: dict, level: int = 1,
               resume: bool = False) -> bool:
    """Read the object at the reader's position key by key, descending into wrappers; the items array
    is skipped (its offset and level noted in `found`). With `resume`, go on inside an object after
    one of its values. False when the structure breaks (the reader is then anywhere inside it)."""
    if not resume:
        reader.pos += 1
    while True:
        c = reader.peek()
        if c is None:
            return False
        if c == 0x7D:
            reader.pos += 1
            return True
        if c == 0x2C:
            reader.pos += 1
            continue
        scan = reader.scan(_KEY_BYTES)
        reader.hold = None
        try:
            key = _loads(scan.data) if scan.data is not None and c == 0x22 else None
        except ValueError:
            key = None
        if not isinstance(key, str) or reader.peek() != 0x3A:
            return False
        reader.pos += 1
        c = reader.peek()
        if c is None:
            return False
        if key == paging.items and c == 0x5B and "items" not in found:
            found["items"], found["level"] = reader.offset, level
            scan = reader.scan(0)  # its end only: the items are read later, one by one
            reader.hold = None
            if scan.broken:
                return False
        elif key in paging.wrappers and c == 0x7B:
            if not _page_keys(reader, paging, header, found, level + 1):
                return False
        else:
            scan = reader.scan(MAX_RECORD_BYTES)
            reader.hold = None
            if scan.broken:
                return False
            try:
                value = _loads(scan.data) if scan.data is not None else _MISSING
            except ValueError:
                value = _MISSING
            if value is not _MISSING:
                header[key] = value


def _stream_page(reader: _Reader, paging: Paging) -> Iterator[tuple[str, Any]]:
    """A page read item by item (PageStart, then an Item each); nothing when the object at the reader is
    not such a page or breaks before its items are found (it is then read as one document)."""
    start = reader.offset
    header: dict = {}
    found: dict = {}
    whole = _page_keys(reader, paging, header, found)
    end = reader.offset
    if "items" not in found or (whole and reader.peek() not in _AFTER_DOCUMENT):
        reader.seek(start)
        reader.peek()
        return
    if not whole:  # broken inside its items, or after: find their end the long way, then the keys after them
        reader.seek(found["items"])
        reader.peek()
        for _ in iter_json_array(reader, paging.looks_like_item, paging.item_noun):
            pass
        whole = not reader.lost_end and all(
            _page_keys(reader, paging, header, found, resume=True) for _ in range(found["level"]))
        whole = whole and reader.peek() in _AFTER_DOCUMENT
        end = reader.offset
        reader.lost_end = False
    yield "the page", PageStart(header)
    reader.seek(found["items"])
    reader.peek()
    for number, item in enumerate(iter_json_array(reader, paging.looks_like_item, paging.item_noun), start=1):
        yield f"{paging.item_noun} {number}", item if isinstance(item, JsonProblem) else Item(item)
    if whole:
        reader.seek(end)
    elif not reader.lost_end:  # the page breaks after its items: the rest of it, up to the next page
        at = reader.offset
        found_at, obj, _ = reader.resync(paging.looks_like_page, at, False, b"")
        yield "the page", JsonProblem(
            f"the rest of the page after its {paging.items} (bytes {at:,}–{found_at:,}) is not JSON; it was skipped",
            _text(reader.bytes_at(at, min(found_at - at, RAW_LIMIT))), at, found_at)
        if obj is not None:
            reader.seek(found_at)


_PROBE = 1 << 20


def _is_jsonl(reader: _Reader) -> bool:
    """JSON Lines if the first non-empty line is a whole JSON value, or (the first being broken) the
    second is; a first line longer than 1 MiB counts unless it opens an array."""
    start, seen, answer = reader.fh.tell(), 0, False
    while seen < 2:
        line = reader.fh.readline(_PROBE + 1)
        if not line:
            break
        if len(line) > _PROBE and not line.endswith(b"\n"):
            answer = seen == 0 and not line.lstrip().startswith(b"[")
            break
        if line.strip():
            seen += 1
            value = _bounded(line.strip())
            if not isinstance(value, str):
                answer = not isinstance(value, list)  # one array on one line: streamed item by item
                break
    reader.fh.seek(start)
    return answer


def _bounded(data: bytes) -> Any:
    """The JSON value `data` holds, or a str saying why not (too deep, not JSON)."""
    if data.count(b"{") + data.count(b"[") > MAX_DEPTH:
        reader = _Reader(io.BytesIO(data))
        if reader.peek() is None:
            return "is empty"
        reader.scan(len(data) + 1)
        if reader.too_deep:
            return f"was not read: it is nested more than {MAX_DEPTH} levels deep"
    try:
        return _loads(data)
    except ValueError as exc:
        return f"is not JSON ({_decode_error(exc, 0)})"
    except RecursionError:  # brackets counted by the scanner, but unbalanced ones can still nest
        return f"was not read: it is nested more than {MAX_DEPTH} levels deep"


def _json_lines(reader: _Reader) -> Iterator[tuple[str, Any]]:
    fh, number = reader.fh, 0
    while True:
        start = fh.tell()
        line = fh.readline(MAX_DOCUMENT_BYTES + 1)
        if not line:
            return
        number += 1
        if reader.on_read:
            reader.on_read(fh.tell())
        if len(line) > MAX_DOCUMENT_BYTES and not line.endswith(b"\n"):
            raw = line[:RAW_LIMIT]
            while line and not line.endswith(b"\n"):
                line = fh.readline(_CHUNK)
            yield f"line {number}", JsonProblem(
                f"line {number} was not read: it is longer than the {_size(MAX_DOCUMENT_BYTES)} shailoo "
                "reads as one record", _text(raw), start, fh.tell())
            continue
        data = line.strip()
        if not data:
            continue
        value = _bounded(data)
        if isinstance(value, str):
            value = JsonProblem(f"line {number} {value}", _text(data[:RAW_LIMIT]),
                                start, start + len(line))
        for item in value if isinstance(value, list) else [value]:
            yield f"line {number}", item


def bounded_first_object(head: str) -> Any:
    """The first JSON object of a file's head (after an opening '['), or None; never raises, for
    format detection (a head nested 100,000 deep is simply not recognised)."""
    text = head.lstrip()
    if text.startswith("["):
        text = text[1:].lstrip()
    if not text.startswith("{"):
        return None
    data = text.encode("utf-8")
    reader = _Reader(io.BytesIO(data))
    reader.peek()
    scan = reader.scan(len(data) + 1)
    try:
        return _loads(scan.data) if scan.data is not None else None
    except ValueError:
        return None

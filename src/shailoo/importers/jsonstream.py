"""Bounded streaming of JSON exports: records found without building them, then parsed one by one.

Files are hostile: a value nested 100,000 deep, a 50 MB string, a corrupt byte mid-file. A small
scanner finds where each record ends without building anything, so memory stays bounded, and only
a record within the bounds below goes to json.loads. After a broken record, reading resumes at the
next object that parses and looks like a record of the format.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, Iterator

from shailoo.importers.base import RAW_LIMIT, Source

from shailoo.importers.jsonscan import (  # noqa: F401 - MAX_* importable from here too
    _size,
    JsonProblem,
    MAX_DEPTH,
    MAX_DOCUMENT_BYTES,
    MAX_RECORD_BYTES,
    _AFTER_DOCUMENT,
    _AFTER_ITEM,
    _CHUNK,
    _MISSING,
    _Reader,
    _decode_error,
    _loads,
    _shown_byte,
)


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

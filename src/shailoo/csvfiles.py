"""How a text table was saved: its encoding and its delimiter, detected once for every CSV shailoo
reads (exports, the actor registry, election results).

Spreadsheet programs re-save CSV files in the user's locale: Excel on a Russian-language Windows
writes `;`-separated cp1251, "Unicode text" is tab-separated UTF-16 with a BOM, and others write
UTF-8 with or without a BOM. A file is read as its author meant it, and the import says what was
detected, so a wrong guess is visible.
"""

from __future__ import annotations

import codecs
import io
import re
from dataclasses import dataclass
from pathlib import Path

DELIMITERS = (",", ";", "\t", "|")
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
HEAD_BYTES = 1 << 16
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


@dataclass(frozen=True)
class TextTable:
    """What was detected: `encoding` (a Python codec name) and `delimiter`."""

    encoding: str
    delimiter: str

    def describe(self) -> str:
        names = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
        label = {"utf-8-sig": "UTF-8 (with BOM)", "utf-8": "UTF-8", "utf-16": "UTF-16", "utf-32": "UTF-32",
                 "cp1251": "Windows-1251 (Cyrillic)"}.get(self.encoding, self.encoding)
        return f"{label}, {names.get(self.delimiter, repr(self.delimiter))}-separated"


def detect_encoding(head: bytes) -> str:
    """The codec of a file from its first bytes: a BOM decides; else UTF-8 if the bytes are UTF-8;
    else Windows-1251, the encoding Excel uses for Cyrillic text on Windows."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    if len(head) >= 2 and head.count(b"\x00") > len(head) // 4:  # UTF-16 without a BOM
        return "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"  # the head was cut inside a character
    # UTF-8 with a stray byte stays UTF-8 (and is refused where the byte stands) rather than being read
    # as cp1251 mojibake: cp1251 text almost never forms UTF-8 sequences, so most of its high bytes stand alone.
    high = len(head.translate(None, bytes(range(128))))
    in_sequences = sum(len(m) for m in _UTF8_SEQUENCE.findall(head))
    return "utf-8" if in_sequences * 2 > high else "cp1251"


def detect_delimiter(first_line: str, candidates: tuple[str, ...] = DELIMITERS) -> str:
    """The delimiter of a header line: the candidate that occurs most often outside quotes (a comma
    when none occurs, as in a one-column file)."""
    counts = dict.fromkeys(candidates, 0)
    quoted = False
    for ch in first_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(candidates, key=lambda c: counts[c])
    return best if counts[best] else ","


def detect(path: Path) -> TextTable:
    """The encoding and delimiter of a CSV file."""
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    encoding = detect_encoding(head)
    text = head.decode(encoding, errors="ignore")
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    return TextTable(encoding, detect_delimiter(first_line))


def open_text(path: Path, table: TextTable | None = None) -> io.TextIOWrapper:
    """The file as text in its detected encoding (a BOM dropped), lines kept as written for csv."""
    table = table or detect(path)
    encoding = "utf-8-sig" if table.encoding == "utf-8" else table.encoding
    return open(path, encoding=encoding, errors="strict", newline="")

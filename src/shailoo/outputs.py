"""What shailoo writes is as safe as what it reads is hostile: the one rule for spreadsheet cells,
the one rule for links taken from data, and the one way to write an output file.

- `spreadsheet_text(text)`: a text cell that a spreadsheet would run as a formula ("=HYPERLINK(…)"
  written in a post) gets a leading apostrophe (the OWASP rule). `csv_cell` and `xlsx_cell` apply it
  to every CSV and XLSX cell; numbers stay numbers.
- `safe_url(text)`: a link from data is kept only if it is a plain http(s) URL.
- `atomic_output(path, mode)`: write to a temporary file beside the target, fsync, rename onto it;
  only onto a regular file or a new path; every OS error becomes one sentence.
"""

from __future__ import annotations

import csv

import errno
import os
import re
import secrets
import stat
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Iterator

from shailoo.errors import OutputFileError, UsageError

# Characters a spreadsheet (Excel, LibreOffice, Google Sheets) reads as the start of a formula or of
# a DDE payload, including the full-width forms some of them fold to ASCII.
FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")
XLSX_MAX_CHARS = 32_767  # Excel's limit for one cell; longer text makes Excel "repair" the file
# Characters XML 1.0 cannot carry (openpyxl refuses them); shown as U+FFFD instead.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def spreadsheet_text(text: str) -> str:
    """Text made inert for spreadsheets: a leading apostrophe when it could start a formula,
    also after leading whitespace (" =1+1" is evaluated by some programs)."""
    if text[:1] in FORMULA_STARTS or text.lstrip()[:1] in FORMULA_STARTS:
        return "'" + text
    return text


def _text(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return "|".join("" if v is None else str(v) for v in value)
    if isinstance(value, dict):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def csv_writer(fh: IO[str]):
    """The one CSV writer of every CSV shailoo writes: RFC 4180 line ends (CRLF, as Excel writes), so a
    cell holding a lone CR is quoted too (with LF line ends it was not, and a spreadsheet split the row
    there, letting the next cell start a formula)."""
    return csv.writer(fh, lineterminator="\r\n")


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: lists joined with '|', dates in ISO form, text made formula-safe;
    numbers, booleans and None are left to the csv module."""
    value = _text(value)
    return spreadsheet_text(value) if isinstance(value, str) else value


def xlsx_cell(value: Any) -> Any:
    """A value as an XLSX cell: text made formula-safe, XML-legal and within Excel's length;
    time-zone-aware times made naive (Excel has no time zones; values are UTC)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, (datetime, date)):
        return value
    value = _text(value)
    if not isinstance(value, str):
        return value
    value = _XML_ILLEGAL.sub("\ufffd", spreadsheet_text(value))
    return value if len(value) <= XLSX_MAX_CHARS else value[: XLSX_MAX_CHARS - 1] + "…"


_URL = re.compile(r"https?://[^\s/?#\\]+[^\s]*", re.IGNORECASE)
_UNSAFE_URL_CHARS = re.compile(r"[\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]")
MAX_URL = 4096


def safe_url(value: Any) -> str | None:
    """`value` if it is a plain http(s) URL to use as a link, else None. Refused: other schemes
    (javascript:, data:, vbscript:, …), protocol-relative and scheme-less links, and any
    whitespace, control or invisible character (which browsers strip, so "java\\tscript:" and
    " javascript:" would otherwise slip through)."""
    if not isinstance(value, str) or len(value) > MAX_URL or _UNSAFE_URL_CHARS.search(value):
        return None
    return value if _URL.fullmatch(value) else None


# --- writing output files -------------------------------------------------------------------

_ADVICE = {
    errno.EACCES: "permission denied; write to a folder you may write to",
    errno.EPERM: "permission denied; write to a folder you may write to",
    errno.EROFS: "the file system is read-only; write to another folder",
    errno.ENOSPC: "the disk is full; free some space or write to another disk",
    errno.EDQUOT: "the disk quota is exhausted; free some space or write to another disk",
    errno.ENOENT: "its folder does not exist; create it first or choose another path",
    errno.ENOTDIR: "a part of its path is not a folder; choose another path",
    errno.EISDIR: "it is a folder; give a file name",
    errno.ENAMETOOLONG: "the name is too long; choose a shorter path",
}


def output_error(path: Path | str, exc: OSError) -> OutputFileError:
    """One sentence naming the path and what to do."""
    advice = _ADVICE.get(exc.errno) or f"{exc.strerror or exc}; check the path and try again"
    return OutputFileError(f"Cannot write {path}: {advice}.")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a pipe (fifo)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_output(path: Path | str) -> Path:
    """The real path an output will be written to (symbolic links followed); refuse, in one
    sentence, a target that exists and is not a regular file, or a read-only file. Cheap: call
    it before long work so that a bad --out fails at once."""
    target = Path(os.path.realpath(path))
    try:
        st = os.stat(target)
    except FileNotFoundError:
        if os.path.islink(path):  # writing through it would create the link's missing folders elsewhere
            raise UsageError(f"Cannot write {path}: it is a link to {os.readlink(path)}, which does not exist; "
                             "give the name of a file to write.") from None
        return target
    except OSError as exc:
        raise output_error(path, exc) from None
    if not stat.S_ISREG(st.st_mode):
        raise UsageError(f"Cannot write {path}: it is {_kind(st.st_mode)}, not a file; "
                         "give the name of a file to write.")
    if not os.access(target, os.W_OK):
        raise OutputFileError(f"Cannot write {path}: the file is read-only; "
                              "change its permissions or choose another name.")
    return target


def _temp_beside(target: Path) -> tuple[Path, int]:
    # O_EXCL with a random name (not mkstemp) so the new file gets the usual umask-based mode.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = target.with_name(f".{target.name[:200]}.{secrets.token_hex(4)}.tmp")
        try:
            return tmp, os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "could not create a temporary file", str(target.parent))


@contextmanager
def atomic_output(path: Path | str, mode: str = "w", encoding: str | None = "utf-8", newline: str | None = None,
                  parents: bool = False) -> Iterator[IO]:
    """Open a temporary file beside `path` for writing; when the block ends without error, fsync it
    and rename it onto `path` (so a reader never sees half a file, and a device or folder at
    `path` is refused, never replaced). On any failure the temporary file is removed; OS errors
    become one sentence (OutputFileError). `parents=True` creates missing folders."""
    if mode not in ("w", "wb"):
        raise ValueError("atomic_output writes text ('w') or bytes ('wb')")
    target = check_output(path)
    tmp: Path | None = None
    try:
        if parents:
            target.parent.mkdir(parents=True, exist_ok=True)
        tmp, fd = _temp_beside(target)
        fh = os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": encoding, "newline": newline}))
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        target = check_output(path)  # it may have changed while we wrote
        if target.exists():
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(tmp, target)
        tmp = None
        _fsync_folder(target.parent)
    except OSError as exc:
        raise output_error(path, exc) from None
    finally:
        if tmp is not None:
            try:
                tmp.unlink()
            except OSError:
                pass


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable; not every system lets a folder be opened, which is fine."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_output(path: Path | str, data: str | bytes, parents: bool = False) -> Path:
    """Write a whole text (UTF-8) or bytes output safely (see atomic_output); return the path."""
    with atomic_output(path, "wb" if isinstance(data, bytes) else "w", parents=parents) as fh:
        fh.write(data)
    return Path(path)

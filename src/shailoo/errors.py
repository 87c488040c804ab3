"""Errors meant for users: one type per kind, all under ShailooError.

The CLI catches ShailooError once and prints its message as one sentence (exit code `exit_code`);
OS and database errors it turns into one sentence too (see `describe`); anything else is a bug,
printed as one sentence that says so, with a traceback only with --debug.
"""

from __future__ import annotations

import errno
import os
import re


class ShailooError(Exception):
    """Base of every error whose message is written for the user."""

    exit_code = 1


class WorkspaceNotFound(ShailooError):
    pass


class WorkspaceExists(ShailooError):
    pass


class WorkspaceLocked(ShailooError):
    pass


class WorkspaceDamaged(ShailooError):
    """The workspace's database file cannot be read as a DuckDB database."""


class WorkspaceReadOnly(ShailooError):
    """A command that changes the workspace was run on a workspace it may not write."""


class SchemaTooNew(ShailooError):
    pass


class SchemaTooOld(ShailooError):
    """A workspace opened read-only whose schema needs an upgrade (which writes)."""


class ConfigError(ShailooError):
    """shailoo.toml is not valid TOML or a value in it is not what shailoo expects."""


class PseudonymKeyError(ShailooError):
    """The workspace's pseudonym key is missing, unreadable or too short to be secret."""


class UnknownFormat(ShailooError):
    pass


class WrongFormat(ShailooError):
    """A file was given (or detected) as one format but is not of it."""


class InputFileError(ShailooError):
    """A file that does not exist or cannot be read."""


class RegistryError(ShailooError):
    """An actor registry file that is not usable."""


class UsageError(ShailooError):
    """An option or argument that does not make sense."""


class OutputFileError(ShailooError):
    """An output file that cannot be written (folder missing or read-only, disk full, a device)."""


class CodebookError(ShailooError):
    """A codebook that is not valid, or a change to it that would orphan codes already stored."""


class CodingError(ShailooError):
    """A coding step that cannot be done: an unknown sample, coder or unit; nothing to compute on."""


class ParquetExportError(ShailooError):
    """A Parquet export (`shailoo export parquet`) that cannot be written, opened or imported."""


class Interrupted(ShailooError):
    """Ctrl-C: what was under way was rolled back."""

    exit_code = 130


# C0 controls but tab and newline, DEL and C1: an ESC from a file name or a platform's error message
# would otherwise start a terminal escape sequence (retitle the window, clear the screen, fake output).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: object) -> str:
    """`text` safe to print on any terminal: bytes of a file name that are not UTF-8 and control
    characters (an escape sequence's ESC among them) become '�'."""
    s = os.fsdecode(text) if isinstance(text, (bytes, os.PathLike)) else str(text)
    try:
        s = s.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # lone surrogates that are not escaped bytes
        s = s.encode("utf-8", "replace").decode("utf-8")
    return _CONTROL.sub("\ufffd", s)


def os_error_sentence(exc: OSError) -> str:
    """One sentence for an OS error: what failed, on which file, and what to do."""
    where = f" {printable(exc.filename)}" if exc.filename else ""
    reason = exc.strerror or exc.__class__.__name__
    if exc.errno == errno.ENOSPC:
        return (f"The disk is full ({reason}){' writing' + where if where else ''}; free some space and run the "
                "command again (an import is committed whole or not at all: `shailoo status` shows what was imported).")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"Permission denied{' for' + where if where else ''} ({reason}); check the file's permissions or use another path."
    if exc.errno == errno.ENOENT:
        return f"There is no file or folder{where}."
    if exc.errno == errno.EISDIR:
        return f"{where.strip() or 'The path'} is a folder, not a file."
    return f"Cannot read or write{where}: {reason}."

"""Helpers every command shares: the workspace option, output in table/csv/json, consoles, progress."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Iterator

import typer

from shailoo.cli.options import (  # noqa: F401 - the vocabulary, importable from here too
    FORMATS,
    BomOpt,
    ColumnsOpt,
    JsonOpt,
    OutputOptions,
    OutputOpt,
    QuietOpt,
    WorkspaceOpt,
    limit_option,
    quiet,
    table_command,
)
from shailoo.cli.tables import (  # noqa: F401
    UNKNOWN,
    console,
    err_console,
    format_number,
    note_line,
    print_table,
    print_tables,
    terminal_text,
)
from shailoo.errors import WorkspaceLocked
from shailoo.store.workspace import Workspace, open_workspace as _open

workspace_option = WorkspaceOpt  # the name other command modules use
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="Output as table, csv or json.")]


def open_workspace(path: Path | None, read_only: bool | None = False) -> Workspace:
    """Open for a command: read_only=True for commands that only read, None to write caches when allowed.

    With None, a workspace another program holds open for reading (a notebook's `shailoo.open`)
    is opened read-only instead of failing: the caches then live in memory for this command.
    """
    if read_only is None:
        try:
            return _open(path, read_only=None, wait=0)  # held by a reader: read too, without waiting
        except WorkspaceLocked:
            return _open(path, read_only=True)
    return _open(path, read_only=read_only)


@contextmanager
def progress(stage: str) -> Iterator:
    """A spinner with the stage under way on standard error (not with --quiet, not when stderr is
    not a terminal); `update("next stage")` names the next one."""
    if quiet() or not err_console.is_terminal:
        yield lambda text: None
        return
    with err_console.status(terminal_text(stage)) as status:
        yield lambda text: status.update(terminal_text(text))


def read_lines(file: str, what: str = "a text file with one item per line") -> list[str]:
    """The lines of a UTF-8 text file, or of standard input when `file` is '-'."""
    from shailoo.errors import InputFileError

    if file == "-":
        return sys.stdin.read().splitlines()
    try:
        return Path(file).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"Cannot read {file} as UTF-8 text ({exc.__class__.__name__}); give {what}, "
                             "or - for standard input.") from None

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
    With `shailoo --engine spark`, a SparkWorkspace over the Parquet export `path` (the commands that
    run on Spark only: `check_engine` refused the others before they started).
    """
    obj = _root_obj()
    if obj.get("engine", "duckdb") == "spark":
        return _open_spark(path, obj.get("spark_master"))
    uri = _uri(path)
    if uri is not None:
        from shailoo.errors import UsageError, printable

        raise UsageError(f"{printable(uri)} is a URI, which needs --engine spark (Spark reads exports on "
                         "HDFS or object storage); give a local folder to the DuckDB engine.")
    if read_only is None:
        try:
            return _open(path, read_only=None, wait=0)  # held by a reader: read too, without waiting
        except WorkspaceLocked:
            return _open(path, read_only=True)
    return _open(path, read_only=read_only)


def _open_spark(path: Path | None, master: str | None):
    import os

    from shailoo.config import CONFIG_NAME
    from shailoo.engines.spark import open_export
    from shailoo.errors import UsageError, printable

    uri = _uri(path)
    if uri is not None:  # an export Spark reads through Hadoop's filesystem (hdfs://, s3a://, file://)
        return open_export(uri, master=master)
    folder = Path(path if path is not None else os.environ.get("SHAILOO_WORKSPACE", "."))
    if (folder / CONFIG_NAME).exists():
        raise UsageError(f"{printable(folder)} is a workspace; --engine spark reads a Parquet export of it: export it "
                         f"first with `shailoo export parquet -w {printable(folder)} DIR`, then give -w DIR.")
    return open_export(folder, master=master)


def _uri(path: Path | str | None) -> str | None:
    """The URI `-w` gave (hdfs://, s3a://, file://), or None for a local folder.

    The option arrives as a Path, which has folded `scheme://host/x` into `scheme:/host/x`; the text as
    typed is taken back from the command line or $SHAILOO_WORKSPACE when one of them folds to it (always
    so from a shell), else `file:/x` is `file:///x` and any other `scheme:/x` keeps no host (`hdfs:///x`,
    Hadoop's default file system). A local folder of that name (`hdfs:` in the current folder) stays a folder.
    """
    import os
    import re

    if path is None:
        path = os.environ.get("SHAILOO_WORKSPACE")
    text = os.fspath(path) if path is not None else ""
    if not re.match(r"[A-Za-z][A-Za-z0-9+.-]+:/", text) or Path(text).exists():
        return None
    typed = [w for w in [*sys.argv[1:], os.environ.get("SHAILOO_WORKSPACE") or ""]
             if "://" in w and os.fspath(Path(w)) == os.fspath(Path(text))]
    if typed:
        return typed[0]
    scheme, _, rest = text.partition(":")
    return f"{scheme}://{'/' + rest.lstrip('/')}"


def check_engine(engine: str, spark_master: str | None) -> None:
    """Refuse an unknown engine, or a Spark master without Spark, in one sentence."""
    from shailoo.engines import ENGINES
    from shailoo.errors import UsageError

    if engine not in ENGINES:
        raise UsageError(f"--engine must be one of {', '.join(ENGINES)}, not '{engine}'.")
    if spark_master and engine != "spark":
        raise UsageError("--spark-master applies to --engine spark only.")


def check_spark_command(ctx, group) -> None:
    """With --engine spark, refuse before it starts a command that does not run on Spark yet (never a
    silent fallback to DuckDB). Called by each command group with the words it has yet to parse."""
    if ctx.find_root().params.get("engine") != "spark":
        return
    from shailoo.engines.spark import SPARK_COMMANDS
    from shailoo.errors import UsageError

    words = [*getattr(ctx, "_protected_args", []), *ctx.args]
    sub = words[0] if words and not words[0].startswith("-") else None
    command = group.get_command(ctx, sub) if sub else None
    if command is not None and hasattr(command, "get_command") and type(command) is type(group):
        return  # a group of ours: it checks its own subcommand
    path = " ".join([*ctx.command_path.split()[1:], *([sub] if command is not None else [])])
    if not path or path in SPARK_COMMANDS:
        return
    runs = ", ".join(f"`{c}`" for c in SPARK_COMMANDS)
    raise UsageError(f"`shailoo {path}` is not available on Spark yet; run it without --engine spark (the "
                     f"DuckDB engine reads a Parquet export too). On Spark: {runs}.")


def _root_obj() -> dict:
    from typer._click.globals import get_current_context

    ctx = get_current_context(silent=True)
    return (ctx.find_root().obj or {}) if ctx is not None else {}


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

"""The one option vocabulary of the command line (docs/cli.md "Options"), declared once.

Every command that prints a table gets its output options from `table_command` rather than
repeating them: `-f/--format`, `-o/--output`, `--columns`, `--bom` (and `-n/--limit` where the
command declares `limit`). They reach the command as one `OutputOptions` object named `out`.
Global options (`-w`, `-q/--quiet`, `--debug`) are read before or after the command name.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer

from shailoo.errors import UsageError

FORMATS = ("table", "csv", "json")
FILE_FORMATS = {".csv": "csv", ".json": "json", ".xlsx": "xlsx", ".txt": "table"}


def _root_obj() -> dict:
    from typer._click.globals import get_current_context

    ctx = get_current_context(silent=True)
    if ctx is None:
        return {}
    return ctx.find_root().obj or {}


def quiet() -> bool:
    """True when notes and progress are silenced (`shailoo -q`, or `--quiet` after a command)."""
    return bool(_root_obj().get("quiet"))


def global_workspace() -> Optional[Path]:
    """The workspace given before the command (`shailoo -w DIR status`), if any."""
    return _root_obj().get("workspace")


def _inherit_workspace(value: Optional[Path]) -> Optional[Path]:
    # -w after the command wins; else the one given before it; else $SHAILOO_WORKSPACE / "." (store).
    return value if value is not None else global_workspace()


def _set_quiet(ctx: typer.Context, value: bool) -> bool:
    if value:
        root = ctx.find_root()
        root.obj = dict(root.obj or {}, quiet=True)
    return value


WorkspaceOpt = Annotated[
    Optional[Path],
    typer.Option("-w", "--workspace", help="Workspace folder (default: $SHAILOO_WORKSPACE, else the current "
                 "folder); also accepted before the command.", envvar="SHAILOO_WORKSPACE", show_envvar=False,
                 callback=_inherit_workspace),
]
QuietOpt = Annotated[bool, typer.Option("-q", "--quiet", help="Print no notes and no progress (also accepted "
                                        "before the command).", callback=_set_quiet)]
FormatOpt = Annotated[Optional[str], typer.Option(
    "-f", "--format", help="Output as table, csv or json (default: from the --output file's extension, else table).")]
OutputOpt = Annotated[Optional[Path], typer.Option(
    "-o", "--output", help="Write the rows to this file instead of printing them; .csv, .json or .xlsx "
                           "chooses the format.")]
ColumnsOpt = Annotated[Optional[str], typer.Option(
    "--columns", help="Columns to show, comma-separated (default: the ones that matter on a screen for table, "
                      "every column for csv/json/xlsx).")]
BomOpt = Annotated[bool, typer.Option("--bom", help="Start CSV with a UTF-8 byte-order mark so Excel reads "
                                                    "Cyrillic correctly.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Same as --format json.")]


def limit_option(default_help: str, synonyms: tuple[str, ...] = ()) -> Any:
    """The row-limit option, `-n/--limit N` (0 for all); older spellings kept as hidden synonyms."""
    return Annotated[Optional[int], typer.Option("-n", "--limit", *synonyms, help=f"{default_help}; 0 for all.",
                                                 min=0)]


@dataclass
class OutputOptions:
    """How a command's rows leave it: format, file, columns, BOM and the row limit."""

    format: Optional[str] = None
    output: Optional[Path] = None
    columns: Optional[tuple[str, ...]] = None
    bom: bool = False
    limit: Optional[int] = None  # None: the command's default; 0: all rows

    def resolved_format(self) -> str:
        """The format to write: --format, else the --output file's extension, else table."""
        if self.format is not None:
            fmt = self.format.strip().lower()
            allowed = FORMATS + (("xlsx",) if self.output else ())
            if fmt not in allowed:
                raise UsageError(f"--format must be one of {', '.join(allowed)}, not '{self.format}'.")
            if fmt == "xlsx" and not self.output:
                raise UsageError("--format xlsx writes a file; give -o FILE.xlsx.")
            return fmt
        if self.output is not None:
            ext = self.output.suffix.lower()
            if ext not in FILE_FORMATS:
                raise UsageError(f"Cannot tell the format of {self.output} from its extension; name it .csv, .json "
                                 "or .xlsx, or give --format.")
            return FILE_FORMATS[ext]
        return "table"


def _columns(text: Optional[str]) -> Optional[tuple[str, ...]]:
    if not text:
        return None
    return tuple(c.strip() for c in text.split(",") if c.strip()) or None


def table_command(func: Callable) -> Callable:
    """Give a command the output options; it receives them as `out: OutputOptions`.

    A command that declares a `limit` parameter keeps it (its own help and default) and finds
    the value both in `limit` and in `out.limit`. A command that declares `as_json` keeps `--json`
    as a synonym of `--format json`.
    """
    sig = inspect.signature(func, eval_str=True)  # Typer needs the annotations themselves
    params = [p for name, p in sig.parameters.items() if name != "out"]
    kw = inspect.Parameter.KEYWORD_ONLY
    extra = {
        "fmt": (FormatOpt, None),
        "output": (OutputOpt, None),
        "columns": (ColumnsOpt, None),
        "bom": (BomOpt, False),
        "quiet_": (QuietOpt, False),
    }
    params += [inspect.Parameter(name, kw, annotation=ann, default=default) for name, (ann, default) in extra.items()]
    params.sort(key=lambda p: p.kind)  # positional parameters before keyword-only ones

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        fmt = kwargs.pop("fmt")
        if kwargs.get("as_json"):
            if fmt in FORMATS + ("xlsx",) and fmt != "json":
                raise UsageError(f"--json means --format json; do not combine it with --format {fmt}.")
            if fmt is None:
                fmt = "json"
        out = OutputOptions(format=fmt, output=kwargs.pop("output"), columns=_columns(kwargs.pop("columns")),
                            bom=kwargs.pop("bom"), limit=kwargs.get("limit"))
        kwargs.pop("quiet_")
        if "out" in sig.parameters:
            kwargs["out"] = out
        return func(*args, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=params)
    annotations = {k: v for k, v in getattr(func, "__annotations__", {}).items() if k != "out"}
    annotations.update({name: ann for name, (ann, _) in extra.items()})
    wrapper.__annotations__ = annotations
    return wrapper


EXIT_CODES = "Exit codes: 0 done, 1 error (one line on stderr), 2 wrong command line, 130 interrupted."


def examples(*lines: str) -> str:
    """A command's epilog: its examples, one per line, kept as written ("\\b" stops Click rewrapping)."""
    return "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in lines)


# The vocabulary docs/cli.md documents: one meaning per name and letter, one set of names per
# meaning (tests/cli/test_vocabulary.py walks every command against it).
VOCABULARY: dict[str, tuple[str, ...]] = {
    "workspace": ("-w", "--workspace"),
    "output format": ("-f", "--format"),
    "output file": ("-o", "--output"),
    "columns": ("--columns",),
    "byte-order mark": ("--bom",),
    "row limit": ("-n", "--limit"),
    "quiet": ("-q", "--quiet"),
    "grouping": ("--by",),
    "input format": ("--from",),
    "n-gram size": ("--size",),
}
# Older spellings kept working, each for one meaning.
SYNONYMS: dict[str, str] = {
    "--json": "output format",  # = --format json (status, import, demo)
    "--top": "row limit",  # text commands before the vocabulary
    "--n": "row limit",  # metrics top before the vocabulary
    "--out": "output file",  # report, before the vocabulary
}

"""The `shailoo` command: a thin layer that parses options, calls the library and prints."""

from __future__ import annotations

import errno
import sys
from pathlib import Path
from typing import Optional

import typer
from typer.core import TyperGroup
from typer.exceptions import Abort, Exit, TyperException

from shailoo import __version__
from shailoo.cli.options import EXIT_CODES, examples
from shailoo.errors import ShailooError, os_error_sentence, printable
from shailoo.modules import optional_module


class ShailooGroup(TyperGroup):
    """Turns every error into one printed sentence and its exit code (a traceback only with --debug).

    ShailooError: its message, exit 1 (130 for Interrupted); OSError (permission, disk full, not
    found) and database errors: one sentence about the file; Ctrl-C: exit 130; anything else is a
    bug and says so in one sentence.
    """

    def invoke(self, ctx: typer.Context):
        try:
            if ctx.find_root().params.get("engine") == "spark":
                from shailoo.cli.common import check_spark_command

                check_spark_command(ctx, self)
            return super().invoke(ctx)
        except (Exit, Abort, TyperException):
            raise
        except (Exception, KeyboardInterrupt) as exc:
            if (ctx.obj or {}).get("debug"):
                raise
            message, code = error_sentence(exc)
            typer.echo(f"Error: {message}", err=True)
            raise typer.Exit(code) from None


def error_sentence(exc: BaseException) -> tuple[str, int]:
    """The one line printed for an error, and the exit code."""
    import duckdb

    if isinstance(exc, ShailooError):
        text, code = str(exc), exc.exit_code
    elif isinstance(exc, KeyboardInterrupt):
        text, code = "Interrupted; what was under way was rolled back.", 130
    elif isinstance(exc, OSError):
        text, code = os_error_sentence(exc), 1
    elif isinstance(exc, duckdb.Error):
        text, code = database_sentence(exc), 1
    else:
        text, code = (f"shailoo stopped on an unexpected {exc.__class__.__name__} ({exc}); this is a bug: "
                      "please rerun with --debug and report the traceback."), 1
    return " ".join(printable(text).split()), code


def database_sentence(exc: BaseException) -> str:
    low = str(exc).lower()
    if "no space left" in low:
        return os_error_sentence(OSError(errno.ENOSPC, "No space left on device"))
    if any(m in low for m in ("corrupt", "checksum", "not a valid duckdb", "could not read")):
        return (f"The workspace file is damaged ({str(exc)[:160]}); restore shailoo.duckdb from a backup "
                "(or move it away and import the exports again).")
    if "permission denied" in low or "read-only" in low:
        return f"The workspace cannot be written ({str(exc)[:160]}); make its folder and files writable."
    return (f"The database stopped with an error ({exc.__class__.__name__}: {str(exc)[:200]}); "
            "rerun with --debug and report it if the workspace is not damaged.")


def new_app(help_text: str, cls: type[ShailooGroup] = ShailooGroup) -> typer.Typer:
    return typer.Typer(cls=cls, help=help_text, no_args_is_help=True, pretty_exceptions_enable=False,
                       add_completion=False, rich_markup_mode=None)


app = new_app("Import political social-media exports, compute monitoring tables and text analyses, publish a report.")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"shailoo {__version__}")
        raise typer.Exit()


@app.callback(epilog=examples("shailoo -w kg2026 status", "shailoo -w kg2026 metrics posts --by actor -o posts.xlsx",
                              "shailoo -q -w kg2026 terms -f csv > terms.csv") + "\n\n" + EXIT_CODES)
def root(
    ctx: typer.Context,
    workspace: Optional[Path] = typer.Option(None, "-w", "--workspace", help="Workspace folder for the command "
                                             "(same as -w after it)."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="Print no notes and no progress."),
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks for errors."),
    engine: str = typer.Option("duckdb", "--engine", help="Run the analysis on duckdb (default) or spark "
                               "(over a Parquet export: -w DIR; see docs/scale.md)."),
    spark_master: Optional[str] = typer.Option(None, "--spark-master", help="Spark master URL for --engine spark "
                                               "(default: spark-submit's, else $MASTER, else local[*])."),
    version: Optional[bool] = typer.Option(None, "--version", callback=_version, is_eager=True,
                                           help="Print the version and exit."),
) -> None:
    """Import political social-media exports, compute monitoring tables and text analyses, publish a report."""
    ctx.obj = dict(ctx.obj or {}, debug=debug, workspace=workspace, engine=engine, spark_master=spark_master)
    if quiet:
        ctx.obj["quiet"] = True
    if engine != "duckdb" or spark_master:
        from shailoo.cli.common import check_engine

        check_engine(engine, spark_master)


# Each command module adds its commands with `register(app)`; modules are imported here only.
COMMAND_MODULES = (
    "shailoo.cli.workspace_commands",
    "shailoo.cli.import_commands",
    "shailoo.cli.actor_commands",
    "shailoo.cli.demo_commands",
    "shailoo.cli.metrics_commands",
    "shailoo.cli.report_commands",
    "shailoo.cli.text_commands",
    "shailoo.cli.stem_commands",
    "shailoo.cli.sql_commands",
    "shailoo.cli.export_commands",
    "shailoo.cli.coding_commands",
    "shailoo.cli.server_commands",
    "shailoo.cli.ads_commands",
    "shailoo.cli.inflammatory_commands",
    "shailoo.cli.copypasta_commands",
    "shailoo.cli.events_commands",
    "shailoo.cli.bursts_commands",
    "shailoo.cli.channels_commands",
    "shailoo.cli.groups_commands",
    "shailoo.cli.collect_commands",
    "shailoo.cli.coordination_commands",  # makes the `coordination` group (shares)
    "shailoo.cli.coordination_workspace_commands",  # after any module making the `coordination` group
)

# Which modules make each top-level command, so that `shailoo terms` imports the text commands only
# (importing every module costs a tenth of a second at every start); tests/cli/test_lazy_commands.py
# checks this map against what the modules register.
COMMANDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("init", "key", "periods", "quarantine", "status"), ("workspace_commands",)),
    **dict.fromkeys(("formats", "import"), ("import_commands",)),
    "actors": ("actor_commands",), "demo": ("demo_commands",),
    **dict.fromkeys(("metrics", "results"), ("metrics_commands",)),
    "report": ("report_commands",),
    **dict.fromkeys(("assoc", "clusters", "detect-language", "kwic", "ngrams", "stopwords", "terms", "topics"),
                    ("text_commands",)),
    "stem": ("stem_commands",), "sql": ("sql_commands",), "export": ("export_commands",),
    "coding": ("coding_commands",), **dict.fromkeys(("serve", "users"), ("server_commands",)),
    "ads": ("ads_commands",), "inflammatory": ("inflammatory_commands",), "copypasta": ("copypasta_commands",),
    "events": ("events_commands",), "bursts": ("bursts_commands",),
    **dict.fromkeys(("channels", "like-speed"), ("channels_commands",)),
    **dict.fromkeys(("groups", "responsiveness"), ("groups_commands",)),
    "coordination": ("coordination_commands", "coordination_workspace_commands"),
    "collect": ("collect_commands",),
}
_loaded: set[str] = set()


def load_commands(argv: list[str] | None = None) -> None:
    """Register the commands `argv` names (every command when it names none we know, or for --help)."""
    wanted = COMMANDS.get(_command_name(argv)) if argv is not None else None
    names = [f"shailoo.cli.{m}" for m in wanted] if wanted else COMMAND_MODULES
    for name in names:
        if name in _loaded:
            continue
        _loaded.add(name)
        module = optional_module(name)
        if module is not None:
            module.register(app)


def _command_name(argv: list[str]) -> str | None:
    """The first word of argv that is not a global option or its value."""
    takes_value = {"-w", "--workspace", "--engine", "--spark-master"}
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in takes_value:
            skip = True
        elif not word.startswith("-"):
            return word
    return None


if not getattr(sys.modules.get("shailoo.cli"), "lazy", False):  # imported as a library or by tests: all
    load_commands()


class _NoPandas:
    """An import hook under which `import pandas` fails."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == "pandas":
            raise ImportError("pandas is not needed here")
        return None


def _pyarrow_without_pandas() -> None:
    """pyarrow imports pandas (about 0.15 s) the first time it builds an array, only to ask whether
    its input is a pandas object, which the commands never pass: let that one check find no pandas.
    pandas itself stays importable (DuckDB's `.df()` imports it on its own)."""
    if "pandas" in sys.modules:
        return
    import pyarrow as pa

    sys.meta_path.insert(0, _NoPandas)
    try:
        pa.array([0])
    finally:
        sys.meta_path.remove(_NoPandas)


def main() -> None:
    load_commands(sys.argv[1:])
    _pyarrow_without_pandas()
    app()


if __name__ == "__main__":
    sys.exit(main())

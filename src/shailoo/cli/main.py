"""The `shailoo` command: a thin layer that parses options, calls the library and prints."""

from __future__ import annotations

import importlib
import sys
from typing import Optional

import typer
from typer.core import TyperGroup

from shailoo import __version__
from shailoo.errors import ShailooError


class ShailooGroup(TyperGroup):
    """Turns every ShailooError into one printed sentence and exit code 1 (traceback only with --debug)."""

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except ShailooError as exc:
            if (ctx.obj or {}).get("debug"):
                raise
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(1) from None


def new_app(help_text: str) -> typer.Typer:
    return typer.Typer(cls=ShailooGroup, help=help_text, no_args_is_help=True, pretty_exceptions_enable=False,
                       add_completion=False, rich_markup_mode=None)


app = new_app("Import political social-media exports, compute monitoring tables and text analyses, publish a report.")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"shailoo {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks for errors."),
    version: Optional[bool] = typer.Option(None, "--version", callback=_version, is_eager=True,
                                           help="Print the version and exit."),
) -> None:
    """Import political social-media exports, compute monitoring tables and text analyses, publish a report."""
    ctx.obj = {"debug": debug}


# Each command module adds its commands with `register(app)`; modules are imported here only.
COMMAND_MODULES = (
    "shailoo.cli.workspace_commands",
    "shailoo.cli.import_commands",
    "shailoo.cli.actor_commands",
    "shailoo.cli.demo_commands",
    "shailoo.cli.metrics_commands",
    "shailoo.cli.report_commands",
    "shailoo.cli.text_commands",
)

for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(_name)
    except ModuleNotFoundError as _exc:
        if _exc.name != _name:
            raise
        continue
    _module.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    sys.exit(main())

"""shailoo demo: build a workspace from the generated demo data set shipped with shailoo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from shailoo.cli.common import console
from shailoo.cli.options import FormatOpt, JsonOpt, examples
from shailoo.errors import UsageError


def register(app: typer.Typer) -> None:
    @app.command(epilog=examples("shailoo demo", "shailoo demo /tmp/demo --no-report --json"))
    def demo(
        folder: Annotated[Path, typer.Argument(metavar="DIR", help="Folder for the demo workspace (created).")] = Path("demo-workspace"),
        force: Annotated[bool, typer.Option("--force", help="Delete a previous demo in DIR and rebuild it.")] = False,
        seed: Annotated[int, typer.Option("--seed", help="Seed of the data generator (same seed, same data).")] = 2026,
        report: Annotated[bool, typer.Option("--report/--no-report", help="Write DIR/report.html (the slowest step).")] = True,
        fmt: FormatOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Build a demo workspace from generated data about a fictional election, then show what to try next."""
        if fmt not in (None, "table", "json"):
            raise UsageError(f"--format must be table or json for the demo, not '{fmt}'.")
        as_json = as_json or fmt == "json"
        from rich.console import Console

        from shailoo.demo import run_demo

        out = Console(quiet=True) if as_json else console
        summary = run_demo(folder, out, force=force, seed=seed, report=report)
        if as_json:
            typer.echo(json.dumps(summary, ensure_ascii=False, indent=1))

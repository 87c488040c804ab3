"""shailoo demo: build a workspace from the generated demo data set shipped with shailoo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from shailoo.cli.common import console


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        folder: Annotated[Path, typer.Argument(metavar="DIR", help="Folder for the demo workspace (created).")] = Path("demo-workspace"),
        force: Annotated[bool, typer.Option("--force", help="Delete a previous demo in DIR and rebuild it.")] = False,
        seed: Annotated[int, typer.Option("--seed", help="Seed of the data generator (same seed, same data).")] = 2026,
        report: Annotated[bool, typer.Option("--report/--no-report", help="Write DIR/report.html (the slowest step).")] = True,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object with what was done.")] = False,
    ) -> None:
        """Build a demo workspace from generated data about a fictional election, then show what to try next."""
        from rich.console import Console

        from shailoo.demo import run_demo

        out = Console(quiet=True) if as_json else console
        summary = run_demo(folder, out, force=force, seed=seed, report=report)
        if as_json:
            typer.echo(json.dumps(summary, ensure_ascii=False, indent=1))

"""shailoo actors import|list: the registry of monitored actors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shailoo.actors import actor_post_counts, import_registry
from shailoo.cli.common import FormatOpt, WorkspaceOpt, console, print_table
# Reading commands open the workspace read-only (they work on a read-only copy or folder); see store.workspace.
from shailoo.store.workspace import open_workspace


def register(app: typer.Typer) -> None:
    from shailoo.cli.main import new_app

    actors = new_app("Register monitored actors (candidates, parties, media...) and their accounts.")
    app.add_typer(actors, name="actors")

    @actors.command("import")
    def actors_import(file: Annotated[Path, typer.Argument(help="Registry CSV or YAML.")],
                      workspace: WorkspaceOpt = None) -> None:
        """Add or update actors from a CSV (one row per account) or YAML registry."""
        with open_workspace(workspace) as ws:
            counts = import_registry(ws, file)
        console.print(f"Registered {counts['actors']} actors with {counts['accounts']} accounts; "
                      f"{counts['attributed_accounts']} accounts in the workspace are attributed to them.")

    @actors.command("list")
    def actors_list(workspace: WorkspaceOpt = None, fmt: FormatOpt = "table") -> None:
        """List actors with their category and post count per platform."""
        with open_workspace(workspace, read_only=True) as ws:
            print_table(actor_post_counts(ws), fmt, title="Actors")

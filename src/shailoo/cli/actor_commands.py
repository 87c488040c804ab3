"""shailoo actors import|list|unmatched|remove: the registry of monitored actors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shailoo.actors import (
    actor_post_counts,
    describe_unmatched,
    import_registry,
    remove_actor,
    unattributed_accounts,
    unmatched_registry_accounts,
)
from shailoo.cli.common import OutputOptions, WorkspaceOpt, console, limit_option, print_table, table_command
from shailoo.cli.options import examples
# Reading commands open the workspace read-only (they work on a read-only copy or folder); see store.workspace.
from shailoo.store.workspace import open_workspace


def register(app: typer.Typer) -> None:
    from shailoo.cli.main import new_app

    actors = new_app("Register monitored actors (candidates, parties, media...) and their accounts.")
    app.add_typer(actors, name="actors")

    @actors.command("import", epilog=examples("shailoo actors import actors.csv", "shailoo actors import more.yaml --add"))
    def actors_import(file: Annotated[Path, typer.Argument(help="Registry CSV or YAML.")],
                      add: Annotated[bool, typer.Option("--add", help="Add to the registry instead of replacing it.")] = False,
                      workspace: WorkspaceOpt = None) -> None:
        """Replace the registry with a CSV (one row per account) or YAML file; --add merges it instead.

        Without --add, actors missing from the file are removed (their posts stay, unattributed).
        Registry rows that match no post are listed afterwards.
        """
        with open_workspace(workspace) as ws:
            counts = import_registry(ws, file, replace=not add)
        console.print(f"Registered {counts['actors']} actors with {counts['accounts']} accounts; "
                      f"{counts['attributed_accounts']} accounts in the workspace are attributed to them.", markup=False)
        for label in ("added", "changed", "removed"):
            names = counts[label]
            if names:
                shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
                console.print(f"{label.capitalize()} {len(names)}: {shown}.", markup=False)
        for line in describe_unmatched(counts["unmatched"]):
            console.print(line, markup=False)

    @actors.command("list", epilog=examples("shailoo actors list", "shailoo actors list -o actors.xlsx"))
    @table_command
    def actors_list(workspace: WorkspaceOpt = None, out: OutputOptions = None) -> None:
        """List actors with their category and post count per platform."""
        with open_workspace(workspace, read_only=True) as ws:
            print_table(actor_post_counts(ws), out, title="Actors", shown=("actor", "category", "platforms", "posts"))

    @actors.command("unmatched", epilog=examples("shailoo actors unmatched", "shailoo actors unmatched --registry"))
    @table_command
    def actors_unmatched(
        workspace: WorkspaceOpt = None,
        registry: Annotated[bool, typer.Option("--registry", help="List the registry's accounts that match no post instead.")] = False,
        limit: limit_option("Accounts to show (default: 100)") = 100, out: OutputOptions = None,
    ) -> None:
        """List accounts whose posts count for no actor, most posts first (--registry: registry rows matching no post)."""
        with open_workspace(workspace, read_only=True) as ws:
            if registry:
                rows = unmatched_registry_accounts(ws)
                print_table(rows[:limit] if limit else rows, out, title="Registry accounts matching no post")
            else:
                print_table(unattributed_accounts(ws, limit or None), out, title="Accounts with posts and no actor")

    @actors.command("remove", epilog=examples('shailoo actors remove "Жапаров Садыр"'))
    def actors_remove(name: Annotated[str, typer.Argument(help="The actor's name or one of its aliases.")],
                      workspace: WorkspaceOpt = None) -> None:
        """Remove an actor and its accounts from the registry; its posts stay, unattributed."""
        with open_workspace(workspace) as ws:
            removed = remove_actor(ws, name)
        console.print(f"Removed {removed['name']}; its {removed['posts']:,} posts stay in the workspace, "
                      "attributed to no actor.", markup=False)

"""shailoo export posts: the selected posts with actor, category and counts, to a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from shailoo.cli.common import BomOpt, WorkspaceOpt, err_console, open_workspace, progress, quiet, terminal_text
from shailoo.cli.filters import (ActorOpt, AllOpt, CategoryOpt, PeriodOpt, PlatformOpt, SinceOpt, UntilOpt,
                                 join_notes, scoped_filter)
from shailoo.cli.options import QuietOpt, examples


def register(app: typer.Typer) -> None:
    from shailoo.cli.main import new_app

    export_app = new_app("Export posts to CSV, JSON lines, Parquet or XLSX.")
    app.add_typer(export_app, name="export")

    @export_app.command("posts", epilog=examples(
        "shailoo export posts -o posts.csv --bom", "shailoo export posts --platform telegram -o telegram.parquet",
        "shailoo export posts --period campaign --category candidate -o candidates.xlsx",
        "shailoo export posts --all -o everything.jsonl"))
    def export_posts_cmd(
        output: Annotated[Path, typer.Option("-o", "--output", help="File to write; .csv, .jsonl, .parquet or .xlsx "
                                             "chooses the format.")],
        workspace: WorkspaceOpt = None,
        fmt: Annotated[Optional[str], typer.Option("-f", "--format", help="csv, jsonl, parquet or xlsx (default: "
                                                   "from the file's extension).")] = None,
        bom: BomOpt = False, period: PeriodOpt = None, platform: PlatformOpt = None, category: CategoryOpt = None,
        actor: ActorOpt = None, since: SinceOpt = None, until: UntilOpt = None, all_posts: AllOpt = False,
        quiet_: QuietOpt = False,
    ) -> None:
        """Export the selected posts with actor, category and counts (private authors under their pseudonym)."""
        from shailoo.export import export_format, export_posts
        from shailoo.outputs import check_output

        export_format(output, fmt)  # a wrong extension or format fails before any work
        check_output(output)
        with open_workspace(workspace, read_only=True) as ws:
            flt, scope = scoped_filter(ws, period, platform, category, actor, since, until, all_posts)
            with progress(f"Exporting posts to {output}…"):
                n = export_posts(ws, output, flt, fmt=fmt, bom=bom)
        if not quiet():
            err_console.print(terminal_text(f"Exported {n:,} posts to {output}. " + (join_notes(scope) or "")),
                              soft_wrap=True)

    @export_app.command("parquet", epilog=examples(
        "shailoo export parquet -w election-2026 election-2026-parquet",
        "shailoo export parquet -w election-2026 /data/exports/election-2026 --force"))
    def export_parquet_cmd(
        folder: Annotated[Path, typer.Argument(help="Folder to write the export in (new or empty; --force replaces "
                                                    "an earlier export).")],
        workspace: WorkspaceOpt = None,
        force: Annotated[bool, typer.Option("--force", help="Replace an earlier Parquet export in the folder.")] = False,
        quiet_: QuietOpt = False,
    ) -> None:
        """Export every table of the workspace as Parquet (posts by platform and month), for Spark or another team."""
        from shailoo.store.parquet import export_parquet

        with open_workspace(workspace, read_only=True) as ws:
            with progress(f"Exporting the workspace to {folder}…"):
                manifest = export_parquet(ws, folder, overwrite=force)
        if not quiet():
            tables = manifest["tables"]
            err_console.print(terminal_text(
                f"Exported {len(tables)} tables ({tables['posts']['rows']:,} posts) to {folder}; the web app's "
                "users stay out (password hashes)."), soft_wrap=True)

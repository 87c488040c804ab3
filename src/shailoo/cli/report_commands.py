"""shailoo report: write the HTML report (self-contained, offline) and/or the XLSX workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from shailoo.cli.common import WorkspaceOpt, console, err_console, open_workspace
from shailoo.cli.filters import ActorOpt, AllOpt, CategoryOpt, PeriodOpt, PlatformOpt, SinceOpt, UntilOpt, post_filter


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(workspace: WorkspaceOpt = None,
               period: PeriodOpt = None, platform: PlatformOpt = None, category: CategoryOpt = None,
               actor: ActorOpt = None, since: SinceOpt = None, until: UntilOpt = None, all_posts: AllOpt = False,
               out: Annotated[Optional[Path], typer.Option("--out", "-o", help="HTML file to write "
                                                           "(default: report.html unless only --xlsx is given).")] = None,
               xlsx: Annotated[Optional[Path], typer.Option("--xlsx", help="Also write every table as a sheet "
                                                            "of this XLSX file.")] = None,
               no_text: Annotated[bool, typer.Option("--no-text", help="Leave out the text-analysis sections.")] = False,
               ) -> None:
        """Write the monitoring report: one offline HTML file with charts, tables and CSV downloads."""
        from shailoo.errors import UsageError
        from shailoo.outputs import check_output
        from shailoo.report.build import report_filter, write_report, write_xlsx

        if all_posts and (period or since or until):
            raise UsageError("--all takes every post; do not combine it with --period, --since or --until.")
        flt = post_filter(None, platform, category, actor, since, until)

        html = out or (Path("report.html") if xlsx is None else None)
        for target in (html, xlsx):  # a folder, device or read-only file fails before any work
            if target is not None:
                check_output(target)
        with open_workspace(workspace, read_only=None) as ws:  # caches languages when it may write
            err_console.print(f"Note: {report_filter(ws, period, flt, all_posts)[1]}", markup=False, soft_wrap=True)
            if html is not None:
                path = write_report(ws, html, period=period, include_text=not no_text, flt=flt, all_posts=all_posts)
                console.print(f"Wrote the report to {path} ({path.stat().st_size / 1e6:.1f} MB); open it in a browser.", markup=False)
            if xlsx is not None:
                path = write_xlsx(ws, xlsx, period=period, include_text=not no_text, flt=flt, all_posts=all_posts)
                console.print(f"Wrote every table to {path}.", markup=False)

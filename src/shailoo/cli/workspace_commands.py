"""init, status, periods, quarantine: commands about the workspace itself."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from shailoo.cli.common import FormatOpt, WorkspaceOpt, console, open_workspace, print_table
from shailoo.errors import UsageError
from shailoo.store import status as status_mod
from shailoo.store.workspace import init_workspace


def register(app: typer.Typer) -> None:
    from shailoo.cli.main import new_app

    @app.command()
    def init(
        folder: Annotated[Path, typer.Argument(help="Folder to create the workspace in.")],
        project: Annotated[str, typer.Option(help="Project name (default: the folder's name).")] = "",
        timezone: Annotated[str, typer.Option(help="Time zone reports use (IANA name).")] = "Asia/Bishkek",
    ) -> None:
        """Create a workspace: a DuckDB database and a shailoo.toml config in FOLDER."""
        ws = init_workspace(folder, project=project or None, timezone=timezone)
        ws.close()
        console.print(f"Created workspace [bold]{ws.config.project}[/bold] in {folder} (time zone {timezone}).")
        console.print(f"Next: shailoo actors import -w {folder} actors.csv ; shailoo import -w {folder} EXPORT.csv")

    @app.command()
    def status(workspace: WorkspaceOpt = None, as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False) -> None:
        """Show posts per platform and actor category, the date range, imports and quarantine size."""
        with open_workspace(workspace) as ws:
            info = status_mod.summary(ws)
        if as_json:
            typer.echo(json.dumps(info, ensure_ascii=False, indent=1, default=str))
            return
        status_mod.print_summary(info)

    periods = new_app("Name time ranges (pre-campaign, campaign, a crisis) that analyses can filter on.")
    app.add_typer(periods, name="periods")

    @periods.command("add")
    def periods_add(
        name: Annotated[str, typer.Argument(help="Period name, e.g. campaign.")],
        start: Annotated[str, typer.Argument(help="First day, YYYY-MM-DD (inclusive).")],
        end: Annotated[str, typer.Argument(help="Last day, YYYY-MM-DD (inclusive).")],
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Add or replace a period (dates inclusive, in the workspace's time zone)."""
        with open_workspace(workspace) as ws:
            ws.add_period(name, _date(start), _date(end))
            tz = ws.config.timezone
        console.print(f"Period {name}: {start} to {end} inclusive ({tz}).")

    @periods.command("list")
    def periods_list(workspace: WorkspaceOpt = None, fmt: FormatOpt = "table") -> None:
        """List the workspace's periods with their post counts."""
        with open_workspace(workspace) as ws:
            rel = ws.sql(
                """SELECT p.name, p.start_date, p.end_date,
                          (SELECT count(*) FROM posts_v v WHERE v.day BETWEEN p.start_date AND p.end_date) AS posts
                   FROM periods p ORDER BY p.start_date""")
            print_table(rel, fmt, title="Periods")

    quarantine = new_app("Inspect and purge rows that imports set aside.")
    app.add_typer(quarantine, name="quarantine")

    @quarantine.command("list")
    def quarantine_list(workspace: WorkspaceOpt = None, fmt: FormatOpt = "table",
                        limit: Annotated[int, typer.Option(help="Show at most this many rows.")] = 100) -> None:
        """List quarantined rows: file, record number and the reason."""
        with open_workspace(workspace) as ws:
            rel = ws.sql(
                """SELECT import_id, file_name, record_number, reason,
                          CASE WHEN raw IS NULL THEN '(purged)' ELSE left(raw, 120) END AS raw
                   FROM quarantine ORDER BY import_id, record_number LIMIT ?""", [limit])
            print_table(rel, fmt, title="Quarantine")

    @quarantine.command("purge")
    def quarantine_purge(workspace: WorkspaceOpt = None,
                         import_id: Annotated[int, typer.Option("--import", help="Only rows of this import.")] = 0) -> None:
        """Delete the raw content of quarantined rows (reasons and record numbers stay)."""
        with open_workspace(workspace) as ws:
            where = "raw IS NOT NULL" + (" AND import_id = ?" if import_id else "")
            params = [import_id] if import_id else []
            n = ws.con.execute(f"SELECT count(*) FROM quarantine WHERE {where}", params).fetchall()[0][0]
            ws.con.execute(f"UPDATE quarantine SET raw = NULL, purged_at = now() WHERE {where}", params)
            ws.con.execute("CHECKPOINT")  # make sure the deleted content leaves the file
        console.print(f"Purged the raw content of {n:,} quarantined rows.")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"'{text}' is not a date; write it as YYYY-MM-DD.") from None

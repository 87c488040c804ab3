"""init, status, periods, quarantine: commands about the workspace itself."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from shailoo.cli.common import (JsonOpt, OutputOptions, WorkspaceOpt, console, limit_option, print_table,
                                table_command, terminal_text)
from shailoo.cli.options import examples
from shailoo.errors import UsageError, printable
from shailoo.store import status as status_mod
# Reading commands open the workspace read-only, so they work on a read-only folder or copy.
from shailoo.store.workspace import init_workspace, new_key, open_workspace, purge_quarantine


def register(app: typer.Typer) -> None:
    from shailoo.cli.main import new_app

    @app.command(epilog=examples("shailoo init kg2026", "shailoo init kg2026 --project 'Kyrgyzstan 2026' --timezone Asia/Bishkek"))
    def init(
        folder: Annotated[Path, typer.Argument(help="Folder to create the workspace in.")],
        project: Annotated[str, typer.Option(help="Project name (default: the folder's name).")] = "",
        timezone: Annotated[str, typer.Option(help="Time zone reports use (IANA name).")] = "Asia/Bishkek",
    ) -> None:
        """Create a workspace: a DuckDB database and a shailoo.toml config in FOLDER."""
        ws = init_workspace(folder, project=project or None, timezone=timezone)
        ws.close()
        shown = printable(folder)
        console.print(f"Created workspace {ws.config.project} in {shown} (time zone {timezone}).", markup=False)
        console.print(f"Next: shailoo actors import -w {shown} actors.csv ; shailoo import -w {shown} EXPORT.csv",
                      markup=False)

    @app.command(epilog=examples("shailoo status", "shailoo -w kg2026 status --json"))
    @table_command
    def status(workspace: WorkspaceOpt = None, as_json: JsonOpt = False, out: OutputOptions = None) -> None:
        """Show posts per platform and actor category, the date range, imports and quarantine size."""
        from shailoo.analysis.metrics import unknown_counts

        fmt = out.resolved_format()
        with open_workspace(workspace, read_only=True) as ws:
            info = status_mod.summary(ws)
            info["unknown_counts"] = unknown_counts(ws).to_pylist()  # per platform, every own post, no scope
            imports = _imports(ws)
        for row in info["recent_imports"]:
            row["file"] = imports.get(row["import_id"], row["file"])
        if fmt == "json":
            text = json.dumps(info, ensure_ascii=False, indent=1, default=str)
            if out.output is not None:
                from shailoo.outputs import write_output

                write_output(out.output, text + "\n")
            else:
                typer.echo(text)
            return
        if fmt != "table":
            raise UsageError("status prints a summary: use --format json (or --json) for scripts.")
        _print_summary(info)
        if info["recent_imports"]:
            print_table(info["recent_imports"], "table", title="Recent imports (paths relative to their common folder)",
                        shown=("import_id", "file", "format", "started_at", "imported", "quarantined"))
        if info["unknown_counts"]:
            print_table(info["unknown_counts"], "table", title="Posts with unknown counts per platform",
                        shown=("platform", "posts", "no_snapshot", "interactions_unknown", "views_unknown",
                               "interactions_unknown_pct"),
                        note="Counted over every post of the workspace, whatever the analyses' scope. Unknown is "
                             "not zero: these posts are left out of that count's sums, averages and rates "
                             "(docs/metrics.md).")

    periods = new_app("Name time ranges (pre-campaign, campaign, a crisis) that analyses can filter on.")
    app.add_typer(periods, name="periods")

    @periods.command("add", epilog=examples("shailoo periods add campaign 2026-02-11 2026-03-10"))
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
        console.print(f"Period {name}: {start} to {end} inclusive ({tz}).", markup=False)

    @periods.command("remove", epilog=examples("shailoo periods remove campaign"))
    def periods_remove(name: Annotated[str, typer.Argument(help="The period's name.")],
                       workspace: WorkspaceOpt = None) -> None:
        """Remove a period from the workspace (its posts stay)."""
        with open_workspace(workspace) as ws:
            ws.remove_period(name)
        console.print(f"Removed the period {name}.", markup=False)

    @periods.command("list", epilog=examples("shailoo periods list", "shailoo periods list -f csv"))
    @table_command
    def periods_list(workspace: WorkspaceOpt = None, out: OutputOptions = None) -> None:
        """List the workspace's periods with their post counts."""
        with open_workspace(workspace, read_only=True) as ws:
            rel = ws.sql(
                """SELECT p.name, p.start_date, p.end_date,
                          (SELECT count(*) FROM posts_v v WHERE v.day BETWEEN p.start_date AND p.end_date) AS posts
                   FROM periods p ORDER BY p.start_date""")
            print_table(rel, out, title="Periods")

    quarantine = new_app("Inspect and purge rows that imports set aside.")
    app.add_typer(quarantine, name="quarantine")

    @quarantine.command("list", epilog=examples("shailoo quarantine list", "shailoo quarantine list --limit 0 -o quarantine.csv"))
    @table_command
    def quarantine_list(workspace: WorkspaceOpt = None, limit: limit_option("Rows to show (default: 100)") = 100,
                        out: OutputOptions = None) -> None:
        """List quarantined rows: file, record number and the reason."""
        with open_workspace(workspace, read_only=True) as ws:
            rel = ws.sql(
                """SELECT import_id, file_name, record_number, reason,
                          CASE WHEN raw IS NULL THEN '(purged)' ELSE left(raw, 120) END AS raw
                   FROM quarantine ORDER BY import_id, record_number""")
            print_table(rel, out, title="Quarantine", limit=limit)

    @quarantine.command("purge", epilog=examples("shailoo quarantine purge", "shailoo quarantine purge --import 3"))
    def quarantine_purge(workspace: WorkspaceOpt = None,
                         import_id: Annotated[int, typer.Option("--import", help="Only rows of this import.")] = 0) -> None:
        """Delete the raw content of quarantined rows (reasons and record numbers stay) and rewrite the file."""
        with open_workspace(workspace) as ws:
            n, before, after = purge_quarantine(ws, import_id or None)
        console.print(f"Purged the raw content of {n:,} quarantined rows; rewrote the workspace file so it is gone "
                      f"from its bytes ({before / 1e6:,.1f} MB → {after / 1e6:,.1f} MB).")

    key = new_app("Manage the workspace's pseudonym key.")
    app.add_typer(key, name="key")

    @key.command("new", epilog=examples("shailoo key new -w kg2026"))
    def key_new(workspace: WorkspaceOpt = None) -> None:
        """Create a pseudonym key for a workspace that has none and holds no pseudonym (never replaces a usable key)."""
        path = new_key(workspace if workspace is not None else Path(os.environ.get("SHAILOO_WORKSPACE", ".")))
        console.print(f"Created a new pseudonym key {printable(path)}; back it up with the workspace.", markup=False)


def _print_summary(info: dict) -> None:
    from rich.table import Table

    console.print(f"{info['project']} — {info['posts']:,} posts, {info['actors']} actors, "
                  f"{info['accounts']:,} accounts, time zone {info['timezone']}", markup=False, style="bold")
    if info["first_post"]:
        console.print(f"Posts from {info['first_post'][:16]} to {info['last_post'][:16]} (local time)")
    for title, key in (("Posts per platform", "platforms"), ("Posts per actor category", "categories")):
        table = Table(title=title, title_justify="left")
        table.add_column(key[:-1] if key != "categories" else "category")
        table.add_column("posts", justify="right")
        for name, n in info[key].items():
            table.add_row(terminal_text(name), f"{n:,}")
        console.print(table)
    if info["periods"]:
        console.print("Periods: " + "; ".join(f"{p['name']} {p['start']}–{p['end']}" for p in info["periods"]),
                      markup=False)
    console.print(f"{info['imports']} imports, {info['engagement_snapshots']:,} engagement snapshots, "
                  f"{info['quarantined']:,} rows in quarantine"
                  + (" (see `shailoo quarantine list`)" if info["quarantined"] else ""), markup=False)


def _imports(ws) -> dict[int, str]:
    """Each import's file as a path relative to the folder all imported files share (a folder of
    exports holds many files named result.json), else its name."""
    rows = ws.con.execute("SELECT import_id, file_name, file_path FROM imports").fetchall()
    paths = [p for _, _, p in rows if p]
    try:
        root = os.path.commonpath(paths) if len(paths) > 1 else (os.path.dirname(paths[0]) if paths else "")
    except ValueError:  # relative and absolute paths mixed
        root = ""
    if root in paths:
        root = os.path.dirname(root)
    return {i: printable(os.path.relpath(p, root) if p and root else (p or name)) for i, name, p in rows}


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"'{text}' is not a date; write it as YYYY-MM-DD.") from None

"""shailoo sql: run a query over the workspace, read-only, and print its rows like any table."""

from __future__ import annotations

from typing import Annotated

import typer

from shailoo.cli.common import OutputOptions, WorkspaceOpt, limit_option, print_table, table_command
from shailoo.cli.options import examples
from shailoo.errors import UsageError


def register(app: typer.Typer) -> None:
    @app.command("sql", epilog=examples(
        'shailoo sql "SELECT platform, count(*) AS posts FROM posts_v GROUP BY 1"',
        'shailoo sql "SELECT actor, day, text FROM posts_v WHERE text ILIKE \'%шайлоо%\'" -o hits.csv --bom',
        'shailoo sql "SHOW TABLES"'))
    @table_command
    def sql_cmd(query: Annotated[str, typer.Argument(help="One SQL query (DuckDB dialect) over the workspace's "
                                                     "tables and views (docs/workspace.md).")],
                workspace: WorkspaceOpt = None,
                limit: limit_option("Rows to show (default: 50 on a screen, all in csv/json/files)") = None,
                out: OutputOptions = None) -> None:
        """Run an SQL query over the workspace (read-only) and print its rows."""
        from shailoo.query import run_query

        with run_query(workspace, query) as table:
            if table is None:
                raise UsageError("The statement returned no rows; give a query (SELECT …, SHOW TABLES, DESCRIBE posts_v).")
            print_table(table, out, title=None, limit=limit, default_limit=50)

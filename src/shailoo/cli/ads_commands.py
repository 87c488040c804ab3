"""shailoo ads import|spend|reports: Meta Ad Library files and the spend on political ads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from shailoo.cli.common import OutputOptions, WorkspaceOpt, console, limit_option, print_table, table_command
from shailoo.cli.filters import PeriodOpt
from shailoo.cli.options import examples
from shailoo.errors import UsageError
from shailoo.store.workspace import open_workspace

Limit = limit_option("Rows to show (default: 30 on a screen, all in csv/json/files)")
SHOWN = {"api": ("currency", "ads", "spend_lower", "spend_upper", "spend_unknown", "impressions_lower",
                 "impressions_upper", "first_day", "last_day"),
         "report": ("currency", "ads", "spend_lower", "spend_upper")}


def register(app: typer.Typer) -> None:
    from shailoo.cli.main import new_app

    ads_app = new_app("Import Meta Ad Library files and count the spend on political ads.")
    app.add_typer(ads_app, name="ads")

    @ads_app.command("import", epilog=examples(
        "shailoo ads import FacebookAdLibraryReport_2021-01-16_KG_last_90_days_advertisers.csv",
        "shailoo ads import FacebookAdLibraryReportUA2019-05-04SpendingToDate.csv --currency UAH",
        "shailoo ads import ads_archive.json"))
    @table_command
    def import_cmd(
        paths: Annotated[list[Path], typer.Argument(help="Ad Library report CSVs or Ad Library API JSON files.")],
        workspace: WorkspaceOpt = None,
        from_: Annotated[Optional[str], typer.Option(
            "--from", help="meta_ad_library_report or meta_ad_library_api (default: detected).")] = None,
        currency: Annotated[Optional[str], typer.Option(
            "--currency", help="Currency of a report whose header does not name one (e.g. USD).")] = None,
        reread: Annotated[bool, typer.Option("--reread", help="Read a file again even if an identical one was imported.")] = False,
        out: OutputOptions = None,
    ) -> None:
        """Import Meta Ad Library report CSVs and Ad Library API JSON (spend kept as ranges)."""
        from shailoo.store.ads import load_into

        if currency is not None and not (len(currency.strip()) == 3 and currency.strip().isalpha()):
            raise UsageError(f"--currency takes a three-letter code such as USD, not '{currency[:20]}'.")
        options = {"currency": currency.strip().upper()} if currency else {}
        results = []
        with open_workspace(workspace) as ws:
            for path in paths:
                results.append(load_into(ws, path, options=options, reread=reread, format_id=from_))
        print_table([{"file": r.file, "format": r.format, "records": r.records, "imported": r.imported,
                      "updated": r.updated, "quarantined": r.quarantined, "skipped": r.skipped,
                      "seconds": round(r.duration_s, 2)} for r in results], out, title="Ad Library import",
                    note=" ".join(f"{r.file}: {w}." for r in results for w in r.warnings) or None)
        for r in results:
            if r.quarantined and out.resolved_format() == "table":
                console.print(f"{r.quarantined:,} rows of {r.file} were quarantined: see `shailoo quarantine list`.",
                              style="yellow", markup=False)

    @ads_app.command("spend", epilog=examples(
        "shailoo ads spend --by actor", "shailoo ads spend --by payer --period campaign",
        "shailoo ads spend --source report --by page --report 'KG 2021-01-16 last_90_days' -o spend.xlsx"))
    @table_command
    def spend_cmd(
        workspace: WorkspaceOpt = None,
        by: Annotated[str, typer.Option("--by", help="Group by page, payer (disclaimer / bylines), actor or period.")] = "page",
        source: Annotated[str, typer.Option("--source", help="api: the Ad Library API's ads; report: the Ad Library "
                                                             "reports (each report on its own).")] = "api",
        report: Annotated[Optional[str], typer.Option("--report", help="Only this report (as `shailoo ads reports` "
                                                                       "names it).")] = None,
        period: PeriodOpt = None,
        all_posts: Annotated[bool, typer.Option("--all", help="Every ad; by default the ads delivered in the monitoring "
                                                            "period.")] = False,
        limit: Limit = None,
        out: OutputOptions = None,
    ) -> None:
        """Sum the spend (lower and upper bound) and count the ads per page, payer, actor or period."""
        from shailoo.analysis.ads import ad_spend

        if source == "report" and (period or all_posts):
            raise UsageError("--period and --all select API ads by delivery; a report covers its own window "
                             "(choose one with --report).")
        if source == "api" and report:
            raise UsageError("--report goes with --source report.")
        with open_workspace(workspace, read_only=True) as ws:
            result = ad_spend(ws, by=by, source=source, period=period, all_ads=all_posts, report=report)
        groups = ["report", by] if source == "report" else [by]
        print_table(result.table, out, title=f"Ad spend by {by}", shown=groups + list(SHOWN.get(source, ())),
                    limit=out.limit, default_limit=30, note=result.note)

    @ads_app.command("reports", epilog=examples("shailoo ads reports", "shailoo ads reports -f json"))
    @table_command
    def reports_cmd(workspace: WorkspaceOpt = None, out: OutputOptions = None) -> None:
        """List the Ad Library reports imported: country, date, window, advertisers, ads and spend."""
        from shailoo.analysis.ads import reports

        with open_workspace(workspace, read_only=True) as ws:
            table = reports(ws)
        print_table(table, out, title="Ad Library reports", shown=("report", "window_start", "window_end", "advertisers",
                                                                    "ads", "currency", "spend_lower", "spend_upper"),
                    note=None if table.num_rows else "No Ad Library report imported yet: `shailoo ads import FILE`.")

"""shailoo events import|add|list|remove|participants|sizes: offline events (protests, election days,
crises) set beside the online timeline (docs/time.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from shailoo.cli.common import JsonOpt, OutputOptions, WorkspaceOpt, console, print_table, table_command
from shailoo.cli.options import examples
from shailoo.cli.tables import note_line
from shailoo.store.workspace import open_workspace

SinceOpt = Annotated[Optional[str], typer.Option("--since", help="Only events going on from this day (YYYY-MM-DD).")]
UntilOpt = Annotated[Optional[str], typer.Option("--until", help="Only events starting up to this day (YYYY-MM-DD).")]


def _day(value: str | None, option: str):
    from shailoo.cli.filters import _day as day

    return day(value, option)


def _summary(r) -> str:
    parts = [f"{r.records:,} records in {r.file}: {r.imported:,} events imported, {r.updated:,} updated, "
             f"{r.quarantined:,} quarantined, {r.skipped:,} skipped"]
    reasons = "; ".join(f"{n:,} {why}" for why, n in r.skipped_reasons.items())
    return parts[0] + (f" ({reasons})." if reasons else ".")


def register(app: typer.Typer) -> None:
    from shailoo.cli.main import new_app

    events = new_app("Record offline events (protests, election days, crises) to set beside online activity.")
    app.add_typer(events, name="events")

    @events.command("import", epilog=examples("shailoo events import protests.csv",
                                              "shailoo events import mm_kazakhstan.csv --json",
                                              "shailoo events import table.xlsx --mapping events.yaml"))
    @table_command
    def events_import(file: Annotated[Path, typer.Argument(help="Events CSV or XLSX.")],
                      mapping: Annotated[Optional[Path], typer.Option(
                          "--mapping", help="YAML naming which header holds which field (docs/time.md).")] = None,
                      workspace: WorkspaceOpt = None, as_json: JsonOpt = False, out: OutputOptions = None) -> None:
        """Import events from CSV or XLSX: shailoo's layout, Mass Mobilization's, or any with --mapping.

        Participant figures become lower and upper bounds ("50-99", ">10000", "hundreds"); rows with a
        bad date, an end before the start or participants that are no number are quarantined.
        Importing the same file again adds nothing.
        """
        from shailoo.events import import_events

        with open_workspace(workspace) as ws:
            result = import_events(ws, file, mapping)
        fmt = out.resolved_format()
        if fmt == "json" and out.output is None:
            typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=1))
            return
        if fmt != "table" or out.output is not None:  # one row of counts for scripts and files
            row = {k: v for k, v in result.as_dict().items() if k != "skipped_reasons"}
            row["skipped_reasons"] = "; ".join(f"{n} {why}" for why, n in result.skipped_reasons.items())
            print_table([row], out, title="Events import")
            return
        console.print(_summary(result), markup=False, soft_wrap=True)
        if result.quarantined:
            note_line(f"the quarantined rows and their reasons: shailoo sql \"SELECT record_number, reason FROM "
                      f"quarantine WHERE import_id = {result.import_id}\"")

    @events.command("add", epilog=examples('shailoo events add 2020-10-05 --end 2020-10-06 --name "Protest after the '
                                           'election" --place Bishkek --country Kyrgyzstan --type protest '
                                           '--reported 5000-10000'))
    def events_add(day: Annotated[str, typer.Argument(help="The event's (first) day, YYYY-MM-DD.")],
                   name: Annotated[Optional[str], typer.Option("--name", help="What happened.")] = None,
                   end: Annotated[Optional[str], typer.Option("--end", help="Its last day, YYYY-MM-DD.")] = None,
                   place: Annotated[Optional[str], typer.Option("--place", help="City or place.")] = None,
                   country: Annotated[Optional[str], typer.Option("--country", help="Country.")] = None,
                   kind: Annotated[Optional[str], typer.Option("--type", help="protest, strike, picket, election, "
                                                                              "crisis ...")] = None,
                   claimed: Annotated[Optional[str], typer.Option(
                       "--claimed", help="Participants the organisers claimed: 5000, 1000-2000, >10000, thousands.")] = None,
                   reported: Annotated[Optional[str], typer.Option(
                       "--reported", help="Participants observers reported, written the same way.")] = None,
                   arrests: Annotated[Optional[str], typer.Option("--arrests", help="Number of arrests.")] = None,
                   description: Annotated[Optional[str], typer.Option("--description", help="A description.")] = None,
                   source_url: Annotated[Optional[str], typer.Option("--source-url", help="Link to a source.")] = None,
                   workspace: WorkspaceOpt = None) -> None:
        """Add one event by hand."""
        from shailoo.events import add_event

        with open_workspace(workspace) as ws:
            event_id = add_event(ws, day, name, end, place, country, kind, claimed, reported, arrests, description,
                                 source_url)
        console.print(f"Added event {event_id}.", markup=False)

    @events.command("list", epilog=examples("shailoo events list", "shailoo events list --since 2019-01-01 -o events.xlsx"))
    @table_command
    def events_list(workspace: WorkspaceOpt = None, since: SinceOpt = None, until: UntilOpt = None,
                    kind: Annotated[Optional[str], typer.Option("--type", help="Only events of this type.")] = None,
                    country: Annotated[Optional[str], typer.Option("--country", help="Only this country.")] = None,
                    out: OutputOptions = None) -> None:
        """List events by date with participants as bounds (claimed and reported) and arrests."""
        from shailoo.events import list_events

        with open_workspace(workspace, read_only=True) as ws:
            table = list_events(ws, _day(since, "--since"), _day(until, "--until"), kind, country)
        print_table(table, out, title="Events", shown=("event_id", "start_date", "end_date", "name", "country",
                                                        "claimed", "reported", "arrests"))

    @events.command("participants", epilog=examples("shailoo events participants"))
    @table_command
    def events_participants(workspace: WorkspaceOpt = None, since: SinceOpt = None, until: UntilOpt = None,
                            out: OutputOptions = None) -> None:
        """Compare claimed with reported participants, event by event (bounds, never guesses)."""
        from shailoo.events import claimed_vs_reported

        with open_workspace(workspace, read_only=True) as ws:
            table = claimed_vs_reported(ws, _day(since, "--since"), _day(until, "--until"))
            total = ws.con.execute("SELECT count(*) FROM events").fetchall()[0][0]
        print_table(table, out, title="Claimed and reported participants",
                    shown=("start_date", "name", "claimed", "reported", "claimed_over_reported_at_least"),
                    note=f"{total - table.num_rows:,} of {total:,} events have no claimed figure and are not listed.")

    @events.command("sizes", epilog=examples("shailoo events sizes", "shailoo events sizes --since 2015-01-01"))
    @table_command
    def events_sizes(workspace: WorkspaceOpt = None, since: SinceOpt = None, until: UntilOpt = None,
                     out: OutputOptions = None) -> None:
        """Count events per year and type by size: under 100, 100–999, 1,000 or more participants."""
        from shailoo.events import events_by_year_size

        with open_workspace(workspace, read_only=True) as ws:
            table = events_by_year_size(ws, _day(since, "--since"), _day(until, "--until"))
        print_table(table, out, title="Events per year and size",
                    note="Sizes from reported participants; an event whose bounds span two sizes, or that has none, "
                         "is counted as size unknown.")

    @events.command("remove", epilog=examples("shailoo events remove 12"))
    def events_remove(event_id: Annotated[int, typer.Argument(help="The event's id (see `events list`).")],
                      workspace: WorkspaceOpt = None) -> None:
        """Remove one event."""
        from shailoo.events import remove_event

        with open_workspace(workspace) as ws:
            remove_event(ws, event_id)
        console.print(f"Removed event {event_id}.", markup=False)

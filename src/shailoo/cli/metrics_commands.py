"""shailoo metrics posts|interactions|top|compare|list and shailoo results import|show.

Every command selecting posts takes the filter options of cli/filters.py and states its scope
(the monitoring period by default) under its table."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from shailoo.cli.common import (OutputOptions, WorkspaceOpt, console, limit_option, print_table,
                                table_command)
from shailoo.cli.options import examples
from shailoo.cli.filters import (ActorOpt, AllOpt, CategoryOpt, PeriodOpt, PlatformOpt, SinceOpt, UntilOpt,
                                 join_notes, scoped_filter)
# Reading commands open the workspace read-only (they work on a read-only copy or folder); see store.workspace.
from shailoo.cli.common import open_workspace  # the engine chosen by `shailoo --engine`
from shailoo.errors import UsageError

ByOpt = Annotated[str, typer.Option("--by", help="Group by actor, category, platform, period, week or day "
                                                 "(comma-separated for several, e.g. actor,week).")]
Limit = limit_option("Rows to show (default: 30 on a screen, all in csv/json/files)")

# The columns a screen shows after the grouping columns; --columns or csv/json give all of them.
SHOWN = {
    # each figure with the count of posts it leaves out (unknown is not zero: docs/metrics.md)
    "posts": ("posts", "interactions", "interactions_unknown", "avg_interactions", "interaction_rate_pct",
              "posts_share_pct"),
    "interactions": ("interactions", "interactions_unknown", "reactions", "comments", "shares", "views",
                     "views_unknown"),
}
GROUP_COLUMNS = ("actor", "category", "platform", "period", "week", "day", "group")
# Where each metric of the registry is shown: a command, or the report (its tables and XLSX) only.
METRIC_COMMANDS = {
    "posts": "shailoo metrics posts",
    "interactions": "shailoo metrics interactions",
    "top": "shailoo metrics top",
    "coding-sample": "shailoo metrics top --by category --limit 200 --full-text",
    "compare-periods": "shailoo metrics compare --periods A,B",
    "last-week": "shailoo metrics compare --last-week",
    "compare-platforms": "shailoo metrics compare --platforms A,B",
    "popularity": "shailoo results show",
}


def _print_metric(name: str, title: str, workspace, by: str, filters: dict, out: OutputOptions) -> None:
    """Print one metric table of `shailoo.analysis.metrics` with the scope and early-snapshot notes."""
    from shailoo.analysis import metrics

    with open_workspace(workspace, read_only=True) as ws:
        flt, scope = scoped_filter(ws, **filters)
        table = getattr(metrics, name)(ws, flt, by)
        groups = [c for c in table.schema.names if c in GROUP_COLUMNS]
        print_table(table, out, title=f"{title} by {by}", shown=groups + list(SHOWN[name]),
                    limit=out.limit, default_limit=30,
                    note=join_notes(scope, _early_note(ws, flt), UNKNOWN_NOTE))


UNKNOWN_NOTE = ("“—” is unknown (the export does not give the count, or the post was never measured); sums and "
                "averages cover the posts where a count is known, and each *_unknown column says how many were "
                "left out.")


def _early_note(ws, flt) -> str | None:
    from shailoo.analysis.metrics import _where
    from shailoo.analysis.snapshot import engagement_source, min_hours

    where, params = _where(ws, flt)
    early = ws.con.execute(f"SELECT count(*) FILTER (WHERE snapshot_early) FROM {engagement_source(ws)} WHERE {where}",
                           params).fetchall()[0][0]
    if early:
        return (f"{early:,} posts were measured only less than {min_hours(ws):g} h after posting; "
                "their counts are from their latest snapshot.")
    return None


def register(app: typer.Typer) -> None:
    from shailoo.cli.main import new_app

    metrics_app = new_app("Compute monitoring tables: posts, interactions, top posts, comparisons.")
    app.add_typer(metrics_app, name="metrics")

    @metrics_app.command("posts", epilog=examples("shailoo metrics posts --by actor", "shailoo metrics posts --by category,week -o posts.xlsx", "shailoo metrics posts --platform facebook --period campaign -f csv --bom > posts.csv"))
    @table_command
    def posts_cmd(workspace: WorkspaceOpt = None, by: ByOpt = "actor", period: PeriodOpt = None,
                  platform: PlatformOpt = None, category: CategoryOpt = None, actor: ActorOpt = None,
                  since: SinceOpt = None, until: UntilOpt = None, all_posts: AllOpt = False,
                  limit: Limit = None, out: OutputOptions = None) -> None:
        """Count posts (and their interactions) per actor, category, platform, period, week or day."""
        _print_metric("posts", "Posts", workspace, by, dict(period=period, platform=platform, category=category,
                      actor=actor, since=since, until=until, all_posts=all_posts), out)

    @metrics_app.command("interactions", epilog=examples("shailoo metrics interactions --by platform", "shailoo metrics interactions --by actor --columns actor,likes,love,angry"))
    @table_command
    def interactions_cmd(workspace: WorkspaceOpt = None, by: ByOpt = "actor", period: PeriodOpt = None,
                         platform: PlatformOpt = None, category: CategoryOpt = None, actor: ActorOpt = None,
                         since: SinceOpt = None, until: UntilOpt = None, all_posts: AllOpt = False,
                         limit: Limit = None, out: OutputOptions = None) -> None:
        """Sum interactions by type (reactions, comments, shares) and views per group."""
        _print_metric("interactions", "Interactions", workspace, by, dict(
            period=period, platform=platform, category=category, actor=actor, since=since, until=until,
            all_posts=all_posts), out)

    @metrics_app.command("top", epilog=examples(
        "shailoo metrics top --by category --limit 10",
        "shailoo metrics top --by category --limit 200 --full-text -o coding-sample.xlsx"))
    @table_command
    def top_cmd(workspace: WorkspaceOpt = None,
                by: Annotated[str, typer.Option("--by", help="Rank within category, platform and/or actor "
                                                             "(comma-separated).")] = "category,platform",
                limit: Annotated[int, typer.Option("-n", "--limit", "--n", help="Posts per group.", min=1)] = 5,
                full_text: Annotated[bool, typer.Option("--full-text", help="Whole texts instead of excerpts "
                                                        "(for the coding sample: --limit 200 --by category).")] = False,
                period: PeriodOpt = None, platform: PlatformOpt = None, category: CategoryOpt = None,
                actor: ActorOpt = None, since: SinceOpt = None, until: UntilOpt = None, all_posts: AllOpt = False,
                out: OutputOptions = None) -> None:
        """List the top posts by interactions per group, with date, actor, excerpt, link and counts."""
        from shailoo.analysis.metrics_rank import top_posts, unranked_posts

        with open_workspace(workspace, read_only=True) as ws:
            flt, scope = scoped_filter(ws, period, platform, category, actor, since, until, all_posts)
            unranked = unranked_posts(ws, flt)
            groups = [c.strip() for c in by.split(",") if c.strip()]
            # On a screen each group is its own table; the link only where there is room for it.
            shown = groups + [c for c in ("rank", "day", "actor", "platform", "excerpt", "interactions")
                              if c not in groups] + (["url"] if console.width >= 120 else [])
            print_table(top_posts(ws, flt, n=limit, per=by, full_text=full_text), out, title="Top posts", shown=shown,
                        sections=groups,
                        note=join_notes(scope, _early_note(ws, flt),
                                        f"{unranked:,} posts whose interactions are unknown are not ranked."
                                        if unranked else None))

    @metrics_app.command("compare", epilog=examples(
        "shailoo metrics compare --by category --periods pre-campaign,campaign",
        "shailoo metrics compare --platforms instagram,facebook --by actor",
        "shailoo metrics compare --last-week --before 2026-03-01 -o last-week.csv"))
    @table_command
    def compare_cmd(workspace: WorkspaceOpt = None, by: ByOpt = "category",
                    periods: Annotated[Optional[str], typer.Option(
                        "--periods", help="Two periods A,B to compare (default: the first two).")] = None,
                    platforms: Annotated[Optional[str], typer.Option(
                        "--platforms", help="Compare two platforms A,B instead (e.g. instagram,facebook), "
                                            "over the actors with accounts on both.")] = None,
                    last_week: Annotated[bool, typer.Option(
                        "--last-week", help="Count the seven days before --before instead.")] = False,
                    before: Annotated[Optional[str], typer.Option(
                        "--before", help="Date (YYYY-MM-DD) for --last-week (default: the day after the last period).")] = None,
                    period: PeriodOpt = None, platform: PlatformOpt = None, category: CategoryOpt = None,
                    actor: ActorOpt = None, since: SinceOpt = None, until: UntilOpt = None, all_posts: AllOpt = False,
                    out: OutputOptions = None) -> None:
        """Compare two periods, two platforms, or the last week before a date, per group."""
        from shailoo.analysis import metrics_compare as mc

        with open_workspace(workspace, read_only=True) as ws:
            flt, scope = scoped_filter(ws, period, platform, category, actor, since, until, all_posts)
            if platforms:
                pair = tuple(p.strip() for p in platforms.split(","))
                if len(pair) != 2:
                    raise UsageError("--platforms takes two platforms, e.g. --platforms instagram,facebook.")
                table = mc.platform_comparison(ws, flt, by=by, platforms=pair)
            elif last_week:
                try:
                    day = date.fromisoformat(before) if before else None
                except ValueError:
                    raise UsageError(f"--before must be a date like 2021-01-10, not '{before}'.") from None
                table = mc.last_week(ws, flt, by, before=day)
                scope = "Scope: the seven days before the date shown (from_day – to_day)."
            else:
                pair = tuple(p.strip() for p in periods.split(",")) if periods else None
                if pair is not None and len(pair) != 2:
                    raise UsageError("--periods takes two period names, e.g. --periods pre-campaign,campaign.")
                table = mc.period_comparison(ws, flt, by, periods=pair)
                scope = "Scope: each of the two periods compared, whole."
            names = table.schema.names
            shown = [c for c in names if c in GROUP_COLUMNS] + [
                c for c in names if c.startswith(("posts_", "interactions_")) and "unknown" not in c]
            title = "Comparison"
            if "period_a" in names and table.num_rows:  # say which period is A and which is B
                first = table.slice(0, 1).to_pylist()[0]
                title = f"Comparison: a = {first['period_a']}, b = {first['period_b']}"
            print_table(table, out, title=title, shown=shown, note=join_notes(scope, UNKNOWN_NOTE))

    @metrics_app.command("list", epilog=examples("shailoo metrics list"))
    @table_command
    def list_cmd(out: OutputOptions = None) -> None:
        """List the available metrics with what each computes and the command that shows it."""
        from shailoo.analysis.registry import METRICS

        print_table([{"metric": m.name, "description": m.description, "command": METRIC_COMMANDS.get(m.name, "report")}
                     for m in METRICS], out, title="Metrics")

    results_app = new_app("Load election results to set beside social-media popularity.")
    app.add_typer(results_app, name="results")

    @results_app.command("import", epilog=examples("shailoo results import results.csv --election presidential-2026"))
    def results_import(file: Annotated[Path, typer.Argument(help="CSV with candidate, votes, share columns.")],
                       workspace: WorkspaceOpt = None,
                       election: Annotated[str, typer.Option("--election", help="Name of the election.")] = "") -> None:
        """Load election results (candidate or actor, votes, share) from a CSV."""
        from shailoo.analysis.results import import_results

        with open_workspace(workspace) as ws:
            counts = import_results(ws, file, election=election)
        console.print(f"Read {file.name} as {counts['detected']}.", markup=False)
        console.print(f"Loaded {counts['candidates']} results; {counts['matched']} matched a registered actor"
                      + (f", {counts['unmatched']} did not (add them to the registry or an alias)." if counts["unmatched"] else "."),
                      markup=False)

    @results_app.command("show", epilog=examples("shailoo results show --election presidential-2026",
                                                   "shailoo results show -o results.json"))
    @table_command
    def results_show(workspace: WorkspaceOpt = None,
                     election: Annotated[Optional[str], typer.Option(
                         "--election", help="Which election (required when results of several are loaded).")] = None,
                     period: PeriodOpt = None, platform: PlatformOpt = None, category: CategoryOpt = None,
                     actor: ActorOpt = None, since: SinceOpt = None, until: UntilOpt = None,
                     all_posts: AllOpt = False, out: OutputOptions = None) -> None:
        """Show followers, posts and interactions shares beside vote shares, with Spearman's rho and p."""
        from shailoo.analysis.results import choose_election, popularity_correlations, popularity_vs_results
        from shailoo.cli.common import print_tables

        with open_workspace(workspace, read_only=True) as ws:
            name = choose_election(ws, election)
            flt, scope = scoped_filter(ws, period, platform, category, actor, since, until, all_posts)
            table = popularity_vs_results(ws, flt, election=name)
            corr = popularity_correlations(table)
            print_tables({"popularity": table, "correlations": corr}, out,
                         titles={"popularity": f"Popularity and votes ({name or 'unnamed election'})",
                                 "correlations": "Rank correlation with vote share (Spearman)"},
                         extra={"election": name, "scope": scope}, note=scope)

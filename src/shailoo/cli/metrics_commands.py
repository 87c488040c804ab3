"""shailoo metrics posts|interactions|top|compare|list and shailoo results import|show.

Every command selecting posts takes the filter options of cli/filters.py and states its scope
(the monitoring period by default) under its table."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from shailoo.cli.common import FormatOpt, WorkspaceOpt, console, print_table
from shailoo.cli.filters import (ActorOpt, AllOpt, CategoryOpt, PeriodOpt, PlatformOpt, SinceOpt, UntilOpt,
                                 join_notes, scoped_filter)
# Reading commands open the workspace read-only (they work on a read-only copy or folder); see store.workspace.
from shailoo.store.workspace import open_workspace
from shailoo.errors import UsageError

ByOpt = Annotated[str, typer.Option("--by", help="Group by actor, category, platform, period, week or day "
                                                 "(comma-separated for several, e.g. actor,week).")]


def _print_metric(name: str, title: str, workspace, by: str, filters: dict, fmt: str) -> None:
    """Print one metric table of `shailoo.analysis.metrics` with the scope and early-snapshot notes."""
    from shailoo.analysis import metrics

    with open_workspace(workspace, read_only=True) as ws:
        flt, scope = scoped_filter(ws, **filters)
        print_table(getattr(metrics, name)(ws, flt, by), fmt, title=f"{title} by {by}",
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

    @metrics_app.command("posts")
    def posts_cmd(workspace: WorkspaceOpt = None, by: ByOpt = "actor", period: PeriodOpt = None,
                  platform: PlatformOpt = None, category: CategoryOpt = None, actor: ActorOpt = None,
                  since: SinceOpt = None, until: UntilOpt = None, all_posts: AllOpt = False,
                  fmt: FormatOpt = "table") -> None:
        """Count posts (and their interactions) per actor, category, platform, period, week or day."""
        _print_metric("posts", "Posts", workspace, by, dict(period=period, platform=platform, category=category,
                      actor=actor, since=since, until=until, all_posts=all_posts), fmt)

    @metrics_app.command("interactions")
    def interactions_cmd(workspace: WorkspaceOpt = None, by: ByOpt = "actor", period: PeriodOpt = None,
                         platform: PlatformOpt = None, category: CategoryOpt = None, actor: ActorOpt = None,
                         since: SinceOpt = None, until: UntilOpt = None, all_posts: AllOpt = False,
                         fmt: FormatOpt = "table") -> None:
        """Sum interactions by type (reactions, comments, shares) and views per group."""
        _print_metric("interactions", "Interactions", workspace, by, dict(
            period=period, platform=platform, category=category, actor=actor, since=since, until=until,
            all_posts=all_posts), fmt)

    @metrics_app.command("top")
    def top_cmd(workspace: WorkspaceOpt = None,
                by: Annotated[str, typer.Option("--by", help="Rank within category, platform and/or actor "
                                                             "(comma-separated).")] = "category,platform",
                n: Annotated[int, typer.Option("--n", "-n", help="Posts per group.")] = 5,
                full_text: Annotated[bool, typer.Option("--full-text", help="Whole texts instead of excerpts "
                                                        "(for the coding sample: --n 200 --by category).")] = False,
                period: PeriodOpt = None, platform: PlatformOpt = None, category: CategoryOpt = None,
                actor: ActorOpt = None, since: SinceOpt = None, until: UntilOpt = None, all_posts: AllOpt = False,
                fmt: FormatOpt = "table") -> None:
        """List the top posts by interactions per group, with date, actor, excerpt, link and counts."""
        from shailoo.analysis.metrics_rank import top_posts, unranked_posts

        with open_workspace(workspace, read_only=True) as ws:
            flt, scope = scoped_filter(ws, period, platform, category, actor, since, until, all_posts)
            unranked = unranked_posts(ws, flt)
            print_table(top_posts(ws, flt, n=n, per=by, full_text=full_text), fmt, title="Top posts",
                        note=join_notes(scope, _early_note(ws, flt),
                                        f"{unranked:,} posts whose interactions are unknown are not ranked."
                                        if unranked else None))

    @metrics_app.command("compare")
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
                    fmt: FormatOpt = "table") -> None:
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
            print_table(table, fmt, title="Comparison", note=join_notes(scope, UNKNOWN_NOTE))

    @metrics_app.command("list")
    def list_cmd(fmt: FormatOpt = "table") -> None:
        """List the available metrics with what each computes."""
        from shailoo.analysis.registry import METRICS

        print_table([{"metric": m.name, "description": m.description} for m in METRICS], fmt, title="Metrics")

    results_app = new_app("Load election results to set beside social-media popularity.")
    app.add_typer(results_app, name="results")

    @results_app.command("import")
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

    @results_app.command("show")
    def results_show(workspace: WorkspaceOpt = None,
                     election: Annotated[Optional[str], typer.Option(
                         "--election", help="Which election (required when results of several are loaded).")] = None,
                     period: PeriodOpt = None, platform: PlatformOpt = None, category: CategoryOpt = None,
                     actor: ActorOpt = None, since: SinceOpt = None, until: UntilOpt = None,
                     all_posts: AllOpt = False, fmt: FormatOpt = "table") -> None:
        """Show followers, posts and interactions shares beside vote shares, with Spearman's rho and p."""
        from shailoo.analysis.results import choose_election, popularity_correlations, popularity_vs_results
        from shailoo.cli.common import print_tables

        with open_workspace(workspace, read_only=True) as ws:
            name = choose_election(ws, election)
            flt, scope = scoped_filter(ws, period, platform, category, actor, since, until, all_posts)
            table = popularity_vs_results(ws, flt, election=name)
            corr = popularity_correlations(table)
            print_tables({"popularity": table, "correlations": corr}, fmt,
                         titles={"popularity": f"Popularity and votes ({name or 'unnamed election'})",
                                 "correlations": "Rank correlation with vote share (Spearman)"},
                         extra={"election": name, "scope": scope}, note=scope)

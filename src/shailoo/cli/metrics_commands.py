"""shailoo metrics posts|interactions|top|compare|list and shailoo results import|show."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from shailoo.cli.common import FormatOpt, WorkspaceOpt, console, print_table
# Reading commands open the workspace read-only (they work on a read-only copy or folder); see store.workspace.
from shailoo.store.workspace import open_workspace
from shailoo.errors import UsageError

ByOpt = Annotated[str, typer.Option("--by", help="Group by actor, category, platform, period, week or day "
                                                 "(comma-separated for several, e.g. actor,week).")]
PeriodOpt = Annotated[Optional[str], typer.Option("--period", help="Only posts of this period.")]
PlatformOpt = Annotated[Optional[str], typer.Option("--platform", help="Only posts of this platform.")]
CategoryOpt = Annotated[Optional[str], typer.Option("--category", help="Only actors of this category.")]
ActorOpt = Annotated[Optional[str], typer.Option("--actor", help="Only this actor (by name).")]


def _filter(period, platform, category, actor):
    from shailoo.analysis.filters import PostFilter

    return PostFilter(platform=platform, period=period, category=category, actor=actor)


def _print_metric(name: str, title: str, workspace, by: str, flt, fmt: str) -> None:
    """Print one metric table of `shailoo.analysis.metrics` with the early-snapshot note."""
    from shailoo.analysis import metrics

    with open_workspace(workspace, read_only=True) as ws:
        print_table(getattr(metrics, name)(ws, flt, by), fmt, title=f"{title} by {by}", note=_early_note(ws, flt))


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
                  fmt: FormatOpt = "table") -> None:
        """Count posts (and their interactions) per actor, category, platform, period, week or day."""
        _print_metric("posts", "Posts", workspace, by, _filter(period, platform, category, actor), fmt)

    @metrics_app.command("interactions")
    def interactions_cmd(workspace: WorkspaceOpt = None, by: ByOpt = "actor", period: PeriodOpt = None,
                         platform: PlatformOpt = None, category: CategoryOpt = None, actor: ActorOpt = None,
                         fmt: FormatOpt = "table") -> None:
        """Sum interactions by type (reactions, comments, shares) and views per group."""
        _print_metric("interactions", "Interactions", workspace, by, _filter(period, platform, category, actor), fmt)

    @metrics_app.command("top")
    def top_cmd(workspace: WorkspaceOpt = None,
                by: Annotated[str, typer.Option("--by", help="Rank within category, platform and/or actor "
                                                             "(comma-separated).")] = "category,platform",
                n: Annotated[int, typer.Option("--n", "-n", help="Posts per group.")] = 5,
                full_text: Annotated[bool, typer.Option("--full-text", help="Whole texts instead of excerpts "
                                                        "(for the coding sample: --n 200 --by category).")] = False,
                period: PeriodOpt = None, platform: PlatformOpt = None, category: CategoryOpt = None,
                actor: ActorOpt = None, fmt: FormatOpt = "table") -> None:
        """List the top posts by interactions per group, with date, actor, excerpt, link and counts."""
        from shailoo.analysis.metrics_rank import top_posts

        with open_workspace(workspace, read_only=True) as ws:
            flt = _filter(period, platform, category, actor)
            print_table(top_posts(ws, flt, n=n, per=by, full_text=full_text), fmt, title="Top posts",
                        note=_early_note(ws, flt))

    @metrics_app.command("compare")
    def compare_cmd(workspace: WorkspaceOpt = None, by: ByOpt = "category",
                    periods: Annotated[Optional[str], typer.Option(
                        "--periods", help="Two periods A,B to compare (default: the first two).")] = None,
                    platforms: Annotated[Optional[str], typer.Option(
                        "--platforms", help="Compare two platforms A,B instead (e.g. instagram,facebook).")] = None,
                    last_week: Annotated[bool, typer.Option(
                        "--last-week", help="Count the seven days before --before instead.")] = False,
                    before: Annotated[Optional[str], typer.Option(
                        "--before", help="Date (YYYY-MM-DD) for --last-week (default: the day after the last period).")] = None,
                    period: PeriodOpt = None, platform: PlatformOpt = None, category: CategoryOpt = None,
                    actor: ActorOpt = None, fmt: FormatOpt = "table") -> None:
        """Compare two periods, two platforms, or the last week before a date, per group."""
        from shailoo.analysis import metrics_compare as mc

        with open_workspace(workspace, read_only=True) as ws:
            flt = _filter(period, platform, category, actor)
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
            else:
                pair = tuple(p.strip() for p in periods.split(",")) if periods else None
                if pair is not None and len(pair) != 2:
                    raise UsageError("--periods takes two period names, e.g. --periods pre-campaign,campaign.")
                table = mc.period_comparison(ws, flt, by, periods=pair)
            print_table(table, fmt, title="Comparison")

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
        console.print(f"Loaded {counts['candidates']} results; {counts['matched']} matched a registered actor"
                      + (f", {counts['unmatched']} did not (add them to the registry or an alias)." if counts["unmatched"] else "."))

    @results_app.command("show")
    def results_show(workspace: WorkspaceOpt = None, period: PeriodOpt = None, platform: PlatformOpt = None,
                     fmt: FormatOpt = "table") -> None:
        """Show followers, posts and interactions shares beside vote shares, with Spearman's rho."""
        from shailoo.analysis.results import popularity_correlations, popularity_vs_results

        with open_workspace(workspace, read_only=True) as ws:
            table = popularity_vs_results(ws, _filter(period, platform, None, None))
            print_table(table, fmt, title="Popularity and votes")
            if fmt == "table":
                print_table(popularity_correlations(table), fmt, title="Rank correlation with vote share")

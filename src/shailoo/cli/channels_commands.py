"""shailoo channels and shailoo like-speed: channel statistics over time and the speed of receiving likes.

Each command parses options, calls one function of analysis/channels.py or analysis/like_speed.py and
prints, with the scope sentence and what could not be computed under the table."""

from __future__ import annotations

from typing import Annotated

import typer

from shailoo.cli.common import OutputOptions, WorkspaceOpt, limit_option, print_table, progress, table_command
from shailoo.cli.filters import (ActorOpt, AllOpt, CategoryOpt, PeriodOpt, PlatformOpt, SinceOpt, UntilOpt,
                                 join_notes, scoped_filter)
from shailoo.cli.options import examples
from shailoo.store.workspace import open_workspace

Limit = limit_option("Rows to show (default: 30 on a screen, all in csv/json/files)")
View = Annotated[str, typer.Option("--view", help="compare (one row per channel, seed 003's table), weeks "
                                                  "(subscribers, views and posts per week) or videos (most viewed "
                                                  "per topic).")]


@table_command
def channels_cmd(workspace: WorkspaceOpt = None, view: View = "compare",
                 top: Annotated[int, typer.Option("--per-topic", min=1, help="Videos per topic (--view videos).")] = 5,
                 platform: PlatformOpt = None, period: PeriodOpt = None, category: CategoryOpt = None,
                 actor: ActorOpt = None, since: SinceOpt = None, until: UntilOpt = None, all_posts: AllOpt = False,
                 limit: Limit = None, out: OutputOptions = None) -> None:
    """Compare YouTube and Telegram channels by subscribers, views and posts, per week or by top videos."""
    from shailoo.analysis import channels as ch
    from shailoo.errors import UsageError

    if view not in ("compare", "weeks", "videos"):
        raise UsageError(f"--view must be compare, weeks or videos, not '{view}'.")
    from shailoo.cli.common import open_workspace as open_with_caches

    # the videos view tags topics, which caches tokens when the workspace may be written
    with (open_with_caches(workspace, None) if view == "videos" else open_workspace(workspace, read_only=True)) as ws:
        flt, scope = scoped_filter(ws, period, platform, category, actor, since, until, all_posts)
        if view == "compare":
            table = ch.channels(ws, flt)
            missing = sum(1 for n in table["note"].to_pylist() if n)
            note = (f"{missing} channel(s) lack what growth needs: see the note column (one snapshot gives a "
                    "count, not a growth)." if missing else None)
            shown = ("platform", "channel", "subscribers", "views", "total_posts", "posts", "post_views",
                     "subscriber_growth", "first_post", "note")
            title = "Channels"
        elif view == "weeks":
            table, note, title = ch.channel_weeks(ws, flt), None, "Channels per week"
            shown = ("channel", "week", "subscribers", "subscriber_change", "views", "posts", "post_views")
        else:
            with progress("Tagging topics…"):
                table, unknown = ch.top_videos_by_topic(ws, flt, top)
            note = f"{unknown:,} tagged posts with unknown views are left out." if unknown else None
            shown, title = ("label", "rank", "channel", "created_at", "title", "views"), "Most viewed per topic"
        if table.num_rows == 0:
            typer.echo("No YouTube or Telegram channel in this workspace matches; import channel exports "
                       "(videos, channels.list, Telegram channels) first.", err=True)
        print_table(table, out, title=title, shown=shown, limit=out.limit, default_limit=30,
                    note=join_notes(scope, note))


@table_command
def like_speed_cmd(workspace: WorkspaceOpt = None,
                   hours: Annotated[float, typer.Option("--hours", help="The first N hours after posting.")] = 24,
                   measure: Annotated[str, typer.Option("--measure", help="likes, reactions, views, comments, "
                                                        "shares or interactions.")] = "likes",
                   platform: PlatformOpt = None, period: PeriodOpt = None, category: CategoryOpt = None,
                   actor: ActorOpt = None, since: SinceOpt = None, until: UntilOpt = None, all_posts: AllOpt = False,
                   limit: Limit = None, out: OutputOptions = None) -> None:
    """Rank posts by the speed of receiving likes (per hour over the first N hours) from their snapshots."""
    from shailoo.analysis.like_speed import like_speed

    with open_workspace(workspace, read_only=True) as ws:
        flt, scope = scoped_filter(ws, period, platform, category, actor, since, until, all_posts)
        table = like_speed(ws, flt, hours, measure)
        known = sum(1 for v in table["per_hour"].to_pylist() if v is not None)
        interpolated = sum(1 for v in table["basis"].to_pylist() if v == "interpolated")
        note = (f"{known:,} of {table.num_rows:,} posts have a speed ({interpolated:,} interpolated between two "
                f"snapshots); the others say in `reason` why none can be given (never extrapolated).")
        print_table(table, out, title=f"Speed of {measure} over the first {hours:g} h",
                    shown=("rank", "platform", "account_name", "created_at", "text", "value_at_n", "per_hour",
                           "basis", "reason"), limit=out.limit, default_limit=30, note=join_notes(scope, note))


EXAMPLES = {
    "channels": ("shailoo -w kz channels", "shailoo -w kz channels --view weeks --platform youtube -o weeks.csv",
                 "shailoo -w kz channels --view videos --per-topic 3"),
    "like-speed": ("shailoo -w kz like-speed --hours 24", "shailoo -w kz like-speed --measure views --hours 6 -n 10"),
}


def register(app: typer.Typer) -> None:
    """Add the channel commands to the main app."""
    for name, command in (("channels", channels_cmd), ("like-speed", like_speed_cmd)):
        app.command(name, epilog=examples(*EXAMPLES[name]))(command)

"""shailoo groups and shailoo responsiveness: group characterisation and selection (seed 000), and how
officials' accounts answer complaints (seed 001)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from shailoo.cli.common import OutputOptions, WorkspaceOpt, limit_option, print_table, table_command
from shailoo.cli.filters import (ActorOpt, AllOpt, CategoryOpt, PeriodOpt, PlatformOpt, SinceOpt, UntilOpt,
                                 join_notes, scoped_filter)
from shailoo.cli.options import examples
from shailoo.store.workspace import open_workspace

Limit = limit_option("Rows to show (default: 30 on a screen, all in csv/json/files)")


@table_command
def groups_cmd(workspace: WorkspaceOpt = None,
               selection: Annotated[bool, typer.Option("--selection", help="Show the selection criteria (keyword, "
                                                       "members, public, active, not ad-only) instead.")] = False,
               keyword: Annotated[Optional[list[str]], typer.Option(
                   "--keyword", help="A word the group's name must hold, in Cyrillic or Latin (repeat for several; "
                                     "--selection).")] = None,
               min_members: Annotated[int, typer.Option("--min-members", min=0, help="Members a selected group "
                                                        "needs (--selection).")] = 1000,
               horizontal_at: Annotated[float, typer.Option("--horizontal-at", help="Members' share of posts from "
                                                            "which a group is horizontal.")] = 0.5,
               ads_at: Annotated[float, typer.Option("--ads-at", help="Share of advertising posts from which a "
                                                     "group is ad-only.")] = 0.8,
               platform: PlatformOpt = None, period: PeriodOpt = None, category: CategoryOpt = None,
               actor: ActorOpt = None, since: SinceOpt = None, until: UntilOpt = None, all_posts: AllOpt = False,
               limit: Limit = None, out: OutputOptions = None) -> None:
    """Characterise groups: own vs members' posts, comments, fundraising, protest calls, ad-only."""
    from shailoo.analysis.groups import group_selection, groups

    with open_workspace(workspace, read_only=True) as ws:
        flt, scope = scoped_filter(ws, period, platform, category, actor, since, until, all_posts)
        if selection:
            table = group_selection(ws, flt, keyword or (), min_members, ads_at)
            chosen = sum(1 for s in table["selected"].to_pylist() if s)
            note = f"{chosen:,} of {table.num_rows:,} groups meet every criterion; `reason` names the first that fails."
            shown, title = ("platform", "group", "members", "posts", "keyword", "selected", "reason"), "Group selection"
        else:
            table = groups(ws, flt, horizontal_at, ads_at)
            note = ("Shares are of posts (comments and replies left out); comments_per_post averages the reported "
                    "counts, comments_unknown posts without one are left out.")
            shown = ("platform", "group", "members", "posts", "member_posts_pct", "kind", "posts_per_member",
                     "comments_per_post", "fundraising_pct", "protest_pct", "ads_pct", "ad_only")
            title = "Groups"
        if table.num_rows == 0:
            typer.echo("No Facebook group, VK community, Telegram chat or OK group in this workspace matches.", err=True)
        print_table(table, out, title=title, shown=shown, limit=out.limit, default_limit=30,
                    note=join_notes(scope, note))


@table_command
def responsiveness_cmd(workspace: WorkspaceOpt = None, platform: PlatformOpt = None, period: PeriodOpt = None,
                       actor: ActorOpt = None, since: SinceOpt = None, until: UntilOpt = None,
                       all_posts: AllOpt = False, limit: Limit = None, out: OutputOptions = None) -> None:
    """Count complaints addressed to authority accounts, how many got a reply and how fast, per month."""
    from shailoo.analysis.responsiveness import responsiveness

    with open_workspace(workspace, read_only=True) as ws:
        flt, scope = scoped_filter(ws, period, platform, None, actor, since, until, all_posts)
        table = responsiveness(ws, flt)
        if table.num_rows == 0:
            typer.echo("No comment addressed to an authority account (category authority, or --actor) is in the "
                       "scope; import exports that carry comments (VK wall.getComments, Telegram groups, Meta "
                       "Content Library comments).", err=True)
        note = ("Median and 90th percentile hours to first reply cover the replied complaints only; "
                "complaints are comments matching the complaint lexicon.")
        print_table(table, out, title="Official responsiveness", limit=out.limit, default_limit=30,
                    note=join_notes(scope, note))


EXAMPLES = {
    "groups": ("shailoo -w migrants groups", "shailoo -w migrants groups --selection --keyword кыргыз "
               "--keyword kyrgyz --min-members 1000"),
    "responsiveness": ("shailoo -w kg responsiveness", "shailoo -w kg responsiveness --actor 'Мэрия Бишкека' -o r.xlsx"),
}


def register(app: typer.Typer) -> None:
    """Add the group commands to the main app."""
    for name, command in (("groups", groups_cmd), ("responsiveness", responsiveness_cmd)):
        app.command(name, epilog=examples(*EXAMPLES[name]))(command)

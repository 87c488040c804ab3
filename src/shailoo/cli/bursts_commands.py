"""shailoo bursts: Kleinberg's burst detection over the selected posts (docs/time.md)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from shailoo.cli.common import OutputOptions, print_table, progress, table_command, workspace_option
from shailoo.cli.common import open_workspace as _open
from shailoo.cli.filters import ActorOpt, AllOpt, CategoryOpt, PeriodOpt, PlatformOpt, SinceOpt, UntilOpt
from shailoo.cli.filters import join_notes, scoped_filter
from shailoo.cli.options import examples


def register(app: typer.Typer) -> None:
    app.command("bursts", epilog=examples(
        "shailoo bursts -w kg2026", 'shailoo bursts -w kg2026 --query "митинг OR протест" --events-within 3',
        "shailoo bursts -w kg2026 --topic politics_elections --model batched -f csv"))(bursts_cmd)


@table_command
def bursts_cmd(workspace: workspace_option = None,
               query: Annotated[Optional[str], typer.Option(
                   "--query", help='Only posts matching this kwic query (words, "phrases", AND, OR, NOT, prefix*).')] = None,
               topic: Annotated[Optional[str], typer.Option("--topic", help="Only posts of this dictionary topic.")] = None,
               s: Annotated[float, typer.Option("--s", help="Ratio between the rates of successive levels (> 1).")] = 2.0,
               gamma: Annotated[float, typer.Option("--gamma", help="Cost of moving up one level (> 0); higher "
                                                                    "finds fewer bursts.")] = 1.0,
               model: Annotated[str, typer.Option("--model", help="stream (times of posts) or batched (counts per "
                                                                  "day against all posts that day).")] = "stream",
               measure: Annotated[str, typer.Option("--measure", help="batched model: posts or interactions per "
                                                                      "day.")] = "posts",
               events_within: Annotated[Optional[int], typer.Option(
                   "--events-within", help="List beside each burst the events it starts within N days of.",
                   min=0)] = None,
               platform: PlatformOpt = None, period: PeriodOpt = None, category: CategoryOpt = None,
               actor: ActorOpt = None, since: SinceOpt = None, until: UntilOpt = None, all_posts: AllOpt = False,
               out: OutputOptions = None) -> None:
    """Find bursts (Kleinberg): periods when the selected posts arrive faster than usual, nested by level."""
    from shailoo.analysis.timeline import bursts

    with _open(workspace, read_only=None) as ws:  # a query or topic caches tokens, as the text commands do
        flt, scope = scoped_filter(ws, period, platform, category, actor, since, until, all_posts)
        with progress("Finding bursts…"):
            r = bursts(ws, flt, query, topic, s, gamma, model, measure, events_within)
    if r.empty_reason:  # said once, on stderr; an empty table still goes to stdout for scripts
        typer.echo(r.empty_reason, err=True)
    print_table(r.table, out, title="Bursts", note=join_notes(scope, r.note))

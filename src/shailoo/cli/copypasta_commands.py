"""shailoo copypasta: campaigns of near-identical posts or comments by many accounts in a short time."""

from __future__ import annotations

from typing import Annotated

import typer

from shailoo.cli.common import OutputOptions, WorkspaceOpt, print_table, progress, table_command
from shailoo.cli.common import open_workspace as _open
from shailoo.cli.filters import (ActorOpt, AllOpt, CategoryOpt, PeriodOpt, PlatformOpt, SinceOpt, UntilOpt,
                                 join_notes, scoped_filter)
from shailoo.cli.options import examples

MinAccounts = Annotated[int, typer.Option("--min-accounts", help="Different accounts a campaign needs within the "
                                                                 "window.")]
Within = Annotated[str, typer.Option("--within", help="The time window: 90s, 30m, 24h, 2d.")]
Similarity = Annotated[float, typer.Option("--similarity", help="Jaccard similarity of 3-word shingles two texts "
                                                                "need to be near-duplicates (0-1).")]
MinWords = Annotated[int, typer.Option("--min-words", help="Texts with fewer tokens are matched only when "
                                                           "identical after normalisation.")]

SHOWN = ("campaign", "first_time", "last_time", "accounts", "posts", "platforms", "text")
LEADS = "Campaigns are leads for review, not findings: a popular slogan or a shared press release looks the same."


def register(app: typer.Typer) -> None:
    @app.command("copypasta", epilog=examples(
        "shailoo copypasta -w ws", "shailoo copypasta -w ws --min-accounts 10 --within 6h",
        "shailoo copypasta -w ws --platform telegram,vk --similarity 0.9 -f csv > campaigns.csv"))
    @table_command
    def copypasta_cmd(workspace: WorkspaceOpt = None, min_accounts: MinAccounts = 5, within: Within = "24h",
                      similarity: Similarity = 0.8, min_words: MinWords = 6, period: PeriodOpt = None,
                      platform: PlatformOpt = None, category: CategoryOpt = None, actor: ActorOpt = None,
                      since: SinceOpt = None, until: UntilOpt = None, all_posts: AllOpt = False,
                      out: OutputOptions = None) -> None:
        """Find copypasta campaigns: near-identical posts or comments by many accounts within a short time."""
        from shailoo.analysis.copypasta import copypasta
        from shailoo.analysis.near_duplicates import NearDuplicateParams

        near = NearDuplicateParams(threshold=similarity, min_words=min_words)
        ws = _open(workspace, read_only=None)  # the token cache is filled (in memory when read-only)
        try:
            flt, scope = scoped_filter(ws, period, platform, category, actor, since, until, all_posts)
            with progress("Looking for copypasta…"):
                r = copypasta(ws, flt, min_accounts, within, near)
            found = (f"{r.campaigns.num_rows:,} campaigns among {r.posts_looked_at:,} posts and comments"
                     if r.campaigns.num_rows else
                     f"No copypasta campaign found among {r.posts_looked_at:,} posts and comments with these "
                     "parameters")
            print_table(r.campaigns, out, title="Copypasta campaigns", shown=SHOWN,
                        note=join_notes(f"{found}: {r.parameters()}.", scope, LEADS))
        finally:
            ws.close()

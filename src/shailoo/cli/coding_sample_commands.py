"""`shailoo coding sample …`, `coding mentions …`, `coding assign`, `coding release`, `coding progress`.

Each command parses options, calls one function of shailoo.coding.samples / mentions / assign and prints.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from shailoo.cli.common import OutputOptions, open_workspace, print_table, table_command, workspace_option
from shailoo.cli.filters import ActorOpt, AllOpt, CategoryOpt, PeriodOpt, PlatformOpt, SinceOpt, UntilOpt, join_notes
from shailoo.cli.options import examples

SampleArg = Annotated[str, typer.Argument(help="The sample's name.")]
SampleOpt = Annotated[Optional[str], typer.Option("--sample", help="Only this sample (default: every sample).")]
SeedOpt = Annotated[Optional[int], typer.Option("--seed", help=(
    "Seed of the random order (same seed, same posts); default: a new one for a sample (stored with it), "
    "the sample's own for assignments."))]


SUMMARY = ("sample", "kind", "purpose", "posts", "strata", "added", "removed", "seed")  # the rule goes in a note


def _summary(summary: dict) -> list[dict]:
    return [{k: v for k, v in summary.items() if k != "per_coder"}]


@table_command
def draw_cmd(
        name: SampleArg,
        kind: Annotated[str, typer.Option("--kind", help="top (seed 002's rule), random, stratified or query.")],
        count: Annotated[Optional[int], typer.Option("--count", help=(
            "top: posts per group (default 200); random: posts; stratified: posts per stratum, or in all with "
            "--proportional."))] = None,
        fraction: Annotated[Optional[float], typer.Option("--fraction", help=(
            "random/stratified: this share of the posts (0.1 for 10 %), shared among strata by size."))] = None,
        by: Annotated[Optional[str], typer.Option("--by", help=(
            "top: rank per category (default), platform and/or actor; stratified: strata among actor, period, "
            "platform, category (comma-separated)."))] = None,
        top_categories: Annotated[str, typer.Option("--top-categories", help=(
            "top: categories ranked by interactions; every post of the other registered categories is taken."))]
        = "media,influencer,public_group",
        proportional: Annotated[bool, typer.Option("--proportional", help=(
            "stratified: share --count among strata in proportion to their size."))] = False,
        query: Annotated[Optional[str], typer.Option("--query", help=(
            'query: a kwic query (words, "phrases", AND, OR, NOT, prefix*).'))] = None,
        purpose: Annotated[str, typer.Option("--purpose", help=(
            "coding, or calibration (drawn from posts that have final codes)."))] = "coding",
        replace: Annotated[bool, typer.Option("--replace", help=(
            "Draw a sample of this name again (refused when posts with codes would leave it)."))] = False,
        seed: SeedOpt = None, platform: PlatformOpt = None, period: PeriodOpt = None, category: CategoryOpt = None,
        actor: ActorOpt = None, since: SinceOpt = None, until: UntilOpt = None, all_posts: AllOpt = False,
        workspace: workspace_option = None, out: OutputOptions = None) -> None:
    """Draw a sample of posts to code and store it with its rule."""
    from shailoo.cli.filters import scoped_filter
    from shailoo.coding.samples import SampleRule, draw_sample

    split = lambda text: tuple(v.strip() for v in (text or "").split(",") if v.strip())  # noqa: E731
    rule = SampleRule(kind.strip().lower(), count=count, fraction=fraction, by=split(by),
                      top_categories=split(top_categories), proportional=proportional, query=query, seed=seed,
                      purpose=purpose.strip().lower())
    with open_workspace(workspace) as ws:
        flt, scope = scoped_filter(ws, period, platform, category, actor, since, until, all_posts)
        summary = draw_sample(ws, name, rule, flt, replace_existing=replace)
    print_table(_summary(summary), out, title=f"Sample {summary['sample']}",
                note=join_notes(scope, f"Rule: {summary['rule']}"), shown=SUMMARY)


@table_command
def redraw_cmd(name: SampleArg, workspace: workspace_option = None, out: OutputOptions = None) -> None:
    """Draw a sample again by its stored rule, seed and scope."""
    from shailoo.coding.samples import redraw_sample

    with open_workspace(workspace) as ws:
        summary = redraw_sample(ws, name)
    print_table(_summary(summary), out, title=f"Sample {summary['sample']}", note=f"Rule: {summary['rule']}",
                shown=SUMMARY)


@table_command
def list_cmd(workspace: workspace_option = None, out: OutputOptions = None) -> None:
    """List the samples with their rule, size and assignments."""
    from shailoo.coding.samples import list_samples

    with open_workspace(workspace, read_only=True) as ws:
        table = list_samples(ws.con)
    print_table(table, out, title="Samples", note=None if table.num_rows else
                "No sample yet; draw one with `shailoo coding sample draw NAME --kind top`.",
                shown=("sample", "purpose", "kind", "posts", "strata", "assigned_posts", "coders", "seed"))


@table_command
def show_cmd(name: SampleArg, workspace: workspace_option = None, out: OutputOptions = None) -> None:
    """Show a sample's strata: posts, days and posts assigned in each."""
    from shailoo.coding.samples import describe, load_rule, sample_strata

    with open_workspace(workspace, read_only=True) as ws:
        rule = load_rule(ws.con, name)
        table = sample_strata(ws.con, name)
    print_table(table, out, title=f"Sample {name}", note=f"Rule: {describe(rule)}")


@table_command
def mentions_find_cmd(
        sample: SampleOpt = None,
        author: Annotated[bool, typer.Option("--author", help=(
            "Count the post's own actor as mentioned too (source 'author'); by default an actor's own post is "
            "not a unit about that actor."))] = False,
        workspace: workspace_option = None, out: OutputOptions = None) -> None:
    """Find the registered actors each sampled post mentions (the units of post_actor variables)."""
    from shailoo.coding.mentions import find_mentions

    with open_workspace(workspace) as ws:
        summary = find_mentions(ws.con, sample, include_author=author)
    print_table([summary], out, title="Mentions")


@table_command
def mentions_add_cmd(
        actor: Annotated[str, typer.Option("--actor", help="The actor the post mentions, by name or alias.")],
        coder: Annotated[str, typer.Option("--coder", help="Who adds the mention.")],
        url: Annotated[Optional[str], typer.Option("--url", help="The post's URL.")] = None,
        platform: Annotated[Optional[str], typer.Option("--platform", help="The post's platform (with --post-id).")]
        = None,
        post_id: Annotated[Optional[str], typer.Option("--post-id", help="The platform's id of the post.")] = None,
        workspace: workspace_option = None, out: OutputOptions = None) -> None:
    """Add an actor a post mentions that the alias search missed."""
    from shailoo.coding.mentions import add_mention
    from shailoo.coding.units import find_actor, find_post

    with open_workspace(workspace) as ws:
        post = find_post(ws.con, url, platform, post_id)
        actor_id = find_actor(ws.con, actor)
        added = add_mention(ws.con, post, actor_id, coder)
    print_table([{"post": url or f"{platform} {post_id}", "actor": actor, "added": added}], out, title="Mention",
                note=None if added else "The post already had this mention; nothing changed.")


@table_command
def mentions_list_cmd(sample: SampleOpt = None, workspace: workspace_option = None,
                      out: OutputOptions = None) -> None:
    """List the mentions (post, actor, how it was found)."""
    from shailoo.coding.mentions import list_mentions

    with open_workspace(workspace, read_only=True) as ws:
        table = list_mentions(ws.con, sample)
    print_table(table, out, title="Mentions", default_limit=50,
                shown=("local_time", "platform", "url", "actor", "source", "matched", "added_by"))


@table_command
def assign_cmd(
        sample: SampleArg,
        coders: Annotated[str, typer.Option("--coders", help="The coders, comma-separated.")],
        overlap: Annotated[float, typer.Option("--overlap", help=(
            "Share of the sample's posts coded blind by several coders, for reliability (0.2 for 20 %)."))] = 0.2,
        overlap_coders: Annotated[int, typer.Option("--overlap-coders", help="Coders per overlap post.")] = 2,
        reassign_released: Annotated[bool, typer.Option("--reassign-released", help=(
            "Also give the posts released from idle coders to coders who never had them."))] = False,
        seed: SeedOpt = None, workspace: workspace_option = None, out: OutputOptions = None) -> None:
    """Assign a sample's unassigned posts to coders, with a reliability overlap."""
    from shailoo.coding.assign import assign

    with open_workspace(workspace) as ws:
        summary = assign(ws.con, sample, coders, overlap, overlap_coders, seed, reassign_released)
    notes = [f"{summary['new_posts']:,} new posts assigned, {summary['new_overlap_posts']:,} of them to "
             f"{overlap_coders} coders each; seed {summary['seed']}."]
    if reassign_released:
        notes.append(f"{summary['reassigned']:,} released posts reassigned"
                     + (f"; {summary['unfilled']:,} could not be (every coder named had them)." if summary['unfilled']
                        else "."))
    elif summary["released_unassigned"]:
        notes.append(f"{summary['released_unassigned']:,} released posts have no coder; give --reassign-released.")
    print_table(summary["per_coder"], out, title=f"Assignments of {sample}", note=join_notes(*notes))


@table_command
def release_cmd(
        idle: Annotated[float, typer.Option("--idle", help=(
            "Hours without a coding act (or a new assignment) in a sample after which a coder's unfinished "
            "posts are released."))],
        sample: SampleOpt = None, workspace: workspace_option = None, out: OutputOptions = None) -> None:
    """Release the unfinished posts of coders idle for a set time, so others can code them."""
    from shailoo.coding.assign import release

    with open_workspace(workspace) as ws:
        table = release(ws.con, idle, sample)
    print_table(table, out, title="Released", note="Give them to other coders with `shailoo coding assign SAMPLE "
                "--coders ... --reassign-released`." if table.num_rows else "No coder was idle that long.")


@table_command
def progress_cmd(sample: SampleOpt = None, workspace: workspace_option = None, out: OutputOptions = None) -> None:
    """Show coding progress per sample and coder (and agreement with the final codes on calibration samples)."""
    from shailoo.coding.assign import progress

    with open_workspace(workspace, read_only=True) as ws:
        table = progress(ws.con, sample)
    print_table(table, out, title="Coding progress", note=None if table.num_rows else
                "No sample yet; draw one with `shailoo coding sample draw NAME --kind top`.",
                shown=("sample", "coder", "posts", "units", "coded", "remaining", "overlap_coded", "released_posts",
                       "agreement_pct"))


def register(coding_app: typer.Typer) -> None:
    from shailoo.cli.main import new_app

    sample_app = new_app("Draw, list, show and redraw samples of posts to code.")
    coding_app.add_typer(sample_app, name="sample")
    sample_app.command("draw", epilog=examples(
        "shailoo coding sample draw top200 --kind top",
        "shailoo coding sample draw pilot --kind random --count 100 --seed 1 --purpose calibration",
        "shailoo coding sample draw strat --kind stratified --by platform,period --count 50",
        'shailoo coding sample draw fraud --kind query --query "фальсификация OR карусель" --all'))(draw_cmd)
    sample_app.command("list", epilog=examples("shailoo coding sample list"))(list_cmd)
    sample_app.command("show", epilog=examples("shailoo coding sample show top200"))(show_cmd)
    sample_app.command("redraw", epilog=examples("shailoo coding sample redraw top200"))(redraw_cmd)
    mentions_app = new_app("Find, add and list the actors sampled posts mention (units of post_actor variables).")
    coding_app.add_typer(mentions_app, name="mentions")
    mentions_app.command("find", epilog=examples("shailoo coding mentions find --sample top200"))(mentions_find_cmd)
    mentions_app.command("add", epilog=examples(
        "shailoo coding mentions add --url https://t.me/kabar/123 --actor Japarov --coder aida"))(mentions_add_cmd)
    mentions_app.command("list", epilog=examples("shailoo coding mentions list --sample top200 -o mentions.csv"))(
        mentions_list_cmd)
    coding_app.command("assign", epilog=examples(
        "shailoo coding assign top200 --coders aida,bakyt,cholpon --overlap 0.2",
        "shailoo coding assign top200 --coders aida,bakyt,cholpon,dinara --reassign-released"))(assign_cmd)
    coding_app.command("release", epilog=examples("shailoo coding release --idle 48"))(release_cmd)
    coding_app.command("progress", epilog=examples("shailoo coding progress", "shailoo coding progress --sample top200 "
                                                   "-f csv"))(progress_cmd)

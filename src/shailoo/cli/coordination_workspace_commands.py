"""The workspace mode of `shailoo coordination`: coordinated sharing among the workspace's posts.

`shailoo coordination run -w WS --object link|domain|hashtag|repost|text` builds the share table of
one kind of object (shailoo.analysis.share_objects), runs the engine's `detect_coordination` and
prints the largest coordinated groups with their accounts (actors and categories attached,
pseudonymised accounts under their pseudonym), objects, platforms, first/last time and example
posts. The command joins the `coordination` group when another module made one, else makes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from shailoo.cli.common import OutputOptions, WorkspaceOpt, print_table, print_tables, progress, table_command
from shailoo.cli.common import open_workspace as _open
from shailoo.cli.filters import (ActorOpt, AllOpt, CategoryOpt, PeriodOpt, PlatformOpt, SinceOpt, UntilOpt,
                                 join_notes, scoped_filter)
from shailoo.cli.options import examples

ObjectOpt = Annotated[str, typer.Option("--object", help="What is shared: link, domain, hashtag, repost or text "
                                                         "(near-identical texts).")]
MethodOpt = Annotated[str, typer.Option("--method", help="coortweet (pairwise time window) or coornet (interval "
                                                         "estimated from the data, fixed bins).")]
WindowOpt = Annotated[Optional[int], typer.Option("--window", help="Seconds within which two shares of one object "
                                                                   "are coordinated (CooRnet: estimated when left "
                                                                   "out).")]
MinPartOpt = Annotated[int, typer.Option("--min-participation", help="Coordinated shares an account needs (CooRTweet).")]
EdgeWeightOpt = Annotated[Optional[float], typer.Option("--edge-weight", help="Quantile of edge weights above which "
                                                        "edges are marked (default 0.5; CooRnet 0.9).")]
SimilarityOpt = Annotated[float, typer.Option("--similarity", help="--object text: Jaccard similarity of 3-word "
                                                                   "shingles (0-1).")]
PathOpt = Annotated[Optional[Path], typer.Option(help="Write the network to this file.")]

SHOWN = ("group", "accounts", "account_labels", "platforms", "objects", "top_objects", "first_time", "last_time")
LEADS = "Coordinated groups are leads for review, not findings: shared news and live events also bring accounts together."


def run(workspace: WorkspaceOpt = None, object_kind: ObjectOpt = "link", method: MethodOpt = "coortweet",
        window: WindowOpt = None, min_participation: MinPartOpt = 2, edge_weight: EdgeWeightOpt = None,
        similarity: SimilarityOpt = 0.8, period: PeriodOpt = None, platform: PlatformOpt = None,
        category: CategoryOpt = None, actor: ActorOpt = None, since: SinceOpt = None, until: UntilOpt = None,
        all_posts: AllOpt = False, gexf: Annotated[Optional[Path], typer.Option("--gexf", help="Write the network "
                                                                                "as GEXF (Gephi).")] = None,
        graphml: Annotated[Optional[Path], typer.Option("--graphml", help="Write the network as GraphML.")] = None,
        edges: Annotated[Optional[Path], typer.Option("--edges", help="Write the edges as CSV.")] = None,
        out: OutputOptions = None) -> None:
    """Find coordinated sharing among the workspace's posts: accounts sharing the same object within seconds."""
    from shailoo.analysis.coordination_groups import coordination_on_workspace
    from shailoo.analysis.near_duplicates import NearDuplicateParams
    from shailoo.outputs import check_output

    for target in (gexf, graphml, edges):
        if target is not None:
            check_output(target)
    if window is None and method == "coortweet":
        window = 60
    ws = _open(workspace, read_only=None)  # --object text fills the token cache (in memory when read-only)
    try:
        flt, scope = scoped_filter(ws, period, platform, category, actor, since, until, all_posts)
        with progress(f"Looking for coordinated sharing of {object_kind}s…"):
            wc = coordination_on_workspace(ws, object_kind, flt, window, min_participation, edge_weight, method,
                                           NearDuplicateParams(threshold=similarity))
        _write_network(wc, gexf, graphml, edges)
        r = wc.result
        if r.empty:
            found = f"{r.no_coordination_sentence()} ({wc.shares:,} shares; {wc.parameters()})"
        else:
            s = r.summary()
            found = (f"{wc.groups.num_rows:,} coordinated groups, {s['accounts']:,} accounts, {s['edges']:,} edges, "
                     f"{s['pairs']:,} coordinated share pairs among {wc.shares:,} shares; {wc.parameters()}.")
        note = join_notes(found, scope, LEADS)
        if out.resolved_format() == "json":
            print_tables({"groups": wc.groups, "accounts": _accounts(wc), "edges": r.edges, "pairs": r.pairs,
                          "components": r.components},
                         out, extra={"parameters": r.parameters, "object": object_kind, "note": note})
        else:
            print_table(wc.groups, out, title=f"Coordinated groups ({object_kind})", shown=SHOWN, note=note)
    finally:
        ws.close()


def _accounts(wc):
    """The network's accounts with their attributes (label, actor, category, platform, pseudonymised)."""
    import pyarrow as pa

    attrs = {r["account_id"]: r for r in wc.attributes.to_pylist()}
    acc = wc.result.accounts
    for name in ("platform", "label", "actor", "category", "pseudonymised"):
        values = [attrs.get(a, {}).get(name) for a in acc["account_id"].to_pylist()]
        acc = acc.append_column(name, pa.array(values, wc.attributes.schema.field(name).type))
    return acc


def _write_network(wc, gexf, graphml, edges) -> None:
    from shailoo.analysis import coordination

    if gexf is not None:
        coordination.write_gexf(wc.result, gexf, wc.attributes)
    if graphml is not None:
        coordination.write_graphml(wc.result, graphml, wc.attributes)
    if edges is not None:
        print_table(wc.result.edges, OutputOptions(format="csv", output=edges))


def register(app: typer.Typer) -> None:
    from shailoo.cli.coordination_commands import coordination_group

    group = coordination_group(app)
    group.command("run", epilog=examples(
        "shailoo coordination run -w ws --object link",
        "shailoo coordination run -w ws --object hashtag --window 30 --gexf hashtags.gexf",
        "shailoo coordination run -w ws --object text --period campaign -f json"))(table_command(run))

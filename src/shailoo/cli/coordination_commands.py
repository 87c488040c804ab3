"""`shailoo coordination …`: coordinated sharing.

`shailoo coordination shares FILE.csv` runs the engine (shailoo.analysis.coordination) on a share
table in CooRTweet's shape. This module makes the `coordination` group; the workspace mode
(`shailoo.cli.coordination_workspace_commands`, listed after this module in cli/main.py) joins it by
name. `coordination_group(app)` returns the group for any other module that adds commands to it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from shailoo.cli.common import OutputOptions, note_line, print_table, print_tables, table_command
from shailoo.cli.options import examples

WindowOpt = Annotated[Optional[int], typer.Option(
    "--window", help="Seconds within which two shares of one object are coordinated (default 60 for coortweet; "
                     "coornet estimates it from the data unless given).")]
MinParticipationOpt = Annotated[int, typer.Option(
    "--min-participation", help="coortweet: shares an account needs, in the file and in coordinated pairs.")]
EdgeWeightOpt = Annotated[Optional[float], typer.Option(
    "--edge-weight", help="Quantile of the edge weights (0..1) over which edges are marked (coortweet, default 0.5) "
                          "or kept (coornet, default 0.9).")]
MethodOpt = Annotated[str, typer.Option("--method", help="coortweet (pairwise windows, CooRTweet) or coornet "
                                                         "(bins from each object's first share, CooRnet).")]


def coordination_group(app: typer.Typer) -> typer.Typer:
    """The `coordination` group of `app`, made here the first time (the hook other modules use).

    Its first word, when it names no subcommand, is an option of `run`: `shailoo coordination -w WS
    --object link` is `shailoo coordination run -w WS --object link` (the workspace mode)."""
    from shailoo.cli.main import ShailooGroup, new_app

    class RunByDefault(ShailooGroup):
        def parse_args(self, ctx, args):
            if args and args[0] not in self.commands and args[0] not in ("--help", "-h") and "run" in self.commands:
                args = ["run", *args]
            return super().parse_args(ctx, args)

    group = next((g.typer_instance for g in app.registered_groups if g.name == "coordination"), None)
    if group is None:
        group = new_app("Detect coordinated sharing: on a share table, or on the workspace's posts "
                        "(`coordination -w WS --object link` runs `coordination run`).", cls=RunByDefault)
        app.add_typer(group, name="coordination")
    return group


@table_command
def shares_cmd(
    file: Annotated[Path, typer.Argument(help="CSV share table: object_id, account_id, content_id, timestamp_share "
                                              "(Unix seconds).")],
    window: WindowOpt = None,
    min_participation: MinParticipationOpt = 2,
    edge_weight: EdgeWeightOpt = None,
    method: MethodOpt = "coortweet",
    fast_window: Annotated[Optional[int], typer.Option(
        "--fast-window", help="coortweet: also mark the shares within this narrower window (CooRTweet's fast "
                              "network).")] = None,
    subgraph: Annotated[int, typer.Option(
        "--subgraph", help="coortweet: 0 full network, 1 edges over the threshold, 2 fast edges over the fast "
                           "threshold, 3 the fast network and its neighbours.")] = 0,
    edges: Annotated[Optional[Path], typer.Option("--edges", help="Write the edges to this .csv or .json "
                                                                       "file.")] = None,
    accounts: Annotated[Optional[Path], typer.Option("--accounts", help="Write the accounts to this .csv or "
                                                                             ".json file.")] = None,
    gexf: Annotated[Optional[Path], typer.Option("--gexf", help="Write the network as GEXF (Gephi).")] = None,
    graphml: Annotated[Optional[Path], typer.Option("--graphml", help="Write the network as GraphML.")] = None,
    out: OutputOptions = None,
) -> None:
    """Detect coordinated sharing in a share table (CooRTweet's input shape), as CooRTweet or CooRnet would."""
    from shailoo.analysis.coordination import (
        DEFAULT_EDGE_WEIGHT,
        METHODS,
        check_parameters,
        detect_coordination,
        read_share_table,
        write_gexf,
        write_graphml,
    )
    from shailoo.analysis.coordination_io import quarantined_count
    from shailoo.errors import UsageError
    from shailoo.outputs import check_output

    if method not in METHODS:
        raise UsageError(f"--method must be one of {', '.join(METHODS)}, not '{method}'.")
    check_parameters(window, min_participation, DEFAULT_EDGE_WEIGHT[method] if edge_weight is None else edge_weight,
                     fast_window, subgraph)  # bad options fail before the file is read
    files = [f for f in (edges, accounts, gexf, graphml) if f is not None]
    for f in files:
        check_output(f)  # a bad path fails before the work
    for f, kinds in ((edges, (".csv", ".json")), (accounts, (".csv", ".json"))):
        if f is not None and f.suffix.lower() not in kinds:
            raise UsageError(f"Cannot tell the format of {f} from its extension; name it .csv or .json.")
    table, quarantined = read_share_table(file)
    if quarantined:
        first = quarantined[0]
        where = f"row {first['row']}: " if first["row"] else ""
        note_line(f"set aside {quarantined_count(quarantined):,} rows of {file.name} ({where}{first['reason']}; "
                  "-f json lists them).")
    result = detect_coordination(table, window=window, min_participation=min_participation,
                                 edge_weight=edge_weight, method=method, fast_window=fast_window, subgraph=subgraph)
    if result.empty:
        sentence = result.no_coordination_sentence()
        if files:
            raise UsageError(sentence + " No file was written.")
        note_line(sentence)
    for f, rows in ((edges, result.edges), (accounts, result.accounts)):
        if f is not None:
            print_table(rows, OutputOptions(output=f, format=f.suffix.lower().lstrip(".")))
    if gexf is not None:
        write_gexf(result, gexf)
    if graphml is not None:
        write_graphml(result, graphml)
    counts = result.summary()
    params = {k: v for k, v in result.parameters.items() if v is not None}
    fmt = out.resolved_format()
    if fmt == "json":
        print_tables({"pairs": result.pairs, "accounts": result.accounts, "edges": result.edges,
                      "components": result.components,
                      "communities": result.communities if result.communities is not None else []},
                     out, extra={"method": result.method, "counts": counts, "parameters": params,
                                 "quarantined": quarantined})
        return
    summary = [{"what": k, "count": v} for k, v in counts.items()]
    summary.append({"what": "weight threshold", "count": result.parameters.get("weight_threshold")})
    if result.method == "coornet":
        summary.append({"what": "coordination interval (s)", "count": result.parameters.get("window")})
    top_edges = result.edges.sort_by([("weight", "descending"), ("account_id", "ascending")])
    shown = [c for c in ("account_id", "account_id_y", "weight", "avg_time_delta", "edge_symmetry_score",
                         "weight_threshold", "objects") if c in top_edges.column_names]
    if fmt == "csv" and out.output is None:
        print_table(result.edges, out)  # csv on stdout: the edge list, for scripts
        return
    import pyarrow as pa
    import pyarrow.compute as pc

    comps = result.components.slice(0, 20)
    for name in ("first_share", "last_share"):  # Unix seconds as UTC times on a screen
        i = comps.schema.get_field_index(name)
        comps = comps.set_column(i, name, pc.cast(pc.multiply(comps[name], 1_000_000), pa.timestamp("us", "UTC")))
    print_tables({"summary": summary, "components": comps,
                  "edges": top_edges.select(shown).slice(0, 20)}, out,
                 titles={"summary": f"Coordination ({result.method})", "components": "Largest components",
                         "edges": "Heaviest edges"})


def register(app: typer.Typer) -> None:
    group = coordination_group(app)
    group.command("shares", epilog=examples(
        "shailoo coordination shares shares.csv --window 60 --edges edges.csv --gexf net.gexf",
        "shailoo coordination shares shares.csv --method coornet -f json > coord.json"))(shares_cmd)

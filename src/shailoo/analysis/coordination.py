"""Coordinated sharing on a share table: accounts that share the same object within a short time of
each other, repeatedly. Two reference semantics, both set-oriented in DuckDB:

- ``method="coortweet"`` (default) reproduces CooRTweet 2.1.3 (Righetti & Balluff;
  github.com/nicolarighetti/CooRTweet, R/detect_groups.R, R/generate_coordinated_network.R,
  R/account_stats.R): `detect_groups` then `generate_coordinated_network`. Figures on CooRTweet's own
  example data are checked against CooRTweet itself (tests/analysis/test_coordination_coortweet.py).
- ``method="coornet"`` reproduces CooRnet (Giglietto et al.; github.com/fabiogiglietto/CooRnet,
  R/estimate_coord_interval.R, R/get_coord_shares.R, R/build_coord_graph.R); see
  `shailoo.analysis.coordination_coornet`.

The input is CooRTweet's shape: ``object_id`` (what is shared: a URL, a hashtag, a retweeted id),
``account_id``, ``content_id`` (the sharing post) as strings and ``timestamp_share`` as int64 Unix
seconds. The result is a `Coordination` of Arrow tables (see its docstring and docs/coordination.md).

Pairs are found by a self-join of each object's shares on time buckets one window wide (a share
meets only the shares of its own and the next bucket), so an object shared by thousands of accounts
over months costs what its shares within a window of each other cost, not the square of its shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from shailoo.errors import UsageError

# Working tables of the detection (dropped after it on a connection it does not own).
WORK_TABLES = ("s0", "s", "p0", "p1", "p", "pf", "p_out")
SHARE_COLUMNS = ("object_id", "account_id", "content_id", "timestamp_share")
METHODS = ("coortweet", "coornet")
DEFAULT_WINDOW = 60  # seconds; CooRTweet's own default is 10, the CLI default 60
DEFAULT_EDGE_WEIGHT = {"coortweet": 0.5, "coornet": 0.9}
LOUVAIN_SEED = 13
DEFAULT_MEMORY_LIMIT = "3GB"  # DuckDB's working memory before it spills to disk  # Louvain is randomised; a fixed seed makes communities repeatable


@dataclass
class Coordination:
    """The result of `detect_coordination`: Arrow tables and the parameters that made them.

    - ``pairs``: coordinated share pairs, CooRTweet's `detect_groups` rows: object_id, account_id,
      account_id_y, content_id, content_id_y, timestamp_share, timestamp_share_y, time_delta
      (seconds, >= 0). `account_id`/`content_id` is the older share of the pair (on equal times, the
      share of the account seen first in the input, as in CooRTweet). With a fast window, a boolean
      ``fast`` column marks CooRTweet's `flag_speed_share`.
    - ``accounts``: the vertices of the network: account_id, shares (rows in the input),
      coordinated_shares (distinct contents in pairs: CooRTweet's `unique_shares_count`),
      degree, strength (sum of edge weights), avg_time_delta and avg_edge_symmetry_score (as
      CooRTweet's `account_stats`), component (1 = largest), community (Louvain, seeded).
    - ``edges``: account_id < account_id_y (byte order), weight (coordinated pairs), avg_time_delta,
      n_content_id / n_content_id_y (distinct older / newer contents, as CooRTweet counts them),
      edge_symmetry_score, weight_threshold (weight above the `edge_weight` quantile), objects
      (distinct objects); with a fast window the same with the suffix _fast.
    - ``components``: component, accounts, edges, weight, objects, pairs, first_share, last_share
      (Unix seconds), numbered by size (1 = most accounts).
    - ``communities``: community, accounts, component.
    - ``coordinated_shares``: the input rows that take part in a pair (object_id, account_id,
      content_id, timestamp_share).
    - ``parameters``: what was asked and what was derived (e.g. the weight threshold, CooRnet's
      estimated interval).
    - ``quarantined``: rows set aside before the analysis (see `read_share_table`), with reasons.
    """

    method: str
    parameters: dict[str, Any]
    pairs: pa.Table
    accounts: pa.Table
    edges: pa.Table
    components: pa.Table
    communities: pa.Table | None = None
    coordinated_shares: pa.Table | None = None
    quarantined: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when no coordinated pair was found."""
        return self.edges.num_rows == 0

    def summary(self) -> dict[str, int]:
        """Counts of every table (what the CLI prints first)."""
        return {"pairs": self.pairs.num_rows, "accounts": self.accounts.num_rows, "edges": self.edges.num_rows,
                "edges_over_threshold": _count_true(self.edges, "weight_threshold"),
                "components": self.components.num_rows,
                "communities": self.communities.num_rows if self.communities is not None else 0}

    def no_coordination_sentence(self) -> str:
        """What to tell the user when nothing was found: the parameters that found nothing."""
        p = self.parameters
        window = p.get("window")
        what = f"within {window} s of each other" if window is not None else "within one coordination interval"
        extra = f", each account on at least {p['min_participation']} shares" if "min_participation" in p else ""
        return (f"No coordination found ({self.method}): no two accounts shared the same object {what}{extra}; "
                "try a wider --window or a lower --min-participation.")


def _count_true(table: pa.Table, column: str) -> int:
    if column not in table.column_names or table.num_rows == 0:
        return 0
    import pyarrow.compute as pc

    return int(pc.sum(pc.cast(table[column], pa.int64())).as_py() or 0)


def check_share_table(shares: pa.Table) -> pa.Table:
    """The table with the four columns in their types (strings, int64), or UsageError naming what is
    missing. NULL keys or times are not allowed here (the CSV reader quarantines them)."""
    missing = [c for c in SHARE_COLUMNS if c not in shares.column_names]
    if missing:
        raise UsageError(f"The share table has no column {', '.join(missing)}; it needs {', '.join(SHARE_COLUMNS)} "
                         "(CooRTweet's input shape).")
    cols = []
    for name in SHARE_COLUMNS:
        col = shares[name]
        want = pa.int64() if name == "timestamp_share" else pa.string()
        if col.type != want:
            try:
                col = col.cast(want)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                kind = "integer Unix seconds" if name == "timestamp_share" else "text"
                raise UsageError(f"The share table's column {name} is {col.type}, not {kind}.") from None
        if col.null_count:
            raise UsageError(f"The share table's column {name} has {col.null_count} empty values; drop or fix "
                             "those rows first.")
        cols.append(col)
    return pa.table(cols, names=list(SHARE_COLUMNS))


def check_parameters(window: int | None, min_participation: int, edge_weight: float,
                      fast_window: int | None, subgraph: int) -> None:
    if window is not None and (isinstance(window, bool) or int(window) != window or window <= 0):
        raise UsageError(f"The window must be a whole number of seconds above zero, not {window}.")
    if fast_window is not None and (int(fast_window) != fast_window or fast_window <= 0):
        raise UsageError(f"The fast window must be a whole number of seconds above zero, not {fast_window}.")
    if window is not None and fast_window is not None and fast_window > window:
        raise UsageError(f"The fast window ({fast_window} s) must not be wider than the window ({window} s).")
    if int(min_participation) != min_participation or min_participation < 0:
        raise UsageError(f"The minimum participation must be a whole number, 0 or more, not {min_participation}.")
    if not isinstance(edge_weight, (int, float)) or not 0 <= edge_weight <= 1:
        raise UsageError(f"The edge weight is a quantile of the edge weights and must be between 0 and 1, "
                         f"not {edge_weight}.")
    if subgraph not in (0, 1, 2, 3):
        raise UsageError(f"The subgraph must be 0 (full network), 1 (edges over the threshold), 2 (fast edges "
                         f"over the threshold) or 3 (fast network and its neighbours), not {subgraph}.")
    if subgraph in (2, 3) and fast_window is None:
        raise UsageError(f"Subgraph {subgraph} needs a fast window (CooRTweet's flag_speed_share); give one.")


def detect_coordination(shares: pa.Table, window: int | None = DEFAULT_WINDOW, min_participation: int = 2,
                        edge_weight: float | None = None, method: str = "coortweet", *,
                        remove_loops: bool = True, fast_window: int | None = None, subgraph: int = 0,
                        objects: bool = False, communities: bool = True, q: float = 0.1, p: float = 0.5,
                        seed: int = LOUVAIN_SEED, memory_limit: str | None = None, con=None) -> Coordination:
    """Find coordinated sharing in `shares` (columns object_id, account_id, content_id: strings;
    timestamp_share: int64 Unix seconds).

    CooRTweet (default): two shares of one object by two accounts at most `window` seconds apart
    are a coordinated pair; accounts with fewer than `min_participation` shares in the input are
    left out first, and pairs are kept when at least one side's account has `min_participation`
    coordinated shares (CooRTweet's two-step filter). Edges join account pairs weighted by their
    pairs; `weight_threshold` marks weights above the `edge_weight` quantile (type 7, default
    0.5). `remove_loops` drops pairs of an account with itself, of a content with itself and of an
    object with its own content id. `fast_window` adds CooRTweet's fast network (flag_speed_share);
    `subgraph` 1 keeps edges over the threshold, 2 fast edges over the fast threshold, 3 the fast
    network's accounts and their neighbours. `objects` lists each edge's object ids.

    CooRnet (`method="coornet"`): `window=None` estimates the coordination interval from the data
    (`q`, `p`); shares are binned from each object's first share; edge weights count the objects two
    accounts shared in coordinated bins; edges at or above the `edge_weight` quantile (default 0.9)
    are kept. `min_participation`, `remove_loops`, `fast_window` and `subgraph` do not apply.

    Communities: Louvain (networkx, `seed`) on the resulting network when `communities`.

    `con`: the connection to run on (another engine's, e.g. a SparkWorkspace's); default a private
    in-memory DuckDB.
    """
    if method not in METHODS:
        raise UsageError(f"The method must be one of {', '.join(METHODS)}, not '{method}'.")
    if edge_weight is None:
        edge_weight = DEFAULT_EDGE_WEIGHT[method]
    if method == "coortweet" and window is None:
        window = DEFAULT_WINDOW
    check_parameters(window, min_participation, edge_weight, fast_window if method == "coortweet" else None,
                      subgraph if method == "coortweet" else 0)
    shares = check_share_table(shares)
    own = con is None
    con = _connect(memory_limit) if own else con
    try:
        if method == "coornet":
            from shailoo.analysis.coordination_coornet import detect_coornet

            return detect_coornet(con, shares, window=window, edge_weight=edge_weight, q=q, p=p,
                                  communities=communities, seed=seed, objects=objects)
        return _detect_coortweet(con, shares, int(window), int(min_participation), float(edge_weight),
                                 remove_loops, fast_window, subgraph, objects, communities, seed)
    finally:
        if own:
            con.close()
        else:  # a shared connection keeps no working table of ours
            con.execute(";".join(f"DROP TABLE IF EXISTS {t}" for t in WORK_TABLES))


def _connect(memory_limit: str | None):
    import duckdb

    import tempfile

    con = duckdb.connect(":memory:")
    # Pairs of a much-shared object can outgrow memory: DuckDB spills to a temporary folder past
    # the limit instead of taking most of the machine (its own default is 80 % of RAM).
    limit = (memory_limit or DEFAULT_MEMORY_LIMIT).replace("'", "")
    con.execute(f"SET memory_limit = '{limit}'")
    spill = Path(tempfile.gettempdir()) / "shailoo-coordination"
    con.execute(f"SET temp_directory = '{str(spill).replace(chr(39), '')}'")
    con.execute("SET preserve_insertion_order = false")
    return con


def _load_shares(con, shares: pa.Table) -> None:
    """`s0`: the input with its row number (`rn`, input order matters for CooRTweet's ties)."""
    table = shares.append_column("rn", pa.array(np.arange(shares.num_rows, dtype=np.int64)))
    con.register("shares_in", table)
    con.execute("CREATE TEMP TABLE s0 AS SELECT * FROM shares_in")
    con.unregister("shares_in")


# --- CooRTweet ------------------------------------------------------------------------------

def _detect_coortweet(con, shares: pa.Table, window: int, min_participation: int, edge_weight: float,
                      remove_loops: bool, fast_window: int | None, subgraph: int, objects: bool,
                      communities: bool, seed: int) -> Coordination:
    _load_shares(con, shares)
    # do_detect_groups: keep accounts with at least min_participation rows. data.table regroups the
    # rows by account (in order of first appearance), so an object's rows are numbered in that order:
    # `ord` is that number, the tie-break between shares at the same second.
    con.execute(f"""
        CREATE TEMP TABLE s AS
        WITH a AS (SELECT account_id, min(rn) AS first_rn, count(*) AS n FROM s0 GROUP BY account_id)
        SELECT s0.object_id, s0.account_id, s0.content_id, s0.timestamp_share AS ts,
               row_number() OVER (ORDER BY a.first_rn, s0.rn) AS ord,
               (s0.timestamp_share - (SELECT min(timestamp_share) FROM s0)) // {window} AS bucket
        FROM s0 JOIN a USING (account_id)
        WHERE a.n >= {min_participation}""")
    loops = ("WHERE object_id <> content_id AND object_id <> content_id_y AND content_id <> content_id_y "
             "AND account_id <> account_id_y") if remove_loops else ""
    # calc_group_combinations: every two shares of an object at most `window` apart, once each.
    # Buckets are `window` wide, so such shares are in the same bucket or in neighbouring ones.
    con.execute(f"""
        CREATE TEMP TABLE p0 AS
        WITH j AS (
            SELECT x.object_id, x.account_id AS ax, x.content_id AS cx, x.ts AS tx, x.ord AS ox,
                   y.account_id AS ay, y.content_id AS cy, y.ts AS ty, y.ord AS oy
            FROM s x JOIN s y ON x.object_id = y.object_id AND x.bucket = y.bucket AND x.ord < y.ord
            WHERE abs(x.ts - y.ts) <= {window}
            UNION ALL
            SELECT x.object_id, x.account_id, x.content_id, x.ts, x.ord, y.account_id, y.content_id, y.ts, y.ord
            FROM s x JOIN s y ON x.object_id = y.object_id AND y.bucket = x.bucket + 1
            WHERE abs(x.ts - y.ts) <= {window}),
        o AS (  -- the older share first; on equal times the one earlier in CooRTweet's order
            SELECT object_id, (tx < ty OR (tx = ty AND ox < oy)) AS keep, * EXCLUDE (object_id) FROM j)
        SELECT object_id,
               CASE WHEN keep THEN ax ELSE ay END AS account_id, CASE WHEN keep THEN ay ELSE ax END AS account_id_y,
               CASE WHEN keep THEN cx ELSE cy END AS content_id, CASE WHEN keep THEN cy ELSE cx END AS content_id_y,
               CASE WHEN keep THEN tx ELSE ty END AS timestamp_share,
               CASE WHEN keep THEN ty ELSE tx END AS timestamp_share_y,
               abs(tx - ty) AS time_delta
        FROM o""")
    if remove_loops:
        con.execute(f"CREATE TEMP TABLE p1 AS SELECT * FROM p0 {loops}")
    else:
        con.execute("CREATE TEMP VIEW p1 AS SELECT * FROM p0")
    _min_participation_filter(con, "p1", "p", min_participation)
    if fast_window is not None:
        _min_participation_filter(con, f"(SELECT * FROM p WHERE time_delta <= {int(fast_window)})", "pf",
                                  min_participation)
        con.execute("""CREATE TEMP TABLE p_out AS SELECT p.*, (pf.content_id IS NOT NULL) AS fast
                       FROM p LEFT JOIN (SELECT DISTINCT content_id, content_id_y FROM pf) pf
                       USING (content_id, content_id_y)""")
    else:
        con.execute("CREATE TEMP VIEW p_out AS SELECT * FROM p")

    from shailoo.analysis.coordination_graph import (
        accounts_table,
        aggregate_edges,
        components_table,
        network,
    )

    edges, thresholds = aggregate_edges(con, "p_out", edge_weight, objects, fast=fast_window is not None)
    edges, vertices, color = _subgraph(edges, subgraph)
    net = network(vertices, edges, communities=communities, seed=seed, thresholds=thresholds)
    # CooRTweet's account_stats(weight_threshold="none") on the network it returns; shares counted
    # over all pairs, as there.
    accounts = accounts_table(con, net, edges, pairs="p_out", color=color)
    comps = components_table(con, net, edges, pairs="p_out")
    pairs = con.sql("""SELECT * FROM p_out
                       ORDER BY object_id, timestamp_share, timestamp_share_y, content_id, content_id_y""").to_arrow_table()
    coordinated = con.sql("""
        SELECT object_id, account_id, content_id, ts AS timestamp_share FROM s
        WHERE content_id IN (SELECT content_id FROM p_out UNION SELECT content_id_y FROM p_out)
        ORDER BY timestamp_share, object_id, account_id""").to_arrow_table()
    params = {"method": "coortweet", "window": window, "min_participation": min_participation,
              "edge_weight": edge_weight, "remove_loops": remove_loops, "fast_window": fast_window,
              "subgraph": subgraph, "weight_threshold": net.threshold, "weight_threshold_fast": net.threshold_fast,
              "communities_seed": seed if communities else None, "shares": shares.num_rows}
    return Coordination("coortweet", params, pairs, accounts, edges, comps, net.communities_table(), coordinated)


def _min_participation_filter(con, source: str, target: str, min_participation: int) -> None:
    """CooRTweet's filter_min_participation: accounts with at least `min_participation` input rows
    among the contents found in pairs qualify; a pair stays when either of its contents is one of
    theirs (one pass, not repeated)."""
    if min_participation < 1:
        con.execute(f"CREATE TEMP TABLE {target} AS SELECT * FROM {source}")
        return
    con.execute(f"""
        CREATE TEMP TABLE {target} AS
        WITH src AS (SELECT * FROM {source}),
        c AS (SELECT content_id FROM src UNION SELECT content_id_y FROM src),
        r AS (SELECT account_id, content_id FROM s SEMI JOIN c USING (content_id)),
        q AS (SELECT account_id FROM r GROUP BY account_id HAVING count(*) >= {min_participation}),
        k AS (SELECT DISTINCT content_id FROM r SEMI JOIN q USING (account_id))
        SELECT * FROM src
        WHERE content_id IN (SELECT content_id FROM k) OR content_id_y IN (SELECT content_id FROM k)""")


def _subgraph(edges: pa.Table, subgraph: int) -> tuple[pa.Table, pa.Table | None, set[str] | None]:
    """CooRTweet's `subgraph` option: the edges kept, the vertices (None: the edges' ends) and, for
    subgraph 3, the accounts coloured 1 (those with a fast edge over the fast threshold)."""
    import pyarrow.compute as pc

    if subgraph == 0:
        return edges, None, None
    if subgraph in (1, 2):
        flag = "weight_threshold" if subgraph == 1 else "weight_threshold_fast"
        return edges.filter(pc.fill_null(edges[flag], False)), None, None
    fast = edges.filter(pc.fill_null(edges["weight_threshold_fast"], False))
    core = set(fast["account_id"].to_pylist()) | set(fast["account_id_y"].to_pylist())
    # the core's neighbours, and every edge among the core and its neighbours (induced subgraph)
    a, b = edges["account_id"].to_pylist(), edges["account_id_y"].to_pylist()
    keep = core | {y for x, y in zip(a, b) if x in core} | {x for x, y in zip(a, b) if y in core}
    mask = pc.and_(pc.is_in(edges["account_id"], pa.array(sorted(keep), pa.string())),
                   pc.is_in(edges["account_id_y"], pa.array(sorted(keep), pa.string())))
    return edges.filter(mask), pa.array(sorted(keep), pa.string()), core


def read_share_table(path: Path) -> tuple[pa.Table, list[dict[str, Any]]]:
    """A share table from a CSV file (encoding and delimiter detected by shailoo.csvfiles); see
    `shailoo.analysis.coordination_io`."""
    from shailoo.analysis.coordination_io import read_share_csv

    return read_share_csv(path)


def write_gexf(result: Coordination, path: Path | str, node_attributes: pa.Table | None = None) -> Path:
    """The network as GEXF for Gephi; see `shailoo.analysis.coordination_graph.write_gexf`."""
    from shailoo.analysis.coordination_graph import write_gexf as _write

    return _write(result, path, node_attributes)


def write_graphml(result: Coordination, path: Path | str, node_attributes: pa.Table | None = None) -> Path:
    """The network as GraphML; see `shailoo.analysis.coordination_graph.write_graphml`."""
    from shailoo.analysis.coordination_graph import write_graphml as _write

    return _write(result, path, node_attributes)


def network_svg(result: Coordination, node_attributes: pa.Table | None = None, **kwargs: Any) -> str:
    """A static SVG picture of the network; see `shailoo.analysis.coordination_graph.network_svg`."""
    from shailoo.analysis.coordination_graph import network_svg as _svg

    return _svg(result, node_attributes, **kwargs)

"""CooRnet's semantics (Giglietto, Righetti, Rossi & Marino 2020; github.com/fabiogiglietto/CooRnet at
79228734, R/estimate_coord_interval.R, R/get_coord_shares.R, R/build_coord_graph.R) on a share table.

1. Objects shared once are left out (CooRnet: URLs with one share).
2. The coordination interval, unless given, is estimated from the data (estimate_coord_interval):
   for each object, the seconds from its first to its second share; the objects whose second share
   came within the `q` quantile of those (the quickest) are kept; for each, the seconds from the first
   share to the first share past the `p` share of all its shares; the interval is the median of
   those, in whole seconds (R's cut() reads "12.5 secs" as 12), and 1 s when the median is 0.
3. Each object's shares (objects shared by at least two accounts) are cut into fixed bins of the
   interval from its first share ([first + k·interval, first + (k+1)·interval)); the shares in a bin
   holding more than one share are coordinated.
4. The network is the projection of the bipartite account–object graph of coordinated shares: an
   edge's weight is the number of objects both accounts shared in coordinated bins (not
   necessarily the same bin: CooRnet links an account to the object, not to the bin).
5. Edges with a weight at or above the `edge_weight` quantile (0.9, CooRnet's percentile_edge_weight)
   are kept with their accounts; components and Louvain communities are computed on that network.

Differences from CooRnet that could not be avoided (docs/coordination.md):
- Louvain communities come from networkx (seeded), not igraph's cluster_louvain: the partition can differ.
- `coordinated_shares` counts an account's shares in coordinated bins; CooRnet's coord.shares tests
  URL, date and account separately against all coordinated shares (a share can be counted when its
  date matches another coordinated share's), which shailoo does not repeat.
- Components and communities are numbered by size (1 = largest), not in igraph's vertex order.
- `pairs` (shares of two accounts in the same coordinated bin) and the edges' avg_time_delta are
  shailoo's additions; CooRnet has no pair table.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from shailoo.analysis.coordination import Coordination, _load_shares
from shailoo.analysis.coordination_graph import accounts_table, components_table, network, r_quantile
from shailoo.errors import UsageError


def estimate_interval(con, q: float = 0.1, p: float = 0.5) -> tuple[int | None, dict]:
    """CooRnet's estimate_coord_interval on `s` (objects shared more than once): the interval in
    seconds (None when the data has no object shared twice) and the summary of the seconds."""
    if not 0 <= q <= 1 or not 0 <= p <= 1:
        raise UsageError(f"q and p are shares between 0 and 1, not q={q}, p={p}.")
    ranked = """SELECT object_id, ts - min(ts) OVER w AS sec,
                       row_number() OVER (w ORDER BY ts, rn) AS rank, count(*) OVER w AS n
                FROM s WINDOW w AS (PARTITION BY object_id)"""
    second = con.sql(f"SELECT object_id, sec FROM ({ranked}) WHERE rank = 2").to_arrow_table()
    if second.num_rows == 0:
        return None, {}
    cut = r_quantile(second["sec"].to_numpy(), q)
    con.register("quick", second.filter(pc.less_equal(second["sec"], cut)))
    try:
        secs = con.sql(f"""SELECT min(sec) AS sec FROM ({ranked}) r SEMI JOIN quick USING (object_id)
                           WHERE rank / n > {float(p)} GROUP BY object_id""").to_arrow_table()["sec"].to_numpy()
    finally:
        con.unregister("quick")
    if len(secs) == 0:
        return None, {}
    median = r_quantile(secs, 0.5)
    summary = {"min": float(secs.min()), "q1": r_quantile(secs, 0.25), "median": median,
               "mean": float(secs.mean()), "q3": r_quantile(secs, 0.75), "max": float(secs.max()),
               "objects": int(len(secs))}
    return max(1, int(median)), summary


def detect_coornet(con, shares: pa.Table, window: int | None, edge_weight: float, q: float, p: float,
                   communities: bool, seed: int, objects: bool) -> Coordination:
    """See the module's docstring; called by `detect_coordination(method="coornet")`."""
    _load_shares(con, shares)
    con.execute("""CREATE TEMP TABLE s AS
                   SELECT object_id, account_id, content_id, timestamp_share AS ts, rn FROM s0
                   WHERE object_id IN (SELECT object_id FROM s0 GROUP BY object_id HAVING count(*) > 1)""")
    summary: dict = {}
    estimated = window is None
    if estimated:
        window, summary = estimate_interval(con, q, p)
    params = {"method": "coornet", "window": window, "window_estimated": estimated, "q": q, "p": p,
              "interval_summary": summary, "edge_weight": edge_weight, "shares": shares.num_rows,
              "communities_seed": seed if communities else None}
    window = window or 1
    con.execute(f"""
        CREATE TEMP TABLE b AS
        SELECT *, (ts - min(ts) OVER (PARTITION BY object_id)) // {int(window)} AS bin FROM s
        WHERE object_id IN (SELECT object_id FROM s GROUP BY object_id HAVING count(DISTINCT account_id) > 1)""")
    con.execute("""CREATE TEMP TABLE cb AS
                   SELECT * FROM b WHERE (object_id, bin) IN (
                       SELECT (object_id, bin) FROM b GROUP BY object_id, bin HAVING count(*) > 1)""")
    # the shares of two accounts in one coordinated bin, the older first (shailoo's addition)
    con.execute("""
        CREATE TEMP TABLE p_out AS
        SELECT x.object_id, x.account_id, y.account_id AS account_id_y, x.content_id, y.content_id AS content_id_y,
               x.ts AS timestamp_share, y.ts AS timestamp_share_y, y.ts - x.ts AS time_delta
        FROM cb x JOIN cb y ON x.object_id = y.object_id AND x.bin = y.bin
                            AND (x.ts < y.ts OR (x.ts = y.ts AND x.rn < y.rn))
        WHERE x.account_id <> y.account_id""")
    obj_col = ", list(DISTINCT object_id ORDER BY object_id) AS object_ids" if objects else ""
    full = con.sql(f"""
        WITH ao AS (SELECT DISTINCT account_id, object_id FROM cb)
        SELECT x.account_id, y.account_id AS account_id_y, count(*) AS weight, count(*) AS objects {obj_col}
        FROM ao x JOIN ao y ON x.object_id = y.object_id AND x.account_id < y.account_id
        GROUP BY ALL""").to_arrow_table()
    threshold = r_quantile(full["weight"].to_numpy(), edge_weight)
    params.update(weight_threshold=threshold, edges_full=full.num_rows)
    kept = full.filter(pc.greater_equal(full["weight"], threshold)) if threshold is not None else full
    con.register("kept", kept)
    edges = con.sql("""
        WITH d AS (SELECT least(account_id, account_id_y) AS account_id,
                          greatest(account_id, account_id_y) AS account_id_y, avg(time_delta) AS avg_time_delta
                   FROM p_out GROUP BY ALL)
        SELECT k.account_id, k.account_id_y, k.weight, d.avg_time_delta,
               NULL::DOUBLE AS edge_symmetry_score, true AS weight_threshold, k.* EXCLUDE (account_id, account_id_y, weight)
        FROM kept k LEFT JOIN d USING (account_id, account_id_y)
        ORDER BY k.account_id, k.account_id_y""").to_arrow_table()
    con.unregister("kept")
    net = network(None, edges, communities=communities, seed=seed,
                  thresholds={"weight_threshold": threshold})
    accounts = accounts_table(con, net, edges, pairs="p_out", shares="s")
    # CooRnet's coord.shares: the account's shares in coordinated bins
    con.register("acc", accounts)
    accounts = con.sql("""SELECT a.* REPLACE (coalesce(c.n, 0) AS coordinated_shares)
                          FROM acc a LEFT JOIN (SELECT account_id, count(*) AS n FROM cb GROUP BY 1) c
                          USING (account_id)
                          ORDER BY a.component, a.strength DESC, a.account_id""").to_arrow_table()
    con.unregister("acc")
    comps = components_table(con, net, edges, pairs="p_out")
    pairs = con.sql("""SELECT * FROM p_out ORDER BY object_id, timestamp_share, timestamp_share_y,
                       content_id, content_id_y""").to_arrow_table()
    coordinated = con.sql("""SELECT object_id, account_id, content_id, ts AS timestamp_share, bin FROM cb
                             ORDER BY timestamp_share, object_id, account_id""").to_arrow_table()
    return Coordination("coornet", params, pairs, accounts, edges, comps, net.communities_table(), coordinated)


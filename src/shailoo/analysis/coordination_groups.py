"""Coordination on the workspace: the share table of one kind of object (`share_objects`), the
engine (`coordination.detect_coordination`), and the coordinated groups read back into the
workspace — their accounts with actors and categories, objects, platforms, first and last time and
example posts. Pseudonymised accounts appear only under their pseudonym.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from shailoo.analysis.filters import PostFilter

LABELS_SHOWN = 10
OBJECTS_SHOWN = 3
EXAMPLES = 3


@dataclass
class WorkspaceCoordination:
    object_kind: str
    result: object  # coordination.Coordination
    attributes: pa.Table  # share_objects.account_attributes + the network's own columns
    groups: pa.Table
    shares: int

    def parameters(self) -> str:
        p = self.result.parameters
        if self.result.method == "coornet":
            window = p.get("window") or p.get("coord_interval") or p.get("interval")
            return (f"object {self.object_kind}, CooRnet semantics, coordination interval {window} s, edges at or "
                    f"above the {p.get('edge_weight')} quantile of weights")
        return (f"object {self.object_kind}, CooRTweet semantics, window {p.get('window')} s, minimum participation "
                f"{p.get('min_participation')}, edge weight quantile {p.get('edge_weight')}")


def coordination_on_workspace(ws, object_kind: str = "link", flt: PostFilter | None = None, window: int | None = 60,
                              min_participation: int = 2, edge_weight: float | None = None,
                              method: str = "coortweet", near=None, objects: bool = True) -> WorkspaceCoordination:
    """Detect coordinated sharing of `object_kind` among the posts `flt` selects."""
    from shailoo.analysis.coordination import detect_coordination
    from shailoo.analysis.share_objects import account_attributes, shares_for

    if method == "coornet" and getattr(ws, "engine", "duckdb") != "duckdb":  # said, never a silent fallback
        from shailoo.errors import UsageError

        raise UsageError("CooRnet semantics (--method coornet) are not available on Spark yet; use the default "
                         "coortweet there, or run it without --engine spark.")
    shares = shares_for(ws, object_kind, flt, near)
    # Another engine (Spark) runs the detection on its own connection; DuckDB on a private one.
    result = detect_coordination(shares, window=window, min_participation=min_participation,
                                 edge_weight=edge_weight, method=method, objects=objects,
                                 con=ws.con if getattr(ws, "engine", "duckdb") != "duckdb" else None)
    attributes = account_attributes(ws, shares)
    groups = groups_table(ws, result, attributes)
    return WorkspaceCoordination(object_kind, result, node_attributes(result, attributes), groups, shares.num_rows)


def node_attributes(result, attributes: pa.Table) -> pa.Table:
    """The attributes of the network's accounts (label, actor, category, platform, pseudonymised,
    shares) for GEXF/GraphML and the picture; the network's own columns come from the engine."""
    import pyarrow.compute as pc

    keep = pc.is_in(attributes["account_id"], result.accounts["account_id"])
    return attributes.filter(keep)


def groups_table(ws, result, attributes: pa.Table) -> pa.Table:
    """One row per coordinated group (a component of the network, 1 = most accounts)."""
    con = ws.con
    empty = result.accounts.num_rows == 0 or result.coordinated_shares is None
    con.register("_cg_accounts", result.accounts.select(["account_id", "component"]) if not empty
                 else pa.table({"account_id": pa.array([], pa.string()), "component": pa.array([], pa.int64())}))
    con.register("_cg_attr", attributes)
    shares = result.coordinated_shares if not empty else pa.table(
        {"object_id": pa.array([], pa.string()), "account_id": pa.array([], pa.string()),
         "content_id": pa.array([], pa.string()), "timestamp_share": pa.array([], pa.int64())})
    con.register("_cg_shares", shares)
    try:
        # Per-group figures are aggregated apart and joined (not correlated subqueries), a form
        # DuckDB and Spark both run; the example is the first post in time (then by URL).
        return con.sql(f"""
            WITH acc AS (SELECT a.component, a.account_id, t.label, t.actor, t.category, t.platform, t.pseudonymised,
                                t.shares
                         FROM _cg_accounts a JOIN _cg_attr t USING (account_id)),
                 sh AS (SELECT a.component, s.object_id, s.content_id, s.timestamp_share
                        FROM _cg_shares s JOIN _cg_accounts a USING (account_id)),
                 obj AS (SELECT component, object_id, count(*) AS n FROM sh GROUP BY ALL),
                 posts AS (SELECT sh.component, p.url, sh.timestamp_share FROM sh
                           JOIN posts p ON p.post_id = TRY_CAST(sh.content_id AS BIGINT)
                           WHERE regexp_matches(p.url, '^https?://')),
                 g AS (SELECT acc.component, count(*)::BIGINT AS accounts,
                              array_to_string(list(acc.label || ' (' || acc.platform || ')'
                                  ORDER BY acc.shares DESC, acc.label, acc.platform)[1:{LABELS_SHOWN}], '; ')
                                  AS account_labels,
                              string_agg(DISTINCT acc.platform, ', ' ORDER BY acc.platform) AS platforms,
                              string_agg(DISTINCT acc.actor, '; ' ORDER BY acc.actor) AS registered_actors,
                              string_agg(DISTINCT acc.category, ', ' ORDER BY acc.category) AS categories,
                              count(*) FILTER (WHERE acc.pseudonymised)::BIGINT AS pseudonymised_accounts
                       FROM acc GROUP BY acc.component),
                 o AS (SELECT component, count(*)::BIGINT AS objects,
                              array_to_string(list(object_id ORDER BY n DESC, object_id)[1:{OBJECTS_SHOWN}], ' ')
                                  AS top_objects
                       FROM obj GROUP BY component),
                 s AS (SELECT component, count(*)::BIGINT AS coordinated_shares,
                              to_timestamp(min(timestamp_share)) AS first_time,
                              to_timestamp(max(timestamp_share)) AS last_time
                       FROM sh GROUP BY component),
                 e AS (SELECT component,
                              array_to_string(list(url ORDER BY timestamp_share, url)[1:1], ' ') AS example_url,
                              array_to_string(list(url ORDER BY timestamp_share, url)[1:{EXAMPLES}], ' ') AS examples
                       FROM posts GROUP BY component)
            SELECT g.component AS "group", g.accounts, g.account_labels, g.platforms, g.registered_actors,
                   g.categories, g.pseudonymised_accounts, coalesce(o.objects, 0)::BIGINT AS objects, o.top_objects,
                   coalesce(s.coordinated_shares, 0)::BIGINT AS coordinated_shares, s.first_time, s.last_time,
                   e.example_url, e.examples
            FROM g LEFT JOIN o USING (component) LEFT JOIN s USING (component) LEFT JOIN e USING (component)
            ORDER BY accounts DESC, "group" """).to_arrow_table()
    finally:
        for name in ("_cg_accounts", "_cg_attr", "_cg_shares"):
            con.unregister(name)

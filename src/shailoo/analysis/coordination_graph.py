"""The coordination network: edges aggregated from pairs, components and Louvain communities, the
account and component tables, and the network written as GEXF / GraphML or drawn as a static SVG.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

if TYPE_CHECKING:
    from shailoo.analysis.coordination import Coordination


def r_quantile(values: np.ndarray, prob: float) -> float | None:
    """R's `quantile(x, prob)` (type 7, the default of CooRTweet and CooRnet), computed as R does so
    that a threshold equal to a weight compares the same way; None for no values."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return None
    index = 1 + (n - 1) * prob
    lo, hi = int(np.floor(index)), int(np.ceil(index))
    q = x[lo - 1]
    h = index - lo
    if index > lo and x[hi - 1] != q:
        q = (1 - h) * q + h * x[hi - 1]
    return float(q)


def aggregate_edges(con, pairs: str, edge_weight: float, objects: bool, fast: bool) -> tuple[pa.Table, dict]:
    """generate_coordinated_network's edge table: one row per account pair (account_id < account_id_y
    in byte order, as R's pmin/pmax in the C locale), with weight_threshold = weight above the
    `edge_weight` quantile of all weights (and the same for the fast network)."""
    fast_cols = """, count(*) FILTER (WHERE fast) AS weight_fast,
        avg(time_delta) FILTER (WHERE fast) AS avg_time_delta_fast,
        count(DISTINCT content_id) FILTER (WHERE fast) AS n_content_id_fast,
        count(DISTINCT content_id_y) FILTER (WHERE fast) AS n_content_id_y_fast""" if fast else ""
    obj_col = ", list(DISTINCT object_id ORDER BY object_id) AS object_ids" if objects else ""
    table = con.sql(f"""
        SELECT least(account_id, account_id_y) AS account_id, greatest(account_id, account_id_y) AS account_id_y,
               count(*) AS weight, avg(time_delta) AS avg_time_delta,
               count(DISTINCT content_id) AS n_content_id, count(DISTINCT content_id_y) AS n_content_id_y,
               count(DISTINCT object_id) AS objects {obj_col} {fast_cols}
        FROM {pairs} GROUP BY ALL ORDER BY account_id, account_id_y""").to_arrow_table()
    import pyarrow.compute as pc

    def symmetry(a: str, b: str) -> pa.Array:
        x, y = table[a].to_numpy(zero_copy_only=False), table[b].to_numpy(zero_copy_only=False)
        with np.errstate(divide="ignore", invalid="ignore"):
            return pa.array(np.minimum(x, y) / np.maximum(x, y), pa.float64())

    weights = table["weight"].to_numpy()
    threshold = r_quantile(weights, edge_weight)
    flag = pa.array(weights > threshold if threshold is not None else np.zeros(0, bool))
    table = table.add_column(table.schema.get_field_index("n_content_id_y") + 1, "edge_symmetry_score",
                             symmetry("n_content_id", "n_content_id_y"))
    table = table.add_column(table.schema.get_field_index("edge_symmetry_score") + 1, "weight_threshold", flag)
    thresholds = {"weight_threshold": threshold, "weight_threshold_fast": None}
    if fast:
        wf = pc.if_else(pc.equal(table["weight_fast"], 0), pa.scalar(None, pa.int64()), table["weight_fast"])
        table = table.set_column(table.schema.get_field_index("weight_fast"), "weight_fast", wf)
        for name in ("n_content_id_fast", "n_content_id_y_fast"):
            col = pc.if_else(pc.is_null(wf), pa.scalar(None, pa.int64()), table[name])
            table = table.set_column(table.schema.get_field_index(name), name, col)
        sym = symmetry("n_content_id_fast", "n_content_id_y_fast")
        table = table.append_column("edge_symmetry_score_fast", sym)
        wf_np = wf.to_numpy(zero_copy_only=False).astype(np.float64)
        tf = r_quantile(wf_np, edge_weight)
        table = table.append_column("weight_threshold_fast",
                                    pc.greater(wf, pa.scalar(tf if tf is not None else np.inf, pa.float64())))
        thresholds["weight_threshold_fast"] = tf
    return table, thresholds


@dataclass
class Network:
    """Vertices (sorted account ids), their component (1 = largest) and community (None if not
    computed), degree and strength, and the weight thresholds used."""

    vertices: pa.Array
    component: np.ndarray
    community: np.ndarray | None
    degree: np.ndarray
    strength: np.ndarray
    threshold: float | None = None
    threshold_fast: float | None = None

    def vertex_table(self) -> pa.Table:
        cols = {"account_id": self.vertices, "degree": pa.array(self.degree), "strength": pa.array(self.strength),
                "component": pa.array(self.component)}
        cols["community"] = pa.array(self.community) if self.community is not None else pa.nulls(
            len(self.vertices), pa.int64())
        return pa.table(cols)

    def communities_table(self) -> pa.Table | None:
        if self.community is None:
            return None
        if len(self.community) == 0:
            return pa.table({"community": pa.array([], pa.int64()), "accounts": pa.array([], pa.int64()),
                             "component": pa.array([], pa.int64())})
        ids, counts = np.unique(self.community, return_counts=True)
        comp = np.zeros(len(ids), np.int64)
        comp[self.community - 1] = self.component  # a community lies inside one component
        return pa.table({"community": pa.array(ids), "accounts": pa.array(counts), "component": pa.array(comp)})


def _numbered(labels: np.ndarray) -> np.ndarray:
    """Relabel groups 1.. by size (largest first), ties by their first vertex (sorted ids)."""
    if len(labels) == 0:
        return labels.astype(np.int64)
    uniq, first, counts = np.unique(labels, return_index=True, return_counts=True)
    order = np.lexsort((first, -counts))
    rank = np.empty(len(uniq), np.int64)
    rank[order] = np.arange(1, len(uniq) + 1)
    return rank[np.searchsorted(uniq, labels)]


def network(vertices: pa.Array | None, edges: pa.Table, communities: bool, seed: int,
            thresholds: dict | None = None) -> Network:
    """Components (scipy) and Louvain communities (networkx, seeded) of the network `edges`;
    `vertices` None means the edges' ends."""
    import pyarrow.compute as pc
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    thresholds = thresholds or {}
    if vertices is None:
        vertices = pc.unique(pa.chunked_array(edges["account_id"].chunks + edges["account_id_y"].chunks,
                                              pa.string()))
    if isinstance(vertices, pa.ChunkedArray):
        vertices = vertices.combine_chunks()
    vertices = pc.take(vertices, pc.array_sort_indices(vertices))
    n = len(vertices)
    a = pc.index_in(edges["account_id"], value_set=vertices).to_numpy(zero_copy_only=False).astype(np.int64)
    b = pc.index_in(edges["account_id_y"], value_set=vertices).to_numpy(zero_copy_only=False).astype(np.int64)
    w = edges["weight"].to_numpy().astype(np.float64)
    degree = np.bincount(a, minlength=n) + np.bincount(b, minlength=n)
    strength = (np.bincount(a, weights=w, minlength=n) + np.bincount(b, weights=w, minlength=n)).astype(np.int64)
    if n:
        graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
        _, labels = connected_components(graph, directed=False)
    else:
        labels = np.zeros(0, np.int64)
    component = _numbered(labels)
    community = _louvain(n, a, b, w, seed) if communities else None
    return Network(vertices, component, community, degree.astype(np.int64), strength,
                   thresholds.get("weight_threshold"), thresholds.get("weight_threshold_fast"))


def _louvain(n: int, a: np.ndarray, b: np.ndarray, w: np.ndarray, seed: int) -> np.ndarray:
    """Louvain communities (networkx's louvain_communities, resolution 1, seeded), numbered by size."""
    labels = np.arange(n, dtype=np.int64)
    if len(a) == 0:
        return _numbered(labels)
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_weighted_edges_from(zip(a.tolist(), b.tolist(), w.tolist()))
    for k, members in enumerate(nx.community.louvain_communities(graph, weight="weight", seed=seed)):
        labels[list(members)] = k
    # a community never spans two components; number them by size like components
    return _numbered(labels)


def accounts_table(con, net: Network, edges: pa.Table, pairs: str, shares: str = "s0",
                   color: set[str] | None = None) -> pa.Table:
    """The vertices with shares (input rows), coordinated_shares (distinct contents in pairs),
    CooRTweet's account_stats means (over the distinct (account, edge means) rows, as account_stats
    does; with the fast network its _fast means too), degree, strength, component and community."""
    fast = "avg_time_delta_fast" in edges.column_names
    means = ["avg_time_delta", "edge_symmetry_score"] + (["avg_time_delta_fast", "edge_symmetry_score_fast"]
                                                         if fast else [])
    con.register("net_v", net.vertex_table())
    con.register("net_e", edges.select(["account_id", "account_id_y"] + means))
    color_sql = ""
    if color is not None:
        con.register("net_core", pa.table({"account_id": pa.array(sorted(color), pa.string())}))
        color_sql = ", v.account_id IN (SELECT account_id FROM net_core) AS coordinated_fast"
    cols = ", ".join(means)
    stats = "avg(avg_time_delta) AS avg_time_delta, avg(edge_symmetry_score) AS avg_edge_symmetry_score"
    if fast:
        stats += (", avg(avg_time_delta_fast) AS avg_time_delta_fast,"
                  " avg(edge_symmetry_score_fast) AS avg_edge_symmetry_score_fast")
    out = "st.avg_time_delta, st.avg_edge_symmetry_score" + (
        ", st.avg_time_delta_fast, st.avg_edge_symmetry_score_fast" if fast else "")
    try:
        return con.sql(f"""
            WITH ends AS (
                SELECT DISTINCT * FROM (SELECT account_id, {cols} FROM net_e
                                        UNION ALL SELECT account_id_y, {cols} FROM net_e)),
            st AS (SELECT account_id, {stats} FROM ends GROUP BY account_id),
            cs AS (SELECT account_id, count(DISTINCT content_id) AS coordinated_shares FROM (
                       SELECT account_id, content_id FROM {pairs}
                       UNION ALL SELECT account_id_y, content_id_y FROM {pairs}) GROUP BY account_id),
            sh AS (SELECT account_id, count(*) AS shares FROM {shares} GROUP BY account_id)
            SELECT v.account_id, sh.shares, coalesce(cs.coordinated_shares, 0) AS coordinated_shares,
                   v.degree, v.strength, {out}, v.component, v.community {color_sql}
            FROM net_v v LEFT JOIN st USING (account_id) LEFT JOIN cs USING (account_id)
            LEFT JOIN sh USING (account_id)
            ORDER BY v.component, v.strength DESC, v.account_id""").to_arrow_table()
    finally:
        for name in ("net_v", "net_e") + (("net_core",) if color is not None else ()):
            con.unregister(name)


def components_table(con, net: Network, edges: pa.Table, pairs: str) -> pa.Table:
    """One row per component: accounts, edges, weight, distinct objects and pairs on its edges, and
    the first and last share time (Unix seconds) of those pairs."""
    con.register("net_v", net.vertex_table().select(["account_id", "component"]))
    con.register("net_e", edges.select(["account_id", "account_id_y", "weight"]))
    try:
        return con.sql(f"""
            WITH e AS (SELECT e.*, v.component FROM net_e e JOIN net_v v USING (account_id)),
            p AS (SELECT e.component, p.object_id, p.timestamp_share, p.timestamp_share_y
                  FROM {pairs} p JOIN e ON least(p.account_id, p.account_id_y) = e.account_id
                                     AND greatest(p.account_id, p.account_id_y) = e.account_id_y),
            pc AS (SELECT component, count(DISTINCT object_id) AS objects, count(*) AS pairs,
                          min(timestamp_share) AS first_share, max(timestamp_share_y) AS last_share
                   FROM p GROUP BY component),
            ec AS (SELECT component, count(*) AS edges, sum(weight)::BIGINT AS weight FROM e GROUP BY component),
            vc AS (SELECT component, count(*) AS accounts FROM net_v GROUP BY component)
            SELECT vc.component, vc.accounts, coalesce(ec.edges, 0) AS edges, coalesce(ec.weight, 0) AS weight,
                   coalesce(pc.objects, 0) AS objects, coalesce(pc.pairs, 0) AS pairs, pc.first_share, pc.last_share
            FROM vc LEFT JOIN ec USING (component) LEFT JOIN pc USING (component)
            ORDER BY vc.component""").to_arrow_table()
    finally:
        con.unregister("net_v")
        con.unregister("net_e")


# --- files for Gephi ---------------------------------------------------------------------------

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
MAX_OBJECT_IDS = 100  # object ids listed on one edge in a file; the count is always exact
NODE_ATTRIBUTES = ("actor", "category", "platform", "label")


def _xml_value(value: Any) -> Any:
    if isinstance(value, str):
        return _XML_ILLEGAL.sub("\ufffd", value)
    if isinstance(value, (list, tuple)):
        return _XML_ILLEGAL.sub("\ufffd", ",".join(map(str, value[:MAX_OBJECT_IDS])))
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value


def node_attribute_rows(node_attributes: pa.Table | None) -> dict[str, dict[str, Any]]:
    """account_id -> the caller's attributes (actor, category, platform, label, …; any scalar column)."""
    if node_attributes is None:
        return {}
    if "account_id" not in node_attributes.column_names:
        from shailoo.errors import UsageError

        raise UsageError("The node attribute table needs an account_id column.")
    rows = {}
    names = [c for c in node_attributes.column_names if c != "account_id"]
    for row in node_attributes.select(["account_id"] + names).to_pylist():
        rows[str(row.pop("account_id"))] = row
    return rows


def to_networkx(result: Coordination, node_attributes: pa.Table | None = None):
    """The network as a networkx Graph: nodes with the accounts table's columns (shares,
    coordinated_shares, degree, strength, component, community, …) and the caller's attributes
    (actor, category, platform); edges with weight, symmetry, mean time delta and objects."""
    import networkx as nx

    extra = node_attribute_rows(node_attributes)
    graph = nx.Graph(method=result.method)
    for row in result.accounts.to_pylist():
        node = row.pop("account_id")
        attrs = {k: _xml_value(v) for k, v in row.items() if v is not None}
        attrs.update({k: _xml_value(v) for k, v in extra.get(node, {}).items() if v is not None})
        attrs.setdefault("label", attrs.get("actor") or node)
        graph.add_node(_xml_value(node), **attrs)
    rename = {"edge_symmetry_score": "symmetry", "avg_time_delta": "mean_time_delta"}
    for row in result.edges.to_pylist():
        a, b = row.pop("account_id"), row.pop("account_id_y")
        attrs = {rename.get(k, k): _xml_value(v) for k, v in row.items() if v is not None}
        graph.add_edge(_xml_value(a), _xml_value(b), **attrs)
    return graph


def write_gexf(result: Coordination, path: Path | str, node_attributes: pa.Table | None = None) -> Path:
    """The network as GEXF 1.2 (Gephi), written atomically."""
    import networkx as nx

    from shailoo.outputs import atomic_output

    graph = to_networkx(result, node_attributes)
    with atomic_output(path, "wb") as fh:
        nx.write_gexf(graph, fh)
    return Path(path)


def write_graphml(result: Coordination, path: Path | str, node_attributes: pa.Table | None = None) -> Path:
    """The network as GraphML (Gephi, yEd, igraph), written atomically."""
    import networkx as nx

    from shailoo.outputs import atomic_output

    graph = to_networkx(result, node_attributes)
    with atomic_output(path, "wb") as fh:
        nx.write_graphml(graph, fh)
    return Path(path)


# --- a static picture --------------------------------------------------------------------------

PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac")


def network_svg(result: Coordination, node_attributes: pa.Table | None = None, max_nodes: int = 300,
                width: int = 800, height: int = 600, labels: int = 8, seed: int = 13,
                title: str | None = None) -> str:
    """A static SVG of the largest components (at most `max_nodes` accounts, the strongest first):
    a seeded force layout (networkx spring_layout), node area by strength, colour by community
    (grey past the palette), labels on the `labels` strongest accounts. Every text is escaped; the
    picture needs no script and no network. An empty network draws a note instead."""
    import networkx as nx

    extra = node_attribute_rows(node_attributes)
    acc = result.accounts.select([c for c in ("account_id", "strength", "component", "community", "shares")
                                  if c in result.accounts.column_names]).to_pylist()
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" role="img" font-family="sans-serif" font-size="11">')
    caption = f"<title>{html.escape(title)}</title>" if title else ""
    if not acc:
        return (f'{head}{caption}<text x="{width // 2}" y="{height // 2}" text-anchor="middle">'
                'No coordinated accounts</text></svg>')
    acc.sort(key=lambda r: (r.get("component") or 0, -(r.get("strength") or 0), r["account_id"]))
    chosen = {r["account_id"]: r for r in acc[:max_nodes]}
    graph = nx.Graph()
    graph.add_nodes_from(sorted(chosen))
    for a, b, w in zip(*(result.edges[c].to_pylist() for c in ("account_id", "account_id_y", "weight"))):
        if a in chosen and b in chosen and a != b:
            graph.add_edge(a, b, weight=w)
    graph.remove_nodes_from([n for n in list(graph.nodes) if graph.degree(n) == 0 and len(chosen) < len(acc)])
    chosen = {n: chosen[n] for n in graph.nodes}
    pos = nx.spring_layout(graph, seed=seed, weight="weight", iterations=60)
    xy = np.array([pos[n] for n in graph.nodes]) if len(graph) else np.zeros((0, 2))
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1)
    margin = 30
    scaled = {n: (margin + (p[0] - lo[0]) / span[0] * (width - 2 * margin),
                  margin + (p[1] - lo[1]) / span[1] * (height - 2 * margin)) for n, p in zip(graph.nodes, xy)}
    max_w = max((d["weight"] for _, _, d in graph.edges(data=True)), default=1)
    parts = [head, caption, '<g stroke="#999" stroke-linecap="round">']
    for a, b, d in graph.edges(data=True):
        (x1, y1), (x2, y2) = scaled[a], scaled[b]
        parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                     f'stroke-width="{0.5 + 2.5 * d["weight"] / max_w:.2f}" stroke-opacity="0.5"/>')
    parts.append("</g><g stroke=\"#fff\" stroke-width=\"0.8\">")
    max_s = max((r.get("strength") or 0 for r in chosen.values()), default=1) or 1
    strongest = sorted(chosen.values(), key=lambda r: (-(r.get("strength") or 0), r["account_id"]))[:labels]
    for n in graph.nodes:
        r = chosen[n]
        x, y = scaled[n]
        radius = 2.5 + 5.5 * np.sqrt((r.get("strength") or 0) / max_s)
        community = r.get("community")
        colour = PALETTE[community - 1] if community and community <= len(PALETTE) else "#8c8c8c"
        name = _label(n, extra)
        tip = f"{name}: {r.get('shares') or 0} shares, strength {r.get('strength') or 0}"
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{colour}">'
                     f"<title>{html.escape(tip)}</title></circle>")
    parts.append("</g><g fill=\"#222\">")
    for r in strongest:
        x, y = scaled[r["account_id"]]
        anchor = ' text-anchor="end"' if x > width * 0.75 else ""
        parts.append(f'<text x="{x + (-6 if anchor else 6):.1f}" y="{y - 6:.1f}"{anchor}>{html.escape(_label(r["account_id"], extra)[:40])}</text>')
    parts.append("</g></svg>")
    return "".join(parts)


def _label(account: str, extra: dict[str, dict[str, Any]]) -> str:
    attrs = extra.get(account, {})
    text = attrs.get("label") or attrs.get("actor") or (account if len(account) <= 16 else account[:12] + "…")
    return _XML_ILLEGAL.sub("\ufffd", str(text))

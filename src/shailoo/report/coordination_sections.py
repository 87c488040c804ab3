"""The report's "Coordinated sharing and copypasta" section: the largest groups of accounts that shared
the same links within seconds of each other (with a static network picture) and the copypasta
campaigns, each said to be leads for review, with the parameters used. The section is left out
when neither finds anything; when only one does, the other says it found none with its parameters.
"""

from __future__ import annotations

import math
from html import escape

from markupsafe import Markup

from shailoo.report.blocks import Block
from shailoo.report.charts import PLATFORM_COLORS

GROUPS_SHOWN = 10
PICTURE_NODES = 60  # accounts drawn in the picture (those of the largest groups first)
GROUP_COLUMNS = ["group", "accounts", "account_labels", "platforms", "registered_actors", "objects", "top_objects",
                 "first_time", "last_time", "example_url"]
CAMPAIGN_COLUMNS = ["campaign", "first_time", "last_time", "accounts", "posts", "platforms", "text", "example_url"]


REPORT_NEAR_LIMIT = 200_000  # posts in the selection above which the report compares identical texts only


def coordination_section(ws, flt, tr, notes: dict | None = None) -> dict | None:
    try:
        from shailoo.analysis.coordination_groups import coordination_on_workspace
    except ImportError as exc:  # the engine is an optional part; any other failure is a bug to see
        if exc.name and exc.name.startswith("shailoo.analysis.coordination"):
            return None
        raise
    from shailoo.analysis.copypasta import copypasta

    from shailoo.analysis.near_duplicates import NearDuplicateParams

    wc = coordination_on_workspace(ws, "link", flt)
    # Near-duplicates (MinHash) cost ~10 s a million posts: over a large selection the report looks for
    # identical texts only and says so; `shailoo copypasta` finds the near-identical ones too.
    where, params = flt.where(ws)
    selected = ws.con.execute(f"SELECT count(*) FROM posts_v WHERE {where}", params).fetchall()[0][0]
    exact_only = selected > REPORT_NEAR_LIMIT
    cp = copypasta(ws, flt, near=NearDuplicateParams(min_words=10**9) if exact_only else None)
    if wc.groups.num_rows == 0 and cp.campaigns.num_rows == 0:
        return None
    p = wc.result.parameters
    paragraphs = [tr("coord.intro")]
    blocks: list[Block] = []
    if wc.groups.num_rows:
        groups = _local(tr, wc.groups, ("first_time", "last_time"))
        blocks.append(Block(tr("coord.blk.groups"), groups, _picture(wc, tr), name="coordinated-groups",
                            columns=GROUP_COLUMNS, limit=GROUPS_SHOWN, fold=5,
                            labels={c: tr(f"coord.col.{c}") for c in GROUP_COLUMNS},
                            note=tr("coord.note.groups", window=p.get("window"), participation=p.get("min_participation"),
                                    shares=wc.shares)))
    else:
        paragraphs.append(tr("coord.none", window=p.get("window"), participation=p.get("min_participation")))
    if cp.campaigns.num_rows:
        campaigns = _local(tr, cp.campaigns, ("first_time", "last_time"))
        blocks.append(Block(tr("coord.blk.copypasta"), campaigns, name="copypasta-campaigns",
                            columns=CAMPAIGN_COLUMNS, limit=GROUPS_SHOWN, fold=5,
                            labels={c: tr(f"coord.col.{c}") for c in CAMPAIGN_COLUMNS},
                            note=tr("coord.note.copypasta_exact" if exact_only else "coord.note.copypasta",
                                    accounts=cp.min_accounts, hours=cp.within // 3600, similarity=cp.near.threshold,
                                    words=cp.near.min_words, limit=REPORT_NEAR_LIMIT)))
    else:
        paragraphs.append(tr("coord.copypasta_none", accounts=cp.min_accounts, hours=cp.within // 3600))
    if exact_only:
        paragraphs.append(tr("coord.exact_only", limit=REPORT_NEAR_LIMIT))
    paragraphs.append(tr("coord.leads"))
    return {"id": "coordination", "title": tr("coord.sec"), "paragraphs": paragraphs, "blocks": blocks,
            "notes": (notes or {}).get("coordination")}


def _local(tr, table, columns):
    """UTC instants as times in the workspace's zone (the CSV too)."""
    import pyarrow as pa

    typ = pa.timestamp("us", tz=str(tr.tz))
    for name in columns:
        if name in table.column_names:
            table = table.set_column(table.column_names.index(name), name, table[name].cast(typ))
    return table


def _picture(wc, tr) -> Markup | None:
    """The engine's network picture when it offers one, else a plain circle layout of our own."""
    try:
        from shailoo.analysis.coordination import network_svg

        svg = network_svg(wc.result, wc.attributes)
        if svg:
            from shailoo.report.charts import clean_svg

            return Markup(clean_svg(str(svg)))
    except (ImportError, AttributeError, NotImplementedError):
        pass
    return network_picture(wc.result.accounts.to_pylist(), wc.result.edges.to_pylist(),
                           {r["account_id"]: r for r in wc.attributes.to_pylist()}, tr("coord.picture"))


def network_picture(accounts: list[dict], edges: list[dict], attrs: dict, title: str, size: int = 560) -> Markup:
    """A static SVG: each group's accounts on its own circle, coloured by platform, edges as lines whose
    width follows their weight; every label is escaped text."""
    accounts = sorted(accounts, key=lambda a: (a.get("component") or 0, -(a.get("strength") or 0),
                                               a["account_id"]))[:PICTURE_NODES]
    groups: dict = {}
    for a in accounts:
        groups.setdefault(a.get("component"), []).append(a)
    pos: dict[str, tuple[float, float]] = {}
    cols = max(1, math.ceil(math.sqrt(len(groups))))
    cell = size / cols
    for g, (_, members) in enumerate(groups.items()):
        cx, cy = (g % cols + 0.5) * cell, (g // cols + 0.5) * cell
        r = cell * 0.3 if len(members) > 1 else 0
        for i, a in enumerate(members):
            angle = 2 * math.pi * i / len(members)
            pos[a["account_id"]] = (cx + r * math.cos(angle), cy + r * math.sin(angle))
    height = cell * math.ceil(len(groups) / cols)
    out = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" width="{size}" '
           f'height="{height:.0f}" viewBox="0 0 {size} {height:.0f}"><title>{escape(title)}</title>']
    top = max([e.get("weight") or 1 for e in edges] or [1])
    for e in edges:
        a, b = pos.get(e["account_id"]), pos.get(e["account_id_y"])
        if a and b:
            w = 0.5 + 3.5 * (e.get("weight") or 1) / top
            out.append(f'<line x1="{a[0]:.1f}" y1="{a[1]:.1f}" x2="{b[0]:.1f}" y2="{b[1]:.1f}" stroke="#999" '
                       f'stroke-opacity="0.6" stroke-width="{w:.1f}"/>')
    for acc in accounts:
        x, y = pos[acc["account_id"]]
        info = attrs.get(acc["account_id"], {})
        color = PLATFORM_COLORS.get(info.get("platform") or "", "#777")
        label = escape(str(info.get("label") or acc["account_id"])[:28])
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{color}"><title>{label}</title></circle>'
                   f'<text x="{x:.1f}" y="{y - 9:.1f}" font-size="10" text-anchor="middle" '
                   f'font-family="sans-serif">{label}</text>')
    out.append("</svg>")
    from shailoo.report.charts import clean_svg

    return Markup(clean_svg("".join(out)))

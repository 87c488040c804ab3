"""The report's data sections, in the order of the reference monitoring report (seeds/002):
an overview, then per platform the posts and interactions of every category's actors (small
multiples: one panel per category) and the weekly activity; the top posts; comparisons and
rankings; popularity beside election results."""

from __future__ import annotations

from dataclasses import replace

import pyarrow as pa
import pyarrow.compute as pc

from shailoo.analysis import metrics, metrics_compare, metrics_rank
from shailoo.analysis.filters import PostFilter
from shailoo.platforms import CATEGORIES, INTERACTION_PARTS
from shailoo.report import charts
from shailoo.report.blocks import Block

PART_NAMES = {"facebook": {"reactions": "reactions"}, "instagram": {"reactions": "likes"},
              "youtube": {"reactions": "likes"}, "vk": {"reactions": "likes", "shares": "reposts"},
              "telegram": {"shares": "forwards", "comments": "replies"}}
ORDER = {c: i for i, c in enumerate((*CATEGORIES, "unregistered"))}


def _where(table: pa.Table, **equal) -> pa.Table:
    mask = None
    for col, value in equal.items():
        m = pc.equal(table[col], value)
        mask = m if mask is None else pc.and_(mask, m)
    return table.filter(mask) if mask is not None else table


def _known(rows: pa.Table, column: str = "interactions", unknown: str = "interactions_unknown"):
    """Rows whose `column` is known for every post (drawn), and the labels of the others (named)."""
    keep = pc.fill_null(pc.and_(pc.is_valid(rows[column]), pc.equal(rows[unknown], 0)), False)
    left = rows.filter(pc.invert(keep))
    return rows.filter(keep), [str(v) for v in left["actor"].to_pylist()]


def left_out_note(tr, names: list[str]) -> str | None:
    if not names:
        return None
    shown = ", ".join(names[:8]) + (" " + tr("note.and_more", n=len(names) - 8) if len(names) > 8 else "")
    return tr("note.left_out", names=shown)


def _sorted(table: pa.Table) -> pa.Table:
    """Rows in the reference report's category order, most posts first."""
    if table.num_rows == 0:
        return table
    order = pa.array([ORDER.get(c, 99) for c in table["category"].to_pylist()], pa.int32())
    t = table.append_column("_o", order)
    return t.sort_by([("_o", "ascending"), ("posts", "descending"), ("actor", "ascending")]).drop(["_o"])


def platform_sections(ws, flt: PostFilter, tr, notes: dict) -> list[dict]:
    """One section per platform with posts (most posts first)."""
    per_actor = metrics.activity(ws, flt, "actor,platform")
    pair = metrics_compare.default_periods(ws)
    second = None
    if pair and not flt.period:
        second = metrics.activity(ws, replace(flt, period=pair[1], start=None, end=None), "actor,platform")
    weekly = metrics.activity(ws, flt, "platform,category,week")
    platforms = list(dict.fromkeys(weekly["platform"].to_pylist())) if weekly.num_rows else []
    platforms.sort(key=lambda p: -pc.sum(_where(weekly, platform=p)["posts"]).as_py())
    sections = []
    for platform in platforms:
        name = tr.platform(platform)
        rows = _sorted(_where(per_actor, platform=platform).filter(pc.field("has_account")))
        blocks = [_posts_block(platform, name, rows, second, pair, tr),
                  _interactions_block(platform, name, rows, tr),
                  _weekly_block(platform, name, _where(weekly, platform=platform), tr)]
        sections.append({"id": f"platform-{platform}", "title": name, "notes": notes.get(platform),
                         "blocks": [b for b in blocks if b is not None]})
    return sections


def _posts_block(platform, name, rows: pa.Table, second, pair, tr) -> Block | None:
    if rows.num_rows == 0:
        return None
    table = rows.select(["category", "actor", "posts", "posts_share_pct"])
    whole, camp = tr("series.whole_period"), None
    data = [{"actor": r["actor"], "group": tr.category(r["category"], plural=True), "series": whole,
             "value": r["posts"]} for r in table.to_pylist()]
    if second is not None:
        r2 = _where(second, platform=platform)
        lookup = {r["actor"]: r["posts"] for r in r2.select(["actor", "posts"]).to_pylist()}
        table = table.append_column("posts_campaign", pa.array([lookup.get(a, 0) for a in table["actor"].to_pylist()],
                                                                pa.int64()))
        table = table.select(["category", "actor", "posts", "posts_campaign", "posts_share_pct"])
        camp = tr("series.period", period=pair[1])
        data += [{"actor": r["actor"], "group": tr.category(r["category"], plural=True), "series": camp,
                  "value": r["posts_campaign"]} for r in table.to_pylist()]
    base = charts.PLATFORM_COLORS.get(platform, charts.SERIES[0])
    series = [whole] + ([camp] if camp else [])
    color = {"domain": series, "range": [base, _lighter(base)][: len(series)]}
    title = tr("blk.posts", platform=name)
    chart = charts.bars(data, "actor", "value", title, tr("col.posts"), tr, color=color, color_field="series",
                        facet="group", offset="series" if camp else None)
    return Block(title, table, chart, name=f"{platform}-posts", note=tr("note.posts_share"),
                 sheet=f"{name} – {tr('sheet.posts')}")


def _lighter(color: str) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{int(v + (255 - v) * 0.55):02x}" for v in (r, g, b))


def _interactions_block(platform, name, rows: pa.Table, tr) -> Block | None:
    if rows.num_rows == 0:
        return None
    names = PART_NAMES.get(platform, {})
    parts = INTERACTION_PARTS.get(platform, ("reactions", "comments", "shares"))
    table = rows.select(["category", "actor", "posts", "interactions", *parts, "views", "interaction_rate_pct",
                         "interactions_unknown", "views_unknown", "interactions_share_pct", "avg_interactions"])
    table = table.rename_columns([names.get(c, c) for c in table.column_names])
    shown = ["category", "actor", "interactions", *[names.get(p, p) for p in parts], "views", "interaction_rate_pct",
             "interactions_unknown"]
    drawn, left = _known(rows)
    data = [{"actor": r["actor"], "group": tr.category(r["category"], plural=True),
             "part": tr.column(names.get(p, p)), "value": r[p]} for r in drawn.to_pylist() for p in parts]
    labels = [tr.column(names.get(p, p)) for p in parts]
    color = {"domain": labels, "range": [charts.PART_COLORS.get(names.get(p, p), charts.SERIES[i])
                                         for i, p in enumerate(parts)]}
    title = tr("blk.interactions", platform=name)
    chart = charts.bars(data, "actor", "value", title, tr("col.interactions"), tr, color=color,
                        color_field="part", facet="group", stack=True)
    return Block(title, table, chart, name=f"{platform}-interactions", columns=shown,
                 sheet=f"{name} – {tr('sheet.interactions')}",
                 note=" ".join(n for n in (left_out_note(tr, left), tr("note.rate")) if n))


def _weekly_block(platform, name, wk: pa.Table, tr) -> Block | None:
    if wk.num_rows == 0:
        return None
    cats = [c for c in (*CATEGORIES, "unregistered") if c in set(wk["category"].to_pylist())]
    weeks = sorted(set(wk["week"].to_pylist()))
    lookup = {(r["category"], r["week"]): r["posts"] for r in wk.select(["category", "week", "posts"]).to_pylist()}
    # One row per week, one column per category: 8 rows instead of 8 × 7.
    cols = {"week": pa.array(weeks, pa.date32())}
    for c in cats:
        cols[c] = pa.array([lookup.get((c, w), 0) for w in weeks], pa.int64())
    cols["total"] = pa.array([sum(lookup.get((c, w), 0) for c in cats) for w in weeks], pa.int64())
    table = pa.table(cols)
    data = [{"week": w.isoformat(), "category": tr.category(c, plural=True), "posts": lookup.get((c, w), 0)}
            for c in cats for w in weeks]
    color = charts.color_scale(cats, charts.CATEGORY_COLORS, {c: tr.category(c, plural=True) for c in cats})
    title = tr("blk.weekly", platform=name)
    chart = charts.lines(data, "week", "posts", "category", title, tr("col.posts"), tr, color=color)
    return Block(title, table, chart, name=f"{platform}-weekly", note=tr("note.weeks"),
                 sheet=f"{name} – {tr('sheet.weekly')}")


def top_posts_section(ws, flt: PostFilter, tr, n: int, notes: dict) -> dict | None:
    top = metrics_rank.top_posts(ws, flt, n=n, per=("category", "platform"))
    if top.num_rows == 0:
        return None
    # The post type is the platform's media type (photo, video, link, status …).
    ids = top.select(["platform", "platform_post_id"])
    ws.con.register("_top_ids", ids)
    try:
        types = ws.con.execute("""SELECT t.platform, t.platform_post_id, p.media_type FROM _top_ids t
            JOIN posts p USING (platform, platform_post_id)""").fetchall()
    finally:
        ws.con.unregister("_top_ids")
    kind = {(p, i): m for p, i, m in types}
    top = top.append_column("media_type", pa.array([kind.get((p, i)) for p, i in zip(
        top["platform"].to_pylist(), top["platform_post_id"].to_pylist())], pa.string()))
    unranked = {r["platform"]: r["interactions_unknown"] for r in metrics.unknown_counts(ws, flt).to_pylist()}
    blocks = []
    platforms = list(dict.fromkeys(top["platform"].to_pylist()))
    for platform in platforms:
        tp = _where(top, platform=platform)
        tp = tp.take(pc.sort_indices(pa.table({"o": [ORDER.get(c, 99) for c in tp["category"].to_pylist()],
                                               "r": tp["rank"]}), [("o", "ascending"), ("r", "ascending")]))
        left = unranked.get(platform, 0)
        note = tr("note.top_posts") + (" " + tr("note.unranked", n=left) if left else "")
        blocks.append(Block(tr("blk.top_posts", platform=tr.platform(platform), n=n), tp, note=note,
                            columns=["category", "rank", "day", "actor", "media_type", "excerpt", "interactions",
                                     "views", "url"], name=f"{platform}-top-posts", fold=2 * n,
                            sheet=f"{tr.platform(platform)} – {tr('sheet.top_posts')}"))
    return {"id": "top-posts", "title": tr("sec.top_posts"), "notes": notes.get("top_posts"), "blocks": blocks}


def comparison_section(ws, flt: PostFilter, tr, notes: dict) -> dict | None:
    blocks: list[Block] = []
    pair = metrics_compare.default_periods(ws)
    if pair and not flt.period:
        t = metrics_compare.period_comparison(ws, flt, "platform,category", periods=pair)
        blocks.append(Block(tr("blk.period_comparison", a=pair[0], b=pair[1]), t,
                            columns=["platform", "category", "posts_a", "posts_b", "posts_b_pct", "interactions_a",
                                     "interactions_b", "interactions_b_pct"],
                            note=tr("note.period_comparison", a=pair[0], b=pair[1]), name="period-comparison"))
    lw = metrics_compare.last_week(ws, flt, "platform,category")
    if lw.num_rows:
        blocks.append(Block(tr("blk.last_week", span=tr.span(lw["from_day"][0].as_py(), lw["to_day"][0].as_py())), lw,
                            columns=["platform", "category", "posts", "interactions", "interactions_unknown"],
                            name="last-week"))
    have = {r[0] for r in ws.con.execute("SELECT DISTINCT platform FROM posts").fetchall()}
    if flt.platforms:
        have &= set(flt.platforms)
    if {"instagram", "facebook"} <= have:
        pct = metrics_compare.platform_comparison(ws, flt, "actor", ("instagram", "facebook"))
        if pct.num_rows:
            ig, fb = tr.platform("instagram"), tr.platform("facebook")
            data = [{"actor": r["actor"], "platform": name, "value": r[col]} for r in pct.to_pylist()
                    for name, col in ((ig, "interactions_a"), (fb, "interactions_b"))]
            color = {"domain": [ig, fb], "range": [charts.PLATFORM_COLORS["instagram"], charts.PLATFORM_COLORS["facebook"]]}
            title = tr("blk.platform_comparison")
            blocks.append(Block(title, pct, charts.bars(data, "actor", "value", title, tr("col.interactions"), tr,
                                                         color=color, color_field="platform", offset="platform"),
                                columns=["actor", "category", "posts_a", "posts_b", "interactions_a", "interactions_b",
                                         "interactions_unknown_a", "interactions_unknown_b", "interactions_ratio"],
                                note=tr("note.platform_comparison"), name="platform-comparison",
                                # the two sides are platforms here, not periods
                                labels={f"{c}_{side}": f"{tr.column(c)}, {name}"
                                        for c in ("posts", "interactions", "interactions_unknown")
                                        for side, name in (("a", ig), ("b", fb))}))
    rk = metrics_rank.rankings(ws, flt, n=3)
    if rk.num_rows:
        blocks.append(Block(tr("blk.rankings"), rk, name="rankings",
                            columns=["platform", "category", "ranking", "rank", "actor", "posts", "interactions"]))
    return {"id": "comparisons", "title": tr("sec.comparisons"), "notes": notes.get("comparisons"),
            "blocks": blocks} if blocks else None


def results_section(ws, flt: PostFilter, tr, notes: dict) -> dict | None:
    """Popularity beside the results of each election loaded (one pair of blocks per election)."""
    from shailoo.analysis.results import (
        elections,
        popularity_correlations,
        popularity_vs_results,
    )

    blocks = []
    names = elections(ws)
    for election in names:
        t = popularity_vs_results(ws, flt, election=election)
        corr = popularity_correlations(t)
        series = [("votes", "vote_share_pct"), ("followers", "followers_share_pct"), ("posts", "posts_share_pct"),
                  ("interactions", "interactions_share_pct")]
        labels = {k: tr(f"series.{k}") for k, _ in series}
        data = [{"candidate": r["actor"] or r["candidate"], "measure": labels[k], "value": r[col]}
                for r in t.to_pylist() for k, col in series]
        color = charts.color_scale([k for k, _ in series], charts.PART_COLORS, labels)
        of = f" ({election})" if election and len(names) > 1 else ""
        title = tr("blk.results", of=of)
        chart = charts.bars(data, "candidate", "value", title, tr("col.share_pct"), tr, color=color,
                            color_field="measure", offset="measure", integer=False, sort=False)
        corr = corr.append_column("measure_name", pa.array([labels.get(m, m) for m in corr["measure"].to_pylist()]))
        blocks += [Block(title, t, chart, name=f"popularity-results-{election}" if of else "popularity-results",
                         columns=["candidate", "actor", "vote_share_pct", "followers_share_pct", "posts_share_pct",
                                  "interactions_share_pct"],
                         note=tr("note.results")),
                   Block(tr("blk.correlation", of=of), corr,
                         name=f"popularity-correlation-{election}" if of else "popularity-correlation",
                         columns=["measure_name", "spearman_rho", "p_value", "candidates"], note=tr("note.spearman"))]
    return {"id": "results", "title": tr("sec.results"), "notes": notes.get("results"),
            "blocks": blocks} if blocks else None

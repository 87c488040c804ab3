"""The report's sections, shaped like the monitoring reports teams publish (seeds/002): per
platform and category, posts per actor over the whole period and the campaign, interactions
with their types, weekly activity and top posts; then comparisons and results."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from shailoo.analysis import metrics, metrics_compare, metrics_rank
from shailoo.analysis.filters import PostFilter, periods_span
from shailoo.platforms import CATEGORIES, INTERACTION_PARTS
from shailoo.report import charts
from shailoo.report.blocks import Block

CATEGORY_TITLES = {"candidate": "Candidates", "politician": "Politicians", "party": "Parties",
                   "authority": "Authorities", "media": "Media", "influencer": "Influencers",
                   "public_group": "Public groups", "other": "Other actors", "unregistered": "Unregistered accounts"}
PLATFORM_TITLES = {"facebook": "Facebook", "instagram": "Instagram", "telegram": "Telegram", "vk": "VKontakte",
                   "ok": "Odnoklassniki", "youtube": "YouTube", "x": "X", "tiktok": "TikTok"}
PART_NAMES = {"facebook": {"reactions": "reactions"}, "instagram": {"reactions": "likes"},
              "youtube": {"reactions": "likes"}, "vk": {"reactions": "likes", "shares": "reposts"},
              "telegram": {"shares": "forwards", "comments": "replies"}}


def _where(table: pa.Table, **equal) -> pa.Table:
    mask = None
    for col, value in equal.items():
        m = pc.equal(table[col], value)
        mask = m if mask is None else pc.and_(mask, m)
    return table.filter(mask) if mask is not None else table


def report_scope(ws, period: str | None) -> PostFilter:
    """The posts a report covers: the chosen period, else the monitoring period (first period's
    start to last period's end), else everything."""
    if period:
        return PostFilter(period=period)
    span = periods_span(ws)
    return PostFilter(start=span[0], end=span[1]) if span else PostFilter()


def _span(ws, flt: PostFilter) -> str:
    if flt.period:
        start, end = metrics_compare.period_bounds(ws, flt.period)
    elif flt.start:
        start, end = flt.start, flt.end
    else:
        start, end = ws.con.execute("SELECT min(day), max(day) FROM posts_v").fetchall()[0]
    return f"{start:%d.%m.%Y} – {end:%d.%m.%Y}" if start else "no posts"


def platform_sections(ws, period: str | None, number: list[int]) -> list[dict]:
    """One section per platform with posts: a block per category and measure."""
    flt = report_scope(ws, period)
    per_actor = metrics.activity(ws, flt, "actor,platform")
    pair = metrics_compare.default_periods(ws)
    second = None
    if pair and not period:
        second = metrics.activity(ws, PostFilter(period=pair[1]), "actor,platform")
    weekly = metrics.activity(ws, flt, "platform,category,week")
    top = metrics_rank.top_posts(ws, flt, n=5, per=("category", "platform"))
    platforms = [p for p in pc.unique(weekly["platform"]).to_pylist()] if weekly.num_rows else []
    platforms.sort(key=lambda p: -pc.sum(_where(weekly, platform=p)["posts"]).as_py())
    whole = _span(ws, flt)
    second_span = _span(ws, PostFilter(period=pair[1])) if second is not None else ""
    sections = []
    for platform in platforms:
        title = PLATFORM_TITLES.get(platform, platform)
        names = PART_NAMES.get(platform, {})
        parts = INTERACTION_PARTS.get(platform, ("reactions", "comments", "shares"))
        blocks: list[Block] = []

        def chart_no() -> str:
            number[0] += 1
            return f"Chart {number[0]}"

        for category in CATEGORIES:
            rows = _where(per_actor, platform=platform, category=category)
            if rows.num_rows == 0:
                continue
            cat = CATEGORY_TITLES[category]
            labels = rows["actor"].to_pylist()
            table = rows.select(["actor", "posts", "posts_share_pct", "avg_interactions"])
            blocks.append(Block(f"{chart_no()}: Number of posts ({whole}) | {cat}", table,
                                charts.bars(labels, rows["posts"].to_pylist(), f"{title} posts, {cat}",
                                            charts.PLATFORM_COLORS.get(platform, "#4e79a7"), "posts"),
                                name=f"{platform}-{category}-posts"))
            if second is not None:
                r2 = _where(second, platform=platform, category=category)
                if r2.num_rows:
                    blocks.append(Block(
                        f"{chart_no()}: Number of posts ({pair[1]}: {second_span}) | {cat}",
                        r2.select(["actor", "posts", "posts_share_pct"]),
                        charts.bars(r2["actor"].to_pylist(), r2["posts"].to_pylist(), f"{title} posts in {pair[1]}, {cat}",
                                    charts.PLATFORM_COLORS.get(platform, "#4e79a7"), "posts"),
                        name=f"{platform}-{category}-posts-{pair[1]}"))
            inter = rows.select(["actor", "interactions", *parts, "views", "interactions_share_pct",
                                 "interaction_rate_pct"])
            inter = inter.rename_columns([names.get(c, c) for c in inter.column_names])
            blocks.append(Block(
                f"{chart_no()}: Number of interactions and their types | {cat}", inter,
                charts.stacked_bars(labels, {names.get(p, p): rows[p].to_pylist() for p in parts},
                                    f"{title} interactions by type, {cat}",
                                    {names.get(p, p): charts.PART_COLORS[p] for p in parts}),
                name=f"{platform}-{category}-interactions"))
        wk = _where(weekly, platform=platform)
        if wk.num_rows:
            weeks = sorted(set(wk["week"].to_pylist()))
            cats = [c for c in (*CATEGORIES, "unregistered") if c in set(wk["category"].to_pylist())]
            lookup = {(r["category"], r["week"]): r["posts"] for r in wk.select(["category", "week", "posts"]).to_pylist()}
            series = {CATEGORY_TITLES[c]: [lookup.get((c, w), 0) for w in weeks] for c in cats}
            blocks.append(Block(f"{chart_no()}: Weekly activity (posts per week and category)",
                                wk.select(["week", "category", "posts", "interactions", "views"]),
                                charts.weekly_lines(weeks, series, f"{title} posts per week"),
                                name=f"{platform}-weekly"))
        tp = _where(top, platform=platform)
        if tp.num_rows:
            blocks.append(Block("Top posts per category (by interactions)", tp,
                                note="Counts from each post's chosen snapshot; excerpts in the original language.",
                                columns=["category", "rank", "day", "actor", "excerpt", "interactions", *parts, "views", "url"],
                                name=f"{platform}-top-posts"))
        sections.append({"id": f"platform-{platform}", "title": title, "blocks": blocks})
    return sections


def comparison_section(ws, period: str | None) -> dict | None:
    flt = report_scope(ws, period)
    blocks: list[Block] = []
    pair = metrics_compare.default_periods(ws)
    if pair and not period:
        t = metrics_compare.period_comparison(ws, flt, "platform,category", periods=pair)
        blocks.append(Block(f"Period comparison: {pair[0]} vs {pair[1]}", t,
                            note=f"posts_b_pct: share of the posts of both periods published in {pair[1]}.",
                            name="period-comparison"))
    lw = metrics_compare.last_week(ws, flt, "platform,category")
    if lw.num_rows:
        blocks.append(Block(f"Activity in the last week ({lw['from_day'][0]} – {lw['to_day'][0]})", lw,
                            name="last-week"))
    have = {r[0] for r in ws.con.execute("SELECT DISTINCT platform FROM posts").fetchall()}
    if {"instagram", "facebook"} <= have:
        pc_t = metrics_compare.platform_comparison(ws, flt, "actor", ("instagram", "facebook"))
        if pc_t.num_rows:
            blocks.append(Block("Platform comparison: Instagram ÷ Facebook interactions (same actors)", pc_t,
                                charts.grouped_bars(pc_t["actor"].to_pylist(),
                                                    {"instagram": pc_t["interactions_a"].to_pylist(),
                                                     "facebook": pc_t["interactions_b"].to_pylist()},
                                                    "Interactions per platform", suffix=""),
                                name="platform-comparison"))
    rk = metrics_rank.rankings(ws, flt, n=3)
    if rk.num_rows:
        blocks.append(Block("Rankings: most active and most engaging actors", rk, name="rankings"))
    return {"id": "comparisons", "title": "Comparisons and rankings", "blocks": blocks} if blocks else None


def results_section(ws, period: str | None) -> dict | None:
    from shailoo.analysis.results import popularity_correlations, popularity_vs_results

    if not ws.con.execute("SELECT count(*) FROM election_results").fetchall()[0][0]:
        return None
    t = popularity_vs_results(ws, report_scope(ws, period))
    corr = popularity_correlations(t)
    labels = [a or c for a, c in zip(t["actor"].to_pylist(), t["candidate"].to_pylist())]
    chart = charts.grouped_bars(labels, {"votes": t["vote_share_pct"].to_pylist(),
                                         "followers": t["followers_share_pct"].to_pylist(),
                                         "posts": t["posts_share_pct"].to_pylist(),
                                         "interactions": t["interactions_share_pct"].to_pylist()},
                                "Shares of followers, posts and interactions beside vote shares")
    return {"id": "results", "title": "Popularity beside election results", "blocks": [
        Block("Followers, posts and interactions shares beside vote shares", t, chart, name="popularity-results"),
        Block("Rank correlation (Spearman) with the vote share", corr, name="popularity-correlation",
              note="ρ = 1: same order as the votes; 0: unrelated; computed over candidates with both values.")]}

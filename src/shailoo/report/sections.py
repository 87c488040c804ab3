"""The report's sections, shaped like the monitoring reports teams publish (seeds/002): per
platform and category, posts per actor over the whole period and the campaign, interactions
with their types, weekly activity and top posts; then comparisons and results."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from shailoo.analysis import metrics, metrics_compare, metrics_rank
from dataclasses import replace

from shailoo.analysis.filters import PostFilter, scoped
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
    """The posts a report covers by default: the chosen period, else the monitoring period (first
    period's start to last period's end), else everything (analysis.filters.scoped, as the CLI)."""
    return scoped(ws, PostFilter(period=period))[0]


def _known(rows: pa.Table, column: str = "interactions") -> tuple[pa.Table, list[str]]:
    """Rows whose figure is known for every post (drawable), and the labels left out of a chart."""
    unknown = f"{column}_unknown"
    if unknown not in rows.column_names:
        keep = pc.is_valid(rows[column])
    else:
        keep = pc.and_(pc.is_valid(rows[column]), pc.equal(rows[unknown], 0))
    keep = pc.fill_null(keep, False)
    left = rows.filter(pc.invert(keep))
    label = "actor" if "actor" in rows.column_names else rows.column_names[0]
    return rows.filter(keep), [str(v) for v in left[label].to_pylist()]


def left_out_note(names: list[str], what: str = "interactions") -> str | None:
    if not names:
        return None
    shown = ", ".join(names[:8]) + (f" and {len(names) - 8:,} more" if len(names) > 8 else "")
    return (f"Not drawn (their {what} are unknown for some or all posts, so no bar would be true; “—” in the "
            f"table): {shown}.")


def _span(ws, flt: PostFilter) -> str:
    if flt.period:
        start, end = metrics_compare.period_bounds(ws, flt.period)
    elif flt.start:
        start, end = flt.start, flt.end
    else:
        start, end = ws.con.execute("SELECT min(day), max(day) FROM posts_v").fetchall()[0]
    return f"{start:%d.%m.%Y} – {end:%d.%m.%Y}" if start else "no posts"


def platform_sections(ws, flt: PostFilter, number: list[int]) -> list[dict]:
    """One section per platform with posts: a block per category and measure."""
    period = flt.period
    per_actor = metrics.activity(ws, flt, "actor,platform")
    pair = metrics_compare.default_periods(ws)
    second = None
    if pair and not period:
        second = metrics.activity(ws, replace(flt, period=pair[1], start=None, end=None), "actor,platform")
    weekly = metrics.activity(ws, flt, "platform,category,week")
    top = metrics_rank.top_posts(ws, flt, n=5, per=("category", "platform"))
    unranked = metrics.unknown_counts(ws, flt)
    unranked = {r["platform"]: r["interactions_unknown"] for r in unranked.to_pylist()}
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
            table = rows.select(["actor", "posts", "posts_share_pct", "avg_interactions", "interactions_unknown"])
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
            inter = rows.select(["actor", "posts", "interactions", "interactions_unknown", *parts, "views",
                                 "views_unknown", "interactions_share_pct", "interaction_rate_pct"])
            inter = inter.rename_columns([names.get(c, c) for c in inter.column_names])
            # Only actors whose interactions are known for every post are drawn: their parts then
            # add up to their interactions; the others are named under the chart.
            drawn, left = _known(rows)
            chart = charts.stacked_bars(drawn["actor"].to_pylist(),
                                        {names.get(p, p): drawn[p].to_pylist() for p in parts},
                                        f"{title} interactions by type, {cat}",
                                        {names.get(p, p): charts.PART_COLORS[p] for p in parts}) \
                if drawn.num_rows else None
            blocks.append(Block(
                f"{chart_no()}: Number of interactions and their types | {cat}", inter, chart,
                name=f"{platform}-{category}-interactions", note=left_out_note(left)))
        wk = _where(weekly, platform=platform)
        if wk.num_rows:
            weeks = sorted(set(wk["week"].to_pylist()))
            cats = [c for c in (*CATEGORIES, "unregistered") if c in set(wk["category"].to_pylist())]
            lookup = {(r["category"], r["week"]): r["posts"] for r in wk.select(["category", "week", "posts"]).to_pylist()}
            series = {CATEGORY_TITLES[c]: [lookup.get((c, w), 0) for w in weeks] for c in cats}
            blocks.append(Block(f"{chart_no()}: Weekly activity (posts per week and category)",
                                wk.select(["week", "category", "posts", "interactions", "interactions_unknown",
                                           "views", "views_unknown"]),
                                charts.weekly_lines(weeks, series, f"{title} posts per week"),
                                name=f"{platform}-weekly"))
        tp = _where(top, platform=platform)
        if tp.num_rows:
            left = unranked.get(platform, 0)
            blocks.append(Block("Top posts per category (by interactions)", tp,
                                note="Counts from each post's chosen snapshot; excerpts in the original language."
                                     + (f" {left:,} posts whose interactions are unknown are not ranked." if left else ""),
                                columns=["category", "rank", "day", "actor", "excerpt", "interactions", *parts, "views", "url"],
                                name=f"{platform}-top-posts"))
        sections.append({"id": f"platform-{platform}", "title": title, "blocks": blocks})
    return sections


def comparison_section(ws, flt: PostFilter) -> dict | None:
    period = flt.period
    blocks: list[Block] = []
    pair = metrics_compare.default_periods(ws)
    if pair and not period:
        t = metrics_compare.period_comparison(ws, flt, "platform,category", periods=pair)
        blocks.append(Block(f"Period comparison: {pair[0]} vs {pair[1]}", t,
                            note=f"posts_b_pct: share of the posts of both periods published in {pair[1]}; "
                                 "interactions_unknown_a/_b: posts whose interactions are unknown, left out.",
                            name="period-comparison"))
    lw = metrics_compare.last_week(ws, flt, "platform,category")
    if lw.num_rows:
        blocks.append(Block(f"Activity in the last week ({lw['from_day'][0]} – {lw['to_day'][0]})", lw,
                            name="last-week"))
    have = {r[0] for r in ws.con.execute("SELECT DISTINCT platform FROM posts").fetchall()}
    if flt.platforms:
        have &= set(flt.platforms)
    if {"instagram", "facebook"} <= have:
        pc_t = metrics_compare.platform_comparison(ws, flt, "actor", ("instagram", "facebook"))
        if pc_t.num_rows:
            blocks.append(Block("Platform comparison: Instagram ÷ Facebook interactions (actors on both)", pc_t,
                                charts.grouped_bars(pc_t["actor"].to_pylist(),
                                                    {"instagram": pc_t["interactions_a"].to_pylist(),
                                                     "facebook": pc_t["interactions_b"].to_pylist()},
                                                    "Interactions per platform", suffix=""),
                                note="A missing bar (“—”) is an unknown figure, not zero.",
                                name="platform-comparison"))
    rk = metrics_rank.rankings(ws, flt, n=3)
    if rk.num_rows:
        blocks.append(Block("Rankings: most active and most engaging actors", rk, name="rankings"))
    return {"id": "comparisons", "title": "Comparisons and rankings", "blocks": blocks} if blocks else None


def results_section(ws, flt: PostFilter) -> dict | None:
    """Popularity beside the results of each election loaded (one pair of blocks per election)."""
    from shailoo.analysis.results import elections, popularity_correlations, popularity_vs_results

    blocks = []
    names = elections(ws)
    for election in names:
        t = popularity_vs_results(ws, flt, election=election)
        corr = popularity_correlations(t)
        labels = [a or c for a, c in zip(t["actor"].to_pylist(), t["candidate"].to_pylist())]
        chart = charts.grouped_bars(labels, {"votes": t["vote_share_pct"].to_pylist(),
                                             "followers": t["followers_share_pct"].to_pylist(),
                                             "posts": t["posts_share_pct"].to_pylist(),
                                             "interactions": t["interactions_share_pct"].to_pylist()},
                                    "Shares of followers, posts and interactions beside vote shares")
        of = f" ({election})" if election and len(names) > 1 else ""
        blocks += [Block(f"Followers, posts and interactions shares beside vote shares{of}", t, chart,
                         name=f"popularity-results-{election}" if of else "popularity-results",
                         note="A missing bar (“—”) is an unknown figure (no follower count, or interactions "
                              "unknown), not zero; shares are of the known totals."),
                   Block(f"Rank correlation (Spearman) with the vote share{of}", corr,
                         name=f"popularity-correlation-{election}" if of else "popularity-correlation",
                         note="ρ = 1: same order as the votes; 0: unrelated; p: two-sided p-value "
                              "(scipy.stats.spearmanr); computed over candidates with both values known.")]
    return {"id": "results", "title": "Popularity beside election results", "blocks": blocks} if blocks else None

"""The report's timeline (issue #14): online activity per day with bursts shaded and offline events
marked (seed 003's Figure 2, seed 000's three crises), the bursts and the events as tables, claimed
against reported participants (seed 004) and events per year and size (seed 003's table 2).

Bursts here are Kleinberg's stream model over the times of the report's posts, kept when they last
a day or more: shorter ones are the daily rhythm of posting at this scale (`shailoo bursts` lists
them all). The section is left out when the workspace has no event in the report's span and the
posts have no such burst.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pyarrow as pa

from shailoo.analysis.snapshot import OWN_POSTS, engagement_source, fetch
from shailoo.analysis.timeline import Selection, beside_events, post_times, stream_bursts
from shailoo.events import claimed_vs_reported, events_by_year_size, list_events
from shailoo.report import charts
from shailoo.report.blocks import Block

MIN_BURST = timedelta(days=1)
EVENTS_WITHIN = 3  # days: a burst is listed beside the events it starts this close to
MAX_LABELS = 15  # events named on the chart; with more, only their lines
BURST_COLOR, LINE_COLOR, EVENT_COLOR = "#e15759", "#4e79a7", "#333333"


def _local(value: str) -> str:
    """An ISO time with offset as the wall-clock text the chart parses as one local time."""
    return value[:19]


def day_activity(ws, flt) -> pa.Table:
    """Posts, interactions (with how many posts' are unknown) and views per local day."""
    where, params = flt.where(ws)
    return fetch(ws, f"""SELECT day, count(*)::BIGINT AS posts, sum(interactions)::BIGINT AS interactions,
            count(*) FILTER (WHERE interactions IS NULL)::BIGINT AS interactions_unknown, sum(views)::BIGINT AS views
        FROM {engagement_source(ws)} WHERE {where} GROUP BY day ORDER BY day""", params)


def long_bursts(ws, flt, zone: ZoneInfo) -> pa.Table:
    where, params = flt.where(ws)
    times = post_times(ws, Selection(f"({where}) AND {OWN_POSTS}", params, "report posts"))
    if len(times) < 2:
        return pa.table({"level": pa.array([], pa.int64()), "start": pa.array([], pa.string()),
                         "end": pa.array([], pa.string()), "posts": pa.array([], pa.int64())})
    table = stream_bursts(times, zone)
    keep = [lv >= 2 and datetime.fromisoformat(b) - datetime.fromisoformat(a) >= MIN_BURST
            for lv, a, b in zip(table["level"].to_pylist(), table["start"].to_pylist(), table["end"].to_pylist())]
    return table.filter(pa.array(keep, pa.bool_()))


def _chart(tr, days: pa.Table, bursts: pa.Table, events: pa.Table) -> str | None:
    day_rows = [{"day": f"{d.isoformat()}T12:00:00", "posts": p, "interactions": i}  # a day at its middle
                for d, p, i in zip(days["day"].to_pylist(), days["posts"].to_pylist(),
                                   days["interactions"].to_pylist())]
    if not day_rows:
        return None
    shades = [{"start": _local(a), "end": _local(b)} for a, b in zip(bursts["start"].to_pylist(),
                                                                     bursts["end"].to_pylist())]
    marks = [{"date": f"{d.isoformat()}T00:00:00", "label": (n if len(n) <= 32 else n[:31] + "…")}
             for d, n in zip(events["start_date"].to_pylist(), events["name"].to_pylist())]

    def panel(field: str, title: str, labels: bool) -> dict:
        x = {"field": "day", "type": "temporal", "title": None, "axis": {"format": "%d %b", "labelAngle": 0}}
        layers = []
        if shades:
            layers.append({"data": {"values": shades}, "mark": {"type": "rect", "color": BURST_COLOR, "opacity": 0.14},
                           "encoding": {"x": {"field": "start", "type": "temporal"}, "x2": {"field": "end"}}})
        layers.append({"data": {"values": [r for r in day_rows if r[field] is not None]},
                       "mark": {"type": "line", "color": LINE_COLOR, "strokeWidth": 1.5},
                       "encoding": {"x": x, "y": {"field": field, "type": "quantitative", "title": title,
                                                  "axis": {"format": "~s", "tickMinStep": 1}}}})
        if marks:
            layers.append({"data": {"values": marks}, "mark": {"type": "rule", "color": EVENT_COLOR,
                                                                "strokeDash": [4, 3]},
                           "encoding": {"x": {"field": "date", "type": "temporal"}}})
            if labels and len(marks) <= MAX_LABELS:
                layers.append({"data": {"values": marks},
                               "mark": {"type": "text", "angle": 270, "align": "right", "baseline": "bottom",
                                        "dx": -4, "dy": -2, "fontSize": 10, "color": EVENT_COLOR},
                               "encoding": {"x": {"field": "date", "type": "temporal"}, "y": {"value": 0},
                                            "text": {"field": "label"}}})
        return {"width": charts.WIDTH + 140, "height": 190, "layer": layers}

    panels = [panel("posts", tr("tl.posts_per_day"), True)]
    if any(r["interactions"] is not None for r in day_rows):
        panels.append(panel("interactions", tr("tl.interactions_per_day"), False))
    return charts.render({"vconcat": panels, "resolve": {"scale": {"x": "shared"}}}, tr("tl.chart"), tr)


def timeline_section(ws, flt, tr, span: tuple | None, notes: dict) -> dict | None:
    zone = ZoneInfo(ws.config.timezone)
    since, until = (span or (None, None))[:2]
    events = list_events(ws, since, until)
    bursts = long_bursts(ws, flt, zone)
    if events.num_rows == 0 and bursts.num_rows == 0:
        return None
    days = day_activity(ws, flt)
    bursts = beside_events(ws, bursts, EVENTS_WITHIN)
    blocks = [Block(tr("tl.activity"), days, _chart(tr, days, bursts, events), name="timeline-days",
                    note=tr("tl.note_activity"))]
    if bursts.num_rows:
        blocks.append(Block(tr("tl.bursts"), bursts, name="bursts", note=tr("tl.note_bursts", days=EVENTS_WITHIN)))
    if events.num_rows:
        blocks.append(Block(tr("tl.events"), events, name="events",
                            columns=["start_date", "end_date", "name", "type", "place", "claimed", "reported",
                                     "arrests", "source_url"], note=tr("tl.note_events")))
    claimed = claimed_vs_reported(ws)
    if claimed.num_rows:
        blocks.append(Block(tr("tl.claimed"), claimed, _claimed_chart(tr, claimed), name="claimed-reported",
                            columns=["start_date", "name", "claimed", "reported", "claimed_over_reported_at_least"],
                            note=tr("tl.note_claimed")))
    sizes = events_by_year_size(ws)
    if sizes.num_rows:
        blocks.append(Block(tr("tl.sizes"), sizes, name="events-per-year", note=tr("tl.note_sizes"), fold=20))
    return {"id": "timeline", "title": tr("tl.section"), "notes": notes.get("timeline"), "blocks": blocks}


def _claimed_chart(tr, table: pa.Table) -> str | None:
    """Claimed and reported participants of each event as intervals (a point when exact) on a log scale."""
    rows = []
    for r in table.to_pylist():
        label = f"{r['start_date']:%d.%m.%Y} {r['name']}"[:60]
        for kind, low, high in (("claimed", r["claimed_low"], r["claimed_high"]),
                                ("reported", r["reported_low"], r["reported_high"])):
            if low is None and high is None:
                continue
            lo, hi = max(low or 1, 1), max(high or low or 1, 1)
            rows.append({"event": label, "figure": tr(f"tl.{kind}"), "low": lo, "high": hi})
    if not rows:
        return None
    color = {"domain": [tr("tl.claimed"), tr("tl.reported")], "range": ["#f28e2b", "#4e79a7"]}
    enc = {"y": {"field": "event", "type": "nominal", "title": None, "sort": None},
           "yOffset": {"field": "figure"},
           "x": {"field": "low", "type": "quantitative", "scale": {"type": "log"}, "title": tr("tl.participants"),
                 "axis": {"format": "~s"}},
           "x2": {"field": "high"},
           "color": {"field": "figure", "type": "nominal", "title": None, "scale": color}}
    spec = {"data": {"values": rows}, "width": charts.WIDTH, "height": {"step": 10},
            "layer": [{"mark": {"type": "rule", "strokeWidth": 3}, "encoding": enc},
                      {"mark": {"type": "point", "filled": True, "size": 30},
                       "encoding": {k: v for k, v in enc.items() if k != "x2"}}]}
    return charts.render(spec, tr("tl.claimed"), tr)

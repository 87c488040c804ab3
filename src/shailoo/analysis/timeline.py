"""The time dimension of a workspace: which posts a burst analysis follows (a filter, a kwic query,
a dictionary topic), their bursts in Kleinberg's stream or batched model (analysis/bursts.py),
online activity per day, and bursts set beside offline events.

Times leave as ISO 8601 text with the workspace zone's offset. A stream-model burst runs from the
time of the post at which its level is entered to the time of the post at which it is left (as R's
bursts::kleinberg); a batched-model burst covers whole local days, from the first day's 00:00:00
to the last day's 23:59:59.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa

from shailoo.analysis.bursts import batched_bursts, kleinberg, kleinberg_batched
from shailoo.analysis.filters import PostFilter
from shailoo.analysis.snapshot import OWN_POSTS, engagement_source, fetch
from shailoo.errors import UsageError

MODELS = ("stream", "batched")
MEASURES = ("posts", "interactions")
SELECTED = "_timeline_posts"  # temp table of the post ids a query or topic selected


@dataclass
class Selection:
    """The posts a timeline follows: SQL over posts_v (with `p` as alias) and its parameters."""

    where: str
    params: list
    label: str  # "all selected posts", "query 'X'", "topic 'Y'"
    narrowed: bool = False  # a query or topic picked some of the filter's posts
    empty_reason: str | None = None


@dataclass
class BurstResult:
    table: pa.Table
    notes: list[str] = field(default_factory=list)
    empty_reason: str | None = None

    @property
    def note(self) -> str | None:
        return " ".join(self.notes) or None


def select_posts(ws, flt: PostFilter | None = None, query: str | None = None, topic: str | None = None) -> Selection:
    """The filter's own posts (no comments or replies), narrowed to a kwic query's or a topic's."""
    flt = flt or PostFilter()
    where, params = flt.where(ws)
    base = f"({where}) AND {OWN_POSTS}"
    if query and topic:
        raise UsageError("Give --query or --topic, not both.")
    if not query and not topic:
        return Selection(base, params, "all selected posts")
    ws.con.execute(f"CREATE OR REPLACE TEMP TABLE {SELECTED} (post_id BIGINT)")
    if query:
        from shailoo.analysis.text_kwic import kwic

        found = kwic(ws, query, flt, width=0)
        label = f"posts matching '{query}'"
        if found.empty_reason:
            return Selection("FALSE", [], label, True, found.empty_reason)
        ids = pa.table({"post_id": pa.array(sorted(set(found.table["post_id"].to_pylist())), pa.int64())})
        ws.con.register("_timeline_ids", ids)
        ws.con.execute(f"INSERT INTO {SELECTED} SELECT post_id FROM _timeline_ids")
        ws.con.unregister("_timeline_ids")
    else:
        from shailoo.analysis.text_topics import _tag_posts, topic_dictionary
        from shailoo.text.pipeline import Corpus, TextOptions

        topics = topic_dictionary(ws)
        if topic not in {t.name for t in topics}:
            raise UsageError(f"There is no topic '{topic}'; the topics are: {', '.join(t.name for t in topics)}.")
        corpus = Corpus.from_workspace(ws, flt, TextOptions(language="ru"))
        _tag_posts(corpus, topics)
        ws.con.execute(f"INSERT INTO {SELECTED} SELECT DISTINCT post_id FROM _post_topics WHERE topic = ?", [topic])
        label = f"posts of the topic '{topic}'"
    n = ws.con.execute(f"SELECT count(*) FROM {SELECTED}").fetchall()[0][0]
    reason = None if n else f"No selected post is about the topic '{topic}'."
    return Selection(f"{base} AND post_id IN (SELECT post_id FROM {SELECTED})", params, label, True, reason)


def post_times(ws, sel: Selection) -> np.ndarray:
    """Sorted UTC seconds of the selected posts."""
    t = fetch(ws, f"SELECT epoch_us(created_at) AS us FROM posts_v WHERE {sel.where}", sel.params)
    return np.sort(t["us"].to_numpy(zero_copy_only=False).astype(np.float64) / 1e6)


def iso(seconds: float, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(float(seconds), zone).isoformat(timespec="seconds")


def stream_bursts(times: np.ndarray, zone: ZoneInfo, s: float = 2.0, gamma: float = 1.0) -> pa.Table:
    """Rows level, start, end, posts of the stream model over sorted UTC seconds; start/end the
    posts' own times (identical times are spread only inside the model)."""
    b = kleinberg(times, s, gamma)
    return pa.table({"level": pa.array(b.level.astype(np.int64)),
                     "start": [iso(times[i], zone) for i in b.first],
                     "end": [iso(times[i], zone) for i in b.last],
                     "posts": pa.array((b.last - b.first + 1).astype(np.int64))})


def daily_counts(ws, flt: PostFilter, sel: Selection, measure: str = "posts") -> pa.Table:
    """Per local day from the first to the last day of the filter's posts: the selected posts'
    count (or interactions) and all posts' count (or interactions); days without posts are 0.
    Posts whose interactions are unknown are left out of both interaction sums."""
    where, params = flt.where(ws)
    chosen = f"post_id IN (SELECT post_id FROM {SELECTED})" if sel.narrowed else "TRUE"
    if measure == "posts":
        value, join = "1", ""
    else:  # interactions of the report's snapshot; unknown ones are left out
        value = "e.interactions"
        join = f"JOIN {engagement_source(ws)} e ON e.post_id = p0.post_id AND e.interactions IS NOT NULL"
    return fetch(ws, f"""
        WITH p0 AS (SELECT post_id, day, {chosen} AS chosen FROM posts_v WHERE ({where}) AND {OWN_POSTS}),
             p AS (SELECT p0.post_id, p0.day, p0.chosen, {value} AS v FROM p0 {join}),
             span AS (SELECT min(day) AS a, max(day) AS b FROM p),
             days AS (SELECT CAST(d AS DATE) AS day FROM span, range(span.a, span.b + 1, INTERVAL 1 DAY) t(d))
        SELECT days.day, coalesce(sum(p.v) FILTER (WHERE p.chosen), 0)::BIGINT AS relevant,
               coalesce(sum(p.v), 0)::BIGINT AS total,
               count(p.post_id) FILTER (WHERE p.chosen)::BIGINT AS posts
        FROM days LEFT JOIN p USING (day) GROUP BY days.day ORDER BY days.day""", params)


def batched_burst_table(daily: pa.Table, zone: ZoneInfo, s: float = 2.0, gamma: float = 1.0) -> pa.Table:
    days = daily["day"].to_pylist()
    q = kleinberg_batched(daily["relevant"].to_numpy(), daily["total"].to_numpy(), s, gamma)
    posts = np.concatenate(([0], np.cumsum(daily["posts"].to_numpy())))
    rows = {"level": [], "start": [], "end": [], "posts": []}
    for level, first, last in batched_bursts(q):
        rows["level"].append(level)
        rows["start"].append(datetime.combine(days[first], time(0, 0), zone).isoformat(timespec="seconds"))
        rows["end"].append(datetime.combine(days[last], time(23, 59, 59), zone).isoformat(timespec="seconds"))
        rows["posts"].append(int(posts[last + 1] - posts[first]))
    return pa.table({"level": pa.array(rows["level"], pa.int64()), "start": pa.array(rows["start"], pa.string()),
                     "end": pa.array(rows["end"], pa.string()), "posts": pa.array(rows["posts"], pa.int64())})


def bursts(ws, flt: PostFilter | None = None, query: str | None = None, topic: str | None = None, s: float = 2.0,
           gamma: float = 1.0, model: str = "stream", measure: str = "posts",
           events_within: int | None = None) -> BurstResult:
    """Bursts of the selected posts, one row per burst (level 1 spans the whole series)."""
    if model not in MODELS:
        raise UsageError(f"--model must be stream or batched, not '{model}'.")
    if measure not in MEASURES:
        raise UsageError(f"--measure must be posts or interactions, not '{measure}'.")
    if measure != "posts" and model == "stream":
        raise UsageError("The stream model follows the times of posts; --measure interactions needs --model batched.")
    if events_within is not None and events_within < 0:
        raise UsageError("--events-within takes a number of days, 0 or more.")
    flt = flt or PostFilter()
    zone = ZoneInfo(ws.config.timezone)
    sel = select_posts(ws, flt, query, topic)
    empty = pa.table({"level": pa.array([], pa.int64()), "start": pa.array([], pa.string()),
                      "end": pa.array([], pa.string()), "posts": pa.array([], pa.int64())})
    if sel.empty_reason:
        return BurstResult(empty, empty_reason=sel.empty_reason)
    notes: list[str] = []
    if model == "stream":
        times = post_times(ws, sel)
        if len(times) == 0:
            return BurstResult(empty, empty_reason="No post is selected: there is nothing to find bursts in.")
        table = stream_bursts(times, zone, s, gamma)
        ties = len(times) - len(np.unique(times))
        if ties:
            notes.append(f"{ties:,} post(s) share their time with an earlier one: each group was spread evenly over "
                         "the following second (docs/time.md).")
    else:
        daily = daily_counts(ws, flt, sel, measure)
        if daily.num_rows == 0 or sum(daily["total"].to_pylist()) == 0:
            why = ("No selected post has known interactions (unknown is not zero); use --measure posts."
                   if measure == "interactions" else "No post is selected: there is nothing to find bursts in.")
            return BurstResult(empty, empty_reason=why)
        table = batched_burst_table(daily, zone, s, gamma)
        if not sel.narrowed:
            notes.append("The batched model compares the selected posts with all posts of each day; without --query "
                         "or --topic they are the same, so there is no burst beyond level 1.")
        if measure == "interactions":
            unknown = unknown_interactions(ws, flt)
            if unknown:
                notes.append(f"{unknown:,} posts with unknown interactions are left out.")
    if events_within is not None:
        table = beside_events(ws, table, events_within)
    return BurstResult(table, notes)


def unknown_interactions(ws, flt: PostFilter) -> int:
    where, params = flt.where(ws)
    return ws.con.execute(f"SELECT count(*) FROM {engagement_source(ws)} WHERE ({where}) AND interactions IS NULL",
                          params).fetchall()[0][0]


def beside_events(ws, table: pa.Table, within: int) -> pa.Table:
    """Add `events`: the events a burst (level 2 and up) starts within `within` days of (from `within`
    days before an event's first day to `within` days after its last)."""
    events = ws.con.execute("""SELECT start_date, coalesce(end_date, start_date), name FROM events
        ORDER BY start_date, event_id""").fetchall()
    cells = []
    for level, start in zip(table["level"].to_pylist(), table["start"].to_pylist()):
        if level < 2 or not events:
            cells.append(None)
            continue
        day = date.fromisoformat(start[:10])
        near = [f"{a.isoformat()} {name}" for a, b, name in events
                if a - timedelta(days=within) <= day <= b + timedelta(days=within)]
        cells.append("; ".join(near) or None)
    return table.append_column("events", pa.array(cells, pa.string()))

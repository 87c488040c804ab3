"""The report's "Channels and groups" section (issue #14): channels compared as in seed 003's Table 1
(subscribers, views, posts, first post), the most viewed videos per topic, the speed of receiving
likes, groups (seed 000) and officials' responsiveness to complaints (seed 001). Absent when the
workspace holds no channel, group or thread; each block only when it has rows. Commenters are never
shown: no table here has a column naming an author who is not a registered account."""

from __future__ import annotations

from dataclasses import replace

import pyarrow as pa
import pyarrow.compute as pc

from shailoo.report.blocks import Block

SPEED_SHOWN = 20
HOURS = 24

# `note` (why growth is unknown, in English) stays in the CSV; the HTML shows "—" and the block's note says why.
CHANNEL_COLUMNS = ["platform", "channel", "subscribers", "views", "total_posts", "posts", "post_views",
                   "first_post", "subscriber_growth"]
VIDEO_COLUMNS = ["label", "rank", "channel", "created_at", "title", "views", "url"]
SPEED_COLUMNS = ["rank", "platform", "account_name", "created_at", "text", "value_at_n", "per_hour", "basis", "url"]
GROUP_COLUMNS = ["platform", "group", "members", "posts", "member_posts_pct", "kind", "posts_per_member",
                 "comments_per_post", "fundraising_pct", "protest_pct", "ads_pct", "ad_only"]
RESPONSE_COLUMNS = ["platform", "account", "actor", "month", "comments", "complaints", "replied", "replied_pct",
                    "median_hours", "p90_hours"]


def _labels(tr, columns: list[str]) -> dict[str, str]:
    """Column labels of this section's own catalogue block (chan.col.*), else the shared ones."""
    return {c: tr(f"chan.col.{c}") for c in columns if tr.has(f"chan.col.{c}")}


def _local(tr, table: pa.Table, column: str) -> pa.Table:
    if column not in table.column_names or table.num_rows == 0:
        return table
    return table.set_column(table.column_names.index(column), column,
                            table[column].cast(pa.timestamp("us", tz=str(tr.tz))))


def _translated(tr, table: pa.Table, column: str, prefix: str) -> pa.Table:
    """Words the analysis writes in English (measured, horizontal …) in the reader's language."""
    values = [None if v is None else tr(f"{prefix}.{v}") if tr.has(f"{prefix}.{v}") else v
              for v in table[column].to_pylist()]
    return table.set_column(table.column_names.index(column), column, pa.array(values, pa.string()))


def _block(tr, key: str, table: pa.Table, columns: list[str], **kw) -> Block:
    return Block(tr(f"chan.blk.{key}"), table, columns=columns, labels=_labels(tr, columns),
                 name=f"channels-{key}", **kw)


def channels_section(ws, flt, tr) -> dict | None:
    """The section, or None when the workspace holds nothing it could show."""
    from shailoo.analysis.channels import channels, top_videos_by_topic
    from shailoo.analysis.groups import groups
    from shailoo.analysis.like_speed import like_speed
    from shailoo.analysis.responsiveness import responsiveness

    blocks: list[Block] = []
    ch = channels(ws, flt)
    if ch.num_rows:
        ch = _local(tr, ch, "first_post")
        blocks.append(_block(tr, "compare", ch, CHANNEL_COLUMNS, note=tr("chan.note.compare")))
        # videos: YouTube's, and only when some carry views (tagging tokenises the posts it reads)
        has_views = ws.con.execute("SELECT count(*) FROM engagement_snapshots e JOIN posts p USING (post_id) "
                                   "WHERE p.platform = 'youtube' AND e.views IS NOT NULL").fetchall()[0][0]
        videos, unknown = (top_videos_by_topic(ws, replace(flt, platform="youtube"), n=5) if has_views
                           else (pa.table({}), 0))
        if videos.num_rows:
            videos = _local(tr, videos, "created_at")
            note = tr("chan.note.videos") + (" " + tr("chan.note.videos_unknown", n=unknown) if unknown else "")
            blocks.append(_block(tr, "videos", videos, VIDEO_COLUMNS, note=note, fold=10))
    # the ranking's top only: the block's download holds what it shows, not every post of the workspace
    # (a million rows made a 170 MB report and 2 GB more memory)
    speed = like_speed(ws, flt, HOURS, "likes", limit=SPEED_SHOWN)
    known = speed.filter(pc.is_valid(speed["per_hour"])) if speed.num_rows else speed
    if known.num_rows:
        counts = speed.slice(0, 1).to_pylist()[0]
        top = _translated(tr, _local(tr, known, "created_at"), "basis", "chan.basis")
        blocks.append(_block(tr, "speed", top, SPEED_COLUMNS, limit=SPEED_SHOWN, fold=10,
                             note=tr("chan.note.speed", hours=HOURS, known=counts["posts_known"],
                                     total=counts["posts_in_scope"])))
    gr = groups(ws, flt)
    if gr.num_rows:
        blocks.append(_block(tr, "groups", _translated(tr, gr, "kind", "chan.kind"), GROUP_COLUMNS, note=tr("chan.note.groups")))
    resp = responsiveness(ws, flt)
    if resp.num_rows:
        blocks.append(_block(tr, "responsiveness", resp, RESPONSE_COLUMNS, note=tr("chan.note.responsiveness")))
    if not blocks:
        return None
    return {"id": "channels", "title": tr("chan.sec"), "blocks": blocks}

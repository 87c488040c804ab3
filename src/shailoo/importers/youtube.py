"""YouTube Data API v3 JSON: `videos.list` items become posts, `channels.list` items become accounts.

Accepted shapes: a full response (`{"kind": "youtube#videoListResponse", "items": [...]}`), the bare
`items` array collectors often save, a single item, or one response per line (JSONL). Items may
lack `kind` and `id` (a collector dropped them): a channel's id is then derived from its uploads
playlist ('UU…' → 'UC…'). Statistics come as strings; `hiddenSubscriberCount` means the
subscriber count is unknown. The measurement time is read from the file name
('channels-data_2023-01-07_UTC.json', '…_2023-01-07 00:08:38 UTC.json').

Record numbers count items through the whole file (1-based); a JSONL line that is not JSON is
one record, numbered where it falls.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from shailoo.errors import WrongFormat
from shailoo.importers.base import ImporterInfo, Record, Source, check_text, shown, row_error
from shailoo.importers.jsonstream import Item, JsonProblem, PageStart, Paging, iter_json_documents
from shailoo.importers.parse import BadValue, _zone, clean_text, parse_count, parse_time
from shailoo.records import AccountRecord, PostRecord, RowError, Skipped

FORMAT = ImporterInfo(
    id="youtube",
    name="YouTube Data API JSON",
    description="YouTube Data API v3 videos.list / channels.list responses or their items (JSON or JSONL)",
    extensions=(".json", ".jsonl"),
)

_KIND = re.compile(r'"kind"\s*:\s*"youtube#')
_STAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[ T_\-](\d{2})[:\-.](\d{2})(?:[:\-.](\d{2}))?)?(?:[ _]?(UTC|GMT|Z|[+-]\d{2}:?\d{2}))?"
)
# Other API resources a collector may save alongside; known, but they carry no statistics to load.
_OTHER_KINDS = ("youtube#searchResult", "youtube#playlistItem", "youtube#playlist", "youtube#commentThread",
                "youtube#comment", "youtube#activity", "youtube#subscription")


def sniff(head: str, path: Path) -> bool:
    if _KIND.search(head):
        return True
    return '"snippet"' in head and any(
        key in head for key in ('"channelId"', '"channelTitle"', '"relatedPlaylists"', '"subscriberCount"'))


def export_time(path: Path) -> datetime | None:
    """The date (and time) in the file name, taken as UTC unless it names an offset."""
    m = _STAMP.search(path.name)
    if not m:
        return None
    year, month, day, hour, minute, second, zone = m.groups()
    try:
        stamp = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
        tz = _zone(zone) if zone else timezone.utc
    except (ValueError, BadValue):
        return None
    return stamp.replace(tzinfo=tz or timezone.utc)


_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_CHANNEL_ID = re.compile(r"UC[A-Za-z0-9_-]{22}")


def _looks_like_item(obj: Any) -> bool:
    return isinstance(obj, dict) and any(k in obj for k in ("kind", "snippet", "statistics", "items"))


# a response's items are read one by one (a fault costs that item, not the response)
_PAGING = Paging(items="items", looks_like_item=lambda obj: isinstance(obj, dict) and "items" not in obj
                 and _looks_like_item(obj), looks_like_page=_looks_like_item)


def _items(source: Source) -> Iterator[tuple[str, Any]]:
    """('item', obj) for every item, ('bad', JsonProblem or reason) for what cannot be read."""
    for where, doc in iter_json_documents(source, _looks_like_item, "item", _PAGING):
        if isinstance(doc, PageStart):
            if "error" in doc.header and "items" not in doc.header and not isinstance(doc.header.get("kind"), str):
                yield "bad", f"{where} is an API error response, not data"
        elif isinstance(doc, Item):
            yield "item", doc.value
        elif isinstance(doc, JsonProblem):
            yield "bad", doc
        elif isinstance(doc, list):
            for item in doc:
                yield "item", item
        elif isinstance(doc, dict) and isinstance(doc.get("items"), list):
            for item in doc["items"]:
                yield "item", item
        elif isinstance(doc, dict) and "error" in doc and "snippet" not in doc:
            yield "bad", f"{where} is an API error response, not data"
        else:
            yield "item", doc


def _part(item: dict, name: str) -> dict:
    """A sub-object of an API item; anything but an object there makes the item malformed."""
    value = item.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadValue(f"'{name}' is {type(value).__name__}, not an object")
    return value


def _kind(item: dict) -> str | None:
    kind = item.get("kind")
    if kind:
        return kind
    snippet, stats, details = _part(item, "snippet"), _part(item, "statistics"), _part(item, "contentDetails")
    if "relatedPlaylists" in details or "subscriberCount" in stats or "customUrl" in snippet:
        return "youtube#channel"
    if "channelId" in snippet or "duration" in details or "likeCount" in stats:
        return "youtube#video"
    if "viewCount" in stats and "videoCount" in stats:
        return "youtube#channel"
    return None


def read(source: Source) -> Iterator[Record]:
    measured_at = export_time(source.path)
    number = 0
    recognised = False
    first_bad: JsonProblem | None = None
    for what, item in _items(source):
        number += 1
        if what == "bad":
            if isinstance(item, JsonProblem):
                first_bad = first_bad or (item if not recognised else None)
                if not recognised and number >= _REFUSE_AFTER:
                    break
                yield RowError(number, item.reason, item.raw, platform=PLATFORM)  # channels are public
            else:
                yield RowError(number, item, "", platform=PLATFORM)
            continue
        try:
            kind = _kind(item) if isinstance(item, dict) else None
        except Exception as exc:  # hostile parts: this item is quarantined
            yield _error(number, exc, item)
            continue
        if kind in ("youtube#video", "youtube#channel"):
            recognised = True
        elif not recognised and number == 1 and kind not in _OTHER_KINDS:
            raise WrongFormat(f"{source.path.name} is not YouTube Data API data: expected videos.list or "
                              f"channels.list items (objects with 'snippet' and 'statistics').")
        try:
            if kind == "youtube#video":
                yield _video(item, measured_at)
            elif kind == "youtube#channel":
                yield _channel(item, measured_at)
            elif kind in _OTHER_KINDS:
                yield Skipped(number, f"{kind} items carry no statistics; fetch the videos with videos.list")
            else:
                raise BadValue("not a YouTube video or channel (no 'kind', 'snippet' or 'statistics' to tell)")
        except Exception as exc:  # BadValue, or hostile content: this item is quarantined, the file goes on
            yield _error(number, exc, item)
    if not recognised and first_bad is not None:
        raise WrongFormat(f"{source.path.name} is not JSON ({first_bad.reason}); expected a YouTube Data API v3 "
                          "response (videos.list or channels.list) or its items.")


_REFUSE_AFTER = 20
PLATFORM = "youtube"


def _error(number: int, exc: Exception, item: Any) -> RowError:
    reason = str(exc) if isinstance(exc, BadValue) else f"the item could not be read ({type(exc).__name__}: {exc})"
    return row_error(number, reason[:300], item, (), PLATFORM)  # videos and channels are public


def _video_id(item: dict) -> str:
    """The 11-character video id; anything else (true, 5, '', a long string) is refused."""
    vid = item.get("id")
    if isinstance(vid, dict):  # search results: {"kind": "youtube#video", "videoId": ...}
        vid = vid.get("videoId")
    if vid is None or (isinstance(vid, str) and not vid.strip()):
        raise BadValue("no video id ('id' is missing)")
    if not isinstance(vid, str) or not _VIDEO_ID.fullmatch(vid.strip()):
        raise BadValue(f"video id is {shown(vid)}, not a YouTube video id (11 letters, digits, '-' or '_')")
    return vid.strip()


def _video(item: dict, measured_at: datetime | None) -> PostRecord:
    vid = _video_id(item)
    snippet, stats = _part(item, "snippet"), _part(item, "statistics")
    created = parse_time(snippet.get("publishedAt"), "snippet.publishedAt")
    likes = parse_count(stats.get("likeCount"), "statistics.likeCount")
    channel_id = clean_text(snippet.get("channelId"))
    return PostRecord(
        platform="youtube",
        platform_post_id=vid,
        created_at=created,
        account_id=channel_id,
        account_name=clean_text(snippet.get("channelTitle")),
        account_url=f"https://www.youtube.com/channel/{channel_id}" if channel_id else None,
        post_type="video",
        url=f"https://www.youtube.com/watch?v={vid}",
        title=check_text(clean_text(snippet.get("title")), "snippet.title"),
        text=check_text(clean_text(snippet.get("description")), "snippet.description"),
        media_type="video",
        language=clean_text(snippet.get("defaultAudioLanguage") or snippet.get("defaultLanguage")),
        measured_at=measured_at,
        reactions=likes,
        likes=likes,
        comments=parse_count(stats.get("commentCount"), "statistics.commentCount"),
        views=parse_count(stats.get("viewCount"), "statistics.viewCount"),
    )


def _channel(item: dict, measured_at: datetime | None) -> AccountRecord:
    snippet, stats = _part(item, "snippet"), _part(item, "statistics")
    channel_id = item.get("id")
    playlists = _part(item, "contentDetails").get("relatedPlaylists")
    uploads = playlists.get("uploads") if isinstance(playlists, dict) else None
    if (channel_id is None or channel_id == "") and isinstance(uploads, str) and uploads.startswith("UU"):
        channel_id = "UC" + uploads[2:]
    if channel_id is None or (isinstance(channel_id, str) and not channel_id.strip()):
        raise BadValue("no channel id ('id' and contentDetails.relatedPlaylists.uploads are missing)")
    if not isinstance(channel_id, str) or not _CHANNEL_ID.fullmatch(channel_id.strip()):
        raise BadValue(f"channel id is {shown(channel_id)}, not a YouTube channel id ('UC' and 22 "
                       "letters, digits, '-' or '_')")
    channel_id = channel_id.strip()
    hidden = stats.get("hiddenSubscriberCount") in (True, "true", "True")
    followers = parse_count(stats.get("subscriberCount"), "statistics.subscriberCount")
    handle = clean_text(snippet.get("customUrl"))
    return AccountRecord(
        platform="youtube",
        account_id=channel_id,
        name=clean_text(snippet.get("title")),
        handle=handle.strip().lstrip("@") if handle else None,
        url=f"https://www.youtube.com/channel/{channel_id}",
        measured_at=measured_at,
        followers=None if hidden else followers,
        total_views=parse_count(stats.get("viewCount"), "statistics.viewCount"),
        total_posts=parse_count(stats.get("videoCount"), "statistics.videoCount"),
    )

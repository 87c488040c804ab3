"""CrowdTangle historical-data / search CSV exports: Facebook pages, Facebook groups, Instagram.

Quirks handled: 'Post Created' with a zone abbreviation or offset ('BRT', 'EET', '+06', 'ALMT'),
counts with the exporting locale's thousands separator ('407.137'), scores with a decimal comma
('1,4'), placeholders ('-', 'N/A') meaning unknown, multi-line quoted cells, an
'Overperforming Score' header whose wording varies, and no post id column (taken from the URL).
"""

from __future__ import annotations

import csv
import json
import re
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator

from shailoo.errors import WrongFormat
from shailoo.importers.base import ImporterInfo, Record, Source
from shailoo.importers.parse import BadValue, clean_text, parse_count, parse_score, parse_time, _zone
from shailoo.records import PostRecord, RowError

FORMAT = ImporterInfo(
    id="crowdtangle",
    name="CrowdTangle CSV",
    description="CrowdTangle historical-data or search CSV export (Facebook pages and groups, Instagram)",
    extensions=(".csv",),
)

# One record per CSV row with the header first: a large file can be read in slices by two processes.
SPLITTABLE_CSV = True

csv.field_size_limit(sys.maxsize)

_COUNT_COLUMNS = {  # our field -> CrowdTangle header
    "likes": "Likes", "comments": "Comments", "shares": "Shares", "love": "Love", "wow": "Wow",
    "haha": "Haha", "sad": "Sad", "angry": "Angry", "care": "Care",
}
_REACTIONS = ("likes", "love", "wow", "haha", "sad", "angry", "care")
_POST_ID = re.compile(r"/(?:posts|videos|permalink|photos|p|reel|tv)/(?:[^/]+/)*?([A-Za-z0-9_-]+)/?(?:[?#].*)?$")
_EXPORT_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-([A-Z]{2,5}|[+-]\d{2,4})")


def sniff(head: str, path: Path) -> bool:
    first = head.split("\n", 1)[0]
    return "Post Created" in first and any(n in first for n in ("Page Name", "Group Name", "Account", "User Name"))


def export_time(path: Path) -> datetime | None:
    """CrowdTangle names its files after the export time: '2021-07-05-22-49-20-BRT-….csv'."""
    m = _EXPORT_NAME.search(path.name)
    if not m:
        return None
    try:
        stamp = datetime(*(int(g) for g in m.groups()[:6]))
        zone = _zone(m.group(7))
    except (ValueError, BadValue):
        return None
    return stamp.replace(tzinfo=zone)


def _platform(header: list[str]) -> str:
    if "Page Name" in header or "Group Name" in header:
        return "facebook"
    return "instagram"


@dataclass(frozen=True)
class _Layout:
    """Where each field sits in this file's header; a missing column points at an always-empty cell."""

    platform: str
    is_group: bool
    header: list[str]
    index: dict[str, int]
    counts: tuple[tuple[str, int], ...]
    views: tuple[int, ...]
    followers: int
    score: int

    @classmethod
    def from_header(cls, header: list[str]) -> "_Layout":
        col = {name: i for i, name in enumerate(header)}
        empty = len(header)  # rows get one extra empty cell at this index

        def at(*names: str) -> int:
            return next((col[n] for n in names if n in col), empty)

        index = {field: at(*names) for field, names in _TEXT_COLUMNS.items()}
        index["url"] = at("URL")
        index["created"] = at("Post Created")
        return cls(
            platform=_platform(header),
            is_group="Group Name" in col,
            header=header + [""],
            index=index,
            counts=tuple((field, col[h]) for field, h in _COUNT_COLUMNS.items() if h in col),
            views=tuple(col[h] for h in ("Post Views", "Total Views", "Views") if h in col),
            followers=at("Followers at Posting", "Likes at Posting"),
            score=next((i for i, h in enumerate(header) if h.startswith("Overperforming Score")), empty),
        )


_TEXT_COLUMNS = {  # our field -> CrowdTangle headers, first found wins
    "name": ("Page Name", "Group Name", "Account"), "handle": ("User Name",), "account_id": ("Facebook Id",),
    "text": ("Message",), "link": ("Final Link", "Link"), "raw_link": ("Link",), "image_text": ("Image Text",),
    "link_text": ("Link Text",), "description": ("Description",), "title": ("Title",),
    "sponsor_id": ("Sponsor Id",), "sponsor_name": ("Sponsor Name",), "media_type": ("Type",),
}


def read(source: Source) -> Iterator[Record]:
    with source.open_text(newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise WrongFormat(f"{source.path.name} is empty; expected a CrowdTangle CSV export with a header row.")
        header = [h.strip() for h in header]
        if "Post Created" not in header or "URL" not in header:
            raise WrongFormat(
                f"{source.path.name} is not a CrowdTangle CSV export: expected the columns 'Post Created' and 'URL' "
                f"in its header."
            )
        layout = _Layout.from_header(header)
        width = len(header)
        for number, row in enumerate(reader, start=1):
            if len(row) != width:
                reason = "empty row" if not any(cell.strip() for cell in row) else \
                    f"has {len(row)} fields where the header has {width}"
                yield RowError(number, reason, _raw(header, row))
                continue
            row.append("")
            try:
                yield _record(layout, row)
            except BadValue as exc:
                row.pop()
                yield RowError(number, str(exc), _raw(header, row))


def _record(layout: _Layout, row: list[str]) -> PostRecord:
    """One row as a PostRecord; raises BadValue for a row that must be quarantined."""
    at = layout.index
    header = layout.header
    url = clean_text(row[at["url"]])
    m = _POST_ID.search(url) if url else None
    if not m:
        raise BadValue("no post id: the URL column is empty or not a post link")
    handle = clean_text(row[at["handle"]])
    platform = layout.platform
    # The page id keys Facebook posts; take it from the URL when the export has no 'Facebook Id'
    # column, so exports with and without that column key the same post the same way.
    account_id = clean_text(row[at["account_id"]]) or (_url_page_id(url) if platform == "facebook" else None)
    post_id = f"{account_id}_{m.group(1)}" if platform == "facebook" and account_id else m.group(1)
    created = parse_time(row[at["created"]], "Post Created")
    # Plain digits are by far the common case: convert them inline, send the rest to parse_count.
    counts = {field: int(v) if v.isascii() and v.isdigit() else parse_count(v, header[i])
              for field, i in layout.counts for v in (row[i],)}
    views = [int(v) if v.isascii() and v.isdigit() else parse_count(v, header[i])
             for i in layout.views for v in (row[i],)]
    reaction_parts = [counts[f] for f in _REACTIONS if counts.get(f) is not None]
    return PostRecord(
        platform=platform,
        platform_post_id=post_id,
        created_at=created,
        account_id=account_id or handle,
        account_name=clean_text(row[at["name"]]),
        account_handle=handle,
        account_url=(f"https://www.{platform}.com/{'groups/' if layout.is_group else ''}{handle}" if handle else None),
        url=url,
        text=clean_text(row[at["text"]]),
        title=clean_text(row[at["title"]]),
        description=clean_text(row[at["description"]]),
        link=clean_text(row[at["link"]]) or clean_text(row[at["raw_link"]]),
        link_text=clean_text(row[at["link_text"]]),
        image_text=clean_text(row[at["image_text"]]),
        media_type=clean_text(row[at["media_type"]]),
        sponsor_id=clean_text(row[at["sponsor_id"]]),
        sponsor_name=clean_text(row[at["sponsor_name"]]),
        overperforming_score=parse_score(row[layout.score], header[layout.score]),
        reactions=sum(reaction_parts) if reaction_parts else None,
        likes=counts.get("likes"),
        love=counts.get("love"), wow=counts.get("wow"), haha=counts.get("haha"),
        sad=counts.get("sad"), angry=counts.get("angry"), care=counts.get("care"),
        comments=counts.get("comments"),
        shares=counts.get("shares"),
        views=next((v for v in views if v), views[0] if views else None),
        followers_at_posting=parse_count(row[layout.followers], header[layout.followers]),
    )


_URL_PAGE_ID = re.compile(r"facebook\.com/(\d+)/")


def _url_page_id(url: str) -> str | None:
    m = _URL_PAGE_ID.search(url)
    return m.group(1) if m else None


def _raw(header: list[str], row: list[str]) -> str:
    return json.dumps(dict(zip(header, row)) if len(row) <= len(header) else {"fields": row}, ensure_ascii=False)

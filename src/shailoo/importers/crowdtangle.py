"""CrowdTangle historical-data / search CSV exports: Facebook pages, Facebook groups, Instagram.

Quirks handled: 'Post Created' with a zone abbreviation or offset ('BRT', 'EET', '+06', 'ALMT'),
counts with the exporting locale's thousands separator ('407.137'), scores with a decimal comma
('1,4'), placeholders ('-', 'N/A') meaning unknown, multi-line quoted cells, an
'Overperforming Score' header whose wording varies, and no post id column (taken from the URL).
"""

from __future__ import annotations

import csv
import re
import sys
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
        col = {name: i for i, name in enumerate(header)}
        platform = _platform(header)
        name_col = col.get("Page Name", col.get("Group Name", col.get("Account")))
        is_group = "Group Name" in col
        score_col = next((i for i, h in enumerate(header) if h.startswith("Overperforming Score")), None)
        count_cols = [(field, col[h]) for field, h in _COUNT_COLUMNS.items() if h in col]
        views_cols = [col[h] for h in ("Post Views", "Total Views", "Views") if h in col]
        followers_col = col.get("Followers at Posting", col.get("Likes at Posting"))
        text_cols = {f: col.get(h) for f, h in (
            ("text", "Message"), ("link", "Link"), ("image_text", "Image Text"), ("link_text", "Link Text"),
            ("description", "Description"), ("title", "Title"), ("sponsor_id", "Sponsor Id"),
            ("sponsor_name", "Sponsor Name"), ("media_type", "Type"), ("handle", "User Name"),
            ("account_id", "Facebook Id"), ("final_link", "Final Link"))}
        width = len(header)

        def cell(row: list[str], index: int | None) -> str | None:
            return clean_text(row[index]) if index is not None else None

        for number, row in enumerate(reader, start=1):
            if not row or (len(row) == 1 and not row[0].strip()):
                yield RowError(number, "empty row", ",".join(row))
                continue
            if len(row) != width:
                yield RowError(number, f"has {len(row)} fields where the header has {width}",
                               _raw(header, row))
                continue
            try:
                url = clean_text(row[col["URL"]])
                m = _POST_ID.search(url or "")
                if not m:
                    raise BadValue("no post id: the URL column is empty or not a post link")
                account_id = cell(row, text_cols["account_id"])
                post_id = f"{account_id}_{m.group(1)}" if platform == "facebook" and account_id else m.group(1)
                created = parse_time(row[col["Post Created"]], "Post Created")
                counts = {field: parse_count(row[i], header[i]) for field, i in count_cols}
                views = [parse_count(row[i], header[i]) for i in views_cols]
                followers = parse_count(row[followers_col], header[followers_col]) if followers_col is not None else None
                score = parse_score(row[score_col], header[score_col]) if score_col is not None else None
            except BadValue as exc:
                yield RowError(number, str(exc), _raw(header, row))
                continue
            parts = [counts.get(f) for f in _REACTIONS if f in counts]
            reactions = sum(p for p in parts if p is not None) if any(p is not None for p in parts) else None
            handle = cell(row, text_cols["handle"])
            yield _record(platform, post_id, created, account_id or handle, cell(row, name_col), handle,
                          url, row, cell, text_cols, score, reactions, counts, views, followers, is_group)


def _record(platform, post_id, created, account_id, name, handle, url, row, cell, text_cols, score,
            reactions, counts, views, followers, is_group) -> PostRecord:
    link = cell(row, text_cols["final_link"]) or cell(row, text_cols["link"])
    return PostRecord(
        platform=platform,
        platform_post_id=post_id,
        created_at=created,
        account_id=account_id,
        account_name=name,
        account_handle=handle,
        account_url=(f"https://www.{platform}.com/{'groups/' if is_group else ''}{handle}" if handle else None),
        url=url,
        text=cell(row, text_cols["text"]),
        title=cell(row, text_cols["title"]),
        description=cell(row, text_cols["description"]),
        link=link,
        link_text=cell(row, text_cols["link_text"]),
        image_text=cell(row, text_cols["image_text"]),
        media_type=cell(row, text_cols["media_type"]),
        sponsor_id=cell(row, text_cols["sponsor_id"]),
        sponsor_name=cell(row, text_cols["sponsor_name"]),
        overperforming_score=score,
        reactions=reactions,
        likes=counts.get("likes"),
        love=counts.get("love"), wow=counts.get("wow"), haha=counts.get("haha"),
        sad=counts.get("sad"), angry=counts.get("angry"), care=counts.get("care"),
        comments=counts.get("comments"),
        shares=counts.get("shares"),
        views=next((v for v in views if v), views[0] if views else None),
        followers_at_posting=followers,
    )


def _raw(header: list[str], row: list[str]) -> str:
    import json

    return json.dumps(dict(zip(header, row)) if len(row) <= len(header) else {"fields": row}, ensure_ascii=False)

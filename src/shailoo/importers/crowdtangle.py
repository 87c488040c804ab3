"""CrowdTangle historical-data / search CSV exports: Facebook pages, Facebook groups, Instagram.

Quirks handled: 'Post Created' with a zone abbreviation or offset ('BRT', 'EET', '+06', 'ALMT'),
counts with the exporting locale's thousands separator ('407.137'), scores with a decimal comma
('1,4'), placeholders ('-', 'N/A') meaning unknown, multi-line quoted cells, an
'Overperforming Score' header whose wording varies, no post id column (taken from the URL), and
spreadsheet re-saves (`;` or tab, cp1251 or UTF-16: see csvfiles.py).

A figure whose columns are missing is unknown, never the sum of the columns that are there:
Facebook's reactions need all seven reaction columns. CrowdTangle's own 'Total Interactions'
(Facebook: reactions + comments + shares; Instagram: likes + comments — its glossary) is compared with
the sum of its parts, and the rows that disagree are reported, not quarantined.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import Iterator

from shailoo.errors import WrongFormat
from shailoo.importers.base import ImporterInfo, Record, Source, Warnings, assumed_zone, zone_assumed
from shailoo.importers.csvrows import CsvReader, plausible_row, refuse_duplicates
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

_COUNT_COLUMNS = {  # our field -> CrowdTangle header
    "likes": "Likes", "comments": "Comments", "shares": "Shares", "love": "Love", "wow": "Wow",
    "haha": "Haha", "sad": "Sad", "angry": "Angry", "care": "Care",
}
_REACTIONS = ("likes", "love", "wow", "haha", "sad", "angry", "care")
# The columns each figure needs, per platform: (figure, its columns).
_NEEDED = {
    "facebook": (("reactions", ("Likes", "Love", "Wow", "Haha", "Sad", "Angry", "Care")), ("comments", ("Comments",)),
                 ("shares", ("Shares",))),
    "instagram": (("likes", ("Likes",)), ("comments", ("Comments",))),
}
_TOTAL_PARTS = {"facebook": "reactions + comments + shares", "instagram": "likes + comments"}
_POST_ID = re.compile(r"/(?:posts|videos|permalink|photos|p|reel|reels|tv)/(?:[^/?#]+/)*?([A-Za-z0-9_-]+)/?(?:[?#].*)?$")
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
    all_reactions: bool  # every reaction column is there (else reactions are unknown)
    total: int | None  # 'Total Interactions'

    def missing(self) -> list[tuple[str, list[str]]]:
        """(figure, its columns this file lacks) for each figure that is unknown for want of a column."""
        present = set(self.header)
        return [(figure, [c for c in columns if c not in present]) for figure, columns in _NEEDED[self.platform]
                if any(c not in present for c in columns)]

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
            all_reactions=all(_COUNT_COLUMNS[f] in col for f in _REACTIONS),
            total=col.get("Total Interactions"),
        )


_TEXT_COLUMNS = {  # our field -> CrowdTangle headers, first found wins
    "name": ("Page Name", "Group Name", "Account"), "handle": ("User Name",), "account_id": ("Facebook Id",),
    "text": ("Message",), "link": ("Final Link", "Link"), "raw_link": ("Link",), "image_text": ("Image Text",),
    "link_text": ("Link Text",), "description": ("Description",), "title": ("Title",),
    "sponsor_id": ("Sponsor Id",), "sponsor_name": ("Sponsor Name",), "media_type": ("Type",),
}


_READ_COLUMNS = ("URL", "Post Created", "Followers at Posting", "Likes at Posting", "Post Views", "Total Views",
                 "Views", "Overperforming Score", *_COUNT_COLUMNS.values(),
                 *(name for names in _TEXT_COLUMNS.values() for name in names))


def read(source: Source) -> Iterator[Record]:
    fh, delimiter = source.open_csv()
    with fh:
        csvfile = CsvReader(source, fh, delimiter)
        header = csvfile.header()
        if header is None:
            raise WrongFormat(f"{source.path.name} is empty; expected a CrowdTangle CSV export with a header row.")
        header = [h.strip() for h in header]
        if "Post Created" not in header or "URL" not in header:
            raise WrongFormat(
                f"{source.path.name} is not a CrowdTangle CSV export: expected the columns 'Post Created' and 'URL' "
                f"in its header (read as {source.dialect})."
            )
        refuse_duplicates(header, _READ_COLUMNS, source.path.name, "a CrowdTangle CSV export",
                          key=lambda h: "Overperforming Score" if h.startswith("Overperforming Score") else h)
        layout = _Layout.from_header(header)
        zone = assumed_zone(source.options)
        width = len(header)
        plausible = plausible_row(width, [header.index("URL")], header.index("Post Created"))
        warnings = source.warnings
        total_differs = (f"'Total Interactions' differs from the sum of its parts ({_TOTAL_PARTS[layout.platform]}) "
                         f"in {{n}} {{rows}}: {{records}}")
        posts = number = 0
        for number, row in enumerate(csvfile.rows(width, plausible), start=1):
            if type(row) is not list:
                yield RowError(number, row.reason, _raw(header, row.row))
            elif len(row) != width:
                yield RowError(number, "empty row", _raw(header, row))
            else:
                row.append("")
                try:
                    record = _record(layout, row, zone)
                except BadValue as exc:
                    row.pop()
                    yield RowError(number, str(exc), _raw(header, row))
                    continue
                posts += 1
                if record.created_at.tzinfo is zone:
                    warnings.add(zone_assumed(zone))
                if layout.total is not None and _total_differs(layout, row, record):
                    warnings.add(total_differs, record=number)
                yield record
        if posts:
            for figure, columns in layout.missing():
                names = ", ".join(f"'{Warnings.quoted(c)}'" for c in columns)
                warnings.add(f"no {names} column{'s' if len(columns) > 1 else ''}: {figure} are unknown for this "
                             f"file's {{n}} {{posts}}", count=posts)
        source.finish(number)


def _total_differs(layout: _Layout, row: list[str], r: PostRecord) -> bool:
    """Whether the row's own 'Total Interactions' differs from the sum of its known parts."""
    parts = (r.reactions, r.comments, r.shares) if layout.platform == "facebook" else (r.likes, r.comments)
    if None in parts:
        return False  # a part is unknown: nothing to compare
    try:
        total = parse_count(row[layout.total], "Total Interactions")
    except BadValue:
        return True
    return total is not None and total != sum(parts)


def _record(layout: _Layout, row: list[str], zone: tzinfo = timezone.utc) -> PostRecord:
    """One row as a PostRecord; raises BadValue for a row that must be quarantined."""
    at = layout.index
    header = layout.header
    url = clean_text(row[at["url"]])
    post_id = _post_id(url) if url else None
    if not post_id:
        raise BadValue("no post id: the URL column is empty or not a post link")
    handle = clean_text(row[at["handle"]])
    platform = layout.platform
    # The post key is the post's own id from its URL: every export variant has it (with or without
    # a 'Facebook Id' column, with numeric or vanity page URLs, ids re-saved by a spreadsheet).
    account_id = _page_id(row[at["account_id"]]) or (_url_page_id(url) if platform == "facebook" else None)
    created = parse_time(row[at["created"]], "Post Created", default_zone=zone)
    caption = clean_text(row[at["description"]])
    counts = {field: parse_count(row[i], header[i]) for field, i in layout.counts}
    views = [parse_count(row[i], header[i]) for i in layout.views]
    if platform == "instagram":
        reactions = counts.get("likes")
    elif layout.all_reactions:  # the sum when every part is known; one unknown part makes it unknown
        parts = [counts[f] for f in _REACTIONS]
        reactions = None if None in parts else sum(parts)
    else:
        reactions = None
    return PostRecord(
        platform=platform,
        platform_post_id=post_id,
        created_at=created,
        account_id=account_id or handle,
        account_name=clean_text(row[at["name"]]),
        account_handle=handle,
        account_url=(f"https://www.{platform}.com/{'groups/' if layout.is_group else ''}{handle}" if handle else None),
        url=url,
        # Instagram exports have no Message: the caption is in Description, and it is the post's text
        text=clean_text(row[at["text"]]) or (caption if platform == "instagram" else None),
        title=clean_text(row[at["title"]]),
        description=None if platform == "instagram" else caption,
        link=clean_text(row[at["link"]]) or clean_text(row[at["raw_link"]]),
        link_text=clean_text(row[at["link_text"]]),
        image_text=clean_text(row[at["image_text"]]),
        media_type=clean_text(row[at["media_type"]]),
        sponsor_id=clean_text(row[at["sponsor_id"]]),
        sponsor_name=clean_text(row[at["sponsor_name"]]),
        overperforming_score=parse_score(row[layout.score], header[layout.score]),
        reactions=reactions,
        likes=counts.get("likes"),
        love=counts.get("love"), wow=counts.get("wow"), haha=counts.get("haha"),
        sad=counts.get("sad"), angry=counts.get("angry"), care=counts.get("care"),
        comments=counts.get("comments"),
        shares=counts.get("shares"),
        views=next((v for v in views if v), views[0] if views else None),
        followers_at_posting=parse_count(row[layout.followers], header[layout.followers]),
    )


_URL_PAGE_ID = re.compile(r"facebook\.com/(?:groups/)?(\d+)/")
_QUERY_POST_ID = re.compile(r"[?&](?:story_fbid|fbid|v)=(\d+)")


def _post_id(url: str) -> str | None:
    """The post's id in its URL: /posts/ID, /videos/…/ID, /photos/…/ID, /permalink/ID, Instagram
    /p/CODE, /reel/CODE, or ?story_fbid=ID, ?fbid=ID, ?v=ID."""
    m = _POST_ID.search(url) or _QUERY_POST_ID.search(url)
    return m.group(1) if m else None


def _url_page_id(url: str) -> str | None:
    m = _URL_PAGE_ID.search(url)
    return m.group(1) if m else None


def _page_id(value: str) -> str | None:
    """A page id as exported, or as a spreadsheet re-saved it ('…499.0', '1.00050295107499E+14'),
    as its exact digits; None when absent (empty, spaces) or when digits were lost or it is no number."""
    text = value.strip()
    if text.isdigit() and text.isascii():
        return text
    if not text or len(text) > 40:
        return None
    try:
        sign, digits, exponent = Decimal(text).as_tuple()
    except InvalidOperation:
        return None
    if sign or not isinstance(exponent, int) or exponent > 0:
        return None  # negative, NaN/infinity, or '1.0005029510749E+14' whose last digits were rounded away
    whole, fraction = digits[:len(digits) + exponent], digits[len(digits) + exponent:]
    if any(fraction) or not whole:
        return None
    return "".join(map(str, whole)).lstrip("0") or None


def _raw(header: list[str], row: list[str]) -> str:
    return json.dumps(dict(zip(header, row)) if len(row) <= len(header) else {"fields": row}, ensure_ascii=False)

"""Meta Content Library CSV exports of Facebook and Instagram posts.

Columns follow the Content Library data dictionary (developers.facebook.com/docs/content-library-and-api/
appendix/data-dictionary): `id`, `creation_time`, `text`, `lang`, `post_owner.id|name|username|type`
(Facebook nests them as `post_owner.data.*`), `statistics.reaction_count`, `…like_count`,
`…love_count` … `…care_count`, `…comment_count`, `…share_count`, `…views`. Header variants are
accepted: dotted or underscored (`statistics_reaction_count`), with or without `.data.`, and the
web UI's display names ('Creation time', 'Post owner name', 'Likes').

The platform comes from a `platform` column, else the post URL, else the header (Facebook-only
columns such as reaction totals), else the file name. Posts whose owner is a profile (Facebook)
or a personal account (Instagram) are treated as private individuals unless registered.

The file's encoding and delimiter are detected (csvfiles.py). A figure whose columns are missing is
unknown, with a warning: Facebook reactions need `statistics.reaction_count` or the like count and the
whole breakdown; comments and shares their columns; Instagram likes and comments theirs. Meta's data
dictionary names no zone for `creation_time`; the API writes UTC, so a time without an offset is
taken as UTC (or in the zone given with `--timezone`), and the import says so.
"""

from __future__ import annotations

import json
import re
from datetime import timezone
from pathlib import Path
from typing import Iterator

from shailoo.errors import WrongFormat
from shailoo.importers.base import ImporterInfo, Record, Source, assumed_zone, zone_assumed
from shailoo.importers.csvrows import CsvReader, literal_cells, plausible_row, refuse_duplicates
from shailoo.importers.parse import BadValue, clean_text, parse_count, parse_time
from shailoo.records import PostRecord, RowError, Skipped

FORMAT = ImporterInfo(
    id="meta_content_library",
    name="Meta Content Library CSV",
    description="Meta Content Library / Content Library API CSV export of Facebook or Instagram posts",
    extensions=(".csv",),
)

# our name -> header keys (lower case, '.data.' dropped, only letters and digits kept)
_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "metacontentlibraryid"),
    "creation_time": ("creationtime",),
    "modified_time": ("modifiedtime",),
    "text": ("text",),
    "lang": ("lang", "language"),
    "url": ("url", "posturl", "permalink"),
    "platform": ("platform",),
    "owner_id": ("postownerid", "postownermetacontentlibraryid"),
    "owner_name": ("postownername",),
    "owner_username": ("postownerusername",),
    "owner_type": ("postownertype", "postowneraccounttype"),
    "surface_id": ("surfaceid",),
    "reactions": ("statisticsreactioncount", "reactions", "reactioncount"),
    "likes": ("statisticslikecount", "likes", "likecount"),
    "love": ("statisticslovecount", "lovereactions"),
    "wow": ("statisticswowcount", "wowreactions"),
    "haha": ("statisticshahacount", "hahareactions"),
    "sad": ("statisticssadcount", "sadreactions"),
    "angry": ("statisticsangrycount", "angryreactions"),
    "care": ("statisticscarecount", "carereactions"),
    "comments": ("statisticscommentcount", "comments", "commentcount"),
    "shares": ("statisticssharecount", "shares", "sharecount"),
    "views": ("statisticsviews", "views", "statisticsviewcount"),
    "media_type": ("mediatype", "contenttype"),
    "sponsor_id": ("brandedcontentpageid",),
    "link": ("linkattachmentfieldslink", "linkattachmentlink", "linkattachmenturl"),
    "link_text": ("linkattachmentfieldsname", "linkattachmentname"),
    "description": ("linkattachmentfieldsdescription", "linkattachmentdescription"),
    "shared_post_id": ("sharedpostid",),
    # comment exports: the post commented on, and the comment answered (a reply in a thread)
    "comment_post_id": ("postid", "commentpostid"),
    "parent_id": ("parentid", "parentcommentid", "replytoid"),
}
_BREAKDOWN = ("love", "wow", "haha", "sad", "angry", "care")
_FACEBOOK_ONLY = {"reactions", "love", "wow", "haha", "sad", "angry", "care", "shares", "shared_post_id", "link"}
_OWNER_KEYS = {"postownerid", "postownername", "postownertype", "postowneraccounttype", "postownerusername",
               "statisticsreactioncount", "statisticslikecount", "statisticscommentcount"}
# Owner types that are private individuals unless registered (Facebook 'profile', Instagram 'personal').
_PRIVATE_OWNERS = {"profile", "user", "private", "person", "personal"}


# The columns each figure needs, per platform: (figure, alternatives, each a tuple of fields all needed).
_NEEDED = {
    "facebook": (("reactions", (("reactions",), ("likes", *_BREAKDOWN))), ("comments", (("comments",),)),
                 ("shares", (("shares",),))),
    "instagram": (("likes", (("likes",),)), ("comments", (("comments",),))),
}
_API_NAMES = {"reactions": "statistics.reaction_count", "likes": "statistics.like_count",
              "comments": "statistics.comment_count", "shares": "statistics.share_count",
              **{f: f"statistics.{f}_count" for f in _BREAKDOWN}}


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.strip().lower().replace(".data.", "."))


def _missing(col: dict[str, int]) -> dict[str, list[str]]:
    """platform -> warning templates for the figures this header cannot give (a column is missing)."""
    out: dict[str, list[str]] = {}
    for platform, needs in _NEEDED.items():
        for figure, alternatives in needs:
            if any(all(f in col for f in fields) for fields in alternatives):
                continue
            lacking = [f for f in alternatives[-1] if f not in col]  # name what the fullest alternative lacks
            names = ", ".join(f"'{_API_NAMES[f]}'" for f in lacking)
            out.setdefault(platform, []).append(
                f"no {names} column{'s' if len(lacking) > 1 else ''}: {figure} are unknown for this file's "
                f"{{n}} {{posts}}")
    return out


def sniff(head: str, path: Path) -> bool:
    first = head.split("\n", 1)[0]
    keys = {_key(h) for h in re.split(r"[,;\t|]", first)}
    return "creationtime" in keys and bool(keys & _OWNER_KEYS)


def _columns(header: list[str]) -> dict[str, int]:
    keys = [_key(h) for h in header]
    col: dict[str, int] = {}
    for field, aliases in _ALIASES.items():
        for alias in aliases:
            if alias in keys:
                col[field] = keys.index(alias)
                break
    return col


def _header_platform(col: dict[str, int], header: list[str], path: Path) -> str:
    if any(f in col for f in _FACEBOOK_ONLY) or any(h.lower().startswith(("surface", "post_owner.data"))
                                                   for h in header):
        return "facebook"
    name = path.name.lower()
    if "instagram" in name or re.search(r"(^|[^a-z])ig([^a-z]|$)", name):
        return "instagram"
    if "facebook" in name:
        return "facebook"
    return "instagram" if "likes" in col else "facebook"


def read(source: Source) -> Iterator[Record]:
    fh, delimiter = source.open_csv()
    with fh:
        csvfile = CsvReader(source, fh, delimiter)
        header = csvfile.header()
        if not header or not any(h.strip() for h in header):
            raise WrongFormat(f"{source.path.name} is empty; expected a Meta Content Library CSV export "
                              f"with a header row.")
        col = _columns(header)
        if "id" not in col or "creation_time" not in col:
            raise WrongFormat(f"{source.path.name} is not a Meta Content Library CSV export: expected the columns "
                              f"'id' and 'creation_time' in its header (read as {source.dialect}).")
        refuse_duplicates(header, [header[i] for i in col.values()], source.path.name,
                          "a Meta Content Library CSV export", key=_key)
        default_platform = _header_platform(col, header, source.path)
        zone = assumed_zone(source.options, default="UTC")  # Meta writes UTC; --timezone overrides
        assumed = zone_assumed(zone)
        missing = _missing(col)
        unknown = dict.fromkeys((t for templates in missing.values() for t in templates), 0)
        warnings = source.warnings
        width = len(header)
        plausible = plausible_row(width, [col["id"]], col["creation_time"])
        number = 0
        for number, row in enumerate(csvfile.rows(width, plausible), start=1):
            if type(row) is not list:
                yield _error(number, row.reason, header, row.row, col, default_platform, row.lines, delimiter)
            elif len(row) != width:
                yield Skipped(number, "empty row")
            else:
                try:
                    post = _post(header, row, col, default_platform, zone)
                except BadValue as exc:
                    if not any(cell.strip() for cell in row):
                        yield Skipped(number, "empty row")
                    else:
                        yield _error(number, str(exc), header, row, col, default_platform)
                    continue
                if post.created_at.tzinfo is zone:
                    warnings.add(assumed)
                for template in missing.get(post.platform, ()):
                    unknown[template] += 1
                yield post
        for template, n in unknown.items():
            if n:
                warnings.add(template, count=n)
        source.finish(number)


def _error(number: int, reason: str, header: list[str], row: list[str], col: dict[str, int], default_platform: str,
           lines: tuple[str, ...] = (), delimiter: str = ",") -> RowError:
    """A quarantined row; the identifying values of a private owner are named for pseudonymisation,
    also where a broken row's cells are out of place (read again with its quotes taken literally)."""
    raw = json.dumps(dict(zip(header, row)) if len(row) <= len(header) else {"fields": row}, ensure_ascii=False)
    private: list[str] = []
    platform = ""
    for cells in (row, *(c for c in literal_cells(lines, delimiter) if len(c) == len(header))):
        def get(field: str) -> str:
            return cells[col[field]].strip() if field in col and col[field] < len(cells) else ""

        commenter = bool(get("comment_post_id") or get("parent_id")) and not get("owner_type")
        if get("owner_type").lower() in _PRIVATE_OWNERS or commenter:
            private += [v for v in (get("owner_id"), get("owner_name"), get("owner_username")) if v]
            if not platform:
                try:
                    platform = _platform(get("platform") or None, get("url") or None, default_platform)
                except BadValue:
                    platform = default_platform
    return RowError(number, reason, raw, private=tuple(dict.fromkeys(private)), platform=platform)


def _post(header: list[str], row: list[str], col: dict[str, int], default_platform: str, zone=None) -> PostRecord:
    def cell(field: str) -> str | None:
        return clean_text(row[col[field]]) if field in col else None

    def count(field: str) -> int | None:
        return parse_count(row[col[field]], header[col[field]].strip()) if field in col else None

    post_id = (cell("id") or "").strip()
    if not post_id:
        raise BadValue("no post id: the id column is empty")
    zone = zone or timezone.utc
    created = parse_time(cell("creation_time"), header[col["creation_time"]].strip(), default_zone=zone)
    modified = parse_time(cell("modified_time"), "modified_time", default_zone=zone) if cell("modified_time") else None
    counts = {f: count(f) for f in ("reactions", "likes", *_BREAKDOWN, "comments", "shares", "views")}
    url = cell("url")
    platform = _platform(cell("platform"), url, default_platform)
    reactions = counts["reactions"]
    if platform == "instagram" and reactions is None:
        reactions = counts["likes"]
    elif reactions is None:  # the sum when every part is known: a part unknown or missing makes it unknown
        parts = [counts[f] for f in ("likes", *_BREAKDOWN)]
        reactions = None if None in parts else sum(parts)
    owner_type = (cell("owner_type") or "").strip().lower()
    username = cell("owner_username")
    shared = cell("shared_post_id")
    commented, answered = cell("comment_post_id"), cell("parent_id")
    if commented or answered:  # a comment: its author is private unless the export says it is a page
        answered = answered if answered not in (None, commented, post_id) else None
        shared = answered or commented
        public = bool(owner_type) and owner_type not in _PRIVATE_OWNERS
        kind = "reply" if answered else "comment"
    else:
        public, kind = owner_type not in _PRIVATE_OWNERS, "repost" if shared else "post"
    return PostRecord(
        platform=platform,
        platform_post_id=post_id,
        created_at=created,
        account_id=cell("owner_id"),
        # the group or page the post was published in, when its owner is someone else (a member)
        space_account_id=cell("surface_id") if cell("surface_id") not in (None, cell("owner_id")) else None,
        account_name=cell("owner_name"),
        account_handle=username,
        account_url=f"https://www.{platform}.com/{username}" if username else None,
        author_is_public=public,
        post_type=kind,
        parent_platform_post_id=shared,
        url=url,
        text=cell("text"),
        description=cell("description"),
        link=cell("link"),
        link_text=cell("link_text"),
        media_type=cell("media_type"),
        language=cell("lang"),
        is_edited=(modified > created) if modified else None,
        sponsor_id=cell("sponsor_id"),
        reactions=reactions,
        likes=counts["likes"],
        love=counts["love"], wow=counts["wow"], haha=counts["haha"],
        sad=counts["sad"], angry=counts["angry"], care=counts["care"],
        comments=counts["comments"],
        shares=counts["shares"],
        views=counts["views"],
    )


def _platform(value: str | None, url: str | None, default: str) -> str:
    value = (value or "").strip().lower()
    if value in ("facebook", "instagram"):
        return value
    if value:
        raise BadValue(f"platform is '{value[:40]}', not facebook or instagram")
    host = re.match(r"https?://(?:[a-z0-9-]+\.)*(facebook|fb|instagram)\.com/", (url or "").lower())
    if host:
        return "instagram" if host.group(1) == "instagram" else "facebook"
    return default


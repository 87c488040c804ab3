"""Turn an importer's records into staged rows: normalised text, pseudonymised private authors,
Arrow batches handed to a sink (DuckDB staging tables, or a file when another process reads)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

import pyarrow as pa

from shailoo.errors import WrongFormat
from shailoo.importers.base import PERSON_KEYS
from shailoo.importers.parse import MAX_COUNT, BadValue, plausible_time
from shailoo.privacy import pseudonym
from shailoo.records import AccountRecord, PostRecord, RowError, Skipped
from shailoo.store.staging import STAGE_ACCOUNTS_SCHEMA, STAGE_POSTS_SCHEMA, STAGE_QUARANTINE_SCHEMA, ColumnBuffer
from shailoo.text.normalise import normalise

BATCH_ROWS = 50_000
Sink = Callable[[str, pa.Table], None]  # (staging table name, batch)
Progress = Callable[[int, int], None]  # (records so far, bytes read)


@dataclass
class StageCounts:
    records: int = 0
    quarantined: int = 0
    skipped: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    lines: int | None = None  # physical lines, for line-based formats


@dataclass(frozen=True)
class Privacy:
    """What the stager needs to pseudonymise: the workspace key (None = opted out) and who is registered."""

    key: bytes | None
    registered_ids: frozenset[tuple[str, str]] = frozenset()
    registered_handles: frozenset[tuple[str, str]] = frozenset()

    def is_registered(self, platform: str, account_id: str | None, handle: str | None) -> bool:
        return (platform, account_id) in self.registered_ids or (
            handle is not None and (platform, handle.lower().lstrip("@")) in self.registered_handles)


class Stager:
    def __init__(self, privacy: Privacy, sink: Sink) -> None:
        self.privacy = privacy
        self.sink = sink
        self.buffers = {"stage_posts": ColumnBuffer(STAGE_POSTS_SCHEMA),
                        "stage_accounts": ColumnBuffer(STAGE_ACCOUNTS_SCHEMA),
                        "stage_quarantine": ColumnBuffer(STAGE_QUARANTINE_SCHEMA)}
        self._pseudonyms: dict[tuple[str, str], str] = {}

    def _pseudonym(self, platform: str, value: str) -> str:
        key = (platform, value)
        if key not in self._pseudonyms:
            self._pseudonyms[key] = pseudonym(self.privacy.key, platform, value)
        return self._pseudonyms[key]

    def _post_key(self, platform: str, key: str | None) -> str | None:
        """A post key that starts with a person's id (a VK post on a person's wall) keeps that id only
        for a registered actor; anyone else's becomes their pseudonym, so the key stays stable."""
        pattern = PERSON_KEYS.get(platform)
        m = pattern.fullmatch(key) if pattern and key and self.privacy.key else None
        if m is None or self.privacy.is_registered(platform, m["owner"], None):
            return key
        return f"{self._pseudonym(platform, m['owner'])}{m['rest']}"

    def add_post(self, seq: int, r: PostRecord) -> None:
        account_id, name, handle, url = r.account_id, r.account_name, r.account_handle, r.account_url
        post_url = r.url
        private = False
        key = self.privacy.key
        if key and not r.author_is_public and not self.privacy.is_registered(r.platform, account_id, handle):
            private = True
            source_id = account_id or handle or name
            account_id = self._pseudonym(r.platform, source_id) if source_id else None
            name = handle = url = None
            if post_url and any(v and str(v).lower() in post_url.lower() for v in (r.account_id, r.account_handle)):
                post_url = None  # e.g. facebook.com/jane.doe/posts/1 would name the person
        post_key = self._post_key(r.platform, r.platform_post_id)
        if post_key != r.platform_post_id and post_url and r.platform_post_id.split("_")[0] in post_url:
            post_url = None  # vk.com/wall<owner>_<post> names the person whose wall it is
        forwarded_from = r.forwarded_from
        if (key and forwarded_from and not r.forwarded_from_is_public
                and not self.privacy.is_registered(r.platform, forwarded_from, None)):
            forwarded_from = self._pseudonym(r.platform, forwarded_from)
        offset = r.created_at.utcoffset()
        breakdown = list(r.reaction_breakdown.items()) if r.reaction_breakdown else None
        self.buffers["stage_posts"].append((
            seq, r.platform, post_key, r.created_at,
            None if offset is None else int(offset.total_seconds() // 60),
            account_id, name, handle, url, private, r.space_account_id, r.post_type,
            self._post_key(r.platform, r.parent_platform_post_id), post_url,
            r.text, _norm_if_different(r.text), r.title, r.description, r.link, r.link_text, r.image_text,
            r.media_type, r.language, forwarded_from, r.is_edited, r.sponsor_id, r.sponsor_name,
            r.overperforming_score, r.measured_at, r.reactions, r.likes, r.love, r.wow, r.haha, r.sad,
            r.angry, r.care, breakdown, r.comments, r.shares, r.views, r.followers_at_posting,
        ))

    def add_account(self, seq: int, r: AccountRecord) -> None:
        self.buffers["stage_accounts"].append((seq, r.platform, r.account_id, r.name, r.handle, r.url,
                                               r.measured_at, r.followers, r.total_views, r.total_posts))

    def add_error(self, r: RowError) -> None:
        raw, reason = r.raw, r.reason
        if self.privacy.key and r.private:
            # the reason too: it outlives `quarantine purge`, so it must not hold a private value either
            replacements = {v: self._pseudonym(r.platform, v) for v in r.private}
            raw = redact(raw, replacements) if raw else raw
            reason = redact(reason, replacements)
        self.buffers["stage_quarantine"].append((r.record_number, reason, raw))

    def flush(self, final: bool = False) -> None:
        for table, buffer in self.buffers.items():
            if len(buffer) and (final or len(buffer) >= BATCH_ROWS):
                self.sink(table, buffer.take())


def stage_records(records: Iterable, stager: Stager, format_name: str, file_name: str,
                  progress: Progress | None = None, bytes_read: Callable[[], int] = lambda: 0) -> StageCounts:
    """Stage every record, counting errors and skips; records are numbered 1, 2, ... in file order."""
    counts = StageCounts()
    try:
        for record in records:
            counts.records += 1
            if isinstance(record, (PostRecord, AccountRecord)) and (problem := record_problem(record)):
                record = quarantined(counts.records, problem, record)
            if isinstance(record, PostRecord):
                stager.add_post(counts.records, record)
            elif isinstance(record, AccountRecord):
                stager.add_account(counts.records, record)
            elif isinstance(record, RowError):
                counts.quarantined += 1
                stager.add_error(record)
            elif isinstance(record, Skipped):
                counts.skipped += 1
                counts.skipped_reasons[record.reason] = counts.skipped_reasons.get(record.reason, 0) + 1
            if counts.records % 10_000 == 0:
                stager.flush()
                if progress:
                    progress(counts.records, bytes_read())
        stager.flush(final=True)
    except UnicodeDecodeError as exc:
        names = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "cp1251": "Windows-1251", "utf-16": "UTF-16"}
        encoding = names.get((exc.encoding or "").lower().replace("_", "-"), exc.encoding)
        raise WrongFormat(
            f"{file_name} is not valid {encoding} text (after record {counts.records:,}); expected a "
            f"{format_name} file saved as text (re-save it as UTF-8, e.g. 'CSV UTF-8' in a spreadsheet program)."
        ) from None
    return counts


_POST_COUNTS = ("reactions", "likes", "love", "wow", "haha", "sad", "angry", "care", "comments", "shares", "views",
                "followers_at_posting")
_ACCOUNT_COUNTS = ("followers", "total_views", "total_posts")
MAX_ID_LENGTH = 256


def record_problem(r: PostRecord | AccountRecord) -> str | None:
    """Why a record an importer produced cannot be stored (the last guard, whatever the importer
    checked): an id that is empty or absurdly long, a count beyond the bound, a time out of range."""
    post = isinstance(r, PostRecord)
    ident = r.platform_post_id if post else r.account_id
    if not isinstance(ident, str) or not ident.strip() or len(ident) > MAX_ID_LENGTH:
        return f"the {'post' if post else 'account'} id is empty or longer than {MAX_ID_LENGTH} characters"
    for name in _POST_COUNTS if post else _ACCOUNT_COUNTS:
        value = getattr(r, name)
        if value is not None and not 0 <= value <= MAX_COUNT:
            return f"{name} is outside 0..{MAX_COUNT:,}"
    if post:
        if r.reaction_breakdown and any(not 0 <= v <= MAX_COUNT for v in r.reaction_breakdown.values()):
            return f"a reaction count is outside 0..{MAX_COUNT:,}"
        try:
            plausible_time(r.created_at, "the post time")
        except BadValue as exc:
            return str(exc)
    return None


def quarantined(number: int, reason: str, r: PostRecord | AccountRecord) -> RowError:
    """A RowError holding the record's own fields, its private author's identifiers marked for redaction."""
    fields = {name: getattr(r, name) for name in r.__slots__}
    for name in ("text", "title", "description"):
        if isinstance(fields.get(name), str) and len(fields[name]) > 2000:
            fields[name] = fields[name][:2000] + "…"
    private: tuple[str, ...] = ()
    if isinstance(r, PostRecord) and not r.author_is_public:
        private = tuple(v for v in (r.account_id, r.account_handle, r.account_name) if v)
    raw = json.dumps(fields, ensure_ascii=False, default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v))
    return RowError(number, reason, raw, private=private, platform=r.platform)


def redact(raw: str, replacements: dict[str, str]) -> str:
    """`raw` with each value (as written, or JSON-escaped) replaced where it stands as a whole token:
    '123' inside '1700123456' is left alone. A numeric id is replaced wherever no digit touches it, so
    also inside URLs and keys ('vk.com/doc123_45', 'id123', '123_45', '123.0')."""
    for value in sorted(replacements, key=len, reverse=True):
        value_str = str(value).strip()
        if not value_str:
            continue
        forms = {value_str, json.dumps(value_str, ensure_ascii=False)[1:-1]}
        edge = r"[0-9]" if value_str.isascii() and value_str.isdigit() else r"\w"
        for form in forms:
            raw = re.sub(rf"(?<!{edge}){re.escape(form)}(?!{edge})", lambda _m, r=replacements[value]: r, raw)
    return raw


def _norm_if_different(text: str | None) -> str | None:
    """The normalised text, or None when it equals the original (staged once, coalesced on merge)."""
    norm = normalise(text)
    return None if norm is text or norm == text else norm

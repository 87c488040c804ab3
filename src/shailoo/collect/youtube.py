"""YouTube Data API v3 with the user's key: channels, their uploads, and the videos' counts.

For an account, `channels.list` gives the channel's subscribers, views and video count (a follower
snapshot) and its uploads playlist; `playlistItems.list` on that playlist (newest first, 50 a
page) gives the ids of videos newer than the cursor; `videos.list` (50 ids a call) gives the videos
and their counts. Every body handed on is a response the `youtube` importer reads.

Quota: every call costs units of the key's daily quota (10,000 by default; the day is Pacific
time, as Google counts it). The collector counts each request it sends, including retries and
redirect hops, and stops with QuotaExhausted *before* any request that would pass the budget (the
HTTP client asks before each one it sends), or when YouTube says the quota is spent. `summary()` gives the figures the run keeps so the next run of the day starts
from them. `search.list` (100 units a call) is never used.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from typing import Any, Iterator, Mapping
from zoneinfo import ZoneInfo

from shailoo.collect.base import (Account, AccountUnavailable, Batch, CredentialsError, LayoutChanged,
                                  PlatformError, QuotaExhausted, shown)
from shailoo.importers.parse import BadValue, parse_time

API_BASE = "https://www.googleapis.com/youtube/v3"
DAILY_UNITS = 10_000
COST = {"channels": 1, "playlistItems": 1, "videos": 1, "search": 100}  # units per request
PAGE = 50  # the API's largest maxResults, and the most ids videos.list takes at once
MAX_PAGES = 1_000  # an uploads playlist lists at most ~20,000 videos (400 pages): a bound on odd paging
PACIFIC = ZoneInfo("America/Los_Angeles")  # Google's quota day

_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_CHANNEL_ID = re.compile(r"UC[A-Za-z0-9_-]{22}")
_UPLOADS_ID = re.compile(r"UU[A-Za-z0-9_-]{22}")
_HANDLE = re.compile(r"@?([A-Za-z0-9_.\-·]{3,100})")
_URL_CHANNEL = re.compile(r"youtube\.com/channel/(UC[A-Za-z0-9_-]{22})")
_URL_HANDLE = re.compile(r"youtube\.com/@([^/?#\s]{3,100})")

# error reasons (error.errors[].reason, error.details[].reason, error.status) and what they mean
_QUOTA = {"quotaExceeded", "dailyLimitExceeded", "dailyLimitExceededUnreg", "RATE_LIMIT_EXCEEDED_DAILY"}
_RATE = {"rateLimitExceeded", "userRateLimitExceeded"}  # per-second limits: wait and try again
_ACCOUNT = {"channelNotFound", "channelClosed", "channelSuspended", "channelForbidden", "playlistNotFound",
            "playlistItemsNotAccessible", "playlistForbidden"}
_CREDENTIALS = {"keyInvalid", "keyExpired", "API_KEY_INVALID", "API_KEY_EXPIRED", "accessNotConfigured",
                "SERVICE_DISABLED", "ipRefererBlocked", "API_KEY_SERVICE_BLOCKED", "API_KEY_HTTP_REFERRER_BLOCKED",
                "API_KEY_IP_ADDRESS_BLOCKED", "API_KEY_ANDROID_APP_BLOCKED", "API_KEY_IOS_APP_BLOCKED",
                "forbidden", "authError", "unauthorized", "UNAUTHENTICATED"}


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class YouTubeCollector:
    """Collects registered YouTube channels; see the module docstring."""

    platform = "youtube"
    method = "youtube-api"
    base_url = API_BASE  # replaced by --api-base

    def __init__(self, http: Any | None, credentials: Any, *, daily_units: int = DAILY_UNITS,
                 units_spent: Mapping[str, int] | int = 0, now: Any = None) -> None:
        """`units_spent`: units already spent today (an int), or per Pacific day ('2025-01-07': 120)
        as the run's state keeps them; other days are ignored. `now` gives the UTC time."""
        self._http = http
        self._credentials = credentials
        self._now = now or _utcnow
        self.quota_day: date = self._now().astimezone(PACIFIC).date()
        if isinstance(units_spent, Mapping):
            units_spent = units_spent.get(self.quota_day.isoformat(), 0)
        self.daily_units = max(0, int(daily_units))
        self.units_before = max(0, int(units_spent))
        self.units_used = 0
        self.exhausted = False  # YouTube said the quota is spent, whatever our count says
        self.calls: list[str] = []  # endpoints called, in order (the run's log, and tests)

    def __repr__(self) -> str:  # never the key
        return f"YouTubeCollector(units used {self.units_used})"

    # ---- quota

    @property
    def units_left(self) -> int:
        return 0 if self.exhausted else max(0, self.daily_units - self.units_before - self.units_used)

    def summary(self) -> QuotaSummary:
        """Quota figures (units of the Pacific day): a dict for the run's state, one line as text."""
        return QuotaSummary(quota_day=self.quota_day.isoformat(), daily_units=self.daily_units,
                            units_before=self.units_before, units_used=self.units_used,
                            units_left=self.units_left, exhausted=self.exhausted)

    def _quota_message(self, endpoint: str) -> str:
        return (f"YouTube's daily quota would be exceeded: {endpoint}.list costs {COST[endpoint]} unit(s) and "
                f"{self.units_left:,} of {self.daily_units:,} are left today (Pacific time; "
                f"{self.units_before:,} spent before this run, {self.units_used:,} by it); the collection goes "
                "on after midnight Pacific time, or raise [collect] youtube_daily_units if the key has more.")

    # ---- one request

    def _key(self) -> str:
        key = self._credentials.get("youtube_key") if self._credentials is not None else None
        if hasattr(key, "reveal"):  # collect/credentials.Secret: revealed only as a request is sent
            key = key.reveal()
        if not isinstance(key, str) or not key.strip():
            raise CredentialsError("No YouTube API key: set SHAILOO_YOUTUBE_KEY (or store it in the keyring); "
                                   "see docs/collect.md for how to get one.")
        return key.strip()

    def _client(self) -> Any:
        if self._http is None:
            from shailoo.collect.http import HttpClient

            self._http = HttpClient(self.base_url, platform=self.platform)
        return self._http

    def _call(self, endpoint: str, params: dict, account: Account | None) -> tuple[Any, dict]:
        """(exchange, its JSON) for a 200 answer; the matching CollectError for any other."""
        key = self._key()
        if self.exhausted or self.units_left < COST[endpoint]:
            raise QuotaExhausted(self._quota_message(endpoint))
        http = self._client()
        starts = getattr(http, "request_starts", None)
        before = len(starts) if starts is not None else 0
        self.calls.append(endpoint)

        def budget() -> None:  # before every request on the wire: a retry or a redirect hop costs units too
            sent = len(starts) - before if starts is not None else 0
            if self.units_left - COST[endpoint] * sent < COST[endpoint]:
                raise _OverBudget

        try:
            try:
                exchange = http.get(endpoint, params, secret_params={"key": key}, retry_if=_rate_limited,
                                    before_send=budget)
            finally:  # every request sent costs units, also an invalid one and each retry
                sent = len(starts) - before if starts is not None else 1
                self.units_used += COST[endpoint] * max(1, sent)
        except _OverBudget:
            raise QuotaExhausted(self._quota_message(endpoint)) from None
        if exchange.status != 200:
            raise self._error(exchange, account, key)
        data = exchange.json()
        if not isinstance(data, dict) or not isinstance(data.get("items", []), list):
            raise LayoutChanged(f"YouTube's answer to {endpoint}.list has no list of items; the API may have "
                                "changed, or --api-base points at something else.")
        return exchange, data

    def _error(self, exchange: Any, account: Account | None, key: str) -> Exception:
        reasons, message = _reasons(exchange)
        message = message.replace(key, "***")
        what = f"{exchange.endpoint}.list"
        if reasons & _QUOTA:
            self.exhausted = True
            return QuotaExhausted(f"YouTube answered that this key's daily quota is spent ({what}); the collection "
                                  "goes on after midnight Pacific time.")
        if reasons & _ACCOUNT or (exchange.status == 404 and account is not None):
            who = account.label if account is not None else "the account"
            return AccountUnavailable(f"YouTube cannot give {who}: {_first(reasons) or 'not found'} "
                                      f"(HTTP {exchange.status}); the channel may be deleted, terminated or private.")
        if reasons & _CREDENTIALS or exchange.status == 401 or "api key" in message.lower():
            why = _first(reasons & _CREDENTIALS) or message or f"HTTP {exchange.status}"
            return CredentialsError(f"YouTube refused the API key ({why}); check SHAILOO_YOUTUBE_KEY and that the "
                                    "key may use the YouTube Data API v3.")
        return PlatformError(f"YouTube answered HTTP {exchange.status} to {what}"
                             f"{f' ({message})' if message else ''}.")

    # ---- the collector's contract

    def new_posts(self, account: Account, cursor: dict | None, since: datetime | None) -> Iterator[Batch]:
        """The channel's snapshot, then its videos newer than `cursor` (or `since`), oldest batch first."""
        exchange, data = self._call("channels", {"part": "snippet,statistics,contentDetails",
                                                 **_channel_query(account)}, account)
        channel = next((item for item in data.get("items") or [] if isinstance(item, dict)), None)
        if channel is None:
            raise AccountUnavailable(f"YouTube has no channel {account.label}: it does not exist or was "
                                     "terminated.")
        channel_id, uploads = _channel_ids(channel, account)
        snapshot = Batch("youtube", f"youtube_channel_{_safe(channel_id)}.json", exchange.body,
                         exchange.received_at, cursor={**(cursor or {}), "account_id": channel_id})
        try:
            found = self._uploads(uploads, account, cursor, since, snapshot.notes)
        except Exception:
            yield snapshot  # the channel's snapshot is kept whatever stopped the paging
            raise
        yield snapshot
        found.sort()  # oldest first: a cursor stored after each batch never skips an older video
        for start in range(0, len(found), PAGE):
            chunk = found[start:start + PAGE]
            batch = self._videos([vid for _, vid in chunk], account, f"videos_{_safe(channel_id)}_{start // PAGE + 1}",
                                 [])
            newest_at, newest_id = chunk[-1]
            batch.cursor = {"account_id": channel_id, "last_video_id": newest_id,
                            "last_published_at": newest_at.isoformat()}
            yield batch

    def readings(self, account: Account, platform_post_ids: list[str]) -> Iterator[Batch]:
        """videos.list for these ids, 50 a call: their counts now."""
        ids = list(dict.fromkeys(str(v).strip() for v in platform_post_ids))
        good = [v for v in ids if _VIDEO_ID.fullmatch(v)]
        notes = [f"{len(ids) - len(good):,} ids skipped: not YouTube video ids"] if len(good) < len(ids) else []
        for start in range(0, len(good), PAGE):
            yield self._videos(good[start:start + PAGE], account, f"readings_{start // PAGE + 1}",
                               notes if start == 0 else [])

    # ---- the steps

    def _uploads(self, playlist: str, account: Account, cursor: dict | None, since: datetime | None,
                 notes: list[str]) -> list[tuple[datetime, str]]:
        """(published, id) of the playlist's videos newer than the cursor; pages until it is reached."""
        stop_id, stop_at = _cursor(cursor)
        if stop_at is None and since is not None:
            stop_at = since if since.tzinfo else since.replace(tzinfo=timezone.utc)
        found: dict[str, datetime] = {}
        unavailable = 0
        token = None
        tokens: set[str] = set()
        for _ in range(MAX_PAGES):
            params = {"part": "contentDetails,status", "playlistId": playlist, "maxResults": PAGE,
                      "pageToken": token}
            _, data = self._call("playlistItems", params, account)
            reached = False
            for item in data.get("items") or []:
                details = item.get("contentDetails") if isinstance(item, dict) else None
                vid = details.get("videoId") if isinstance(details, dict) else None
                if not isinstance(vid, str) or not _VIDEO_ID.fullmatch(vid):
                    unavailable += 1
                    continue
                if vid == stop_id:
                    reached = True
                    continue
                status = item.get("status")
                private = isinstance(status, dict) and status.get("privacyStatus") == "private"
                try:
                    published = parse_time(details.get("videoPublishedAt"), "videoPublishedAt")
                except BadValue:  # private and deleted videos have no publication time
                    published = None
                if private or published is None:
                    unavailable += 1
                    continue
                if stop_at is not None and published < stop_at:
                    reached = True  # the rest of this page is still read: the order is not guaranteed
                    continue
                found.setdefault(vid, published)
            token = data.get("nextPageToken")
            if reached or not data.get("items") or not isinstance(token, str) or not 0 < len(token) <= 200:
                break
            if token in tokens:  # a page asked for twice: the paging is broken, stop rather than loop
                notes.append("the uploads playlist's paging repeated itself; its older videos were not listed")
                break
            tokens.add(token)
        if unavailable:
            notes.append(f"{unavailable:,} private or deleted video(s) in the uploads playlist skipped")
        return [(published, vid) for vid, published in found.items()]

    def _videos(self, ids: list[str], account: Account, name: str, notes: list[str]) -> Batch:
        """One videos.list call as a batch; videos it did not return, or without counts, noted."""
        exchange, data = self._call("videos", {"part": "snippet,statistics,contentDetails", "id": ",".join(ids),
                                               "maxResults": PAGE}, account)
        items = data.get("items") or []
        kept = [item for item in items if isinstance(item, dict) and isinstance(item.get("statistics"), dict)
                and not (isinstance(item.get("status"), dict) and item["status"].get("privacyStatus") == "private")]
        returned = {item.get("id") for item in items if isinstance(item, dict)}
        notes = list(notes)
        if len(kept) < len(items):
            notes.append(f"{len(items) - len(kept):,} private video(s) or video(s) without counts skipped")
        missing = sum(1 for vid in ids if vid not in returned)
        if missing:
            notes.append(f"{missing:,} video(s) not returned (private or deleted) skipped")
        body = exchange.body if len(kept) == len(items) else json.dumps({**data, "items": kept}).encode()
        return Batch("youtube", f"youtube_{name}.json", body, exchange.received_at, posts_seen=len(kept),
                     notes=notes)


class _OverBudget(Exception):
    """The next request of a call would pass the day's budget (raised inside the HTTP client)."""


class QuotaSummary(dict):
    """The quota figures; as text, the line the run's summary shows."""

    def __str__(self) -> str:
        spent = " (YouTube says the key's quota is spent)" if self["exhausted"] else ""
        return (f"quota units: {self['units_before']:,} before, {self['units_used']:,} used, "
                f"{self['units_left']:,} left of {self['daily_units']:,} (Pacific day {self['quota_day']}){spent}")


def _rate_limited(exchange: Any) -> float | None:
    """Seconds to wait before asking again when YouTube says 'too many requests per second', else None."""
    if exchange.status != 403:
        return None
    reasons, _ = _reasons(exchange)
    return 5.0 if reasons & _RATE else None


def _reasons(exchange: Any) -> tuple[set[str], str]:
    """The reasons and the message of an API error answer (empty when it is not one)."""
    try:
        data = json.loads(exchange.body[:65536]) if len(exchange.body) <= 65536 else None
    except (ValueError, UnicodeDecodeError):
        data = None
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return set(), ""
    reasons = set()
    for part in ("errors", "details"):
        entries = error.get(part)
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("reason"), str):
                reasons.add(shown(entry["reason"], 100))
    if isinstance(error.get("status"), str):
        reasons.add(shown(error["status"], 100))
    message = error.get("message")
    message = shown(message, 200) if isinstance(message, str) else ""
    return reasons, message


def _first(reasons: set[str]) -> str:
    return min(reasons) if reasons else ""


def _channel_query(account: Account) -> dict:
    """channels.list's selector: id= for a channel id (UC…), forHandle= for an @handle."""
    if _CHANNEL_ID.fullmatch(account.account_id or ""):
        return {"id": account.account_id}
    m = _URL_CHANNEL.search(account.url or "")
    if m:
        return {"id": m.group(1)}
    m = _URL_HANDLE.search(account.url or "")
    for handle in (account.handle, account.account_id, m.group(1) if m else None):
        h = _HANDLE.fullmatch(handle or "")
        if h:
            return {"forHandle": "@" + h.group(1)}
    raise AccountUnavailable(f"{account.label} has neither a YouTube channel id (UC…) nor a handle to look it up by.")


def _channel_ids(channel: dict, account: Account) -> tuple[str, str]:
    """The channel's id and its uploads playlist's id ('UC…' ↔ 'UU…')."""
    details = channel.get("contentDetails")
    playlists = details.get("relatedPlaylists") if isinstance(details, dict) else None
    uploads = playlists.get("uploads") if isinstance(playlists, dict) else None
    channel_id = channel.get("id")
    if not (isinstance(channel_id, str) and _CHANNEL_ID.fullmatch(channel_id)):
        channel_id = "UC" + uploads[2:] if isinstance(uploads, str) and _UPLOADS_ID.fullmatch(uploads) else None
    if channel_id is None:
        raise LayoutChanged(f"YouTube's channels.list answer for {account.label} has no channel id.")
    if not (isinstance(uploads, str) and _UPLOADS_ID.fullmatch(uploads)):
        uploads = "UU" + channel_id[2:]
    return channel_id, uploads


def _cursor(cursor: dict | None) -> tuple[str | None, datetime | None]:
    """(last video id, its publication time) from what the previous run stored; a bad one is no cursor."""
    if not isinstance(cursor, dict):
        return None, None
    vid = cursor.get("last_video_id")
    vid = vid if isinstance(vid, str) and _VIDEO_ID.fullmatch(vid) else None
    try:
        at = parse_time(cursor.get("last_published_at"), "last_published_at")
    except BadValue:
        at = None
    return vid, at


def _safe(text: str) -> str:
    """A file name part with no '-': the importer would read '2019-05-12' inside an id as a date."""
    return re.sub(r"[^A-Za-z0-9_]", "_", text)

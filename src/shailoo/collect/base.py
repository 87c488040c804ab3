"""The contract between the collection run (`collect/run.py`) and each platform's collector.

A collector turns "what is due for this account" into batches: bodies in a format one of
shailoo's importers reads (`Batch.format_id`), with the time they were received, so the run can
archive them and import them; a reading's counts become an engagement snapshot measured at
`received_at`. Collectors never touch the workspace: the run does.

Every collector class is built as `Collector(http, credentials, **options)`:
- `http`: a `collect.http.HttpClient` the run made for the platform (its base URL is the class's
  `base_url`, or `--api-base`; its rate the class's `rate_per_second`, default 3/s, or none with
  `--no-rate-limit`; every answer it receives is archived by the run), or None for a collector
  whose class sets `archives_batches = True` (no HTTP, e.g. Telethon: the run archives each
  Batch's body itself, as endpoint 'batch:<format_id>');
- `credentials`: a `collect.credentials.Credentials` (`credentials.require("vk_token", "a VK access
  token")` -> Secret, `.reveal()` only when sending);
- keyword options, each passed only if the constructor names it (or takes **kwargs): `comments`
  (bool, fetch comment threads), `now` (a callable returning the current UTC datetime).
A constructor may raise CredentialsError (missing credentials): the run records it for the platform.
Optionally `summary() -> str` (or a `summary` str attribute): one line for the run's summary, e.g.
quota units used. A Batch with an empty body carries only its cursor: the run stores the cursor and
imports nothing.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterator, Protocol

from shailoo.errors import ShailooError, printable

# terminal escape sequences (CSI, OSC, other ESC x) and any other control character
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|\x9b[0-?]*[ -/]*[@-~]")
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


def shown(text: object, limit: int = 300) -> str:
    """A fragment a platform supplied (an error message, a reason, an exception's text) safe to print
    and store: valid UTF-8, no terminal escape sequence or control character, on one line, bounded."""
    raw = os.fsdecode(text) if isinstance(text, (bytes, os.PathLike)) else str(text)
    value = printable(_CONTROLS.sub(" ", _ESCAPES.sub("", raw)))  # whole sequences first, then lone controls
    value = " ".join(value.split())
    return value if len(value) <= limit else value[:limit - 1] + "…"


MAX_ID_JUMP = 1_000_000  # between two neighbouring post ids of one channel or wall: more is not a real gap


def plausible_ids(ids: list[int], floor: int | None = None, jump: int = MAX_ID_JUMP) -> list[int]:
    """The ids a cursor may move to, ascending: a chain up from `floor` (the cursor) where each id is
    within `jump` of the one before; without a floor, a chain both ways from the median id. An id
    beyond a larger gap (an absurd or foreign id a platform or a mirror slipped in) is left out, so
    it never becomes a cursor that skips the posts below it."""
    ordered = sorted(set(ids))
    if not ordered:
        return []
    if floor is not None:
        below, above, last = [], ordered, floor
    else:
        middle = len(ordered) // 2
        below, above, last = ordered[:middle], ordered[middle:], ordered[middle]
    kept: list[int] = []
    for value in above:
        if value - last > jump:
            break
        kept.append(value)
        last = value
    lower: list[int] = []
    last = kept[0] if kept else last
    for value in reversed(below):
        if last - value > jump:
            break
        lower.append(value)
        last = value
    return lower[::-1] + kept


@dataclass(frozen=True)
class Account:
    """A registered account to follow (a row of the registry's `actor_accounts`)."""

    platform: str
    actor_id: int
    account_id: str | None  # the platform's own id (VK owner id, YouTube channel id, Telegram channel id)
    handle: str | None  # vanity name / username, lower case, without @
    url: str | None = None

    @property
    def label(self) -> str:
        """How messages name the account (never a credential)."""
        return f"{self.platform}:{self.handle or self.account_id}"


@dataclass
class Batch:
    """What one or more responses brought, as a file an importer reads.

    `body` is usually the raw response itself (VK's wall.get JSON, YouTube's videos.list JSON, a
    t.me/s page); a collector whose client returns objects (Telethon) serialises them to the
    importer's format. `cursor` is where the next run continues for this account (stored only after
    the batch is imported, so an interrupted run resumes from the last imported batch).
    """

    format_id: str
    filename: str
    body: bytes
    received_at: datetime
    cursor: dict | None = None
    posts_seen: int = 0  # posts in this batch (for the run's summary)
    notes: list[str] = field(default_factory=list)  # one sentence each: e.g. "2 deleted posts skipped"


class Collector(Protocol):
    """One platform (or one way into a platform: Telegram's web preview and its MTProto API)."""

    platform: str  # the workspace's platform id: 'vk', 'youtube', 'telegram'
    method: str  # 'vk-api', 'youtube-api', 'telegram-web', 'telegram-mtproto'
    base_url: str  # the platform's address (replaced by --api-base)

    def new_posts(self, account: Account, cursor: dict | None, since: datetime | None) -> Iterator[Batch]:
        """Posts newer than `cursor` (what the previous run stored), or since `since` on a first run
        (None: as far back as the platform's paging allows), oldest batch last is fine."""

    def readings(self, account: Account, platform_post_ids: list[str]) -> Iterator[Batch]:
        """Fresh counts of these posts of the account (an engagement reading)."""


class CollectError(ShailooError):
    """A collection problem, said in one sentence; the run records it against the account and goes on."""


class AccountUnavailable(CollectError):
    """Unknown, deleted, banned or private account or group: not collected (no private accounts).

    `private_person`: the account is a person's (a VK user's wall, a Telegram user's page): the run
    keeps none of the answers received for it (docs/collect.md "The raw archive")."""

    def __init__(self, message: str, *, private_person: bool = False) -> None:
        super().__init__(message)
        self.private_person = private_person


class CredentialsError(CollectError):
    """Missing, invalid, expired or revoked credentials (token, key, session)."""


class QuotaExhausted(CollectError):
    """The platform's quota (YouTube's daily units) would be exceeded: stop this platform cleanly."""


class Throttled(CollectError):
    """The platform kept refusing for too many requests after the backoff gave up."""


class LayoutChanged(CollectError):
    """A response whose structure is not what the collector knows (e.g. the web preview's HTML)."""


class PlatformError(CollectError):
    """Any other error the platform answered (with its code), or a network failure after retries."""

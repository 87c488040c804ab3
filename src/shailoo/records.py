"""What importers yield: normalised records with real types, row errors, and skipped records.

One place defines the shape, so the staging tables and tests agree with every importer.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime


@dataclass(slots=True)
class PostRecord:
    """One post (or comment, reply, video, message) with the engagement measured in this file."""

    platform: str
    platform_post_id: str
    created_at: datetime  # timezone-aware
    account_id: str | None = None  # the platform id of the page/channel/author
    account_name: str | None = None
    account_handle: str | None = None
    account_url: str | None = None
    # False for private individuals (group members, commenters): they get a keyed pseudonym.
    author_is_public: bool = True
    # The group, community wall or chat in whose space the post was published, when that is not the
    # author's own account (a member's post in a VK community, a Telegram group, a Facebook group):
    # the post counts for that space's actor, while its private author stays pseudonymised.
    space_account_id: str | None = None
    post_type: str = "post"
    parent_platform_post_id: str | None = None
    url: str | None = None
    text: str | None = None
    title: str | None = None
    description: str | None = None
    link: str | None = None
    link_text: str | None = None
    image_text: str | None = None
    media_type: str | None = None
    language: str | None = None
    forwarded_from: str | None = None
    forwarded_from_is_public: bool = True
    is_edited: bool | None = None
    sponsor_id: str | None = None
    sponsor_name: str | None = None
    overperforming_score: float | None = None
    # engagement snapshot; measured_at None means "when this file was exported / imported"
    measured_at: datetime | None = None
    reactions: int | None = None
    likes: int | None = None
    love: int | None = None
    wow: int | None = None
    haha: int | None = None
    sad: int | None = None
    angry: int | None = None
    care: int | None = None
    reaction_breakdown: dict[str, int] | None = None
    comments: int | None = None
    shares: int | None = None
    views: int | None = None
    followers_at_posting: int | None = None


@dataclass(slots=True)
class AccountRecord:
    """An account as described by the source (e.g. YouTube channels.list), with its audience if given."""

    platform: str
    account_id: str
    name: str | None = None
    handle: str | None = None
    url: str | None = None
    measured_at: datetime | None = None
    followers: int | None = None
    total_views: int | None = None
    total_posts: int | None = None


@dataclass(slots=True)
class RowError:
    """A malformed record: quarantined with its number and a plain reason, never dropped."""

    record_number: int
    reason: str
    raw: str
    # Values inside `raw` that identify a private individual (a member's id, handle or name): the
    # stager replaces each with its keyed pseudonym before the row is stored, as for posts.
    private: tuple[str, ...] = ()
    platform: str = ""


@dataclass(slots=True)
class Skipped:
    """A record deliberately not loaded (e.g. a Telegram service message); counted, not quarantined."""

    record_number: int
    reason: str


POST_FIELDS = [f.name for f in fields(PostRecord)]
ACCOUNT_FIELDS = [f.name for f in fields(AccountRecord)]

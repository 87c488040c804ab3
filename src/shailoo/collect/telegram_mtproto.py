"""Telegram through its MTProto API (Telethon), with the user's own api_id / api_hash and session.

Full history, exact views, forwards, reactions and reply counts, and (with `comments`) the comment
threads of a channel's discussion group. Messages are serialised to the JSON Lines the Telethon
importer reads (format 'telethon'), so a collected message and one from any Telethon script are the
same record. New posts come oldest first (`reverse=True`) from the cursor's last id (`min_id`), or
on a first run after `from_id` (--from-id) or from `since` (`offset_date`), 100 per batch, each
batch's cursor its newest id: an interrupted run resumes after its last imported batch. Readings
re-read posts with `get_messages(ids=...)`.

Telethon is optional (`pip install shailoo[telegram]`) and imported only here, when used. The
session file signs in as the user: it lives beside the workspace (`<workspace>.telegram.session`),
never inside it nor in the raw archive; it is made once with `login()`.

Flood waits up to `flood_wait_max` seconds are waited out, longer ones raise Throttled. Private or
unknown channels, groups without a public username and users are AccountUnavailable (shailoo does
not collect private accounts); a revoked or signed-out session is CredentialsError.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from shailoo.collect.base import (Account, AccountUnavailable, Batch, CollectError, CredentialsError,
                                  PlatformError, Throttled, shown)

BATCH_SIZE = 100  # messages per batch (Telegram's own page size for history and get_messages)
MAX_BATCHES = 1_000  # per account and run (100,000 messages); the next run goes on from the cursor
FLOOD_WAIT_MAX = 300.0  # seconds: a longer flood wait stops this platform for the run
_FLOOD_RETRIES = 5
INSTALL = "pip install shailoo[telegram]"


def _telethon():
    """The Telethon modules, or one sentence saying how to install them."""
    try:
        import telethon  # noqa: F401
        from telethon import errors, types
    except ImportError:
        raise CollectError(f"Collecting Telegram through its API needs Telethon, which is not installed: {INSTALL} "
                           "(or collect with --method web, the public preview).") from None
    return errors, types


def session_path(workspace: Path | str | None = None, session: Path | str | None = None) -> Path:
    """Where the session file is: `session` if given, else beside the workspace folder (never inside
    it, so a copied or shared workspace never carries the sign-in), else ~/.shailoo/telegram.session."""
    if session:
        path = Path(session).expanduser()
    elif workspace:
        folder = Path(getattr(workspace, "path", workspace)).expanduser().resolve()
        path = folder.parent / f"{folder.name}.telegram.session"
    else:
        path = Path.home() / ".shailoo" / "telegram.session"
    return path if path.name.endswith(".session") else path.with_name(path.name + ".session")


def _secret(credentials: Any, name: str, what: str) -> str:
    if credentials is None:
        raise CredentialsError(f"Collecting Telegram through its API needs {what}: set SHAILOO_{name.upper()} "
                               "(from my.telegram.org) or store it in the keyring.")
    if hasattr(credentials, "require"):
        return credentials.require(name, what).reveal()
    value = credentials.get(name) if hasattr(credentials, "get") else None
    value = value.reveal() if hasattr(value, "reveal") else value
    if not value:
        raise CredentialsError(f"Collecting Telegram through its API needs {what}: set SHAILOO_{name.upper()} "
                               "(from my.telegram.org) or store it in the keyring.")
    return str(value)


def _default_client(path: Path, api_id: int, api_hash: str):
    from telethon import TelegramClient

    path.parent.mkdir(parents=True, exist_ok=True)
    # flood waits are ours to handle (bounded, said in the run's summary), not slept through silently
    return TelegramClient(str(path), api_id, api_hash, flood_sleep_threshold=0)


def login(session: Path, credentials: Any) -> None:
    """Sign in once, interactively (phone number and code); later runs reuse the session file."""
    _telethon()
    api_id, api_hash = _api(credentials)
    client = _default_client(session, api_id, api_hash)
    client.start()
    client.disconnect()


def _api(credentials: Any) -> tuple[int, str]:
    api_id = _secret(credentials, "telegram_api_id", "a Telegram api_id")
    api_hash = _secret(credentials, "telegram_api_hash", "a Telegram api_hash")
    if not api_id.strip().isdigit() or len(api_id.strip()) > 12:
        raise CredentialsError("SHAILOO_TELEGRAM_API_ID is not a number; copy the api_id from my.telegram.org.")
    return int(api_id), api_hash


class TelegramMtprotoCollector:
    """Public channels and public groups through Telethon (see the module docstring)."""

    platform = "telegram"
    method = "telegram-mtproto"
    base_url = "mtproto"  # not HTTP: --api-base does not apply
    rate_per_second = None
    archives_batches = True  # no HttpClient: the run archives each batch's body

    def __init__(self, http: Any, credentials: Any, *, comments: bool = False, workspace: Path | str | None = None,
                 session: Path | str | None = None, client_factory: Callable | None = None,
                 flood_wait_max: float = FLOOD_WAIT_MAX, batch_size: int = BATCH_SIZE,
                 max_batches: int = MAX_BATCHES, sleep: Callable[[float], None] = time.sleep,
                 now: Callable[[], datetime] | None = None, from_id: int | None = None, **options: Any) -> None:
        self.errors, self.types = _telethon()
        self.api_id, self.api_hash = _api(credentials)
        self.session = session_path(workspace, session)
        self.comments = bool(comments)
        self.from_id = _int(from_id)  # a first run follows the channel after this message (--from-id)
        self.flood_wait_max = float(flood_wait_max)
        self.batch_size = max(1, min(int(batch_size), BATCH_SIZE))
        self.max_batches = max(1, int(max_batches))
        self._factory = client_factory or _default_client
        self._sleep = sleep
        self._now = now or (lambda: datetime.now(timezone.utc))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: Any = None
        self.waited = 0.0  # seconds of flood waits, for the run's summary

    def summary(self) -> str:
        return f"Telegram asked to wait {self.waited:,.0f} s (flood waits)" if self.waited else ""

    # ---- the Collector protocol ---------------------------------------------------------------

    def new_posts(self, account: Account, cursor: dict | None, since: datetime | None) -> Iterator[Batch]:
        entity = self._entity(account)
        last_id = _int(cursor.get("last_id")) if cursor else None
        if last_id is None:
            last_id = self.from_id
        for _ in range(self.max_batches):
            kwargs = {"limit": self.batch_size, "reverse": True}
            if last_id is not None:
                kwargs["min_id"] = last_id
            elif since is not None:
                kwargs["offset_date"] = since
            messages = self._call(lambda: self._take(entity, **kwargs), account)
            if not messages:
                return
            last_id = max(m.id for m in messages)
            if self.comments:
                yield from self._threads(entity, account, messages)
            yield self._batch(account, entity, messages, {"last_id": last_id}, "posts")

    def readings(self, account: Account, platform_post_ids: list[str]) -> Iterator[Batch]:
        entity = self._entity(account)
        ids = sorted({i for i in (_message_id(p) for p in platform_post_ids) if i is not None})
        for start in range(0, len(ids), BATCH_SIZE):
            chunk = ids[start:start + BATCH_SIZE]
            found = self._call(lambda: self._client.get_messages(entity, ids=chunk), account)
            messages = [m for m in (found or []) if m is not None]  # None: deleted
            batch = self._batch(account, entity, messages, None, "readings")
            if len(messages) < len(chunk):
                batch.notes.append(f"{len(chunk) - len(messages)} of {len(chunk)} posts are deleted or unavailable")
            yield batch

    def close(self) -> None:
        if self._client is not None and self._loop is not None:
            try:
                self._loop.run_until_complete(self._client.disconnect())
            except Exception:  # noqa: BLE001 - closing never fails a run
                pass
        if self._loop is not None:
            self._loop.close()
        self._client = self._loop = None

    # ---- Telethon calls -----------------------------------------------------------------------

    def _run(self, coro):
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(coro)

    def _connect(self) -> None:
        if self._client is not None:
            return

        async def connect():
            client = self._factory(self.session, self.api_id, self.api_hash)
            await client.connect()
            if not await client.is_user_authorized():
                await client.disconnect()
                raise CredentialsError(f"The Telegram session {self.session} is not signed in; sign in once with "
                                       "shailoo.collect.telegram_mtproto.login (phone number and code).")
            return client

        self._client = self._call(connect, None)

    def _call(self, make: Callable[[], Any], account: Account | None) -> Any:
        """Run a Telethon call, waiting out short flood waits and translating errors to one sentence."""
        for _ in range(_FLOOD_RETRIES):
            try:
                return self._run(make())
            except self.errors.FloodWaitError as exc:
                seconds = float(getattr(exc, "seconds", 0) or 0)
                if seconds > self.flood_wait_max:
                    raise Throttled(f"Telegram asks to wait {seconds:,.0f} s before more requests (more than the "
                                    f"{self.flood_wait_max:,.0f} s shailoo waits); run the collection again later."
                                    ) from None
                self.waited += seconds
                self._sleep(seconds)
            except CollectError:
                raise
            except Exception as exc:  # noqa: BLE001 - every Telethon error becomes one sentence
                raise self._translate(exc, account) from None
        raise Throttled("Telegram kept asking to wait (flood waits); run the collection again later.")

    def _translate(self, exc: Exception, account: Account | None) -> CollectError:
        e = self.errors
        who = f"The Telegram channel {account.label}" if account else "Telegram"
        name = type(exc).__name__
        if isinstance(exc, (e.AuthKeyUnregisteredError, e.SessionRevokedError, e.AuthKeyError,
                            getattr(e, "SessionExpiredError", e.AuthKeyError),
                            getattr(e, "UserDeactivatedError", e.AuthKeyError),
                            getattr(e, "ApiIdInvalidError", e.AuthKeyError))):
            return CredentialsError(f"The Telegram session {self.session} was signed out or revoked ({name}); "
                                    "sign in again with shailoo.collect.telegram_mtproto.login.")
        if isinstance(exc, (e.ChannelPrivateError, e.ChannelInvalidError, e.UsernameNotOccupiedError,
                            e.UsernameInvalidError)):
            return AccountUnavailable(f"{who} is private, unknown or banned ({name}); it is not collected.")
        if isinstance(exc, ValueError):  # get_entity: 'No user has "x" as username', 'Cannot find any entity'
            return AccountUnavailable(f"{who} was not found ({shown(exc, 120)}); check the username in the registry.")
        if isinstance(exc, (ConnectionError, OSError, asyncio.TimeoutError)):
            return PlatformError(f"Telegram could not be reached ({name}); check the network and run again.")
        return PlatformError(f"Telegram answered an error ({name}: {shown(exc, 160)}).")

    def _entity(self, account: Account) -> Any:
        self._connect()
        target: Any = (account.handle or "").strip().lstrip("@") or None
        if target is None and account.account_id and str(account.account_id).isdigit():
            target = self.types.PeerChannel(int(account.account_id))
        if target is None:
            raise AccountUnavailable(f"The Telegram account {account.label} has neither a username nor a channel id.")
        entity = self._call(lambda: self._client.get_entity(target), account)
        if not isinstance(entity, self.types.Channel):
            kind = "a person's account" if isinstance(entity, self.types.User) else "a private group"
            raise AccountUnavailable(f"The Telegram account {account.label} is {kind}; shailoo collects public "
                                     "channels and groups only.", private_person=isinstance(entity, self.types.User))
        if not _username(entity):
            raise AccountUnavailable(f"The Telegram channel {account.label} has no public username (a private "
                                     "channel or group); it is not collected.")
        return entity

    async def _take(self, entity: Any, **kwargs: Any) -> list:
        return [m async for m in self._client.iter_messages(entity, **kwargs)]

    def _threads(self, entity: Any, account: Account, posts: list) -> Iterator[Batch]:
        """The comments under each post that has some (its discussion group's thread)."""
        for post in posts:
            replies = getattr(post, "replies", None)
            if not replies or not getattr(replies, "comments", False) or not replies.replies:
                continue
            comments: list = []
            while True:
                kwargs = {"reply_to": post.id, "reverse": True, "limit": BATCH_SIZE}
                if comments:
                    kwargs["min_id"] = max(c.id for c in comments)
                page = self._call(lambda: self._take(entity, **kwargs), account)
                comments.extend(page)
                if len(page) < BATCH_SIZE or len(comments) >= BATCH_SIZE * self.max_batches:
                    break
            if comments:
                yield self._batch(account, entity, comments, None, f"comments-{post.id}", thread=True)

    def _batch(self, account: Account, entity: Any, messages: list, cursor: dict | None, what: str,
               thread: bool = False) -> Batch:
        received = self._now()
        rows, skipped = [], 0
        for m in messages:
            row = serialise(m, entity, self.types, thread=thread)
            if row is None:
                skipped += 1
            else:
                rows.append(json.dumps(row, ensure_ascii=False))
        body = ("\n".join(rows) + "\n").encode("utf-8") if rows else b""
        name = _username(entity) or str(entity.id)
        batch = Batch("telethon", f"telegram-mtproto_{name}_{what}_{received.strftime('%Y%m%dT%H%M%SZ')}.jsonl",
                      body, received, cursor=cursor, posts_seen=len(rows))
        if skipped:
            batch.notes.append(f"{skipped} service message{'s' if skipped != 1 else ''} skipped")
        return batch


# ---- serialising to the Telethon importer's JSON ----------------------------------------------

def serialise(m: Any, channel: Any, types: Any, thread: bool = False) -> dict | None:
    """One message as the JSON the Telethon importer reads (importers/telethon.py); None for a
    service message. Only what is imported is written: no media bytes, no signature, no sender name."""
    if not isinstance(m, types.Message):
        return None
    row: dict[str, Any] = {"_": "Message", "id": m.id, "peer_id": _peer(m.peer_id), "date": _iso(m.date),
                           "message": m.message or ""}
    if not thread:  # the channel's own posts carry its title and username; comments are in the group
        row["channel"] = getattr(channel, "title", None)
        row["username"] = _username(channel)
    if m.from_id is not None:
        row["from_id"] = _peer(m.from_id)
    for key in ("views", "forwards"):
        if getattr(m, key, None) is not None:
            row[key] = getattr(m, key)
    if m.replies is not None:
        row["replies"] = {"replies": m.replies.replies}
    if m.reactions is not None:
        row["reactions"] = {"results": [{"reaction": _reaction(r.reaction), "count": r.count}
                                        for r in m.reactions.results or ()]}
    row["edit_date"] = _iso(m.edit_date) if m.edit_date else None
    if m.fwd_from is not None:
        fwd = {"from_id": _peer(m.fwd_from.from_id) if m.fwd_from.from_id is not None else None,
               "from_name": m.fwd_from.from_name}
        row["fwd_from"] = {k: v for k, v in fwd.items() if v is not None} or None
    if isinstance(m.reply_to, types.MessageReplyHeader) and m.reply_to.reply_to_msg_id:
        row["reply_to"] = {"reply_to_msg_id": m.reply_to.reply_to_msg_id}
        if m.reply_to.reply_to_top_id:
            row["reply_to"]["reply_to_top_id"] = m.reply_to.reply_to_top_id
    if m.media is not None and type(m.media).__name__ != "MessageMediaEmpty":
        row["media"] = {"_": type(m.media).__name__}
    return row


def _peer(peer: Any) -> dict | None:
    for key in ("channel_id", "chat_id", "user_id"):
        if getattr(peer, key, None) is not None:
            return {key: getattr(peer, key)}
    return None


def _reaction(reaction: Any) -> dict:
    out = {"_": type(reaction).__name__}
    if getattr(reaction, "emoticon", None):
        out["emoticon"] = reaction.emoticon
    if getattr(reaction, "document_id", None) is not None:
        out["document_id"] = reaction.document_id
    return out


def _username(entity: Any) -> str | None:
    if getattr(entity, "username", None):
        return entity.username
    for item in getattr(entity, "usernames", None) or ():
        if getattr(item, "active", False) and getattr(item, "username", None):
            return item.username
    return None


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).isoformat()


def _message_id(platform_post_id: str) -> int | None:
    tail = str(platform_post_id).rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() and 0 < len(tail) <= 19 else None


def _int(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isdigit() and len(value) <= 19:
        return int(value)
    return None

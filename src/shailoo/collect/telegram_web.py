"""Telegram's public web preview (`t.me/s/NAME`): a channel's messages without credentials.

A page holds about 20 messages. A first run reads the newest page, then pages backwards
(`?before=ID`) until the posts are older than `since` (or the channel's first post). Later runs
follow forwards from the last message imported (`?after=ID`), each page a batch whose cursor is the
newest id in it, so an interrupted run resumes where its last imported page ended. A first run
interrupted midway stores where its backwards walk was (`before`), and the next run finishes it.
Readings re-read the page around the posts (`?before=max+1`). Deleted messages are gaps in the ids.

Cursors and paging use only the ids the importer reads as the channel's (`Page.readable_ids`: its
first MAX_MESSAGES messages, the channel's own name and chat) and no id beyond an absurd gap
(`base.plausible_ids`), so a cursor never moves past a message that was not imported.

Politeness: one request per second by default and the clear user agent of `collect.http`. A
channel whose preview is off or private, a group, a user or a bot: AccountUnavailable (a user's or
bot's page as a private person's: the run keeps nothing of it); a page whose structure changed, or
that the importer would refuse (no channel name, larger than its MAX_PAGE_BYTES): LayoutChanged.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Iterator

from shailoo.collect.base import Account, AccountUnavailable, Batch, CollectError, LayoutChanged, plausible_ids
from shailoo.collect.http import Exchange, HttpClient
from shailoo.importers import telegram_web as web
from shailoo.importers.parse import BadValue, parse_time

BASE_URL = "https://t.me"
RATE_PER_SECOND = 1.0  # t.me publishes no limit: one page a second is a reader, not a crawler
MAX_PAGES = 500  # pages in one run per account (10,000 messages); the next run goes on from there
_NAME_IN_URL = re.compile(r"(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me)/(?:s/)?([A-Za-z][A-Za-z0-9_]{3,31})/?$",
                          re.IGNORECASE)


class TelegramWebCollector:
    """Public channels through t.me/s pages (see the module docstring)."""

    platform = "telegram"
    method = "telegram-web"
    rate_per_second = RATE_PER_SECOND
    base_url = BASE_URL
    archives_batches = False  # the HTTP client's exchanges are archived by the run

    def __init__(self, http: HttpClient | None, credentials: object = None, *, from_id: int | None = None,
                 max_pages: int = MAX_PAGES, **options: object) -> None:
        if http is None:
            http = HttpClient(BASE_URL, platform=self.platform, rate_per_second=RATE_PER_SECOND)
        elif http.rate_per_second is not None and http.rate_per_second > RATE_PER_SECOND:
            http.rate_per_second = RATE_PER_SECOND  # polite by default; None (no limit) stays for benchmarks
        self.http = http
        self.from_id = int(from_id) if from_id is not None else None
        self.max_pages = max(1, int(max_pages))

    # ---- the Collector protocol ---------------------------------------------------------------

    def new_posts(self, account: Account, cursor: dict | None, since: datetime | None) -> Iterator[Batch]:
        name = channel_name(account)
        last_id = _int(cursor.get("last_id")) if cursor else None
        pages = 0
        if cursor and _int(cursor.get("before")) is not None:  # a first run's walk left unfinished
            since = _since(cursor.get("since")) or since
            for batch in self._walk_back(name, _int(cursor["before"]), 0, since, cursor):
                pages += 1
                yield batch
        elif last_id is None and self.from_id is None:
            yield from self._first_run(name, since)
            return
        start = last_id if last_id is not None else self.from_id
        yield from self._follow(name, start, self.max_pages - pages)

    def readings(self, account: Account, platform_post_ids: list[str]) -> Iterator[Batch]:
        name = channel_name(account)
        wanted = sorted({i for i in (_message_id(p) for p in platform_post_ids) if i is not None}, reverse=True)
        for _ in range(self.max_pages):
            if not wanted:
                return
            exchange, page = self._page(name, {"before": wanted[0] + 1})
            ids = [i for i in _ids(page) if i <= wanted[0]]
            if not ids:
                return  # nothing at or before these ids is left: deleted
            batch = self._batch(exchange, name, ids, None)
            batch.notes.extend(_gaps(ids))
            yield batch
            oldest = min(ids)
            # the ids this page covers are read (or deleted: a gap); go on below the page
            wanted = [i for i in wanted if i < oldest]

    # ---- paging -------------------------------------------------------------------------------

    def _first_run(self, name: str, since: datetime | None) -> Iterator[Batch]:
        exchange, page = self._page(name, {})
        ids = _ids(page)
        if not ids:
            return  # an empty channel: nothing to follow yet
        top = max(ids)
        done = _reached(page, 0, since) or min(ids) <= 1
        state = {"last_id": top} if done else {"last_id": top, "before": min(ids), "since": _iso(since)}
        yield self._batch(exchange, name, ids, state)
        if not done:
            yield from self._walk_back(name, min(ids), 0, since, state, pages=1)

    def _walk_back(self, name: str, before: int, stop_id: int, since: datetime | None, state: dict,
                   pages: int = 0) -> Iterator[Batch]:
        """Pages below `before` down to `stop_id` or `since`; the last one clears the walk from the cursor."""
        top = _int(state.get("last_id")) or 0
        while True:
            if pages >= self.max_pages:
                return  # the cursor still holds `before`: the next run goes on from here
            exchange, page = self._page(name, {"before": before})
            pages += 1
            ids = [i for i in _ids(page) if i < before]
            if not ids:  # the channel's beginning: a batch that only clears the walk from the cursor
                yield Batch("telegram_web", f"telegram-web_{name}_end.html", b"", exchange.received_at,
                            cursor={"last_id": top})
                return
            done = _reached(page, stop_id, since) or min(ids) <= max(stop_id, 1)
            cursor = {"last_id": top} if done else {"last_id": top, "before": min(ids), "since": _iso(since)}
            yield self._batch(exchange, name, [i for i in ids if i > stop_id], cursor)
            if done:
                return
            before = min(ids)

    def _follow(self, name: str, after: int, pages: int) -> Iterator[Batch]:
        """Pages after message `after`, oldest first; each batch's cursor is its newest message."""
        for _ in range(max(0, pages)):
            exchange, page = self._page(name, {"after": after})
            ids = _ids(page, floor=after)
            if not ids:
                return
            after = max(ids)
            yield self._batch(exchange, name, ids, {"last_id": after})

    # ---- one page -----------------------------------------------------------------------------

    def _page(self, name: str, params: dict) -> tuple[Exchange, web.Page]:
        exchange = self.http.get(f"/s/{name}", params)
        where = f"t.me/s/{name}"
        if exchange.status in (404, 410):
            raise AccountUnavailable(f"Telegram has no public channel '{name}' ({where} answered HTTP "
                                     f"{exchange.status}); check the username in the registry.")
        if 300 <= exchange.status < 400:
            raise AccountUnavailable(_no_preview(name, "t.me redirects it to the channel's own page"))
        if exchange.status != 200:
            raise CollectError(f"{where} answered HTTP {exchange.status}; run the collection again later.")
        if len(exchange.body) > web.MAX_PAGE_BYTES:  # the importer would refuse the whole page
            raise LayoutChanged(f"{where} answered {len(exchange.body):,} bytes, more than the "
                                f"{web.MAX_PAGE_BYTES // 2**20} MB a preview page is read up to; Telegram may have "
                                "changed its web preview, or --api-base points at something else.")
        try:
            soup = web.parse_html(exchange.body[: web.MAX_PAGE_BYTES + 1])
            problem = web.page_problem(soup)
        except Exception as exc:  # noqa: BLE001 - an answer the parser cannot take is a changed layout
            raise LayoutChanged(f"{where} could not be read as HTML ({type(exc).__name__}); "
                                "Telegram may have changed its web preview.") from None
        if problem:
            if soup.select_one(".tgme_page, .tgme_page_title, .tgme_page_extra") is not None:
                what = _what_page(soup)
                raise AccountUnavailable(_no_preview(name, what), private_person=what in _PERSON_PAGES)
            raise LayoutChanged(f"{where} is not the channel preview shailoo knows ({problem}); Telegram may have "
                                "changed its web preview: update shailoo, or collect this channel with "
                                "--method telegram-mtproto.")
        page = web.parse_page(soup)
        if page.key is None:
            raise LayoutChanged(f"{where} names no channel (no username in its header or its messages, no chat id); "
                                "Telegram may have changed its web preview.")
        if page.messages and not page.message_ids():
            raise LayoutChanged(f"{where} shows {len(page.messages)} messages but none has a data-post "
                                "'NAME/NUMBER'; Telegram may have changed its web preview.")
        if page.messages and not page.readable_ids():
            raise LayoutChanged(f"{where} shows {len(page.messages)} messages but none is the channel's own "
                                "(another name or chat in every data-post); Telegram may have changed its web "
                                "preview, or --api-base points at something else.")
        return exchange, page

    def _batch(self, exchange: Exchange, name: str, ids: list[int], cursor: dict | None) -> Batch:
        stamp = exchange.received_at.strftime("%Y%m%dT%H%M%SZ")
        where = "-".join(f"{k}{v}" for k, v in sorted(exchange.params.items())) or "newest"
        return Batch(format_id="telegram_web", filename=f"telegram-web_{name}_{where}_{stamp}.html",
                     body=exchange.body, received_at=exchange.received_at, cursor=cursor, posts_seen=len(ids))


def channel_name(account: Account) -> str:
    """The channel's username: the registry's handle, else from its t.me URL; the web needs one."""
    for value in (account.handle, account.url):
        if not value:
            continue
        value = value.strip().lstrip("@")
        m = _NAME_IN_URL.match(value)
        name = m.group(1) if m else value
        if web.USERNAME.fullmatch(name):
            return name
    raise CollectError(f"The Telegram account {account.label} has no public username; the web preview needs one "
                       "(add the handle or t.me URL in the registry, or use --method telegram-mtproto).")


_PERSON_PAGES = ("a user's or bot's page", "a contact page")


def _ids(page: web.Page, floor: int | None = None) -> list[int]:
    """The ids of the page's messages the importer reads as the channel's (above `floor` when given),
    ascending, without an id beyond an absurd gap."""
    ids = page.readable_ids()
    return plausible_ids([i for i in ids if i > floor] if floor is not None else ids, floor)


def _no_preview(name: str, what: str) -> str:
    return (f"t.me/s/{name} shows no public preview ({what}): it is a private channel, a group, a user, a bot or "
            "a channel that switched its preview off; it is not collected this way.")


def _what_page(soup) -> str:
    extra = soup.select_one(".tgme_page_extra")
    text = " ".join(extra.get_text().split()).lower()[:80] if extra is not None else ""
    if "subscriber" in text:
        return "a channel page without messages"
    if "member" in text:
        return "a group's page"
    if text.startswith("@"):
        return "a user's or bot's page"
    return "a contact page"


def _reached(page: web.Page, stop_id: int, since: datetime | None) -> bool:
    """Whether the page goes back to the stop id or before `since`."""
    ids = _ids(page)
    if ids and min(ids) <= stop_id:
        return True
    if since is None:
        return False
    own = {str(i) for i in ids}  # another channel's message says nothing about this one's dates
    for tag in page.messages:
        if str(tag.get("data-post") or "").rsplit("/", 1)[-1] not in own:
            continue
        stamp = tag.select_one(".tgme_widget_message_date time[datetime], time[datetime]")
        try:
            if stamp is not None and parse_time(stamp.get("datetime"), "time") < since:
                return True
        except BadValue:
            continue
    return False


def _gaps(ids: list[int]) -> list[str]:
    ordered = sorted(set(ids))
    missing = sum(b - a - 1 for a, b in zip(ordered, ordered[1:]))
    return [f"{missing} message id{'s' if missing != 1 else ''} missing between "
            f"{ordered[0]} and {ordered[-1]} (deleted, or service messages)"] if missing else []


def _message_id(platform_post_id: str) -> int | None:
    tail = str(platform_post_id).rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() and 0 < len(tail) <= 19 else None


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isdigit() and len(value) <= 19:
        return int(value)
    return None


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).isoformat() if moment is not None else None


def _since(value: object) -> datetime | None:
    try:
        return parse_time(value, "since") if isinstance(value, str) else None
    except BadValue:
        return None

"""Saved pages of a Telegram channel's public web preview (`https://t.me/s/NAME`, HTML).

Each `.tgme_widget_message` with `data-post="name/123"` is one post: text (line breaks kept, links
as their visible text), time (`<time datetime>`), views ("1.2K" -> 1,200: the preview rounds),
reactions where shown, forward source, reply, edited flag, media type. Service messages are skipped.

Keys: the preview's messages carry the channel's numeric id (`data-peer="c<id>_…"`); posts are then
keyed `<id>/<message>` under account `<id>`, exactly as Telegram Desktop and Telethon files key
them, so the same post merges whatever way it came. A page without that attribute keys posts by the
lower-cased username (`durov/123`, account `durov`), and the loader files them under an account
already known by id with that handle (store/merge.py); such posts do not merge with Desktop's.

The page is untrusted HTML: it is parsed (never rendered or executed), only text and http(s) links
are kept, its size and its number of messages are bounded, and a message that does not parse is
quarantined while the page goes on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from shailoo.errors import WrongFormat
from shailoo.importers.base import ImporterInfo, Record, Source, check_text, row_error
from shailoo.importers.parse import BadValue, clean_text, parse_count, parse_time
from shailoo.records import AccountRecord, PostRecord, RowError, Skipped

FORMAT = ImporterInfo(
    id="telegram_web",
    name="Telegram web preview page",
    description="a saved t.me/s/NAME page: a public Telegram channel's web preview (HTML)",
    extensions=(".html", ".htm"),
)

PLATFORM = "telegram"
MAX_PAGE_BYTES = 10 * 2**20  # a real page of 20 messages is ~150 KB; a scrolled-down save a few MB
MAX_MESSAGES = 2_000  # messages read from one page; the rest are reported in one quarantined record
_RAW_TEXT = 2_000  # characters of a broken message's text kept in quarantine (no markup is kept)

USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
_DATA_POST = re.compile(r"([A-Za-z0-9_]{1,64})/([0-9]{1,19})")
_DATA_PEER = re.compile(r"c([0-9]{1,19})_")
_POST_LINK = re.compile(r"/(?:s/)?([A-Za-z][A-Za-z0-9_]{3,31})/([0-9]{1,19})/?")
_CHANNEL_LINK = re.compile(r"/([A-Za-z][A-Za-z0-9_]{3,31})/?")
_VIEWS = re.compile(r"([0-9]{1,12})(?:[.,]([0-9]{1,3}))?\s*([KkMmBb]?)")
_MULTIPLIER = {"": 1, "k": 1_000, "m": 1_000_000, "b": 1_000_000_000}
_TELEGRAM_HOSTS = {"t.me", "telegram.me", "www.t.me", "telegram.dog"}
# Block elements inside a message's text: a line break before them keeps a quote or code block apart.
_BLOCKS = {"blockquote", "pre", "div", "p", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr"}
# In the order a message shows them; the names follow Telegram Desktop's media types where it has one.
_MEDIA = (("tgme_widget_message_roundvideo", "video_message"), ("tgme_widget_message_video", "video_file"),
          ("tgme_widget_message_video_player", "video_file"), ("tgme_widget_message_voice", "voice_message"),
          ("tgme_widget_message_audio", "audio_file"), ("tgme_widget_message_sticker", "sticker"),
          ("tgme_widget_message_poll", "poll"), ("tgme_widget_message_location", "location"),
          ("tgme_widget_message_document", "file"), ("tgme_widget_message_photo", "photo"),
          ("tgme_widget_message_photo_wrap", "photo"), ("tgme_widget_message_link_preview", "webpage"))
_NOT_OWN_TEXT = ("tgme_widget_message_reply", "tgme_widget_message_link_preview", "tgme_widget_message_poll")
_EXPECTED = ("expected a saved https://t.me/s/NAME page (a public channel's web preview, with its "
             "channel header and message history)")


def sniff(head: str, path: Path) -> bool:
    text = head.lstrip()[:1]
    return text == "<" and ("tgme_channel_info" in head
                            or ("tgme_widget_message" in head and 'data-post="' in head))


# ---- the page ---------------------------------------------------------------------------------

@dataclass
class Page:
    """What a preview page says about its channel, and its message elements (page order)."""

    username: str | None
    title: str | None
    chat_id: str | None
    subscribers: int | None
    messages: list = field(default_factory=list)  # bs4 Tags

    @property
    def key(self) -> str | None:
        """The account key posts are filed under: the numeric id, else the lower-cased username."""
        return self.chat_id or (self.username.lower() if self.username else None)

    def message_ids(self) -> list[int]:
        """The message ids on the page (those whose data-post reads), in page order."""
        ids = []
        for tag in self.messages:
            m = _DATA_POST.fullmatch(str(tag.get("data-post") or ""))
            if m:
                ids.append(int(m.group(2)))
        return ids

    def readable_ids(self) -> list[int]:
        """The ids of the messages `read` takes as this channel's (within MAX_MESSAGES, its name and
        chat, a positive id), in page order: what a collector may move its cursor past."""
        if self.key is None:
            return []
        ids = []
        for tag in self.messages[:MAX_MESSAGES]:
            m = _DATA_POST.fullmatch(str(tag.get("data-post") or ""))
            if m and _refusal(tag, m, self) is None:
                ids.append(int(m.group(2)))
        return ids


def page_problem(soup) -> str | None:
    """What a channel preview has that this page lacks (None: it is one)."""
    if soup.select_one(".tgme_channel_info") is None:
        return "no channel header (.tgme_channel_info)"
    if soup.select_one(".tgme_channel_history, .js-message_history, .tme_no_messages_found") is None:
        return "no message history (.tgme_channel_history)"
    return None


def parse_html(data: bytes):
    """The page's tree (html.parser: pure Python, no network, no script run)."""
    from bs4 import BeautifulSoup

    return BeautifulSoup(data.decode("utf-8-sig", errors="replace"), "html.parser")


def parse_page(soup) -> Page:
    """The channel's username, title, numeric id and subscribers, and the message elements."""
    messages = soup.select(".tgme_widget_message")  # one without data-post is quarantined, not passed over
    username = None
    link = soup.select_one(".tgme_channel_info_header_username a, .tgme_channel_info_header_username")
    if link is not None:
        found = USERNAME.fullmatch(link.get_text().strip().lstrip("@"))
        username = found.group(0) if found else None
    if username is None:
        for tag in messages:
            m = _DATA_POST.fullmatch(str(tag.get("data-post") or ""))
            if m and USERNAME.fullmatch(m.group(1)):
                username = m.group(1)
                break
    title_tag = soup.select_one(".tgme_channel_info_header_title")
    title = clean_text(" ".join(title_tag.get_text().split())[:300]) if title_tag is not None else None
    chat_id = None
    for tag in messages:
        m = _DATA_PEER.match(str(tag.get("data-peer") or ""))
        if m and int(m.group(1)) > 0:
            chat_id = str(int(m.group(1)))
            break
    return Page(username, title, chat_id, _subscribers(soup), messages)


def _subscribers(soup) -> int | None:
    for counter in soup.select(".tgme_channel_info_counter"):
        kind = counter.select_one(".counter_type")
        value = counter.select_one(".counter_value")
        if kind is not None and value is not None and kind.get_text().strip().lower().startswith(
                ("subscriber", "подписчик", "member")):
            try:
                return parse_views(value.get_text(), "subscribers")
            except BadValue:
                return None
    return None


def parse_views(text: str, column: str = "views") -> int | None:
    """A count as the preview shows it: '987', '1.2K' (1,200), '3.4M', '12 345'. The preview rounds
    above 1,000, so '1.2K' stands for anything from 1,150 to 1,249 (docs/formats/telegram_web.md)."""
    value = " ".join(text.split()).replace("\u00a0", " ")
    if not value:
        return None
    if len(value) > 20:
        raise BadValue(f"{column} is '{value[:20]}…', not a count")
    grouped = value.replace(" ", "")
    if grouped.isdigit():
        return parse_count(grouped, column)
    m = _VIEWS.fullmatch(value)
    if not m or not m.group(3):
        raise BadValue(f"{column} is '{value}', not a count such as 987, 1.2K or 3.4M")
    whole, fraction, unit = m.group(1), m.group(2) or "", m.group(3).lower()
    scale = _MULTIPLIER[unit]
    number = int(whole) * scale + (int(fraction) * scale) // 10 ** len(fraction) if fraction else int(whole) * scale
    return parse_count(number, column)


# ---- reading ----------------------------------------------------------------------------------

def read(source: Source) -> Iterator[Record]:
    with source.open_binary() as fh:
        data = fh.read(MAX_PAGE_BYTES + 1)
    if len(data) > MAX_PAGE_BYTES:
        raise WrongFormat(f"{source.path.name} is larger than {MAX_PAGE_BYTES // 2**20} MB, more than a saved "
                          "t.me/s page holds; save the channel's pages one by one (or collect them with "
                          "shailoo collect).")
    soup = parse_html(data)
    problem = page_problem(soup)
    if problem:
        raise WrongFormat(f"{source.path.name} is not a Telegram channel's web preview ({problem}); {_EXPECTED}.")
    page = parse_page(soup)
    if page.key is None:
        raise WrongFormat(f"{source.path.name} names no channel (no username in its header or its messages); "
                          f"{_EXPECTED}.")
    number = 0
    if page.chat_id is not None:
        number += 1
        yield AccountRecord(platform=PLATFORM, account_id=page.chat_id, name=page.title, handle=page.username,
                            url=f"https://t.me/{page.username}" if page.username else None,
                            followers=page.subscribers)
    for index, tag in enumerate(page.messages):
        number += 1
        if index == MAX_MESSAGES:
            left = len(page.messages) - MAX_MESSAGES
            yield RowError(number, f"the page holds {len(page.messages):,} messages, more than the "
                           f"{MAX_MESSAGES:,} read from one page; {left:,} were not read", "", platform=PLATFORM)
            break
        try:
            yield _message(number, tag, page)
        except Exception as exc:  # hostile markup never stops the page: this message is quarantined
            yield _error(number, f"the message could not be read ({type(exc).__name__}: {exc})"[:300], tag)


def _error(number: int, reason: str, tag) -> RowError:
    """A quarantined message: its data-post and visible text, never its markup."""
    try:
        text = " ".join(tag.get_text(" ").split())[:_RAW_TEXT]
        raw = {"data-post": str(tag.get("data-post") or "")[:100], "text": text}
        private = _private(tag)
    except Exception:  # noqa: BLE001 - a tree too odd even for this: keep the reason only
        raw, private = {}, []
    return row_error(number, reason, raw, private, PLATFORM)


def _private(tag) -> list[str]:
    """Who a message names that is a private person: a hidden or personal forward source, a signature."""
    found = []
    for node in tag.select(".tgme_widget_message_forwarded_from_name, .tgme_widget_message_from_author"):
        name = " ".join(node.get_text(" ").split())
        if name and not _post_link(node.get("href")):
            found.append(name)
            found.extend(_channel_link(node.get("href")) or ())
    return found


def _message(number: int, tag, page: Page) -> Record:
    if "service_message" in (tag.get("class") or ()):
        return Skipped(number, "service message")
    m = _DATA_POST.fullmatch(str(tag.get("data-post") or ""))
    if not m:
        return _error(number, f"data-post is '{str(tag.get('data-post'))[:60]}', not NAME/NUMBER", tag)
    name, msg_id = m.group(1), int(m.group(2))
    refusal = _refusal(tag, m, page)
    if refusal is not None:
        return _error(number, refusal, tag)
    try:
        stamp = tag.select_one(".tgme_widget_message_date time[datetime], .tgme_widget_message_footer time[datetime]")
        created = parse_time(stamp.get("datetime") if stamp is not None else None, "time")
        views_tag = tag.select_one(".tgme_widget_message_views")
        views = parse_views(views_tag.get_text()) if views_tag is not None else None
        reactions, breakdown = _reactions(tag)
        text = check_text(clean_text(_own_text(tag)), "text")
    except BadValue as exc:
        return _error(number, str(exc), tag)
    username = page.username or name
    key = page.key
    link, link_text = _hidden_link(tag)
    forwarded, forwarded_public = _forward(tag)
    parent = _parent(tag, page)
    meta = tag.select_one(".tgme_widget_message_meta")
    edited = None if meta is None else any(w in meta.get_text().lower() for w in ("edited", "изменено"))
    return PostRecord(
        platform=PLATFORM,
        platform_post_id=f"{key}/{msg_id}",
        created_at=created,
        account_id=key,
        account_name=page.title,
        account_handle=username if page.chat_id else key,  # a username key: account id == handle (merge.py)
        account_url=f"https://t.me/{username}",
        post_type="post",  # a preview shows only the channel's own messages (its replies to itself too)
        parent_platform_post_id=parent,
        url=f"https://t.me/{username}/{msg_id}",
        text=text,
        link=link,
        link_text=link_text,
        media_type=_media(tag),
        forwarded_from=forwarded,
        forwarded_from_is_public=forwarded_public,
        is_edited=edited,
        reactions=reactions,
        reaction_breakdown=breakdown,
        views=views,
    )


def _refusal(tag, data_post: re.Match, page: Page) -> str | None:
    """Why a message is not this page's channel's (None: it is), from its data-post and data-peer."""
    name, msg_id = data_post.group(1), int(data_post.group(2))
    if msg_id == 0:
        return "message id is 0, not a positive whole number"
    if page.username and name.lower() != page.username.lower():
        return f"the message belongs to '{name}', not to this page's channel '{page.username}'"
    peer = _DATA_PEER.match(str(tag.get("data-peer") or ""))
    if peer and page.chat_id and str(int(peer.group(1))) != page.chat_id:
        return "the message's data-peer names another chat than the page's other messages"
    return None


def _inside(node, stop, classes: tuple[str, ...]) -> bool:
    """Whether `node` lies inside an element (below `stop`) having one of `classes`."""
    for parent in node.parents:
        if parent is stop:
            return False
        if any(c in (parent.get("class") or ()) for c in classes):
            return True
    return False


def _text_element(tag):
    """The message's own text: not the quoted text of the message it replies to, nor a link preview's."""
    for candidate in tag.select(".tgme_widget_message_text"):
        if "js-message_reply_text" in (candidate.get("class") or ()):
            continue
        if not _inside(candidate, tag, _NOT_OWN_TEXT):
            return candidate
    return None


def _own_text(tag) -> str | None:
    element = _text_element(tag)
    return None if element is None else element_text(element)


def element_text(element) -> str:
    """The text a reader sees: line breaks kept, links as their text, emoji as characters; what is not
    text (scripts, styles, comments) left out. Walks the tree without recursion (any depth)."""
    from bs4.element import Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Script
    from bs4.element import Stylesheet, TemplateString

    skip = (Comment, Declaration, Doctype, ProcessingInstruction, Script, Stylesheet, TemplateString)
    parts: list[str] = []
    for node in element.descendants:
        if isinstance(node, NavigableString):
            if not isinstance(node, skip) and not _in_script(node, element):
                parts.append(str(node))
        elif node.name == "br":
            parts.append("\n")
        elif node.name in _BLOCKS and parts and not parts[-1].endswith("\n"):
            parts.append("\n")
    return "".join(parts).replace("\r\n", "\n").strip()


def _in_script(node, stop) -> bool:
    for parent in node.parents:
        if parent is stop:
            return False
        if parent.name in ("script", "style", "template", "noscript"):
            return True
    return False


def _http(href) -> str | None:
    """An absolute http(s) link, else None (javascript:, data:, relative links are never kept)."""
    if not isinstance(href, str):
        return None
    href = href.strip()
    if len(href) > 4096 or not re.match(r"https?://[^\s/?#]+", href, re.IGNORECASE):
        return None
    return href


def _telegram_path(href) -> str | None:
    url = _http(href)
    if url is None:
        return None
    parts = urlsplit(url)
    return parts.path if (parts.hostname or "").lower() in _TELEGRAM_HOSTS else None


def _post_link(href) -> tuple[str, int] | None:
    """(username, message id) of a t.me/NAME/123 link."""
    path = _telegram_path(href)
    m = _POST_LINK.fullmatch(path) if path else None
    return (m.group(1), int(m.group(2))) if m and int(m.group(2)) > 0 else None


def _channel_link(href) -> tuple[str] | None:
    path = _telegram_path(href)
    m = _CHANNEL_LINK.fullmatch(path) if path else None
    return (m.group(1),) if m else None


def _bare(text: str) -> str:
    return re.sub(r"^https?://(www\.)?", "", text.strip().rstrip("…").rstrip("/"), flags=re.IGNORECASE)


def _hidden_link(tag) -> tuple[str | None, str | None]:
    """The first link whose target the text does not show (a word linked to a page), else the link
    preview's page; URLs written in the text are found from the text itself by the loader."""
    element = _text_element(tag)
    for a in element.find_all("a") if element is not None else ():
        url = _http(a.get("href"))
        shown = " ".join(a.get_text().split())
        if url is None or shown.startswith(("@", "#")):
            continue
        if not shown or not _bare(url).lower().startswith(_bare(shown).lower()):
            return url, None
    preview = tag.select_one("a.tgme_widget_message_link_preview")
    if preview is not None and (url := _http(preview.get("href"))):
        title = preview.select_one(".link_preview_title")
        return url, clean_text(" ".join(title.get_text().split())[:500]) if title is not None else None
    return None, None


def _forward(tag) -> tuple[str | None, bool]:
    """(source, is_public): a channel's username (a link to one of its posts), else the name shown,
    private (a person, or a hidden user known only by name)."""
    node = tag.select_one(".tgme_widget_message_forwarded_from_name")
    if node is None:
        return None, True
    post = _post_link(node.get("href"))
    if post:
        return post[0].lower(), True
    name = clean_text(" ".join(node.get_text(" ").split())[:300])
    return (name, False) if name else (None, True)


def _parent(tag, page: Page) -> str | None:
    reply = tag.select_one("a.tgme_widget_message_reply")
    target = _post_link(reply.get("href")) if reply is not None else None
    if target is None:
        return None
    name, msg_id = target
    same = page.username is not None and name.lower() == page.username.lower()
    return f"{page.key if same else name.lower()}/{msg_id}"


def _media(tag) -> str | None:
    for css, kind in _MEDIA:
        for found in tag.select("." + css):
            if not _inside(found, tag, ("tgme_widget_message_reply",)):
                return kind
    return None


def _reactions(tag) -> tuple[int | None, dict[str, int] | None]:
    """Reactions where the preview shows them ({emoji: count}; custom emoji under 'custom', paid
    stars under 'paid', as the other Telegram importers); no reactions block: unknown."""
    block = tag.select_one(".tgme_widget_message_reactions")
    if block is None:
        return None, None
    breakdown: dict[str, int] = {}
    for item in block.select(".tgme_reaction"):
        classes = item.get("class") or ()
        emoji_tag = item.select_one("i.emoji, tg-emoji, .emoji")
        emoji_text = emoji_tag.get_text().strip() if emoji_tag is not None else ""
        if "tgme_reaction_paid" in classes:
            key = "paid"
        elif item.select_one("tg-emoji") is not None:
            key = "custom"
        else:
            key = emoji_text[:16] or "other"
        shown = item.get_text().strip()
        count = parse_views(shown[len(emoji_text):] if emoji_text and shown.startswith(emoji_text) else shown,
                            "reaction count")
        if count is not None:
            breakdown[key] = breakdown.get(key, 0) + count
    return sum(breakdown.values()), breakdown or None

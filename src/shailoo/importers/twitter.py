"""X (Twitter) API v2 JSONL as written by twarc2: one response page per line.

A page is `{data: [tweets], includes: {users, tweets, media, polls}, meta, __twarc: {retrieved_at}}`;
a line may also hold one tweet object (twarc2 'flattened' output or a hand-saved tweet). Tweets in
`data` and the referenced tweets in `includes.tweets` all become posts; a referenced tweet seen in
several pages is yielded each time (the loader keeps the last and counts the rest as skipped).

Authors are treated as private individuals (`author_is_public=False`): unless an author is a
registered actor, the loader stores a keyed pseudonym and no name or handle. Retweets keep the
original author only as a pseudonymised `forwarded_from`. Post URLs use the handle-free form
https://x.com/i/web/status/ID, so no private author's handle reaches the `posts` table.

Record numbers count tweets through the whole file (1-based); a line that is not JSON is one
record, numbered where it falls.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

from shailoo.errors import WrongFormat
from shailoo.importers.base import ImporterInfo, Record, Source, check_text, private_in_text, row_error, shown
from shailoo.importers.jsonstream import JsonProblem, iter_json_documents
from shailoo.importers.parse import BadValue, clean_text, parse_count, parse_time
from shailoo.records import PostRecord, RowError

FORMAT = ImporterInfo(
    id="twitter",
    name="X (Twitter) API v2 JSONL (twarc2)",
    description="X/Twitter API v2 response pages, one per line, as written by twarc2 (search, timelines, lookups)",
    extensions=(".jsonl", ".json"),
)

_POST_TYPES = {"replied_to": "reply", "quoted": "quote", "retweeted": "repost"}
_EXPECTED = ("expected twarc2 JSONL: X API v2 response pages ({\"data\": [tweets], \"includes\": …}) "
             "or tweet objects, one per line")


def sniff(head: str, path: Path) -> bool:
    if '"__twarc"' in head:
        return True
    return '"author_id"' in head and '"public_metrics"' in head and '"created_at"' in head and '"text"' in head


def _is_tweet(obj: Any) -> bool:
    """An API v2 tweet (v1.1 tweets, with 'id_str' and 'user', are a different format)."""
    return (isinstance(obj, dict) and "id" in obj and "id_str" not in obj
            and any(k in obj for k in ("author_id", "public_metrics", "edit_history_tweet_ids", "author")))


def _is_page(obj: Any) -> bool:
    return isinstance(obj, dict) and ("data" in obj or "includes" in obj or "__twarc" in obj
                                      or ("meta" in obj and "result_count" in (obj["meta"] or {})))


PLATFORM = "x"
_REFUSE_AFTER = 20
# keys after which a line that is not JSON may name a person (every X author is private)
_AUTHOR_KEYS = ("author_id", "username", "name", "in_reply_to_user_id")


def _looks_like_data(obj: Any) -> bool:
    return _is_page(obj) or _is_tweet(obj)


def read(source: Source) -> Iterator[Record]:
    number, seen_valid, bad_before, first_bad = 0, False, 0, None
    for where, obj in iter_json_documents(source, _looks_like_data, "page"):
        if isinstance(obj, JsonProblem):
            number += 1
            # a damaged page is still X data (it is quarantined, not a reason to refuse the file)
            seen_valid = seen_valid or sniff(obj.raw, source.path)
            first_bad, bad_before = first_bad or obj.reason, bad_before + (not seen_valid)
            yield RowError(number, obj.reason, obj.raw, private=_private_in_span(obj.raw), platform=PLATFORM)
        else:
            if isinstance(obj, list) and (not obj or _is_tweet(obj[0])):  # a bare array of tweets
                obj = {"data": obj}
            if not (_is_page(obj) or _is_tweet(obj)):
                if not seen_valid:
                    raise WrongFormat(f"{source.path.name} is not X/Twitter data: {where} is neither a response "
                                      f"page nor a tweet; {_EXPECTED}.")
                number += 1
                yield row_error(number, f"{where} is neither an X API v2 response page nor a tweet", obj,
                                _private(obj), PLATFORM)
                continue
            seen_valid = True
            try:
                tweets = list(_tweets(obj))
            except Exception as exc:  # a hostile page: one quarantined record, the file goes on
                number += 1
                yield row_error(number, f"{where} could not be read ({type(exc).__name__}: {exc})"[:300], obj,
                                _private(obj), PLATFORM)
                continue
            for tweet, page in tweets:
                number += 1
                try:
                    yield _post(tweet, page)
                except BadValue as exc:
                    yield row_error(number, str(exc), tweet, _private(tweet), PLATFORM)
                except Exception as exc:  # hostile content never stops the file: this tweet is quarantined
                    yield row_error(number, f"the tweet could not be read ({type(exc).__name__}: {exc})"[:300],
                                    tweet, _private(tweet), PLATFORM)
        if not seen_valid and bad_before >= _REFUSE_AFTER:
            break
    if not seen_valid:
        detail = f" ({first_bad})" if first_bad else ""
        raise WrongFormat(f"{source.path.name} holds no X/Twitter data (no line is a response page or a tweet)"
                          f"{detail}; {_EXPECTED}.")


def _private(obj: Any) -> list[str]:
    """Every X author is a private individual: the ids, handles and names a tweet or page carries."""
    found: list[str] = []
    if not isinstance(obj, dict):
        return found
    for key in ("author_id", "in_reply_to_user_id"):
        if isinstance(obj.get(key), (str, int)) and not isinstance(obj.get(key), bool):
            found.append(str(obj[key]))
    people = [obj.get("author")]
    entities = obj.get("entities") if isinstance(obj.get("entities"), dict) else {}
    people += _list(entities.get("mentions"))  # mentioned people: {username, id}
    for link in _list(entities.get("urls")):
        for key in ("expanded_url", "url", "display_url", "unwound_url"):
            if isinstance(link, dict) and isinstance(link.get(key), str):
                found += _handles_in(link[key])
    includes = obj.get("includes")
    tweets = obj.get("data") if isinstance(obj.get("data"), list) else [obj.get("data")]
    if isinstance(includes, dict):
        people += _list(includes.get("users"))
        tweets += _list(includes.get("tweets"))
    for tweet in tweets:
        if isinstance(tweet, dict) and tweet is not obj:
            found += _private(tweet)
    for person in people:
        if isinstance(person, dict):
            found += [str(person[k]) for k in ("id", "username", "name")
                      if isinstance(person.get(k), (str, int)) and not isinstance(person.get(k), bool)]
    return found


# x.com/<handle>/… and twitter.com/<handle>/…: a person's handle (not the site's own paths)
_HANDLE_URL = re.compile(r"(?:twitter|x)\.com/(?!(?:i|home|search|hashtag|intent|share|settings|explore|"
                         r"notifications|messages|status)(?![A-Za-z0-9_]))@?([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_])",
                         re.IGNORECASE)
# in a span that is not JSON: the id of any object that also has a username (a user, a mention)
_USER_OBJECT = re.compile(r'\{[^{}]{0,2000}?"username"[^{}]{0,2000}\}')
_ID_IN_OBJECT = re.compile(r'"id"\s*:\s*"?([0-9]{1,20})')


def _handles_in(text: str) -> list[str]:
    return _HANDLE_URL.findall(text[:100_000])


def _private_in_span(raw: str) -> tuple[str, ...]:
    """Best effort for a span that is not JSON: authors, users' and mentions' ids and handles, handles in URLs."""
    found = list(private_in_text(raw, _AUTHOR_KEYS))
    for m in _USER_OBJECT.finditer(raw):
        found += _ID_IN_OBJECT.findall(m.group(0))
    found += _handles_in(raw)
    return tuple(dict.fromkeys(found))


def _tweet_id(value: Any) -> str:
    """A tweet id: digits (up to 19, as X writes them in strings) or a positive whole number."""
    if value is None or value == "":
        raise BadValue("no tweet id")
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10 ** 19:
        return str(value)
    text = value.strip() if isinstance(value, str) else ""
    if text.isascii() and text.isdigit() and len(text) <= 19 and int(text) > 0:
        return text
    raise BadValue(f"tweet id is {shown(value)}, not an X id (a positive whole number)")


class _Page:
    """What a page offers its tweets: authors by id, referenced tweets by id, and when it was retrieved."""

    def __init__(self, obj: dict) -> None:
        includes = obj.get("includes") if isinstance(obj.get("includes"), dict) else {}
        self.users = {u["id"]: u for u in _list(includes.get("users")) if isinstance(u, dict) and _key(u.get("id"))}
        self.tweets = {t["id"]: t for t in _list(includes.get("tweets")) if isinstance(t, dict) and _key(t.get("id"))}
        twarc = obj.get("__twarc") if isinstance(obj.get("__twarc"), dict) else {}
        try:
            self.retrieved_at = parse_time(twarc["retrieved_at"]) if twarc.get("retrieved_at") else None
        except BadValue:
            self.retrieved_at = None  # measured at import instead


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _key(value: Any) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool)


def _tweets(obj: dict) -> Iterator[tuple[Any, _Page]]:
    page = _Page(obj)
    if _is_tweet(obj) and "data" not in obj:
        if isinstance(obj.get("author"), dict):  # flattened twarc2 output embeds the author
            page.users.setdefault(obj["author"].get("id") or obj.get("author_id"), obj["author"])
        yield obj, page
        return
    data = obj.get("data")
    for tweet in data if isinstance(data, list) else ([data] if data else []):
        yield tweet, page
    includes = obj.get("includes") if isinstance(obj.get("includes"), dict) else {}
    for tweet in _list(includes.get("tweets")):
        yield tweet, page


def _post(tweet: Any, page: _Page) -> PostRecord:
    if not isinstance(tweet, dict):
        raise BadValue("not a tweet object")
    tweet_id = _tweet_id(tweet.get("id"))
    created = parse_time(tweet.get("created_at"), "created_at")
    metrics = tweet.get("public_metrics") or {}
    if not isinstance(metrics, dict):
        raise BadValue("public_metrics is not an object")
    likes = parse_count(metrics.get("like_count"), "like_count")
    retweets = parse_count(metrics.get("retweet_count"), "retweet_count")
    quotes = parse_count(metrics.get("quote_count"), "quote_count")
    shares = None if retweets is None and quotes is None else (retweets or 0) + (quotes or 0)

    author = tweet.get("author") if isinstance(tweet.get("author"), dict) else {}
    author_id = clean_text(tweet.get("author_id")) or clean_text(author.get("id"))
    user = page.users.get(author_id) or {}
    username = clean_text(user.get("username"))
    post_type, parent, forwarded_from = "post", None, None
    for ref in _list(tweet.get("referenced_tweets")):
        kind = ref.get("type") if isinstance(ref, dict) else None
        if kind in _POST_TYPES and post_type in ("post", "quote"):  # a reply that quotes is a reply
            post_type, parent = _POST_TYPES[kind], clean_text(ref.get("id"))
            if kind == "replied_to" and author_id and _key(tweet.get("in_reply_to_user_id")) and \
                    str(tweet["in_reply_to_user_id"]).strip() == author_id:
                post_type = "post"  # the author's own thread: their post, its parent kept; not a comment
                break
            if kind == "retweeted":
                original = page.tweets.get(ref.get("id")) if _key(ref.get("id")) else None
                original = original or {}
                forwarded_from = clean_text(original.get("author_id"))
    return PostRecord(
        platform="x",
        platform_post_id=tweet_id,
        created_at=created,
        account_id=author_id,
        account_name=clean_text(user.get("name")),
        account_handle=username,
        account_url=f"https://x.com/{username}" if username else None,
        author_is_public=False,
        post_type=post_type,
        parent_platform_post_id=parent,
        # not x.com/{username}/status/…: the URL would keep a private author's handle in `posts`
        url=f"https://x.com/i/web/status/{tweet_id}",
        text=check_text(clean_text(tweet.get("text")), "text"),
        language=clean_text(tweet.get("lang")),
        forwarded_from=forwarded_from,
        forwarded_from_is_public=False,
        measured_at=page.retrieved_at,
        reactions=likes,
        likes=likes,
        comments=parse_count(metrics.get("reply_count"), "reply_count"),
        shares=shares,
        views=parse_count(metrics.get("impression_count"), "impression_count"),
    )

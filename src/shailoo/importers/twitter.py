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

import itertools
import json
from pathlib import Path
from typing import Any, Iterator

from shailoo.errors import WrongFormat
from shailoo.importers.base import ImporterInfo, Record, Source, dump_raw
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


def _lines(source: Source) -> Iterator[tuple[int, Any, str]]:
    """(line number, object or JSONDecodeError, text); a pretty-printed single page is read whole."""
    with source.open_text() as fh:
        first = fh.readline()
        if first.strip() in ("{", "["):  # one indented document
            text = first + fh.read()
            yield 1, _loads(text), text
            return
        for number, line in enumerate(itertools.chain([first], fh), start=1):
            if line.strip():
                yield number, _loads(line), line.rstrip("\r\n")


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        return exc


def _is_tweet(obj: Any) -> bool:
    """An API v2 tweet (v1.1 tweets, with 'id_str' and 'user', are a different format)."""
    return (isinstance(obj, dict) and "id" in obj and "id_str" not in obj
            and any(k in obj for k in ("author_id", "public_metrics", "edit_history_tweet_ids", "author")))


def _is_page(obj: Any) -> bool:
    return isinstance(obj, dict) and ("data" in obj or "includes" in obj or "__twarc" in obj
                                      or ("meta" in obj and "result_count" in (obj["meta"] or {})))


def read(source: Source) -> Iterator[Record]:
    number = 0
    seen_valid = False
    for line, obj, text in _lines(source):
        if isinstance(obj, json.JSONDecodeError):
            number += 1
            yield RowError(number, f"line {line} is not JSON ({obj.msg})", text)
            continue
        if isinstance(obj, list) and (not obj or _is_tweet(obj[0])):  # a bare array of tweets
            obj = {"data": obj}
        if not (_is_page(obj) or _is_tweet(obj)):
            if not seen_valid:
                raise WrongFormat(f"{source.path.name} is not X/Twitter data: line {line} is neither a response "
                                  f"page nor a tweet; {_EXPECTED}.")
            number += 1
            yield RowError(number, f"line {line} is neither an X API v2 response page nor a tweet", dump_raw(obj))
            continue
        seen_valid = True
        for tweet, page in _tweets(obj):
            number += 1
            try:
                yield _post(tweet, page)
            except BadValue as exc:
                yield RowError(number, str(exc), dump_raw(tweet))
    if not seen_valid:
        raise WrongFormat(f"{source.path.name} holds no X/Twitter data (no line is a response page or a tweet); "
                          f"{_EXPECTED}.")


class _Page:
    """What a page offers its tweets: authors by id, referenced tweets by id, and when it was retrieved."""

    def __init__(self, obj: dict) -> None:
        includes = obj.get("includes") if isinstance(obj.get("includes"), dict) else {}
        self.users = {u.get("id"): u for u in includes.get("users") or [] if isinstance(u, dict)}
        self.tweets = {t.get("id"): t for t in includes.get("tweets") or [] if isinstance(t, dict)}
        twarc = obj.get("__twarc") if isinstance(obj.get("__twarc"), dict) else {}
        try:
            self.retrieved_at = parse_time(twarc["retrieved_at"]) if twarc.get("retrieved_at") else None
        except BadValue:
            self.retrieved_at = None  # measured at import instead


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
    for tweet in includes.get("tweets") or []:
        yield tweet, page


def _post(tweet: Any, page: _Page) -> PostRecord:
    if not isinstance(tweet, dict):
        raise BadValue("not a tweet object")
    tweet_id = str(tweet.get("id") or "").strip()
    if not tweet_id.isdigit():
        raise BadValue(f"no usable tweet id ('{tweet_id[:40]}')" if tweet_id else "no tweet id")
    created = parse_time(tweet.get("created_at"), "created_at")
    metrics = tweet.get("public_metrics") or {}
    if not isinstance(metrics, dict):
        raise BadValue("public_metrics is not an object")
    likes = parse_count(metrics.get("like_count"), "like_count")
    retweets = parse_count(metrics.get("retweet_count"), "retweet_count")
    quotes = parse_count(metrics.get("quote_count"), "quote_count")
    shares = None if retweets is None and quotes is None else (retweets or 0) + (quotes or 0)

    author_id = clean_text(tweet.get("author_id")) or clean_text((tweet.get("author") or {}).get("id"))
    user = page.users.get(author_id) or {}
    username = clean_text(user.get("username"))
    post_type, parent, forwarded_from = "post", None, None
    for ref in tweet.get("referenced_tweets") or []:
        kind = ref.get("type") if isinstance(ref, dict) else None
        if kind in _POST_TYPES and post_type in ("post", "quote"):  # a reply that quotes is a reply
            post_type, parent = _POST_TYPES[kind], clean_text(ref.get("id"))
            if kind == "retweeted":
                original = page.tweets.get(ref.get("id")) or {}
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
        text=clean_text(tweet.get("text")),
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

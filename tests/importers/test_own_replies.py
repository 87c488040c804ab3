"""An account answering its own earlier post (a Telegram channel's follow-up, an X thread) publishes a
post of its own, with its parent kept; only others' replies are comments (issue #8)."""

from __future__ import annotations

import json

from shailoo.importers import telethon, twitter
from shailoo.importers.base import Source
from shailoo.records import PostRecord


def _tweet(tweet_id: str, author: str, replied_to: str | None = None, reply_user: str | None = None) -> dict:
    tweet = {"id": tweet_id, "author_id": author, "created_at": "2024-03-01T07:00:00.000Z", "text": "…",
             "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 1, "quote_count": 0}}
    if replied_to:
        tweet["referenced_tweets"] = [{"type": "replied_to", "id": replied_to}]
        tweet["in_reply_to_user_id"] = reply_user
    return tweet


def test_x_thread_is_the_authors_posts_and_others_replies_are_comments(tmp_path):
    page = {"data": [_tweet("10", "2001"), _tweet("11", "2001", "10", "2001"), _tweet("12", "1002", "10", "2001")]}
    path = tmp_path / "thread.jsonl"
    path.write_text(json.dumps(page) + "\n", encoding="utf-8")
    records = {r.platform_post_id: r for r in twitter.read(Source(path)) if isinstance(r, PostRecord)}
    assert {k: (r.post_type, r.parent_platform_post_id) for k, r in records.items()} == {
        "10": ("post", None), "11": ("post", "10"), "12": ("reply", "10")}


def test_telethon_group_reply_by_a_member_stays_a_reply_and_the_groups_own_is_a_post(tmp_path):
    lines = [{"id": 1, "peer_id": {"channel_id": 55}, "sender_id": -1000000000055, "date": 1736589600, "message": "a"},
             {"id": 2, "peer_id": {"channel_id": 55}, "sender_id": 7, "date": 1736589600, "message": "b",
              "reply_to_msg_id": 1},
             {"id": 3, "peer_id": {"channel_id": 55}, "sender_id": -1000000000055, "date": 1736589600,
              "message": "c", "reply_to_msg_id": 2}]
    path = tmp_path / "group.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    records = {r.platform_post_id: r for r in telethon.read(Source(path)) if isinstance(r, PostRecord)}
    assert {k: (r.post_type, r.space_account_id) for k, r in records.items()} == {
        "55/1": ("post", None), "55/2": ("reply", "55"), "55/3": ("post", None)}

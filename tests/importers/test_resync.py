"""Resynchronising after damage in a JSON export (issue #7 review, F1, F4 and F6): a damaged line is one
record, objects nested inside a record are never taken for records, every format reads its record
array item by item, and a damaged span is counted record by record."""

from __future__ import annotations

import json
import re

import pytest

from shailoo.importers import telegram_desktop, telethon, twitter, vk, youtube
from shailoo.importers.base import Source
from shailoo.records import PostRecord, RowError
from shailoo.store.loader import import_file
from tests.importers.helpers import balanced

USER_IDS = ("900000000000000001", "900000000000000002", "900000000000000003")


def _page(first: int) -> dict:
    """A twarc2 page: two tweets and, in includes.users, three users who look like tweets (an id,
    public_metrics, created_at) — what resynchronising once took for posts."""
    tweets = [{"id": str(first + i), "author_id": USER_IDS[i], "created_at": "2024-03-01T08:00:00.000Z",
               "text": f"твит {first + i}", "public_metrics": {"like_count": 1, "retweet_count": 0}}
              for i in range(2)]
    users = [{"id": u, "username": f"person{k}", "name": f"Person {k}", "created_at": "2012-05-01T00:00:00.000Z",
              "public_metrics": {"followers_count": 5, "tweet_count": 9}} for k, u in enumerate(USER_IDS)]
    return {"data": tweets, "includes": {"users": users}, "meta": {"result_count": 2},
            "__twarc": {"url": "https://api.x.com/2/tweets/search/all", "retrieved_at": "2024-03-02T00:00:00+00:00"}}


def _damage(line: bytes, how: str) -> bytes:
    at = line.index(b'"includes"') - 5
    if how == "ff":
        return line[:at] + b"\xff" + line[at:]
    if how == "nan":
        return line.replace(b'"like_count": 1', b'"like_count": NaN', 1)
    return line[: int(len(line) * 0.9)]  # cut


def _kinds(records) -> list[str]:
    return [type(r).__name__ for r in records]


@pytest.mark.parametrize("how", ["ff", "nan", "cut"])
def test_a_damaged_twarc2_page_alone_in_its_file_is_one_record(tmp_path, how):
    path = tmp_path / "x.jsonl"
    path.write_bytes(_damage(json.dumps(_page(100)).encode(), how))
    records = list(twitter.read(Source(path)))
    # before: 671 records, 332 "posts" of which 177 were includes.users entries keyed by the user's id
    assert _kinds(records) == ["RowError"], [getattr(r, "reason", r) for r in records]


@pytest.mark.parametrize("how", ["ff", "nan", "cut"])
def test_a_damaged_twarc2_line_is_one_record_among_good_ones(tmp_path, how):
    lines = [json.dumps(_page(100)).encode(), _damage(json.dumps(_page(200)).encode(), how),
             json.dumps(_page(300)).encode()]
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    records = list(twitter.read(Source(path)))
    assert _kinds(records) == ["PostRecord", "PostRecord", "RowError", "PostRecord", "PostRecord"]
    assert not {r.platform_post_id for r in records if isinstance(r, PostRecord)} & set(USER_IDS)


@pytest.mark.shared
def test_real_twarc2_page_with_a_bad_byte(workspace, real, tmp_path):
    data = (real / "coordination" / "twarc2_brexit_search_page.jsonl").read_bytes()
    at = data.index(b'"includes"') - 5
    for name, damaged in (("ff.jsonl", data[:at] + b"\xff" + data[at:]), ("cut.jsonl", data[: len(data) * 9 // 10])):
        path = tmp_path / name
        path.write_bytes(damaged)
        result = import_file(workspace, path)
        assert (result.records, result.imported, result.quarantined) == (1, 0, 1), (name, result)


# ---- nested objects are never records ---------------------------------------------------------

def _tg(i: int, **extra) -> dict:
    return {"message_id": i, "sender_id": -1001555000000, "text": f"сообщение {i}",
            "date": "2025-02-01T10:00:00+00:00", **extra}


@pytest.mark.parametrize("indent", [None, 1])
@pytest.mark.parametrize("junk", [b"@@@", b"}", b"[", b"{", b"\x00", b'"'])
def test_telethon_resync_skips_objects_nested_in_the_broken_message(tmp_path, indent, junk):
    thread = [_tg(900 + k) for k in range(3)]  # nested objects that look like messages
    messages = [_tg(i, **({"thread": thread} if i == 5 else {})) for i in range(1, 11)]
    data = json.dumps(messages, ensure_ascii=False, indent=indent).encode()
    at = data.index(b'"thread"')
    path = tmp_path / "messages.json"
    path.write_bytes(data[:at] + junk + data[at:])
    records = list(telethon.read(Source(path)))
    ids = [r.platform_post_id.split("/")[1] for r in records if isinstance(r, PostRecord)]
    assert not any(i.startswith("90") for i in ids), ids
    assert ids == [str(i) for i in range(1, 11) if i != 5]
    assert _kinds(records).count("RowError") == 1


def test_a_cut_inside_a_page_never_makes_records_of_its_nested_objects(tmp_path):
    """Pretty-printed VK pages one after another: the first is cut inside a repost's copy_history."""
    page = {"response": {"count": 2, "items": [
        {"id": 1, "owner_id": -5, "from_id": -5, "date": 1738404000, "text": "a",
         "copy_history": [{"id": 7, "owner_id": -6, "from_id": -6, "date": 1738400000, "text": "c"}]},
        {"id": 2, "owner_id": -5, "from_id": -5, "date": 1738404001, "text": "b"}]}}
    text = json.dumps(page, indent=2)
    cut = text[: text.index('"text": "c"')]
    path = tmp_path / "pages.json"
    path.write_text(cut + "\n" + json.dumps({"response": {"count": 1, "items": [
        {"id": 3, "owner_id": -5, "from_id": -5, "date": 1738404002, "text": "d"}]}}, indent=2), encoding="utf-8")
    posts = [r.platform_post_id for r in vk.read(Source(path)) if isinstance(r, PostRecord)]
    assert "-5_3" in posts and "-6_7" not in posts and "-6_7" not in posts


# ---- F6: a damaged span is counted record by record -------------------------------------------

def _desktop(n: int) -> dict:
    return {"name": "Канал", "type": "public_channel", "id": 777, "messages": [
        {"id": i, "type": "message", "date": "2025-02-01T10:00:00", "date_unixtime": str(1738404000 + i),
         "from": "Канал", "from_id": "channel777", "text": [f"часть {i} ", {"type": "bold", "text": "ж"}],
         "text_entities": [{"type": "plain", "text": f"часть {i} "}],
         "reactions": [{"type": "emoji", "count": 2, "emoji": "👍"}]} for i in range(1, n + 1)]}


@pytest.mark.parametrize("junk", [b"@@@", b"}", b'"', b"{", b"[", b"\x00", b"NaN", b"\xff"])
@pytest.mark.parametrize("broken", [(5,), (5, 6, 7), tuple(range(5, 15))])
def test_adjacent_broken_messages_are_counted_one_by_one(tmp_path, junk, broken):
    data = json.dumps(_desktop(20), ensure_ascii=False, indent=1).encode()
    for i in sorted(broken, reverse=True):  # junk after each broken message's id, inside it
        at = re.search(rb'\n   "id": %d,\n' % i, data).end()
        data = data[:at] + junk + data[at:]
    path = tmp_path / "result.json"
    path.write_bytes(data)
    records = list(telegram_desktop.read(Source(path)))
    errors = [r for r in records if isinstance(r, RowError)]
    posts = [r for r in records if isinstance(r, PostRecord)]
    # before: three adjacent broken messages were one record (records 18 for 20 messages)
    assert len(records) == 20 and len(errors) == len(broken), [e.reason for e in errors]
    assert sorted(int(p.platform_post_id.split("/")[1]) for p in posts) == [
        i for i in range(1, 21) if i not in broken]
    assert all("bytes" in e.reason for e in errors)


@pytest.mark.shared
@pytest.mark.parametrize("junk", [b"@@@", b"}", b'"'])
def test_real_desktop_export_with_three_adjacent_broken_messages(workspace, real, tmp_path, junk):
    data = (real / "telegram_desktop_export" / "result.json").read_bytes()
    starts = [m.end() for m in re.finditer(rb'\n  \{\n   "id": \d+,\n', data)][100:103]
    for at in reversed(starts):
        data = data[:at] + junk + data[at:]
    path = tmp_path / "result.json"
    path.write_bytes(data)
    result = import_file(workspace, path)
    assert balanced(result)
    assert (result.records, result.quarantined) == (674, 3)  # before: 672 records, 1 quarantined


# ---- F4: a VK page and a YouTube response are read item by item ----------------------------------

def _vk_items(n: int) -> list[dict]:
    items = [{"id": i, "owner_id": -5, "from_id": -5, "date": 1738404000 + i, "text": f"запись {i}",
              "likes": {"count": i}, "reposts": {"count": 0}} for i in range(1, n + 1)]
    items[4]["copy_history"] = [{"id": 77, "owner_id": -6, "from_id": -6, "date": 1738400000, "text": "копия"}]
    return items


_FAULTS = {
    "nan": lambda d, at: d[:at] + b'"x": NaN, ' + d[at:],
    "deep": lambda d, at: d[:at] + b'"x": ' + b"[" * 100 + b"]" * 100 + b", " + d[at:],
    "ff": lambda d, at: d[:at] + b"\xff" + d[at:],
    "long_id": lambda d, at: d[:at] + b'"x": ' + b"9" * 5000 + b", " + d[at:],
    "nul": lambda d, at: d[:at] + b"\x00" + d[at:],
    "at": lambda d, at: d[:at] + b"@@@" + d[at:],
    "quote": lambda d, at: d[:at] + b'"' + d[at:],
    "brace": lambda d, at: d[:at] + b"}" + d[at:],
}


@pytest.mark.parametrize("indent", [None, 2])
@pytest.mark.parametrize("fault", sorted(_FAULTS))
def test_a_fault_in_one_vk_post_costs_that_post(tmp_path, fault, indent):
    data = json.dumps({"response": {"count": 10, "items": _vk_items(10), "profiles": [],
                                    "groups": [{"id": 5, "name": "Сообщество", "screen_name": "club_five"}]}},
                      ensure_ascii=False, indent=indent).encode()
    at = data.index(b'"likes"', data.index(b'"id": 5,' if indent else b'"id": 5, '))  # inside post 5
    path = tmp_path / "wall.json"
    path.write_bytes(_FAULTS[fault](data, at))
    records = list(vk.read(Source(path)))
    posts = {r.platform_post_id: r for r in records if isinstance(r, PostRecord)}
    # before: the whole file was refused (0 of 10 imported)
    assert sorted(posts) == sorted(f"-5_{i}" for i in range(1, 11) if i != 5), [getattr(r, "reason", "") for r in records]
    assert _kinds(records).count("RowError") == 1
    assert posts["-5_1"].account_name == "Сообщество"  # the page's groups, after its items, still name them


def test_a_vk_page_cut_short_keeps_the_posts_before_the_cut(tmp_path):
    data = json.dumps({"response": {"count": 10, "items": _vk_items(10)}}, indent=2).encode()
    path = tmp_path / "wall.json"
    path.write_bytes(data[: data.index(b'"id": 9,')])
    records = list(vk.read(Source(path)))
    posts = [r.platform_post_id for r in records if isinstance(r, PostRecord)]
    assert len(posts) == 8 + 1 and "-6_77" in posts  # posts 1-8 and the copy in post 5
    assert _kinds(records)[-1] == "RowError"


@pytest.mark.shared
@pytest.mark.parametrize("fault", sorted(_FAULTS))
def test_real_vk_wall_get_with_one_fault(workspace, real, tmp_path, fault):
    data = next((real / "vk_wallget").glob("*.json")).read_bytes()
    items = [m.start() for m in re.finditer(rb'\n    \{\n      "id": ', data)]
    at = data.index(b'"likes"', items[4])
    path = tmp_path / "wall.json"
    path.write_bytes(_FAULTS[fault](data, at))
    result = import_file(workspace, path)
    assert balanced(result)
    assert (result.imported, result.quarantined) == (9, 1), result  # before: refused, 0 of 10


@pytest.mark.shared
def test_real_vk_wall_get_cut_at_90_percent(workspace, real, tmp_path):
    data = next((real / "vk_wallget").glob("*.json")).read_bytes()
    path = tmp_path / "wall.json"
    path.write_bytes(data[: len(data) * 9 // 10])
    result = import_file(workspace, path)
    assert balanced(result) and result.imported >= 8 and result.quarantined == 1


def _yt(i: int) -> dict:
    return {"kind": "youtube#video", "id": f"vid{i:08d}", "snippet": {"publishedAt": "2024-03-01T08:00:00Z",
            "channelId": "UCkloopKG000000000000001", "title": f"видео {i}"},
            "statistics": {"viewCount": str(10 * i), "likeCount": "1"}}


@pytest.mark.parametrize("fault", sorted(_FAULTS))
def test_a_fault_in_one_youtube_item_costs_that_item(tmp_path, fault):
    data = json.dumps({"kind": "youtube#videoListResponse", "etag": "x", "items": [_yt(i) for i in range(1, 8)],
                       "pageInfo": {"totalResults": 7}}, ensure_ascii=False, indent=2).encode()
    at = data.index(b'"statistics"', data.index(b'"vid00000004"'))
    path = tmp_path / "videos.json"
    path.write_bytes(_FAULTS[fault](data, at))
    records = list(youtube.read(Source(path)))
    posts = sorted(r.platform_post_id for r in records if isinstance(r, PostRecord))
    assert posts == [f"vid{i:08d}" for i in range(1, 8) if i != 4], [getattr(r, "reason", "") for r in records]
    assert _kinds(records).count("RowError") == 1

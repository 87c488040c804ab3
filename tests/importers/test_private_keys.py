"""Private people's ids stay out of post keys and out of the quarantine (issue #7 review, F2 and F7):
VK post keys on a person's wall and copies of a person's post, reasons, ids inside URLs, X mentions."""

from __future__ import annotations

import json
import re

from shailoo.importers import twitter, vk
from shailoo.importers.base import Source
from shailoo.privacy import pseudonym
from shailoo.records import RowError
from shailoo.store.loader import import_file

PERSON, WALL_OWNER, DOC_OWNER = 7654321, 7654322, 203608876


def _wall(tmp_path, **extra_item):
    items = [
        {"id": 10, "owner_id": -5, "from_id": -5, "date": 1738404000, "text": "репост",
         "copy_history": [{"id": 55, "owner_id": PERSON, "from_id": PERSON, "date": 1738400000, "text": "моё"}]},
        {"id": 102, "owner_id": WALL_OWNER, "from_id": WALL_OWNER, "date": 1738404100, "text": "на своей стене"},
        {"id": 103, "owner_id": WALL_OWNER, "from_id": -5, "date": 1738404200, "text": "сообщество на стене"},
        {"id": 11, "owner_id": -5, "from_id": -5, "date": 1738404300, "text": "ok", **extra_item},
    ]
    path = tmp_path / "wall.json"
    path.write_text(json.dumps({"response": {"count": 4, "items": items,
                                             "groups": [{"id": 5, "name": "Группа", "screen_name": "grp"}]}}),
                    encoding="utf-8")
    return path


def _keys(ws) -> list[tuple]:
    return ws.con.execute("SELECT platform_post_id, parent_platform_post_id, url FROM posts ORDER BY 1").fetchall()


def test_vk_post_keys_hold_no_private_person_id(workspace, tmp_path):
    path = _wall(tmp_path)
    result = import_file(workspace, path)
    assert (result.imported, result.quarantined) == (5, 0)
    rows = _keys(workspace)
    # before: '7654321_55' (as key and as parent) and '7654322_102' reached tables, reports and CSV
    assert not any(str(PERSON) in repr(r) or str(WALL_OWNER) in repr(r) for r in rows), rows
    p1 = pseudonym(workspace.pseudonym_key, "vk", str(PERSON))
    p2 = pseudonym(workspace.pseudonym_key, "vk", str(WALL_OWNER))
    keys = {r[0]: r for r in rows}
    assert {f"{p1}_55", f"{p2}_102", f"{p2}_103", "-5_10", "-5_11"} == set(keys)
    assert keys["-5_10"][1] == f"{p1}_55"  # the repost still points to the copy it made
    assert keys[f"{p2}_102"][2] is None and keys[f"{p2}_103"][2] is None  # vk.com/wall7654322_… dropped
    again = import_file(workspace, path, reread=True)  # stable keys: nothing new the second time
    assert again.imported == 0 and workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0] == 5


def test_a_registered_persons_vk_keys_are_kept(workspace, tmp_path):
    workspace.con.execute("INSERT INTO actors (actor_id, name, category) VALUES (1, 'Депутат', 'politician')")
    workspace.con.execute("INSERT INTO actor_accounts (actor_id, platform, account_id) VALUES (1, 'vk', ?)",
                          [str(WALL_OWNER)])
    import_file(workspace, _wall(tmp_path))
    keys = {r[0] for r in _keys(workspace)}
    assert f"{WALL_OWNER}_102" in keys and not any(k.startswith(f"{PERSON}_") for k in keys)


def _quarantine_text(ws) -> str:
    return repr(ws.con.execute("SELECT reason, raw FROM quarantine").fetchall())


def test_vk_reasons_and_urls_never_keep_a_persons_id(workspace, tmp_path):
    items = [
        {"id": 1, "owner_id": -5, "from_id": 3818068.0, "date": 1738404000, "text": "a"},
        {"id": 2, "owner_id": -5, "from_id": PERSON, "date": "вчера", "text": "b",
         "attachments": [{"type": "doc", "doc": {"id": 9, "owner_id": DOC_OWNER,
                                                 "url": f"https://vk.com/doc{DOC_OWNER}_9?hash=1"}},
                         {"type": "link", "link": {"url": f"https://vk.com/id{PERSON}"}}]},
    ]
    path = tmp_path / "wall.json"
    path.write_text(json.dumps({"count": 2, "items": items}), encoding="utf-8")
    result = import_file(workspace, path)
    assert result.quarantined == 2
    text = _quarantine_text(workspace)
    # before: reason "from_id is 3818068.0, not a VK id" (kept after purge) and the raw 3818068.0;
    # doc203608876_9 and id7654321 inside URLs
    for value in ("3818068", str(DOC_OWNER), str(PERSON)):
        assert value not in text, (value, text)
    assert "from_id is not a VK id" in text


def test_vk_ids_in_urls_are_private_in_broken_spans(tmp_path):
    path = tmp_path / "wall.json"
    path.write_text('{"count": 1, "items": [{"id": 1, "owner_id": -5, "text": "vk.com/photo%d_4 @@@' % DOC_OWNER,
                    encoding="utf-8")
    errors = [r for r in vk.read(Source(path)) if isinstance(r, RowError)]
    assert errors and str(DOC_OWNER) in errors[0].private


def _tweet(**extra) -> dict:
    return {"id": "1700", "author_id": "42", "created_at": "2024-03-01T08:00:00.000Z", "text": "@secret_person hi",
            "entities": {"mentions": [{"start": 0, "end": 14, "username": "secret_person", "id": "555666777"}],
                         "urls": [{"url": "https://t.co/x", "expanded_url": "https://x.com/other_person/status/9"}]},
            "public_metrics": {"like_count": "many"}, **extra}


def test_x_quarantined_tweets_mark_mentions_and_handles_in_urls_private(workspace, tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"data": [_tweet()], "includes": {"users": [{"id": "42", "username": "author42",
                                                                                "name": "Автор"}]}}) + "\n",
                    encoding="utf-8")
    records = list(twitter.read(Source(path)))
    assert isinstance(records[0], RowError)
    assert {"555666777", "secret_person", "other_person"} <= set(records[0].private), records[0].private
    import_file(workspace, path)
    text = _quarantine_text(workspace)
    assert not re.search(r"555666777|secret_person|other_person", text), text


def test_x_broken_page_marks_users_and_mentions_private(tmp_path):
    line = json.dumps({"data": [_tweet(public_metrics={"like_count": 1})],
                       "includes": {"users": [{"id": "42", "username": "author42", "name": "Автор"}]}})
    path = tmp_path / "x.jsonl"
    path.write_text(line[:-40] + "\n", encoding="utf-8")
    records = list(twitter.read(Source(path)))
    assert len(records) == 1 and isinstance(records[0], RowError)
    assert {"555666777", "secret_person", "other_person", "42", "author42"} <= set(records[0].private)

"""The raw archive: compressed bodies with their request (no credential), matched to what was imported."""

from __future__ import annotations

import gzip
import hashlib
from datetime import datetime, timezone

from shailoo.collect.archive import Archive, archived_batches
from shailoo.collect.base import Batch
from shailoo.collect.http import Exchange

T = datetime(2024, 5, 1, tzinfo=timezone.utc)


def test_exchange_archived_compressed_and_matched_to_its_batch(workspace):
    archive = Archive(workspace.con, 1)
    body = b'{"response": {"count": 0, "items": []}}' * 50
    archive.add(Exchange("vk", "wall.get", "http://x/method/wall.get?owner_id=-5", {"owner_id": -5}, 200, body, T))
    archive.add(Exchange("vk", "wall.get", "http://x/method/wall.get?offset=100", {"offset": 100}, 429, b"", T))
    row = workspace.con.execute("SELECT endpoint, params, status, sha256, size, body_gz FROM collect_archive "
                                "WHERE seq = 1").fetchone()
    assert row[:3] == ("wall.get", '{"owner_id": -5}', 200)
    assert row[3] == hashlib.sha256(body).hexdigest() and row[4] == len(body) and gzip.decompress(row[5]) == body
    assert len(row[5]) < len(body) / 5
    archive.imported("vk", Batch("vk", "page.json", body, T), T)
    archive.imported("telegram", Batch("telethon", "msgs.jsonl", b'{"id": 1}\n', T), T)  # built without HTTP
    rows = workspace.con.execute("SELECT seq, endpoint, format_id FROM collect_archive ORDER BY seq").fetchall()
    assert rows == [(1, "wall.get", "vk"), (2, "wall.get", None), (3, "batch:telethon", "telethon")]
    got = [(a.seq, a.format_id, a.body[:9]) for a in archived_batches(workspace.con)]
    assert got == [(1, "vk", body[:9]), (3, "telethon", b'{"id": 1}')]
    assert [a.seq for a in archived_batches(workspace.con, run_id=1, platform="telegram")] == [3]


def test_the_final_url_of_a_redirect_is_archived(workspace):
    archive = Archive(workspace.con, 1)
    archive.add(Exchange("telegram", "s/chan", "http://m/s/chan", {}, 200, b"<html/>", T, final_url="http://m/s/chan2"))
    archive.add(Exchange("telegram", "s/chan", "http://m/s/chan", {}, 200, b"<html/>", T))
    rows = workspace.con.execute("SELECT url, final_url FROM collect_archive ORDER BY seq").fetchall()
    assert rows == [("http://m/s/chan", "http://m/s/chan2"), ("http://m/s/chan", None)]

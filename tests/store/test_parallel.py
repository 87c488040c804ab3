"""Two-process reading of large CSV exports: same result as one process, records numbered as one file."""

from __future__ import annotations

import csv
import io

import pytest

from shailoo.store import parallel
from shailoo.store.loader import import_file
from shailoo.store.parallel import split_points
from shailoo.store.workspace import init_workspace
from tests.conftest import DATA

MALFORMED = DATA / "crowdtangle" / "2021-01-05-10-00-00-KGT-Historical-Report-malformed.csv"


def _multiline_export(path, rows=3000):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Page Name", "Facebook Id", "Post Created", "Likes", "Comments", "Shares", "URL", "Message"])
        for i in range(rows):
            likes = "many" if i % 997 == 0 else str(i % 40)  # a few bad rows to quarantine
            message = f'Пост {i}\n"цитата" рабoта\n' * (i % 3) + "#шайлоо"
            writer.writerow(["Барак", "55", "2026-01-05 10:00:00 KGT", likes, 1, 0,
                             f"https://www.facebook.com/55/posts/{i}", message])


def test_split_points_never_cut_a_quoted_cell(tmp_path):
    path = tmp_path / "x.csv"
    _multiline_export(path)
    header_end, bounds = split_points(path, 2)
    data = path.read_bytes()
    first = list(csv.reader(io.StringIO(data[: bounds[1]].decode(), newline="")))
    second = list(csv.reader(io.StringIO((data[:header_end] + data[bounds[1]:]).decode(), newline="")))
    whole = list(csv.reader(io.StringIO(data.decode(), newline="")))
    assert first[0] == second[0] == whole[0]
    assert first[1:] + second[1:] == whole[1:]


def _snapshot(ws):
    posts = ws.con.execute("SELECT platform_post_id, text, text_norm, hashtags FROM posts ORDER BY 1").fetchall()
    quarantine = ws.con.execute("SELECT record_number, reason FROM quarantine ORDER BY 1").fetchall()
    snaps = ws.con.execute("SELECT count(*), sum(reactions) FROM engagement_snapshots").fetchall()
    return posts, quarantine, snaps


@pytest.mark.parametrize("make", ["multiline", "malformed"])
def test_two_processes_give_the_same_workspace(tmp_path, monkeypatch, make):
    if make == "multiline":
        path = tmp_path / "2026-01-09-10-00-00-KGT-export.csv"
        _multiline_export(path)
    else:
        path = MALFORMED
    serial_ws = init_workspace(tmp_path / "serial")
    serial = import_file(serial_ws, path)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
    assert parallel.worker_count(path, __import__("shailoo.importers.crowdtangle").importers.crowdtangle) == 2
    parallel_ws = init_workspace(tmp_path / "parallel")
    split = import_file(parallel_ws, path)
    for key in ("records", "imported", "quarantined", "skipped"):
        assert getattr(split, key) == getattr(serial, key), key
    assert _snapshot(parallel_ws) == _snapshot(serial_ws)
    assert not list((tmp_path / "parallel").glob(".import-*"))  # the slices' files are gone
    serial_ws.close()
    parallel_ws.close()

"""Two-process reading of large CSV exports: same result as one process, records numbered as one file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

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


def test_works_from_a_plain_script_without_main_guard(tmp_path):
    """Worker processes must not re-run the caller's script (as multiprocessing's spawn would)."""
    import subprocess
    import sys

    export = tmp_path / "2026-01-09-10-00-00-KGT-export.csv"
    _multiline_export(export, rows=500)
    script = tmp_path / "load.py"
    script.write_text(
        "import shailoo.store.parallel as parallel\n"
        "from shailoo.store.loader import import_file\n"
        "from shailoo.store.workspace import init_workspace\n"
        "parallel.PARALLEL_MIN_BYTES = 0\n"
        f"ws = init_workspace({str(tmp_path / 'ws')!r})\n"
        f"print(import_file(ws, {str(export)!r}).imported)\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(500 - 1)  # one row has likes 'many' and is quarantined


def test_an_error_in_a_worker_reaches_the_user_and_nothing_is_imported(tmp_path, monkeypatch):
    from shailoo.errors import WrongFormat

    export = tmp_path / "2026-01-09-10-00-00-KGT-export.csv"
    _multiline_export(export, rows=400)
    with open(export, "ab") as fh:  # many rows with bytes that are not UTF-8: the file is refused
        for n in range(50):
            fh.write(f'Барак,55,2026-01-05 10:00:00 KGT,1,1,0,https://www.facebook.com/55/posts/x{n},'.encode()
                     + b"\xff\xfe\n")
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
    ws = init_workspace(tmp_path / "ws")
    with pytest.raises(WrongFormat, match="not valid UTF-8"):
        import_file(ws, export)
    assert ws.con.execute("SELECT count(*) FROM posts").fetchone()[0] == 0
    assert not list((tmp_path / "ws").glob(".import-*"))
    ws.close()


def _fooling_export(path, rows=3000):
    """A file whose quote count misleads: a quote inside an unquoted cell early on (odd parity from
    there), then many messages quoted over several lines, where the parity guess lands."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("Page Name,Facebook Id,Post Created,Likes,Comments,Shares,URL,Message\r\n")
        for i in range(rows):
            if i == 5:
                message = 'экран 5" дюймов'  # unquoted cell with a quote in it: read literally
            elif i > rows // 3:
                message = f'"Пост {i}\r\nвторая строка\r\n""цитата"""'
            else:
                message = f"пост {i}"
            fh.write(f"Барак,55,2026-01-05 10:00:00 KGT,{i % 40},1,0,https://www.facebook.com/55/posts/{i},{message}\r\n")


def test_a_cut_the_quote_count_misplaces_is_caught_and_the_file_read_in_one_pass(tmp_path, monkeypatch):
    path = tmp_path / "2026-01-09-10-00-00-KGT-export.csv"
    _fooling_export(path)
    serial_ws = init_workspace(tmp_path / "serial")
    serial = import_file(serial_ws, path)
    assert (serial.records, serial.quarantined, serial.lines) == (3000, 0, 1 + 3000 + 2 * (3000 - 1001))
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
    parallel_ws = init_workspace(tmp_path / "parallel")
    split = import_file(parallel_ws, path)
    for key in ("records", "imported", "quarantined", "skipped", "lines"):
        assert getattr(split, key) == getattr(serial, key), key
    assert _snapshot(parallel_ws) == _snapshot(serial_ws)
    serial_ws.close()
    parallel_ws.close()


def test_the_slices_count_the_lines_of_one_pass(tmp_path, monkeypatch):
    path = tmp_path / "2026-01-09-10-00-00-KGT-export.csv"
    _multiline_export(path)
    serial_ws = init_workspace(tmp_path / "serial")
    serial = import_file(serial_ws, path)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
    seen = []
    real = parallel._run_slices
    monkeypatch.setattr(parallel, "_run_slices", lambda *a: seen.append(1) or real(*a))
    parallel_ws = init_workspace(tmp_path / "parallel")
    split = import_file(parallel_ws, path)
    assert seen and split.lines == serial.lines == 1 + sum(1 + 2 * (i % 3) for i in range(3000))
    serial_ws.close()
    parallel_ws.close()


def test_remove_leftovers_keeps_a_running_import(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    running = ws / ".import-running"
    running.mkdir()
    owner = parallel.claim(running)
    dead = ws / ".import-dead"
    dead.mkdir()
    (dead / "0-stage_posts.parquet").write_bytes(b"x" * 100)
    parallel.claim(dead).close()  # its importer is gone: the lock is free
    dead_pid = ws / ".import-999999999-abc"
    dead_pid.mkdir()
    (dead_pid / parallel.OWNER_FILE).write_text("999999999\n")
    spill = ws / "shailoo.duckdb.tmp"
    spill.mkdir()
    removed = parallel.remove_leftovers(ws)
    assert set(removed) == {dead, dead_pid} and running.exists() and spill.exists()  # spill kept: one runs
    owner.close()
    assert set(parallel.remove_leftovers(ws)) == {running, spill}
    assert not list(ws.iterdir())


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="uses /proc and kill -9")
def test_workers_die_with_a_killed_parent_and_leftovers_go_at_the_next_start(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from generate_crowdtangle import write

    export = tmp_path / "2026-03-01-12-00-00-KGT-Historical-Report.csv"
    write(60_000, export)
    ws = tmp_path / "ws"
    init_workspace(ws).close()
    script = ("import shailoo.store.parallel as parallel, shailoo\n"
              "from shailoo.store.loader import import_file\n"
              "parallel.PARALLEL_MIN_BYTES = 0\n"
              f"import_file(shailoo.open({str(ws)!r}, write=True), {str(export)!r})\n")
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.time() + 60
        workers = None
        while time.time() < deadline and parent.poll() is None:
            folders = list(ws.glob(".import-*"))
            if folders and (folders[0] / "workers").exists() and (folders[0] / "0-progress").exists():
                workers = [int(p) for p in (folders[0] / "workers").read_text().split()]
                break
            time.sleep(0.05)
        assert workers, "the import did not start its workers"
        assert all(_alive(w) for w in workers)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        gone_by = time.time() + 3
        while time.time() < gone_by and any(_alive(w) for w in workers):
            time.sleep(0.05)
        assert not any(_alive(w) for w in workers), "workers outlived their parent"
        assert not (folders[0] / "1-result.pickle").exists()  # killed mid-way, not finished
        assert folders[0].exists()
        assert parallel.remove_leftovers(ws) == [folders[0]]
        assert not list(ws.glob(".import-*"))
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()

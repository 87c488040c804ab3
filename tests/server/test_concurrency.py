"""The coordinator's CLI keeps working on the workspace while `shailoo serve` runs (another process),
the server waits for a CLI that writes, and Ctrl-C stops the server cleanly."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from shailoo.cli.main import app as cli
from shailoo.server.db import WorkspaceBusy, WorkspaceGate
from tests.server.conftest import PASSWORD

DATA = Path(__file__).resolve().parents[1] / "data" / "metrics"
HOLD = """
import sys, time
from shailoo.store.workspace import open_workspace
ws = open_workspace(sys.argv[1])
print("held", flush=True)
time.sleep(float(sys.argv[2]))
ws.close()
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _hold(ws_path: Path, seconds: float) -> subprocess.Popen:
    """Another process holding the workspace open for writing (as `shailoo import` does)."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(ws_path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


@pytest.fixture(scope="module")
def server(template, tmp_path_factory):
    import shutil

    ws_path = Path(shutil.copytree(template, tmp_path_factory.mktemp("concurrent") / "ws"))
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "shailoo.cli.main", "serve", "-w", str(ws_path), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(base + "/login", timeout=1)
            break
        except httpx.TransportError:
            if proc.poll() is not None:
                pytest.fail(proc.stdout.read())
            time.sleep(0.05)
    yield ws_path, base, proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def _logged_in(base: str) -> httpx.Client:
    import re

    client = httpx.Client(base_url=base, timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    assert client.post("/login", data={"username": "coordinator", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 303
    return client


def test_cli_reads_and_imports_while_the_server_runs_and_answers(server, runner):
    ws_path, base, _ = server
    client = _logged_in(base)
    failures, stop = [], threading.Event()

    def browse():  # a team member reading the dashboard the whole time
        while not stop.is_set():
            response = client.get("/api/metrics/posts", params={"by": "actor"})
            if response.status_code != 200:
                failures.append(response.status_code)

    reader = threading.Thread(target=browse)
    reader.start()
    try:
        for _ in range(3):
            result = runner.invoke(cli, ["metrics", "posts", "-w", str(ws_path), "-f", "json"])
            assert result.exit_code == 0, result.output
    finally:
        stop.set()
        reader.join()
    assert not failures
    imported = runner.invoke(cli, ["import", "-w", str(ws_path), str(DATA / "2021-01-12-12-00-00-KGT-facebook-export.csv")])
    assert imported.exit_code == 0, imported.output
    assert client.get("/dashboard").status_code == 200


def test_server_waits_for_a_cli_that_writes(server):
    ws_path, base, _ = server
    client = _logged_in(base)
    holder = _hold(ws_path, 1.0)
    try:
        started = time.monotonic()
        response = client.get("/dashboard")
        waited = time.monotonic() - started
    finally:
        holder.wait()
    assert response.status_code == 200 and waited >= 0.5


def test_gate_answers_busy_after_its_wait(server):
    ws_path, _, _ = server
    gate = WorkspaceGate(ws_path, wait=0.3)
    holder = _hold(ws_path, 1.5)
    try:
        with pytest.raises(WorkspaceBusy):
            with gate.read():
                pass
    finally:
        holder.wait()
    with gate.read() as ws:  # free again
        assert ws.sql("SELECT count(*) FROM users").fetchall()[0][0] == 4


def test_gate_shares_one_connection_between_readers_and_writes_alone(copy_workspace):
    ws_path = copy_workspace
    gate = WorkspaceGate(ws_path, wait=1.0)
    with gate.read() as first, gate.read() as second:
        assert gate._readers == 2 and first.con is not second.con
    assert gate._shared is None  # the last reader closed it: the file is free for the CLI
    order = []

    def write():
        with gate.write() as ws:
            order.append("write")
            ws.sql("SELECT 1").fetchall()

    with gate.read():
        writer = threading.Thread(target=write)
        writer.start()
        time.sleep(0.2)
        order.append("read done")
    writer.join()
    assert order == ["read done", "write"]


def test_ctrl_c_stops_the_server_cleanly(server):
    ws_path, base, proc = server
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert "only this computer can reach it" in out and "Stopped" in out and "Traceback" not in out
    from shailoo.store.workspace import open_workspace

    with open_workspace(ws_path) as ws:  # free and consistent
        assert ws.sql("SELECT count(*) FROM users").fetchall()[0][0] == 4


def test_a_long_write_in_the_server_makes_other_requests_busy_not_hang(copy_workspace):
    """An uploaded export being imported held the gate for writing: every other request waited for it
    without limit (a progress poll hung until the import ended)."""
    gate = WorkspaceGate(copy_workspace, wait=0.3)
    holding, release = threading.Event(), threading.Event()

    def long_import():
        with gate.write():
            holding.set()
            release.wait(10)

    importer = threading.Thread(target=long_import)
    importer.start()
    try:
        assert holding.wait(5)
        started = time.monotonic()
        with pytest.raises(WorkspaceBusy, match="busy"):
            with gate.read():
                pass
        with pytest.raises(WorkspaceBusy):
            with gate.write():
                pass
        assert time.monotonic() - started < 3
    finally:
        release.set()
        importer.join()
    with gate.read() as ws:  # free again
        assert ws.sql("SELECT 1").fetchall() == [(1,)]


def test_the_read_connection_lingers_then_frees_the_file(copy_workspace):
    """`shailoo serve` keeps the read-only connection a moment after the last request (a coder's next
    page skips the opening), then closes it; a write closes it at once."""
    gate = WorkspaceGate(copy_workspace, wait=1.0, linger=0.4)
    with gate.read() as ws:
        first = ws.sql("SELECT 1").fetchall()
    assert first == [(1,)] and gate._shared is not None
    shared = gate._shared
    with gate.read():
        assert gate._shared is shared  # not opened again
    time.sleep(1.0)
    assert gate._shared is None  # closed after the linger: the CLI may import
    with gate.read():
        pass
    with gate.write() as ws:  # the lingering read-only connection gave way to the writer
        assert not ws.read_only
    gate.close()
    assert gate._shared is None

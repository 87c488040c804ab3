"""A command waits for a workspace another process holds for a moment (the web app's request)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from shailoo.store.workspace import DB_NAME, init_workspace

HOLD = "import duckdb,sys,time; c=duckdb.connect(sys.argv[1]); print('ok', flush=True); time.sleep(float(sys.argv[2]))"


def _hold(db, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "ok"
    return holder


def _status(ws, wait: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "shailoo.cli.main", "status", "-w", str(ws), "--json"],
                          capture_output=True, text=True, env=dict(os.environ, SHAILOO_LOCK_WAIT=wait))


def test_a_command_waits_for_a_short_hold_then_runs(tmp_path):
    init_workspace(tmp_path / "w").close()
    holder = _hold(tmp_path / "w" / DB_NAME, 1.5)
    try:
        result = _status(tmp_path / "w", "20")
        assert result.returncode == 0, result.stderr
    finally:
        holder.kill()


def test_a_long_hold_ends_in_one_sentence_after_the_wait(tmp_path):
    init_workspace(tmp_path / "w").close()
    holder = _hold(tmp_path / "w" / DB_NAME, 60)
    try:
        started = time.monotonic()
        result = _status(tmp_path / "w", "1")
        assert result.returncode == 1
        assert "in use by another program" in result.stderr and "Traceback" not in result.stderr
        assert time.monotonic() - started < 15
    finally:
        holder.kill()

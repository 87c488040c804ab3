"""Benchmark (issue #16): `shailoo collect` of 100,000 VK posts from a local replay of the API.

1. Rate limit off (`--no-rate-limit`): 1,000 wall.get pages of 100 synthetic posts, collected and
   imported by the whole command as a user runs it (a subprocess); target ≤ 60 s.
2. Rate limit on, for ~20 s (then Ctrl-C, as a user would: what was imported is kept): the request
   rate measured on the server's arrival times, at most 3 per second in any 1-second window.
Usage: .venv/bin/python benchmarks/collect_vk.py [POSTS] [--seconds 20]
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.collect.replay import ReplayServer  # noqa: E402
from tests.collect.vk_wall import VkApi, make_posts  # noqa: E402

from shailoo.store.workspace import init_workspace  # noqa: E402

TOKEN = "benchmark-token"


def _workspace(folder: Path) -> Path:
    ws = init_workspace(folder, project="bench")
    ws.con.execute("INSERT INTO actors (actor_id, name, category) VALUES (1, 'Community', 'public_group')")
    ws.con.execute("INSERT INTO actor_accounts VALUES (1, 'vk', '-5', 'community', NULL)")
    ws.close()
    return folder


def _command(ws: Path, server: ReplayServer, *extra: str) -> list[str]:
    return [sys.executable, "-m", "shailoo.cli.entry", "-w", str(ws), "collect", "--platform", "vk",
            "--api-base", server.url + "/method/", *extra]


def _env() -> dict:
    return {**os.environ, "SHAILOO_VK_TOKEN": TOKEN}


def unlimited(n: int, server: ReplayServer, folder: Path) -> None:
    ws = _workspace(folder / "unlimited")
    t = time.perf_counter()
    run = subprocess.run(_command(ws, server, "--no-rate-limit"), env=_env(), capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if run.returncode != 0:
        print(run.stdout, run.stderr)
        raise SystemExit(f"collect failed with exit code {run.returncode}")
    pages = server.count("/method/wall.get")
    print(f"rate limit off: {n:,} posts, {pages:,} wall.get pages collected and imported in {elapsed:.1f} s "
          f"({n / elapsed:,.0f} posts/s; target ≤ 60 s)")
    print("  " + run.stdout.strip().replace("\n", "\n  "))


def limited(seconds: float, server: ReplayServer, folder: Path) -> None:
    ws = _workspace(folder / "limited")
    before = len(server.requests)
    proc = subprocess.Popen(_command(ws, server), env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    time.sleep(seconds)
    proc.send_signal(signal.SIGINT)  # Ctrl-C: what was imported is kept
    out, err = proc.communicate(timeout=120)
    starts = [r.at for r in server.requests[before:]]
    if len(starts) < 2:
        raise SystemExit(f"too few requests ({len(starts)}): {out} {err}")
    span = starts[-1] - starts[0]
    worst = max(sum(1 for s in starts[i:] if s < starts[i] + 1.0) for i in range(len(starts)))
    print(f"rate limit on: {len(starts):,} requests in {span:.1f} s = {(len(starts) - 1) / span:.2f} requests/s; "
          f"at most {worst} in any 1-second window (limit 3); exit code after Ctrl-C {proc.returncode}")
    print("  " + (out.strip() + "\n" + err.strip()).strip().replace("\n", "\n  "))


def main() -> None:
    args = sys.argv[1:]
    seconds = 20.0
    if "--seconds" in args:
        i = args.index("--seconds")
        seconds = float(args[i + 1])
        del args[i:i + 2]
    n = int(args[0]) if args else 100_000
    api = VkApi(token=TOKEN)
    api.add_wall(-5, make_posts(-5, n, step_s=60), screen_name="community")
    with tempfile.TemporaryDirectory() as tmp, ReplayServer() as server:
        api.install(server)
        unlimited(n, server, Path(tmp))
        limited(seconds, server, Path(tmp))


if __name__ == "__main__":
    main()

"""Benchmark: the coding screen on a generated 1,000,000-post workspace (benchmarks/metrics_report.py's
generator), seed 002's top-200 sample assigned to 20 coders with 20 % overlap, the election codebook.

  1. The next unit of the coding screen, server time: GET /coding/{sample}/{post} (the unit page: the
     coder's unit keys, position, the post with its counts, own codes) and GET /coding/{sample} (which
     unit is next), in process through the ASGI app, for coders spread over the 20 (target ≤ 100 ms).
  2. 20 concurrent coders saving codes against `shailoo serve` on 127.0.0.1 for a minute: each coder a
     thread with its own session, looping save (JSON, as a number key does) then the next unit page;
     bounded by time (SECONDS) and by loops per coder (MAX_LOOPS). Any answer but 200 is an error.
     Latency p50/p95/max of saves and of pages (target: no error, p95 ≤ 200 ms). Paced by default as
     people code: after each unit page a coder thinks THINK seconds (uniformly 0.5x..1.5x, so a save
     every ~1-3 s at the default 2 s) before pressing the key; `--think 0` is the stress test (every
     coder saving as fast as the server answers, which no team of twenty does).
Usage: .venv/bin/python benchmarks/server_coding.py [N] [DIR] [SECONDS] [--think SECONDS] [--no-pages]
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from metrics_report import generate

from shailoo.store.workspace import init_workspace, open_workspace

CODERS = [f"coder{i:02d}" for i in range(1, 21)]
PASSWORD = "bench-password-1"
MAX_LOOPS = 5_000
SAMPLE = "top200"


def timed(label: str, func):
    t, c = time.perf_counter(), time.process_time()
    out = func()
    print(f"{label}: {time.perf_counter() - t:.2f} s (CPU {time.process_time() - c:.2f} s)", flush=True)
    return out


def quantiles(xs: list[float]) -> str:
    xs = sorted(xs)
    if not xs:
        return "no calls"
    p = lambda q: xs[min(len(xs) - 1, int(q * len(xs)))] * 1000
    return f"n={len(xs):,} p50={p(0.5):.0f} ms p95={p(0.95):.0f} ms max={xs[-1] * 1000:.0f} ms"


def build(folder: Path, n: int) -> Path:
    from shailoo.analysis.filters import scoped
    from shailoo.coding.assign import assign
    from shailoo.coding.codebook import builtin_codebook_text, store_codebook
    from shailoo.coding.mentions import find_mentions
    from shailoo.coding.samples import SampleRule, draw_sample
    from shailoo.server import users

    path = folder / "ws"
    ws = init_workspace(path, project="bench")
    timed(f"generate {n:,} posts", lambda: generate(ws, n))
    ws.con.execute("CHECKPOINT")
    store_codebook(ws.con, builtin_codebook_text("election"), "builtin:election")
    flt, _ = scoped(ws)
    drawn = timed("draw top-200 sample", lambda: draw_sample(ws, SAMPLE, SampleRule("top", count=200, seed=1), flt))
    timed("find mentions", lambda: find_mentions(ws.con, SAMPLE))
    summary = timed("assign to 20 coders, 20 % overlap", lambda: assign(ws.con, SAMPLE, CODERS, overlap=0.2))
    print(f"  sample: {drawn['posts']:,} posts; {summary['new_posts']:,} assigned, {summary['new_overlap_posts']:,} "
          f"to two coders", flush=True)
    users.add_user(ws, "admin", "admin", PASSWORD, actor="bench")
    for c in CODERS:
        users.add_user(ws, c, "coder", PASSWORD, actor="bench")
    ws.con.execute("CHECKPOINT")
    ws.close()
    return path


def _login(client, base: str = "") -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(base + "/login").text).group(1)
    r = client.post(base + "/login", data={"username": client.name, "password": PASSWORD, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(base + "/account").text).group(1)


def next_unit_times(path: Path, rounds: int = 40) -> None:
    from fastapi.testclient import TestClient

    from shailoo.server.app import create_app

    app = create_app(path)
    clients = []
    for c in CODERS[:: 4]:
        client = TestClient(app)
        client.name = c
        _login(client)
        clients.append(client)
    pages, nexts = [], []
    for i in range(rounds):
        client = clients[i % len(clients)]
        t = time.perf_counter()
        r = client.get(f"/coding/{SAMPLE}", follow_redirects=False)
        nexts.append(time.perf_counter() - t)
        assert r.status_code == 303, r.status_code
        t = time.perf_counter()
        page = client.get(r.headers["location"])
        pages.append(time.perf_counter() - t)
        assert page.status_code == 200 and 'id="code-form"' in page.text
    print(f"next unit (GET /coding/{SAMPLE}, which unit): {quantiles(nexts)}")
    print(f"unit page (GET /coding/{SAMPLE}/<post>): {quantiles(pages)}  (target ≤ 100 ms)", flush=True)


def load_test(path: Path, seconds: float, think: float = 2.0) -> None:
    import random

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    acts0, audited0 = stored(path)
    shailoo = Path(sys.executable).with_name("shailoo")
    proc = subprocess.Popen([str(shailoo), "serve", "-w", str(path), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):
            try:
                httpx.get(base + "/login", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        saves, pages, errors, changes = [], [], [], []
        lock = threading.Lock()
        start = threading.Barrier(len(CODERS))

        def coder(name: str) -> None:
            client = httpx.Client(base_url=base, timeout=30)
            client.name = name
            token = _login(client)
            r = client.get(f"/coding/{SAMPLE}", follow_redirects=False)
            url = r.headers["location"]
            rng = random.Random(name)
            start.wait()
            end = time.monotonic() + seconds
            loops = 0
            if think:
                time.sleep(rng.uniform(0, think))  # coders do not all start on the same second
            while time.monotonic() < end and loops < MAX_LOOPS:
                t = time.perf_counter()  # open the unit
                r = client.get(url)
                dt = time.perf_counter() - t
                with lock:
                    (pages if r.status_code == 200 else errors).append(dt if r.status_code == 200 else r.status_code)
                if think:  # reading the post, choosing the value
                    time.sleep(rng.uniform(0.5 * think, 1.5 * think))
                post = url.split("/")[3].split("?")[0]
                actor = url.split("actor=")[1] if "actor=" in url else None
                variable = "tone" if actor else "disinformation"
                # a value other than the one the coder gave before, so every save is a change to store
                offered = re.findall(rf'name="v:{variable}" value="([^"]+)"( checked)?', r.text)
                value = next((v for v, checked in offered if not checked), "no")
                data = {f"v:{variable}": value} | ({"actor": actor} if actor else {})
                t = time.perf_counter()  # press the key
                s = client.post(f"/coding/{SAMPLE}/{post}/save", data=data,
                                headers={"X-CSRF-Token": token, "Accept": "application/json"})
                dt = time.perf_counter() - t
                with lock:
                    if s.status_code == 200:
                        saves.append(dt)
                        changes.append(len(s.json()["changed"]))
                    else:
                        errors.append(s.status_code)
                nxt = re.search(r'id="next" rel="next" href="([^"]+)"', r.text)
                url = nxt.group(1).replace("&amp;", "&") if nxt else url
                loops += 1

        threads = [threading.Thread(target=coder, args=(c,)) for c in CODERS]
        t = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        took = time.perf_counter() - t
        print(f"load ({f'think {think:g} s' if think else 'stress: no think time'}), load average "
              f"{os.getloadavg()[0]:.2f}: 20 coders for {took:.0f} s: {len(saves):,} saves ({len(saves) / took:.1f}/s), errors: "
              f"{len(errors)} {sorted(set(errors))[:5]}")
        print(f"  saves (POST, JSON): {quantiles(saves)}  (target p95 ≤ 200 ms)")
        print(f"  unit pages (GET):   {quantiles(pages)}", flush=True)
    finally:
        proc.terminate()  # Ctrl-C's signal: the server applies what it accepted before it stops
        proc.wait(60)
    acts, audited = stored(path)
    print(f"  stored: {acts - acts0:,} new coding acts, {audited - audited0:,} new audit entries, for "
          f"{sum(changes):,} changes the server answered (each must be stored)")


def stored(path: Path) -> tuple[int, int]:
    with open_workspace(path, read_only=True) as ws:
        acts = ws.con.execute("SELECT count(DISTINCT act_id) FROM codes").fetchall()[0][0]
        audited = ws.con.execute("SELECT count(*) FROM audit_log WHERE action = 'code.record'").fetchall()[0][0]
    return acts, audited


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Benchmark the coding screen on a generated workspace.")
    parser.add_argument("n", nargs="?", type=int, default=1_000_000, help="posts to generate")
    parser.add_argument("folder", nargs="?", type=Path, help="where the workspace is (kept; reused when there)")
    parser.add_argument("seconds", nargs="?", type=float, default=60.0, help="length of the load test")
    parser.add_argument("--think", type=float, default=2.0,
                        help="mean seconds a coder thinks between a unit page and the save (0: stress test)")
    parser.add_argument("--no-pages", action="store_true", help="skip the in-process page timings")
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="shailoo-server-coding-"))
    path = folder / "ws"
    if not (path / "shailoo.duckdb").exists():
        build(folder, args.n)
    if not args.no_pages:
        next_unit_times(path)
    load_test(path, args.seconds, args.think)


if __name__ == "__main__":
    main()

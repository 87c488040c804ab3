"""Benchmark: the web app's dashboard and posts search on a generated 1,000,000-post workspace.

Builds the workspace once with benchmarks/metrics_report.py's generator (with its --texts: the
Zipf-drawn Russian/Kyrgyz texts of benchmarks/text_terms.py), fills the text caches as `shailoo
import` does (tokens, languages), adds a viewer, then times server requests through Starlette's
TestClient (server time: no network, no browser):
  1. the dashboard with filters (period + platform, grouped by actor; and by week),
  2. the posts search for a common word, first page (sorted by time, then by interactions), with
     and without filters, and a query that matches nothing,
  3. `shailoo kwic` for the same word (the CLI's library call), for comparison.
Each request runs several times; the first (cold: the server's first read of the file) and the
median of the others are printed.
Usage: .venv/bin/python benchmarks/server_pages.py [N] [DIR]   (DIR kept: a second run reuses it)
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PASSWORD = "benchmark password"


def build(folder: Path, n: int) -> Path:
    """The generated workspace in folder/ws (reused when complete)."""
    from shailoo.server import users
    from shailoo.store.workspace import init_workspace
    from shailoo.text.caches import fill_text_caches

    ws_path = folder / "ws"
    if (folder / "complete").exists():
        return ws_path
    if ws_path.exists():
        import shutil

        shutil.rmtree(ws_path)
    sys.path.insert(0, str(HERE))
    from metrics_report import generate, real_vocabulary_texts

    t = time.perf_counter()
    ws = init_workspace(ws_path, project="bench")
    generate(ws, n)
    real_vocabulary_texts(ws, n)
    print(f"generation: {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    fill_text_caches(ws.con, "SELECT post_id FROM posts")  # as `shailoo import` does for what it adds
    print(f"text caches (tokens, languages), as import fills them: {time.perf_counter() - t:.1f} s")
    users.add_user(ws, "bench", "viewer", PASSWORD, actor="cli:bench")
    ws.con.execute("CHECKPOINT")
    ws.close()
    (folder / "complete").touch()
    return ws_path


def timed(client, url: str, runs: int = 4) -> tuple[float, float, int]:
    """(first, median of the others) seconds, and the answer's size."""
    times, size = [], 0
    for _ in range(runs):
        t = time.perf_counter()
        r = client.get(url)
        times.append(time.perf_counter() - t)
        assert r.status_code == 200, (url, r.status_code, r.text[:300])
        size = len(r.content)
    return times[0], statistics.median(times[1:]), size


def main() -> None:
    args = sys.argv[1:]
    n = int(args[0]) if args else 1_000_000
    folder = Path(args[1]) if len(args) > 1 else Path(tempfile.gettempdir()) / f"shailoo-server-bench-{n}"
    folder.mkdir(parents=True, exist_ok=True)
    ws_path = build(folder, n)

    from fastapi.testclient import TestClient

    from shailoo.server.app import create_app

    app = create_app(ws_path, wait=30.0)
    client = TestClient(app)
    login = client.get("/login")
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
    r = client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    print(f"{n:,} posts; load average before timing: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    cases = [
        ("dashboard, period + platform, by actor", "/dashboard?period=campaign&platform=facebook&by=actor"),
        ("dashboard, category, by week", "/dashboard?category=candidate&by=week"),
        ("dashboard, no filter", "/dashboard"),
        ("posts, no query, by interactions", "/posts?sort=interactions"),
        ("posts search 'жана' (common), by time", "/posts?q=%D0%B6%D0%B0%D0%BD%D0%B0"),
        ("posts search 'жана', by interactions", "/posts?q=%D0%B6%D0%B0%D0%BD%D0%B0&sort=interactions"),
        ("posts search 'жана' + period + platform", "/posts?q=%D0%B6%D0%B0%D0%BD%D0%B0&period=campaign&platform=facebook"),
        ("posts search 'жана OR и', all posts", "/posts?q=%D0%B6%D0%B0%D0%BD%D0%B0+OR+%D0%B8&all=true"),
        ("posts search phrase", "/posts?q=%22%D0%B6%D0%B0%D0%BD%D0%B0+%D0%BC%D0%B5%D0%BD%D0%B5%D0%BD%22"),
        ("posts search, no match", "/posts?q=zzzqqq"),
    ]
    for name, url in cases:
        first, median, size = timed(client, url)
        print(f"{name}: first {first:.3f} s, then median {median:.3f} s ({size / 1e3:.0f} kB)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

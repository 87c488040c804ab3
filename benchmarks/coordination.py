"""Coordinated sharing: shailoo's engine against CooRTweet's R code (issue #13).

    .venv/bin/python benchmarks/coordination.py [--coortweet-r DIR] [--shares 1000000]

1. CooRTweet's example data (35,125 retweets, ../shared/data/real/coordination): shailoo's
   `detect_coordination` and the whole `shailoo coordination shares` command (target <= 1 s), and,
   when Rscript and CooRTweet's R files are at hand (--coortweet-r: a folder with detect_groups.R,
   calc_group_combinations.R, generate_coordinated_network.R from github.com/nicolarighetti/CooRTweet),
   CooRTweet's detect_groups + generate_coordinated_network on the same data in the same run.
2. --shares generated shares (default 1,000,000) with realistic bursts: Zipf-popular objects shared
   over hours after they appear (most shares early), accounts of very unequal activity, and planted
   groups that share the same objects within seconds; target <= 30 s and <= 4 GB peak RSS, measured in
   a child process.
"""

from __future__ import annotations

import argparse
import functools
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "data" / "real" / "coordination" / "russian_coord_tweets.csv"
R_SCRIPT = """
suppressMessages({library(data.table); library(igraph)})
for (f in c("detect_groups.R", "calc_group_combinations.R", "generate_coordinated_network.R")) source(file.path(DIR, f))
x <- fread(FILE, colClasses = c("character", "character", "character", "integer"))
t0 <- proc.time()[["elapsed"]]
r <- detect_groups(x, time_window = WINDOW, min_participation = 2)
g <- generate_coordinated_network(r, edge_weight = 0.5)
cat(proc.time()[["elapsed"]] - t0, nrow(r), igraph::ecount(g), "\\n")
"""


def generate(n: int, seed: int = 13) -> pa.Table:
    """n shares: organic (Zipf objects, decaying attention) plus planted coordinated groups (~3 %)."""
    rng = np.random.default_rng(seed)
    n_accounts, n_objects, t0 = max(1000, n // 25), max(1000, n // 4), 1_700_000_000
    planted = n * 3 // 100
    organic = n - planted
    popularity = 1 / np.arange(1, n_objects + 1) ** 0.7  # the most shared object: ~0.7 % of the shares
    obj = rng.choice(n_objects, size=organic, p=popularity / popularity.sum())
    activity = 1 / np.arange(1, n_accounts + 1) ** 0.8
    acc = rng.choice(n_accounts, size=organic, p=activity / activity.sum())
    published = t0 + rng.integers(0, 60 * 86400, n_objects)  # objects appear over two months
    ts = published[obj] + rng.exponential(6 * 3600, organic).astype(np.int64)  # most shares in hours
    # planted groups: 40 groups of 8-25 accounts, each pushing its objects within 0-40 s of a start
    g_obj, g_acc, g_ts = [], [], []
    per_group = planted // 40
    for g in range(40):
        members = rng.choice(n_accounts, size=rng.integers(8, 26), replace=False)
        rounds = per_group // len(members)
        targets = rng.choice(n_objects, size=rounds)
        starts = published[targets] + rng.integers(0, 3600, rounds)
        g_obj.append(np.repeat(targets, len(members)))
        g_acc.append(np.tile(members, rounds))
        g_ts.append(np.repeat(starts, len(members)) + rng.integers(0, 40, rounds * len(members)))
    obj = np.concatenate([obj] + g_obj)
    acc = np.concatenate([acc] + g_acc)
    ts = np.concatenate([ts] + g_ts)
    order = rng.permutation(len(obj))
    return pa.table({"object_id": pa.array([f"https://example.org/{i}" for i in obj[order]]),
                     "account_id": pa.array([f"acc{i}" for i in acc[order]]),
                     "content_id": pa.array([f"post{i}" for i in range(len(obj))]),
                     "timestamp_share": pa.array(ts[order], pa.int64())})


def child(n: int) -> None:
    """Runs in its own process: generate, detect, print seconds and peak RSS."""
    sys.path.insert(0, str(REPO / "src"))
    from shailoo.analysis.coordination import detect_coordination

    shares = generate(n)
    start = time.perf_counter()
    result = detect_coordination(shares, window=60, min_participation=2, edge_weight=0.5)
    seconds = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{seconds:.2f} {rss_mb:.0f} {shares.num_rows} {result.summary()}")


def best(func, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


print = functools.partial(print, flush=True)  # noqa: A001 - lines appear as they are measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coortweet-r", type=Path, help="folder with CooRTweet's R files")
    parser.add_argument("--shares", type=int, default=1_000_000)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    if REAL.exists():
        import pyarrow.csv as pcsv

        sys.path.insert(0, str(REPO / "src"))
        from shailoo.analysis.coordination import detect_coordination, read_share_table

        shares = pcsv.read_csv(REAL)
        for window in (10, 60):
            inner = best(lambda: detect_coordination(shares, window=window))
            read = best(lambda: read_share_table(REAL))
            cli = [str(REPO / ".venv" / "bin" / "shailoo"), "coordination", "shares", str(REAL), "--window",
                   str(window), "-f", "json"]
            whole = best(lambda: subprocess.run(cli, check=True, stdout=subprocess.DEVNULL))
            line = (f"35,125 shares, window {window}: detect_coordination {inner:.2f} s, reading the CSV {read:.2f} s, "
                    f"whole command {whole:.2f} s")
            r_dir = args.coortweet_r
            if r_dir and shutil.which("Rscript") and (r_dir / "detect_groups.R").exists():
                script = R_SCRIPT.replace("DIR", repr(str(r_dir))).replace("FILE", repr(str(REAL)))
                script = script.replace("WINDOW", str(window))
                with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as fh:
                    fh.write(script)
                out = subprocess.run(["Rscript", fh.name], capture_output=True, text=True,
                                     env=dict(os.environ, LC_ALL="C"))
                os.unlink(fh.name)
                r_seconds = float(out.stdout.split()[0])
                line += f"; CooRTweet (R) {r_seconds:.2f} s: shailoo is {r_seconds / inner:.0f}x faster"
            print(line)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--child", str(args.shares)], capture_output=True, text=True,
                         check=True)
    seconds, rss, n, summary = out.stdout.split(" ", 3)
    print(f"{int(n):,} generated shares: detect_coordination {float(seconds):.2f} s (with generation "
          f"{time.perf_counter() - start:.1f} s), peak RSS {int(rss):,} MB; {summary.strip()}")


if __name__ == "__main__":
    main()

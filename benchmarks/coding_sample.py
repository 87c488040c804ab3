"""Benchmark: drawing seed 002's top-200 sample and assigning it on a generated 1,000,000-post workspace.

The workspace comes from benchmarks/metrics_report.py's generator (67 actors, 35 of them in categories
whose every post is taken: about half the posts enter the sample). Times:
  1. draw_sample(top, 200 per category) and assign(5 coders, 20 % overlap) — the inner functions
     (target ≤ 2 s for both together), three times (three samples), the best run being the figure;
  2. mentions found in the sample (the text is one short sentence per post: an upper bound of the
     token pass, not of matching);
  3. the CLI commands as a user runs them, each in its own process (cold: interpreter start, imports,
     workspace opening): sample draw --replace, assign (re-run: nothing new), progress.
Usage: .venv/bin/python benchmarks/coding_sample.py [N] [DIR]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from metrics_report import generate  # noqa: E402

from shailoo.store.workspace import init_workspace  # noqa: E402


def timed(label: str, func):
    """Run func; print its wall time and this process's CPU time (user + system, all threads): on a
    machine shared with other work the CPU time says what the code costs, the wall time what it took."""
    t, c = time.perf_counter(), time.process_time()
    out = func()
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    print(f"{label}: {seconds:.2f} s (CPU {cpu:.2f} s)")
    return out, seconds


def cli(folder: Path, *args: str) -> float:
    shailoo = Path(sys.executable).with_name("shailoo")
    t = time.perf_counter()
    subprocess.run([str(shailoo), "-q", "-w", str(folder / "ws"), *args], check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    folder = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.mkdtemp(prefix="shailoo-coding-bench-"))
    ws = init_workspace(folder / "ws", project="bench")
    t = time.perf_counter()
    generate(ws, n)
    print(f"generation: {time.perf_counter() - t:.1f} s")

    from shailoo.analysis.filters import scoped
    from shailoo.coding.assign import assign
    from shailoo.coding.mentions import find_mentions
    from shailoo.coding.samples import SampleRule, draw_sample

    ws.con.execute("CHECKPOINT")  # a workspace as a user has it: the generator's inserts written out
    flt, _ = scoped(ws)
    totals = []
    for run in range(3):  # three samples of the same rule: the machine is shared, the best run is the figure
        name = "top200" if not run else f"top200-{run}"
        drawn, draw_s = timed(f"run {run + 1}: draw top-200 sample (inner)",
                              lambda: draw_sample(ws, name, SampleRule("top", count=200, seed=1), flt))
        summary, assign_s = timed(f"run {run + 1}: assign to 5 coders, 20 % overlap (inner)",
                                  lambda: assign(ws.con, name, "a,b,c,d,e", overlap=0.2))
        totals.append(draw_s + assign_s)
    print(f"  sample: {drawn['posts']:,} posts in {drawn['strata']} strata; assigned {summary['new_posts']:,} posts, "
          f"{summary['new_overlap_posts']:,} of them to two coders")
    print(f"draw + assign: best {min(totals):.2f} s, runs {', '.join(f'{t:.2f}' for t in totals)} (target ≤ 2 s)")
    timed("find mentions in the sample", lambda: find_mentions(ws.con, "top200"))
    ws.close()

    print(f"CLI coding sample draw --replace (cold): "
          f"{cli(folder, 'coding', 'sample', 'draw', 'top200', '--kind', 'top', '--seed', '1', '--replace'):.2f} s")
    print(f"CLI coding assign, nothing new (cold): {cli(folder, 'coding', 'assign', 'top200', '--coders', 'a,b,c,d,e'):.2f} s")
    print(f"CLI coding sample draw top2 + assign (cold): "
          f"{cli(folder, 'coding', 'sample', 'draw', 'top2', '--kind', 'top', '--seed', '2'):.2f} s + "
          f"{cli(folder, 'coding', 'assign', 'top2', '--coders', 'a,b,c,d,e', '--overlap', '0.2'):.2f} s")
    print(f"CLI coding progress (cold): {cli(folder, 'coding', 'progress', '-f', 'csv'):.2f} s")


if __name__ == "__main__":
    main()

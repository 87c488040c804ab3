"""Benchmark (issue #14): Kleinberg's stream model over 1,000,000 post times, the whole timeline
section of the report on a 1,000,000-post workspace, and R's bursts::kleinberg on the same 10,000
times in the same run (R's is an O(n²) loop: too slow for a million).

The workspace comes from benchmarks/metrics_report.py's generator (1M posts over 52 days, whole
seconds: many identical times, spread as docs/time.md says), plus three events.
R: needs Rscript and the bursts package's R/bursts.R (MIT; CRAN `bursts` 1.0-2), given as
--r-source FILE or $BURSTS_R; without them the R line says so.
Usage: .venv/bin/python benchmarks/bursts.py [N] [--r-source bursts.R]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from metrics_report import generate  # noqa: E402

from shailoo.analysis.bursts import kleinberg, spread_ties  # noqa: E402

R_SCRIPT = """source(Sys.getenv("BURSTS_R")); x <- scan(Sys.getenv("TIMES"), quiet=TRUE)
t <- system.time(b <- kleinberg(x, s=2, gamma=1))[["elapsed"]]
cat(t, nrow(b), "\\n")"""


def stream(n: int) -> None:
    rng = np.random.default_rng(14)
    whole = np.sort(rng.integers(1_600_000_000, 1_600_000_000 + 365 * 86400, n)).astype(np.float64)
    poisson = np.cumsum(rng.exponential(30.0, n))
    for label, times in (("whole seconds over a year (ties spread)", whole), ("distinct Poisson times", poisson)):
        t = time.perf_counter()
        b = kleinberg(times)
        print(f"stream model, {n:,} times, {label}: {time.perf_counter() - t:.2f} s, {len(b):,} bursts, "
              f"top level {int(b.level.max())}")


def versus_r(r_source: str | None) -> None:
    rng = np.random.default_rng(15)
    base = np.cumsum(rng.exponential(600, 9000))
    times = np.sort(np.concatenate([base, base[4000] + np.cumsum(rng.exponential(20, 1000))]))
    times = spread_ties(np.round(times))  # R refuses identical times
    t = time.perf_counter()
    ours = kleinberg(times)
    ours_s = time.perf_counter() - t
    if not (r_source and Path(r_source).is_file() and shutil.which("Rscript")):
        print(f"10,000 times: shailoo {ours_s * 1000:.1f} ms; R not run (give --r-source bursts.R and install R)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "times.txt"
        path.write_text("\n".join(repr(float(x)) for x in times))
        out = subprocess.run(["Rscript", "-e", R_SCRIPT], capture_output=True, text=True, check=True,
                             env={**os.environ, "BURSTS_R": r_source, "TIMES": str(path)}).stdout.split()
    r_s, r_rows = float(out[0]), int(out[1])
    print(f"10,000 times: shailoo {ours_s * 1000:.1f} ms, R bursts::kleinberg {r_s:.1f} s "
          f"(×{r_s / ours_s:,.0f}); bursts: shailoo {len(ours)}, R {r_rows}")


def timeline(n: int) -> None:
    from shailoo.events import add_event
    from shailoo.report.build import report_filter
    from shailoo.report.i18n import Tr
    from shailoo.analysis.snapshot import materialized
    from shailoo.report.timeline_sections import timeline_section
    from shailoo.store.workspace import init_workspace

    folder = Path(tempfile.mkdtemp(prefix="shailoo-bursts-"))
    try:
        ws = init_workspace(folder / "ws", project="bench")
        generate(ws, n)
        for day, name in (("2020-11-28", "Rally"), ("2020-12-20", "Strike"), ("2021-01-10", "Election day")):
            add_event(ws, day, name, reported="1000-2000")
        flt, _ = report_filter(ws)
        tr = Tr("en", ws.config.timezone)
        span = (flt.start, flt.end)
        t = time.perf_counter()
        with materialized(ws):
            m = time.perf_counter() - t
            section = timeline_section(ws, flt, tr, span, {})
        total = time.perf_counter() - t
        print(f"timeline section, {n:,} posts: {total:.2f} s (of which {m:.2f} s the per-post table the report "
              f"materialises once for every section), {len(section['blocks'])} blocks")
        ws.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    args = sys.argv[1:]
    r_source = os.environ.get("BURSTS_R")
    if "--r-source" in args:
        i = args.index("--r-source")
        r_source = args[i + 1]
        del args[i:i + 2]
    n = int(args[0]) if args else 1_000_000
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    stream(n)
    versus_r(r_source)
    timeline(n)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

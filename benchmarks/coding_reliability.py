"""Benchmark reliability: alpha with its bootstrap interval for 10 variables x 5,000 units x 4 coders.

    .venv/bin/python benchmarks/coding_reliability.py [--units 5000] [--coders 4] [--draws 2000] [--repeat 3]

Generates 10 variables (4 nominal, 3 ordinal, 2 interval, 1 ratio; 2-7 values each) where each
coder copies a unit's "true" value 70 % of the time and leaves 15 % of the units uncoded. Times:
  core      shailoo's alpha + KALPHA bootstrap interval for all 10, from arrays (coding.agreement)
  table     reliability_table on a workspace holding those codes (reading current codes included)
  package   the `krippendorff` package's alpha for all 10 on the same data (no interval: it has none)
  cli       `shailoo coding reliability -f csv` on that workspace, a cold process (interpreter start,
            imports, workspace opening included)
Best of --repeat runs for the in-process steps; the CLI once after a warm-up of the file cache.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

LEVELS = ["nominal"] * 4 + ["ordinal"] * 3 + ["interval"] * 2 + ["ratio"]


def generate(units: int, coders: int, seed: int = 1) -> list[tuple[str, str, int, np.ndarray]]:
    """(name, level, number of values, coders x units matrix of value indexes with NaN for missing)."""
    rng = np.random.default_rng(seed)
    out = []
    for i, level in enumerate(LEVELS):
        v = int(rng.integers(2, 8))
        truth = rng.integers(0, v, size=units)
        m = rng.integers(0, v, size=(coders, units)).astype(float)
        copy = rng.random((coders, units)) < 0.7
        m[copy] = np.broadcast_to(truth, m.shape)[copy]
        m[rng.random((coders, units)) < 0.15] = np.nan
        out.append((f"var{i}", level, v, m))
    return out


def ratings(m: np.ndarray, v: int):
    from shailoo.coding.agreement import Ratings

    coder, unit = np.nonzero(~np.isnan(m))
    return Ratings(unit.astype(np.int64), coder.astype(np.int64), m[coder, unit].astype(np.int64), v)


def best(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def core(data, draws: int):
    from shailoo.coding import agreement as ag

    out = []
    for name, level, v, m in data:
        a = ag.alpha(ratings(m, v), level, np.arange(1.0, v + 1.0))
        out.append((a.alpha, ag.bootstrap(a, draws, np.random.default_rng(7))))
    return out


def package(data):
    import krippendorff

    return [krippendorff.alpha(reliability_data=m + 1, level_of_measurement=level,
                               value_domain=list(np.arange(1.0, v + 1.0))) for name, level, v, m in data]


def codebook_yaml(data) -> str:
    lines = ["title: benchmark", "variables:"]
    for name, level, v, _ in data:
        lines += [f"  - name: {name}", f"    label: {name}", "    unit: post", f"    level: {level}", "    values:"]
        lines += [f"      - {{code: \"{k}\", label: v{k}}}" for k in range(1, v + 1)]
    return "\n".join(lines) + "\n"


def build_workspace(path: Path, data) -> None:
    from shailoo.coding.codebook import store_codebook
    from shailoo.store.workspace import init_workspace

    ws = init_workspace(path, project="bench")
    store_codebook(ws.con, codebook_yaml(data), "bench.yaml")
    parts = []
    for name, _, _, m in data:
        coder, unit = np.nonzero(~np.isnan(m))
        parts.append(pa.table({"post_id": unit + 1, "variable": pa.array([name] * unit.size),
                               "value": pa.array((m[coder, unit] + 1).astype(int).astype(str)),
                               "coder": pa.array(np.array(["anna", "bek", "chyngyz", "dana", "erkin", "farida"])[coder])}))
    codes = pa.concat_tables(parts)
    ws.con.register("_bench_codes", codes)
    ws.con.execute("""INSERT INTO codes SELECT row_number() OVER () AS act_id, post_id, NULL, variable, value, coder,
                      now(), 1, 'import' FROM _bench_codes""")
    ws.con.unregister("_bench_codes")
    ws.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=5000)
    ap.add_argument("--coders", type=int, default=4)
    ap.add_argument("--draws", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    data = generate(args.units, min(args.coders, 6))
    values = sum(int(np.sum(~np.isnan(m))) for *_, m in data)
    print(f"{len(data)} variables x {args.units:,} units x {args.coders} coders, {values:,} codes, "
          f"{args.draws:,} bootstrap draws; {os.cpu_count()} CPU(s)")

    t_core, ours = best(lambda: core(data, args.draws), args.repeat)
    t_pkg, theirs = best(lambda: package(data), args.repeat)
    worst = max(abs(a - float(b)) for (a, _), b in zip(ours, theirs))
    print(f"core     alpha + interval, 10 variables: {t_core * 1000:8.1f} ms")
    print(f"package  krippendorff.alpha, no interval: {t_pkg * 1000:8.1f} ms   (shailoo with interval / package "
          f"without: {t_core / t_pkg:.2f}x; largest alpha difference {worst:.1e})")
    t_alpha, _ = best(lambda: core(data, 0), args.repeat)
    print(f"core     alpha alone, 10 variables:      {t_alpha * 1000:8.1f} ms   (package / shailoo: "
          f"{t_pkg / t_alpha:.1f}x)")

    with tempfile.TemporaryDirectory() as tmp:
        ws_path = Path(tmp) / "ws"
        build_workspace(ws_path, data)
        from shailoo.coding.codebook import require_codebook
        from shailoo.coding.reliability import reliability_table
        from shailoo.store.workspace import open_workspace

        with open_workspace(ws_path, read_only=True) as ws:
            book = require_codebook(ws.con)
            t_table, table = best(lambda: reliability_table(ws.con, book, draws=args.draws), args.repeat)
        print(f"table    reliability_table from the workspace: {t_table * 1000:8.1f} ms ({table.num_rows} rows)")
        cmd = [str(Path(sys.executable).parent / "shailoo"), "coding", "reliability", "-w", str(ws_path), "-f", "csv",
               "--draws", str(args.draws)]
        subprocess.run(cmd, capture_output=True, check=True)  # warm the file cache
        t = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True)
        t_cli = time.perf_counter() - t
        if done.returncode:
            print(done.stderr)
        print(f"cli      shailoo coding reliability (cold process): {t_cli * 1000:8.1f} ms")


if __name__ == "__main__":
    main()

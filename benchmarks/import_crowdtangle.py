"""Time a cold import and a re-import of an N-row CrowdTangle CSV, beside DuckDB's bare read_csv.

    python benchmarks/import_crowdtangle.py [ROWS]      (default 1,000,000)

Prints rows/s, peak memory (the largest child process so far) and our import time as a multiple of
DuckDB's read_csv into a table (the floor: no validation, no normalisation).
"""

from __future__ import annotations

import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run_child(code: str) -> tuple[float, float, str]:
    """Run code in a fresh interpreter; return (seconds, peak RSS in MB, stdout)."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, peak, proc.stdout.strip()


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    tmp = Path(tempfile.mkdtemp(prefix="shailoo-bench-"))
    csv_path = tmp / "2026-03-01-12-00-00-KGT-Historical-Report.csv"
    t = time.perf_counter()
    sys.path.insert(0, str(HERE))
    from generate_crowdtangle import write

    write(rows, csv_path)
    print(f"generated {rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s")

    floor_s, floor_mb, _ = run_child(
        "import duckdb,time;c=duckdb.connect();t=time.perf_counter();"
        f"c.execute(\"CREATE TABLE t AS SELECT * FROM read_csv('{csv_path}', header=true, all_varchar=true)\");"
        "print(time.perf_counter()-t)")
    ws = tmp / "ws"
    def code(reread: bool) -> str:
        return ("import json,time,shailoo;from shailoo.store.loader import import_file;"
                f"ws=shailoo.open('{ws}', write=True);t=time.perf_counter();r=import_file(ws,'{csv_path}',reread={reread});"
                "print(json.dumps({'s':time.perf_counter()-t,'imported':r.imported,'skipped':r.skipped,'q':r.quarantined}))")

    subprocess.run([sys.executable, "-m", "shailoo.cli.main", "init", str(ws)], check=True, capture_output=True)
    cold_s, cold_mb, out1 = run_child(code(False))
    again_s, again_mb, out2 = run_child(code(False))
    reread_s, reread_mb, out3 = run_child(code(True))
    r1, r2, r3 = (json.loads(out.splitlines()[-1]) for out in (out1, out2, out3))
    print(f"machine: {platform.machine()}, {platform.python_version()}, {__import__('os').cpu_count()} cores")
    print(f"duckdb read_csv floor : {floor_s:6.1f} s (process)   peak {floor_mb:6.0f} MB")
    print(f"cold import           : {cold_s:6.1f} s (process), {r1['s']:.1f} s in import_file, "
          f"{rows / r1['s']:,.0f} rows/s, peak {cold_mb:6.0f} MB, imported {r1['imported']:,}")
    print(f"re-import (identical) : {again_s:6.1f} s (process), {r2['s']:.1f} s in import_file, "
          f"skipped {r2['skipped']:,}, imported {r2['imported']:,} (recognised by sha256, not read again)")
    print(f"re-import (--reread)  : {reread_s:6.1f} s (process), {r3['s']:.1f} s in import_file, "
          f"skipped {r3['skipped']:,}, imported {r3['imported']:,} (every row parsed and compared)")
    print(f"ratio cold import / duckdb floor: {cold_s / floor_s:.1f}x")


if __name__ == "__main__":
    main()

"""Time the Parquet export of a workspace of N posts, and a read-only command on the export.

    python benchmarks/parquet_export.py [ROWS]                (default 1,000,000; generates and imports them)
    python benchmarks/parquet_export.py --workspace WS        (an existing workspace, left unchanged)

Generates N CrowdTangle posts (benchmarks/generate_crowdtangle.py), imports them with two export
times (two snapshots for a third of the posts, as the generator's files give), then times, each in a
fresh process as a user runs them: `shailoo export parquet -w WS DIR`, `open_parquet(DIR)`, and
`shailoo metrics posts --by actor` on the workspace and on `-w DIR`. Prints sizes and peak memory.
"""

from __future__ import annotations

import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(args: list[str]) -> tuple[float, float, str]:
    """Run a command in a fresh process; return (seconds, peak RSS of the children so far in MB, stdout)."""
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, proc.stdout


def size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def build(rows: int, tmp: Path) -> Path:
    sys.path.insert(0, str(HERE))
    from generate_crowdtangle import write

    ws = tmp / "ws"
    csv_path = tmp / "2026-03-01-12-00-00-KGT-Historical-Report.csv"
    t = time.perf_counter()
    write(rows, csv_path)
    subprocess.run([sys.executable, "-m", "shailoo.cli.main", "init", str(ws)], check=True, capture_output=True)
    run([sys.executable, "-m", "shailoo.cli.main", "import", "-w", str(ws), str(csv_path), "-q"])
    csv_path.unlink()
    print(f"generated and imported {rows:,} posts in {time.perf_counter() - t:.0f} s")
    return ws


def main() -> None:
    args = sys.argv[1:]
    tmp = Path(tempfile.mkdtemp(prefix="shailoo-parquet-bench-"))
    try:
        if args[:1] == ["--workspace"]:
            ws = Path(args[1])
        else:
            ws = build(int(args[0]) if args else 1_000_000, tmp)
        out = tmp / "export"
        shailoo = [sys.executable, "-m", "shailoo.cli.main"]
        export_s, export_mb, _ = run([*shailoo, "export", "parquet", "-w", str(ws), str(out), "-q"])
        open_s, _, opened = run([sys.executable, "-c", (
            "import time;t=time.perf_counter();from shailoo.store.parquet import open_parquet;"
            f"ws=open_parquet({str(out)!r});print(time.perf_counter()-t)")])
        metrics = [*shailoo, "metrics", "posts", "--by", "actor", "--all", "-f", "csv"]
        ws_s, ws_mb, on_ws = run([*metrics, "-w", str(ws)])
        pq_s, pq_mb, on_pq = run([*metrics, "-w", str(out)])
        import duckdb

        con = duckdb.connect(str(ws / "shailoo.duckdb"), read_only=True)
        posts, snaps = con.execute("SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM engagement_snapshots)"
                                   ).fetchall()[0]
        con.close()
        print(f"machine: {platform.machine()}, Python {platform.python_version()}, "
              f"{__import__('os').cpu_count()} cores, DuckDB {duckdb.__version__}")
        print(f"workspace             : {posts:,} posts, {snaps:,} snapshots, {size_mb(ws):,.0f} MB on disk")
        print(f"export parquet        : {export_s:6.1f} s (process, peak {export_mb:,.0f} MB), {posts / export_s:,.0f} "
              f"posts/s; {size_mb(out):,.0f} MB ({size_mb(out / 'posts'):,.0f} MB posts, "
              f"{len(list((out / 'posts').rglob('*.parquet')))} files)")
        print(f"open_parquet          : {float(opened.strip()) * 1000:6.0f} ms (in process)")
        print(f"metrics --by actor    : {ws_s:6.1f} s on the workspace, {pq_s:6.1f} s on -w DIR (processes); "
              f"same output: {on_ws == on_pq}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

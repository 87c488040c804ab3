"""Read a large CSV export with two processes at once.

The file is split at a record boundary: a newline preceded by an even number of quote characters
(inside a quoted cell the count is odd, so a cell spanning lines is never cut). Each process reads
its slice plus the header row through the format's own importer and writes its staged batches to
an Arrow file; the loader then loads them in file order, renumbering records as one sequence.
"""

from __future__ import annotations

import importlib
import os
import pickle
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.parquet as pq

from shailoo.errors import ShailooError
from shailoo.importers.base import Source
from shailoo.store.stager import Privacy, StageCounts, Stager, stage_records

PARALLEL_MIN_BYTES = 64 << 20  # below this, starting processes costs more than it saves
_SCAN = 1 << 20


def worker_count(path: Path, module) -> int:
    """How many processes should read this file (1 = read it in this process)."""
    if not getattr(module, "SPLITTABLE_CSV", False) or path.stat().st_size < PARALLEL_MIN_BYTES:
        return 1
    return max(1, min(2, os.cpu_count() or 1))


def split_points(path: Path, parts: int) -> tuple[int, list[int]] | None:
    """(end of the header row, [0, split…, size]) cut at quote-balanced newlines; None if none is found."""
    size = path.stat().st_size
    targets = [size * k // parts for k in range(1, parts)]
    bounds, header_end = [0], None
    quotes = pos = 0  # quote characters before `pos`
    with open(path, "rb") as fh:
        while pos < size and (header_end is None or targets):
            chunk = fh.read(_SCAN)
            if not chunk:
                break
            at = 0
            while header_end is None or targets:
                if header_end is not None:
                    at = max(at, targets[0] - pos)
                nl = chunk.find(b"\n", at) if at < len(chunk) else -1
                if nl < 0:
                    break
                if (quotes + chunk.count(b'"', 0, nl)) % 2 == 0:  # not inside a quoted cell
                    if header_end is None:
                        header_end = pos + nl + 1
                    else:
                        bounds.append(pos + nl + 1)
                        targets.pop(0)
                at = nl + 1
            quotes += chunk.count(b'"')
            pos += len(chunk)
    if header_end is None or len(bounds) != parts or bounds[-1] >= size:
        return None
    return header_end, bounds + [size]


def _stage_slice(task: dict) -> dict:
    """In a worker process: stage one slice of the file into Arrow files, one per staging table."""
    module = importlib.import_module(task["module"])
    out_dir, part, path = Path(task["out_dir"]), task["part"], Path(task["path"])
    writers: dict[str, pq.ParquetWriter] = {}

    def sink(table: str, batch: pa.Table) -> None:
        if table not in writers:  # Parquet, so that DuckDB loads it with its own parallel reader
            writers[table] = pq.ParquetWriter(str(out_dir / f"{part}-{table}.parquet"), batch.schema,
                                              compression="lz4")
        writers[table].write_table(batch)

    start, end = task["start"], task["end"]
    source = Source(path, task["options"], byte_range=(start, end), header_end=task["header_end"] if start else 0)
    progress_file = out_dir / f"{part}-progress"

    def progress(records: int, done: int) -> None:
        progress_file.write_text(f"{records} {done}")

    try:
        counts = stage_records(module.read(source), Stager(task["privacy"], sink), module.FORMAT.name, path.name,
                               progress, lambda: source.bytes_read)
    finally:
        for writer in writers.values():
            writer.close()
    return asdict(counts)


def _run_worker(task_file: str) -> int:
    """Entry point of a worker process (`python -m shailoo.store.parallel TASK`): its own interpreter,
    started with subprocess rather than multiprocessing so that no caller's __main__ is re-run."""
    task_path = Path(task_file)
    task = pickle.loads(task_path.read_bytes())
    out = Path(task["out_dir"]) / f"{task['part']}-result.pickle"
    try:
        result = {"counts": _stage_slice(task)}
    except BaseException as exc:  # handed to the parent, which raises it
        result = {"error": exc}
    out.write_bytes(pickle.dumps(result))
    return 0 if "counts" in result else 1


def stage_in_parallel(module, path: Path, options: dict, privacy: Privacy, parts: int, out_dir: Path,
                      load: Callable[[str, str, int, Path], None],
                      progress: Callable[[int, int], None] | None = None) -> StageCounts | None:
    """Stage `path` with `parts` processes; returns None when no safe split exists (read it serially).

    `load(table, numbering_column, offset, parquet_file)` moves one slice's staged rows into the
    staging table, adding `offset` to its record numbers."""
    split = split_points(path, parts)
    if split is None:
        return None
    header_end, bounds = split
    workers = []
    try:
        for k in range(parts):
            task = {"module": module.__name__, "path": str(path), "options": options, "part": k,
                    "start": bounds[k], "end": bounds[k + 1], "header_end": header_end, "privacy": privacy,
                    "out_dir": str(out_dir)}
            task_file = out_dir / f"{k}-task.pickle"
            task_file.write_bytes(pickle.dumps(task))
            workers.append(subprocess.Popen([sys.executable, "-m", "shailoo.store.parallel", str(task_file)]))
        while any(w.poll() is None for w in workers):
            time.sleep(0.25)
            if progress:
                progress(*_progress(out_dir, parts))
        results = []
        for k, worker in enumerate(workers):
            result_file = out_dir / f"{k}-result.pickle"
            if not result_file.exists():
                raise ShailooError(f"A process reading part {k + 1} of {path.name} stopped unexpectedly "
                                   f"(exit code {worker.returncode}); nothing was imported.")
            result = pickle.loads(result_file.read_bytes())
            if "error" in result:
                raise result["error"]
            results.append(StageCounts(**result["counts"]))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    total = StageCounts()
    for k, counts in enumerate(results):
        offset = total.records  # records of the slices before this one
        for table, column in (("stage_posts", "seq"), ("stage_accounts", "seq"), ("stage_quarantine", "record_number")):
            file = out_dir / f"{k}-{table}.parquet"
            if file.exists():
                load(table, column, offset, file)
        total.records += counts.records
        total.quarantined += counts.quarantined
        total.skipped += counts.skipped
        for reason, n in counts.skipped_reasons.items():
            total.skipped_reasons[reason] = total.skipped_reasons.get(reason, 0) + n
    return total


def _progress(out_dir: Path, parts: int) -> tuple[int, int]:
    records = done = 0
    for k in range(parts):
        try:
            r, d = (out_dir / f"{k}-progress").read_text().split()
            records, done = records + int(r), done + int(d)
        except (OSError, ValueError):
            pass  # not written yet, or being written
    return records, done


if __name__ == "__main__":
    sys.exit(_run_worker(sys.argv[1]))

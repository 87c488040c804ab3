"""Read a large CSV export with two processes at once.

The file is split at a record boundary: a newline preceded by an even number of quote characters
(inside a quoted cell the count is odd, so a cell spanning lines is never cut). Each process reads
its slice plus the header row through the format's own importer and writes its staged batches to
an Arrow file; the loader then loads them in file order, renumbering records as one sequence.
"""

from __future__ import annotations

import importlib
import os
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from dataclasses import asdict
from multiprocessing import get_context
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.compute as pc

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


def _init_worker(progress_array) -> None:
    global _PROGRESS
    _PROGRESS = progress_array


def _stage_slice(module_name: str, path: str, options: dict, part: int, start: int, end: int, header_end: int,
                 privacy: Privacy, out_dir: str, format_name: str) -> dict:
    """In a worker process: stage one slice of the file into Arrow files, one per staging table."""
    module = importlib.import_module(module_name)
    writers: dict[str, pa.RecordBatchStreamWriter] = {}

    def sink(table: str, batch: pa.Table) -> None:
        if table not in writers:
            writers[table] = pa.ipc.new_stream(os.path.join(out_dir, f"{part}-{table}.arrow"), batch.schema)
        writers[table].write_table(batch)

    source = Source(Path(path), options, byte_range=(start, end), header_end=header_end if start else 0)

    def progress(records: int, done: int) -> None:
        _PROGRESS[2 * part], _PROGRESS[2 * part + 1] = records, done

    try:
        counts = stage_records(module.read(source), Stager(privacy, sink), format_name, Path(path).name,
                               progress, lambda: source.bytes_read)
    finally:
        for writer in writers.values():
            writer.close()
    return asdict(counts)


def stage_in_parallel(module, path: Path, options: dict, privacy: Privacy, parts: int, out_dir: Path,
                      sink: Callable[[str, pa.Table], None],
                      progress: Callable[[int, int], None] | None = None) -> StageCounts | None:
    """Stage `path` with `parts` processes; returns None when no safe split exists (read it serially)."""
    split = split_points(path, parts)
    if split is None:
        return None
    header_end, bounds = split
    ctx = get_context("spawn")  # never fork a process holding a DuckDB connection
    progress_array = ctx.Array("q", 2 * parts, lock=False)
    with ProcessPoolExecutor(max_workers=parts, mp_context=ctx, initializer=_init_worker,
                             initargs=(progress_array,)) as pool:
        futures = [pool.submit(_stage_slice, module.__name__, str(path), options, k, bounds[k], bounds[k + 1],
                               header_end, privacy, str(out_dir), module.FORMAT.name) for k in range(parts)]
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.25, return_when=FIRST_EXCEPTION)
            if any(f.exception() for f in done):
                for f in pending:
                    f.cancel()
                raise next(f.exception() for f in done if f.exception())
            if progress:
                progress(sum(progress_array[0::2]), sum(progress_array[1::2]))
        results = [StageCounts(**f.result()) for f in futures]
    total = StageCounts()
    for k, counts in enumerate(results):
        offset = total.records  # records of the slices before this one
        for table, column in (("stage_posts", "seq"), ("stage_accounts", "seq"), ("stage_quarantine", "record_number")):
            file = out_dir / f"{k}-{table}.arrow"
            if not file.exists():
                continue
            with pa.ipc.open_stream(file) as reader:
                for batch in reader:
                    t = pa.Table.from_batches([batch])
                    i = t.schema.get_field_index(column)
                    sink(table, t.set_column(i, column, pc.add(t[column], offset)))
        total.records += counts.records
        total.quarantined += counts.quarantined
        total.skipped += counts.skipped
        for reason, n in counts.skipped_reasons.items():
            total.skipped_reasons[reason] = total.skipped_reasons.get(reason, 0) + n
    return total

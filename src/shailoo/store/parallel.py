"""Read a large CSV export with two processes at once.

The file is cut at a newline preceded by an even number of quote characters: a guess, since a stray
quote or a quote inside an unquoted cell fools the count. So the cut is checked, not trusted: the
process reading the slice before a cut reads it with the importer's real CSV reader from the start
of the file, and says whether it ended inside a quoted cell (csvrows.py). If any slice but the last
did, the slices are thrown away and the file is read again in one pass; otherwise every cut was at a
record boundary of a reading from the start, and the slices give exactly the records of one pass.
The header row's end is found by the CSV reader itself.

Each process reads its slice plus the header row through the format's own importer and writes its
staged batches to Parquet files; the loader then loads them in file order, renumbering records as
one sequence. The processes die with their parent (Linux: PR_SET_PDEATHSIG; everywhere: end of
their stdin), and `remove_leftovers` clears what a killed import left in the workspace.
"""

from __future__ import annotations

import csv
import importlib
import io
import os
import pickle
import re
import shutil
import subprocess
import sys
import threading
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
_HEADER_MAX = 1 << 20  # a header row longer than this: read the file in one pass
OWNER_FILE = "owner"  # in a scratch folder: the importing process's pid, locked while it runs


def worker_count(path: Path, module) -> int:
    """How many processes should read this file (1 = read it in this process)."""
    if not getattr(module, "SPLITTABLE_CSV", False) or path.stat().st_size < PARALLEL_MIN_BYTES:
        return 1
    return max(1, min(2, os.cpu_count() or 1))


def header_row_end(path: Path) -> int | None:
    """The byte offset where the header record ends, found by the CSV reader; None if not in the first MB."""
    with open(path, "rb") as fh:
        head = fh.read(_HEADER_MAX)
    lines = head.splitlines(keepends=True)  # splits at \n, \r\n and \r, as the importers' reading does
    try:
        reader = csv.reader(line.decode("utf-8") for line in lines)
        next(reader)
    except (StopIteration, csv.Error, UnicodeDecodeError):
        return None
    if reader.line_num >= len(lines) and len(head) == _HEADER_MAX:
        return None  # the header record may go on beyond what was read
    end = sum(len(line) for line in lines[:reader.line_num])
    return end if end < len(head) or len(head) < _HEADER_MAX else None


def count_lines(path: Path, end: int) -> int:
    """Physical lines (ended by \n, \r\n or \r) in the file's first `end` bytes, which end with a newline."""
    lines = pos = 0
    last_cr = False
    with open(path, "rb") as fh:
        while pos < end:
            chunk = fh.read(min(_SCAN, end - pos))
            if not chunk:
                break
            lines += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
            if last_cr and chunk.startswith(b"\n"):
                lines -= 1  # a \r\n cut between two chunks
            last_cr = chunk.endswith(b"\r")
            pos += len(chunk)
    return lines


def split_points(path: Path, parts: int) -> tuple[int, list[int]] | None:
    """(end of the header row, [0, split…, size]) cut at quote-balanced newlines; None if none is found.

    The cuts are guesses that `stage_in_parallel` checks (see the module's docstring)."""
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
    true_header_end = header_row_end(path)
    if header_end is None or true_header_end is None or len(bounds) != parts or bounds[-1] >= size:
        return None
    if any(b <= true_header_end for b in bounds[1:]):
        return None
    return true_header_end, bounds + [size]


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
    source.lines_before = task.get("lines_before", 0)  # so that reasons name the file's own line numbers
    progress_file = out_dir / f"{part}-progress"

    def progress(records: int, done: int) -> None:
        progress_file.write_text(f"{records} {done}")

    try:
        counts = stage_records(module.read(source), Stager(task["privacy"], sink), module.FORMAT.name, path.name,
                               progress, lambda: source.bytes_read)
    finally:
        for writer in writers.values():
            writer.close()
    counts.lines = source.physical_lines
    return {**asdict(counts), "ended_inside_quotes": source.ended_inside_quotes}


def _die_with_parent(parent: int) -> None:
    """End this worker as soon as the process that started it is gone (killed, crashed, interrupted)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: the kernel kills us with the parent
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before we got here
        os._exit(3)

    def watch() -> None:  # portable: our stdin is a pipe from the parent; it ends when the parent does
        try:
            while os.read(0, 1 << 10):  # the raw descriptor: a buffered reader's lock would stall shutdown
                pass
        except (OSError, ValueError):
            pass
        os._exit(3)

    threading.Thread(target=watch, daemon=True).start()


def _run_worker(task_file: str) -> int:
    """Entry point of a worker process (`python -m shailoo.store.parallel TASK`): its own interpreter,
    started with subprocess rather than multiprocessing so that no caller's __main__ is re-run."""
    task_path = Path(task_file)
    task = pickle.loads(task_path.read_bytes())
    _die_with_parent(task.get("parent", os.getppid()))
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
    owner = claim(out_dir)
    try:
        results = _run_slices(module, path, options, privacy, parts, out_dir, progress)
    finally:
        owner.close()
    if results is None:
        return None
    total = StageCounts(lines=0)
    for k, counts in enumerate(results):
        offset = total.records  # records of the slices before this one
        for table, column in (("stage_posts", "seq"), ("stage_accounts", "seq"), ("stage_quarantine", "record_number")):
            file = out_dir / f"{k}-{table}.parquet"
            if file.exists():
                load(table, column, offset, file)
        total.records += counts.records
        total.quarantined += counts.quarantined
        total.skipped += counts.skipped
        total.lines = None if total.lines is None or counts.lines is None else total.lines + counts.lines
        for reason, n in counts.skipped_reasons.items():
            total.skipped_reasons[reason] = total.skipped_reasons.get(reason, 0) + n
    return total


def _run_slices(module, path: Path, options: dict, privacy: Privacy, parts: int, out_dir: Path,
                progress: Callable[[int, int], None] | None) -> list[StageCounts] | None:
    split = split_points(path, parts)
    if split is None:
        return None
    header_end, bounds = split
    workers: list[subprocess.Popen] = []
    try:
        for k in range(parts):
            task = {"module": module.__name__, "path": str(path), "options": options, "part": k,
                    "start": bounds[k], "end": bounds[k + 1], "header_end": header_end, "privacy": privacy,
                    "out_dir": str(out_dir), "parent": os.getpid(),
                    "lines_before": count_lines(path, bounds[k]) if k else 0}
            task_file = out_dir / f"{k}-task.pickle"
            task_file.write_bytes(pickle.dumps(task))
            workers.append(subprocess.Popen([sys.executable, "-m", "shailoo.store.parallel", str(task_file)],
                                            stdin=subprocess.PIPE))
        (out_dir / "workers").write_text(" ".join(str(w.pid) for w in workers))
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
            counts = dict(result["counts"])
            if counts.pop("ended_inside_quotes") and k < parts - 1:
                return None  # the cut after this slice is inside a quoted cell: read the file in one pass
            results.append(StageCounts(**counts))
        return results
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
            if worker.stdin:
                worker.stdin.close()


def claim(folder: Path) -> io.TextIOWrapper:
    """Mark a scratch folder as this process's while the returned file is open (see remove_leftovers)."""
    fh = open(folder / OWNER_FILE, "a+", encoding="ascii")
    try:
        import fcntl

        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:  # no fcntl (Windows): the pid written below is what counts
        pass
    except OSError:
        pass  # already claimed by this process (a nested call): the lock stays
    fh.seek(0)
    fh.truncate()
    fh.write(f"{os.getpid()}\n")
    fh.flush()
    return fh


_PID_IN_NAME = re.compile(r"\.import-(\d+)-")
_YOUNG_S = 600  # a scratch folder with no owner yet may be one being set up right now


def remove_leftovers(workspace_folder: Path) -> list[Path]:
    """Remove what killed imports left in a workspace folder; return what was removed.

    Removes `.import-*` scratch folders whose importing process is gone (its lock on the folder's
    `owner` file is free, or the pid in the folder's name or `owner` file is not running), and
    DuckDB's spill folder `shailoo.duckdb.tmp`. Call it with the workspace's database opened
    read-write by this process (or by no one): DuckDB's own lock then guarantees that no other
    process is importing or spilling. The spill folder is also kept while any import here is running.
    Errors (a folder not writable) are ignored: this is housekeeping.
    """
    folder = Path(workspace_folder)
    removed: list[Path] = []
    running = False
    try:
        scratch = sorted(p for p in folder.glob(".import-*") if p.is_dir() and not p.is_symlink())
    except OSError:
        return removed
    for path in scratch:
        if _in_use(path):
            running = True
            continue
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            removed.append(path)
    spill = folder / "shailoo.duckdb.tmp"
    if not running and spill.is_dir() and not spill.is_symlink():
        shutil.rmtree(spill, ignore_errors=True)
        if not spill.exists():
            removed.append(spill)
    return removed


def _in_use(path: Path) -> bool:
    m = _PID_IN_NAME.match(path.name)
    if m and _pid_alive(int(m.group(1))):
        return True
    owner = path / OWNER_FILE
    if not owner.exists():
        try:
            return time.time() - path.stat().st_mtime < _YOUNG_S and not m
        except OSError:
            return False
    try:
        import fcntl
    except ImportError:
        fcntl = None
    if fcntl is not None:
        try:
            with open(owner, "a+", encoding="ascii") as fh:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    return True  # its importer holds the lock: running
                fcntl.flock(fh, fcntl.LOCK_UN)
                return False
        except OSError:
            return True  # cannot tell: keep it
    try:
        return _pid_alive(int(owner.read_text(encoding="ascii").split()[0]))
    except (OSError, ValueError, IndexError):
        return False


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return True  # os.kill would end the process there; keep the folder
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


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

"""A share table read from a CSV file (CooRTweet's input shape: object_id, account_id, content_id,
timestamp_share in Unix seconds), as researchers already prepare it.

Encoding and delimiter are detected by shailoo.csvfiles. A file without the four columns is refused
in one sentence; a row with a bad value (an empty id, an id longer than MAX_ID characters, a time
that is not whole Unix seconds or lies outside 2004 .. tomorrow, the wrong number of fields) is set
aside with its row number and a reason, and the rest is read. Values are checked column-wise
(Arrow compute), not row by row.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shailoo.analysis.coordination import SHARE_COLUMNS
from shailoo.errors import InputFileError

MAX_ID = 4096  # characters; a URL longer than this is not a link anyone shares
MAX_REASONS = 1000  # reasons kept; the count of rows set aside is always exact
_SECONDS = r"^\s*-?[0-9]{1,12}(\.0*)?\s*$"


def _earliest_latest() -> tuple[int, int]:
    from shailoo.importers.parse import EARLIEST_TIME, FUTURE_SLACK

    return int(EARLIEST_TIME.timestamp()), int(time.time() + FUTURE_SLACK.total_seconds())


def read_share_csv(path: Path) -> tuple[pa.Table, list[dict[str, Any]]]:
    """The share table in `path` and the rows set aside ({"row": n, "reason": ...}, row 1 = the first
    row after the header; at most MAX_REASONS, the last entry says how many more)."""
    import pyarrow.csv as pcsv

    from shailoo.csvfiles import detect

    path = Path(path)
    try:
        table_kind = detect(path)
    except OSError as exc:
        raise InputFileError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    bad_width: list[dict[str, Any]] = []
    skipped: list[int] = []  # data row numbers of the rows the reader skipped

    def on_invalid(row) -> str:
        where = row.number - 1 if row.number is not None else 0
        skipped.append(where)
        if len(bad_width) < MAX_REASONS:
            bad_width.append({"row": where or None, "reason": f"it has {row.actual_columns} fields, the header "
                                                              f"{row.expected_columns}"})
        return "skip"

    encoding = "utf8" if table_kind.encoding in ("utf-8", "utf-8-sig") else table_kind.encoding
    try:
        raw = pcsv.read_csv(path, read_options=pcsv.ReadOptions(encoding=encoding, use_threads=False,
                                                                 block_size=1 << 22),
                            parse_options=pcsv.ParseOptions(delimiter=table_kind.delimiter,
                                                            newlines_in_values=True, invalid_row_handler=on_invalid),
                            convert_options=pcsv.ConvertOptions(column_types=_all_strings(path, table_kind),
                                                                strings_can_be_null=False))
    except (pa.ArrowInvalid, UnicodeDecodeError, ValueError) as exc:
        raise InputFileError(f"Cannot read {path.name} as a CSV share table ({table_kind.describe()}): "
                             f"{str(exc).splitlines()[0][:200]}.") from None
    names = {n.strip().lstrip("\ufeff").lower(): n for n in raw.column_names}
    missing = [c for c in SHARE_COLUMNS if c not in names]
    if missing:
        raise InputFileError(f"{path.name} has no column {', '.join(missing)}; a share table needs "
                             f"{', '.join(SHARE_COLUMNS)} (timestamp_share in Unix seconds), as CooRTweet reads it.")
    raw = pa.table([raw[names[c]] for c in SHARE_COLUMNS], names=list(SHARE_COLUMNS))
    table, quarantined = _checked(raw, np.asarray(sorted(skipped), dtype=np.int64))
    quarantined = bad_width + quarantined
    extra = len(skipped) - len(bad_width)
    if extra:
        quarantined.append({"row": None, "reason": f"and {extra} more rows with the wrong number of fields"})
    if table.num_rows == 0:
        first = quarantined[0]["reason"] if quarantined else "it has no rows"
        raise InputFileError(f"{path.name} has no usable share (for example: {first}); a share table needs "
                             f"{', '.join(SHARE_COLUMNS)} with timestamp_share in whole Unix seconds.")
    return table, quarantined


def _all_strings(path: Path, kind) -> dict[str, pa.DataType]:
    """Every column read as text (types are checked here, not guessed by the reader)."""
    import csv

    from shailoo.csvfiles import open_text

    try:
        with open_text(path, kind) as fh:
            header = next(csv.reader(fh, delimiter=kind.delimiter), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        header = []
    return {name: pa.string() for name in header}


def _row_numbers(n: int, skipped: np.ndarray) -> np.ndarray:
    """The data row number of each row read, given the (sorted) numbers of the rows skipped: the
    m-th row read comes after every skipped row s_j with s_j - j < m."""
    m = np.arange(1, n + 1, dtype=np.int64)
    if len(skipped) == 0:
        return m
    before = skipped - np.arange(1, len(skipped) + 1)
    return m + np.searchsorted(before, m - 1, side="right")


def _checked(raw: pa.Table, skipped: np.ndarray) -> tuple[pa.Table, list[dict[str, Any]]]:
    n = raw.num_rows
    reasons = np.full(n, "", dtype=object)
    bad = np.zeros(n, dtype=bool)
    for name in ("object_id", "account_id", "content_id"):
        col = pc.utf8_trim_whitespace(raw[name])
        empty = pc.fill_null(pc.equal(col, ""), True).to_numpy(zero_copy_only=False)
        long = pc.fill_null(pc.greater(pc.utf8_length(col), MAX_ID), False).to_numpy(zero_copy_only=False)
        for mask, why in ((empty, f"{name} is empty"), (long, f"{name} is longer than {MAX_ID} characters")):
            new = mask & ~bad
            reasons[new] = why
            bad |= mask
    ts_text = pc.fill_null(raw["timestamp_share"], "")
    numeric = pc.match_substring_regex(ts_text, _SECONDS).to_numpy(zero_copy_only=False)
    whole = pc.utf8_trim_whitespace(pc.if_else(pa.array(numeric), ts_text, pa.scalar("0")))
    whole = pc.cast(pc.list_element(pc.split_pattern(whole, "."), 0), pa.int64())
    seconds = whole.to_numpy(zero_copy_only=False)
    earliest, latest = _earliest_latest()
    out_of_range = numeric & ((seconds < earliest) | (seconds > latest))
    for mask, kind in ((~numeric, "is not whole Unix seconds"), (out_of_range, "is outside 2004 .. tomorrow")):
        idx = np.flatnonzero(mask & ~bad)
        for i in idx[:MAX_REASONS]:
            reasons[i] = f"timestamp_share '{str(ts_text[int(i)].as_py())[:40]}' {kind}"
        reasons[idx[MAX_REASONS:]] = f"timestamp_share {kind}"
        bad |= mask
    bad_rows = np.flatnonzero(bad)
    numbers = _row_numbers(n, skipped)
    quarantined = [{"row": int(numbers[i]), "reason": reasons[i]} for i in bad_rows[:MAX_REASONS]]
    if len(bad_rows) > MAX_REASONS:
        quarantined.append({"row": None, "reason": f"and {len(bad_rows) - MAX_REASONS} more rows with bad values"})
    keep = pa.array(~bad)
    table = pa.table({"object_id": pc.utf8_trim_whitespace(raw["object_id"]).filter(keep),
                      "account_id": pc.utf8_trim_whitespace(raw["account_id"]).filter(keep),
                      "content_id": pc.utf8_trim_whitespace(raw["content_id"]).filter(keep),
                      "timestamp_share": pa.array(seconds[~bad], pa.int64())})
    return table, quarantined


def quarantined_count(quarantined: list[dict[str, Any]]) -> int:
    """How many rows were set aside (the last entry may stand for many)."""
    import re

    total = 0
    for entry in quarantined:
        m = re.match(r"and (\d+) more rows", entry["reason"]) if entry["row"] is None else None
        total += int(m.group(1)) if m else 1
    return total

"""Export posts with their actor, category and counts to CSV, JSON lines, Parquet or XLSX.

One row per post (comments and replies by others are left out, as in every table), with the
engagement snapshot the tables use. Private authors appear only under their pseudonym (their
names are never stored, and no name is joined to a pseudonymous account); unknown counts are
empty (CSV, XLSX) or null (JSON lines, Parquet), never 0. CSV and XLSX cells go through the one
spreadsheet rule of outputs.py, so a post's text never starts a formula.
"""

from __future__ import annotations

import json
from pathlib import Path
import pyarrow as pa

from shailoo.analysis.filters import PostFilter
from shailoo.errors import UsageError
from shailoo.outputs import atomic_output, csv_cell, csv_writer, xlsx_cell
from shailoo.store.workspace import Workspace

EXPORT_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".xlsx": "xlsx"}
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header
BATCH = 50_000

COLUMNS = """e.platform, p.platform_post_id, p.post_type, e.created_at, e.local_time, e.day, e.week,
       e.actor, e.category, e.account_id AS account,
       CASE WHEN starts_with(e.account_id, 'p_') THEN NULL ELSE e.account_name END AS account_name,
       CASE WHEN starts_with(e.account_id, 'p_') THEN NULL ELSE e.account_handle END AS account_handle,
       e.by_member, p.url, p.text, p.title, p.link, p.media_type, p.language, p.hashtags, p.mentions,
       p.link_domains, e.interactions, e.reactions, e.comments, e.shares, e.views, e.snapshot_at, e.snapshot_early"""


def export_format(path: Path, fmt: str | None = None) -> str:
    """The format to write: `fmt` if given, else the file's extension."""
    if fmt:
        fmt = fmt.strip().lower()
        if fmt == "json":
            fmt = "jsonl"
        if fmt not in set(EXPORT_FORMATS.values()):
            raise UsageError(f"--format must be one of csv, jsonl, parquet or xlsx for an export, not '{fmt}'.")
        return fmt
    ext = Path(path).suffix.lower()
    if ext not in EXPORT_FORMATS:
        raise UsageError(f"Cannot tell the export format of {path} from its extension; name it .csv, .jsonl, "
                         ".parquet or .xlsx, or give --format.")
    return EXPORT_FORMATS[ext]


def posts_query(ws: Workspace, flt: PostFilter | None = None) -> tuple[str, list]:
    """The SQL (and its parameters) of the exported rows, oldest post first."""
    from shailoo.analysis.snapshot import engagement_source

    where, params = (flt or PostFilter()).where(ws)
    sql = f"""SELECT {COLUMNS}
              FROM (SELECT * FROM {engagement_source(ws)} WHERE {where}) e
              JOIN posts p USING (post_id)
              ORDER BY e.created_at, e.platform, p.platform_post_id"""
    return sql, params


def posts(ws: Workspace, flt: PostFilter | None = None) -> pa.Table:
    """Every selected post with actor, category and counts, as an Arrow table."""
    sql, params = posts_query(ws, flt)
    return ws.con.sql(sql, params=params or None).to_arrow_table()


def _reader(ws: Workspace, flt: PostFilter | None) -> pa.RecordBatchReader:
    sql, params = posts_query(ws, flt)
    return ws.con.sql(sql, params=params or None).to_arrow_reader(BATCH)


def export_posts(ws: Workspace, path: Path | str, flt: PostFilter | None = None, fmt: str | None = None,
                 bom: bool = False) -> int:
    """Write the selected posts to `path` (format from `fmt` or the extension); return the rows written.

    The file is written beside its target and renamed onto it at the end (outputs.atomic_output);
    `bom` starts a CSV with a UTF-8 byte-order mark, so Excel reads Cyrillic."""
    path = Path(path)
    fmt = export_format(path, fmt)
    if fmt == "xlsx":
        sql, params = posts_query(ws, flt)
        n = ws.con.execute(f"SELECT count(*) FROM ({sql})", params).fetchall()[0][0]
        if n > XLSX_MAX_ROWS:
            raise UsageError(f"{n:,} posts do not fit one Excel sheet ({XLSX_MAX_ROWS:,} rows); export to .csv or "
                             ".parquet, or select fewer posts.")
    writer = {"csv": _csv, "jsonl": _jsonl, "parquet": _parquet, "xlsx": _xlsx}[fmt]
    return writer(path, _reader(ws, flt), bom)


def _csv(path: Path, reader: pa.RecordBatchReader, bom: bool) -> int:
    n = 0
    names = reader.schema.names
    with atomic_output(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as fh:
        out = csv_writer(fh)
        out.writerow(names)
        for batch in reader:
            for row in batch.to_pylist():
                out.writerow([csv_cell(row[c]) for c in names])
            n += batch.num_rows
    return n


def _plain(value):
    from datetime import date, datetime

    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _jsonl(path: Path, reader: pa.RecordBatchReader, bom: bool) -> int:
    n = 0
    with atomic_output(path, "w") as fh:
        for batch in reader:
            for row in batch.to_pylist():
                fh.write(json.dumps({k: _plain(v) for k, v in row.items()}, ensure_ascii=False) + "\n")
            n += batch.num_rows
    return n


def _parquet(path: Path, reader: pa.RecordBatchReader, bom: bool) -> int:
    import pyarrow.parquet as pq

    n = 0
    with atomic_output(path, "wb") as fh:
        with pq.ParquetWriter(fh, reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)
                n += batch.num_rows
    return n


def _xlsx(path: Path, reader: pa.RecordBatchReader, bom: bool) -> int:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("posts")
    sheet.freeze_panes = "A2"
    names = reader.schema.names
    sheet.append(names)
    n = 0
    for batch in reader:
        for row in batch.to_pylist():
            sheet.append([xlsx_cell(row[c]) for c in names])
        n += batch.num_rows
    with atomic_output(path, "wb") as fh:
        book.save(fh)
    return n

"""Load Meta Ad Library files (report CSVs, API JSON) into the workspace's ads tables (migration 009).

Ads are not posts, so they do not go through the posts loader's staging; the import is still logged in
`imports` (format, sha256, counts, duration, warnings) and bad rows go to `quarantine`, all in one
transaction: an import killed midway leaves nothing behind. A file identical to one imported before is
not read again (unless `reread`); a report whose country, date and window match an earlier one replaces
its rows (a re-download never doubles the spend); an ad seen again is updated.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa

from shailoo import importers
from shailoo.errors import WrongFormat, printable
from shailoo.importers.base import Source
from shailoo.importers.meta_ad_library_common import KIND, LOADER_OPTION, AdRecord, AdSpendRow, ReportInfo
from shailoo.records import RowError, Skipped
from shailoo.store.loader import (ImportResult, Progress, _options, check_input_file, file_sha256,
                                  options_fingerprint)

_WINDOW_DAYS = {"yesterday": 1, "last_7_days": 7, "last_30_days": 30, "last_90_days": 90}
SPEND_COLUMNS = ("row_number", "report_key", "layout", "country", "report_range", "report_date", "window_start",
                 "window_end", "page_id", "page_name", "disclaimer", "without_disclaimer", "spend_lower",
                 "spend_upper", "currency", "ads")
AD_COLUMNS = ("ad_id", "page_id", "page_name", "bylines", "created_at", "delivery_start", "delivery_stop",
              "spend_lower", "spend_upper", "impressions_lower", "impressions_upper", "audience_lower",
              "audience_upper", "currency", "bodies", "link_titles", "platforms", "languages", "url")
_AD_SCHEMA = pa.schema([
    ("ad_id", pa.string()), ("page_id", pa.string()), ("page_name", pa.string()), ("bylines", pa.string()),
    ("created_at", pa.timestamp("us", tz="UTC")), ("delivery_start", pa.timestamp("us", tz="UTC")),
    ("delivery_stop", pa.timestamp("us", tz="UTC")), ("spend_lower", pa.float64()), ("spend_upper", pa.float64()),
    ("impressions_lower", pa.int64()), ("impressions_upper", pa.int64()), ("audience_lower", pa.int64()),
    ("audience_upper", pa.int64()), ("currency", pa.string()), ("bodies", pa.list_(pa.string())),
    ("link_titles", pa.list_(pa.string())), ("platforms", pa.list_(pa.string())),
    ("languages", pa.list_(pa.string())), ("url", pa.string())])


def is_ads_format(module) -> bool:
    return getattr(module, "KIND", None) == KIND


def window(info: ReportInfo) -> tuple:
    """(first day, last day) a report covers: a window of N days ends on the report's date; lifelong has
    no first day; both are unknown when the file name does not give the date."""
    if info.report_date is None:
        return None, None
    days = _WINDOW_DAYS.get(info.report_range or "")
    if days is None:
        return None, info.report_date if info.report_range == "lifelong" else None
    return info.report_date - timedelta(days=days - 1), info.report_date


def load_into(ws, path: str | Path, options: dict | None = None, progress: Progress | None = None,
              reread: bool = False, format_id: str | None = None) -> ImportResult:
    """Import one Ad Library file; the posts loader's `import_file` hands ad formats here."""
    path = Path(path)
    check_input_file(path)
    module = importers.get_importer(format_id) if format_id else importers.detect(path)
    if not is_ads_format(module):
        raise WrongFormat(f"{printable(path.name)} is a {module.FORMAT.name} file, not Meta Ad Library data; "
                          "import it with `shailoo import`.")
    started, started_at = time.perf_counter(), datetime.now(timezone.utc)
    sha = file_sha256(path)
    con = ws.con
    opts = _options(ws, options)
    fingerprint = options_fingerprint(opts)
    import_id = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchall()[0][0]
    result = ImportResult(file=printable(path.name), format=module.FORMAT.id, import_id=import_id, sha256=sha)
    earlier = con.execute("""SELECT import_id, records, quarantined, imported + updated + unchanged, dialect, warnings
                             FROM imports WHERE sha256 = ? AND format = ? AND options_fingerprint IS NOT DISTINCT FROM ?
                             ORDER BY import_id LIMIT 1""", [sha, module.FORMAT.id, fingerprint]).fetchall()
    source = Source(path=path, options={**opts, LOADER_OPTION: True})
    if earlier and not reread:
        first, records, quarantined, rows, result.dialect, warnings = earlier[0]
        result.seen_before = True
        result.records, result.quarantined, result.unchanged = records, quarantined, rows
        result.skipped = records - quarantined
        result.warnings = list(warnings or [])
        result.skipped_reasons = {f"identical file already imported (import {first})": result.skipped}
        _log(ws, result, path, started_at, started, fingerprint)
        return result
    info, rows, ads, errors = None, [], [], []
    for record in module.read(source):
        if isinstance(record, ReportInfo):
            info = record
            continue
        result.records += 1
        if isinstance(record, AdSpendRow):
            rows.append((result.records, record))
        elif isinstance(record, AdRecord):
            ads.append(record)
        elif isinstance(record, RowError):
            result.quarantined += 1
            errors.append((record.record_number, record.reason, record.raw))
        elif isinstance(record, Skipped):
            result.skipped += 1
            result.skipped_reasons[record.reason] = result.skipped_reasons.get(record.reason, 0) + 1
        if progress and result.records % 10_000 == 0:
            progress(result.records, source.bytes_read, source.size)
    result.lines = source.physical_lines
    result.dialect = source.dialect
    result.warnings = source.warnings.texts()
    con.execute("BEGIN TRANSACTION")
    try:
        if info is not None:
            _store_report(con, import_id, info, rows, sha, result)
        else:
            _store_ads(con, import_id, ads, result)
        if errors:
            con.executemany("INSERT INTO quarantine (import_id, file_name, record_number, reason, raw) "
                            "VALUES (?, ?, ?, ?, ?)", [(import_id, result.file, n, reason, raw) for n, reason, raw in errors])
        _log(ws, result, path, started_at, started, fingerprint)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    if progress:
        progress(result.records, source.size, source.size)
    return result


def _store_report(con, import_id: int, info: ReportInfo, rows: list, sha: str, result: ImportResult) -> None:
    named = info.report_date is not None and info.country is not None
    key = "|".join(str(x) for x in (info.country, info.report_date, info.report_range, info.layout)) if named else sha
    first, last = window(info)
    table = pa.table({
        "row_number": pa.array([n for n, _ in rows], pa.int64()),
        **{c: pa.array([getattr(r, c) for _, r in rows], t) for c, t in (
            ("page_id", pa.string()), ("page_name", pa.string()), ("disclaimer", pa.string()),
            ("without_disclaimer", pa.bool_()), ("spend_lower", pa.float64()), ("spend_upper", pa.float64()),
            ("ads", pa.int64()))}})
    replaced = con.execute("SELECT count(*) FROM ad_spend WHERE report_key = ?", [key]).fetchall()[0][0]
    con.execute("DELETE FROM ad_spend WHERE report_key = ?", [key])
    con.register("_ad_rows", table)
    try:
        con.execute("""INSERT INTO ad_spend (import_id, row_number, report_key, layout, country, report_range, report_date,
                           window_start, window_end, page_id, page_name, disclaimer, without_disclaimer, spend_lower,
                           spend_upper, currency, ads)
                       SELECT ?, row_number, ?, ?, ?, ?, ?, ?, ?, page_id, page_name, disclaimer, without_disclaimer,
                              spend_lower, spend_upper, ?, ads FROM _ad_rows""",
                    [import_id, key, info.layout, info.country, info.report_range, info.report_date, first, last,
                     info.currency])
    finally:
        con.unregister("_ad_rows")
    if replaced:
        result.updated = len(rows)
        result.warnings.append(f"replaced the {replaced:,} rows of an earlier copy of this report "
                               f"({info.country}, {info.report_date}, {info.report_range or 'window unknown'})")
    else:
        result.imported = len(rows)


def _store_ads(con, import_id: int, ads: list[AdRecord], result: ImportResult) -> None:
    latest: dict[str, AdRecord] = {}
    for ad in ads:  # an ad repeated in the file: its last record (as posts)
        latest[ad.ad_id] = ad
    if len(latest) < len(ads):
        n = len(ads) - len(latest)
        result.skipped += n
        result.skipped_reasons["repeated later in the same file (its latest record is used)"] = n
    table = pa.Table.from_pylist([{c: getattr(a, c if c != "url" else "snapshot_url") for c in AD_COLUMNS}
                                  for a in latest.values()], schema=_AD_SCHEMA)
    con.register("_ad_new", table)
    try:
        cols = ", ".join(AD_COLUMNS)
        changed = " OR ".join(f"a.{c} IS DISTINCT FROM n.{c}" for c in AD_COLUMNS if c != "ad_id")
        known, updated = con.execute(f"""SELECT count(*), count(*) FILTER (WHERE {changed})
                                         FROM _ad_new n JOIN ads a USING (ad_id)""").fetchall()[0]
        sets = ", ".join(f"{c} = n.{c}" for c in AD_COLUMNS if c != "ad_id")
        con.execute(f"""UPDATE ads a SET {sets}, last_import_id = {int(import_id)} FROM _ad_new n
                        WHERE a.ad_id = n.ad_id AND ({changed})""")
        con.execute(f"""INSERT INTO ads ({cols}, first_import_id, last_import_id)
                        SELECT {cols}, {int(import_id)}, {int(import_id)} FROM _ad_new ANTI JOIN ads USING (ad_id)""")
    finally:
        con.unregister("_ad_new")
    result.imported = len(latest) - known
    result.updated = updated
    result.unchanged = known - updated
    if result.unchanged:
        result.skipped += result.unchanged
        result.skipped_reasons["already in the workspace, unchanged"] = result.unchanged


def _log(ws, result: ImportResult, path: Path, started_at: datetime, started: float, fingerprint: str) -> None:
    result.duration_s = round(time.perf_counter() - started, 3)
    ws.con.execute(
        """INSERT INTO imports (import_id, format, file_name, file_path, sha256, started_at, duration_s, records,
                                imported, updated, unchanged, quarantined, skipped, options_fingerprint, dialect,
                                warnings)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [result.import_id, result.format, printable(path.name), printable(path.resolve()), result.sha256, started_at,
         result.duration_s, result.records, result.imported, result.updated, result.unchanged, result.quarantined,
         result.skipped, fingerprint, result.dialect, result.warnings or None])

"""The workspace's offline events: import a file of them, add one by hand, list them, and the two
tables the report and `shailoo events` show — claimed against reported participants (seed 004) and
events per year and size (seed 003's table of protest actions).

An events import is logged like a post import (`imports`, format 'events'; bad rows in
`quarantine` with their reason) and accounts for every record: imported + updated + quarantined +
skipped = records. Events are matched across imports by their key (the file's id, else a digest of
date, end, place, country, type and name), so importing the same file again adds nothing.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import pyarrow as pa

from shailoo.errors import UsageError, printable
from shailoo.importers import events as reader
from shailoo.importers.events import Bounds, EventRecord, event_key, parse_date, parse_participants
from shailoo.importers.parse import BadValue, parse_count
from shailoo.records import RowError, Skipped
from shailoo.analysis.snapshot import fetch

FORMAT = "events"
VALUE_COLUMNS = ("name", "start_date", "end_date", "place", "country", "event_type", "claimed_low", "claimed_high",
                 "claimed_text", "reported_low", "reported_high", "reported_text", "claimed_participants",
                 "reported_participants", "arrests", "had_arrests", "description", "source", "source_url")
_SCHEMA = pa.schema([("event_key", pa.string()), ("name", pa.string()), ("start_date", pa.date32()),
                     ("end_date", pa.date32()), ("place", pa.string()), ("country", pa.string()),
                     ("event_type", pa.string()), ("claimed_low", pa.int64()), ("claimed_high", pa.int64()),
                     ("claimed_text", pa.string()), ("reported_low", pa.int64()), ("reported_high", pa.int64()),
                     ("reported_text", pa.string()), ("claimed_participants", pa.int64()),
                     ("reported_participants", pa.int64()), ("arrests", pa.int64()), ("had_arrests", pa.bool_()),
                     ("description", pa.string()), ("source", pa.string()), ("source_url", pa.string()),
                     ("record_number", pa.int64())])
UNCHANGED = "already in the workspace, unchanged"
REPEATED = "repeated later in the same file (its latest record is used)"


@dataclass
class EventImport:
    file: str
    format: str
    import_id: int
    sha256: str
    records: int = 0
    imported: int = 0
    updated: int = 0
    quarantined: int = 0
    skipped: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    seen_before: bool = False
    layout: str = ""
    dialect: str | None = None
    duration_s: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped += n
        self.skipped_reasons[reason] = self.skipped_reasons.get(reason, 0) + n


def _row(record: EventRecord, number: int | None = None) -> dict:
    return {"event_key": record.key, "name": record.name, "start_date": record.start_date,
            "end_date": record.end_date, "place": record.place, "country": record.country,
            "event_type": record.event_type, "claimed_low": record.claimed.low, "claimed_high": record.claimed.high,
            "claimed_text": record.claimed.text, "reported_low": record.reported.low,
            "reported_high": record.reported.high, "reported_text": record.reported.text,
            "claimed_participants": record.claimed.exact, "reported_participants": record.reported.exact,
            "arrests": record.arrests, "had_arrests": record.had_arrests, "description": record.description,
            "source": record.source, "source_url": record.source_url, "record_number": number}


def import_events(ws, path: str | Path, mapping: str | Path | None = None) -> EventImport:
    """Import a CSV/XLSX file of events (see importers/events.py for the layouts); return its counts."""
    from shailoo.store.loader import check_input_file, file_sha256, options_fingerprint

    path = Path(path)
    check_input_file(path)
    layout = reader.load_mapping(mapping) if mapping else None
    started, started_at = time.perf_counter(), datetime.now(timezone.utc)
    sha = file_sha256(path)
    fingerprint = options_fingerprint({"mapping": str(mapping)} if mapping else {})
    con = ws.con
    import_id = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchall()[0][0]
    result = EventImport(file=printable(path.name), format=FORMAT, import_id=import_id, sha256=sha)
    earlier = con.execute("""SELECT import_id, records, quarantined, dialect FROM imports
        WHERE sha256 = ? AND format = ? AND options_fingerprint IS NOT DISTINCT FROM ? ORDER BY import_id LIMIT 1""",
                          [sha, FORMAT, fingerprint]).fetchall()
    if earlier:
        first, records, quarantined, result.dialect = earlier[0]
        result.seen_before, result.records, result.quarantined = True, records, quarantined
        result.skip(f"identical file already imported (import {first})", records - quarantined)
        _log(ws, result, path, started_at, started, fingerprint)
        return result

    items, source = reader.read(path, layout)
    latest: dict[str, tuple[int, EventRecord]] = {}
    errors: list[RowError] = []
    for item in items:
        result.records += 1
        if isinstance(item, RowError):
            errors.append(item)
        elif isinstance(item, Skipped):
            result.skip(item.reason)
        else:
            if item.key in latest:
                result.skip(REPEATED)
            latest[item.key] = (result.records, item)
    result.dialect = source.dialect
    result.layout = "Mass Mobilization" if any("Mass Mobilization" in (r.source or "") for _, r in latest.values()) \
        else ("mapping " + Path(mapping).name if mapping else "shailoo events")
    result.quarantined = len(errors)
    staged = pa.Table.from_pylist([_row(r, n) for n, r in latest.values()], schema=_SCHEMA)
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("_events_in", staged)
        same = " AND ".join(f"e.{c} IS NOT DISTINCT FROM s.{c}" for c in VALUE_COLUMNS)
        unchanged, changed = con.execute(f"""SELECT count(*) FILTER (WHERE {same}), count(*) FILTER (WHERE NOT ({same}))
            FROM _events_in s JOIN events e USING (event_key)""").fetchall()[0]
        sets = ", ".join(f"{c} = s.{c}" for c in VALUE_COLUMNS)
        con.execute(f"""UPDATE events e SET {sets}, import_id = ?, record_number = s.record_number
            FROM _events_in s WHERE e.event_key = s.event_key AND NOT ({same})""", [import_id])
        cols = ", ".join(("event_key",) + VALUE_COLUMNS)
        result.imported = con.execute(f"""INSERT INTO events (event_id, {cols}, import_id, record_number)
            SELECT nextval('event_id_seq'), {cols}, ?, record_number FROM _events_in
            WHERE event_key NOT IN (SELECT event_key FROM events WHERE event_key IS NOT NULL)
            ORDER BY record_number""", [import_id]).fetchall()[0][0]
        result.updated = changed
        if unchanged:
            result.skip(UNCHANGED, unchanged)
        if errors:
            con.executemany("INSERT INTO quarantine (import_id, file_name, record_number, reason, raw) VALUES (?, ?, ?, ?, ?)",
                            [[import_id, result.file, e.record_number, e.reason, e.raw] for e in errors])
        _log(ws, result, path, started_at, started, fingerprint)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("_events_in")
    return result


def _log(ws, result: EventImport, path: Path, started_at: datetime, started: float, fingerprint: str) -> None:
    result.duration_s = round(time.perf_counter() - started, 3)
    ws.con.execute("""INSERT INTO imports (import_id, format, file_name, file_path, sha256, started_at, duration_s,
        records, imported, updated, unchanged, quarantined, skipped, options_fingerprint, dialect)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)""",
                   [result.import_id, FORMAT, result.file, printable(str(path.resolve())), result.sha256, started_at,
                    result.duration_s, result.records, result.imported, result.updated, result.quarantined,
                    result.skipped, fingerprint, result.dialect])


def add_event(ws, day: str | date, name: str | None = None, end: str | date | None = None, place: str | None = None,
              country: str | None = None, event_type: str | None = None, claimed: str | None = None,
              reported: str | None = None, arrests: str | int | None = None, description: str | None = None,
              source_url: str | None = None) -> int:
    """Add one event by hand; the same checks as an import, each failure one UsageError sentence."""
    try:
        start = parse_date(day, "the date")
        if start is None:
            raise BadValue("the date is missing")
        finish = parse_date(end, "the end date")
        if finish is not None and finish < start:
            raise BadValue(f"the event ends ({finish.isoformat()}) before it starts ({start.isoformat()})")
        record = EventRecord(key="", name="", start_date=start, end_date=finish, place=_clean(place),
                             country=_clean(country), event_type=_clean(event_type),
                             claimed=parse_participants(claimed, "claimed participants"),
                             reported=parse_participants(reported, "reported participants"),
                             arrests=parse_count(arrests, "arrests"), description=_clean(description),
                             source_url=_clean(source_url))
    except BadValue as exc:
        raise UsageError(f"Cannot add the event: {exc}.") from None
    record.had_arrests = record.arrests > 0 if record.arrests is not None else None
    record.name = _clean(name) or ", ".join(x for x in (record.event_type or "event", record.place) if x)
    record.key = event_key(record, None)
    known = ws.con.execute("SELECT event_id FROM events WHERE event_key = ?", [record.key]).fetchall()
    if known:
        raise UsageError(f"The same event (date, place, type and name) is already event {known[0][0]}; "
                         "`shailoo events list` shows it.")
    row = _row(record)
    cols = ("event_key",) + VALUE_COLUMNS
    return ws.con.execute(f"""INSERT INTO events (event_id, {', '.join(cols)})
        VALUES (nextval('event_id_seq'), {', '.join('?' for _ in cols)}) RETURNING event_id""",
                          [row[c] for c in cols]).fetchall()[0][0]


def _clean(value: str | None) -> str | None:
    return value.strip()[:reader.MAX_TEXT] if isinstance(value, str) and value.strip() else None


def remove_event(ws, event_id: int) -> None:
    if not ws.con.execute("SELECT count(*) FROM events WHERE event_id = ?", [event_id]).fetchall()[0][0]:
        raise UsageError(f"There is no event {event_id}; `shailoo events list` shows their ids.")
    ws.con.execute("DELETE FROM events WHERE event_id = ?", [event_id])


# --- tables ---------------------------------------------------------------------------------------

BOUNDS_SQL = """CASE WHEN {p}_low IS NULL AND {p}_high IS NULL THEN NULL
    WHEN {p}_low = {p}_high THEN format('{{:,}}', {p}_low)
    WHEN {p}_high IS NULL THEN format('≥ {{:,}}', {p}_low)
    WHEN {p}_low IS NULL THEN format('≤ {{:,}}', {p}_high)
    ELSE format('{{:,}}–{{:,}}', {p}_low, {p}_high) END"""


def bounds_sql(prefix: str) -> str:
    """SQL showing a pair of bounds as text: '1,200', '50–99', '≥ 10,001', '≤ 99'."""
    return BOUNDS_SQL.format(p=prefix)


def _where(since: date | None, until: date | None, event_type: str | None, country: str | None) -> tuple[str, list]:
    clauses, params = ["TRUE"], []
    if since:
        clauses.append("coalesce(end_date, start_date) >= ?")
        params.append(since)
    if until:
        clauses.append("start_date <= ?")
        params.append(until)
    if event_type:
        clauses.append("lower(event_type) = lower(?)")
        params.append(event_type)
    if country:
        clauses.append("lower(country) = lower(?)")
        params.append(country)
    return " AND ".join(clauses), params


def list_events(ws, since: date | None = None, until: date | None = None, event_type: str | None = None,
                country: str | None = None) -> pa.Table:
    """Events by date: their participants as bounds (and as written), arrests, source."""
    where, params = _where(since, until, event_type, country)
    return fetch(ws, f"""SELECT event_id, start_date, end_date, name, event_type AS type, country, place,
            {bounds_sql('claimed')} AS claimed, {bounds_sql('reported')} AS reported,
            claimed_low, claimed_high, reported_low, reported_high, claimed_text, reported_text,
            arrests, had_arrests, description, source, source_url
        FROM events WHERE {where} ORDER BY start_date, event_id""", params)


def claimed_vs_reported(ws, since: date | None = None, until: date | None = None) -> pa.Table:
    """Events with a claimed figure beside the reported one (seed 004: "thousands" claimed, a few
    hundred seen). `claimed_over_reported_at_least`: the claim's lower bound over the reported
    upper bound, where both are known — how many times the claim exceeds the count at the least."""
    where, params = _where(since, until, None, None)
    return fetch(ws, f"""SELECT event_id, start_date, name, place, {bounds_sql('claimed')} AS claimed,
            {bounds_sql('reported')} AS reported, claimed_low, claimed_high, reported_low, reported_high,
            round(claimed_low / nullif(reported_high, 0), 2) AS claimed_over_reported_at_least, source_url
        FROM events WHERE {where} AND (claimed_low IS NOT NULL OR claimed_high IS NOT NULL)
        ORDER BY start_date, event_id""", params)


SIZE_CLASSES = ("under_100", "from_100_to_999", "from_1000", "size_unknown")


def events_by_year_size(ws, since: date | None = None, until: date | None = None) -> pa.Table:
    """Events per year and type by size (seed 003's table 2): under 100, 100–999, 1,000 or more
    reported participants; an event whose bounds span two classes, or that has none, is
    `size_unknown` — never put in a class by a guess."""
    where, params = _where(since, until, None, None)
    return fetch(ws, f"""SELECT CAST(year(start_date) AS VARCHAR) AS year, coalesce(event_type, '—') AS type,
            count(*)::BIGINT AS events,
            count(*) FILTER (WHERE reported_high < 100)::BIGINT AS under_100,
            count(*) FILTER (WHERE reported_low >= 100 AND reported_high < 1000)::BIGINT AS from_100_to_999,
            count(*) FILTER (WHERE reported_low >= 1000)::BIGINT AS from_1000,
            count(*) FILTER (WHERE NOT (coalesce(reported_high < 100, false)
                OR coalesce(reported_low >= 100 AND reported_high < 1000, false)
                OR coalesce(reported_low >= 1000, false)))::BIGINT AS size_unknown
        FROM events WHERE {where} GROUP BY ALL ORDER BY year, type""", params)


def has_events(ws) -> bool:
    return bool(ws.con.execute("SELECT count(*) FROM events").fetchall()[0][0])


__all__ = ["EventImport", "import_events", "add_event", "remove_event", "list_events", "claimed_vs_reported",
           "events_by_year_size", "Bounds"]

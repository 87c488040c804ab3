"""Offline events (protests, strikes, election days, crises) from a CSV or XLSX table.

Three layouts are read:
* shailoo's own: a header with date, end_date, name, place, country, type, claimed_participants,
  reported_participants, arrests, description, source, source_url (and an optional id); spellings
  such as "start_date", "location" or "participants" are understood;
* the Mass Mobilization project's data (Clark & Regan; recognised by its `protestnumber` and
  `participants_category` columns), read as it is;
* any other table through a mapping file (`--mapping M.yaml`), as for the generic post importer:

      columns:            # our field: the file's header
        date: "Дата"
        place: "Город"
        reported_participants: "Участники"
      date_format: "%d.%m.%Y"   # optional (strptime); default ISO dates or DD.MM.YYYY
      type: protest             # optional: the type of every event of the file
      sheet: "Events"           # XLSX only
      delimiter: ";"            # CSV only; default detected

Participant figures become lower and upper bounds, never guesses: "1200" is 1200..1200, "50-99"
50..99, ">10000" 10001..unknown, "hundreds" 100..999, "dozens" 24..99, "10s" 10..99. Mass
Mobilization's `participants_category` bounds its free-text `participants`: where both parse and
overlap, the narrower interval is kept; where the text is no figure ("4000 arrested"), the
category's bounds stand and the text is kept as written. A row with an unreadable or implausible
date, an end before its start, negative or non-numeric participants is a RowError (quarantined
with its reason); the file goes on.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Iterator

from shailoo.errors import InputFileError, UsageError, WrongFormat
from shailoo.importers.base import Source
from shailoo.importers.csvrows import CsvReader, literal_cells, plausible_row, refuse_duplicates
from shailoo.importers.parse import BadValue, clean_text, is_placeholder, parse_count
from shailoo.records import RowError, Skipped

FIELDS = ("id", "name", "date", "end_date", "place", "country", "type", "claimed_participants",
          "reported_participants", "participants_category", "arrests", "had_arrests", "description", "source",
          "source_url")
# Header spellings of shailoo's own layout (lower case, spaces and dashes as _).
SYNONYMS = {
    "id": ("id", "event_id"), "name": ("name", "title", "event"),
    "date": ("date", "start_date", "start", "дата", "date_start"), "end_date": ("end_date", "end", "date_end"),
    "place": ("place", "location", "city", "место"), "country": ("country", "страна"),
    "type": ("type", "event_type", "kind"), "claimed_participants": ("claimed_participants", "claimed"),
    "reported_participants": ("reported_participants", "reported", "participants"),
    "arrests": ("arrests", "detained", "detainees"), "description": ("description", "notes", "описание"),
    "source": ("source",), "source_url": ("source_url", "url", "link"),
}
MASS_MOBILIZATION = {
    "id": "id", "date": "start_date", "end_date": "end_date", "place": "location", "country": "country",
    "reported_participants": "participants", "participants_category": "participants_category",
    "had_arrests": "arrests",
}
_MM_DEMANDS = ("labor_wage_dispute", "land_farm_issue", "police_brutality", "political_behavior_process",
               "price increases_tax_policy", "removal_of_politician", "social_restrictions")
_MM_RESPONSES = ("accomodation", "arrests", "beatings", "crowddispersal", "ignore", "killings", "shootings")
_OPTIONS = {"columns", "date_format", "type", "sheet", "delimiter", "source"}
EXAMPLE = """columns:
  date: Date
  place: City
  reported_participants: Participants
date_format: "%d.%m.%Y"
type: protest"""

EARLIEST_DATE = date(1900, 1, 1)  # events are history too: Mass Mobilization starts in 1990
FUTURE_YEARS = 5  # a planned event (an election day) may lie ahead, not centuries ahead
MAX_TEXT = 20_000  # characters of one cell
MAX_KEY = 200


@dataclass(frozen=True, slots=True)
class Bounds:
    low: int | None = None
    high: int | None = None
    text: str | None = None  # as the source wrote it

    @property
    def exact(self) -> int | None:
        return self.low if self.low is not None and self.low == self.high else None


@dataclass(slots=True)
class EventRecord:
    key: str
    name: str
    start_date: date
    end_date: date | None = None
    place: str | None = None
    country: str | None = None
    event_type: str | None = None
    claimed: Bounds = Bounds()
    reported: Bounds = Bounds()
    arrests: int | None = None
    had_arrests: bool | None = None
    description: str | None = None
    source: str | None = None
    source_url: str | None = None


# --- values ---------------------------------------------------------------------------------------

_WORDS: dict[str, tuple[int, int | None]] = {
    "dozens": (24, 99), "tens": (10, 99), "a few dozen": (24, 99), "several dozen": (24, 99),
    "hundreds": (100, 999), "a few hundred": (100, 999), "several hundred": (100, 999),
    "thousands": (1000, 9999), "a few thousand": (1000, 9999), "several thousand": (1000, 9999),
    "tens of thousands": (10_000, 99_999), "hundreds of thousands": (100_000, 999_999),
    "десятки": (10, 99), "сотни": (100, 999), "несколько сотен": (100, 999), "тысячи": (1000, 9999),
    "несколько тысяч": (1000, 9999), "десятки тысяч": (10_000, 99_999),
}
_RANGE = re.compile(r"(\d[\d ,.]*)\s*(?:-|–|—|to|до)\s*(\d[\d ,.]*)")
_MORE = re.compile(r"(>=|≥|>|\+|more than|over|at least|более|больше|свыше|от)\s*(\d[\d ,.]*)\s*(\+?)")
_PLUS = re.compile(r"(\d[\d ,.]*)\s*\+")
_LESS = re.compile(r"(<=|≤|<|fewer than|less than|under|менее|меньше|до)\s*(\d[\d ,.]*)")
_DECADES = re.compile(r"(10+)\s*'?s")


def _count(text: str, column: str) -> int:
    value = parse_count(text.strip().rstrip(".").replace(" ", ""), column)
    if value is None:
        raise BadValue(f"{column} has no number in '{text[:40]}'")
    return value


def parse_participants(value: Any, column: str = "participants") -> Bounds:
    """Bounds of a participant figure as written (see the module's text); placeholders: unknown."""
    if value is None or is_placeholder(value):
        return Bounds()
    if isinstance(value, bool):
        raise BadValue(f"{column} is {value!r}, not a number of participants")
    if isinstance(value, (int, float)):
        n = parse_count(value, column)  # negative, fractional, huge: BadValue
        return Bounds(n, n, None)
    text = str(value).strip()
    if len(text) > 60:
        raise BadValue(f"{column} is '{text[:40]}…', not a number of participants")
    low = text.lower().replace("\u2212", "-").strip()
    if low.startswith("-") and re.fullmatch(r"-\s*\d[\d ,.]*", low):
        raise BadValue(f"{column} is negative ({text})")
    if re.fullmatch(r"\d[\d ,.]*", low):
        n = _count(low, column)
        return Bounds(n, n, text)
    if low in _WORDS:
        a, b = _WORDS[low]
        return Bounds(a, b, text)
    if m := _DECADES.fullmatch(low):  # "10s", "100s", "1000s"
        n = int(m.group(1))
        return Bounds(n, 10 * n - 1, text)
    if m := _RANGE.fullmatch(low):
        a, b = _count(m.group(1), column), _count(m.group(2), column)
        if a > b:
            raise BadValue(f"{column} is '{text}', a range whose lower end is above its upper end")
        return Bounds(a, b, text)
    if m := _MORE.fullmatch(low):
        n = _count(m.group(2), column)
        strict = m.group(1) in (">", "more than", "over", "более", "больше", "свыше")
        return Bounds(n + 1 if strict else n, None, text)
    if m := _PLUS.fullmatch(low):
        return Bounds(_count(m.group(1), column), None, text)
    if m := _LESS.fullmatch(low):
        n = _count(m.group(2), column)
        strict = m.group(1) not in ("<=", "≤", "до")
        return Bounds(None, max(n - 1, 0) if strict else n, text)
    raise BadValue(f"{column} is '{text[:40]}', not a number or range of participants")


def combine(figure: Bounds, category: Bounds) -> Bounds:
    """A free-text figure narrowed by a coded category: their overlap, else the category's bounds."""
    if category.low is None and category.high is None:
        return figure
    if figure.low is None and figure.high is None:
        return Bounds(category.low, category.high, figure.text or category.text)
    low = max(x for x in (figure.low, category.low, 0) if x is not None)
    highs = [x for x in (figure.high, category.high) if x is not None]
    high = min(highs) if highs else None
    if high is not None and low > high:
        return Bounds(category.low, category.high, figure.text)
    return Bounds(low, high, figure.text)


_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


def parse_date(value: Any, column: str = "date", fmt: str | None = None) -> date | None:
    """A calendar day from a date cell (ISO, DD.MM.YYYY, a spreadsheet date, or `fmt`); None if empty."""
    if value is None or is_placeholder(value):
        return None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        text = str(value).strip()
        if len(text) > 40:
            raise BadValue(f"{column} is '{text[:40]}…', not a date")
        try:
            if fmt:
                day = datetime.strptime(text, fmt).date()
            elif m := _DOTTED.fullmatch(text):
                day = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            elif len(text) > 10:  # a date with a time: the time must be one too (2026-02-15T25:99 is not)
                day = datetime.fromisoformat(text.replace("Z", "+00:00")).date()
            else:
                day = date.fromisoformat(text)
        except ValueError:
            expected = f"a date in the format {fmt}" if fmt else "a date such as 2020-10-05 or 05.10.2020"
            raise BadValue(f"{column} is '{text}', not {expected}") from None
    latest = date.today() + timedelta(days=366 * FUTURE_YEARS)
    if not EARLIEST_DATE <= day <= latest:
        raise BadValue(f"{column} is {day.isoformat()}, outside {EARLIEST_DATE.year}–{latest.year}: not a plausible "
                       "date for an event")
    return day


def _text(value: Any, column: str) -> str | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = clean_text(value.strip() if isinstance(value, str) else value)
    if text is not None and len(text) > MAX_TEXT:
        raise BadValue(f"{column} is {len(text):,} characters long, more than {MAX_TEXT:,}")
    return text


def _yes(value: Any, column: str) -> bool | None:
    if value is None or is_placeholder(value):
        return None
    text = str(value).strip().lower()
    if text in ("1", "1.0", "true", "yes", "y", "да"):
        return True
    if text in ("0", "0.0", "false", "no", "n", "нет"):
        return False
    raise BadValue(f"{column} is '{text[:20]}', not yes or no (1 or 0)")


# --- layouts --------------------------------------------------------------------------------------

class Layout:
    """Which header feeds which field, and the file-wide settings."""

    def __init__(self, columns: dict[str, str], date_format: str | None = None, event_type: str | None = None,
                 source: str | None = None, sheet: str | None = None, delimiter: str | None = None,
                 mass_mobilization: bool = False) -> None:
        self.columns, self.date_format, self.event_type = columns, date_format, event_type
        self.source, self.sheet, self.delimiter = source, sheet, delimiter
        self.mass_mobilization = mass_mobilization


def load_mapping(path: str | Path) -> Layout:
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"There is no mapping file {path}.")
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig")[:1_000_000])
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path.name} is not a readable YAML file ({exc.__class__.__name__}); write it as UTF-8 "
                         f"YAML like:\n{EXAMPLE}") from None
    where = path.name
    if not isinstance(data, dict) or not isinstance(data.get("columns"), dict) or not data["columns"]:
        raise UsageError(f"{where} must hold a 'columns:' section mapping event fields to your headers, for "
                         f"example:\n{EXAMPLE}")
    unknown = sorted(set(map(str, data)) - _OPTIONS)
    if unknown:
        raise UsageError(f"{where}: unknown setting(s) {', '.join(unknown)}; use {', '.join(sorted(_OPTIONS))}.")
    columns = {str(k): str(v) for k, v in data["columns"].items() if v is not None}
    bad = sorted(set(columns) - set(FIELDS))
    if bad:
        raise UsageError(f"{where}: {', '.join(bad)} is not an event field; use: {', '.join(FIELDS)}.")
    if "date" not in columns:
        raise UsageError(f"{where}: 'columns:' must name the header of the event's date (date: HEADER).")
    fmt = data.get("date_format")
    if fmt is not None and not isinstance(fmt, str):
        raise UsageError(f"{where}: date_format must be text in quotes, such as \"%d.%m.%Y\".")
    delimiter = data.get("delimiter")
    if delimiter is not None and len(str(delimiter).replace("\\t", "\t")) != 1:
        raise UsageError(f"{where}: delimiter must be one character, such as ';'.")
    return Layout(columns, fmt, _opt(data.get("type")), _opt(data.get("source")), _opt(data.get("sheet")),
                  str(delimiter).replace("\\t", "\t") if delimiter is not None else None)


def _opt(value: Any) -> str | None:
    return str(value).strip()[:200] if value is not None and str(value).strip() else None


def _norm(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


def guess_layout(header: list[str], file_name: str) -> Layout:
    """shailoo's own layout or Mass Mobilization's, from the header; else a clear refusal."""
    names = {_norm(h): h for h in header if h}
    if {"protestnumber", "participants_category", "start_date"} <= set(names):
        cols = {f: names[h] for f, h in MASS_MOBILIZATION.items() if h in names}
        return Layout(cols, event_type="protest", source="Mass Mobilization (Clark & Regan)", mass_mobilization=True)
    cols: dict[str, str] = {}
    for field, spellings in SYNONYMS.items():
        for s in spellings:
            if s in names:
                cols[field] = names[s]
                break
    if "date" not in cols:
        raise WrongFormat(f"{file_name} has no date column (date or start_date); its header is: "
                          f"{', '.join(h for h in header if h)[:300]}. Name it so, or give --mapping M.yaml:\n{EXAMPLE}")
    return Layout(cols)


# --- reading --------------------------------------------------------------------------------------

Item = EventRecord | RowError | Skipped


def read(path: Path, layout: Layout | None = None) -> tuple[Iterator[Item], Source]:
    """Records of an events file (and its Source, which says the dialect it was read with)."""
    source = Source(path=path)
    reader = _xlsx if path.suffix.lower() in (".xlsx", ".xlsm") else _csv
    return reader(source, layout), source


def _csv(source: Source, layout: Layout | None) -> Iterator[Item]:
    given = layout.delimiter if layout else None
    fh, delimiter = source.open_csv(given)
    with fh:
        csvfile = CsvReader(source, fh, delimiter)
        header = [h.strip() for h in (csvfile.header() or [])]
        if not any(header):
            raise WrongFormat(f"{source.path.name} is empty; expected a table of events with a header row.")
        layout = _checked(layout or guess_layout(header, source.path.name), header, source.path.name)
        width = len(header)
        plausible = plausible_row(width, [], header.index(layout.columns["date"]) if not layout.date_format else None)
        for number, row in enumerate(csvfile.rows(width, plausible), start=1):
            if type(row) is not list:
                cells = literal_cells(row.lines, delimiter)
                yield RowError(number, row.reason, _raw(header, row.row or (cells[0] if cells else [])))
            elif len(row) != width or not any(v.strip() for v in row):
                yield Skipped(number, "empty row")
            else:
                yield _record(number, header, row, layout)


def _xlsx(source: Source, layout: Layout | None) -> Iterator[Item]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(source.path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException
        raise WrongFormat(f"{source.path.name} is not a readable XLSX workbook ({exc.__class__.__name__}); expected "
                          "an Excel .xlsx file or a CSV.") from None
    try:
        sheet_name = layout.sheet if layout else None
        if sheet_name is not None and sheet_name not in book.sheetnames:
            raise WrongFormat(f"{source.path.name} has no sheet '{sheet_name}'; its sheets are: "
                              f"{', '.join(book.sheetnames)}.")
        rows = (book[sheet_name] if sheet_name else book.worksheets[0]).iter_rows(values_only=True)
        # The same cells as written: a formula whose value the file does not hold (a workbook saved by
        # a program that computes no formulas) reads as empty above, so it is told apart here.
        formulas_book = load_workbook(source.path, read_only=True, data_only=False)
        written = (formulas_book[sheet_name] if sheet_name else formulas_book.worksheets[0]).iter_rows(values_only=True)
        next(written, None)
        header = [str(h).strip() if h is not None else "" for h in next(rows, None) or []]
        if not any(header):
            raise WrongFormat(f"{source.path.name} is empty; expected a table of events with a header row.")
        layout = _checked(layout or guess_layout(header, source.path.name), header, source.path.name)
        width = len(header)
        for number, row in enumerate(rows, start=1):
            row = list(row)
            as_written = list(next(written, None) or [])
            lost = [header[i] if i < width and header[i] else f"column {i + 1}" for i, v in enumerate(as_written)
                    if isinstance(v, str) and v.startswith("=") and (i >= len(row) or row[i] is None)]
            if lost:
                yield RowError(number, f"{', '.join(lost[:3])} holds a formula without its computed value (the file "
                               "was saved by a program that does not compute formulas; open and save it in a "
                               "spreadsheet program)", _raw(header, [str(v)[:200] for v in as_written]))
            elif all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                yield Skipped(number, "empty row")
            elif any(v not in (None, "") for v in row[width:]):
                yield RowError(number, f"has {len(row)} fields where the header has {width}", _raw(header, row))
            else:
                yield _record(number, header, row + [None] * (width - len(row)), layout)
    finally:
        book.close()
        if "formulas_book" in locals():
            formulas_book.close()


def _checked(layout: Layout, header: list[str], file_name: str) -> Layout:
    if layout.columns["date"] not in header:
        raise WrongFormat(f"{file_name} has no column '{layout.columns['date']}' named in the mapping for the date; "
                          f"its header is: {', '.join(h for h in header if h)[:300]}.")
    refuse_duplicates(header, layout.columns.values(), file_name, "a table of events")
    layout.columns = {f: h for f, h in layout.columns.items() if h in header}
    return layout


def _raw(header: list[str], row: list) -> str:
    return json.dumps(dict(zip(header, row)) if len(row) <= len(header) else {"fields": row}, ensure_ascii=False,
                      default=str)[:MAX_TEXT]


def _record(number: int, header: list[str], row: list, layout: Layout) -> Item:
    cells = dict(zip(header, row))
    try:
        if layout.mass_mobilization and str(cells.get("protest", "1")).strip() in ("0", "0.0"):
            return Skipped(number, "a Mass Mobilization row that records no protest (protest = 0)")
        return _event({f: cells.get(h) for f, h in layout.columns.items()}, layout, cells)
    except BadValue as exc:
        return RowError(number, str(exc), _raw(header, row))


def _event(v: dict[str, Any], layout: Layout, cells: dict[str, Any]) -> EventRecord:
    col = layout.columns
    start = parse_date(v.get("date"), col["date"], layout.date_format)
    if start is None:
        raise BadValue(f"{col['date']} is empty: an event needs its date")
    end = parse_date(v.get("end_date"), col.get("end_date", "end_date"), layout.date_format)
    if end is not None and end < start:
        raise BadValue(f"the event ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    figure = v.get("reported_participants")
    column = col.get("reported_participants", "participants")
    category = parse_participants(v.get("participants_category"), col.get("participants_category", "category"))
    if category.low is None and category.high is None:
        reported = parse_participants(figure, column)
    else:  # a coded category bounds the figure; a text that is no figure ("4000 arrested") is kept as written
        try:
            reported = combine(parse_participants(figure, column), category)
        except BadValue:
            reported = Bounds(category.low, category.high, _text(figure, column))
    claimed = parse_participants(v.get("claimed_participants"), col.get("claimed_participants", "claimed"))
    arrests = parse_count(v.get("arrests"), col.get("arrests", "arrests")) if "arrests" in v else None
    had = _yes(v.get("had_arrests"), col.get("had_arrests", "arrests")) if "had_arrests" in v else None
    texts = {f: _text(v.get(f), col.get(f, f)) for f in ("id", "name", "place", "country", "type", "description",
                                                          "source", "source_url")}
    kind = texts["type"] or layout.event_type
    description = texts["description"] or (_mm_description(cells) if layout.mass_mobilization else None)
    name = texts["name"] or ", ".join(x for x in (kind or "event", texts["place"]) if x)
    record = EventRecord(key="", name=name[:500], start_date=start, end_date=end, place=texts["place"],
                         country=texts["country"], event_type=kind, claimed=claimed, reported=reported,
                         arrests=arrests, had_arrests=had if had is not None else (arrests > 0 if arrests else None),
                         description=description, source=texts["source"] or layout.source,
                         source_url=texts["source_url"])
    record.key = event_key(record, texts["id"])
    return record


def _mm_description(cells: dict[str, Any]) -> str | None:
    def flagged(names):
        return [n.replace("_", " ") for n in names if str(cells.get(n, "")).strip() in ("1", "1.0")]

    who = _text(cells.get("protesteridentity"), "protesteridentity")
    parts = [f"protesters: {who}" if who else "", "demands: " + ", ".join(flagged(_MM_DEMANDS)),
             "state response: " + ", ".join(flagged(_MM_RESPONSES))]
    text = "; ".join(p for p in parts if p and not p.endswith(": "))
    return text or None


def event_key(record: EventRecord, given_id: str | None) -> str:
    """'id:<the file's id>' when the file has one, else a digest of what identifies the event."""
    if given_id:
        return "id:" + given_id.strip()[:MAX_KEY]
    parts = [record.start_date.isoformat(), record.end_date.isoformat() if record.end_date else "",
             record.place or "", record.country or "", record.event_type or "", record.name]
    return "h:" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]

"""Any CSV or XLSX table of posts, read through a small column-mapping YAML (`--mapping FILE`).

For sources with no export format of their own, e.g. hand-collected Odnoklassniki posts:

    platform: ok                    # a fixed platform, or {column: "Platform"} to read it per row
    columns:                        # our field: the file's header
      platform_post_id: "ID"
      created_at: "Дата публикации"
      text: "Текст"
      reactions: "Классы"
    time_format: "%d.%m.%Y %H:%M"   # optional (strptime); default: ISO-like text or Unix seconds
    timezone: Asia/Bishkek          # the file's zone, for times written without one; default: the
                                    # zone given with --timezone, else the workspace's (said in the import)
    author_is_public: true          # false: authors are private individuals unless registered
    sheet: "Posts"                  # XLSX only; default the first sheet
    delimiter: ";"                  # CSV only; default: detected, with the encoding (csvfiles.py)

A mapped column that the file lacks is a warning, not a refusal (only the post id's and the time's
must be there): its field stays unknown (counts) or empty for this file. CSV is read row by row (see csvrows.py: a row with fewer or more fields than the header is
quarantined); XLSX with openpyxl in read-only mode, where a row's empty cells at its end may be left
out. Record numbers are 1-based data rows.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shailoo.errors import InputFileError, UsageError, WrongFormat
from shailoo.importers.base import ImporterInfo, Record, Source, Warnings, assumed_zone, zone_assumed
from shailoo.importers.csvrows import CsvReader, literal_cells, plausible_row, refuse_duplicates
from shailoo.importers.parse import BadValue, clean_text, is_placeholder, parse_count, parse_score, parse_time
from shailoo.platforms import PLATFORMS
from shailoo.records import PostRecord, RowError, Skipped

FORMAT = ImporterInfo(
    id="generic",
    name="Mapped CSV/XLSX table",
    description="Read any CSV or XLSX table of posts through a column-mapping YAML (--mapping FILE)",
    extensions=(".csv", ".tsv", ".xlsx"),
)

EXAMPLE = """platform: ok
columns:
  platform_post_id: ID
  created_at: Date
  text: Text
  account_name: Group
  reactions: Likes
time_format: "%d.%m.%Y %H:%M"
timezone: Asia/Bishkek"""

_COUNTS = {"reactions", "likes", "love", "wow", "haha", "sad", "angry", "care", "comments", "shares", "views",
           "followers_at_posting"}
_SKIP = {"platform", "created_at", "author_is_public", "forwarded_from_is_public", "measured_at",
         "reaction_breakdown", "is_edited", "overperforming_score"}
_TEXTS = {f.name for f in fields(PostRecord)} - _COUNTS - _SKIP
FIELDS = sorted(_TEXTS | _COUNTS | {"created_at", "measured_at", "is_edited", "overperforming_score", "platform"})
_OPTIONS = {"platform", "columns", "time_format", "timezone", "author_is_public", "sheet", "delimiter"}


def sniff(head: str, path: Path) -> bool:
    return False  # never detected: a mapped table is chosen with --format generic --mapping FILE


class Mapping:
    """A checked mapping file: which header feeds which field, and how to read times."""

    def __init__(self, data: Any, where: str) -> None:
        unknown = sorted(set(data) - _OPTIONS) if isinstance(data, dict) else []
        if unknown:
            raise UsageError(f"{where}: unknown setting(s) {', '.join(unknown)}; use {', '.join(sorted(_OPTIONS))}.")
        if not isinstance(data, dict) or not isinstance(data.get("columns"), dict) or not data["columns"]:
            raise UsageError(f"{where} must hold a 'columns:' section mapping shailoo fields to your headers, "
                             f"for example:\n{EXAMPLE}")
        self.columns = {str(k): str(v) for k, v in data["columns"].items() if v is not None}
        bad = sorted(set(self.columns) - set(FIELDS))
        if bad:
            raise UsageError(f"{where}: {', '.join(bad)} is not a field shailoo knows; use: {', '.join(FIELDS)}.")
        for needed in ("platform_post_id", "created_at"):
            if needed not in self.columns:
                raise UsageError(f"{where}: 'columns:' must name the header of {needed}.")
        platform = data.get("platform")
        if isinstance(platform, dict) and platform.get("column"):
            self.columns["platform"] = str(platform["column"])
            platform = None
        self.platform = str(platform).strip().lower() if platform is not None else None
        if self.platform is None and "platform" not in self.columns:
            raise UsageError(f"{where}: say which platform the posts are from: 'platform: ok' "
                             f"(one of {', '.join(PLATFORMS)}) or 'platform: {{column: HEADER}}'.")
        if self.platform is not None and self.platform not in PLATFORMS:
            raise UsageError(f"{where}: platform '{self.platform}' is not one of {', '.join(PLATFORMS)}.")
        self.time_format = data.get("time_format")
        self.zone_given = bool(data.get("timezone"))
        self.missing: list[str] = []  # warnings for mapped columns the file lacks (set when its header is read)
        if self.time_format is not None and not isinstance(self.time_format, str):
            raise UsageError(f"{where}: time_format must be text in quotes, such as \"%d.%m.%Y %H:%M\".")
        try:
            self.zone = ZoneInfo(str(data.get("timezone") or "UTC"))
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(f"{where}: timezone '{data.get('timezone')}' is not an IANA zone name "
                             f"such as Asia/Bishkek.") from None
        self.author_is_public = bool(data.get("author_is_public", True))
        self.sheet = data.get("sheet")
        self.delimiter = data.get("delimiter")
        if self.delimiter is not None and len(str(self.delimiter).replace("\\t", "\t")) != 1:
            raise UsageError(f"{where}: delimiter must be one character, such as ';'.")


def load_mapping(options: dict) -> Mapping:
    path = options.get("mapping")
    if not path:
        raise UsageError("The generic format needs a column mapping: give --mapping FILE, a YAML file such as\n"
                         f"{EXAMPLE}")
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"There is no mapping file {path}.")
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path.name} is not a readable YAML file ({exc.__class__.__name__}); "
                         f"write it as UTF-8 YAML like:\n{EXAMPLE}") from None
    return Mapping(data, path.name)


def read(source: Source) -> Iterator[Record]:
    mapping = load_mapping(source.options)
    if not mapping.zone_given:  # times without a zone: the zone given at import, else the workspace's
        mapping.zone = assumed_zone(source.options)
    elif source.options.get("timezone_given"):
        source.warnings.add(f"--timezone {Warnings.quoted(source.options['timezone'])} was not used: the mapping "
                            f"says the file's times are in {Warnings.quoted(mapping.zone.key)}")
    posts = _Tally(source, mapping)
    reader = _read_xlsx if source.path.suffix.lower() in (".xlsx", ".xlsm") else _read_csv
    for record in reader(source, mapping):
        if type(record) is PostRecord:
            posts.count(record)
        yield record
    posts.report()


class _Tally:
    """Counts the posts read, and those whose time was taken in the assumed zone, for the warnings."""

    def __init__(self, source: Source, mapping: Mapping) -> None:
        self.source, self.mapping = source, mapping
        self.posts = self.assumed = 0

    def count(self, record: PostRecord) -> None:
        self.posts += 1
        if not self.mapping.zone_given and record.created_at.tzinfo is self.mapping.zone:
            self.assumed += 1

    def report(self) -> None:
        warnings = self.source.warnings
        if self.assumed:
            warnings.add(zone_assumed(self.mapping.zone), count=self.assumed)
        for template in self.mapping.missing if self.posts else ():
            warnings.add(template, count=self.posts)


def _read_csv(source: Source, mapping: Mapping) -> Iterator[Record]:
    given = str(mapping.delimiter).replace("\\t", "\t") if mapping.delimiter else None
    fh, delimiter = source.open_csv(given)
    with fh:
        csvfile = CsvReader(source, fh, delimiter)
        header = _header(source, mapping, csvfile.header() or [])
        index = {field: header.index(h) for field, h in mapping.columns.items() if h in header}
        width = len(header)
        plausible = plausible_row(width, [index["platform_post_id"]],
                                  index["created_at"] if mapping.time_format is None else None)
        for number, row in enumerate(csvfile.rows(width, plausible), start=1):
            if type(row) is not list:
                yield _error(number, row.reason, header, row.row, index, mapping, literal_cells(row.lines, delimiter))
            elif len(row) != width or not any(v.strip() for v in row):
                yield Skipped(number, "empty row")
            else:
                yield _record(number, row, header, index, mapping)


def _read_xlsx(source: Source, mapping: Mapping) -> Iterator[Record]:
    rows = _xlsx_rows(source, mapping)
    try:
        header = _header(source, mapping, next(rows, None) or [])
        index = {field: header.index(h) for field, h in mapping.columns.items() if h in header}
        width = len(header)
        for number, row in enumerate(rows, start=1):
            row = list(row)
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                yield Skipped(number, "empty row")
            elif any(v not in (None, "") for v in row[width:]):
                yield _error(number, f"has {len(row)} fields where the header has {width}", header, row, index,
                             mapping)
            else:
                # a sheet leaves out a row's empty cells at its end: they are empty, not missing
                yield _record(number, row + [None] * (width - len(row)), header, index, mapping)
    finally:
        rows.close()


def _header(source: Source, mapping: Mapping, cells) -> list[str]:
    header = [str(h).strip() if h is not None else "" for h in cells]
    if not any(header):
        raise WrongFormat(f"{source.path.name} is empty; expected a table with a header row.")
    needed = [mapping.columns[f] for f in ("platform_post_id", "created_at", "platform") if f in mapping.columns]
    missing = [h for h in dict.fromkeys(needed) if h not in header]
    if missing:
        raise WrongFormat(f"{source.path.name} has no column {', '.join(repr(h) for h in missing)} named in the "
                          f"mapping; its header is: {', '.join(header)}.")
    # Another mapped column the file lacks: its field is unknown (or empty) for this file, and said so.
    mapping.missing = []
    for field, h in mapping.columns.items():
        if h not in header:
            what = f"{field} are unknown" if field in _COUNTS else f"{field} is empty"
            mapping.missing.append(f"no '{Warnings.quoted(h)}' column: {what} for this file's {{n}} {{posts}}")
    refuse_duplicates(header, mapping.columns.values(), source.path.name, "a table")
    return header


def _raw(header: list[str], row: list) -> str:
    return json.dumps(dict(zip(header, row)) if len(row) <= len(header) else {"fields": row},
                      ensure_ascii=False, default=str)


def _record(number: int, row: list, header: list[str], index: dict[str, int], mapping: Mapping) -> Record:
    try:
        return _post({f: row[i] for f, i in index.items()}, mapping)
    except BadValue as exc:
        return _error(number, str(exc), header, row, index, mapping)


_PRIVATE_FIELDS = ("account_id", "account_handle", "account_name", "forwarded_from")


def _error(number: int, reason: str, header: list[str], row: list, index: dict[str, int], mapping: Mapping,
           more: list[list[str]] = ()) -> RowError:
    """A quarantined row; with private authors (author_is_public: false) it names their identifying
    values, also those of a broken row's cells read with its quotes taken literally (`more`)."""
    private: list[str] = []
    platform = mapping.platform or ""
    if not mapping.author_is_public:
        for cells in (row, *(c for c in more if len(c) == len(header))):
            for field in _PRIVATE_FIELDS:
                i = index.get(field)
                value = _text(cells[i]) if i is not None and i < len(cells) else None
                if value and value.strip():
                    private.append(value.strip())
            if not platform and "platform" in index and index["platform"] < len(cells):
                platform = (_text(cells[index["platform"]]) or "").strip().lower()
    return RowError(number, reason, _raw(header, row), private=tuple(dict.fromkeys(private)), platform=platform)


def _xlsx_rows(source: Source, mapping: Mapping) -> Iterator[tuple]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(source.path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException
        raise WrongFormat(f"{source.path.name} is not a readable XLSX workbook ({exc.__class__.__name__}); "
                          f"expected an Excel .xlsx file or a CSV.") from None
    try:
        if mapping.sheet is not None and str(mapping.sheet) not in book.sheetnames:
            raise WrongFormat(f"{source.path.name} has no sheet '{mapping.sheet}'; its sheets are: "
                              f"{', '.join(book.sheetnames)}.")
        sheet = book[str(mapping.sheet)] if mapping.sheet is not None else book.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
        source.bytes_read = source.size
    finally:
        book.close()


def _text(value: Any) -> str | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an id typed into a spreadsheet as a number
    return clean_text(value.strip() if isinstance(value, str) else value)


def _time(value: Any, mapping: Mapping, field: str) -> datetime:
    if isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=mapping.zone)
    elif isinstance(value, date):
        value = datetime(value.year, value.month, value.day, tzinfo=mapping.zone)
    elif mapping.time_format and not is_placeholder(value):
        text = str(value).strip()
        try:
            parsed = datetime.strptime(text, mapping.time_format)
        except ValueError:
            raise BadValue(f"{field} is '{text[:40]}', not a time in the format {mapping.time_format}") from None
        value = parsed if parsed.tzinfo else parsed.replace(tzinfo=mapping.zone)
    return parse_time(value, field, default_zone=mapping.zone)  # every time passes its bounds


def _post(values: dict[str, Any], mapping: Mapping) -> PostRecord:  # values: the mapped cells the file has
    post_id = _text(values["platform_post_id"])
    if not post_id:
        raise BadValue(f"no post id: {mapping.columns['platform_post_id']} is empty")
    platform = mapping.platform or (_text(values.get("platform")) or "").lower()
    if platform not in PLATFORMS:
        raise BadValue(f"platform is '{platform}', not one of {', '.join(PLATFORMS)}")
    record = PostRecord(platform=platform, platform_post_id=post_id,
                        created_at=_time(values["created_at"], mapping, mapping.columns["created_at"]),
                        author_is_public=mapping.author_is_public,
                        forwarded_from_is_public=mapping.author_is_public)
    for field, value in values.items():
        header = mapping.columns[field]
        if field in _COUNTS:
            setattr(record, field, parse_count(value, header))
        elif field in _TEXTS:
            setattr(record, field, _text(value))
        elif field == "measured_at" and not is_placeholder(value):
            record.measured_at = _time(value, mapping, header)
        elif field == "overperforming_score":
            record.overperforming_score = parse_score(value, header)
        elif field == "is_edited" and not is_placeholder(value):
            record.is_edited = str(value).strip().lower() in ("1", "true", "yes", "y", "да", "ооба", "ha", "иә")
    record.post_type = record.post_type or "post"
    return record

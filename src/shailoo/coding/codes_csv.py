"""`shailoo coding codes import FILE.csv`: coders' codes from a spreadsheet, every bad row quarantined.

Columns (names in any case, in any order, other columns ignored): coder, variable, value, and the
unit — url, or platform and post_id — plus actor for post_actor variables; coded_at is optional.
A multi-label act is one row per value (a row with an empty value: the coder chose none); the rows
of one coder, unit and variable (and coded_at) in one file form one act. Rows with distinct coded_at
are successive acts (the form `codes export --history` writes). An act equal to what is stored
already changes nothing, so importing a file twice adds no act.
"""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from shailoo.coding.codebook import Codebook, require_codebook
from shailoo.coding.codes import check_act, check_person, current_codes
from shailoo.coding.units import Actors, resolve_posts
from shailoo.errors import UsageError, WrongFormat, printable
from shailoo.importers.base import Source, cut_raw
from shailoo.importers.csvrows import (
    Broken,
    CsvReader,
    literal_cells,
    plausible_row,
    refuse_duplicates,
)
from shailoo.importers.parse import BadValue, parse_time
from shailoo.outputs import spreadsheet_text
from shailoo.store.loader import check_input_file, file_sha256

FORMAT = "codes"
COLUMNS = ("coder", "variable", "value", "url", "platform", "post_id", "actor", "coded_at")
MAX_CELL = 2_000
MAX_ROWS = 2_000_000


@dataclass
class _Row:
    n: int
    coder: str
    variable: str
    value: str
    url: str
    platform: str
    post_id: str
    actor: str
    coded_at: str
    raw: str


@dataclass
class _Act:
    coder: str
    post_id: int
    actor_id: int | None
    variable: str
    coded_at: datetime | None
    rows: list[int] = field(default_factory=list)
    values: set[str] = field(default_factory=set)
    conflict: bool = False
    calibration: bool = False  # the coder holds the post only through a calibration sample


@dataclass
class CodesImport:
    """What an import of codes did (the `imports` row, and the CLI's summary)."""

    import_id: int
    file_name: str
    dialect: str
    records: int = 0
    acts: int = 0           # coding acts stored
    rows: int = 0           # rows of those acts
    unchanged: int = 0      # acts equal to what was stored already
    quarantined: int = 0
    skipped: int = 0        # empty rows
    reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}


def _key(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower().replace(" ", "_")


def unescape(cell: str) -> str:
    """A cell as the user meant it: the apostrophe shailoo's CSV writer puts before formula-like text
    (outputs.spreadsheet_text) is taken off again, so `codes export` → `codes import` round-trips '-1'."""
    if cell.startswith("'") and spreadsheet_text(cell[1:]) == cell:
        return cell[1:]
    return cell


def _raw(cells: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(cells)
    return cut_raw(buf.getvalue())


def _read(path: Path, report: CodesImport, bad: list[tuple[int, str, str]]) -> list[_Row]:
    source = Source(path=path)
    fh, delimiter = source.open_csv()
    rows: list[_Row] = []
    with fh:
        reader = CsvReader(source, fh, delimiter)
        header = reader.header()
        report.dialect = source.dialect or ""
        if not header or not any(h.strip() for h in header):
            raise WrongFormat(f"{printable(path.name)} is empty; expected a CSV file with a header row "
                              "(coder, variable, value, and url or platform and post_id).")
        keys = [_key(h) for h in header]
        refuse_duplicates(header, COLUMNS, printable(path.name), "a codes file", key=_key)
        missing = [c for c in ("coder", "variable", "value") if c not in keys]
        if missing or not ("url" in keys or ("platform" in keys and "post_id" in keys)):
            need = ", ".join(missing) if missing else "url, or platform and post_id"
            raise WrongFormat(f"{printable(path.name)} lacks the column(s) {need}; a codes file has coder, "
                              "variable, value, the post (url, or platform and post_id) and, for post_actor "
                              f"variables, actor (its header: {printable(', '.join(h[:40] for h in header[:12]))}).")
        index = {c: keys.index(c) for c in COLUMNS if c in keys}
        width = len(header)
        plausible = plausible_row(width, [index["coder"], index["variable"]], None)
        for n, row in enumerate(reader.rows(width, plausible), start=1):
            report.records = n
            if n > MAX_ROWS:
                raise WrongFormat(f"{printable(path.name)} has more than {MAX_ROWS:,} rows; split it into smaller files.")
            if type(row) is not list:
                lines = literal_cells(row.lines, delimiter) if isinstance(row, Broken) else []
                bad.append((n, row.reason, _raw(row.row or [c for line in lines for c in line])))
                continue
            if not any(c.strip() for c in row):
                report.skipped += 1
                continue
            if any(len(c) > MAX_CELL for c in row):
                bad.append((n, f"a cell is longer than {MAX_CELL:,} characters", _raw(row)))
                continue
            cell = {c: unescape(row[i]).strip() for c, i in index.items()}
            rows.append(_Row(n, *(cell.get(c, "") for c in COLUMNS), raw=_raw(row)))
    return rows


def import_codes(con: duckdb.DuckDBPyConnection, path: Path, sample: str | None = None) -> CodesImport:
    """Import a codes CSV (see the module's docstring); return what was done. One transaction."""
    path = Path(path)
    check_input_file(path)
    book = require_codebook(con)
    if sample is not None and not con.execute("SELECT count(*) FROM samples WHERE name = ?", [sample]).fetchall()[0][0]:
        raise UsageError(f"There is no sample {printable(sample)!r}; `shailoo coding sample list` shows the samples.")
    started, t0 = datetime.now(UTC), time.perf_counter()
    import_id = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchall()[0][0]
    report = CodesImport(import_id, printable(path.name), "")
    bad: list[tuple[int, str, str]] = []
    rows = _read(path, report, bad)
    acts = _acts(con, book, rows, sample, bad)
    _mark_calibration(con, acts)
    new_acts = _new_acts(con, acts, report)
    con.execute("BEGIN TRANSACTION")
    try:
        _store(con, book, new_acts, started, report)
        report.quarantined = len(bad)
        for n, reason, _ in bad:
            report.reasons[reason.split(" (")[0]] = report.reasons.get(reason.split(" (")[0], 0) + 1
        if bad:
            con.executemany("INSERT INTO quarantine (import_id, file_name, record_number, reason, raw) VALUES (?, ?, ?, ?, ?)",
                            [[import_id, report.file_name, n, reason, raw] for n, reason, raw in sorted(bad)])
        con.execute("""INSERT INTO imports (import_id, format, file_name, file_path, sha256, started_at, duration_s,
                                            records, imported, updated, unchanged, quarantined, skipped, dialect)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)""",
                    [import_id, FORMAT, report.file_name, printable(path.resolve()), file_sha256(path), started,
                     round(time.perf_counter() - t0, 3), report.records, report.acts, report.unchanged,
                     report.quarantined, report.skipped, report.dialect])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return report


def _acts(con: duckdb.DuckDBPyConnection, book: Codebook, rows: list[_Row], sample: str | None,
          bad: list[tuple[int, str, str]]) -> list[_Act]:
    """The file's rows grouped into acts; every row that cannot be one is added to `bad`."""
    posts = resolve_posts(con, pa.table({
        "n": pa.array([r.n for r in rows], pa.int64()), "url": pa.array([r.url for r in rows], pa.string()),
        "platform": pa.array([r.platform for r in rows], pa.string()),
        "post_id": pa.array([r.post_id for r in rows], pa.string())}))
    in_sample = None
    if sample is not None:
        in_sample = {p for (p,) in con.execute("SELECT post_id FROM sample_posts WHERE sample = ?", [sample]).fetchall()}
    actors = Actors(con)
    acts: dict[tuple, _Act] = {}
    for r in rows:
        reason, act_key = _check_row(r, book, posts, in_sample, sample, actors)
        if reason:
            bad.append((r.n, reason, r.raw))
            continue
        coder, post_id, actor_id, variable, coded_at = act_key
        act = acts.setdefault(act_key, _Act(coder, post_id, actor_id, variable, coded_at))
        act.rows.append(r.n)
        if r.value:
            if not book.variable(variable).multiple and act.values and r.value not in act.values:
                act.conflict = True
            act.values.add(r.value)
    good = []
    by_row = {r.n: r for r in rows}
    for act in acts.values():
        if act.conflict:
            where = ", ".join(str(n) for n in act.rows[:10])
            for n in act.rows:
                reason = (f"coder '{act.coder}' gives '{act.variable}' of this unit more than one value in this "
                          f"file (rows {where}); '{act.variable}' takes one value: keep one row")
                bad.append((n, reason, by_row[n].raw))
        else:
            good.append(act)
    return good


def _check_row(r: _Row, book: Codebook, posts: dict, in_sample: set | None, sample: str | None,
               actors: Actors) -> tuple[str | None, tuple | None]:
    coder = check_person(r.coder)
    if coder is None:
        return ("the coder is empty" if not r.coder else "the coder's name is not 1 to 100 printable characters, not starting with = + - @"), None
    actor_id = None
    if r.actor:
        found = actors.find(r.actor)
        if isinstance(found, str):
            return found, None
        actor_id = found
    checked = check_act(book, r.variable, [r.value], actor_id)
    if isinstance(checked, str):
        if not r.value and "none was given" in checked:
            return f"no value for '{r.variable}' (it takes one value per unit)", None
        return checked, None
    if not r.url and not (r.platform and r.post_id):
        return "the post is not named: give url, or platform and post_id", None
    post = posts.get(r.n)
    if post is None:
        what = f"URL {r.url[:200]!r}" if r.url and not r.post_id else f"{r.platform or '?'} post id {r.post_id[:100]!r}"
        return f"unknown post: no post in the workspace has the {what}", None
    if isinstance(post, str):
        return post, None
    if in_sample is not None and post not in in_sample:
        return f"the post is not in the sample '{sample}'", None
    coded_at = None
    if r.coded_at:
        try:
            coded_at = parse_time(r.coded_at, "coded_at")
        except BadValue as exc:
            return str(exc), None
    return None, (coder, post, actor_id, checked[0].name, coded_at)


def _mark_calibration(con: duckdb.DuckDBPyConnection, acts: list[_Act]) -> None:
    """Acts on posts a coder holds only through a calibration sample are practice (origin 'calibration',
    as coding.codes.origin_for decides for one act)."""
    if not acts:
        return
    practice = {(c, p) for c, p in con.execute("""
        SELECT a.coder, a.post_id FROM assignments a JOIN samples s ON s.name = a.sample
        WHERE a.released_at IS NULL GROUP BY ALL
        HAVING bool_or(s.purpose = 'calibration') AND NOT bool_or(s.purpose <> 'calibration')""").fetchall()}
    for act in acts:
        act.calibration = (act.coder, act.post_id) in practice


def _new_acts(con: duckdb.DuckDBPyConnection, acts: list[_Act], report: CodesImport) -> list[_Act]:
    """The acts that change something: not stored already (same coded_at and values), and not equal to
    the coder's current code at that point (acts are taken in coded_at order, then file order)."""
    if not acts:
        return []
    current: dict[tuple, tuple[str, ...]] = {}
    for practice in (False, True):
        cur = current_codes(con, {a.variable for a in acts}, calibration=practice)
        for post_id, actor_id, variable, coder, value in zip(*(cur.column(c).to_pylist() for c in cur.column_names)):
            current.setdefault((coder, post_id, actor_id, variable, practice), ())
            if value is not None:
                current[(coder, post_id, actor_id, variable, practice)] += (value,)
    stored = set()
    timed = [a for a in acts if a.coded_at is not None]
    if timed:
        rows = con.execute("""
            SELECT coder, post_id, actor_id, variable, coded_at,
                   coalesce(list_sort(list(value) FILTER (WHERE value IS NOT NULL)), []) FROM codes
            GROUP BY act_id, coder, post_id, actor_id, variable, coded_at""").fetchall()
        stored = {(c, p, a, v, t, tuple(vals)) for c, p, a, v, t, vals in rows}
    far = datetime.max.replace(tzinfo=UTC)
    out = []
    for act in sorted(acts, key=lambda a: (a.coded_at or far, a.rows[0])):
        values = tuple(sorted(act.values))
        unit = (act.coder, act.post_id, act.actor_id, act.variable, act.calibration)
        if (act.coded_at is not None and (*unit[:4], act.coded_at, values) in stored) or \
                tuple(sorted(current.get(unit, ("\x00",)))) == values:
            report.unchanged += 1
            continue
        current[unit] = values
        out.append(act)
    return out


def _store(con: duckdb.DuckDBPyConnection, book: Codebook, acts: list[_Act], now: datetime,
           report: CodesImport) -> None:
    if not acts:
        return
    ids = [i for (i,) in con.execute("SELECT nextval('code_act_seq') FROM range(?)", [len(acts)]).fetchall()]
    cols: dict[str, list] = {k: [] for k in ("act_id", "post_id", "actor_id", "variable", "value", "coder", "coded_at",
                                             "origin")}
    for act_id, act in zip(ids, acts):
        var = book.variable(act.variable)
        for value in [c for c in var.codes() if c in act.values] or [None]:
            for k, v in zip(cols, (act_id, act.post_id, act.actor_id, act.variable, value, act.coder,
                                   act.coded_at or now, "calibration" if act.calibration else "import")):
                cols[k].append(v)
    table = pa.table({"act_id": pa.array(cols["act_id"], pa.int64()), "post_id": pa.array(cols["post_id"], pa.int64()),
                      "actor_id": pa.array(cols["actor_id"], pa.int32()), "variable": cols["variable"],
                      "value": pa.array(cols["value"], pa.string()), "coder": cols["coder"],
                      "coded_at": pa.array(cols["coded_at"], pa.timestamp("us", tz="UTC")), "origin": cols["origin"]})
    con.register("_new_codes", table)
    try:
        con.execute("""INSERT INTO codes SELECT act_id, post_id, actor_id, variable, value, coder, coded_at, ?, origin
                       FROM _new_codes""", [book.version])
        con.execute("""INSERT INTO mentions (post_id, actor_id, source, added_by, added_at)
                       SELECT post_id, actor_id, 'coder', min(coder), ? FROM _new_codes WHERE actor_id IS NOT NULL
                       GROUP BY post_id, actor_id ON CONFLICT DO NOTHING""", [now])
    finally:
        con.unregister("_new_codes")
    report.acts, report.rows = len(acts), table.num_rows

"""Per-coder codes and final codes.

Codes are coding acts (store/migrations/007_coding.sql): a coder's value(s) for one unit and one
variable at one time, never updated in place. A coder's current code is their latest act; the final
code of a unit is a reviewer's latest adjudication, else the value its coders agree on.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from shailoo.coding.codebook import (
    Codebook,
    Variable,
    current_codebook,
    require_codebook,
)
from shailoo.errors import CodingError
from shailoo.outputs import FORMULA_STARTS


def _in_list(column: str, values: Iterable[str] | None) -> tuple[str, list]:
    values = list(values or [])
    if not values:
        return "", []
    return f" AND {column} IN ({', '.join('?' for _ in values)})", values


def current_codes(con: duckdb.DuckDBPyConnection, variables: Iterable[str] | None = None,
                  sample: str | None = None, calibration: bool | None = None) -> pa.Table:
    """Each coder's latest act per unit and variable: columns post_id, actor_id, variable, coder, value.

    One row per value; a multi-label act that chose no value is one row with value NULL (the coder
    coded the unit and found none of the values). `sample` keeps the units of that sample's posts.
    Calibration acts (origin 'calibration': coders practising on units whose final codes are known)
    are kept apart: `calibration=True` reads only them, False only the others; None (default) reads
    the calibration acts for a calibration sample and the others otherwise.
    """
    if calibration is None:
        calibration = sample is not None and is_calibration(con, sample)
    where, params = _in_list("c.variable", variables)
    where += " AND c.origin " + ("=" if calibration else "<>") + " 'calibration'"
    if sample is not None:
        where += " AND c.post_id IN (SELECT post_id FROM sample_posts WHERE sample = ?)"
        params.append(sample)
    return con.sql(f"""
        WITH latest AS (
            SELECT post_id, actor_id, variable, coder, max(act_id) AS act_id
            FROM codes c WHERE true {where}
            GROUP BY ALL)
        SELECT c.post_id, c.actor_id, c.variable, c.coder, c.value
        FROM codes c JOIN latest l USING (act_id)
        ORDER BY c.variable, c.post_id, c.actor_id NULLS FIRST, c.coder, c.value
    """, params=params).to_arrow_table()


def final_codes(con: duckdb.DuckDBPyConnection, variables: Iterable[str] | None = None,
                sample: str | None = None) -> pa.Table:
    """The value the report uses per unit: columns post_id, actor_id, variable, value, basis, reviewer.

    basis: 'adjudicated' (a reviewer's latest decision), 'agreed' (two or more coders gave the same
    value set; for multi-label variables "none of the values" is a set too, so none against a value
    is a disagreement), 'single coder' (one coder coded the unit). Units whose coders disagree and that no
    reviewer decided are left out (see the disagreement list). Multi-label: one row per value.
    """
    cur = current_codes(con, variables, sample, calibration=False)  # practice never makes a final code
    con.register("_current_codes", cur)
    try:
        where, params = _in_list("variable", variables)
        return con.sql(f"""
            WITH sets AS (
                SELECT post_id, actor_id, variable, coder,
                       coalesce(list_sort(list(value) FILTER (WHERE value IS NOT NULL)), []) AS vals
                FROM _current_codes GROUP BY ALL),
            per_unit AS (
                SELECT post_id, actor_id, variable, count(*) AS coders, count(DISTINCT vals) AS versions,
                       any_value(vals) AS vals
                FROM sets GROUP BY ALL),
            latest_adj AS (
                SELECT post_id, actor_id, variable, max(act_id) AS act_id
                FROM adjudications WHERE true {where} GROUP BY ALL),
            adjudicated AS (
                SELECT a.post_id, a.actor_id, a.variable, a.value, 'adjudicated' AS basis, a.reviewer
                FROM adjudications a JOIN latest_adj USING (act_id)),
            agreed AS (
                SELECT p.post_id, p.actor_id, p.variable, unnest(p.vals) AS value,
                       CASE WHEN p.coders = 1 THEN 'single coder' ELSE 'agreed' END AS basis,
                       NULL::VARCHAR AS reviewer
                FROM per_unit p
                WHERE p.versions = 1 AND NOT EXISTS (
                    SELECT 1 FROM latest_adj l WHERE l.post_id = p.post_id AND l.variable = p.variable
                      AND l.actor_id IS NOT DISTINCT FROM p.actor_id))
            SELECT * FROM adjudicated WHERE value IS NOT NULL
            UNION ALL SELECT * FROM agreed
            ORDER BY variable, post_id, actor_id NULLS FIRST, value
        """, params=params).to_arrow_table()
    finally:
        con.unregister("_current_codes")


def is_calibration(con: duckdb.DuckDBPyConnection, sample: str) -> bool:
    """Whether `sample` was drawn for a calibration round."""
    row = con.execute("SELECT purpose FROM samples WHERE name = ?", [sample]).fetchall()
    return bool(row) and row[0][0] == "calibration"


def origin_for(con: duckdb.DuckDBPyConnection, post_id: int, coder: str, origin: str) -> str:
    """'calibration' for a coder's act on a post they hold only through a calibration sample, else
    `origin`: practice codes then never count as the coder's codes of the real coding."""
    if origin == "calibration":
        return origin
    rows = con.execute("""
        SELECT bool_or(s.purpose = 'calibration'), bool_or(s.purpose <> 'calibration')
        FROM assignments a JOIN samples s ON s.name = a.sample
        WHERE a.post_id = ? AND a.coder = ? AND a.released_at IS NULL""", [post_id, coder]).fetchall()
    held_for_practice, held_for_coding = rows[0] if rows else (None, None)
    return "calibration" if held_for_practice and not held_for_coding else origin


# -- recording acts and decisions -----------------------------------------------------------------

ORIGINS = ("import", "cli", "web", "calibration")
MAX_NAME = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_person(name: object, what: str = "coder") -> str | None:
    """A coder's or reviewer's name as stored, or None when unusable (empty, too long, control characters,
    or starting like a spreadsheet formula: a name is a team member's, never '=HYPERLINK(…)')."""
    if not isinstance(name, str):
        return None
    name = unicodedata.normalize("NFC", name).strip()
    if not name or len(name) > MAX_NAME or _CONTROL.search(name) or name[0] in FORMULA_STARTS:
        return None
    return name


def check_act(book: Codebook, variable: str, values: Iterable[str | None], actor_id: int | None) -> tuple[Variable, tuple[str, ...]] | str:
    """The variable and the act's value codes in codebook order, or the reason the act is not valid."""
    var = next((v for v in book.variables if v.name == variable), None)
    if var is None:
        return f"unknown variable {_q(variable)} (the codebook has {', '.join(v.name for v in book.variables)})"
    codes = var.codes()
    given = [v for v in values if v is not None and v != ""]
    unknown = [v for v in given if v not in codes]
    if unknown:
        return f"unknown value {_q(unknown[0])} of {_q(var.name)} (its values: {_list(codes)})"
    if var.unit == "post_actor" and actor_id is None:
        return f"{_q(var.name)} is coded per post and actor: give the actor"
    if var.unit == "post" and actor_id is not None:
        return f"{_q(var.name)} is coded per post: leave the actor empty"
    chosen = tuple(c for c in codes if c in set(given))
    if not var.multiple and len(chosen) != 1:
        return (f"{_q(var.name)} takes one value per unit, but " +
                ("none was given" if not chosen else f"{len(chosen)} were given ({_list(chosen)})"))
    return var, chosen


def _q(text: str) -> str:
    text = str(text)
    return "'" + (text if len(text) <= 60 else text[:57] + "…") + "'"


def _list(codes: Iterable[str], limit: int = 12) -> str:
    codes = list(codes)
    return ", ".join(codes[:limit]) + (f" … ({len(codes)} in all)" if len(codes) > limit else "")


def _unit_exists(con: duckdb.DuckDBPyConnection, post_id: int, actor_id: int | None) -> None:
    if not con.execute("SELECT count(*) FROM posts WHERE post_id = ?", [post_id]).fetchall()[0][0]:
        raise CodingError(f"There is no post {post_id} in the workspace.")
    if actor_id is not None and not con.execute("SELECT count(*) FROM actors WHERE actor_id = ?",
                                                [actor_id]).fetchall()[0][0]:
        raise CodingError(f"There is no actor {actor_id} in the workspace.")


def current_value_set(con: duckdb.DuckDBPyConnection, post_id: int, actor_id: int | None, variable: str,
                      coder: str, calibration: bool = False) -> tuple[int, tuple[str, ...]] | None:
    """A coder's current act on one unit and variable: (act_id, its values sorted), or None
    (their calibration acts with calibration=True, their other acts without)."""
    rows = con.execute(f"""
        SELECT act_id, coalesce(list_sort(list(value) FILTER (WHERE value IS NOT NULL)), []) FROM codes
        WHERE act_id = (SELECT max(act_id) FROM codes WHERE post_id = ? AND actor_id IS NOT DISTINCT FROM ?
                        AND variable = ? AND coder = ?
                        AND origin {'=' if calibration else '<>'} 'calibration')
        GROUP BY act_id""", [post_id, actor_id, variable, coder]).fetchall()
    return (rows[0][0], tuple(rows[0][1])) if rows else None


def _checked_act(con: duckdb.DuckDBPyConnection, post_id: int, actor_id: int | None, variable: str,
                 values: Iterable[str] | str | None,
                 book: Codebook | None = None) -> tuple[Codebook, Variable, tuple[str, ...]]:
    """The current codebook (`book` when the caller holds it), the variable and the chosen codes of one
    act on one unit, or CodingError."""
    book = book or require_codebook(con)
    values = [values] if isinstance(values, str) else list(values or [])
    checked = check_act(book, variable, values, actor_id)
    if isinstance(checked, str):
        raise CodingError(checked[0].upper() + checked[1:] + ".")
    _unit_exists(con, post_id, actor_id)
    return (book, *checked)


def record_code(con: duckdb.DuckDBPyConnection, post_id: int, actor_id: int | None, variable: str,
                values: Iterable[str] | str | None, coder: str, origin: str = "web",
                coded_at: datetime | None = None, book: Codebook | None = None) -> int:
    """Store a coder's value(s) for one unit and variable as a new coding act; return its act_id.

    `values`: a code, or the codes of a multi-label act (empty: the coder found none of them). An act
    equal to the coder's current code on the unit is not stored again (its act_id is returned). The
    act keeps the current codebook version. CodingError says what is wrong with anything else.
    `book`: the current codebook, when the caller already parsed it (a batch of acts parses it once).
    """
    if origin not in ORIGINS:
        raise CodingError(f"Origin must be one of {', '.join(ORIGINS)}, not {_q(origin)}.")
    name = check_person(coder)
    if name is None:
        raise CodingError("A coder's name must be 1 to 100 printable characters, not starting with = + - @.")
    book, var, chosen = _checked_act(con, post_id, actor_id, variable, values, book)
    origin = origin_for(con, post_id, name, origin)
    current = current_value_set(con, post_id, actor_id, variable, name, calibration=origin == "calibration")
    if current is not None and current[1] == tuple(sorted(chosen)):
        return current[0]
    act_id = con.execute("SELECT nextval('code_act_seq')").fetchall()[0][0]
    at = coded_at or datetime.now(UTC)
    rows = [[act_id, post_id, actor_id, var.name, v, name, at, book.version, origin] for v in (chosen or (None,))]
    con.executemany("INSERT INTO codes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    if actor_id is not None:
        add_mention(con, post_id, actor_id, name, at)
    return act_id


def add_mention(con: duckdb.DuckDBPyConnection, post_id: int, actor_id: int, coder: str, at: datetime) -> None:
    """A code on a (post, actor) pair makes it a unit: a mention shailoo did not find is added as the coder's."""
    con.execute("""INSERT INTO mentions (post_id, actor_id, source, added_by, added_at)
                   VALUES (?, ?, 'coder', ?, ?) ON CONFLICT DO NOTHING""", [post_id, actor_id, coder, at])


def adjudicate(con: duckdb.DuckDBPyConnection, post_id: int, actor_id: int | None, variable: str,
               values: Iterable[str] | str | None, reviewer: str, note: str | None = None) -> int:
    """Record a reviewer's final code for a unit (the latest decision per unit counts); return its act_id."""
    name = check_person(reviewer)
    if name is None:
        raise CodingError("A reviewer's name must be 1 to 100 printable characters, not starting with = + - @.")
    if note is not None and (len(note) > 2_000 or _CONTROL.sub("", note.replace("\n", " ")) != note.replace("\n", " ")):
        raise CodingError("A note must be at most 2,000 characters, without control characters.")
    book, var, chosen = _checked_act(con, post_id, actor_id, variable, values)
    act_id = con.execute("SELECT nextval('code_act_seq')").fetchall()[0][0]
    at = datetime.now(UTC)
    rows = [[act_id, post_id, actor_id, var.name, v, name, at, book.version, note or None] for v in (chosen or (None,))]
    con.executemany("INSERT INTO adjudications VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return act_id


# -- tables for people ----------------------------------------------------------------------------

_UNIT_COLUMNS = """p.platform, p.platform_post_id AS post_id, p.url, a.name AS actor"""


def codes_table(con: duckdb.DuckDBPyConnection, history: bool = False, variables: Iterable[str] | None = None,
                sample: str | None = None) -> pa.Table:
    """Codes in the form `shailoo coding codes import` reads: coder, variable, value, platform, post_id,
    url, actor, coded_at (+ codebook_version, origin); each coder's current codes, or every act."""
    where, params = _in_list("c.variable", variables)
    if sample is not None:
        where += " AND c.post_id IN (SELECT post_id FROM sample_posts WHERE sample = ?)"
        params.append(sample)
    latest = "" if history else """AND c.act_id IN (SELECT max(act_id) FROM codes
                                                    GROUP BY post_id, actor_id, variable, coder)"""
    return con.sql(f"""
        SELECT c.coder, c.variable, c.value, {_UNIT_COLUMNS}, c.coded_at, c.codebook_version, c.origin
        FROM codes c JOIN posts p USING (post_id) LEFT JOIN actors a ON a.actor_id = c.actor_id
        WHERE true {where} {latest}
        ORDER BY c.variable, p.platform, p.platform_post_id, a.name NULLS FIRST, c.coder, c.act_id, c.value
    """, params=params).to_arrow_table()


def final_table(con: duckdb.DuckDBPyConnection, variables: Iterable[str] | None = None,
                sample: str | None = None) -> pa.Table:
    """Final codes with their unit spelt out: platform, post_id, url, actor, variable, value, label, basis, reviewer."""
    final = final_codes(con, variables, sample)
    book = current_codebook(con)
    labels = [(v.name, x.code, x.label) for v in (book.variables if book else ()) for x in v.values]
    con.register("_final", final)
    con.register("_labels", pa.table({"variable": [r[0] for r in labels], "value": [r[1] for r in labels],
                                      "label": [r[2] for r in labels]}, schema=pa.schema(
        [("variable", pa.string()), ("value", pa.string()), ("label", pa.string())])))
    try:
        return con.sql(f"""
            SELECT {_UNIT_COLUMNS}, f.variable, f.value, l.label, f.basis, f.reviewer
            FROM _final f JOIN posts p USING (post_id) LEFT JOIN actors a ON a.actor_id = f.actor_id
            LEFT JOIN _labels l ON l.variable = f.variable AND l.value = f.value
            ORDER BY f.variable, p.platform, p.platform_post_id, a.name NULLS FIRST, f.value
        """).to_arrow_table()
    finally:
        con.unregister("_final")
        con.unregister("_labels")

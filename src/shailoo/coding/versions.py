"""What a new codebook version changes, and the changes refused because they would orphan codes.

Codes keep the version they were made under, so a change never rewrites a stored code; but a coder's
current code (or a reviewer's decision) whose variable or value disappears would no longer mean
anything in the current codebook, so such a change is refused until those codes are recoded.
"""

from __future__ import annotations

import duckdb

from shailoo.coding.codebook import Codebook, Value, Variable
from shailoo.errors import CodebookError


def _q(text: str) -> str:
    return "'" + (text if len(text) <= 60 else text[:57] + "…") + "'"


def describe_changes(old: Codebook, new: Codebook) -> tuple[str, ...]:
    """One sentence per change from `old` to `new` (variables and values added, removed, relabelled…)."""
    out: list[str] = []
    if old.title != new.title:
        out.append(f"Title changed from {_q(old.title)} to {_q(new.title)}.")
    before = {v.name: v for v in old.variables}
    after = {v.name: v for v in new.variables}
    for name in before:
        if name not in after:
            out.append(f"Variable {_q(name)} removed.")
    for name, var in after.items():
        if name not in before:
            out.append(f"Variable {_q(name)} added ({var.level}, unit {var.unit}, {len(var.values)} values).")
        else:
            out.extend(_variable_changes(before[name], var))
    if [n for n in before if n in after] != [n for n in after if n in before]:
        out.append("Variables reordered.")
    return tuple(out) or ("Nothing that codes depend on changed.",)


def _variable_changes(a: Variable, b: Variable) -> list[str]:
    v = _q(a.name)
    out = []
    for attr, what in (("label", "label"), ("unit", "unit"), ("level", "level"), ("multiple", "'multiple'"),
                       ("definition", "definition")):
        x, y = getattr(a, attr), getattr(b, attr)
        if x != y:
            out.append(f"Variable {v}: {what} changed from {_q(str(x))} to {_q(str(y))}.")
    if a.labels != b.labels:
        out.append(f"Variable {v}: translated labels changed.")
    before = {x.code: x for x in a.values}
    after = {x.code: x for x in b.values}
    for code, value in before.items():
        if code not in after:
            out.append(f"Variable {v}: value {_q(code)} ({value.label}) removed.")
    for code, value in after.items():
        if code not in before:
            out.append(f"Variable {v}: value {_q(code)} ({value.label}) added.")
        else:
            out.extend(_value_changes(v, before[code], value))
    if [c for c in before if c in after] != [c for c in after if c in before]:
        out.append(f"Variable {v}: values reordered" + (" (the order of its ordinal scale)." if b.level == "ordinal" else "."))
    return out


def _value_changes(v: str, a: Value, b: Value) -> list[str]:
    c = _q(a.code)
    out = []
    if a.label != b.label:
        out.append(f"Variable {v}: value {c} relabelled from {_q(a.label)} to {_q(b.label)}.")
    for attr in ("kind", "reliability", "definition"):
        if getattr(a, attr) != getattr(b, attr):
            out.append(f"Variable {v}: value {c}'s {attr} changed from {_q(getattr(a, attr))} to {_q(getattr(b, attr))}.")
    if a.examples != b.examples:
        out.append(f"Variable {v}: value {c}'s examples changed.")
    if a.labels != b.labels:
        out.append(f"Variable {v}: value {c}'s translated labels changed.")
    return out


def codes_in_use(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str | None, str], int]:
    """Units whose current code or latest decision uses each (variable, value, kind): {(...): units}.

    kind is 'codes' (coders' current codes) or 'decisions' (reviewers' latest adjudications).
    """
    rows = con.execute("""
        WITH latest AS (SELECT max(act_id) AS act_id FROM codes GROUP BY post_id, actor_id, variable, coder),
        adj AS (SELECT max(act_id) AS act_id FROM adjudications GROUP BY post_id, actor_id, variable)
        SELECT variable, value, 'codes', count(DISTINCT (post_id, actor_id))
        FROM codes WHERE act_id IN (SELECT act_id FROM latest) GROUP BY ALL
        UNION ALL
        SELECT variable, value, 'decisions', count(DISTINCT (post_id, actor_id))
        FROM adjudications WHERE act_id IN (SELECT act_id FROM adj) GROUP BY ALL
    """).fetchall()
    return {(var, val, kind): n for var, val, kind, n in rows}


def multi_value_units(con: duckdb.DuckDBPyConnection, variable: str) -> int:
    """Units where a coder's current act holds several values (they forbid `multiple: false`)."""
    return con.execute("""
        WITH latest AS (SELECT max(act_id) AS act_id FROM codes WHERE variable = ?
                        GROUP BY post_id, actor_id, coder)
        SELECT count(*) FROM (SELECT act_id FROM codes WHERE act_id IN (SELECT act_id FROM latest)
                              GROUP BY act_id HAVING count(*) > 1)
    """, [variable]).fetchall()[0][0]


def refuse_orphans(con: duckdb.DuckDBPyConnection, old: Codebook, new: Codebook) -> None:
    """CodebookError naming every current code the change from `old` to `new` would leave without meaning."""
    used = codes_in_use(con)
    if not used:
        return
    after = {v.name: v for v in new.variables}
    before = {v.name: v for v in old.variables}
    problems = []
    for (var, val, kind), n in sorted(used.items(), key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2])):
        who = "coders' current codes" if kind == "codes" else "reviewers' decisions"
        units = f"{n:,} unit{'' if n == 1 else 's'}"
        if var not in after:
            problems.append(f"variable {_q(var)} is removed but {who} use it"
                            + (f" (value {_q(val)})" if val is not None else "") + f" on {units}")
        elif val is not None and val not in after[var].codes():
            problems.append(f"value {_q(val)} of {_q(var)} is removed but {who} use it on {units}")
    for name, var in after.items():
        old_var = before.get(name)
        if old_var is None or not any(k[0] == name for k in used):
            continue
        if old_var.unit != var.unit:
            problems.append(f"the unit of {_q(name)} changes from {old_var.unit} to {var.unit} but units are coded on it")
        if old_var.multiple and not var.multiple and (n := multi_value_units(con, name)):
            problems.append(f"{_q(name)} becomes single-valued but {n:,} current codes hold several values")
    if problems:
        shown = "; ".join(problems[:10]) + (f"; and {len(problems) - 10:,} more" if len(problems) > 10 else "")
        raise CodebookError("This codebook change would orphan codes already stored: " + shown
                            + ". Recode those units (or keep the variable/value, e.g. relabelled), then import again; "
                            "nothing was changed.")

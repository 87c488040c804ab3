"""Where coders disagree: the disagreement list of a variable and the confusion table of two coders.

Both read every coder's current codes (coding.codes.current_codes). Unlike alpha, they show the codes
the codebook declares missing (not applicable, can't tell) as what they are: a coder who said "can't
tell" where another said "negative" disagrees, and a reviewer may want to see it.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from shailoo.coding.codebook import Codebook, Variable
from shailoo.coding.reliability import _check_sample
from shailoo.errors import CodingError, UsageError

NONE = "(none)"  # a multi-label act that chose no value


def _codes(con: duckdb.DuckDBPyConnection, variable: Variable, sample: str | None) -> pa.Table:
    from shailoo.coding.codes import current_codes

    _check_sample(con, sample)
    cur = current_codes(con, [variable.name], sample)
    if cur.num_rows == 0:
        where = f" in sample '{sample}'" if sample else ""
        raise CodingError(f"There are no codes for '{variable.name}'{where} yet; import coders' codes with "
                          "shailoo coding codes import FILE.csv.")
    return cur


def disagreements(con: duckdb.DuckDBPyConnection, codebook: Codebook, variable: str,
                  sample: str | None = None) -> pa.Table:
    """Units two or more coders coded differently: post_id, actor_id, actor, platform, url, coders, codes.

    `codes` says what each coder said ("anna: -1; bob: 1"; a multi-label set as "3+7", no value as
    "(none)"). Different value sets count as a disagreement, the codebook's missing codes included.
    """
    var = codebook.variable(variable)
    con.register("_dis_codes", _codes(con, var, sample))
    try:
        return con.sql(f"""
            WITH sets AS (
                SELECT post_id, actor_id, coder,
                       string_agg(coalesce(value, '{NONE}'), '+' ORDER BY value NULLS FIRST) AS vals
                FROM _dis_codes GROUP BY ALL),
            units AS (
                SELECT post_id, actor_id, count(*) AS coders,
                       string_agg(coder || ': ' || vals, '; ' ORDER BY coder) AS codes
                FROM sets GROUP BY ALL
                HAVING count(*) >= 2 AND count(DISTINCT vals) > 1)
            SELECT ? AS variable, u.post_id, u.actor_id, a.name AS actor, p.platform, p.url, u.coders, u.codes
            FROM units u LEFT JOIN posts p USING (post_id) LEFT JOIN actors a ON a.actor_id = u.actor_id
            ORDER BY u.post_id, u.actor_id NULLS FIRST""", params=[var.name]).to_arrow_table()
    finally:
        con.unregister("_dis_codes")


def _two_coders(coders: str | tuple[str, str] | list[str]) -> tuple[str, str]:
    names = [c.strip() for c in coders.split(",")] if isinstance(coders, str) else [c.strip() for c in coders]
    names = [c for c in names if c]
    if len(names) != 2 or names[0] == names[1]:
        raise UsageError("--coders takes two different coders separated by a comma, such as --coders anna,bob.")
    return names[0], names[1]


def confusion(con: duckdb.DuckDBPyConnection, codebook: Codebook, variable: str,
              coders: str | tuple[str, str], sample: str | None = None) -> pa.Table:
    """How two coders' codes meet on the units both coded.

    Single-valued variables: one row per value of the first coder (the codebook's values in order,
    its missing codes included), one count column per value of the second, and `total`. Multi-label
    variables: one row per value with the units where both, only one or neither chose it.
    """
    var = codebook.variable(variable)
    a, b = _two_coders(coders)
    cur = _codes(con, var, sample)
    present = set(cur["coder"].to_pylist())
    for name in (a, b):
        if name not in present:
            raise CodingError(f"Coder '{name}' has no codes for '{var.name}'; its coders are "
                              f"{', '.join(sorted(present))}.")
    con.register("_conf_codes", cur)
    try:
        both = con.sql("""
            WITH both_units AS (
                SELECT post_id, actor_id FROM _conf_codes WHERE coder IN (?, ?)
                GROUP BY ALL HAVING count(DISTINCT coder) = 2)
            SELECT c.post_id, c.actor_id, c.coder, c.value
            FROM _conf_codes c JOIN both_units u ON c.post_id = u.post_id AND c.actor_id IS NOT DISTINCT FROM u.actor_id
            WHERE c.coder IN (?, ?)""", params=[a, b, a, b]).to_arrow_table()
    finally:
        con.unregister("_conf_codes")
    if both.num_rows == 0:
        raise CodingError(f"{a} and {b} coded no unit of '{var.name}' in common.")
    con.register("_conf_both", both)
    try:
        return _multi(con, var, a, b) if var.multiple else _single(con, var, a, b)
    finally:
        con.unregister("_conf_both")


def _single(con: duckdb.DuckDBPyConnection, var: Variable, a: str, b: str) -> pa.Table:
    codes = list(var.codes())
    pairs = con.sql("""
        SELECT x.value AS va, y.value AS vb, count(*) AS n
        FROM (SELECT * FROM _conf_both WHERE coder = ?) x
        JOIN (SELECT * FROM _conf_both WHERE coder = ?) y
          ON x.post_id = y.post_id AND x.actor_id IS NOT DISTINCT FROM y.actor_id
        GROUP BY ALL""", params=[a, b]).fetchall()
    extra = sorted({v for p in pairs for v in p[:2] if v is not None and v not in codes})
    order = codes + extra + ([None] if any(v is None for p in pairs for v in p[:2]) else [])
    cell = {(va, vb): n for va, vb, n in pairs}
    head = f"{a} \\ {b}"
    cols: dict[str, list] = {head: [NONE if v is None else v for v in order]}
    labels = {v.code: v.label for v in var.values}
    cols["label"] = [labels.get(v, "") if v is not None else "" for v in order]
    for vb in order:
        cols[NONE if vb is None else vb] = [cell.get((va, vb), 0) for va in order]
    cols["total"] = [sum(cell.get((va, vb), 0) for vb in order) for va in order]
    return pa.table(cols)


def _multi(con: duckdb.DuckDBPyConnection, var: Variable, a: str, b: str) -> pa.Table:
    rows = con.sql("""
        WITH units AS (SELECT DISTINCT post_id, actor_id FROM _conf_both),
        vals AS (SELECT unnest(?::VARCHAR[]) AS value),
        grid AS (SELECT * FROM units, vals),
        has AS (SELECT post_id, actor_id, value, bool_or(coder = ?) AS in_a, bool_or(coder = ?) AS in_b
                FROM _conf_both WHERE value IS NOT NULL GROUP BY ALL)
        SELECT g.value,
               count(*) FILTER (WHERE coalesce(h.in_a, false) AND coalesce(h.in_b, false)) AS both_coders,
               count(*) FILTER (WHERE coalesce(h.in_a, false) AND NOT coalesce(h.in_b, false)) AS only_a,
               count(*) FILTER (WHERE NOT coalesce(h.in_a, false) AND coalesce(h.in_b, false)) AS only_b,
               count(*) FILTER (WHERE NOT coalesce(h.in_a, false) AND NOT coalesce(h.in_b, false)) AS neither
        FROM grid g LEFT JOIN has h ON g.post_id = h.post_id AND g.actor_id IS NOT DISTINCT FROM h.actor_id
                                    AND g.value = h.value
        GROUP BY g.value""", params=[list(var.codes()), a, b]).fetchall()
    found = {r[0]: r[1:] for r in rows}
    labels = {v.code: v.label for v in var.values}
    codes = list(var.codes())
    return pa.table({
        "value": codes, "label": [labels[c] for c in codes],
        "both": [found.get(c, (0, 0, 0, 0))[0] for c in codes],
        f"only {a}": [found.get(c, (0, 0, 0, 0))[1] for c in codes],
        f"only {b}": [found.get(c, (0, 0, 0, 0))[2] for c in codes],
        "neither": [found.get(c, (0, 0, 0, 0))[3] for c in codes]})

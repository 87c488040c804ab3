"""Per-coder codes and final codes.

Codes are coding acts (store/migrations/007_coding.sql): a coder's value(s) for one unit and one
variable at one time, never updated in place. A coder's current code is their latest act; the final
code of a unit is a reviewer's latest adjudication, else the value its coders agree on.
"""

from __future__ import annotations

from typing import Iterable

import duckdb
import pyarrow as pa


def _in_list(column: str, values: Iterable[str] | None) -> tuple[str, list]:
    values = list(values or [])
    if not values:
        return "", []
    return f" AND {column} IN ({', '.join('?' for _ in values)})", values


def current_codes(con: duckdb.DuckDBPyConnection, variables: Iterable[str] | None = None,
                  sample: str | None = None) -> pa.Table:
    """Each coder's latest act per unit and variable: columns post_id, actor_id, variable, coder, value.

    One row per value; a multi-label act that chose no value is one row with value NULL (the coder
    coded the unit and found none of the values). `sample` keeps the units of that sample's posts.
    """
    where, params = _in_list("c.variable", variables)
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
    value set), 'single coder' (one coder coded the unit). Units whose coders disagree and that no
    reviewer decided are left out (see the disagreement list). Multi-label: one row per value.
    """
    cur = current_codes(con, variables, sample)
    con.register("_current_codes", cur)
    try:
        where, params = _in_list("variable", variables)
        return con.sql(f"""
            WITH sets AS (
                SELECT post_id, actor_id, variable, coder,
                       list_sort(list(value) FILTER (WHERE value IS NOT NULL)) AS vals
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

"""Assignments: which coder codes which posts of a sample (every variable of the post and of its
mentions), with a reliability overlap; release of idle coders' posts; progress per coder and sample.

How posts are dealt (`assign`), all in SQL over the sample's new posts:
- The posts not yet assigned are put in one order: by stratum, then a seeded hash of the post id
  (DuckDB's hash(seed, post_id): fast; assignments are stored, so a newer DuckDB hashing otherwise
  never moves them — only posts assigned after an upgrade would be dealt in another order). Walking that order systematically picks the overlap posts
  (exactly the number that brings the sample's overlap share to `overlap`), so the overlap is spread
  evenly over the strata, as in a systematic sample of a sorted list.
- Overlap posts go to groups of `overlap_coders` coders: every group of coders gets as many posts as
  the others (±1, counting the groups' earlier posts), so each coder pair shares a similar number of
  units; the other posts go one to a coder, filling the coders with the fewest posts first. Each
  group's or coder's posts are spaced evenly along the order, so every coder gets every stratum.
- Posts already assigned never move; a rerun deals only the sample's new posts (and, with
  `reassign_released`, the posts whose coder was released, to coders who never had them).
The default seed is the sample's, so the same call on the same sample gives the same assignments.
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta, timezone

import pyarrow as pa
import pyarrow.compute as pc

from shailoo.coding.samples import load_rule, query_table
from shailoo.errors import UsageError

MAX_CODERS = 100
MAX_GROUPS = 10_000


def check_coders(coders: list[str] | str) -> list[str]:
    """Coder names from a list or a comma-separated string: distinct, 1 to 100 printable characters."""
    if isinstance(coders, str):
        coders = coders.split(",")
    names = [c.strip() for c in coders if c and c.strip()]
    bad = [c for c in names if len(c) > 100 or re.search(r"[\x00-\x1f\x7f]", c)]
    if bad or not names:
        raise UsageError("--coders takes coder names separated by commas (each 1 to 100 printable characters), "
                         "e.g. --coders aida,bakyt,cholpon.")
    dup = sorted({c for c in names if names.count(c) > 1})
    if dup:
        raise UsageError(f"--coders names {dup[0]} twice.")
    if len(names) > MAX_CODERS:
        raise UsageError(f"--coders takes at most {MAX_CODERS} coders.")
    return names


def water_fill(loads: list[int], total: int, rotate: int = 0) -> list[int]:
    """How many of `total` new items each of the holders with `loads` gets, so that the largest load is
    as small as possible; the ones left over when loads tie go in an order rotated by `rotate`."""
    k = len(loads)
    if not k or total <= 0:
        return [0] * k
    lo, hi = min(loads), max(loads) + total
    while lo < hi:  # the lowest level L with sum(max(0, L - load)) >= total
        mid = (lo + hi) // 2
        if sum(max(0, mid - x) for x in loads) >= total:
            hi = mid
        else:
            lo = mid + 1
    quota = [max(0, lo - 1 - x) for x in loads]
    rest = total - sum(quota)
    at_level = [i for i in range(k) if loads[i] + quota[i] == lo - 1]
    at_level = at_level[rotate % len(at_level):] + at_level[:rotate % len(at_level)] if at_level else at_level
    for i in at_level[:rest]:
        quota[i] += 1
    return quota


def _seed(con, sample: str, seed: int | None) -> int:
    rule = load_rule(con, sample)
    if seed is None:
        return int(rule.seed or 0)
    if not 0 <= seed < 2**63:
        raise UsageError(f"--seed must be between 0 and 2**63, not {seed}.")
    return seed


def assign(con, sample: str, coders: list[str] | str, overlap: float = 0.2, overlap_coders: int = 2,
           seed: int | None = None, reassign_released: bool = False, now: datetime | None = None) -> dict:
    """Assign the sample's unassigned posts to coders (see the module's docstring); return a summary and
    `per_coder` (coder, posts, overlap_posts, added)."""
    coders = check_coders(coders)
    if not 0 <= overlap <= 1:
        raise UsageError(f"--overlap is a share between 0 and 1 (0.2 for 20 %), not {overlap}.")
    if overlap > 0 and not 2 <= overlap_coders <= len(coders):
        raise UsageError(f"The overlap needs {overlap_coders} coders per post but --coders names {len(coders)}; "
                         "give at least two coders, or --overlap 0.")
    seed = _seed(con, sample, seed)
    now = now or datetime.now(timezone.utc)
    groups = list(itertools.islice(itertools.combinations(coders, overlap_coders), MAX_GROUPS + 1)) if overlap else []
    if len(groups) > MAX_GROUPS:
        raise UsageError(f"{len(coders)} coders in groups of {overlap_coders} make more than {MAX_GROUPS:,} groups; "
                         "use fewer overlap coders.")
    con.execute("BEGIN TRANSACTION")
    try:
        added, new_overlap = _assign_new(con, sample, coders, groups, overlap, seed, now)
        reassigned, unfilled = _reassign(con, sample, coders, overlap_coders, seed, now) if reassign_released else (0, 0)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.execute("DROP TABLE IF EXISTS _anew")
    per_coder = query_table(con, """
        SELECT coder, count(*) FILTER (WHERE released_at IS NULL)::BIGINT AS posts,
               count(*) FILTER (WHERE released_at IS NULL AND overlap)::BIGINT AS overlap_posts,
               count(*) FILTER (WHERE assigned_at = ?)::BIGINT AS added
        FROM assignments WHERE sample = ? AND list_contains(?, coder) GROUP BY coder
        ORDER BY list_position(?, coder)""", [now, sample, coders, coders])
    released_left = 0
    if con.execute("SELECT count(*) FROM assignments WHERE sample = ? AND released_at IS NOT NULL",
                   [sample]).fetchall()[0][0]:
        released_left = con.execute("""SELECT count(*) FROM (SELECT post_id FROM assignments WHERE sample = ?
            GROUP BY post_id HAVING bool_and(released_at IS NOT NULL))""", [sample]).fetchall()[0][0]
    return {"sample": sample, "seed": seed, "new_posts": added, "new_overlap_posts": new_overlap,
            "reassigned": reassigned, "unfilled": unfilled, "released_unassigned": released_left,
            "per_coder": per_coder}


def _assign_new(con, sample: str, coders: list[str], groups: list[tuple[str, ...]], overlap: float, seed: int,
                now: datetime) -> tuple[int, int]:
    before, before_overlap = con.execute("""SELECT count(DISTINCT post_id), count(DISTINCT post_id) FILTER (WHERE overlap)
        FROM assignments WHERE sample = ?""", [sample]).fetchall()[0]
    n = con.execute("""SELECT count(*) FROM sample_posts WHERE sample = ?
                       AND post_id NOT IN (SELECT post_id FROM assignments WHERE sample = ?)""",
                    [sample, sample]).fetchall()[0][0]
    if not n:
        return 0, 0
    target = round(overlap * (before + n)) if groups else 0
    n_overlap = min(max(target - before_overlap, 0), n)
    offset = seed % n  # systematic selection: post g is in the overlap when the running count steps up
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _anew AS
        SELECT post_id, g, ((g + 1) * {n_overlap} + {offset}) // {n} > (g * {n_overlap} + {offset}) // {n} AS overlap
        FROM (SELECT post_id, row_number() OVER (ORDER BY stratum NULLS FIRST, hash(?, post_id), post_id) - 1 AS g
              FROM sample_posts WHERE sample = ? AND post_id NOT IN (SELECT post_id FROM assignments WHERE sample = ?))""",
                [seed, sample, sample])
    # overlap groups: as many posts each as the others, counting the groups' earlier posts
    existing = {tuple(cs): k for cs, k in con.execute("""SELECT cs, count(*) FROM (
            SELECT post_id, list_sort(list(coder)) AS cs FROM assignments WHERE sample = ? AND overlap
            AND released_at IS NULL GROUP BY post_id) GROUP BY cs""", [sample]).fetchall()}
    group_quota = water_fill([existing.get(tuple(sorted(g)), 0) for g in groups], n_overlap, seed)
    loads = dict(con.execute("""SELECT coder, count(*) FROM assignments WHERE sample = ? AND released_at IS NULL
                                GROUP BY coder""", [sample]).fetchall())
    for group, q in zip(groups, group_quota):
        for c in group:
            loads[c] = loads.get(c, 0) + q
    coder_quota = water_fill([loads.get(c, 0) for c in coders], n - n_overlap, seed)
    holders = [(True, list(g), q) for g, q in zip(groups, group_quota)] + \
        [(False, [c], q) for c, q in zip(coders, coder_quota)]
    _deal(con, holders, seed, sample, now)
    return n, n_overlap


def _deal(con, holders: list[tuple[bool, list[str], int]], seed: int, sample: str, now: datetime) -> None:
    """Give the new posts, in their order, to holders (overlap: coder groups; others: single coders):
    each holder's quota of posts of its kind spaced evenly along the order."""
    k = len(holders)
    con.register("_aholders", pa.table({"h": pa.array(range(k), pa.int64()),
                                        "overlap": pa.array([h[0] for h in holders], pa.bool_()),
                                        "coders": pa.array([h[1] for h in holders], pa.list_(pa.string())),
                                        "quota": pa.array([h[2] for h in holders], pa.int64())}))
    try:
        con.execute(f"""INSERT INTO assignments (sample, post_id, coder, overlap, assigned_at, released_at)
            WITH posts AS (SELECT post_id, overlap, row_number() OVER (PARTITION BY overlap ORDER BY g) - 1 AS slot
                           FROM _anew),
            slots AS (SELECT overlap, coders, row_number() OVER (
                          PARTITION BY overlap ORDER BY (2 * j + 1)::DOUBLE / (2 * quota), (h + {seed % k}) % {k}) - 1 AS slot
                      FROM (SELECT h, overlap, coders, quota, unnest(range(quota)) AS j FROM _aholders WHERE quota > 0))
            SELECT ?, post_id, coder, overlap, ?, NULL FROM (
                SELECT p.post_id, p.overlap, unnest(s.coders) AS coder FROM posts p JOIN slots s USING (overlap, slot))
            ORDER BY post_id, coder""", [sample, now])
    finally:
        con.unregister("_aholders")


def _reassign(con, sample: str, coders: list[str], overlap_coders: int, seed: int, now: datetime) -> tuple[int, int]:
    """Give the posts whose coder was released to coders who never had them, the least loaded first."""
    con.register("_acoders", pa.table({"coder": coders}))
    try:
        rows = con.execute(f"""
            WITH needy AS (
                SELECT post_id, bool_or(overlap) AS overlap, list(coder) AS had,
                       (CASE WHEN bool_or(overlap) THEN {int(overlap_coders)} ELSE 1 END)
                         - count(*) FILTER (WHERE released_at IS NULL) AS missing
                FROM assignments WHERE sample = ? GROUP BY post_id
                HAVING count(*) FILTER (WHERE released_at IS NOT NULL) > 0 AND missing > 0),
            ranked AS (SELECT post_id, overlap, had, missing,
                              row_number() OVER (ORDER BY hash(?, post_id), post_id) AS i
                       FROM needy),
            loads AS (SELECT c.coder, row_number() OVER (ORDER BY count(a.post_id), c.coder) - 1 AS r
                      FROM _acoders c LEFT JOIN assignments a ON a.coder = c.coder AND a.sample = ?
                                                              AND a.released_at IS NULL
                      GROUP BY c.coder),
            picks AS (SELECT n.post_id, n.overlap, l.coder, n.missing,
                             row_number() OVER (PARTITION BY n.post_id ORDER BY (l.r + n.i) % {len(coders)}) AS k
                      FROM ranked n JOIN loads l ON NOT list_contains(n.had, l.coder))
            INSERT INTO assignments (sample, post_id, coder, overlap, assigned_at, released_at)
            SELECT ?, post_id, coder, overlap, ?, NULL FROM picks WHERE k <= missing RETURNING post_id""",
                           [sample, seed, sample, sample, now]).fetchall()
    finally:
        con.unregister("_acoders")
    unfilled = con.execute(f"""SELECT count(*) FROM (
        SELECT post_id FROM assignments WHERE sample = ? GROUP BY post_id
        HAVING count(*) FILTER (WHERE released_at IS NOT NULL) > 0
           AND count(*) FILTER (WHERE released_at IS NULL) < CASE WHEN bool_or(overlap) THEN {int(overlap_coders)} ELSE 1 END)""",
                           [sample]).fetchall()[0][0]
    return len(rows), unfilled


def units_for_coder(con, coder: str, sample: str) -> pa.Table:
    """A coder's units in a sample — one row per post (actor_id NULL) and per mention of it — with the
    post's text and only this coder's own current codes (`my_codes`: variable, value). Blind: no other
    coder's codes, no machine suggestion, and not whether the post is in the reliability overlap."""
    from shailoo.coding.codes import current_codes

    load_rule(con, sample)
    mine = current_codes(con, sample=sample)
    mine = mine.filter(pc.equal(mine.column("coder"), coder)).drop(["coder"])
    con.register("_mine", mine)
    try:
        return query_table(con, """
            WITH a AS (SELECT post_id, assigned_at FROM assignments
                       WHERE sample = ? AND coder = ? AND released_at IS NULL),
            units AS (SELECT post_id, NULL::INTEGER AS actor_id, 'post' AS unit FROM a
                      UNION ALL SELECT m.post_id, m.actor_id, 'post_actor' FROM a JOIN mentions m USING (post_id)),
            own AS (SELECT post_id, actor_id, list({'variable': variable, 'value': value}
                                                   ORDER BY variable, value) AS my_codes
                    FROM _mine GROUP BY ALL)
            SELECT u.post_id, u.actor_id, u.unit, ac.name AS actor, p.platform, p.url, p.local_time,
                   p.actor AS author, p.title, coalesce(p.text, p.description, p.link_text) AS text, p.link,
                   a.assigned_at, coalesce(o.my_codes, []) AS my_codes
            FROM units u JOIN a USING (post_id) JOIN posts_v p USING (post_id)
            LEFT JOIN actors ac ON ac.actor_id = u.actor_id
            LEFT JOIN own o ON o.post_id = u.post_id AND o.actor_id IS NOT DISTINCT FROM u.actor_id
            ORDER BY a.assigned_at, p.created_at, u.post_id, u.actor_id NULLS FIRST""", [sample, coder])
    finally:
        con.unregister("_mine")


def unit_status(con, sample: str | None = None) -> None:
    """Temp table `_ustatus(sample, coder, post_id, actor_id, overlap, coded)`: every active assignment's
    units (a post unit when the codebook has post variables, a unit per mention when it has post_actor
    variables) and whether the coder has a current code for every variable that applies (NULL without a
    codebook: then each post is one unit)."""
    from shailoo.coding.codebook import current_codebook
    from shailoo.coding.codes import current_codes

    book = current_codebook(con)
    post_vars = [v.name for v in book.variables if v.unit == "post"] if book else []
    pa_vars = [v.name for v in book.variables if v.unit == "post_actor"] if book else []
    con.register("_ucur", current_codes(con, post_vars + pa_vars, sample) if book else
                 pa.table({"post_id": pa.array([], pa.int64()), "actor_id": pa.array([], pa.int32()),
                           "variable": pa.array([], pa.string()), "coder": pa.array([], pa.string())}))
    only = "AND sample = ?" if sample is not None else ""
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _ustatus AS
            WITH a AS (SELECT sample, coder, post_id, overlap FROM assignments WHERE released_at IS NULL {only}),
            units AS (
                SELECT sample, coder, post_id, NULL::INTEGER AS actor_id, overlap FROM a WHERE {bool(post_vars or not book)}
                UNION ALL SELECT a.sample, a.coder, a.post_id, m.actor_id, a.overlap FROM a JOIN mentions m USING (post_id)
                WHERE {bool(pa_vars)}),
            done AS (SELECT post_id, actor_id, coder, count(DISTINCT variable) AS n FROM _ucur
                     WHERE (actor_id IS NULL AND list_contains(?, variable))
                        OR (actor_id IS NOT NULL AND list_contains(?, variable)) GROUP BY ALL)
            SELECT u.*, CASE WHEN {bool(book)} THEN coalesce(d.n, 0) >= CASE WHEN u.actor_id IS NULL
                             THEN {len(post_vars)} ELSE {len(pa_vars)} END END AS coded
            FROM units u LEFT JOIN done d ON d.post_id = u.post_id AND d.coder = u.coder
                 AND d.actor_id IS NOT DISTINCT FROM u.actor_id""",
                    ([sample] if sample is not None else []) + [post_vars, pa_vars])
    finally:
        con.unregister("_ucur")


def release(con, idle_hours: float, sample: str | None = None, now: datetime | None = None) -> pa.Table:
    """Release the unfinished posts of coders idle for `idle_hours`: no coding act on the sample's posts
    (and no new assignment there) for that long. Their finished posts stay theirs; the released posts
    keep the row (released_at set) and go to others with `assign(..., reassign_released=True)`."""
    if not 0 < idle_hours <= 24 * 3650:
        raise UsageError(f"--idle is a number of hours above 0, not {idle_hours}.")
    if sample is not None:
        load_rule(con, sample)
    now = now or datetime.now(timezone.utc)
    unit_status(con, sample)
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute("""CREATE OR REPLACE TEMP TABLE _released AS
            WITH active AS (SELECT sample, coder, max(assigned_at) AS assigned FROM assignments
                            WHERE released_at IS NULL GROUP BY ALL),
            acts AS (SELECT sp.sample, c.coder, max(c.coded_at) AS coded FROM codes c
                     JOIN sample_posts sp USING (post_id) GROUP BY ALL),
            idle AS (SELECT a.sample, a.coder, greatest(a.assigned, coalesce(x.coded, a.assigned)) AS last_activity
                     FROM active a LEFT JOIN acts x USING (sample, coder)
                     WHERE greatest(a.assigned, coalesce(x.coded, a.assigned)) < ?),
            unfinished AS (SELECT sample, coder, post_id FROM _ustatus GROUP BY ALL
                           HAVING NOT coalesce(bool_and(coded), false))
            SELECT u.sample, u.coder, u.post_id, i.last_activity FROM unfinished u JOIN idle i USING (sample, coder)""",
                    [now - timedelta(hours=idle_hours)])
        con.execute("""UPDATE assignments s SET released_at = ? FROM _released r
                       WHERE s.sample = r.sample AND s.coder = r.coder AND s.post_id = r.post_id
                         AND s.released_at IS NULL""", [now])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.execute("DROP TABLE IF EXISTS _ustatus")
    try:
        return query_table(con, """SELECT sample, coder, count(*)::BIGINT AS released_posts,
                                          max(last_activity) AS last_activity
                                   FROM _released GROUP BY ALL ORDER BY sample, coder""")
    finally:
        con.execute("DROP TABLE IF EXISTS _released")


def _calibration_agreement(con, sample: str | None) -> pa.Table:
    """Per calibration sample and coder: units × variables compared with the final codes, and agreed."""
    from shailoo.coding.codes import current_codes, final_codes

    names = [r[0] for r in con.execute("SELECT name FROM samples WHERE purpose = 'calibration'"
                                       + (" AND name = ?" if sample is not None else "") + " ORDER BY name",
                                       [sample] if sample is not None else []).fetchall()]
    parts = []
    for name in names:  # one query per calibration sample (there are few)
        con.register("_afin", final_codes(con, sample=name))
        con.register("_acur", current_codes(con, sample=name))
        try:
            parts.append(query_table(con, """
                WITH f AS (SELECT post_id, actor_id, variable, list_sort(list(value)) AS v FROM _afin GROUP BY ALL),
                c AS (SELECT coder, post_id, actor_id, variable,
                             list_sort(list(value) FILTER (WHERE value IS NOT NULL)) AS v FROM _acur GROUP BY ALL)
                SELECT ? AS sample, c.coder, count(*)::BIGINT AS compared,
                       count(*) FILTER (WHERE c.v = f.v)::BIGINT AS agreed
                FROM c JOIN f ON f.post_id = c.post_id AND f.variable = c.variable
                             AND f.actor_id IS NOT DISTINCT FROM c.actor_id
                GROUP BY c.coder""", [name]))
        finally:
            con.unregister("_afin")
            con.unregister("_acur")
    schema = pa.schema([("sample", pa.string()), ("coder", pa.string()), ("compared", pa.int64()),
                        ("agreed", pa.int64())])
    return pa.concat_tables([p.cast(schema) for p in parts]) if parts else schema.empty_table()


ALL_CODERS = "(all coders)"


def progress(con, sample: str | None = None) -> pa.Table:
    """Per sample and coder (and per sample for all coders): posts and units assigned, units coded
    (a current code for every variable that applies), remaining, overlap units and those coded,
    posts released, the latest coding act, and on calibration samples the percent agreement with
    the final codes. The all-coders row counts a unit coded when every coder it is assigned to coded
    it, and says how many posts of the sample no coder holds (unassigned_posts)."""
    if sample is not None:
        load_rule(con, sample)
    unit_status(con, sample)
    con.register("_aagree", _calibration_agreement(con, sample))
    only = "WHERE sample = ?" if sample is not None else ""
    params = [sample] * 2 if sample is not None else []
    try:
        return query_table(con, f"""
            WITH base AS (SELECT DISTINCT sample, coder FROM assignments {only}),
            per AS (SELECT sample, coder, count(DISTINCT post_id) AS posts, count(*) AS units,
                           CASE WHEN bool_and(coded IS NOT NULL) THEN count(*) FILTER (WHERE coded) END AS coded,
                           count(*) FILTER (WHERE overlap) AS overlap_units,
                           CASE WHEN bool_and(coded IS NOT NULL) THEN count(*) FILTER (WHERE overlap AND coded) END
                               AS overlap_coded
                    FROM _ustatus GROUP BY ALL),
            unit AS (SELECT sample, post_id, actor_id, bool_or(overlap) AS overlap, bool_and(coded) AS done
                     FROM _ustatus GROUP BY ALL),
            total AS (SELECT sample, count(DISTINCT post_id) AS posts, count(*) AS units,
                             CASE WHEN bool_and(done IS NOT NULL) THEN count(*) FILTER (WHERE done) END AS coded,
                             count(*) FILTER (WHERE overlap) AS overlap_units,
                             CASE WHEN bool_and(done IS NOT NULL) THEN count(*) FILTER (WHERE overlap AND done) END
                                 AS overlap_coded
                      FROM unit GROUP BY ALL),
            released AS (SELECT sample, coder, count(*) AS released_posts FROM assignments
                         WHERE released_at IS NOT NULL GROUP BY ALL),
            acts AS (SELECT sp.sample, c.coder, max(c.coded_at) AS last_act FROM codes c
                     JOIN sample_posts sp USING (post_id) GROUP BY ALL),
            held AS (SELECT sp.sample, count(*) FILTER (WHERE a.post_id IS NULL) AS unassigned_posts
                     FROM sample_posts sp LEFT JOIN (SELECT DISTINCT sample, post_id FROM assignments
                                                     WHERE released_at IS NULL) a USING (sample, post_id)
                     {only.replace('sample', 'sp.sample')} GROUP BY ALL),
            rows AS (
                SELECT b.sample, b.coder, coalesce(p.posts, 0) AS posts, coalesce(p.units, 0) AS units,
                       CASE WHEN p.units IS NULL THEN 0 ELSE p.coded END AS coded,
                       coalesce(p.overlap_units, 0) AS overlap_units,
                       CASE WHEN p.units IS NULL THEN 0 ELSE p.overlap_coded END AS overlap_coded,
                       coalesce(r.released_posts, 0) AS released_posts, NULL::BIGINT AS unassigned_posts,
                       x.last_act, 0 AS o
                FROM base b LEFT JOIN per p USING (sample, coder) LEFT JOIN released r USING (sample, coder)
                LEFT JOIN acts x USING (sample, coder)
                UNION ALL
                SELECT h.sample, '{ALL_CODERS}', coalesce(t.posts, 0), coalesce(t.units, 0),
                       CASE WHEN t.units IS NULL THEN 0 ELSE t.coded END, coalesce(t.overlap_units, 0),
                       CASE WHEN t.units IS NULL THEN 0 ELSE t.overlap_coded END,
                       (SELECT count(DISTINCT post_id) FROM assignments a WHERE a.sample = h.sample
                        AND a.released_at IS NOT NULL), h.unassigned_posts,
                       (SELECT max(last_act) FROM acts WHERE acts.sample = h.sample), 1
                FROM held h LEFT JOIN total t USING (sample))
            SELECT r.sample, s.purpose, r.coder, r.posts::BIGINT AS posts, r.units::BIGINT AS units,
                   r.coded::BIGINT AS coded, (r.units - r.coded)::BIGINT AS remaining,
                   r.overlap_units::BIGINT AS overlap_units, r.overlap_coded::BIGINT AS overlap_coded,
                   r.released_posts::BIGINT AS released_posts, r.unassigned_posts::BIGINT AS unassigned_posts,
                   r.last_act,
                   round(100.0 * g.agreed / nullif(g.compared, 0), 1) AS agreement_pct, g.compared AS agreement_units
            FROM rows r JOIN samples s ON s.name = r.sample
            LEFT JOIN _aagree g ON g.sample = r.sample AND g.coder = r.coder
            ORDER BY s.drawn_at, r.sample, r.o, r.coder""", params)
    finally:
        con.unregister("_aagree")
        con.execute("DROP TABLE IF EXISTS _ustatus")

"""Samples of posts to code, stored with the rule that drew them so they can be redrawn exactly.

Kinds (each one set-oriented query over the workspace):
- `top`: seed 002's rule — the top `count` (default 200) posts by interactions per category for the
  `top_categories` (default media, influencer, public_group), and every post of the other registered
  categories (candidates, politicians, parties, authorities, other). Interactions are the report's
  (the chosen snapshot, `platforms.interactions_sql`); a post whose interactions are unknown ranks
  after every post whose interactions are known (unknown is not zero, and not a high count either),
  so it enters only when its group has fewer known posts than `count`. Posts of no registered actor
  are left out of a `top` sample.
- `random`: `count` posts, or `fraction` of the posts, in a seeded order.
- `stratified`: strata by actor, period, platform and/or category; `count` per stratum, or a total
  (`count` with `proportional`, or `fraction`) shared among strata in proportion to their size
  (largest remainders).
- `query`: every post a `kwic` query finds (shailoo.analysis.text_kwic.kwic).

Only own posts are drawn (not comments or replies). The scope is the analysis scope (the monitoring
period by default); the rule stores it resolved (dates included) with the seed, so a redraw selects
the same posts from the same data. The seeded order is md5(seed:platform:platform_post_id): stable
across DuckDB versions and workspaces. A calibration sample (purpose 'calibration') is drawn from
posts that already have final codes.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timezone

import pyarrow as pa

from shailoo.analysis.filters import PostFilter
from shailoo.errors import CodingError, UsageError
from shailoo.platforms import CATEGORIES

KINDS = ("top", "random", "stratified", "query")
STRATA = ("actor", "period", "platform", "category")
TOP_GROUPS = ("category", "platform", "actor")
TOP_CATEGORIES = ("media", "influencer", "public_group")
PURPOSES = ("coding", "calibration")
TOP_COUNT = 200
MAX_NAME = 100
_OWN = "p.post_type NOT IN ('comment', 'reply')"
_STRATUM_SQL = {"actor": "coalesce(p.actor, '(unregistered)')", "period": "coalesce(p.period, '(no period)')",
                "platform": "p.platform", "category": "coalesce(p.category, '(unregistered)')"}


@dataclass(frozen=True)
class SampleRule:
    """How a sample is drawn; stored as JSON in `samples.rule`."""

    kind: str
    count: int | None = None
    fraction: float | None = None
    by: tuple[str, ...] = ()  # top: groups ranked apart; stratified: the strata
    top_categories: tuple[str, ...] = TOP_CATEGORIES
    proportional: bool = False
    query: str | None = None
    seed: int | None = None  # None: a new random seed, stored with the sample
    purpose: str = "coding"
    scope: dict = field(default_factory=dict)  # the PostFilter, resolved (see scope_of)

    def checked(self) -> SampleRule:
        """The rule with its defaults filled in, or UsageError naming what is wrong."""
        if self.kind not in KINDS:
            raise UsageError(f"--kind must be one of {', '.join(KINDS)}, not '{self.kind}'.")
        if self.purpose not in PURPOSES:
            raise UsageError(f"--purpose must be one of {', '.join(PURPOSES)}, not '{self.purpose}'.")
        if self.count is not None and not 1 <= self.count <= 10**9:
            raise UsageError(f"--count must be between 1 and 1,000,000,000, not {self.count}.")
        if self.fraction is not None and not 0 < self.fraction <= 1:
            raise UsageError(f"--fraction must be above 0 and at most 1, not {self.fraction}.")
        if self.count is not None and self.fraction is not None:
            raise UsageError("Give --count or --fraction, not both.")
        seed = self.seed if self.seed is not None else random.SystemRandom().randrange(1, 10**6)
        if not 0 <= seed < 2**63:
            raise UsageError(f"--seed must be between 0 and 2**63, not {seed}.")
        rule = replace(self, seed=seed, by=tuple(self.by), top_categories=tuple(self.top_categories))
        return getattr(rule, f"_check_{self.kind}")()

    def _check_top(self) -> SampleRule:
        by = self.by or ("category",)
        bad = [b for b in by if b not in TOP_GROUPS]
        if bad:
            raise UsageError(f"A top sample ranks posts per {', '.join(TOP_GROUPS)}, not '{bad[0]}'.")
        cats = [c for c in self.top_categories if c not in CATEGORIES]
        if cats:
            raise UsageError(f"Unknown category '{cats[0]}' in --top-categories; use some of {', '.join(CATEGORIES)}.")
        if self.fraction is not None or self.proportional:
            raise UsageError("A top sample takes --count (posts per group), not --fraction or --proportional.")
        return replace(self, by=by, count=self.count or TOP_COUNT)

    def _check_random(self) -> SampleRule:
        if self.count is None and self.fraction is None:
            raise UsageError("A random sample needs --count N or --fraction F.")
        if self.by or self.proportional:
            raise UsageError("A random sample has no strata; use --kind stratified with --by.")
        return replace(self, top_categories=())

    def _check_stratified(self) -> SampleRule:
        bad = [b for b in self.by if b not in STRATA]
        if not self.by or bad:
            raise UsageError(f"A stratified sample needs --by with some of {', '.join(STRATA)}"
                             + (f", not '{bad[0]}'." if bad else "."))
        if len(set(self.by)) != len(self.by):
            raise UsageError("--by names a stratum twice.")
        if self.count is None and self.fraction is None:
            raise UsageError("A stratified sample needs --count N (per stratum, or in all with --proportional) "
                             "or --fraction F.")
        if self.proportional and self.count is None:
            raise UsageError("--proportional shares --count N among strata; give --count.")
        return replace(self, top_categories=())

    def _check_query(self) -> SampleRule:
        if not (self.query or "").strip():
            raise UsageError('A query sample needs --query, e.g. --query "шайлоо OR выборы".')
        if self.count is not None or self.fraction is not None or self.by:
            raise UsageError("A query sample takes every post the query finds; --count, --fraction and --by "
                             "do not apply.")
        return replace(self, top_categories=())

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SampleRule:
        data = json.loads(text)
        for key in ("by", "top_categories"):
            data[key] = tuple(data.get(key) or ())
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


def query_table(con, sql: str, params: list | None = None) -> pa.Table:
    """Rows of a query as an Arrow table (DuckDB warns about the copy `execute` makes; our tables are small,
    and `execute` is what takes parameters after other statements on the same connection)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return con.execute(sql, params or []).to_arrow_table()


def scope_of(flt: PostFilter) -> dict:
    """A PostFilter as JSON-able values (the resolved scope: its dates included)."""
    return {"platform": list(flt.platforms), "category": list(flt.categories), "actor": list(flt.actors),
            "period": flt.period, "start": flt.start.isoformat() if flt.start else None,
            "end": flt.end.isoformat() if flt.end else None}


def filter_of(scope: dict) -> PostFilter:
    day = lambda v: date.fromisoformat(v) if v else None  # noqa: E731
    return PostFilter(platform=tuple(scope.get("platform") or ()) or None, period=scope.get("period"),
                      category=tuple(scope.get("category") or ()) or None,
                      actor=tuple(scope.get("actor") or ()) or None, start=day(scope.get("start")),
                      end=day(scope.get("end")))


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME or re.search(r"[\x00-\x1f\x7f]", name):
        raise UsageError(f"A sample name is 1 to {MAX_NAME} printable characters, e.g. top200-campaign.")
    return name


def _population(ws, flt: PostFilter, rule: SampleRule) -> tuple[str, list]:
    """SQL of the posts a rule draws from (own posts in scope; for calibration, with final codes)."""
    where, params = flt.where(ws)
    calibration = " AND p.post_id IN (SELECT post_id FROM _final_posts)" if rule.purpose == "calibration" else ""
    # only the columns the rules use: a CTE read twice may be materialised, and posts carry their texts
    own = f"""SELECT post_id, platform, platform_post_id, category, actor, actor_id, created_at, day
              FROM posts_v p WHERE {_OWN} AND ({where}){calibration}"""
    if "period" not in rule.by:
        return own, params
    return f"""SELECT p.*, pr.name AS period FROM ({own}) p
               LEFT JOIN periods pr ON p.day BETWEEN pr.start_date AND pr.end_date
               QUALIFY row_number() OVER (PARTITION BY p.post_id ORDER BY pr.start_date, pr.name) = 1""", params


def _key(seed: int) -> str:
    return f"md5_number_upper('{int(seed)}:' || p.platform || ':' || p.platform_post_id)"


def _top_sql(ws, flt: PostFilter, rule: SampleRule) -> tuple[str, list]:
    """Seed 002's rule. Interactions are the report's: the snapshot the rule chooses
    (analysis.snapshot.snapshot_sql) summed as the platform counts them (platforms.interactions_sql);
    only the ranked categories need them."""
    from shailoo.analysis.snapshot import COUNT_COLUMNS, min_hours, snapshot_sql
    from shailoo.platforms import interactions_sql

    pop, params = _population(ws, flt, rule)
    tops = list(rule.top_categories)
    in_top = f"p.category IN ({', '.join('?' for _ in tops)})" if tops else "false"
    stratum = " || ' | ' || ".join(f"coalesce(CAST(p.{g} AS VARCHAR), '?')" for g in rule.by)
    groups = ", ".join(f"p.{g if g != 'actor' else 'actor_id'}" for g in rule.by)
    counts = ", ".join(f"s.{c}" for c in COUNT_COLUMNS)
    # The snapshot rule over the ranked posts only (a third to a half of a workspace): its SQL joins
    # `posts p` for their posting time; pointed at `ranked_posts` it sorts far fewer snapshots. Should
    # that text change, the replacement does nothing and the rule runs over every post: same result.
    snapshots = snapshot_sql(min_hours(ws)).replace("JOIN posts p USING (post_id)", "JOIN ranked_posts p USING (post_id)")
    sql = f"""WITH pop AS ({pop}),
        ranked_posts AS (SELECT post_id, platform, category, actor, actor_id, created_at FROM pop p WHERE {in_top}),
        ranked AS (
            SELECT q.*, {interactions_sql()} AS interactions FROM (
                SELECT p.*, {counts} FROM ranked_posts p LEFT JOIN ({snapshots}) s USING (post_id)) q)
        SELECT p.post_id, {stratum} AS stratum FROM pop p WHERE p.category IS NOT NULL AND NOT ({in_top})
        UNION ALL
        SELECT unnest(ids) AS post_id, stratum FROM (  -- the top N per group (a heap, not a sort)
            SELECT max_by(p.post_id, {{'known': p.interactions IS NOT NULL, 'n': coalesce(p.interactions, 0),
                                      'earlier': -epoch_us(p.created_at), 'id': -p.post_id}}, {int(rule.count)}) AS ids,
                   any_value({stratum}) AS stratum
            FROM ranked p GROUP BY {groups})"""
    return sql, [*params, *tops, *tops]


def _draw_sql(ws, flt: PostFilter, rule: SampleRule) -> tuple[str, list]:
    """SQL of the drawn posts: (post_id, stratum)."""
    if rule.kind == "top":
        return _top_sql(ws, flt, rule)
    pop, params = _population(ws, flt, rule)
    if rule.kind == "random":
        n = f"{int(rule.count)}" if rule.count else f"round({float(rule.fraction)} * (SELECT count(*) FROM pop))"
        sql = f"""WITH pop AS ({pop})
            SELECT post_id, NULL::VARCHAR AS stratum FROM (
                SELECT p.post_id, row_number() OVER (ORDER BY {_key(rule.seed)}, p.post_id) AS r FROM pop p)
            WHERE r <= {n}"""
        return sql, params
    if rule.kind == "stratified":
        stratum = " || ' | ' || ".join(_STRATUM_SQL[b] for b in rule.by)
        if rule.count and not rule.proportional:
            quota = f"SELECT stratum, {int(rule.count)} AS quota FROM sizes"
        else:
            total = f"{int(rule.count)}" if rule.count else f"round({float(rule.fraction)} * (SELECT sum(n) FROM sizes))"
            # largest remainders: each stratum its floor, the posts left over to the largest fractions
            quota = f"""SELECT stratum, floor(exact)::BIGINT + (rank <= left_over)::INT AS quota FROM (
                    SELECT *, row_number() OVER (ORDER BY exact - floor(exact) DESC, stratum) AS rank,
                           least({total}, sum(n) OVER ()) - sum(floor(exact)) OVER () AS left_over
                    FROM (SELECT stratum, n, least({total}, sum(n) OVER ()) * n / sum(n) OVER () AS exact FROM sizes))"""
        sql = f"""WITH pop AS (SELECT p.*, {stratum} AS stratum FROM ({pop}) p),
            sizes AS (SELECT stratum, count(*) AS n FROM pop GROUP BY stratum),
            quotas AS ({quota})
            SELECT post_id, stratum FROM (
                SELECT p.post_id, p.stratum, row_number() OVER (
                    PARTITION BY p.stratum ORDER BY {_key(rule.seed)}, p.post_id) AS r FROM pop p)
            JOIN quotas USING (stratum) WHERE r <= quota"""
        return sql, params
    # query: every post kwic finds, among the population
    return f"SELECT post_id, NULL::VARCHAR AS stratum FROM ({pop}) p WHERE post_id IN (SELECT post_id FROM _query_hits)", params


def _query_hits(ws, flt: PostFilter, query: str) -> pa.Table:
    from shailoo.analysis.text_kwic import kwic

    result = kwic(ws, query, flt)
    if result.empty_reason:
        raise CodingError(f"The query finds no post, so nothing was drawn: {result.empty_reason}")
    return pa.table({"post_id": pa.array(sorted(set(result.table.column("post_id").to_pylist())), pa.int64())})


def draw_sample(ws, name: str, rule: SampleRule, flt: PostFilter | None = None, replace_existing: bool = False) -> dict:
    """Draw a sample and store it with its rule; return a summary (posts, strata, posts added/removed).

    `flt` is the scope (already resolved: `analysis.filters.scoped`); a redraw passes None and the
    stored scope is used. An existing name is refused unless `replace_existing`; a replacement is
    refused when posts with codes would leave the sample (and belong to no other sample).
    """
    con = ws.con
    name = check_name(name)
    rule = rule.checked()
    flt = flt if flt is not None else filter_of(rule.scope)
    rule = replace(rule, scope=scope_of(flt))
    old = con.execute("SELECT rule FROM samples WHERE name = ?", [name]).fetchall()
    if old and not replace_existing:
        n = con.execute("SELECT count(*) FROM sample_posts WHERE sample = ?", [name]).fetchall()[0][0]
        raise CodingError(f"A sample named '{name}' exists ({n:,} posts); give --replace to draw it again, "
                          "or choose another name.")
    registered = []
    try:
        if rule.purpose == "calibration":
            _register(con, "_final_posts", _final_posts(con), registered)
        if rule.kind == "query":
            _register(con, "_query_hits", _query_hits(ws, flt, rule.query), registered)
        sql, params = _draw_sql(ws, flt, rule)
        con.execute(f"CREATE OR REPLACE TEMP TABLE _drawn AS {sql}", params)
    finally:
        for t in registered:
            con.unregister(t)
    drawn = con.execute("SELECT count(*), count(DISTINCT stratum) FROM _drawn").fetchall()[0]
    if not drawn[0]:
        con.execute("DROP TABLE _drawn")
        raise CodingError(f"No post matches the rule in this scope, so sample '{name}' was not drawn; widen the "
                          "scope (--all, --period, filters) or change the rule.")
    _refuse_orphans(con, name)
    return _store(con, name, rule, drawn)


def _register(con, name: str, table: pa.Table, registered: list) -> None:
    con.register(name, table)
    registered.append(name)


def _final_posts(con) -> pa.Table:
    from shailoo.coding.codes import final_codes

    posts = final_codes(con).column("post_id").unique()
    if not len(posts):
        raise CodingError("A calibration sample is drawn from posts with final codes, and there are none yet; "
                          "import codes (and adjudicate disagreements) first.")
    return pa.table({"post_id": posts})


def _refuse_orphans(con, name: str) -> None:
    """Refuse a replacement that would take coded posts out of the sample (and out of every sample)."""
    rows = con.execute("""
        WITH leaving AS (SELECT post_id FROM (SELECT post_id FROM sample_posts WHERE sample = ?)
                         ANTI JOIN _drawn USING (post_id) ANTI JOIN (SELECT post_id FROM sample_posts WHERE sample <> ?) USING (post_id)),
             coded AS (SELECT DISTINCT post_id FROM (SELECT post_id FROM codes UNION ALL SELECT post_id FROM adjudications)
                       WHERE post_id IN (SELECT post_id FROM leaving))
        SELECT count(*) OVER (), coalesce(p.url, p.platform || ' post ' || p.platform_post_id)
        FROM coded JOIN posts p USING (post_id) ORDER BY post_id LIMIT 3""", [name, name]).fetchall()
    if rows:
        con.execute("DROP TABLE _drawn")
        examples = ", ".join(r[1] for r in rows)
        raise CodingError(f"Redrawing sample '{name}' would take {rows[0][0]:,} posts with codes out of it "
                          f"(e.g. {examples}); their codes would belong to no sample. Draw under a new name instead.")


def _store(con, name: str, rule: SampleRule, drawn: tuple) -> dict:
    from shailoo.coding.codebook import current_codebook

    book = current_codebook(con)
    now = datetime.now(timezone.utc)
    con.execute("BEGIN TRANSACTION")
    try:
        before, removed = con.execute("""SELECT count(*), count(*) FILTER (WHERE post_id NOT IN (SELECT post_id FROM _drawn))
                                         FROM sample_posts WHERE sample = ?""", [name]).fetchall()[0]
        if removed:  # posts leaving the sample leave its assignments too (none has codes: see _refuse_orphans)
            for table in ("assignments", "sample_posts"):
                con.execute(f"DELETE FROM {table} WHERE sample = ? AND post_id NOT IN (SELECT post_id FROM _drawn)", [name])
        if before:  # a redraw writes only what changed: a post's stratum, the posts that enter
            con.execute("""UPDATE sample_posts s SET stratum = d.stratum FROM _drawn d WHERE s.sample = ?
                           AND s.post_id = d.post_id AND s.stratum IS DISTINCT FROM d.stratum""", [name])
        con.execute("""INSERT INTO sample_posts SELECT ?, post_id, stratum FROM _drawn
                       WHERE post_id NOT IN (SELECT post_id FROM sample_posts WHERE sample = ?) ORDER BY post_id""",
                    [name, name])
        con.execute("DELETE FROM samples WHERE name = ?", [name])
        con.execute("INSERT INTO samples (name, rule, drawn_at, codebook_version, purpose) VALUES (?, ?, ?, ?, ?)",
                    [name, rule.to_json(), now, book.version if book else None, rule.purpose])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.execute("DROP TABLE IF EXISTS _drawn")
    return {"sample": name, "kind": rule.kind, "purpose": rule.purpose, "posts": drawn[0], "strata": drawn[1],
            "added": drawn[0] - (before - removed), "removed": removed, "seed": rule.seed, "rule": describe(rule)}


def load_rule(con, name: str) -> SampleRule:
    rows = con.execute("SELECT rule FROM samples WHERE name = ?", [name]).fetchall()
    if not rows:
        raise CodingError(f"There is no sample '{name}'; see `shailoo coding sample list`.")
    return SampleRule.from_json(rows[0][0])


def redraw_sample(ws, name: str) -> dict:
    """Draw a sample again by its stored rule, seed and scope (refused if coded posts would leave it)."""
    rule = load_rule(ws.con, name)
    if rule.kind == "inflammatory":  # drawn by the lexicon flags (`shailoo inflammatory sample`)
        from shailoo.analysis import inflammatory

        return inflammatory.draw_sample(ws, name, filter_of(rule.scope), any_language=rule.proportional,
                                        categories=tuple(rule.by), replace_existing=True)
    return draw_sample(ws, name, rule, None, replace_existing=True)


def describe(rule: SampleRule) -> str:
    """The rule in one sentence (sample list, the report's methodology)."""
    if rule.kind == "top":
        per = ", ".join(rule.by)
        tops = ", ".join(rule.top_categories) or "no category"
        text = (f"top {rule.count:,} posts by interactions per {per} for {tops} (posts with unknown interactions "
                f"last), every post of the other registered categories")
    elif rule.kind == "random":
        text = f"{rule.count:,} random posts" if rule.count else f"a random {rule.fraction:.1%} of the posts"
    elif rule.kind == "stratified":
        strata = " × ".join(rule.by)
        if rule.count and not rule.proportional:
            text = f"{rule.count:,} random posts per {strata}"
        else:
            size = f"{rule.count:,} posts" if rule.count else f"{rule.fraction:.1%} of the posts"
            text = f"{size} drawn at random in proportion to each {strata} stratum"
    else:
        text = f"every post matching the query {rule.query!r}"
    scope = rule.scope or {}
    where = []
    if scope.get("start") or scope.get("end"):
        where.append(f"{scope.get('start') or 'first post'} – {scope.get('end') or 'last post'}")
    if scope.get("period"):
        where.append(f"period {scope['period']}")
    for key in ("platform", "category", "actor"):
        if scope.get(key):
            where.append(f"{key} {', '.join(scope[key])}")
    cal = " from posts with final codes" if rule.purpose == "calibration" else ""
    return f"{text}{cal}; own posts{', ' + '; '.join(where) if where else ''}; seed {rule.seed}."


def list_samples(con) -> pa.Table:
    """Every sample: name, purpose, kind, posts, strata, assigned posts, coders, drawn_at, rule."""
    rows = con.execute("""
        SELECT s.name AS sample, s.purpose, s.rule, s.drawn_at, s.codebook_version,
               (SELECT count(*) FROM sample_posts sp WHERE sp.sample = s.name) AS posts,
               (SELECT count(DISTINCT stratum) FROM sample_posts sp WHERE sp.sample = s.name) AS strata,
               (SELECT count(DISTINCT post_id) FROM assignments a WHERE a.sample = s.name AND a.released_at IS NULL)
                   AS assigned_posts,
               (SELECT count(DISTINCT coder) FROM assignments a WHERE a.sample = s.name AND a.released_at IS NULL)
                   AS coders
        FROM samples s ORDER BY s.drawn_at, s.name""").fetchall()
    out = []
    for sample, purpose, rule_json, drawn_at, version, posts, strata, assigned, coders in rows:
        rule = SampleRule.from_json(rule_json)
        out.append({"sample": sample, "purpose": purpose, "kind": rule.kind, "posts": posts, "strata": strata,
                    "assigned_posts": assigned, "coders": coders, "drawn_at": drawn_at,
                    "codebook_version": version, "seed": rule.seed, "rule": describe(rule)})
    return pa.Table.from_pylist(out, schema=_LIST_SCHEMA)


_LIST_SCHEMA = pa.schema([("sample", pa.string()), ("purpose", pa.string()), ("kind", pa.string()),
                          ("posts", pa.int64()), ("strata", pa.int64()), ("assigned_posts", pa.int64()),
                          ("coders", pa.int64()), ("drawn_at", pa.timestamp("us", tz="UTC")),
                          ("codebook_version", pa.int64()), ("seed", pa.int64()), ("rule", pa.string())])


def sample_strata(con, name: str) -> pa.Table:
    """One row per stratum of a sample: posts, interactions-free counts by platform and category, assigned."""
    load_rule(con, name)
    return query_table(con, """
        SELECT coalesce(sp.stratum, '(all)') AS stratum, count(*)::BIGINT AS posts,
               count(DISTINCT p.platform)::BIGINT AS platforms,
               min(p.day) AS first_day, max(p.day) AS last_day,
               count(*) FILTER (WHERE sp.post_id IN (SELECT post_id FROM assignments a
                                                     WHERE a.sample = sp.sample AND a.released_at IS NULL))::BIGINT
                   AS assigned
        FROM sample_posts sp JOIN posts_v p USING (post_id) WHERE sp.sample = ?
        GROUP BY ALL ORDER BY stratum""", [name])

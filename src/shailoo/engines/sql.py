"""DuckDB SQL for another engine: parameters bound as literals, then transpiled by SQLGlot.

The analyses are written once, in DuckDB's dialect. `to_spark(sql, params)` turns one of their
statements into Spark SQL: SQLGlot does most of it (casts `::`, FILTER, QUALIFY, GROUP BY ALL,
lists); the transforms below cover what it leaves in DuckDB's words, each keeping DuckDB's meaning:

- `ASOF LEFT JOIN r ON keys AND l.t >= r.t` (the latest right row at or before the left row): a left
  join on the keys to the interval [r.t, the next r.t of the same keys);
- `epoch_us(t)` -> `unix_micros(t)`; `timezone(zone, instant)` -> `from_utc_timestamp(instant, zone)`
  (the local wall-clock time, as DuckDB gives for a TIMESTAMPTZ);
- `list_position(list, x)` -> `array_position` (0 when absent there, NULL in DuckDB: made NULL);
- decimal literals (`100.0`) are DOUBLE, as DuckDB computes `100.0 * n / m`, so that rounding
  happens on the same value; `round(x, d)` rounds `x * 10^d` to a whole number and divides, as DuckDB
  does (Spark rounds the shortest decimal text of x: 839.15 -> 839.2, DuckDB 839.1);
- `generate_subscripts(l, 1)` beside `unnest(l)` in one SELECT -> one `posexplode` (1-based);
- macros made with `CREATE TEMP MACRO` are expanded where they are called (`Macros`);
- regex options ('i') become inline flags; `regexp_replace` without 'g' replaces the first match only;
- `list(x ORDER BY k)` sorts the collected values by k; `list[a:b]` is `slice`.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.tokens import TokenType

READ = "duckdb"
WRITE = "spark"


def literal(value) -> exp.Expression:
    """A Python value as an SQL literal expression (never pasted text)."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, float):
        return exp.cast(exp.Literal.number(repr(value)), "DOUBLE")
    if isinstance(value, decimal.Decimal):
        return exp.Literal.number(str(value))
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, dt.datetime):
        kind = "TIMESTAMPTZ" if value.tzinfo is not None else "TIMESTAMP"
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), kind)
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    if isinstance(value, (list, tuple)):
        return exp.Array(expressions=[literal(v) for v in value])
    raise TypeError(f"cannot bind a {type(value).__name__} as an SQL parameter")


def bind(sql: str, params) -> str:
    """`sql` (DuckDB dialect) with each `?` replaced by its parameter as a literal. The placeholders
    are found by SQLGlot's tokenizer, so a `?` inside a string or a comment is left alone."""
    params = list(params or [])
    if not params:
        return sql
    # `?::TYPE` is one token (QDCOLON) to the tokenizer: its `?` is a parameter all the same.
    marks = [t.start for t in sqlglot.Dialect.get_or_raise(READ).tokenize(sql)
             if t.token_type == TokenType.PLACEHOLDER or (t.token_type == TokenType.QDCOLON and t.text == "?::")]
    if len(marks) != len(params):
        raise ValueError(f"the statement has {len(marks)} parameters and {len(params)} values were given")
    out, pos = [], 0
    for start, value in zip(marks, params):
        out.append(sql[pos:start])
        out.append(literal(value).sql(READ))
        pos = start + 1
    out.append(sql[pos:])
    return "".join(out)


@dataclass
class Macros:
    """Scalar macros of a session (`CREATE TEMP MACRO name(a, b) AS expr`), expanded in place."""

    bodies: dict[str, tuple[list[str], exp.Expression]] = field(default_factory=dict)

    def define(self, create: exp.Create) -> None:
        fn = create.this  # UserDefinedFunction(this=Table(name), expressions=[parameters])
        name = fn.this.name if isinstance(fn.this, exp.Expression) else str(fn.this)
        self.bodies[name.lower()] = ([p.name for p in fn.expressions], create.expression)

    def expand(self, node: exp.Expression) -> exp.Expression:
        if not self.bodies:
            return node

        def one(n: exp.Expression) -> exp.Expression:
            if isinstance(n, exp.Anonymous) and n.name.lower() in self.bodies:
                names, body = self.bodies[n.name.lower()]
                args = dict(zip(names, n.expressions))
                return self.expand(body.copy().transform(  # a macro may call another
                    lambda c: exp.paren(args[c.name].copy()) if isinstance(c, exp.Column) and not c.table
                    and c.name in args else c))
            return n

        return node.transform(one)


def _asof(join: exp.Join) -> exp.Join:
    """ASOF LEFT JOIN r ON eq... AND l.t >= r.t  ->  LEFT JOIN (r + next time) ON eq AND interval."""
    on = join.args.get("on")
    conds = list(on.flatten()) if isinstance(on, exp.And) else [on]
    eqs = [c for c in conds if isinstance(c, exp.EQ)]
    ineq = [c for c in conds if isinstance(c, (exp.GTE, exp.LTE, exp.GT, exp.LT))]
    if len(ineq) != 1 or len(eqs) + 1 != len(conds):
        raise ValueError("an ASOF join needs equalities and one inequality to run on Spark")
    c = ineq[0]
    alias = join.alias_or_name
    # Normalise to left_t >= right_t (or >).
    if isinstance(c, (exp.LTE, exp.LT)):
        left_t, right_t = c.expression, c.this
        strict = isinstance(c, exp.LT)
    else:
        left_t, right_t = c.this, c.expression
        strict = isinstance(c, exp.GT)
    if right_t.table != alias:
        raise ValueError("the ASOF join's inequality must compare a left column with the right table's time")
    keys = [e.expression if e.expression.table == alias else e.this for e in eqs]
    inner_keys = [exp.column(k.name) for k in keys]
    source = join.this.copy()
    source.set("alias", None)
    nxt = exp.Window(this=exp.Anonymous(this="lead", expressions=[exp.column(right_t.name)]),
                     partition_by=inner_keys, order=exp.Order(expressions=[exp.Ordered(this=exp.column(right_t.name))]))
    sub = exp.select("*", exp.alias_(nxt, "_asof_next")).from_(exp.Subquery(this=source, alias=exp.TableAlias(
        this=exp.to_identifier("_asof_src"))) if not isinstance(source, exp.Table) else source)
    nxt_col = exp.column("_asof_next", table=alias)
    upper = exp.or_(exp.Is(this=nxt_col, expression=exp.Null()),
                    (exp.GT if not strict else exp.GTE)(this=nxt_col, expression=left_t.copy()))
    new_on = exp.and_(*[e.copy() for e in eqs], c.copy(), exp.paren(upper))
    return exp.Join(this=exp.Subquery(this=sub, alias=exp.TableAlias(this=exp.to_identifier(alias))),
                    side="LEFT", on=new_on)


def _posexplode(select: exp.Select) -> exp.Select:
    """SELECT ..., generate_subscripts(l, 1) AS pos, unnest(l) AS tok  ->  posexplode(l) AS (pos0, tok),
    pos0 + 1 AS pos (in a subquery, since a generator's alias list cannot sit beside other columns
    that use it)."""
    subs = [e for e in select.expressions if isinstance(e.unalias(), exp.Anonymous)
            and e.unalias().name.lower() == "generate_subscripts"]
    if not subs:
        return select
    sub = subs[0]
    lst = sub.unalias().expressions[0]
    unn = [e for e in select.expressions if isinstance(e.unalias(), (exp.Unnest, exp.Explode))
           and (e.unalias().expressions[:1] or [e.unalias().this])[0] == lst]
    if not unn:
        raise ValueError("generate_subscripts runs on Spark only beside unnest of the same list")
    tok = unn[0]
    pe = exp.Anonymous(this="posexplode", expressions=[lst.copy()])
    gen = f"{pe.sql(WRITE)} AS (_pos0, {tok.alias})"
    others = [e for e in select.expressions if e is not sub and e is not tok]
    inner = select.copy()
    inner.set("expressions", [e.copy() for e in others] + [sqlglot.parse_one(gen, read=WRITE)])
    outer_cols = [exp.column(e.alias_or_name) for e in others]
    outer = exp.select(*outer_cols, exp.alias_(exp.column("_pos0") + 1, sub.alias), exp.column(tok.alias)).from_(
        exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("_pe"))))
    return outer


def _split(a: float) -> tuple[float, float]:
    """Veltkamp's split of a double into two halves whose products are exact."""
    c = 134217729.0 * a
    hi = c - (c - a)
    return hi, a - hi


def _round(x: exp.Expression, d: int) -> exp.Expression:
    """DuckDB's round(x, d) of a DOUBLE in Spark: the exact binary value of x rounded half away from
    zero. p = x * 10^d is rounded as a double; when p is exactly halfway, the sign of the product's
    rounding error (Dekker's two-product) says on which side the exact value lies. Lambdas name the
    intermediate values (Spark SQL has no LET)."""
    s = float(10 ** d)
    sh, sl = _split(s)
    err = (f"(((_rh * {sh!r}D - _rp) + _rh * {sl!r}D + (_rx - _rh) * {sh!r}D) + (_rx - _rh) * {sl!r}D)")
    tie = (f"CASE WHEN {err} > 0 THEN ceil(_rp) WHEN {err} < 0 THEN floor(_rp) "
           f"WHEN _rp > 0 THEN ceil(_rp) ELSE floor(_rp) END")
    body = (f"element_at(transform(array(_rx * {s!r}D), _rp -> element_at(transform(array(134217729D * _rx - "
            f"(134217729D * _rx - _rx)), _rh -> CASE WHEN isnan(_rp) OR abs(_rp) = double('infinity') THEN _rx "
            f"WHEN abs(_rp - floor(_rp)) = 0.5 THEN ({tie}) / {s!r}D ELSE round(_rp, 0) / {s!r}D END), 1)), 1)")
    inner = sqlglot.parse_one(f"element_at(transform(array(CAST(__x AS DOUBLE)), _rx -> {body}), 1)", read=WRITE)
    return inner.transform(lambda c: x.copy() if isinstance(c, exp.Column) and c.name == "__x" else c)


def _case_flag(n: exp.Expression, arg: str) -> exp.Expression:
    """DuckDB's regex options ('i') as the pattern's inline flag, which Spark's (Java's) regex reads."""
    flag = n.args.get(arg)
    if flag is None:
        return n
    if not (isinstance(flag, exp.Literal) and set(flag.this) <= set("ig")):
        raise ValueError(f"regex options {flag.sql()} do not run on Spark")
    n = n.copy()
    n.set(arg, None)
    pattern = n.expression
    if "i" in flag.this:
        if not (isinstance(pattern, exp.Literal) and pattern.is_string):
            raise ValueError("a case-insensitive regex runs on Spark only with a constant pattern")
        n.set("expression", exp.Literal.string("(?i)" + pattern.this))
    return n


def _first_replace(n: exp.RegexpReplace) -> exp.Expression:
    """DuckDB's regexp_replace without 'g' replaces the first match only, Spark's every match: an
    anchored pattern matches once anyway; another is matched after the shortest prefix."""
    pattern, repl = n.expression, n.args.get("replacement")
    if not n.args.get("single_replace") or "g" in str(n.args.get("modifiers") or ""):
        n = n.copy()
        n.set("modifiers", None)
        return n
    if isinstance(pattern, exp.Literal) and pattern.this.startswith("^"):
        return n
    if not (isinstance(pattern, exp.Literal) and isinstance(repl, exp.Literal) and not set(repl.this) & set("$\\")):
        raise ValueError("regexp_replace of the first match runs on Spark only with constant, anchored patterns")
    n = n.copy()
    n.set("expression", exp.Literal.string("^(?s)(.*?)(?:" + pattern.this + ")"))
    n.set("replacement", exp.Literal.string("$1" + repl.this))
    n.set("single_replace", None)
    return n


def _ordered_list(n: exp.ArrayAgg) -> exp.Expression:
    """list(x ORDER BY k...) -> the structs (k..., x) collected, sorted by a comparator keeping each
    key's direction and NULL placement, then x of each (collect_list has no ORDER BY). A struct is
    never NULL, so NULL values stay in the list, as in DuckDB."""
    order = n.this
    if isinstance(order.this, exp.Distinct):  # list(DISTINCT x ORDER BY x): DuckDB orders by x itself
        x = order.this.expressions[0]
        desc = any(o.args.get("desc") for o in order.expressions)
        out = exp.Anonymous(this="array_sort", expressions=[exp.Anonymous(this="collect_set", expressions=[x.copy()])])
        return exp.Anonymous(this="reverse", expressions=[out]) if desc else out
    fields = [exp.alias_(o.this.copy(), f"_k{i}") for i, o in enumerate(order.expressions)]
    fields.append(exp.alias_(order.this.copy(), "_v"))
    cases = []
    for i, o in enumerate(order.expressions):
        lt, gt = ("1", "-1") if o.args.get("desc") else ("-1", "1")
        nf = "-1" if o.args.get("nulls_first") else "1"
        cases.append(f"CASE WHEN l._k{i} IS NULL AND r._k{i} IS NULL THEN 0 WHEN l._k{i} IS NULL THEN {nf} "
                     f"WHEN r._k{i} IS NULL THEN -({nf}) WHEN l._k{i} < r._k{i} THEN {lt} "
                     f"WHEN l._k{i} > r._k{i} THEN {gt} ELSE 0 END")
    cmp = "CASE " + " ".join(f"WHEN ({c}) <> 0 THEN ({c})" for c in cases) + " ELSE 0 END"
    struct = exp.Struct(expressions=fields).sql(WRITE)
    sql = f"transform(array_sort(collect_list({struct}), (l, r) -> {cmp}), s -> s._v)"
    return sqlglot.parse_one(sql, read=WRITE)


def _string_agg(n: exp.GroupConcat) -> exp.Expression:
    """string_agg(x, sep ORDER BY k) -> the ordered list joined (Spark's LISTAGG ... WITHIN GROUP
    fails with DISTINCT); NULL when no value is, as DuckDB's."""
    values = _ordered_list(exp.ArrayAgg(this=n.this.copy()))
    sep = n.args.get("separator") or exp.Literal.string(",")
    sql = (f"CASE WHEN size(filter(__l, v -> v IS NOT NULL)) = 0 THEN NULL "
           f"ELSE array_join(__l, {sep.sql(WRITE)}) END")
    return sqlglot.parse_one(sql, read=WRITE).transform(
        lambda c: values.copy() if isinstance(c, exp.Column) and c.name == "__l" else c)


def _slice(n: exp.Bracket) -> exp.Expression:
    """list[a:b] (1-based, both ends in) -> slice(list, a, b - a + 1)."""
    sl = n.expressions[0]
    a, b = sl.this, sl.expression
    if not (isinstance(a, exp.Literal) and isinstance(b, exp.Literal)):
        raise ValueError("a list slice runs on Spark only with constant bounds")
    length = max(int(b.this) - int(a.this) + 1, 0)
    return exp.Anonymous(this="slice", expressions=[n.this, exp.Literal.number(int(a.this)),
                                                    exp.Literal.number(length)])


def _filtered(n: exp.Filter) -> exp.Expression:
    """agg(...) FILTER (WHERE c) where agg became an expression around collect_list/collect_set (an
    ordered list): the filter goes onto that aggregate."""
    inner = n.this
    if isinstance(inner, exp.AggFunc):
        return n
    aggs = [a for a in inner.find_all(exp.ArrayAgg, exp.ArrayUniqueAgg, exp.Anonymous)
            if not isinstance(a, exp.Anonymous) or a.name.lower() in ("collect_list", "collect_set")]
    if len(aggs) != 1:
        raise ValueError("a FILTER clause on this aggregate does not run on Spark")
    inner = inner.copy()
    agg = next(a for a in inner.find_all(exp.ArrayAgg, exp.ArrayUniqueAgg, exp.Anonymous)
               if not isinstance(a, exp.Anonymous) or a.name.lower() in ("collect_list", "collect_set"))
    agg.replace(exp.Filter(this=agg.copy(), expression=n.expression.copy()))
    return inner


def _node(n: exp.Expression) -> exp.Expression:
    if isinstance(n, exp.Filter):
        return _filtered(n)
    if isinstance(n, exp.GroupConcat) and isinstance(n.this, exp.Order):
        return _string_agg(n)
    if isinstance(n, exp.ArrayAgg) and isinstance(n.this, exp.Order):
        return _ordered_list(n)
    if isinstance(n, exp.Bracket) and len(n.expressions) == 1 and isinstance(n.expressions[0], exp.Slice):
        return _slice(n)
    if isinstance(n, exp.RegexpLike):
        return _case_flag(n, "flag")
    if isinstance(n, exp.RegexpExtract):
        return _case_flag(n, "parameters")
    if isinstance(n, exp.RegexpReplace):
        return _first_replace(n)
    if isinstance(n, exp.Join) and (n.args.get("method") or "").upper() == "ASOF":
        return _asof(n)
    if isinstance(n, exp.Select):
        return _posexplode(n)
    if isinstance(n, exp.Anonymous):
        name = n.name.lower()
        if name == "epoch_us":
            return exp.Anonymous(this="unix_micros", expressions=n.expressions)
        if name == "list_position":
            return exp.Nullif(this=exp.ArrayPosition(this=n.expressions[0], expression=n.expressions[1])
                              if hasattr(exp, "ArrayPosition") else
                              exp.Anonymous(this="array_position", expressions=n.expressions),
                              expression=exp.Literal.number(0))
    if isinstance(n, exp.AtTimeZone) or (isinstance(n, exp.Anonymous) and n.name.lower() == "timezone"):
        if isinstance(n, exp.AtTimeZone):
            zone, ts = n.args["zone"], n.this
        else:
            zone, ts = n.expressions
        return exp.Anonymous(this="from_utc_timestamp", expressions=[ts, zone])
    if isinstance(n, exp.Round) and n.args.get("decimals") is not None:
        d = n.args["decimals"]
        if isinstance(d, exp.Literal) and d.is_int and 0 < int(d.this) <= 15:
            return _round(n.this, int(d.this))
    if isinstance(n, exp.Literal) and not n.is_string and any(ch in n.this for ch in ".eE"):
        if not isinstance(n.parent, exp.DataType) and not isinstance(n.parent, exp.Cast):
            return exp.cast(n.copy(), "DOUBLE")
    return n


def transform(tree: exp.Expression, macros: Macros | None = None) -> exp.Expression:
    """The transforms of this module's docstring, on a parsed DuckDB statement."""
    if macros:
        tree = macros.expand(tree)
    return _bottom_up(tree.copy())


def _bottom_up(node: exp.Expression) -> exp.Expression:
    """Children first, so that a rewrite building on a child (a round, a slice) gets it rewritten."""
    for child in list(node.iter_expressions()):
        new = _bottom_up(child)
        if new is not child:
            child.replace(new)
    return _node(node)


def to_spark(sql: str, params=None, macros: Macros | None = None) -> list[str]:
    """Spark SQL of each statement of `sql` (DuckDB dialect), parameters bound."""
    out = []
    for tree in sqlglot.parse(bind(sql, params), read=READ):
        if tree is None:
            continue
        out.append(transform(tree, macros).sql(WRITE))
    return out

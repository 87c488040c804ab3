"""Political ads: spend and number of ads per page, paying entity, registered actor or period, from the
Ad Library API's ads (`ads`) or from Ad Library reports (`ad_spend`), as seed 002's "Ad library" chapter
counts them (spend per candidate, number of ads, who paid).

Ranges stay ranges. Each figure is a lower and an upper bound: the sum of the lower bounds is a lower
bound of the total (an amount the source does not give is at least 0); the sum of the upper bounds is an
upper bound only when every upper bound is known, else it is unknown (NULL, "—"): the API's top bucket
and a missing spend have none. No midpoint is made up. Amounts in different currencies are never added:
currency is always a grouping column.

Actors are matched when the tables are read (so registering an actor later matches its ads): the page id
among the registry's Facebook/Instagram account ids (or accounts already attributed), else the page name,
else the paying entity (disclaimer, bylines) equal to an actor's name or alias (case-insensitive); a name
shared by two actors matches neither. `matched_by` says which rule matched.

Scope: API ads are in scope when their delivery (start to stop, or to now while running) overlaps the
monitoring period (the report's default scope), a named period, or --all. An ad counts in every period
its delivery overlaps; its spend cannot be split between them, so per-period figures may not be added.
Reports are aggregates over their own window: each report is its own group (never summed with another).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pyarrow as pa

from shailoo.errors import UsageError

BY = ("page", "payer", "actor", "period")
SOURCES = ("api", "report")

_NAMES = """SELECT k, any_value(actor_id) AS actor_id FROM (
        SELECT DISTINCT actor_id, lower(trim(n)) AS k FROM (
            SELECT actor_id, unnest(list_prepend(name, coalesce(aliases, []))) AS n FROM actors) WHERE trim(n) <> '')
    GROUP BY k HAVING count(DISTINCT actor_id) = 1"""
_IDS = """SELECT page_id, any_value(actor_id) AS actor_id FROM (
        SELECT DISTINCT account_id AS page_id, actor_id FROM actor_accounts
        WHERE platform IN ('facebook', 'instagram') AND account_id IS NOT NULL
        UNION SELECT DISTINCT account_id, actor_id FROM accounts WHERE platform = 'facebook' AND actor_id IS NOT NULL)
    GROUP BY page_id HAVING count(DISTINCT actor_id) = 1"""


def _match_sql(source: str, payer: str) -> str:
    """SQL of `source`'s rows with actor_id, actor, category and matched_by ('page id', 'page name',
    'paying entity' or NULL); `payer` is the column naming the paying entity."""
    return f"""SELECT x.* EXCLUDE (_i, _pn, _py), coalesce(_i, _pn, _py) AS actor_id, ac.name AS actor, ac.category,
               CASE WHEN _i IS NOT NULL THEN 'page id' WHEN _pn IS NOT NULL THEN 'page name'
                    WHEN _py IS NOT NULL THEN 'paying entity' END AS matched_by
        FROM (SELECT x.*, i.actor_id AS _i, pn.actor_id AS _pn, py.actor_id AS _py FROM {source} x
              LEFT JOIN ({_IDS}) i ON i.page_id = x.page_id
              LEFT JOIN ({_NAMES}) pn ON pn.k = lower(trim(x.page_name))
              LEFT JOIN ({_NAMES}) py ON py.k = lower(trim(x.{payer}))) x
        LEFT JOIN actors ac ON ac.actor_id = coalesce(_i, _pn, _py)"""


@dataclass
class AdsResult:
    """A result table and the notes a reader must see beside it."""

    table: pa.Table
    notes: list[str] = field(default_factory=list)

    @property
    def note(self) -> str | None:
        return " ".join(self.notes) or None


def ads_scope(ws, period: str | None = None, all_ads: bool = False) -> tuple[date | None, date | None, str]:
    """(first day, last day, sentence) of the ads in scope: a named period, the monitoring period
    (default, when periods exist), or every ad."""
    from shailoo.analysis.filters import period_bounds, periods_span

    if all_ads and period:
        raise UsageError("--all takes every ad; do not combine it with --period.")
    if period:
        start, end = period_bounds(ws, period)
        return start, end, f"Ads delivered (at least in part) in period {period} ({start} – {end})."
    span = None if all_ads else periods_span(ws)
    if span:
        return span[0], span[1], (f"Ads delivered (at least in part) in the monitoring period ({span[0]} – {span[1]}); "
                                  "--all for every ad.")
    return None, None, "Every ad in the workspace."


def _local_day(ws, column: str) -> str:
    tz = ws.config.timezone.replace("'", "''")
    return f"CAST(timezone('{tz}', {column}) AS DATE)"


def scoped_ads_sql(ws, start: date | None, end: date | None) -> str:
    """SQL of the ads whose delivery overlaps [start, end], matched to actors, with local first/last days."""
    first, last = _local_day(ws, "delivery_start"), _local_day(ws, "coalesce(delivery_stop, now())")
    where = []
    if start:
        where.append(f"coalesce({last}, DATE '{start.isoformat()}') >= DATE '{start.isoformat()}'")
    if end:
        where.append(f"coalesce({first}, DATE '{end.isoformat()}') <= DATE '{end.isoformat()}'")
    base = f"SELECT *, {first} AS first_day, {last} AS last_day FROM ads WHERE {' AND '.join(where) or 'TRUE'}"
    return _match_sql(f"({base})", "bylines")


# A page is its id (a page renamed between ads is one page; two pages of one name are two), shown under
# its latest name.
_GROUP = {"page": ("coalesce(page_id, page_name)", "page_id"), "payer": ("coalesce({payer}, '(no disclaimer)')", "payer"),
          "actor": ("coalesce(actor, '(no registered actor)')", "actor"), "period": ("pr.name", "period")}


def _names_sql(column: str, most: int = 10) -> str:
    """The distinct values of a column joined by '; ', at most `most` of them (then '… (N in all)')."""
    return (f"CASE WHEN count(DISTINCT {column}) > {most} THEN array_to_string(list_slice(list_sort(list(DISTINCT "
            f"{column})), 1, {most}), '; ') || ' … (' || count(DISTINCT {column}) || ' in all)' "
            f"ELSE string_agg(DISTINCT {column}, '; ') END")


def _range_sql(lower: str, upper: str, prefix: str) -> str:
    # the lower bounds add up to a lower bound; the upper ones only when every one is known
    return (f"sum(coalesce({lower}, 0)) AS {prefix}_lower, "
            f"CASE WHEN count(*) FILTER (WHERE {upper} IS NULL) = 0 THEN sum({upper}) END AS {prefix}_upper")


def ad_spend(ws, by: str = "page", source: str = "api", period: str | None = None, all_ads: bool = False,
             report: str | None = None) -> AdsResult:
    """Spend (lower and upper bound) and number of ads per page, payer, actor or period."""
    if by not in BY:
        raise UsageError(f"--by must be one of {', '.join(BY)}, not '{by}'.")
    if source not in SOURCES:
        raise UsageError(f"--source must be api or report, not '{source}'.")
    return _from_api(ws, by, period, all_ads) if source == "api" else _from_reports(ws, by, report)


def _from_api(ws, by: str, period: str | None, all_ads: bool) -> AdsResult:
    from shailoo.coding.samples import query_table

    start, end, scope = ads_scope(ws, period, all_ads)
    expr, name = _GROUP[by]
    expr = expr.format(payer="bylines")
    join = ""
    if by == "period":
        join = "JOIN periods pr ON a.first_day <= pr.end_date AND coalesce(a.last_day, a.first_day) >= pr.start_date"
    page = ", arg_max(coalesce(page_name, page_id), coalesce(last_day, first_day)) AS page" if by == "page" else ""
    sql = f"""SELECT {expr} AS {name}{page}, currency, count(*) AS ads,
                     {_range_sql('spend_lower', 'spend_upper', 'spend')},
                     count(*) FILTER (WHERE spend_lower IS NULL AND spend_upper IS NULL) AS spend_unknown,
                     {_range_sql('impressions_lower', 'impressions_upper', 'impressions')},
                     {_names_sql('coalesce(page_name, page_id)')} AS pages,
                     {_names_sql('bylines')} AS payers,
                     {_names_sql('actor')} AS actors,
                     string_agg(DISTINCT matched_by, '; ') AS matched_by,
                     min(first_day) AS first_day, max(last_day) AS last_day
              FROM ({scoped_ads_sql(ws, start, end)}) a {join}
              GROUP BY ALL ORDER BY spend_lower DESC, ads DESC, 1"""
    table = query_table(ws.con, sql)
    table = table.drop_columns([c for c in ({"page": "pages", "payer": "payers", "actor": "actors"}.get(by),)
                                if c in table.column_names])
    notes = [scope, RANGE_NOTE]
    unknown = sum(table.column("spend_unknown").to_pylist()) if table.num_rows else 0
    if unknown:
        notes.append(f"{unknown:,} ads have no spend in the file: they count as ads, and their spend is unknown.")
    if by == "period":
        notes.append("An ad counts in every period its delivery overlaps (its spend cannot be split between them): "
                     "do not add the periods up.")
    if not table.num_rows:
        total = ws.con.execute("SELECT count(*) FROM ads").fetchall()[0][0]
        notes.append("No ads in this scope." if total else
                     "No ads in the workspace: import Ad Library API JSON with `shailoo ads import FILE`.")
    return AdsResult(table, notes)


RANGE_NOTE = ("Spend and impressions are ranges as Meta gives them: *_lower adds the lower bounds, *_upper the "
              "upper bounds (“—” when an ad's upper bound is open or unknown); no midpoint is made up.")


def _from_reports(ws, by: str, report: str | None) -> AdsResult:
    from shailoo.coding.samples import query_table

    if by == "period":
        raise UsageError("A report covers its own window, so its spend cannot be split by period; use --by page, "
                         "payer or actor (each report is shown on its own).")
    keys = [r[0] for r in ws.con.execute("SELECT DISTINCT report_key FROM ad_spend ORDER BY 1").fetchall()]
    where, params = "TRUE", []
    if report:
        chosen = [k for k in keys if report in (k, _label(k))]
        if not chosen:
            known = ", ".join(_label(k) for k in keys[:6]) or "none imported yet"
            raise UsageError(f"There is no Ad Library report '{report}'; known reports: {known} "
                             "(see `shailoo ads reports`).")
        where, params = "report_key = ?", [chosen[0]]
    expr, name = _GROUP[by]
    expr = expr.format(payer="disclaimer")
    page = ", arg_max(coalesce(page_name, page_id), row_number) AS page" if by == "page" else ""
    sql = f"""SELECT {_label_sql()} AS report, {expr} AS {name}{page}, currency, sum(ads)::BIGINT AS ads,
                     count(*) FILTER (WHERE ads IS NULL) AS ads_unknown,
                     {_range_sql('spend_lower', 'spend_upper', 'spend')},
                     {_names_sql('coalesce(page_name, page_id)')} AS pages,
                     {_names_sql('disclaimer')} AS payers,
                     bool_or(without_disclaimer) AS any_without_disclaimer,
                     {_names_sql('actor')} AS actors,
                     string_agg(DISTINCT matched_by, '; ') AS matched_by,
                     any_value(window_start) AS window_start, any_value(window_end) AS window_end
              FROM ({_match_sql('(SELECT * FROM ad_spend WHERE ' + where + ')', 'disclaimer')}) r
              GROUP BY report_key, report, {expr}, currency
              ORDER BY report, spend_lower DESC, ads DESC, 2"""
    table = query_table(ws.con, sql, params)
    table = table.drop_columns([c for c in ({"page": "pages", "payer": "payers", "actor": "actors"}.get(by),)
                                if c in table.column_names])
    notes = [RANGE_NOTE.replace(" and impressions are", " is").replace("an ad's", "a row's"),
             "Each report is its own group: reports over different windows are never added up."]
    if not table.num_rows:
        notes.append("No Ad Library report in the workspace: import one with `shailoo ads import FILE`.")
    return AdsResult(table, notes)


def _label(key: str) -> str:
    parts = key.split("|")
    if len(parts) != 4:
        return f"file {key[:12]}"
    country, day, window, _layout = parts
    return f"{country} {day} {window if window != 'None' else 'window unknown'}"


def _label_sql() -> str:
    return ("CASE WHEN len(string_split(report_key, '|')) = 4 THEN country || ' ' || CAST(report_date AS VARCHAR) || ' ' "
            "|| coalesce(report_range, 'window unknown') ELSE 'file ' || left(report_key, 12) END")


def reports(ws) -> pa.Table:
    """Every Ad Library report imported: its label, country, date, window, rows, currency and spend bounds."""
    from shailoo.coding.samples import query_table

    return query_table(ws.con, f"""SELECT {_label_sql()} AS report, layout, country, report_date, report_range,
            any_value(window_start) AS window_start, any_value(window_end) AS window_end, count(*) AS advertisers,
            sum(ads)::BIGINT AS ads, currency, {_range_sql('spend_lower', 'spend_upper', 'spend')},
            count(*) FILTER (WHERE without_disclaimer) AS without_disclaimer, max(import_id) AS import_id
        FROM ad_spend GROUP BY report_key, report, layout, country, report_date, report_range, currency
        ORDER BY report_date DESC NULLS LAST, report""")

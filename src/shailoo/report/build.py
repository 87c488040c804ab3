"""Build the monitoring report from a workspace: one self-contained HTML file (inline SVG charts,
CSV downloads as data: URIs, no script or CDN), an XLSX workbook, and a PDF printed by Chromium.

The report follows the reference monitoring report (seeds/002): a summary strip, the team's
introduction and key findings, an overview, per platform the posts and interactions of every
category's actors and the weekly activity, the top posts, comparisons, results, topics and key
terms, the team's own sections, the methodology and who made the report. Its words come from
report/locales (en, ru, ky) and the team's from <workspace>/report/ (report/config.py).

`write_report`, `write_xlsx` and `write_pdf` are the entry points (the CLI and `shailoo demo`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from shailoo import __version__
from shailoo.analysis import metrics_rank
from shailoo.analysis.filters import PostFilter, periods_span, scoped
from shailoo.analysis.metrics import unknown_counts
from shailoo.analysis.snapshot import (
    engagement_source,
    fetch,
    materialized,
    min_hours,
    snapshot_coverage,
)
from shailoo.outputs import check_output, write_output
from shailoo.report import charts
from shailoo.report.blocks import Block
from shailoo.report.config import ReportConfig, load_config
from shailoo.report.i18n import Tr
from shailoo.report.markdown import render_markdown
from shailoo.report.sections import (
    comparison_section,
    platform_sections,
    results_section,
    top_posts_section,
)

Progress = Callable[[str], None]


@dataclass
class Report:
    tr: Tr
    config: ReportConfig
    sections: list[dict] = field(default_factory=list)
    summary: list[dict] = field(default_factory=list)
    scope: str = ""
    span: tuple | None = None


def report_filter(ws, period: str | None = None, flt: PostFilter | None = None,
                  all_posts: bool = False) -> tuple[PostFilter, str]:
    """The report's posts and the sentence saying which: the same default scope as the CLI."""
    flt = flt or PostFilter()
    if period:
        flt = replace(flt, period=period)
    scoped_flt, text = scoped(ws, flt, all_posts)
    scoped_flt.where(ws)  # a clear error for an unknown period, platform, category or actor
    return scoped_flt, text


def _scope(ws, flt: PostFilter, all_posts: bool, tr: Tr) -> tuple[str, tuple]:
    """The scope sentence in the reader's language, and the first and last day covered."""
    from shailoo.analysis.filters import period_bounds

    if flt.period:
        start, end = period_bounds(ws, flt.period)
        return tr("scope.period", name=flt.period, span=tr.span(start, end)), (start, end)
    span = None if all_posts else periods_span(ws)
    if (flt.start or flt.end) and (span is None or (flt.start, flt.end) != span):
        start, end = ws.con.execute("SELECT min(day), max(day) FROM posts_v").fetchall()[0]
        start, end = flt.start or start, flt.end or end
        return tr("scope.range", span=tr.span(start, end)), (start, end)
    if span is None:
        start, end = ws.con.execute("SELECT min(day), max(day) FROM posts_v").fetchall()[0]
        return tr("scope.all", span=tr.span(start, end)), (start, end)
    outside = ws.con.execute("""SELECT count(*) FROM posts_v WHERE post_type NOT IN ('comment', 'reply')
        AND NOT (day BETWEEN ? AND ?)""", list(span)).fetchall()[0][0]
    text = tr("scope.monitoring", span=tr.span(*span))
    return (text + " " + tr("scope.outside", n=outside) if outside else text), span


def _summary(ws, flt: PostFilter, tr: Tr, span) -> list[dict]:
    """The strip at the top: posts, interactions, daily average, interaction rate, actors, period —
    each with what it leaves out."""
    where, params = flt.where(ws)
    row = fetch(ws, f"""SELECT count(*)::BIGINT AS posts, sum(interactions)::BIGINT AS interactions,
            count(*) FILTER (WHERE interactions IS NULL)::BIGINT AS unknown,
            avg(interactions / nullif(followers_at_posting, 0)) * 100 AS rate,
            count(*) FILTER (WHERE interactions IS NULL OR nullif(followers_at_posting, 0) IS NULL)::BIGINT
                AS rate_unknown,
            count(DISTINCT actor_id)::BIGINT AS actors
        FROM {engagement_source(ws)} WHERE {where}""", params).to_pylist()[0]
    registered = ws.con.execute("SELECT count(*) FROM actors").fetchall()[0][0]
    days = (span[1] - span[0]).days + 1 if span and span[0] else None
    return [
        {"label": tr("sum.posts"), "value": tr.num(row["posts"]), "note": ""},
        {"label": tr("sum.interactions"), "value": tr.compact(row["interactions"]),
         "note": tr("sum.unknown", n=row["unknown"]) if row["unknown"] else tr("sum.all_known")},
        {"label": tr("sum.daily"), "value": tr.num(row["posts"] / days, 1) if days else "—",
         "note": tr("sum.days", n=days) if days else ""},
        {"label": tr("sum.rate"), "value": tr.pct(row["rate"], 2) if row["rate"] is not None else "—",
         "note": tr("sum.rate_note", n=row["rate_unknown"]) if row["rate_unknown"] else tr("sum.rate_all")},
        {"label": tr("sum.actors"), "value": tr.num(row["actors"]), "note": tr("sum.actors_note", m=registered)},
        {"label": tr("sum.period"), "value": tr.span(*span) if span else "—", "note": ""},
    ]


def _overview(ws, flt: PostFilter, tr: Tr, notes: dict) -> dict:
    t = metrics_rank.overview(ws, flt)
    plats = list(dict.fromkeys(t["platform"].to_pylist()))
    data = [{"category": tr.category(r["category"], plural=True), "platform": tr.platform(r["platform"]),
             "value": r["posts"]} for r in t.to_pylist()]
    color = charts.color_scale(plats, charts.PLATFORM_COLORS, {p: tr.platform(p) for p in plats})
    title = tr("blk.overview")
    chart = charts.bars(data, "category", "value", title, tr("col.posts"), tr, color=color, color_field="platform",
                        offset="platform", sort=False)
    return {"id": "overview", "title": tr("sec.overview"), "notes": notes.get("overview"), "blocks": [
        Block(title, t, chart, name="overview",
              columns=["platform", "category", "actors", "posts", "interactions", "interactions_unknown", "views",
                       "interaction_rate_pct"], note=tr("note.overview"))]}


def _findings(ws, flt: PostFilter, tr: Tr, cfg: ReportConfig) -> dict:
    if cfg.findings.strip():
        return {"id": "findings", "title": tr("sec.findings"), "html": render_markdown(cfg.findings), "blocks": []}
    # No findings written yet: the data's highlights, so that the section is never empty.
    rk = metrics_rank.rankings(ws, flt, n=1).to_pylist()
    items = []
    for r in rk:
        key = "find.active" if r["ranking"] == "most active" else "find.engaging"
        items.append(tr(key, platform=tr.platform(r["platform"]), category=tr.category(r["category"], plural=True),
                        actor=r["actor"], posts=r["posts"], interactions=r["interactions"]))
    return {"id": "findings", "title": tr("sec.highlights"), "bullets": items[:14], "blocks": [],
            "intro_note": tr("note.highlights")}


def _introduction(ws, flt: PostFilter, tr: Tr, cfg: ReportConfig, span) -> dict:
    where, params = flt.where(ws)
    n_actors, n_cats, plats = ws.con.execute(f"""SELECT count(DISTINCT actor_id), count(DISTINCT category)
        FILTER (WHERE actor_id IS NOT NULL), list(DISTINCT platform ORDER BY platform) FROM posts_v WHERE {where}""",
                                             params).fetchall()[0]
    auto = tr("intro.auto", span=tr.span(*span) if span else "—", actors=n_actors, categories=n_cats,
              platforms=", ".join(tr.platform(p) for p in plats or []))
    return {"id": "introduction", "title": tr("sec.introduction"), "paragraphs": [auto],
            "html": render_markdown(cfg.introduction), "blocks": []}


def _methodology(ws, flt: PostFilter, tr: Tr, scope_text: str, notes: dict) -> dict:
    actors = fetch(ws, """SELECT a.name AS actor, a.category,
                                 string_agg(DISTINCT aa.platform, ', ' ORDER BY aa.platform) AS platforms,
                                 array_to_string(a.aliases, ' | ') AS aliases
                          FROM actors a LEFT JOIN actor_accounts aa USING (actor_id)
                          GROUP BY a.actor_id, a.name, a.category, a.aliases ORDER BY a.category, a.name""")
    periods = fetch(ws, "SELECT name, start_date, end_date, (end_date - start_date + 1)::BIGINT AS days "
                        "FROM periods ORDER BY start_date")
    imports = fetch(ws, """SELECT file_name, format, started_at::DATE AS imported_on, records, imported, updated,
                                  quarantined FROM imports ORDER BY import_id""")
    unknown = unknown_counts(ws, flt)
    cov = snapshot_coverage(ws, *flt.where(ws))
    hours = min_hours(ws)
    paragraphs = [scope_text, tr("m.workspace", project=ws.config.project, tz=ws.config.timezone),
                  tr("m.actors", actors=actors.num_rows, categories=len(set(actors["category"].to_pylist())),
                     files=imports.num_rows),
                  tr("m.interactions"), tr("m.snapshot", hours=f"{hours:g}"), tr("m.unknown"), tr("m.rate"),
                  tr("m.shares"), tr("m.comments"), tr("m.text")]
    chosen = [f"{tr(f'm.only_{label}')}: {', '.join(v)}" for label, v in
              (("platforms", flt.platforms), ("categories", flt.categories), ("actors", flt.actors)) if v]
    if chosen:
        paragraphs.insert(1, "; ".join(chosen) + ".")
    return {"id": "methodology", "title": tr("sec.methodology"), "paragraphs": paragraphs,
            "notes": notes.get("methodology"), "commands": COMMANDS, "blocks": [
                Block(tr("blk.actors"), actors, name="actors", fold=15),
                Block(tr("blk.periods"), periods, name="periods"),
                Block(tr("blk.unknown"), unknown, name="unknown-counts", note=tr("note.unknown_rule")),
                Block(tr("blk.coverage"), cov, name="snapshot-coverage", note=tr("note.coverage", hours=f"{hours:g}")),
                Block(tr("blk.imports"), imports, name="imports", fold=8)]}


# The methodology may give the commands that recompute the figures (the body never does).
COMMANDS = ["shailoo metrics posts --by actor --platform facebook", "shailoo metrics top --by category",
            "shailoo metrics compare", "shailoo topics --by week", "shailoo assoc TERM", "shailoo kwic TERM",
            "shailoo report --lang ru --out report.html --xlsx report.xlsx --pdf report.pdf"]


def _about(tr: Tr, cfg: ReportConfig) -> dict | None:
    if not cfg.organisations and not cfg.authors:
        return None
    orgs = [{"name": o.name, "url": o.url, "html": render_markdown(o.about)} for o in cfg.organisations]
    return {"id": "about", "title": tr("sec.about"), "organisations": orgs, "authors": cfg.authors, "blocks": []}


def build_report(ws, period: str | None = None, include_text: bool = True, flt: PostFilter | None = None,
                 all_posts: bool = False, lang: str | None = None, progress: Progress | None = None,
                 config: ReportConfig | None = None, with_suggestions: bool = False) -> Report:
    """Compute every section (with the per-post table materialised once for the metric ones).

    With final codes in the workspace the coded sections come in (report/coded_sections.py);
    `with_suggestions` adds tables of machine suggestions beside them, labelled as such."""
    step = progress or (lambda _stage: None)
    cfg = config or load_config(ws)
    tr = Tr(lang or cfg.language or "en", ws.config.timezone)
    # The CLI's own scope sentence goes beside the commands in the methodology (what they print).
    flt, cli_scope = report_filter(ws, period, flt, all_posts)
    scope_text, span = _scope(ws, flt, all_posts, tr)
    report = Report(tr, cfg, scope=scope_text, span=span)
    want = set(cfg.sections)
    notes = {k: render_markdown(v) for k, v in cfg.notes.items()}
    out: list[dict] = []
    with materialized(ws):
        step("summary")
        report.summary = _summary(ws, flt, tr, span) if "summary" in want else []
        if "introduction" in want:
            out.append(_introduction(ws, flt, tr, cfg, span))
        if "findings" in want:
            out.append(_findings(ws, flt, tr, cfg))
        if "overview" in want:
            out.append(_overview(ws, flt, tr, notes))
        step("platforms")
        if "platforms" in want:
            out += platform_sections(ws, flt, tr, notes)
        step("top posts")
        if "top_posts" in want:
            out.append(top_posts_section(ws, flt, tr, cfg.top_posts, notes))
        step("comparisons")
        if "comparisons" in want:
            out.append(comparison_section(ws, flt, tr, notes))
        if "timeline" in want:
            from shailoo.report.timeline_sections import timeline_section

            step("timeline")
            out.append(timeline_section(ws, flt, tr, span, notes))
        if "results" in want:
            out.append(results_section(ws, flt, tr, notes))
        if "channels" in want:
            from shailoo.report.channels_sections import channels_section

            step("channels, groups")
            out.append(channels_section(ws, flt, tr))
        coding = "coding" in want
        if coding:
            from shailoo.report.coded_sections import coded_methodology, coded_section

            step("coded sections")
            out.append(coded_section(ws, flt, tr, with_suggestions))
        step("methodology")
        method = _methodology(ws, flt, tr, scope_text, notes) if "methodology" in want else None
        if method:
            method["commands"] = [*COMMANDS, f"# {cli_scope}"]
            if coding:
                paragraphs, blocks = coded_methodology(ws, tr, with_suggestions)
                method["paragraphs"] += paragraphs
                method["blocks"] += blocks
                if blocks:
                    method["commands"].insert(-1, "shailoo coding reliability")
    if include_text and "text" in want:
        from shailoo.report.text_sections import text_section

        step("text")
        out.append(text_section(ws, flt, tr, cfg, progress=lambda s: step(f"text: {s}")))
        if out[-1] is not None and notes.get("text"):
            out[-1]["notes"] = notes["text"]
    if "coordination" in want:
        from shailoo.report.coordination_sections import coordination_section

        step("coordination")
        out.append(coordination_section(ws, flt, tr, notes))
    if "ads" in want:
        from shailoo.report.ads_sections import ads_section

        step("political ads")
        out.append(ads_section(ws, flt, tr, notes))
    if "inflammatory" in want:
        from shailoo.report.inflammatory_sections import inflammatory_section

        step("inflammatory language")
        out.append(inflammatory_section(ws, flt, tr, notes))
    if "extra" in want:
        for i, extra in enumerate(cfg.extra):
            out.append({"id": f"extra-{i + 1}", "title": extra.title, "html": render_markdown(extra.text), "blocks": []})
    out.append(method)
    if "about" in want:
        out.append(_about(tr, cfg))
    report.sections = [s for s in out if s is not None]
    return report


def build_sections(ws, period: str | None = None, include_text: bool = True, flt: PostFilter | None = None,
                   all_posts: bool = False, lang: str | None = None) -> list[dict]:
    return build_report(ws, period, include_text, flt, all_posts, lang).sections


# The report has no script: this policy forbids any (inline, event handlers, javascript: links),
# any fetch, frame, plugin, form or <base>; images only as data: URIs; its own inline styles.
# CSV downloads are data: links the user follows, which no directive here blocks.
CSP = ("default-src 'none'; script-src 'none'; object-src 'none'; style-src 'unsafe-inline'; img-src data:; "
       "font-src 'none'; connect-src 'none'; media-src 'none'; frame-src 'none'; worker-src 'none'; "
       "manifest-src 'none'; base-uri 'none'; form-action 'none'")


def render_html(ws, report: Report, print_mode: bool = False) -> str:
    from shailoo.report.render import render

    return render(ws, report, CSP, __version__, print_mode,
                  generated=datetime.now(UTC))


def write_report(ws, out_path: str | Path, period: str | None = None, include_text: bool = True,
                 flt: PostFilter | None = None, all_posts: bool = False, lang: str | None = None,
                 progress: Progress | None = None, report: Report | None = None) -> Path:
    """Write the self-contained HTML report (atomically, see outputs.atomic_output); return its path."""
    check_output(out_path)  # a bad target fails before the work
    report = report or build_report(ws, period, include_text, flt, all_posts, lang, progress)
    if progress:
        progress("writing HTML")
    return write_output(out_path, render_html(ws, report), parents=True)


def write_xlsx(ws, path: str | Path, period: str | None = None, include_text: bool = True,
               flt: PostFilter | None = None, all_posts: bool = False, lang: str | None = None,
               progress: Progress | None = None, report: Report | None = None) -> Path:
    """Write every table of the report as a sheet of an XLSX workbook (whole tables, never cut;
    unknown values are empty cells), with an index sheet; return its path."""
    from shailoo.report.xlsx import write_workbook

    check_output(path)
    report = report or build_report(ws, period, include_text, flt, all_posts, lang, progress)
    if progress:
        progress("writing XLSX")
    return write_workbook(report, Path(path))


def write_pdf(ws, path: str | Path, period: str | None = None, include_text: bool = True,
              flt: PostFilter | None = None, all_posts: bool = False, lang: str | None = None,
              progress: Progress | None = None, report: Report | None = None) -> Path:
    """Print the report to an A4 PDF with headless Chromium (folded rows unfolded); return its path."""
    from shailoo.report.pdf import print_pdf

    check_output(path)
    report = report or build_report(ws, period, include_text, flt, all_posts, lang, progress)
    if progress:
        progress("printing PDF")
    return print_pdf(render_html(ws, report, print_mode=True), Path(path))


def all_tables(sections: list[dict]) -> list[tuple[str, pa.Table]]:
    return [(b.name, b.table) for s in sections for b in s["blocks"]]

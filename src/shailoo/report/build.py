"""Build the monitoring report from a workspace: one self-contained HTML file (inline SVG charts,
CSV downloads as data: URIs, no script or CDN) and an XLSX workbook with every table as a sheet.

`write_report(ws, out_path, period=None)` and `write_xlsx(ws, path, period=None)` are the entry
points (the CLI and `shailoo demo` call them)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from shailoo import __version__
from shailoo.outputs import check_output, write_output
from shailoo.analysis import metrics_rank
from shailoo.analysis.filters import PostFilter, scoped
from shailoo.analysis.metrics import unknown_counts
from shailoo.analysis.snapshot import fetch, materialized, min_hours, snapshot_coverage
from shailoo.report import charts
from shailoo.report.blocks import Block, csv_data_uri, html_rows
from shailoo.report.sections import (CATEGORY_TITLES, comparison_section, left_out_note, platform_sections,
                                     results_section)


def _overview_section(ws, flt: PostFilter) -> dict:
    t = metrics_rank.overview(ws, flt)
    labeled = t.append_column("label", pa.array(
        [f"{r['platform']} · {CATEGORY_TITLES.get(r['category'], r['category'])}" for r in t.to_pylist()], pa.string()))
    known = labeled.filter(pc.fill_null(pc.is_valid(labeled["interactions"]), False))
    left = [r["label"] for r in labeled.to_pylist() if r["interactions"] is None]
    partial = sum(r["interactions_unknown"] for r in labeled.to_pylist() if r["interactions"] is not None)
    cov = snapshot_coverage(ws, *flt.where(ws))
    early = sum(cov["snapshot_early"].to_pylist()) if cov.num_rows else 0
    none = sum(cov["no_snapshot"].to_pylist()) if cov.num_rows else 0
    chart_note = " ".join(n for n in (
        left_out_note(left),
        f"Bars are sums over the posts whose interactions are known; {partial:,} posts of the drawn rows "
        "are left out (interactions_unknown)." if partial else None) if n)
    unknown = unknown_counts(ws, flt)
    return {"id": "overview", "title": "Overview", "blocks": [
        Block("Posts and interactions per platform and category", t,
              charts.stacked_bars(known["label"].to_pylist(), {"interactions": known["interactions"].to_pylist()},
                                  "Interactions per platform and category") if known.num_rows else None,
              name="overview", note=chart_note or None),
        Block("Engagement counts known and unknown per platform", unknown, name="unknown-counts",
              note="Unknown is not zero: a count the export does not give, or a post never measured, is “—” in "
                   "every table, left out of sums, averages, rates and shares, and counted in the *_unknown "
                   "columns beside them. Interactions are unknown when any of their parts is."),
        Block("Engagement snapshots used", cov, name="snapshot-coverage",
              note=(f"{early:,} posts were measured only less than {min_hours(ws):g} h after posting (their latest "
                    f"snapshot is used, flagged snapshot_early); {none:,} posts have no engagement counts."))]}


def _text_sections(ws, flt: PostFilter) -> list[dict]:
    try:
        from shailoo.analysis.text_report import text_report_sections
    except ImportError as exc:  # the text module is optional; any other failure is a bug to see
        if exc.name and exc.name.startswith("shailoo.analysis.text_report"):
            return []
        raise
    out = []
    for s in text_report_sections(ws, flt):
        captions = s.get("captions") or []
        limits = s.get("limits") or []
        blocks = [Block(captions[i] if i < len(captions) else s["title"], t, name=f"{s.get('id', 'text')}-{i + 1}",
                        limit=limits[i] if i < len(limits) else None)
                  for i, t in enumerate(s.get("tables") or [])]
        for hint in s.get("charts") or []:
            if hint.get("table", 0) < len(blocks):
                block = blocks[hint.get("table", 0)]
                block.chart = _hinted_chart(block.table, hint, s["title"])
        notes = s.get("notes") or []
        if notes and blocks:
            blocks[-1].note = " ".join(notes)
        out.append({"id": s.get("id") or f"text-{len(out)}", "title": s["title"], "blocks": blocks,
                    "notes": [] if blocks else notes})
    return out


def _hinted_chart(table: pa.Table, hint: dict, title: str) -> str | None:
    """Draw a text section's table as its hint says: bars (one chart per facet) or weekly lines."""
    if table.num_rows == 0:
        return None
    x, y = hint.get("x"), hint.get("y")
    if hint.get("kind") == "line":
        weeks = sorted(set(table[x].to_pylist()))
        lookup = {(r[hint["series"]], r[x]): r[y] for r in table.to_pylist()}
        names = list(dict.fromkeys(table[hint["series"]].to_pylist()))
        return charts.weekly_lines(weeks, {n: [lookup.get((n, w), 0) for w in weeks] for n in names}, title)
    from markupsafe import Markup

    facet = hint.get("facet")
    groups = list(dict.fromkeys(table[facet].to_pylist())) if facet else [None]
    svgs = []
    for group in groups:
        rows = [r for r in table.to_pylist() if facet is None or r[facet] == group]
        color = charts.PLATFORM_COLORS.get(group, "#4e79a7") if group else "#4e79a7"
        svgs.append(charts.bars([str(r[x]) for r in rows], [r[y] for r in rows],
                                f"{title}: {group}" if group else title, color, y))
    return Markup("").join(svgs)  # SVG built (and escaped) by charts.py


def _methodology(ws, flt: PostFilter, scope_text: str) -> dict:
    actors = fetch(ws, """SELECT a.name AS actor, a.category,
                                 string_agg(DISTINCT aa.platform, ', ' ORDER BY aa.platform) AS platforms,
                                 array_to_string(a.aliases, ' | ') AS aliases
                          FROM actors a LEFT JOIN actor_accounts aa USING (actor_id)
                          GROUP BY a.actor_id, a.name, a.category, a.aliases ORDER BY a.category, a.name""")
    periods = fetch(ws, "SELECT name, start_date, end_date, (end_date - start_date + 1)::BIGINT AS days "
                        "FROM periods ORDER BY start_date")
    imports = fetch(ws, """SELECT file_name, format, started_at::DATE AS imported_on, records, imported, updated,
                                  quarantined FROM imports ORDER BY import_id""")
    hours = min_hours(ws)
    text = [
        f"Workspace “{ws.config.project}”, time zone {ws.config.timezone}: days and weeks (Monday–Sunday) are local.",
        f"{actors.num_rows} actors in {len(set(actors['category'].to_pylist()))} categories were monitored; "
        f"{imports.num_rows} export files were imported.",
        "Interactions per platform: Facebook reactions + comments + shares; Instagram likes + comments; "
        "Telegram reactions + forwards + replies; VK likes + comments + reposts; YouTube likes + comments. "
        "Views are never interactions.",
        f"Snapshot rule: each post's counts come from the first engagement snapshot measured {hours:g} hours or "
        "more after posting; posts measured only earlier use their latest snapshot and are flagged.",
        "Unknown is not zero: a count an export does not give (views in Facebook exports without views, "
        "forwards and replies in Telegram Desktop exports, every count of a post never measured) is shown as “—”, "
        "never 0; sums, averages, rates and shares cover only the posts where the count is known, and the "
        "*_unknown columns beside them say how many posts were left out. A post's interactions are unknown "
        "when any of its platform's parts is unknown. A post whose counts are unknown still counts as a post.",
        "Interaction rate: mean over posts with a known follower count of interactions ÷ followers at posting.",
        "Shares (%) are an actor's part of its category's total (a category's part of the platform's).",
        "Comments and replies by other users are not counted as posts.",
    ]
    # The same scope sentence the CLI prints under its tables (analysis.filters.scoped).
    text.insert(1, scope_text + " The command-line analyses use the same default scope.")
    chosen = [f"{label}: {', '.join(v)}" for label, v in (("platforms", flt.platforms), ("categories", flt.categories),
                                                         ("actors", flt.actors)) if v]
    if chosen:
        text.insert(2, "Only posts of " + "; ".join(chosen) + ".")
    return {"id": "methodology", "title": "Methodology", "paragraphs": text, "blocks": [
        Block("Monitored actors", actors, name="actors"), Block("Periods", periods, name="periods"),
        Block("Imported files", imports, name="imports")]}


def report_filter(ws, period: str | None = None, flt: PostFilter | None = None,
                  all_posts: bool = False) -> tuple[PostFilter, str]:
    """The report's posts and the sentence saying which: the same default scope as the CLI."""
    flt = flt or PostFilter()
    if period:
        flt = PostFilter(platform=flt.platform, category=flt.category, actor=flt.actor, period=period,
                         start=flt.start, end=flt.end)
    scoped_flt, text = scoped(ws, flt, all_posts)
    scoped_flt.where(ws)  # a clear error for an unknown period, platform, category or actor
    return scoped_flt, text


def build_sections(ws, period: str | None = None, include_text: bool = True, flt: PostFilter | None = None,
                   all_posts: bool = False) -> list[dict]:
    """Compute every section (with the per-post table materialised once for all of them)."""
    flt, scope_text = report_filter(ws, period, flt, all_posts)
    with materialized(ws):
        number = [0]
        sections = [_overview_section(ws, flt)] + platform_sections(ws, flt, number)
        for extra in (comparison_section(ws, flt), results_section(ws, flt)):
            if extra:
                sections.append(extra)
    if include_text:
        sections += _text_sections(ws, flt)
    sections.append(_methodology(ws, flt, scope_text))
    sections[0]["scope"] = scope_text
    return sections


# The report has no script: this policy forbids any (inline, event handlers, javascript: links),
# any fetch, frame, plugin, form or <base>; images only as data: URIs; its own inline styles.
# CSV downloads are data: links the user follows, which no directive here blocks.
CSP = ("default-src 'none'; script-src 'none'; object-src 'none'; style-src 'unsafe-inline'; img-src data:; "
       "font-src 'none'; connect-src 'none'; media-src 'none'; frame-src 'none'; worker-src 'none'; "
       "manifest-src 'none'; base-uri 'none'; form-action 'none'")


def _render(ws, sections: list[dict], period: str | None) -> str:
    from jinja2 import Environment, PackageLoader

    # Autoescape every template whatever its name ("report.html.j2" does not end in .html, so
    # select_autoescape(["html"]) left it off): all text from data is escaped; only Markup built by
    # charts.py (which escapes its own data) goes in as is.
    env = Environment(loader=PackageLoader("shailoo.report", "templates"), autoescape=True)
    for s in sections:
        for b in s["blocks"]:
            b.header, b.html = html_rows(b)
            b.csv_uri = csv_data_uri(b.table)
    template = env.get_template("report.html.j2")
    return template.render(project=ws.config.project, period=period, sections=sections, version=__version__, csp=CSP,
                           scope=sections[0].get("scope", "") if sections else "",
                           generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                           platform_colors=charts.PLATFORM_COLORS)


def write_report(ws, out_path: str | Path, period: str | None = None, include_text: bool = True,
                 flt: PostFilter | None = None, all_posts: bool = False) -> Path:
    """Write the self-contained HTML report (atomically, see outputs.atomic_output); return its path."""
    check_output(out_path)  # a bad target fails before the work
    sections = build_sections(ws, period, include_text=include_text, flt=flt, all_posts=all_posts)
    return write_output(out_path, _render(ws, sections, period), parents=True)


def write_xlsx(ws, path: str | Path, period: str | None = None, include_text: bool = True,
               flt: PostFilter | None = None, all_posts: bool = False) -> Path:
    """Write every table of the report as a sheet of an XLSX workbook (whole tables, never cut;
    unknown values are empty cells); return its path."""
    from shailoo.report.xlsx import write_workbook

    check_output(path)
    blocks = [b for s in build_sections(ws, period, include_text=include_text, flt=flt, all_posts=all_posts)
              for b in s["blocks"]]
    return write_workbook(blocks, Path(path))


def all_tables(sections: list[dict]) -> list[tuple[str, pa.Table]]:
    return [(b.name, b.table) for s in sections for b in s["blocks"]]

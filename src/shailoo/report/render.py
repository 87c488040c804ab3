"""The report's HTML: the Jinja template with autoescape on for every value; only Markup built by
charts.py (checked library SVG) and markdown.py (Markdown with raw HTML disabled) goes in as is."""

from __future__ import annotations

from datetime import datetime

from shailoo.report import charts
from shailoo.report.blocks import FOLD, csv_data_uri, html_rows


def unknown_note(block, tr) -> str | None:
    """What the table's figures leave out when its *_unknown columns are not shown (unknown is not
    zero: every figure that excludes posts says how many, here or in a column)."""
    shown = set(block.columns_shown)
    parts = []
    for name in block.table.column_names:
        if name.endswith("_unknown") and name not in shown:
            n = sum(v for v in block.table.column(name).to_pylist() if isinstance(v, int))
            if n:
                parts.append(f"{tr.column(name)}: {tr.num(n)}")
    return tr("note.unknown_left_out", parts="; ".join(parts)) if parts else None


def render(ws, report, csp: str, version: str, print_mode: bool, generated: datetime) -> str:
    from jinja2 import Environment, PackageLoader

    # Autoescape every template whatever its name ("report.html.j2" does not end in .html).
    env = Environment(loader=PackageLoader("shailoo.report", "templates"), autoescape=True)
    tr = report.tr
    for s in report.sections:
        for b in s["blocks"]:
            b.columns_shown, b.header, rows = html_rows(b, tr)
            fold = b.fold if b.fold is not None else FOLD
            # Folded rows are one click away; a printed report (print_mode) shows them all.
            b.html, b.more = (rows, []) if len(rows) <= fold + 2 else (rows[:fold], rows[fold:])
            b.csv_uri = csv_data_uri(b.table)
            b.unknown_note = unknown_note(b, tr)
    cfg = report.config
    title = cfg.title or tr("title.default", project=ws.config.project)
    return env.get_template("report.html.j2").render(
        tr=tr, lang=tr.lang, title=title, subtitle=cfg.subtitle, logo=cfg.logo_uri,
        organisations=cfg.organisations, sections=report.sections, summary=report.summary, scope=report.scope,
        version=version, csp=csp, print_mode=print_mode, generated=tr.datetime(generated),
        platform_colors={tr.platform(p): c for p, c in charts.PLATFORM_COLORS.items()})

"""Server-side SVG charts for the report: sorted horizontal bars, stacked bars of interaction
types, grouped bars and weekly lines. Plain SVG, so the report opens offline with no script;
colours are fixed per platform, category and interaction type across every chart.

Every text from data (labels, series names, titles) is escaped here with html.escape; the
finished SVG is returned as markupsafe.Markup, the only HTML the report template inserts as is."""

from __future__ import annotations

import re
from datetime import date
from html import escape
from typing import Sequence

from markupsafe import Markup

PLATFORM_COLORS = {"facebook": "#1877f2", "instagram": "#c13584", "telegram": "#229ed9", "vk": "#4c75a3",
                   "ok": "#ee8208", "youtube": "#e62117", "x": "#14171a", "tiktok": "#00a3a3"}
CATEGORY_COLORS = {"candidate": "#1f77b4", "politician": "#ff7f0e", "party": "#2ca02c", "authority": "#7f7f7f",
                   "media": "#9467bd", "influencer": "#e377c2", "public_group": "#8c564b", "other": "#bcbd22",
                   "unregistered": "#c7c7c7"}
PART_COLORS = {"reactions": "#4e79a7", "likes": "#4e79a7", "comments": "#f28e2b", "shares": "#59a14f",
               "views": "#b07aa1", "posts": "#4e79a7", "interactions": "#e15759", "followers": "#76b7b2",
               "votes": "#edc948"}
SERIES_FALLBACK = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                   "#9c755f", "#bab0ac")

FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, Noto Sans, sans-serif"'
LABEL_W, BAR_H, GAP, WIDTH = 210, 18, 6, 760


def abbreviate(value: float | int | None) -> str:
    """1234 -> '1.2K', 3650000 -> '3.65M', as the monitoring reports print totals; small numbers in full."""
    if value is None:
        return ""
    v = float(value)
    # Pick the unit after rounding, so 999,960 reads 1.00M, never 1000.0K.
    if abs(round(v / 1e6, 2)) >= 1000:
        return f"{v / 1e9:.2f}B"
    if abs(round(v / 1e3, 1)) >= 1000:
        return f"{v / 1e6:.2f}M"
    if abs(v) >= 1e3:
        return f"{v / 1e3:.1f}K"
    return f"{int(v):,}" if v == int(v) else f"{v:.1f}"


_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}")


def color_for(name: str, index: int = 0) -> str:
    return (PLATFORM_COLORS.get(name) or CATEGORY_COLORS.get(name) or PART_COLORS.get(name)
            or SERIES_FALLBACK[index % len(SERIES_FALLBACK)])


def _safe_color(color: str | None, index: int = 0) -> str:
    # Colours go into attributes unescaped: only a #hex colour is written, whatever a caller passed.
    if isinstance(color, str) and _COLOR.fullmatch(color):
        return color
    return SERIES_FALLBACK[index % len(SERIES_FALLBACK)]


def _label(text: str, limit: int = 30) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(width: int, height: int, body: list[str], title: str) -> Markup:
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" {FONT} font-size="12"><title>{escape(title)}</title>'
            + "".join(body) + "</svg>")  # every part escaped its data above


def _legend(names: Sequence[str], colors: Sequence[str], y: int) -> list[str]:
    out, x = [], LABEL_W
    for name, color in zip(names, colors):
        out.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{color}"/>'
                   f'<text x="{x + 16}" y="{y + 10}">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    return out


def stacked_bars(labels: Sequence[str], parts: dict[str, Sequence[float]], title: str,
                 colors: dict[str, str] | None = None, sort: bool = True) -> Markup:
    """Horizontal bars, one per label, each split into parts (one part = a plain bar), longest first.

    A label with an unknown (None) part is not drawn at all: a bar missing a part would be read as
    a smaller total (callers name the labels left out in the caption)."""
    names = list(parts)
    keep = [i for i in range(len(labels)) if all(parts[n][i] is not None for n in names)]
    if len(keep) < len(labels):
        labels = [labels[i] for i in keep]
        parts = {n: [parts[n][i] for i in keep] for n in names}
    totals = [sum((parts[n][i] or 0) for n in names) for i in range(len(labels))]
    order = sorted(range(len(labels)), key=lambda i: (-totals[i], str(labels[i]))) if sort else range(len(labels))
    order = list(order)
    top = max(totals, default=0) or 1
    plot_w = WIDTH - LABEL_W - 70
    legend_h = 22 if len(names) > 1 else 0
    height = legend_h + len(order) * (BAR_H + GAP) + 10
    cols = [_safe_color((colors or {}).get(n) or color_for(n, k), k) for k, n in enumerate(names)]
    body = _legend(names, cols, 4) if legend_h else []
    for row, i in enumerate(order):
        y = legend_h + row * (BAR_H + GAP) + 4
        body.append(f'<text x="{LABEL_W - 6}" y="{y + BAR_H - 5}" text-anchor="end">'
                    f'<title>{escape(str(labels[i]))}</title>{escape(_label(labels[i]))}</text>')
        x = float(LABEL_W)
        for n, c in zip(names, cols):
            v = parts[n][i] or 0
            w = plot_w * v / top
            if w > 0:
                body.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BAR_H}" fill="{c}">'
                            f'<title>{escape(str(labels[i]))} — {escape(n)}: {v:,}</title></rect>')
            x += w
        body.append(f'<text x="{x + 4:.1f}" y="{y + BAR_H - 5}">{abbreviate(totals[i])}</text>')
    return _svg(WIDTH, height, body, title)


def bars(labels: Sequence[str], values: Sequence[float], title: str, color: str = "#4e79a7",
         name: str = "value") -> Markup:
    """Sorted horizontal bars of one measure."""
    return stacked_bars(labels, {name: values}, title, {name: color})


def grouped_bars(labels: Sequence[str], series: dict[str, Sequence[float]], title: str,
                 suffix: str = "%") -> Markup:
    """Horizontal bar groups (e.g. vote share beside followers, posts and interactions shares)."""
    names = list(series)
    cols = [color_for(n, k) for k, n in enumerate(names)]
    top = max((v for s in series.values() for v in s if v is not None), default=0) or 1
    group_h = len(names) * (BAR_H - 6) + GAP * 2
    height = 26 + len(labels) * group_h
    plot_w = WIDTH - LABEL_W - 70
    body = _legend(names, cols, 4)
    for i, label in enumerate(labels):
        y0 = 26 + i * group_h
        body.append(f'<text x="{LABEL_W - 6}" y="{y0 + group_h / 2 + 3:.0f}" text-anchor="end">'
                    f'{escape(_label(label))}</text>')
        for k, (n, c) in enumerate(zip(names, cols)):
            v = series[n][i]
            y = y0 + k * (BAR_H - 6)
            if v is None:  # unknown: no bar (not a zero one), and "—" where its value would be
                body.append(f'<text x="{LABEL_W + 4}" y="{y + BAR_H - 9}" font-size="10" fill="#777">'
                            f'<title>{escape(str(label))} — {escape(n)}: unknown</title>— {escape(n)} unknown</text>')
                continue
            body.append(f'<rect x="{LABEL_W}" y="{y}" width="{max(plot_w * v / top, 0.5):.1f}" height="{BAR_H - 7}" '
                        f'fill="{c}"><title>{escape(str(label))} — {escape(n)}: {v:g}{escape(suffix)}</title></rect>'
                        f'<text x="{LABEL_W + plot_w * v / top + 4:.1f}" y="{y + BAR_H - 9}" font-size="10">'
                        f'{v:g}{escape(suffix)}</text>')
    return _svg(WIDTH, height, body, title)


def weekly_lines(weeks: Sequence[date], series: dict[str, Sequence[float]], title: str) -> Markup:
    """Weekly activity: one line per series (category or platform) over Monday-dated weeks."""
    names = list(series)
    cols = [color_for(n, k) for k, n in enumerate(names)]
    left, right, top_pad, bottom = 60, 20, 30, 40
    height = 280
    plot_w, plot_h = WIDTH - left - right, height - top_pad - bottom
    top = max((v or 0 for s in series.values() for v in s), default=0) or 1
    n = len(weeks)
    xs = [left + (plot_w * (i + 0.5) / n) for i in range(n)]
    body = [f'<g transform="translate({left - LABEL_W},0)">'] + _legend(names, cols, 4) + ["</g>"]
    for k in range(5):  # horizontal grid with abbreviated values
        val = top * k / 4
        y = top_pad + plot_h - plot_h * k / 4
        body.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                    f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="10">{abbreviate(val)}</text>')
    step = max(1, n // 12)
    for i, w in enumerate(weeks):
        if i % step == 0:
            body.append(f'<text x="{xs[i]:.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="10">'
                        f'{escape(w.strftime("%d.%m") if hasattr(w, "strftime") else str(w))}</text>')
    for name, c in zip(names, cols):
        pts = [(xs[i], top_pad + plot_h - plot_h * (series[name][i] or 0) / top) for i in range(n)]
        if n > 1:
            body.append(f'<polyline fill="none" stroke="{c}" stroke-width="2" points="'
                        + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts) + '"/>')
        for (x, y), v, w in zip(pts, series[name], weeks):
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{c}">'
                        f'<title>{escape(name)}, week of {escape(str(w))}: {v or 0:,}</title></circle>')
    return _svg(WIDTH, height, body, title)

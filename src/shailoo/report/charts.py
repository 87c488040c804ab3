"""The report's charts: Vega-Lite specifications rendered to static SVG offline by vl-convert
(the Vega engine bundled in a wheel: no browser, no network), inlined in the report.

Colours are fixed per platform, category and interaction type across every chart; counts get
integer ticks; numbers and dates on axes follow the report's locale. An unknown value is never
drawn (the caller leaves it out of the data and names it under the chart).

The SVG comes from a library, so it is checked before it is inlined (`clean_svg`): only drawing
elements, no script, no event handler, no link or external reference — a chart that fails this
is a bug and raises. Data reaches the SVG only as XML text the library escaped; the check parses
it as XML, so nothing can break out of it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

PLATFORM_COLORS = {"facebook": "#1877f2", "instagram": "#c13584", "telegram": "#229ed9", "vk": "#4c75a3",
                   "ok": "#ee8208", "youtube": "#e62117", "x": "#14171a", "tiktok": "#00a3a3"}
CATEGORY_COLORS = {"candidate": "#1f77b4", "politician": "#ff7f0e", "party": "#2ca02c", "authority": "#7f7f7f",
                   "media": "#9467bd", "influencer": "#e377c2", "public_group": "#8c564b", "other": "#bcbd22",
                   "unregistered": "#c7c7c7"}
PART_COLORS = {"reactions": "#4e79a7", "likes": "#4e79a7", "comments": "#f28e2b", "replies": "#f28e2b",
               "shares": "#59a14f", "forwards": "#59a14f", "reposts": "#59a14f", "views": "#b07aa1",
               "posts": "#4e79a7", "interactions": "#e15759", "followers": "#76b7b2", "votes": "#edc948"}
SERIES = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
          "#bab0ac", "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02")
# Ordinal codes (tone) from the first value to the last: red through grey to green (ColorBrewer RdYlGn
# with a grey midpoint), so "negative … positive" reads the same in every chart; not applicable and
# can't tell are a lighter grey.
DIVERGING = {2: ("#d6604d", "#4dac26"), 3: ("#d6604d", "#b0b0b0", "#4dac26"),
             4: ("#ca0020", "#f4a582", "#a6d96a", "#1a9641"),
             5: ("#ca0020", "#f4a582", "#b0b0b0", "#a6d96a", "#1a9641"),
             7: ("#b2182b", "#ef8a62", "#fddbc7", "#b0b0b0", "#d9f0d3", "#7fbf7b", "#1b7837")}
MISSING_GREY = "#dcdcdc"
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Noto Sans, sans-serif"
WIDTH = 560  # plot width in px: with labels, a chart fits the 980 px page and A4


def abbreviate(value: float | None) -> str:
    """1234 -> '1.2K', 3650000 -> '3.65M', as the monitoring reports print totals; small numbers in full."""
    if value is None:
        return ""
    v = float(value)
    if abs(round(v / 1e6, 2)) >= 1000:  # pick the unit after rounding: 999,960 reads 1.00M
        return f"{v / 1e9:.2f}B"
    if abs(round(v / 1e3, 1)) >= 1000:
        return f"{v / 1e6:.2f}M"
    if abs(v) >= 1e3:
        return f"{v / 1e3:.1f}K"
    return f"{int(v):,}" if v == int(v) else f"{v:.1f}"


def color_scale(names: Sequence[str], fixed: dict[str, str], labels: dict[str, str] | None = None) -> dict:
    """A Vega-Lite scale mapping each (labelled) name to its fixed colour, in the given order."""
    labels = labels or {}
    domain = [labels.get(n, n) for n in names]
    rng = [fixed.get(n) or SERIES[i % len(SERIES)] for i, n in enumerate(names)]
    return {"domain": domain, "range": rng}


def _config() -> dict:
    return {"font": FONT, "view": {"stroke": None}, "axis": {"labelFontSize": 11, "titleFontSize": 11,
                                                              "labelLimit": 200, "grid": True, "gridColor": "#eee"},
            "legend": {"labelFontSize": 11, "titleFontSize": 11, "labelLimit": 260, "orient": "top",
                       "direction": "horizontal", "columns": 4, "symbolType": "square"},
            "header": {"labelFontSize": 12, "labelFontWeight": "bold", "labelAngle": 0, "labelAlign": "left",
                       "labelAnchor": "start", "labelLimit": 400},
            "bar": {"continuousBandSize": 12}}


def render(spec: dict, title: str, tr=None) -> Markup:
    """SVG of a Vega-Lite spec, checked, with the title for screen readers."""
    import vl_convert as vlc

    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "config": _config(),
            # room on the left for labels the browser's font draws wider than the library measured
            "background": "white", "padding": {"left": 36, "top": 4, "right": 12, "bottom": 4}, **spec}
    kwargs = {}
    if tr is not None:
        kwargs = {"format_locale": tr.vega_format_locale(), "time_format_locale": tr.vega_time_locale()}
    svg = vlc.vegalite_to_svg(spec, allowed_base_urls=[], **kwargs)
    svg = clean_svg(svg)
    head, rest = svg.split(">", 1)
    head = head.replace('class="marks"', 'class="chart"', 1)
    return Markup(f'{head} role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>{rest}')


_ALLOWED = {"svg", "g", "path", "rect", "line", "text", "tspan", "title", "desc", "defs", "clipPath", "circle",
}
_URL_REF = re.compile(r"url\(\s*['\"]?(?!#)", re.IGNORECASE)


def clean_svg(svg: str) -> str:
    """`svg` unchanged if it holds only drawing elements and no script, handler or reference; else raise."""
    import xml.etree.ElementTree as ET

    if "<!" in svg or "<?" in svg:
        raise ValueError("chart SVG has a declaration or processing instruction")
    root = ET.fromstring(svg)
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag not in _ALLOWED:
            raise ValueError(f"chart SVG has a <{tag}> element")
        for name, value in el.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on") or local == "href" or local == "style" and "url(" in value.lower():
                raise ValueError(f"chart SVG has a '{local}' attribute")
            if _URL_REF.search(value):
                raise ValueError("chart SVG refers to an external resource")
    return svg


# --- the charts the report draws -------------------------------------------------------------------

def bars(rows: list[dict], y: str, x: str, title: str, x_title: str, tr=None, color: dict | None = None,
         color_field: str | None = None, facet: str | None = None, offset: str | None = None,
         stack: bool = False, integer: bool = True, sort: bool = True, percent: bool = False) -> Markup | None:
    """Horizontal bars of `x` per `y`: stacked or side by side by `color_field` (with `offset`),
    one panel per `facet` value (small multiples, each with its own rows). Rows with a None value
    are left out (an unknown value is no bar)."""
    rows = [r for r in rows if r.get(x) is not None]
    if not rows:
        return None
    n_y = len({(r.get(facet), r[y]) for r in rows})
    n_off = len({r[offset] for r in rows}) if offset else 1
    step = 9 if n_off > 1 else 16  # with yOffset the step is one bar of a group
    enc: dict = {
        "y": {"field": y, "type": "nominal", "title": None,
              "sort": {"field": x, "op": "sum", "order": "descending"} if sort else None,
              "axis": {"labelLimit": 200}},
        "x": ({"field": x, "type": "quantitative", "title": x_title, "stack": "zero" if stack else None,
               **({"axis": {"format": ",d", "tickMinStep": 1}} if integer else {}),
               **({"axis": {"format": ".0f"}} if percent else {})}),
        "tooltip": [{"field": y}, {"field": x}],
    }
    if color_field:
        enc["color"] = {"field": color_field, "type": "nominal", "title": None,
                        "scale": color or {"range": list(SERIES)}, "sort": (color or {}).get("domain")}
        if offset:
            enc["yOffset"] = {"field": offset, "sort": (color or {}).get("domain")}
        if stack:
            enc["order"] = {"field": "_order", "type": "quantitative"}
            domain = (color or {}).get("domain") or []
            rows = [{**r, "_order": domain.index(r[color_field]) if r[color_field] in domain else 99} for r in rows]
    else:
        enc["color"] = {"value": (color or {}).get("value", SERIES[0])}
    spec: dict = {"data": {"values": rows}, "mark": {"type": "bar", "tooltip": False}}
    if facet:
        facets = list(dict.fromkeys(r[facet] for r in rows))
        spec.update({"facet": {"row": {"field": facet, "type": "nominal", "title": None, "sort": facets,
                                       "header": {"labelOrient": "top", "labelPadding": 4}}},
                     "resolve": {"scale": {"y": "independent"}},
                     "spec": {"width": WIDTH, "height": {"step": step}, "mark": spec["mark"], "encoding": enc}})
        del spec["mark"]
    else:
        spec.update({"width": WIDTH, "height": {"step": step}, "encoding": enc})
    del n_y
    return render(spec, title, tr)


def lines(rows: list[dict], x: str, y: str, series: str, title: str, y_title: str, tr=None,
          color: dict | None = None) -> Markup | None:
    """Weekly lines (with points) of `y` over dates `x` (ISO strings), one per `series`."""
    rows = [r for r in rows if r.get(y) is not None]
    if not rows:
        return None
    spec = {"data": {"values": rows}, "width": WIDTH + 140, "height": 220,
            "mark": {"type": "line", "point": True},
            "encoding": {"x": {"field": x, "type": "temporal", "title": None,
                               "axis": {"format": "%d %b", "tickCount": "week", "labelAngle": 0}},
                         "y": {"field": y, "type": "quantitative", "title": y_title,
                               "axis": {"format": ",d", "tickMinStep": 1}},
                         "color": {"field": series, "type": "nominal", "title": None,
                                   "scale": color or {"range": list(SERIES)}, "sort": (color or {}).get("domain")}}}
    return render(spec, title, tr)

"""Pages: one Jinja environment with autoescape on (data reaches HTML only escaped), the base
layout's context (user, language, CSRF token, navigation) and the number format of the report."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FunctionLoader, StrictUndefined

from shailoo.server.i18n import Messages, best_language

# (path, message key, roles that see it) — the pages of issue #12; nav shows what the role may open
NAV = (
    ("/dashboard", "nav.dashboard", ("admin", "coordinator", "coder", "viewer")),
    ("/posts", "nav.posts", ("admin", "coordinator", "coder", "viewer")),
    ("/coding", "nav.coding", ("admin", "coordinator", "coder")),
    ("/reliability", "nav.reliability", ("admin", "coordinator")),
    ("/imports", "nav.imports", ("admin", "coordinator")),
    ("/admin/users", "nav.admin", ("admin",)),
)


def _load(name: str) -> str:
    return resources.files("shailoo.server").joinpath("templates", name).read_text(encoding="utf-8")


@cache
def environment() -> Environment:
    env = Environment(loader=FunctionLoader(_load), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["cell"] = cell
    return env


def cell(value, lang: str = "en") -> str:
    """A table cell as text: numbers as the report writes them, "—" for unknown (never 0)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float, Decimal)):
        return _tr(lang).num(float(value) if isinstance(value, Decimal) else value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(cell(v, lang) for v in value)
    return str(value)


@cache
def _tr(lang: str):
    from shailoo.report.i18n import Tr

    return Tr(lang)


def language(request: Request) -> str:
    user = getattr(request.state, "user", None)
    return user.language if user else best_language(request.headers.get("accept-language"))


def page(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    lang = language(request)
    user = getattr(request.state, "user", None)
    session = getattr(request.state, "session", None)
    html = environment().get_template(template).render(
        t=Messages(lang), lang=lang, user=user, csrf=session.csrf if session and user else "",
        nav=[(path, key) for path, key, roles in NAV if user and user.role in roles],
        here=request.url.path, project=request.app.state.project, **context)
    return HTMLResponse(html, status_code=status)

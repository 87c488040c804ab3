"""Dashboard: the monitoring tables with filters, and their data as JSON (every table downloadable)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from shailoo.server import dashboard as data
from shailoo.server.auth import require
from shailoo.server.posts_data import dashboard_link
from shailoo.server.render import page
from shailoo.server.users import User

router = APIRouter()
READ = require()  # every role reads the monitoring tables


def _query(period: str = Query("", max_length=200), platform: str = Query("", max_length=40),
           category: str = Query("", max_length=40), actor: str = Query("", max_length=200),
           by: str = Query("actor", max_length=40), all: bool = Query(False)) -> data.DashboardQuery:
    return data.DashboardQuery(period.strip(), platform.strip(), category.strip(), actor.strip(), by.strip(), all)


@router.get("/")
def home(request: Request, user: User = Depends(READ)) -> Response:
    return RedirectResponse("/dashboard", status_code=303)


@router.get("/dashboard")
def dashboard(request: Request, user: User = Depends(READ), q: data.DashboardQuery = Depends(_query)) -> Response:
    with request.app.state.gate.read() as ws:
        choices = data.choices(ws)
        tables = {}
        for name in data.TABLES:
            t, scope = data.table(ws, name, q, request.app.state.engagement)
            rows = t.to_pylist()
            tables[name] = (data.shown_columns(t, name), [(r, dashboard_link(q, r)) for r in rows])
    return page(request, "dashboard.html", q=q, choices=choices, tables=tables, scope=scope,
                params=q.params(), groups=data.GROUP_COLUMNS)


@router.get("/api/metrics/{name}")
def metric_json(request: Request, name: str, user: User = Depends(READ),
                q: data.DashboardQuery = Depends(_query)) -> Response:
    """One monitoring table as JSON: the rows `shailoo metrics NAME --format json` prints, and its scope."""
    with request.app.state.gate.read() as ws:
        t, scope = data.table(ws, name, q, request.app.state.engagement)
    rows = [{k: data.jsonable(v) for k, v in r.items()} for r in t.to_pylist()]
    return JSONResponse({"table": name, "by": q.by, "scope": scope, "rows": rows})

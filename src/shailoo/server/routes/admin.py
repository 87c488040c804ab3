"""Administration > Users (admin only): list, add, change role, remove; and the audit log."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from shailoo.errors import ShailooError
from shailoo.server import audit, users
from shailoo.server.auth import require
from shailoo.server.db import WorkspaceBusy
from shailoo.server.render import page

router = APIRouter()
ADMIN = require("admin")


def _users_page(request: Request, status: int = 200, error: str | None = None) -> Response:
    with request.app.state.gate.read() as ws:
        rows = users.list_users(ws)
    return page(request, "admin_users.html", status=status, rows=rows, roles=users.ROLES,
                languages=users.LANGUAGES, error=error)


@router.get("/admin")
def admin_home(request: Request, user: users.User = Depends(ADMIN)) -> Response:
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/users")
def users_page(request: Request, user: users.User = Depends(ADMIN)) -> Response:
    return _users_page(request)


def _change(request: Request, change) -> Response:
    """Run a change of users in a write transaction; a refused change shows its sentence on the page."""
    try:
        with request.app.state.gate.write() as ws:
            change(ws)
        request.app.state.users.clear()
    except WorkspaceBusy:
        raise  # answered 503 by the app
    except ShailooError as exc:
        return _users_page(request, 400, str(exc))
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users")
def add_user(request: Request, username: str = Form(..., max_length=200), role: str = Form(..., max_length=20),
             password: str = Form(..., max_length=2000), language: str = Form("en", max_length=10),
             user: users.User = Depends(ADMIN)) -> Response:
    return _change(request, lambda ws: users.add_user(ws, username, role, password, user.username, language))


@router.post("/admin/users/{name}/role")
def set_role(request: Request, name: str, role: str = Form(..., max_length=20),
             user: users.User = Depends(ADMIN)) -> Response:
    return _change(request, lambda ws: users.set_role(ws, name, role, user.username))


@router.post("/admin/users/{name}/remove")
def remove_user(request: Request, name: str, user: users.User = Depends(ADMIN)) -> Response:
    response = _change(request, lambda ws: users.remove_user(ws, name, user.username))
    if response.status_code == 303:
        request.app.state.sessions.drop_user(name)
    return response


@router.get("/admin/audit")
def audit_page(request: Request, user: users.User = Depends(ADMIN)) -> Response:
    with request.app.state.gate.read() as ws:
        rows = audit.entries(ws)
    return page(request, "admin_audit.html", rows=rows)

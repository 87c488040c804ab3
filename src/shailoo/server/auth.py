"""Who may call a route: every route declares `Depends(require(...roles))` or `Depends(public)`
(create_app refuses to start with a route that declares neither), and every state-changing request
carries the CSRF token of its session (form field `csrf_token`, or header `X-CSRF-Token` for htmx)."""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from fastapi import Request

from shailoo.server import users
from shailoo.server.db import WorkspaceBusy
from shailoo.server.sessions import Session

SESSION_COOKIE = "shailoo_session"
LOGIN_COOKIE = "shailoo_login"  # the login form's CSRF token, before there is a session
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EVERYONE = users.ROLES


class LoginRequired(Exception):
    """No valid session: a page redirects to /login, an API call answers 401."""


class Forbidden(Exception):
    """A session whose role may not call the route: 403."""


class CsrfRefused(Exception):
    """A state-changing request without the session's CSRF token: 403."""


def session_of(request: Request) -> Session | None:
    return request.app.state.sessions.get(request.cookies.get(SESSION_COOKIE))


def require(*roles: str):
    """A dependency admitting logged-in users of these roles (every role when none is named).

    The user is read from the workspace (kept two seconds, server/sessions.py UserCache), so a role
    change or removal from the CLI takes effect within two seconds, from the web app at once."""
    allowed = tuple(roles) or EVERYONE
    unknown = set(allowed) - set(EVERYONE)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def dependency(request: Request) -> users.User:
        session = session_of(request)
        if session is None:
            raise LoginRequired()
        known, user = request.app.state.users.get(session.username)
        if not known:
            try:
                with request.app.state.gate.read() as ws:
                    user = users.get_user(ws, session.username)
            except WorkspaceBusy:  # an import holds the workspace: go on with the user last read
                known, user = request.app.state.users.stale(session.username)
                if not known:
                    raise
            else:
                request.app.state.users.put(session.username, user)
        if user is None:
            request.app.state.sessions.drop(session.token)
            raise LoginRequired()
        request.state.user, request.state.session = user, session
        if user.role not in allowed:
            raise Forbidden()
        return user

    dependency.access = allowed
    return dependency


def public(request: Request) -> None:
    """A dependency for the routes anyone may call (the login form)."""
    request.state.user, request.state.session = None, session_of(request)


public.access = "public"


def access_of(route) -> tuple[str, ...] | str | None:
    """The access a route declares (roles, or "public"), None when it declares none."""
    found = [d.call.access for d in route.dependant.dependencies if hasattr(d.call, "access")]
    return found[0] if len(found) == 1 else None


def _same_origin(request: Request) -> bool:
    """A browser names the page that sent the request; it must be this site (defence in depth)."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def check_csrf(request: Request) -> None:
    """App-wide dependency: refuse a state-changing request without the right token."""
    if request.method not in UNSAFE:
        return
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        sent = (await request.form()).get("csrf_token")
    if request.url.path == "/login":
        expected = request.cookies.get(LOGIN_COOKIE)
    else:
        session = session_of(request)
        expected = session.csrf if session else None
    if (not expected or not isinstance(sent, str) or not _same_origin(request)
            or not hmac.compare_digest(sent.encode(), expected.encode())):
        raise CsrfRefused()


def safe_next(target: str | None) -> str:
    """Where to go after login: a path on this site only (never //host or a scheme)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/dashboard"
    return target[:500]

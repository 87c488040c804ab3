"""The web app: `create_app(workspace)` builds the FastAPI application `shailoo serve` runs.

Routes live in server/routes/ and stay thin: parse, check the role (auth.require), call the
library, render. The workspace is opened per request through server/db.py's gate.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from shailoo.errors import ShailooError
from shailoo.server import auth
from shailoo.server.coding_journal import Applier, Journal, journal_path
from shailoo.server.dashboard import EngagementCache
from shailoo.server.db import WorkspaceBusy, WorkspaceGate
from shailoo.server.render import page
from shailoo.server.sessions import RateLimiter, SessionStore, UserCache

log = logging.getLogger("shailoo.server")

MAX_BODY = 1 << 20  # forms are small; the imports page will raise this for its own upload route
UPLOAD_LIMITS = {"/imports": 2 << 30}  # POST /imports: an export file (routes/imports.py MAX_UPLOAD), saved to disk
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
LOGIN_LIMITS = {"user": (5, 900.0), "address": (20, 900.0)}  # failed attempts per 15 minutes


def _wants_html(request: Request) -> bool:
    return (request.method == "GET" and not request.url.path.startswith("/api/")
            and "hx-request" not in request.headers)


def _error(request: Request, status: int, key: str, **extra) -> Response:
    if request.url.path.startswith("/api/"):
        from shailoo.server.i18n import Messages
        from shailoo.server.render import language

        return JSONResponse({"detail": Messages(language(request))(key)}, status_code=status, headers=extra)
    response = page(request, "error.html", status=status, message_key=key)
    response.headers.update(extra)
    return response


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(auth.LoginRequired)
    async def login_required(request: Request, exc: auth.LoginRequired) -> Response:
        if _wants_html(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            from urllib.parse import quote

            return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)
        headers = {"HX-Redirect": "/login"} if "hx-request" in request.headers else {}
        return _error(request, 401, "error.login_required", **headers)

    @app.exception_handler(auth.Forbidden)
    async def forbidden(request: Request, exc: auth.Forbidden) -> Response:
        return _error(request, 403, "error.forbidden")

    @app.exception_handler(auth.CsrfRefused)
    async def csrf(request: Request, exc: auth.CsrfRefused) -> Response:
        return _error(request, 403, "error.csrf")

    @app.exception_handler(WorkspaceBusy)
    async def busy(request: Request, exc: WorkspaceBusy) -> Response:
        return _error(request, 503, "error.busy", **{"Retry-After": "5"})

    @app.exception_handler(ShailooError)
    async def shailoo_error(request: Request, exc: ShailooError) -> Response:
        # a user's mistake (an unknown period, a bad date): the library's one sentence, as text
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=400)
        return page(request, "error.html", status=400, message_key=None, message=str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return _error(request, 400, "error.invalid")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        key = {404: "error.not_found", 405: "error.method", 413: "error.too_large"}.get(exc.status_code,
                                                                                      "error.invalid")
        return _error(request, exc.status_code, key)


class _Limits:
    """Pure ASGI middleware: security headers on every answer; request bodies bounded."""

    def __init__(self, app, max_body: int = MAX_BODY) -> None:
        self.app, self.max_body = app, max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        https = scope.get("scheme") == "https"
        limit = UPLOAD_LIMITS.get(scope.get("path", ""), self.max_body) if scope.get("method") == "POST" else self.max_body
        if limit > self.max_body and not self._logged_in(scope):  # no large body before a session is known
            limit = self.max_body
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await self._too_large(send, https)
            return
        seen = 0

        async def bounded():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise StarletteHTTPException(413)
            return message

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                for k, v in self._headers(https).items():
                    if k.lower().encode() not in names:
                        headers.append((k.lower().encode(), v.encode()))
                message = dict(message, headers=headers)
            await send(message)

        await self.app(scope, bounded, with_headers)

    @staticmethod
    def _logged_in(scope) -> bool:
        from starlette.requests import Request

        return auth.session_of(Request(scope)) is not None

    @staticmethod
    def _headers(https: bool) -> dict[str, str]:
        extra = {"Strict-Transport-Security": "max-age=31536000"} if https else {}
        return HEADERS | extra

    async def _too_large(self, send, https: bool) -> None:
        body = b"Request too large."
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
            *[(k.lower().encode(), v.encode()) for k, v in self._headers(https).items()]]})
        await send({"type": "http.response.body", "body": body})


@asynccontextmanager
async def _lifespan(app: FastAPI):
    yield
    # the server stops (Ctrl-C or a TERM signal), requests in flight are done: the journal's saves go in
    app.state.coding_saves.close()


def create_app(workspace: str | Path, wait: float = 5.0, user_ttl: float = 2.0, linger: float = 0.0,
               save_every: float = 0.0) -> FastAPI:
    """The web app over one workspace (opened per request; see server/db.py). `shailoo serve` keeps the
    read-only connection open `linger` seconds after the last request; 0 (tests, in-process use)
    closes it at once, so the same process may open the workspace itself. Coding saves are journaled
    and applied every `save_every` seconds (server/coding_journal.py); 0 applies each before it is
    answered. Saves a stopped or crashed server left in the journal are applied here."""
    from shailoo.server.routes import ROUTERS
    from shailoo.store.workspace import open_workspace

    with open_workspace(workspace) as ws:  # migrate once (adds the users table), learn the project's name
        project = ws.config.project
    app = FastAPI(title=f"shailoo — {project}", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(auth.check_csrf)], lifespan=_lifespan)
    app.state.gate = WorkspaceGate(Path(workspace), wait=wait, linger=linger)
    app.state.coding_saves = Applier(app.state.gate, Journal(journal_path(Path(workspace))), every=save_every)
    app.state.coding_saves.flush()
    app.state.project = project
    app.state.sessions = SessionStore()
    app.state.users = UserCache(user_ttl)
    app.state.engagement = EngagementCache()  # the dashboard's per-post table, per data version
    app.state.limits = {k: RateLimiter(n, window) for k, (n, window) in LOGIN_LIMITS.items()}
    _handlers(app)
    for router in ROUTERS:  # added one by one: app.routes then lists every APIRoute, whatever FastAPI's version
        for route in router.routes:
            app.add_api_route(route.path, route.endpoint, methods=sorted(route.methods), name=route.name,
                              dependencies=list(route.dependencies), summary=route.summary)
    undeclared = [getattr(r, "path", r) for r in app.routes if not isinstance(r, APIRoute) or auth.access_of(r) is None]
    if undeclared:  # every route says who may call it; a route that forgot is a bug caught at start
        raise RuntimeError(f"routes without an access declaration: {undeclared}")
    static = resources.files("shailoo.server").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.add_middleware(_Limits)
    return app

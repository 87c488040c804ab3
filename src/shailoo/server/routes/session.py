"""Login, logout and the user's own preferences (interface language)."""

from __future__ import annotations

import logging
import math
import secrets
import unicodedata

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from shailoo.server import users
from shailoo.server.auth import LOGIN_COOKIE, SESSION_COOKIE, public, require, safe_next, session_of
from shailoo.server.render import page

router = APIRouter()
log = logging.getLogger("shailoo.server")


def _https(request: Request) -> bool:
    # behind a reverse proxy uvicorn sets the scheme from X-Forwarded-Proto (trusted proxies only)
    return request.url.scheme == "https"


def _login_form(request: Request, status: int = 200, error: str | None = None, username: str = "",
                next_url: str = "/dashboard", **values) -> Response:
    token = secrets.token_urlsafe(32)
    response = page(request, "login.html", status=status, login_token=token, error=error, username=username,
                    next_url=next_url, values=values)
    response.set_cookie(LOGIN_COOKIE, token, max_age=3600, path="/login", httponly=True, samesite="strict",
                        secure=_https(request))
    return response


@router.get("/login", dependencies=[Depends(public)])
def login_page(request: Request, next: str = "/dashboard") -> Response:
    if session_of(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_form(request, next_url=safe_next(next))


@router.post("/login", dependencies=[Depends(public)])
def login(request: Request, username: str = Form("", max_length=200), password: str = Form("", max_length=2000),
          next: str = Form("/dashboard", max_length=600)) -> Response:
    state = request.app.state
    name = unicodedata.normalize("NFC", username.strip())
    address = request.client.host if request.client else "unknown"
    keys = {"user": name.casefold(), "address": address}
    counted = []
    wait = 0.0
    for k, v in keys.items():  # each attempt is counted before the password is checked
        wait = max(wait, state.limits[k].attempt(v))
        if not wait:
            counted.append((k, v))
    if wait:
        for k, v in counted:
            state.limits[k].forgive(v)
        log.warning("login refused (rate limit) for %r from %s", name, address)
        return _login_form(request, 429, "login.too_many", name, safe_next(next), minutes=math.ceil(wait / 60))
    with state.gate.read() as ws:
        found = users.credentials(ws, name, password)
    user = users.verify(found, password)  # slow on purpose: outside the workspace's lock
    if user is None:  # the attempt stays counted
        log.warning("login failed for %r from %s", name, address)
        return _login_form(request, 401, "login.failed", name, safe_next(next))
    state.limits["user"].reset(keys["user"])
    state.limits["address"].forgive(keys["address"])
    old = session_of(request)
    if old is not None:
        state.sessions.drop(old.token)
    session = state.sessions.create(user.username)  # a new id at every login (no fixation)
    log.info("login %r from %s", user.username, address)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, session.token, path="/", httponly=True, samesite="lax",
                        secure=_https(request))
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, user: users.User = Depends(require())) -> Response:
    request.app.state.sessions.drop(request.state.session.token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account")
def account(request: Request, user: users.User = Depends(require())) -> Response:
    return page(request, "account.html", languages=users.LANGUAGES)


@router.post("/account/language")
def account_language(request: Request, language: str = Form(..., max_length=10),
                     user: users.User = Depends(require())) -> Response:
    with request.app.state.gate.write() as ws:
        users.set_language(ws, user.username, language, actor=user.username)
    request.app.state.users.clear()
    return RedirectResponse("/account", status_code=303)

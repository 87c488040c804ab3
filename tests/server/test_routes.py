"""The route walker: every route of the app, taken from its router (a new route cannot be forgotten),
called as anonymous and as each role, against the table of who may call what."""

from __future__ import annotations

import importlib

import pytest
from fastapi.routing import APIRoute

from shailoo.server.auth import access_of
from tests.server.conftest import ROLES, csrf_of

ALL = ROLES
STAFF = ("admin", "coordinator")
# (method, path) -> the roles allowed, or "public". A route missing here fails test_table_covers_every_route.
ACCESS = {
    ("GET", "/login"): "public",
    ("POST", "/login"): "public",
    ("POST", "/logout"): ALL,
    ("GET", "/account"): ALL,
    ("POST", "/account/language"): ALL,
    ("GET", "/"): ALL,
    ("GET", "/dashboard"): ALL,
    ("GET", "/api/metrics/{name}"): ALL,
    ("GET", "/admin"): ("admin",),
    ("GET", "/admin/users"): ("admin",),
    ("POST", "/admin/users"): ("admin",),
    ("POST", "/admin/users/{name}/role"): ("admin",),
    ("POST", "/admin/users/{name}/remove"): ("admin",),
    ("GET", "/admin/audit"): ("admin",),
    ("GET", "/api/openapi.json"): ALL,
    ("GET", "/api/docs"): ALL,
}
# Path parameters filled in for the walk: names that exist, so an allowed call does something real
# but harmless (the role form re-states the role; removal targets a user who does not exist).
FILL = {"{name}": "posts"}
SAFE_FORM = {
    "/admin/users/{name}/role": ("/admin/users/coder/role", {"role": "coder"}),
    "/admin/users/{name}/remove": ("/admin/users/nobody/remove", {}),
    "/admin/users": ("/admin/users", {"username": "coder", "role": "coder", "password": "x" * 10}),  # exists: refused
    "/account/language": ("/account/language", {"language": "en"}),
}
# Each page group declares its routes' access in its own module: tests/server/access_<group>.py
# with ACCESS, and optionally FILL and SAFE_FORM, merged here.
for _group in ("posts", "coding", "imports"):
    try:
        _module = importlib.import_module(f"tests.server.access_{_group}")
    except ModuleNotFoundError:
        continue
    ACCESS.update(_module.ACCESS)
    FILL.update(getattr(_module, "FILL", {}))
    SAFE_FORM.update(getattr(_module, "SAFE_FORM", {}))


def _routes(app):
    for route in app.routes:
        if isinstance(route, APIRoute):
            for method in sorted(route.methods - {"HEAD"}):
                yield method, route.path, route


def test_table_covers_every_route(app):
    found = {(m, p) for m, p, _ in _routes(app)}
    assert found == set(ACCESS), f"routes without an entry: {found - set(ACCESS)}; stale entries: {set(ACCESS) - found}"


def test_each_route_declares_the_access_of_the_table(app):
    for method, path, route in _routes(app):
        declared = access_of(route)
        expected = ACCESS[(method, path)]
        assert declared == ("public" if expected == "public" else tuple(expected)), (method, path, declared)


def _call(client, method, path, csrf=None):
    url, data = SAFE_FORM.get(path, (path.replace("{name}", FILL["{name}"]), {}))
    if method == "GET":
        return client.get(url, follow_redirects=False)
    if path == "/logout":
        return None  # walked separately: it would end the session the other calls need
    return client.post(url, data={**data, **({"csrf_token": csrf} if csrf else {})}, follow_redirects=False)


@pytest.mark.parametrize("role", [None, *ROLES], ids=["anonymous", *ROLES])
def test_walk_every_route_as_every_role(app, clients, role):
    client = clients[role]
    csrf = csrf_of(client) if role else None
    for method, path, _ in _routes(app):
        allowed = ACCESS[(method, path)]
        response = _call(client, method, path, csrf)
        if response is None:
            continue
        where = f"{role or 'anonymous'} {method} {path}: {response.status_code}"
        if allowed == "public":
            # the login form without its own token is refused like any other form
            assert response.status_code in ((200, 303) if method == "GET" else (403,)), where
        elif role is None:
            if method == "GET" and not path.startswith("/api/"):
                assert response.status_code == 303 and response.headers["location"].startswith("/login"), where
            else:
                assert response.status_code in (401, 403), where
        elif role not in allowed:
            assert response.status_code == 403, where
        else:
            assert response.status_code in (200, 303, 400), where
            if response.status_code == 400:  # a refused change (the user exists) says why, it is not a denial
                assert "already" in response.text or "no user" in response.text, where


@pytest.mark.parametrize("role", ROLES)
def test_posts_without_csrf_are_refused_for_every_role(app, clients, role):
    client = clients[role]
    for method, path, _ in _routes(app):
        if method != "POST" or path == "/login":
            continue
        url, data = SAFE_FORM.get(path, (path.replace("{name}", FILL["{name}"]), {}))
        response = client.post(url, data=data, follow_redirects=False)
        assert response.status_code == 403, (role, path, response.status_code)
        wrong = client.post(url, data={**data, "csrf_token": "forged"}, follow_redirects=False)
        assert wrong.status_code == 403, (role, path, wrong.status_code)
    assert client.get("/dashboard").status_code == 200  # the session survived


def test_logout_needs_csrf_and_ends_the_session(app):
    from fastapi.testclient import TestClient

    from tests.server.conftest import log_in

    client = TestClient(app)
    assert log_in(client, "viewer").status_code == 303
    assert client.post("/logout", follow_redirects=False).status_code == 403
    token = csrf_of(client)
    old = client.cookies.get("shailoo_session")
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    again = TestClient(app, cookies={"shailoo_session": old})
    assert again.get("/dashboard", follow_redirects=False).status_code == 303


def test_static_assets_are_public_and_docs_are_not(clients):
    anonymous = clients[None]
    assert anonymous.get("/static/htmx.min.js").status_code == 200
    assert anonymous.get("/static/app.css").status_code == 200
    for path in ("/api/openapi.json", "/docs", "/redoc", "/openapi.json"):
        assert anonymous.get(path, follow_redirects=False).status_code in (401, 404), path
    assert clients["viewer"].get("/api/openapi.json").json()["paths"]

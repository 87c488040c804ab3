"""A small workspace (tests/data/metrics) with one user per role, the app over it, logged-in clients."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shailoo.server import users
from shailoo.server.app import create_app
from tests.report.fixture_workspace import build_fixture

PASSWORD = "correct horse battery"
ROLES = users.ROLES
HOSTILE = '<script>alert("x")</script><a href="javascript:alert(1)">Зло</a>'


def make_workspace(path):
    """The metrics fixture, an actor with a hostile name, and one user per role (named after it)."""
    ws = build_fixture(path)
    ws.con.execute("INSERT INTO actors (actor_id, name, category) VALUES (999, ?, 'other')", [HOSTILE])
    for role in ROLES:
        users.add_user(ws, role, role, PASSWORD, actor="cli:test", language="ru" if role == "viewer" else "en")
    ws.close()
    return path


@pytest.fixture(autouse=True, scope="session")
def cheap_hashes():
    """argon2id with small costs: the hash names its parameters, so the server (a subprocess too)
    verifies with the same small costs. Production hashing takes about 0.3 s on this machine."""
    from argon2 import PasswordHasher

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(users, "_hasher", lambda: cheap)
        mp.setattr(users, "_dummy_hash", lambda: cheap.hash("dummy"))
        yield


@pytest.fixture(scope="session")
def template(tmp_path_factory, cheap_hashes):
    return make_workspace(tmp_path_factory.mktemp("template") / "ws")


@pytest.fixture
def copy_workspace(template, tmp_path):
    """A fresh copy of the users' fixture workspace for one test (copying beats rebuilding)."""
    import shutil

    return Path(shutil.copytree(template, tmp_path / "ws"))


@pytest.fixture(scope="module")
def ws_path(template, tmp_path_factory):
    import shutil

    return Path(shutil.copytree(template, tmp_path_factory.mktemp("server") / "ws"))


@pytest.fixture(scope="module")
def app(ws_path):
    return create_app(ws_path, wait=1.0)


def login_token(client: TestClient) -> str:
    page = client.get("/login")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def log_in(client: TestClient, name: str, password: str = PASSWORD):
    return client.post("/login", data={"username": name, "password": password, "csrf_token": login_token(client)},
                       follow_redirects=False)


def csrf_of(client: TestClient) -> str:
    page = client.get("/account")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


@pytest.fixture(scope="module")
def clients(app):
    """One logged-in client per role, and an anonymous one (None key)."""
    made = {None: TestClient(app)}
    for role in ROLES:
        client = TestClient(app)
        assert log_in(client, role).status_code == 303
        made[role] = client
    return made

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    """Headless Debian chromium driven by Playwright (skipped, with the reason, when either is missing)."""
    import shutil

    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is absent (make browser installs Debian's chromium)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()

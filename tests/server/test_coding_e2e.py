"""End to end in a real browser (Debian's chromium driven by Playwright): an admin imports the codebook,
draws a sample and assigns it with overlap to two coders; both log in in their own browser contexts and
code their units with the keyboard only; the reviewer sees alpha and the disagreements and adjudicates
one. The workspace is small (30 posts) and the server runs in this process (uvicorn in a thread)."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from shailoo.coding.mentions import add_mention
from shailoo.server import users
from shailoo.store.workspace import open_workspace
from tests.server.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(template, tmp_path_factory):
    """The users' fixture grown to 30 posts (copies of its ten, a day apart), two coders, two mentions."""
    import uvicorn

    from shailoo.server.app import create_app

    path = Path(shutil.copytree(template, tmp_path_factory.mktemp("e2e") / "ws"))
    ws = open_workspace(path)
    for k in (1, 2):
        ws.con.execute(f"""INSERT INTO posts (platform, platform_post_id, account_id, post_type, created_at, url, text)
            SELECT platform, platform_post_id || '-{k}', account_id, post_type, created_at + INTERVAL {k} DAY,
                   url || '?copy={k}', text FROM posts WHERE post_id <= 10""")
    users.add_user(ws, "coder2", "coder", PASSWORD, actor="cli:test")
    ws.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(path, wait=30.0), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield path, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def _log_in(browser, base: str, name: str):
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" and "404" not in m.text else None)
    page.on("response", lambda r: problems.append(r.url) if r.status >= 400 and "favicon" not in r.url else None)
    page.goto(base + "/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/dashboard")
    return context, page, problems


def _code_everything(page, base: str, sample: str, inflammatory: str) -> int:
    """Code every unit with keys only: topic 3, disinformation 2 (no), inflammatory as given, tone 2 (neutral)."""
    page.goto(base + "/coding")
    page.click(f"tr[data-sample={sample}] a")
    done = 0
    # the page after a save may still be arriving (303 to the next unit): wait for one or the other
    while page.wait_for_selector("#code-form, #all-coded") and page.locator("#code-form").count():
        names = page.locator("fieldset.variable").evaluate_all("els => els.map(e => e.dataset.variable)")
        for name in names:  # the highlighted variable starts at the first; each key acts on it
            # the highlight moves on by script after the previous key: wait for it rather than race it
            page.wait_for_selector(f"fieldset.variable.focused[data-variable={name}]", timeout=10_000)
            key = {"topic": "3", "disinformation": "2", "inflammatory": inflammatory, "tone": "2"}[name]
            page.keyboard.press(key)
            if name == "topic":  # several values: it stays highlighted; Tab moves on
                page.wait_for_selector("fieldset[data-variable=topic].done")
                page.keyboard.press("Tab")
        page.wait_for_function("() => document.querySelectorAll('fieldset.variable:not(.done)').length === 0")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_load_state()
        done += 1
        assert done < 60
    assert page.locator("#all-coded").count() == 1, page.content()[-3000:]
    return done


def test_admin_assigns_two_coders_code_with_keys_and_the_reviewer_adjudicates(browser, site):
    path, base = site
    admin_ctx, admin, admin_problems = _log_in(browser, base, "admin")
    admin.goto(base + "/admin/codebook")
    admin.click("#builtin-form button")
    admin.wait_for_selector("#variable-tone")
    admin.goto(base + "/admin/samples")
    admin.fill("#draw-form input[name=name]", "week1")
    admin.select_option("#draw-form select[name=kind]", "random")
    admin.fill("#draw-form input[name=count]", "6")
    admin.fill("#draw-form input[name=seed]", "11")
    admin.check("#draw-form input[name=all_posts]")
    admin.click("#draw-form button[type=submit]")
    admin.wait_for_url(base + "/admin/samples/week1")
    with open_workspace(path) as ws:  # one post names an actor the alias search cannot see: a coder would add it
        post = ws.con.execute("SELECT min(post_id) FROM sample_posts WHERE sample = 'week1'").fetchall()[0][0]
        add_mention(ws.con, post, 5, "admin")
    admin.check("#assign-form input[value=coder]")
    admin.check("#assign-form input[value=coder2]")
    admin.fill("#assign-form input[name=overlap]", "50")
    admin.click("#assign-form button[type=submit]")
    admin.wait_for_selector("#progress")
    assert "coder2" in admin.locator("#progress").inner_text()

    coded = {}
    for name, inflammatory in (("coder", "1"), ("coder2", "2")):  # they disagree on every shared post
        ctx, page, problems = _log_in(browser, base, name)
        coded[name] = _code_everything(page, base, "week1", inflammatory)
        assert not problems, problems
        ctx.close()
    assert all(coded.values())
    with open_workspace(path, read_only=True) as ws:
        acts = ws.con.execute("SELECT coder, count(DISTINCT (post_id, actor_id, variable)), min(origin), max(origin) "
                              "FROM codes GROUP BY coder ORDER BY coder").fetchall()
    assert [a[0] for a in acts] == ["coder", "coder2"] and {a[2] for a in acts} == {"web"}

    admin.goto(base + "/reliability?sample=week1")
    row = admin.locator("#reliability tr[data-variable=inflammatory]")
    assert row.locator("[data-col=units]").inner_text() not in ("", "0", "—")
    assert admin.locator("#reliability tr[data-variable=topic]").count() >= 1  # topic: every coder chose 3
    disagreements = admin.locator("#disagreements-inflammatory a.adjudicate")
    assert disagreements.count() >= 1
    disagreements.first.click()
    admin.wait_for_selector("#adjudicate-form")
    assert "coder2" in admin.locator("#coder-codes").inner_text()
    admin.check("#adjudicate-form input[value=yes]")
    admin.fill("#adjudicate-form input[name=note]", "insults a group")
    admin.click("#adjudicate-form button[type=submit]")
    admin.wait_for_selector("#final strong")
    assert "adjudicated" in admin.locator("#final").inner_text() and "admin" in admin.locator("#final").inner_text()
    assert not admin_problems, admin_problems
    admin_ctx.close()
    with open_workspace(path, read_only=True) as ws:
        assert ws.con.execute("SELECT count(*) FROM audit_log WHERE action = 'code.adjudicate'").fetchall()[0][0] == 1
        assert ws.con.execute("SELECT count(*) FROM audit_log WHERE action = 'code.record'").fetchall()[0][0] >= \
            sum(a[1] for a in acts)
    assert re.match(r"http://127\.0\.0\.1:\d+", base)

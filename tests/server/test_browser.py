"""In a real browser (Debian's chromium driven by Playwright, no browser download): log in, see the
dashboard with the numbers of `shailoo metrics`, change a filter through htmx, with no CSP violation."""

from __future__ import annotations


import pytest

from tests.server.conftest import PASSWORD
from tests.server.test_concurrency import server  # noqa: F401 - the `shailoo serve` subprocess fixture

pytestmark = pytest.mark.browser


def test_log_in_and_see_the_dashboard(browser, server):  # noqa: F811
    _, base, _ = server
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(base + "/dashboard")
    assert page.url.startswith(base + "/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/dashboard")
    row = page.locator("#table-posts tr", has_text="Садыр Жапаров")
    assert row.locator("[data-col=interactions]").inner_text() == "1,582"
    # a filter changes the tables in place (htmx, loaded from this site under the CSP)
    page.select_option("select[name=platform]", "instagram")
    page.wait_for_url("**platform=instagram**")
    page.wait_for_function("() => !document.querySelector('#table-posts').innerText.includes('1,582')")
    assert page.locator("#table-posts tr", has_text="Садыр Жапаров").locator("[data-col=interactions]").inner_text() == "1,050"
    hostile = page.locator("#table-posts").inner_text()
    assert "alert" not in hostile or "<script>" in hostile  # shown as text if shown at all
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    context.close()

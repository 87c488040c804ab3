"""The dashboard shows the numbers `shailoo metrics` prints, for the same filters."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from shailoo.cli.main import app as cli

CASES = [
    ("posts", {"by": "actor"}, []),
    ("posts", {"by": "platform", "all": "true"}, ["--all"]),
    ("posts", {"by": "week", "period": "campaign"}, ["--period", "campaign"]),
    ("interactions", {"by": "actor", "platform": "facebook"}, ["--platform", "facebook"]),
    ("interactions", {"by": "category", "category": "candidate"}, ["--category", "candidate"]),
    ("posts", {"by": "period", "actor": "Садыр Жапаров", "all": "true"}, ["--actor", "Садыр Жапаров", "--all"]),
]


def _cli_rows(runner, ws_path, name, params, flags):
    result = runner.invoke(cli, ["metrics", name, "-w", str(ws_path), "--by", params["by"], *flags, "-f", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("name,params,flags", CASES, ids=[f"{c[0]}-{c[1]['by']}" for c in CASES])
def test_dashboard_data_equals_shailoo_metrics(clients, ws_path, runner, name, params, flags):
    expected = _cli_rows(runner, ws_path, name, params, flags)
    got = clients["viewer"].get(f"/api/metrics/{name}", params=params).json()
    assert got["rows"] == expected
    assert got["scope"].startswith("Scope:")


def test_dashboard_page_shows_the_same_figures(clients, ws_path, runner):
    expected = {r["actor"]: r for r in _cli_rows(runner, ws_path, "posts", {"by": "actor"}, [])}
    html = clients["coder"].get("/dashboard").text
    section = html.split('id="table-posts"', 1)[1].split("</section>", 1)[0]
    shown = {}
    for row in re.findall(r"<tr>(.*?)</tr>", section, re.S):
        cells = {c: unescape(v) for c, v in re.findall(r'data-col="([^"]+)">([^<]*)<', row)}
        if cells:
            shown[cells["actor"]] = cells
    assert set(shown) == set(expected)
    for actor, row in expected.items():
        assert shown[actor]["posts"] == f"{row['posts']:,}"
        assert shown[actor]["interactions"] == (f"{row['interactions']:,}" if row["interactions"] is not None else "—")
    assert shown["Садыр Жапаров"]["interactions"] == "1,582"


def test_filters_reach_the_page_and_bad_values_are_one_sentence(clients):
    page = clients["viewer"].get("/dashboard", params={"period": "campaign", "by": "platform"})
    assert page.status_code == 200 and 'value="campaign" selected' in page.text
    bad = clients["viewer"].get("/dashboard", params={"period": "no-such-period"})
    assert bad.status_code == 400 and "no period" in bad.text and "Traceback" not in bad.text
    assert clients["viewer"].get("/api/metrics/nothing").status_code == 400
    assert clients["viewer"].get("/dashboard", params={"by": "colour"}).status_code == 400


def test_the_per_post_table_is_computed_once_per_data_version(copy_workspace):
    """The dashboard kept no per-post table: each of its tables chose every post's snapshot again."""
    from shailoo.server.dashboard import DashboardQuery, EngagementCache, table
    from shailoo.store.workspace import open_workspace

    cache = EngagementCache()
    with open_workspace(copy_workspace, read_only=True) as ws:
        plain = table(ws, "posts", DashboardQuery(by="platform"))[0]
        cached = table(ws, "posts", DashboardQuery(by="platform"), cache)[0]
        assert cached.equals(plain) and cache._table is not None
        kept = cache._table
        table(ws, "interactions", DashboardQuery(by="actor"), cache)
        assert cache._table is kept  # same data: not computed again
    with open_workspace(copy_workspace) as ws:  # a registry change is a new data version
        ws.con.execute("UPDATE actors SET category = 'media' WHERE actor_id = (SELECT min(actor_id) FROM actors)")
    with open_workspace(copy_workspace, read_only=True) as ws:
        fresh = table(ws, "posts", DashboardQuery(by="category"), cache)[0]
        assert cache._table is not kept and fresh.equals(table(ws, "posts", DashboardQuery(by="category"))[0])

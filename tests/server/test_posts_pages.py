"""The posts page: kwic's search (the same posts as `shailoo kwic`), the CLI's filters and scope,
sorting, paging, hostile text shown as text, links http(s) only, unknown counts "—", and the
links from the dashboard's rows to the posts behind them."""

from __future__ import annotations

import json
import re
import shutil
from html import unescape

import pytest
from fastapi.testclient import TestClient

from shailoo.cli.main import app as cli
from shailoo.server.app import create_app
from shailoo.store.workspace import open_workspace
from tests.server.conftest import HOSTILE, log_in

# (post_id, platform, account, type, UTC time, url, text): words in both scripts and inflections,
# a phrase, a comment, hostile HTML and a javascript: link
EXTRA = [
    (101, "facebook", "111", "post", "2020-12-20 08:00:00", "https://www.facebook.com/111/posts/101",
     "Шайлоо жана Кыргызстан: добуш берүү башталды. Kyrgyzstan votes."),
    (102, "facebook", "222", "post", "2020-12-21 09:30:00", "https://www.facebook.com/222/posts/102",
     "Шайлоодо добуш бергиле, кыргыздар! Election day is near."),
    (103, "instagram", "111", "post", "2020-12-22 10:00:00", "javascript:alert(1)", HOSTILE + " shailoo"),
    (104, "facebook", "444", "comment", "2020-12-23 11:00:00", "https://www.facebook.com/444/posts/104",
     "Выборы в Кыргызстане: голосование началось, выборов было много."),
    (105, "facebook", "555", "post", "2021-01-02 12:00:00", "https://www.facebook.com/555/posts/105",
     "Жаңылыктар: election results, шайлоо жыйынтыгы. Kyrgyzstan."),
    (106, "facebook", "555", "post", "2020-11-01 12:00:00", "https://www.facebook.com/555/posts/106",
     "Before the campaign: шайлоо soon."),
]
QUERIES = ["шайлоо", "kyrgyzstan", "Кыргызстан", "выборы", '"добуш берүү"', "election AND NOT results",
           "шайл*", "(выборы OR election) AND kyrgyzstan", "zzzz", "добуш AND election AND results"]


@pytest.fixture(scope="module")
def rich(template, tmp_path_factory):
    """The users' fixture with posts to search (text caches filled, as `shailoo import` does)."""
    from shailoo.text.caches import fill_text_caches

    path = shutil.copytree(template, tmp_path_factory.mktemp("posts") / "ws")
    with open_workspace(path) as ws:
        for post_id, platform, account, kind, at, url, text in EXTRA:
            ws.con.execute("""INSERT INTO posts (post_id, platform, platform_post_id, account_id, post_type,
                                                 created_at, url, text) VALUES (?, ?, ?, ?, ?, ?::TIMESTAMPTZ, ?, ?)""",
                           [post_id, platform, f"x{post_id}", account, kind, at + "+00", url, text])
        fill_text_caches(ws.con, "SELECT post_id FROM posts")
    return path


@pytest.fixture(scope="module")
def viewer(rich):
    client = TestClient(create_app(rich, wait=1.0))
    assert log_in(client, "viewer").status_code == 303
    return client


def _shown(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-post="(\d+)"', html)]


def _kwic(runner, ws, query, flags=()):
    result = runner.invoke(cli, ["kwic", query, "-w", str(ws), "-n", "0", "-f", "json", *flags])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    return {r["post_id"] for r in rows}, result.stderr.strip().splitlines()[0]


@pytest.mark.parametrize("flags", [(), ("--all",), ("--platform", "facebook"), ("--period", "campaign"),
                                   ("--actor", "Садыр Жапаров", "--all")], ids=["scope", "all", "platform", "period", "actor"])
@pytest.mark.parametrize("query", QUERIES)
def test_search_finds_the_posts_kwic_finds(viewer, rich, runner, query, flags):
    expected, reason = _kwic(runner, rich, query, flags)
    params = {"q": query, "sort": "oldest"}
    names = {"--all": "all", "--platform": "platform", "--period": "period", "--actor": "actor"}
    it = iter(flags)
    for flag in it:
        params[names[flag]] = "true" if flag == "--all" else next(it)
    page = viewer.get("/posts", params=params)
    assert page.status_code == 200, page.text
    assert set(_shown(page.text)) == expected
    if not expected:  # the reason, as the CLI says it
        said = unescape(re.search(r'id="empty-reason">([^<]*)<', page.text).group(1))
        assert said == reason


def test_a_workspace_without_text_caches_searches_with_kwic_itself(copy_workspace, runner):
    with open_workspace(copy_workspace) as ws:  # a post the caches do not hold
        ws.con.execute("""INSERT INTO posts (post_id, platform, platform_post_id, account_id, post_type, created_at,
                          url, text) VALUES (201, 'facebook', 'y1', '111', 'post', TIMESTAMPTZ '2020-12-20 08:00:00+00',
                          NULL, 'Шайлоо башталды')""")
    expected, _ = _kwic(runner, copy_workspace, "шайлоо")
    client = TestClient(create_app(copy_workspace, wait=1.0))
    log_in(client, "coder")
    assert set(_shown(client.get("/posts", params={"q": "шайлоо"}).text)) == expected
    assert 201 in expected


def test_filters_sorting_and_paging(viewer, rich, monkeypatch):
    from shailoo.server import posts_data

    with open_workspace(rich, read_only=True) as ws:
        every = ws.con.execute("SELECT post_id FROM posts_v ORDER BY created_at DESC, post_id DESC").fetchall()
        campaign_fb = {r[0] for r in ws.con.execute(
            "SELECT post_id FROM posts_v WHERE platform = 'facebook' AND day BETWEEN '2020-12-15' AND '2021-01-09'").fetchall()}
        own = {r[0] for r in ws.con.execute("SELECT post_id FROM posts_v WHERE post_type <> 'comment'").fetchall()}
    assert _shown(viewer.get("/posts", params={"all": "true"}).text) == [r[0] for r in every]
    assert set(_shown(viewer.get("/posts", params={"period": "campaign", "platform": "facebook"}).text)) == campaign_fb
    assert set(_shown(viewer.get("/posts", params={"all": "true", "own": "true"}).text)) == own
    default = _shown(viewer.get("/posts").text)  # the monitoring period: the post of November is left out
    assert 106 not in default and 106 in _shown(viewer.get("/posts", params={"all": "true"}).text)
    days = viewer.get("/posts", params={"since": "2020-12-20", "until": "2020-12-21"})
    assert set(_shown(days.text)) == {101, 102, 4}
    ranked = viewer.get("/posts", params={"all": "true", "sort": "interactions"}).text
    # the fixture's interactions by the report's snapshot rule, then the unknown ones (newest first)
    assert _shown(ranked) == [9, 7, 10, 5, 1, 8, 2, 6, 3, 4, 105, 104, 103, 102, 101, 106]
    monkeypatch.setattr(posts_data, "PAGE_SIZE", 4)
    pages = [_shown(viewer.get("/posts", params={"all": "true", "page": n}).text) for n in (1, 2, 3, 4, 5)]
    assert sum(pages, []) == [r[0] for r in every]
    assert 'rel="next"' in viewer.get("/posts", params={"all": "true", "page": 1}).text
    for bad in ({"sort": "colour"}, {"period": "nope"}, {"platform": "myspace"}, {"since": "yesterday"},
                {"all": "true", "period": "campaign"}, {"q": "NOT шайлоо"}, {"q": "(шайлоо"}):
        answer = viewer.get("/posts", params=bad)
        assert answer.status_code == 400 and "Traceback" not in answer.text, bad
    assert viewer.get("/posts", params={"page": 0}).status_code in (400, 422)


def test_each_post_shows_text_actor_platform_local_time_counts_and_a_safe_link(viewer):
    html = viewer.get("/posts", params={"all": "true"}).text
    post = html.split('data-post="2"', 1)[1].split("</li>", 1)[0]
    assert "Кампания башталды! Биз чындык үчүн" in post and "Садыр Жапаров" in post and "facebook" in post
    assert "Asia/Bishkek" in post and 'href="https://www.facebook.com/111/posts/1002"' in post
    assert '<dd data-count="interactions">67</dd>' in post
    unmeasured = html.split('data-post="101"', 1)[1].split("</li>", 1)[0]  # no snapshot: unknown, never 0
    assert '<dd data-count="interactions">—</dd>' in unmeasured and ">0<" not in unmeasured
    assert "2020-12-20 14:00" in unmeasured  # 08:00 UTC in Bishkek (UTC+6)


def test_hostile_text_is_shown_as_text_and_javascript_links_are_dropped(viewer):
    html = viewer.get("/posts", params={"q": "shailoo"}).text
    post = html.split('data-post="103"', 1)[1].split("</li>", 1)[0]
    assert "<script>" not in post and "&lt;script&gt;" in post
    assert "javascript:" not in post.replace("&lt;a href=&#34;javascript:", "").replace("&#34;javascript:", "")
    assert 'href="javascript' not in html and 'class="original"' not in post


def test_every_dashboard_row_links_to_the_posts_behind_it(viewer, runner, rich):
    for params in ({"by": "actor"}, {"by": "platform", "all": "true"}, {"by": "week", "period": "campaign"},
                   {"by": "category", "platform": "facebook"}, {"by": "period", "all": "true"}):
        html = viewer.get("/dashboard", params=params).text
        section = html.split('id="table-posts"', 1)[1].split("</section>", 1)[0]
        rows = re.findall(r"<tr>(.*?)</tr>", section, re.S)
        linked = 0
        for row in rows:
            figure = re.search(r'<a href="([^"]+)" data-col="posts">([^<]*)<', row)
            if figure is None:
                continue
            linked += 1
            target = unescape(figure.group(1))
            assert target.startswith("/posts?") and "own=true" in target
            found = viewer.get(target).text
            total = re.search(r'id="found">\D*([\d,]+)', found)
            if figure.group(2) == "0":
                assert total is None and 'id="empty-reason"' in found
            else:
                assert total and total.group(1) == figure.group(2), (params, target)
        assert linked, params

"""X (Twitter) API v2 JSONL from twarc2: the real search page, referenced tweets, privacy, malformed lines, CLI."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from shailoo.actors import import_registry
from shailoo.cli.main import app
from shailoo.errors import WrongFormat
from shailoo.importers import detect, twitter
from shailoo.importers.base import Source, read_head
from shailoo.store.loader import import_file
from tests.conftest import DATA

PAGES = DATA / "twitter" / "search-pages.jsonl"


def _records(path: Path) -> int:
    """Counted independently: len(data) + len(includes.tweets) per page; a bare tweet or a bad line counts one."""
    total = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            page = json.loads(line)
        except json.JSONDecodeError:
            total += 1
            continue
        if "data" in page:
            total += len(page["data"]) + len(page.get("includes", {}).get("tweets", []))
        else:
            total += 1
    return total


def _real(real: Path) -> Path:
    return real / "coordination" / "twarc2_brexit_search_page.jsonl"


def _people(path: Path) -> tuple[set[str], set[str]]:
    """Display names and usernames of every user in the file's includes."""
    names, handles = set(), set()
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            page = json.loads(line)
        except json.JSONDecodeError:
            continue
        users = page.get("includes", {}).get("users", []) + ([page["author"]] if "author" in page else [])
        names |= {u["name"] for u in users}
        handles |= {u["username"] for u in users}
    return names, handles


def _stored_identities(workspace) -> set[str]:
    """Every value in accounts, and every non-text identity column of posts."""
    values: set[str] = set()
    for row in workspace.con.execute("SELECT account_id, handle, name, url FROM accounts").fetchall():
        values |= {v for v in row if v}
    for row in workspace.con.execute("SELECT account_id, url, forwarded_from FROM posts").fetchall():
        values |= {v for v in row if v}
    return values


@pytest.mark.shared
def test_real_twarc2_page(workspace, real):
    path = _real(real)
    assert detect(path) is twitter
    result = import_file(workspace, path)
    assert result.format == "twitter"
    assert result.records == _records(path) == 159  # 100 in data + 59 in includes.tweets
    assert result.imported + result.updated + result.quarantined + result.skipped == result.records
    # 4 tweets appear both in data and in includes.tweets: in-file duplicates, counted as skipped
    assert (result.imported, result.quarantined, result.skipped) == (155, 0, 4)
    types = dict(workspace.con.execute("SELECT post_type, count(*) FROM posts GROUP BY 1").fetchall())
    assert types["repost"] == 67 and sum(types.values()) == 155
    measured = workspace.con.execute("SELECT DISTINCT measured_at FROM engagement_snapshots").fetchall()
    assert measured == [(datetime(2021, 9, 22, 16, 38, 9, tzinfo=timezone.utc),)]
    row = workspace.con.execute(
        """SELECT p.created_at, p.language, p.url, e.reactions, e.comments, e.shares
           FROM posts p JOIN engagement_snapshots e USING (post_id) WHERE p.platform_post_id = '1440716895355764743'""").fetchone()
    assert row == (datetime(2021, 9, 22, 16, 37, 29, tzinfo=timezone.utc), "en",
                   "https://x.com/i/web/status/1440716895355764743", 0, 0, 0)


@pytest.mark.shared
def test_real_twarc2_privacy_and_reimport(workspace, real):
    path = _real(real)
    import_file(workspace, path)
    names, handles = _people(path)
    stored = _stored_identities(workspace)
    assert not stored & names and not {s.lower() for s in stored} & {h.lower() for h in handles}
    assert workspace.con.execute("SELECT bool_and(is_pseudonymised) FROM accounts").fetchone()[0] is True
    # retweets keep the original author only as a pseudonym
    assert workspace.con.execute(
        "SELECT count(*) FROM posts WHERE post_type = 'repost' AND forwarded_from LIKE 'p\\_%' ESCAPE '\\'").fetchone()[0] == 67
    before = workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0]
    again = import_file(workspace, path)
    assert again.imported == 0 and again.updated == 0
    assert again.imported + again.updated + again.quarantined + again.skipped == again.records == 159
    assert workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0] == before == 155


def test_pages_referenced_tweets_and_malformed_lines(workspace):
    result = import_file(workspace, PAGES)
    assert result.records == _records(PAGES) == 14
    assert result.imported + result.updated + result.quarantined + result.skipped == result.records
    assert (result.imported, result.quarantined, result.skipped) == (6, 7, 1)
    reasons = dict(workspace.con.execute("SELECT record_number, reason FROM quarantine").fetchall())
    assert set(reasons) == {5, 7, 8, 9, 10, 11, 12}
    assert "line 2 is not JSON" in reasons[5]
    assert workspace.con.execute("SELECT raw FROM quarantine WHERE record_number = 5").fetchone()[0] == '{"data": [ not json'
    assert "no tweet id" in reasons[7]
    assert "created_at is missing" in reasons[8]
    assert "'many'" in reasons[9] and "negative" in reasons[10]
    assert "'3.7.1'" in reasons[11] and "'1e999999'" in reasons[12]
    raw = workspace.con.execute("SELECT raw FROM quarantine WHERE record_number = 9").fetchone()[0]
    assert json.loads(raw)["public_metrics"]["like_count"] == "many"
    posts = {r[0]: r[1:] for r in workspace.con.execute(
        """SELECT platform_post_id, post_type, parent_platform_post_id, forwarded_from IS NOT NULL, language, created_at
           FROM posts""").fetchall()}
    assert posts["9000000000000000010"][:3] == ("repost", "9000000000000000001", True)
    assert posts["9000000000000000011"][:3] == ("reply", "9000000000000000001", False)
    assert posts["9000000000000000012"][:2] == ("quote", "9000000000000000001")
    assert posts["9000000000000000001"][:2] == ("post", None) and posts["9000000000000000001"][3] == "ky"
    assert posts["9000000000000000020"][4] == datetime(2024, 3, 3, 4, 0, tzinfo=timezone.utc)
    # the referenced tweet seen on two pages retrieved a day apart: one post, a snapshot per retrieval
    assert workspace.con.execute(
        """SELECT e.measured_at, e.reactions, e.likes, e.comments, e.shares, e.views
           FROM posts p JOIN engagement_snapshots e USING (post_id) WHERE p.platform_post_id = '9000000000000000001'
           ORDER BY e.measured_at"""
    ).fetchall() == [(datetime(2024, 3, 4, 12, tzinfo=timezone.utc), 300, 300, 20, 55, 12000),
                     (datetime(2024, 3, 5, 12, tzinfo=timezone.utc), 350, 350, 25, 66, 15000)]
    # a bare tweet has no retrieval time: measured at import
    assert workspace.con.execute(
        """SELECT count(*) FROM posts p JOIN engagement_snapshots e USING (post_id)
           WHERE p.platform_post_id = '9000000000000000020' AND e.measured_at > '2024-12-31'""").fetchone()[0] == 1


def test_unregistered_authors_are_pseudonymised_registered_ones_kept(workspace, tmp_path):
    registry = tmp_path / "actors.csv"
    registry.write_text("name,category,platform,account_id,handle,url\n"
                        "Sadyr Japarov,politician,x,2001,japarov_official,\n", encoding="utf-8")
    import_registry(workspace, registry)
    import_file(workspace, PAGES)
    stored = _stored_identities(workspace)
    for private in ("Айгүл Private", "aigul_private", "Bakyt Citizen", "bakyt_citizen", "1001", "1002"):
        assert private not in stored
    assert {"Sadyr Japarov", "japarov_official", "2001"} <= stored
    owner = workspace.con.execute(
        """SELECT a.name, a.is_pseudonymised FROM posts p JOIN accounts a USING (platform, account_id)
           WHERE p.platform_post_id = '9000000000000000001'""").fetchone()
    assert owner == ("Sadyr Japarov", False)


def test_records_of_a_page():
    records = list(twitter.read(Source(PAGES)))
    rt = records[0]
    assert (rt.author_is_public, rt.account_id, rt.account_handle, rt.forwarded_from, rt.forwarded_from_is_public) == (
        False, "1001", "aigul_private", "2001", False)
    assert rt.measured_at == datetime(2024, 3, 4, 12, tzinfo=timezone.utc)
    assert (records[2].reactions, records[2].shares, records[2].views) == (7, 4, None)


def test_sniff_and_wrong_format(workspace, tmp_path, real):
    assert twitter.sniff(read_head(PAGES), PAGES)
    others = [DATA / "youtube" / "channels-list.json", DATA / "meta_content_library" / "facebook-posts.csv"]
    others += [p for p in real.rglob("*") if p.is_file() and p.parent.name != "coordination"] if real.is_dir() else []
    for path in others:
        assert not twitter.sniff(read_head(path), path), path
    csv_file = tmp_path / "tweets.csv"
    csv_file.write_text("id,text\n1,hello\n")
    with pytest.raises(WrongFormat, match="no X/Twitter data"):
        import_file(workspace, csv_file, "twitter")
    v1 = tmp_path / "v1.jsonl"
    v1.write_text('{"created_at": "Wed Oct 10 20:19:24 +0000 2018", "id": 1, "id_str": "1", "text": "hi", "user": {}}\n')
    with pytest.raises(WrongFormat, match="twarc2"):
        import_file(workspace, v1, "twitter")
    vk = tmp_path / "wall.json"
    vk.write_text('{"response": {"count": 1, "items": [{"id": 1, "owner_id": -1, "date": 1700000000}]}}\n')
    with pytest.raises(WrongFormat, match="twarc2"):
        import_file(workspace, vk, "twitter")


def test_cli_import_json(runner, workspace, tmp_path):
    result = runner.invoke(app, ["import", "-w", str(workspace.path), str(PAGES), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert (payload["format"], payload["records"], payload["imported"], payload["quarantined"], payload["skipped"]) == (
        "twitter", 14, 6, 7, 1)

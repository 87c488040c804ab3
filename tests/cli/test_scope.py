"""One default scope (the monitoring period) for every analysis command and the report, stated in
every output; filters by alias, repeated, and by local dates."""

from __future__ import annotations

import json
from datetime import date

import pytest

from shailoo.cli.main import app
from tests.analysis.unknown_fixture import build_unknown_fixture


@pytest.fixture(scope="module")
def wsdir(tmp_path_factory):
    path = tmp_path_factory.mktemp("scope") / "ws"
    ws = build_unknown_fixture(path)
    # narrow the periods: the monitoring period becomes 15.12.2020 – 09.01.2021, so Мадумаров's
    # 10.12 post and Жапаров's 14.12 post fall outside it
    ws.config.periods = [p for p in ws.config.periods if p.name != "pre-campaign"]
    ws.config.save(ws.path)
    ws.close()
    return str(path)


def run(runner, *args):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


def posts(result, key="actor"):
    return {r[key]: r["posts"] for r in json.loads(result.stdout)}


def test_default_scope_is_the_monitoring_period_and_is_stated(runner, wsdir):
    r = run(runner, "metrics", "posts", "-w", wsdir, "--by", "platform", "-f", "json")
    assert posts(r, "platform")["facebook"] == 6  # 8 Facebook posts, 2 before 15.12
    assert "Scope: the monitoring period 15.12.2020 – 09.01.2021" in r.stderr and "2 posts outside" in r.stderr
    r = run(runner, "metrics", "posts", "-w", wsdir, "--by", "platform", "-f", "json", "--all")
    assert posts(r, "platform")["facebook"] == 8 and "Scope: every post (--all)" in r.stderr


def test_text_commands_and_report_share_the_scope(runner, wsdir, tmp_path):
    r = run(runner, "topics", "-w", wsdir, "--by", "none", "-f", "json")
    assert "Scope: the monitoring period 15.12.2020 – 09.01.2021" in r.stderr
    out = tmp_path / "r.html"
    r = run(runner, "report", "-w", wsdir, "--out", str(out), "--no-text")
    html = out.read_text(encoding="utf-8")
    assert "Scope: the monitoring period 15.12.2020 – 09.01.2021" in html


def test_actor_by_alias_any_case_and_repeated(runner, wsdir):
    r = run(runner, "metrics", "posts", "-w", wsdir, "--by", "actor", "-f", "json", "--all",
            "--actor", "sadyr japarov", "--actor", "KABAR")
    got = posts(r)
    assert got["Садыр Жапаров"] == 5 and got["Кабар"] == 2 and set(got) == {"Садыр Жапаров", "Кабар"}
    bad = runner.invoke(app, ["metrics", "posts", "-w", wsdir, "--actor", "Nobody"])
    assert bad.exit_code == 1 and "No registered actor is named 'Nobody'" in bad.output


def test_repeated_platform_and_category_and_dates(runner, wsdir):
    r = run(runner, "metrics", "posts", "-w", wsdir, "--by", "platform", "-f", "json",
            "--platform", "facebook", "--platform", "telegram", "--category", "candidate,media",
            "--since", "2021-01-05", "--until", "2021-01-08")
    # Facebook 05.01 (Мадумаров) and 08.01 (Kloop); Telegram 05.01–08.01 (4 posts)
    assert posts(r, "platform") == {"facebook": 2, "telegram": 4}
    assert "Scope: 05.01.2021 – 08.01.2021 (--since/--until)" in r.stderr
    bad = runner.invoke(app, ["metrics", "posts", "-w", wsdir, "--since", "5 Jan"])
    assert bad.exit_code == 1 and "--since must be a date" in bad.output


def test_unknown_shows_as_a_dash_in_tables_null_in_json_empty_in_csv(runner, wsdir):
    table = run(runner, "metrics", "posts", "-w", wsdir, "--by", "actor", "--platform", "telegram",
                "--actor", "Канал Б")
    assert "—" in table.stdout.split("Note:")[0]  # interactions, views, averages of Канал Б
    rows = {r["actor"]: r for r in json.loads(run(runner, "metrics", "posts", "-w", wsdir, "--by", "actor",
                                                   "--platform", "telegram", "-f", "json").stdout)}
    assert rows["Канал Б"]["interactions"] is None and rows["Канал Б"]["interactions_unknown"] == 2
    csv_text = run(runner, "metrics", "posts", "-w", wsdir, "--by", "actor", "--platform", "telegram",
                   "-f", "csv").stdout.splitlines()
    header = csv_text[0].split(",")
    row = next(line.split(",") for line in csv_text if line.startswith("Канал Б"))
    assert row[header.index("interactions")] == "" and row[header.index("views")] == ""


def test_post_filter_accepts_tuples(tmp_path):
    from shailoo.analysis.filters import PostFilter

    flt = PostFilter(platform=("facebook", "instagram"), category=["candidate"], actor="Жапаров Садыр",
                     start=date(2020, 12, 1))
    assert flt.platforms == ("facebook", "instagram") and flt.categories == ("candidate",)
    assert flt.actors == ("Жапаров Садыр",)

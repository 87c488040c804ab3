"""The demo's planted influence operation is found by `shailoo coordination run` and `shailoo copypasta`
and shown in the demo report (issue #13)."""

from __future__ import annotations

import json

import pytest

from shailoo.cli.main import app
from shailoo.demo.cast import NETWORK


@pytest.fixture(scope="module")
def demo_ws(demo_built):
    return demo_built[1]


def test_coordination_finds_the_planted_network(demo_ws, runner):
    result = runner.invoke(app, ["coordination", "run", "-w", str(demo_ws), "--object", "link", "-f", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    top = data["groups"][0]
    assert top["accounts"] == len(NETWORK) == 8
    assert top["platforms"] == "facebook, telegram, vk"
    assert top["objects"] == 6 and all(o.startswith("https://narodnyi-golos.example/") for o in top["top_objects"].split())
    assert set(top["registered_actors"].split("; ")) == {"Бека Блог", "Бишкек — наш город", "Жаштар үнү", "Канат Влог"}
    labels = {a["label"] for a in data["accounts"] if a["component"] == top["group"]}
    assert {"Инсайдер KG", "Народный Кыргызстан", "Новости Чуй 24", "Элдин Үнү KG"} <= labels


def test_copypasta_finds_the_planted_campaign(demo_ws, runner):
    result = runner.invoke(app, ["copypasta", "-w", str(demo_ws), "-f", "json"])
    assert result.exit_code == 0, result.output
    (campaign,) = json.loads(result.stdout)
    assert campaign["accounts"] == 24 and campaign["pseudonymised_accounts"] == 24
    assert campaign["platforms"] == "telegram, vk"
    assert campaign["text"].startswith("100 % поддерживаем")
    hours = (campaign["last_time"] > campaign["first_time"]) and campaign["first_time"][:10] == "2026-03-13"
    assert hours


def test_the_demo_report_shows_both(demo_ws):
    html = (demo_ws / "report.html").read_text(encoding="utf-8")
    assert "Coordinated sharing and copypasta" in html
    assert "narodnyi-golos.example" in html and "Элдин Үнү KG" in html
    assert "100 % поддерживаем" in html and "leads for review" in html
    assert '<svg' in html.split('id="coordination"')[1]  # the network picture, inline


def test_the_issue_s_command_form_runs_the_workspace_mode(demo_ws, runner):
    """`shailoo coordination -w WS --object link` (the form of the issue) was not a command: only
    `coordination run` and `coordination shares` were."""
    short = runner.invoke(app, ["coordination", "-w", str(demo_ws), "--object", "link", "-f", "json"])
    assert short.exit_code == 0, short.output
    run = runner.invoke(app, ["coordination", "run", "-w", str(demo_ws), "--object", "link", "-f", "json"])
    assert json.loads(short.stdout)["groups"] == json.loads(run.stdout)["groups"]

"""Walk the metrics registry: each metric is declared properly and runs on the fixture workspace."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from shailoo.analysis.filters import PostFilter
from shailoo.analysis.registry import METRICS
from shailoo.cli.main import app
from tests.report.fixture_workspace import build_fixture


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    ws = build_fixture(tmp_path_factory.mktemp("registry") / "ws", results=True)
    yield ws
    ws.close()


@pytest.mark.parametrize("metric", METRICS, ids=[m.name for m in METRICS])
def test_each_metric_runs(ws, metric):
    assert metric.description[0].isupper() and metric.description.split()[0].lower() not in ("the", "a")
    assert metric.description.endswith(".")
    table = metric.function(ws, PostFilter(), **metric.options)
    assert isinstance(table, pa.Table) and table.num_rows > 0
    again = metric.function(ws, PostFilter(platform="facebook"), **metric.options)
    assert isinstance(again, pa.Table)


def test_cli_posts_by_actor_json(tmp_path, runner):
    build_fixture(tmp_path / "ws").close()
    result = runner.invoke(app, ["metrics", "posts", "-w", str(tmp_path / "ws"), "--by", "actor", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    by = {r["actor"]: r for r in rows}
    assert {"actor", "category", "posts", "interactions"} <= set(rows[0])
    assert by["Канатбек Исаев"]["posts"] == 0 and by["Канатбек Исаев"]["interactions"] == 0
    assert by["Садыр Жапаров"]["posts"] == 5 and by["Садыр Жапаров"]["interactions"] == 1582


@pytest.mark.parametrize("args", [
    ["interactions", "--by", "category", "--platform", "facebook"],
    ["posts", "--by", "week", "--period", "campaign"],
    ["top", "--n", "200", "--by", "category", "--full-text"],
    ["compare", "--by", "actor", "--category", "candidate"],
    ["compare", "--platforms", "instagram,facebook"],
    ["compare", "--last-week", "--before", "2021-01-10"],
])
def test_cli_commands(tmp_path, runner, args):
    build_fixture(tmp_path / "ws").close()
    result = runner.invoke(app, ["metrics", *args, "-w", str(tmp_path / "ws"), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.strip().splitlines()) >= 2


def test_cli_unknown_period_is_one_sentence(tmp_path, runner):
    build_fixture(tmp_path / "ws").close()
    result = runner.invoke(app, ["metrics", "posts", "-w", str(tmp_path / "ws"), "--period", "nope"])
    assert result.exit_code == 1
    assert "no period 'nope'" in result.output

"""Copypasta campaigns on the hand-made fixture (issue #13)."""

from __future__ import annotations

import json

import pytest

from shailoo.analysis.copypasta import copypasta, parse_duration
from shailoo.cli.main import app
from shailoo.errors import UsageError
from tests.analysis.coordination_fixture import COPY, PEOPLE, build_coordination_fixture


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    ws = build_coordination_fixture(tmp_path_factory.mktemp("copypasta"))
    yield ws
    ws.close()


def test_campaigns(ws):
    rows = copypasta(ws, min_accounts=5).campaigns.to_pylist()
    assert [r["accounts"] for r in rows] == [7, 5]
    first = rows[0]
    assert first["text"] == COPY and first["platforms"] == "telegram, vk" and first["posts"] == 7
    assert first["pseudonymised_accounts"] == 7 and first["registered_actors"] is None
    assert (first["last_time"] - first["first_time"]).total_seconds() == 48 * 60
    assert first["example_url"] == "https://example.org/comment/0"
    assert rows[1]["example_url"] is None  # javascript: links are never examples


def test_window_and_threshold(ws):
    assert [r["accounts"] for r in copypasta(ws, min_accounts=6).campaigns.to_pylist()] == [7]
    # Seven comments over 48 minutes: no 20-minute window holds five accounts of them.
    assert [r["accounts"] for r in copypasta(ws, min_accounts=5, within="20m").campaigns.to_pylist()] == [5]
    from shailoo.analysis.near_duplicates import NearDuplicateParams

    strict = copypasta(ws, min_accounts=6, near=NearDuplicateParams(threshold=0.9)).campaigns
    assert strict.num_rows == 0  # the two changed comments (J = 0.85) drop out: five exact copies remain


def test_bad_parameters():
    assert parse_duration("24h") == 86400 and parse_duration("90s") == 90 and parse_duration("2d") == 172800
    for bad in ("0h", "soon", "-5m"):
        with pytest.raises(UsageError):
            parse_duration(bad)


def test_cli_keeps_private_people_pseudonymous(ws, runner):
    result = runner.invoke(app, ["copypasta", "-w", str(ws.path), "--all", "-f", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 2
    assert not any(name.split()[0] in result.output for name in PEOPLE)
    none = runner.invoke(app, ["copypasta", "-w", str(ws.path), "--min-accounts", "50"])
    assert none.exit_code == 0 and "No copypasta campaign found" in none.output
    bad = runner.invoke(app, ["copypasta", "-w", str(ws.path), "--within", "0h"])
    assert bad.exit_code != 0 and "longer than zero" in bad.output

"""The text commands through the CLI, and their documentation."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from shailoo.cli.main import app

COMMANDS = ["terms", "ngrams", "kwic", "assoc", "clusters", "topics", "detect-language", "stopwords"]


def run(*args):
    r = CliRunner().invoke(app, list(args))
    assert r.exit_code == 0, r.output
    return r.stdout


def test_terms_csv(text_ws):
    path = str(text_ws.path)
    text_ws.close()
    rows = list(csv.DictReader(io.StringIO(run("terms", "-w", path, "--format", "csv", "--top", "2"))))
    assert rows[0] == {"term": "работа", "count": "4", "support": "3"}


def test_every_command_runs(text_ws):
    path = str(text_ws.path)
    text_ws.close()
    assert json.loads(run("assoc", "работа", "-w", path, "--min", "0.5", "-f", "json"))[0]["term"] == "зарплата"
    assert "human rights" in run("ngrams", "-w", path, "--size", "2", "-f", "csv")
    assert "кыргызов" in run("kwic", "kyrgyz", "-w", path, "-f", "csv")
    assert "cluster" in run("clusters", "-w", path, "-k", "2", "-f", "csv")
    assert "politics_elections" in run("topics", "-w", path, "--by", "week", "-f", "csv")
    assert "Added 1" in run("stopwords", "add", "ru", "зарплата", "-w", path)
    assert "зарплата,workspace" in run("stopwords", "list", "ru", "-w", path, "-f", "csv")
    bad = CliRunner().invoke(app, ["terms", "-w", path, "--language", "xx"])
    assert bad.exit_code == 1 and "Unknown language code" in bad.output


def test_commands_have_help_and_docs():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "text.md").read_text("utf-8")
    for name in COMMANDS:
        out = run(name, "--help")
        assert "Usage" in out
        assert f"shailoo {name}" in docs, name

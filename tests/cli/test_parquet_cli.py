"""CLI of the Parquet export: `export parquet`, `import parquet`, and read-only commands on `-w DIR`."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from shailoo.cli.main import app
from shailoo.store.keys import KEY_NAME
from shailoo.store.loader import import_file
from tests.conftest import DATA
from tests.report.fixture_workspace import build_fixture


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from typer.testing import CliRunner

    base = tmp_path_factory.mktemp("pqcli")
    ws = build_fixture(base / "ws")
    import_file(ws, DATA / "telegram_desktop" / "group.json")
    (ws.path / "report").mkdir()  # the team's words for the report: files of the workspace folder
    (ws.path / "report" / "report.yaml").write_text("title: Наблюдение 2026\nintroduction: intro.md\n",
                                                      encoding="utf-8")
    (ws.path / "report" / "intro.md").write_text("# Вступление\n", encoding="utf-8")
    ws.close()
    result = CliRunner().invoke(app, ["export", "parquet", "-w", str(base / "ws"), str(base / "export")])
    assert result.exit_code == 0, result.output
    return base / "ws", base / "export"


@pytest.mark.parametrize("command", [["metrics", "posts", "--by", "actor"], ["terms"], ["metrics", "posts", "--by", "week"],
                                     ["ngrams", "--all"], ["status"]])
def test_read_only_commands_on_the_export_print_what_the_workspace_prints(runner, exported, command):
    ws, export = exported
    fmt = [] if command == ["status"] else ["-f", "csv"]
    on_ws = runner.invoke(app, [*command, "-w", str(ws), *fmt])
    on_export = runner.invoke(app, [*command, "-w", str(export), *fmt])
    assert on_ws.exit_code == 0, on_ws.output
    assert on_export.exit_code == 0, on_export.output
    if command != ["status"]:
        assert on_export.stdout.encode() == on_ws.stdout.encode()


def test_the_report_on_the_export_is_the_workspaces_report(runner, exported, tmp_path):
    ws, export = exported
    pages = []
    for where, name in ((ws, "ws.html"), (export, "export.html")):
        result = runner.invoke(app, ["report", "-w", str(where), "--no-text", "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        # The time it was written (to the minute) may differ between the two runs.
        pages.append(re.sub(r"Generated [^<]*", "", (tmp_path / name).read_text(encoding="utf-8")))
    assert "Наблюдение 2026" in pages[0] and "Вступление" in pages[0]
    assert pages[1] == pages[0]


def test_a_command_that_writes_says_the_export_is_read_only(runner, exported):
    _, export = exported
    result = runner.invoke(app, ["periods", "add", "x", "2021-01-01", "2021-01-02", "-w", str(export)])
    assert result.exit_code != 0 and "Parquet export, which is read-only" in result.output
    result = runner.invoke(app, ["import", "-w", str(export), str(DATA / "crowdtangle" / "group.csv")])
    assert result.exit_code != 0 and "read-only" in result.output


def test_export_refuses_a_used_folder_without_force(runner, exported):
    ws, export = exported
    again = runner.invoke(app, ["export", "parquet", "-w", str(ws), str(export)])
    assert again.exit_code != 0 and "--force" in again.output
    forced = runner.invoke(app, ["export", "parquet", "-w", str(ws), str(export), "--force"])
    assert forced.exit_code == 0, forced.output


def test_import_parquet_and_the_older_forms_still_work(runner, exported, tmp_path):
    ws, export = exported
    new = tmp_path / "new"
    new.mkdir()
    shutil.copy(ws / KEY_NAME, new / KEY_NAME)
    assert runner.invoke(app, ["init", str(new)]).exit_code == 0
    result = runner.invoke(app, ["import", "parquet", "-w", str(new), str(export), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["mode"] == "copy" and data["imported"] == data["posts"] > 0
    # A folder that is an export, named alone, is imported the same way (and is not read again).
    again = json.loads(runner.invoke(app, ["import", "-w", str(new), str(export), "--json"]).stdout)
    assert again["seen_before"]
    # The file import and the posts export keep their forms.
    files = runner.invoke(app, ["import", "-w", str(new), str(DATA / "crowdtangle" / "group.csv"), "--json"])
    assert files.exit_code == 0 and json.loads(files.stdout)["records"] > 0, files.output
    out = tmp_path / "posts.csv"
    posts = runner.invoke(app, ["export", "posts", "-w", str(new), "--all", "-o", str(out)])
    assert posts.exit_code == 0 and out.read_text(encoding="utf-8").startswith(("post_id", "platform")), posts.output


def test_import_parquet_refuses_another_key_in_one_sentence(runner, exported, tmp_path):
    _, export = exported
    other = tmp_path / "other"
    assert runner.invoke(app, ["init", str(other)]).exit_code == 0
    refused = runner.invoke(app, ["import", "parquet", "-w", str(other), str(export)])
    assert refused.exit_code != 0 and "--accept-other-key" in refused.output
    accepted = runner.invoke(app, ["import", "parquet", "-w", str(other), str(export), "--accept-other-key"])
    assert accepted.exit_code == 0 and "do not match" in accepted.output, accepted.output
    misused = runner.invoke(app, ["import", "-w", str(other), str(DATA / "crowdtangle" / "group.csv"),
                                  "--accept-other-key"])
    assert misused.exit_code != 0 and "import parquet" in misused.output

"""CLI: init, import, status, actors, periods, quarantine, and how errors read."""

from __future__ import annotations

import json

from shailoo.cli.main import app
from tests.conftest import DATA

MALFORMED = DATA / "crowdtangle" / "2021-01-05-10-00-00-KGT-Historical-Report-malformed.csv"


def _init(runner, tmp_path):
    ws = tmp_path / "ws"
    result = runner.invoke(app, ["init", str(ws)])
    assert result.exit_code == 0, result.output
    return ws


def test_import_json_counts_add_up(runner, tmp_path):
    ws = _init(runner, tmp_path)
    result = runner.invoke(app, ["import", "-w", str(ws), str(MALFORMED), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["imported"] + data["updated"] + data["quarantined"] + data["skipped"] == data["records"] == 14
    assert data["quarantined"] == 8
    again = json.loads(runner.invoke(app, ["import", "-w", str(ws), str(MALFORMED), "--json"]).stdout)
    assert (again["imported"], again["updated"], again["skipped"]) == (0, 0, 6)


def test_import_several_files_json_totals(runner, tmp_path):
    ws = _init(runner, tmp_path)
    result = runner.invoke(app, ["import", "-w", str(ws), str(DATA / "crowdtangle" / "group.csv"),
                                 str(DATA / "crowdtangle" / "instagram.csv"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["imported"] == 4 and len(data["files"]) == 2


def test_import_table_output_mentions_quarantine(runner, tmp_path):
    ws = _init(runner, tmp_path)
    result = runner.invoke(app, ["import", "-w", str(ws), str(MALFORMED)])
    assert result.exit_code == 0, result.output
    assert "quarantine" in result.output


def test_status_json(runner, tmp_path):
    ws = _init(runner, tmp_path)
    runner.invoke(app, ["import", "-w", str(ws), str(DATA / "crowdtangle" / "instagram.csv")])
    runner.invoke(app, ["import", "-w", str(ws), str(DATA / "crowdtangle" / "group.csv")])
    result = runner.invoke(app, ["status", "-w", str(ws), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["posts"] == 4
    assert data["platforms"] == {"instagram": 2, "facebook": 2}
    assert (data["instagram"], data["facebook"]) == (2, 2)
    human = runner.invoke(app, ["status", "-w", str(ws)])
    assert "instagram" in human.output and "Posts per actor category" in human.output


def test_workspace_from_environment_variable(runner, tmp_path, monkeypatch):
    ws = _init(runner, tmp_path)
    monkeypatch.setenv("SHAILOO_WORKSPACE", str(ws))
    assert runner.invoke(app, ["status", "--json"]).exit_code == 0


def test_actors_and_periods(runner, tmp_path):
    ws = _init(runner, tmp_path)
    runner.invoke(app, ["import", "-w", str(ws), str(MALFORMED)])
    result = runner.invoke(app, ["actors", "import", "-w", str(ws), str(DATA / "actors" / "actors.csv")])
    assert result.exit_code == 0, result.output
    assert "Registered 4 actors" in result.output
    listed = json.loads(runner.invoke(app, ["actors", "list", "-w", str(ws), "--format", "json"]).stdout)
    assert {r["actor"]: r["posts"] for r in listed}["Жапаров Садыр"] == 6
    result = runner.invoke(app, ["periods", "add", "-w", str(ws), "campaign", "2021-01-03", "2021-01-03"])
    assert result.exit_code == 0, result.output
    periods = json.loads(runner.invoke(app, ["periods", "list", "-w", str(ws), "-f", "json"]).stdout)
    # local (Bishkek) day 2021-01-03: posts 2..5 and 13; post 1 is 23:30 on the 3rd, also inside
    assert periods == [{"name": "campaign", "start_date": "2021-01-03", "end_date": "2021-01-03", "posts": 6}]
    bad = runner.invoke(app, ["periods", "add", "-w", str(ws), "x", "2021-02-30", "2021-03-01"])
    assert bad.exit_code == 1 and "not a date" in bad.output


def test_quarantine_list_and_purge(runner, tmp_path):
    ws = _init(runner, tmp_path)
    runner.invoke(app, ["import", "-w", str(ws), str(MALFORMED)])
    rows = json.loads(runner.invoke(app, ["quarantine", "list", "-w", str(ws), "-f", "json"]).stdout)
    assert len(rows) == 8 and rows[0]["record_number"] == 6 and rows[0]["raw"]
    result = runner.invoke(app, ["quarantine", "purge", "-w", str(ws)])
    assert result.exit_code == 0 and "8" in result.output
    assert "rewrote the workspace file" in result.output and "MB →" in result.output
    rows = json.loads(runner.invoke(app, ["quarantine", "list", "-w", str(ws), "-f", "json"]).stdout)
    assert {r["raw"] for r in rows} == {"(purged)"} and all(r["reason"] for r in rows)


def test_errors_are_one_sentence_without_traceback(runner, tmp_path):
    result = runner.invoke(app, ["status", "-w", str(tmp_path)])
    assert result.exit_code == 1
    assert "not a shailoo workspace" in result.output
    assert "Traceback" not in result.output
    ws = _init(runner, tmp_path)
    other = tmp_path / "notes.csv"
    other.write_text("x,y\n1,2\n")
    result = runner.invoke(app, ["import", "-w", str(ws), str(other)])
    assert result.exit_code == 1 and "not a format shailoo recognises" in result.output
    result = runner.invoke(app, ["import", "-w", str(ws), str(tmp_path / "missing.csv")])
    assert result.exit_code == 1 and "There is no file" in result.output
    result = runner.invoke(app, ["import", "-w", str(ws), str(other), "--format", "nope"])
    assert result.exit_code == 1 and "no import format 'nope'" in result.output


def test_debug_shows_the_exception(runner, tmp_path):
    result = runner.invoke(app, ["--debug", "status", "-w", str(tmp_path)])
    assert result.exit_code != 0
    assert result.exception is not None and "not a shailoo workspace" in str(result.exception)


def test_formats_lists_importers(runner):
    result = runner.invoke(app, ["formats"])
    assert result.exit_code == 0 and "crowdtangle" in result.output


def test_import_a_folder_takes_the_exports_inside(runner, tmp_path):
    import shutil

    ws = _init(runner, tmp_path)
    folder = tmp_path / "exports" / "facebook"
    folder.mkdir(parents=True)
    shutil.copy(DATA / "crowdtangle" / "group.csv", folder)
    shutil.copy(DATA / "crowdtangle" / "instagram.csv", folder.parent)
    (folder / "notes.txt").write_text("what we collected, by whom", encoding="utf-8")
    result = runner.invoke(app, ["import", "-w", str(ws), str(tmp_path / "exports"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # files are named by their path inside the folder given (many exports are all called result.json)
    assert data["imported"] == 4 and sorted(f["file"] for f in data["files"]) == ["facebook/group.csv", "instagram.csv"]
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["import", "-w", str(ws), str(empty)])
    assert result.exit_code == 1 and "holds no export file" in result.output


def test_actors_import_replaces_and_reports_unmatched_rows_then_remove_and_unmatched(runner, tmp_path):
    ws = _init(runner, tmp_path)
    runner.invoke(app, ["import", "-w", str(ws), str(MALFORMED)])
    result = runner.invoke(app, ["actors", "import", "-w", str(ws), str(DATA / "actors" / "actors.csv")])
    assert result.exit_code == 0, result.output
    # the instagram, group and telegram accounts and the page 999999 have no post here
    assert "4 registry accounts match no post yet" in result.output and "ЦИК КР — telegram" in result.output
    registry = json.loads(runner.invoke(app, ["actors", "unmatched", "--registry", "-w", str(ws), "-f", "json"]).stdout)
    assert {(r["actor"], r["platform"]) for r in registry} == {
        ("Жапаров Садыр", "instagram"), ("Мигранты в Москве", "facebook"), ("ЦИК КР", "telegram"),
        ("Пустой Актёр", "facebook")}
    smaller = tmp_path / "smaller.csv"
    smaller.write_text("name;category;platform;account_id;handle;url\nЖапаров Садыр;candidate;facebook;111;;\n",
                       encoding="cp1251")
    result = runner.invoke(app, ["actors", "import", "-w", str(ws), str(smaller)])
    assert result.exit_code == 0, result.output
    assert "Removed 3: Мигранты в Москве, Пустой Актёр, ЦИК КР." in result.output
    assert "Changed 1: Жапаров Садыр." in result.output
    result = runner.invoke(app, ["actors", "remove", "-w", str(ws), "Japarov Sadyr"])
    assert result.exit_code == 1 and "No actor is named" in result.output  # the smaller file had no aliases
    result = runner.invoke(app, ["actors", "remove", "-w", str(ws), "Жапаров Садыр"])
    assert result.exit_code == 0 and "its 6 posts stay" in result.output
    unmatched = json.loads(runner.invoke(app, ["actors", "unmatched", "-w", str(ws), "-f", "json"]).stdout)
    assert unmatched[0]["account_id"] == "111" and unmatched[0]["posts"] == 6
    assert {"platform", "handle", "name", "posts", "first_post", "last_post"} <= unmatched[0].keys()


def test_periods_remove(runner, tmp_path):
    ws = _init(runner, tmp_path)
    assert runner.invoke(app, ["periods", "add", "-w", str(ws), "campaign", "2021-01-03", "2021-01-09"]).exit_code == 0
    assert runner.invoke(app, ["periods", "add", "-w", str(ws), "pre", "2020-12-01", "2021-01-02"]).exit_code == 0
    result = runner.invoke(app, ["periods", "remove", "-w", str(ws), "campaign"])
    assert result.exit_code == 0, result.output
    listed = json.loads(runner.invoke(app, ["periods", "list", "-w", str(ws), "-f", "json"]).stdout)
    assert [p["name"] for p in listed] == ["pre"]
    assert "campaign" not in (ws / "shailoo.toml").read_text(encoding="utf-8")
    bad = runner.invoke(app, ["periods", "remove", "-w", str(ws), "campaign"])
    assert bad.exit_code == 1 and "no period named 'campaign'" in bad.output


def test_import_names_registry_rows_of_its_platforms_that_match_no_post(runner, tmp_path):
    ws = _init(runner, tmp_path)
    runner.invoke(app, ["actors", "import", "-w", str(ws), str(DATA / "actors" / "actors.csv")])
    result = runner.invoke(app, ["import", "-w", str(ws), str(MALFORMED)])
    assert result.exit_code == 0, result.output
    # facebook rows without posts are named; the instagram and telegram rows are not this file's concern
    assert "Мигранты в Москве — facebook" in result.stderr and "telegram" not in result.stderr

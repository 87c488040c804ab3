"""The Parquet export/import, past the review's examples (issue #15): each finding's class, on the
other tables, paths and settings files it covers."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from shailoo.errors import ParquetExportError
from shailoo.store.keys import KEY_NAME
from shailoo.store.loader import import_file
from shailoo.store.parquet import export_parquet, open_parquet, read_manifest
from shailoo.store.parquet_import import export_digest, import_parquet
from shailoo.store.workspace import init_workspace, open_workspace
from tests.conftest import DATA
from tests.report.fixture_workspace import build_fixture

SETTINGS = {"report/report.yaml": "title: Наблюдение\nintroduction: intro.md\n", "report/intro.md": "# Вступление\n",
            "lexicons/protest.txt": "митинг\n", "topics.yaml": "elections:\n  ru: [выборы]\n"}


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    base = tmp_path_factory.mktemp("pq_hard")
    ws = build_fixture(base / "ws")
    for rel, text in SETTINGS.items():
        (ws.path / rel).parent.mkdir(exist_ok=True)
        (ws.path / rel).write_text(text, encoding="utf-8")
    ws.con.execute("""INSERT INTO collect_archive (run_id, seq, platform, endpoint, received_at, sha256, size, body_gz)
                      VALUES (1, 1, 'telegram', 'web', now(), 'x', 1, ?)""", [gzip.compress(b'{"from_id": "user1"}')])
    ws.con.execute("INSERT INTO audit_log (at_time, actor, action, target) VALUES (now(), 'cli:login', 'user.add', 'ann')")
    export_parquet(ws, base / "export")
    ws.close()
    return base / "ws", base / "export"


def _workspace(path: Path, key_from: Path):
    path.mkdir(parents=True)
    shutil.copy(key_from / KEY_NAME, path / KEY_NAME)
    return init_workspace(path, project=path.name)


def _copy(export: Path, tmp_path: Path, name: str = "copy") -> Path:
    return Path(shutil.copytree(export, tmp_path / name, symlinks=True))


def _edit_manifest(folder: Path, edit) -> None:
    data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    edit(data)
    (folder / "manifest.json").write_text(json.dumps(data), encoding="utf-8")


# -- 2. what never leaves: raw bodies, the audit log ------------------------------------------------------
def test_the_archive_travels_without_bodies_and_the_audit_log_stays(team):
    _, export = team
    manifest = read_manifest(export)
    assert "audit_log" not in manifest["tables"] and "audit_log" in manifest["excluded"]
    assert "collect_archive.body_gz" in manifest["excluded"]
    with open_parquet(export) as ex:
        assert ex.con.execute("SELECT body_gz, purged_at IS NOT NULL, sha256 FROM collect_archive").fetchall() == \
            [(b"", True, "x")]


def test_an_older_export_with_bodies_is_imported_without_them(team, tmp_path):
    src, export = team
    folder = _copy(export, tmp_path)
    target = next((folder / "collect_archive").glob("*.parquet"))
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT * REPLACE ('raw body'::BLOB AS body_gz, NULL::TIMESTAMPTZ AS purged_at)
                         FROM read_parquet('{target}')) TO '{target}.new' (FORMAT parquet)""")
    Path(f"{target}.new").replace(target)
    ws = _workspace(tmp_path / "ws", src)
    assert import_parquet(ws, folder).mode == "copy"
    got = ws.con.execute("SELECT body_gz, purged_at IS NOT NULL FROM collect_archive").fetchall()
    ws.close()
    assert got == [(b"", True)]


def test_an_older_exports_audit_log_is_not_read(team, tmp_path):
    src, export = team
    folder = _copy(export, tmp_path)
    shutil.copytree(folder / "events", folder / "audit_log")
    _edit_manifest(folder, lambda d: d["tables"].__setitem__("audit_log", dict(d["tables"]["events"], path="audit_log")))
    assert "audit_log" not in read_manifest(folder)["tables"]
    ws = _workspace(tmp_path / "ws", src)
    assert import_parquet(ws, folder).mode == "copy"
    assert ws.con.execute("SELECT count(*) FROM audit_log").fetchall()[0][0] == 0
    ws.close()


# -- 3, 4, 5. the checked list of files ------------------------------------------------------------------
def _flat_subfolder(folder: Path) -> None:
    (folder / "actors" / "more").mkdir()
    shutil.copy(next((folder / "actors").glob("*.parquet")), folder / "actors" / "more" / "data_1.parquet")


def _bad_month(folder: Path) -> None:
    src = next((folder / "posts" / "platform=facebook").iterdir())
    shutil.copytree(src, folder / "posts" / "platform=facebook" / "month=2021-13")


def _linked_settings(folder: Path) -> None:
    (folder / "topics.yaml").unlink()
    (folder / "topics.yaml").symlink_to(folder.parent / "elsewhere.yaml")
    (folder.parent / "elsewhere.yaml").write_text("secret: [x]\n")


def _table_named(name: str):
    def change(folder: Path) -> None:
        shutil.copytree(folder / "events", folder / name, dirs_exist_ok=True)
        _edit_manifest(folder, lambda d: d["tables"].__setitem__(name, dict(d["tables"]["events"], path=name)))
    return change


def _linked_table_folder_inside(folder: Path) -> None:  # a folder of the export linked to another of it
    shutil.rmtree(folder / "events")
    (folder / "events").symlink_to(folder / "actors", target_is_directory=True)


HOSTILE = {
    "Parquet in a subfolder of a flat table": (_flat_subfolder, "where none belongs"),
    "month 2021-13": (_bad_month, "where none belongs"),
    "settings file linked outside": (_linked_settings, "symbolic link"),
    "table stage_posts": (_table_named("stage_posts"), "does not take"),
    "table report": (_table_named("report"), "does not take"),
    "table folder linked": (_linked_table_folder_inside, "has no folder events"),
    "rows below zero": (lambda f: _edit_manifest(f, lambda d: d["tables"]["posts"].update(rows=-1)), "row count"),
    "settings not pairs": (lambda f: _edit_manifest(f, lambda d: d.update(settings={"a": 1})), "settings"),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_export_is_refused_when_opened_and_imported(team, tmp_path, case):
    src, export = team
    change, message = HOSTILE[case]
    folder = _copy(export, tmp_path)
    change(folder)
    with pytest.raises(ParquetExportError, match=message) as info:
        open_parquet(folder).close()
    assert "\n" not in str(info.value)
    ws = _workspace(tmp_path / "ws", src)
    with pytest.raises(ParquetExportError, match=message):
        import_parquet(ws, folder)
    assert ws.con.execute("SELECT count(*) FROM posts").fetchall()[0][0] == 0
    ws.close()


def test_duplicate_posts_in_a_merge_end_in_one_sentence(team, tmp_path):
    src, export = team
    folder = _copy(export, tmp_path)
    part = next((folder / "posts").rglob("*.parquet"))
    shutil.copy(part, part.with_name("data_9.parquet"))
    ws = _workspace(tmp_path / "ws", src)
    import_file(ws, DATA / "crowdtangle" / "group.csv")
    before = ws.con.execute("SELECT count(*) FROM posts").fetchall()[0][0]
    try:
        import_parquet(ws, folder)  # the merge may take repeated rows as a file's repeated records ...
    except ParquetExportError as exc:  # ... or refuse them: never a raw database error
        assert "\n" not in str(exc)
    after = ws.con.execute("SELECT count(DISTINCT (platform, platform_post_id)) = count(*) FROM posts").fetchall()[0][0]
    ws.close()
    assert after and before > 0


@pytest.mark.parametrize("name", ["a*b", "q?z", "x[1]"])
def test_glob_characters_in_the_folder_name_read_only_that_folder(team, tmp_path, name):
    src, export = team
    decoy = {"a*b": "aXb", "q?z": "qYz", "x[1]": "x1"}[name]
    folder = _copy(export, tmp_path, name)
    shutil.copytree(export, tmp_path / decoy)  # a second export a glob would also match
    with open_parquet(folder) as ex:
        n = ex.con.execute("SELECT count(*) FROM posts").fetchall()[0][0]
    assert n == read_manifest(export)["tables"]["posts"]["rows"]


# -- 6. settings files travel with the export -------------------------------------------------------------
def test_settings_files_are_exported_presented_and_copied(team, tmp_path):
    from shailoo.analysis.groups import load_lexicon
    from shailoo.analysis.text_topics import topic_dictionary
    from shailoo.report.config import load_config

    src, export = team
    assert sorted(p for p, _ in read_manifest(export)["settings"]) == sorted(SETTINGS)
    with open_workspace(src, read_only=True) as ws, open_parquet(export) as ex:
        assert load_config(ex) == load_config(ws) and load_config(ex).introduction.startswith("# Вступление")
        assert load_lexicon(ex, "protest") == load_lexicon(ws, "protest") == ["митинг"]
        assert [t.name for t in topic_dictionary(ex)] == [t.name for t in topic_dictionary(ws)] == ["elections"]
    fresh = _workspace(tmp_path / "fresh", src)
    (fresh.path / "lexicons").mkdir()
    (fresh.path / "lexicons" / "protest.txt").write_text("своё\n", encoding="utf-8")
    result = import_parquet(fresh, export)
    fresh.close()
    assert result.mode == "copy"
    assert sorted(result.settings) == sorted(set(SETTINGS) - {"lexicons/protest.txt"})
    assert (tmp_path / "fresh" / "lexicons" / "protest.txt").read_text(encoding="utf-8") == "своё\n"  # never overwritten
    assert (tmp_path / "fresh" / "report" / "report.yaml").read_text(encoding="utf-8") == SETTINGS["report/report.yaml"]
    assert any("keeps its own lexicons/protest.txt" in n for n in result.notes)


def test_a_merge_keeps_the_workspaces_own_settings(team, tmp_path):
    src, export = team
    ws = _workspace(tmp_path / "ws", src)
    import_file(ws, DATA / "crowdtangle" / "group.csv")
    result = import_parquet(ws, export)
    ws.close()
    assert result.mode == "merge" and not result.settings
    assert not (tmp_path / "ws" / "report").exists() and any("keeps its own" in n for n in result.notes)


def test_export_refuses_a_symbolic_link_among_the_settings(team, tmp_path):
    src, _ = team
    ws = _workspace(tmp_path / "ws", src)
    (tmp_path / "secret.txt").write_text("x")
    (ws.path / "lexicons").mkdir()
    (ws.path / "lexicons" / "protest.txt").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(ParquetExportError, match="symbolic link"):
        export_parquet(ws, tmp_path / "out")
    ws.close()
    assert not (tmp_path / "out").exists()


# -- 7. logs and caches do not make a workspace hold data ---------------------------------------------------
def test_a_workspace_with_a_filled_cache_only_still_takes_the_whole_export(team, tmp_path):
    src, export = team
    ws = _workspace(tmp_path / "ws", src)
    ws.con.execute("CREATE TABLE IF NOT EXISTS stem_cache (lang VARCHAR, word VARCHAR, stem VARCHAR, "
                   "PRIMARY KEY (lang, word))")
    ws.con.execute("INSERT INTO stem_cache VALUES ('ru', 'выборы', 'выбор')")
    ws.con.execute("INSERT INTO audit_log (at_time, actor, action, target) VALUES (now(), 'cli:me', 'user.add', 'b')")
    result = import_parquet(ws, export)
    log = ws.con.execute("SELECT list(actor) FROM audit_log").fetchall()[0][0]
    ws.close()
    assert result.mode == "copy" and log == ["cli:me"]  # the workspace's own log, never the export's


# -- the seen-before digest reads the files' content ----------------------------------------------------------
def test_the_digest_changes_with_a_files_content_of_the_same_size(team, tmp_path):
    _, export = team
    folder = _copy(export, tmp_path)
    before = export_digest(folder)
    target = folder / "topics.yaml"
    text = target.read_bytes()
    target.write_bytes(text.replace(b"elections", b"electionz"))
    assert export_digest(folder) != before

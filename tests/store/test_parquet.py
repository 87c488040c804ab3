"""The workspace as Parquet (issue #15): export, open read-only, import (round trip, merge), hostile exports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from shailoo.actors import import_registry
from shailoo.errors import ParquetExportError, WorkspaceReadOnly
from shailoo.store import parquet as pq
from shailoo.store.keys import KEY_NAME
from shailoo.store.loader import import_file
from shailoo.store.parquet import export_parquet, open_parquet, read_manifest
from shailoo.store.parquet_import import import_parquet
from shailoo.store.workspace import init_workspace, open_workspace
from tests.conftest import DATA
from tests.report.fixture_workspace import build_fixture

METRICS = DATA / "metrics"
FB1, FB2 = sorted(METRICS.glob("2021-*facebook*.csv"))
INSTAGRAM = next(METRICS.glob("2021-*instagram*.csv"))


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    """A small workspace like the demo's (registry, periods, snapshots, private group members, text caches,
    an event) and its export."""
    base = tmp_path_factory.mktemp("parquet")
    ws = build_fixture(base / "ws")
    import_file(ws, DATA / "telegram_desktop" / "group.json")  # members stored under pseudonyms
    ws.con.execute("INSERT INTO events (event_id, name, start_date) VALUES (1, 'rally', DATE '2020-12-20')")
    export_parquet(ws, base / "export")
    ws.close()
    return base / "ws", base / "export"


def _new_workspace(path: Path, key_from: Path | None):
    path.mkdir(parents=True)
    if key_from is not None:
        shutil.copy(key_from / KEY_NAME, path / KEY_NAME)  # the same key: the teams' pseudonyms match
    return init_workspace(path, project="new")


def _rows(ws, name: str) -> list[tuple]:
    return sorted(ws.con.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)


def test_export_writes_the_layout(team):
    _, export = team
    manifest = read_manifest(export)
    assert manifest["format"] == "shailoo-parquet" and manifest["layout"] == 1
    assert manifest["tables"]["posts"]["partitioned_by"] == ["platform", "month"]
    assert sorted(p.name for p in (export / "posts").iterdir()) == ["platform=facebook", "platform=instagram",
                                                                     "platform=telegram"]
    assert (export / "posts" / "platform=facebook" / "month=2020-12").is_dir()
    assert "users" not in manifest["tables"] and "users" in manifest["excluded"]
    assert {"engagement_snapshots", "follower_snapshots", "actors", "actor_accounts", "periods", "imports",
            "post_tokens", "events", "codes"} <= set(manifest["tables"])
    assert dict(manifest["tables"]["engagement_snapshots"]["columns"])["reaction_breakdown"] == "MAP(VARCHAR, BIGINT)"
    assert manifest["workspace"]["timezone"] == "Asia/Bishkek" and len(manifest["pseudonym_key_fingerprint"]) == 16
    assert b"pseudonym" not in b"".join(p.read_bytes() for p in export.rglob("*.parquet") if "key" in p.name)


def test_open_parquet_reads_every_table_as_the_workspace_has_it(team):
    path, export = team
    with open_workspace(path, read_only=True) as ws, open_workspace(export, read_only=True) as ex:
        assert ex.read_only and ex.config.periods == ws.config.periods
        for name in read_manifest(export)["tables"]:
            assert _rows(ex, name) == _rows(ws, name), name
        assert _rows(ex, "posts_v") == _rows(ws, "posts_v")


def test_a_command_that_writes_refuses_the_export(team):
    _, export = team
    with pytest.raises(WorkspaceReadOnly, match="Parquet export, which is read-only"):
        open_workspace(export)


def test_round_trip_into_an_empty_workspace_is_exact(team, tmp_path):
    path, export = team
    ws = _new_workspace(tmp_path / "restored", key_from=path)
    result = import_parquet(ws, export)
    assert result.mode == "copy" and result.imported == read_manifest(export)["tables"]["posts"]["rows"]
    export_parquet(ws, tmp_path / "again")
    with open_parquet(export) as a, open_parquet(tmp_path / "again") as b:
        assert set(a.manifest["tables"]) == set(b.manifest["tables"])
        for name in a.manifest["tables"]:
            if name != "imports":
                assert _rows(a, name) == _rows(b, name), name
        # The import log gains this import's own row, nothing else.
        extra = [r for r in _rows(b, "imports") if r not in _rows(a, "imports")]
        assert len(extra) == 1 and extra[0][1] == "shailoo-parquet"
    # Later imports draw new ids after the copied ones.
    import_file(ws, DATA / "crowdtangle" / "group.csv")
    assert ws.con.execute("SELECT count(DISTINCT post_id) = count(*) FROM posts").fetchall()[0][0]
    ws.close()


def _team_workspace(path: Path, files: list[Path], key_from: Path | None):
    ws = _new_workspace(path, key_from)
    import_registry(ws, METRICS / "registry.csv")
    for f in files:
        import_file(ws, f, text_caches=False)
    return ws


def _content(ws) -> dict:
    """Posts, snapshots and accounts by their natural keys (not the workspace's own ids)."""
    return {
        "posts": ws.con.execute("""SELECT platform, platform_post_id, account_id, created_at, text, url, link, hashtags
                                   FROM posts ORDER BY ALL""").fetchall(),
        "snapshots": ws.con.execute("""SELECT p.platform, p.platform_post_id, e.measured_at, e.reactions, e.comments,
                                              e.shares, e.views, e.reaction_breakdown
                                       FROM engagement_snapshots e JOIN posts p USING (post_id) ORDER BY ALL""").fetchall(),
        "accounts": ws.con.execute("""SELECT platform, account_id, handle, name, is_pseudonymised, actor_id IS NOT NULL
                                      FROM accounts ORDER BY ALL""").fetchall(),
    }


def test_two_teams_exports_merge_as_their_files_would(tmp_path):
    a = _team_workspace(tmp_path / "a", [FB1, INSTAGRAM, DATA / "telegram_desktop" / "group.json"], None)
    b = _team_workspace(tmp_path / "b", [FB2], key_from=tmp_path / "a")  # the same posts, measured 10 days later
    export_parquet(a, tmp_path / "a.pq")
    export_parquet(b, tmp_path / "b.pq")
    whole = _team_workspace(tmp_path / "whole", [FB1, INSTAGRAM, DATA / "telegram_desktop" / "group.json", FB2],
                            key_from=tmp_path / "a")
    merged = _new_workspace(tmp_path / "merged", key_from=tmp_path / "a")
    assert import_parquet(merged, tmp_path / "a.pq").mode == "copy"
    result = import_parquet(merged, tmp_path / "b.pq")
    assert result.mode == "merge" and result.snapshots_added > 0 and result.unchanged + result.updated > 0
    assert _content(merged) == _content(whole)
    before = _content(merged)
    again = import_parquet(merged, tmp_path / "b.pq")  # the very same export: not read again
    assert again.seen_before and _content(merged) == before
    export_parquet(b, tmp_path / "b2.pq")  # the same data exported again: read, changes nothing
    result = import_parquet(merged, tmp_path / "b2.pq")
    assert (result.imported, result.updated, result.snapshots_added, result.accounts_added) == (0, 0, 0, 0)
    assert _content(merged) == before
    for ws in (a, b, whole, merged):
        ws.close()


def test_an_export_under_another_key_is_refused_unless_accepted(team, tmp_path):
    _, export = team
    ws = _new_workspace(tmp_path / "other", key_from=None)
    with pytest.raises(ParquetExportError, match="another pseudonym key"):
        import_parquet(ws, export)
    assert ws.con.execute("SELECT count(*) FROM posts").fetchall()[0][0] == 0
    result = import_parquet(ws, export, accept_other_key=True)
    assert any("do not match" in n for n in result.notes)
    ws.close()


def test_export_refuses_a_folder_with_files_and_leaves_nothing_when_it_fails(team, tmp_path, monkeypatch):
    path, export = team
    other = tmp_path / "notes"
    other.mkdir()
    (other / "todo.txt").write_text("keep me")
    with open_workspace(path, read_only=True) as ws:
        with pytest.raises(ParquetExportError, match="not empty"):
            export_parquet(ws, other)
        with pytest.raises(ParquetExportError, match="not a shailoo Parquet export"):
            export_parquet(ws, other, overwrite=True)
        assert (other / "todo.txt").read_text() == "keep me"
        with pytest.raises(ParquetExportError, match="workspace's folder"):
            export_parquet(ws, path / "inside")

        def fail(*args):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(pq, "_export_table", fail)
        with pytest.raises(OSError):
            export_parquet(ws, tmp_path / "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes"]  # neither the folder nor a temporary one


def _hostile(export: Path, tmp_path: Path, change) -> Path:
    copy = Path(shutil.copytree(export, tmp_path / "copy"))
    change(copy)
    return copy


def _edit_manifest(edit):
    def change(folder: Path) -> None:
        data = json.loads((folder / "manifest.json").read_text())
        edit(data)
        (folder / "manifest.json").write_text(json.dumps(data))
    return change


def _replace_file(table: str, sql: str):
    def change(folder: Path) -> None:
        import duckdb

        target = next((folder / table).rglob("*.parquet"))
        con = duckdb.connect()
        con.execute(f"COPY ({sql.format(f=str(target))}) TO '{target}.new' (FORMAT parquet)")
        Path(f"{target}.new").replace(target)
    return change


HOSTILE = {
    "not JSON": (lambda f: (f / "manifest.json").write_text("{not json"), "is not JSON"),
    "too big": (lambda f: (f / "manifest.json").write_text(" " * (5 << 20)), "larger than"),
    "another format": (_edit_manifest(lambda d: d.update(format="other")), "not a shailoo Parquet manifest"),
    "another layout": (_edit_manifest(lambda d: d.update(layout=2)), "layout 2"),
    "path escaping": (_edit_manifest(lambda d: d["tables"]["actors"].update(path="../actors")),
                      "not a folder inside the export"),
    "missing folder": (lambda f: shutil.rmtree(f / "actors"), "has no folder actors"),
    "type as SQL": (_edit_manifest(lambda d: d["tables"]["actors"]["columns"][0].__setitem__(
        1, "INTEGER) AS x FROM range(9) t(")), "not a DuckDB type"),
    "missing column": (_replace_file("actors", "SELECT * EXCLUDE (category) FROM read_parquet('{f}')"),
                       "lacks column category"),
    "wrong type": (_replace_file("actors", "SELECT * REPLACE (CAST(actor_id AS VARCHAR) AS actor_id) "
                                           "FROM read_parquet('{f}')"), "as VARCHAR, not INTEGER"),
    "not Parquet": (lambda f: next((f / "actors").rglob("*.parquet")).write_bytes(b"PAR1 nonsense"),
                    "not a Parquet file"),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_export_is_refused_in_one_sentence(team, tmp_path, case):
    _, export = team
    change, message = HOSTILE[case]
    folder = _hostile(export, tmp_path, change)
    with pytest.raises(ParquetExportError, match=message) as info:
        open_parquet(folder)
    assert "\n" not in str(info.value) and len(str(info.value)) < 400
    ws = init_workspace(tmp_path / "ws", project="x")
    with pytest.raises(ParquetExportError, match=message):
        import_parquet(ws, folder, accept_other_key=True)
    ws.close()

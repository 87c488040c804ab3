"""Independent review of the Parquet export/import (issue #15): each xfail(strict) proves one finding.

Tests without xfail record what the review checked and found sound."""

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
from shailoo.store.parquet_import import import_parquet
from shailoo.store.workspace import init_workspace, open_workspace
from tests.conftest import DATA
from tests.report.fixture_workspace import build_fixture

GROUP = DATA / "telegram_desktop" / "group.json"  # a group whose members are private individuals


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    base = tmp_path_factory.mktemp("review_pq")
    ws = build_fixture(base / "ws")
    import_file(ws, GROUP)
    export_parquet(ws, base / "export")
    ws.close()
    return base / "ws", base / "export"


def _workspace(path: Path, key_from: Path, pseudonymise: bool = True):
    path.mkdir(parents=True)
    shutil.copy(key_from / KEY_NAME, path / KEY_NAME)
    ws = init_workspace(path, project=path.name)
    if not pseudonymise:
        ws.config.pseudonymise = False
        ws.config.save(path)
        ws.close()
        ws = open_workspace(path)
    return ws


def _copy(export: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(export, tmp_path / "copy"))


def _edit_manifest(folder: Path, edit) -> None:
    data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    edit(data)
    (folder / "manifest.json").write_text(json.dumps(data), encoding="utf-8")


# -- 1. privacy: an export made without pseudonyms merges names into a pseudonymising workspace ----------
def test_merge_of_an_unpseudonymised_export_keeps_private_names_out(team, tmp_path):
    src, _ = team
    a = _workspace(tmp_path / "a", src, pseudonymise=False)
    import_file(a, GROUP)
    export_parquet(a, tmp_path / "a.pq")
    a.close()
    b = _workspace(tmp_path / "b", src)  # pseudonymises (the default)
    import_file(b, DATA / "crowdtangle" / "group.csv")
    before = b.con.execute("SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM accounts)").fetchall()[0]
    # Nothing in the export tells private authors from public accounts any more: refused, not merged.
    with pytest.raises(ParquetExportError, match="without pseudonyms"):
        import_parquet(b, tmp_path / "a.pq")
    clear = b.con.execute("""SELECT count(*) FROM accounts WHERE account_id LIKE 'user%' OR name LIKE '%Частн%'""").fetchall()[0][0]
    forwarded = b.con.execute("SELECT count(*) FROM posts WHERE forwarded_from LIKE 'user%'").fetchall()[0][0]
    after = b.con.execute("SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM accounts)").fetchall()[0]
    b.close()
    # A file import of the same group.json into `b` stores these people as p_… only.
    assert (clear, forwarded) == (0, 0) and before == after


def test_a_copy_never_switches_pseudonyms_off(team, tmp_path):
    src, _ = team
    a = _workspace(tmp_path / "a", src, pseudonymise=False)
    import_file(a, GROUP)
    export_parquet(a, tmp_path / "a.pq")
    a.close()
    empty = _workspace(tmp_path / "empty", src)
    with pytest.raises(ParquetExportError, match="without pseudonyms"):
        import_parquet(empty, tmp_path / "a.pq")
    empty.close()
    assert open_workspace(tmp_path / "empty", read_only=True).config.pseudonymise
    # A manifest that does not say (an edited one) counts as unpseudonymised.
    folder = _copy(team[1], tmp_path)
    _edit_manifest(folder, lambda d: d["workspace"].pop("pseudonymise"))
    other = _workspace(tmp_path / "other", src)
    with pytest.raises(ParquetExportError, match="without pseudonyms"):
        import_parquet(other, folder)
    other.close()
    # A team that opted out on purpose moves its workspace into one that opted out too.
    out = _workspace(tmp_path / "out", src, pseudonymise=False)
    assert import_parquet(out, tmp_path / "a.pq").mode == "copy" and not out.config.pseudonymise
    out.close()


# -- 2. privacy: raw collection bodies and the audit log leave with the export --------------------------
def test_export_leaves_raw_collected_bodies_out(team, tmp_path):
    src, _ = team
    ws = _workspace(tmp_path / "ws", src)
    body = gzip.compress('{"from": "Бакыт Частный", "from_id": "user111"}'.encode())
    ws.con.execute("""INSERT INTO collect_archive (run_id, seq, platform, endpoint, received_at, sha256, size, body_gz)
                      VALUES (1, 1, 'telegram', 'web', now(), 'x', 1, ?)""", [body])
    export_parquet(ws, tmp_path / "out")
    ws.close()
    con = duckdb.connect()
    bodies = []
    for f in (tmp_path / "out").rglob("*.parquet"):
        cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{f}')").fetchall()]
        if "body_gz" in cols:
            bodies += [r[0] for r in con.execute(f"SELECT body_gz FROM read_parquet('{f}')").fetchall()]
    assert all(not b or "Частный" not in gzip.decompress(b).decode() for b in bodies)


# -- 3. symbolic links inside table folders are followed out of DIR --------------------------------------
def _link_file(folder: Path, outside: Path) -> None:
    target = next((folder / "actors").glob("*.parquet"))
    shutil.copy(target, outside)
    target.unlink()
    target.symlink_to(outside)


def _link_partition(folder: Path, outside: Path) -> None:
    part = folder / "posts" / "platform=facebook"
    shutil.move(str(part), str(outside))
    part.symlink_to(outside, target_is_directory=True)


@pytest.mark.parametrize("link", [_link_file, _link_partition], ids=["file", "partition folder"])
def test_a_symbolic_link_inside_a_table_folder_is_refused(team, tmp_path, link):
    _, export = team
    folder = _copy(export, tmp_path)
    link(folder, tmp_path / "outside")
    with pytest.raises(ParquetExportError):
        open_parquet(folder).close()


# -- 4. hostile exports that pass the checks end in a raw database error in `import parquet` -------------
def _huge_rows(folder: Path) -> None:
    _edit_manifest(folder, lambda d: d["tables"]["posts"].update(rows=10 ** 30))


def _duplicate_rows(folder: Path) -> None:
    shutil.copy(next((folder / "actors").glob("*.parquet")), folder / "actors" / "data_1.parquet")


def _loose_partition_file(folder: Path) -> None:
    shutil.copy(next((folder / "posts").rglob("*.parquet")), folder / "posts" / "loose.parquet")


def _table_named_like_a_view(folder: Path) -> None:
    shutil.copytree(folder / "events", folder / "posts_v")
    _edit_manifest(folder, lambda d: d["tables"].__setitem__("posts_v", dict(d["tables"]["events"], path="posts_v")))


def _quoted_partition(folder: Path) -> None:
    src = next((folder / "posts" / "platform=facebook").iterdir())
    shutil.copytree(src, folder / "posts" / "platform=x'); DROP TABLE posts; --" / src.name)


@pytest.mark.parametrize("change", [_huge_rows, _duplicate_rows, _loose_partition_file, _table_named_like_a_view,
                                    _quoted_partition],
                         ids=["rows 10**30", "duplicate keys", "file outside the partitions", "table posts_v",
                              "partition copied under a quoted platform"])
def test_import_of_a_hostile_export_ends_in_one_sentence(team, tmp_path, change):
    src, export = team
    folder = _copy(export, tmp_path)
    change(folder)
    ws = _workspace(tmp_path / "ws", src)
    try:
        with pytest.raises(ParquetExportError):
            import_parquet(ws, folder)
    finally:
        ws.close()


def test_a_partition_value_that_is_no_platform_is_refused_when_opening(team, tmp_path):
    _, export = team
    folder = _copy(export, tmp_path)
    _quoted_partition(folder)
    with pytest.raises(ParquetExportError):
        open_parquet(folder).close()


# -- 5. the table-name check lets a trailing newline through ----------------------------------------------
def test_a_table_name_with_a_newline_is_refused(team, tmp_path):
    _, export = team
    folder = _copy(export, tmp_path)
    shutil.copytree(folder / "events", folder / "evil\n")
    _edit_manifest(folder, lambda d: d["tables"].__setitem__("evil\n", dict(d["tables"]["events"], path="evil\n")))
    with pytest.raises(ParquetExportError):
        read_manifest(folder)


# -- 6. an export folder whose name has glob characters cannot be read back --------------------------------
def test_an_export_in_a_folder_named_with_brackets_reads_back(team, tmp_path):
    src, _ = team
    with open_workspace(src, read_only=True) as ws:
        export_parquet(ws, tmp_path / "team[1]")
        n = ws.con.execute("SELECT count(*) FROM posts").fetchall()[0][0]
    with open_parquet(tmp_path / "team[1]") as ex:
        assert ex.con.execute("SELECT count(*) FROM posts").fetchall()[0][0] == n


# -- 7. `-w DIR` does not give what the workspace gives: its report.yaml, lexicons and topics stay behind ----
def test_report_settings_come_along_with_the_export(team, tmp_path):
    from shailoo.report.config import load_config

    src, _ = team
    ws = _workspace(tmp_path / "ws", src)
    (ws.path / "report").mkdir()
    (ws.path / "report" / "report.yaml").write_text("title: Наблюдение 2026\n", encoding="utf-8")
    assert load_config(ws).title == "Наблюдение 2026"
    export_parquet(ws, tmp_path / "out")
    ws.close()
    with open_parquet(tmp_path / "out") as ex:
        assert load_config(ex).title == "Наблюдение 2026"


# -- 8. a workspace with only the web app's users is not "empty": the copy becomes a merge ------------------
def test_a_workspace_with_an_audit_entry_only_still_takes_the_whole_export(team, tmp_path):
    src, export = team
    ws = _workspace(tmp_path / "ws", src)
    ws.con.execute("""INSERT INTO audit_log (at_time, actor, action, target) VALUES (now(), 'cli:me', 'user.add', 'ann')""")
    result = import_parquet(ws, export)
    ws.close()
    assert result.mode == "copy"


# -- sound: exotic values round-trip; sequences; merging twice; the key fingerprint -----------------------
TEXTS = ["", None, "Шайлоо: өңүү, Қазақстан ә ғ қ ң ө ұ ү һ і, Oʻzbekiston gʻ, ўзбек ҳ қ ғ", "🗳️👩🏽‍⚖️🇰🇬",
         "x" * 200_000, "line\nbreak\ttab \"quote\" 'single' \\ back", "\u200b zero width \ufeff"]


def test_round_trip_keeps_exotic_values(team, tmp_path):
    src, _ = team
    ws = _workspace(tmp_path / "ws", src)
    for i, text in enumerate(TEXTS, 1):
        ws.con.execute("""INSERT INTO posts (platform, platform_post_id, account_id, created_at, text, hashtags)
                          VALUES ('telegram', ?, 'chan', TIMESTAMPTZ '2021-01-01 00:00:00.123456+06' + INTERVAL (?) DAY,
                                  ?, ?)""", [f"x{i}", i, text, [] if i % 2 else None])
    ws.con.execute("""INSERT INTO engagement_snapshots (post_id, measured_at, reactions, views, reaction_breakdown)
                      SELECT post_id, created_at + INTERVAL 3 DAY, CASE WHEN post_id % 2 = 0 THEN 0 END, NULL,
                             CASE post_id % 3 WHEN 0 THEN MAP {} WHEN 1 THEN MAP {'👍': 3, 'ә': NULL} END
                      FROM posts""")
    ws.con.execute("""INSERT INTO election_results (election, candidate, votes, share, imported_at)
                      VALUES ('e', 'Ә', 9223372036854775807, 'NaN'::DOUBLE, NULL), ('', 'b', NULL, '-inf'::DOUBLE, now())""")
    ws.con.execute("""UPDATE actors SET aliases = ['', NULL, 'Жапаров'] WHERE actor_id = (SELECT min(actor_id) FROM actors)""")
    export_parquet(ws, tmp_path / "one")
    ws.close()
    again = _workspace(tmp_path / "again", src)
    assert import_parquet(again, tmp_path / "one").mode == "copy"
    export_parquet(again, tmp_path / "two")
    again.close()
    with open_parquet(tmp_path / "one") as a, open_parquet(tmp_path / "two") as b:
        for name in a.manifest["tables"]:
            if name == "imports":
                continue
            q = f'SELECT * FROM "{name}" ORDER BY ALL'
            assert repr(a.con.execute(q).fetchall()) == repr(b.con.execute(q).fetchall()), name
            assert a.manifest["tables"][name]["columns"] == b.manifest["tables"][name]["columns"], name


def test_after_a_copy_new_rows_draw_ids_past_the_copied_ones(team, tmp_path):
    from shailoo.actors import import_registry

    src, export = team
    ws = _workspace(tmp_path / "ws", src)
    import_parquet(ws, export)
    before = ws.con.execute("SELECT (SELECT max(actor_id) FROM actors), (SELECT max(account_key) FROM accounts)").fetchall()[0]
    import_registry(ws, DATA / "metrics" / "registry.csv")
    import_file(ws, DATA / "crowdtangle" / "group.csv")
    dup = ws.con.execute("""SELECT (SELECT count(*) - count(DISTINCT actor_id) FROM actors),
                                   (SELECT count(*) - count(DISTINCT account_key) FROM accounts),
                                   (SELECT count(*) - count(DISTINCT post_id) FROM posts)""").fetchall()[0]
    ws.close()
    assert dup == (0, 0, 0) and before[0] is not None


def test_merging_a_pseudonymised_export_twice_changes_nothing(team, tmp_path):
    src, export = team
    ws = _workspace(tmp_path / "ws", src)
    import_file(ws, DATA / "crowdtangle" / "group.csv")
    assert import_parquet(ws, export).mode == "merge"
    q = """SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM accounts), (SELECT count(*) FROM engagement_snapshots),
                  (SELECT count(*) FROM accounts WHERE is_pseudonymised), (SELECT list(account_id ORDER BY account_id)
                   FROM accounts WHERE platform = 'telegram')"""
    first = ws.con.execute(q).fetchall()[0]
    # The same data, another export (another digest): read again, nothing changes.
    with open_parquet(export) as ex:
        export_parquet(ex, tmp_path / "again")
    result = import_parquet(ws, tmp_path / "again")
    second = ws.con.execute(q).fetchall()[0]
    ws.close()
    assert (result.imported, result.snapshots_added, result.accounts_added) == (0, 0, 0)
    assert first == second and first[3] > 0


def test_key_fingerprint_is_a_truncated_hmac_of_a_constant(team):
    import hashlib
    import hmac

    from shailoo.store.keys import read_key
    from shailoo.store.parquet import _KEY_CHECK, key_fingerprint

    src, export = team
    key = read_key(src)
    fp = read_manifest(export)["pseudonym_key_fingerprint"]
    assert fp == hmac.new(key, _KEY_CHECK, hashlib.sha256).hexdigest()[:16] == key_fingerprint(key)
    raw = (export / "manifest.json").read_bytes() + b"".join(p.read_bytes() for p in export.rglob("*.parquet"))
    assert key not in raw and key.hex().encode() not in raw

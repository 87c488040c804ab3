"""The loader: transactions, record accounting, pseudonyms, attribution."""

from __future__ import annotations

import sys
import types
from datetime import datetime, timezone

import pytest

from shailoo.actors import import_registry
from shailoo.importers.base import ImporterInfo
from shailoo.privacy import pseudonym
from shailoo.records import PostRecord, RowError, Skipped
from shailoo.store.loader import REPEATED_IN_FILE, import_file

T0 = datetime(2026, 1, 5, 6, 0, tzinfo=timezone.utc)


def _fake_importer(monkeypatch, records, name="fake"):
    """Register a throw-away importer module that yields `records` (an iterable or a generator function)."""
    module = types.ModuleType(f"shailoo.importers.{name}")
    module.FORMAT = ImporterInfo(id=name, name="Fake", description="test")
    module.sniff = lambda head, path: False

    def read(source):
        yield from (records() if callable(records) else records)

    module.read = read
    monkeypatch.setitem(sys.modules, f"shailoo.importers.{name}", module)
    monkeypatch.setattr("shailoo.importers.MODULES", ("crowdtangle", name))
    return name


_files = iter(range(1_000_000))


def _export(tmp_path):
    """A new export file (distinct content: identical files are recognised and not read again)."""
    n = next(_files)
    path = tmp_path / f"export-{n}.json"
    path.write_text(f'{{"n": {n}}}')
    return path


def test_interrupted_import_leaves_nothing(workspace, monkeypatch, tmp_path):
    def records():
        for i in range(30_000):
            yield PostRecord("telegram", f"c/{i}", T0, account_id="c", reactions=i)
        raise KeyboardInterrupt  # the user pressed Ctrl-C midway

    fmt = _fake_importer(monkeypatch, records)
    with pytest.raises(KeyboardInterrupt):
        import_file(workspace, _export(tmp_path), fmt)
    for table in ("posts", "engagement_snapshots", "accounts", "imports", "quarantine"):
        assert workspace.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    # and the workspace still works afterwards
    _fake_importer(monkeypatch, [PostRecord("telegram", "c/1", T0, account_id="c")])
    assert import_file(workspace, _export(tmp_path), fmt).imported == 1


def test_counts_add_up_with_duplicates_errors_and_skips(workspace, monkeypatch, tmp_path):
    records = [
        PostRecord("telegram", "c/1", T0, account_id="c", reactions=1),
        PostRecord("telegram", "c/1", T0, account_id="c", reactions=2),  # same post again in the file
        RowError(3, "date is missing", "{}"),
        Skipped(4, "service message"),
        PostRecord("telegram", "c/2", T0, account_id="c", text="Кыргызстан"),
    ]
    fmt = _fake_importer(monkeypatch, records)
    r = import_file(workspace, _export(tmp_path), fmt)
    assert (r.records, r.imported, r.updated, r.quarantined, r.skipped) == (5, 2, 0, 1, 2)
    assert r.skipped_reasons == {"service message": 1, REPEATED_IN_FILE: 1}
    # the later record of the duplicate wins
    assert workspace.con.execute("SELECT reactions FROM engagement_snapshots").fetchone()[0] == 2
    logged = workspace.con.execute("SELECT records, imported, quarantined, skipped FROM imports").fetchone()
    assert logged == (5, 2, 1, 2)


def test_edit_counts_as_update(workspace, monkeypatch, tmp_path):
    _fake_importer(monkeypatch, [PostRecord("telegram", "c/1", T0, account_id="c", text="шайлоо")])
    import_file(workspace, _export(tmp_path), "fake")
    _fake_importer(monkeypatch, [PostRecord("telegram", "c/1", T0, account_id="c", text="шайлоо #выборы",
                                            is_edited=True)])
    r = import_file(workspace, _export(tmp_path), "fake")
    assert (r.imported, r.updated) == (0, 1)
    assert workspace.con.execute("SELECT text, hashtags FROM posts").fetchone() == ("шайлоо #выборы", ["выборы"])


def test_private_authors_are_pseudonymised(workspace, monkeypatch, tmp_path):
    records = [PostRecord("telegram", "g/1", T0, account_id="user42", account_name="Айгүл Токтогулова",
                          account_handle="aigul", author_is_public=False, forwarded_from="Бакыт",
                          forwarded_from_is_public=False, text="Комментарий")]
    _fake_importer(monkeypatch, records)
    import_file(workspace, _export(tmp_path), "fake")
    expected = pseudonym(workspace.pseudonym_key, "telegram", "user42")
    account = workspace.con.execute("SELECT account_id, name, handle, is_pseudonymised FROM accounts").fetchone()
    assert account == (expected, None, None, True)
    post = workspace.con.execute("SELECT account_id, forwarded_from FROM posts").fetchone()
    assert post[0] == expected and post[1].startswith("p_") and "Бакыт" not in post[1]
    dump = str(workspace.con.execute("SELECT * FROM posts").fetchall()) + str(
        workspace.con.execute("SELECT * FROM accounts").fetchall())
    assert "Айгүл" not in dump and "aigul" not in dump and "user42" not in dump


def test_pseudonyms_are_stable_and_opt_out_works(workspace, monkeypatch, tmp_path):
    rec = PostRecord("vk", "1_1", T0, account_id="555", account_name="Person", author_is_public=False)
    _fake_importer(monkeypatch, [rec])
    import_file(workspace, _export(tmp_path), "fake")
    first = workspace.con.execute("SELECT account_id FROM posts").fetchone()[0]
    assert first == pseudonym(workspace.pseudonym_key, "vk", "555")
    workspace.config.pseudonymise = False
    _fake_importer(monkeypatch, [PostRecord("vk", "1_2", T0, account_id="555", account_name="Person",
                                            author_is_public=False)])
    import_file(workspace, _export(tmp_path), "fake")
    assert workspace.con.execute("SELECT account_id FROM posts WHERE platform_post_id = '1_2'").fetchone()[0] == "555"


def test_registered_private_author_keeps_identity_and_late_registration_links(workspace, monkeypatch, tmp_path):
    _fake_importer(monkeypatch, [PostRecord("vk", "9_1", T0, account_id="9", account_name="Депутат",
                                            author_is_public=False)])
    import_file(workspace, _export(tmp_path), "fake")  # seen before registration: pseudonymised
    registry = tmp_path / "actors.csv"
    registry.write_text("name,category,platform,account_id,handle,url\nДепутат Д.,politician,vk,9,,\n", encoding="utf-8")
    import_registry(workspace, registry)
    row = workspace.con.execute("SELECT actor, category FROM posts_v").fetchone()
    assert row == ("Депутат Д.", "politician")  # matched through the pseudonym
    _fake_importer(monkeypatch, [PostRecord("vk", "9_2", T0, account_id="9", account_name="Депутат",
                                            author_is_public=False)])
    import_file(workspace, _export(tmp_path), "fake")  # registered now: kept as is
    assert workspace.con.execute("SELECT account_id FROM posts WHERE platform_post_id = '9_2'").fetchone()[0] == "9"


def test_missing_file_and_folder(workspace, tmp_path):
    from shailoo.errors import InputFileError

    with pytest.raises(InputFileError, match="no file"):
        import_file(workspace, tmp_path / "nope.csv")
    with pytest.raises(InputFileError, match="folder"):
        import_file(workspace, tmp_path)


def test_cp1251_is_read_as_cp1251_and_broken_utf8_is_not(workspace, tmp_path):
    row = "Жапаров,2021-01-01 00:00:00 UTC,https://www.facebook.com/1/posts/2\n"
    path = tmp_path / "2021-01-01-00-00-00-UTC-x.csv"
    path.write_bytes(("Page Name,Post Created,URL\n" + row).encode("cp1251"))  # Excel on a Russian Windows
    result = import_file(workspace, path, "crowdtangle")
    assert result.imported == 1 and result.dialect == "Windows-1251 (Cyrillic), comma-separated"
    assert workspace.con.execute("SELECT name FROM accounts").fetchone()[0] == "Жапаров"
    broken = tmp_path / "2021-01-02-00-00-00-UTC-x.csv"  # UTF-8 with one stray byte: not cp1251 mojibake
    broken.write_bytes(("Page Name,Post Created,URL\n" + row * 3).encode("utf-8") + b"\xff" + row.encode("utf-8"))
    result = import_file(workspace, broken, "crowdtangle")  # the stray byte costs its row, not the file
    assert result.quarantined == 1 and result.dialect.startswith("UTF-8")
    reason = workspace.con.execute("SELECT reason FROM quarantine").fetchone()[0]
    assert "bytes not valid in UTF-8 at line 5" in reason


def test_edited_post_loses_its_cached_language(workspace, monkeypatch, tmp_path):
    _fake_importer(monkeypatch, [PostRecord("telegram", "c/1", T0, account_id="c", text="Шайлоо жакында болот")])
    import_file(workspace, _export(tmp_path), "fake")
    from shailoo.text.post_language import ensure_post_language

    ensure_post_language(workspace.con)  # as the first text analysis does
    assert workspace.con.execute("SELECT lang FROM post_language").fetchall() == [("ky",)]
    workspace.con.execute("UPDATE post_language SET lang = 'xx'")  # marked, to see that the edit forgets it
    _fake_importer(monkeypatch, [PostRecord("telegram", "c/1", T0, account_id="c", text="Hello world, elections soon")])
    import_file(workspace, _export(tmp_path), "fake")  # the import identifies the edited text again
    assert workspace.con.execute("SELECT lang FROM post_language").fetchall() == [("en",)]


def test_identical_file_is_not_read_again(workspace, monkeypatch, tmp_path):
    calls = []

    def records():
        calls.append(1)
        yield PostRecord("telegram", "c/1", T0, account_id="c", reactions=3)
        yield RowError(2, "date is missing", "{}")

    _fake_importer(monkeypatch, records)
    path = _export(tmp_path)
    first = import_file(workspace, path, "fake")
    again = import_file(workspace, path, "fake")
    assert len(calls) == 1
    assert (again.records, again.imported, again.updated, again.quarantined, again.skipped) == (2, 0, 0, 1, 1)
    assert again.skipped_reasons == {f"identical file already imported (import {first.import_id})": 1}
    assert workspace.con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 1  # not quarantined twice
    assert workspace.con.execute("SELECT count(*) FROM imports").fetchone()[0] == 2      # but recorded
    reread = import_file(workspace, path, "fake", reread=True)
    assert len(calls) == 2 and (reread.imported, reread.skipped) == (0, 1)


def test_import_killed_midway_leaves_workspace_consistent(tmp_path):
    """A real kill (SIGKILL) in the middle of an import: nothing of the file is visible afterwards."""
    import csv
    import signal
    import subprocess
    import time

    from shailoo.store.workspace import init_workspace, open_workspace

    init_workspace(tmp_path / "ws").close()
    big = tmp_path / "2026-01-10-12-00-00-KGT-Historical-Report.csv"
    with open(big, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Page Name", "Facebook Id", "Post Created", "Likes", "Comments", "Shares", "URL", "Message"])
        for i in range(150_000):
            writer.writerow(["Страница", "77", "2026-01-05 10:00:00 KGT", i % 50, 1, 0,
                             f"https://www.facebook.com/77/posts/{i}", "Шайлоо жакындап калды, рабoта керек"])
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys, shailoo; from shailoo.store.loader import import_file;"
         "ws = shailoo.open(sys.argv[1], write=True); print('started', flush=True); import_file(ws, sys.argv[2])",
         str(tmp_path / "ws"), str(big)], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "started"
    time.sleep(1.5)  # well inside the import (it takes several seconds)
    child.send_signal(signal.SIGKILL)
    child.wait()
    with open_workspace(tmp_path / "ws") as ws:
        for table in ("posts", "engagement_snapshots", "accounts", "imports", "quarantine"):
            assert ws.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
        result = import_file(ws, big)  # and the same file imports completely afterwards
        assert result.imported == 150_000 and not result.seen_before


def test_repeated_post_keeps_readings_taken_at_other_times(workspace, monkeypatch, tmp_path):
    from datetime import timedelta

    later = T0 + timedelta(hours=80)
    _fake_importer(monkeypatch, [
        PostRecord("x", "1", T0, account_id="a", reactions=5, measured_at=T0 + timedelta(hours=2)),
        PostRecord("x", "1", T0, account_id="a", reactions=9, measured_at=later),
        PostRecord("x", "1", T0, account_id="a", reactions=9, measured_at=later),  # the same reading twice
    ])
    r = import_file(workspace, _export(tmp_path), "fake")
    assert (r.imported, r.skipped) == (1, 2)
    snaps = workspace.con.execute("SELECT measured_at, reactions FROM engagement_snapshots ORDER BY 1").fetchall()
    assert snaps == [(T0 + timedelta(hours=2), 5), (later, 9)]


def test_snapshot_never_dated_before_its_post(workspace, monkeypatch, tmp_path):
    from datetime import timedelta

    _fake_importer(monkeypatch, [PostRecord("x", "2", T0, account_id="a", reactions=1,
                                            measured_at=T0 - timedelta(hours=5))])
    import_file(workspace, _export(tmp_path), "fake")
    assert workspace.con.execute("SELECT measured_at FROM engagement_snapshots").fetchall() == [(T0,)]


def test_corrected_time_updates_the_post(workspace, monkeypatch, tmp_path):
    from datetime import timedelta

    _fake_importer(monkeypatch, [PostRecord("x", "3", T0, account_id="a")])
    import_file(workspace, _export(tmp_path), "fake")
    _fake_importer(monkeypatch, [PostRecord("x", "3", T0 - timedelta(hours=6), account_id="a")])
    r = import_file(workspace, _export(tmp_path), "fake")
    assert r.updated == 1
    assert workspace.con.execute("SELECT created_at FROM posts").fetchall() == [(T0 - timedelta(hours=6),)]


def test_identical_file_with_other_options_is_read_again(workspace, monkeypatch, tmp_path):
    calls = []

    def records():
        calls.append(1)
        yield PostRecord("ok", "1", T0, account_id="a", reactions=len(calls))

    _fake_importer(monkeypatch, records)
    path = _export(tmp_path)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("platform: ok\n")
    import_file(workspace, path, "fake", {"mapping": mapping})
    import_file(workspace, path, "fake", {"mapping": mapping})
    assert len(calls) == 1
    mapping.write_text("platform: ok\ntimezone: Asia/Almaty\n")  # the user corrected the mapping
    import_file(workspace, path, "fake", {"mapping": mapping})
    assert len(calls) == 2
    # still the same file: its records are measured at the first import's time, no new snapshot
    assert workspace.con.execute("SELECT count(*) FROM engagement_snapshots").fetchone()[0] == 1


def test_private_authors_post_url_that_names_them_is_dropped(workspace, monkeypatch, tmp_path):
    _fake_importer(monkeypatch, [
        PostRecord("facebook", "1_1", T0, account_id="jane.doe.bishkek", author_is_public=False,
                   url="https://www.facebook.com/jane.doe.bishkek/posts/1"),
        PostRecord("telegram", "7/2", T0, account_id="user42", author_is_public=False, url="https://t.me/c/7/2"),
    ])
    import_file(workspace, _export(tmp_path), "fake")
    urls = dict(workspace.con.execute("SELECT platform, url FROM posts").fetchall())
    assert urls == {"facebook": None, "telegram": "https://t.me/c/7/2"}

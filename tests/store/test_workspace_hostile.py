"""The workspace under hostile conditions: its key, its config, damaged files, purge, init that fails."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import duckdb
import pytest

from shailoo.config import CONFIG_NAME, Config
from shailoo.errors import ConfigError, PseudonymKeyError, UsageError, WorkspaceDamaged, WorkspaceExists
from shailoo.records import PostRecord, RowError
from shailoo.store.loader import import_file
from shailoo.store.workspace import DB_NAME, KEY_NAME, init_workspace, open_workspace, purge_quarantine
from tests.store.test_loader import _export, _fake_importer

T0 = datetime(2026, 1, 5, 6, 0, tzinfo=timezone.utc)
PRIVATE = PostRecord("x", "1", T0, account_id="4242", account_name="Айгүл Токтогулова", account_handle="aigul_t",
                     author_is_public=False, text="hello")


# -- the pseudonym key ---------------------------------------------------------------------------
@pytest.mark.parametrize("content", [None, b"", b"k", b"x" * 31])
def test_unusable_key_stops_an_import_before_anything_is_stored(tmp_path, monkeypatch, content):
    init_workspace(tmp_path / "w").close()
    key = tmp_path / "w" / KEY_NAME
    key.unlink()
    if content is not None:
        key.write_bytes(content)
    _fake_importer(monkeypatch, [PRIVATE])
    with open_workspace(tmp_path / "w") as ws:
        with pytest.raises(PseudonymKeyError, match="restore it from your backup"):
            import_file(ws, _export(tmp_path), "fake")
        assert ws.con.execute("SELECT count(*) FROM posts").fetchall()[0][0] == 0
        assert ws.con.execute("SELECT count(*) FROM accounts").fetchall()[0][0] == 0


def test_opted_out_workspace_needs_no_key(tmp_path, monkeypatch):
    init_workspace(tmp_path / "w").close()
    (tmp_path / "w" / KEY_NAME).unlink()
    text = (tmp_path / "w" / CONFIG_NAME).read_text().replace("pseudonymise = true", "pseudonymise = false")
    (tmp_path / "w" / CONFIG_NAME).write_text(text)
    _fake_importer(monkeypatch, [PRIVATE])
    with open_workspace(tmp_path / "w") as ws:
        import_file(ws, _export(tmp_path), "fake")
        assert ws.con.execute("SELECT account_id FROM posts").fetchall() == [("4242",)]


def test_init_keeps_an_existing_key_and_refuses_a_bad_one(tmp_path):
    folder = tmp_path / "w"
    folder.mkdir()
    existing = bytes(range(32))  # a usable key of the user's own
    (folder / KEY_NAME).write_bytes(existing)
    init_workspace(folder).close()
    assert (folder / KEY_NAME).read_bytes() == existing
    other = tmp_path / "v"
    other.mkdir()
    (other / KEY_NAME).write_bytes(b"")
    with pytest.raises(PseudonymKeyError):
        init_workspace(other)
    assert sorted(p.name for p in other.iterdir()) == [KEY_NAME]  # nothing else created, key untouched


def test_new_key_only_where_no_pseudonym_was_made(tmp_path, monkeypatch):
    from shailoo.store.workspace import new_key

    init_workspace(tmp_path / "w").close()
    with pytest.raises(PseudonymKeyError, match="usable key already"):
        new_key(tmp_path / "w")
    (tmp_path / "w" / KEY_NAME).write_bytes(b"")
    assert len(new_key(tmp_path / "w").read_bytes()) == 32
    _fake_importer(monkeypatch, [PRIVATE])
    with open_workspace(tmp_path / "w") as ws:
        import_file(ws, _export(tmp_path), "fake")
    (tmp_path / "w" / KEY_NAME).unlink()
    with pytest.raises(PseudonymKeyError, match="restore"):
        new_key(tmp_path / "w")


# -- the config ----------------------------------------------------------------------------------
def _config(tmp_path, extra: str, replace: tuple[str, str] | None = None):
    init_workspace(tmp_path / "w").close()
    path = tmp_path / "w" / CONFIG_NAME
    text = path.read_text()
    if replace:
        assert replace[0] in text
        text = text.replace(*replace)
    path.write_text(text + extra)
    return Config.load(tmp_path / "w")


BAD_CONFIGS = {
    "syntax": ("[project\n", None, "not valid TOML"),
    "timezone number": ("", ('timezone = "Asia/Bishkek"', "timezone = 5"), "project.timezone"),
    "timezone unknown": ("", ('timezone = "Asia/Bishkek"', 'timezone = "Mars/Base"'), "project.timezone"),
    "hours text": ("", ("snapshot_min_hours = 72.0", 'snapshot_min_hours = "abc"'), "metrics.snapshot_min_hours"),
    "hours negative": ("", ("snapshot_min_hours = 72.0", "snapshot_min_hours = -5"), "metrics.snapshot_min_hours"),
    "hours nan": ("", ("snapshot_min_hours = 72.0", "snapshot_min_hours = nan"), "metrics.snapshot_min_hours"),
    "pseudonymise text": ("", ("pseudonymise = true", 'pseudonymise = "no"'), "privacy.pseudonymise"),
    "period no name": ("\n[[periods]]\nstart = 2026-01-01\nend = 2026-01-02\n", None, "name"),
    "period bad date": ('\n[[periods]]\nname = "a"\nstart = "2026-02-30"\nend = 2026-03-01\n', None, "start"),
    "period reversed": ('\n[[periods]]\nname = "a"\nstart = 2026-03-01\nend = 2026-02-01\n', None, "before it starts"),
    "period twice": ('\n[[periods]]\nname = "a"\nstart = 2026-01-01\nend = 2026-01-02\n'
                     '\n[[periods]]\nname = "a"\nstart = 2026-01-03\nend = 2026-01-04\n', None, "used twice"),
}


@pytest.mark.parametrize("case", BAD_CONFIGS)
def test_bad_config_is_one_sentence_naming_the_key(tmp_path, case):
    extra, replace, expected = BAD_CONFIGS[case]
    with pytest.raises(ConfigError, match=expected) as info:
        _config(tmp_path, extra, replace)
    assert "\n" not in str(info.value)


def test_periods_block_appended_as_the_docs_show_works(tmp_path):
    block = '\n[[periods]]\nname = "campaign"\nstart = 2026-02-11\nend = 2026-03-10\n'
    config = _config(tmp_path, block)
    assert [p.name for p in config.periods] == ["campaign"]
    # a file written by an earlier shailoo began with `periods = []`: still read
    path = tmp_path / "w" / CONFIG_NAME
    path.write_text("periods = []\n" + path.read_text())
    assert [p.name for p in Config.load(tmp_path / "w").periods] == ["campaign"]
    assert not math.isnan(Config.load(tmp_path / "w").snapshot_min_hours)


def test_written_config_has_no_empty_periods_key(tmp_path):
    init_workspace(tmp_path / "w").close()
    assert "periods" not in (tmp_path / "w" / CONFIG_NAME).read_text()


# -- damaged database files ----------------------------------------------------------------------
def _damage(folder, how):
    db = folder / DB_NAME
    data = db.read_bytes()
    if how == "folder":
        db.unlink()
        db.mkdir()
        return
    content = {"random": bytes(range(256)) * 1000, "empty": b"", "text": b"project notes\n" * 50,
               "truncated": data[:5000]}.get(how)
    if how == "checksum":
        b = bytearray(data)
        for i in range(4096, len(b), 997):
            b[i] ^= 0x55
        content = bytes(b)
    db.write_bytes(content)


@pytest.mark.parametrize("how", ["random", "empty", "text", "truncated", "checksum", "folder"])
@pytest.mark.parametrize("read_only", [False, True])
def test_damaged_database_is_one_sentence(tmp_path, how, read_only):
    init_workspace(tmp_path / "w").close()
    _damage(tmp_path / "w", how)
    with pytest.raises(WorkspaceDamaged, match="damaged .*restore it from a backup") as info:
        open_workspace(tmp_path / "w", read_only=read_only)
    assert "\n" not in str(info.value)


# -- init that fails creates nothing ---------------------------------------------------------------
def test_init_onto_a_file_or_a_workspace(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(UsageError, match="is a file"):
        init_workspace(tmp_path / "f")
    init_workspace(tmp_path / "w").close()
    with pytest.raises(WorkspaceExists):
        init_workspace(tmp_path / "w")


def test_init_with_a_name_that_is_not_utf8_creates_nothing(tmp_path):
    import os

    name = os.fsdecode(b"ws-\xff\xfe")
    with pytest.raises(UsageError, match="not valid UTF-8"):
        init_workspace(tmp_path / name / "inner")
    assert list(tmp_path.iterdir()) == []


def test_init_interrupted_leaves_nothing(tmp_path, monkeypatch):
    import shailoo.store.workspace as w

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(w, "migrate", boom)
    with pytest.raises(KeyboardInterrupt):
        init_workspace(tmp_path / "a" / "b")
    assert list(tmp_path.iterdir()) == []


# -- read-only opening -----------------------------------------------------------------------------
def test_read_only_open_writes_nothing_and_keeps_caches_in_memory(tmp_path, monkeypatch):
    init_workspace(tmp_path / "w").close()
    before = (tmp_path / "w" / DB_NAME).read_bytes()
    with open_workspace(tmp_path / "w", read_only=True) as ws:
        assert ws.read_only
        assert ws.con.execute("SELECT count(*) FROM posts_v").fetchall() == [(0,)]
        ws.con.execute("CREATE TABLE IF NOT EXISTS post_language (post_id BIGINT, lang VARCHAR)")
        ws.con.execute("INSERT INTO post_language VALUES (1, 'ru')")
        with pytest.raises(duckdb.Error):
            ws.con.execute("INSERT INTO periods_missing VALUES (1)")
    assert (tmp_path / "w" / DB_NAME).read_bytes() == before


def test_read_only_open_sees_the_config_periods(tmp_path):
    init_workspace(tmp_path / "w").close()
    path = tmp_path / "w" / CONFIG_NAME
    path.write_text(path.read_text() + '\n[[periods]]\nname = "campaign"\nstart = 2026-02-11\nend = 2026-03-10\n')
    with open_workspace(tmp_path / "w", read_only=True) as ws:
        assert ws.con.execute("SELECT name FROM periods").fetchall() == [("campaign",)]


# -- purge really removes the bytes ------------------------------------------------------------------
def test_purge_removes_private_raw_content_from_the_file(tmp_path, monkeypatch):
    secret = "Секретбек Жашыруунович"
    rows = [RowError(i, "bad date", f'{{"from": "{secret} {i}", "pad": "{"x" * 300}"}}') for i in range(1, 400)]
    _fake_importer(monkeypatch, rows)
    ws = init_workspace(tmp_path / "w")
    import_file(ws, _export(tmp_path), "fake")
    ws.con.execute("CHECKPOINT")
    db = tmp_path / "w" / DB_NAME
    assert secret.encode() in db.read_bytes()
    n, before, after = purge_quarantine(ws)
    assert n == 399 and after <= before
    _fake_importer(monkeypatch, [PostRecord("facebook", "9", T0, account_id="1", text="later")])
    import_file(ws, _export(tmp_path), "fake")
    ws.con.execute("CHECKPOINT")
    assert ws.con.execute("SELECT count(*) FROM quarantine WHERE raw IS NULL").fetchall() == [(399,)]
    assert ws.con.execute("SELECT count(*) FROM posts").fetchall() == [(1,)]
    ws.close()
    assert secret.encode() not in db.read_bytes()
    with open_workspace(tmp_path / "w") as again:  # ids keep counting after the rewrite
        _fake_importer(monkeypatch, [PostRecord("facebook", "10", T0, account_id="1", text="more")])
        import_file(again, _export(tmp_path), "fake")
        assert again.con.execute("SELECT count(DISTINCT import_id) FROM imports").fetchall() == [(3,)]


def test_period_dates_outside_a_plausible_range_are_refused(tmp_path, runner):
    """Review F5: 0001-01-01 .. 9999-12-31 was accepted, then `report` overflowed on date arithmetic."""
    from shailoo.cli.main import app

    ws = tmp_path / "ws"
    assert runner.invoke(app, ["init", str(ws)]).exit_code == 0
    result = runner.invoke(app, ["periods", "add", "-w", str(ws), "all", "0001-01-01", "9999-12-31"])
    assert result.exit_code == 1 and "outside 2004-01-01 to 2100-12-31" in result.output
    with open(ws / "shailoo.toml", "a", encoding="utf-8") as fh:
        fh.write('\n[[periods]]\nname = "all"\nstart = 0001-01-01\nend = 9999-12-31\n')
    result = runner.invoke(app, ["report", "-w", str(ws), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 1 and "between 2004-01-01 and 2100-12-31" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "zeros", "newlines", "too-long"])
def test_a_key_that_is_no_secret_or_no_file_is_refused_quickly(tmp_path, kind):
    """Review F8: a key symlinked to /dev/zero grew the process to 21 GB; a FIFO hung for ever."""
    import os

    folder = tmp_path / "ws"
    init_workspace(folder).close()
    key = folder / KEY_NAME
    key.unlink()
    if kind == "dev-zero":
        key.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(key)
    else:
        key.write_bytes({"zeros": b"\0" * 32, "newlines": b"\n" * 64, "too-long": os.urandom(5000)}[kind])
    with open_workspace(folder) as ws, pytest.raises(PseudonymKeyError):
        ws.check_key()

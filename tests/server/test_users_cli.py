"""shailoo users add|list|set-role|set-password|remove: passwords from stdin, one-sentence errors, audit."""

from __future__ import annotations

import json

import pytest

from shailoo.cli.main import app
from shailoo.store.workspace import init_workspace, open_workspace


@pytest.fixture
def ws_dir(tmp_path):
    init_workspace(tmp_path / "ws").close()
    return str(tmp_path / "ws")


def run(runner, ws_dir, *args, stdin=None):
    return runner.invoke(app, ["users", *args, "-w", ws_dir], input=stdin)


def test_add_list_set_role_remove_with_audit(runner, ws_dir):
    result = run(runner, ws_dir, "add", "aida", "--role", "admin", "--password-stdin", stdin="first-pass-1\n")
    assert result.exit_code == 0, result.output
    assert run(runner, ws_dir, "add", "bakyt", "--role", "coder", "--lang", "ru", "--password-stdin",
               stdin="second-pass\n").exit_code == 0
    listed = run(runner, ws_dir, "list", "-f", "json")
    assert listed.exit_code == 0, listed.output
    assert [(u["username"], u["role"], u["language"]) for u in json.loads(listed.stdout)] == [
        ("aida", "admin", "en"), ("bakyt", "coder", "ru")]
    assert run(runner, ws_dir, "set-role", "bakyt", "coordinator").exit_code == 0
    assert run(runner, ws_dir, "set-password", "bakyt", "--password-stdin", stdin="third-pass\n").exit_code == 0
    assert run(runner, ws_dir, "remove", "bakyt").exit_code == 0
    with open_workspace(ws_dir, read_only=True) as ws:
        entries = ws.sql("SELECT actor, action, target, detail FROM audit_log ORDER BY entry_id").fetchall()
        stored = ws.sql("SELECT password FROM users").fetchall()[0][0]
    assert [e[1:3] for e in entries] == [("user.add", "aida"), ("user.add", "bakyt"), ("user.role", "bakyt"),
                                         ("user.password", "bakyt"), ("user.remove", "bakyt")]
    assert all(e[0].startswith("cli:") for e in entries)
    assert "pass" not in json.dumps([e[3] for e in entries]) and stored.startswith("$argon2id$")


@pytest.mark.parametrize("args,stdin,words", [
    (["add", "aida", "--role", "boss", "--password-stdin"], "long-enough\n", "role is one of"),
    (["add", "aida", "--role", "admin", "--password-stdin"], "short\n", "too short"),
    (["add", "aida", "--role", "admin", "--password-stdin"], "", "nothing on standard input"),
    (["add", "<b>x</b>", "--role", "admin", "--password-stdin"], "long-enough\n", "user name is"),
    (["add", "aida", "--role", "admin"], "long-enough\n", "--password-stdin"),  # no terminal to prompt on
    (["set-role", "ghost", "viewer"], None, "no user 'ghost'"),
    (["remove", "ghost"], None, "no user 'ghost'"),
])
def test_errors_are_one_sentence(runner, ws_dir, args, stdin, words):
    result = run(runner, ws_dir, *args, stdin=stdin)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and words in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_duplicate_and_last_admin_are_refused(runner, ws_dir):
    assert run(runner, ws_dir, "add", "aida", "--role", "admin", "--password-stdin", stdin="long-enough\n").exit_code == 0
    again = run(runner, ws_dir, "add", "aida", "--role", "viewer", "--password-stdin", stdin="long-enough\n")
    assert again.exit_code == 1 and "already a user 'aida'" in again.output
    for args in (["set-role", "aida", "viewer"], ["remove", "aida"]):
        refused = run(runner, ws_dir, *args)
        assert refused.exit_code == 1 and "only admin" in refused.output, refused.output


def test_serve_refuses_a_workspace_without_admin(runner, ws_dir):
    result = runner.invoke(app, ["serve", "-w", ws_dir, "--port", "1"])
    assert result.exit_code == 1 and "no admin yet" in result.output and "Traceback" not in result.output

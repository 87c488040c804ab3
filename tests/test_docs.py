"""Docs are tested: every command has help text and appears in docs/cli.md; the README keeps its two commands."""

from __future__ import annotations

import typer

from shailoo.cli.main import app
from tests.conftest import REPO


def _commands(group, prefix="shailoo"):
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if hasattr(command, "commands"):
            assert command.help, f"{path} has no help text"
            yield from _commands(command, path)
        else:
            yield path, command


def test_every_command_has_help_and_is_documented():
    reference = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    commands = list(_commands(typer.main.get_command(app)))
    assert len(commands) >= 25
    for path, command in commands:
        assert (command.help or "").strip(), f"{path} has no help text"
        first_word = command.help.strip().split()[0]
        assert first_word[0].isupper(), f"{path}: help should start with an imperative verb"
        documented = path in reference or any(
            path.rsplit(" ", 1)[0] in line and path.rsplit(" ", 1)[1] in line for line in reference.splitlines())
        assert documented, f"{path} is not in docs/cli.md"


def test_readme_holds_the_two_commands():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


def test_every_format_has_a_doc_page():
    from shailoo.importers import all_importers

    for module in all_importers():
        assert (REPO / "docs" / "formats" / f"{module.FORMAT.id}.md").exists(), module.FORMAT.id

"""One option vocabulary (docs/cli.md "Options"): every command's options are walked through Click;
a name or letter with two meanings, or a meaning with two names, fails."""

from __future__ import annotations

from collections import defaultdict

import typer

from shailoo.cli.main import app
from shailoo.cli.options import SYNONYMS, VOCABULARY
from tests.conftest import REPO

MEANING_OF = {name: meaning for meaning, names in VOCABULARY.items() for name in names} | SYNONYMS


def _commands(group, prefix="shailoo"):
    yield prefix, group
    for name, command in getattr(group, "commands", {}).items():
        yield from _commands(command, f"{prefix} {name}")


def _options():
    for path, command in _commands(typer.main.get_command(app)):
        for param in command.params:
            if param.param_type_name == "option":
                yield path, param


def _has(command, names) -> bool:
    return any(set(names) & set(p.opts) for p in command.params)


def test_no_name_or_letter_has_two_meanings_and_no_meaning_two_names():
    """A synonym (--json) lives only beside its meaning's own option (-f/--format)."""
    command_of = dict(_commands(typer.main.get_command(app)))
    problems = []
    dests = defaultdict(set)  # an option name outside the vocabulary: one destination everywhere
    for path, param in _options():
        names = list(param.opts) + list(param.secondary_opts)
        meanings = {MEANING_OF[n] for n in names if n in MEANING_OF}
        if len(meanings) > 1:
            problems.append(f"{path}: {names} mixes {sorted(meanings)}")
        for meaning in meanings:
            extra = [n for n in names if MEANING_OF.get(n) != meaning]
            if extra:
                problems.append(f"{path}: {extra} is another name for {meaning} ({VOCABULARY[meaning]})")
            if not set(VOCABULARY[meaning]) & set(names) and not _has(command_of[path], VOCABULARY[meaning]):
                problems.append(f"{path}: {meaning} is spelled {names}, not {VOCABULARY[meaning]}")
        if not meanings:
            for n in names:
                dests[n].add(param.name)
    for name, seen in dests.items():
        if len(seen) > 1:
            problems.append(f"{name} means {sorted(seen)} in different commands")
    assert not problems, "\n".join(problems)


def test_tables_take_the_output_options():
    """Every command with --format (a table) also takes -o/--output, and the reverse for tables."""
    missing = []
    for path, command in _commands(typer.main.get_command(app)):
        opts = {o for p in command.params for o in p.opts}
        if "--format" in opts and "-o" not in opts and path != "shailoo demo":  # the demo prints a summary
            missing.append(path)
    assert not missing, missing


def test_every_command_has_examples():
    missing = [path for path, command in _commands(typer.main.get_command(app))
               if not getattr(command, "commands", None) and "Examples:" not in (command.epilog or "")]
    assert not missing, missing


def test_vocabulary_is_documented_once():
    reference = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert "## Options" in reference
    section = reference.split("## Options", 1)[1].split("\n## ", 1)[0]
    for meaning, names in VOCABULARY.items():
        assert all(f"`{n}" in section or n in section for n in names), (meaning, names)
    for name in SYNONYMS:
        assert name in section, name

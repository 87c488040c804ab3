"""`shailoo CMD` imports only the modules that make CMD (each start paid for every command module)."""

from __future__ import annotations

import importlib
import subprocess
import sys

import typer

from shailoo.cli import main


def test_the_map_names_every_command_and_its_modules():
    found: dict[str, set[str]] = {}
    for name in main.COMMAND_MODULES:
        group = main.new_app("probe")
        importlib.import_module(name).register(group)
        made = typer.main.get_command(group)  # a lone command comes back as itself, not as a group
        for command in getattr(made, "commands", None) or [made.name]:
            found.setdefault(command, set()).add(name.rsplit(".", 1)[1])
    assert {k: set(v) for k, v in main.COMMANDS.items()} == found


def test_a_command_loads_its_own_modules_only():
    probe = ("import shailoo.cli, sys; shailoo.cli.lazy = True; import shailoo.cli.main as m; "
             "m.load_commands(['-w', 'ws', 'terms', '--all']); "
             "print(sorted(n for n in sys.modules if n.startswith('shailoo.cli.') and n.endswith('_commands')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['shailoo.cli.text_commands']"


def test_the_program_runs_a_command_and_lists_all_in_help():
    ran = subprocess.run([sys.executable, "-m", "shailoo.cli.entry", "stem", "-l", "ky", "-"], input="шайлоого\n",
                         capture_output=True, text=True)
    assert ran.returncode == 0 and "шайлоого,шайлоо" in ran.stdout, ran.stderr
    listed = subprocess.run([sys.executable, "-m", "shailoo.cli.entry", "--help"], capture_output=True, text=True,
                            env={"COLUMNS": "200", "PATH": ""})
    assert listed.returncode == 0 and all(c in listed.stdout for c in ("coding", "terms", "serve", "coordination"))

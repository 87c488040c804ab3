"""`shailoo coding …`: codebook, samples, assignments, codes, reliability, suggestions.

The group is made here; each part adds its commands from its own module with `register(coding_app)`.
"""

from __future__ import annotations

import typer

from shailoo.modules import optional_module

PARTS = (
    "shailoo.cli.coding_codebook_commands",    # codebook import/show/export, codes import/export, adjudicate, final
    "shailoo.cli.coding_sample_commands",      # sample, mentions, assign, release, progress
    "shailoo.cli.coding_reliability_commands",  # reliability, disagreements, confusion
    "shailoo.cli.coding_suggest_commands",     # suggest (assisted coding)
)


def register(app: typer.Typer) -> None:
    from shailoo.cli.main import new_app

    coding_app = new_app("Code posts by hand: codebook, samples, assignments, codes, reliability, suggestions.")
    app.add_typer(coding_app, name="coding")
    for name in PARTS:
        module = optional_module(name)
        if module is not None:
            module.register(coding_app)

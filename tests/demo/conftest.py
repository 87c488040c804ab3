"""One demo workspace for every demo test of a run (building it takes 10-30 s)."""

from __future__ import annotations

import pytest
from rich.console import Console

from shailoo.demo import run_demo


@pytest.fixture(scope="session")
def demo_built(tmp_path_factory):
    """(summary, folder) of a demo built with its report; tests only read it."""
    folder = tmp_path_factory.mktemp("demo") / "ws"
    return run_demo(folder, Console(quiet=True), report=True), folder

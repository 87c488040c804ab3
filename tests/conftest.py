"""Shared fixtures: temporary workspaces, the path of ../shared, a CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import shailoo
from shailoo.store.workspace import init_workspace

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REAL = SHARED / "data" / "real"
DATA = Path(__file__).resolve().parent / "data"


def pytest_collection_modifyitems(config, items):
    """Tests marked `shared` read ../shared: skip them, saying why, when it is not there."""
    if SHARED.is_dir():
        return
    skip = pytest.mark.skip(reason=f"{SHARED} is absent (the real data sets live there; CI always has it)")
    for item in items:
        if "shared" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def workspace(tmp_path) -> shailoo.Workspace:
    ws = init_workspace(tmp_path / "ws", project="test")
    yield ws
    ws.close()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def real() -> Path:
    return REAL

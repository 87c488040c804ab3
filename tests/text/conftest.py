"""The text tests' workspace fixture (posts in text_fixtures.py)."""

from __future__ import annotations

import pytest

from text_fixtures import make_workspace


@pytest.fixture
def text_ws(tmp_path):
    ws = make_workspace(tmp_path / "ws")
    yield ws
    ws.close()

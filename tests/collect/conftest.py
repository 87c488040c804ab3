"""Fixtures for collection tests: a replay server, a fake VK API on it, a clock that never waits."""

from __future__ import annotations

import pytest

from tests.collect.helpers import FakeTime
from tests.collect.replay import ReplayServer


@pytest.fixture
def server():
    with ReplayServer() as s:
        yield s


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()

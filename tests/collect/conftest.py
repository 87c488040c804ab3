"""Fixtures for collection tests: a replay server, a fake VK API on it, a clock that never waits."""

from __future__ import annotations

import pytest

from tests.collect.replay import ReplayServer


class FakeTime:
    """A monotonic clock that moves only when slept: rates and backoff measured without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def server():
    with ReplayServer() as s:
        yield s


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()

"""What collection tests share: clocks the test moves, and accounts registered without a registry file."""

from __future__ import annotations

from datetime import datetime


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


class Clock:
    """The wall clock of a run, moved by the test."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def register(ws, rows: list[tuple[str, str, str | None, str | None]]) -> None:
    """Actors with one account each: (name, platform, account_id, handle)."""
    for k, (name, platform, account_id, handle) in enumerate(rows, start=1):
        ws.con.execute("INSERT INTO actors (actor_id, name, category) VALUES (?, ?, 'party') ON CONFLICT DO NOTHING",
                       [k, name])
        ws.con.execute("INSERT INTO actor_accounts VALUES (?, ?, ?, ?, NULL)", [k, platform, account_id, handle])

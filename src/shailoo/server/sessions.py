"""Sessions and login rate limits, kept in the server process's memory.

A session id is 256 random bits (the cookie holds only that); the server keeps who it belongs to,
its CSRF token and its times. Nothing is written to the workspace, so serving pages never takes
the write lock; a restart of the server logs everyone out, which is acceptable for a team server.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field

IDLE_SECONDS = 8 * 3600       # a session unused for a working day ends
MAX_SECONDS = 7 * 24 * 3600   # and every session ends after a week


@dataclass
class Session:
    token: str
    username: str
    csrf: str
    created: float = field(default_factory=time.monotonic)
    seen: float = field(default_factory=time.monotonic)


class SessionStore:
    def __init__(self, idle: float = IDLE_SECONDS, longest: float = MAX_SECONDS) -> None:
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self.idle, self.longest = idle, longest

    def create(self, username: str) -> Session:
        session = Session(secrets.token_urlsafe(32), username, secrets.token_urlsafe(32))
        with self._lock:
            self._expire(time.monotonic())
            self._sessions[session.token] = session
        return session

    def get(self, token: str | None) -> Session | None:
        if not token or len(token) > 100:
            return None
        now = time.monotonic()
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            if now - session.seen > self.idle or now - session.created > self.longest:
                del self._sessions[token]
                return None
            session.seen = now
            return session

    def drop(self, token: str) -> None:
        with self._lock:
            self._sessions.pop(token, None)

    def drop_user(self, username: str) -> None:
        """End every session of a user (removed, or whose password changed)."""
        with self._lock:
            for token in [t for t, s in self._sessions.items() if s.username == username]:
                del self._sessions[token]

    def _expire(self, now: float) -> None:
        for token in [t for t, s in self._sessions.items()
                      if now - s.seen > self.idle or now - s.created > self.longest]:
            del self._sessions[token]


class RateLimiter:
    """At most `limit` failed attempts per key within `window` seconds (a sliding window)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def blocked(self, key: str) -> float:
        """Seconds until the key may try again (0: it may now)."""
        now = time.monotonic()
        with self._lock:
            times = self._recent(key, now)
            if len(times) < self.limit:
                return 0.0
            return max(0.0, self.window - (now - times[0]))

    def attempt(self, key: str) -> float:
        """Check and count one attempt at once (0: it may go on; else the seconds to wait): a check
        before the slow password hash and a count after it let parallel requests all through."""
        now = time.monotonic()
        with self._lock:
            times = self._recent(key, now)
            if len(times) >= self.limit:
                return max(0.0, self.window - (now - times[0]))
            times.append(now)
            return 0.0

    def forgive(self, key: str) -> None:
        """Take back the latest attempt counted (it succeeded)."""
        with self._lock:
            times = self._failures.get(key)
            if times:
                times.pop()

    def fail(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._failures) > 100_000:  # bound memory against a flood of invented names
                self._failures = {k: v for k, v in self._failures.items() if v and now - v[-1] <= self.window}
            self._recent(key, now).append(now)

    def reset(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


class UserCache:
    """Users as read from the workspace, kept `ttl` seconds so a page opens the workspace once, not
    twice; web changes clear it at once, a CLI change (set-role, remove) shows within `ttl`."""

    def __init__(self, ttl: float = 2.0) -> None:
        self.ttl = ttl
        self._users: dict[str, tuple[object, float]] = {}
        self._lock = threading.Lock()

    def get(self, username: str) -> tuple[bool, object]:
        with self._lock:
            found = self._users.get(username)
        if found is None or time.monotonic() > found[1]:
            return False, None
        return True, found[0]

    def stale(self, username: str, within: float = 600.0) -> tuple[bool, object]:
        """The user as last read, up to `within` seconds past its time: what a page may go on with
        while an import holds the workspace (a role change made meanwhile shows once it ends)."""
        with self._lock:
            found = self._users.get(username)
        if found is None or time.monotonic() > found[1] + within:
            return False, None
        return True, found[0]

    def put(self, username: str, user: object) -> None:
        if self.ttl > 0:
            with self._lock:
                if len(self._users) > 10_000:
                    self._users.clear()
                self._users[username] = (user, time.monotonic() + self.ttl)

    def clear(self) -> None:
        with self._lock:
            self._users.clear()

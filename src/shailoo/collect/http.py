"""A polite HTTP client for collectors: one request at a time, a rate limit, backoff, no secret kept.

Every answer received becomes an `Exchange` (handed to `on_exchange`, which the run archives), and
none of them holds a credential: `secret_params` (access_token, key) are added to the request only
as it is sent, and scrubbed from every message this module writes.

Redirects are followed here, not inside httpx, so each hop is a request like any other (rate
limited, in `request_starts`, so a quota counts it), and only within the same host (an http ->
https upgrade of it included): a redirect to another host is the answer returned to the collector
(a mirror given with --api-base never sends the client to t.me or elsewhere; for the Telegram web
preview it means "no preview"). `Exchange.final_url` is where the answer came from, without
credentials.
"""

from __future__ import annotations

import email.utils
import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import quote, quote_plus, unquote

import httpx

from shailoo import __version__
from shailoo.collect.base import LayoutChanged, PlatformError, Throttled

USER_AGENT = f"shailoo/{__version__} (+https://github.com/shailoo; research collection)"

MAX_REDIRECTS = 5
MAX_WAIT = 120.0  # seconds: a Retry-After or backoff longer than this is cut to it
_RATE_MARGIN = 0.005  # seconds added to each interval, so float rounding never lets a 4th start into 1 s


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Exchange:
    """One request and its answer, with no credential in it anywhere."""

    platform: str
    endpoint: str
    url: str
    params: dict
    status: int
    body: bytes
    received_at: datetime  # UTC
    final_url: str = ""  # after the same-host redirects followed, without credentials ("" if none)

    def json(self) -> Any:
        """The body as JSON, bounded in size and depth; LayoutChanged when it is not JSON."""
        from shailoo.importers.jsonstream import _bounded

        value = _bounded(self.body)
        if isinstance(value, str):
            raise LayoutChanged(f"The {self.platform} answer to {self.endpoint} (HTTP {self.status}) {value}; "
                                "the platform may have changed its API, or a proxy answered instead.")
        return value

    def __repr__(self) -> str:
        return (f"Exchange({self.platform!r}, {self.endpoint!r}, status={self.status}, "
                f"{len(self.body):,} bytes, {self.received_at.isoformat()})")


class HttpClient:
    """GET requests to one platform's base URL; see the module docstring."""

    def __init__(self, base_url: str, *, platform: str, rate_per_second: float | None = 3.0,
                 user_agent: str = USER_AGENT, retries: int = 5, backoff: float = 1.0, timeout: float = 30.0,
                 max_bytes: int = 64 * 2**20, on_exchange: Callable[[Exchange], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 transport: httpx.BaseTransport | None = None,
                 now: Callable[[], datetime] = _utcnow) -> None:
        if rate_per_second is not None and rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive or None")
        self.base_url = base_url
        self.platform = platform
        self.rate_per_second = rate_per_second
        self.retries = max(0, retries)
        self.backoff = backoff
        self.max_bytes = max_bytes
        self.on_exchange = on_exchange
        self.request_starts: list[float] = []
        self._sleep, self._clock, self._now = sleep, clock, now
        self._lock = threading.Lock()  # one request at a time, also if a caller shares the client
        self._client = httpx.Client(base_url=base_url, headers={"User-Agent": user_agent}, timeout=timeout,
                                    transport=transport, follow_redirects=False)
        # credentials inside the base URL (user:password@mirror) are secrets like a token: never kept
        userinfo = httpx.URL(base_url).userinfo.decode("ascii", "replace") if base_url else ""
        self._base_secrets = {f"userinfo{n}": v for n, v in enumerate(dict.fromkeys(
            [userinfo, *(unquote(p) for p in userinfo.split(":", 1))])) if len(v) >= 3}
        self.body_filter: Callable[[bytes], bytes] | None = None  # e.g. VK: names of persons left out
        self._before_send: Callable[[], None] | None = None

    def __repr__(self) -> str:
        return f"HttpClient({shown_url(self.base_url)!r}, platform={self.platform!r})"

    def get(self, path: str, params: dict | None = None, *, secret_params: dict | None = None,
            retry_if: Callable[[Exchange], float | None] | None = None,
            before_send: Callable[[], None] | None = None) -> Exchange:
        """GET `path`: the answer (any status but 429/5xx, which are retried), or Throttled / PlatformError.

        `before_send` is called before every request this call puts on the wire (each attempt, each
        redirect hop) and may raise to stop it: a quota checked before each one (YouTube)."""
        params = {k: v for k, v in (params or {}).items() if v is not None}
        secrets = {**self._base_secrets, **{k: str(v) for k, v in (secret_params or {}).items() if v is not None}}
        endpoint = path.strip("/") or "/"
        public_url = _public(self._client.build_request("GET", path, params=params).url, secrets)
        with self._lock:
            self._before_send = before_send
            try:
                return self._get(path, endpoint, public_url, params, secrets, retry_if)
            finally:
                self._before_send = None

    def _start(self) -> None:
        """One request goes on the wire now: the rate limit, the caller's check, then it is counted."""
        self._wait_for_rate()
        if self._before_send is not None:
            self._before_send()
        self.request_starts.append(self._clock())

    def _get(self, path: str, endpoint: str, public_url: str, params: dict, secrets: dict,
             retry_if: Callable[[Exchange], float | None] | None) -> Exchange:
        what = f"{self.platform} {endpoint}"
        problem = ""
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            self._start()
            failure, answer = self._send(path, params, secrets)
            if answer is None:  # a network error: nothing received
                problem = f"the request to {what} failed ({_scrub(failure, secrets)})"
                if not last:
                    self._sleep(self._backoff(attempt))
                continue
            status, body, retry_after, final_url = answer
            exchange = Exchange(self.platform, endpoint, public_url, dict(params), status, body, self._now(),
                                final_url=final_url)
            if self.on_exchange is not None:
                self.on_exchange(exchange)
            if status == 429 or status >= 500:
                problem = (f"{what} answered HTTP {status} "
                           f"{'(too many requests)' if status == 429 else '(a server error)'}")
                if not last:
                    self._sleep(min(MAX_WAIT, retry_after) if retry_after is not None else self._backoff(attempt))
                continue
            wait = retry_if(exchange) if retry_if is not None else None
            if wait is None:
                return exchange
            problem = f"{what} kept answering that there were too many requests"
            if not last:
                self._sleep(min(MAX_WAIT, max(float(wait), self._backoff(attempt))))
        tries = f"{self.retries + 1} attempt{'s' if self.retries else ''}"
        if "too many requests" in problem:
            raise Throttled(f"{problem[0].upper()}{problem[1:]} after {tries}; run the collection again later.")
        raise PlatformError(f"{problem[0].upper()}{problem[1:]} after {tries}; check the network or the "
                            "--api-base address, or run the collection again later.")

    def _send(self, path: str, params: dict, secrets: dict
              ) -> tuple[str, tuple[int, bytes, float | None, str] | None]:
        """(failure, None) on a network error, else ("", (status, body, retry_after, final_url))."""
        failure = ""
        try:
            request = self._client.build_request("GET", path, params={**params, **secrets})
            for hop in range(MAX_REDIRECTS + 1):
                response = self._client.send(request, stream=True)
                target = _redirect_target(response)
                if target is None or not _same_host(request.url, target):
                    break  # an answer, or a redirect elsewhere: returned as it is, never followed
                response.close()
                if hop == MAX_REDIRECTS:
                    raise PlatformError(f"The {self.platform} answer to {path.strip('/')} redirected more than "
                                        f"{MAX_REDIRECTS} times; check the --api-base address.")
                self._start()  # each hop is a request of its own
                request = self._client.build_request("GET", target)
            try:
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        failure = f"its answer is larger than {self.max_bytes:,} bytes"
                        break
                    chunks.append(chunk)
            finally:
                response.close()
        except httpx.HTTPError as exc:  # network, timeout, too many redirects, bad encoding
            failure = f"{type(exc).__name__}: {exc}"[:300]
        if failure:  # raised or reported outside the except block: no httpx exception (and URL) chained
            if "larger than" in failure:
                raise PlatformError(f"The {self.platform} answer to {path.strip('/')} was not read: {failure}.")
            return failure, None
        body = _scrub_bytes(b"".join(chunks), secrets)  # an echoed request must not put a secret in the archive
        if self.body_filter is not None:
            body = self.body_filter(body)
        return "", (response.status_code, body, _retry_after(response.headers.get("retry-after")),
                    _public(request.url, secrets))

    def _wait_for_rate(self) -> None:
        if self.rate_per_second is None or not self.request_starts:
            return
        due = self.request_starts[-1] + 1.0 / self.rate_per_second + _RATE_MARGIN
        wait = due - self._clock()
        if wait > 0:
            self._sleep(wait)

    def _backoff(self, attempt: int) -> float:
        return min(MAX_WAIT, self.backoff * 2**attempt)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _redirect_target(response: httpx.Response) -> httpx.URL | None:
    """Where a redirect answer points (absolute), else None."""
    location = response.headers.get("location")
    if response.status_code not in (301, 302, 303, 307, 308) or not location or len(location) > 4096:
        return None
    try:
        return response.request.url.join(location)
    except (httpx.InvalidURL, ValueError):
        return None


def _same_host(current: httpx.URL, target: httpx.URL) -> bool:
    """Whether a redirect stays on the host asked (same scheme and port, or an upgrade to https)."""
    if target.scheme not in ("http", "https") or target.host != current.host or target.userinfo:
        return False
    if target.scheme == current.scheme:
        return target.port == current.port
    return current.scheme == "http" and target.scheme == "https" and target.port in (None, 443)


def _public(url: httpx.URL, secrets: dict) -> str:
    """`url` without credentials (no user:password, no secret parameter, no secret value left in it)."""
    query = [(k, v) for k, v in url.params.multi_items() if k not in secrets]
    return _scrub(str(url.copy_with(params=query, userinfo=b"") if url.userinfo else url.copy_with(params=query)),
                  secrets)


def shown_url(url: str | None) -> str | None:
    """An address as shown or stored (options, messages): scheme, host, port and path only; no
    user:password, query or fragment (where credentials hide)."""
    if not url:
        return url
    try:
        parts = httpx.URL(url)
        return str(parts.copy_with(userinfo=b"", query=None, fragment=None))
    except (httpx.InvalidURL, ValueError, TypeError):
        return "(an address that is not a URL)"


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (seconds or an HTTP date), bounded; None if absent or odd."""
    if not value or len(value) > 64:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - _utcnow()).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, min(MAX_WAIT, seconds))


def secret_forms(value: str) -> list[str]:
    """The ways a secret can be written back by a platform that echoes a request: as it is, URL-encoded
    (either case of hex, '+' or '%20' for a space, '/' kept or not), and each of those JSON-escaped
    (also with '\\/' for '/'); longest first, so a form is replaced before a part of it."""
    if not value:
        return []
    encoded = {value, quote(value, safe=""), quote(value), quote_plus(value), quote_plus(value, safe="/")}
    encoded |= {_lower_hex(f) for f in encoded}
    forms = set(encoded)
    for form in encoded:
        for escaped in (json.dumps(form)[1:-1], json.dumps(form, ensure_ascii=False)[1:-1]):
            forms |= {escaped, escaped.replace("/", "\\/")}
    return sorted(forms, key=len, reverse=True)


def _lower_hex(text: str) -> str:
    import re

    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), text)


def _scrub(text: str, secrets: dict) -> str:
    """`text` with every secret value, in every form `secret_forms` knows, replaced by '***'."""
    for value in secrets.values():
        for form in secret_forms(value):
            text = text.replace(form, "***")
    return text


def _scrub_bytes(body: bytes, secrets: dict) -> bytes:
    """`body` with every secret value, in every form `secret_forms` knows, replaced by '***'."""
    for value in secrets.values():
        for form in secret_forms(value):
            data = form.encode("utf-8")
            if data in body:
                body = body.replace(data, b"***")
    return body

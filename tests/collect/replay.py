"""A local HTTP server that replays recorded responses, for testing collectors without the network.

    with ReplayServer() as server:                   # threaded http.server on 127.0.0.1, a free port
        server.route("/method/wall.get", Reply(200, body))           # always this answer
        server.route("/s/channel", [Reply(200, page1), Reply(200, page2)])  # in turn, the last repeats
        server.route("/method/wall.getById", lambda req: Reply.json({"response": [...]}))  # computed
        server.script("/method/wall.get", [Reply(429, headers={"Retry-After": "1"})] * 2)  # served first
        client = HttpClient(server.url + "/method/", platform="vk", transport=None)
        ...
        server.requests          # [Recorded(path, params, headers, at)], `at` = time.monotonic() on arrival
        server.count("/method/wall.get")

- `Reply(status=200, body=b"", headers={}, delay=0.0)`; `Reply.json(obj, status=200)` for a JSON body.
  `delay` seconds are waited before answering (timeouts, slow servers).
- A route's handler is a Reply, a list of Replies, or a callable `(Recorded) -> Reply`; an unrouted
  path answers 404. `script(path, replies)` queues replies served before the route's own (throttling
  the first N times, a token that expires midway: script them, or count in a callable).
- `Recorded.params` is the query string as a dict (the last value of a repeated name).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    delay: float = 0.0

    @classmethod
    def json(cls, obj: Any, status: int = 200, **kw: Any) -> "Reply":
        return cls(status, json.dumps(obj, ensure_ascii=False).encode("utf-8"),
                   {"Content-Type": "application/json; charset=utf-8", **kw.pop("headers", {})}, **kw)


@dataclass
class Recorded:
    path: str
    params: dict
    headers: dict
    at: float


Handler = Reply | list | Callable[[Recorded], Reply]


class ReplayServer:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._routes: dict[str, Handler] = {}
        self._served: dict[str, int] = {}
        self._scripts: dict[str, list[Reply]] = {}
        self._lock = threading.Lock()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                parts = urlsplit(self.path)
                req = Recorded(parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)),
                               dict(self.headers.items()), time.monotonic())
                reply = server._reply(req)
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                    pass

            def log_message(self, *args: Any) -> None:  # quiet
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, path: str, handler: Handler) -> None:
        with self._lock:
            self._routes[path] = handler
            self._served[path] = 0

    def script(self, path: str, replies: list[Reply]) -> None:
        with self._lock:
            self._scripts.setdefault(path, []).extend(replies)

    def count(self, path: str | None = None) -> int:
        return sum(1 for r in self.requests if path is None or r.path == path)

    def _reply(self, req: Recorded) -> Reply:
        with self._lock:
            self.requests.append(req)
            queued = self._scripts.get(req.path)
            if queued:
                return queued.pop(0)
            handler = self._routes.get(req.path)
            if handler is None:
                return Reply(404, b"not routed")
            n = self._served[req.path]
            self._served[req.path] = n + 1
        if isinstance(handler, Reply):
            return handler
        if isinstance(handler, list):
            return handler[min(n, len(handler) - 1)]
        return handler(req)

    def start(self) -> "ReplayServer":
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "ReplayServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

"""`shailoo serve`: the web app under uvicorn, on localhost unless told otherwise, until Ctrl-C.

Ctrl-C lets the requests in flight finish (each holds the workspace only while it runs, see
server/db.py) and applies the coding saves still in the journal, so the workspace is left consistent."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Callable

from shailoo.errors import UsageError, printable

LOCAL = ("127.0.0.1", "::1", "localhost")


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except (OSError, OverflowError) as exc:
        sock.close()
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UsageError(f"Cannot listen on {host} port {port} ({reason}); choose another --port "
                         "(or check --host).") from None
    return sock


def _check_admin(folder: Path) -> None:
    from shailoo.server import users
    from shailoo.store.workspace import open_workspace

    with open_workspace(folder, read_only=True) as ws:
        admins = users.count_admins(ws)
    if not admins:
        raise UsageError(f"The workspace has no admin yet, so no one could log in; create the first with "
                         f"`shailoo users add -w {printable(folder)} NAME --role admin`.")


def serve(workspace: Path | None, host: str, port: int, say: Callable[[str], None], wait: float = 5.0) -> None:
    import uvicorn

    from shailoo.server.app import create_app

    folder = Path(workspace if workspace is not None else os.environ.get("SHAILOO_WORKSPACE", "."))
    app = create_app(folder, wait=wait, linger=1.0, save_every=0.5)  # migrates the workspace once (the users table) before checking
    _check_admin(folder)
    sock = _listen(host, port)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{sock.getsockname()[1]}"
    if host in LOCAL:
        say(f"Serving {app.state.project} at {url} — only this computer can reach it "
            "(--host 0.0.0.0 opens it to the network; put an HTTPS reverse proxy in front, see docs/server.md).")
    else:
        say(f"Serving {app.state.project} at {url} on the network, without HTTPS: put an HTTPS reverse proxy "
            "in front (docs/server.md) before people log in from other computers.")
    say("Press Ctrl-C to stop.")
    config = uvicorn.Config(app, log_level="info", proxy_headers=True, forwarded_allow_ips="127.0.0.1",
                            server_header=False, timeout_graceful_shutdown=30)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn stops gracefully on Ctrl-C, then raises it again once it is done
    finally:
        sock.close()
        try:
            app.state.coding_saves.close()  # the saves still in the journal reach the workspace
        finally:
            app.state.gate.close()  # the lingering read-only connection
    say("Stopped; the workspace is closed.")

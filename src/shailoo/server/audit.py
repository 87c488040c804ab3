"""The audit log: who changed what, when (users and roles now; codes, adjudications and imports as
their pages land). Every change of a user goes through `record` in the same transaction as the change."""

from __future__ import annotations

import getpass
import json

from shailoo.store.workspace import Workspace


def cli_actor() -> str:
    """The audit name of a command run on the machine: cli:<login name>."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no name for the uid (a container)
        who = "unknown"
    return f"cli:{who}"


def record(ws: Workspace, actor: str, action: str, target: str | None = None, **detail: object) -> None:
    """Append one entry (inside the caller's transaction when there is one). Never pass a password."""
    ws.con.execute("INSERT INTO audit_log (at_time, actor, action, target, detail) VALUES (now(), ?, ?, ?, ?)",
                   [actor, action, target, json.dumps(detail, ensure_ascii=False, default=str) if detail else None])


def entries(ws: Workspace, limit: int = 200) -> list[dict]:
    """The newest entries first."""
    rows = ws.con.execute("SELECT entry_id, at_time, actor, action, target, detail FROM audit_log "
                          "ORDER BY entry_id DESC LIMIT ?", [limit]).fetchall()
    names = ("entry_id", "at", "actor", "action", "target", "detail")
    return [dict(zip(names, r)) for r in rows]

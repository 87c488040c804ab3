"""Accounts of the web app: add, list, change role or language, remove, check a password.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's low-memory profile); there is
no default account: the first admin is made with `shailoo users add ... --role admin`. Every change
is written to the audit log in the same transaction.
"""

from __future__ import annotations

import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Iterator

from shailoo.errors import ShailooError, UsageError
from shailoo.server import audit
from shailoo.store.workspace import Workspace

ROLES = ("admin", "coordinator", "coder", "viewer")
LANGUAGES = ("en", "ru", "ky")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # hashing is deliberately slow: bound what an attacker may make it hash
_NAME = re.compile(r"^[\w.@-]{1,64}$")


class UserError(ShailooError):
    """A user that does not exist, exists already, or a change that would lock the admins out."""


@dataclass(frozen=True)
class User:
    username: str
    role: str
    language: str


@cache
def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id


def check_name(name: str) -> str:
    name = unicodedata.normalize("NFC", (name or "").strip())
    if not _NAME.match(name):
        raise UsageError(f"A user name is 1 to 64 letters, digits or . _ @ -, not '{name[:80]}'.")
    return name


def check_role(role: str) -> str:
    role = (role or "").strip().lower()
    if role not in ROLES:
        raise UsageError(f"The role is one of {', '.join(ROLES)}, not '{role[:40]}'.")
    return role


def check_language(lang: str) -> str:
    lang = (lang or "").strip().lower()
    if lang not in LANGUAGES:
        raise UsageError(f"The interface language is one of {', '.join(LANGUAGES)}, not '{lang[:20]}'.")
    return lang


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"The password is too short: give at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise UsageError(f"The password is too long: give at most {MAX_PASSWORD} characters.")
    return password


def hash_password(password: str) -> str:
    return _hasher().hash(check_password(password))


def _row(ws: Workspace, name: str) -> tuple | None:
    rows = ws.con.execute("SELECT username, role, language, password FROM users WHERE username = ?",
                          [name]).fetchall()
    return rows[0] if rows else None


def get_user(ws: Workspace, name: str) -> User | None:
    row = _row(ws, name)
    return User(*row[:3]) if row else None


def list_users(ws: Workspace) -> list[dict]:
    rows = ws.con.execute("SELECT username, role, language, created_at, changed_at FROM users "
                          "ORDER BY username").fetchall()
    return [dict(zip(("username", "role", "language", "created_at", "changed_at"), r)) for r in rows]


def count_admins(ws: Workspace) -> int:
    return ws.con.execute("SELECT count(*) FROM users WHERE role = 'admin'").fetchall()[0][0]


@cache
def _dummy_hash() -> str:
    return _hasher().hash("not a password of anyone")


def credentials(ws: Workspace, name: str, password: str) -> tuple[User | None, str]:
    """The user a login names and the hash to check (a dummy one for an unknown name): read under
    the workspace's lock, checked by `verify` after it is let go (hashing is slow on purpose)."""
    try:
        name = check_name(name)
    except UsageError:
        name = ""
    row = _row(ws, name) if name and len(password) <= MAX_PASSWORD else None
    return (User(*row[:3]), row[3]) if row else (None, _dummy_hash())


def verify(found: tuple[User | None, str], password: str) -> User | None:
    """The user if the password matches, else None; as slow for an unknown name as for a known one."""
    from argon2.exceptions import InvalidHashError, VerificationError

    user, hashed = found
    try:
        _hasher().verify(hashed, password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        return None
    return user


@contextmanager
def _transaction(ws: Workspace) -> Iterator[None]:
    ws.con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        ws.con.execute("ROLLBACK")
        raise
    ws.con.execute("COMMIT")


def add_user(ws: Workspace, name: str, role: str, password: str, actor: str, language: str = "en") -> User:
    name, role, language = check_name(name), check_role(role), check_language(language)
    hashed = hash_password(password)
    with _transaction(ws):
        if _row(ws, name):
            raise UserError(f"There is already a user '{name}'; change the role with `shailoo users set-role`.")
        ws.con.execute("INSERT INTO users VALUES (?, ?, ?, ?, now(), now())", [name, role, hashed, language])
        audit.record(ws, actor, "user.add", name, role=role, language=language)
    return User(name, role, language)


def _existing(ws: Workspace, name: str) -> tuple:
    row = _row(ws, check_name(name))
    if row is None:
        raise UserError(f"There is no user '{name}'; `shailoo users list` shows them.")
    return row


def set_role(ws: Workspace, name: str, role: str, actor: str) -> User:
    role = check_role(role)
    with _transaction(ws):
        name, before, language, _ = _existing(ws, name)
        if before == "admin" and role != "admin" and count_admins(ws) == 1:
            raise UserError(f"'{name}' is the only admin; make another user admin first.")
        if before != role:
            ws.con.execute("UPDATE users SET role = ?, changed_at = now() WHERE username = ?", [role, name])
            audit.record(ws, actor, "user.role", name, before=before, after=role)
    return User(name, role, language)


def set_language(ws: Workspace, name: str, language: str, actor: str) -> User:
    language = check_language(language)
    with _transaction(ws):
        name, role, before, _ = _existing(ws, name)
        if before != language:
            ws.con.execute("UPDATE users SET language = ?, changed_at = now() WHERE username = ?", [language, name])
            audit.record(ws, actor, "user.language", name, before=before, after=language)
    return User(name, role, language)


def set_password(ws: Workspace, name: str, password: str, actor: str) -> None:
    hashed = hash_password(password)
    with _transaction(ws):
        name = _existing(ws, name)[0]
        ws.con.execute("UPDATE users SET password = ?, changed_at = now() WHERE username = ?", [hashed, name])
        audit.record(ws, actor, "user.password", name)


def remove_user(ws: Workspace, name: str, actor: str) -> None:
    with _transaction(ws):
        name, role, _, _ = _existing(ws, name)
        if role == "admin" and count_admins(ws) == 1:
            raise UserError(f"'{name}' is the only admin; make another user admin first.")
        ws.con.execute("DELETE FROM users WHERE username = ?", [name])
        audit.record(ws, actor, "user.remove", name, role=role)

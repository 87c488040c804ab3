"""Credentials for collection: from the environment, else the operating system's keyring.

Never from the workspace, never written anywhere by shailoo: a `Secret` prints as '***' (repr, str,
f-strings), and only `reveal()` gives the value, at the moment a request is sent.

    SHAILOO_VK_TOKEN            keyring: service 'shailoo', name 'vk_token'
    SHAILOO_YOUTUBE_KEY         keyring: 'youtube_key'
    SHAILOO_TELEGRAM_API_ID     keyring: 'telegram_api_id'
    SHAILOO_TELEGRAM_API_HASH   keyring: 'telegram_api_hash'
"""

from __future__ import annotations

import os
from typing import Any, Mapping

from shailoo.collect.base import CredentialsError

KEYRING_SERVICE = "shailoo"
_AUTO = object()


class Secret:
    """A credential whose value never shows in a repr, a message, a log or an archive."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self):  # not pickled into a cache or a process pool by accident
        raise TypeError("a Secret is not pickled")


def env_name(name: str) -> str:
    """'vk_token' -> 'SHAILOO_VK_TOKEN'."""
    return "SHAILOO_" + name.upper()


class Credentials:
    """Looks credentials up by name ('vk_token', 'youtube_key', 'telegram_api_id', ...)."""

    def __init__(self, environ: Mapping[str, str] | None = None, keyring: Any = _AUTO) -> None:
        self._environ = os.environ if environ is None else environ
        self._keyring = keyring  # a module with get_password(service, name), None for none, or _AUTO

    def __repr__(self) -> str:
        return "Credentials(...)"

    def get(self, name: str) -> Secret | None:
        """The credential `name`, or None when neither the environment nor the keyring has it."""
        value = (self._environ.get(env_name(name)) or "").strip()
        if value:
            return Secret(value)
        value = self._from_keyring(name)
        return Secret(value) if value else None

    def require(self, name: str, what: str) -> Secret:
        """The credential `name`, or CredentialsError saying how to give it (`what`: 'a VK access token')."""
        secret = self.get(name)
        if secret is None:
            raise CredentialsError(f"No {what}: set {env_name(name)} in the environment, or store it in the "
                                   f"keyring (keyring set {KEYRING_SERVICE} {name}); see docs/collect.md.")
        return secret

    def _from_keyring(self, name: str) -> str | None:
        module = self._keyring
        if module is _AUTO:
            from shailoo.modules import optional_module

            module = self._keyring = optional_module("keyring")
        if module is None:
            return None
        try:
            value = module.get_password(KEYRING_SERVICE, name)
        except Exception:  # no backend, a locked store, a D-Bus error: as if absent (the message says how to set it)
            return None
        return value.strip() if isinstance(value, str) and value.strip() else None

"""The interface's words in the user's language: a flat message catalogue per language
(server/locales/<lang>.yaml). Kyrgyz has its welcome and falls back to Russian, then English;
a missing key shows in English, never as a key."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from shailoo.server.users import LANGUAGES

FALLBACK = {"en": ("en",), "ru": ("ru", "en"), "ky": ("ky", "ru", "en")}


@cache
def catalogue(lang: str) -> dict[str, str]:
    text = resources.files("shailoo.server").joinpath("locales", f"{lang}.yaml").read_text(encoding="utf-8")
    return {str(k): str(v) for k, v in (yaml.safe_load(text) or {}).items()}


class Messages:
    """`t("key", name=...)` in templates and routes."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else "en"
        self._chain = [catalogue(code) for code in FALLBACK[self.lang]]

    def __call__(self, key: str, **values: object) -> str:
        for messages in self._chain:
            if key in messages:
                text = messages[key]
                return text.format(**values) if values else text
        raise KeyError(f"no message '{key}' in the interface catalogue")


def best_language(accept_language: str | None) -> str:
    """The first of the browser's languages we have (for the login page, before we know the user)."""
    for part in (accept_language or "")[:500].split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"

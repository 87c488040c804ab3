"""Stopword lists: shipped plain-text files per language, extendable per workspace.

The shipped lists are `shailoo/text/data/stopwords/<lang>.txt` (one word a line, `#`
comments). A workspace adds its own words in the table `stopwords_extra(lang, word)`.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from shailoo.errors import UsageError
from shailoo.text import LANGUAGES

EXTRA_TABLE_SQL = "CREATE TABLE IF NOT EXISTS stopwords_extra (lang VARCHAR NOT NULL, word VARCHAR NOT NULL)"


def check_language(lang: str) -> str:
    """Return a valid language code or raise UsageError."""
    code = (lang or "").strip().lower()
    if code not in LANGUAGES:
        raise UsageError(f"Unknown language code '{lang}': use one of {', '.join(LANGUAGES)}.")
    return code


@cache
def shipped_stopwords(lang: str) -> frozenset[str]:
    """The stopword list shipped with shailoo for one language (empty for unknown codes)."""
    if lang not in LANGUAGES:
        return frozenset()
    text = resources.files("shailoo.text").joinpath("data", "stopwords", f"{lang}.txt").read_text("utf-8")
    words = (line.split("#", 1)[0].strip().lower() for line in text.splitlines())
    return frozenset(w for w in words if w)


@cache
def platform_stopword_pairs() -> tuple[tuple[str, str], ...]:
    """(platform, word) pairs of the shipped platform noise words (`platforms.txt`)."""
    text = resources.files("shailoo.text").joinpath("data", "stopwords", "platforms.txt").read_text("utf-8")
    pairs = (line.split("#", 1)[0].split() for line in text.splitlines())
    return tuple((p[0].lower(), p[1].lower()) for p in pairs if len(p) == 2)


def extra_stopwords(con, lang: str) -> set[str]:
    """Words a workspace added for one language."""
    con.execute(EXTRA_TABLE_SQL)
    return {r[0] for r in con.execute("SELECT word FROM stopwords_extra WHERE lang = ?", [lang]).fetchall()}


def stopwords_for(con, lang: str) -> frozenset[str]:
    """Shipped plus workspace stopwords of one language (`con` may be None)."""
    base = shipped_stopwords(lang)
    if con is None or lang not in LANGUAGES:
        return base
    return base | frozenset(extra_stopwords(con, lang))


def add_stopwords(con, lang: str, words: list[str]) -> int:
    """Add words to a workspace's list; return how many were new."""
    lang = check_language(lang)
    have = extra_stopwords(con, lang) | shipped_stopwords(lang)
    new = sorted({w.strip().lower() for w in words if w.strip()} - have)
    if new:
        con.executemany("INSERT INTO stopwords_extra VALUES (?, ?)", [[lang, w] for w in new])
    return len(new)


def list_stopwords(con, lang: str) -> list[dict]:
    """Rows (lang, word, source) of one language's stopwords, shipped then workspace."""
    lang = check_language(lang)
    extra = extra_stopwords(con, lang) if con is not None else set()
    rows = [{"lang": lang, "word": w, "source": "shipped"} for w in sorted(shipped_stopwords(lang))]
    return rows + [{"lang": lang, "word": w, "source": "workspace"} for w in sorted(extra)]

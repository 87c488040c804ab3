"""Stemmers: Snowball (PyStemmer) for Russian and English; Turkic suffix stripping for Kyrgyz,
Kazakh and Uzbek (`shailoo.text.turkic`: morphotactic slots, sound and harmony checks, learned
protected words).

For kk and uz a stem is a *key* in one alphabet: Kazakh folded (жақсы and жаксы give one key),
Uzbek in Latin without apostrophes (ишлар and ishlar give one key). The text commands show the
most frequent surface form of a key, so users see their own words.
"""

from __future__ import annotations

from functools import lru_cache

from shailoo.text import LANGUAGES

SNOWBALL = {"ru": "russian", "en": "english"}


@lru_cache(maxsize=None)
def _snowball(lang: str):
    import Stemmer

    return Stemmer.Stemmer(SNOWBALL[lang])


def has_stemmer(lang: str) -> bool:
    """Whether shailoo can stem words of this language."""
    return lang in LANGUAGES


def stem_words(lang: str, words: list[str]) -> list[str]:
    """Stem lower-cased words of one language; raise KeyError for a language without a stemmer."""
    if lang in SNOWBALL:
        return _snowball(lang).stemWords(words)
    if lang not in ("ky", "kk", "uz"):
        raise KeyError(lang)
    from shailoo.text.turkic import stem_turkic

    return stem_turkic(lang, words)


def stem(lang: str, word: str) -> str:
    """Stem one lower-cased word."""
    return stem_words(lang, [word])[0]


def normalise_word(word: str) -> str:
    """A word as the text engine sees it before stemming: NFC, lower-cased, mixed scripts folded."""
    import unicodedata

    from shailoo.text.script import fold_word

    return fold_word(unicodedata.normalize("NFC", word.strip()).lower())


def stem_table(lang: str, words: list[str]) -> list[dict[str, str]]:
    """Rows `word, stem` for words of one language, in order (blank lines skipped); words are
    normalised as the text engine does. Raise KeyError for a language without a stemmer."""
    if not has_stemmer(lang):
        raise KeyError(lang)
    kept = [w.strip() for w in words if w.strip()]
    return [{"word": w, "stem": s} for w, s in zip(kept, stem_words(lang, [normalise_word(w) for w in kept]))]

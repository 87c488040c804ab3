"""Multilingual text engine: language identification, tokens, stopwords, stemmers,
transliteration and topic dictionaries for ru, ky, kk, uz and en.

Everything here works on plain strings or on distinct values; the set-oriented
pipeline over the workspace lives in `shailoo.text.pipeline`.
"""

LANGUAGES = ("ru", "ky", "kk", "uz", "en")
"""Languages with a stemmer and a stopword list."""

LANG_CODES = LANGUAGES + ("other",)
"""Every code language identification can give."""

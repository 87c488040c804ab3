"""Stemmers: Snowball (PyStemmer) for Russian and English; Turkic suffix stripping for Kyrgyz,
Kazakh and Uzbek (`shailoo.text.turkic`: morphotactic slots, sound and harmony checks, learned
protected words).

For kk and uz a stem is a *key* in one alphabet: Kazakh folded (жақсы and жаксы give one key),
Uzbek in Latin without apostrophes (ишлар and ishlar give one key). The text commands show the
most frequent surface form of a key, so users see their own words.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources

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


CACHE_SQL = "CREATE TABLE IF NOT EXISTS stem_cache (lang VARCHAR, word VARCHAR, stem VARCHAR, PRIMARY KEY (lang, word))"


@lru_cache(maxsize=1)
def stemmer_version() -> str:
    """Identifies the stemmers (PyStemmer's Snowball, the Turkic rules and learned lists): stems
    cached by another version are made again."""
    import Stemmer

    h = hashlib.sha1(str(Stemmer.version()).encode())
    base = resources.files("shailoo.text")
    for part in ("stem.py", "turkic.py", *(f"data/stem/{f}" for f in
                                           ("ky.tsv.gz", "kk.tsv.gz", "uz.tsv.gz", "kk-folded.tsv.gz",
                                            "kk-restore.tsv.gz"))):
        try:
            h.update(base.joinpath(part).read_bytes())
        except FileNotFoundError:
            h.update(part.encode())
    return h.hexdigest()[:16]


def prepare_stem_cache(con) -> None:
    """Create the workspace's stem cache, emptied when the stemmers have changed."""
    from shailoo.store.workspace import writable_caches

    writable_caches(con, "stem_cache", "stem_cache_version")
    con.execute(CACHE_SQL)
    con.execute("CREATE TABLE IF NOT EXISTS stem_cache_version (version VARCHAR)")
    if con.execute("SELECT version FROM stem_cache_version").fetchall() != [(stemmer_version(),)]:
        con.execute("DELETE FROM stem_cache")
        con.execute("DELETE FROM stem_cache_version")
        con.execute("INSERT INTO stem_cache_version VALUES (?)", [stemmer_version()])


def forget_stems(con) -> None:
    """Empty the stem cache (a post's text changed or a post is gone: none of its words may linger)."""
    from shailoo.store.workspace import writable_caches

    writable_caches(con, "stem_cache")
    if con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'stem_cache' "
                   "AND database_name = current_database()").fetchall()[0][0]:
        con.execute("DELETE FROM stem_cache")


def cached_stem_words(con, lang: str, words: list[str]) -> list[str]:
    """`stem_words` through the workspace table `stem_cache(lang, word, stem)`: each distinct word
    of a language is stemmed once, so a second text command skips the stemmers (most of its
    Python time). `con` None: no cache."""
    if con is None or not words:
        return stem_words(lang, words)
    import pyarrow as pa

    prepare_stem_cache(con)
    con.register("_stem_need", pa.table({"i": pa.array(range(len(words)), pa.int32()),
                                         "word": pa.array(words, pa.string())}))
    try:
        got = con.execute("""SELECT n.i, c.stem FROM _stem_need n LEFT JOIN stem_cache c
                             ON c.lang = ? AND c.word = n.word""", [lang]).fetchnumpy()
    finally:
        con.unregister("_stem_need")
    out: list[str | None] = [None] * len(words)
    for i, s in zip(got["i"].tolist(), got["stem"].tolist()):
        out[i] = s
    missing = [i for i, s in enumerate(out) if s is None]
    if missing:
        new = dict(zip((words[i] for i in missing), stem_words(lang, [words[i] for i in missing])))
        for i in missing:
            out[i] = new[words[i]]
        con.register("_stem_new", pa.table({"word": pa.array(list(new), pa.string()),
                                            "stem": pa.array(list(new.values()), pa.string())}))
        try:
            # not INSERT OR IGNORE: a read-only workspace's in-memory copy of the cache has no key
            con.execute("""INSERT INTO stem_cache SELECT ?, n.word, n.stem FROM _stem_new n WHERE NOT EXISTS (
                               SELECT 1 FROM stem_cache c WHERE c.lang = ? AND c.word = n.word)""", [lang, lang])
        finally:
            con.unregister("_stem_new")
    return out  # type: ignore[return-value]


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

"""The normalised text stored beside each original: NFC, homoglyphs folded, Uzbek apostrophes unified.

Real posts hide Latin letters inside Cyrillic words ("рабoта" with a Latin o) and the reverse,
and Kazakh is often typed with a Latin i for і. A word that mixes the two scripts is folded to its
majority script when every minority letter has a look-alike there; otherwise it is left alone.
"""

from __future__ import annotations

import re
import unicodedata

# Latin letter -> the Cyrillic letter it imitates (and the reverse below).
_LATIN_TO_CYRILLIC = {
    "a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у", "i": "і", "k": "к", "h": "һ",
    "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "I": "І", "K": "К", "M": "М", "O": "О",
    "P": "Р", "T": "Т", "X": "Х", "Y": "У",
}
_CYRILLIC_TO_LATIN = {
    "а": "a", "с": "c", "е": "e", "о": "o", "р": "p", "х": "x", "у": "y", "і": "i", "к": "k", "һ": "h",
    "А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H", "І": "I", "К": "K", "М": "M", "О": "O",
    "Р": "P", "Т": "T", "Х": "X", "У": "Y",
}
_CYR = "\u0400-\u04ff"
_MIXED = re.compile(rf"[{_CYR}][A-Za-z]|[A-Za-z][{_CYR}]")
_WORD = re.compile(rf"[A-Za-z{_CYR}]+")
# o' g' with any of the apostrophes people type become the standard oʻ gʻ (U+02BB) when a letter
# follows — but not an English possessive ("Tokyo's", "blog's"), which would corrupt the word.
_UZ_APOSTROPHE = re.compile(r"(?<=[OoGg])['‘’`ʼ](?=[^\W\d_])(?![sS](?![^\W\d_]))")


def _fold_word(match: re.Match) -> str:
    word = match.group(0)
    cyr = sum(1 for ch in word if "\u0400" <= ch <= "\u04ff")
    lat = len(word) - cyr
    if cyr == 0 or lat == 0 or cyr == lat:
        return word
    if cyr > lat:
        table, minority = _LATIN_TO_CYRILLIC, [ch for ch in word if ch.isascii()]
    else:
        table, minority = _CYRILLIC_TO_LATIN, [ch for ch in word if not ch.isascii()]
    if all(ch in table for ch in minority):
        return "".join(table.get(ch, ch) for ch in word)
    return word


def fold_homoglyphs(text: str) -> str:
    """Fold look-alike letters inside mixed-script words to the word's majority script."""
    if not _MIXED.search(text):
        return text
    return _WORD.sub(_fold_word, text)


def normalise(text: str | None) -> str | None:
    """Return the normalised form of a post text (None stays None)."""
    if not text:
        return text
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = fold_homoglyphs(text)
    if "'" in text or "‘" in text or "’" in text or "`" in text or "ʼ" in text:
        text = _UZ_APOSTROPHE.sub("ʻ", text)
    return text

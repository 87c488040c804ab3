"""Scripts: which alphabet a word is written in, and folding of look-alike letters
typed from the other alphabet (Kazakh with a Latin `i` for `і`, Russian with a Latin `o`).

Import already folds homoglyphs into `text_norm`; folding again here is idempotent and
covers text that never went through import (`detect-language`, queries).
"""

from __future__ import annotations

import re

# Latin letters that look like Cyrillic ones; `i` is Kazakh/Ukrainian `і`.
LAT_TO_CYR = str.maketrans("aceopxykiABCEHKMOPTXYI", "асеорхукіАВСЕНКМОРТХУІ")
CYR_TO_LAT = str.maketrans("асеорхуіАВСЕНКМОРТХУІ", "aceopxyiABCEHKMOPTXYI")

_CYR = re.compile(r"[\u0400-\u04ff]")
_LAT = re.compile(r"[a-zA-Z\u00c0-\u024f]")


def script_of(word: str) -> str:
    """Return 'cyrl', 'latn', 'mixed' or 'none' for one word."""
    c = len(_CYR.findall(word))
    lat = len(_LAT.findall(word))
    if c and lat:
        return "mixed"
    return "cyrl" if c else "latn" if lat else "none"


_BOTH = re.compile(r"[\u0400-\u04ff].*[a-zA-Z\u00c0-\u024f]|[a-zA-Z\u00c0-\u024f].*[\u0400-\u04ff]")


def fold_word(word: str) -> str:
    """Fold a mixed-script word into its majority script (ties go to Cyrillic)."""
    if not _BOTH.search(word):  # one script (nearly every word): one scan instead of two counts
        return word
    c = len(_CYR.findall(word))
    if not c:
        return word
    lat = len(_LAT.findall(word))
    if not lat:
        return word
    if c >= lat:
        return word.translate(LAT_TO_CYR)
    return word.translate(CYR_TO_LAT)


_MIXED = re.compile(r"\w*(?:[\u0400-\u04ff]\w*[a-zA-Z]|[a-zA-Z]\w*[\u0400-\u04ff])\w*")


def fold_text(text: str) -> str:
    """Fold every mixed-script word of a text (other words are left as they are)."""
    return _MIXED.sub(lambda m: fold_word(m.group(0)), text)

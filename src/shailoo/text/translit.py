"""Transliteration between Cyrillic and Latin for search.

`to_latin` writes Kyrgyz/Russian/Kazakh/Uzbek Cyrillic in a Latin close to common usage
(Kyrgyz/Russian conventions: ж→j, ы→y, ш→sh; Kazakh қ→q, ғ→g', Uzbek ў→o', ҳ→h).
`to_cyrillic` goes the other way for Latin queries (kyrgyz → кыргыз, o'zbek → ўзбек is
not attempted: o' → о). Search does not rely on one spelling: `match_key` folds both
scripts to a loose skeleton (zh/j, kh/h, q/k, ı/y collapse) so `kyrgyz`, `qyrgyz` and
`кыргыз` meet (y and i are one letter there).
"""

from __future__ import annotations

import re

_C2L = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "j", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    "ң": "ng", "ө": "o", "ү": "u", "ә": "a", "ғ": "g'", "қ": "q", "ұ": "u", "һ": "h", "і": "i",
    "ў": "o'", "ҳ": "h", "ӣ": "i", "ӯ": "u", "ҷ": "j",
}
_L2C = [
    ("shch", "щ"), ("sh", "ш"), ("ch", "ч"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"), ("yo", "ё"),
    ("yu", "ю"), ("ya", "я"), ("ng", "ң"), ("o'", "о"), ("g'", "г"), ("a", "а"), ("b", "б"),
    ("v", "в"), ("g", "г"), ("d", "д"), ("e", "е"), ("j", "ж"), ("z", "з"), ("i", "и"),
    ("y", "ы"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"),
    ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("f", "ф"), ("h", "х"), ("q", "к"),
    ("x", "х"), ("w", "в"), ("c", "к"), ("ı", "ы"), ("ö", "ө"), ("ü", "ү"), ("ğ", "г"), ("ş", "ш"),
    ("ç", "ч"), ("ä", "ә"), ("ñ", "ң"),
]
_L2C_RE = re.compile("|".join(re.escape(a) for a, _ in _L2C))
_L2C_MAP = dict(_L2C)


def to_latin(word: str) -> str:
    """Cyrillic letters of a lower-cased word written in Latin."""
    return "".join(_C2L.get(ch, ch) for ch in word)


def to_cyrillic(word: str) -> str:
    """Latin letters of a lower-cased word written in Cyrillic (Kyrgyz/Russian usage)."""
    w = re.sub("[ʻ’‘ʼ`]", "'", word)
    w = re.sub("(?<=[aeiouы])y|y(?=[aeiou])", "й", w)  # y beside a vowel is й, otherwise ы
    return _L2C_RE.sub(lambda m: _L2C_MAP[m.group(0)], w)


_KEY = [("ʻ", ""), ("’", ""), ("‘", ""), ("ʼ", ""), ("`", ""), ("zh", "j"), ("kh", "h"), ("x", "h"), ("q", "k"), ("'", ""), ("ı", "y"), ("ö", "o"),
        ("ü", "u"), ("ğ", "g"), ("ş", "sh"), ("ç", "ch"), ("ä", "a"), ("ñ", "ng"), ("w", "v"), ("y", "i")]


def match_key(word: str) -> str:
    """A loose script-free skeleton of a lower-cased word: equal keys match in search."""
    k = to_latin(word.lower())
    for a, b in _KEY:
        k = k.replace(a, b)
    return k

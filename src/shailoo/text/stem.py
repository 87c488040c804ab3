"""Stemmers: Snowball (PyStemmer) for Russian and English; suffix stripping for Kyrgyz,
Kazakh and Uzbek (Latin and Cyrillic).

The Turkic stemmer removes, from the end of the word and up to four times, the longest
ending in the language's list (plural, case, possessive and common verb endings, built
from the vowel-harmony variants) as long as at least three letters, one of them a vowel,
remain. Verbal nouns (-уу/-оо, -у, -ish) are words in their own right and are kept
(шайлоо, сайлау). Words ending in -стан/-iston are left alone (Кыргызстан is not
Кыргызс+тан). Single-vowel possessives (-ы, -и) are not stripped: too many roots end in them.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import product

from shailoo.text import LANGUAGES

SNOWBALL = {"ru": "russian", "en": "english"}


def _v(cons: str, vowels: str, tail: str = "") -> set[str]:
    return {c + v + tail for c, v in product(cons, vowels)}


def _ky() -> set[str]:
    a, i = "аеоө", "ыиуү"
    s = _v("лдт", a, "р")  # plural
    s |= _v("ндт", i, "н") | _v("ндт", i)  # genitive, accusative
    s |= _v("гк", a) | _v("н", a)  # dative (-на after a possessive)
    s |= _v("дт", a) | {"н" + x for x in _v("д", a)}  # locative, -нда
    s |= _v("дтн", a, "н")  # ablative
    s |= {"ым", "им", "ум", "үм", "ың", "иң", "уң", "үң"} | _v("с", i)  # possessive
    s |= {v + "б" + v + "з" for v in i} | {v + "ң" + v + "з" for v in i} | _v("б", i, "з")
    s |= {"лары", "лери", "лору", "лөрү", "дары", "дери", "тары", "тери"}
    s |= _v("гк", "аеоө", "н")  # past participle -ган
    s |= {"ып", "ип", "уп", "үп", "мак", "мек", "мок", "мөк", "ышат", "ишет", "ушат", "үшөт"}
    return s


def _kk() -> set[str]:
    i = "ыі"
    s = {"лар", "лер", "дар", "дер", "тар", "тер"}
    s |= _v("ндт", i, "ң") | _v("ндт", i)
    s |= {"ға", "ге", "қа", "ке", "на", "не", "та", "те", "да", "де", "нда", "нде"}
    s |= {"дан", "ден", "тан", "тен", "нан", "нен", "мен", "бен", "пен", "менен", "бенен", "пенен"}
    s |= {"ым", "ім", "ың", "ің", "сы", "сі", "мыз", "міз", "ымыз", "іміз", "ңыз", "ңіз", "ыңыз", "іңіз"}
    s |= {"лары", "лері", "дары", "дері", "тары", "тері"}
    s |= {"ған", "ген", "қан", "кен", "ады", "еді", "йды", "йді", "атын", "етін", "йтын", "йтін"}
    s |= {"мақ", "мек", "бақ", "бек", "пақ", "пек", "ып", "іп"}
    return s


def _uz() -> set[str]:
    lat = {"lar", "ning", "ni", "ga", "ka", "qa", "da", "ta", "dan", "tan", "im", "ing", "si",
           "imiz", "miz", "ingiz", "ngiz", "lari", "gan", "kan", "qan", "di", "adi", "ydi",
           "yapti", "moqda", "dir", "mi", "larni", "larga", "larda", "lardan", "larning"}
    cyr = {"лар", "нинг", "ни", "га", "ка", "қа", "да", "та", "дан", "тан", "им", "инг", "си",
           "имиз", "миз", "ингиз", "нгиз", "лари", "ган", "кан", "қан", "ди", "ади", "йди",
           "япти", "моқда", "дир", "ми"}
    return lat | cyr


SUFFIXES = {"ky": _ky(), "kk": _kk(), "uz": _uz()}
VOWELS = set("аеёиоуыэюяөүәұіaeiouʻ'")
PROTECTED_ENDINGS = ("стан", "istan", "iston", "истон", "ston")
MIN_STEM = 3


def _strip(word: str, suffixes: set[str], lengths: list[int]) -> str:
    if word.endswith(PROTECTED_ENDINGS):
        return word
    for _ in range(4):
        for n in lengths:
            if len(word) - n < MIN_STEM or word[-n:] not in suffixes:
                continue
            stem = word[:-n]
            if any(ch in VOWELS for ch in stem):
                word = stem
                break
        else:
            return word
        if word.endswith(PROTECTED_ENDINGS):
            return word
    return word


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
    suffixes = SUFFIXES[lang]
    lengths = sorted({len(s) for s in suffixes}, reverse=True)
    return [_strip(w, suffixes, lengths) for w in words]


def stem(lang: str, word: str) -> str:
    """Stem one lower-cased word."""
    return stem_words(lang, [word])[0]

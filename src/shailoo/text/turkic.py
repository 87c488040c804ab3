"""Suffix-stripping stemmers for Kyrgyz, Kazakh and Uzbek, with Turkic morphotactics.

A word is first written in its language's *key alphabet*: Kyrgyz as is; Kazakh folded to the
letters people type without a Kazakh keyboard (ә→а ғ→г қ→к ң→н ө→о ұ→у ү→у һ→х і→и), so
`жақсы` and `жаксы` are one word; Uzbek in Latin without apostrophes (Cyrillic transliterated:
`ишлар` and `ishlar` are one word, `oʻzbek`, `o'zbek` and `ozbek` too). Then endings are removed
from the right, longest first, while they make sense together:

- each ending has a *slot* and is removed only left of those already removed (particle →
  person → finite verb ending → -дагы → case → possessive → plural → participle/verbal noun →
  negation → voice), so `мемлекеті` loses -і (possessive) but never -ет after it;
- the sound before an ending must fit it (д-/г-/б- after a vowel or voiced consonant, т-/к-/п-
  after a voiceless one, a vowel-initial ending after a consonant, -сы/-м/-п after a vowel, the
  pronominal н- endings -на/-нда/-нан after a possessive -ы/-і), and in Kyrgyz and Kazakh the
  ending's vowel must be front or back like the stem's last vowel;
- a stem keeps a vowel and two letters (three when the ending is one letter); negation and voice
  are removed only after a verb ending was;
- at the end a voiced final consonant after a vowel is written voiceless (аймагы → аймак).

Words learned from treebank training data and corpora (`data/stem/<lang>.tsv`, made by
`scripts/train_stem.py`) are either *protected* (kept whole: Алматы is not алма+ты, басқа is
not бас+қа) or mapped to the stem of their lemma (балдар → бала). The result is a *key*: the
text commands show the most frequent surface form of each key, never the key.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import product

VOICELESS = set("пткқфхцчшщсhkpqstfx")


def _ex(templates: str, sets: dict[str, str]) -> list[str]:
    """Expand harmony templates: 'дAр' with A=ае → дар, дер."""
    out = []
    for t in templates.split():
        choices = [sets.get(ch, ch) for ch in t]
        out += ["".join(p) for p in product(*choices)]
    return out


@dataclass
class Rules:
    lang: str
    vowels: str
    back: str
    front: str
    table: dict[str, tuple[int, ...]] = field(default_factory=dict)
    sonorant_l: str = "р"  # consonants after which the plural is л- rather than д-
    after_vowel: frozenset = frozenset()  # endings that follow a vowel only
    pronominal: frozenset = frozenset()  # endings that follow a possessive -ы/-і only
    anywhere: frozenset = frozenset()  # endings with no constraint on the sound before
    lengths: tuple = ()

    def add(self, slot: int, endings: list[str]) -> None:
        for e in endings:
            self.table[e] = tuple(sorted(set(self.table.get(e, ())) | {slot}, reverse=True))
        self.lengths = tuple(sorted({len(e) for e in self.table}, reverse=True))


# slots, right to left
PARTICLE, PERSON, FINITE, RELATIVE, CASE, POSS, PLURAL, NONFINITE, NEG, VOICE = 10, 9, 8, 7, 6, 5, 4, 3, 2, 1
VERBAL = {FINITE, NONFINITE, NEG}


def _ky() -> Rules:
    r = Rules("ky", vowels="аеёиоөуүыэюя", back="аоуыёя", front="еөүиэ")
    s = {"A": "аеоө", "I": "ыиуү"}
    x = lambda t: _ex(t, s)  # noqa: E731
    r.add(PERSON, x("мIн сIң бIз пIз сIз сIңAр сIздAр"))
    r.add(FINITE, x("дI тI дIм тIм дIң тIң дIк тIк дIңIз тIңIз дIңAр тIңAр дIбIз"
                    " Aм йм AсIң йсIң AсIз йсIз AбIз йбIз Aт йт IшAт шAт Aмын ймын"
                    " сA сAм сAң сAк сAңIз сAңAр гIлA кIлA сIн IңIз ңIз Aйын йын Aлы йлы"))
    r.add(RELATIVE, x("дAгI тAгI ндAгI"))
    r.add(CASE, x("нIн дIн тIн нI дI тI н гA кA нA дA тA ндA дAн тAн нAн ндAн"))
    r.add(POSS, x("Iм м Iң ң I сI IбIз IңIз ңIз IңAр ңAр"))
    r.add(PLURAL, x("лAр дAр тAр"))
    r.add(NONFINITE, x("гAн кAн Iп п бAс пAс мAс чI гIчA кIчA гAнчA уу үү") + ["оо", "өө"])
    r.add(NEG, x("бA пA мA"))
    r.add(VOICE, x("Iл л Iн"))
    r.sonorant_l = "рй"
    r.after_vowel = frozenset(x("м ң п й йм йт йсIң йсIз йбIз ймын йын йлы ш сI ңIз ңAр"))
    r.pronominal = frozenset(x("н нA ндA нAн ндAн ндAгI"))
    r.anywhere = frozenset(x("мIн сIң сIз сIңAр сIздAр мAс сA сAм сAң сAк сAңIз сAңAр сIн чI мA"))
    return r


KK_FOLD = str.maketrans("әғқңөұүһіi", "агкноуухии")


def _kk(folded: bool = False) -> Rules:
    """Kazakh rules in Kazakh letters, or (folded) in the letters people type without them."""
    if folded:
        r = Rules("kk", vowels="аеёиоуыэюя", back="аы", front="еи")
    else:
        r = Rules("kk", vowels="аәеёиоөұүуыіэюя", back="аоұы", front="әеөүі")
    s = {"A": "ае", "I": "ыі", "Г": "ғг", "К": "қк", "Ң": "ң"}

    def x(t: str) -> list[str]:
        out = _ex(t, s)
        return [e.translate(KK_FOLD) for e in out] if folded else out

    r.add(PERSON, x("мIн сIҢ мIз сIз пIн бIн пIз бIз сIҢдAр сIздAр"))
    r.add(FINITE, x("дI тI дIм тIм дIҢ тIҢ дIК тIК дIҢIз тIҢIз дIҢдAр тIҢдAр"
                    " AдI йдI AмIн ймIн AсIҢ йсIҢ AмIз ймIз AсIз йсIз AсIздAр"
                    " сA сAм сAҢ сAК сAҢIз ГIн КIн сIн IҢIз ҢIз Aйын йын AйIК йIК"))
    r.add(RELATIVE, x("дAГI тAГI ндAГI"))
    r.add(CASE, x("ҢIҢ нIҢ дIҢ тIҢ нI дI тI н ГA КA нA дA тA ндA дAн тAн нAн мAн бAн пAн"))
    r.add(POSS, x("Iм м IҢ Ң I сI IмIз мIз IҢIз ҢIз"))
    r.add(PLURAL, x("лAр дAр тAр"))
    r.add(NONFINITE, x("ГAн КAн Iп п мAс бAс пAс AтIн йтIн ГAлI КAлI у"))
    r.add(NEG, x("мA бA пA"))
    r.add(VOICE, x("Iл л Iн Iс с"))
    r.sonorant_l = "рйу"
    r.after_vowel = frozenset(x("м Ң н п й йдI ймIн йсIҢ ймIз йсIз йын йIК йтIн сI мIз ҢIз"))
    r.pronominal = frozenset(x("нA ндA ндAГI"))
    r.anywhere = frozenset(x("мIн сIҢ мIз сIз сIҢдAр сIздAр мAс сA сAм сAҢ сAК сAҢIз сIн мA мAн нAн у"))
    return r


def _uz() -> Rules:
    # written in the Latin key alphabet (see uz_key): no apostrophes
    r = Rules("uz", vowels="aeiou", back="", front="")
    w = lambda t: t.split()  # noqa: E731
    r.add(PARTICLE, w("mi chi ku"))
    r.add(PERSON, w("man san miz siz dir dirlar"))
    r.add(FINITE, w("di dim ding dik dingiz dilar aman asan adi amiz asiz adilar yman ysan ydi ymiz ysiz ydilar"
                    " yapman yapsan yapti yapmiz yapsiz yaptilar ayapman ayapsan ayapti ayapmiz ayapsiz"
                    " moqda moqdalar sa sam sang sak sangiz salar sin gin kin qin ingiz ngiz ay aylik ylik"))
    r.add(RELATIVE, w("dagi niki"))
    r.add(CASE, w("ning ni ga ka qa da dan gacha n"))
    r.add(POSS, w("im m ing ng i si imiz miz ingiz ngiz"))
    r.add(PLURAL, w("lar"))
    r.add(NONFINITE, w("gan kan qan yotgan ayotgan adigan ydigan ib b gach kach qach guncha kuncha quncha"
                       " moq moqchi ish sh mas"))
    r.add(NEG, w("ma"))
    r.add(VOICE, w("il l in tir dir"))
    r.after_vowel = frozenset(w("m ng miz ngiz si b sh yman ysan ydi ymiz ysiz ydilar ydigan yotgan l n"
                                " yapman yapsan yapti yapmiz yapsiz yaptilar"))
    r.anywhere = frozenset(w("man san miz siz dir dirlar di dim ding dik dingiz dilar ga da dan gacha dagi niki"
                             " lar ning ni moqda moqdalar sa sam sang sak sangiz salar sin gin mi chi ku ma moq"
                             " moqchi mas tir dir gan gach guncha"))
    return r


RULES = {"ky": _ky(), "kk": _kk(), "uz": _uz()}
KK_FOLDED = _kk(folded=True)
KK_LETTERS = frozenset("әғқңөұүһі")
PROTECTED_ENDINGS = ("стан", "stan", "ston")
_UZ_C2L = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ғ": "g'", "д": "d", "ё": "yo", "ж": "j", "з": "z",
    "и": "i", "й": "y", "к": "k", "қ": "q", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ў": "o'", "ф": "f", "х": "x", "ҳ": "h", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "sh", "ъ": "'", "ь": "", "э": "e", "ю": "yu", "я": "ya", "ы": "i",
}
_APOSTROPHES = str.maketrans({c: "'" for c in "ʻʼ’‘`´"})


_UZ_TABLE = str.maketrans({**_UZ_C2L, **{c: "'" for c in "ʻʼ’‘`´"}})


def uz_latin(word: str) -> str:
    """Uzbek in Latin with one apostrophe (oʻ, o‘, o’ → o'); Cyrillic transliterated (е → ye first or after a vowel)."""
    if "е" in word:
        word = ("йе" if word[0] == "е" else word[0]) + "".join(
            "йе" if ch == "е" and prev in "аеёиоуўэюяъ" else ch for prev, ch in zip(word, word[1:]))
        word = word.replace("й", "y")
        word = word.replace("е", "e")
    return word.translate(_UZ_TABLE)


def key_alphabet(lang: str, word: str) -> str:
    """A lower-cased word written in its language's key alphabet (see the module docstring)."""
    if lang == "uz":
        return uz_latin(word)
    return word


def _canon(lang: str, w: str) -> str:
    """Final voiced consonant after a vowel written voiceless; Uzbek apostrophes dropped."""
    if lang == "uz":
        if w.endswith("g'") and len(w) > 3 and w[-3] in "aeiou":
            w = w[:-2] + "q"
        elif w.endswith("g") and len(w) > 2 and w[-2] in "aeiou":
            w = w[:-1] + "k"
        return w.replace("'", "")
    if len(w) > 2 and w[-2] in RULES[lang].vowels:
        last = {"г": "к", "б": "п", "ғ": "қ"}.get(w[-1])
        if last:
            return w[:-1] + last
    return w


def _fits(r: Rules, ending: str, stem: str) -> bool:
    """Whether `ending` can follow `stem` (sound before it, vowel harmony)."""
    last = stem[-1]
    vowel_end = last in r.vowels
    first = ending[0]
    if ending in r.pronominal:
        if not (vowel_end and last in "ыиуүі" or r.lang == "kk" and last in "ыи"):
            return False
    elif ending in r.after_vowel:
        if not vowel_end:
            return False
    elif ending in r.anywhere:
        pass
    elif first in r.vowels:
        if vowel_end:
            return False
    elif r.lang == "uz":
        if first == "k" and last != "k" or first == "q" and last != "q":
            return False
    elif first in "ткқп":
        if last not in VOICELESS:
            return False
    elif first in "дгғб":
        if last in VOICELESS:
            return False
        if first == "д" and (vowel_end or last in r.sonorant_l) and ending[1:2] in "аеоө" and ending.endswith("р"):
            return False  # plural after a vowel or р/й is л-
    elif first == "л":
        if not (vowel_end or last in r.sonorant_l):
            return False
    elif first == "н" and not vowel_end and not (r.lang == "kk" and last in "мнң"):
        return False  # Kazakh writes -ның/-нан after a nasal: қазақстанның
    if r.back:
        sv = next((c for c in reversed(stem) if c in r.vowels), "")
        ev = next((c for c in ending if c in r.vowels), "")
        if sv and ev and (sv in r.back and ev in r.front or sv in r.front and ev in r.back):
            return False
    return True


def step(r: Rules, w: str, slot: int = 99, verbal: bool = False, floor: int = 0):
    """Remove one ending: (stem, its slot) or None."""
    for n in r.lengths:
        if n >= len(w) - 1:
            continue
        slots = r.table.get(w[-n:])
        if not slots:
            continue
        stem = w[:-n]
        if len(stem) < max(floor, 2 if n > 1 or w[-1] in "ыиуүi" and slots[0] == POSS else 3) \
                or not any(c in r.vowels for c in stem):
            continue
        # after a finite verb ending or a participle only negation and voice remain
        ok = [s for s in slots if s < slot and (s not in (NEG, VOICE) or verbal)
              and (slot not in (FINITE, NONFINITE) or s in (NEG, VOICE))]
        if ok and _fits(r, w[-n:], stem):
            if r.lang == "ky" and ok[0] == NONFINITE and w[-n:] in ("оо", "өө"):
                stem += _low_vowel(stem)  # сактоо is сакта+уу: the verb's final vowel was absorbed
            return stem, ok[0]
    return None


def strip(r: Rules, word: str, floor: int = 0) -> str:
    """Remove endings from a word in the key alphabet, never below `floor` letters."""
    w, slot, verbal = word, 99, False
    for _ in range(8):
        if w.endswith(PROTECTED_ENDINGS):
            break
        found = step(r, w, slot, verbal, floor)
        if found is None:
            break
        w, slot = found
        verbal = verbal or slot in VERBAL
    return w


def _low_vowel(stem: str) -> str:
    last = next((c for c in reversed(stem) if c in "аеоөыиуү"), "а")
    return {"о": "о", "у": "о", "ө": "ө", "ү": "ө", "е": "е", "и": "е"}.get(last, "а")


@dataclass
class Lexicon:
    protected: frozenset
    mapped: dict


@lru_cache(maxsize=None)
def lexicon(lang: str) -> Lexicon:
    """Learned protected words and word → stem mappings (data/stem/<lang>.tsv.gz), in the key alphabet."""
    protected, mapped = set(), {}
    try:
        raw = resources.files("shailoo.text").joinpath(f"data/stem/{lang}.tsv.gz").read_bytes()
    except FileNotFoundError:
        return Lexicon(frozenset(), {})
    for line in gzip.decompress(raw).decode("utf-8").splitlines():
        if not line or line[0] == "#":
            continue
        word, _, target = line.partition("\t")
        if target:
            mapped[word] = target
        protected.add(word)  # both kinds are floors for longer words (балдарда stops at балдар)
    return Lexicon(frozenset(protected), mapped)


def _stem_one(r: Rules, w: str, lex: Lexicon) -> str:
    target = lex.mapped.get(w)
    if target is None:
        # a protected word is a floor: Алматыда stops at алматы, never алма
        floor = next((i for i in range(len(w), 2, -1) if w[:i] in lex.protected), 0)
        target = w if floor == len(w) else strip(r, w, floor)
        target = lex.mapped.get(target, target)
    return target


def stem_turkic(lang: str, words: list[str]) -> list[str]:
    """Stem keys of lower-cased Kyrgyz, Kazakh or Uzbek words."""
    r = RULES[lang]
    lex = lexicon(lang)
    out = []
    if lang == "kk":
        # Kazakh typed without its letters: stemmed with folded endings, then the stem restored
        # to Kazakh letters from the learned list (жаксылар → жаксы → жақсы, оте → өте)
        folded_lex, restore = lexicon("kk-folded"), lexicon("kk-restore").mapped
        for word in words:
            if KK_LETTERS.isdisjoint(word):
                f = _stem_one(KK_FOLDED, word.translate(KK_FOLD), folded_lex)
                out.append(_canon(lang, restore.get(f, f)))
            else:
                out.append(_canon(lang, _stem_one(r, word, lex)))
        return out
    for word in words:
        out.append(_canon(lang, _stem_one(r, key_alphabet(lang, word), lex)))
    return out

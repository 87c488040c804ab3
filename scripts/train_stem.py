"""Learn the protected words and word → stem mappings of the Turkic stemmers
(src/shailoo/text/data/stem/<lang>.tsv.gz).

    .venv/bin/python scripts/train_stem.py [--shared /work/shared] [--mirror /work/.mirror]

A word is *protected* (kept whole, and a floor below which longer words are not stripped) when
the rules would remove a nominal ending (case, plural, possessive, person) from it and the word,
with its own case and plural forms, is at least as frequent as the stem it would leave
(`алматы` beside `алма`, `басқа` beside `бас`, `балдар` beside `бал`, `кызмат` beside `кызм`).
Frequencies come from unlabelled text. From the treebank *training* splits it also protects
words that are their own gold lemma but would be stripped, and maps nouns whose stem is not their
lemma's (`балдар` → `бала`). Hand lists below add place names and nouns that drop a vowel
(`орны` → `орын`, `og'li` → `o'g'il`).

Sources (none is a test split; nothing here reads UD test files):
- ky: UD_Kyrgyz-KTMU `ky_ktmu-ud-train.conllu` (github:UniversalDependencies/UD_Kyrgyz-KTMU,
  commit 57ad72fdcf2522856cba292905c236d396865495, CC BY-SA 4.0); 24.kg news, training split of
  alexeyev/kyrgyz-multi-label-topic-classification (commit 8072f88), from /work/shared/data/real.
- kk: UD_Kazakh-KTB `kk_ktb-ud-train.conllu` (commit e9f3b87a5faa95cf0b4cd97d62f2de8c90ee8153,
  CC BY-SA 4.0); KazNERD valid sentences and KazSAnDRA train reviews (IS2AI), from /work/shared.
- uz: UD_Uzbek-UT has a test split only, so no treebank is used; UzTransliterator sentences (Latin
  and Cyrillic), Play Store and Uzum reviews, from /work/shared.
Only derived word lists are written; no corpus text is shipped.
"""

from __future__ import annotations

import argparse
import gzip
import re
import subprocess
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from shailoo.text.script import fold_word  # noqa: E402
from shailoo.text.turkic import (CASE, KK_FOLD, KK_FOLDED, KK_LETTERS, PERSON, PLURAL, POSS, RELATIVE,  # noqa: E402
                                 RULES, Lexicon, Rules, _canon, _stem_one, key_alphabet, step, strip)

TREEBANKS = {
    "ky": [("UD_Kyrgyz-KTMU", "57ad72fdcf2522856cba292905c236d396865495", "ky_ktmu-ud-train.conllu")],
    "kk": [("UD_Kazakh-KTB", "e9f3b87a5faa95cf0b4cd97d62f2de8c90ee8153", "kk_ktb-ud-train.conllu")],
    "uz": [],
}
TEXTS = {
    "ky": ["kyrgyz_kazakh_text/24kg_qad-train_1000.csv"],
    "kk": ["central_asian_text/kk_kaznerd_valid_sentences.tsv", "central_asian_text/kk_kazsandra_reviews_train.csv"],
    "uz": ["central_asian_text/uz_latn_uztranslit_sentences.tsv", "central_asian_text/uz_cyrl_uztranslit_sentences.tsv",
           "central_asian_text/uz_latn_playstore_reviews.tsv", "central_asian_text/uz_mixed_uzum_reviews_trainval.csv"],
}
# Continuations that follow a bare noun but not a possessive (which takes -на/-нда/-нан).
CONTINUATIONS = {
    "ky": "лар лер лор лөр дар дер дор дөр тар тер тор төр га ге го гө ка ке ко кө да де до дө та те то тө"
          " дан ден дон дөн тан тен тон төн".split(),
    "kk": "лар лер дар дер тар тер ға ге қа ке да де та те дан ден тан тен".split(),
    "uz": "lar ga ka qa da dan".split(),
}
NOMINAL = {CASE, PERSON, PLURAL, POSS, RELATIVE}
PLACES = {
    "ky": "бишкек ош нарын талас баткен жалал-абад каракол токмок кара-балта чүй ысык-көл алматы астана "
          "москва ташкент бишкекте кыргызстан казакстан өзбекстан",
    "kk": "алматы астана шымкент тараз ақтөбе атырау ақтау орал семей павлодар қостанай қарағанды түркістан "
          "көкшетау петропавл өскемен жезқазған талдықорған қызылорда байқоңыр мәскеу ташкент бішкек",
    "uz": "toshkent samarqand buxoro andijon namangan farg'ona qarshi termiz nukus xiva urganch jizzax guliston "
          "navoiy moskva olmaota bishkek ostona",
}
# Nouns that drop a vowel before a vowel-initial ending: bound stem → the noun.
VOWEL_DROP = {
    "ky": {"орд": "орун", "мурд": "мурун", "ооз": "ооз", "эрд": "эрин", "кард": "карын", "бал": "бал"},
    "kk": {"орн": "орын", "мурн": "мурын", "ауз": "ауыз", "ерн": "ерин", "ерни": "ерин", "орны": "орын",
           "ул": "ул", "кейн": "кейин"},
    "uz": {"ogl": "og'il", "shahr": "shahar", "burn": "burun", "ogz": "og'iz", "qorn": "qorin", "kongl": "ko'ngil",
           "orn": "o'rin", "bagr": "bag'ir", "singl": "singil", "ism": "ism", "fikr": "fikr", "umr": "umr"},
}
# Frequent words that look inflected but are not (adjectives, adverbs), and irregular forms.
HAND_PROTECTED = {
    "ky": "башка жакшы азыр кийин бирок",
    "kk": "басқа жақсы қазір кейін бірақ",
    "uz": "boshqa yaxshi hozir keyin lekin",
}
IRREGULAR = {"ky": {"деп": "де", "балдар": "бала"}, "kk": {"деп": "де"}, "uz": {"deb": "de"}}
WORD = re.compile(r"[^\W\d_]+(?:['ʻʼ’‘`-][^\W\d_]+)*")
THETA = float(__import__("os").environ.get("THETA", "10"))


def norm(word: str) -> str:
    return fold_word(unicodedata.normalize("NFC", word).lower())


def corpus_counts(lang: str, shared: Path, mirror: Path) -> Counter:
    counts: Counter = Counter()
    for rel in TEXTS[lang]:
        path = shared / "data" / "real" / rel
        if path.exists():
            counts.update(key_alphabet(lang, norm(w)) for w in WORD.findall(path.read_text("utf-8", "replace")))
        else:
            print(f"missing {path}", file=sys.stderr)
    for form, _, _ in treebank_tokens(lang, mirror):
        counts[key_alphabet(lang, norm(form))] += 1
    return counts


def treebank_tokens(lang: str, mirror: Path):
    for repo, commit, path in TREEBANKS[lang]:
        git = mirror / f"UniversalDependencies+{repo}" / "repo"
        text = subprocess.run(["git", "--git-dir", str(git), "show", f"{commit}:{path}"], capture_output=True,
                              text=True).stdout
        if not text:
            print(f"missing {repo}@{commit}:{path}", file=sys.stderr)
        for line in text.splitlines():
            f = line.split("\t")
            if len(f) >= 4 and f[0].isdigit():
                yield f[1], f[2], f[3]


def learn(lang: str, r: Rules, counts: Counter, gold: list, key=lambda w: w) -> tuple[set[str], dict[str, str]]:
    """Protected words and mappings for one rule set; `key` writes a word in the rules' alphabet."""
    conts = sorted({key(e) for e in CONTINUATIONS[lang]})

    def score(x: str) -> int:
        return counts[x] + sum(counts[x + e] for e in conts)

    protected: set[str] = set()
    for w, n in counts.items():
        if n < 5 or len(w) < 3:
            continue
        first = step(r, w)
        if first is None or first[1] not in NOMINAL:
            continue
        if score(w) >= THETA * max(score(first[0]), score(_canon(lang, first[0]))):
            protected.add(w)
    # gold: words that are their own lemma; nouns whose lemma has another stem
    lemmas: dict[tuple, Counter] = defaultdict(Counter)
    for form, lemma, upos in ([] if __import__("os").environ.get("NOGOLD") else gold):
        if upos in ("NOUN", "PROPN", "ADJ", "VERB", "ADV"):
            lemmas[(key(key_alphabet(lang, norm(form))), upos)][key(key_alphabet(lang, norm(lemma)))] += 1
    mapped: dict[str, str] = {}
    for (w, upos), c in lemmas.items():
        lemma = c.most_common(1)[0][0]
        if w == lemma and strip(r, w) != w:
            protected.add(w)
        elif upos in ("NOUN", "PROPN") and _canon(lang, strip(r, w)) != _canon(lang, strip(r, lemma)) \
                and not w.startswith(lemma):
            mapped[w] = lemma
    protected |= {key(key_alphabet(lang, p)) for p in PLACES[lang].split()}
    protected |= {key(key_alphabet(lang, p)) for p in HAND_PROTECTED[lang].split()}
    for bound, noun in (VOWEL_DROP[lang] | IRREGULAR[lang]).items():
        mapped[key(key_alphabet(lang, bound))] = key(key_alphabet(lang, noun))
    return protected, mapped


def restoration(counts: Counter, lex: Lexicon, folded_lex: Lexicon) -> dict[str, str]:
    """Folded stem → stem in Kazakh letters, from the words of the corpus written with them."""
    votes: dict[str, Counter] = defaultdict(Counter)
    for w, n in counts.items():
        if KK_LETTERS.isdisjoint(w) or len(w) < 2:
            continue
        proper = _stem_one(RULES["kk"], w, lex)
        votes[_stem_one(KK_FOLDED, w.translate(KK_FOLD), folded_lex)][proper] += n
    out = {}
    for f, c in votes.items():
        (best, n), total = c.most_common(1)[0], sum(c.values())
        if best != f and total >= 2 and n >= 0.6 * total:
            out[f] = best
    return out


def write(path: Path, protected: set[str], mapped: dict[str, str], what: str) -> None:
    lines = [f"# shailoo {what}, made by scripts/train_stem.py (sources in its docstring)",
             "# word: protected (kept whole, a floor for longer words); word<TAB>lemma: stemmed as the lemma."]
    lines += sorted(protected - set(mapped))
    lines += [f"{w}\t{t}" for w, t in sorted(mapped.items())]
    data = gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), mtime=0)
    path.write_bytes(data)
    print(f"{path.name}: {len(protected)} protected, {len(mapped)} mapped, {len(data) / 1024:.0f} KB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=Path("/work/shared"))
    ap.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--out", type=Path, default=ROOT / "src/shailoo/text/data/stem")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    for lang in ("ky", "kk", "uz"):
        counts = corpus_counts(lang, a.shared, a.mirror)
        gold = list(treebank_tokens(lang, a.mirror))
        protected, mapped = learn(lang, RULES[lang], counts, gold)
        write(a.out / f"{lang}.tsv.gz", protected, mapped, f"{lang} stemmer lexicon")
        if lang == "kk":
            folded = Counter()
            for w, n in counts.items():
                folded[w.translate(KK_FOLD)] += n
            fp, fm = learn(lang, KK_FOLDED, folded, gold, key=lambda w: w.translate(KK_FOLD))
            write(a.out / "kk-folded.tsv.gz", fp, fm, "kk stemmer lexicon, folded letters")
            lex, flex = Lexicon(frozenset(protected), mapped), Lexicon(frozenset(fp), fm)
            write(a.out / "kk-restore.tsv.gz", set(), restoration(counts, lex, flex),
                  "kk folded stem -> stem in Kazakh letters")


if __name__ == "__main__":
    main()

"""Stemmers, stopwords, tokens, mixed scripts, transliteration and topic dictionaries."""

from __future__ import annotations

import pytest

from shailoo.errors import UsageError
from shailoo.text.script import fold_text, fold_word, script_of
from shailoo.text.stem import stem, stem_words
from shailoo.text.stopwords import check_language, shipped_stopwords
from shailoo.text.tokens import split_sentences, tokenize, words
from shailoo.text.topics import load_topics, topics_of_words
from shailoo.text.translit import match_key, to_cyrillic, to_latin

KY = {"кыргыздар": "кыргыз", "кыргыздардын": "кыргыз", "шайлоодо": "шайлоо", "шайлоо": "шайлоо",
      "шайлоосунда": "шайлоо", "жумуштар": "жумуш", "жумушка": "жумуш", "бишкекте": "бишкек",
      "депутаттары": "депутат", "президенттин": "президент", "кыргызстандын": "кыргызстан",
      "жаштар": "жаш", "шаарда": "шаар", "мыйзамды": "мыйзам"}
KK = {"сайлауға": "сайлау", "сайлау": "сайлау", "сайлауда": "сайлау", "қазақтар": "қазақ",
      "халықтың": "халық", "азаматтары": "азамат", "қазақстан": "қазақстан"}
UZ = {"saylovlarda": "saylov", "xalqimiz": "xalq", "ishchilar": "ishchi", "oʻzbekiston": "oʻzbekiston",
      "сайловларда": "saylov", "ҳукуматнинг": "hukumat"}  # one lemma in either script


@pytest.mark.parametrize("lang,table", [("ky", KY), ("kk", KK), ("uz", UZ)])
def test_turkic_stemmer_word_lists(lang, table):
    """Words the table gives one lemma get one stem, and words of different lemmas different stems
    (the stems themselves are internal keys: Uzbek in Latin, Kazakh with its letters restored)."""
    stems = dict(zip(table, stem_words(lang, list(table))))
    for a in table:
        for b in table:
            assert (stems[a] == stems[b]) == (table[a] == table[b]), (a, b, stems[a], stems[b])


def test_snowball_for_russian_and_english():
    assert stem("ru", "работа") == stem("ru", "работу") == "работ"
    assert stem("ru", "кыргызы") == "кыргыз"
    assert stem("en", "elections") == "elect"


def test_stopword_lists_ship_for_every_language():
    for lang in ("ru", "ky", "kk", "uz", "en"):
        assert len(shipped_stopwords(lang)) > 50
    assert "и" in shipped_stopwords("ru") and "жана" in shipped_stopwords("ky")
    assert "кыргыз" not in shipped_stopwords("ky")  # a content word spaCy's list had
    with pytest.raises(UsageError):
        check_language("xx")


def test_mixed_script_words_are_folded():
    assert script_of("рабoта") == "mixed"
    assert fold_word("рабoта") == "работа"  # Latin o in a Russian word
    assert fold_word("бiлiм") == "білім"  # Kazakh typed with a Latin i
    assert fold_word("kyrgyzстан") != "kyrgyzстан"
    assert fold_text("Рабoта есть") == "Работа есть"


def test_tokens_have_kinds():
    toks = tokenize("Рабoта в Бишкеке! 12,5 #Шайлоо @akipress https://x.kg/a?b=1 oʻzbek 😀")
    kinds = {t.text: t.kind for t in toks}
    assert kinds == {"рабoта": "word", "в": "word", "бишкеке": "word", "12,5": "number", "#шайлоо": "hashtag",
                     "@akipress": "mention", "https://x.kg/a?b=1": "url", "o'zbek": "word", "😀": "emoji"}
    assert words("Кто-то пришёл") == ["кто-то", "пришёл"]


def test_sentences_split_on_punctuation_and_newlines():
    assert split_sentences("Один. Два: три\nчетыре… пять") == ["Один", "Два", "три", "четыре", "пять"]


def test_transliteration_expands_both_ways():
    assert to_cyrillic("kyrgyz") == "кыргыз"
    assert to_latin("кыргыз") == "kyrgyz"
    assert match_key("kyrgyz") == match_key("кыргыз") == match_key("qyrgyz")
    assert match_key("zhumush") == match_key("жумуш")
    assert match_key("oʻzbek") == match_key("ўзбек")


def test_topic_dictionary_covers_the_seed_categories():
    topics = load_topics()
    assert [t.name for t in topics] == ["work", "documents_legal", "housing", "identity", "politics_elections",
                                        "covid", "fundraising", "protest"]
    found = dict(topics_of_words(["рабoта", "жумушка", "шайлоодо", "saylovda", "карантин"], topics))
    assert found == {"рабoта": "work", "жумушка": "work", "шайлоодо": "politics_elections",
                     "saylovda": "politics_elections", "карантин": "covid"}


def test_bad_topic_dictionary_is_refused(tmp_path):
    bad = tmp_path / "t.yaml"
    bad.write_text("work: [unclosed", encoding="utf-8")
    with pytest.raises(UsageError):
        load_topics(bad)

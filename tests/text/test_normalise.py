"""Normalised text: NFC, homoglyph folding in mixed-script words, Uzbek apostrophes."""

import unicodedata

import pytest

from shailoo.text.normalise import normalise


@pytest.mark.parametrize("original,expected", [
    ("рабoта", "работа"),                    # Latin o inside a Russian word
    ("Bыборы", "Выборы"),                    # Latin B
    ("Қазақстан бiрлiгi", "Қазақстан бірлігі"),  # Kazakh typed with Latin i
    ("Tоshkent", "Toshkent"),                # Cyrillic о inside a Latin word
    ("hello мир", "hello мир"),              # separate words in two scripts stay
    ("O'zbekiston g‘alaba", "Oʻzbekiston gʻalaba"),
    ("шайлоо ң ө ү", "шайлоо ң ө ү"),
    ("abcж", "abcж"),                        # ж has no Latin look-alike: left alone
])
def test_normalise(original, expected):
    assert normalise(original) == expected


def test_nfc():
    decomposed = unicodedata.normalize("NFD", "ё й")
    assert normalise(decomposed) == "ё й"


def test_none_and_empty():
    assert normalise(None) is None and normalise("") == ""


def test_english_possessives_are_not_uzbek_apostrophes():
    assert normalise("@navalny_blog's post about #Tokyo's rally") == "@navalny_blog's post about #Tokyo's rally"
    assert normalise("o'sish") == "oʻsish"

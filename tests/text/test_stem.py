"""Turkic stemmers: the defects of issue #9 (item 2) and `shailoo stem`."""

import json

import pytest
from typer.testing import CliRunner

from shailoo.cli.main import app
from shailoo.text.stem import stem, stem_words


def same(lang, *words):
    return len(set(stem_words(lang, list(words)))) == 1


def test_country_name_not_split():
    assert same("ky", "кыргызстан", "кыргызстанда", "кыргызстандын", "кыргызстанга")
    assert same("kk", "қазақстан", "қазақстанда", "қазақстанның")


@pytest.mark.parametrize("lang,word,wrong", [("kk", "алматы", "алма"), ("ky", "алматы", "алма"),
                                             ("kk", "астана", "аста"), ("kk", "басқа", "бас"),
                                             ("ky", "балдар", "бал"), ("kk", "жақсы", "жақ")])
def test_words_are_not_cut_into_other_words(lang, word, wrong):
    assert stem(lang, word) != stem(lang, wrong)
    assert same(lang, word, word + ("да" if lang == "ky" else "да"))


def test_no_chained_stripping():
    assert stem("kk", "мемлекеті") == stem("kk", "мемлекет") == "мемлекет"
    assert stem("uz", "yordamida") == stem("uz", "yordam") == "yordam"


def test_kyrgyz_plural_of_bala():
    assert stem("ky", "балдар") == stem("ky", "бала")


@pytest.mark.parametrize("lang,words", [("kk", ["деп", "деді", "деген"]), ("ky", ["деп", "деди", "деген"]),
                                        ("uz", ["deb", "dedi", "degan"]), ("ky", ["алды", "алган", "алып", "алат"]),
                                        ("kk", ["келді", "келген", "келіп", "келеді"])])
def test_verb_forms_merge(lang, words):
    assert same(lang, *words)


def test_uzbek_same_stem_in_both_scripts():
    lat = ["ishlar", "saylovlarda", "oʻzbekiston", "o'zbekiston", "hukumatning", "yordamida"]
    cyr = ["ишлар", "сайловларда", "ўзбекистон", "ўзбекистон", "ҳукуматнинг", "ёрдамида"]
    assert stem_words("uz", lat) == stem_words("uz", cyr)
    assert stem("uz", "ishlar") == "ish"


def test_kazakh_without_its_letters_is_restored():
    assert stem("kk", "оте") == stem("kk", "өте")
    assert same("kk", "жаксы", "жақсы", "жақсылар")
    assert same("kk", "казакстанда", "қазақстан")


@pytest.mark.parametrize("lang,words", [
    ("ky", ["кыргыздар", "кыргыздардын", "кыргыз"]), ("ky", ["шайлоо", "шайлоодо", "шайлоосунда"]),
    ("ky", ["жумуштар", "жумушка", "жумуш"]), ("ky", ["депутаттары", "депутат"]), ("ky", ["аймагы", "аймак"]),
    ("kk", ["сайлауға", "сайлау", "сайлауда"]), ("kk", ["халықтың", "халық"]), ("kk", ["азаматтары", "азамат"]),
    ("uz", ["saylovlarda", "saylov"]), ("uz", ["xalqimiz", "xalq"])])
def test_inflected_forms_merge(lang, words):
    assert same(lang, *words)


def test_different_words_stay_apart():
    assert not same("ky", "шайлоо", "шаар")
    assert not same("uz", "ishchilar", "ish")
    assert not same("kk", "бала", "бал")


def test_stem_command_csv_in_order():
    r = CliRunner().invoke(app, ["stem", "--language", "uz", "-"], input="Ishlar\nишлар\n\nyordamida\n")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines() == ["word,stem", "Ishlar,ish", "ишлар,ish", "yordamida,yordam"]


def test_stem_command_json_and_bad_language(tmp_path):
    f = tmp_path / "w.txt"
    f.write_text("жаксы\nжақсылар\n", "utf-8")
    r = CliRunner().invoke(app, ["stem", "-l", "kk", str(f), "-f", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == [{"word": "жаксы", "stem": "жақсы"}, {"word": "жақсылар", "stem": "жақсы"}]
    r = CliRunner().invoke(app, ["stem", "-l", "tt", str(f)])
    assert r.exit_code == 1 and "--language must be one of" in r.output

"""The one tokeniser: a table of hard cases in ru, ky, kk, uz (both scripts), en and mixed
scripts, each with its expected tokens, run against BOTH the SQL (DuckDB) and the Python
tokeniser — they must agree with the table and with each other."""

from __future__ import annotations

import duckdb
import pytest

from shailoo.text.tokens import (
    KINDS,
    is_letter_word,
    kind_of,
    letter_words,
    normalise,
    token_sql,
    tokenize,
)

W, N, T, U, E, H, M, J, B = "word", "number", "time", "url", "email", "hashtag", "mention", "emoji", "break"

# (text, [(kind, token)]): tokens are lower-cased, apostrophes folded to '.
CASES = [
    # ru
    ("Выборы-2026: кто-то пришёл.", [(W, "выборы-2026"), (B, ": "), (W, "кто-то"), (W, "пришёл"), (B, ".")]),
    ("Россия и Сирия, сырая нефть", [(W, "россия"), (W, "и"), (W, "сирия"), (W, "сырая"), (W, "нефть")]),
    ("Конец.\u00a0Начало", [(W, "конец"), (B, ".\u00a0"), (W, "начало")]),
    ("Итак…\u202fдалее!\u2003Ещё?\u3000Да", [(W, "итак"), (B, "…\u202f"), (W, "далее"), (B, "!\u2003"), (W, "ещё"),
                                              (B, "?\u3000"), (W, "да")]),
    ("RT @kelechek.zholu: Переслано от @ria_novosti.", [(W, "rt"), (M, "@kelechek.zholu"), (B, ": "), (W, "переслано"),
                                                       (W, "от"), (M, "@ria_novosti"), (B, ".")]),
    ("Пишите на info.kg@mail.ru или @admin", [(W, "пишите"), (W, "на"), (E, "info.kg@mail.ru"), (W, "или"),
                                               (M, "@admin")]),
    ("COVID-19 и covid19, 1.000.000 руб.", [(W, "covid-19"), (W, "и"), (W, "covid19"), (N, "1.000.000"), (W, "руб"),
                                            (B, ".")]),
    ("Рабoта есть", [(W, "рабoта"), (W, "есть")]),  # a Latin o stays (folding happens later, per word)
    # ky: ң ө ү, times and numbers with endings
    ("Шайлоо 20:00гө чейин, 9:30-да башталат", [(W, "шайлоо"), (T, "20:00гө"), (W, "чейин"), (T, "9:30-да"),
                                                (W, "башталат")]),
    ("2026-жылы 100дөн ашык үй-бүлө", [(N, "2026"), (W, "жылы"), (N, "100дөн"), (W, "ашык"), (W, "үй-бүлө")]),
    ("#выборы2026 #Шайлоо_2026 #2026", [(H, "#выборы2026"), (H, "#шайлоо_2026"), (N, "2026")]),  # no letter: no tag
    ("Кыргызстандын өкмөтү ңң", [(W, "кыргызстандын"), (W, "өкмөтү"), (W, "ңң")]),
    ("Саат 14:05те; 23:59:59", [(W, "саат"), (T, "14:05те"), (B, "; "), (T, "23:59:59")]),
    # kk: ә ғ қ ң ө ұ ү һ і
    ("Қазақстан әлемдегі ұлы елдің бірі", [(W, "қазақстан"), (W, "әлемдегі"), (W, "ұлы"), (W, "елдің"), (W, "бірі")]),
    ("Һәм ғылым, өнер үшін!", [(W, "һәм"), (W, "ғылым"), (W, "өнер"), (W, "үшін"), (B, "!")]),
    ("бiлiм (Latin i) #Сайлау2024", [(W, "бiлiм"), (W, "latin"), (W, "i"), (H, "#сайлау2024")]),
    # uz in both scripts: oʻ gʻ with every apostrophe, ў қ ғ ҳ
    ("Oʻzbekiston o‘zbek G’alaba g`oya", [(W, "o'zbekiston"), (W, "o'zbek"), (W, "g'alaba"), (W, "g'oya")]),
    ("Ўзбекистон ҳукумати қарор ғалаба", [(W, "ўзбекистон"), (W, "ҳукумати"), (W, "қарор"), (W, "ғалаба")]),
    ("saylov-2024da 12,5% ishtirok", [(W, "saylov-2024da"), (N, "12,5"), (W, "ishtirok")]),
    # en
    ("Don't stop: via @user, see https://t.co/abc.", [(W, "don't"), (W, "stop"), (B, ": "), (W, "via"), (M, "@user"),
                                                       (W, "see"), (U, "https://t.co/abc"), (B, ".")]),
    ("Visit www.akipress.org) or HTTPS://24.KG/a?b=1#top!", [(W, "visit"), (U, "www.akipress.org"), (W, "or"),
                                                             (U, "https://24.kg/a?b=1#top"), (B, "!")]),
    ("The 5th time at 10:30pm 😀👍", [(W, "the"), (N, "5th"), (W, "time"), (W, "at"), (T, "10:30pm"), (J, "😀"),
                                      (J, "👍")]),
    ("ISTANBUL İstanbul", [(W, "istanbul"), (W, "istanbul")]),
    ("score 3:1 and 123:45", [(W, "score"), (N, "3"), (N, "1"), (W, "and"), (N, "123"), (N, "45")]),  # no times
    # mixed scripts and languages in one text
    ("Кыргыз jumush izdeyt, кыргызча: жумуш", [(W, "кыргыз"), (W, "jumush"), (W, "izdeyt"), (W, "кыргызча"),
                                               (B, ": "), (W, "жумуш")]),
    ("@Kelechek.Zholu жазды\nЖаңы сап", [(M, "@kelechek.zholu"), (W, "жазды"), (B, "\n"), (W, "жаңы"), (W, "сап")]),
    ("#Kyrgyzstan2026#выборы a@b", [(H, "#kyrgyzstan2026"), (H, "#выборы"), (W, "a"), (M, "@b")]),
    ("email@ без домена", [(W, "email"), (W, "без"), (W, "домена")]),
]


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    yield c
    c.close()


@pytest.mark.parametrize("text,expected", CASES, ids=[c[0][:30] for c in CASES])
def test_python_tokeniser(text, expected):
    assert [(t.kind, t.text) for t in tokenize(text, breaks=True)] == expected


@pytest.mark.parametrize("text,expected", CASES, ids=[c[0][:30] for c in CASES])
def test_sql_tokeniser_agrees(con, text, expected):
    got = con.execute(f"SELECT {token_sql('?')}", [text]).fetchall()[0][0]
    assert got == [tok for _, tok in expected]
    assert [kind_of(t) for t in got] == [k for k, _ in expected]  # kinds from tokens alone, as the cache does


@pytest.mark.parametrize("text,expected", CASES, ids=[c[0][:30] for c in CASES])
def test_language_id_words_agree(con, text, expected):
    """Language identification sees the letters-only words of the one tokeniser: the word tokens of
    the SQL token list (the cache it reads) without digits, as in Python."""
    sql = [t for t in con.execute(f"SELECT {token_sql('?')}", [text]).fetchall()[0][0] if is_letter_word(t)]
    want = [tok for kind, tok in expected if kind == W and not any(ch.isdigit() for ch in tok)]
    assert sql == letter_words(text) == want


def test_positions_point_into_the_text():
    text = "Ищу @kelechek.zholu в 20:00гө #выборы2026"
    for t in tokenize(text):
        assert normalise(text)[t.start:t.end] == t.text
    assert {t.kind for t in tokenize(text)} <= set(KINDS)

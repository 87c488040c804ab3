"""Issue #9, items 3-5: one tokeniser everywhere (import, terms, n-grams, kwic, clusters),
kwic's matching rules and its empty answer, platform noise words, --min-length, the token cache."""

from __future__ import annotations

import duckdb
import pytest
from text_fixtures import make_workspace
from typer.testing import CliRunner

from shailoo.analysis.text_kwic import kwic
from shailoo.analysis.text_ngrams import ngrams
from shailoo.analysis.text_terms import terms
from shailoo.cli.main import app
from shailoo.store.merge import _extractions
from shailoo.text.pipeline import TextOptions

POSTS = [
    ("telegram", "@kelechek.zholu жазат: шайлоо 20:00гө чейин! #выборы2026", "2021-01-04"),
    ("telegram", "Кечээ @kelechek.zholu дагы жазды. #Выборы2026 covid-19 боюнча", "2021-01-05"),
    ("x", "RT @akipress: Россия и Сирия. Выборы в России via @news", "2021-01-06"),
    ("x", "RT @user: Сырая нефть и сырьем торгуют россияне; россиян много", "2021-01-07"),
    ("facebook", "Красный флаг.\u00a0Синий дом и rt канал", "2021-01-08"),
    ("telegram", "Forwarded from Kloop: новости Кыргызстана", "2021-01-09"),
]


@pytest.fixture
def ws(tmp_path):
    w = make_workspace(tmp_path / "ws", POSTS)
    yield w
    w.close()


def _terms(ws, **kw):
    opts = TextOptions(stem=False, **kw)
    return {r["term"]: (r["count"], r["support"]) for r in terms(ws, None, opts, top=0).table.to_pylist()}


def test_import_extracts_mentions_with_dots_and_hashtags_with_digits():
    con = duckdb.connect()
    con.execute("""CREATE TABLE t AS SELECT * FROM (VALUES
        ('@kelechek.zholu: #выборы2026 https://x.kg/a?b=1. пишите на a.b@mail.ru, www.akipress.org', NULL)
        ) v(text_norm, link)""")
    urls, domains, tags, mentions = con.execute(f"SELECT {_extractions()} FROM t s").fetchall()[0]
    assert tags == ["выборы2026"]
    assert mentions == ["kelechek.zholu"]  # not "kelechek"; the e-mail gives no mention
    assert urls == ["https://x.kg/a?b=1"] and domains == ["x.kg"]


def test_mention_parts_and_time_endings_are_not_words(ws):
    found = _terms(ws, stop_words=False)
    assert "zholu" not in found and "kelechek" not in found
    assert "гө" not in found and "00гө" not in found


def test_terms_count_hashtags_as_kwic_finds_them(ws):
    found = _terms(ws, kinds=("hashtag",))
    assert found == {"#выборы2026": (2, 2)}
    hits = kwic(ws, "#выборы2026").table.to_pylist()
    assert [h["keyword"] for h in hits] == ["#выборы2026", "#Выборы2026"]


@pytest.mark.parametrize("query,keywords", [
    ("@kelechek.zholu", ["@kelechek.zholu", "@kelechek.zholu"]),
    ("covid-19", ["covid-19"]),
    ("сирия", ["Сирия"]),  # not сырая, сырьем (ы and и are different letters)
    ("россия", ["Россия", "России"]),  # not россиян/россияне: another stem's words
])
def test_kwic_matching_rules(ws, query, keywords):
    assert [h["keyword"] for h in kwic(ws, query).table.to_pylist()] == keywords


def test_kwic_nothing_found_says_why_and_exits_0(ws):
    path = str(ws.path)
    ws.close()
    r = CliRunner().invoke(app, ["kwic", "сирии", "-w", path, "--all", "-f", "csv"])
    assert r.exit_code == 0, r.output
    assert "No selected post contains 'сирии'" in r.stderr and "сирия" in r.stderr
    assert r.stdout.strip() == "post_id,platform,created_at,local_time,url,left,keyword,right"


def test_platform_noise_words_are_stopwords_on_their_platform_only(ws):
    found = _terms(ws)
    assert "rt" in found and found["rt"] == (1, 1)  # the facebook post's own word; X's "RT" is noise
    assert "via" not in found and "forwarded" not in found
    assert "rt" in _terms(ws, stop_words=False) and _terms(ws, stop_words=False)["rt"][0] == 3


def test_ngrams_stop_at_a_no_break_space_after_a_full_stop(ws):
    grams = {r["term"] for r in ngrams(ws, None, TextOptions(stem=False), n=2, top=0, min_count=1).table.to_pylist()}
    assert "красный флаг" in grams and "флаг синий" not in grams


def test_min_length_one_reproduces_tm_word_lengths(tmp_path):
    """R tm: tm_map(tolower, removePunctuation); TermDocumentMatrix(control = list(wordLengths =
    c(1, Inf))) counts я 2 (2 docs), в 2 (2), и 1, ты 1, бишкеке 1, оше 1 (checked by hand)."""
    w = make_workspace(tmp_path / "tm", [("vk", "Я и ты в Бишкеке.", "2021-01-04"), ("vk", "Я в Оше!", "2021-01-05")])
    opts = TextOptions(language="ru", stop_words=False, stem=False, min_chars=1)
    got = {r["term"]: (r["count"], r["support"]) for r in terms(w, None, opts, top=0).table.to_pylist()}
    assert got == {"я": (2, 2), "в": (2, 2), "и": (1, 1), "ты": (1, 1), "бишкеке": (1, 1), "оше": (1, 1)}
    default = {r["term"] for r in terms(w, None, TextOptions(language="ru", stop_words=False, stem=False),
                                        top=0).table.to_pylist()}
    assert default == {"ты", "бишкеке", "оше"}  # default 2: one-letter words dropped
    w.close()


def test_min_length_option_on_every_counting_command(ws):
    path = str(ws.path)
    ws.close()
    for cmd in (["terms"], ["ngrams"], ["assoc", "шайлоо"], ["clusters", "-k", "1"]):
        r = CliRunner().invoke(app, [*cmd, "-w", path, "--all", "--min-length", "1", "-f", "csv"])
        assert r.exit_code == 0, (cmd, r.output)
    bad = CliRunner().invoke(app, ["terms", "-w", path, "--all", "--min-length", "0"])
    assert bad.exit_code == 1 and "--min-length" in bad.output


def test_token_cache_follows_edited_and_deleted_posts(ws):
    from shailoo.text.post_tokens import ensure_post_tokens

    assert ensure_post_tokens(ws.con) == len(POSTS)
    assert ensure_post_tokens(ws.con) == 0  # cached
    ws.con.execute("UPDATE posts SET text_norm = 'Жаңы текст' WHERE post_id = 1")
    ws.con.execute("DELETE FROM posts WHERE post_id = 2")
    assert ensure_post_tokens(ws.con) == 1
    rows = dict(ws.con.execute("SELECT post_id, toks FROM post_tokens").fetchall())
    assert rows[1] == ["жаңы", "текст"] and 2 not in rows


def test_kwic_shows_times_in_the_workspace_zone(tmp_path):
    """Issue #10: kwic printed UTC times; it gives the workspace's local time beside them."""
    from datetime import timedelta

    from shailoo.analysis.text_kwic import kwic
    from shailoo.store.workspace import init_workspace
    from shailoo.store.loader import import_file
    from tests.conftest import DATA

    ws = init_workspace(tmp_path / "ws")  # Asia/Bishkek, UTC+6
    import_file(ws, DATA / "telegram_desktop" / "channel.json")
    word = ws.con.execute("SELECT unnest(regexp_extract_all(lower(text), '[а-яё]{5,}')) FROM posts LIMIT 1").fetchone()[0]
    rows = kwic(ws, word).table.to_pylist()
    assert rows and all(r["local_time"] == (r["created_at"] + timedelta(hours=6)).replace(tzinfo=None) for r in rows)

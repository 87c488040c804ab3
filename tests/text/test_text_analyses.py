"""Analyses on tiny workspaces with hand-computed expectations."""

from __future__ import annotations

import pytest

from shailoo.analysis.filters import PostFilter
from shailoo.analysis.text_assoc import assoc
from shailoo.analysis.text_clusters import clusters
from shailoo.analysis.text_kwic import kwic, parse_query
from shailoo.analysis.text_ngrams import ngrams
from shailoo.analysis.text_report import text_report_sections
from shailoo.analysis.text_terms import terms
from shailoo.analysis.text_topics import topics
from shailoo.errors import UsageError
from shailoo.text.pipeline import TextOptions

from text_fixtures import make_workspace

EN = TextOptions(language="en", stem=False)


def _ws(tmp_path, texts, platform="facebook"):
    return make_workspace(tmp_path / "w", [(platform, t, "2021-02-01") for t in texts])


def test_count_and_support_by_platform(text_ws):
    rows = terms(text_ws, by="platform", top=2).table.to_pylist()
    assert rows[0] == {"group": "facebook", "term": "работа", "count": 4, "support": 3}  # работа×2, работу, рабoта
    assert {"group": "vk", "term": "кыргыздар", "count": 2, "support": 2} in rows  # Kyrgyz stemmer


def test_filters_apply(text_ws):
    rows = terms(text_ws, PostFilter(platform="ok"), top=0).table.to_pylist()
    assert {r["term"] for r in rows} >= {"сайлауда", "xalqimiz"} and "работа" not in {r["term"] for r in rows}


def test_no_stopwords_and_no_stem(text_ws):
    rows = terms(text_ws, options=TextOptions(stop_words=False, stem=False), top=0).table.to_pylist()
    got = {r["term"]: r["count"] for r in rows}
    assert got["работа"] == 3 and got["работу"] == 1 and got["для"] == 1  # рабoта folded into работа


def test_language_note_never_silent(tmp_path):
    # Tajik: recognised as tg (a neighbour shailoo names), which has no stemmer or stopword list
    ws = _ws(tmp_path, ["Муҳтарам аъзои Маҷлиси миллӣ ва вакилони", "Human rights matter"])
    r = terms(ws)
    assert "1 post(s) in languages with no stemmer or stopword list (tg 1)" in r.note
    forced = terms(ws, options=TextOptions(language="ru"))
    assert "processed as 'ru'" in forced.note
    with pytest.raises(UsageError):
        TextOptions(language="tj")


def test_ngrams_never_span_a_sentence(tmp_path):
    ws = _ws(tmp_path, ["alpha beta. gamma delta", "alpha beta gamma!"])
    rows = ngrams(ws, options=EN, n=2, top=0).table.to_pylist()
    assert rows == [{"term": "alpha beta", "count": 2, "support": 2},
                    {"term": "beta gamma", "count": 1, "support": 1},
                    {"term": "gamma delta", "count": 1, "support": 1}]
    tri = ngrams(ws, options=EN, n=3, top=0).table.to_pylist()
    assert tri == [{"term": "alpha beta gamma", "count": 1, "support": 1}]


def test_ngrams_skip_stopwords_like_tm(text_ws):
    rows = ngrams(text_ws, n=2, top=0).table.to_pylist()
    assert {"term": "human rights", "count": 2, "support": 1} in rows
    assert "москве работа" not in {r["term"] for r in rows}  # "в Москве. Работа" crosses a full stop


def test_collocations(tmp_path):
    ws = _ws(tmp_path, ["human rights matter", "human rights defenders", "free press", "free rights"])
    rows = ngrams(ws, options=EN, n=2, measure="llr", min_count=2).table.to_pylist()
    assert [r["term"] for r in rows] == ["human rights"] and rows[0]["llr"] > 0
    with pytest.raises(UsageError):
        ngrams(ws, options=EN, n=3, measure="llr")


def test_assoc_matches_a_hand_computation(tmp_path):
    # apple = [1,1,0,1,0], banana = [1,2,0,0,0] over 5 posts (the last has no terms):
    # r = (5*3 - 3*3) / sqrt((5*3 - 9) * (5*5 - 9)) = 6 / sqrt(96) = 0.612
    ws = _ws(tmp_path, ["apple banana", "apple banana banana", "cherry", "apple cherry", "the and"])
    assert assoc(ws, "apple", options=EN, min_cor=0.2).table.to_pylist() == [{"term": "banana", "cor": 0.61}]
    assert assoc(ws, "apple", options=EN, min_cor=0.62).table.num_rows == 0
    with pytest.raises(UsageError):
        assoc(ws, "durian", options=EN)


def test_clusters_find_obvious_groups(tmp_path):
    texts = ["apple banana cherry", "banana cherry apple fruit", "cherry apple banana",
             "tank rocket missile", "missile tank rocket army", "rocket missile tank"]
    ws = _ws(tmp_path, texts)
    r = clusters(ws, options=EN, k=2, min_df=1)
    assert r.table.to_pylist()[0]["size"] == 3 and r.table.column("size").to_pylist() == [3, 3]
    assert r.details.column("cluster").to_pylist() == [1, 1, 1, 2, 2, 2]
    assert set(r.table.to_pylist()[1]["top_words"].split(", ")[:3]) == {"tank", "rocket", "missile"}
    sampled = clusters(ws, options=EN, k=2, min_df=1, max_exact=4)
    assert sampled.details.column("cluster").to_pylist() == [1, 1, 1, 2, 2, 2]
    assert "random sample of 4 of 6 posts" in sampled.note


def test_kwic_expands_stems_and_scripts(text_ws):
    hits = kwic(text_ws, "kyrgyz").table.to_pylist()
    assert [(h["post_id"], h["keyword"]) for h in hits] == [(1, "кыргызов"), (3, "Кыргыздар"), (4, "Кыргыздар")]
    assert hits[0]["url"] == "https://facebook.example/p1" and hits[0]["right"].startswith(", зарплата")
    q = kwic(text_ws, '"human rights" OR (работа AND NOT повар)').table
    assert sorted(set(q.column("post_id").to_pylist())) == [1, 7, 8]
    assert kwic(text_ws, "kyrgyz", translit=False).table.num_rows == 0
    with pytest.raises(UsageError):
        parse_query("(work OR")


def test_topics_by_week(text_ws):
    rows = topics(text_ws, by="week").table.to_pylist()
    work = {r["group"]: r["posts"] for r in rows if r["topic"] == "work"}
    assert work == {"2021-01-04": 2, "2021-01-11": 2}  # posts 1, 2 | posts 4, 8


def test_workspace_stopwords_extend_the_list(text_ws):
    from shailoo.text.stopwords import add_stopwords

    assert add_stopwords(text_ws.con, "ru", ["Зарплата", "и"]) == 1  # "и" is already shipped
    assert "зарплата" not in {r["term"] for r in terms(text_ws, top=0).table.to_pylist()}


def test_report_sections(text_ws):
    sections = text_report_sections(text_ws, k=2)
    assert [s["id"] for s in sections] == ["text-languages", "text-terms", "text-ngrams", "text-key-terms",
                                           "text-topics", "text-clusters"]
    key = sections[3]
    assert len(key["tables"]) == 4  # associations of the 3 top terms, then the top term in context
    assert key["tables"][0].column_names == ["term", "cor"]
    assert key["tables"][3].num_rows > 0 and "keyword" in key["tables"][3].column_names
    for s in sections:
        assert s["title"] and len(s["tables"]) == len(s["captions"])


def test_sample_option_limits_posts_and_says_so(text_ws):
    from shailoo.text.pipeline import Corpus, TextOptions

    full = Corpus.from_workspace(text_ws, None, TextOptions())
    assert full.n_docs > 3
    sampled = Corpus.from_workspace(text_ws, None, TextOptions(sample=3))
    assert sampled.n_docs == 3
    assert text_ws.con.execute("SELECT count(DISTINCT post_id) FROM _docs").fetchone()[0] == 3
    assert any("sample of 3" in n for n in sampled.notes)
    first = sorted(r[0] for r in text_ws.con.execute("SELECT DISTINCT post_id FROM _docs").fetchall())
    Corpus.from_workspace(text_ws, None, TextOptions(sample=3))  # the same posts every time
    again = sorted(r[0] for r in text_ws.con.execute("SELECT DISTINCT post_id FROM _docs").fetchall())
    assert first == again


def test_a_mixed_post_goes_through_its_main_languages_pipeline(tmp_path):
    text = ("Сегодня в Бишкеке прошёл большой митинг сторонников кандидата в президенты. "
            "Бүгүн Бишкекте талапкердин тарапкерлеринин чоң митинги өттү.")
    ws = _ws(tmp_path, [text])
    r = terms(ws)
    [(lang,)] = ws.con.execute("SELECT lang FROM post_language").fetchall()
    assert set(lang.split("+")) == {"ru", "ky"}
    assert "no stemmer" not in (r.note or "")  # processed as its main language, not left unstemmed

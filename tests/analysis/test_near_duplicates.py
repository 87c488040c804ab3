"""Near-duplicate texts (MinHash on 3-word shingles of the tokeniser's tokens): threshold behaviour."""

from __future__ import annotations

import duckdb
import pytest

from shailoo.analysis.near_duplicates import NearDuplicateParams, choose_bands, near_duplicates
from shailoo.errors import UsageError
from shailoo.text.tokens import token_sql

BASE = "один два три четыре пять шесть семь восемь девять десять одиннадцать двенадцать тринадцать"


def _clusters(texts, **kw) -> dict[int, int]:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (post_id BIGINT, text VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(texts, start=1)))
    out = near_duplicates(con, f"SELECT post_id, {token_sql('text')} AS toks FROM t", NearDuplicateParams(**kw))
    return {r["post_id"]: r["cluster"] for r in out.to_pylist()}


def test_exact_after_normalisation():
    c = _clusters(["Мы за Азамата! Голосуем 15 марта", "мы за азамата голосуем 15 марта 👍 https://x.kg/?a=1",
                   "МЫ ЗА АЗАМАТА — голосуем 15 марта!!!", "Спасибо", "Спасибо"])
    assert c == {1: 1, 2: 1, 3: 1}  # one-word texts are never duplicates (min_exact_words 3)


@pytest.mark.parametrize("threshold, joined", [(0.8, True), (0.9, False)])
def test_threshold(threshold, joined):
    # The last word changed: 10 of the 11 shingles of each are shared (Jaccard 10/12 = 0.83).
    changed = BASE.rsplit(" ", 1)[0] + " четырнадцать"
    c = _clusters([BASE, changed, "совсем другой текст о погоде в бишкеке завтра утром и вечером"], threshold=threshold)
    assert (c.get(1) is not None and c.get(1) == c.get(2)) is joined
    assert 3 not in c


def test_short_texts_only_exactly():
    c = _clusters(["раз два три четыре пять", "раз два три четыре шесть"], min_words=6)
    assert c == {}
    c = _clusters(["раз два три четыре пять", "раз два три четыре шесть"], min_words=3, threshold=0.4)
    assert c == {1: 1, 2: 1}  # 2 of 4 shingles shared when short texts are let in: J = 0.5 (estimated ± 0.05)


def test_many_copies_one_cluster_and_parameters():
    texts = [BASE + f" вариант{i % 3}" for i in range(200)] + [f"уникальный текст номер {i} про разное " * 2 for i in range(50)]
    c = _clusters(texts)
    assert len({c[i] for i in range(1, 201)}) == 1 and all(i not in c for i in range(201, 251))
    assert choose_bands(0.8, 96) == (16, 6)
    for bad in (dict(threshold=0), dict(threshold=1.5), dict(shingle_size=0), dict(min_words=2)):
        with pytest.raises(UsageError):
            NearDuplicateParams(**bad).check()

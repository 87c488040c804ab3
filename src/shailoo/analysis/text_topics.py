"""Dictionary topic tagging: posts per topic (seeds/000 categories) by platform, week or
another grouping. A post counts once per topic it carries; `share` is its fraction of the
group's posts."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from shailoo.text.pipeline import Corpus, TextOptions, TextResult
from shailoo.text.tokens import word_list_sql
from shailoo.text.topics import load_topics, topics_of_words


def topic_dictionary(ws, dictionary: str | Path | None = None):
    """The topics in use: an explicit file, else the workspace's topics.yaml, else the shipped one."""
    if dictionary is None and ws is not None and (Path(ws.path) / "topics.yaml").is_file():
        dictionary = Path(ws.path) / "topics.yaml"
    return load_topics(dictionary)


def topics(ws, post_filter=None, by: str = "platform", dictionary: str | Path | None = None) -> TextResult:
    """Count posts per topic and group."""
    corpus = Corpus.from_workspace(ws, post_filter, TextOptions(language="ru"), by=by)
    corpus.notes = []  # topic dictionaries hold every language: no per-language pipeline here
    return TextResult(topic_table(corpus, topic_dictionary(ws, dictionary)), [])


def topic_table(corpus: Corpus, topic_list) -> pa.Table:
    """Columns group, topic, label, posts, share."""
    con = corpus.con
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _tw AS SELECT DISTINCT grp, post_id, w FROM (
        SELECT grp, post_id, unnest({word_list_sql('text')}) AS w FROM _docs)""")
    words = con.sql("SELECT DISTINCT w FROM _tw").to_arrow_table().column(0).to_pylist()
    pairs = topics_of_words(words, topic_list)
    con.register("_topic_words", pa.table({"w": [w for w, _ in pairs], "topic": [t for _, t in pairs]},
                                          schema=pa.schema([("w", pa.string()), ("topic", pa.string())])))
    labels = pa.table({"topic": [t.name for t in topic_list], "label": [t.label for t in topic_list],
                       "ord": list(range(len(topic_list)))})
    con.register("_topic_labels", labels)
    out = con.sql("""
        WITH g AS (SELECT grp, count(DISTINCT post_id) AS n FROM _docs GROUP BY grp),
             t AS (SELECT DISTINCT d.grp, d.post_id, tw.topic FROM _tw d JOIN _topic_words tw USING (w))
        SELECT t.grp AS "group", t.topic, l.label, count(*)::BIGINT AS posts, round(count(*) / any_value(g.n), 4) AS share
        FROM t JOIN g USING (grp) JOIN _topic_labels l USING (topic)
        GROUP BY t.grp, t.topic, l.label, l.ord ORDER BY t.grp, l.ord""").to_arrow_table()
    con.unregister("_topic_words")
    con.unregister("_topic_labels")
    return out

"""Dictionary topic tagging: posts per topic (seeds/000 categories) by platform, week or
another grouping. A post counts once per topic it carries; `share` is its fraction of the
group's posts."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from shailoo.text.pipeline import Corpus, TextOptions, TextResult, group_sql
from shailoo.text.tokens import kind_of
from shailoo.text.topics import load_topics, topics_of_words


def topic_dictionary(ws, dictionary: str | Path | None = None):
    """The topics in use: an explicit file, else the workspace's topics.yaml, else the shipped one."""
    if dictionary is None and ws is not None and (Path(ws.path) / "topics.yaml").is_file():
        dictionary = Path(ws.path) / "topics.yaml"
    return load_topics(dictionary)


def topics(ws, post_filter=None, by: str = "platform", dictionary: str | Path | None = None) -> TextResult:
    """Count posts per topic and group."""
    return topics_by(ws, post_filter, [by], dictionary)[0]


def topics_by(ws, post_filter=None, bys: list[str] = ("platform",),
              dictionary: str | Path | None = None) -> list[TextResult]:
    """Count posts per topic for several groupings, tagging each post's words once."""
    for by in bys:
        group_sql(by)  # a clear error for an unknown grouping, before any work
    # Topic dictionaries hold every language: one pipeline, no per-language notes.
    corpus = Corpus.from_workspace(ws, post_filter, TextOptions(language="ru"))
    return [TextResult(t, []) for t in count_topics(corpus, topic_dictionary(ws, dictionary), bys)]


def count_topics(corpus: Corpus, topic_list, bys) -> list[pa.Table]:
    """Posts per topic and share of the group's posts over a corpus, one table per grouping in `bys`
    (each post's words are tagged once for all of them)."""
    _tag_posts(corpus, topic_list)
    con = corpus.con
    labels = pa.table({"topic": [t.name for t in topic_list], "label": [t.label for t in topic_list],
                       "ord": list(range(len(topic_list)))})
    con.register("_topic_labels", labels)
    try:
        return [_count(con, by) for by in bys]
    finally:
        con.unregister("_topic_labels")


def _tag_posts(corpus: Corpus, topic_list) -> None:
    """Temp table _post_topics(post_id, topic). Two passes over the words instead of materialising
    every (post, word): the first finds the vocabulary, the second keeps only topic words."""
    con = corpus.con
    tokens = f"SELECT d.post_id, unnest(t.toks) AS w FROM _docs d JOIN {corpus.tokens_table} t USING (post_id)"
    words = [w for w in con.sql(f"SELECT DISTINCT w FROM ({tokens})").to_arrow_table().column(0).to_pylist()
             if kind_of(w) == "word"]
    pairs = topics_of_words(words, topic_list)
    con.register("_topic_words", pa.table({"w": [w for w, _ in pairs], "topic": [t for _, t in pairs]},
                                          schema=pa.schema([("w", pa.string()), ("topic", pa.string())])))
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _post_topics AS
            SELECT DISTINCT d.post_id, tw.topic
            FROM ({tokens}) d JOIN _topic_words tw USING (w)""")
    finally:
        con.unregister("_topic_words")


def _count(con, by: str) -> pa.Table:
    """Columns group, topic, label, posts, share for one grouping of the tagged posts."""
    if by == "language":
        groups = "SELECT post_id, lang AS grp FROM _docs"
    else:
        expr, join = group_sql(by)
        groups = f"SELECT p.post_id, {expr} AS grp FROM posts_v p {join} JOIN _docs d ON d.post_id = p.post_id"
    return con.sql(f"""
        WITH grp AS ({groups}),
             g AS (SELECT grp, count(DISTINCT post_id) AS n FROM grp GROUP BY grp),
             t AS (SELECT DISTINCT grp.grp, pt.post_id, pt.topic FROM _post_topics pt JOIN grp USING (post_id))
        SELECT t.grp AS "group", t.topic, l.label, count(*)::BIGINT AS posts, round(count(*) / any_value(g.n), 4) AS share
        FROM t JOIN g USING (grp) JOIN _topic_labels l USING (topic)
        GROUP BY t.grp, t.topic, l.label, l.ord ORDER BY t.grp, l.ord""").to_arrow_table()

"""The text sections of the report: languages, word frequencies per platform, frequent
two-word terms and collocations, topics per platform and week, clusters of posts.

Each section is a dict: `id`, `title`, `tables` (pyarrow Tables), `captions` (one per
table), `charts` (hints: which table to draw as bars) and `notes` (what the reader must
know, e.g. posts whose language has no stemmer).
"""

from __future__ import annotations

from shailoo.errors import UsageError
from shailoo.text.pipeline import TextOptions


def text_report_sections(ws, post_filter=None, options: TextOptions | None = None, top: int = 20,
                         k: int = 11) -> list[dict]:
    """Compute every text section of the report for the filtered posts."""
    from shailoo.analysis.text_clusters import clusters
    from shailoo.analysis.text_ngrams import ngrams
    from shailoo.analysis.text_terms import terms
    from shailoo.analysis.text_topics import topics

    options = options or TextOptions()
    sections = [_languages(ws, post_filter)]

    t = terms(ws, post_filter, options, by="platform", top=top)
    sections.append(_section("text-terms", "Word frequencies per platform", [t.table],
                             [f"The {top} most frequent terms of each platform: count is occurrences, "
                              "support is posts containing the term."], t.notes,
                             [{"table": 0, "kind": "bar", "x": "term", "y": "count", "facet": "group"}]))

    bi = ngrams(ws, post_filter, options, n=2, top=top)
    col = ngrams(ws, post_filter, options, n=2, top=top, measure="llr", min_count=3)
    sections.append(_section("text-ngrams", "Frequent two-word terms", [bi.table, col.table],
                             ["Most frequent two-word terms (within sentences, stopwords removed).",
                              "Collocations: two-word terms seen 3+ times ranked by log-likelihood (G²)."], bi.notes))

    by_platform = topics(ws, post_filter, by="platform")
    by_week = topics(ws, post_filter, by="week")
    sections.append(_section("text-topics", "Topics", [by_platform.table, by_week.table],
                             ["Posts per topic and platform (dictionary tagging).", "Posts per topic and week."], [],
                             [{"table": 1, "kind": "line", "x": "group", "y": "posts", "series": "topic"}]))

    try:
        cl = clusters(ws, post_filter, options, k=k)
        sections.append(_section("text-clusters", f"Clusters of posts (Ward, k={k})", [cl.table],
                                 ["Size and top words (highest mean TF-IDF) of each cluster."], cl.notes))
    except UsageError as exc:
        sections.append(_section("text-clusters", "Clusters of posts", [], [], [f"Not computed: {exc}"]))
    return sections


def _languages(ws, post_filter) -> dict:
    from shailoo.analysis.filters import PostFilter
    from shailoo.text.post_language import ensure_post_language

    ensure_post_language(ws.con)
    where, params = (post_filter or PostFilter()).where(ws)
    table = ws.con.sql(f"""SELECT l.lang, count(*)::BIGINT AS posts, round(avg(l.confidence), 3) AS mean_confidence
        FROM posts_v p JOIN post_language l USING (post_id) WHERE {where} GROUP BY l.lang ORDER BY posts DESC""",
                       params=params).to_arrow_table()
    return _section("text-languages", "Languages of posts", [table],
                    ["Posts per identified language (shailoo's own identifier; see docs/text.md)."], [])


def _section(sid, title, tables, captions, notes, charts=None) -> dict:
    return {"id": sid, "title": title, "tables": tables, "captions": captions, "charts": charts or [],
            "notes": list(notes)}

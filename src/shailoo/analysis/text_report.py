"""The text sections of the report: languages, word frequencies per platform, frequent
two-word terms and collocations, topics per platform and week, clusters of posts.

Each section is a dict: `id`, `title`, `tables` (pyarrow Tables), `captions` (one per
table), `charts` (hints: which table to draw as bars), `notes` (what the reader must
know, e.g. posts whose language has no stemmer) and `limits` (per table, how many rows the
HTML shows of a longer table: the report says "15 of 46" and its CSV has every row).
"""

from __future__ import annotations

from shailoo.errors import UsageError
from shailoo.text.pipeline import TextOptions


REPORT_SAMPLE = 100_000
ASSOC_SHOWN = 15      # association rows shown per term; the CSV has them all
KWIC_SHOWN = 20       # hits shown in context
KWIC_CSV = 1_000      # hits kept in the CSV (a frequent term can have hundreds of thousands)


def text_report_sections(ws, post_filter=None, options: TextOptions | None = None, top: int = 20,
                         k: int = 11) -> list[dict]:
    """Compute every text section of the report for the filtered posts."""
    from shailoo.analysis.text_clusters import clusters
    from shailoo.analysis.text_ngrams import ngrams
    from shailoo.analysis.text_terms import terms
    from shailoo.analysis.text_topics import topics_by

    # Word statistics of a very large selection come from a fixed sample (each section says so);
    # languages and topic counts stay exact.
    options = options or TextOptions(sample=REPORT_SAMPLE)
    sections = [_languages(ws, post_filter)]

    t = terms(ws, post_filter, options, by="platform", top=top)
    sections.append(_section("text-terms", "Word frequencies per platform", [t.table],
                             [f"The {top} most frequent terms of each platform: count is occurrences, "
                              "support is posts containing the term."], t.notes,
                             [{"table": 0, "kind": "bar", "x": "term", "y": "count", "facet": "group"}]))

    bi = ngrams(ws, post_filter, options, n=2, top=top)
    col = ngrams(ws, post_filter, options, n=2, top=top, measure="llr", min_count=3)
    sections.append(_section("text-ngrams", "Frequent two-word terms", [bi.table, col.table],
                             [f"The {top} most frequent two-word terms (within sentences, stopwords removed).",
                              f"Collocations: the {top} two-word terms seen 3+ times ranked highest by log-likelihood (G²)."],
                             bi.notes))

    sections.append(_key_terms(ws, post_filter, options))

    by_platform, by_week = topics_by(ws, post_filter, ["platform", "week"])
    sections.append(_section("text-topics", "Topics", [by_platform.table, by_week.table],
                             ["Posts per topic and platform (dictionary tagging).", "Posts per topic and week."], [],
                             [{"table": 1, "kind": "line", "x": "group", "y": "posts", "series": "topic"}]))

    try:
        cl = clusters(ws, post_filter, options, k=k)
        sections.append(_section("text-clusters", f"Clusters of posts (Ward, k={k})", [cl.table],
                                 ["Size and top words (highest mean TF-IDF) of each cluster."], cl.notes,
                                 [{"table": 0, "kind": "bar", "x": "cluster", "y": "size"}]))
    except UsageError as exc:
        sections.append(_section("text-clusters", "Clusters of posts", [], [], [f"Not computed: {exc}"]))
    return sections


def _key_terms(ws, post_filter, options: TextOptions, n_terms: int = 3, min_cor: float = 0.2) -> dict:
    """Associations (findAssocs) of the most frequent terms, and the first hits of the top term in context."""
    from shailoo.analysis.text_assoc import assoc_table
    from shailoo.analysis.text_kwic import kwic
    from shailoo.analysis.text_terms import term_table
    from shailoo.text.pipeline import Corpus

    corpus = Corpus.from_workspace(ws, post_filter, options)
    top = term_table(corpus, top=n_terms, grouped=False, with_key=True)
    tables, captions, limits = [], [], []
    for shown, key in zip(top["term"].to_pylist(), top["key"].to_pylist()):
        tables.append(assoc_table(corpus, key, min_cor, top=0))  # every association: the CSV has them all
        limits.append(ASSOC_SHOWN)
        captions.append(f"Terms associated with “{shown}” (Pearson r ≥ {min_cor:.2f} across posts, as R tm findAssocs; "
                        f"`shailoo assoc {shown}`).")
    if top.num_rows:
        shown = top["term"][0].as_py()
        hits = kwic(ws, shown, post_filter, options, top=KWIC_CSV + 1)
        table = hits.table.select(["created_at", "platform", "left", "keyword", "right", "url"])
        more = table.num_rows > KWIC_CSV
        tables.append(table.slice(0, KWIC_CSV))
        limits.append(KWIC_SHOWN)
        captions.append(f"Occurrences of “{shown}” in context, with links"
                        + (f" (the first {KWIC_CSV:,} hits are in the CSV; `shailoo kwic {shown}` lists every hit)."
                           if more else f" (`shailoo kwic {shown}`)."))
    return _section("text-key-terms", "Key terms: associations and context", tables, captions, corpus.notes,
                    limits=limits)


def _languages(ws, post_filter) -> dict:
    from shailoo.analysis.filters import PostFilter
    from shailoo.text.post_language import ensure_post_language

    ensure_post_language(ws.con)
    where, params = (post_filter or PostFilter()).where(ws)
    table = ws.con.sql(f"""SELECT l.lang, count(*)::BIGINT AS posts, round(avg(l.confidence), 3) AS mean_confidence
        FROM posts_v p JOIN post_language l USING (post_id) WHERE {where} GROUP BY l.lang ORDER BY posts DESC""",
                       params=params).to_arrow_table()
    return _section("text-languages", "Languages of posts", [table],
                    ["Posts per identified language (shailoo's own identifier; see docs/text.md)."], [],
                    [{"table": 0, "kind": "bar", "x": "lang", "y": "posts"}])


def _section(sid, title, tables, captions, notes, charts=None, limits=None) -> dict:
    return {"id": sid, "title": title, "tables": tables, "captions": captions, "charts": charts or [],
            "notes": list(notes), "limits": list(limits or [])}

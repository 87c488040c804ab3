"""The text analyses of the report: languages, topics per platform and week, key terms (their
associations and occurrences in context), word frequencies per platform, frequent two-word terms
and collocations, clusters of posts.

`text_report(ws, post_filter, key_terms=..., topic=...)` returns plain tables (the report turns
them into sections in the reader's language). Word statistics of a large selection come from one
fixed sample of REPORT_SAMPLE posts, tokenised once and shared by every analysis (a corpus per
analysis cost 0.5 s each on a million posts); languages and topic counts stay exact.

Key terms are the team's list, else the most frequent words of one topic of the topic
dictionary (politics and elections by default), never simply the most frequent words.
"""

from __future__ import annotations

import pyarrow as pa

from shailoo.errors import UsageError
from shailoo.text.pipeline import TextOptions

REPORT_SAMPLE = 100_000
ASSOC_CSV = 200       # associations kept per key term
KWIC_CSV = 1_000      # hits kept in the CSV (a frequent term can have hundreds of thousands)
N_KEY_TERMS = 3


def text_report(ws, post_filter=None, key_terms: list[str] | None = None, topic: str = "politics_elections",
                top: int = 20, k: int = 11, progress=None) -> dict:
    """Compute every text table of the report for the filtered posts."""
    from shailoo.analysis.text_clusters import cluster_corpus
    from shailoo.analysis.text_ngrams import ngram_table
    from shailoo.analysis.text_terms import term_table
    from shailoo.analysis.text_topics import topic_dictionary, topics_by
    from shailoo.text.pipeline import Corpus

    step = progress or (lambda _stage: None)
    out: dict = {}
    step("languages")
    out["languages"] = _languages(ws, post_filter)
    step("topics")
    by_platform, by_week = topics_by(ws, post_filter, ["platform", "week"])
    out["topics_platform"], out["topics_week"] = by_platform.table, by_week.table

    step("words")
    options = TextOptions(sample=REPORT_SAMPLE)
    corpus = Corpus.from_workspace(ws, post_filter, options, by="platform")
    out["sample"] = corpus.n_docs
    out["selected"] = _selected(ws, post_filter)
    out["terms"] = term_table(corpus, top, grouped=True)
    step("key terms")
    topic_list = topic_dictionary(ws)
    out["key_terms"], out["key_terms_missing"] = _key_terms(ws, post_filter, corpus, key_terms, topic, topic_list)
    out["key_terms_source"] = "list" if key_terms else topic
    step("clusters")
    try:
        out["clusters"] = cluster_corpus(corpus, k=k).table
    except UsageError as exc:
        out["clusters"], out["clusters_error"] = None, str(exc)
    step("n-grams")
    # n-grams rebuild the corpus's vocabulary from sentence tokens: they come last.
    out["ngrams"] = ngram_table(corpus, 2, top)
    out["collocations"] = ngram_table(corpus, 2, top, measure="llr", min_count=3)
    return out


def _selected(ws, post_filter) -> int:
    from shailoo.analysis.filters import PostFilter

    where, params = (post_filter or PostFilter()).where(ws)
    return ws.con.execute(f"SELECT count(*) FROM posts_v WHERE {where}", params).fetchall()[0][0]


def _topic_terms(corpus, topic: str, topic_list, n: int) -> list[str]:
    """The `n` most frequent terms (stems) of the sample whose words belong to `topic`."""
    from shailoo.text.topics import topics_of_words

    chosen = [t for t in topic_list if t.name == topic]
    if not chosen:
        return []
    con = corpus.con
    surfaces = [r[0] for r in con.execute("SELECT DISTINCT surface FROM _vocab WHERE surface IS NOT NULL").fetchall()]
    matched = sorted({w for w, _ in topics_of_words(surfaces, chosen)})
    if not matched:
        return []
    con.register("_kt_words", pa.table({"surface": pa.array(matched, pa.string())}))
    try:
        rows = con.execute(f"""SELECT v.term, count(DISTINCT t.post_id) AS support
            FROM _tok t JOIN _vocab v USING (lang, tok) JOIN _kt_words w ON w.surface = v.surface
            GROUP BY v.term ORDER BY support DESC, v.term LIMIT {int(n)}""").fetchall()
    finally:
        con.unregister("_kt_words")
    return [r[0] for r in rows]


def _key_terms(ws, post_filter, corpus, wanted, topic, topic_list) -> tuple[list[dict], list[str]]:
    """Per key term: posts containing it (in the sample), its associations, its first hits in context."""
    from shailoo.analysis.text_assoc import assoc_table, resolve_term
    from shailoo.analysis.text_kwic import kwic
    from shailoo.text.pipeline import post_terms

    post_terms(corpus)
    con = corpus.con
    terms = list(wanted or []) or _topic_terms(corpus, topic, topic_list, N_KEY_TERMS)
    found, missing = [], []
    for word in terms:
        try:
            key = resolve_term(corpus, word)
        except UsageError:
            missing.append(word)
            continue
        shown, support = con.execute("""SELECT d.display, (SELECT count(DISTINCT t.post_id) FROM _tok t
            JOIN _vocab v USING (lang, tok) WHERE v.term = $k) FROM _terms d WHERE d.term = $k""", {"k": key}).fetchall()[0]
        found.append({"term": word if wanted else shown, "key": key, "support": support,
                      "assoc": assoc_table(corpus, key, 0.2, top=ASSOC_CSV)})
    # kwic builds its own corpus: run it after the shared one has served every association.
    for item in found:
        hits = kwic(ws, item["term"], post_filter, TextOptions(sample=REPORT_SAMPLE), top=KWIC_CSV + 1).table
        item["more"] = hits.num_rows > KWIC_CSV
        item["kwic"] = hits.slice(0, KWIC_CSV).select(["created_at", "platform", "left", "keyword", "right", "url"])
    return found, missing


def _languages(ws, post_filter) -> pa.Table:
    from shailoo.analysis.filters import PostFilter
    from shailoo.text.post_language import ensure_post_language

    ensure_post_language(ws.con)
    where, params = (post_filter or PostFilter()).where(ws)
    return ws.con.sql(f"""SELECT l.lang, count(*)::BIGINT AS posts, round(avg(l.confidence), 3) AS mean_confidence
        FROM posts_v p JOIN post_language l USING (post_id) WHERE {where} GROUP BY l.lang ORDER BY posts DESC""",
                      params=params).to_arrow_table()


def text_report_sections(ws, post_filter=None, options: TextOptions | None = None, top: int = 20,
                         k: int = 11) -> list[dict]:
    """The text tables as sections of captioned tables (the shape before the report was translated;
    kept for scripts): the three most frequent terms are the key terms here."""
    from shailoo.analysis.text_terms import term_table
    from shailoo.text.pipeline import Corpus

    corpus = Corpus.from_workspace(ws, post_filter, options or TextOptions(sample=REPORT_SAMPLE))
    frequent = term_table(corpus, top=N_KEY_TERMS, grouped=False)["term"].to_pylist()
    t = text_report(ws, post_filter, key_terms=frequent, top=top, k=k)

    def section(sid, title, tables, captions):
        return {"id": sid, "title": title, "tables": tables, "captions": captions, "charts": [], "notes": [],
                "limits": []}

    keys = t["key_terms"]
    return [section("text-languages", "Languages of posts", [t["languages"]], ["Posts per language."]),
            section("text-terms", "Word frequencies per platform", [t["terms"]], ["Most frequent terms."]),
            section("text-ngrams", "Frequent two-word terms", [t["ngrams"], t["collocations"]],
                    ["Two-word terms.", "Collocations."]),
            section("text-key-terms", "Key terms: associations and context",
                    [x["assoc"] for x in keys] + ([keys[0]["kwic"]] if keys else []),
                    [f"Associations of {x['term']}." for x in keys] + (["In context."] if keys else [])),
            section("text-topics", "Topics", [t["topics_platform"], t["topics_week"]], ["Per platform.", "Per week."]),
            section("text-clusters", "Clusters of posts", [t["clusters"]] if t["clusters"] is not None else [],
                    ["Clusters."] if t["clusters"] is not None else [])]

"""The text analyses of the report: languages, topics per platform and week, key terms (their
associations and occurrences in context), word frequencies per platform, frequent two-word terms
and collocations, clusters of posts.

`text_report(ws, post_filter, key_terms=..., topic=...)` returns plain tables (the report turns
them into sections in the reader's language). Word statistics of a large selection come from one
fixed sample of REPORT_SAMPLE posts, tokenised once and shared by every analysis (a corpus per
analysis cost 0.5 s each on a million posts). Languages and topics are counted on that sample too:
only the sampled posts are tokenised and identified (both cached), since identifying every post of
a million took the report's first run from about 30 s to 66 s and 2.75 GB; the commands
(`shailoo topics --by language`, `shailoo terms`) count every selected post.

Key terms are the team's list, else the most frequent words of one topic of the topic
dictionary (politics and elections by default), never simply the most frequent words.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)

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
    from shailoo.analysis.text_topics import topic_dictionary
    from shailoo.text.pipeline import Corpus

    step = progress or (lambda _stage: None)
    out: dict = {}
    step("languages")
    # The sample first: only its posts are tokenised and have their language identified.
    options = TextOptions(sample=REPORT_SAMPLE)
    corpus = Corpus.from_workspace(ws, post_filter, options, by="platform")
    out["sample"] = corpus.n_docs
    out["selected"] = _selected(ws, post_filter)
    out["languages"] = _languages(corpus)

    step("words")
    out["terms"] = term_table(corpus, top, grouped=True)
    step("topics")
    # Topic shares from the same sample (exact up to REPORT_SAMPLE posts): tagging every post of a
    # million took 5.6 s of the report's 33; `shailoo topics` counts them all.
    out["topics_platform"], out["topics_week"] = _topics(corpus, topic_dictionary(ws))
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
    # n-grams rebuild the corpus's vocabulary from sentence tokens: they come after its other uses.
    out["ngrams"] = ngram_table(corpus, 2, top)
    out["collocations"] = ngram_table(corpus, 2, top, measure="llr", min_count=3)
    step("key terms in context")  # last: kwic replaces the corpus's temporary tables with its own
    out["kwic"], out["kwic_more"] = key_terms_in_context(ws, post_filter, [x["term"] for x in out["key_terms"]]) \
        if out["key_terms"] else (None, False)
    return out


def _topics(corpus, topic_list) -> tuple[pa.Table, pa.Table]:
    """Posts per topic and share of the group's posts, per platform and per week, over the corpus."""
    from shailoo.analysis.text_topics import count_topics

    by_platform, by_week = count_topics(corpus, topic_list, ("platform", "week"))
    return by_platform, by_week


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
    from shailoo.analysis.text_assoc import resolve_term

    con = corpus.con  # term_table has tokenised the corpus (_tok, _vocab, _terms)
    terms = list(wanted or []) or _topic_terms(corpus, topic, topic_list, N_KEY_TERMS)
    found, missing = [], []
    for word in terms:
        try:
            key = resolve_term(corpus, word)
        except UsageError:
            missing.append(word)
            continue
        if any(x["key"] == key for x in found):  # two words of the list that are one term (a stem, a folding)
            continue
        shown, support = con.execute("""SELECT d.display, (SELECT count(DISTINCT t.post_id) FROM _tok t
            JOIN _vocab v USING (lang, tok) WHERE v.term = $k) FROM _terms d WHERE d.term = $k""", {"k": key}).fetchall()[0]
        found.append({"term": word if wanted else shown, "key": key, "support": support})
    tables = associations(corpus, [x["key"] for x in found], 0.2, ASSOC_CSV)
    for item in found:
        item["assoc"] = tables[item["key"]]
    return found, missing


def associations(corpus, keys: list[str], min_cor: float = 0.2, top: int = 0) -> dict[str, pa.Table]:
    """text_assoc.assoc_table for several terms in one pass over the corpus (that function
    tokenises the corpus again on every call: 1.5 s each on the report's sample). The same
    formula: Pearson r over every post of the corpus, as R tm findAssocs; tests compare them."""
    from shailoo.text.pipeline import display_from_pt

    con = corpus.con
    empty = pa.table({"term": pa.array([], pa.string()), "cor": pa.array([], pa.float64())})
    if not keys:
        return {}
    con.execute("""CREATE OR REPLACE TEMP TABLE _dtm AS
        SELECT p.post_id, v.term, count(*)::DOUBLE AS n FROM _tok p JOIN _vocab v USING (lang, tok) GROUP BY ALL""")
    corpus.dtm_ready = True
    # Each key once: a repeated key would count its posts twice and push r past 1.
    con.register("_assoc_keys", pa.table({"target": pa.array(list(dict.fromkeys(keys)), pa.string())}))
    try:
        rows = con.sql(f"""
            WITH x AS (SELECT d.term AS target, d.post_id, d.n FROM _dtm d JOIN _assoc_keys k ON d.term = k.target),
                 sx AS (SELECT target, sum(n) AS s, sum(n * n) AS ss FROM x GROUP BY target),
                 y AS (SELECT term, sum(n) AS s, sum(n * n) AS ss FROM _dtm GROUP BY term),
                 xy AS (SELECT x.target, d.term, sum(d.n * x.n) AS sxy FROM _dtm d JOIN x USING (post_id)
                        WHERE d.term <> x.target GROUP BY ALL),
                 c AS (SELECT sx.target, y.term, ($N * coalesce(xy.sxy, 0) - sx.s * y.s)
                              / sqrt(($N * sx.ss - sx.s * sx.s) * ($N * y.ss - y.s * y.s)) AS cor
                       FROM sx CROSS JOIN y LEFT JOIN xy ON xy.target = sx.target AND xy.term = y.term
                       WHERE y.term <> sx.target),
                 r AS (SELECT c.target, d.display AS term, round(c.cor, 2) AS cor,
                              row_number() OVER (PARTITION BY c.target ORDER BY c.cor DESC, d.display) AS rk
                       FROM c JOIN ({display_from_pt()}) d USING (term) WHERE c.cor >= $min AND NOT isnan(c.cor))
            SELECT target, term, cor FROM r {"WHERE rk <= " + str(int(top)) if top else ""}
            ORDER BY target, rk""", params={"N": float(corpus.n_docs), "min": float(min_cor)}).to_arrow_table()
    finally:
        con.unregister("_assoc_keys")
    out = {}
    for key in keys:
        mask = pa.compute.equal(rows["target"], key)
        out[key] = rows.filter(mask).select(["term", "cor"]) if rows.num_rows else empty
    return out


def key_terms_in_context(ws, post_filter, terms: list[str]) -> tuple[pa.Table, bool]:
    """The first occurrences of any key term, in time order: one kwic query (t1 OR t2 …), since
    kwic builds its own corpus (about 1 s each on a million posts)."""
    from shailoo.analysis.text_kwic import kwic

    query = " OR ".join(f'"{t}"' if " " in t else t for t in terms)
    hits = kwic(ws, query, post_filter, TextOptions(sample=REPORT_SAMPLE), top=KWIC_CSV + 1).table
    return hits.slice(0, KWIC_CSV).select(["created_at", "platform", "left", "keyword", "right", "url"]), \
        hits.num_rows > KWIC_CSV


def _languages(corpus) -> pa.Table:
    """Posts per language (as identified, mixed texts such as 'ru+kk' apart) over the corpus's posts."""
    return corpus.con.sql("""SELECT l.lang, count(*)::BIGINT AS posts, round(avg(l.confidence), 3) AS mean_confidence
        FROM (SELECT DISTINCT post_id FROM _docs) d JOIN post_language l USING (post_id)
        GROUP BY l.lang ORDER BY posts DESC, l.lang""").to_arrow_table()


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
                    [x["assoc"] for x in keys] + ([t["kwic"]] if keys else []),
                    [f"Associations of {x['term']}." for x in keys] + (["In context."] if keys else [])),
            section("text-topics", "Topics", [t["topics_platform"], t["topics_week"]], ["Per platform.", "Per week."]),
            section("text-clusters", "Clusters of posts", [t["clusters"]] if t["clusters"] is not None else [],
                    ["Clusters."] if t["clusters"] is not None else [])]

"""Frequent n-grams with count and support (Table 4 of seeds/003) and collocations.

N-grams are formed within a sentence (ended by . ! ? … ; : before any Unicode space, or a
line break: the tokeniser's `break` tokens) after stopword
removal, as R tm does when stopwords are removed before tokenising into n-grams: an
n-gram never spans a sentence boundary. Collocations are ranked by log-likelihood (G²,
Dunning 1993; bigrams) or by pointwise mutual information (PMI, log2; bigrams and
trigrams), among n-grams seen at least `min_count` times.
"""

from __future__ import annotations

from shailoo.errors import UsageError
from shailoo.text.pipeline import Corpus, TextOptions, TextResult

MEASURES = ("frequency", "llr", "pmi")


def ngrams(ws, post_filter=None, options: TextOptions | None = None, n: int = 2, top: int = 20,
           measure: str = "frequency", min_count: int = 3) -> TextResult:
    """Count frequent n-grams, or rank collocations by `measure` (llr or pmi)."""
    corpus = Corpus.from_workspace(ws, post_filter, options)
    return TextResult(ngram_table(corpus, n, top, measure, min_count), corpus.notes)


def ngram_table(corpus: Corpus, n: int = 2, top: int = 20, measure: str = "frequency", min_count: int = 3):
    """Columns term, count, support (and the measure's score for collocations)."""
    if n not in (2, 3):
        raise UsageError(f"-n must be 2 or 3, not {n}.")
    if measure not in MEASURES:
        raise UsageError(f"--measure must be one of {', '.join(MEASURES)}, not '{measure}'.")
    if measure == "llr" and n != 2:
        raise UsageError("The log-likelihood measure ranks bigrams only; use --measure pmi for -n 3.")
    con = corpus.con
    con.execute(f"CREATE OR REPLACE TEMP VIEW _st AS {corpus.sentence_tokens_sql()}")
    corpus.build_vocab("_st", breaks=True)
    # Kept terms as integers (narrow rows for the window); sentence ends are -1 and no n-gram holds one.
    con.execute("""CREATE OR REPLACE TEMP TABLE _sn AS SELECT s.post_id, s.pos::INTEGER AS pos, v.term_id
                   FROM _st s JOIN _vocab v USING (lang, tok)""")
    leads = ", ".join(f"lead(term_id, {i}) OVER w AS i{i}" for i in range(1, n))
    kept = " AND ".join(f"i{i} >= 0" for i in range(n))
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _ngi AS
        SELECT post_id, i0, {', '.join(f'i{i}' for i in range(1, n))} FROM (
          SELECT post_id, term_id AS i0, {leads} FROM _sn WINDOW w AS (PARTITION BY post_id ORDER BY pos))
        WHERE {kept}""")
    con.execute("DROP TABLE _sn")
    ids = ", ".join(f"i{i}" for i in range(n))
    limit = f"LIMIT {int(top)}" if top else ""
    # Aggregate on integer ids; strings only for the rows shown.
    base = f"SELECT {ids}, count(*)::BIGINT AS count, count(DISTINCT post_id)::BIGINT AS support FROM _ngi GROUP BY ALL"
    tjoin = " ".join(f"JOIN _terms x{i} ON x{i}.term_id = g.i{i}" for i in range(n))
    gram = " || ' ' || ".join(f"x{i}.term" for i in range(n))
    shown = " || ' ' || ".join(f"x{i}.display" for i in range(n))
    if measure == "frequency":
        return con.sql(f"""SELECT {shown} AS term, g.count, g.support FROM ({base}) g {tjoin}
                           ORDER BY g.count DESC, g.support DESC, {gram} {limit}""").to_arrow_table()
    # Marginals over n-gram slots: how often each term fills slot i of an n-gram.
    marg = " ".join(f"JOIN (SELECT i{i} AS id, count(*) AS m{i} FROM _ngi GROUP BY 1) m{i} ON m{i}.id = g.i{i}"
                    for i in range(n))
    if measure == "pmi":
        prod = " * ".join(f"(m{i}.m{i}::DOUBLE / N)" for i in range(n))
        score = f"round(log2((g.count::DOUBLE / N) / ({prod})), 3) AS pmi"
    else:
        # G² over the 2x2 table of (first term, second term) among all bigrams.
        score = """round(2 * (xlx(g.count) + xlx(m0.m0 - g.count) + xlx(m1.m1 - g.count)
                        + xlx(N - m0.m0 - m1.m1 + g.count) - xlx(m0.m0) - xlx(N - m0.m0)
                        - xlx(m1.m1) - xlx(N - m1.m1) + xlx(N)), 3) AS llr"""
    con.execute("CREATE OR REPLACE TEMP MACRO xlx(x) AS CASE WHEN x > 0 THEN x * ln(x) ELSE 0 END")
    return con.sql(f"""SELECT {shown} AS term, g.count, g.support, {score}
        FROM ({base}) g {marg} {tjoin}, (SELECT count(*)::DOUBLE AS N FROM _ngi)
        WHERE g.count >= {int(min_count)} ORDER BY {measure} DESC, g.count DESC, {gram} {limit}""").to_arrow_table()

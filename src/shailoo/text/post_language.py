"""Per-post language identification, done once and cached in the workspace table
`post_language(post_id, lang, confidence)`.

The words are the letters-only word tokens of the token cache (`post_tokens`: the one
tokeniser, no second regex pass); each *distinct* word is scored once in Python (the
model's word scores), and a post's scores are the sums over its words, taken as one sparse
matrix product (posts × words by words × score columns); only the final decision (an argmax
over a few columns) runs per post, in numpy.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from shailoo.text.langid import default_model, model_fingerprint
from shailoo.text.post_tokens import ensure_post_tokens
from shailoo.text.script import fold_word
from shailoo.text.tokens import is_letter_word

TABLE_SQL = ("CREATE TABLE IF NOT EXISTS post_language "
             "(post_id BIGINT PRIMARY KEY, lang VARCHAR, confidence DOUBLE)")


def ensure_post_language(con, table: str = "posts", post_ids: str | None = None) -> int:
    """Identify the language of every post of `table` not yet in post_language; return how many.
    `post_ids`: SQL of one column of post ids, the only posts to identify (a sample): a post's
    language depends on its own words only, so a post identified later gets the same answer.
    Languages cached by another model (an upgrade of shailoo) are forgotten and identified again."""
    from shailoo.store.workspace import writable_caches

    writable_caches(con, "post_language", "post_language_model")
    con.execute(TABLE_SQL)
    con.execute("CREATE TABLE IF NOT EXISTS post_language_model (fingerprint VARCHAR)")
    cached = con.execute("SELECT fingerprint FROM post_language_model").fetchall()
    if cached != [(model_fingerprint(),)]:
        con.execute("DELETE FROM post_language")
        con.execute("DELETE FROM post_language_model")
        con.execute("INSERT INTO post_language_model VALUES (?)", [model_fingerprint()])
    ensure_post_tokens(con, table, post_ids=post_ids)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _lid_posts AS
        SELECT (row_number() OVER () - 1)::INTEGER AS r, p.post_id
        FROM (SELECT post_id FROM {table} {f"WHERE post_id IN ({post_ids})" if post_ids else ""}) p
        ANTI JOIN post_language l ON l.post_id = p.post_id""")
    n = con.execute("SELECT count(*) FROM _lid_posts").fetchall()[0][0]
    if n == 0:
        con.execute("DROP TABLE _lid_posts")
        return 0
    tokens = "SELECT p.r, unnest(t.toks) AS w FROM _lid_posts p JOIN post_tokens t USING (post_id)"
    distinct = con.sql(f"SELECT DISTINCT w FROM ({tokens})").to_arrow_table().column(0).to_pylist()
    words = [w for w in distinct if is_letter_word(w)]
    model = default_model()
    k = model.n_columns  # class scores plus the vote columns that decide mixed texts
    mat, counts = np.zeros((n, k)), np.zeros(n)
    if words:
        from scipy.sparse import csr_matrix

        scores, word_counts = model.score_words([fold_word(w) for w in words])
        con.register("_lid_words", pa.table({"w": pa.array(words, pa.string()),
                                             "i": pa.array(np.arange(len(words), dtype=np.int32))}))
        try:
            hits = con.execute(f"SELECT t.r, s.i FROM ({tokens}) t JOIN _lid_words s USING (w)").fetchnumpy()
        finally:
            con.unregister("_lid_words")
        # posts × words occurrence counts (duplicates add up), times the words' scores
        m = csr_matrix((np.ones(len(hits["r"])), (np.asarray(hits["r"]), np.asarray(hits["i"]))),
                       shape=(n, len(words)))
        mat, counts = np.asarray(m @ scores), np.asarray(m @ word_counts).ravel()
    codes, conf = model.decide(mat, counts)  # posts without a word: 'other', confidence 0
    ids = con.execute("SELECT post_id FROM _lid_posts ORDER BY r").fetchnumpy()["post_id"]
    con.register("_lid_found", pa.table({"post_id": pa.array(np.asarray(ids)), "lang": pa.array(codes, pa.string()),
                                         "confidence": pa.array(conf)}))
    try:
        con.execute("INSERT INTO post_language SELECT post_id, lang, confidence FROM _lid_found")
    finally:
        con.unregister("_lid_found")
    con.execute("DROP TABLE _lid_posts")
    return n

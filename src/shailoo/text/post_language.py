"""Per-post language identification, done once and cached in the workspace table
`post_language(post_id, lang, confidence)`.

Words are extracted in SQL, each *distinct* word is scored once in Python (the model's
word scores), and the per-post sums are taken in SQL; only the final decision (an
argmax over a few columns) runs in numpy.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from shailoo.text.langid import default_model, model_fingerprint
from shailoo.text.script import fold_word
from shailoo.text.tokens import NOISE_SQL, WORD_SQL, lit, norm_sql

TABLE_SQL = ("CREATE TABLE IF NOT EXISTS post_language "
             "(post_id BIGINT PRIMARY KEY, lang VARCHAR, confidence DOUBLE)")


def ensure_post_language(con, table: str = "posts", post_ids: str | None = None) -> int:
    """Identify the language of every post of `table` not yet in post_language; return how many.
    `post_ids`: SQL of one column of post ids, the only posts to identify (a sample): a post's
    language depends on its own words only, so a post identified later gets the same answer.
    Languages cached by another model (an upgrade of shailoo) are forgotten and identified again."""
    con.execute(TABLE_SQL)
    con.execute("CREATE TABLE IF NOT EXISTS post_language_model (fingerprint VARCHAR)")
    cached = con.execute("SELECT fingerprint FROM post_language_model").fetchall()
    if cached != [(model_fingerprint(),)]:
        con.execute("DELETE FROM post_language")
        con.execute("DELETE FROM post_language_model")
        con.execute("INSERT INTO post_language_model VALUES (?)", [model_fingerprint()])
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _lid_posts AS
        SELECT p.post_id, regexp_replace(coalesce(p.text_norm, p.text, ''), {lit(NOISE_SQL)}, ' ', 'g') AS text
        FROM {table} p ANTI JOIN post_language l ON l.post_id = p.post_id
        {f"WHERE p.post_id IN ({post_ids})" if post_ids else ""}""")
    n = con.execute("SELECT count(*) FROM _lid_posts").fetchall()[0][0]
    if n == 0:
        return 0
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _lid_tok AS
        SELECT post_id, unnest(regexp_extract_all({norm_sql('text')}, {lit(WORD_SQL)})) AS w FROM _lid_posts""")
    words = con.sql("SELECT DISTINCT w FROM _lid_tok").to_arrow_table().column(0).to_pylist()
    model = default_model()
    k = model.n_columns  # class scores plus the vote columns that decide mixed texts
    if words:
        scores, counts = model.score_words([fold_word(w) for w in words])
        cols = {"w": words, "n": counts} | {f"s{i}": scores[:, i] for i in range(k)}
        con.register("_lid_scores_arrow", pa.table(cols))
        sums = ", ".join(f"sum(s.s{i}) AS s{i}" for i in range(k))
        agg = con.execute(f"""SELECT t.post_id, sum(s.n) AS n, {sums}
            FROM _lid_tok t JOIN _lid_scores_arrow s USING (w) GROUP BY t.post_id""").fetchnumpy()
        con.unregister("_lid_scores_arrow")
        mat = np.column_stack([agg[f"s{i}"] for i in range(k)]) if len(agg["post_id"]) else np.zeros((0, k))
        codes, conf = model.decide(mat, np.asarray(agg["n"], dtype=float))
        found = pa.table({"post_id": agg["post_id"], "lang": codes, "confidence": conf})
        con.register("_lid_found", found)
        con.execute("INSERT INTO post_language SELECT post_id, lang, confidence FROM _lid_found")
        con.unregister("_lid_found")
    # Posts without a single word: nothing to identify.
    con.execute("""INSERT INTO post_language SELECT post_id, 'other', 0.0 FROM _lid_posts p
                   ANTI JOIN post_language l ON l.post_id = p.post_id""")
    con.execute("DROP TABLE _lid_tok; DROP TABLE _lid_posts")
    return n

"""Tokens and languages of posts on Spark, for the text analyses (terms, n-grams).

An export carries the workspace's text caches (`post_tokens`, `post_language`), filled at import:
they are used as they are. Posts they lack (or all of them, when the export was made by another
tokeniser or language model) are tokenised and identified on Spark's Python workers, in Arrow
batches (`mapInArrow`): each batch goes through the very functions the DuckDB engine uses
(`ensure_post_tokens`, `ensure_post_language`) in an in-memory DuckDB, so a post gets the same
tokens and language on both engines.
"""

from __future__ import annotations

from typing import Iterator

import pyarrow as pa

OUT_SCHEMA = "post_id BIGINT, text_hash STRING, toks ARRAY<STRING>, lang STRING, confidence DOUBLE"


def _tokenise_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """(post_id, text, text_norm) batches -> (post_id, text_hash, toks, lang, confidence)."""
    import duckdb

    from shailoo.text.post_language import ensure_post_language

    for batch in batches:
        con = duckdb.connect(":memory:")
        try:
            con.register("_in", pa.Table.from_batches([batch]))
            con.execute("CREATE TABLE posts AS SELECT post_id, text, text_norm FROM _in")
            con.unregister("_in")
            ensure_post_language(con)  # tokens first, then languages
            out = con.sql("""SELECT t.post_id, CAST(t.text_hash AS VARCHAR) AS text_hash, t.toks, l.lang, l.confidence
                             FROM post_tokens t JOIN post_language l USING (post_id)""").to_arrow_table()
        finally:
            con.close()
        yield from out.to_batches()


def _current(con, table: str, value: str) -> bool:
    """True when the export's cache version table names this shailoo's tokeniser / model."""
    if not con.spark.catalog.tableExists(table):
        return False
    rows = con.execute(f"SELECT * FROM {table}").fetchall()
    return rows == [(value,)]


def prepare_text(sw, post_ids: str, languages: bool = True) -> int:
    """Make `post_tokens` (and with `languages`, `post_language`) hold every post of `post_ids` (SQL
    of one column of post ids); return how many posts were tokenised here."""
    from shailoo.text.langid import model_fingerprint
    from shailoo.text.post_tokens import VERSION

    con = sw.con
    spark = con.spark
    tok_ok = _current(con, "post_tokens_version", VERSION) and spark.catalog.tableExists("post_tokens")
    lang_ok = (not languages) or (_current(con, "post_language_model", model_fingerprint())
                                  and spark.catalog.tableExists("post_language"))
    has = []
    if tok_ok:
        has.append("SELECT post_id FROM post_tokens")
    if languages and lang_ok:
        has.append("SELECT post_id FROM post_language")
    known = " INTERSECT ".join(f"({h})" for h in has) if has else None
    need = spark.sql(_spark(con, f"SELECT DISTINCT post_id FROM ({post_ids})"))
    if known:
        need = need.join(spark.sql(_spark(con, known)), "post_id", "left_anti")
    posts = spark.table("posts").select("post_id", "text", "text_norm").join(need, "post_id", "left_semi")
    n = posts.count()
    if n == 0:
        return 0
    from shailoo.text import post_language, post_tokens

    # the shadow (DuckDB's view of the schema) gets the caches' tables when the export had none
    con.shadow.execute(post_tokens.TABLE_SQL.format(name="post_tokens"))
    con.shadow.execute(post_language.TABLE_SQL)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # pyspark's notice about pandas: no pandas is used
        found = posts.mapInArrow(_tokenise_batches, OUT_SCHEMA).cache()
    tokens = found.selectExpr("post_id", "CAST(text_hash AS DECIMAL(20, 0)) AS text_hash", "toks")
    langs = found.select("post_id", "lang", "confidence")
    if tok_ok:
        old = spark.table("post_tokens").join(found.select("post_id"), "post_id", "left_anti")
        tokens = old.select("post_id", "text_hash", "toks").unionByName(tokens)
    con._view("post_tokens", tokens.cache())
    if languages:
        if lang_ok:
            old = spark.table("post_language").join(found.select("post_id"), "post_id", "left_anti")
            langs = old.select("post_id", "lang", "confidence").unionByName(langs)
        con._view("post_language", langs.cache())
    return n


def _spark(con, duck_sql: str) -> str:
    import sqlglot

    from shailoo.engines.sql import READ, transform

    return transform(sqlglot.parse_one(duck_sql, read=READ), con.macros).sql("spark")

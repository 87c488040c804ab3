"""Term frequency with count (occurrences) and support (posts containing the term), as in
Table 3 of seeds/003, grouped by platform, period, category, actor, language or week."""

from __future__ import annotations

from shailoo.text.pipeline import Corpus, TextOptions, TextResult


def terms(ws, post_filter=None, options: TextOptions | None = None, by: str = "none", top: int = 20) -> TextResult:
    """Count the most frequent terms (stemmed and stopword-filtered by default)."""
    corpus = Corpus.from_workspace(ws, post_filter, options, by=by)
    return TextResult(term_table(corpus, top, by != "none"), corpus.notes)


def term_table(corpus: Corpus, top: int = 20, grouped: bool = True, with_key: bool = False):
    """Columns (group,) term, count, support: the `top` terms of each group (and `key`,
    the stem itself, with `with_key`). Leaves `_tok`, `_vocab`, `_terms` and `_pt` defined,
    as `post_terms` does, for the analyses that follow (the report's)."""
    con = corpus.con
    con.execute(f"CREATE OR REPLACE TEMP VIEW _tok AS {corpus.tokens_sql()}")
    # One pass over the tokens gives every count: occurrences of each (group, language, token).
    con.execute("CREATE OR REPLACE TEMP TABLE _gpairs AS SELECT grp, lang, tok, count(*) AS n FROM _tok GROUP BY ALL")
    corpus.build_vocab("_gpairs", counted=True)
    con.execute("CREATE OR REPLACE TEMP VIEW _pt AS SELECT grp, post_id, lang, tok, 1 AS n FROM _tok")
    con.execute("""CREATE OR REPLACE TEMP TABLE _gcount AS SELECT g.grp, v.term_id, sum(g.n)::BIGINT AS count
                   FROM _gpairs g JOIN _vocab v USING (lang, tok) GROUP BY ALL""")
    if top:
        # Terms are ranked by count, then support: only a term whose count reaches its group's
        # top-th count can be shown, so support (a distinct count over every token) is taken for those.
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _gcand AS
            SELECT c.* FROM _gcount c JOIN (
                SELECT grp, min(count) AS floor FROM (
                    SELECT grp, count, row_number() OVER (PARTITION BY grp ORDER BY count DESC) AS rk FROM _gcount)
                WHERE rk <= {int(top)} GROUP BY grp) f USING (grp)
            WHERE c.count >= f.floor""")
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE _gcand AS SELECT * FROM _gcount")
    group_col = "grp AS \"group\", " if grouped else ""
    limit = f"WHERE rk <= {int(top)}" if top else ""
    out = con.sql(f"""
        WITH v AS (SELECT lang, tok, term_id FROM _vocab WHERE term_id IN (SELECT term_id FROM _gcand)),
             s AS (SELECT t.grp, v.term_id, count(DISTINCT t.post_id)::BIGINT AS support
                   FROM _tok t JOIN v USING (lang, tok) GROUP BY ALL),
             r AS (SELECT c.grp, c.count, s.support, d.term, d.display,
                          row_number() OVER (PARTITION BY c.grp ORDER BY c.count DESC, s.support DESC, d.term) AS rk
                   FROM _gcand c JOIN s USING (grp, term_id) JOIN _terms d USING (term_id))
        SELECT {group_col}display AS term, count, support{", term AS key" if with_key else ""} FROM r
        {limit} ORDER BY grp, rk""").to_arrow_table()
    con.execute("DROP TABLE _gcand; DROP TABLE _gcount; DROP TABLE _gpairs")
    return out

"""Term frequency with count (occurrences) and support (posts containing the term), as in
Table 3 of seeds/003, grouped by platform, period, category, actor, language or week."""

from __future__ import annotations

from shailoo.text.pipeline import Corpus, TextOptions, TextResult, post_terms


def terms(ws, post_filter=None, options: TextOptions | None = None, by: str = "none", top: int = 20) -> TextResult:
    """Count the most frequent terms (stemmed and stopword-filtered by default)."""
    corpus = Corpus.from_workspace(ws, post_filter, options, by=by)
    return TextResult(term_table(corpus, top, by != "none"), corpus.notes)


def term_table(corpus: Corpus, top: int = 20, grouped: bool = True, with_key: bool = False):
    """Columns (group,) term, count, support: the `top` terms of each group (and `key`,
    the stem itself, with `with_key`)."""
    post_terms(corpus)
    group_col = "grp AS \"group\", " if grouped else ""
    limit = f"WHERE rk <= {int(top)}" if top else ""
    return corpus.con.sql(f"""
        WITH pt AS (SELECT t.grp, t.post_id, v.term_id, count(*) AS n
                    FROM _tok t JOIN _vocab v USING (lang, tok) GROUP BY ALL),
             a AS (SELECT grp, term_id, sum(n)::BIGINT AS count, count(*)::BIGINT AS support FROM pt GROUP BY ALL),
             r AS (SELECT a.*, d.term, d.display,
                          row_number() OVER (PARTITION BY a.grp ORDER BY a.count DESC, a.support DESC, d.term) AS rk
                   FROM a JOIN _terms d USING (term_id))
        SELECT {group_col}display AS term, count, support{", term AS key" if with_key else ""} FROM r
        {limit} ORDER BY grp, rk""").to_arrow_table()

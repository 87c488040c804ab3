"""Associated terms with R tm `findAssocs` semantics: the Pearson correlation between a
term's column and every other column of the document-term count matrix (all selected
posts are rows, posts without terms included), terms at or above the limit, sorted by
correlation and reported to two decimals."""

from __future__ import annotations

from shailoo.errors import UsageError
from shailoo.text.pipeline import Corpus, TextOptions, TextResult, display_from_pt, post_terms
from shailoo.text.script import fold_word
from shailoo.text.tokens import normalise


def assoc(ws, term: str, post_filter=None, options: TextOptions | None = None, min_cor: float = 0.2,
          top: int = 0) -> TextResult:
    """Find the terms whose counts correlate with `term`'s at or above `min_cor`."""
    if not 0 <= min_cor <= 1:
        raise UsageError(f"--min must be between 0 and 1, not {min_cor}.")
    corpus = Corpus.from_workspace(ws, post_filter, options)
    return TextResult(assoc_table(corpus, term, min_cor, top), corpus.notes)


def resolve_term(corpus: Corpus, term: str) -> str:
    """The vocabulary term a user's word stands for (a surface form or a term itself)."""
    q = fold_word(normalise(term).strip())
    row = corpus.con.execute("""SELECT v.term FROM _pt p JOIN _vocab v USING (lang, tok)
        WHERE v.surface = ? OR v.term = ? GROUP BY v.term ORDER BY sum(p.n) DESC, v.term LIMIT 1""", [q, q]).fetchall()
    if not row:
        raise UsageError(f"The term '{term}' does not occur in the selected posts (after stopword removal).")
    return row[0][0]


def assoc_table(corpus: Corpus, term: str, min_cor: float = 0.2, top: int = 0):
    """Columns term, cor."""
    post_terms(corpus)
    target = resolve_term(corpus, term)
    con = corpus.con
    if not corpus.dtm_ready:  # one document-term table per corpus, however many terms are asked about
        con.execute("""CREATE OR REPLACE TEMP TABLE _dtm AS
            SELECT p.post_id, v.term, sum(p.n)::DOUBLE AS n FROM _pt p JOIN _vocab v USING (lang, tok) GROUP BY ALL""")
        corpus.dtm_ready = True
    limit = f"LIMIT {int(top)}" if top else ""
    return con.sql(f"""
        WITH x AS (SELECT post_id, n FROM _dtm WHERE term = $t),
             sx AS (SELECT sum(n) AS s, sum(n * n) AS ss FROM x),
             y AS (SELECT term, sum(n) AS s, sum(n * n) AS ss FROM _dtm WHERE term <> $t GROUP BY term),
             xy AS (SELECT d.term, sum(d.n * x.n) AS sxy FROM _dtm d JOIN x USING (post_id)
                    WHERE d.term <> $t GROUP BY d.term),
             c AS (SELECT y.term, ($N * coalesce(xy.sxy, 0) - sx.s * y.s)
                          / sqrt(($N * sx.ss - sx.s * sx.s) * ($N * y.ss - y.s * y.s)) AS cor
                   FROM y CROSS JOIN sx LEFT JOIN xy USING (term))
        SELECT d.display AS term, round(c.cor, 2) AS cor FROM c JOIN ({display_from_pt()}) d USING (term)
        WHERE c.cor >= $min AND NOT isnan(c.cor) ORDER BY c.cor DESC, d.display {limit}""",
                   params={"t": target, "N": float(corpus.n_docs), "min": float(min_cor)}).to_arrow_table()

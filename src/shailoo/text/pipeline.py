"""The set-oriented text pipeline over a workspace.

Posts are tokenised in DuckDB SQL; Python only sees the *distinct* (language, token)
pairs, which it folds, filters against stopwords and stems into a vocabulary table that
is joined back in SQL. Every analysis (terms, n-grams, associations, clusters) starts
from a `Corpus`: the selected posts, each with its language and grouping value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from shailoo.errors import UsageError
from shailoo.text import LANGUAGES
from shailoo.text.script import fold_word
from shailoo.text.stem import has_stemmer, stem_words
from shailoo.text.stopwords import check_language, stopwords_for
from shailoo.text.tokens import KINDS, SENTENCE_SPLIT_SQL, kind_sql, lit, token_sql, word_list_sql

GROUPINGS = ("none", "platform", "period", "category", "actor", "language", "week", "day")


@dataclass(frozen=True)
class TextOptions:
    """How posts become terms (scikit-learn-style names)."""

    language: str | None = None  # force one language's pipeline on every post
    stop_words: bool = True
    stem: bool = True
    kinds: tuple[str, ...] = ("word",)
    min_chars: int = 2  # shorter words are dropped (R tm drops words under 3 letters)
    sample: int | None = None  # at most this many posts: a fixed random sample of larger selections

    def __post_init__(self) -> None:
        if self.language is not None:
            object.__setattr__(self, "language", check_language(self.language))
        bad = [k for k in self.kinds if k not in KINDS]
        if bad:
            raise UsageError(f"Unknown token kind '{bad[0]}': use some of {', '.join(KINDS)}.")


def group_sql(by: str) -> tuple[str, str]:
    """SQL expression of a grouping over posts_v (alias p) and the join it needs."""
    if by not in GROUPINGS:
        raise UsageError(f"--by must be one of {', '.join(GROUPINGS)}, not '{by}'.")
    if by == "period":
        return "coalesce(pr.name, '(no period)')", "LEFT JOIN periods pr ON p.day BETWEEN pr.start_date AND pr.end_date"
    expr = {"none": "'all'", "category": "coalesce(p.category, '(unregistered)')",
            "actor": "coalesce(p.actor, '(unregistered)')", "language": "l.lang",
            "week": "CAST(p.week AS VARCHAR)", "day": "CAST(p.day AS VARCHAR)", "platform": "p.platform"}[by]
    return expr, ""


@dataclass
class Corpus:
    """Selected posts of a workspace as the temp view `_docs(post_id, grp, lang, text)`."""

    con: object
    options: TextOptions
    notes: list[str] = field(default_factory=list)
    n_docs: int = 0
    dtm_ready: bool = False  # `_dtm` (post × term counts) built for this corpus

    @classmethod
    def from_workspace(cls, ws, post_filter=None, options: TextOptions | None = None, by: str = "none") -> "Corpus":
        """Select posts with a PostFilter, identify languages (cached) unless forced."""
        from shailoo.analysis.filters import PostFilter
        from shailoo.text.post_language import ensure_post_language

        options = options or TextOptions()
        where, params = (post_filter or PostFilter()).where(ws)
        grp, join = group_sql(by)
        con = ws.con
        if options.language:
            lang = lit(options.language)
            lang_join = ""
        else:
            ensure_post_language(con)
            lang, lang_join = "l.lang", "LEFT JOIN post_language l ON l.post_id = p.post_id"
        if by == "language" and options.language:
            grp = lang
        sampled = ""
        selected = None
        if options.sample:
            selected = con.execute(f"SELECT count(*) FROM posts_v WHERE {where}", params).fetchall()[0][0]
            if selected > options.sample:
                # The same posts every time: those with the smallest hash of their id.
                sampled = (f"AND p.post_id IN (SELECT post_id FROM posts_v WHERE {where} "
                           f"ORDER BY hash(post_id), post_id LIMIT {int(options.sample)})")
                params = [*params, *params]
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _docs AS
            SELECT p.post_id, {grp} AS grp, coalesce({lang}, 'other') AS lang,
                   coalesce(p.text_norm, p.text, '') AS text, p.platform, p.url, p.created_at
            FROM posts_v p {lang_join} {join} WHERE {where} {sampled}""", params)
        corpus = cls(con, options)
        corpus.n_docs = con.execute("SELECT count(DISTINCT post_id) FROM _docs").fetchall()[0][0]
        if sampled:
            corpus.notes.append(f"Computed on a fixed random sample of {corpus.n_docs:,} of the {selected:,} posts "
                                "selected; the commands (`shailoo terms` …) give exact counts over all of them.")
        corpus._language_notes()
        return corpus

    @classmethod
    def from_table(cls, con, table: str, options: TextOptions | None = None) -> "Corpus":
        """A corpus over any table with columns post_id, grp, lang, text (benchmarks, tests)."""
        lang = lit(options.language) if options and options.language else "lang"
        con.execute(f"CREATE OR REPLACE TEMP TABLE _docs AS SELECT post_id, grp, {lang} AS lang, text, "
                    f"NULL::VARCHAR AS platform, NULL::VARCHAR AS url, NULL::TIMESTAMPTZ AS created_at FROM {table}")
        corpus = cls(con, options or TextOptions())
        corpus.n_docs = con.execute("SELECT count(*) FROM _docs").fetchall()[0][0]
        corpus._language_notes()
        return corpus

    def _language_notes(self) -> None:
        o = self.options
        if o.language:
            self.notes.append(f"Every post was processed as '{o.language}' (--language): its stopword list and "
                              f"{'stemmer' if o.stem else 'no stemming'} applied to all words, whatever their language.")
            return
        rows = self.con.execute("SELECT lang, count(*) FROM _docs GROUP BY lang ORDER BY 2 DESC").fetchall()
        bare = [(lang, n) for lang, n in rows if lang not in LANGUAGES]
        for lang, n in bare:
            what = " or ".join(x for x, on in (("stemmer", o.stem), ("stopword list", o.stop_words)) if on)
            if what:
                self.notes.append(f"{n:,} post(s) in language '{lang}' have no {what}: their words are counted "
                                  "as written (use --language CODE to force one language's pipeline).")

    # -- tokens --------------------------------------------------------------------------
    def token_filter_sql(self, tok: str = "tok") -> str:
        if self.options.kinds == ("word",):
            return "TRUE"
        kinds = ", ".join(lit(k) for k in self.options.kinds)
        return f"({kind_sql(tok)}) IN ({kinds})"

    def token_list_sql(self, text: str) -> str:
        # Words only (the default) need no per-token kind test: extract them directly.
        return word_list_sql(text) if self.options.kinds == ("word",) else token_sql(text)

    def tokens_sql(self) -> str:
        """SQL of (post_id, grp, lang, tok) for every kept-kind token."""
        return (f"SELECT post_id, grp, lang, tok FROM (SELECT post_id, grp, lang, unnest({self.token_list_sql('text')}) "
                f"AS tok FROM _docs) WHERE {self.token_filter_sql()}")

    def sentence_tokens_sql(self) -> str:
        """SQL of (post_id, sent, pos, lang, tok): tokens numbered within sentences."""
        return f"""SELECT post_id, sent, generate_subscripts(toks, 1) AS pos, lang, unnest(toks) AS tok FROM (
                 SELECT post_id, sent, lang, {self.token_list_sql('s')} AS toks FROM (
                   SELECT post_id, lang, unnest(sl) AS s, generate_subscripts(sl, 1) AS sent FROM (
                     SELECT post_id, lang, string_split_regex(text, {lit(SENTENCE_SPLIT_SQL)}) AS sl FROM _docs)))"""

    # -- vocabulary -----------------------------------------------------------------------
    def build_vocab(self, table: str) -> int:
        """Map the distinct (lang, tok) of a token table to terms: temp tables
        `_vocab(lang, tok, term_id, term, surface)` (stopwords and too-short words have no
        row) and `_terms(term_id, term, display)`, display being the most frequent folded
        surface form of the term. Returns the vocabulary size."""
        pairs = self.con.sql(f"SELECT lang, tok, count(*) AS n FROM {table} GROUP BY ALL").to_arrow_table()
        langs = pairs.column("lang").to_pylist()
        toks = pairs.column("tok").to_pylist()
        freq = pairs.column("n").to_pylist()
        by_lang: dict[str, list[int]] = {}
        for i, lang in enumerate(langs):
            by_lang.setdefault(lang, []).append(i)
        o = self.options
        rows: list[tuple[int, str, str]] = []  # (pair index, term, surface)
        for lang, idx in by_lang.items():
            stops = stopwords_for(self.con, lang) if o.stop_words else frozenset()
            kept, folded = [], []
            for i in idx:
                w = toks[i]
                if w[0] in "#@" or not w[0].isalpha():
                    rows.append((i, w, w))
                    continue
                f = fold_word(w)
                if len(f) < o.min_chars or f in stops:
                    continue
                kept.append(i)
                folded.append(f)
            terms = stem_words(lang, folded) if o.stem and has_stemmer(lang) else folded
            rows += zip(kept, terms, folded)
        term_ids: dict[str, int] = {}
        best: dict[str, tuple] = {}
        surface_n: dict[tuple[str, str], int] = {}
        for i, term, surface in rows:
            term_ids.setdefault(term, len(term_ids))
            surface_n[(term, surface)] = surface_n.get((term, surface), 0) + freq[i]
        for (term, surface), n in surface_n.items():
            key = (-n, len(surface), surface)
            if term not in best or key < best[term]:
                best[term] = key
        self._register("_vocab", pa.table({
            "lang": [langs[i] for i, _, _ in rows], "tok": [toks[i] for i, _, _ in rows],
            "term_id": pa.array([term_ids[t] for _, t, _ in rows], pa.int32()),
            "term": [t for _, t, _ in rows], "surface": [s for _, _, s in rows]}))
        self._register("_terms", pa.table({
            "term_id": pa.array(list(term_ids.values()), pa.int32()), "term": list(term_ids),
            "display": [best[t][2] for t in term_ids]}))
        return len(rows)

    def _register(self, name: str, table: pa.Table) -> None:
        self.con.register(f"{name}_arrow", table)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
        self.con.unregister(f"{name}_arrow")

    def note(self) -> str | None:
        return " ".join(self.notes) or None


@dataclass
class TextResult:
    """A result table with the notes the user must see beside it."""

    table: pa.Table
    notes: list[str] = field(default_factory=list)
    details: pa.Table | None = None  # e.g. the cluster of every post

    @property
    def note(self) -> str | None:
        return " ".join(self.notes) or None


def post_terms(corpus: Corpus) -> None:
    """Tokenise once into `_tok(post_id, grp, lang, tok)`, build `_vocab` and `_terms`
    from it, and define `_pt(grp, post_id, lang, tok, n)` over it (n = 1 per token)."""
    corpus.con.execute(f"CREATE OR REPLACE TEMP TABLE _tok AS {corpus.tokens_sql()}")
    corpus.build_vocab("_tok")
    corpus.con.execute("CREATE OR REPLACE TEMP VIEW _pt AS SELECT grp, post_id, lang, tok, 1 AS n FROM _tok")


def display_from_pt() -> str:
    """SQL of (term, display): the most frequent surface form of each term."""
    return "SELECT term, display FROM _terms"

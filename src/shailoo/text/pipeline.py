"""The set-oriented text pipeline over a workspace.

Posts are tokenised once in DuckDB SQL and cached (`shailoo.text.post_tokens`); Python
only sees the *distinct* (language, token) pairs, which it folds, filters against
stopwords and stems into a vocabulary table that is joined back in SQL. Every analysis
(terms, n-grams, associations, clusters) starts from a `Corpus`: the selected posts,
each with its language and grouping value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from shailoo.errors import UsageError
from shailoo.text import LANGUAGES
from shailoo.text.script import fold_word
from shailoo.text.stem import cached_stem_words, has_stemmer
from shailoo.text.stopwords import (
    check_language,
    platform_stopword_pairs,
    stopwords_for,
)
from shailoo.text.tokens import KINDS, kind_of, lit

GROUPINGS = ("none", "platform", "period", "category", "actor", "language", "week", "day")


@dataclass(frozen=True)
class TextOptions:
    """How posts become terms (scikit-learn-style names)."""

    language: str | None = None  # force one language's pipeline on every post
    stop_words: bool = True
    stem: bool = True
    kinds: tuple[str, ...] = ("word",)
    min_chars: int = 2  # shorter words are dropped (R tm's wordLengths lower bound; tm's default is 3)
    sample: int | None = None  # at most this many posts: a fixed random sample of larger selections

    def __post_init__(self) -> None:
        if self.min_chars < 1:
            raise UsageError(f"--min-length must be at least 1, not {self.min_chars}.")
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
    """Selected posts of a workspace as the temp table `_docs(post_id, grp, lang, platform, url,
    created_at)`, their tokens in `tokens_table` (post_id, toks)."""

    con: object
    options: TextOptions
    tokens_table: str = "post_tokens"
    notes: list[str] = field(default_factory=list)
    n_docs: int = 0
    dtm_ready: bool = False  # `_dtm` (post × term counts) built for this corpus
    cache_con: object = None  # the workspace connection whose stem cache to use (None: no cache)

    @classmethod
    def from_workspace(cls, ws, post_filter=None, options: TextOptions | None = None, by: str = "none") -> Corpus:
        """Select posts with a PostFilter (and their sample, if one is asked for), then tokenise and
        identify languages (both cached) of exactly those posts: a sampled analysis of a million
        posts pays for its sample only."""
        from shailoo.analysis.filters import PostFilter
        from shailoo.text.post_language import ensure_post_language
        from shailoo.text.post_tokens import ensure_post_tokens

        options = options or TextOptions()
        where, params = (post_filter or PostFilter()).where(ws)
        grp, join = group_sql(by)
        con = ws.con
        selected = None
        limit = ""
        if options.sample:
            selected = con.execute(f"SELECT count(*) FROM posts_v WHERE {where}", params).fetchall()[0][0]
            if selected > options.sample:
                # The same posts every time: those with the smallest hash of their id.
                limit = f"ORDER BY hash(post_id), post_id LIMIT {int(options.sample)}"
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _docs_ids AS
            SELECT DISTINCT post_id FROM posts_v WHERE {where} {limit}""", params)
        # Another engine (Spark over a Parquet export) fills the caches its own way.
        prepare = getattr(ws, "prepare_text", None)
        if prepare is not None:
            prepare("SELECT post_id FROM _docs_ids", languages=not options.language)
        if options.language:
            if prepare is None:
                ensure_post_tokens(con, post_ids="SELECT post_id FROM _docs_ids")
            lang = lit(options.language)
            lang_join = ""
        else:
            if prepare is None:
                ensure_post_language(con, post_ids="SELECT post_id FROM _docs_ids")  # tokens first, then languages
            lang, lang_join = "l.lang", "LEFT JOIN post_language l ON l.post_id = p.post_id"
        if by == "language" and options.language:
            grp = lang
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _docs AS
            SELECT p.post_id, {grp} AS grp, coalesce(split_part({lang}, '+', 1), 'other') AS lang,
                   p.platform, p.url, p.created_at
            FROM posts_v p {lang_join} {join} WHERE {where} AND p.post_id IN (SELECT post_id FROM _docs_ids)""",
                    params)
        con.execute("DROP TABLE _docs_ids")
        sampled = bool(limit)
        corpus = cls(con, options, cache_con=None if prepare is not None else con)  # no stem cache there: read-only
        corpus.n_docs = con.execute("SELECT count(DISTINCT post_id) FROM _docs").fetchall()[0][0]
        if sampled:
            corpus.notes.append(f"Computed on a fixed random sample of {corpus.n_docs:,} of the {selected:,} posts "
                                "selected; the commands (`shailoo terms` …) give exact counts over all of them.")
        corpus._language_notes()
        return corpus

    @classmethod
    def from_table(cls, con, table: str, options: TextOptions | None = None) -> Corpus:
        """A corpus over any table with columns post_id, grp, lang, text (benchmarks, tests);
        its tokens are cached for the session only."""
        from shailoo.text.post_tokens import ensure_post_tokens

        lang = lit(options.language) if options and options.language else "lang"
        con.execute(f"CREATE OR REPLACE TEMP TABLE _docs AS SELECT post_id, grp, {lang} AS lang, "
                    f"NULL::VARCHAR AS platform, NULL::VARCHAR AS url, NULL::TIMESTAMPTZ AS created_at FROM {table}")
        ensure_post_tokens(con, table, "_corpus_tokens", temp=True)
        corpus = cls(con, options or TextOptions(), tokens_table="_corpus_tokens")
        corpus.n_docs = con.execute("SELECT count(*) FROM _docs").fetchall()[0][0]
        corpus._language_notes()
        return corpus

    def _language_notes(self) -> None:
        o = self.options
        if o.language:
            self.notes.append(f"Every post was processed as '{o.language}' (--language): its stopword list and "
                              f"{'stemmer' if o.stem else 'no stemming'} applied to all words, whatever their language.")
            return
        # A mixed post ('ru+kk') goes through the pipeline of its main language (the first named).
        rows = self.con.execute("SELECT lang, count(*) FROM _docs GROUP BY lang ORDER BY 2 DESC").fetchall()
        bare = [(lang, n) for lang, n in rows if lang not in LANGUAGES]
        what = " or ".join(x for x, on in (("stemmer", o.stem), ("stopword list", o.stop_words)) if on)
        if bare and what:
            total = sum(n for _, n in bare)
            listed = ", ".join(f"{lang} {n:,}" for lang, n in bare[:8]) + (", …" if len(bare) > 8 else "")
            self.notes.append(f"{total:,} post(s) in languages with no {what} ({listed}): their words are counted "
                              "as written (use --language CODE to force one language's pipeline).")

    # -- tokens --------------------------------------------------------------------------
    def tokens_sql(self) -> str:
        """SQL of (post_id, grp, lang, tok) for every token (sentence ends and every kind
        included: the vocabulary keeps the wanted ones), platform noise words removed."""
        return (f"SELECT post_id, grp, lang, tok FROM (SELECT d.post_id, d.grp, d.lang, d.platform, unnest(t.toks) AS tok "
                f"FROM _docs d JOIN {self.tokens_table} t USING (post_id)) WHERE {self._noise_sql()}")

    def sentence_tokens_sql(self) -> str:
        """SQL of (post_id, pos, lang, tok): every token numbered within its post, sentence ends included."""
        return (f"SELECT post_id, pos, lang, tok FROM (SELECT d.post_id, d.lang, d.platform, "
                f"generate_subscripts(t.toks, 1) AS pos, unnest(t.toks) AS tok "
                f"FROM _docs d JOIN {self.tokens_table} t USING (post_id)) WHERE {self._noise_sql()}")

    def _noise_sql(self) -> str:
        """SQL condition dropping each platform's noise words (a constant predicate: cheaper than a join)."""
        if not self.options.stop_words:
            return "TRUE"
        by_platform: dict[str, list[str]] = {}
        for platform, word in platform_stopword_pairs():
            by_platform.setdefault(platform, []).append(word)
        cases = " OR ".join(f"(platform = {lit(p)} AND tok IN ({', '.join(lit(w) for w in ws)}))"
                            for p, ws in sorted(by_platform.items()))
        return f"NOT coalesce({cases}, FALSE)" if cases else "TRUE"

    # -- vocabulary -----------------------------------------------------------------------
    def build_vocab(self, table: str, breaks: bool = False, counted: bool = False) -> int:
        """Map the distinct (lang, tok) of a token table to terms: temp tables
        `_vocab(lang, tok, term_id, term, surface)` (stopwords, too-short words and tokens
        of other kinds have no row; with `breaks`, sentence ends have term_id -1) and
        `_terms(term_id, term, display)`, display being the most frequent folded surface
        form of the term. `counted`: the table has a column `n`, occurrences of each row.
        Returns the vocabulary size."""
        n = "sum(n)" if counted else "count(*)"
        pairs = self.con.sql(f"SELECT lang, tok, {n} AS n FROM {table} GROUP BY ALL").to_arrow_table()
        langs = pairs.column("lang").to_pylist()
        toks = pairs.column("tok").to_pylist()
        freq = pairs.column("n").to_pylist()
        by_lang: dict[str, list[int]] = {}
        for i, lang in enumerate(langs):
            by_lang.setdefault(lang, []).append(i)
        o = self.options
        kinds = set(o.kinds)
        rows: list[tuple[int, str, str]] = []  # (pair index, term, surface)
        ends: list[int] = []
        for lang, idx in by_lang.items():
            stops = stopwords_for(self.con, lang) if o.stop_words else frozenset()
            kept, folded = [], []
            for i in idx:
                w = toks[i]
                kind = kind_of(w)
                if kind != "word":
                    if kind == "break":
                        if breaks:
                            ends.append(i)
                    elif kind in kinds:
                        rows.append((i, w, w))
                    continue
                if "word" not in kinds:
                    continue
                f = fold_word(w)
                if len(f) < o.min_chars or f in stops:
                    continue
                kept.append(i)
                folded.append(f)
            terms = cached_stem_words(self.cache_con, lang, folded) if o.stem and has_stemmer(lang) else folded
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
            "lang": pa.array([langs[i] for i, _, _ in rows] + [langs[i] for i in ends], pa.string()),
            "tok": pa.array([toks[i] for i, _, _ in rows] + [toks[i] for i in ends], pa.string()),
            "term_id": pa.array([term_ids[t] for _, t, _ in rows] + [-1] * len(ends), pa.int32()),
            "term": pa.array([t for _, t, _ in rows] + [None] * len(ends), pa.string()),
            "surface": pa.array([s for _, _, s in rows] + [None] * len(ends), pa.string())}))
        self._register("_terms", pa.table({
            "term_id": pa.array(list(term_ids.values()), pa.int32()), "term": pa.array(list(term_ids), pa.string()),
            "display": pa.array([best[t][2] for t in term_ids], pa.string())}))
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
    empty_reason: str | None = None  # why nothing was found (a query matching no post)

    @property
    def note(self) -> str | None:
        return " ".join(self.notes) or None


def post_terms(corpus: Corpus) -> None:
    """Define the view `_tok(post_id, grp, lang, tok)` over the cached tokens, build `_vocab`
    and `_terms` from it, and define `_pt(grp, post_id, lang, tok, n)` over it (n = 1 per token)."""
    corpus.con.execute(f"CREATE OR REPLACE TEMP VIEW _tok AS {corpus.tokens_sql()}")
    corpus.build_vocab("_tok")
    corpus.con.execute("CREATE OR REPLACE TEMP VIEW _pt AS SELECT grp, post_id, lang, tok, 1 AS n FROM _tok")


def display_from_pt() -> str:
    """SQL of (term, display): the most frequent surface form of each term."""
    return "SELECT term, display FROM _terms"

"""The posts page's key-term search: the posts `shailoo kwic` finds for a query, fast enough for a
page (≤ 1 s at a million posts) — kwic itself re-reads every token of the selection (8-17 s there).

The query language and its meaning are kwic's (shailoo.analysis.text_kwic): its parser, its
expansion of a word (stems in ru/ky/kk/uz/en, the other script, prefixes) over a Vocabulary of the
selected posts, its rule that a post matches when the query's tree is true and a word of the query
(outside NOT) occurs in it. What differs is only how the selected posts' vocabulary is reached:

- an in-memory inverted index (token -> posts) of the whole workspace is built once per state of
  the data (a new import makes a new one) from the text caches `shailoo import` fills;
- a query word is expanded first over the whole workspace's vocabulary with every language's
  stemmer (a superset of what kwic can find), then the selected posts' (language, token) pairs of
  just those candidate tokens are read through the index, and kwic's `expand` runs again over
  them: the same Vocabulary kwic would build, restricted to the tokens that can matter;
- the tree is evaluated in SQL over each candidate post's tokens (phrases: consecutive tokens,
  sentence ends skipped, as kwic's `spans` over `tokenize`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import pyarrow as pa

from shailoo.analysis.text_kwic import (
    Leaf,
    Vocabulary,
    expand,
    leaves,
    nearest_terms,
    parse_query,
)
from shailoo.errors import UsageError
from shailoo.text import LANGUAGES
from shailoo.text.script import fold_word, script_of
from shailoo.text.tokens import kind_of, lit
from shailoo.text.translit import match_key, to_cyrillic, to_latin

LANG_SQL = "coalesce(split_part(l.lang, '+', 1), 'other')"  # a post's language as kwic's Corpus takes it


def data_version(ws) -> tuple:
    """What changes when posts or their texts change (every change of posts is an import)."""
    return tuple(ws.con.execute(
        """SELECT (SELECT coalesce(max(import_id), 0) FROM imports), (SELECT count(*) FROM posts),
                  (SELECT coalesce(max(post_id), 0) FROM posts)""").fetchall()[0])


def caches_complete(ws) -> bool:
    """Is every post tokenised and its language identified in the workspace file?"""
    import duckdb

    try:
        return ws.con.execute("""SELECT (SELECT count(*) FROM posts ANTI JOIN post_tokens USING (post_id))
                                        + (SELECT count(*) FROM posts ANTI JOIN post_language USING (post_id))"""
                              ).fetchall()[0][0] == 0
    except duckdb.CatalogException:  # no cache table at all
        return False


class _EveryLanguage(Vocabulary):
    """A vocabulary that stems a query word in every language: expansion over it is a superset."""

    def query_languages(self, word: str) -> set[str]:
        return set(LANGUAGES)


@dataclass
class SearchIndex:
    """The workspace's tokens: distinct (language, token) pairs, and token -> posts in memory."""

    version: tuple
    pairs: list[tuple[str, str]]
    tok_id: dict[str, int]
    breaks: list[str]
    first: dict[str, list[int]] = field(default_factory=dict)  # first letter -> pair indexes
    mem: object = None  # an in-memory DuckDB with idx(tok_id, post_id), sorted by tok_id
    complete: bool = True  # False: the text caches lack posts; kwic itself searches
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, ws, version: tuple) -> SearchIndex:
        """The index over the text caches `shailoo import` fills; without them (a workspace loaded
        with text caches off, or older), an index that sends every search to kwic itself."""
        import duckdb

        if not caches_complete(ws):
            return cls(version, [], {}, [], complete=False)
        con = ws.con
        con.execute("""CREATE OR REPLACE TEMP TABLE _si_vocab AS
            SELECT tok, (row_number() OVER (ORDER BY tok) - 1)::INTEGER AS tok_id
            FROM (SELECT DISTINCT unnest(toks) AS tok FROM post_tokens)""")
        toks = con.execute("SELECT tok FROM _si_vocab ORDER BY tok_id").fetchall()
        tok_id = {t: i for i, (t,) in enumerate(toks)}
        pairs = con.execute(f"""SELECT DISTINCT {LANG_SQL} AS lang, tok FROM (
                SELECT post_id, unnest(toks) AS tok FROM post_tokens) t
            LEFT JOIN post_language l USING (post_id)""").fetchall()
        # a token twice in a post is two rows: cheaper than making them distinct, and harmless
        postings = con.sql("""SELECT v.tok_id, t.post_id FROM (SELECT post_id, unnest(toks) AS tok FROM post_tokens) t
                              JOIN _si_vocab v USING (tok)""").to_arrow_table()
        con.execute("DROP TABLE _si_vocab")
        mem = duckdb.connect(":memory:")
        mem.register("_p", postings)
        mem.execute("CREATE TABLE idx AS SELECT tok_id, post_id FROM _p ORDER BY tok_id")
        mem.unregister("_p")
        del postings
        index = cls(version, [(lang, tok) for lang, tok in pairs if kind_of(tok) != "break"], tok_id,
                    sorted(t for t in tok_id if kind_of(t) == "break"), mem=mem)
        for i, (_, tok) in enumerate(index.pairs):
            f = fold_word(tok) if kind_of(tok) == "word" else tok
            keys = {f[:1]}
            if kind_of(tok) == "word":
                keys.add("key:" + match_key(f)[:1])
            for k in keys:
                index.first.setdefault(k, []).append(i)
        return index

    def candidates(self, word: str, use_stem: bool, translit: bool) -> set[str]:
        """Every token kwic could expand `word` to in any selection (a superset), and the tokens
        starting with the word as written or in the other script (kwic asks their languages
        when the word itself is absent)."""
        q = word.rstrip("*")
        variants = [q]
        if kind_of(q) == "word":
            q = fold_word(q)
            variants = [q] + ([to_cyrillic(q) if script_of(q) == "latn" else to_latin(q)]
                              if translit and script_of(q) in ("cyrl", "latn") else [])
        # kwic's matches share the query's first letter, or the first letter of its skeleton across
        # scripts (a stem never changes a word's first letter): only those pairs are examined
        keys = {v[:1] for v in variants} | ({"key:" + match_key(q)[:1]} if kind_of(q) == "word" else set())
        idx = sorted({i for k in keys for i in self.first.get(k, ())})
        pool = [self.pairs[i] for i in idx]
        langs: dict[str, set[str]] = {}
        for lang, tok in pool:
            langs.setdefault(tok, set()).add(lang)
        found = expand(word, _EveryLanguage(pool, langs), use_stem, translit)
        return found | {t for _, t in pool for v in variants if v and t.startswith(v)}

    def postings(self, tokens: set[str]) -> pa.Table:
        """(post_id, tok) of every post holding one of the tokens."""
        ids = [self.tok_id[t] for t in tokens if t in self.tok_id]
        names = pa.table({"tok_id": pa.array(ids, pa.int32()),
                          "tok": pa.array([t for t in tokens if t in self.tok_id], pa.string())})
        with self.lock:  # one DuckDB connection, used by one thread at a time
            cur = self.mem.cursor()
            try:
                cur.register("_names", names)
                return cur.sql("SELECT DISTINCT i.post_id, n.tok FROM idx i JOIN _names n USING (tok_id)").to_arrow_table()
            finally:
                cur.close()


class IndexCache:
    """The app's one search index, rebuilt when the data changed (server state, not a global)."""

    def __init__(self) -> None:
        self._index: SearchIndex | None = None
        self._lock = threading.Lock()
        self.built_in: float = 0.0

    def get(self, ws) -> SearchIndex:
        version = data_version(ws)
        with self._lock:  # one build at a time; the others wait for it
            if self._index is None or self._index.version != version:
                self._index = None  # free the old one before building the next
                started = time.perf_counter()
                self._index = SearchIndex.build(ws, version)
                self.built_in = time.perf_counter() - started
            return self._index


@dataclass
class Found:
    """The posts matching a query within a selection: the temp table `_found(post_id)` and its size,
    or why nothing matched (kwic's sentence)."""

    count: int
    empty_reason: str | None = None


def search(ws, index: SearchIndex, query: str, flt, extra: str = "TRUE", use_stem: bool = True,
           translit: bool = True) -> Found:
    """Fill the temp table `_found(post_id)` with the posts of PostFilter `flt` (and the SQL
    condition `extra` over posts_v) that `shailoo kwic QUERY` finds."""
    if not index.complete:
        return _by_kwic(ws, query, flt, extra, use_stem, translit)
    where, params = flt.where(ws)
    where = f"({where}) AND {extra}"
    tree = parse_query(query)
    pos_leaves = [lf for lf, positive in leaves(tree) if positive]
    if not pos_leaves:
        raise UsageError("A query needs at least one word that is not negated with NOT.")
    words = {w for lf, _ in leaves(tree) for w in lf.words}
    cand = {w: index.candidates(w, use_stem, translit) for w in words}
    con = ws.con
    con.register("_cand_posts", index.postings(set().union(*cand.values())))
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _cand AS
            SELECT c.post_id, c.tok, {LANG_SQL} AS lang FROM _cand_posts c
            JOIN (SELECT post_id FROM posts_v WHERE {where}) s USING (post_id)
            LEFT JOIN post_language l USING (post_id)""", params)
    finally:
        con.unregister("_cand_posts")
    pairs = con.execute("SELECT DISTINCT lang, tok FROM _cand").fetchall()
    langs_of: dict[str, set[str]] = {}
    for lang, tok in pairs:
        langs_of.setdefault(tok, set()).add(lang)
    vocab = Vocabulary([(lang, tok) for lang, tok in pairs], langs_of)  # kwic's, for the tokens that matter
    for lf, _ in leaves(tree):
        lf.matches = [expand(w, vocab, use_stem, translit) for w in lf.words]
    missing = [w for lf in pos_leaves for w, m in zip(lf.words, lf.matches) if not m]
    if missing:
        near = _nearest(ws, index, missing[0], where, params)
        hint = f"; the nearest terms are {', '.join(near)}" if near else ""
        return Found(0, f"No selected post contains '{missing[0].rstrip('*')}'{hint}.")
    phrases = any(len(lf.words) > 1 for lf, _ in leaves(tree))
    toks_join = ("JOIN (SELECT post_id, list_filter(toks, lambda x: NOT list_contains("
                 f"{_list(index.breaks)}, x)) AS toks FROM post_tokens) t USING (post_id)") if phrases else ""
    wanted = sorted(set().union(*(m for lf in pos_leaves for m in lf.matches)))
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _found AS
        SELECT post_id FROM (SELECT post_id, list(DISTINCT tok) AS w FROM _cand GROUP BY post_id) c {toks_join}
        WHERE ({_tree_sql(tree)}) AND ({' OR '.join(_leaf_sql(lf) for lf in pos_leaves)})""")
    n = con.execute("SELECT count(*) FROM _found").fetchall()[0][0]
    if n == 0:
        near = con.execute(f"SELECT count(DISTINCT post_id) FROM _cand WHERE tok IN (SELECT unnest({_list(wanted)}))"
                           ).fetchall()[0][0]
        return Found(0, f"{near:,} selected post(s) contain words of the query '{query}', but none matches all of it.")
    return Found(n)


def _nearest(ws, index: SearchIndex, word: str, where: str, params: list) -> list[str]:
    """kwic's `nearest_terms` among the selected posts' words: the workspace's words close enough
    (same kind, same first letter, else any letter), best first, kept if a selected post holds them.
    Only the close ones are looked up (reading every word's posts would take seconds)."""
    q = word.rstrip("*")
    kind = kind_of(q)
    same = [t for t in index.tok_id if kind_of(t) == kind]
    for pool in ([t for t in same if t[:1] == q[:1]], same):
        close = nearest_terms(word, Vocabulary([("", t) for t in pool], {}), n=len(pool) or 1)
        if not close:
            continue
        ws.con.register("_like_posts", index.postings(set(close)))
        try:
            present = {t for (t,) in ws.con.execute(f"""SELECT DISTINCT tok FROM _like_posts
                WHERE post_id IN (SELECT post_id FROM posts_v WHERE {where})""", params).fetchall()}
        finally:
            ws.con.unregister("_like_posts")
        if present:
            return [t for t in close if t in present][:3]
    return []


def _by_kwic(ws, query: str, flt, extra: str, use_stem: bool, translit: bool) -> Found:
    """kwic itself (every token of the selection read again: slow at a million posts, exact)."""
    from shailoo.analysis.text_kwic import kwic
    from shailoo.text.pipeline import TextOptions

    r = kwic(ws, query, flt, TextOptions(stem=use_stem), translit=translit)
    ids = sorted(set(r.table.column("post_id").to_pylist()))
    ws.con.register("_kwic_ids", pa.table({"post_id": pa.array(ids, pa.int64())}))
    try:
        ws.con.execute(f"""CREATE OR REPLACE TEMP TABLE _found AS SELECT post_id FROM posts_v
                           WHERE post_id IN (SELECT post_id FROM _kwic_ids) AND {extra}""")
    finally:
        ws.con.unregister("_kwic_ids")
    n = ws.con.execute("SELECT count(*) FROM _found").fetchall()[0][0]
    return Found(n, r.empty_reason if r.empty_reason else None)


def _list(tokens) -> str:
    return "[" + ", ".join(lit(t) for t in tokens) + "]::VARCHAR[]" if tokens else "[]::VARCHAR[]"


def _leaf_sql(leaf: Leaf) -> str:
    """Does a post hold the leaf: one of its tokens (w: the post's candidate tokens), or the phrase's
    tokens one after the other (toks: the post's tokens without sentence ends)."""
    present = " AND ".join(f"list_has_any(w, {_list(sorted(m))})" for m in leaf.matches)
    n = len(leaf.matches)
    if n == 1:
        return present
    steps = " AND ".join(f"list_contains({_list(sorted(m))}, toks[i + {j}])" for j, m in enumerate(leaf.matches))
    return f"({present} AND len(list_filter(range(1, len(toks) - {n - 2}), lambda i: {steps})) > 0)"


def _tree_sql(tree) -> str:
    if isinstance(tree, Leaf):
        return _leaf_sql(tree)
    if tree[0] == "not":
        return f"NOT ({_tree_sql(tree[1])})"
    joiner = " AND " if tree[0] == "and" else " OR "
    return "(" + joiner.join(_tree_sql(t) for t in tree[1]) + ")"

"""Key-term search with keyword in context (KWIC).

Queries: words (implicit AND), "quoted phrases", AND, OR, NOT and parentheses; a word
ending in * is a prefix. Every word is expanded over the selected posts' vocabulary: to
words with the same stem in any of ru/ky/kk/uz/en (unless stem expansion is off) and to
the same word in the other script (`kyrgyz` finds кыргыз, кыргызы, кыргыздар).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa

from shailoo.errors import UsageError
from shailoo.text import LANGUAGES
from shailoo.text.pipeline import Corpus, TextOptions, TextResult
from shailoo.text.script import fold_word, script_of
from shailoo.text.stem import stem
from shailoo.text.tokens import kind_of, normalise, tokenize
from shailoo.text.translit import match_key, to_cyrillic, to_latin


@dataclass
class Leaf:
    words: list[str]  # one token, or a phrase (a trailing * marks a prefix)
    matches: list[set[str]] | None = None


def parse_query(query: str):
    """Parse into nested tuples ('or'|'and', [..]), ('not', x) or Leaf."""
    toks = re.findall(r'"[^"]*"|\(|\)|[^\s()"]+', query)
    pos = 0

    def peek():
        return toks[pos] if pos < len(toks) else None

    def take():
        nonlocal pos
        pos += 1
        return toks[pos - 1]

    def p_or():
        items = [p_and()]
        while peek() == "OR":
            take()
            items.append(p_and())
        return items[0] if len(items) == 1 else ("or", items)

    def p_and():
        items = [p_not()]
        while peek() not in (None, ")", "OR"):
            if peek() == "AND":
                take()
            items.append(p_not())
        return items[0] if len(items) == 1 else ("and", items)

    def p_not():
        if peek() == "NOT":
            take()
            return ("not", p_not())
        t = take() if peek() is not None else None
        if t is None or t == ")":
            raise UsageError(f"The query '{query}' is incomplete; write e.g. kyrgyz AND (work OR job).")
        if t == "(":
            e = p_or()
            if peek() != ")":
                raise UsageError(f"The query '{query}' has an unclosed parenthesis.")
            take()
            return e
        words = _query_tokens(t.strip('"'))
        if not words:
            raise UsageError(f"'{t}' holds no word, number, hashtag or mention to search for; remove it.")
        return Leaf(words)

    tree = p_or()
    if pos != len(toks):
        raise UsageError(f"The query '{query}' has an unexpected '{toks[pos]}'.")
    return tree


def leaves(tree, positive: bool = True):
    """(leaf, is it outside any NOT) pairs."""
    if isinstance(tree, Leaf):
        yield tree, positive
    elif tree[0] == "not":
        yield from leaves(tree[1], not positive)
    else:
        for t in tree[1]:
            yield from leaves(t, positive)


def _query_tokens(text: str) -> list[str]:
    """The tokens of a query word or phrase; `word*` keeps its star (a prefix)."""
    out = []
    for part in text.split():
        toks = [t.text for t in tokenize(part.rstrip("*"))]
        if toks and part.endswith("*"):
            toks[-1] += "*"
        out += toks
    return out


@dataclass
class Vocabulary:
    """The distinct tokens of the selected posts: (lang, tok) pairs, and each token's languages."""

    pairs: list[tuple[str, str]]
    langs_of: dict[str, set[str]]
    forced: str | None = None  # --language

    def query_languages(self, word: str) -> set[str]:
        if self.forced:
            return {self.forced}
        found = self.langs_of.get(word, set()) & set(LANGUAGES)
        if not found:
            found = set().union(*(ls for t, ls in self.langs_of.items() if t.startswith(word))) & set(LANGUAGES)
        if found:
            return found
        from shailoo.text.langid import detect_languages, languages_of

        return set(languages_of(detect_languages([word])[0][0])) & set(LANGUAGES)


def expand(word: str, vocab: Vocabulary, use_stem: bool, translit: bool) -> set[str]:
    """The corpus tokens a query token stands for."""
    prefix = word.endswith("*")
    q = word.rstrip("*")
    if kind_of(q) != "word":  # hashtags, mentions, numbers, URLs: as written
        return {t for _, t in vocab.pairs if (t.startswith(q) if prefix else t == q)}
    q = fold_word(q)
    sq = script_of(q)
    # Each variant of the query (as written; transliterated) in its script, with its stemmed forms.
    variants = [(q, sq)]
    if translit and sq in ("cyrl", "latn"):
        v = to_cyrillic(q) if sq == "latn" else to_latin(q)
        variants.append((v, "cyrl" if sq == "latn" else "latn"))
    qkey = match_key(q)
    stems = {}
    if use_stem and not prefix:
        for v, sv in variants:
            for lang in vocab.query_languages(v):
                stems[(lang, sv)] = stem(lang, v)
    out = set()
    for lang, tok in vocab.pairs:
        if kind_of(tok) != "word":
            continue
        f = fold_word(tok)
        sf = script_of(f)
        if sf == sq or sf == "none" or sq == "none":
            hit = f.startswith(q) if prefix else f == q
        elif translit:  # across scripts only: the loose skeleton
            k = match_key(f)
            hit = k.startswith(qkey) if prefix else k == qkey
        else:
            hit = False
        if not hit and (lang, sf) in stems:
            hit = stem(lang, f) == stems[(lang, sf)]
        if hit:
            out.add(tok)
    return out


def nearest_terms(word: str, vocab: Vocabulary, n: int = 3) -> list[str]:
    """Tokens of the corpus closest in spelling to a query token that matched nothing."""
    import difflib

    q = word.rstrip("*")
    kind = kind_of(q)
    pool = sorted({t for _, t in vocab.pairs if kind_of(t) == kind and t[:1] == q[:1]}
                  or {t for _, t in vocab.pairs if kind_of(t) == kind})
    return difflib.get_close_matches(q, pool, n=n, cutoff=0.6)


def evaluate(tree, present) -> bool:
    if isinstance(tree, Leaf):
        return present(tree)
    if tree[0] == "not":
        return not evaluate(tree[1], present)
    vals = (evaluate(t, present) for t in tree[1])
    return all(vals) if tree[0] == "and" else any(vals)


def spans(leaf: Leaf, words) -> list[tuple[int, int]]:
    """Character spans where a leaf (token or phrase) occurs among a post's tokens."""
    n = len(leaf.matches)
    return [(words[i].start, words[i + n - 1].end) for i in range(len(words) - n + 1)
            if all(words[i + j].text in leaf.matches[j] for j in range(n))]


def kwic(ws, query: str, post_filter=None, options: TextOptions | None = None, width: int = 40,
         top: int = 0, translit: bool = True) -> TextResult:
    """Find posts matching a query; one row per hit with left context, keyword, right context.
    A query that matches nothing gives an empty table and `empty_reason`."""
    options = options or TextOptions()
    corpus = Corpus.from_workspace(ws, post_filter, TextOptions(language=options.language, stem=options.stem,
                                                                sample=options.sample))
    tree = parse_query(query)
    pos_leaves = [lf for lf, positive in leaves(tree) if positive]
    if not pos_leaves:
        raise UsageError("A query needs at least one word that is not negated with NOT.")
    con = corpus.con
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _kt AS SELECT DISTINCT post_id, lang, tok FROM (
        SELECT d.post_id, d.lang, unnest(t.toks) AS tok FROM _docs d JOIN {corpus.tokens_table} t USING (post_id))""")
    rows = con.execute("SELECT lang, tok, count(*) FROM _kt GROUP BY ALL").fetchall()
    langs_of: dict[str, set[str]] = {}
    for lang, tok, _ in rows:
        langs_of.setdefault(tok, set()).add(lang)
    vocab = Vocabulary([(lang, tok) for lang, tok, _ in rows if kind_of(tok) != "break"], langs_of,
                       options.language)
    for lf, _ in leaves(tree):
        lf.matches = [expand(w, vocab, options.stem, translit) for w in lf.words]
    columns = ("post_id", "platform", "created_at", "local_time", "url", "left", "keyword", "right")
    out = {k: [] for k in columns}
    missing = [w for lf in pos_leaves for w, m in zip(lf.words, lf.matches) if not m]
    if missing:
        near = nearest_terms(missing[0], vocab)
        hint = f"; the nearest terms are {', '.join(near)}" if near else ""
        reason = f"No selected post contains '{missing[0].rstrip('*')}'{hint}."
        return TextResult(_empty(columns), [], empty_reason=reason)
    wanted = sorted(set().union(*(m for lf in pos_leaves for m in lf.matches)))
    con.register("_kw", pa.table({"tok": pa.array(wanted, pa.string())}))
    hits = con.execute("""SELECT d.post_id, d.platform, d.created_at, p.local_time, d.url,
               coalesce(p.text_norm, p.text, '')
        FROM _docs d JOIN posts_v p USING (post_id)
        WHERE d.post_id IN (SELECT post_id FROM _kt JOIN _kw USING (tok)) ORDER BY d.created_at, d.post_id""").fetchall()
    con.unregister("_kw")
    for post_id, platform, created, local, url, text in hits:
        toks = tokenize(text)
        found = {id(lf): spans(lf, toks) for lf, _ in leaves(tree)}
        if not evaluate(tree, lambda lf: bool(found[id(lf)])):
            continue
        shown = text if len(normalise(text)) == len(text) else normalise(text)
        for a, b in sorted({s for lf in pos_leaves for s in found[id(lf)]}):
            for key, val in (("post_id", post_id), ("platform", platform), ("created_at", created),
                             ("local_time", local), ("url", url),
                             ("left", _clean(shown[max(0, a - width):a])), ("keyword", shown[a:b]),
                             ("right", _clean(shown[b:b + width]))):
                out[key].append(val)
        if top and len(out["post_id"]) >= top:
            break
    if not out["post_id"]:
        n = len(hits)
        return TextResult(_empty(columns), [], empty_reason=(
            f"{n:,} selected post(s) contain words of the query '{query}', but none matches all of it."))
    table = pa.table(out)
    return TextResult(table.slice(0, top) if top else table, [])


def _empty(columns) -> pa.Table:
    return pa.table({k: pa.array([], pa.string()) for k in columns})


def _clean(s: str) -> str:
    return re.sub(r"\s+", " ", s)

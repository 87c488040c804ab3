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
from shailoo.text.tokens import normalise, tokenize, word_list_sql
from shailoo.text.translit import match_key, to_cyrillic, to_latin


@dataclass
class Leaf:
    words: list[str]  # one word, or a phrase
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
        words = [normalise(w) for w in re.findall(r"[^\s]+", t.strip('"'))]
        if not words:
            raise UsageError("An empty phrase \"\" matches nothing; remove it.")
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


def expand(word: str, vocab: list[tuple[str, str]], use_stem: bool, translit: bool) -> set[str]:
    """The corpus tokens a query word stands for; vocab holds distinct (lang, tok)."""
    prefix = word.endswith("*")
    q = fold_word(word.rstrip("*"))
    variants = {q}
    if translit:
        variants |= {to_cyrillic(q)} if script_of(q) == "latn" else {to_latin(q)}
    keys = {match_key(v) for v in variants} if translit else set(variants)
    stems = set()
    if use_stem and not prefix:
        stems = {(match_key(s) if translit else s) for v in variants for lang in LANGUAGES for s in [stem(lang, v)]}
    out = set()
    for lang, tok in vocab:
        f = fold_word(tok)
        k = match_key(f) if translit else f
        if (k.startswith(tuple(keys)) if prefix else k in keys):
            out.add(tok)
        elif stems and lang in LANGUAGES:
            s = stem(lang, f)
            if (match_key(s) if translit else s) in stems:
                out.add(tok)
    return out


def evaluate(tree, present) -> bool:
    if isinstance(tree, Leaf):
        return present(tree)
    if tree[0] == "not":
        return not evaluate(tree[1], present)
    vals = (evaluate(t, present) for t in tree[1])
    return all(vals) if tree[0] == "and" else any(vals)


def spans(leaf: Leaf, words) -> list[tuple[int, int]]:
    """Character spans where a leaf (word or phrase) occurs among a post's word tokens."""
    n = len(leaf.matches)
    return [(words[i].start, words[i + n - 1].end) for i in range(len(words) - n + 1)
            if all(words[i + j].text in leaf.matches[j] for j in range(n))]


def kwic(ws, query: str, post_filter=None, options: TextOptions | None = None, width: int = 40,
         top: int = 0, translit: bool = True) -> TextResult:
    """Find posts matching a query; one row per hit with left context, keyword, right context."""
    options = options or TextOptions()
    corpus = Corpus.from_workspace(ws, post_filter, TextOptions(language=options.language, stem=options.stem,
                                                                sample=options.sample))
    tree = parse_query(query)
    pos_leaves = [lf for lf, positive in leaves(tree) if positive]
    if not pos_leaves:
        raise UsageError("A query needs at least one word that is not negated with NOT.")
    con = corpus.con
    con.execute(f"CREATE OR REPLACE TEMP TABLE _kt AS SELECT DISTINCT post_id, lang, unnest({word_list_sql('text')}) AS tok FROM _docs")
    vocab = con.execute("SELECT DISTINCT lang, tok FROM _kt").fetchall()
    for lf, _ in leaves(tree):
        lf.matches = [expand(w, vocab, options.stem, translit) for w in lf.words]
    wanted = sorted(set().union(*(m for lf in pos_leaves for m in lf.matches)))
    con.register("_kw", pa.table({"tok": pa.array(wanted, pa.string())}))
    rows = con.execute("""SELECT d.post_id, d.platform, d.created_at, d.url, d.text FROM _docs d
        WHERE d.post_id IN (SELECT post_id FROM _kt JOIN _kw USING (tok)) ORDER BY d.created_at, d.post_id""").fetchall()
    con.unregister("_kw")
    out = {k: [] for k in ("post_id", "platform", "created_at", "url", "left", "keyword", "right")}
    for post_id, platform, created, url, text in rows:
        words = [t for t in tokenize(text) if t.kind == "word"]
        found = {id(lf): spans(lf, words) for lf, _ in leaves(tree)}
        if not evaluate(tree, lambda lf: bool(found[id(lf)])):
            continue
        shown = text if len(normalise(text)) == len(text) else normalise(text)
        for a, b in sorted({s for lf in pos_leaves for s in found[id(lf)]}):
            for key, val in (("post_id", post_id), ("platform", platform), ("created_at", created), ("url", url),
                             ("left", _clean(shown[max(0, a - width):a])), ("keyword", shown[a:b]),
                             ("right", _clean(shown[b:b + width]))):
                out[key].append(val)
        if top and len(out["post_id"]) >= top:
            break
    table = pa.table(out) if out["post_id"] else pa.table({k: pa.array([], pa.string()) for k in out})
    return TextResult(table.slice(0, top) if top else table, [])


def _clean(s: str) -> str:
    return re.sub(r"\s+", " ", s)

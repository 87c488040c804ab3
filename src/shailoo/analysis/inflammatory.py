"""Inflammatory language: posts flagged by editable lexicons (ru, ky, kk, uz), counted per actor, category,
platform and week, and listed for human review. Flags are leads for monitors, not findings.

Lexicons: `shailoo/text/lexicons/<lang>.txt` as shipped (starting lists; SOURCES.md says where their
categories come from), each replaced by the workspace's own `<workspace>/lexicons/<lang>.txt` when that
file exists. A line is a word or a phrase under a `[category]` heading; `word*` matches every word
beginning so.

Matching is set-oriented: posts are tokenised once (the cached `post_tokens`, the one tokeniser); only
the *distinct* words of the selected posts go through Python, where each is folded (look-alike letters
from the other alphabet, text/script.py) and stemmed by the language's stemmer (text/stem.py, cached per
word); Latin-script words are also read through Cyrillic (text/translit.py) for ru, ky and kk, and the
Uzbek stemmer keys Cyrillic and Latin Uzbek alike. The words whose stem is a lexicon stem are joined back
to the tokens in SQL; a phrase matches when its words' stems follow each other.

A lexicon applies to the posts identified in its language, and to posts in a language without a
lexicon (`any_language` applies every lexicon to every post).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pyarrow as pa

from shailoo.errors import UsageError

LEXICON_LANGUAGES = ("ru", "ky", "kk", "uz")
CATEGORIES = ("insult", "dehumanising", "ethnic_religious", "enemy_traitor", "violent_call")
MAX_LEXICON_BYTES = 2_000_000
MAX_PHRASE_WORDS = 5
LEADS_NOTE = ("Flags are leads for monitors, not findings: a lexicon match marks a post to read (it may quote, "
              "report or condemn the word); only posts reviewed by monitors can be reported as inflammatory.")
BY = ("actor", "category", "platform", "week", "lexicon_category", "none")
_GROUP = {"actor": "coalesce(p.actor, '(unregistered)')", "category": "coalesce(p.category, '(unregistered)')",
          "platform": "p.platform", "week": "CAST(p.week AS VARCHAR)", "none": "'all'"}


@dataclass(frozen=True)
class Entry:
    lang: str
    category: str
    term: str  # as written in the lexicon
    words: tuple[str, ...]  # normalised words; a prefix entry is one word ending without its '*'
    prefix: bool = False


def lexicon_folder(ws) -> Path:
    return Path(ws.path) / "lexicons"


def shipped_text(lang: str) -> str:
    return (resources.files("shailoo.text") / "lexicons" / f"{lang}.txt").read_text(encoding="utf-8")


def lexicon_text(ws, lang: str) -> tuple[str, str]:
    """(text, where it came from) of a language's lexicon: the workspace's file, else the shipped one."""
    _check_lang(lang)
    own = lexicon_folder(ws) / f"{lang}.txt" if ws is not None else None
    if own is not None and own.is_file():
        if own.stat().st_size > MAX_LEXICON_BYTES:
            raise UsageError(f"{own} is larger than {MAX_LEXICON_BYTES:,} bytes; a lexicon is a list of words.")
        try:
            return own.read_text(encoding="utf-8-sig"), str(own)
        except UnicodeDecodeError:
            raise UsageError(f"{own} is not UTF-8 text; save it as UTF-8.") from None
    return shipped_text(lang), f"shipped {lang}.txt"


def _check_lang(lang: str) -> None:
    if lang not in LEXICON_LANGUAGES:
        raise UsageError(f"There is no lexicon for '{lang}'; lexicons exist for {', '.join(LEXICON_LANGUAGES)}.")


def parse_lexicon(text: str, lang: str, source: str = "lexicon") -> list[Entry]:
    """Entries of a lexicon text; a line outside any [category], or a category shailoo does not know, is a
    usage error naming its line (a typo must not silently drop words)."""
    from shailoo.text.stem import normalise_word

    entries, category = [], None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"\[\s*([a-z_]+)\s*\]", line)
        if m:
            category = m.group(1)
            if category not in CATEGORIES:
                raise UsageError(f"{source} line {number}: unknown category [{category}]; use "
                                 f"{', '.join(CATEGORIES)}.")
            continue
        if category is None:
            raise UsageError(f"{source} line {number}: '{line[:40]}' comes before any [category] heading.")
        prefix = line.endswith("*")
        words = tuple(normalise_word(w) for w in line.rstrip("*").split() if w.strip())
        if not words or len(words) > MAX_PHRASE_WORDS or (prefix and len(words) != 1) or len(line) > 200:
            raise UsageError(f"{source} line {number}: '{line[:40]}' is not a word, a phrase of up to "
                             f"{MAX_PHRASE_WORDS} words, or one word ending in *.")
        entries.append(Entry(lang, category, line, words, prefix))
    return entries


def load_lexicons(ws, languages: tuple[str, ...] = LEXICON_LANGUAGES) -> tuple[list[Entry], list[str]]:
    """Every entry of the lexicons in use, and where each lexicon came from."""
    entries, sources = [], []
    for lang in languages:
        text, where = lexicon_text(ws, lang)
        entries += parse_lexicon(text, lang, where)
        sources.append(f"{lang}: {where}")
    return entries, sources


def _keys(con, lang: str, words: list[str]) -> list[str]:
    """The matching key of normalised words: their stem (cached in the workspace)."""
    from shailoo.text.stem import cached_stem_words

    return cached_stem_words(con, lang, words) if words else []


@dataclass
class Flags:
    """The matches of a selection: `hits` (post_id, lang, category, term, word), the selected posts' count."""

    hits: pa.Table
    posts_selected: int
    notes: list[str] = field(default_factory=list)


def find_flags(ws, flt=None, any_language: bool = False, categories: tuple[str, ...] = ()) -> Flags:
    """Match the lexicons against the posts a PostFilter selects; temp table `_inf_hits` holds the hits."""
    from shailoo.analysis.filters import PostFilter
    from shailoo.text.pipeline import Corpus, TextOptions
    from shailoo.text.script import fold_word, script_of
    from shailoo.text.translit import to_cyrillic

    bad = [c for c in categories if c not in CATEGORIES]
    if bad:
        raise UsageError(f"Unknown lexicon category '{bad[0]}'; use some of {', '.join(CATEGORIES)}.")
    con = ws.con
    entries, sources = load_lexicons(ws)
    if categories:
        entries = [e for e in entries if e.category in categories]
    corpus = Corpus.from_workspace(ws, flt or PostFilter(), TextOptions(stop_words=False))
    con.execute(f"CREATE OR REPLACE TEMP TABLE _inf_tok AS {corpus.sentence_tokens_sql()}")
    # the lexicon's keys, per language: (lang, key, prefix?)
    keys: dict[str, set[str]] = {}
    prefixes: dict[str, list[str]] = {}
    entry_keys: list[tuple[Entry, tuple[str, ...]]] = []
    for lang in LEXICON_LANGUAGES:
        mine = [e for e in entries if e.lang == lang]
        words = sorted({w for e in mine if not e.prefix for w in e.words})
        # a word's keys: its stem, and the word itself in the stems' alphabet (a stemmer may cut a lexicon
        # word shorter than the same word inflected: Uzbek 'xoin' -> 'xoi' but 'xoinlar' -> 'xoin')
        # A stem cut to under 3 letters or under half the word ('доңуз' -> 'до') would match unrelated words:
        # such a word matches only as itself.
        stems = {w: {s, _as_key(lang, w)} if len(s) >= max(3, len(w) // 2) else {_as_key(lang, w)}
                 for w, s in zip(words, _keys(con, lang, words))}
        for e in mine:
            ks = tuple({w} for w in e.words) if e.prefix else tuple(stems[w] for w in e.words)
            entry_keys.append((e, ks))
            for k in ks:
                if e.prefix:
                    prefixes.setdefault(lang, []).extend(k)
                else:
                    keys.setdefault(lang, set()).update(k)
    others = "', '".join(LEXICON_LANGUAGES)
    vocab_rows: list[tuple[str, str, str]] = []  # (lexicon lang, token, key)
    for lang in LEXICON_LANGUAGES:
        if not keys.get(lang) and not prefixes.get(lang):
            continue
        where = "TRUE" if any_language else f"(lang = '{lang}' OR lang NOT IN ('{others}'))"
        toks = [t for (t,) in con.execute(f"""SELECT DISTINCT tok FROM _inf_tok WHERE {where}
                                              AND length(tok) >= 2 AND regexp_matches(tok, '^\\p{{L}}[\\p{{L}}\\p{{M}}''ʻ’-]*$')""").fetchall()]
        folded = [fold_word(t) for t in toks]
        forms = list(zip(toks, folded))
        if lang != "uz":  # Latin spellings of Cyrillic words ('predatel', 'satkyn')
            forms += [(t, to_cyrillic(f)) for t, f in zip(toks, folded) if script_of(f) == "latn"]
        stems = _keys(con, lang, [f for _, f in forms])
        wanted, pre = keys.get(lang, set()), tuple(prefixes.get(lang, ()))
        for (tok, form), key in zip(forms, stems):
            if key in wanted:
                vocab_rows.append((lang, tok, key))
            if pre and form.startswith(pre):
                vocab_rows.extend((lang, tok, p) for p in pre if form.startswith(p))
    _register(con, "_inf_vocab", pa.table({"llang": pa.array([r[0] for r in vocab_rows], pa.string()),
                                           "tok": pa.array([r[1] for r in vocab_rows], pa.string()),
                                           "key": pa.array([r[2] for r in vocab_rows], pa.string())}))
    rows = [(i, e.lang, e.category, e.term, key, pos, len(ks)) for i, (e, ks) in enumerate(entry_keys)
            for pos, k in enumerate(ks) for key in sorted(k)]
    _register(con, "_inf_entries", pa.table({
        "entry": pa.array([r[0] for r in rows], pa.int32()), "llang": pa.array([r[1] for r in rows], pa.string()),
        "category": pa.array([r[2] for r in rows], pa.string()), "term": pa.array([r[3] for r in rows], pa.string()),
        "key": pa.array([r[4] for r in rows], pa.string()), "k": pa.array([r[5] for r in rows], pa.int32()),
        "n": pa.array([r[6] for r in rows], pa.int32())}))
    # token positions whose word is a lexicon key, then entries whose words follow each other
    con.execute("""CREATE OR REPLACE TEMP TABLE _inf_pos AS
        SELECT DISTINCT t.post_id, t.pos, t.tok, v.llang, v.key FROM _inf_tok t JOIN _inf_vocab v USING (tok)""")
    lengths = sorted({len(ks) for _, ks in entry_keys}) or [1]
    parts = []
    for n in lengths:
        joins = " ".join(f"""JOIN _inf_pos h{k} ON h{k}.post_id = h0.post_id AND h{k}.pos = h0.pos + {k}
                             AND h{k}.llang = h0.llang
                             JOIN _inf_entries e{k} ON e{k}.entry = e0.entry AND e{k}.k = {k} AND e{k}.key = h{k}.key"""
                         for k in range(1, n))
        words = " || ' ' || ".join(f"h{k}.tok" for k in range(n))
        parts.append(f"""SELECT h0.post_id, h0.pos, e0.llang AS lang, e0.category, e0.term, {words} AS word
            FROM _inf_pos h0 JOIN _inf_entries e0 ON e0.llang = h0.llang AND e0.k = 0 AND e0.n = {n} AND e0.key = h0.key
            {joins}""")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _inf_hits AS SELECT DISTINCT * FROM ({' UNION ALL '.join(parts)})")
    from shailoo.coding.samples import query_table

    hits = query_table(con, "SELECT post_id, lang, category, term, word FROM _inf_hits ORDER BY post_id, pos")
    for t in ("_inf_tok", "_inf_pos"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    notes = [LEADS_NOTE, "Lexicons: " + "; ".join(sources) + "."] + corpus.notes
    return Flags(hits, corpus.n_docs, notes)


def _as_key(lang: str, word: str) -> str:
    """A lexicon word written as the stemmer writes its keys (Uzbek: Latin without apostrophes)."""
    from shailoo.text.turkic import key_alphabet

    return key_alphabet(lang, word).replace("'", "") if lang == "uz" else word


def _register(con, name: str, table: pa.Table) -> None:
    con.register(f"{name}_arrow", table)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
    con.unregister(f"{name}_arrow")


def flag_counts(ws, flt=None, by: str = "actor", any_language: bool = False,
                flags: Flags | None = None) -> tuple[pa.Table, list[str]]:
    """Flagged posts and matches per group (actor, category, platform, week, lexicon category) and lexicon
    category, beside the posts selected in the group (the share's denominator). `flags`: the result of
    `find_flags` just run on this connection for the same selection (its tables are reused, so several
    groupings match the lexicons once)."""
    from shailoo.coding.samples import query_table

    if by not in BY:
        raise UsageError(f"--by must be one of {', '.join(BY)}, not '{by}'.")
    flags = flags if flags is not None else find_flags(ws, flt, any_language)
    grp = "h.category" if by == "lexicon_category" else _GROUP[by]
    if by == "lexicon_category":
        sql = """SELECT h.category AS lexicon_category, count(DISTINCT h.post_id) AS flagged_posts, count(*) AS matches,
                        (SELECT count(*) FROM _docs) AS posts, string_agg(DISTINCT h.term, ', ') AS terms
                 FROM _inf_hits h GROUP BY ALL ORDER BY flagged_posts DESC, 1"""
    else:
        sql = f"""WITH sel AS (SELECT {grp} AS grp, count(*) AS posts FROM posts_v p
                               WHERE p.post_id IN (SELECT post_id FROM _docs) GROUP BY ALL)
                  SELECT {grp} AS {by if by != 'none' else 'all'}, h.category AS lexicon_category,
                         count(DISTINCT h.post_id) AS flagged_posts, count(*) AS matches, any_value(s.posts) AS posts,
                         round(100.0 * count(DISTINCT h.post_id) / any_value(s.posts), 2) AS flagged_pct,
                         string_agg(DISTINCT h.term, ', ') AS terms
                  FROM _inf_hits h JOIN posts_v p USING (post_id) JOIN sel s ON s.grp = {grp}
                  GROUP BY ALL ORDER BY 1, flagged_posts DESC, 2"""
    table = query_table(ws.con, sql)
    notes = list(flags.notes)
    if not table.num_rows:
        notes.insert(0, f"No post of the {flags.posts_selected:,} selected matches the lexicons.")
    return table, notes


def flagged_posts(ws, flt=None, any_language: bool = False, categories: tuple[str, ...] = ()) -> tuple[pa.Table, list[str]]:
    """The flagged posts for review: day, actor, platform, lexicon categories, the words matched, excerpt, link."""
    from shailoo.coding.samples import query_table

    flags = find_flags(ws, flt, any_language, categories)
    table = query_table(ws.con, """
        SELECT p.post_id, p.day, p.actor, p.category, p.platform,
               string_agg(DISTINCT h.category, ', ' ORDER BY h.category) AS lexicon_categories,
               string_agg(DISTINCT h.word, ', ') AS words, count(*) AS matches,
               left(regexp_replace(coalesce(p.text, p.title, ''), '\\s+', ' ', 'g'), 200) AS excerpt,
               CASE WHEN regexp_matches(coalesce(p.url, ''), '^https?://') THEN p.url END AS url
        FROM _inf_hits h JOIN posts_v p USING (post_id)
        GROUP BY p.post_id, p.day, p.actor, p.category, p.platform, p.text, p.title, p.url
        ORDER BY p.day, p.post_id""")
    return table, flags.notes


def draw_sample(ws, name: str, flt=None, any_language: bool = False, categories: tuple[str, ...] = (),
                replace_existing: bool = False) -> dict:
    """Store every flagged own post as coding sample `name` (stratum: its first lexicon category), so that
    monitors review the flags in the coding workflow."""
    from dataclasses import replace

    from shailoo.analysis.filters import PostFilter
    from shailoo.coding import samples
    from shailoo.errors import CodingError

    con = ws.con
    name = samples.check_name(name)
    flt = flt or PostFilter()
    old = con.execute("SELECT count(*) FROM samples WHERE name = ?", [name]).fetchall()[0][0]
    if old and not replace_existing:
        raise CodingError(f"A sample named '{name}' exists; give --replace to draw it again, or choose another name.")
    find_flags(ws, flt, any_language, categories)
    con.execute("""CREATE OR REPLACE TEMP TABLE _drawn AS
        SELECT h.post_id, min(h.category) AS stratum FROM _inf_hits h JOIN posts p USING (post_id)
        WHERE p.post_type NOT IN ('comment', 'reply') GROUP BY h.post_id""")
    drawn = con.execute("SELECT count(*), count(DISTINCT stratum) FROM _drawn").fetchall()[0]
    if not drawn[0]:
        con.execute("DROP TABLE _drawn")
        raise CodingError(f"No own post in this scope matches the lexicons, so sample '{name}' was not drawn.")
    samples._refuse_orphans(con, name)
    what = ", ".join(categories) if categories else "all categories"
    # by: the lexicon categories drawn; proportional: every lexicon on every post (any_language) — so
    # `shailoo coding sample redraw` can draw it again
    rule = replace(samples.SampleRule(kind="query", seed=0), kind="inflammatory", by=tuple(categories),
                   proportional=any_language, query=f"inflammatory-language lexicon flags ({what})",
                   scope=samples.scope_of(flt))
    return samples._store(con, name, rule, drawn)

"""Mentions: the (post, actor) pairs that are the units of `post_actor` variables (tone toward a candidate).

A post mentions a registered actor when its text (text, title, description, link text) holds the
actor's name or one of its aliases, in Cyrillic or Latin, in an inflected form:

- Every word is compared on `translit.match_key`, the loose script-free skeleton kwic uses across
  scripts, so Жапаров, Japarov and Zhaparov are one word.
- A word of the alias matches a token that is the word itself, or the word followed by one case
  ending of `SUFFIXES` (Kyrgyz, Kazakh, Uzbek, Russian; plural + case in Kyrgyz/Kazakh): Жапаровдун,
  Жапаровго, Japarovdun, Жапарова, Жапаровым. A word ending in vowels also matches its stem (the
  vowels removed) followed by an ending — never the bare stem: Жумалиева → Жумалиевой.
- A word under 4 letters (ЦИК, Ата, Ош) matches only exactly, so Ата never finds атасы.
- An alias of several words matches those words in a row (each inflected as above).
- Hashtags and @mentions count as words (#Жапаров, @japarov).

The author's own actor is not a mention: seed 002 codes the tone of coverage *of* candidates (media
posts × candidates mentioned), and an actor's own post speaks for itself, not about itself. Even when
the author names itself, the pair is left out unless `include_author` (source 'author').

Tokens come from the project's one tokeniser (`text.tokens.token_sql`, in DuckDB); Python only
computes the match key of each distinct token of the searched posts.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pyarrow as pa

from shailoo.coding.samples import query_table
from shailoo.errors import CodingError, UsageError
from shailoo.text.script import fold_word
from shailoo.text.tokens import kind_of, token_sql, tokenize
from shailoo.text.translit import match_key

MIN_INFLECTED = 4  # letters: shorter alias words match only exactly
MAX_ALIAS_WORDS = 8

_KY_CASES = """нын нин нун нүн дын дин дун дүн тын тин тун түн га ге го гө ка ке ко кө на не но нө
ны ни ну нү ды ди ду дү ты ти ту тү да де до дө та те то тө нда нде ндо ндө дан ден дон дөн тан тен тон төн
нан нен нон нөн дай дей дой дөй тай тей той төй менен""".split()
_KY_PLURAL = "лар лер лор лөр дар дер дор дөр тар тер тор төр".split()
_KY_POSSESSIVE = "ы и у ү сы си су сү".split()
_KK_CASES = """ның нің дың дің тың тің ға ге қа ке на не ны ні ды ді ты ті да де та те нда нде дан ден тан тен
нан нен мен бен пен""".split()
_KK_PLURAL = "лар лер дар дер тар тер".split()
_UZ = "нинг га ка қа ни да дан лар ning ga ka qa ni da dan lar".split()
_RU = """а я у ю ы и е ом ем ым им ой ей ою ею ых их ыми ими ам ям ами ями ах ях ая ое ую ого его ому ему ые ие
ии ия ию ией""".split()


def _suffixes() -> frozenset[str]:
    endings = set(_KY_CASES + _KY_PLURAL + _KY_POSSESSIVE + _KK_CASES + _KK_PLURAL + _UZ + _RU)
    endings |= {p + c for p in _KY_PLURAL + _KK_PLURAL for c in _KY_CASES + _KK_CASES}
    return frozenset(match_key(e) for e in endings) - {""}


SUFFIXES = _suffixes()
_MAX_SUFFIX = max(len(s) for s in SUFFIXES)
_VOWELS = "aeiou"


def token_key(token: str) -> str | None:
    """The match key of one token, or None for tokens that are not words (URLs, numbers ...)."""
    kind = kind_of(token)
    if kind in ("hashtag", "mention"):
        token, kind = token[1:], "word"
    if kind not in ("word", "number") or not token:
        return None
    return match_key(fold_word(token))


def alias_words(con) -> pa.Table:
    """One row per word of every actor's name and aliases and per base it matches from:
    actor_id, alias_no, n_words, word_idx, base, exact (short: no ending), stemmed (needs an ending)."""
    rows = con.execute("SELECT actor_id, name, coalesce(aliases, []) FROM actors ORDER BY actor_id").fetchall()
    out: dict[str, list] = {k: [] for k in ("actor_id", "alias_no", "n_words", "word_idx", "base", "exact", "stemmed")}
    for actor_id, name, aliases in rows:
        seen = set()
        for alias in [name, *aliases]:
            words = [t.text for t in tokenize(alias or "") if t.kind in ("word", "number", "hashtag", "mention")]
            keys = [token_key(w) for w in words][:MAX_ALIAS_WORDS + 1]
            if not keys or len(keys) > MAX_ALIAS_WORDS or None in keys or tuple(keys) in seen:
                continue
            seen.add(tuple(keys))
            no = len(seen)
            for i, (word, key) in enumerate(zip(words, keys)):
                letters = sum(ch.isalpha() for ch in word.lstrip("#@"))
                exact = letters < MIN_INFLECTED or kind_of(word) == "number"
                bases = [(key, False)]
                stem = key.rstrip(_VOWELS)
                if not exact and stem != key and len(stem) >= MIN_INFLECTED:
                    bases.append((stem, True))
                for base, stemmed in bases:
                    for k, v in zip(out, (actor_id, no, len(keys), i, base, exact, stemmed)):
                        out[k].append(v)
    return pa.table({"actor_id": pa.array(out["actor_id"], pa.int32()), "alias_no": pa.array(out["alias_no"], pa.int32()),
                     "n_words": pa.array(out["n_words"], pa.int32()), "word_idx": pa.array(out["word_idx"], pa.int32()),
                     "base": pa.array(out["base"], pa.string()), "exact": pa.array(out["exact"], pa.bool_()),
                     "stemmed": pa.array(out["stemmed"], pa.bool_())})


_TEXT = "concat_ws(chr(10), p.title, coalesce(p.text_norm, p.text), p.description, p.link_text)"


def find_mentions_sql(con, posts_sql: str, params: list | None = None, include_author: bool = False) -> pa.Table:
    """The mentions in the posts `posts_sql` selects (one column post_id): post_id, actor_id, source, matched."""
    params = list(params or [])
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _mtok AS
        SELECT post_id, unnest(toks) AS tok, unnest(range(1, len(toks) + 1)) AS pos FROM (
            SELECT p.post_id, {token_sql(_TEXT)} AS toks FROM posts p WHERE p.post_id IN ({posts_sql}))""", params)
    try:
        distinct = [r[0] for r in con.execute("SELECT DISTINCT tok FROM _mtok").fetchall()]
        keys = [token_key(t) for t in distinct]  # Python over distinct tokens only
        con.register("_mkeys", pa.table({"tok": pa.array(distinct, pa.string()), "key": pa.array(keys, pa.string())}))
        con.register("_malias", alias_words(con))
        con.register("_msuffix", pa.table({"suf": pa.array(sorted(SUFFIXES | {""}), pa.string())}))
        found = query_table(con, f"""
            WITH cut AS (  -- every way to read a token as base + ending
                SELECT k.tok, r.n AS cut, left(k.key, length(k.key) - r.n) AS base, right(k.key, r.n::BIGINT) AS suf
                FROM _mkeys k, range(0, {_MAX_SUFFIX + 1}) r(n)
                WHERE k.key IS NOT NULL AND length(k.key) > r.n),
            tok_match AS (
                SELECT DISTINCT c.tok, a.actor_id, a.alias_no, a.n_words, a.word_idx
                FROM cut c JOIN _msuffix s ON s.suf = c.suf JOIN _malias a ON a.base = c.base
                WHERE CASE WHEN a.exact THEN c.cut = 0 WHEN a.stemmed THEN c.cut > 0 ELSE true END),
            word_hits AS (
                SELECT t.post_id, t.pos, t.tok, m.* EXCLUDE (tok) FROM _mtok t JOIN tok_match m USING (tok)),
            phrases AS (
                SELECT post_id, actor_id, min(pos) AS start, string_agg(tok, ' ' ORDER BY word_idx) AS matched
                FROM word_hits GROUP BY post_id, actor_id, alias_no, n_words, pos - word_idx
                HAVING count(DISTINCT word_idx) = n_words),
            alias AS (
                SELECT post_id, actor_id, 'alias' AS source, arg_min(matched, start) AS matched
                FROM phrases GROUP BY post_id, actor_id),
            author AS (
                SELECT post_id, actor_id FROM posts_v
                WHERE post_id IN ({posts_sql}) AND actor_id IS NOT NULL AND NOT by_member)
            SELECT a.* FROM alias a ANTI JOIN author USING (post_id, actor_id)
            {"UNION ALL SELECT u.post_id, u.actor_id, coalesce(a.source, 'author'), a.matched FROM author u "
             "LEFT JOIN alias a USING (post_id, actor_id)" if include_author else ""}
            ORDER BY post_id, actor_id""", params)
    finally:
        for name in ("_mkeys", "_malias", "_msuffix"):
            try:
                con.unregister(name)
            except Exception:  # noqa: BLE001 - not registered when the token query failed
                pass
        con.execute("DROP TABLE IF EXISTS _mtok")
    return found


def _target(con, sample: str | None) -> tuple[str, list]:
    if sample is None:
        return "SELECT post_id FROM sample_posts", []
    if not con.execute("SELECT count(*) FROM samples WHERE name = ?", [sample]).fetchall()[0][0]:
        raise CodingError(f"There is no sample '{sample}'; see `shailoo coding sample list`.")
    return "SELECT post_id FROM sample_posts WHERE sample = ?", [sample]


def find_mentions(con, sample: str | None = None, include_author: bool = False) -> dict:
    """Find the mentions in a sample's posts (every sample's when None) and store them (source 'alias').

    Found again, a mention is kept; one no longer found (an alias was removed) is deleted unless it
    has codes; mentions coders added are never touched. Returns counts for a summary.
    """
    posts_sql, params = _target(con, sample)
    searched = con.execute(f"SELECT count(DISTINCT post_id) FROM ({posts_sql})", params).fetchall()[0][0]
    if not searched:
        raise CodingError("There is no sample to search yet; draw one with `shailoo coding sample draw`.")
    found = find_mentions_sql(con, posts_sql, params, include_author)
    con.register("_mfound", found)
    try:
        con.execute("BEGIN TRANSACTION")
        stale = f"""SELECT post_id, actor_id FROM (SELECT post_id, actor_id FROM mentions
                    WHERE source IN ('alias', 'author') AND post_id IN ({posts_sql}))
                    ANTI JOIN _mfound USING (post_id, actor_id)"""
        kept = con.execute(f"""SELECT count(*) FROM ({stale}) s WHERE EXISTS (SELECT 1 FROM codes c
                    WHERE c.post_id = s.post_id AND c.actor_id = s.actor_id)""", params).fetchall()[0][0]
        removed = con.execute(f"""DELETE FROM mentions m WHERE (m.post_id, m.actor_id) IN ({stale})
                    AND NOT EXISTS (SELECT 1 FROM codes c WHERE c.post_id = m.post_id AND c.actor_id = m.actor_id)
                    RETURNING 1""", params).fetchall()
        added = con.execute("""INSERT OR IGNORE INTO mentions (post_id, actor_id, source, matched, added_by, added_at)
                    SELECT post_id, actor_id, source, matched, NULL, ? FROM _mfound RETURNING 1""",
                            [datetime.now(timezone.utc)]).fetchall()
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("_mfound")
    return {"sample": sample or "(every sample)", "posts_searched": searched,
            "posts_with_mentions": len(set(found.column("post_id").to_pylist())), "mentions": found.num_rows,
            "added": len(added), "removed": len(removed), "kept_with_codes": kept}


def add_mention(con, post: int, actor: int, coder: str) -> bool:
    """Record that a post mentions an actor the alias search missed (source 'coder'); False if already known."""
    coder = (coder or "").strip()
    if not coder or len(coder) > 100:
        raise UsageError("Say who adds the mention with --coder NAME.")
    if not con.execute("SELECT count(*) FROM sample_posts WHERE post_id = ?", [post]).fetchall()[0][0]:
        raise CodingError("That post is in no sample; mentions are the units of posts drawn for coding.")
    rows = con.execute("""INSERT OR IGNORE INTO mentions (post_id, actor_id, source, matched, added_by, added_at)
                          VALUES (?, ?, 'coder', NULL, ?, ?) RETURNING 1""",
                       [post, actor, coder, datetime.now(timezone.utc)]).fetchall()
    return bool(rows)


def list_mentions(con, sample: str | None = None) -> pa.Table:
    """Mentions of a sample's posts (every mention when None): post, actor, source, matched form."""
    posts_sql, params = ("SELECT post_id FROM mentions", []) if sample is None else _target(con, sample)
    return query_table(con, f"""
        SELECT m.post_id, p.platform, p.url, p.local_time, a.name AS actor, a.category, m.source, m.matched,
               m.added_by, m.added_at
        FROM mentions m JOIN actors a USING (actor_id) JOIN posts_v p USING (post_id)
        WHERE m.post_id IN ({posts_sql}) ORDER BY p.created_at, m.post_id, a.name""", params)

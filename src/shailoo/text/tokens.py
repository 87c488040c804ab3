"""Tokens with kinds: word, number, url, hashtag, mention, emoji.

Tokenising happens in DuckDB SQL on the hot path (`TOKEN_SQL`, `token_sql`); `tokenize`
is the same rule in Python for single texts (KWIC lines, tests). Case is folded with
lower(), and every apostrophe Uzbek writers use (’ ʻ ʼ ‘ `) becomes ' so oʻzbek and
o‘zbek are one word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KINDS = ("word", "number", "url", "hashtag", "mention", "emoji")
APOSTROPHES = "’ʻʼ‘`"

# RE2 pattern (DuckDB). Alternatives in order of precedence: URLs first so their parts
# never become words.
TOKEN_SQL = (
    r"(?:https?://|www\.)[^\s]+"
    r"|[#@][\p{L}\p{N}_]+"
    r"|\p{N}+(?:[.,]\p{N}+)*"
    r"|\p{L}[\p{L}\p{M}]*(?:[-'][\p{L}\p{M}]+)*"
    r"|\p{So}"
)
NOISE_SQL = r"(?:https?://|www\.)[^\s]+|[#@][\p{L}\p{N}_]+"  # removed before extracting words only
WORD_SQL = r"\p{L}[\p{L}\p{M}]*(?:[-'][\p{L}\p{M}]+)*"
SENTENCE_SPLIT_SQL = r"[.!?…;:\n]+(?:\s|$)|\n"

_WORD_RE = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int


def normalise(text: str) -> str:
    """Fold case and apostrophes as the SQL tokeniser does."""
    return re.sub(f"[{APOSTROPHES}]", "'", text or "").lower()


def tokenize(text: str) -> list[Token]:
    """Split a text into typed tokens (positions refer to `text`)."""
    norm = normalise(text)
    out: list[Token] = []
    pos = 0
    for m in re.finditer(r"(?:https?://|www\.)\S+|[#@]\w+|\d+(?:[.,]\d+)*|[\U0001F000-\U0001FAFF\u2600-\u27BF]", norm):
        out += _words(norm, pos, m.start())
        s = m.group(0)
        kind = ("url" if s.startswith(("http", "www")) else "hashtag" if s[0] == "#"
                else "mention" if s[0] == "@" else "number" if s[0].isdigit() else "emoji")
        out.append(Token(kind, s, m.start(), m.end()))
        pos = m.end()
    return out + _words(norm, pos, len(norm))


def _words(norm: str, a: int, b: int) -> list[Token]:
    return [Token("word", m.group(0), a + m.start(), a + m.end()) for m in _WORD_RE.finditer(norm[a:b])]


def words(text: str) -> list[str]:
    """The word tokens of a text, case- and apostrophe-folded."""
    return [t.text for t in tokenize(text) if t.kind == "word"]


def split_sentences(text: str) -> list[str]:
    """Sentences as n-grams see them: split on . ! ? … ; : and newlines."""
    return [s for s in re.split(r"[.!?…;:]+(?:\s|$)|\n", text or "") if s.strip()]


def lit(s: str) -> str:
    """An SQL string literal."""
    return "'" + s.replace("'", "''") + "'"


def norm_sql(text_expr: str) -> str:
    """SQL of a text lower-cased with its apostrophes folded."""
    return f"lower(regexp_replace({text_expr}, {lit('[' + APOSTROPHES + ']')}, '''', 'g'))"


def token_sql(text_expr: str, pattern: str = TOKEN_SQL) -> str:
    """SQL list of the tokens of a text expression (lower-cased, apostrophes folded)."""
    return f"regexp_extract_all({norm_sql(text_expr)}, {lit(pattern)})"


def word_list_sql(text_expr: str) -> str:
    """SQL list of the words of a text: URLs, hashtags and mentions removed first."""
    return token_sql(f"regexp_replace({text_expr}, {lit(NOISE_SQL)}, ' ', 'g')", WORD_SQL)


def kind_sql(tok: str) -> str:
    """SQL CASE giving the kind of a token produced by `token_sql`."""
    return (f"CASE WHEN {tok} LIKE 'http%' OR {tok} LIKE 'www.%' THEN 'url' "
            f"WHEN {tok}[1] = '#' THEN 'hashtag' WHEN {tok}[1] = '@' THEN 'mention' "
            f"WHEN regexp_matches({tok}[1], '\\p{{N}}') THEN 'number' "
            f"WHEN regexp_matches({tok}, '^\\p{{So}}$') THEN 'emoji' ELSE 'word' END")

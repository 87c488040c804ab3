"""The one tokeniser: what a word, number, time, URL, e-mail, hashtag, mention and emoji are.

Each kind is defined once below as a pattern over named character classes ({L} letters,
{M} combining marks, {D} decimal digits, {SO} symbols such as emoji, {WS} every Unicode
space). The patterns are rendered twice from the same text: for DuckDB (RE2, `\\p{L}`…)
and for Python's `re` (the classes spelled out from `unicodedata`), so that the SQL hot
path and Python (KWIC lines, queries, tests) cut a text into exactly the same tokens —
tests/text/test_tokens_conformance.py holds them to it.

Tokens are taken from the lower-cased text with every apostrophe Uzbek writers use
(’ ʻ ʼ ‘ `) folded to ', so oʻzbek and o‘zbek are one word. Alternatives are tried in the
order of `KINDS` at each position (leftmost first), so a URL's or a mention's parts never
become words, and `20:00гө` is one time, not a time and the word `гө`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

APOSTROPHES = "’ʻʼ‘`"

# Every character Python's str.isspace() accepts (RE2's \s is ASCII only): a no-break space
# after a full stop ends a sentence like any other space.
_SPACES = [(0x09, 0x0D), (0x1C, 0x20), (0x85, 0x85), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A),
           (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000)]
_LINE_BREAKS = [(0x0A, 0x0D), (0x85, 0x85), (0x2028, 0x2029)]

# The definitions (order = precedence). Classes go inside [...]; `{{`/`}}` are literal braces.
_URL_CHARS = r"{WS}<>\"«»\[\]{{}}|\\^`'"
DEFINITIONS: dict[str, str] = {
    # http(s):// or www., up to a space or quote; never ending on sentence punctuation.
    "url": r"(?:[hH][tT][tT][pP][sS]?://|[wW][wW][wW]\.)(?:[^" + _URL_CHARS + r"]*[^" + _URL_CHARS + r".,;:!?)])?",
    # name@host.tld in ASCII: not a mention. With Unicode letter classes here RE2's DFA
    # overflows (email and mention both live at every letter) and the pass ran 15x slower.
    "email": r"[a-zA-Z0-9_][a-zA-Z0-9_.+\-]*@[a-zA-Z0-9\-]+(?:\.[a-zA-Z0-9\-]+)+",
    # #выборы2026: letters, digits, underscores, at least one letter.
    "hashtag": r"#[{D}_]*[{L}][{L}{M}{D}_]*",
    # @kelechek.zholu: dots and underscores inside, never at the end.
    "mention": r"@[{L}{D}_](?:[{L}{M}{D}_.]*[{L}{M}{D}_])?",
    # 20:00, 9:30:15, with a Turkic case ending glued or hyphenated: 20:00гө, 20:00-дө.
    "time": r"(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?(?:-?[{L}][{L}{M}]*)?",
    # 2026, 12,5, 1.000.000, with a glued ending (100дөн, 5th); 2026-жылы is a number and a word.
    "number": r"[{D}]+(?:[.,][{D}]+)*(?:[{L}][{L}{M}]*)?",
    # A letter, then letters, marks and digits, joined by inner hyphens or apostrophes: кто-то, o'zbek, covid-19.
    "word": r"[{L}][{L}{M}{D}]*(?:[\-'][{L}{M}{D}]+)*",
    "emoji": r"[{SO}]\x{{fe0f}}?",
    # Sentence ends: . ! ? … ; : followed by any space or the end, or a line break.
    "break": r"[.!?…;:]+(?:[{WS}]|$)|[{NL}]",
}
KINDS = ("word", "number", "time", "url", "email", "hashtag", "mention", "emoji")
"""Token kinds a user can count (`--kinds`); `break` (a sentence end) is internal."""
_ORDER = tuple(DEFINITIONS)  # precedence

_SQL_CLASSES = {"L": r"\p{L}", "M": r"\p{M}", "D": r"\p{Nd}", "SO": r"\p{So}"}


def _ranges_sql(ranges) -> str:
    return "".join(f"\\x{{{a:x}}}" + (f"-\\x{{{b:x}}}" if b > a else "") for a, b in ranges)


def _ranges_py(ranges) -> str:
    return "".join(_py_char(a) + ("-" + _py_char(b) if b > a else "") for a, b in ranges)


def _py_char(cp: int) -> str:
    return f"\\U{cp:08x}" if cp > 0xFFFF else f"\\u{cp:04x}"


def _render(template: str, classes: dict[str, str], sql: bool) -> str:
    if not sql:  # Python's re spells \x{fe0f} as \ufe0f
        template = template.replace("\\x{{fe0f}}", "\\ufe0f")
    return template.format(**classes)


_SQL_ALL = {**_SQL_CLASSES, "WS": _ranges_sql(_SPACES), "NL": _ranges_sql(_LINE_BREAKS)}
_SQL = {k: _render(v, _SQL_ALL, True) for k, v in DEFINITIONS.items()}


def _alt(parts: dict[str, str], kinds) -> str:
    return "|".join(parts[k] for k in kinds)


TOKEN_SQL = _alt(_SQL, _ORDER)
"""RE2 pattern of every token, sentence ends included (one regex pass in DuckDB)."""
SENTENCE_SPLIT_SQL = _SQL["break"]


@lru_cache(maxsize=1)
def _py_classes() -> dict[str, str]:
    """Python character classes with exactly RE2's meaning of \\p{L}, \\p{M}, \\p{Nd}, \\p{So}."""
    want = {"L": lambda c: c[0] == "L", "M": lambda c: c[0] == "M", "D": lambda c: c == "Nd",
            "SO": lambda c: c == "So"}
    ranges: dict[str, list[list[int]]] = {k: [] for k in want}
    # Planes 3-13 and most of 14 are unassigned; 15-16 are private use.
    for cp in (*range(0x323B0), *range(0xE0000, 0xE0200)):
        cat = unicodedata.category(chr(cp))
        for k, test in want.items():
            if test(cat):
                r = ranges[k]
                if r and r[-1][1] == cp - 1:
                    r[-1][1] = cp
                else:
                    r.append([cp, cp])
    out = {k: _ranges_py(v) for k, v in ranges.items()}
    return out | {"WS": _ranges_py(_SPACES), "NL": _ranges_py(_LINE_BREAKS)}


@lru_cache(maxsize=1)
def _py_patterns() -> dict[str, re.Pattern]:
    parts = {k: _render(v, _py_classes(), False) for k, v in DEFINITIONS.items()}
    out = {k: re.compile(p) for k, p in parts.items()}
    out["_all"] = re.compile("|".join(f"(?P<{k}>{parts[k]})" for k in _ORDER))
    return out


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int


def normalise(text: str | None) -> str:
    """Fold case and apostrophes as the SQL tokeniser does (`norm_sql`).

    İ is lowered to i as DuckDB's lower() does (Python's full mapping adds a combining dot)."""
    return re.sub(f"[{APOSTROPHES}]", "'", (text or "").replace("İ", "i")).lower()


def tokenize(text: str, breaks: bool = False) -> list[Token]:
    """Typed tokens of a text; positions index `normalise(text)` (the same as `text` unless
    lower-casing changed its length). Sentence ends are included with `breaks`."""
    out = []
    for m in _py_patterns()["_all"].finditer(normalise(text)):
        if m.lastgroup != "break" or breaks:
            out.append(Token(m.lastgroup, m.group(0), m.start(), m.end()))
    return out


def kind_of(token: str) -> str:
    """The kind of one token produced by the tokeniser (SQL or Python), from its first
    characters: each kind's pattern starts differently (the conformance test checks it)."""
    if not token:
        return "break"
    c = token[0]
    if token.startswith(("http://", "https://", "www.")):
        return "url"
    if "@" in token:
        return "mention" if c == "@" else "email"
    if c == "#":
        return "hashtag"
    if c.isalpha():
        return "word"
    if c.isdecimal():
        return "time" if ":" in token else "number"
    if unicodedata.category(c) == "So":
        return "emoji"
    return "break"


def words(text: str) -> list[str]:
    """The word tokens of a text, case- and apostrophe-folded."""
    return [t.text for t in tokenize(text) if t.kind == "word"]


def is_letter_word(token: str) -> bool:
    """A word token without digits: what carries a language (`covid-19`, numbers, URLs… do not)."""
    return kind_of(token) == "word" and not any(c.isdigit() for c in token)


def letter_words(text: str) -> list[str]:
    """The words language identification sees: the word tokens without digits (the workspace
    reads them from the token cache, `post_tokens`)."""
    return [t.text for t in tokenize(text) if t.kind == "word" and is_letter_word(t.text)]


def split_sentences(text: str) -> list[str]:
    """Sentences as n-grams see them: split at . ! ? … ; : before any space, and at line breaks."""
    return [s for s in _py_patterns()["break"].split(text or "") if s.strip()]


def lit(s: str) -> str:
    """An SQL string literal."""
    return "'" + s.replace("'", "''") + "'"


def norm_sql(text_expr: str) -> str:
    """SQL of a text lower-cased with its apostrophes folded."""
    return f"lower(regexp_replace({text_expr}, {lit('[' + APOSTROPHES + ']')}, '''', 'g'))"


def token_sql(text_expr: str, pattern: str = TOKEN_SQL) -> str:
    """SQL list of the tokens of a text expression (lower-cased, apostrophes folded)."""
    return f"regexp_extract_all({norm_sql(text_expr)}, {lit(pattern)})"


def extract_sql(text_expr: str, kind: str) -> str:
    """SQL list of the tokens of one kind in a text, as written (no case folding): import's
    urls, hashtags and mentions columns."""
    return f"regexp_extract_all({text_expr}, {lit(_SQL[kind])})"


def kind_pattern_sql(kind: str) -> str:
    """The RE2 pattern of one kind."""
    return _SQL[kind]

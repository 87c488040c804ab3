"""The codebook: the variables monitors code, their levels of measurement and values (YAML, versioned).

The YAML form users write is documented in docs/coding.md. Every import that changes the codebook is
stored as a new version in the `codebooks` table; codes keep the version they were made under.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb
import yaml

from shailoo.errors import (
    CodebookError,
    CodingError,
    InputFileError,
    UsageError,
    os_error_sentence,
    printable,
)
from shailoo.outputs import FORMULA_STARTS

UNITS = ("post", "post_actor")
LEVELS = ("nominal", "ordinal", "interval", "ratio")
# Values a codebook can declare besides its ordinary ones. By default reliability treats them as
# missing (they are not a position on the variable's scale); `reliability: value` counts them.
SPECIAL_KINDS = ("not_applicable", "cant_tell")


@dataclass(frozen=True)
class Value:
    code: str                      # what is stored in codes.value
    label: str                     # English label
    definition: str = ""
    examples: tuple[str, ...] = ()
    kind: str = "value"            # value | not_applicable | cant_tell
    reliability: str = "value"     # value (a point of the scale) | missing (left out of reliability)
    labels: dict[str, str] = field(default_factory=dict)  # other languages: {"ru": ..., "ky": ...}


@dataclass(frozen=True)
class Variable:
    name: str
    label: str
    unit: str                      # post | post_actor
    level: str                     # nominal | ordinal | interval | ratio
    multiple: bool
    values: tuple[Value, ...]
    definition: str = ""
    labels: dict[str, str] = field(default_factory=dict)

    def codes(self) -> tuple[str, ...]:
        return tuple(v.code for v in self.values)

    def scale(self) -> tuple[Value, ...]:
        """The values reliability counts, in the codebook's order (the order of an ordinal scale)."""
        return tuple(v for v in self.values if v.reliability == "value")

    def missing_codes(self) -> frozenset[str]:
        """Codes reliability treats as missing (not applicable / can't tell, unless declared as values)."""
        return frozenset(v.code for v in self.values if v.reliability == "missing")


@dataclass(frozen=True)
class Codebook:
    version: int                   # 0 for a codebook parsed but not stored
    variables: tuple[Variable, ...]
    title: str = ""
    changes: tuple[str, ...] = field(default=(), compare=False)  # what this version changed (stored versions)

    def variable(self, name: str) -> Variable:
        for v in self.variables:
            if v.name == name:
                return v
        raise CodebookError(f"The codebook has no variable '{name}'; it has "
                            f"{', '.join(v.name for v in self.variables) or 'none'}.")


# -- parsing -------------------------------------------------------------------------------------

MAX_BYTES = 1_000_000
MAX_VARIABLES = 200
MAX_VALUES = 500
MAX_CHARS = 2_000
MAX_EXAMPLES = 100
MAX_LANGUAGES = 20
MAX_DEPTH = 8          # the deepest a codebook goes: variables > variable > values > value > labels
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}\Z")
LANG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})?\Z")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
TOP_KEYS = ("title", "variables")
VARIABLE_KEYS = ("name", "label", "unit", "level", "multiple", "values", "definition", "labels")
VALUE_KEYS = ("code", "label", "definition", "examples", "kind", "reliability", "labels")
KINDS = ("value",) + SPECIAL_KINDS
RELIABILITY = ("value", "missing")
TRUE, FALSE = ("true", "yes", "on"), ("false", "no", "off")


class _Problems:
    """Every mistake in a codebook, one sentence each; raised together so a user fixes them in one go."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sentences: list[str] = []

    def add(self, sentence: str) -> None:
        self.sentences.append(sentence)

    def raise_any(self) -> None:
        if not self.sentences:
            return
        shown = self.sentences[:10]
        more = len(self.sentences) - len(shown)
        tail = f" …and {more:,} more problems." if more else ""
        raise CodebookError(f"The codebook {printable(self.source)} is not valid: " + " ".join(shown) + tail)


def _show(value: object) -> str:
    """A user's value quoted in a message: short and printable."""
    text = printable(value)
    return repr(text if len(text) <= 60 else text[:57] + "…")


def _events_ok(text: str, source: str) -> None:
    """Refuse what yaml would expand or nest without bound: anchors/aliases (the 'billion laughs') and
    nesting deeper than a codebook needs (the composer recurses)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise CodebookError(f"The codebook {printable(source)} uses a YAML anchor or alias "
                                    f"(line {event.start_mark.line + 1}); write each value out instead.")
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise CodebookError(f"The codebook {printable(source)} nests deeper than a codebook does "
                                        f"(line {event.start_mark.line + 1}).")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError as exc:
        raise CodebookError(f"The codebook {printable(source)} is not valid YAML: {_yaml_reason(exc)}.") from None


def _yaml_reason(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or "cannot be read"
    mark = getattr(exc, "problem_mark", None)
    return printable(problem) + (f" (line {mark.line + 1}, column {mark.column + 1})" if mark else "")


class _DuplicateKey(Exception):
    def __init__(self, key: object, line: int) -> None:
        self.key, self.line = key, line


class _Loader(getattr(yaml, "CBaseLoader", yaml.BaseLoader)):
    """The base loader: every scalar stays the string the user wrote ("01" stays "01", `yes` stays
    "yes"), no Python object is ever built (booleans are read by `_bool` below); a key written twice
    in one mapping is refused (YAML would silently keep the last)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else id(key_node)
            if key in seen:
                raise _DuplicateKey(key, key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep)


def parse_codebook(text: str, source: str = "codebook") -> Codebook:
    """Read a codebook from its YAML text (the form in docs/coding.md); CodebookError lists every mistake."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise CodebookError(f"The codebook {printable(source)} is larger than 1 MB; a codebook is a few pages of YAML.")
    _events_ok(text, source)
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise CodebookError(f"The codebook {printable(source)} is not valid YAML: {_yaml_reason(exc)}.") from None
    except _DuplicateKey as dup:
        raise CodebookError(f"The codebook {printable(source)} is not valid: the key {_show(dup.key)} is written "
                            f"twice in one mapping (line {dup.line}); keep one.") from None
    problems = _Problems(source)
    if not isinstance(data, dict):
        problems.add("It must be a mapping with a 'variables' list (see docs/coding.md).")
        problems.raise_any()
    _unknown_keys(data, TOP_KEYS, "The codebook", problems)
    title = _text(data.get("title", ""), "The codebook's title", problems)
    raw_vars = data.get("variables")
    if not isinstance(raw_vars, list) or not raw_vars:
        problems.add("It needs a 'variables' list with at least one variable.")
        problems.raise_any()
    if len(raw_vars) > MAX_VARIABLES:
        problems.add(f"It has {len(raw_vars):,} variables; at most {MAX_VARIABLES} are allowed.")
        problems.raise_any()
    variables, seen = [], set()
    for i, raw in enumerate(raw_vars, 1):
        var = _variable(raw, i, problems)
        if var is None:
            continue
        if var.name in seen:
            problems.add(f"Variable '{var.name}' is declared twice; names must be unique.")
        seen.add(var.name)
        variables.append(var)
    problems.raise_any()
    return Codebook(version=0, variables=tuple(variables), title=title)


def _unknown_keys(data: dict, allowed: tuple[str, ...], where: str, problems: _Problems) -> None:
    for key in data:
        if key not in allowed:
            problems.add(f"{where} has an unknown key {_show(key)} (allowed: {', '.join(allowed)}).")


def _text(value: object, what: str, problems: _Problems, required: bool = False) -> str:
    if value is None or value == "":
        if required:
            problems.add(f"{what} is missing.")
        return ""
    if not isinstance(value, str):
        problems.add(f"{what} must be text, not a {'list' if isinstance(value, list) else 'mapping'}.")
        return ""
    if len(value) > MAX_CHARS:
        problems.add(f"{what} is longer than {MAX_CHARS:,} characters.")
        return ""
    if CONTROL.search(value):
        problems.add(f"{what} contains control characters.")
        return ""
    return value.strip()


def _bool(value: object, what: str, problems: _Problems) -> bool:
    if value is None:
        return False
    text = value.lower() if isinstance(value, str) else ""
    if text in TRUE or text in FALSE:
        return text in TRUE
    problems.add(f"{what} must be true or false, not {_show(value)}.")
    return False


def _choice(value: object, choices: tuple[str, ...], default: str, what: str, problems: _Problems) -> str:
    if value is None or value == "":
        return default
    if value not in choices:
        problems.add(f"{what} must be one of {', '.join(choices)}, not {_show(value)}.")
        return default
    return value


def _labels(value: object, where: str, problems: _Problems) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.add(f"{where}'s labels must be a mapping of language to label, like {{ru: ..., ky: ...}}.")
        return {}
    if len(value) > MAX_LANGUAGES:
        problems.add(f"{where} has labels in {len(value)} languages; at most {MAX_LANGUAGES} are allowed.")
        return {}
    out = {}
    for lang, label in value.items():
        if not isinstance(lang, str) or not LANG.match(lang):
            problems.add(f"{where} has a label for {_show(lang)}, which is not a language code like ru or ky.")
            continue
        text = _text(label, f"{where}'s {lang} label", problems)
        if text:
            out[lang] = text
    return out


def _variable(raw: object, i: int, problems: _Problems) -> Variable | None:
    if not isinstance(raw, dict):
        problems.add(f"Variable {i} must be a mapping with name, label, unit, level and values.")
        return None
    name = raw.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        problems.add(f"Variable {i}'s name {_show(name) if name else '(missing)'} is not an identifier "
                     "(a letter or _ then letters, digits or _, at most 64).")
        return None
    where = f"Variable '{name}'"
    _unknown_keys(raw, VARIABLE_KEYS, where, problems)
    label = _text(raw.get("label"), f"{where}'s label", problems) or name
    unit = _choice(raw.get("unit"), UNITS, "post", f"{where}'s unit", problems)
    level = _choice(raw.get("level"), LEVELS, "nominal", f"{where}'s level", problems)
    multiple = _bool(raw.get("multiple"), f"{where}'s 'multiple'", problems)
    definition = _text(raw.get("definition"), f"{where}'s definition", problems)
    labels = _labels(raw.get("labels"), where, problems)
    raw_values = raw.get("values")
    if not isinstance(raw_values, list) or not raw_values:
        problems.add(f"{where} has no values; list at least one under 'values'.")
        return None
    if len(raw_values) > MAX_VALUES:
        problems.add(f"{where} has {len(raw_values):,} values; at most {MAX_VALUES} are allowed.")
        return None
    values, codes = [], set()
    for j, rv in enumerate(raw_values, 1):
        value = _value(rv, j, where, level, problems)
        if value is None:
            continue
        if value.code in codes:
            problems.add(f"{where} declares value {_show(value.code)} twice; codes must be unique.")
        codes.add(value.code)
        values.append(value)
    return Variable(name=name, label=label, unit=unit, level=level, multiple=multiple, values=tuple(values),
                    definition=definition, labels=labels)


def _value(raw: object, j: int, where: str, level: str, problems: _Problems) -> Value | None:
    if not isinstance(raw, dict):
        problems.add(f"{where}'s value {j} must be a mapping like {{code: \"1\", label: positive}}.")
        return None
    code = raw.get("code")
    if not isinstance(code, str) or not code.strip():
        problems.add(f"{where}'s value {j} has no code.")
        return None
    if len(code) > 200 or CONTROL.search(code) or code != code.strip():
        problems.add(f"{where}'s value {j} has code {_show(code)}: a code is at most 200 characters, "
                     "without control characters or surrounding spaces.")
        return None
    if code[:1] == "'" and code[1:2] in FORMULA_STARTS:
        # a CSV cell that could start a formula is written with a leading apostrophe (and read back
        # without it), so such a code could not be told from the code without the apostrophe
        problems.add(f"{where}'s value {j} has code {_show(code)}: a code may not start with an apostrophe "
                     "before = + - @ (spreadsheets' escape for formulas).")
        return None
    at = f"{where}'s value {_show(code)}"
    _unknown_keys(raw, VALUE_KEYS, at, problems)
    kind = _choice(raw.get("kind"), KINDS, "value", f"{at}'s kind", problems)
    reliability = _choice(raw.get("reliability"), RELIABILITY, "value" if kind == "value" else "missing",
                          f"{at}'s reliability", problems)
    if level in ("interval", "ratio") and reliability == "value" and not _numeric(code):
        problems.add(f"{at} is not a number, but the variable's level is {level} "
                     "(declare it as kind: not_applicable or cant_tell, or change the level).")
    examples = raw.get("examples")
    if examples is None:
        examples = []
    elif isinstance(examples, str):
        examples = [examples]
    elif not isinstance(examples, list):
        problems.add(f"{at}'s examples must be a list of texts.")
        examples = []
    if len(examples) > MAX_EXAMPLES:
        problems.add(f"{at} has {len(examples):,} examples; at most {MAX_EXAMPLES} are allowed.")
        examples = []
    texts = tuple(t for k, e in enumerate(examples, 1) if (t := _text(e, f"{at}'s example {k}", problems)))
    return Value(code=code, label=_text(raw.get("label"), f"{at}'s label", problems) or code,
                 definition=_text(raw.get("definition"), f"{at}'s definition", problems), examples=texts,
                 kind=kind, reliability=reliability, labels=_labels(raw.get("labels"), at, problems))


def _numeric(code: str) -> bool:
    try:
        return math.isfinite(float(code))
    except ValueError:
        return False


# -- versions in the workspace -------------------------------------------------------------------

BUILTIN = {"election": "election_monitoring.yaml"}


def builtin_codebook_text(name: str) -> str:
    """The YAML of a codebook shipped with shailoo (`election`: the election-monitoring codebook)."""
    if name not in BUILTIN:
        raise UsageError(f"There is no built-in codebook '{printable(name)}'; there is {', '.join(BUILTIN)}.")
    return resources.files("shailoo.coding").joinpath("data", BUILTIN[name]).read_text("utf-8")


def read_codebook_file(path: Path) -> str:
    """A codebook file's text, refused before reading when it is too large or not UTF-8."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except IsADirectoryError:
        raise InputFileError(f"{printable(path)} is a folder, not a codebook file.") from None
    except OSError as exc:
        raise InputFileError(os_error_sentence(exc)) from None
    if len(data) > MAX_BYTES:
        raise CodebookError(f"The codebook {printable(path)} is larger than 1 MB; a codebook is a few pages of YAML.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CodebookError(f"The codebook {printable(path)} is not UTF-8 text (byte {exc.start + 1:,}); "
                            "save it as UTF-8.") from None


def import_codebook(con: duckdb.DuckDBPyConnection, path: Path) -> Codebook:
    """Import a codebook file as the workspace's current codebook (a new version if it changed)."""
    return store_codebook(con, read_codebook_file(path), Path(path).name)[0]


def store_codebook(con: duckdb.DuckDBPyConnection, text: str, source: str) -> tuple[Codebook, bool]:
    """Store `text` as the next codebook version; (codebook, False) when it equals the current one.

    A change that would orphan current codes (a removed variable or value that codes use, a unit changed
    under codes) is refused with a CodebookError naming them; nothing is stored then.
    """
    new = parse_codebook(text, source)
    old = current_codebook(con)
    if old is not None and _same(old, new):
        return old, False
    changes = describe_changes(old, new) if old is not None else ("First version.",)
    if old is not None:
        from shailoo.coding.versions import refuse_orphans

        refuse_orphans(con, old, new)
    version = (old.version if old is not None else 0) + 1
    con.execute("INSERT INTO codebooks VALUES (?, ?, ?, ?, ?, ?)",
                [version, datetime.now(UTC), source, fingerprint(new), text, list(changes)])
    return replace(new, version=version, changes=tuple(changes)), True


def fingerprint(codebook: Codebook) -> str:
    """A hash of what a codebook says (not how its YAML is laid out): equal codebooks, equal hashes."""
    blob = json.dumps([codebook.title, [asdict(v) for v in codebook.variables]], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _same(a: Codebook, b: Codebook) -> bool:
    return fingerprint(a) == fingerprint(b)


def describe_changes(old: Codebook, new: Codebook) -> tuple[str, ...]:
    from shailoo.coding.versions import describe_changes as describe

    return describe(old, new)


def current_codebook(con: duckdb.DuckDBPyConnection) -> Codebook | None:
    """The workspace's latest codebook version, or None when no codebook was imported."""
    rows = con.execute("SELECT version, source_file, yaml, changes FROM codebooks ORDER BY version DESC LIMIT 1").fetchall()
    if not rows:
        return None
    return codebook_version(con, rows[0][0])


def codebook_version(con: duckdb.DuckDBPyConnection, version: int) -> Codebook:
    """One stored version of the codebook (codes keep the version they were made under)."""
    rows = con.execute("SELECT source_file, yaml, changes FROM codebooks WHERE version = ?", [version]).fetchall()
    if not rows:
        raise CodingError(f"The workspace has no codebook version {version}.")
    source, text, changes = rows[0]
    book = parse_codebook(text, source or f"version {version}")
    return replace(book, version=version, changes=tuple(changes or ()))


def require_codebook(con: duckdb.DuckDBPyConnection) -> Codebook:
    """The current codebook, or CodingError with the next step when none was imported."""
    book = current_codebook(con)
    if book is None:
        raise CodingError("The workspace has no codebook yet; import one with `shailoo coding codebook import "
                          "FILE.yaml` (or `--builtin election` for the election-monitoring codebook).")
    return book

"""Dictionary topic tagging: multilingual YAML dictionaries of the topic categories of
seeds/000 (work, documents, housing, identity, politics, COVID, fundraising, protest).

The shipped dictionary is `shailoo/text/data/topics.yaml`; a workspace may replace it with
its own `topics.yaml`, and any command may be given another file.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from shailoo.errors import UsageError
from shailoo.text.script import fold_word


@dataclass
class Topic:
    name: str
    label: str
    exact: set[str]
    prefixes: tuple[str, ...]


def load_topics(path: str | Path | None = None) -> list[Topic]:
    """Read a topic dictionary (the shipped one when `path` is None)."""
    import yaml

    if path is None:
        text = resources.files("shailoo.text").joinpath("data", "topics.yaml").read_text("utf-8")
        where = "the shipped topics.yaml"
    else:
        p = Path(path)
        if not p.is_file():
            raise UsageError(f"There is no topic dictionary at {p}; give a YAML file like the shipped topics.yaml.")
        text, where = p.read_text("utf-8"), str(p)
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        raise UsageError(f"{where} is not valid YAML ({e.__class__.__name__}); fix it and run again.") from None
    topics = []
    for name, body in doc.items():
        if not isinstance(body, dict):
            raise UsageError(f"Topic '{name}' in {where} must map languages to word lists.")
        exact, prefixes = set(), []
        for key, entries in body.items():
            if key == "label":
                continue
            for e in entries or []:
                e = fold_word(str(e).strip().lower().replace("ʻ", "'").replace("’", "'"))
                if e.endswith("*"):
                    prefixes.append(e[:-1])
                elif e:
                    exact.add(e)
        topics.append(Topic(str(name), str(body.get("label", name)), exact, tuple(prefixes)))
    return topics


def topics_of_words(words: list[str], topics: list[Topic]) -> list[tuple[str, str]]:
    """(word, topic) pairs for every distinct word that matches a topic entry."""
    out = []
    for w in words:
        f = fold_word(w)
        for t in topics:
            if f in t.exact or f.startswith(t.prefixes):
                out.append((w, t.name))
    return out

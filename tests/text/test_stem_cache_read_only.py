"""A read-only workspace (the web app's, a notebook's) stems words its stem cache lacks: the report
download failed with a 500 there (INSERT OR IGNORE needs a key its in-memory copy has not)."""

from __future__ import annotations

from shailoo.store.loader import import_file
from shailoo.store.workspace import open_workspace
from shailoo.text.stem import cached_stem_words, stem_words
from tests.conftest import DATA


def test_new_words_are_stemmed_in_a_read_only_workspace(workspace):
    import_file(workspace, DATA / "telegram_desktop" / "channel.json")
    cached_stem_words(workspace.con, "ru", ["выборы", "выборов"])  # the file's cache holds these
    path = workspace.path
    workspace.close()
    with open_workspace(path, read_only=True) as ws:
        words = ["выборы", "голосованием", "кандидатами"]
        assert cached_stem_words(ws.con, "ru", words) == stem_words("ru", words)
        assert cached_stem_words(ws.con, "ru", words) == stem_words("ru", words)  # now from the cache

"""Languages cached in the workspace are identified again when the shipped model changes."""

from __future__ import annotations

from shailoo.text.post_language import ensure_post_language
from tests.conftest import DATA


def test_languages_cached_by_another_model_are_identified_again(workspace):
    from shailoo.store.loader import import_file

    import_file(workspace, DATA / "telegram_desktop" / "channel.json")
    con = workspace.con
    assert con.execute("SELECT count(*) FROM post_language").fetchone()[0] > 0  # identified at import
    assert ensure_post_language(con) == 0  # cached
    con.execute("UPDATE post_language SET lang = 'xx'")
    con.execute("UPDATE post_language_model SET fingerprint = 'an-older-model'")
    assert ensure_post_language(con) > 0
    assert con.execute("SELECT count(*) FROM post_language WHERE lang = 'xx'").fetchone()[0] == 0

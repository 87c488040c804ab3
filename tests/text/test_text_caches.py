"""Issue #9 (speed as the user sees it): import fills the token and language caches, stems are
cached per (language, word), and the term table takes support only for the terms it can show.
Every cache gives exactly what computing afresh gives, and follows edits."""

from __future__ import annotations

import shutil

import pytest
from text_fixtures import POSTS, make_workspace

from shailoo.analysis.text_terms import term_table
from shailoo.store.loader import import_file
from shailoo.text import stem as stem_module
from shailoo.text.caches import fill_text_caches
from shailoo.text.pipeline import Corpus, TextOptions
from shailoo.text.post_language import ensure_post_language
from shailoo.text.post_tokens import ensure_post_tokens
from tests.conftest import DATA

CT = DATA / "crowdtangle" / "group.csv"


def _rows(con, query: str) -> list[tuple]:
    return con.execute(query).fetchall()


TOKENS = "SELECT post_id, text_hash, toks FROM post_tokens ORDER BY 1"
LANGS = "SELECT post_id, lang, confidence FROM post_language ORDER BY 1"


def test_import_fills_the_text_caches_as_a_text_command_would(workspace, tmp_path):
    from shailoo.store.workspace import init_workspace

    import_file(workspace, CT)
    con = workspace.con
    n = _rows(con, "SELECT count(*) FROM posts")[0][0]
    assert _rows(con, "SELECT count(*) FROM post_tokens")[0][0] == n > 0
    assert _rows(con, "SELECT count(*) FROM post_language")[0][0] == n
    assert ensure_post_tokens(con) == 0 and ensure_post_language(con) == 0  # nothing left to do

    later = init_workspace(tmp_path / "later")
    import_file(later, CT, text_caches=False)
    assert _rows(later.con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'post_tokens'")[0][0] == 0
    ensure_post_language(later.con)  # what the first text command does
    assert _rows(later.con, TOKENS) == _rows(con, TOKENS)
    assert _rows(later.con, LANGS) == _rows(con, LANGS)
    later.close()


def test_an_edit_imported_is_tokenised_and_identified_again(workspace, tmp_path):
    import_file(workspace, CT)
    edited = tmp_path / "edited.csv"
    edited.write_text(CT.read_text("utf-8").replace("Работа в Москве для кыргызстанцев",
                                                    "Кыргыздар шайлоодо добуш беришет"), "utf-8")
    con = workspace.con
    before = dict((r[0], r[1]) for r in _rows(con, LANGS))
    assert import_file(workspace, edited).updated >= 1
    after = dict((r[0], r[1]) for r in _rows(con, LANGS))
    changed = [p for p in after if after[p] != before[p]]
    assert [after[p] for p in changed] == ["ky"]
    toks = dict((r[0], r[2]) for r in _rows(con, TOKENS))
    assert toks[changed[0]] == ["кыргыздар", "шайлоодо", "добуш", "беришет"]


def test_batches_give_what_one_pass_gives(tmp_path):
    whole = make_workspace(tmp_path / "whole")
    ensure_post_language(whole.con)
    parts = make_workspace(tmp_path / "parts")
    assert fill_text_caches(parts.con, "SELECT post_id FROM posts", batch=3) == len(POSTS)
    for query in (TOKENS, LANGS):
        assert _rows(parts.con, query) == _rows(whole.con, query)
    whole.close()
    parts.close()


def test_stems_are_cached_and_made_again_when_the_stemmer_or_a_text_changes(text_ws, monkeypatch):
    con = text_ws.con
    first = term_table(Corpus.from_workspace(text_ws, None, TextOptions()), top=0, grouped=False)
    cached = _rows(con, "SELECT lang, word, stem FROM stem_cache ORDER BY ALL")
    assert ("ru", "работа", "работ") in cached and ("ky", "кыргыздар", "кыргыз") in cached
    # A stem served from the cache is the cache's (proof that the stemmers were not asked again).
    con.execute("UPDATE stem_cache SET stem = 'ZZZ' WHERE lang = 'ru' AND word = 'зарплата'")
    again = term_table(Corpus.from_workspace(text_ws, None, TextOptions()), top=0, grouped=False, with_key=True)
    assert "ZZZ" in again["key"].to_pylist()
    # Another stemmer version empties the cache.
    stem_module.stemmer_version.cache_clear()
    monkeypatch.setattr(stem_module, "hashlib", _OtherHash)
    fresh = term_table(Corpus.from_workspace(text_ws, None, TextOptions()), top=0, grouped=False)
    assert fresh == first
    assert "ZZZ" not in {r[2] for r in _rows(con, "SELECT * FROM stem_cache")}
    stem_module.stemmer_version.cache_clear()
    # An edited text empties it: no word outlives the text it came from.
    monkeypatch.undo()
    term_table(Corpus.from_workspace(text_ws, None, TextOptions()), top=0, grouped=False)
    con.execute("UPDATE posts SET text_norm = 'Жаңы текст' WHERE post_id = 2")
    Corpus.from_workspace(text_ws, None, TextOptions())
    assert ("ru", "повар") not in {r[:2] for r in _rows(con, "SELECT lang, word FROM stem_cache")}


class _OtherHash:
    @staticmethod
    def sha1(data: bytes):
        import hashlib

        return hashlib.sha1(b"another stemmer " + data)


def _full_table(corpus: Corpus, top: int, grouped: bool):
    """The term table counted the plain way: every (post, term) pair, then count and support."""
    term_table(corpus, top=0, grouped=grouped)  # defines _tok, _vocab, _terms
    group_col = "grp AS \"group\", " if grouped else ""
    return corpus.con.sql(f"""
        WITH pt AS (SELECT t.grp, t.post_id, v.term_id, count(*) AS n
                    FROM _tok t JOIN _vocab v USING (lang, tok) GROUP BY ALL),
             a AS (SELECT grp, term_id, sum(n)::BIGINT AS count, count(*)::BIGINT AS support FROM pt GROUP BY ALL),
             r AS (SELECT a.*, d.term, d.display,
                          row_number() OVER (PARTITION BY a.grp ORDER BY a.count DESC, a.support DESC, d.term) AS rk
                   FROM a JOIN _terms d USING (term_id))
        SELECT {group_col}display AS term, count, support FROM r
        {f"WHERE rk <= {top}" if top else ""} ORDER BY grp, rk""").to_arrow_table()


TIES = POSTS + [("vk", "Работа работа жумуш. Жумуш!", "2021-01-20"), ("vk", "Работа, шайлоо, кыргыздар", "2021-01-21")]


@pytest.mark.parametrize("by", ["none", "platform", "language"])
def test_term_table_equals_the_plain_count(tmp_path, by):
    ws = make_workspace(tmp_path / "ws", TIES)
    corpus = Corpus.from_workspace(ws, None, TextOptions(), by=by)
    for top in (0, 1, 2, 3, 5):
        fast = term_table(corpus, top=top, grouped=by != "none")
        assert fast == _full_table(corpus, top, by != "none"), top
        assert fast.num_rows > 0
    ws.close()


def test_a_read_only_workspace_caches_stems_in_memory(tmp_path):
    import shailoo

    ws = make_workspace(tmp_path / "ws")
    ws.close()
    shutil.copytree(tmp_path / "ws", tmp_path / "copy")
    ro = shailoo.open(tmp_path / "ws")  # read-only
    table = term_table(Corpus.from_workspace(ro, None, TextOptions()), top=0, grouped=False)
    assert table.num_rows > 0
    ro.close()
    rw = shailoo.open(tmp_path / "ws", write=True)
    assert _rows(rw.con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'stem_cache'")[0][0] == 0
    rw.close()

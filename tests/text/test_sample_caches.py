"""Issue #10 (speed): a sampled corpus or report pays only for its sample. The token and language
caches are filled for the sampled posts only; a post cached later gets the same tokens and language
as if everything had been cached at once; edits and deletions still invalidate."""

from __future__ import annotations

from text_fixtures import POSTS, make_workspace

from shailoo.analysis import text_report as text_report_module
from shailoo.text.pipeline import Corpus, TextOptions
from shailoo.text.post_language import ensure_post_language
from shailoo.text.post_tokens import ensure_post_tokens

SAMPLE = 3


def _cached(con, table: str) -> set[int]:
    return {r[0] for r in con.execute(f"SELECT post_id FROM {table}").fetchall()}


def _docs(con) -> set[int]:
    return {r[0] for r in con.execute("SELECT post_id FROM _docs").fetchall()}


def test_sampled_corpus_caches_only_its_posts(text_ws):
    corpus = Corpus.from_workspace(text_ws, None, TextOptions(sample=SAMPLE))
    assert corpus.n_docs == SAMPLE
    sampled = _docs(text_ws.con)
    assert _cached(text_ws.con, "post_tokens") == sampled
    assert _cached(text_ws.con, "post_language") == sampled
    # Every sampled post still has its language attached.
    assert text_ws.con.execute("SELECT count(*) FROM _docs WHERE lang IS NULL").fetchone()[0] == 0


def test_report_with_a_sample_caches_only_the_sampled_posts(text_ws, monkeypatch):
    monkeypatch.setattr(text_report_module, "REPORT_SAMPLE", SAMPLE)
    t = text_report_module.text_report(text_ws, None, key_terms=["работа"], k=2)
    assert t["sample"] == SAMPLE and t["selected"] == len(POSTS)
    sampled = _docs(text_ws.con)
    assert len(sampled) == SAMPLE
    assert _cached(text_ws.con, "post_tokens") == sampled
    assert _cached(text_ws.con, "post_language") == sampled
    # The languages table counts the sample (its caption says so).
    assert sum(t["languages"]["posts"].to_pylist()) == SAMPLE


def test_posts_cached_later_are_identified_and_tokenised_the_same_way(tmp_path):
    whole = make_workspace(tmp_path / "whole")
    ensure_post_tokens(whole.con)
    ensure_post_language(whole.con)
    parts = make_workspace(tmp_path / "parts")
    assert ensure_post_tokens(parts.con, post_ids="SELECT 2 UNION ALL SELECT 5") == 2
    assert ensure_post_language(parts.con, post_ids="SELECT 2 UNION ALL SELECT 5") == 2
    assert ensure_post_tokens(parts.con, post_ids="SELECT 2") == 0  # cached
    assert ensure_post_language(parts.con, post_ids="SELECT 2") == 0
    assert ensure_post_tokens(parts.con) == len(POSTS) - 2
    assert ensure_post_language(parts.con) == len(POSTS) - 2
    for query in ("SELECT post_id, toks FROM post_tokens ORDER BY 1",
                  "SELECT post_id, lang, confidence FROM post_language ORDER BY 1"):
        assert parts.con.execute(query).fetchall() == whole.con.execute(query).fetchall()
    whole.close()
    parts.close()


def test_partial_token_cache_follows_edits_and_deletions(text_ws):
    con = text_ws.con
    assert ensure_post_tokens(con, post_ids="SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3") == 3
    con.execute("UPDATE posts SET text_norm = 'Жаңы текст' WHERE post_id = 1")
    con.execute("DELETE FROM posts WHERE post_id = 3")
    # Only post 2 is asked for: the deleted post's tokens go anyway, the edited one waits for its turn.
    assert ensure_post_tokens(con, post_ids="SELECT 2") == 0
    assert _cached(con, "post_tokens") == {1, 2}
    assert ensure_post_tokens(con, post_ids="SELECT 1") == 1
    assert dict(con.execute("SELECT post_id, toks FROM post_tokens").fetchall())[1] == ["жаңы", "текст"]

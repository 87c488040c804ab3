"""Issue #10 (speed): the report's text sections read a fixed sample of a large selection, and only
that sample is tokenised and has its language identified; every text table built on it (languages
included) says it is a sample."""

from __future__ import annotations

from shailoo.analysis import text_report as text_report_module
from shailoo.report.build import build_sections
from tests.report.fixture_workspace import build_fixture

SAMPLE = 5


def test_report_text_sections_pay_for_their_sample_only(tmp_path, monkeypatch):
    ws = build_fixture(tmp_path / "ws", results=True)
    ws.con.execute("DROP TABLE post_tokens; DROP TABLE post_language")  # as a workspace imported before the caches
    # The sections that read every post's words by design (inflammatory-language counts, copypasta) are
    # left out: this is about the text sections, which read a sample.
    from shailoo.report.config import SECTIONS

    (ws.path / "report").mkdir(exist_ok=True)
    keep = [s for s in SECTIONS if s not in ("inflammatory", "coordination")]
    (ws.path / "report" / "report.yaml").write_text("sections: [" + ", ".join(keep) + "]\n", encoding="utf-8")
    try:
        monkeypatch.setattr(text_report_module, "REPORT_SAMPLE", SAMPLE)
        sections = build_sections(ws, all_posts=True)
        con = ws.con
        assert con.execute("SELECT count(*) FROM posts").fetchone()[0] > SAMPLE
        assert con.execute("SELECT count(*) FROM post_tokens").fetchone()[0] == SAMPLE
        assert con.execute("SELECT count(*) FROM post_language").fetchone()[0] == SAMPLE
        text = next(s for s in sections if s["id"] == "text")
        languages = next(b for b in text["blocks"] if b.name == "languages")
        assert sum(languages.table["posts"].to_pylist()) == SAMPLE
        assert "sample" in languages.note
    finally:
        ws.close()


def test_a_key_term_given_twice_is_one_term_with_correlations_within_minus_one_to_one(tmp_path):
    """Review of #8: a key term listed twice (two words of one term) doubled its posts in the
    one-pass associations and the report printed r = 1.11."""
    from shailoo.analysis.text_report import associations
    from shailoo.analysis.text_terms import term_table
    from shailoo.store.loader import import_file
    from shailoo.store.workspace import init_workspace
    from shailoo.text.pipeline import Corpus, TextOptions
    from tests.conftest import DATA

    with init_workspace(tmp_path / "ws") as ws:
        import_file(ws, DATA / "telegram_desktop" / "channel.json")
        corpus = Corpus.from_workspace(ws, None, TextOptions(), by="platform")
        term_table(corpus, 5, grouped=True)  # builds the corpus's vocabulary, as the report does first
        key = ws.con.execute("SELECT term FROM _terms ORDER BY term LIMIT 1").fetchone()[0]
        once = associations(corpus, [key], min_cor=-1.0)[key].to_pylist()
        twice = associations(corpus, [key, key], min_cor=-1.0)[key].to_pylist()
        assert once and once == twice and all(-1.0 <= r["cor"] <= 1.0 for r in twice)

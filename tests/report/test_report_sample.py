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

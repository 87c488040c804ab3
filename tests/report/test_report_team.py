"""The report in the team's words and language: configuration, Markdown, logo, catalogues,
human labels, locale formats, charts from the charting library, and the PDF command."""

from __future__ import annotations

import re
import string
from datetime import UTC

import pytest

from shailoo.cli.main import app
from shailoo.errors import ConfigError
from shailoo.report.build import build_report, render_html, write_report
from shailoo.report.i18n import LANGUAGES, Tr, catalogue
from tests.report.fixture_workspace import build_fixture

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    ws = build_fixture(tmp_path_factory.mktemp("team") / "ws", results=True)
    yield ws
    ws.close()


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_language_has_every_message_with_the_same_placeholders():
    en = catalogue("en")
    for lang in LANGUAGES:
        cat = catalogue(lang)
        assert set(cat) == set(en), (lang, set(en) ^ set(cat))
        for key, text in cat.items():
            assert _fields(text) == _fields(en[key]), (lang, key)


def test_russian_report_has_human_labels_local_numbers_and_no_cli_syntax(ws):
    report = build_report(ws, lang="ru", include_text=False)
    tr = report.tr
    for section in report.sections:
        for block in section["blocks"]:
            for col in block.columns or block.table.column_names:
                assert tr.column(col) != col or (block.labels or {}).get(col), (block.name, col)
    html = render_html(ws, report)
    body = re.sub(r'<pre class="cmd">.*?</pre>', "", html, flags=re.DOTALL)
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<(style|svg)\b.*?</\1>", "", body, flags=re.DOTALL))
    assert not re.search(r"shailoo (report|metrics|terms|kwic|assoc|topics|ngrams|clusters|import)|--\w", visible)
    assert "`" not in visible and "_pct" not in visible
    assert "Содержание" in html and "Кандидаты" in html and "Методология" in html
    assert re.search(r"\d\u00a0\d{3}", visible)  # 1 234: Russian grouping (a no-break space)
    assert re.search(r"2020\s?г\.", visible)  # dates as Russians write them


def test_summary_strip_states_unknowns(ws):
    report = build_report(ws, include_text=False)
    labels = [c["label"] for c in report.summary]
    assert labels == ["Posts", "Interactions", "Posts per day", "Interaction rate", "Actors", "Period"]
    assert all(c["value"] != "0" or c["label"] == "Posts" for c in report.summary)


def test_team_words_are_markdown_without_html(ws, tmp_path):
    folder = ws.path / "report"
    folder.mkdir(exist_ok=True)
    (folder / "report.yaml").write_text(
        'title: "Выборы 2026"\nlanguage: ru\nintroduction: intro.md\n'
        'findings: "- **Первый** вывод\\n- [ссылка](javascript:alert(1)) и [сайт](https://example.org)"\n'
        'notes: {facebook: "<b>заметка</b>"}\nkey_terms: [шайлоо]\n', encoding="utf-8")
    (folder / "intro.md").write_text("Введение <script>alert(1)</script> ![x](https://evil.example/x.png)",
                                     encoding="utf-8")
    try:
        html = write_report(ws, tmp_path / "r.html", include_text=False).read_text(encoding="utf-8")
    finally:
        for f in folder.iterdir():
            f.unlink()
    assert "<title>Выборы 2026</title>" in html and 'lang="ru"' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html
    assert "&lt;b&gt;заметка&lt;/b&gt;" in html and "<strong>Первый</strong>" in html
    assert 'href="javascript' not in html and "<img" not in html and "evil.example/x.png" in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">сайт</a>' in html


@pytest.mark.parametrize("content,ok", [
    (PNG, True),
    (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>', True),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', False),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', False),
    (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink"><image x:href="https://a.b/c"/></svg>',
     False),
    (b'<!DOCTYPE svg [<!ENTITY e "x">]><svg xmlns="http://www.w3.org/2000/svg">&e;</svg>', False),
    (b"<html><body>not an image</body></html>", False),
])
def test_logo_must_really_be_an_image(tmp_path, content, ok):
    from shailoo.report.config import logo_data_uri

    (tmp_path / "logo").write_bytes(content)
    if ok:
        assert logo_data_uri(tmp_path / "logo", tmp_path).startswith("data:image/")
    else:
        with pytest.raises(ConfigError):
            logo_data_uri(tmp_path / "logo", tmp_path)


def test_logo_and_files_stay_in_the_report_folder(tmp_path):
    from shailoo.report.config import logo_data_uri

    (tmp_path / "logo.png").write_bytes(PNG)
    (tmp_path / "report").mkdir()
    with pytest.raises(ConfigError, match="outside"):
        logo_data_uri(tmp_path / "report" / ".." / "logo.png", tmp_path / "report")


def test_report_init_writes_a_start_and_never_overwrites(tmp_path, runner):
    build_fixture(tmp_path / "ws").close()
    first = runner.invoke(app, ["report", "init", "-w", str(tmp_path / "ws"), "--lang", "ky"])
    assert first.exit_code == 0, first.output
    yaml_file = tmp_path / "ws" / "report" / "report.yaml"
    assert "language: ky" in yaml_file.read_text(encoding="utf-8")
    yaml_file.write_text("title: ours\n", encoding="utf-8")
    again = runner.invoke(app, ["report", "init", "-w", str(tmp_path / "ws")])
    assert again.exit_code == 0 and yaml_file.read_text(encoding="utf-8") == "title: ours\n"
    out = tmp_path / "r.html"
    made = runner.invoke(app, ["report", "-w", str(tmp_path / "ws"), "--no-text", "-q", "--out", str(out)])
    assert made.exit_code == 0, made.output
    assert "<title>ours</title>" in out.read_text(encoding="utf-8")


def test_unknown_language_and_missing_browser_are_one_sentence(tmp_path, runner, monkeypatch):
    build_fixture(tmp_path / "ws").close()
    bad = runner.invoke(app, ["report", "-w", str(tmp_path / "ws"), "--lang", "de"])
    assert bad.exit_code != 0 and "en, ru, ky" in bad.output
    monkeypatch.setattr("shutil.which", lambda name: None)
    none = runner.invoke(app, ["report", "-w", str(tmp_path / "ws"), "--pdf", str(tmp_path / "r.pdf")])
    assert none.exit_code != 0 and "Chromium" in none.output and not (tmp_path / "r.pdf").exists()


def test_charts_come_from_the_library_checked_with_fixed_colours_and_whole_ticks(ws):
    from shailoo.report.charts import CATEGORY_COLORS, clean_svg

    report = build_report(ws, include_text=False)
    svgs = [str(b.chart) for s in report.sections for b in s["blocks"] if b.chart]
    assert len(svgs) >= 6
    for svg in svgs:
        assert svg.startswith("<svg") and 'class="chart"' in svg and "<title>" in svg
        assert not re.search(r"<script|\son\w+=|href=", svg)
    weekly = next(str(b.chart) for s in report.sections for b in s["blocks"] if b.name == "facebook-weekly")
    assert CATEGORY_COLORS["candidate"] in weekly
    ticks = re.findall(r'role-axis-label.*?</g>', weekly, re.DOTALL)
    assert ticks and not re.search(r">\d+\.\d+<", "".join(ticks))  # counts: no 0.5 ticks
    for bad in ('<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>',
                '<svg xmlns="http://www.w3.org/2000/svg" onload="x"/>',
                '<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(https://a.b/c)"/></svg>'):
        with pytest.raises(ValueError):
            clean_svg(bad)


def test_times_in_the_workspace_zone():
    from datetime import datetime

    tr = Tr("ru", "Asia/Bishkek")
    assert tr.datetime(datetime(2021, 1, 1, 20, 30, tzinfo=UTC)) == "02.01.2021, 02:30"
    assert Tr("ky").num(1234567) == "1\u00a0234\u00a0567"


def test_text_section_associations_equal_assoc_and_key_terms_come_from_the_topic(tmp_path):
    """The report computes the associations of its key terms in one pass; they equal `assoc`'s."""
    from shailoo.analysis.text_assoc import assoc_table
    from shailoo.analysis.text_report import associations, text_report
    from shailoo.analysis.text_terms import term_table
    from shailoo.text.pipeline import Corpus, TextOptions
    from tests.text.text_fixtures import make_workspace

    ws = make_workspace(tmp_path / "ws")
    corpus = Corpus.from_workspace(ws, None, TextOptions())
    keys = term_table(corpus, top=3, grouped=False, with_key=True)["key"].to_pylist()
    ours = associations(corpus, keys, 0.2)
    for key in keys:
        assert ours[key].to_pylist() == assoc_table(corpus, key, 0.2).to_pylist(), key
    t = text_report(ws, None, k=2)
    assert t["key_terms_source"] == "politics_elections"
    assert t["topics_platform"].num_rows and t["kwic"] is None or t["kwic"].num_rows >= 0
    ws.close()

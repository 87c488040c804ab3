"""The report's coded sections (tone of media coverage per candidate, topics, flagged posts) and the
coding part of the methodology, checked against counts made by hand."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from shailoo.coding.codebook import store_codebook
from shailoo.report.build import build_report, render_html, write_xlsx
from tests.report.fixture_workspace import build_fixture
from tests.report.test_report import check_figures

CODEBOOK = """title: Test <b>monitoring</b> codebook
variables:
  - name: tone
    label: Tone
    labels: {ru: Тональность}
    unit: post_actor
    level: ordinal
    values:
      - {code: "-1", label: negative, labels: {ru: негативная}}
      - {code: "0", label: neutral}
      - {code: "1", label: "positive <img src=x onerror=alert(1)>"}
      - {code: na, label: not applicable, kind: not_applicable}
  - name: topic
    label: Topics
    unit: post
    level: nominal
    multiple: true
    values:
      - {code: elections, label: Elections}
      - {code: corruption, label: Corruption}
      - {code: covid19, label: Covid-19}
  - name: disinformation
    label: Disinformation
    unit: post
    level: nominal
    values:
      - {code: "yes", label: "yes"}
      - {code: "no", label: "no"}
"""
HOSTILE = "<script>alert(1)</script>"


def _act(con, post, variable, values, coder, actor=None):
    act = con.execute("SELECT nextval('code_act_seq')").fetchall()[0][0]
    for v in values if isinstance(values, tuple) else (values,):
        con.execute("INSERT INTO codes VALUES (?, ?, ?, ?, ?, ?, ?, 1, 'import')",
                    [act, post, actor, variable, v, coder, datetime(2021, 1, 20, tzinfo=UTC)])


def _post(con, post_id, account, platform="facebook", day=20):
    con.execute("INSERT INTO posts (post_id, platform, platform_post_id, account_id, created_at, url, text) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [post_id, platform, f"x{post_id}", account, datetime(2020, 12, day, 6, tzinfo=UTC),
                 f"https://www.facebook.com/{account}/posts/{post_id}", f"Пост {post_id} Жапаров шайлоо"])


@pytest.fixture(scope="module")
def coded(tmp_path_factory):
    ws = build_fixture(tmp_path_factory.mktemp("coded") / "ws")
    con = ws.con
    store_codebook(con, CODEBOOK, "codebook.yaml")
    con.execute("INSERT INTO actors (actor_id, name, category) VALUES (6, ?, 'media')", [HOSTILE])
    con.execute("INSERT INTO accounts (platform, account_id, handle, name, actor_id) "
                "VALUES ('facebook', '666', 'evil', ?, 6)", [HOSTILE])
    for pid in range(101, 108):   # Kloop on Facebook
        _post(con, pid, "555", day=16 + pid % 10)
    _post(con, 108, "666")        # the hostile outlet
    # Tone toward Жапаров (1) by Kloop on Facebook: 3 negative, 1 neutral, 2 positive.
    for pid, tone in zip(range(101, 107), ("-1", "-1", "-1", "0", "1", "1")):
        _act(con, pid, "tone", tone, "aida", actor=1)
    for pid in (101, 102):        # a second coder agrees
        _act(con, pid, "tone", "-1", "bakyt", actor=1)
    _act(con, 104, "tone", "1", "bakyt", actor=1)   # disagrees on 104 ...
    con.execute("INSERT INTO adjudications VALUES (nextval('code_act_seq'), 104, 1, 'tone', '0', 'reviewer', "
                "now(), 1, NULL)")             # ... and the reviewer decides neutral
    _act(con, 107, "tone", "1", "aida", actor=1)   # an open disagreement: not counted
    _act(con, 107, "tone", "-1", "bakyt", actor=1)
    _act(con, 106, "tone", "1", "aida", actor=2)   # Мадумаров: 1 positive from Kloop on Facebook
    _act(con, 108, "tone", "0", "aida", actor=3)   # Исаев: 1 neutral from the hostile outlet
    _act(con, 10, "tone", "-1", "aida", actor=1)   # Kloop on Instagram: 1 negative
    _act(con, 1, "tone", "-1", "aida", actor=2)    # a candidate's own post: not media coverage
    _act(con, 101, "topic", ("elections", "corruption"), "aida")
    _act(con, 102, "topic", ("elections",), "aida")
    _act(con, 3, "topic", ("covid19",), "aida")
    _act(con, 10, "topic", ("elections",), "aida")
    for pid, flag in ((101, "yes"), (102, "no"), (3, "no"), (8, "yes")):
        _act(con, pid, "disinformation", flag, "aida")
    report = build_report(ws, all_posts=True, include_text=False)
    html = render_html(ws, report)
    yield ws, report, html
    ws.close()


def _blocks(report) -> dict:
    return {b.name: b for s in report.sections for b in s["blocks"]}


def test_tone_of_media_coverage_per_candidate(coded):
    _, report, _ = coded
    fb = _blocks(report)["tone-media-facebook"]
    assert fb.table.column_names == ["mentioned", "tone=-1", "tone=0", "tone=1", "total"]
    assert fb.table.to_pylist() == [
        {"mentioned": "Садыр Жапаров", "tone=-1": 3, "tone=0": 1, "tone=1": 2, "total": 6},
        {"mentioned": "Адахан Мадумаров", "tone=-1": 0, "tone=0": 0, "tone=1": 1, "total": 1},
        {"mentioned": "Канатбек Исаев", "tone=-1": 0, "tone=0": 1, "tone=1": 0, "total": 1}]
    assert fb.chart is not None and "Covers 8 units" in fb.note and "not all posts" in fb.note
    ig = _blocks(report)["tone-media-instagram"]
    assert ig.table.to_pylist() == [{"mentioned": "Садыр Жапаров", "tone=-1": 1, "total": 1}]


def test_tone_per_media_actor_and_every_unit(coded):
    _, report, _ = coded
    per = _blocks(report)["tone-media-actors"].table.to_pylist()
    assert {"platform": "facebook", "author": "Kloop", "mentioned": "Садыр Жапаров", "tone=-1": 3, "tone=0": 1,
            "tone=1": 2, "total": 6} in per
    assert {"platform": "instagram", "author": "Kloop", "mentioned": "Садыр Жапаров", "tone=-1": 1, "tone=0": 0,
            "tone=1": 0, "total": 1} in per
    every = _blocks(report)["tone-actors"].table.to_pylist()
    assert {"platform": "facebook", "category": "candidate", "mentioned": "Адахан Мадумаров", "tone=-1": 1,
            "tone=0": 0, "tone=1": 0, "total": 1} in every
    assert sum(r["total"] for r in every) == 10  # 11 tone units coded, one open disagreement


def test_topics_and_flags(coded):
    _, report, _ = coded
    topics = {(r["platform"], r["category"], r["value"]): (r["posts"], r["coded_posts"], r["share_pct"])
              for r in _blocks(report)["topic-topics"].table.to_pylist()}
    assert topics == {("facebook", "media", "elections"): (2, 2, 100.0),
                      ("facebook", "media", "corruption"): (1, 2, 50.0),
                      ("facebook", "candidate", "covid19"): (1, 1, 100.0),
                      ("instagram", "media", "elections"): (1, 1, 100.0)}
    counts = {(r["platform"], r["category"]): (r["flagged"], r["coded_posts"])
              for r in _blocks(report)["flag-counts"].table.to_pylist()}
    assert counts == {("facebook", "media"): (1, 2), ("facebook", "candidate"): (1, 2)}
    flagged = _blocks(report)["flagged-posts"].table.to_pylist()
    assert [(r["actor"], r["flags"], r["url"]) for r in flagged] == [
        ("Kloop", "Disinformation", "https://www.facebook.com/555/posts/101"),
        ("Садыр Жапаров", "Disinformation", "https://www.facebook.com/111/posts/1004")]


def test_methodology_states_codebook_sample_coders_reliability(coded):
    _, report, html = coded
    method = next(s for s in report.sections if s["id"] == "methodology")
    text = " ".join(method["paragraphs"])
    assert "version 1, with 3 variables: Tone, Topics, Disinformation" in text
    # units: tone 11 (with 107, open), topic 4, disinformation 4 = 19 coded; 2 agreed (tone of 101 and
    # 102), 1 decided (104), 15 by one coder (tone 7, topic 4, disinformation 4), 1 open (107)
    assert "2 coders coded 19 units" in text
    assert "2 agreed by two or more coders, 1 decided by a reviewer, 15 coded by one coder; 1 unit(s) where" in text
    assert "not drawn as a sample in shailoo" in text
    assert "not all posts monitored" in text
    blocks = {b.name: b for b in method["blocks"]}
    assert blocks["codebook"].table["variable"].to_pylist() == ["tone", "topic", "disinformation"]
    # alpha per variable with its interval (coding/reliability.py): tone was double-coded on 4 units
    tone = next(r for r in blocks["reliability"].table.to_pylist() if r["variable"] == "tone")
    assert (tone["units"], tone["coders"], tone["alpha_ci"]) == (4, 2, "0.375 [-0.688; 0.938]")
    undefined = next(r for r in blocks["reliability"].table.to_pylist() if r["variable"] == "disinformation")
    assert undefined["alpha_ci"] == "—" and "only one coder" in undefined["note"]
    assert "shailoo coding reliability" in "\n".join(method["commands"])


def test_html_escapes_labels_and_keeps_downloads(coded):
    _, _, html = coded
    assert HOSTILE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "positive &lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b>monitoring</b>" not in html
    assert re.search(r'<section id="coded">', html)
    figures = {f["name"]: f for f in check_figures(html)}
    assert figures["tone-media-facebook"]["svgs"] == 1
    assert ["Садыр Жапаров", "3", "1", "2", "6"] in figures["tone-media-facebook"]["rows"]


def test_russian_labels(coded):
    ws, _, _ = coded
    report = build_report(ws, all_posts=True, include_text=False, lang="ru")
    block = _blocks(report)["tone-media-facebook"]
    assert block.labels["tone=-1"] == "негативная" and "СМИ о кандидатах" in block.title
    assert next(s for s in report.sections if s["id"] == "coded")["title"].startswith("Кодирование")


def test_xlsx_has_the_coded_sheets(coded, tmp_path):
    from openpyxl import load_workbook

    ws, report, _ = coded
    path = write_xlsx(ws, tmp_path / "r.xlsx", report=report)
    book = load_workbook(path)
    sheet = book["Tone – Facebook"]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0] == ["Mentioned actor", "negative", "neutral", "positive <img src=x onerror=alert(1)>", "Total"]
    assert rows[1] == ["Садыр Жапаров", 3, 1, 2, 6]
    titles = {s.title for s in book.worksheets}
    assert {"Topics", "flagged posts", "codebook"} <= titles
    flagged = [[c.value for c in r] for r in book["flagged posts"].iter_rows()]
    assert len(flagged) == 3


def test_no_coded_section_without_final_codes(tmp_path):
    ws = build_fixture(tmp_path / "plain")
    try:
        before = [s["id"] for s in build_report(ws, all_posts=True, include_text=False).sections]
        assert "coded" not in before
        store_codebook(ws.con, CODEBOOK, "codebook.yaml")  # a codebook but no codes: nothing changes
        report = build_report(ws, all_posts=True, include_text=False)
        assert [s["id"] for s in report.sections] == before
        method = next(s for s in report.sections if s["id"] == "methodology")
        assert not any("codebook" in p for p in method["paragraphs"])
    finally:
        ws.close()


def test_machine_suggestions_only_when_asked(coded):
    ws, report, _ = coded
    ws.con.execute("INSERT INTO coding_models VALUES (99, 'tone', now(), 10, 0.9, 5, '{}', 'test')")
    ws.con.execute("INSERT INTO suggestions VALUES (99, 103, 2, 'tone', '-1', 0.8), (99, 101, 1, 'tone', '1', 0.7)")
    try:
        plain = _blocks(build_report(ws, all_posts=True, include_text=False))
        assert not any(n.startswith("suggested-") for n in plain)
        assert plain["tone-media-facebook"].table.to_pylist() == \
            _blocks(report)["tone-media-facebook"].table.to_pylist()
        asked = build_report(ws, all_posts=True, include_text=False, with_suggestions=True)
        blocks = _blocks(asked)
        machine = blocks["suggested-tone-media-facebook"]
        # (101, Жапаров) is coded, so only the suggestion for (103, Мадумаров) counts
        assert machine.table.to_pylist() == [{"mentioned": "Адахан Мадумаров", "tone=-1": 1, "total": 1}]
        assert machine.title.startswith("Machine suggestions:") and "not codes" in machine.note
        assert blocks["tone-media-facebook"].table.to_pylist() == plain["tone-media-facebook"].table.to_pylist()
    finally:
        ws.con.execute("DELETE FROM suggestions WHERE model_id = 99")
        ws.con.execute("DELETE FROM coding_models WHERE model_id = 99")


def test_methodology_gives_the_sample_rule(coded):
    from shailoo.report.coded_sections import coded_methodology
    from shailoo.report.i18n import Tr

    ws, _, _ = coded
    rule = '{"kind": "top", "per": "category", "n": 200, "by": "interactions", "seed": 1, "note": "=HYPERLINK()"}'
    ws.con.execute("INSERT INTO samples VALUES ('top200', ?, now(), 1, 'coding')", [rule])
    ws.con.execute("INSERT INTO sample_posts SELECT 'top200', post_id, 'media' FROM posts WHERE post_id > 100")
    try:
        paragraphs, blocks = coded_methodology(ws, Tr("ky"))
        sample = next(b for b in blocks if b.name == "samples").table.to_pylist()
        assert sample[0]["sample"] == "top200" and sample[0]["posts"] == 8
        assert sample[0]["rule"].startswith("kind: top; per: category; n: 200; by: interactions; seed: 1")
        assert not any("shailoo'до тандоо катары алынган эмес" in p for p in paragraphs)
        assert any("коддоочу" in p for p in paragraphs)
    finally:
        ws.con.execute("DELETE FROM sample_posts WHERE sample = 'top200'")
        ws.con.execute("DELETE FROM samples WHERE name = 'top200'")

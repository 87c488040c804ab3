"""The report's coordination and copypasta section: found leads shown with their parameters, hostile
text escaped, private people under their pseudonym only, the section absent when nothing is found."""

from __future__ import annotations

import json

import pytest

from shailoo.cli.main import app
from shailoo.report.build import build_report, render_html
from shailoo.report.coordination_sections import network_picture
from tests.analysis.coordination_fixture import PEOPLE, build_coordination_fixture


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    ws = build_coordination_fixture(tmp_path_factory.mktemp("coord-report"))
    yield ws
    ws.close()


def test_section_shows_groups_and_campaigns_escaped(ws):
    report = build_report(ws, include_text=False)
    (section,) = [s for s in report.sections if s["id"] == "coordination"]
    assert [b.name for b in section["blocks"]] == ["coordinated-groups", "copypasta-campaigns"]
    html = render_html(ws, report)
    part = html.split('<section id="coordination">')[1].split("</section>")[0]
    assert "leads for review" in part and "within 60 s" in part
    assert "https://example.kg/news/1" in part and "Группа А" in part
    assert "<script>" not in part and "<img src=x" not in part
    assert "&lt;script&gt;alert(" in part  # the pasted hostile text, as text
    assert 'href="javascript' not in html
    assert not any(name.split()[0] in html for name in PEOPLE)


def test_section_absent_when_nothing_found(tmp_path):
    from shailoo.store.workspace import init_workspace

    with init_workspace(tmp_path / "empty", project="empty") as empty:
        assert "coordination" not in [s["id"] for s in build_report(empty, include_text=False).sections]


def test_picture_escapes_labels():
    svg = network_picture([{"account_id": "a", "component": 1}, {"account_id": "b", "component": 1}],
                          [{"account_id": "a", "account_id_y": "b", "weight": 2}],
                          {"a": {"label": '<script>x</script>"', "platform": "vk"}, "b": {"label": "B & C"}}, "t")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "B &amp; C" in svg


def test_cli_coordination_run(ws, runner, tmp_path):
    out = tmp_path / "net.csv"
    result = runner.invoke(app, ["coordination", "run", "-w", str(ws.path), "--object", "link", "--edges", str(out),
                                 "-f", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["groups"][0]["platforms"] == "facebook, telegram, vk" and data["parameters"]["window"] == 60
    assert out.read_text(encoding="utf-8").startswith("account_id,")
    text = runner.invoke(app, ["coordination", "run", "-w", str(ws.path), "--object", "text", "--window", "3600",
                               "--min-participation", "1", "-f", "json"])
    assert text.exit_code == 0, text.output
    accounts = json.loads(text.stdout)["accounts"]
    assert accounts and all(a["pseudonymised"] and a["label"].startswith("p_") and a["actor"] is None
                            for a in accounts)
    assert not any(name.split()[0] in text.output for name in PEOPLE)
    none = runner.invoke(app, ["coordination", "run", "-w", str(ws.path), "--object", "hashtag", "--window", "1"])
    assert none.exit_code == 0 and "No coordination found" in none.output


def test_over_a_large_selection_the_report_compares_identical_texts_only(ws, monkeypatch):
    """Near-duplicate detection over a million posts took ~10 s of a report whose target is 20 s."""
    from shailoo.report import coordination_sections

    monkeypatch.setattr(coordination_sections, "REPORT_NEAR_LIMIT", 0)
    report = build_report(ws, include_text=False)
    (section,) = [s for s in report.sections if s["id"] == "coordination"]
    assert any("identical texts only" in p for p in section["paragraphs"])
    campaigns = [b for b in section["blocks"] if b.name == "copypasta-campaigns"]
    assert not campaigns or "same text" in campaigns[0].note

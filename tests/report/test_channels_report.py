"""The report's channels section: present with channel/group/thread data, absent without; hostile
names escaped; pseudonymised commenters never named; the CLI commands print the same tables."""

from __future__ import annotations

import json

import pytest

from shailoo.cli.main import app
from shailoo.report.build import build_report, write_report
from tests.analysis.channels_fixture import actor, at, followers, post, snapshot

XSS = '<script>document.title="pwned"</script><img src=x onerror=alert(1)>'


@pytest.fixture
def ws(workspace):
    actor(workspace, "Мэрия", "authority", [("youtube", "UC1"), ("facebook", "city")])
    workspace.con.execute("UPDATE accounts SET name = ? WHERE account_id = 'UC1'", [f"Канал {XSS}"])
    followers(workspace, "youtube", "UC1", at(0), 1000, 50_000, 10)
    v = post(workspace, "youtube", "v1", "UC1", at(0), f"Выборы {XSS}", title=f"Выборы {XSS}")
    snapshot(workspace, v, at(12), likes=60, views=100)
    snapshot(workspace, v, at(36), likes=120, views=300)
    post(workspace, "facebook", "F1", "city", at(0), "Отключение воды")
    post(workspace, "facebook", "c1", "p_secret", at(1), "Нет воды", post_type="comment", parent="F1")
    post(workspace, "facebook", "r1", "city", at(3), "Бригада выехала", post_type="comment", parent="c1")
    workspace.con.execute("UPDATE accounts SET is_pseudonymised = true, name = NULL WHERE account_id = 'p_secret'")
    actor(workspace, "Кыргыздар", "public_group", [("vk", "-10")])
    post(workspace, "vk", "-10_1", "-10", at(2), "Сбор средств")
    post(workspace, "vk", "-10_2", "p_member", at(3), "Ищу работу", space="-10")
    return workspace


def test_section_blocks(ws):
    report = build_report(ws, include_text=False)
    section = next(s for s in report.sections if s["id"] == "channels")
    names = [b.name for b in section["blocks"]]
    assert names == ["channels-compare", "channels-videos", "channels-speed", "channels-groups",
                     "channels-responsiveness"]
    speed = section["blocks"][2].table.to_pylist()[0]
    assert speed["per_hour"] == 3.75 and speed["basis"] == "interpolated"  # in English: the en report
    resp = section["blocks"][4].table.to_pylist()[0]
    assert (resp["complaints"], resp["replied"], resp["median_hours"]) == (1, 1, 2.0)


def test_escaped_and_commenters_unnamed(ws, tmp_path):
    html = write_report(ws, tmp_path / "r.html", include_text=False).read_text(encoding="utf-8")
    assert "Канал &lt;script&gt;" in html and "<script>document.title" not in html
    assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    assert "p_secret" not in html and "p_member" not in html


def test_absent_without_channels_or_groups(workspace):
    post(workspace, "instagram", "i1", "someone", at(0), "Привет")
    assert "channels" not in [s["id"] for s in build_report(workspace, include_text=False).sections]


def test_cli_commands(ws, runner):
    path = str(ws.path)
    ws.close()
    for args, key, value in ((["channels"], "subscribers", 1000), (["like-speed", "--hours", "24"], "per_hour", 3.75),
                             (["groups"], "member_posts_pct", 50.0), (["responsiveness"], "median_hours", 2.0)):
        result = runner.invoke(app, [*args, "-w", path, "-f", "json"])
        assert result.exit_code == 0, result.output
        rows = json.loads(result.stdout)
        assert rows[0][key] == value, (args, rows[0])
    result = runner.invoke(app, ["like-speed", "-w", path, "--measure", "joy"])
    assert result.exit_code == 1 and "--measure must be one of" in result.output
    result = runner.invoke(app, ["groups", "-w", path, "--selection", "--keyword", "kyrgyz", "-f", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)[0]["keyword"] == "kyrgyz"


def test_russian_section_has_human_words(ws, tmp_path):
    import re

    from shailoo.report.build import render_html

    report = build_report(ws, include_text=False, lang="ru")
    section = next(s for s in report.sections if s["id"] == "channels")
    assert section["title"] == "Каналы и группы"
    assert section["blocks"][2].table["basis"].to_pylist()[0] == "интерполяция"
    body = re.sub(r'<pre class="cmd">.*?</pre>', "", render_html(ws, report), flags=re.DOTALL)
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<(style|svg)\b.*?</\1>", "", body, flags=re.DOTALL))
    part = visible[visible.index("Каналы и группы"):]
    assert "`" not in part and "_pct" not in part and not re.search(r"--\w", part.split("Методология")[0])

"""The demo data set and `shailoo demo`: deterministic, parses through the real importers, covers the story."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest

from shailoo.cli.main import app
from shailoo.demo import PROJECT, generate
from shailoo.demo.writers import CROWDTANGLE_HEADER
from shailoo.platforms import CATEGORIES
from shailoo.store.workspace import init_workspace, open_workspace


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_generator_is_deterministic(tmp_path):
    a, b = generate(tmp_path / "a", seed=7), generate(tmp_path / "b", seed=7)
    generate(tmp_path / "c", seed=8)
    assert a.posts == b.posts
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert _digests(tmp_path / "a") != _digests(tmp_path / "c")


def test_generated_files_are_real_formats(tmp_path):
    data = generate(tmp_path / "d")
    assert 3000 <= sum(data.posts.values()) <= 5000
    crowdtangle = [f for f in data.files if f.format == "crowdtangle"]
    assert {f.platform for f in crowdtangle} == {"facebook", "instagram"}
    for item in crowdtangle:
        with open(item.path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        expected = list(CROWDTANGLE_HEADER)
        if item.platform == "instagram":
            expected[0] = "Account"
        assert rows[0] == expected and len(expected) == 41
        assert all(len(r) == 41 for r in rows[1:]) and len(rows) - 1 == item.records
    for item in (f for f in data.files if f.format == "telegram_desktop"):
        export = json.loads(item.path.read_text(encoding="utf-8"))
        assert export["type"] == "public_channel" and export["messages"]
        assert all(m["from_id"] == f"channel{export['id']}" for m in export["messages"] if m["type"] == "message")
    readme = (tmp_path / "d" / "README.md").read_text(encoding="utf-8")
    assert "GENERATED" in readme and "CC BY 4.0" in readme and "NKTKLN/telegram-news-classifier" in readme
    with open(data.registry, encoding="utf-8") as fh:
        registry = list(csv.DictReader(fh))
    assert list(registry[0]) == ["name", "category", "platform", "account_id", "handle", "url", "aliases"]


@pytest.mark.shared
def test_crowdtangle_header_is_the_real_one(real):
    path = real / "crowdtangle" / "2021-07-05-22-49-20-BRT-search-csv-export.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        assert tuple(next(csv.reader(fh))) == CROWDTANGLE_HEADER


@pytest.fixture(scope="module")
def demo(demo_built):
    summary, folder = demo_built
    ws = open_workspace(folder, read_only=True)
    yield summary, ws
    ws.close()


def test_every_record_is_accounted_for(demo):
    summary, ws = demo
    imported = [f for f in summary["files"] if "skipped" not in f]
    assert {f["format"] for f in imported} >= {"crowdtangle"}
    for f in imported:
        assert f["quarantined"] == 0, f
        assert f["records"] == f["imported"] + f["updated"] + f["quarantined"] + f["skipped_records"], f
    assert ws.con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0


def test_the_monitoring_story_is_there(demo):
    _, ws = demo
    categories = {r[0] for r in ws.con.execute("SELECT DISTINCT category FROM posts_v WHERE category IS NOT NULL").fetchall()}
    assert set(CATEGORIES) - {"other"} <= categories
    platforms = {r[0] for r in ws.con.execute("SELECT DISTINCT platform FROM posts").fetchall()}
    assert {"facebook", "instagram"} <= platforms
    per_period = dict(ws.con.execute(
        """SELECT pe.name, count(*) FROM posts_v p JOIN periods pe ON p.day BETWEEN pe.start_date AND pe.end_date
           GROUP BY 1""").fetchall())
    assert per_period.get("pre-campaign", 0) > 500 and per_period.get("campaign", 0) > 500
    # candidates post more in the (shorter) campaign than in the pre-campaign
    pre, camp = ws.con.execute(
        """SELECT count(*) FILTER (WHERE day < DATE '2026-02-16'), count(*) FILTER (WHERE day >= DATE '2026-02-16')
           FROM posts_v WHERE category = 'candidate'""").fetchone()
    assert camp > pre
    silent = ws.con.execute("SELECT count(*) FROM posts_v WHERE actor = 'Медер Асанакунов'").fetchone()[0]
    assert silent == 0 and ws.con.execute("SELECT count(*) FROM actors WHERE name = 'Медер Асанакунов'").fetchone()[0] == 1


def test_posts_have_growing_snapshots(demo):
    _, ws = demo
    n_posts, several = ws.con.execute(
        """SELECT count(*), count(*) FILTER (WHERE n >= 2) FROM
           (SELECT p.post_id, count(e.post_id) AS n FROM posts p LEFT JOIN engagement_snapshots e USING (post_id)
            WHERE p.platform IN ('facebook', 'instagram') GROUP BY 1)""").fetchone()
    assert n_posts > 2000 and several == n_posts
    shrinking = ws.con.execute(
        """SELECT count(*) FROM (SELECT reactions, lag(reactions) OVER (PARTITION BY post_id ORDER BY measured_at) AS before
           FROM engagement_snapshots) WHERE reactions < before""").fetchone()[0]
    assert shrinking == 0


def test_russian_and_kyrgyz_texts(demo):
    from shailoo.text.langid import detect_languages

    _, ws = demo
    texts = [r[0] for r in ws.con.execute(
        "SELECT text FROM posts WHERE platform = 'facebook' AND text IS NOT NULL ORDER BY post_id LIMIT 400").fetchall()]
    languages = {lang for lang, _ in detect_languages(texts)}
    assert {"ru", "ky"} <= languages
    hidden_o = ws.con.execute("SELECT count(*) FROM posts WHERE regexp_matches(text, '[а-я]o[а-я]')").fetchone()[0]
    assert hidden_o > 0
    hashtags = ws.con.execute("SELECT count(*) FROM posts WHERE list_contains(hashtags, 'шайлоо2026')").fetchone()[0]
    assert hashtags > 0


def test_cli_demo(runner, tmp_path):
    folder = tmp_path / "d"
    result = runner.invoke(app, ["demo", str(folder)])
    assert result.exit_code == 0, result.output
    assert "generated demo data" in result.output and "Try next" in result.output
    assert "CC BY 4.0" in result.output
    assert "shailoo serve" in result.output and "printed this once" in result.output
    try:
        import shailoo.report.build  # noqa: F401  (written by another part of shailoo)
    except ImportError:
        pass
    else:
        html = (folder / "report.html").read_text(encoding="utf-8")
        assert "Coded content: tone, topics, flagged posts" in html and "Krippendorff" in html
    with open_workspace(folder, read_only=True) as ws:
        assert ws.config.project == PROJECT
        assert [p.name for p in ws.config.periods] == ["pre-campaign", "campaign"]
    again = runner.invoke(app, ["demo", str(folder)])
    assert again.exit_code == 1 and "already a shailoo workspace" in again.output
    forced = runner.invoke(app, ["demo", str(folder), "--force", "--no-report"])
    assert forced.exit_code == 0, forced.output


def test_force_never_deletes_a_real_workspace(runner, tmp_path):
    init_workspace(tmp_path / "mine", project="my monitoring").close()
    result = runner.invoke(app, ["demo", str(tmp_path / "mine"), "--force"])
    assert result.exit_code == 1 and "not a demo workspace" in result.output
    assert (tmp_path / "mine" / "shailoo.toml").exists()


def test_the_coding_round(demo, runner):
    """The demo goes from posts to a reliability table and coded report sections by the CLI alone."""
    import json

    from shailoo.coding.codes import final_codes
    from shailoo.coding.reliability import leave_one_out_table

    summary, ws = demo
    coding = summary["coding"]
    assert coding["quarantined"] == 0 and coding["acts"] > 1000 and coding["coders"] == 3
    variables = {r[0] for r in ws.con.execute("SELECT DISTINCT variable FROM codes").fetchall()}
    assert variables == {"tone", "topic", "disinformation", "inflammatory"}
    assert final_codes(ws.con, ["tone"]).num_rows > 300
    result = runner.invoke(app, ["coding", "reliability", "-w", summary["workspace"], "--variable", "tone", "-f", "json"])
    assert result.exit_code == 0, result.output
    (tone,) = json.loads(result.stdout)
    assert 0.667 <= tone["alpha"] <= 1 and tone["ci_low"] < tone["alpha"] < tone["ci_high"]
    from shailoo.coding.codebook import require_codebook

    left_out = {r["left_out"]: r["alpha_change"] for r in leave_one_out_table(ws.con, require_codebook(ws.con), "tone").to_pylist()}
    assert max(left_out, key=left_out.get) == "cholpon"  # the demo's least careful coder pulls agreement down
    (hash_,) = ws.con.execute("SELECT password FROM users WHERE username = 'admin' AND role = 'admin'").fetchone()
    assert hash_.startswith("$argon2id$")

"""Samples: seed 002's top rule (unknown interactions last), random, stratified, query; stored rules
redraw the same posts; names and replacements are guarded; the CLI prints one sentence on errors."""

from __future__ import annotations

import json
from datetime import date

import pytest

from shailoo.analysis.filters import PostFilter
from shailoo.cli.main import app
from shailoo.coding.samples import SampleRule, draw_sample, list_samples, redraw_sample
from shailoo.errors import CodingError, UsageError
from shailoo.store.workspace import init_workspace

# actor_id: (name, category, aliases, platform)
ACTORS = {1: ("Медиа А", "media", [], "facebook"), 2: ("Медиа Б", "media", [], "telegram"),
          3: ("Садыр Жапаров", "candidate", ["Japarov", "Жапаров"], "facebook"),
          4: ("Блогер", "influencer", [], "instagram"), 5: ("Партия Ата", "party", ["Ата"], "facebook")}


def build(path):
    """Media А: posts 1-10 on Facebook, interactions 10..80 for posts 1-8 and unknown (no snapshot) for
    9-10; Media Б: posts 11-13 on Telegram (interactions 5, 500, unknown: its export lacks forwards);
    candidate: 21-25; influencer: 31-34 (Instagram, interactions 1..4); party: 41-42; an unregistered
    account: 51-53; a comment: 61. All in January 2021 (period 'campaign' 05.01-25.01) except post 25
    (10.02.2021) and post 53 (01.12.2020)."""
    ws = init_workspace(path, project="t")
    c = ws.con
    for aid, (name, cat, aliases, platform) in ACTORS.items():
        c.execute("INSERT INTO actors (actor_id, name, category, aliases) VALUES (?, ?, ?, ?)", [aid, name, cat, aliases])
        c.execute("INSERT INTO accounts (platform, account_id, name, actor_id) VALUES (?, ?, ?, ?)",
                  [platform, f"a{aid}", name, aid])
    c.execute("INSERT INTO accounts (platform, account_id, name) VALUES ('facebook', 'anon', 'Someone')")

    def post(pid, aid, day, text, inter=None, platform=None, ptype="post", month=1, year=2021):
        platform = platform or (ACTORS[aid][3] if aid else "facebook")
        c.execute("""INSERT INTO posts (post_id, platform, platform_post_id, account_id, post_type, created_at, url, text)
                     VALUES (?, ?, ?, ?, ?, make_timestamptz(?, ?, ?, 6, 0, 0), ?, ?)""",
                  [pid, platform, f"p{pid}", f"a{aid}" if aid else "anon", ptype, year, month, day,
                   f"https://example.com/{pid}", text])
        if inter is not None:
            shares = None if inter == "unknown" else 0
            reactions = 1 if inter == "unknown" else inter
            c.execute("""INSERT INTO engagement_snapshots (post_id, measured_at, reactions, comments, shares)
                         VALUES (?, make_timestamptz(?, ?, ?, 6, 0, 0) + INTERVAL 5 DAY, ?, 0, ?)""",
                      [pid, year, month, day, reactions, shares])

    for i in range(1, 11):
        post(i, 1, 5 + i, f"Жаңылык {i}: Жапаровдун сөзү" if i % 2 else f"Новость {i}", i * 10 if i <= 8 else None)
    post(11, 2, 6, "Канал: Japarov", 5)
    post(12, 2, 7, "Канал: шайлоо", 500)
    post(13, 2, 8, "Канал: без пересылок", "unknown")
    for i, pid in enumerate(range(21, 25)):
        post(pid, 3, 6 + i, "Мен шайлоого барам", 100 + i)
    post(25, 3, 10, "Февраль", 7, month=2)
    for i, pid in enumerate(range(31, 35)):
        post(pid, 4, 6 + i, f"Блог {i} шайлоо", i + 1)
    post(41, 5, 9, "Ата партиясы", 3)
    post(42, 5, 10, "атасы келди", 3)
    post(51, None, 11, "Бирөө: шайлоо", 9)
    post(52, None, 12, "Бирөө 2", 9)
    post(53, None, 1, "Эски", 9, month=12, year=2020)
    post(61, None, 12, "Комментарий про Жапарова", 1000, ptype="comment")
    ws.add_period("campaign", date(2021, 1, 5), date(2021, 1, 25))
    return ws


@pytest.fixture
def ws(tmp_path):
    w = build(tmp_path / "ws")
    yield w
    w.close()


def posts_of(ws, name):
    return sorted(r[0] for r in ws.con.execute("SELECT post_id FROM sample_posts WHERE sample = ?", [name]).fetchall())


def scope(ws):
    from shailoo.analysis.filters import scoped

    return scoped(ws, PostFilter())[0]


def test_top_rule_ranks_media_and_takes_every_candidate_post(ws):
    s = draw_sample(ws, "top", SampleRule("top", count=3, seed=1), scope(ws))
    # media (A and Б together): 500 (12), 80 (8), 70 (7); influencer top 3: 34, 33, 32; candidate and party:
    # every post in the monitoring period (25 is in February); unregistered posts and the comment are left out
    assert posts_of(ws, "top") == [7, 8, 12, 21, 22, 23, 24, 32, 33, 34, 41, 42]
    assert s["posts"] == 12 and s["strata"] == 4  # media, influencer, candidate, party
    strata = dict(ws.con.execute("SELECT post_id, stratum FROM sample_posts WHERE sample = 'top'").fetchall())
    assert strata[12] == "media" and strata[21] == "candidate"


def test_unknown_interactions_rank_last_never_as_zero_or_top(ws):
    # 13 media posts in scope, 3 of them unknown (9, 10 no snapshot; 13 a Telegram export without forwards)
    draw_sample(ws, "top10", SampleRule("top", count=10, top_categories=("media",), seed=1), scope(ws))
    media = [p for p in posts_of(ws, "top10") if p <= 13]
    assert media == [1, 2, 3, 4, 5, 6, 7, 8, 11, 12]  # the ten known ones; unknown ones are not ranked above them
    draw_sample(ws, "top12", SampleRule("top", count=12, top_categories=("media",), seed=1), scope(ws))
    media = [p for p in posts_of(ws, "top12") if p <= 13]
    # then the unknown ones by date: 13 (08.01) and 9 (14.01); 10 (15.01) is the one left out
    assert media == [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13]


def test_top_per_category_and_platform(ws):
    draw_sample(ws, "t", SampleRule("top", count=1, by=("category", "platform"), top_categories=("media",), seed=1),
                scope(ws))
    strata = dict(ws.con.execute("SELECT post_id, stratum FROM sample_posts WHERE sample = 't'").fetchall())
    assert strata[8] == "media | facebook" and strata[12] == "media | telegram"
    assert not {1, 2, 11} & set(strata)


def test_random_is_seeded_and_sized(ws):
    draw_sample(ws, "r1", SampleRule("random", count=5, seed=7), scope(ws))
    draw_sample(ws, "r2", SampleRule("random", count=5, seed=7), scope(ws))
    draw_sample(ws, "r3", SampleRule("random", count=5, seed=8), scope(ws))
    assert posts_of(ws, "r1") == posts_of(ws, "r2") and len(posts_of(ws, "r1")) == 5
    assert posts_of(ws, "r1") != posts_of(ws, "r3")
    draw_sample(ws, "half", SampleRule("random", fraction=0.5, seed=7), PostFilter())  # every own post: 27
    assert len(posts_of(ws, "half")) == 14  # round(13.5), never the comment
    assert 61 not in posts_of(ws, "half")


def test_stratified_per_stratum_and_proportional(ws):
    draw_sample(ws, "s", SampleRule("stratified", count=2, by=("platform",), seed=3), scope(ws))
    per = dict(ws.con.execute("SELECT stratum, count(*) FROM sample_posts WHERE sample = 's' GROUP BY 1").fetchall())
    assert per == {"facebook": 2, "telegram": 2, "instagram": 2}
    draw_sample(ws, "p", SampleRule("stratified", count=10, proportional=True, by=("category",), seed=3), scope(ws))
    per = dict(ws.con.execute("SELECT stratum, count(*) FROM sample_posts WHERE sample = 'p' GROUP BY 1").fetchall())
    # in scope: media 13, candidate 4, influencer 4, party 2, unregistered 2 = 25 posts; 10 shared by largest remainders
    assert sum(per.values()) == 10 and per["media"] == 5 and per["(unregistered)"] == 1
    draw_sample(ws, "ap", SampleRule("stratified", count=1, by=("actor", "period"), seed=3), PostFilter())
    strata = {r[0] for r in ws.con.execute("SELECT stratum FROM sample_posts WHERE sample = 'ap'").fetchall()}
    assert "Садыр Жапаров | campaign" in strata and "Садыр Жапаров | (no period)" in strata


def test_query_sample_uses_kwic(ws):
    draw_sample(ws, "q", SampleRule("query", query="Жапаров", seed=1), scope(ws))
    # kwic crosses scripts and inflections: Жапаровдун (odd media posts) and Japarov (11); not the comment
    assert posts_of(ws, "q") == [1, 3, 5, 7, 9, 11]
    with pytest.raises(CodingError, match="finds no post"):
        draw_sample(ws, "none", SampleRule("query", query="несуществующее", seed=1), scope(ws))


def test_rule_is_stored_and_redraw_reproduces_it(ws):
    draw_sample(ws, "r", SampleRule("random", count=6, seed=11), scope(ws))
    before = posts_of(ws, "r")
    rule = json.loads(ws.con.execute("SELECT rule FROM samples WHERE name = 'r'").fetchall()[0][0])
    assert rule["seed"] == 11 and rule["scope"]["start"] == "2021-01-05" and rule["scope"]["end"] == "2021-01-25"
    ws.add_period("later", date(2021, 2, 1), date(2021, 2, 28))  # the default scope would now differ
    s = redraw_sample(ws, "r")
    assert posts_of(ws, "r") == before and s["added"] == 0 and s["removed"] == 0


def test_default_seed_is_stored(ws):
    s = draw_sample(ws, "r", SampleRule("random", count=3), scope(ws))
    assert s["seed"] and SampleRule.from_json(
        ws.con.execute("SELECT rule FROM samples").fetchall()[0][0]).seed == s["seed"]


def test_existing_name_refused_unless_replace_and_replace_refused_when_codes_would_leave(ws):
    draw_sample(ws, "r", SampleRule("random", count=3, seed=1), scope(ws))
    with pytest.raises(CodingError, match="exists"):
        draw_sample(ws, "r", SampleRule("random", count=3, seed=2), scope(ws))
    coded = posts_of(ws, "r")[0]
    ws.con.execute("""INSERT INTO codes VALUES (1, ?, NULL, 'topic', 'x', 'aida', now(), 1, 'import')""", [coded])
    with pytest.raises(CodingError, match=r"1 posts with codes out of it \(e.g. https://example.com/"):
        draw_sample(ws, "r", SampleRule("random", count=3, seed=99), scope(ws), replace_existing=True)
    assert coded in posts_of(ws, "r")  # nothing changed
    # a replacement that keeps the coded post is allowed, and leaving posts lose their assignments
    # a replacement that keeps the coded posts is allowed; posts leaving lose their assignments
    draw_sample(ws, "all", SampleRule("random", count=27, seed=1), PostFilter())
    ws.con.execute("INSERT INTO codes VALUES (2, 1, NULL, 'topic', 'x', 'aida', now(), 1, 'import')")
    ws.con.execute("INSERT INTO assignments VALUES ('all', 2, 'aida', false, now(), NULL), ('all', 1, 'aida', false, now(), NULL)")
    s = draw_sample(ws, "all", SampleRule("query", query="Жапаров", seed=1), PostFilter(), replace_existing=True)
    assert posts_of(ws, "all") == [1, 3, 5, 7, 9, 11] and s["removed"] == 21 and s["added"] == 0
    assert ws.con.execute("SELECT post_id FROM assignments WHERE sample = 'all'").fetchall() == [(1,)]


def test_calibration_sample_is_drawn_from_posts_with_final_codes(ws):
    with pytest.raises(CodingError, match="no final codes|none yet"):
        draw_sample(ws, "cal", SampleRule("random", count=5, seed=1, purpose="calibration"), scope(ws))
    ws.con.execute("INSERT INTO adjudications VALUES (1, 7, NULL, 'topic', 'x', 'lead', now(), 1, NULL)")
    ws.con.execute("INSERT INTO adjudications VALUES (2, 8, NULL, 'topic', 'y', 'lead', now(), 1, NULL)")
    draw_sample(ws, "cal", SampleRule("random", count=5, seed=1, purpose="calibration"), scope(ws))
    assert posts_of(ws, "cal") == [7, 8]
    assert list_samples(ws.con).to_pylist()[0]["purpose"] == "calibration"


@pytest.mark.parametrize("rule, message", [
    (SampleRule("nope"), "--kind"), (SampleRule("random"), "--count N or --fraction"),
    (SampleRule("random", count=1, fraction=0.1), "not both"), (SampleRule("stratified", count=1), "--by"),
    (SampleRule("stratified", count=1, by=("colour",)), "colour"), (SampleRule("top", by=("period",)), "period"),
    (SampleRule("top", top_categories=("press",)), "press"), (SampleRule("query"), "--query"),
    (SampleRule("random", fraction=1.5), "--fraction"), (SampleRule("random", count=0), "--count"),
])
def test_bad_rules_are_one_sentence(rule, message):
    with pytest.raises(UsageError, match=message):
        rule.checked()


def test_cli_draw_list_show_redraw(runner, tmp_path):
    build(tmp_path / "ws").close()
    w = str(tmp_path / "ws")
    r = runner.invoke(app, ["coding", "sample", "draw", "top", "-w", w, "--kind", "top", "--count", "3", "-f", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)[0]["posts"] == 12 and "Scope: the monitoring period" in r.stderr
    r = runner.invoke(app, ["coding", "sample", "draw", "top", "-w", w, "--kind", "top"])
    assert r.exit_code == 1 and "exists" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["coding", "sample", "draw", "rs", "-w", w, "--kind", "stratified", "--by", "platform",
                            "--count", "1", "--seed", "5", "--all", "--platform", "facebook,telegram"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["coding", "sample", "list", "-w", w, "-f", "json"])
    got = {s["sample"]: s for s in json.loads(r.stdout)}
    assert got["top"]["posts"] == 12 and got["rs"]["posts"] == 2 and got["rs"]["seed"] == 5
    r = runner.invoke(app, ["coding", "sample", "show", "rs", "-w", w, "-f", "json"])
    assert r.exit_code == 0, r.output
    assert {s["stratum"] for s in json.loads(r.stdout)} == {"facebook", "telegram"}
    r = runner.invoke(app, ["coding", "sample", "redraw", "rs", "-w", w, "-f", "json"])
    assert r.exit_code == 0 and json.loads(r.stdout)[0]["added"] == 0, r.output
    r = runner.invoke(app, ["coding", "sample", "show", "nope", "-w", w])
    assert r.exit_code == 1 and "There is no sample 'nope'" in r.output
    r = runner.invoke(app, ["coding", "sample", "draw", "x", "-w", w, "--kind", "random"])
    assert r.exit_code == 1 and "--count N or --fraction" in r.output


def test_replacement_rewrites_strata_of_posts_that_stay(ws):
    draw_sample(ws, "s", SampleRule("stratified", count=100, by=("platform",), seed=1), scope(ws))
    s = draw_sample(ws, "s", SampleRule("stratified", count=100, by=("category",), seed=1), scope(ws),
                    replace_existing=True)
    assert (s["added"], s["removed"], s["posts"]) == (0, 0, 25)
    strata = dict(ws.con.execute("SELECT post_id, stratum FROM sample_posts WHERE sample = 's'").fetchall())
    assert strata[12] == "media" and strata[21] == "candidate" and strata[51] == "(unregistered)"

"""Assignments: every post to a coder, the overlap to groups of coders spread evenly over coders, pairs
and strata, seeded and stable on reruns; blind units; release of idle coders; progress and calibration."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from shailoo.cli.main import app
from shailoo.coding.assign import assign, progress, release, units_for_coder, water_fill
from shailoo.coding.codebook import store_codebook
from shailoo.errors import CodingError, UsageError
from shailoo.store.workspace import init_workspace

CODEBOOK = """
variables:
  - name: topic
    label: Topic
    unit: post
    level: nominal
    values:
      - {code: a, label: A}
      - {code: b, label: B}
  - name: tone
    label: Tone
    unit: post_actor
    level: ordinal
    values:
      - {code: "-1", label: negative}
      - {code: "0", label: neutral}
      - {code: "1", label: positive}
"""
CODERS = ["aida", "bakyt", "cholpon", "dinara", "emil"]


def build(path, n=400, strata=4, purpose="coding"):
    """A sample 's' of n posts in `strata` strata (post i in stratum i % strata); actor 1 is mentioned in every
    tenth post."""
    ws = init_workspace(path, project="t")
    c = ws.con
    c.execute("INSERT INTO actors (actor_id, name, category) VALUES (1, 'Садыр Жапаров', 'candidate')")
    add_posts(ws, 1, n, strata)
    c.execute("""INSERT INTO samples VALUES ('s', '{"kind": "random", "count": 1, "seed": 42}', now(), NULL, ?)""",
              [purpose])
    return ws


def add_posts(ws, first, last, strata=4, sample="s"):
    ws.con.execute("""INSERT INTO posts (post_id, platform, platform_post_id, created_at, url, text)
        SELECT i, 'facebook', 'p' || i, TIMESTAMPTZ '2021-01-05 00:00:00+00' + to_minutes(i), 'https://e.com/' || i, 'text'
        FROM range(?, ? + 1) t(i)""", [first, last])
    if ws.con.execute("SELECT count(*) FROM samples WHERE name = ?", [sample]).fetchall()[0][0] or sample == "s":
        ws.con.execute("INSERT INTO sample_posts SELECT ?, i, 'S' || (i % ?) FROM range(?, ? + 1) t(i)",
                       [sample, strata, first, last])
    ws.con.execute("INSERT INTO mentions SELECT i, 1, 'alias', 'жапаров', NULL, now() FROM range(?, ? + 1) t(i) "
                   "WHERE i % 10 = 0", [first, last])


@pytest.fixture
def ws(tmp_path):
    w = build(tmp_path / "ws")
    yield w
    w.close()


def rows(ws, sample="s"):
    return ws.con.execute("SELECT post_id, coder, overlap FROM assignments WHERE sample = ? AND released_at IS NULL "
                          "ORDER BY ALL", [sample]).fetchall()


def test_water_fill():
    assert water_fill([0, 0, 0], 7) == [3, 2, 2]
    assert water_fill([5, 0, 2], 4) == [0, 3, 1]
    assert sum(water_fill([3, 9, 1, 1], 11)) == 11 and water_fill([1, 1], 0) == [0, 0]


def test_every_post_once_and_the_overlap_spread_evenly(ws):
    summary = assign(ws.con, "s", CODERS, overlap=0.2)
    got = rows(ws)
    per_post = Counter(p for p, _, _ in got)
    assert set(per_post) == set(range(1, 401))
    overlap_posts = {p for p, _, o in got if o}
    assert len(overlap_posts) == 80 == summary["new_overlap_posts"]  # 20 % of 400
    assert all(per_post[p] == 2 for p in overlap_posts) and all(per_post[p] == 1 for p in per_post if p not in overlap_posts)
    loads = Counter(c for _, c, _ in got)
    assert max(loads.values()) - min(loads.values()) <= 1  # (320 + 160) / 5 = 96 each
    pairs = Counter(tuple(sorted(c for p2, c, _ in got if p2 == p)) for p in overlap_posts)
    assert set(pairs) == set(itertools.combinations(sorted(CODERS), 2)) and set(pairs.values()) == {8}
    strata = Counter(p % 4 for p in overlap_posts)
    assert set(strata.values()) == {20}  # 20 % of each stratum of 100
    for coder in CODERS:  # every coder gets every stratum
        assert {p % 4 for p, c, _ in got if c == coder} == {0, 1, 2, 3}


def test_three_overlap_coders_and_uneven_numbers(tmp_path):
    ws = build(tmp_path / "ws", n=101, strata=3)
    assign(ws.con, "s", CODERS[:4], overlap=0.3, overlap_coders=3)
    got = rows(ws)
    per_post = Counter(p for p, _, _ in got)
    assert len(per_post) == 101 and Counter(per_post.values()) == {1: 71, 3: 30}
    loads = Counter(c for _, c, _ in got)
    assert max(loads.values()) - min(loads.values()) <= 1
    ws.close()


def test_seeded_and_reproducible(tmp_path):
    runs = []
    for i, seed in enumerate((None, None, 7)):
        w = build(tmp_path / f"ws{i}")
        assign(w.con, "s", CODERS, seed=seed)
        runs.append(rows(w))
        w.close()
    assert runs[0] == runs[1] and runs[0] != runs[2]


def test_rerun_adds_new_posts_without_moving_assigned_ones(ws):
    assign(ws.con, "s", CODERS)
    before = set(rows(ws))
    again = assign(ws.con, "s", CODERS)
    assert again["new_posts"] == 0 and set(rows(ws)) == before
    add_posts(ws, 401, 500)
    summary = assign(ws.con, "s", CODERS + ["farida"])
    after = set(rows(ws))
    assert before <= after and summary["new_posts"] == 100
    assert len({p for p, _, o in after if o}) == 100  # the overlap share holds over the whole sample: 20 % of 500
    loads = Counter(c for _, c, _ in after)
    assert loads["farida"] >= 60  # the new coder is filled first


def test_bad_options_are_one_sentence(ws):
    with pytest.raises(UsageError, match="--coders"):
        assign(ws.con, "s", "")
    with pytest.raises(UsageError, match="twice"):
        assign(ws.con, "s", "a,b,a")
    with pytest.raises(UsageError, match="at least two coders"):
        assign(ws.con, "s", "a", overlap=0.2)
    with pytest.raises(UsageError, match="--overlap"):
        assign(ws.con, "s", "a,b", overlap=2)
    with pytest.raises(CodingError, match="no sample 'x'"):
        assign(ws.con, "x", "a,b")
    assert assign(ws.con, "s", "a", overlap=0)["new_posts"] == 400


def test_units_for_coder_are_blind(ws):
    store_codebook(ws.con, CODEBOOK, "cb.yaml")
    assign(ws.con, "s", ["aida", "bakyt"], overlap=1.0)  # every post to both
    ws.con.execute("""INSERT INTO codes VALUES (1, 10, NULL, 'topic', 'a', 'bakyt', now(), 1, 'import'),
                                               (2, 10, 1, 'tone', '1', 'bakyt', now(), 1, 'import'),
                                               (3, 10, NULL, 'topic', 'b', 'aida', now(), 1, 'import')""")
    units = units_for_coder(ws.con, "aida", "s").to_pylist()
    assert len(units) == 400 + 40  # a unit per post and per mention
    ten = [u for u in units if u["post_id"] == 10]
    assert [(u["unit"], u["actor"]) for u in ten] == [("post", None), ("post_actor", "Садыр Жапаров")]
    assert ten[0]["my_codes"] == [{"variable": "topic", "value": "b"}] and ten[1]["my_codes"] == []
    assert "overlap" not in units[0] and "bakyt" not in json.dumps(units, default=str)
    assert units_for_coder(ws.con, "nobody", "s").num_rows == 0


def test_release_idle_coders_and_reassign(ws):
    store_codebook(ws.con, CODEBOOK, "cb.yaml")
    old = datetime.now(timezone.utc) - timedelta(hours=50)
    assign(ws.con, "s", ["aida", "bakyt", "cholpon"], overlap=0.2, now=old)
    aida = [p for p, c, _ in rows(ws) if c == "aida"]
    bakyt = [p for p, c, _ in rows(ws) if c == "bakyt"]
    done = aida[0] if aida[0] % 10 else aida[1]  # a post without mentions: one variable to code
    ws.con.execute("INSERT INTO codes VALUES (1, ?, NULL, 'topic', 'a', 'aida', ?, 1, 'import')",
                   [done, old + timedelta(hours=1)])
    ws.con.execute("INSERT INTO codes VALUES (2, ?, NULL, 'topic', 'a', 'bakyt', now(), 1, 'import')", [bakyt[0]])
    released = release(ws.con, 24, "s").to_pylist()
    assert {r["coder"] for r in released} == {"aida", "cholpon"}  # bakyt coded within the last day
    got = rows(ws)
    assert [(p, c) for p, c, _ in got if c == "aida"] == [(done, "aida")]  # the finished post stays hers
    left = ws.con.execute("SELECT count(*) FROM assignments WHERE released_at IS NOT NULL").fetchall()[0][0]
    assert left == len(aida) - 1 + released[1]["released_posts"]
    summary = assign(ws.con, "s", ["bakyt", "dinara"], reassign_released=True)
    assert summary["reassigned"] > 0
    had = ws.con.execute("""SELECT post_id, list(coder) FILTER (WHERE released_at IS NULL),
                                   list(coder) FILTER (WHERE released_at IS NOT NULL)
                            FROM assignments GROUP BY post_id""").fetchall()
    for post, active, gone in had:
        assert not set(active or []) & set(gone or [])  # never back to a coder who had it
    # every post has its coders again: one, or two for overlap posts (bakyt and dinara can always fill them)
    overlap = {p for p, _, o in got if o} | {r[0] for r in ws.con.execute(
        "SELECT post_id FROM assignments WHERE overlap").fetchall()}
    assert summary["unfilled"] == 0
    assert all(len(active or []) == (2 if post in overlap else 1) for post, active, _ in had)


def test_progress_counts_units_and_overlap(ws):
    store_codebook(ws.con, CODEBOOK, "cb.yaml")
    assign(ws.con, "s", ["aida", "bakyt"], overlap=1.0)
    # aida codes post 10 fully (topic + tone for its mention) and post 1 (topic only: no mention)
    ws.con.execute("""INSERT INTO codes VALUES (1, 10, NULL, 'topic', 'a', 'aida', now(), 1, 'import'),
                                               (2, 10, 1, 'tone', '1', 'aida', now(), 1, 'import'),
                                               (3, 1, NULL, 'topic', 'a', 'aida', now(), 1, 'import'),
                                               (4, 10, NULL, 'topic', 'b', 'bakyt', now(), 1, 'import')""")
    table = {r["coder"]: r for r in progress(ws.con, "s").to_pylist()}
    a = table["aida"]
    assert (a["posts"], a["units"], a["coded"], a["remaining"]) == (400, 440, 3, 437)
    assert (a["overlap_units"], a["overlap_coded"]) == (440, 3) and a["agreement_pct"] is None
    everyone = table["(all coders)"]
    assert (everyone["units"], everyone["coded"], everyone["overlap_coded"], everyone["unassigned_posts"]) == \
        (440, 1, 1, 0)  # post 10's topic unit is the only one both coded


def test_calibration_agreement_with_final_codes(tmp_path):
    ws = build(tmp_path / "ws", n=4, purpose="calibration")
    store_codebook(ws.con, CODEBOOK, "cb.yaml")
    for i, v in enumerate("abab", 1):  # the known answers
        ws.con.execute("INSERT INTO adjudications VALUES (?, ?, NULL, 'topic', ?, 'lead', now(), 1, NULL)", [i, i, v])
    assign(ws.con, "s", ["aida", "bakyt"], overlap=1.0)
    for i, (post, value, coder) in enumerate([(1, "a", "aida"), (2, "b", "aida"), (3, "a", "aida"), (4, "b", "aida"),
                                              (1, "b", "bakyt"), (2, "b", "bakyt")], 10):
        ws.con.execute("INSERT INTO codes VALUES (?, ?, NULL, 'topic', ?, ?, now(), 1, 'calibration')",
                       [i, post, value, coder])
    table = {r["coder"]: r for r in progress(ws.con, "s").to_pylist()}
    assert (table["aida"]["agreement_pct"], table["aida"]["agreement_units"]) == (100.0, 4)
    assert (table["bakyt"]["agreement_pct"], table["bakyt"]["agreement_units"]) == (50.0, 2)
    ws.close()


def test_cli_assign_release_progress(runner, tmp_path):
    build(tmp_path / "ws", n=50).close()
    w = str(tmp_path / "ws")
    r = runner.invoke(app, ["coding", "assign", "s", "-w", w, "--coders", "aida,bakyt,cholpon", "--overlap", "0.2",
                            "-f", "json"])
    assert r.exit_code == 0, r.output
    assert sum(x["posts"] for x in json.loads(r.stdout)) == 60 and "10 of them to 2 coders" in r.stderr
    r = runner.invoke(app, ["coding", "progress", "-w", w, "-f", "json"])
    assert r.exit_code == 0, r.output
    got = {x["coder"]: x for x in json.loads(r.stdout)}
    assert got["(all coders)"]["posts"] == 50 and got["aida"]["coded"] is None  # no codebook yet
    r = runner.invoke(app, ["coding", "release", "-w", w, "--idle", "1", "-f", "json"])
    assert r.exit_code == 0 and json.loads(r.stdout) == [], r.output
    r = runner.invoke(app, ["coding", "release", "-w", w, "--idle", "0"])
    assert r.exit_code == 1 and "--idle" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["coding", "assign", "nope", "-w", w, "--coders", "a,b"])
    assert r.exit_code == 1 and "There is no sample 'nope'" in r.output

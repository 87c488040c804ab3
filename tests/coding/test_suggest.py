"""Assisted coding: a model trained on final codes suggests values; suggestions are never codes."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from shailoo.coding.codebook import Codebook, Value, Variable
from shailoo.coding.codes import final_codes
from shailoo.coding.suggest import mention_window, suggest, suggested_units, train
from shailoo.errors import CodingError

TONE = Variable("tone", "Tone toward the actor", "post_actor", "ordinal", False,
                (Value("-1", "negative", labels={"ru": "негативный"}), Value("0", "neutral"), Value("1", "positive")))
TOPIC = Variable("topic", "Topic", "post", "nominal", False,
                 (Value("elections", "Elections"), Value("covid", "Covid-19"), Value("economy", "Economy")))
CODEBOOK = Codebook(1, (TONE, TOPIC), "test codebook")

# Words tied to each value, in Russian and Kyrgyz (and a Latin spelling), among shared filler.
TOPIC_WORDS = {
    "elections": ["выборы", "избиратели", "бюллетень", "шайлоо", "шайлоочулар", "добуш", "saylov"],
    "covid": ["коронавирус", "вакцина", "карантин", "оорукана", "вакцинация", "пандемия", "covid"],
    "economy": ["экономика", "цены", "инфляция", "бажы", "соода", "баалар", "iqtisodiyot"],
}
TONE_WORDS = {"1": ["молодец", "азамат", "поддерживаем", "колдойбуз", "ийгилик", "мыкты"],
              "-1": ["позор", "уят", "провал", "калпычы", "жемкор", "обманщик"],
              "0": ["сообщил", "билдирди", "встретился", "жолукту", "заявил", "айтты"]}
FILLER = ["бүгүн", "сегодня", "город", "шаар", "эл", "люди", "жана", "и", "в", "менен", "жыл", "год", "новости"]


def _insert_posts(con, texts: list[str]) -> list[int]:
    start = datetime(2021, 1, 1, tzinfo=UTC)
    rows = [(i + 1, "facebook", f"p{i + 1}", "111", start + timedelta(hours=i), f"https://facebook.com/p{i + 1}", t)
            for i, t in enumerate(texts)]
    con.executemany("INSERT INTO posts (post_id, platform, platform_post_id, account_id, created_at, url, text) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    return [r[0] for r in rows]


def _code(con, post_id, variable, value, coder="aida", actor_id=None):
    """One coding act; a tuple of values is one multi-label act (one row per value)."""
    act = con.execute("SELECT nextval('code_act_seq')").fetchall()[0][0]
    for v in value if isinstance(value, tuple) else (value,):
        con.execute("INSERT INTO codes VALUES (?, ?, ?, ?, ?, ?, now(), 1, 'import')",
                    [act, post_id, actor_id, variable, v, coder])


def _topic_text(rng, topic):
    return " ".join(rng.sample(TOPIC_WORDS[topic], 3) + rng.sample(FILLER, 4))


@pytest.fixture
def topics(workspace):
    """90 posts, 60 coded (20 per topic, two coders agreeing on half), 30 left to suggest for."""
    rng = random.Random(7)
    con = workspace.con
    topics = [t for t in TOPIC_WORDS for _ in range(30)]
    rng.shuffle(topics)
    ids = _insert_posts(con, [_topic_text(rng, t) for t in topics])
    truth = dict(zip(ids, topics))
    coded = ids[:60]
    for i, pid in enumerate(coded):
        _code(con, pid, "topic", truth[pid])
        if i % 2:
            _code(con, pid, "topic", truth[pid], coder="bakyt")
    return workspace, truth, set(coded)


def test_learnable_topics_high_accuracy_and_right_suggestions(topics):
    ws, truth, coded = topics
    result = suggest(ws.con, CODEBOOK, "topic")
    info = result.model
    assert info.training_units == 60 and info.cv_folds == 5
    assert info.cv_accuracy >= 0.9, info
    assert set(info.per_value_f1) == {"elections", "covid", "economy"} and min(info.per_value_f1.values()) >= 0.85
    rows = result.suggestions.to_pylist()
    assert {r["post_id"] for r in rows} == set(truth) - coded  # only uncoded units
    right = sum(r["value"] == truth[r["post_id"]] for r in rows)
    assert right / len(rows) >= 0.9
    margins = [r["margin"] for r in rows]
    assert margins == sorted(margins)  # least certain first (active learning)
    assert "cross-validated accuracy" in info.summary() and "not codes" in info.summary()
    stored = ws.con.execute("SELECT variable, training_units, cv_folds FROM coding_models").fetchall()
    assert stored == [("topic", 60, 5)]
    assert ws.con.execute("SELECT count(*) FROM suggestions").fetchall()[0][0] == 30


def test_suggestions_never_become_codes(topics):
    ws, truth, coded = topics
    before = final_codes(ws.con).to_pylist()
    codes_before = ws.con.execute("SELECT count(*) FROM codes").fetchall()[0][0]
    suggest(ws.con, CODEBOOK, "topic")
    assert final_codes(ws.con).to_pylist() == before
    assert ws.con.execute("SELECT count(*) FROM codes").fetchall()[0][0] == codes_before
    assert {r["post_id"] for r in final_codes(ws.con).to_pylist()} == coded
    # a unit coded after the suggestion leaves the machine's hands
    pending = suggested_units(ws.con)
    pid = pending["post_id"][0].as_py()
    _code(ws.con, pid, "topic", truth[pid])
    assert pid not in suggested_units(ws.con)["post_id"].to_pylist()


def test_reproducible_with_the_seed(topics):
    ws, _, _ = topics
    a = suggest(ws.con, CODEBOOK, "topic", seed=3)
    b = suggest(ws.con, CODEBOOK, "topic", seed=3)
    assert a.model.cv_accuracy == b.model.cv_accuracy and a.model.per_value_f1 == b.model.per_value_f1
    assert a.suggestions.select(["post_id", "value", "probability"]).to_pylist() == \
        b.suggestions.select(["post_id", "value", "probability"]).to_pylist()
    assert b.model.model_id == a.model.model_id + 1
    # the second run replaced the first run's suggestions for the same units
    assert ws.con.execute("SELECT count(*), count(DISTINCT model_id) FROM suggestions").fetchall()[0] == (30, 1)


def test_confidence_order(topics):
    ws, _, _ = topics
    probs = [r["probability"] for r in suggest(ws.con, CODEBOOK, "topic", order="confidence").suggestions.to_pylist()]
    assert probs == sorted(probs, reverse=True)


def test_too_few_codes_one_sentence(workspace):
    rng = random.Random(1)
    ids = _insert_posts(workspace.con, [_topic_text(rng, t) for t in ("covid", "economy") * 5])
    for pid, t in zip(ids, ("covid", "economy") * 5):
        _code(workspace.con, pid, "topic", t)
    with pytest.raises(CodingError, match=r"has 10 final codes; a model needs at least 20"):
        suggest(workspace.con, CODEBOOK, "topic")
    assert workspace.con.execute("SELECT count(*) FROM coding_models").fetchall()[0][0] == 0


def test_a_value_with_one_example_is_refused(workspace):
    rng = random.Random(2)
    topics = ["covid"] * 12 + ["economy"] * 12 + ["elections"]
    ids = _insert_posts(workspace.con, [_topic_text(rng, t) for t in topics])
    for pid, t in zip(ids, topics):
        _code(workspace.con, pid, "topic", t)
    with pytest.raises(CodingError, match=r"fewer than 2 final codes of the value\(s\) elections"):
        train(workspace.con, CODEBOOK, "topic")


def test_mention_window_finds_inflected_forms():
    text = "Бүгүн шаарда " + " ".join(["сөз"] * 30) + " Жапаровдун жолугушуусу болду, ал эми Мадумаров уят"
    window = mention_window(text, ["Жапаров"], width=2)
    assert window == "сөз сөз жапаровдун жолугушуусу болду"
    assert mention_window("Japarov met voters", ["Жапаров", "Japarov"], width=1) == "japarov met"


def test_tone_differs_per_actor(workspace):
    """One post praises one actor and attacks the other: each (post, actor) unit gets its own tone."""
    rng = random.Random(5)
    con = workspace.con
    con.execute("INSERT INTO actors (actor_id, name, category, aliases) VALUES (1, 'Садыр Жапаров', 'candidate', "
                "['Жапаров', 'Japarov']), (2, 'Адахан Мадумаров', 'candidate', ['Мадумаров'])")
    surname = {1: "Жапаров", 2: "Мадумаров"}
    texts, units = [], []
    for i in range(80):
        a, b = (1, 2) if i % 2 else (2, 1)
        ta, tb = rng.choice([("1", "-1"), ("-1", "1"), ("0", "-1"), ("1", "0")])
        pad = " ".join(rng.sample(FILLER, 13) + rng.sample(FILLER, 13))
        texts.append(f"{surname[a]} {' '.join(rng.sample(TONE_WORDS[ta], 2))} {pad} "
                     f"{surname[b]} {' '.join(rng.sample(TONE_WORDS[tb], 2))}")
        units.append(((a, ta), (b, tb)))
    ids = _insert_posts(con, texts)
    for pid, pair in zip(ids, units):
        for actor, _ in pair:
            con.execute("INSERT INTO mentions VALUES (?, ?, 'alias', ?, NULL, NULL)", [pid, actor, surname[actor]])
    for pid, pair in list(zip(ids, units))[:60]:
        for actor, tone in pair:
            _code(con, pid, "tone", tone, actor_id=actor)
    result = suggest(con, CODEBOOK, "tone", lang="ru")
    assert result.model.cv_accuracy >= 0.8, result.model
    truth = {(pid, actor): tone for pid, pair in zip(ids, units) for actor, tone in pair}
    rows = result.suggestions.to_pylist()
    assert len(rows) == 40 and {r["actor"] for r in rows} == {"Садыр Жапаров", "Адахан Мадумаров"}
    right = sum(r["value"] == truth[(r["post_id"], r["actor_id"])] for r in rows)
    assert right / len(rows) >= 0.8
    assert "негативный" in {r["label"] for r in rows}  # the reader's language when the codebook has it


def test_cli_prints_the_model_figures_above_the_suggestions(topics, runner, tmp_path):
    from shailoo.cli.main import app

    ws, _, _ = topics
    yaml = ("title: t\nvariables:\n  - name: topic\n    label: Topic\n    unit: post\n    level: nominal\n"
            "    values:\n      - {code: elections, label: Elections}\n      - {code: covid, label: Covid-19}\n"
            "      - {code: economy, label: Economy}\n")
    ws.con.execute("INSERT INTO codebooks VALUES (1, now(), 'cb.yaml', 'x', ?, [])", [yaml])
    path = ws.path
    ws.close()
    result = runner.invoke(app, ["coding", "suggest", "--variable", "topic", "-w", str(path), "-n", "5"])
    assert result.exit_code == 0, result.output
    head = result.output.index("cross-validated accuracy")
    assert head < result.output.index("Machine suggestions for topic")
    assert "5-fold" in result.output and "not codes" in result.output
    out = tmp_path / "s.csv"
    result = runner.invoke(app, ["coding", "suggest", "--variable", "topic", "-w", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").splitlines()[0].startswith("post_id,actor_id,actor,variable,value,label")
    assert len(out.read_text(encoding="utf-8").splitlines()) == 31


def test_cli_too_few_codes_is_one_sentence(workspace, runner):
    from shailoo.cli.main import app

    yaml = ("title: t\nvariables:\n  - name: topic\n    label: Topic\n    unit: post\n    level: nominal\n"
            "    values:\n      - {code: covid, label: Covid-19}\n      - {code: economy, label: Economy}\n")
    workspace.con.execute("INSERT INTO codebooks VALUES (1, now(), 'cb.yaml', 'x', ?, [])", [yaml])
    path = workspace.path
    workspace.close()
    result = runner.invoke(app, ["coding", "suggest", "--variable", "topic", "-w", str(path)])
    assert result.exit_code == 1
    assert "has 0 final codes; a model needs at least 20" in result.output
    assert "Traceback" not in result.output


def test_multi_label_variable(workspace):
    """Several topics per post (the shipped codebook's topic): one model per value, every likely value suggested."""
    multi = Variable("topics", "Topics", "post", "nominal", True, TOPIC.values)
    book = Codebook(1, (multi,), "multi")
    rng = random.Random(11)
    sets = [rng.choice([("covid",), ("economy",), ("elections",), ("covid", "economy"), ("elections", "economy")])
            for _ in range(70)]
    texts = [" ".join(w for t in s for w in rng.sample(TOPIC_WORDS[t], 3)) + " " + " ".join(rng.sample(FILLER, 3))
             for s in sets]
    ids = _insert_posts(workspace.con, texts)
    for pid, s in list(zip(ids, sets))[:50]:
        _code(workspace.con, pid, "topics", s)
    result = suggest(workspace.con, book, "topics")
    assert result.model.multiple and result.model.cv_accuracy >= 0.8, result.model
    got: dict[int, set] = {}
    for r in result.suggestions.to_pylist():
        got.setdefault(r["post_id"], set()).add(r["value"])
    truth = dict(zip(ids, sets))
    assert len(got) == 20
    assert sum(got[p] == set(truth[p]) for p in got) >= 16
    assert "exact-match accuracy" in result.model.summary()

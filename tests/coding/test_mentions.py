"""Mentions: (post, actor) pairs found by name and aliases in Cyrillic and Latin, in inflected forms;
short aliases only exactly; the author is not its own mention; coders add missed actors."""

from __future__ import annotations

import json

import pytest

from shailoo.cli.main import app
from shailoo.coding.mentions import add_mention, find_mentions, list_mentions
from shailoo.errors import CodingError
from shailoo.store.workspace import init_workspace

FORMS = ["Жапаров", "Жапаровдун", "Жапаровга", "Жапаровду", "Japarov", "Japarovdun", "Жапарова", "Жапарову",
         "Жапаровым", "Zhaparov", "ЖАПАРОВДОН", "Жапаровдордун", "#Жапаров", "@japarov", "Japarovga"]
MISSES = ["Жапаровщина", "Жапар", "Жапаровчулар"]


def _ws(path, actors, texts, author=None):
    ws = init_workspace(path, project="t")
    c = ws.con
    for aid, name, category, aliases in actors:
        c.execute("INSERT INTO actors (actor_id, name, category, aliases) VALUES (?, ?, ?, ?)", [aid, name, category, aliases])
        c.execute("INSERT INTO accounts (platform, account_id, name, actor_id) VALUES ('facebook', ?, ?, ?)",
                  [f"a{aid}", name, aid])
    for i, text in enumerate(texts, 1):
        c.execute("""INSERT INTO posts (post_id, platform, platform_post_id, account_id, created_at, url, text)
                     VALUES (?, 'facebook', ?, ?, TIMESTAMPTZ '2021-01-05 06:00:00+00' + to_hours(?), ?, ?)""",
                  [i, f"p{i}", f"a{author(i) if author else 1}", i, f"https://example.com/{i}", text])
    c.execute("""INSERT INTO samples VALUES ('s', '{"kind": "random", "seed": 1}', now(), NULL, 'coding')""")
    c.execute("INSERT INTO sample_posts SELECT 's', post_id, NULL FROM posts")
    return ws


ACTORS = [(1, "Кабар", "media", ["Kabar"]), (2, "Садыр Жапаров", "candidate", ["Sadyr Japarov", "Жапаров"]),
          (3, "Партия Ата", "party", ["Ата"]), (4, "Гүлнара Сатыбалдиева", "candidate", ["Сатыбалдиева"])]


def found(ws, sample="s"):
    return {(r["post_id"], r["actor"]): r for r in list_mentions(ws.con, sample).to_pylist()}


@pytest.fixture
def ws(tmp_path):
    texts = [f"Бүгүн {w} сүйлөдү." for w in FORMS] + [f"Сөз: {w} жөнүндө." for w in MISSES] + [
        "Атасы келди, ата-энеси да.",          # Ата (3 letters): never atасы
        "Ата партиясынын жыйыны",             # Ата exactly
        "Встреча с Гульнарой Сатыбалдиевой",  # Russian instrumental of a -а surname (its stem + ending)
        "Садыра Жапарова видели в Оше",        # a two-word alias, both words inflected
        "Kabar жазды: Жапаров",                # the author (Кабар) names itself
    ]
    w = _ws(tmp_path / "ws", ACTORS, texts)
    yield w
    w.close()


def test_every_inflected_form_and_script_is_found(ws):
    summary = find_mentions(ws.con, "s")
    got = found(ws)
    for i, form in enumerate(FORMS, 1):
        assert (i, "Садыр Жапаров") in got, form
    assert got[(2, "Садыр Жапаров")]["matched"] == "жапаровдун" and got[(5, "Садыр Жапаров")]["source"] == "alias"
    assert summary["posts_searched"] == len(FORMS) + len(MISSES) + 5


def test_no_false_positives(ws):
    find_mentions(ws.con, "s")
    got = found(ws)
    n = len(FORMS)
    for i, word in enumerate(MISSES, n + 1):  # an ending outside the case endings is another word
        assert (i, "Садыр Жапаров") not in got, word
    assert (n + len(MISSES) + 1, "Партия Ата") not in got  # атасы
    assert (n + len(MISSES) + 2, "Партия Ата") in got


def test_stems_and_phrases(ws):
    find_mentions(ws.con, "s")
    got = found(ws)
    base = len(FORMS) + len(MISSES)
    assert got[(base + 3, "Гүлнара Сатыбалдиева")]["matched"] == "гульнарой сатыбалдиевой"  # the alias of two words
    assert got[(base + 4, "Садыр Жапаров")]["matched"] == "садыра жапарова"


def test_the_author_is_not_its_own_mention_unless_asked(ws):
    find_mentions(ws.con, "s")
    last = len(FORMS) + len(MISSES) + 5
    got = found(ws)
    assert (last, "Садыр Жапаров") in got and (last, "Кабар") not in got
    find_mentions(ws.con, "s", include_author=True)
    got = found(ws)
    assert got[(last, "Кабар")]["source"] == "alias"  # named itself: the alias match, kept with --author
    assert got[(1, "Кабар")]["source"] == "author"


def test_rerun_keeps_coded_removes_stale_and_never_touches_coder_rows(ws):
    find_mentions(ws.con, "s")
    ws.con.execute("INSERT INTO codes VALUES (1, 1, 2, 'tone', '1', 'aida', now(), 1, 'import')")
    assert add_mention(ws.con, 2, 3, "aida") is True and add_mention(ws.con, 2, 3, "aida") is False
    ws.con.execute("UPDATE actors SET aliases = ['Sadyr Japarov'] WHERE actor_id = 2")  # 'Жапаров' alone removed
    summary = find_mentions(ws.con, "s")
    got = found(ws)
    assert (1, "Садыр Жапаров") in got and summary["kept_with_codes"] == 1  # coded: kept
    assert (3, "Садыр Жапаров") not in got and summary["removed"] > 0        # stale: removed
    assert got[(2, "Партия Ата")]["source"] == "coder" and got[(2, "Партия Ата")]["added_by"] == "aida"


def test_add_refuses_posts_outside_samples(ws):
    ws.con.execute("DELETE FROM sample_posts WHERE post_id = 3")
    with pytest.raises(CodingError, match="in no sample"):
        add_mention(ws.con, 3, 2, "aida")


def test_demo_actors(tmp_path):
    """The demo's cast: candidates in Kyrgyz, Russian and Latin forms; a party by its quoted name; short aliases."""
    from shailoo.demo.cast import CAST

    actors = [(i, a.name, a.category, list(a.aliases)) for i, a in enumerate(CAST, 1)]
    ids = {a.name: i for i, a in enumerate(CAST, 1)}
    media = ids["Бишкек Сегодня"]
    texts = ["Бекболотовдун шайлоо программасы", "Интервью с Азаматом Бекболотовым", "Azamat Bekbolotov met voters",
             "Жумалиевага суроо", "Партия «Жаңы Кадам» провела съезд", "ЦИК объявил итоги", "ЦИКа нет",
             "Ош шаары — биздин үй", "Канаттуу куштар"]
    ws = _ws(tmp_path / "ws", actors, texts, author=lambda i: media)
    find_mentions(ws.con, "s")
    got = {(p, a) for p, a in found(ws)}
    assert (1, "Азамат Бекболотов") in got and (2, "Азамат Бекболотов") in got and (3, "Азамат Бекболотов") in got
    assert (4, "Бактыгүл Жумалиева") in got and (5, "Партия «Жаңы Кадам»") in got
    assert (6, "Центральная избирательная комиссия") in got
    assert (7, "Центральная избирательная комиссия") not in got  # ЦИК is short: exact only
    assert (8, "Ош шаары — биздин үй") in got
    assert not any(p == 9 for p, _ in got)  # Канат (an influencer's alias) is not канаттуу
    ws.close()


def test_cli_find_add_list(runner, tmp_path):
    _ws(tmp_path / "ws", ACTORS, ["Жапаровго кат", "Жаңылыктар"]).close()
    w = str(tmp_path / "ws")
    r = runner.invoke(app, ["coding", "mentions", "find", "-w", w, "--sample", "s", "-f", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)[0]["mentions"] == 1
    r = runner.invoke(app, ["coding", "mentions", "add", "-w", w, "--url", "https://example.com/2", "--actor",
                            "сатыбалдиева", "--coder", "aida"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["coding", "mentions", "list", "-w", w, "-f", "json"])
    rows = json.loads(r.stdout)
    assert {(x["url"], x["actor"], x["source"]) for x in rows} == {
        ("https://example.com/1", "Садыр Жапаров", "alias"), ("https://example.com/2", "Гүлнара Сатыбалдиева", "coder")}
    r = runner.invoke(app, ["coding", "mentions", "add", "-w", w, "--url", "https://example.com/9", "--actor", "Ата",
                            "--coder", "aida"])
    assert r.exit_code == 1 and "No post" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["coding", "mentions", "find", "-w", w, "--sample", "nope"])
    assert r.exit_code == 1 and "There is no sample 'nope'" in r.output

"""Inflammatory-language flags: stems and both scripts, counts per actor/category/week, review list,
a coding sample of the flagged posts, and the workspace's own lexicon replacing the shipped one."""

from __future__ import annotations

import json

import pytest

from shailoo.actors import import_registry
from shailoo.analysis.inflammatory import (LEADS_NOTE, draw_sample, find_flags, flag_counts, flagged_posts,
                                           parse_lexicon, shipped_text)
from shailoo.errors import UsageError
from shailoo.store.loader import import_file

REGISTRY = """name,category,platform,account_id,handle,url,aliases
Канал А,media,telegram,,kanal_a,,
Канал Б,public_group,telegram,,kanal_b,,
"""

TEXTS = {  # id -> (channel, day, text)
    1: ("kanal_a", 4, "Эти предатели и воры опять обманывают народ, их надо гнать из власти немедленно."),
    2: ("kanal_a", 5, "Сегодня в Бишкеке прошла встреча кандидатов с избирателями, обсуждали экономику и школы."),
    3: ("kanal_b", 5, "Бул чыккынчылар элди сатып жатышат, шайлоодо аларга добуш бербегиле, эл душманы ошолор."),
    4: ("kanal_b", 12, "Ular xoinlar, vatanni sotib yuborishdi, xalq dushmani bo'lib qolishdi, saylovda ovoz bermang."),
    5: ("kanal_b", 12, "Улар хоинлар, ватанни сотиб юборишди, халқ душмани бўлиб қолишди, сайловда овоз берманг."),
    6: ("kanal_a", 13, "Таких крыс нужно к стенке ставить, а не в парламент выбирать, говорит этот пост."),
    7: ("kanal_a", 13, "Новый пpедатель нашелся: депутат опять голосовал против народа и своих избирателей."),
}


def _messages():
    out = []
    for i, (chan, day, text) in TEXTS.items():
        out.append({"_": "Message", "id": i, "peer_id": {"_": "PeerChannel", "channel_id": 100 + ord(chan[-1])},
                    "date": f"2021-01-{day:02d}T06:00:00+00:00", "message": text, "views": 10,
                    "username": chan, "channel": chan})
    return out


@pytest.fixture
def ws(workspace, tmp_path):
    (tmp_path / "registry.csv").write_text(REGISTRY, encoding="utf-8")
    import_registry(workspace, tmp_path / "registry.csv", replace=False)
    (tmp_path / "a.json").write_text(json.dumps([m for m in _messages() if m["username"] == "kanal_a"],
                                                ensure_ascii=False), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps([m for m in _messages() if m["username"] == "kanal_b"],
                                                ensure_ascii=False), encoding="utf-8")
    import_file(workspace, tmp_path / "a.json")
    import_file(workspace, tmp_path / "b.json")
    return workspace


def _flagged(ws, **kw) -> dict[str, set[str]]:
    flags = find_flags(ws, any_language=True, **kw)
    ids = dict(ws.con.execute("SELECT post_id, platform_post_id FROM posts").fetchall())
    out: dict[str, set[str]] = {}
    for row in flags.hits.to_pylist():
        out.setdefault(ids[row["post_id"]].split("/")[-1], set()).add(row["term"])
    return out


def test_stems_phrases_and_scripts(ws):
    got = _flagged(ws)
    plain = {k.split("_")[-1] if "_" in k else k: v for k, v in got.items()}
    key = {pid.rsplit("/", 1)[-1].rsplit("_", 1)[-1]: terms for pid, terms in plain.items()}
    assert {"предатель", "вор"} <= key["1"]                      # inflected forms: stems
    assert "2" not in key                                       # nothing inflammatory
    assert {"чыккынчы", "эл душманы"} <= key["3"]              # Kyrgyz, a phrase
    assert {"xoin", "xalq dushmani"} <= key["4"] and {"xoin", "xalq dushmani"} <= key["5"]  # Uzbek Latin and Cyrillic
    assert {"крысы", "к стенке"} & key["6"]                     # a phrase
    assert "предатель" in key["7"]                              # a Latin 'p' inside a Cyrillic word is folded


def test_counts_and_review_list(ws):
    table, notes = flag_counts(ws, by="actor", any_language=True)
    rows = {(r["actor"], r["lexicon_category"]): r for r in table.to_pylist()}
    assert rows[("Канал А", "enemy_traitor")]["flagged_posts"] == 2 and rows[("Канал А", "enemy_traitor")]["posts"] == 4
    assert rows[("Канал Б", "enemy_traitor")]["flagged_posts"] == 3
    assert LEADS_NOTE in notes
    weeks, _ = flag_counts(ws, by="week", any_language=True)
    assert len(set(weeks.column("week").to_pylist())) >= 2
    posts, _ = flagged_posts(ws, any_language=True)
    assert posts.num_rows == 6 and all(posts.column("words").to_pylist())


def test_coding_sample_of_flags(ws):
    from shailoo.coding.samples import list_samples

    summary = draw_sample(ws, "inflammatory-review", any_language=True, categories=("enemy_traitor",))
    assert summary["posts"] == 5
    listed = list_samples(ws.con).to_pylist()
    assert listed[0]["kind"] == "inflammatory" and "lexicon" in listed[0]["rule"]
    from shailoo.coding.samples import redraw_sample  # stopped with "--kind must be one of ..."

    again = redraw_sample(ws, "inflammatory-review")
    assert again["posts"] == 5
    assert ws.con.execute("SELECT count(*) FROM sample_posts WHERE sample = 'inflammatory-review'").fetchall()[0][0] == 5


def test_workspace_lexicon_replaces_the_shipped_one(ws):
    folder = ws.path / "lexicons"
    folder.mkdir()
    (folder / "ru.txt").write_text("[insult]\nэкономика\n", encoding="utf-8")
    got = _flagged(ws)
    texts = [k for k in got if "экономика" in got[k]]
    assert len(texts) == 1 and not any("предатель" in v for v in got.values())


@pytest.mark.parametrize("text, message", [
    ("вор\n", "before any .category"), ("[swearing]\nвор\n", "unknown category"),
    ("[insult]\nодин два три четыре пять шесть\n", "phrase of up to"),
])
def test_bad_lexicon_lines_are_one_sentence(text, message):
    with pytest.raises(UsageError, match=message):
        parse_lexicon(text, "ru")


def test_shipped_lexicons_parse():
    for lang in ("ru", "ky", "kk", "uz"):
        entries = parse_lexicon(shipped_text(lang), lang)
        assert len(entries) >= 40 and {e.category for e in entries} == {
            "insult", "dehumanising", "ethnic_religious", "enemy_traitor", "violent_call"}

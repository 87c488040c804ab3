"""Groups (seed 000): hand-computed shares of own and members' posts, type, posts per member,
comments per post, fundraising/protest/ads shares, ad-only, and the selection report."""

from __future__ import annotations

import pytest

from shailoo.analysis.filters import PostFilter
from shailoo.analysis.groups import group_selection, groups, load_lexicon, words_regex
from shailoo.errors import ConfigError, UsageError
from tests.analysis.channels_fixture import account, actor, at, followers, post, snapshot


@pytest.fixture
def ws(workspace):
    actor(workspace, "Кыргыздар Москва", "public_group", [("vk", "-10"), ("vk", "555")])
    account(workspace, "vk", "-10", name="Кыргыздар Москва")
    followers(workspace, "vk", "-10", at(0), 5000)
    p1 = post(workspace, "vk", "-10_1", "-10", at(1), "Сбор средств для пострадавших, реквизиты ниже")
    snapshot(workspace, p1, at(100), likes=1, reactions=1, comments=4, shares=0)
    p2 = post(workspace, "vk", "-10_2", "555", at(2), "Все на МИТИНГ у посольства!", space="-10")  # an admin
    snapshot(workspace, p2, at(100), likes=1, reactions=1, comments=2, shares=0)
    p3 = post(workspace, "vk", "-10_3", "901", at(3), "Ищу работу", space="-10")
    snapshot(workspace, p3, at(100), likes=1, reactions=1)  # comments not given
    post(workspace, "vk", "-10_4", "901", at(4), "Кто знает про патент?", space="-10")  # never measured
    post(workspace, "vk", "-10_5", "902", at(5), "Помощь: https://gofundme.com/f/help", space="-10")
    post(workspace, "vk", "-10_6", "903", at(6), "Спасибо", space="-10", post_type="comment", parent="-10_1")
    for i, text in enumerate(["Продам телефон, цена 100", "Куплю диван", "Доставка еды", "Скидки 50%", "Привет"]):
        post(workspace, "ok", f"ok1_{i}", "ok1", at(10 + i), text)
    account(workspace, "ok", "ok1", name="Продажа Москва")
    account(workspace, "telegram", "777", name="Kyrgyz diaspora chat")
    followers(workspace, "telegram", "777", at(0), 800)
    post(workspace, "telegram", "777/1", "user888", at(20), "Salam", space="777", post_type="message")
    workspace.con.execute("UPDATE accounts SET is_pseudonymised = true WHERE account_id IN ('901', '902', '903', 'user888')")
    return workspace


def by_name(table):
    return {r["group"]: r for r in table.to_pylist()}


def test_group_figures(ws):
    g = by_name(groups(ws))["Кыргыздар Москва"]
    assert (g["members"], g["posts"], g["own_posts"], g["member_posts"], g["member_posts_pct"], g["kind"]) == \
        (5000, 5, 2, 3, 60.0, "horizontal")
    assert (g["posting_members"], g["posts_per_member"]) == (2, 1.5)
    assert (g["comments_per_post"], g["comments_unknown"], g["replies_loaded"], g["replies_loaded_per_post"]) == \
        (3.0, 3, 1, 0.2)  # known for posts 1 and 2 (4 and 2); 3, 4 and 5 unknown
    assert (g["fundraising_pct"], g["protest_pct"], g["ads_pct"], g["ad_only"]) == (40.0, 20.0, 0.0, False)


def test_ad_only_and_vertical(ws):
    g = by_name(groups(ws))["Продажа Москва"]
    assert (g["posts"], g["member_posts_pct"], g["kind"], g["ads_pct"], g["ad_only"]) == (5, 0.0, "vertical", 80.0, True)
    assert by_name(groups(ws, ads_at=0.9))["Продажа Москва"]["ad_only"] is False
    assert by_name(groups(ws, min_posts=6))["Продажа Москва"]["ad_only"] is False


def test_no_commenter_named(ws):
    text = str(groups(ws).to_pylist()) + str(group_selection(ws, keywords=["кыргыз"]).to_pylist())
    for private in ("901", "902", "903", "user888"):
        assert private not in text


def test_selection_report(ws):
    rows = by_name(group_selection(ws, keywords=["кыргыз"], min_members=1000))
    assert rows["Кыргыздар Москва"]["selected"] and rows["Кыргыздар Москва"]["keyword"] == "кыргыз"
    assert rows["Kyrgyz diaspora chat"]["keyword"] == "кыргыз"  # Cyrillic keyword, Latin name
    assert rows["Kyrgyz diaspora chat"]["reason"] == "fewer than 1,000 members"
    assert rows["Продажа Москва"]["reason"] == "the name matches no keyword"
    rows = by_name(group_selection(ws, keywords=["kyrgyz"], min_members=0))
    assert rows["Kyrgyz diaspora chat"]["selected"] and rows["Кыргыздар Москва"]["selected"]
    rows = by_name(group_selection(ws, keywords=[], min_members=0))  # no keyword: that criterion is not applied
    assert rows["Продажа Москва"]["keyword"] is None and rows["Продажа Москва"]["reason"] == "member count unknown"


def test_platform_filter(ws):
    assert list(by_name(groups(ws, PostFilter(platform="ok")))) == ["Продажа Москва"]


def test_lexicon_matching_and_override(ws):
    import re

    pattern = re.compile(words_regex(["митинг*", "сбор средств", "#stoprahmon"]).replace(r"\p{L}", "a-zа-яё")
                         .replace(r"\p{N}", "0-9"))
    assert pattern.search("все на митинги!") and pattern.search("сбор  средств") and pattern.search("x #stoprahmon")
    assert not pattern.search("антимитинговый")
    (ws.path / "lexicons").mkdir()
    (ws.path / "lexicons" / "protest.txt").write_text("# own list\nпатент\n", encoding="utf-8")
    assert load_lexicon(ws, "protest") == ["патент"]
    assert by_name(groups(ws))["Кыргыздар Москва"]["protest_pct"] == 20.0  # now the post about the patent
    (ws.path / "lexicons" / "ads.txt").write_bytes(b"\xff\xfe bad")
    with pytest.raises(ConfigError, match="Cannot read the lexicon"):
        groups(ws)


@pytest.mark.parametrize("kwargs", [{"horizontal_at": 0}, {"ads_at": 1.5}])
def test_bad_options(ws, kwargs):
    with pytest.raises(UsageError):
        groups(ws, **kwargs)


def test_lexicon_patterns_match_words_and_prefixes_at_word_starts_only():
    """The prefix form lost its word tail (it made RE2 leave its fast automaton: 13 s over a million
    posts); what matches must not change."""
    import duckdb

    from shailoo.analysis.groups import words_regex

    pattern = words_regex(["митинг*", "марш", "все на площадь"])
    hits = ["митинг", "на митинге", "митингге чыгабыз", "марш!", "марш", "все  на площадь"]
    misses = ["антимитинг", "маршрут", "мимарш", "все на площади"]
    found = dict(duckdb.sql("SELECT t, regexp_matches(t, ?) FROM unnest(?) AS u(t)",
                            params=[pattern, hits + misses]).fetchall())
    assert [t for t in hits + misses if found[t]] == hits

"""Share tables from the workspace (issue #13): one object kind each, across platforms, pseudonyms kept."""

from __future__ import annotations

import duckdb
import pytest

from shailoo.analysis.share_objects import account_attributes, normalise_urls, shares_for
from shailoo.errors import UsageError
from tests.analysis.coordination_fixture import PEOPLE, build_coordination_fixture


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    ws = build_coordination_fixture(tmp_path_factory.mktemp("coord"))
    yield ws
    ws.close()


@pytest.mark.parametrize("url, expected", [
    ("HTTP://WWW.Example.COM/News/1/?utm_source=fb&id=5&fbclid=abc#top", "https://example.com/News/1?id=5"),
    ("https://m.example.com/News/1?id=5", "https://example.com/News/1?id=5"),
    ("https://mobile.example.com:443/News/1//", "https://example.com/News/1"),
    ("https://example.com/?b=2&a=1&utm_campaign=x", "https://example.com?a=1&b=2"),
    ("https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.com%2FNews%2F1%3Futm_medium%3Dx&h=AT0",
     "https://example.com/News/1"),
    ("https://vk.com/away.php?to=https%3A%2F%2Fwww.example.com%2Fa&cc_key=", "https://example.com/a"),
    ("https://www.youtube.com/watch?v=abc&si=XYZ&feature=share", "https://youtube.com/watch?v=abc"),
    ("https://user:pw@Example.com./a?", "https://example.com/a"),
    ("ftp://example.com/a", None), ("www.example.com/a", None), ("javascript:alert(1)", None), (None, None),
])
def test_url_normalisation(url, expected):
    assert normalise_urls(duckdb.connect(), [url]) == [expected]


def test_link_coordination_across_platforms(ws):
    t = shares_for(ws, "link").to_pylist()
    news1 = [r for r in t if r["object_id"] == "https://example.kg/news/1"]
    # Facebook's www.+utm, Telegram's http+slash, VK's m.+fbclid+fragment: one object, four accounts.
    assert [r["account_id"] for r in news1] == ["facebook:111", "telegram:222", "vk:-333", "facebook:444"]
    assert [r["timestamp_share"] - news1[0]["timestamp_share"] for r in news1] == [0, 4, 9, 3600]
    assert shares_for(ws, "link").schema.names == ["object_id", "account_id", "content_id", "timestamp_share"]


def test_domains_hashtags_reposts(ws):
    assert {r["object_id"] for r in shares_for(ws, "domain").to_pylist() if r["account_id"] == "vk:-333"} == {"example.kg"}
    tags = shares_for(ws, "hashtag").to_pylist()
    assert {r["object_id"] for r in tags} == {"#выборы2026"}  # #Выборы2026, #ВЫБОРЫ2026, #выборы2026
    assert len(tags) == 6
    reposts = shares_for(ws, "repost").to_pylist()
    assert {(r["object_id"], r["account_id"]) for r in reposts} == {
        (f"vk:-900_{n}", a) for n in (1, 2) for a in ("vk:-333", "vk:-555")}


def test_text_objects_are_near_duplicate_clusters(ws):
    text = shares_for(ws, "text").to_pylist()
    clusters = {}
    for r in text:
        clusters.setdefault(r["object_id"], set()).add(r["account_id"])
    assert sorted(len(a) for a in clusters.values()) == [5, 7]  # the hostile paste, the 100 % comment


def test_filters_apply(ws):
    from shailoo.analysis.filters import PostFilter

    only_vk = shares_for(ws, "link", PostFilter(platform="vk")).to_pylist()
    assert {r["account_id"].split(":")[0] for r in only_vk} == {"vk"}
    with pytest.raises(UsageError, match="Unknown object"):
        shares_for(ws, "emoji")


def test_pseudonymised_accounts_stay_pseudonymous(ws):
    attrs = account_attributes(ws, shares_for(ws, "text")).to_pylist()
    assert len(attrs) == 7 and all(a["pseudonymised"] for a in attrs)
    for a in attrs:
        assert a["label"] == a["account_id"].split(":", 1)[1] and a["label"].startswith("p_")
        assert a["actor"] is None and a["category"] is None
    shown = repr(attrs) + repr(shares_for(ws, "text").to_pylist())
    assert not any(name.split()[0] in shown for name in PEOPLE)
    public = {a["account_id"]: a for a in account_attributes(ws, shares_for(ws, "link")).to_pylist()}
    assert public["facebook:111"]["actor"] == "Группа А" and public["facebook:111"]["category"] == "public_group"
    assert public["vk:-333"]["label"] == "Сообщество В" and public["vk:-333"]["actor"] is None

"""Actor registry: CSV and YAML forms, attribution by id, handle and any URL form."""

from __future__ import annotations

import pytest

from shailoo.actors import actor_post_counts, import_registry, read_registry
from shailoo.errors import RegistryError
from shailoo.store.attribution import url_keys
from shailoo.store.loader import import_file
from tests.conftest import DATA

ACTORS = DATA / "actors"


def test_read_csv_groups_accounts_per_actor():
    actors = read_registry(ACTORS / "actors.csv")
    japarov = actors[0]
    assert japarov.name == "Жапаров Садыр" and japarov.category == "candidate"
    assert japarov.aliases == ["Japarov Sadyr", "Садыр Жапаров"]
    assert [a.platform for a in japarov.accounts] == ["facebook", "instagram"]
    assert len(actors) == 4


def test_read_yaml():
    actors = read_registry(ACTORS / "actors.yaml")
    assert [(a.name, a.category, len(a.accounts)) for a in actors] == [("Ата-Журт", "party", 2), ("Kaktus Media", "media", 1)]


@pytest.mark.parametrize("platform,url,key", [
    ("facebook", "https://www.facebook.com/japarov/", "h:japarov"),
    ("facebook", "m.facebook.com/Japarov", "h:japarov"),
    ("facebook", "https://www.facebook.com/profile.php?id=333", "id:333"),
    ("facebook", "https://facebook.com/groups/222", "id:222"),
    ("facebook", "https://www.facebook.com/pages/Name/444", "id:444"),
    ("telegram", "https://t.me/s/shailoo_kg", "h:shailoo_kg"),
    ("vk", "https://vk.com/club109125816", "id:-109125816"),
    ("vk", "vk.com/id77", "id:77"),
    ("youtube", "https://www.youtube.com/channel/UCabc", "id:UCabc"),
    ("youtube", "https://www.youtube.com/@kaktus", "h:kaktus"),
    ("x", "https://x.com/Japarov", "h:japarov"),
    ("facebook", "https://www.facebook.com/p/Bob-Smith-100064000000001/", "id:100064000000001"),
    ("facebook", "https://www.facebook.com/people/Jane-Doe/100064123456789/", "id:100064123456789"),
    ("telegram", "https://t.me/c/1101170442/55", "id:1101170442"),
])
def test_url_forms(platform, url, key):
    assert key in url_keys(platform, url)


def test_attribution_after_import_and_zero_post_actor(workspace):
    import_file(workspace, DATA / "crowdtangle" / "2021-01-05-10-00-00-KGT-Historical-Report-malformed.csv")
    import_file(workspace, DATA / "crowdtangle" / "group.csv")
    import_file(workspace, DATA / "crowdtangle" / "instagram.csv")
    counts = import_registry(workspace, ACTORS / "actors.csv")
    assert counts["actors"] == 4
    rows = {r["actor"]: r for r in actor_post_counts(workspace).to_arrow_table().to_pylist()}
    assert rows["Жапаров Садыр"]["posts"] == 6 + 2       # facebook by id, instagram by handle
    assert rows["Мигранты в Москве"]["posts"] == 2       # facebook group by URL with m. and no www
    assert rows["Пустой Актёр"]["posts"] == 0            # still listed, with zero
    assert rows["Жапаров Садыр"]["per_platform"] == "facebook: 6, instagram: 2"


def test_registry_before_import_attributes_new_posts(workspace):
    import_registry(workspace, ACTORS / "actors.csv")
    import_file(workspace, DATA / "crowdtangle" / "instagram.csv")
    assert workspace.con.execute("SELECT DISTINCT actor FROM posts_v").fetchall() == [("Жапаров Садыр",)]


def test_registry_reimport_updates(workspace, tmp_path):
    import_registry(workspace, ACTORS / "actors.csv")
    changed = tmp_path / "a.csv"
    changed.write_text("name,category,platform,account_id,handle,url\nЖапаров Садыр,politician,facebook,111,,\n",
                       encoding="utf-8")
    import_registry(workspace, changed)
    assert workspace.con.execute("SELECT count(*) FROM actors").fetchone()[0] == 4
    assert workspace.con.execute("SELECT category FROM actors WHERE name = 'Жапаров Садыр'").fetchone()[0] == "politician"


@pytest.mark.parametrize("content,message", [
    ("who,what\nx,y\n", "expected the columns"),
    ("name,category,platform\nX,president,facebook\n", "category 'president'"),
    ("name,category,platform\nX,party,myspace\n", "platform 'myspace'"),
    ("name,category,platform\nX,party,facebook\nX,media,facebook\n", "earlier line"),
])
def test_bad_registry(tmp_path, workspace, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RegistryError, match=message):
        import_registry(workspace, path)
    assert workspace.con.execute("SELECT count(*) FROM actors").fetchone()[0] == 0


def test_multi_segment_urls_take_only_the_account_segment():
    assert url_keys("telegram", "https://t.me/c/123/55") == {"id:123"}
    assert url_keys("facebook", "https://www.facebook.com/groups/mygroup/permalink/999/") == {"h:mygroup"}


def test_telegram_person_registered_by_numeric_id_is_attributed(workspace, monkeypatch, tmp_path):
    from datetime import datetime, timezone

    from shailoo.records import PostRecord
    from tests.store.test_loader import _export, _fake_importer

    registry = tmp_path / "a.csv"
    registry.write_text("name,category,platform,account_id,handle,url\nАйбек,influencer,telegram,555001,,\n",
                        encoding="utf-8")
    import_registry(workspace, registry)
    _fake_importer(monkeypatch, [PostRecord("telegram", "9/1", datetime(2026, 1, 1, tzinfo=timezone.utc),
                                            account_id="user555001", account_name="Айбек", author_is_public=False)])
    import_file(workspace, _export(tmp_path), "fake")
    assert workspace.con.execute("SELECT account_id, actor FROM posts_v").fetchall() == [("user555001", "Айбек")]

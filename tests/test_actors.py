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
    import_registry(workspace, changed, replace=False)  # added to the registry, not replacing it
    assert workspace.con.execute("SELECT count(*) FROM actors").fetchone()[0] == 4
    assert workspace.con.execute("SELECT category FROM actors WHERE name = 'Жапаров Садыр'").fetchone()[0] == "politician"


@pytest.mark.parametrize("content,message", [
    ("who,what\nx,y\n", "expected the columns"),
    ("name,category,platform\nX,president,facebook\n", "category 'president'"),
    ("name,category,platform\nX,party,myspace\n", "platform 'myspace'"),
    ("name,category,platform,account_id\nX,party,facebook,1\nX,media,facebook,2\n", "earlier line"),
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


# ---- issue #8: the registry never loses attribution silently -----------------------------------

HEADER = "name,category,platform,account_id,handle,url\n"


def _write(tmp_path, rows: str, name: str = "reg.csv", encoding: str = "utf-8", header: str = HEADER):
    path = tmp_path / name
    path.write_bytes((header + rows).encode(encoding))
    return path


@pytest.mark.parametrize("platform,account_id,expected", [
    ("telegram", "-1001101170442", ("1101170442", None, None)),   # Telethon's marked channel id
    ("telegram", "channel1101170442", ("1101170442", None, None)),  # Telegram Desktop's from_id
    ("telegram", "@ria_novosti", (None, "ria_novosti", None)),
    ("telegram", "555001", ("555001", None, None)),               # a person's id stays as written
    ("vk", "club109125816", ("-109125816", None, None)),
    ("vk", "public109125816", ("-109125816", None, None)),
    ("vk", "-109125816", ("-109125816", None, None)),
    ("vk", "id77", ("77", None, None)),
    ("vk", "foodshare", (None, "foodshare", None)),                 # a screen name
    ("facebook", "100064000000001.0", ("100064000000001", None, None)),  # re-saved by a spreadsheet
    ("youtube", "https://www.youtube.com/channel/UCabc", (None, None, "https://www.youtube.com/channel/UCabc")),
    ("youtube", "@Kaktus", (None, "kaktus", None)),
    ("x", "1234567", ("1234567", None, None)),
    ("x", "Japarov", (None, "japarov", None)),
])
def test_ids_written_as_in_the_data_are_normalised(tmp_path, platform, account_id, expected):
    account = read_registry(_write(tmp_path, f"A,party,{platform},{account_id},,\n"))[0].accounts[0]
    assert (account.account_id, account.handle, account.url) == expected


@pytest.mark.parametrize("row,message", [
    ("A,party,facebook,1.00064E+14,,\n", r"reg.csv line 2: the facebook id '1.00064E\+14'"),
    ("A,party,facebook,,,\n", "reg.csv line 2: the facebook account of A has no account_id, handle or url"),
])
def test_rows_that_identify_nothing_are_refused(tmp_path, workspace, row, message):
    with pytest.raises(RegistryError, match=message):
        import_registry(workspace, _write(tmp_path, row))


@pytest.mark.parametrize("encoding,delimiter", [("utf-8", ";"), ("cp1251", ";"), ("utf-16", "\t"), ("utf-8-sig", ",")])
def test_registry_as_excel_saves_it(tmp_path, encoding, delimiter):
    rows = "Жапаров Садыр,candidate,facebook,111,,\nКактус,media,telegram,,kaktus,\n"
    path = _write(tmp_path, rows.replace(",", delimiter), encoding=encoding, header=HEADER.replace(",", delimiter))
    actors = read_registry(path)
    assert [(a.name, a.category, a.accounts[0].account_id) for a in actors] == [
        ("Жапаров Садыр", "candidate", "111"), ("Кактус", "media", None)]


@pytest.mark.shared
def test_telethon_channel_registered_by_its_marked_id(workspace, real, tmp_path):
    import_file(workspace, real / "telegram_ru_news" / "1001101170442_messages.json")
    counts = import_registry(workspace, _write(tmp_path, "РИА Новости,media,telegram,-1001101170442,,\n"))
    assert counts["unmatched"] == []
    assert workspace.con.execute("SELECT actor, count(*) FROM posts_v GROUP BY 1").fetchall() == [("РИА Новости", 1000)]


def test_unmatched_registry_rows_are_reported(workspace, tmp_path):
    from shailoo.actors import unmatched_registry_accounts

    import_file(workspace, DATA / "crowdtangle" / "instagram.csv")
    counts = import_registry(workspace, ACTORS / "actors.csv")
    unmatched = {(r["actor"], r["platform"]) for r in counts["unmatched"]}
    assert ("Жапаров Садыр", "instagram") not in unmatched
    assert {("Жапаров Садыр", "facebook"), ("Мигранты в Москве", "facebook"), ("ЦИК КР", "telegram"),
            ("Пустой Актёр", "facebook")} == unmatched
    import_file(workspace, DATA / "crowdtangle" / "group.csv")
    assert ("Мигранты в Москве", "facebook") not in {(r["actor"], r["platform"])
                                                     for r in unmatched_registry_accounts(workspace)}


def test_registry_import_replaces_by_default_and_add_merges(workspace, tmp_path):
    import_file(workspace, DATA / "crowdtangle" / "instagram.csv")
    import_registry(workspace, ACTORS / "actors.csv")
    only = _write(tmp_path, "Новый,media,facebook,5,,\nЖапаров Садыр,politician,instagram,,japarov_ig,\n")
    counts = import_registry(workspace, only)
    assert (counts["added"], counts["changed"], counts["removed"]) == (["Новый"], ["Жапаров Садыр"],
                                                                       ["Мигранты в Москве", "Пустой Актёр", "ЦИК КР"])
    assert workspace.con.execute("SELECT count(*) FROM actors").fetchone()[0] == 2
    counts = import_registry(workspace, ACTORS / "actors.csv", replace=False)
    assert counts["removed"] == [] and workspace.con.execute("SELECT count(*) FROM actors").fetchone()[0] == 5
    assert workspace.con.execute("SELECT DISTINCT actor FROM posts_v").fetchall() == [("Жапаров Садыр",)]


def test_remove_actor_by_alias_keeps_posts(workspace):
    from shailoo.actors import remove_actor

    import_file(workspace, DATA / "crowdtangle" / "instagram.csv")
    import_registry(workspace, ACTORS / "actors.csv")
    posts = workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0]
    removed = remove_actor(workspace, "Садыр Жапаров")
    assert removed["name"] == "Жапаров Садыр" and removed["posts"] == 2
    assert workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0] == posts
    assert workspace.con.execute("SELECT count(*) FROM posts_v WHERE actor_id IS NOT NULL").fetchone()[0] == 0
    assert workspace.con.execute("SELECT count(*) FROM actor_accounts aa JOIN actors a USING (actor_id) "
                                 "WHERE a.name = 'Жапаров Садыр'").fetchone()[0] == 0
    with pytest.raises(RegistryError, match="No actor is named"):
        remove_actor(workspace, "Садыр Жапаров")


def test_unattributed_accounts_by_post_count(workspace):
    from shailoo.actors import unattributed_accounts

    import_file(workspace, DATA / "crowdtangle" / "instagram.csv")
    import_file(workspace, DATA / "telegram_desktop" / "group.json")
    rows = unattributed_accounts(workspace).to_arrow_table().to_pylist()
    assert rows[0]["posts"] >= rows[-1]["posts"]
    assert {r["platform"] for r in rows} == {"instagram", "telegram"}
    private = [r for r in rows if r["pseudonymised"]]
    assert private and all(r["name"] is None and r["handle"] is None for r in private)
    import_registry(workspace, ACTORS / "actors.csv")
    assert "instagram" not in {r["platform"] for r in unattributed_accounts(workspace).to_arrow_table().to_pylist()}

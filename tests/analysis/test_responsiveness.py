"""Official responsiveness: complaints addressed to authority accounts, replied share, median and 90th
percentile hours to first reply per account and month, all computed by hand here."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from shailoo.analysis.filters import PostFilter
from shailoo.analysis.responsiveness import responsiveness
from tests.analysis.channels_fixture import actor, at, post


@pytest.fixture
def ws(workspace):
    actor(workspace, "Мэрия Бишкека", "authority", [("facebook", "city")])
    actor(workspace, "Депутат", "politician", [("telegram", "200")])
    post(workspace, "facebook", "F1", "city", at(0), "График отключения воды")

    def comment(key, hours, text, author):
        post(workspace, "facebook", key, author, at(hours), text, post_type="comment", parent="F1")

    def reply(key, hours, parent):
        post(workspace, "facebook", key, "city", at(hours), "Спасибо, передали службам", post_type="comment",
             parent=parent)

    comment("c1", 0, "Когда починят дорогу? Яма", "u1")
    reply("r1", 1, "c1")                                  # 1 h
    comment("c2", 0, "Третий день нет воды", "u2")
    reply("r2", 2, "c2")                                  # 2 h (the later answer does not count)
    reply("r2b", 5, "c2")
    comment("c3", 0, "Мусор не вывозят", "u3")
    reply("r3", 4, "c3")                                  # 4 h
    comment("c4", 0, "Жалоба: на улице нет света", "u4")
    reply("r4", 10, "c4")                                 # 10 h
    comment("c5", 1, "Арыз: суу жок", "u5")              # a complaint, never answered
    comment("c6", 1, "Спасибо!", "u6")                   # not a complaint, answered
    reply("r6", 2, "c6")
    april = datetime(2024, 4, 2, 3, tzinfo=timezone.utc)
    post(workspace, "facebook", "c8", "u7", april, "Яма на дороге", post_type="comment", parent="F1")
    # A deputy's channel writing in a Telegram group: a complaint answered after 30 minutes.
    post(workspace, "telegram", "300/1", "200", at(0), "Приём граждан", space="300", post_type="message")
    post(workspace, "telegram", "300/2", "user9", at(1), "Не работает лифт", space="300", post_type="reply",
         parent="300/1")
    post(workspace, "telegram", "300/3", "200", at(1.5), "Разберёмся", space="300", post_type="reply",
         parent="300/2")
    workspace.con.execute("UPDATE accounts SET is_pseudonymised = true WHERE account_id LIKE 'u%'")
    return workspace


def test_hand_computed(ws):
    rows = [(r["actor"], r["month"], r["comments"], r["complaints"], r["replied"], r["replied_pct"],
             r["median_hours"], r["p90_hours"]) for r in responsiveness(ws).to_pylist()]
    # March: reply times 1, 2, 4, 10 h → median (2 + 4) / 2 = 3; p90 at rank 1 + 0.9·3 = 3.7: 4 + 0.7·6 = 8.2
    assert rows == [("Мэрия Бишкека", date(2024, 3, 1), 6, 5, 4, 80.0, 3.0, 8.2),
                    ("Мэрия Бишкека", date(2024, 4, 1), 1, 1, 0, 0.0, None, None)]


def test_named_actor_and_platform(ws):
    rows = responsiveness(ws, PostFilter(actor="Депутат")).to_pylist()
    deputy = [r for r in rows if r["actor"] == "Депутат"]
    assert [(r["account"], r["complaints"], r["replied"], r["median_hours"]) for r in deputy] == [("200", 1, 1, 0.5)]
    assert {r["actor"] for r in responsiveness(ws, PostFilter(platform="telegram")).to_pylist()} == set()


def test_scope_and_commenters_unnamed(ws):
    rows = responsiveness(ws, PostFilter(start=date(2024, 4, 1))).to_pylist()
    assert [(r["month"], r["complaints"]) for r in rows] == [(date(2024, 4, 1), 1)]
    assert not any(u in str(responsiveness(ws).to_pylist()) for u in ("u1", "u5", "user9"))


# ---- threads from the importers ------------------------------------------------------------------

def test_vk_wall_get_comments_thread(workspace):
    """wall.getComments: comments and replies keyed like posts, parents kept, commenters pseudonymised,
    a bad comment quarantined; the community answering a complaint is found by responsiveness."""
    from shailoo.privacy import pseudonym
    from shailoo.store.loader import import_file
    from tests.conftest import DATA

    actor(workspace, "Мэрия", "authority", [("vk", "-200")])
    import_file(workspace, DATA / "vk" / "wall_reposts.json")  # holds the community's post -200_100
    result = import_file(workspace, DATA / "vk" / "wall_comments.json")
    assert (result.records, result.imported, result.quarantined) == (4, 3, 1)
    rows = {r[0]: r[1:] for r in workspace.con.execute(
        "SELECT platform_post_id, post_type, parent_platform_post_id, account_id FROM posts "
        "WHERE post_type IN ('comment', 'reply')").fetchall()}
    p400 = pseudonym(workspace.pseudonym_key, "vk", "400")
    assert rows["-200_501"] == ("comment", "-200_100", p400)
    assert rows["-200_502"] == ("reply", "-200_501", "-200")
    stored = str(workspace.con.execute("SELECT * FROM posts").fetchall()) + str(
        workspace.con.execute("SELECT * FROM quarantine").fetchall()) + str(
        workspace.con.execute("SELECT * FROM accounts").fetchall())
    for private in ("Асель", "Частная", "asel_private", "Болот", "bolot_hidden", "'402'", "'400'"):
        assert private not in stored
    r = responsiveness(workspace).to_pylist()
    assert [(x["comments"], x["complaints"], x["replied"], x["median_hours"]) for x in r] == [(2, 1, 1, 1.0)]


@pytest.mark.shared
def test_real_telegram_replies_are_threads(workspace, real):
    """The real Telegram Desktop export: every reply keeps its parent (chat/message), so threads can be
    followed; the channel's own follow-ups stay its posts."""
    from shailoo.store.loader import import_file

    import_file(workspace, real / "telegram_desktop_export" / "result.json")
    with_parent, parents_found = workspace.con.execute(
        """SELECT count(*), count(q.post_id) FROM posts p
           LEFT JOIN posts q ON q.platform = p.platform AND q.platform_post_id = p.parent_platform_post_id
           WHERE p.parent_platform_post_id IS NOT NULL AND p.post_type <> 'repost'""").fetchall()[0]
    assert with_parent > 0 and parents_found > 0
    assert workspace.con.execute("SELECT count(*) FROM posts WHERE parent_platform_post_id IS NOT NULL "
                                 "AND NOT regexp_full_match(parent_platform_post_id, '[0-9]+/[0-9]+')").fetchall()[0][0] == 0


def test_meta_content_library_comments(workspace, tmp_path):
    """A Meta Content Library comment export: post_id / parent_id make comments and replies; a commenter
    without an owner type is private (pseudonymised, name never stored)."""
    from shailoo.store.loader import import_file

    actor(workspace, "Мэрия", "authority", [("facebook", "999")])
    path = tmp_path / "facebook-comments.csv"
    path.write_text(
        "id,creation_time,text,post_id,parent_id,post_owner.id,post_owner.name,post_owner.type\n"
        "P1,2024-03-01T00:00:00+0000,Отключение воды,,,999,Мэрия,page\n"
        "c1,2024-03-01T01:00:00+0000,Нет воды третий день,P1,,u77,Айгуль Приватная,\n"
        "c2,2024-03-01T03:00:00+0000,Бригада выехала,P1,c1,999,Мэрия,page\n", encoding="utf-8")
    result = import_file(workspace, path, format_id="meta_content_library")
    assert (result.imported, result.quarantined) == (3, 0)
    rows = {r[0]: r[1:] for r in workspace.con.execute(
        "SELECT platform_post_id, post_type, parent_platform_post_id FROM posts").fetchall()}
    assert rows == {"P1": ("post", None), "c1": ("comment", "P1"), "c2": ("reply", "c1")}
    assert "Айгуль" not in str(workspace.con.execute("SELECT * FROM accounts").fetchall())
    assert "u77" not in str(workspace.con.execute("SELECT account_id FROM posts").fetchall())
    r = responsiveness(workspace).to_pylist()
    assert [(x["complaints"], x["replied"], x["median_hours"]) for x in r] == [(1, 1, 2.0)]

"""The VK collector against a local replay of the API: paging, cursors, readings, errors."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from shailoo.collect.base import (Account, AccountUnavailable, CredentialsError, PlatformError, QuotaExhausted,
                                  Throttled)
from shailoo.collect.credentials import Credentials
from shailoo.collect.http import HttpClient
from shailoo.collect.vk import VkCollector
from tests.collect.replay import Reply
from tests.collect.vk_wall import START, VkApi, make_posts

TOKEN = "vk1.a.test-token-SECRET"
GROUP = Account("vk", 1, "-5", "party")


@pytest.fixture
def api(server):
    api = VkApi(token=TOKEN)
    api.install(server)
    return api


@pytest.fixture
def vk(server, fake_time):
    http = HttpClient(server.url + "/method/", platform="vk", sleep=fake_time.sleep, clock=fake_time.clock)
    yield VkCollector(http, Credentials({"SHAILOO_VK_TOKEN": TOKEN}, keyring=None))
    http.close()


def _ids(batches) -> list[int]:
    out = []
    for b in batches:
        if b.body:
            doc = json.loads(b.body)
            out += [i["id"] for i in doc["response"]["items"]]
    return out


def test_pages_the_whole_wall_by_offset_then_stops_at_the_cursor(api, vk, server):
    api.add_wall(-5, make_posts(-5, 250))
    batches = list(vk.new_posts(GROUP, None, None))
    assert sorted(_ids(batches)) == list(range(1, 251))
    offsets = [int(r.params["offset"]) for r in server.requests]
    assert offsets == [0, 100, 200] and all(r.params["count"] == "100" and r.params["v"] for r in server.requests)
    assert batches[-1].cursor == {"account_id": "-5", "last_id": 250}
    assert "pass" in batches[0].cursor  # an intermediate cursor says where to continue
    api.add_wall(-5, make_posts(-5, 253))  # three new posts
    again = list(vk.new_posts(GROUP, batches[-1].cursor, None))
    assert _ids(again) == [253, 252, 251] and again[-1].cursor["last_id"] == 253
    assert len(server.requests) == 4  # one page was enough


def test_a_pinned_old_post_does_not_end_paging_and_is_not_collected_twice(api, vk):
    posts = make_posts(-5, 150)
    api.add_wall(-5, posts, pinned=posts[0])
    first = list(vk.new_posts(GROUP, None, None))
    assert sorted(set(_ids(first))) == list(range(1, 151))
    api.add_wall(-5, make_posts(-5, 152), pinned=posts[0])
    again = list(vk.new_posts(GROUP, first[-1].cursor, None))
    assert _ids(again) == [152, 151]  # the pinned post 1 is known: not in the batch


def test_since_bounds_a_first_run(api, vk):
    api.add_wall(-5, make_posts(-5, 300, step_s=3600))
    since = START + timedelta(hours=250)
    batches = list(vk.new_posts(GROUP, None, since))
    assert sorted(_ids(batches)) == list(range(251, 301))


def test_nothing_new_is_a_cursor_only_batch(api, vk):
    api.add_wall(-5, make_posts(-5, 20))
    first = list(vk.new_posts(GROUP, None, None))
    again = list(vk.new_posts(GROUP, first[-1].cursor, None))
    assert len(again) == 1 and again[0].body == b"" and again[0].cursor["last_id"] == 20


def test_resume_after_interruption_continues_without_gaps(api, vk):
    api.add_wall(-5, make_posts(-5, 350))
    gen = vk.new_posts(GROUP, None, None)
    first = next(gen)
    gen.close()  # interrupted after batch 1
    api.add_wall(-5, make_posts(-5, 355))  # new posts shift the offsets meanwhile
    rest = list(vk.new_posts(GROUP, first.cursor, None))
    assert sorted(set(_ids([first]) + _ids(rest))) == list(range(1, 351))
    assert not set(_ids([first])) & set(_ids(rest))  # nothing twice
    final = rest[-1].cursor
    assert final["last_id"] == 350 and "pass" not in final
    assert _ids(list(vk.new_posts(GROUP, final, None))) == [355, 354, 353, 352, 351]


def test_resume_after_deletions_steps_back(api, vk):
    posts = make_posts(-5, 300)
    api.add_wall(-5, posts)
    gen = vk.new_posts(GROUP, None, None)
    first = next(gen)
    gen.close()
    api.add_wall(-5, [p for p in posts if not 280 <= p["id"] <= 299])  # 20 posts deleted above the offset
    rest = list(vk.new_posts(GROUP, first.cursor, None))
    assert set(_ids(rest)) == set(range(1, 201))


def test_readings_by_id_note_deleted_posts(api, vk, server):
    api.add_wall(-5, make_posts(-5, 150))
    ids = [f"-5_{i}" for i in range(1, 151)] + ["-5_9999"]
    batches = list(vk.readings(GROUP, ids))
    assert [r.path for r in server.requests] == ["/method/wall.getById"] * 2
    assert len(server.requests[0].params["posts"].split(",")) == 100
    assert sum(b.posts_seen for b in batches) == 150
    assert any("1 of 51 posts" in n for b in batches for n in b.notes)


def test_comments_when_asked(api, server, fake_time):
    api.add_wall(-5, make_posts(-5, 3, comments=120))
    http = HttpClient(server.url + "/method/", platform="vk", sleep=fake_time.sleep, clock=fake_time.clock)
    vk = VkCollector(http, Credentials({"SHAILOO_VK_TOKEN": TOKEN}, keyring=None), comments=True)
    batches = list(vk.new_posts(GROUP, None, None))
    paths = [r.path for r in server.requests]
    assert paths.count("/method/wall.getComments") == 6  # 3 posts x 2 pages of comments
    assert sum(b.posts_seen for b in batches) == 3 + 360
    assert batches[-1].cursor["last_id"] == 3  # the page with the cursor comes after its comments


def test_error_6_backs_off_then_succeeds(api, vk, fake_time):
    api.add_wall(-5, make_posts(-5, 5))
    api.throttle = 2
    assert len(_ids(list(vk.new_posts(GROUP, None, None)))) == 5
    assert len(fake_time.sleeps) >= 2


def test_error_6_for_ever_is_throttled(api, vk):
    api.add_wall(-5, make_posts(-5, 5))
    api.throttle = 100
    with pytest.raises(Throttled):
        list(vk.new_posts(GROUP, None, None))


@pytest.mark.parametrize("code, kind", [(5, CredentialsError), (15, AccountUnavailable), (18, AccountUnavailable),
                                        (30, AccountUnavailable), (29, QuotaExhausted), (10, PlatformError)])
def test_error_codes(api, vk, code, kind):
    api.add_wall(-5, make_posts(-5, 5))
    api.errors[-5] = (code, "some reason")
    with pytest.raises(kind) as info:
        list(vk.new_posts(GROUP, None, None))
    assert TOKEN not in str(info.value) and "\n" not in str(info.value)


def test_unknown_group_is_unavailable(api, vk):
    with pytest.raises(AccountUnavailable, match="vk:nosuch"):
        list(vk.new_posts(Account("vk", 1, None, "nosuch"), None, None))


@pytest.mark.parametrize("account", [Account("vk", 1, "77", None), Account("vk", 1, None, "id77")])
def test_a_persons_wall_is_refused_without_a_call(api, vk, server, account):
    with pytest.raises(AccountUnavailable, match="person"):
        list(vk.new_posts(account, None, None))
    assert server.count() == 0


def test_a_persons_wall_found_by_name_is_refused(api, vk):
    api.add_wall(77, make_posts(77, 3), screen_name="someone")
    with pytest.raises(AccountUnavailable, match="person"):
        list(vk.new_posts(Account("vk", 1, None, "someone"), None, None))


def test_by_short_name_then_cursor_knows_the_owner(api, vk, server):
    api.add_wall(-5, make_posts(-5, 3), screen_name="party")
    batches = list(vk.new_posts(Account("vk", 1, None, "party"), None, None))
    assert server.requests[0].path.endswith("utils.resolveScreenName")  # whose wall, before asking for it
    assert server.requests[0].params["screen_name"] == "party" and server.requests[1].params["owner_id"] == "-5"
    assert batches[-1].cursor["account_id"] == "-5"


def test_missing_token_is_a_credentials_error(server):
    http = HttpClient(server.url + "/method/", platform="vk")
    with pytest.raises(CredentialsError, match="SHAILOO_VK_TOKEN"):
        VkCollector(http, Credentials({}, keyring=None))


def test_an_answer_that_is_not_json_is_layout_changed(server, vk):
    from shailoo.collect.base import LayoutChanged

    server.route("/method/wall.get", Reply(200, b"<html>maintenance</html>"))
    with pytest.raises(LayoutChanged):
        list(vk.new_posts(GROUP, None, None))


@pytest.mark.shared
def test_real_wall_get_answer_pages_with_its_pinned_post(server, vk, real):
    body = (real / "vk_wallget" / "wall_get_response_club109125816.json").read_bytes()
    doc = json.loads(body)
    server.route("/method/wall.get", Reply.json({"response": {**doc, "count": 10}}))
    account = Account("vk", 1, "-109125816", None)
    batches = list(vk.new_posts(account, None, None))
    assert len(_ids(batches)) == 10 and batches[-1].cursor["last_id"] == 520290  # the pinned 519471 is older
